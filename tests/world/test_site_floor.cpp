// The site world's floor and operations (twin/world/floor_plan.hpp, site.hpp):
// walking distances around walls, citizens walking in, to the line, to the
// kiosk and out, the rules for picking a kiosk (shortest line, nearest, the
// one with the device needed), help mid-session, ID cards left on the
// reader, opening hours in quarter hours, and the outages besides device
// faults — network, software, power — with their tickets (R-10.3-1).
#include <kiosktwin/world/floor_plan.hpp>
#include <kiosktwin/world/kiosk_rig.hpp>
#include <kiosktwin/world/site.hpp>
#include <kiosktwin/world/virtual_gateway.hpp>
#include <kiosktwin/server/state.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

using namespace kiosktwin;
using namespace kiosktwin::world;
using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace world_site_floor_test {

FloorPlan open_room() {
    FloorPlan p;
    p.width_m = 20;
    p.depth_m = 10;
    p.entrances = {{10, 10}};
    p.kiosks = {{2, 1}, {18, 1}};
    return p;
}

SiteSpec site_of(int kiosks, double per_hour) {
    SiteSpec s;
    s.id = "S01";
    for (int k = 1; k <= kiosks; ++k) s.kiosks.push_back({"K0" + std::to_string(k), nlohmann::json::object()});
    s.hourly_rate_per_h.fill(per_hour);
    return s;
}

struct Run {
    std::vector<CitizenRecord> citizens;
    std::vector<TicketRecord> tickets;
    WorldRunInfo info;
};

Run run_world(const WorldSpec& spec, const std::function<void(World&)>& after = {}) {
    World w(spec, 0);
    Run r;
    w.citizen_left.connect([&](const CitizenRecord& c) { r.citizens.push_back(c); });
    w.ticket_closed.connect([&](const TicketRecord& t) { r.tickets.push_back(t); });
    r.info = w.run();
    if (after) after(w);
    return r;
}

}  // namespace world_site_floor_test

using namespace world_site_floor_test;

TEST_CASE("floor: walking distances go around walls, and a plan's problems are named by path [R-5-1]", "[site-floor]") {
    FloorPlan p = open_room();
    const WalkingMap open(p);
    const double straight = std::hypot(10.0 - 2.0, 10.0 - 1.0);
    CHECK(open.metres(open.entrance(0), open.kiosk(0)) >= straight - 0.5);
    CHECK(open.metres(open.entrance(0), open.kiosk(0)) <= straight * 1.08 + 0.5);  // the grid's detour is bounded
    CHECK_THAT(open.metres(open.kiosk(0), open.entrance(0)), WithinAbs(open.metres(open.entrance(0), open.kiosk(0)), 0.75));
    CHECK(open.nearest(open.entrance(0), {open.kiosk(1), open.kiosk(0)}).index == open.kiosk(1).index);  // a tie: the first given

    // A wall between the entrance and kiosk 0, open only at its right end.
    p.walls = {{{0, 5}, {14, 5}}};
    const WalkingMap walled(p);
    const double around = walled.metres(walled.entrance(0), walled.kiosk(0));
    CHECK(around > straight + 4);  // to x = 14, then back left
    const auto path = walled.path(walled.entrance(0), walled.kiosk(0));
    REQUIRE(path.size() > 2);
    CHECK(path.front() == Point{10, 10});
    CHECK(path.back() == Point{2, 1});
    for (const Point& q : path)
        if (q.x < 13.5) CHECK(std::abs(q.y - 5.0) > 0.2);  // never through the wall

    CHECK(check(open_room(), 2).empty());
    FloorPlan bad = open_room();
    bad.kiosks[1] = {25, 1};
    bad.help_desks = {{3, 5}};
    bad.walls = {{{0, 5}, {20, 5}}};  // cuts the room in two
    const auto problems = check(bad, 2);
    auto has = [&](const std::string& at) {
        return std::any_of(problems.begin(), problems.end(), [&](const PlanProblem& x) { return x.path == at; });
    };
    CHECK(has("/kiosks/1/at"));      // outside the room
    CHECK(has("/help_desks/0/at"));  // on the wall
    CHECK(check(bad, 3).front().path == "/kiosks");  // 2 positions for 3 kiosks
    FloorPlan cut = open_room();
    cut.walls = {{{0, 5}, {20, 5}}};
    const auto unreachable = check(cut, 2);
    REQUIRE(unreachable.size() == 2);
    CHECK(unreachable[0].path == "/kiosks/0/at");
    CHECK(unreachable[0].message.find("cannot be reached") != std::string::npos);
}

TEST_CASE("floor: citizens walk in, to the line, to their kiosk and out; the walk is not waiting [R-5-1]", "[site-floor]") {
    WorldSpec spec;
    spec.seed = 5;
    spec.horizon = std::chrono::hours(2);
    SiteSpec s = site_of(2, 8.0);
    s.plan = open_room();
    s.plan.queue_areas = {{{8, 5}, {12, 7}}};
    spec.sites.push_back(s);
    const WalkingMap map(s.plan);
    const Run r = run_world(spec);
    REQUIRE(r.citizens.size() > 5);
    for (const CitizenRecord& c : r.citizens) {
        if (c.fate != CitizenFate::served) continue;
        const std::size_t k = c.kiosk == "S01-K01" ? 0 : 1;
        const double expected = map.metres(map.entrance(0), map.queue_area(0)) +
                                map.metres(map.queue_area(0), map.kiosk(k)) + map.metres(map.kiosk(k), map.entrance(0));
        CHECK_THAT(c.walked_m, WithinAbs(expected, 1e-6));
        const double mps = c.persona == Persona::young ? 1.3 : 0.0;
        REQUIRE(mps > 0);  // the default mix: everyone young
        CHECK_THAT(sim::to_seconds(c.walking), WithinAbs(c.walked_m / mps, 0.01));
        CHECK(c.held >= c.session);
    }
    // Without a plan nobody walks.
    spec.sites[0].plan = {};
    for (const CitizenRecord& c : run_world(spec).citizens) CHECK(c.walked_m == 0);
}

TEST_CASE("floor: the kiosk choice rules — nearest, shortest line, the device needed [R-7.2-2]", "[site-floor]") {
    WorldSpec spec;
    spec.seed = 11;
    spec.horizon = std::chrono::hours(2);
    SiteSpec s = site_of(2, 10.0);
    s.queue = QueueDiscipline::per_kiosk;
    s.plan = open_room();
    s.plan.entrances = {{19, 10}};  // nearer K02 (18, 1)
    s.choice = KioskChoice::nearest;
    spec.sites.push_back(s);
    {
        const Run r = run_world(spec);
        REQUIRE(r.citizens.size() > 5);
        for (const CitizenRecord& c : r.citizens)
            if (c.fate == CitizenFate::served) CHECK(c.kiosk == "S01-K02");
    }
    {   // Shortest line: a busy site uses both kiosks.
        spec.sites[0].choice = KioskChoice::shortest;
        spec.sites[0].hourly_rate_per_h.fill(40.0);
        std::map<std::string, int> used;
        for (const CitizenRecord& c : run_world(spec).citizens) ++used[c.kiosk];
        CHECK(used["S01-K01"] > 0);
        CHECK(used["S01-K02"] > 0);
    }
    {   // The device needed: K02 has no face camera, so in-person items (人证核验) go to K01.
        spec.sites[0].choice = KioskChoice::device;
        spec.sites[0].kiosks[1].devices["face_camera"] = false;
        std::map<std::string, std::vector<std::string>> needs;
        const Run r = run_world(spec, [&](World& w) {
            const auto snap = w.kiosk(0, 0).kiosk().catalogue().snapshot();
            for (const auto& item : snap->items) needs[item.code] = item.peripherals;
        });
        int in_person = 0;
        for (const CitizenRecord& c : r.citizens)
            for (const kiosk::SessionOutcome& o : c.outcomes) {
                const auto& n = needs[o.item_code];
                if (o.service != "handle") continue;  // a query needs no device
                if (std::find(n.begin(), n.end(), "face_camera") == n.end()) continue;
                ++in_person;
                INFO("citizen " << c.citizen << " arrived at " << sim::to_seconds(c.arrived.time_since_epoch()) << " s, item "
                                << o.item_code << ", service " << o.service << ", sessions " << c.outcomes.size()
                                << ", kind " << kiosk::to_string(o.kind) << ", persona " << to_string(c.persona));
                CHECK(c.kiosk == "S01-K01");
            }
        CHECK(in_person > 0);
    }
}

TEST_CASE("floor: a stuck citizen gets a 帮办 and goes on; cards left on the reader are handed in [R-10.2-1] [R-5-4]",
          "[site-floor]") {
    WorldSpec spec;
    spec.seed = 3;
    spec.horizon = std::chrono::hours(8);
    SiteSpec s = site_of(2, 24.0);
    s.personas.share = {0, 0.5, 0, 0.5};  // elderly and first-time: they get stuck and forget things
    s.mix.walk_away = 0.2;
    s.staff.helpers = 2;
    s.plan = open_room();
    s.plan.help_desks = {{1, 9}};
    spec.sites.push_back(s);
    const Run r = run_world(spec);
    int stuck_helped = 0, went_on = 0, forgot = 0, found = 0;
    std::map<std::string, std::vector<const CitizenRecord*>> by_kiosk;  // in the order they took the kiosk
    std::vector<const CitizenRecord*> served;
    for (const CitizenRecord& c : r.citizens)
        if (c.fate == CitizenFate::served) served.push_back(&c);
    std::erase_if(served, [](const CitizenRecord* c) { return c->outcomes.empty(); });
    std::sort(served.begin(), served.end(),
              [](auto* a, auto* b) { return a->outcomes.front().started < b->outcomes.front().started; });
    for (const CitizenRecord* c : served) by_kiosk[c->kiosk].push_back(c);
    for (const CitizenRecord* c : served) {
        if (c->helped_when_stuck) {
            ++stuck_helped;
            CHECK(c->helped);
            REQUIRE_FALSE(c->outcomes.empty());
            const auto kind = c->outcomes.back().kind;
            went_on += kind == kiosk::OutcomeKind::completed || kind == kiosk::OutcomeKind::completed_degraded;
        }
        found += c->found_card;
    }
    for (const auto& [kiosk, list] : by_kiosk)
        for (std::size_t i = 0; i + 1 < list.size(); ++i)
            if (list[i]->forgot_card) {
                ++forgot;
                CHECK(list[i + 1]->found_card);  // the next at that kiosk found it
            }
    CHECK(stuck_helped > 0);
    CHECK(went_on > 0);
    CHECK(forgot > 0);
    CHECK(found >= forgot);
}

TEST_CASE("floor: opening hours in quarter hours — arrivals only from 08:30 to 09:30 [R-5-3]", "[site-floor]") {
    WorldSpec spec;
    spec.seed = 9;
    spec.horizon = std::chrono::hours(48);
    SiteSpec s = site_of(2, 0.0);
    s.hours.always_open = false;
    s.hours.days.fill(true);
    s.hours.open_h = 8.5;
    s.hours.close_h = 9.5;
    s.hourly_rate_per_h[8] = s.hourly_rate_per_h[9] = 30;
    spec.sites.push_back(s);
    CHECK(s.hours.hours_per_week() == 7.0);
    World w(spec, 0);
    std::vector<sim::Time> arrivals;
    w.citizen_left.connect([&](const CitizenRecord& c) { arrivals.push_back(c.arrived); });
    w.run();
    REQUIRE(arrivals.size() > 20);
    for (sim::Time t : arrivals) {
        const sim::CivilTime c = spec.calendar.civil(t);
        const int minute = c.hour * 60 + c.minute;
        CHECK(minute >= 8 * 60 + 30);
        CHECK(minute < 9 * 60 + 30);
    }
    SiteSpec wrong = s;
    wrong.hours.open_h = 8.4;
    WorldSpec bad = spec;
    bad.sites = {wrong};
    CHECK_FALSE(check(bad).empty());
}

TEST_CASE("floor: network outages, program hangs and power cuts raise tickets the platform sees and closes [R-10.3-1]",
          "[site-floor]") {
    WorldSpec spec;
    spec.seed = 21;
    spec.horizon = std::chrono::hours(30);
    SiteSpec s = site_of(2, 6.0);
    s.faults.link_mtbf_h = 8;
    s.faults.link_outage_mean_min = 30;
    s.faults.software_mtbf_h = 12;
    s.faults.power_mtbf_h = 12;
    s.faults.power_outage_mean_min = 30;
    s.staff.dispatch = std::chrono::minutes(5);
    spec.sites.push_back(s);
    const Run r = run_world(spec);
    std::map<std::string, int> causes;
    for (const TicketRecord& t : r.tickets) {
        ++causes[t.root_cause];
        CHECK(t.occurred <= t.reported);
        CHECK(t.reported <= t.acknowledged);
        CHECK(t.acknowledged <= t.arrived);
        CHECK(t.arrived <= t.resolved);
        if (t.root_cause == "peripheral") continue;
        // Seen offline only after heartbeats were missed (3 x 60 s), then the dispatch.
        CHECK(t.reported - t.occurred >= std::chrono::minutes(2));
        CHECK(t.acknowledged - t.reported == std::chrono::minutes(5));
        CHECK(t.severity == (t.root_cause == "software" ? 3 : 2));
        if (t.root_cause == "software") CHECK(t.resolved - t.acknowledged < std::chrono::minutes(5));  // the remote restart
    }
    CHECK(causes["network"] > 0);
    CHECK(causes["software"] > 0);
    CHECK(causes["power"] > 0);
    for (const CitizenRecord& c : r.citizens) CHECK(c.held < std::chrono::hours(1));  // nobody stuck at a dark kiosk
}

TEST_CASE("floor: viewers see who is where — phases, walks under way, kiosks' states", "[site-floor]") {
    WorldSpec spec;
    spec.seed = 17;
    spec.horizon = std::chrono::hours(2);
    SiteSpec s = site_of(2, 50.0);  // busy: a line forms
    s.plan = open_room();
    s.plan.queue_areas = {{{8, 5}, {12, 7}}};
    spec.sites.push_back(s);
    World w(spec, 0);
    REQUIRE(w.walking_map(0) != nullptr);
    std::map<CitizenPhase, int> phases;
    std::map<KioskState, int> states;
    int samples = 0;
    auto sampler = [&]() -> sim::Process<void> {
        for (int i = 0; i < 240; ++i) {
            co_await w.simulation().delay(std::chrono::seconds(30));
            ++samples;
            for (const CitizenOnFloor& c : w.on_floor()) {
                ++phases[c.phase];
                CHECK(c.since <= w.simulation().now());
                CHECK(c.until >= c.since);
                if (c.phase == CitizenPhase::waiting) CHECK(c.from.index == w.walking_map(0)->queue_area(0).index);
                if (c.phase == CitizenPhase::at_kiosk) {
                    REQUIRE(c.kiosk);
                    CHECK(c.to.index == w.walking_map(0)->kiosk(*c.kiosk).index);
                    const KioskState k = w.kiosk_state(0, *c.kiosk);
                    CHECK((k == KioskState::in_session || k == KioskState::fault || k == KioskState::offline));
                }
            }
            for (std::size_t k = 0; k < 2; ++k) ++states[w.kiosk_state(0, k)];
        }
    };
    w.simulation().spawn(sampler());
    w.run();
    CHECK(samples == 240);
    CHECK(phases[CitizenPhase::waiting] > 0);
    CHECK(phases[CitizenPhase::at_kiosk] > 0);
    CHECK(phases[CitizenPhase::walking_in] + phases[CitizenPhase::walking_out] > 0);
    CHECK(states[KioskState::in_session] > 0);
    CHECK(w.on_floor().empty());  // everyone left
}
