// The live half of `kiosktwin bench link`: what one proxy hop through the
// link model costs on loopback, against the same traffic sent direct.
//
//   - ping-pong: a client sends a small message to an echo server and waits
//     for it to come back, direct and through a toxic-free proxy, in
//     interleaved rounds (so drift in the machine's load hits both alike);
//     the added latency is the difference of the round-trip quantiles;
//   - bulk: the client streams bytes to a sink that acknowledges the end,
//     direct and through a proxy, in pairs of trials back to back; the
//     figures are the medians (of each path, and of the pairs' ratios).
//
// The proxy is the one `kiosktwin serve` runs (the same LinkProxy on its own
// io_context thread); the echo server, the sink and the client use plain
// blocking sockets on their own threads, so only the proxy is measured.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace kiosktwin::host {

struct LinkLiveBenchParams {
    int pings = 20'000;                      ///< measured round trips per path
    int rounds = 10;                         ///< pings are split into this many interleaved rounds
    std::uint32_t ping_bytes = 64;           ///< message size of the ping-pong
    std::uint64_t bulk_bytes = 256u << 20;   ///< bytes per bulk trial
    int bulk_trials = 5;                     ///< paired trials (direct, then proxy); medians count
    std::string bind = "127.0.0.1";
    /// Progress lines (may be empty).
    std::function<void(const std::string&)> progress;
};

struct LinkLiveBenchResult {
    double direct_p50_us = 0, direct_p99_us = 0;
    double proxy_p50_us = 0, proxy_p99_us = 0;
    double added_p50_us = 0, added_p99_us = 0;
    double direct_mb_s = 0, proxy_mb_s = 0;  ///< medians over the trials
    double throughput_ratio = 0;             ///< median over the pairs of proxy / direct throughput
};

/// Runs it. Throws std::runtime_error if a socket cannot be set up or a
/// transfer does not complete (each wait is bounded).
LinkLiveBenchResult run_link_live_bench(const LinkLiveBenchParams& params);

}  // namespace kiosktwin::host
