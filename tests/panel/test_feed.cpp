// The panel's feeds without drawing (twin/panel/src/feed.hpp): the replay of a
// recorded run rebuilt at any instant and seekable both ways, the world feed's
// instruments and captions, and where citizens stand in a line.
#include "feed.hpp"

#include <kiosktwin/world/knobs.hpp>
#include <kiosktwin/world/site_scenario.hpp>

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace kiosktwin;
using namespace kiosktwin::panel;

namespace panel_feed_test {

nlohmann::json effective_of(const std::string& rel) {
    std::ifstream in(std::string(KIOSKTWIN_SOURCE_DIR) + "/" + rel);
    std::stringstream ss;
    ss << in.rdbuf();
    nlohmann::json doc;
    REQUIRE_FALSE(world::parse_json(ss.str(), doc));
    const world::SiteLoad l = world::load_site_scenario(doc);
    REQUIRE(l.scenario);
    return l.validated.effective;
}

store::RecordedRun recorded() {
    store::RecordedRun r;
    r.run_id = 3;
    r.scenario_name = "demo: morning rush";
    r.effective = effective_of("scenarios/demo/morning-rush.json");
    r.horizon_days = 1;
    const double h9 = 9 * 3600.0;
    // Two served (K01, K02), one who gave up waiting.
    r.visits.push_back({"HALL", "young", "served", "HALL-K01", 1, h9, 60, 300, 30, false});
    r.visits.push_back({"HALL", "elderly", "served", "HALL-K02", 2, h9 + 10, 240, 600, 40, true});
    r.visits.push_back({"HALL", "young", "reneged", "", 3, h9 + 20, 900, 0, 20, false});
    r.sessions.push_back({"HALL", "HALL-K01", "completed", "", "110101", "C1", 1, 5, h9 + 70, h9 + 360});
    r.sessions.push_back({"HALL", "HALL-K02", "completed_degraded", "receipt_printer:e-receipt", "110101", "C2", 2, 2, h9 + 260, h9 + 880});
    r.tickets.push_back({"HALL", "HALL-K03", "idcard_reader", "self_test_fail", "peripheral", 2, h9, h9 + 120, h9 + 420, h9 + 1800, h9 + 2700});
    r.tickets.push_back({"HALL", "HALL-K04", "link", "black_hole", "network", 2, h9, h9 + 180, h9 + 480, h9 + 480, h9 + 900});
    return r;
}

TEST_CASE("A replay rebuilds the floor, kiosk states and instruments at any instant, backwards too", "[panel]") {
    auto feed = make_replay_feed(recorded());
    CHECK(std::string(feed->kind()) == "replay");
    CHECK(feed->seekable());
    CHECK(feed->end() == sim::Time{std::chrono::hours(24)});
    Scene s;

    feed->seek(sim::Time{std::chrono::hours(9) + std::chrono::seconds(50)});  // all three inside, K01 and K02's citizens waiting
    feed->fill(0, s);
    CHECK(s.citizens.size() == 3);
    CHECK(s.waiting == 3);
    CHECK(s.kiosks[2].state == world::KioskState::fault);    // the reader's ticket is open
    CHECK(s.kiosks[3].state == world::KioskState::offline);  // the network outage
    CHECK_FALSE(s.kiosks[3].online);
    CHECK(s.kiosks[3].powered);

    feed->seek(sim::Time{std::chrono::hours(9) + std::chrono::minutes(3)});  // K01's citizen at the kiosk
    feed->fill(0, s);
    CHECK(s.kiosks[0].state == world::KioskState::in_session);
    CHECK(feed->instruments().served == 0);

    feed->seek(sim::Time{std::chrono::hours(11)});
    feed->fill(0, s);
    CHECK(s.citizens.empty());
    CHECK(s.technicians.empty());
    const Instruments& in = feed->instruments();
    CHECK(in.served == 2);
    CHECK(in.abandoned == 1);
    CHECK(in.cases == 2);
    CHECK(in.outcomes[static_cast<std::size_t>(kiosk::OutcomeKind::completed_degraded)] == 1);
    CHECK(in.tickets_closed == 2);
    CHECK(in.rated == 2);
    CHECK(in.rated_good == 1);
    CHECK(in.wait_quantiles()[2] == Approx(4 + 0.9 * 11));  // 1, 4, 15 min: linear between order statistics
    CHECK(feed->tickets().empty());
    CHECK(feed->captions().size() >= 4);  // reported, on site and resolved

    // Back to the technician at work: the instruments are rebuilt, not added twice.
    feed->seek(sim::Time{std::chrono::hours(9) + std::chrono::minutes(35)});
    feed->fill(0, s);
    CHECK(s.technicians.size() == 1);
    CHECK(feed->instruments().served == 2);
    REQUIRE(feed->tickets().size() == 1);
    CHECK(feed->tickets()[0].stage == world::TicketStage::arrived);
}

TEST_CASE("The world feed samples each virtual minute and keeps the timeline's captions", "[panel]") {
    const world::SiteLoad l = world::load_site_scenario(effective_of("scenarios/demo/network-blackhole.json"));
    REQUIRE(l.scenario);
    auto feed = make_world_feed(*l.scenario, 0);
    feed->seek(sim::Time{std::chrono::hours(10) + std::chrono::minutes(3)});
    const Instruments& in = feed->instruments();
    CHECK(in.online_share.size() == 10 * 60 + 3 + 1);  // t = 0 and every minute since
    CHECK(in.online_share.back() < 0.5f);              // the black hole: the platform hears nobody
    CHECK(in.powered_share.back() == 1.0f);            // yet every kiosk has power
    REQUIRE(feed->captions().size() >= 9);
    for (const auto& c : feed->captions()) CHECK(c.error.empty());
    Scene s;
    feed->fill(0, s);
    for (const SceneKiosk& k : s.kiosks) CHECK(k.state == world::KioskState::offline);
    feed->seek(sim::Time{std::chrono::hours(10) + std::chrono::minutes(12)});
    feed->fill(0, s);
    for (const SceneKiosk& k : s.kiosks) CHECK(k.state != world::KioskState::offline);
}

TEST_CASE("A line fills its queue area front row first, and walkers follow the map's path", "[panel]") {
    world::SiteSpec spec;
    spec.id = "S";
    spec.kiosks.resize(4);
    for (std::size_t i = 0; i < 4; ++i) spec.kiosks[i].id = "K0" + std::to_string(i + 1);
    spec.plan = world::simple_plan(4);
    SiteGeometry g(spec, nullptr);
    REQUIRE(g.walks);
    world::CitizenOnFloor c;
    c.phase = world::CitizenPhase::waiting;
    c.from = c.to = g.map->queue_area(0);
    const world::Area& a = g.plan.queue_areas[0];
    const world::Point first = position_of(g, c, {}, 0), second = position_of(g, c, {}, 1);
    CHECK(first.y == second.y);
    CHECK(first.x >= a.from.x);
    CHECK(first.x <= a.to.x);
    CHECK(first.y >= a.from.y);
    c.phase = world::CitizenPhase::walking_in;
    c.from = g.map->entrance(0);
    c.to = g.map->queue_area(0);
    c.since = sim::Time{};
    c.until = sim::Time{std::chrono::seconds(10)};
    const world::Point start = position_of(g, c, sim::Time{}, 0), end = position_of(g, c, c.until, 0);
    CHECK(start == g.map->where(c.from));
    CHECK(end == g.map->where(c.to));
    const world::Point mid = position_of(g, c, sim::Time{std::chrono::seconds(5)}, 0);
    CHECK(mid.y < start.y);
    CHECK(mid.y > end.y);
}

}  // namespace panel_feed_test
