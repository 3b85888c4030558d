// kiosktwin serve [BENCH.json] — hosts whole kiosks' device sets live, on
// real ports and pseudo-terminals, for a developer's kiosk program.
#include "common.hpp"
#include "serve_stacks.hpp"

#include <kiosktwin/devices/bench.hpp>
#include <kiosktwin/devices/trace.hpp>
#include <kiosktwin/host/live_host.hpp>
#include <kiosktwin/link/schedule.hpp>
#include <kiosktwin/live/gateway_transport.hpp>
#include <kiosktwin/link/toxiproxy_api.hpp>
#include <kiosktwin/server/live_server.hpp>
#include <kiosktwin/sim/random.hpp>

#include <fmt/core.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <sys/resource.h>
#include <unistd.h>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

namespace kiosktwin::app {
namespace {

struct ServeOptions {
    std::string file = "scenarios/bench-default.json";
    std::optional<int> port_base;
    std::optional<int> kiosks;
    std::optional<std::uint64_t> seed;
    std::string run_dir = "run";
    std::string bind = "127.0.0.1";
    std::string trace_file;
    std::string pid_file;
    std::optional<int> link_api_port;
    std::string links_file;
    bool no_links = false;
    std::optional<int> gateway_port;
    std::string gateway_db;
    bool no_gateway = false;
    double duration_s = 0;
    bool json = false;
    bool quiet = false;
    bool stacks = false;
    int sessions = 1;
    double think_s = 2.0;
    double idle_timeout_s = 60;
    bool until_done = false;
};

// The signing keys of serve's own kiosk stacks ("stack-0001"...): not in the
// keys file, so a developer's program keeps kiosk-0001 for itself.
std::vector<server::KeyEntry> stack_keys(std::size_t n, std::uint64_t seed) {
    std::vector<server::KeyEntry> keys;
    for (std::size_t i = 1; i <= n; ++i) {
        const std::string id = fmt::format("stack-{:04}", i);
        keys.push_back({id, fmt::format("stack-secret-{:016x}", sim::derive_seed(seed, id)), server::Role::kiosk});
    }
    return keys;
}

// Every stack holds a handful of descriptors, and serve the other ends:
// raise the soft limit to the hard one.
void raise_open_files_limit() {
    rlimit r{};
    if (::getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &r);
    }
}

void print_endpoints(const nlohmann::json& ep) {
    fmt::print("KioskTwin {} — live bench; Ctrl-C stops it and removes the pty links\n", KIOSKTWIN_VERSION);
    if (ep.contains("control")) fmt::print("  control API   {}\n", ep["control"].get<std::string>());
    for (const auto& k : ep["kiosks"]) {
        fmt::print("  {}\n", k["id"].get<std::string>());
        for (const auto& e : k["endpoints"]) {
            if (e.contains("device")) {
                std::string where = e["address"].get<std::string>();
                if (e.contains("pty")) where += fmt::format(" -> {} ({} baud)", e["pty"].get<std::string>(), e["baud"].get<int>());
                fmt::print("    {:<22} {:<20} {}\n", e["device"].get<std::string>(), e["protocol"].get<std::string>(), where);
            } else {
                fmt::print("    {:<22} {:<20} {}\n", e["service"].get<std::string>(), e["protocol"].get<std::string>(),
                           e["address"].get<std::string>());
                for (const auto& d : e["devices"])
                    fmt::print("      {:<20} {}{}\n", d["device"].get<std::string>(), e["address"].get<std::string>(),
                               d["path"].get<std::string>());
            }
        }
    }
    if (ep.contains("links")) {
        fmt::print("  link API      {} (Toxiproxy-compatible)\n", ep["links"]["api"].get<std::string>());
        for (const auto& p : ep["links"]["proxies"])
            fmt::print("    {:<22} {:<20} -> {}\n", p["name"].get<std::string>(), p["listen"].get<std::string>(),
                       p["upstream"].get<std::string>());
    }
    if (ep.contains("gateway"))
        fmt::print("  gateway       {} (platform API; OpenAPI at {})\n", ep["gateway"]["url"].get<std::string>(),
                   ep["gateway"]["openapi"].get<std::string>());
    fmt::print("  endpoints file {}/endpoints.json\n", ep["run_dir"].get<std::string>());
    std::fflush(stdout);
}

// The proxies serve starts with when no --links file is given: one in front
// of each network device of each kiosk (receipt printer, IPP, local device
// service), on the kiosk's port block + 5, 6, 7, and, when the gateway runs
// on a known port, one per kiosk in front of it ("<kiosk>-gateway", block
// + 8: the kiosk's link to the platform); toxic-free until someone adds a
// toxic through the API. A proxy dials its upstream per connection, so the
// gateway may start after the links.
nlohmann::json default_proxies(const devices::BenchSpec& bench, const devices::DeviceSet& set, const std::string& bind,
                               std::optional<int> gateway_port) {
    nlohmann::json list = nlohmann::json::array();
    std::map<std::string, bool> seen;
    for (const auto& e : set.entries()) {
        if (e.kind->transport == devices::Transport::serial) continue;
        const bool tcp = e.kind->transport == devices::Transport::tcp;
        const std::string what = tcp ? e.spec.name : e.kind->service;
        const std::string name = e.kiosk + "-" + what;
        if (seen[name]) continue;
        seen[name] = true;
        const std::uint16_t port = e.spec.port.value_or(bench.default_port(e.kiosk_index, *e.kind));
        const int block = bench.port_base + 10 * static_cast<int>(e.kiosk_index + 1);
        const int offset = tcp ? 5 : (e.kind->service == "ipp" ? 6 : 7);
        list.push_back({{"name", name},
                        {"listen", bind + ":" + std::to_string(block + offset)},
                        {"upstream", bind + ":" + std::to_string(port)},
                        {"enabled", true}});
    }
    if (gateway_port && *gateway_port > 0) {
        for (std::size_t k = 0; k < bench.kiosks.size(); ++k) {
            const int block = bench.port_base + 10 * static_cast<int>(k + 1);
            list.push_back({{"name", bench.kiosks[k].id + "-gateway"},
                            {"listen", bind + ":" + std::to_string(block + 8)},
                            {"upstream", bind + ":" + std::to_string(*gateway_port)},
                            {"enabled", true}});
        }
    }
    return list;
}

// Local civil time now, as the links' daily schedules need it.
link::CivilWeek local_week() {
    const std::time_t t = std::time(nullptr);
    std::tm tm{};
    ::localtime_r(&t, &tm);
    const int weekday = (tm.tm_wday + 6) % 7;  // Monday = 0
    const std::int64_t seconds = static_cast<std::int64_t>(weekday) * 86400 + tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec;
    return link::CivilWeek{std::chrono::seconds(seconds)};
}

int serve(const ServeOptions& o) {
    std::ifstream in(o.file, std::ios::binary);
    if (!in) {
        fmt::print(stderr, "{}: cannot open the bench file\n", o.file);
        return exit_invalid;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    nlohmann::json doc;
    if (auto p = world::parse_json(ss.str(), doc)) {
        fmt::print(stderr, "{}: {}\n", o.file, p->to_string());
        return exit_invalid;
    }
    devices::BenchSpec bench;
    try {
        bench = devices::BenchSpec::from_json(doc);
    } catch (const devices::BenchError& e) {
        for (const auto& p : e.problems()) fmt::print(stderr, "{}: {}\n", o.file, p);
        return exit_invalid;
    }
    if (o.kiosks) bench = bench.with_kiosks(*o.kiosks);
    if (o.port_base) bench.port_base = static_cast<std::uint16_t>(*o.port_base);
    if (o.seed) bench.seed = *o.seed;

    if (o.stacks && o.no_gateway) {
        fmt::print(stderr, "kiosktwin serve: --stacks needs the gateway (drop --no-gateway)\n");
        return exit_invalid;
    }
    if (o.stacks) raise_open_files_limit();
    const std::vector<server::KeyEntry> extra_keys = o.stacks ? stack_keys(bench.kiosks.size(), bench.seed) : std::vector<server::KeyEntry>{};

    devices::DeviceSet set(bench);
    devices::MemoryTrace memory;
    devices::TeeTrace tee;
    tee.add(&memory);
    std::ofstream trace_out;
    std::unique_ptr<devices::JsonLinesTrace> jsonl;
    if (!o.trace_file.empty()) {
        trace_out.open(o.trace_file, std::ios::binary | std::ios::trunc);
        if (!trace_out) {
            fmt::print(stderr, "cannot write the trace file {}\n", o.trace_file);
            return exit_failure;
        }
        jsonl = std::make_unique<devices::JsonLinesTrace>(trace_out);
        tee.add(jsonl.get());
    }

    host::HostOptions ho;
    ho.run_dir = o.run_dir;
    ho.bind_address = o.bind;
    ho.trace = jsonl ? static_cast<devices::TraceSink*>(&tee) : &memory;
    ho.control_trace = &memory;
    if (!o.quiet) ho.log = [](const std::string& s) { fmt::print(stderr, "serve: {}\n", s); };
    host::LiveHost live(ho);
    // HTTP devices of one kiosk share a port per service (ipp, local_service).
    std::map<std::pair<std::string, std::string>, std::pair<std::uint16_t, std::vector<devices::HttpDevice*>>> http;
    for (auto& e : set.entries()) {
        switch (e.kind->transport) {
        case devices::Transport::serial:
            live.add_serial(dynamic_cast<devices::StreamDevice&>(*e.device), e.kiosk);
            break;
        case devices::Transport::tcp:
            live.add_tcp(dynamic_cast<devices::StreamDevice&>(*e.device), e.kiosk,
                         e.spec.port.value_or(bench.default_port(e.kiosk_index, *e.kind)));
            break;
        case devices::Transport::http: {
            auto& slot = http[{e.kiosk, e.kind->service}];
            if (slot.second.empty()) slot.first = e.spec.port.value_or(bench.default_port(e.kiosk_index, *e.kind));
            slot.second.push_back(&dynamic_cast<devices::HttpDevice&>(*e.device));
            break;
        }
        }
    }
    for (auto& [key, v] : http) live.add_http(key.first, key.second, v.first, v.second);
    live.add_control(bench.control_port());
    if (!o.no_links) {
        host::LinkOptions lo;
        // With --port-base every port moves, the link API to the base + 8.
        lo.api_port = static_cast<std::uint16_t>(o.link_api_port.value_or(o.port_base ? *o.port_base + 8 : 8474));
        lo.seed = bench.seed;
        lo.week = local_week();
        if (!o.links_file.empty()) {
            std::ifstream lin(o.links_file, std::ios::binary);
            if (!lin) {
                fmt::print(stderr, "{}: cannot open the links file\n", o.links_file);
                return exit_invalid;
            }
            std::ostringstream ls;
            ls << lin.rdbuf();
            if (auto p = world::parse_json(ls.str(), lo.proxies)) {
                fmt::print(stderr, "{}: {}\n", o.links_file, p->to_string());
                return exit_invalid;
            }
            if (!lo.proxies.is_array()) {
                fmt::print(stderr, "{}: expected a JSON array of proxies (a Toxiproxy configuration)\n", o.links_file);
                return exit_invalid;
            }
            // Checked in full (every proxy and toxic) before anything listens.
            link::ProxyTable dry(lo.seed, lo.week);
            try {
                dry.populate(lo.proxies, sim::epoch_time);
            } catch (const link::ApiError& e) {
                fmt::print(stderr, "{}: {}\n", o.links_file, e.what());
                return exit_invalid;
            }
        } else {
            std::optional<int> gateway_port;
            if (!o.no_gateway) gateway_port = o.gateway_port.value_or(o.port_base ? *o.port_base + 9 : 8480);
            lo.proxies = default_proxies(bench, set, o.bind, gateway_port);
        }
        live.add_links(std::move(lo));
    }
    try {
        live.start();
    } catch (const std::exception& e) {
        fmt::print(stderr, "kiosktwin serve: {} (another bench running? try --port-base)\n", e.what());
        return exit_failure;
    }
    // The platform's gateway (docs/gateway.md): on the port base + 9, or 8480.
    std::unique_ptr<server::LiveGateway> gateway;
    nlohmann::json ep = live.endpoints();
    if (!o.no_gateway) {
        const int port = o.gateway_port.value_or(o.port_base ? *o.port_base + 9 : 8480);
        std::string error;
        gateway = start_serve_gateway(o.bind, port, o.gateway_db, error, extra_keys);
        if (!gateway) {
            fmt::print(stderr, "kiosktwin serve: gateway: {} (try --gateway-port or --no-gateway)\n", error);
            live.cleanup();
            return exit_failure;
        }
        const std::string url = fmt::format("http://{}:{}", o.bind, gateway->port());
        live.add_endpoint("gateway",
                          {{"url", url},
                           {"openapi", url + "/api/v1/openapi.json"},
                           {"db", o.gateway_db.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.gateway_db)}});
        ep = live.endpoints();
    }
    if (!o.pid_file.empty()) std::ofstream(o.pid_file) << ::getpid() << '\n';
    if (o.json) {
        print_json(ep);
        std::cout.flush();
    } else {
        print_endpoints(ep);
    }
    // serve's own kiosk stacks, with scripted citizens, on a thread of their own.
    std::unique_ptr<ServeStacks> stacks;
    const std::filesystem::path stacks_file = std::filesystem::path(o.run_dir) / "stacks.json";
    if (o.stacks) {
        std::vector<live::SigningKey> keys;
        for (const auto& k : extra_keys) keys.push_back({k.key_id, k.secret, "kiosk"});
        std::optional<live::SigningKey> admin;
        try {
            for (const auto& k : live::load_keys("assets/gateway/keys.json"))
                if (k.role == "admin") {
                    admin = k;
                    break;
                }
        } catch (const std::exception&) {
        }
        if (!admin) {
            fmt::print(stderr, "kiosktwin serve: --stacks needs an admin key in assets/gateway/keys.json\n");
            if (gateway) gateway->stop();
            live.cleanup();
            return exit_invalid;
        }
        StacksOptions so;
        so.sessions = o.sessions;
        so.think_s = o.think_s;
        so.idle_timeout_s = o.idle_timeout_s;
        so.seed = bench.seed;
        if (!o.quiet) so.log = [](const std::string& s) { fmt::print(stderr, "stacks: {}\n", s); };
        stacks = std::make_unique<ServeStacks>(ep, std::move(keys), *admin, so);
        stacks->start([&live, &o, &stacks, stacks_file] {
            std::ofstream(stacks_file) << stacks->summary().dump() << '\n';
            if (o.until_done) live.stop();
        });
    }
    if (o.duration_s > 0) live.run_for(std::chrono::milliseconds(static_cast<std::int64_t>(o.duration_s * 1000)));
    else live.run();
    int code = exit_ok;
    if (stacks) {
        stacks->stop();
        const nlohmann::json summary = stacks->summary();
        std::ofstream(stacks_file) << summary.dump() << '\n';
        if (!o.quiet)
            fmt::print(stderr, "serve: stacks: {} kiosks, {} sessions in {:.1f} s, outcomes {}\n", summary["kiosks"].get<int>(),
                       summary["sessions"].get<int>(), summary["wall_s"].get<double>(), summary["outcomes"].dump());
        if (o.until_done && !summary["done"].get<bool>()) code = exit_failure;
    }
    if (gateway) gateway->stop();
    live.cleanup();
    if (!o.pid_file.empty()) std::filesystem::remove(o.pid_file);
    if (!o.quiet) fmt::print(stderr, "serve: stopped; {} exchanges recorded\n", memory.records().size());
    return code;
}

}  // namespace

void add_serve_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<ServeOptions>();
    CLI::App* cmd = app.add_subcommand(
        "serve", "Host kiosks' emulated devices live: ID-card reader and QR scanner on pseudo-terminals, receipt "
                 "printer on raw TCP, A4 printer over IPP, cameras on a local HTTP service, a control API, and "
                 "network-link proxies with a Toxiproxy-compatible API");
    cmd->add_option("bench", o->file, "Bench file (JSON)")->capture_default_str();
    cmd->add_option("--port-base", o->port_base,
                    "Move every port: the control API on N, kiosk k's devices from N + 10k")
        ->check(CLI::Range(1024, 60000));
    cmd->add_option("--kiosks", o->kiosks, "Serve N copies of the bench's first kiosk")->check(CLI::Range(1, 500));
    cmd->add_option("--seed", o->seed, "Master seed of the devices' random streams (overrides the bench's)");
    cmd->add_option("--run-dir", o->run_dir, "Where pty links and endpoints.json go")->capture_default_str();
    cmd->add_option("--bind", o->bind, "Address the TCP and HTTP ports listen on")->capture_default_str();
    cmd->add_option("--trace", o->trace_file, "Also record every exchange to this file (JSON lines)");
    cmd->add_option("--pid-file", o->pid_file, "Write the process id here once serving (removed on exit)");
    cmd->add_option("--link-api-port", o->link_api_port,
                    "Port of the Toxiproxy-compatible link API (default 8474; with --port-base, the base + 8)")
        ->check(CLI::Range(0, 65535));
    cmd->add_option("--links", o->links_file,
                    "Start with these proxies instead of one per network device: a Toxiproxy configuration "
                    "(JSON array of {name, listen, upstream, enabled, toxics})");
    cmd->add_flag("--no-links", o->no_links, "No link proxies and no link API");
    cmd->add_option("--gateway-port", o->gateway_port,
                    "Port of the platform's gateway (default 8480; with --port-base, the base + 9)")
        ->check(CLI::Range(0, 65535));
    cmd->add_option("--gateway-db", o->gateway_db,
                    "Keep the gateway's journal in this SQLite file (default: in memory, nothing survives a restart)");
    cmd->add_flag("--no-gateway", o->no_gateway, "No gateway");
    cmd->add_option("--duration", o->duration_s, "Stop by itself after this many seconds (0 = until Ctrl-C)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_flag("--stacks", o->stacks,
                  "Also run a kiosk software stack for every kiosk, live through the same ports, link proxies and "
                  "gateway, with scripted citizens (keys stack-0001...); the tally goes to RUN_DIR/stacks.json");
    cmd->add_option("--sessions", o->sessions, "With --stacks: scripted sessions per kiosk, one after another")
        ->check(CLI::Range(0, 100'000))
        ->capture_default_str();
    cmd->add_option("--think", o->think_s, "With --stacks: the citizens' seconds per page")
        ->check(CLI::Range(0.0, 600.0))
        ->capture_default_str();
    cmd->add_option("--idle-timeout", o->idle_timeout_s,
                    "With --stacks: the kiosks' idle timeout in seconds (the warning lasts a quarter of it)")
        ->check(CLI::Range(1.0, 3600.0))
        ->capture_default_str();
    cmd->add_flag("--until-done", o->until_done,
                  "With --stacks: stop once every kiosk's sessions have ended (exit 1 if they did not by --duration)");
    cmd->add_flag("--json", o->json, "Print the endpoints as one JSON object on stdout when ready");
    cmd->add_flag("--quiet,-q", o->quiet, "No log lines on stderr");
    cmd->callback([o, &exit_code] { exit_code = serve(*o); });
}

}  // namespace kiosktwin::app
