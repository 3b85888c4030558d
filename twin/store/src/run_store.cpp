#include <kiosktwin/store/run_store.hpp>

#include "database.hpp"

#include <cmath>
#include <map>

namespace kiosktwin::store {

using detail::Appender;
using detail::Param;
using detail::Row;

namespace {

double seconds(sim::Time t) { return sim::to_seconds(t.time_since_epoch()); }

// A real as a parameter: NaN and infinities are stored as NULL.
Param real(double v) {
    if (std::isfinite(v)) return v;
    return nullptr;
}
double real_or_nan(const nlohmann::json& v) { return v.is_number() ? v.get<double>() : std::nan(""); }

// Runs `body` in one transaction: committed when it returns, rolled back
// when it throws.
template <class Body>
auto in_transaction(detail::Database& db, Body&& body) {
    db.begin();
    try {
        auto out = body();
        db.commit();
        return out;
    } catch (...) {
        db.rollback();
        throw;
    }
}

// Inserts one row and returns the id the database gave it.
std::int64_t insert_returning(detail::Database& db, const std::string& sql, const std::vector<Param>& params) {
    std::int64_t id = 0;
    db.query(sql, params, [&](const Row& r) { id = r.integer(0); });
    return id;
}

}  // namespace

RunStore::RunStore(const std::string& location)
    : m_db(detail::is_postgresql_url(location) ? detail::open_postgresql(location, true)
                                               : detail::open_sqlite(location, true)) {}

RunStore::RunStore(std::unique_ptr<detail::Database> db) : m_db(std::move(db)) {}

RunStore::~RunStore() = default;

std::unique_ptr<RunStore> RunStore::open_existing(const std::string& location) {
    auto db = detail::is_postgresql_url(location) ? detail::open_postgresql(location, false)
                                                  : detail::open_sqlite(location, false);
    return std::unique_ptr<RunStore>(new RunStore(std::move(db)));
}

const std::string& RunStore::location() const { return m_db->location(); }

std::int64_t RunStore::count(const std::string& sql) const {
    std::int64_t v = 0;
    m_db->query(sql, {}, [&](const Row& r) { v = r.integer(0); });
    return v;
}

std::int64_t RunStore::runs() const { return count("SELECT count(*) FROM runs"); }

std::int64_t RunStore::latest(const std::string& table, const std::string& key) const {
    return count("SELECT coalesce(max(" + key + "), 0) FROM " + table);
}

std::int64_t RunStore::record(const nlohmann::json& result, const analysis::SiteStudy& study,
                             const std::string& recorded_at) {
    return in_transaction(*m_db, [&] {
        const auto& sc = result.at("scenario");
        const std::int64_t id = insert_returning(
            *m_db,
            "INSERT INTO runs(recorded_at, kiosktwin_version, scenario_name, scenario_file, scenario_sha256, seed, "
            "replications, horizon_days, effective_json, results_json) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING run_id",
            {recorded_at, result.value("kiosktwin_version", ""), sc.value("name", ""), sc.value("file", ""),
             sc.value("sha256", ""), static_cast<std::int64_t>(result.at("seed").get<std::uint64_t>()),
             result.at("replications").get<std::int64_t>(), real(result.at("horizon_days").get<double>()),
             sc.at("effective").dump(), result.at("results").dump()});

        const auto kpi = m_db->append("kpis", {"run_id", "metric", "label", "unit", "formula", "requirement", "mean",
                                               "ci95_half_width", "min", "max"});
        for (const analysis::MetricSummary& m : study.metrics) {
            kpi->integer(id).text(m.def.key).text(m.def.label).text(m.def.unit).text(m.def.formula);
            kpi->text(m.def.requirement).real(m.ci.mean).real(m.ci.half_width).real(m.min).real(m.max).end_row();
        }
        kpi->finish();

        const auto& sites = sc.at("effective").at("sites");
        auto site_id = [&](std::size_t i) {
            const std::string given = i < sites.size() ? sites[i].value("id", "") : "";
            if (!given.empty()) return given;
            std::string fallback = "S";
            return fallback.append(std::to_string(i + 1));
        };
        const auto visit = m_db->append("visits", {"run_id", "replication", "site", "citizen", "persona", "arrived_s",
                                                   "waited_s", "held_s", "fate", "kiosk", "helped", "helped_when_stuck",
                                                   "walked_m", "walking_s", "forgot_card", "found_card"});
        const auto session = m_db->append("sessions", {"run_id", "replication", "site", "citizen", "kiosk", "session",
                                                       "kind", "reason", "service", "item_code", "case_no", "rating",
                                                       "started_s", "ended_s"});
        const auto ticket = m_db->append("tickets", {"run_id", "replication", "site", "kiosk", "device", "fault",
                                                     "root_cause", "severity", "occurred_s", "reported_s",
                                                     "acknowledged_s", "arrived_s", "resolved_s", "within_sla"});
        for (std::size_t r = 0; r < study.records.size(); ++r) {
            const auto rep = static_cast<std::int64_t>(r);
            for (const world::CitizenRecord& c : study.records[r].citizens) {
                const std::string site = site_id(c.site);
                visit->integer(id).integer(rep).text(site).integer(static_cast<std::int64_t>(c.citizen));
                visit->text(world::to_string(c.persona)).real(seconds(c.arrived)).real(sim::to_seconds(c.waited));
                visit->real(sim::to_seconds(c.held)).text(world::to_string(c.fate)).text(c.kiosk).integer(c.helped);
                visit->integer(c.helped_when_stuck).real(c.walked_m).real(sim::to_seconds(c.walking));
                visit->integer(c.forgot_card).integer(c.found_card).end_row();
                for (const kiosk::SessionOutcome& o : c.outcomes) {
                    session->integer(id).integer(rep).text(site).integer(static_cast<std::int64_t>(c.citizen));
                    session->text(c.kiosk).integer(static_cast<std::int64_t>(o.session)).text(kiosk::to_string(o.kind));
                    session->text(o.reason).text(o.service).text(o.item_code).text(o.case_no).integer(o.rating);
                    session->real(seconds(o.started)).real(seconds(o.ended)).end_row();
                }
            }
            for (const world::TicketRecord& t : study.records[r].tickets) {
                ticket->integer(id).integer(rep).text(site_id(t.site)).text(t.kiosk).text(t.device).text(t.fault);
                ticket->text(t.root_cause).integer(t.severity).real(seconds(t.occurred)).real(seconds(t.reported));
                ticket->real(seconds(t.acknowledged)).real(seconds(t.arrived)).real(seconds(t.resolved));
                ticket->integer(t.resolved - t.reported <= world::sla_of(t.severity) ? 1 : 0).end_row();
            }
        }
        visit->finish();
        session->finish();
        ticket->finish();
        return id;
    });
}

std::int64_t RunStore::record_comparison(const nlohmann::json& result, const std::string& recorded_at) {
    using nlohmann::json;
    return in_transaction(*m_db, [&] {
        const json& goal = result["results"].value("goal", json::object());
        const std::int64_t id = insert_returning(
            *m_db,
            "INSERT INTO comparisons(recorded_at, kiosktwin_version, name, kind, seed, replications, "
            "common_random_numbers, precision, goal, goal_variant, result_json) "
            "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING comparison_id",
            {recorded_at, result.at("kiosktwin_version").get<std::string>(), result.at("name").get<std::string>(),
             result.at("kind").get<std::string>(), static_cast<std::int64_t>(result.at("seed").get<std::uint64_t>()),
             result.at("replications").get<std::int64_t>(),
             std::int64_t{result.at("common_random_numbers").get<bool>() ? 1 : 0},
             real(result.at("precision").get<double>()),
             result["goal"].is_string() ? result["goal"].get<std::string>() : std::string(),
             goal.value("variant", json()).is_string() ? goal["variant"].get<std::string>() : std::string(), result.dump()});
        const auto v = m_db->append("comparison_variants", {"comparison_id", "variant", "label", "scenario_file",
                                                            "scenario_sha256", "seed", "overrides_json"});
        const auto k = m_db->append("comparison_kpis", {"comparison_id", "variant", "metric", "mean", "ci95_half_width",
                                                        "diff_mean", "diff_ci95_half_width", "p_value", "significant",
                                                        "replications_needed"});
        const json& variants = result.at("variants");
        const json& results = result.at("results");
        for (std::size_t i = 0; i < variants.size(); ++i) {
            const json& var = variants[i];
            v->integer(id).integer(static_cast<std::int64_t>(i)).text(var.at("label").get<std::string>());
            v->text(var.at("file").get<std::string>()).text(var.at("sha256").get<std::string>());
            v->integer(static_cast<std::int64_t>(var.at("seed").get<std::uint64_t>())).text(var.at("overrides").dump());
            v->end_row();
            const json& metrics = results.at("variants").at(i).at("metrics");
            for (const auto& [key, m] : metrics.items()) {
                const json none = json::object();
                const json& d = i == 0 ? none : results.at("differences").at(i - 1).at("metrics").at(key);
                const json needed = i == 0 ? results.at("variants").at(i).at("replications_needed").at(key)
                                           : d.value("replications_needed", json());
                k->integer(id).integer(static_cast<std::int64_t>(i)).text(key).real(real_or_nan(m["mean"]));
                k->real(real_or_nan(m["ci95_half_width"])).real(real_or_nan(d.value("mean", json())));
                k->real(real_or_nan(d.value("ci95_half_width", json()))).real(real_or_nan(d.value("p_value", json())));
                if (d.contains("significant")) k->integer(d["significant"].get<bool>() ? 1 : 0);
                else k->null();
                if (needed.is_number()) k->integer(needed.get<std::int64_t>());
                else k->null();
                k->end_row();
            }
        }
        v->finish();
        k->finish();
        return id;
    });
}

std::int64_t RunStore::record_placement(const nlohmann::json& result, const std::string& recorded_at) {
    using nlohmann::json;
    return in_transaction(*m_db, [&] {
        const json& city = result.at("city");
        const json& sol = result.at("solution");
        const json& cov = result.at("coverage");
        std::vector<Param> row{recorded_at, result.at("kiosktwin_version").get<std::string>(),
                               city.at("name").get<std::string>(), city.at("file").get<std::string>(),
                               city.at("sha256").get<std::string>(), nullptr,
                               result.at("problem").at("objective").get<std::string>(), sol.at("method").get<std::string>(),
                               real(sol.at("value").get<double>()), real(real_or_nan(sol.value("bound", json()))),
                               real(real_or_nan(sol.value("gap", json()))), std::int64_t{sol.value("optimal", false) ? 1 : 0},
                               real(cov.at("covered_visits_day").get<double>()),
                               real(cov.at("total_visits_day").get<double>()), real(cov.at("cost").get<double>()),
                               result.dump()};
        if (city.value("district", json()).is_number()) row[5] = city["district"].get<std::int64_t>();  // else NULL: the whole city
        const std::int64_t id = insert_returning(
            *m_db,
            "INSERT INTO placements(recorded_at, kiosktwin_version, city_name, city_file, city_sha256, district, "
            "objective, method, value, bound, gap, optimal, covered_visits_day, total_visits_day, cost, result_json) "
            "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING placement_id",
            row);
        std::map<std::string, json> simulated;
        if (result.value("simulation", json()).is_object())
            for (const json& k : result["simulation"].value("sites", json::array())) simulated[k.value("id", std::string())] = k;
        const auto site = m_db->append("placement_sites", {"placement_id", "site_id", "rank", "name", "venue", "district",
                                                           "x_m", "y_m", "cost", "feasible_24h", "existing", "score",
                                                           "visits_day", "kiosks", "arrivals_day", "wait_mean_min",
                                                           "gave_up_pct"});
        for (const json& s : result.at("sites")) {
            const std::string sid = s.at("id").get<std::string>();
            const json k = simulated.count(sid) ? simulated[sid] : json::object();
            auto mean = [&](const char* key) { return real_or_nan(k.value(key, json::object()).value("mean", json())); };
            site->integer(id).text(sid).integer(s.value("rank", 0)).text(s.value("name", sid));
            site->text(s.at("venue").get<std::string>()).integer(s.value("district", 0)).real(s.at("x").get<double>());
            site->real(s.at("y").get<double>()).real(s.value("cost", 0.0)).integer(s.value("feasible_24h", false) ? 1 : 0);
            site->integer(s.value("existing", false) ? 1 : 0).real(real_or_nan(s.value("score", json())));
            site->real(s.value("visits_day", 0.0));
            if (s.value("kiosks", json()).is_number()) site->integer(s["kiosks"].get<std::int64_t>());
            else site->null();
            site->real(mean("arrivals_day")).real(mean("wait_mean_min")).real(mean("gave_up_pct")).end_row();
        }
        site->finish();
        return id;
    });
}

nlohmann::json RunStore::run_result(std::int64_t run_id) const {
    if (run_id == 0) run_id = latest("runs", "run_id");
    nlohmann::json out;
    m_db->query("SELECT kiosktwin_version, scenario_name, scenario_file, scenario_sha256, seed, replications, "
                "horizon_days, effective_json, results_json FROM runs WHERE run_id = ?",
                {run_id}, [&](const Row& s) {
                    out = {{"kiosktwin_version", s.text(0)},
                           {"verb", "run"},
                           {"kind", "sites"},
                           {"scenario", {{"file", s.text(2)}, {"name", s.text(1)}, {"sha256", s.text(3)},
                                         {"effective", nlohmann::json::parse(s.text(7), nullptr, false)}}},
                           {"seed", static_cast<std::uint64_t>(s.integer(4))},
                           {"replications", s.integer(5)},
                           {"horizon_days", s.real(6)},
                           {"results", nlohmann::json::parse(s.text(8), nullptr, false)},
                           {"run_id", run_id}};
                });
    if (out.is_null()) throw StoreError(run_id == 0 ? location() + " holds no run" : "no run " + std::to_string(run_id) + " in " + location());
    if (out["results"].is_discarded() || out["scenario"]["effective"].is_discarded())
        throw StoreError("run " + std::to_string(run_id) + ": its record is not valid JSON");
    return out;
}

nlohmann::json RunStore::stored_result(const std::string& kind, std::int64_t id) const {
    const std::string table = kind + "s", key = kind + "_id";
    if (id == 0) id = latest(table, key);
    nlohmann::json out;
    m_db->query("SELECT result_json FROM " + table + " WHERE " + key + " = ?", {id},
                [&](const Row& s) { out = nlohmann::json::parse(s.text(0), nullptr, false); });
    if (out.is_null())
        throw StoreError(id == 0 ? location() + " holds no " + kind : "no " + kind + " " + std::to_string(id) + " in " + location());
    if (out.is_discarded()) throw StoreError(kind + " " + std::to_string(id) + ": its record is not valid JSON");
    return out;
}

nlohmann::json RunStore::comparison_result(std::int64_t comparison_id) const { return stored_result("comparison", comparison_id); }

nlohmann::json RunStore::placement_result(std::int64_t placement_id) const { return stored_result("placement", placement_id); }

RecordedRun RunStore::load(std::int64_t run_id, int replication) const {
    if (run_id == 0) run_id = latest("runs", "run_id");
    RecordedRun r;
    r.run_id = run_id;
    r.replication = replication;
    bool found = false;
    std::int64_t replications = 0;
    m_db->query("SELECT scenario_name, scenario_file, recorded_at, effective_json, horizon_days, replications FROM runs "
                "WHERE run_id = ?",
                {run_id}, [&](const Row& s) {
                    found = true;
                    r.scenario_name = s.text(0);
                    r.scenario_file = s.text(1);
                    r.recorded_at = s.text(2);
                    r.effective = nlohmann::json::parse(s.text(3), nullptr, false);
                    r.horizon_days = s.real(4);
                    replications = s.integer(5);
                });
    if (!found) throw StoreError(run_id == 0 ? location() + " holds no run" : "no run " + std::to_string(run_id) + " in " + location());
    if (replication < 0 || replication >= replications)
        throw StoreError("run " + std::to_string(run_id) + " has " + std::to_string(replications) +
                         " replications (0-based: 0.." + std::to_string(replications - 1) + ")");
    if (r.effective.is_discarded()) throw StoreError("run " + std::to_string(run_id) + ": its scenario is not valid JSON");
    const std::vector<Param> which{run_id, std::int64_t{replication}};
    // Ties in time keep the order the rows were recorded in.
    m_db->query("SELECT site, citizen, persona, arrived_s, waited_s, held_s, fate, kiosk, helped, walking_s FROM visits "
                "WHERE run_id = ? AND replication = ? ORDER BY arrived_s, citizen",
                which, [&](const Row& s) {
                    RecordedRun::Visit v;
                    v.site = s.text(0);
                    v.citizen = static_cast<std::uint64_t>(s.integer(1));
                    v.persona = s.text(2);
                    v.arrived_s = s.real(3);
                    v.waited_s = s.real(4);
                    v.held_s = s.real(5);
                    v.fate = s.text(6);
                    v.kiosk = s.text(7);
                    v.helped = s.integer(8) != 0;
                    v.walking_s = s.real(9);
                    r.visits.push_back(std::move(v));
                });
    m_db->query("SELECT site, citizen, kiosk, kind, reason, item_code, case_no, rating, started_s, ended_s FROM sessions "
                "WHERE run_id = ? AND replication = ? ORDER BY started_s, citizen, session",
                which, [&](const Row& s) {
                    RecordedRun::Session x;
                    x.site = s.text(0);
                    x.citizen = static_cast<std::uint64_t>(s.integer(1));
                    x.kiosk = s.text(2);
                    x.kind = s.text(3);
                    x.reason = s.text(4);
                    x.item_code = s.text(5);
                    x.case_no = s.text(6);
                    x.rating = static_cast<int>(s.integer(7));
                    x.started_s = s.real(8);
                    x.ended_s = s.real(9);
                    r.sessions.push_back(std::move(x));
                });
    m_db->query("SELECT site, kiosk, device, fault, root_cause, severity, occurred_s, reported_s, acknowledged_s, "
                "arrived_s, resolved_s FROM tickets WHERE run_id = ? AND replication = ? "
                "ORDER BY occurred_s, site, kiosk, device",
                which, [&](const Row& s) {
                    RecordedRun::Ticket t;
                    t.site = s.text(0);
                    t.kiosk = s.text(1);
                    t.device = s.text(2);
                    t.fault = s.text(3);
                    t.root_cause = s.text(4);
                    t.severity = static_cast<int>(s.integer(5));
                    t.occurred_s = s.real(6);
                    t.reported_s = s.real(7);
                    t.acknowledged_s = s.real(8);
                    t.arrived_s = s.real(9);
                    t.resolved_s = s.real(10);
                    r.tickets.push_back(std::move(t));
                });
    return r;
}

}  // namespace kiosktwin::store
