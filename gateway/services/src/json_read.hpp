// Reading the back-ends' stored JSON back (not a public header): each reader
// throws std::invalid_argument naming the JSON path of the bad member, e.g.
// "/applications/3/state: unknown value sent".
#pragma once

#include "text.hpp"

#include <kiosktwin/sim/calendar.hpp>
#include <kiosktwin/sim/time.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::services::detail {

using nlohmann::json;

[[noreturn]] inline void bad(const std::string& path, std::string_view what) {
    throw std::invalid_argument(cat(path, ": ", what));
}

inline const json& member(const json& j, const std::string& path, const char* key) {
    if (!j.is_object()) bad(path, "expected an object");
    const auto it = j.find(key);
    if (it == j.end()) bad(cat(path, "/", key), "missing");
    return *it;
}

inline std::string get_string(const json& j, const std::string& path, const char* key) {
    const json& v = member(j, path, key);
    if (!v.is_string()) bad(cat(path, "/", key), "expected a string");
    return v.get<std::string>();
}

inline std::int64_t get_int(const json& j, const std::string& path, const char* key) {
    const json& v = member(j, path, key);
    if (!v.is_number_integer()) bad(cat(path, "/", key), "expected an integer");
    return v.get<std::int64_t>();
}

inline std::uint64_t get_uint(const json& j, const std::string& path, const char* key) {
    const json& v = member(j, path, key);
    if (!v.is_number_unsigned()) bad(cat(path, "/", key), "expected an unsigned integer");
    return v.get<std::uint64_t>();
}

inline bool get_bool(const json& j, const std::string& path, const char* key) {
    const json& v = member(j, path, key);
    if (!v.is_boolean()) bad(cat(path, "/", key), "expected a boolean");
    return v.get<bool>();
}

inline const json& get_array(const json& j, const std::string& path, const char* key) {
    const json& v = member(j, path, key);
    if (!v.is_array()) bad(cat(path, "/", key), "expected an array");
    return v;
}

inline std::vector<std::string> get_strings(const json& j, const std::string& path, const char* key) {
    std::vector<std::string> out;
    const json& a = get_array(j, path, key);
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (!a[i].is_string()) bad(cat(path, "/", key, "/", std::to_string(i)), "expected a string");
        out.push_back(a[i].get<std::string>());
    }
    return out;
}

/// An enumerator by its name, through the enum's own parser.
template <class E>
E get_enum(const json& j, const std::string& path, const char* key, std::optional<E> (*parser)(std::string_view) noexcept) {
    const std::string s = get_string(j, path, key);
    const auto v = parser(s);
    if (!v) bad(cat(path, "/", key), cat("unknown value ", s));
    return *v;
}

/// A GB/T 7408 date-time; null gives nullopt when `nullable`.
inline std::optional<sim::Time> get_optional_time(const json& j, const std::string& path, const char* key,
                                                  const sim::Calendar& cal, bool nullable = true) {
    const json& v = member(j, path, key);
    if (v.is_null() && nullable) return std::nullopt;
    if (!v.is_string()) bad(cat(path, "/", key), "expected a GB/T 7408 date-time");
    const auto t = cal.parse_iso8601(v.get<std::string>());
    if (!t) bad(cat(path, "/", key), "expected a GB/T 7408 date-time");
    return t;
}

inline sim::Time get_time(const json& j, const std::string& path, const char* key, const sim::Calendar& cal) {
    return *get_optional_time(j, path, key, cal, false);
}

}  // namespace kiosktwin::services::detail
