// The panel (ARCHITECTURE.md, "twin/panel"): a thin viewer over the world.
// SFML draws the site's floor — walls, entrances, queue areas, kiosks
// coloured by state, help desks, citizens walking, queuing, being helped and
// leaving — and Dear ImGui the instruments, the controls and a kiosk's
// window. It reads the world's state and subscribes to its signals; no model
// code knows it exists. This header shows no SFML or ImGui: the front end
// (kiosktwin panel) and the tests drive it through Panel.
//
// Three feeds, one view (Tracy's pattern): a world run in virtual time and
// paced for viewing, a live world whose kiosks talk to a running `kiosktwin
// serve` on real ports, and the replay of a recorded run from its SQLite
// file, seekable.
//
//     PanelOptions o;  o.scenario = doc;  o.size = {1600, 900};
//     Panel panel(o);                     // builds the world (or loads the run)
//     panel.seek(panel.time_of("10:30")); // virtual time moves; nothing is drawn
//     panel.inject(fault);                // the control path of the buttons
//     panel.save_png("out.png");          // renders one frame off screen
#pragma once

#include <kiosktwin/placement/city.hpp>
#include <kiosktwin/sim/time.hpp>
#include <kiosktwin/world/site.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kiosktwin::panel {

/// Speeds the controls offer; 0 means as fast as possible.
inline constexpr double k_speeds[] = {1, 10, 60, 600, 0};

struct PanelOptions {
    /// A site (or hall) scenario document (the world feed); ignored with replay.
    nlohmann::json scenario;
    std::string scenario_file;          ///< shown in the title; the scenario picker lists its folder
    std::optional<std::uint64_t> seed;  ///< overrides the scenario's
    std::uint32_t replication = 0;
    /// Replay feed: a run store file and run id (0 = the latest), replication.
    std::string replay_store;
    std::int64_t replay_run = 0;
    /// Live feed: a running bench's endpoints document (kiosktwin serve's
    /// run/endpoints.json) and the signing keys (assets/gateway/keys.json).
    nlohmann::json live_endpoints;
    nlohmann::json live_keys;
    double live_think_s = 3;
    unsigned width = 1600, height = 900;
    double speed = 60;        ///< virtual seconds per wall second; 0 = as fast as possible
    bool english = false;     ///< labels in English (else Chinese)
    std::string site;         ///< the site shown first (id); empty: the first
    std::string open_kiosk;   ///< a kiosk's window open from the start ("S01-K02")
    std::string font;         ///< a CJK font file; empty: Debian's Noto Sans CJK
    /// A placement to show (`kiosktwin place --json`'s result) with the city
    /// (or district) it was solved on: the placement view draws the map,
    /// candidates, chosen sites and circles, and each site's KPIs; the world
    /// feed is then the placement's own scenario (its open sites).
    nlohmann::json placement;
    std::optional<placement::City> placement_city;
    bool placement_view = false;  ///< show the placement view first (else the floor)
};

/// Where a kiosk of the shown site is drawn, in pixels (for tests).
struct PixelPoint {
    int x = 0, y = 0;
};

/// Frame timing of the benchmark.
struct PanelBench {
    std::size_t kiosks = 0, citizens_on_screen = 0, frames = 0;
    double frame_p50_ms = 0, frame_p95_ms = 0, frame_p99_ms = 0, frame_max_ms = 0;
    double model_share = 0, draw_share = 0;  ///< of the measured frames' time
    double model_p50_ms = 0, model_p95_ms = 0, draw_p50_ms = 0, draw_p95_ms = 0;
    double setup_s = 0;
    double speed = 0;
    double virtual_s = 0;  ///< virtual time the measured frames moved on (speed x frames / 60 when keeping pace)
    double behind_s = 0;   ///< virtual seconds behind the pace at the end
};

class Panel {
public:
    /// Builds the feed; throws std::invalid_argument with a message on a bad
    /// scenario, store or run, std::runtime_error when no OpenGL context or
    /// font can be had (run under Xvfb without a display).
    explicit Panel(PanelOptions options);
    ~Panel();
    Panel(const Panel&) = delete;
    Panel& operator=(const Panel&) = delete;

    /// The virtual time of "HH:MM" or "dN HH:MM" (day N, from 1) on the
    /// scenario's civil clock; nullopt if malformed.
    std::optional<sim::Time> time_of(const std::string& clock) const;
    /// Moves the feed to `t` (a world runs forward only; a replay seeks; a
    /// live world runs on the wall clock until then).
    void seek(sim::Time t);
    sim::Time now() const;
    /// The world of the world feed (null for a replay).
    world::World* world() noexcept;

    /// The control path of the panel's buttons: injects now. Empty when it
    /// took effect, else why not; the effect shows in the next frame.
    std::string inject(const world::Injection& what);
    /// The kiosk whose window is open ("S01-K02"; empty closes it).
    void open_kiosk(const std::string& terminal_id);
    void set_english(bool english);
    /// Shows site `index` of the scenario.
    void show_site(std::size_t index);
    /// Shows the placement's map instead of the floor (with a placement).
    void show_placement(bool on);

    /// Renders one frame off screen (two the first time, so windows settle)
    /// and writes it as PNG; false if the file could not be written.
    bool save_png(const std::string& path);
    /// Renders one frame and returns its pixels, RGBA row by row.
    std::vector<std::uint8_t> render_rgba();
    unsigned width() const noexcept;
    unsigned height() const noexcept;
    /// Where the centre of kiosk `k` of the shown site is drawn.
    PixelPoint kiosk_pixel(std::size_t k) const;
    /// The RGB colour the legend gives a kiosk state.
    static std::uint32_t state_colour(world::KioskState s) noexcept;

    /// Opens a window and runs the interactive loop until it is closed (or
    /// `quit_after_s` of wall time, if > 0). Returns frames drawn.
    std::uint64_t run_window(double quit_after_s = 0);

    /// Captions shown so far (timeline events), newest last.
    std::vector<std::string> captions() const;
    /// What the panel shows, as JSON: time, site, kiosks and their states,
    /// citizens on the floor, instruments' latest values, open tickets.
    nlohmann::json summary() const;

private:
    friend PanelBench bench_panel(std::size_t, std::size_t, std::size_t, double, unsigned, unsigned,
                                  const std::function<void(const std::string&)>&);
    struct Impl;
    std::unique_ptr<Impl> m;
};

/// `kiosktwin bench panel`: a world of `kiosks` kiosks filled until
/// `citizens` are inside, then `frames` frames paced at `speed`, drawn off
/// screen at width × height. `progress` is told what happens.
PanelBench bench_panel(std::size_t kiosks, std::size_t citizens, std::size_t frames, double speed, unsigned width,
                       unsigned height, const std::function<void(const std::string&)>& progress = {});

}  // namespace kiosktwin::panel
