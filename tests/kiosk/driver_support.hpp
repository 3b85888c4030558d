// What every driver test does with its simulation: run one driver call to
// its end (and no further), run one to its end and say how long it took,
// do something at a later instant, and act on the device model.
#pragma once

#include <kiosktwin/kiosk/device_host.hpp>
#include <kiosktwin/sim/simulation.hpp>

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <utility>

namespace driver_test {

using namespace kiosktwin;

/// Runs one driver call to its end, and no further: later device wakeups stay queued.
template <class T>
T run_to_end(sim::Simulation& s, sim::Process<T> p) {
    auto h = s.spawn(std::move(p));
    while (!h.done() && s.step()) {
    }
    REQUIRE(h.done());
    return h.result();
}

/// Runs one driver call with whatever else is scheduled (until the
/// simulation is idle, or `horizon` from now) and returns its result and
/// how long it took.
template <class T>
std::pair<T, sim::Duration> run_timed(sim::Simulation& s, sim::Process<T> p,
                                      sim::Duration horizon = sim::Duration::zero()) {
    const sim::Time start = s.now();
    auto h = s.spawn([](sim::Simulation& sm, sim::Process<T> op) -> sim::Process<std::pair<T, sim::Time>> {
        T v = co_await std::move(op);
        co_return std::pair<T, sim::Time>{std::move(v), sm.now()};
    }(s, std::move(p)));
    if (horizon > sim::Duration::zero()) s.run_until(s.now() + horizon);
    else s.run();
    REQUIRE(h.done());
    auto [v, end] = h.result();
    return {std::move(v), end - start};
}

/// Does `f` at now + `when` (a citizen, a technician, a cable pulled).
template <class F>
void at(sim::Simulation& s, sim::Duration when, F f) {
    s.spawn([](sim::Simulation& sm, sim::Duration d, F fn) -> sim::Process<> {
        co_await sm.delay(d);
        fn();
    }(s, when, std::move(f)));
}

/// A physical action or control request that must succeed; its data.
inline nlohmann::json act(kiosk::VirtualDeviceHost& host, devices::Device& d, const nlohmann::json& action) {
    const devices::ActionResult r = host.act(d, action);
    INFO(action.dump() << ": " << r.error);
    REQUIRE(r.ok);
    return r.data;
}

/// Injects a fault rule ({"fault", "trigger", ...}); the rule's id.
inline std::string inject(kiosk::VirtualDeviceHost& host, devices::Device& d, nlohmann::json rule) {
    rule["action"] = "inject_fault";
    return act(host, d, rule).value("id", std::string());
}

}  // namespace driver_test
