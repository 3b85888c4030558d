// The calendar maps virtual time onto civil time at a fixed UTC offset
// (China Standard Time, +08:00, by default), so that demand profiles can ask
// "which weekday and hour is it?" and records can carry GB/T 7408 (ISO 8601)
// timestamps. China has no daylight saving time, so a fixed offset is exact.
#pragma once

#include <kiosktwin/sim/time.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kiosktwin::sim {

/// A civil (wall-calendar) date and time at the calendar's UTC offset.
struct CivilTime {
    int year = 1970;
    int month = 1;        ///< 1..12
    int day = 1;          ///< 1..31
    int hour = 0;         ///< 0..23
    int minute = 0;       ///< 0..59
    int second = 0;       ///< 0..59
    int microsecond = 0;  ///< 0..999999
    int iso_weekday = 4;  ///< 1 = Monday .. 7 = Sunday (ISO 8601)

    friend bool operator==(const CivilTime&, const CivilTime&) = default;
};

class Calendar {
public:
    /// The default epoch: Monday 2026-06-01 00:00:00 +08:00, the day
    /// GB/T 47483-2026 came into force.
    Calendar() noexcept;

    /// A calendar whose virtual t = 0 is the given civil time at the given
    /// UTC offset (minutes east of UTC; +480 for China).
    Calendar(const CivilTime& epoch, int utc_offset_minutes);

    /// Parses an ISO 8601 / GB/T 7408 extended date-time such as
    /// "2026-06-01T08:00:00+08:00" (seconds, fraction and offset optional; a
    /// missing offset means +08:00). Returns nullopt on any malformed input.
    static std::optional<Calendar> from_iso8601(std::string_view text);

    /// The civil time at virtual time t.
    CivilTime civil(Time t) const noexcept;

    /// ISO weekday at t: 1 = Monday .. 7 = Sunday.
    int iso_weekday(Time t) const noexcept;
    /// Hour of the civil day at t, 0..23.
    int hour_of_day(Time t) const noexcept;
    /// Hour of the ISO week at t: 0 = Monday 00:00-01:00 .. 167 = Sunday 23:00-24:00.
    int hour_of_week(Time t) const noexcept;
    /// Whole civil days between the epoch's civil date and t's civil date.
    std::int64_t day_index(Time t) const noexcept;

    /// The virtual time of the next civil hour boundary strictly after t.
    Time next_hour_boundary(Time t) const noexcept;
    /// The virtual time of the civil midnight that starts t's day (may be < 0
    /// for the first day when the epoch is not at midnight).
    Time start_of_day(Time t) const noexcept;

    /// GB/T 7408 extended format at the calendar's offset:
    /// "2026-06-01T09:30:00+08:00", with ".ffffff" only when t is not on a
    /// whole second.
    std::string iso8601(Time t) const;

    /// Virtual time of an ISO 8601 date-time (any offset). nullopt if malformed.
    std::optional<Time> parse_iso8601(std::string_view text) const;

    const CivilTime& epoch() const noexcept { return m_epoch; }
    int utc_offset_minutes() const noexcept { return m_offset_min; }

private:
    CivilTime m_epoch;
    int m_offset_min = 480;
    std::int64_t m_epoch_local_us = 0;  // epoch as microseconds since 1970-01-01T00:00 *local*
};

}  // namespace kiosktwin::sim
