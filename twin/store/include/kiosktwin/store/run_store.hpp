// The run record (ARCHITECTURE.md, "twin/store"): every `kiosktwin run` of a
// site scenario, every comparison and every placement kept in one store —
// seed, scenario hash, the effective parameters, the KPIs with their
// confidence intervals, and, per replication, every citizen's visit with its
// sessions and every fault ticket — so that a planner can go back to any run
// and query it.
//
// A store is a SQLite file (application_id "KTRS") or a PostgreSQL database
// (`postgresql://USER[:PASSWORD]@HOST[:PORT]/DB`, through libpqxx): the same
// tables, columns and types on both — BIGINT integers, DOUBLE PRECISION
// reals, TEXT, the ids numbered by the database.
//
// Tables:
//   runs(run_id, recorded_at, kiosktwin_version, scenario_name, scenario_file,
//        scenario_sha256, seed, replications, horizon_days, effective_json,
//        results_json)
//   kpis(run_id, metric, label, unit, formula, requirement, mean,
//        ci95_half_width, min, max)
//   visits(run_id, replication, site, citizen, persona, arrived_s, waited_s,
//          held_s, fate, kiosk, helped, helped_when_stuck, walked_m, walking_s,
//          forgot_card, found_card)
//   sessions(run_id, replication, site, citizen, kiosk, session, kind, reason,
//            service, item_code, case_no, rating, started_s, ended_s)
//   tickets(run_id, replication, site, kiosk, device, fault, root_cause,
//           severity, occurred_s, reported_s, acknowledged_s, arrived_s,
//           resolved_s, within_sla)
//   comparisons(comparison_id, recorded_at, kiosktwin_version, name, kind,
//               seed, replications, common_random_numbers, precision, goal,
//               goal_variant, result_json)
//   comparison_variants(comparison_id, variant, label, scenario_file,
//                       scenario_sha256, seed, overrides_json)
//   comparison_kpis(comparison_id, variant, metric, mean, ci95_half_width,
//                   diff_mean, diff_ci95_half_width, p_value, significant,
//                   replications_needed)   (diff_*: against variant 0)
//   placements(placement_id, recorded_at, kiosktwin_version, city_name,
//              city_file, city_sha256, district, objective, method, value,
//              bound, gap, optimal, covered_visits_day, total_visits_day,
//              cost, result_json)
//   placement_sites(placement_id, site_id, rank, name, venue, district, x_m,
//                   y_m, cost, feasible_24h, existing, score, visits_day,
//                   kiosks, arrivals_day, wait_mean_min, gave_up_pct)
//                   (rank 0: an existing site; the last three when simulated)
// Times are seconds of virtual time from the scenario's epoch.
#pragma once

#include <kiosktwin/analysis/site_study.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace kiosktwin::store {

namespace detail {
class Database;
}

/// A store that cannot be opened or written.
class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// One replication of a recorded run, as a replay reads it back (the
/// panel's seekable timeline). Times in seconds of virtual time.
struct RecordedRun {
    struct Visit {
        std::string site, persona, fate, kiosk;  ///< kiosk: terminal id, "" if none
        std::uint64_t citizen = 0;
        double arrived_s = 0, waited_s = 0, held_s = 0, walking_s = 0;
        bool helped = false;
    };
    struct Session {
        std::string site, kiosk, kind, reason, item_code, case_no;
        std::uint64_t citizen = 0;
        int rating = 0;
        double started_s = 0, ended_s = 0;
    };
    struct Ticket {
        std::string site, kiosk, device, fault, root_cause;
        int severity = 0;
        double occurred_s = 0, reported_s = 0, acknowledged_s = 0, arrived_s = 0, resolved_s = 0;
    };
    std::int64_t run_id = 0;
    int replication = 0;
    std::string scenario_name, scenario_file, recorded_at;
    nlohmann::json effective;  ///< the scenario with every default filled in
    double horizon_days = 0;
    std::vector<Visit> visits;      ///< by arrival
    std::vector<Session> sessions;  ///< by start
    std::vector<Ticket> tickets;    ///< by occurrence
};

class RunStore {
public:
    /// Opens an existing store to read: throws StoreError if there is no
    /// such file or database, or it is not a run store.
    static std::unique_ptr<RunStore> open_existing(const std::string& location);
    /// Opens `location` — a SQLite file's path, or a PostgreSQL URL
    /// (postgresql://…) — creating the file, its directory and the tables
    /// as needed. Throws StoreError if it cannot.
    explicit RunStore(const std::string& location);
    ~RunStore();
    RunStore(const RunStore&) = delete;
    RunStore& operator=(const RunStore&) = delete;

    /// Records a run: `result` is `kiosktwin run --json`'s object, `study`
    /// its records (kept with SiteStudyOptions::keep_records), `recorded_at`
    /// the wall-clock time the caller read (the store reads no clock). One
    /// transaction; returns the run id.
    std::int64_t record(const nlohmann::json& result, const analysis::SiteStudy& study, const std::string& recorded_at);

    /// Records a comparison: `result` is `kiosktwin compare --json`'s object
    /// (or `kiosktwin merge`'s). One transaction; returns the comparison id.
    std::int64_t record_comparison(const nlohmann::json& result, const std::string& recorded_at);

    /// `kiosktwin run --json`'s object of run `run_id` (0: the latest), as
    /// recorded. Throws StoreError if there is no such run.
    nlohmann::json run_result(std::int64_t run_id = 0) const;
    /// `kiosktwin compare --json`'s object of comparison `comparison_id` (0:
    /// the latest). Throws StoreError if there is no such comparison.
    nlohmann::json comparison_result(std::int64_t comparison_id = 0) const;

    /// Records a placement: `result` is `kiosktwin place --json`'s object.
    /// One transaction; returns the placement id.
    std::int64_t record_placement(const nlohmann::json& result, const std::string& recorded_at);
    /// `kiosktwin place --json`'s object of placement `placement_id` (0: the latest).
    nlohmann::json placement_result(std::int64_t placement_id = 0) const;

    /// Where the store is, for messages (a URL's password shown as ***).
    const std::string& location() const;

    /// Runs recorded so far.
    std::int64_t runs() const;
    /// A single integer from a query (for tests and tools).
    std::int64_t count(const std::string& sql) const;
    /// Reads back replication `replication` (0-based) of run `run_id` (0:
    /// the latest run). Throws StoreError if there is no such run.
    RecordedRun load(std::int64_t run_id = 0, int replication = 0) const;

private:
    explicit RunStore(std::unique_ptr<detail::Database> db);
    /// The result_json of row `id` (0: the latest) of `kind` + "s" ("comparison", "placement").
    nlohmann::json stored_result(const std::string& kind, std::int64_t id) const;
    /// The latest id in `table` (0 if none).
    std::int64_t latest(const std::string& table, const std::string& key) const;
    std::unique_ptr<detail::Database> m_db;
};

}  // namespace kiosktwin::store
