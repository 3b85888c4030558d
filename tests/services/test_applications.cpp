// The application back end (办件): R-8.4-1 application group (create with an
// idempotency key, upload material, submit, status), the 跨域通办 rules of
// R-7.5-1 and the masked documents of R-9.3-1.
#include <catch2/catch.hpp>

#include <kiosktwin/protocol/citizen_id.hpp>
#include <kiosktwin/services/applications.hpp>
#include <kiosktwin/services/catalogue.hpp>

#include <chrono>
#include <set>
#include <string>
#include <vector>

namespace services_applications_test {

using namespace kiosktwin;
using namespace kiosktwin::services::applications;
using api::ErrorCode;
using nlohmann::json;
namespace catalogue = kiosktwin::services::catalogue;
using namespace std::chrono_literals;

namespace {

sim::Time at(std::chrono::minutes m) { return sim::Time{m}; }

/// A valid GB 11643 number born 1990-03-07 in 东城区.
std::string id_number(std::string seq = "123") {
    std::string first17 = "11010119900307" + seq;
    return first17 + protocol::citizen_id::check_digit(first17);
}

json request(std::string item = "44030000GA-XK-0001") {
    return {{"item_code", std::move(item)},
            {"item_name", "居住证办理"},
            {"applicant", {{"name", "张三"}, {"id_number", id_number()}, {"phone", "13800000000"}}}};
}

json cross(std::string mode) {
    json r = request();
    r["cross_region"] = {{"mode", std::move(mode)}, {"receiving_region", "440300"}, {"handling_region", "510100"}};
    return r;
}

json upload(std::string name) { return {{"name", std::move(name)}, {"content", "SGVsbG8sIHdvcmxkIQ=="}}; }

/// A created and submitted 办件.
std::string submitted(Applications& s, const json& body, std::string key) {
    const auto c = s.create(body, key, "T-0001", at(1min));
    REQUIRE(c.ok());
    REQUIRE(s.upload_material(c.case_no, upload("居民身份证"), at(2min)));
    REQUIRE(s.submit(c.case_no, "submit-" + key, at(3min)).ok());
    return c.case_no;
}

Outcome create_error(const json& body) {
    Applications s;
    const auto r = s.create(body, "k", "T-0001", at(0min));
    CHECK(s.size() == 0);
    return r.outcome;
}

}  // namespace

TEST_CASE("R-8.4-1: create, upload material, submit, status", "[services][applications]") {
    Applications s;
    const auto c = s.create(request(), "key-1", "T-0001", at(90min));
    REQUIRE(c.ok());
    CHECK_FALSE(c.replayed);
    CHECK(c.case_no == "440300-20260601-000001");  // region of the item code, civil date, serial
    const Application* a = s.find(c.case_no);
    REQUIRE(a);
    CHECK(a->state == State::draft);
    CHECK(a->applicant_id == id_number());
    CHECK(a->item_name == "居住证办理");
    CHECK_FALSE(a->cross);

    CHECK(s.upload_material(c.case_no, upload("居民身份证"), at(91min)));
    CHECK(s.upload_material(c.case_no, {{"name", "户口簿"}, {"licence_ref", "EL-110101-0001"}}, at(92min)));
    REQUIRE(a->materials.size() == 2);
    CHECK(a->materials[0].bytes == 13);
    CHECK(a->materials[1].kind == MaterialKind::e_licence);

    const auto sub = s.submit(c.case_no, "submit-1", at(95min), {"居民身份证", "户口簿"});
    REQUIRE(sub.ok());
    CHECK(a->state == State::submitted);

    const auto st = s.status(c.case_no);
    REQUIRE(st);
    CHECK((*st)["state"] == "submitted");
    CHECK((*st)["state_zh"] == "已提交");
    CHECK((*st)["created_at"] == "2026-06-01T01:30:00+08:00");
    CHECK((*st)["materials"] == json::array({"居民身份证", "户口簿"}));
    CHECK((*st)["history"].size() == 2);
    CHECK_FALSE(s.status("440300-20260601-999999"));

    // The next day's case: a new date, the serial goes on.
    const auto c2 = s.create(request(), "key-2", "T-0001", at(24h + 1min));
    CHECK(c2.case_no == "440300-20260602-000002");
}

TEST_CASE("R-8.4-1: an idempotent retry gives the same 办件 exactly once", "[services][applications]") {
    Applications s;
    const auto first = s.create(request(), "key-1", "T-0001", at(1min));
    REQUIRE(first.ok());

    // The same body, members in another order, a minute later: replay.
    const json same = json::parse(R"({"applicant": {"phone": "13800000000", "id_number": ")" + id_number() +
                                  R"(", "name": "张三"}, "item_name": "居住证办理", "item_code": "44030000GA-XK-0001"})");
    const auto retry = s.create(same, "key-1", "T-0001", at(2min));
    REQUIRE(retry.ok());
    CHECK(retry.replayed);
    CHECK(retry.case_no == first.case_no);
    CHECK(s.size() == 1);

    // Same key, another body: refused, nothing created.
    json other = request();
    other["applicant"]["name"] = "李四";
    const auto mismatch = s.create(other, "key-1", "T-0001", at(3min));
    CHECK(mismatch.outcome.error == ErrorCode::idempotency_mismatch);
    CHECK(api::to_string(mismatch.outcome.error) == "conflict.idempotency_mismatch");
    CHECK(s.size() == 1);

    // Keys are per terminal: the same key at another kiosk is a new 办件.
    const auto elsewhere = s.create(request(), "key-1", "T-0002", at(4min));
    REQUIRE(elsewhere.ok());
    CHECK_FALSE(elsewhere.replayed);
    CHECK(elsewhere.case_no != first.case_no);
    CHECK(s.size() == 2);

    // Submit: the same key again is a replay (one history event), another key is conflict_state.
    REQUIRE(s.upload_material(first.case_no, upload("居民身份证"), at(5min)));
    const auto sub = s.submit(first.case_no, "sub-1", at(6min));
    REQUIRE(sub.ok());
    CHECK_FALSE(sub.replayed);
    const auto again = s.submit(first.case_no, "sub-1", at(7min));
    REQUIRE(again.ok());
    CHECK(again.replayed);
    CHECK(s.find(first.case_no)->history.size() == 2);
    CHECK(s.find(first.case_no)->updated_at == at(6min));
    CHECK(s.submit(first.case_no, "sub-2", at(8min)).outcome.error == ErrorCode::conflict_state);

    // Missing headers.
    CHECK(s.create(request(), "", "T-0001", at(9min)).outcome.path == "/idempotency_key");
    CHECK(s.create(request(), "k", "", at(9min)).outcome.path == "/terminal_id");
    CHECK(s.create(request(), std::string(65, 'k'), "T-0001", at(9min)).outcome.error == ErrorCode::bad_field);
}

TEST_CASE("R-8.4-1 R-7.5-1: create is validated with JSON paths", "[services][applications]") {
    auto check = [](const json& body, ErrorCode code, const std::string& path) {
        const Outcome o = create_error(body);
        INFO(body.dump() << " → " << api::to_string(o.error) << " " << o.path << " " << o.reason);
        CHECK(o.error == code);
        CHECK(o.path == path);
    };
    json b = request();
    b.erase("item_code");
    check(b, ErrorCode::missing_field, "/item_code");
    check(request("44030000GA-XK-001"), ErrorCode::bad_field, "/item_code");
    check(request("99999900GA-XK-0001"), ErrorCode::bad_field, "/item_code");  // no such region
    b = request();
    b.erase("applicant");
    check(b, ErrorCode::missing_field, "/applicant");
    b = request();
    b["applicant"]["name"] = "";
    check(b, ErrorCode::bad_field, "/applicant/name");
    b = request();
    std::string bad_id = id_number();
    bad_id.back() = bad_id.back() == '0' ? '1' : '0';
    b["applicant"]["id_number"] = bad_id;
    check(b, ErrorCode::bad_id_number, "/applicant/id_number");
    b = request();
    b["applicant"].erase("id_number");
    check(b, ErrorCode::missing_field, "/applicant/id_number");
    check(json::array(), ErrorCode::bad_field, "");

    // 跨域通办: mode and both regions, which must differ.
    b = cross("teleport");
    check(b, ErrorCode::unknown_code, "/cross_region/mode");
    b = cross("proxy");
    b["cross_region"].erase("handling_region");
    check(b, ErrorCode::missing_field, "/cross_region/handling_region");
    b = cross("proxy");
    b["cross_region"]["receiving_region"] = "12";
    check(b, ErrorCode::unknown_code, "/cross_region/receiving_region");
    b = cross("joint");
    b["cross_region"]["handling_region"] = "440300";
    check(b, ErrorCode::bad_field, "/cross_region/handling_region");
    b = request();
    b["cross_region"] = "proxy";
    check(b, ErrorCode::bad_field, "/cross_region");

    // A refused request is not remembered: corrected, the same key goes through.
    Applications s;
    json wrong = request();
    wrong["applicant"]["id_number"] = bad_id;
    CHECK(s.create(wrong, "k", "T-0001", at(0min)).outcome.error == ErrorCode::bad_id_number);
    const auto ok = s.create(request(), "k", "T-0001", at(0min));
    CHECK(ok.ok());
    CHECK_FALSE(ok.replayed);

    // A cross-region case number carries the receiving region.
    const auto x = s.create(cross("proxy"), "x", "T-0001", at(0min));
    REQUIRE(x.ok());
    CHECK(x.case_no == "440300-20260601-000002");
    const auto y = s.create([] { json r = cross("online"); r["cross_region"]["receiving_region"] = "510100";
                                 r["cross_region"]["handling_region"] = "440300"; return r; }(),
                            "y", "T-0001", at(0min));
    CHECK(y.case_no == "510100-20260601-000003");
    REQUIRE(s.find(y.case_no)->cross);
    CHECK(s.find(y.case_no)->cross->mode == catalogue::CrossMode::online);
}

TEST_CASE("R-8.4-1: materials — Base64 with a size cap, or an e-licence reference", "[services][applications]") {
    Config cfg;
    cfg.max_material_bytes = 10;
    cfg.max_materials = 2;
    Applications s(cfg);
    const auto c = s.create(request(), "k", "T-0001", at(0min));
    REQUIRE(c.ok());
    const auto& no = c.case_no;
    CHECK(s.upload_material(no, {{"name", "照片"}, {"content", "QUJD"}}, at(1min)));  // 3 bytes
    CHECK(s.upload_material(no, upload("big"), at(1min)).error == ErrorCode::too_large);  // 13 bytes > 10
    CHECK(s.upload_material(no, {{"name", "x"}, {"content", "not base64!"}}, at(1min)).error == ErrorCode::bad_field);
    CHECK(s.upload_material(no, {{"name", "x"}, {"content", ""}}, at(1min)).path == "/content");
    CHECK(s.upload_material(no, {{"name", "x"}}, at(1min)).error == ErrorCode::missing_field);
    CHECK(s.upload_material(no, {{"name", "x"}, {"content", "QUJD"}, {"licence_ref", "EL-1"}}, at(1min)).error ==
          ErrorCode::bad_field);
    CHECK(s.upload_material(no, {{"content", "QUJD"}}, at(1min)).path == "/name");
    CHECK(s.upload_material("nope", upload("x"), at(1min)).error == ErrorCode::not_found);

    // Same name replaces; a third distinct one is over max_materials.
    CHECK(s.upload_material(no, {{"name", "照片"}, {"content", "QUJDRA=="}}, at(2min)));
    CHECK(s.find(no)->materials.size() == 1);
    CHECK(s.find(no)->materials[0].bytes == 4);
    CHECK(s.upload_material(no, {{"name", "户口簿"}, {"licence_ref", "EL-1"}}, at(2min)));
    CHECK(s.upload_material(no, {{"name", "third"}, {"licence_ref", "EL-2"}}, at(2min)).error == ErrorCode::too_large);

    // Submit needs the required materials (names from the catalogue item, R-7.6-1).
    const auto r = s.submit(no, "s", at(3min), {"照片", "结婚证"});
    CHECK(r.outcome.error == ErrorCode::missing_field);
    CHECK(r.outcome.path == "/materials/结婚证");
    CHECK(s.find(no)->state == State::draft);
    CHECK(s.submit(no, "s", at(3min), {"照片", "户口簿"}).ok());
    // No upload after submission.
    CHECK(s.upload_material(no, upload("late"), at(4min)).error == ErrorCode::conflict_state);

    const auto cat = catalogue::Catalogue::generate(7, 20);
    const catalogue::Item& item = *cat.offered().front();
    const auto names = required_materials(item);
    std::vector<std::string> expected;
    for (const auto* m : catalogue::checklist(item, {}))
        if (m->required) expected.push_back(m->name);
    CHECK(names == expected);
}

TEST_CASE("R-8.4-1: every legal transition of a local 办件, and illegal ones refused", "[services][applications]") {
    const std::set<std::pair<State, State>> legal_steps{
        {State::draft, State::submitted},          {State::draft, State::withdrawn},
        {State::submitted, State::formal_checked}, {State::submitted, State::accepted},
        {State::submitted, State::rejected},       {State::submitted, State::withdrawn},
        {State::formal_checked, State::accepted},  {State::formal_checked, State::rejected},
        {State::formal_checked, State::withdrawn}, {State::accepted, State::in_review},
        {State::accepted, State::withdrawn},       {State::in_review, State::approved},
        {State::in_review, State::rejected},       {State::in_review, State::withdrawn},
        {State::approved, State::certificate_issued},
    };
    for (int f = 0; f <= static_cast<int>(State::withdrawn); ++f)
        for (int t = 0; t <= static_cast<int>(State::withdrawn); ++t) {
            const auto from = static_cast<State>(f), to = static_cast<State>(t);
            INFO(to_string(from) << " → " << to_string(to));
            CHECK(Applications::legal(from, to) == legal_steps.count({from, to}));
            CHECK(parse_state(to_string(from)) == from);
        }

    Applications s;
    SECTION("the full path, with and without the formal check") {
        for (bool formal : {false, true}) {
            const auto no = submitted(s, request(), formal ? "a" : "b");
            if (formal) CHECK(s.advance(no, State::formal_checked, Actor::receiving, at(4min)));
            CHECK(s.advance(no, State::accepted, Actor::handling, at(5min)));
            CHECK(s.advance(no, State::in_review, Actor::handling, at(6min)));
            CHECK(s.advance(no, State::approved, Actor::kiosk, at(7min)));  // local: the kiosk relays 即办
            CHECK(s.advance(no, State::certificate_issued, Actor::handling, at(8min)));
            CHECK(s.find(no)->state == State::certificate_issued);
            CHECK(s.find(no)->history.size() == (formal ? 7u : 6u));
            // Final: nothing more.
            for (State to : {State::withdrawn, State::approved, State::in_review, State::rejected})
                CHECK(s.advance(no, to, Actor::handling, at(9min)).error == ErrorCode::conflict_state);
        }
    }
    SECTION("rejections: 不予受理 and 不予许可") {
        const auto a = submitted(s, request(), "a");
        CHECK(s.advance(a, State::rejected, Actor::receiving, at(4min), "材料不全"));
        CHECK(s.find(a)->reason == "材料不全");
        CHECK(s.advance(a, State::approved, Actor::handling, at(5min)).error == ErrorCode::conflict_state);
        const auto b = submitted(s, request(), "b");
        CHECK(s.advance(b, State::accepted, Actor::handling, at(4min)));
        CHECK(s.advance(b, State::approved, Actor::handling, at(4min)).error == ErrorCode::conflict_state);  // skips review
        CHECK(s.advance(b, State::in_review, Actor::handling, at(5min)));
        CHECK(s.advance(b, State::rejected, Actor::handling, at(6min), "不符合条件"));
        CHECK(s.certificate(b).outcome.error == ErrorCode::conflict_state);
    }
    SECTION("withdrawal from every state before a decision, not after") {
        const auto d = s.create(request(), "d", "T-0001", at(0min)).case_no;
        CHECK(s.withdraw(d, at(1min), "不办了"));
        CHECK(s.find(d)->state == State::withdrawn);
        CHECK(s.submit(d, "x", at(2min)).outcome.error == ErrorCode::conflict_state);
        const std::vector<std::vector<State>> paths{
            {}, {State::formal_checked}, {State::accepted}, {State::accepted, State::in_review}};
        int k = 0;
        for (const auto& path : paths) {
            const auto no = submitted(s, request(), std::string("w").append(std::to_string(k++)));
            for (State st : path) REQUIRE(s.advance(no, st, Actor::handling, at(4min)));
            CHECK(s.withdraw(no, at(5min)));
            CHECK(s.receipt(no).outcome.error == ErrorCode::conflict_state);
        }
        const auto ap = submitted(s, request(), "ap");
        for (State st : {State::accepted, State::in_review, State::approved})
            REQUIRE(s.advance(ap, st, Actor::handling, at(4min)));
        CHECK(s.withdraw(ap, at(5min)).error == ErrorCode::conflict_state);
    }
    SECTION("illegal steps leave the 办件 unchanged") {
        const auto d = s.create(request(), "d", "T-0001", at(0min)).case_no;
        const Application before = *s.find(d);
        CHECK(s.advance(d, State::accepted, Actor::handling, at(1min)).error == ErrorCode::conflict_state);
        CHECK(s.advance(d, State::submitted, Actor::kiosk, at(1min)).error == ErrorCode::conflict_state);
        CHECK(s.advance(d, State::certificate_issued, Actor::handling, at(1min)).error == ErrorCode::conflict_state);
        CHECK(*s.find(d) == before);
        CHECK(s.advance("nope", State::accepted, Actor::handling, at(1min)).error == ErrorCode::not_found);
        CHECK(s.in_flight() == 1);
        CHECK(s.in_flight("44030000GA-XK-0001") == 1);
        CHECK(s.in_flight("44030000GA-XK-0002") == 0);
    }
}

TEST_CASE("R-7.5-1: 异地代收代办 — formal check never skipped, the kiosk never approves", "[services][applications]") {
    Applications s;
    const auto no = submitted(s, cross("proxy"), "p");
    const Application& a = *s.find(no);
    REQUIRE(a.is_proxy());
    CHECK(a.cross->transfer == Transfer::none);

    // The kiosk side can only submit (and withdraw): every other step is refused.
    for (State to : {State::formal_checked, State::accepted, State::rejected})
        CHECK(s.advance(no, to, Actor::kiosk, at(4min)).error == ErrorCode::conflict_state);
    // 形式审查 cannot be skipped, not even by the 属地.
    const auto skip = s.advance(no, State::accepted, Actor::handling, at(4min));
    CHECK(skip.error == ErrorCode::conflict_state);
    CHECK(skip.reason.find("形式审查") != std::string::npos);
    // The formal check is the receiving site's.
    CHECK(s.advance(no, State::formal_checked, Actor::handling, at(4min)).error == ErrorCode::conflict_state);
    CHECK(s.forward(no, "SF1234567890", Actor::receiving, at(4min)).error == ErrorCode::conflict_state);  // not yet
    CHECK(s.advance(no, State::formal_checked, Actor::receiving, at(4min)));
    // Accepting before the materials arrive is refused; forwarding is the receiving department's.
    CHECK(s.advance(no, State::accepted, Actor::handling, at(5min)).error == ErrorCode::conflict_state);
    CHECK(s.forward(no, "SF1234567890", Actor::kiosk, at(5min)).error == ErrorCode::conflict_state);
    CHECK(s.forward(no, "", Actor::receiving, at(5min)).error == ErrorCode::bad_field);
    CHECK(s.forward(no, "SF1234567890", Actor::receiving, at(5min)));
    CHECK(a.cross->transfer == Transfer::forwarded);
    CHECK(a.cross->courier_no == "SF1234567890");
    CHECK(s.forward(no, "SF1234567890", Actor::receiving, at(5min)).error == ErrorCode::conflict_state);  // once
    // 属地办理: only the handling department.
    CHECK(s.advance(no, State::accepted, Actor::receiving, at(6min)).error == ErrorCode::conflict_state);
    CHECK(s.advance(no, State::accepted, Actor::handling, at(6min)));
    CHECK(a.cross->transfer == Transfer::received);
    CHECK(s.advance(no, State::in_review, Actor::handling, at(7min)));
    CHECK(s.advance(no, State::approved, Actor::kiosk, at(8min)).error == ErrorCode::conflict_state);
    CHECK(s.advance(no, State::approved, Actor::receiving, at(8min)).error == ErrorCode::conflict_state);
    CHECK(s.advance(no, State::approved, Actor::handling, at(8min)));
    CHECK(s.advance(no, State::certificate_issued, Actor::kiosk, at(9min)).error == ErrorCode::conflict_state);
    CHECK(s.return_result(no, "EMS1", Actor::handling, at(9min)).error == ErrorCode::conflict_state);  // no result yet
    CHECK(s.advance(no, State::certificate_issued, Actor::handling, at(9min)));
    CHECK(s.return_result(no, "EMS1", Actor::receiving, at(10min)).error == ErrorCode::conflict_state);
    CHECK(s.return_result(no, "EMS1", Actor::handling, at(10min)));
    CHECK(a.cross->transfer == Transfer::result_returned);
    CHECK(a.cross->result_courier_no == "EMS1");

    // Every proxy 办件's history passes formal_checked before accepted, and no kiosk event decides.
    bool checked = false;
    for (const auto& e : a.history) {
        if (e.to == State::formal_checked) checked = true;
        if (e.to == State::accepted) CHECK(checked);
        if (e.actor == Actor::kiosk) CHECK((e.to == State::draft || e.to == State::submitted));
    }
    CHECK(s.certificate(no).body["issuing_region"] == "510100");

    // A failed formal check (不予受理) is the receiving site's; the kiosk may withdraw for the applicant.
    const auto r = submitted(s, cross("proxy"), "r");
    CHECK(s.advance(r, State::rejected, Actor::handling, at(4min)).error == ErrorCode::conflict_state);
    CHECK(s.advance(r, State::rejected, Actor::receiving, at(4min), "材料不符合形式要求"));
    const auto w = submitted(s, cross("proxy"), "w");
    CHECK(s.withdraw(w, at(4min)));

    // Other modes: the kiosk still never decides; decisions are the handling department's.
    const auto o = submitted(s, cross("online"), "o");
    CHECK(s.advance(o, State::accepted, Actor::kiosk, at(4min)).error == ErrorCode::conflict_state);
    CHECK(s.advance(o, State::accepted, Actor::receiving, at(4min)));  // no formal check needed
    CHECK(s.advance(o, State::in_review, Actor::handling, at(5min)));
    CHECK(s.advance(o, State::approved, Actor::receiving, at(6min)).error == ErrorCode::conflict_state);
    CHECK(s.advance(o, State::approved, Actor::handling, at(6min)));
    CHECK(s.forward(o, "x", Actor::receiving, at(6min)).error == ErrorCode::conflict_state);
    const auto local = submitted(s, request(), "l");
    CHECK(s.forward(local, "x", Actor::receiving, at(6min)).error == ErrorCode::conflict_state);
}

TEST_CASE("R-9.3-1 R-7.5-1: receipt, certificate and status mask the ID number", "[services][applications]") {
    Applications s;
    const auto c = s.create(cross("proxy"), "k", "T-0001", at(0min));
    REQUIRE(c.ok());
    CHECK(s.receipt(c.case_no).outcome.error == ErrorCode::conflict_state);  // draft: none yet
    CHECK(s.receipt("nope").outcome.error == ErrorCode::not_found);
    REQUIRE(s.upload_material(c.case_no, upload("居民身份证"), at(1min)));
    REQUIRE(s.submit(c.case_no, "s", at(2min)).ok());

    const std::string full = id_number();
    const std::string masked = full.substr(0, 4) + std::string(10, '*') + full.substr(14);
    CHECK(protocol::mask_id(full) == masked);

    const auto r = s.receipt(c.case_no);
    REQUIRE(r.ok());
    CHECK(r.body["title"] == "受理回执");
    CHECK(r.body["case_no"] == c.case_no);
    CHECK(r.body["applicant"]["id_number"] == masked);
    CHECK(r.body["submitted_at"] == "2026-06-01T00:02:00+08:00");
    CHECK(r.body["cross_region"]["mode"] == "proxy");
    CHECK(r.body["cross_region"]["handling_region"] == "510100");
    CHECK(r.body["materials"][0]["name"] == "居民身份证");
    CHECK(r.body.dump().find(full) == std::string::npos);
    CHECK(s.status(c.case_no)->dump().find(full) == std::string::npos);
    CHECK((*s.status(c.case_no))["applicant"]["id_number"] == masked);

    REQUIRE(s.advance(c.case_no, State::formal_checked, Actor::receiving, at(3min)));
    REQUIRE(s.forward(c.case_no, "SF1", Actor::receiving, at(4min)));
    for (State st : {State::accepted, State::in_review, State::approved})
        REQUIRE(s.advance(c.case_no, st, Actor::handling, at(5min)));
    CHECK(s.certificate(c.case_no).outcome.error == ErrorCode::conflict_state);
    REQUIRE(s.advance(c.case_no, State::certificate_issued, Actor::handling, at(60min)));
    const auto cert = s.certificate(c.case_no);
    REQUIRE(cert.ok());
    CHECK(cert.body["certificate_no"] == "ZM-" + c.case_no);
    CHECK(cert.body["holder"]["id_number"] == masked);
    CHECK(cert.body["issued_at"] == "2026-06-01T01:00:00+08:00");
    CHECK(cert.body.dump().find(full) == std::string::npos);
}

TEST_CASE("R-8.4-1: the store round-trips through JSON", "[services][applications]") {
    Applications s;
    const auto d = s.create(request(), "d", "T-0001", at(0min)).case_no;
    REQUIRE(s.upload_material(d, {{"name", "户口簿"}, {"licence_ref", "EL-1"}}, at(1min)));
    const auto p = submitted(s, cross("proxy"), "p");
    REQUIRE(s.advance(p, State::formal_checked, Actor::receiving, at(4min)));
    REQUIRE(s.forward(p, "SF1", Actor::receiving, at(5min)));
    const auto l = submitted(s, request(), "l");
    REQUIRE(s.advance(l, State::rejected, Actor::receiving, at(4min), "材料不全"));

    const json j = s.to_json();
    const Applications back = Applications::from_json(j);
    CHECK(back.to_json() == j);
    CHECK(back.size() == s.size());
    for (const auto& no : {d, p, l}) {
        REQUIRE(back.find(no));
        CHECK(*back.find(no) == *s.find(no));
    }
    // Through text too, and the restored store carries on: replays, serials, rules.
    Applications again = Applications::from_json(json::parse(j.dump()));
    CHECK(again.to_json() == j);
    const auto replay = again.create(request(), "d", "T-0001", at(10min));
    CHECK(replay.replayed);
    CHECK(replay.case_no == d);
    CHECK(again.create(cross("joint"), "d", "T-0001", at(10min)).outcome.error == ErrorCode::idempotency_mismatch);
    CHECK(again.create(request(), "new", "T-0001", at(10min)).case_no == "440300-20260601-000004");
    CHECK(again.submit(p, "submit-p", at(10min)).replayed);
    CHECK(again.advance(p, State::accepted, Actor::handling, at(11min)));

    // A damaged document names the bad member.
    json broken = j;
    broken["applications"][1]["state"] = "lost";
    CHECK_THROWS_WITH(Applications::from_json(broken), Catch::Contains("/applications/1/state"));
    broken = j;
    broken["applications"][0].erase("history");
    CHECK_THROWS_WITH(Applications::from_json(broken), Catch::Contains("/applications/0/history"));
}

}  // namespace services_applications_test
