#include <kiosktwin/world/knobs.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

namespace kiosktwin::world {
namespace {

using nlohmann::json;

std::string number_text(double x) {
    if (std::isfinite(x) && x == std::floor(x) && std::fabs(x) < 1e15) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.0f", x);
        return buf;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", x);
    return buf;
}

std::string range_text(const Knob& k) {
    const bool lo = k.min.has_value();
    const bool hi = k.max.has_value();
    if (lo && hi && !k.min_exclusive) return "from " + number_text(*k.min) + " to " + number_text(*k.max);
    std::string s;
    if (lo) s += std::string(k.min_exclusive ? "> " : "\u2265 ") + number_text(*k.min);
    if (hi) s += std::string(lo ? " and " : "") + "\u2264 " + number_text(*k.max);
    return s;
}

bool in_range(const Knob& k, double x) {
    if (!std::isfinite(x)) return false;
    if (k.min && (k.min_exclusive ? !(x > *k.min) : !(x >= *k.min))) return false;
    if (k.max && !(x <= *k.max)) return false;
    return true;
}

bool is_integer(const json& v) {
    if (v.is_number_integer()) return true;
    if (v.is_number_float()) {
        const double d = v.get<double>();
        return std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15;
    }
    return false;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        cur[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j)
            cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0u : 1u)});
        std::swap(prev, cur);
    }
    return prev[b.size()];
}

std::string escape_token(const std::string& key) {
    std::string out;
    for (char c : key) {
        if (c == '~') out += "~0";
        else if (c == '/') out += "~1";
        else out += c;
    }
    return out;
}

}  // namespace

KnobSet& KnobSet::add(Knob k) {
    m_knobs.push_back(std::move(k));
    return *this;
}

const Knob* KnobSet::find(std::string_view path) const noexcept {
    for (const Knob& k : m_knobs)
        if (k.path == path) return &k;
    return nullptr;
}

std::string KnobSet::expectation(const Knob& k) {
    const std::string r = range_text(k);
    switch (k.kind) {
    case KnobKind::integer:
        return "an integer" + (r.empty() ? "" : " " + r);
    case KnobKind::number:
        return "a number" + (r.empty() ? "" : " " + r);
    case KnobKind::boolean:
        return "true or false";
    case KnobKind::string: {
        if (k.choices.empty()) return "a string";
        std::string s = "one of ";
        for (std::size_t i = 0; i < k.choices.size(); ++i) {
            if (i != 0) s += ", ";
            s += '"' + k.choices[i] + '"';
        }
        return s;
    }
    case KnobKind::number_list:
        return "a list of " + std::to_string(k.length) + " numbers" + (r.empty() ? "" : " " + r);
    case KnobKind::object_list:
        return "a list of objects" + (r.empty() ? "" : ", " + r + " of them");
    }
    return "a value";
}

std::string KnobSet::format_default(const Knob& k) {
    const json& d = k.fallback;
    if (d.is_string()) return d.get<std::string>().empty() ? "\"\"" : d.get<std::string>();
    if (d.is_array()) {
        std::string s;
        for (std::size_t i = 0; i < d.size(); ++i) {
            if (i != 0) s += ' ';
            s += number_text(d[i].get<double>());
        }
        return s;
    }
    if (d.is_number()) return number_text(d.get<double>());
    return d.dump();
}

void KnobSet::check_value(const Knob& k, const json& v, std::vector<Problem>& out) const {
    auto fail = [&](const std::string& path) { out.push_back({path, "expected " + expectation(k)}); };
    switch (k.kind) {
    case KnobKind::integer:
        if (!is_integer(v) || !in_range(k, v.get<double>())) fail(k.path);
        return;
    case KnobKind::number:
        if (!v.is_number() || !in_range(k, v.get<double>())) fail(k.path);
        return;
    case KnobKind::boolean:
        if (!v.is_boolean()) fail(k.path);
        return;
    case KnobKind::string:
        if (!v.is_string()) fail(k.path);
        else if (!k.choices.empty() &&
                 std::find(k.choices.begin(), k.choices.end(), v.get<std::string>()) == k.choices.end())
            fail(k.path);
        return;
    case KnobKind::object_list:
        if (!v.is_array() || !in_range(k, static_cast<double>(v.size()))) fail(k.path);
        return;  // the elements are validated by validate()
    case KnobKind::number_list: {
        if (!v.is_array() || v.size() != k.length) {
            fail(k.path);
            return;
        }
        Knob element = k;
        element.kind = KnobKind::number;
        for (std::size_t i = 0; i < v.size(); ++i)
            if (!v[i].is_number() || !in_range(k, v[i].get<double>()))
                out.push_back({k.path + "/" + std::to_string(i), "expected " + expectation(element)});
        return;
    }
    }
}

void KnobSet::find_unknown(const json& v, const std::string& path, std::vector<Problem>& out) const {
    if (find(path) != nullptr) return;  // a knob's own value (lists included) is checked by check_value
    const bool is_prefix = path.empty() || std::any_of(m_knobs.begin(), m_knobs.end(), [&](const Knob& k) {
                               return k.path.size() > path.size() && k.path.compare(0, path.size(), path) == 0 &&
                                      k.path[path.size()] == '/';
                           });
    if (!is_prefix) {
        std::string best;
        std::size_t best_d = 4;  // suggest only close matches
        for (const Knob& k : m_knobs) {
            const std::size_t d = edit_distance(path, k.path);
            if (d < best_d) {
                best_d = d;
                best = k.path;
            }
        }
        out.push_back({path, "unknown setting" + (best.empty() ? std::string() : " (did you mean " + best + "?)")});
        return;
    }
    if (!v.is_object()) {
        out.push_back({path.empty() ? "" : path, "expected an object"});
        return;
    }
    for (auto it = v.begin(); it != v.end(); ++it) find_unknown(it.value(), path + "/" + escape_token(it.key()), out);
}

Validated KnobSet::validate(const json& doc) const {
    Validated r;
    if (!doc.is_object()) {
        r.problems.push_back({"", "expected a JSON object"});
        return r;
    }
    r.effective = doc;
    find_unknown(doc, "", r.problems);
    for (const Knob& k : m_knobs) {
        const json::json_pointer ptr(k.path);
        if (!doc.contains(ptr)) {
            // Only fill in where the parent is an object (or absent): a wrong
            // parent kind has been reported already.
            try {
                r.effective[ptr] = k.fallback;
            } catch (const json::exception&) {
            }
            continue;
        }
        const json& v = doc.at(ptr);
        check_value(k, v, r.problems);
        if (k.kind == KnobKind::object_list && k.element != nullptr && v.is_array()) {
            for (std::size_t i = 0; i < v.size(); ++i) {
                const std::string at = k.path + "/" + std::to_string(i);
                Validated e = k.element->validate(v[i]);
                for (Problem& p : e.problems) r.problems.push_back({at + p.path, std::move(p.message)});
                if (e.problems.empty()) r.effective[ptr][i] = std::move(e.effective);
            }
        }
    }
    std::stable_sort(r.problems.begin(), r.problems.end(),
                     [](const Problem& a, const Problem& b) { return a.path < b.path; });
    return r;
}

namespace {

// Every knob with its full path, the element knobs of lists as "/sites/*/id".
void flatten(const KnobSet& set, const std::string& prefix, std::vector<std::pair<std::string, const Knob*>>& out) {
    for (const Knob& k : set.knobs()) {
        out.emplace_back(prefix + k.path, &k);
        if (k.kind == KnobKind::object_list && k.element != nullptr) flatten(*k.element, prefix + k.path + "/*", out);
    }
}

json schema_of(const KnobSet& set);

json schema_of(const Knob& k) {
    json s;
    switch (k.kind) {
    case KnobKind::integer: s["type"] = "integer"; break;
    case KnobKind::number: s["type"] = "number"; break;
    case KnobKind::boolean: s["type"] = "boolean"; break;
    case KnobKind::string:
        s["type"] = "string";
        if (!k.choices.empty()) s["enum"] = k.choices;
        break;
    case KnobKind::number_list:
        s["type"] = "array";
        s["minItems"] = k.length;
        s["maxItems"] = k.length;
        s["items"] = {{"type", "number"}};
        if (k.min) s["items"][k.min_exclusive ? "exclusiveMinimum" : "minimum"] = *k.min;
        if (k.max) s["items"]["maximum"] = *k.max;
        break;
    case KnobKind::object_list:
        s["type"] = "array";
        if (k.min) s["minItems"] = static_cast<std::uint64_t>(*k.min);
        if (k.max) s["maxItems"] = static_cast<std::uint64_t>(*k.max);
        if (k.element != nullptr) s["items"] = schema_of(*k.element);
        break;
    }
    if (k.kind == KnobKind::integer || k.kind == KnobKind::number) {
        if (k.min) s[k.min_exclusive ? "exclusiveMinimum" : "minimum"] = *k.min;
        if (k.max) s["maximum"] = *k.max;
    }
    s["description"] = k.help + (k.unit.empty() ? "" : " [" + k.unit + "]");
    if (k.kind != KnobKind::object_list || !k.fallback.empty()) s["default"] = k.fallback;
    return s;
}

// The nested objects of a set's paths, each knob at its leaf.
json schema_of(const KnobSet& set) {
    json root{{"type", "object"}, {"additionalProperties", false}, {"properties", json::object()}};
    for (const Knob& k : set.knobs()) {
        json* node = &root;
        std::string_view rest(k.path);
        rest.remove_prefix(1);
        for (;;) {
            const auto slash = rest.find('/');
            const std::string key(rest.substr(0, slash));
            if (slash == std::string_view::npos) {
                (*node)["properties"][key] = schema_of(k);
                break;
            }
            json& child = (*node)["properties"][key];
            if (child.is_null()) child = {{"type", "object"}, {"additionalProperties", false}, {"properties", json::object()}};
            node = &child;
            rest.remove_prefix(slash + 1);
        }
    }
    return root;
}

}  // namespace

std::string KnobSet::help_table() const {
    std::vector<std::pair<std::string, const Knob*>> all;
    flatten(*this, "", all);
    std::ostringstream os;
    std::size_t w = 0;
    for (const auto& [path, k] : all) w = std::max(w, path.size());
    for (const auto& [path, k] : all) {
        os << "  " << path << std::string(w - path.size() + 2, ' ') << k->help;
        if (!k->unit.empty()) os << " [" << k->unit << "]";
        os << "\n" << std::string(w + 4, ' ');
        if (k->kind != KnobKind::object_list) os << "default " << format_default(*k) << "; ";
        os << expectation(*k) << "\n";
    }
    return os.str();
}

json KnobSet::json_schema(const std::string& title) const {
    json s = schema_of(*this);
    s["$schema"] = "https://json-schema.org/draft/2020-12/schema";
    s["title"] = title;
    return s;
}

std::optional<Problem> apply_override(json& doc, std::string_view assignment) {
    const auto eq = assignment.find('=');
    if (eq == std::string_view::npos || eq == 0)
        return Problem{"", "override '" + std::string(assignment) + "' is not of the form path=value"};
    std::string key(assignment.substr(0, eq));
    const std::string value(assignment.substr(eq + 1));
    if (key.front() != '/') {
        std::replace(key.begin(), key.end(), '.', '/');
        key.insert(key.begin(), '/');
    }
    json v;
    try {
        v = json::parse(value);
    } catch (const json::exception&) {
        v = value;  // a bare word is a string
    }
    try {
        doc[json::json_pointer(key)] = std::move(v);
    } catch (const json::exception& e) {
        return Problem{key, std::string("cannot set: ") + e.what()};
    }
    return std::nullopt;
}

std::optional<Problem> parse_json(std::string_view text, json& out) {
    try {
        out = json::parse(text.begin(), text.end());
        return std::nullopt;
    } catch (const json::parse_error& e) {
        // Byte offset to line and column (1-based), for people.
        std::size_t line = 1, col = 1;
        const std::size_t end = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
        for (std::size_t i = 0; i < end; ++i) {
            if (text[i] == '\n') {
                ++line;
                col = 1;
            } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
                ++col;
            }
        }
        std::string what = e.what();
        if (const auto p = what.find("syntax error"); p != std::string::npos) what = what.substr(p);
        return Problem{"", "line " + std::to_string(line) + ", column " + std::to_string(col) + ": " + what};
    } catch (const json::exception& e) {
        // e.g. a number too large for a double
        std::string what = e.what();
        if (const auto p = what.find("] "); p != std::string::npos) what = what.substr(p + 2);
        return Problem{"", what};
    }
}

}  // namespace kiosktwin::world
