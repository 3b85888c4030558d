#include <kiosktwin/analysis/reference_models.hpp>

#include <kiosktwin/sim/distributions.hpp>
#include <kiosktwin/sim/resource.hpp>
#include <kiosktwin/sim/simulation.hpp>

#include <algorithm>
#include <stdexcept>

namespace kiosktwin::analysis {
namespace {

using sim::Process;

struct Mmc {
    explicit Mmc(const MmcParams& p)
        : params(p),
          sim(sim::SimulationOptions{.seed = p.seed}),
          servers(sim, static_cast<std::size_t>(p.servers)),
          interarrival(1.0 / p.arrival_rate),
          service(1.0 / p.service_rate),
          arrivals(sim.rng("arrivals")),
          services(sim.rng("service")),
          patience_stream(sim.rng("patience")) {
        if (p.patience_rate) patience.emplace(1.0 / *p.patience_rate);
    }

    const MmcParams& params;
    sim::Simulation sim;
    sim::Resource servers;
    sim::Exponential interarrival;
    sim::Exponential service;
    std::optional<sim::Exponential> patience;
    sim::Rng& arrivals;
    sim::Rng& services;
    sim::Rng& patience_stream;

    std::uint64_t counted_from = 0;
    std::uint64_t in_system = 0;
    sim::TimeWeighted population{};
    MmcResult r;
    std::uint64_t waited = 0;
    std::uint64_t exceeded = 0;

    sim::BatchMeans wait_batches{1};
};

// One unit of model time is one minute of virtual time.
sim::Duration units(double x) { return sim::from_minutes(x); }

Process<> customer(Mmc& m, bool counted, double service_units, std::optional<double> patience_units) {
    const sim::Time arrived = m.sim.now();
    m.population.set(arrived, static_cast<double>(++m.in_system));
    sim::Request req;
    if (patience_units) req.patience = units(*patience_units);
    auto slot = co_await m.servers.acquire(req);
    if (counted) {
        const double w = sim::to_minutes(slot.waited());
        m.r.wait.add(w);
        m.waited += w > 0.0;
        m.exceeded += w > m.params.wait_threshold;
        m.wait_batches.add(w);
    }
    if (slot) {
        co_await m.sim.delay(units(service_units));
        if (counted) {
            ++m.r.served;
            m.r.sojourn.add(sim::to_minutes(m.sim.now() - arrived));
        }
    } else if (counted) {
        ++m.r.abandoned;
    }
    m.population.set(m.sim.now(), static_cast<double>(--m.in_system));
}

Process<> source(Mmc& m) {
    for (std::uint64_t i = 0; i < m.params.customers; ++i) {
        co_await m.sim.delay(units(m.interarrival(m.arrivals)));
        const bool counted = i >= m.params.warmup_customers;
        if (i == m.params.warmup_customers) {
            m.population.reset(m.sim.now());
            m.servers.reset_statistics();
        }
        // Service and patience are drawn at arrival, each from its own stream,
        // so every customer keeps its draws whatever the number of servers.
        const double s = m.service(m.services);
        std::optional<double> pat;
        if (m.patience) pat = (*m.patience)(m.patience_stream);
        m.sim.spawn(customer(m, counted, s, pat));
        m.r.arrivals += counted;
    }
}

}  // namespace

MmcResult run_mmc(const MmcParams& p) {
    if (!(p.arrival_rate > 0) || !(p.service_rate > 0) || p.servers < 1)
        throw std::invalid_argument("run_mmc: rates must be positive and servers >= 1");
    Mmc m(p);
    constexpr std::uint64_t k_batches = 50;
    m.wait_batches = sim::BatchMeans(
        std::max<std::uint64_t>(1, (p.customers - std::min(p.customers, p.warmup_customers)) / k_batches));
    m.sim.spawn(source(m));
    m.sim.run();
    MmcResult r = std::move(m.r);
    const auto n = static_cast<double>(r.arrivals);
    r.p_wait = n > 0 ? static_cast<double>(m.waited) / n : 0.0;
    r.p_wait_exceeds = n > 0 ? static_cast<double>(m.exceeded) / n : 0.0;
    r.p_abandon = n > 0 ? static_cast<double>(r.abandoned) / n : 0.0;
    r.mean_in_system = m.population.mean(m.sim.now());
    r.measured_time = sim::to_minutes(m.sim.now() - m.population.start());
    r.utilisation = m.servers.utilisation();
    r.events = m.sim.events_processed();
    r.wait_ci = m.wait_batches.interval(0.95);
    return r;
}

}  // namespace kiosktwin::analysis
