// Channels to device models in virtual time: the twin's side of channel.hpp.
//
// A VirtualStreamChannel is the serial cable or TCP socket between a driver
// and a StreamDevice model hosted by a VirtualDeviceHost (bytes paced at the
// line's baud rate, handed over in USB-serial slices); a VirtualHttpChannel
// carries HTTP requests to an HttpDevice and holds the answer for the
// device's delay. Both can be broken on purpose — a pulled cable, a socket
// reset, an unplugged device — so drivers meet the transport faults of
// peripherals.md §3.1 in virtual time as they would live.
#pragma once

#include <kiosktwin/kiosk/channel.hpp>
#include <kiosktwin/kiosk/device_host.hpp>

#include <string>

namespace kiosktwin::kiosk {

class VirtualStreamChannel final : public StreamChannel {
public:
    /// `device` must outlive the channel; `host` drives it.
    VirtualStreamChannel(VirtualDeviceHost& host, devices::StreamDevice& device);

    sim::Simulation& sim() noexcept override { return m_sim; }
    const std::string& name() const noexcept override { return m_device.id(); }
    ChannelError write(ByteView bytes) override;
    Bytes& input() noexcept override { return m_host.input(m_device); }
    sim::Process<ChannelError> wait_input(sim::Time deadline) override;
    void discard_input() override;
    bool is_open() const noexcept override { return m_down == ChannelError::none; }
    sim::Process<ChannelError> reopen(sim::Duration timeout) override;
    void set_baud(int baud) override { m_device.set_baud(baud); }

    /// The line goes down (`why`: closed or reset); a driver waiting on it
    /// hears at its next wait. Bytes in flight are lost.
    void break_line(ChannelError why);
    /// While unplugged, reopen() is refused (USB re-enumeration, a dead port).
    void set_unplugged(bool unplugged) noexcept { m_unplugged = unplugged; }

    devices::StreamDevice& device() noexcept { return m_device; }

private:
    VirtualDeviceHost& m_host;
    devices::StreamDevice& m_device;
    sim::Simulation& m_sim;
    ChannelError m_down = ChannelError::none;
    bool m_unplugged = false;
};

class VirtualHttpChannel final : public HttpChannel {
public:
    VirtualHttpChannel(VirtualDeviceHost& host, devices::HttpDevice& device);

    sim::Simulation& sim() noexcept override { return m_sim; }
    const std::string& name() const noexcept override { return m_device.id(); }
    const std::string& prefix() const noexcept override { return m_prefix; }
    sim::Process<HttpResult> request(devices::HttpRequest request, sim::Duration timeout) override;

    /// While unplugged, requests are refused (the local service is down).
    void set_unplugged(bool unplugged) noexcept { m_unplugged = unplugged; }

    devices::HttpDevice& device() noexcept { return m_device; }

private:
    VirtualDeviceHost& m_host;
    devices::HttpDevice& m_device;
    sim::Simulation& m_sim;
    std::string m_prefix;
    bool m_unplugged = false;
};

}  // namespace kiosktwin::kiosk
