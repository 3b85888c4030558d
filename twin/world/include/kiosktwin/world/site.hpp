// The site world on the full kiosk stack (ARCHITECTURE.md, "twin/world —
// sites and citizens"): sites whose kiosks are whole KioskRigs — device
// models, link, disk and kiosk software — talking to one platform gateway,
// and citizens who arrive from a demand profile, queue, take a kiosk and play
// their scripted session on it through its screen and devices.
//
//     WorldSpec spec;                       // sites, demand, behaviour, seed
//     World world(spec, replication);
//     world.citizen_left.connect(collector); // one CitizenRecord per citizen
//     WorldRunInfo info = world.run();       // horizon, then everyone finishes
//
// Time at a kiosk. A citizen holds the kiosk for their whole session: from
// the touch on the home page until the kiosk is back home (after a walk-away,
// until the kiosk's idle rule has wiped the session, R-9.1-1). When the site
// gives a service-time distribution, each citizen also brings an intended
// time at the kiosk drawn from it (reading the result, checking the receipt)
// and stays until it has passed: the time held is max(intended, session).
// With sessions much shorter than the intended times, the kiosks are servers
// with the given distribution, so a site can be checked against queueing
// theory through the full stack (tests/world/test_site.cpp: Erlang C). With
// no distribution, the time held is what the session takes.
//
// Queues. `shared`: one line for all kiosks (a ticket number, 取号), the
// first in line takes the first kiosk that comes free (the lowest-numbered
// of those free) — an M/G/c queue. `per_kiosk`: each citizen joins the
// shortest line (the lowest-numbered on a tie) and waits for that kiosk.
// Patience (reneging) and balking apply to both.
//
// Common random numbers. A citizen's arrival, persona and script come from
// streams named by site and citizen number, so adding a kiosk or changing
// the queue leaves every citizen's draws as they were.
#pragma once

#include <kiosktwin/kiosk/outcome.hpp>
#include <kiosktwin/sim/arrivals.hpp>
#include <kiosktwin/sim/calendar.hpp>
#include <kiosktwin/sim/signal.hpp>
#include <kiosktwin/sim/time.hpp>
#include <kiosktwin/world/hall.hpp>
#include <kiosktwin/world/scripted_citizens.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kiosktwin::world {

class KioskRig;
class VirtualGateway;

/// One kiosk of a site.
struct KioskPlacement {
    std::string id;  ///< "K01"; the terminal id is "<site id>-<kiosk id>"
    /// Per device kind, the model's configuration (registry JSON); false: not fitted.
    nlohmann::json devices = nlohmann::json::object();
};

/// The site's staff (R-10.2-1). For now: a consumables round.
struct Staff {
    /// Every this often someone walks the kiosks and refills what runs low
    /// (receipt rolls, A4 paper, toner); zero: nobody does.
    sim::Duration refill_round{};
    /// What counts as low: below this fraction of a full roll, tray or cartridge.
    double refill_below = 0.25;
};

/// One refill by the staff (R-10.2-1).
struct RefillRecord {
    std::size_t site = 0;
    std::string kiosk;       ///< terminal id
    std::string consumable;  ///< "receipt_paper", "a4_paper", "toner"
    double level_before = 0; ///< fraction of full, 0..1
    sim::Time at{};
};

enum class QueueDiscipline { shared, per_kiosk };
const char* to_string(QueueDiscipline q) noexcept;

struct SiteSpec {
    std::string id = "S01";
    std::string name;
    std::vector<KioskPlacement> kiosks;  ///< at least one
    std::array<double, 24> hourly_rate_per_h{};  ///< arrivals per hour, by hour of day
    std::array<double, 7> weekday_factor{1, 1, 1, 1, 1, 1, 1};  ///< Monday first
    sim::Interpolation interpolation = sim::Interpolation::step;
    QueueDiscipline queue = QueueDiscipline::shared;
    std::optional<ServiceTime> service;  ///< intended time at the kiosk (see the header comment)
    double patience_mean_min = 0;        ///< exponential patience; 0 = waits for ever
    double balk_queue_per_kiosk = 0;     ///< balk at this many waiting per kiosk; 0 = never
    SessionMix mix;                      ///< what citizens come for and how they behave
    bool link = true;                    ///< a link model between each kiosk and the gateway
    Staff staff;
};

struct WorldSpec {
    std::uint64_t seed = 1;
    sim::Calendar calendar;
    sim::Duration horizon = std::chrono::hours(24);  ///< arrivals stop here; those inside finish
    std::vector<SiteSpec> sites;  ///< at least one
};

enum class CitizenFate { served, reneged, balked };
const char* to_string(CitizenFate f) noexcept;

/// What happened to one citizen.
struct CitizenRecord {
    std::uint64_t citizen = 0;   ///< number within the site, from 1
    std::size_t site = 0;        ///< index into WorldSpec::sites
    std::string kiosk;           ///< terminal id of the kiosk used ("" if none)
    sim::Time arrived{};
    sim::Duration waited{};      ///< in the queue, until a kiosk or giving up
    sim::Duration held{};        ///< time holding the kiosk (zero if not served)
    sim::Duration session{};     ///< the kiosk session's own length (zero if not served)
    std::size_t queue_on_arrival = 0;  ///< citizens waiting (at the site, or in the chosen line)
    CitizenFate fate = CitizenFate::served;
    std::optional<kiosk::SessionOutcome> outcome;  ///< the kiosk's record of the session (served)
};

/// Facts about a run, over [0, horizon] unless said.
struct WorldRunInfo {
    std::uint64_t arrivals = 0;
    std::uint64_t events = 0;     ///< kernel events, including the drain after the horizon
    sim::Time ended{};            ///< when the last citizen left
    std::vector<double> utilisation;        ///< per site: kiosk time held / kiosk time
    std::vector<double> mean_queue_length;  ///< per site, time-weighted
};

/// A world of sites, one replication.
class World {
public:
    World(const WorldSpec& spec, std::uint32_t replication);
    ~World();
    World(const World&) = delete;
    World& operator=(const World&) = delete;

    /// Published when a citizen leaves the site.
    sim::Signal<const CitizenRecord&> citizen_left;
    /// Published when the staff refill a consumable.
    sim::Signal<const RefillRecord&> refilled;

    /// Boots every kiosk, runs arrivals until the horizon, then lets everyone
    /// present finish. Once only.
    WorldRunInfo run();

    sim::Simulation& simulation() noexcept;
    VirtualGateway& gateway() noexcept;
    /// The kiosk `k` of site `s`.
    KioskRig& kiosk(std::size_t s, std::size_t k);
    std::uint64_t seed() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> m;
};

/// Checks a spec: at least one site, each with at least one kiosk, unique
/// ids, rates and factors finite and not negative, a service mean > 0. An
/// empty list means valid; otherwise one message per problem.
std::vector<std::string> check(const WorldSpec& spec);

}  // namespace kiosktwin::world
