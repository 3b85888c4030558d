#include <kiosktwin/devices/bench.hpp>

#include <kiosktwin/sim/random.hpp>

#include <set>

namespace kiosktwin::devices {

using nlohmann::json;

namespace {
std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) {
        if (!s.empty()) s += "\n";
        s += x;
    }
    return s;
}

bool valid_name(const std::string& s) {
    if (s.empty() || s.size() > 64) return false;
    for (char c : s)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) return false;
    return true;
}
}  // namespace

BenchError::BenchError(std::vector<std::string> problems)
    : std::invalid_argument(join(problems)), m_problems(std::move(problems)) {}

std::uint16_t BenchSpec::default_port(std::size_t kiosk_index, const DeviceKind& kind) const noexcept {
    const auto block = static_cast<std::uint32_t>(port_base) + 10u * static_cast<std::uint32_t>(kiosk_index + 1);
    std::uint32_t p = block;
    if (kind.transport == Transport::http) p = block + (kind.service == "ipp" ? 1u : 2u);
    return static_cast<std::uint16_t>(p);
}

BenchSpec BenchSpec::from_json(const json& doc) {
    std::vector<std::string> problems;
    auto bad = [&](const std::string& path, const std::string& msg) { problems.push_back(path + ": " + msg); };
    BenchSpec b;
    if (!doc.is_object()) throw BenchError({"/: expected a JSON object (a bench)"});
    static const std::set<std::string> top{"name", "description", "seed", "port_base", "kiosks"};
    for (auto it = doc.begin(); it != doc.end(); ++it)
        if (!top.count(it.key())) bad("/" + it.key(), "unknown setting");
    if (doc.contains("name")) {
        if (doc["name"].is_string()) b.name = doc["name"].get<std::string>();
        else bad("/name", "expected a string");
    }
    if (doc.contains("description")) {
        if (doc["description"].is_string()) b.description = doc["description"].get<std::string>();
        else bad("/description", "expected a string");
    }
    if (doc.contains("seed")) {
        if (doc["seed"].is_number_unsigned()) b.seed = doc["seed"].get<std::uint64_t>();
        else bad("/seed", "expected an integer \u2265 0");
    }
    if (doc.contains("port_base")) {
        if (doc["port_base"].is_number_integer() && doc["port_base"].get<std::int64_t>() >= 1024 &&
            doc["port_base"].get<std::int64_t>() <= 60000)
            b.port_base = static_cast<std::uint16_t>(doc["port_base"].get<std::int64_t>());
        else
            bad("/port_base", "expected an integer from 1024 to 60000");
    }
    if (!doc.contains("kiosks") || !doc["kiosks"].is_array() || doc["kiosks"].empty()) {
        bad("/kiosks", "expected a list of at least one kiosk");
        throw BenchError(problems);
    }
    std::set<std::string> kiosk_ids;
    for (std::size_t k = 0; k < doc["kiosks"].size(); ++k) {
        const json& kj = doc["kiosks"][k];
        const std::string kp = "/kiosks/" + std::to_string(k);
        if (!kj.is_object()) {
            bad(kp, "expected an object");
            continue;
        }
        KioskSpec ks;
        ks.id = kj.value("id", "kiosk-" + std::to_string(k + 1));
        if (!kj.contains("id") || !kj["id"].is_string() || !valid_name(ks.id))
            bad(kp + "/id", "expected a name of letters, digits, '-', '_' or '.'");
        if (!kiosk_ids.insert(ks.id).second) bad(kp + "/id", "duplicate kiosk id \"" + ks.id + "\"");
        for (auto it = kj.begin(); it != kj.end(); ++it)
            if (it.key() != "id" && it.key() != "devices") bad(kp + "/" + it.key(), "unknown setting");
        if (!kj.contains("devices") || !kj["devices"].is_array()) {
            bad(kp + "/devices", "expected a list of devices");
            continue;
        }
        std::set<std::string> names;
        for (std::size_t d = 0; d < kj["devices"].size(); ++d) {
            const json& dj = kj["devices"][d];
            const std::string dp = kp + "/devices/" + std::to_string(d);
            if (!dj.is_object()) {
                bad(dp, "expected an object");
                continue;
            }
            DeviceSpec ds;
            for (auto it = dj.begin(); it != dj.end(); ++it)
                if (it.key() != "name" && it.key() != "kind" && it.key() != "config" && it.key() != "port")
                    bad(dp + "/" + it.key(), "unknown setting");
            if (!dj.contains("kind") || !dj["kind"].is_string()) {
                bad(dp + "/kind", "expected a device kind");
                continue;
            }
            ds.kind = dj["kind"].get<std::string>();
            const DeviceKind* kind = find_kind(ds.kind);
            if (kind == nullptr) {
                std::string known;
                for (const auto& x : device_kinds()) {
                    if (!known.empty()) known += ", ";
                    known += x.kind;
                }
                bad(dp + "/kind", "unknown device kind \"" + ds.kind + "\" (known: " + known + ")");
                continue;
            }
            ds.name = dj.value("name", ds.kind);
            if (!valid_name(ds.name)) bad(dp + "/name", "expected a name of letters, digits, '-', '_' or '.'");
            if (!names.insert(ds.name).second) bad(dp + "/name", "duplicate device name \"" + ds.name + "\"");
            if (dj.contains("config")) {
                if (!dj["config"].is_object()) bad(dp + "/config", "expected an object");
                else ds.config = dj["config"];
            }
            if (dj.contains("port")) {
                if (kind->transport == Transport::serial) bad(dp + "/port", "a serial device has no port");
                else if (!dj["port"].is_number_integer() || dj["port"].get<std::int64_t>() < 1 ||
                         dj["port"].get<std::int64_t>() > 65535)
                    bad(dp + "/port", "expected a port number from 1 to 65535");
                else ds.port = static_cast<std::uint16_t>(dj["port"].get<std::int64_t>());
            }
            try {  // the config must build a device
                (void)make_device(ds.kind, ks.id + "/" + ds.name, 0, ds.config);
            } catch (const std::exception& e) {
                bad(dp + "/config", e.what());
            }
            ks.devices.push_back(std::move(ds));
        }
        b.kiosks.push_back(std::move(ks));
    }
    if (!problems.empty()) throw BenchError(problems);
    return b;
}

json BenchSpec::to_json() const {
    json kiosks_j = json::array();
    for (const auto& k : kiosks) {
        json devs = json::array();
        for (const auto& d : k.devices) {
            json dj{{"name", d.name}, {"kind", d.kind}, {"config", d.config}};
            if (d.port) dj["port"] = *d.port;
            devs.push_back(std::move(dj));
        }
        kiosks_j.push_back(json{{"id", k.id}, {"devices", devs}});
    }
    return json{{"name", name}, {"description", description}, {"seed", seed}, {"port_base", port_base}, {"kiosks", kiosks_j}};
}

BenchSpec BenchSpec::with_kiosks(int n) const {
    BenchSpec b = *this;
    b.kiosks.clear();
    for (int i = 1; i <= n; ++i) {
        KioskSpec k = kiosks.front();
        k.id = "kiosk-" + std::to_string(i);
        for (auto& d : k.devices) d.port.reset();  // explicit ports would collide
        b.kiosks.push_back(std::move(k));
    }
    return b;
}

DeviceSet::DeviceSet(const BenchSpec& bench) {
    for (std::size_t k = 0; k < bench.kiosks.size(); ++k) {
        const KioskSpec& ks = bench.kiosks[k];
        for (const DeviceSpec& ds : ks.devices) {
            const std::string id = ks.id + "/" + ds.name;
            m_entries.push_back(Entry{ks.id, k, ds, find_kind(ds.kind),
                                      make_device(ds.kind, id, sim::derive_seed(bench.seed, id), ds.config)});
        }
    }
}

Device* DeviceSet::find(std::string_view id) const noexcept {
    for (const auto& e : m_entries)
        if (e.device->id() == id) return e.device.get();
    return nullptr;
}

}  // namespace kiosktwin::devices
