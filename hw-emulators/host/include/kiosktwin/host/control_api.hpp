// The control API of a live bench: list devices and their state, perform
// physical actions, set consumables, inject and clear faults, read traces.
// A pure function of (request, devices, now) — the host serves it over HTTP,
// tests call it directly.
//
//   GET    /                                  what this is, and the routes
//   GET    /devices                           every device: id, kind, health, reasons
//   GET    /devices/{id}                      one device in full (state, faults, actions)
//   POST   /devices/{id}/actions              {"action": "insert_card", ...}
//   POST   /devices/{id}/faults               a fault rule: {"fault": "paper_jam", "trigger": "now"}
//   DELETE /devices/{id}/faults/{rule}        clear one rule
//   DELETE /devices/{id}/faults               clear all
//   GET    /devices/{id}/trace?limit=N        the device's recorded exchanges (newest last)
//   GET    /trace?limit=N                     every device's
//   GET    /endpoints                         where each device listens
//
// Device ids contain a slash ("kiosk-1/idcard"); they are matched whole.
// Every answer is JSON; errors are {"error": {"code", "message"}} with 400,
// 404 or 405.
#pragma once

#include <kiosktwin/devices/device.hpp>
#include <kiosktwin/devices/trace.hpp>

#include <nlohmann/json.hpp>

#include <functional>
#include <vector>

namespace kiosktwin::host {

class ControlApi {
public:
    ControlApi() = default;
    /// Devices may be added at any time before serving.
    void add_device(devices::Device* d) { m_devices.push_back(d); }
    /// Recorded exchanges to serve under /trace (may be null).
    void set_trace(const devices::MemoryTrace* trace) noexcept { m_trace = trace; }
    /// The endpoints document served under /endpoints.
    void set_endpoints(std::function<nlohmann::json()> f) { m_endpoints = std::move(f); }
    /// Called after an action or fault changed a device (the host reschedules it).
    void set_on_change(std::function<void(devices::Device&)> f) { m_on_change = std::move(f); }

    devices::HttpResponse handle(sim::Time now, const devices::HttpRequest& request);

    const std::vector<devices::Device*>& devices() const noexcept { return m_devices; }

private:
    devices::Device* find(std::string_view id) const;
    std::vector<devices::Device*> m_devices;
    const devices::MemoryTrace* m_trace = nullptr;
    std::function<nlohmann::json()> m_endpoints;
    std::function<void(devices::Device&)> m_on_change;
};

}  // namespace kiosktwin::host
