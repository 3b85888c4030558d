#include <kiosktwin/world/site.hpp>

#include <kiosktwin/sim/distributions.hpp>
#include <kiosktwin/sim/random.hpp>
#include <kiosktwin/sim/resource.hpp>
#include <kiosktwin/sim/simulation.hpp>
#include <kiosktwin/world/kiosk_rig.hpp>
#include <kiosktwin/world/virtual_gateway.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>
#include <variant>

namespace kiosktwin::world {

const char* to_string(QueueDiscipline q) noexcept { return q == QueueDiscipline::shared ? "shared" : "per_kiosk"; }

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
    }
    return problems;
}

namespace {

// Citizens come with ID cards still valid when the horizon ends.
protocol::CivilDate card_date(const WorldSpec& spec) {
    const sim::CivilTime c = spec.calendar.civil(sim::Time{spec.horizon});
    return {c.year, c.month, c.day};
}


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
              arrivals(sim::RateProfile::daily(sp.hourly_rate_per_h, sp.weekday_factor).with_interpolation(sp.interpolation),
                       w.spec.calendar),
              arrival_stream(w.sim.rng("site/" + sp.id + "/arrivals")),
              citizens(w.sim.seed(), servable(default_residents(), card_date(w.spec)), sp.mix) {
            if (sp.service) service.emplace(*sp.service);
            if (sp.patience_mean_min > 0) patience.emplace(sp.patience_mean_min);
        }
        const SiteSpec& spec;
        std::size_t index;
        std::vector<Kiosk> kiosks;
        std::unique_ptr<sim::Resource> shared;  // shared queue only
        sim::NhppArrivals arrivals;
        sim::Rng& arrival_stream;
        ScriptedCitizens citizens;
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
        std::optional<sim::Duration> intended;
        if (site.service)
            intended = sim::from_minutes((*site.service)(rng));
        sim::Request req;
        if (site.patience) req.patience = sim::from_minutes((*site.patience)(rng));

        CitizenRecord rec;
        rec.citizen = n;
        rec.site = site.index;
        rec.arrived = sim.now();

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
        kiosk.last_outcome.reset();
        KioskRig& rig = *kiosk.rig;
        rec.kiosk = rig.terminal_id();

        const sim::Time start = sim.now();
        const sim::Time deadline = start + k_session_limit;
        static const kiosk::CatalogueSnapshot k_no_catalogue{};
        const auto snapshot = rig.kiosk().catalogue().snapshot();
        const auto v = site.citizens.draw(rng, snapshot ? *snapshot : k_no_catalogue, gateway.state().identity, start);
        const kiosk::CitizenResult played = co_await kiosk::run_citizen(rig.ui(), rig.hands(), v.who, v.script, k_session_limit);
        if (!played.finished) co_await until_home(rig, deadline);  // walked away: the idle rule ends it
        rec.session = sim.now() - start;
        if (intended && sim.now() < start + *intended) co_await sim.delay_until(start + *intended);
        rec.held = sim.now() - start;
        rec.outcome = kiosk.last_outcome;
        rec.fate = CitizenFate::served;
        kiosk.held = false;
        slot.release();
        leave(rec);
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
    info.events = sim.events_processed();
    return info;
}

}  // namespace kiosktwin::world
