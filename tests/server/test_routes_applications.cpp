// The application route group through handle_request (R-8.4-1 办件): create
// with an idempotency key (a retry answers the first result; another body
// under the same key is a conflict), materials, submit, withdraw, status and
// the documents to print; a terminal sees its own 办件 only; refusals and
// changes audited on a chain that verifies, ID numbers masked (R-9.2-1,
// R-9.3-1). Ends with a whole kiosk session.
#include "gateway_support.hpp"

#include <kiosktwin/protocol/citizen_id.hpp>
#include <kiosktwin/server/openapi.hpp>
#include <kiosktwin/services/applications.hpp>
#include <kiosktwin/services/catalogue.hpp>

#include <catch2/catch.hpp>

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

namespace server_routes_applications_test {

using namespace kiosktwin;
using namespace kiosktwin::server;
using namespace kiosktwin::server::test;
using namespace std::chrono_literals;
using nlohmann::json;
using services::Resident;
namespace cat = services::catalogue;
namespace apps = services::applications;

namespace {

const sim::Time k_t0 = sim::Time{} + 9h;  // Monday 2026-06-01 09:00 +08:00
const protocol::CivilDate k_today{2026, 6, 1};
const char* const k_scan = "aGVsbG8gc2Nhbg==";  // Base64 of a (tiny) scanned page

const cat::Item& item_where(const State& st, const std::function<bool(const cat::Item&)>& pred) {
    for (const cat::Item* it : st.catalogue.items())
        if (pred(*it)) return *it;
    throw std::logic_error("no item in the catalogue fits");
}

/// An offered local item that needs at least one material whatever the answers.
const cat::Item& plain_item(const State& st) {
    return item_where(st, [](const cat::Item& it) {
        return it.offered() && it.cross_modes.empty() && !apps::required_materials(it).empty();
    });
}

/// An offered item where a yes-answer adds a required material.
const cat::Item& situational_item(const State& st) {
    return item_where(st, [](const cat::Item& it) {
        if (!it.offered() || it.situations.empty()) return false;
        const auto base = apps::required_materials(it);
        for (const auto& s : it.situations)
            if (apps::required_materials(it, {s.id}).size() > base.size()) return true;
        return false;
    });
}

const Resident& citizen(const State& st, int skip = 0) {
    for (const Resident& r : st.identity.population().residents())
        if (!r.wanted && !r.expired_on(k_today) && skip-- == 0) return r;
    throw std::logic_error("no resident fits");
}

json create_body(const cat::Item& item, const Resident& who) {
    return {{"item_code", item.code},
            {"item_name", item.name},
            {"applicant", {{"name", who.name}, {"id_number", who.id_number}, {"phone", "13800138000"}}}};
}

std::string path_of(const Response& r) {
    const auto d = envelope(r)["data"];
    return d.contains("path") ? d["path"].get<std::string>() : std::string();
}

/// A state with kiosks 1 and 2 registered as terminals T1 and T2.
struct Bench {
    State st;
    Signer k1 = Signer::kiosk(1);
    Signer k2 = Signer::kiosk(2);

    explicit Bench(Config c = test_config()) : st(std::move(c)) {
        enrol(k1, "T1");
        enrol(k2, "T2");
    }
    void enrol(Signer& s, const std::string& id) {
        const json body = {{"terminal_id", id}, {"site", "福田区行政服务大厅"}, {"region", "440304"},
                           {"peripherals", {{{"id", "cam-1"}, {"type", "document_camera"}}}}};
        const auto r = send(s, "POST", "/api/v1/terminals/register", body.dump(), {}, k_t0 - 1h);
        if (r.status != 200) throw std::logic_error("register failed: " + r.body);
    }
    Response send(Signer& s, std::string method, std::string target, std::string body, std::string key,
                  sim::Time now) {
        Request req = s.sign(st.calendar(), now, std::move(method), std::move(target), std::move(body));
        if (!key.empty()) req.headers["idempotency-key"] = std::move(key);  // not part of the signed form
        return handle_request(req, st, now);
    }
    Response create(const json& body, std::string key, Signer* s = nullptr, sim::Time now = k_t0) {
        return send(s ? *s : k1, "POST", "/api/v1/applications", body.dump(), std::move(key), now);
    }
    Response post(std::string target, const json& body, std::string key = {}, Signer* s = nullptr,
                  sim::Time now = k_t0) {
        return send(s ? *s : k1, "POST", std::move(target), body.dump(), std::move(key), now);
    }
    Response get(std::string target, Signer* s = nullptr, sim::Time now = k_t0) {
        return send(s ? *s : k1, "GET", std::move(target), {}, {}, now);
    }
    /// A created 办件 of T1 with every required material uploaded.
    std::string ready_case(const cat::Item& item, const Resident& who, const std::string& key) {
        const auto r = create(create_body(item, who), key);
        if (r.status != 201) throw std::logic_error("create failed: " + r.body);
        const std::string no = envelope(r)["data"]["case_no"].get<std::string>();
        for (const auto& name : apps::required_materials(item)) {
            const auto m = post("/api/v1/applications/" + no + "/materials", {{"name", name}, {"content", k_scan}});
            if (m.status != 200) throw std::logic_error("upload failed: " + m.body);
        }
        return no;
    }
};

void check_audit_clean(const State& st, const std::vector<std::string>& ids) {
    const std::string text = st.audit.to_jsonl();
    for (const auto& id : ids) {
        INFO(id);
        CHECK(text.find(id) == std::string::npos);
    }
    CHECK(st.audit.verify());
}

}  // namespace

TEST_CASE("create answers 201 with the case number; a retry answers the first result", "[applications][R-8.4-1]") {
    Bench b;
    const cat::Item& item = plain_item(b.st);
    const Resident& who = citizen(b.st);
    const json body = create_body(item, who);

    auto r = b.create(body, "key-0001");
    INFO(r.body);
    REQUIRE(r.status == 201);
    CHECK(r.mutated);
    auto d = envelope(r)["data"];
    const std::string no = d["case_no"].get<std::string>();
    CHECK(no == "440300-20260601-000001");
    CHECK(d["replayed"] == false);
    CHECK(d["state"] == "draft");
    CHECK(b.st.applications.find(no)->terminal_id == "T1");
    const auto created = b.st.audit.find("applications.create", "ok");
    REQUIRE(created.size() == 1);
    CHECK(created[0]->detail["case_no"] == no);
    CHECK(created[0]->actor == "T1");

    // The retry (a new signature, the same key and body, members in another order): the first result.
    json reordered = json::object();
    reordered["applicant"] = body["applicant"];
    reordered["item_name"] = body["item_name"];
    reordered["item_code"] = body["item_code"];
    r = b.create(reordered, "key-0001", nullptr, k_t0 + 30s);
    REQUIRE(r.status == 200);
    CHECK(r.mutated);
    d = envelope(r)["data"];
    CHECK(d["case_no"] == no);
    CHECK(d["replayed"] == true);
    CHECK(b.st.applications.size() == 1);
    // Audited as a replay, not as a second change.
    CHECK(b.st.audit.find("applications.create", "ok").size() == 1);
    CHECK(b.st.audit.find("applications.create", "replayed").size() == 1);

    // Once submitted, a retry of the create still answers the same number, now with its state.
    for (const auto& name : apps::required_materials(item))
        REQUIRE(b.post("/api/v1/applications/" + no + "/materials", {{"name", name}, {"content", k_scan}}).status == 200);
    REQUIRE(b.post("/api/v1/applications/" + no + "/submit", json::object(), "submit-1").status == 200);
    r = b.create(body, "key-0001", nullptr, k_t0 + 1min);
    CHECK(envelope(r)["data"]["case_no"] == no);
    CHECK(envelope(r)["data"]["state"] == "submitted");

    // A new key makes a new 办件; the same key on another terminal is another key.
    r = b.create(body, "key-0002");
    CHECK(r.status == 201);
    CHECK(envelope(r)["data"]["case_no"] == "440300-20260601-000002");
    r = b.create(body, "key-0001", &b.k2);
    CHECK(r.status == 201);
    CHECK(envelope(r)["data"]["case_no"] == "440300-20260601-000003");
    CHECK(b.st.applications.find("440300-20260601-000003")->terminal_id == "T2");
    check_audit_clean(b.st, {who.id_number});
}

TEST_CASE("the same key with another body is conflict.idempotency_mismatch, audited", "[applications][R-8.4-1][R-9.2-1]") {
    Bench b;
    const cat::Item& item = plain_item(b.st);
    const Resident& who = citizen(b.st);
    REQUIRE(b.create(create_body(item, who), "k-1").status == 201);
    json other = create_body(item, citizen(b.st, 1));
    const auto r = b.create(other, "k-1");
    CHECK(r.status == 409);
    CHECK(error_id(r) == "conflict.idempotency_mismatch");
    CHECK(r.mutated);
    CHECK(b.st.audit.records().back().outcome == "conflict.idempotency_mismatch");
    CHECK(b.st.audit.records().back().action == "applications.create");
    CHECK(b.st.applications.size() == 1);
    // Even a body the store would refuse is a mismatch under a used key, not a validation error.
    const auto bad = b.create(json{{"item_code", "nonsense"}}, "k-1");
    CHECK(error_id(bad) == "conflict.idempotency_mismatch");
    check_audit_clean(b.st, {who.id_number, citizen(b.st, 1).id_number});
}

TEST_CASE("create validates the header and the body with JSON paths", "[applications][R-8.2-1][R-9.2-1]") {
    Bench b;
    const cat::Item& item = plain_item(b.st);
    const Resident& who = citizen(b.st);
    const json good = create_body(item, who);

    auto r = b.create(good, "");
    CHECK(r.status == 400);
    CHECK(error_id(r) == "request.missing_field");
    CHECK(path_of(r) == "/headers/idempotency-key");
    CHECK(b.st.audit.records().back().outcome == "request.missing_field");
    r = b.create(good, std::string(65, 'k'));
    CHECK(error_id(r) == "request.bad_field");
    CHECK(path_of(r) == "/headers/idempotency-key");
    r = b.create(good, "with space");
    CHECK(path_of(r) == "/headers/idempotency-key");
    CHECK(b.create(good, std::string(64, 'k')).status == 201);  // the longest key

    struct Bad {
        json body;
        const char* error;
        const char* path;
    };
    json bad_id = good;
    std::string wrong = who.id_number;
    wrong.back() = wrong.back() == '0' ? '1' : '0';
    bad_id["applicant"]["id_number"] = wrong;
    json no_applicant = good;
    no_applicant.erase("applicant");
    json no_name = good;
    no_name["applicant"].erase("name");
    json bad_code = good;
    bad_code["item_code"] = "XX";
    json long_phone = good;
    long_phone["applicant"]["phone"] = std::string(21, '1');
    json bad_mode = good;
    bad_mode["cross_region"] = {{"mode", "teleport"}, {"receiving_region", "440300"}, {"handling_region", "510100"}};
    const cat::Item& crossable = item_where(b.st, [](const cat::Item& it) { return it.offered() && !it.cross_modes.empty(); });
    json same_region = create_body(crossable, who);
    same_region["cross_region"] = {{"mode", cat::to_string(crossable.cross_modes.front())},
                                   {"receiving_region", "440300"},
                                   {"handling_region", "440300"}};
    int n = 0;
    for (const auto& [body, error, path] :
         {Bad{bad_id, "request.bad_id_number", "/applicant/id_number"},
          Bad{no_applicant, "request.missing_field", "/applicant"},
          Bad{no_name, "request.missing_field", "/applicant/name"},
          Bad{bad_code, "request.bad_field", "/item_code"},
          Bad{long_phone, "request.bad_field", "/applicant/phone"},
          Bad{bad_mode, "request.unknown_code", "/cross_region/mode"},
          Bad{same_region, "request.bad_field", "/cross_region/handling_region"}}) {
        INFO(body.dump());
        const std::size_t before = b.st.audit.size();
        r = b.create(body, "v-" + std::to_string(n++));
        CHECK(r.status == 400);
        CHECK(error_id(r) == error);
        CHECK(path_of(r) == path);
        REQUIRE(b.st.audit.size() == before + 1);
        CHECK(b.st.audit.records().back().outcome == error);
    }
    CHECK(b.st.applications.size() == 1);
    // A refused create is not remembered: the corrected body may use the same key.
    CHECK(b.create(good, "v-0").status == 201);
    check_audit_clean(b.st, {who.id_number, wrong});
}

TEST_CASE("create needs an item in the catalogue, offered, with the 跨域通办 mode asked for", "[applications][R-6.4-1][R-7.5-1]") {
    Bench b;
    const Resident& who = citizen(b.st);
    const cat::Item& plain = plain_item(b.st);

    json unknown = create_body(plain, who);
    unknown["item_code"] = plain.code.substr(0, 14) + "9999";
    REQUIRE(cat::is_item_code(unknown["item_code"].get<std::string>()));
    REQUIRE_FALSE(b.st.catalogue.find(unknown["item_code"].get<std::string>()));
    auto r = b.create(unknown, "c-1");
    CHECK(r.status == 404);
    CHECK(error_id(r) == "resource.not_found");
    CHECK(path_of(r) == "/item_code");
    CHECK(b.st.audit.records().back().outcome == "resource.not_found");

    const cat::Item& onboarding = item_where(b.st, [](const cat::Item& it) { return it.stage != cat::Stage::online; });
    r = b.create(create_body(onboarding, who), "c-2");
    CHECK(r.status == 409);
    CHECK(error_id(r) == "conflict.state");
    CHECK(path_of(r) == "/item_code");

    json cross = create_body(plain, who);
    cross["cross_region"] = {{"mode", "online"}, {"receiving_region", "440300"}, {"handling_region", "510100"}};
    r = b.create(cross, "c-3");
    CHECK(error_id(r) == "conflict.state");
    CHECK(path_of(r) == "/cross_region/mode");

    const cat::Item& crossable = item_where(b.st, [](const cat::Item& it) { return it.offered() && !it.cross_modes.empty(); });
    json ok_cross = create_body(crossable, who);
    ok_cross["cross_region"] = {{"mode", cat::to_string(crossable.cross_modes.front())},
                                {"receiving_region", "440300"},
                                {"handling_region", "510100"}};
    r = b.create(ok_cross, "c-4");
    INFO(r.body);
    CHECK(r.status == 201);
    CHECK(b.st.applications.size() == 1);
}

TEST_CASE("a retry answers the first result even after the item was suspended", "[applications][R-8.4-1][R-6.4-1]") {
    Bench b;
    const cat::Item& item = plain_item(b.st);
    const std::string code = item.code;
    const json body = create_body(item, citizen(b.st));
    auto r = b.create(body, "s-1");
    REQUIRE(r.status == 201);
    const auto no = envelope(r)["data"]["case_no"];
    REQUIRE(b.st.catalogue.suspend(code, cat::Trigger::security_incident, "test", k_t0 + 1s));
    const std::size_t count = b.st.applications.size();

    r = b.create(body, "s-1", nullptr, k_t0 + 2s);
    CHECK(r.status == 200);
    CHECK(envelope(r)["data"]["case_no"] == no);
    CHECK(envelope(r)["data"]["replayed"] == true);
    // A new key for the suspended item is refused, and the probe for the key created nothing.
    r = b.create(body, "s-2", nullptr, k_t0 + 3s);
    CHECK(r.status == 409);
    CHECK(path_of(r) == "/item_code");
    // Another body under the used key is still the mismatch, not the item's state.
    json other = body;
    other["applicant"]["phone"] = "13900139000";
    r = b.create(other, "s-1", nullptr, k_t0 + 4s);
    CHECK(error_id(r) == "conflict.idempotency_mismatch");
    CHECK(b.st.applications.size() == count);
}

TEST_CASE("materials: upload, replace by name, validation with paths", "[applications][R-8.4-1][R-8.2-1]") {
    Bench b;
    const cat::Item& item = plain_item(b.st);
    auto r = b.create(create_body(item, citizen(b.st)), "m-1");
    const std::string no = envelope(r)["data"]["case_no"];
    const std::string target = "/api/v1/applications/" + no + "/materials";

    r = b.post(target, {{"name", "居民身份证"}, {"content", k_scan}});
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(r.mutated);
    auto d = envelope(r)["data"];
    CHECK(d["name"] == "居民身份证");
    CHECK(d["kind"] == "upload");
    CHECK(d["bytes"] == 10);
    CHECK(d["materials"] == json{"居民身份证"});
    r = b.post(target, {{"name", "户口簿"}, {"licence_ref", "DZZZ-0001"}});
    CHECK(envelope(r)["data"]["kind"] == "e_licence");
    r = b.post(target, {{"name", "居民身份证"}, {"content", "aGk="}});  // a re-upload replaces
    CHECK(envelope(r)["data"]["materials"].size() == 2);
    CHECK(envelope(r)["data"]["bytes"] == 2);
    const auto recs = b.st.audit.find("applications.material", "ok");
    REQUIRE(recs.size() == 3);
    CHECK(recs[0]->detail["case_no"] == no);
    CHECK_FALSE(recs[0]->detail.contains("content"));

    struct Bad {
        json body;
        const char* error;
        const char* path;
    };
    for (const auto& [body, error, path] :
         {Bad{{{"content", k_scan}}, "request.missing_field", "/name"},
          Bad{{{"name", "x"}}, "request.missing_field", "/content"},
          Bad{{{"name", "x"}, {"content", k_scan}, {"licence_ref", "R"}}, "request.bad_field", "/content"},
          Bad{{{"name", "x"}, {"content", "!!!"}}, "request.bad_field", "/content"},
          Bad{{{"name", std::string(65, 'n')}, {"content", k_scan}}, "request.bad_field", "/name"}}) {
        INFO(body.dump());
        r = b.post(target, body);
        CHECK(r.status == 400);
        CHECK(error_id(r) == error);
        CHECK(path_of(r) == path);
        CHECK(b.st.audit.records().back().outcome == error);
    }
    CHECK(b.st.applications.find(no)->materials.size() == 2);
}

TEST_CASE("submit needs the required materials and is idempotent by its key", "[applications][R-8.4-1][R-7.6-1]") {
    Bench b;
    const cat::Item& item = plain_item(b.st);
    auto r = b.create(create_body(item, citizen(b.st)), "u-1");
    const std::string no = envelope(r)["data"]["case_no"];
    const std::string target = "/api/v1/applications/" + no + "/submit";
    const auto required = apps::required_materials(item);
    REQUIRE_FALSE(required.empty());

    r = b.post(target, json::object(), "sub-1");
    CHECK(r.status == 400);
    CHECK(error_id(r) == "request.missing_field");
    CHECK(path_of(r) == "/materials/" + required.front());
    CHECK(b.st.audit.records().back().outcome == "request.missing_field");

    for (const auto& name : required)
        REQUIRE(b.post("/api/v1/applications/" + no + "/materials", {{"name", name}, {"content", k_scan}}).status == 200);
    r = b.post(target, json::object());
    CHECK(error_id(r) == "request.missing_field");
    CHECK(path_of(r) == "/headers/idempotency-key");
    // No body at all: the router wants one wherever a schema is declared ({} will do).
    Request empty = b.k1.sign(b.st.calendar(), k_t0, "POST", target, std::string());
    empty.headers["content-type"] = "application/json";
    empty.headers["idempotency-key"] = "sub-1";
    r = handle_request(empty, b.st, k_t0);
    CHECK(error_id(r) == "request.malformed_json");

    r = b.post(target, json::object(), "sub-1");
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(r.mutated);
    CHECK(envelope(r)["data"]["state"] == "submitted");
    CHECK(envelope(r)["data"]["replayed"] == false);
    CHECK(b.st.audit.find("applications.submit", "ok").size() == 1);

    r = b.post(target, json::object(), "sub-1", nullptr, k_t0 + 5s);
    CHECK(r.status == 200);
    CHECK(envelope(r)["data"]["replayed"] == true);
    CHECK(envelope(r)["data"]["case_no"] == no);
    CHECK(b.st.audit.find("applications.submit", "replayed").size() == 1);
    CHECK(b.st.applications.find(no)->history.size() == 2);  // created, submitted: once

    r = b.post(target, json::object(), "sub-2");
    CHECK(r.status == 409);
    CHECK(error_id(r) == "conflict.state");
    // A submitted 办件 takes no more materials.
    r = b.post("/api/v1/applications/" + no + "/materials", {{"name", "x"}, {"content", k_scan}});
    CHECK(error_id(r) == "conflict.state");
}

TEST_CASE("submit's yes-answers decide the required materials", "[applications][R-7.6-1]") {
    Bench b;
    const cat::Item& item = situational_item(b.st);
    std::string extra_situation;
    for (const auto& s : item.situations)
        if (apps::required_materials(item, {s.id}).size() > apps::required_materials(item).size()) {
            extra_situation = s.id;
            break;
        }
    const std::string no = b.ready_case(item, citizen(b.st), "y-1");
    const std::string target = "/api/v1/applications/" + no + "/submit";

    auto r = b.post(target, {{"yes", {"no-such-situation"}}}, "ys-1");
    CHECK(error_id(r) == "request.unknown_code");
    CHECK(path_of(r) == "/yes/0");
    r = b.post(target, {{"yes", "agent"}}, "ys-1");
    CHECK(error_id(r) == "request.bad_field");
    CHECK(path_of(r) == "/yes");
    r = b.post(target, {{"yes", {7}}}, "ys-1");
    CHECK(path_of(r) == "/yes/0");

    // The situation's material is now required and missing.
    r = b.post(target, {{"yes", {extra_situation}}}, "ys-1");
    CHECK(r.status == 400);
    CHECK(error_id(r) == "request.missing_field");
    const auto with = apps::required_materials(item, {extra_situation});
    std::vector<std::string> missing;
    for (const auto& name : with)
        if (!b.st.applications.find(no)->material(name)) missing.push_back(name);
    REQUIRE_FALSE(missing.empty());
    CHECK(path_of(r) == "/materials/" + missing.front());
    for (const auto& name : missing)
        REQUIRE(b.post("/api/v1/applications/" + no + "/materials", {{"name", name}, {"content", k_scan}}).status == 200);
    r = b.post(target, {{"yes", {extra_situation}}}, "ys-1");
    CHECK(r.status == 200);
    CHECK(envelope(r)["data"]["state"] == "submitted");
}

TEST_CASE("withdraw before a decision; a second withdrawal is a conflict", "[applications][R-8.4-1]") {
    Bench b;
    const cat::Item& item = plain_item(b.st);
    auto r = b.create(create_body(item, citizen(b.st)), "w-1");
    const std::string no = envelope(r)["data"]["case_no"];
    const std::string target = "/api/v1/applications/" + no + "/withdraw";

    r = b.post(target, {{"reason", std::string(201, 'r')}});
    CHECK(error_id(r) == "request.bad_field");
    CHECK(path_of(r) == "/reason");
    r = b.post(target, {{"reason", "申请人改日再办"}});
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(r.mutated);
    CHECK(envelope(r)["data"]["state"] == "withdrawn");
    CHECK(b.st.applications.find(no)->reason == "申请人改日再办");
    CHECK(b.st.audit.find("applications.withdraw", "ok").size() == 1);
    r = b.post(target, json::object());
    CHECK(r.status == 409);
    CHECK(error_id(r) == "conflict.state");
    // A withdrawn 办件 has no receipt.
    CHECK(error_id(b.get("/api/v1/applications/" + no + "/receipt")) == "conflict.state");
}

TEST_CASE("status, receipt and certificate: what the kiosk prints, ID masked", "[applications][R-8.4-1][R-9.3-1]") {
    Bench b;
    const cat::Item& item = plain_item(b.st);
    const Resident& who = citizen(b.st);
    const std::string no = b.ready_case(item, who, "d-1");

    auto r = b.get("/api/v1/applications/" + no);
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(envelope(r)["data"]["case_no"] == no);
    CHECK(envelope(r)["data"]["state"] == "draft");
    CHECK(r.body.find(who.id_number) == std::string::npos);

    r = b.get("/api/v1/applications/" + no + "/receipt");
    CHECK(r.status == 409);
    CHECK(error_id(r) == "conflict.state");
    REQUIRE(b.post("/api/v1/applications/" + no + "/submit", json::object(), "d-s").status == 200);
    r = b.get("/api/v1/applications/" + no + "/receipt");
    REQUIRE(r.status == 200);
    auto d = envelope(r)["data"];
    CHECK(d["document"] == "receipt");
    CHECK(d["case_no"] == no);
    CHECK(d["terminal_id"] == "T1");
    CHECK(d["applicant"]["id_number"] == protocol::mask_id(who.id_number));
    CHECK(r.body.find(who.id_number) == std::string::npos);

    r = b.get("/api/v1/applications/" + no + "/certificate");
    CHECK(r.status == 409);
    // The department's steps (a local 办件: the platform relays them).
    for (auto to : {apps::State::accepted, apps::State::in_review, apps::State::approved,
                    apps::State::certificate_issued})
        REQUIRE(b.st.applications.advance(no, to, apps::Actor::handling, k_t0 + 1h));
    r = b.get("/api/v1/applications/" + no + "/certificate", nullptr, k_t0 + 1h);
    REQUIRE(r.status == 200);
    d = envelope(r)["data"];
    CHECK(d["certificate_no"] == "ZM-" + no);
    CHECK(d["holder"]["id_number"] == protocol::mask_id(who.id_number));
    r = b.get("/api/v1/applications/" + no, nullptr, k_t0 + 1h);
    CHECK(envelope(r)["data"]["state"] == "certificate_issued");
    // Reads by a registered terminal write no audit record of their own.
    const std::size_t before = b.st.audit.size();
    b.get("/api/v1/applications/" + no, nullptr, k_t0 + 1h);
    CHECK(b.st.audit.size() == before);
    check_audit_clean(b.st, {who.id_number});
}

TEST_CASE("another terminal's 办件 is not found, exactly like a missing one", "[applications][R-9.2-1]") {
    Bench b;
    const cat::Item& item = plain_item(b.st);
    const std::string no = b.ready_case(item, citizen(b.st), "o-1");
    REQUIRE(b.post("/api/v1/applications/" + no + "/submit", json::object(), "o-s").status == 200);
    const std::string ghost = "440300-20260601-999999";

    struct Op {
        const char* method;
        std::string suffix;
        json body;
    };
    for (const auto& [method, suffix, body] :
         {Op{"GET", "", nullptr}, Op{"GET", "/receipt", nullptr}, Op{"GET", "/certificate", nullptr},
          Op{"POST", "/materials", {{"name", "x"}, {"content", k_scan}}}, Op{"POST", "/submit", json::object()},
          Op{"POST", "/withdraw", json::object()}}) {
        INFO(method << " " << suffix);
        const std::string text = body.is_null() ? std::string() : body.dump();
        const auto theirs = b.send(b.k2, method, "/api/v1/applications/" + no + suffix, text, "o-x", k_t0);
        const auto none = b.send(b.k2, method, "/api/v1/applications/" + ghost + suffix, text, "o-x", k_t0);
        CHECK(theirs.status == 404);
        CHECK(error_id(theirs) == "resource.not_found");
        CHECK(path_of(theirs) == "/params/case_no");
        CHECK(none.status == theirs.status);
        CHECK(error_id(none) == error_id(theirs));
        CHECK(path_of(none) == path_of(theirs));
        CHECK(b.st.audit.records().back().outcome == "resource.not_found");
    }
    CHECK(b.st.applications.find(no)->state == apps::State::submitted);
}

TEST_CASE("an applications outage answers 503, audited; nothing is created", "[applications][R-9.2-1]") {
    Config c = test_config();
    c.profiles["applications"] = services::ServiceProfile::from_json({{"outages", "every day 02:00-02:30"}});
    Bench b(std::move(c));
    const cat::Item& item = plain_item(b.st);
    const sim::Time in_outage = sim::Time{} + 24h + 2h + 5min;
    auto r = b.create(create_body(item, citizen(b.st)), "out-1", nullptr, in_outage);
    CHECK(r.status == 503);
    CHECK(error_id(r) == "service.unavailable");
    CHECK(b.st.audit.records().back().outcome == "service.unavailable");
    CHECK(b.st.applications.size() == 0);
    r = b.create(create_body(item, citizen(b.st)), "out-1", nullptr, in_outage + 30min);
    CHECK(r.status == 201);
    const std::string no = envelope(r)["data"]["case_no"];
    r = b.get("/api/v1/applications/" + no, nullptr, in_outage + 24h);
    CHECK(error_id(r) == "service.unavailable");
}

TEST_CASE("application routes refuse other keys and bad signatures", "[applications][R-8.1-1][R-9.2-1]") {
    Bench b;
    const json body = create_body(plain_item(b.st), citizen(b.st));
    Signer k7 = Signer::kiosk(7);
    auto r = b.create(body, "a-1", &k7);
    CHECK(r.status == 403);
    CHECK(error_id(r) == "auth.unregistered_terminal");
    CHECK(b.st.audit.records().back().outcome == "auth.unregistered_terminal");
    Signer admin = Signer::admin();
    r = b.create(body, "a-1", &admin);
    CHECK(error_id(r) == "auth.forbidden");
    Request tampered = b.k1.sign(b.st.calendar(), k_t0, "POST", "/api/v1/applications", body);
    tampered.headers["idempotency-key"] = "a-1";
    tampered.body[tampered.body.size() - 2] = ' ';
    r = handle_request(tampered, b.st, k_t0);
    CHECK(error_id(r) == "auth.bad_signature");
    r = b.create(body, "a-1", nullptr, k_t0);
    CHECK(r.status == 201);
    CHECK(b.st.applications.size() == 1);
}

TEST_CASE("a whole kiosk session: register, heartbeat, id-check, face, create, materials, submit, receipt", "[applications][session][R-8.4-1][R-8.1-1][R-9.2-1][R-9.3-1]") {
    State st(test_config());
    Signer kiosk = Signer::kiosk(4);
    const cat::Item& item = plain_item(st);
    const Resident& who = citizen(st, 3);
    sim::Time now = k_t0;
    std::vector<std::string> case_numbers;

    auto step = [&](std::string method, std::string target, const json& body, std::string key = {}) {
        now += 20s;
        Request req = kiosk.sign(st.calendar(), now, std::move(method), std::move(target),
                                 body.is_null() ? std::string() : body.dump());
        if (!key.empty()) req.headers["idempotency-key"] = std::move(key);
        const auto r = handle_request(req, st, now);
        INFO(req.method << " " << req.target << " -> " << r.body);
        REQUIRE(r.status < 300);
        CHECK(r.mutated);  // every signed call records its nonce, every change its audit record
        return envelope(r)["data"];
    };

    auto d = step("POST", "/api/v1/terminals/register",
                  {{"terminal_id", "SZ-FT-0004"}, {"site", "福田区行政服务大厅"}, {"region", "440304"},
                   {"peripherals", {{{"id", "idr-1"}, {"type", "idcard_reader"}}, {{"id", "cam-1"}, {"type", "face_camera"}},
                                    {{"id", "doc-1"}, {"type", "document_camera"}}, {{"id", "prn-1"}, {"type", "receipt_printer"}}}}});
    CHECK(d["terminal_id"] == "SZ-FT-0004");
    d = step("POST", "/api/v1/terminals/heartbeat",
             {{"status", "online"},
              {"peripherals", {{{"id", "idr-1"}, {"state", "OK"}}, {{"id", "cam-1"}, {"state", "OK"}},
                               {{"id", "doc-1"}, {"state", "OK"}}, {{"id", "prn-1"}, {"state", "OK"}}}},
              {"consumables", {{"receipt_paper", 90}}}});
    CHECK(d["catalogue_version"] == st.catalogue.version());
    // The kiosk brings its item list up to date (an unsigned read: nothing changes).
    const auto changes = handle_request(plain("GET", "/api/v1/items/changes?since=0"), st, now);
    CHECK(changes.status == 200);
    CHECK_FALSE(changes.mutated);
    const auto one = handle_request(plain("GET", "/api/v1/items/" + item.code), st, now);
    CHECK(one.status == 200);
    CHECK_FALSE(one.mutated);

    d = step("POST", "/api/v1/identity/id-check", {{"id_number", who.id_number}, {"name", who.name}});
    CHECK(d["result"] == "match");
    d = step("POST", "/api/v1/identity/face-compare",
             {{"id_number", who.id_number}, {"sample_template", who.face_template}, {"liveness", true}});
    CHECK(d["threshold"] == Approx(0.80));
    CHECK(d["score"].get<double>() > 0.0);

    d = step("POST", "/api/v1/applications", create_body(item, who), "sess-create-1");
    const std::string no = d["case_no"];
    CHECK(d["state"] == "draft");
    for (const auto& name : apps::required_materials(item))
        step("POST", "/api/v1/applications/" + no + "/materials", {{"name", name}, {"content", k_scan}});
    d = step("POST", "/api/v1/applications/" + no + "/submit", json::object(), "sess-submit-1");
    CHECK(d["state"] == "submitted");
    d = step("GET", "/api/v1/applications/" + no + "/receipt", nullptr);
    CHECK(d["case_no"] == no);
    CHECK(d["item_code"] == item.code);
    CHECK(d["applicant"]["name"] == who.name);
    CHECK(d["applicant"]["id_number"] == protocol::mask_id(who.id_number));
    step("POST", "/api/v1/terminals/heartbeat", {{"status", "online"}});
    d = step("GET", "/api/v1/terminals/self", nullptr);
    CHECK(d["online"] == true);

    // The audit trail tells the session in order, by the terminal, with the ID masked.
    std::vector<std::string> actions;
    for (const auto& rec : st.audit.records())
        if (rec.actor == "SZ-FT-0004") actions.push_back(rec.action);
    const std::vector<std::string> expected_order = {"terminal.register", "terminal.state", "identity.id_check",
                                                     "identity.face_compare", "applications.create",
                                                     "applications.material", "applications.submit"};
    std::size_t at = 0;
    for (const auto& a : actions)
        if (at < expected_order.size() && a == expected_order[at]) ++at;
    CHECK(at == expected_order.size());
    for (const auto& rec : st.audit.records()) CHECK(rec.ok());
    check_audit_clean(st, {who.id_number});
}

TEST_CASE("the OpenAPI document describes the application routes and their idempotency header", "[applications][openapi]") {
    const auto doc = openapi_document();
    const auto& create = doc["paths"]["/api/v1/applications"]["post"];
    CHECK(create["tags"][0] == "applications");
    bool has_key = false;
    for (const auto& p : create["parameters"])
        has_key = has_key || (p["name"] == "idempotency-key" && p["in"] == "header");
    CHECK(has_key);
    CHECK(create["responses"]["409"]["description"].get<std::string>().find("conflict.idempotency_mismatch") !=
          std::string::npos);
    const auto& submit = doc["paths"]["/api/v1/applications/{case_no}/submit"]["post"];
    CHECK(submit["requestBody"]["content"]["application/json"]["schema"]["type"] == "object");
    CHECK_FALSE(submit["requestBody"]["content"]["application/json"]["schema"].contains("required"));
    CHECK(doc["paths"]["/api/v1/applications/{case_no}/receipt"]["get"]["parameters"][0]["name"] == "case_no");
    CHECK(doc["paths"]["/api/v1/applications/{case_no}/certificate"]["get"]["responses"].contains("404"));
}

}  // namespace server_routes_applications_test
