// The kiosk's side of the platform interface (clause 8): calls to the gateway
// with the envelope decoded, timeouts, and retries that are safe because they
// reuse the request's idempotency key.
//
// The transport is an interface so the same client runs in the twin (the
// gateway's request handler called in process, through a modelled link:
// twin/world) and live (signed HTTP through the link proxy to `kiosktwin
// gateway`: twin/live). A transport failure — nothing came back — is a value,
// never an exception: a kiosk meets it daily.
#pragma once

#include <kiosktwin/kiosk/channel.hpp>
#include <kiosktwin/sim/simulation.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace kiosktwin::kiosk {

struct GatewayRequest {
    std::string_view method = "GET";  ///< "GET" or "POST"
    std::string target;               ///< path and query: "/api/v1/items?limit=100"
    nlohmann::json body;              ///< null for GET
    std::string idempotency_key;      ///< empty: none
};

struct GatewayReply {
    ChannelError transport = ChannelError::none;  ///< no answer at all (timeout, reset, refused)
    int http_status = 0;
    int code = 0;          ///< the envelope's code: 0 = success
    std::string error;     ///< the stable error id ("auth.replayed_nonce") when code != 0
    std::string msg;
    nlohmann::json data;
    int attempts = 0;      ///< how many times the client sent it

    bool ok() const noexcept { return transport == ChannelError::none && code == 0; }
    /// Nothing came back, or the platform said try again (5xx, 429).
    bool unreachable() const noexcept { return transport != ChannelError::none; }
    bool transient() const noexcept {
        return unreachable() || http_status == 429 || http_status >= 500;
    }
    /// "link-down", "timeout", or the error id, for outcomes and logs.
    std::string reason() const;

    /// An answer read from its HTTP status and envelope text (live), or from
    /// the envelope the in-process gateway built (virtual): the same fields
    /// either way; a body that is not an envelope is code -1,
    /// "malformed-envelope".
    static GatewayReply from_text(int http_status, std::string_view body);
    static GatewayReply from_envelope(int http_status, const nlohmann::json& envelope);
};

/// Moves one request to the gateway and its envelope back.
class GatewayTransport {
public:
    virtual ~GatewayTransport() = default;
    virtual sim::Simulation& sim() noexcept = 0;
    /// One attempt, at most `timeout`.
    virtual sim::Process<GatewayReply> send(const GatewayRequest& request, sim::Duration timeout) = 0;
};

struct GatewayOptions {
    sim::Duration timeout = std::chrono::seconds(8);     ///< per attempt
    int attempts = 3;                                    ///< in all, for a request that may be retried
    sim::Duration backoff = std::chrono::milliseconds(500);  ///< before the 2nd attempt; doubles after
};

struct GatewayCounters {
    std::uint64_t calls = 0;
    std::uint64_t attempts = 0;
    std::uint64_t unreachable = 0;  ///< attempts with no answer
    std::uint64_t errors = 0;       ///< calls that ended in an error envelope
};

class GatewayClient {
public:
    explicit GatewayClient(GatewayTransport& transport, GatewayOptions options = {});

    /// Whether the request may be sent again after a failure: GETs, POSTs
    /// that carry an idempotency key, and queries the caller declares safe.
    enum class Retry { never, safe };

    sim::Process<GatewayReply> get(std::string target);
    /// A POST; retried only with a key or when `retry` is safe.
    sim::Process<GatewayReply> post(std::string target, nlohmann::json body, std::string idempotency_key = {},
                                    Retry retry = Retry::never);

    /// Whether the last attempt reached the gateway.
    bool reachable() const noexcept { return m_reachable; }
    const GatewayCounters& counters() const noexcept { return m_counters; }
    const GatewayOptions& options() const noexcept { return m_options; }
    GatewayTransport& transport() noexcept { return m_transport; }

private:
    sim::Process<GatewayReply> call(GatewayRequest request, bool retry);
    GatewayTransport& m_transport;
    GatewayOptions m_options;
    GatewayCounters m_counters;
    bool m_reachable = true;
};

}  // namespace kiosktwin::kiosk
