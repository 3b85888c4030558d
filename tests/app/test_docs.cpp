// The user guides cannot rot: every command shown in a ```console block of
// docs/*.md is run (with build/bin on PATH, from the repository root) and
// must exit as the guide says, printing the output lines the guide shows;
// every ```cpp block must appear verbatim in a compiled test source.
//
// In a console block:
//   $ kiosktwin validate scenarios/default.json      a command; it must exit 0
//   $ kiosktwin validate bad.json   # exit 1         ...or the code given
//   scenarios/default.json: valid scenario           shown output: must appear
//   ...                                              (a line of three dots skips)
#include "run_command.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>

using namespace kiosktwin::test;

namespace {

const std::string k_src = KIOSKTWIN_SOURCE_DIR;
const std::string k_bin_dir = KIOSKTWIN_BIN_DIR;

struct DocCommand {
    std::string file;
    int line = 0;
    std::string command;
    int expected_exit = 0;
    std::vector<std::string> shown;
};

std::string trim(std::string s) {
    const auto b = s.find_first_not_of(" \t\r");
    const auto e = s.find_last_not_of(" \t\r");
    return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

std::string squash_spaces(const std::string& s) {
    std::string out;
    bool space = false;
    for (char c : s) {
        if (c == ' ' || c == '\t') {
            space = true;
            continue;
        }
        if (space && !out.empty()) out += ' ';
        space = false;
        out += c;
    }
    return out;
}

struct Doc {
    std::vector<DocCommand> commands;
    std::vector<std::pair<int, std::string>> cpp_blocks;
};

Doc parse_doc(const std::filesystem::path& path) {
    Doc d;
    std::istringstream in(slurp(path.string()));
    std::string line, lang;
    bool in_block = false;
    int n = 0, block_start = 0;
    std::string block;
    const std::regex exit_note(R"(\s+#\s*exit\s+(\d+)\s*$)");
    while (std::getline(in, line)) {
        ++n;
        const std::string t = trim(line);
        if (t.rfind("```", 0) == 0) {
            if (!in_block) {
                in_block = true;
                lang = trim(t.substr(3));
                block.clear();
                block_start = n;
            } else {
                in_block = false;
                if (lang == "cpp") d.cpp_blocks.emplace_back(block_start, block);
            }
            continue;
        }
        if (!in_block) continue;
        block += line + "\n";
        if (lang != "console") continue;
        if (t.rfind("$ ", 0) == 0) {
            DocCommand c{path.filename().string(), n, t.substr(2), 0, {}};
            std::smatch m;
            if (std::regex_search(c.command, m, exit_note)) {
                c.expected_exit = std::stoi(m[1]);
                c.command = c.command.substr(0, static_cast<std::size_t>(m.position(0)));
            }
            d.commands.push_back(c);
        } else if (!t.empty() && t != "..." && !d.commands.empty()) {
            d.commands.back().shown.push_back(squash_spaces(t));
        }
    }
    return d;
}

std::vector<std::filesystem::path> docs() {
    std::vector<std::filesystem::path> out;
    for (const auto& e : std::filesystem::directory_iterator(k_src + "/docs"))
        if (e.path().extension() == ".md") out.push_back(e.path());
    std::sort(out.begin(), out.end());
    return out;
}

}  // namespace

// One section a guide: ctest runs each guide as a test of its own (-c
// NAME.md), two at a time; a guide's commands run in order.
TEST_CASE("every command in the user guides runs as shown", "[docs]") {
    int total = 0;
    for (const auto& path : docs()) {
        const Doc d = parse_doc(path);
        total += static_cast<int>(d.commands.size());
        DYNAMIC_SECTION(path.filename().string()) {
            for (const DocCommand& c : d.commands) {
                INFO(c.file << ":" << c.line << ": $ " << c.command);
                const auto r = run_command("PATH='" + k_bin_dir + "':\"$PATH\"; " + c.command, k_src);
                INFO("stdout:\n" << r.out << "\nstderr:\n" << r.err);
                CHECK(r.exit_code == c.expected_exit);
                const std::string output = squash_spaces(r.out + "\n" + r.err);
                for (const std::string& s : c.shown) {
                    INFO("shown line: " << s);
                    CHECK(output.find(s) != std::string::npos);
                }
            }
        }
    }
    CHECK(total >= 5);
}

// Leading white space of every line removed: a snippet may be dedented.
std::string strip_indent(const std::string& text) {
    std::istringstream in(text);
    std::string line, out;
    while (std::getline(in, line)) out += line.substr(std::min(line.find_first_not_of(" \t"), line.size())) + "\n";
    return out;
}

TEST_CASE("every C++ snippet in the guides is part of a compiled test", "[docs]") {
    // Snippets are cut from compiled tests: tests/sim/test_guide_examples.cpp
    // for the kernel's guide, any test source for the others.
    std::string compiled;
    for (const auto& e : std::filesystem::recursive_directory_iterator(k_src + "/tests"))
        if (e.is_regular_file() && e.path().extension() == ".cpp" && e.path().filename().string().rfind("test_", 0) == 0)
            compiled += strip_indent(slurp(e.path().string()));
    int total = 0;
    for (const auto& path : docs()) {
        for (const auto& [line, block] : parse_doc(path).cpp_blocks) {
            ++total;
            INFO(path.filename().string() << ":" << line << ":\n" << block);
            CHECK(compiled.find(strip_indent(block)) != std::string::npos);
        }
    }
    CHECK(total >= 1);
}
