// kiosktwin compare and merge end to end (issue 10): the worked M/M/c check
// (R-10.1-1's waits), common random numbers against independent seeds,
// identical layouts, shards merged into the very bytes one process prints,
// and the errors a planner can make.
#include "kiosktwin_cli.hpp"

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace kiosktwin::test;
using nlohmann::json;

namespace {

json compare_json(const std::string& args) {
    const auto r = kt("compare " + args + " --json");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(r.out.find('\n') == r.out.size() - 1);  // one object, one line
    return json::parse(r.out);
}

const json& difference(const json& j, std::size_t variant, const std::string& metric) {
    return j["results"]["differences"].at(variant - 1)["metrics"][metric];
}

std::string temp_dir() {
    const auto dir = std::filesystem::temp_directory_path() / ("kiosktwin-compare-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    return dir.string();
}

}  // namespace

TEST_CASE("the worked check: 5 kiosks wait 2.216 min on average, and the sweep picks 6 for a 2-minute mean wait",
          "[compare]") {
    // 1 citizen a minute, exponential service of 4 min on average: Erlang C
    // gives Wq = 2.2164 min with 5 kiosks and 0.5737 min with 6.
    const json j = compare_json("scenarios/mmc-worked.json --sweep kiosks=4..10 --goal 'wait_mean_min<=2'");
    const json& variants = j["results"]["variants"];
    REQUIRE(variants.size() == 7);
    CHECK(variants[1]["label"] == "kiosks=5");
    const json& five = variants[1]["metrics"]["wait_mean_min"];
    INFO("5 kiosks: " << five.dump());
    CHECK(five["ci95"][0].get<double>() <= 2.2164);
    CHECK(five["ci95"][1].get<double>() >= 2.2164);
    CHECK(five["ci95"][0].get<double>() > 2.0);  // confidently over the goal
    const json& six = variants[2]["metrics"]["wait_mean_min"];
    CHECK(six["ci95"][0].get<double>() <= 0.5737);
    CHECK(six["ci95"][1].get<double>() >= 0.5737);
    CHECK(j["results"]["goal"]["variant"] == "kiosks=6");
    CHECK(j["results"]["goal"]["confident"] == true);
    // Every variant met the same citizens: their arrivals are identical.
    for (const json& v : variants) CHECK(v["metrics"]["arrivals_per_day"]["mean"] == variants[0]["metrics"]["arrivals_per_day"]["mean"]);
    // 5 → 6 kiosks is a real difference.
    CHECK(difference(j, 2, "wait_mean_min")["significant"] == true);

    const auto text = kt("compare scenarios/mmc-worked.json --sweep kiosks=4..10 --goal 'wait_mean_min<=2'");
    CHECK(text.exit_code == 0);
    CHECK(text.out.find("Goal wait_mean_min <= 2: the first variant to meet it is kiosks=6") != std::string::npos);
    CHECK(text.out.find("Paired differences from kiosks=4") != std::string::npos);
}

TEST_CASE("common random numbers make the paired interval at least 3 times narrower than independent seeds",
          "[compare]") {
    // The same budget (20 replications of each of 5 and 6 kiosks), the same
    // estimates; only the seeds differ.
    const json crn = compare_json("scenarios/mmc-worked.json --sweep kiosks=5,6");
    const json ind = compare_json("scenarios/mmc-worked.json --sweep kiosks=5,6 --independent");
    CHECK(crn["common_random_numbers"] == true);
    CHECK(ind["common_random_numbers"] == false);
    CHECK(ind["variants"][1]["seed"].get<std::uint64_t>() != ind["variants"][0]["seed"].get<std::uint64_t>());
    auto ratio = [&](const std::string& metric) {
        const double a = difference(ind, 1, metric)["ci95_half_width"].get<double>();
        const double b = difference(crn, 1, metric)["ci95_half_width"].get<double>();
        INFO(metric << ": independent ± " << a << ", common random numbers ± " << b);
        CHECK(b > 0);
        return a / b;
    };
    CHECK(ratio("utilisation_pct") >= 3.0);
    CHECK(ratio("waited_pct") >= 2.0);
    CHECK(ratio("wait_mean_min") >= 1.0);
    // Both estimate the same difference.
    const auto& a = difference(ind, 1, "utilisation_pct");
    const auto& b = difference(crn, 1, "utilisation_pct");
    CHECK(std::abs(a["mean"].get<double>() - b["mean"].get<double>()) <=
          a["ci95_half_width"].get<double>() + b["ci95_half_width"].get<double>());
}

TEST_CASE("identical layouts: the paired difference is zero on common random numbers, and covers 0 on independent seeds",
          "[compare]") {
    const json crn = compare_json("scenarios/hall.json scenarios/hall.json --replications 10");
    CHECK(crn["results"]["variants"][1]["label"] == "hall#2");
    for (const auto& [key, d] : crn["results"]["differences"][0]["metrics"].items()) {
        INFO(key);
        CHECK(d["mean"] == 0.0);
        CHECK(d["significant"] == false);
        CHECK(d["p_value"] == 1.0);
    }
    // On independent seeds each interval covers 0 with 95 % probability: of
    // the 14 metrics about one in twenty may miss it by chance.
    const json ind = compare_json("scenarios/hall.json scenarios/hall.json --replications 10 --independent");
    int excluded = 0, checked = 0;
    for (const auto& [key, d] : ind["results"]["differences"][0]["metrics"].items()) {
        if (d["ci95"].is_null() || d["ci95_half_width"].get<double>() == 0.0) continue;  // no spread (nobody turned away)
        ++checked;
        if (d["ci95"][0].get<double>() > 0.0 || d["ci95"][1].get<double>() < 0.0) {
            UNSCOPED_INFO(key << " excludes 0: " << d.dump());
            ++excluded;
        }
    }
    CHECK(checked >= 10);
    CHECK(excluded <= 2);
    const json& wait = difference(ind, 1, "wait_mean_min");
    CHECK(wait["ci95"][0].get<double>() <= 0.0);
    CHECK(wait["ci95"][1].get<double>() >= 0.0);
}

TEST_CASE("shards run apart and merged give the bytes one process prints, whatever the threads", "[compare]") {
    const std::string dir = temp_dir();
    const std::string args = "scenarios/hall.json --sweep kiosks=3..5 --replications 7 --goal 'wait_p90_min<=5' --json";
    const auto whole = kt("compare " + args);
    REQUIRE(whole.exit_code == 0);
    CHECK(kt("compare " + args + " --jobs 1").out == whole.out);
    for (int i = 0; i < 3; ++i)
        REQUIRE(kt("compare " + args + " --shard " + std::to_string(i) + "/3 --out " + dir + "/part" + std::to_string(i) +
                   ".json > /dev/null")
                    .exit_code == 0);
    const json part = json::parse(slurp(dir + "/part1.json"));
    CHECK(part["shard"]["index"] == 1);
    CHECK(part["results"]["variants"][0]["replications"].size() == 2);  // replications 1 and 4
    const auto merged = kt("merge " + dir + "/part2.json " + dir + "/part0.json " + dir + "/part1.json --json");
    INFO(merged.err);
    REQUIRE(merged.exit_code == 0);
    CHECK(merged.out == whole.out);

    const auto missing = kt("merge " + dir + "/part0.json " + dir + "/part1.json");
    CHECK(missing.exit_code == 1);
    CHECK(missing.err.find("shard 2/3 is missing") != std::string::npos);
    const auto twice = kt("merge " + dir + "/part0.json " + dir + "/part0.json " + dir + "/part1.json");
    CHECK(twice.exit_code == 1);
    CHECK(twice.err.find("is given twice") != std::string::npos);
    REQUIRE(kt("compare scenarios/hall.json --sweep kiosks=3..5 --replications 7 --seed 9 --shard 2/3 --out " + dir +
               "/other.json > /dev/null")
                .exit_code == 0);
    const auto other = kt("merge " + dir + "/part0.json " + dir + "/part1.json " + dir + "/other.json");
    CHECK(other.exit_code == 1);
    CHECK(other.err.find("a shard of another comparison") != std::string::npos);
    const auto not_shard = kt("merge scenarios/hall.json");
    CHECK(not_shard.exit_code == 1);
    CHECK(not_shard.err.find("not a shard of kiosktwin compare") != std::string::npos);
    std::filesystem::remove_all(dir);
}

TEST_CASE("kiosktwin run --shard: the shards merged are the run one process gives, in any order and any threads",
          "[compare]") {
    const std::string dir = temp_dir();
    const std::string args = "run scenarios/default.json --replications 4 --set horizon.days=1 -q --db ''";
    const auto whole = kt(args + " --json");
    INFO(whole.err);
    REQUIRE(whole.exit_code == 0);
    for (int i = 0; i < 3; ++i) {
        const auto shard = kt(args + " --shard " + std::to_string(i) + "/3 --out " + dir + "/run" + std::to_string(i) +
                              ".json" + (i == 1 ? " --jobs 1" : ""));
        INFO(shard.err);
        REQUIRE(shard.exit_code == 0);
        CHECK_THAT(shard.out, Catch::Contains("shard " + std::to_string(i) + "/3 of the run of \"default\""));
    }
    const json part = json::parse(slurp(dir + "/run0.json"));
    CHECK(part["shard"]["index"] == 0);
    REQUIRE(part["runs"].size() == 2);  // replications 0 and 3
    CHECK(part["runs"][1]["index"] == 3);
    CHECK(!part.contains("results"));
    const std::string db = dir + "/merged.sqlite";
    const auto merged = kt("merge " + dir + "/run2.json " + dir + "/run0.json " + dir + "/run1.json --json --db " + db);
    INFO(merged.err);
    REQUIRE(merged.exit_code == 0);
    CHECK(merged.out == whole.out);  // byte for byte: every metric, interval, table and target
    CHECK_THAT(merged.err, Catch::Contains("its KPIs: shards keep no visits"));
    CHECK(run_command("sqlite3 " + db + " 'SELECT count(*) FROM runs; SELECT count(*) > 20 FROM kpis; "
                      "SELECT count(*) FROM visits'", k_src).out == "1\n1\n0\n");

    const auto missing = kt("merge " + dir + "/run0.json " + dir + "/run2.json --db ''");
    CHECK(missing.exit_code == 1);
    CHECK_THAT(missing.err, Catch::Contains("shard 1/3 is missing"));
    const auto twice = kt("merge " + dir + "/run0.json " + dir + "/run0.json " + dir + "/run1.json --db ''");
    CHECK(twice.exit_code == 1);
    CHECK_THAT(twice.err, Catch::Contains("is given twice"));
    REQUIRE(kt(args + " --seed 9 --shard 2/3 --out " + dir + "/other.json").exit_code == 0);
    const auto other = kt("merge " + dir + "/run0.json " + dir + "/run1.json " + dir + "/other.json --db ''");
    CHECK(other.exit_code == 1);
    CHECK_THAT(other.err, Catch::Contains("a shard of another run"));
    REQUIRE(kt("compare scenarios/hall.json --sweep kiosks=3,4 --replications 4 --shard 0/2 -q --out " + dir +
               "/cmp.json > /dev/null").exit_code == 0);
    const auto mixed = kt("merge " + dir + "/run0.json " + dir + "/cmp.json --db ''");
    CHECK(mixed.exit_code == 1);
    CHECK_THAT(mixed.err, Catch::Contains("a shard of kiosktwin compare"));
    json bad = part;
    bad["runs"][0]["values"].erase(0);
    std::ofstream(dir + "/bad.json") << bad.dump();
    const auto edited = kt("merge " + dir + "/bad.json " + dir + "/run1.json " + dir + "/run2.json --db ''");
    CHECK(edited.exit_code == 1);
    CHECK_THAT(edited.err, Catch::Contains("/runs/0/values:"));
    const auto nowhere = kt(args + " --shard 0/2");
    CHECK(nowhere.exit_code == 2);
    CHECK_THAT(nowhere.err, Catch::Contains("write it with --out FILE"));
    const auto hall = kt("run scenarios/hall.json --shard 0/2 --out " + dir + "/hall.json");
    CHECK(hall.exit_code == 2);
    CHECK_THAT(hall.err, Catch::Contains("site scenario"));
    std::filesystem::remove_all(dir);
}

TEST_CASE("compare explains what it cannot do", "[compare]") {
    const auto one = kt("compare scenarios/hall.json");
    CHECK(one.exit_code == 2);
    CHECK(one.err.find("needs two variants") != std::string::npos);
    const auto sweep = kt("compare scenarios/hall.json --sweep kiosks=6..4");
    CHECK(sweep.exit_code == 2);
    CHECK(sweep.err.find("FROM <= TO") != std::string::npos);
    const auto goal = kt("compare scenarios/hall.json --sweep kiosks=3,4 --goal 'waiting<=2'");
    CHECK(goal.exit_code == 2);
    CHECK(goal.err.find("no metric \"waiting\"") != std::string::npos);
    CHECK(goal.err.find("wait_mean_min") != std::string::npos);
    const auto mixed = kt("compare scenarios/hall.json scenarios/default.json");
    CHECK(mixed.exit_code == 1);
    CHECK(mixed.err.find("cannot be compared") != std::string::npos);
    const auto invalid = kt("compare scenarios/hall.json --sweep kiosks=0,1");
    CHECK(invalid.exit_code == 1);
    CHECK(invalid.err.find("(kiosks=0): /hall/kiosks") != std::string::npos);
    const auto shard = kt("compare scenarios/hall.json --sweep kiosks=3,4 --shard 3/3 --db ''");
    CHECK(shard.exit_code == 2);
    CHECK(kt("compare --help").exit_code == 0);
    CHECK(kt("merge --help").exit_code == 0);
}

TEST_CASE("a comparison is recorded in the store: variants, means and paired differences", "[compare]") {
    const std::string dir = temp_dir();
    const std::string db = dir + "/runs.sqlite";
    const auto r = kt("compare scenarios/hall.json --sweep kiosks=3,4 --replications 5 --goal 'reneged_pct<10' --db " + db);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("Recorded in " + db + " (comparison 1)") != std::string::npos);
    auto sql = [&](const std::string& q) {
        const auto s = run_command("sqlite3 '" + db + "' \"" + q + "\"", k_src);
        REQUIRE(s.exit_code == 0);
        return s.out;
    };
    CHECK(sql("SELECT name, kind, replications, common_random_numbers, goal_variant FROM comparisons") ==
          "hall|hall|5|1|kiosks=4\n");
    CHECK(sql("SELECT label FROM comparison_variants ORDER BY variant") == "kiosks=3\nkiosks=4\n");
    CHECK(sql("SELECT count(*) FROM comparison_kpis WHERE variant = 1 AND diff_mean IS NOT NULL") == "14\n");
    CHECK(sql("SELECT significant FROM comparison_kpis WHERE variant = 1 AND metric = 'reneged_pct'") == "1\n");
    // Shards are parts, not results: not recorded.
    REQUIRE(kt("compare scenarios/hall.json --sweep kiosks=3,4 --replications 5 --shard 0/2 --db " + db).exit_code == 0);
    CHECK(sql("SELECT count(*) FROM comparisons") == "1\n");
    std::filesystem::remove_all(dir);
}
