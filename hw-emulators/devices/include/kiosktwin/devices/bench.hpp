// A bench: kiosks and the devices each one has, as a JSON file
// (scenarios/bench-default.json). The live host serves a bench on real ports;
// the twin drives one in virtual time.
//
//   {"name": "...", "seed": 1, "port_base": 9090,
//    "kiosks": [{"id": "kiosk-1", "devices": [
//        {"name": "idcard",  "kind": "idcard_reader", "config": {"baud": 115200}},
//        {"name": "receipt", "kind": "receipt_printer", "port": 9100}, ...]}]}
//
// Ports, unless a device names its own: the control API listens on
// port_base; kiosk k (1-based) uses port_base + 10k for its receipt printer,
// + 1 for its A4 printer (IPP) and + 2 for its local device service (cameras
// and status devices). With the default base 9090, kiosk 1's receipt printer
// is on 9100, as a real one is.
#pragma once

#include <kiosktwin/devices/device.hpp>
#include <kiosktwin/devices/registry.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace kiosktwin::devices {

struct DeviceSpec {
    std::string name;  ///< unique within its kiosk; the device id is "<kiosk>/<name>"
    std::string kind;
    nlohmann::json config = nlohmann::json::object();
    std::optional<std::uint16_t> port{};  ///< TCP or HTTP devices: an explicit port
};

struct KioskSpec {
    std::string id;
    std::vector<DeviceSpec> devices;
};

/// Every problem of a bench file, each "JSON path: message".
class BenchError : public std::invalid_argument {
public:
    explicit BenchError(std::vector<std::string> problems);
    const std::vector<std::string>& problems() const noexcept { return m_problems; }

private:
    std::vector<std::string> m_problems;
};

struct BenchSpec {
    std::string name = "bench";
    std::string description;
    std::uint64_t seed = 1;
    std::uint16_t port_base = 9090;
    std::vector<KioskSpec> kiosks;

    /// Parses and checks a bench document: kinds exist, configs are valid,
    /// names are unique, ports fit. Throws BenchError listing every problem.
    static BenchSpec from_json(const nlohmann::json& doc);
    nlohmann::json to_json() const;
    /// The first kiosk repeated n times as kiosk-1 .. kiosk-n.
    BenchSpec with_kiosks(int n) const;

    std::uint16_t control_port() const noexcept { return port_base; }
    /// The default port of a device kind's service at kiosk `index` (0-based).
    std::uint16_t default_port(std::size_t kiosk_index, const DeviceKind& kind) const noexcept;
};

/// The devices of a bench, built. Each device's seed derives from the bench
/// seed and the device id, so adding a device changes no other device's draws.
class DeviceSet {
public:
    struct Entry {
        std::string kiosk;
        std::size_t kiosk_index;
        DeviceSpec spec;
        const DeviceKind* kind;
        std::unique_ptr<Device> device;
    };

    explicit DeviceSet(const BenchSpec& bench);
    std::vector<Entry>& entries() noexcept { return m_entries; }
    const std::vector<Entry>& entries() const noexcept { return m_entries; }
    Device* find(std::string_view id) const noexcept;

private:
    std::vector<Entry> m_entries;
};

}  // namespace kiosktwin::devices
