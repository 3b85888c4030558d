// Terminal management (R-8.4-1, R-9.2-1, R-10.1-1).
#include <kiosktwin/services/terminals.hpp>

#include "text.hpp"

#include <kiosktwin/api/codes.hpp>
#include <kiosktwin/api/signing.hpp>
#include <kiosktwin/api/validate.hpp>

#include <algorithm>
#include <limits>
#include <set>
#include <stdexcept>
#include <utility>

namespace kiosktwin::services::terminals {

namespace {

using nlohmann::json;

constexpr std::string_view k_peripheral_states[] = {"OK", "WARN", "FAULT", "ABSENT"};
constexpr std::string_view k_command_kinds[] = {"restart", "update_items", "publish_notice", "lock", "unlock"};

bool valid_terminal_id(std::string_view id) noexcept {
    if (id.empty() || id.size() > 64) return false;
    return std::all_of(id.begin(), id.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
}

std::int64_t whole_seconds(sim::Duration d) {
    return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

}  // namespace

std::string_view to_string(PeripheralState s) noexcept { return k_peripheral_states[static_cast<int>(s)]; }
std::string_view to_string(CommandKind k) noexcept { return k_command_kinds[static_cast<int>(k)]; }

std::optional<PeripheralState> parse_peripheral_state(std::string_view id) noexcept {
    for (int i = 0; i < 4; ++i)
        if (k_peripheral_states[i] == id) return static_cast<PeripheralState>(i);
    return std::nullopt;
}

std::optional<CommandKind> parse_command_kind(std::string_view id) noexcept {
    for (int i = 0; i < 5; ++i)
        if (k_command_kinds[i] == id) return static_cast<CommandKind>(i);
    return std::nullopt;
}

const Peripheral* Terminal::peripheral(std::string_view pid) const {
    for (const auto& p : peripherals)
        if (p.id == pid) return &p;
    return nullptr;
}

// --- plumbing ----------------------------------------------------------------

Terminal* Registry::find_mut(std::string_view id) {
    auto it = m_terminals.find(id);
    return it == m_terminals.end() ? nullptr : &it->second;
}

const Terminal* Registry::find(std::string_view id) const {
    auto it = m_terminals.find(id);
    return it == m_terminals.end() ? nullptr : &it->second;
}

std::vector<const Terminal*> Registry::terminals() const {
    std::vector<const Terminal*> out;
    for (const auto& [id, t] : m_terminals) out.push_back(&t);
    return out;
}

Outcome Registry::refuse(std::string_view actor, std::string_view action, sim::Time now, api::ErrorCode code,
                         std::string path, std::string reason) {
    m_log->append(now, actor, action, code, json{{"path", path}, {"reason", reason}});
    return Outcome{code, std::move(path), std::move(reason)};
}

Terminal* Registry::admit(std::string_view id, std::string_view action, sim::Time now, Outcome& out) {
    Terminal* t = find_mut(id);
    if (!t) {
        out = refuse(id, action, now, api::ErrorCode::auth_unregistered_terminal, "",
                     detail::cat("terminal ", id, " is not registered"));
        return nullptr;
    }
    if (now < t->last_call) {
        out = refuse(id, action, now, api::ErrorCode::conflict_state, "", "time went backwards for this terminal");
        return nullptr;
    }
    settle(*t, now);
    t->last_call = now;
    return t;
}

void Registry::change(Terminal& t, sim::Time at, sim::Time now, bool online_now, bool powered, std::string status) {
    Segment& cur = t.current;
    if (cur.online == online_now && cur.powered == powered && cur.status == status) return;
    const auto& cal = m_log->calendar();
    json d{{"from", {{"online", cur.online}, {"powered", cur.powered}, {"status", cur.status}}},
           {"to", {{"online", online_now}, {"powered", powered}, {"status", status}}},
           {"since", cal.iso8601(at)}};
    if (at > cur.from) {
        Segment closed = cur;
        closed.to = at;
        t.history.push_back(std::move(closed));
    }
    cur = Segment{at, sim::Time{}, online_now, powered, std::move(status)};
    m_log->append(now, t.id, "terminal.state", api::ErrorCode::ok, d);
}

void Registry::settle(Terminal& t, sim::Time now) {
    if (!t.current.online || !t.last_heartbeat) return;
    const sim::Time expiry = *t.last_heartbeat + t.timeout();
    if (now > expiry) change(t, expiry, now, false, false, "offline");
}

void Registry::sweep(sim::Time now) {
    for (auto& [id, t] : m_terminals)
        if (now >= t.last_call) settle(t, now);
}

// --- calls -------------------------------------------------------------------

Outcome Registry::register_terminal(const nlohmann::json& body, sim::Time now) {
    const std::string actor =
        body.is_object() && body.contains("terminal_id") && body["terminal_id"].is_string()
            ? body["terminal_id"].get<std::string>()
            : std::string("unknown");
    if (!body.is_object()) return refuse(actor, "terminal.register", now, api::ErrorCode::bad_field, "", "not an object");
    api::Checker c(body);
    c.required_string("/terminal_id", 1, 64).required_string("/site", 1, 100).region("/region");
    c.required_string("/key_id", 1, 128).optional_integer("/heartbeat_interval_s", 5, 3600);
    c.required_array("/peripherals", 0, 32);
    c.each("/peripherals", [](api::Checker& k, const std::string& p) {
        k.required_string(p + "/id", 1, 64).code(p + "/type", api::codes::peripheral_type());
    });
    if (c.ok() && !valid_terminal_id(body["terminal_id"].get<std::string>()))
        c.fail(api::ErrorCode::bad_field, "/terminal_id", "1-64 of [A-Za-z0-9_-]");
    if (c.ok() && !api::valid_key_id(body["key_id"].get<std::string>()))
        c.fail(api::ErrorCode::bad_field, "/key_id", "1-128 visible ASCII characters");
    if (c.ok()) {
        std::set<std::string> seen;
        const auto& ps = body["peripherals"];
        for (std::size_t i = 0; i < ps.size(); ++i)
            if (!seen.insert(ps[i]["id"].get<std::string>()).second)
                c.fail(api::ErrorCode::bad_field, detail::cat("/peripherals/", std::to_string(i), "/id"),
                       "duplicate peripheral id");
    }
    if (auto e = c.first_error()) return refuse(actor, "terminal.register", now, e->code, e->path, e->reason);
    if (find(actor))
        return refuse(actor, "terminal.register", now, api::ErrorCode::conflict_state, "/terminal_id",
                      "already registered");

    Terminal t;
    t.id = actor;
    t.site = body["site"].get<std::string>();
    t.region = body["region"].get<std::string>();
    t.key_id = body["key_id"].get<std::string>();
    if (body.contains("heartbeat_interval_s") && !body["heartbeat_interval_s"].is_null())
        t.interval = std::chrono::seconds(body["heartbeat_interval_s"].get<std::int64_t>());
    for (const auto& p : body["peripherals"])
        t.peripherals.push_back(Peripheral{p["id"].get<std::string>(), p["type"].get<std::string>(),
                                           PeripheralState::absent, ""});
    t.registered_at = now;
    t.last_call = now;
    t.current = Segment{now, sim::Time{}, false, false, "offline"};
    json d{{"site", t.site}, {"region", t.region}, {"key_id", t.key_id},
           {"heartbeat_interval_s", whole_seconds(t.interval)}, {"peripherals", body["peripherals"]}};
    m_terminals.emplace(t.id, std::move(t));
    m_log->append(now, actor, "terminal.register", api::ErrorCode::ok, d);
    return {};
}

HeartbeatReply Registry::heartbeat(std::string_view terminal, const nlohmann::json& body, sim::Time now) {
    HeartbeatReply reply;
    Terminal* t = admit(terminal, "terminal.heartbeat", now, reply.outcome);
    if (!t) return reply;
    auto fail = [&](api::ErrorCode code, std::string path, std::string reason) {
        reply.outcome = refuse(terminal, "terminal.heartbeat", now, code, std::move(path), std::move(reason));
        return reply;
    };
    if (!body.is_object()) return fail(api::ErrorCode::bad_field, "", "not an object");

    api::Checker c(body);
    c.code("/status", api::codes::terminal_status());
    c.optional_array("/peripherals", 0, 64);
    c.each("/peripherals", [](api::Checker& k, const std::string& p) {
        k.required_string(p + "/id", 1, 64).required_string(p + "/state", 1, 8).optional_string(p + "/detail", 0, 200);
    });
    c.optional_integer("/uptime_s", 0, 100LL * 365 * 24 * 3600);
    c.optional_array("/acks", 0, 1000);
    c.each("/acks", [](api::Checker& k, const std::string& p) {
        k.required_integer(p + "/id", 1, std::numeric_limits<std::int64_t>::max()).required_string(p + "/result", 1, 8).optional_string(p + "/detail", 0, 200);
    });
    if (body.contains("consumables") && !body["consumables"].is_null()) {
        const auto& cs = body["consumables"];
        if (!cs.is_object()) c.fail(api::ErrorCode::bad_field, "/consumables", "an object of percentages");
        else
            for (const auto& [name, v] : cs.items())
                if (name.empty() || name.size() > 64 || !v.is_number_integer() || v.get<std::int64_t>() < 0 ||
                    v.get<std::int64_t>() > 100)
                    c.fail(api::ErrorCode::bad_field, detail::cat("/consumables/", name), "an integer 0-100");
    }
    if (auto e = c.first_error()) return fail(e->code, e->path, e->reason);

    const std::string status = body["status"].get<std::string>();
    if (status == "offline" || status == "retired")
        return fail(api::ErrorCode::bad_field, "/status", "offline and retired are the platform's to infer");
    const json none = json::array();
    const json& ps = body.contains("peripherals") && !body["peripherals"].is_null() ? body["peripherals"] : none;
    for (std::size_t i = 0; i < ps.size(); ++i) {
        const std::string base = detail::cat("/peripherals/", std::to_string(i));
        if (!t->peripheral(ps[i]["id"].get<std::string>()))
            return fail(api::ErrorCode::bad_field, base + "/id", "not a registered peripheral");
        if (!parse_peripheral_state(ps[i]["state"].get<std::string>()))
            return fail(api::ErrorCode::unknown_code, base + "/state", "OK, WARN, FAULT or ABSENT");
    }
    const json& acks = body.contains("acks") && !body["acks"].is_null() ? body["acks"] : none;
    std::vector<Command*> acked(acks.size(), nullptr);
    for (std::size_t i = 0; i < acks.size(); ++i) {
        const std::string base = detail::cat("/acks/", std::to_string(i));
        const auto id = acks[i]["id"].get<std::uint64_t>();
        auto it = std::find_if(t->commands.begin(), t->commands.end(), [&](const Command& k) { return k.id == id; });
        if (it == t->commands.end()) return fail(api::ErrorCode::bad_field, base + "/id", "no such command for this terminal");
        if (!it->delivered_at) return fail(api::ErrorCode::bad_field, base + "/id", "command not delivered yet");
        const auto& r = acks[i]["result"].get_ref<const std::string&>();
        if (r != "ok" && r != "failed") return fail(api::ErrorCode::unknown_code, base + "/result", "ok or failed");
        acked[i] = &*it;
    }

    // Accepted: connection and status.
    if (!t->current.online && body.contains("uptime_s") && !body["uptime_s"].is_null()) {
        const sim::Time boot = now - std::chrono::seconds(body["uptime_s"].get<std::int64_t>());
        const sim::Time split = std::max(t->current.from, boot);
        if (split < now) change(*t, split, now, false, true, "offline");
    }
    change(*t, now, now, true, true, status);
    t->last_heartbeat = now;

    for (const auto& p : ps) {
        auto& per = *std::find_if(t->peripherals.begin(), t->peripherals.end(),
                                  [&](const Peripheral& x) { return x.id == p["id"].get<std::string>(); });
        const PeripheralState st = *parse_peripheral_state(p["state"].get<std::string>());
        const std::string det = p.contains("detail") && p["detail"].is_string() ? p["detail"].get<std::string>() : "";
        if (st != per.state)
            m_log->append(now, t->id, "terminal.peripheral", api::ErrorCode::ok,
                          json{{"id", per.id}, {"type", per.type}, {"from", to_string(per.state)},
                               {"to", to_string(st)}, {"detail", det}});
        per.state = st;
        per.detail = det;
    }
    if (body.contains("consumables") && body["consumables"].is_object())
        for (const auto& [name, v] : body["consumables"].items()) t->consumables[name] = v.get<int>();

    for (std::size_t i = 0; i < acks.size(); ++i) {
        Command& k = *acked[i];
        if (k.acked_at) continue;  // a repeated ack: already recorded once
        k.acked_at = now;
        k.result = acks[i]["result"].get<std::string>();
        k.detail = acks[i].contains("detail") && acks[i]["detail"].is_string() ? acks[i]["detail"].get<std::string>() : "";
        m_log->append(now, t->id, "terminal.command.ack", api::ErrorCode::ok,
                      json{{"id", k.id}, {"kind", to_string(k.kind)}, {"result", k.result}, {"detail", k.detail}});
    }
    for (auto& k : t->commands) {
        if (k.delivered_at) continue;
        k.delivered_at = now;
        reply.commands.push_back(k);
        m_log->append(now, t->id, "terminal.command.deliver", api::ErrorCode::ok,
                      json{{"id", k.id}, {"kind", to_string(k.kind)}});
    }
    return reply;
}

Outcome Registry::upload_log(std::string_view terminal, const nlohmann::json& body, sim::Time now) {
    Outcome out;
    Terminal* t = admit(terminal, "terminal.log_upload", now, out);
    if (!t) return out;
    if (!body.is_object()) return refuse(terminal, "terminal.log_upload", now, api::ErrorCode::bad_field, "", "not an object");
    api::Checker c(body);
    c.required_string("/name", 1, 128);
    if (c.ok() && (!body.contains("content") || body["content"].is_null()))
        c.fail(api::ErrorCode::missing_field, "/content", "required");
    else if (c.ok() && !body["content"].is_string())
        c.fail(api::ErrorCode::bad_field, "/content", "a string");
    if (auto e = c.first_error()) return refuse(terminal, "terminal.log_upload", now, e->code, e->path, e->reason);
    const auto& content = body["content"].get_ref<const std::string&>();
    if (content.size() > k_max_log_bytes)
        return refuse(terminal, "terminal.log_upload", now, api::ErrorCode::too_large, "/content",
                      detail::cat(std::to_string(content.size()), " bytes, limit ", std::to_string(k_max_log_bytes)));
    LogUpload up{now, audit::mask_ids(body["name"].get<std::string>()), audit::mask_ids(content)};
    m_log->append(now, t->id, "terminal.log_upload", api::ErrorCode::ok,
                  json{{"name", up.name}, {"bytes", content.size()}});
    t->logs.push_back(std::move(up));
    return out;
}

Outcome Registry::enqueue_command(std::string_view terminal, CommandKind kind, sim::Time now,
                                  const nlohmann::json& args, std::uint64_t* id_out) {
    Terminal* t = find_mut(terminal);
    if (!t)
        return refuse("platform", "terminal.command.enqueue", now, api::ErrorCode::not_found, "",
                      detail::cat("terminal ", terminal, " is not registered"));
    if (now < t->last_call)
        return refuse("platform", "terminal.command.enqueue", now, api::ErrorCode::conflict_state, "",
                      "time went backwards for this terminal");
    settle(*t, now);
    t->last_call = now;
    Command k;
    k.id = m_next_command++;
    k.kind = kind;
    k.args = args.is_null() ? json::object() : args;
    k.queued_at = now;
    if (id_out) *id_out = k.id;
    m_log->append(now, "platform", "terminal.command.enqueue", api::ErrorCode::ok,
                  json{{"terminal", t->id}, {"id", k.id}, {"kind", to_string(kind)}, {"args", k.args}});
    t->commands.push_back(std::move(k));
    return {};
}

// --- reads -------------------------------------------------------------------

bool Registry::online(std::string_view id, sim::Time now) const {
    const Terminal* t = find(id);
    if (!t || !t->current.online || !t->last_heartbeat) return false;
    return now <= *t->last_heartbeat + t->timeout();
}

std::vector<Segment> Registry::timeline(std::string_view id, sim::Time to) const {
    const Terminal* t = find(id);
    if (!t) return {};
    std::vector<Segment> out = t->history;
    Segment open = t->current;
    if (open.online && t->last_heartbeat) {
        const sim::Time expiry = *t->last_heartbeat + t->timeout();
        if (expiry < to) {
            if (expiry > open.from) out.push_back(Segment{open.from, expiry, true, true, open.status});
            open = Segment{expiry, sim::Time{}, false, false, "offline"};
        }
    }
    if (to > open.from) {
        open.to = to;
        out.push_back(std::move(open));
    }
    return out;
}

std::optional<Availability> Registry::availability(std::string_view id, sim::Time from, sim::Time to) const {
    const Terminal* t = find(id);
    if (!t) return std::nullopt;
    Availability a;
    from = std::max(from, t->registered_at);
    if (to <= from) return a;
    a.window = to - from;
    for (const auto& s : timeline(id, to)) {
        const sim::Time lo = std::max(s.from, from);
        const sim::Time hi = std::min(s.to, to);
        if (hi <= lo) continue;
        const sim::Duration d = hi - lo;
        if (s.online) a.online += d;
        if (s.powered) a.powered += d;
        if (s.online && s.status == "fault") a.fault += d;
        if (s.online && s.status == "degraded") a.degraded += d;
    }
    return a;
}

// --- JSON --------------------------------------------------------------------

namespace {

json opt_time(const std::optional<sim::Time>& t, const sim::Calendar& cal) {
    return t ? json(cal.iso8601(*t)) : json(nullptr);
}

sim::Time time_of(const json& j, const sim::Calendar& cal, const char* what) {
    if (!j.is_string()) throw std::invalid_argument(detail::cat("terminals json: ", what, " not a string"));
    auto t = cal.parse_iso8601(j.get<std::string>());
    if (!t) throw std::invalid_argument(detail::cat("terminals json: bad time in ", what));
    return *t;
}

std::optional<sim::Time> opt_time_of(const json& j, const sim::Calendar& cal, const char* what) {
    if (j.is_null()) return std::nullopt;
    return time_of(j, cal, what);
}

json seg_json(const Segment& s, const sim::Calendar& cal, bool closed) {
    json j{{"from", cal.iso8601(s.from)}, {"online", s.online}, {"powered", s.powered}, {"status", s.status}};
    if (closed) j["to"] = cal.iso8601(s.to);
    return j;
}

Segment seg_of(const json& j, const sim::Calendar& cal, bool closed) {
    Segment s;
    s.from = time_of(j.at("from"), cal, "segment from");
    if (closed) s.to = time_of(j.at("to"), cal, "segment to");
    s.online = j.at("online").get<bool>();
    s.powered = j.at("powered").get<bool>();
    s.status = j.at("status").get<std::string>();
    return s;
}

}  // namespace

nlohmann::json Registry::to_json() const {
    const auto& cal = m_log->calendar();
    json ts = json::array();
    for (const auto& [id, t] : m_terminals) {
        json j{{"terminal_id", t.id}, {"site", t.site}, {"region", t.region}, {"key_id", t.key_id},
               {"heartbeat_interval_us", t.interval.count()}, {"registered_at", cal.iso8601(t.registered_at)},
               {"last_heartbeat", opt_time(t.last_heartbeat, cal)}, {"last_call", cal.iso8601(t.last_call)},
               {"consumables", t.consumables}, {"current", seg_json(t.current, cal, false)}};
        j["peripherals"] = json::array();
        for (const auto& p : t.peripherals)
            j["peripherals"].push_back({{"id", p.id}, {"type", p.type}, {"state", to_string(p.state)}, {"detail", p.detail}});
        j["history"] = json::array();
        for (const auto& s : t.history) j["history"].push_back(seg_json(s, cal, true));
        j["commands"] = json::array();
        for (const auto& k : t.commands)
            j["commands"].push_back({{"id", k.id}, {"kind", to_string(k.kind)}, {"args", k.args},
                                     {"queued_at", cal.iso8601(k.queued_at)},
                                     {"delivered_at", opt_time(k.delivered_at, cal)},
                                     {"acked_at", opt_time(k.acked_at, cal)}, {"result", k.result},
                                     {"detail", k.detail}});
        j["logs"] = json::array();
        for (const auto& l : t.logs)
            j["logs"].push_back({{"at", cal.iso8601(l.at)}, {"name", l.name}, {"content", l.content}});
        ts.push_back(std::move(j));
    }
    return json{{"next_command_id", m_next_command}, {"terminals", std::move(ts)}};
}

Registry Registry::from_json(const nlohmann::json& j, audit::AuditLog& log) {
    const auto& cal = log.calendar();
    Registry r(log);
    try {
        r.m_next_command = j.at("next_command_id").get<std::uint64_t>();
        for (const auto& x : j.at("terminals")) {
            Terminal t;
            t.id = x.at("terminal_id").get<std::string>();
            t.site = x.at("site").get<std::string>();
            t.region = x.at("region").get<std::string>();
            t.key_id = x.at("key_id").get<std::string>();
            t.interval = sim::Duration{x.at("heartbeat_interval_us").get<std::int64_t>()};
            t.registered_at = time_of(x.at("registered_at"), cal, "registered_at");
            t.last_heartbeat = opt_time_of(x.at("last_heartbeat"), cal, "last_heartbeat");
            t.last_call = time_of(x.at("last_call"), cal, "last_call");
            t.consumables = x.at("consumables").get<std::map<std::string, int>>();
            t.current = seg_of(x.at("current"), cal, false);
            for (const auto& p : x.at("peripherals")) {
                auto st = parse_peripheral_state(p.at("state").get<std::string>());
                if (!st) throw std::invalid_argument("terminals json: bad peripheral state");
                t.peripherals.push_back(Peripheral{p.at("id").get<std::string>(), p.at("type").get<std::string>(), *st,
                                                   p.at("detail").get<std::string>()});
            }
            for (const auto& s : x.at("history")) t.history.push_back(seg_of(s, cal, true));
            for (const auto& k : x.at("commands")) {
                Command c;
                c.id = k.at("id").get<std::uint64_t>();
                auto kind = parse_command_kind(k.at("kind").get<std::string>());
                if (!kind) throw std::invalid_argument("terminals json: bad command kind");
                c.kind = *kind;
                c.args = k.at("args");
                c.queued_at = time_of(k.at("queued_at"), cal, "queued_at");
                c.delivered_at = opt_time_of(k.at("delivered_at"), cal, "delivered_at");
                c.acked_at = opt_time_of(k.at("acked_at"), cal, "acked_at");
                c.result = k.at("result").get<std::string>();
                c.detail = k.at("detail").get<std::string>();
                t.commands.push_back(std::move(c));
            }
            for (const auto& l : x.at("logs"))
                t.logs.push_back(LogUpload{time_of(l.at("at"), cal, "log at"), l.at("name").get<std::string>(),
                                           l.at("content").get<std::string>()});
            const std::string id = t.id;
            r.m_terminals.emplace(id, std::move(t));
        }
    } catch (const nlohmann::json::exception& e) {
        throw std::invalid_argument(detail::cat("terminals json: ", e.what()));
    }
    return r;
}

}  // namespace kiosktwin::services::terminals
