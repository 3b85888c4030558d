// 好差评 back end: R-8.4-1 evaluation group, R-11.1-1, R-11.3-1..5.
#include <catch2/catch.hpp>

#include <kiosktwin/protocol/citizen_id.hpp>
#include <kiosktwin/services/evaluations.hpp>

#include <chrono>
#include <string>

namespace services_evaluations_test {

using namespace kiosktwin;
using namespace kiosktwin::services::evaluations;
using api::ErrorCode;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {
sim::Time at(std::chrono::minutes m) { return sim::Time{m}; }

std::string join(std::string a, std::string_view b) {
    a.append(b);
    return a;
}

std::string id_number() {
    std::string first17 = "11010119900307123";
    return first17 + protocol::citizen_id::check_digit(first17);
}

json body(int level, std::string case_no = "440300-20260601-000001") {
    json b = {{"case_no", std::move(case_no)},
              {"handling_seq", 1},
              {"item_code", "44030000GA-XK-0001"},
              {"item_name", "居住证办理"},
              {"department", "市公安局"},
              {"region", "440300"},
              {"terminal_id", "T-0001"},
              {"channel", "kiosk"},
              {"level", level},
              {"indicators", {{"overall", level}, {"efficiency", level}, {"service_level", level}, {"attitude", level}}},
              {"handled_at", sim::Calendar{}.iso8601(at(1min))},
              {"content_version", "2026.1"}};
    if (level <= 2) b["reasons"] = {"efficiency"};
    return b;
}
}  // namespace

TEST_CASE("R-11.3-1: five levels; 差评 levels 1-2 need a reason from the code table", "[evaluations]") {
    Evaluations s;
    for (int level = 1; level <= 5; ++level) CHECK(s.submit(body(level, join("C-", std::to_string(level))), at(5min)).ok());
    json b = body(2, "C-x");
    b.erase("reasons");
    auto r = s.submit(b, at(5min));
    CHECK(r.outcome.error == ErrorCode::missing_field);
    CHECK(r.outcome.path == "/reasons");
    b["reasons"] = {"no_such_reason"};
    CHECK(s.submit(b, at(5min)).outcome.error == ErrorCode::unknown_code);
    b = body(6, "C-y");
    CHECK(s.submit(b, at(5min)).outcome.error == ErrorCode::unknown_code);
    b = body(0, "C-z");
    CHECK_FALSE(s.submit(b, at(5min)).ok());
    CHECK(s.size() == 5);
}

TEST_CASE("R-11.3-2: one evaluation per case per handling (一次一评)", "[evaluations]") {
    Evaluations s;
    REQUIRE(s.submit(body(5), at(5min)).ok());
    const auto dup = s.submit(body(4), at(6min));
    CHECK(dup.outcome.error == ErrorCode::duplicate_evaluation);
    CHECK(dup.outcome.path == "/case_no");
    json next = body(4);
    next["handling_seq"] = 2;  // a later handling of the same case may be rated
    CHECK(s.submit(next, at(6min)).ok());
    CHECK(s.for_case("440300-20260601-000001").size() == 2);

    Config cfg;
    cfg.allow_follow_up = true;
    Evaluations f(cfg);
    REQUIRE(f.submit(body(3), at(5min)).ok());
    const auto follow = f.submit(body(4), at(6min));
    REQUIRE(follow.ok());
    CHECK(f.find(follow.id)->follow_up);
    CHECK(f.submit(body(4), at(7min)).outcome.error == ErrorCode::duplicate_evaluation);
}

TEST_CASE("R-11.1-1: the same rules on every channel; evaluation is never forced", "[evaluations]") {
    Evaluations s;
    for (const char* ch : {"kiosk", "window", "web", "app"}) {
        json b = body(2, join("C-", ch));
        b["channel"] = ch;
        CHECK(s.submit(b, at(5min)).ok());
        b.erase("reasons");
        b["case_no"] = join("D-", ch);
        CHECK(s.submit(b, at(5min)).outcome.error == ErrorCode::missing_field);
    }
    json b = body(5);
    b["channel"] = "carrier_pigeon";
    CHECK(s.submit(b, at(5min)).outcome.error == ErrorCode::unknown_code);
    // Nothing is pending for an unevaluated case: no evaluation is required.
    CHECK(s.for_case("never-rated").empty());
}

TEST_CASE("R-11.3-4: record fields, masked rater, filtered comment, bounds", "[evaluations]") {
    Evaluations s;
    json b = body(1);
    b["rater"] = {{"id_number", id_number()}};
    b["comment"] = join("请联系13800001234，证号", id_number());
    const auto r = s.submit(b, at(5min));
    REQUIRE(r.ok());
    const json rec = s.record_json(*s.find(r.id));
    for (const char* k : {"eval_id", "case_no", "item_code", "item_name", "department", "region", "terminal_id",
                          "channel", "level", "indicators", "reasons", "comment", "rater", "anonymous",
                          "evaluated_at", "handled_at", "content_version"})
        CHECK(rec.contains(k));
    CHECK(rec["eval_id"] == "PJ-00000001");
    CHECK(rec["rater"] == protocol::mask_id(id_number()));
    CHECK(rec["anonymous"] == false);
    CHECK(rec.dump().find(id_number()) == std::string::npos);
    CHECK(rec["comment"].get<std::string>().find("13800001234") == std::string::npos);

    json a = body(5, "C-anon");
    a["rater"] = {{"id_number", id_number()}};
    a["anonymous"] = true;
    const auto ra = s.submit(a, at(5min));
    REQUIRE(ra.ok());
    CHECK(s.find(ra.id)->rater_masked.empty());

    json longc = body(5, "C-long");
    longc["comment"] = std::string(501, 'a');
    CHECK(s.submit(longc, at(5min)).outcome.path == "/comment");
    json future = body(5, "C-fut");
    future["handled_at"] = sim::Calendar{}.iso8601(at(60min));
    CHECK(s.submit(future, at(5min)).outcome.path == "/handled_at");
    json ind = body(5, "C-ind");
    ind["indicators"]["attitude"] = 9;
    CHECK(s.submit(ind, at(5min)).outcome.path == "/indicators/attitude");
}

TEST_CASE("R-11.3-5: 差评 rectification verify → rectify → feed back → review, deadline, return visit", "[evaluations]") {
    Config cfg;
    cfg.rectify_working_days = 5;
    Evaluations s(cfg);
    json b = body(2);
    b["rater"] = {{"id_number", id_number()}};
    const auto r = s.submit(b, at(5min));
    REQUIRE(r.ok());
    const auto good = s.submit(body(5, "C-good"), at(5min));
    CHECK_FALSE(s.find(good.id)->rectification);
    CHECK(s.advance(good.id, Stage::verify, at(6min)).error == ErrorCode::conflict_state);

    const Rectification& rect = *s.find(r.id)->rectification;
    CHECK(rect.return_visit_required);
    CHECK(rect.deadline >= at(5min) + 24h * 5);
    CHECK(rect.deadline <= at(5min) + 24h * 7);
    CHECK(s.advance(r.id, Stage::rectify, at(6min)).error == ErrorCode::conflict_state);
    CHECK(s.advance(r.id, Stage::verify, at(6min), "核实属实"));
    CHECK(s.advance(r.id, Stage::rectify, at(7min)));
    CHECK(s.advance(r.id, Stage::feed_back, at(8min)));
    CHECK(s.advance(r.id, Stage::review, at(9min)).error == ErrorCode::conflict_state);  // no return visit yet
    CHECK(s.return_visit(r.id, at(9min), "已回访"));
    CHECK(s.return_visit(r.id, at(9min)).error == ErrorCode::conflict_state);
    CHECK(s.advance(r.id, Stage::review, at(10min)));
    CHECK(s.find(r.id)->rectification->stage == Stage::closed);
    CHECK(s.advance(r.id, Stage::review, at(11min)).error == ErrorCode::conflict_state);
    CHECK(s.advance("PJ-99", Stage::verify, at(11min)).error == ErrorCode::not_found);

    const auto late = s.submit(body(1, "C-late"), at(5min));
    REQUIRE(late.ok());
    CHECK(s.overdue(at(5min)).empty());
    CHECK(s.overdue(at(5min) + 24h * 8) == std::vector<std::string>{late.id});
}

TEST_CASE("R-11.4-1: summary statistics by level and reason; JSON round trip", "[evaluations]") {
    Evaluations s;
    REQUIRE(s.submit(body(5, "A"), at(5min)).ok());
    REQUIRE(s.submit(body(5, "B"), at(5min)).ok());
    REQUIRE(s.submit(body(1, "C"), at(5min)).ok());
    REQUIRE(s.submit(body(2, "D"), at(5min)).ok());
    const json sum = s.summary(at(5min));
    CHECK(sum["total"] == 4);
    CHECK(sum["by_level"]["5"] == 2);
    CHECK(sum["by_level"]["3"] == 0);
    CHECK(sum["bad"] == 2);
    CHECK(sum["bad_rate"] == Approx(0.5));
    CHECK(sum["average_level"] == Approx(3.25));
    CHECK(sum["by_reason"]["efficiency"] == 2);
    CHECK(sum["rectification"]["open"] == 2);
    REQUIRE(s.advance(s.for_case("C")[0]->id, Stage::verify, at(6min)));

    const json j = s.to_json();
    const Evaluations back = Evaluations::from_json(j);
    CHECK(back.to_json() == j);
    json broken = j;
    broken["evaluations"][0]["rectification"] = nullptr;
    broken["evaluations"][2]["level"] = 7;
    CHECK_THROWS_WITH(Evaluations::from_json(broken), Catch::Contains("/evaluations/2/level"));
}

}  // namespace services_evaluations_test
