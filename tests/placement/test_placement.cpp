// Placement (issue 10, R-10.4-1, R-10.4-2, R-5-1): the exact MIPs against
// brute force on small instances, the heuristic within its own bound,
// coverage recomputed independently, the city file, the synthetic city asset,
// what a placement achieves and the scenario that simulates it.
#include <kiosktwin/placement/city.hpp>
#include <kiosktwin/placement/outcome.hpp>
#include <kiosktwin/placement/placement.hpp>
#include <kiosktwin/report/report.hpp>
#include <kiosktwin/sim/random.hpp>
#include <kiosktwin/world/site_scenario.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <sstream>

using namespace kiosktwin;
using namespace kiosktwin::placement;

namespace {

// A small random city: `n` cells, `m` candidates (the first existing), radii by area.
Problem random_problem(std::uint64_t seed, int n, int m) {
    sim::Rng rng(seed);
    Problem p;
    p.radius_m = {600, 1200, 2000};
    for (int i = 0; i < n; ++i) {
        DemandCell c;
        c.x = rng.uniform(0, 6000);
        c.y = rng.uniform(0, 6000);
        c.area = static_cast<AreaType>(std::min(2, static_cast<int>(rng.uniform(0, 3))));
        c.weight = std::round(rng.uniform(1, 50));
        p.cells.push_back(c);
    }
    for (int j = 0; j < m; ++j) {
        Candidate k;
        k.id = "C" + std::to_string(j);
        k.venue = "community";
        k.x = rng.uniform(0, 6000);
        k.y = rng.uniform(0, 6000);
        k.cost = std::round(rng.uniform(5, 30));
        k.feasible_24h = rng.uniform01() < 0.4;
        k.existing = j == 0;
        p.candidates.push_back(k);
    }
    p.sites = 3;
    p.budget = 45;
    p.min_24h = 1;
    return p;
}

// The best choice by trying every subset of the new candidates.
struct Brute {
    double value;
    bool any;
};
Brute brute_force(const Problem& p, const Coverage& c, Objective o) {
    std::vector<std::uint32_t> fresh;
    for (std::uint32_t j = 0; j < p.candidates.size(); ++j)
        if (!p.candidates[j].existing) fresh.push_back(j);
    Brute best{o == Objective::max_cover ? -1.0 : std::numeric_limits<double>::infinity(), false};
    for (std::uint32_t mask = 0; mask < (1u << fresh.size()); ++mask) {
        std::vector<std::uint32_t> chosen;
        for (std::size_t b = 0; b < fresh.size(); ++b)
            if (mask & (1u << b)) chosen.push_back(fresh[b]);
        if (o == Objective::p_median && static_cast<int>(chosen.size()) != p.sites) continue;
        if (!feasible(p, chosen)) continue;
        const double v = o == Objective::max_cover ? covered_weight(p, c, chosen) : weighted_distance(p, chosen);
        best.any = true;
        if (o == Objective::max_cover ? v > best.value : v < best.value) best.value = v;
    }
    return best;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TEST_CASE("The MIPs by CBC find the brute-force optimum; the heuristic lies within its own bound", "[placement]") {
    int instances = 0;
    for (std::uint64_t seed = 1; seed <= 16; ++seed) {
        const Problem p = random_problem(seed, 40, 12);
        const Coverage c = coverage_of(p);
        for (Objective o : {Objective::max_cover, Objective::p_median}) {
            CAPTURE(seed, to_string(o));
            const Brute best = brute_force(p, c, o);
            if (!best.any) continue;
            ++instances;
            const Solution exact = solve_exact(p, c, o, 60);
            REQUIRE(exact.optimal);
            REQUIRE(feasible(p, exact.chosen));
            CHECK(exact.value == Approx(best.value).epsilon(1e-9));
            CHECK(exact.gap == 0.0);
            const Solution h = solve_heuristic(p, c, o);
            REQUIRE(feasible(p, h.chosen));
            if (o == Objective::max_cover) {
                CHECK(h.value <= best.value + 1e-9);
                CHECK(best.value <= h.bound * (1 + 1e-9));  // the LP bound is a bound
                CHECK(h.gap == Approx((h.bound - h.value) / h.bound).margin(1e-12));
            } else {
                CHECK(h.value >= best.value - 1e-6);
                CHECK(best.value >= h.bound * (1 - 1e-9));  // the Lagrangian bound is a bound
            }
            // The value stated is the value of the choice.
            CHECK(h.value == Approx(o == Objective::max_cover ? covered_weight(p, c, h.chosen) : weighted_distance(p, h.chosen)));
        }
    }
    CHECK(instances >= 24);
}

TEST_CASE("Coverage agrees with a plain distance check, both ways", "[placement]") {
    const City city = synthetic_city();
    const Problem& p = city.problem;
    const Coverage c = coverage_of(p);
    std::size_t pairs = 0;
    for (std::uint32_t i = 0; i < p.cells.size(); i += 7) {  // every 7th cell against every candidate
        std::set<std::uint32_t> naive;
        for (std::uint32_t j = 0; j < p.candidates.size(); ++j) {
            const double d = std::hypot(p.cells[i].x - p.candidates[j].x, p.cells[i].y - p.candidates[j].y);
            if (d <= p.radius_m[static_cast<std::size_t>(p.cells[i].area)]) naive.insert(j);
        }
        REQUIRE(std::set<std::uint32_t>(c.candidates_of[i].begin(), c.candidates_of[i].end()) == naive);
        for (std::uint32_t j : naive) {
            const auto& cells = c.cells_of[j];
            CHECK(std::binary_search(cells.begin(), cells.end(), i));
        }
        pairs += naive.size();
    }
    CHECK(pairs > 1000);
}

TEST_CASE("The synthetic city: its asset is the generator's output; districts take their share", "[placement]") {
    const City city = synthetic_city();
    CHECK(city.problem.cells.size() > 9000);
    CHECK(city.problem.candidates.size() > 300);
    CHECK(city.districts.size() == 7);
    std::set<std::string> venues;
    int existing = 0;
    for (const Candidate& k : city.problem.candidates) {
        venues.insert(k.venue);
        existing += k.existing;
    }
    CHECK(existing == 7);  // one service hall per district
    CHECK(venues.size() >= 6);
    const std::string asset = read_text(std::string(KIOSKTWIN_SOURCE_DIR) + "/assets/cities/synthetic.json");
    CHECK(asset == to_json(city).dump() + "\n");  // regenerate: kiosktwin place --write-synthetic assets/cities/synthetic.json

    std::vector<CityProblem> problems;
    const City back = read_city(nlohmann::json::parse(asset), problems);
    REQUIRE(problems.empty());
    REQUIRE(back.problem.cells.size() == city.problem.cells.size());
    CHECK(back.problem.cells[100].weight == Approx(city.problem.cells[100].weight));

    double all = 0;
    for (const auto& c : city.problem.cells) all += c.weight;
    std::size_t cells = 0;
    for (const District& d : city.districts) {
        const City part = district_of(city, d.id);
        cells += part.problem.cells.size();
        double here = 0;
        for (const auto& c : part.problem.cells) {
            CHECK(c.district == d.id);
            here += c.weight;
        }
        CHECK(part.problem.sites == std::max(1, static_cast<int>(std::lround(city.problem.sites * here / all))));
        CHECK(part.problem.min_24h <= part.problem.sites);
    }
    CHECK(cells == city.problem.cells.size());
}

TEST_CASE("A city file's problems are named by JSON path", "[placement]") {
    nlohmann::json doc = to_json(district_of(synthetic_city(), 7));
    doc["cells"]["rows"][3][2] = "suburb";
    doc["cells"]["rows"][5][3] = 99;
    doc["candidates"][2]["venue"] = "cinema";
    doc["candidates"][4]["id"] = doc["candidates"][3]["id"];
    doc["radius_m"]["centre"] = -1;
    std::vector<CityProblem> problems;
    const City c = read_city(doc, problems);
    CHECK(c.problem.cells.empty());
    std::set<std::string> paths;
    for (const auto& p : problems) paths.insert(p.path);
    CHECK(paths.count("/cells/rows/3/2"));
    CHECK(paths.count("/cells/rows/5/3"));
    CHECK(paths.count("/candidates/2/venue"));
    CHECK(paths.count("/candidates/4/id"));
    CHECK(paths.count("/radius_m/centre"));
    problems.clear();
    read_city(nlohmann::json::array(), problems);
    CHECK(problems.size() == 1);
}

TEST_CASE("What a placement achieves, recomputed; its scenario loads and carries each site's demand", "[placement]") {
    const City city = district_of(synthetic_city(), 3);
    const Coverage c = coverage_of(city.problem);
    const Solution s = solve_exact(city.problem, c, Objective::max_cover, 60);
    REQUIRE(s.optimal);
    const Outcome o = evaluate(city, Objective::max_cover, s.chosen);
    CHECK(o.covered_visits_day == Approx(covered_weight(city.problem, c, s.chosen)));
    CHECK(o.covered_before_day <= o.covered_visits_day);
    CHECK(o.mean_distance_m <= o.mean_distance_before_m);
    double drawn = 0;
    int rank = 0;
    for (const SiteDemand& d : o.sites) {
        drawn += d.visits_day;
        double hourly = 0;
        for (double h : d.hourly) hourly += h;
        CHECK(hourly == Approx(d.visits_day));
        if (!d.existing) {
            CHECK(d.rank == ++rank);
            CHECK(d.score >= 0);
        }
    }
    CHECK(rank == static_cast<int>(s.chosen.size()));
    CHECK(drawn == Approx(o.covered_visits_day));  // every covered visit goes to exactly one site
    // Ranked by what the objective loses without the site.
    for (std::size_t k = 1; k < s.chosen.size(); ++k) CHECK(o.sites[k - 1].score >= o.sites[k].score);

    SimulationOptions so;
    so.days = 2;
    const nlohmann::json doc = scenario_of(city, o, so);
    const world::SiteLoad load = world::load_site_scenario(doc);
    const std::string first_problem = load.validated.problems.empty() ? std::string() : load.validated.problems.front().to_string();
    INFO(first_problem);
    REQUIRE(load.scenario);
    REQUIRE(load.scenario->world.sites.size() == o.sites.size());
    for (std::size_t k = 0; k < o.sites.size(); ++k) {
        const world::SiteSpec& site = load.scenario->world.sites[k];
        CHECK(site.id == city.problem.candidates[o.sites[k].candidate].id);
        double day = 0;
        for (double r : site.hourly_rate_per_h) day += r;
        CHECK(day == Approx(o.sites[k].visits_day).epsilon(0.01));  // closed hours' demand moved, not lost
        if (!o.sites[k].existing && city.problem.candidates[o.sites[k].candidate].feasible_24h) CHECK(site.venue == "24h_room");
        const double peak = *std::max_element(site.hourly_rate_per_h.begin(), site.hourly_rate_per_h.end());
        if (!o.sites[k].existing) CHECK(static_cast<int>(site.kiosks.size()) == kiosks_for(peak, so));
    }
    CHECK(kiosks_for(0, so) == 1);
    CHECK(kiosks_for(18, so) == 2);  // 18/h × 5 min = 1.5 kiosks busy; at most 75 % each → 2
    CHECK(kiosks_for(19, so) == 3);
}

TEST_CASE("The placement map draws demand, sites and circles as SVG and PNG", "[placement]") {
    const City city = district_of(synthetic_city(), 1);
    std::vector<std::string> chosen{city.problem.candidates[3].id, city.problem.candidates[9].id};
    const report::Drawing d = report::placement_map(city, chosen, 600);
    const std::string svg = d.svg();
    CHECK(svg.find("<circle") != std::string::npos);
    CHECK(svg.find("fill=\"none\"") != std::string::npos);  // coverage circles
    CHECK(svg.find("#1 " + chosen[0]) != std::string::npos);
    CHECK(svg.find("1 km") != std::string::npos);
    const auto png = d.png();
    REQUIRE(png.size() > 1000);
    CHECK(png[1] == 'P');
}
