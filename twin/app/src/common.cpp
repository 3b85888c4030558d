#include "common.hpp"

#include <openssl/evp.h>

#include <fmt/core.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace kiosktwin::app {

std::string sha256_hex(const std::string& text) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("SHA-256 failed");
    std::string hex;
    hex.reserve(len * 2);
    for (unsigned i = 0; i < len; ++i) hex += fmt::format("{:02x}", md[i]);
    return hex;
}

LoadedScenario load_scenario(const std::string& file, const std::vector<std::string>& overrides, bool hall_as_world) {
    LoadedScenario out;
    out.file = file;
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        out.problems.push_back({"", "cannot open " + file});
        return out;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    nlohmann::json doc;
    if (auto p = world::parse_json(ss.str(), doc)) {
        out.problems.push_back(*p);
        return out;
    }
    for (const std::string& o : overrides) {
        if (!doc.is_object()) break;
        if (auto p = world::apply_override(doc, o)) out.problems.push_back(*p);
    }
    if (!out.problems.empty()) return out;
    // Either kind: the problems, or the scenario with its effective document and hash.
    auto take = [&out](auto&& load, auto& into) {
        out.problems = std::move(load.validated.problems);
        if (!load.scenario) return;
        out.effective = std::move(load.validated.effective);
        out.sha256 = sha256_hex(out.effective.dump());
        into = std::move(load.scenario);
    };
    if (world::is_site_scenario(doc) || hall_as_world) take(world::load_site_scenario(doc), out.sites);
    else take(world::load_hall_scenario(doc), out.scenario);
    return out;
}

std::size_t display_width(std::string_view text) {
    std::size_t width = 0;
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        const std::size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        char32_t cp = len == 1 ? c : c & (0x7F >> len);
        for (std::size_t k = 1; k < len && i + k < text.size(); ++k)
            cp = (cp << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
        const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                          (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                          (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                          (cp >= 0xFFE0 && cp <= 0xFFE6);
        width += wide ? 2 : 1;
        i += len;
    }
    return width;
}

std::string pad(std::string_view text, std::size_t width, bool align_right) {
    const std::size_t w = display_width(text);
    const std::string fill(w < width ? width - w : 0, ' ');
    return align_right ? fill + std::string(text) : std::string(text) + fill;
}

void write_file(const std::filesystem::path& path, const std::string& bytes) {
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path());
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!f) throw std::runtime_error("cannot write " + path.string());
}

void write_json_out(const std::string& path, const nlohmann::json& result) {
    if (!path.empty()) write_file(path, result.dump(2) + "\n");
}

bool one_shard_set(const std::vector<nlohmann::json>& parts, const std::vector<std::string>& files, const char* body,
                   const char* what, const char* differ) {
    auto header_of = [body](nlohmann::json h) {
        h.erase("shard");
        h.erase(body);
        return h;
    };
    const nlohmann::json header = header_of(parts.front());
    const auto count = parts.front()["shard"].value("count", 0u);
    std::vector<int> seen(count, 0);
    for (std::size_t i = 0; i < parts.size(); ++i) {
        if (header_of(parts[i]) != header) {
            fmt::print(stderr, "{}: a shard of another {} than {} ({} differ)\n", files[i], what, files[0], differ);
            return false;
        }
        const auto index = parts[i]["shard"].value("index", 0u);
        const auto of = parts[i]["shard"].value("count", 0u);
        if (of != count || index >= count) {
            fmt::print(stderr, "{}: shard {}/{} does not belong with shards of {}\n", files[i], index, of, count);
            return false;
        }
        if (++seen[index] > 1) {
            fmt::print(stderr, "{}: shard {}/{} is given twice\n", files[i], index, count);
            return false;
        }
    }
    for (std::uint32_t i = 0; i < count; ++i)
        if (seen[i] == 0) {
            fmt::print(stderr, "shard {}/{} is missing\n", i, count);
            return false;
        }
    return true;
}

std::string utc_now() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&now, &tm);
    char when[32];
    std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return when;
}

bool stderr_is_tty() { return ::isatty(STDERR_FILENO) == 1; }

Progress::Progress(std::string what, bool enabled) : m_what(std::move(what)), m_enabled(enabled) {}

Progress::~Progress() { finish(); }

void Progress::finish() {
    if (m_drawn) std::fputs("\r\033[K", stderr);
    m_drawn = false;
}

void Progress::update(std::size_t done, std::size_t total) {
    if (!m_enabled || total == 0) return;
    constexpr int width = 30;
    const int filled = static_cast<int>(width * done / total);
    fmt::print(stderr, "\r{} [{}{}] {}/{}", m_what, std::string(static_cast<std::size_t>(filled), '#'),
               std::string(static_cast<std::size_t>(width - filled), '.'), done, total);
    std::fflush(stderr);
    m_drawn = true;
}

void print_json(const nlohmann::json& j) { std::cout << j.dump() << '\n'; }

JsonFile read_json_file(const std::string& path, double wait_s, nlohmann::json& out, const std::function<void()>& on_wait) {
    const auto give_up = std::chrono::steady_clock::now() + std::chrono::duration<double>(wait_s);
    for (bool told = false;;) {
        std::ifstream in(path, std::ios::binary);
        const bool opened = static_cast<bool>(in);
        if (opened) {
            std::ostringstream ss;
            ss << in.rdbuf();
            out = nlohmann::json::parse(ss.str(), nullptr, false);
            if (!out.is_discarded()) return JsonFile::ok;
        }
        if (std::chrono::steady_clock::now() >= give_up) return opened ? JsonFile::malformed : JsonFile::missing;
        if (!told && on_wait) on_wait();
        told = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

}  // namespace kiosktwin::app
