// A `kiosktwin serve` child process for end-to-end tests: started on the
// first free port block of a list (a bench whose ports are taken exits at
// once, "address already in use", and the next block is tried), ready once
// its --json endpoints are on stdout, stopped with SIGINT. It records every
// exchange to <dir>/trace.jsonl. Every wait is bounded.
#pragma once

#include "run_command.hpp"

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace kiosktwin::test {

class ServeProcess {
public:
    /// `tag` names the scratch directory; `port_bases` are tried in order.
    ServeProcess(const std::string& bin, const std::string& source_dir, const std::string& tag, const std::vector<int>& port_bases)
        : m_bin(bin), m_src(source_dir),
          m_dir(std::filesystem::temp_directory_path() / ("kiosktwin-" + tag + "-" + std::to_string(::getpid()))) {
        for (const int base : port_bases)
            if (!start(base)) break;
        const std::string err = stderr_text();
        if (!m_endpoints.is_object()) std::filesystem::remove_all(m_dir);  // no destructor runs if this fails
        INFO(err);
        REQUIRE(m_endpoints.is_object());
    }
    ~ServeProcess() {
        if (m_pid > 0) {
            ::kill(m_pid, SIGINT);
            int status = 0;
            ::waitpid(m_pid, &status, 0);
        }
        std::filesystem::remove_all(m_dir);
    }
    ServeProcess(const ServeProcess&) = delete;
    ServeProcess& operator=(const ServeProcess&) = delete;

    /// Ctrl-C: returns the exit code (the bench must exit 0), or -1 if it
    /// did not exit within 5 s.
    int interrupt() {
        ::kill(m_pid, SIGINT);
        int status = 0;
        for (int i = 0; i < 100; ++i) {
            if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
                m_pid = -1;
                return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        return -1;
    }
    const nlohmann::json& endpoints() const { return m_endpoints; }
    /// The endpoint of a device ("kiosk-1/receipt"), or null.
    nlohmann::json endpoint(const std::string& device) const {
        for (const auto& k : m_endpoints["kiosks"])
            for (const auto& e : k["endpoints"])
                if (e.value("device", "") == device) return e;
        return nullptr;
    }
    std::string control() const { return m_endpoints["control"].get<std::string>(); }
    std::filesystem::path dir() const { return m_dir; }
    int port_base() const { return m_port_base; }
    std::string stderr_text() const { return slurp((m_dir / "serve.err").string()); }

private:
    /// Starts the bench on `port_base`. Returns whether another block is
    /// worth a try: the bench exited before it was ready (its ports are
    /// taken). A bench that neither gets ready nor exits is killed.
    bool start(int port_base) {
        std::filesystem::remove_all(m_dir);
        std::filesystem::create_directories(m_dir);
        m_port_base = port_base;
        const std::string out = (m_dir / "serve.out").string();
        std::string cmd = "exec '";
        cmd.append(m_bin).append("' serve scenarios/bench-default.json --port-base ").append(std::to_string(port_base));
        cmd.append(" --run-dir '").append((m_dir / "run").string()).append("' --trace '");
        cmd.append((m_dir / "trace.jsonl").string()).append("' --duration 240 --json >'").append(out);
        cmd.append("' 2>'").append((m_dir / "serve.err").string()).append("'");
        const char* argv[] = {"/bin/sh", "-c", cmd.c_str(), nullptr};
        posix_spawn_file_actions_t fa;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addchdir_np(&fa, m_src.c_str());
        REQUIRE(posix_spawn(&m_pid, "/bin/sh", &fa, nullptr, const_cast<char**>(argv), environ) == 0);
        posix_spawn_file_actions_destroy(&fa);
        for (int i = 0; i < 200; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            const std::string s = slurp(out);
            if (!s.empty() && s.back() == '\n') {
                m_endpoints = nlohmann::json::parse(s);
                return false;
            }
            int status = 0;
            if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
                m_pid = -1;
                return true;
            }
        }
        ::kill(m_pid, SIGKILL);
        int status = 0;
        ::waitpid(m_pid, &status, 0);
        m_pid = -1;
        return false;
    }

    std::string m_bin;
    std::string m_src;
    std::filesystem::path m_dir;
    pid_t m_pid = -1;
    int m_port_base = 0;
    nlohmann::json m_endpoints;
};

}  // namespace kiosktwin::test
