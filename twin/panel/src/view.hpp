// The view: SFML draws the floor, Dear ImGui the instruments, the controls,
// the captions and a kiosk's window. The only file set that includes SFML
// and ImGui (with view.cpp and panel.cpp).
#pragma once

#include "feed.hpp"

#include <kiosktwin/panel/panel.hpp>
#include <kiosktwin/placement/outcome.hpp>

#include <SFML/Graphics.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace kiosktwin::panel {

/// What the controls ask of the panel (the pacer, the feed, the world).
struct Controls {
    bool paused = false;
    bool step = false;        ///< one virtual minute, then pause
    double speed = 60;        ///< 0 = as fast as possible
    bool english = false;
    std::size_t site = 0;
    std::string open_kiosk;   ///< terminal id, empty: none
    std::optional<sim::Time> seek;   ///< the replay's timeline slider moved
    std::optional<world::Injection> inject;  ///< the injection button pressed
    std::string last_result;  ///< what the last injection did
    bool last_ok = true;
    std::vector<std::string> scenario_files;  ///< the picker's list
    std::string load_scenario;  ///< picked: load this file
    std::int64_t seed = 0;
    bool reseed = false;      ///< the seed field changed: rebuild the world
    bool placement_view = false;  ///< the placement's map instead of the floor
};

/// A placement the view can show: the result, its city, and what the map
/// draws (worked out once, not every frame).
struct PlacementShown {
    PlacementShown(nlohmann::json result_, placement::City city_);
    nlohmann::json result;
    placement::City city;
    placement::CityMap map;
    std::map<std::string, double> radius_m;  ///< of each open site, by id
};

/// Frame timings the view measures (the benchmark's split).
struct FrameCost {
    double scene_ms = 0, draw_ms = 0;
};

class View {
public:
    View(unsigned width, unsigned height, const std::string& font_file, const std::vector<std::string>& extra_text);
    ~View();
    View(const View&) = delete;
    View& operator=(const View&) = delete;

    /// Draws one frame of `feed` onto `target` (whose GL context is active).
    /// `dt` is the wall time since the last frame, for ImGui.
    FrameCost frame(sf::RenderTarget& target, Feed& feed, Controls& controls, KioskTap& tap, double dt, const std::string& title);

    /// The placement the top bar offers a view of (null: none).
    void set_placement(const PlacementShown* placement) noexcept;

    /// Input from the window (interactive mode).
    void on_event(const sf::Event& e, Feed& feed, Controls& controls);

    /// True once after a frame met text whose glyphs the fonts lacked: the
    /// next frame draws it (headless callers draw one more).
    bool glyphs_pending() const noexcept;
    /// Where kiosk `k` of the scene's site was drawn last.
    sf::Vector2f kiosk_pixel(std::size_t k) const;
    void resize(unsigned width, unsigned height);

private:
    static void map_keys();
    struct Impl;
    std::unique_ptr<Impl> m;
};

/// The legend's colour of a kiosk state.
sf::Color colour_of(world::KioskState s) noexcept;

}  // namespace kiosktwin::panel
