#include "database.hpp"

namespace kiosktwin::store::detail {

// The same tables on both back ends: BIGINT for every integer (a seed is 64
// bits), DOUBLE PRECISION for every real (PostgreSQL's REAL is 32 bits;
// SQLite reads both as its INTEGER and REAL affinities), TEXT for the rest.
const char* const k_schema = R"sql(
CREATE TABLE IF NOT EXISTS runs(
  run_id {ID}, recorded_at TEXT NOT NULL, kiosktwin_version TEXT NOT NULL,
  scenario_name TEXT NOT NULL, scenario_file TEXT NOT NULL, scenario_sha256 TEXT NOT NULL,
  seed BIGINT NOT NULL, replications BIGINT NOT NULL, horizon_days DOUBLE PRECISION NOT NULL,
  effective_json TEXT NOT NULL, results_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS kpis(
  run_id BIGINT NOT NULL REFERENCES runs(run_id), metric TEXT NOT NULL, label TEXT, unit TEXT,
  formula TEXT, requirement TEXT, mean DOUBLE PRECISION, ci95_half_width DOUBLE PRECISION, min DOUBLE PRECISION,
  max DOUBLE PRECISION, PRIMARY KEY(run_id, metric));
CREATE TABLE IF NOT EXISTS visits(
  run_id BIGINT NOT NULL REFERENCES runs(run_id), replication BIGINT NOT NULL, site TEXT NOT NULL,
  citizen BIGINT NOT NULL, persona TEXT NOT NULL, arrived_s DOUBLE PRECISION NOT NULL,
  waited_s DOUBLE PRECISION NOT NULL, held_s DOUBLE PRECISION NOT NULL, fate TEXT NOT NULL, kiosk TEXT,
  helped BIGINT NOT NULL, helped_when_stuck BIGINT NOT NULL DEFAULT 0, walked_m DOUBLE PRECISION NOT NULL DEFAULT 0,
  walking_s DOUBLE PRECISION NOT NULL DEFAULT 0, forgot_card BIGINT NOT NULL DEFAULT 0,
  found_card BIGINT NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS sessions(
  run_id BIGINT NOT NULL REFERENCES runs(run_id), replication BIGINT NOT NULL, site TEXT NOT NULL,
  citizen BIGINT NOT NULL, kiosk TEXT NOT NULL, session BIGINT NOT NULL, kind TEXT NOT NULL, reason TEXT,
  service TEXT, item_code TEXT, case_no TEXT, rating BIGINT, started_s DOUBLE PRECISION, ended_s DOUBLE PRECISION);
CREATE TABLE IF NOT EXISTS tickets(
  run_id BIGINT NOT NULL REFERENCES runs(run_id), replication BIGINT NOT NULL, site TEXT NOT NULL,
  kiosk TEXT NOT NULL, device TEXT NOT NULL, fault TEXT NOT NULL, root_cause TEXT NOT NULL,
  severity BIGINT NOT NULL, occurred_s DOUBLE PRECISION, reported_s DOUBLE PRECISION,
  acknowledged_s DOUBLE PRECISION, arrived_s DOUBLE PRECISION, resolved_s DOUBLE PRECISION,
  within_sla BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS comparisons(
  comparison_id {ID}, recorded_at TEXT NOT NULL, kiosktwin_version TEXT NOT NULL,
  name TEXT NOT NULL, kind TEXT NOT NULL, seed BIGINT NOT NULL, replications BIGINT NOT NULL,
  common_random_numbers BIGINT NOT NULL, precision DOUBLE PRECISION NOT NULL, goal TEXT, goal_variant TEXT,
  result_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS comparison_variants(
  comparison_id BIGINT NOT NULL REFERENCES comparisons(comparison_id), variant BIGINT NOT NULL,
  label TEXT NOT NULL, scenario_file TEXT NOT NULL, scenario_sha256 TEXT NOT NULL, seed BIGINT NOT NULL,
  overrides_json TEXT NOT NULL, PRIMARY KEY(comparison_id, variant));
CREATE TABLE IF NOT EXISTS comparison_kpis(
  comparison_id BIGINT NOT NULL REFERENCES comparisons(comparison_id), variant BIGINT NOT NULL,
  metric TEXT NOT NULL, mean DOUBLE PRECISION, ci95_half_width DOUBLE PRECISION, diff_mean DOUBLE PRECISION,
  diff_ci95_half_width DOUBLE PRECISION, p_value DOUBLE PRECISION, significant BIGINT, replications_needed BIGINT,
  PRIMARY KEY(comparison_id, variant, metric));
CREATE TABLE IF NOT EXISTS placements(
  placement_id {ID}, recorded_at TEXT NOT NULL, kiosktwin_version TEXT NOT NULL,
  city_name TEXT NOT NULL, city_file TEXT NOT NULL, city_sha256 TEXT NOT NULL, district BIGINT,
  objective TEXT NOT NULL, method TEXT NOT NULL, value DOUBLE PRECISION NOT NULL, bound DOUBLE PRECISION,
  gap DOUBLE PRECISION, optimal BIGINT NOT NULL, covered_visits_day DOUBLE PRECISION NOT NULL,
  total_visits_day DOUBLE PRECISION NOT NULL, cost DOUBLE PRECISION NOT NULL, result_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS placement_sites(
  placement_id BIGINT NOT NULL REFERENCES placements(placement_id), site_id TEXT NOT NULL, rank BIGINT NOT NULL,
  name TEXT NOT NULL, venue TEXT NOT NULL, district BIGINT NOT NULL, x_m DOUBLE PRECISION NOT NULL,
  y_m DOUBLE PRECISION NOT NULL, cost DOUBLE PRECISION NOT NULL, feasible_24h BIGINT NOT NULL,
  existing BIGINT NOT NULL, score DOUBLE PRECISION, visits_day DOUBLE PRECISION NOT NULL, kiosks BIGINT,
  arrivals_day DOUBLE PRECISION, wait_mean_min DOUBLE PRECISION, gave_up_pct DOUBLE PRECISION,
  PRIMARY KEY(placement_id, site_id));
CREATE INDEX IF NOT EXISTS visits_run ON visits(run_id, replication);
CREATE INDEX IF NOT EXISTS sessions_run ON sessions(run_id, replication);
CREATE INDEX IF NOT EXISTS tickets_run ON tickets(run_id, replication);
)sql";

bool is_postgresql_url(const std::string& location) {
    return location.rfind("postgresql://", 0) == 0 || location.rfind("postgres://", 0) == 0;
}

std::string redacted(const std::string& location) {
    if (!is_postgresql_url(location)) return location;
    std::string out = location;
    // postgresql://user:password@host → postgresql://user:***@host
    const std::size_t scheme = out.find("://") + 3;
    const std::size_t at = out.find('@', scheme);
    const std::size_t slash = out.find('/', scheme);
    if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
        const std::size_t colon = out.find(':', scheme);
        if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
    // …?password=secret&… → …?password=***&…
    for (std::size_t p = out.find("password="); p != std::string::npos; p = out.find("password=", p + 1)) {
        const std::size_t start = p + 9;
        const std::size_t end = out.find('&', start);
        out.replace(start, (end == std::string::npos ? out.size() : end) - start, "***");
    }
    return out;
}

std::string numbered_parameters(const std::string& sql) {
    std::string out;
    out.reserve(sql.size() + 16);
    int n = 0;
    bool quoted = false;
    for (char c : sql) {
        if (c == '\'') quoted = !quoted;
        if (c == '?' && !quoted) out.append("$").append(std::to_string(++n));
        else out += c;
    }
    return out;
}

}  // namespace kiosktwin::store::detail
