// A small HTTP/1.1 server (Boost.Beast, in http_server.cpp only: Beast is
// slow to compile). It turns each request into a devices::HttpRequest, hands
// it to an asynchronous handler, and writes the devices::HttpResponse the
// handler gives back. Keep-alive, chunked bodies and "Expect: 100-continue"
// (which CUPS sends) are handled; bodies are capped.
#pragma once

#include <kiosktwin/devices/device.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace kiosktwin::host::detail {

using Reply = std::function<void(devices::HttpResponse)>;
using HttpHandler = std::function<void(devices::HttpRequest, Reply)>;

class HttpServer {
public:
    /// Listens on address:port (port 0 = any free port). Throws
    /// std::runtime_error with the reason if it cannot bind.
    HttpServer(boost::asio::io_context& io, const std::string& address, std::uint16_t port, HttpHandler handler,
               std::function<void(const std::string&)> log);
    ~HttpServer();
    HttpServer(const HttpServer&) = delete;
    HttpServer& operator=(const HttpServer&) = delete;

    std::uint16_t port() const;
    /// Stops accepting and closes open connections.
    void stop();

private:
    struct Impl;
    std::shared_ptr<Impl> m;
};

}  // namespace kiosktwin::host::detail
