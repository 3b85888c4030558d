#include <kiosktwin/protocol/http1.hpp>

#include <algorithm>
#include <cstring>
#include <limits>
#include <utility>

namespace kiosktwin::protocol::http1 {

namespace {

using Kind = Event::Kind;

constexpr std::uint64_t k_max_u64 = std::numeric_limits<std::uint64_t>::max();

// tchar (RFC 9110 §5.6.2).
bool is_tchar(unsigned char c) noexcept {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
    switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+':
    case '-': case '.': case '^': case '_': case '`': case '|': case '~':
        return true;
    default:
        return false;
    }
}

bool is_token(std::string_view s) noexcept {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return is_tchar(static_cast<unsigned char>(c)); });
}

// What a field value, reason phrase or chunk extension may hold: VCHAR, obs-text, SP, HTAB.
bool is_text(unsigned char c) noexcept { return c == '\t' || (c >= 0x20 && c != 0x7F); }

bool is_ows(char c) noexcept { return c == ' ' || c == '\t'; }

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

int hex_value(unsigned char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string_view trim_ows(std::string_view s) noexcept {
    while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
    return s;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto x = static_cast<unsigned char>(a[i]);
        auto y = static_cast<unsigned char>(b[i]);
        if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x + 32);
        if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y + 32);
        if (x != y) return false;
    }
    return true;
}

// The elements of a comma-separated list (RFC 9110 §5.6.1), trimmed; empty ones kept.
std::vector<std::string_view> split_list(std::string_view v) {
    std::vector<std::string_view> out;
    for (;;) {
        const std::size_t comma = v.find(',');
        out.push_back(trim_ows(v.substr(0, comma)));
        if (comma == std::string_view::npos) return out;
        v.remove_prefix(comma + 1);
    }
}

void append_hex_byte(std::string& s, unsigned char c) {
    constexpr char k_digits[] = "0123456789ABCDEF";
    s += "\\x";
    s += k_digits[c >> 4];
    s += k_digits[c & 15];
}

// `s` in double quotes for a message: printable ASCII as is, the rest as \xNN,
// at most 60 bytes of it (the input may be anything, and long).
std::string quote(std::string_view s) {
    constexpr std::size_t k_shown = 60;
    std::string q;
    q.reserve(std::min(s.size(), k_shown) + 8);
    q += '"';
    for (std::size_t i = 0; i < s.size() && i < k_shown; ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '"' || c == '\\') {
            q += '\\';
            q += static_cast<char>(c);
        } else if (c >= 0x20 && c < 0x7F) {
            q += static_cast<char>(c);
        } else {
            append_hex_byte(q, c);
        }
    }
    q += '"';
    if (s.size() > k_shown) q += "...";
    return q;
}

// One byte for a message: 'x' or \xNN.
std::string describe(unsigned char c) {
    std::string s;
    if (c >= 0x20 && c < 0x7F) {
        s += '\'';
        s += static_cast<char>(c);
        s += '\'';
    } else {
        append_hex_byte(s, c);
    }
    return s;
}

// Appended piece by piece: g++ 12 warns falsely (-Wrestrict) on "literal" + std::string.
template <class... Parts>
std::string message(const Parts&... parts) {
    std::string m;
    (m.append(std::string_view(parts)), ...);
    return m;
}

// "HTTP/1.d" → d; anything else is an error.
std::optional<std::string> parse_version(std::string_view v, std::string_view line, int& minor) {
    if (v.size() != 8 || v.substr(0, 5) != "HTTP/" || !is_digit(v[5]) || v[6] != '.' || !is_digit(v[7]))
        return message("a malformed HTTP version in ", quote(line));
    if (v[5] != '1') return message("an unsupported HTTP version: ", quote(v));
    minor = v[7] - '0';
    return std::nullopt;
}

std::optional<std::string> parse_request_line(std::string_view line, Head& h) {
    const std::size_t sp1 = line.find(' ');
    const std::size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
        return message("a malformed request line (want METHOD SP TARGET SP HTTP/1.x): ", quote(line));
    const std::string_view method = line.substr(0, sp1);
    const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    if (!is_token(method)) return message("an invalid method in request line ", quote(line));
    if (target.empty() || !std::all_of(target.begin(), target.end(), [](char c) {
            const auto u = static_cast<unsigned char>(c);
            return u > 0x20 && u != 0x7F;
        }))
        return message("an invalid request target in request line ", quote(line));
    if (auto why = parse_version(line.substr(sp2 + 1), line, h.version_minor)) return why;
    h.method = method;
    h.target = target;
    return std::nullopt;
}

std::optional<std::string> parse_status_line(std::string_view line, Head& h) {
    // HTTP/1.1 200 OK  |  HTTP/1.1 200  (the SP before an empty reason is often left out)
    if (auto why = parse_version(line.substr(0, std::min<std::size_t>(line.find(' '), 8)), line, h.version_minor))
        return why;
    if (line.size() < 12 || line[8] != ' ' || !is_digit(line[9]) || !is_digit(line[10]) || !is_digit(line[11]) ||
        line[9] == '0' || (line.size() > 12 && line[12] != ' '))
        return message("a malformed status line (want HTTP/1.x SP 3DIGIT SP REASON): ", quote(line));
    const std::string_view reason = line.size() > 12 ? line.substr(13) : std::string_view{};
    if (!std::all_of(reason.begin(), reason.end(), [](char c) { return is_text(static_cast<unsigned char>(c)); }))
        return message("a control character in the reason phrase of ", quote(line));
    h.status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
    h.reason = reason;
    return std::nullopt;
}

std::optional<std::string> parse_field(std::string_view line, std::vector<Header>& out) {
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return message("a header line without a colon: ", quote(line));
    const std::string_view name = line.substr(0, colon);
    if (name.empty()) return message("a header line with an empty name: ", quote(line));
    if (is_ows(name.back())) return message("whitespace between a header name and its colon: ", quote(line));
    if (!is_token(name)) return message("an invalid header name: ", quote(name));
    const std::string_view value = trim_ows(line.substr(colon + 1));
    if (!std::all_of(value.begin(), value.end(), [](char c) { return is_text(static_cast<unsigned char>(c)); }))
        return message("a control character in the value of header ", quote(name));
    out.push_back(Header{std::string(name), std::string(value)});
    return std::nullopt;
}

// Content-Length's value(s): digits only, equal if repeated (RFC 9110 §8.6).
std::optional<std::string> parse_content_length(const std::vector<std::string_view>& fields, std::uint64_t& length) {
    bool seen = false;
    for (const std::string_view field : fields) {
        for (const std::string_view v : split_list(field)) {
            if (v.empty() || !std::all_of(v.begin(), v.end(), is_digit))
                return message("an invalid Content-Length: ", quote(field));
            std::uint64_t n = 0;
            for (const char c : v) {
                const auto d = static_cast<std::uint64_t>(c - '0');
                if (n > (k_max_u64 - d) / 10) return message("a Content-Length too large for 64 bits: ", quote(v));
                n = n * 10 + d;
            }
            if (seen && n != length)
                return message("Content-Length values that differ: ", std::to_string(length), " and ",
                               std::to_string(n));
            length = n;
            seen = true;
        }
    }
    return std::nullopt;
}

Event range_event(Kind kind, std::size_t begin, std::size_t end) {
    Event e;
    e.kind = kind;
    e.begin = begin;
    e.end = end;
    return e;
}

}  // namespace

const char* to_string(BodyKind k) noexcept {
    switch (k) {
    case BodyKind::none: return "none";
    case BodyKind::length: return "length";
    case BodyKind::chunked: return "chunked";
    case BodyKind::until_close: return "until_close";
    case BodyKind::tunnel: return "tunnel";
    }
    return "?";
}

const char* to_string(Event::Kind k) noexcept {
    switch (k) {
    case Kind::head_part: return "head_part";
    case Kind::head: return "head";
    case Kind::body: return "body";
    case Kind::message_end: return "message_end";
    case Kind::tunnel: return "tunnel";
    case Kind::error: return "error";
    }
    return "?";
}

// --- Head ---------------------------------------------------------------------------------

std::optional<std::string_view> Head::find(std::string_view name) const {
    for (const Header& h : headers)
        if (iequals(h.name, name)) return std::string_view(h.value);
    return std::nullopt;
}

bool Head::keep_alive() const {
    if (body_kind == BodyKind::until_close || body_kind == BodyKind::tunnel) return false;
    bool close = false;
    bool keep = false;
    for (const Header& h : headers) {
        if (!iequals(h.name, "Connection")) continue;
        for (const std::string_view option : split_list(h.value)) {
            close = close || iequals(option, "close");
            keep = keep || iequals(option, "keep-alive");
        }
    }
    if (close) return false;
    return version_minor >= 1 || keep;
}

// --- Framer -------------------------------------------------------------------------------

Framer::Framer(Role role, std::size_t max_head_bytes)
    : m_role(role), m_max_head(max_head_bytes), m_method(role == Role::request ? Method::line_start : Method::done) {}

void Framer::expect_response_to(std::string_view method) {
    if (m_role != Role::response) return;
    m_asked.push_back(method == "HEAD" ? Asked::head : method == "CONNECT" ? Asked::connect : Asked::other);
}

void Framer::enter_tunnel() {
    if (m_state == State::failed || m_state == State::closed) return;
    m_state = State::tunnel;
    m_tunnel = true;
}

bool Framer::in_message() const noexcept {
    switch (m_state) {
    case State::head: return m_start_seen || (!m_line.empty() && m_line != "\r");
    case State::tunnel:
    case State::failed:
    case State::closed: return false;
    default: return true;
    }
}

bool Framer::failed() const noexcept { return m_state == State::failed; }

std::size_t Framer::fail(std::vector<Event>& out, std::size_t begin, std::size_t end, std::string why) {
    m_state = State::failed;
    m_error = why;
    Event e = range_event(Kind::error, begin, end);
    e.error = std::move(why);
    out.push_back(std::move(e));
    return end;
}

void Framer::end_message(std::vector<Event>& out, std::size_t at) {
    out.push_back(range_event(Kind::message_end, at, at));
    ++m_messages;
    m_building = Head{};
    m_start_seen = false;
    m_line.clear();
    m_head_bytes = 0;
    m_method = m_role == Role::request ? Method::line_start : Method::done;
    m_method_bytes = 0;
    m_state = m_tunnel_next ? State::tunnel : State::head;
    m_tunnel = m_tunnel || m_tunnel_next;
    m_tunnel_next = false;
}

std::size_t Framer::feed(std::string_view bytes, std::vector<Event>& out) {
    return feed(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), out);
}

std::size_t Framer::feed(std::span<const std::uint8_t> in, std::vector<Event>& out) {
    const std::size_t before = out.size();
    const std::size_t n = in.size();
    std::size_t pos = 0;
    while (pos < n) {
        switch (m_state) {
        case State::head: pos = feed_head(in, pos, out); break;
        case State::length: {
            const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(m_remaining, n - pos));
            out.push_back(range_event(Kind::body, pos, pos + take));
            pos += take;
            m_remaining -= take;
            if (m_remaining == 0) end_message(out, pos);
            break;
        }
        case State::until_close:
            out.push_back(range_event(Kind::body, pos, n));
            pos = n;
            break;
        case State::tunnel:
            out.push_back(range_event(Kind::tunnel, pos, n));
            pos = n;
            break;
        case State::failed: {
            Event e = range_event(Kind::error, pos, n);
            e.error = m_error;
            out.push_back(std::move(e));
            pos = n;
            break;
        }
        case State::closed: pos = fail(out, pos, n, "bytes after the end of the stream"); break;
        default: pos = feed_chunked(in, pos, out); break;
        }
    }
    return out.size() - before;
}

// Reads head lines from `pos`, each found with one memchr over new bytes only
// (the incomplete last line is kept in m_line), so a head costs O(its size)
// however it is split.
std::size_t Framer::feed_head(std::span<const std::uint8_t> in, std::size_t pos, std::vector<Event>& out) {
    const std::size_t start = pos;
    const char* data = reinterpret_cast<const char*>(in.data());
    const std::size_t n = in.size();
    while (pos < n) {
        const auto* lf = static_cast<const char*>(std::memchr(data + pos, '\n', n - pos));
        const std::size_t stop = lf ? static_cast<std::size_t>(lf - data) : n;
        const std::size_t taken = (lf ? stop + 1 : n) - pos;
        // A request's method is judged as its bytes come, without waiting for the LF: the first byte that
        // cannot be part of a request line's method fails the stream there, unless the head was already
        // too long by then. Both verdicts fall on a byte of the stream, so neither depends on the split.
        if (m_method != Method::done) {
            if (const auto bad = scan_method(std::string_view(data + pos, stop - pos));
                bad && m_head_bytes + *bad < m_max_head) {
                std::string seen = m_line;
                seen.append(data + pos, *bad + 1);
                return fail(out, start, n, method_error(seen));
            }
        }
        // The size is checked before the line's content, so the verdict does not depend on where the bytes were split.
        if (taken > m_max_head - m_head_bytes)
            return fail(out, start, n, message("a message head longer than ", std::to_string(m_max_head), " bytes"));
        m_head_bytes += taken;
        if (!lf) {
            m_line.append(data + pos, n - pos);
            break;
        }
        std::string_view line(data + pos, stop - pos);
        if (!m_line.empty()) {
            m_line.append(line);
            line = m_line;
        }
        pos = stop + 1;
        bool done = false;
        auto why = take_line(line, done);
        m_line.clear();
        if (why) return fail(out, start, n, std::move(*why));
        if (!m_start_seen && m_role == Role::request) m_method = Method::line_start;  // after an empty line
        if (!done) continue;

        auto head = std::make_shared<Head>(std::move(m_building));
        Event e = range_event(Kind::head, start, pos);
        e.head = head;
        out.push_back(std::move(e));
        switch (head->body_kind) {
        case BodyKind::none: end_message(out, pos); break;
        case BodyKind::tunnel:
            m_tunnel_next = true;
            end_message(out, pos);
            break;
        case BodyKind::length:
            m_length = m_remaining = head->content_length;
            if (m_remaining == 0) end_message(out, pos);
            else m_state = State::length;
            break;
        case BodyKind::chunked:
            m_state = State::chunk_size;
            m_remaining = 0;
            m_size_digits = false;
            break;
        case BodyKind::until_close: m_state = State::until_close; break;
        }
        return pos;
    }
    out.push_back(range_event(Kind::head_part, start, n));
    return n;
}

// Follows the bytes of a request's start line up to the SP after its method:
// a tchar method of at most max_method_bytes, or a lone CR (an empty line, if
// a LF follows). Returns the offset of the first byte that cannot be there.
std::optional<std::size_t> Framer::scan_method(std::string_view bytes) {
    for (std::size_t i = 0; i < bytes.size(); ++i) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        switch (m_method) {
        case Method::line_start:
            if (c == '\r') {
                m_method = Method::cr;
            } else if (is_tchar(c)) {
                m_method = Method::name;
                m_method_bytes = 1;
            } else {
                return i;
            }
            break;
        case Method::cr: return i;  // a CR that does not end an empty line
        case Method::name:
            if (c == ' ') {
                m_method = Method::done;
                return std::nullopt;
            }
            if (!is_tchar(c) || ++m_method_bytes > max_method_bytes) return i;
            break;
        case Method::done: return std::nullopt;
        }
    }
    return std::nullopt;
}

// Why `seen` (a start line up to the byte scan_method() refused) is not a request line.
std::string Framer::method_error(std::string_view seen) const {
    const auto c = static_cast<unsigned char>(seen.back());
    if (is_tchar(c))
        return message("a method longer than ", std::to_string(max_method_bytes), " bytes in request line ", quote(seen));
    if (c == ' ' || c == '\r')
        return message("a malformed request line (want METHOD SP TARGET SP HTTP/1.x): ", quote(seen));
    return message("an invalid method in request line ", quote(seen));
}

// One line of a head, without its LF; sets `done` at the empty line that ends it.
std::optional<std::string> Framer::take_line(std::string_view line, bool& done) {
    if (line.empty() || line.back() != '\r')
        return message("a line of the head ends in a bare LF (CRLF is required): ", quote(line));
    line.remove_suffix(1);
    if (!m_start_seen) {
        if (line.empty()) return std::nullopt;  // an empty line before the start line (RFC 9112 §2.2)
        m_start_seen = true;
        return m_role == Role::request ? parse_request_line(line, m_building) : parse_status_line(line, m_building);
    }
    if (line.empty()) {
        done = true;
        return frame_body(m_building);
    }
    if (is_ows(line.front())) {
        return m_building.headers.empty()
                   ? message("whitespace between the start line and the first header field: ", quote(line))
                   : message("a folded header line (obs-fold, RFC 9112 §5.2): ", quote(line));
    }
    return parse_field(line, m_building.headers);
}

// Decides how the body of the message with head `h` is delimited (RFC 9112 §6.3).
std::optional<std::string> Framer::frame_body(Head& h) {
    if (m_role == Role::response) {
        const Asked asked = m_asked.empty() ? Asked::other : m_asked.front();
        // An interim response answers nothing yet: the request waits for its final one.
        if (!h.informational() && !m_asked.empty()) m_asked.pop_front();
        if (h.status == 101 || (asked == Asked::connect && h.status / 100 == 2)) {
            h.body_kind = BodyKind::tunnel;
            return std::nullopt;
        }
        if (h.informational() || h.status == 204 || h.status == 304 || asked == Asked::head) {
            h.body_kind = BodyKind::none;
            return std::nullopt;
        }
    }

    std::vector<std::string_view> lengths;
    const Header* te = nullptr;  // the last Transfer-Encoding field
    std::size_t codings = 0;
    std::size_t chunked = 0;
    bool chunked_last = false;
    for (const Header& f : h.headers) {
        if (iequals(f.name, "Content-Length")) {
            lengths.push_back(f.value);
        } else if (iequals(f.name, "Transfer-Encoding")) {
            te = &f;
            for (const std::string_view coding : split_list(f.value)) {
                if (coding.empty()) continue;
                const std::string_view name = trim_ows(coding.substr(0, coding.find(';')));  // "name;param=x"
                if (!is_token(name)) return message("an invalid Transfer-Encoding: ", quote(f.value));
                ++codings;
                chunked_last = iequals(name, "chunked");
                if (chunked_last) ++chunked;
            }
        }
    }

    if (te) {
        if (h.version_minor == 0)
            return message("Transfer-Encoding in an HTTP/1.0 message (RFC 9112 §6.1): ", quote(te->value));
        if (codings == 0) return "an empty Transfer-Encoding";
        if (chunked > 1) return message("a Transfer-Encoding that applies chunked twice: ", quote(te->value));
        h.conflicting_framing = !lengths.empty();
        if (chunked_last) {
            h.body_kind = BodyKind::chunked;
        } else if (m_role == Role::request) {
            return message("a request Transfer-Encoding that does not end in chunked: ", quote(te->value));
        } else {
            h.body_kind = BodyKind::until_close;
        }
        return std::nullopt;
    }
    if (!lengths.empty()) {
        if (auto why = parse_content_length(lengths, h.content_length)) return why;
        h.body_kind = BodyKind::length;
        return std::nullopt;
    }
    h.body_kind = m_role == Role::request ? BodyKind::none : BodyKind::until_close;
    return std::nullopt;
}

// Chunk-size lines, extensions and trailers go byte by byte (they are short
// and a mistake is reported at the byte that made it); chunk data is skipped
// in one step.
std::size_t Framer::feed_chunked(std::span<const std::uint8_t> in, std::size_t pos, std::vector<Event>& out) {
    const std::size_t start = pos;
    const std::size_t n = in.size();
    const auto error_at = [&](std::size_t at, std::string why) {
        if (at > start) out.push_back(range_event(Kind::body, start, at));
        return fail(out, at, n, std::move(why));
    };
    while (pos < n) {
        const std::uint8_t c = in[pos];
        switch (m_state) {
        case State::chunk_data: {
            const auto take = static_cast<std::size_t>(std::min<std::uint64_t>(m_remaining, n - pos));
            pos += take;
            m_remaining -= take;
            if (m_remaining == 0) m_state = State::chunk_data_cr;
            continue;
        }
        case State::chunk_size:
            if (const int d = hex_value(c); d >= 0) {
                if (m_remaining > (k_max_u64 >> 4)) return error_at(pos, "a chunk size too large for 64 bits");
                m_remaining = m_remaining * 16 + static_cast<std::uint64_t>(d);
                m_size_digits = true;
            } else if (!m_size_digits) {
                return error_at(pos, message("a chunk size that is not hexadecimal: ", describe(c)));
            } else if (c == ';') {
                m_state = State::chunk_ext;
            } else if (c == '\r') {
                m_state = State::chunk_size_lf;
            } else if (c == ' ' || c == '\t') {
                m_state = State::chunk_size_ws;
            } else {
                return error_at(pos, message("a chunk size followed by ", describe(c)));
            }
            break;
        case State::chunk_size_ws:
            if (c == ';') m_state = State::chunk_ext;
            else if (c == '\r') m_state = State::chunk_size_lf;
            else if (c != ' ' && c != '\t') return error_at(pos, message("a chunk size followed by ", describe(c)));
            break;
        case State::chunk_ext:
            if (c == '\r') m_state = State::chunk_size_lf;
            else if (!is_text(c)) return error_at(pos, message("a chunk extension holding ", describe(c)));
            break;
        case State::chunk_size_lf:
            if (c != '\n') return error_at(pos, "a chunk-size line with a CR not followed by LF");
            if (m_remaining == 0) {
                m_state = State::trailer_start;
                m_trailer_bytes = 0;
            } else {
                m_state = State::chunk_data;
            }
            break;
        case State::chunk_data_cr:
            if (c != '\r') return error_at(pos, message("chunk data longer than its size (followed by ", describe(c), ")"));
            m_state = State::chunk_data_lf;
            break;
        case State::chunk_data_lf:
            if (c != '\n') return error_at(pos, "chunk data followed by a CR without LF");
            m_state = State::chunk_size;
            m_remaining = 0;
            m_size_digits = false;
            break;
        default: {
            // The trailer section: header fields, then an empty line.
            if (++m_trailer_bytes > m_max_head)
                return error_at(pos, message("a trailer section longer than ", std::to_string(m_max_head), " bytes"));
            switch (m_state) {
            case State::trailer_start:
                if (c == '\r') m_state = State::trailer_end_lf;
                else if (c == ' ' || c == '\t') return error_at(pos, "a folded trailer line (obs-fold)");
                else if (is_tchar(c)) m_state = State::trailer_name;
                else return error_at(pos, message("a trailer field name starting with ", describe(c)));
                break;
            case State::trailer_name:
                if (c == ':') m_state = State::trailer_value;
                else if (!is_tchar(c)) return error_at(pos, message("a trailer field name holding ", describe(c)));
                break;
            case State::trailer_value:
                if (c == '\r') m_state = State::trailer_lf;
                else if (!is_text(c)) return error_at(pos, message("a trailer field value holding ", describe(c)));
                break;
            case State::trailer_lf:
                if (c != '\n') return error_at(pos, "a trailer line with a CR not followed by LF");
                m_state = State::trailer_start;
                break;
            case State::trailer_end_lf:
                if (c != '\n') return error_at(pos, "a trailer section whose last line has a CR not followed by LF");
                ++pos;
                out.push_back(range_event(Kind::body, start, pos));
                end_message(out, pos);
                return pos;
            default:
                return error_at(pos, "internal error: unexpected framer state");
            }
            break;
        }
        }
        ++pos;
    }
    out.push_back(range_event(Kind::body, start, n));
    return n;
}

void Framer::feed_eof(std::vector<Event>& out) {
    switch (m_state) {
    case State::head:
        if (in_message()) fail(out, 0, 0, "the stream ended inside a message head");
        else m_state = State::closed;
        return;
    case State::length:
        fail(out, 0, 0,
             message("the stream ended after ", std::to_string(m_length - m_remaining),
                     " of ", std::to_string(m_length), " body bytes"));
        return;
    case State::until_close:
        end_message(out, 0);
        m_state = State::closed;
        return;
    case State::tunnel: m_state = State::closed; return;
    case State::failed:
    case State::closed: return;
    default: fail(out, 0, 0, "the stream ended inside a chunked body"); return;
    }
}

}  // namespace kiosktwin::protocol::http1
