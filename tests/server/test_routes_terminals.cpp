// The terminal route group through handle_request (R-8.4-1 terminal
// management): register binds the signing key, heartbeats deliver queued
// commands exactly once, logs are stored masked, the terminal reads its own
// record; and the router's rules as a kiosk meets them: signatures, stale
// timestamps, replayed nonces (R-8.1-1), unregistered terminals and wrong
// roles, each refused and audited (R-9.2-1) on a chain that verifies (R-9.3-1).
#include "gateway_support.hpp"

#include <kiosktwin/protocol/citizen_id.hpp>
#include <kiosktwin/server/openapi.hpp>
#include <kiosktwin/services/terminals.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace server_routes_terminals_test {

using namespace kiosktwin;
using namespace kiosktwin::server;
using namespace kiosktwin::server::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const sim::Time k_t0 = sim::Time{} + 9h;  // Monday 2026-06-01 09:00 +08:00

json register_body(const std::string& id) {
    return {{"terminal_id", id},
            {"site", "福田区行政服务大厅"},
            {"region", "440304"},
            {"heartbeat_interval_s", 30},
            {"peripherals",
             {{{"id", "idr-1"}, {"type", "idcard_reader"}}, {{"id", "prn-1"}, {"type", "receipt_printer"}}}}};
}

Response post(State& st, Signer& s, sim::Time now, std::string target, const json& body) {
    return handle_request(s.sign(st.calendar(), now, "POST", std::move(target), body), st, now);
}

Response get(State& st, Signer& s, sim::Time now, std::string target) {
    return handle_request(s.sign(st.calendar(), now, "GET", std::move(target)), st, now);
}

void register_kiosk(State& st, Signer& s, sim::Time now, const std::string& id) {
    const auto r = post(st, s, now, "/api/v1/terminals/register", register_body(id));
    INFO(r.body);
    REQUIRE(r.status == 200);
}

std::string path_of(const Response& r) {
    const auto d = envelope(r)["data"];
    return d.contains("path") ? d["path"].get<std::string>() : std::string();
}

/// The last audit record.
const services::audit::Record& last(const State& st) { return st.audit.records().back(); }

}  // namespace

TEST_CASE("register binds the signer's key to the terminal; the registry audits it once", "[terminals][R-8.4-1][R-9.2-1]") {
    State st(test_config());
    Signer k1 = Signer::kiosk(1);
    const auto r = post(st, k1, k_t0, "/api/v1/terminals/register", register_body("SZ-FT-0001"));
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(r.mutated);
    const auto d = envelope(r)["data"];
    CHECK(d["terminal_id"] == "SZ-FT-0001");
    CHECK(d["heartbeat_interval_s"] == 30);
    CHECK(d["registered_at"] == "2026-06-01T09:00:00+08:00");
    REQUIRE(st.terminal_of("kiosk-0001"));
    CHECK(*st.terminal_of("kiosk-0001") == "SZ-FT-0001");
    REQUIRE(st.terminals.find("SZ-FT-0001"));
    CHECK(st.terminals.find("SZ-FT-0001")->key_id == "kiosk-0001");
    // The registry's record is the only one: no second "terminals.register" from the router.
    CHECK(st.audit.find("terminal.register", "ok").size() == 1);
    CHECK(st.audit.find("terminals.register").empty());

    // The default interval, and a body that names the signer's own key.
    Signer k2 = Signer::kiosk(2);
    json b = register_body("SZ-FT-0002");
    b.erase("heartbeat_interval_s");
    b["key_id"] = "kiosk-0002";
    const auto r2 = post(st, k2, k_t0, "/api/v1/terminals/register", b);
    REQUIRE(r2.status == 200);
    CHECK(envelope(r2)["data"]["heartbeat_interval_s"] == 60);
    CHECK(*st.terminal_of("kiosk-0002") == "SZ-FT-0002");
    CHECK(st.audit.verify());
}

TEST_CASE("register refuses bad bodies with the JSON path, and a second registration", "[terminals][R-8.2-1][R-9.2-1]") {
    State st(test_config());
    Signer k1 = Signer::kiosk(1);
    struct Bad {
        json body;
        const char* error;
        const char* path;
    };
    json other_key = register_body("T1");
    other_key["key_id"] = "kiosk-0002";
    json key_type = register_body("T1");
    key_type["key_id"] = 7;
    json bad_region = register_body("T1");
    bad_region["region"] = "4403";
    json no_site = register_body("T1");
    no_site.erase("site");
    json bad_type = register_body("T1");
    bad_type["peripherals"][1]["type"] = "teleporter";
    json dup_per = register_body("T1");
    dup_per["peripherals"][1]["id"] = "idr-1";
    json bad_id = register_body("T 1");
    json bad_interval = register_body("T1");
    bad_interval["heartbeat_interval_s"] = 1;
    for (const auto& [body, error, path] :
         {Bad{other_key, "request.bad_field", "/key_id"}, Bad{key_type, "request.bad_field", "/key_id"},
          Bad{bad_region, "request.unknown_code", "/region"}, Bad{no_site, "request.missing_field", "/site"},
          Bad{bad_type, "request.unknown_code", "/peripherals/1/type"},
          Bad{dup_per, "request.bad_field", "/peripherals/1/id"}, Bad{bad_id, "request.bad_field", "/terminal_id"},
          Bad{bad_interval, "request.bad_field", "/heartbeat_interval_s"}}) {
        INFO(body.dump());
        const std::size_t before = st.audit.size();
        const auto r = post(st, k1, k_t0, "/api/v1/terminals/register", body);
        CHECK(r.status == 400);
        CHECK(error_id(r) == error);
        CHECK(path_of(r) == path);
        CHECK(r.mutated);
        CHECK(st.audit.size() == before + 1);  // audited once, by the registry or the router
        CHECK(last(st).outcome == error);
        CHECK_FALSE(st.terminal_of("kiosk-0001"));
    }
    CHECK(st.terminals.size() == 0);

    register_kiosk(st, k1, k_t0, "T1");
    // The same key again (even for a new terminal id): conflict.
    auto again = post(st, k1, k_t0 + 1s, "/api/v1/terminals/register", register_body("T9"));
    CHECK(again.status == 409);
    CHECK(error_id(again) == "conflict.state");
    CHECK(last(st).outcome == "conflict.state");
    CHECK_FALSE(st.terminals.find("T9"));
    // Another key taking a known terminal id: conflict at /terminal_id, and its key stays unbound.
    Signer k2 = Signer::kiosk(2);
    auto taken = post(st, k2, k_t0 + 2s, "/api/v1/terminals/register", register_body("T1"));
    CHECK(taken.status == 409);
    CHECK(path_of(taken) == "/terminal_id");
    CHECK_FALSE(st.terminal_of("kiosk-0002"));
    CHECK(*st.terminal_of("kiosk-0001") == "T1");
    CHECK(st.audit.verify());
}

TEST_CASE("an unregistered kiosk key is refused on every terminal route, audited", "[terminals][R-9.2-1]") {
    State st(test_config());
    Signer k3 = Signer::kiosk(3);
    for (const auto& [method, target] : {std::pair{"POST", "/api/v1/terminals/heartbeat"},
                                         std::pair{"POST", "/api/v1/terminals/logs"},
                                         std::pair{"GET", "/api/v1/terminals/self"}}) {
        INFO(target);
        const std::string body = std::string(method) == "POST" ? R"({"status":"online"})" : "";
        const auto r = handle_request(k3.sign(st.calendar(), k_t0, method, target, body), st, k_t0);
        CHECK(r.status == 403);
        CHECK(error_id(r) == "auth.unregistered_terminal");
        CHECK(r.mutated);
        CHECK(last(st).outcome == "auth.unregistered_terminal");
        CHECK(last(st).actor == "kiosk-0003");
    }
    std::size_t refused = 0;
    for (const auto& rec : st.audit.records()) refused += rec.outcome == "auth.unregistered_terminal";
    CHECK(refused == 3);
}

TEST_CASE("bad signatures, stale timestamps and replayed nonces get 401, audited", "[terminals][R-8.1-1][R-9.2-1]") {
    State st(test_config());
    Signer k1 = Signer::kiosk(1);
    register_kiosk(st, k1, k_t0, "T1");
    const sim::Time t = k_t0 + 1min;
    bool accepted_one = false;  // the replay section sends one good heartbeat first

    auto expect_refusal = [&](const Request& req, sim::Time at, const char* error) {
        const std::size_t before = st.audit.size();
        const auto r = handle_request(req, st, at);
        INFO(r.body);
        CHECK(r.status == 401);
        CHECK(error_id(r) == error);
        CHECK(r.mutated);
        REQUIRE(st.audit.size() == before + 1);
        CHECK(last(st).outcome == error);
        CHECK(last(st).action == "terminals.heartbeat");
    };

    SECTION("a body changed after signing") {
        Request req = k1.sign(st.calendar(), t, "POST", "/api/v1/terminals/heartbeat", json{{"status", "online"}});
        req.body = R"({"status":"fault"})";
        expect_refusal(req, t, "auth.bad_signature");
    }
    SECTION("a signature made with another key's secret") {
        Signer forger{"kiosk-0001", "not-the-secret", 100};  // its own nonces
        expect_refusal(forger.sign(st.calendar(), t, "POST", "/api/v1/terminals/heartbeat", json{{"status", "online"}}),
                       t, "auth.bad_signature");
    }
    SECTION("a timestamp outside the window") {
        const Request req = k1.sign(st.calendar(), t, "POST", "/api/v1/terminals/heartbeat", json{{"status", "online"}});
        expect_refusal(req, t + st.config().signature_window + 1s, "auth.stale_timestamp");
    }
    SECTION("a nonce seen before") {
        const Request req = k1.sign(st.calendar(), t, "POST", "/api/v1/terminals/heartbeat", json{{"status", "online"}});
        REQUIRE(handle_request(req, st, t).status == 200);
        accepted_one = true;
        expect_refusal(req, t + 1s, "auth.replayed_nonce");
    }
    SECTION("a missing signature header names it") {
        Request req = k1.sign(st.calendar(), t, "POST", "/api/v1/terminals/heartbeat", json{{"status", "online"}});
        req.headers.erase("x-kiosk-signature");
        const auto r = handle_request(req, st, t);
        CHECK(r.status == 401);
        CHECK(error_id(r) == "auth.missing_header");
        CHECK(path_of(r) == "/headers/x-kiosk-signature");
        CHECK(last(st).outcome == "auth.missing_header");
    }
    SECTION("an unknown key") {
        Signer stranger{"kiosk-0999", "whatever"};
        expect_refusal(
            stranger.sign(st.calendar(), t, "POST", "/api/v1/terminals/heartbeat", json{{"status", "online"}}), t,
            "auth.unknown_key");
    }
    // Nothing a refused heartbeat carried reached the registry.
    CHECK(st.terminals.find("T1")->last_heartbeat.has_value() == accepted_one);
    CHECK(st.audit.verify());
}

TEST_CASE("an admin key may not call the kiosk's terminal routes", "[terminals][R-9.2-1]") {
    State st(test_config());
    Signer admin = Signer::admin();
    auto r = post(st, admin, k_t0, "/api/v1/terminals/register", register_body("T1"));
    CHECK(r.status == 403);
    CHECK(error_id(r) == "auth.forbidden");
    CHECK(st.terminals.size() == 0);
    r = post(st, admin, k_t0, "/api/v1/terminals/heartbeat", json{{"status", "online"}});
    CHECK(error_id(r) == "auth.forbidden");
    r = get(st, admin, k_t0, "/api/v1/terminals/self");
    CHECK(r.status == 403);
    CHECK(error_id(r) == "auth.forbidden");
    CHECK(last(st).outcome == "auth.forbidden");
    CHECK(last(st).actor == "admin-0001");
}

TEST_CASE("heartbeats deliver queued commands exactly once and carry the catalogue version", "[terminals][R-8.4-1]") {
    State st(test_config());
    Signer k1 = Signer::kiosk(1);
    register_kiosk(st, k1, k_t0, "T1");
    std::uint64_t lock_id = 0;
    REQUIRE(st.terminals.enqueue_command("T1", services::terminals::CommandKind::publish_notice, k_t0 + 1s,
                                         json{{"text", "今日 17:00 停机维护"}}));
    REQUIRE(st.terminals.enqueue_command("T1", services::terminals::CommandKind::lock, k_t0 + 2s, json::object(),
                                         &lock_id));

    const json hb = {{"status", "degraded"},
                     {"peripherals", {{{"id", "idr-1"}, {"state", "OK"}}, {{"id", "prn-1"}, {"state", "WARN"}, {"detail", "paper low"}}}},
                     {"consumables", {{"receipt_paper", 12}}},
                     {"uptime_s", 3600}};
    auto r = post(st, k1, k_t0 + 10s, "/api/v1/terminals/heartbeat", hb);
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(r.mutated);
    auto d = envelope(r)["data"];
    CHECK(d["online"] == true);
    CHECK(d["catalogue_version"] == st.catalogue.version());
    REQUIRE(d["commands"].size() == 2);
    CHECK(d["commands"][0]["kind"] == "publish_notice");
    CHECK(d["commands"][0]["args"]["text"] == "今日 17:00 停机维护");
    CHECK(d["commands"][0]["queued_at"] == "2026-06-01T09:00:01+08:00");
    CHECK(d["commands"][1]["kind"] == "lock");
    CHECK(d["commands"][1]["id"] == lock_id);
    CHECK(d["commands"][1]["args"] == json::object());

    // The next heartbeat delivers nothing again; it acks one command.
    r = post(st, k1, k_t0 + 40s, "/api/v1/terminals/heartbeat",
             json{{"status", "locked"}, {"acks", {{{"id", lock_id}, {"result", "ok"}}}}});
    REQUIRE(r.status == 200);
    CHECK(envelope(r)["data"]["commands"].empty());
    CHECK(st.audit.find("terminal.command.deliver").size() == 2);
    CHECK(st.audit.find("terminal.command.ack").size() == 1);

    // A catalogue change shows in the next heartbeat's version.
    const auto before = st.catalogue.version();
    const auto offered = st.catalogue.offered();
    REQUIRE_FALSE(offered.empty());
    REQUIRE(st.catalogue.suspend(offered.front()->code, services::catalogue::Trigger::security_incident, "test",
                                 k_t0 + 50s));
    r = post(st, k1, k_t0 + 60s, "/api/v1/terminals/heartbeat", json{{"status", "online"}});
    CHECK(envelope(r)["data"]["catalogue_version"] == before + 1);

    // The router wrote no "terminals.heartbeat" record of its own: the registry's are the record.
    CHECK(st.audit.find("terminals.heartbeat").empty());
    CHECK(st.audit.verify());
}

TEST_CASE("heartbeat bodies are checked with the JSON path of the bad field", "[terminals][R-8.2-1][R-9.2-1]") {
    State st(test_config());
    Signer k1 = Signer::kiosk(1);
    register_kiosk(st, k1, k_t0, "T1");
    struct Bad {
        json body;
        const char* error;
        const char* path;
    };
    for (const auto& [body, error, path] :
         {Bad{json::object(), "request.missing_field", "/status"},
          Bad{{{"status", "asleep"}}, "request.unknown_code", "/status"},
          Bad{{{"status", "offline"}}, "request.bad_field", "/status"},
          Bad{{{"status", "online"}, {"peripherals", {{{"id", "cam-9"}, {"state", "OK"}}}}}, "request.bad_field",
              "/peripherals/0/id"},
          Bad{{{"status", "online"}, {"peripherals", {{{"id", "idr-1"}, {"state", "BROKEN"}}}}},
              "request.unknown_code", "/peripherals/0/state"},
          Bad{{{"status", "online"}, {"consumables", {{"paper", 101}}}}, "request.bad_field", "/consumables/paper"},
          Bad{{{"status", "online"}, {"acks", {{{"id", 42}, {"result", "ok"}}}}}, "request.bad_field", "/acks/0/id"},
          Bad{{{"status", "online"}, {"uptime_s", -1}}, "request.bad_field", "/uptime_s"}}) {
        INFO(body.dump());
        const std::size_t before = st.audit.size();
        const auto r = post(st, k1, k_t0 + 1s, "/api/v1/terminals/heartbeat", body);
        CHECK(r.status == 400);
        CHECK(error_id(r) == error);
        CHECK(path_of(r) == path);
        CHECK(st.audit.size() == before + 1);
        CHECK(last(st).outcome == error);
    }
    CHECK_FALSE(st.terminals.find("T1")->last_heartbeat);

    // Not JSON at all, and not an object: the router's own refusals.
    Request junk = k1.sign(st.calendar(), k_t0 + 2s, "POST", "/api/v1/terminals/heartbeat", std::string("{status"));
    CHECK(error_id(handle_request(junk, st, k_t0 + 2s)) == "request.malformed_json");
    Request arr = k1.sign(st.calendar(), k_t0 + 2s, "POST", "/api/v1/terminals/heartbeat", std::string("[1]"));
    CHECK(error_id(handle_request(arr, st, k_t0 + 2s)) == "request.bad_field");
    CHECK(st.audit.verify());
}

TEST_CASE("log upload stores the file masked and answers its size", "[terminals][R-8.4-1][R-9.3-1]") {
    State st(test_config());
    Signer k1 = Signer::kiosk(1);
    register_kiosk(st, k1, k_t0, "T1");
    const std::string id = st.identity.population().residents()[0].id_number;
    const std::string content = "09:01 read card " + id + " ok\n";
    auto r = post(st, k1, k_t0 + 5s, "/api/v1/terminals/logs", json{{"name", "kiosk.log"}, {"content", content}});
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(r.mutated);
    CHECK(envelope(r)["data"]["bytes"] == content.size());
    CHECK(envelope(r)["data"]["name"] == "kiosk.log");
    const auto& logs = st.terminals.find("T1")->logs;
    REQUIRE(logs.size() == 1);
    CHECK(logs[0].content.find(id) == std::string::npos);
    CHECK(logs[0].content.find(protocol::mask_id(id)) != std::string::npos);
    CHECK(st.audit.find("terminal.log_upload", "ok").size() == 1);

    r = post(st, k1, k_t0 + 6s, "/api/v1/terminals/logs", json{{"name", "kiosk.log"}});
    CHECK(error_id(r) == "request.missing_field");
    CHECK(path_of(r) == "/content");
    r = post(st, k1, k_t0 + 6s, "/api/v1/terminals/logs", json{{"name", ""}, {"content", "x"}});
    CHECK(error_id(r) == "request.bad_field");
    CHECK(path_of(r) == "/name");
    r = post(st, k1, k_t0 + 6s, "/api/v1/terminals/logs",
             json{{"name", "big.log"}, {"content", std::string(services::terminals::k_max_log_bytes + 1, 'x')}});
    CHECK(r.status == 413);
    CHECK(error_id(r) == "request.too_large");
    CHECK(path_of(r) == "/content");
    CHECK(logs.size() == 1);
    CHECK(st.audit.to_jsonl().find(id) == std::string::npos);
    CHECK(st.audit.verify());
}

TEST_CASE("a terminal reads its own record: status, online, peripherals, consumables, pending commands", "[terminals][R-8.4-1]") {
    State st(test_config());
    Signer k1 = Signer::kiosk(1);
    register_kiosk(st, k1, k_t0, "T1");

    auto r = get(st, k1, k_t0 + 1s, "/api/v1/terminals/self");
    INFO(r.body);
    REQUIRE(r.status == 200);
    auto d = envelope(r)["data"];
    CHECK(d["terminal_id"] == "T1");
    CHECK(d["online"] == false);
    CHECK(d["status"] == "offline");
    CHECK(d["last_heartbeat"].is_null());
    REQUIRE(d["peripherals"].size() == 2);
    CHECK(d["peripherals"][0]["state"] == "ABSENT");
    CHECK(d["pending_commands"] == 0);

    REQUIRE(post(st, k1, k_t0 + 10s, "/api/v1/terminals/heartbeat",
                 json{{"status", "degraded"},
                      {"peripherals", {{{"id", "prn-1"}, {"state", "FAULT"}, {"detail", "jam"}}}},
                      {"consumables", {{"receipt_paper", 40}, {"toner", 75}}}})
                .status == 200);
    REQUIRE(st.terminals.enqueue_command("T1", services::terminals::CommandKind::restart, k_t0 + 11s));
    r = get(st, k1, k_t0 + 12s, "/api/v1/terminals/self");
    d = envelope(r)["data"];
    CHECK(d["online"] == true);
    CHECK(d["status"] == "degraded");
    CHECK(d["last_heartbeat"] == "2026-06-01T09:00:10+08:00");
    CHECK(d["peripherals"][1]["id"] == "prn-1");
    CHECK(d["peripherals"][1]["state"] == "FAULT");
    CHECK(d["peripherals"][1]["detail"] == "jam");
    CHECK(d["consumables"]["receipt_paper"] == 40);
    CHECK(d["consumables"]["toner"] == 75);
    CHECK(d["pending_commands"] == 1);

    // Three missed heartbeats (interval 30 s) later it reads offline.
    r = get(st, k1, k_t0 + 10s + 91s, "/api/v1/terminals/self");
    d = envelope(r)["data"];
    CHECK(d["online"] == false);
    CHECK(d["status"] == "offline");
    // A signed read records its nonce (mutated); it writes no audit record.
    CHECK(r.mutated);
    const std::size_t before = st.audit.size();
    get(st, k1, k_t0 + 102s, "/api/v1/terminals/self");
    CHECK(st.audit.size() == before);
}

TEST_CASE("a terminals back end in an outage answers 503, audited; the registry is untouched", "[terminals][R-9.2-1]") {
    Config c = test_config();
    c.profiles["terminals"] = services::ServiceProfile::from_json({{"outages", "every day 02:00-02:30"}});
    State st(std::move(c));
    Signer k1 = Signer::kiosk(1);
    const sim::Time in_outage = sim::Time{} + 24h + 2h + 10min;
    auto r = post(st, k1, in_outage, "/api/v1/terminals/register", register_body("T1"));
    CHECK(r.status == 503);
    CHECK(error_id(r) == "service.unavailable");
    CHECK(last(st).outcome == "service.unavailable");
    CHECK(st.terminals.size() == 0);
    CHECK_FALSE(st.terminal_of("kiosk-0001"));
    // After the window: registered, with the drawn latency reported.
    r = post(st, k1, in_outage + 30min, "/api/v1/terminals/register", register_body("T1"));
    CHECK(r.status == 200);
    CHECK(r.delay > sim::Duration::zero());
}

TEST_CASE("unsigned reads change nothing; the OpenAPI document describes the terminal routes", "[terminals][openapi]") {
    State st(test_config());
    const auto r = handle_request(plain("GET", "/api/v1/health"), st, k_t0);
    CHECK(r.status == 200);
    CHECK_FALSE(r.mutated);
    CHECK(st.audit.empty());

    const auto doc = openapi_document();
    const auto& reg = doc["paths"]["/api/v1/terminals/register"]["post"];
    CHECK(reg["tags"][0] == "terminals");
    CHECK(reg["requestBody"]["content"]["application/json"]["schema"]["required"].size() == 4);
    CHECK(reg["responses"].contains("409"));
    CHECK(doc["paths"]["/api/v1/terminals/heartbeat"]["post"]["x-kiosk-access"] == "registered terminal");
    CHECK(doc["paths"]["/api/v1/terminals/self"]["get"]["responses"].contains("403"));
    CHECK(doc["paths"]["/api/v1/terminals/logs"]["post"].contains("requestBody"));
}

}  // namespace server_routes_terminals_test
