// Latency distributions match their parameters: 10,000 chunks through a
// link in virtual time, against the distribution's quantiles (and a
// Kolmogorov-Smirnov test where the CDF is exact).
#include <catch2/catch.hpp>

#include "link_harness.hpp"

#include <kiosktwin/link/latency.hpp>
#include <kiosktwin/link/link.hpp>
#include <kiosktwin/sim/special_functions.hpp>

#include <algorithm>
#include <cmath>

namespace link_latency_test {

using namespace kiosktwin;
using namespace kiosktwin::test;

namespace {

constexpr int k_chunks = 10'000;

/// The delays (ms) of k_chunks chunks sent 10 s apart (so that keeping the
/// order never holds one back), sorted.
std::vector<double> sorted_delays(const nlohmann::json& attributes, std::uint64_t seed) {
    link::Link l("p", "127.0.0.1:0", "127.0.0.1:1", seed);
    l.add_toxic(link::ToxicSpec::from_json({{"type", "latency"}, {"attributes", attributes}}), ms(0));
    Recorder r;
    link::Connection* c = l.open(ms(0), &r);
    for (int i = 0; i < k_chunks; ++i) {
        c->on_sized(Direction::downstream, ms(10'000.0 * i), 100);
        run_until(*c, ms(10'000.0 * i + 9'999));
    }
    REQUIRE(r.out.size() == static_cast<std::size_t>(k_chunks));
    std::vector<double> d;
    for (int i = 0; i < k_chunks; ++i)
        d.push_back(sim::to_seconds(r.out[static_cast<std::size_t>(i)].at - ms(10'000.0 * i)) * 1000.0);
    std::sort(d.begin(), d.end());
    return d;
}

double empirical_quantile(const std::vector<double>& sorted, double p) {
    return sorted[static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1))];
}

/// KS distance between the sorted sample and a CDF.
template <class Cdf>
double ks_distance(const std::vector<double>& sorted, Cdf cdf) {
    double d = 0;
    const double n = static_cast<double>(sorted.size());
    for (std::size_t i = 0; i < sorted.size(); ++i) {
        const double f = cdf(sorted[i]);
        d = std::max({d, std::abs(f - static_cast<double>(i) / n), std::abs(f - static_cast<double>(i + 1) / n)});
    }
    return d;
}

double mean_of(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return s / static_cast<double>(v.size());
}

double sd_of(const std::vector<double>& v) {
    const double m = mean_of(v);
    double s = 0;
    for (double x : v) s += (x - m) * (x - m);
    return std::sqrt(s / static_cast<double>(v.size() - 1));
}

const double k_ks_1pct = 1.63 / std::sqrt(double{k_chunks});

}  // namespace

TEST_CASE("normal latency has the given mean and standard deviation", "[link][latency][statistical]") {
    const auto d = sorted_delays({{"latency", 200}, {"jitter", 30}, {"distribution", "normal"}}, 11);
    CHECK(mean_of(d) == Approx(200).margin(4 * 30 / std::sqrt(double{k_chunks})));
    CHECK(sd_of(d) == Approx(30).epsilon(0.05));
    // Resolution is 1 µs; the CDF of N(200, 30) in ms.
    CHECK(ks_distance(d, [](double x) { return 0.5 * std::erfc(-(x - 200.0) / (30.0 * std::sqrt(2.0))); }) < k_ks_1pct);
    for (double p : {0.01, 0.1, 0.5, 0.9, 0.99})
        CHECK(empirical_quantile(d, p) == Approx(200 + 30 * sim::normal_quantile(p)).margin(3.0));
}

TEST_CASE("pareto latency is heavy-tailed with the given mean and deviation", "[link][latency][statistical]") {
    const nlohmann::json attrs = {{"latency", 100}, {"jitter", 50}, {"distribution", "pareto"}, {"alpha", 3}};
    const auto d = sorted_delays(attrs, 12);
    link::LatencyParams p;
    p.latency_ms = 100;
    p.jitter_ms = 50;
    p.distribution = link::LatencyDistribution::pareto;
    p.alpha = 3;
    const link::LatencySampler s(p);
    // The exact CDF: X = (d - latency) / jitter * sd + mean ~ Pareto(3, 1).
    const double mean = 1.5, sd = std::sqrt(0.75);
    CHECK(ks_distance(d, [&](double x) {
              const double px = (x - 100.0) / 50.0 * sd + mean;
              return px <= 1.0 ? 0.0 : 1.0 - std::pow(px, -3.0);
          }) < k_ks_1pct);
    for (double q : {0.1, 0.5, 0.9, 0.99}) CHECK(empirical_quantile(d, q) == Approx(*s.quantile_ms(q)).epsilon(0.05));
    // The minimum is bounded, the tail is long: the 99.9th percentile is far
    // above a normal's with the same mean and deviation (100 + 3.09 * 50).
    CHECK(d.front() >= 100 - 50 * (mean - 1) / sd - 0.001);
    CHECK(empirical_quantile(d, 0.999) > 300);
    CHECK(mean_of(d) == Approx(100).epsilon(0.05));
}

TEST_CASE("paretonormal latency mixes both with the given mean and deviation", "[link][latency][statistical]") {
    const auto d = sorted_delays({{"latency", 300}, {"jitter", 40}, {"distribution", "paretonormal"}}, 13);
    CHECK(mean_of(d) == Approx(300).margin(4 * 40 / std::sqrt(double{k_chunks})));
    CHECK(sd_of(d) == Approx(40).epsilon(0.08));
    // Its Pareto part makes the right tail heavy: a normal with this mean and
    // deviation puts 0.3 of 10,000 draws beyond 4 deviations, this puts several.
    const auto beyond = std::count_if(d.begin(), d.end(), [](double x) { return x > 300 + 4 * 40; });
    CHECK(beyond >= 3);
    CHECK(d.front() > 300 - 5 * 40);  // and the left one light
}

TEST_CASE("empirical latency follows its table", "[link][latency][statistical]") {
    // A 4G link: mostly 40-80 ms, a tail to 2 s.
    const auto table = nlohmann::json::parse("[[40, 0], [80, 0.9], [400, 0.99], [2000, 1]]");
    const auto d = sorted_delays({{"latency", 10}, {"distribution", "empirical"}, {"table", table}}, 14);
    CHECK(empirical_quantile(d, 0.45) == Approx(10 + 60).margin(1.5));
    CHECK(empirical_quantile(d, 0.9) == Approx(10 + 80).margin(5));
    // Where the table is thin the quantile is loose: its standard error here
    // is sqrt(p (1 - p) / n) / density = 113 ms.
    CHECK(empirical_quantile(d, 0.995) == Approx(10 + 1200).margin(350));
    CHECK(d.front() >= 50 - 0.001);
    CHECK(d.back() <= 2010 + 0.001);
    CHECK(ks_distance(d, [](double x) {
              const double v = x - 10;
              if (v <= 40) return 0.0;
              if (v <= 80) return 0.9 * (v - 40) / 40;
              if (v <= 400) return 0.9 + 0.09 * (v - 80) / 320;
              if (v <= 2000) return 0.99 + 0.01 * (v - 400) / 1600;
              return 1.0;
          }) < k_ks_1pct);
}

TEST_CASE("a draw below zero is zero", "[link][latency]") {
    const auto d = sorted_delays({{"latency", 5}, {"jitter", 20}}, 15);  // uniform on [-15, 25)
    CHECK(d.front() == 0.0);
    const auto zeros = std::count(d.begin(), d.end(), 0.0);
    CHECK(std::abs(static_cast<double>(zeros) / k_chunks - 15.0 / 40.0) < 0.03);
}

}  // namespace link_latency_test
