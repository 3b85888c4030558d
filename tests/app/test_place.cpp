// kiosktwin place end to end (issue 10, R-10.4-1, R-10.4-2, R-5-1): a
// district placed exactly and the city by the heuristic, the chosen sites
// simulated in the twin, the HTML report and its map, the store, and the
// errors a planner can make.
#include "png_decode.hpp"
#include "kiosktwin_cli.hpp"

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <unistd.h>

using namespace kiosktwin::test;
using nlohmann::json;

namespace {

json parse(const CommandResult& r) {
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
}

}  // namespace

TEST_CASE("kiosktwin place: a district exactly, simulated in the twin, reported and recorded", "[place]") {
    const auto dir = std::filesystem::temp_directory_path() / ("kiosktwin-place-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string db = (dir / "runs.sqlite").string();
    const std::string html = (dir / "district.html").string();
    const json r = parse(kt("place assets/cities/synthetic.json --district 4 --simulate --replications 2 -q --json --db '" +
                            db + "' --html '" + html + "'"));
    CHECK(r["verb"] == "place");
    CHECK(r["city"]["district"] == 4);
    CHECK(r["solution"]["method"] == "cbc");  // a district is solved exactly
    CHECK(r["solution"]["optimal"] == true);
    CHECK(r["solution"]["gap"] == 0.0);
    const json& cov = r["coverage"];
    CHECK(cov["covered_visits_day"].get<double>() == Approx(r["solution"]["value"].get<double>()));
    CHECK(cov["covered_visits_day"].get<double>() >= cov["covered_before_day"].get<double>());
    CHECK(cov["new_sites"] == r["problem"]["sites"]);

    // Every open site simulated: its citizens are its cells' visits.
    std::set<std::string> ids;
    double drawn = 0;
    for (const json& s : r["sites"]) {
        ids.insert(s["id"].get<std::string>());
        drawn += s["visits_day"].get<double>();
        CHECK(s["kiosks"].get<int>() >= 1);
    }
    CHECK(drawn == Approx(cov["covered_visits_day"].get<double>()));
    REQUIRE(r["simulation"].is_object());
    CHECK(r["simulation"]["replications"] == 2);
    REQUIRE(r["simulation"]["sites"].size() == r["sites"].size());
    for (const json& k : r["simulation"]["sites"]) {
        CAPTURE(k.dump());
        CHECK(ids.count(k["id"].get<std::string>()));
        CHECK(k["arrivals_day"]["mean"].get<double>() > 20);
        CHECK(k["wait_mean_min"]["mean"].is_number());
        CHECK(k["gave_up_pct"]["mean"].get<double>() >= 0);
        CHECK(k["gave_up_pct"]["mean"].get<double>() <= 100);
    }
    CHECK(r["simulation"]["metrics"]["arrivals_per_day"]["mean"].get<double>() ==
          Approx(cov["covered_visits_day"].get<double>()).epsilon(0.15));

    // The report: self-contained, the map as SVG and PNG, the sites as CSV.
    const std::string page = slurp(html);
    CHECK(page.find("<script") == std::string::npos);
    CHECK(page.find("<svg") != std::string::npos);
    CHECK(page.find("proven optimal") != std::string::npos);
    const auto map = decode_png(slurp((dir / "district-map.png").string()));
    REQUIRE(map);
    CHECK(map->width == 900);
    const std::string csv = slurp((dir / "district-sites.csv").string());
    CHECK(std::count(csv.begin(), csv.end(), '\n') == static_cast<long>(r["sites"].size()) + 1);

    // Recorded: the store gives the same result back, and report reads it.
    const std::string again = (dir / "again.html").string();
    const auto rep = kt("report placement --db '" + db + "' --html '" + again + "' --json");
    INFO(rep.err);
    REQUIRE(rep.exit_code == 0);
    CHECK(slurp(again).find("Where the next kiosks go") != std::string::npos);
    const auto q = run_command("sqlite3 '" + db + "' 'SELECT count(*), sum(existing) FROM placement_sites'", k_src);
    CHECK(q.out == std::to_string(r["sites"].size()) + "|1\n");

    // The panel's placement view: the map with the chosen sites in their red, the world of the open sites.
    const std::string shot = (dir / "panel.png").string();
    const auto panel = run_command("xvfb-run -a -s '-screen 0 1600x900x24' '" + k_bin + "' panel --placement placement:1 --db '" +
                                       db + "' --screenshot '" + shot + "' --json",
                                   k_src);
    INFO(panel.err);
    REQUIRE(panel.exit_code == 0);
    const json summary = json::parse(panel.out);
    CHECK(summary["view"] == "placement");
    CHECK(summary["placement_sites"] == r["sites"].size());
    const auto png = decode_png(slurp(shot));
    REQUIRE(png);
    std::size_t red = 0, blue = 0, heat = 0;
    for (std::size_t i = 0; i + 2 < png->rgb.size(); i += 3) {
        const int R = png->rgb[i], G = png->rgb[i + 1], B = png->rgb[i + 2];
        red += R == 200 && G == 30 && B == 45;   // chosen sites and their circles
        blue += R == 33 && G == 80 && B == 160;  // the existing hall and its circle
        heat += R == 255 && G < 240 && B < 190;  // demand
    }
    CHECK(red > 100);
    CHECK(blue > 50);
    CHECK(heat > 2000);
    std::filesystem::remove_all(dir);
}

TEST_CASE("kiosktwin place: the city by the heuristic within its bound, both objectives", "[place]") {
    const json cover = parse(kt("place --json --db ''"));  // the synthetic city is the default
    CHECK(cover["city"]["cells"].get<int>() > 9000);
    CHECK(cover["solution"]["method"] == "greedy+interchange");
    CHECK(cover["solution"]["value"].get<double>() <= cover["solution"]["bound"].get<double>() + 1e-6);
    CHECK(cover["solution"]["gap"].get<double>() < 0.01);
    CHECK(cover["coverage"]["new_sites"] == 12);
    CHECK(cover["coverage"]["sites_24h"].get<int>() >= 3);
    CHECK(cover["coverage"]["cost"].get<double>() <= 360);

    const json median = parse(kt("place --objective p_median --sites 6 --json --db ''"));
    CHECK(median["problem"]["objective"] == "p_median");
    CHECK(median["coverage"]["new_sites"] == 6);
    CHECK(median["solution"]["value"].get<double>() >= median["solution"]["bound"].get<double>());
    CHECK(median["solution"]["gap"].get<double>() < 0.05);
    CHECK(median["coverage"]["mean_distance_m"].get<double>() < median["coverage"]["mean_distance_before_m"].get<double>());
}

TEST_CASE("kiosktwin place: the synthetic city regenerates byte for byte; errors say what and where", "[place]") {
    const auto out = std::filesystem::temp_directory_path() / ("kiosktwin-city-" + std::to_string(::getpid()) + ".json");
    REQUIRE(kt("place --write-synthetic '" + out.string() + "'").exit_code == 0);
    CHECK(slurp(out.string()) == slurp(k_src + "/assets/cities/synthetic.json"));

    auto bad = json::parse(slurp(out.string()));
    bad["candidates"][5]["venue"] = "cinema";
    bad["cells"]["rows"][2][4] = -3;
    {
        std::ofstream f(out);
        f << bad.dump();
    }
    const auto invalid = kt("place '" + out.string() + "' --db ''");
    CHECK(invalid.exit_code == 1);
    CHECK(invalid.err.find("/candidates/5/venue") != std::string::npos);
    CHECK(invalid.err.find("/cells/rows/2/4") != std::string::npos);
    std::filesystem::remove(out);

    const auto missing = kt("place no/such/city.json --db ''");
    CHECK(missing.exit_code == 1);
    CHECK(missing.err.find("no such file") != std::string::npos);
    const auto district = kt("place --district 42 --db ''");
    CHECK(district.exit_code == 2);
    CHECK(district.err.find("has no such district (it has 1, 2, 3, 4, 5, 6, 7)") != std::string::npos);
    const auto median = kt("place --objective p_median --sites 0 --db ''");
    CHECK(median.exit_code == 2);
    CHECK(median.err.find("--sites") != std::string::npos);
    const auto broke = kt("place --budget 5 --min-24h 3 --db ''");
    CHECK(broke.exit_code == 1);
    CHECK(broke.err.find("budget") != std::string::npos);
    CHECK(kt("place --help").out.find("--simulate") != std::string::npos);
}
