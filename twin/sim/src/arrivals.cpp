#include <kiosktwin/sim/arrivals.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

namespace kiosktwin::sim {
namespace {

constexpr std::size_t k_week = RateProfile::k_hours_per_week;
constexpr std::int64_t k_hour_us = 3'600'000'000;
constexpr Duration k_hour{k_hour_us};
constexpr double k_hour_us_d = 3.6e9;

std::size_t following(std::size_t h) noexcept { return (h + 1) % k_week; }

// The civil hour containing t: its start and its hour of the week.
struct HourOf {
    Time start;
    std::size_t hour_of_week;
};

HourOf hour_containing(Time t, const Calendar& cal) noexcept {
    return {cal.next_hour_boundary(t) - k_hour, static_cast<std::size_t>(cal.hour_of_week(t))};
}

double fraction_of_hour(Duration d) noexcept { return static_cast<double>(d.count()) / k_hour_us_d; }

}  // namespace

RateProfile::RateProfile(const std::array<double, k_hours_per_week>& rate_per_h) : m_rate(rate_per_h) {
    for (std::size_t h = 0; h < k_week; ++h) {
        if (!(m_rate[h] >= 0.0) || !std::isfinite(m_rate[h]))
            throw std::invalid_argument("RateProfile: the rate of hour-of-week " + std::to_string(h) +
                                        " must be finite and >= 0");
    }
}

RateProfile RateProfile::weekly(const std::array<double, k_hours_per_week>& rate_per_h) {
    return RateProfile(rate_per_h);
}

RateProfile RateProfile::daily(const std::array<double, 24>& per_hour,
                               const std::array<double, 7>& weekday_factor) {
    for (std::size_t d = 0; d < 7; ++d) {
        if (!(weekday_factor[d] >= 0.0) || !std::isfinite(weekday_factor[d]))
            throw std::invalid_argument("RateProfile::daily: weekday factor " + std::to_string(d) +
                                        " must be finite and >= 0");
    }
    std::array<double, k_hours_per_week> rates{};
    for (std::size_t h = 0; h < k_week; ++h) rates[h] = per_hour[h % 24] * weekday_factor[h / 24];
    return RateProfile(rates);
}

RateProfile RateProfile::constant(double rate_per_h) {
    std::array<double, k_hours_per_week> rates{};
    rates.fill(rate_per_h);
    return RateProfile(rates);
}

RateProfile RateProfile::with_interpolation(Interpolation interpolation) const noexcept {
    RateProfile copy = *this;
    copy.m_interpolation = interpolation;
    return copy;
}

double RateProfile::rate_per_h(Time t, const Calendar& cal) const noexcept {
    const HourOf hour = hour_containing(t, cal);
    const double r0 = m_rate[hour.hour_of_week];
    if (m_interpolation == Interpolation::step) return r0;
    const double r1 = m_rate[following(hour.hour_of_week)];
    return r0 + (r1 - r0) * fraction_of_hour(t - hour.start);
}

double RateProfile::hour_max_rate(std::size_t hour_of_week) const {
    const double r0 = m_rate.at(hour_of_week);
    if (m_interpolation == Interpolation::step) return r0;
    return std::max(r0, m_rate[following(hour_of_week)]);
}

double RateProfile::hour_integral(std::size_t hour_of_week) const {
    const double r0 = m_rate.at(hour_of_week);
    if (m_interpolation == Interpolation::step) return r0;
    return 0.5 * (r0 + m_rate[following(hour_of_week)]);
}

bool RateProfile::is_zero() const noexcept {
    for (const double r : m_rate)
        if (r > 0.0) return false;
    return true;
}

double RateProfile::expected_arrivals(Time from, Time to, const Calendar& cal) const noexcept {
    if (!(from < to)) return 0.0;
    // The integral over [f0, f1] (fractions of an hour) of hour-of-week h.
    const auto partial = [this](std::size_t h, double f0, double f1) {
        const double r0 = m_rate[h];
        if (m_interpolation == Interpolation::step) return r0 * (f1 - f0);
        const double r1 = m_rate[following(h)];
        return r0 * (f1 - f0) + 0.5 * (r1 - r0) * (f1 * f1 - f0 * f0);
    };
    HourOf hour = hour_containing(from, cal);
    double f0 = fraction_of_hour(from - hour.start);
    double total = 0.0;
    for (;;) {
        const Time hour_end = hour.start + k_hour;
        if (to <= hour_end) return total + partial(hour.hour_of_week, f0, fraction_of_hour(to - hour.start));
        total += partial(hour.hour_of_week, f0, 1.0);
        hour = {hour_end, following(hour.hour_of_week)};
        f0 = 0.0;
        // Whole weeks at once: a long horizon costs at most two weeks of hours.
        const std::int64_t whole_weeks = (to - hour.start).count() / (k_hour_us * 168);
        if (whole_weeks > 0) {
            double week = 0.0;
            for (std::size_t h = 0; h < k_week; ++h) week += hour_integral(h);
            total += static_cast<double>(whole_weeks) * week;
            hour.start += whole_weeks * 168 * k_hour;
        }
    }
}

NhppArrivals::NhppArrivals(RateProfile profile, const Calendar& cal)
    : m_profile(std::move(profile)), m_calendar(cal) {
    for (std::size_t h = 0; h < k_week; ++h) {
        m_majorant[h] = m_profile.hour_max_rate(h);
        m_week_majorant += m_majorant[h];
    }
}

std::optional<Time> NhppArrivals::next(Time after, Rng& rng) const {
    if (!(m_week_majorant > 0.0)) return std::nullopt;
    constexpr Duration k_week_span = 168 * k_hour;
    // Keeps every hour_start + 1 h below end_of_time.
    const Time last_hour_start = end_of_time - 2 * k_hour;
    if (after >= last_hour_start) return std::nullopt;

    const bool linear = m_profile.interpolation() == Interpolation::linear;
    HourOf hour = hour_containing(after, m_calendar);
    double position = fraction_of_hour(after - hour.start);  // within the hour, in hours
    for (;;) {
        // One candidate: spend a unit-exponential budget of integrated
        // majorant, hour by hour (memorylessness makes the hand-over exact).
        double budget = -std::log(rng.uniform01());
        for (;;) {
            const double majorant = m_majorant[hour.hour_of_week];
            const double rest_of_hour = majorant * (1.0 - position);
            if (budget < rest_of_hour) {
                position += budget / majorant;
                break;
            }
            budget -= rest_of_hour;
            hour = {hour.start + k_hour, following(hour.hour_of_week)};
            position = 0.0;
            if (budget >= m_week_majorant) {
                const double weeks = std::floor(budget / m_week_majorant);
                const double weeks_left =
                    static_cast<double>((last_hour_start - hour.start).count() / k_week_span.count());
                if (weeks >= weeks_left) return std::nullopt;
                budget = std::max(0.0, budget - weeks * m_week_majorant);
                hour.start += static_cast<std::int64_t>(weeks) * k_week_span;
            }
            if (hour.start >= last_hour_start) return std::nullopt;
        }
        if (linear) {
            const double r0 = m_profile.hourly_rate(hour.hour_of_week);
            const double r1 = m_profile.hourly_rate(following(hour.hour_of_week));
            if (r0 != r1) {
                const double rate = r0 + (r1 - r0) * position;
                if (!(rng.uniform01() * m_majorant[hour.hour_of_week] < rate)) continue;
            }
        }
        const Time arrival =
            hour.start + Duration{static_cast<std::int64_t>(position * k_hour_us_d + 0.5)};
        return arrival > after ? arrival : after + Duration{1};
    }
}

}  // namespace kiosktwin::sim
