// Comparing variants of a scenario on common random numbers.
//
// Every variant runs the same replication indices from the same master seed,
// so replication r of each variant draws its citizens, services and faults
// from the same named streams (sim::Streams: a stream's draws depend only on
// the master seed and its name). The variants' results are then compared
// replication by replication: the paired differences d_r = x_v,r − x_0,r of
// each metric against the first variant (the baseline) have a Student-t
// interval much narrower than two independent samples would give, because
// the noise the variants share cancels.
//
// The runner is generic: a variant is a function from a replication index to
// that replication's metric values (hall_replication, site_replication), and
// a shard (i of n) runs the replication indices r with r mod n = i, so the
// replications of one comparison can be split across processes or machines
// and merged (merge_runs) into the very result a single process gives.
#pragma once

#include <kiosktwin/analysis/replications.hpp>
#include <kiosktwin/sim/stats.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace kiosktwin::analysis {

using ReplicationFn = std::function<ReplicationResult(std::uint32_t replication)>;

/// A part of the replications: those r with r % count == index.
struct Shard {
    std::uint32_t index = 0;
    std::uint32_t count = 1;
    bool whole() const noexcept { return count == 1; }
    bool holds(std::uint32_t r) const noexcept { return r % count == index; }
};

/// Parses "i/n" (0 <= i < n); nullopt if malformed.
std::optional<Shard> parse_shard(std::string_view text);

/// A variant's replications: the indices run and their values, in index order.
struct VariantRuns {
    std::string label;
    std::vector<std::uint32_t> replications;
    std::vector<std::vector<double>> values;  ///< [k][metric] for replications[k]
    std::vector<std::uint64_t> seeds;
    std::uint64_t events = 0;
};

struct RunVariantsOptions {
    std::uint32_t replications = 1;
    unsigned jobs = 0;  ///< threads; 0 = all hardware threads
    Shard shard{};
    ProgressFn progress;
};

/// Runs replications 0..R-1 (those of the shard) of every variant, all
/// (variant, replication) pairs on one pool of threads. Results do not depend
/// on the number of threads.
std::vector<VariantRuns> run_variants(const std::vector<std::string>& labels, const std::vector<ReplicationFn>& variants,
                                      const RunVariantsOptions& options);

/// Joins shards of the same variants: replications in index order. Throws
/// std::invalid_argument when a replication is missing or given twice.
std::vector<VariantRuns> merge_runs(const std::vector<std::vector<VariantRuns>>& shards, std::uint32_t replications);

/// A variant's metric against the baseline's, replication by replication.
struct PairedDifference {
    sim::ConfidenceInterval ci;  ///< of the mean paired difference (variant − baseline)
    double relative = 0;         ///< mean difference / |baseline mean| (0 when the baseline mean is 0)
    double p_value = 1;          ///< two-sided paired t test of "no difference"
    bool significant = false;    ///< the interval excludes 0 (p < 1 − level)
    bool significant_adjusted = false;  ///< still so with Bonferroni's correction for the comparisons made
    /// Replications the paired interval needs for a half-width of
    /// `precision` × |baseline mean| (nullopt: no spread, or a zero baseline).
    std::optional<std::uint64_t> replications_needed;
};

struct ComparisonOptions {
    double level = 0.95;
    double precision = 0.05;  ///< relative half-width the replication count is sized for
};

/// The comparison of variants against the first.
struct Comparison {
    std::vector<MetricDef> metrics;
    std::vector<std::string> labels;
    std::vector<std::vector<MetricSummary>> summaries;      ///< [variant][metric]
    std::vector<std::vector<PairedDifference>> differences;  ///< [variant][metric]; [0] is empty (the baseline)
    /// [variant][metric]: replications each variant alone needs for a
    /// half-width of precision × |its mean|.
    std::vector<std::vector<std::optional<std::uint64_t>>> replications_needed;
    ComparisonOptions options;
    std::uint32_t replications = 0;
};

/// Compares runs of the same replication indices (std::invalid_argument
/// otherwise, or with fewer than two variants).
Comparison compare_paired(const std::vector<MetricDef>& metrics, const std::vector<VariantRuns>& runs,
                          const ComparisonOptions& options = {});

/// Smallest n >= 2 with t(1 − (1 − level)/2, n − 1) · sd / √n <= half_width;
/// nullopt when sd is 0 or not finite, or half_width <= 0.
std::optional<std::uint64_t> replications_for(double sd, double half_width, double level = 0.95);

/// A goal on a metric's mean: "wait_mean_min<=2".
struct Goal {
    std::string metric;
    enum class Op { le, lt, ge, gt } op = Op::le;
    double value = 0;
    bool holds(double x) const noexcept;
    std::string text() const;
};
/// Parses "KEY<=X", "KEY<X", "KEY>=X", "KEY>X"; nullopt if malformed.
std::optional<Goal> parse_goal(std::string_view text);

/// The first variant, in order, whose mean meets the goal; `confident` when
/// its whole confidence interval does.
struct GoalAnswer {
    std::optional<std::size_t> variant;
    bool confident = false;
};
GoalAnswer first_meeting(const Comparison& c, const Goal& goal);

/// {"level", "precision", "replications", "variants": [{"label", "metrics",
/// "replications_needed", "replications": rows}], "differences": [{"variant",
/// "baseline", "metrics": {key: {"mean", "ci95", "ci95_half_width",
/// "relative", "p_value", "significant", "significant_adjusted",
/// "replications_needed"}}}]}
nlohmann::json to_json(const Comparison& c, const std::vector<VariantRuns>& runs);

/// [{"label", "replications": [{"replication", "seed", key: value...}]}]:
/// the runs alone (a shard's result).
nlohmann::json runs_json(const std::vector<MetricDef>& metrics, const std::vector<VariantRuns>& runs);

/// Reads runs back from runs_json's (or to_json's "variants") rows; throws
/// std::invalid_argument naming what is missing.
std::vector<VariantRuns> runs_from_json(const std::vector<MetricDef>& metrics, const nlohmann::json& variants);

}  // namespace kiosktwin::analysis
