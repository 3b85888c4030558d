// Textbook queueing models written with the kernel's ordinary public API (a
// coroutine per customer, a Resource for the servers), used to validate the
// kernel against queueing theory and to benchmark it.
#pragma once

#include <kiosktwin/sim/stats.hpp>

#include <cstdint>
#include <optional>

namespace kiosktwin::analysis {

/// M/M/c, optionally with exponential patience (M/M/c+M, Erlang A).
/// Rates are per unit of model time; the model runs with 1 unit = 1 minute.
struct MmcParams {
    double arrival_rate = 0.9;   ///< λ, arrivals per unit time
    double service_rate = 0.25;  ///< μ, services per unit time per server
    int servers = 4;             ///< c
    /// θ, abandonment rate (1 / mean patience); nullopt = infinitely patient.
    std::optional<double> patience_rate{};
    std::uint64_t customers = 200'000;  ///< arrivals to generate
    /// Arrivals whose statistics are discarded (warm-up), counted in `customers`.
    std::uint64_t warmup_customers = 0;
    std::uint64_t seed = 1;
    /// A wait threshold whose exceedance probability is estimated (model time units).
    double wait_threshold = 5.0;
};

struct MmcResult {
    std::uint64_t arrivals = 0;   ///< after warm-up
    std::uint64_t served = 0;
    std::uint64_t abandoned = 0;
    sim::Tally wait;              ///< wait in queue of every counted arrival (abandoners: until they left)
    sim::Tally sojourn;           ///< time in system of served customers
    double p_wait = 0.0;          ///< fraction of counted arrivals that had to wait
    double p_wait_exceeds = 0.0;  ///< fraction whose wait exceeded wait_threshold
    double p_abandon = 0.0;
    double mean_in_system = 0.0;  ///< time-weighted L over the measured period
    double measured_time = 0.0;   ///< length of the measured period (model time units)
    double utilisation = 0.0;
    std::uint64_t events = 0;     ///< kernel events processed

    /// 95 % batch-means interval of the mean wait (50 batches of consecutive
    /// waits): the sampling uncertainty of `wait.mean()` in a single run.
    sim::ConfidenceInterval wait_ci;
};

MmcResult run_mmc(const MmcParams& p);

}  // namespace kiosktwin::analysis
