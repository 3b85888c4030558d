// Per-chunk latency draws of the `latency` toxic.
//
//   uniform       latency + U[-jitter, +jitter)            (Toxiproxy's)
//   normal        latency + jitter * Z                      (netem's "normal")
//   pareto        latency + jitter * (X - E X) / sd X,  X ~ Pareto(alpha, 1)
//   paretonormal  latency + jitter * (0.25 Tp + 0.75 Tn) / sqrt(0.625),
//                 Tp, Tn the standardised Pareto and normal (netem's mix)
//   empirical     latency + a draw from a piecewise-linear CDF table (ms)
//
// For normal, pareto and paretonormal `latency` is the mean and `jitter` the
// standard deviation, as in netem. A draw below zero is zero. Each draw uses
// one uniform (two for paretonormal), by inversion.
#pragma once

#include <kiosktwin/link/toxic.hpp>
#include <kiosktwin/sim/distributions.hpp>
#include <kiosktwin/sim/random.hpp>
#include <kiosktwin/sim/time.hpp>

#include <optional>

namespace kiosktwin::link {

class LatencySampler {
public:
    explicit LatencySampler(const LatencyParams& p);
    /// One delay, rounded to the microsecond, never negative.
    sim::Duration operator()(sim::Rng& rng) const;
    /// The delay in ms before clamping at zero, from the uniform(s) u (and v).
    double delay_ms(double u, double v) const;
    /// The p-quantile of the (clamped) delay in ms, for p in (0, 1); for
    /// paretonormal, which has no closed form, nullopt.
    std::optional<double> quantile_ms(double p) const;

private:
    LatencyParams m_p;
    double m_pareto_mean = 0;  // E X for X ~ Pareto(alpha, 1)
    double m_pareto_sd = 1;
    std::optional<sim::EmpiricalContinuous> m_table;
};

}  // namespace kiosktwin::link
