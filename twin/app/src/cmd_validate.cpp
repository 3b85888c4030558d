// kiosktwin validate FILE — checks a scenario and names every problem's JSON path.
#include "common.hpp"

#include <fmt/core.h>

namespace kiosktwin::app {

void add_validate_command(CLI::App& app, int& exit_code) {
    struct Options {
        std::string file;
        std::vector<std::string> overrides;
        bool json = false;
    };
    auto opt = std::make_shared<Options>();
    CLI::App* cmd = app.add_subcommand(
        "validate", "Check a scenario file: every problem is reported with its JSON path (exit 1 if any)");
    cmd->add_option("scenario", opt->file, "Scenario file (JSON)")->required();
    cmd->add_option("--set", opt->overrides, "Override a setting before checking, e.g. --set hall.kiosks=6")
        ->type_name("PATH=VALUE");
    cmd->add_flag("--json", opt->json, "Print the result as one JSON object on stdout");
    cmd->callback([opt, &exit_code] {
        const LoadedScenario s = load_scenario(opt->file, opt->overrides);
        const bool ok = s.problems.empty();
        if (opt->json) {
            nlohmann::json problems = nlohmann::json::array();
            for (const auto& p : s.problems) problems.push_back({{"path", p.path}, {"message", p.message}});
            nlohmann::json j{{"file", s.file}, {"valid", ok}, {"problems", problems}};
            if (ok) {
                j["name"] = s.scenario->name;
                j["sha256"] = s.sha256;
            }
            print_json(j);
        } else if (ok) {
            fmt::print("{}: valid scenario \"{}\" (sha256 {})\n", s.file, s.scenario->name, s.sha256);
        } else {
            for (const auto& p : s.problems) fmt::print(stderr, "{}: {}\n", s.file, p.to_string());
            fmt::print(stderr, "{}: {} problem{}\n", s.file, s.problems.size(), s.problems.size() == 1 ? "" : "s");
        }
        exit_code = ok ? exit_ok : exit_invalid;
    });
}

}  // namespace kiosktwin::app
