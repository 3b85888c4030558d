// Scenario validation: every problem names its JSON path; defaults fill in;
// overrides apply; bad input never crashes.
#include <kiosktwin/world/hall.hpp>
#include <kiosktwin/world/knobs.hpp>

#include <catch2/catch.hpp>

#include <algorithm>

using namespace kiosktwin;
using nlohmann::json;

namespace {

std::vector<std::string> problems_of(const json& doc) {
    std::vector<std::string> out;
    for (const auto& p : world::load_hall_scenario(doc).validated.problems) out.push_back(p.to_string());
    return out;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

TEST_CASE("an empty scenario is valid: every knob takes its default", "[knobs]") {
    const world::HallLoad l = world::load_hall_scenario(json::object());
    REQUIRE(l.scenario);
    CHECK(l.scenario->kiosks == 4);
    CHECK(l.scenario->service_mean_min == 6.0);
    CHECK(l.validated.effective.at("/hall/kiosks"_json_pointer) == 4);
    CHECK(l.validated.effective.at("/demand/hourly_rate_per_h"_json_pointer).size() == 24);
    // Every knob has a value in the effective document.
    for (const auto& k : world::hall_knobs().knobs())
        CHECK(l.validated.effective.contains(json::json_pointer(k.path)));
}

TEST_CASE("a wrong value is reported with its JSON path and what was expected", "[knobs]") {
    CHECK(problems_of(json{{"hall", {{"kiosks", 0}}}}) ==
          std::vector<std::string>{"/hall/kiosks: expected an integer from 1 to 10000"});
    CHECK(problems_of(json{{"hall", {{"kiosks", "four"}}}}) ==
          std::vector<std::string>{"/hall/kiosks: expected an integer from 1 to 10000"});
    CHECK(problems_of(json{{"hall", {{"kiosks", 2.5}}}}) ==
          std::vector<std::string>{"/hall/kiosks: expected an integer from 1 to 10000"});
    CHECK(problems_of(json{{"service", {{"mean_min", 0}}}}) ==
          std::vector<std::string>{"/service/mean_min: expected a number > 0 and \u2264 1440"});
    CHECK(problems_of(json{{"demand", {{"interpolation", "cubic"}}}}) ==
          std::vector<std::string>{"/demand/interpolation: expected one of \"step\", \"linear\""});
    CHECK(problems_of(json{{"horizon", {{"warmup_h", -1}}}}) ==
          std::vector<std::string>{"/horizon/warmup_h: expected a number \u2265 0"});
}

TEST_CASE("list knobs check their length and each element", "[knobs]") {
    json doc{{"demand", {{"weekday_factor", {1, 1, 1}}}}};
    CHECK(problems_of(doc) ==
          std::vector<std::string>{"/demand/weekday_factor: expected a list of 7 numbers from 0 to 1000"});
    doc["demand"]["weekday_factor"] = {1, 1, -1, 1, "x", 1, 1};
    CHECK(problems_of(doc) == std::vector<std::string>{"/demand/weekday_factor/2: expected a number from 0 to 1000",
                                                       "/demand/weekday_factor/4: expected a number from 0 to 1000"});
}

TEST_CASE("unknown settings are refused, with a suggestion when one is close", "[knobs]") {
    const auto p = problems_of(json{{"hall", {{"kiosk", 4}}}, {"colour", "red"}});
    CHECK(has(p, "/hall/kiosk: unknown setting (did you mean /hall/kiosks?)"));
    CHECK(has(p, "/colour: unknown setting"));
    CHECK(problems_of(json{{"hall", 4}}) == std::vector<std::string>{"/hall: expected an object"});
}

TEST_CASE("all problems are reported at once, in path order", "[knobs]") {
    const auto p = problems_of(json{{"seed", -1}, {"hall", {{"kiosks", 0}}}, {"replications", 0}});
    CHECK(p.size() == 3);
    CHECK(std::is_sorted(p.begin(), p.end()));
}

TEST_CASE("cross-field rules are checked once each value is valid", "[knobs]") {
    CHECK(problems_of(json{{"horizon", {{"days", 1}, {"warmup_h", 30}}}}) ==
          std::vector<std::string>{"/horizon/warmup_h: must be shorter than the horizon (24 h)"});
    json zero{{"demand", {{"weekday_factor", {0, 0, 0, 0, 0, 0, 0}}}}};
    CHECK(problems_of(zero) == std::vector<std::string>{
                                   "/demand: the demand profile is zero everywhere: no citizen would ever arrive"});
    CHECK(problems_of(json{{"calendar", {{"epoch", "next Monday"}}}}) ==
          std::vector<std::string>{
              "/calendar/epoch: expected an ISO 8601 date-time such as 2026-06-01T00:00:00+08:00"});
}

TEST_CASE("not a scenario at all", "[knobs]") {
    CHECK(problems_of(json::array({1, 2})) == std::vector<std::string>{"/: expected a JSON object"});
    CHECK(problems_of(json(nullptr)) == std::vector<std::string>{"/: expected a JSON object"});
}

TEST_CASE("overrides set values by dotted or pointer paths", "[knobs]") {
    json doc = json::object();
    CHECK_FALSE(world::apply_override(doc, "hall.kiosks=6"));
    CHECK_FALSE(world::apply_override(doc, "/service/distribution=gamma"));  // a bare word is a string
    CHECK_FALSE(world::apply_override(doc, "demand.weekday_factor=[1,1,1,1,1,0,0]"));
    CHECK(doc.at("/hall/kiosks"_json_pointer) == 6);
    CHECK(doc.at("/service/distribution"_json_pointer) == "gamma");
    const auto bad = world::apply_override(doc, "kiosks");
    REQUIRE(bad);
    CHECK(bad->message == "override 'kiosks' is not of the form path=value");
    const world::HallLoad l = world::load_hall_scenario(doc);
    REQUIRE(l.scenario);
    CHECK(l.scenario->kiosks == 6);
}

TEST_CASE("syntax errors name the line and column", "[knobs]") {
    json out;
    const auto p = world::parse_json("{\n  \"hall\": {\n    \"kiosks\": 4,\n  }\n}", out);
    REQUIRE(p);
    CHECK(p->message.rfind("line 4, column 3: syntax error", 0) == 0);
    CHECK_FALSE(world::parse_json("{\"a\": 1}", out));
    // Garbage of every kind is an error, never a crash.
    for (std::string junk : {"", "{", "[", "\"", "nul", "{\"a\":}", "\xff\xfe", "{\"a\": 1e99999}"}) {
        json j;
        CHECK(world::parse_json(junk, j).has_value());
    }
}

TEST_CASE("the knob table for --help lists every knob with unit and default", "[knobs]") {
    const std::string t = world::hall_knobs().help_table();
    for (const auto& k : world::hall_knobs().knobs()) CHECK(t.find(k.path) != std::string::npos);
    CHECK(t.find("Self-service kiosks in the hall [kiosks]") != std::string::npos);
    CHECK(t.find("default 4; an integer from 1 to 10000") != std::string::npos);
}
