#include <kiosktwin/host/control_api.hpp>

#include <algorithm>
#include <charconv>

namespace kiosktwin::host {

using devices::HttpResponse;
using nlohmann::json;

namespace {

struct Target {
    std::string path;
    std::string query;
};

Target split_target(const std::string& t) {
    const auto q = t.find('?');
    return q == std::string::npos ? Target{t, {}} : Target{t.substr(0, q), t.substr(q + 1)};
}

std::size_t query_limit(const std::string& query, std::size_t fallback) {
    std::size_t pos = 0;
    while (pos < query.size()) {
        const auto amp = query.find('&', pos);
        const std::string kv = query.substr(pos, amp == std::string::npos ? std::string::npos : amp - pos);
        if (kv.rfind("limit=", 0) == 0) {
            std::size_t v = 0;
            const auto* b = kv.data() + 6;
            const auto* e = kv.data() + kv.size();
            if (std::from_chars(b, e, v).ec == std::errc{}) return v;
        }
        if (amp == std::string::npos) break;
        pos = amp + 1;
    }
    return fallback;
}

json tail(const json& records, std::size_t limit) {
    if (records.size() <= limit) return records;
    json out = json::array();
    for (std::size_t i = records.size() - limit; i < records.size(); ++i) out.push_back(records[i]);
    return out;
}

HttpResponse method_not_allowed(const std::string& allowed) {
    HttpResponse r = HttpResponse::error(405, "method_not_allowed", "use " + allowed);
    r.headers.emplace_back("Allow", allowed);
    return r;
}

}  // namespace

devices::Device* ControlApi::find(std::string_view id) const {
    for (devices::Device* d : m_devices)
        if (d->id() == id) return d;
    return nullptr;
}

HttpResponse ControlApi::handle(sim::Time now, const devices::HttpRequest& req) {
    const Target t = split_target(req.target);
    const std::string& path = t.path;

    if (path == "/" || path.empty()) {
        if (req.method != "GET") return method_not_allowed("GET");
        return HttpResponse::json(200, json{{"service", "kiosktwin device control"},
                                            {"devices", m_devices.size()},
                                            {"routes",
                                             {"GET /devices", "GET /devices/{id}", "POST /devices/{id}/actions",
                                              "POST /devices/{id}/faults", "DELETE /devices/{id}/faults[/{rule}]",
                                              "GET /devices/{id}/trace?limit=N", "GET /trace?limit=N",
                                              "GET /endpoints"}}});
    }
    if (path == "/endpoints") {
        if (req.method != "GET") return method_not_allowed("GET");
        return HttpResponse::json(200, m_endpoints ? m_endpoints() : json::object());
    }
    if (path == "/trace") {
        if (req.method != "GET") return method_not_allowed("GET");
        if (m_trace == nullptr) return HttpResponse::error(404, "no_trace", "this bench records no trace");
        return HttpResponse::json(200, json{{"records", tail(m_trace->to_json(), query_limit(t.query, 1000))}});
    }
    if (path == "/devices") {
        if (req.method != "GET") return method_not_allowed("GET");
        json list = json::array();
        for (devices::Device* d : m_devices) {
            const devices::DeviceStatus st = d->status(now);
            list.push_back({{"id", d->id()}, {"kind", d->kind()}, {"health", to_string(st.health)}, {"reasons", st.reasons}});
        }
        return HttpResponse::json(200, json{{"devices", std::move(list)}});
    }
    if (path.rfind("/devices/", 0) != 0) return HttpResponse::error(404, "not_found", "no route " + path + "; see GET /");

    // /devices/{id}[/{sub}[/{rule}]] — ids contain '/', so match the longest known id.
    const std::string rest = path.substr(9);
    devices::Device* dev = nullptr;
    std::string sub;
    for (devices::Device* d : m_devices) {
        const std::string& id = d->id();
        if (rest == id || (rest.size() > id.size() && rest.compare(0, id.size(), id) == 0 && rest[id.size()] == '/')) {
            if (dev == nullptr || id.size() > dev->id().size()) {
                dev = d;
                sub = rest.size() > id.size() ? rest.substr(id.size() + 1) : std::string();
            }
        }
    }
    if (dev == nullptr) {
        json ids = json::array();
        for (devices::Device* d : m_devices) ids.push_back(d->id());
        HttpResponse r = HttpResponse::json(404, json{{"error", {{"code", "unknown_device"},
                                                                  {"message", "no device \"" + rest + "\""}}},
                                                      {"devices", ids}});
        return r;
    }

    auto parse_body = [&](json& out) -> std::optional<HttpResponse> {
        try {
            out = req.body.empty() ? json::object() : json::parse(req.body);
        } catch (const json::exception& e) {
            return HttpResponse::error(400, "bad_json", std::string("the body is not JSON: ") + e.what());
        }
        if (!out.is_object()) return HttpResponse::error(400, "bad_json", "the body must be a JSON object");
        return std::nullopt;
    };
    auto answer = [&](const devices::ActionResult& r) {
        if (!r.ok) return HttpResponse::error(400, "action_failed", r.error);
        if (m_on_change) m_on_change(*dev);
        return HttpResponse::json(200, json{{"ok", true}, {"data", r.data}, {"device", dev->describe(now)}});
    };

    if (sub.empty()) {
        if (req.method != "GET") return method_not_allowed("GET");
        return HttpResponse::json(200, dev->describe(now));
    }
    if (sub == "actions") {
        if (req.method != "POST") return method_not_allowed("POST");
        json body;
        if (auto bad = parse_body(body)) return *bad;
        return answer(dev->act(now, body));
    }
    if (sub == "faults") {
        if (req.method == "GET") return HttpResponse::json(200, dev->faults().describe(now));
        if (req.method == "DELETE") return answer(dev->act(now, json{{"action", "clear_fault"}}));
        if (req.method != "POST") return method_not_allowed("GET, POST, DELETE");
        json body;
        if (auto bad = parse_body(body)) return *bad;
        json action = body;
        action["action"] = "inject_fault";
        return answer(dev->act(now, action));
    }
    if (sub.rfind("faults/", 0) == 0) {
        if (req.method != "DELETE") return method_not_allowed("DELETE");
        return answer(dev->act(now, json{{"action", "clear_fault"}, {"id", sub.substr(7)}}));
    }
    if (sub == "trace") {
        if (req.method != "GET") return method_not_allowed("GET");
        if (m_trace == nullptr) return HttpResponse::error(404, "no_trace", "this bench records no trace");
        return HttpResponse::json(200, json{{"records", tail(m_trace->to_json(dev->id()), query_limit(t.query, 1000))}});
    }
    return HttpResponse::error(404, "not_found", "no route " + path + "; see GET /");
}

}  // namespace kiosktwin::host
