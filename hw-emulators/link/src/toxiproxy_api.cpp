#include <kiosktwin/link/toxiproxy_api.hpp>

#include <kiosktwin/sim/random.hpp>

#include <algorithm>
#include <set>
#include <stdexcept>

namespace kiosktwin::link {

namespace {

using nlohmann::json;

[[noreturn]] void bad_body(const std::string& what) { throw ApiError(400, "bad request body: " + what); }

json parse_body(const std::string& body) {
    try {
        return json::parse(body);
    } catch (const json::parse_error& e) {
        std::string what = e.what();
        // "[json.exception.parse_error.101] parse error at ..." -> "parse error at ..."
        if (const auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
        bad_body(what);
    }
}

std::string string_field(const json& body, const char* key, const std::string& def) {
    const auto it = body.find(key);
    if (it == body.end() || it->is_null()) return def;
    if (!it->is_string()) bad_body(std::string(key) + ": expected a string");
    return it->get<std::string>();
}

bool bool_field(const json& body, const char* key, bool def) {
    const auto it = body.find(key);
    if (it == body.end() || it->is_null()) return def;
    if (!it->is_boolean()) bad_body(std::string(key) + ": expected true or false");
    return it->get<bool>();
}

void check_name(const std::string& name) {
    if (name.find('/') != std::string::npos || name.find('?') != std::string::npos)
        bad_body("name: must not contain '/' or '?'");
}

}  // namespace

// --- the table -----------------------------------------------------------------

struct ProxyTable::Plan {
    std::string name;
    std::string listen;
    std::string upstream;
    bool enabled = true;
    std::vector<ToxicSpec> toxics;
};

ProxyTable::ProxyTable(std::uint64_t master_seed, CivilWeek week, Listeners* listeners)
    : m_master_seed(master_seed), m_week(week), m_listeners(listeners) {}

ProxyTable::~ProxyTable() {
    if (!m_listeners) return;
    for (auto& [name, link] : m_links)
        if (link->enabled()) m_listeners->stop(*link);
}

ProxyTable::Plan ProxyTable::plan(const json& body, std::size_t index) const {
    const std::string at = index == 0 ? "" : " at proxy " + std::to_string(index);
    if (!body.is_object()) bad_body("expected a JSON object" + at);
    Plan p;
    p.name = string_field(body, "name", "");
    if (p.name.empty()) throw ApiError(400, "missing required field: name" + at);
    check_name(p.name);
    p.upstream = string_field(body, "upstream", "");
    if (p.upstream.empty()) throw ApiError(400, "missing required field: upstream" + at);
    p.listen = string_field(body, "listen", "127.0.0.1:0");
    if (p.listen.empty()) p.listen = "127.0.0.1:0";
    p.enabled = bool_field(body, "enabled", true);
    if (const auto it = body.find("toxics"); it != body.end() && !it->is_null()) {
        if (!it->is_array()) bad_body("toxics: expected an array");
        std::set<std::string> names;
        for (const json& t : *it) {
            p.toxics.push_back(ToxicSpec::from_json(t));
            if (!names.insert(p.toxics.back().name).second) throw ApiError(409, "toxic already exists");
        }
    }
    return p;
}

std::unique_ptr<Link> ProxyTable::build(const Plan& p, sim::Time now) const {
    auto link = std::make_unique<Link>(p.name, p.listen, p.upstream,
                                       sim::derive_seed(m_master_seed, "link/" + p.name), m_week);
    for (const ToxicSpec& t : p.toxics) link->add_toxic(t, now);
    if (!p.enabled) link->set_enabled(false, now);
    return link;
}

void ProxyTable::start(Link& link) {
    if (!m_listeners || !link.enabled()) return;
    try {
        link.set_listen(m_listeners->start(link));
    } catch (const std::exception& e) {
        throw ApiError(500, e.what());
    }
}

Link& ProxyTable::create(const json& body, sim::Time now) {
    const Plan p = plan(body, 0);
    if (m_links.count(p.name)) throw ApiError(409, "proxy already exists");
    std::unique_ptr<Link> link = build(p, now);
    start(*link);  // only now can a client connect: its toxics are already there
    Link& ref = *link;
    m_links.emplace(p.name, std::move(link));
    return ref;
}

std::vector<Link*> ProxyTable::populate(const json& body, sim::Time now) {
    if (!body.is_array()) bad_body("expected a JSON array of proxies");
    std::vector<Plan> plans;
    std::set<std::string> names;
    for (std::size_t i = 0; i < body.size(); ++i) {
        plans.push_back(plan(body[i], i + 1));
        if (!names.insert(plans.back().name).second)
        {
            std::string msg = "duplicate proxy name \"";
            msg += plans.back().name;
            msg += "\" at proxy ";
            msg += std::to_string(i + 1);
            throw ApiError(400, msg);
        }
    }
    // Build everything first: a bad toxic anywhere changes nothing.
    std::vector<std::unique_ptr<Link>> built;
    for (const Plan& p : plans) built.push_back(build(p, now));

    std::vector<Link*> out;
    for (std::size_t i = 0; i < plans.size(); ++i) {
        const Plan& p = plans[i];
        if (const auto it = m_links.find(p.name); it != m_links.end()) {
            Link& existing = *it->second;
            if (existing.listen() == p.listen && existing.upstream() == p.upstream) {
                out.push_back(&existing);  // unchanged: left as it is (Toxiproxy's AddOrReplace)
                continue;
            }
            remove(p.name, now);
        }
        start(*built[i]);
        Link& ref = *built[i];
        m_links.emplace(p.name, std::move(built[i]));
        out.push_back(&ref);
    }
    return out;
}

Link& ProxyTable::update(std::string_view name, const json& body, sim::Time now) {
    Link& link = get(name);
    if (!body.is_object()) bad_body("expected a JSON object");
    const std::string listen = string_field(body, "listen", link.listen());
    const std::string upstream = string_field(body, "upstream", link.upstream());
    const bool enabled = bool_field(body, "enabled", link.enabled());
    if (listen != link.listen() || upstream != link.upstream()) {
        // Toxiproxy restarts the proxy on a new address.
        if (link.enabled()) {
            if (m_listeners) m_listeners->stop(link);
            link.set_enabled(false, now);
        }
        link.set_listen(listen.empty() ? "127.0.0.1:0" : listen);
        link.set_upstream(upstream);
    }
    if (enabled != link.enabled()) {
        if (enabled) {
            link.set_enabled(true, now);
            try {
                start(link);
            } catch (...) {
                link.set_enabled(false, now);
                throw;
            }
        } else {
            if (m_listeners) m_listeners->stop(link);
            link.set_enabled(false, now);
        }
    }
    return link;
}

void ProxyTable::remove(std::string_view name, sim::Time now) {
    const auto it = m_links.find(name);
    if (it == m_links.end()) throw ApiError(404, "proxy not found");
    Link& link = *it->second;
    if (link.enabled()) {
        if (m_listeners) m_listeners->stop(link);
        link.set_enabled(false, now);
    }
    m_links.erase(it);
}

void ProxyTable::reset(sim::Time now) {
    for (auto& [name, link] : m_links) {
        link->remove_all_toxics(now);
        if (!link->enabled()) {
            link->set_enabled(true, now);
            start(*link);
        }
    }
}

Link* ProxyTable::find(std::string_view name) noexcept {
    const auto it = m_links.find(name);
    return it == m_links.end() ? nullptr : it->second.get();
}

Link& ProxyTable::get(std::string_view name) {
    Link* l = find(name);
    if (!l) throw ApiError(404, "proxy not found");
    return *l;
}

std::vector<Link*> ProxyTable::links() {
    std::vector<Link*> out;
    for (auto& [name, link] : m_links) out.push_back(link.get());
    return out;
}

sim::Time ProxyTable::next_schedule_change() const noexcept {
    sim::Time t = sim::end_of_time;
    for (const auto& [name, link] : m_links) t = std::min(t, link->next_schedule_change());
    return t;
}

void ProxyTable::apply_schedules(sim::Time now) {
    for (auto& [name, link] : m_links) link->apply_schedules(now);
}

// --- the HTTP API ----------------------------------------------------------------

namespace {

ApiResponse json_response(int status, const json& body) {
    return ApiResponse{status, "application/json", body.dump(-1, ' ', false, json::error_handler_t::replace) + "\n"};
}

ApiResponse no_content() { return ApiResponse{204, "", ""}; }

std::string percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

std::vector<std::string> split_path(std::string_view target) {
    if (const auto q = target.find('?'); q != std::string_view::npos) target = target.substr(0, q);
    std::vector<std::string> parts;
    std::size_t i = 0;
    while (i < target.size()) {
        while (i < target.size() && target[i] == '/') ++i;
        if (i >= target.size()) break;
        const std::size_t j = target.find('/', i);
        const std::size_t end = j == std::string_view::npos ? target.size() : j;
        parts.push_back(percent_decode(target.substr(i, end - i)));
        i = end;
    }
    return parts;
}

json proxies_json(ProxyTable& table) {
    json out = json::object();
    for (Link* l : table.links()) out[l->name()] = l->to_json();
    return out;
}

json toxics_json(const Link& link) {
    json out = json::array();
    for (const ToxicSpec* t : link.toxics()) out.push_back(link.toxic_json(*t));
    return out;
}

// Prometheus' text format, with Toxiproxy's metric names where it has them
// (toxiproxy_proxy_sent_bytes_total) and ours for the rest.
std::string metrics_text(ProxyTable& table) {
    std::string out;
    auto family = [&](const char* name, const char* help) {
        out += "# HELP ";
        out += name;
        out += ' ';
        out += help;
        out += "\n# TYPE ";
        out += name;
        out += " counter\n";
    };
    auto label = [](const std::string& v) {
        std::string e;
        for (const char c : v) {
            if (c == '\\' || c == '"') e += '\\';
            if (c == '\n') {
                e += "\\n";
                continue;
            }
            e += c;
        }
        return e;
    };
    auto sample = [&](const char* name, const Link& l, const char* direction, std::uint64_t v) {
        out += name;
        out += '{';
        if (direction != nullptr) {
            out += "direction=\"";
            out += direction;
            out += "\",";
        }
        out += "listener=\"";
        out += label(l.listen());
        out += "\",proxy=\"";
        out += label(l.name());
        out += "\",upstream=\"";
        out += label(l.upstream());
        out += "\"} ";
        out += std::to_string(v);
        out += '\n';
    };
    const std::vector<Link*> links = table.links();
    family("toxiproxy_proxy_sent_bytes_total", "Bytes the proxy delivered, by direction.");
    for (const Link* l : links) {
        sample("toxiproxy_proxy_sent_bytes_total", *l, "upstream", l->stats().bytes_upstream);
        sample("toxiproxy_proxy_sent_bytes_total", *l, "downstream", l->stats().bytes_downstream);
    }
    family("kiosktwin_link_connections_opened_total", "Client connections the proxy accepted.");
    for (const Link* l : links) sample("kiosktwin_link_connections_opened_total", *l, nullptr, l->stats().connections_opened);
    family("kiosktwin_link_connections_refused_total", "Client connections refused (proxy disabled).");
    for (const Link* l : links)
        sample("kiosktwin_link_connections_refused_total", *l, nullptr, l->stats().connections_refused);
    family("kiosktwin_link_connections_reset_total", "Connections reset by a toxic or a partition.");
    for (const Link* l : links) sample("kiosktwin_link_connections_reset_total", *l, nullptr, l->stats().connections_reset);
    return out;
}

ApiResponse route(ProxyTable& table, const ApiRequest& req, sim::Time now) {
    const std::vector<std::string> p = split_path(req.target);
    const std::string& m = req.method;
    const bool get = m == "GET" || m == "HEAD";
    const bool post = m == "POST" || m == "PATCH";
    const bool del = m == "DELETE";
    const ApiResponse not_allowed{405, "text/plain; charset=utf-8", ""};

    if (p.size() == 1 && p[0] == "version") {
        if (!get) return not_allowed;
        return json_response(200, json{{"version", k_toxiproxy_api_version}, {"kiosktwin", true}});
    }
    if (p.size() == 1 && p[0] == "metrics") {
        if (!get) return not_allowed;
        return ApiResponse{200, "text/plain; version=0.0.4; charset=utf-8", metrics_text(table)};
    }
    if (p.size() == 1 && p[0] == "reset") {
        if (m != "POST") return not_allowed;
        table.reset(now);
        return no_content();
    }
    if (p.size() == 1 && p[0] == "populate") {
        if (m != "POST") return not_allowed;
        const json body = parse_body(req.body);
        json listed = json::array();
        try {
            for (Link* l : table.populate(body, now)) listed.push_back(l->to_json());
        } catch (const ApiError& e) {
            json out = e.to_json();
            out["proxies"] = listed;
            return json_response(e.status(), out);
        }
        return json_response(201, json{{"proxies", listed}});
    }
    if (p.empty() || p[0] != "proxies" || p.size() > 4 || (p.size() >= 3 && p[2] != "toxics"))
        return ApiResponse{404, "text/plain; charset=utf-8", "404 page not found\n"};

    if (p.size() == 1) {
        if (get) return json_response(200, proxies_json(table));
        if (m == "POST") return json_response(201, table.create(parse_body(req.body), now).to_json());
        return not_allowed;
    }
    const std::string& name = p[1];
    if (p.size() == 2) {
        if (get) return json_response(200, table.get(name).to_json());
        if (post) return json_response(200, table.update(name, parse_body(req.body), now).to_json());
        if (del) {
            table.remove(name, now);
            return no_content();
        }
        return not_allowed;
    }
    Link& link = table.get(name);
    if (p.size() == 3) {
        if (get) return json_response(200, toxics_json(link));
        if (m == "POST")
            return json_response(200, link.toxic_json(link.add_toxic(ToxicSpec::from_json(parse_body(req.body)), now)));
        return not_allowed;
    }
    const std::string& toxic = p[3];
    if (get) {
        const ToxicSpec* t = link.find_toxic(toxic);
        if (!t) throw ApiError(404, "toxic not found");
        return json_response(200, link.toxic_json(*t));
    }
    if (post) return json_response(200, link.toxic_json(link.update_toxic(toxic, parse_body(req.body), now)));
    if (del) {
        link.remove_toxic(toxic, now);
        return no_content();
    }
    return not_allowed;
}

}  // namespace

ApiResponse handle_api(ProxyTable& table, const ApiRequest& req, sim::Time now) {
    if (req.user_agent.rfind("Mozilla/", 0) == 0)
        return ApiResponse{403, "text/plain; charset=utf-8", "User agent not allowed\n"};
    try {
        ApiResponse r = route(table, req, now);
        if (req.method == "HEAD") r.body.clear();
        return r;
    } catch (const ApiError& e) {
        return json_response(e.status(), e.to_json());
    } catch (const std::exception& e) {
        return json_response(500, ApiError(500, e.what()).to_json());
    }
}

}  // namespace kiosktwin::link
