// Shared set-up for the kiosk stack's flow tests: a simulation, an
// in-process gateway, one kiosk rig, residents who can use it, and a
// citizen runner that returns the session's outcome.
#pragma once

#include <kiosktwin/kiosk/citizen.hpp>
#include <kiosktwin/services/population.hpp>
#include <kiosktwin/world/kiosk_rig.hpp>
#include <kiosktwin/world/scripted_citizens.hpp>
#include <kiosktwin/world/virtual_gateway.hpp>

#include <optional>
#include <string>
#include <vector>

namespace kiosk_test {

using namespace kiosktwin;
using namespace std::chrono_literals;

/// Residents of the default register who can be served: not held, card
/// valid on the scenario's first day.
inline const std::vector<services::Resident>& residents() {
    static const auto r = world::servable(world::default_residents(), {2026, 6, 1});
    return r;
}

inline kiosk::CitizenIdentity identity(const services::Resident& r) { return world::identity_of(r); }

struct Bench {
    explicit Bench(world::KioskRigOptions options = {}, server::Config config = {})
        : gateway(sim, std::move(config)), rig(sim, gateway, std::move(options)) {
        rig.kiosk().session_ended.connect([this](const kiosk::SessionOutcome& o) { outcomes.push_back(o); });
        rig.start();
        sim.run_until(sim.now() + 5s);  // boot: register, catalogue, device polls
    }

    /// Runs one citizen to the end (or `limit`) and returns the outcome of
    /// the session they started, if one was recorded.
    std::optional<kiosk::SessionOutcome> serve(const kiosk::CitizenIdentity& who, const kiosk::CitizenScript& script,
                                               sim::Duration limit = 30min) {
        const std::size_t before = outcomes.size();
        auto p = sim.spawn(kiosk::run_citizen(rig.ui(), rig.hands(), who, script, limit));
        sim.run_until(sim.now() + limit);
        last = p.done() ? std::optional(p.result()) : std::nullopt;
        if (outcomes.size() == before) return std::nullopt;
        return outcomes.back();
    }

    /// An offered item whose fields pass `pred`.
    template <class Pred>
    const kiosk::KioskItem* item(Pred pred) {
        auto snap = rig.kiosk().catalogue().snapshot();
        if (!snap) return nullptr;
        for (const auto& it : snap->items)
            if (pred(it)) return &it;
        return nullptr;
    }

    sim::Simulation sim;
    world::VirtualGateway gateway;
    world::KioskRig rig;
    std::vector<kiosk::SessionOutcome> outcomes;
    std::optional<kiosk::CitizenResult> last;
};

}  // namespace kiosk_test
