// ServiceProfile: a back end's latency, error rate and outage windows (R-8.4-1).
#include <kiosktwin/services/profile.hpp>

#include <kiosktwin/sim/calendar.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>
#include <vector>

namespace services_profile_test {

using namespace kiosktwin;
using namespace std::chrono_literals;
using services::ServiceProfile;
using nlohmann::json;

namespace {

std::string error_of(const json& j) {
    try {
        (void)ServiceProfile::from_json(j);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(no error)";
}

// The empirical p-quantile of a sorted sample.
double quantile(const std::vector<double>& sorted, double p) {
    return sorted[static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1))];
}

}  // namespace

TEST_CASE("R-8.4-1: a profile's defaults are documented and {} or null gives them", "[services][profile][R-8.4-1]") {
    const ServiceProfile d;
    CHECK(d.latency().shape == services::Latency::Shape::lognormal);
    CHECK(d.latency().median_ms == ServiceProfile::k_default_median_ms);
    CHECK(d.latency().sigma == ServiceProfile::k_default_sigma);
    CHECK(d.error_rate() == 0.0);
    CHECK_FALSE(d.outages().has_value());
    CHECK(ServiceProfile::from_json(json::object()) == d);
    CHECK(ServiceProfile::from_json(nullptr) == d);
    CHECK(ServiceProfile::from_json(json{{"latency", {{"median_ms", 80}}}}).latency().sigma == 0.5);
    CHECK(services::to_string(d) == "lognormal median 120 ms sigma 0.5, errors 0%, outages none");
}

TEST_CASE("R-8.4-1: profile JSON round-trips in both latency forms", "[services][profile][R-8.4-1]") {
    for (const json& j : {json{{"latency", {{"median_ms", 250}, {"sigma", 0.8}}},
                               {"error_rate", 0.02},
                               {"outages", "every day 02:00-02:30"}},
                          json{{"latency", {{"mean_ms", 90}, {"sd_ms", 15}}},
                               {"error_rate", 0},
                               {"outages", json::array({"every 10m for 30s after 2m", {{"at_s", 60}, {"duration_s", 5}}})}}}) {
        const auto p = ServiceProfile::from_json(j, sim::at_seconds(30));
        CHECK(ServiceProfile::from_json(p.to_json(), sim::at_seconds(30)) == p);
    }
}

TEST_CASE("R-8.4-1: profile validation names the bad field", "[services][profile][R-8.4-1]") {
    CHECK_THAT(error_of({{"latency", {{"median_ms", -3}}}}), Catch::StartsWith("/latency/median_ms: expected a number > 0"));
    CHECK_THAT(error_of({{"latency", {{"median_ms", 0}}}}), Catch::StartsWith("/latency/median_ms:"));
    CHECK_THAT(error_of({{"latency", {{"median_ms", "fast"}}}}), Catch::StartsWith("/latency/median_ms: expected a number"));
    CHECK_THAT(error_of({{"latency", {{"sigma", -0.1}}}}), Catch::StartsWith("/latency/sigma:"));
    CHECK_THAT(error_of({{"latency", {{"mean_ms", 10}, {"sd_ms", -1}}}}), Catch::StartsWith("/latency/sd_ms:"));
    CHECK_THAT(error_of({{"latency", {{"sd_ms", 5}}}}), Catch::StartsWith("/latency/mean_ms: missing"));
    CHECK_THAT(error_of({{"latency", {{"median_ms", 10}, {"mean_ms", 10}}}}), Catch::StartsWith("/latency: give either"));
    CHECK_THAT(error_of({{"latency", {{"median", 10}}}}), Catch::StartsWith("/latency/median: unknown key"));
    CHECK_THAT(error_of({{"latency", 100}}), Catch::StartsWith("/latency: expected an object"));
    CHECK_THAT(error_of({{"error_rate", 1.5}}), Catch::StartsWith("/error_rate: expected a probability"));
    CHECK_THAT(error_of({{"error_rate", -0.1}}), Catch::StartsWith("/error_rate:"));
    CHECK_THAT(error_of({{"eror_rate", 0.1}}), Catch::StartsWith("/eror_rate: unknown key"));
    CHECK_THAT(error_of({{"outages", "every day 25:00-26:00"}}), Catch::StartsWith("/outages: ") && Catch::Contains("25:00"));
    CHECK_THAT(error_of(json::array()), Catch::StartsWith(": expected an object"));
    CHECK_THROWS_AS(ServiceProfile({}, 2.0), std::invalid_argument);
}

TEST_CASE("R-8.4-1: the error rate is met within binomial tolerance", "[services][profile][R-8.4-1]") {
    const auto p = ServiceProfile::from_json({{"error_rate", 0.05}});
    sim::Rng rng(sim::derive_seed(42, "test/profile/errors"));
    constexpr int n = 100000;
    int failed = 0;
    for (int i = 0; i < n; ++i) {
        const auto o = p.draw(sim::at_seconds(i), rng);
        CHECK_FALSE(o.unavailable);
        failed += o.failed ? 1 : 0;
    }
    const double sd = std::sqrt(n * 0.05 * 0.95);  // about 69
    CHECK(std::abs(failed - n * 0.05) < 4.5 * sd);
    // Error rate 0 never fails; 1 always does.
    sim::Rng r2(7);
    for (int i = 0; i < 1000; ++i) {
        CHECK_FALSE(ServiceProfile().draw(sim::epoch_time, r2).failed);
        CHECK(ServiceProfile({}, 1.0).draw(sim::epoch_time, r2).failed);
    }
}

TEST_CASE("R-8.4-1: calls are unavailable exactly inside the outage windows", "[services][profile][R-8.4-1]") {
    // Virtual t = 0 is Monday 00:00 (the default calendar's epoch).
    const auto p = ServiceProfile::from_json({{"error_rate", 0.5}, {"outages", "every day 02:00-02:30"}});
    sim::Rng rng(3);
    auto unavailable = [&](sim::Duration since_epoch) { return p.draw(sim::Time{since_epoch}, rng).unavailable; };
    for (int day = 0; day < 7; ++day) {
        const sim::Duration d = day * 24h;
        CHECK_FALSE(unavailable(d + 2h - 1us));
        CHECK(unavailable(d + 2h));
        CHECK(unavailable(d + 2h + 15min));
        CHECK(unavailable(d + 2h + 30min - 1us));
        CHECK_FALSE(unavailable(d + 2h + 30min));
    }
    // A week minute by minute: unavailable exactly when the civil time is in [02:00, 02:30),
    // and never both unavailable and failed.
    const sim::Calendar cal;
    int inside = 0;
    for (sim::Duration t{}; t < 7 * 24h; t += 1min) {
        const auto c = cal.civil(sim::Time{t});
        const bool expected = c.hour == 2 && c.minute < 30;
        const auto o = p.draw(sim::Time{t}, rng);
        REQUIRE(o.unavailable == expected);
        CHECK_FALSE((o.unavailable && o.failed));
        inside += o.unavailable ? 1 : 0;
    }
    CHECK(inside == 7 * 30);

    // Periodic windows count from the anchor.
    const auto q = ServiceProfile::from_json({{"outages", "every 10m for 30s after 2m"}}, sim::at_seconds(100));
    CHECK_FALSE(q.in_outage(sim::at_seconds(100 + 119)));
    CHECK(q.in_outage(sim::at_seconds(100 + 120)));
    CHECK(q.in_outage(sim::at_seconds(100 + 149)));
    CHECK_FALSE(q.in_outage(sim::at_seconds(100 + 150)));
    CHECK(q.in_outage(sim::at_seconds(100 + 720)));
    CHECK_FALSE(ServiceProfile().in_outage(sim::at_seconds(100 + 120)));
}

TEST_CASE("R-8.4-1: log-normal latency quantiles match the parameters", "[services][profile][R-8.4-1]") {
    const auto p = ServiceProfile::from_json({{"latency", {{"median_ms", 100}, {"sigma", 0.6}}}});
    sim::Rng rng(sim::derive_seed(1, "test/profile/latency"));
    std::vector<double> ms;
    for (int i = 0; i < 40000; ++i) ms.push_back(sim::to_seconds(p.draw(sim::epoch_time, rng).delay) * 1000.0);
    std::sort(ms.begin(), ms.end());
    CHECK(p.latency().quantile_ms(0.5) == Approx(100.0));
    CHECK(p.latency().quantile_ms(0.95) == Approx(100.0 * std::exp(0.6 * 1.6448536)).epsilon(1e-6));
    for (double q : {0.1, 0.5, 0.9, 0.95, 0.99})
        CHECK(quantile(ms, q) == Approx(p.latency().quantile_ms(q)).epsilon(q == 0.99 ? 0.06 : 0.03));
}

TEST_CASE("R-8.4-1: normal latency has its mean and sd, clamped at zero", "[services][profile][R-8.4-1]") {
    const auto p = ServiceProfile::from_json({{"latency", {{"mean_ms", 200}, {"sd_ms", 30}}}});
    sim::Rng rng(11);
    constexpr int n = 40000;
    double sum = 0, sum2 = 0;
    for (int i = 0; i < n; ++i) {
        const double x = sim::to_seconds(p.draw(sim::epoch_time, rng).delay) * 1000.0;
        sum += x;
        sum2 += x * x;
    }
    const double mean = sum / n;
    const double sd = std::sqrt(sum2 / n - mean * mean);
    CHECK(mean == Approx(200.0).margin(4.5 * 30 / std::sqrt(n)));
    CHECK(sd == Approx(30.0).epsilon(0.03));
    // A wide normal clamps instead of going negative.
    const auto wide = ServiceProfile::from_json({{"latency", {{"mean_ms", 10}, {"sd_ms", 50}}}});
    int zeros = 0;
    for (int i = 0; i < 2000; ++i) {
        const auto d = wide.draw(sim::epoch_time, rng).delay;
        CHECK(d >= sim::Duration::zero());
        zeros += d == sim::Duration::zero() ? 1 : 0;
    }
    CHECK(zeros > 500);  // P(N(10, 50) < 0) = 0.42
    CHECK(wide.latency().quantile_ms(0.1) == 0.0);
}

TEST_CASE("R-8.4-1: a draw is reproducible and consumes exactly two uniforms", "[services][profile][R-8.4-1]") {
    const auto p = ServiceProfile::from_json({{"error_rate", 0.3}, {"outages", "every day 02:00-02:30"}});
    sim::Rng a(99), b(99);
    for (int i = 0; i < 100; ++i) {
        const sim::Time t = sim::at_seconds(i * 61.0);
        CHECK(p.draw(t, a) == p.draw(t, b));
    }
    // Inside an outage or not, the stream moves on by two: common random numbers.
    sim::Rng c(5), d(5);
    (void)p.draw(sim::Time{2h + 1min}, c);  // in the outage
    (void)d.uniform01();
    (void)d.uniform01();
    CHECK(c == d);
    (void)p.draw(sim::Time{5h}, c);
    (void)d.next();
    (void)d.next();
    CHECK(c == d);
}

}  // namespace services_profile_test
