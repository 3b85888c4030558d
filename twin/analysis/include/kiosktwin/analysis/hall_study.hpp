// A planner's study of one hall scenario: replications of the hall model,
// KPIs per replication, and their means with confidence intervals.
#pragma once

#include <kiosktwin/analysis/replications.hpp>
#include <kiosktwin/sim/stats.hpp>
#include <kiosktwin/world/hall.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <vector>

namespace kiosktwin::analysis {

/// Collects one replication's KPIs from the visits the model publishes.
class HallKpis {
public:
    explicit HallKpis(const world::HallScenario& s);
    void on_visit(const world::VisitRecord& v);
    /// The metrics of hall_metrics(), in order, for this replication.
    std::vector<double> values(const world::HallRunInfo& info) const;

    std::uint64_t arrivals() const noexcept { return m_arrivals; }

private:
    const world::HallScenario& m_s;
    sim::Time m_from;
    std::uint64_t m_arrivals = 0, m_served = 0, m_reneged = 0, m_balked = 0, m_turned_away = 0;
    std::uint64_t m_waited = 0, m_over_target = 0;
    sim::Tally m_wait;
    sim::QuantileHistogram m_wait_quantiles;
};

/// The metrics a hall study reports, in a fixed order.
const std::vector<MetricDef>& hall_metrics();

struct HallStudyOptions {
    unsigned jobs = 0;  ///< threads; 0 = all hardware threads
    ProgressFn progress;
};

struct HallStudy {
    std::vector<MetricSummary> metrics;
    std::vector<std::vector<double>> per_replication;  ///< [replication][metric]
    std::vector<std::uint64_t> replication_seeds;
    std::uint64_t events = 0;  ///< kernel events over all replications
    double simulated_days = 0;  ///< over all replications
};

/// Replication r of the hall model: hall_metrics() values, seed, events.
ReplicationResult hall_replication(const world::HallScenario& s, std::uint32_t r);

HallStudy run_hall_study(const world::HallScenario& s, const HallStudyOptions& options = {});

/// The study's results as JSON (deterministic: no wall-clock figures).
nlohmann::json to_json(const HallStudy& study);

}  // namespace kiosktwin::analysis
