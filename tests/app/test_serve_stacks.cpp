// `kiosktwin serve --kiosks 200 --stacks`: two hundred kiosks' devices and
// their software stacks in one process on two cores, two hundred scripted
// sessions at once, live through the ports, link proxies and gateway — every
// session must end in a recorded outcome (issue 7, "Live").
#include "run_command.hpp"

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <unistd.h>

using namespace kiosktwin::test;

TEST_CASE("serve hosts 200 kiosks' devices and stacks: 200 scripted sessions at once all end in an outcome [R-7.1-2]",
          "[serve-stacks][R-7.1-2]") {
    const std::string bin = std::string(KIOSKTWIN_BIN_DIR) + "/kiosktwin";
    const auto dir = std::filesystem::temp_directory_path() / ("kiosktwin-stacks-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    // Port blocks below the ephemeral range (32768+), clear of the other
    // tests' (20000-32749): 200 kiosks take base .. base + 2010.
    CommandResult r;
    for (const int base : {14000, 16500, 11000}) {
        r = run_command(bin + " serve --kiosks 200 --stacks --sessions 1 --think 0.2 --idle-timeout 8 --until-done --duration 280 --quiet " +
                            "--port-base " + std::to_string(base) + " --run-dir " + dir.string(),
                        KIOSKTWIN_SOURCE_DIR, 300);
        if (r.err.find("already in use") == std::string::npos) break;
    }
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto summary = nlohmann::json::parse(slurp((dir / "stacks.json").string()));
    INFO(summary.dump());
    CHECK(summary["done"] == true);
    CHECK(summary["kiosks"] == 200);
    CHECK(summary["not_booted"] == 0);
    CHECK(summary["sessions"] == 200);
    // What scripted citizens do at a healthy kiosk: mostly complete; the
    // few who walk away are logged out by the idle rule.
    int ended = 0;
    for (const auto& [kind, n] : summary["outcomes"].items()) ended += n.get<int>();
    CHECK(ended == 200);
    CHECK(summary["outcomes"].value("completed", 0) + summary["outcomes"].value("completed-degraded", 0) >= 180);
    std::filesystem::remove_all(dir);
}
