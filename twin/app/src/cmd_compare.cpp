// kiosktwin compare A.json B.json … — variants of a scenario on common random
// numbers, compared replication by replication (analysis/compare.hpp);
// kiosktwin merge — the shards of a comparison (or of a run: cmd_run.cpp) run
// apart, joined into the result one process gives.
#include "common.hpp"

#include <kiosktwin/analysis/compare.hpp>
#include <kiosktwin/analysis/hall_study.hpp>
#include <kiosktwin/analysis/site_study.hpp>
#include <kiosktwin/store/run_store.hpp>

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace kiosktwin::app {
namespace {

struct CompareOptions {
    std::vector<std::string> files;
    std::vector<std::string> sets;
    std::string sweep;
    std::optional<std::uint64_t> seed;
    std::optional<int> replications;
    unsigned jobs = 0;
    bool independent = false;
    bool world = false;
    std::string goal;
    double precision = 0.05;
    std::string shard;
    bool json = false;
    bool quiet = false;
    std::string out;
    std::string db = "runs/kiosktwin.sqlite";
};

struct Variant {
    std::string label;
    std::string file;
    std::vector<std::string> overrides;  // beyond the shared --set ones
    LoadedScenario loaded;
};

struct Sweep {
    std::string name;  // as given ("kiosks")
    std::string path;  // as --set takes it ("hall.kiosks")
    std::vector<std::string> values;
};

// "kiosks" names the first site's (or the hall's) kiosk count.
std::string sweep_path(const std::string& name, bool sites) {
    if (name == "kiosks") return sites ? "sites.0.kiosks" : "hall.kiosks";
    return name;
}

// "kiosks=4..10", "kiosks=4..10:2", "service.mean_min=4,5,6".
Sweep parse_sweep(const std::string& text, bool sites) {
    const auto eq = text.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == text.size())
        throw CLI::ValidationError("--sweep", "expected NAME=FROM..TO[:STEP] or NAME=V1,V2,…, got \"" + text + "\"");
    Sweep s{text.substr(0, eq), sweep_path(text.substr(0, eq), sites), {}};
    const std::string spec = text.substr(eq + 1);
    const auto dots = spec.find("..");
    if (dots == std::string::npos) {
        std::stringstream in(spec);
        for (std::string v; std::getline(in, v, ',');)
            if (!v.empty()) s.values.push_back(v);
    } else {
        const auto colon = spec.find(':', dots);
        const std::string from = spec.substr(0, dots);
        const std::string to = spec.substr(dots + 2, colon == std::string::npos ? std::string::npos : colon - dots - 2);
        const std::string step = colon == std::string::npos ? "1" : spec.substr(colon + 1);
        char* end = nullptr;
        const double a = std::strtod(from.c_str(), &end);
        const bool a_ok = !from.empty() && *end == '\0';
        const double b = std::strtod(to.c_str(), &end);
        const bool b_ok = !to.empty() && *end == '\0';
        const double d = std::strtod(step.c_str(), &end);
        const bool d_ok = !step.empty() && *end == '\0' && d > 0;
        if (!a_ok || !b_ok || !d_ok || b < a || (b - a) / d > 1000)
            throw CLI::ValidationError("--sweep", "\"" + spec + "\": expected FROM..TO[:STEP] with FROM <= TO, STEP > 0 and "
                                                  "at most 1000 values");
        const bool integral = a == std::floor(a) && d == std::floor(d);
        for (double x = a; x <= b + d * 1e-9; x += d)
            s.values.push_back(integral ? fmt::format("{}", static_cast<long long>(std::llround(x))) : fmt::format("{}", x));
    }
    if (s.values.size() < 2) throw CLI::ValidationError("--sweep", "\"" + text + "\" gives fewer than two values");
    return s;
}

const std::vector<analysis::MetricDef>& metrics_of(const std::string& kind) {
    return kind == "sites" ? analysis::site_metrics() : analysis::hall_metrics();
}

std::string file_stem(const std::string& file) { return std::filesystem::path(file).stem().string(); }

// Each variant's scenario, loaded on the baseline's seed and replications
// (common random numbers) or, with --independent, on seeds of its own.
std::vector<Variant> load_variants(const CompareOptions& opt, int& exit_code) {
    std::vector<Variant> variants;
    std::vector<std::string> shared = opt.sets;
    if (opt.seed) shared.push_back("/seed=" + std::to_string(*opt.seed));
    if (opt.replications) shared.push_back("/replications=" + std::to_string(*opt.replications));
    if (!opt.sweep.empty()) {
        if (opt.files.size() != 1) throw CLI::ValidationError("--sweep", "sweeps one scenario file, not " + std::to_string(opt.files.size()));
        const LoadedScenario probe = load_scenario(opt.files[0], shared, opt.world);
        const Sweep sweep = parse_sweep(opt.sweep, probe.problems.empty() && probe.sites.has_value());
        for (const std::string& v : sweep.values)
            variants.push_back({sweep.name + "=" + v, opt.files[0], {sweep.path + "=" + v}, {}});
    } else {
        if (opt.files.size() < 2)
            throw CLI::ValidationError("compare", "needs two variants: two or more scenario files, or one with --sweep");
        std::map<std::string, int> seen;
        for (const std::string& f : opt.files) {
            const int n = ++seen[file_stem(f)];
            variants.push_back({n == 1 ? file_stem(f) : fmt::format("{}#{}", file_stem(f), n), f, {}, {}});
        }
    }
    // The baseline decides the seed and the number of replications.
    std::optional<std::uint64_t> seed;
    std::optional<int> replications;
    bool invalid = false;
    for (std::size_t v = 0; v < variants.size(); ++v) {
        Variant& var = variants[v];
        std::vector<std::string> overrides = shared;
        overrides.insert(overrides.end(), var.overrides.begin(), var.overrides.end());
        if (seed) {
            overrides.push_back("/seed=" + std::to_string(opt.independent ? *seed + v : *seed));
            overrides.push_back("/replications=" + std::to_string(*replications));
        }
        var.loaded = load_scenario(var.file, overrides, opt.world);
        if (!var.loaded.problems.empty()) {
            for (const auto& p : var.loaded.problems) fmt::print(stderr, "{} ({}): {}\n", var.file, var.label, p.to_string());
            invalid = true;
            continue;
        }
        if (!seed) {
            const LoadedScenario& b = var.loaded;
            seed = b.sites ? b.sites->world.seed : b.scenario->seed;
            replications = b.sites ? b.sites->replications : b.scenario->replications;
        }
        if (var.loaded.sites.has_value() != variants.front().loaded.sites.has_value()) {
            fmt::print(stderr, "{}: a {} scenario cannot be compared with a {} one ({})\n", var.file,
                       var.loaded.sites ? "site" : "hall", variants.front().loaded.sites ? "site" : "hall",
                       variants.front().file);
            invalid = true;
        }
    }
    if (invalid) {
        exit_code = exit_invalid;
        return {};
    }
    return variants;
}

nlohmann::json header_of(const std::vector<Variant>& variants, const CompareOptions& opt) {
    const LoadedScenario& base = variants.front().loaded;
    nlohmann::json vs = nlohmann::json::array();
    for (const Variant& v : variants)
        vs.push_back({{"label", v.label},
                      {"file", v.file},
                      {"name", v.loaded.name()},
                      {"overrides", v.overrides},
                      {"sha256", v.loaded.sha256},
                      {"seed", v.loaded.sites ? v.loaded.sites->world.seed : v.loaded.scenario->seed}});
    return {{"kiosktwin_version", KIOSKTWIN_VERSION},
            {"verb", "compare"},
            {"kind", base.sites ? "sites" : "hall"},
            {"name", base.name()},
            {"seed", base.sites ? base.sites->world.seed : base.scenario->seed},
            {"replications", base.sites ? base.sites->replications : base.scenario->replications},
            {"common_random_numbers", !opt.independent},
            {"set", opt.sets},
            {"precision", opt.precision},
            {"goal", opt.goal.empty() ? nlohmann::json(nullptr) : nlohmann::json(opt.goal)},
            {"variants", std::move(vs)}};
}

std::string cell(const sim::ConfidenceInterval& ci, const char* mark = "") {
    return std::isfinite(ci.half_width) ? fmt::format("{} ± {}{}", analysis::figure(ci.mean), analysis::figure(ci.half_width), mark)
                                        : analysis::figure(ci.mean) + mark;
}

void print_comparison(const nlohmann::json& header, const analysis::Comparison& c,
                      const std::optional<analysis::Goal>& goal, const analysis::GoalAnswer& answer) {
    const auto& vs = header["variants"];
    const std::size_t n = c.labels.size();
    fmt::print("KioskTwin {} — comparison of {} variants of \"{}\", {} replications each {} (seed {})\n",
               KIOSKTWIN_VERSION, n, header["name"].get<std::string>(), c.replications,
               header["common_random_numbers"].get<bool>() ? "on common random numbers" : "on independent seeds",
               header["seed"].get<std::uint64_t>());
    fmt::print("\nVariants\n");
    for (std::size_t v = 0; v < n; ++v) {
        std::string how = vs[v]["file"].get<std::string>();
        for (const auto& o : vs[v]["overrides"]) how += " --set " + o.get<std::string>();
        fmt::print("  {:<2} {:<16} {}{}\n", v + 1, c.labels[v], how, v == 0 ? "  (baseline)" : "");
    }
    std::size_t label_w = 10, unit_w = 4, col_w = 16;
    for (const auto& m : c.metrics) unit_w = std::max(unit_w, display_width(m.unit));
    for (const auto& m : c.metrics) label_w = std::max(label_w, std::min<std::size_t>(display_width(m.label), 48));
    for (const auto& l : c.labels) col_w = std::max(col_w, display_width(l) + 2);
    auto row = [&](const std::string& label, const std::string& unit, const std::vector<std::string>& cells) {
        std::string line = "  " + pad(label, label_w) + " " + pad(unit, unit_w);
        for (const std::string& x : cells) line += " " + pad(x, col_w + 3, true);
        fmt::print("{}\n", line);
    };
    auto labels_from = [&](std::size_t from) {
        std::vector<std::string> cells;
        for (std::size_t v = from; v < n; ++v) cells.push_back(c.labels[v] + "   ");
        return cells;
    };
    fmt::print("\nMeans ± half-width of the 95 % confidence interval\n");
    row("metric", "unit", labels_from(0));
    for (std::size_t m = 0; m < c.metrics.size(); ++m) {
        std::vector<std::string> cells;
        for (std::size_t v = 0; v < n; ++v) cells.push_back(cell(c.summaries[v][m].ci, "   "));
        row(c.metrics[m].label, c.metrics[m].unit, cells);
    }
    fmt::print("\nPaired differences from {} (variant − baseline, 95 % CI); * the interval excludes 0, ** also with "
               "Bonferroni's correction for {} comparison{}\n",
               c.labels[0], n - 1, n == 2 ? "" : "s");
    row("metric", "unit", labels_from(1));
    for (std::size_t m = 0; m < c.metrics.size(); ++m) {
        std::vector<std::string> cells;
        for (std::size_t v = 1; v < n; ++v) {
            const auto& d = c.differences[v][m];
            cells.push_back(cell(d.ci, d.significant_adjusted ? " **" : d.significant ? " * " : "   "));
        }
        row(c.metrics[m].label, c.metrics[m].unit, cells);
    }
    fmt::print("\nReplications for a paired interval of ± {} % of the baseline's mean (now {}):\n",
               analysis::figure(100 * c.options.precision), c.replications);
    std::vector<std::string> needs;
    for (std::size_t m = 0; m < c.metrics.size(); ++m) {
        std::optional<std::uint64_t> most;
        for (std::size_t v = 1; v < n; ++v)
            if (const auto& r = c.differences[v][m].replications_needed; r && (!most || *r > *most)) most = r;
        if (most) needs.push_back(fmt::format("{} {}", c.metrics[m].key, *most));
    }
    for (std::size_t i = 0; i < needs.size(); i += 4) {
        fmt::print(" ");
        for (std::size_t k = i; k < std::min(needs.size(), i + 4); ++k) fmt::print(" {:<34}", needs[k]);
        fmt::print("\n");
    }
    if (goal) {
        fmt::print("\nGoal {}: ", goal->text());
        if (!answer.variant) {
            fmt::print("no variant meets it\n");
        } else {
            std::size_t m = 0;
            while (c.metrics[m].key != goal->metric) ++m;
            const auto& ci = c.summaries[*answer.variant][m].ci;
            fmt::print("the first variant to meet it is {} ({} {}{})\n", c.labels[*answer.variant], cell(ci),
                       c.metrics[m].unit,
                       answer.confident ? "; its whole 95 % interval meets it" : "; within its interval's uncertainty");
        }
    }
    std::uint64_t events = 0;
    for (const auto& v : header["results"]["variants"]) events += v["events"].get<std::uint64_t>();
    fmt::print("\n{} replications, {:.2f} M events\n", n * c.replications, static_cast<double>(events) / 1e6);
}

// The comparison of whole runs: the header plus results, recorded and printed.
int finish(nlohmann::json header, const std::vector<analysis::VariantRuns>& runs, const std::string& out, bool json,
           const std::string& db) {
    std::optional<store::RunStore> records;  // opened first: a store that cannot be written fails early
    if (!db.empty()) records.emplace(db);
    const auto& metrics = metrics_of(header["kind"].get<std::string>());
    analysis::ComparisonOptions co;
    co.precision = header["precision"].get<double>();
    const analysis::Comparison c = analysis::compare_paired(metrics, runs, co);
    header["results"] = analysis::to_json(c, runs);
    std::optional<analysis::Goal> goal;
    analysis::GoalAnswer answer;
    if (header["goal"].is_string()) {
        goal = analysis::parse_goal(header["goal"].get<std::string>());
        answer = analysis::first_meeting(c, *goal);
        header["results"]["goal"] = {{"goal", goal->text()},
                                     {"variant", answer.variant ? nlohmann::json(c.labels[*answer.variant]) : nlohmann::json(nullptr)},
                                     {"confident", answer.confident}};
    }
    write_json_out(out, header);
    std::string recorded;
    if (records) recorded = fmt::format("{} (comparison {})", records->location(), records->record_comparison(header, utc_now()));
    if (json) {
        print_json(header);
        if (!recorded.empty()) fmt::print(stderr, "recorded in {}\n", recorded);  // not in the result: same bytes each time
    } else {
        print_comparison(header, c, goal, answer);
        if (!recorded.empty()) fmt::print("Recorded in {}\n", recorded);
    }
    return exit_ok;
}

int run_compare(const CompareOptions& opt) {
    int exit_code = exit_ok;
    std::optional<analysis::Shard> shard = analysis::Shard{};
    if (!opt.shard.empty() && !(shard = analysis::parse_shard(opt.shard)))
        throw CLI::ValidationError("--shard", "expected I/N with 0 <= I < N, got \"" + opt.shard + "\"");
    const std::optional<analysis::Goal> goal = opt.goal.empty() ? std::nullopt : analysis::parse_goal(opt.goal);
    if (!opt.goal.empty() && !goal)
        throw CLI::ValidationError("--goal", "expected METRIC<=X (or <, >=, >), got \"" + opt.goal + "\"");
    const std::vector<Variant> variants = load_variants(opt, exit_code);
    if (exit_code != exit_ok) return exit_code;
    nlohmann::json header = header_of(variants, opt);
    const auto& metrics = metrics_of(header["kind"].get<std::string>());
    if (goal) {
        if (std::none_of(metrics.begin(), metrics.end(), [&](const auto& m) { return m.key == goal->metric; })) {
            std::string keys;
            for (const auto& m : metrics) keys += " " + m.key;
            fmt::print(stderr, "--goal: no metric \"{}\"; the metrics are:{}\n", goal->metric, keys);
            return exit_usage;
        }
    }

    std::vector<std::string> labels;
    std::vector<analysis::ReplicationFn> fns;
    for (const Variant& v : variants) {
        labels.push_back(v.label);
        if (v.loaded.sites) fns.push_back([s = &*v.loaded.sites](std::uint32_t r) { return analysis::site_replication(*s, r); });
        else fns.push_back([s = &*v.loaded.scenario](std::uint32_t r) { return analysis::hall_replication(*s, r); });
    }
    analysis::RunVariantsOptions ro;
    ro.replications = header["replications"].get<std::uint32_t>();
    ro.jobs = opt.jobs;
    ro.shard = *shard;
    Progress progress(fmt::format("compare {} variants", variants.size()), !opt.quiet && stderr_is_tty());
    ro.progress = [&progress](std::size_t d, std::size_t t) { progress.update(d, t); };
    const auto runs = analysis::run_variants(labels, fns, ro);
    progress.finish();

    if (!shard->whole()) {
        header["shard"] = {{"index", shard->index}, {"count", shard->count}};
        header["results"] = {{"variants", analysis::runs_json(metrics, runs)}};
        write_json_out(opt.out, header);
        if (opt.json) {
            print_json(header);
        } else {
            std::size_t done = runs.front().replications.size();
            fmt::print("shard {}/{} of the comparison of {} variants of \"{}\": replications", shard->index, shard->count,
                       runs.size(), header["name"].get<std::string>());
            for (std::uint32_t r : runs.front().replications) fmt::print(" {}", r);
            fmt::print(" ({} of {}){}\n", done, ro.replications,
                       opt.out.empty() ? "; write it with --out to merge it" : "; written to " + opt.out);
        }
        return exit_ok;
    }
    return finish(std::move(header), runs, opt.out, opt.json, opt.db);
}

struct MergeOptions {
    std::vector<std::string> files;
    bool json = false;
    std::string out;
    std::string db = "runs/kiosktwin.sqlite";
};

int run_merge(const MergeOptions& opt) {
    std::vector<nlohmann::json> parts;
    for (const std::string& f : opt.files) {
        std::ifstream in(f, std::ios::binary);
        if (!in) {
            fmt::print(stderr, "{}: cannot open\n", f);
            return exit_invalid;
        }
        std::stringstream ss;
        ss << in.rdbuf();
        nlohmann::json j = nlohmann::json::parse(ss.str(), nullptr, false);
        const std::string verb = j.is_object() ? j.value("verb", "") : "";
        if (j.is_discarded() || (verb != "compare" && verb != "run") || !j.contains("shard")) {
            fmt::print(stderr, "{}: not a shard of kiosktwin compare or run (make one with --shard I/N --out FILE)\n", f);
            return exit_invalid;
        }
        if (!parts.empty() && verb != parts.front()["verb"]) {
            fmt::print(stderr, "{}: a shard of kiosktwin {}, {} one of kiosktwin {}\n", f, verb, opt.files.front(),
                       parts.front()["verb"].get<std::string>());
            return exit_invalid;
        }
        parts.push_back(std::move(j));
    }
    if (parts.front()["verb"] == "run") return merge_run_shards(parts, opt.files, opt.out, opt.json, opt.db);
    if (!one_shard_set(parts, opt.files, "results", "comparison", "variants, seed, replications or settings"))
        return exit_invalid;
    nlohmann::json header = parts.front();
    header.erase("shard");
    header.erase("results");
    std::vector<std::vector<analysis::VariantRuns>> shards;
    const auto& metrics = metrics_of(header["kind"].get<std::string>());
    for (const nlohmann::json& part : parts) shards.push_back(analysis::runs_from_json(metrics, part["results"]["variants"]));
    const auto runs = analysis::merge_runs(shards, header["replications"].get<std::uint32_t>());
    return finish(std::move(header), runs, opt.out, opt.json, opt.db);
}

}  // namespace

void add_compare_command(CLI::App& app, int& exit_code) {
    auto opt = std::make_shared<CompareOptions>();
    CLI::App* cmd = app.add_subcommand(
        "compare", "Compare variants of a scenario on common random numbers: paired differences of every metric with "
                   "95 % confidence intervals, whether they are significant, and the replications a precision needs");
    cmd->add_option("scenarios", opt->files,
                    "Scenario files, the first the baseline (one file with --sweep); the same seed and replications "
                    "for all")
        ->required();
    cmd->add_option("--set", opt->sets, "Override a setting in every variant, e.g. --set horizon.days=1 (repeatable)")
        ->type_name("PATH=VALUE");
    cmd->add_option("--sweep", opt->sweep,
                    "Variants of one file by one setting: kiosks=4..10, hall.kiosks=4..10:2, service.mean_min=4,5,6 "
                    "(kiosks: the hall's, or the first site's, kiosk count)")
        ->type_name("NAME=FROM..TO[:STEP]|V1,V2,…");
    cmd->add_option("--replications", opt->replications, "Replications of each variant (overrides the baseline's)")
        ->check(CLI::Range(2, 100000));
    cmd->add_option("--seed", opt->seed, "Master seed of every variant (overrides the baseline's)");
    cmd->add_option("--goal", opt->goal,
                    "Report the first variant whose mean meets it, e.g. wait_mean_min<=2 (a metric key of --json)")
        ->type_name("METRIC<=X");
    cmd->add_option("--precision", opt->precision,
                    "Relative half-width to size the replications for (0.05: ± 5 % of the baseline's mean)")
        ->check(CLI::Range(1e-6, 10.0))
        ->capture_default_str();
    cmd->add_flag("--independent", opt->independent,
                  "Give each variant seeds of its own (seed + variant index) instead of common random numbers");
    cmd->add_option("--jobs,-j", opt->jobs, "Threads for replications (0 = all cores)")->capture_default_str();
    cmd->add_option("--shard", opt->shard,
                    "Run only replications r with r mod N = I, for `kiosktwin merge` (write it with --out)")
        ->type_name("I/N");
    cmd->add_flag("--world", opt->world, "Run hall scenarios as one-site worlds on the full kiosk stack");
    cmd->add_flag("--json", opt->json, "Print the result as one JSON object on stdout instead of the report");
    cmd->add_option("--out", opt->out, "Also write the JSON result to this file");
    cmd->add_flag("--quiet,-q", opt->quiet, "No progress bar");
    cmd->add_option("--db,--store", opt->db,
                    "The store recording the comparison, unless a shard (variants, seeds, each metric's means and paired "
                    "differences): a SQLite file, or a PostgreSQL database as postgresql://USER@HOST:PORT/DB; empty: none")
        ->capture_default_str();
    cmd->callback([opt, &exit_code] { exit_code = run_compare(*opt); });
}

void add_merge_command(CLI::App& app, int& exit_code) {
    auto opt = std::make_shared<MergeOptions>();
    CLI::App* cmd = app.add_subcommand(
        "merge", "Join the shards of a comparison or a run (kiosktwin compare|run --shard I/N --out FILE) into the "
                 "result one process gives");
    cmd->add_option("shards", opt->files, "The shards' JSON files, all N of them, in any order")->required();
    cmd->add_flag("--json", opt->json, "Print the result as one JSON object on stdout instead of the report");
    cmd->add_option("--out", opt->out, "Also write the JSON result to this file");
    cmd->add_option("--db,--store", opt->db,
                    "The store recording the comparison (variants, seeds, each metric's means and paired "
                    "differences) or the run (its KPIs: shards keep no visits): a SQLite file, or a PostgreSQL database as postgresql://USER@HOST:PORT/DB; empty: none")
        ->capture_default_str();
    cmd->callback([opt, &exit_code] { exit_code = run_merge(*opt); });
}

}  // namespace kiosktwin::app
