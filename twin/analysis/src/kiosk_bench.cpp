#include <kiosktwin/analysis/kiosk_bench.hpp>

#include <kiosktwin/world/kiosk_rig.hpp>
#include <kiosktwin/world/scripted_citizens.hpp>
#include <kiosktwin/world/virtual_gateway.hpp>

#include <stdexcept>

namespace kiosktwin::analysis {

namespace {

sim::Process<void> crowd(world::KioskRig& rig, world::ScriptedCitizens& draw, std::uint64_t sessions, std::uint64_t& done) {
    sim::Simulation& sim = rig.sim();
    while (!rig.kiosk().catalogue().snapshot()) co_await sim.delay(std::chrono::seconds(1));
    for (std::uint64_t i = 0; i < sessions; ++i) {
        auto visit = draw.next(*rig.kiosk().catalogue().snapshot(), rig.gateway().state().identity, sim.now());
        co_await kiosk::run_citizen(rig.ui(), rig.hands(), visit.who, visit.script, std::chrono::hours(1));
        ++done;
    }
}

}  // namespace

KioskBenchResult run_kiosk_bench(const KioskBenchParams& p, double (*clock_s)()) {
    if (p.sessions == 0) throw std::invalid_argument("sessions must be at least 1");
    sim::Simulation sim;
    server::Config config;
    config.seed = p.seed;
    world::VirtualGateway gateway(sim, config);
    world::KioskRigOptions options;
    options.seed = p.seed;
    options.link = p.link;
    world::KioskRig rig(sim, gateway, options);
    KioskBenchResult r;
    rig.kiosk().session_ended.connect([&](const kiosk::SessionOutcome& o) {
        ++r.outcomes[kiosk::to_string(o.kind)];
        if (!o.reason.empty()) ++r.reasons[o.reason];
    });
    world::ScriptedCitizens draw(p.seed, world::servable(world::default_residents(), {2026, 6, 1}));
    rig.start();
    sim.run_until(sim.now() + std::chrono::seconds(5));  // boot
    const sim::Time t0 = sim.now();
    const std::uint64_t calls0 = gateway.calls();
    const std::uint64_t ops0 = rig.host().operations();
    const std::uint64_t bytes0 = rig.host().bytes();
    std::uint64_t done = 0;
    auto run = sim.spawn(crowd(rig, draw, p.sessions, done));
    const double w0 = clock_s();
    while (done < p.sessions) sim.run_until(sim.now() + std::chrono::hours(24));
    r.run_s = clock_s() - w0;
    r.sessions = rig.store().outcomes.size();
    r.applications = gateway.state().applications.size();
    r.gateway_calls = gateway.calls() - calls0;
    r.device_operations = rig.host().operations() - ops0;
    r.device_bytes = rig.host().bytes() - bytes0;
    r.virtual_s = std::chrono::duration<double>(sim.now() - t0).count();
    return r;
}

}  // namespace kiosktwin::analysis
