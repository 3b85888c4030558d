// kiosktwin run SCENARIO — replications of a hall scenario in virtual time,
// summarised with 95 % confidence intervals.
#include "common.hpp"

#include <kiosktwin/analysis/hall_study.hpp>

#include <fmt/core.h>

#include <chrono>
#include <fstream>

namespace kiosktwin::app {
namespace {

struct RunOptions {
    std::string file;
    std::vector<std::string> overrides;
    std::optional<std::uint64_t> seed;
    std::optional<int> replications;
    unsigned jobs = 0;
    bool json = false;
    bool quiet = false;
    std::string out;
};

std::string value_text(const nlohmann::json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_array()) {
        std::string s;
        for (std::size_t i = 0; i < v.size(); ++i) s += (i != 0 ? " " : "") + v[i].dump();
        return s;
    }
    return v.dump();
}

std::string number(double x) {
    if (!std::isfinite(x)) return "-";
    const double a = std::fabs(x);
    return a >= 1000 ? fmt::format("{:.0f}", x) : a >= 100 ? fmt::format("{:.1f}", x) : fmt::format("{:.2f}", x);
}

void print_report(const LoadedScenario& ls, const analysis::HallStudy& study, double wall_s, unsigned jobs) {
    const world::HallScenario& s = *ls.scenario;
    fmt::print("KioskTwin {} — run of scenario \"{}\"\n", KIOSKTWIN_VERSION, s.name);
    if (!s.description.empty()) fmt::print("  {}\n", s.description);
    fmt::print("  file {}\n  sha256 {}\n  seed {}, {} replication{} of {} days\n\n", ls.file, ls.sha256, s.seed,
               s.replications, s.replications == 1 ? "" : "s", number(s.horizon_days));

    fmt::print("Settings\n");
    auto shown = [](const world::Knob& k) {
        return k.path != "/name" && k.path != "/description" && k.path != "/seed" && k.path != "/replications";
    };
    std::size_t width = 0;
    for (const world::Knob& k : world::hall_knobs().knobs())
        if (shown(k)) width = std::max(width, k.path.size());
    for (const world::Knob& k : world::hall_knobs().knobs()) {
        if (!shown(k)) continue;
        const auto& v = ls.effective.at(nlohmann::json::json_pointer(k.path));
        fmt::print("  {:<{}}  {}{}\n", k.path, width, value_text(v), k.unit.empty() ? "" : " " + k.unit);
    }

    fmt::print("\nResults: mean over {} replications, with the half-width of its 95 % confidence interval\n",
               s.replications);
    for (const auto& m : study.metrics) {
        const std::string hw = std::isfinite(m.ci.half_width) ? "± " + number(m.ci.half_width) : "";
        fmt::print("  {:<32} {:>9} {:<10} {}\n", m.def.label, number(m.ci.mean), hw, m.def.unit);
    }
    const double mevents = static_cast<double>(study.events) / 1e6;
    fmt::print("\n{} simulated days in {:.3f} s on {} thread{} ({:.2f} M events, {:.1f} M events/s)\n",
               number(study.simulated_days), wall_s, jobs, jobs == 1 ? "" : "s", mevents,
               wall_s > 0 ? mevents / wall_s : 0.0);
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
    auto opt = std::make_shared<RunOptions>();
    CLI::App* cmd = app.add_subcommand(
        "run", "Run a hall scenario in virtual time: replications, waits with quantiles, utilisation, "
               "served / reneged / balked, with 95 % confidence intervals");
    cmd->add_option("scenario", opt->file, "Scenario file (JSON), e.g. scenarios/default.json")->required();
    cmd->add_option("--seed", opt->seed, "Master seed (overrides the scenario's /seed)");
    cmd->add_option("--replications", opt->replications, "Replications (overrides /replications)")
        ->check(CLI::Range(1, 100000));
    cmd->add_option("--set", opt->overrides, "Override a scenario setting, e.g. --set hall.kiosks=6 (repeatable)")
        ->type_name("PATH=VALUE");
    cmd->add_option("--jobs,-j", opt->jobs, "Threads for replications (0 = all cores)")->capture_default_str();
    cmd->add_flag("--json", opt->json, "Print the result as one JSON object on stdout instead of the report");
    cmd->add_option("--out", opt->out, "Also write the JSON result to this file");
    cmd->add_flag("--quiet,-q", opt->quiet, "No progress bar");
    cmd->footer("Scenario settings (JSON path, default, accepted values):\n" + world::hall_knobs().help_table());

    cmd->callback([opt, &exit_code] {
        std::vector<std::string> overrides = opt->overrides;
        if (opt->seed) overrides.push_back("/seed=" + std::to_string(*opt->seed));
        if (opt->replications) overrides.push_back("/replications=" + std::to_string(*opt->replications));
        const LoadedScenario ls = load_scenario(opt->file, overrides);
        if (!ls.problems.empty()) {
            for (const auto& p : ls.problems) fmt::print(stderr, "{}: {}\n", ls.file, p.to_string());
            exit_code = exit_invalid;
            return;
        }
        const world::HallScenario& s = *ls.scenario;
        const unsigned jobs = std::min<unsigned>(opt->jobs == 0 ? analysis::default_jobs() : opt->jobs,
                                                 static_cast<unsigned>(s.replications));
        const bool show_progress = !opt->quiet && stderr_is_tty();
        Progress progress(fmt::format("{} (seed {})", s.name, s.seed), show_progress);
        analysis::HallStudyOptions so;
        so.jobs = jobs;
        so.progress = [&progress](std::size_t d, std::size_t t) { progress.update(d, t); };
        const auto t0 = std::chrono::steady_clock::now();
        const analysis::HallStudy study = analysis::run_hall_study(s, so);
        const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        progress.finish();

        nlohmann::json result{{"kiosktwin_version", KIOSKTWIN_VERSION},
                              {"verb", "run"},
                              {"scenario",
                               {{"file", ls.file}, {"name", s.name}, {"sha256", ls.sha256}, {"effective", ls.effective}}},
                              {"seed", s.seed},
                              {"replications", s.replications},
                              {"horizon_days", s.horizon_days},
                              {"results", analysis::to_json(study)}};
        if (!opt->out.empty()) {
            std::ofstream f(opt->out, std::ios::binary | std::ios::trunc);
            f << result.dump(2) << '\n';
            if (!f) throw std::runtime_error("cannot write " + opt->out);
        }
        if (opt->json) print_json(result);
        else print_report(ls, study, wall, jobs);
        exit_code = exit_ok;
    });
}

}  // namespace kiosktwin::app
