#include <kiosktwin/api/validate.hpp>

#include <kiosktwin/api/signing.hpp>

#include <kiosktwin/protocol/base64.hpp>

#include <algorithm>
#include <initializer_list>
#include <limits>
#include <set>
#include <utility>

namespace kiosktwin::api {

using nlohmann::json;

// ---------------------------------------------------------------------------
// UTF-8 and timestamps

std::optional<std::size_t> utf8_length(std::string_view s) noexcept {
    std::size_t n = 0;
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b0 = static_cast<unsigned char>(s[i]);
        std::size_t len = 0;
        std::uint32_t cp = 0;
        std::uint32_t min_cp = 0;
        if (b0 < 0x80) {
            ++i;
            ++n;
            continue;
        } else if ((b0 & 0xE0) == 0xC0) {
            len = 2, cp = b0 & 0x1Fu, min_cp = 0x80;
        } else if ((b0 & 0xF0) == 0xE0) {
            len = 3, cp = b0 & 0x0Fu, min_cp = 0x800;
        } else if ((b0 & 0xF8) == 0xF0) {
            len = 4, cp = b0 & 0x07u, min_cp = 0x10000;
        } else {
            return std::nullopt;  // continuation byte or 0xF8..0xFF as a lead
        }
        if (i + len > s.size()) return std::nullopt;
        for (std::size_t k = 1; k < len; ++k) {
            const auto b = static_cast<unsigned char>(s[i + k]);
            if ((b & 0xC0) != 0x80) return std::nullopt;
            cp = (cp << 6) | (b & 0x3Fu);
        }
        if (cp < min_cp || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
        i += len;
        ++n;
    }
    return n;
}

namespace {

// A value for a reason text: quoted when it is short UTF-8, else nothing
// (a reason must stay valid UTF-8 and must not echo large or personal data).
std::string quoted(const json& v) {
    if (v.is_string()) {
        const auto& s = v.get_ref<const std::string&>();
        const auto n = utf8_length(s);
        if (!n || *n > 32) return "the value";
        std::string out("\"");
        out.append(s).append("\"");
        return out;
    }
    std::string d = v.dump();
    return d.size() > 32 ? std::string("the value") : d;
}

std::string type_name(const json& v) {
    switch (v.type()) {
        case json::value_t::object: return "an object";
        case json::value_t::array: return "an array";
        case json::value_t::string: return "a string";
        case json::value_t::boolean: return "a boolean";
        case json::value_t::number_integer:
        case json::value_t::number_unsigned: return "an integer";
        case json::value_t::number_float: return "a number";
        default: return "null";
    }
}

std::string expected(std::string_view what, const json& got) {
    std::string r("expected ");
    r.append(what).append(", got ").append(type_name(got));
    return r;
}

}  // namespace

std::optional<sim::Calendar> parse_timestamp(std::string_view text, Offset offset) {
    const std::string_view off = timestamp_offset(text);
    if (off.empty()) return std::nullopt;
    if (offset == Offset::china && off != "+08:00") return std::nullopt;
    return sim::Calendar::from_iso8601(text);
}

// ---------------------------------------------------------------------------
// Checker

Checker::Checker(const json& body) : m_body(body) {}

Checker& Checker::today(protocol::CivilDate date) {
    m_today = date;
    return *this;
}

Checker& Checker::fail(ErrorCode code, std::string_view path, std::string_view reason) {
    m_problems.push_back(Problem{code, std::string(path), std::string(reason)});
    return *this;
}

std::optional<Problem> Checker::first_error() const {
    if (m_problems.empty()) return std::nullopt;
    return m_problems.front();
}

bool Checker::blocked(std::string_view path) const {
    for (const auto& p : m_problems) {
        const std::string& b = p.path;
        if (b.empty() && p.code != ErrorCode::bad_field) continue;  // a caller's non-field problem
        if (b.empty() || path == b || (path.size() > b.size() && path.starts_with(b) && path[b.size()] == '/'))
            return true;
    }
    return false;
}

Checker::Found Checker::find(std::string_view path, Presence p) {
    (void)json::json_pointer(std::string(path));  // throws on a malformed pointer
    if (blocked(path)) return {Lookup::skipped};
    const json* cur = &m_body;
    std::size_t pos = 0;  // path[0, pos) is the prefix walked so far
    while (pos < path.size()) {
        const std::size_t next = path.find('/', pos + 1);
        const std::size_t end = next == std::string_view::npos ? path.size() : next;
        std::string token(path.substr(pos + 1, end - pos - 1));
        for (std::size_t k = 0; (k = token.find('~', k)) != std::string::npos; ++k)
            token.replace(k, 2, token[k + 1] == '1' ? "/" : "~");
        if (cur->is_null()) {
            cur = nullptr;
            break;
        }
        if (cur->is_object()) {
            const auto it = cur->find(token);
            cur = it == cur->end() ? nullptr : &*it;
        } else if (cur->is_array()) {
            std::size_t idx = 0;
            bool ok = !token.empty() && token.size() < 10 && (token == "0" || token[0] != '0');
            for (char ch : token) ok = ok && ch >= '0' && ch <= '9';
            if (!ok) {  // a member name (or "-") where an index would go
                fail(ErrorCode::bad_field, path.substr(0, pos), expected("an object", *cur));
                return {Lookup::bad_parent};
            }
            idx = std::stoul(token);
            cur = idx < cur->size() ? &(*cur)[idx] : nullptr;
        } else {
            fail(ErrorCode::bad_field, path.substr(0, pos), expected("an object", *cur));
            return {Lookup::bad_parent};
        }
        if (cur == nullptr) break;
        pos = end;
    }
    if (cur == nullptr || cur->is_null()) {
        if (p == Presence::required) fail(ErrorCode::missing_field, path, "required");
        return {Lookup::missing};
    }
    return {Lookup::found, cur};
}

void Checker::string_rule(std::string_view path, std::size_t min_chars, std::size_t max_chars, Presence p) {
    const Found f = find(path, p);
    if (f.state != Lookup::found) return;
    if (!f.value->is_string()) {
        fail(ErrorCode::bad_field, path, expected("a string", *f.value));
        return;
    }
    const auto n = utf8_length(f.value->get_ref<const std::string&>());
    if (!n) {
        fail(ErrorCode::bad_field, path, "not valid UTF-8");
    } else if (*n < min_chars) {
        fail(ErrorCode::bad_field, path,
             "at least " + std::to_string(min_chars) + " characters, got " + std::to_string(*n));
    } else if (*n > max_chars) {
        fail(ErrorCode::bad_field, path,
             "at most " + std::to_string(max_chars) + " characters, got " + std::to_string(*n));
    }
}

void Checker::integer_rule(std::string_view path, std::int64_t min, std::int64_t max, Presence p) {
    const Found f = find(path, p);
    if (f.state != Lookup::found) return;
    const json& v = *f.value;
    if (!v.is_number_integer()) {
        fail(ErrorCode::bad_field, path, expected("an integer", v));
        return;
    }
    const bool too_big =
        v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    const std::int64_t n = too_big ? std::numeric_limits<std::int64_t>::max() : v.get<std::int64_t>();
    if (too_big || n < min || n > max) {
        std::string r("expected an integer in [");
        r.append(std::to_string(min)).append(", ").append(std::to_string(max)).append("], got ").append(v.dump());
        fail(ErrorCode::bad_field, path, r);
    }
}

void Checker::number_rule(std::string_view path, double min, double max, Presence p) {
    const Found f = find(path, p);
    if (f.state != Lookup::found) return;
    if (!f.value->is_number()) {
        fail(ErrorCode::bad_field, path, expected("a number", *f.value));
        return;
    }
    const double x = f.value->get<double>();
    if (!(x >= min && x <= max)) {
        std::string r("expected a number in [");
        r.append(json(min).dump()).append(", ").append(json(max).dump()).append("], got ").append(f.value->dump());
        fail(ErrorCode::bad_field, path, r);
    }
}

void Checker::bool_rule(std::string_view path, Presence p) {
    const Found f = find(path, p);
    if (f.state == Lookup::found && !f.value->is_boolean())
        fail(ErrorCode::bad_field, path, expected("a boolean", *f.value));
}

void Checker::array_rule(std::string_view path, std::size_t min_items, std::size_t max_items, Presence p) {
    const Found f = find(path, p);
    if (f.state != Lookup::found) return;
    if (!f.value->is_array()) {
        fail(ErrorCode::bad_field, path, expected("an array", *f.value));
    } else if (f.value->size() < min_items || f.value->size() > max_items) {
        std::string r("expected ");
        r.append(std::to_string(min_items)).append("..").append(std::to_string(max_items));
        r.append(" items, got ").append(std::to_string(f.value->size()));
        fail(ErrorCode::bad_field, path, r);
    }
}

Checker& Checker::required_string(std::string_view path, std::size_t min_chars, std::size_t max_chars) {
    string_rule(path, min_chars, max_chars, Presence::required);
    return *this;
}
Checker& Checker::optional_string(std::string_view path, std::size_t min_chars, std::size_t max_chars) {
    string_rule(path, min_chars, max_chars, Presence::optional);
    return *this;
}
Checker& Checker::required_integer(std::string_view path, std::int64_t min, std::int64_t max) {
    integer_rule(path, min, max, Presence::required);
    return *this;
}
Checker& Checker::optional_integer(std::string_view path, std::int64_t min, std::int64_t max) {
    integer_rule(path, min, max, Presence::optional);
    return *this;
}
Checker& Checker::required_number(std::string_view path, double min, double max) {
    number_rule(path, min, max, Presence::required);
    return *this;
}
Checker& Checker::optional_number(std::string_view path, double min, double max) {
    number_rule(path, min, max, Presence::optional);
    return *this;
}
Checker& Checker::required_bool(std::string_view path) {
    bool_rule(path, Presence::required);
    return *this;
}
Checker& Checker::optional_bool(std::string_view path) {
    bool_rule(path, Presence::optional);
    return *this;
}
Checker& Checker::required_object(std::string_view path) {
    const Found f = find(path, Presence::required);
    if (f.state == Lookup::found && !f.value->is_object())
        fail(ErrorCode::bad_field, path, expected("an object", *f.value));
    return *this;
}
Checker& Checker::required_array(std::string_view path, std::size_t min_items, std::size_t max_items) {
    array_rule(path, min_items, max_items, Presence::required);
    return *this;
}
Checker& Checker::optional_array(std::string_view path, std::size_t min_items, std::size_t max_items) {
    array_rule(path, min_items, max_items, Presence::optional);
    return *this;
}

Checker& Checker::code(std::string_view path, const codes::Table& table, Presence p) {
    const Found f = find(path, p);
    if (f.state != Lookup::found) return *this;
    const json& v = *f.value;
    const bool integer = table.value_type() == codes::Table::ValueType::integer;
    if (integer ? !v.is_number_integer() : !v.is_string()) {
        std::string what(integer ? "an integer " : "a string ");
        what.append(table.name()).append(" code");
        fail(ErrorCode::bad_field, path, expected(what, v));
    } else if (!table.accepts(v)) {
        std::string r = quoted(v);
        r.append(" is not a ").append(table.name()).append(" code (").append(table.source()).append(")");
        fail(ErrorCode::unknown_code, path, r);
    }
    return *this;
}

Checker& Checker::code_list(std::string_view path, const codes::Table& table, std::size_t min_items,
                            std::size_t max_items, Presence p) {
    const std::size_t before = m_problems.size();
    array_rule(path, min_items, max_items, p);
    if (m_problems.size() != before) return *this;
    const Found f = find(path, Presence::optional);
    if (f.state != Lookup::found) return *this;
    std::set<std::string> seen;
    for (std::size_t i = 0; i < f.value->size(); ++i) {
        std::string item(path);
        item.append("/").append(std::to_string(i));
        const std::size_t n = m_problems.size();
        code(item, table);
        if (m_problems.size() == n && !seen.insert((*f.value)[i].dump()).second)
            fail(ErrorCode::bad_field, item, "duplicate " + quoted((*f.value)[i]));
    }
    return *this;
}

Checker& Checker::region(std::string_view path, Presence p) { return code(path, codes::region(), p); }

Checker& Checker::id_number(std::string_view path, Presence p) {
    const Found f = find(path, p);
    if (f.state != Lookup::found) return *this;
    if (!f.value->is_string()) {
        fail(ErrorCode::bad_field, path, expected("a string", *f.value));
        return *this;
    }
    const auto v = protocol::citizen_id::validate(f.value->get_ref<const std::string&>(), m_today);
    if (v) return *this;
    // The library's messages quote the birth date; a reason may be logged, so
    // those two say what is wrong without it (R-9.3-1).
    std::string r(v.reason);
    if (v.reason == "bad-birth-date")
        r.append(": characters 7-14 are not a birth date");
    else if (v.reason == "future-birth-date")
        r.append(": the birth date is in the future");
    else
        r.append(": ").append(v.message);
    fail(ErrorCode::bad_id_number, path, r);
    return *this;
}

Checker& Checker::timestamp(std::string_view path, Offset offset, Presence p) {
    const Found f = find(path, p);
    if (f.state != Lookup::found) return *this;
    if (!f.value->is_string()) {
        fail(ErrorCode::bad_field, path, expected("a GB/T 7408 timestamp string", *f.value));
        return *this;
    }
    const std::string& s = f.value->get_ref<const std::string&>();
    const std::string_view off = timestamp_offset(s);
    if (off.empty()) {
        fail(ErrorCode::bad_field, path,
             "expected a GB/T 7408 date-time like 2026-06-01T09:30:00+08:00, got " + quoted(*f.value));
    } else if (offset == Offset::china && off != "+08:00") {
        std::string r("the offset must be +08:00, got ");
        r.append(off);
        fail(ErrorCode::bad_field, path, r);
    } else if (!sim::Calendar::from_iso8601(s)) {
        fail(ErrorCode::bad_field, path, quoted(*f.value) + " is not a real date and time");
    }
    return *this;
}

Checker& Checker::base64_image(std::string_view path, std::size_t max_bytes, Presence p) {
    const Found f = find(path, p);
    if (f.state != Lookup::found) return *this;
    if (!f.value->is_string()) {
        fail(ErrorCode::bad_field, path, expected("a Base64 string", *f.value));
        return *this;
    }
    const std::string& s = f.value->get_ref<const std::string&>();
    if (s.starts_with("data:")) {
        fail(ErrorCode::bad_field, path, "expected bare Base64, not a data: URI");
        return *this;
    }
    const auto size = protocol::base64_decoded_size(s);
    if (!size) {
        fail(ErrorCode::bad_field, path, "not Base64");
    } else if (*size == 0) {
        fail(ErrorCode::bad_field, path, "empty image");
    } else if (*size > max_bytes) {
        fail(ErrorCode::bad_field, path,
             "image is " + std::to_string(*size) + " bytes, at most " + std::to_string(max_bytes));
    } else {
        const auto bytes = protocol::base64_decode(s);
        const auto starts = [&](std::initializer_list<std::uint8_t> magic) {
            return bytes && bytes->size() >= magic.size() && std::equal(magic.begin(), magic.end(), bytes->begin());
        };
        if (!starts({0xFF, 0xD8, 0xFF}) && !starts({0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}) &&
            !starts({'B', 'M'}))
            fail(ErrorCode::bad_field, path, "not a JPEG, PNG or BMP image");
    }
    return *this;
}

Checker& Checker::rating(std::string_view level_path, std::string_view reasons_path) {
    const std::size_t before = m_problems.size();
    code(level_path, codes::rating());
    if (m_problems.size() != before) return *this;
    const Found level = find(level_path, Presence::optional);
    if (level.state == Lookup::found && codes::is_bad_review(level.value->get<long long>())) {
        const Found reasons = find(reasons_path, Presence::optional);
        if (reasons.state == Lookup::missing || (reasons.state == Lookup::found && reasons.value->is_array() &&
                                                 reasons.value->empty())) {
            fail(ErrorCode::missing_field, reasons_path, "差评 (level 1-2) needs at least one reason (R-11.3-1)");
            return *this;
        }
        return code_list(reasons_path, codes::bad_review_reason(), 1, codes::bad_review_reason().entries().size());
    }
    return code_list(reasons_path, codes::bad_review_reason(), 0, codes::bad_review_reason().entries().size(),
                     Presence::optional);
}

Checker& Checker::each(std::string_view path, const std::function<void(Checker&, const std::string&)>& rule) {
    const Found f = find(path, Presence::optional);
    if (f.state != Lookup::found || !f.value->is_array()) return *this;
    const std::size_t n = f.value->size();
    for (std::size_t i = 0; i < n; ++i) {
        std::string item(path);
        item.append("/").append(std::to_string(i));
        rule(*this, item);
    }
    return *this;
}

}  // namespace kiosktwin::api
