// The panel (twin/panel, issue 9), drawn off screen under Xvfb: screenshots of
// the default scenario and each trainer's demo at set times are produced and
// checked (not blank, the floor, instruments and captions non-uniform, kiosks
// in their state's colour), a fault injected through the panel's control path
// shows in the world's state and in the next frame, and the window's pacer
// moves virtual time on. The ctest runs under xvfb-run.
#include <kiosktwin/panel/panel.hpp>
#include <kiosktwin/devices/device.hpp>
#include <kiosktwin/link/link.hpp>
#include <kiosktwin/world/kiosk_rig.hpp>
#include <kiosktwin/world/knobs.hpp>
#include <kiosktwin/world/site_scenario.hpp>
#include <kiosktwin/world/virtual_gateway.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

using namespace kiosktwin;

namespace panel_panel_test {

nlohmann::json read_scenario(const std::string& rel) {
    std::ifstream in(std::string(KIOSKTWIN_SOURCE_DIR) + "/" + rel);
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    nlohmann::json doc;
    REQUIRE_FALSE(world::parse_json(ss.str(), doc));
    return doc;
}

panel::PanelOptions options_for(const std::string& rel) {
    panel::PanelOptions o;
    o.scenario = read_scenario(rel);
    o.scenario_file = rel;
    return o;
}

struct Frame {
    std::vector<std::uint8_t> rgba;
    unsigned w = 0, h = 0;
    std::uint32_t at(int x, int y) const {
        const std::size_t i = (static_cast<std::size_t>(y) * w + static_cast<std::size_t>(x)) * 4;
        return (std::uint32_t{rgba[i]} << 16) | (std::uint32_t{rgba[i + 1]} << 8) | rgba[i + 2];
    }
    // Distinct colours in a rectangle (sampled every other pixel).
    std::size_t colours(int x0, int y0, int x1, int y1) const {
        std::set<std::uint32_t> seen;
        for (int y = y0; y < y1; y += 2)
            for (int x = x0; x < x1; x += 2) seen.insert(at(x, y));
        return seen.size();
    }
};

Frame frame_of(panel::Panel& p) {
    return {p.render_rgba(), p.width(), p.height()};
}

// The regions of the 1600x900 layout: floor (left, top), instruments (right),
// captions and injection (left, bottom).
void check_layout(const Frame& f) {
    CHECK(f.colours(0, 0, 1600, 900) > 200);        // not blank
    CHECK(f.colours(0, 50, 990, 540) > 20);         // the floor
    CHECK(f.colours(1000, 50, 1600, 890) > 50);     // the instruments
    CHECK(f.colours(0, 600, 990, 890) > 10);        // captions and injection
    CHECK(f.colours(0, 0, 1600, 44) > 20);          // the top bar
}

TEST_CASE("The default scenario's panel at 10:30: regions drawn, kiosks in their state's colour, a PNG written",
          "[panel]") {
    panel::Panel p(options_for("scenarios/default.json"));
    const auto t = p.time_of("10:30");
    REQUIRE(t);
    p.seek(*t);
    CHECK(p.now() == *t);
    const Frame f = frame_of(p);
    check_layout(f);
    world::World& w = *p.world();
    for (std::size_t k = 0; k < w.kiosks(0); ++k) {
        const panel::PixelPoint px = p.kiosk_pixel(k);
        INFO("kiosk " << k << " at " << px.x << "," << px.y);
        CHECK(f.at(px.x, px.y) == panel::Panel::state_colour(w.kiosk_state(0, k)));
    }
    const nlohmann::json s = p.summary();
    CHECK(s["site"] == "HALL");
    CHECK(s["kiosks"].size() == 8);
    CHECK(s["instruments"]["served"].get<int>() > 0);
    CHECK(s["citizens_on_floor"].get<int>() > 0);

    const std::string png = (std::filesystem::temp_directory_path() / "kiosktwin-panel-test.png").string();
    std::filesystem::remove(png);
    REQUIRE(p.save_png(png));
    CHECK(std::filesystem::file_size(png) > 20000);
    std::filesystem::remove(png);
}

TEST_CASE("Each trainer's demo at its set time shows its caption and what it stages", "[panel]") {
    struct Demo {
        const char* file;
        const char* at;
        std::size_t kiosk;          // the kiosk the demo is about (index in the hall)
        world::KioskState state;    // as it should be then
    };
    const Demo demos[] = {
        {"scenarios/demo/morning-rush.json", "09:30", 0, world::KioskState::in_session},
        {"scenarios/demo/receipt-paper-out.json", "09:50", 1, world::KioskState::fault},
        {"scenarios/demo/network-blackhole.json", "10:03", 0, world::KioskState::offline},
        {"scenarios/demo/technician-arrives.json", "09:50", 0, world::KioskState::fault},
    };
    for (const Demo& d : demos) {
        INFO(d.file);
        panel::Panel p(options_for(d.file));
        p.seek(*p.time_of(d.at));
        const Frame f = frame_of(p);
        check_layout(f);
        CHECK_FALSE(p.captions().empty());
        world::World& w = *p.world();
        if (d.state != world::KioskState::in_session) {  // the staged state (a busy kiosk may be idle between citizens)
            CHECK(w.kiosk_state(0, d.kiosk) == d.state);
            const panel::PixelPoint px = p.kiosk_pixel(d.kiosk);
            CHECK(f.at(px.x, px.y) == panel::Panel::state_colour(d.state));
        }
        const nlohmann::json s = p.summary();
        for (const auto& c : s["captions"]) CHECK(c["error"] == "");
        if (std::string(d.file).find("rush") != std::string::npos) CHECK(s["waiting"].get<int>() >= 10);
        if (std::string(d.file).find("technician") != std::string::npos) {
            REQUIRE(s["open_tickets"].size() == 1);
            CHECK(s["open_tickets"][0]["kiosk"] == "HALL-K01");
        }
    }
}

TEST_CASE("A fault injected through the panel's control path shows in the world's state and in the next frame", "[panel]") {
    panel::Panel p(options_for("scenarios/demo/morning-rush.json"));
    p.seek(*p.time_of("10:45"));
    world::World& w = *p.world();
    REQUIRE(w.kiosk_state(0, 2) != world::KioskState::fault);
    world::Injection a;
    a.kind = world::InjectKind::device_fault;
    a.kiosk = 2;
    a.device = "receipt_printer";
    a.fault = "paper_jam";
    REQUIRE(p.inject(a).empty());
    // The device has the fault at once; the kiosk software sees it at its next
    // status poll, within a virtual minute: one second of wall time at 60x.
    CHECK(w.kiosk(0, 2).device("receipt_printer")->status(w.simulation().now()).health == devices::Health::fault);
    p.seek(p.now() + std::chrono::seconds(60));
    CHECK(w.kiosk_state(0, 2) == world::KioskState::fault);
    const Frame f = frame_of(p);
    const panel::PixelPoint px = p.kiosk_pixel(2);
    CHECK(f.at(px.x, px.y) == panel::Panel::state_colour(world::KioskState::fault));
    // A ticket follows (R-10.3-1).
    p.seek(p.now() + std::chrono::minutes(3));
    const nlohmann::json s = p.summary();
    REQUIRE(s["open_tickets"].size() == 1);
    CHECK(s["open_tickets"][0]["fault"] == "paper_jam");

    SECTION("a link toxic, a gateway outage, a power cut and a consumable") {
        world::Injection t;
        t.kind = world::InjectKind::toxic;
        t.kiosk = 4;
        t.toxic = "latency";
        t.value = 800;
        t.lasts = std::chrono::minutes(2);
        REQUIRE(p.inject(t).empty());
        REQUIRE(w.kiosk(0, 4).link()->toxics().size() == 1);
        CHECK(w.kiosk(0, 4).link()->toxics()[0]->attributes["latency"] == 800);

        world::Injection g;
        g.kind = world::InjectKind::gateway_outage;
        g.lasts = std::chrono::minutes(5);
        REQUIRE(p.inject(g).empty());
        CHECK_FALSE(w.gateway().up());

        world::Injection c;
        c.kind = world::InjectKind::power_cut;
        c.kiosk = 5;
        c.lasts = std::chrono::minutes(1);
        REQUIRE(p.inject(c).empty());
        CHECK(w.kiosk_state(0, 5) == world::KioskState::offline);

        world::Injection paper;
        paper.kind = world::InjectKind::consumable;
        paper.kiosk = 6;
        paper.consumable = "a4_paper";
        paper.level = 0;
        REQUIRE(p.inject(paper).empty());

        p.seek(p.now() + std::chrono::minutes(6));
        CHECK(w.kiosk(0, 4).link()->toxics().empty());  // gone after its two minutes
        CHECK(w.gateway().up());
        CHECK(w.kiosk(0, 5).powered());
        CHECK(w.kiosk(0, 6).device("a4_printer")->status(w.simulation().now()).health != devices::Health::ok);
    }
    SECTION("what cannot be done says why") {
        world::Injection bad = a;
        bad.fault = "melted";
        CHECK_THAT(p.inject(bad), Catch::Matchers::Contains("knows no fault \"melted\"") && Catch::Matchers::Contains("paper_jam"));
        bad.kiosk = 99;
        CHECK_THAT(p.inject(bad), Catch::Matchers::Contains("has no kiosk 100 (it has 8)"));
        world::Injection g;
        g.kind = world::InjectKind::gateway_outage;
        CHECK_THAT(p.inject(g), Catch::Matchers::Contains("needs a duration"));
    }
}

TEST_CASE("Injections read from JSON are checked by path like timeline events", "[panel]") {
    const world::SiteLoad l = world::load_site_scenario(read_scenario("scenarios/default.json"));
    REQUIRE(l.scenario);
    std::vector<world::Problem> problems;
    auto a = world::injection_of({{"do", "device_fault"}, {"site", "R24"}, {"kiosk", 3}, {"device", "idcard_reader"}, {"fault", "self_test_fail"}},
                                 l.scenario->world, problems);
    REQUIRE(a);
    CHECK(a->site == 1);
    CHECK(a->kiosk == 2);
    CHECK(a->describe(l.scenario->world) == "R24-K03 idcard_reader: self_test_fail");
    problems.clear();
    CHECK_FALSE(world::injection_of({{"do", "consumable"}, {"site", "R24"}, {"kiosk", 3}, {"consumable", "toner"}},
                                    l.scenario->world, problems));
    REQUIRE(problems.size() == 1);
    CHECK(problems[0].path == "/kiosk");  // R24-K03 has no A4 printer
    problems.clear();
    CHECK_FALSE(world::injection_of({{"do", "explode"}}, l.scenario->world, problems));
    REQUIRE_FALSE(problems.empty());
    CHECK(problems[0].path == "/do");
}

TEST_CASE("The panel's clock: HH:MM and dN HH:MM on the scenario's calendar", "[panel]") {
    panel::Panel p(options_for("scenarios/demo/morning-rush.json"));
    CHECK(p.time_of("10:30") == sim::Time{std::chrono::hours(10) + std::chrono::minutes(30)});
    CHECK(p.time_of("d2 00:15") == sim::Time{std::chrono::hours(24) + std::chrono::minutes(15)});
    CHECK_FALSE(p.time_of("25:00"));
    CHECK_FALSE(p.time_of("10.30"));
    CHECK_FALSE(p.time_of("d0 10:30"));
}

TEST_CASE("The window's pacer moves virtual time on at the chosen speed, and a bad scenario is refused", "[panel]") {
    auto o = options_for("scenarios/demo/morning-rush.json");
    o.speed = 600;
    panel::Panel p(o);
    p.seek(*p.time_of("09:00"));
    const sim::Time before = p.now();
    const std::uint64_t frames = p.run_window(1.5);
    CHECK(frames > 5);
    CHECK(p.now() > before + std::chrono::seconds(60));  // 600x for about a second and a half, less what the model could not do

    auto bad = options_for("scenarios/demo/morning-rush.json");
    bad.scenario["sites"][0]["kiosks"] = 0;
    CHECK_THROWS_WITH(panel::Panel(bad), Catch::Matchers::Contains("/sites/0/kiosks"));
    auto no_kiosk = options_for("scenarios/demo/morning-rush.json");
    no_kiosk.open_kiosk = "HALL-K99";
    CHECK_THROWS_WITH(panel::Panel(no_kiosk), Catch::Matchers::Contains("no kiosk HALL-K99"));
}

TEST_CASE("English labels and another site render too", "[panel]") {
    auto o = options_for("scenarios/default.json");
    o.english = true;
    o.site = "R24";
    o.open_kiosk = "R24-K03";
    panel::Panel p(o);
    p.seek(*p.time_of("18:30"));
    const Frame f = frame_of(p);
    CHECK(f.colours(0, 0, 1600, 900) > 200);
    CHECK(p.summary()["site"] == "R24");
    CHECK(p.summary()["kiosks"].size() == 3);
}

}  // namespace panel_panel_test
