// Terminal management (R-8.4-1), refusals audited (R-9.2-1), ID numbers
// masked in uploaded logs (R-9.3-1), and the status history behind 在线率 /
// 开机率 / 故障率 (R-10.1-1).
#include <catch2/catch.hpp>

#include <kiosktwin/services/audit.hpp>
#include <kiosktwin/services/terminals.hpp>

#include <chrono>
#include <string>

namespace services_terminals_test {

using namespace kiosktwin;
using namespace kiosktwin::services;
using namespace kiosktwin::services::terminals;
using api::ErrorCode;
using nlohmann::json;

namespace {

sim::Time at_s(std::int64_t s) { return sim::Time{std::chrono::seconds(s)}; }
sim::Duration secs(std::int64_t s) { return std::chrono::seconds(s); }

json reg_body(const std::string& id = "kiosk-0042") {
    return json{{"terminal_id", id},
                {"site", "深圳市民中心 B 区"},
                {"region", "440300"},
                {"key_id", "key-" + id},
                {"heartbeat_interval_s", 60},
                {"peripherals",
                 {{{"id", "idr"}, {"type", "idcard_reader"}}, {{"id", "rp"}, {"type", "receipt_printer"}}}}};
}

json hb(const std::string& status = "online") { return json{{"status", status}}; }

}  // namespace

TEST_CASE("R-8.4-1: register a terminal; malformed and duplicate registrations refused and audited",
          "[services][terminals]") {
    audit::AuditLog log;
    Registry reg(log);
    REQUIRE(reg.register_terminal(reg_body(), at_s(0)));
    const Terminal* t = reg.find("kiosk-0042");
    REQUIRE(t);
    CHECK(t->site == "深圳市民中心 B 区");
    CHECK(t->region == "440300");
    CHECK(t->key_id == "key-kiosk-0042");
    CHECK(t->interval == secs(60));
    CHECK(t->timeout() == secs(180));
    REQUIRE(t->peripherals.size() == 2);
    CHECK(t->peripherals[0].type == "idcard_reader");
    CHECK(t->peripherals[0].state == PeripheralState::absent);
    CHECK_FALSE(reg.online("kiosk-0042", at_s(0)));
    CHECK(log.find("terminal.register", "ok").size() == 1);

    auto bad = reg_body("kiosk-2");
    bad["peripherals"][1]["type"] = "toaster";
    auto o = reg.register_terminal(bad, at_s(1));
    CHECK(o.error == ErrorCode::unknown_code);
    CHECK(o.path == "/peripherals/1/type");
    bad = reg_body("kiosk 2");
    CHECK(reg.register_terminal(bad, at_s(1)).path == "/terminal_id");
    bad = reg_body("kiosk-2");
    bad["peripherals"][1]["id"] = "idr";
    CHECK(reg.register_terminal(bad, at_s(1)).path == "/peripherals/1/id");
    bad = reg_body("kiosk-2");
    bad.erase("region");
    CHECK(reg.register_terminal(bad, at_s(1)).error == ErrorCode::missing_field);
    CHECK(reg.register_terminal(reg_body(), at_s(1)).error == ErrorCode::conflict_state);
    CHECK(reg.register_terminal(json::array(), at_s(1)).error == ErrorCode::bad_field);
    CHECK(reg.size() == 1);
    CHECK(log.find("terminal.register").size() == 7);
    CHECK(log.find("terminal.register", "ok").size() == 1);
    CHECK(log.verify());
}

TEST_CASE("R-8.4-1 R-9.2-1: calls from an unregistered terminal are refused and audited", "[services][terminals]") {
    audit::AuditLog log;
    Registry reg(log);
    REQUIRE(reg.register_terminal(reg_body(), at_s(0)));
    const auto r = reg.heartbeat("kiosk-9999", hb(), at_s(10));
    CHECK(r.outcome.error == ErrorCode::auth_unregistered_terminal);
    CHECK(api::http_status(r.outcome.error) == 403);
    CHECK(r.commands.empty());
    CHECK(reg.upload_log("kiosk-9999", {{"name", "a.log"}, {"content", "x"}}, at_s(11)).error ==
          ErrorCode::auth_unregistered_terminal);
    CHECK(reg.enqueue_command("kiosk-9999", CommandKind::restart, at_s(12)).error == ErrorCode::not_found);
    const auto refused = log.find("terminal.heartbeat", "auth.unregistered_terminal");
    REQUIRE(refused.size() == 1);
    CHECK(refused[0]->actor == "kiosk-9999");
    CHECK(refused[0]->at == "2026-06-01T00:00:10+08:00");
    CHECK(log.find("terminal.log_upload", "auth.unregistered_terminal").size() == 1);
    CHECK(log.find("terminal.command.enqueue", "resource.not_found").size() == 1);
    CHECK(log.verify());

    // Malformed heartbeats from a registered terminal: refused, audited, nothing changes.
    const auto before = reg.to_json();
    CHECK(reg.heartbeat("kiosk-0042", hb("offline"), at_s(20)).outcome.path == "/status");
    CHECK(reg.heartbeat("kiosk-0042", hb("dancing"), at_s(20)).outcome.error == ErrorCode::unknown_code);
    CHECK(reg.heartbeat("kiosk-0042", {{"status", "online"}, {"peripherals", {{{"id", "nope"}, {"state", "OK"}}}}},
                        at_s(20))
              .outcome.path == "/peripherals/0/id");
    CHECK(reg.heartbeat("kiosk-0042", {{"status", "online"}, {"peripherals", {{{"id", "rp"}, {"state", "BROKEN"}}}}},
                        at_s(20))
              .outcome.path == "/peripherals/0/state");
    CHECK(reg.heartbeat("kiosk-0042", {{"status", "online"}, {"consumables", {{"paper", 120}}}}, at_s(20))
              .outcome.path == "/consumables/paper");
    CHECK(reg.heartbeat("kiosk-0042", {{"status", "online"}, {"acks", {{{"id", 7}, {"result", "ok"}}}}}, at_s(20))
              .outcome.path == "/acks/0/id");
    auto after = reg.to_json();
    after["terminals"][0]["last_call"] = before["terminals"][0]["last_call"];
    CHECK(after == before);
    CHECK(log.find("terminal.heartbeat").size() == 7);
    // Going back in time is refused.
    CHECK(reg.heartbeat("kiosk-0042", hb(), at_s(5)).outcome.error == ErrorCode::conflict_state);
}

TEST_CASE("R-8.4-1: heartbeat updates status, peripherals and consumables", "[services][terminals]") {
    audit::AuditLog log;
    Registry reg(log);
    REQUIRE(reg.register_terminal(reg_body(), at_s(0)));
    auto r = reg.heartbeat("kiosk-0042",
                           {{"status", "online"},
                            {"peripherals", {{{"id", "idr"}, {"state", "OK"}}, {{"id", "rp"}, {"state", "WARN"}, {"detail", "paper low"}}}},
                            {"consumables", {{"receipt_paper", 12}, {"toner", 80}}}},
                           at_s(30));
    REQUIRE(r.outcome);
    const Terminal* t = reg.find("kiosk-0042");
    CHECK(reg.online("kiosk-0042", at_s(30)));
    CHECK(t->current.status == "online");
    CHECK(t->peripheral("idr")->state == PeripheralState::ok);
    CHECK(t->peripheral("rp")->state == PeripheralState::warn);
    CHECK(t->peripheral("rp")->detail == "paper low");
    CHECK(t->consumables.at("receipt_paper") == 12);
    CHECK(t->consumables.at("toner") == 80);

    REQUIRE(reg.heartbeat("kiosk-0042",
                          {{"status", "degraded"},
                           {"peripherals", {{{"id", "rp"}, {"state", "FAULT"}}}},
                           {"consumables", {{"receipt_paper", 0}}}},
                          at_s(90)));
    CHECK(t->current.status == "degraded");
    CHECK(t->peripheral("idr")->state == PeripheralState::ok);  // not mentioned: kept
    CHECK(t->peripheral("rp")->state == PeripheralState::fault);
    CHECK(t->consumables.at("receipt_paper") == 0);
    CHECK(t->consumables.at("toner") == 80);  // merged
    CHECK(log.find("terminal.peripheral").size() == 3);  // idr ABSENT→OK, rp ABSENT→WARN, rp WARN→FAULT
    CHECK(log.find("terminal.state").size() == 2);       // offline→online, online→degraded
    // A heartbeat that changes nothing adds no state record.
    REQUIRE(reg.heartbeat("kiosk-0042", hb("degraded"), at_s(150)));
    CHECK(log.find("terminal.state").size() == 2);
    CHECK(log.verify());
}

TEST_CASE("R-8.4-1: remote commands are delivered once in the next heartbeat reply and acked once",
          "[services][terminals]") {
    audit::AuditLog log;
    Registry reg(log);
    REQUIRE(reg.register_terminal(reg_body(), at_s(0)));
    std::uint64_t lock_id = 0, notice_id = 0;
    REQUIRE(reg.enqueue_command("kiosk-0042", CommandKind::lock, at_s(5), {}, &lock_id));
    REQUIRE(reg.enqueue_command("kiosk-0042", CommandKind::publish_notice, at_s(6), {{"notice", "n-17"}}, &notice_id));
    CHECK(lock_id == 1);
    CHECK(notice_id == 2);

    // An ack before delivery is refused.
    CHECK(reg.heartbeat("kiosk-0042", {{"status", "online"}, {"acks", {{{"id", 1}, {"result", "ok"}}}}}, at_s(10))
              .outcome.error == ErrorCode::bad_field);

    auto r = reg.heartbeat("kiosk-0042", hb(), at_s(10));
    REQUIRE(r.outcome);
    REQUIRE(r.commands.size() == 2);
    CHECK(r.commands[0].kind == CommandKind::lock);
    CHECK(r.commands[1].args == json{{"notice", "n-17"}});
    CHECK(r.commands[0].delivered_at == at_s(10));

    r = reg.heartbeat("kiosk-0042", {{"status", "locked"}, {"acks", {{{"id", 1}, {"result", "ok"}}}}}, at_s(70));
    REQUIRE(r.outcome);
    CHECK(r.commands.empty());  // not delivered again
    const Terminal* t = reg.find("kiosk-0042");
    CHECK(t->commands[0].acked_at == at_s(70));
    CHECK(t->commands[0].result == "ok");
    CHECK_FALSE(t->commands[1].acked_at);

    // A repeated ack (say, a retried heartbeat) is ignored: acked exactly once.
    REQUIRE(reg.heartbeat("kiosk-0042",
                          {{"status", "locked"},
                           {"acks", {{{"id", 1}, {"result", "failed"}}, {{"id", 2}, {"result", "failed"}, {"detail", "bad sig"}}}}},
                          at_s(130)));
    CHECK(t->commands[0].acked_at == at_s(70));
    CHECK(t->commands[0].result == "ok");
    CHECK(t->commands[1].result == "failed");
    CHECK(log.find("terminal.command.enqueue", "ok").size() == 2);
    CHECK(log.find("terminal.command.deliver").size() == 2);
    CHECK(log.find("terminal.command.ack").size() == 2);

    REQUIRE(reg.enqueue_command("kiosk-0042", CommandKind::unlock, at_s(140)));
    r = reg.heartbeat("kiosk-0042", hb(), at_s(190));
    REQUIRE(r.commands.size() == 1);
    CHECK(r.commands[0].id == 3);
    CHECK(r.commands[0].kind == CommandKind::unlock);
}

TEST_CASE("R-8.4-1: offline after three missed heartbeats, online again on the next one", "[services][terminals]") {
    audit::AuditLog log;
    Registry reg(log);
    REQUIRE(reg.register_terminal(reg_body(), at_s(0)));
    REQUIRE(reg.heartbeat("kiosk-0042", hb(), at_s(0)));
    CHECK(reg.online("kiosk-0042", at_s(180)));  // exactly at the timeout: still in time
    CHECK_FALSE(reg.online("kiosk-0042", at_s(181)));
    REQUIRE(reg.heartbeat("kiosk-0042", hb(), at_s(180)));  // in time: no offline spell
    CHECK(log.find("terminal.state").size() == 1);

    reg.sweep(at_s(400));  // last heartbeat 180 → offline since 360
    const Terminal* t = reg.find("kiosk-0042");
    CHECK_FALSE(t->current.online);
    CHECK(t->current.from == at_s(360));
    auto states = log.find("terminal.state");
    REQUIRE(states.size() == 2);
    CHECK(states[1]->at == "2026-06-01T00:06:40+08:00");  // recorded when seen
    CHECK(states[1]->detail["since"] == "2026-06-01T00:06:00+08:00");
    CHECK(states[1]->detail["to"]["online"] == false);

    REQUIRE(reg.heartbeat("kiosk-0042", hb(), at_s(600)));
    CHECK(reg.online("kiosk-0042", at_s(600)));
    CHECK(log.find("terminal.state").size() == 3);
    // Without a sweep the next call records the timeout too.
    REQUIRE(reg.upload_log("kiosk-0042", {{"name", "boot.log"}, {"content", "ok"}}, at_s(1000)));
    CHECK(t->history.back().to == at_s(780));
    CHECK(log.find("terminal.state").size() == 4);
    CHECK(log.verify());
}

TEST_CASE("R-10.1-1: availability on a scripted timeline is exact", "[services][terminals]") {
    audit::AuditLog log;
    Registry reg(log);
    // Registered at 100 s; 60 s interval, 180 s timeout.
    REQUIRE(reg.register_terminal(reg_body(), at_s(100)));
    // Online 1000..; heartbeats every 60 s until 1600, fault from 1300 to 1480.
    for (std::int64_t s = 1000; s <= 1600; s += 60)
        REQUIRE(reg.heartbeat("kiosk-0042", hb(s >= 1300 && s < 1480 ? "fault" : "online"), at_s(s)));
    // Network outage: no heartbeat until 3000, which reports uptime 2500 s
    // (booted at 500): the gap after the timeout (1780) was powered.
    REQUIRE(reg.heartbeat("kiosk-0042", {{"status", "degraded"}, {"uptime_s", 2500}}, at_s(3000)));
    // Power-off: silent until 5000, uptime 100 s (booted at 4900).
    REQUIRE(reg.heartbeat("kiosk-0042", {{"status", "online"}, {"uptime_s", 100}}, at_s(5000)));
    for (std::int64_t s = 5060; s <= 5300; s += 60) REQUIRE(reg.heartbeat("kiosk-0042", hb(), at_s(s)));

    // Window [0, 6000): counted from registration (100).
    const auto a = *reg.availability("kiosk-0042", at_s(0), at_s(6000));
    CHECK(a.window == secs(5900));
    // Online: [1000, 1780) + [3000, 3180) (degraded, then timeout) + [5000, 5480) (timeout after 5300).
    CHECK(a.online == secs(780 + 180 + 480));
    // Powered: online + [1780, 3000) (uptime proved) + [4900, 5000).
    CHECK(a.powered == secs(780 + 180 + 480 + 1220 + 100));
    CHECK(a.fault == secs(180));
    CHECK(a.degraded == secs(180));

    // A sub-window cuts segments exactly.
    const auto b = *reg.availability("kiosk-0042", at_s(1400), at_s(3100));
    CHECK(b.window == secs(1700));
    CHECK(b.online == secs(380 + 100));
    CHECK(b.powered == secs(1700));
    CHECK(b.fault == secs(80));
    CHECK(b.degraded == secs(100));

    // The rates of R-10.1-1 over a scheduled service time of [1000, 6000).
    const auto c = *reg.availability("kiosk-0042", at_s(1000), at_s(6000));
    const double online_rate = sim::to_seconds(c.online) / sim::to_seconds(c.window);
    const double power_rate = sim::to_seconds(c.powered - c.fault) / sim::to_seconds(c.window);
    CHECK(online_rate == Approx(1440.0 / 5000.0));
    CHECK(power_rate == Approx((2760.0 - 180.0) / 5000.0));

    CHECK(reg.availability("kiosk-0042", at_s(10), at_s(50))->window == secs(0));
    CHECK_FALSE(reg.availability("nope", at_s(0), at_s(1)));
    CHECK(log.verify());
}

TEST_CASE("R-9.3-1: uploaded logs are stored and audited with ID numbers masked", "[services][terminals]") {
    audit::AuditLog log;
    Registry reg(log);
    REQUIRE(reg.register_terminal(reg_body(), at_s(0)));
    REQUIRE(reg.upload_log("kiosk-0042", {{"name", "idr.log"}, {"content", "read 11010519491231002X ok\n"}}, at_s(5)));
    const Terminal* t = reg.find("kiosk-0042");
    REQUIRE(t->logs.size() == 1);
    CHECK(t->logs[0].content == "read 1101**********002X ok\n");
    CHECK(log.find("terminal.log_upload", "ok")[0]->detail["bytes"] == 27);
    CHECK(reg.upload_log("kiosk-0042", {{"name", "big.log"}, {"content", std::string(k_max_log_bytes + 1, 'a')}},
                         at_s(6))
              .error == ErrorCode::too_large);
    CHECK(reg.upload_log("kiosk-0042", {{"name", "x.log"}}, at_s(6)).error == ErrorCode::missing_field);
    CHECK(log.to_jsonl().find("11010519491231002X") == std::string::npos);
}

TEST_CASE("R-8.4-1: the registry round-trips through JSON", "[services][terminals]") {
    audit::AuditLog log;
    Registry reg(log);
    REQUIRE(reg.register_terminal(reg_body(), at_s(0)));
    REQUIRE(reg.register_terminal(reg_body("kiosk-0043"), at_s(1)));
    REQUIRE(reg.heartbeat("kiosk-0042",
                          {{"status", "online"}, {"peripherals", {{{"id", "idr"}, {"state", "OK"}}}},
                           {"consumables", {{"paper", 50}}}},
                          sim::Time{std::chrono::microseconds(10'500'000)}));
    REQUIRE(reg.enqueue_command("kiosk-0042", CommandKind::update_items, at_s(20), {{"version", 7}}));
    REQUIRE(reg.enqueue_command("kiosk-0042", CommandKind::restart, at_s(21)));
    REQUIRE(reg.heartbeat("kiosk-0042", hb("maintenance"), at_s(30)));
    REQUIRE(reg.heartbeat("kiosk-0042", {{"status", "online"}, {"acks", {{{"id", 1}, {"result", "ok"}}}}}, at_s(90)));
    REQUIRE(reg.upload_log("kiosk-0042", {{"name", "a.log"}, {"content", "line"}}, at_s(95)));
    reg.sweep(at_s(1000));

    const json j = reg.to_json();
    const Registry back = Registry::from_json(j, log);
    CHECK(back == reg);
    CHECK(back.to_json() == j);
    CHECK(*back.availability("kiosk-0042", at_s(0), at_s(2000)) == *reg.availability("kiosk-0042", at_s(0), at_s(2000)));
    CHECK(j["terminals"][0]["last_heartbeat"] == "2026-06-01T00:01:30+08:00");
    CHECK_THROWS_AS(Registry::from_json(json{{"terminals", 3}}, log), std::invalid_argument);
}

}  // namespace services_terminals_test
