#include <kiosktwin/analysis/hall_study.hpp>

#include <cmath>

namespace kiosktwin::analysis {

namespace {
enum Metric : std::size_t {
    arrivals_per_day,
    served_per_day,
    balked_pct,
    reneged_pct,
    turned_away_pct,
    waited_pct,
    over_target_pct,
    wait_mean_min,
    wait_p50_min,
    wait_p90_min,
    wait_p95_min,
    utilisation_pct,
    mean_queue,
    max_queue,
    metric_count
};

double pct(std::uint64_t part, std::uint64_t whole) {
    return whole == 0 ? 0.0 : 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}
}  // namespace

const std::vector<MetricDef>& hall_metrics() {
    static const std::vector<MetricDef> defs{
        {"arrivals_per_day", "Citizens arriving", "per day"},
        {"served_per_day", "Citizens served", "per day"},
        {"balked_pct", "Balked (queue too long)", "%"},
        {"reneged_pct", "Reneged (lost patience)", "%"},
        {"turned_away_pct", "Turned away (hall full)", "%"},
        {"waited_pct", "Served who had to wait", "%"},
        {"over_target_pct", "Served who waited over target", "%"},
        {"wait_mean_min", "Wait, mean (served)", "min"},
        {"wait_p50_min", "Wait, median (served)", "min"},
        {"wait_p90_min", "Wait, 90th percentile (served)", "min"},
        {"wait_p95_min", "Wait, 95th percentile (served)", "min"},
        {"utilisation_pct", "Kiosk utilisation", "%"},
        {"mean_queue", "Queue length, time-average", "citizens"},
        {"max_queue", "Queue length, maximum", "citizens"},
    };
    return defs;
}

HallKpis::HallKpis(const world::HallScenario& s) : m_s(s), m_from(sim::Time{s.warmup()}) {}

void HallKpis::on_visit(const world::VisitRecord& v) {
    if (v.arrived < m_from) return;  // warm-up
    ++m_arrivals;
    switch (v.outcome) {
    case world::VisitOutcome::served: {
        ++m_served;
        const double w = sim::to_minutes(v.waited);
        m_wait.add(w);
        m_wait_quantiles.add(w);
        m_waited += v.waited.count() > 0;
        m_over_target += w > m_s.wait_target_min;
        break;
    }
    case world::VisitOutcome::reneged: ++m_reneged; break;
    case world::VisitOutcome::balked: ++m_balked; break;
    case world::VisitOutcome::turned_away: ++m_turned_away; break;
    }
}

std::vector<double> HallKpis::values(const world::HallRunInfo& info) const {
    const double days = m_s.horizon_days - m_s.warmup_h / 24.0;
    std::vector<double> v(metric_count, 0.0);
    v[arrivals_per_day] = static_cast<double>(m_arrivals) / days;
    v[served_per_day] = static_cast<double>(m_served) / days;
    v[balked_pct] = pct(m_balked, m_arrivals);
    v[reneged_pct] = pct(m_reneged, m_arrivals);
    v[turned_away_pct] = pct(m_turned_away, m_arrivals);
    v[waited_pct] = pct(m_waited, m_served);
    v[over_target_pct] = pct(m_over_target, m_served);
    const bool any = m_served > 0;
    v[wait_mean_min] = any ? m_wait.mean() : 0.0;
    v[wait_p50_min] = any ? m_wait_quantiles.quantile(0.50) : 0.0;
    v[wait_p90_min] = any ? m_wait_quantiles.quantile(0.90) : 0.0;
    v[wait_p95_min] = any ? m_wait_quantiles.quantile(0.95) : 0.0;
    v[utilisation_pct] = 100.0 * info.utilisation;
    v[mean_queue] = info.mean_queue_length;
    v[max_queue] = info.max_queue_length;
    return v;
}

ReplicationResult hall_replication(const world::HallScenario& s, std::uint32_t r) {
    world::HallModel model(s, r);
    HallKpis kpis(s);
    model.visit_ended.connect([&kpis](const world::VisitRecord& v) { kpis.on_visit(v); });
    const world::HallRunInfo info = model.run();
    return ReplicationResult{kpis.values(info), model.seed(), info.events};
}

HallStudy run_hall_study(const world::HallScenario& s, const HallStudyOptions& options) {
    const std::function<ReplicationResult(std::uint32_t)> one = [&s](std::uint32_t r) { return hall_replication(s, r); };
    const auto reps = run_replications<ReplicationResult>(static_cast<std::size_t>(s.replications), options.jobs, one,
                                                          options.progress);
    HallStudy study;
    for (const ReplicationResult& r : reps) {
        study.per_replication.push_back(r.values);
        study.replication_seeds.push_back(r.seed);
        study.events += r.events;
    }
    study.simulated_days = s.horizon_days * s.replications;
    study.metrics = summarise(hall_metrics(), study.per_replication, 0.95);
    return study;
}

nlohmann::json to_json(const HallStudy& study) {
    return {{"metrics", metrics_json(study.metrics)},
            {"replications", replications_json(study.metrics, study.per_replication, study.replication_seeds)},
            {"events", study.events},
            {"simulated_days", study.simulated_days}};
}

}  // namespace kiosktwin::analysis
