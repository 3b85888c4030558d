// kiosktwin place CITY.json — where the next kiosks go (twin/placement): the
// maximal-covering or p-median choice of new sites, exactly by CBC or by
// greedy + interchange with the gap to a bound; the chosen placement
// simulated in the twin (--simulate), reported as HTML (--html) and recorded.
#include "common.hpp"

#include <kiosktwin/analysis/site_study.hpp>
#include <kiosktwin/placement/city.hpp>
#include <kiosktwin/placement/outcome.hpp>
#include <kiosktwin/report/report.hpp>
#include <kiosktwin/store/run_store.hpp>

#include <fmt/core.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace kiosktwin::app {
namespace {

using nlohmann::json;

struct PlaceOptions {
    std::string city = "assets/cities/synthetic.json";
    std::string objective = "max_cover";
    std::string method = "auto";
    int district = 0;
    std::optional<int> sites, min_24h;
    std::optional<double> budget;
    double time_limit_s = 120;
    bool simulate = false;
    int days = 1;
    int replications = 3;
    std::uint64_t seed = 20261128;
    int kiosks = 0;
    unsigned jobs = 0;
    std::string html;
    std::string db = "runs/kiosktwin.sqlite";
    std::string write_synthetic;
    bool json = false;
    bool quiet = false;
};

// auto: exact while the MIP stays district-sized (cells × candidates).
constexpr double k_exact_up_to = 250'000;

std::string thousands(double x, int decimals = 0) {
    const std::string s = fmt::format("{:.{}f}", x, decimals);
    const std::size_t start = s[0] == '-' ? 1 : 0;
    const std::size_t end = std::min(s.find('.'), s.size());
    std::string out = s.substr(0, start);
    for (std::size_t i = start; i < end; ++i) {
        out += s[i];
        if (i + 1 < end && (end - i - 1) % 3 == 0) out += ',';
    }
    out.append(s, end, std::string::npos);
    return out;
}

int write_synthetic(const PlaceOptions& opt) {
    const placement::City city = placement::synthetic_city();
    write_file(opt.write_synthetic, placement::to_json(city).dump() + "\n");
    double visits = 0;
    for (const auto& c : city.problem.cells) visits += c.weight;
    if (opt.json)
        print_json({{"verb", "place"}, {"wrote", opt.write_synthetic}, {"cells", city.problem.cells.size()},
                    {"candidates", city.problem.candidates.size()}, {"districts", city.districts.size()},
                    {"visits_day", visits}});
    else
        fmt::print("wrote the synthetic city to {}: {} districts, {} cells, {} candidates, {} visits a day\n",
                   opt.write_synthetic, city.districts.size(), thousands(static_cast<double>(city.problem.cells.size())),
                   city.problem.candidates.size(), thousands(visits));
    return exit_ok;
}

json site_json(const placement::City& city, const placement::SiteDemand& s, const json& scenario_site) {
    const placement::Candidate& c = city.problem.candidates[s.candidate];
    json j{{"rank", s.rank},         {"id", c.id},         {"name", c.name},           {"venue", c.venue},
           {"district", c.district}, {"x", c.x},           {"y", c.y},                 {"cost", c.cost},
           {"feasible_24h", c.feasible_24h}, {"existing", c.existing}, {"visits_day", s.visits_day},
           {"cells", s.cells},       {"hourly", s.hourly}};
    j["score"] = s.existing ? json() : json(s.score);
    if (scenario_site.is_object()) {
        j["kiosks"] = scenario_site["kiosks"];
        j["simulated_venue"] = scenario_site["venue"];
    }
    return j;
}

void print_text(const json& r, bool simulated) {
    const json& city = r["city"];
    const json& sol = r["solution"];
    const json& cov = r["coverage"];
    const json& prob = r["problem"];
    const bool cover = prob["objective"] == "max_cover";
    fmt::print("Placement in {}{} ({} cells, {} candidates, {} visits a day): {}\n", city["name"].get<std::string>(),
               city["district"].is_null() ? std::string() : fmt::format(", district {}", city["district"].get<int>()),
               thousands(city["cells"].get<double>()), city["candidates"].get<int>(),
               thousands(cov["total_visits_day"].get<double>()),
               cover ? "maximal covering" : "p-median");
    fmt::print("  {} ({}): value {} {}, bound {}, gap {:.2f} %{} in {:.2f} s\n", sol["method"].get<std::string>(),
               sol["optimal"].get<bool>() ? "proven optimal" : "not proven optimal",
               thousands(sol["value"].get<double>(), 1), cover ? "visits a day covered" : "visit-km a day",
               thousands(sol["bound"].get<double>(), 1), 100 * sol["gap"].get<double>(),
               sol["optimal"].get<bool>() ? "" : " to the bound", r["timing"]["solve_s"].get<double>());
    fmt::print("  new sites: {} (asked {}), cost {} of {}, able to host a 24-hour room: {} (at least {})\n",
               cov["new_sites"].get<int>(), prob["sites"].get<int>(), thousands(cov["cost"].get<double>()),
               prob["budget"].get<double>() > 0 ? thousands(prob["budget"].get<double>()) : std::string("no budget"),
               cov["sites_24h"].get<int>(), prob["min_24h"].get<int>());
    fmt::print("  covered: {} -> {} visits a day ({:.1f} % -> {:.1f} %); mean distance to a site {} m -> {} m\n\n",
               thousands(cov["covered_before_day"].get<double>()), thousands(cov["covered_visits_day"].get<double>()),
               100 * cov["covered_before_share"].get<double>(), 100 * cov["covered_share"].get<double>(),
               thousands(cov["mean_distance_before_m"].get<double>()), thousands(cov["mean_distance_m"].get<double>()));
    std::map<std::string, json> sims;
    if (simulated)
        for (const json& k : r["simulation"]["sites"]) sims[k["id"].get<std::string>()] = k;
    std::string head = pad("#", 3, true) + "  " + pad("Site", 6) + pad("Name", 22) + pad("Venue", 16) + pad("Dist", 5, true) +
                       pad("Cost", 6, true) + pad("24h", 5, true) + pad(cover ? "Score/day" : "Score km", 11, true) +
                       pad("Visits/day", 12, true) + pad("Kiosks", 8, true);
    if (simulated) head += pad("Arrivals/day", 14, true) + pad("Wait, min", 16, true) + pad("Gave up, %", 15, true);
    fmt::print("{}\n", head);
    auto ci = [](const json& k, const char* key, int decimals) {
        const json& c = k[key];
        if (c["mean"].is_null()) return std::string("-");
        return fmt::format("{:.{}f}", c["mean"].get<double>(), decimals) +
               (c["ci95_half_width"].is_null() ? std::string() : fmt::format(" ± {:.{}f}", c["ci95_half_width"].get<double>(), decimals));
    };
    for (const json& s : r["sites"]) {
        const bool existing = s["existing"].get<bool>();
        std::string line = pad(existing ? "-" : std::to_string(s["rank"].get<int>()), 3, true) + "  " +
                           pad(s["id"].get<std::string>(), 6) + pad(s["name"].get<std::string>(), 22) +
                           pad(s["venue"].get<std::string>(), 16) + pad(std::to_string(s["district"].get<int>()), 5, true) +
                           pad(fmt::format("{:.0f}", s["cost"].get<double>()), 6, true) +
                           pad(s["feasible_24h"].get<bool>() ? "yes" : "", 5, true) +
                           pad(existing ? "existing" : fmt::format("{:.1f}", s["score"].get<double>()), 11, true) +
                           pad(fmt::format("{:.1f}", s["visits_day"].get<double>()), 12, true) +
                           pad(s.contains("kiosks") ? s["kiosks"].dump() : "", 8, true);
        if (simulated && sims.count(s["id"].get<std::string>())) {
            const json& k = sims[s["id"].get<std::string>()];
            line += pad(ci(k, "arrivals_day", 1), 14, true) + pad(ci(k, "wait_mean_min", 2), 16, true) +
                    pad(ci(k, "gave_up_pct", 1), 15, true);
        }
        fmt::print("{}\n", line);
    }
    if (simulated) {
        const json& m = r["simulation"]["metrics"];
        auto mean = [&](const char* key) { return m.contains(key) ? m[key]["mean"].get<double>() : 0.0; };
        fmt::print("\nIn the twin ({} day(s) x {} replications, 95 % intervals): {} citizens a day, mean wait {:.2f} min, "
                   "{:.1f} % gave up, {} cases a day\n",
                   r["simulation"]["days"].get<int>(), r["simulation"]["replications"].get<int>(),
                   thousands(mean("arrivals_per_day")), mean("wait_mean_min"), mean("balked_pct") + mean("reneged_pct"),
                   thousands(mean("cases_per_day")));
    }
}

int run_place(const PlaceOptions& opt) {
    if (!opt.write_synthetic.empty()) return write_synthetic(opt);
    std::ifstream in(opt.city, std::ios::binary);
    if (!in) {
        fmt::print(stderr, "{}: no such file (a city file; the synthetic city is assets/cities/synthetic.json, run from "
                           "the project root)\n",
                   opt.city);
        return exit_invalid;
    }
    std::stringstream text;
    text << in.rdbuf();
    const json doc = json::parse(text.str(), nullptr, false);
    if (doc.is_discarded()) {
        fmt::print(stderr, "{}: not valid JSON\n", opt.city);
        return exit_invalid;
    }
    std::vector<placement::CityProblem> problems;
    placement::City city = placement::read_city(doc, problems);
    if (!problems.empty()) {
        for (std::size_t i = 0; i < problems.size() && i < 20; ++i) fmt::print(stderr, "{}: {}\n", opt.city, problems[i].to_string());
        if (problems.size() > 20) fmt::print(stderr, "{}: … and {} more problems\n", opt.city, problems.size() - 20);
        return exit_invalid;
    }
    if (opt.district != 0) {
        const bool known = std::any_of(city.districts.begin(), city.districts.end(),
                                       [&](const placement::District& d) { return d.id == opt.district; });
        if (!known) {
            std::string ids;
            for (const auto& d : city.districts) ids += (ids.empty() ? "" : ", ") + std::to_string(d.id);
            fmt::print(stderr, "--district {}: {} has no such district (it has {})\n", opt.district, opt.city, ids);
            return exit_usage;
        }
        city = placement::district_of(city, static_cast<std::uint16_t>(opt.district));
    }
    placement::Problem& p = city.problem;
    if (opt.sites) p.sites = *opt.sites;
    if (opt.budget) p.budget = *opt.budget;
    if (opt.min_24h) p.min_24h = *opt.min_24h;
    const auto objective = opt.objective == "p_median" ? placement::Objective::p_median : placement::Objective::max_cover;
    if (objective == placement::Objective::p_median && p.sites <= 0) {
        fmt::print(stderr, "the p-median needs the number of new sites: give --sites N (or \"sites\" in the city file)\n");
        return exit_usage;
    }
    const double size = static_cast<double>(p.cells.size()) * static_cast<double>(p.candidates.size());
    const bool exact = opt.method == "exact" || (opt.method == "auto" && size <= k_exact_up_to);

    const auto t0 = std::chrono::steady_clock::now();
    const placement::Coverage coverage = placement::coverage_of(p);
    placement::Solution sol;
    try {
        sol = exact ? placement::solve_exact(p, coverage, objective, opt.time_limit_s)
                    : placement::solve_heuristic(p, coverage, objective);
    } catch (const std::exception& e) {
        fmt::print(stderr, "{}: {}\n", opt.city, e.what());
        return exit_invalid;
    }
    if (!placement::feasible(p, sol.chosen)) {
        fmt::print(stderr, "{}: no choice of sites meets the budget, the count and the 24-hour minimum together\n", opt.city);
        return exit_invalid;
    }
    const double solve_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const placement::Outcome outcome = placement::evaluate(city, objective, sol.chosen);

    placement::SimulationOptions so;
    so.days = opt.days;
    so.replications = opt.replications;
    so.seed = opt.seed;
    so.kiosks = opt.kiosks;
    const json scenario = placement::scenario_of(city, outcome, so);
    std::map<std::string, json> scenario_sites;
    for (const json& s : scenario["sites"]) scenario_sites[s["id"].get<std::string>()] = s;

    int new_sites = 0;
    json sites = json::array();
    for (const auto& s : outcome.sites) {
        new_sites += s.existing ? 0 : 1;
        sites.push_back(site_json(city, s, scenario_sites[p.candidates[s.candidate].id]));
    }
    const double total = outcome.total_visits_day;
    json result{
        {"kiosktwin_version", KIOSKTWIN_VERSION},
        {"verb", "place"},
        {"city", {{"file", opt.city}, {"name", city.name}, {"sha256", sha256_hex(text.str())},
                  {"district", opt.district ? json(opt.district) : json()}, {"cells", p.cells.size()},
                  {"candidates", p.candidates.size()}}},
        {"problem", {{"objective", placement::to_string(objective)}, {"sites", p.sites}, {"budget", p.budget},
                     {"min_24h", p.min_24h}, {"radius_m", {{"centre", p.radius_m[0]}, {"fringe", p.radius_m[1]}, {"township", p.radius_m[2]}}},
                     {"method_asked", opt.method}}},
        {"solution", {{"method", sol.method}, {"value", sol.value}, {"bound", sol.bound}, {"gap", sol.gap},
                      {"optimal", sol.optimal}, {"iterations", sol.iterations}}},
        {"coverage", {{"total_visits_day", total}, {"covered_visits_day", outcome.covered_visits_day},
                      {"covered_share", total > 0 ? outcome.covered_visits_day / total : 0.0},
                      {"covered_before_day", outcome.covered_before_day},
                      {"covered_before_share", total > 0 ? outcome.covered_before_day / total : 0.0},
                      {"mean_distance_m", outcome.mean_distance_m}, {"mean_distance_before_m", outcome.mean_distance_before_m},
                      {"cost", outcome.cost}, {"new_sites", new_sites}, {"sites_24h", outcome.sites_24h}}},
        {"sites", sites},
        {"simulation", nullptr},
        {"timing", {{"solve_s", solve_s}}}};

    if (opt.simulate) {
        const world::SiteLoad load = world::load_site_scenario(scenario);
        if (!load.scenario) {
            for (const auto& pr : load.validated.problems) fmt::print(stderr, "placement scenario: {}\n", pr.to_string());
            return exit_failure;
        }
        analysis::SiteStudyOptions so2;
        so2.jobs = opt.jobs;
        so2.keep_records = true;
        Progress progress(fmt::format("simulate {} sites", scenario["sites"].size()), !opt.quiet && stderr_is_tty());
        so2.progress = [&progress](std::size_t d, std::size_t t) { progress.update(d, t); };
        const auto t1 = std::chrono::steady_clock::now();
        const analysis::SiteStudy study = analysis::run_site_study(*load.scenario, so2);
        progress.finish();
        result["timing"]["simulate_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
        result["simulation"] = {{"days", opt.days},
                                {"replications", opt.replications},
                                {"seed", opt.seed},
                                {"events", study.events},
                                {"metrics", analysis::metrics_json(study.metrics)},
                                {"sites", analysis::to_json(analysis::per_site(study, *load.scenario))},
                                {"scenario", scenario}};
    }

    if (!opt.html.empty()) {
        result["files"] = write_report(report::placement_report(result, city), opt.html);
    }
    std::string recorded;
    if (!opt.db.empty()) {
        store::RunStore records(opt.db);
        recorded = fmt::format("{} (placement {})", records.location(), records.record_placement(result, utc_now()));
    }
    if (opt.json) {
        print_json(result);
        if (!recorded.empty()) fmt::print(stderr, "recorded in {}\n", recorded);
    } else {
        print_text(result, opt.simulate);
        if (result.contains("files")) fmt::print("\nReport: {}\n", result["files"][0].get<std::string>());
        if (!recorded.empty()) fmt::print("Recorded in {}\n", recorded);
    }
    return exit_ok;
}

struct PlaceBenchOptions {
    std::uint64_t seed = 20261128;
    int district = 0;  // 0: every district
    double time_limit_s = 120;
    bool json = false;
};

// The synthetic city (the generator's, seed --seed): both objectives by the
// heuristic on the whole city, and exactly by CBC on each district.
int bench_place(const PlaceBenchOptions& opt) {
    using clock = std::chrono::steady_clock;
    const auto t0 = clock::now();
    const placement::City city = placement::synthetic_city(opt.seed);
    const double generate_s = std::chrono::duration<double>(clock::now() - t0).count();
    json out{{"bench", "place"}, {"seed", opt.seed}, {"cells", city.problem.cells.size()},
             {"candidates", city.problem.candidates.size()}, {"districts", city.districts.size()}, {"generate_s", generate_s}};
    if (!opt.json)
        fmt::print("bench place: the synthetic city (seed {}): {} cells, {} candidates, {} districts, {} new sites, budget {}\n",
                   opt.seed, thousands(static_cast<double>(city.problem.cells.size())), city.problem.candidates.size(),
                   city.districts.size(), city.problem.sites, city.problem.budget);
    double city_s = 0, city_gap = 0;
    for (const auto o : {placement::Objective::max_cover, placement::Objective::p_median}) {
        const auto a = clock::now();
        const placement::Coverage coverage = placement::coverage_of(city.problem);
        const placement::Solution sol = placement::solve_heuristic(city.problem, coverage, o);
        const double took = std::chrono::duration<double>(clock::now() - a).count();
        const std::string key = std::string("city_") + placement::to_string(o);
        out[key + "_s"] = took;
        out[key + "_gap"] = sol.gap;
        out[key + "_value"] = sol.value;
        city_s = std::max(city_s, took);
        city_gap = std::max(city_gap, sol.gap);
        if (!opt.json)
            fmt::print("  city, {:<9} greedy + interchange: {:6.2f} s, value {}, gap {:.3f} % to the {} bound\n",
                       placement::to_string(o), took, thousands(sol.value, 1), 100 * sol.gap,
                       o == placement::Objective::max_cover ? "LP" : "Lagrangian");
    }
    out["city_heuristic_s"] = city_s;
    out["city_gap"] = city_gap;
    double district_s = 0;
    bool all_optimal = true;
    json districts = json::array();
    for (const placement::District& d : city.districts) {
        if (opt.district != 0 && d.id != opt.district) continue;
        const placement::City part = placement::district_of(city, d.id);
        const placement::Coverage coverage = placement::coverage_of(part.problem);
        json row{{"district", d.id}, {"cells", part.problem.cells.size()}, {"candidates", part.problem.candidates.size()},
                 {"sites", part.problem.sites}};
        for (const auto o : {placement::Objective::max_cover, placement::Objective::p_median}) {
            const auto a = clock::now();
            const placement::Solution sol = placement::solve_exact(part.problem, coverage, o, opt.time_limit_s);
            const double took = std::chrono::duration<double>(clock::now() - a).count();
            row[std::string(placement::to_string(o)) + "_s"] = took;
            row[std::string(placement::to_string(o)) + "_optimal"] = sol.optimal;
            district_s = std::max(district_s, took);
            all_optimal = all_optimal && sol.optimal;
        }
        if (!opt.json)
            fmt::print("  district {} ({:>5} cells x {:>3} candidates, {} sites) exactly by CBC: max_cover {:6.2f} s, "
                       "p_median {:6.2f} s{}\n",
                       d.id, thousands(static_cast<double>(part.problem.cells.size())), part.problem.candidates.size(),
                       part.problem.sites, row["max_cover_s"].get<double>(), row["p_median_s"].get<double>(),
                       row["max_cover_optimal"].get<bool>() && row["p_median_optimal"].get<bool>() ? ", both proven optimal"
                                                                                                     : ", NOT proven optimal");
        districts.push_back(row);
    }
    out["district"] = districts;
    out["district_exact_s"] = district_s;
    out["district_all_optimal"] = all_optimal;
    out["targets"] = {{"city_heuristic_s", 5.0}, {"district_exact_s", 30.0}};
    out["targets_met"] = city_s < 5.0 && district_s < 30.0 && all_optimal;
    if (opt.json) {
        print_json(out);
    } else {
        fmt::print("  slowest: city heuristic {:.2f} s (target < 5 s), largest gap {:.3f} %; a district exactly {:.2f} s "
                   "(target < 30 s): {}\n",
                   city_s, 100 * city_gap, district_s, out["targets_met"].get<bool>() ? "targets met" : "TARGETS NOT MET");
    }
    return exit_ok;
}

}  // namespace

std::optional<placement::City> placement_city(const json& result, std::string& why) {
    const std::string file = result["city"]["file"].get<std::string>();
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    std::vector<placement::CityProblem> problems;
    placement::City city = in ? placement::read_city(json::parse(text.str(), nullptr, false), problems) : placement::City{};
    if (!in || !problems.empty() || sha256_hex(text.str()) != result["city"]["sha256"].get<std::string>()) {
        why = "its city file " + file + " is gone or has changed since (sha256 " + result["city"]["sha256"].get<std::string>() + ")";
        return std::nullopt;
    }
    if (result["city"]["district"].is_number()) city = placement::district_of(city, result["city"]["district"].get<std::uint16_t>());
    return city;
}

void add_bench_place(CLI::App& bench, int& exit_code) {
    auto opt = std::make_shared<PlaceBenchOptions>();
    CLI::App* cmd = bench.add_subcommand(
        "place", "Placement on the synthetic city: both objectives by greedy + interchange on the whole city (time, gap "
                 "to the bound), and exactly by CBC on each district (time, proven optimal)");
    cmd->add_option("--seed", opt->seed, "Seed of the synthetic city")->capture_default_str();
    cmd->add_option("--time-limit", opt->time_limit_s, "Seconds CBC may take on a district")->capture_default_str();
    cmd->add_option("--district", opt->district, "Solve only this district exactly (0 = every one)")->capture_default_str();
    cmd->add_flag("--json", opt->json, "Print one JSON object on stdout");
    cmd->callback([opt, &exit_code] { exit_code = bench_place(*opt); });
}

void add_place_command(CLI::App& app, int& exit_code) {
    auto opt = std::make_shared<PlaceOptions>();
    CLI::App* cmd = app.add_subcommand(
        "place", "Where the next kiosks go: choose new sites among a city's candidates to cover the most demand within "
                 "the 15-minute circle (max_cover) or to bring everyone nearest a site (p_median), under a budget, a "
                 "count and a 24-hour minimum; exactly by CBC or by greedy + interchange with the gap to a bound; then "
                 "simulate the placement in the twin (--simulate) and report it (--html)");
    cmd->add_option("city", opt->city, "The city file (JSON: districts, demand cells, candidate sites)")->capture_default_str();
    cmd->add_option("--objective", opt->objective, "max_cover (maximal covering) or p_median")
        ->check(CLI::IsMember({"max_cover", "p_median"}))
        ->capture_default_str();
    cmd->add_option("--method", opt->method,
                    "exact (CBC), heuristic (greedy + interchange, with a bound), or auto: exact up to 250,000 "
                    "cell-candidate pairs (a district), heuristic above")
        ->check(CLI::IsMember({"auto", "exact", "heuristic"}))
        ->capture_default_str();
    cmd->add_option("--district", opt->district,
                    "Solve one district (its sites, budget and 24-hour minimum the city's in proportion to its demand)");
    cmd->add_option("--sites", opt->sites, "New sites to open (overrides the city file's)")->check(CLI::Range(0, 100000));
    cmd->add_option("--budget", opt->budget, "Budget for the new sites' cost, in the file's unit (0 = none)")
        ->check(CLI::Range(0.0, 1e12));
    cmd->add_option("--min-24h", opt->min_24h, "Of the new sites, at least this many able to host a 24-hour room (R-10.4-2)")
        ->check(CLI::Range(0, 100000));
    cmd->add_option("--time-limit", opt->time_limit_s, "Seconds CBC may take (the gap to its bound is reported if it stops)")
        ->check(CLI::Range(1.0, 86400.0))
        ->capture_default_str();
    cmd->add_flag("--simulate", opt->simulate,
                  "Simulate the open sites in the twin (each site's demand becomes its citizens): waits and abandonment per site");
    cmd->add_option("--days", opt->days, "Simulated days")->check(CLI::Range(1, 366))->capture_default_str();
    cmd->add_option("--replications", opt->replications, "Simulation replications")->check(CLI::Range(1, 10000))->capture_default_str();
    cmd->add_option("--seed", opt->seed, "Master seed of the simulation")->capture_default_str();
    cmd->add_option("--kiosks", opt->kiosks, "Kiosks at each new site (0: sized so the busiest hour loads at most 75 % of them)")
        ->check(CLI::Range(0, 1000))
        ->capture_default_str();
    cmd->add_option("-j,--jobs", opt->jobs, "Threads for the replications (0 = all cores)")->capture_default_str();
    cmd->add_option("--html", opt->html, "Write the report: OUT.html with OUT-map.png, OUT-sites.csv and OUT.json beside it");
    cmd->add_option("--db,--store", opt->db, "The store to record the placement in: a SQLite file, or a PostgreSQL database as postgresql://USER@HOST:PORT/DB; '' = none")->capture_default_str();
    cmd->add_option("--write-synthetic", opt->write_synthetic,
                    "Write the synthetic city (the generator behind assets/cities/synthetic.json) to this file and stop");
    cmd->add_flag("--json", opt->json, "Print the result as one JSON object");
    cmd->add_flag("-q,--quiet", opt->quiet, "No progress bar");
    cmd->callback([opt, &exit_code] { exit_code = run_place(*opt); });
}

}  // namespace kiosktwin::app
