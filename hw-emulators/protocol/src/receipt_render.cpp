#include <kiosktwin/protocol/receipt_render.hpp>

#include <kiosktwin/protocol/png.hpp>

#include <algorithm>
#include <cstdio>
#include <utility>

namespace kiosktwin::protocol::escpos {

namespace {

// Code pages as the printer's character tables define them (the IBM and
// Microsoft code pages of the same numbers), upper halves only.
constexpr char16_t k_pc437_high[128] = {
    0x00C7, 0x00FC, 0x00E9, 0x00E2, 0x00E4, 0x00E0, 0x00E5, 0x00E7, 0x00EA, 0x00EB, 0x00E8, 0x00EF, 0x00EE, 0x00EC, 0x00C4, 0x00C5,
    0x00C9, 0x00E6, 0x00C6, 0x00F4, 0x00F6, 0x00F2, 0x00FB, 0x00F9, 0x00FF, 0x00D6, 0x00DC, 0x00A2, 0x00A3, 0x00A5, 0x20A7, 0x0192,
    0x00E1, 0x00ED, 0x00F3, 0x00FA, 0x00F1, 0x00D1, 0x00AA, 0x00BA, 0x00BF, 0x2310, 0x00AC, 0x00BD, 0x00BC, 0x00A1, 0x00AB, 0x00BB,
    0x2591, 0x2592, 0x2593, 0x2502, 0x2524, 0x2561, 0x2562, 0x2556, 0x2555, 0x2563, 0x2551, 0x2557, 0x255D, 0x255C, 0x255B, 0x2510,
    0x2514, 0x2534, 0x252C, 0x251C, 0x2500, 0x253C, 0x255E, 0x255F, 0x255A, 0x2554, 0x2569, 0x2566, 0x2560, 0x2550, 0x256C, 0x2567,
    0x2568, 0x2564, 0x2565, 0x2559, 0x2558, 0x2552, 0x2553, 0x256B, 0x256A, 0x2518, 0x250C, 0x2588, 0x2584, 0x258C, 0x2590, 0x2580,
    0x03B1, 0x00DF, 0x0393, 0x03C0, 0x03A3, 0x03C3, 0x00B5, 0x03C4, 0x03A6, 0x0398, 0x03A9, 0x03B4, 0x221E, 0x03C6, 0x03B5, 0x2229,
    0x2261, 0x00B1, 0x2265, 0x2264, 0x2320, 0x2321, 0x00F7, 0x2248, 0x00B0, 0x2219, 0x00B7, 0x221A, 0x207F, 0x00B2, 0x25A0, 0x00A0,
};
constexpr char16_t k_wpc1252_80_9f[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD,
    0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

constexpr int k_font_a_width = 12;  // Font A 12x24; text columns are Font A columns
constexpr std::size_t k_max_completed = 64;

enum Shape { blank = 0, punct = 1, lower = 2, upper = 3, cjk = 4 };

std::string utf8(char32_t c) {
    std::string s;
    if (c < 0x80) {
        s += static_cast<char>(c);
    } else if (c < 0x800) {
        s += static_cast<char>(0xC0 | (c >> 6));
        s += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        s += static_cast<char>(0xE0 | (c >> 12));
        s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        s += static_cast<char>(0xF0 | (c >> 18));
        s += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        s += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        s += static_cast<char>(0x80 | (c & 0x3F));
    }
    return s;
}

char32_t code_page_char(int page, std::uint8_t b) {
    if (b < 0x80) return b;
    if (page == 0) return k_pc437_high[b - 0x80];
    if (page == 16) return b < 0xA0 ? k_wpc1252_80_9f[b - 0x80] : char32_t{b};  // A0..FF = Latin-1
    return 0xFFFD;
}

int shape_of(char32_t c) {
    if (c == ' ' || c == 0xA0) return blank;
    if (c >= 'a' && c <= 'z') return (c == 'b' || c == 'd' || c == 'f' || c == 'h' || c == 'k' || c == 'l' || c == 't') ? upper : lower;
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return upper;
    if (c < 0x80) return punct;
    return upper;
}

std::string printable_ascii(const std::string& s, std::size_t max) {
    std::string out;
    for (std::size_t i = 0; i < s.size() && i < max; ++i) {
        const auto b = static_cast<unsigned char>(s[i]);
        out += (b >= 0x20 && b < 0x7F) ? static_cast<char>(b) : '.';
    }
    if (s.size() > max) out += "...";
    return out;
}

const char* barcode_name(int system) {
    switch (system) {
    case 65: return "UPC-A";
    case 66: return "UPC-E";
    case 67: return "EAN13";
    case 68: return "EAN8";
    case 69: return "CODE39";
    case 70: return "ITF";
    case 71: return "CODABAR";
    case 72: return "CODE93";
    case 73: return "CODE128";
    case 74: return "GS1-128";
    default: return "BARCODE";
    }
}

int barcode_modules(int system, std::size_t len) {
    const int n = static_cast<int>(len);
    switch (system) {
    case 65: case 67: return 95;
    case 66: return 51;
    case 68: return 67;
    case 69: return (n + 2) * 13;
    case 70: return n * 9 + 9;
    case 71: return (n + 2) * 10;
    case 72: return (n + 4) * 9;
    default: return (n + 3) * 11 + 2;
    }
}

// QR model 2 byte-mode capacity per error level (L, M, Q, H): exact for
// versions 1..10 and 40; in between it is interpolated, so the symbol's size
// is an estimate for long data.
int qr_modules(std::size_t bytes, int level) {
    static constexpr int k_cap[10][4] = {{17, 14, 11, 7},     {32, 26, 20, 14},    {53, 42, 32, 24},
                                         {78, 62, 46, 34},    {106, 84, 60, 44},   {134, 106, 74, 58},
                                         {154, 122, 86, 64},  {192, 152, 108, 84}, {230, 180, 130, 98},
                                         {271, 213, 151, 119}};
    static constexpr int k_cap40[4] = {2953, 2331, 1663, 1273};
    const int l = std::clamp(level, 0, 3);
    const auto need = static_cast<long long>(bytes);
    int version = 40;
    for (int v = 1; v <= 40; ++v) {
        long long cap = 0;
        if (v <= 10) cap = k_cap[v - 1][l];
        else cap = k_cap[9][l] + static_cast<long long>(k_cap40[l] - k_cap[9][l]) * (v - 10) / 30;
        if (need <= cap) {
            version = v;
            break;
        }
    }
    return 17 + 4 * version;
}

std::uint64_t hash_bytes(const std::string& s) {
    std::uint64_t h = 1469598103934665603ull;  // FNV-1a
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return h;
}

std::uint64_t mix(std::uint64_t z) {
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void rstrip(std::string& s) {
    while (!s.empty() && s.back() == ' ') s.pop_back();
}

}  // namespace

int RenderConfig::printable_dots() const noexcept {
    const int dpm = std::max(dots_per_mm, 1);
    if (paper_width_mm <= 58) return std::max(paper_width_mm - 10, 8) * dpm;  // 58 -> 48 mm
    return std::max(paper_width_mm - 8, 8) * dpm;                             // 80 -> 72 mm
}

int RenderConfig::columns() const noexcept { return printable_dots() / k_font_a_width; }

bool Bitmap::at(int x, int y) const noexcept {
    if (x < 0 || y < 0 || x >= width || y >= height) return false;
    const std::size_t i = static_cast<std::size_t>(y) * static_cast<std::size_t>((width + 7) / 8) +
                          static_cast<std::size_t>(x / 8);
    return i < rows.size() && (rows[i] & (0x80 >> (x % 8))) != 0;
}

std::string Receipt::to_text() const {
    std::string s;
    for (const auto& l : lines) {
        s += l;
        s += '\n';
    }
    return s;
}

// --- ReceiptRenderer ---------------------------------------------------------------

ReceiptRenderer::ReceiptRenderer(RenderConfig config) : m_config(std::move(config)) { reset(); }

void ReceiptRenderer::reset() {
    m_modes = Modes{};
    m_modes.line_spacing = std::max(m_config.line_spacing_dots, 1);
    m_current = Receipt{};
    m_current.columns = m_config.columns();
    m_current.width_dots = m_config.printable_dots();
    m_completed.clear();
    m_cells.clear();
    m_line_images.clear();
    m_x = 0;
    m_line_align = 0;
    m_qr_data.clear();
    m_qr_stored = false;
    m_image_bytes = 0;
}

void ReceiptRenderer::clear_line() noexcept {
    m_cells.clear();
    m_line_images.clear();
    m_x = 0;
}

std::vector<Receipt> ReceiptRenderer::take_completed() {
    std::vector<Receipt> out;
    out.swap(m_completed);
    return out;
}

Receipt ReceiptRenderer::tear() {
    Receipt r = std::move(m_current);
    r.cut = false;
    m_current = Receipt{};
    m_current.columns = m_config.columns();
    m_current.width_dots = m_config.printable_dots();
    m_image_bytes = 0;
    return r;
}

int ReceiptRenderer::feed(int dots) {
    if (dots <= 0) return 0;
    m_current.length_dots += dots;
    m_current.length_mm = static_cast<double>(m_current.length_dots) / std::max(m_config.dots_per_mm, 1);
    return dots;
}

void ReceiptRenderer::feed_blank(int dots) {
    if (dots <= 0) return;
    feed(dots);
}

void ReceiptRenderer::add_mark(const Mark& m) {
    if (m_current.marks.size() >= m_config.max_lines * 64) {
        m_current.truncated = true;
        return;
    }
    m_current.marks.push_back(m);
}

int ReceiptRenderer::add_bitmap(Bitmap b) {
    if (m_image_bytes + b.rows.size() > m_config.max_image_bytes) {
        m_current.truncated = true;
        return -1;
    }
    m_image_bytes += b.rows.size();
    m_current.bitmaps.push_back(std::move(b));
    return static_cast<int>(m_current.bitmaps.size() - 1);
}

void ReceiptRenderer::add_line(std::string utf8_line, std::string raw_line, int pad_dots) {
    if (m_current.lines.size() >= m_config.max_lines) {
        m_current.truncated = true;
        return;
    }
    const auto pad = static_cast<std::size_t>(std::max(pad_dots, 0) / k_font_a_width);
    utf8_line.insert(0, pad, ' ');
    raw_line.insert(0, pad, ' ');
    rstrip(utf8_line);
    rstrip(raw_line);
    m_current.lines.push_back(std::move(utf8_line));
    m_current.raw_lines.push_back(std::move(raw_line));
}

int ReceiptRenderer::block(int width) const {
    const int p = m_config.printable_dots();
    switch (m_modes.align) {
    case 1: return std::max((p - width) / 2, 0);
    case 2: return std::max(p - width, 0);
    default: return 0;
    }
}

int ReceiptRenderer::print_line(int min_feed) {
    const int p = m_config.printable_dots();
    int content_h = 0;
    for (const Cell& c : m_cells) content_h = std::max(content_h, c.h);
    int pad = 0;
    if (m_line_align == 1) pad = std::max((p - m_x) / 2, 0);
    if (m_line_align == 2) pad = std::max(p - m_x, 0);
    const int y = m_current.length_dots;
    std::string text_line;
    std::string raw_line;
    for (const Cell& c : m_cells) {
        text_line += c.utf8;
        raw_line += c.raw;
        Mark m;
        m.x = pad + c.x;
        m.y = y + content_h - c.h;
        m.w = c.w;
        m.h = c.h;
        if (c.image >= 0) {
            const Bitmap& src = m_line_images[static_cast<std::size_t>(c.image)];
            m.kind = Mark::Kind::image;
            m.scale_x = std::max(c.w / std::max(src.width, 1), 1);
            m.scale_y = std::max(c.h / std::max(src.height, 1), 1);
            m.value = add_bitmap(src);
            ++m_current.images;
            if (m.value >= 0) add_mark(m);
            continue;
        }
        if (c.shape != blank) {
            m.kind = Mark::Kind::glyph;
            m.value = c.shape;
            m.bold = c.bold;
            add_mark(m);
        }
        if (c.underline) {
            Mark u;
            u.kind = Mark::Kind::underline;
            u.x = pad + c.x;
            u.y = y + content_h - 2;
            u.w = c.w;
            u.h = 2;
            add_mark(u);
        }
    }
    add_line(std::move(text_line), std::move(raw_line), pad);  // an empty line feeds a blank line
    clear_line();
    return feed(std::max({min_feed, content_h}));
}

void ReceiptRenderer::put_char(std::string utf8_char, std::string raw, int cell_w, int cell_h, int shape, int& fed) {
    const int w = cell_w * m_modes.width;
    const int h = cell_h * m_modes.height;
    if (m_x > 0 && m_x + w > m_config.printable_dots()) fed += print_line(m_modes.line_spacing);  // wrap
    if (m_cells.empty()) m_line_align = m_modes.align;
    if (m_cells.size() >= 4096) return;  // a line longer than any paper: ignore the excess
    Cell c;
    c.utf8 = std::move(utf8_char);
    c.raw = std::move(raw);
    c.x = m_x;
    c.w = w;
    c.h = h;
    c.shape = shape;
    c.bold = m_modes.bold;
    c.underline = m_modes.underline > 0;
    m_cells.push_back(std::move(c));
    m_x += w;
}

int ReceiptRenderer::text(const Event& e) {
    int fed = 0;
    const int cw = m_modes.font == 0 ? 12 : 9;
    const int ch = m_modes.font == 0 ? 24 : 17;
    const int cjk_size = m_modes.font == 0 ? 24 : 16;
    const ByteView data(e.data);
    for (std::size_t i = 0; i < data.size();) {
        const std::uint8_t b = data[i];
        if (e.double_byte) {
            const std::size_t len = gb18030_length(data, i);
            if (len >= 2) {
                const ByteView ch_bytes = data.subspan(i, len);
                std::string u;
                if (m_config.gb18030_decoder) u = m_config.gb18030_decoder(ch_bytes);
                if (u.empty()) u = utf8(0x3013);
                put_char(std::move(u), std::string(ch_bytes.begin(), ch_bytes.end()), cjk_size, cjk_size, cjk, fed);
                i += len;
                continue;
            }
            if (b >= 0x80) {
                put_char(utf8(0xFFFD), "?", cw, ch, upper, fed);
                ++i;
                continue;
            }
        }
        const char32_t c = code_page_char(m_modes.code_page, b);
        put_char(utf8(c), b < 0x80 ? std::string(1, static_cast<char>(b)) : std::string("?"), cw, ch, shape_of(c), fed);
        ++i;
    }
    return fed;
}

void ReceiptRenderer::complete(bool partial) {
    m_current.cut = true;
    m_current.partial_cut = partial;
    if (m_completed.size() >= k_max_completed) m_completed.erase(m_completed.begin());
    m_completed.push_back(std::move(m_current));
    m_current = Receipt{};
    m_current.columns = m_config.columns();
    m_current.width_dots = m_config.printable_dots();
    m_image_bytes = 0;
}

int ReceiptRenderer::apply(const Event& e) {
    const int spacing = m_modes.line_spacing;
    switch (e.kind) {
    case EventKind::text: return text(e);
    case EventKind::line_feed: return print_line(spacing);
    case EventKind::tab: {
        const int stop = (m_x / (8 * k_font_a_width) + 1) * 8 * k_font_a_width;
        if (stop > m_config.printable_dots()) return 0;
        if (m_cells.empty()) m_line_align = m_modes.align;
        Cell c;
        c.utf8.assign(static_cast<std::size_t>((stop - m_x) / k_font_a_width), ' ');
        c.raw = c.utf8;
        c.x = m_x;
        c.w = stop - m_x;
        c.h = 0;
        m_cells.push_back(std::move(c));
        m_x = stop;
        return 0;
    }
    case EventKind::init:
        m_modes = Modes{};
        m_modes.line_spacing = std::max(m_config.line_spacing_dots, 1);
        clear_line();
        return 0;
    case EventKind::print_mode:
        m_modes.font = e.n & 0x01;
        m_modes.bold = (e.n & 0x08) != 0;
        m_modes.height = (e.n & 0x10) ? 2 : 1;
        m_modes.width = (e.n & 0x20) ? 2 : 1;
        m_modes.underline = (e.n & 0x80) ? 1 : 0;
        return 0;
    case EventKind::bold: m_modes.bold = e.n != 0; return 0;
    case EventKind::underline: m_modes.underline = e.n; return 0;
    case EventKind::align: m_modes.align = std::clamp(e.n, 0, 2); return 0;
    case EventKind::font: m_modes.font = e.n == 0 ? 0 : 1; return 0;
    case EventKind::code_page: m_modes.code_page = e.n; return 0;
    case EventKind::line_spacing:
        m_modes.line_spacing = e.n < 0 ? std::max(m_config.line_spacing_dots, 1) : e.n;
        return 0;
    case EventKind::char_size:
        m_modes.width = std::clamp(e.width, 1, 8);
        m_modes.height = std::clamp(e.height, 1, 8);
        return 0;
    case EventKind::feed_lines: {
        const int n = std::max(e.n, 0);
        if (!m_cells.empty()) {
            const int fed = print_line(n * spacing);
            for (int i = 1; i < n; ++i) add_line({}, {}, 0);
            return fed;
        }
        for (int i = 0; i < n; ++i) add_line({}, {}, 0);
        return feed(n * spacing);
    }
    case EventKind::feed_dots:
        if (!m_cells.empty()) return print_line(std::max(e.n, 0));
        for (int i = 0; i < e.n / std::max(spacing, 1); ++i) add_line({}, {}, 0);
        return feed(e.n);
    case EventKind::cut: {
        int fed = m_cells.empty() ? 0 : print_line(spacing);
        fed += feed(e.m);
        complete(e.n == 1);
        return fed;
    }
    case EventKind::raster: {
        int fed = m_cells.empty() ? 0 : print_line(spacing);
        const int sx = (e.m & 1) ? 2 : 1;
        const int sy = (e.m & 2) ? 2 : 1;
        Mark m;
        m.kind = Mark::Kind::image;
        m.w = e.width * sx;
        m.h = e.height * sy;
        m.x = block(m.w);
        m.y = m_current.length_dots;
        m.scale_x = sx;
        m.scale_y = sy;
        m.value = add_bitmap(Bitmap{e.width, e.height, e.data});
        if (m.value >= 0) add_mark(m);
        ++m_current.images;
        char buf[48];
        std::snprintf(buf, sizeof buf, "[image %dx%d]", m.w, m.h);
        add_line(buf, buf, m.x);
        return fed + feed(m.h);
    }
    case EventKind::bit_image: {
        // Placed in the line buffer like a character; printed by the next LF.
        // 8-dot modes print each dot 3 rows tall; single density doubles the width.
        const int sx = (e.m == 0 || e.m == 32) ? 2 : 1;
        const int sy = e.m < 32 ? 3 : 1;
        int fed = 0;
        const int w = e.width * sx;
        if (m_x > 0 && m_x + w > m_config.printable_dots()) fed += print_line(spacing);
        if (m_cells.empty()) m_line_align = m_modes.align;
        if (m_line_images.size() >= 256) return fed;
        m_line_images.push_back(Bitmap{e.width, e.height, e.data});
        Cell c;
        c.utf8 = "[image]";
        c.raw = c.utf8;
        c.x = m_x;
        c.w = w;
        c.h = e.height * sy;
        c.image = static_cast<int>(m_line_images.size() - 1);
        m_cells.push_back(std::move(c));
        m_x += w;
        return fed;
    }
    case EventKind::qr_size: m_modes.qr_size = std::clamp(e.n, 1, 16); return 0;
    case EventKind::qr_error: m_modes.qr_error = std::clamp(e.n, 0, 3); return 0;
    case EventKind::qr_store:
        m_qr_data.assign(e.data.begin(), e.data.end());
        m_qr_stored = true;
        return 0;
    case EventKind::qr_print: {
        if (!m_qr_stored) return 0;  // nothing stored: the printer prints nothing
        int fed = m_cells.empty() ? 0 : print_line(spacing);
        const int modules = qr_modules(m_qr_data.size(), m_modes.qr_error);
        Mark m;
        m.kind = Mark::Kind::qr;
        m.w = m.h = modules * m_modes.qr_size;
        m.x = block(m.w);
        m.y = m_current.length_dots;
        m.value = modules;
        m.scale_x = m.scale_y = m_modes.qr_size;
        m.bold = false;
        add_mark(m);
        if (m_current.qr_codes.size() < m_config.max_lines) m_current.qr_codes.push_back(m_qr_data);
        const std::string label = "[QR: " + printable_ascii(m_qr_data, 200) + "]";
        add_line(label, label, m.x);
        return fed + feed(m.h);
    }
    case EventKind::barcode: {
        int fed = m_cells.empty() ? 0 : print_line(spacing);
        const std::string data(e.data.begin(), e.data.end());
        const int hri_h = ((m_modes.barcode_hri & 1) ? 26 : 0) + ((m_modes.barcode_hri & 2) ? 26 : 0);
        Mark m;
        m.kind = Mark::Kind::barcode;
        m.w = std::min(barcode_modules(e.m, data.size()) * std::max(m_modes.barcode_width, 1), m_config.printable_dots());
        m.h = std::max(m_modes.barcode_height, 1);
        m.x = block(m.w);
        m.y = m_current.length_dots + ((m_modes.barcode_hri & 1) ? 26 : 0);
        m.value = static_cast<int>(hash_bytes(data) & 0x7FFFFFFF);
        add_mark(m);
        if (m_current.barcodes.size() < m_config.max_lines) m_current.barcodes.push_back(Barcode{e.m, data});
        const std::string label = std::string("[") + barcode_name(e.m) + ": " + printable_ascii(data, 200) + "]";
        add_line(label, label, m.x);
        return fed + feed(m.h + hri_h);
    }
    case EventKind::barcode_height: m_modes.barcode_height = e.n; return 0;
    case EventKind::barcode_width: m_modes.barcode_width = std::clamp(e.n, 1, 6); return 0;
    case EventKind::barcode_hri: m_modes.barcode_hri = e.n & 0x03; return 0;
    case EventKind::nv_logo: {
        int fed = m_cells.empty() ? 0 : print_line(spacing);
        char buf[32];
        std::snprintf(buf, sizeof buf, "[NV logo %d]", e.n);
        add_line(buf, buf, block(static_cast<int>(std::char_traits<char>::length(buf)) * k_font_a_width));
        return fed + feed(spacing);
    }
    default:
        return 0;
    }
}

// --- Whole streams and PNG -------------------------------------------------------------

std::vector<Receipt> render_stream(ByteView bytes, const RenderConfig& config, ParserOptions options) {
    Parser parser(options);
    ReceiptRenderer renderer(config);
    std::vector<Receipt> out;
    std::vector<Event> events;
    parser.feed(bytes, events);
    for (const Event& e : events) {
        renderer.apply(e);
        for (auto& r : renderer.take_completed()) out.push_back(std::move(r));
    }
    if (!renderer.current().empty()) out.push_back(renderer.tear());
    return out;
}

namespace {

class Canvas {
public:
    Canvas(int w, int h) : m_w(w), m_h(h), m_px(static_cast<std::size_t>(w) * static_cast<std::size_t>(h), 255) {}
    void set(int x, int y) {
        if (x >= 0 && y >= 0 && x < m_w && y < m_h) m_px[static_cast<std::size_t>(y) * static_cast<std::size_t>(m_w) + static_cast<std::size_t>(x)] = 0;
    }
    void fill(int x0, int y0, int x1, int y1, bool hatched = false) {
        x0 = std::max(x0, 0);
        y0 = std::max(y0, 0);
        x1 = std::min(x1, m_w);
        y1 = std::min(y1, m_h);
        for (int y = y0; y < y1; ++y)
            for (int x = x0; x < x1; ++x)
                if (!hatched || ((x + y) % 2 == 0)) set(x, y);
    }
    int height() const { return m_h; }
    const Bytes& pixels() const { return m_px; }

private:
    int m_w, m_h;
    Bytes m_px;
};

void draw_glyph(Canvas& c, const Mark& m) {
    const int x0 = m.x + 1, x1 = m.x + m.w - 1;
    switch (m.value) {
    case punct: c.fill(m.x + m.w / 3, m.y + m.h * 2 / 3, m.x + m.w * 2 / 3 + 1, m.y + m.h * 5 / 6, !m.bold); break;
    case lower: c.fill(x0, m.y + m.h * 5 / 12, x1, m.y + m.h * 5 / 6, !m.bold); break;
    case cjk: {
        const int y0 = m.y + m.h / 12, y1 = m.y + m.h * 11 / 12;
        const int t = m.bold ? 3 : 2;
        c.fill(x0, y0, x1, y0 + t);
        c.fill(x0, y1 - t, x1, y1);
        c.fill(x0, y0, x0 + t, y1);
        c.fill(x1 - t, y0, x1, y1);
        c.fill(x0, (y0 + y1) / 2 - 1, x1, (y0 + y1) / 2 + 1);
        break;
    }
    default: c.fill(x0, m.y + m.h / 6, x1, m.y + m.h * 5 / 6, !m.bold); break;
    }
}

void draw_qr(Canvas& c, const Mark& m, std::uint64_t seed) {
    const int n = m.value;
    const int s = std::max(m.scale_x, 1);
    auto finder = [&](int mx, int my, int x, int y) {  // module (x, y) relative to a finder at (mx, my)
        const int dx = x - mx, dy = y - my;
        if (dx < 0 || dy < 0 || dx > 6 || dy > 6) return -1;
        const int ring = std::min({dx, dy, 6 - dx, 6 - dy});
        return ring == 1 ? 0 : 1;
    };
    for (int y = 0; y < n; ++y)
        for (int x = 0; x < n; ++x) {
            int v = finder(0, 0, x, y);
            if (v < 0) v = finder(n - 7, 0, x, y);
            if (v < 0) v = finder(0, n - 7, x, y);
            if (v < 0) {
                const bool separator = (x <= 7 && y <= 7) || (x >= n - 8 && y <= 7) || (x <= 7 && y >= n - 8);
                v = separator ? 0 : static_cast<int>(mix(seed + static_cast<std::uint64_t>(y) * 4099u + static_cast<std::uint64_t>(x)) & 1u);
            }
            if (v) c.fill(m.x + x * s, m.y + y * s, m.x + (x + 1) * s, m.y + (y + 1) * s);
        }
}

void draw_barcode(Canvas& c, const Mark& m) {
    std::uint64_t h = mix(static_cast<std::uint64_t>(m.value));
    int x = m.x;
    bool black = true;
    int bits = 0;
    while (x < m.x + m.w) {
        if (bits == 0) {
            h = mix(h);
            bits = 32;
        }
        const int width = 1 + static_cast<int>(h & 3u);  // 1..4 dots
        h >>= 2;
        bits -= 2;
        if (black) c.fill(x, m.y, std::min(x + width, m.x + m.w), m.y + m.h);
        x += width;
        black = !black;
    }
}

}  // namespace

Bytes render_png(const Receipt& receipt, const RenderConfig& config) {
    const int w = std::max(receipt.width_dots, 8);
    const int h = std::clamp(receipt.length_dots, 1, std::max(config.max_png_rows, 1));
    Canvas c(w, h);
    for (const Mark& m : receipt.marks) {
        if (m.y >= c.height()) continue;
        switch (m.kind) {
        case Mark::Kind::glyph: draw_glyph(c, m); break;
        case Mark::Kind::underline: c.fill(m.x, m.y, m.x + m.w, m.y + m.h); break;
        case Mark::Kind::image: {
            if (m.value < 0 || static_cast<std::size_t>(m.value) >= receipt.bitmaps.size()) break;
            const Bitmap& b = receipt.bitmaps[static_cast<std::size_t>(m.value)];
            const int sx = std::max(m.scale_x, 1), sy = std::max(m.scale_y, 1);
            for (int y = 0; y < b.height && m.y + y * sy < c.height(); ++y)
                for (int x = 0; x < b.width; ++x)
                    if (b.at(x, y)) c.fill(m.x + x * sx, m.y + y * sy, m.x + (x + 1) * sx, m.y + (y + 1) * sy);
            break;
        }
        case Mark::Kind::qr: draw_qr(c, m, static_cast<std::uint64_t>(m.x) * 131u + static_cast<std::uint64_t>(m.y)); break;
        case Mark::Kind::barcode: draw_barcode(c, m); break;
        }
    }
    return encode_png(static_cast<std::uint32_t>(w), static_cast<std::uint32_t>(h), PngColour::grey, c.pixels());
}

}  // namespace kiosktwin::protocol::escpos
