// A small asynchronous HTTP/1.1 client on an io_context (Boost.Beast, in
// http_client.cpp only: Beast is slow to compile). One keep-alive connection
// to one host:port, one request at a time, the rest queued in order. Each
// request's callback runs on the io thread with the response or a transport
// error as a ChannelError — never an exception. Timeouts are the caller's
// (virtual time, through the pacer): cancel() gives a request up.
//
// A request that fails on a reused keep-alive connection before any byte of
// its response came back (the server closed the idle connection) is sent
// once more on a fresh connection, as browsers and curl do.
#pragma once

#include <kiosktwin/devices/device.hpp>
#include <kiosktwin/kiosk/channel.hpp>
#include <kiosktwin/live/pacer.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace boost::asio {
class io_context;
}

namespace kiosktwin::live::detail {

/// "http://host:port/path" split; port 80 when absent.
struct Url {
    std::string host;
    std::uint16_t port = 80;
    std::string path;  ///< "" when the URL has none
};
/// Throws std::invalid_argument for anything but an http:// URL with a host.
Url parse_url(std::string_view url);
/// "host:port" split. Throws std::invalid_argument.
Url parse_host_port(std::string_view address);

class HttpClient {
public:
    using Callback = std::function<void(kiosk::ChannelError, devices::HttpResponse)>;

    HttpClient(boost::asio::io_context& io, std::string host, std::uint16_t port);
    /// Abandons every request: no callback runs afterwards.
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    /// Queues a request; returns its id for cancel().
    std::uint64_t send(devices::HttpRequest request, Callback callback);
    /// Gives a request up: its callback will not run. If it is on the wire,
    /// the connection is closed (its answer would arrive out of turn).
    void cancel(std::uint64_t id);

    const std::string& host() const noexcept;
    std::uint16_t port() const noexcept;

private:
    friend sim::Process<kiosk::HttpResult> request_in_sim(LivePacer&, HttpClient&, devices::HttpRequest, sim::Duration);
    struct Impl;
    std::shared_ptr<Impl> m;
};

/// One request through `client`, awaited in the simulation: the answer (the
/// pacer caught up when it came), or timeout once `timeout` of virtual time
/// passed (the request is then given up).
sim::Process<kiosk::HttpResult> request_in_sim(LivePacer& pacer, HttpClient& client, devices::HttpRequest request,
                                               sim::Duration timeout);

}  // namespace kiosktwin::live::detail
