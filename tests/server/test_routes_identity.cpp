// The identity route group through handle_request (R-8.4-1 人证核验): ID
// check, face compare and e-ID QR answer what the kiosk may see; every call
// is audited with the internal flag (wanted) that the kiosk never sees, ID
// numbers masked (R-9.2-1, R-9.3-1); a back end in an outage answers 503.
#include "gateway_support.hpp"

#include <kiosktwin/protocol/citizen_id.hpp>
#include <kiosktwin/server/openapi.hpp>

#include <catch2/catch.hpp>

#include <cstdio>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace server_routes_identity_test {

using namespace kiosktwin;
using namespace kiosktwin::server;
using namespace kiosktwin::server::test;
using namespace std::chrono_literals;
using nlohmann::json;
using services::Resident;

namespace {

const sim::Time k_t0 = sim::Time{} + 9h;  // Monday 2026-06-01 09:00 +08:00
const protocol::CivilDate k_today{2026, 6, 1};

const Resident& first(const State& st, const std::function<bool(const Resident&)>& pred) {
    for (const Resident& r : st.identity.population().residents())
        if (pred(r)) return r;
    throw std::logic_error("no resident in the population fits");
}
const Resident& ordinary(const State& st, int skip = 0) {
    return first(st, [&](const Resident& r) { return !r.wanted && !r.expired_on(k_today) && skip-- == 0; });
}
const Resident& expired(const State& st) {
    return first(st, [](const Resident& r) { return !r.wanted && r.expired_on(k_today); });
}
const Resident& wanted(const State& st) { return first(st, [](const Resident& r) { return r.wanted; }); }

// A well-formed number that is not in the register.
std::string unregistered_number(const State& st) {
    for (int seq = 1; seq < 999; seq += 2) {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%03d", seq);
        std::string first17 = "110101";
        first17.append("20000229").append(buf);
        std::string id = first17;
        id += protocol::citizen_id::check_digit(first17);
        if (!st.identity.population().find(id)) return id;
    }
    throw std::logic_error("all taken");
}

// The same number with a wrong check character.
std::string bad_check_digit(const std::string& id) {
    std::string bad = id;
    bad.back() = bad.back() == '0' ? '1' : '0';
    return bad;
}

/// A state with kiosk-0001 registered as terminal T1.
struct Bench {
    State st;
    Signer kiosk = Signer::kiosk(1);
    explicit Bench(Config c = test_config()) : st(std::move(c)) {
        const json body = {{"terminal_id", "T1"}, {"site", "福田区行政服务大厅"}, {"region", "440304"},
                           {"peripherals", {{{"id", "idr-1"}, {"type", "idcard_reader"}}}}};
        const auto r = post("/api/v1/terminals/register", body, k_t0 - 1min);
        if (r.status != 200) throw std::logic_error("register failed: " + r.body);
    }
    Response post(std::string target, const json& body, sim::Time now = k_t0) {
        return handle_request(kiosk.sign(st.calendar(), now, "POST", std::move(target), body), st, now);
    }
};

std::string path_of(const Response& r) {
    const auto d = envelope(r)["data"];
    return d.contains("path") ? d["path"].get<std::string>() : std::string();
}

/// No ID number of `ids` appears unmasked in the audit log, and the chain verifies (R-9.3-1).
void check_audit_clean(const State& st, const std::vector<std::string>& ids) {
    const std::string text = st.audit.to_jsonl();
    for (const auto& id : ids) {
        INFO(id);
        CHECK(text.find(id) == std::string::npos);
    }
    CHECK(st.audit.verify());
}

}  // namespace

TEST_CASE("id-check answers each verdict; the kiosk sees only the result", "[identity][R-8.4-1][R-9.3-1]") {
    Bench b;
    const Resident& ok = ordinary(b.st);
    const Resident& old = expired(b.st);
    const std::string nobody = unregistered_number(b.st);
    struct Case {
        std::string id, name, result;
    };
    for (const auto& [id, name, result] :
         {Case{ok.id_number, ok.name, "match"}, Case{ok.id_number, "王某某", "name_mismatch"},
          Case{old.id_number, old.name, "expired"}, Case{nobody, "张三", "not_found"}}) {
        INFO(result);
        const std::size_t before = b.st.audit.size();
        const auto r = b.post("/api/v1/identity/id-check", {{"id_number", id}, {"name", name}});
        REQUIRE(r.status == 200);
        CHECK(r.mutated);
        const auto d = envelope(r)["data"];
        CHECK(d == json{{"result", result}});
        // One record, the handler's own: the masked number, the verdict, the flag.
        REQUIRE(b.st.audit.size() == before + 1);
        const auto& rec = b.st.audit.records().back();
        CHECK(rec.action == "identity.id_check");
        CHECK(rec.outcome == "ok");
        CHECK(rec.actor == "T1");
        CHECK(rec.detail["result"] == result);
        CHECK(rec.detail["id_number"] == protocol::mask_id(id));
        CHECK(rec.detail["flag"] == "none");
    }
    check_audit_clean(b.st, {ok.id_number, old.id_number, nobody});
}

TEST_CASE("a wanted resident gets the generic refusal; the flag is in the audit log only", "[identity][R-9.2-1][R-9.3-1]") {
    Bench b;
    const Resident& w = wanted(b.st);
    auto r = b.post("/api/v1/identity/id-check", {{"id_number", w.id_number}, {"name", w.name}});
    REQUIRE(r.status == 200);
    CHECK(envelope(r)["data"] == json{{"result", "refused"}});
    CHECK(r.body.find("wanted") == std::string::npos);
    CHECK(b.st.audit.records().back().detail["flag"] == "wanted");
    CHECK(b.st.audit.records().back().detail["result"] == "refused");

    // Even with the wrong name, the audit marks who was asked about.
    r = b.post("/api/v1/identity/id-check", {{"id_number", w.id_number}, {"name", "王某某"}});
    CHECK(envelope(r)["data"]["result"] == "name_mismatch");
    CHECK(b.st.audit.records().back().detail["flag"] == "wanted");

    // Face compare and e-ID carry the flag the same way.
    r = b.post("/api/v1/identity/face-compare",
               {{"id_number", w.id_number}, {"sample_template", w.face_template}, {"liveness", true}});
    REQUIRE(r.status == 200);
    CHECK(r.body.find("wanted") == std::string::npos);
    CHECK(b.st.audit.records().back().action == "identity.face_compare");
    CHECK(b.st.audit.records().back().detail["flag"] == "wanted");
    const std::string qr = b.st.identity.issue_eid_qr(w.id_number, k_t0 + 5min);
    r = b.post("/api/v1/identity/eid-qr", {{"payload", qr}});
    REQUIRE(r.status == 200);
    CHECK(envelope(r)["data"]["result"] == "refused");
    CHECK(r.body.find("wanted") == std::string::npos);
    CHECK(b.st.audit.records().back().detail["flag"] == "wanted");
    check_audit_clean(b.st, {w.id_number});
}

TEST_CASE("id-check validates with the JSON path: bad check digit, missing and over-long fields", "[identity][R-8.2-1][R-9.2-1]") {
    Bench b;
    const Resident& ok = ordinary(b.st);
    struct Bad {
        json body;
        const char* error;
        const char* path;
    };
    for (const auto& [body, error, path] :
         {Bad{{{"id_number", bad_check_digit(ok.id_number)}, {"name", ok.name}}, "request.bad_id_number", "/id_number"},
          Bad{{{"id_number", "11010119900101"}, {"name", ok.name}}, "request.bad_id_number", "/id_number"},
          Bad{{{"id_number", 110101}, {"name", ok.name}}, "request.bad_field", "/id_number"},
          Bad{{{"name", ok.name}}, "request.missing_field", "/id_number"},
          Bad{{{"id_number", ok.id_number}}, "request.missing_field", "/name"},
          Bad{{{"id_number", ok.id_number}, {"name", std::string(51, 'a')}}, "request.bad_field", "/name"},
          Bad{{{"id_number", ok.id_number}, {"name", ""}}, "request.bad_field", "/name"}}) {
        INFO(body.dump());
        const std::size_t before = b.st.audit.size();
        const auto r = b.post("/api/v1/identity/id-check", body);
        CHECK(r.status == 400);
        CHECK(error_id(r) == error);
        CHECK(path_of(r) == path);
        // The refusal is audited (by the router), once.
        REQUIRE(b.st.audit.size() == before + 1);
        CHECK(b.st.audit.records().back().outcome == error);
        CHECK(b.st.audit.records().back().action == "identity.id_check");
    }
    check_audit_clean(b.st, {ok.id_number, bad_check_digit(ok.id_number)});
}

TEST_CASE("face-compare answers the score and the threshold", "[identity][R-8.4-1]") {
    Bench b;
    const Resident& p = ordinary(b.st);
    const Resident& q = ordinary(b.st, 1);
    // Genuine samples mostly match, impostors almost never (services/identity.hpp's model).
    int genuine_matches = 0;
    int impostor_matches = 0;
    for (int i = 0; i < 40; ++i) {
        auto r = b.post("/api/v1/identity/face-compare",
                        {{"id_number", p.id_number}, {"sample_template", p.face_template}, {"liveness", true}},
                        k_t0 + i * 1s);
        REQUIRE(r.status == 200);
        auto d = envelope(r)["data"];
        CHECK(d["threshold"] == Approx(0.80));
        const double score = d["score"].get<double>();
        CHECK(score >= 0.0);
        CHECK(score <= 1.0);
        CHECK(d["result"] == (score >= 0.80 ? "match" : "no_match"));
        genuine_matches += d["result"] == "match";
        r = b.post("/api/v1/identity/face-compare",
                   {{"id_number", p.id_number}, {"sample_template", q.face_template}, {"liveness", true}},
                   k_t0 + i * 1s);
        impostor_matches += envelope(r)["data"]["result"] == "match";
    }
    CHECK(genuine_matches >= 34);
    CHECK(impostor_matches <= 1);
    // One audit record a call, with the score.
    const auto recs = b.st.audit.find("identity.face_compare", "ok");
    CHECK(recs.size() == 80);
    CHECK(recs.front()->detail.contains("score"));
    CHECK(recs.front()->detail["threshold"] == Approx(0.80));

    auto r = b.post("/api/v1/identity/face-compare",
                    {{"id_number", p.id_number}, {"sample_template", p.face_template}, {"liveness", false}});
    CHECK(envelope(r)["data"]["result"] == "not_live");
    CHECK(envelope(r)["data"]["score"] == 0.0);
    r = b.post("/api/v1/identity/face-compare",
               {{"id_number", unregistered_number(b.st)}, {"sample_template", 7}, {"liveness", true}});
    CHECK(envelope(r)["data"]["result"] == "not_found");
    check_audit_clean(b.st, {p.id_number, q.id_number});
}

TEST_CASE("face-compare scores come from the request's own stream: a replayed state redraws them", "[identity][R-8.4-1]") {
    auto run = [] {
        Bench b;
        const Resident& p = ordinary(b.st);
        std::vector<double> scores;
        for (int i = 0; i < 5; ++i) {
            const auto r = b.post("/api/v1/identity/face-compare",
                                  {{"id_number", p.id_number}, {"sample_template", p.face_template}, {"liveness", true}},
                                  k_t0 + i * 1s);
            scores.push_back(envelope(r)["data"]["score"].get<double>());
        }
        return scores;
    };
    const auto a = run();
    CHECK(a == run());
    CHECK(a[0] != a[1]);
}

TEST_CASE("face-compare validates its body with the JSON path", "[identity][R-8.2-1]") {
    Bench b;
    const Resident& p = ordinary(b.st);
    struct Bad {
        json body;
        const char* error;
        const char* path;
    };
    for (const auto& [body, error, path] :
         {Bad{{{"id_number", bad_check_digit(p.id_number)}, {"sample_template", 1}, {"liveness", true}},
              "request.bad_id_number", "/id_number"},
          Bad{{{"id_number", p.id_number}, {"liveness", true}}, "request.missing_field", "/sample_template"},
          Bad{{{"id_number", p.id_number}, {"sample_template", -1}, {"liveness", true}}, "request.bad_field",
              "/sample_template"},
          Bad{{{"id_number", p.id_number}, {"sample_template", 4294967296LL}, {"liveness", true}},
              "request.bad_field", "/sample_template"},
          Bad{{{"id_number", p.id_number}, {"sample_template", 1.5}, {"liveness", true}}, "request.bad_field",
              "/sample_template"},
          Bad{{{"id_number", p.id_number}, {"sample_template", 1}, {"liveness", "yes"}}, "request.bad_field",
              "/liveness"},
          Bad{{{"id_number", p.id_number}, {"sample_template", 1}}, "request.missing_field", "/liveness"}}) {
        INFO(body.dump());
        const auto r = b.post("/api/v1/identity/face-compare", body);
        CHECK(r.status == 400);
        CHECK(error_id(r) == error);
        CHECK(path_of(r) == path);
        CHECK(b.st.audit.records().back().outcome == error);
    }
    // The largest template is accepted.
    CHECK(b.post("/api/v1/identity/face-compare",
                 {{"id_number", p.id_number}, {"sample_template", 4294967295LL}, {"liveness", true}})
              .status == 200);
    check_audit_clean(b.st, {p.id_number});
}

TEST_CASE("eid-qr resolves a genuine code to the masked resident; forged and expired codes are refused", "[identity][R-8.4-1][R-9.3-1]") {
    Bench b;
    const Resident& p = ordinary(b.st);
    const std::string qr = b.st.identity.issue_eid_qr(p.id_number, k_t0 + 5min);
    auto r = b.post("/api/v1/identity/eid-qr", {{"payload", qr}});
    INFO(r.body);
    REQUIRE(r.status == 200);
    auto d = envelope(r)["data"];
    CHECK(d["result"] == "ok");
    CHECK(d["name"] == p.name);
    CHECK(d["id_number"] == protocol::mask_id(p.id_number));
    CHECK(r.body.find(p.id_number) == std::string::npos);
    CHECK(b.st.audit.records().back().action == "identity.eid_qr");
    CHECK(b.st.audit.records().back().detail["result"] == "ok");

    std::string forged = qr;
    forged[forged.size() - 3] = forged[forged.size() - 3] == 'A' ? 'B' : 'A';
    r = b.post("/api/v1/identity/eid-qr", {{"payload", forged}});
    CHECK(r.status == 200);
    CHECK(envelope(r)["data"]["result"] != "ok");
    r = b.post("/api/v1/identity/eid-qr", {{"payload", "hello"}});
    CHECK(envelope(r)["data"]["result"] == "malformed");

    r = b.post("/api/v1/identity/eid-qr", json::object());
    CHECK(error_id(r) == "request.missing_field");
    CHECK(path_of(r) == "/payload");
    r = b.post("/api/v1/identity/eid-qr", {{"payload", ""}});
    CHECK(error_id(r) == "request.bad_field");
    CHECK(path_of(r) == "/payload");
    r = b.post("/api/v1/identity/eid-qr", {{"payload", 12}});
    CHECK(path_of(r) == "/payload");
    // Valid up to and including its expiry instant, refused after.
    r = b.post("/api/v1/identity/eid-qr", {{"payload", qr}}, k_t0 + 5min);
    CHECK(envelope(r)["data"]["result"] == "ok");
    r = b.post("/api/v1/identity/eid-qr", {{"payload", qr}}, k_t0 + 5min + 1s);
    CHECK(envelope(r)["data"]["result"] == "expired");
    check_audit_clean(b.st, {p.id_number});
}

TEST_CASE("an identity outage answers 503 service.unavailable, audited; the service is not consulted", "[identity][R-9.2-1]") {
    Config c = test_config();
    c.profiles["identity"] = services::ServiceProfile::from_json(
        {{"latency", {{"median_ms", 80}, {"sigma", 0.3}}}, {"outages", "every day 02:00-02:30"}});
    Bench b(std::move(c));
    const Resident& p = ordinary(b.st);
    const sim::Time in_outage = sim::Time{} + 24h + 2h + 10min;
    for (const auto& [target, body] :
         {std::pair{"/api/v1/identity/id-check", json{{"id_number", p.id_number}, {"name", p.name}}},
          std::pair{"/api/v1/identity/face-compare",
                    json{{"id_number", p.id_number}, {"sample_template", p.face_template}, {"liveness", true}}},
          std::pair{"/api/v1/identity/eid-qr", json{{"payload", "EID1:xx"}}}}) {
        INFO(target);
        const auto r = b.post(target, body, in_outage);
        CHECK(r.status == 503);
        CHECK(error_id(r) == "service.unavailable");
        CHECK(r.mutated);
        const auto& rec = b.st.audit.records().back();
        CHECK(rec.outcome == "service.unavailable");
        CHECK(rec.actor == "T1");
    }
    CHECK(b.st.audit.find("identity.id_check", "ok").empty());
    // Outside the window it answers, after the drawn latency.
    const auto r = b.post("/api/v1/identity/id-check", {{"id_number", p.id_number}, {"name", p.name}}, in_outage + 1h);
    CHECK(r.status == 200);
    CHECK(r.delay > sim::Duration::zero());
    check_audit_clean(b.st, {p.id_number});
}

TEST_CASE("a back end that errs answers 500 internal, audited", "[identity][R-9.2-1]") {
    Config c = test_config();
    c.profiles["identity"] = services::ServiceProfile::from_json({{"error_rate", 1.0}});
    Bench b(std::move(c));
    const Resident& p = ordinary(b.st);
    const auto r = b.post("/api/v1/identity/id-check", {{"id_number", p.id_number}, {"name", p.name}});
    CHECK(r.status == 500);
    CHECK(error_id(r) == "internal");
    CHECK(b.st.audit.records().back().outcome == "internal");
}

TEST_CASE("identity routes: unregistered keys, admin keys and bad signatures are refused and audited", "[identity][R-8.1-1][R-9.2-1]") {
    Bench b;
    const Resident& p = ordinary(b.st);
    const json body = {{"id_number", p.id_number}, {"name", p.name}};

    Signer k5 = Signer::kiosk(5);
    auto r = handle_request(k5.sign(b.st.calendar(), k_t0, "POST", "/api/v1/identity/id-check", body), b.st, k_t0);
    CHECK(r.status == 403);
    CHECK(error_id(r) == "auth.unregistered_terminal");
    CHECK(b.st.audit.records().back().outcome == "auth.unregistered_terminal");
    CHECK(b.st.audit.records().back().actor == "kiosk-0005");

    Signer admin = Signer::admin();
    r = handle_request(admin.sign(b.st.calendar(), k_t0, "POST", "/api/v1/identity/id-check", body), b.st, k_t0);
    CHECK(r.status == 403);
    CHECK(error_id(r) == "auth.forbidden");

    Request tampered = b.kiosk.sign(b.st.calendar(), k_t0, "POST", "/api/v1/identity/id-check", body);
    tampered.body = json{{"id_number", p.id_number}, {"name", "王某某"}}.dump();
    r = handle_request(tampered, b.st, k_t0);
    CHECK(r.status == 401);
    CHECK(error_id(r) == "auth.bad_signature");
    CHECK(b.st.audit.records().back().outcome == "auth.bad_signature");

    const Request once = b.kiosk.sign(b.st.calendar(), k_t0, "POST", "/api/v1/identity/id-check", body);
    CHECK(handle_request(once, b.st, k_t0).status == 200);
    r = handle_request(once, b.st, k_t0 + 1s);
    CHECK(error_id(r) == "auth.replayed_nonce");
    r = handle_request(b.kiosk.sign(b.st.calendar(), k_t0, "POST", "/api/v1/identity/id-check", body), b.st,
                       k_t0 + 10min);
    CHECK(error_id(r) == "auth.stale_timestamp");
    CHECK(b.st.audit.records().back().outcome == "auth.stale_timestamp");
    // No check was made by a refused call: one "ok" record, for the one accepted request.
    CHECK(b.st.audit.find("identity.id_check", "ok").size() == 1);
    check_audit_clean(b.st, {p.id_number});
}

TEST_CASE("the OpenAPI document describes the identity routes", "[identity][openapi]") {
    const auto doc = openapi_document();
    const auto& op = doc["paths"]["/api/v1/identity/id-check"]["post"];
    CHECK(op["tags"][0] == "identity");
    CHECK(op["x-kiosk-access"] == "registered terminal");
    const auto& schema = op["requestBody"]["content"]["application/json"]["schema"];
    CHECK(schema["required"] == json{"id_number", "name"});
    CHECK(schema["properties"]["id_number"]["maxLength"] == 18);
    CHECK(op["responses"]["400"]["description"].get<std::string>().find("request.bad_id_number") != std::string::npos);
    CHECK(op["responses"].contains("503"));
    CHECK(doc["paths"]["/api/v1/identity/face-compare"]["post"]["requestBody"]["content"]["application/json"]["schema"]
             ["required"]
                 .size() == 3);
    CHECK(doc["paths"]["/api/v1/identity/eid-qr"]["post"].contains("requestBody"));
}

}  // namespace server_routes_identity_test
