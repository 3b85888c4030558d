// What the view draws, whatever feeds it (Tracy's pattern: one view, several
// sources). A Feed moves through virtual time and fills a Scene for the site
// shown; the Instruments it keeps are the time series the charts plot. No
// SFML or ImGui here, so the feeds are tested without a display.
#pragma once

#include <kiosktwin/devices/trace.hpp>
#include <kiosktwin/sim/signal.hpp>
#include <kiosktwin/store/run_store.hpp>
#include <kiosktwin/world/floor_plan.hpp>
#include <kiosktwin/world/site.hpp>
#include <kiosktwin/world/site_scenario.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kiosktwin::panel {

/// A site's drawing geometry: its floor plan with the kiosks placed, and a
/// walking map to trace walks (a plain plan for sites that have none).
struct SiteGeometry {
    std::string id, name;
    world::FloorPlan plan;  ///< kiosks placed; entrances, queue areas, help desks as drawn
    std::vector<std::string> kiosk_ids;  ///< terminal ids
    const world::WalkingMap* map = nullptr;
    std::unique_ptr<world::WalkingMap> own_map;  ///< when the world has none
    bool walks = false;  ///< the site's citizens walk (it has a floor plan)

    explicit SiteGeometry(const world::SiteSpec& spec, const world::WalkingMap* world_map);

    /// A walk between two places as the map traces it, with the arc length
    /// at each point; traced once per pair and kept.
    struct Walk {
        std::vector<world::Point> points;
        std::vector<double> at;
    };
    const Walk& walk(world::WalkingMap::Place from, world::WalkingMap::Place to) const;

private:
    mutable std::map<std::pair<std::uint32_t, std::uint32_t>, Walk> m_walks;
};

/// The next whole virtual minute after `t`.
inline sim::Time next_minute(sim::Time t) {
    const auto m = std::chrono::floor<std::chrono::minutes>(t.time_since_epoch());
    return sim::Time{std::chrono::duration_cast<sim::Duration>(m + std::chrono::minutes(1))};
}

struct SceneCitizen {
    float x = 0, y = 0;  ///< metres
    world::Persona persona = world::Persona::young;
    world::CitizenPhase phase = world::CitizenPhase::waiting;
    bool helped = false;
    bool abandoned = false;  ///< leaving without having been served
};

struct SceneKiosk {
    world::KioskState state = world::KioskState::idle;
    bool powered = true;  ///< power on and the program running (开机)
    bool online = true;   ///< the platform's terminal registry hears it (在线)
};

struct SceneStaff {
    float x = 0, y = 0;
    std::string kiosk;  ///< where they go
};

struct Scene {
    sim::Time now{};
    std::size_t site = 0;
    std::vector<SceneKiosk> kiosks;
    std::vector<SceneCitizen> citizens;
    std::vector<SceneStaff> technicians;
    std::size_t waiting = 0;
};

/// One fault ticket as the panel lists it.
struct TicketView {
    std::string kiosk, device, fault, root_cause;
    world::TicketStage stage = world::TicketStage::occurred;
    int severity = 3;
    sim::Time occurred{}, arrived{};
};

/// The time series behind the charts, fed by a feed: citizens leaving,
/// tickets closing, and a sample each virtual minute.
class Instruments {
public:
    static constexpr double k_bucket_min = 15;  ///< throughput bucket
    Instruments(std::size_t sites, const std::vector<std::size_t>& kiosks_per_site);
    void reset();

    struct Left {
        std::size_t site = 0;
        std::optional<std::size_t> kiosk;
        sim::Time arrived{};
        double waited_min = 0;
        bool served = false;
        std::size_t cases = 0;  ///< sessions that created a case (办件量)
        std::vector<kiosk::OutcomeKind> outcomes;
        std::vector<int> ratings;  ///< given (1..5)
    };
    void on_left(sim::Time now, const Left& l);
    void on_ticket_closed(double mttr_min);
    /// A sample at a whole virtual minute: per site the citizens waiting and
    /// each kiosk's state.
    void sample(sim::Time t, const std::vector<std::size_t>& waiting, const std::vector<std::vector<SceneKiosk>>& kiosks);

    // What the charts read.
    std::uint64_t served = 0, cases = 0, left = 0, abandoned = 0;
    std::vector<float> throughput;  ///< citizens served per bucket (whole world)
    std::vector<float> cases_per_bucket;
    std::vector<float> waits_min;   ///< every citizen's wait (served or not)
    std::vector<std::vector<float>> queue;  ///< per site, per minute: waiting
    /// Per site, per kiosk, per hour of the run: minutes in session.
    std::vector<std::vector<std::vector<std::uint8_t>>> busy;
    std::array<std::uint64_t, 4> outcomes{};  ///< by kiosk::OutcomeKind
    std::uint64_t kiosk_minutes = 0, powered_minutes = 0, online_minutes = 0, fault_minutes = 0;
    std::vector<float> powered_share, online_share, fault_share;  ///< per minute, whole world
    std::uint64_t tickets_closed = 0;
    double mttr_sum_min = 0;
    std::uint64_t rated = 0, rated_good = 0;  ///< 好差评: ratings 3-5 among ratings (R-11.3-1)
    sim::Time last_sample{};
    bool sampled = false;

    /// p50, p90, p95 of the waits, sorted once per new wait.
    std::array<double, 3> wait_quantiles() const;

private:
    std::size_t m_sites;
    std::vector<std::size_t> m_kiosks;
    mutable std::size_t m_quantiles_of = static_cast<std::size_t>(-1);
    mutable std::array<double, 3> m_quantiles{};
};

/// The device kinds a kiosk may be fitted with, in the window's order.
inline constexpr const char* k_device_kinds[] = {"idcard_reader", "qr_scanner", "receipt_printer",
                                                 "a4_printer",    "face_camera", "document_camera"};

/// A device of a kiosk as its window lists it.
struct DeviceRow {
    std::string kind;
    bool fitted = true;
    devices::Health health = devices::Health::ok;
    std::string reasons;      ///< "paper-end,cover-open"
    std::string consumables;  ///< "paper 120/80000 mm", "sheets 240 · toner 80 %"
};

/// What a kiosk's window shows besides the floor.
struct KioskDetail {
    const kiosk::Screen* screen = nullptr;  ///< valid until the feed moves on
    std::vector<DeviceRow> devices;
    std::vector<std::string> toxics;  ///< "name (type)"
    std::string note;                 ///< what this feed cannot show, if anything
};

/// A source the panel views.
class Feed {
public:
    virtual ~Feed() = default;
    /// A live world: it runs on the wall clock (tick), not by seek.
    virtual bool live() const noexcept { return false; }
    /// Lets a live world run for up to `budget` of wall time.
    virtual void tick(std::chrono::milliseconds /*budget*/) {}
    /// The control path of the injection form. Empty when it took effect.
    virtual std::string inject(const world::Injection& what);
    /// The device kinds fitted to kiosk `k` of site `s`, and the faults a kind knows.
    virtual std::vector<std::string> fitted(std::size_t s, std::size_t k);
    virtual std::vector<std::string> known_faults(std::size_t s, std::size_t k, const std::string& kind);
    /// The kiosk window's content (nullopt: this feed has none).
    virtual std::optional<KioskDetail> detail(std::size_t /*s*/, std::size_t /*k*/) { return std::nullopt; }
    /// The kiosk's touch screen and its devices, for the window's taps.
    virtual kiosk::Ui* ui_of(std::size_t /*s*/, std::size_t /*k*/) { return nullptr; }
    virtual std::vector<devices::Device*> devices_of(std::size_t /*s*/, std::size_t /*k*/) { return {}; }
    virtual const char* kind() const noexcept = 0;  ///< "world", "replay"
    virtual sim::Time now() const = 0;
    virtual sim::Time end() const = 0;  ///< the horizon (or the last event of a replay)
    virtual bool seekable() const noexcept = 0;  ///< can go back in time
    /// Moves to `t`: a world runs forward (sampling each minute); a replay jumps.
    virtual void seek(sim::Time t) = 0;
    virtual void fill(std::size_t site, Scene& out) = 0;
    virtual const Instruments& instruments() const = 0;
    virtual std::vector<TicketView> tickets() const = 0;
    virtual world::World* world() noexcept { return nullptr; }
    const std::vector<std::unique_ptr<SiteGeometry>>& sites() const noexcept { return m_sites; }
    const world::SiteScenario& scenario() const noexcept { return m_scenario; }
    /// Captions of timeline events fired so far: (time, zh, en, error).
    struct Caption {
        sim::Time at{};
        std::string zh, en, action, error;
    };
    const std::vector<Caption>& captions() const noexcept { return m_captions; }

protected:
    /// Starts a scene of `site` at `now`: nobody on the floor yet.
    static void begin_scene(Scene& out, sim::Time now, std::size_t site) {
        out.now = now;
        out.site = site;
        out.citizens.clear();
        out.technicians.clear();
        out.waiting = 0;
    }
    /// Adds a caption in time order.
    void add_caption(Caption c) {
        const auto at = std::upper_bound(m_captions.begin(), m_captions.end(), c.at,
                                         [](sim::Time t, const Caption& x) { return t < x.at; });
        m_captions.insert(at, std::move(c));
    }
    world::SiteScenario m_scenario;
    std::vector<std::unique_ptr<SiteGeometry>> m_sites;
    std::vector<Caption> m_captions;
};

/// A live world: the kiosks of a running `kiosktwin serve` bench, each a
/// whole kiosk stack (live::LiveKiosk) on one pacer, talking to the bench's
/// devices through its link proxies and to its gateway; scripted citizens
/// come to each kiosk in turn.
struct LiveFeedOptions {
    nlohmann::json endpoints;  ///< the bench's endpoints document (run/endpoints.json)
    nlohmann::json keys;       ///< the keys document (assets/gateway/keys.json)
    std::uint64_t seed = 1;
    double think_s = 3;        ///< a citizen's pause between pages, and between citizens
};
std::unique_ptr<Feed> make_live_feed(const LiveFeedOptions& options);

/// The world run in virtual time (paced by the panel).
std::unique_ptr<Feed> make_world_feed(const world::SiteScenario& scenario, std::uint32_t replication);
/// The replay of a recorded run.
std::unique_ptr<Feed> make_replay_feed(store::RecordedRun run);

/// Where a citizen stands or walks at `now`, in metres.
world::Point position_of(const SiteGeometry& g, const world::CitizenOnFloor& c, sim::Time now, std::size_t rank_in_line);

/// Keeps the last decoded device frames of one kiosk (the kiosk window).
class FrameLog final : public devices::TraceSink {
public:
    void write(const devices::TraceRecord& r) override;
    std::deque<devices::TraceRecord> records;
};

/// The kiosk window's taps on one kiosk of a world feed: its devices' decoded
/// frames and the pages of its current session, from the moment it is
/// followed. Detach before the feed goes.
class KioskTap {
public:
    KioskTap() = default;
    KioskTap(const KioskTap&) = delete;
    KioskTap& operator=(const KioskTap&) = delete;
    ~KioskTap() { detach(); }
    /// Follows kiosk `terminal_id` (a geometry id, "HALL-K02") of `feed`
    /// (nothing for a feed without screens, or "").
    void follow(Feed& feed, const std::string& terminal_id);
    void detach();
    bool following() const noexcept { return m_ui != nullptr; }
    struct Step {
        sim::Time at{};
        std::string page_zh, page_en;
    };
    FrameLog frames;
    std::deque<Step> steps;

private:
    std::string m_id;
    kiosk::Ui* m_ui = nullptr;
    std::vector<devices::Device*> m_devices;
    std::optional<sim::Connection> m_shown;
};

}  // namespace kiosktwin::panel
