// The simplest planner question, until the full site world exists: one
// service hall, N kiosks as a resource, time-varying citizen arrivals from an
// hourly profile, lognormal (or exponential, gamma) service times, patience
// and balking, over a horizon of days.
//
// The model publishes one VisitRecord per citizen; KPI collectors subscribe.
#pragma once

#include <kiosktwin/sim/arrivals.hpp>
#include <kiosktwin/sim/distributions.hpp>
#include <kiosktwin/sim/random.hpp>
#include <kiosktwin/sim/calendar.hpp>
#include <kiosktwin/sim/signal.hpp>
#include <kiosktwin/sim/time.hpp>
#include <kiosktwin/world/knobs.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>

namespace kiosktwin::world {

enum class ServiceDistribution { lognormal, exponential, gamma };

/// A distribution of the time a citizen spends at a kiosk, in minutes.
struct ServiceTime {
    ServiceDistribution distribution = ServiceDistribution::exponential;
    double mean_min = 4.0;
    double sd_min = 4.0;  ///< lognormal and gamma only
};

/// Draws from a ServiceTime, in minutes.
class ServiceSampler {
public:
    explicit ServiceSampler(const ServiceTime& t);
    double operator()(sim::Rng& rng);

private:
    using Draw = std::variant<sim::LogNormal, sim::Exponential, sim::Gamma>;
    static Draw draw_of(const ServiceTime& t);
    Draw m_draw;
};

/// A validated hall scenario (every field from a knob of hall_knobs()).
struct HallScenario {
    std::string name;
    std::string description;
    std::uint64_t seed = 0;
    int replications = 0;
    sim::Calendar calendar;
    double horizon_days = 0;
    double warmup_h = 0;
    std::string hall_name;
    int kiosks = 0;
    int queue_capacity = 0;  ///< most citizens waiting at once
    std::array<double, 24> hourly_rate_per_h{};
    std::array<double, 7> weekday_factor{};
    sim::Interpolation interpolation = sim::Interpolation::step;
    ServiceDistribution service_distribution = ServiceDistribution::lognormal;
    double service_mean_min = 0;
    double service_sd_min = 0;
    double patience_mean_min = 0;     ///< 0 = infinitely patient
    double balk_queue_per_kiosk = 0;  ///< 0 = never balk
    double wait_target_min = 0;       ///< service-level threshold for reports

    sim::Duration horizon() const { return sim::from_hours(horizon_days * 24.0); }
    sim::Duration warmup() const { return sim::from_hours(warmup_h); }
    /// Citizens waiting at or above which an arriving citizen balks (0 = never).
    std::size_t balk_threshold() const;
};

/// Every knob of a hall scenario, declared once.
const KnobSet& hall_knobs();

struct HallLoad {
    std::optional<HallScenario> scenario;  ///< set when there are no problems
    Validated validated;                   ///< effective JSON and every problem found
};

/// Validates a scenario document (already parsed, overrides applied).
HallLoad load_hall_scenario(const nlohmann::json& doc);

enum class VisitOutcome { served, reneged, balked, turned_away };
const char* to_string(VisitOutcome o) noexcept;

/// What happened to one citizen.
struct VisitRecord {
    std::uint64_t citizen = 0;
    sim::Time arrived{};
    sim::Duration waited{};   ///< in the queue (until served or gone)
    sim::Duration service{};  ///< at the kiosk; zero if not served
    VisitOutcome outcome = VisitOutcome::served;
    std::size_t queue_on_arrival = 0;
};

/// Facts about the kiosks over the measured period [warm-up, horizon].
struct HallRunInfo {
    double utilisation = 0;        ///< busy kiosk time / kiosk time
    double mean_queue_length = 0;  ///< time-weighted
    double max_queue_length = 0;
    std::uint64_t events = 0;      ///< kernel events, including the drain after the horizon
    sim::Time ended{};             ///< when the last citizen left
};

/// One replication of a hall scenario.
class HallModel {
public:
    HallModel(const HallScenario& scenario, std::uint32_t replication);
    ~HallModel();
    HallModel(const HallModel&) = delete;
    HallModel& operator=(const HallModel&) = delete;

    /// Published when a citizen's visit ends (served, reneged, balked, turned away).
    sim::Signal<const VisitRecord&> visit_ended;

    /// Runs arrivals until the horizon, then lets everyone present finish.
    HallRunInfo run();

    /// The replication's master seed (derived from the scenario's seed).
    std::uint64_t seed() const noexcept;

private:
    struct Impl;
    std::unique_ptr<Impl> m;
};

}  // namespace kiosktwin::world
