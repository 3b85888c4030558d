// Analytic queueing results, the references the simulation is validated
// against. Times are in the unit of 1/lambda (if lambda is per minute, waits
// are in minutes).
#pragma once

namespace kiosktwin::analysis {

/// Erlang B blocking probability of an M/M/c/c system with offered load
/// a = lambda/mu erlangs (>= 0) and c >= 0 servers, by the stable recursion
/// B(0) = 1, B(k) = a·B(k-1) / (k + a·B(k-1)). std::invalid_argument on bad input.
double erlang_b(double offered_load, int servers);

/// Steady state of the M/M/c queue (Erlang C).
struct ErlangC {
    double p_wait;           ///< P(an arrival waits), the Erlang C probability
    double wq;               ///< mean wait in queue, all arrivals
    double lq;               ///< mean number waiting
    double w;                ///< mean time in system
    double l;                ///< mean number in system
    double utilisation;      ///< ρ = λ / (cμ)
    double wait_decay_rate;  ///< cμ − λ: the rate at which P(Wq > t) decays

    /// P(Wq > t), the probability that an arrival waits longer than t (t >= 0).
    double p_wait_exceeds(double t) const noexcept;
};

/// M/M/c with arrival rate lambda, service rate mu per server and `servers`
/// servers. Throws std::invalid_argument unless lambda > 0, mu > 0,
/// servers >= 1 and lambda < servers·mu. Stable for thousands of servers.
ErlangC erlang_c(double lambda, double mu, int servers);

/// Steady state of the M/M/c+M queue (Erlang A, Palm's model): exponential
/// patience of rate theta (mean patience 1/theta); an arrival abandons if its
/// wait exceeds its patience.
struct ErlangA {
    double p_abandon;   ///< P(an arrival abandons) = θ·Lq/λ
    double p_wait;      ///< P(an arrival finds all servers busy)
    double wq;          ///< mean time in queue of all arrivals (served or not) = Lq/λ
    double lq;          ///< mean number waiting
    double throughput;  ///< served per unit time, λ(1 − p_abandon)
};

/// M/M/c+M computed exactly from the birth-death chain (birth λ, death
/// min(n, c)μ + max(n − c, 0)θ), summed in scaled form so nothing overflows,
/// and truncated where the remaining tail is below 1e-16 of the total. Stable
/// also when λ >= cμ. Throws std::invalid_argument unless lambda, mu and theta
/// are positive and finite and servers >= 1, and std::domain_error if more
/// than 2e7 states would be needed (theta tiny against an overload λ − cμ).
ErlangA erlang_a(double lambda, double mu, double theta, int servers);

}  // namespace kiosktwin::analysis
