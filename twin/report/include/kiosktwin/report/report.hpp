// The planner's report (issue 10): one self-contained HTML file for a
// recorded run or a comparison — KPI tables with each metric's formula and
// clause, charts as inline SVG (waits and queue lengths over the day, a
// utilisation heat map per kiosk and hour, outcomes, the fault timeline), the
// floor plans, the scenario with its seed and hash — and the CSV, JSON and
// PNG exports beside it. Nothing is fetched: no scripts, styles inline,
// images as data: URIs, so the file opens anywhere, offline.
#pragma once

#include <kiosktwin/sim/calendar.hpp>
#include <kiosktwin/placement/city.hpp>
#include <kiosktwin/report/drawing.hpp>
#include <kiosktwin/store/run_store.hpp>
#include <kiosktwin/world/site_scenario.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kiosktwin::report {

/// What a run's charts show, from its recorded replications: per day of
/// service, averaged over the replications.
struct RunSeries {
    int replications = 0;
    double days = 0;                         ///< the horizon
    std::vector<std::string> kiosks;         ///< terminal ids, in site order
    std::array<double, 24> arrivals{};       ///< citizens arriving, by hour of the day
    std::array<double, 24> wait_mean_min{};  ///< mean wait of those served, by the hour they arrived (NaN: nobody)
    std::array<double, 24> queue{};          ///< citizens waiting, time-average within the hour
    /// [kiosk][hour]: share of the hour held by a citizen (from the end of
    /// their wait, for their held time), 0..1.
    std::vector<std::array<double, 24>> utilisation;
    std::map<std::string, double> fates;     ///< citizens by fate (served, reneged, ...), per replication
    std::map<std::string, double> sessions;  ///< sessions by outcome, per replication
    struct Ticket {
        std::string kiosk, device, fault, root_cause;
        double from_h = 0, to_h = 0;  ///< hours from the epoch: occurred, resolved (or the horizon)
    };
    std::vector<Ticket> tickets;  ///< replication 0's fault tickets
};

/// The series of a run from its replications as the store holds them.
RunSeries series_of(const std::vector<store::RecordedRun>& replications, const world::SiteScenario& scenario);

/// A report's files: the HTML and what goes beside it, by file-name suffix
/// ("-kpis.csv", "-floor-HALL.png", ".json", ...).
struct Report {
    std::string html;
    std::map<std::string, std::string> text_files;
    std::map<std::string, std::vector<std::uint8_t>> binary_files;
};

/// The report of a site run: `result` is `kiosktwin run --json`'s object.
Report run_report(const nlohmann::json& result, const world::SiteScenario& scenario, const RunSeries& series);

/// The report of a comparison: `result` is `kiosktwin compare --json`'s.
Report comparison_report(const nlohmann::json& result);

/// The map of a placement: demand heat (visits a day, on 400 m blocks), the
/// candidates, the existing sites, the chosen ones with their coverage
/// circles and ranks. `chosen` holds candidate ids, in rank order.
Drawing placement_map(const placement::City& city, const std::vector<std::string>& chosen, int width = 900);

/// The report of a placement: `result` is `kiosktwin place --json`'s, `city`
/// the city it was solved on (for the map). Exports: -sites.csv, .json, -map.png.
Report placement_report(const nlohmann::json& result, const placement::City& city);

}  // namespace kiosktwin::report
