// kiosktwin bench <name> — benchmarks, built from the tree, printing their
// figures (and one JSON object with --json).
#include "common.hpp"

#include <kiosktwin/analysis/device_bench.hpp>
#include <kiosktwin/analysis/kiosk_bench.hpp>
#include <kiosktwin/analysis/link_bench.hpp>
#include <kiosktwin/analysis/queueing.hpp>
#include <kiosktwin/analysis/reference_models.hpp>
#include <kiosktwin/analysis/site_study.hpp>
#include <kiosktwin/world/site.hpp>
#include <kiosktwin/sim/frame_pool.hpp>
#include <kiosktwin/host/link_bench.hpp>
#include <kiosktwin/server/bench.hpp>
#include <kiosktwin/sim/time.hpp>

#include <fmt/core.h>

#include <chrono>
#include <fstream>
#include <sstream>
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

struct DevicesBenchOptions {
    int kiosks = 10'000;
    double arrival_gap_ms = 100;
    std::uint64_t seed = 1;
    std::string bench_file = "scenarios/bench-default.json";
    bool json = false;
};

double wall_seconds() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

int bench_devices(const DevicesBenchOptions& o) {
    std::ifstream in(o.bench_file, std::ios::binary);
    if (!in) {
        fmt::print(stderr, "kiosktwin bench devices: cannot open {}\n", o.bench_file);
        return exit_invalid;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    analysis::DeviceBenchParams p;
    p.kiosks = o.kiosks;
    p.seed = o.seed;
    p.bench_json = ss.str();
    p.arrival_gap = sim::from_seconds(o.arrival_gap_ms / 1000.0);
    analysis::DeviceBenchResult r;
    try {
        r = analysis::run_device_bench(p, &wall_seconds);
    } catch (const std::exception& e) {
        fmt::print(stderr, "kiosktwin bench devices: {}\n", e.what());
        return exit_invalid;
    }
    const double sessions_per_s = r.run_s > 0 ? r.kiosk_sessions / r.run_s : 0.0;
    const double ops_per_s = r.run_s > 0 ? static_cast<double>(r.operations) / r.run_s : 0.0;
    const double bytes_per_s = r.run_s > 0 ? static_cast<double>(r.bytes) / r.run_s : 0.0;
    if (o.json) {
        print_json({{"bench", "devices"},
                    {"kiosks", o.kiosks},
                    {"seed", o.seed},
                    {"arrival_gap_ms", o.arrival_gap_ms},
                    {"devices", r.devices},
                    {"kiosk_sessions", r.kiosk_sessions},
                    {"failed_sessions", r.failed_sessions},
                    {"wall_s", r.run_s},
                    {"build_s", r.build_s},
                    {"kiosk_sessions_per_s", sessions_per_s},
                    {"operations", r.operations},
                    {"ops_per_s", ops_per_s},
                    {"bytes", r.bytes},
                    {"bytes_decoded_per_s", bytes_per_s},
                    {"events", r.events},
                    {"virtual_s", r.virtual_s},
                    {"peak_rss_mb", peak_rss_mb()}});
    } else {
        fmt::print("{} kiosks, {} devices (built in {:.2f} s), one scripted session each "
                   "(ID read, face check, 2-page A4 print, receipt), a citizen every {} ms\n",
                   o.kiosks, r.devices, r.build_s, o.arrival_gap_ms);
        fmt::print("  kiosk sessions   {:>14} in {:.3f} s   ({:.0f} sessions/s)\n", r.kiosk_sessions, r.run_s, sessions_per_s);
        fmt::print("  device ops       {:>14}   ({:.0f} ops/s)\n", r.operations, ops_per_s);
        fmt::print("  bytes decoded    {:>14}   ({:.1f} MB/s)\n", r.bytes, bytes_per_s / 1e6);
        fmt::print("  kernel events    {:>14}   virtual time {:.1f} s\n", r.events, r.virtual_s);
        fmt::print("  peak RSS         {:>14.1f} MB\n", peak_rss_mb());
    }
    if (r.failed_sessions > 0) {
        fmt::print(stderr, "kiosktwin bench devices: {} session(s) failed; first: {}\n", r.failed_sessions, r.first_failure);
        return exit_failure;
    }
    return exit_ok;
}

struct KioskBenchOptions {
    std::uint64_t sessions = 20'000;
    std::uint64_t seed = 1;
    bool no_link = false;
    bool json = false;
};

// The figure the issue sets: full kiosk sessions per second on one core.
constexpr double k_kiosk_target_per_s = 50'000;

int bench_kiosk(const KioskBenchOptions& o) {
    analysis::KioskBenchParams p;
    p.sessions = o.sessions;
    p.seed = o.seed;
    p.link = !o.no_link;
    analysis::KioskBenchResult r;
    try {
        r = analysis::run_kiosk_bench(p, &wall_seconds);
    } catch (const std::exception& e) {
        fmt::print(stderr, "kiosktwin bench kiosk: {}\n", e.what());
        return exit_invalid;
    }
    const double per_s = r.run_s > 0 ? static_cast<double>(r.sessions) / r.run_s : 0.0;
    nlohmann::json outcomes = nlohmann::json::object();
    for (const auto& [k, n] : r.outcomes) outcomes[k] = n;
    nlohmann::json reasons = nlohmann::json::object();
    for (const auto& [k, n] : r.reasons) reasons[k] = n;
    if (o.json) {
        print_json({{"bench", "kiosk"},
                    {"seed", o.seed},
                    {"link", !o.no_link},
                    {"sessions", r.sessions},
                    {"outcomes", outcomes},
                    {"reasons", reasons},
                    {"applications", r.applications},
                    {"gateway_calls", r.gateway_calls},
                    {"device_operations", r.device_operations},
                    {"device_bytes", r.device_bytes},
                    {"virtual_s", r.virtual_s},
                    {"wall_s", r.run_s},
                    {"sessions_per_s", per_s},
                    {"target_sessions_per_s", k_kiosk_target_per_s},
                    {"peak_rss_mb", peak_rss_mb()}});
    } else {
        fmt::print("{} scripted sessions through one kiosk stack in virtual time ({} link), seed {}\n", r.sessions,
                   o.no_link ? "no" : "modelled", o.seed);
        fmt::print("  sessions         {:>12} in {:.3f} s   ({:.0f} sessions/s; target {:.0f})\n", r.sessions, r.run_s,
                   per_s, k_kiosk_target_per_s);
        for (const auto& [k, n] : r.outcomes) fmt::print("    {:<22} {:>10}\n", k, n);
        fmt::print("  reasons\n");
        for (const auto& [k, n] : r.reasons) fmt::print("    {:<34} {:>8}\n", k, n);
        fmt::print("  办件 (applications) {:>9}\n", r.applications);
        fmt::print("  gateway calls    {:>12}   ({:.1f} per session)\n", r.gateway_calls,
                   r.sessions ? static_cast<double>(r.gateway_calls) / static_cast<double>(r.sessions) : 0.0);
        fmt::print("  device ops       {:>12}   bytes {}\n", r.device_operations, r.device_bytes);
        fmt::print("  virtual time     {:>12.1f} h\n", r.virtual_s / 3600);
        fmt::print("  peak RSS         {:>12.1f} MB\n", peak_rss_mb());
    }
    return exit_ok;
}

struct LinkBenchOptions {
    int pings = 20'000;
    double bulk_mb = 256;
    int bulk_trials = 5;
    std::uint64_t chunks = 2'000'000;
    int connections = 64;
    std::uint64_t seed = 1;
    bool skip_live = false;
    bool json = false;
};

int bench_link(const LinkBenchOptions& o) {
    auto progress = [&](const std::string& s) {
        if (!o.json) fmt::print(stderr, "bench link: {}\n", s);
    };
    host::LinkLiveBenchResult live;
    if (!o.skip_live) {
        host::LinkLiveBenchParams lp;
        lp.pings = o.pings;
        lp.bulk_bytes = static_cast<std::uint64_t>(o.bulk_mb * 1024 * 1024);
        lp.bulk_trials = o.bulk_trials;
        lp.progress = progress;
        try {
            live = host::run_link_live_bench(lp);
        } catch (const std::exception& e) {
            fmt::print(stderr, "kiosktwin bench link: {}\n", e.what());
            return exit_failure;
        }
    }
    analysis::LinkVirtualBenchParams vp;
    vp.chunks = o.chunks;
    vp.connections = o.connections;
    vp.seed = o.seed;
    analysis::LinkVirtualBenchResult v;
    try {
        v = analysis::run_link_virtual_bench(vp, &wall_seconds);
    } catch (const std::exception& e) {
        fmt::print(stderr, "kiosktwin bench link: {}\n", e.what());
        return exit_invalid;
    }
    progress("virtual: " + std::to_string(v.chunks_delivered) + " chunks delivered");
    if (o.json) {
        nlohmann::json j{{"bench", "link"},
                         {"virtual_chunks_per_s", v.chunks_per_s},
                         {"virtual_chunks", v.chunks_delivered},
                         {"virtual_bytes", v.bytes_delivered},
                         {"virtual_run_s", v.run_s},
                         {"virtual_time_s", v.virtual_s},
                         {"virtual_connections", o.connections},
                         {"virtual_checksum", v.checksum},
                         {"seed", o.seed},
                         {"peak_rss_mb", peak_rss_mb()}};
        if (!o.skip_live) {
            j["added_p50_us"] = live.added_p50_us;
            j["added_p99_us"] = live.added_p99_us;
            j["direct_p50_us"] = live.direct_p50_us;
            j["direct_p99_us"] = live.direct_p99_us;
            j["proxy_p50_us"] = live.proxy_p50_us;
            j["proxy_p99_us"] = live.proxy_p99_us;
            j["direct_mb_s"] = live.direct_mb_s;
            j["proxy_mb_s"] = live.proxy_mb_s;
            j["throughput_ratio"] = live.throughput_ratio;
            j["pings"] = o.pings;
        }
        print_json(j);
    } else {
        if (!o.skip_live) {
            fmt::print("live, loopback, one proxy hop with no toxics ({} round trips of 64 B per path):\n", o.pings);
            fmt::print("  round trip direct  p50 {:>8.1f} us   p99 {:>8.1f} us\n", live.direct_p50_us, live.direct_p99_us);
            fmt::print("  round trip proxy   p50 {:>8.1f} us   p99 {:>8.1f} us\n", live.proxy_p50_us, live.proxy_p99_us);
            fmt::print("  added by the proxy p50 {:>8.1f} us   p99 {:>8.1f} us   (targets 100 / 500)\n", live.added_p50_us,
                       live.added_p99_us);
            fmt::print("  bulk direct {:.0f} MB/s, through the proxy {:.0f} MB/s: ratio {:.2f}   (target 0.50)\n",
                       live.direct_mb_s, live.proxy_mb_s, live.throughput_ratio);
        }
        fmt::print("virtual time, latency 20 ms + jitter 5 ms (normal) + bandwidth 100 MB/s, {} connections:\n",
                   o.connections);
        fmt::print("  {} chunks in {:.3f} s: {:.2f} M chunks/s on one core   (target 1 M)\n", v.chunks_delivered, v.run_s,
                   v.chunks_per_s / 1e6);
        fmt::print("  peak RSS {:.1f} MB\n", peak_rss_mb());
    }
    return exit_ok;
}

struct GatewayBenchOptions {
    double seconds = 5;
    int connections = 32;
    int threads = 1;
    std::uint64_t sessions = 20'000;
    std::uint64_t seed = 1;
    bool skip_live = false;
    bool json = false;
};

int bench_gateway(const GatewayBenchOptions& o) {
    auto progress = [&](const std::string& s) {
        if (!o.json) fmt::print(stderr, "bench gateway: {}\n", s);
    };
    server::LiveBenchResult live;
    if (!o.skip_live) {
        server::LiveBenchParams lp;
        lp.seconds = o.seconds;
        lp.connections = o.connections;
        lp.server_threads = o.threads;
        lp.progress = progress;
        try {
            live = server::run_live_bench(lp);
        } catch (const std::exception& e) {
            fmt::print(stderr, "kiosktwin bench gateway: {}\n", e.what());
            return exit_failure;
        }
    }
    progress("virtual: " + std::to_string(o.sessions) + " kiosk sessions through handle_request");
    server::VirtualBenchParams vp;
    vp.sessions = o.sessions;
    vp.seed = o.seed;
    server::VirtualBenchResult v;
    try {
        v = server::run_virtual_bench(vp);
    } catch (const std::exception& e) {
        fmt::print(stderr, "kiosktwin bench gateway: {}\n", e.what());
        return exit_failure;
    }
    const bool read_ok = live.read_ratio >= 0.5 && live.read.p99_ms <= 2.0;
    const bool write_ok = live.write.rps >= 5000 && live.write.errors == 0;
    const bool virtual_ok = v.calls_per_s >= 200'000 && v.errors == 0;
    if (o.json) {
        nlohmann::json j{{"bench", "gateway"},
                         {"virtual_calls_per_s", v.calls_per_s},
                         {"virtual_calls", v.calls},
                         {"virtual_errors", v.errors},
                         {"virtual_applications", v.applications},
                         {"virtual_target_met", virtual_ok},
                         {"seed", o.seed},
                         {"peak_rss_mb", peak_rss_mb()}};
        if (!o.skip_live) {
            j["read_rps"] = live.read.rps;
            j["read_p50_ms"] = live.read.p50_ms;
            j["read_p99_ms"] = live.read.p99_ms;
            j["read_errors"] = live.read.errors;
            j["nginx_rps"] = live.nginx.rps;
            j["nginx_p50_ms"] = live.nginx.p50_ms;
            j["nginx_p99_ms"] = live.nginx.p99_ms;
            j["read_ratio"] = live.read_ratio;
            j["write_rps"] = live.write.rps;
            j["write_p50_ms"] = live.write.p50_ms;
            j["write_p99_ms"] = live.write.p99_ms;
            j["write_errors"] = live.write.errors;
            j["journal_entries"] = live.journal_entries;
            j["page_bytes"] = live.page_bytes;
            j["connections"] = o.connections;
            j["seconds"] = o.seconds;
            j["read_target_met"] = read_ok;
            j["write_target_met"] = write_ok;
        }
        print_json(j);
    } else {
        if (!o.skip_live) {
            fmt::print("live, loopback, wrk with {} connections for {} s per run; the same {}-byte catalogue page:\n",
                       o.connections, o.seconds, live.page_bytes);
            fmt::print("  nginx (static file)   {:>9.0f} req/s   p50 {:>6.3f} ms   p99 {:>6.3f} ms\n", live.nginx.rps,
                       live.nginx.p50_ms, live.nginx.p99_ms);
            fmt::print("  gateway catalogue read{:>9.0f} req/s   p50 {:>6.3f} ms   p99 {:>6.3f} ms   ratio {:.2f} "
                       "(targets 0.50, p99 2 ms){}\n",
                       live.read.rps, live.read.p50_ms, live.read.p99_ms, live.read_ratio, read_ok ? "" : "  NOT MET");
            fmt::print("  gateway signed create {:>9.0f} req/s   p50 {:>6.3f} ms   p99 {:>6.3f} ms   durable, {} errors "
                       "(target 5000/s){}\n",
                       live.write.rps, live.write.p50_ms, live.write.p99_ms, live.write.errors, write_ok ? "" : "  NOT MET");
            fmt::print("  journal: {} entries\n", live.journal_entries);
        }
        fmt::print("virtual time, one core: {} handle_request calls (kiosk session mix) in {:.3f} s: {:.0f} calls/s "
                   "(target 200000){}\n",
                   v.calls, v.seconds, v.calls_per_s, virtual_ok ? "" : "  NOT MET");
        fmt::print("  peak RSS {:.1f} MB\n", peak_rss_mb());
    }
    return exit_ok;
}

struct SiteBenchOptions {
    std::string scenario = "scenarios/default.json";
    std::size_t kiosks = 0;     // 0: the scenario as it is
    std::uint64_t sessions = 0; // 0: the scenario's demand
    double days = 0;            // 0: the scenario's horizon
    std::uint64_t seed = 0;     // 0: the scenario's
    bool json = false;
};

// The scenario's sites copied until there are `kiosks` kiosks (ids
// suffixed), the demand scaled so that about `sessions` sessions happen.
world::SiteScenario scaled(world::SiteScenario s, const SiteBenchOptions& o) {
    if (o.days > 0) {
        s.horizon_days = o.days;
        s.world.horizon = sim::from_hours(o.days * 24.0);
    }
    if (o.seed != 0) s.world.seed = o.seed;
    if (o.kiosks > 0) {
        const std::vector<world::SiteSpec> pattern = s.world.sites;
        s.world.sites.clear();
        std::size_t kiosks = 0;
        for (std::size_t copy = 1; kiosks < o.kiosks; ++copy)
            for (const world::SiteSpec& p : pattern) {
                if (kiosks >= o.kiosks) break;
                world::SiteSpec site = p;
                site.id = p.id + "-" + std::to_string(copy);
                if (site.kiosks.size() > o.kiosks - kiosks) site.kiosks.resize(o.kiosks - kiosks);
                kiosks += site.kiosks.size();
                s.world.sites.push_back(std::move(site));
            }
    }
    if (o.sessions > 0) {
        // Expected arrivals over the horizon: the integral of each site's demand.
        double expected = 0;
        for (const world::SiteSpec& site : s.world.sites)
            expected += world::demand_profile(site).expected_arrivals(sim::Time{}, sim::Time{s.world.horizon}, s.world.calendar);
        constexpr double k_sessions_per_citizen = 1.25;  // agents bring several cases
        const double factor = expected > 0 ? static_cast<double>(o.sessions) / (expected * k_sessions_per_citizen) : 1.0;
        for (world::SiteSpec& site : s.world.sites)
            for (double& r : site.hourly_rate_per_h) r *= factor;
    }
    return s;
}

int bench_site(const SiteBenchOptions& o) {
    const LoadedScenario ls = load_scenario(o.scenario, {});
    if (!ls.problems.empty() || !ls.sites) {
        for (const auto& p : ls.problems) fmt::print(stderr, "{}: {}\n", o.scenario, p.to_string());
        if (ls.problems.empty()) fmt::print(stderr, "{}: not a site scenario\n", o.scenario);
        return exit_invalid;
    }
    const world::SiteScenario s = scaled(*ls.sites, o);
    std::size_t kiosks = 0;
    for (const auto& site : s.world.sites) kiosks += site.kiosks.size();
    if (!o.json)
        fmt::print(stderr, "bench site: {} sites, {} kiosks, {} days, one replication on one thread...\n",
                   s.world.sites.size(), kiosks, fmt::format("{:g}", s.horizon_days));
    const auto t0 = std::chrono::steady_clock::now();
    world::World w(s.world, 0);
    analysis::SiteKpis kpis(s);
    kpis.collect(w);
    const auto t1 = std::chrono::steady_clock::now();
    const world::WorldRunInfo info = w.run();
    kpis.finish(w);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double build = std::chrono::duration<double>(t1 - t0).count();
    const double sessions = static_cast<double>(kpis.sessions());
    const double per_s = wall > 0 ? sessions / wall : 0.0;
    const double rss = peak_rss_mb();
    const bool province = kiosks >= 5000 && s.horizon_days <= 1.0;
    nlohmann::json j{{"bench", "site"},
                     {"scenario", o.scenario},
                     {"sites", s.world.sites.size()},
                     {"kiosks", kiosks},
                     {"days", s.horizon_days},
                     {"arrivals", info.arrivals},
                     {"sessions", kpis.sessions()},
                     {"events", info.events},
                     {"wall_s", wall},
                     {"build_s", build},
                     {"sessions_per_s", per_s},
                     {"events_per_s", wall > 0 ? static_cast<double>(info.events) / wall : 0.0},
                     {"us_per_session", sessions > 0 ? wall * 1e6 / sessions : 0.0},
                     {"events_per_kiosk_day", static_cast<double>(info.events) / (static_cast<double>(kiosks) * s.horizon_days)},
                     {"peak_rss_mb", rss},
                     {"mb_per_kiosk", rss / static_cast<double>(kiosks)}};
    if (province) {
        j["target_wall_s"] = 10.0;
        j["target_peak_rss_mb"] = 2048.0;
        j["target_met"] = wall < 10.0 && rss <= 2048.0;
    }
    if (o.json) {
        print_json(j);
    } else {
        fmt::print("site world, one replication, one thread: {} sites, {} kiosks, {} days\n", s.world.sites.size(), kiosks,
                   fmt::format("{:g}", s.horizon_days));
        fmt::print("  sessions         {:>14.0f}   ({} citizens)\n", sessions, info.arrivals);
        fmt::print("  wall             {:>14.2f} s  (building the world {:.2f} s)\n", wall, build);
        fmt::print("  sessions/s       {:>14.0f}   ({:.0f} us a session)\n", per_s, j["us_per_session"].get<double>());
        fmt::print("  events/s         {:>14.0f}   ({:.0f} events a kiosk-day)\n", j["events_per_s"].get<double>(),
                   j["events_per_kiosk_day"].get<double>());
        fmt::print("  peak RSS         {:>14.1f} MB ({:.2f} MB a kiosk)\n", rss, j["mb_per_kiosk"].get<double>());
        if (province)
            fmt::print("  province-day targets: under 10 s and 2 GiB: {}\n", j["target_met"].get<bool>() ? "met" : "NOT MET");
    }
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

    auto d = std::make_shared<DevicesBenchOptions>();
    CLI::App* dev = bench->add_subcommand(
        "devices", "N kiosks' full device sets in virtual time, one scripted session each: read an ID card (SAM), "
                   "check the face against the card's photo, print a 2-page A4 document (IPP) and a receipt (ESC/POS)");
    dev->add_option("--kiosks", d->kiosks, "Kiosks (one session each)")->check(CLI::Range(1, 1'000'000))->capture_default_str();
    dev->add_option("--seed", d->seed, "Master seed")->capture_default_str();
    dev->add_option("--arrival-gap-ms", d->arrival_gap_ms,
                    "Virtual time between sessions starting (0 = all kiosks at once)")
        ->check(CLI::NonNegativeNumber)
        ->capture_default_str();
    dev->add_option("--bench", d->bench_file, "Bench file whose first kiosk is replicated")->capture_default_str();
    dev->add_flag("--json", d->json, "Print one JSON object on stdout");
    dev->callback([d, &exit_code] { exit_code = bench_devices(*d); });

    auto l = std::make_shared<LinkBenchOptions>();
    CLI::App* lk = bench->add_subcommand(
        "link", "The link model's cost: on loopback, a ping-pong and a bulk transfer direct and through one proxy hop "
                "with no toxics (added latency, throughput ratio); in virtual time, chunks per second through a "
                "latency + jitter + bandwidth stack");
    lk->add_option("--pings", l->pings, "Measured round trips per path")->check(CLI::Range(100, 10'000'000))->capture_default_str();
    lk->add_option("--bulk-mb", l->bulk_mb, "MiB per bulk trial")->check(CLI::Range(1.0, 65536.0))->capture_default_str();
    lk->add_option("--bulk-trials", l->bulk_trials, "Paired bulk trials (direct, then through the proxy); medians count")
        ->check(CLI::Range(1, 100))
        ->capture_default_str();
    lk->add_option("--chunks", l->chunks, "Chunks offered in virtual time")->check(CLI::Range(1'000, 1'000'000'000))->capture_default_str();
    lk->add_option("--connections", l->connections, "Connections in virtual time")->check(CLI::Range(1, 100'000))->capture_default_str();
    lk->add_option("--seed", l->seed, "Master seed of the virtual run")->capture_default_str();
    lk->add_flag("--virtual-only", l->skip_live, "Skip the live loopback part");
    lk->add_flag("--json", l->json, "Print one JSON object on stdout");
    lk->callback([l, &exit_code] { exit_code = bench_link(*l); });

    auto k = std::make_shared<KioskBenchOptions>();
    CLI::App* ks = bench->add_subcommand(
        "kiosk", "Scripted sessions through one kiosk stack in virtual time: every device exchange, the link and "
                 "every gateway call modelled");
    ks->add_option("--sessions", k->sessions, "Sessions to run")->check(CLI::Range(1, 100'000'000))->capture_default_str();
    ks->add_option("--seed", k->seed, "Master seed")->capture_default_str();
    ks->add_flag("--no-link", k->no_link, "A perfect path to the gateway instead of the link model");
    ks->add_flag("--json", k->json, "Print one JSON object on stdout");
    ks->callback([k, &exit_code] { exit_code = bench_kiosk(*k); });

    auto g = std::make_shared<GatewayBenchOptions>();
    CLI::App* gw = bench->add_subcommand(
        "gateway", "The gateway against nginx on loopback with wrk (catalogue reads, signed durable creates), and "
                   "handle_request in virtual time on one core");
    gw->add_option("--seconds", g->seconds, "Length of each wrk run")->check(CLI::Range(1.0, 600.0))->capture_default_str();
    gw->add_option("--connections", g->connections, "wrk connections")->check(CLI::Range(1, 10'000))->capture_default_str();
    gw->add_option("--threads", g->threads, "The gateway's I/O threads, and nginx's workers")
        ->check(CLI::Range(1, 64))
        ->capture_default_str();
    gw->add_option("--sessions", g->sessions, "Kiosk sessions (8 calls each) in virtual time")
        ->check(CLI::Range(1, 100'000'000))
        ->capture_default_str();
    gw->add_option("--seed", g->seed, "Master seed of the virtual run")->capture_default_str();
    gw->add_flag("--virtual-only", g->skip_live, "Skip the live part (no nginx, no wrk)");
    gw->add_flag("--json", g->json, "Print one JSON object on stdout");
    gw->callback([g, &exit_code] { exit_code = bench_gateway(*g); });

    auto st = std::make_shared<SiteBenchOptions>();
    CLI::App* site = bench->add_subcommand(
        "site", "The site world on the full kiosk stack, one replication on one thread: the default week as it is, or "
                "a province-day (--kiosks 5000 --sessions 250000 --days 1: sites copied from the scenario's pattern, "
                "demand scaled); sessions, events and peak memory");
    site->add_option("--scenario", st->scenario, "Site scenario whose sites are the pattern")->capture_default_str();
    site->add_option("--kiosks", st->kiosks, "Copy the scenario's sites until there are this many kiosks (0 = as is)")
        ->check(CLI::Range(0, 1'000'000))
        ->capture_default_str();
    site->add_option("--sessions", st->sessions, "Scale the demand to about this many sessions (0 = as is)")
        ->check(CLI::Range(std::uint64_t{0}, std::uint64_t{1'000'000'000}))
        ->capture_default_str();
    site->add_option("--days", st->days, "Horizon in days (0 = the scenario's; --kiosks 5000 defaults to 1)")
        ->check(CLI::Range(0.0, 366.0))
        ->capture_default_str();
    site->add_option("--seed", st->seed, "Master seed (0 = the scenario's)")->capture_default_str();
    site->add_flag("--json", st->json, "Print one JSON object on stdout");
    site->callback([st, &exit_code] {
        SiteBenchOptions options = *st;
        if (options.days == 0 && options.kiosks >= 5000) options.days = 1;  // the province-day
        exit_code = bench_site(options);
    });
    add_bench_panel(*bench, exit_code);
    add_bench_place(*bench, exit_code);
}

}  // namespace kiosktwin::app
