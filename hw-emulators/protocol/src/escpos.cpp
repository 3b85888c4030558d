#include <kiosktwin/protocol/escpos.hpp>

#include <algorithm>
#include <cstdio>

namespace kiosktwin::protocol::escpos {

namespace {

constexpr std::uint8_t k_cr = 0x0D;
constexpr std::uint8_t k_ht = 0x09;
constexpr std::uint8_t k_nul = 0x00;
constexpr std::size_t k_described_bytes = 16;  // command bytes kept in an unsupported event

// Parameter counts of fixed-length commands outside the rendered subset:
// consumed whole and reported as known-but-unsupported. -1 = not in the table.
int esc_fixed(std::uint8_t c) {
    switch (c) {
    case 0x0C: case 'L': case 'S': return 0;
    case ' ': case '%': case '=': case '?': case 'G': case 'K': case 'R': case 'T': case 'U':
    case 'V': case 'e': case 'r': case 'u': case '{': return 1;
    case '$': case '\\': case 'c': case 'B': return 2;
    case 'p': return 3;
    case 'W': return 8;
    default: return -1;
    }
}

int gs_fixed(std::uint8_t c) {
    switch (c) {
    case ':': case 'c': return 0;
    case '/': case 'B': case 'E': case 'I': case 'T': case 'b': case 'f': case 'j': return 1;
    case '$': case 'L': case 'P': case 'W': case '\\': return 2;
    case '^': return 3;
    default: return -1;
    }
}

int fs_fixed(std::uint8_t c) {
    switch (c) {
    case '!': case '-': case 'C': case 'W': return 1;
    case 'S': case '?': return 2;
    case '2': return 74;  // c1 c2 and a 24x24 glyph
    default: return -1;
    }
}

// Some parameters come as 0..k or as ASCII '0'..'k'.
int ascii_or_value(std::uint8_t v) { return v >= '0' && v <= '9' ? v - '0' : v; }

bool is_printable(std::uint8_t b) { return b >= 0x20; }

}  // namespace

const char* to_string(EventKind k) noexcept {
    switch (k) {
    case EventKind::text: return "text";
    case EventKind::line_feed: return "line_feed";
    case EventKind::carriage_return: return "carriage_return";
    case EventKind::tab: return "tab";
    case EventKind::init: return "init";
    case EventKind::print_mode: return "print_mode";
    case EventKind::bold: return "bold";
    case EventKind::underline: return "underline";
    case EventKind::align: return "align";
    case EventKind::feed_lines: return "feed_lines";
    case EventKind::feed_dots: return "feed_dots";
    case EventKind::line_spacing: return "line_spacing";
    case EventKind::char_size: return "char_size";
    case EventKind::font: return "font";
    case EventKind::cut: return "cut";
    case EventKind::raster: return "raster";
    case EventKind::bit_image: return "bit_image";
    case EventKind::qr_model: return "qr_model";
    case EventKind::qr_size: return "qr_size";
    case EventKind::qr_error: return "qr_error";
    case EventKind::qr_store: return "qr_store";
    case EventKind::qr_print: return "qr_print";
    case EventKind::barcode: return "barcode";
    case EventKind::barcode_height: return "barcode_height";
    case EventKind::barcode_width: return "barcode_width";
    case EventKind::barcode_hri: return "barcode_hri";
    case EventKind::nv_logo: return "nv_logo";
    case EventKind::code_page: return "code_page";
    case EventKind::chinese_mode: return "chinese_mode";
    case EventKind::asb_enable: return "asb_enable";
    case EventKind::paper_sensor_query: return "paper_sensor_query";
    case EventKind::legacy_status_query: return "legacy_status_query";
    case EventKind::realtime_status: return "realtime_status";
    case EventKind::realtime_request: return "realtime_request";
    case EventKind::unsupported: return "unsupported";
    case EventKind::oversize: return "oversize";
    }
    return "?";
}

std::string Event::describe() const {
    std::string s = to_string(kind);
    char buf[64];
    auto hex_bytes = [&](std::size_t max) {
        std::string h;
        for (std::size_t i = 0; i < data.size() && i < max; ++i) {
            std::snprintf(buf, sizeof buf, i ? " %02x" : "%02x", data[i]);
            h += buf;
        }
        if (data.size() > max) h += " ...";
        return h;
    };
    switch (kind) {
    case EventKind::text: {
        s += double_byte ? " (gb18030) \"" : " \"";
        for (std::size_t i = 0; i < data.size() && i < 48; ++i) {
            const std::uint8_t b = data[i];
            if (b >= 0x20 && b < 0x7F && b != '"' && b != '\\') {
                s += static_cast<char>(b);
            } else {
                std::snprintf(buf, sizeof buf, "\\x%02x", b);
                s += buf;
            }
        }
        if (data.size() > 48) s += "...";
        s += '"';
        break;
    }
    case EventKind::raster:
    case EventKind::bit_image:
        std::snprintf(buf, sizeof buf, " %dx%d mode %d", width, height, m);
        s += buf;
        break;
    case EventKind::char_size:
        std::snprintf(buf, sizeof buf, " %dx%d", width, height);
        s += buf;
        break;
    case EventKind::cut:
        s += n == 0 ? " full" : " partial";
        if (m > 0) {
            std::snprintf(buf, sizeof buf, " after %d dots", m);
            s += buf;
        }
        break;
    case EventKind::qr_store:
    case EventKind::barcode:
        if (kind == EventKind::barcode) {
            std::snprintf(buf, sizeof buf, " system %d", m);
            s += buf;
        }
        s += " \"";
        for (std::size_t i = 0; i < data.size() && i < 64; ++i)
            s += data[i] >= 0x20 && data[i] < 0x7F ? static_cast<char>(data[i]) : '.';
        if (data.size() > 64) s += "...";
        s += '"';
        break;
    case EventKind::unsupported:
        s += n ? " (known) " : " (unknown) ";
        s += hex_bytes(k_described_bytes);
        break;
    case EventKind::oversize:
        std::snprintf(buf, sizeof buf, " %d bytes declared, skipped; header ", n);
        s += buf;
        s += hex_bytes(k_described_bytes);
        break;
    case EventKind::line_feed:
    case EventKind::carriage_return:
    case EventKind::tab:
    case EventKind::init:
    case EventKind::qr_print:
    case EventKind::legacy_status_query:
        break;
    default:
        std::snprintf(buf, sizeof buf, " %d", n);
        s += buf;
        if (kind == EventKind::nv_logo) {
            std::snprintf(buf, sizeof buf, " scale %d", m);
            s += buf;
        }
        break;
    }
    return s;
}

// --- Parser ---------------------------------------------------------------------

Parser::Parser(ParserOptions options) : m_options(options), m_chinese(options.chinese_default) {
    if (m_options.max_text_bytes < 4) m_options.max_text_bytes = 4;
}

void Parser::reset() noexcept {
    m_state = State::ground;
    m_chinese = m_options.chinese_default;
    m_text.clear();
    m_char.clear();
    m_cmd.clear();
    m_payload.clear();
    m_block = Block::none;
    m_remaining = 0;
    m_data_len = 0;
    m_chain_left = 0;
    m_watch_len = 0;
    m_hdr_len = 0;
}

std::size_t Parser::pending_bytes() const noexcept {
    return m_text.size() + m_char.size() + m_cmd.size() + m_payload.size();
}

std::vector<Event> Parser::feed(ByteView bytes) {
    std::vector<Event> out;
    feed(bytes, out);
    return out;
}

void Parser::feed(ByteView bytes, std::vector<Event>& out) {
    for (std::uint8_t b : bytes) on_byte(b, out);
    flush_text(out);
}

void Parser::on_byte(std::uint8_t b, std::vector<Event>& out) {
    switch (m_state) {
    case State::ground: ground(b, out); break;
    case State::lead: lead(b, out); break;
    case State::command: command(b, out); break;
    case State::data: data(b, out); break;
    case State::nul_terminated: nul_terminated(b, out); break;
    case State::chain_header: chain_header(b, out); break;
    }
}

void Parser::flush_text(std::vector<Event>& out) {
    if (m_text.empty()) return;
    Event e;
    e.kind = EventKind::text;
    e.double_byte = m_chinese;
    e.size = m_text.size();
    e.data = std::move(m_text);
    m_text.clear();
    out.push_back(std::move(e));
}

void Parser::emit_simple(EventKind kind, int n, std::size_t size, std::vector<Event>& out) {
    Event e;
    e.kind = kind;
    e.n = n;
    e.size = size;
    out.push_back(std::move(e));
}

void Parser::ground(std::uint8_t b, std::vector<Event>& out) {
    if (m_chinese && b >= 0x81 && b <= 0xFE) {
        m_char.assign(1, b);
        m_state = State::lead;
        return;
    }
    if (is_printable(b)) {
        m_text.push_back(b);
        if (m_text.size() >= m_options.max_text_bytes) flush_text(out);
        return;
    }
    flush_text(out);
    switch (b) {
    case k_lf: emit_simple(EventKind::line_feed, 0, 1, out); return;
    case k_cr: emit_simple(EventKind::carriage_return, 0, 1, out); return;
    case k_ht: emit_simple(EventKind::tab, 0, 1, out); return;
    case k_esc:
    case k_gs:
    case k_fs:
    case k_dle:
        m_cmd.assign(1, b);
        m_state = State::command;
        return;
    default: {
        // FF and CAN are page-mode commands: known, without effect here.
        Event e;
        e.kind = EventKind::unsupported;
        e.n = (b == 0x0C || b == 0x18) ? 1 : 0;
        e.data.assign(1, b);
        e.size = 1;
        out.push_back(std::move(e));
        return;
    }
    }
}

void Parser::lead(std::uint8_t b, std::vector<Event>& out) {
    const std::size_t have = m_char.size();
    bool ok = false;
    bool done = false;
    if (have == 1) {
        if ((b >= 0x40 && b <= 0x7E) || (b >= 0x80 && b <= 0xFE)) ok = done = true;
        else if (b >= 0x30 && b <= 0x39) ok = true;
    } else if (have == 2) {
        ok = b >= 0x81 && b <= 0xFE;
    } else {
        ok = done = b >= 0x30 && b <= 0x39;
    }
    if (ok) {
        m_char.push_back(b);
        if (done) {
            m_text.insert(m_text.end(), m_char.begin(), m_char.end());
            m_char.clear();
            m_state = State::ground;
            if (m_text.size() >= m_options.max_text_bytes) flush_text(out);
        }
        return;
    }
    // Not a character: the lead byte stands alone (it prints as a wrong
    // glyph on a real printer) and what followed is read afresh.
    Bytes rest(m_char.begin() + 1, m_char.end());
    rest.push_back(b);
    m_text.push_back(m_char[0]);
    m_char.clear();
    m_state = State::ground;
    for (std::uint8_t r : rest) on_byte(r, out);
}

void Parser::finish(Event e, std::vector<Event>& out) {
    if (e.size == 0) e.size = m_cmd.size();
    out.push_back(std::move(e));
    m_cmd.clear();
    m_state = State::ground;
}

void Parser::unsupported(bool known, std::vector<Event>& out) {
    Event e;
    e.kind = EventKind::unsupported;
    e.n = known ? 1 : 0;
    e.data.assign(m_cmd.begin(), m_cmd.begin() + static_cast<std::ptrdiff_t>(std::min(m_cmd.size(), k_described_bytes)));
    finish(std::move(e), out);
}

void Parser::unknown_command(std::uint8_t c, int fixed, std::vector<Event>& out) {
    if (fixed >= 0) {
        if (m_cmd.size() < static_cast<std::size_t>(2 + fixed)) return;  // wait for its parameters
        unsupported(true, out);
        return;
    }
    if (c < 0x20) {
        lone_prefix(out);
        return;
    }
    unsupported(false, out);
}

void Parser::lone_prefix(std::vector<Event>& out) {
    // A prefix followed by something that is not a command code: the prefix
    // alone is unsupported and the next byte is read afresh.
    const std::uint8_t next = m_cmd.back();
    m_cmd.pop_back();
    unsupported(false, out);
    on_byte(next, out);
}

void Parser::command(std::uint8_t b, std::vector<Event>& out) {
    m_cmd.push_back(b);
    switch (m_cmd[0]) {
    case k_dle: command_dle(out); break;
    case k_esc: command_esc(out); break;
    case k_gs: command_gs(out); break;
    default: command_fs(out); break;
    }
}

void Parser::command_dle(std::vector<Event>& out) {
    const std::size_t n = m_cmd.size();
    const std::uint8_t c = m_cmd[1];
    if (c == 0x04) {  // DLE EOT n [a]
        if (n < 3) return;
        const int q = m_cmd[2];
        if (q >= 1 && q <= 4) {
            Event e;
            e.kind = EventKind::realtime_status;
            e.n = q;
            finish(std::move(e), out);
        } else if (q == 7 || q == 8 || q == 18) {  // extended: ink, peeler, interface — consumed, not answered
            if (n < 4) return;
            unsupported(true, out);
        } else {
            unsupported(true, out);
        }
        return;
    }
    if (c == 0x05) {  // DLE ENQ n
        if (n < 3) return;
        const int q = m_cmd[2];
        if (q == 1 || q == 2) {
            Event e;
            e.kind = EventKind::realtime_request;
            e.n = q;
            finish(std::move(e), out);
        } else {
            unsupported(true, out);
        }
        return;
    }
    if (c == 0x14) {  // DLE DC4 fn ...: pulse, power-off, buzzer, clear buffer
        if (n < 3) return;
        std::size_t total = 3;
        switch (m_cmd[2]) {
        case 1: case 2: total = 5; break;
        case 3: total = 8; break;
        case 7: total = 4; break;
        case 8: total = 10; break;
        default: break;
        }
        if (n < total) return;
        unsupported(true, out);
        return;
    }
    lone_prefix(out);
}

void Parser::command_esc(std::vector<Event>& out) {
    const std::size_t n = m_cmd.size();
    const std::uint8_t c = m_cmd[1];
    Event e;
    switch (c) {
    case '@':
        m_chinese = m_options.chinese_default;
        e.kind = EventKind::init;
        finish(std::move(e), out);
        return;
    case '2':
        e.kind = EventKind::line_spacing;
        e.n = -1;
        finish(std::move(e), out);
        return;
    case 'i':
    case 'm':
        e.kind = EventKind::cut;
        e.n = c == 'i' ? 0 : 1;
        finish(std::move(e), out);
        return;
    case 'v':
        e.kind = EventKind::legacy_status_query;
        finish(std::move(e), out);
        return;
    case '!': case 'E': case '-': case 'a': case 'd': case 'J': case '3': case 'M': case 't': {
        if (n < 3) return;
        const std::uint8_t p = m_cmd[2];
        e.n = p;
        switch (c) {
        case '!': e.kind = EventKind::print_mode; break;
        case 'E': e.kind = EventKind::bold; e.n = p & 1; break;
        case 'd': e.kind = EventKind::feed_lines; break;
        case 'J': e.kind = EventKind::feed_dots; break;
        case '3': e.kind = EventKind::line_spacing; break;
        case 't': e.kind = EventKind::code_page; break;
        default:  // '-', 'a', 'M': 0..2 or '0'..'2'
            e.n = ascii_or_value(p);
            if (e.n > 2) {
                unsupported(true, out);
                return;
            }
            e.kind = c == '-' ? EventKind::underline : c == 'a' ? EventKind::align : EventKind::font;
            break;
        }
        finish(std::move(e), out);
        return;
    }
    case '*': {  // ESC * m nL nH d1..dk
        if (n < 5) return;
        const int mode = m_cmd[2];
        const std::uint64_t cols = m_cmd[3] + 256u * m_cmd[4];
        if ((mode != 0 && mode != 1 && mode != 32 && mode != 33) || cols == 0) {
            unsupported(true, out);
            return;
        }
        begin_data(Block::bit_image, cols * (mode >= 32 ? 3 : 1), m_options.max_image_bytes, out);
        return;
    }
    case '(': {  // ESC ( fn pL pH ...
        if (n < 5) return;
        begin_data(Block::skip_known, m_cmd[3] + 256u * m_cmd[4], 0, out);
        return;
    }
    case 'D':  // ESC D n1 .. nk NUL, k <= 32
        m_payload.clear();
        m_nul_max = 32;
        m_block = Block::skip_known;
        m_state = State::nul_terminated;
        return;
    case '&': {  // ESC & y c1 c2 [x d1..d(y*x)]...
        if (n < 5) return;
        const int y = m_cmd[2];
        const int c1 = m_cmd[3];
        const int c2 = m_cmd[4];
        if (y < 1 || y > 3 || c2 < c1) {
            unsupported(true, out);
            return;
        }
        m_chain_left = c2 - c1 + 1;
        m_chain_unit = y;
        m_hdr_need = 1;
        begin_chain(out);
        return;
    }
    default: break;
    }
    unknown_command(c, esc_fixed(c), out);
}

void Parser::command_gs(std::vector<Event>& out) {
    const std::size_t n = m_cmd.size();
    const std::uint8_t c = m_cmd[1];
    Event e;
    switch (c) {
    case '!': case 'h': case 'w': case 'H': case 'a': case 'r': {
        if (n < 3) return;
        const std::uint8_t p = m_cmd[2];
        e.n = p;
        switch (c) {
        case '!':
            e.kind = EventKind::char_size;
            e.width = ((p >> 4) & 0x07) + 1;
            e.height = (p & 0x07) + 1;
            break;
        case 'h': e.kind = EventKind::barcode_height; break;
        case 'w': e.kind = EventKind::barcode_width; break;
        case 'H': e.kind = EventKind::barcode_hri; e.n = ascii_or_value(p) & 0x03; break;
        case 'a': e.kind = EventKind::asb_enable; break;
        default:
            e.kind = EventKind::paper_sensor_query;
            e.n = ascii_or_value(p);
            if (e.n != 1 && e.n != 2) {
                unsupported(true, out);
                return;
            }
            break;
        }
        finish(std::move(e), out);
        return;
    }
    case 'V': {  // GS V m [n]
        if (n < 3) return;
        const int mode = m_cmd[2];
        e.kind = EventKind::cut;
        if (mode == 0 || mode == 48 || mode == 1 || mode == 49) {
            e.n = (mode == 1 || mode == 49) ? 1 : 0;
            finish(std::move(e), out);
            return;
        }
        if (mode == 65 || mode == 66 || mode == 97 || mode == 98 || mode == 103 || mode == 104) {
            if (n < 4) return;
            e.n = (mode % 2 == 0) ? 1 : 0;  // 66, 98, 104: partial
            e.m = m_cmd[3];
            finish(std::move(e), out);
            return;
        }
        unsupported(true, out);
        return;
    }
    case 'v': {  // GS v 0 m xL xH yL yH d1..dk
        if (n < 3) return;
        if (m_cmd[2] != '0') {
            lone_prefix(out);
            return;
        }
        if (n < 8) return;
        const std::uint64_t xbytes = m_cmd[4] + 256u * m_cmd[5];
        const std::uint64_t rows = m_cmd[6] + 256u * m_cmd[7];
        if (xbytes == 0 || rows == 0) {
            unsupported(true, out);
            return;
        }
        begin_data(Block::raster, xbytes * rows, m_options.max_image_bytes, out);
        return;
    }
    case 'k': {  // GS k m d1..dk NUL | GS k m n d1..dn
        if (n < 3) return;
        const int sys = m_cmd[2];
        if (sys <= 6) {
            m_payload.clear();
            m_nul_max = m_options.max_barcode_bytes;
            m_block = Block::barcode;
            m_state = State::nul_terminated;
            return;
        }
        if (sys >= 65 && sys <= 79) {
            if (n < 4) return;
            begin_data(Block::barcode, m_cmd[3], m_options.max_barcode_bytes, out);
            return;
        }
        unsupported(false, out);
        return;
    }
    case '(': {  // GS ( fn pL pH ...
        if (n < 5) return;
        const std::uint64_t len = m_cmd[3] + 256u * m_cmd[4];
        if (m_cmd[2] == 'k') begin_data(Block::gs_paren, len, m_options.max_qr_bytes + 3, out);
        else begin_data(Block::skip_known, len, 0, out);
        return;
    }
    case '*': {  // GS * x y d1..d(x*y*8): define a downloaded image
        if (n < 4) return;
        begin_data(Block::skip_known, std::uint64_t{m_cmd[2]} * m_cmd[3] * 8u, 0, out);
        return;
    }
    case '8': {  // GS 8 L p1 p2 p3 p4 ...: graphics data, 32-bit length
        if (n < 3) return;
        if (m_cmd[2] != 'L') {
            lone_prefix(out);
            return;
        }
        if (n < 7) return;
        const std::uint64_t len = m_cmd[3] | (std::uint64_t{m_cmd[4]} << 8) | (std::uint64_t{m_cmd[5]} << 16) |
                                  (std::uint64_t{m_cmd[6]} << 24);
        begin_data(Block::skip_known, len, 0, out);
        return;
    }
    default: break;
    }
    unknown_command(c, gs_fixed(c), out);
}

void Parser::command_fs(std::vector<Event>& out) {
    const std::size_t n = m_cmd.size();
    const std::uint8_t c = m_cmd[1];
    Event e;
    switch (c) {
    case '&':
    case '.':
        m_chinese = c == '&';
        e.kind = EventKind::chinese_mode;
        e.n = m_chinese ? 1 : 0;
        finish(std::move(e), out);
        return;
    case 'p':  // FS p n m
        if (n < 4) return;
        e.kind = EventKind::nv_logo;
        e.n = m_cmd[2];
        e.m = ascii_or_value(m_cmd[3]);
        finish(std::move(e), out);
        return;
    case '(':
        if (n < 5) return;
        begin_data(Block::skip_known, m_cmd[3] + 256u * m_cmd[4], 0, out);
        return;
    case 'q': {  // FS q n [xL xH yL yH d1..d(x*y*8)]...
        if (n < 3) return;
        if (m_cmd[2] == 0) {
            unsupported(true, out);
            return;
        }
        m_chain_left = m_cmd[2];
        m_chain_unit = 0;
        m_hdr_need = 4;
        begin_chain(out);
        return;
    }
    default: break;
    }
    unknown_command(c, fs_fixed(c), out);
}

void Parser::begin_data(Block block, std::uint64_t length, std::size_t cap, std::vector<Event>& out) {
    m_block = block;
    m_data_len = length;
    m_remaining = length;
    m_watch_len = 0;
    m_payload.clear();
    m_store = block != Block::skip_known && block != Block::chain_data;
    if (m_store && length > cap) {
        // Too big to keep: say so now, then let the declared bytes pass.
        Event e;
        e.kind = EventKind::oversize;
        e.n = length > 0x7FFFFFFFu ? 0x7FFFFFFF : static_cast<int>(length);
        e.m = m_cmd.size() > 1 ? m_cmd[1] : 0;
        e.data.assign(m_cmd.begin(), m_cmd.begin() + static_cast<std::ptrdiff_t>(std::min(m_cmd.size(), k_described_bytes)));
        e.size = m_cmd.size();
        out.push_back(std::move(e));
        m_store = false;
        m_block = Block::oversize;
    } else if (block == Block::skip_known) {
        Event e;
        e.kind = EventKind::unsupported;
        e.n = 1;
        e.data.assign(m_cmd.begin(), m_cmd.begin() + static_cast<std::ptrdiff_t>(std::min(m_cmd.size(), k_described_bytes)));
        e.size = m_cmd.size();
        out.push_back(std::move(e));
    }
    if (m_store) m_payload.reserve(static_cast<std::size_t>(length));
    if (length == 0) {
        finish_data(out);
        return;
    }
    m_state = State::data;
}

void Parser::watch_realtime(std::uint8_t b, std::vector<Event>& out) {
    if (m_watch_len == 2 && m_watch[0] == k_dle) {
        const bool status = m_watch[1] == 0x04 && b >= 1 && b <= 4;
        const bool request = m_watch[1] == 0x05 && (b == 1 || b == 2);
        if (status || request) {
            Event e;
            e.kind = status ? EventKind::realtime_status : EventKind::realtime_request;
            e.n = b;
            e.size = 0;  // the bytes are also data
            out.push_back(std::move(e));
            m_watch_len = 0;
            return;
        }
    }
    if (m_watch_len == 2) {
        m_watch[0] = m_watch[1];
        m_watch[1] = b;
    } else {
        m_watch[m_watch_len++] = b;
    }
}

void Parser::data(std::uint8_t b, std::vector<Event>& out) {
    if (m_options.realtime_in_data) watch_realtime(b, out);
    if (m_store) m_payload.push_back(b);
    if (--m_remaining == 0) finish_data(out);
}

void Parser::finish_data(std::vector<Event>& out) {
    const Block block = m_block;
    m_block = Block::none;
    m_state = State::ground;
    Event e;
    e.size = m_cmd.size() + static_cast<std::size_t>(m_data_len);
    switch (block) {
    case Block::raster: {
        e.kind = EventKind::raster;
        e.m = ascii_or_value(m_cmd[3]) & 0x03;
        e.width = (m_cmd[4] + 256 * m_cmd[5]) * 8;
        e.height = m_cmd[6] + 256 * m_cmd[7];
        e.data = std::move(m_payload);
        break;
    }
    case Block::bit_image: {
        const int mode = m_cmd[2];
        const int cols = m_cmd[3] + 256 * m_cmd[4];
        const int per_col = mode >= 32 ? 3 : 1;
        e.kind = EventKind::bit_image;
        e.m = mode;
        e.width = cols;
        e.height = 8 * per_col;
        const int row_bytes = (cols + 7) / 8;
        e.data.assign(static_cast<std::size_t>(row_bytes) * static_cast<std::size_t>(e.height), 0);
        for (int x = 0; x < cols; ++x)
            for (int y = 0; y < e.height; ++y) {
                const std::uint8_t v = m_payload[static_cast<std::size_t>(x * per_col + y / 8)];
                if (v & (0x80 >> (y % 8)))
                    e.data[static_cast<std::size_t>(y * row_bytes + x / 8)] |= static_cast<std::uint8_t>(0x80 >> (x % 8));
            }
        break;
    }
    case Block::barcode:
        e.kind = EventKind::barcode;
        e.m = m_cmd[2];
        e.data = std::move(m_payload);
        break;
    case Block::gs_paren:
        if (!gs_paren_event(e)) {
            e.kind = EventKind::unsupported;
            e.n = 1;
            Bytes head(m_cmd.begin(), m_cmd.end());
            head.insert(head.end(), m_payload.begin(),
                        m_payload.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(m_payload.size(), 4)));
            head.resize(std::min(head.size(), k_described_bytes));
            e.data = std::move(head);
        }
        break;
    case Block::chain_data:
        m_payload.clear();
        m_cmd.clear();
        next_chain_block(out);
        return;
    default:  // skip_known, oversize: reported when they began
        m_payload.clear();
        m_cmd.clear();
        return;
    }
    m_payload.clear();
    m_cmd.clear();
    out.push_back(std::move(e));
}

bool Parser::gs_paren_event(Event& e) {
    // GS ( k pL pH cn fn [m] ...: QR code functions only (cn = 49).
    const Bytes& p = m_payload;
    if (p.size() < 2 || p[0] != 49) return false;
    switch (p[1]) {
    case 65:  // model: n1 (49 model 1, 50 model 2, 51 micro) n2
        if (p.size() < 3) return false;
        e.kind = EventKind::qr_model;
        e.n = p[2] >= 49 ? p[2] - 48 : p[2];
        return true;
    case 67:
        if (p.size() < 3) return false;
        e.kind = EventKind::qr_size;
        e.n = p[2];
        return true;
    case 69:
        if (p.size() < 3 || p[2] < 48 || p[2] > 51) return false;
        e.kind = EventKind::qr_error;
        e.n = p[2] - 48;
        return true;
    case 80:  // store: m = 48, then the data
        if (p.size() < 3) return false;
        e.kind = EventKind::qr_store;
        e.data.assign(p.begin() + 3, p.end());
        return true;
    case 81:
        e.kind = EventKind::qr_print;
        return true;
    default:
        return false;
    }
}

void Parser::nul_terminated(std::uint8_t b, std::vector<Event>& out) {
    if (b == k_nul) {
        Event e;
        e.size = m_cmd.size() + m_payload.size() + 1;
        if (m_block == Block::barcode) {
            e.kind = EventKind::barcode;
            e.m = 65 + m_cmd[2];  // form A system k is form B's 65 + k
            e.data = std::move(m_payload);
        } else {
            e.kind = EventKind::unsupported;
            e.n = 1;
            e.data.assign(m_cmd.begin(), m_cmd.end());
        }
        m_payload.clear();
        m_block = Block::none;
        finish(std::move(e), out);
        return;
    }
    const bool control = b < 0x20 && m_block == Block::barcode;
    if (control || m_payload.size() >= m_nul_max) {
        // No terminator where one must be: end the command here and read the byte afresh.
        Event e;
        if (m_block == Block::barcode && !control) {
            e.kind = EventKind::oversize;
            e.n = static_cast<int>(m_payload.size()) + 1;
            e.m = m_cmd[1];
        } else {
            e.kind = EventKind::unsupported;
            e.n = m_block == Block::barcode ? 0 : 1;
        }
        e.data.assign(m_cmd.begin(), m_cmd.end());
        e.size = m_cmd.size() + m_payload.size();
        m_payload.clear();
        m_block = Block::none;
        finish(std::move(e), out);
        on_byte(b, out);
        return;
    }
    m_payload.push_back(b);
}

void Parser::begin_chain(std::vector<Event>& out) {
    // The whole chain is reported once, as it starts; its blocks are skipped.
    Event e;
    e.kind = EventKind::unsupported;
    e.n = 1;
    e.data.assign(m_cmd.begin(), m_cmd.end());
    e.size = m_cmd.size();
    out.push_back(std::move(e));
    m_cmd.clear();
    m_hdr_len = 0;
    m_state = State::chain_header;
}

void Parser::chain_header(std::uint8_t b, std::vector<Event>& out) {
    if (m_options.realtime_in_data) watch_realtime(b, out);
    m_hdr[m_hdr_len++] = b;
    if (m_hdr_len < m_hdr_need) return;
    std::uint64_t len = 0;
    if (m_hdr_need == 4) {  // FS q: xL xH yL yH, x*y*8 bytes
        len = std::uint64_t{m_hdr[0] + 256u * m_hdr[1]} * (m_hdr[2] + 256u * m_hdr[3]) * 8u;
    } else {  // ESC &: x, then y*x bytes
        len = std::uint64_t{m_hdr[0]} * static_cast<std::uint64_t>(m_chain_unit);
    }
    --m_chain_left;
    m_hdr_len = 0;
    const int watch = m_watch_len;
    begin_data(Block::chain_data, len, 0, out);
    m_watch_len = watch;  // the chain is one data block for the real-time watch
}

void Parser::next_chain_block(std::vector<Event>& out) {
    (void)out;
    if (m_chain_left > 0) {
        m_hdr_len = 0;
        m_state = State::chain_header;
    } else {
        m_state = State::ground;
    }
}

// --- Status bytes -------------------------------------------------------------------

namespace {

PrinterState implied(PrinterState s) noexcept {
    if (s.paper_end) {
        s.paper_near_end = true;
        s.paper_end_stop = true;
    }
    if (s.recoverable_error || s.autocutter_error || s.unrecoverable_error || s.auto_recoverable_error)
        s.error = true;
    if (s.cover_open || s.feeding_by_button || s.paper_end_stop || s.error) s.offline = true;
    return s;
}

std::uint8_t bit(bool on, std::uint8_t mask) noexcept { return on ? mask : 0; }

}  // namespace

std::uint8_t dle_eot_reply(int n, const PrinterState& state) noexcept {
    const PrinterState s = implied(state);
    std::uint8_t r = 0x12;  // 0xx1xx10b
    switch (n) {
    case 1:
        r |= bit(s.drawer_open, 0x04) | bit(s.offline, 0x08) | bit(s.waiting_online_recovery, 0x20) |
             bit(s.feed_button, 0x40);
        break;
    case 2:
        r |= bit(s.cover_open, 0x04) | bit(s.feeding_by_button, 0x08) | bit(s.paper_end_stop, 0x20) |
             bit(s.error, 0x40);
        break;
    case 3:
        r |= bit(s.recoverable_error, 0x04) | bit(s.autocutter_error, 0x08) | bit(s.unrecoverable_error, 0x20) |
             bit(s.auto_recoverable_error, 0x40);
        break;
    case 4:
        r |= bit(s.paper_near_end, 0x0C) | bit(s.paper_end, 0x60);
        break;
    default:
        break;
    }
    return r;
}

std::uint8_t gs_r_reply(int n, const PrinterState& state) noexcept {
    const PrinterState s = implied(state);
    if (n == 2) return bit(s.drawer_open, 0x01);
    return static_cast<std::uint8_t>(bit(s.paper_near_end, 0x03) | bit(s.paper_end, 0x0C));
}

std::array<std::uint8_t, 4> asb_block(const PrinterState& state) noexcept {
    const PrinterState s = implied(state);
    std::array<std::uint8_t, 4> b{};
    b[0] = static_cast<std::uint8_t>(0x10 | bit(s.drawer_open, 0x04) | bit(s.offline, 0x08) | bit(s.cover_open, 0x20) |
                                     bit(s.feeding_by_button, 0x40));
    b[1] = static_cast<std::uint8_t>(bit(s.recoverable_error, 0x04) | bit(s.autocutter_error, 0x08) |
                                     bit(s.unrecoverable_error, 0x20) | bit(s.auto_recoverable_error, 0x40));
    b[2] = static_cast<std::uint8_t>(bit(s.paper_near_end, 0x03) | bit(s.paper_end, 0x0C));
    b[3] = 0x00;
    return b;
}

std::size_t gb18030_length(ByteView bytes, std::size_t pos) noexcept {
    if (pos >= bytes.size()) return 1;
    const std::uint8_t b0 = bytes[pos];
    if (b0 < 0x81 || b0 > 0xFE || pos + 1 >= bytes.size()) return 1;
    const std::uint8_t b1 = bytes[pos + 1];
    if ((b1 >= 0x40 && b1 <= 0x7E) || (b1 >= 0x80 && b1 <= 0xFE)) return 2;
    if (b1 < 0x30 || b1 > 0x39 || pos + 3 >= bytes.size()) return 1;
    const std::uint8_t b2 = bytes[pos + 2];
    const std::uint8_t b3 = bytes[pos + 3];
    if (b2 >= 0x81 && b2 <= 0xFE && b3 >= 0x30 && b3 <= 0x39) return 4;
    return 1;
}

// --- Builder ------------------------------------------------------------------------

ReceiptBuilder& ReceiptBuilder::put(std::initializer_list<int> bytes) {
    for (int b : bytes) m_bytes.push_back(static_cast<std::uint8_t>(b));
    return *this;
}

ReceiptBuilder& ReceiptBuilder::init() { return put({k_esc, '@'}); }

ReceiptBuilder& ReceiptBuilder::text(std::string_view bytes) {
    m_bytes.insert(m_bytes.end(), bytes.begin(), bytes.end());
    return *this;
}

ReceiptBuilder& ReceiptBuilder::line(std::string_view bytes) {
    text(bytes);
    return put({k_lf});
}

ReceiptBuilder& ReceiptBuilder::chinese(std::string_view gb18030) {
    chinese_mode(true);
    text(gb18030);
    return chinese_mode(false);
}

ReceiptBuilder& ReceiptBuilder::chinese_mode(bool on) { return put({k_fs, on ? '&' : '.'}); }

ReceiptBuilder& ReceiptBuilder::code_page(int n) { return put({k_esc, 't', n & 0xFF}); }

ReceiptBuilder& ReceiptBuilder::bold(bool on) { return put({k_esc, 'E', on ? 1 : 0}); }

ReceiptBuilder& ReceiptBuilder::underline(int n) { return put({k_esc, '-', std::clamp(n, 0, 2)}); }

ReceiptBuilder& ReceiptBuilder::align(Align a) { return put({k_esc, 'a', static_cast<int>(a)}); }

ReceiptBuilder& ReceiptBuilder::size(int width, int height) {
    const int w = std::clamp(width, 1, 8) - 1;
    const int h = std::clamp(height, 1, 8) - 1;
    return put({k_gs, '!', (w << 4) | h});
}

ReceiptBuilder& ReceiptBuilder::line_spacing(int dots) {
    if (dots < 0) return put({k_esc, '2'});
    return put({k_esc, '3', std::min(dots, 255)});
}

ReceiptBuilder& ReceiptBuilder::feed(int lines) { return put({k_esc, 'd', std::clamp(lines, 0, 255)}); }

ReceiptBuilder& ReceiptBuilder::feed_dots(int dots) { return put({k_esc, 'J', std::clamp(dots, 0, 255)}); }

ReceiptBuilder& ReceiptBuilder::qr(std::string_view data, int module_dots, char error_level) {
    int level = 49;  // M
    switch (error_level) {
    case 'L': level = 48; break;
    case 'Q': level = 50; break;
    case 'H': level = 51; break;
    default: break;
    }
    put({k_gs, '(', 'k', 4, 0, 49, 65, 50, 0});                   // model 2
    put({k_gs, '(', 'k', 3, 0, 49, 67, std::clamp(module_dots, 1, 16)});
    put({k_gs, '(', 'k', 3, 0, 49, 69, level});
    const std::size_t len = std::min<std::size_t>(data.size(), 0xFFFF - 3) + 3;
    put({k_gs, '(', 'k', static_cast<int>(len & 0xFF), static_cast<int>(len >> 8), 49, 80, 48});
    m_bytes.insert(m_bytes.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(len - 3));
    return put({k_gs, '(', 'k', 3, 0, 49, 81, 48});
}

ReceiptBuilder& ReceiptBuilder::barcode(int system, std::string_view data, int height_dots) {
    put({k_gs, 'h', std::clamp(height_dots, 1, 255)});
    put({k_gs, 'H', 2});
    const std::size_t len = std::min<std::size_t>(data.size(), 255);
    put({k_gs, 'k', std::clamp(system, 65, 79), static_cast<int>(len)});
    m_bytes.insert(m_bytes.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(len));
    return *this;
}

ReceiptBuilder& ReceiptBuilder::raster(int width_dots, int height_dots, ByteView rows) {
    const int xbytes = (std::max(width_dots, 0) + 7) / 8;
    const int h = std::max(height_dots, 0);
    put({k_gs, 'v', '0', 0, xbytes & 0xFF, (xbytes >> 8) & 0xFF, h & 0xFF, (h >> 8) & 0xFF});
    const std::size_t need = static_cast<std::size_t>(xbytes) * static_cast<std::size_t>(h);
    for (std::size_t i = 0; i < need; ++i) m_bytes.push_back(i < rows.size() ? rows[i] : 0);
    return *this;
}

ReceiptBuilder& ReceiptBuilder::cut(bool partial, int feed_dots) {
    if (feed_dots > 0) return put({k_gs, 'V', partial ? 66 : 65, std::min(feed_dots, 255)});
    return put({k_gs, 'V', partial ? 1 : 0});
}

ReceiptBuilder& ReceiptBuilder::raw(ByteView bytes) {
    m_bytes.insert(m_bytes.end(), bytes.begin(), bytes.end());
    return *this;
}

Bytes dle_eot(int n) { return Bytes{k_dle, 0x04, static_cast<std::uint8_t>(n)}; }

}  // namespace kiosktwin::protocol::escpos
