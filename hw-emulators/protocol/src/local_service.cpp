#include <kiosktwin/protocol/local_service.hpp>

#include <kiosktwin/protocol/base64.hpp>
#include <kiosktwin/protocol/json_text.hpp>
#include <kiosktwin/protocol/sam.hpp>

#include <algorithm>
#include <cmath>

namespace kiosktwin::protocol::local_service {

using nlohmann::json;

namespace {

constexpr std::size_t k_max_target = 4096;

// JSON text as sent: UTF-8 kept, anything ill-formed in strings replaced by U+FFFD.
std::string to_text(const json& j) { return dump_json(j, json::error_handler_t::replace); }

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '%') {
            if (i + 2 >= s.size()) return std::nullopt;
            const int hi = hex_value(s[i + 1]);
            const int lo = hex_value(s[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            const char d = static_cast<char>(hi * 16 + lo);
            if (d == '\0') return std::nullopt;
            out.push_back(d);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out.push_back(' ');
        } else if (c == '\0') {
            return std::nullopt;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

// Parses a POST body into `out` with nlohmann's strict parser (RFC 8259,
// UTF-8 only), nesting at most k_max_json_depth deep; nullopt, or why not.
// The levels of arrays and objects in `j` (a scalar has none).
std::size_t nesting(const json& j) {
    if (!j.is_structured()) return 0;
    std::size_t deepest = 0;
    for (const json& v : j) deepest = std::max(deepest, nesting(v));
    return deepest + 1;
}

std::optional<std::string> parse_body(std::string_view body, json& out) {
    // Well-formed bodies are read by the fast path (the same value); only
    // their depth is left to check. Everything else goes the long way round.
    if (auto fast = parse_json_fast(body)) {
        if (nesting(*fast) > k_max_json_depth) return "nested more than " + std::to_string(k_max_json_depth) + " levels deep";
        out = std::move(*fast);
        return std::nullopt;
    }
    struct TooDeep {};
    try {
        out = json::parse(body, [](int depth, json::parse_event_t event, json&) {
            const bool opens = event == json::parse_event_t::object_start || event == json::parse_event_t::array_start;
            if (opens && depth >= static_cast<int>(k_max_json_depth)) throw TooDeep{};
            return true;
        });
        return std::nullopt;
    } catch (const TooDeep&) {
        return "nested more than " + std::to_string(k_max_json_depth) + " levels deep";
    } catch (const json::exception& e) {
        // Without nlohmann's "[json.exception.parse_error.101] " prefix, and short: its
        // message quotes the token it stopped in, which may be megabytes long.
        const std::string_view what = e.what();
        const std::size_t id_end = what.find("] ");
        std::string why(id_end == std::string_view::npos ? what : what.substr(id_end + 2));
        if (why.size() > 200) why.replace(200, std::string::npos, "...");
        return why;
    }
}

struct ErrorRow {
    ServiceError e;
    const char* name;
    int code;
};
constexpr ErrorRow k_errors[] = {
    {ServiceError::bad_json, "bad_json", 40001},
    {ServiceError::invalid_field, "invalid_field", 40002},
    {ServiceError::not_found, "not_found", 40401},
    {ServiceError::method_not_allowed, "method_not_allowed", 40501},
    {ServiceError::payload_too_large, "payload_too_large", 41301},
    {ServiceError::not_open, "not_open", 40901},
    {ServiceError::device_busy, "device_busy", 40902},
    {ServiceError::not_initialised, "not_initialised", 40903},
    {ServiceError::no_session, "no_session", 40904},
    {ServiceError::session_active, "session_active", 40905},
    {ServiceError::no_card, "no_card", 40906},
    {ServiceError::pin_blocked, "pin_blocked", 40907},
    {ServiceError::key_not_loaded, "key_not_loaded", 40908},
    {ServiceError::empty_signature, "empty_signature", 42201},
    {ServiceError::card_reversed, "card_reversed", 42202},
    {ServiceError::card_reported_lost, "card_reported_lost", 42203},
    {ServiceError::cancelled, "cancelled", 42204},
    {ServiceError::hardware_error, "hardware_error", 50001},
    {ServiceError::psam_missing, "psam_missing", 50002},
    {ServiceError::card_read_error, "card_read_error", 50003},
    {ServiceError::device_absent, "device_absent", 50301},
    {ServiceError::timeout, "timeout", 50401},
};

const ErrorRow& row(ServiceError e) noexcept {
    for (const auto& r : k_errors)
        if (r.e == e) return r;
    return k_errors[0];
}

bool in_list(std::string_view value, std::string_view list) {
    while (!list.empty()) {
        const std::size_t bar = list.find('|');
        if (list.substr(0, bar) == value) return true;
        if (bar == std::string_view::npos) break;
        list.remove_prefix(bar + 1);
    }
    return false;
}

// The member `name` of an object, or nullptr (also when `body` is not an object).
const json* member(const json& body, std::string_view name) {
    const auto it = body.find(name);
    return it == body.end() ? nullptr : &*it;
}

std::string describe_range(double min, double max, const char* unit) {
    std::string s;
    const auto num = [](double d) {
        if (d == std::floor(d) && std::fabs(d) < 1e15) return std::to_string(static_cast<long long>(d));
        return std::to_string(d);
    };
    if (std::isfinite(min) && std::isfinite(max)) s = num(min) + ".." + num(max);
    else if (std::isfinite(min)) s = ">= " + num(min);
    else s = "<= " + num(max);
    if (unit[0] != '\0') s += std::string(" ") + unit;
    return s;
}

}  // namespace

bool valid_utf8(std::string_view text) noexcept { return is_valid_utf8(text); }

std::string sanitise_utf8(std::string_view s) {
    if (is_valid_utf8(s)) return std::string(s);
    // nlohmann's serialiser replaces each ill-formed sequence with U+FFFD; read its output back.
    return json::parse(to_text(json(std::string(s)))).get<std::string>();
}

// --- Errors and the envelope ---------------------------------------------------------------

const char* to_string(ServiceError e) noexcept { return row(e).name; }
int numeric_code(ServiceError e) noexcept { return row(e).code; }
int http_status(ServiceError e) noexcept { return row(e).code / 100; }

std::string ok_body(const json& data) { return to_text(json{{"code", 0}, {"msg", "ok"}, {"data", data}}); }

std::string error_body(ServiceError e, std::string_view message, const json& extra) {
    json error = extra.is_object() ? extra : json::object();
    error["code"] = to_string(e);
    error["message"] = message;
    return to_text(json{{"code", numeric_code(e)}, {"msg", message}, {"error", std::move(error)}});
}

std::pair<std::string, std::string> cors_header() { return {"Access-Control-Allow-Origin", "*"}; }

ServiceReply ok_reply(const json& data) { return ServiceReply{200, ok_body(data), {cors_header()}}; }

ServiceReply error_reply(ServiceError e, std::string_view message, const json& extra) {
    return ServiceReply{http_status(e), error_body(e, message, extra), {cors_header()}};
}

ServiceReply error_reply(const Failure& f, const json& extra) { return error_reply(f.error, f.message, extra); }

// --- Targets and routes -----------------------------------------------------------------------

std::optional<Target> parse_target(std::string_view target) {
    if (target.empty() || target.front() != '/' || target.size() > k_max_target) return std::nullopt;
    const std::size_t q = target.find('?');
    std::string_view path = target.substr(0, q);
    if (const std::size_t hash = path.find('#'); hash != std::string_view::npos) path = path.substr(0, hash);
    Target t;
    auto decoded = percent_decode(path, false);
    if (!decoded) return std::nullopt;
    t.path = std::move(*decoded);
    if (t.path.size() > 1 && t.path.back() == '/') t.path.pop_back();
    if (q != std::string_view::npos) {
        std::string_view query = target.substr(q + 1);
        if (const std::size_t hash = query.find('#'); hash != std::string_view::npos) query = query.substr(0, hash);
        while (!query.empty()) {
            const std::size_t amp = query.find('&');
            const std::string_view pair = query.substr(0, amp);
            if (!pair.empty()) {
                const std::size_t eq = pair.find('=');
                auto k = percent_decode(pair.substr(0, eq), true);
                auto v = percent_decode(eq == std::string_view::npos ? std::string_view{} : pair.substr(eq + 1), true);
                if (!k || !v) return std::nullopt;
                t.query.emplace_back(std::move(*k), std::move(*v));
            }
            if (amp == std::string_view::npos) break;
            query.remove_prefix(amp + 1);
        }
    }
    return t;
}

Routed route_request(std::span<const Route> routes, std::string_view method, std::string_view target,
                     std::string_view body) {
    Routed r;
    auto t = parse_target(target);
    if (!t) {
        r.reply = error_reply(ServiceError::not_found, "malformed request target");
        return r;
    }
    r.target = std::move(*t);
    std::string allow;
    bool found = false;
    for (std::size_t i = 0; i < routes.size(); ++i) {
        if (routes[i].path != r.target.path) continue;
        if (std::find_if(routes.begin(), routes.begin() + static_cast<std::ptrdiff_t>(i),
                         [&](const Route& x) { return x.path == routes[i].path && x.method == routes[i].method; }) ==
            routes.begin() + static_cast<std::ptrdiff_t>(i)) {
            if (!allow.empty()) allow += ", ";
            allow += routes[i].method;
        }
        if (routes[i].method == method && !found) {
            found = true;
            r.route = i;
        }
    }
    if (allow.empty()) {
        r.reply = error_reply(ServiceError::not_found, "no such path: " + r.target.path);
        return r;
    }
    if (method == "OPTIONS") {
        allow += ", OPTIONS";
        r.reply = ServiceReply{204, "", {cors_header(), {"Access-Control-Allow-Methods", allow},
                                         {"Access-Control-Allow-Headers", "Content-Type"}, {"Allow", allow}}};
        return r;
    }
    if (!found) {
        const std::string m(method.substr(0, 32));
        r.reply =
            error_reply(ServiceError::method_not_allowed, "method \"" + m + "\" not allowed here; allowed: " + allow);
        r.reply->headers.emplace_back("Allow", allow);
        return r;
    }
    if (method != "POST") return r;
    if (body.size() > k_max_body_bytes) {
        r.reply = error_reply(ServiceError::payload_too_large,
                              "body of " + std::to_string(body.size()) + " bytes; at most " +
                                  std::to_string(k_max_body_bytes));
        return r;
    }
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return r;  // empty: {}
    json v;
    if (auto why = parse_body(body, v)) {
        r.reply = error_reply(ServiceError::bad_json, "the body is not valid JSON: " + *why);
        return r;
    }
    if (!v.is_object()) {
        r.reply = error_reply(ServiceError::bad_json, "the body must be a JSON object");
        return r;
    }
    r.body = std::move(v);
    return r;
}

// --- Field checks ----------------------------------------------------------------------------------

std::optional<Failure> check_fields(const json& body, std::span<const FieldSpec> fields) {
    const auto bad = [](std::string_view name, const std::string& why) {
        // Appended piece by piece: g++ 12 warns falsely (-Wrestrict) on "x" + std::string.
        std::string m;
        m.reserve(name.size() + why.size() + 3);
        m.push_back('"');
        m.append(name);
        m.append("\" ");
        m.append(why);
        return Failure{ServiceError::invalid_field, std::move(m)};
    };
    if (!body.is_object()) return Failure{ServiceError::bad_json, "the body must be a JSON object"};
    for (const FieldSpec& f : fields) {
        const json* v = member(body, f.name);
        if (v == nullptr || v->is_null()) {
            if (f.required) return bad(f.name, "is required");
            continue;
        }
        switch (f.type) {
        case FieldType::boolean:
            if (!v->is_boolean()) return bad(f.name, "must be true or false");
            break;
        case FieldType::integer:
        case FieldType::number: {
            if (f.type == FieldType::integer && !v->is_number_integer()) return bad(f.name, "must be an integer");
            if (!v->is_number()) return bad(f.name, "must be a number");
            const double d = v->get<double>();
            if (d < f.min || d > f.max) return bad(f.name, "must be in " + describe_range(f.min, f.max, ""));
            break;
        }
        case FieldType::array:
            if (!v->is_array()) return bad(f.name, "must be an array");
            if (static_cast<double>(v->size()) < f.min || static_cast<double>(v->size()) > f.max)
                return bad(f.name, "must have " + describe_range(f.min, f.max, "elements"));
            break;
        case FieldType::string:
        case FieldType::digits:
        case FieldType::base64: {
            if (!v->is_string()) return bad(f.name, "must be a string");
            const auto& s = v->get_ref<const std::string&>();
            if (f.type == FieldType::base64) {
                const auto size = base64_decoded_size(s);  // checked, not decoded: the handler decodes what it uses
                if (!size) return bad(f.name, "must be Base64");
                if (static_cast<double>(*size) < f.min || static_cast<double>(*size) > f.max)
                    return bad(f.name, "must decode to " + describe_range(f.min, f.max, "bytes"));
                break;
            }
            if (f.type == FieldType::digits &&
                !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
                return bad(f.name, "must be decimal digits");
            if (static_cast<double>(s.size()) < f.min || static_cast<double>(s.size()) > f.max)
                return bad(f.name, "must have " + describe_range(f.min, f.max, "characters"));
            if (!f.one_of.empty() && !in_list(s, f.one_of))
                return bad(f.name, "must be one of " + std::string(f.one_of));
            break;
        }
        }
    }
    return std::nullopt;
}

std::string string_field(const json& body, std::string_view name, std::string_view fallback) {
    const json* v = member(body, name);
    return v && v->is_string() ? v->get<std::string>() : std::string(fallback);
}

double number_field(const json& body, std::string_view name, double fallback) {
    const json* v = member(body, name);
    return v && v->is_number() ? v->get<double>() : fallback;
}

bool bool_field(const json& body, std::string_view name, bool fallback) {
    const json* v = member(body, name);
    return v && v->is_boolean() ? v->get<bool>() : fallback;
}

std::optional<Bytes> base64_field(const json& body, std::string_view name) {
    const json* v = member(body, name);
    if (!v || !v->is_string()) return std::nullopt;
    return base64_decode(v->get_ref<const std::string&>());
}

}  // namespace kiosktwin::protocol::local_service
