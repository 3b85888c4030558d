#include <kiosktwin/sim/distributions.hpp>

#include <kiosktwin/sim/special_functions.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

namespace kiosktwin::sim {
namespace {

[[noreturn]] void fail(const std::string& what) { throw std::invalid_argument(what); }

bool finite(double x) noexcept { return std::isfinite(x); }

// Cumulative probabilities of `weights`, normalised, with every entry from the
// last positive weight on set to exactly 1 so that no u in (0, 1) can land on
// a trailing zero-weight index through rounding.
std::vector<double> cumulative_table(const std::vector<double>& weights, const std::string& who) {
    if (weights.empty()) fail(who + ": weights must not be empty");
    double total = 0.0;
    std::size_t last_positive = 0;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        const double w = weights[i];
        if (!(w >= 0.0) || !finite(w))
            fail(who + ": weight " + std::to_string(i) + " must be finite and >= 0");
        if (w > 0.0) last_positive = i;
        total += w;
    }
    if (!(total > 0.0) || !finite(total)) fail(who + ": weights must have a finite positive sum");
    std::vector<double> cumulative(weights.size());
    double running = 0.0;
    for (std::size_t i = 0; i < weights.size(); ++i) {
        running += weights[i];
        cumulative[i] = i >= last_positive ? 1.0 : std::min(1.0, running / total);
    }
    return cumulative;
}

}  // namespace

Exponential::Exponential(double mean) : m_mean(mean) {
    if (!(mean > 0.0) || !finite(mean)) fail("Exponential: mean must be finite and > 0");
}

double Exponential::operator()(Rng& rng) const noexcept { return -m_mean * std::log(rng.uniform01()); }

Normal::Normal(double mean, double sd) : m_mean(mean), m_sd(sd) {
    if (!finite(mean)) fail("Normal: mean must be finite");
    if (!(sd >= 0.0) || !finite(sd)) fail("Normal: sd must be finite and >= 0");
}

double Normal::operator()(Rng& rng) const noexcept {
    return m_mean + m_sd * normal_quantile(rng.uniform01());
}

LogNormal LogNormal::from_mean_sd(double mean, double sd) {
    if (!(mean > 0.0) || !finite(mean)) fail("LogNormal: mean must be finite and > 0");
    if (!(sd >= 0.0) || !finite(sd)) fail("LogNormal: sd must be finite and >= 0");
    const double cv = sd / mean;
    const double sigma2 = std::log1p(cv * cv);
    return LogNormal(std::log(mean) - 0.5 * sigma2, std::sqrt(sigma2));
}

LogNormal LogNormal::from_mu_sigma(double mu, double sigma) {
    if (!finite(mu)) fail("LogNormal: mu must be finite");
    if (!(sigma >= 0.0) || !finite(sigma)) fail("LogNormal: sigma must be finite and >= 0");
    return LogNormal(mu, sigma);
}

double LogNormal::operator()(Rng& rng) const noexcept {
    return std::exp(m_mu + m_sigma * normal_quantile(rng.uniform01()));
}

double LogNormal::mean() const noexcept { return std::exp(m_mu + 0.5 * m_sigma * m_sigma); }

double LogNormal::variance() const noexcept {
    const double s2 = m_sigma * m_sigma;
    return std::expm1(s2) * std::exp(2.0 * m_mu + s2);
}

double LogNormal::sd() const noexcept { return std::sqrt(variance()); }

double LogNormal::median() const noexcept { return std::exp(m_mu); }

Gamma::Gamma(double shape, double scale) : m_shape(shape), m_scale(scale) {
    if (!(shape > 0.0) || !finite(shape)) fail("Gamma: shape must be finite and > 0");
    if (!(scale > 0.0) || !finite(scale)) fail("Gamma: scale must be finite and > 0");
    m_d = (shape < 1.0 ? shape + 1.0 : shape) - 1.0 / 3.0;
    m_c = 1.0 / std::sqrt(9.0 * m_d);
}

double Gamma::operator()(Rng& rng) const noexcept {
    // Marsaglia & Tsang (2000), "A simple method for generating gamma variables".
    double g = 0.0;
    for (;;) {
        const double x = normal_quantile(rng.uniform01());
        double v = 1.0 + m_c * x;
        if (v <= 0.0) continue;
        v = v * v * v;
        const double u = rng.uniform01();
        const double x2 = x * x;
        if (u < 1.0 - 0.0331 * x2 * x2 || std::log(u) < 0.5 * x2 + m_d * (1.0 - v + std::log(v))) {
            g = m_d * v;
            break;
        }
    }
    if (m_shape < 1.0) g *= std::pow(rng.uniform01(), 1.0 / m_shape);
    return g * m_scale;
}

Triangular::Triangular(double min, double mode, double max) : m_min(min), m_mode(mode), m_max(max) {
    if (!finite(min) || !finite(mode) || !finite(max)) fail("Triangular: min, mode and max must be finite");
    if (!(min < max)) fail("Triangular: need min < max");
    if (!(min <= mode && mode <= max)) fail("Triangular: need min <= mode <= max");
    m_mode_cdf = (mode - min) / (max - min);
}

double Triangular::operator()(Rng& rng) const noexcept {
    const double u = rng.uniform01();
    const double width = m_max - m_min;
    if (u < m_mode_cdf) return m_min + std::sqrt(u * width * (m_mode - m_min));
    return m_max - std::sqrt((1.0 - u) * width * (m_max - m_mode));
}

double Triangular::variance() const noexcept {
    const double a = m_min;
    const double b = m_max;
    const double c = m_mode;
    return (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0;
}

double Triangular::cdf(double x) const noexcept {
    if (x <= m_min) return 0.0;
    if (x >= m_max) return 1.0;
    const double width = m_max - m_min;
    if (x <= m_mode) return (x - m_min) * (x - m_min) / (width * (m_mode - m_min));
    return 1.0 - (m_max - x) * (m_max - x) / (width * (m_max - m_mode));
}

Uniform::Uniform(double a, double b) : m_a(a), m_b(b) {
    if (!finite(a) || !finite(b) || !finite(b - a)) fail("Uniform: a and b must be finite");
    if (!(a <= b)) fail("Uniform: need a <= b");
}

double Uniform::operator()(Rng& rng) const noexcept { return m_a + (m_b - m_a) * rng.uniform01(); }

Bernoulli::Bernoulli(double p) : m_p(p) {
    if (!(p >= 0.0 && p <= 1.0)) fail("Bernoulli: p must be in [0, 1]");
}

bool Bernoulli::operator()(Rng& rng) const noexcept { return rng.uniform01() < m_p; }

Categorical::Categorical(std::vector<double> weights)
    : m_cumulative(cumulative_table(weights, "Categorical")) {}

std::size_t Categorical::operator()(Rng& rng) const noexcept {
    const double u = rng.uniform01();
    // The first index whose cumulative probability exceeds u: index i is
    // drawn iff C[i-1] <= u < C[i], an empty interval for zero weights.
    const auto it = std::upper_bound(m_cumulative.begin(), m_cumulative.end(), u);
    return static_cast<std::size_t>(it - m_cumulative.begin());
}

double Categorical::probability(std::size_t i) const {
    if (i >= m_cumulative.size()) throw std::out_of_range("Categorical::probability: index out of range");
    return i == 0 ? m_cumulative[0] : m_cumulative[i] - m_cumulative[i - 1];
}

EmpiricalDiscrete::EmpiricalDiscrete(std::vector<double> values, std::vector<double> weights)
    : m_values(std::move(values)), m_index(std::move(weights)) {
    if (m_values.size() != m_index.size())
        fail("EmpiricalDiscrete: values and weights must have the same length");
    for (const double v : m_values)
        if (!finite(v)) fail("EmpiricalDiscrete: values must be finite");
}

double EmpiricalDiscrete::operator()(Rng& rng) const noexcept { return m_values[m_index(rng)]; }

double EmpiricalDiscrete::mean() const noexcept {
    double m = 0.0;
    for (std::size_t i = 0; i < m_values.size(); ++i) m += m_index.probability(i) * m_values[i];
    return m;
}

EmpiricalContinuous::EmpiricalContinuous(std::vector<std::pair<double, double>> points)
    : m_points(std::move(points)) {
    if (m_points.size() < 2) fail("EmpiricalContinuous: need at least two points");
    for (std::size_t i = 0; i < m_points.size(); ++i) {
        const auto [v, p] = m_points[i];
        if (!finite(v) || !(p >= 0.0 && p <= 1.0))
            fail("EmpiricalContinuous: point " + std::to_string(i) +
                 " needs a finite value and a probability in [0, 1]");
        if (i > 0 && (v < m_points[i - 1].first || p < m_points[i - 1].second))
            fail("EmpiricalContinuous: point " + std::to_string(i) +
                 " decreases in value or probability");
    }
    if (m_points.front().second != 0.0) fail("EmpiricalContinuous: the first probability must be 0");
    if (m_points.back().second != 1.0) fail("EmpiricalContinuous: the last probability must be 1");
}

double EmpiricalContinuous::quantile(double p) const noexcept {
    if (!(p > 0.0)) return m_points.front().first;
    if (!(p < 1.0)) return m_points.back().first;
    // The first point whose probability exceeds p; the segment before it has
    // a positive rise in probability, since P[j-1] <= p < P[j].
    const auto it = std::upper_bound(m_points.begin(), m_points.end(), p,
                                     [](double value, const auto& point) { return value < point.second; });
    const auto& [v1, p1] = *it;
    const auto& [v0, p0] = *(it - 1);
    return v0 + (p - p0) / (p1 - p0) * (v1 - v0);
}

double EmpiricalContinuous::operator()(Rng& rng) const noexcept { return quantile(rng.uniform01()); }

double EmpiricalContinuous::cdf(double x) const noexcept {
    if (x < m_points.front().first) return 0.0;
    if (x >= m_points.back().first) return 1.0;
    // The last point with value <= x (at an atom, the top of its jump).
    const auto it = std::upper_bound(m_points.begin(), m_points.end(), x,
                                     [](double value, const auto& point) { return value < point.first; });
    const auto& [v0, p0] = *(it - 1);
    const auto& [v1, p1] = *it;
    return p0 + (x - v0) / (v1 - v0) * (p1 - p0);
}

double EmpiricalContinuous::mean() const noexcept {
    double m = 0.0;
    for (std::size_t i = 1; i < m_points.size(); ++i)
        m += (m_points[i].second - m_points[i - 1].second) * 0.5 * (m_points[i].first + m_points[i - 1].first);
    return m;
}

}  // namespace kiosktwin::sim
