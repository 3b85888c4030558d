// The http_fault toxic's two stages: one on the upstream stream reads the
// requests (protocol::http1) and aborts, delays or lets each one through; its
// partner at the head of the downstream stream keeps the responses in
// request order, puts the aborts' answers in their place, and throttles the
// responses chosen for it (Envoy's fault filter, peripherals.md §3.2).
//
// A stream that is not HTTP passes opaque and undelayed: from its first byte
// that cannot begin a request line (the framer judges a method as it comes,
// so a TLS ClientHello goes at once), or when a connection's first request
// line is still not whole 5 s after its first bytes. Aborts of HEAD requests
// and with no-body statuses (1xx, 204, 304) are answered without a body.
#pragma once

#include "stage.hpp"

#include <kiosktwin/link/toxic.hpp>

#include <nlohmann/json.hpp>

#include <memory>
#include <utility>

namespace kiosktwin::link::detail {

/// What one http_fault toxic shares across the connections of its link:
/// the request count behind first_n, and Envoy's counters.
struct HttpFaultShared;
std::shared_ptr<HttpFaultShared> make_http_fault_shared();
void update_http_fault_shared(HttpFaultShared& shared, const HttpFaultParams& p);
/// {"requests", "aborts_injected", "delays_injected", "response_rl_injected"}
nlohmann::json http_fault_stats(const HttpFaultShared& shared);

/// The request stage (upstream, key `up_key`) and the response stage
/// (downstream, key `down_key`).
std::pair<std::unique_ptr<Stage>, std::unique_ptr<Stage>> make_http_fault_stages(
    std::uint64_t up_key, std::uint64_t down_key, const HttpFaultParams& params,
    std::shared_ptr<HttpFaultShared> shared, sim::Rng rng);

}  // namespace kiosktwin::link::detail
