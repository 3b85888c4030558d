// The kiosktwin program end to end: --help everywhere, --json as one object,
// exit codes, validation messages, reproducible runs, and the scenario library.
#include "kiosktwin_cli.hpp"

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <set>
#include <unistd.h>

using namespace kiosktwin::test;
using nlohmann::json;

namespace {

json parse_one_object(const std::string& out) {
    // --json prints exactly one JSON object (and a newline) on stdout.
    REQUIRE(!out.empty());
    REQUIRE(out.back() == '\n');
    REQUIRE(out.find('\n') == out.size() - 1);
    json j = json::parse(out);
    REQUIRE(j.is_object());
    return j;
}

std::string write_temp(const std::string& name, const std::string& text) {
    const auto path = std::filesystem::temp_directory_path() / ("kiosktwin-" + name);
    std::ofstream(path) << text;
    return path.string();
}

}  // namespace

TEST_CASE("kiosktwin and every verb answer --help with exit 0", "[cli]") {
    const auto top = kt("--help");
    CHECK(top.exit_code == 0);
    for (const char* verb : {"run", "validate", "serve", "replay", "bench", "gateway", "sign"}) CHECK(top.out.find(verb) != std::string::npos);
    for (const char* verb : {"run", "compare", "merge", "report", "validate", "serve", "replay", "bench", "bench mmc", "bench devices", "bench link",
                             "bench gateway", "bench site", "bench kiosk", "kiosk", "gateway", "sign"}) {
        INFO(verb);
        const auto r = kt(std::string(verb) + " --help");
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("--help") != std::string::npos);
    }
    // run --help lists the scenario knobs from their one declaration.
    const auto run = kt("run --help");
    CHECK(run.out.find("/hall/kiosks") != std::string::npos);
    CHECK(run.out.find("Self-service kiosks in the hall [kiosks]") != std::string::npos);
    CHECK(run.out.find("/sites/*/staff/technicians") != std::string::npos);  // and the site scenario's
    CHECK(kt("--version").out.find("0.1.0") != std::string::npos);
}

TEST_CASE("usage errors exit 2 with a message", "[cli]") {
    const auto none = kt("");
    CHECK(none.exit_code == 2);
    const auto unknown = kt("frobnicate");
    CHECK(unknown.exit_code == 2);
    CHECK_FALSE(unknown.err.empty());
    CHECK(kt("run").exit_code == 2);  // the scenario is required
    CHECK(kt("bench mmc --servers 0").exit_code == 2);
    CHECK(kt("bench mmc --arrival-rate 2 --service-rate 0.25 --servers 4").exit_code == 2);  // unstable
}

TEST_CASE("validate accepts the default scenario and names the path of every problem", "[cli]") {
    const auto ok = kt("validate scenarios/hall.json");
    CHECK(ok.exit_code == 0);
    CHECK(ok.out.find("valid scenario \"hall\"") != std::string::npos);

    const std::string bad = write_temp("bad.json", R"({"hall": {"kiosks": 0}, "service": {"mean_min": "six"}})");
    const auto r = kt("validate '" + bad + "'");
    CHECK(r.exit_code == 1);
    CHECK(r.err.find("/hall/kiosks: expected an integer from 1 to 10000") != std::string::npos);
    CHECK(r.err.find("/service/mean_min: expected a number > 0") != std::string::npos);

    const auto j = parse_one_object(kt("validate '" + bad + "' --json").out);
    CHECK(j["valid"] == false);
    CHECK(j["problems"].size() == 2);
    CHECK(j["problems"][0]["path"] == "/hall/kiosks");

    const auto missing = kt("validate /nonexistent/scenario.json");
    CHECK(missing.exit_code == 1);
    CHECK(missing.err.find("cannot open /nonexistent/scenario.json") != std::string::npos);

    const std::string broken = write_temp("broken.json", "{\n  \"hall\": {\n    \"kiosks\": 4,\n  }\n}\n");
    const auto syn = kt("validate '" + broken + "'");
    CHECK(syn.exit_code == 1);
    CHECK(syn.err.find("line 4, column 3") != std::string::npos);
}

TEST_CASE("run with --json prints one object with seed, hash and metrics with CIs", "[cli]") {
    const auto r = kt("run scenarios/hall.json --replications 5 --json");
    REQUIRE(r.exit_code == 0);
    const json j = parse_one_object(r.out);
    CHECK(j["seed"] == 20260601);
    CHECK(j["replications"] == 5);
    CHECK(j["scenario"]["sha256"].get<std::string>().size() == 64);
    CHECK(j["scenario"]["effective"]["hall"]["kiosks"] == 4);
    const json& m = j["results"]["metrics"];
    for (const char* key : {"wait_mean_min", "wait_p90_min", "wait_p95_min", "utilisation_pct", "served_per_day",
                            "reneged_pct", "balked_pct"}) {
        INFO(key);
        REQUIRE(m.contains(key));
        CHECK(m[key]["ci95"].size() == 2);
        CHECK(m[key]["ci95"][0].get<double>() <= m[key]["mean"].get<double>());
    }
    CHECK(j["results"]["replications"].size() == 5);
}

TEST_CASE("the same scenario and seed give byte-identical JSON, whatever the threads", "[cli][determinism]") {
    const auto a = kt("run scenarios/hall.json --json --jobs 1");
    const auto b = kt("run scenarios/hall.json --json --jobs 2");
    REQUIRE(a.exit_code == 0);
    CHECK(a.out == b.out);
    const auto c = kt("run scenarios/hall.json --json --seed 7");
    CHECK(c.out != a.out);
    CHECK(parse_one_object(c.out)["seed"] == 7);
}

TEST_CASE("overrides change the scenario, are validated and change its hash", "[cli]") {
    const json base = parse_one_object(kt("run scenarios/hall.json --replications 2 --json").out);
    const json six = parse_one_object(kt("run scenarios/hall.json --replications 2 --set hall.kiosks=6 --json").out);
    CHECK(six["scenario"]["effective"]["hall"]["kiosks"] == 6);
    CHECK(six["scenario"]["sha256"] != base["scenario"]["sha256"]);
    CHECK(six["results"]["metrics"]["utilisation_pct"]["mean"].get<double>() <
          base["results"]["metrics"]["utilisation_pct"]["mean"].get<double>());
    const auto bad = kt("run scenarios/hall.json --set hall.kiosks=-3");
    CHECK(bad.exit_code == 1);
    CHECK(bad.err.find("/hall/kiosks: expected an integer") != std::string::npos);
}

TEST_CASE("run writes the result to --out and stays quiet on a pipe", "[cli]") {
    const auto out = std::filesystem::temp_directory_path() / "kiosktwin-run.json";
    std::filesystem::remove(out);
    const auto r = kt("run scenarios/hall.json --replications 3 --out '" + out.string() + "'");
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Wait, 95th percentile (served)") != std::string::npos);
    CHECK(r.err.empty());  // no progress bar when stderr is not a terminal
    const json j = json::parse(slurp(out.string()));
    CHECK(j["replications"] == 3);
}

TEST_CASE("bench mmc prints its figures, and one JSON object with --json", "[cli][bench]") {
    const auto r = kt("bench mmc --customers 50000 --seed 3 --json");
    REQUIRE(r.exit_code == 0);
    const json j = parse_one_object(r.out);
    for (const char* key : {"customers_per_s", "events_per_s", "peak_rss_mb", "wq", "wq_erlang_c"}) {
        INFO(key);
        REQUIRE(j.contains(key));
        CHECK(j[key].get<double>() > 0);
    }
    CHECK(j["wq_erlang_c"].get<double>() == Approx(7.8775).epsilon(1e-4));
    const auto text = kt("bench mmc --customers 20000");
    CHECK(text.exit_code == 0);
    CHECK(text.out.find("customers/s") != std::string::npos);
}

TEST_CASE("serve hosts several kiosks in one process, each on its own ports", "[cli]") {
    const int base = 28100 + static_cast<int>(::getpid() % 240) * 10;  // below the ephemeral range, apart from app.e2e's
    const auto dir = std::filesystem::temp_directory_path() / ("kiosktwin-serve-" + std::to_string(::getpid()));
    const auto r = kt("serve --kiosks 3 --port-base " + std::to_string(base) + " --run-dir '" + dir.string() +
                      "' --duration 1 --quiet --json");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const json ep = parse_one_object(r.out);
    REQUIRE(ep["kiosks"].size() == 3);
    std::set<std::string> addresses;
    for (const auto& k : ep["kiosks"])
        for (const auto& e : k["endpoints"]) CHECK(addresses.insert(e["address"].get<std::string>()).second);
    CHECK(addresses.size() == 3 * 5);  // per kiosk: 2 serial links, the receipt printer, the A4 printer, the local service
    CHECK(ep["control"] == "http://127.0.0.1:" + std::to_string(base));
    // A link proxy in front of each kiosk's receipt printer, IPP and local service, and its link to the
    // gateway; the link API at base + 8.
    CHECK(ep["links"]["api"] == "http://127.0.0.1:" + std::to_string(base + 8));
    REQUIRE(ep["links"]["proxies"].size() == 3 * 4);
    for (const auto& p : ep["links"]["proxies"]) CHECK(addresses.insert(p["listen"].get<std::string>()).second);
    // ...and the platform's gateway at base + 9.
    CHECK(ep["gateway"]["url"] == "http://127.0.0.1:" + std::to_string(base + 9));
    CHECK_FALSE(std::filesystem::exists(dir / "endpoints.json"));  // removed on the way out
    std::filesystem::remove_all(dir);
    const auto bad = kt("serve scenarios/hall.json --duration 1");  // a hall scenario is not a bench
    CHECK(bad.exit_code == 1);
    CHECK(bad.err.find("/kiosks: expected a list of at least one kiosk") != std::string::npos);

    // A links file is checked in full before anything listens, and named in the error.
    const auto links = dir.string() + "-links.json";
    std::ofstream(links) << R"([{"name": "gw", "upstream": "127.0.0.1:1", "toxics": [{"type": "latency", "attributes": {"latency": -1}}]}])";
    const auto bad_links = kt("serve --port-base " + std::to_string(base) + " --run-dir '" + dir.string() + "' --links '" +
                              links + "' --duration 1 --quiet");
    CHECK(bad_links.exit_code == 1);
    CHECK(bad_links.err.find(links + ": bad request body: attributes.latency: must be >= 0.0") != std::string::npos);
    std::filesystem::remove(links);
    std::filesystem::remove_all(dir);
}

TEST_CASE("bench devices drives kiosks' device sets through scripted sessions", "[cli][bench]") {
    const auto r = kt("bench devices --kiosks 60 --seed 5 --json");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const json j = parse_one_object(r.out);
    for (const char* key : {"kiosk_sessions", "wall_s", "kiosk_sessions_per_s", "ops_per_s", "bytes_decoded_per_s"}) {
        INFO(key);
        REQUIRE(j.contains(key));
    }
    CHECK(j["kiosk_sessions"] == 60);
    CHECK(j["failed_sessions"] == 0);
    CHECK(j["devices"] == 600);  // the default bench's full set: 10 devices a kiosk
    // Each session: 3 SAM exchanges, camera open + compare, Print-Job + polls, receipt + take.
    CHECK(j["operations"].get<double>() / 60 > 10);
    // Virtual time is deterministic: every session ends at the same instants whatever the machine.
    const json again = parse_one_object(kt("bench devices --kiosks 60 --seed 5 --json").out);
    CHECK(again["virtual_s"] == j["virtual_s"]);
    CHECK(again["operations"] == j["operations"]);
    CHECK(again["bytes"] == j["bytes"]);
    CHECK(kt("bench devices --kiosks 3 --bench /nonexistent.json").exit_code == 1);
}

TEST_CASE("every scenario in the library validates and runs", "[scenarios]") {
    // ns-3's examples-to-run: a scenario file is a test too.
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(k_src + "/scenarios")) {
        if (e.path().extension() != ".json" || e.path().filename() == "site.schema.json") continue;
        ++n;
        const std::string file = std::filesystem::relative(e.path(), k_src).string();
        INFO(file);
        CHECK(kt("validate " + file).exit_code == 0);
        if (json::parse(slurp(e.path().string())).contains("kiosks")) continue;  // a bench: served by the host tests
        // A short horizon: a site scenario runs on the full kiosk stack.
        const auto r = kt("run " + file + " --replications 2 --set horizon.days=1 --db '' --json");
        CHECK(r.exit_code == 0);
        const json metrics = parse_one_object(r.out)["results"]["metrics"];
        CHECK(metrics[metrics.contains("cases_per_day") ? "cases_per_day" : "served_per_day"]["mean"].get<double>() > 0);
    }
    CHECK(n >= 1);
}

TEST_CASE("a run shows progress on a terminal", "[cli]") {
    // script(1) (Debian's essential bsdutils) gives the program a pseudo-terminal.
    const auto r = run_command("script -qfec \"'" + k_bin + "' run scenarios/hall.json --replications 4 --jobs 1\" /dev/null",
                               k_src);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("hall (seed 20260601) [") != std::string::npos);
    CHECK(r.out.find("4/4") != std::string::npos);
    CHECK(r.out.find("Kiosk utilisation") != std::string::npos);
}

TEST_CASE("run on a site scenario: clause-10 metrics with formulas, byte-identical for the same seed, and recorded "
          "[R-10.1-1] [R-10.1-2]",
          "[sites]") {
    const std::string args = "run scenarios/default.json --replications 2 --set horizon.days=1 --json";
    const auto a = kt(args + " --db '' --jobs 1");
    const auto b = kt(args + " --db '' --jobs 2");
    REQUIRE(a.exit_code == 0);
    CHECK(a.out == b.out);  // the same seed: the same bytes, whatever the threads
    const json r = parse_one_object(a.out);
    CHECK(r["kind"] == "sites");
    const json& m = r["results"]["metrics"];
    for (const char* key : {"cases_per_day", "wait_p95_min", "utilisation_pct", "daily_use_pct", "power_on_pct",
                            "online_pct", "fault_rate_pct", "mttr_h", "sla_pct", "self_service_pct", "balked_pct",
                            "reneged_pct", "satisfaction_pct"}) {
        INFO(key);
        REQUIRE(m.contains(key));
        CHECK_FALSE(m[key]["formula"].get<std::string>().empty());
        CHECK(m[key]["ci95"].is_array());
    }
    CHECK(m["cases_per_day"]["mean"].get<double>() > 100);
    CHECK(r["results"]["targets"]["satisfaction"]["target"] == 90.0);
    CHECK(r["results"]["tables"]["cases_by_item"].size() > 3);
    CHECK(r["results"]["tables"]["cases_by_kiosk"].size() == 11);

    const auto db = std::filesystem::temp_directory_path() / ("kiosktwin-cli-" + std::to_string(::getpid())) / "runs.sqlite";
    std::filesystem::remove_all(db.parent_path());
    const auto rec = kt(args + " --db '" + db.string() + "'");
    REQUIRE(rec.exit_code == 0);
    CHECK(rec.out == a.out);  // recording changes nothing in the result
    CHECK(rec.err.find("recorded in") != std::string::npos);
    const auto q = run_command("sqlite3 '" + db.string() + "' 'SELECT count(*) FROM runs; SELECT count(*) > 100 FROM visits; "
                               "SELECT count(*) FROM kpis; SELECT scenario_sha256 FROM runs'", k_src);
    CHECK(q.out == "1\n1\n" + std::to_string(m.size()) + "\n" + r["scenario"]["sha256"].get<std::string>() + "\n");
    // The default's sites have floor plans: visits record their walks.
    CHECK(run_command("sqlite3 '" + db.string() + "' 'SELECT min(walked_m) > 5 FROM visits'", k_src).out == "1\n");
    // A store written before visits recorded walks gains the columns.
    const auto old_db = db.parent_path() / "old.sqlite";
    const auto made = run_command("sqlite3 '" + old_db.string() + "' 'PRAGMA application_id=1263817299; "
                                  "CREATE TABLE visits(run_id INTEGER NOT NULL, replication INTEGER NOT NULL, site TEXT NOT NULL, "
                                  "citizen INTEGER NOT NULL, persona TEXT NOT NULL, arrived_s REAL NOT NULL, waited_s REAL NOT NULL, "
                                  "held_s REAL NOT NULL, fate TEXT NOT NULL, kiosk TEXT, helped INTEGER NOT NULL)'",
                                  k_src);
    REQUIRE(made.exit_code == 0);
    REQUIRE(kt(args + " --db '" + old_db.string() + "'").exit_code == 0);
    CHECK(run_command("sqlite3 '" + old_db.string() + "' 'SELECT count(*) > 100, max(walked_m) > 5 FROM visits'", k_src).out ==
          "1|1\n");
    // A file that is not a run store is refused before anything runs.
    const std::string other = write_temp("other.sqlite", "not a database at all, just text");
    const auto refused = kt(args + " --db '" + other + "'");
    CHECK(refused.exit_code != 0);
    std::filesystem::remove_all(db.parent_path());
}

TEST_CASE("bench site prints its figures, and one JSON object with --json", "[sites][bench]") {
    const auto r = kt("bench site --days 0.5 --json");  // until noon: the hall opens at 9
    REQUIRE(r.exit_code == 0);
    const json j = parse_one_object(r.out);
    for (const char* key : {"sessions", "wall_s", "sessions_per_s", "events_per_s", "peak_rss_mb"}) CHECK(j.contains(key));
    CHECK(j["kiosks"] == 11);
    CHECK(j["sessions"].get<double>() > 50);
    const auto scaled = kt("bench site --kiosks 30 --sessions 300 --days 0.5 --json");
    REQUIRE(scaled.exit_code == 0);
    CHECK(parse_one_object(scaled.out)["kiosks"] == 30);
}
