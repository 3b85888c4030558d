// Every device model by its kind name, so that bench files, the live host
// and the twin build devices from data.
#pragma once

#include <kiosktwin/devices/device.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::devices {

/// How a kind of device reaches a kiosk program (R-8.3-1).
enum class Transport {
    serial,  ///< a serial line (a pseudo-terminal when live)
    tcp,     ///< a raw TCP port
    http,    ///< behind an HTTP service
};
const char* to_string(Transport t) noexcept;

struct DeviceKind {
    std::string kind;         ///< "idcard_reader"
    std::string description;  ///< for people
    Transport transport;      ///< how it is hosted by default
    std::string service;      ///< HTTP devices: the service they share ("ipp", "local_service")
};

/// Every kind the registry can build.
const std::vector<DeviceKind>& device_kinds();
const DeviceKind* find_kind(std::string_view kind) noexcept;

/// Builds a device of `kind` with its config (an object; {} = defaults).
/// Throws std::invalid_argument naming an unknown kind or a bad config key.
std::unique_ptr<Device> make_device(std::string_view kind, std::string id, std::uint64_t seed,
                                    const nlohmann::json& config);

}  // namespace kiosktwin::devices
