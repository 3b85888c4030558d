// How an emulated back end answers: how long it takes, how often it errs, and
// when it is down. One profile per service, read from JSON:
//
//   {"latency": {"median_ms": 120, "sigma": 0.5},      log-normal (the default shape)
//    "error_rate": 0.01,                              P(an answer is an error)
//    "outages": "every day 02:00-02:30"}              a link::Schedule (any of its forms)
//
//   "latency": {"mean_ms": 100, "sd_ms": 20}         normal instead, negative draws clamp to 0
//
// Defaults (k_default_* below): log-normal with median 120 ms and sigma 0.5
// (the 95th percentile near 270 ms), error rate 0, no outages. Unknown keys are
// refused, so a typo cannot silently fall back to a default.
//
// A draw consumes exactly two uniforms from the stream (latency, then error),
// inside an outage or not, so two runs that differ only in a profile's
// parameters stay in step (common random numbers).
#pragma once

#include <kiosktwin/link/schedule.hpp>
#include <kiosktwin/sim/random.hpp>
#include <kiosktwin/sim/time.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace kiosktwin::services {

/// What one call to a back end met.
struct Draw {
    sim::Duration delay{};     ///< until the answer (or the refusal, in an outage) reaches the caller
    bool failed = false;       ///< the back end answered with an error (never set with `unavailable`)
    bool unavailable = false;  ///< the call fell in an outage window: no service
    /// Neither failed nor unavailable: the back end did the work.
    bool ok() const noexcept { return !failed && !unavailable; }

    friend bool operator==(const Draw&, const Draw&) = default;
};

/// The latency distribution of a back end.
struct Latency {
    enum class Shape { lognormal, normal };
    Shape shape = Shape::lognormal;
    double median_ms = 120.0;  ///< log-normal: the median, ms (> 0)
    double sigma = 0.5;        ///< log-normal: the standard deviation of ln(latency) (>= 0)
    double mean_ms = 0.0;      ///< normal: the mean, ms (>= 0)
    double sd_ms = 0.0;        ///< normal: the standard deviation, ms (>= 0)

    /// The p-quantile in ms, 0 < p < 1 (the normal one clamped at 0 like the draws).
    double quantile_ms(double p) const;

    friend bool operator==(const Latency&, const Latency&) = default;
};

class ServiceProfile {
public:
    static constexpr double k_default_median_ms = 120.0;
    static constexpr double k_default_sigma = 0.5;
    static constexpr double k_default_error_rate = 0.0;

    /// The defaults: log-normal 120 ms / 0.5, no errors, no outages.
    ServiceProfile() = default;
    /// Throws std::invalid_argument unless the parameters are in range.
    ServiceProfile(Latency latency, double error_rate, std::optional<link::Schedule> outages = std::nullopt);

    /// From JSON (the header comment lists the form; null or {} gives the
    /// defaults; "sigma" defaults to 0.5 and "sd_ms" to 0). Periodic and
    /// one-off outage windows count from `anchor`, daily ones follow `week`.
    /// Throws std::invalid_argument naming the JSON path:
    /// `/latency/median_ms: expected a number > 0, got -3`,
    /// `/outages: schedule: "25:00" is not a time of day ...`.
    static ServiceProfile from_json(const nlohmann::json& j, sim::Time anchor = sim::epoch_time,
                                    link::CivilWeek week = {});
    /// The canonical form; from_json(to_json()) with the same anchor and week gives an equal profile.
    nlohmann::json to_json() const;

    /// One call at virtual time `now`: draws the delay and whether it fails
    /// (two uniforms from `rng`, always); unavailable when `now` is inside an
    /// outage window (the delay is then the time to learn of the refusal).
    Draw draw(sim::Time now, sim::Rng& rng) const;

    /// Whether `now` lies in an outage window.
    bool in_outage(sim::Time now) const;

    const Latency& latency() const noexcept { return m_latency; }
    double error_rate() const noexcept { return m_error_rate; }
    /// The outage windows; nullopt when the service is never down.
    const std::optional<link::Schedule>& outages() const noexcept { return m_outages; }

    friend bool operator==(const ServiceProfile&, const ServiceProfile&) = default;

private:
    Latency m_latency{};
    double m_error_rate = k_default_error_rate;
    std::optional<link::Schedule> m_outages;
};

/// For logs: "lognormal median 120 ms sigma 0.5, errors 1%, outages every day 02:00-02:30".
std::string to_string(const ServiceProfile& p);

}  // namespace kiosktwin::services
