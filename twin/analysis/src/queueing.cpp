#include <kiosktwin/analysis/queueing.hpp>

#include <cmath>
#include <stdexcept>

namespace kiosktwin::analysis {
namespace {

bool positive_finite(double x) noexcept { return x > 0.0 && std::isfinite(x); }

constexpr long k_max_states = 20'000'000;
// Terms are rescaled whenever they would exceed e^k_rescale_at of the
// current scale, far from overflow either way.
constexpr double k_rescale_at = 600.0;
constexpr double k_tail_tolerance = 1e-16;

}  // namespace

double erlang_b(double offered_load, int servers) {
    if (!(offered_load >= 0.0) || !std::isfinite(offered_load))
        throw std::invalid_argument("erlang_b: offered load must be finite and >= 0");
    if (servers < 0) throw std::invalid_argument("erlang_b: servers must be >= 0");
    double b = 1.0;
    for (int k = 1; k <= servers; ++k) b = offered_load * b / (k + offered_load * b);
    return b;
}

double ErlangC::p_wait_exceeds(double t) const noexcept {
    if (!(t > 0.0)) return p_wait;
    return p_wait * std::exp(-wait_decay_rate * t);
}

ErlangC erlang_c(double lambda, double mu, int servers) {
    if (!positive_finite(lambda)) throw std::invalid_argument("erlang_c: lambda must be finite and > 0");
    if (!positive_finite(mu)) throw std::invalid_argument("erlang_c: mu must be finite and > 0");
    if (servers < 1) throw std::invalid_argument("erlang_c: servers must be >= 1");
    const double capacity = servers * mu;
    if (!(lambda < capacity)) throw std::invalid_argument("erlang_c: unstable, need lambda < servers * mu");
    const double a = lambda / mu;
    const double rho = lambda / capacity;
    const double b = erlang_b(a, servers);
    ErlangC r{};
    r.p_wait = b / (1.0 - rho * (1.0 - b));
    r.wait_decay_rate = capacity - lambda;
    r.wq = r.p_wait / r.wait_decay_rate;
    r.lq = lambda * r.wq;
    r.w = r.wq + 1.0 / mu;
    r.l = lambda * r.w;
    r.utilisation = rho;
    return r;
}

ErlangA erlang_a(double lambda, double mu, double theta, int servers) {
    if (!positive_finite(lambda)) throw std::invalid_argument("erlang_a: lambda must be finite and > 0");
    if (!positive_finite(mu)) throw std::invalid_argument("erlang_a: mu must be finite and > 0");
    if (!positive_finite(theta)) throw std::invalid_argument("erlang_a: theta must be finite and > 0");
    if (servers < 1) throw std::invalid_argument("erlang_a: servers must be >= 1");

    // The weights peak where the death rate reaches λ; refuse early if that
    // is beyond the state budget rather than after summing it.
    if (lambda > servers * mu && (lambda - servers * mu) / theta > static_cast<double>(k_max_states))
        throw std::domain_error("erlang_a: the birth-death chain needs too many states (theta too small)");
    // Unnormalised stationary weights w(n) = Π_{k<=n} λ/d(k), held as
    // term = w(n)·e^-scale. The sums are in the same scale.
    double term = 1.0;
    double total = 1.0;       // Σ w(n)
    double waiting = 0.0;     // Σ_{n>=c} w(n)
    double queue = 0.0;       // Σ_{n>c} (n - c)·w(n)
    const double rescale_threshold = std::exp(k_rescale_at);
    const double rescale_factor = std::exp(-k_rescale_at);
    const auto rescale = [&](double factor) {
        term *= factor;
        total *= factor;
        waiting *= factor;
        queue *= factor;
    };
    for (long n = 1;; ++n) {
        if (n > k_max_states)
            throw std::domain_error("erlang_a: the birth-death chain needs too many states (theta too small)");
        const long excess = n > servers ? n - servers : 0;
        const double busy = n < servers ? static_cast<double>(n) : static_cast<double>(servers);
        const double death = busy * mu + static_cast<double>(excess) * theta;
        const double ratio = lambda / death;
        term *= ratio;
        if (term > rescale_threshold) rescale(rescale_factor);
        total += term;
        if (n >= servers) waiting += term;
        if (excess > 0) queue += static_cast<double>(excess) * term;
        // Death rates grow with n, so once the next ratio r is below 1 the
        // tail after n is at most term·r/(1 - r), and its contribution to the
        // queue at most term·[(n - c)·r/(1 - r) + r/(1 - r)²].
        if (n >= servers) {
            const double next_death = servers * mu + static_cast<double>(excess + 1) * theta;
            const double r = lambda / next_death;
            if (r < 1.0) {
                const double g = r / (1.0 - r);
                const double tail = term * g;
                const double queue_tail = term * (static_cast<double>(excess) * g + g / (1.0 - r));
                if (tail <= k_tail_tolerance * total && queue_tail <= k_tail_tolerance * total) break;
            }
        }
    }
    ErlangA r{};
    r.p_wait = waiting / total;
    r.lq = queue / total;
    r.wq = r.lq / lambda;
    r.p_abandon = theta * r.lq / lambda;
    r.throughput = lambda * (1.0 - r.p_abandon);
    return r;
}

}  // namespace kiosktwin::analysis
