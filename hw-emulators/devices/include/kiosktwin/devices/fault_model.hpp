// A pluggable, seeded fault model per device (ns-3's ErrorModel, Beast's
// "fail on the Nth operation"). Rules say *what* goes wrong (a fault name the
// device understands: "no_card", "paper_jam", "no_reply") and *when*:
//
//   {"fault": "read_fail",  "trigger": "nth", "n": 3, "operation": "read"}
//   {"fault": "no_reply",   "trigger": "probability", "p": 0.01}
//   {"fault": "cover_open", "trigger": "now"}                       until cleared
//   {"fault": "paper_jam",  "trigger": "window", "at_s": 120, "duration_s": 60}
//   {"fault": "offline",    "trigger": "rate", "mean_between_s": 720000, "duration_s": 1800}
//
// Operation faults (nth, every_nth, probability) strike one operation: the
// device asks strike(now, "read") as it performs one. Condition faults (now,
// window, rate) hold over time: the device asks active(now, "cover_open").
// Every rule draws from its own random stream (master seed, rule number), so
// adding a rule shifts no other rule's draws, and a run is reproducible.
#pragma once

#include <kiosktwin/sim/random.hpp>
#include <kiosktwin/sim/time.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::devices {

enum class FaultTrigger {
    now,          ///< from now until cleared
    window,       ///< during [at, at + duration)
    nth,          ///< on the n-th matching operation after the rule was added, once
    every_nth,    ///< on every n-th matching operation
    probability,  ///< on each matching operation with probability p
    rate,         ///< outages arriving at exponential intervals (mean_between), each lasting duration
};

struct FaultRule {
    std::string id;     ///< assigned by FaultModel::add when empty
    std::string fault;  ///< what the device does; one of its known faults
    FaultTrigger trigger = FaultTrigger::now;
    std::string operation;  ///< operation kind it applies to ("" = any); operation triggers only
    std::uint64_t n = 1;
    double probability = 0.0;
    sim::Time at{};
    sim::Duration duration = sim::Duration::max();
    sim::Duration mean_between{};
    nlohmann::json params = nlohmann::json::object();  ///< fault-specific detail, e.g. {"sw3": 65}

    /// From the JSON form above. Throws std::invalid_argument naming the bad field.
    static FaultRule from_json(const nlohmann::json& j);
    nlohmann::json to_json() const;
    /// Whether the rule strikes operations (true) or holds over time (false).
    bool is_operation_rule() const noexcept;
};

class FaultModel {
public:
    explicit FaultModel(std::uint64_t seed);
    ~FaultModel();
    FaultModel(FaultModel&&) noexcept;
    FaultModel& operator=(FaultModel&&) noexcept;

    /// The fault names the device can exhibit; add() refuses others. Empty = any.
    void set_known_faults(std::vector<std::string> names);
    const std::vector<std::string>& known_faults() const noexcept { return m_known; }

    /// Adds a rule (its times relative to `now` where that matters) and returns
    /// its id. Throws std::invalid_argument for an unknown fault name.
    std::string add(FaultRule rule, sim::Time now);
    /// Removes a rule; false if there is none with that id.
    bool clear(std::string_view id);
    void clear_all() noexcept;

    /// The device performs one operation of kind `op` at `now`: the first
    /// operation rule that strikes it, or nullptr. Counts the operation.
    const FaultRule* strike(sim::Time now, std::string_view op);
    /// The first condition rule named `fault` that holds at `now`, or nullptr.
    /// `now` must not go backwards between calls.
    const FaultRule* active(sim::Time now, std::string_view fault) const;
    /// Names of every condition fault that holds at `now`.
    std::vector<std::string> active_faults(sim::Time now) const;
    /// When a condition rule next starts or ends after `now` (end_of_time if never).
    sim::Time next_change(sim::Time now) const;

    std::size_t rule_count() const noexcept;
    /// Rules, counters and what holds now, for the control API.
    nlohmann::json describe(sim::Time now) const;

private:
    struct Rule;
    void advance(Rule& r, sim::Time now) const;
    std::uint64_t m_seed;
    std::uint64_t m_added = 0;
    std::vector<std::string> m_known;
    std::vector<std::unique_ptr<Rule>> m_rules;
};

}  // namespace kiosktwin::devices
