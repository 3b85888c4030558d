#include <kiosktwin/devices/registry.hpp>

#include <functional>

namespace kiosktwin::devices {

using nlohmann::json;

const char* to_string(Transport t) noexcept {
    switch (t) {
    case Transport::serial: return "serial";
    case Transport::tcp: return "tcp";
    case Transport::http: return "http";
    }
    return "?";
}

namespace {

using Factory = std::function<std::unique_ptr<Device>(std::string id, std::uint64_t seed, const json& config)>;

struct Entry {
    DeviceKind info;
    Factory make;
};

// The device families register here as they land.
const std::vector<Entry>& table() {
    static const std::vector<Entry> t{};
    return t;
}

}  // namespace

const std::vector<DeviceKind>& device_kinds() {
    static const std::vector<DeviceKind> kinds = [] {
        std::vector<DeviceKind> k;
        for (const auto& e : table()) k.push_back(e.info);
        return k;
    }();
    return kinds;
}

const DeviceKind* find_kind(std::string_view kind) noexcept {
    for (const auto& k : device_kinds())
        if (k.kind == kind) return &k;
    return nullptr;
}

std::unique_ptr<Device> make_device(std::string_view kind, std::string id, std::uint64_t seed, const json& config) {
    for (const auto& e : table())
        if (e.info.kind == kind) return e.make(std::move(id), seed, config.is_null() ? json::object() : config);
    throw std::invalid_argument("unknown device kind \"" + std::string(kind) + "\"");
}

}  // namespace kiosktwin::devices
