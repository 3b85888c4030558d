// The platform inside the twin: one gateway (server::State) whose request
// handler kiosks call in process, in virtual time, through the network link
// model — the counterpart of `kiosktwin gateway` behind the live link proxy.
//
// Each call is one TCP connection through the kiosk's link (link::Link, the
// same model as the live Toxiproxy-compatible proxy): the request's bytes
// cross upstream; the handler runs when the last byte arrives, at that
// virtual instant; the back ends' latency passes; the response crosses
// downstream. A toxic that holds, drops or resets either direction shows the
// kiosk what it would show live: a timeout, a reset, a refusal — and a
// response lost after the gateway acted is a change the kiosk must retry
// under the same idempotency key (exactly once).
//
// A gateway crash (crash_for) refuses connections for a while and resets the
// ones in flight; the state survives, as the live gateway's journal makes it
// survive: everything the handler acknowledged was durable before its
// response left.
#pragma once

#include <kiosktwin/kiosk/gateway_client.hpp>
#include <kiosktwin/link/link.hpp>
#include <kiosktwin/server/http.hpp>
#include <kiosktwin/server/state.hpp>
#include <kiosktwin/sim/simulation.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace kiosktwin::world {

class VirtualGateway {
public:
    VirtualGateway(sim::Simulation& sim, server::Config config);
    VirtualGateway(const VirtualGateway&) = delete;
    VirtualGateway& operator=(const VirtualGateway&) = delete;

    server::State& state() noexcept { return m_state; }
    sim::Simulation& sim() noexcept { return m_sim; }

    /// Adds a kiosk key (each kiosk registers with its own).
    void add_kiosk_key(const std::string& key_id);
    /// The platform's own calls (departments, the payment channel): an admin
    /// request handled now, with no link in between.
    nlohmann::json admin(std::string_view method, std::string target, nlohmann::json body = nullptr);

    /// The gateway process dies now and is back after `downtime`.
    void crash_for(sim::Duration downtime);
    bool up() const noexcept { return m_sim.now() >= m_down_until; }
    /// How many crashes so far: a call that began before a crash and ends
    /// after it lost its connection.
    std::uint64_t crashes() const noexcept { return m_crashes; }

    std::uint64_t calls() const noexcept { return m_calls; }

private:
    sim::Simulation& m_sim;
    server::State m_state;
    sim::Time m_down_until{};
    std::uint64_t m_crashes = 0;
    std::uint64_t m_calls = 0;
    friend class VirtualGatewayTransport;
};

/// One kiosk's way to the gateway: its key, and its network link (null = a
/// perfect link).
class VirtualGatewayTransport final : public kiosk::GatewayTransport {
public:
    VirtualGatewayTransport(VirtualGateway& gateway, std::string key_id, link::Link* link = nullptr);
    ~VirtualGatewayTransport() override;

    sim::Simulation& sim() noexcept override { return m_gateway.sim(); }
    sim::Process<kiosk::GatewayReply> send(const kiosk::GatewayRequest& request, sim::Duration timeout) override;

    link::Link* link() noexcept { return m_link; }

private:
    struct Sink;
    server::Request make(const kiosk::GatewayRequest& r) const;
    kiosk::GatewayReply reply_of(server::Response&& r) const;
    VirtualGateway& m_gateway;
    std::string m_key_id;
    link::Link* m_link;
};

}  // namespace kiosktwin::world
