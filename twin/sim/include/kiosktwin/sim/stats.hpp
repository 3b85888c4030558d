// Streaming statistics for model outputs. All are O(1) in memory except
// QuantileHistogram, whose memory is bounded by the range of its values.
#pragma once

#include <kiosktwin/sim/time.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace kiosktwin::sim {

/// A count of events.
class Counter {
public:
    void add(std::uint64_t n = 1) noexcept { m_value += n; }
    std::uint64_t value() const noexcept { return m_value; }
    void reset() noexcept { m_value = 0; }

private:
    std::uint64_t m_value = 0;
};

/// Mean, variance and extremes of a stream of observations (Welford's
/// updates; mergeable by Chan, Golub & LeVeque's formula).
class Tally {
public:
    void add(double x) noexcept;
    /// Folds in another tally, as if its observations had been added here.
    void merge(const Tally& other) noexcept;
    void reset() noexcept { *this = Tally{}; }

    std::uint64_t count() const noexcept { return m_n; }
    /// NaN when empty.
    double mean() const noexcept { return m_n == 0 ? std::numeric_limits<double>::quiet_NaN() : m_mean; }
    /// Sample variance (divisor n - 1); 0 when fewer than two observations.
    double variance() const noexcept { return m_n < 2 ? 0.0 : m_m2 / static_cast<double>(m_n - 1); }
    double stddev() const noexcept;
    /// NaN when empty.
    double min() const noexcept { return m_n == 0 ? std::numeric_limits<double>::quiet_NaN() : m_min; }
    /// NaN when empty.
    double max() const noexcept { return m_n == 0 ? std::numeric_limits<double>::quiet_NaN() : m_max; }
    double sum() const noexcept { return m_sum; }

private:
    std::uint64_t m_n = 0;
    double m_mean = 0.0;
    double m_m2 = 0.0;  // sum of squared deviations from the mean
    double m_min = 0.0;
    double m_max = 0.0;
    double m_sum = 0.0;
};

/// Time average of a piecewise-constant level (queue length, busy servers),
/// integrated in level x seconds of virtual time.
class TimeWeighted {
public:
    /// Averaging from `start` with level `initial`.
    explicit TimeWeighted(Time start, double initial = 0.0) noexcept;
    /// Averaging from the epoch with level 0.
    TimeWeighted() noexcept : TimeWeighted(epoch_time) {}

    /// The level becomes `level` at `now`; `now` must not precede the last
    /// set() or reset() (checked by assert).
    void set(Time now, double level) noexcept;
    /// Adds `delta` to the current level at `now`.
    void add(Time now, double delta) noexcept { set(now, m_level + delta); }
    /// Restarts the averaging at `now`, keeping the current level (warm-up
    /// deletion): integral, mean, min and max then cover [now, ...) only.
    void reset(Time now) noexcept;

    /// Integral of the level from start() to `now`, in level x seconds.
    double integral(Time now) const noexcept;
    /// Time-weighted mean over [start(), now]; the current level if that span is empty.
    double mean(Time now) const noexcept;
    double current() const noexcept { return m_level; }
    /// The largest level held since start() (including the level at start()).
    double max() const noexcept { return m_max; }
    /// The smallest level held since start() (including the level at start()).
    double min() const noexcept { return m_min; }
    /// Where the averaging began (construction or the last reset()).
    Time start() const noexcept { return m_start; }

private:
    Time m_start;
    Time m_last;
    double m_level;
    double m_integral = 0.0;  // level x seconds over [m_start, m_last]
    double m_max;
    double m_min;
};

/// The nearest rank ⌈q·n⌉ (clamped to 1..n) of the q-quantile of n values,
/// robust to q·n landing a rounding error above an integer. 0 if n == 0.
std::uint64_t nearest_rank(double q, std::uint64_t n) noexcept;

/// A mergeable histogram of non-negative values with log-spaced buckets
/// (DDSketch, Masson, Rim & Lee 2019), for latency quantiles without keeping
/// the samples.
///
/// Guarantee: with e = relative_error, for every q in [0, 1], quantile(q)
/// returns a value v with |v - x| <= e·x for some sample value x whose rank is
/// nearest_rank(q, count()), except that values <= min_positive are all
/// reported as 0 (absolute error <= min_positive). Ranks 1 and n return the
/// exact minimum and maximum. Floating-point rounding of the bucket index can
/// add about 1e-13 to e.
///
/// Value x > min_positive goes to bucket i = ⌊ln x / ln γ⌋, γ = (1 + e)/(1 - e),
/// covering [γ^i, γ^(i+1)) and represented by 2γ^(i+1)/(γ + 1). Memory: one
/// 8-byte count per bucket between the smallest and largest positive value
/// seen, at most about ln(max/min) / (2e) + 1 buckets (under 2 000 for six
/// decades at e = 0.005), allocated at most twice that; none per sample.
class QuantileHistogram {
public:
    /// relative_error in [1e-6, 1); min_positive > 0 and finite.
    explicit QuantileHistogram(double relative_error, double min_positive = 1e-9);
    /// relative_error 0.005, min_positive 1e-9.
    QuantileHistogram() : QuantileHistogram(0.005) {}

    /// Adds one value (finite and >= 0; std::invalid_argument otherwise).
    void add(double x);
    /// Folds in another histogram with the same relative_error and
    /// min_positive (std::invalid_argument otherwise).
    void merge(const QuantileHistogram& other);

    std::uint64_t count() const noexcept { return m_count; }
    /// The q-quantile (q in [0, 1], std::invalid_argument otherwise) within
    /// the stated relative error; NaN when empty.
    double quantile(double q) const;
    /// The approximate fraction of values <= x: exact for the bucketed
    /// values, i.e. the fraction whose bucket representative is <= x.
    double cdf(double x) const noexcept;
    /// Exact extremes; NaN when empty.
    double min() const noexcept;
    double max() const noexcept;
    double relative_error() const noexcept { return m_relative_error; }
    double min_positive() const noexcept { return m_min_positive; }
    /// The number of buckets currently allocated (for memory checks).
    std::size_t bucket_capacity() const noexcept { return m_counts.size(); }

private:
    std::int64_t bucket_of(double x) const noexcept;
    double representative(std::int64_t bucket) const noexcept;
    void ensure_bucket(std::int64_t bucket);

    double m_relative_error;
    double m_min_positive;
    double m_ln_gamma;
    double m_representative_factor;  // 2 / (γ + 1)
    std::vector<std::uint64_t> m_counts;
    std::int64_t m_offset = 0;  // bucket index of m_counts[0]
    std::uint64_t m_zero_count = 0;
    std::uint64_t m_count = 0;
    double m_min = 0.0;
    double m_max = 0.0;
};

/// A confidence interval for a mean: mean ± half_width at confidence `level`
/// from `n` observations (n = number of replications or batches).
struct ConfidenceInterval {
    double mean = std::numeric_limits<double>::quiet_NaN();
    double half_width = std::numeric_limits<double>::infinity();
    double level = 0.95;
    std::size_t n = 0;

    double lo() const noexcept { return mean - half_width; }
    double hi() const noexcept { return mean + half_width; }
    bool contains(double x) const noexcept { return lo() <= x && x <= hi(); }
};

/// Student-t interval for the mean of the tally's observations (n - 1 degrees
/// of freedom). With n < 2 the half-width is +infinity (the mean is NaN when
/// n = 0). `level` in (0, 1), std::invalid_argument otherwise.
ConfidenceInterval confidence_interval(const Tally& tally, double level = 0.95);

/// Non-overlapping batch means, for a steady-state interval from one long
/// run: observations are grouped in consecutive batches of batch_size, and
/// the batch means, if the batches are long enough to be nearly independent,
/// give a Student-t interval. A trailing partial batch is ignored.
class BatchMeans {
public:
    /// batch_size >= 1 (std::invalid_argument otherwise).
    explicit BatchMeans(std::size_t batch_size);

    void add(double x) noexcept;
    /// The interval from the completed batches (infinite half-width under two).
    ConfidenceInterval interval(double level = 0.95) const;

    std::size_t batch_size() const noexcept { return m_batch_size; }
    /// The completed batch means.
    const Tally& batch_means() const noexcept { return m_batches; }
    /// All observations added, including the current partial batch.
    std::uint64_t count() const noexcept { return m_count; }

private:
    std::size_t m_batch_size;
    std::size_t m_in_batch = 0;
    double m_batch_sum = 0.0;
    std::uint64_t m_count = 0;
    Tally m_batches;
};

}  // namespace kiosktwin::sim
