// Time-window schedules for link faults: the forms, daily windows in local
// time, periodic and one-off windows from an anchor, exact next_change, and
// the error messages.
#include <kiosktwin/link/schedule.hpp>

#include <kiosktwin/sim/calendar.hpp>
#include <kiosktwin/sim/random.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace link_schedule_test {

using namespace kiosktwin;
using namespace kiosktwin::link;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr sim::Duration k_day = 24h;
constexpr sim::Duration k_week = 7 * k_day;

sim::Time at(sim::Duration d) { return sim::Time{d}; }

Schedule parse(const json& j, sim::Time anchor = sim::epoch_time, CivilWeek week = {}) {
    return Schedule::from_json(j, anchor, week);
}

std::string error_of(const json& j) {
    try {
        parse(j);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(accepted)";
}

using Window = Schedule::Window;

}  // namespace

TEST_CASE("no schedule is always active", "[schedule]") {
    const Schedule s;
    CHECK(s.always());
    CHECK(s.active(sim::epoch_time));
    CHECK(s.active(at(-k_week)));
    CHECK(s.active(at(3650 * k_day)));
    CHECK(s.next_change(sim::epoch_time) == sim::end_of_time);
    CHECK(s.window_at_or_after(at(5s)) == Window{sim::Time::min(), sim::end_of_time});
    CHECK(s.to_json().is_null());
    CHECK(to_string(s) == "always");
    CHECK(parse(nullptr) == s);
    CHECK_FALSE(parse("every day 09:00-09:05") == s);
}

TEST_CASE("a daily window is half-open and repeats every day in local time", "[schedule]") {
    const Schedule s = parse("every day 09:00-09:05");
    CHECK_FALSE(s.always());
    CHECK_FALSE(s.active(at(9h - 1us)));
    CHECK(s.active(at(9h)));
    CHECK(s.active(at(9h + 5min - 1us)));
    CHECK_FALSE(s.active(at(9h + 5min)));

    CHECK(s.next_change(sim::epoch_time) == at(9h));
    CHECK(s.next_change(at(9h - 1us)) == at(9h));
    CHECK(s.next_change(at(9h)) == at(9h + 5min));           // exactly at the start: the end is next
    CHECK(s.next_change(at(9h + 5min)) == at(k_day + 9h));  // exactly at the end: tomorrow's start
    CHECK(s.next_change(at(6 * k_day + 9h + 5min)) == at(k_week + 9h));  // Sunday into Monday

    CHECK(s.window_at_or_after(at(9h + 2min)) == Window{at(9h), at(9h + 5min)});
    CHECK(s.window_at_or_after(at(9h + 5min)) == Window{at(k_day + 9h), at(k_day + 9h + 5min)});
    CHECK(s.window_at_or_after(at(-1us)) == Window{at(9h), at(9h + 5min)});
}

TEST_CASE("a daily window that crosses midnight belongs to the day it starts", "[schedule]") {
    const Schedule s = parse("every day 23:55-00:05");
    // The epoch (Monday 00:00) falls inside the window that began on Sunday.
    CHECK(s.active(sim::epoch_time));
    CHECK(s.window_at_or_after(sim::epoch_time) == Window{at(-5min), at(5min)});
    CHECK(s.next_change(sim::epoch_time) == at(5min));
    CHECK(s.next_change(at(5min)) == at(23h + 55min));
    CHECK(s.window_at_or_after(at(23h + 58min)) == Window{at(23h + 55min), at(k_day + 5min)});

    // Friday night only: into Saturday morning, not Friday morning.
    const Schedule fri = parse("every fri 23:00-01:00");
    CHECK(fri.active(at(5 * k_day + 30min)));  // Saturday 00:30
    CHECK_FALSE(fri.active(at(4 * k_day + 30min)));  // Friday 00:30
    CHECK(fri.next_change(at(5 * k_day + 30min)) == at(5 * k_day + 1h));

    // Sunday night runs across the week boundary into Monday.
    const Schedule sun = parse("every sun 23:00-01:00");
    CHECK(sun.active(at(30min)));
    CHECK(sun.active(at(k_week + 30min)));
    CHECK_FALSE(sun.active(at(6 * k_day + 30min)));
    CHECK(sun.next_change(at(6 * k_day + 23h)) == at(k_week + 1h));
    CHECK(sun.window_at_or_after(at(k_week)) == Window{at(k_week - 1h), at(k_week + 1h)});

    // 24:00 ends a window at midnight; 00:00-24:00 every day is always active.
    CHECK(parse("every day 22:00-24:00").next_change(at(22h)) == at(k_day));
    const Schedule all_day = parse("every day 00:00-24:00");
    CHECK(all_day.always());
    CHECK(all_day.next_change(at(3h)) == sim::end_of_time);
    // Two days that join at midnight make one window.
    CHECK(parse("every mon,tue 00:00-24:00").window_at_or_after(at(30h)) == Window{at(0h), at(2 * k_day)});
}

TEST_CASE("weekday and weekend windows follow a calendar whose epoch is Saturday 23:00", "[schedule]") {
    const auto cal = sim::Calendar::from_iso8601("2026-06-06T23:00:00+08:00");  // a Saturday
    REQUIRE(cal);
    const CivilWeek week = CivilWeek::of(*cal);
    CHECK(week == CivilWeek{5 * k_day + 23h});
    CHECK(CivilWeek::of(sim::Calendar{}) == CivilWeek{});

    const Schedule weekend = parse("every weekend 00:00-06:00", sim::epoch_time, week);
    CHECK_FALSE(weekend.active(sim::epoch_time));  // Saturday 23:00
    CHECK(weekend.next_change(sim::epoch_time) == at(1h));  // Sunday 00:00
    CHECK(weekend.window_at_or_after(sim::epoch_time) == Window{at(1h), at(7h)});
    CHECK_FALSE(weekend.active(at(25h)));  // Monday 00:00
    // The next Saturday begins 7 days after this one (which began 23 h before the epoch).
    CHECK(weekend.window_at_or_after(at(7h)) == Window{at(k_week - 23h), at(k_week - 17h)});

    const Schedule weekday = parse("every weekday 12:00-13:30", sim::epoch_time, week);
    CHECK(weekday.window_at_or_after(sim::epoch_time) == Window{at(37h), at(38h + 30min)});  // Monday noon
    const sim::Time fri_noon = at(37h + 4 * k_day);
    CHECK(weekday.active(fri_noon));
    CHECK(weekday.window_at_or_after(fri_noon + 2h) == Window{at(37h) + k_week, at(38h + 30min) + k_week});

    // The same with the other spellings.
    const Schedule ranged = parse("Every Mon-Fri 12:00 - 13:30", sim::epoch_time, week);
    const Schedule listed = parse(json{{"daily", "12:00-13:30"}, {"days", {"mon", "tue", "wed", "thu", "fri"}}},
                                  sim::epoch_time, week);
    for (sim::Time t = sim::epoch_time; t < at(2 * k_week); t += 30min) {
        CHECK(ranged.active(t) == weekday.active(t));
        CHECK(listed.active(t) == weekday.active(t));
    }
    CHECK(ranged == weekday);  // same items once read

    // A week offset outside [0, 7 days) wraps.
    CHECK(parse("every day 09:00-09:05", sim::epoch_time, CivilWeek{-k_day}).week() == CivilWeek{6 * k_day});
}

TEST_CASE("named days, lists of days and seconds in the times", "[schedule]") {
    const Schedule s = parse("every mon,wed,fri 09:00:00-09:00:30");
    CHECK(s.active(at(9h)));                      // Monday
    CHECK_FALSE(s.active(at(k_day + 9h)));        // Tuesday
    CHECK(s.active(at(2 * k_day + 9h + 29s)));    // Wednesday
    CHECK_FALSE(s.active(at(2 * k_day + 9h + 30s)));
    CHECK(s.next_change(at(9h + 30s)) == at(2 * k_day + 9h));
    CHECK(s.next_change(at(4 * k_day + 9h + 30s)) == at(k_week + 9h));  // Friday to next Monday
    CHECK(s.to_json() == "every mon,wed,fri 09:00:00-09:00:30");
    // "fri-mon" wraps through the weekend.
    const Schedule wrap = parse("every fri-mon 09:00-10:00");
    CHECK(wrap.active(at(6 * k_day + 9h)));     // Sunday
    CHECK_FALSE(wrap.active(at(k_day + 9h)));  // Tuesday
}

TEST_CASE("periodic windows start at the anchor, or after an offset", "[schedule]") {
    const sim::Time anchor = at(1h);
    const Schedule s = parse("every 10m for 30s", anchor);
    CHECK_FALSE(s.active(anchor - 1us));
    CHECK(s.active(anchor));
    CHECK(s.next_change(sim::epoch_time) == anchor);
    CHECK(s.next_change(anchor) == anchor + 30s);
    CHECK(s.next_change(anchor + 30s) == anchor + 10min);
    CHECK(s.next_change(anchor + 10min - 1us) == anchor + 10min);

    const Schedule off = parse("every 1h30m for 5m after 2m", anchor);
    CHECK_FALSE(off.active(anchor));
    CHECK(off.next_change(anchor - 1h) == anchor + 2min);
    CHECK(off.window_at_or_after(anchor + 3min) == Window{anchor + 2min, anchor + 7min});
    CHECK(off.window_at_or_after(anchor + 7min) == Window{anchor + 92min, anchor + 97min});
    CHECK(off.active(anchor + 2min + 100 * 90min));
    CHECK_FALSE(off.active(anchor + 7min + 100 * 90min));

    const Schedule obj = parse(json{{"every_s", 5400}, {"duration_s", 300}, {"after_s", 120}}, anchor);
    CHECK(obj == off);
    const Schedule frac = parse(json{{"every_s", 1.5}, {"duration_s", 0.25}}, anchor);
    CHECK(frac.next_change(anchor + 1s) == anchor + 1500ms);
    CHECK(frac.next_change(anchor + 1500ms) == anchor + 1750ms);
}

TEST_CASE("a one-off window runs from at_s to at_s + duration_s after the anchor", "[schedule]") {
    const sim::Time anchor = at(1000s);
    const Schedule s = parse(json{{"at_s", 120}, {"duration_s", 60}}, anchor);
    CHECK(s.next_change(sim::epoch_time) == at(1120s));
    CHECK_FALSE(s.active(at(1120s) - 1us));
    CHECK(s.active(at(1120s)));
    CHECK(s.next_change(at(1120s)) == at(1180s));
    CHECK_FALSE(s.active(at(1180s)));
    CHECK(s.next_change(at(1180s)) == sim::end_of_time);
    CHECK_FALSE(s.window_at_or_after(at(1180s)).has_value());
    // Durations of many days.
    const Schedule long_one = parse(json{{"at_s", 0.5}, {"duration_s", 40 * 86400}}, anchor);
    CHECK(long_one.window_at_or_after(sim::epoch_time) == Window{anchor + 500ms, anchor + 500ms + 40 * k_day});
}

TEST_CASE("zero-length windows are never active", "[schedule]") {
    for (const json& j : {json{{"at_s", 10}, {"duration_s", 0}}, json("every 10m for 0s")}) {
        const Schedule s = parse(j);
        CHECK_FALSE(s.always());
        CHECK_FALSE(s.active(at(10s)));
        CHECK_FALSE(s.active(sim::epoch_time));
        CHECK(s.next_change(sim::epoch_time) == sim::end_of_time);
        CHECK_FALSE(s.window_at_or_after(sim::epoch_time).has_value());
    }
}

TEST_CASE("overlapping and touching windows merge into one", "[schedule]") {
    const Schedule s = parse(json::array({"every day 09:00-09:05",
                                          json{{"at_s", (9 * 60 + 3) * 60}, {"duration_s", 600}},  // 09:03-09:13
                                          "every day 09:13-09:20"}));
    CHECK(s.next_change(at(9h + 1min)) == at(9h + 20min));
    CHECK(s.next_change(at(9h + 13min)) == at(9h + 20min));  // the join is no change
    CHECK(s.window_at_or_after(at(9h)) == Window{at(9h), at(9h + 20min)});
    CHECK(s.window_at_or_after(at(9h + 15min)) == Window{at(9h), at(9h + 20min)});
    // The next day has no one-off window in between.
    CHECK(s.next_change(at(k_day + 9h)) == at(k_day + 9h + 5min));
    CHECK(s.next_change(at(k_day + 9h + 5min)) == at(k_day + 9h + 13min));

    // Two repeating items that between them never leave a gap: one window, for ever.
    const Schedule cover = parse(json::array({"every 10m for 6m", "every 10m for 6m after 5m"}));
    CHECK(cover.next_change(sim::epoch_time) == sim::end_of_time);
    CHECK(cover.window_at_or_after(at(3min)) == Window{sim::epoch_time, sim::end_of_time});
    CHECK_FALSE(cover.active(at(-1us)));
    CHECK(cover.next_change(at(-1h)) == sim::epoch_time);
    CHECK_FALSE(cover.always());  // not before the anchor

    // The same with different periods (gaps of 1 h every 4 h and every 6 h that never meet).
    const Schedule mixed = parse(json::array({"every 4h for 3h", "every 6h for 5h after 1h"}));
    CHECK(mixed.next_change(sim::epoch_time) == sim::end_of_time);
    for (sim::Time t = sim::epoch_time; t < at(3 * k_day); t += 10min) CHECK(mixed.active(t));
}

TEST_CASE("a long chain of overlapping repeating windows still finds the exact gap", "[schedule]") {
    // Gaps of 60 s every 3600 s, and of 61 s every 3601 s starting 1800 s in:
    // the two kinds of gap drift past each other and first meet after
    // about 1700 hours, some 3500 windows later.
    const Schedule s = parse(json::array({json{{"every_s", 3600}, {"duration_s", 3540}},
                                          json{{"every_s", 3601}, {"duration_s", 3540}, {"after_s", 1800}}}));
    // The answer the slow way: walk the first kind of gap and look for a
    // second-kind gap overlapping it.
    std::int64_t expected = -1;
    for (std::int64_t k = 0; k < 100000 && expected < 0; ++k) {
        const std::int64_t a = 3540 + 3600 * k;
        const std::int64_t b = 3600 * (k + 1);
        const std::int64_t n = std::max<std::int64_t>(0, (a - 5401) / 3601);  // second-kind gaps [5340 + 3601n, 5401 + 3601n)
        for (std::int64_t m = n; m <= n + 2; ++m) {
            const std::int64_t ga = 5340 + 3601 * m;
            const std::int64_t gb = 5401 + 3601 * m;
            if (std::max(a, ga) < std::min(b, gb)) {
                expected = std::max(a, ga);
                break;
            }
        }
    }
    REQUIRE(expected > 1000 * 3600);
    CHECK(s.next_change(sim::epoch_time) == at(std::chrono::seconds(expected)));
    CHECK_FALSE(s.active(at(std::chrono::seconds(expected))));
    CHECK(s.active(at(std::chrono::seconds(expected)) - 1us));
}

TEST_CASE("ten years out, answers are still exact", "[schedule]") {
    const sim::Time ten_years = at(3650 * k_day);  // a Thursday, 00:00
    const Schedule daily = parse("every day 09:00-09:05");
    CHECK(daily.next_change(ten_years) == ten_years + 9h);
    CHECK(daily.active(ten_years + 9h + 4min));
    const Schedule weekend = parse("every weekend 00:00-06:00");
    CHECK(weekend.next_change(ten_years) == ten_years + 2 * k_day);  // Saturday
    const Schedule periodic = parse("every 10m for 30s after 2m");
    // Windows start 2 min past every 10 min; ten years is a whole number of 10 min.
    CHECK_FALSE(periodic.active(ten_years));
    CHECK(periodic.next_change(ten_years) == ten_years + 2min);
    CHECK(periodic.next_change(ten_years + 2min) == ten_years + 2min + 30s);
    const Schedule once = parse(json{{"at_s", 3650 * 86400 + 1}, {"duration_s", 30 * 86400}});
    CHECK(once.window_at_or_after(sim::epoch_time) == Window{ten_years + 1s, ten_years + 1s + 30 * k_day});
    // Near the end of representable time nothing overflows.
    const sim::Time late = sim::end_of_time - 1s;
    CHECK(periodic.next_change(late) > late);
    CHECK(daily.next_change(late) > late);
    const sim::Time near_end = sim::end_of_time - 2h;
    const Schedule last_days = parse("every 1d for 1h", near_end);
    CHECK(last_days.next_change(near_end) == near_end + 1h);
    CHECK(last_days.next_change(near_end + 1h) == sim::end_of_time);  // the next day is past the end of time
}

TEST_CASE("next_change and window_at_or_after agree with a minute-by-minute scan", "[schedule]") {
    // Every parameter is a whole number of minutes, so active() can only
    // change on a minute and a scan minute by minute is exact.
    std::vector<std::pair<json, std::pair<sim::Time, CivilWeek>>> cases = {
        {"every day 23:55-00:05", {at(0min), CivilWeek{}}},
        {json::array({"every mon,wed,fri 09:00-17:00", "every 2h for 30m after 10m"}), {at(7min), CivilWeek{3h}}},
        {json::array({"every 10m for 4m", "every 15m for 4m after 3m"}), {at(-30min), CivilWeek{}}},
        {json::array({"every weekend 22:00-02:00", json{{"at_s", 5 * 86400}, {"duration_s", 86400}}}),
         {at(0min), CivilWeek{5 * k_day + 23h}}},
        {json::array({"every 7m for 6m", "every 11m for 5m after 1m"}), {at(0min), CivilWeek{}}},
        {json::array({"every sun 23:00-01:00", "every day 00:30-23:30"}), {at(0min), CivilWeek{}}},
    };
    sim::Rng rng(20260601);
    const auto pick = [&](std::int64_t lo, std::int64_t hi) { return lo + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(hi - lo + 1))); };
    const char* names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    for (int c = 0; c < 24; ++c) {
        json items = json::array();
        const int n = static_cast<int>(pick(1, 3));
        for (int i = 0; i < n; ++i) {
            switch (pick(0, 2)) {
            case 0: {
                const std::int64_t from = pick(0, 1439);
                std::int64_t to = pick(0, 1439);
                if (to == from) to = (to + 1) % 1440;
                char range[16];
                std::snprintf(range, sizeof range, "%02d:%02d-%02d:%02d", static_cast<int>(from / 60), static_cast<int>(from % 60),
                              static_cast<int>(to / 60), static_cast<int>(to % 60));
                json days = json::array();
                for (int d = 0; d < 7; ++d)
                    if (pick(0, 1) == 1) days.push_back(names[d]);
                if (days.empty()) days.push_back(names[pick(0, 6)]);
                items.push_back(json{{"daily", range}, {"days", days}});
                break;
            }
            case 1: {
                const std::int64_t period = pick(2, 180);
                items.push_back("every " + std::to_string(period) + "m for " + std::to_string(pick(1, period - 1)) + "m after " +
                                std::to_string(pick(0, 60)) + "m");
                break;
            }
            default:
                items.push_back(json{{"at_s", 60 * pick(0, 14 * 1440)}, {"duration_s", 60 * pick(1, 3 * 1440)}});
            }
        }
        cases.push_back({items, {at(std::chrono::minutes(pick(-1440, 1440))), CivilWeek{std::chrono::minutes(pick(0, 7 * 1440 - 1))}}});
    }

    const std::int64_t first = -2 * 1440;
    const std::int64_t last = 16 * 1440;  // minutes
    for (const auto& [j, setup] : cases) {
        INFO(j.dump());
        const Schedule s = parse(j, setup.first, setup.second);
        std::vector<bool> on;
        for (std::int64_t m = first; m <= last; ++m) on.push_back(s.active(at(std::chrono::minutes(m))));
        const auto is_on = [&](std::int64_t m) { return on[static_cast<std::size_t>(m - first)]; };
        // next[i]: the first minute > first + i where active() differs from the minute before, or -1.
        std::vector<std::int64_t> next(on.size(), -1);
        for (std::int64_t m = last - 1; m >= first; --m) {
            const auto i = static_cast<std::size_t>(m - first);
            next[i] = is_on(m + 1) != is_on(m) ? m + 1 : next[i + 1];
        }
        std::int64_t checked = 0;
        for (std::int64_t m = first; m < last; ++m) {
            const std::int64_t want = next[static_cast<std::size_t>(m - first)];
            if (want < 0) continue;  // beyond the scan
            const sim::Time t = at(std::chrono::minutes(m));
            const sim::Time change = at(std::chrono::minutes(want));
            CHECK(s.next_change(t) == change);
            CHECK(s.next_change(t + 17s) == change);
            const auto w = s.window_at_or_after(t);
            REQUIRE(w.has_value());
            if (is_on(m)) {
                CHECK(w->first <= t);
                CHECK(w->second == change);
            } else {
                CHECK(w->first == change);
                CHECK(w->second == s.next_change(change));
            }
            ++checked;
        }
        CHECK(checked > 0);
    }
}

TEST_CASE("to_json gives a canonical form that reads back the same", "[schedule]") {
    const sim::Time anchor = at(90s);
    const CivilWeek week{2 * k_day + 5h};
    const std::vector<std::pair<json, json>> forms = {
        {"every day 09:00-09:05", "every day 09:00-09:05"},
        {"Every Mon-Fri 9:00 \xE2\x80\x93 9:05", "every weekday 09:00-09:05"},
        {json{{"daily", "23:55-00:05"}, {"days", {"sat", "sun"}}}, "every weekend 23:55-00:05"},
        {json{{"daily", "09:00-09:05"}, {"days", {"mon", "tue"}}}, "every mon,tue 09:00-09:05"},
        {"every 90m for 300s after 0s", "every 1h30m for 5m"},
        {json{{"every_s", 600}, {"duration_s", 30}, {"after_s", 120}}, "every 10m for 30s after 2m"},
        {json{{"every_s", 1.5}, {"duration_s", 0.25}}, json{{"every_s", 1.5}, {"duration_s", 0.25}}},
        {json{{"at_s", 120.0}, {"duration_s", 60}}, json{{"at_s", 120}, {"duration_s", 60}}},
        {json::array({"every day 09:00-09:05"}), "every day 09:00-09:05"},
        {json::array({"every day 09:00-09:05", json{{"at_s", 0.000001}, {"duration_s", 2 * 86400}}}),
         json::array({"every day 09:00-09:05", json{{"at_s", 0.000001}, {"duration_s", 172800}}})},
    };
    for (const auto& [in, canonical] : forms) {
        INFO(in.dump());
        const Schedule s = parse(in, anchor, week);
        CHECK(s.to_json() == canonical);
        const Schedule back = parse(s.to_json(), anchor, week);
        CHECK(back == s);
        for (sim::Time t = sim::epoch_time; t < at(k_week); t += 7min + 3s) CHECK(back.next_change(t) == s.next_change(t));
    }
    CHECK(to_string(parse(json::array({"every day 09:00-09:05", "every 10m for 30s after 2m",
                                       json{{"at_s", 120}, {"duration_s", 1.5}}}))) ==
          "every day 09:00-09:05; every 10m for 30s after 2m; once at +2m for 1.5s");
    CHECK_FALSE(parse("every 10m for 30s", at(0s)) == parse("every 10m for 30s", at(1s)));  // anchors differ
}

TEST_CASE("bad schedules are refused with a message naming the bad part", "[schedule]") {
    const std::vector<std::pair<json, std::vector<std::string>>> bad = {
        {"", {"schedule: ", "empty string"}},
        {"   ", {"empty string"}},
        {json::array({"every day 09:00-09:05", "every day 25:00-26:00"}),
         {"schedule[1]: \"25:00\" is not a time of day (HH:MM or HH:MM:SS)"}},
        {"every day 09:60-10:00", {"\"09:60\" is not a time of day"}},
        {"every funday 09:00-10:00", {"\"funday\" is not a day"}},
        {"every mon,,wed 09:00-10:00", {"empty day name", "mon,,wed"}},
        {"every mon-fry 09:00-10:00", {"\"fry\" is not a day"}},
        {"every 0s for 1s", {"\"every 0s\"", "longer than zero"}},
        {"every 10m for 10m", {"\"for 10m\" is not shorter than \"every 10m\""}},
        {"every 10m for 1h", {"\"for 1h\"", "not shorter"}},
        {"every 10x for 1s", {"\"10x\" is not a duration"}},
        {"every 10 for 1s", {"\"10\" is not a duration"}},
        {"every 10m for", {"\"every 10m for\" is not \"every <period> for <duration>\""}},
        {"every 10m for 30s after", {"is not \"every <period>"}},
        {"every 99999999999s for 1s", {"\"99999999999s\" is too long"}},
        {"every day 09:00-09:00", {"\"09:00-09:00\" is an empty window"}},
        {"every day 24:00-01:00", {"\"24:00\" can only end a window"}},
        {"every day 09:00-09:05-09:10", {"\"09:00-09:05-09:10\" is not a time range"}},
        {"every day", {"has no time range"}},
        {"daily 09:00-09:05", {"does not start with \"every\""}},
        {json{{"at_s", -5}, {"duration_s", 1}}, {"schedule.at_s: ", "negative", "-5"}},
        {json{{"at_s", 5}, {"duration_s", -1}}, {"schedule.duration_s: ", "negative"}},
        {json{{"at_s", std::nan("")}, {"duration_s", 1}}, {"schedule.at_s: ", "finite"}},
        {json{{"at_s", 1}, {"duration_s", std::numeric_limits<double>::infinity()}}, {"schedule.duration_s: ", "finite"}},
        {json{{"at_s", "5"}, {"duration_s", 1}}, {"schedule.at_s: expected a number of seconds, got \"5\""}},
        {json{{"at_s", 5}}, {"needs \"duration_s\""}},
        {json{{"at_s", 1e10}, {"duration_s", 1}}, {"schedule.at_s: ", "too long"}},
        {json{{"every_s", 0}, {"duration_s", 0}}, {"\"every_s\" 0", "longer than zero"}},
        {json{{"every_s", 60}, {"duration_s", 60}}, {"\"duration_s\" 60 is not shorter than \"every_s\" 60"}},
        {json{{"daily", "09:00-09:05"}, {"days", {"mon", "fry"}}}, {"schedule.days[1]: \"fry\" is not a day"}},
        {json{{"daily", "09:00-09:05"}, {"days", json::array()}}, {"schedule.days: ", "non-empty"}},
        {json{{"daily", "9-10"}}, {"\"9\" is not a time of day"}},
        {json{{"daily", 9}}, {"schedule.daily: ", "time range"}},
        {json{{"at_s", 1}, {"duration_s", 1}, {"colour", "red"}}, {"unknown key \"colour\""}},
        {json{{"at_s", 1}, {"daily", "09:00-09:05"}}, {"\"at_s\" and \"daily\" do not go together"}},
        {json::object(), {"needs \"at_s\""}},
        {42, {"schedule: expected a string", "42"}},
        {json::array({"every day 09:00-09:05", json::array()}), {"schedule[1]: expected a string"}},
        {json::array(), {"empty list"}},
    };
    for (const auto& [j, parts] : bad) {
        const std::string msg = error_of(j);
        INFO(j.dump() << " -> " << msg);
        CHECK(msg != "(accepted)");
        for (const std::string& p : parts) CHECK(msg.find(p) != std::string::npos);
    }
}

}  // namespace link_schedule_test
