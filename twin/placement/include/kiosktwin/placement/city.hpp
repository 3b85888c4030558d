// A city for placement: districts, demand cells, candidate sites and the
// existing halls and kiosks, read from JSON (the city file) or made by the
// synthetic-city generator (assets/cities/synthetic.json is its output).
//
// The city file:
//   {"name", "description",
//    "radius_m": {"centre": 500, "fringe": 1000, "township": 2000},
//    "visit_rates": {"per_resident": 0.002, "per_passer_by": 0.0004},   // kiosk visits a day
//    "budget": 300, "sites": 12, "min_24h": 2,
//    "districts": [{"id": 1, "name": "…"}],
//    "profiles": {"residential": [24 shares], …},                       // demand by hour, each sums to 1
//    "cells": {"columns": ["x", "y", "area", "district", "residents", "foot_traffic", "profile"],
//              "rows": [[x, y, "centre", 1, 1200, 300, "residential"], …]},
//    "candidates": [{"id", "name", "venue", "x", "y", "district", "cost", "feasible_24h", "existing"}]}
// Coordinates are metres east and north of the city's south-west corner.
#pragma once

#include <kiosktwin/placement/placement.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kiosktwin::placement {

struct District {
    std::uint16_t id = 0;
    std::string name;
};

struct City {
    std::string name, description;
    std::vector<District> districts;
    std::map<std::string, std::array<double, 24>> profiles;  ///< hourly shares of a cell's daily demand
    double per_resident = 0.002;   ///< kiosk visits a resident makes a day
    double per_passer_by = 0.0004; ///< kiosk visits a passer-by makes a day
    struct Cell {
        double residents = 0, foot_traffic = 0;
        std::string profile;
    };
    std::vector<Cell> cell_data;  ///< parallel to problem.cells
    Problem problem;              ///< cells (weights = visits a day), candidates, radii, budget, sites, 24 h minimum
};

/// A problem found in a city file, with the JSON path of the value at fault.
struct CityProblem {
    std::string path, message;
    std::string to_string() const { return path + ": " + message; }
};

/// Reads a city; every problem is reported (the city is empty then).
City read_city(const nlohmann::json& doc, std::vector<CityProblem>& problems);
nlohmann::json to_json(const City& city);

/// The synthetic city of `assets/cities/synthetic.json`: seven districts (a
/// dense centre of two, four fringe districts, a township district of villages),
/// about 10,000 cells of 200 m and 300 candidate sites of the venue types of
/// R-5-1, one service hall per district already open. Deterministic.
City synthetic_city(std::uint64_t seed = 20261128);

/// The part of a city in one district (cells and candidates), for an exact
/// solve; its sites, budget and 24-hour minimum are the city's in proportion
/// to the district's share of the demand (at least one site).
City district_of(const City& city, std::uint16_t district);

}  // namespace kiosktwin::placement
