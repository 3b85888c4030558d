// What the kiosktwin verbs share: loading scenarios, hashing them, progress
// on a terminal, and the output conventions (--json prints one object).
#pragma once

#include <kiosktwin/world/hall.hpp>
#include <kiosktwin/world/site_scenario.hpp>

#include <nlohmann/json.hpp>

#include <CLI/CLI.hpp>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kiosktwin::server {
class LiveGateway;
struct KeyEntry;
}

namespace kiosktwin::report {
struct Report;
}
namespace kiosktwin::placement {
struct City;
}

namespace kiosktwin::app {

/// Exit codes of every verb.
enum Exit : int {
    exit_ok = 0,
    exit_invalid = 1,  ///< the input (a scenario) is invalid
    exit_usage = 2,    ///< bad command line
    exit_failure = 3,  ///< something went wrong while running
};

/// A scenario file read, overridden and validated.
struct LoadedScenario {
    std::string file;
    nlohmann::json effective;  ///< every knob's value (valid documents only)
    std::string sha256;        ///< of the canonical effective JSON
    std::optional<world::HallScenario> scenario;  ///< a hall scenario, for the hall model
    std::optional<world::SiteScenario> sites;     ///< a site scenario (or a hall read as one site)
    std::vector<world::Problem> problems;
    const std::string& name() const { return sites ? sites->name : scenario->name; }
};

/// Reads `file`, applies `overrides` ("hall.kiosks=6"), validates. A
/// document with "sites" is a site scenario; a hall scenario is read for the
/// hall model, or with `hall_as_world` as a one-site world. Never throws for
/// bad input: every problem is in the result.
LoadedScenario load_scenario(const std::string& file, const std::vector<std::string>& overrides,
                             bool hall_as_world = false);

/// Lower-case hex SHA-256 of `text`.
std::string sha256_hex(const std::string& text);

/// A progress bar on stderr, shown only when stderr is a terminal.
class Progress {
public:
    Progress(std::string what, bool enabled);
    ~Progress();
    void update(std::size_t done, std::size_t total);
    /// Clears the bar (also done by the destructor).
    void finish();

private:
    std::string m_what;
    bool m_enabled;
    bool m_drawn = false;
};

/// Reads a JSON file another process may still be writing (a bench's
/// endpoints file): retries for up to `wait_s` seconds until the file is
/// there and whole. `on_wait` runs once if it has to wait.
enum class JsonFile { ok, missing, malformed };
JsonFile read_json_file(const std::string& path, double wait_s, nlohmann::json& out, const std::function<void()>& on_wait = {});

/// Columns `text` takes on a terminal: a code point each, two for CJK and fullwidth forms.
std::size_t display_width(std::string_view text);
/// `text` padded with spaces to `width` columns, on the right (left-aligned) or on the left.
std::string pad(std::string_view text, std::size_t width, bool align_right = false);

/// Writes `bytes` to `path`, making its directories; throws on failure.
void write_file(const std::filesystem::path& path, const std::string& bytes);
/// A verb's --out: `result` as indented JSON to `path` (nothing if empty).
void write_json_out(const std::string& path, const nlohmann::json& result);

/// kiosktwin merge: `parts` (read from `files`) must be shards of one
/// `what` ("comparison", "run") — equal but for "shard" and `body` — with
/// each of the N shards there once. Prints what is wrong and returns false.
bool one_shard_set(const std::vector<nlohmann::json>& parts, const std::vector<std::string>& files, const char* body,
                   const char* what, const char* differ);

/// Writes a report's HTML to `html` and its exports beside it (OUT-kpis.csv,
/// OUT-map.png, …); returns the files written, the HTML first.
std::vector<std::string> write_report(const report::Report& rep, const std::string& html);

/// The city a placement (`kiosktwin place --json`'s result) was solved on:
/// its file read again, checked against the recorded sha256, cut to the
/// district; nullopt with `why` when it is gone or has changed.
std::optional<placement::City> placement_city(const nlohmann::json& result, std::string& why);

/// The wall clock in UTC, "2026-11-28T05:40:00Z" (for records: when a run was made).
std::string utc_now();

/// True if stderr is a terminal.
bool stderr_is_tty();

/// Prints a JSON object on stdout as one line followed by a newline.
void print_json(const nlohmann::json& j);

/// Registers the verbs.
void add_run_command(CLI::App& app, int& exit_code);
void add_validate_command(CLI::App& app, int& exit_code);
void add_bench_command(CLI::App& app, int& exit_code);
void add_serve_command(CLI::App& app, int& exit_code);
void add_replay_command(CLI::App& app, int& exit_code);
void add_gateway_command(CLI::App& app, int& exit_code);
void add_sign_command(CLI::App& app, int& exit_code);
void add_kiosk_command(CLI::App& app, int& exit_code);
void add_panel_command(CLI::App& app, int& exit_code);
void add_compare_command(CLI::App& app, int& exit_code);
void add_merge_command(CLI::App& app, int& exit_code);
/// kiosktwin merge of `kiosktwin run --shard` files (parsed, verb "run" with
/// a "shard"): the run one process gives, printed, written to `out`,
/// recorded in `store` (its KPIs) unless empty.
int merge_run_shards(const std::vector<nlohmann::json>& parts, const std::vector<std::string>& files,
                     const std::string& out, bool json, const std::string& store);
void add_report_command(CLI::App& app, int& exit_code);
void add_place_command(CLI::App& app, int& exit_code);
/// `bench panel`, registered by add_bench_command.
void add_bench_panel(CLI::App& bench, int& exit_code);
void add_bench_place(CLI::App& bench, int& exit_code);

/// The gateway inside `serve`: default configuration, the keys of
/// assets/gateway/keys.json, journal `db` ("" = in memory), started. Null
/// with `error` set when it cannot start.
/// `extra`: keys beyond the default keys file (serve's own kiosk stacks).
std::unique_ptr<server::LiveGateway> start_serve_gateway(const std::string& bind, int port, const std::string& db,
                                                         std::string& error, const std::vector<server::KeyEntry>& extra);

}  // namespace kiosktwin::app
