#include <kiosktwin/world/site.hpp>

#include <kiosktwin/sim/distributions.hpp>
#include <kiosktwin/sim/random.hpp>
#include <kiosktwin/sim/resource.hpp>
#include <kiosktwin/sim/simulation.hpp>
#include <kiosktwin/world/kiosk_rig.hpp>
#include <kiosktwin/world/virtual_gateway.hpp>
#include <kiosktwin/server/state.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>
#include <variant>

namespace kiosktwin::world {

const char* to_string(QueueDiscipline q) noexcept { return q == QueueDiscipline::shared ? "shared" : "per_kiosk"; }

const char* to_string(KioskChoice c) noexcept {
    switch (c) {
    case KioskChoice::shortest: return "shortest";
    case KioskChoice::nearest: return "nearest";
    case KioskChoice::device: return "device";
    }
    return "?";
}

const char* to_string(Persona p) noexcept {
    switch (p) {
    case Persona::young: return "young";
    case Persona::elderly: return "elderly";
    case Persona::agent: return "agent";
    case Persona::first_time: return "first_time";
    }
    return "?";
}

double OpeningHours::hours_per_week() const noexcept {
    if (always_open) return 168.0;
    double h = 0;
    for (bool d : days) h += d ? close_h - open_h : 0.0;
    return h;
}

sim::Duration sla_of(int severity) noexcept {
    switch (severity) {
    case 1: return std::chrono::minutes(30);
    case 2: return std::chrono::hours(2);
    case 3: return std::chrono::hours(4);
    default: return std::chrono::hours(8);  // L4/L5: one working day
    }
}

sim::RateProfile demand_profile(const SiteSpec& sp) {
    std::array<double, sim::RateProfile::k_hours_per_week> week{};
    for (std::size_t h = 0; h < week.size(); ++h) {
        const int day = static_cast<int>(h / 24), hour = static_cast<int>(h % 24);
        week[h] = sp.hours.open_in_hour(day, hour) ? sp.hourly_rate_per_h[h % 24] * sp.weekday_factor[h / 24] : 0.0;
    }
    return sim::RateProfile::weekly(week).with_interpolation(sp.interpolation);
}

const char* to_string(CitizenPhase p) noexcept {
    switch (p) {
    case CitizenPhase::walking_in: return "walking_in";
    case CitizenPhase::waiting: return "waiting";
    case CitizenPhase::walking_to_kiosk: return "walking_to_kiosk";
    case CitizenPhase::at_kiosk: return "at_kiosk";
    case CitizenPhase::walking_out: return "walking_out";
    }
    return "?";
}

const char* to_string(KioskState s) noexcept {
    switch (s) {
    case KioskState::idle: return "idle";
    case KioskState::in_session: return "in_session";
    case KioskState::degraded: return "degraded";
    case KioskState::fault: return "fault";
    case KioskState::offline: return "offline";
    }
    return "?";
}

const char* to_string(TicketStage s) noexcept {
    switch (s) {
    case TicketStage::occurred: return "occurred";
    case TicketStage::reported: return "reported";
    case TicketStage::acknowledged: return "acknowledged";
    case TicketStage::arrived: return "arrived";
    case TicketStage::resolved: return "resolved";
    }
    return "?";
}

const std::vector<std::string>& inject_kind_names() {
    static const std::vector<std::string> names{"caption",      "device_fault",   "clear_faults", "consumable", "toxic",
                                                "clear_toxics", "gateway_outage", "power_cut",    "power_on"};
    return names;
}

const char* to_string(InjectKind k) noexcept {
    const auto i = static_cast<std::size_t>(k);
    return i < inject_kind_names().size() ? inject_kind_names()[i].c_str() : "?";
}

std::optional<InjectKind> inject_kind(std::string_view name) noexcept {
    const auto& names = inject_kind_names();
    for (std::size_t i = 0; i < names.size(); ++i)
        if (names[i] == name) return static_cast<InjectKind>(i);
    return std::nullopt;
}

std::string Injection::describe(const WorldSpec& spec) const {
    std::string where = site < spec.sites.size() ? spec.sites[site].id : "?";
    if (site < spec.sites.size() && kiosk < spec.sites[site].kiosks.size()) where += "-" + spec.sites[site].kiosks[kiosk].id;
    auto minutes = [&] {
        return lasts > sim::Duration::zero() ? " for " + std::to_string(static_cast<long long>(sim::to_minutes(lasts))) + " min" : std::string();
    };
    switch (kind) {
    case InjectKind::caption: return "caption";
    case InjectKind::device_fault: return where + " " + device + ": " + fault;
    case InjectKind::clear_faults: return where + " " + device + ": faults cleared";
    case InjectKind::consumable:
        return where + " " + consumable + " at " + std::to_string(static_cast<int>(std::lround(level * 100))) + " %";
    case InjectKind::toxic: return where + " link: " + toxic + minutes();
    case InjectKind::clear_toxics: return where + " link: toxics removed";
    case InjectKind::gateway_outage: return std::string("gateway down") + minutes();
    case InjectKind::power_cut: return where + " power cut" + minutes();
    case InjectKind::power_on: return where + " power on";
    }
    return "?";
}

const char* to_string(CitizenFate f) noexcept {
    switch (f) {
    case CitizenFate::served: return "served";
    case CitizenFate::reneged: return "reneged";
    case CitizenFate::balked: return "balked";
    }
    return "?";
}

std::vector<std::string> check(const WorldSpec& spec) {
    std::vector<std::string> problems;
    if (spec.sites.empty()) problems.emplace_back("a world needs at least one site");
    if (spec.horizon <= sim::Duration::zero()) problems.emplace_back("the horizon must be positive");
    std::set<std::string, std::less<>> site_ids;
    for (const SiteSpec& s : spec.sites) {
        const std::string at = "site " + s.id + ": ";
        if (s.id.empty()) problems.push_back("a site needs an id");
        if (!site_ids.insert(s.id).second) problems.push_back(at + "the id is used twice");
        if (s.kiosks.empty()) problems.push_back(at + "needs at least one kiosk");
        std::set<std::string, std::less<>> kiosk_ids;
        for (const KioskPlacement& k : s.kiosks)
            if (k.id.empty() || !kiosk_ids.insert(k.id).second) problems.push_back(at + "kiosk ids must be unique and not empty");
        for (double r : s.hourly_rate_per_h)
            if (!std::isfinite(r) || r < 0) problems.push_back(at + "hourly rates must be finite and not negative");
        for (double f : s.weekday_factor)
            if (!std::isfinite(f) || f < 0) problems.push_back(at + "weekday factors must be finite and not negative");
        if (s.service) {
            if (!(s.service->mean_min > 0)) problems.push_back(at + "the service mean must be positive");
            if (s.service->distribution != ServiceDistribution::exponential && !(s.service->sd_min > 0))
                problems.push_back(at + "the service sd must be positive");
        }
        if (!(s.patience_mean_min >= 0)) problems.push_back(at + "patience must not be negative");
        if (!(s.balk_queue_per_kiosk >= 0)) problems.push_back(at + "the balking threshold must not be negative");
        if (s.staff.refill_round < sim::Duration::zero()) problems.push_back(at + "the refill round must not be negative");
        if (!(s.staff.refill_below >= 0 && s.staff.refill_below <= 1))
            problems.push_back(at + "refill_below must be a fraction from 0 to 1");
        if (!s.hours.always_open) {
            if (!(s.hours.open_h >= 0 && s.hours.open_h < 24 && s.hours.close_h > s.hours.open_h && s.hours.close_h <= 24))
                problems.push_back(at + "opening hours must satisfy 0 <= open_h < close_h <= 24");
            auto quarter = [](double h) { return std::abs(h * 4 - std::round(h * 4)) < 1e-9; };
            if (!quarter(s.hours.open_h) || !quarter(s.hours.close_h))
                problems.push_back(at + "opening hours go in quarter hours (8.5 = 08:30)");
            if (s.hours.hours_per_week() <= 0) problems.push_back(at + "the site is never open");
        }
        double shares = 0;
        for (double x : s.personas.share) {
            if (!std::isfinite(x) || x < 0) problems.push_back(at + "persona shares must be finite and not negative");
            shares += x;
        }
        if (!(shares > 0)) problems.push_back(at + "at least one persona share must be positive");
        if (!(s.faults.mtbf_h >= 0)) problems.push_back(at + "the mean time between faults must not be negative");
        if (s.faults.mtbf_h > 0 && s.staff.technicians == 0)
            problems.push_back(at + "faults need at least one technician to repair them");
        for (double x : {s.faults.link_mtbf_h, s.faults.software_mtbf_h, s.faults.power_mtbf_h})
            if (!(x >= 0)) problems.push_back(at + "the mean time between outages must not be negative");
        if (!(s.faults.link_outage_mean_min > 0) || !(s.faults.power_outage_mean_min > 0))
            problems.push_back(at + "outages must last a positive mean time");
        for (const PlanProblem& p : world::check(s.plan, s.kiosks.size()))
            problems.push_back(at + "floor plan " + p.path + ": " + p.message);
    }
    for (std::size_t i = 0; i < spec.timeline.size(); ++i) {
        const TimelineEvent& e = spec.timeline[i];
        const Injection& a = e.action;
        const std::string at = "timeline event " + std::to_string(i + 1) + ": ";
        if (e.at < sim::Time{}) problems.push_back(at + "the time must not be negative");
        if (a.kind == InjectKind::caption) continue;
        if (a.site >= spec.sites.size()) problems.push_back(at + "no such site");
        else if (a.kind != InjectKind::gateway_outage && a.kiosk >= spec.sites[a.site].kiosks.size())
            problems.push_back(at + "no such kiosk");
        if (a.lasts < sim::Duration::zero()) problems.push_back(at + "a duration must not be negative");
        if (a.kind == InjectKind::gateway_outage && a.lasts <= sim::Duration::zero())
            problems.push_back(at + "a gateway outage needs a duration");
        if (a.kind == InjectKind::consumable && !(a.level >= 0 && a.level <= 1))
            problems.push_back(at + "a consumable level is a fraction from 0 to 1");
    }
    return problems;
}

namespace {

// Citizens come with ID cards still valid when the horizon ends.
protocol::CivilDate card_date(const WorldSpec& spec) {
    const sim::CivilTime c = spec.calendar.civil(sim::Time{spec.horizon});
    return {c.year, c.month, c.day};
}



// How a persona goes about a session and the floor (R-5-4): their mix,
// whether they ask for help (at once, or when stuck), how fast they walk,
// how often they leave their card on the reader.
struct Pace {
    SessionMix mix;
    double ask_help = 0;        // asks a 帮办 to come along from the start
    double ask_help_stuck = 0;  // stuck mid-session: asks for help rather than walking away
    double walk_mps = 1.3;      // metres a second
    double forget_card = 0;     // leaves the ID card on the reader
};

std::array<Pace, k_personas> paces_of(const SessionMix& base) {
    auto scaled = [&](double think, double walk, double accessible, double eid) {
        SessionMix m = base;
        m.think = std::chrono::duration_cast<sim::Duration>(base.think * think);
        m.walk_away = std::min(1.0, base.walk_away * walk);
        m.accessible = accessible < 0 ? base.accessible : accessible;
        m.eid_qr = base.eid_qr * eid;
        m.manual = base.manual * eid;
        return m;
    };
    std::array<Pace, k_personas> p;
    p[static_cast<std::size_t>(Persona::young)] = {scaled(1.0, 1.0, -1, 1.0), 0.02, 0.3, 1.3, 0.01};
    p[static_cast<std::size_t>(Persona::elderly)] = {scaled(3.0, 2.0, 0.6, 0.25), 0.5, 0.9, 0.8, 0.04};
    p[static_cast<std::size_t>(Persona::agent)] = {scaled(0.75, 0.5, 0.0, 1.0), 0.0, 0.2, 1.4, 0.0};
    p[static_cast<std::size_t>(Persona::first_time)] = {scaled(2.0, 2.5, -1, 0.5), 0.35, 0.7, 1.1, 0.02};
    return p;
}

// With a 帮办 at their side: the helper reads and points (half the reading
// time) and nobody is left stuck.
void with_helper(kiosk::CitizenScript& script) {
    script.think /= 2;
    script.walk_away_at = kiosk::Prompt::none;
}

// Helpers walk at an office pace.
constexpr double k_helper_mps = 1.2;

// The device faults that need a technician, by device kind (R-10.3-1):
// the fault injected, its severity and root cause.
struct FaultKind {
    const char* device;
    const char* fault;
    int severity;
};
constexpr FaultKind k_fault_kinds[] = {
    {"receipt_printer", "paper_jam", 3},
    {"a4_printer", "media_jam", 3},
    {"idcard_reader", "self_test_fail", 2},  // no real-name login by card
    {"face_camera", "absent", 2},            // no face match: no in-person items
};

// The longest a citizen plays a session, and then waits for the kiosk to
// wipe it and go home: far beyond any idle rule, so reaching it is a bug.
constexpr sim::Duration k_session_limit = std::chrono::hours(2);

}  // namespace

struct World::Impl {
    // One kiosk of a site: the rig, whether a citizen holds it, the line in
    // front of it (per-kiosk queues), whether it is down (dark, or its
    // program hung) and the outcome its last session recorded.
    struct Kiosk {
        std::unique_ptr<KioskRig> rig;
        std::unique_ptr<sim::Resource> line;  // per_kiosk only
        bool held = false;
        bool down = false;
        bool outage = false;  // a network, software or power outage under way
        std::optional<kiosk::SessionOutcome> last_outcome;
    };

    struct Site {
        Site(Impl& w, const SiteSpec& sp, std::size_t i)
            : spec(sp),
              index(i),
              arrivals(demand_profile(sp), w.spec.calendar),
              arrival_stream(w.sim.rng("site/" + sp.id + "/arrivals")),
              citizens(w.sim.seed(), servable(default_residents(), card_date(w.spec)), sp.mix),
              paces(paces_of(sp.mix)),
              helpers_free(sp.staff.helpers) {
            if (sp.service) service.emplace(*sp.service);
            if (sp.patience_mean_min > 0) patience.emplace(sp.patience_mean_min);
            double total = 0;
            for (double x : sp.personas.share) total += x;
            double acc = 0;
            for (std::size_t p = 0; p < k_personas; ++p) persona_cdf[p] = (acc += sp.personas.share[p] / total);
            if (sp.staff.technicians > 0)
                technicians = std::make_unique<sim::Resource>(w.sim, sim::ResourceOptions{.capacity = sp.staff.technicians});
            if (!sp.plan.empty()) {
                FloorPlan plan = sp.plan;
                if (plan.kiosks.empty()) plan.kiosks = row_of_kiosks(plan, sp.kiosks.size());
                map.emplace(plan);
                std::vector<WalkingMap::Place> areas, desks;
                for (std::size_t q = 0; q < map->queue_areas(); ++q) areas.push_back(map->queue_area(q));
                for (std::size_t d = 0; d < map->help_desks(); ++d) desks.push_back(map->help_desk(d));
                for (std::size_t e = 0; e < map->entrances(); ++e)
                    line_of_entrance.push_back(areas.empty() ? map->entrance(e) : map->nearest(map->entrance(e), areas));
                for (std::size_t k = 0; k < map->kiosks(); ++k)
                    desk_of_kiosk.push_back(desks.empty() ? map->entrance(0) : map->nearest(map->kiosk(k), desks));
            }
        }
        Persona draw_persona(sim::Rng& rng) const {
            const double u = rng.uniform01();
            std::size_t i = 0;
            while (i + 1 < k_personas && u >= persona_cdf[i]) ++i;
            return static_cast<Persona>(i);
        }
        // Metres between two places (zero without a plan).
        double metres(WalkingMap::Place a, WalkingMap::Place b) const noexcept { return map ? map->metres(a, b) : 0.0; }
        // Where the shared line forms for someone coming in by `entrance`:
        // the nearest queue area, else the entrance itself.
        WalkingMap::Place line_spot(WalkingMap::Place entrance) const { return map ? line_of_entrance[entrance.index] : entrance; }
        // Where a helper comes from to kiosk `k`: the nearest help desk, else the first entrance.
        WalkingMap::Place helper_spot(std::size_t k) const { return map ? desk_of_kiosk[k] : WalkingMap::Place{}; }
        const SiteSpec& spec;
        std::size_t index;
        std::vector<Kiosk> kiosks;
        std::unique_ptr<sim::Resource> shared;  // shared queue only
        sim::NhppArrivals arrivals;
        sim::Rng& arrival_stream;
        ScriptedCitizens citizens;
        std::array<Pace, k_personas> paces;
        std::array<double, k_personas> persona_cdf{};
        std::size_t helpers_free = 0;
        std::unique_ptr<sim::Resource> technicians;
        std::optional<ServiceSampler> service;
        std::optional<sim::Exponential> patience;
        std::optional<WalkingMap> map;
        std::vector<WalkingMap::Place> line_of_entrance;  // per entrance (with a map)
        std::vector<WalkingMap::Place> desk_of_kiosk;     // per kiosk (with a map)
        std::uint64_t arrived = 0;
    };

    Impl(World& owner, const WorldSpec& sp, std::uint32_t replication)
        : self(owner),
          spec(sp),
          sim(sim::SimulationOptions{.seed = sim::replication_seed(sp.seed, replication), .calendar = sp.calendar}),
          gateway(sim, gateway_config(sp, replication)) {
        if (const auto problems = check(sp); !problems.empty()) throw std::invalid_argument(problems.front());
        for (std::size_t i = 0; i < spec.sites.size(); ++i) {
            const SiteSpec& s = spec.sites[i];
            auto site = std::make_unique<Site>(*this, s, i);
            for (const KioskPlacement& k : s.kiosks) {
                KioskRigOptions o;
                o.seed = sim::derive_seed(sim.seed(), "site/" + s.id + "/kiosk/" + k.id);
                o.config.terminal_id = s.id + "-" + k.id;
                o.link = s.link;
                o.devices = k.devices;
                Kiosk kiosk;
                kiosk.rig = std::make_unique<KioskRig>(sim, gateway, std::move(o));
                if (s.queue == QueueDiscipline::per_kiosk)
                    kiosk.line = std::make_unique<sim::Resource>(sim, sim::ResourceOptions{.capacity = 1});
                site->kiosks.push_back(std::move(kiosk));
            }
            if (s.queue == QueueDiscipline::shared)
                site->shared = std::make_unique<sim::Resource>(sim, sim::ResourceOptions{.capacity = s.kiosks.size()});
            sites.push_back(std::move(site));
        }
        for (auto& site : sites)
            for (Kiosk& k : site->kiosks) {
                Kiosk* kp = &k;
                auto listen = [kp](KioskRig& rig) {
                    rig.kiosk().session_ended.connect([kp](const kiosk::SessionOutcome& o) { kp->last_outcome = o; });
                };
                listen(*k.rig);
                k.rig->rebooted.connect(listen);
            }
    }

    static server::Config gateway_config(const WorldSpec& sp, std::uint32_t replication) {
        server::Config c;
        c.seed = sim::replication_seed(sp.seed, replication);
        return c;
    }

    // The balking threshold of a line in front of `kiosks` kiosks (0: never).
    static std::optional<std::size_t> balk_at(const SiteSpec& s, std::size_t kiosks) {
        if (s.balk_queue_per_kiosk <= 0) return std::nullopt;
        return static_cast<std::size_t>(std::ceil(s.balk_queue_per_kiosk * static_cast<double>(kiosks)));
    }

    // Waits until the kiosk shows its home page again (or is out of service).
    sim::Process<void> until_home(KioskRig& rig, sim::Time deadline) {
        kiosk::Ui& ui = rig.ui();
        while (ui.screen().page != "home" && ui.screen().prompt != kiosk::Prompt::out_of_service && sim.now() < deadline)
            co_await ui.wait_screen(ui.screen().seq, deadline - sim.now());
    }

    // The catalogue as the site's kiosks show it (the platform's, the same
    // on every kiosk); null while none has fetched it yet (just after boot).
    static std::shared_ptr<const kiosk::CatalogueSnapshot> catalogue_of(Site& site) {
        for (Kiosk& k : site.kiosks)
            if (auto snap = k.rig->kiosk().catalogue().snapshot(); snap && !snap->items.empty()) return snap;
        return nullptr;
    }

    // Whether kiosk `k` is fitted with every device `item` needs (R-7.2-2).
    static bool fitted_for(Kiosk& k, const kiosk::KioskItem& item) {
        return std::all_of(item.peripherals.begin(), item.peripherals.end(),
                           [&](const std::string& kind) { return k.rig->device(kind) != nullptr; });
    }

    // A per-kiosk line by the site's rule (KioskChoice), seen from `from`.
    std::size_t choose_line(Site& site, WalkingMap::Place from, const kiosk::KioskItem* item) const {
        std::vector<std::size_t> candidates;
        if (site.spec.choice == KioskChoice::device && item != nullptr)
            for (std::size_t k = 0; k < site.kiosks.size(); ++k)
                if (fitted_for(site.kiosks[k], *item)) candidates.push_back(k);
        if (candidates.empty())
            for (std::size_t k = 0; k < site.kiosks.size(); ++k) candidates.push_back(k);
        auto length = [&](std::size_t k) {
            const sim::Resource& l = *site.kiosks[k].line;
            return l.queue_length() + l.in_use();
        };
        auto metres = [&](std::size_t k) { return site.map ? site.metres(from, site.map->kiosk(k)) : 0.0; };
        const bool nearest_first = site.spec.choice == KioskChoice::nearest;
        return *std::min_element(candidates.begin(), candidates.end(), [&](std::size_t a, std::size_t b) {
            if (nearest_first) return std::tuple(metres(a), length(a), a) < std::tuple(metres(b), length(b), b);
            return std::tuple(length(a), metres(a), a) < std::tuple(length(b), metres(b), b);
        });
    }

    // Where a citizen is, for viewers (on_floor()).
    CitizenOnFloor& floor_of(const CitizenRecord& rec) { return floor[{rec.site, rec.citizen}]; }
    void stand(const CitizenRecord& rec, CitizenPhase phase, WalkingMap::Place at, std::optional<std::size_t> kiosk = {}) {
        CitizenOnFloor& f = floor_of(rec);
        f.phase = phase;
        if (kiosk) f.kiosk = kiosk;
        f.from = f.to = at;
        f.since = f.until = sim.now();
    }

    // A walk from one place to another at `mps`, seen as `phase`.
    sim::Process<void> walk(Site& site, CitizenRecord& rec, WalkingMap::Place from, WalkingMap::Place to, double mps,
                            CitizenPhase phase) {
        const double m = site.metres(from, to);
        const sim::Duration d = m > 0 ? sim::from_seconds(m / mps) : sim::Duration::zero();
        CitizenOnFloor& f = floor_of(rec);
        f.phase = phase;
        f.from = from;
        f.to = to;
        f.since = sim.now();
        f.until = sim.now() + d;
        if (m <= 0) co_return;
        rec.walked_m += m;
        rec.walking += d;
        co_await sim.delay(d);
    }

    // A helper goes back to their desk and is free again.
    sim::Process<void> helper_returns(Site& site, sim::Duration walk_back) {
        co_await sim.delay(walk_back);
        ++site.helpers_free;
    }

    // Takes a free helper to kiosk `k`: the time they need to get there.
    sim::Duration call_helper(Site& site, std::size_t k) {
        --site.helpers_free;
        return site.map ? sim::from_seconds(site.metres(site.helper_spot(k), site.map->kiosk(k)) / k_helper_mps)
                        : sim::Duration::zero();
    }

    sim::Process<void> visit(Site& site, std::uint64_t n) {
        ++inside;
        // Everything this citizen is, from their own stream, in a fixed order.
        sim::Rng rng(sim::derive_seed(sim.seed(), "site/" + site.spec.id + "/citizen/" + std::to_string(n)));
        CitizenRecord rec;
        rec.citizen = n;
        rec.site = site.index;
        rec.arrived = sim.now();
        rec.persona = site.draw_persona(rng);
        const Pace& pace = site.paces[static_cast<std::size_t>(rec.persona)];
        std::optional<sim::Duration> intended;
        if (site.service)
            intended = sim::from_minutes((*site.service)(rng));
        sim::Request req;
        if (site.patience) req.patience = sim::from_minutes((*site.patience)(rng));
        rec.asked_help = rng.uniform01() < pace.ask_help;
        const std::size_t cases = rec.persona == Persona::agent ? 2 + rng.below(3) : 1;
        const std::size_t door = site.map ? rng.below(site.map->entrances()) : 0;
        CitizenOnFloor& seen = floor[{site.index, n}];
        seen.citizen = n;
        seen.site = site.index;
        seen.persona = rec.persona;
        const bool forgets = rng.uniform01() < pace.forget_card;
        const bool asks_when_stuck = rng.uniform01() < pace.ask_help_stuck;
        // What they came for (the first case) is known on the way in: it
        // decides the kiosk when kiosks differ in their devices.
        std::optional<ScriptedCitizens::Visit> first;
        const auto catalogue = catalogue_of(site);
        if (catalogue) first = site.citizens.draw(rng, *catalogue, gateway.state().identity, sim.now(), pace.mix);
        const kiosk::KioskItem* item =
            first && catalogue && first->script.service == "handle" ? catalogue->find(first->script.item_code) : nullptr;

        // In, and to the line: the shared one (at its queue area), or the
        // one of the kiosk picked by the site's rule.
        const WalkingMap::Place entrance = site.map ? site.map->entrance(door) : WalkingMap::Place{};
        sim::Resource* line = site.shared.get();
        std::size_t chosen = 0;
        WalkingMap::Place spot = entrance;
        if (line) {
            req.balk_at_queue_length = balk_at(site.spec, site.kiosks.size());
            spot = site.line_spot(entrance);
        } else {
            chosen = choose_line(site, entrance, item);
            line = site.kiosks[chosen].line.get();
            req.balk_at_queue_length = balk_at(site.spec, 1);
            if (site.map) spot = site.map->kiosk(chosen);
        }
        co_await walk(site, rec, entrance, spot, pace.walk_mps, CitizenPhase::walking_in);
        rec.queue_on_arrival = line->queue_length();
        stand(rec, CitizenPhase::waiting, spot);
        auto slot = co_await line->acquire(req);
        rec.waited = slot.waited();
        if (!slot) {
            rec.fate = slot.status() == sim::GrantStatus::balked ? CitizenFate::balked : CitizenFate::reneged;
            co_await walk(site, rec, spot, entrance, pace.walk_mps, CitizenPhase::walking_out);
            leave(rec);
            co_return;
        }
        const sim::Time start = sim.now();
        if (site.shared) {  // called to a free kiosk that works: the nearest to the line, then the lowest number
            std::optional<std::size_t> best;
            for (std::size_t k = 0; k < site.kiosks.size(); ++k) {
                if (site.kiosks[k].held || site.kiosks[k].down) continue;
                if (!best || (site.map && site.metres(spot, site.map->kiosk(k)) < site.metres(spot, site.map->kiosk(*best))))
                    best = k;
            }
            if (!best)  // every free kiosk is down: the capacity bookkeeping lags a kiosk that just went dark
                for (std::size_t k = 0; k < site.kiosks.size() && !best; ++k)
                    if (!site.kiosks[k].held) best = k;
            chosen = *best;
            site.kiosks[chosen].held = true;  // called: the kiosk waits for them
            floor_of(rec).kiosk = chosen;
            if (site.map) co_await walk(site, rec, spot, site.map->kiosk(chosen), pace.walk_mps, CitizenPhase::walking_to_kiosk);
        }
        Kiosk& kiosk = site.kiosks[chosen];
        kiosk.held = true;
        stand(rec, CitizenPhase::at_kiosk, site.map ? site.map->kiosk(chosen) : spot, chosen);
        KioskRig& rig = *kiosk.rig;
        rec.kiosk = rig.terminal_id();
        if (rig.idcard() != nullptr && rig.idcard()->card()) {  // someone's card left on the reader: handed in
            rig.hands().remove_card();
            rec.found_card = true;
        }
        sim::Duration helper_walk{};
        if (rec.asked_help && site.helpers_free > 0) {  // a 帮办 comes over (R-10.2-1)
            helper_walk = call_helper(site, chosen);
            rec.helped = floor_of(rec).helped = true;
            co_await sim.delay(helper_walk);
        }
        // A long wait sours the rating: beyond 10 min, up to 60 % of
        // ratings become 差评 for slow handling (R-11.3-1).
        const double soured = std::clamp((sim::to_minutes(rec.waited) - 10.0) / 50.0, 0.0, 0.6);

        const sim::Time at_kiosk = sim.now();
        for (std::size_t c = 0; c < cases; ++c) {
            kiosk.last_outcome.reset();
            const sim::Time begun = sim.now();
            const sim::Time deadline = begun + k_session_limit;
            static const kiosk::CatalogueSnapshot k_no_catalogue{};
            ScriptedCitizens::Visit v;
            if (c == 0 && first) {
                v = std::move(*first);
            } else {
                const auto snapshot = rig.kiosk().catalogue().snapshot();
                v = site.citizens.draw(rng, snapshot ? *snapshot : k_no_catalogue, gateway.state().identity, begun, pace.mix);
            }
            if (rec.helped) with_helper(v.script);
            if (c + 1 == cases && forgets && v.script.login == "id_card") v.script.forget_card = true;
            v.script.return_when_stuck = true;
            if (rng.uniform01() < soured && v.script.rating >= 3) {
                v.script.rating = 2;
                v.script.reasons = "efficiency";
            }
            kiosk::CitizenResult played =
                co_await kiosk::run_citizen(rig.ui(), rig.hands(), v.who, v.script, k_session_limit);
            if (played.walked_away && asks_when_stuck && !rec.helped && site.helpers_free > 0) {
                // Stuck: they wave for a 帮办, who walks over; together they
                // go on from where they stopped (or start again if the
                // kiosk's idle rule wiped the session meanwhile).
                helper_walk = call_helper(site, chosen);
                rec.helped = rec.helped_when_stuck = floor_of(rec).helped = true;
                co_await sim.delay(helper_walk);
                with_helper(v.script);
                if (!kiosk.last_outcome && rig.ui().screen().prompt != kiosk::Prompt::out_of_service) {
                    played = co_await kiosk::resume_citizen(rig.ui(), rig.hands(), v.who, v.script, k_session_limit);
                } else if (kiosk.last_outcome) {
                    rec.outcomes.push_back(*kiosk.last_outcome);
                    kiosk.last_outcome.reset();
                    played = co_await kiosk::run_citizen(rig.ui(), rig.hands(), v.who, v.script, k_session_limit);
                }
            }
            if (!played.finished) co_await until_home(rig, deadline);  // walked away: the idle rule ends it
            if (kiosk.last_outcome) rec.outcomes.push_back(*kiosk.last_outcome);
            if (!played.finished || !rig.powered()) break;
        }
        rec.forgot_card = forgets && rig.idcard() != nullptr && rig.idcard()->card().has_value();
        rec.session = sim.now() - at_kiosk;
        if (intended && rig.powered() && sim.now() < start + *intended) co_await sim.delay_until(start + *intended);
        rec.held = sim.now() - start;
        rec.fate = CitizenFate::served;
        if (rec.helped) sim.spawn(helper_returns(site, helper_walk));
        kiosk.held = false;
        slot.release();
        if (site.map) co_await walk(site, rec, site.map->kiosk(chosen), entrance, pace.walk_mps, CitizenPhase::walking_out);
        leave(rec);
    }

    // Reported: the first time the platform's terminal registry shows
    // `seen` (looked at each minute, as the operations desk does); a fault
    // nobody sees within 8 h is reported by the staff.
    template <class Seen>
    sim::Process<void> until_reported(Seen seen) {
        const sim::Time give_up = sim.now() + std::chrono::hours(8);
        while (!seen() && sim.now() < give_up) co_await sim.delay(std::chrono::minutes(1));
    }

    const services::terminals::Terminal* terminal(KioskRig& rig) { return gateway.state().terminals.find(rig.terminal_id()); }

    // Ticket bookkeeping: every stage is kept for viewers (open_tickets()).
    void raise(TicketRecord& t) {
        t.number = ++tickets_raised;
        t.stage = TicketStage::occurred;
        ++open_tickets;
        tickets[t.number] = t;
    }
    void stage(TicketRecord& t, TicketStage st) {
        t.stage = st;
        if (st != TicketStage::resolved) {
            tickets[t.number] = t;
            return;
        }
        tickets.erase(t.number);
        --open_tickets;
        self.ticket_closed.emit(t);
    }
    void withdraw(const TicketRecord& t) {  // over before anyone noticed
        tickets.erase(t.number);
        --open_tickets;
    }

    // Device faults on one kiosk and the tickets they raise (R-10.3-1): a
    // fault strikes a fitted device, the platform sees it in the kiosk's
    // heartbeat, a technician acknowledges, travels and repairs.
    sim::Process<void> device_faults(Site& site, std::size_t k) {
        KioskRig& rig = *site.kiosks[k].rig;
        sim::Rng rng(sim::derive_seed(sim.seed(), "site/" + site.spec.id + "/kiosk/" + site.spec.kiosks[k].id + "/faults"));
        sim::Exponential between(site.spec.faults.mtbf_h);
        std::vector<const FaultKind*> fitted;
        for (const FaultKind& f : k_fault_kinds)
            if (rig.device(f.device) != nullptr) fitted.push_back(&f);
        if (fitted.empty()) co_return;
        for (std::uint64_t n = 1;; ++n) {
            co_await sim.delay(sim::from_hours(between(rng)));
            const FaultKind& f = *fitted[rng.below(fitted.size())];
            const double travel_u = rng.uniform01(), repair_u = rng.uniform01();
            const std::string rule = "ticket-" + std::to_string(n);
            if (!rig.act(f.device, {{"action", "inject_fault"}, {"fault", f.fault}, {"id", rule}}).ok) co_return;
            co_await device_ticket(site, k, f.device, f.fault, f.severity, rule, travel_u, repair_u);
        }
    }

    // The ticket of a device fault already injected under the rule `rule`:
    // reported when the platform sees the peripheral not ok, then dispatch,
    // a technician's travel and repair (quantiles travel_u, repair_u).
    sim::Process<void> device_ticket(Site& site, std::size_t k, std::string device, std::string fault, int severity,
                                     std::string rule, double travel_u, double repair_u) {
        KioskRig& rig = *site.kiosks[k].rig;
        TicketRecord t;
        t.site = site.index;
        t.kiosk = rig.terminal_id();
        t.device = device;
        t.fault = fault;
        t.severity = severity;
        t.occurred = sim.now();
        raise(t);
        const std::string pid = device + "-1";
        co_await until_reported([&] {
            const services::terminals::Terminal* term = terminal(rig);
            const services::terminals::Peripheral* p = term ? term->peripheral(pid) : nullptr;
            return p != nullptr && p->state != services::terminals::PeripheralState::ok;
        });
        t.reported = sim.now();
        stage(t, TicketStage::reported);
        co_await sim.delay(site.spec.staff.dispatch);
        auto tech = co_await site.technicians->acquire();
        t.acknowledged = sim.now();
        stage(t, TicketStage::acknowledged);
        co_await sim.delay(std::chrono::duration_cast<sim::Duration>(site.spec.staff.travel * -std::log1p(-travel_u)));
        t.arrived = sim.now();
        stage(t, TicketStage::arrived);
        co_await sim.delay(std::chrono::duration_cast<sim::Duration>(site.spec.staff.repair * -std::log1p(-repair_u)));
        rig.act(device, {{"action", "clear_fault"}, {"id", rule}});
        t.resolved = sim.now();
        tech.release();
        stage(t, TicketStage::resolved);
    }

    // A kiosk goes down (dark or hung): citizens are not called to it and
    // its line stops (set_capacity); back up, both return.
    void set_down(Site& site, std::size_t k, bool down) {
        Kiosk& kiosk = site.kiosks[k];
        if (kiosk.down == down) return;
        kiosk.down = down;
        sim::Resource& r = site.shared ? *site.shared : *kiosk.line;
        r.set_capacity(down ? r.capacity() - 1 : r.capacity() + 1);
    }

    enum class Outage { network, software, power };

    // Outages of one kind on one kiosk and their tickets (R-10.3-1 root
    // causes network, software, power), each handled remotely: the
    // operations desk sees the terminal offline in the registry (missed
    // heartbeats: reported), takes the ticket after the dispatch time
    // (acknowledged; no travel, so arrived = acknowledged), and it is
    // resolved when the platform sees the terminal online again:
    //  - network: the link black-holes (a Toxiproxy timeout toxic) until the
    //    carrier restores it, exponential with the site's mean;
    //  - software: the program hangs (dark to the citizen) until the desk
    //    restarts it remotely on acknowledging;
    //  - power: the kiosk goes dark until power returns (exponential), then boots.
    // An outage over before anyone saw it raises no ticket.
    sim::Process<void> outages(Site& site, std::size_t k, Outage kind) {
        KioskRig& rig = *site.kiosks[k].rig;
        const FaultSpec& f = site.spec.faults;
        static constexpr const char* k_names[] = {"network", "software", "power"};
        const char* name = k_names[static_cast<int>(kind)];
        sim::Rng rng(sim::derive_seed(sim.seed(),
                                      "site/" + site.spec.id + "/kiosk/" + site.spec.kiosks[k].id + "/outages/" + name));
        const double mtbf = kind == Outage::network ? f.link_mtbf_h : kind == Outage::software ? f.software_mtbf_h : f.power_mtbf_h;
        const double mean_min = kind == Outage::network ? f.link_outage_mean_min : f.power_outage_mean_min;
        sim::Exponential between(mtbf);
        for (std::uint64_t n = 1;; ++n) {
            co_await sim.delay(sim::from_hours(between(rng)));
            const sim::Duration lasts = sim::from_minutes(mean_min * -std::log1p(-rng.uniform01()));
            Kiosk& kiosk = site.kiosks[k];
            // One outage at a time: a kiosk already dark or cut off cannot
            // lose what it has lost (nor would anyone tell the two apart).
            if (kiosk.outage || !rig.powered() || !gateway.state().terminals.online(rig.terminal_id(), sim.now())) continue;
            kiosk.outage = true;
            TicketRecord t;
            t.site = site.index;
            t.kiosk = rig.terminal_id();
            t.device = kind == Outage::network ? "link" : "kiosk";
            t.fault = kind == Outage::network ? "black_hole" : kind == Outage::software ? "hang" : "power_cut";
            t.root_cause = name;
            t.severity = kind == Outage::software ? 3 : 2;
            t.occurred = sim.now();
            raise(t);
            const std::string toxic = "outage-" + std::to_string(n);
            if (kind == Outage::network) {
                if (rig.link() == nullptr) {  // a perfect path never fails
                    withdraw(t);
                    kiosk.outage = false;
                    co_return;
                }
                rig.link()->add_toxic(link::ToxicSpec::from_json({{"name", toxic},
                                                                  {"type", "timeout"},
                                                                  {"stream", "upstream"},
                                                                  {"toxicity", 1.0},
                                                                  {"attributes", {{"timeout", 0}}}}),
                                      sim.now());
            } else {
                rig.power_off();
                set_down(site, k, true);
            }
            const sim::Time restored = sim.now() + lasts;
            auto restore = [&] {
                if (kind == Outage::network) rig.link()->remove_toxic(toxic, sim.now());
                else {
                    rig.power_on();
                    set_down(site, k, false);
                }
            };
            // Seen offline (looked at each minute), unless it comes back by
            // itself first (power and network do; a hang does not).
            const std::string id = rig.terminal_id();
            const bool heals = kind != Outage::software;
            while (gateway.state().terminals.online(id, sim.now()) && !(heals && sim.now() >= restored))
                co_await sim.delay(heals ? std::min<sim::Duration>(std::chrono::minutes(1), restored - sim.now())
                                         : sim::Duration(std::chrono::minutes(1)));
            if (gateway.state().terminals.online(id, sim.now())) {  // over before anyone noticed
                restore();
                withdraw(t);
                kiosk.outage = false;
                continue;
            }
            t.reported = sim.now();
            stage(t, TicketStage::reported);
            co_await sim.delay(site.spec.staff.dispatch);
            t.acknowledged = t.arrived = sim.now();
            stage(t, TicketStage::arrived);
            // A hang ends with the remote restart now; power and network when they come back.
            if (kind != Outage::software && sim.now() < restored) co_await sim.delay_until(restored);
            restore();
            while (!gateway.state().terminals.online(id, sim.now())) co_await sim.delay(std::chrono::seconds(10));
            t.resolved = sim.now();
            kiosk.outage = false;
            stage(t, TicketStage::resolved);
        }
    }

    // Injections on the spot (the panel) or at a set time (the timeline).
    std::string inject(const Injection& a) {
        if (a.kind == InjectKind::caption) return {};
        if (a.kind == InjectKind::gateway_outage) {
            if (a.lasts <= sim::Duration::zero()) return "a gateway outage needs a duration";
            gateway.crash_for(a.lasts);
            return {};
        }
        if (a.site >= sites.size()) return "no site " + std::to_string(a.site + 1) + " (the world has " + std::to_string(sites.size()) + ")";
        Site& site = *sites[a.site];
        if (a.kiosk >= site.kiosks.size())
            return "site " + site.spec.id + " has no kiosk " + std::to_string(a.kiosk + 1) + " (it has " +
                   std::to_string(site.kiosks.size()) + ")";
        Kiosk& kiosk = site.kiosks[a.kiosk];
        KioskRig& rig = *kiosk.rig;
        const std::string& name = rig.terminal_id();
        const std::string n = std::to_string(++injections);
        auto fitted = [&](std::string_view kind) -> devices::Device* { return rig.device(kind); };
        switch (a.kind) {
        case InjectKind::device_fault: {
            devices::Device* d = fitted(a.device);
            if (d == nullptr) return name + " has no " + a.device;
            const auto& known = d->faults().known_faults();
            if (std::find(known.begin(), known.end(), a.fault) == known.end()) {
                std::string list;
                for (const auto& f : known) list += (list.empty() ? "" : ", ") + f;
                return a.device + " knows no fault \"" + a.fault + "\" (known: " + list + ")";
            }
            const std::string rule = "inject-" + n;
            if (const auto r = rig.act(a.device, {{"action", "inject_fault"}, {"fault", a.fault}, {"id", rule}}); !r.ok)
                return r.error;
            int severity = 3;
            for (const FaultKind& f : k_fault_kinds)
                if (a.device == f.device && a.fault == f.fault) severity = f.severity;
            sim::Rng& rng = sim.rng("injections");
            const double travel_u = rng.uniform01(), repair_u = rng.uniform01();
            if (site.technicians) sim.spawn(device_ticket(site, a.kiosk, a.device, a.fault, severity, rule, travel_u, repair_u));
            return {};
        }
        case InjectKind::clear_faults: {
            if (fitted(a.device) == nullptr) return name + " has no " + a.device;
            const auto r = rig.act(a.device, {{"action", "clear_fault"}});
            return r.ok ? std::string() : r.error;
        }
        case InjectKind::consumable: {
            if (!(a.level >= 0 && a.level <= 1)) return "a consumable level is a fraction from 0 to 1";
            const bool receipt = a.consumable == "receipt_paper";
            if (!receipt && a.consumable != "a4_paper" && a.consumable != "toner")
                return "no consumable \"" + a.consumable + "\" (known: receipt_paper, a4_paper, toner)";
            const char* kind = receipt ? "receipt_printer" : "a4_printer";
            if (fitted(kind) == nullptr) return name + " has no " + kind;
            const auto d = rig.act(kind, {{"action", "describe"}});
            const nlohmann::json st = d.ok ? d.data.value("state", nlohmann::json::object()) : nlohmann::json::object();
            devices::ActionResult r;
            if (receipt) r = rig.act(kind, {{"action", "set_paper"}, {"mm", a.level * st.value("roll_mm", 0.0)}});
            else if (a.consumable == "a4_paper")
                r = rig.act(kind, {{"action", "set_consumables"},
                                   {"sheets", static_cast<int>(std::lround(a.level * st.value("tray_capacity", 0)))}});
            else r = rig.act(kind, {{"action", "set_consumables"}, {"toner_pct", a.level * 100.0}});
            return r.ok ? std::string() : r.error;
        }
        case InjectKind::toxic: {
            if (rig.link() == nullptr) return name + " has no link model (the site's \"link\" is off)";
            static const std::map<std::string, std::string, std::less<>> k_attribute{
                {"latency", "latency"}, {"bandwidth", "rate"},      {"slow_close", "delay"},  {"timeout", "timeout"},
                {"reset_peer", "timeout"}, {"slicer", "average_size"}, {"limit_data", "bytes"}};
            const auto attr = k_attribute.find(a.toxic);
            if (attr == k_attribute.end())
                return "no toxic \"" + a.toxic + "\" (known: latency, bandwidth, slow_close, timeout, reset_peer, slicer, limit_data)";
            const std::string toxic = "injected-" + n;
            nlohmann::json attributes = nlohmann::json::object();
            if (attr->second == "average_size" || attr->second == "bytes")
                attributes[attr->second] = static_cast<std::int64_t>(std::max(a.toxic == "slicer" ? 1.0 : 0.0, a.value));
            else attributes[attr->second] = a.value;
            // A black hole or a reset holds the kiosk's requests; the rest shape the answers.
            const bool upstream = a.toxic == "timeout" || a.toxic == "reset_peer";
            try {
                rig.link()->add_toxic(link::ToxicSpec::from_json({{"name", toxic},
                                                                  {"type", a.toxic},
                                                                  {"stream", upstream ? "upstream" : "downstream"},
                                                                  {"toxicity", 1.0},
                                                                  {"attributes", attributes}}),
                                      sim.now());
            } catch (const std::exception& e) {
                return e.what();
            }
            if (a.lasts > sim::Duration::zero()) sim.spawn(remove_toxic_after(rig, toxic, a.lasts));
            return {};
        }
        case InjectKind::clear_toxics: {
            if (rig.link() == nullptr) return name + " has no link model";
            std::vector<std::string> names;
            for (const link::ToxicSpec* t : rig.link()->toxics()) names.push_back(t->name);
            for (const std::string& t : names) rig.link()->remove_toxic(t, sim.now());
            return {};
        }
        case InjectKind::power_cut:
            if (!rig.powered()) return name + " is dark already";
            rig.power_off();
            set_down(site, a.kiosk, true);
            if (a.lasts > sim::Duration::zero()) sim.spawn(power_on_after(site, a.kiosk, a.lasts));
            return {};
        case InjectKind::power_on:
            if (rig.powered()) return name + " has power";
            rig.power_on();
            set_down(site, a.kiosk, false);
            return {};
        case InjectKind::caption:
        case InjectKind::gateway_outage: break;
        }
        return {};
    }

    sim::Process<void> remove_toxic_after(KioskRig& rig, std::string toxic, sim::Duration after) {
        co_await sim.delay(after);
        for (const link::ToxicSpec* t : rig.link()->toxics())
            if (t->name == toxic) {
                rig.link()->remove_toxic(toxic, sim.now());
                break;
            }
    }

    sim::Process<void> power_on_after(Site& site, std::size_t k, sim::Duration after) {
        co_await sim.delay(after);
        KioskRig& rig = *site.kiosks[k].rig;
        if (rig.powered()) co_return;
        rig.power_on();
        set_down(site, k, false);
    }

    // The scenario's timeline: each event at its time, in order.
    sim::Process<void> timeline() {
        std::vector<const TimelineEvent*> events;
        for (const TimelineEvent& e : spec.timeline) events.push_back(&e);
        std::stable_sort(events.begin(), events.end(), [](const auto* a, const auto* b) { return a->at < b->at; });
        for (const TimelineEvent* e : events) {
            if (e->at > sim.now()) co_await sim.delay_until(e->at);
            const std::string error = inject(e->action);
            self.timeline_fired.emit(*e, error);
        }
    }

    void leave(const CitizenRecord& rec) {
        floor.erase({rec.site, rec.citizen});
        --inside;
        last_left = sim.now();
        self.citizen_left.emit(rec);
    }

    // The consumables round (R-10.2-1): what the staff see on each kiosk
    // (the devices' own state, as the control API describes it) and refill.
    void refill(Site& site, KioskRig& rig) {
        const double below = site.spec.staff.refill_below;
        auto state_of = [&](std::string_view kind) -> nlohmann::json {
            if (rig.device(kind) == nullptr) return nullptr;
            const devices::ActionResult d = rig.act(kind, {{"action", "describe"}});
            return d.ok ? d.data.value("state", nlohmann::json()) : nlohmann::json();
        };
        auto done = [&](const char* consumable, double level, std::string_view kind, const nlohmann::json& action) {
            if (rig.act(kind, action).ok)
                self.refilled.emit(RefillRecord{site.index, rig.terminal_id(), consumable, level, sim.now()});
        };
        if (const auto r = state_of("receipt_printer"); r.is_object() && r.value("roll_mm", 0.0) > 0) {
            const double level = std::max(0.0, r.value("paper_mm", 0.0)) / r["roll_mm"].get<double>();
            if (level < below) done("receipt_paper", level, "receipt_printer", {{"action", "refill_paper"}});
        }
        if (const auto a = state_of("a4_printer"); a.is_object() && a.value("tray_capacity", 0) > 0) {
            const double sheets = static_cast<double>(a.value("sheets", 0)) / a["tray_capacity"].get<double>();
            if (sheets < below) done("a4_paper", sheets, "a4_printer", {{"action", "load_paper"}});
            const double toner = a.value("toner_pct", 100.0) / 100.0;
            if (toner < below) done("toner", toner, "a4_printer", {{"action", "replace_toner"}});
        }
    }

    sim::Process<void> refill_round(Site& site) {
        const sim::Duration every = site.spec.staff.refill_round;
        for (;;) {
            co_await sim.delay(every);
            for (Kiosk& k : site.kiosks) refill(site, *k.rig);
        }
    }

    sim::Process<void> arrive(Site& site) {
        const sim::Time end = sim::Time{spec.horizon};
        for (;;) {
            const auto t = site.arrivals.next(sim.now(), site.arrival_stream);
            if (!t || *t >= end) co_return;
            co_await sim.delay_until(*t);
            // The profile's rate holds for a whole hour a site opens or
            // closes in; the doors thin it to the minutes open (R-5-3).
            const int how = spec.calendar.hour_of_week(*t);
            if (!site.spec.hours.open_at(how / 24, (how % 24) * 60 + spec.calendar.civil(*t).minute)) continue;
            ++site.arrived;
            sim.spawn(visit(site, site.arrived));
        }
    }

    World& self;
    WorldSpec spec;
    sim::Simulation sim;
    VirtualGateway gateway;
    std::vector<std::unique_ptr<Site>> sites;
    std::uint64_t inside = 0;
    std::map<std::pair<std::size_t, std::uint64_t>, CitizenOnFloor> floor;  // citizens inside, for viewers
    std::uint64_t open_tickets = 0;
    std::uint64_t tickets_raised = 0;
    std::map<std::uint64_t, TicketRecord> tickets;  // open, by number, for viewers
    std::uint64_t injections = 0;
    sim::Time last_left{};
    bool started = false;
    bool finished = false;
};

World::World(const WorldSpec& spec, std::uint32_t replication) : m(std::make_unique<Impl>(*this, spec, replication)) {}

World::~World() = default;

sim::Simulation& World::simulation() noexcept { return m->sim; }
VirtualGateway& World::gateway() noexcept { return m->gateway; }
std::uint64_t World::seed() const noexcept { return m->sim.seed(); }

KioskRig& World::kiosk(std::size_t s, std::size_t k) { return *m->sites.at(s)->kiosks.at(k).rig; }

const WorldSpec& World::spec() const noexcept { return m->spec; }

const WalkingMap* World::walking_map(std::size_t s) const {
    const auto& site = *m->sites.at(s);
    return site.map ? &*site.map : nullptr;
}

void World::visit_floor(const std::function<void(const CitizenOnFloor&)>& visit) const {
    for (const auto& [key, c] : m->floor) visit(c);
}

std::size_t World::inside() const noexcept { return m->floor.size(); }

std::vector<CitizenOnFloor> World::on_floor() const {
    std::vector<CitizenOnFloor> out;
    out.reserve(m->floor.size());
    for (const auto& [key, c] : m->floor) out.push_back(c);
    return out;
}

KioskState World::kiosk_state(std::size_t s, std::size_t k) {
    Impl::Kiosk& kiosk = m->sites.at(s)->kiosks.at(k);
    KioskRig& rig = *kiosk.rig;
    if (!rig.powered() || !m->gateway.state().terminals.online(rig.terminal_id(), m->sim.now())) return KioskState::offline;
    bool degraded = false;
    for (const kiosk::Driver* d : rig.kiosk().drivers()) {
        const devices::Health h = d->status().health;
        if (h == devices::Health::fault) return KioskState::fault;
        degraded |= h != devices::Health::ok;
    }
    if (kiosk.held) return KioskState::in_session;
    return degraded ? KioskState::degraded : KioskState::idle;
}

bool World::started() const noexcept { return m->started; }
std::size_t World::sites() const noexcept { return m->sites.size(); }
std::size_t World::kiosks(std::size_t s) const { return m->sites.at(s)->kiosks.size(); }
std::string World::inject(const Injection& what) { return m->inject(what); }

std::vector<TicketRecord> World::open_tickets() const {
    std::vector<TicketRecord> out;
    out.reserve(m->tickets.size());
    for (const auto& [n, t] : m->tickets) out.push_back(t);
    return out;
}

void World::start() {
    if (m->started) throw std::logic_error("World::start: a world starts once");
    m->started = true;
    sim::Simulation& sim = m->sim;
    for (auto& site : m->sites) {
        for (auto& k : site->kiosks) k.rig->start();
        sim.spawn(m->arrive(*site));
        if (site->spec.staff.refill_round > sim::Duration::zero()) sim.spawn(m->refill_round(*site));
        if (site->spec.faults.mtbf_h > 0)
            for (std::size_t k = 0; k < site->kiosks.size(); ++k) sim.spawn(m->device_faults(*site, k));
        const FaultSpec& f = site->spec.faults;
        for (std::size_t k = 0; k < site->kiosks.size(); ++k) {
            if (f.link_mtbf_h > 0) sim.spawn(m->outages(*site, k, Impl::Outage::network));
            if (f.software_mtbf_h > 0) sim.spawn(m->outages(*site, k, Impl::Outage::software));
            if (f.power_mtbf_h > 0) sim.spawn(m->outages(*site, k, Impl::Outage::power));
        }
    }
    if (!m->spec.timeline.empty()) sim.spawn(m->timeline());
}

void World::advance_to(sim::Time t) {
    if (!m->started) start();
    if (t > m->sim.now()) m->sim.run_until(t);
}

WorldRunInfo World::run() {
    if (m->started) throw std::logic_error("World::run: a world runs once");
    start();
    return finish();
}

WorldRunInfo World::finish() {
    if (m->finished) throw std::logic_error("World::finish: a world finishes once");
    m->finished = true;
    if (!m->started) start();
    sim::Simulation& sim = m->sim;
    if (sim.now() < sim::Time{m->spec.horizon}) sim.run_until(sim::Time{m->spec.horizon});

    WorldRunInfo info;
    for (auto& site : m->sites) {
        info.arrivals += site->arrived;
        if (site->shared) {
            info.utilisation.push_back(site->shared->utilisation());
            info.mean_queue_length.push_back(site->shared->mean_queue_length());
        } else {
            double busy = 0, queued = 0;
            for (auto& k : site->kiosks) {
                busy += k.line->utilisation();
                queued += k.line->mean_queue_length();
            }
            info.utilisation.push_back(busy / static_cast<double>(site->kiosks.size()));
            info.mean_queue_length.push_back(queued);
        }
    }
    // Everyone inside finishes. The kiosks never stop (heartbeats, status
    // polls), so the drain runs until the last citizen has left.
    const sim::Time give_up = sim.now() + std::chrono::hours(24 * 7);
    while (m->inside > 0 && sim.now() < give_up) sim.run_until(sim.now() + std::chrono::minutes(10));
    if (m->inside > 0) throw std::runtime_error("World::run: citizens still inside a week after the horizon");
    info.ended = std::max(m->last_left, sim::Time{m->spec.horizon});
    info.open_tickets = m->open_tickets;
    info.events = sim.events_processed();
    return info;
}

}  // namespace kiosktwin::world
