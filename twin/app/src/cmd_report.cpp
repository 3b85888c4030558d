// kiosktwin report — a recorded run or a comparison as one self-contained
// HTML file, with CSV, JSON and PNG exports beside it (twin/report).
#include "common.hpp"

#include <kiosktwin/placement/city.hpp>
#include <kiosktwin/report/report.hpp>
#include <kiosktwin/store/run_store.hpp>

#include <fmt/core.h>

#include <charconv>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace kiosktwin::app {
namespace {

struct ReportOptions {
    std::string source = "run";
    std::string html;
    std::string db = "runs/kiosktwin.sqlite";
    bool json = false;
};

// "run", "run:3", "comparison", "comparison:2" → kind and id (0: the latest).
bool parse_source(const std::string& s, std::string& kind, std::int64_t& id) {
    const auto colon = s.find(':');
    kind = s.substr(0, colon);
    if (kind != "run" && kind != "comparison" && kind != "placement") return false;
    id = 0;
    if (colon == std::string::npos) return true;
    const std::string n = s.substr(colon + 1);
    const auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), id);
    return ec == std::errc{} && end == n.data() + n.size() && id > 0;
}

int run_report_command(const ReportOptions& opt) {
    nlohmann::json result;
    std::string kind;
    std::int64_t id = 0;
    std::unique_ptr<store::RunStore> db;
    if (parse_source(opt.source, kind, id)) {
        try {
            db = store::RunStore::open_existing(opt.db);
            result = kind == "run" ? db->run_result(id) : kind == "comparison" ? db->comparison_result(id) : db->placement_result(id);
        } catch (const store::StoreError& e) {
            fmt::print(stderr, "report: {}\n", e.what());
            return exit_invalid;
        }
    } else {
        std::ifstream in(opt.source, std::ios::binary);
        if (!in) {
            fmt::print(stderr, "{}: no such file (the source is run[:ID], comparison[:ID] in --db, or a JSON file "
                               "written by compare or merge --out)\n",
                       opt.source);
            return exit_invalid;
        }
        std::stringstream ss;
        ss << in.rdbuf();
        result = nlohmann::json::parse(ss.str(), nullptr, false);
        if (result.is_discarded() || !result.is_object() || result.value("verb", "") != "compare" || result.contains("shard")) {
            fmt::print(stderr, "{}: not the result of kiosktwin compare or merge (a run is reported from the store: "
                               "kiosktwin report run:ID --db FILE)\n",
                       opt.source);
            return exit_invalid;
        }
        kind = "comparison";
    }

    report::Report rep;
    if (kind == "run") {
        const auto load = world::load_site_scenario(result["scenario"]["effective"]);
        if (!load.scenario) {
            fmt::print(stderr, "run {}: its recorded scenario no longer loads ({})\n", result.value("run_id", 0),
                       load.validated.problems.empty() ? "?" : load.validated.problems.front().to_string());
            return exit_invalid;
        }
        std::vector<store::RecordedRun> reps;
        const int n = result["replications"].get<int>();
        for (int r = 0; r < n; ++r) reps.push_back(db->load(result["run_id"].get<std::int64_t>(), r));
        rep = report::run_report(result, *load.scenario, report::series_of(reps, *load.scenario));
    } else if (kind == "placement") {
        // The map needs the city: read again from its file, checked against the hash recorded.
        std::string why;
        const auto city = placement_city(result, why);
        if (!city) {
            fmt::print(stderr, "placement {}: {}\n", id, why);
            return exit_invalid;
        }
        rep = report::placement_report(result, *city);
    } else {
        rep = report::comparison_report(result);
    }

    const std::vector<std::string> files = write_report(rep, opt.html);
    const std::string& html = files.front();
    if (opt.json) {
        print_json({{"verb", "report"}, {"kind", kind}, {"html", html}, {"files", files}, {"bytes", rep.html.size()}});
    } else {
        fmt::print("report of the {} \"{}\" written to {} ({} kB, self-contained)\n", kind,
                   kind == "run"         ? result["scenario"].value("name", "")
                   : kind == "placement" ? result["city"].value("name", "")
                                         : result.value("name", ""),
                   html,
                   (rep.html.size() + 512) / 1024);
        for (std::size_t i = 1; i < files.size(); ++i) fmt::print("  {}\n", files[i]);
    }
    return exit_ok;
}

}  // namespace

std::vector<std::string> write_report(const report::Report& rep, const std::string& html_file) {
    const std::filesystem::path html(html_file);
    write_file(html, rep.html);
    std::vector<std::string> files{html.string()};
    const std::string stem = (html.parent_path() / html.stem()).string();
    for (const auto& [suffix, text] : rep.text_files) {
        write_file(stem + suffix, text);
        files.push_back(stem + suffix);
    }
    for (const auto& [suffix, bytes] : rep.binary_files) {
        write_file(stem + suffix, std::string(bytes.begin(), bytes.end()));
        files.push_back(stem + suffix);
    }
    return files;
}

void add_report_command(CLI::App& app, int& exit_code) {
    auto opt = std::make_shared<ReportOptions>();
    CLI::App* cmd = app.add_subcommand(
        "report", "Write a recorded run, comparison or placement as one self-contained HTML file (KPI tables with "
                  "formulas, charts, floor plans or the placement map, the scenario), with CSV, JSON and PNG exports beside it");
    cmd->add_option("source", opt->source,
                    "run[:ID], comparison[:ID] or placement[:ID] from --db (no ID: the latest), or the JSON file of "
                    "compare/merge --out")
        ->capture_default_str();
    cmd->add_option("--html", opt->html, "The HTML file to write; the exports go beside it (OUT-kpis.csv, OUT.json, …)")
        ->required();
    cmd->add_option("--db,--store", opt->db, "The store that kiosktwin run, compare and place record in: a SQLite file, or a PostgreSQL database as postgresql://USER@HOST:PORT/DB")->capture_default_str();
    cmd->add_flag("--json", opt->json, "Print the files written as one JSON object");
    cmd->callback([opt, &exit_code] { exit_code = run_report_command(*opt); });
}

}  // namespace kiosktwin::app
