#include <kiosktwin/analysis/site_study.hpp>

#include <kiosktwin/server/state.hpp>
#include <kiosktwin/world/virtual_gateway.hpp>

#include <algorithm>
#include <cmath>

namespace kiosktwin::analysis {

namespace {

enum Metric : std::size_t {
    arrivals_per_day,
    cases_per_day,
    cases_per_kiosk_day,
    sessions_per_open_hour,
    wait_mean_min,
    wait_p50_min,
    wait_p90_min,
    wait_p95_min,
    over_target_pct,
    balked_pct,
    reneged_pct,
    utilisation_pct,
    daily_use_pct,
    power_on_pct,
    online_pct,
    fault_rate_pct,
    faults_per_kiosk_month,
    mttr_h,
    sla_pct,
    self_service_pct,
    helped_pct,
    completed_pct,
    degraded_pct,
    abandoned_pct,
    failed_pct,
    satisfaction_pct,
    bad_review_pct,
    refills_per_day,
    walked_m,
    helped_stuck_pct,
    cards_forgotten_per_1000,
    metric_count
};

double pct(std::uint64_t part, std::uint64_t whole) {
    return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

double ratio_pct(sim::Duration part, sim::Duration whole) {
    return whole <= sim::Duration::zero() ? 0.0 : 100.0 * sim::to_seconds(part) / sim::to_seconds(whole);
}

constexpr sim::Duration k_day = std::chrono::hours(24);

// A case (办件) completed: a handling session that ended completed or
// completed-degraded (an alternative used, a submission queued).
bool is_case(const kiosk::SessionOutcome& o) {
    return o.service == "handle" &&
           (o.kind == kiosk::OutcomeKind::completed || o.kind == kiosk::OutcomeKind::completed_degraded);
}

}  // namespace

const std::vector<MetricDef>& site_metrics() {
    static const std::vector<MetricDef> defs = [] {
        std::vector<MetricDef> d(metric_count);
        d[arrivals_per_day] = {"arrivals_per_day", "citizens arriving per day", "citizens/day",
                               "citizens arriving / days", "R-10.1-1"};
        d[cases_per_day] = {"cases_per_day", "办件量 cases completed per day", "cases/day",
                            "handling sessions completed or completed-degraded / days", "R-10.1-1"};
        d[cases_per_kiosk_day] = {"cases_per_kiosk_day", "办件量 per kiosk per day", "cases/kiosk/day",
                                  "cases / (kiosks x days)", "R-10.1-1"};
        d[sessions_per_open_hour] = {"sessions_per_open_hour", "throughput: sessions per site-hour open", "sessions/h",
                                     "kiosk sessions / hours the sites are open", "R-10.1-1"};
        d[wait_mean_min] = {"wait_mean_min", "wait for a kiosk, mean", "min", "mean wait of citizens served",
                            "R-10.1-1"};
        d[wait_p50_min] = {"wait_p50_min", "wait for a kiosk, median", "min", "50 % quantile of waits of citizens served",
                           "R-10.1-1"};
        d[wait_p90_min] = {"wait_p90_min", "wait for a kiosk, 90 % quantile", "min",
                           "90 % quantile of waits of citizens served", "R-10.1-1"};
        d[wait_p95_min] = {"wait_p95_min", "wait for a kiosk, 95 % quantile", "min",
                           "95 % quantile of waits of citizens served", "R-10.1-1"};
        d[over_target_pct] = {"over_target_pct", "served after waiting over the target", "%",
                              "citizens served who waited > wait_target_min / citizens served", "R-10.1-1"};
        d[balked_pct] = {"balked_pct", "balked (left on seeing the line)", "%", "citizens who balked / arrivals",
                         "R-10.1-1"};
        d[reneged_pct] = {"reneged_pct", "reneged (gave up waiting)", "%", "citizens who reneged / arrivals",
                          "R-10.1-1"};
        d[utilisation_pct] = {"utilisation_pct", "使用率 busy time / service time", "%",
                              "kiosk time held by citizens / scheduled service time (kiosks x hours open)", "R-10.1-1"};
        d[daily_use_pct] = {"daily_use_pct", "使用率 kiosks used on a day", "%",
                            "kiosk-days with >= 1 case / kiosk-days open", "R-10.1-1, R-10.1-2"};
        d[power_on_pct] = {"power_on_pct", "开机率 power-on rate", "%",
                           "(scheduled service time - fault downtime) / scheduled service time; fault downtime = "
                           "open time with a fault ticket open",
                           "R-10.1-1"};
        d[online_pct] = {"online_pct", "在线率 online rate", "%",
                         "heartbeat-OK time (the platform's terminal registry) / scheduled service time", "R-10.1-1"};
        d[fault_rate_pct] = {"fault_rate_pct", "故障率 faulty kiosk-days", "%",
                             "kiosk-days with a fault ticket open / kiosk-days", "R-10.1-1, R-10.1-2"};
        d[faults_per_kiosk_month] = {"faults_per_kiosk_month", "故障率 faults per kiosk-month", "faults/kiosk/month",
                                     "tickets / (kiosks x days / 30)", "R-10.1-1"};
        d[mttr_h] = {"mttr_h", "MTTR", "h", "mean (resolved - reported) of tickets resolved", "R-10.1-1, R-10.3-1"};
        d[sla_pct] = {"sla_pct", "tickets within SLA", "%",
                      "tickets resolved within their severity's SLA of being reported / tickets resolved (L1 30 min, "
                      "L2 2 h, L3 4 h, L4-L5 8 h)",
                      "R-10.3-1"};
        d[self_service_pct] = {"self_service_pct", "自助办理率 cases without a helper", "%",
                               "cases completed by citizens without a 帮办 / cases", "R-10.1-1"};
        d[helped_pct] = {"helped_pct", "帮办 citizens helped", "%", "citizens with a helper / citizens served",
                         "R-10.2-1"};
        d[completed_pct] = {"completed_pct", "sessions completed", "%", "sessions completed / sessions", "R-7.2-2"};
        d[degraded_pct] = {"degraded_pct", "sessions completed-degraded", "%",
                           "sessions completed with an alternative (e-receipt, queued submission) / sessions", "R-7.2-2"};
        d[abandoned_pct] = {"abandoned_pct", "sessions abandoned", "%", "sessions abandoned / sessions", "R-7.2-2"};
        d[failed_pct] = {"failed_pct", "sessions failed", "%", "sessions failed / sessions", "R-7.2-2"};
        d[satisfaction_pct] = {"satisfaction_pct", "satisfaction (好评 levels 3-5)", "%",
                               "ratings of level 3-5 / ratings", "R-11.3-1, R-10.1-2"};
        d[bad_review_pct] = {"bad_review_pct", "差评 (levels 1-2)", "%", "ratings of level 1-2 / ratings", "R-11.3-1"};
        d[refills_per_day] = {"refills_per_day", "consumable refills per day", "refills/day",
                              "refills of paper, toner and receipt rolls / days", "R-10.2-1"};
        d[walked_m] = {"walked_m", "walked on the floor per citizen", "m",
                       "metres walked (in, to the line, to the kiosk, out; sites with a floor plan) / arrivals",
                       "R-5-1"};
        d[helped_stuck_pct] = {"helped_stuck_pct", "帮办 came when stuck mid-session", "%",
                               "citizens stuck mid-session who got a helper and went on / citizens served",
                               "R-10.2-1, R-5-4"};
        d[cards_forgotten_per_1000] = {"cards_forgotten_per_1000", "ID cards left on the reader", "per 1000 citizens",
                                       "citizens who left their ID card on the reader x 1000 / citizens served",
                                       "R-5-4"};
        return d;
    }();
    return defs;
}

std::vector<std::pair<sim::Time, sim::Time>> open_intervals(const world::OpeningHours& hours,
                                                            const sim::Calendar& calendar, sim::Duration horizon) {
    std::vector<std::pair<sim::Time, sim::Time>> out;
    const sim::Time end{horizon};
    if (hours.always_open) {
        out.emplace_back(sim::Time{}, end);
        return out;
    }
    // Quarter hour by quarter hour on the civil clock (opening hours go in
    // quarters); the epoch may fall inside one.
    sim::Time t{};
    while (t < end) {
        const int how = calendar.hour_of_week(t);
        const sim::CivilTime c = calendar.civil(t);
        const sim::Time next = std::min(end, t + std::chrono::minutes(15 - c.minute % 15) - std::chrono::seconds(c.second) -
                                                 std::chrono::microseconds(c.microsecond));
        if (hours.open_at(how / 24, (how % 24) * 60 + c.minute)) {
            if (!out.empty() && out.back().second == t) out.back().second = next;
            else out.emplace_back(t, next);
        }
        t = next;
    }
    return out;
}

SiteKpis::SiteKpis(const world::SiteScenario& s) : m_s(s) {
    m_days = static_cast<std::size_t>(std::ceil(s.horizon_days - 1e-9));
    m_cases_by_day.assign(m_days, 0);
    for (std::size_t i = 0; i < s.world.sites.size(); ++i) {
        const world::SiteSpec& site = s.world.sites[i];
        m_open.push_back(open_intervals(site.hours, s.world.calendar, s.world.horizon));
        sim::Duration open{};
        for (const auto& [a, b] : m_open.back()) open += b - a;
        m_scheduled += open * static_cast<std::int64_t>(site.kiosks.size());
        for (const world::KioskPlacement& k : site.kiosks) {
            const std::string id = site.id + "-" + k.id;
            m_kiosk_site[id] = i;
            KioskDays& kd = m_kiosks[id];
            kd.used.assign(m_days, false);
            kd.faulty.assign(m_days, false);
        }
    }
}

SiteKpis::KioskDays& SiteKpis::kiosk(const std::string& terminal) { return m_kiosks.at(terminal); }

std::size_t SiteKpis::day_of(sim::Time t) const {
    const auto d = static_cast<std::size_t>(std::max<std::int64_t>(0, t.time_since_epoch() / k_day));
    return std::min(d, m_days == 0 ? 0 : m_days - 1);
}

sim::Duration SiteKpis::open_overlap(std::size_t site, sim::Time from, sim::Time to) const {
    sim::Duration sum{};
    for (const auto& [a, b] : m_open[site]) {
        const sim::Time lo = std::max(a, from), hi = std::min(b, to);
        if (hi > lo) sum += hi - lo;
    }
    return sum;
}

void SiteKpis::on_citizen(const world::CitizenRecord& r) {
    ++m_arrivals;
    m_walked_m += r.walked_m;
    switch (r.fate) {
    case world::CitizenFate::balked: ++m_balked; return;
    case world::CitizenFate::reneged: ++m_reneged; return;
    case world::CitizenFate::served: break;
    }
    ++m_served;
    const double w = sim::to_minutes(r.waited);
    m_wait.add(w);
    m_wait_quantiles.add(w);
    m_over_target += w > m_s.wait_target_min;
    m_held += r.held;
    m_helped += r.helped;
    m_asked_help += r.asked_help;
    m_helped_stuck += r.helped_when_stuck;
    m_forgot_card += r.forgot_card;
    for (const kiosk::SessionOutcome& o : r.outcomes) {
        ++m_sessions;
        ++m_outcomes[kiosk::to_string(o.kind)];
        if (o.rating >= 1 && o.rating <= 5) {
            ++m_rated;
            ++m_ratings[static_cast<std::size_t>(o.rating)];
            m_satisfied += o.rating >= 3;
        }
        if (!is_case(o)) continue;
        ++m_cases;
        m_cases_helped += r.helped;
        ++m_cases_by_item[o.item_code];
        ++m_cases_by_kiosk[r.kiosk];
        const std::size_t d = day_of(o.ended);
        if (d < m_cases_by_day.size()) ++m_cases_by_day[d];
        if (auto it = m_kiosks.find(r.kiosk); it != m_kiosks.end() && d < it->second.used.size()) it->second.used[d] = true;
    }
}

void SiteKpis::on_ticket(const world::TicketRecord& t) {
    ++m_tickets;
    ++m_tickets_by_cause[t.root_cause];
    m_repair_h.add(sim::to_hours(t.resolved - t.reported));
    m_in_sla += t.resolved - t.reported <= world::sla_of(t.severity);
    KioskDays& k = kiosk(t.kiosk);
    k.downtime += open_overlap(m_kiosk_site.at(t.kiosk), t.occurred, t.resolved);
    for (std::size_t d = day_of(t.occurred); d <= day_of(t.resolved) && d < m_days; ++d) k.faulty[d] = true;
}

void SiteKpis::on_refill(const world::RefillRecord&) { ++m_refills; }

void SiteKpis::set_online(const std::string& terminal, sim::Duration online_in_open_time) {
    kiosk(terminal).online = online_in_open_time;
}

void SiteKpis::collect(world::World& w) {
    w.citizen_left.connect([this](const world::CitizenRecord& r) { on_citizen(r); });
    w.ticket_closed.connect([this](const world::TicketRecord& t) { on_ticket(t); });
    w.refilled.connect([this](const world::RefillRecord& r) { on_refill(r); });
}

void SiteKpis::finish(world::World& w) {
    const auto& registry = w.gateway().state().terminals;
    for (auto& [id, k] : m_kiosks) {
        sim::Duration online{};
        for (const auto& [a, b] : m_open[m_kiosk_site.at(id)])
            if (const auto av = registry.availability(id, a, b)) online += av->online;
        k.online = online;
    }
    const nlohmann::json summary = w.gateway().state().evaluations.summary(w.simulation().now());
    if (const auto it = summary.find("by_reason"); it != summary.end())
        for (const auto& [reason, n] : it->items()) m_bad_reasons[reason] += n.get<std::uint64_t>();
}

std::vector<double> SiteKpis::values() const {
    const double days = m_s.horizon_days;
    const double kiosks = static_cast<double>(m_kiosks.size());
    std::vector<double> v(metric_count, 0.0);
    v[arrivals_per_day] = static_cast<double>(m_arrivals) / days;
    v[cases_per_day] = static_cast<double>(m_cases) / days;
    v[cases_per_kiosk_day] = static_cast<double>(m_cases) / (kiosks * days);
    sim::Duration site_open{};
    for (const auto& site : m_open)
        for (const auto& [a, b] : site) site_open += b - a;
    v[sessions_per_open_hour] = site_open > sim::Duration::zero() ? static_cast<double>(m_sessions) / sim::to_hours(site_open) : 0.0;
    const bool any = m_served > 0;
    v[wait_mean_min] = any ? m_wait.mean() : 0.0;
    v[wait_p50_min] = any ? m_wait_quantiles.quantile(0.50) : 0.0;
    v[wait_p90_min] = any ? m_wait_quantiles.quantile(0.90) : 0.0;
    v[wait_p95_min] = any ? m_wait_quantiles.quantile(0.95) : 0.0;
    v[over_target_pct] = pct(m_over_target, m_served);
    v[balked_pct] = pct(m_balked, m_arrivals);
    v[reneged_pct] = pct(m_reneged, m_arrivals);
    v[utilisation_pct] = ratio_pct(m_held, m_scheduled);
    std::uint64_t kiosk_days_open = 0, used = 0, faulty = 0, kiosk_days = 0;
    sim::Duration downtime{}, online{};
    for (const auto& [id, k] : m_kiosks) {
        const std::size_t site = m_kiosk_site.at(id);
        for (std::size_t d = 0; d < m_days; ++d) {
            ++kiosk_days;
            faulty += k.faulty[d];
            const sim::Time from{k_day * static_cast<std::int64_t>(d)};
            if (open_overlap(site, from, from + k_day) > sim::Duration::zero()) {
                ++kiosk_days_open;
                used += k.used[d];
            }
        }
        downtime += k.downtime;
        online += k.online;
    }
    v[daily_use_pct] = pct(used, kiosk_days_open);
    v[power_on_pct] = m_scheduled > sim::Duration::zero() ? 100.0 - ratio_pct(downtime, m_scheduled) : 0.0;
    v[online_pct] = ratio_pct(online, m_scheduled);
    v[fault_rate_pct] = pct(faulty, kiosk_days);
    v[faults_per_kiosk_month] = static_cast<double>(m_tickets) / (kiosks * days / 30.0);
    v[mttr_h] = m_tickets > 0 ? m_repair_h.mean() : 0.0;
    v[sla_pct] = m_tickets > 0 ? pct(m_in_sla, m_tickets) : 100.0;
    v[self_service_pct] = pct(m_cases - m_cases_helped, m_cases);
    v[helped_pct] = pct(m_helped, m_served);
    auto share = [&](const char* kind) {
        const auto it = m_outcomes.find(kind);
        return pct(it == m_outcomes.end() ? 0 : it->second, m_sessions);
    };
    v[completed_pct] = share("completed");
    v[degraded_pct] = share("completed-degraded");
    v[abandoned_pct] = share("abandoned");
    v[failed_pct] = share("failed");
    v[satisfaction_pct] = pct(m_satisfied, m_rated);
    v[bad_review_pct] = pct(m_rated - m_satisfied, m_rated);
    v[refills_per_day] = static_cast<double>(m_refills) / days;
    v[walked_m] = m_arrivals > 0 ? m_walked_m / static_cast<double>(m_arrivals) : 0.0;
    v[helped_stuck_pct] = pct(m_helped_stuck, m_served);
    v[cards_forgotten_per_1000] = m_served > 0 ? 1000.0 * static_cast<double>(m_forgot_card) / static_cast<double>(m_served) : 0.0;
    return v;
}

namespace {

template <class Map>
nlohmann::json means(const std::vector<SiteReplication>& reps, Map SiteReplication::*field) {
    std::map<std::string, double> sum;
    for (const SiteReplication& r : reps)
        for (const auto& [k, n] : r.*field) sum[k] += static_cast<double>(n);
    nlohmann::json out = nlohmann::json::object();
    for (const auto& [k, x] : sum) out[k] = x / static_cast<double>(reps.size());
    return out;
}

}  // namespace

ReplicationResult site_replication(const world::SiteScenario& s, std::uint32_t r) {
    world::World w(s.world, r);
    SiteKpis kpis(s);
    kpis.collect(w);
    const world::WorldRunInfo info = w.run();
    kpis.finish(w);
    return ReplicationResult{kpis.values(), w.seed(), info.events};
}

std::vector<SiteReplication> run_site_replications(const world::SiteScenario& s, const SiteStudyOptions& options) {
    const Shard shard = options.shard;
    const auto total = static_cast<std::uint32_t>(s.replications);
    // The shard's k-th replication is index I + k N.
    const std::uint32_t count = shard.index < total ? (total - shard.index + shard.count - 1) / shard.count : 0;
    const std::function<SiteReplication(std::uint32_t)> one = [&s, &options, shard](std::uint32_t k) {
        const std::uint32_t r = shard.index + k * shard.count;
        world::World w(s.world, r);
        SiteKpis kpis(s);
        kpis.collect(w);
        SiteReplication rep;
        rep.index = r;
        if (options.keep_records) {
            w.citizen_left.connect([&rep](const world::CitizenRecord& c) { rep.records.citizens.push_back(c); });
            w.ticket_closed.connect([&rep](const world::TicketRecord& t) { rep.records.tickets.push_back(t); });
        }
        const world::WorldRunInfo info = w.run();
        kpis.finish(w);
        rep.values = kpis.values();
        rep.seed = w.seed();
        rep.events = info.events;
        rep.sessions = kpis.sessions();
        rep.by_item = kpis.cases_by_item();
        rep.by_kiosk = kpis.cases_by_kiosk();
        rep.by_day = kpis.cases_by_day();
        rep.reasons = kpis.bad_reasons();
        rep.outcomes = kpis.outcomes();
        rep.ratings = kpis.ratings();
        rep.tickets_by_cause = kpis.tickets_by_cause();
        return rep;
    };
    return run_replications<SiteReplication>(count, options.jobs, one, options.progress);
}

SiteStudy run_site_study(const world::SiteScenario& s, const SiteStudyOptions& options) {
    SiteStudyOptions whole = options;
    whole.shard = Shard{};
    return summarise_site_study(s, run_site_replications(s, whole), options.keep_records);
}

SiteStudy summarise_site_study(const world::SiteScenario& s, std::vector<SiteReplication> reps, bool keep_records) {
    for (std::size_t i = 0; i < reps.size(); ++i)
        if (reps[i].index != i) throw std::invalid_argument("replication " + std::to_string(i) + " is missing");
    if (reps.size() != static_cast<std::size_t>(s.replications))
        throw std::invalid_argument(std::to_string(reps.size()) + " replications for a scenario of " +
                                    std::to_string(s.replications));
    SiteStudy study;
    for (SiteReplication& r : reps) {
        study.per_replication.push_back(r.values);
        study.replication_seeds.push_back(r.seed);
        study.events += r.events;
        study.sessions += r.sessions;
        if (keep_records) study.records.push_back(std::move(r.records));
    }
    study.simulated_days = s.horizon_days * s.replications;
    study.metrics = summarise(site_metrics(), study.per_replication, 0.95);

    const double n = static_cast<double>(reps.size());
    nlohmann::json by_day = nlohmann::json::array();
    for (std::size_t d = 0; !reps.empty() && d < reps.front().by_day.size(); ++d) {
        double sum = 0;
        for (const SiteReplication& r : reps) sum += d < r.by_day.size() ? static_cast<double>(r.by_day[d]) : 0.0;
        by_day.push_back(sum / n);
    }
    nlohmann::json ratings = nlohmann::json::object();
    for (int level = 1; level <= 5; ++level) {
        double sum = 0;
        for (const SiteReplication& r : reps) sum += static_cast<double>(r.ratings[static_cast<std::size_t>(level)]);
        ratings[std::to_string(level)] = sum / n;
    }
    study.tables = {{"note", "means over replications"},
                    {"cases_by_item", means(reps, &SiteReplication::by_item)},
                    {"cases_by_kiosk", means(reps, &SiteReplication::by_kiosk)},
                    {"cases_by_day", by_day},
                    {"outcomes", means(reps, &SiteReplication::outcomes)},
                    {"ratings_by_level", ratings},
                    {"bad_review_reasons", means(reps, &SiteReplication::reasons)},
                    {"tickets_by_root_cause", means(reps, &SiteReplication::tickets_by_cause)}};

    auto metric = [&](Metric m) -> const MetricSummary& { return study.metrics[m]; };
    auto target = [&](const char* key, Metric m, double value, bool at_least) {
        const MetricSummary& ms = metric(m);
        const double est = ms.ci.mean;
        nlohmann::json t{{"metric", ms.def.key},
                         {"target", value},
                         {"rule", at_least ? ">=" : "<"},
                         {"estimate", est},
                         {"met", at_least ? est >= value : est < value}};
        if (std::isfinite(ms.ci.half_width))
            t["confident"] = at_least ? ms.ci.lo() >= value || ms.ci.hi() < value : ms.ci.hi() < value || ms.ci.lo() >= value;
        study.targets[key] = std::move(t);
    };
    study.targets = nlohmann::json::object();
    target("daily_use", daily_use_pct, 100.0 * s.targets.daily_use, true);
    target("fault_rate", fault_rate_pct, 100.0 * s.targets.fault_rate, false);
    target("satisfaction", satisfaction_pct, 100.0 * s.targets.satisfaction, true);
    return study;
}

nlohmann::json to_json(const std::vector<SiteReplication>& replications) {
    nlohmann::json out = nlohmann::json::array();
    for (const SiteReplication& r : replications)
        out.push_back({{"index", r.index},
                       {"values", r.values},
                       {"seed", r.seed},
                       {"events", r.events},
                       {"sessions", r.sessions},
                       {"cases_by_item", r.by_item},
                       {"cases_by_kiosk", r.by_kiosk},
                       {"cases_by_day", r.by_day},
                       {"bad_review_reasons", r.reasons},
                       {"outcomes", r.outcomes},
                       {"tickets_by_root_cause", r.tickets_by_cause},
                       {"ratings", r.ratings}});
    return out;
}

std::vector<SiteReplication> site_replications_from_json(const nlohmann::json& j) {
    if (!j.is_array()) throw std::invalid_argument("/runs: expected an array of replications");
    std::vector<SiteReplication> out;
    const std::size_t metrics = site_metrics().size();
    for (std::size_t i = 0; i < j.size(); ++i) {
        const std::string at = "/runs/" + std::to_string(i);
        try {
            const nlohmann::json& x = j[i];
            SiteReplication r;
            r.index = x.at("index").get<std::uint32_t>();
            r.values = x.at("values").get<std::vector<double>>();
            r.seed = x.at("seed").get<std::uint64_t>();
            r.events = x.at("events").get<std::uint64_t>();
            r.sessions = x.at("sessions").get<std::uint64_t>();
            r.by_item = x.at("cases_by_item").get<std::map<std::string, std::uint64_t>>();
            r.by_kiosk = x.at("cases_by_kiosk").get<std::map<std::string, std::uint64_t>>();
            r.by_day = x.at("cases_by_day").get<std::vector<std::uint64_t>>();
            r.reasons = x.at("bad_review_reasons").get<std::map<std::string, std::uint64_t>>();
            r.outcomes = x.at("outcomes").get<std::map<std::string, std::uint64_t>>();
            r.tickets_by_cause = x.at("tickets_by_root_cause").get<std::map<std::string, std::uint64_t>>();
            r.ratings = x.at("ratings").get<std::array<std::uint64_t, 6>>();
            if (r.values.size() != metrics)
                throw std::invalid_argument("/values: " + std::to_string(r.values.size()) + " metrics, expected " +
                                            std::to_string(metrics) + " (another kiosktwin version?)");
            out.push_back(std::move(r));
        } catch (const nlohmann::json::exception& e) {
            throw std::invalid_argument(at + ": " + e.what());
        } catch (const std::invalid_argument& e) {
            throw std::invalid_argument(at + e.what());
        }
    }
    return out;
}

nlohmann::json to_json(const SiteStudy& study) {
    return {{"metrics", metrics_json(study.metrics)},
            {"targets", study.targets},
            {"tables", study.tables},
            {"replications", replications_json(study.metrics, study.per_replication, study.replication_seeds)},
            {"sessions", study.sessions},
            {"events", study.events},
            {"simulated_days", study.simulated_days}};
}

std::vector<PerSite> per_site(const SiteStudy& study, const world::SiteScenario& s) {
    const std::size_t n = s.world.sites.size();
    struct Acc {
        sim::Tally arrivals, served, gave_up, wait, over;
    };
    std::vector<Acc> acc(n);
    const double days = s.horizon_days > 0 ? s.horizon_days : 1.0;
    const double target_min = s.wait_target_min;
    for (const SiteRecords& r : study.records) {
        std::vector<std::uint64_t> arrived(n), served(n), gave_up(n), over(n);
        std::vector<sim::Tally> wait(n);
        for (const world::CitizenRecord& c : r.citizens) {
            if (c.site >= n) continue;
            ++arrived[c.site];
            const double waited_min = std::chrono::duration<double, std::ratio<60>>(c.waited).count();
            if (c.fate == world::CitizenFate::served) {
                ++served[c.site];
                wait[c.site].add(waited_min);
            } else {
                ++gave_up[c.site];
            }
            if (target_min > 0 && waited_min > target_min) ++over[c.site];
        }
        for (std::size_t k = 0; k < n; ++k) {
            const double a = static_cast<double>(arrived[k]);
            acc[k].arrivals.add(a / days);
            if (arrived[k] == 0) continue;
            acc[k].served.add(100.0 * static_cast<double>(served[k]) / a);
            acc[k].gave_up.add(100.0 * static_cast<double>(gave_up[k]) / a);
            acc[k].over.add(100.0 * static_cast<double>(over[k]) / a);
            if (wait[k].count() > 0) acc[k].wait.add(wait[k].mean());
        }
    }
    std::vector<PerSite> out;
    for (std::size_t k = 0; k < n; ++k)
        out.push_back({s.world.sites[k].id, s.world.sites[k].name, sim::confidence_interval(acc[k].arrivals),
                       sim::confidence_interval(acc[k].served), sim::confidence_interval(acc[k].gave_up),
                       sim::confidence_interval(acc[k].wait), sim::confidence_interval(acc[k].over)});
    return out;
}

nlohmann::json to_json(const std::vector<PerSite>& sites) {
    auto ci = [](const sim::ConfidenceInterval& c) {
        nlohmann::json j{{"mean", std::isfinite(c.mean) ? nlohmann::json(c.mean) : nlohmann::json()}};
        j["ci95_half_width"] = std::isfinite(c.half_width) ? nlohmann::json(c.half_width) : nlohmann::json();
        return j;
    };
    nlohmann::json out = nlohmann::json::array();
    for (const PerSite& k : sites)
        out.push_back({{"id", k.id},
                       {"name", k.name},
                       {"arrivals_day", ci(k.arrivals_day)},
                       {"served_pct", ci(k.served_pct)},
                       {"gave_up_pct", ci(k.gave_up_pct)},
                       {"wait_mean_min", ci(k.wait_mean_min)},
                       {"over_target_pct", ci(k.over_target_pct)}});
    return out;
}

}  // namespace kiosktwin::analysis
