#include <kiosktwin/sim/stats.hpp>

#include <kiosktwin/sim/special_functions.hpp>

#include <algorithm>
#include <cassert>
#include <cmath>
#include <stdexcept>

namespace kiosktwin::sim {
namespace {

constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

}  // namespace

void Tally::add(double x) noexcept {
    ++m_n;
    if (m_n == 1) {
        m_mean = x;
        m_m2 = 0.0;
        m_min = x;
        m_max = x;
        m_sum = x;
        return;
    }
    const double delta = x - m_mean;
    m_mean += delta / static_cast<double>(m_n);
    m_m2 += delta * (x - m_mean);
    m_min = std::min(m_min, x);
    m_max = std::max(m_max, x);
    m_sum += x;
}

void Tally::merge(const Tally& other) noexcept {
    if (other.m_n == 0) return;
    if (m_n == 0) {
        *this = other;
        return;
    }
    const double na = static_cast<double>(m_n);
    const double nb = static_cast<double>(other.m_n);
    const double n = na + nb;
    const double delta = other.m_mean - m_mean;
    m_mean += delta * (nb / n);
    m_m2 += other.m_m2 + delta * delta * (na * nb / n);
    m_n += other.m_n;
    m_min = std::min(m_min, other.m_min);
    m_max = std::max(m_max, other.m_max);
    m_sum += other.m_sum;
}

double Tally::stddev() const noexcept { return std::sqrt(variance()); }

TimeWeighted::TimeWeighted(Time start, double initial) noexcept
    : m_start(start), m_last(start), m_level(initial), m_max(initial), m_min(initial) {}

void TimeWeighted::set(Time now, double level) noexcept {
    assert(now >= m_last && "TimeWeighted::set: time went backwards");
    m_integral += m_level * to_seconds(now - m_last);
    m_last = now;
    m_level = level;
    m_max = std::max(m_max, level);
    m_min = std::min(m_min, level);
}

void TimeWeighted::reset(Time now) noexcept {
    assert(now >= m_last && "TimeWeighted::reset: time went backwards");
    m_start = now;
    m_last = now;
    m_integral = 0.0;
    m_max = m_level;
    m_min = m_level;
}

double TimeWeighted::integral(Time now) const noexcept {
    assert(now >= m_last && "TimeWeighted::integral: time before the last change");
    return m_integral + m_level * to_seconds(now - m_last);
}

double TimeWeighted::mean(Time now) const noexcept {
    const double span = to_seconds(now - m_start);
    if (!(span > 0.0)) return m_level;
    return integral(now) / span;
}

std::uint64_t nearest_rank(double q, std::uint64_t n) noexcept {
    if (n == 0) return 0;
    const double qn = q * static_cast<double>(n);
    // q·n may come out a rounding error above the integer it denotes (0.07 x 100).
    const double nearest = std::round(qn);
    const double rank = std::fabs(qn - nearest) <= 4.0 * std::numeric_limits<double>::epsilon() * qn
                            ? nearest
                            : std::ceil(qn);
    if (!(rank >= 1.0)) return 1;
    if (rank >= static_cast<double>(n)) return n;
    return static_cast<std::uint64_t>(rank);
}

QuantileHistogram::QuantileHistogram(double relative_error, double min_positive)
    : m_relative_error(relative_error), m_min_positive(min_positive) {
    if (!(relative_error >= 1e-6 && relative_error < 1.0))
        throw std::invalid_argument("QuantileHistogram: relative_error must be in [1e-6, 1)");
    if (!(min_positive > 0.0) || !std::isfinite(min_positive))
        throw std::invalid_argument("QuantileHistogram: min_positive must be finite and > 0");
    const double gamma = (1.0 + relative_error) / (1.0 - relative_error);
    m_ln_gamma = std::log(gamma);
    m_representative_factor = 2.0 / (gamma + 1.0);
}

std::int64_t QuantileHistogram::bucket_of(double x) const noexcept {
    return static_cast<std::int64_t>(std::floor(std::log(x) / m_ln_gamma));
}

double QuantileHistogram::representative(std::int64_t bucket) const noexcept {
    return std::exp(static_cast<double>(bucket + 1) * m_ln_gamma) * m_representative_factor;
}

void QuantileHistogram::ensure_bucket(std::int64_t bucket) {
    if (m_counts.empty()) {
        m_offset = bucket;
        m_counts.assign(1, 0);
        return;
    }
    const auto size = static_cast<std::int64_t>(m_counts.size());
    // Grow by at least half the current size, so a sequence of ever smaller
    // (or larger) values costs amortised O(1) per new bucket.
    const std::int64_t slack = std::max<std::int64_t>(size / 2, 8);
    if (bucket < m_offset) {
        const std::int64_t extra = std::max(m_offset - bucket, slack);
        m_counts.insert(m_counts.begin(), static_cast<std::size_t>(extra), 0);
        m_offset -= extra;
    } else if (bucket >= m_offset + size) {
        const std::int64_t extra = std::max(bucket - (m_offset + size) + 1, slack);
        m_counts.resize(static_cast<std::size_t>(size + extra), 0);
    }
}

void QuantileHistogram::add(double x) {
    if (!(x >= 0.0) || !std::isfinite(x))
        throw std::invalid_argument("QuantileHistogram::add: value must be finite and >= 0");
    if (m_count == 0) {
        m_min = x;
        m_max = x;
    } else {
        m_min = std::min(m_min, x);
        m_max = std::max(m_max, x);
    }
    ++m_count;
    if (x <= m_min_positive) {
        ++m_zero_count;
        return;
    }
    const std::int64_t bucket = bucket_of(x);
    ensure_bucket(bucket);
    ++m_counts[static_cast<std::size_t>(bucket - m_offset)];
}

void QuantileHistogram::merge(const QuantileHistogram& other) {
    if (other.m_relative_error != m_relative_error || other.m_min_positive != m_min_positive)
        throw std::invalid_argument("QuantileHistogram::merge: relative_error and min_positive must match");
    if (other.m_count == 0) return;
    if (m_count == 0) {
        m_min = other.m_min;
        m_max = other.m_max;
    } else {
        m_min = std::min(m_min, other.m_min);
        m_max = std::max(m_max, other.m_max);
    }
    m_count += other.m_count;
    m_zero_count += other.m_zero_count;
    if (other.m_counts.empty()) return;
    const auto other_size = static_cast<std::int64_t>(other.m_counts.size());
    ensure_bucket(other.m_offset);
    ensure_bucket(other.m_offset + other_size - 1);
    const auto shift = static_cast<std::size_t>(other.m_offset - m_offset);
    for (std::size_t i = 0; i < other.m_counts.size(); ++i) m_counts[shift + i] += other.m_counts[i];
}

double QuantileHistogram::quantile(double q) const {
    if (!(q >= 0.0 && q <= 1.0)) throw std::invalid_argument("QuantileHistogram::quantile: q must be in [0, 1]");
    if (m_count == 0) return k_nan;
    const std::uint64_t rank = nearest_rank(q, m_count);
    if (rank == 1) return m_min;
    if (rank == m_count) return m_max;
    if (rank <= m_zero_count) return 0.0;
    std::uint64_t seen = m_zero_count;
    for (std::size_t i = 0; i < m_counts.size(); ++i) {
        seen += m_counts[i];
        if (seen >= rank) {
            // Clamping to the exact extremes can only move v towards the sample.
            const double v = representative(m_offset + static_cast<std::int64_t>(i));
            return std::clamp(v, m_min, m_max);
        }
    }
    return m_max;  // unreachable: the counts sum to m_count
}

double QuantileHistogram::cdf(double x) const noexcept {
    if (m_count == 0 || std::isnan(x)) return k_nan;
    if (x < 0.0) return 0.0;
    if (x >= m_max) return 1.0;
    std::uint64_t below = m_zero_count;
    for (std::size_t i = 0; i < m_counts.size(); ++i) {
        if (m_counts[i] == 0) continue;
        if (representative(m_offset + static_cast<std::int64_t>(i)) > x) break;
        below += m_counts[i];
    }
    return static_cast<double>(below) / static_cast<double>(m_count);
}

double QuantileHistogram::min() const noexcept { return m_count == 0 ? k_nan : m_min; }

double QuantileHistogram::max() const noexcept { return m_count == 0 ? k_nan : m_max; }

ConfidenceInterval confidence_interval(const Tally& tally, double level) {
    if (!(level > 0.0 && level < 1.0))
        throw std::invalid_argument("confidence_interval: level must be in (0, 1)");
    ConfidenceInterval ci;
    ci.mean = tally.mean();
    ci.level = level;
    ci.n = static_cast<std::size_t>(tally.count());
    if (tally.count() < 2) {
        ci.half_width = std::numeric_limits<double>::infinity();
        return ci;
    }
    const double n = static_cast<double>(tally.count());
    const double t = student_t_quantile(0.5 + 0.5 * level, n - 1.0);
    ci.half_width = t * tally.stddev() / std::sqrt(n);
    return ci;
}

BatchMeans::BatchMeans(std::size_t batch_size) : m_batch_size(batch_size) {
    if (batch_size == 0) throw std::invalid_argument("BatchMeans: batch_size must be >= 1");
}

void BatchMeans::add(double x) noexcept {
    ++m_count;
    m_batch_sum += x;
    if (++m_in_batch == m_batch_size) {
        m_batches.add(m_batch_sum / static_cast<double>(m_batch_size));
        m_batch_sum = 0.0;
        m_in_batch = 0;
    }
}

ConfidenceInterval BatchMeans::interval(double level) const { return confidence_interval(m_batches, level); }

}  // namespace kiosktwin::sim
