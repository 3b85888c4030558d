// The platform side (/admin/v1) through handle_request (issue 6): roles
// (R-9.2-1), departments' decisions with the 跨域通办 rules (R-7.5-1),
// terminal management reads and commands (R-8.4-1, R-10.1-1 inputs),
// catalogue changes and their deltas (R-6.2-2, R-6.3-1, R-6.4-1) and the
// audit log (R-9.3-1). Terminals and 办件 are set up through the State's back
// ends, not through the terminal and application routes.
#include "gateway_support.hpp"

#include <kiosktwin/server/openapi.hpp>

#include <kiosktwin/protocol/citizen_id.hpp>
#include <kiosktwin/services/catalogue.hpp>
#include <kiosktwin/services/population.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <utility>
#include <vector>

namespace server_routes_admin_test {

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
    Signer admin = Signer::admin();
    std::vector<std::string> bodies;
    int serial = 0;

    Bench() {
        for (const auto& [id, key] : {std::pair{"T-0001", "kiosk-0001"}, std::pair{"T-0002", "kiosk-0002"}}) {
            REQUIRE(st.terminals
                        .register_terminal({{"terminal_id", id},
                                            {"site", "罗湖区政务服务中心"},
                                            {"region", "440303"},
                                            {"key_id", key},
                                            {"heartbeat_interval_s", 60},
                                            {"peripherals", json::array()}},
                                           now)
                        .ok());
            st.bind(key, id);
        }
    }

    Response call(Signer& s, const std::string& method, const std::string& target, const json& body = nullptr) {
        now += 1s;
        Response r = handle_request(
            s.sign(st.calendar(), now, method, target, body.is_null() ? std::string() : body.dump()), st, now);
        bodies.push_back(r.body);
        return r;
    }
    Response open(const std::string& target) {
        Response r = handle_request(plain("GET", target), st, now);
        bodies.push_back(r.body);
        return r;
    }

    // A 办件 of T-0001 for `item` (default: the first offered one), optionally cross-region, submitted unless draft.
    std::string new_case(const json& cross = nullptr, std::string item = {}, bool draft = false) {
        if (item.empty()) item = st.catalogue.offered().front()->code;
        const auto& who = people()[static_cast<std::size_t>(serial) % people().size()];
        json body = {{"item_code", item}, {"applicant", {{"name", who.name}, {"id_number", who.id_number}}}};
        if (!cross.is_null()) body["cross_region"] = cross;
        const std::string n = std::to_string(++serial);
        const auto r = st.applications.create(body, "c-" + n, "T-0001", now);
        REQUIRE(r.ok());
        if (!draft) REQUIRE(st.applications.submit(r.case_no, "s-" + n, now).ok());
        return r.case_no;
    }
};

json data(const Response& r) { return envelope(r)["data"]; }
std::string path(const Response& r) { return data(r).value("path", std::string()); }
const services::audit::Record& last_audit(const State& st) { return st.audit.records().back(); }

std::string fill_params(std::string_view pattern) {
    std::string out;
    bool in = false;
    for (char c : pattern) {
        if (c == '{') {
            in = true;
            out.append("x");
        } else if (c == '}') {
            in = false;
        } else if (!in) {
            out.push_back(c);
        }
    }
    return out;
}

}  // namespace

TEST_CASE("admin: every /admin/v1 route refuses a kiosk key with 403 auth.forbidden, audited", "[admin][R-9.2-1]") {
    Bench b;
    std::size_t admin_routes = 0;
    for (const Route& r : routes()) {
        if (std::string_view(r.pattern).rfind("/admin/v1/", 0) != 0) continue;
        ++admin_routes;
        CHECK(r.access == Access::admin);
        CHECK(r.tag == "admin");
        INFO(r.id);
        const std::string target = fill_params(r.pattern);
        const json body = r.request_schema.empty() ? json(nullptr) : json::object();
        const std::size_t before = b.st.audit.size();
        auto res = b.call(b.k1, std::string(r.method), target, body);
        CHECK(res.status == 403);
        CHECK(error_id(res) == "auth.forbidden");
        CHECK(res.mutated);
        REQUIRE(b.st.audit.size() == before + 1);
        CHECK(last_audit(b.st).outcome == "auth.forbidden");
        CHECK(last_audit(b.st).action == r.id);
        CHECK(last_audit(b.st).actor == "kiosk-0001");

        // Unsigned: 401.
        Request unsigned_req = plain(std::string(r.method), target, body.is_null() ? std::string() : body.dump());
        auto u = handle_request(unsigned_req, b.st, b.now);
        CHECK(u.status == 401);
        CHECK(error_id(u) == "auth.missing_header");
    }
    CHECK(admin_routes >= 28);
    CHECK(b.st.audit.verify().ok);
}

TEST_CASE("admin: the routes are documented in the OpenAPI document", "[admin][openapi][R-8.2-1]") {
    const json doc = openapi_document();
    for (const Route& r : routes()) {
        if (std::string_view(r.pattern).rfind("/admin/v1/", 0) != 0) continue;
        INFO(r.id);
        std::string method(r.method);
        for (auto& ch : method) ch = static_cast<char>(ch - 'A' + 'a');
        REQUIRE(doc["paths"].contains(std::string(r.pattern)));
        const json& op = doc["paths"][std::string(r.pattern)][method];
        CHECK(op["operationId"] == r.id);
        CHECK(op["x-kiosk-access"] == "admin key");
        CHECK(std::string_view(r.summary).find(" / ") != std::string_view::npos);
        CHECK(op.contains("requestBody") == !r.request_schema.empty());
        if (!r.request_schema.empty()) {
            CHECK(op["requestBody"]["content"]["application/json"]["schema"]["type"] == "object");
        }
        // Every error a handler names is among the documented answers.
        for (auto e : r.errors) {
            const std::string status = std::to_string(api::http_status(e));
            REQUIRE(op["responses"].contains(status));
            CHECK(op["responses"][status]["description"].get<std::string>().find(std::string(api::to_string(e))) !=
                  std::string::npos);
        }
    }
}

TEST_CASE("admin: a department decides a local 办件", "[admin][applications][R-7.5-1]") {
    Bench b;
    const std::string case_no = b.new_case();
    const std::string base = "/admin/v1/applications/" + case_no;

    struct Case {
        json body;
        const char* error;
        const char* path;
    };
    const std::vector<Case> cases = {
        {{{"actor", "handling"}}, "request.missing_field", "/to"},
        {{{"to", "accepted"}}, "request.missing_field", "/actor"},
        {{{"to", "nonsense"}, {"actor", "handling"}}, "request.unknown_code", "/to"},
        {{{"to", "submitted"}, {"actor", "handling"}}, "request.bad_field", "/to"},
        {{{"to", "draft"}, {"actor", "handling"}}, "request.bad_field", "/to"},
        {{{"to", "accepted"}, {"actor", "mayor"}}, "request.unknown_code", "/actor"},
        {{{"to", "accepted"}, {"actor", "handling"}, {"note", std::string(501, 'n')}}, "request.bad_field", "/note"},
        {{{"to", 3}, {"actor", "handling"}}, "request.bad_field", "/to"},
    };
    for (const auto& c : cases) {
        INFO(c.body.dump());
        auto r = b.call(b.admin, "POST", base + "/advance", c.body);
        CHECK(r.status == 400);
        CHECK(error_id(r) == c.error);
        CHECK(path(r) == c.path);
        CHECK(last_audit(b.st).outcome == c.error);
    }
    auto r = b.call(b.admin, "POST", "/admin/v1/applications/440300-20260602-999999/advance",
                    json{{"to", "accepted"}, {"actor", "handling"}});
    CHECK(error_id(r) == "resource.not_found");
    CHECK(path(r) == "/params/case_no");
    CHECK(b.st.applications.find(case_no)->state == services::applications::State::submitted);

    for (const char* to : {"accepted", "in_review", "approved", "certificate_issued"}) {
        INFO(to);
        r = b.call(b.admin, "POST", base + "/advance", json{{"to", to}, {"actor", "handling"}, {"note", "ok"}});
        REQUIRE(r.status == 200);
        CHECK(data(r)["state"] == to);
        CHECK(last_audit(b.st).action == "admin.applications.advance");
        CHECK(last_audit(b.st).actor == "admin-0001");
        CHECK(last_audit(b.st).detail["to"] == to);
    }
    r = b.call(b.admin, "POST", base + "/advance", json{{"to", "approved"}, {"actor", "handling"}});
    CHECK(r.status == 409);
    CHECK(error_id(r) == "conflict.state");
    r = b.call(b.admin, "POST", base + "/forward", json{{"courier_no", "SF1"}, {"actor", "receiving"}});
    CHECK(error_id(r) == "conflict.state");  // a local 办件 has nothing to forward

    r = b.call(b.admin, "GET", base);
    REQUIRE(r.status == 200);
    CHECK(data(r)["state"] == "certificate_issued");
    CHECK(data(r)["history"].size() >= 5);
    r = b.call(b.admin, "GET", "/admin/v1/applications/nope");
    CHECK(error_id(r) == "resource.not_found");
    CHECK(path(r) == "/params/case_no");

    SECTION("a local 办件's steps may be relayed by anyone; a rejection keeps its note") {
        const std::string other = b.new_case();
        r = b.call(b.admin, "POST", "/admin/v1/applications/" + other + "/advance",
                   json{{"to", "rejected"}, {"actor", "kiosk"}, {"note", "材料不全"}});
        REQUIRE(r.status == 200);
        CHECK(b.st.applications.find(other)->reason == "材料不全");
    }
    for (const auto& body : b.bodies)
        for (std::size_t i = 0; i < 2; ++i) CHECK(body.find(people()[i].id_number) == std::string::npos);
}

TEST_CASE("admin: a cross-region 办件 is decided by the handling department only", "[admin][applications][R-7.5-1]") {
    Bench b;
    auto advance = [&](const std::string& c, const char* to, const char* actor) {
        return b.call(b.admin, "POST", "/admin/v1/applications/" + c + "/advance", json{{"to", to}, {"actor", actor}});
    };
    auto transfer = [&](const std::string& c, const char* op, const json& body) {
        return b.call(b.admin, "POST", "/admin/v1/applications/" + c + "/" + op, body);
    };
    auto state_of = [&](const std::string& c) {
        return std::string(services::applications::to_string(b.st.applications.find(c)->state));
    };

    SECTION("异地代收代办: formal check here, forward, handling there, result back") {
        const std::string c =
            b.new_case({{"mode", "proxy"}, {"receiving_region", "440300"}, {"handling_region", "510100"}});
        CHECK(error_id(advance(c, "accepted", "handling")) == "conflict.state");  // never skips the formal check
        CHECK(error_id(advance(c, "formal_checked", "kiosk")) == "conflict.state");
        CHECK(error_id(advance(c, "formal_checked", "handling")) == "conflict.state");
        CHECK(state_of(c) == "submitted");
        REQUIRE(advance(c, "formal_checked", "receiving").status == 200);
        CHECK(error_id(advance(c, "accepted", "handling")) == "conflict.state");  // materials not forwarded yet

        auto r = transfer(c, "forward", json{{"courier_no", "SF1234567890"}, {"actor", "handling"}});
        CHECK(error_id(r) == "conflict.state");
        r = transfer(c, "forward", json{{"actor", "receiving"}});
        CHECK(error_id(r) == "request.missing_field");
        CHECK(path(r) == "/courier_no");
        r = transfer(c, "forward", json{{"courier_no", std::string(41, '9')}, {"actor", "receiving"}});
        CHECK(error_id(r) == "request.bad_field");
        CHECK(path(r) == "/courier_no");
        r = transfer(c, "forward", json{{"courier_no", "SF1"}, {"actor", "post office"}});
        CHECK(error_id(r) == "request.unknown_code");
        CHECK(path(r) == "/actor");
        r = transfer(c, "forward", json{{"courier_no", "SF1"}});
        CHECK(error_id(r) == "request.missing_field");
        CHECK(path(r) == "/actor");
        r = transfer("nope", "forward", json{{"courier_no", "SF1"}, {"actor", "receiving"}});
        CHECK(error_id(r) == "resource.not_found");
        CHECK(path(r) == "/params/case_no");

        r = transfer(c, "forward", json{{"courier_no", "SF1234567890"}, {"actor", "receiving"}});
        REQUIRE(r.status == 200);
        CHECK(data(r)["cross_region"]["transfer"] == "forwarded");
        CHECK(data(r)["cross_region"]["courier_no"] == "SF1234567890");
        CHECK(last_audit(b.st).action == "admin.applications.forward");
        CHECK(error_id(transfer(c, "forward", json{{"courier_no", "SF2"}, {"actor", "receiving"}})) == "conflict.state");

        CHECK(error_id(advance(c, "accepted", "receiving")) == "conflict.state");
        REQUIRE(advance(c, "accepted", "handling").status == 200);
        REQUIRE(advance(c, "in_review", "handling").status == 200);
        CHECK(error_id(advance(c, "approved", "receiving")) == "conflict.state");
        CHECK(error_id(advance(c, "approved", "kiosk")) == "conflict.state");
        REQUIRE(advance(c, "approved", "handling").status == 200);
        CHECK(error_id(advance(c, "certificate_issued", "receiving")) == "conflict.state");
        REQUIRE(advance(c, "certificate_issued", "handling").status == 200);

        CHECK(error_id(transfer(c, "return", json{{"courier_no", "EMS1"}, {"actor", "receiving"}})) == "conflict.state");
        r = transfer(c, "return", json{{"courier_no", "EMS1"}, {"actor", "handling"}});
        REQUIRE(r.status == 200);
        CHECK(data(r)["cross_region"]["transfer"] == "result_returned");
        CHECK(data(r)["cross_region"]["result_courier_no"] == "EMS1");
        CHECK(last_audit(b.st).action == "admin.applications.return");
        CHECK(error_id(transfer(c, "return", json{{"courier_no", "EMS2"}, {"actor", "handling"}})) == "conflict.state");
    }
    SECTION("全程网办: the decision is the handling department's, never the receiving side's") {
        const std::string c =
            b.new_case({{"mode", "online"}, {"receiving_region", "440300"}, {"handling_region", "110101"}});
        CHECK(error_id(advance(c, "accepted", "kiosk")) == "conflict.state");
        REQUIRE(advance(c, "accepted", "handling").status == 200);
        REQUIRE(advance(c, "in_review", "handling").status == 200);
        CHECK(error_id(advance(c, "approved", "receiving")) == "conflict.state");
        CHECK(error_id(advance(c, "rejected", "receiving")) == "conflict.state");
        CHECK(state_of(c) == "in_review");
        REQUIRE(advance(c, "rejected", "handling").status == 200);
        CHECK(state_of(c) == "rejected");
        // Before the decision there is no result to return.
        const std::string d =
            b.new_case({{"mode", "online"}, {"receiving_region", "440300"}, {"handling_region", "110101"}});
        CHECK(error_id(transfer(d, "return", json{{"courier_no", "EMS"}, {"actor", "handling"}})) == "conflict.state");
    }
    CHECK(b.st.audit.verify().ok);
}

TEST_CASE("admin: terminals are listed with their online flag and availability; commands are queued",
          "[admin][terminals][R-8.4-1][R-10.1-1]") {
    Bench b;
    const sim::Time t0 = b.now;
    const sim::Calendar& cal = b.st.calendar();
    auto q = [&](sim::Time t) {  // a GB/T 7408 time for a query ('+' as %2B)
        std::string s = cal.iso8601(t);
        const auto plus = s.rfind('+');
        return s.substr(0, plus) + "%2B" + s.substr(plus + 1);
    };
    REQUIRE(b.st.terminals.heartbeat("T-0001", {{"status", "online"}}, t0).outcome.ok());
    REQUIRE(b.st.terminals.heartbeat("T-0001", {{"status", "fault"}}, t0 + 60s).outcome.ok());
    REQUIRE(b.st.terminals.heartbeat("T-0001", {{"status", "online"}}, t0 + 120s).outcome.ok());
    b.now = t0 + 200s;

    auto r = b.call(b.admin, "GET", "/admin/v1/terminals");
    REQUIRE(r.status == 200);
    CHECK(data(r)["total"] == 2);
    CHECK(data(r)["online"] == 1);
    const json t1 = data(r)["terminals"][0];
    CHECK(t1["terminal_id"] == "T-0001");
    CHECK(t1["online"] == true);
    CHECK(t1["status"] == "online");
    CHECK(t1["availability"]["from"] == cal.iso8601(t0));
    CHECK(data(r)["terminals"][1]["online"] == false);
    CHECK(data(r)["terminals"][1]["status"] == "offline");

    // Over [t0, t0 + 600 s): online until the third missed heartbeat after t0 + 120 s.
    r = b.call(b.admin, "GET", "/admin/v1/terminals?from=" + q(t0) + "&to=" + q(t0 + 600s));
    REQUIRE(r.status == 200);
    const json a = data(r)["terminals"][0]["availability"];
    CHECK(a["window_s"] == Approx(600));
    CHECK(a["online_s"] == Approx(300));
    CHECK(a["powered_s"] == Approx(300));
    CHECK(a["fault_s"] == Approx(60));
    CHECK(a["online_ratio"] == Approx(0.5));
    const json a2 = data(r)["terminals"][1]["availability"];
    CHECK(a2["online_s"] == Approx(0));
    CHECK(a2["window_s"] == Approx(600));

    r = b.call(b.admin, "GET", "/admin/v1/terminals?from=yesterday");
    CHECK(error_id(r) == "request.bad_field");
    CHECK(path(r) == "/query/from");
    r = b.call(b.admin, "GET", "/admin/v1/terminals?to=2026-06-02T09:00:00Z");
    CHECK(error_id(r) == "request.bad_field");
    CHECK(path(r) == "/query/to");
    r = b.call(b.admin, "GET", "/admin/v1/terminals?from=" + q(t0 + 600s) + "&to=" + q(t0));
    CHECK(error_id(r) == "request.bad_field");
    CHECK(path(r) == "/query/from");

    // Commands.
    const std::size_t before = b.st.audit.size();
    r = b.call(b.admin, "POST", "/admin/v1/terminals/T-0001/commands",
               json{{"kind", "publish_notice"}, {"args", {{"text", "端午节假期安排"}}}});
    REQUIRE(r.status == 201);
    const auto command = data(r)["command_id"].get<std::uint64_t>();
    CHECK(data(r)["kind"] == "publish_notice");
    REQUIRE(b.st.audit.size() == before + 2);  // the registry's record of what, and ours of who
    CHECK(b.st.audit.records()[before].action == "terminal.command.enqueue");
    CHECK(last_audit(b.st).action == "admin.terminals.command");
    CHECK(last_audit(b.st).actor == "admin-0001");
    r = b.call(b.admin, "POST", "/admin/v1/terminals/T-0002/commands", json{{"kind", "lock"}});
    CHECK(r.status == 201);
    CHECK(data(r)["command_id"].get<std::uint64_t>() == command + 1);

    struct Case {
        std::string target;
        json body;
        const char* error;
        const char* path;
    };
    const std::vector<Case> cases = {
        {"/admin/v1/terminals/T-0001/commands", {{"kind", "explode"}}, "request.unknown_code", "/kind"},
        {"/admin/v1/terminals/T-0001/commands", json::object(), "request.missing_field", "/kind"},
        {"/admin/v1/terminals/T-0001/commands", {{"kind", "restart"}, {"args", "now"}}, "request.bad_field", "/args"},
        {"/admin/v1/terminals/T-9999/commands", {{"kind", "restart"}}, "resource.not_found", "/params/id"},
    };
    for (const auto& c : cases) {
        INFO(c.body.dump());
        r = b.call(b.admin, "POST", c.target, c.body);
        CHECK(error_id(r) == c.error);
        CHECK(path(r) == c.path);
        CHECK(last_audit(b.st).outcome == c.error);
    }

    r = b.call(b.admin, "GET", "/admin/v1/terminals/T-0001");
    REQUIRE(r.status == 200);
    CHECK(data(r)["pending_commands"] == 1);
    REQUIRE(data(r)["commands"].size() == 1);
    CHECK(data(r)["commands"][0]["delivered_at"].is_null());
    // The next heartbeat delivers it.
    const auto reply = b.st.terminals.heartbeat("T-0001", {{"status", "online"}}, b.now + 1s);
    REQUIRE(reply.commands.size() == 1);
    CHECK(reply.commands[0].id == command);
    r = b.call(b.admin, "GET", "/admin/v1/terminals/T-0001");
    CHECK(data(r)["pending_commands"] == 0);
    CHECK(data(r)["commands"][0]["delivered_at"].is_string());
    CHECK(data(r)["commands"][0]["args"]["text"] == "端午节假期安排");
    r = b.call(b.admin, "GET", "/admin/v1/terminals/T-9999");
    CHECK(error_id(r) == "resource.not_found");
    CHECK(path(r) == "/params/id");
    r = b.call(b.admin, "GET", "/admin/v1/terminals/T-0001?from=bad");
    CHECK(path(r) == "/query/from");
}

TEST_CASE("admin: catalogue changes bump the version and reach kiosks as a delta",
          "[admin][catalogue][R-6.2-2][R-6.3-1][R-6.4-1]") {
    namespace cat = services::catalogue;
    Bench b;
    const sim::Calendar& cal = b.st.calendar();
    const cat::Item& model = *b.st.catalogue.offered().front();
    std::string code = model.code;
    code.replace(code.size() - 4, 4, "9876");
    REQUIRE(b.st.catalogue.find(code) == nullptr);
    json item = cat::to_json(model, cal);
    item["code"] = code;
    item["name"] = "测试事项（新增）";
    item["stage"] = "applied";
    item["status"] = "normal";
    item["status_note"] = {{"trigger", nullptr}, {"reason", ""}, {"at", cal.iso8601(b.now)}};
    item["announcement"] = nullptr;
    item["kiosk"]["online_at"] = nullptr;
    item["kiosk"]["offline_at"] = nullptr;

    const std::uint64_t v0 = b.st.catalogue.version();
    auto r = b.call(b.admin, "POST", "/admin/v1/items", item);
    REQUIRE(r.status == 201);
    CHECK(data(r)["previous_version"] == v0);
    CHECK(data(r)["version"] == v0 + 1);
    CHECK(data(r)["changed"] == true);
    CHECK(data(r)["item"]["code"] == code);
    CHECK(last_audit(b.st).action == "admin.items.add");
    CHECK(last_audit(b.st).detail["version"] == v0 + 1);
    CHECK_FALSE(b.st.catalogue.is_offered(code));

    // Add refusals: the catalogue is unchanged.
    {
        r = b.call(b.admin, "POST", "/admin/v1/items", item);
        CHECK(error_id(r) == "conflict.state");  // the code exists
        json bad = item;
        bad.erase("name");
        r = b.call(b.admin, "POST", "/admin/v1/items", bad);
        CHECK(error_id(r) == "request.missing_field");
        CHECK(path(r) == "/name");
        bad = item;
        bad["code"] = "44030000GA-XK-9877";
        bad["kiosk"]["zone"] = "moon";
        r = b.call(b.admin, "POST", "/admin/v1/items", bad);
        CHECK(error_id(r) == "request.unknown_code");
        CHECK(path(r) == "/kiosk/zone");
        bad = item;
        bad["code"] = "not-a-code";
        r = b.call(b.admin, "POST", "/admin/v1/items", bad);
        CHECK(r.status == 400);
        CHECK(path(r) == "/code");
        bad = item;
        std::string other = code;
        other.replace(other.size() - 4, 4, "9875");
        bad["code"] = other;
        bad["stage"] = "online";
        r = b.call(b.admin, "POST", "/admin/v1/items", bad);
        CHECK(error_id(r) == "conflict.state");  // a new item starts at 申请
        CHECK(b.st.catalogue.version() == v0 + 1);
    }

    // On-boarding (R-6.3-1): one step at a time.
    const std::string base = "/admin/v1/items/" + code;
    r = b.call(b.admin, "POST", base + "/transition", json{{"to", "online"}});
    CHECK(error_id(r) == "conflict.state");
    r = b.call(b.admin, "POST", base + "/transition", json{{"to", "launched"}});
    CHECK(error_id(r) == "request.unknown_code");
    CHECK(path(r) == "/to");
    r = b.call(b.admin, "POST", "/admin/v1/items/44030000GA-XK-0000/transition", json{{"to", "integration"}});
    CHECK(error_id(r) == "resource.not_found");
    CHECK(path(r) == "/params/code");
    for (const char* to : {"integration", "security_review", "trial", "online"}) {
        INFO(to);
        const std::uint64_t v = b.st.catalogue.version();
        r = b.call(b.admin, "POST", base + "/transition", json{{"to", to}});
        REQUIRE(r.status == 200);
        CHECK(data(r)["version"] == v + 1);
        CHECK(data(r)["item"]["stage"] == to);
    }
    CHECK(b.st.catalogue.is_offered(code));
    // Kiosks holding v0 learn of it from the delta (an open read: nothing changes).
    r = b.open("/api/v1/items/changes?since=" + std::to_string(v0));
    REQUIRE(r.status == 200);
    CHECK_FALSE(r.mutated);
    CHECK(data(r)["full"] == false);
    CHECK(data(r)["version"] == b.st.catalogue.version());
    REQUIRE(data(r)["items"].size() == 1);
    CHECK(data(r)["items"][0]["code"] == code);
    CHECK(data(r)["items"][0]["stage"] == "online");

    // 调整 (R-6.4-1).
    const std::uint64_t v1 = b.st.catalogue.version();
    json revised = data(b.open("/api/v1/items/" + code));
    revised.erase("code");
    revised["name"] = "测试事项（调整后）";
    revised["change_reason"] = "设定依据修订";
    r = b.call(b.admin, "PUT", base, revised);
    REQUIRE(r.status == 200);
    CHECK(data(r)["changed"] == true);
    CHECK(data(r)["version"] == v1 + 1);
    CHECK(data(r)["item"]["name"] == "测试事项（调整后）");
    r = b.call(b.admin, "POST", base, revised);  // the same again: no change, no bump
    REQUIRE(r.status == 200);
    CHECK(data(r)["changed"] == false);
    CHECK(b.st.catalogue.version() == v1 + 1);
    r = b.open("/api/v1/items/changes?since=" + std::to_string(v1));
    REQUIRE(data(r)["items"].size() == 1);
    CHECK(data(r)["items"][0]["name"] == "测试事项（调整后）");
    {
        json bad = revised;
        bad["code"] = model.code;
        r = b.call(b.admin, "PUT", base, bad);
        CHECK(error_id(r) == "request.bad_field");
        CHECK(path(r) == "/code");
        r = b.call(b.admin, "PUT", "/admin/v1/items/44030000GA-XK-0000", revised);
        CHECK(error_id(r) == "resource.not_found");
        CHECK(path(r) == "/params/code");
        bad = revised;
        bad["stage"] = "trial";
        r = b.call(b.admin, "PUT", base, bad);
        CHECK(error_id(r) == "conflict.state");  // lifecycle fields change through their operations
        bad = revised;
        bad["change_reason"] = 5;
        r = b.call(b.admin, "PUT", base, bad);
        CHECK(error_id(r) == "request.bad_field");
        CHECK(path(r) == "/change_reason");
        bad = revised;
        bad["category"] = bad["category"] == "QR" ? "XK" : "QR";
        r = b.call(b.admin, "PUT", base, bad);
        CHECK(error_id(r) == "request.bad_field");
        CHECK(path(r) == "/category");
        CHECK(b.st.catalogue.version() == v1 + 1);
    }

    // 暂停 and resume.
    r = b.call(b.admin, "POST", base + "/suspend", json{{"trigger", "meteor"}, {"reason", "x"}});
    CHECK(error_id(r) == "request.unknown_code");
    CHECK(path(r) == "/trigger");
    r = b.call(b.admin, "POST", base + "/suspend", json{{"trigger", "security_incident"}});
    CHECK(error_id(r) == "request.missing_field");
    CHECK(path(r) == "/reason");
    r = b.call(b.admin, "POST", base + "/suspend", json{{"trigger", "security_incident"}, {"reason", "接口漏洞"}});
    REQUIRE(r.status == 200);
    CHECK(data(r)["item"]["status"] == "suspended");
    CHECK_FALSE(b.st.catalogue.is_offered(code));
    CHECK(error_id(b.call(b.admin, "POST", base + "/suspend",
                          json{{"trigger", "security_incident"}, {"reason", "again"}})) == "conflict.state");
    r = b.call(b.admin, "POST", base + "/resume");
    REQUIRE(r.status == 200);
    CHECK(data(r)["item"]["status"] == "normal");
    CHECK(error_id(b.call(b.admin, "POST", base + "/resume")) == "conflict.state");
    CHECK(error_id(b.call(b.admin, "POST", "/admin/v1/items/44030000GA-XK-0000/resume")) == "resource.not_found");

    // 拟下线, cancelled, announced again; 下线 only on the date and with no 办件 in flight.
    const std::string soon = cal.iso8601(b.now + 24h);
    const sim::Time effective_at = b.now + 24h * 31;
    const std::string effective = cal.iso8601(effective_at);
    r = b.call(b.admin, "POST", base + "/announce-withdrawal",
               json{{"trigger", "low_volume"}, {"reason", "办件量过低"}, {"effective", soon}});
    CHECK(error_id(r) == "request.bad_field");
    CHECK(path(r) == "/effective");
    r = b.call(b.admin, "POST", base + "/announce-withdrawal",
               json{{"trigger", "low_volume"}, {"reason", "办件量过低"}, {"effective", "next month"}});
    CHECK(error_id(r) == "request.bad_field");
    CHECK(path(r) == "/effective");
    r = b.call(b.admin, "POST", base + "/announce-withdrawal",
               json{{"trigger", "low_volume"}, {"reason", "办件量过低"}, {"effective", effective}});
    REQUIRE(r.status == 200);
    CHECK(data(r)["item"]["announcement"]["trigger"] == "low_volume");
    CHECK(b.st.catalogue.is_offered(code));  // still offered until the date
    REQUIRE(b.call(b.admin, "POST", base + "/cancel-withdrawal", json{{"reason", "恢复"}}).status == 200);
    CHECK(error_id(b.call(b.admin, "POST", base + "/cancel-withdrawal", json::object())) == "conflict.state");
    REQUIRE(b.call(b.admin, "POST", base + "/announce-withdrawal",
                   json{{"trigger", "low_volume"}, {"reason", "办件量过低"}, {"effective", effective}})
                .status == 200);
    r = b.call(b.admin, "POST", base + "/withdraw", json::object());
    CHECK(error_id(r) == "conflict.state");  // before the announced date

    const std::string in_flight = b.new_case(nullptr, code);
    b.now = effective_at + 1h;
    r = b.call(b.admin, "POST", base + "/withdraw", json{{"trigger", "low_volume"}, {"reason", "到期下线"}});
    CHECK(error_id(r) == "conflict.state");  // a 办件 is in flight (R-6.4-1)
    CHECK(b.st.catalogue.find(code)->status == cat::Status::normal);
    r = b.call(b.admin, "POST", base + "/withdraw", json{{"trigger", "sunset"}});
    CHECK(error_id(r) == "request.unknown_code");
    CHECK(path(r) == "/trigger");
    REQUIRE(b.st.applications.withdraw(in_flight, b.now, "申请人撤回").ok());
    const std::uint64_t v2 = b.st.catalogue.version();
    r = b.call(b.admin, "POST", base + "/withdraw", json{{"trigger", "low_volume"}, {"reason", "到期下线"}});
    REQUIRE(r.status == 200);
    CHECK(data(r)["item"]["status"] == "withdrawn");
    CHECK(data(r)["version"] == v2 + 1);
    CHECK(last_audit(b.st).action == "admin.items.withdraw");
    CHECK(error_id(b.call(b.admin, "POST", base + "/withdraw", json::object())) == "conflict.state");
    r = b.open("/api/v1/items/changes?since=" + std::to_string(v2));
    CHECK(data(r)["withdrawn"] == json::array({code}));
    CHECK_FALSE(b.st.catalogue.is_offered(code));
    // The kiosk view no longer lists it.
    r = b.open("/api/v1/items?limit=200");
    const json page = data(r);  // kept: the loop must not walk a temporary
    REQUIRE_FALSE(page["items"].empty());
    for (const auto& it : page["items"]) CHECK(it["code"] != code);

    // An item still on-boarding is dropped at once, with no announcement.
    json early = item;
    std::string early_code = code;
    early_code.replace(early_code.size() - 4, 4, "9874");
    early["code"] = early_code;
    REQUIRE(b.call(b.admin, "POST", "/admin/v1/items", early).status == 201);
    REQUIRE(b.call(b.admin, "POST", "/admin/v1/items/" + early_code + "/transition", json{{"to", "integration"}}).status ==
            200);
    r = b.call(b.admin, "POST", "/admin/v1/items/" + early_code + "/withdraw",
               json{{"trigger", "department_request"}, {"reason", "部门撤回申请"}});
    REQUIRE(r.status == 200);
    CHECK(data(r)["item"]["status"] == "withdrawn");
    CHECK(data(r)["item"]["status_note"]["trigger"] == "department_request");
}

TEST_CASE("admin: the audit log is paged, its chain verifies, and no ID number is unmasked anywhere",
          "[admin][audit][R-9.3-1][R-9.2-1]") {
    Bench b;
    const auto& alice = people()[4];
    // Traffic that carries ID numbers: a licence, a lookup, a refusal, a 办件.
    REQUIRE(b.call(b.admin, "POST", "/admin/v1/licences",
                   json{{"type", "居住证"}, {"holder", {{"name", alice.name}, {"id_number", alice.id_number}}}})
                .status == 201);
    REQUIRE(b.call(b.k1, "GET", "/api/v1/licences?holder=" + alice.id_number).status == 200);
    std::string wrong = alice.id_number;
    wrong.back() = wrong.back() == '3' ? '4' : '3';
    CHECK(error_id(b.call(b.admin, "POST", "/admin/v1/licences",
                          json{{"type", "居住证"}, {"holder", {{"name", alice.name}, {"id_number", wrong}}}})) ==
          "request.bad_id_number");
    const std::string case_no = b.new_case();
    REQUIRE(b.call(b.admin, "POST", "/admin/v1/applications/" + case_no + "/advance",
                   json{{"to", "accepted"}, {"actor", "handling"}, {"note", "申请人 " + alice.id_number}})
                .status == 200);
    CHECK(error_id(b.call(b.k1, "GET", "/admin/v1/audit")) == "auth.forbidden");

    const std::size_t total = b.st.audit.size();
    REQUIRE(total >= 5);
    auto r = b.call(b.admin, "GET", "/admin/v1/audit?from_seq=2&limit=3");
    REQUIRE(r.status == 200);
    CHECK(b.st.audit.size() == total);  // a read adds no record
    json d = data(r);
    CHECK(d["total"] == total);
    REQUIRE(d["records"].size() == 3);
    CHECK(d["records"][0]["seq"] == 2);
    CHECK(d["records"][2]["seq"] == 4);
    CHECK(d["next_seq"] == 5);
    CHECK(d["head"] == b.st.audit.head());
    CHECK(d["verified"] == true);

    r = b.call(b.admin, "GET", "/admin/v1/audit?limit=1000");
    d = data(r);
    REQUIRE(d["records"].size() == total);
    CHECK(d["next_seq"].is_null());
    // The records as served verify as a chain on their own.
    std::vector<services::audit::Record> served;
    for (const auto& rec : d["records"]) served.push_back(services::audit::record_from_json(rec));
    CHECK(services::audit::verify(served, d["head"].get<std::string>()).ok);

    r = b.call(b.admin, "GET", "/admin/v1/audit?from_seq=" + std::to_string(total + 5));
    CHECK(data(r)["records"].empty());
    r = b.call(b.admin, "GET", "/admin/v1/audit?limit=0");
    CHECK(error_id(r) == "request.bad_field");
    CHECK(path(r) == "/query/limit");
    r = b.call(b.admin, "GET", "/admin/v1/audit?from_seq=0");
    CHECK(error_id(r) == "request.bad_field");
    CHECK(path(r) == "/query/from_seq");

    // R-9.3-1: the full numbers appear in no answer and no record, masked ones do.
    for (const auto& body : b.bodies) {
        CHECK(body.find(alice.id_number) == std::string::npos);
        CHECK(body.find(wrong) == std::string::npos);
    }
    const std::string log = b.st.audit.to_jsonl();
    CHECK(log.find(alice.id_number) == std::string::npos);
    CHECK(log.find(protocol::mask_id(alice.id_number)) != std::string::npos);
    CHECK(b.st.audit.verify().ok);
}

}  // namespace server_routes_admin_test
