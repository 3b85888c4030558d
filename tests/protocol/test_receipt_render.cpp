// Receipts laid out from ESC/POS events: columns, alignment, feeds, cuts,
// QR/barcode capture, GB18030 placeholders and PNG preview (peripherals.md
// §2.2 geometry: 80 mm → 576 dots / 48 columns, 58 mm → 384 / 32; R-9.3-1:
// the masked ID number prints as sent).
#include <kiosktwin/protocol/escpos.hpp>
#include <kiosktwin/protocol/receipt_render.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace protocol_receipt_render_test {

using namespace kiosktwin::protocol;
using namespace kiosktwin::protocol::escpos;

namespace {

Bytes b(std::initializer_list<int> v) {
    Bytes out;
    for (int x : v) out.push_back(static_cast<std::uint8_t>(x));
    return out;
}

// Decodes the PNG encoder's own output (stored deflate blocks, filter 0) back
// to greyscale pixels, so tests can look at dots.
struct Grey {
    std::uint32_t width = 0, height = 0;
    Bytes px;
    int at(std::uint32_t x, std::uint32_t y) const { return px[static_cast<std::size_t>(y) * width + x]; }
};

std::uint32_t be32(const Bytes& d, std::size_t i) {
    return (std::uint32_t{d[i]} << 24) | (std::uint32_t{d[i + 1]} << 16) | (std::uint32_t{d[i + 2]} << 8) | d[i + 3];
}

Grey decode(const Bytes& png) {
    Grey g;
    REQUIRE(png.size() > 8);
    REQUIRE(png[1] == 'P');
    Bytes z;
    for (std::size_t i = 8; i + 8 <= png.size();) {
        const std::uint32_t len = be32(png, i);
        const std::string type(png.begin() + static_cast<std::ptrdiff_t>(i + 4), png.begin() + static_cast<std::ptrdiff_t>(i + 8));
        if (type == "IHDR") {
            g.width = be32(png, i + 8);
            g.height = be32(png, i + 12);
            REQUIRE(png[i + 17] == 0);  // greyscale
        }
        if (type == "IDAT") z.insert(z.end(), png.begin() + static_cast<std::ptrdiff_t>(i + 8), png.begin() + static_cast<std::ptrdiff_t>(i + 8 + len));
        i += 12 + len;
    }
    Bytes raw;
    for (std::size_t i = 2; i + 5 <= z.size();) {  // stored blocks
        const bool final = z[i] & 1;
        const std::size_t n = z[i + 1] | (z[i + 2] << 8);
        raw.insert(raw.end(), z.begin() + static_cast<std::ptrdiff_t>(i + 5), z.begin() + static_cast<std::ptrdiff_t>(i + 5 + n));
        i += 5 + n;
        if (final) break;
    }
    REQUIRE(raw.size() == static_cast<std::size_t>(g.height) * (g.width + 1));
    for (std::uint32_t y = 0; y < g.height; ++y) {
        REQUIRE(raw[y * (g.width + 1)] == 0);
        g.px.insert(g.px.end(), raw.begin() + y * (g.width + 1) + 1, raw.begin() + (y + 1) * (g.width + 1));
    }
    return g;
}

std::vector<Receipt> render(const ReceiptBuilder& rb, RenderConfig rc = {}) { return render_stream(rb.bytes(), rc); }

}  // namespace

TEST_CASE("80 mm paper has 48 columns and 576 dots, 58 mm 32 and 384", "[render]") {
    RenderConfig rc;
    CHECK(rc.printable_dots() == 576);
    CHECK(rc.columns() == 48);
    rc.paper_width_mm = 58;
    CHECK(rc.printable_dots() == 384);
    CHECK(rc.columns() == 32);
}

TEST_CASE("alignment is applied in columns, size counts in dots", "[render]") {
    ReceiptBuilder rb;
    rb.init()
        .align(ReceiptBuilder::Align::centre)
        .line("ABCD")
        .align(ReceiptBuilder::Align::right)
        .line("xy")
        .align(ReceiptBuilder::Align::centre)
        .size(2, 2)
        .line("BIG")
        .size(1, 1)
        .align(ReceiptBuilder::Align::left)
        .line("left   ")
        .cut();
    const auto rs = render(rb);
    REQUIRE(rs.size() == 1);
    const Receipt& r = rs[0];
    REQUIRE(r.lines.size() == 4);
    CHECK(r.lines[0] == std::string(22, ' ') + "ABCD");  // (48 - 4) / 2
    CHECK(r.lines[1] == std::string(46, ' ') + "xy");
    CHECK(r.lines[2] == std::string(21, ' ') + "BIG");   // 3 double-width characters take 6 columns
    CHECK(r.lines[3] == "left");                          // trailing spaces trimmed
    CHECK(r.cut);
    CHECK_FALSE(r.partial_cut);
    // Three single lines of 30 dots and one double-height line of 48.
    CHECK(r.length_dots == 30 + 30 + 48 + 30);
    CHECK(r.length_mm == Approx(138.0 / 8));
    CHECK(r.to_text() == r.lines[0] + "\n" + r.lines[1] + "\n" + r.lines[2] + "\n" + "left\n");

    RenderConfig narrow;
    narrow.paper_width_mm = 58;
    const auto rn = render(rb, narrow);
    REQUIRE(rn.size() == 1);
    CHECK(rn[0].lines[0] == std::string(14, ' ') + "ABCD");  // (32 - 4) / 2
    CHECK(rn[0].columns == 32);
}

TEST_CASE("alignment is taken where the line starts, as on Epson printers", "[render]") {
    ReceiptBuilder rb;
    rb.align(ReceiptBuilder::Align::right).text("ab").align(ReceiptBuilder::Align::left).line("cd").line("ef");
    const auto rs = render(rb);
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].lines[0] == std::string(44, ' ') + "abcd");
    CHECK(rs[0].lines[1] == "ef");
}

TEST_CASE("a line longer than the paper wraps at the column limit", "[render]") {
    ReceiptBuilder rb;
    rb.line(std::string(50, 'x')).cut();
    const auto rs = render(rb);
    REQUIRE(rs[0].lines.size() == 2);
    CHECK(rs[0].lines[0] == std::string(48, 'x'));
    CHECK(rs[0].lines[1] == "xx");
    CHECK(rs[0].length_dots == 60);
}

TEST_CASE("feeds: ESC d n lines, ESC J n dots, line spacing and GS V 65 n", "[render]") {
    ReceiptRenderer rr;
    Parser p;
    auto run = [&](const Bytes& bytes) {
        int fed = 0;
        for (const auto& e : p.feed(bytes)) fed += rr.apply(e);
        return fed;
    };
    CHECK(run(b({'h', 'i'})) == 0);  // text waits in the line buffer
    CHECK(rr.line_pending());
    CHECK(run(b({0x0A})) == 30);
    CHECK(run(b({0x1B, 'd', 3})) == 90);
    CHECK(run(b({0x1B, 'J', 17})) == 17);
    CHECK(run(b({0x1B, '3', 50, 0x0A})) == 50);
    CHECK(run(b({0x1B, '3', 10, 'x', 0x0A})) == 24);  // a line is at least as tall as its characters
    CHECK(run(b({0x1B, '2', 0x0A})) == 30);
    CHECK(run(b({0x1D, 'V', 65, 40})) == 40);
    REQUIRE(rr.has_completed());
    const auto done = rr.take_completed();
    REQUIRE(done.size() == 1);
    CHECK(done[0].length_dots == 30 + 90 + 17 + 50 + 24 + 30 + 40);
    CHECK(done[0].lines == std::vector<std::string>{"hi", "", "", "", "", "x", ""});
    CHECK(rr.current().empty());
}

TEST_CASE("ESC ! and ESC @ set and reset the print modes", "[render]") {
    ReceiptBuilder rb;
    rb.raw(b({0x1B, '!', 0x30})).line("W").init().line("n").cut();
    const auto rs = render(rb);
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].length_dots == 48 + 30);  // double height, then back to normal
}

TEST_CASE("QR codes and barcodes are captured with their data", "[render]") {
    ReceiptBuilder rb;
    rb.align(ReceiptBuilder::Align::centre).qr("https://zwfw.example.gov.cn/q?c=BJ2026", 6, 'M').barcode(73, "{BCASE-001", 80).cut();
    const auto rs = render(rb);
    REQUIRE(rs.size() == 1);
    const Receipt& r = rs[0];
    CHECK(r.qr_codes == std::vector<std::string>{"https://zwfw.example.gov.cn/q?c=BJ2026"});
    REQUIRE(r.barcodes.size() == 1);
    CHECK(r.barcodes[0] == Barcode{73, "{BCASE-001"});
    REQUIRE(r.lines.size() == 2);
    CHECK(r.lines[0].find("[QR: https://zwfw.example.gov.cn/q?c=BJ2026]") != std::string::npos);
    CHECK(r.lines[1].find("[CODE128: {BCASE-001]") != std::string::npos);
    // 38 bytes at level M: version 3, 29 modules of 6 dots; the barcode 80 dots + its digits below.
    CHECK(r.length_dots == 29 * 6 + 80 + 26);
    // A QR print without stored data prints nothing.
    ReceiptBuilder none;
    none.raw(b({0x1D, '(', 'k', 3, 0, 49, 81, 48})).cut();
    CHECK(render(none)[0].length_dots == 0);
}

TEST_CASE("GB18030 text shows placeholders, keeps its bytes, and takes a decoder", "[render][gb18030]") {
    // 办件回执 (case receipt), then a masked ID number (R-9.3-1).
    ReceiptBuilder rb;
    rb.align(ReceiptBuilder::Align::centre).chinese("\xB0\xEC\xBC\xFE\xBB\xD8\xD6\xB4").raw(b({0x0A}));
    rb.align(ReceiptBuilder::Align::left).line("ID: 1101**********1234").cut();
    auto rs = render(rb);
    REQUIRE(rs.size() == 1);
    REQUIRE(rs[0].lines.size() == 2);
    // Four 24-dot characters = 8 columns, centred: 20 spaces.
    CHECK(rs[0].lines[0] == std::string(20, ' ') + "\xE3\x80\x93\xE3\x80\x93\xE3\x80\x93\xE3\x80\x93");
    CHECK(rs[0].raw_lines[0] == std::string(20, ' ') + "\xB0\xEC\xBC\xFE\xBB\xD8\xD6\xB4");
    CHECK(rs[0].lines[1] == "ID: 1101**********1234");
    CHECK(rs[0].raw_lines[1] == rs[0].lines[1]);

    RenderConfig rc;
    rc.gb18030_decoder = [](ByteView ch) -> std::string {
        if (ch.size() == 2 && ch[0] == 0xB0 && ch[1] == 0xEC) return "\xE5\x8A\x9E";  // 办
        return "";
    };
    rs = render(rb, rc);
    CHECK(rs[0].lines[0] == std::string(20, ' ') + "\xE5\x8A\x9E\xE3\x80\x93\xE3\x80\x93\xE3\x80\x93");
}

TEST_CASE("code pages: PC437 and WPC1252 upper halves are decoded", "[render]") {
    ReceiptBuilder rb;
    rb.chinese_mode(false).code_page(0).raw(b({0x82, 0xB0, 0x0A})).code_page(16).raw(b({0x80, 0xE9, 0x0A})).code_page(7).raw(b({0x80, 0x0A})).cut();
    const auto rs = render(rb);
    REQUIRE(rs[0].lines.size() == 3);
    CHECK(rs[0].lines[0] == "\xC3\xA9\xE2\x96\x91");  // é ░
    CHECK(rs[0].lines[1] == "\xE2\x82\xAC\xC3\xA9");  // € é
    CHECK(rs[0].lines[2] == "\xEF\xBF\xBD");          // unknown page: U+FFFD
    CHECK(rs[0].raw_lines[0] == "??");
}

TEST_CASE("raster images are drawn exactly in the PNG", "[render][png]") {
    // A 16x4 image: a diagonal of 2x2 blocks and a full last row; centred.
    Bytes rows = {0xC0, 0x00, 0x30, 0x00, 0x0C, 0x00, 0xFF, 0xFF};
    ReceiptBuilder rb;
    rb.align(ReceiptBuilder::Align::centre).raster(16, 4, rows).cut();
    const auto rs = render(rb);
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].images == 1);
    CHECK(rs[0].lines == std::vector<std::string>{std::string(23, ' ') + "[image 16x4]"});
    const Grey g = decode(render_png(rs[0]));
    CHECK(g.width == 576);
    REQUIRE(g.height == 4);
    const std::uint32_t x0 = (576 - 16) / 2;
    for (std::uint32_t y = 0; y < 4; ++y)
        for (std::uint32_t x = 0; x < 576; ++x) {
            bool black = false;
            if (x >= x0 && x < x0 + 16) {
                const std::uint32_t ix = x - x0;
                black = (rows[y * 2 + ix / 8] & (0x80 >> (ix % 8))) != 0;
            }
            INFO("x=" << x << " y=" << y);
            CHECK(g.at(x, y) == (black ? 0 : 255));
        }
}

TEST_CASE("raster scale modes double the dots", "[render][png]") {
    ReceiptBuilder rb;
    rb.raw(b({0x1D, 'v', '0', 3, 1, 0, 1, 0, 0x80})).cut();  // 8x1, quadruple: one dot -> 2x2
    const auto rs = render(rb);
    const Grey g = decode(render_png(rs[0]));
    REQUIRE(g.height == 2);
    CHECK(g.at(0, 0) == 0);
    CHECK(g.at(1, 1) == 0);
    CHECK(g.at(2, 0) == 255);
}

TEST_CASE("text is drawn as blocks: bold solid, regular hatched, spaces blank", "[render][png]") {
    ReceiptBuilder rb;
    rb.bold(true).text("H").bold(false).line("H H").cut();
    const auto rs = render(rb);
    const Grey g = decode(render_png(rs[0]));
    REQUIRE(g.height == 30);
    auto ink = [&](std::uint32_t x0, std::uint32_t x1) {
        int n = 0;
        for (std::uint32_t y = 0; y < g.height; ++y)
            for (std::uint32_t x = x0; x < x1; ++x) n += g.at(x, y) == 0;
        return n;
    };
    const int bold = ink(0, 12), regular = ink(12, 24), space = ink(24, 36), after = ink(48, 576);
    CHECK(bold > 0);
    CHECK(regular > 0);
    CHECK(regular < bold);  // hatched
    CHECK(space == 0);
    CHECK(after == 0);
}

TEST_CASE("a PNG of a long receipt is cut short, and the receipt's content is bounded", "[render][limits]") {
    RenderConfig rc;
    rc.max_lines = 100;
    rc.max_png_rows = 500;
    ReceiptBuilder rb;
    for (int i = 0; i < 300; ++i) rb.line("line");
    rb.cut();
    const auto rs = render(rb, rc);
    REQUIRE(rs.size() == 1);
    CHECK(rs[0].lines.size() == 100);
    CHECK(rs[0].truncated);
    CHECK(rs[0].length_dots == 300 * 30);  // the paper fed is still counted
    const Grey g = decode(render_png(rs[0], rc));
    CHECK(g.height == 500);
}

TEST_CASE("tear ends a receipt without a cut and keeps the unprinted line", "[render]") {
    ReceiptRenderer rr;
    Parser p;
    for (const auto& e : p.feed(b({'a', 0x0A, 'b'}))) rr.apply(e);
    const Receipt piece = rr.tear();
    CHECK_FALSE(piece.cut);
    CHECK(piece.lines == std::vector<std::string>{"a"});
    CHECK(rr.line_pending());
    for (const auto& e : p.feed(b({0x0A, 0x1D, 'V', 0}))) rr.apply(e);
    const auto done = rr.take_completed();
    REQUIRE(done.size() == 1);
    CHECK(done[0].lines == std::vector<std::string>{"b"});
    rr.clear_line();
    CHECK_FALSE(rr.line_pending());
}

TEST_CASE("render_stream returns the unfinished receipt last", "[render]") {
    ReceiptBuilder rb;
    rb.line("one").cut().line("two");
    const auto rs = render(rb);
    REQUIRE(rs.size() == 2);
    CHECK(rs[0].cut);
    CHECK_FALSE(rs[1].cut);
    CHECK(rs[1].lines == std::vector<std::string>{"two"});
}

TEST_CASE("bit images sit in the line and print with it", "[render][png]") {
    // ESC * 33: 24-dot double density, 1 column with every dot set, then text, LF.
    ReceiptBuilder rb;
    rb.raw(b({0x1B, '*', 33, 1, 0, 0xFF, 0xFF, 0xFF})).line("A").cut();
    const auto rs = render(rb);
    REQUIRE(rs[0].lines.size() == 1);
    CHECK(rs[0].lines[0] == "[image]A");
    CHECK(rs[0].images == 1);
    const Grey g = decode(render_png(rs[0]));
    for (std::uint32_t y = 0; y < 24; ++y) CHECK(g.at(0, y) == 0);
    CHECK(g.at(1, 0) == 255);
}

TEST_CASE("the npm encoder's 办件 receipt lays out as the kiosk meant it (R-9.3-1)", "[render][golden]") {
    // tests/e2e/receipt_escpos.mjs encode: @point-of-sale/receipt-printer-encoder 4.0.1,
    // Chinese as raw GB18030 in FS & ... FS ., the ID number masked.
    const Bytes bytes = {
    0x1b, 0x40, 0x1c, 0x2e, 0x1b, 0x4d, 0x00, 0x1b, 0x61, 0x01, 0x1d, 0x21, 0x11, 0x1b, 0x45, 0x01, 0x1c, 0x26, 0xb0, 0xec,
    0xbc, 0xfe, 0xbb, 0xd8, 0xd6, 0xb4, 0x1c, 0x2e, 0x0a, 0x1d, 0x21, 0x00, 0x1b, 0x45, 0x00, 0x1b, 0x61, 0x00, 0x1c, 0x26,
    0xca, 0xc2, 0xcf, 0xee, 0xc3, 0xfb, 0xb3, 0xc6, 0xa3, 0xba, 0xbe, 0xd3, 0xc3, 0xf1, 0xc9, 0xed, 0xb7, 0xdd, 0xd6, 0xa4,
    0xbb, 0xbb, 0xc1, 0xec, 0x1c, 0x2e, 0x0a, 0x0d, 0x1c, 0x26, 0xb0, 0xec, 0xbc, 0xfe, 0xb1, 0xe0, 0xba, 0xc5, 0xa3, 0xba,
    0x1c, 0x2e, 0x1b, 0x74, 0x00, 0x42, 0x4a, 0x2d, 0x32, 0x30, 0x32, 0x36, 0x2d, 0x30, 0x30, 0x30, 0x31, 0x32, 0x33, 0x0a,
    0x0d, 0x1c, 0x26, 0xd6, 0xa4, 0xbc, 0xfe, 0xba, 0xc5, 0xc2, 0xeb, 0xa3, 0xba, 0x1c, 0x2e, 0x1b, 0x74, 0x00, 0x31, 0x31,
    0x30, 0x31, 0x2a, 0x2a, 0x2a, 0x2a, 0x2a, 0x2a, 0x2a, 0x2a, 0x2a, 0x2a, 0x31, 0x32, 0x33, 0x34, 0x0a, 0x0d, 0x43, 0x61,
    0x73, 0x65, 0x3a, 0x20, 0x42, 0x4a, 0x2d, 0x32, 0x30, 0x32, 0x36, 0x2d, 0x30, 0x30, 0x30, 0x31, 0x32, 0x33, 0x0a, 0x0d,
    0x49, 0x44, 0x3a, 0x20, 0x31, 0x31, 0x30, 0x31, 0x2a, 0x2a, 0x2a, 0x2a, 0x2a, 0x2a, 0x2a, 0x2a, 0x2a, 0x2a, 0x31, 0x32,
    0x33, 0x34, 0x0a, 0x0d, 0x54, 0x69, 0x6d, 0x65, 0x3a, 0x20, 0x32, 0x30, 0x32, 0x36, 0x2d, 0x30, 0x33, 0x2d, 0x30, 0x32,
    0x54, 0x31, 0x30, 0x3a, 0x31, 0x35, 0x3a, 0x30, 0x30, 0x2b, 0x30, 0x38, 0x3a, 0x30, 0x30, 0x0a, 0x0d, 0x1b, 0x61, 0x01,
    0x1d, 0x28, 0x6b, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00, 0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x43, 0x06, 0x1d, 0x28, 0x6b,
    0x03, 0x00, 0x31, 0x45, 0x31, 0x1d, 0x28, 0x6b, 0x2f, 0x00, 0x31, 0x50, 0x30, 0x68, 0x74, 0x74, 0x70, 0x73, 0x3a, 0x2f,
    0x2f, 0x7a, 0x77, 0x66, 0x77, 0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x67, 0x6f, 0x76, 0x2e, 0x63, 0x6e,
    0x2f, 0x63, 0x2f, 0x42, 0x4a, 0x2d, 0x32, 0x30, 0x32, 0x36, 0x2d, 0x30, 0x30, 0x30, 0x31, 0x32, 0x33, 0x1d, 0x28, 0x6b,
    0x03, 0x00, 0x31, 0x51, 0x30, 0x0a, 0x0d, 0x1b, 0x61, 0x00, 0x0a, 0x0d, 0x0a, 0x0d, 0x0a, 0x0d, 0x0a, 0x0d, 0x1d, 0x56,
    0x01, 0x0a, 0x0d,
    };
    const auto rs = render_stream(bytes);
    REQUIRE(rs.size() == 2);  // the cut receipt, then the line fed after the cut (the next one's top)
    const Receipt& r = rs[0];
    CHECK(r.cut);
    CHECK(r.partial_cut);
    const std::string geta = "\xE3\x80\x93";
    auto times = [](const std::string& x, int n) {
        std::string out;
        for (int i = 0; i < n; ++i) out += x;
        return out;
    };
    REQUIRE(r.lines.size() == 13);
    CHECK(r.lines[0] == std::string(16, ' ') + times(geta, 4));  // 办件回执, double size, centred
    CHECK(r.lines[1] == times(geta, 12));                         // 事项名称：居民身份证换领
    CHECK(r.lines[2] == times(geta, 5) + "BJ-2026-000123");
    CHECK(r.lines[3] == times(geta, 5) + "1101**********1234");
    CHECK(r.lines[4] == "Case: BJ-2026-000123");
    CHECK(r.lines[5] == "ID: 1101**********1234");
    CHECK(r.lines[6] == "Time: 2026-03-02T10:15:00+08:00");
    // 47 bytes at level M: version 4, 33 modules of 6 dots = 198 dots, centred at dot 189 (column 15).
    CHECK(r.lines[7] == std::string(15, ' ') + "[QR: https://zwfw.example.gov.cn/c/BJ-2026-000123]");
    CHECK(r.qr_codes == std::vector<std::string>{"https://zwfw.example.gov.cn/c/BJ-2026-000123"});
    CHECK(r.raw_lines[1] == "\xCA\xC2\xCF\xEE\xC3\xFB\xB3\xC6\xA3\xBA\xBE\xD3\xC3\xF1\xC9\xED\xB7\xDD\xD6\xA4\xBB\xBB\xC1\xEC");
    for (std::size_t i = 8; i < r.lines.size(); ++i) CHECK(r.lines[i].empty());
    CHECK_FALSE(rs[1].cut);
    CHECK(rs[1].length_dots == 30);
}

}  // namespace protocol_receipt_render_test
