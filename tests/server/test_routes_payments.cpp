// Payments and e-licences through handle_request (issue 6, R-8.4-1): the
// terminal's routes (/api/v1/payments, /api/v1/licences) and the platform's
// (/admin/v1/payments/{id}/..., /admin/v1/licences); idempotency, the state
// graph, ownership, masking (R-9.3-1) and the audit of every refusal (R-9.2-1).
// Terminals and 办件 are set up through the State's back ends, not through
// the terminal and application routes.
#include "gateway_support.hpp"

#include <kiosktwin/protocol/citizen_id.hpp>
#include <kiosktwin/services/population.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

namespace server_routes_payments_test {

using namespace kiosktwin;
using namespace kiosktwin::server;
using namespace kiosktwin::server::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// A State with terminals T-0001 (kiosk-0001) and T-0002 (kiosk-0002) registered and bound.
struct Bench {
    State st;
    sim::Time now = sim::Time{} + 24h + 9h;  // Tuesday 2026-06-02 09:00 +08:00
    Signer k1 = Signer::kiosk(1);
    Signer k2 = Signer::kiosk(2);
    Signer k3 = Signer::kiosk(3);  // a kiosk key with no terminal
    Signer admin = Signer::admin();
    std::vector<std::string> bodies;  // every answer, for the R-9.3-1 scan
    int serial = 0;

    explicit Bench(Config config = test_config()) : st(std::move(config)) {
        enrol("T-0001", "kiosk-0001");
        enrol("T-0002", "kiosk-0002");
    }

    void enrol(const std::string& id, const std::string& key) {
        const auto o = st.terminals.register_terminal(
            {{"terminal_id", id}, {"site", "福田区政务服务中心"}, {"region", "440304"}, {"key_id", key}, {"peripherals", json::array()}}, now);
        INFO(o.path << ": " << o.reason);
        REQUIRE(o.ok());
        st.bind(key, id);
    }

    Response call(Signer& s, const std::string& method, const std::string& target, const std::string& body = {},
                  std::vector<std::pair<std::string, std::string>> headers = {}) {
        now += 1s;
        Request r = s.sign(st.calendar(), now, method, target, body);
        for (auto& [k, v] : headers) r.headers[k] = v;
        Response res = handle_request(r, st, now);
        bodies.push_back(res.body);
        return res;
    }
    Response call(Signer& s, const std::string& method, const std::string& target, const json& body,
                  std::vector<std::pair<std::string, std::string>> headers = {}) {
        return call(s, method, target, body.dump(), std::move(headers));
    }

    // A submitted 办件 of `terminal` for resident `who`.
    std::string new_case(const std::string& terminal, std::size_t who = 0) {
        const json body = {{"item_code", st.catalogue.offered().front()->code},
                           {"applicant", {{"name", people()[who].name}, {"id_number", people()[who].id_number}}}};
        const std::string n = std::to_string(++serial);
        const auto r = st.applications.create(body, "create-" + n, terminal, now);
        REQUIRE(r.ok());
        REQUIRE(st.applications.submit(r.case_no, "submit-" + n, now).ok());
        return r.case_no;
    }
};

json data(const Response& r) { return envelope(r)["data"]; }
std::string path(const Response& r) { return data(r).value("path", std::string()); }
const services::audit::Record& last_audit(const State& st) { return st.audit.records().back(); }

}  // namespace

TEST_CASE("payments: a terminal creates a payment for its own 办件 and reads it back", "[payments][R-8.4-1]") {
    Bench b;
    const std::string case_no = b.new_case("T-0001");
    const json body = {{"case_no", case_no}, {"amount_fen", 2000}};
    const std::size_t audit_before = b.st.audit.size();

    auto r = b.call(b.k1, "POST", "/api/v1/payments", body, {{"idempotency-key", "pay-1"}});
    REQUIRE(r.status == 201);
    CHECK(r.mutated);
    const json p = data(r);
    const std::string id = p["id"].get<std::string>();
    CHECK(id.rfind("ZF-", 0) == 0);
    CHECK(p["state"] == "pending");
    CHECK(p["amount_fen"] == 2000);
    CHECK(p["case_no"] == case_no);
    CHECK(p["replayed"] == false);
    REQUIRE(b.st.audit.size() == audit_before + 1);
    CHECK(last_audit(b.st).action == "payments.create");
    CHECK(last_audit(b.st).actor == "T-0001");
    CHECK(last_audit(b.st).detail["payment"] == id);

    SECTION("the same key and body replay the first answer and create nothing") {
        auto again = b.call(b.k1, "POST", "/api/v1/payments", body, {{"idempotency-key", "pay-1"}});
        CHECK(again.status == 200);
        CHECK(data(again)["id"] == id);
        CHECK(data(again)["replayed"] == true);
        CHECK(b.st.payments.size() == 1);
    }
    SECTION("the same key with another body is conflict.idempotency_mismatch") {
        auto other = b.call(b.k1, "POST", "/api/v1/payments", json{{"case_no", case_no}, {"amount_fen", 2500}},
                            {{"idempotency-key", "pay-1"}});
        CHECK(other.status == 409);
        CHECK(error_id(other) == "conflict.idempotency_mismatch");
        CHECK(path(other) == "/headers/idempotency-key");
        CHECK(b.st.payments.size() == 1);
        CHECK(last_audit(b.st).outcome == "conflict.idempotency_mismatch");
    }
    SECTION("another key is another payment") {
        auto second = b.call(b.k1, "POST", "/api/v1/payments", body, {{"idempotency-key", "pay-2"}});
        CHECK(second.status == 201);
        CHECK(data(second)["id"] != id);
        CHECK(b.st.payments.size() == 2);
    }
    SECTION("the terminal reads its payment; others and unknown ids are not found") {
        const std::size_t before = b.st.audit.size();
        auto got = b.call(b.k1, "GET", "/api/v1/payments/" + id);
        CHECK(got.status == 200);
        CHECK(data(got)["state"] == "pending");
        CHECK(data(got)["history"].size() == 1);
        // A read changes no back end and writes no audit record; the accepted
        // nonce is the only change, and mutated says so.
        CHECK(got.mutated);
        CHECK(b.st.audit.size() == before);

        auto theirs = b.call(b.k2, "GET", "/api/v1/payments/" + id);
        CHECK(theirs.status == 404);
        CHECK(error_id(theirs) == "resource.not_found");
        CHECK(path(theirs) == "/params/id");
        CHECK(last_audit(b.st).outcome == "resource.not_found");
        auto unknown = b.call(b.k1, "GET", "/api/v1/payments/ZF-99999999");
        CHECK(error_id(unknown) == "resource.not_found");
        CHECK(path(unknown) == "/params/id");
    }
}

TEST_CASE("payments: refusals of the header, the body and the 办件", "[payments][R-8.4-1][R-9.2-1]") {
    Bench b;
    const std::string mine = b.new_case("T-0001");
    const std::string theirs = b.new_case("T-0002", 1);
    const json good = {{"case_no", mine}, {"amount_fen", 100}};

    struct Case {
        const char* name;
        std::string body;
        std::vector<std::pair<std::string, std::string>> headers;
        int status;
        const char* error;
        const char* path;
    };
    const std::string long_key(65, 'k');
    const std::vector<Case> cases = {
        {"no idempotency key", good.dump(), {}, 400, "request.missing_field", "/headers/idempotency-key"},
        {"a key over 64 characters", good.dump(), {{"idempotency-key", long_key}}, 400, "request.bad_field",
         "/headers/idempotency-key"},
        {"no amount", json{{"case_no", mine}}.dump(), {{"idempotency-key", "a"}}, 400, "request.missing_field",
         "/amount_fen"},
        {"a zero amount", json{{"case_no", mine}, {"amount_fen", 0}}.dump(), {{"idempotency-key", "a"}}, 400,
         "request.bad_field", "/amount_fen"},
        {"an amount as a string", json{{"case_no", mine}, {"amount_fen", "100"}}.dump(), {{"idempotency-key", "a"}},
         400, "request.bad_field", "/amount_fen"},
        {"an amount over the limit", json{{"case_no", mine}, {"amount_fen", 100'000'001}}.dump(),
         {{"idempotency-key", "a"}}, 400, "request.bad_field", "/amount_fen"},
        {"no case", json{{"amount_fen", 100}}.dump(), {{"idempotency-key", "a"}}, 400, "request.missing_field",
         "/case_no"},
        {"another terminal's 办件", json{{"case_no", theirs}, {"amount_fen", 100}}.dump(), {{"idempotency-key", "a"}},
         404, "resource.not_found", "/case_no"},
        {"an unknown 办件", json{{"case_no", "440300-20260602-999999"}, {"amount_fen", 100}}.dump(),
         {{"idempotency-key", "a"}}, 404, "resource.not_found", "/case_no"},
        {"malformed JSON", "{\"case_no\":", {{"idempotency-key", "a"}}, 400, "request.malformed_json", ""},
    };
    for (const auto& c : cases) {
        INFO(c.name);
        const std::size_t before = b.st.audit.size();
        auto r = b.call(b.k1, "POST", "/api/v1/payments", c.body, c.headers);
        CHECK(r.status == c.status);
        CHECK(error_id(r) == c.error);
        CHECK(path(r) == c.path);
        CHECK(r.mutated);
        // Every refusal is audited (R-9.2-1) and changes nothing else.
        REQUIRE(b.st.audit.size() == before + 1);
        CHECK(last_audit(b.st).outcome == c.error);
        CHECK(b.st.payments.size() == 0);
    }

    SECTION("a kiosk key without a registered terminal is refused") {
        auto r = b.call(b.k3, "POST", "/api/v1/payments", good, {{"idempotency-key", "a"}});
        CHECK(r.status == 403);
        CHECK(error_id(r) == "auth.unregistered_terminal");
        CHECK(last_audit(b.st).outcome == "auth.unregistered_terminal");
    }
    SECTION("an unsigned call is refused") {
        Request r = plain("POST", "/api/v1/payments", good.dump());
        r.headers.emplace("idempotency-key", std::string(1, 'a'));
        auto res = handle_request(r, b.st, b.now);
        CHECK(res.status == 401);
        CHECK(error_id(res) == "auth.missing_header");
        CHECK(b.st.payments.size() == 0);
    }
}

TEST_CASE("payments: the channel's callbacks walk pending → paid → refund_pending → refunded", "[payments][R-8.4-1]") {
    Bench b;
    const std::string case_no = b.new_case("T-0001");
    auto create = [&](const char* key) {
        auto r = b.call(b.k1, "POST", "/api/v1/payments", json{{"case_no", case_no}, {"amount_fen", 1500}},
                        {{"idempotency-key", key}});
        REQUIRE(r.status == 201);
        return data(r)["id"].get<std::string>();
    };
    const std::string id = create("p1");
    const std::string base = "/admin/v1/payments/" + id;
    auto state_of = [&](const std::string& pid) { return std::string(services::payments::to_string(b.st.payments.find(pid)->state)); };

    // Not yet paid: a refund is not a legal step.
    auto r = b.call(b.admin, "POST", base + "/refund", json::object());
    CHECK(r.status == 409);
    CHECK(error_id(r) == "conflict.state");
    CHECK(last_audit(b.st).outcome == "conflict.state");
    CHECK(state_of(id) == "pending");

    r = b.call(b.admin, "POST", base + "/paid", json::object());
    CHECK(error_id(r) == "request.missing_field");
    CHECK(path(r) == "/channel_txn");
    r = b.call(b.admin, "POST", base + "/paid", json{{"channel_txn", ""}});
    CHECK(error_id(r) == "request.bad_field");
    CHECK(path(r) == "/channel_txn");

    r = b.call(b.admin, "POST", base + "/paid", json{{"channel_txn", "WX-0001"}});
    REQUIRE(r.status == 200);
    CHECK(data(r)["state"] == "paid");
    CHECK(data(r)["channel_txn"] == "WX-0001");
    CHECK(last_audit(b.st).action == "admin.payments.paid");
    CHECK(last_audit(b.st).actor == "admin-0001");
    CHECK(last_audit(b.st).detail["from"] == "pending");
    CHECK(last_audit(b.st).detail["to"] == "paid");

    r = b.call(b.admin, "POST", base + "/paid", json{{"channel_txn", "WX-0002"}});
    CHECK(error_id(r) == "conflict.state");
    r = b.call(b.admin, "POST", base + "/failed", json::object());
    CHECK(error_id(r) == "conflict.state");
    r = b.call(b.admin, "POST", base + "/refunded");
    CHECK(error_id(r) == "conflict.state");
    r = b.call(b.admin, "POST", base + "/refund-failed", json::object());
    CHECK(error_id(r) == "conflict.state");
    CHECK(state_of(id) == "paid");

    r = b.call(b.admin, "POST", base + "/refund", json{{"reason", "申请人撤回"}});
    CHECK(data(r)["state"] == "refund_pending");
    r = b.call(b.admin, "POST", base + "/refund-failed", json{{"reason", "渠道拒绝"}});
    CHECK(data(r)["state"] == "paid");
    r = b.call(b.admin, "POST", base + "/refund", json::object());
    CHECK(data(r)["state"] == "refund_pending");
    r = b.call(b.admin, "POST", base + "/refunded");
    REQUIRE(r.status == 200);
    CHECK(data(r)["state"] == "refunded");
    r = b.call(b.admin, "POST", base + "/refunded");
    CHECK(error_id(r) == "conflict.state");
    r = b.call(b.admin, "POST", base + "/refund", json::object());
    CHECK(error_id(r) == "conflict.state");

    // The terminal sees the whole history.
    r = b.call(b.k1, "GET", "/api/v1/payments/" + id);
    CHECK(data(r)["state"] == "refunded");
    CHECK(data(r)["history"].size() == 6);

    SECTION("failed and cancelled are final") {
        const std::string f = create("p2");
        r = b.call(b.admin, "POST", "/admin/v1/payments/" + f + "/failed", json{{"reason", "余额不足"}});
        CHECK(data(r)["state"] == "failed");
        r = b.call(b.admin, "POST", "/admin/v1/payments/" + f + "/paid", json{{"channel_txn", "X"}});
        CHECK(error_id(r) == "conflict.state");
        const std::string k = create("p3");
        r = b.call(b.admin, "POST", "/admin/v1/payments/" + k + "/cancel", json::object());
        CHECK(data(r)["state"] == "cancelled");
        r = b.call(b.admin, "POST", "/admin/v1/payments/" + k + "/cancel", json::object());
        CHECK(error_id(r) == "conflict.state");
    }
    SECTION("bad bodies and unknown payments") {
        r = b.call(b.admin, "POST", base + "/failed", json{{"reason", 3}});
        CHECK(error_id(r) == "request.bad_field");
        CHECK(path(r) == "/reason");
        r = b.call(b.admin, "POST", base + "/failed", std::string(), {{"content-type", "application/json"}});
        CHECK(error_id(r) == "request.malformed_json");
        r = b.call(b.admin, "POST", base + "/failed", std::string("{}"), {{"content-type", "text/plain"}});
        CHECK(error_id(r) == "request.unsupported_media_type");
        for (const char* step : {"/paid", "/failed", "/cancel", "/refund", "/refund-failed"}) {
            INFO(step);
            r = b.call(b.admin, "POST", std::string("/admin/v1/payments/ZF-404").append(step), json{{"channel_txn", "T"}});
            CHECK(error_id(r) == "resource.not_found");
            CHECK(path(r) == "/params/id");
        }
        r = b.call(b.admin, "POST", "/admin/v1/payments/ZF-404/refunded");
        CHECK(error_id(r) == "resource.not_found");
    }
    SECTION("a kiosk key may not play the payment channel") {
        const std::string p = create("p4");
        const std::size_t before = b.st.audit.size();
        r = b.call(b.k1, "POST", "/admin/v1/payments/" + p + "/paid", json{{"channel_txn", "FAKE"}});
        CHECK(r.status == 403);
        CHECK(error_id(r) == "auth.forbidden");
        REQUIRE(b.st.audit.size() == before + 1);
        CHECK(last_audit(b.st).outcome == "auth.forbidden");
        CHECK(last_audit(b.st).action == "admin.payments.paid");
        CHECK(state_of(p) == "pending");
    }
    CHECK(b.st.audit.verify().ok);
}

TEST_CASE("payments and licences are reached through their back ends' profiles", "[payments][licences][R-8.4-1]") {
    Config c = test_config();
    c.profiles["payments"] = services::ServiceProfile::from_json({{"outages", "every day 00:00-24:00"}});
    c.profiles["licences"] = services::ServiceProfile::from_json({{"error_rate", 1.0}});
    Bench b(std::move(c));
    const std::string case_no = b.new_case("T-0001");

    auto r = b.call(b.k1, "POST", "/api/v1/payments", json{{"case_no", case_no}, {"amount_fen", 100}},
                    {{"idempotency-key", "x"}});
    CHECK(r.status == 503);
    CHECK(error_id(r) == "service.unavailable");
    CHECK(b.st.payments.size() == 0);
    CHECK(last_audit(b.st).outcome == "service.unavailable");
    r = b.call(b.k1, "GET", "/api/v1/payments/ZF-00000001");
    CHECK(error_id(r) == "service.unavailable");
    r = b.call(b.admin, "POST", "/admin/v1/payments/ZF-00000001/refunded");
    CHECK(error_id(r) == "service.unavailable");

    r = b.call(b.k1, "GET", "/api/v1/licences/DZZZ-00000001");
    CHECK(r.status == 500);
    CHECK(error_id(r) == "internal");
    CHECK(r.delay > sim::Duration::zero());
    r = b.call(b.admin, "POST", "/admin/v1/licences",
               json{{"type", "居住证"}, {"holder", {{"name", people()[0].name}, {"id_number", people()[0].id_number}}}});
    CHECK(error_id(r) == "internal");
    CHECK(b.st.licences.size() == 0);
}

TEST_CASE("licences: issued by the platform, looked up by holder, verified and revoked", "[licences][R-8.4-1][R-9.3-1]") {
    Bench b;
    const auto& alice = people()[2];
    const auto& bob = people()[3];
    const std::string masked = protocol::mask_id(alice.id_number);
    auto issue = [&](const json& body) { return b.call(b.admin, "POST", "/admin/v1/licences", body); };
    const json holder = {{"name", alice.name}, {"id_number", alice.id_number}};

    auto r = issue({{"type", "居住证"}, {"holder", holder}});
    REQUIRE(r.status == 201);
    const std::string forever = data(r)["number"].get<std::string>();
    CHECK(forever.rfind("DZZZ-", 0) == 0);
    CHECK(data(r)["holder_id"] == masked);
    CHECK(data(r)["expires_at"].is_null());
    CHECK(data(r)["valid"] == true);
    CHECK(last_audit(b.st).action == "admin.licences.issue");
    CHECK(last_audit(b.st).detail["number"] == forever);

    r = issue({{"type", "临时证明"}, {"holder", holder}, {"validity_days", 10}});
    REQUIRE(r.status == 201);
    const std::string short_lived = data(r)["number"].get<std::string>();
    r = issue({{"type", "居住证"}, {"holder", {{"name", bob.name}, {"id_number", bob.id_number}}}});
    REQUIRE(r.status == 201);

    SECTION("issue refusals name the field") {
        std::string bad_id = alice.id_number;
        bad_id.back() = bad_id.back() == '0' ? '1' : '0';
        struct Case {
            json body;
            const char* error;
            const char* path;
        };
        const std::vector<Case> cases = {
            {{{"holder", holder}}, "request.missing_field", "/type"},
            {{{"type", "居住证"}}, "request.missing_field", "/holder/name"},
            {{{"type", "居住证"}, {"holder", {{"name", alice.name}, {"id_number", bad_id}}}}, "request.bad_id_number",
             "/holder/id_number"},
            {{{"type", "居住证"}, {"holder", holder}, {"validity_days", 0}}, "request.bad_field", "/validity_days"},
            {{{"type", "居住证"}, {"holder", holder}, {"validity_days", "10"}}, "request.bad_field", "/validity_days"},
        };
        for (const auto& c : cases) {
            INFO(c.body.dump());
            auto x = issue(c.body);
            CHECK(x.status == 400);
            CHECK(error_id(x) == c.error);
            CHECK(path(x) == c.path);
            CHECK(last_audit(b.st).outcome == c.error);
        }
        CHECK(b.st.licences.size() == 3);
    }

    SECTION("a terminal looks up a holder's licences, masked") {
        r = b.call(b.k1, "GET", "/api/v1/licences?holder=" + alice.id_number);
        REQUIRE(r.status == 200);
        CHECK(data(r)["holder"] == masked);
        CHECK(data(r)["count"] == 2);
        const json found = data(r);  // kept: the loop must not walk a temporary
        for (const auto& l : found["licences"]) CHECK(l["holder_id"] == masked);

        // Ten days on, the short-lived one has expired.
        b.now += 24h * 11;
        r = b.call(b.k1, "GET", "/api/v1/licences?holder=" + alice.id_number + "&valid_only=1");
        REQUIRE(r.status == 200);
        REQUIRE(data(r)["count"] == 1);
        CHECK(data(r)["licences"][0]["number"] == forever);
        r = b.call(b.k1, "GET", "/api/v1/licences/" + short_lived);
        CHECK(data(r)["status"] == "expired");
        CHECK(data(r)["valid"] == false);
        r = b.call(b.k1, "GET", "/api/v1/licences?holder=" + alice.id_number + "&valid_only=0");
        CHECK(data(r)["count"] == 2);
    }

    SECTION("lookup refusals") {
        std::string bad_id = alice.id_number;
        bad_id.back() = bad_id.back() == '0' ? '1' : '0';
        r = b.call(b.k1, "GET", "/api/v1/licences?holder=" + bad_id);
        CHECK(r.status == 400);
        CHECK(error_id(r) == "request.bad_id_number");
        CHECK(path(r) == "/query/holder");
        r = b.call(b.k1, "GET", "/api/v1/licences?holder=12345");
        CHECK(error_id(r) == "request.bad_id_number");
        CHECK(path(r) == "/query/holder");
        r = b.call(b.k1, "GET", "/api/v1/licences");
        CHECK(error_id(r) == "request.missing_field");
        CHECK(path(r) == "/query/holder");
        r = b.call(b.k1, "GET", "/api/v1/licences?holder=" + alice.id_number + "&valid_only=maybe");
        CHECK(error_id(r) == "request.bad_field");
        CHECK(path(r) == "/query/valid_only");
        r = b.call(b.k3, "GET", "/api/v1/licences?holder=" + alice.id_number);
        CHECK(error_id(r) == "auth.unregistered_terminal");
        r = b.call(b.k1, "GET", "/api/v1/licences/DZZZ-99999999");
        CHECK(error_id(r) == "resource.not_found");
        CHECK(path(r) == "/params/number");
    }

    SECTION("revoke") {
        r = b.call(b.admin, "POST", "/admin/v1/licences/" + forever + "/revoke", json{{"reason", "信息变更"}});
        REQUIRE(r.status == 200);
        CHECK(data(r)["status"] == "revoked");
        CHECK(last_audit(b.st).action == "admin.licences.revoke");
        r = b.call(b.k1, "GET", "/api/v1/licences/" + forever);
        CHECK(data(r)["valid"] == false);
        CHECK(data(r)["status"] == "revoked");
        r = b.call(b.admin, "POST", "/admin/v1/licences/" + forever + "/revoke", json::object());
        CHECK(r.status == 409);
        CHECK(error_id(r) == "conflict.state");
        r = b.call(b.admin, "POST", "/admin/v1/licences/DZZZ-404/revoke", json::object());
        CHECK(error_id(r) == "resource.not_found");
        CHECK(path(r) == "/params/number");
        r = b.call(b.k1, "POST", "/admin/v1/licences/" + short_lived + "/revoke", json::object());
        CHECK(error_id(r) == "auth.forbidden");
        CHECK(last_audit(b.st).outcome == "auth.forbidden");
        r = b.call(b.k1, "GET", "/api/v1/licences?holder=" + alice.id_number + "&valid_only=true");
        CHECK(data(r)["count"] == 1);
    }

    // R-9.3-1: no answer and no audit record carries a holder's full number.
    for (const auto& body : b.bodies) {
        CHECK(body.find(alice.id_number) == std::string::npos);
        CHECK(body.find(bob.id_number) == std::string::npos);
    }
    const std::string log = b.st.audit.to_jsonl();
    CHECK(log.find(alice.id_number) == std::string::npos);
    CHECK(log.find(bob.id_number) == std::string::npos);
    CHECK(b.st.audit.verify().ok);
}

}  // namespace server_routes_payments_test
