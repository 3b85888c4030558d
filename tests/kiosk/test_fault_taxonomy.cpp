// Every device fault of the taxonomy (peripherals.md §3.1), held from before
// the session: the kiosk's drivers see it, the session takes the stated
// degradation or fails with a reason naming the device, and exactly one
// outcome is recorded, with the session store wiped (R-7.2-1, R-7.2-2, R-9.1-1).
#include "kiosk_support.hpp"

#include <catch2/catch.hpp>

namespace kiosk_fault_taxonomy_test {

using namespace kiosk_test;

namespace {

struct Case {
    std::string kind;
    std::string fault;
};

std::vector<Case> taxonomy() {
    sim::Simulation sim;
    world::VirtualGateway gw(sim, {});
    world::KioskRig rig(sim, gw, {});
    std::vector<Case> out;
    for (std::string_view kind : kiosk::k_driven_kinds)
        for (const auto& f : rig.device(kind)->faults().known_faults()) out.push_back({std::string(kind), f});
    return out;
}

}  // namespace

TEST_CASE("each device fault leads to its degradation and one recorded outcome [R-7.2-1][R-7.2-2]",
          "[degradation][taxonomy][R-7.2-1][R-7.2-2][R-9.1-1]") {
    static const std::vector<Case> cases = taxonomy();
    REQUIRE(cases.size() > 40);
    for (const Case& c : cases) {
        DYNAMIC_SECTION(c.kind << " " << c.fault) {
            Bench b;
            // A 即办 item (certificate printed on A4) that needs no document camera.
            const auto* item = b.item([](const kiosk::KioskItem& it) {
                return !it.anonymous() && it.cross_modes.empty() && it.fee_fen == 0 && it.situations.empty() &&
                       it.auth != "in_person" && it.depth == "full" &&
                       std::find(it.peripherals.begin(), it.peripherals.end(), "document_camera") == it.peripherals.end();
            });
            REQUIRE(item != nullptr);
            auto r = b.rig.act(c.kind, {{"action", "inject_fault"}, {"fault", c.fault}, {"trigger", "now"}});
            REQUIRE(r.ok);
            b.sim.run_until(b.sim.now() + b.rig.kiosk().config().device_poll + 1s);
            const kiosk::Driver* d = nullptr;
            for (const auto* x : b.rig.kiosk().drivers())
                if (x->kind() == c.kind) d = x;
            REQUIRE(d != nullptr);
            const bool down = !d->usable();
            auto who = identity(residents()[40]);
            who.eid_payload = b.gateway.state().identity.issue_eid_qr(who.id_number, b.sim.now() + 24h);
            kiosk::CitizenScript script;
            script.zone = item->zone;
            script.item_code = item->code;
            auto o = b.serve(who, script);
            REQUIRE(o);
            INFO(o->to_json().dump() << " driver " << devices::to_string(d->status().health));
            CHECK(b.outcomes.size() == 1);
            CHECK_FALSE(b.rig.store().open_session);
            CHECK(b.rig.store().session_data.empty());
            CHECK(b.rig.store().temp_files.empty());
            const auto degraded = [&](std::string_view what) {
                return std::find(o->degradations.begin(), o->degradations.end(), what) != o->degradations.end();
            };
            if (o->kind == kiosk::OutcomeKind::completed) continue;
            if (down && c.kind == "idcard_reader") CHECK(o->login != "id_card");
            if (down && c.kind == "receipt_printer") CHECK(degraded("receipt_printer:e-receipt"));
            if (down && c.kind == "a4_printer") CHECK((degraded("a4_printer:e-certificate") || !o->submitted));
            if (down && c.kind == "face_camera") CHECK(o->reason.rfind("face_camera:", 0) == 0);
            // Whatever else happened, the record says why, naming the device
            // or what the citizen met.
            if (o->kind == kiosk::OutcomeKind::failed || o->kind == kiosk::OutcomeKind::abandoned) CHECK_FALSE(o->reason.empty());
            if (o->kind == kiosk::OutcomeKind::completed_degraded) CHECK_FALSE(o->degradations.empty());
        }
    }
}

}  // namespace kiosk_fault_taxonomy_test
