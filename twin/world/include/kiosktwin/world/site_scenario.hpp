// A site scenario: the planner's file for the site world (site.hpp). Every
// setting is a knob declared once (knobs.hpp) — its path, unit, default,
// range and help — from which come validation with the JSON path of every
// problem, the defaults filled in, `kiosktwin run --help`, and the JSON Schema
// (`kiosktwin validate --schema`, scenarios/site.schema.json).
//
//     {"name": ..., "seed": ..., "replications": 5, "horizon": {"days": 7},
//      "sites": [{"id": "HALL", "kiosks": 8, "hours": {...}, "demand": {...},
//                 "personas": {...}, "staff": {...}, "faults": {...}}, ...]}
//
// A document with "sites" is a site scenario; one with "hall" is the
// foundation's hall scenario (hall.hpp), which load_site_scenario() also
// reads as a one-site world: the hall model is a special case of the world.
#pragma once

#include <kiosktwin/world/knobs.hpp>
#include <kiosktwin/world/site.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::world {

/// R-10.1-2's reference targets (a planning document's, *profile*).
struct ReferenceTargets {
    double daily_use = 0.60;     ///< share of kiosks used on a day
    double fault_rate = 0.05;    ///< faulty kiosk-days / kiosk-days, below
    double satisfaction = 0.90;  ///< ratings 3-5 / ratings
};

struct SiteScenario {
    std::string name;
    std::string description;
    int replications = 0;
    double horizon_days = 0;
    double wait_target_min = 0;  ///< service level: the share waiting longer is reported
    ReferenceTargets targets;
    WorldSpec world;             ///< seed, calendar, horizon and sites
};

/// The knobs of a site scenario (the sites' own under "/sites/*").
const KnobSet& site_scenario_knobs();

struct SiteLoad {
    std::optional<SiteScenario> scenario;  ///< set when there are no problems
    Validated validated;                   ///< effective JSON and every problem found
    bool from_hall = false;                ///< read from a hall scenario
};

/// Validates a site scenario (or a hall scenario, read as one site).
SiteLoad load_site_scenario(const nlohmann::json& doc);

/// "HH:MM" as minutes of the day; nullopt if malformed.
std::optional<int> minute_of_day(std::string_view hhmm) noexcept;
/// Minute `minute` of day `day` (from 1: the epoch's date) on the calendar,
/// as virtual time; nullopt before the epoch (or for a day before 1).
std::optional<sim::Time> civil_time(const sim::Calendar& calendar, int day, int minute) noexcept;

/// An injection from JSON — a timeline event's keys without day and time,
/// {"do": "device_fault", "site": "HALL", "kiosk": 2, "device":
/// "receipt_printer", "fault": "paper_jam"} — checked against the world's
/// sites; nullopt with the problems (JSON paths below the object) if not.
std::optional<Injection> injection_of(const nlohmann::json& doc, const WorldSpec& world, std::vector<Problem>& problems);
/// The knobs of an injection (and of a timeline event, with day and time).
const KnobSet& injection_knobs();

/// Whether a document is a site scenario (it has "sites").
bool is_site_scenario(const nlohmann::json& doc) noexcept;

}  // namespace kiosktwin::world
