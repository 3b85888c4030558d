// Independent replications, run in parallel, summarised with confidence
// intervals. Each replication is a separate world with its own seed
// (sim::replication_seed), so results do not depend on the number of threads.
#pragma once

#include <kiosktwin/sim/stats.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace kiosktwin::analysis {

/// Calls progress(done, total) as replications finish; may be empty.
using ProgressFn = std::function<void(std::size_t done, std::size_t total)>;

/// Threads to use when the caller says 0: the machine's hardware threads.
unsigned default_jobs() noexcept;

/// Runs fn(i) for i = 0..n-1 on up to `jobs` threads (0 = default_jobs())
/// and returns the results in index order. The first exception thrown by a
/// replication is rethrown once every thread has stopped.
template <class R>
std::vector<R> run_replications(std::size_t n, unsigned jobs, const std::function<R(std::uint32_t)>& fn,
                                const ProgressFn& progress = {}) {
    std::vector<R> out(n);
    if (jobs == 0) jobs = default_jobs();
    const std::size_t threads = std::min<std::size_t>(jobs, n);
    std::atomic<std::size_t> next{0};
    std::size_t done = 0;
    std::mutex mu;
    std::exception_ptr error;
    auto worker = [&] {
        for (;;) {
            const std::size_t i = next.fetch_add(1);
            if (i >= n) return;
            try {
                out[i] = fn(static_cast<std::uint32_t>(i));
            } catch (...) {
                std::lock_guard lock(mu);
                if (!error) error = std::current_exception();
                next = n;  // stop handing out work
                return;
            }
            std::lock_guard lock(mu);
            ++done;
            if (progress) progress(done, n);
        }
    };
    if (threads <= 1) {
        worker();
    } else {
        std::vector<std::thread> pool;
        pool.reserve(threads);
        for (std::size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
        for (auto& t : pool) t.join();
    }
    if (error) std::rethrow_exception(error);
    return out;
}

/// One replication's metric values (in the order of the study's MetricDefs).
struct ReplicationResult {
    std::vector<double> values;
    std::uint64_t seed = 0;    ///< the replication's own seed (sim::replication_seed)
    std::uint64_t events = 0;  ///< kernel events it took
};

/// A reported quantity.
struct MetricDef {
    std::string key;    ///< stable identifier, used in JSON
    std::string label;  ///< for people
    std::string unit;
    std::string formula{};      ///< how it is computed, for reports (R-10.1-1: each metric states its formula)
    std::string requirement{};  ///< the clause it answers, "R-10.1-1"
};

/// A metric across replications: the mean with its confidence interval.
struct MetricSummary {
    MetricDef def;
    sim::ConfidenceInterval ci;
    double min = 0;
    double max = 0;
};

/// Summarises per-replication values (values[r][m] is metric m of
/// replication r) with Student-t intervals at `level`.
std::vector<MetricSummary> summarise(const std::vector<MetricDef>& defs,
                                     const std::vector<std::vector<double>>& values, double level = 0.95);

/// A figure as the reports print it: 2 decimals under 100, 1 under 1000,
/// none above; "-" if not finite.
std::string figure(double x);

/// {key: {"label", "unit", "formula"?, "requirement"?, "mean", "min", "max",
/// "ci95_half_width", "ci95": [lo, hi]}} (null interval from one replication).
nlohmann::json metrics_json(const std::vector<MetricSummary>& metrics);
/// [{"replication", "seed", key: value...}], one row per replication.
nlohmann::json replications_json(const std::vector<MetricSummary>& metrics,
                                 const std::vector<std::vector<double>>& values, const std::vector<std::uint64_t>& seeds);

}  // namespace kiosktwin::analysis
