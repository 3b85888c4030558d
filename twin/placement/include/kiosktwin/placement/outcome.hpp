// What a placement achieves, before and in the twin: the open sites ranked by
// what each adds, the demand each would draw (by hour of the day), coverage
// and distance against the existing sites alone; and the site scenario that
// makes each site's demand its citizens, so the twin reports waits and
// abandonment per site, not just coverage.
//
// Who goes where: a cell's visits go to its nearest open site when that site
// is within the cell's radius (the 15-minute circle of R-10.4-1); farther
// demand is not served by any kiosk and is reported as uncovered.
#pragma once

#include <kiosktwin/placement/city.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <vector>

namespace kiosktwin::placement {

/// One open site (new or existing) and the demand it draws.
struct SiteDemand {
    std::uint32_t candidate = 0;  ///< index into the problem's candidates
    bool existing = false;
    int rank = 0;       ///< 1 = the new site the objective would miss most; 0 for existing sites
    double score = 0;   ///< what the objective loses without it: covered visits a day (max_cover), visit-km a day (p_median)
    double visits_day = 0;           ///< visits of the cells it draws
    std::uint32_t cells = 0;         ///< cells it draws
    std::array<double, 24> hourly{}; ///< its visits by hour of the day (sums to visits_day)
};

struct Outcome {
    std::vector<SiteDemand> sites;  ///< new sites by rank, then the existing ones
    double total_visits_day = 0;    ///< the city's (or district's) demand
    double covered_visits_day = 0;  ///< within the radius of an open site
    double covered_before_day = 0;  ///< by the existing sites alone
    double mean_distance_m = 0;     ///< demand-weighted distance to the nearest open site
    double mean_distance_before_m = 0;
    double cost = 0;                ///< of the new sites
    int sites_24h = 0;              ///< new sites that can host a 24-hour room
};

/// Evaluates a choice of new sites (indices into the candidates).
Outcome evaluate(const City& city, Objective objective, const std::vector<std::uint32_t>& chosen);

/// What a map of the city shows, worked out once for the report and the
/// panel: the extent (padded by a block), the demand summed on square
/// blocks, and where each district's name goes (its demand's centre).
struct CityMap {
    double x0 = 0, y0 = 0, x1 = 0, y1 = 0;  ///< metres; north is +y
    double block_m = 400;
    struct Block {
        double x = 0, y = 0;  ///< south-west corner
        double visits_day = 0;
    };
    std::vector<Block> blocks;
    double max_block = 0;  ///< the busiest block's visits a day
    struct Label {
        std::string name;
        double x = 0, y = 0;
    };
    std::vector<Label> districts;
};
CityMap city_map(const City& city, double block_m = 400);

/// The coverage radius where (x, y) lies: that of its nearest cell's area type.
double radius_at(const Problem& p, double x, double y);

struct SimulationOptions {
    int days = 1;
    int replications = 3;
    std::uint64_t seed = 20261128;
    int kiosks = 0;                   ///< per new site; 0: sized to its busiest hour
    double target_utilisation = 0.75; ///< the sizing rule: busiest hour's load / kiosks at most this
    double service_mean_min = 5;      ///< lognormal, sd 3 min
    std::string epoch = "2026-06-01T00:00:00+08:00";  ///< a Monday
};

/// Kiosks for a site whose busiest hour brings `peak_per_h` citizens.
int kiosks_for(double peak_per_h, const SimulationOptions& options);

/// The site scenario (scenarios/site.schema.json) of the open sites: one site
/// per open site with its hourly demand (demand in closed hours moved to the
/// open ones in proportion), hours by venue (a 24-hour-feasible new site is a
/// 24-hour room), kiosks as the candidate gives or sized, the default
/// scenario's fault rates and staff.
nlohmann::json scenario_of(const City& city, const Outcome& outcome, const SimulationOptions& options);

}  // namespace kiosktwin::placement
