// kiosktwin gateway — the emulated government service platform, live: the
// signed JSON API of gateway/server over HTTP on loopback, durable in an
// SQLite journal. kiosktwin sign — the small signing client that goes with
// it, so a developer can call the API with curl.
#include "common.hpp"

#include <kiosktwin/api/signing.hpp>
#include <kiosktwin/server/live_server.hpp>
#include <kiosktwin/server/openapi.hpp>
#include <kiosktwin/server/state.hpp>
#include <kiosktwin/sim/calendar.hpp>

#include <fmt/core.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <pthread.h>
#include <random>
#include <signal.h>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>

namespace kiosktwin::app {
namespace {

constexpr const char* k_default_keys = "assets/gateway/keys.json";

// Reads a whole file; nullopt if it cannot be opened.
std::optional<std::string> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A JSON file, or an error message naming it.
std::optional<nlohmann::json> read_json(const std::string& path, const std::string& what, std::string& error) {
    const auto text = read_file(path);
    if (!text) {
        error = fmt::format("{}: cannot open the {} file", path, what);
        return std::nullopt;
    }
    try {
        return nlohmann::json::parse(*text);
    } catch (const nlohmann::json::parse_error& e) {
        error = fmt::format("{}: not JSON: {}", path, e.what());
        return std::nullopt;
    }
}

std::optional<std::vector<server::KeyEntry>> load_keys(const std::string& path, std::string& error) {
    auto j = read_json(path, "keys", error);
    if (!j) {
        if (path == k_default_keys) error += " (run from the repository root, or give --keys FILE)";
        return std::nullopt;
    }
    try {
        return server::keys_from_json(*j);
    } catch (const std::invalid_argument& e) {
        error = fmt::format("{}: {}", path, e.what());
        return std::nullopt;
    }
}

// ---- kiosktwin gateway ------------------------------------------------------

struct GatewayOptions {
    std::string db;
    int port = 8480;
    std::string bind = "127.0.0.1";
    std::string keys = k_default_keys;
    std::string config;
    int threads = 2;
    std::string sync = "full";
    bool openapi = false;
    bool json = false;
    bool quiet = false;
    std::string pid_file;
    double duration_s = 0;
};

int gateway(const GatewayOptions& o) {
    if (o.openapi) {
        std::cout << server::openapi_json() << '\n';
        return exit_ok;
    }
    std::string error;
    server::Config config;
    if (!o.config.empty()) {
        auto j = read_json(o.config, "configuration", error);
        if (!j) {
            fmt::print(stderr, "kiosktwin gateway: {}\n", error);
            return exit_invalid;
        }
        try {
            config = server::Config::from_json(*j);
        } catch (const std::invalid_argument& e) {
            fmt::print(stderr, "kiosktwin gateway: {}: {}\n", o.config, e.what());
            return exit_invalid;
        }
    }
    auto keys = load_keys(o.keys, error);
    if (!keys) {
        fmt::print(stderr, "kiosktwin gateway: {}\n", error);
        return exit_invalid;
    }
    config.keys = std::move(*keys);

    server::LiveOptions lo;
    lo.address = o.bind;
    lo.port = static_cast<std::uint16_t>(o.port);
    lo.db_path = o.db;
    lo.full_sync = o.sync == "full";
    lo.threads = o.threads;
    if (!o.quiet) lo.log = [](const std::string& line) { fmt::print(stderr, "gateway: {}\n", line); };

    // SIGINT and SIGTERM are taken by a thread of our own (sigwait), so they
    // are blocked here, before any thread starts, for every thread to inherit.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    std::unique_ptr<server::LiveGateway> gw;
    try {
        gw = std::make_unique<server::LiveGateway>(std::move(config), lo);
    } catch (const std::exception& e) {
        const std::string what = e.what();
        fmt::print(stderr, "kiosktwin gateway: {}\n", what);
        // A port in use is not bad input; a database or configuration is.
        return what.rfind("cannot listen", 0) == 0 ? exit_failure : exit_invalid;
    }
    const server::ReplayStats restored = gw->restored();
    gw->start();

    const std::string url = fmt::format("http://{}:{}", o.bind, gw->port());
    if (o.json) {
        print_json({{"port", gw->port()},
                    {"url", url},
                    {"db", o.db.empty() ? nlohmann::json(nullptr) : nlohmann::json(o.db)},
                    {"replayed", restored.entries},
                    {"signature_method", api::method_name(api::preferred_method())}});
    } else {
        const std::string db = o.db.empty() ? std::string("in memory: nothing survives a restart")
                                            : fmt::format("db {}, {} entries replayed", o.db, restored.entries);
        fmt::print("kiosktwin gateway: listening on {} ({})\n", url, db);
    }
    std::fflush(stdout);
    if (!o.pid_file.empty()) std::ofstream(o.pid_file) << ::getpid() << '\n';

    std::thread waiter([&] {
        int sig = 0;
        if (o.duration_s > 0) {
            // Stops by itself after --duration, or earlier on a signal.
            const auto total = std::chrono::duration<double>(o.duration_s);
            const auto secs = std::chrono::duration_cast<std::chrono::seconds>(total);
            const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(total - secs);
            timespec ts{static_cast<time_t>(secs.count()), static_cast<long>(nanos.count())};
            siginfo_t info{};
            sig = sigtimedwait(&signals, &info, &ts);
        } else {
            sigwait(&signals, &sig);
        }
        if (!o.quiet)
            fmt::print(stderr, "gateway: {}, shutting down\n",
                       sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "duration over");
        gw->stop();
    });
    gw->wait();
    waiter.join();
    gw.reset();
    if (!o.pid_file.empty()) std::remove(o.pid_file.c_str());
    return exit_ok;
}

// ---- kiosktwin sign ---------------------------------------------------------

struct SignOptions {
    std::string key_id;
    std::string secret;
    std::string keys;
    std::string method_name;
    std::optional<std::string> body;
    std::string body_file;
    std::string http_method;
    std::string target;
    bool json = false;
};

std::string random_nonce() {
    static constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
    std::random_device rd;
    std::uniform_int_distribution<int> pick(0, 63);
    std::string n;
    for (int i = 0; i < 24; ++i) n.push_back(k_alphabet[pick(rd)]);
    return n;
}

int sign(const SignOptions& o) {
    std::string secret = o.secret;
    if (secret.empty()) {
        std::string error;
        const std::string file = o.keys.empty() ? k_default_keys : o.keys;
        auto keys = load_keys(file, error);
        if (!keys) {
            fmt::print(stderr, "kiosktwin sign: {}\n", error);
            return exit_invalid;
        }
        for (const auto& k : *keys)
            if (k.key_id == o.key_id) secret = k.secret;
        if (secret.empty()) {
            fmt::print(stderr, "kiosktwin sign: key {} is not in {} (give --secret)\n", o.key_id, file);
            return exit_invalid;
        }
    }
    api::SignatureMethod method = api::preferred_method();
    if (!o.method_name.empty()) {
        const auto m = api::parse_method_name(o.method_name);
        if (!m) {
            fmt::print(stderr, "kiosktwin sign: unknown signature method {} (HMAC-SM3 or HMAC-SHA256)\n",
                       o.method_name);
            return exit_invalid;
        }
        if (*m == api::SignatureMethod::hmac_sm3 && !api::sm3_available()) {
            fmt::print(stderr, "kiosktwin sign: this OpenSSL build has no SM3; use --method HMAC-SHA256\n");
            return exit_invalid;
        }
        method = *m;
    }
    std::string body;
    if (!o.body_file.empty()) {
        auto text = read_file(o.body_file);
        if (!text) {
            fmt::print(stderr, "kiosktwin sign: cannot open the body file {}\n", o.body_file);
            return exit_invalid;
        }
        body = std::move(*text);
    } else if (o.body) {
        body = *o.body;
    }

    // Now on the default calendar, to the whole second: "2026-11-27T14:30:00+08:00".
    const sim::Calendar calendar;
    const auto unix0 = calendar.parse_iso8601("1970-01-01T00:00:00Z");
    const auto since_unix = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch());
    const sim::Time now = *unix0 + std::chrono::duration_cast<sim::Duration>(since_unix);

    api::SignedHeaders h;
    try {
        h = api::sign({o.http_method, o.target, body}, o.key_id, secret, calendar.iso8601(now), random_nonce(),
                      method);
    } catch (const std::exception& e) {
        fmt::print(stderr, "kiosktwin sign: {}\n", e.what());
        return exit_invalid;
    }
    const auto headers = h.to_map();
    if (o.json) {
        nlohmann::json j = nlohmann::json::object();
        for (const auto& [k, v] : headers) j[k] = v;
        print_json(j);
    } else {
        for (const auto& [k, v] : headers) fmt::print("{}: {}\n", k, v);
    }
    return exit_ok;
}

}  // namespace

std::unique_ptr<server::LiveGateway> start_serve_gateway(const std::string& bind, int port, const std::string& db,
                                                         std::string& error, const std::vector<server::KeyEntry>& extra) {
    auto keys = load_keys(k_default_keys, error);
    if (!keys) return nullptr;
    server::Config config;
    config.keys = std::move(*keys);
    config.keys.insert(config.keys.end(), extra.begin(), extra.end());
    server::LiveOptions lo;
    lo.address = bind;
    lo.port = static_cast<std::uint16_t>(port);
    lo.db_path = db;
    try {
        auto gw = std::make_unique<server::LiveGateway>(std::move(config), lo);
        gw->start();
        return gw;
    } catch (const std::exception& e) {
        error = e.what();
        return nullptr;
    }
}

void add_gateway_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<GatewayOptions>();
    CLI::App* cmd = app.add_subcommand(
        "gateway",
        "Run the emulated government service platform live: the signed JSON API (R-8.1-1) over HTTP, with the "
        "emulated back ends (identity, item catalogue, 办件 applications, payments, e-licences, evaluations, "
        "terminal management) and a hash-chained audit log. With --db every change is in SQLite before its "
        "response leaves, and a restart on the same file resumes where it stopped. Ctrl-C (or SIGTERM) stops "
        "it gracefully.");
    cmd->add_option("--db", o->db,
                    "SQLite journal (WAL) of every change; created if absent, replayed on start (default: in "
                    "memory, nothing survives a restart)");
    cmd->add_option("--port", o->port, "TCP port (0 = any free port)")->capture_default_str()->check(CLI::Range(0, 65535));
    cmd->add_option("--bind", o->bind, "Address to listen on")->capture_default_str();
    cmd->add_option("--keys", o->keys,
                    "Signing keys: {\"keys\": [{\"key_id\", \"secret\", \"role\": \"kiosk\"|\"admin\"}]}")
        ->capture_default_str();
    cmd->add_option("--config", o->config,
                    "Platform configuration (JSON): {\"seed\", \"catalogue_items\", \"region\", \"max_body_bytes\", "
                    "\"signature_window_s\", \"profiles\": {\"identity\": {...}, ...}}, every member optional. A "
                    "database remembers the configuration it was made with and refuses another");
    cmd->add_option("--threads", o->threads, "I/O threads")->capture_default_str()->check(CLI::Range(1, 64));
    cmd->add_option("--sync", o->sync,
                    "full: every commit is on disk (fsync) before the response; normal: safe against a crash of "
                    "the process, not of the machine")
        ->capture_default_str()
        ->check(CLI::IsMember({"full", "normal"}));
    cmd->add_flag("--openapi", o->openapi, "Print the OpenAPI 3.0 document of the API and exit");
    cmd->add_flag("--json", o->json,
                  "When listening, print one JSON object on stdout: {\"port\", \"url\", \"db\", \"replayed\", "
                  "\"signature_method\"}");
    cmd->add_flag("--quiet,-q", o->quiet, "No log lines on stderr");
    cmd->add_option("--pid-file", o->pid_file, "Write the process id here once listening (removed on exit)");
    cmd->add_option("--duration", o->duration_s, "Stop by itself after this many seconds (0 = until Ctrl-C or SIGTERM)")
        ->check(CLI::NonNegativeNumber);
    cmd->footer(
        "Examples:\n"
        "  kiosktwin gateway --db gateway.db\n"
        "  curl -s http://127.0.0.1:8480/api/v1/health\n"
        "  kiosktwin gateway --openapi > openapi.json\n"
        "Signed calls: see 'kiosktwin sign --help'.");
    cmd->callback([o, &exit_code] { exit_code = gateway(*o); });
}

void add_sign_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<SignOptions>();
    CLI::App* cmd = app.add_subcommand(
        "sign",
        "Sign one request for the gateway (R-8.1-1): prints the five x-kiosk-* headers, one 'name: value' a line "
        "(timestamp now at +08:00, a fresh random nonce), ready for curl's -H @FILE.");
    cmd->add_option("--key-id", o->key_id, "Key id the platform issued, e.g. kiosk-0001")->required();
    cmd->add_option("--secret", o->secret,
                    "The key's secret (default: looked up in --keys; note that a command line is visible to "
                    "other local users)");
    cmd->add_option("--keys", o->keys, std::string("Keys file to look the secret up in (default ") + k_default_keys + ")");
    cmd->add_option("--method", o->method_name, "HMAC-SM3 or HMAC-SHA256 (default: HMAC-SM3 where OpenSSL has SM3)")
        ->check(CLI::IsMember({"HMAC-SM3", "HMAC-SHA256"}));
    auto* body_file = cmd->add_option("--body-file", o->body_file,
                                      "The request body, byte for byte as it will be sent (curl --data-binary @FILE)");
    auto* body = cmd->add_option("--body", o->body, "The request body as text");
    body_file->excludes(body);
    cmd->add_option("method", o->http_method, "HTTP method, e.g. POST")->required();
    cmd->add_option("target", o->target, "Request target: path and query, e.g. /api/v1/terminals/register")->required();
    cmd->add_flag("--json", o->json, "Print the headers as one JSON object instead");
    cmd->footer(
        "The signature covers the method, the target, the key id, timestamp, nonce and the body's digest, so sign "
        "exactly what you send, and sign again for every request (a nonce is accepted once). curl takes several "
        "headers from a file:\n"
        "  echo '{\"terminal_id\":\"T-0001\",\"site\":\"S-01\",\"region\":\"440305\",\"peripherals\":[]}' > body.json\n"
        "  kiosktwin sign --key-id kiosk-0001 --body-file body.json POST /api/v1/terminals/register > h.txt\n"
        "  curl -s -H @h.txt -H 'content-type: application/json' --data-binary @body.json \\\n"
        "       http://127.0.0.1:8480/api/v1/terminals/register\n"
        "In bash, without a file:\n"
        "  mapfile -t H < <(kiosktwin sign --key-id kiosk-0001 GET /api/v1/terminals/self)\n"
        "  curl -s \"${H[@]/#/-H}\" http://127.0.0.1:8480/api/v1/terminals/self");
    cmd->callback([o, &exit_code] { exit_code = sign(*o); });
}

}  // namespace kiosktwin::app
