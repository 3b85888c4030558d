// A `kiosktwin gateway` child process for the live gateway tests: started
// with --json on a port of this test run's block (a port that another
// program holds makes the gateway exit at once, "cannot listen", and the
// next port is tried), ready once its JSON line is on stdout, stopped with
// SIGTERM (graceful) or SIGKILL (the crash test). Every wait is bounded.
//
// Ports: 7000 + (pid % 400) * 8 .. +7, a block of 8 per test process,
// clear of the other tests' ranges (app.e2e_devices 20000-28000, app.cli
// 28100-30537, the trainers' docs 30600-30617, the developers' docs
// 31090-31109, app.e2e_links 31120-32739, app.kiosk_live 2000-6817) and
// below Linux's ephemeral range (32768-60999), where the other tests'
// outgoing connections hold ports. A port some other program holds is the
// "cannot listen" case, retried on the block's next port.
#pragma once

#include "run_command.hpp"

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace kiosktwin::test {

/// The next port of this process's block (cycles through the 8).
inline int next_gateway_port() {
    static int turn = 0;
    return 7000 + static_cast<int>(::getpid() % 400) * 8 + (turn++ % 8);
}

/// A scratch directory, removed at the end.
struct Scratch {
    std::filesystem::path dir;
    explicit Scratch(const std::string& tag) {
        static int n = 0;
        dir = std::filesystem::temp_directory_path() /
              ("kiosktwin-" + tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
    }
    ~Scratch() {
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    std::string path(const std::string& name) const { return (dir / name).string(); }
    /// Writes `text` to a file of the directory; returns its path.
    std::string write(const std::string& name, const std::string& text) const {
        std::ofstream(dir / name, std::ios::binary) << text;
        return path(name);
    }
};

class GatewayProcess {
public:
    /// Starts `bin gateway --port P --json <args>` in `cwd` (the source tree,
    /// for assets/gateway/keys.json); `dir` holds its stdout and stderr.
    GatewayProcess(std::string bin, std::string cwd, std::filesystem::path dir, std::string args)
        : m_bin(std::move(bin)), m_cwd(std::move(cwd)), m_dir(std::move(dir)), m_args(std::move(args)) {
        for (int attempt = 0; attempt < 8; ++attempt)
            if (!start(next_gateway_port())) break;
        INFO("gateway stderr: " << stderr_text());
        REQUIRE(m_ready.is_object());
    }
    ~GatewayProcess() {
        if (m_pid > 0) kill_hard();
    }
    GatewayProcess(const GatewayProcess&) = delete;
    GatewayProcess& operator=(const GatewayProcess&) = delete;

    /// The --json line: {"port", "url", "db", "replayed", "signature_method"}.
    const nlohmann::json& ready() const { return m_ready; }
    int port() const { return m_ready["port"].get<int>(); }
    std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }
    std::string stderr_text() const { return slurp((m_dir / "gateway.err").string()); }
    bool running() const { return m_pid > 0; }

    /// SIGTERM: returns the exit code (0 expected), or -1 if it did not exit
    /// within 10 s (then it is killed).
    int terminate() {
        if (m_pid <= 0) return -1;
        ::kill(m_pid, SIGTERM);
        const int code = reap(std::chrono::seconds(10));
        if (m_pid > 0) kill_hard();
        return code;
    }
    /// kill -9, as a crash.
    void kill_hard() {
        if (m_pid <= 0) return;
        ::kill(m_pid, SIGKILL);
        int status = 0;
        ::waitpid(m_pid, &status, 0);
        m_pid = -1;
    }

private:
    // Exit code once it exited within `limit`, else -1.
    int reap(std::chrono::milliseconds limit) {
        const auto until = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < until) {
            int status = 0;
            if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
                m_pid = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return -1;
    }

    /// Starts on `port`; returns whether another port is worth a try.
    bool start(int port) {
        const std::string out = (m_dir / "gateway.out").string();
        const std::string err = (m_dir / "gateway.err").string();
        std::filesystem::remove(out);
        std::string cmd = "exec '";
        cmd.append(m_bin).append("' gateway --port ").append(std::to_string(port)).append(" --json ").append(m_args);
        cmd.append(" >'").append(out).append("' 2>'").append(err).append("'");
        const char* argv[] = {"/bin/sh", "-c", cmd.c_str(), nullptr};
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addchdir_np(&fa, m_cwd.c_str());
        const int rc = posix_spawn(&m_pid, "/bin/sh", &fa, nullptr, const_cast<char**>(argv), environ);
        posix_spawn_file_actions_destroy(&fa);
        REQUIRE(rc == 0);
        const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(30);
        while (std::chrono::steady_clock::now() < until) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
            const std::string s = slurp(out);
            if (!s.empty() && s.back() == '\n') {
                m_ready = nlohmann::json::parse(s);
                return false;
            }
            int status = 0;
            if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
                m_pid = -1;
                return stderr_text().find("cannot listen") != std::string::npos;
            }
        }
        kill_hard();
        return false;
    }

    std::string m_bin;
    std::string m_cwd;
    std::filesystem::path m_dir;
    std::string m_args;
    pid_t m_pid = -1;
    nlohmann::json m_ready;
};

}  // namespace kiosktwin::test
