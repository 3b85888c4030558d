#include <kiosktwin/live/endpoints.hpp>

#include "http_client.hpp"

#include <stdexcept>

namespace kiosktwin::live {

using nlohmann::json;

namespace {

std::string str(const json& j, const char* member, const std::string& at) {
    if (!j.is_object() || !j.contains(member) || !j[member].is_string())
        throw std::invalid_argument(at + "/" + member + ": expected a string");
    return j[member].get<std::string>();
}

DeviceEndpoint named(std::string device, std::string kind, const std::string& transport) {
    DeviceEndpoint d;
    d.device = std::move(device);
    d.kind = std::move(kind);
    d.transport = transport;
    return d;
}

/// host:port of "scheme://host:port/..." or of "host:port".
detail::Url authority(std::string_view address) {
    if (const auto s = address.find("://"); s != std::string_view::npos) address = address.substr(s + 3);
    if (const auto slash = address.find('/'); slash != std::string_view::npos) address = address.substr(0, slash);
    return detail::parse_host_port(address);
}

/// The listen address of the proxy whose upstream is host:port (or whose name is `name`).
const json* proxy_for(const json& doc, const std::string& upstream, const std::string& name) {
    if (!doc.contains("links") || !doc["links"].is_object()) return nullptr;
    const json& links = doc["links"];
    if (!links.contains("proxies") || !links["proxies"].is_array()) return nullptr;
    for (const json& p : links["proxies"]) {
        if (!p.is_object()) continue;
        if (!name.empty() && p.value("name", std::string()) == name) return &p;
        if (name.empty() && p.value("upstream", std::string()) == upstream) return &p;
    }
    return nullptr;
}

void route(const json& doc, DeviceEndpoint& d, bool use_links) {
    if (!use_links) return;
    const std::string upstream = d.host + ":" + std::to_string(d.port);
    if (const json* p = proxy_for(doc, upstream, {})) {
        const detail::Url l = detail::parse_host_port(p->value("listen", std::string()));
        d.host = l.host;
        d.port = l.port;
        d.via_link = true;
    }
}

}  // namespace

std::vector<std::string> KioskEndpoints::kiosks(const json& doc) {
    std::vector<std::string> out;
    if (!doc.is_object() || !doc.contains("kiosks") || !doc["kiosks"].is_array()) return out;
    for (const json& k : doc["kiosks"])
        if (k.is_object() && k.contains("id") && k["id"].is_string()) out.push_back(k["id"].get<std::string>());
    return out;
}

KioskEndpoints KioskEndpoints::from_json(const json& doc, std::string_view kiosk, bool use_links) {
    if (!doc.is_object() || !doc.contains("kiosks") || !doc["kiosks"].is_array())
        throw std::invalid_argument("/kiosks: expected an array (is this a `kiosktwin serve` endpoints file?)");
    KioskEndpoints out;
    out.kiosk = std::string(kiosk);
    const json* mine = nullptr;
    std::size_t index = 0;
    for (std::size_t i = 0; i < doc["kiosks"].size(); ++i)
        if (doc["kiosks"][i].is_object() && doc["kiosks"][i].value("id", std::string()) == kiosk) {
            mine = &doc["kiosks"][i];
            index = i;
        }
    if (mine == nullptr) throw std::invalid_argument("/kiosks: no kiosk " + std::string(kiosk));
    const std::string at = "/kiosks/" + std::to_string(index) + "/endpoints";
    if (!mine->contains("endpoints") || !(*mine)["endpoints"].is_array())
        throw std::invalid_argument(at + ": expected an array");
    const json& list = (*mine)["endpoints"];
    for (std::size_t i = 0; i < list.size(); ++i) {
        const json& e = list[i];
        const std::string here = at + "/" + std::to_string(i);
        const std::string transport = str(e, "transport", here);
        try {
            if (transport == "serial") {
                DeviceEndpoint d = named(str(e, "device", here), str(e, "kind", here), transport);
                d.path = str(e, "address", here);
                d.baud = e.value("baud", 0);
                out.devices.push_back(std::move(d));
            } else if (transport == "tcp") {
                DeviceEndpoint d = named(str(e, "device", here), str(e, "kind", here), transport);
                const detail::Url u = authority(str(e, "address", here));
                d.host = u.host;
                d.port = u.port;
                route(doc, d, use_links);
                out.devices.push_back(std::move(d));
            } else if (transport == "http") {
                const detail::Url u = authority(str(e, "address", here));
                if (!e.contains("devices") || !e["devices"].is_array())
                    throw std::invalid_argument(here + "/devices: expected an array");
                for (std::size_t j = 0; j < e["devices"].size(); ++j) {
                    const json& r = e["devices"][j];
                    const std::string rat = here + "/devices/" + std::to_string(j);
                    DeviceEndpoint d = named(str(r, "device", rat), str(r, "kind", rat), transport);
                    d.host = u.host;
                    d.port = static_cast<std::uint16_t>(e.value("port", static_cast<int>(u.port)));
                    d.prefix = str(r, "path", rat);
                    route(doc, d, use_links);
                    out.devices.push_back(std::move(d));
                }
            }
        } catch (const std::invalid_argument& ex) {
            const std::string what = ex.what();
            if (what.starts_with("/")) throw;
            throw std::invalid_argument(here + ": " + what);
        }
    }
    if (doc.contains("control") && doc["control"].is_string()) out.control = doc["control"].get<std::string>();
    if (doc.contains("gateway") && doc["gateway"].is_object()) {
        out.gateway_direct = str(doc["gateway"], "url", "/gateway");
        out.gateway = out.gateway_direct;
        if (use_links) {
            if (const json* p = proxy_for(doc, {}, std::string(kiosk) + "-gateway")) {
                out.gateway = "http://" + p->value("listen", std::string());
                out.gateway_via_link = true;
            }
        }
    }
    return out;
}

const DeviceEndpoint* KioskEndpoints::device(std::string_view kind) const noexcept {
    for (const DeviceEndpoint& d : devices)
        if (d.kind == kind) return &d;
    return nullptr;
}

}  // namespace kiosktwin::live
