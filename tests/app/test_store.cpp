// The run store on PostgreSQL (issue 10): the test starts its own server
// (tests/support/scratch-postgres: initdb, pg_ctl on 127.0.0.1, port
// 10300 + pid % 400) and proves that a run, a comparison and a placement
// recorded there read back exactly as from SQLite — the same schema, the
// same rows, the same replay — that several writers can share it, and that
// its errors name the store without its password.
#include "kiosktwin_cli.hpp"

#include <kiosktwin/store/run_store.hpp>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>
#include <sstream>
#include <unistd.h>

using namespace kiosktwin::test;
using nlohmann::json;
namespace store = kiosktwin::store;

namespace {

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

std::vector<std::string> lines(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(line);
    return out;
}

// A PostgreSQL server of the test's own, stopped and removed at the end.
struct ScratchPostgres {
    std::string dir, url, script = k_src + "/tests/support/scratch-postgres";
    int port = 10300 + static_cast<int>(::getpid() % 400);
    ScratchPostgres() {
        dir = (std::filesystem::temp_directory_path() / ("kiosktwin-pg-" + std::to_string(::getpid()))).string();
        const CommandResult r = run_command("'" + script + "' start '" + dir + "' " + std::to_string(port), k_src, 90);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        url = trimmed(r.out);
        REQUIRE(url == "postgresql://kiosktwin@127.0.0.1:" + std::to_string(port) + "/kiosktwin");
    }
    ~ScratchPostgres() { run_command("'" + script + "' stop '" + dir + "'", k_src, 60); }
    ScratchPostgres(const ScratchPostgres&) = delete;
    ScratchPostgres& operator=(const ScratchPostgres&) = delete;
    /// psql -At on database `db`.
    CommandResult psql(const std::string& sql, const std::string& db = "kiosktwin") const {
        return run_command("psql -At -h 127.0.0.1 -p " + std::to_string(port) + " -U kiosktwin -d " + db + " -c \"" + sql + "\"",
                           k_src, 60);
    }
    std::string url_of(const std::string& db) const { return url.substr(0, url.rfind('/') + 1) + db; }
};

json parse(const CommandResult& r) {
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
}

// A result without its wall-clock timings (kiosktwin place's solve_s).
json untimed(json r) {
    r.erase("timing");
    return r;
}

void check_same_replay(const store::RecordedRun& a, const store::RecordedRun& b) {
    CHECK(a.scenario_name == b.scenario_name);
    CHECK(a.scenario_file == b.scenario_file);
    CHECK(a.effective == b.effective);
    CHECK(a.horizon_days == b.horizon_days);
    REQUIRE(a.visits.size() == b.visits.size());
    REQUIRE(a.sessions.size() == b.sessions.size());
    REQUIRE(a.tickets.size() == b.tickets.size());
    for (std::size_t i = 0; i < a.visits.size(); ++i) {
        const auto &x = a.visits[i], &y = b.visits[i];
        INFO("visit " << i);
        CHECK((x.site == y.site && x.persona == y.persona && x.fate == y.fate && x.kiosk == y.kiosk));
        CHECK((x.citizen == y.citizen && x.helped == y.helped));
        // Exactly: doubles travel as their shortest round-trip text.
        CHECK((x.arrived_s == y.arrived_s && x.waited_s == y.waited_s && x.held_s == y.held_s && x.walking_s == y.walking_s));
    }
    for (std::size_t i = 0; i < a.sessions.size(); ++i) {
        const auto &x = a.sessions[i], &y = b.sessions[i];
        INFO("session " << i);
        CHECK((x.site == y.site && x.kiosk == y.kiosk && x.kind == y.kind && x.reason == y.reason));
        CHECK((x.item_code == y.item_code && x.case_no == y.case_no && x.citizen == y.citizen && x.rating == y.rating));
        CHECK((x.started_s == y.started_s && x.ended_s == y.ended_s));
    }
    for (std::size_t i = 0; i < a.tickets.size(); ++i) {
        const auto &x = a.tickets[i], &y = b.tickets[i];
        INFO("ticket " << i);
        CHECK((x.site == y.site && x.kiosk == y.kiosk && x.device == y.device && x.fault == y.fault));
        CHECK((x.root_cause == y.root_cause && x.severity == y.severity));
        CHECK((x.occurred_s == y.occurred_s && x.reported_s == y.reported_s && x.acknowledged_s == y.acknowledged_s));
        CHECK((x.arrived_s == y.arrived_s && x.resolved_s == y.resolved_s));
    }
}

}  // namespace

TEST_CASE("the run store on PostgreSQL: the same schema and the same records as SQLite, shared by writers",
          "[store-pg]") {
    const ScratchPostgres pg;
    const auto dir = std::filesystem::temp_directory_path() / ("kiosktwin-store-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string lite = (dir / "runs.sqlite").string();
    auto both = [&](const std::string& args) {
        const json a = parse(kt(args + " --json --store '" + pg.url + "'"));
        const json b = parse(kt(args + " --json --db '" + lite + "'"));
        CHECK(untimed(a) == untimed(b));  // the result does not depend on where it is recorded
        return a;
    };

    // A run of two replications: its record, its rows and its replay.
    const json run = both("run scenarios/default.json --replications 2 --set horizon.days=1 -q");
    CHECK(run["replications"] == 2);
    {
        store::RunStore p(pg.url), s(lite);
        CHECK(p.location() == pg.url);
        CHECK(p.runs() == 1);
        CHECK(p.run_result(0) == s.run_result(0));
        CHECK(p.run_result(1)["results"] == run["results"]);
        for (const char* table : {"kpis", "visits", "sessions", "tickets"}) {
            INFO(table);
            const std::string sql = std::string("SELECT count(*) FROM ") + table + " WHERE run_id = 1";
            CHECK(p.count(sql) > 0);
            CHECK(p.count(sql) == s.count(sql));
        }
        CHECK(p.count("SELECT count(*) FROM visits WHERE run_id = 1 AND replication = 1") > 0);
        for (int rep = 0; rep < 2; ++rep) {
            INFO("replication " << rep);
            check_same_replay(p.load(1, rep), s.load(1, rep));
        }
        CHECK_THROWS_WITH(p.load(1, 2), Catch::Contains("has 2 replications"));
        CHECK_THROWS_WITH(p.run_result(7), Catch::Contains("no run 7 in " + pg.url));
    }

    // A comparison and two placements (a district exactly, the whole city
    // by the heuristic: its district is NULL, its bound a real).
    both("compare scenarios/hall.json --sweep kiosks=3..4 --replications 3 -q");
    both("place --district 3 -q");
    both("place --objective p_median --sites 6 -q");
    {
        store::RunStore p(pg.url), s(lite);
        CHECK(p.comparison_result(1) == s.comparison_result(1));
        CHECK(untimed(p.placement_result(1)) == untimed(s.placement_result(1)));
        CHECK(untimed(p.placement_result(2)) == untimed(s.placement_result(2)));
        for (const char* sql :
             {"SELECT count(*) FROM comparison_variants", "SELECT count(*) FROM comparison_kpis WHERE p_value IS NOT NULL",
              "SELECT count(*) FROM comparison_kpis WHERE significant IS NULL", "SELECT count(*) FROM placement_sites",
              "SELECT count(*) FROM placement_sites WHERE existing = 1 AND score IS NULL",
              "SELECT count(*) FROM placements WHERE district IS NULL", "SELECT count(*) FROM placements WHERE bound > 0"}) {
            INFO(sql);
            CHECK(p.count(sql) > 0);
            CHECK(p.count(sql) == s.count(sql));
        }
    }

    // The same tables and columns, in the same order; PostgreSQL's types are
    // 64-bit integers, doubles and text only (its REAL would lose digits).
    {
        const CommandResult tables = pg.psql(
            "SELECT table_name || '.' || column_name || ' ' || data_type FROM information_schema.columns "
            "WHERE table_schema = 'public' ORDER BY table_name, ordinal_position");
        REQUIRE(tables.exit_code == 0);
        const CommandResult sqlite = run_command(
            "sqlite3 '" + lite + "' \"SELECT m.name || '.' || c.name || ' ' || lower(c.type) FROM sqlite_master m, "
            "pragma_table_info(m.name) c WHERE m.type = 'table' ORDER BY m.name, c.cid\"",
            k_src);
        REQUIRE(sqlite.exit_code == 0);
        auto pg_columns = lines(tables.out), lite_columns = lines(sqlite.out);
        CHECK(pg_columns.size() == 128);  // ten tables
        REQUIRE(pg_columns.size() == lite_columns.size());
        for (std::size_t i = 0; i < pg_columns.size(); ++i) {
            std::string l = lite_columns[i];
            if (l.size() > 8 && l.substr(l.size() - 8) == " integer") l.replace(l.size() - 7, 7, "bigint");  // the ids
            CHECK(pg_columns[i] == l);
            const std::string type = pg_columns[i].substr(pg_columns[i].find(' ') + 1);
            CHECK((type == "bigint" || type == "double precision" || type == "text"));
        }
    }

    // The reports read from PostgreSQL as from SQLite.
    {
        const std::string a = (dir / "pg.html").string(), b = (dir / "lite.html").string();
        const CommandResult ra = kt("report run --store '" + pg.url + "' --html '" + a + "'");
        INFO(ra.err);
        REQUIRE(ra.exit_code == 0);
        REQUIRE(kt("report run --db '" + lite + "' --html '" + b + "'").exit_code == 0);
        CHECK(slurp((dir / "pg-kpis.csv").string()) == slurp((dir / "lite-kpis.csv").string()));
        CHECK(slurp((dir / "pg-tickets.csv").string()) == slurp((dir / "lite-tickets.csv").string()));
        CHECK(kt("report placement:2 --store '" + pg.url + "' --html '" + (dir / "place.html").string() + "'").exit_code == 0);
        CHECK(std::filesystem::file_size(dir / "place-map.png") > 1000);
    }

    // Writers on several machines share one database: three processes at
    // once on a new database, which each finds without tables — the schema
    // is made once (an advisory lock), every placement recorded, ids apart.
    {
        REQUIRE(pg.psql("CREATE DATABASE shared", "kiosktwin").exit_code == 0);
        const std::string shared = pg.url_of("shared");
        std::string cmd;
        for (int i = 0; i < 3; ++i)
            cmd += "('" + k_bin + "' place --district " + std::to_string(i + 1) + " -q --store '" + shared + "' >" +
                   (dir / ("w" + std::to_string(i))).string() + " 2>&1; echo $? >>" + (dir / "codes").string() + ") & ";
        cmd += "wait";
        REQUIRE(run_command(cmd, k_src, 120).exit_code == 0);
        CHECK(slurp((dir / "codes").string()) == "0\n0\n0\n");
        store::RunStore p(shared);
        CHECK(p.count("SELECT count(*) FROM placements") == 3);
        CHECK(p.count("SELECT count(DISTINCT placement_id) FROM placements") == 3);
        CHECK(p.count("SELECT count(DISTINCT district) FROM placements") == 3);
        std::set<std::int64_t> districts;
        for (int id = 1; id <= 3; ++id) districts.insert(p.placement_result(id)["city"]["district"].get<std::int64_t>());
        CHECK(districts == std::set<std::int64_t>{1, 2, 3});
    }

    // Errors name the store, never its password; nothing is created where
    // a report only reads.
    {
        const std::string closed = "postgresql://kiosktwin:hunter2@127.0.0.1:" + std::to_string(pg.port + 1) + "/kiosktwin";
        const CommandResult r = kt("place --district 3 -q --store '" + closed + "'");
        CHECK(r.exit_code != 0);
        CHECK_THAT(r.err, Catch::Contains("cannot open the run store postgresql://kiosktwin:***@127.0.0.1:"));
        CHECK(r.err.find("hunter2") == std::string::npos);
        const CommandResult empty = kt("report run --store '" + pg.url_of("postgres") + "' --html '" + (dir / "x.html").string() + "'");
        CHECK(empty.exit_code != 0);
        CHECK_THAT(empty.err, Catch::Contains("no run store at " + pg.url_of("postgres")));
        CHECK(trimmed(pg.psql("SELECT count(*) FROM pg_tables WHERE tablename = 'runs'", "postgres").out) == "0");
        const CommandResult missing = kt("report comparison:9 --store '" + pg.url + "' --html '" + (dir / "x.html").string() + "'");
        CHECK(missing.exit_code != 0);
        CHECK_THAT(missing.err, Catch::Contains("no comparison 9 in " + pg.url));
    }
    std::filesystem::remove_all(dir);
}
