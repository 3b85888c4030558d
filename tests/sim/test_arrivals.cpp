#include <catch2/catch.hpp>

#include <kiosktwin/sim/arrivals.hpp>
#include <kiosktwin/sim/special_functions.hpp>

#include <array>
#include <cmath>
#include <limits>
#include <vector>

using namespace kiosktwin::sim;

namespace {

// A service-hall day: closed at night, a morning and an afternoon peak
// (arrivals per hour); with k_hall_week, a half-day Saturday and a closed Sunday.
std::array<double, 24> hall_day() {
    std::array<double, 24> day{};
    const std::array<double, 10> open{12, 30, 42, 36, 18, 24, 38, 40, 28, 10};  // 08:00-18:00
    for (std::size_t i = 0; i < open.size(); ++i) day[8 + i] = open[i];
    return day;
}

constexpr std::array<double, 7> k_hall_week{1.0, 0.9, 0.9, 1.0, 1.2, 0.5, 0.0};

constexpr Duration k_hour = from_hours(1.0);

// Pearson's statistic and its 0.999 critical value over buckets with E > 0;
// buckets with E = 0 must be empty.
struct ChiSquare {
    double statistic = 0.0;
    int buckets = 0;
    bool empty_where_zero = true;
};

ChiSquare chi_square(const std::vector<long>& observed, const std::vector<double>& expected) {
    ChiSquare c;
    for (std::size_t i = 0; i < observed.size(); ++i) {
        if (expected[i] <= 0.0) {
            if (observed[i] != 0) c.empty_where_zero = false;
            continue;
        }
        const double d = static_cast<double>(observed[i]) - expected[i];
        c.statistic += d * d / expected[i];
        ++c.buckets;
    }
    return c;
}

}  // namespace

TEST_CASE("RateProfile factories tabulate the 168 hours", "[arrivals]") {
    const auto day = hall_day();
    const auto p = RateProfile::daily(day, k_hall_week);
    CHECK(p.hourly_rate(9) == 30.0);               // Monday 09:00
    CHECK(p.hourly_rate(24 * 4 + 9) == 36.0);      // Friday 09:00, factor 1.2
    CHECK(p.hourly_rate(24 * 6 + 9) == 0.0);       // Sunday
    CHECK(p.hourly_rate(24 * 1 + 3) == 0.0);       // Tuesday 03:00
    CHECK_THROWS_AS(p.hourly_rate(168), std::out_of_range);
    CHECK(RateProfile::daily(day).hourly_rate(24 * 6 + 9) == 30.0);
    CHECK(RateProfile::constant(7.5).hourly_rate(100) == 7.5);
    CHECK(RateProfile::constant(0.0).is_zero());
    CHECK_FALSE(p.is_zero());

    std::array<double, 168> week{};
    week[17] = 3.0;
    const auto w = RateProfile::weekly(week);
    CHECK(w.hourly_rate(17) == 3.0);
    CHECK(w.interpolation() == Interpolation::step);
    CHECK(w.with_interpolation(Interpolation::linear).interpolation() == Interpolation::linear);
    CHECK(w.with_interpolation(Interpolation::linear).hour_max_rate(16) == 3.0);
    CHECK(w.hour_max_rate(16) == 0.0);

    CHECK_THROWS_AS(RateProfile::constant(-1.0), std::invalid_argument);
    CHECK_THROWS_AS(RateProfile::constant(std::numeric_limits<double>::quiet_NaN()), std::invalid_argument);
    week[3] = std::numeric_limits<double>::infinity();
    CHECK_THROWS_AS(RateProfile::weekly(week), std::invalid_argument);
    CHECK_THROWS_AS(RateProfile::daily(day, {1, 1, 1, -1, 1, 1, 1}), std::invalid_argument);
}

TEST_CASE("RateProfile rate at an instant, step and linear", "[arrivals]") {
    const Calendar cal;  // epoch Monday 2026-06-01 00:00 +08:00
    const auto step = RateProfile::daily(hall_day(), k_hall_week);
    const auto linear = step.with_interpolation(Interpolation::linear);
    const Time monday_0930 = epoch_time + from_minutes(9 * 60 + 30);
    CHECK(step.rate_per_h(monday_0930, cal) == 30.0);
    CHECK(linear.rate_per_h(monday_0930, cal) == Approx(36.0));  // halfway from 30 to 42
    CHECK(linear.rate_per_h(epoch_time + from_minutes(9 * 60 + 45), cal) == Approx(39.0));
    CHECK(linear.rate_per_h(epoch_time + from_hours(9), cal) == 30.0);

    // Linear interpolation wraps from Sunday 23:00 to Monday 00:00.
    std::array<double, 168> week{};
    week[167] = 10.0;
    week[0] = 20.0;
    const auto wrap = RateProfile::weekly(week).with_interpolation(Interpolation::linear);
    const Time sunday_2330 = epoch_time + from_hours(167.5);
    CHECK(cal.hour_of_week(sunday_2330) == 167);
    CHECK(wrap.rate_per_h(sunday_2330, cal) == Approx(15.0));
    CHECK(wrap.rate_per_h(sunday_2330 + 7 * 24 * k_hour, cal) == Approx(15.0));
}

TEST_CASE("expected_arrivals integrates the profile exactly", "[arrivals]") {
    const Calendar cal;
    const auto day = hall_day();
    const auto step = RateProfile::daily(day, k_hall_week);
    double monday = 0.0;
    for (const double r : day) monday += r;
    CHECK(step.expected_arrivals(epoch_time, epoch_time + 24 * k_hour, cal) == Approx(monday));
    // Half hours at both ends: 09:30-11:30 = 0.5*30 + 42 + 0.5*36.
    CHECK(step.expected_arrivals(epoch_time + from_hours(9.5), epoch_time + from_hours(11.5), cal) ==
          Approx(15.0 + 42.0 + 18.0));
    CHECK(step.expected_arrivals(epoch_time + from_hours(5), epoch_time + from_hours(5), cal) == 0.0);
    CHECK(step.expected_arrivals(epoch_time + from_hours(5), epoch_time + from_hours(4), cal) == 0.0);

    // Many weeks plus a remainder, against a plain hour-by-hour sum.
    double week_total = 0.0;
    for (std::size_t h = 0; h < 168; ++h) week_total += step.hourly_rate(h);
    const Time from = epoch_time + from_hours(30.25);    // Tuesday 06:15
    const Time to = from + 10 * 168 * k_hour + from_hours(40.5);
    double brute = 0.0;
    for (Time t = from; t < to; t += from_minutes(15)) brute += 0.25 * step.rate_per_h(t, cal);
    CHECK(step.expected_arrivals(from, to, cal) == Approx(brute).epsilon(1e-12));
    CHECK(step.expected_arrivals(epoch_time, epoch_time + 5 * 168 * k_hour, cal) == Approx(5 * week_total));

    // Linear: 09:15-09:45 with the rate rising from 30 to 42 over the hour:
    // 30*0.5 + 12*(0.75^2 - 0.25^2)/2 = 18.
    const auto linear = step.with_interpolation(Interpolation::linear);
    CHECK(linear.expected_arrivals(epoch_time + from_hours(9.25), epoch_time + from_hours(9.75), cal) ==
          Approx(18.0));
    CHECK(linear.hour_integral(9) == Approx(36.0));
    // Over whole weeks the linear and step profiles carry the same total.
    CHECK(linear.expected_arrivals(epoch_time, epoch_time + 3 * 168 * k_hour, cal) ==
          Approx(3 * week_total));
}

TEST_CASE("expected_arrivals follows civil hours when the epoch is mid-hour", "[arrivals]") {
    // Epoch Wednesday 2026-06-03 08:20 +08:00: virtual t = 0 is 20 minutes into hour-of-week 56.
    const Calendar cal(CivilTime{2026, 6, 3, 8, 20, 0, 0, 3}, 480);
    REQUIRE(cal.hour_of_week(epoch_time) == 56);
    std::array<double, 168> week{};
    week[56] = 60.0;
    week[57] = 120.0;
    const auto p = RateProfile::weekly(week);
    // 40 minutes left of hour 56, then 30 minutes of hour 57.
    CHECK(p.expected_arrivals(epoch_time, epoch_time + from_minutes(70), cal) == Approx(40.0 + 60.0));
    CHECK(p.rate_per_h(epoch_time + from_minutes(39), cal) == 60.0);
    CHECK(p.rate_per_h(epoch_time + from_minutes(40), cal) == 120.0);
}

TEST_CASE("NHPP arrivals per hour of week match the profile", "[arrivals][statistical]") {
    const Calendar cal;
    const auto profile = RateProfile::daily(hall_day(), k_hall_week);
    const NhppArrivals arrivals(profile, cal);
    Rng rng(derive_seed(1, "arrivals"));
    constexpr int weeks = 60;
    const Time horizon = epoch_time + weeks * 168 * k_hour;
    std::vector<long> observed(168, 0);
    long total = 0;
    Time t = epoch_time;
    while (true) {
        const auto next = arrivals.next(t, rng);
        REQUIRE(next.has_value());
        REQUIRE(*next > t);
        if (*next >= horizon) break;
        t = *next;
        ++observed[static_cast<std::size_t>(cal.hour_of_week(t))];
        ++total;
    }
    std::vector<double> expected(168);
    double expected_total = 0.0;
    for (std::size_t h = 0; h < 168; ++h) {
        expected[h] = weeks * profile.hour_integral(h);
        expected_total += expected[h];
    }
    CHECK(static_cast<double>(total) == Approx(expected_total).margin(5.0 * std::sqrt(expected_total)));
    const ChiSquare c = chi_square(observed, expected);
    CHECK(c.empty_where_zero);  // closed hours and Sundays get nobody
    CHECK(c.buckets == 6 * 10);
    CHECK(c.statistic < chi_square_quantile(0.999, c.buckets));
}

TEST_CASE("NHPP with linear interpolation matches expected_arrivals per quarter hour",
          "[arrivals][statistical]") {
    // Epoch mid-hour, to exercise hour boundaries that are not multiples of an hour of virtual time.
    const Calendar cal(CivilTime{2026, 6, 3, 8, 20, 0, 0, 3}, 480);
    std::array<double, 168> week{};
    for (std::size_t h = 0; h < 168; ++h) {
        const bool open = h % 24 >= 7 && h % 24 <= 19;
        week[h] = open ? 5.0 * static_cast<double>(h % 13) : 0.0;
    }
    const auto profile = RateProfile::weekly(week).with_interpolation(Interpolation::linear);
    const NhppArrivals arrivals(profile, cal);
    Rng rng(derive_seed(2, "arrivals"));

    // Quarter-hour buckets of the civil week, starting at the first Monday 00:00.
    Time week_start = epoch_time;
    while (cal.hour_of_week(week_start) != 0 || cal.civil(week_start).minute != 0)
        week_start = cal.next_hour_boundary(week_start);
    constexpr int weeks = 40;
    constexpr Duration quarter = from_minutes(15);
    std::vector<double> expected(168 * 4);
    for (std::size_t q = 0; q < expected.size(); ++q) {
        const Time a = week_start + static_cast<int>(q) * quarter;
        expected[q] = weeks * profile.expected_arrivals(a, a + quarter, cal);
    }
    std::vector<long> observed(expected.size(), 0);
    const Time end = week_start + weeks * 168 * k_hour;
    Time t = week_start;
    for (;;) {
        const auto next = arrivals.next(t, rng);
        REQUIRE(next.has_value());
        if (*next >= end) break;
        t = *next;
        ++observed[static_cast<std::size_t>((t - week_start).count() / quarter.count()) % observed.size()];
    }
    const ChiSquare c = chi_square(observed, expected);
    CHECK(c.empty_where_zero);
    CHECK(c.buckets > 300);
    CHECK(c.statistic < chi_square_quantile(0.999, c.buckets));

    // Monday 12:00-13:00 falls linearly from 60 to 0 per hour, so its first
    // half carries three times the arrivals of its second.
    const double falling_first = expected[12 * 4] + expected[12 * 4 + 1];
    const double falling_second = expected[12 * 4 + 2] + expected[12 * 4 + 3];
    CHECK(falling_first == Approx(3.0 * falling_second));
}

TEST_CASE("NHPP arrivals: zero profile, single open hour and sparse rates", "[arrivals][statistical]") {
    const Calendar cal;
    Rng rng(5);
    const NhppArrivals none(RateProfile::constant(0.0), cal);
    CHECK_FALSE(none.next(epoch_time, rng).has_value());
    CHECK(rng == Rng(5));  // a zero profile draws nothing

    std::array<double, 168> week{};
    week[24 * 2 + 10] = 30.0;  // Wednesday 10:00-11:00 only
    const NhppArrivals one_hour(RateProfile::weekly(week), cal);
    Time t = epoch_time;
    for (int i = 0; i < 2000; ++i) {
        const auto next = one_hour.next(t, rng);
        REQUIRE(next.has_value());
        REQUIRE(cal.hour_of_week(*next) == 24 * 2 + 10);
        t = *next;
    }
    // About 30 per week: 2000 arrivals take about 67 weeks.
    CHECK(hours_since_epoch(t) / 168.0 == Approx(2000.0 / 30.0).margin(5.0 * std::sqrt(2000.0) / 30.0));

    // A rate of one per 1000 hours: candidates span many hours at one uniform each.
    const NhppArrivals sparse(RateProfile::constant(0.001), cal);
    Rng sparse_rng(6);
    Rng counter(6);
    t = epoch_time;
    constexpr int n = 5000;
    for (int i = 0; i < n; ++i) {
        t = *sparse.next(t, sparse_rng);
        counter.next();
    }
    CHECK(sparse_rng == counter);  // exactly one uniform per arrival
    CHECK(hours_since_epoch(t) / n == Approx(1000.0).margin(5.0 * 1000.0 / std::sqrt(n)));
}

TEST_CASE("NHPP arrivals reproduce pinned times", "[arrivals]") {
    // Regression anchor (microseconds since the epoch).
    const Calendar cal;
    std::array<double, 24> day{};
    for (std::size_t h = 8; h < 18; ++h) day[h] = 30.0;
    const NhppArrivals a(RateProfile::daily(day).with_interpolation(Interpolation::linear), cal);
    Rng rng(2026);
    Time t = epoch_time;
    std::vector<std::int64_t> got;
    for (int i = 0; i < 3; ++i) {
        t = *a.next(t, rng);
        got.push_back(t.time_since_epoch().count());
    }
    CHECK(got == std::vector<std::int64_t>{26037752629, 26050463760, 26275940453});
}

TEST_CASE("NHPP arrivals are deterministic and strictly increasing", "[arrivals]") {
    const Calendar cal;
    const auto profile = RateProfile::daily(hall_day(), k_hall_week).with_interpolation(Interpolation::linear);
    const NhppArrivals a(profile, cal);
    const NhppArrivals b(profile, cal);
    Rng ra(42);
    Rng rb(42);
    Time ta = epoch_time + from_hours(3.3);
    Time tb = ta;
    for (int i = 0; i < 3000; ++i) {
        const auto na = a.next(ta, ra);
        const auto nb = b.next(tb, rb);
        REQUIRE(na.has_value());
        REQUIRE(na == nb);
        REQUIRE(*na > ta);
        ta = *na;
        tb = *nb;
    }
    // Step profiles accept every candidate: exactly one uniform per arrival.
    const NhppArrivals step(RateProfile::daily(hall_day(), k_hall_week), cal);
    Rng rs(43);
    Rng counter(43);
    Time t = epoch_time;
    for (int i = 0; i < 3000; ++i) {
        t = *step.next(t, rs);
        counter.next();
    }
    CHECK(rs == counter);
    // Very high rates still give strictly increasing microsecond times.
    const NhppArrivals flood(RateProfile::constant(1e10), cal);
    t = epoch_time;
    for (int i = 0; i < 1000; ++i) {
        const auto next = flood.next(t, rs);
        REQUIRE(next.has_value());
        REQUIRE(*next > t);
        t = *next;
    }
}
