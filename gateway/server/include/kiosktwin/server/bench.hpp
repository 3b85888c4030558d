// `kiosktwin bench gateway` (issue 6, "Benchmark"): the live gateway against
// nginx on loopback, both driven by wrk in the same run, and handle_request
// called in virtual time on one core.
//
//   Live: the gateway (LiveGateway, journal in a temporary database with
//   synchronous=FULL) and nginx (Debian's, serving a static file with the
//   bytes of the gateway's catalogue page) listen on loopback; wrk reads the
//   same page from both (read_rps, nginx_rps, read_ratio, p50/p99), then
//   posts signed create-application requests (pre-signed here, a fresh nonce
//   and idempotency key each, replayed by a wrk Lua script) for write_rps.
//   Targets on 2 cores: read_ratio >= 0.5 with read p99 <= 2 ms;
//   write_rps >= 5,000 durable.
//
//   Virtual: a kiosk fleet's session mix (heartbeat, catalogue page, ID
//   check, face compare, create, material, submit, status), signed ahead of
//   time, through handle_request on one thread: virtual_calls_per_s
//   (target 200,000).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

namespace kiosktwin::server {

struct VirtualBenchParams {
    std::uint64_t sessions = 20'000;  ///< kiosk sessions of 8 calls each
    int terminals = 50;
    std::uint64_t seed = 1;
};

struct VirtualBenchResult {
    std::uint64_t calls = 0;
    double seconds = 0;  ///< wall time inside handle_request calls
    double calls_per_s = 0;
    std::uint64_t errors = 0;  ///< responses other than 2xx (should be 0)
    std::size_t applications = 0;
    std::size_t audit_records = 0;
};

/// Throws std::runtime_error if the mix's calls fail.
VirtualBenchResult run_virtual_bench(const VirtualBenchParams& p);

struct LiveBenchParams {
    double seconds = 5;   ///< per wrk run
    int connections = 32;
    int wrk_threads = 1;     ///< wrk on one core, the server under test on the other
    /// The gateway's I/O threads and nginx's workers: one each on 2 cores,
    /// so that server and wrk each have a core (more oversubscribes them and
    /// the tails measure the scheduler).
    int server_threads = 1;
    std::function<void(const std::string&)> progress;
};

struct LatencyFigures {
    double rps = 0;  ///< successful (2xx) responses per second
    double seconds = 0;  ///< wrk's measured run time
    double p50_ms = 0;
    double p99_ms = 0;
    std::uint64_t requests = 0;
    std::uint64_t errors = 0;  ///< non-2xx responses and socket errors
    std::uint64_t non_2xx = 0;
};

struct LiveBenchResult {
    LatencyFigures nginx, read, write;
    double read_ratio = 0;
    std::uint64_t journal_entries = 0;
    std::uint64_t journal_batches = 0;
    std::string page_target;
    std::size_t page_bytes = 0;
};

/// Needs `nginx` and `wrk` on PATH; throws std::runtime_error naming what is missing or failed.
LiveBenchResult run_live_bench(const LiveBenchParams& p);

}  // namespace kiosktwin::server
