// When a network-link fault (a "toxic") is active: a union of time windows.
//
//   "every day 09:00-09:05"              daily, local time; "23:55-00:05" wraps midnight
//   "every weekday 12:00-13:30"          also "weekend", "mon,wed,fri", "mon-fri", "day"
//   "every 10m for 30s after 2m"         periodic from the anchor (units s, m, h, d: "1h30m")
//   {"at_s": 120, "duration_s": 60}      once: [anchor + 120 s, anchor + 180 s)
//   {"daily": "09:00-09:05", "days": ["mon", "tue"]}
//   {"every_s": 600, "duration_s": 30, "after_s": 120}
//
// A schedule is one of these or an array of them; overlapping windows merge.
// A daily window belongs to the day it starts on ("every fri 23:00-01:00"
// runs from Friday 23:00 to Saturday 01:00); "24:00" may end a window.
// The same schedule drives a simulation (virtual time) and the live proxy, so
// it is pure: every answer is a function of the instant it is asked about.
#pragma once

#include <kiosktwin/sim/time.hpp>

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <utility>

namespace kiosktwin::sim {
class Calendar;
}

namespace kiosktwin::link {

/// Where virtual t = 0 falls in the civil week: the local time elapsed since
/// Monday 00:00:00 at sim::epoch_time. Zero (the default) is a Monday
/// midnight, as the default sim::Calendar's epoch is. Values outside
/// [0, 7 days) wrap. (Not called Calendar, so as not to shadow sim::Calendar.)
struct CivilWeek {
    sim::Duration epoch_into_week{};

    /// The week position of `calendar`'s epoch.
    static CivilWeek of(const sim::Calendar& calendar);

    friend bool operator==(const CivilWeek&, const CivilWeek&) = default;
};

/// Time windows in which a fault is active. Immutable; copies share their state.
class Schedule {
public:
    /// An active window: [first, second).
    using Window = std::pair<sim::Time, sim::Time>;

    /// Always active (no schedule given).
    Schedule() noexcept = default;

    /// From JSON: null (always active), a string, an object, or a non-empty
    /// array of strings and objects (the header comment lists the forms).
    /// Periodic and one-off windows count from `anchor` (usually when the
    /// fault was added); daily ones follow `week`. Throws
    /// std::invalid_argument naming the item and the bad part, e.g.
    /// `schedule[1]: "25:00" is not a time of day (HH:MM or HH:MM:SS)`.
    static Schedule from_json(const nlohmann::json& j, sim::Time anchor, CivilWeek week = {});

    /// A canonical JSON form: from_json(to_json(), same anchor, same week)
    /// gives an equal schedule. Null for an always-active schedule.
    nlohmann::json to_json() const;

    /// Active at every instant: no schedule, or daily windows that cover the
    /// whole week.
    bool always() const noexcept;

    /// Whether t lies in some window (windows are half-open).
    bool active(sim::Time t) const;

    /// The first instant > t at which active() changes; sim::end_of_time if
    /// it never does. Exact, and costs one step per merged window crossed,
    /// except for one pathological case: repeating items with different
    /// periods whose windows keep overlapping with no gap for more than
    /// k_max_chain windows in a row; then it returns the instant reached
    /// there (earlier than the true change, where active() has not changed).
    sim::Time next_change(sim::Time t) const;

    /// The merged window containing t (its start may be before t), or else the
    /// next one starting after t; nullopt if there is none. An always-active
    /// schedule gives {sim::Time::min(), sim::end_of_time}.
    std::optional<Window> window_at_or_after(sim::Time t) const;

    /// When periodic and one-off windows count from.
    sim::Time anchor() const noexcept;
    CivilWeek week() const noexcept;

    /// Same items (in the same order), anchor and week.
    friend bool operator==(const Schedule& a, const Schedule& b);
    friend std::string to_string(const Schedule& s);

    /// Merged windows a query may step across before giving up (see next_change).
    static constexpr int k_max_chain = 1 << 20;

private:
    struct Impl;
    explicit Schedule(std::shared_ptr<const Impl> impl) noexcept;
    std::shared_ptr<const Impl> m_impl;  // null: always active
};

/// For display and logs: "every day 09:00-09:05; once at +2m for 1m", or
/// "always" when no schedule was given.
std::string to_string(const Schedule& s);

}  // namespace kiosktwin::link
