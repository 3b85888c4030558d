// The JSON-over-HTTP face of the local device service (R-8.3-1): the face
// and document cameras and the simple status devices sit behind one HTTP
// service on 127.0.0.1:PORT, as vendor 高拍仪 and face-SDK services do
// (peripherals.md H2, H3), each device under its own path prefix.
//
// Conventions shared by every device behind the service:
//
// * Bodies are JSON, UTF-8 (R-8.1-1); responses are `application/json` and
//   carry `Access-Control-Allow-Origin: *` (kiosk UIs are often web pages).
//   An OPTIONS request to a known path answers 204 with the allowed methods.
// * Success: HTTP 200 and the R-8.2-1 envelope
//       {"code": 0, "msg": "ok", "data": {...}}
//   Images travel as Base64 (R-8.2-1). A measurement that came out badly
//   (no face, low fingerprint quality, a wrong PIN with tries left) is still
//   a success: the outcome is in `data`.
// * Failure: an HTTP error status and
//       {"code": <nonzero>, "msg": "...", "error": {"code": "<name>", "message": "...", ...}}
//   where the numeric code is the HTTP status × 100 + a number, and the
//   name is stable snake_case (the table of ServiceError below):
//     400 the request is malformed (bad JSON, a missing or invalid field)
//     404 unknown path, 405 method not allowed (with an Allow header),
//     413 body larger than k_max_body_bytes
//     409 the device is in the wrong state for this (not open, busy, no card...)
//     422 the operation ran and failed on its input (empty signature, card reversed...)
//     500 the hardware failed during the operation
//     503 the device is absent or disconnected
//     504 the device gave up waiting for the citizen (no finger, no signature...)
// * A POST body may be empty (read as {}); it must otherwise be a JSON
//   object. Unknown members are ignored; known ones are checked.
// * Paths are matched exactly after percent-decoding; one trailing '/' is
//   ignored; the query string is parsed but no endpoint needs it.
//
// Everything here is pure (standard library and nlohmann/json): the devices
// use it to route, parse and validate, and build their replies.
#pragma once

#include <kiosktwin/protocol/bytes.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kiosktwin::protocol::local_service {

/// Largest request body accepted, in bytes.
inline constexpr std::size_t k_max_body_bytes = 8 * 1024 * 1024;
/// Deepest nesting of arrays and objects a body may have.
inline constexpr std::size_t k_max_json_depth = 64;

/// Whether `text` is well-formed UTF-8 (as protocol::is_valid_utf8).
bool valid_utf8(std::string_view text) noexcept;
/// `text` with every ill-formed UTF-8 sequence replaced by U+FFFD.
std::string sanitise_utf8(std::string_view text);

// --- Errors and the envelope ------------------------------------------------------

enum class ServiceError : std::uint8_t {
    bad_json,            ///< 400 40001: the body is not a JSON object
    invalid_field,       ///< 400 40002: a member is missing or has a bad value
    not_found,           ///< 404 40401: no such path
    method_not_allowed,  ///< 405 40501
    payload_too_large,   ///< 413 41301
    not_open,            ///< 409 40901: the camera is not open
    device_busy,         ///< 409 40902: opened by another process, or already working
    not_initialised,     ///< 409 40903: the SDK/device was not initialised
    no_session,          ///< 409 40904: nothing started (no capture, signing or PIN entry)
    session_active,      ///< 409 40905: one is already in progress
    no_card,             ///< 409 40906
    pin_blocked,         ///< 409 40907: SW 6983
    key_not_loaded,      ///< 409 40908
    empty_signature,     ///< 422 42201
    card_reversed,       ///< 422 42202: inserted the wrong way round (no ATR)
    card_reported_lost,  ///< 422 42203: 挂失 (reported lost)
    cancelled,           ///< 422 42204: the citizen pressed cancel
    hardware_error,      ///< 500 50001: failed mid-operation (disconnect, tamper)
    psam_missing,        ///< 500 50002
    card_read_error,     ///< 500 50003: dirty contacts, a read that did not complete
    device_absent,       ///< 503 50301: absent or disconnected
    timeout,             ///< 504 50401: the citizen did not act in time
};

/// The snake_case name of an error ("not_open").
const char* to_string(ServiceError e) noexcept;
/// The HTTP status an error is answered with.
int http_status(ServiceError e) noexcept;
/// The envelope's numeric code (HTTP status × 100 + n).
int numeric_code(ServiceError e) noexcept;

/// A failure, before it becomes a reply.
struct Failure {
    ServiceError error = ServiceError::invalid_field;
    std::string message;
};

/// One reply of the service (the device turns it into its HTTP response).
struct ServiceReply {
    int status = 200;
    std::string body;  ///< JSON text
    std::vector<std::pair<std::string, std::string>> headers;
};

/// {"code":0,"msg":"ok","data":<data>} as JSON text.
std::string ok_body(const nlohmann::json& data);
/// The error envelope; the members of `extra` (an object) are added to
/// "error" ({"sw":"6983"}).
std::string error_body(ServiceError e, std::string_view message,
                       const nlohmann::json& extra = nlohmann::json::object());
/// HTTP 200 with ok_body.
ServiceReply ok_reply(const nlohmann::json& data);
/// The error's HTTP status with error_body.
ServiceReply error_reply(ServiceError e, std::string_view message,
                         const nlohmann::json& extra = nlohmann::json::object());
ServiceReply error_reply(const Failure& f, const nlohmann::json& extra = nlohmann::json::object());
/// The header every reply carries (CORS for kiosk UIs served from elsewhere).
std::pair<std::string, std::string> cors_header();

// --- Targets and routes -------------------------------------------------------------

struct Target {
    std::string path;  ///< percent-decoded, without one trailing '/'
    std::vector<std::pair<std::string, std::string>> query;
};
/// Splits "/camera/face/capture?w=640" into path and query, percent-decoding
/// both; nullopt if it does not start with '/', has a bad %-escape, a NUL or
/// is longer than 4096 bytes.
std::optional<Target> parse_target(std::string_view target);

struct Route {
    std::string_view method;  ///< "GET", "POST"
    std::string_view path;    ///< the full path, "/camera/face/capture"
};

/// The outcome of routing one request.
struct Routed {
    std::size_t route = 0;  ///< index into the routes, when reply is empty
    Target target;
    nlohmann::json body = nlohmann::json::object();  ///< the POST body ({} when empty; {} for GET)
    std::optional<ServiceReply> reply;  ///< set when the request is answered here (error, OPTIONS)
};

/// The common front of every device: matches `method target` against
/// `routes` (404 unknown path, 405 known path other method, 204 OPTIONS),
/// then reads a POST body (413 too large; 400 bad_json if it is not one JSON
/// object of strict RFC 8259 in UTF-8, nested at most k_max_json_depth deep;
/// the last of duplicate names wins).
Routed route_request(std::span<const Route> routes, std::string_view method, std::string_view target,
                     std::string_view body);

// --- Field checks ---------------------------------------------------------------------

enum class FieldType : std::uint8_t { string, integer, number, boolean, base64, digits, array };

/// What one member of a request body must look like.
struct FieldSpec {
    std::string_view name;
    FieldType type = FieldType::string;
    bool required = false;
    double min = -std::numeric_limits<double>::infinity();  ///< numbers: value; strings, digits, base64: length
    double max = std::numeric_limits<double>::infinity();   ///< base64: decoded bytes
    std::string_view one_of = {};  ///< strings: allowed values, '|'-separated ("a|b")
};

/// Checks `body` (an object) against `fields`; the failure names the member.
std::optional<Failure> check_fields(const nlohmann::json& body, std::span<const FieldSpec> fields);

/// Member helpers for a checked body (fallback when absent).
std::string string_field(const nlohmann::json& body, std::string_view name, std::string_view fallback = {});
double number_field(const nlohmann::json& body, std::string_view name, double fallback);
bool bool_field(const nlohmann::json& body, std::string_view name, bool fallback);
/// A base64 member decoded (nullopt if absent or not Base64).
std::optional<Bytes> base64_field(const nlohmann::json& body, std::string_view name);

}  // namespace kiosktwin::protocol::local_service
