// What the tests of the kiosktwin program share: where the sources and the
// program are, and running it from the repository root.
#pragma once

#include "run_command.hpp"

#include <string>

namespace kiosktwin::test {

inline const std::string k_src = KIOSKTWIN_SOURCE_DIR;
inline const std::string k_bin = std::string(KIOSKTWIN_BIN_DIR) + "/kiosktwin";

/// `kiosktwin ARGS` (a shell command line) run from the repository root.
inline CommandResult kt(const std::string& args) { return run_command("'" + k_bin + "' " + args, k_src); }

}  // namespace kiosktwin::test
