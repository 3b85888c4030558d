// A kiosk::HttpChannel over real HTTP/1.1: the A4 printer's IPP endpoint and
// the local device service of the cameras, as `kiosktwin serve` hosts them
// (or a real printer, a real vendor service on 127.0.0.1).
//
// One keep-alive connection, one request at a time (the drivers never send
// two at once to one device; a second would wait its turn). The timeout is
// virtual time, kept by the simulation: when it passes the request is given
// up and the connection closed, since its late answer would be taken for the
// next request's. Transport failures are values: nothing listening is
// refused, a connection closed before the answer is closed, a reset is reset,
// no answer in time is timeout.
#pragma once

#include <kiosktwin/kiosk/channel.hpp>
#include <kiosktwin/live/pacer.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace kiosktwin::live {

namespace detail {
class HttpClient;
}

class LiveHttpChannel final : public kiosk::HttpChannel {
public:
    /// The device `name` served at http://host:port, under `prefix` ("/camera/face").
    LiveHttpChannel(LivePacer& pacer, std::string name, std::string host, std::uint16_t port, std::string prefix);
    ~LiveHttpChannel() override;

    sim::Simulation& sim() noexcept override { return m_pacer.sim(); }
    const std::string& name() const noexcept override { return m_name; }
    const std::string& prefix() const noexcept override { return m_prefix; }
    sim::Process<kiosk::HttpResult> request(devices::HttpRequest request, sim::Duration timeout) override;

private:
    LivePacer& m_pacer;
    std::string m_name;
    std::string m_prefix;
    std::unique_ptr<detail::HttpClient> m_client;
};

}  // namespace kiosktwin::live
