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
// Opening hours (R-5-3). A 7×24 room takes citizens at every hour; other
// sites between their opening and closing hour on their open days. The
// doors close to arrivals; whoever is inside finishes.
//
// Personas (R-5-4). Each citizen is young, elderly, a business agent (代办,
// several cases in a row at the same kiosk) or a first-time user, drawn from
// the site's shares. The persona sets the pace (the time to read and decide
// on each page: elderly 3x, first-time 2x, agents 0.75x the young's), the
// accessible mode (most elderly ask for it) and whether they ask for help.
//
// Staff (R-10.2-1). Helpers (帮办): a citizen who asks for help gets a free
// helper for their session, who halves their reading time and keeps them
// from walking away; with none free they go on alone. A consumables round
// refills paper, toner and receipt rolls found low. Technicians answer fault
// tickets (R-10.3-1): a device fault strikes a kiosk (the site's mean time
// between faults), the platform sees it in the kiosk's heartbeat (reported),
// a technician takes the ticket (acknowledged), travels (arrived) and
// repairs it (resolved); one ticket at a time per technician.
//
// Ratings (R-11.3-1). The script's rating is what a citizen gives after an
// ordinary visit; a long wait turns some ratings into 差评 with the reason
// "efficiency" (slow handling), more the longer the wait.
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
#include <kiosktwin/world/floor_plan.hpp>
#include <kiosktwin/world/hall.hpp>
#include <kiosktwin/world/scripted_citizens.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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

/// The site's staff (R-10.2-1, R-10.3-1).
struct Staff {
    std::size_t helpers = 0;      ///< 帮办 on the floor
    std::size_t technicians = 1;  ///< answering this site's fault tickets
    sim::Duration dispatch = std::chrono::minutes(5);  ///< reported -> acknowledged
    sim::Duration travel = std::chrono::minutes(40);   ///< acknowledged -> arrived (mean, exponential)
    sim::Duration repair = std::chrono::minutes(25);   ///< arrived -> resolved (mean, exponential)
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

/// When a site takes citizens (R-5-3), on the civil clock: opening and
/// closing in hours of the day, in quarter hours (8.5 = 08:30).
struct OpeningHours {
    bool always_open = true;  ///< a 7×24 room
    double open_h = 9;        ///< opening, 0 <= open_h < 24
    double close_h = 17;      ///< closing, open_h < close_h <= 24
    std::array<bool, 7> days{true, true, true, true, true, false, false};  ///< Monday first
    /// Open at minute `minute` (0-1439) of weekday `weekday` (Monday = 0).
    bool open_at(int weekday, int minute) const noexcept {
        return always_open || (days[static_cast<std::size_t>(weekday)] && minute >= open_h * 60 && minute < close_h * 60);
    }
    /// Open for any part of the hour `hour` of `weekday`.
    bool open_in_hour(int weekday, int hour) const noexcept {
        return always_open || (days[static_cast<std::size_t>(weekday)] && hour + 1 > open_h && hour < close_h);
    }
    /// Hours of service in a week.
    double hours_per_week() const noexcept;
};

enum class Persona : std::uint8_t { young, elderly, agent, first_time };
const char* to_string(Persona p) noexcept;
constexpr std::size_t k_personas = 4;

/// The shares of personas among a site's citizens (normalised; at least one
/// > 0), in the order of Persona. By default everyone is young: the plain
/// session of the mix, one case each.
struct PersonaMix {
    std::array<double, k_personas> share{1, 0, 0, 0};
};

/// What goes wrong with a kiosk (R-10.3-1), each kind on its own
/// exponential clock per kiosk; 0 = never.
struct FaultSpec {
    double mtbf_h = 0;          ///< device faults a technician repairs on site
    double link_mtbf_h = 0;     ///< network outages (the link black-holes; the carrier restores it)
    double link_outage_mean_min = 20;
    double software_mtbf_h = 0; ///< the kiosk program hangs (restarted remotely)
    double power_mtbf_h = 0;    ///< power cuts (the kiosk goes dark, boots when power returns)
    double power_outage_mean_min = 10;
};

/// How far a ticket has got.
enum class TicketStage : std::uint8_t { occurred, reported, acknowledged, arrived, resolved };
const char* to_string(TicketStage s) noexcept;

/// A fault ticket (R-10.3-1): times, severity (L1-L5), root cause.
struct TicketRecord {
    std::size_t site = 0;
    std::string kiosk;      ///< terminal id
    std::string device;     ///< device kind
    std::string fault;      ///< the device fault
    std::string root_cause = "peripheral";  ///< peripheral / network / software / power
    int severity = 3;       ///< 1..5 (profile SLA: L1 30 min, L2 2 h, L3 4 h, L4/L5 a working day)
    sim::Time occurred{};   ///< the fault struck
    sim::Time reported{};   ///< the platform saw it in a heartbeat
    sim::Time acknowledged{};
    sim::Time arrived{};
    sim::Time resolved{};
    std::uint64_t number = 0;  ///< the world's running ticket number, from 1
    TicketStage stage = TicketStage::occurred;
};

/// Something done to the world on the spot — by a trainer through the panel,
/// or at a set time by a scenario's timeline — through the same control
/// faces a technician or the carrier would use: a device's control actions,
/// the link's toxics, the gateway process, the kiosk's power.
enum class InjectKind : std::uint8_t {
    caption,         ///< nothing happens; the timeline's caption only
    device_fault,    ///< a device fault (the device's fault names); a ticket follows (R-10.3-1)
    clear_faults,    ///< every fault of the device cleared
    consumable,      ///< a consumable set to a level (receipt_paper, a4_paper, toner)
    toxic,           ///< a Toxiproxy toxic on the kiosk's link
    clear_toxics,    ///< every toxic removed from the kiosk's link
    gateway_outage,  ///< the gateway process dies for a while
    power_cut,       ///< the kiosk loses power (back after `lasts`, or at power_on)
    power_on,        ///< power returns
};
const char* to_string(InjectKind k) noexcept;
/// The kind named `name` ("device_fault"...), nullopt if none.
std::optional<InjectKind> inject_kind(std::string_view name) noexcept;
/// Every kind's name, in order.
const std::vector<std::string>& inject_kind_names();

struct WorldSpec;

struct Injection {
    InjectKind kind = InjectKind::caption;
    std::size_t site = 0;   ///< index into WorldSpec::sites
    std::size_t kiosk = 0;  ///< index within the site
    std::string device;     ///< device_fault, clear_faults: the device kind
    std::string fault;      ///< device_fault: the fault's name ("paper_jam")
    std::string consumable; ///< consumable: receipt_paper, a4_paper or toner
    double level = 0;       ///< consumable: fraction of full, 0..1
    std::string toxic;      ///< toxic: latency, bandwidth, timeout, reset_peer, slow_close, slicer, limit_data
    double value = 0;       ///< toxic: its main attribute (latency ms, rate KB/s, timeout ms...)
    sim::Duration lasts{};  ///< toxic, power_cut: zero = until cleared; gateway_outage: > 0
    /// One line for people: "S01-K02 receipt_printer: paper_jam".
    std::string describe(const WorldSpec& spec) const;
};

/// A scheduled event of a scenario's timeline (the trainer's demos): at a
/// time, a caption for the audience and, unless a caption only, an injection.
struct TimelineEvent {
    sim::Time at{};
    std::string caption_zh;
    std::string caption_en;
    Injection action;
};

/// The SLA of a severity (R-10.3-1 profile): reported -> resolved.
sim::Duration sla_of(int severity) noexcept;

enum class QueueDiscipline { shared, per_kiosk };
const char* to_string(QueueDiscipline q) noexcept;

/// How a citizen picks a kiosk's line (per_kiosk queues): the shortest
/// line, the nearest kiosk to where they came in, or the shortest line among
/// the kiosks fitted with every device their item needs (all kiosks if none
/// is). Ties go to the nearer kiosk, then the lower number.
enum class KioskChoice { shortest, nearest, device };
const char* to_string(KioskChoice c) noexcept;

struct SiteSpec {
    std::string id = "S01";
    std::string name;
    std::string venue = "service_hall";  ///< R-5-1 venue type
    OpeningHours hours;
    std::vector<KioskPlacement> kiosks;  ///< at least one
    std::array<double, 24> hourly_rate_per_h{};  ///< arrivals per hour, by hour of day
    std::array<double, 7> weekday_factor{1, 1, 1, 1, 1, 1, 1};  ///< Monday first
    sim::Interpolation interpolation = sim::Interpolation::step;
    QueueDiscipline queue = QueueDiscipline::shared;
    KioskChoice choice = KioskChoice::shortest;
    /// The floor plan; empty: nobody walks (arrivals join the line at once).
    FloorPlan plan;
    std::optional<ServiceTime> service;  ///< intended time at the kiosk (see the header comment)
    double patience_mean_min = 0;        ///< exponential patience; 0 = waits for ever
    double balk_queue_per_kiosk = 0;     ///< balk at this many waiting per kiosk; 0 = never
    SessionMix mix;                      ///< what citizens come for and how they behave (young persona)
    PersonaMix personas;
    bool link = true;                    ///< a link model between each kiosk and the gateway
    Staff staff;
    FaultSpec faults;
};

struct WorldSpec {
    std::uint64_t seed = 1;
    sim::Calendar calendar;
    sim::Duration horizon = std::chrono::hours(24);  ///< arrivals stop here; those inside finish
    std::vector<SiteSpec> sites;  ///< at least one
    std::vector<TimelineEvent> timeline;  ///< scheduled injections and captions, by time
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
    Persona persona = Persona::young;
    bool asked_help = false;
    bool helped = false;         ///< a helper (帮办) stayed with them
    bool helped_when_stuck = false;  ///< stuck mid-session, a helper came and they tried again
    bool forgot_card = false;    ///< left their ID card on the reader
    bool found_card = false;     ///< found someone's card on the reader and handed it in
    double walked_m = 0;         ///< on the floor: in, to the line, to the kiosk, out
    sim::Duration walking{};     ///< time spent walking
    /// The kiosk's record of each session (served; an agent has several).
    std::vector<kiosk::SessionOutcome> outcomes;
};

/// Where a citizen inside a site is in their visit (for viewers).
enum class CitizenPhase : std::uint8_t { walking_in, waiting, walking_to_kiosk, at_kiosk, walking_out };
const char* to_string(CitizenPhase p) noexcept;

/// A citizen inside a site now, as a viewer (the panel) draws them: the
/// phase, the kiosk (once called to one), and the walk under way — from one
/// place of the site's WalkingMap to another between two instants (the
/// same place twice when standing).
struct CitizenOnFloor {
    std::uint64_t citizen = 0;
    std::size_t site = 0;
    Persona persona = Persona::young;
    CitizenPhase phase = CitizenPhase::walking_in;
    std::optional<std::size_t> kiosk;  ///< index within the site
    bool helped = false;
    WalkingMap::Place from{}, to{};
    sim::Time since{}, until{};
};

/// A kiosk's state as a viewer colours it.
enum class KioskState : std::uint8_t { idle, in_session, degraded, fault, offline };
const char* to_string(KioskState s) noexcept;

/// Facts about a run, over [0, horizon] unless said.
struct WorldRunInfo {
    std::uint64_t arrivals = 0;
    std::uint64_t events = 0;     ///< kernel events, including the drain after the horizon
    sim::Time ended{};            ///< when the last citizen left
    std::vector<double> utilisation;        ///< per site: kiosk time held / kiosk time
    std::vector<double> mean_queue_length;  ///< per site, time-weighted
    std::uint64_t open_tickets = 0;         ///< faults not yet resolved at the end
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
    /// Published when a fault ticket is resolved.
    sim::Signal<const TicketRecord&> ticket_closed;
    /// Published when a timeline event falls due, after its injection was
    /// tried: the error is empty when it took effect.
    sim::Signal<const TimelineEvent&, const std::string&> timeline_fired;

    /// Boots every kiosk, runs arrivals until the horizon, then lets everyone
    /// present finish. Once only: start() then finish().
    WorldRunInfo run();
    /// Boots every kiosk and starts arrivals, faults and the timeline; once.
    /// A viewer then moves time on with advance_to().
    void start();
    bool started() const noexcept;
    /// Runs every event up to `t` (starting the world first if need be);
    /// past the horizon nobody arrives and the kiosks idle on.
    void advance_to(sim::Time t);
    /// Runs to the horizon (if not there yet), lets everyone present finish
    /// and reports the run.
    WorldRunInfo finish();

    /// Does `what` now. Empty when it took effect, else why not (an unknown
    /// site, kiosk, device or fault; a kiosk without a link...).
    std::string inject(const Injection& what);
    /// Fault tickets not yet resolved, oldest first.
    std::vector<TicketRecord> open_tickets() const;
    /// The number of sites and of kiosks of site `s`.
    std::size_t sites() const noexcept;
    std::size_t kiosks(std::size_t s) const;

    sim::Simulation& simulation() noexcept;
    VirtualGateway& gateway() noexcept;
    /// The kiosk `k` of site `s`.
    KioskRig& kiosk(std::size_t s, std::size_t k);
    /// Its state now: offline (dark, or the platform has not heard from it),
    /// fault (a device the kiosk software reports faulty), degraded (a
    /// device absent or a consumable out), in session (a citizen holds it),
    /// idle.
    KioskState kiosk_state(std::size_t s, std::size_t k);
    /// Citizens inside the sites now, by site then number.
    std::vector<CitizenOnFloor> on_floor() const;
    /// The same without a copy: `visit` is called for each (a viewer's frame).
    void visit_floor(const std::function<void(const CitizenOnFloor&)>& visit) const;
    /// How many citizens are inside the sites now.
    std::size_t inside() const noexcept;
    /// The walking map of site `s`; null when the site has no floor plan.
    const WalkingMap* walking_map(std::size_t s) const;
    /// The spec the world runs.
    const WorldSpec& spec() const noexcept;
    std::uint64_t seed() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> m;
};

/// A site's arrival rate over the week: its hourly rates times its weekday
/// factors, zero while it is closed (R-5-3). What the world draws arrivals from.
sim::RateProfile demand_profile(const SiteSpec& site);

/// Checks a spec: at least one site, each with at least one kiosk, unique
/// ids, rates and factors finite and not negative, a service mean > 0. An
/// empty list means valid; otherwise one message per problem.
std::vector<std::string> check(const WorldSpec& spec);

}  // namespace kiosktwin::world
