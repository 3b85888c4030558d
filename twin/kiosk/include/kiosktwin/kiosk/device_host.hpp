// Device models in virtual time: the twin's counterpart of the live host.
//
// Each device is woken by a kernel Timer when its model asks (next_wakeup).
// A stream device's output arrives in a receive buffer the way a USB-serial
// adapter hands bytes to a host — in slices of at most 16 ms (the FTDI
// latency timer's default) — so a 1295-byte ID read at 115200 baud costs a
// handful of events, not 1295. Kiosk-side processes talk to the devices with
//
//     auto answer = co_await host.exchange(reader, find_frame, sam_complete, 1s);
//     auto resp   = co_await host.request(face_camera, capture_request);
//
// and the models never learn they are not live.
#pragma once

#include <kiosktwin/devices/device.hpp>
#include <kiosktwin/sim/simulation.hpp>

#include <cstdint>
#include <functional>
#include <unordered_map>
#include <memory>
#include <optional>

namespace kiosktwin::kiosk {

class VirtualDeviceHost {
public:
    /// How many leading bytes of a receive buffer make one whole answer
    /// (nullopt: not yet).
    using Completion = std::function<std::optional<std::size_t>(const devices::Bytes&)>;

    explicit VirtualDeviceHost(sim::Simulation& sim);
    ~VirtualDeviceHost();
    VirtualDeviceHost(const VirtualDeviceHost&) = delete;
    VirtualDeviceHost& operator=(const VirtualDeviceHost&) = delete;

    /// Starts driving `d` (which must outlive the host).
    void add(devices::Device& d);
    /// Reschedules `d` after input given to it directly (an action).
    void poke(devices::Device& d);

    /// Writes `request` to a stream device and waits until `complete` finds a
    /// whole answer in what has arrived, or `timeout` passes. Returns the
    /// answer (removed from the buffer), or what arrived by the timeout.
    sim::Process<devices::Bytes> exchange(devices::StreamDevice& d, devices::Bytes request, Completion complete,
                                          sim::Duration timeout);
    /// Sends an HTTP request to a device and waits for its answer (its delay).
    sim::Process<devices::HttpResponse> request(devices::HttpDevice& d, devices::HttpRequest request);
    /// The byte-level face the kiosk's StreamChannel uses (VirtualStreamChannel):
    /// hands bytes to the device now...
    void write(devices::StreamDevice& d, devices::ByteView bytes);
    /// ...what has arrived from it and not been consumed...
    devices::Bytes& input(devices::StreamDevice& d);
    /// ...and waits until more arrives (true) or `deadline` passes (false).
    /// One waiter per device (the driver that owns the line).
    sim::Process<bool> wait_input(devices::StreamDevice& d, sim::Time deadline);
    /// Wakes the process waiting on `d`'s input now, as if bytes had come
    /// (a cable pulled: the driver must hear of it at once).
    void wake(devices::StreamDevice& d);

    /// Performs a physical action and reschedules the device.
    devices::ActionResult act(devices::Device& d, const nlohmann::json& action);

    sim::Simulation& simulation() noexcept { return m_sim; }

    /// Exchanges, requests and actions so far.
    std::uint64_t operations() const noexcept { return m_operations; }
    /// Bytes written to devices and read back from them.
    std::uint64_t bytes() const noexcept { return m_bytes; }

private:
    struct Entry;
    Entry& entry(devices::Device& d);
    sim::Simulation& m_sim;
    std::unordered_map<devices::Device*, std::unique_ptr<Entry>> m_entries;
    std::uint64_t m_operations = 0;
    std::uint64_t m_bytes = 0;
};

}  // namespace kiosktwin::kiosk
