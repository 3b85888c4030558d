// The documented error codes of the kiosk-facing interface (R-8.2-1): every
// refusal the gateway can give, as a stable string id ("request.bad_field"),
// the number carried in the envelope's `code`, the HTTP status, and a Chinese
// and an English message.
//
// Numbering: code = HTTP status × 100 + a serial within that status
// (40002 = the second 400 error), so the status is code / 100; 0 is success.
// Ids and numbers are stable: a new error gets the next serial, an old one is
// never renumbered or reused.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace kiosktwin::api {

enum class ErrorCode : std::uint8_t {
    ok,
    // 400: the request body
    malformed_json,          ///< request.malformed_json: not JSON, or not UTF-8
    bad_field,               ///< request.bad_field: wrong type, length, range, format
    missing_field,           ///< request.missing_field
    unknown_code,            ///< request.unknown_code: not in the code table
    bad_id_number,           ///< request.bad_id_number: GB 11643 structure or check digit
    malformed_http,          ///< request.malformed_http: not HTTP/1.1 the server can read
    // 401 / 403: signing and registration (R-8.1-1, R-9.2-1)
    auth_missing_header,     ///< auth.missing_header
    auth_bad_header,         ///< auth.bad_header
    auth_unknown_key,        ///< auth.unknown_key
    auth_bad_method,         ///< auth.bad_method: signature algorithm not offered
    auth_stale_timestamp,    ///< auth.stale_timestamp
    auth_bad_signature,      ///< auth.bad_signature
    auth_replayed_nonce,     ///< auth.replayed_nonce
    auth_unregistered_terminal,  ///< auth.unregistered_terminal (403)
    auth_forbidden,          ///< auth.forbidden (403): the key's role may not call this route
    // 404 / 405 / 409 / 413 / 415
    not_found,               ///< resource.not_found
    method_not_allowed,      ///< request.method_not_allowed
    idempotency_mismatch,    ///< conflict.idempotency_mismatch: same key, different body
    conflict_state,          ///< conflict.state: not allowed in the resource's state
    duplicate_evaluation,    ///< conflict.duplicate_evaluation: 一次一评 (R-11.3-2)
    too_large,               ///< request.too_large
    unsupported_media_type,  ///< request.unsupported_media_type: not application/json
    // 5xx
    internal,                ///< internal
    service_unavailable,     ///< service.unavailable: back end down or retired
    service_timeout,         ///< service.timeout: back end did not answer in time
};

/// One row of the error table.
struct ErrorInfo {
    ErrorCode code;
    std::string_view id;      ///< stable string id, e.g. "request.bad_field"
    int number;               ///< the envelope's `code` (0 = success)
    int http_status;          ///< e.g. 400
    std::string_view msg_zh;  ///< message for people, Chinese (the envelope's default `msg`)
    std::string_view msg_en;  ///< message for people, English
};

/// The whole table, in ErrorCode order.
std::span<const ErrorInfo> error_table() noexcept;
/// The row of an error code.
const ErrorInfo& info(ErrorCode code) noexcept;
/// Lookup by stable id ("request.bad_field") or by number (40002); nullopt if unknown.
std::optional<ErrorCode> find_error(std::string_view id) noexcept;
std::optional<ErrorCode> find_error(int number) noexcept;

inline std::string_view to_string(ErrorCode code) noexcept { return info(code).id; }
inline int http_status(ErrorCode code) noexcept { return info(code).http_status; }

/// The table for documentation (OpenAPI, docs/):
/// {"scheme": "...", "errors": [{"error", "code", "http_status", "msg_zh", "msg_en"}, ...]}.
nlohmann::json error_table_json();

/// One problem with a request: what is wrong (the code), where (a JSON pointer
/// into the body, empty when it is not about one field) and why, for people.
struct Problem {
    ErrorCode code = ErrorCode::internal;
    std::string path;    ///< JSON pointer, e.g. "/applicant/id_number"
    std::string reason;  ///< e.g. "check character should be X, not 3"

    friend bool operator==(const Problem&, const Problem&) = default;
};

}  // namespace kiosktwin::api
