// Runs a shell command for end-to-end tests of the kiosktwin program and
// captures its exit code, stdout and stderr.
#pragma once

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace kiosktwin::test {

struct CommandResult {
    int exit_code = -1;
    std::string out;
    std::string err;
};

inline std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::ostringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

/// Runs `command` with /bin/sh in `cwd`; stdout and stderr go to temporary
/// files that are read back. The command is bounded by `timeout_s`.
inline CommandResult run_command(const std::string& command, const std::string& cwd, int timeout_s = 300) {
    char out_path[] = "/tmp/kiosktwin-test-out-XXXXXX";
    char err_path[] = "/tmp/kiosktwin-test-err-XXXXXX";
    const int fo = ::mkstemp(out_path);
    const int fe = ::mkstemp(err_path);
    ::close(fo);
    ::close(fe);
    const std::string full = "cd '" + cwd + "' && timeout " + std::to_string(timeout_s) + " sh -c '" + [&] {
        std::string q;
        for (char c : command) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
        return q;
    }() + "' >" + out_path + " 2>" + err_path;
    const int status = std::system(full.c_str());
    CommandResult r;
    r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = slurp(out_path);
    r.err = slurp(err_path);
    ::unlink(out_path);
    ::unlink(err_path);
    return r;
}

}  // namespace kiosktwin::test
