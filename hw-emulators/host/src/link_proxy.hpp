// The live host of the link model: real TCP proxies whose every byte goes
// through link::Connection, and Toxiproxy's API over them.
//
// For each proxy (link::Link) an acceptor listens at its listen address. An
// accepted client opens a Connection, then the proxy dials the upstream; what
// either socket reads is fed to the connection, and what the connection
// delivers (data, half-close, close, reset) is written to the other socket.
// The connection's next_wakeup() arms one timer per connection. Reading a
// source pauses while its direction holds more than a high-water mark (in the
// toxics or in the destination's write queue) and resumes below a low one, so
// a slow toxic or a slow reader never makes the proxy buffer without bound.
//
// Everything runs on the host's one thread (the io_context of LiveHost).
// Only this file and the LiveHost touch sockets; the model is the same code
// the twin runs in virtual time.
#pragma once

#include <kiosktwin/link/toxiproxy_api.hpp>
#include <kiosktwin/sim/time.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace boost::asio {
class io_context;
}

namespace kiosktwin::host::detail {

class Session;

struct LinkProxyOptions {
    std::uint64_t seed = 1;           ///< master seed: each link's stream is derived from it and the link's name
    link::CivilWeek week{};           ///< places daily schedules in local civil time
    std::function<sim::Time()> now;   ///< live time
    std::function<std::chrono::steady_clock::time_point(sim::Time)> wall;  ///< live time → steady clock
    std::function<void(const std::string&)> log;
};

class LinkProxy final : public link::Listeners {
public:
    LinkProxy(boost::asio::io_context& io, LinkProxyOptions options);
    ~LinkProxy() override;
    LinkProxy(const LinkProxy&) = delete;
    LinkProxy& operator=(const LinkProxy&) = delete;

    link::ProxyTable& table() noexcept;

    /// One request of the Toxiproxy API; afterwards every open connection is
    /// brought up to date (a removed toxic releases what it held at once).
    link::ApiResponse handle(const link::ApiRequest& request);
    /// POST /populate with `proxies` (a JSON array); throws std::runtime_error
    /// with Toxiproxy's message if it fails.
    void populate(const nlohmann::json& proxies);

    /// Every proxy: {"name", "listen", "upstream", "enabled", "toxics"}.
    nlohmann::json proxies_json() const;

    /// Stops every listener and closes every connection.
    void shutdown() noexcept;

    // link::Listeners
    std::string start(link::Link& l) override;
    void stop(link::Link& l) noexcept override;

private:
    friend class Session;
    struct Impl;
    std::unique_ptr<Impl> m;
};

/// "host:port" → host and port; throws std::runtime_error naming the address.
std::pair<std::string, std::uint16_t> split_host_port(const std::string& address);

}  // namespace kiosktwin::host::detail
