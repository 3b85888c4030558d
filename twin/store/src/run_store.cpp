#include <kiosktwin/store/run_store.hpp>

#include <sqlite3.h>

#include <cmath>
#include <map>
#include <filesystem>

namespace kiosktwin::store {

namespace {

// PRAGMA application_id "KTRS": another program's SQLite file is refused.
constexpr int k_application_id = 0x4B545253;

struct StmtDeleter {
    void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

constexpr const char* k_schema = R"sql(
CREATE TABLE IF NOT EXISTS runs(
  run_id INTEGER PRIMARY KEY, recorded_at TEXT NOT NULL, kiosktwin_version TEXT NOT NULL,
  scenario_name TEXT NOT NULL, scenario_file TEXT NOT NULL, scenario_sha256 TEXT NOT NULL,
  seed INTEGER NOT NULL, replications INTEGER NOT NULL, horizon_days REAL NOT NULL,
  effective_json TEXT NOT NULL, results_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS kpis(
  run_id INTEGER NOT NULL REFERENCES runs(run_id), metric TEXT NOT NULL, label TEXT, unit TEXT,
  formula TEXT, requirement TEXT, mean REAL, ci95_half_width REAL, min REAL, max REAL,
  PRIMARY KEY(run_id, metric));
CREATE TABLE IF NOT EXISTS visits(
  run_id INTEGER NOT NULL REFERENCES runs(run_id), replication INTEGER NOT NULL, site TEXT NOT NULL,
  citizen INTEGER NOT NULL, persona TEXT NOT NULL, arrived_s REAL NOT NULL, waited_s REAL NOT NULL,
  held_s REAL NOT NULL, fate TEXT NOT NULL, kiosk TEXT, helped INTEGER NOT NULL,
  helped_when_stuck INTEGER NOT NULL DEFAULT 0, walked_m REAL NOT NULL DEFAULT 0, walking_s REAL NOT NULL DEFAULT 0,
  forgot_card INTEGER NOT NULL DEFAULT 0, found_card INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS sessions(
  run_id INTEGER NOT NULL REFERENCES runs(run_id), replication INTEGER NOT NULL, site TEXT NOT NULL,
  citizen INTEGER NOT NULL, kiosk TEXT NOT NULL, session INTEGER NOT NULL, kind TEXT NOT NULL, reason TEXT,
  service TEXT, item_code TEXT, case_no TEXT, rating INTEGER, started_s REAL, ended_s REAL);
CREATE TABLE IF NOT EXISTS tickets(
  run_id INTEGER NOT NULL REFERENCES runs(run_id), replication INTEGER NOT NULL, site TEXT NOT NULL,
  kiosk TEXT NOT NULL, device TEXT NOT NULL, fault TEXT NOT NULL, root_cause TEXT NOT NULL,
  severity INTEGER NOT NULL, occurred_s REAL, reported_s REAL, acknowledged_s REAL, arrived_s REAL,
  resolved_s REAL, within_sla INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS comparisons(
  comparison_id INTEGER PRIMARY KEY, recorded_at TEXT NOT NULL, kiosktwin_version TEXT NOT NULL,
  name TEXT NOT NULL, kind TEXT NOT NULL, seed INTEGER NOT NULL, replications INTEGER NOT NULL,
  common_random_numbers INTEGER NOT NULL, precision REAL NOT NULL, goal TEXT, goal_variant TEXT,
  result_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS comparison_variants(
  comparison_id INTEGER NOT NULL REFERENCES comparisons(comparison_id), variant INTEGER NOT NULL,
  label TEXT NOT NULL, scenario_file TEXT NOT NULL, scenario_sha256 TEXT NOT NULL, seed INTEGER NOT NULL,
  overrides_json TEXT NOT NULL, PRIMARY KEY(comparison_id, variant));
CREATE TABLE IF NOT EXISTS comparison_kpis(
  comparison_id INTEGER NOT NULL REFERENCES comparisons(comparison_id), variant INTEGER NOT NULL,
  metric TEXT NOT NULL, mean REAL, ci95_half_width REAL, diff_mean REAL, diff_ci95_half_width REAL,
  p_value REAL, significant INTEGER, replications_needed INTEGER, PRIMARY KEY(comparison_id, variant, metric));
CREATE TABLE IF NOT EXISTS placements(
  placement_id INTEGER PRIMARY KEY, recorded_at TEXT NOT NULL, kiosktwin_version TEXT NOT NULL,
  city_name TEXT NOT NULL, city_file TEXT NOT NULL, city_sha256 TEXT NOT NULL, district INTEGER,
  objective TEXT NOT NULL, method TEXT NOT NULL, value REAL NOT NULL, bound REAL, gap REAL, optimal INTEGER NOT NULL,
  covered_visits_day REAL NOT NULL, total_visits_day REAL NOT NULL, cost REAL NOT NULL, result_json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS placement_sites(
  placement_id INTEGER NOT NULL REFERENCES placements(placement_id), site_id TEXT NOT NULL, rank INTEGER NOT NULL,
  name TEXT NOT NULL, venue TEXT NOT NULL, district INTEGER NOT NULL, x_m REAL NOT NULL, y_m REAL NOT NULL,
  cost REAL NOT NULL, feasible_24h INTEGER NOT NULL, existing INTEGER NOT NULL, score REAL, visits_day REAL NOT NULL,
  kiosks INTEGER, arrivals_day REAL, wait_mean_min REAL, gave_up_pct REAL, PRIMARY KEY(placement_id, site_id));
CREATE INDEX IF NOT EXISTS visits_run ON visits(run_id, replication);
CREATE INDEX IF NOT EXISTS sessions_run ON sessions(run_id, replication);
CREATE INDEX IF NOT EXISTS tickets_run ON tickets(run_id, replication);
)sql";

double seconds(sim::Time t) { return sim::to_seconds(t.time_since_epoch()); }

// Binds values to a statement by position, steps it and resets it.
class Insert {
public:
    Insert(sqlite3* db, const char* sql) : m_db(db) {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v2(db, sql, -1, &s, nullptr) != SQLITE_OK)
            throw StoreError(std::string("run store: ") + sqlite3_errmsg(db));
        m_stmt.reset(s);
    }
    Insert& text(const std::string& v) {
        sqlite3_bind_text(m_stmt.get(), ++m_i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Insert& integer(std::int64_t v) {
        sqlite3_bind_int64(m_stmt.get(), ++m_i, v);
        return *this;
    }
    Insert& real(double v) {
        if (std::isfinite(v)) sqlite3_bind_double(m_stmt.get(), ++m_i, v);
        else sqlite3_bind_null(m_stmt.get(), ++m_i);
        return *this;
    }
    void step() {
        if (sqlite3_step(m_stmt.get()) != SQLITE_DONE) throw StoreError(std::string("run store: ") + sqlite3_errmsg(m_db));
        sqlite3_reset(m_stmt.get());
        sqlite3_clear_bindings(m_stmt.get());
        m_i = 0;
    }

private:
    sqlite3* m_db;
    Stmt m_stmt;
    int m_i = 0;
};

}  // namespace

RunStore::RunStore(const std::string& path) {
    const std::filesystem::path p(path);
    if (p.has_parent_path()) {
        std::error_code ec;
        std::filesystem::create_directories(p.parent_path(), ec);
    }
    if (sqlite3_open_v2(path.c_str(), &m_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
        const std::string why = m_db ? sqlite3_errmsg(m_db) : "out of memory";
        sqlite3_close(m_db);
        m_db = nullptr;
        throw StoreError("cannot open the run store " + path + ": " + why);
    }
    sqlite3_busy_timeout(m_db, 5000);
    try {
        const std::int64_t app = count("PRAGMA application_id");
        const std::int64_t tables = count("SELECT count(*) FROM sqlite_master");
        if (app != k_application_id && (app != 0 || tables != 0))
            throw StoreError(path + " is not a KioskTwin run store (another program's SQLite file?)");
        exec("PRAGMA journal_mode=WAL");
        std::string pragma = "PRAGMA application_id=";
        pragma += std::to_string(k_application_id);
        exec(pragma.c_str());
        exec(k_schema);
        // Files from before the floor plan (visits without walking and
        // cards) gain the columns, with their defaults for the old rows.
        if (count("SELECT count(*) FROM pragma_table_info('visits') WHERE name = 'walked_m'") == 0)
            exec("ALTER TABLE visits ADD COLUMN helped_when_stuck INTEGER NOT NULL DEFAULT 0;"
                 "ALTER TABLE visits ADD COLUMN walked_m REAL NOT NULL DEFAULT 0;"
                 "ALTER TABLE visits ADD COLUMN walking_s REAL NOT NULL DEFAULT 0;"
                 "ALTER TABLE visits ADD COLUMN forgot_card INTEGER NOT NULL DEFAULT 0;"
                 "ALTER TABLE visits ADD COLUMN found_card INTEGER NOT NULL DEFAULT 0;");
    } catch (...) {
        sqlite3_close(m_db);
        m_db = nullptr;
        throw;
    }
}

std::int64_t RunStore::record_comparison(const nlohmann::json& result, const std::string& recorded_at) {
    using nlohmann::json;
    auto real_or_nan = [](const json& v) { return v.is_number() ? v.get<double>() : std::nan(""); };
    exec("BEGIN IMMEDIATE");
    try {
        const json& goal = result["results"].value("goal", json::object());
        Insert c(m_db, "INSERT INTO comparisons(recorded_at, kiosktwin_version, name, kind, seed, replications, "
                       "common_random_numbers, precision, goal, goal_variant, result_json) "
                       "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        c.text(recorded_at)
            .text(result.at("kiosktwin_version").get<std::string>())
            .text(result.at("name").get<std::string>())
            .text(result.at("kind").get<std::string>())
            .integer(static_cast<std::int64_t>(result.at("seed").get<std::uint64_t>()))
            .integer(result.at("replications").get<std::int64_t>())
            .integer(result.at("common_random_numbers").get<bool>() ? 1 : 0)
            .real(result.at("precision").get<double>())
            .text(result["goal"].is_string() ? result["goal"].get<std::string>() : std::string())
            .text(goal.value("variant", json()).is_string() ? goal["variant"].get<std::string>() : std::string())
            .text(result.dump())
            .step();
        const std::int64_t id = sqlite3_last_insert_rowid(m_db);
        Insert v(m_db, "INSERT INTO comparison_variants VALUES(?, ?, ?, ?, ?, ?, ?)");
        Insert k(m_db, "INSERT INTO comparison_kpis VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        const json& variants = result.at("variants");
        const json& results = result.at("results");
        for (std::size_t i = 0; i < variants.size(); ++i) {
            const json& var = variants[i];
            v.integer(id)
                .integer(static_cast<std::int64_t>(i))
                .text(var.at("label").get<std::string>())
                .text(var.at("file").get<std::string>())
                .text(var.at("sha256").get<std::string>())
                .integer(static_cast<std::int64_t>(var.at("seed").get<std::uint64_t>()))
                .text(var.at("overrides").dump())
                .step();
            const json& metrics = results.at("variants").at(i).at("metrics");
            for (const auto& [key, m] : metrics.items()) {
                const json none = json::object();
                const json& d = i == 0 ? none : results.at("differences").at(i - 1).at("metrics").at(key);
                const json needed = i == 0 ? results.at("variants").at(i).at("replications_needed").at(key)
                                           : d.value("replications_needed", json());
                k.integer(id).integer(static_cast<std::int64_t>(i)).text(key).real(real_or_nan(m["mean"]))
                    .real(real_or_nan(m["ci95_half_width"]))
                    .real(real_or_nan(d.value("mean", json())))
                    .real(real_or_nan(d.value("ci95_half_width", json())))
                    .real(real_or_nan(d.value("p_value", json())));
                if (d.contains("significant")) k.integer(d["significant"].get<bool>() ? 1 : 0);
                else k.real(std::nan(""));
                if (needed.is_number()) k.integer(needed.get<std::int64_t>());
                else k.real(std::nan(""));
                k.step();
            }
        }
        exec("COMMIT");
        return id;
    } catch (...) {
        sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

std::int64_t RunStore::record_placement(const nlohmann::json& result, const std::string& recorded_at) {
    using nlohmann::json;
    auto real_or_nan = [](const json& v) { return v.is_number() ? v.get<double>() : std::nan(""); };
    exec("BEGIN IMMEDIATE");
    try {
        const json& city = result.at("city");
        const json& sol = result.at("solution");
        const json& cov = result.at("coverage");
        Insert p(m_db, "INSERT INTO placements(recorded_at, kiosktwin_version, city_name, city_file, city_sha256, district, "
                       "objective, method, value, bound, gap, optimal, covered_visits_day, total_visits_day, cost, "
                       "result_json) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        p.text(recorded_at)
            .text(result.at("kiosktwin_version").get<std::string>())
            .text(city.at("name").get<std::string>())
            .text(city.at("file").get<std::string>())
            .text(city.at("sha256").get<std::string>());
        if (city.value("district", json()).is_number()) p.integer(city["district"].get<std::int64_t>());
        else p.real(std::nan(""));
        p.text(result.at("problem").at("objective").get<std::string>())
            .text(sol.at("method").get<std::string>())
            .real(sol.at("value").get<double>())
            .real(real_or_nan(sol.value("bound", json())))
            .real(real_or_nan(sol.value("gap", json())))
            .integer(sol.value("optimal", false) ? 1 : 0)
            .real(cov.at("covered_visits_day").get<double>())
            .real(cov.at("total_visits_day").get<double>())
            .real(cov.at("cost").get<double>())
            .text(result.dump())
            .step();
        const std::int64_t id = sqlite3_last_insert_rowid(m_db);
        std::map<std::string, json> simulated;
        if (result.value("simulation", json()).is_object())
            for (const json& k : result["simulation"].value("sites", json::array())) simulated[k.value("id", std::string())] = k;
        Insert site(m_db, "INSERT INTO placement_sites VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        for (const json& s : result.at("sites")) {
            const std::string sid = s.at("id").get<std::string>();
            const json k = simulated.count(sid) ? simulated[sid] : json::object();
            auto mean = [&](const char* key) { return real_or_nan(k.value(key, json::object()).value("mean", json())); };
            site.integer(id).text(sid).integer(s.value("rank", 0)).text(s.value("name", sid)).text(s.at("venue").get<std::string>())
                .integer(s.value("district", 0)).real(s.at("x").get<double>()).real(s.at("y").get<double>())
                .real(s.value("cost", 0.0)).integer(s.value("feasible_24h", false) ? 1 : 0)
                .integer(s.value("existing", false) ? 1 : 0).real(real_or_nan(s.value("score", json())))
                .real(s.value("visits_day", 0.0));
            if (s.value("kiosks", json()).is_number()) site.integer(s["kiosks"].get<std::int64_t>());
            else site.real(std::nan(""));
            site.real(mean("arrivals_day")).real(mean("wait_mean_min")).real(mean("gave_up_pct")).step();
        }
        exec("COMMIT");
        return id;
    } catch (...) {
        sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

RunStore::~RunStore() { sqlite3_close(m_db); }

void RunStore::exec(const char* sql) const {
    char* err = nullptr;
    if (sqlite3_exec(m_db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
        const std::string why = err ? err : "unknown error";
        sqlite3_free(err);
        throw StoreError("run store: " + why);
    }
}

std::int64_t RunStore::count(const std::string& sql) const {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK)
        throw StoreError(std::string("run store: ") + sqlite3_errmsg(m_db));
    Stmt s(raw);
    return sqlite3_step(s.get()) == SQLITE_ROW ? sqlite3_column_int64(s.get(), 0) : 0;
}

std::unique_ptr<RunStore> RunStore::open_existing(const std::string& path) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) throw StoreError("no run store at " + path);
    return std::make_unique<RunStore>(path);
}

namespace {
// Reads rows of a query, one callback per row.
template <class Row>
void each_row(sqlite3* db, const std::string& sql, std::int64_t run, int replication, Row&& row) {
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK)
        throw StoreError(std::string("run store: ") + sqlite3_errmsg(db));
    Stmt s(raw);
    sqlite3_bind_int64(s.get(), 1, run);
    sqlite3_bind_int(s.get(), 2, replication);
    while (sqlite3_step(s.get()) == SQLITE_ROW) row(s.get());
}
std::string text_of(sqlite3_stmt* s, int col) {
    const unsigned char* t = sqlite3_column_text(s, col);
    return t ? reinterpret_cast<const char*>(t) : "";
}
}  // namespace

nlohmann::json RunStore::run_result(std::int64_t run_id) const {
    if (run_id == 0) run_id = count("SELECT coalesce(max(run_id), 0) FROM runs");
    nlohmann::json out;
    each_row(m_db, "SELECT kiosktwin_version, scenario_name, scenario_file, scenario_sha256, seed, replications, "
                   "horizon_days, effective_json, results_json FROM runs WHERE run_id = ?1 AND ?2 = 0",
             run_id, 0, [&](sqlite3_stmt* s) {
                 out = {{"kiosktwin_version", text_of(s, 0)},
                        {"verb", "run"},
                        {"kind", "sites"},
                        {"scenario", {{"file", text_of(s, 2)}, {"name", text_of(s, 1)}, {"sha256", text_of(s, 3)},
                                      {"effective", nlohmann::json::parse(text_of(s, 7), nullptr, false)}}},
                        {"seed", static_cast<std::uint64_t>(sqlite3_column_int64(s, 4))},
                        {"replications", sqlite3_column_int(s, 5)},
                        {"horizon_days", sqlite3_column_double(s, 6)},
                        {"results", nlohmann::json::parse(text_of(s, 8), nullptr, false)},
                        {"run_id", run_id}};
             });
    if (out.is_null()) throw StoreError(run_id == 0 ? "the store holds no run" : "no run " + std::to_string(run_id) + " in the store");
    if (out["results"].is_discarded() || out["scenario"]["effective"].is_discarded())
        throw StoreError("run " + std::to_string(run_id) + ": its record is not valid JSON");
    return out;
}

nlohmann::json RunStore::stored_result(const std::string& kind, std::int64_t id) const {
    const std::string table = kind + "s", key = kind + "_id";
    if (id == 0) id = count("SELECT coalesce(max(" + key + "), 0) FROM " + table);
    nlohmann::json out;
    each_row(m_db, "SELECT result_json FROM " + table + " WHERE " + key + " = ?1 AND ?2 = 0", id, 0,
             [&](sqlite3_stmt* s) { out = nlohmann::json::parse(text_of(s, 0), nullptr, false); });
    if (out.is_null())
        throw StoreError(id == 0 ? "the store holds no " + kind : "no " + kind + " " + std::to_string(id) + " in the store");
    if (out.is_discarded()) throw StoreError(kind + " " + std::to_string(id) + ": its record is not valid JSON");
    return out;
}

nlohmann::json RunStore::comparison_result(std::int64_t comparison_id) const { return stored_result("comparison", comparison_id); }

nlohmann::json RunStore::placement_result(std::int64_t placement_id) const { return stored_result("placement", placement_id); }

RecordedRun RunStore::load(std::int64_t run_id, int replication) const {
    if (run_id == 0) run_id = count("SELECT coalesce(max(run_id), 0) FROM runs");
    RecordedRun r;
    r.run_id = run_id;
    r.replication = replication;
    bool found = false;
    each_row(m_db, "SELECT scenario_name, scenario_file, recorded_at, effective_json, horizon_days, replications FROM runs "
                   "WHERE run_id = ?1 AND ?2 >= 0",
             run_id, replication, [&](sqlite3_stmt* s) {
                 found = true;
                 r.scenario_name = text_of(s, 0);
                 r.scenario_file = text_of(s, 1);
                 r.recorded_at = text_of(s, 2);
                 r.effective = nlohmann::json::parse(text_of(s, 3), nullptr, false);
                 r.horizon_days = sqlite3_column_double(s, 4);
                 if (replication >= sqlite3_column_int(s, 5))
                     throw StoreError("run " + std::to_string(run_id) + " has " + std::to_string(sqlite3_column_int(s, 5)) +
                                      " replications (0-based: 0.." + std::to_string(sqlite3_column_int(s, 5) - 1) + ")");
             });
    if (!found) throw StoreError(run_id == 0 ? "the store holds no run" : "no run " + std::to_string(run_id) + " in the store");
    if (r.effective.is_discarded()) throw StoreError("run " + std::to_string(run_id) + ": its scenario is not valid JSON");
    each_row(m_db, "SELECT site, citizen, persona, arrived_s, waited_s, held_s, fate, kiosk, helped, walking_s FROM visits "
                   "WHERE run_id = ?1 AND replication = ?2 ORDER BY arrived_s",
             run_id, replication, [&](sqlite3_stmt* s) {
                 RecordedRun::Visit v;
                 v.site = text_of(s, 0);
                 v.citizen = static_cast<std::uint64_t>(sqlite3_column_int64(s, 1));
                 v.persona = text_of(s, 2);
                 v.arrived_s = sqlite3_column_double(s, 3);
                 v.waited_s = sqlite3_column_double(s, 4);
                 v.held_s = sqlite3_column_double(s, 5);
                 v.fate = text_of(s, 6);
                 v.kiosk = text_of(s, 7);
                 v.helped = sqlite3_column_int(s, 8) != 0;
                 v.walking_s = sqlite3_column_double(s, 9);
                 r.visits.push_back(std::move(v));
             });
    each_row(m_db, "SELECT site, citizen, kiosk, kind, reason, item_code, case_no, rating, started_s, ended_s FROM sessions "
                   "WHERE run_id = ?1 AND replication = ?2 ORDER BY started_s",
             run_id, replication, [&](sqlite3_stmt* s) {
                 RecordedRun::Session x;
                 x.site = text_of(s, 0);
                 x.citizen = static_cast<std::uint64_t>(sqlite3_column_int64(s, 1));
                 x.kiosk = text_of(s, 2);
                 x.kind = text_of(s, 3);
                 x.reason = text_of(s, 4);
                 x.item_code = text_of(s, 5);
                 x.case_no = text_of(s, 6);
                 x.rating = sqlite3_column_int(s, 7);
                 x.started_s = sqlite3_column_double(s, 8);
                 x.ended_s = sqlite3_column_double(s, 9);
                 r.sessions.push_back(std::move(x));
             });
    each_row(m_db, "SELECT site, kiosk, device, fault, root_cause, severity, occurred_s, reported_s, acknowledged_s, "
                   "arrived_s, resolved_s FROM tickets WHERE run_id = ?1 AND replication = ?2 ORDER BY occurred_s",
             run_id, replication, [&](sqlite3_stmt* s) {
                 RecordedRun::Ticket t;
                 t.site = text_of(s, 0);
                 t.kiosk = text_of(s, 1);
                 t.device = text_of(s, 2);
                 t.fault = text_of(s, 3);
                 t.root_cause = text_of(s, 4);
                 t.severity = sqlite3_column_int(s, 5);
                 t.occurred_s = sqlite3_column_double(s, 6);
                 t.reported_s = sqlite3_column_double(s, 7);
                 t.acknowledged_s = sqlite3_column_double(s, 8);
                 t.arrived_s = sqlite3_column_double(s, 9);
                 t.resolved_s = sqlite3_column_double(s, 10);
                 r.tickets.push_back(std::move(t));
             });
    return r;
}

std::int64_t RunStore::runs() const { return count("SELECT count(*) FROM runs"); }

std::int64_t RunStore::record(const nlohmann::json& result, const analysis::SiteStudy& study,
                             const std::string& recorded_at) {
    exec("BEGIN IMMEDIATE");
    try {
        const auto& sc = result.at("scenario");
        Insert run(m_db, "INSERT INTO runs(recorded_at, kiosktwin_version, scenario_name, scenario_file, scenario_sha256, "
                         "seed, replications, horizon_days, effective_json, results_json) VALUES(?,?,?,?,?,?,?,?,?,?)");
        run.text(recorded_at)
            .text(result.value("kiosktwin_version", ""))
            .text(sc.value("name", ""))
            .text(sc.value("file", ""))
            .text(sc.value("sha256", ""))
            .integer(static_cast<std::int64_t>(result.at("seed").get<std::uint64_t>()))
            .integer(result.at("replications").get<std::int64_t>())
            .real(result.at("horizon_days").get<double>())
            .text(sc.at("effective").dump())
            .text(result.at("results").dump())
            .step();
        const std::int64_t id = sqlite3_last_insert_rowid(m_db);

        Insert kpi(m_db, "INSERT INTO kpis VALUES(?,?,?,?,?,?,?,?,?,?)");
        for (const analysis::MetricSummary& m : study.metrics)
            kpi.integer(id)
                .text(m.def.key)
                .text(m.def.label)
                .text(m.def.unit)
                .text(m.def.formula)
                .text(m.def.requirement)
                .real(m.ci.mean)
                .real(m.ci.half_width)
                .real(m.min)
                .real(m.max)
                .step();

        const auto& sites = sc.at("effective").at("sites");
        auto site_id = [&](std::size_t i) {
            const std::string given = i < sites.size() ? sites[i].value("id", "") : "";
            if (!given.empty()) return given;
            std::string fallback = "S";
            return fallback.append(std::to_string(i + 1));
        };
        Insert visit(m_db,
                     "INSERT INTO visits(run_id, replication, site, citizen, persona, arrived_s, waited_s, held_s, fate, "
                     "kiosk, helped, helped_when_stuck, walked_m, walking_s, forgot_card, found_card) "
                     "VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
        Insert session(m_db, "INSERT INTO sessions VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
        Insert ticket(m_db, "INSERT INTO tickets VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
        for (std::size_t r = 0; r < study.records.size(); ++r) {
            for (const world::CitizenRecord& c : study.records[r].citizens) {
                const std::string site = site_id(c.site);
                visit.integer(id)
                    .integer(static_cast<std::int64_t>(r))
                    .text(site)
                    .integer(static_cast<std::int64_t>(c.citizen))
                    .text(world::to_string(c.persona))
                    .real(seconds(c.arrived))
                    .real(sim::to_seconds(c.waited))
                    .real(sim::to_seconds(c.held))
                    .text(world::to_string(c.fate))
                    .text(c.kiosk)
                    .integer(c.helped ? 1 : 0)
                    .integer(c.helped_when_stuck ? 1 : 0)
                    .real(c.walked_m)
                    .real(sim::to_seconds(c.walking))
                    .integer(c.forgot_card ? 1 : 0)
                    .integer(c.found_card ? 1 : 0)
                    .step();
                for (const kiosk::SessionOutcome& o : c.outcomes)
                    session.integer(id)
                        .integer(static_cast<std::int64_t>(r))
                        .text(site)
                        .integer(static_cast<std::int64_t>(c.citizen))
                        .text(c.kiosk)
                        .integer(static_cast<std::int64_t>(o.session))
                        .text(kiosk::to_string(o.kind))
                        .text(o.reason)
                        .text(o.service)
                        .text(o.item_code)
                        .text(o.case_no)
                        .integer(o.rating)
                        .real(seconds(o.started))
                        .real(seconds(o.ended))
                        .step();
            }
            for (const world::TicketRecord& t : study.records[r].tickets)
                ticket.integer(id)
                    .integer(static_cast<std::int64_t>(r))
                    .text(site_id(t.site))
                    .text(t.kiosk)
                    .text(t.device)
                    .text(t.fault)
                    .text(t.root_cause)
                    .integer(t.severity)
                    .real(seconds(t.occurred))
                    .real(seconds(t.reported))
                    .real(seconds(t.acknowledged))
                    .real(seconds(t.arrived))
                    .real(seconds(t.resolved))
                    .integer(t.resolved - t.reported <= world::sla_of(t.severity) ? 1 : 0)
                    .step();
        }
        exec("COMMIT");
        return id;
    } catch (...) {
        sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

}  // namespace kiosktwin::store
