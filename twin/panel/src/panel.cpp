#include <kiosktwin/panel/panel.hpp>

#include "feed.hpp"
#include "view.hpp"

#include <kiosktwin/sim/simulation.hpp>
#include <kiosktwin/world/knobs.hpp>

#include <SFML/Graphics.hpp>
#include <SFML/OpenGL.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace kiosktwin::panel {

namespace {

constexpr const char* k_default_font = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";

world::SiteScenario load(const nlohmann::json& doc, std::optional<std::uint64_t> seed) {
    world::SiteLoad l = world::load_site_scenario(doc);
    if (!l.scenario) {
        std::string why;
        for (const auto& p : l.validated.problems) why += "\n  " + p.to_string();
        throw std::invalid_argument("the scenario has problems:" + why);
    }
    if (seed) l.scenario->world.seed = *seed;
    return *l.scenario;
}

std::vector<std::string> texts_of(const world::SiteScenario& s) {
    std::vector<std::string> out{s.name, s.description};
    for (const auto& site : s.world.sites) out.push_back(site.name);
    for (const auto& e : s.world.timeline) {
        out.push_back(e.caption_zh);
        out.push_back(e.caption_en);
    }
    return out;
}

// Scenario files the picker offers: the shown file's folder and scenarios/demo.
std::vector<std::string> scenario_files(const std::string& shown) {
    std::vector<std::string> out;
    std::error_code ec;
    std::vector<std::filesystem::path> dirs;
    if (!shown.empty()) dirs.push_back(std::filesystem::path(shown).parent_path());
    dirs.emplace_back("scenarios");
    dirs.emplace_back("scenarios/demo");
    for (const auto& d : dirs) {
        if (!std::filesystem::is_directory(d.empty() ? "." : d, ec)) continue;
        for (const auto& e : std::filesystem::directory_iterator(d.empty() ? "." : d, ec))
            if (e.path().extension() == ".json" && e.path().filename().string().find("schema") == std::string::npos)
                out.push_back(e.path().lexically_normal().string());
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

}  // namespace

struct Panel::Impl {
    PanelOptions options;
    std::unique_ptr<Feed> feed;
    KioskTap tap;  // declared after the feed: goes first
    Controls controls;
    std::unique_ptr<sf::RenderTexture> offscreen;
    std::unique_ptr<View> view;
    std::vector<std::string> texts;
    bool settled = false;
    std::string title;
    std::optional<PlacementShown> placement;  // the placement view's data

    void build_feed() {
        tap.detach();
        if (!options.live_endpoints.is_null()) {
            LiveFeedOptions lo;
            lo.endpoints = options.live_endpoints;
            lo.keys = options.live_keys;
            lo.seed = options.seed.value_or(1);
            lo.think_s = options.live_think_s;
            feed = make_live_feed(lo);
            title = "实时 live · kiosktwin serve";
        } else if (!options.replay_store.empty()) {
            auto store = store::RunStore::open_existing(options.replay_store);
            store::RecordedRun run = store->load(options.replay_run, static_cast<int>(options.replication));
            title = "回放 replay · run " + std::to_string(run.run_id) + " · " + run.scenario_name;
            feed = make_replay_feed(std::move(run));
        } else {
            world::SiteScenario sc = load(options.scenario, options.seed);
            controls.seed = static_cast<std::int64_t>(sc.world.seed);
            title = sc.name;
            feed = make_world_feed(sc, options.replication);
        }
        texts = texts_of(feed->scenario());
        controls.site = 0;
        for (std::size_t s = 0; s < feed->sites().size(); ++s)
            if (feed->sites()[s]->id == options.site) controls.site = s;
    }

    void ensure_offscreen() {
        if (offscreen) {
            if (!offscreen->setActive(true)) throw std::runtime_error("cannot activate the OpenGL context");
            return;
        }
        offscreen = std::make_unique<sf::RenderTexture>();
        if (!offscreen->create(options.width, options.height))
            throw std::runtime_error("no OpenGL context for off-screen drawing (no display? run under xvfb-run -a -s \"-screen 0 " +
                                     std::to_string(options.width) + "x" + std::to_string(options.height) + "x24\")");
        if (!offscreen->setActive(true)) throw std::runtime_error("cannot activate the OpenGL context");
        ensure_view();
    }

    void ensure_view() {
        if (!view) {
            std::vector<std::string> all = texts;
            if (placement)
                for (const auto& d : placement->city.districts) all.push_back(d.name);
            view = std::make_unique<View>(options.width, options.height, options.font.empty() ? k_default_font : options.font, all);
            view->set_placement(placement ? &*placement : nullptr);
        }
    }

    FrameCost draw_offscreen(double dt) {
        ensure_offscreen();
        FrameCost c;
        // The first frame lays the windows out; a frame that met new glyphs
        // is drawn again with them.
        for (int i = settled ? 1 : 2; i > 0 || (view->glyphs_pending() && i > -2); --i) {
            c = view->frame(*offscreen, *feed, controls, tap, dt, title);
            offscreen->display();
        }
        settled = true;
        after_frame();
        return c;
    }

    // What the controls asked during the frame.
    void after_frame() {
        if (controls.inject) {
            const std::string err = feed->inject(*controls.inject);
            controls.last_ok = err.empty();
            controls.last_result = err.empty() ? "✓ " + controls.inject->describe(feed->scenario().world) : err;
            controls.inject.reset();
        }
        if (controls.seek) {
            feed->seek(*controls.seek);
            controls.seek.reset();
        }
        if (!controls.load_scenario.empty() || controls.reseed) {
            try {
                if (!controls.load_scenario.empty()) {
                    std::ifstream in(controls.load_scenario);
                    nlohmann::json doc;
                    if (auto p = world::parse_json(std::string(std::istreambuf_iterator<char>(in), {}), doc)) throw std::invalid_argument(p->to_string());
                    options.scenario = doc;
                    options.scenario_file = controls.load_scenario;
                    options.seed.reset();
                } else {
                    options.seed = static_cast<std::uint64_t>(controls.seed);
                }
                build_feed();
                controls.scenario_files = scenario_files(options.scenario_file);
                controls.open_kiosk.clear();
                controls.last_ok = true;
                controls.last_result = "✓ " + title;
            } catch (const std::exception& e) {
                controls.last_ok = false;
                controls.last_result = e.what();
            }
            controls.load_scenario.clear();
            controls.reseed = false;
        }
    }

    // The pacer: virtual time moves `speed` times the wall time. The model
    // gets at most `budget` of wall time a frame, in strides; what it cannot
    // do is carried to the next frame (up to a second of wall time behind,
    // then dropped: the view falls behind rather than freezing). As fast as
    // possible moves on in ten-minute strides for the budget.
    sim::Time target{};
    double behind_s = 0;  ///< virtual seconds the model is behind the pace
    void pace(double wall_dt, double budget_ms = 8) {
        using clock = std::chrono::steady_clock;
        const auto until = clock::now() + std::chrono::microseconds(static_cast<long>(budget_ms * 1000));
        if (feed->live()) {  // the wall clock sets the pace; pausing is the bench's business
            feed->tick(std::chrono::milliseconds(static_cast<long>(budget_ms)));
            return;
        }
        if (controls.step) {
            feed->seek(feed->now() + std::chrono::minutes(1));
            controls.step = false;
            controls.paused = true;
            target = feed->now();
            return;
        }
        if (controls.paused) {
            target = feed->now();
            return;
        }
        if (controls.speed > 0) {
            if (target < feed->now()) target = feed->now();
            target += sim::from_seconds(std::min(0.25, wall_dt) * controls.speed);
            const sim::Duration max_behind = sim::from_seconds(controls.speed);
            if (target - feed->now() > max_behind) target = feed->now() + max_behind;
            const sim::Duration stride = std::max<sim::Duration>(std::chrono::milliseconds(50), sim::from_seconds(controls.speed / 240));
            while (feed->now() < target) {
                feed->seek(std::min(target, feed->now() + stride));
                if (clock::now() >= until) break;
            }
            behind_s = sim::to_seconds(target - feed->now());
            return;
        }
        do feed->seek(feed->now() + std::chrono::minutes(10));
        while (clock::now() < until);
        target = feed->now();
    }
};

Panel::Panel(PanelOptions options) : m(std::make_unique<Impl>()) {
    m->options = std::move(options);
    m->controls.speed = m->options.speed;
    m->controls.english = m->options.english;
    m->controls.open_kiosk = m->options.open_kiosk;
    if (!m->options.placement.is_null()) {
        if (!m->options.placement_city || !m->options.placement.contains("sites"))
            throw std::invalid_argument("a placement needs its result (kiosktwin place --json) and its city");
        m->placement = PlacementShown{m->options.placement, *m->options.placement_city};
        m->controls.placement_view = m->options.placement_view;
    }
    m->build_feed();
    m->controls.scenario_files = scenario_files(m->options.scenario_file);
    if (!m->options.open_kiosk.empty()) {
        bool found = false;
        for (const auto& g : m->feed->sites())
            for (const auto& id : g->kiosk_ids) found |= id == m->options.open_kiosk;
        if (!found) throw std::invalid_argument("no kiosk " + m->options.open_kiosk + " in the scenario (ids look like S01-K02)");
    }
}

Panel::~Panel() {
    m->view.reset();  // ImGui's GL objects go with a context still alive
    m->offscreen.reset();
}

std::optional<sim::Time> Panel::time_of(const std::string& clock) const {
    std::string_view s = clock;
    int day = 1;
    if (!s.empty() && (s[0] == 'd' || s[0] == 'D')) {  // "dN HH:MM"
        const auto sp = s.find(' ');
        if (sp == std::string_view::npos || sp < 2 || sp > 4) return std::nullopt;
        day = 0;
        for (char c : s.substr(1, sp - 1)) {
            if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
            day = day * 10 + (c - '0');
        }
        s = s.substr(sp + 1);
    }
    const std::optional<int> minute = world::minute_of_day(s);
    if (!minute) return std::nullopt;
    return world::civil_time(m->feed->scenario().world.calendar, day, *minute);
}

void Panel::seek(sim::Time t) {
    m->tap.follow(*m->feed, m->controls.open_kiosk);
    m->feed->seek(t);
}
sim::Time Panel::now() const { return m->feed->now(); }
world::World* Panel::world() noexcept { return m->feed->world(); }

std::string Panel::inject(const world::Injection& what) {
    m->controls.inject = what;
    m->after_frame();
    return m->controls.last_ok ? std::string() : m->controls.last_result;
}

void Panel::open_kiosk(const std::string& terminal_id) {
    m->controls.open_kiosk = terminal_id;
    m->tap.follow(*m->feed, terminal_id);
}
void Panel::set_english(bool english) { m->controls.english = english; }
void Panel::show_site(std::size_t index) { m->controls.site = std::min(index, m->feed->sites().size() - 1); }
void Panel::show_placement(bool on) { m->controls.placement_view = on && m->placement.has_value(); }
unsigned Panel::width() const noexcept { return m->options.width; }
unsigned Panel::height() const noexcept { return m->options.height; }

std::uint32_t Panel::state_colour(world::KioskState s) noexcept {
    const sf::Color c = colour_of(s);
    return (std::uint32_t{c.r} << 16) | (std::uint32_t{c.g} << 8) | c.b;
}

PixelPoint Panel::kiosk_pixel(std::size_t k) const {
    if (!m->view) return {};
    const sf::Vector2f p = m->view->kiosk_pixel(k);
    return {static_cast<int>(p.x), static_cast<int>(p.y)};
}

std::vector<std::uint8_t> Panel::render_rgba() {
    m->draw_offscreen(1.0 / 60);
    const sf::Image img = m->offscreen->getTexture().copyToImage();
    const sf::Uint8* p = img.getPixelsPtr();
    return {p, p + static_cast<std::size_t>(img.getSize().x) * img.getSize().y * 4};
}

bool Panel::save_png(const std::string& path) {
    m->draw_offscreen(1.0 / 60);
    const std::filesystem::path p(path);
    std::error_code ec;
    if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
    return m->offscreen->getTexture().copyToImage().saveToFile(path);
}

std::uint64_t Panel::run_window(double quit_after_s) {
    using clock = std::chrono::steady_clock;
    sf::ContextSettings settings;
    sf::RenderWindow window(sf::VideoMode(m->options.width, m->options.height), "KioskTwin 政务服务自助终端", sf::Style::Default,
                            settings);
    window.setVerticalSyncEnabled(true);
    if (!window.setActive(true)) throw std::runtime_error("cannot activate the window's OpenGL context");
    m->ensure_view();
    const auto start = clock::now();
    auto last = start;
    std::uint64_t frames = 0;
    while (window.isOpen()) {
        sf::Event e;
        while (window.pollEvent(e)) {
            if (e.type == sf::Event::Closed) window.close();
            if (e.type == sf::Event::Resized) {
                window.setView(sf::View(sf::FloatRect(0, 0, static_cast<float>(e.size.width), static_cast<float>(e.size.height))));
                m->options.width = e.size.width;
                m->options.height = e.size.height;
            }
            m->view->on_event(e, *m->feed, m->controls);
        }
        if (!window.isOpen()) break;
        const auto now = clock::now();
        const double dt = std::chrono::duration<double>(now - last).count();
        last = now;
        m->pace(dt);
        if (!window.setActive(true)) break;
        m->view->frame(window, *m->feed, m->controls, m->tap, dt, m->title);
        window.display();
        m->after_frame();
        ++frames;
        if (quit_after_s > 0 && std::chrono::duration<double>(clock::now() - start).count() >= quit_after_s) window.close();
    }
    return frames;
}

std::vector<std::string> Panel::captions() const {
    std::vector<std::string> out;
    for (const auto& c : m->feed->captions()) out.push_back(c.zh.empty() ? c.en : c.zh);
    return out;
}

nlohmann::json Panel::summary() const {
    Feed& f = *m->feed;
    Scene scene;
    f.fill(m->controls.site, scene);
    const SiteGeometry& g = *f.sites()[m->controls.site];
    nlohmann::json kiosks = nlohmann::json::array();
    std::size_t online = 0;
    for (std::size_t k = 0; k < scene.kiosks.size(); ++k) {
        kiosks.push_back({{"id", g.kiosk_ids[k]}, {"state", world::to_string(scene.kiosks[k].state)}});
        online += scene.kiosks[k].online;
    }
    const Instruments& in = f.instruments();
    nlohmann::json tickets = nlohmann::json::array();
    for (const TicketView& t : f.tickets())
        tickets.push_back({{"kiosk", t.kiosk}, {"device", t.device}, {"fault", t.fault}, {"root_cause", t.root_cause},
                           {"stage", world::to_string(t.stage)}});
    nlohmann::json captions = nlohmann::json::array();
    for (const auto& c : f.captions())
        captions.push_back({{"at_h", sim::to_hours(c.at.time_since_epoch())}, {"zh", c.zh}, {"en", c.en}, {"action", c.action}, {"error", c.error}});
    const sim::CivilTime ct = f.scenario().world.calendar.civil(f.now());
    char clock[32];
    std::snprintf(clock, sizeof clock, "%04d-%02d-%02dT%02d:%02d:%02d", ct.year, ct.month, ct.day, ct.hour, ct.minute, ct.second);
    return {{"feed", f.kind()},
            {"view", m->controls.placement_view ? "placement" : "floor"},
            {"placement_sites", m->placement ? m->placement->result["sites"].size() : 0},
            {"scenario", f.scenario().name},
            {"time", clock},
            {"virtual_h", sim::to_hours(f.now().time_since_epoch())},
            {"site", g.id},
            {"kiosks", kiosks},
            {"kiosks_online", online},
            {"citizens_on_floor", scene.citizens.size()},
            {"waiting", scene.waiting},
            {"technicians_on_floor", scene.technicians.size()},
            {"instruments",
             {{"served", in.served},
              {"cases", in.cases},
              {"gave_up", in.abandoned},
              {"wait_p50_min", in.wait_quantiles()[0]},
              {"wait_p95_min", in.wait_quantiles()[2]},
              {"powered_share", in.kiosk_minutes ? static_cast<double>(in.powered_minutes) / static_cast<double>(in.kiosk_minutes) : 1.0},
              {"online_share", in.kiosk_minutes ? static_cast<double>(in.online_minutes) / static_cast<double>(in.kiosk_minutes) : 1.0},
              {"fault_share", in.kiosk_minutes ? static_cast<double>(in.fault_minutes) / static_cast<double>(in.kiosk_minutes) : 0.0},
              {"tickets_closed", in.tickets_closed},
              {"mttr_min", in.tickets_closed ? in.mttr_sum_min / static_cast<double>(in.tickets_closed) : 0.0},
              {"satisfaction", in.rated ? static_cast<double>(in.rated_good) / static_cast<double>(in.rated) : 0.0}}},
            {"open_tickets", tickets},
            {"captions", captions}};
}

// ---------------------------------------------------------------------------------------------
// The benchmark.

PanelBench bench_panel(std::size_t kiosks, std::size_t citizens, std::size_t frames, double speed, unsigned width,
                       unsigned height, const std::function<void(const std::string&)>& progress) {
    using clock = std::chrono::steady_clock;
    auto say = [&](const std::string& s) {
        if (progress) progress(s);
    };
    const auto t0 = clock::now();
    // One hall: kiosks in rows of 50 (1.6 m apart, rows 4 m apart), a queue
    // area in front big enough for the line, three doors.
    const std::size_t per_row = std::min<std::size_t>(50, kiosks), rows = (kiosks + per_row - 1) / per_row;
    const double width_m = 1.6 * static_cast<double>(per_row) + 6;
    const double line_m2 = 0.36 * static_cast<double>(citizens) * 1.3;
    const double line_depth = std::max(6.0, std::ceil(line_m2 / (width_m - 6)));
    const double depth_m = 3 + 4.0 * static_cast<double>(rows) + line_depth + 5;
    nlohmann::json plan_kiosks = nlohmann::json::array();
    for (std::size_t k = 0; k < kiosks; ++k)
        plan_kiosks.push_back({{"at", {3 + 1.6 * (static_cast<double>(k % per_row) + 0.5), 2 + 4.0 * static_cast<double>(k / per_row)}}});
    const double qy = 3 + 4.0 * static_cast<double>(rows);
    std::vector<double> rates(24, 0.0);
    rates[0] = rates[1] = 12.0 * static_cast<double>(citizens);
    nlohmann::json doc = {
        {"name", "bench panel"},
        {"seed", 7},
        {"replications", 1},
        {"horizon", {{"days", 1}}},
        {"sites",
         {{{"id", "BENCH"},
           {"name", "bench hall"},
           {"kiosks", kiosks},
           {"hours", {{"always_open", true}}},
           {"behaviour", {{"patience_mean_min", 0}, {"balk_queue_per_kiosk", 0}}},
           {"demand", {{"hourly_rate_per_h", rates}, {"weekday_factor", {1, 1, 1, 1, 1, 1, 1}}}},
           {"service", {{"distribution", "exponential"}, {"mean_min", 90}}},
           {"plan",
            {{"width_m", width_m},
             {"depth_m", depth_m},
             {"entrances", {{{"at", {width_m * 0.25, depth_m}}}, {{"at", {width_m * 0.5, depth_m}}}, {{"at", {width_m * 0.75, depth_m}}}}},
             {"queue_areas", {{{"from", {3, qy}}, {"to", {width_m - 3, qy + line_depth}}}}},
             {"help_desks", {{{"at", {1.5, depth_m - 2}}}}},
             {"kiosks", plan_kiosks}}}}}}};
    PanelOptions o;
    o.scenario = doc;
    o.width = width;
    o.height = height;
    o.speed = speed;
    say("building " + std::to_string(kiosks) + " kiosks");
    Panel panel(o);
    say("filling the hall to " + std::to_string(citizens) + " citizens");
    world::World& w = *panel.world();
    while (w.on_floor().size() < citizens && panel.now() < sim::Time{std::chrono::hours(2)})
        panel.seek(panel.now() + std::chrono::seconds(30));
    PanelBench b;
    b.kiosks = kiosks;
    b.speed = speed;
    b.citizens_on_screen = w.on_floor().size();
    panel.render_rgba();  // fonts, textures, layout
    b.setup_s = std::chrono::duration<double>(clock::now() - t0).count();
    say("measuring " + std::to_string(frames) + " frames with " + std::to_string(b.citizens_on_screen) + " citizens on screen");
    std::vector<double> ms, model_ms, draw_ms;
    double model = 0, draw = 0;
    auto& impl = *panel.m;
    impl.controls.speed = speed;
    const sim::Time v0 = impl.feed->now();
    for (std::size_t i = 0; i < frames; ++i) {
        const auto f0 = clock::now();
        impl.pace(1.0 / 60);
        const auto f1 = clock::now();
        impl.ensure_offscreen();
        const FrameCost c = impl.view->frame(*impl.offscreen, *impl.feed, impl.controls, impl.tap, 1.0 / 60, impl.title);
        impl.offscreen->display();
        glFinish();
        const auto f2 = clock::now();
        const double adv = std::chrono::duration<double, std::milli>(f1 - f0).count();
        const double all = std::chrono::duration<double, std::milli>(f2 - f0).count();
        ms.push_back(all);
        model_ms.push_back(adv + c.scene_ms);
        draw_ms.push_back(all - adv - c.scene_ms);
        model += adv + c.scene_ms;
        draw += all - adv - c.scene_ms;
    }
    b.virtual_s = sim::to_seconds(impl.feed->now() - v0);
    b.behind_s = impl.behind_s;
    std::sort(ms.begin(), ms.end());
    auto q = [&](double p) { return ms.empty() ? 0.0 : ms[std::min(ms.size() - 1, static_cast<std::size_t>(p * static_cast<double>(ms.size())))]; };
    std::sort(model_ms.begin(), model_ms.end());
    std::sort(draw_ms.begin(), draw_ms.end());
    auto q_of = [](const std::vector<double>& v, double p) {
        return v.empty() ? 0.0 : v[std::min(v.size() - 1, static_cast<std::size_t>(p * static_cast<double>(v.size())))];
    };
    b.model_p95_ms = q_of(model_ms, 0.95);
    b.draw_p95_ms = q_of(draw_ms, 0.95);
    b.model_p50_ms = q_of(model_ms, 0.5);
    b.draw_p50_ms = q_of(draw_ms, 0.5);
    b.frames = frames;
    b.frame_p50_ms = q(0.50);
    b.frame_p95_ms = q(0.95);
    b.frame_p99_ms = q(0.99);
    b.frame_max_ms = ms.empty() ? 0 : ms.back();
    const double total = model + draw;
    b.model_share = total > 0 ? model / total : 0;
    b.draw_share = total > 0 ? draw / total : 0;
    return b;
}

}  // namespace kiosktwin::panel
