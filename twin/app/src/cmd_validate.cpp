// kiosktwin validate FILE — checks a scenario and names every problem's JSON path.
#include "common.hpp"

#include <kiosktwin/devices/bench.hpp>

#include <fmt/core.h>

#include <fstream>
#include <sstream>

namespace kiosktwin::app {

namespace {

// A bench file (kiosks and their devices) rather than a hall scenario.
bool is_bench_file(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    nlohmann::json doc;
    if (world::parse_json(ss.str(), doc) || !doc.is_object()) return false;
    return doc.contains("kiosks") && !doc.contains("hall");
}

int validate_bench(const std::string& file, bool json) {
    std::ifstream in(file, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    nlohmann::json doc;
    std::vector<std::string> problems;
    std::string name;
    std::size_t devices = 0, kiosks = 0;
    if (auto p = world::parse_json(ss.str(), doc)) {
        problems.push_back(p->to_string());
    } else {
        try {
            const auto bench = devices::BenchSpec::from_json(doc);
            name = bench.name;
            kiosks = bench.kiosks.size();
            for (const auto& k : bench.kiosks) devices += k.devices.size();
        } catch (const devices::BenchError& e) {
            problems = e.problems();
        }
    }
    if (json) {
        nlohmann::json pj = nlohmann::json::array();
        for (const auto& p : problems) {
            const auto colon = p.find(": ");
            pj.push_back({{"path", p.substr(0, colon)}, {"message", colon == std::string::npos ? p : p.substr(colon + 2)}});
        }
        nlohmann::json j{{"file", file}, {"kind", "bench"}, {"valid", problems.empty()}, {"problems", pj}};
        if (problems.empty()) {
            j["name"] = name;
            j["kiosks"] = kiosks;
            j["devices"] = devices;
        }
        print_json(j);
    } else if (problems.empty()) {
        fmt::print("{}: valid bench \"{}\" ({} kiosk{}, {} devices)\n", file, name, kiosks, kiosks == 1 ? "" : "s", devices);
    } else {
        for (const auto& p : problems) fmt::print(stderr, "{}: {}\n", file, p);
    }
    return problems.empty() ? exit_ok : exit_invalid;
}

}  // namespace

void add_validate_command(CLI::App& app, int& exit_code) {
    struct Options {
        std::string file;
        std::vector<std::string> overrides;
        bool json = false;
        bool schema = false;
    };
    auto opt = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand(
        "validate", "Check a scenario or bench file: every problem is reported with its JSON path (exit 1 if any)");
    cmd->add_option("scenario", opt->file, "Scenario file (JSON)");
    cmd->add_flag("--schema", opt->schema,
                  "Print the JSON Schema of site scenarios (generated from the knobs; scenarios/site.schema.json) and exit");
    cmd->add_option("--set", opt->overrides, "Override a setting before checking, e.g. --set hall.kiosks=6")
        ->type_name("PATH=VALUE");
    cmd->add_flag("--json", opt->json, "Print the result as one JSON object on stdout");
    cmd->callback([opt, &exit_code] {
        if (opt->schema) {
            std::fputs(world::site_scenario_knobs().json_schema("KioskTwin site scenario").dump(2).c_str(), stdout);
            std::fputs("\n", stdout);
            exit_code = exit_ok;
            return;
        }
        if (opt->file.empty()) throw CLI::RequiredError("scenario");
        if (is_bench_file(opt->file)) {
            exit_code = validate_bench(opt->file, opt->json);
            return;
        }
        const LoadedScenario s = load_scenario(opt->file, opt->overrides);
        const bool ok = s.problems.empty();
        if (opt->json) {
            nlohmann::json problems = nlohmann::json::array();
            for (const auto& p : s.problems) problems.push_back({{"path", p.path}, {"message", p.message}});
            nlohmann::json j{{"file", s.file}, {"valid", ok}, {"problems", problems}};
            if (ok) {
                j["name"] = s.name();
                j["kind"] = s.sites ? "sites" : "hall";
                if (s.sites) j["sites"] = s.sites->world.sites.size();
                j["sha256"] = s.sha256;
            }
            print_json(j);
        } else if (ok) {
            if (s.sites) {
                std::size_t kiosks = 0;
                for (const auto& site : s.sites->world.sites) kiosks += site.kiosks.size();
                fmt::print("{}: valid site scenario \"{}\" ({} site{}, {} kiosks; sha256 {})\n", s.file, s.name(),
                           s.sites->world.sites.size(), s.sites->world.sites.size() == 1 ? "" : "s", kiosks, s.sha256);
            } else {
                fmt::print("{}: valid scenario \"{}\" (sha256 {})\n", s.file, s.name(), s.sha256);
            }
        } else {
            for (const auto& p : s.problems) fmt::print(stderr, "{}: {}\n", s.file, p.to_string());
            fmt::print(stderr, "{}: {} problem{}\n", s.file, s.problems.size(), s.problems.size() == 1 ? "" : "s");
        }
        exit_code = ok ? exit_ok : exit_invalid;
    });
}

}  // namespace kiosktwin::app
