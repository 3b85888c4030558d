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
#include <set>
#include <stdexcept>
#include <variant>

namespace kiosktwin::world {

const char* to_string(QueueDiscipline q) noexcept { return q == QueueDiscipline::shared ? "shared" : "per_kiosk"; }

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
    for (bool d : days) h += d ? static_cast<double>(close_h - open_h) : 0.0;
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
        week[h] = sp.hours.open(day, hour) ? sp.hourly_rate_per_h[h % 24] * sp.weekday_factor[h / 24] : 0.0;
    }
    return sim::RateProfile::weekly(week).with_interpolation(sp.interpolation);
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
            if (s.hours.open_h < 0 || s.hours.open_h > 23 || s.hours.close_h <= s.hours.open_h || s.hours.close_h > 24)
                problems.push_back(at + "opening hours must satisfy 0 <= open_h < close_h <= 24");
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
    }
    return problems;
}

namespace {

// Citizens come with ID cards still valid when the horizon ends.
protocol::CivilDate card_date(const WorldSpec& spec) {
    const sim::CivilTime c = spec.calendar.civil(sim::Time{spec.horizon});
    return {c.year, c.month, c.day};
}



// How a persona goes about a session (R-5-4): their mix, whether they ask
// for help, how many cases they bring.
struct Pace {
    SessionMix alone;
    SessionMix helped;  // with a 帮办 at their side
    double ask_help = 0;
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
    p[static_cast<std::size_t>(Persona::young)] = {scaled(1.0, 1.0, -1, 1.0), {}, 0.02};
    p[static_cast<std::size_t>(Persona::elderly)] = {scaled(3.0, 2.0, 0.6, 0.25), {}, 0.5};
    p[static_cast<std::size_t>(Persona::agent)] = {scaled(0.75, 0.5, 0.0, 1.0), {}, 0.0};
    p[static_cast<std::size_t>(Persona::first_time)] = {scaled(2.0, 2.5, -1, 0.5), {}, 0.35};
    for (Pace& x : p) {
        x.helped = x.alone;
        x.helped.think = x.alone.think / 2;  // the helper reads and points
        x.helped.walk_away = 0;              // and nobody is left stuck
    }
    return p;
}

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
    // front of it (per-kiosk queues) and the outcome its last session recorded.
    struct Kiosk {
        std::unique_ptr<KioskRig> rig;
        std::unique_ptr<sim::Resource> line;  // per_kiosk only
        bool held = false;
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
        }
        Persona draw_persona(sim::Rng& rng) const {
            const double u = rng.uniform01();
            std::size_t i = 0;
            while (i + 1 < k_personas && u >= persona_cdf[i]) ++i;
            return static_cast<Persona>(i);
        }
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
                k.rig->kiosk().session_ended.connect([kp](const kiosk::SessionOutcome& o) { kp->last_outcome = o; });
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

    sim::Process<void> visit(Site& site, std::uint64_t n) {
        ++inside;
        // Everything this citizen is, from their own stream.
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

        // The line: the shared one, or the shortest in front of a kiosk.
        sim::Resource* line = site.shared.get();
        std::size_t chosen = 0;
        if (line) {
            req.balk_at_queue_length = balk_at(site.spec, site.kiosks.size());
        } else {
            std::size_t best = SIZE_MAX;
            for (std::size_t k = 0; k < site.kiosks.size(); ++k) {
                const sim::Resource& l = *site.kiosks[k].line;
                const std::size_t length = l.queue_length() + l.in_use();
                if (length < best) best = length, chosen = k;
            }
            line = site.kiosks[chosen].line.get();
            req.balk_at_queue_length = balk_at(site.spec, 1);
        }
        rec.queue_on_arrival = line->queue_length();
        auto slot = co_await line->acquire(req);
        rec.waited = slot.waited();
        if (!slot) {
            rec.fate = slot.status() == sim::GrantStatus::balked ? CitizenFate::balked : CitizenFate::reneged;
            leave(rec);
            co_return;
        }
        if (site.shared) {  // the lowest-numbered free kiosk
            chosen = 0;
            while (site.kiosks[chosen].held) ++chosen;
        }
        Kiosk& kiosk = site.kiosks[chosen];
        kiosk.held = true;
        KioskRig& rig = *kiosk.rig;
        rec.kiosk = rig.terminal_id();
        if (rec.asked_help && site.helpers_free > 0) {  // a 帮办 comes along (R-10.2-1)
            --site.helpers_free;
            rec.helped = true;
        }
        const SessionMix& mix = rec.helped ? pace.helped : pace.alone;
        // A long wait sours the rating: beyond 10 min, up to 60 % of
        // ratings become 差评 for slow handling (R-11.3-1).
        const double soured = std::clamp((sim::to_minutes(rec.waited) - 10.0) / 50.0, 0.0, 0.6);

        const sim::Time start = sim.now();
        for (std::size_t c = 0; c < cases; ++c) {
            kiosk.last_outcome.reset();
            const sim::Time begun = sim.now();
            const sim::Time deadline = begun + k_session_limit;
            static const kiosk::CatalogueSnapshot k_no_catalogue{};
            const auto snapshot = rig.kiosk().catalogue().snapshot();
            auto v = site.citizens.draw(rng, snapshot ? *snapshot : k_no_catalogue, gateway.state().identity, begun, mix);
            if (rng.uniform01() < soured && v.script.rating >= 3) {
                v.script.rating = 2;
                v.script.reasons = "efficiency";
            }
            const kiosk::CitizenResult played =
                co_await kiosk::run_citizen(rig.ui(), rig.hands(), v.who, v.script, k_session_limit);
            if (!played.finished) co_await until_home(rig, deadline);  // walked away: the idle rule ends it
            if (kiosk.last_outcome) rec.outcomes.push_back(*kiosk.last_outcome);
            if (!played.finished) break;
        }
        rec.session = sim.now() - start;
        if (intended && sim.now() < start + *intended) co_await sim.delay_until(start + *intended);
        rec.held = sim.now() - start;
        rec.fate = CitizenFate::served;
        if (rec.helped) ++site.helpers_free;
        kiosk.held = false;
        slot.release();
        leave(rec);
    }

    // Faults on one kiosk and the tickets they raise (R-10.3-1): a fault
    // strikes a fitted device, the platform sees it in the kiosk's
    // heartbeat, a technician acknowledges, travels and repairs.
    sim::Process<void> faults(Site& site, std::size_t k) {
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
            TicketRecord t;
            t.site = site.index;
            t.kiosk = rig.terminal_id();
            t.device = f.device;
            t.fault = f.fault;
            t.severity = f.severity;
            t.occurred = sim.now();
            const std::string rule = "ticket-" + std::to_string(n);
            if (!rig.act(f.device, {{"action", "inject_fault"}, {"fault", f.fault}, {"id", rule}}).ok) co_return;
            ++open_tickets;
            // Reported: the first heartbeat that shows the peripheral not OK
            // (looked at each minute); a fault no heartbeat shows within
            // 8 h is reported by the staff.
            const std::string pid = std::string(f.device) + "-1";
            const sim::Time give_up = sim.now() + std::chrono::hours(8);
            for (;;) {
                const services::terminals::Terminal* term = gateway.state().terminals.find(rig.terminal_id());
                const services::terminals::Peripheral* p = term ? term->peripheral(pid) : nullptr;
                if ((p != nullptr && p->state != services::terminals::PeripheralState::ok) || sim.now() >= give_up) break;
                co_await sim.delay(std::chrono::minutes(1));
            }
            t.reported = sim.now();
            co_await sim.delay(site.spec.staff.dispatch);
            auto tech = co_await site.technicians->acquire();
            t.acknowledged = sim.now();
            co_await sim.delay(std::chrono::duration_cast<sim::Duration>(site.spec.staff.travel * -std::log1p(-travel_u)));
            t.arrived = sim.now();
            co_await sim.delay(std::chrono::duration_cast<sim::Duration>(site.spec.staff.repair * -std::log1p(-repair_u)));
            rig.act(f.device, {{"action", "clear_fault"}, {"id", rule}});
            t.resolved = sim.now();
            tech.release();
            --open_tickets;
            self.ticket_closed.emit(t);
        }
    }

    void leave(const CitizenRecord& rec) {
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
    std::uint64_t open_tickets = 0;
    sim::Time last_left{};
    bool ran = false;
};

World::World(const WorldSpec& spec, std::uint32_t replication) : m(std::make_unique<Impl>(*this, spec, replication)) {}

World::~World() = default;

sim::Simulation& World::simulation() noexcept { return m->sim; }
VirtualGateway& World::gateway() noexcept { return m->gateway; }
std::uint64_t World::seed() const noexcept { return m->sim.seed(); }

KioskRig& World::kiosk(std::size_t s, std::size_t k) { return *m->sites.at(s)->kiosks.at(k).rig; }

WorldRunInfo World::run() {
    if (m->ran) throw std::logic_error("World::run: a world runs once");
    m->ran = true;
    sim::Simulation& sim = m->sim;
    for (auto& site : m->sites) {
        for (auto& k : site->kiosks) k.rig->start();
        sim.spawn(m->arrive(*site));
        if (site->spec.staff.refill_round > sim::Duration::zero()) sim.spawn(m->refill_round(*site));
        if (site->spec.faults.mtbf_h > 0)
            for (std::size_t k = 0; k < site->kiosks.size(); ++k) sim.spawn(m->faults(*site, k));
    }
    sim.run_until(sim::Time{m->spec.horizon});

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
