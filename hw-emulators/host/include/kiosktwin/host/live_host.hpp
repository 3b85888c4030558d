// Live hosting of device models on real ports (ARCHITECTURE.md, "host/").
//
// The host owns the sockets, pseudo-terminals and timers; the models do not
// know they are live. Everything runs on one thread (an Asio io_context), so
// the models see inputs in one well-defined order, exactly as in virtual
// time. Live time is the time since the host started (sim::Time), read from
// the monotonic clock here and nowhere in the models.
//
//   - a StreamDevice on a pseudo-terminal (ID-card reader, QR scanner), with
//     a stable symlink under the run directory (run/kiosk-1/idcard); the baud
//     rate the client sets on its side is read back and a mismatch with the
//     device's own rate garbles the bytes, as a real line would;
//   - a StreamDevice on a raw TCP port (the receipt printer on 9100);
//   - HttpDevices behind an HTTP/1.1 port, routed by path prefix (the A4
//     printer's IPP, the cameras' local service), responses held back by
//     each response's delay;
//   - a control API (HTTP + JSON) over every hosted device;
//   - network links: TCP proxies carrying each byte through the link model
//     (hw-emulators/link), driven by a Toxiproxy-compatible API (port 8474
//     by default), so a kiosk program can meet latency, loss and outages.
#pragma once

#include <kiosktwin/devices/device.hpp>
#include <kiosktwin/devices/trace.hpp>
#include <kiosktwin/link/schedule.hpp>
#include <kiosktwin/sim/time.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace kiosktwin::host {

struct HostOptions {
    /// Where symlinks to the pseudo-terminals and endpoints.json go.
    std::filesystem::path run_dir = "run";
    /// Address the TCP and HTTP listeners bind (loopback by default).
    std::string bind_address = "127.0.0.1";
    /// Receives every decoded exchange (may be null). Written on the host thread.
    devices::TraceSink* trace = nullptr;
    /// The recent exchanges the control API serves under /trace (may be null;
    /// usually one of the sinks behind `trace`).
    const devices::MemoryTrace* control_trace = nullptr;
    /// Human-readable log lines (connections, errors); may be empty.
    std::function<void(const std::string&)> log;
};

struct LinkOptions {
    /// Where the Toxiproxy-compatible API listens (0: any free port).
    std::uint16_t api_port = 8474;
    /// The proxies to start with: a Toxiproxy configuration (the JSON array
    /// POST /populate takes; each proxy may carry its "toxics").
    nlohmann::json proxies = nlohmann::json::array();
    /// Master seed of the links' random streams.
    std::uint64_t seed = 1;
    /// Places daily schedules ("every day 09:00-09:05") in local time.
    link::CivilWeek week{};
};

class LiveHost {
public:
    explicit LiveHost(HostOptions options);
    ~LiveHost();
    LiveHost(const LiveHost&) = delete;
    LiveHost& operator=(const LiveHost&) = delete;

    /// Hosts `d` on a new pseudo-terminal, reachable through the symlink
    /// run_dir/<device id> (e.g. run/kiosk-1/idcard).
    void add_serial(devices::StreamDevice& d, std::string kiosk);
    /// Hosts `d` on a TCP port (one client at a time, as a printer does).
    void add_tcp(devices::StreamDevice& d, std::string kiosk, std::uint16_t port);
    /// Serves `routes` on one HTTP port, each under its path_prefix().
    /// `service` names the endpoint ("ipp", "local_service").
    void add_http(std::string kiosk, std::string service, std::uint16_t port, std::vector<devices::HttpDevice*> routes);
    /// Serves the control API on `port`, over every device added so far and later.
    void add_control(std::uint16_t port);
    /// Runs TCP proxies through the link model and their Toxiproxy API.
    void add_links(LinkOptions options);

    /// Opens every port and pseudo-terminal and writes run_dir/endpoints.json.
    /// Throws std::runtime_error naming what failed (e.g. a port in use).
    void start();
    /// Every endpoint: kiosk, device, kind, protocol, address or pty path.
    nlohmann::json endpoints() const;
    /// Lists something hosted beside the devices (e.g. "gateway") under
    /// `name` in endpoints() and endpoints.json (rewritten at once). Call it
    /// before run(): the file is also rewritten from the I/O thread.
    void add_endpoint(std::string name, nlohmann::json value);

    /// Serves until stop() is called (from any thread) or SIGINT/SIGTERM.
    void run();
    /// Serves for at most `d` of wall time (tests), or until stopped.
    void run_for(std::chrono::milliseconds d);
    /// Asks run() to return; safe from any thread and from signal context
    /// through the host's own signal handling.
    void stop();
    /// Removes the symlinks and endpoints.json (also done by the destructor).
    void cleanup() noexcept;

    /// Live time: since start().
    sim::Time now() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m;
};

}  // namespace kiosktwin::host
