// The gateway's request handler: one pure function of (request, state, now)
// — no sockets, no wall clock, no storage — that the live server calls for
// every request and the twin calls in virtual time.
//
// For each request, in order:
//   1. route: method and path against the route table (404 resource.not_found,
//      405 request.method_not_allowed with an Allow header);
//   2. size and media type: a body over Config::max_body_bytes is 413
//      request.too_large; a POST/PUT/PATCH body must be application/json
//      (415 request.unsupported_media_type);
//   3. signing (R-8.1-1, R-9.2-1): a signed route verifies the five x-kiosk-*
//      headers (api/signing.hpp; 401 auth.*) — or, in process, takes
//      Request::peer_key_id as authenticated (http.hpp); the key's role must
//      fit the route (403 auth.forbidden), and a terminal route needs the
//      key bound to a registered terminal (403 auth.unregistered_terminal);
//   4. the body as JSON (400 request.malformed_json), the route's handler,
//      which validates (400 with the JSON path of the bad field) and calls
//      the back ends through their profiles (503 service.unavailable in an
//      outage, 500 internal for a drawn failure; the drawn latency goes in
//      Response::delay).
// Every refusal and every change is appended to the audit log (R-9.2-1,
// R-9.3-1); Response::mutated says whether anything changed.
#pragma once

#include <kiosktwin/api/errors.hpp>
#include <kiosktwin/server/http.hpp>
#include <kiosktwin/server/state.hpp>
#include <kiosktwin/services/outcome.hpp>
#include <kiosktwin/sim/random.hpp>
#include <kiosktwin/sim/time.hpp>

#include <nlohmann/json.hpp>

#include <initializer_list>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::server {

/// Who may call a route.
enum class Access : std::uint8_t {
    open,      ///< unsigned (health, OpenAPI, the public catalogue)
    enrol,     ///< signed by a kiosk key, bound or not (register)
    terminal,  ///< signed by a kiosk key bound to a registered terminal
    admin,     ///< signed by an admin key
};

struct Route;

/// What a route's handler works with.
struct Call {
    const Request& request;
    State& state;
    sim::Time now;
    const Route& route;
    std::map<std::string, std::string, std::less<>> params;  ///< path parameters, by name
    std::map<std::string, std::string, std::less<>> query;   ///< decoded query (the last of a repeated name)
    nlohmann::json body;      ///< the parsed body (null for none)
    std::string key_id;       ///< signer, for signed routes
    std::string terminal_id;  ///< the bound terminal, for terminal routes
    std::string actor;        ///< for the audit log: terminal id, key id or "anonymous"
    sim::Rng rng;             ///< this request's stream
    sim::Duration delay{};    ///< back-end latency drawn so far
    api::Problem problem{api::ErrorCode::ok, {}, {}};  ///< the last fail()

    /// Draws the back end's profile: true when the call got through; false
    /// with `refusal` set to 503 (outage) or 500 (drawn error). Adds the delay.
    bool reach(std::string_view backend, Response& refusal);

    /// The success envelope with `data`.
    Response ok(nlohmann::json data = nlohmann::json::object(), int status = 200) const;
    /// The same, serialised now (for responses that are memoised as text).
    Response ok_text(nlohmann::json data) const;
    /// An error envelope; remembered in `problem` for the audit record.
    Response fail(api::ErrorCode code, std::string_view path = {}, std::string_view reason = {});
    Response fail(const services::Outcome& o) { return fail(o.error, o.path, o.reason); }
    /// An audit record by this call's actor.
    void audit(std::string_view action, std::string_view outcome, const nlohmann::json& detail = nlohmann::json::object());

    /// A query parameter as an unsigned integer in [lo, hi]; `fallback` when
    /// absent; nullopt (and `error` set) when malformed.
    std::optional<std::uint64_t> query_uint(std::string_view name, std::uint64_t fallback, std::uint64_t lo,
                                            std::uint64_t hi, Response& error);
};

using Handler = Response (*)(Call&);

/// One entry of the route table; the OpenAPI document (openapi.hpp) is generated from these.
struct Route {
    std::string_view id{};       ///< stable, e.g. "applications.create" (the audit action)
    std::string_view method{};   ///< "GET" / "POST"
    std::string_view pattern{};  ///< "/api/v1/applications/{case_no}/submit"
    Access access = Access::open;
    bool mutating = false;     ///< changes state when it succeeds (audited by the router unless the handler did)
    Handler handler = nullptr;
    std::string_view summary{};  ///< one line, Chinese and English
    std::string_view tag{};      ///< OpenAPI tag: the back end
    /// The request body's JSON Schema (OpenAPI 3.0 subset), "" for none.
    std::string_view request_schema{};
    /// The query parameters, "name:type:description" each ("" for none, ';' between).
    std::string_view query{};
    /// Request headers other than the signature ("idempotency-key" ...), ';' between.
    std::string_view headers{};
    /// The errors a handler may answer besides the router's common ones.
    std::initializer_list<api::ErrorCode> errors{};
};

/// Every route, in the order the OpenAPI document lists them.
std::span<const Route> routes();

/// Handles one request. `now` must be virtual time on state.calendar();
/// earlier than a previous call's it is taken as that call's (time never
/// runs backwards for the state).
Response handle_request(const Request& request, State& state, sim::Time now);

/// JSON text as the gateway sends it: UTF-8, anything ill-formed inside
/// strings replaced by U+FFFD.
std::string wire_text(const nlohmann::json& j);

}  // namespace kiosktwin::server
