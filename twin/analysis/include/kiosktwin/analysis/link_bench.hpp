// The link benchmark: one link with a latency (+ jitter) and a bandwidth
// toxic on its upstream stream, carrying sized chunks for many connections in
// virtual time. A host loop like the twin's own advances the connections in
// time order (a min-heap of each one's next input or wake-up) and counts what
// reaches the far end. The figure that matters is chunks delivered per
// wall-clock second on one core.
#pragma once

#include <cstdint>
#include <string>

namespace kiosktwin::analysis {

struct LinkVirtualBenchParams {
    std::uint64_t chunks = 2'000'000;  ///< chunks offered, over all connections
    std::uint32_t chunk_bytes = 512;   ///< size of each chunk (> 0)
    int connections = 64;              ///< connections open at once (> 0)
    std::uint64_t seed = 1;            ///< master seed: the link's stream and the arrivals
    double latency_ms = 20;            ///< latency toxic: latency (mean)
    double jitter_ms = 5;              ///< ...and jitter (standard deviation unless uniform)
    std::string distribution = "normal";  ///< uniform | normal | pareto | paretonormal
    double rate_kb_s = 100'000;        ///< bandwidth toxic, per connection, in Toxiproxy's KB/s (1 KB = 1000 B)
    /// Each connection offers this fraction of the bandwidth, as Poisson
    /// arrivals: below 1 its queues stay bounded, above 1 the bandwidth paces it.
    double load = 0.8;
};

struct LinkVirtualBenchResult {
    std::uint64_t chunks_in = 0;         ///< data chunks fed to the connections
    std::uint64_t bytes_in = 0;          ///< their bytes
    /// Data chunks delivered upstream. The bandwidth toxic cuts a chunk worth
    /// more than 100 ms at its rate into pieces, each delivered (and counted)
    /// on its own; below that, one per chunk offered.
    std::uint64_t chunks_delivered = 0;
    std::uint64_t bytes_delivered = 0;   ///< their bytes
    std::uint64_t connections_ended = 0; ///< connections whose upstream delivered its end (eof)
    double offered_s = 0;                ///< virtual time of the last chunk offered
    double virtual_s = 0;                ///< virtual time of the last delivery
    double run_s = 0;                    ///< wall time of the run (the link built and connections opened before)
    double chunks_per_s = 0;             ///< chunks_delivered / run_s (0 if run_s is 0)
    /// A hash of every delivery (connection, instant, size) in order: equal
    /// seeds give equal checksums.
    std::uint64_t checksum = 0;
};

/// Runs the benchmark. Wall-clock figures come from `clock_s`, a function
/// returning seconds from any fixed origin (the model itself reads no clock).
/// Throws std::invalid_argument on bad parameters (naming the field).
LinkVirtualBenchResult run_link_virtual_bench(const LinkVirtualBenchParams& p, double (*clock_s)());

}  // namespace kiosktwin::analysis
