#include <catch2/catch.hpp>

#include <kiosktwin/sim/distributions.hpp>
#include <kiosktwin/sim/special_functions.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <vector>

using namespace kiosktwin::sim;

namespace {

struct Moments {
    double mean;
    double variance;
};

template <class Dist>
std::vector<double> sample(const Dist& dist, std::uint64_t seed, int n) {
    Rng rng(seed);
    std::vector<double> xs(static_cast<std::size_t>(n));
    for (auto& x : xs) x = static_cast<double>(dist(rng));
    return xs;
}

Moments moments(const std::vector<double>& xs) {
    double mean = 0.0;
    for (const double x : xs) mean += x;
    mean /= static_cast<double>(xs.size());
    double ss = 0.0;
    for (const double x : xs) ss += (x - mean) * (x - mean);
    return {mean, ss / static_cast<double>(xs.size() - 1)};
}

// The sample mean is within 5 standard errors of the true mean, and the sample
// variance within `variance_tolerance` (relative) of the true variance.
void check_moments(const std::vector<double>& xs, double mean, double variance, double variance_tolerance) {
    const Moments m = moments(xs);
    const double se = std::sqrt(variance / static_cast<double>(xs.size()));
    CHECK(m.mean == Approx(mean).margin(5.0 * se));
    CHECK(m.variance == Approx(variance).epsilon(variance_tolerance));
}

// Kolmogorov-Smirnov statistic of the sample against a continuous CDF.
double ks_statistic(std::vector<double> xs, const std::function<double(double)>& cdf) {
    std::sort(xs.begin(), xs.end());
    const double n = static_cast<double>(xs.size());
    double d = 0.0;
    for (std::size_t i = 0; i < xs.size(); ++i) {
        const double f = cdf(xs[i]);
        d = std::max({d, static_cast<double>(i + 1) / n - f, f - static_cast<double>(i) / n});
    }
    return d;
}

// Critical value of the KS statistic at significance 0.001 (asymptotic).
double ks_critical_0001(std::size_t n) { return 1.949 / std::sqrt(static_cast<double>(n)); }

constexpr int k_n = 200'000;

}  // namespace

TEST_CASE("Exponential: moments, KS fit and inversion", "[distributions][statistical]") {
    const Exponential e(2.5);
    CHECK(e.mean() == 2.5);
    const auto xs = sample(e, 11, k_n);
    check_moments(xs, 2.5, 6.25, 0.03);
    CHECK(ks_statistic(xs, [](double x) { return 1.0 - std::exp(-x / 2.5); }) < ks_critical_0001(xs.size()));

    // Inversion: one uniform per draw, so the same stream gives proportional
    // variates for another mean (common random numbers stay in step).
    Rng a(5);
    Rng b(5);
    const Exponential slow(5.0);
    for (int i = 0; i < 100; ++i) CHECK(slow(b) == Approx(2.0 * e(a)).epsilon(1e-15));
    CHECK(a == b);
}

TEST_CASE("Normal: moments, symmetry and inversion", "[distributions][statistical]") {
    const Normal nd(10.0, 3.0);
    const auto xs = sample(nd, 12, k_n);
    check_moments(xs, 10.0, 9.0, 0.02);
    CHECK(ks_statistic(xs, [](double x) { return normal_cdf((x - 10.0) / 3.0); }) < ks_critical_0001(xs.size()));
    Rng rng(3);
    const Normal point(4.0, 0.0);
    CHECK(point(rng) == 4.0);
    Rng a(8);
    Rng b(8);
    const Normal standard(0.0, 1.0);
    for (int i = 0; i < 100; ++i) CHECK(nd(a) == Approx(10.0 + 3.0 * standard(b)).epsilon(1e-14));
}

TEST_CASE("LogNormal: parameterisations, moments and KS fit", "[distributions][statistical]") {
    const auto ln = LogNormal::from_mean_sd(4.0, 2.0);
    CHECK(ln.mean() == Approx(4.0).epsilon(1e-14));
    CHECK(ln.sd() == Approx(2.0).epsilon(1e-14));
    CHECK(ln.sigma() == Approx(std::sqrt(std::log(1.25))).epsilon(1e-14));
    CHECK(ln.median() == Approx(4.0 / std::sqrt(1.25)).epsilon(1e-14));
    const auto xs = sample(ln, 13, k_n);
    check_moments(xs, 4.0, 4.0, 0.05);
    const double mu = ln.mu();
    const double sigma = ln.sigma();
    CHECK(ks_statistic(xs, [&](double x) { return normal_cdf((std::log(x) - mu) / sigma); }) <
          ks_critical_0001(xs.size()));

    const auto direct = LogNormal::from_mu_sigma(1.0, 0.5);
    CHECK(direct.mean() == Approx(std::exp(1.125)).epsilon(1e-14));
    CHECK(direct.variance() == Approx(std::expm1(0.25) * std::exp(2.25)).epsilon(1e-14));
}

TEST_CASE("Gamma: moments and KS fit on both sides of shape 1", "[distributions][statistical]") {
    for (const double shape : {0.3, 1.0, 2.5, 20.0}) {
        INFO("shape = " << shape);
        const Gamma g(shape, 1.7);
        CHECK(g.mean() == Approx(shape * 1.7));
        const auto xs = sample(g, 14 + static_cast<std::uint64_t>(shape * 10), k_n);
        for (const double x : xs) REQUIRE(x > 0.0);
        check_moments(xs, shape * 1.7, shape * 1.7 * 1.7, 0.04);
        CHECK(ks_statistic(xs, [&](double x) { return regularized_gamma_p(shape, x / 1.7); }) <
              ks_critical_0001(xs.size()));
    }
}

TEST_CASE("Triangular: moments, KS fit and degenerate modes", "[distributions][statistical]") {
    const Triangular t(1.0, 2.0, 6.0);
    CHECK(t.mean() == Approx(3.0));
    const auto xs = sample(t, 15, k_n);
    for (const double x : xs) {
        REQUIRE(x >= 1.0);
        REQUIRE(x <= 6.0);
    }
    check_moments(xs, 3.0, t.variance(), 0.02);
    CHECK(t.variance() == Approx((1.0 + 4.0 + 36.0 - 2.0 - 6.0 - 12.0) / 18.0));
    CHECK(ks_statistic(xs, [&](double x) { return t.cdf(x); }) < ks_critical_0001(xs.size()));

    // Mode at either end: a right or left triangle.
    const Triangular left(0.0, 0.0, 1.0);
    const Triangular right(0.0, 1.0, 1.0);
    check_moments(sample(left, 16, k_n), 1.0 / 3.0, 1.0 / 18.0, 0.03);
    check_moments(sample(right, 17, k_n), 2.0 / 3.0, 1.0 / 18.0, 0.03);
}

TEST_CASE("Uniform and Bernoulli: moments", "[distributions][statistical]") {
    const Uniform u(-2.0, 4.0);
    const auto xs = sample(u, 18, k_n);
    for (const double x : xs) {
        REQUIRE(x >= -2.0);
        REQUIRE(x < 4.0);
    }
    check_moments(xs, 1.0, 3.0, 0.02);

    const Bernoulli b(0.3);
    Rng rng(19);
    int heads = 0;
    for (int i = 0; i < k_n; ++i) heads += b(rng) ? 1 : 0;
    CHECK(heads == Approx(0.3 * k_n).margin(5.0 * std::sqrt(k_n * 0.21)));
    const Bernoulli never(0.0);
    const Bernoulli always(1.0);
    for (int i = 0; i < 1000; ++i) {
        REQUIRE_FALSE(never(rng));
        REQUIRE(always(rng));
    }
}

TEST_CASE("Categorical: frequencies, zero weights and probabilities", "[distributions][statistical]") {
    const Categorical c({0.0, 2.0, 0.0, 5.0, 3.0, 0.0});
    CHECK(c.size() == 6);
    CHECK(c.probability(1) == Approx(0.2));
    CHECK(c.probability(3) == Approx(0.5));
    CHECK(c.probability(5) == 0.0);
    CHECK_THROWS_AS(c.probability(6), std::out_of_range);
    Rng rng(20);
    std::vector<int> counts(6, 0);
    for (int i = 0; i < k_n; ++i) ++counts[c(rng)];
    CHECK(counts[0] == 0);
    CHECK(counts[2] == 0);
    CHECK(counts[5] == 0);
    // chi-square with 2 df over the three live categories; 0.999 critical value 13.8155.
    double chi2 = 0.0;
    for (const std::size_t i : {1u, 3u, 4u}) {
        const double expected = c.probability(i) * k_n;
        chi2 += (counts[i] - expected) * (counts[i] - expected) / expected;
    }
    CHECK(chi2 < chi_square_quantile(0.999, 2));

    const Categorical single({1.0});
    CHECK(single(rng) == 0);
}

TEST_CASE("EmpiricalDiscrete draws the listed values with their weights", "[distributions][statistical]") {
    const EmpiricalDiscrete d({1.5, 4.0, 10.0}, {1.0, 1.0, 2.0});
    CHECK(d.mean() == Approx((1.5 + 4.0 + 20.0) / 4.0));
    Rng rng(21);
    double sum = 0.0;
    int tens = 0;
    for (int i = 0; i < k_n; ++i) {
        const double x = d(rng);
        REQUIRE((x == 1.5 || x == 4.0 || x == 10.0));
        sum += x;
        tens += x == 10.0 ? 1 : 0;
    }
    CHECK(tens == Approx(0.5 * k_n).margin(5.0 * std::sqrt(k_n * 0.25)));
    CHECK(sum / k_n == Approx(d.mean()).margin(5.0 * 3.5 / std::sqrt(k_n)));
}

TEST_CASE("EmpiricalContinuous interpolates its CDF and handles atoms", "[distributions][statistical]") {
    // 20% uniform on [0, 2], an atom of 30% at 5, then 50% uniform on [5, 10].
    const EmpiricalContinuous e({{0.0, 0.0}, {2.0, 0.2}, {5.0, 0.2}, {5.0, 0.5}, {10.0, 1.0}});
    CHECK(e.quantile(0.1) == Approx(1.0));
    CHECK(e.quantile(0.2) == Approx(5.0));  // the segment 2..5 has zero probability
    CHECK(e.quantile(0.35) == Approx(5.0));
    CHECK(e.quantile(0.75) == Approx(7.5));
    CHECK(e.cdf(-1.0) == 0.0);
    CHECK(e.cdf(1.0) == Approx(0.1));
    CHECK(e.cdf(3.0) == Approx(0.2));
    CHECK(e.cdf(5.0) == Approx(0.5));
    CHECK(e.cdf(7.5) == Approx(0.75));
    CHECK(e.cdf(12.0) == 1.0);
    const double mean = 0.2 * 1.0 + 0.3 * 5.0 + 0.5 * 7.5;
    CHECK(e.mean() == Approx(mean));
    Rng rng(22);
    double sum = 0.0;
    int atoms = 0;
    int gap = 0;
    for (int i = 0; i < k_n; ++i) {
        const double x = e(rng);
        sum += x;
        atoms += x == 5.0 ? 1 : 0;
        gap += (x > 2.0 && x < 5.0) ? 1 : 0;
    }
    CHECK(gap == 0);
    CHECK(atoms == Approx(0.3 * k_n).margin(5.0 * std::sqrt(k_n * 0.21)));
    CHECK(sum / k_n == Approx(mean).margin(5.0 * 3.0 / std::sqrt(k_n)));
}

TEST_CASE("distributions reject invalid parameters", "[distributions]") {
    const double inf = std::numeric_limits<double>::infinity();
    const double nan = std::numeric_limits<double>::quiet_NaN();
    CHECK_THROWS_AS(Exponential(0.0), std::invalid_argument);
    CHECK_THROWS_AS(Exponential(-1.0), std::invalid_argument);
    CHECK_THROWS_AS(Exponential(nan), std::invalid_argument);
    CHECK_THROWS_AS(Normal(0.0, -1.0), std::invalid_argument);
    CHECK_THROWS_AS(Normal(inf, 1.0), std::invalid_argument);
    CHECK_THROWS_AS(LogNormal::from_mean_sd(0.0, 1.0), std::invalid_argument);
    CHECK_THROWS_AS(LogNormal::from_mean_sd(1.0, -1.0), std::invalid_argument);
    CHECK_THROWS_AS(LogNormal::from_mu_sigma(0.0, -0.1), std::invalid_argument);
    CHECK_THROWS_AS(Gamma(0.0, 1.0), std::invalid_argument);
    CHECK_THROWS_AS(Gamma(1.0, -2.0), std::invalid_argument);
    CHECK_THROWS_AS(Triangular(1.0, 0.5, 2.0), std::invalid_argument);
    CHECK_THROWS_AS(Triangular(1.0, 1.0, 1.0), std::invalid_argument);
    CHECK_THROWS_AS(Uniform(2.0, 1.0), std::invalid_argument);
    CHECK_THROWS_AS(Uniform(0.0, inf), std::invalid_argument);
    CHECK_THROWS_AS(Bernoulli(1.5), std::invalid_argument);
    CHECK_THROWS_AS(Bernoulli(nan), std::invalid_argument);
    CHECK_THROWS_AS(Categorical({}), std::invalid_argument);
    CHECK_THROWS_AS(Categorical({0.0, 0.0}), std::invalid_argument);
    CHECK_THROWS_AS(Categorical({1.0, -1.0}), std::invalid_argument);
    CHECK_THROWS_WITH(Categorical({1.0, -1.0}), Catch::Contains("weight 1"));
    CHECK_THROWS_AS(EmpiricalDiscrete({1.0, 2.0}, {1.0}), std::invalid_argument);
    CHECK_THROWS_AS(EmpiricalContinuous({{0.0, 0.0}}), std::invalid_argument);
    CHECK_THROWS_AS(EmpiricalContinuous({{0.0, 0.1}, {1.0, 1.0}}), std::invalid_argument);
    CHECK_THROWS_AS(EmpiricalContinuous({{0.0, 0.0}, {1.0, 0.9}}), std::invalid_argument);
    CHECK_THROWS_AS(EmpiricalContinuous({{0.0, 0.0}, {2.0, 0.6}, {1.0, 1.0}}), std::invalid_argument);
    CHECK_THROWS_AS(EmpiricalContinuous({{0.0, 0.0}, {1.0, 0.6}, {2.0, 0.5}, {3.0, 1.0}}), std::invalid_argument);
}

TEST_CASE("distributions reproduce pinned draws", "[distributions]") {
    // Regression anchors: a change here changes every scenario's numbers and
    // must be deliberate.
    Rng rng(2026);
    CHECK(Exponential(1.0)(rng) == 0.55559375726734883);
    CHECK(Normal(0.0, 1.0)(rng) == -0.57194546610987562);
    CHECK(Gamma(2.0, 1.0)(rng) == 3.0944100428131587);
    CHECK(Gamma(0.5, 1.0)(rng) == 1.6738545255400168);
    CHECK(LogNormal::from_mean_sd(4.0, 2.0)(rng) == 5.6034539928127245);
    CHECK(Triangular(1.0, 2.0, 6.0)(rng) == 4.3327425674407216);
    CHECK(Categorical({1.0, 2.0, 3.0})(rng) == 1);

    // Inversion draws are their inverse CDF at one uniform.
    Rng a(2026);
    Rng b(2026);
    CHECK(Exponential(1.0)(a) == -std::log(b.uniform01()));
    CHECK(Normal(0.0, 1.0)(a) == normal_quantile(b.uniform01()));
    CHECK(a == b);
}
