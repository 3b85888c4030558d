#include <kiosktwin/server/state.hpp>

#include <kiosktwin/api/signing.hpp>

#include <stdexcept>
#include <utility>

namespace kiosktwin::server {

namespace {

std::invalid_argument bad(std::string_view path, std::string_view what) {
    std::string m(path);
    m.append(": ").append(what);
    return std::invalid_argument(m);
}

std::shared_ptr<const services::Register> default_population() {
    // Built once per process: the generator is deterministic (it is the asset file).
    static const auto reg = std::make_shared<const services::Register>(services::generate_population(1, 1000));
    return reg;
}

services::IdentityConfig identity_config(const Config& c) {
    services::IdentityConfig ic;
    ic.seed = c.seed;
    ic.calendar = c.calendar;
    return ic;  // the router draws the profile; the service's own is ideal
}

}  // namespace

std::string_view to_string(Role r) noexcept { return r == Role::admin ? "admin" : "kiosk"; }

std::optional<Role> parse_role(std::string_view s) noexcept {
    if (s == "kiosk") return Role::kiosk;
    if (s == "admin") return Role::admin;
    return std::nullopt;
}

std::vector<KeyEntry> keys_from_json(const nlohmann::json& j) {
    if (!j.is_object() || !j.contains("keys") || !j["keys"].is_array()) throw bad("/keys", "expected an array");
    std::vector<KeyEntry> out;
    const auto& keys = j["keys"];
    for (std::size_t i = 0; i < keys.size(); ++i) {
        std::string at = "/keys/" + std::to_string(i);
        const auto& k = keys[i];
        if (!k.is_object()) throw bad(at, "expected an object");
        KeyEntry e;
        if (!k.contains("key_id") || !k["key_id"].is_string() || !api::valid_key_id(k["key_id"].get<std::string>()))
            throw bad(at + "/key_id", "expected 1-128 visible ASCII characters");
        if (!k.contains("secret") || !k["secret"].is_string() || k["secret"].get<std::string>().empty())
            throw bad(at + "/secret", "expected a non-empty string");
        e.key_id = k["key_id"].get<std::string>();
        e.secret = k["secret"].get<std::string>();
        if (k.contains("role")) {
            const auto role = k["role"].is_string() ? parse_role(k["role"].get<std::string>()) : std::nullopt;
            if (!role) throw bad(at + "/role", "expected \"kiosk\" or \"admin\"");
            e.role = *role;
        }
        for (const auto& prev : out)
            if (prev.key_id == e.key_id) throw bad(at + "/key_id", "duplicate key id " + e.key_id);
        out.push_back(std::move(e));
    }
    return out;
}

Config Config::from_json(const nlohmann::json& j) {
    Config c;
    if (j.is_null()) return c;
    if (!j.is_object()) throw bad("", "expected an object");
    for (const auto& [name, v] : j.items()) {
        const std::string at = "/" + name;
        if (name == "seed") {
            if (!v.is_number_unsigned()) throw bad(at, "expected an unsigned integer");
            c.seed = v.get<std::uint64_t>();
        } else if (name == "catalogue_items") {
            if (!v.is_number_unsigned() || v.get<std::uint64_t>() < 17 || v.get<std::uint64_t>() > 1000)
                throw bad(at, "expected an integer in 17..1000");
            c.catalogue_items = v.get<std::size_t>();
        } else if (name == "region") {
            if (!v.is_string() || v.get<std::string>().size() != 6) throw bad(at, "expected a GB/T 2260 code");
            c.region = v.get<std::string>();
        } else if (name == "max_body_bytes") {
            if (!v.is_number_unsigned() || v.get<std::uint64_t>() < 1024) throw bad(at, "expected an integer >= 1024");
            c.max_body_bytes = v.get<std::size_t>();
        } else if (name == "signature_window_s") {
            if (!v.is_number_unsigned() || v.get<std::uint64_t>() < 1 || v.get<std::uint64_t>() > 86400)
                throw bad(at, "expected an integer in 1..86400");
            c.signature_window = std::chrono::seconds(v.get<std::int64_t>());
        } else if (name == "profiles") {
            if (!v.is_object()) throw bad(at, "expected an object");
            for (const auto& [backend, p] : v.items()) {
                bool known = false;
                for (auto b : k_backends) known = known || b == backend;
                if (!known) throw bad(at + "/" + backend, "unknown back end (identity, catalogue, applications, payments, licences, evaluations, terminals)");
                try {
                    c.profiles.insert_or_assign(backend, services::ServiceProfile::from_json(p));
                } catch (const std::invalid_argument& e) {
                    throw bad(at + "/" + backend, e.what());
                }
            }
        } else {
            throw bad(at, "unknown member");
        }
    }
    return c;
}

State::State(Config config)
    : m_config(std::move(config)),
      audit(m_config.calendar),
      verifier(m_config.calendar, m_config.signature_window),
      catalogue(services::catalogue::Catalogue::generate(
          m_config.seed, m_config.catalogue_items,
          services::catalogue::GenerateOptions{.region = m_config.region})),
      applications(services::applications::Config{.calendar = m_config.calendar}),
      terminals(audit),
      identity(m_config.population ? m_config.population : default_population(), identity_config(m_config)),
      payments(services::payments::Config{.calendar = m_config.calendar}),
      licences(m_config.calendar),
      evaluations(services::evaluations::Config{.calendar = m_config.calendar}) {
    for (const auto& k : m_config.keys) add_key(k);
}

void State::add_key(const KeyEntry& key) {
    verifier.add_key(key.key_id, key.secret);  // validates
    m_keys.insert_or_assign(key.key_id, key);
}

const KeyEntry* State::key(std::string_view key_id) const {
    auto it = m_keys.find(key_id);
    return it == m_keys.end() ? nullptr : &it->second;
}

const std::string* State::terminal_of(std::string_view key_id) const {
    auto it = m_bindings.find(key_id);
    return it == m_bindings.end() ? nullptr : &it->second;
}

void State::bind(std::string key_id, std::string terminal_id) {
    m_bindings.insert_or_assign(std::move(key_id), std::move(terminal_id));
}

const services::ServiceProfile* State::profile(std::string_view backend) const {
    auto it = m_config.profiles.find(backend);
    return it == m_config.profiles.end() ? nullptr : &it->second;
}

}  // namespace kiosktwin::server
