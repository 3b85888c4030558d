#include <kiosktwin/kiosk/virtual_channels.hpp>

#include <kiosktwin/sim/conditions.hpp>

namespace kiosktwin::kiosk {

VirtualStreamChannel::VirtualStreamChannel(VirtualDeviceHost& host, devices::StreamDevice& device)
    : m_host(host), m_device(device), m_sim(host.simulation()) {
    m_host.add(device);
}

ChannelError VirtualStreamChannel::write(ByteView bytes) {
    if (m_down != ChannelError::none) return m_down;
    m_stats.bytes_out += bytes.size();
    m_host.write(m_device, bytes);
    return ChannelError::none;
}

sim::Process<ChannelError> VirtualStreamChannel::wait_input(sim::Time deadline) {
    ++m_stats.waits;
    if (m_down != ChannelError::none) co_return m_down;
    const std::size_t before = input().size();
    const bool arrived = co_await m_host.wait_input(m_device, deadline);
    if (m_down != ChannelError::none) {
        input().clear();  // what came while the cable was out never reached the kiosk
        co_return m_down;
    }
    if (!arrived) {
        ++m_stats.timeouts;
        co_return ChannelError::timeout;
    }
    const std::size_t after = input().size();
    if (after > before) m_stats.bytes_in += after - before;
    co_return ChannelError::none;
}

void VirtualStreamChannel::discard_input() {
    // What the device is still transmitting arrives later; a real flush
    // (tcflush) drops only what is already in the buffer, as here.
    input().clear();
}

void VirtualStreamChannel::break_line(ChannelError why) {
    m_down = why == ChannelError::none ? ChannelError::reset : why;
    input().clear();
    m_host.wake(m_device);  // a driver waiting on the line hears of it now
}

sim::Process<ChannelError> VirtualStreamChannel::reopen(sim::Duration timeout) {
    if (m_unplugged) {
        co_await m_sim.delay(timeout);
        co_return ChannelError::refused;
    }
    m_down = ChannelError::none;
    input().clear();
    co_return ChannelError::none;
}

VirtualHttpChannel::VirtualHttpChannel(VirtualDeviceHost& host, devices::HttpDevice& device)
    : m_host(host), m_device(device), m_sim(host.simulation()), m_prefix(device.path_prefix()) {
    m_host.add(device);
}

sim::Process<HttpResult> VirtualHttpChannel::request(devices::HttpRequest request, sim::Duration timeout) {
    if (m_unplugged) co_return HttpResult{ChannelError::refused, {}};
    m_stats.bytes_out += request.body.size() + request.target.size();
    devices::HttpResponse r = m_device.handle(m_sim.now(), request);
    m_host.poke(m_device);
    if (r.delay > timeout) {
        ++m_stats.timeouts;
        co_await m_sim.delay(timeout);
        co_return HttpResult{ChannelError::timeout, {}};
    }
    if (r.delay > sim::Duration::zero()) co_await m_sim.delay(r.delay);
    if (m_unplugged) co_return HttpResult{ChannelError::reset, {}};
    m_stats.bytes_in += r.body.size();
    co_return HttpResult{ChannelError::none, std::move(r)};
}

}  // namespace kiosktwin::kiosk
