#include <kiosktwin/protocol/json_text.hpp>

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>

namespace kiosktwin::protocol {

namespace {

using nlohmann::json;

// --- Shared: runs of plain bytes and UTF-8 sequences ---------------------------------------------

// A plain byte is copied as it is by both dump and parse: printable ASCII
// (0x20..0x7F) other than '"' and '\\'.
constexpr std::array<bool, 256> k_plain = [] {
    std::array<bool, 256> t{};
    for (int c = 0x20; c < 0x80; ++c) t[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
    return t;
}();

constexpr std::uint64_t k_ones = 0x0101010101010101ULL;
constexpr std::uint64_t k_highs = 0x8080808080808080ULL;

constexpr std::uint64_t has_zero_byte(std::uint64_t v) noexcept { return (v - k_ones) & ~v & k_highs; }

// Whether all eight bytes of `x` are plain (exact: the tests for a zero byte
// and for a byte below n ≤ 128 have no false answers about existence).
constexpr bool plain8(std::uint64_t x) noexcept {
    if ((x & k_highs) != 0) return false;
    const std::uint64_t below_space = (x - k_ones * 0x20) & ~x & k_highs;
    return (below_space | has_zero_byte(x ^ (k_ones * '"')) | has_zero_byte(x ^ (k_ones * '\\'))) == 0;
}

// The end of the run of plain bytes starting at p.
const char* plain_run(const char* p, const char* end) noexcept {
    while (end - p >= 8) {
        std::uint64_t x;
        std::memcpy(&x, p, 8);
        if (!plain8(x)) break;
        p += 8;
    }
    while (p < end && k_plain[static_cast<unsigned char>(*p)]) ++p;
    return p;
}

// The length of the well-formed UTF-8 sequence (RFC 3629: no overlong forms,
// no surrogates, nothing above U+10FFFF) of two to four bytes at p, or 0.
std::size_t utf8_sequence(const char* p, const char* end) noexcept {
    const auto b = [&](std::ptrdiff_t i) { return static_cast<unsigned char>(p[i]); };
    const auto cont = [&](std::ptrdiff_t i) { return (b(i) & 0xC0) == 0x80; };
    const unsigned char c = b(0);
    const std::ptrdiff_t left = end - p;
    if (c >= 0xC2 && c <= 0xDF) return left >= 2 && cont(1) ? 2 : 0;
    if (c >= 0xE0 && c <= 0xEF) {
        if (left < 3 || !cont(1) || !cont(2)) return 0;
        if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
        if (c == 0xED && b(1) >= 0xA0) return 0;  // surrogate
        return 3;
    }
    if (c >= 0xF0 && c <= 0xF4) {
        if (left < 4 || !cont(1) || !cont(2) || !cont(3)) return 0;
        if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
        if (c == 0xF4 && b(1) >= 0x90) return 0;  // above U+10FFFF
        return 4;
    }
    return 0;
}

// --- dump ----------------------------------------------------------------------------------------

// nlohmann/json's own text for one value (floating point, binary, a string
// that is not valid UTF-8): the reference the fast path is measured against.
void append_by_nlohmann(std::string& out, const json& j, json::error_handler_t handler) {
    out += j.dump(-1, ' ', false, handler);
}

void append_string(std::string& out, std::string_view s, json::error_handler_t handler) {
    const std::size_t mark = out.size();
    out.reserve(out.size() + s.size() + 2);
    out.push_back('"');
    const char* p = s.data();
    const char* const end = p + s.size();
    while (p < end) {
        const char* run = plain_run(p, end);
        out.append(p, run);
        p = run;
        if (p == end) break;
        const auto c = static_cast<unsigned char>(*p);
        if (c >= 0x80) {
            const std::size_t n = utf8_sequence(p, end);
            if (n == 0) {  // not UTF-8: nlohmann/json throws or repairs, as the handler says
                out.resize(mark);
                append_by_nlohmann(out, json(s), handler);
                return;
            }
            out.append(p, n);
            p += n;
            continue;
        }
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case 0x08: out += "\\b"; break;
        case 0x09: out += "\\t"; break;
        case 0x0A: out += "\\n"; break;
        case 0x0C: out += "\\f"; break;
        case 0x0D: out += "\\r"; break;
        default: {
            static constexpr char hex[] = "0123456789abcdef";
            const char u[] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF]};
            out.append(u, sizeof u);
        }
        }
        ++p;
    }
    out.push_back('"');
}

template <typename Int>
void append_integer(std::string& out, Int v) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
}

void append_value(std::string& out, const json& j, json::error_handler_t handler) {
    switch (j.type()) {
    case json::value_t::object: {
        const auto& o = *j.get_ptr<const json::object_t*>();
        out.push_back('{');
        bool first = true;
        for (const auto& [key, value] : o) {
            if (!first) out.push_back(',');
            first = false;
            append_string(out, key, handler);
            out.push_back(':');
            append_value(out, value, handler);
        }
        out.push_back('}');
        return;
    }
    case json::value_t::array: {
        const auto& a = *j.get_ptr<const json::array_t*>();
        out.push_back('[');
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (i != 0) out.push_back(',');
            append_value(out, a[i], handler);
        }
        out.push_back(']');
        return;
    }
    case json::value_t::string: append_string(out, *j.get_ptr<const json::string_t*>(), handler); return;
    case json::value_t::boolean: out += *j.get_ptr<const json::boolean_t*>() ? "true" : "false"; return;
    case json::value_t::null: out += "null"; return;
    case json::value_t::number_integer: append_integer(out, *j.get_ptr<const json::number_integer_t*>()); return;
    case json::value_t::number_unsigned: append_integer(out, *j.get_ptr<const json::number_unsigned_t*>()); return;
    case json::value_t::number_float:
    case json::value_t::binary:
    case json::value_t::discarded: append_by_nlohmann(out, j, handler); return;
    }
    append_by_nlohmann(out, j, handler);
}

// --- parse ---------------------------------------------------------------------------------------

// Recursive descent over the common subset; false means "not here" (the
// caller then asks nlohmann/json), never "malformed".
class FastParser {
public:
    FastParser(std::string_view text) : m_p(text.data()), m_end(text.data() + text.size()) {}

    bool document(json& out) {
        skip_space();
        if (m_p < m_end && static_cast<unsigned char>(*m_p) == 0xEF) return false;  // a byte-order mark
        if (!value(out, 0)) return false;
        skip_space();
        return m_p == m_end;
    }

private:
    const char* m_p;
    const char* m_end;

    void skip_space() noexcept {
        while (m_p < m_end && (*m_p == ' ' || *m_p == '\n' || *m_p == '\r' || *m_p == '\t')) ++m_p;
    }

    bool literal(std::string_view word) noexcept {
        if (static_cast<std::size_t>(m_end - m_p) < word.size() || std::memcmp(m_p, word.data(), word.size()) != 0)
            return false;
        m_p += word.size();
        return true;
    }

    bool value(json& out, int depth) {
        if (m_p == m_end) return false;
        switch (*m_p) {
        case '{': return object(out, depth + 1);
        case '[': return array(out, depth + 1);
        case '"': {
            std::string s;
            if (!string(s)) return false;
            out = std::move(s);
            return true;
        }
        case 't': out = true; return literal("true");
        case 'f': out = false; return literal("false");
        case 'n': out = nullptr; return literal("null");
        default: return number(out);
        }
    }

    bool object(json& out, int depth) {
        if (depth > k_fast_depth) return false;
        ++m_p;  // '{'
        out = json::object();
        auto& o = *out.get_ptr<json::object_t*>();
        skip_space();
        if (m_p < m_end && *m_p == '}') {
            ++m_p;
            return true;
        }
        for (;;) {
            skip_space();
            if (m_p == m_end || *m_p != '"') return false;
            std::string key;
            if (!string(key)) return false;
            skip_space();
            if (m_p == m_end || *m_p != ':') return false;
            ++m_p;
            skip_space();
            json v;
            if (!value(v, depth)) return false;
            o.insert_or_assign(std::move(key), std::move(v));  // the last of duplicate keys wins, as in nlohmann/json
            skip_space();
            if (m_p == m_end) return false;
            if (*m_p == ',') {
                ++m_p;
                continue;
            }
            if (*m_p != '}') return false;
            ++m_p;
            return true;
        }
    }

    bool array(json& out, int depth) {
        if (depth > k_fast_depth) return false;
        ++m_p;  // '['
        out = json::array();
        auto& a = *out.get_ptr<json::array_t*>();
        skip_space();
        if (m_p < m_end && *m_p == ']') {
            ++m_p;
            return true;
        }
        for (;;) {
            skip_space();
            a.emplace_back();
            if (!value(a.back(), depth)) return false;
            skip_space();
            if (m_p == m_end) return false;
            if (*m_p == ',') {
                ++m_p;
                continue;
            }
            if (*m_p != ']') return false;
            ++m_p;
            return true;
        }
    }

    static int hex_digit(char c) noexcept {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }

    // "u" and four hex digits (m_p at the 'u'); -1 if not.
    int hex4() noexcept {
        if (m_end - m_p < 5 || m_p[0] != 'u') return -1;
        int v = 0;
        for (int i = 1; i <= 4; ++i) {
            const int d = hex_digit(m_p[i]);
            if (d < 0) return -1;
            v = v * 16 + d;
        }
        m_p += 5;
        return v;
    }

    static void append_utf8(std::string& s, std::uint32_t cp) {
        if (cp < 0x80) {
            s.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            s.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            s.push_back(static_cast<char>(0xE0 | (cp >> 12)));
            s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
            s.push_back(static_cast<char>(0xF0 | (cp >> 18)));
            s.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
            s.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
            s.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
    }

    bool string(std::string& s) {
        ++m_p;  // '"'
        for (;;) {
            const char* run = plain_run(m_p, m_end);
            s.append(m_p, run);
            m_p = run;
            if (m_p == m_end) return false;
            const auto c = static_cast<unsigned char>(*m_p);
            if (c == '"') {
                ++m_p;
                return true;
            }
            if (c >= 0x80) {
                const std::size_t n = utf8_sequence(m_p, m_end);
                if (n == 0) return false;
                s.append(m_p, n);
                m_p += n;
                continue;
            }
            if (c != '\\') return false;  // a control character
            if (++m_p == m_end) return false;
            switch (*m_p) {
            case '"': s.push_back('"'); break;
            case '\\': s.push_back('\\'); break;
            case '/': s.push_back('/'); break;
            case 'b': s.push_back('\b'); break;
            case 'f': s.push_back('\f'); break;
            case 'n': s.push_back('\n'); break;
            case 'r': s.push_back('\r'); break;
            case 't': s.push_back('\t'); break;
            case 'u': {
                const int hi = hex4();
                if (hi < 0 || (hi >= 0xDC00 && hi <= 0xDFFF)) return false;
                std::uint32_t cp = static_cast<std::uint32_t>(hi);
                if (hi >= 0xD800 && hi <= 0xDBFF) {
                    if (m_end - m_p < 2 || m_p[0] != '\\') return false;
                    ++m_p;
                    const int lo = hex4();
                    if (lo < 0xDC00 || lo > 0xDFFF) return false;
                    cp = 0x10000 + ((static_cast<std::uint32_t>(hi) - 0xD800) << 10) + (static_cast<std::uint32_t>(lo) - 0xDC00);
                }
                append_utf8(s, cp);
                continue;  // hex4 moved past the escape
            }
            default: return false;
            }
            ++m_p;
        }
    }

    static bool digit(char c) noexcept { return c >= '0' && c <= '9'; }

    // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? with the types nlohmann/json gives.
    bool number(json& out) {
        const char* const start = m_p;
        const char* p = m_p;
        const bool negative = p < m_end && *p == '-';
        if (negative) ++p;
        if (p == m_end || !digit(*p)) return false;
        if (*p == '0') {
            ++p;
        } else {
            while (p < m_end && digit(*p)) ++p;
        }
        bool integer = true;
        if (p < m_end && *p == '.') {
            integer = false;
            ++p;
            if (p == m_end || !digit(*p)) return false;
            while (p < m_end && digit(*p)) ++p;
        }
        if (p < m_end && (*p == 'e' || *p == 'E')) {
            integer = false;
            ++p;
            if (p < m_end && (*p == '+' || *p == '-')) ++p;
            if (p == m_end || !digit(*p)) return false;
            while (p < m_end && digit(*p)) ++p;
        }
        m_p = p;
        if (integer && negative) {
            std::int64_t v = 0;
            const auto r = std::from_chars(start, p, v);
            if (r.ec != std::errc{} || r.ptr != p) return false;  // out of range: nlohmann/json makes it a double
            out = static_cast<json::number_integer_t>(v);
            return true;
        }
        if (integer) {
            std::uint64_t v = 0;
            const auto r = std::from_chars(start, p, v);
            if (r.ec != std::errc{} || r.ptr != p) return false;
            out = static_cast<json::number_unsigned_t>(v);
            return true;
        }
        double v = 0;
        const auto r = std::from_chars(start, p, v);
        if (r.ec != std::errc{} || r.ptr != p || !std::isfinite(v)) return false;  // underflow and overflow: nlohmann/json
        out = static_cast<json::number_float_t>(v);
        return true;
    }
};

}  // namespace

void append_json(std::string& out, const json& j, json::error_handler_t handler) { append_value(out, j, handler); }

std::string dump_json(const json& j, json::error_handler_t handler) {
    std::string out;
    append_value(out, j, handler);
    return out;
}

std::optional<json> parse_json_fast(std::string_view text) {
    json out;
    FastParser parser(text);
    if (!parser.document(out)) return std::nullopt;
    return out;
}

json parse_json(std::string_view text) {
    if (auto fast = parse_json_fast(text)) return std::move(*fast);
    return json::parse(text);
}

std::optional<json> try_parse_json(std::string_view text) {
    if (auto fast = parse_json_fast(text)) return fast;
    json slow = json::parse(text, nullptr, false);
    if (slow.is_discarded()) return std::nullopt;
    return slow;
}

}  // namespace kiosktwin::protocol
