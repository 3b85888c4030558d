// 好差评 through handle_request (issue 6; R-11.3-1..5, R-9.3-1): a terminal
// rates its own 办件 (POST /api/v1/evaluations), reads the record back, and
// the platform walks the 差评 rectification (/admin/v1/evaluations/...).
// Terminals and 办件 are set up through the State's back ends.
#include "gateway_support.hpp"

#include <kiosktwin/protocol/citizen_id.hpp>
#include <kiosktwin/services/population.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

namespace server_routes_evaluations_test {

using namespace kiosktwin;
using namespace kiosktwin::server;
using namespace kiosktwin::server::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

struct Bench {
    State st{test_config()};
    sim::Time now = sim::Time{} + 24h + 9h;  // Tuesday 2026-06-02 09:00 +08:00
    Signer k1 = Signer::kiosk(1);
    Signer k2 = Signer::kiosk(2);
    Signer k3 = Signer::kiosk(3);  // no terminal
    Signer admin = Signer::admin();
    std::vector<std::string> bodies;
    int serial = 0;

    Bench() {
        for (const auto& [id, key] : {std::pair{"T-0001", "kiosk-0001"}, std::pair{"T-0002", "kiosk-0002"}}) {
            REQUIRE(st.terminals
                        .register_terminal({{"terminal_id", id}, {"site", "南山区行政服务大厅"}, {"region", "440305"},
                                            {"key_id", key}, {"peripherals", json::array()}},
                                           now)
                        .ok());
            st.bind(key, id);
        }
    }

    Response call(Signer& s, const std::string& method, const std::string& target, const json& body = nullptr) {
        now += 1s;
        Response r = handle_request(s.sign(st.calendar(), now, method, target, body.is_null() ? std::string() : body.dump()),
                                    st, now);
        bodies.push_back(r.body);
        return r;
    }

    // A 办件 of `terminal`, submitted unless `draft`.
    std::string new_case(const std::string& terminal, bool draft = false, std::size_t who = 0) {
        const json body = {{"item_code", st.catalogue.offered().front()->code},
                           {"applicant", {{"name", people()[who].name}, {"id_number", people()[who].id_number}}}};
        const std::string n = std::to_string(++serial);
        const auto r = st.applications.create(body, "c-" + n, terminal, now);
        REQUIRE(r.ok());
        if (!draft) REQUIRE(st.applications.submit(r.case_no, "s-" + n, now).ok());
        return r.case_no;
    }
};

json data(const Response& r) { return envelope(r)["data"]; }
std::string path(const Response& r) { return data(r).value("path", std::string()); }
const services::audit::Record& last_audit(const State& st) { return st.audit.records().back(); }

}  // namespace

TEST_CASE("evaluations: a terminal rates its 办件 once per handling; the record has the R-11.3-4 fields",
          "[evaluations][R-11.3-2][R-11.3-4]") {
    Bench b;
    const std::string case_no = b.new_case("T-0001");
    const auto* app = b.st.applications.find(case_no);
    const auto* item = b.st.catalogue.find(app->item_code);
    REQUIRE(item);

    auto r = b.call(b.k1, "POST", "/api/v1/evaluations",
                    {{"case_no", case_no}, {"level", 5}, {"indicators", {{"overall", 5}, {"attitude", 4}}}});
    REQUIRE(r.status == 201);
    CHECK(r.mutated);
    const json e = data(r);
    const std::string id = e["eval_id"].get<std::string>();
    CHECK(id.rfind("PJ-", 0) == 0);
    // Filled in from the caller, the 办件 and the catalogue.
    CHECK(e["terminal_id"] == "T-0001");
    CHECK(e["case_no"] == case_no);
    CHECK(e["handling_seq"] == 1);
    CHECK(e["item_code"] == app->item_code);
    CHECK(e["item_name"] == item->name);
    CHECK(e["department"] == item->implementing_body);
    CHECK(e["region"] == app->item_code.substr(0, 6));
    CHECK(e["channel"] == "kiosk");
    CHECK(e["handled_at"] == b.st.calendar().iso8601(app->updated_at));
    CHECK(e["evaluated_at"] == b.st.calendar().iso8601(b.now));
    CHECK(e["level"] == 5);
    CHECK(e["indicators"]["overall"] == 5);
    CHECK(e["indicators"]["attitude"] == 4);
    CHECK(e["anonymous"] == true);
    CHECK(e["rater"] == "");
    CHECK(e["content_version"] == "1");
    CHECK(e["rectification"].is_null());
    CHECK(last_audit(b.st).action == "evaluations.submit");
    CHECK(last_audit(b.st).actor == "T-0001");
    CHECK(last_audit(b.st).detail["eval_id"] == id);

    // 一次一评 (R-11.3-2).
    r = b.call(b.k1, "POST", "/api/v1/evaluations", {{"case_no", case_no}, {"level", 1}, {"reasons", {"attitude"}}});
    CHECK(r.status == 409);
    CHECK(error_id(r) == "conflict.duplicate_evaluation");
    CHECK(path(r) == "/case_no");
    CHECK(last_audit(b.st).outcome == "conflict.duplicate_evaluation");
    CHECK(b.st.evaluations.size() == 1);
    // The next handling of the same 办件 is a new evaluation.
    r = b.call(b.k1, "POST", "/api/v1/evaluations", {{"case_no", case_no}, {"handling_seq", 2}, {"level", 4}});
    CHECK(r.status == 201);
    CHECK(data(r)["handling_seq"] == 2);

    // Read back by its terminal only.
    r = b.call(b.k1, "GET", "/api/v1/evaluations/" + id);
    REQUIRE(r.status == 200);
    CHECK(data(r) == e);
    r = b.call(b.k2, "GET", "/api/v1/evaluations/" + id);
    CHECK(error_id(r) == "resource.not_found");
    CHECK(path(r) == "/params/id");
    r = b.call(b.k1, "GET", "/api/v1/evaluations/PJ-99999999");
    CHECK(error_id(r) == "resource.not_found");
    r = b.call(b.k3, "GET", "/api/v1/evaluations/" + id);
    CHECK(error_id(r) == "auth.unregistered_terminal");
    CHECK(last_audit(b.st).outcome == "auth.unregistered_terminal");
}

TEST_CASE("evaluations: 差评 need a reason from the code table", "[evaluations][R-11.3-1]") {
    Bench b;
    struct Case {
        json extra;
        const char* error;
        const char* path;
    };
    const std::vector<Case> cases = {
        {{{"level", 2}}, "request.missing_field", "/reasons"},
        {{{"level", 1}, {"reasons", json::array()}}, "request.missing_field", "/reasons"},
        {{{"level", 1}, {"reasons", {"nonsense"}}}, "request.unknown_code", "/reasons/0"},
        {{{"level", 6}}, "request.unknown_code", "/level"},
        {{{"level", 0}}, "request.unknown_code", "/level"},
        {json::object(), "request.missing_field", "/level"},
    };
    const std::string case_no = b.new_case("T-0001");
    for (const auto& c : cases) {
        INFO(c.extra.dump());
        json body = c.extra;
        body["case_no"] = case_no;
        auto r = b.call(b.k1, "POST", "/api/v1/evaluations", body);
        CHECK(r.status == 400);
        CHECK(error_id(r) == c.error);
        CHECK(path(r) == c.path);
        CHECK(last_audit(b.st).outcome == c.error);
    }
    CHECK(b.st.evaluations.size() == 0);

    auto r = b.call(b.k1, "POST", "/api/v1/evaluations",
                    {{"case_no", case_no}, {"level", 2}, {"reasons", {"efficiency", "device_fault"}}});
    REQUIRE(r.status == 201);
    CHECK(data(r)["reasons"] == json({"efficiency", "device_fault"}));
    CHECK(data(r)["rectification"]["stage"] == "verify");
    CHECK(data(r)["rectification"]["return_visit_required"] == false);  // anonymous
    // A good review may carry reasons, but they are checked too.
    const std::string other = b.new_case("T-0001");
    r = b.call(b.k1, "POST", "/api/v1/evaluations", {{"case_no", other}, {"level", 4}, {"reasons", {"bogus"}}});
    CHECK(error_id(r) == "request.unknown_code");
    CHECK(path(r) == "/reasons/0");
}

TEST_CASE("evaluations: the terminal, the 办件 and the handling must be the caller's and real",
          "[evaluations][R-11.1-1][R-9.2-1]") {
    Bench b;
    const std::string mine = b.new_case("T-0001");
    const std::string theirs = b.new_case("T-0002");
    const std::string draft = b.new_case("T-0001", true);
    const std::string future = b.st.calendar().iso8601(b.now + 1h);
    struct Case {
        json body;
        int status;
        const char* error;
        const char* path;
    };
    const std::vector<Case> cases = {
        {{{"case_no", mine}, {"level", 5}, {"terminal_id", "T-0002"}}, 400, "request.bad_field", "/terminal_id"},
        {{{"case_no", mine}, {"level", 5}, {"terminal_id", 7}}, 400, "request.bad_field", "/terminal_id"},
        {{{"level", 5}}, 400, "request.missing_field", "/case_no"},
        {{{"case_no", theirs}, {"level", 5}}, 404, "resource.not_found", "/case_no"},
        {{{"case_no", "440300-20260602-999999"}, {"level", 5}}, 404, "resource.not_found", "/case_no"},
        {{{"case_no", draft}, {"level", 5}}, 409, "conflict.state", "/case_no"},
        {{{"case_no", mine}, {"level", 5}, {"item_code", "44030000GA-XK-9999"}}, 400, "request.bad_field",
         "/item_code"},
        {{{"case_no", mine}, {"level", 5}, {"handled_at", future}}, 400, "request.bad_field", "/handled_at"},
        {{{"case_no", mine}, {"level", 5}, {"handled_at", "2026-06-02T01:00:00Z"}}, 400, "request.bad_field",
         "/handled_at"},
        {{{"case_no", mine}, {"level", 5}, {"channel", "fax"}}, 400, "request.unknown_code", "/channel"},
        {{{"case_no", mine}, {"level", 5}, {"indicators", {{"overall", 9}}}}, 400, "request.bad_field",
         "/indicators/overall"},
        {{{"case_no", mine}, {"level", 5}, {"comment", std::string(501, 'a')}}, 400, "request.bad_field",
         "/comment"},
    };
    for (const auto& c : cases) {
        INFO(c.body.dump());
        const std::size_t before = b.st.audit.size();
        auto r = b.call(b.k1, "POST", "/api/v1/evaluations", c.body);
        CHECK(r.status == c.status);
        CHECK(error_id(r) == c.error);
        CHECK(path(r) == c.path);
        REQUIRE(b.st.audit.size() == before + 1);
        CHECK(last_audit(b.st).outcome == c.error);
    }
    CHECK(b.st.evaluations.size() == 0);

    // Naming itself, the item and the handling time explicitly is fine.
    const auto* app = b.st.applications.find(mine);
    auto r = b.call(b.k1, "POST", "/api/v1/evaluations",
                    {{"case_no", mine},
                     {"level", 3},
                     {"terminal_id", "T-0001"},
                     {"item_code", app->item_code},
                     {"channel", "qr_code"},
                     {"handled_at", b.st.calendar().iso8601(b.now)}});
    CHECK(r.status == 201);
    CHECK(data(r)["channel"] == "qr_code");
}

TEST_CASE("evaluations: the rater is masked and the comment filtered in the record and the audit log",
          "[evaluations][R-9.3-1][R-11.3-4]") {
    Bench b;
    const auto& rater = people()[5];
    const std::string case_no = b.new_case("T-0001", false, 5);
    std::string bad_id = rater.id_number;
    bad_id.back() = bad_id.back() == '1' ? '2' : '1';

    auto r = b.call(b.k1, "POST", "/api/v1/evaluations",
                    {{"case_no", case_no}, {"level", 5}, {"rater", {{"id_number", bad_id}}}});
    CHECK(error_id(r) == "request.bad_id_number");
    CHECK(path(r) == "/rater/id_number");

    r = b.call(b.k1, "POST", "/api/v1/evaluations",
               {{"case_no", case_no},
                {"level", 1},
                {"reasons", {"attitude"}},
                {"rater", {{"id_number", rater.id_number}}},
                {"comment", "请回电 13800138000，身份证 " + rater.id_number}});
    REQUIRE(r.status == 201);
    const json e = data(r);
    CHECK(e["anonymous"] == false);
    CHECK(e["rater"] == protocol::mask_id(rater.id_number));
    CHECK(e["comment"].get<std::string>().find("13800138000") == std::string::npos);
    CHECK(e["rectification"]["return_visit_required"] == true);
    r = b.call(b.k1, "GET", "/api/v1/evaluations/" + e["eval_id"].get<std::string>());
    CHECK(data(r)["rater"] == protocol::mask_id(rater.id_number));

    for (const auto& body : b.bodies) CHECK(body.find(rater.id_number) == std::string::npos);
    const std::string log = b.st.audit.to_jsonl();
    CHECK(log.find(rater.id_number) == std::string::npos);
    CHECK(b.st.audit.verify().ok);
}

TEST_CASE("evaluations: the platform walks a 差评's rectification, with the return visit of a named one",
          "[evaluations][admin][R-11.3-5]") {
    Bench b;
    const std::string named_case = b.new_case("T-0001");
    const std::string anon_case = b.new_case("T-0001");
    const std::string good_case = b.new_case("T-0001");
    auto submit = [&](const json& body) {
        auto r = b.call(b.k1, "POST", "/api/v1/evaluations", body);
        REQUIRE(r.status == 201);
        return data(r)["eval_id"].get<std::string>();
    };
    const std::string named = submit({{"case_no", named_case},
                                      {"level", 1},
                                      {"reasons", {"not_handled"}},
                                      {"rater", {{"id_number", people()[7].id_number}}}});
    const std::string anon = submit({{"case_no", anon_case}, {"level", 2}, {"reasons", {"repeat_visits"}}});
    const std::string good = submit({{"case_no", good_case}, {"level", 5}});
    auto advance = [&](const std::string& id, const json& body) {
        return b.call(b.admin, "POST", "/admin/v1/evaluations/" + id + "/advance", body);
    };
    auto visit = [&](const std::string& id, const json& body) {
        return b.call(b.admin, "POST", "/admin/v1/evaluations/" + id + "/return-visit", body);
    };

    // Steps in order only.
    auto r = advance(named, {{"stage", "rectify"}});
    CHECK(r.status == 409);
    CHECK(error_id(r) == "conflict.state");
    for (const char* stage : {"verify", "rectify", "feed_back"}) {
        INFO(stage);
        r = advance(named, {{"stage", stage}, {"note", std::string("done: ") + stage}});
        REQUIRE(r.status == 200);
        CHECK(last_audit(b.st).action == "admin.evaluations.advance");
        CHECK(last_audit(b.st).actor == "admin-0001");
    }
    CHECK(data(r)["rectification"]["stage"] == "review");
    // A named 差评 closes only after its return visit.
    r = advance(named, {{"stage", "review"}});
    CHECK(error_id(r) == "conflict.state");
    r = visit(named, {{"note", "已电话回访"}});
    REQUIRE(r.status == 200);
    CHECK(data(r)["rectification"]["return_visit_note"] == "已电话回访");
    CHECK(last_audit(b.st).action == "admin.evaluations.return_visit");
    r = visit(named, json::object());
    CHECK(error_id(r) == "conflict.state");
    r = advance(named, {{"stage", "review"}});
    REQUIRE(r.status == 200);
    CHECK(data(r)["rectification"]["stage"] == "closed");
    CHECK(data(r)["rectification"]["steps"].size() == 4);
    r = advance(named, {{"stage", "verify"}});
    CHECK(error_id(r) == "conflict.state");

    SECTION("refusals") {
        r = advance(anon, {{"stage", "closed"}});
        CHECK(error_id(r) == "request.bad_field");
        CHECK(path(r) == "/stage");
        r = advance(anon, {{"stage", "nonsense"}});
        CHECK(error_id(r) == "request.unknown_code");
        CHECK(path(r) == "/stage");
        r = advance(anon, json::object());
        CHECK(error_id(r) == "request.missing_field");
        CHECK(path(r) == "/stage");
        r = advance(anon, {{"stage", "verify"}, {"note", 5}});
        CHECK(error_id(r) == "request.bad_field");
        CHECK(path(r) == "/note");
        r = advance("PJ-404", {{"stage", "verify"}});
        CHECK(error_id(r) == "resource.not_found");
        CHECK(path(r) == "/params/id");
        r = visit("PJ-404", json::object());
        CHECK(error_id(r) == "resource.not_found");
        CHECK(path(r) == "/params/id");
        // A good review has nothing to rectify.
        r = advance(good, {{"stage", "verify"}});
        CHECK(error_id(r) == "conflict.state");
        r = visit(good, json::object());
        CHECK(error_id(r) == "conflict.state");
        // Terminals do not run the platform's side.
        r = b.call(b.k1, "POST", "/admin/v1/evaluations/" + anon + "/advance", json{{"stage", "verify"}});
        CHECK(r.status == 403);
        CHECK(error_id(r) == "auth.forbidden");
        CHECK(last_audit(b.st).outcome == "auth.forbidden");
        CHECK(b.st.evaluations.find(anon)->rectification->stage == services::evaluations::Stage::verify);
    }

    SECTION("the summary counts levels, reasons and rectifications, and the overdue") {
        // An anonymous 差评 needs no return visit.
        for (const char* stage : {"verify", "rectify", "feed_back", "review"}) REQUIRE(advance(anon, {{"stage", stage}}).status == 200);
        const std::string late = submit({{"case_no", b.new_case("T-0001")}, {"level", 2}, {"reasons", {"other"}}});
        b.now += 24h * 30;  // past the 15 working days
        r = b.call(b.admin, "GET", "/admin/v1/evaluations/summary");
        REQUIRE(r.status == 200);
        const json s = data(r);
        CHECK(s["total"] == 4);
        CHECK(s["bad"] == 3);
        CHECK(s["by_level"]["1"] == 1);
        CHECK(s["by_level"]["2"] == 2);
        CHECK(s["by_level"]["5"] == 1);
        CHECK(s["by_reason"]["not_handled"] == 1);
        CHECK(s["rectification"]["closed"] == 2);
        CHECK(s["rectification"]["open"] == 1);
        CHECK(s["rectification"]["overdue"] == 1);
        CHECK(s["overdue_ids"] == json::array({late}));
        r = b.call(b.k1, "GET", "/admin/v1/evaluations/summary");
        CHECK(error_id(r) == "auth.forbidden");
    }
    CHECK(b.st.audit.verify().ok);
}

}  // namespace server_routes_evaluations_test
