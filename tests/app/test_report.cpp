// kiosktwin report end to end (issue 10): a site run and a comparison
// recorded in a store, written as self-contained HTML with CSV, JSON and PNG
// exports, and opened in headless Chromium — it renders without errors and
// shows its charts (the screenshot is decoded and checked not blank).
#include "png_decode.hpp"
#include "kiosktwin_cli.hpp"

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <set>
#include <unistd.h>

using namespace kiosktwin::test;
using nlohmann::json;

namespace {

struct Shot {
    std::size_t colours = 0;
    double inked = 0;  // share of pixels that are not the page's white
    std::string log;
};

// Opens `html` in headless Chromium and decodes its screenshot.
Shot screenshot(const std::string& html, const std::string& png) {
    const auto r = run_command("chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1200,1800 "
                               "--enable-logging=stderr --v=0 --screenshot='" + png + "' 'file://" + html + "'",
                               k_src);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto d = decode_png(slurp(png));
    REQUIRE(d);
    Shot s;
    s.log = r.err;
    std::set<std::uint32_t> colours;
    std::size_t inked = 0;
    for (std::size_t i = 0; i + 2 < d->rgb.size(); i += 3) {
        const std::uint32_t c = (std::uint32_t(d->rgb[i]) << 16) | (std::uint32_t(d->rgb[i + 1]) << 8) | d->rgb[i + 2];
        colours.insert(c);
        inked += c != 0xFFFFFF;
    }
    s.colours = colours.size();
    s.inked = static_cast<double>(inked) / static_cast<double>(d->rgb.size() / 3);
    return s;
}

}  // namespace

TEST_CASE("a run and a comparison as self-contained HTML that Chromium renders with its charts", "[report]") {
    const auto dir = std::filesystem::temp_directory_path() / ("kiosktwin-report-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    const std::string db = (dir / "runs.sqlite").string();
    REQUIRE(kt("run scenarios/default.json --replications 2 --set horizon.days=1 -q --db " + db).exit_code == 0);
    REQUIRE(kt("compare scenarios/hall.json --sweep kiosks=3..5 --replications 5 -q --db " + db).exit_code == 0);

    const std::string run_html = (dir / "run.html").string();
    const auto r = kt("report run:1 --db " + db + " --html " + run_html + " --json");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const json written = json::parse(r.out);
    CHECK(written["kind"] == "run");
    for (const char* f : {"run.html", "run-kpis.csv", "run-hourly.csv", "run-heatmap.csv", "run-tickets.csv", "run.json",
                          "run-floor-HALL.png", "run-floor-R24.png", "run-heatmap.png"}) {
        INFO(f);
        CHECK(std::filesystem::file_size(dir / f) > 30);  // at least a header (a day may have no ticket)
    }
    const std::string html = slurp(run_html);
    CHECK(html.find("<script") == std::string::npos);
    CHECK(html.find("<link") == std::string::npos);
    CHECK(html.find("src=\"http") == std::string::npos);
    CHECK(html.find("办件量") != std::string::npos);
    CHECK(html.find("R-10.1-1") != std::string::npos);
    CHECK(slurp((dir / "run-kpis.csv").string()).find("cases_per_day,") != std::string::npos);
    // The floor plan and heat map as PNGs, made without a display.
    const auto floor = decode_png(slurp((dir / "run-floor-HALL.png").string()));
    REQUIRE(floor);
    CHECK(floor->width > 300);

    const Shot run_shot = screenshot(run_html, (dir / "run-shot.png").string());
    INFO(run_shot.log);
    CHECK(run_shot.log.find("Uncaught") == std::string::npos);
    CHECK(run_shot.log.find("CONSOLE") == std::string::npos);
    CHECK(run_shot.colours > 50);    // charts in colour, anti-aliased text
    CHECK(run_shot.inked > 0.03);

    const std::string cmp_html = (dir / "cmp.html").string();
    REQUIRE(kt("report comparison --db " + db + " --html " + cmp_html).exit_code == 0);
    CHECK(slurp((dir / "cmp-differences.csv").string()).find("kiosks=4,kiosks=3,wait_mean_min,") != std::string::npos);
    const Shot cmp_shot = screenshot(cmp_html, (dir / "cmp-shot.png").string());
    CHECK(cmp_shot.log.find("CONSOLE") == std::string::npos);
    CHECK(cmp_shot.colours > 50);
    CHECK(cmp_shot.inked > 0.03);
    // A comparison written by compare --out reports the same way.
    REQUIRE(kt("compare scenarios/hall.json --sweep kiosks=3,4 --replications 3 -q --db '' --out " + (dir / "c.json").string())
                .exit_code == 0);
    CHECK(kt("report " + (dir / "c.json").string() + " --html " + (dir / "c.html").string()).exit_code == 0);

    const auto missing = kt("report run:99 --db " + db + " --html " + (dir / "x.html").string());
    CHECK(missing.exit_code == 1);
    CHECK(missing.err.find("no run 99") != std::string::npos);
    const auto not_result = kt("report scenarios/hall.json --html " + (dir / "x.html").string());
    CHECK(not_result.exit_code == 1);
    CHECK(not_result.err.find("not the result of kiosktwin compare") != std::string::npos);
    std::filesystem::remove_all(dir);
}
