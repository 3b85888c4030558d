#include <kiosktwin/devices/fault_model.hpp>

#include <kiosktwin/sim/distributions.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace kiosktwin::devices {

using nlohmann::json;

namespace {

struct TriggerName {
    FaultTrigger t;
    const char* name;
};
constexpr TriggerName k_triggers[] = {
    {FaultTrigger::now, "now"},           {FaultTrigger::window, "window"},
    {FaultTrigger::nth, "nth"},           {FaultTrigger::every_nth, "every_nth"},
    {FaultTrigger::probability, "probability"}, {FaultTrigger::rate, "rate"},
};

const char* trigger_name(FaultTrigger t) {
    for (const auto& k : k_triggers)
        if (k.t == t) return k.name;
    return "?";
}

double seconds_field(const json& j, const char* key, double fallback) {
    if (!j.contains(key)) return fallback;
    const json& v = j.at(key);
    if (!v.is_number() || !(v.get<double>() >= 0.0) || !std::isfinite(v.get<double>()))
        throw std::invalid_argument(std::string("fault rule: \"") + key + "\" must be a number of seconds >= 0");
    return v.get<double>();
}

}  // namespace

bool FaultRule::is_operation_rule() const noexcept {
    return trigger == FaultTrigger::nth || trigger == FaultTrigger::every_nth || trigger == FaultTrigger::probability;
}

FaultRule FaultRule::from_json(const json& j) {
    if (!j.is_object()) throw std::invalid_argument("fault rule: expected a JSON object");
    FaultRule r;
    if (!j.contains("fault") || !j["fault"].is_string() || j["fault"].get<std::string>().empty())
        throw std::invalid_argument("fault rule: \"fault\" (the fault's name) is required");
    r.fault = j["fault"].get<std::string>();
    if (j.contains("id")) {
        if (!j["id"].is_string()) throw std::invalid_argument("fault rule: \"id\" must be a string");
        r.id = j["id"].get<std::string>();
    }
    const std::string trig = j.value("trigger", std::string("now"));
    bool found = false;
    for (const auto& k : k_triggers)
        if (trig == k.name) {
            r.trigger = k.t;
            found = true;
        }
    if (!found)
        throw std::invalid_argument("fault rule: \"trigger\" must be one of now, window, nth, every_nth, "
                                    "probability, rate (got \"" + trig + "\")");
    if (j.contains("operation")) {
        if (!j["operation"].is_string()) throw std::invalid_argument("fault rule: \"operation\" must be a string");
        r.operation = j["operation"].get<std::string>();
    }
    if (r.trigger == FaultTrigger::nth || r.trigger == FaultTrigger::every_nth) {
        if (!j.contains("n") || !j["n"].is_number_integer() || j["n"].get<std::int64_t>() < 1)
            throw std::invalid_argument("fault rule: \"n\" must be an integer >= 1");
        r.n = j["n"].get<std::uint64_t>();
    }
    if (r.trigger == FaultTrigger::probability) {
        if (!j.contains("p") || !j["p"].is_number() || j["p"].get<double>() < 0.0 || j["p"].get<double>() > 1.0)
            throw std::invalid_argument("fault rule: \"p\" must be a probability in [0, 1]");
        r.probability = j["p"].get<double>();
    }
    if (r.trigger == FaultTrigger::window) {
        if (!j.contains("at_s")) throw std::invalid_argument("fault rule: a window needs \"at_s\"");
        r.at = sim::Time{sim::from_seconds(seconds_field(j, "at_s", 0))};
    }
    if (j.contains("duration_s")) r.duration = sim::from_seconds(seconds_field(j, "duration_s", 0));
    if (r.trigger == FaultTrigger::rate) {
        // Outages model failures between minutes and months apart; under a
        // second apart they would be noise, and cost time to step through.
        const double mb = seconds_field(j, "mean_between_s", 0);
        if (!(mb >= 1.0)) throw std::invalid_argument("fault rule: a rate needs \"mean_between_s\" >= 1");
        if (!j.contains("duration_s") || !(j["duration_s"].is_number() && j["duration_s"].get<double>() > 0))
            throw std::invalid_argument("fault rule: a rate needs \"duration_s\" > 0");
        r.mean_between = sim::from_seconds(mb);
    }
    if (j.contains("params")) {
        if (!j["params"].is_object()) throw std::invalid_argument("fault rule: \"params\" must be an object");
        r.params = j["params"];
    }
    return r;
}

json FaultRule::to_json() const {
    json j{{"id", id}, {"fault", fault}, {"trigger", trigger_name(trigger)}};
    if (!operation.empty()) j["operation"] = operation;
    if (trigger == FaultTrigger::nth || trigger == FaultTrigger::every_nth) j["n"] = n;
    if (trigger == FaultTrigger::probability) j["p"] = probability;
    if (trigger == FaultTrigger::window) j["at_s"] = sim::seconds_since_epoch(at);
    if (duration != sim::Duration::max()) j["duration_s"] = sim::to_seconds(duration);
    if (trigger == FaultTrigger::rate) j["mean_between_s"] = sim::to_seconds(mean_between);
    if (!params.empty()) j["params"] = params;
    return j;
}

// --- FaultModel ----------------------------------------------------------------

struct FaultModel::Rule {
    FaultRule spec;
    sim::Rng rng;
    std::uint64_t ops = 0;        // matching operations seen
    std::uint64_t strikes = 0;    // times it struck (operation) or started (condition)
    bool spent = false;           // an nth rule that has fired
    // rate rules: the current or next outage [start, end)
    sim::Time start{};
    sim::Time end{};
};

FaultModel::FaultModel(std::uint64_t seed) : m_seed(seed) {}
FaultModel::~FaultModel() = default;
FaultModel::FaultModel(FaultModel&&) noexcept = default;
FaultModel& FaultModel::operator=(FaultModel&&) noexcept = default;

void FaultModel::set_known_faults(std::vector<std::string> names) { m_known = std::move(names); }

std::string FaultModel::add(FaultRule spec, sim::Time now) {
    if (!m_known.empty() && std::find(m_known.begin(), m_known.end(), spec.fault) == m_known.end()) {
        std::string list;
        for (const auto& k : m_known) {
            if (!list.empty()) list += ", ";
            list += k;
        }
        throw std::invalid_argument("unknown fault \"" + spec.fault + "\"; this device knows: " + list);
    }
    ++m_added;
    if (spec.id.empty()) spec.id = std::string("f").append(std::to_string(m_added));
    for (const auto& r : m_rules)
        if (r->spec.id == spec.id) throw std::invalid_argument("a fault rule with id \"" + spec.id + "\" exists");
    auto r = std::make_unique<Rule>(Rule{std::move(spec), sim::Rng(sim::derive_seed(m_seed, "fault/" + std::to_string(m_added))), 0, 0, false, {}, {}});
    Rule& rule = *r;
    switch (rule.spec.trigger) {
    case FaultTrigger::now:
        rule.start = now;
        rule.end = rule.spec.duration == sim::Duration::max() ? sim::end_of_time : now + rule.spec.duration;
        break;
    case FaultTrigger::window:
        rule.start = rule.spec.at;
        rule.end = rule.spec.duration == sim::Duration::max() ? sim::end_of_time : rule.spec.at + rule.spec.duration;
        break;
    case FaultTrigger::rate: {
        const sim::Exponential gap(sim::to_seconds(rule.spec.mean_between));
        rule.start = now + sim::from_seconds(gap(rule.rng));
        rule.end = rule.start + rule.spec.duration;
        break;
    }
    default:
        break;
    }
    const std::string id = rule.spec.id;
    m_rules.push_back(std::move(r));
    return id;
}

bool FaultModel::clear(std::string_view id) {
    const auto it = std::find_if(m_rules.begin(), m_rules.end(), [&](const auto& r) { return r->spec.id == id; });
    if (it == m_rules.end()) return false;
    m_rules.erase(it);
    return true;
}

void FaultModel::clear_all() noexcept { m_rules.clear(); }

std::size_t FaultModel::rule_count() const noexcept { return m_rules.size(); }

const FaultRule* FaultModel::strike(sim::Time /*now*/, std::string_view op) {
    const FaultRule* hit = nullptr;
    for (auto& rp : m_rules) {
        Rule& r = *rp;
        if (!r.spec.is_operation_rule()) continue;
        if (!r.spec.operation.empty() && r.spec.operation != op) continue;
        ++r.ops;  // every matching rule counts the operation, even if another strikes it
        bool fires = false;
        switch (r.spec.trigger) {
        case FaultTrigger::nth:
            fires = !r.spent && r.ops == r.spec.n;
            if (fires) r.spent = true;
            break;
        case FaultTrigger::every_nth:
            fires = r.ops % r.spec.n == 0;
            break;
        case FaultTrigger::probability:
            fires = r.rng.uniform01() < r.spec.probability;  // one draw per operation, struck or not
            break;
        default:
            break;
        }
        if (fires) {
            ++r.strikes;
            if (hit == nullptr) hit = &r.spec;
        }
    }
    return hit;
}

void FaultModel::advance(Rule& r, sim::Time now) const {
    if (r.spec.trigger != FaultTrigger::rate) return;
    const sim::Exponential gap(sim::to_seconds(r.spec.mean_between));
    // After a very long silence, restart the renewal process at `now` instead
    // of stepping through thousands of cycles nobody observed (the
    // exponential gaps are memoryless, so the next onset is drawn afresh).
    const sim::Duration cycle = r.spec.mean_between + r.spec.duration;
    if (r.end <= now && now - r.end > cycle * 1000) {
        r.strikes += static_cast<std::uint64_t>((now - r.end) / cycle);  // about that many outages passed
        r.end = now;
    }
    while (r.end <= now) {
        r.start = r.end + sim::from_seconds(gap(r.rng));
        r.end = r.start + r.spec.duration;
        ++r.strikes;
    }
}

const FaultRule* FaultModel::active(sim::Time now, std::string_view fault) const {
    for (const auto& rp : m_rules) {
        Rule& r = *rp;
        if (r.spec.is_operation_rule() || r.spec.fault != fault) continue;
        advance(r, now);
        if (r.start <= now && now < r.end) return &r.spec;
    }
    return nullptr;
}

std::vector<std::string> FaultModel::active_faults(sim::Time now) const {
    std::vector<std::string> out;
    for (const auto& rp : m_rules) {
        Rule& r = *rp;
        if (r.spec.is_operation_rule()) continue;
        advance(r, now);
        if (r.start <= now && now < r.end && std::find(out.begin(), out.end(), r.spec.fault) == out.end())
            out.push_back(r.spec.fault);
    }
    return out;
}

sim::Time FaultModel::next_change(sim::Time now) const {
    sim::Time next = sim::end_of_time;
    for (const auto& rp : m_rules) {
        Rule& r = *rp;
        if (r.spec.is_operation_rule()) continue;
        advance(r, now);
        if (r.start > now) next = std::min(next, r.start);
        else if (r.end > now) next = std::min(next, r.end);
    }
    return next;
}

json FaultModel::describe(sim::Time now) const {
    json rules = json::array();
    for (const auto& rp : m_rules) {
        Rule& r = *rp;
        advance(r, now);
        json j = r.spec.to_json();
        if (r.spec.is_operation_rule()) {
            j["operations_seen"] = r.ops;
            j["strikes"] = r.strikes;
        } else {
            j["active"] = r.start <= now && now < r.end;
        }
        rules.push_back(std::move(j));
    }
    return json{{"rules", std::move(rules)}, {"active", active_faults(now)}, {"known", m_known}};
}

}  // namespace kiosktwin::devices
