// `kiosktwin bench gateway`: see bench.hpp. Reads the wall clock and runs
// child processes (nginx, wrk): a live host's privilege, not the model's.
#include <kiosktwin/server/bench.hpp>

#include <kiosktwin/api/signing.hpp>
#include <kiosktwin/server/journal.hpp>
#include <kiosktwin/server/live_server.hpp>
#include <kiosktwin/server/router.hpp>
#include <kiosktwin/server/state.hpp>
#include <kiosktwin/services/applications.hpp>
#include <kiosktwin/services/population.hpp>

#include <nlohmann/json.hpp>

#include <arpa/inet.h>
#include <csignal>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace kiosktwin::server {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::string key_name(const char* prefix, int i) {
    char id[32];
    std::snprintf(id, sizeof id, "%s-%04d", prefix, i);
    return id;
}

std::string bench_secret(const std::string& key_id) {
    std::string s = "bench-secret-";
    s.append(key_id);
    return s;
}

// A kiosk that signs its calls; nonces from a counter.
struct BenchKiosk {
    std::string key_id;
    std::string terminal_id;
    std::uint64_t nonce = 0;

    Request make(const sim::Calendar& cal, sim::Time now, std::string method, std::string target, std::string body,
                 std::string idempotency_key = {}) {
        Request r;
        r.method = std::move(method);
        r.target = std::move(target);
        r.body = std::move(body);
        if (!r.body.empty()) r.headers["content-type"] = "application/json";
        if (!idempotency_key.empty()) r.headers["idempotency-key"] = std::move(idempotency_key);
        char n[64];
        std::snprintf(n, sizeof n, "bench-%s-%012llu", key_id.c_str(), static_cast<unsigned long long>(++nonce));
        const auto h = api::sign({r.method, r.target, r.body}, key_id, bench_secret(key_id), cal.iso8601(now), n,
                                 api::preferred_method());
        for (auto& [k, v] : h.to_map()) r.headers[k] = v;
        return r;
    }
};

std::vector<services::Resident> usable_residents() {
    std::vector<services::Resident> out;
    for (auto& r : services::generate_population(1, 1000))
        if (!r.wanted && !r.expires) out.push_back(std::move(r));
    return out;
}

Config bench_config(int terminals) {
    Config c;
    for (int i = 1; i <= terminals; ++i) {
        const std::string id = key_name("kiosk", i);
        c.keys.push_back({id, bench_secret(id), Role::kiosk});
    }
    return c;
}

json register_body(const std::string& terminal_id) {
    return {{"terminal_id", terminal_id}, {"site", "bench hall"}, {"region", "440300"}, {"heartbeat_interval_s", 60},
            {"peripherals", json::array({{{"id", "idr-1"}, {"type", "idcard_reader"}}})}};
}

// Items a kiosk can create 办件 for, with the materials their submit needs.
struct BenchItem {
    std::string code;
    std::vector<std::string> materials;
};

std::vector<BenchItem> bench_items(const State& st) {
    std::vector<BenchItem> out;
    for (const auto* item : st.catalogue.offered()) {
        // A local 办件 needs no cross-region fields; skip items that require them.
        BenchItem b{item->code, services::applications::required_materials(*item)};
        if (b.materials.size() <= 4) out.push_back(std::move(b));
        if (out.size() == 32) break;
    }
    if (out.empty()) throw std::runtime_error("bench gateway: the catalogue offers no item");
    return out;
}

}  // namespace

// The twin's way in: no wire, so no text and no signature (http.hpp).
Request in_process(const BenchKiosk& k, std::string method, std::string target, json body = nullptr,
                   std::string idempotency_key = {}) {
    Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.peer_key_id = k.key_id;
    if (!body.is_null()) r.json = std::move(body);
    if (!idempotency_key.empty()) r.headers["idempotency-key"] = std::move(idempotency_key);
    return r;
}

VirtualBenchResult run_virtual_bench(const VirtualBenchParams& p) {
    if (p.terminals < 1 || p.terminals > 9999) throw std::invalid_argument("terminals must be 1..9999");
    Config config = bench_config(p.terminals);
    config.seed = p.seed;
    State st(std::move(config));
    const sim::Calendar& cal = st.calendar();
    sim::Time now = sim::Time{} + std::chrono::hours(24 * 7);
    const auto residents = usable_residents();
    const auto items = bench_items(st);

    std::vector<BenchKiosk> kiosks;
    for (int i = 1; i <= p.terminals; ++i) {
        BenchKiosk k{key_name("kiosk", i), key_name("T", i)};
        const auto r = handle_request(k.make(cal, now, "POST", "/api/v1/terminals/register", register_body(k.terminal_id).dump()),
                                      st, now);
        if (r.status >= 300) throw std::runtime_error("bench gateway: register failed: " + r.body);
        kiosks.push_back(std::move(k));
    }

    VirtualBenchResult out;
    Clock::duration inside{};
    auto call = [&](const Request& req) -> Response {
        const auto t0 = Clock::now();
        Response r = handle_request(req, st, now);
        inside += Clock::now() - t0;
        ++out.calls;
        if (r.status >= 300) ++out.errors;
        now += std::chrono::milliseconds(250);
        return r;
    };
    const std::string content = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
    for (std::uint64_t s = 0; s < p.sessions; ++s) {
        BenchKiosk& k = kiosks[s % kiosks.size()];
        const services::Resident& who = residents[s % residents.size()];
        const BenchItem& item = items[s % items.size()];
        call(in_process(k, "POST", "/api/v1/terminals/heartbeat", json{{"status", "online"}}));
        call(in_process(k, "GET", "/api/v1/items?offset=" + std::to_string((s % 8) * 20) + "&limit=20"));
        call(in_process(k, "POST", "/api/v1/identity/id-check", json{{"id_number", who.id_number}, {"name", who.name}}));
        call(in_process(k, "POST", "/api/v1/identity/face-compare",
                        json{{"id_number", who.id_number}, {"sample_template", who.face_template}, {"liveness", true}}));
        const std::string key = "bench-" + std::to_string(s);
        const Response created = call(in_process(
            k, "POST", "/api/v1/applications",
            json{{"item_code", item.code}, {"applicant", {{"name", who.name}, {"id_number", who.id_number}}}}, key));
        if (created.status >= 300) throw std::runtime_error("bench gateway: create failed: " + created.envelope.dump());
        const std::string case_no = created.envelope["data"]["case_no"].get<std::string>();
        const std::string base = "/api/v1/applications/" + case_no;
        // One material call per session (the first required one, or a photo).
        const std::string mname = item.materials.empty() ? std::string("照片") : item.materials.front();
        call(in_process(k, "POST", base + "/materials", json{{"name", mname}, {"content", content}}));
        for (std::size_t m = 1; m < item.materials.size(); ++m)  // untimed: the rest of the checklist
            handle_request(in_process(k, "POST", base + "/materials", json{{"name", item.materials[m]}, {"content", content}}),
                           st, now);
        call(in_process(k, "POST", base + "/submit", json::object(), key + "-submit"));
        call(in_process(k, "GET", base));
    }
    out.seconds = std::chrono::duration<double>(inside).count();
    out.calls_per_s = out.seconds > 0 ? static_cast<double>(out.calls) / out.seconds : 0;
    out.applications = st.applications.size();
    out.audit_records = st.audit.size();
    return out;
}

// ---------------------------------------------------------------------------
// Live half

namespace {

namespace fs = std::filesystem;

bool on_path(const std::string& tool) {
    const char* path = std::getenv("PATH");
    std::string dirs = path ? path : "/usr/bin:/bin";
    dirs.append(":/usr/sbin:/sbin");
    std::stringstream ss(dirs);
    std::string d;
    while (std::getline(ss, d, ':'))
        if (!d.empty() && ::access((fs::path(d) / tool).c_str(), X_OK) == 0) return true;
    return false;
}

std::string find_tool(const std::string& tool) {
    for (const char* d : {"/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/bin", "/usr/local/sbin"})
        if (::access((fs::path(d) / tool).c_str(), X_OK) == 0) return (fs::path(d) / tool).string();
    if (on_path(tool)) return tool;
    throw std::runtime_error("bench gateway: `" + tool + "` not found (Debian package " + tool +
                             "; ./quickstart test installs it)");
}

// Runs argv, capturing stdout; returns the exit status.
int run_capture(const std::vector<std::string>& argv, std::string& out) {
    int fds[2];
    if (::pipe(fds) != 0) throw std::runtime_error("pipe failed");
    const pid_t pid = ::fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        ::dup2(fds[1], 1);
        ::close(fds[0]);
        ::close(fds[1]);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        ::_exit(127);
    }
    ::close(fds[1]);
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fds[0], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
        ::close(fd);
        throw std::runtime_error("bench gateway: no free port");
    }
    ::close(fd);
    return ntohs(a.sin_port);
}

bool port_open(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
    ::close(fd);
    return ok;
}

// One blocking HTTP/1.1 exchange (Connection: close); returns the status.
int http_exchange(std::uint16_t port, const std::string& raw, std::string* body_out = nullptr) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
        ::close(fd);
        throw std::runtime_error("bench gateway: cannot connect to the gateway");
    }
    std::size_t sent = 0;
    while (sent < raw.size()) {
        const ssize_t n = ::send(fd, raw.data() + sent, raw.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
    }
    std::string resp;
    char buf[8192];
    ssize_t n;
    while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) resp.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    if (resp.size() < 12) return 0;
    if (body_out) {
        const auto cut = resp.find("\r\n\r\n");
        *body_out = cut == std::string::npos ? std::string() : resp.substr(cut + 4);
    }
    return std::atoi(resp.c_str() + 9);
}

std::string raw_request(const Request& r, bool keep_alive) {
    std::string s = r.method;
    s.append(" ").append(r.target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
    for (const auto& [k, v] : r.headers) s.append(k).append(": ").append(v).append("\r\n");
    s.append("Content-Length: ").append(std::to_string(r.body.size())).append("\r\n");
    if (!keep_alive) s.append("Connection: close\r\n");
    s.append("\r\n").append(r.body);
    return s;
}

double to_ms(const std::string& value, const std::string& unit) {
    const double v = std::stod(value);
    if (unit == "us") return v / 1000.0;
    if (unit == "ms") return v;
    if (unit == "s") return v * 1000.0;
    if (unit == "m") return v * 60'000.0;
    return v;
}

LatencyFigures parse_wrk(const std::string& out) {
    LatencyFigures f;
    std::smatch m;
    if (std::regex_search(out, m, std::regex(R"(Requests/sec:\s+([0-9.]+))"))) f.rps = std::stod(m[1]);
    else throw std::runtime_error("bench gateway: cannot read wrk's output:\n" + out);
    if (std::regex_search(out, m, std::regex(R"(\n\s+50%\s+([0-9.]+)(us|ms|s|m))"))) f.p50_ms = to_ms(m[1], m[2]);
    if (std::regex_search(out, m, std::regex(R"(\n\s+99%\s+([0-9.]+)(us|ms|s|m))"))) f.p99_ms = to_ms(m[1], m[2]);
    if (std::regex_search(out, m, std::regex(R"(([0-9]+) requests in ([0-9.]+)(us|ms|s|m))"))) {
        f.requests = std::stoull(m[1]);
        f.seconds = to_ms(m[2], m[3]) / 1000.0;
    }
    if (std::regex_search(out, m, std::regex(R"(Non-2xx or 3xx responses:\s+([0-9]+))"))) {
        f.non_2xx = std::stoull(m[1]);
        f.errors += f.non_2xx;
    }
    if (std::regex_search(out, m, std::regex(R"(Socket errors: connect ([0-9]+), read ([0-9]+), write ([0-9]+), timeout ([0-9]+))")))
        f.errors += std::stoull(m[1]) + std::stoull(m[2]) + std::stoull(m[3]) + std::stoull(m[4]);
    // Count only what succeeded: wrk's own rate includes refusals.
    if (f.seconds > 0) f.rps = static_cast<double>(f.requests - std::min(f.requests, f.non_2xx)) / f.seconds;
    return f;
}

struct TempDir {
    fs::path path;
    TempDir() {
        path = fs::temp_directory_path() / ("kiosktwin-bench-gateway-" + std::to_string(::getpid()));
        fs::remove_all(path);
        fs::create_directories(path);
        fs::permissions(path, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

struct Nginx {
    pid_t pid = -1;
    ~Nginx() { stop(); }
    void stop() {
        if (pid <= 0) return;
        ::kill(pid, SIGTERM);
        int status = 0;
        for (int i = 0; i < 100; ++i) {
            if (::waitpid(pid, &status, WNOHANG) == pid) {
                pid = -1;
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        ::kill(pid, SIGKILL);
        ::waitpid(pid, &status, 0);
        pid = -1;
    }
};

// The wrk script that posts pre-signed raw requests, a disjoint share per thread.
constexpr const char* k_wrk_script = R"LUA(
local path = os.getenv("KIOSKTWIN_BENCH_REQUESTS")
local threads_n = tonumber(os.getenv("KIOSKTWIN_BENCH_THREADS"))
local counter = 0
local threads = {}
function setup(thread)
  thread:set("tid", counter)
  counter = counter + 1
  table.insert(threads, thread)
end
function init(args)
  reqs = {}
  local f = assert(io.open(path, "rb"))
  local data = f:read("*a")
  f:close()
  local i = 0
  for chunk in string.gmatch(data, "(.-)\n%%%%\n") do
    if i % threads_n == tid then reqs[#reqs + 1] = chunk end
    i = i + 1
  end
  idx = 0
  repeats = 0
end
function request()
  idx = idx + 1
  if idx > #reqs then
    idx = 1
    exhausted = true
  end
  if exhausted then repeats = repeats + 1 end
  return reqs[idx]
end
function done(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do
    total = total + (t:get("repeats") or 0)
  end
  io.write("kiosktwin-wrapped: " .. total .. "\n")
end
)LUA";

}  // namespace

LiveBenchResult run_live_bench(const LiveBenchParams& p) {
    auto progress = [&](const std::string& s) {
        if (p.progress) p.progress(s);
    };
    const std::string nginx_bin = find_tool("nginx");
    const std::string wrk_bin = find_tool("wrk");
    TempDir dir;
    LiveBenchResult out;

    const int terminals = 16;
    Config config = bench_config(terminals);
    // The page's bytes, from a State built the same way as the server's.
    out.page_target = "/api/v1/items?offset=0&limit=20";
    std::string page;
    {
        State probe(bench_config(terminals));
        Request r;
        r.method = "GET";
        r.target = out.page_target;
        page = handle_request(r, probe, sim::Time{}).body;
    }
    out.page_bytes = page.size();
    {
        std::ofstream f(dir.path / "items.json", std::ios::binary);
        f << page;
    }

    // nginx: a static file, as many workers as the gateway has threads.
    const std::uint16_t nginx_port = free_port();
    {
        std::ofstream c(dir.path / "nginx.conf");
        c << "worker_processes " << p.server_threads << ";\n"
          << "daemon off;\nmaster_process on;\npid " << (dir.path / "nginx.pid").string() << ";\n"
          << "error_log " << (dir.path / "nginx-error.log").string() << " warn;\n"
          << "events { worker_connections 4096; }\n"
          << "http {\n  access_log off;\n  client_body_temp_path " << (dir.path / "body").string() << ";\n"
          << "  proxy_temp_path " << (dir.path / "proxy").string() << ";\n"
          << "  fastcgi_temp_path " << (dir.path / "fcgi").string() << ";\n"
          << "  uwsgi_temp_path " << (dir.path / "uwsgi").string() << ";\n"
          << "  scgi_temp_path " << (dir.path / "scgi").string() << ";\n"
          << "  keepalive_requests 1000000;\n"
          << "  server {\n    listen 127.0.0.1:" << nginx_port << ";\n"
          << "    location / {\n      root " << dir.path.string() << ";\n"
          << "      default_type application/json;\n      try_files /items.json =404;\n    }\n  }\n}\n";
    }
    Nginx nginx;
    nginx.pid = ::fork();
    if (nginx.pid == 0) {
        const std::string conf = (dir.path / "nginx.conf").string();
        const std::string prefix = dir.path.string() + "/";
        ::execl(nginx_bin.c_str(), nginx_bin.c_str(), "-p", prefix.c_str(), "-c", conf.c_str(), "-e",
                (dir.path / "nginx-error.log").c_str(), static_cast<char*>(nullptr));
        ::_exit(127);
    }
    for (int i = 0; i < 250 && !port_open(nginx_port); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!port_open(nginx_port)) throw std::runtime_error("bench gateway: nginx did not start (see its error log)");

    // The gateway, durable.
    LiveOptions lo;
    lo.port = 0;
    lo.db_path = (dir.path / "gateway.db").string();
    lo.threads = p.server_threads;
    LiveGateway gw(config, lo);
    gw.start();
    const std::uint16_t gw_port = gw.port();
    progress("gateway on port " + std::to_string(gw_port) + ", nginx on port " + std::to_string(nginx_port));

    auto wrk = [&](std::uint16_t port, const std::string& target, const std::vector<std::string>& extra,
                   std::string* raw = nullptr) {
        std::vector<std::string> argv{wrk_bin,
                                      "-t" + std::to_string(p.wrk_threads),
                                      "-c" + std::to_string(p.connections),
                                      "-d" + std::to_string(std::max(1, static_cast<int>(p.seconds))) + "s",
                                      "--latency"};
        argv.insert(argv.end(), extra.begin(), extra.end());
        argv.push_back("http://127.0.0.1:" + std::to_string(port) + target);
        std::string text;
        const int rc = run_capture(argv, text);
        if (rc != 0) throw std::runtime_error("bench gateway: wrk exited with " + std::to_string(rc) + ":\n" + text);
        if (raw) *raw = text;
        return parse_wrk(text);
    };

    progress("reads: nginx");
    out.nginx = wrk(nginx_port, "/items.json", {});
    progress("reads: gateway");
    out.read = wrk(gw_port, out.page_target, {});
    out.read_ratio = out.nginx.rps > 0 ? out.read.rps / out.nginx.rps : 0;

    // Writes: register the terminals, then pre-sign more creates than wrk can send.
    const sim::Calendar cal;
    // Virtual time of the live gateway: the wall clock on the calendar (live_server.hpp).
    const sim::Time unix_epoch = cal.parse_iso8601("1970-01-01T00:00:00Z").value();
    auto now_virtual = [&] {
        return unix_epoch +
               std::chrono::duration_cast<sim::Duration>(std::chrono::system_clock::now().time_since_epoch());
    };
    std::vector<BenchKiosk> kiosks;
    for (int i = 1; i <= terminals; ++i) {
        BenchKiosk k{key_name("kiosk", i), key_name("T", i)};
        std::string body;
        const int status = http_exchange(
            gw_port, raw_request(k.make(cal, now_virtual(), "POST", "/api/v1/terminals/register",
                                        register_body(k.terminal_id).dump()),
                                 false),
            &body);
        if (status != 200 && status != 201)
            throw std::runtime_error("bench gateway: register failed (" + std::to_string(status) + "): " + body);
        kiosks.push_back(std::move(k));
    }
    const auto residents = usable_residents();
    const std::string item_code = [&] {
        State probe(bench_config(1));
        return bench_items(probe).front().code;
    }();
    // More than the gateway can take in the run (a wrk script cannot end the
    // run early); should wrk still wrap around, the repeats are refused as
    // replayed nonces and counted apart below.
    const std::uint64_t count = std::max<std::uint64_t>(20'000, static_cast<std::uint64_t>(p.seconds * 40'000));
    {
        progress("signing " + std::to_string(count) + " create requests");
        std::ofstream f(dir.path / "creates.txt", std::ios::binary);
        const sim::Time t = now_virtual();
        for (std::uint64_t i = 0; i < count; ++i) {
            BenchKiosk& k = kiosks[i % kiosks.size()];
            const auto& who = residents[i % residents.size()];
            const json body{{"item_code", item_code}, {"applicant", {{"name", who.name}, {"id_number", who.id_number}}}};
            f << raw_request(k.make(cal, t, "POST", "/api/v1/applications", body.dump(), "w-" + std::to_string(i)), true)
              << "\n%%\n";
        }
    }
    {
        std::ofstream s(dir.path / "creates.lua");
        s << k_wrk_script;
    }
    ::setenv("KIOSKTWIN_BENCH_REQUESTS", (dir.path / "creates.txt").c_str(), 1);
    ::setenv("KIOSKTWIN_BENCH_THREADS", std::to_string(p.wrk_threads).c_str(), 1);
    progress("writes: gateway (signed, durable)");
    std::string write_text;
    out.write = wrk(gw_port, "/api/v1/applications", {"-s", (dir.path / "creates.lua").string()}, &write_text);
    // Requests a wrk thread sent after running out of its share were
    // repeats, refused as replayed nonces: neither successes nor errors.
    std::smatch wm;
    if (std::regex_search(write_text, wm, std::regex(R"(kiosktwin-wrapped: ([0-9]+))"))) {
        const std::uint64_t wrapped = std::stoull(wm[1]);
        if (wrapped > 0) progress("note: " + std::to_string(wrapped) + " repeated requests after the signed ones ran out, not counted");
        out.write.errors -= std::min(out.write.errors, wrapped);
    }
    gw.stop();
    nginx.stop();
    Journal j(lo.db_path);
    out.journal_entries = j.size();
    return out;
}

}  // namespace kiosktwin::server
