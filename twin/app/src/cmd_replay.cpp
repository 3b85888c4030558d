// kiosktwin replay TRACE.jsonl — replays a recording made by `kiosktwin serve
// --trace` into fresh devices built from the same bench and seed, and checks
// that every serial or TCP device answers byte for byte as it did.
#include "common.hpp"

#include <kiosktwin/devices/bench.hpp>
#include <kiosktwin/devices/trace.hpp>

#include <fmt/core.h>

#include <fstream>
#include <set>
#include <sstream>

namespace kiosktwin::app {
namespace {

struct ReplayOptions {
    std::string trace_file;
    std::string bench_file = "scenarios/bench-default.json";
    std::optional<std::uint64_t> seed;
    std::optional<int> kiosks;
    bool json = false;
};

int replay(const ReplayOptions& o) {
    std::ifstream in(o.trace_file, std::ios::binary);
    if (!in) {
        fmt::print(stderr, "{}: cannot open the trace\n", o.trace_file);
        return exit_invalid;
    }
    std::vector<devices::TraceRecord> records;
    try {
        records = devices::read_trace(in);
    } catch (const std::exception& e) {
        fmt::print(stderr, "{}: {}\n", o.trace_file, e.what());
        return exit_invalid;
    }
    std::ifstream bf(o.bench_file, std::ios::binary);
    std::ostringstream ss;
    ss << bf.rdbuf();
    nlohmann::json doc;
    if (!bf || world::parse_json(ss.str(), doc)) {
        fmt::print(stderr, "{}: cannot read the bench file\n", o.bench_file);
        return exit_invalid;
    }
    devices::BenchSpec bench;
    try {
        bench = devices::BenchSpec::from_json(doc);
    } catch (const devices::BenchError& e) {
        for (const auto& p : e.problems()) fmt::print(stderr, "{}: {}\n", o.bench_file, p);
        return exit_invalid;
    }
    if (o.kiosks) bench = bench.with_kiosks(*o.kiosks);
    if (o.seed) bench.seed = *o.seed;

    std::set<std::string> recorded;
    for (const auto& r : records) recorded.insert(r.device);
    devices::DeviceSet set(bench);
    nlohmann::json results = nlohmann::json::array();
    bool all_match = true;
    std::size_t replayed = 0;
    for (auto& e : set.entries()) {
        if (!recorded.count(e.device->id())) continue;
        auto* stream = dynamic_cast<devices::StreamDevice*>(e.device.get());
        if (stream == nullptr) {
            results.push_back({{"device", e.device->id()}, {"replayed", false},
                               {"why", "HTTP devices are recorded without their request bodies"}});
            continue;
        }
        const devices::ReplayResult r = devices::replay(*stream, records, e.device->id());
        ++replayed;
        all_match = all_match && r.matches();
        results.push_back({{"device", e.device->id()},
                           {"replayed", true},
                           {"inputs", r.inputs},
                           {"events", r.events},
                           {"matches", r.matches()},
                           {"differences", r.differences}});
    }
    if (o.json) {
        print_json({{"trace", o.trace_file}, {"records", records.size()}, {"devices", results}, {"matches", all_match}});
    } else {
        fmt::print("{}: {} records\n", o.trace_file, records.size());
        for (const auto& r : results) {
            if (!r["replayed"].get<bool>()) {
                fmt::print("  {:<22} not replayed: {}\n", r["device"].get<std::string>(), r["why"].get<std::string>());
                continue;
            }
            fmt::print("  {:<22} {} inputs, {} events: {}\n", r["device"].get<std::string>(), r["inputs"].get<std::size_t>(),
                       r["events"].get<std::size_t>(), r["matches"].get<bool>() ? "answers match" : "DIFFERS");
            for (const auto& d : r["differences"]) fmt::print("    {}\n", d.get<std::string>());
        }
    }
    if (replayed == 0) {
        fmt::print(stderr, "{}: no serial or TCP device of the bench appears in the trace\n", o.trace_file);
        return exit_invalid;
    }
    return all_match ? exit_ok : exit_failure;
}

}  // namespace

void add_replay_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<ReplayOptions>();
    CLI::App* cmd = app.add_subcommand(
        "replay", "Replay a recorded trace (serve --trace) into fresh devices and check that they answer byte for "
                  "byte as recorded");
    cmd->add_option("trace", o->trace_file, "Trace file (JSON lines)")->required();
    cmd->add_option("--bench", o->bench_file, "The bench file the recording was made with")->capture_default_str();
    cmd->add_option("--seed", o->seed, "The seed the recording was made with, if not the bench's");
    cmd->add_option("--kiosks", o->kiosks, "As serve --kiosks, if the recording used it")->check(CLI::Range(1, 500));
    cmd->add_flag("--json", o->json, "Print the result as one JSON object on stdout");
    cmd->callback([o, &exit_code] { exit_code = replay(*o); });
}

}  // namespace kiosktwin::app
