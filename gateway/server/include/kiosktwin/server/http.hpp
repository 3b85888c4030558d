// The HTTP exchange as plain values, so the request handler is a pure
// function the twin calls in virtual time and tests call without sockets;
// the live server (live_server.hpp) only moves these on and off the wire.
#pragma once

#include <kiosktwin/api/errors.hpp>
#include <kiosktwin/sim/time.hpp>

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kiosktwin::server {

struct Request {
    std::string method;  ///< "GET", "POST", ... as sent
    std::string target;  ///< path and optional query, as sent ("/api/v1/items?limit=20")
    std::map<std::string, std::string, std::less<>> headers;  ///< names in lower case
    std::string body;    ///< raw bytes

    // In-process callers (the twin, in virtual time) skip the wire: no text
    // to encode and parse again, no signature to compute and check. The
    // live server never sets these.
    /// The key the request comes from, authenticated by construction: the
    /// router takes it instead of verifying x-kiosk-* headers.
    std::string peer_key_id;
    /// The body as JSON, used instead of `body` when set.
    std::optional<nlohmann::json> json;

    /// Set by the live server for what it refused before a request could be
    /// read whole (a body or header over the limit, HTTP it cannot parse):
    /// the handler then only audits the refusal (R-9.2-1) and answers it,
    /// and the journal keeps it like any other change.
    std::optional<api::Problem> refused_on_wire;

    /// Whether this is an in-process request (peer_key_id or json set): its
    /// response carries `envelope` and leaves `body` empty.
    bool in_process() const noexcept { return !peer_key_id.empty() || json.has_value(); }

    /// The header's value, or "" when absent (`name` in lower case).
    std::string_view header(std::string_view name) const;
};

struct Response {
    int status = 200;
    std::string content_type = "application/json; charset=utf-8";
    std::string body;  ///< the envelope's text (empty for an in-process request, see `envelope`)
    /// The envelope as JSON, for in-process requests (null otherwise, or when
    /// the body was served from text, e.g. a memoised catalogue page).
    nlohmann::json envelope;
    std::vector<std::pair<std::string, std::string>> headers;  ///< extra headers
    /// The back ends' latency drawn for this call: the live server answers
    /// after it (on a timer), the twin adds it in virtual time.
    sim::Duration delay{};
    /// The call changed the gateway's state (a nonce accepted, an audit
    /// record, a back end's store): the live server persists the request
    /// before the response leaves (journal.hpp).
    bool mutated = false;
};

}  // namespace kiosktwin::server
