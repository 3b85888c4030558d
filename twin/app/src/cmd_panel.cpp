// kiosktwin panel [SCENARIO] — the trainer's and planner's view of the twin
// (twin/panel): a window, or headless screenshots with --screenshot.
// kiosktwin bench panel — frame times with 500 kiosks and 5,000 citizens.
#include "common.hpp"

#include <kiosktwin/panel/panel.hpp>
#include <kiosktwin/placement/outcome.hpp>
#include <kiosktwin/store/run_store.hpp>

#include <fmt/core.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>

namespace kiosktwin::app {

namespace {

struct PanelCli {
    std::string scenario = "scenarios/default.json";
    std::vector<std::string> overrides;
    std::uint64_t seed = 0;
    std::uint32_t replication = 0;
    std::string replay;
    std::int64_t run = 0;
    std::string live;
    std::string keys = "assets/gateway/keys.json";
    double live_for = 8;
    double wait = 10;
    std::string screenshot;
    std::string at;
    std::string size = "1600x900";
    std::string speed = "60";
    bool english = false;
    std::string site;
    std::string open_kiosk;
    std::vector<std::string> inject;
    double quit_after = 0;
    std::string font;
    std::string placement;
    std::string db = "runs/kiosktwin.sqlite";
    bool placement_view = false;
    bool json = false;
};

// --placement FILE.json | placement[:ID]: the result of kiosktwin place (its
// --json output, or the OUT.json beside its report, or from the store) and
// the city it was solved on (re-read, checked against the recorded hash).
// The world shown is the placement's own scenario: its open sites.
int load_placement(const PanelCli& o, panel::PanelOptions& po) {
    nlohmann::json result;
    const auto colon = o.placement.find(':');
    if (o.placement.rfind("placement", 0) == 0 && (o.placement.size() == 9 || colon == 9)) {
        try {
            const auto db = store::RunStore::open_existing(o.db);
            result = db->placement_result(colon == std::string::npos ? 0 : std::stoll(o.placement.substr(colon + 1)));
        } catch (const std::exception& e) {
            fmt::print(stderr, "panel: --placement {}: {}\n", o.placement, e.what());
            return exit_invalid;
        }
    } else if (read_json_file(o.placement, 0, result) != JsonFile::ok || result.value("verb", "") != "place") {
        fmt::print(stderr, "panel: --placement {}: not the result of kiosktwin place (its --json output, the OUT.json "
                           "beside its report, or placement[:ID] from --db)\n",
                   o.placement);
        return exit_invalid;
    }
    std::string why;
    std::optional<placement::City> found = placement_city(result, why);
    if (!found) {
        fmt::print(stderr, "panel: --placement: {}\n", why);
        return exit_invalid;
    }
    placement::City& city = *found;
    // The open sites as a scenario: the simulated one, or made again as place --simulate makes it.
    nlohmann::json scenario;
    if (result["simulation"].is_object()) {
        scenario = result["simulation"]["scenario"];
    } else {
        std::vector<std::uint32_t> chosen;
        for (const auto& s : result["sites"])
            if (!s["existing"].get<bool>())
                for (std::uint32_t j = 0; j < city.problem.candidates.size(); ++j)
                    if (city.problem.candidates[j].id == s["id"].get<std::string>()) chosen.push_back(j);
        const auto objective = result["problem"]["objective"] == "p_median" ? placement::Objective::p_median
                                                                            : placement::Objective::max_cover;
        scenario = placement::scenario_of(city, placement::evaluate(city, objective, chosen), {});
    }
    const world::SiteLoad load = world::load_site_scenario(scenario);
    if (!load.scenario) {
        fmt::print(stderr, "panel: --placement: its scenario does not load ({})\n",
                   load.validated.problems.empty() ? "?" : load.validated.problems.front().to_string());
        return exit_invalid;
    }
    po.scenario = load.validated.effective;
    po.scenario_file = o.placement;
    po.placement = std::move(result);
    po.placement_city = std::move(city);
    po.placement_view = o.placement_view || o.site.empty();
    return exit_ok;
}

bool parse_size(const std::string& s, unsigned& w, unsigned& h) {
    const auto x = s.find('x');
    if (x == std::string::npos) return false;
    try {
        const long a = std::stol(s.substr(0, x)), b = std::stol(s.substr(x + 1));
        if (a < 640 || b < 400 || a > 7680 || b > 4320) return false;
        w = static_cast<unsigned>(a);
        h = static_cast<unsigned>(b);
        return true;
    } catch (...) {
        return false;
    }
}

int run_panel(const PanelCli& o) {
    panel::PanelOptions po;
    if (!parse_size(o.size, po.width, po.height)) {
        fmt::print(stderr, "panel: --size {}: expected WIDTHxHEIGHT, from 640x400 to 7680x4320\n", o.size);
        return exit_usage;
    }
    if (o.speed == "max") po.speed = 0;
    else {
        char* end = nullptr;
        po.speed = std::strtod(o.speed.c_str(), &end);
        if (end == o.speed.c_str() || *end != '\0' || !(po.speed > 0) || po.speed > 1e6) {
            fmt::print(stderr, "panel: --speed {}: a factor such as 1, 10, 60, 600, or max\n", o.speed);
            return exit_usage;
        }
    }
    if (!o.live.empty() && !o.replay.empty()) {
        fmt::print(stderr, "panel: --live and --replay are two feeds: give one\n");
        return exit_usage;
    }
    if (!o.live.empty()) {
        // A bench started just before may not have written its file yet.
        if (read_json_file(o.live, o.wait, po.live_endpoints) != JsonFile::ok) {
            fmt::print(stderr, "panel: {}: no endpoints file (is `kiosktwin serve` running? it writes run/endpoints.json)\n", o.live);
            return exit_invalid;
        }
        if (read_json_file(o.keys, 0, po.live_keys) != JsonFile::ok) {
            fmt::print(stderr, "panel: {}: cannot read the signing keys\n", o.keys);
            return exit_invalid;
        }
        if (!o.at.empty()) {
            fmt::print(stderr, "panel: --at: a live world runs on the wall clock (use --live-for)\n");
            return exit_usage;
        }
    } else if (!o.replay.empty()) {
        po.replay_store = o.replay;
        po.replay_run = o.run;
    } else if (!o.placement.empty()) {
        if (const int rc = load_placement(o, po); rc != exit_ok) return rc;
    } else {
        LoadedScenario ls = load_scenario(o.scenario, o.overrides, true);
        if (!ls.problems.empty() || !ls.sites) {
            for (const auto& p : ls.problems) fmt::print(stderr, "{}: {}\n", o.scenario, p.to_string());
            if (ls.problems.empty()) fmt::print(stderr, "{}: not a site or hall scenario\n", o.scenario);
            return exit_invalid;
        }
        po.scenario = ls.effective;
        po.scenario_file = o.scenario;
    }
    if (o.seed) po.seed = o.seed;
    po.replication = o.replication;
    po.english = o.english;
    po.site = o.site;
    po.open_kiosk = o.open_kiosk;
    po.font = o.font;
    std::unique_ptr<panel::Panel> p;
    try {
        p = std::make_unique<panel::Panel>(po);
    } catch (const std::invalid_argument& e) {
        fmt::print(stderr, "panel: {}\n", e.what());
        return exit_invalid;
    }
    if (!o.at.empty()) {
        const auto t = p->time_of(o.at);
        if (!t) {
            fmt::print(stderr, "panel: --at {}: expected HH:MM or dN HH:MM (day N from 1), not before the run starts\n", o.at);
            return exit_usage;
        }
        if (!o.replay.empty() || *t >= p->now()) {
            if (stderr_is_tty() && o.replay.empty()) fmt::print(stderr, "panel: running the world to {}...\n", o.at);
            p->seek(*t);
        }
    }
    if (!o.live.empty() && !o.screenshot.empty()) {
        if (stderr_is_tty()) fmt::print(stderr, "panel: running the live world for {} s...\n", o.live_for);
        p->seek(p->now() + sim::from_seconds(o.live_for));
    }
    std::vector<std::string> injected;
    for (const std::string& text : o.inject) {
        if (p->world() == nullptr) {
            fmt::print(stderr, "panel: --inject needs a scenario's world (a replay cannot be changed; a live bench takes faults on its control API, or on the panel's form)\n");
            return exit_usage;
        }
        nlohmann::json doc;
        std::vector<world::Problem> problems;
        if (auto bad = world::parse_json(text, doc)) problems.push_back(*bad);
        std::optional<world::Injection> a;
        if (problems.empty()) a = world::injection_of(doc, p->world()->spec(), problems);
        if (!a) {
            for (const auto& pr : problems) fmt::print(stderr, "panel: --inject {}: {}\n", text, pr.to_string());
            return exit_invalid;
        }
        if (const std::string err = p->inject(*a); !err.empty()) {
            fmt::print(stderr, "panel: --inject {}: {}\n", text, err);
            return exit_failure;
        }
        injected.push_back(a->describe(p->world()->spec()));
    }
    if (!injected.empty()) p->seek(p->now() + std::chrono::seconds(1));  // the next frame, a second on
    if (!o.screenshot.empty()) {
        try {
            if (!p->save_png(o.screenshot)) {
                fmt::print(stderr, "panel: cannot write {}\n", o.screenshot);
                return exit_failure;
            }
        } catch (const std::runtime_error& e) {
            fmt::print(stderr, "panel: {}\n", e.what());
            return exit_failure;
        }
        nlohmann::json s = p->summary();
        if (o.json) {
            s["screenshot"] = o.screenshot;
            s["injected"] = injected;
            print_json(s);
        } else {
            fmt::print("{}: {} at {} — site {}, {} kiosks, {} citizens on the floor ({} waiting), {} open tickets\n",
                       o.screenshot, s["scenario"].get<std::string>(), s["time"].get<std::string>(),
                       s["site"].get<std::string>(), s["kiosks"].size(), s["citizens_on_floor"].get<std::size_t>(),
                       s["waiting"].get<std::size_t>(), s["open_tickets"].size());
            for (const auto& i : injected) fmt::print("injected: {}\n", i);
        }
        return exit_ok;
    }
    std::uint64_t frames = 0;
    try {
        frames = p->run_window(o.quit_after);
    } catch (const std::runtime_error& e) {
        fmt::print(stderr, "panel: {}\n", e.what());
        return exit_failure;
    }
    if (o.json) {
        nlohmann::json s = p->summary();
        s["frames"] = frames;
        print_json(s);
    } else {
        fmt::print("panel closed after {} frames at {}\n", frames, p->summary()["time"].get<std::string>());
    }
    return exit_ok;
}

struct PanelBenchCli {
    std::size_t kiosks = 500, citizens = 5000, frames = 300;
    double speed = 60;
    std::string size = "1600x900";
    bool json = false;
};

int bench_panel(const PanelBenchCli& o) {
    unsigned w = 0, h = 0;
    if (!parse_size(o.size, w, h)) {
        fmt::print(stderr, "bench panel: --size {}: expected WIDTHxHEIGHT\n", o.size);
        return exit_usage;
    }
    panel::PanelBench b;
    try {
        b = panel::bench_panel(o.kiosks, o.citizens, o.frames, o.speed, w, h,
                               [&](const std::string& s) { fmt::print(stderr, "bench panel: {}...\n", s); });
    } catch (const std::exception& e) {
        fmt::print(stderr, "bench panel: {}\n", e.what());
        return exit_failure;
    }
    if (o.json) {
        print_json({{"bench", "panel"},
                    {"kiosks", b.kiosks},
                    {"citizens_on_screen", b.citizens_on_screen},
                    {"frames", b.frames},
                    {"speed", b.speed},
                    {"size", o.size},
                    {"frame_p50_ms", b.frame_p50_ms},
                    {"frame_p95_ms", b.frame_p95_ms},
                    {"frame_p99_ms", b.frame_p99_ms},
                    {"frame_max_ms", b.frame_max_ms},
                    {"model_share", b.model_share},
                    {"model_p50_ms", b.model_p50_ms},
                    {"model_p95_ms", b.model_p95_ms},
                    {"draw_p50_ms", b.draw_p50_ms},
                    {"draw_p95_ms", b.draw_p95_ms},
                    {"draw_share", b.draw_share},
                    {"setup_s", b.setup_s},
                    {"virtual_s", b.virtual_s},
                    {"paced_virtual_s", b.speed * static_cast<double>(b.frames) / 60.0},
                    {"behind_s", b.behind_s},
                    {"target_p95_ms", 16.0},
                    {"met", b.frame_p95_ms <= 16.0}});
    } else {
        fmt::print("panel, {} kiosks, {} citizens on screen, {} frames at {}x, {}\n", b.kiosks, b.citizens_on_screen, b.frames,
                   b.speed, o.size);
        fmt::print("  frame time   p50 {:.2f} ms   p95 {:.2f} ms   p99 {:.2f} ms   max {:.2f} ms   (target p95 <= 16 ms: {})\n",
                   b.frame_p50_ms, b.frame_p95_ms, b.frame_p99_ms, b.frame_max_ms, b.frame_p95_ms <= 16.0 ? "met" : "NOT met");
        fmt::print("  share        model {:.0f} % (p50 {:.2f} ms, p95 {:.2f} ms)   drawing {:.0f} % (p50 {:.2f} ms, p95 {:.2f} ms)\n",
                   100 * b.model_share, b.model_p50_ms, b.model_p95_ms, 100 * b.draw_share, b.draw_p50_ms, b.draw_p95_ms);
        fmt::print("  pace         {:.1f} s of virtual time in {} frames ({:.1f} s at 60 frames a second; {:.1f} s behind at the end)\n",
                   b.virtual_s, b.frames, b.speed * static_cast<double>(b.frames) / 60.0, b.behind_s);
        fmt::print("  setup        {:.1f} s (building the kiosks, filling the hall)\n", b.setup_s);
    }
    return exit_ok;
}

}  // namespace

void add_panel_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<PanelCli>();
    CLI::App* cmd = app.add_subcommand(
        "panel", "The panel: the site floor, kiosks by state, citizens, live charts, controls and fault injection "
                 "(SFML + Dear ImGui). A window, or with --screenshot a PNG rendered off screen (under Xvfb: "
                 "xvfb-run -a -s \"-screen 0 1600x900x24\" kiosktwin panel ...)");
    cmd->add_option("scenario", o->scenario, "Site (or hall) scenario to run; demos are in scenarios/demo/")->capture_default_str();
    cmd->add_option("--set", o->overrides, "Override a knob: --set sites.0.kiosks=6 (repeatable)");
    cmd->add_option("--seed", o->seed, "Master seed (0 = the scenario's)");
    cmd->add_option("--replication", o->replication, "Which replication's random streams (0 = the first)")->capture_default_str();
    cmd->add_option("--replay", o->replay, "Replay a recorded run from this store (kiosktwin run --db STORE: a SQLite file, or a PostgreSQL database as postgresql://USER@HOST:PORT/DB)");
    cmd->add_option("--run", o->run, "With --replay: the run id (0 = the latest)")->capture_default_str();
    cmd->add_option("--live", o->live, "Live feed: the kiosks of a running `kiosktwin serve`, from its endpoints file "
                                       "(run/endpoints.json), each a whole kiosk stack on real ports");
    cmd->add_option("--keys", o->keys, "With --live: the signing keys (the kiosks' kiosk-000N and an admin key)")->capture_default_str();
    cmd->add_option("--live-for", o->live_for, "With --live and --screenshot: run the live world this many seconds first")
        ->check(CLI::Range(0.0, 3600.0))
        ->capture_default_str();
    cmd->add_option("--wait", o->wait, "With --live: wait this long for a bench still starting to write its endpoints file")
        ->check(CLI::Range(0.0, 600.0))
        ->capture_default_str();
    cmd->add_option("--placement", o->placement,
                    "Show a placement (kiosktwin place --json's result, or placement[:ID] from --db): the map with demand, "
                    "candidates, chosen sites and circles, each site's KPIs; the world is its open sites");
    cmd->add_option("--db,--store", o->db, "With --placement placement[:ID]: the store (a SQLite file, or a PostgreSQL database as postgresql://USER@HOST:PORT/DB)")->capture_default_str();
    cmd->add_flag("--placement-view", o->placement_view, "With --placement and --site: show the map first anyway");
    cmd->add_option("--screenshot", o->screenshot, "Render one frame off screen to this PNG and exit");
    cmd->add_option("--at", o->at, "Virtual time to show first: HH:MM on day 1, or dN HH:MM (e.g. d2 09:30)");
    cmd->add_option("--size", o->size, "Frame size WIDTHxHEIGHT")->capture_default_str();
    cmd->add_option("--speed", o->speed, "Virtual seconds per wall second: 1, 10, 60, 600 or max")->capture_default_str();
    cmd->add_flag("--english", o->english, "Labels in English (the default is Chinese; the panel has a toggle)");
    cmd->add_option("--site", o->site, "The site shown first (its id; default the first)");
    cmd->add_option("--open-kiosk", o->open_kiosk, "Open a kiosk's window from the start (its terminal id, e.g. HALL-K02)");
    cmd->add_option("--inject", o->inject,
                    "Inject through the panel's control path before the screenshot, as JSON: "
                    "'{\"do\": \"device_fault\", \"kiosk\": 2, \"device\": \"receipt_printer\", \"fault\": \"paper_jam\"}' "
                    "(the keys of a timeline event without day and time; repeatable)");
    cmd->add_option("--quit-after", o->quit_after, "Window mode: close after this many seconds of wall time (0 = when closed)")
        ->check(CLI::Range(0.0, 1e7));
    cmd->add_option("--font", o->font, "A CJK font file (default: Debian's Noto Sans CJK, fonts-noto-cjk)");
    cmd->add_flag("--json", o->json, "Print what the panel shows as one JSON object on stdout");
    cmd->callback([o, &exit_code] { exit_code = run_panel(*o); });
}

void add_bench_panel(CLI::App& bench, int& exit_code) {
    auto o = std::make_shared<PanelBenchCli>();
    CLI::App* cmd = bench.add_subcommand(
        "panel", "The panel's frame time with a big hall on screen (run under Xvfb): frame p50/p95/p99 and the share "
                 "spent in the model vs drawing; target p95 <= 16 ms");
    cmd->add_option("--kiosks", o->kiosks, "Kiosks in the hall")->check(CLI::Range(1, 1000))->capture_default_str();
    cmd->add_option("--citizens", o->citizens, "Citizens on screen")->check(CLI::Range(1, 100000))->capture_default_str();
    cmd->add_option("--frames", o->frames, "Frames measured")->check(CLI::Range(10, 100000))->capture_default_str();
    cmd->add_option("--speed", o->speed, "Virtual seconds per wall second (at 60 frames a second)")
        ->check(CLI::Range(0.1, 100000.0))
        ->capture_default_str();
    cmd->add_option("--size", o->size, "Frame size WIDTHxHEIGHT")->capture_default_str();
    cmd->add_flag("--json", o->json, "Print one JSON object on stdout");
    cmd->callback([o, &exit_code] { exit_code = bench_panel(*o); });
}

}  // namespace kiosktwin::app
