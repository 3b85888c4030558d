#include <kiosktwin/live/http_channel.hpp>

#include "http_client.hpp"

namespace kiosktwin::live {

LiveHttpChannel::LiveHttpChannel(LivePacer& pacer, std::string name, std::string host, std::uint16_t port,
                                 std::string prefix)
    : m_pacer(pacer), m_name(std::move(name)), m_prefix(std::move(prefix)),
      m_client(std::make_unique<detail::HttpClient>(pacer.io(), std::move(host), port)) {}

LiveHttpChannel::~LiveHttpChannel() = default;

sim::Process<kiosk::HttpResult> LiveHttpChannel::request(devices::HttpRequest request, sim::Duration timeout) {
    m_stats.bytes_out += request.body.size() + request.target.size();
    ++m_stats.waits;
    kiosk::HttpResult r = co_await detail::request_in_sim(m_pacer, *m_client, std::move(request), timeout);
    if (r.error == kiosk::ChannelError::timeout) ++m_stats.timeouts;
    if (r.ok()) m_stats.bytes_in += r.response.body.size();
    co_return r;
}

}  // namespace kiosktwin::live
