// Site scenarios (world/site_scenario.hpp): the planner's file, validated
// with the JSON path of every problem, its schema generated from the knobs,
// and the world behaviours it switches on — opening hours (R-5-3), personas
// (R-5-4), staff and fault tickets (R-10.2-1, R-10.3-1).
#include <kiosktwin/sim/stats.hpp>
#include <kiosktwin/world/site.hpp>
#include <kiosktwin/world/site_scenario.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <sstream>

using namespace kiosktwin;
using namespace kiosktwin::world;
using nlohmann::json;

namespace {

json read(const std::string& relative) {
    std::ifstream in(std::string(KIOSKTWIN_SOURCE_DIR) + "/" + relative);
    std::stringstream ss;
    ss << in.rdbuf();
    return json::parse(ss.str());
}

std::vector<std::string> paths_of(const SiteLoad& l) {
    std::vector<std::string> out;
    for (const Problem& p : l.validated.problems) out.push_back(p.path);
    return out;
}

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

}  // namespace

TEST_CASE("site scenario: the default loads with every default filled in", "[site-scenario]") {
    const SiteLoad l = load_site_scenario(read("scenarios/default.json"));
    INFO(l.validated.problems.size());
    REQUIRE(l.scenario);
    const SiteScenario& s = *l.scenario;
    REQUIRE(s.world.sites.size() == 2);
    CHECK(s.world.sites[0].kiosks.size() == 8);
    CHECK_FALSE(s.world.sites[0].hours.always_open);
    CHECK(s.world.sites[0].hours.hours_per_week() == 51);  // 08:30-17:00, Monday to Saturday
    CHECK(s.world.sites[1].hours.always_open);  // the 7x24 room (R-5-3)
    CHECK(s.world.sites[1].queue == QueueDiscipline::per_kiosk);
    CHECK(l.validated.effective["sites"][1]["staff"]["dispatch_min"] == 5.0);  // a default filled in
    CHECK(s.targets.satisfaction == 0.90);
}

TEST_CASE("site scenario: every problem is named by its JSON path", "[site-scenario]") {
    json doc = read("scenarios/default.json");
    doc["sites"][0]["kiosks"] = 0;
    doc["sites"][0]["hours"]["close_h"] = 8;  // before open_h 9
    doc["sites"][1]["kiosk"] = 3;             // a typo
    doc["sites"][1]["personas"]["elderly"] = -1;
    doc["replications"] = 0;
    const auto paths = paths_of(load_site_scenario(doc));
    CHECK(has(paths, "/sites/0/kiosks"));
    CHECK(has(paths, "/sites/1/kiosk"));
    CHECK(has(paths, "/sites/1/personas/elderly"));
    CHECK(has(paths, "/replications"));
    json closed = read("scenarios/default.json");
    closed["sites"][0]["hours"]["close_h"] = 8;
    closed["sites"][1]["id"] = "HALL";
    const auto more = paths_of(load_site_scenario(closed));
    CHECK(has(more, "/sites/0/hours/close_h"));
    CHECK(has(more, "/sites/1/id"));  // two sites with one id
    const auto none = paths_of(load_site_scenario(json{{"sites", json::array()}}));
    CHECK(has(none, "/sites"));
    const SiteLoad typo = load_site_scenario(json{{"sites", json::array({json{{"kiosk", 2}}})}});
    REQUIRE_FALSE(typo.validated.problems.empty());
    CHECK(typo.validated.problems[0].message.find("did you mean /kiosks?") != std::string::npos);
}

TEST_CASE("site scenario: the committed JSON Schema is the one the knobs generate", "[site-scenario]") {
    const json generated = site_scenario_knobs().json_schema("KioskTwin site scenario");
    CHECK(read("scenarios/site.schema.json") == generated);  // regenerate: kiosktwin validate --schema
    CHECK(generated["properties"]["sites"]["items"]["properties"]["kiosks"]["minimum"] == 1.0);
    CHECK(generated["properties"]["sites"]["items"]["additionalProperties"] == false);
}

TEST_CASE("site scenario: a hall scenario is read as a one-site world (the hall model as a special case)",
          "[site-scenario]") {
    const SiteLoad l = load_site_scenario(read("scenarios/hall.json"));
    REQUIRE(l.scenario);
    CHECK(l.from_hall);
    REQUIRE(l.scenario->world.sites.size() == 1);
    CHECK(l.scenario->world.sites[0].kiosks.size() == 4);
    CHECK(l.scenario->world.sites[0].service.has_value());
}

TEST_CASE("site world: citizens arrive only while the site is open; those inside finish [R-5-3]", "[site-scenario]") {
    json doc = read("scenarios/default.json");
    doc["horizon"]["days"] = 0.5;  // a Monday morning
    doc["sites"].erase(1);
    doc["sites"][0]["kiosks"] = 3;
    doc["sites"][0]["hours"]["open_h"] = 9;
    doc["sites"][0]["hours"]["close_h"] = 11;  // open 09:00-11:00
    const SiteLoad l = load_site_scenario(doc);
    REQUIRE(l.scenario);
    World w(l.scenario->world, 0);
    std::uint64_t n = 0;
    sim::Time last_out{};
    w.citizen_left.connect([&](const CitizenRecord& r) {
        ++n;
        last_out = std::max(last_out, r.arrived + r.waited + r.held);
        const int hour = l.scenario->world.calendar.civil(r.arrived).hour;
        CHECK(hour >= 9);
        CHECK(hour < 11);
    });
    w.run();
    CHECK(n > 50);
    CHECK(last_out > sim::Time{std::chrono::hours(11)});  // t = 0 is local midnight: those inside at 11:00 finished
}

TEST_CASE("site world: personas — the elderly take longer, agents bring several cases, helpers help [R-5-4] [R-10.2-1]",
          "[site-scenario]") {
    WorldSpec spec;
    spec.seed = 17;
    spec.horizon = std::chrono::hours(3);
    SiteSpec s;
    s.id = "S1";
    for (int k = 1; k <= 4; ++k) s.kiosks.push_back({"K0" + std::to_string(k), json::object()});
    s.hourly_rate_per_h.fill(50);
    s.personas.share = {0.4, 0.3, 0.15, 0.15};
    s.staff.helpers = 1;
    s.mix.walk_away = 0;
    spec.sites.push_back(s);
    World w(spec, 0);
    std::map<Persona, sim::Tally> session_min;
    std::map<Persona, std::size_t> most_cases;
    std::size_t helped = 0, asked = 0;
    w.citizen_left.connect([&](const CitizenRecord& r) {
        if (r.fate != CitizenFate::served) return;
        session_min[r.persona].add(sim::to_minutes(r.session) / static_cast<double>(std::max<std::size_t>(1, r.outcomes.size())));
        most_cases[r.persona] = std::max(most_cases[r.persona], r.outcomes.size());
        helped += r.helped;
        asked += r.asked_help;
        if (r.persona == Persona::agent) CHECK(r.outcomes.size() >= 2);
        else CHECK(r.outcomes.size() == 1);
    });
    w.run();
    REQUIRE(session_min[Persona::young].count() > 10);
    REQUIRE(session_min[Persona::elderly].count() > 10);
    CHECK(session_min[Persona::elderly].mean() > 1.5 * session_min[Persona::young].mean());  // the slower pace of R-5-4
    CHECK(most_cases[Persona::agent] >= 3);
    CHECK(helped > 0);
    CHECK(helped < asked);  // one helper cannot be everywhere
}

TEST_CASE("site world: device faults raise tickets a technician resolves, in order of their times [R-10.3-1]",
          "[site-scenario]") {
    WorldSpec spec;
    spec.seed = 23;
    spec.horizon = std::chrono::hours(12);
    SiteSpec s;
    s.id = "S1";
    for (int k = 1; k <= 3; ++k) s.kiosks.push_back({"K0" + std::to_string(k), json::object()});
    s.hourly_rate_per_h.fill(6);
    s.faults.mtbf_h = 2;
    spec.sites.push_back(s);
    World w(spec, 0);
    std::vector<TicketRecord> tickets;
    w.ticket_closed.connect([&](const TicketRecord& t) { tickets.push_back(t); });
    const WorldRunInfo info = w.run();
    CHECK(info.open_tickets <= 3);  // at most one open per kiosk
    REQUIRE(tickets.size() >= 5);
    for (const TicketRecord& t : tickets) {
        CHECK(t.occurred <= t.reported);
        CHECK(t.reported - t.occurred <= std::chrono::minutes(5));  // a heartbeat or a status poll shows it
        CHECK(t.reported + s.staff.dispatch <= t.acknowledged);
        CHECK(t.acknowledged <= t.arrived);
        CHECK(t.arrived <= t.resolved);
        CHECK((t.severity == 2 || t.severity == 3));
        CHECK(t.root_cause == "peripheral");
    }
}
