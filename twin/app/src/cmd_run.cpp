// kiosktwin run SCENARIO — replications of a scenario in virtual time,
// summarised with 95 % confidence intervals: a site scenario on the site world
// (the full kiosk stack, clause-10 metrics), a hall scenario on the hall model
// (or, with --world, as a one-site world).
#include "common.hpp"

#include <kiosktwin/analysis/hall_study.hpp>
#include <kiosktwin/analysis/site_study.hpp>
#include <kiosktwin/store/run_store.hpp>

#include <fmt/core.h>

#include <chrono>
#include <cmath>
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
    bool world = false;
    std::string out;
    std::string db = "runs/kiosktwin.sqlite";
    std::string shard;
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

void print_report(const LoadedScenario& ls, const analysis::HallStudy& study, double wall_s, unsigned jobs) {
    const world::HallScenario& s = *ls.scenario;
    fmt::print("KioskTwin {} — run of scenario \"{}\"\n", KIOSKTWIN_VERSION, s.name);
    if (!s.description.empty()) fmt::print("  {}\n", s.description);
    fmt::print("  file {}\n  sha256 {}\n  seed {}, {} replication{} of {} days\n\n", ls.file, ls.sha256, s.seed,
               s.replications, s.replications == 1 ? "" : "s", analysis::figure(s.horizon_days));

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
        const std::string hw = std::isfinite(m.ci.half_width) ? "± " + analysis::figure(m.ci.half_width) : "";
        fmt::print("  {:<32} {:>9} {:<10} {}\n", m.def.label, analysis::figure(m.ci.mean), hw, m.def.unit);
    }
    const double mevents = static_cast<double>(study.events) / 1e6;
    fmt::print("\n{} simulated days in {:.3f} s on {} thread{} ({:.2f} M events, {:.1f} M events/s)\n",
               analysis::figure(study.simulated_days), wall_s, jobs, jobs == 1 ? "" : "s", mevents,
               wall_s > 0 ? mevents / wall_s : 0.0);
}

// 8.5 -> "08:30".
std::string clock_of(double h) {
    const auto minutes = static_cast<int>(std::lround(h * 60));
    return fmt::format("{:02}:{:02}", minutes / 60, minutes % 60);
}

void print_site_report(const LoadedScenario& ls, const analysis::SiteStudy& study, double wall_s, unsigned jobs,
                       const std::string& recorded) {
    const world::SiteScenario& s = *ls.sites;
    fmt::print("KioskTwin {} — run of site scenario \"{}\"\n", KIOSKTWIN_VERSION, s.name);
    if (!s.description.empty()) fmt::print("  {}\n", s.description);
    fmt::print("  file {}\n  sha256 {}\n  seed {}, {} replication{} of {} days\n\n", ls.file, ls.sha256, s.world.seed,
               s.replications, s.replications == 1 ? "" : "s", analysis::figure(s.horizon_days));
    fmt::print("Sites\n");
    for (const world::SiteSpec& site : s.world.sites) {
        const std::string hours = site.hours.always_open
                                      ? std::string("7x24 (R-5-3)")
                                      : fmt::format("{}-{}, {} h/week", clock_of(site.hours.open_h), clock_of(site.hours.close_h),
                                                    analysis::figure(site.hours.hours_per_week()));
        fmt::print("  {:<10} {} — {}, {} kiosk{}, {}, {} helper{}, {} technician{}\n", site.id, site.name, site.venue,
                   site.kiosks.size(), site.kiosks.size() == 1 ? "" : "s", hours, site.staff.helpers,
                   site.staff.helpers == 1 ? "" : "s", site.staff.technicians, site.staff.technicians == 1 ? "" : "s");
        if (!site.plan.empty())
            fmt::print("  {:<10} floor {} x {} m, {} entrance{}, {} queue area{}, {} help desk{}; {}\n", "",
                       analysis::figure(site.plan.width_m), analysis::figure(site.plan.depth_m), site.plan.entrances.size(),
                       site.plan.entrances.size() == 1 ? "" : "s", site.plan.queue_areas.size(),
                       site.plan.queue_areas.size() == 1 ? "" : "s", site.plan.help_desks.size(),
                       site.plan.help_desks.size() == 1 ? "" : "s",
                       site.queue == world::QueueDiscipline::shared
                           ? std::string("one shared line")
                           : std::string("a line per kiosk, chosen by ") + world::to_string(site.choice));
    }
    fmt::print("\nClause-10 metrics (R-10.1-1): mean over {} replications ± half-width of the 95 % CI\n", s.replications);
    for (const auto& m : study.metrics) {
        const std::string hw = std::isfinite(m.ci.half_width) ? "± " + analysis::figure(m.ci.half_width) : "";
        fmt::print("  {:<40} {:>9} {:<10} {:<18} {}\n", m.def.label, analysis::figure(m.ci.mean), hw, m.def.unit, m.def.requirement);
    }
    fmt::print("\nReference targets (R-10.1-2)\n");
    for (const auto& [key, t] : study.targets.items())
        fmt::print("  {:<14} {} {} %: {} % — {}\n", key, t["rule"].get<std::string>(), analysis::figure(t["target"].get<double>()),
                   analysis::figure(t["estimate"].get<double>()),
                   t["met"].get<bool>() ? (t.value("confident", false) ? "met" : "met (within the CI's uncertainty)")
                                        : (t.value("confident", false) ? "NOT met" : "not met (within the CI's uncertainty)"));
    const auto& reasons = study.tables["bad_review_reasons"];
    if (!reasons.empty()) {
        fmt::print("\n差评 reasons (R-11.3-1), per replication:");
        for (const auto& [k, v] : reasons.items()) fmt::print(" {} {}", k, analysis::figure(v.get<double>()));
        fmt::print("\n");
    }
    const auto& causes = study.tables["tickets_by_root_cause"];
    if (!causes.empty()) {
        fmt::print("Fault tickets by root cause (R-10.3-1), per replication:");
        for (const auto& [k, v] : causes.items()) fmt::print(" {} {}", k, analysis::figure(v.get<double>()));
        fmt::print("\n");
    }
    fmt::print("\nFormulas: kiosktwin run --json prints each metric's formula; per-item, per-kiosk and per-day 办件量 too.\n");
    const double mevents = static_cast<double>(study.events) / 1e6;
    if (jobs == 0)  // merged from shards: their time is theirs
        fmt::print("\n{} simulated days, {} kiosk sessions, merged from shards ({:.2f} M events)\n",
                   analysis::figure(study.simulated_days), study.sessions, mevents);
    else
        fmt::print("\n{} simulated days, {} kiosk sessions in {:.2f} s on {} thread{} ({:.2f} M events, {:.0f} sessions/s)\n",
                   analysis::figure(study.simulated_days), study.sessions, wall_s, jobs, jobs == 1 ? "" : "s", mevents,
                   wall_s > 0 ? static_cast<double>(study.sessions) / wall_s : 0.0);
    if (!recorded.empty()) fmt::print("Recorded in {}\n", recorded);
}

// `kiosktwin run --json`'s object without its results: what the shards of
// one run share.
nlohmann::json run_header(const LoadedScenario& ls) {
    const world::SiteScenario& s = *ls.sites;
    return {{"kiosktwin_version", KIOSKTWIN_VERSION},
            {"verb", "run"},
            {"kind", "sites"},
            {"scenario", {{"file", ls.file}, {"name", s.name}, {"sha256", ls.sha256}, {"effective", ls.effective}}},
            {"seed", s.world.seed},
            {"replications", s.replications},
            {"horizon_days", s.horizon_days}};
}

// The study summarised: recorded (if a store is given), written, printed.
int finish_run(const LoadedScenario& ls, const analysis::SiteStudy& study, std::optional<store::RunStore>& db,
               const std::string& out, bool json, double wall, unsigned jobs) {
    nlohmann::json result = run_header(ls);
    result["results"] = analysis::to_json(study);
    std::string recorded;
    if (db) {
        const std::int64_t id = db->record(result, study, utc_now());
        recorded = fmt::format("{} (run {})", db->location(), id);
        if (study.records.empty()) recorded += ", its KPIs: shards keep no visits, sessions or tickets";
        // Not in the JSON result: the same seed must print the same bytes.
        if (json) fmt::print(stderr, "recorded in {}\n", recorded);
    }
    write_json_out(out, result);
    if (json) print_json(result);
    else print_site_report(ls, study, wall, jobs, recorded);
    return exit_ok;
}

// The shard's replications, for kiosktwin merge (not recorded).
int run_shard(const LoadedScenario& ls, const RunOptions& opt, const analysis::Shard& shard) {
    const world::SiteScenario& s = *ls.sites;
    Progress progress(fmt::format("{} (seed {}) shard {}/{}", s.name, s.world.seed, shard.index, shard.count),
                      !opt.quiet && stderr_is_tty());
    analysis::SiteStudyOptions so;
    so.jobs = opt.jobs;
    so.shard = shard;
    so.progress = [&progress](std::size_t d, std::size_t t) { progress.update(d, t); };
    const auto reps = analysis::run_site_replications(s, so);
    progress.finish();
    nlohmann::json result = run_header(ls);
    result["shard"] = {{"index", shard.index}, {"count", shard.count}};
    result["runs"] = analysis::to_json(reps);
    write_json_out(opt.out, result);
    if (opt.json) {
        print_json(result);
    } else {
        std::string which;
        for (const auto& r : reps) which += " " + std::to_string(r.index);
        fmt::print("shard {}/{} of the run of \"{}\": replications{} ({} of {}); written to {}\n", shard.index,
                   shard.count, s.name, which, reps.size(), s.replications, opt.out);
    }
    return exit_ok;
}

}  // namespace

static int run_sites(const LoadedScenario& ls, const RunOptions& opt) {
    const world::SiteScenario& s = *ls.sites;
    std::optional<store::RunStore> db;  // opened first: a store that cannot be written fails before the run
    if (!opt.db.empty()) db.emplace(opt.db);
    const unsigned jobs = std::min<unsigned>(opt.jobs == 0 ? analysis::default_jobs() : opt.jobs,
                                             static_cast<unsigned>(s.replications));
    Progress progress(fmt::format("{} (seed {})", s.name, s.world.seed), !opt.quiet && stderr_is_tty());
    analysis::SiteStudyOptions so;
    so.jobs = jobs;
    so.progress = [&progress](std::size_t d, std::size_t t) { progress.update(d, t); };
    so.keep_records = !opt.db.empty();
    const auto t0 = std::chrono::steady_clock::now();
    const analysis::SiteStudy study = analysis::run_site_study(s, so);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    progress.finish();
    return finish_run(ls, study, db, opt.out, opt.json, wall, jobs);
}

int merge_run_shards(const std::vector<nlohmann::json>& parts, const std::vector<std::string>& files,
                     const std::string& out, bool json, const std::string& store) {
    if (!one_shard_set(parts, files, "runs", "run", "scenario, seed, replications or version")) return exit_invalid;
    const nlohmann::json scenario = parts.front().value("scenario", nlohmann::json::object());
    std::vector<analysis::SiteReplication> reps;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        try {
            for (auto& r : analysis::site_replications_from_json(parts[i].value("runs", nlohmann::json())))
                reps.push_back(std::move(r));
        } catch (const std::invalid_argument& e) {
            fmt::print(stderr, "{}: {}\n", files[i], e.what());
            return exit_invalid;
        }
    }
    LoadedScenario ls;
    ls.file = scenario.value("file", "");
    ls.effective = scenario.value("effective", nlohmann::json());
    ls.sha256 = sha256_hex(ls.effective.dump());
    auto load = world::load_site_scenario(ls.effective);
    if (!load.scenario || ls.sha256 != scenario.value("sha256", "")) {
        fmt::print(stderr, "{}: its scenario does not read back (edited by hand?)\n", files[0]);
        return exit_invalid;
    }
    ls.sites = std::move(load.scenario);
    std::sort(reps.begin(), reps.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
    std::optional<store::RunStore> db;
    if (!store.empty()) db.emplace(store);
    try {
        const analysis::SiteStudy study = analysis::summarise_site_study(*ls.sites, std::move(reps), false);
        return finish_run(ls, study, db, out, json, 0.0, 0);
    } catch (const std::invalid_argument& e) {
        fmt::print(stderr, "the shards do not make the run: {}\n", e.what());
        return exit_invalid;
    }
}

void add_run_command(CLI::App& app, int& exit_code) {
    auto opt = std::make_shared<RunOptions>();
    CLI::App* cmd = app.add_subcommand(
        "run", "Run a scenario in virtual time: replications of a site scenario on the full kiosk stack with the "
               "clause-10 metrics (or of a hall scenario on the hall model), with 95 % confidence intervals");
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
    cmd->add_flag("--world", opt->world, "Run a hall scenario as a one-site world on the full kiosk stack");
    cmd->add_option("--shard", opt->shard,
                    "Run only replications r with r mod N = I of a site scenario, for `kiosktwin merge` (write it with "
                    "--out; not recorded)")
        ->type_name("I/N");
    cmd->add_option("--db,--store", opt->db,
                    "The store recording every site run (seed, scenario hash, parameters, KPIs, sessions, tickets): "
                    "a SQLite file, or a PostgreSQL database as postgresql://USER@HOST:PORT/DB; empty: none")
        ->capture_default_str();
    cmd->footer("Site scenario settings (JSON path, default, accepted values):\n" +
                world::site_scenario_knobs().help_table() + "\nHall scenario settings:\n" +
                world::hall_knobs().help_table());

    cmd->callback([opt, &exit_code] {
        std::optional<analysis::Shard> shard = analysis::Shard{};
        if (!opt->shard.empty() && !(shard = analysis::parse_shard(opt->shard)))
            throw CLI::ValidationError("--shard", "expected I/N with 0 <= I < N, got \"" + opt->shard + "\"");
        if (!shard->whole() && opt->out.empty() && !opt->json)
            throw CLI::ValidationError("--shard", "a shard is for kiosktwin merge: write it with --out FILE (or print it with --json)");
        std::vector<std::string> overrides = opt->overrides;
        if (opt->seed) overrides.push_back("/seed=" + std::to_string(*opt->seed));
        if (opt->replications) overrides.push_back("/replications=" + std::to_string(*opt->replications));
        const LoadedScenario ls = load_scenario(opt->file, overrides, opt->world);
        if (!ls.problems.empty()) {
            for (const auto& p : ls.problems) fmt::print(stderr, "{}: {}\n", ls.file, p.to_string());
            exit_code = exit_invalid;
            return;
        }
        if (ls.sites) {
            exit_code = shard->whole() ? run_sites(ls, *opt) : run_shard(ls, *opt, *shard);
            return;
        }
        if (!shard->whole())
            throw CLI::ValidationError("--shard", "splits the replications of a site scenario (a hall scenario's run "
                                                  "takes seconds; kiosktwin compare --shard splits hall comparisons)");
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
        write_json_out(opt->out, result);
        if (opt->json) print_json(result);
        else print_report(ls, study, wall, jobs);
        exit_code = exit_ok;
    });
}

}  // namespace kiosktwin::app
