#include <kiosktwin/world/hall.hpp>

#include <kiosktwin/sim/distributions.hpp>
#include <kiosktwin/sim/random.hpp>
#include <kiosktwin/sim/resource.hpp>
#include <kiosktwin/sim/simulation.hpp>

#include <cmath>
#include <variant>

namespace kiosktwin::world {

using nlohmann::json;

// --- knobs ---------------------------------------------------------------------

const KnobSet& hall_knobs() {
    static const KnobSet knobs = [] {
        KnobSet k;
        k.add({.path = "/name", .kind = KnobKind::string, .fallback = "hall",
               .help = "Scenario name, shown in reports"});
        k.add({.path = "/description", .kind = KnobKind::string, .fallback = "",
               .help = "What the scenario asks"});
        k.add({.path = "/seed", .kind = KnobKind::integer, .fallback = 20260601, .min = 0.0, .max = 9.0e15,
               .help = "Master seed; every random stream derives from it"});
        k.add({.path = "/replications", .kind = KnobKind::integer, .unit = "runs", .fallback = 20, .min = 1.0,
               .max = 100000.0, .help = "Independent replications behind each confidence interval"});
        k.add({.path = "/calendar/epoch", .kind = KnobKind::string, .fallback = "2026-06-01T00:00:00+08:00",
               .help = "Civil time of virtual t = 0 (GB/T 7408 / ISO 8601)"});
        k.add({.path = "/horizon/days", .kind = KnobKind::number, .unit = "days", .fallback = 7, .min = 0.0,
               .max = 3650.0, .min_exclusive = true, .help = "Simulated days of service per replication"});
        k.add({.path = "/horizon/warmup_h", .kind = KnobKind::number, .unit = "h", .fallback = 0, .min = 0.0,
               .help = "Initial hours left out of the statistics"});
        k.add({.path = "/hall/name", .kind = KnobKind::string, .fallback = "政务服务大厅",
               .help = "Name of the service hall"});
        k.add({.path = "/hall/kiosks", .kind = KnobKind::integer, .unit = "kiosks", .fallback = 4, .min = 1.0,
               .max = 10000.0, .help = "Self-service kiosks in the hall"});
        k.add({.path = "/hall/queue_capacity", .kind = KnobKind::integer, .unit = "citizens", .fallback = 200,
               .min = 0.0, .max = 1000000.0, .help = "Most citizens who can wait at once; more are turned away"});
        k.add({.path = "/demand/hourly_rate_per_h", .kind = KnobKind::number_list, .unit = "arrivals/h",
               .fallback = json::array({0.5, 0.3, 0.2, 0.2, 0.2, 0.5, 1.0, 3.0, 12.0, 30.0, 42.0, 38.0,
                                        24.0, 26.0, 38.0, 40.0, 32.0, 20.0, 10.0, 6.0, 4.0, 2.0, 1.0, 1.0}),
               .min = 0.0, .max = 1.0e6, .length = 24,
               .help = "Arrival rate for each hour of the day, 00:00 first (civil time)"});
        k.add({.path = "/demand/weekday_factor", .kind = KnobKind::number_list, .unit = "x",
               .fallback = json::array({1.15, 1.0, 1.0, 1.0, 1.1, 0.55, 0.35}), .min = 0.0, .max = 1000.0,
               .length = 7, .help = "Multiplier of the hourly rates for each weekday, Monday first"});
        k.add({.path = "/demand/interpolation", .kind = KnobKind::string, .fallback = "step",
               .choices = {"step", "linear"}, .help = "Rate within an hour: constant, or linear to the next hour"});
        k.add({.path = "/service/distribution", .kind = KnobKind::string, .fallback = "lognormal",
               .choices = {"lognormal", "exponential", "gamma"}, .help = "Distribution of kiosk service times"});
        k.add({.path = "/service/mean_min", .kind = KnobKind::number, .unit = "min", .fallback = 6.0, .min = 0.0,
               .max = 1440.0, .min_exclusive = true, .help = "Mean service time at a kiosk"});
        k.add({.path = "/service/sd_min", .kind = KnobKind::number, .unit = "min", .fallback = 4.0, .min = 0.0,
               .max = 1440.0, .help = "Standard deviation of service time (lognormal, gamma)"});
        k.add({.path = "/behaviour/patience_mean_min", .kind = KnobKind::number, .unit = "min", .fallback = 15.0,
               .min = 0.0, .max = 10080.0,
               .help = "Mean patience in the queue, exponential (0 = infinitely patient)"});
        k.add({.path = "/behaviour/balk_queue_per_kiosk", .kind = KnobKind::number, .unit = "citizens/kiosk",
               .fallback = 3.0, .min = 0.0, .max = 10000.0,
               .help = "Citizens who find this many waiting per kiosk leave at once (0 = never)"});
        k.add({.path = "/report/wait_target_min", .kind = KnobKind::number, .unit = "min", .fallback = 10.0,
               .min = 0.0, .max = 1440.0, .help = "Service-level target: the share waiting longer is reported"});
        return k;
    }();
    return knobs;
}

std::size_t HallScenario::balk_threshold() const {
    if (balk_queue_per_kiosk <= 0.0) return 0;
    return static_cast<std::size_t>(std::ceil(balk_queue_per_kiosk * kiosks));
}

HallLoad load_hall_scenario(const json& doc) {
    HallLoad out;
    out.validated = hall_knobs().validate(doc);
    auto& problems = out.validated.problems;
    if (!out.validated.ok()) return out;
    const json& e = out.validated.effective;
    auto at = [&](const char* p) -> const json& { return e.at(json::json_pointer(p)); };

    HallScenario s;
    s.name = at("/name").get<std::string>();
    s.description = at("/description").get<std::string>();
    s.seed = at("/seed").get<std::uint64_t>();
    s.replications = at("/replications").get<int>();
    const auto cal = sim::Calendar::from_iso8601(at("/calendar/epoch").get<std::string>());
    if (!cal) problems.push_back({"/calendar/epoch", "expected an ISO 8601 date-time such as 2026-06-01T00:00:00+08:00"});
    else s.calendar = *cal;
    s.horizon_days = at("/horizon/days").get<double>();
    s.warmup_h = at("/horizon/warmup_h").get<double>();
    if (s.warmup_h >= s.horizon_days * 24.0)
        problems.push_back({"/horizon/warmup_h", "must be shorter than the horizon (" +
                                                     std::to_string(static_cast<long long>(s.horizon_days * 24.0)) +
                                                     " h)"});
    s.hall_name = at("/hall/name").get<std::string>();
    s.kiosks = at("/hall/kiosks").get<int>();
    s.queue_capacity = at("/hall/queue_capacity").get<int>();
    for (std::size_t i = 0; i < 24; ++i) s.hourly_rate_per_h[i] = at("/demand/hourly_rate_per_h")[i].get<double>();
    for (std::size_t i = 0; i < 7; ++i) s.weekday_factor[i] = at("/demand/weekday_factor")[i].get<double>();
    s.interpolation = at("/demand/interpolation") == "linear" ? sim::Interpolation::linear : sim::Interpolation::step;
    const std::string dist = at("/service/distribution").get<std::string>();
    s.service_distribution = dist == "exponential" ? ServiceDistribution::exponential
                             : dist == "gamma"     ? ServiceDistribution::gamma
                                                   : ServiceDistribution::lognormal;
    s.service_mean_min = at("/service/mean_min").get<double>();
    s.service_sd_min = at("/service/sd_min").get<double>();
    if (s.service_distribution == ServiceDistribution::gamma && s.service_sd_min <= 0.0)
        problems.push_back({"/service/sd_min", "must be > 0 for a gamma distribution"});
    s.patience_mean_min = at("/behaviour/patience_mean_min").get<double>();
    s.balk_queue_per_kiosk = at("/behaviour/balk_queue_per_kiosk").get<double>();
    s.wait_target_min = at("/report/wait_target_min").get<double>();
    bool any_demand = false;
    for (double r : s.hourly_rate_per_h) any_demand |= r > 0.0;
    bool any_day = false;
    for (double f : s.weekday_factor) any_day |= f > 0.0;
    if (!any_demand || !any_day)
        problems.push_back({"/demand", "the demand profile is zero everywhere: no citizen would ever arrive"});
    if (problems.empty()) out.scenario = std::move(s);
    return out;
}

const char* to_string(VisitOutcome o) noexcept {
    switch (o) {
    case VisitOutcome::served: return "served";
    case VisitOutcome::reneged: return "reneged";
    case VisitOutcome::balked: return "balked";
    case VisitOutcome::turned_away: return "turned_away";
    }
    return "?";
}

ServiceSampler::Draw ServiceSampler::draw_of(const ServiceTime& t) {
    switch (t.distribution) {
    case ServiceDistribution::exponential: return sim::Exponential(t.mean_min);
    case ServiceDistribution::gamma: {
        const double cv2 = (t.sd_min * t.sd_min) / (t.mean_min * t.mean_min);
        return sim::Gamma(1.0 / cv2, t.mean_min * cv2);
    }
    case ServiceDistribution::lognormal: break;
    }
    return sim::LogNormal::from_mean_sd(t.mean_min, t.sd_min);
}

ServiceSampler::ServiceSampler(const ServiceTime& t) : m_draw(draw_of(t)) {}

double ServiceSampler::operator()(sim::Rng& rng) {
    return std::visit([&](auto& d) { return d(rng); }, m_draw);
}

// --- the model -----------------------------------------------------------------

namespace {

ServiceTime service_of(const HallScenario& s) {
    return ServiceTime{s.service_distribution, s.service_mean_min, s.service_sd_min};
}

// A citizen as the hall sees one: drawn at arrival, so that each citizen keeps
// the same service need and patience whatever the layout (common random numbers).
struct Citizen {
    std::uint64_t id;
    sim::Duration service;
    std::optional<sim::Duration> patience;
};

}  // namespace

struct HallModel::Impl {
    Impl(HallModel& owner, const HallScenario& sc, std::uint32_t replication)
        : self(owner),
          s(sc),
          sim(sim::SimulationOptions{.seed = sim::replication_seed(sc.seed, replication), .calendar = sc.calendar}),
          kiosks(sim, sim::ResourceOptions{.capacity = static_cast<std::size_t>(sc.kiosks),
                                            .queue_limit = static_cast<std::size_t>(sc.queue_capacity)}),
          arrivals(sim::RateProfile::daily(sc.hourly_rate_per_h, sc.weekday_factor).with_interpolation(sc.interpolation),
                   sc.calendar),
          service(service_of(sc)),
          arrival_stream(sim.rng("arrivals")),
          service_stream(sim.rng("citizens/service")),
          patience_stream(sim.rng("citizens/patience")) {
        if (sc.patience_mean_min > 0.0) patience.emplace(sc.patience_mean_min);
        balk_at = sc.balk_threshold();
    }

    sim::Process<> visit(Citizen c) {
        VisitRecord rec{.citizen = c.id, .arrived = sim.now(), .queue_on_arrival = kiosks.queue_length()};
        sim::Request req{.patience = c.patience};
        if (balk_at > 0) req.balk_at_queue_length = balk_at;
        auto slot = co_await kiosks.acquire(req);
        rec.waited = slot.waited();
        if (slot) {
            co_await sim.delay(c.service);
            rec.service = c.service;
            rec.outcome = VisitOutcome::served;
        } else {
            rec.outcome = slot.status() == sim::GrantStatus::balked    ? VisitOutcome::balked
                          : slot.status() == sim::GrantStatus::rejected ? VisitOutcome::turned_away
                                                                         : VisitOutcome::reneged;
        }
        self.visit_ended.emit(rec);
    }

    sim::Process<> arrive() {
        const sim::Time end = sim::Time{s.horizon()};
        for (std::uint64_t id = 1;; ++id) {
            const auto t = arrivals.next(sim.now(), arrival_stream);
            if (!t || *t >= end) co_return;
            co_await sim.delay_until(*t);
            Citizen c{id, sim::from_minutes(service(service_stream)), {}};
            if (patience) c.patience = sim::from_minutes((*patience)(patience_stream));
            sim.spawn(visit(c));
        }
    }

    HallModel& self;
    const HallScenario& s;
    sim::Simulation sim;
    sim::Resource kiosks;
    sim::NhppArrivals arrivals;
    ServiceSampler service;
    std::optional<sim::Exponential> patience;
    std::size_t balk_at = 0;
    sim::Rng& arrival_stream;
    sim::Rng& service_stream;
    sim::Rng& patience_stream;
};

HallModel::HallModel(const HallScenario& scenario, std::uint32_t replication)
    : m(std::make_unique<Impl>(*this, scenario, replication)) {}

HallModel::~HallModel() = default;

std::uint64_t HallModel::seed() const noexcept { return m->sim.seed(); }

HallRunInfo HallModel::run() {
    sim::Simulation& sim = m->sim;
    sim.spawn(m->arrive());
    if (m->s.warmup_h > 0.0) {
        sim.run_until(sim::Time{m->s.warmup()});
        m->kiosks.reset_statistics();
    }
    sim.run_until(sim::Time{m->s.horizon()});
    HallRunInfo info;
    info.utilisation = m->kiosks.utilisation();
    info.mean_queue_length = m->kiosks.mean_queue_length();
    info.max_queue_length = static_cast<double>(m->kiosks.max_queue_length());
    sim.run();  // everyone still inside finishes (or gives up)
    info.events = sim.events_processed();
    info.ended = sim.now();
    return info;
}

}  // namespace kiosktwin::world
