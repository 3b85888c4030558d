#include <catch2/catch.hpp>

#include <kiosktwin/analysis/queueing.hpp>
#include <kiosktwin/sim/special_functions.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

using namespace kiosktwin::analysis;

namespace {

// P(N >= c) and E[(N - c)+] for N ~ Poisson(a), by direct summation.
struct PoissonTail {
    double p_at_least;
    double mean_excess;
};

PoissonTail poisson_tail(double a, int c) {
    double term = std::exp(-a);
    double below = 0.0;
    double mean_below = 0.0;  // E[N; N < c]
    for (int n = 0; n < c; ++n) {
        below += term;
        mean_below += n * term;
        term *= a / (n + 1);
    }
    const double p_at_least = 1.0 - below;
    // E[(N - c)+] = E[N] - E[N; N < c] - c·P(N >= c)
    return {p_at_least, a - mean_below - c * p_at_least};
}

}  // namespace

TEST_CASE("Erlang B matches the defining ratio", "[queueing]") {
    // B(c, a) = (a^c / c!) / Σ_{k<=c} a^k / k!
    const double terms[] = {1.0, 4.0, 8.0, 32.0 / 3.0, 32.0 / 3.0, 128.0 / 15.0};
    double sum = 0.0;
    for (const double t : terms) sum += t;
    CHECK(erlang_b(4.0, 5) == Approx(terms[5] / sum).epsilon(1e-14));
    CHECK(erlang_b(4.0, 0) == 1.0);
    CHECK(erlang_b(0.0, 3) == 0.0);
    CHECK_THROWS_AS(erlang_b(-1.0, 3), std::invalid_argument);
    CHECK_THROWS_AS(erlang_b(1.0, -1), std::invalid_argument);
}

TEST_CASE("Erlang C worked case: 1 arrival/min, 4 min service, 5 servers", "[queueing]") {
    const ErlangC r = erlang_c(1.0, 0.25, 5);
    CHECK(r.utilisation == Approx(0.8));
    CHECK(r.p_wait == Approx(0.554).margin(0.0005));
    CHECK(r.wq == Approx(2.216).margin(0.0005));
    CHECK(r.p_wait_exceeds(5.0) == Approx(0.159).margin(0.0005));
    CHECK(r.p_wait_exceeds(0.0) == r.p_wait);
    CHECK(r.lq == Approx(1.0 * r.wq));          // Little's law on the queue
    CHECK(r.w == Approx(r.wq + 4.0));
    CHECK(r.l == Approx(r.lq + 4.0));           // L = Lq + λ/μ
}

TEST_CASE("Erlang C reduces to M/M/1 and stays stable for a thousand servers", "[queueing]") {
    const ErlangC mm1 = erlang_c(0.7, 1.0, 1);
    CHECK(mm1.p_wait == Approx(0.7));
    CHECK(mm1.wq == Approx(0.7 / 0.3));
    CHECK(mm1.l == Approx(0.7 / 0.3));

    // c = 1000, a = 980 erlangs: compare with a log-space evaluation of the
    // textbook formula C = T / (Σ_{k<c} a^k/k! + T), T = a^c/c! · c/(c - a).
    const int c = 1000;
    const double a = 980.0;
    const ErlangC big = erlang_c(a, 1.0, c);
    double log_sum = -std::numeric_limits<double>::infinity();
    for (int k = 0; k < c; ++k) {
        const double log_term = k * std::log(a) - std::lgamma(k + 1.0);
        const double hi = std::max(log_sum, log_term);
        log_sum = hi + std::log(std::exp(log_sum - hi) + std::exp(log_term - hi));
    }
    const double log_t = c * std::log(a) - std::lgamma(c + 1.0) + std::log(c / (c - a));
    const double expected = 1.0 / (1.0 + std::exp(log_sum - log_t));
    CHECK(big.p_wait == Approx(expected).epsilon(1e-9));
    CHECK(big.p_wait > 0.0);
    CHECK(big.p_wait < 1.0);
}

TEST_CASE("Erlang C rejects unstable or invalid parameters", "[queueing]") {
    CHECK_THROWS_AS(erlang_c(1.25, 0.25, 5), std::invalid_argument);  // ρ = 1
    CHECK_THROWS_AS(erlang_c(0.0, 0.25, 5), std::invalid_argument);
    CHECK_THROWS_AS(erlang_c(1.0, -0.25, 5), std::invalid_argument);
    CHECK_THROWS_AS(erlang_c(1.0, 0.25, 0), std::invalid_argument);
}

TEST_CASE("Erlang A approaches Erlang C as patience grows", "[queueing]") {
    const ErlangC c = erlang_c(1.0, 0.25, 5);
    const ErlangA a = erlang_a(1.0, 0.25, 1e-7, 5);
    CHECK(a.p_wait == Approx(c.p_wait).epsilon(1e-4));
    CHECK(a.wq == Approx(c.wq).epsilon(1e-4));
    CHECK(a.lq == Approx(c.lq).epsilon(1e-4));
    CHECK(a.p_abandon < 1e-6);
    CHECK(a.throughput == Approx(1.0).epsilon(1e-6));
    // Abandonment can only shorten the queue.
    const ErlangA impatient = erlang_a(1.0, 0.25, 0.5, 5);
    CHECK(impatient.wq < c.wq);
    CHECK(impatient.p_wait < c.p_wait);
}

TEST_CASE("Erlang A with patience rate equal to service rate is M/M/infinity", "[queueing]") {
    // Deaths min(n,c)μ + (n-c)+θ = nμ when θ = μ: N ~ Poisson(λ/μ).
    SECTION("c = 1, λ = μ = θ = 1: by hand, P(wait) = 1 - 1/e, Lq = 1/e") {
        const ErlangA r = erlang_a(1.0, 1.0, 1.0, 1);
        CHECK(r.p_wait == Approx(1.0 - std::exp(-1.0)).epsilon(1e-13));
        CHECK(r.lq == Approx(std::exp(-1.0)).epsilon(1e-13));
        CHECK(r.p_abandon == Approx(std::exp(-1.0)).epsilon(1e-13));
        CHECK(r.throughput == Approx(1.0 - std::exp(-1.0)).epsilon(1e-13));
    }
    SECTION("c = 7, a = 9 (overloaded)") {
        const ErlangA r = erlang_a(4.5, 0.5, 0.5, 7);
        const PoissonTail p = poisson_tail(9.0, 7);
        CHECK(r.p_wait == Approx(p.p_at_least).epsilon(1e-12));
        CHECK(r.lq == Approx(p.mean_excess).epsilon(1e-12));
        CHECK(r.wq == Approx(p.mean_excess / 4.5).epsilon(1e-12));
    }
}

TEST_CASE("Erlang A matches the incomplete-gamma closed form", "[queueing]") {
    // Beyond c the weights are w_c · x^j / Π_{k=1..j}(b + k) with x = λ/θ and
    // b = cμ/θ; their sum S = b e^x x^-b Γ(b) P(b, x) and Σ j s_j = xS - b(S - 1).
    const double lambda = 2.0;
    const double mu = 1.0;
    const double theta = 0.5;
    const int c = 3;
    const double a = lambda / mu;
    const double x = lambda / theta;
    const double b = c * mu / theta;
    double below = 0.0;
    double w = 1.0;
    for (int n = 0; n < c; ++n) {
        below += w;
        w *= a / (n + 1);
    }
    const double w_c = w;
    const double s = b * std::exp(x - b * std::log(x) + kiosktwin::sim::log_gamma(b)) *
                     kiosktwin::sim::regularized_gamma_p(b, x);
    const double z = below + w_c * s;
    const ErlangA r = erlang_a(lambda, mu, theta, c);
    CHECK(r.p_wait == Approx(w_c * s / z).epsilon(1e-12));
    CHECK(r.lq == Approx(w_c * (x * s - b * (s - 1.0)) / z).epsilon(1e-10));
    CHECK(r.p_abandon == Approx(theta * r.lq / lambda).epsilon(1e-15));
}

TEST_CASE("Erlang A is stable in overload and with many servers", "[queueing]") {
    // λ > cμ: throughput cannot exceed cμ, so at least 1 - cμ/λ abandon.
    const ErlangA over = erlang_a(12.0, 1.0, 0.5, 10);
    CHECK(over.throughput < 10.0);
    CHECK(over.p_abandon > 1.0 - 10.0 / 12.0);
    CHECK(over.p_wait < 1.0);
    CHECK(over.p_wait > 0.5);

    const ErlangA big = erlang_a(990.0, 1.0, 0.1, 1000);
    CHECK(std::isfinite(big.lq));
    CHECK(big.p_wait > 0.0);
    CHECK(big.p_wait < 1.0);
    CHECK(big.p_abandon == Approx(0.1 * big.lq / 990.0));

    // Tiny patience rate against a heavy overload needs ~1e6 states but still works.
    const ErlangA slow = erlang_a(2.0, 1.0, 1e-6, 1);
    CHECK(slow.throughput == Approx(1.0).epsilon(1e-4));

    CHECK_THROWS_AS(erlang_a(1.0, 1.0, 0.0, 1), std::invalid_argument);
    CHECK_THROWS_AS(erlang_a(1.0, 0.0, 1.0, 1), std::invalid_argument);
    CHECK_THROWS_AS(erlang_a(1.0, 1.0, 1.0, 0), std::invalid_argument);
    CHECK_THROWS_AS(erlang_a(1e9, 1.0, 1e-9, 1), std::domain_error);
}
