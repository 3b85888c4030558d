// A planner's study of a site scenario (world/site_scenario.hpp): replications
// of the site world on the full kiosk stack, the clause-10 metrics of each
// replication with their formulas (R-10.1-1), and their means with 95 %
// confidence intervals, held against R-10.1-2's reference targets.
//
// SiteKpis is the collector: it subscribes to nothing itself, so it can be
// fed by hand (the formula tests compute a day by hand) or by a World
// (collect()). Times are the scenario's "scheduled service time": a kiosk's
// hours open within the horizon (R-5-3: every hour for a 7×24 room).
#pragma once

#include <kiosktwin/analysis/compare.hpp>
#include <kiosktwin/analysis/replications.hpp>
#include <kiosktwin/sim/stats.hpp>
#include <kiosktwin/world/site.hpp>
#include <kiosktwin/world/site_scenario.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kiosktwin::analysis {

/// The metrics a site study reports, in a fixed order, each with its
/// formula and clause.
const std::vector<MetricDef>& site_metrics();

/// [from, to) intervals of virtual time when a site is open within the horizon.
std::vector<std::pair<sim::Time, sim::Time>> open_intervals(const world::OpeningHours& hours,
                                                            const sim::Calendar& calendar, sim::Duration horizon);

/// One replication's KPIs.
class SiteKpis {
public:
    explicit SiteKpis(const world::SiteScenario& s);

    void on_citizen(const world::CitizenRecord& r);
    void on_ticket(const world::TicketRecord& t);
    void on_refill(const world::RefillRecord& r);
    /// The platform's view of one kiosk: heartbeat-OK time within its site's
    /// open hours (在线率's numerator).
    void set_online(const std::string& terminal, sim::Duration online_in_open_time);
    /// Feeds this collector from a world (before World::run), and the
    /// platform's availability of every kiosk after it (finish()).
    void collect(world::World& w);
    void finish(world::World& w);

    /// The metrics of site_metrics(), in order, for this replication.
    std::vector<double> values() const;

    /// 办件量 (cases completed) by item code, by kiosk and by day (from 0).
    const std::map<std::string, std::uint64_t>& cases_by_item() const noexcept { return m_cases_by_item; }
    const std::map<std::string, std::uint64_t>& cases_by_kiosk() const noexcept { return m_cases_by_kiosk; }
    const std::vector<std::uint64_t>& cases_by_day() const noexcept { return m_cases_by_day; }
    /// 差评 counts by reason code, and ratings by level (index 1..5).
    const std::map<std::string, std::uint64_t>& bad_reasons() const noexcept { return m_bad_reasons; }
    const std::array<std::uint64_t, 6>& ratings() const noexcept { return m_ratings; }
    const std::map<std::string, std::uint64_t>& outcomes() const noexcept { return m_outcomes; }
    /// Fault tickets by root cause (peripheral, network, software, power).
    const std::map<std::string, std::uint64_t>& tickets_by_cause() const noexcept { return m_tickets_by_cause; }
    std::uint64_t sessions() const noexcept { return m_sessions; }

private:
    struct KioskDays {
        std::vector<bool> used;    // a case on day d
        std::vector<bool> faulty;  // a ticket open on day d
        sim::Duration online{};
        sim::Duration downtime{};  // open time with a ticket open
    };
    KioskDays& kiosk(const std::string& terminal);
    sim::Duration open_overlap(std::size_t site, sim::Time from, sim::Time to) const;
    std::size_t day_of(sim::Time t) const;

    const world::SiteScenario& m_s;
    std::size_t m_days = 0;
    std::vector<std::vector<std::pair<sim::Time, sim::Time>>> m_open;  // per site
    std::map<std::string, KioskDays> m_kiosks;
    std::map<std::string, std::size_t> m_kiosk_site;
    sim::Duration m_scheduled{};  // kiosk-time open, all kiosks
    std::uint64_t m_arrivals = 0, m_served = 0, m_reneged = 0, m_balked = 0, m_over_target = 0;
    std::uint64_t m_helped = 0, m_asked_help = 0, m_helped_stuck = 0, m_forgot_card = 0;
    double m_walked_m = 0;
    std::map<std::string, std::uint64_t> m_tickets_by_cause;
    std::uint64_t m_sessions = 0, m_cases = 0, m_cases_helped = 0, m_rated = 0, m_satisfied = 0;
    std::uint64_t m_refills = 0;
    sim::Duration m_held{};
    sim::Tally m_wait;
    sim::QuantileHistogram m_wait_quantiles;
    std::uint64_t m_tickets = 0, m_in_sla = 0;
    sim::Tally m_repair_h;
    std::map<std::string, std::uint64_t> m_cases_by_item, m_cases_by_kiosk, m_bad_reasons, m_outcomes;
    std::vector<std::uint64_t> m_cases_by_day;
    std::array<std::uint64_t, 6> m_ratings{};
};

struct SiteStudyOptions {
    unsigned jobs = 0;  ///< threads; 0 = all hardware threads
    ProgressFn progress;
    bool keep_records = false;  ///< keep every citizen and ticket (for the run record)
    Shard shard{};              ///< run_site_replications: only the replications r with r mod N = I
};

/// One replication's records, when kept.
struct SiteRecords {
    std::vector<world::CitizenRecord> citizens;
    std::vector<world::TicketRecord> tickets;
};

struct SiteStudy {
    std::vector<MetricSummary> metrics;
    std::vector<std::vector<double>> per_replication;  ///< [replication][metric]
    std::vector<std::uint64_t> replication_seeds;
    std::vector<SiteRecords> records;                  ///< per replication, if kept
    nlohmann::json tables;   ///< 办件量 by item / kiosk / day, outcomes, ratings, 差评 reasons: means per replication
    nlohmann::json targets;  ///< R-10.1-2: each target, the estimate and whether it is met
    std::uint64_t events = 0;
    std::uint64_t sessions = 0;  ///< kiosk sessions over all replications
    double simulated_days = 0;
};

/// One replication of a site study: everything its summary needs. A shard
/// of a run (kiosktwin run --shard I/N) is a list of these, written as JSON;
/// the shards joined in index order summarise to the very study one process
/// gives.
struct SiteReplication {
    std::uint32_t index = 0;     ///< which replication (its random streams)
    std::vector<double> values;  ///< site_metrics() order
    std::uint64_t seed = 0, events = 0, sessions = 0;
    std::map<std::string, std::uint64_t> by_item, by_kiosk, reasons, outcomes, tickets_by_cause;
    std::vector<std::uint64_t> by_day;
    std::array<std::uint64_t, 6> ratings{};  ///< [level 1..5]
    SiteRecords records;                     ///< if kept (not in the JSON)
};

/// Runs the replications of the options' shard (all of them for the whole
/// run), in index order.
std::vector<SiteReplication> run_site_replications(const world::SiteScenario& s, const SiteStudyOptions& options = {});
/// The study of replications 0..R-1, given in index order (their records
/// moved in with `keep_records`). Throws std::invalid_argument when one is
/// missing.
SiteStudy summarise_site_study(const world::SiteScenario& s, std::vector<SiteReplication> replications,
                               bool keep_records);
/// A shard's replications as JSON, and back (std::invalid_argument naming
/// the JSON path of what is wrong).
nlohmann::json to_json(const std::vector<SiteReplication>& replications);
std::vector<SiteReplication> site_replications_from_json(const nlohmann::json& j);

/// Replication r of the site world: site_metrics() values, seed, events.
ReplicationResult site_replication(const world::SiteScenario& s, std::uint32_t r);

SiteStudy run_site_study(const world::SiteScenario& s, const SiteStudyOptions& options = {});

/// What the citizens of one site met, over the replications (from the kept
/// records: run_site_study with keep_records).
struct PerSite {
    std::string id, name;
    sim::ConfidenceInterval arrivals_day;   ///< citizens a day
    sim::ConfidenceInterval served_pct;     ///< served / arrived
    sim::ConfidenceInterval gave_up_pct;    ///< reneged or balked / arrived
    sim::ConfidenceInterval wait_mean_min;  ///< mean wait of those who reached a kiosk
    sim::ConfidenceInterval over_target_pct;  ///< share of arrivals waiting longer than the scenario's target
};
std::vector<PerSite> per_site(const SiteStudy& study, const world::SiteScenario& s);
nlohmann::json to_json(const std::vector<PerSite>& sites);

/// The study's results as JSON (deterministic: no wall-clock figures).
nlohmann::json to_json(const SiteStudy& study);

}  // namespace kiosktwin::analysis
