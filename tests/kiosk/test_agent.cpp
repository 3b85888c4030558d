// The management agent (R-7.3-1, R-8.4-1 terminal group): registration,
// heartbeats with peripheral status and consumables, remote commands
// (restart, update the item list, notice, lock), masked log upload.
#include "kiosk_support.hpp"

#include <catch2/catch.hpp>

namespace kiosk_agent_test {

using namespace kiosk_test;
using nlohmann::json;

namespace {

void command(Bench& b, std::string_view kind, json args = json::object()) {
    json body = {{"kind", kind}, {"args", std::move(args)}};
    json r = b.gateway.admin("POST", "/admin/v1/terminals/" + b.rig.terminal_id() + "/commands", std::move(body));
    REQUIRE(r.value("code", -1) == 0);
}

const services::terminals::Terminal& terminal(Bench& b) {
    const auto* t = b.gateway.state().terminals.find(b.rig.terminal_id());
    REQUIRE(t != nullptr);
    return *t;
}

}  // namespace

TEST_CASE("the agent registers the kiosk and its peripherals, then heartbeats [R-7.3-1][R-8.4-1]", "[agent][R-7.3-1][R-8.4-1]") {
    Bench b;
    const auto& t = terminal(b);
    CHECK(t.peripherals.size() == 6);
    b.sim.run_until(b.sim.now() + 5min);
    CHECK(b.rig.kiosk().counters().heartbeats >= 5);
    CHECK(b.rig.kiosk().counters().heartbeats_failed == 0);
    REQUIRE(t.last_heartbeat);
    for (const auto& p : t.peripherals) {
        INFO(p.id);
        CHECK(p.state == services::terminals::PeripheralState::ok);
    }
    // Consumables the drivers learnt reach the platform.
    CHECK_FALSE(t.consumables.empty());
}

TEST_CASE("peripheral faults reach the platform with the next heartbeat [R-7.2-1]", "[agent][R-7.2-1]") {
    Bench b;
    REQUIRE(b.rig.act("receipt_printer", {{"action", "inject_fault"}, {"fault", "cover_open"}, {"trigger", "now"}}).ok);
    b.sim.run_until(b.sim.now() + 3min);
    const auto* p = terminal(b).peripheral("receipt_printer-1");
    REQUIRE(p != nullptr);
    CHECK(p->state == services::terminals::PeripheralState::fault);
    CHECK(p->detail.find("cover-open") != std::string::npos);
    CHECK(terminal(b).current.status == "degraded");
}

TEST_CASE("remote lock and unlock; a notice shows on the home page [R-7.3-1]", "[agent][R-7.3-1]") {
    Bench b;
    command(b, "publish_notice", {{"text", "系统将于今晚22:00维护"}});
    command(b, "lock");
    b.sim.run_until(b.sim.now() + 2min);
    CHECK(b.rig.kiosk().locked());
    CHECK(b.rig.ui().screen().prompt == kiosk::Prompt::out_of_service);
    CHECK(b.rig.ui().screen().notice == "系统将于今晚22:00维护");
    // A citizen cannot start a session on a locked kiosk.
    b.rig.ui().touch({"service.handle", {}});
    b.sim.run_until(b.sim.now() + 30s);
    CHECK(b.outcomes.empty());
    CHECK(b.rig.kiosk().counters().sessions == 0);
    command(b, "unlock");
    b.sim.run_until(b.sim.now() + 2min);
    CHECK_FALSE(b.rig.kiosk().locked());
    CHECK(b.rig.ui().screen().prompt == kiosk::Prompt::choose_service);
    // Every command delivered was acknowledged.
    b.sim.run_until(b.sim.now() + 2min);
    for (const auto& c : terminal(b).commands) {
        INFO(services::terminals::to_string(c.kind));
        CHECK(c.result == "ok");
    }
}

TEST_CASE("update_items: the kiosk takes the catalogue delta; a suspended item leaves its list [R-7.3-1][R-6.4-1]",
          "[agent][R-7.3-1]") {
    Bench b;
    auto snap = b.rig.kiosk().catalogue().snapshot();
    REQUIRE(snap);
    const std::string code = snap->items.front().code;
    json body = {{"trigger", "department_request"}, {"reason", "系统升级"}};
    REQUIRE(b.gateway.admin("POST", "/admin/v1/items/" + code + "/suspend", std::move(body)).value("code", -1) == 0);
    command(b, "update_items");
    b.sim.run_until(b.sim.now() + 3min);
    CHECK(b.rig.kiosk().catalogue().version() == b.gateway.state().catalogue.version());
    CHECK(b.rig.kiosk().catalogue().snapshot()->find(code) == nullptr);
    CHECK(b.rig.kiosk().catalogue().snapshot()->items.size() == snap->items.size() - 1);
}

TEST_CASE("a remote restart reboots between sessions; the log is uploaded masked [R-7.3-1][R-9.3-1]",
          "[agent][R-7.3-1][R-9.3-1]") {
    Bench b;
    const auto* item = b.item([](const kiosk::KioskItem& it) {
        return !it.anonymous() && it.cross_modes.empty() && it.fee_fen == 0 && it.situations.empty() && it.auth != "in_person";
    });
    REQUIRE(item != nullptr);
    kiosk::CitizenScript script;
    script.zone = item->zone;
    script.item_code = item->code;
    const auto who = identity(residents()[30]);
    auto o = b.serve(who, script);
    REQUIRE(o);
    const auto boots = b.rig.kiosk().counters().boots;
    command(b, "restart");
    b.sim.run_until(b.sim.now() + 3min);
    CHECK(b.rig.kiosk().counters().boots == boots + 1);
    CHECK(b.rig.kiosk().registered());
    // Logs go up every log_upload_every heartbeats.
    b.sim.run_until(b.sim.now() + b.rig.kiosk().config().heartbeat * (b.rig.kiosk().config().log_upload_every + 1));
    const auto& logs = terminal(b).logs;
    REQUIRE_FALSE(logs.empty());
    std::string all;
    for (const auto& l : logs) all += l.content;
    CHECK(all.find("session 1") != std::string::npos);
    CHECK(all.find(who.id_number) == std::string::npos);
    CHECK(b.rig.kiosk().counters().log_uploads >= 1);
}

}  // namespace kiosk_agent_test
