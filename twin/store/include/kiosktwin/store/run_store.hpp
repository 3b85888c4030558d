// The run record (ARCHITECTURE.md, "twin/store"): every `kiosktwin run` of a
// site scenario kept in one SQLite file — seed, scenario hash, the effective
// parameters, the KPIs with their confidence intervals, and, per
// replication, every citizen's visit with its sessions and every fault
// ticket — so that a planner can go back to any run and query it.
//
// Tables (one file holds many runs; application_id "KTRS"):
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
// Times are seconds of virtual time from the scenario's epoch.
#pragma once

#include <kiosktwin/analysis/site_study.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

struct sqlite3;

namespace kiosktwin::store {

/// A store that cannot be opened or written.
class StoreError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class RunStore {
public:
    /// Opens (creating the file, its directory and the tables if needed).
    explicit RunStore(const std::string& path);
    ~RunStore();
    RunStore(const RunStore&) = delete;
    RunStore& operator=(const RunStore&) = delete;

    /// Records a run: `result` is `kiosktwin run --json`'s object, `study`
    /// its records (kept with SiteStudyOptions::keep_records), `recorded_at`
    /// the wall-clock time the caller read (the store reads no clock). One
    /// transaction; returns the run id.
    std::int64_t record(const nlohmann::json& result, const analysis::SiteStudy& study, const std::string& recorded_at);

    /// Runs recorded so far.
    std::int64_t runs() const;
    /// A single integer from a query (for tests and tools).
    std::int64_t count(const std::string& sql) const;

private:
    void exec(const char* sql) const;
    sqlite3* m_db = nullptr;
};

}  // namespace kiosktwin::store
