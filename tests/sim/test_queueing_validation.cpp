// The kernel against queueing theory: M/M/c against Erlang C, M/M/c+M
// against Erlang A, and Little's law on a non-Markovian run. Each estimate is
// the 95 % confidence interval of 20 independent replications (fixed seeds,
// so the test is deterministic), and the analytic value must lie inside it.
//
// Requirement: R-10.1-1 (waiting-time metrics must be statistically honest).
#include <kiosktwin/analysis/queueing.hpp>
#include <kiosktwin/analysis/reference_models.hpp>
#include <kiosktwin/sim/distributions.hpp>
#include <kiosktwin/sim/random.hpp>
#include <kiosktwin/sim/resource.hpp>
#include <kiosktwin/sim/simulation.hpp>
#include <kiosktwin/sim/stats.hpp>

#include <catch2/catch.hpp>

#include <cmath>

using namespace kiosktwin;
using namespace std::chrono_literals;

namespace {

struct Estimates {
    sim::Tally wq, p_wait, p_exceeds, p_abandon, util;
};

Estimates replicate(analysis::MmcParams p, int replications, std::uint64_t master) {
    Estimates e;
    for (int r = 0; r < replications; ++r) {
        p.seed = sim::replication_seed(master, static_cast<std::uint32_t>(r));
        const analysis::MmcResult res = analysis::run_mmc(p);
        e.wq.add(res.wait.mean());
        e.p_wait.add(res.p_wait);
        e.p_exceeds.add(res.p_wait_exceeds);
        e.p_abandon.add(res.p_abandon);
        e.util.add(res.utilisation);
    }
    return e;
}

void check_inside(const char* what, const sim::Tally& t, double truth) {
    const sim::ConfidenceInterval ci = sim::confidence_interval(t, 0.95);
    INFO(what << ": theory " << truth << ", simulated " << ci.mean << " ± " << ci.half_width);
    CHECK(ci.contains(truth));
    // The interval is informative, not vacuous: under 5 % of the value.
    CHECK(ci.half_width < 0.05 * std::max(truth, 0.05));
}

}  // namespace

TEST_CASE("Erlang C worked case: 1 citizen/min, 4 min service, 5 kiosks", "[statistical][erlang]") {
    const analysis::ErlangC ec = analysis::erlang_c(1.0, 0.25, 5);
    REQUIRE(ec.p_wait == Approx(0.554).margin(0.0005));
    REQUIRE(ec.wq == Approx(2.216).margin(0.0005));
    REQUIRE(ec.p_wait_exceeds(5.0) == Approx(0.159).margin(0.0005));

    analysis::MmcParams p{.arrival_rate = 1.0, .service_rate = 0.25, .servers = 5, .customers = 60'000,
                          .warmup_customers = 5'000, .wait_threshold = 5.0};
    const Estimates e = replicate(p, 20, 101);
    check_inside("Wq (min)", e.wq, ec.wq);
    check_inside("P(wait)", e.p_wait, ec.p_wait);
    check_inside("P(wait > 5 min)", e.p_exceeds, ec.p_wait_exceeds(5.0));
    check_inside("utilisation", e.util, ec.utilisation);
}

TEST_CASE("M/M/c matches Erlang C across loads, including rho >= 0.9", "[statistical][erlang]") {
    struct Case {
        double lambda, mu;
        int c;
        std::uint64_t customers;
    };
    const Case cases[] = {
        {0.5, 1.0, 1, 60'000},     // rho 0.5, a single server
        {3.0, 0.5, 8, 60'000},     // rho 0.75
        {0.9, 0.25, 4, 200'000},   // rho 0.9, the benchmark's case
        {9.5, 1.0, 10, 200'000},   // rho 0.95
    };
    std::uint64_t master = 7;
    for (const Case& k : cases) {
        const analysis::ErlangC ec = analysis::erlang_c(k.lambda, k.mu, k.c);
        DYNAMIC_SECTION("lambda " << k.lambda << " mu " << k.mu << " c " << k.c << " rho " << ec.utilisation) {
            analysis::MmcParams p{.arrival_rate = k.lambda, .service_rate = k.mu, .servers = k.c,
                                  .customers = k.customers, .warmup_customers = k.customers / 10};
            const Estimates e = replicate(p, 20, master);
            check_inside("Wq", e.wq, ec.wq);
            check_inside("P(wait)", e.p_wait, ec.p_wait);
        }
        ++master;
    }
}

TEST_CASE("M/M/c+M abandonment matches Erlang A", "[statistical][erlang]") {
    struct Case {
        double lambda, mu, theta;
        int c;
    };
    const Case cases[] = {
        {1.0, 0.25, 1.0 / 10.0, 4},  // overloaded without abandonment (rho = 1): patience keeps it stable
        {2.0, 0.5, 1.0 / 3.0, 3},    // overloaded (rho 1.33)
        {0.8, 0.25, 1.0 / 15.0, 4},  // moderate load, patient citizens
    };
    std::uint64_t master = 31;
    for (const Case& k : cases) {
        const analysis::ErlangA ea = analysis::erlang_a(k.lambda, k.mu, k.theta, k.c);
        DYNAMIC_SECTION("lambda " << k.lambda << " mu " << k.mu << " theta " << k.theta << " c " << k.c) {
            analysis::MmcParams p{.arrival_rate = k.lambda, .service_rate = k.mu, .servers = k.c,
                                  .patience_rate = k.theta, .customers = 60'000, .warmup_customers = 6'000};
            const Estimates e = replicate(p, 20, master);
            check_inside("P(abandon)", e.p_abandon, ea.p_abandon);
            check_inside("P(wait)", e.p_wait, ea.p_wait);
            check_inside("Wq (all arrivals)", e.wq, ea.wq);
        }
        ++master;
    }
}

namespace {

// G/G/c+G: gamma interarrivals, lognormal services, lognormal patience.
struct Ggc {
    sim::Simulation sim{sim::SimulationOptions{.seed = 2026}};
    sim::Resource servers{sim, 3};
    sim::Gamma interarrival{2.0, 0.5 * 1.25};            // mean 1.25 min, cv 0.71
    sim::LogNormal service = sim::LogNormal::from_mean_sd(3.3, 2.5);
    sim::LogNormal patience = sim::LogNormal::from_mean_sd(8.0, 6.0);
    sim::TimeWeighted in_system{};
    sim::Tally sojourn;
    std::uint64_t arrivals = 0;
    std::uint64_t count = 0;
    sim::Time measure_from{};
};

sim::Process<> ggc_customer(Ggc& m, double service_min, double patience_min) {
    const sim::Time arrived = m.sim.now();
    m.in_system.add(arrived, 1.0);
    auto slot = co_await m.servers.acquire({.patience = sim::from_minutes(patience_min)});
    if (slot) co_await m.sim.delay(sim::from_minutes(service_min));
    m.in_system.add(m.sim.now(), -1.0);
    if (arrived >= m.measure_from) m.sojourn.add(sim::to_minutes(m.sim.now() - arrived));
}

sim::Process<> ggc_source(Ggc& m, std::uint64_t n, std::uint64_t warmup) {
    auto& a = m.sim.rng("arrivals");
    auto& s = m.sim.rng("service");
    auto& q = m.sim.rng("patience");
    for (std::uint64_t i = 0; i < n; ++i) {
        co_await m.sim.delay(sim::from_minutes(m.interarrival(a)));
        if (i == warmup) {
            m.measure_from = m.sim.now();
            m.in_system.reset(m.sim.now());
        }
        if (i >= warmup) ++m.count;
        m.sim.spawn(ggc_customer(m, m.service(s), m.patience(q)));
    }
}

}  // namespace

TEST_CASE("Little's law L = lambda W holds within 1 % on a non-Markovian run", "[statistical][little]") {
    Ggc m;
    m.sim.spawn(ggc_source(m, 400'000, 20'000));
    m.sim.run();
    // Measure L over the arrival window, from the end of warm-up to the last arrival's departure.
    const double t_min = sim::to_minutes(m.sim.now() - m.measure_from);
    const double lambda = static_cast<double>(m.count) / t_min;
    const double L = m.in_system.mean(m.sim.now());
    const double W = m.sojourn.mean();
    INFO("L " << L << ", lambda " << lambda << ", W " << W << ", lambda W " << lambda * W);
    CHECK(L > 1.0);  // the system is genuinely busy
    CHECK(m.servers.reneges() > 1000);  // and patience really plays a part
    CHECK(std::fabs(L - lambda * W) / L < 0.01);
}
