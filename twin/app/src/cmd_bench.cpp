// kiosktwin bench <name> — benchmarks, built from the tree, printing their
// figures (and one JSON object with --json).
#include "common.hpp"

#include <kiosktwin/analysis/queueing.hpp>
#include <kiosktwin/analysis/reference_models.hpp>
#include <kiosktwin/sim/frame_pool.hpp>

#include <fmt/core.h>

#include <chrono>
#include <cmath>
#include <sys/resource.h>

namespace kiosktwin::app {
namespace {

double peak_rss_mb() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_maxrss) / 1024.0;  // Linux reports KiB
}

struct MmcBenchOptions {
    double arrival_rate = 0.9;
    double service_rate = 0.25;
    int servers = 4;
    std::uint64_t customers = 200'000;
    std::uint64_t seed = 1;
    bool json = false;
};

int bench_mmc(const MmcBenchOptions& o) {
    if (o.arrival_rate >= o.servers * o.service_rate) {
        fmt::print(stderr, "kiosktwin bench mmc: unstable queue: arrival rate {} >= servers x service rate {}\n",
                   o.arrival_rate, o.servers * o.service_rate);
        return exit_usage;
    }
    analysis::MmcParams p;
    p.arrival_rate = o.arrival_rate;
    p.service_rate = o.service_rate;
    p.servers = o.servers;
    p.customers = o.customers;
    p.seed = o.seed;
    const auto t0 = std::chrono::steady_clock::now();
    const analysis::MmcResult r = analysis::run_mmc(p);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const analysis::ErlangC ec = analysis::erlang_c(o.arrival_rate, o.service_rate, o.servers);

    const double customers_per_s = static_cast<double>(o.customers) / wall;
    const double events_per_s = static_cast<double>(r.events) / wall;
    const double wq = r.wait.mean();
    const double rel = (wq - ec.wq) / ec.wq;
    if (o.json) {
        print_json({{"bench", "mmc"},
                    {"arrival_rate", o.arrival_rate},
                    {"service_rate", o.service_rate},
                    {"servers", o.servers},
                    {"customers", o.customers},
                    {"seed", o.seed},
                    {"wall_s", wall},
                    {"customers_per_s", customers_per_s},
                    {"events_per_s", events_per_s},
                    {"events_per_customer", static_cast<double>(r.events) / static_cast<double>(o.customers)},
                    {"ns_per_customer", 1e9 * wall / static_cast<double>(o.customers)},
                    {"peak_rss_mb", peak_rss_mb()},
                    {"frame_pool_mb", static_cast<double>(sim::detail::frame_pool_reserved_bytes()) / 1048576.0},
                    {"wq", wq},
                    {"wq_erlang_c", ec.wq},
                    {"wq_relative_error", rel},
                    {"wq_ci95", {r.wait_ci.lo(), r.wait_ci.hi()}},
                    {"wq_ci95_contains_erlang_c", r.wait_ci.contains(ec.wq)},
                    {"p_wait", r.p_wait},
                    {"p_wait_erlang_c", ec.p_wait},
                    {"utilisation", r.utilisation},
                    {"utilisation_theory", ec.utilisation}});
        return exit_ok;
    }
    fmt::print("M/M/{} with lambda = {}, mu = {} (rho = {:.3f}), {} customers, seed {}\n", o.servers, o.arrival_rate,
               o.service_rate, ec.utilisation, o.customers, o.seed);
    fmt::print("  customers/s      {:>14.0f}   ({:.0f} ns per customer)\n", customers_per_s,
               1e9 * wall / static_cast<double>(o.customers));
    fmt::print("  events/s         {:>14.0f}   ({:.2f} events per customer)\n", events_per_s,
               static_cast<double>(r.events) / static_cast<double>(o.customers));
    fmt::print("  peak RSS         {:>14.1f} MB\n", peak_rss_mb());
    fmt::print("  Wq               {:>14.4f}   Erlang C {:.4f}  ({:+.2f} %), 95 % CI [{:.4f}, {:.4f}]\n", wq, ec.wq,
               100.0 * rel, r.wait_ci.lo(), r.wait_ci.hi());
    fmt::print("  P(wait)          {:>14.4f}   Erlang C {:.4f}\n", r.p_wait, ec.p_wait);
    fmt::print("  utilisation      {:>14.4f}   theory   {:.4f}\n", r.utilisation, ec.utilisation);
    fmt::print("  wall time        {:>14.3f} s\n", wall);
    return exit_ok;
}

}  // namespace

void add_bench_command(CLI::App& app, int& exit_code) {
    CLI::App* bench = app.add_subcommand("bench", "Benchmarks: print their figures (and one JSON object with --json)");
    bench->require_subcommand(1, 1);

    auto o = std::make_shared<MmcBenchOptions>();
    CLI::App* mmc = bench->add_subcommand(
        "mmc", "M/M/c written with the kernel's public API (a coroutine per customer, a Resource for the "
               "servers): throughput, memory, and Wq against Erlang C");
    mmc->add_option("--arrival-rate", o->arrival_rate, "lambda, arrivals per unit time")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    mmc->add_option("--service-rate", o->service_rate, "mu, services per unit time per server")
        ->check(CLI::PositiveNumber)
        ->capture_default_str();
    mmc->add_option("--servers", o->servers, "c, servers")->check(CLI::Range(1, 100000))->capture_default_str();
    mmc->add_option("--customers", o->customers, "Customers to simulate")
        ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{10'000'000'000}))
        ->capture_default_str();
    mmc->add_option("--seed", o->seed, "Master seed")->capture_default_str();
    mmc->add_flag("--json", o->json, "Print one JSON object on stdout");
    mmc->callback([o, &exit_code] { exit_code = bench_mmc(*o); });
}

}  // namespace kiosktwin::app
