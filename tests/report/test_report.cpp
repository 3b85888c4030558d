// The planner's report (twin/report): drawings rendered as SVG and as PNG
// without a display (decoded back here), the series a run's charts show
// worked by hand, and the HTML's sections, self-contained.
#include <kiosktwin/report/drawing.hpp>
#include <kiosktwin/report/report.hpp>

#include "png_decode.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using namespace kiosktwin;
using nlohmann::json;

namespace {

test::DecodedPng decode(const std::vector<std::uint8_t>& png) {
    const auto d = test::decode_png(std::string(png.begin(), png.end()));
    REQUIRE(d);
    return *d;
}

std::array<int, 3> pixel(const test::DecodedPng& d, int x, int y) {
    const std::size_t i = (static_cast<std::size_t>(y) * static_cast<std::size_t>(d.width) + static_cast<std::size_t>(x)) * 3;
    return {d.rgb[i], d.rgb[i + 1], d.rgb[i + 2]};
}

world::SiteScenario one_site() {
    json doc{{"sites", json::array({{{"id", "S1"}, {"kiosks", 2}}})}, {"horizon", {{"days", 1}}}, {"replications", 1}};
    auto load = world::load_site_scenario(doc);
    REQUIRE(load.scenario);
    return *load.scenario;
}

}  // namespace

TEST_CASE("a drawing renders as SVG with its labels and as a PNG without a display", "[report]") {
    report::Drawing d(40, 20, {255, 255, 255});
    d.rect(10, 5, 10, 10, {255, 0, 0}, "K<1>", "kiosk & co");
    d.line(0, 18, 40, 18, 2, {0, 0, 255});
    d.disc(32, 8, 3, {0, 128, 0});
    d.text(1, 1, "not in the PNG");
    const std::string svg = d.svg();
    CHECK(svg.find("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"40\" height=\"20\"") == 0);
    CHECK(svg.find("K&lt;1&gt;") != std::string::npos);
    CHECK(svg.find("<title>kiosk &amp; co</title>") != std::string::npos);
    const auto png = decode(d.png());
    CHECK(png.width == 40);
    CHECK(png.height == 20);
    CHECK(pixel(png, 0, 0) == std::array<int, 3>{255, 255, 255});
    CHECK(pixel(png, 12, 7) == std::array<int, 3>{255, 0, 0});   // inside the rectangle
    CHECK(pixel(png, 21, 7) == std::array<int, 3>{255, 255, 255});  // just outside it
    CHECK(pixel(png, 5, 18) == std::array<int, 3>{0, 0, 255});   // on the line
    CHECK(pixel(png, 32, 8) == std::array<int, 3>{0, 128, 0});   // the disc's centre
    CHECK(report::heat_colour(0).css() == "#ffffff");
    CHECK(report::heat_colour(1).css() == "#800026");
    CHECK(report::heat_colour(7).css() == "#800026");  // clamped
}

TEST_CASE("a run's series by hour of the day, worked by hand", "[report]") {
    const world::SiteScenario s = one_site();
    store::RecordedRun r;
    // Arrives 10:00, waits 30 min, holds S1-K01 for 90 min (10:30-12:00).
    r.visits.push_back({"S1", "young", "served", "S1-K01", 1, 10 * 3600.0, 1800, 5400, 0, false});
    // Arrives 10:20, gives up after 20 min.
    r.visits.push_back({"S1", "elderly", "reneged", "", 2, 10 * 3600.0 + 1200, 1200, 0, 0, false});
    r.sessions.push_back({"S1", "S1-K01", "completed", "", "", "", 1, 5, 10.5 * 3600, 12 * 3600});
    r.tickets.push_back({"S1", "S1-K02", "receipt", "paper_jam", "peripheral", 2, 3600, 3700, 3800, 3900, 7200});
    const report::RunSeries series = report::series_of({r}, s);
    REQUIRE(series.kiosks == std::vector<std::string>{"S1-K01", "S1-K02"});
    CHECK(series.arrivals[10] == 2);
    CHECK(series.wait_mean_min[10] == Approx(30));  // only the served count
    CHECK(std::isnan(series.wait_mean_min[9]));
    CHECK(series.queue[10] == Approx((1800.0 + 1200.0) / 3600.0));  // waiting-seconds over the hour
    CHECK(series.utilisation[0][10] == Approx(0.5));
    CHECK(series.utilisation[0][11] == Approx(1.0));
    CHECK(series.utilisation[0][12] == 0);
    CHECK(series.utilisation[1][10] == 0);
    CHECK(series.fates.at("served") == 1);
    CHECK(series.sessions.at("completed") == 1);
    REQUIRE(series.tickets.size() == 1);
    CHECK(series.tickets[0].from_h == Approx(1));
    CHECK(series.tickets[0].to_h == Approx(2));
}

TEST_CASE("a run's report is one self-contained page with metrics, charts and floor plans, and its exports", "[report]") {
    const world::SiteScenario s = one_site();
    store::RecordedRun r;
    r.visits.push_back({"S1", "young", "served", "S1-K01", 1, 10 * 3600.0, 60, 300, 0, false});
    const json result{{"kiosktwin_version", "0.1.0"},
                      {"scenario", {{"name", "one <site>"}, {"file", "x.json"}, {"sha256", "abc"}, {"effective", {{"a", 1}}}}},
                      {"seed", 7},
                      {"replications", 1},
                      {"horizon_days", 1},
                      {"results",
                       {{"metrics",
                         {{"wait_mean_min",
                           {{"label", "wait"}, {"unit", "min"}, {"mean", 1.0}, {"ci95_half_width", nullptr}, {"ci95", nullptr},
                            {"formula", "mean wait of citizens served"}, {"requirement", "R-10.1-1"}}}}}}}};
    const auto rep = report::run_report(result, s, report::series_of({r}, s));
    CHECK(rep.html.rfind("<!DOCTYPE html>", 0) == 0);
    CHECK(rep.html.find("one &lt;site&gt;") != std::string::npos);
    CHECK(rep.html.find("mean wait of citizens served") != std::string::npos);
    CHECK(rep.html.find("R-10.1-1") != std::string::npos);
    CHECK(rep.html.find("seed 7") != std::string::npos);
    CHECK(rep.html.find("<script") == std::string::npos);  // nothing to run,
    CHECK(rep.html.find("<link") == std::string::npos);    // nothing to fetch
    CHECK(rep.html.find("src=\"http") == std::string::npos);
    std::size_t svgs = 0;
    for (auto at = rep.html.find("<svg"); at != std::string::npos; at = rep.html.find("<svg", at + 1)) ++svgs;
    CHECK(svgs >= 8);  // five charts, the heat map, the timeline, the floor
    for (const char* f : {"-kpis.csv", "-hourly.csv", "-heatmap.csv", "-tickets.csv", ".json"}) CHECK(rep.text_files.count(f) == 1);
    CHECK(rep.text_files.at("-kpis.csv").find("wait_mean_min,wait,min,1,,,,") != std::string::npos);
    const auto floor = decode(rep.binary_files.at("-floor-S1.png"));
    CHECK(floor.width > 100);
    CHECK(decode(rep.binary_files.at("-heatmap.png")).height > 40);
}
