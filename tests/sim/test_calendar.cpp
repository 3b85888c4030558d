// The calendar: virtual time to civil time at +08:00, weekdays, hours, and
// GB/T 7408 (ISO 8601) timestamps.
#include <kiosktwin/sim/calendar.hpp>

#include <catch2/catch.hpp>

using namespace kiosktwin;
using namespace std::chrono_literals;

TEST_CASE("the default epoch is Monday 2026-06-01 00:00 +08:00", "[calendar]") {
    const sim::Calendar cal;
    const sim::CivilTime c = cal.civil(sim::epoch_time);
    CHECK(c == sim::CivilTime{2026, 6, 1, 0, 0, 0, 0, 1});
    CHECK(cal.iso8601(sim::epoch_time) == "2026-06-01T00:00:00+08:00");
    CHECK(cal.iso_weekday(sim::epoch_time) == 1);
}

TEST_CASE("weekday, hour of day and hour of week follow civil time", "[calendar]") {
    const sim::Calendar cal;
    const sim::Time sat_1030 = sim::Time{5 * 24h + 10h + 30min};
    CHECK(cal.iso_weekday(sat_1030) == 6);
    CHECK(cal.hour_of_day(sat_1030) == 10);
    CHECK(cal.hour_of_week(sat_1030) == 5 * 24 + 10);
    CHECK(cal.day_index(sat_1030) == 5);
    CHECK(cal.iso8601(sat_1030) == "2026-06-06T10:30:00+08:00");
    // A week later it is Saturday again; the hour of week wraps.
    CHECK(cal.hour_of_week(sat_1030 + 7 * 24h) == cal.hour_of_week(sat_1030));
    CHECK(cal.hour_of_week(sim::Time{7 * 24h - 1us}) == 167);
}

TEST_CASE("an epoch that is not at midnight shifts the civil clock", "[calendar]") {
    const auto cal = sim::Calendar::from_iso8601("2026-12-31T22:15:00+08:00");
    REQUIRE(cal);
    CHECK(cal->iso8601(sim::Time{2h}) == "2027-01-01T00:15:00+08:00");
    CHECK(cal->hour_of_day(sim::Time{2h}) == 0);
    CHECK(cal->day_index(sim::Time{2h}) == 1);
    CHECK(cal->start_of_day(sim::epoch_time) == sim::Time{-(22h + 15min)});
    CHECK(cal->next_hour_boundary(sim::epoch_time) == sim::Time{45min});
    CHECK(cal->next_hour_boundary(sim::Time{45min}) == sim::Time{105min});
    CHECK(cal->iso_weekday(sim::epoch_time) == 4);  // 2026-12-31 is a Thursday
}

TEST_CASE("timestamps with fractions and other offsets parse to the same instant", "[calendar]") {
    const sim::Calendar cal;
    CHECK(cal.parse_iso8601("2026-06-01T09:30:00+08:00") == sim::Time{9h + 30min});
    CHECK(cal.parse_iso8601("2026-06-01T01:30:00Z") == sim::Time{9h + 30min});
    CHECK(cal.parse_iso8601("2026-06-01T09:30:00.25+08:00") == sim::Time{9h + 30min + 250ms});
    CHECK(cal.parse_iso8601("2026-06-01T09:30") == sim::Time{9h + 30min});  // no offset: +08:00
    CHECK(cal.parse_iso8601("2026-05-31") == sim::Time{-24h});
    CHECK(cal.iso8601(sim::Time{9h + 30min + 250ms}) == "2026-06-01T09:30:00.250000+08:00");
    for (const char* bad : {"2026-02-29T00:00:00+08:00", "2026-06-01T24:00:00+08:00", "2026-6-1", "",
                            "2026-06-01T09:30:00+8", "2026-06-01T09:30:00+08:00 trailing", "tomorrow"})
        CHECK_FALSE(cal.parse_iso8601(bad).has_value());
}

TEST_CASE("civil time round-trips through ISO 8601 across years and leap days", "[calendar]") {
    const sim::Calendar cal;
    for (std::int64_t h = -24 * 400; h < 24 * 3 * 366; h += 37) {
        const sim::Time t = sim::Time{std::chrono::hours(h) + 17s};
        const std::string s = cal.iso8601(t);
        INFO(s);
        REQUIRE(cal.parse_iso8601(s) == t);
    }
    CHECK(cal.iso8601(sim::Time{638 * 24h}) == "2028-02-29T00:00:00+08:00");  // 2028 is a leap year
}
