#include <catch2/catch.hpp>

#include <kiosktwin/sim/distributions.hpp>
#include <kiosktwin/sim/stats.hpp>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <limits>
#include <vector>

using namespace kiosktwin::sim;

TEST_CASE("Counter counts", "[stats]") {
    Counter c;
    CHECK(c.value() == 0);
    c.add();
    c.add(4);
    CHECK(c.value() == 5);
    c.reset();
    CHECK(c.value() == 0);
}

TEST_CASE("Tally: mean, sample variance and extremes of a known set", "[stats]") {
    Tally t;
    CHECK(std::isnan(t.mean()));
    CHECK(t.variance() == 0.0);
    CHECK(std::isnan(t.min()));
    for (const double x : {2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0}) t.add(x);
    CHECK(t.count() == 8);
    CHECK(t.mean() == Approx(5.0));
    CHECK(t.variance() == Approx(32.0 / 7.0));
    CHECK(t.stddev() == Approx(std::sqrt(32.0 / 7.0)));
    CHECK(t.min() == 2.0);
    CHECK(t.max() == 9.0);
    CHECK(t.sum() == 40.0);

    Tally one;
    one.add(-3.0);
    CHECK(one.mean() == -3.0);
    CHECK(one.variance() == 0.0);

    // Welford keeps the variance of values with a huge common offset.
    Tally offset;
    for (const double x : {4.0, 7.0, 13.0, 16.0}) offset.add(1e9 + x);
    CHECK(offset.variance() == Approx(30.0).epsilon(1e-9));
    t.reset();
    CHECK(t.count() == 0);
}

TEST_CASE("Tally: merging parts equals adding sequentially", "[stats]") {
    Rng rng(31);
    const LogNormal d = LogNormal::from_mean_sd(5.0, 4.0);
    Tally all;
    Tally parts[3];
    for (int i = 0; i < 10'000; ++i) {
        const double x = d(rng);
        all.add(x);
        parts[i < 1000 ? 0 : (i < 7000 ? 1 : 2)].add(x);
    }
    Tally merged;
    merged.merge(Tally{});  // merging empties is harmless
    for (const auto& p : parts) merged.merge(p);
    merged.merge(Tally{});
    CHECK(merged.count() == all.count());
    CHECK(merged.mean() == Approx(all.mean()).epsilon(1e-12));
    CHECK(merged.variance() == Approx(all.variance()).epsilon(1e-10));
    CHECK(merged.min() == all.min());
    CHECK(merged.max() == all.max());
    CHECK(merged.sum() == Approx(all.sum()).epsilon(1e-12));
}

TEST_CASE("TimeWeighted: hand-computed time average, extremes and reset", "[stats]") {
    TimeWeighted q(epoch_time, 0.0);
    q.set(at_seconds(10), 2.0);
    q.set(at_seconds(30), 5.0);
    q.add(at_seconds(40), -4.0);  // level 1
    CHECK(q.current() == 1.0);
    // 0*10 + 2*20 + 5*10 + 1*20 = 110 level-seconds over 60 s.
    CHECK(q.integral(at_seconds(60)) == Approx(110.0));
    CHECK(q.mean(at_seconds(60)) == Approx(110.0 / 60.0));
    CHECK(q.max() == 5.0);
    CHECK(q.min() == 0.0);

    // Warm-up deletion: only [60 s, ...) counts from here on.
    q.reset(at_seconds(60));
    CHECK(q.start() == at_seconds(60));
    CHECK(q.mean(at_seconds(60)) == 1.0);  // empty span: the current level
    q.set(at_seconds(70), 3.0);
    CHECK(q.mean(at_seconds(80)) == Approx((1.0 * 10 + 3.0 * 10) / 20.0));
    CHECK(q.max() == 3.0);
    CHECK(q.min() == 1.0);

    // A non-zero start and microsecond-precise changes.
    TimeWeighted busy(at_seconds(100), 4.0);
    busy.set(at_seconds(100) + Duration{1}, 0.0);
    CHECK(busy.integral(at_seconds(101)) == Approx(4e-6));
}

TEST_CASE("nearest_rank follows the ceiling definition despite rounding", "[stats]") {
    CHECK(nearest_rank(0.07, 100) == 7);  // 0.07 * 100 = 7.000000000000001 in doubles
    CHECK(nearest_rank(0.5, 10) == 5);
    CHECK(nearest_rank(0.51, 10) == 6);
    CHECK(nearest_rank(0.0, 10) == 1);
    CHECK(nearest_rank(1.0, 10) == 10);
    CHECK(nearest_rank(0.999, 1) == 1);
    CHECK(nearest_rank(0.3, 0) == 0);
}

namespace {

// Checks the stated guarantee at many q: the estimate is within relative
// error e of the sample value of nearest rank (0 for values <= min_positive).
void check_quantiles(const QuantileHistogram& h, std::vector<double> xs) {
    std::sort(xs.begin(), xs.end());
    const double e = h.relative_error();
    for (const double q : {0.0, 0.0001, 0.001, 0.01, 0.05, 0.1, 0.25, 0.3, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999,
                           0.9999, 1.0}) {
        const double exact = xs[nearest_rank(q, xs.size()) - 1];
        const double estimate = h.quantile(q);
        INFO("q = " << q << ", exact " << exact << ", estimate " << estimate);
        if (exact <= h.min_positive() && q > 0.0)
            CHECK(estimate <= h.min_positive());
        else
            CHECK(std::fabs(estimate - exact) <= e * exact * (1.0 + 1e-9));
    }
    CHECK(h.quantile(0.0) == xs.front());
    CHECK(h.quantile(1.0) == xs.back());
}

}  // namespace

TEST_CASE("QuantileHistogram quantiles are within the stated relative error",
          "[stats][statistical]") {
    SECTION("exponential") {
        QuantileHistogram h;
        Rng rng(41);
        const Exponential d(3.0);
        std::vector<double> xs;
        for (int i = 0; i < 100'000; ++i) {
            xs.push_back(d(rng));
            h.add(xs.back());
        }
        CHECK(h.count() == xs.size());
        check_quantiles(h, xs);
    }
    SECTION("log-normal over many decades, coarse buckets") {
        QuantileHistogram h(0.02);
        Rng rng(42);
        const auto d = LogNormal::from_mu_sigma(0.0, 3.0);
        std::vector<double> xs;
        for (int i = 0; i < 100'000; ++i) {
            xs.push_back(d(rng));
            h.add(xs.back());
        }
        check_quantiles(h, xs);
    }
    SECTION("ties and zeros") {
        QuantileHistogram h(0.001);
        Rng rng(43);
        std::vector<double> xs;
        for (int i = 0; i < 50'000; ++i) {
            const auto k = rng.below(10);
            // 30% exact zeros, 10% tiny values below min_positive, the rest integers 1..6.
            const double x = k < 3 ? 0.0 : (k == 3 ? 1e-12 : static_cast<double>(k - 3));
            xs.push_back(x);
            h.add(x);
        }
        check_quantiles(h, xs);
        CHECK(h.quantile(0.2) == 0.0);
        CHECK(h.min() == 0.0);
        CHECK(h.max() == 6.0);
    }
}

TEST_CASE("QuantileHistogram merges, bounds its memory and estimates the CDF", "[stats]") {
    Rng rng(44);
    const auto d = LogNormal::from_mu_sigma(0.0, 1.5);
    QuantileHistogram a;
    QuantileHistogram b;
    QuantileHistogram both;
    std::vector<double> xs;
    for (int i = 0; i < 20'000; ++i) {
        const double x = d(rng) * (i % 2 == 0 ? 1.0 : 100.0);
        xs.push_back(x);
        (i % 2 == 0 ? a : b).add(x);
        both.add(x);
    }
    a.merge(b);
    CHECK(a.count() == both.count());
    for (const double q : {0.0, 0.01, 0.3, 0.5, 0.77, 0.99, 1.0}) CHECK(a.quantile(q) == both.quantile(q));
    CHECK_THROWS_AS(a.merge(QuantileHistogram(0.01)), std::invalid_argument);
    QuantileHistogram empty;
    empty.merge(a);
    CHECK(empty.quantile(0.5) == a.quantile(0.5));

    // cdf(x) lies between the exact fractions at x/(1+e) and x/(1-e).
    std::sort(xs.begin(), xs.end());
    const double e = a.relative_error();
    const auto fraction_le = [&](double x) {
        return static_cast<double>(std::upper_bound(xs.begin(), xs.end(), x) - xs.begin()) /
               static_cast<double>(xs.size());
    };
    for (const double x : {0.05, 0.5, 1.0, 3.0, 20.0, 100.0, 1000.0}) {
        CHECK(a.cdf(x) >= fraction_le(x / (1.0 + e)));
        CHECK(a.cdf(x) <= fraction_le(x / (1.0 - e)));
    }
    CHECK(a.cdf(-1.0) == 0.0);
    CHECK(a.cdf(xs.back()) == 1.0);

    // Six decades at e = 0.005 need ln(1e6)/ln(γ) ≈ 1382 buckets; allocation at most about twice that.
    QuantileHistogram wide;
    // Descending values: the worst case for growing the bucket vector.
    for (int i = 0; i <= 6000; ++i) wide.add(std::pow(10.0, 3.0 - i / 1000.0));
    const double needed = std::log(1e6) / std::log(1.005 / 0.995) + 1.0;
    CHECK(static_cast<double>(wide.bucket_capacity()) >= needed - 1.0);
    CHECK(static_cast<double>(wide.bucket_capacity()) <= 2.0 * needed + 8.0);
}

TEST_CASE("QuantileHistogram rejects bad input", "[stats]") {
    QuantileHistogram h;
    CHECK(std::isnan(h.quantile(0.5)));
    CHECK(std::isnan(h.min()));
    CHECK_THROWS_AS(h.add(-1.0), std::invalid_argument);
    CHECK_THROWS_AS(h.add(std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
    CHECK_THROWS_AS(h.add(std::numeric_limits<double>::infinity()), std::invalid_argument);
    h.add(1.0);
    CHECK_THROWS_AS(h.quantile(1.5), std::invalid_argument);
    CHECK_THROWS_AS(QuantileHistogram(0.0), std::invalid_argument);
    CHECK_THROWS_AS(QuantileHistogram(1.0), std::invalid_argument);
    CHECK_THROWS_AS(QuantileHistogram(0.01, 0.0), std::invalid_argument);
}

TEST_CASE("confidence_interval: Student t half-width and edge cases", "[stats]") {
    Tally t;
    for (const double x : {1.0, 2.0, 3.0, 4.0, 5.0}) t.add(x);
    const ConfidenceInterval ci = confidence_interval(t, 0.95);
    CHECK(ci.mean == 3.0);
    CHECK(ci.n == 5);
    CHECK(ci.level == 0.95);
    // t_{0.975, 4} = 2.7764451051977987; s = sqrt(2.5).
    CHECK(ci.half_width == Approx(2.7764451051977987 * std::sqrt(2.5) / std::sqrt(5.0)).epsilon(1e-12));
    CHECK(ci.lo() == Approx(3.0 - ci.half_width));
    CHECK(ci.contains(1.5));
    CHECK_FALSE(ci.contains(0.9));

    Tally single;
    single.add(7.0);
    const ConfidenceInterval wide = confidence_interval(single);
    CHECK(wide.half_width == std::numeric_limits<double>::infinity());
    CHECK(wide.contains(-1e300));
    CHECK_FALSE(confidence_interval(Tally{}).contains(0.0));  // NaN mean
    CHECK_THROWS_AS(confidence_interval(t, 1.0), std::invalid_argument);
    CHECK_THROWS_AS(confidence_interval(t, 0.0), std::invalid_argument);
}

TEST_CASE("BatchMeans on iid data covers the true mean at about the nominal rate",
          "[stats][statistical]") {
    BatchMeans small(1000);
    for (int i = 0; i < 2500; ++i) small.add(1.0);
    CHECK(small.count() == 2500);
    CHECK(small.batch_means().count() == 2);  // the partial third batch is ignored
    CHECK_THROWS_AS(BatchMeans(0), std::invalid_argument);

    const Exponential d(2.0);
    int covered = 0;
    constexpr int experiments = 200;
    for (int k = 0; k < experiments; ++k) {
        Rng rng(replication_seed(7, static_cast<std::uint32_t>(k)));
        BatchMeans bm(500);
        for (int i = 0; i < 10'000; ++i) bm.add(d(rng));
        const ConfidenceInterval ci = bm.interval(0.95);
        REQUIRE(ci.n == 20);
        if (ci.contains(2.0)) ++covered;
    }
    // Binomial(200, 0.95): mean 190, sd 3.1; the bounds are about 4 sd out.
    CHECK(covered >= 177);
    CHECK(covered < 200);  // an interval that always covers is too wide
}

namespace {

// Aggregates of statistics value-initialise with {} (no explicit default constructors).
struct Kpis {
    Tally waits;
    TimeWeighted queue;
    QuantileHistogram latency;
    Counter served;
};

}  // namespace

TEST_CASE("statistics default-construct inside aggregates", "[stats]") {
    Kpis k{};
    k.queue.set(at_seconds(10), 2.0);
    k.latency.add(1.0);
    CHECK(k.queue.mean(at_seconds(20)) == Approx(1.0));
    CHECK(k.latency.relative_error() == 0.005);
    CHECK(k.latency.min_positive() == 1e-9);
    CHECK(k.waits.count() == 0);
}
