// Where the next kiosks go (issue 10, R-10.4-1, R-10.4-2, R-5-1): demand
// cells, candidate sites, coverage radii by area type (500 m centre, 1 km
// fringe, 2 km township — the 15-minute service circle), costs, 24-hour
// feasibility and a budget; the maximal-covering (MCLP) and p-median
// problems, solved exactly with a MIP solver (CBC) for district-sized cases
// and by greedy construction + interchange for large ones, with a bound and
// the gap reported.
//
// Sans-I/O: a Problem is data (read from a city file by city.hpp); solving
// it reads no clock but the time limit the caller gives CBC.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kiosktwin::placement {

/// Where a demand cell lies: its coverage radius (R-10.4-1's profile).
enum class AreaType : std::uint8_t { centre, fringe, township };
const char* to_string(AreaType a) noexcept;
std::optional<AreaType> area_type_of(std::string_view s) noexcept;

/// A block or grid cell of the city and the kiosk visits it would make a day.
struct DemandCell {
    double x = 0, y = 0;  ///< metres east and north of the city's origin
    AreaType area = AreaType::centre;
    std::uint16_t district = 0;
    double weight = 0;  ///< expected kiosk visits a day (residents and foot traffic)
};

/// A site a kiosk could go to.
struct Candidate {
    std::string id;
    std::string venue;  ///< R-5-1: service_hall, 24h_room, community, park, mall, office_building, outlet (bank, post, telecom), transport_hub
    double x = 0, y = 0;
    std::uint16_t district = 0;
    double cost = 0;            ///< set-up cost, in the city file's unit
    bool feasible_24h = false;  ///< can host a 24-hour room (R-10.4-2: lockable access, surveillance, power…)
    bool existing = false;      ///< already open: chosen at no cost, its coverage counted
    std::string name{};         ///< for people; the id when not given
    int kiosks = 0;             ///< kiosks it has or would get; 0: sized to its demand when simulated
};

struct Problem {
    std::vector<DemandCell> cells;
    std::vector<Candidate> candidates;
    std::array<double, 3> radius_m{500, 1000, 2000};  ///< by AreaType
    double budget = 0;  ///< total cost of new sites; 0: no budget
    int sites = 0;      ///< new sites to open (p); 0: as many as the budget allows
    int min_24h = 0;    ///< of which at least this many 24-hour-feasible (R-10.4-2)
};

/// Which candidates cover which cells (distance <= the cell's radius), both ways.
struct Coverage {
    std::vector<std::vector<std::uint32_t>> cells_of;       ///< per candidate
    std::vector<std::vector<std::uint32_t>> candidates_of;  ///< per cell
};
Coverage coverage_of(const Problem& p);

enum class Objective { max_cover, p_median };
const char* to_string(Objective o) noexcept;

struct Solution {
    Objective objective = Objective::max_cover;
    std::vector<std::uint32_t> chosen;  ///< new sites, by index into candidates, in the order chosen
    double value = 0;       ///< covered weight (max_cover) or weighted distance, metres × visits (p_median)
    double bound = 0;       ///< the best value possible (an upper bound for max_cover, lower for p_median)
    double gap = 0;         ///< |bound − value| / |bound|: 0 when proven optimal
    bool optimal = false;
    std::string method;     ///< "cbc", "greedy+interchange"
    std::uint64_t iterations = 0;
};

/// Covered weight of a choice (existing sites included).
double covered_weight(const Problem& p, const Coverage& c, const std::vector<std::uint32_t>& chosen);
/// Σ weight × distance to the nearest open site (existing included).
double weighted_distance(const Problem& p, const std::vector<std::uint32_t>& chosen);
/// Whether a choice respects the budget, the count and the 24-hour minimum.
bool feasible(const Problem& p, const std::vector<std::uint32_t>& chosen);

/// Greedy construction (best gain per cost) and interchange until no swap
/// improves; the bound is the LP relaxation's (max_cover) or a Lagrangian
/// one (p_median).
Solution solve_heuristic(const Problem& p, const Coverage& c, Objective o);

/// The MIP, solved by CBC within `time_limit_s` (optimal = proven).
Solution solve_exact(const Problem& p, const Coverage& c, Objective o, double time_limit_s = 60);

}  // namespace kiosktwin::placement
