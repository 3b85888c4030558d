// Virtual time: a 64-bit count of microseconds since the scenario epoch.
//
// The kernel never reads a wall clock. `Time` is a std::chrono time_point on
// the kernel's own `VirtualClock`, so the type system keeps virtual instants
// apart from wall-clock ones, and every duration at the API is a
// std::chrono duration (`co_await sim.delay(4min)` reads as it should).
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>

namespace kiosktwin::sim {

using Duration = std::chrono::duration<std::int64_t, std::micro>;

/// The clock of the simulated world. It has no now(): only a Simulation
/// knows the current virtual time.
struct VirtualClock {
    using rep = std::int64_t;
    using period = std::micro;
    using duration = Duration;
    using time_point = std::chrono::time_point<VirtualClock, Duration>;
    static constexpr bool is_steady = true;
};

/// An instant of virtual time, measured from the scenario epoch (t = 0).
using Time = VirtualClock::time_point;

inline constexpr Time epoch_time{};
inline constexpr Time end_of_time{Duration{std::numeric_limits<std::int64_t>::max()}};

/// Seconds (fractional) to a Duration, rounded to the nearest microsecond.
/// Negative, NaN or unbounded inputs are clamped to [0, end of time].
constexpr Duration from_seconds(double s) noexcept {
    if (!(s > 0.0)) return Duration::zero();
    if (s >= 9.0e12) return Duration{std::numeric_limits<std::int64_t>::max() / 2};
    return Duration{static_cast<std::int64_t>(s * 1e6 + 0.5)};
}
constexpr Duration from_minutes(double m) noexcept { return from_seconds(m * 60.0); }
constexpr Duration from_hours(double h) noexcept { return from_seconds(h * 3600.0); }

constexpr double to_seconds(Duration d) noexcept { return static_cast<double>(d.count()) * 1e-6; }
constexpr double to_minutes(Duration d) noexcept { return to_seconds(d) / 60.0; }
constexpr double to_hours(Duration d) noexcept { return to_seconds(d) / 3600.0; }

/// Virtual time since the epoch, in (fractional) seconds, minutes and hours.
constexpr double seconds_since_epoch(Time t) noexcept { return to_seconds(t.time_since_epoch()); }
constexpr double minutes_since_epoch(Time t) noexcept { return to_minutes(t.time_since_epoch()); }
constexpr double hours_since_epoch(Time t) noexcept { return to_hours(t.time_since_epoch()); }

constexpr Time at_seconds(double s) noexcept { return Time{from_seconds(s)}; }

}  // namespace kiosktwin::sim
