// ESC/POS parser, status bytes and builder (peripherals.md §2.2, Annex H5;
// R-8.3-1: the receipt printer speaks raw ESC/POS on serial or TCP 9100).
#include <kiosktwin/protocol/escpos.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace protocol_escpos_test {

using namespace kiosktwin::protocol;
using namespace kiosktwin::protocol::escpos;

namespace {

Bytes b(std::initializer_list<int> v) {
    Bytes out;
    for (int x : v) out.push_back(static_cast<std::uint8_t>(x));
    return out;
}

Bytes s(std::string_view text) { return Bytes(text.begin(), text.end()); }

Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

// Adjacent text events merged: how text is split into events depends on how
// the bytes arrived, nothing else does.
std::vector<Event> merged(std::vector<Event> events) {
    std::vector<Event> out;
    for (auto& e : events) {
        if (e.kind == EventKind::text && !out.empty() && out.back().kind == EventKind::text &&
            out.back().double_byte == e.double_byte) {
            out.back().data.insert(out.back().data.end(), e.data.begin(), e.data.end());
            out.back().size += e.size;
            continue;
        }
        out.push_back(std::move(e));
    }
    return out;
}

bool same(const Event& a, const Event& c) {
    return a.kind == c.kind && a.n == c.n && a.m == c.m && a.width == c.width && a.height == c.height &&
           a.double_byte == c.double_byte && a.data == c.data && a.size == c.size;
}

std::vector<Event> parse(const Bytes& bytes, ParserOptions o = {}) {
    Parser p(o);
    return merged(p.feed(bytes));
}

std::vector<EventKind> kinds(const std::vector<Event>& events) {
    std::vector<EventKind> k;
    for (const auto& e : events) k.push_back(e.kind);
    return k;
}

// A receipt that uses every command of the subset.
Bytes everything() {
    const Bytes raster_rows = b({0xF0, 0x0F, 0xAA, 0x55});
    return cat({b({0x1B, '@'}), b({0x1B, '!', 0x38}), b({0x1B, 'E', 1}), b({0x1B, '-', 2}), b({0x1B, 'a', 1}),
                b({0x1D, '!', 0x11}), s("Title"), b({0x0A}), b({0x1B, '2'}), b({0x1B, '3', 40}), b({0x1B, 'd', 2}),
                b({0x1B, 'J', 24}), b({0x1B, 'M', 1}), b({0x1B, 't', 16}), b({0x1C, '&'}), b({0xB0, 0xEC, 0xBC, 0xFE}),
                b({0x1C, '.'}), b({0x1D, 'v', '0', 0, 2, 0, 2, 0}), raster_rows,
                b({0x1B, '*', 33, 2, 0}), b({0x80, 0, 1, 0, 0, 2}), b({0x0D, 0x09}),
                b({0x1D, '(', 'k', 4, 0, 49, 65, 50, 0}), b({0x1D, '(', 'k', 3, 0, 49, 67, 6}),
                b({0x1D, '(', 'k', 3, 0, 49, 69, 49}), b({0x1D, '(', 'k', 6, 0, 49, 80, 48, 'a', 'b', 'c'}),
                b({0x1D, '(', 'k', 3, 0, 49, 81, 48}), b({0x1D, 'h', 80}), b({0x1D, 'w', 2}), b({0x1D, 'H', 2}),
                b({0x1D, 'k', 73, 4, '{', 'B', '1', '2'}), b({0x1D, 'k', 2}), s("4006381333931"), b({0}),
                b({0x1C, 'p', 1, 0}), b({0x1D, 'a', 0x0F}), b({0x1D, 'r', 1}), b({0x1B, 'v'}), b({0x10, 0x04, 1}),
                b({0x10, 0x05, 2}), b({0x1D, 'V', 66, 3}), b({0x1B, 'i'}), b({0x1B, 'm'}), b({0x1D, 'V', 49})});
}

}  // namespace

TEST_CASE("DLE EOT replies give exactly the spec's examples (§2.2, H5)", "[escpos][status]") {
    SECTION("idle: 0x12 for every query (fixed 0xx1xx10b)") {
        const PrinterState idle{};
        CHECK(dle_eot_reply(1, idle) == 0x12);
        CHECK(dle_eot_reply(2, idle) == 0x12);
        CHECK(dle_eot_reply(3, idle) == 0x12);
        CHECK(dle_eot_reply(4, idle) == 0x12);
    }
    SECTION("paper out: 1 -> 0x1A, 2 -> 0x32, 4 -> 0x7E") {
        PrinterState st;
        st.paper_end = true;
        CHECK(dle_eot_reply(1, st) == 0x1A);
        CHECK(dle_eot_reply(2, st) == 0x32);
        CHECK(dle_eot_reply(3, st) == 0x12);
        CHECK(dle_eot_reply(4, st) == 0x7E);
    }
    SECTION("cover open: 1 -> 0x1A, 2 -> 0x16") {
        PrinterState st;
        st.cover_open = true;
        CHECK(dle_eot_reply(1, st) == 0x1A);
        CHECK(dle_eot_reply(2, st) == 0x16);
    }
    SECTION("cutter jam: 1 -> 0x1A, 2 -> 0x52, 3 -> 0x1A") {
        PrinterState st;
        st.autocutter_error = true;
        CHECK(dle_eot_reply(1, st) == 0x1A);
        CHECK(dle_eot_reply(2, st) == 0x52);
        CHECK(dle_eot_reply(3, st) == 0x1A);
    }
    SECTION("drawer pin 3: 1 -> 0x16") {
        PrinterState st;
        st.drawer_open = true;
        CHECK(dle_eot_reply(1, st) == 0x16);
    }
}

TEST_CASE("every status bit lands where the bit table puts it", "[escpos][status]") {
    auto one = [](bool PrinterState::*field) {
        PrinterState st;
        st.*field = true;
        return st;
    };
    CHECK(dle_eot_reply(1, one(&PrinterState::offline)) == (0x12 | 0x08));
    CHECK(dle_eot_reply(1, one(&PrinterState::waiting_online_recovery)) == (0x12 | 0x20));
    CHECK(dle_eot_reply(1, one(&PrinterState::feed_button)) == (0x12 | 0x40));
    CHECK(dle_eot_reply(2, one(&PrinterState::feeding_by_button)) == (0x12 | 0x08));
    CHECK(dle_eot_reply(1, one(&PrinterState::feeding_by_button)) == (0x12 | 0x08));  // feeding implies offline
    CHECK(dle_eot_reply(2, one(&PrinterState::error)) == (0x12 | 0x40));
    CHECK(dle_eot_reply(3, one(&PrinterState::recoverable_error)) == (0x12 | 0x04));
    CHECK(dle_eot_reply(3, one(&PrinterState::unrecoverable_error)) == (0x12 | 0x20));
    CHECK(dle_eot_reply(3, one(&PrinterState::auto_recoverable_error)) == (0x12 | 0x40));
    CHECK(dle_eot_reply(2, one(&PrinterState::auto_recoverable_error)) == 0x52);  // any error sets "error occurred"
    CHECK(dle_eot_reply(4, one(&PrinterState::paper_near_end)) == (0x12 | 0x0C));
    CHECK(dle_eot_reply(1, one(&PrinterState::paper_near_end)) == 0x12);  // near end alone keeps it online
    CHECK(dle_eot_reply(9, one(&PrinterState::offline)) == 0x12);
    // Every reply keeps the fixed bits: 0 at bits 0 and 7, 1 at bits 1 and 4.
    PrinterState all;
    for (auto f : {&PrinterState::drawer_open, &PrinterState::offline, &PrinterState::waiting_online_recovery,
                   &PrinterState::feed_button, &PrinterState::cover_open, &PrinterState::feeding_by_button,
                   &PrinterState::paper_end_stop, &PrinterState::error, &PrinterState::recoverable_error,
                   &PrinterState::autocutter_error, &PrinterState::unrecoverable_error,
                   &PrinterState::auto_recoverable_error, &PrinterState::paper_near_end, &PrinterState::paper_end})
        all.*f = true;
    for (int n = 1; n <= 4; ++n) {
        CHECK(dle_eot_reply(n, all) == 0x7E);
        CHECK((dle_eot_reply(n, PrinterState{}) & 0x93) == 0x12);
    }
}

TEST_CASE("GS r 1 answers 00 with paper and 0F without; GS r 2 the drawer (H5)", "[escpos][status]") {
    PrinterState st;
    CHECK(gs_r_reply(1, st) == 0x00);
    st.paper_near_end = true;
    CHECK(gs_r_reply(1, st) == 0x03);
    st.paper_end = true;
    CHECK(gs_r_reply(1, st) == 0x0F);
    CHECK(gs_r_reply(2, st) == 0x00);
    st.drawer_open = true;
    CHECK(gs_r_reply(2, st) == 0x01);
}

TEST_CASE("the ASB block follows the posify/SNBC layout (§2.2)", "[escpos][status]") {
    CHECK(asb_block(PrinterState{}) == std::array<std::uint8_t, 4>{0x10, 0x00, 0x00, 0x00});
    PrinterState st;
    st.cover_open = true;
    CHECK(asb_block(st) == std::array<std::uint8_t, 4>{0x10 | 0x08 | 0x20, 0x00, 0x00, 0x00});  // offline bit 3, cover bit 5
    st = {};
    st.feeding_by_button = true;
    CHECK(asb_block(st)[0] == (0x10 | 0x08 | 0x40));  // feed bit 6
    st = {};
    st.autocutter_error = true;
    CHECK(asb_block(st) == std::array<std::uint8_t, 4>{0x18, 0x08, 0x00, 0x00});  // autocutter byte 2 bit 3
    st = {};
    st.auto_recoverable_error = true;
    CHECK(asb_block(st)[1] == 0x40);
    st = {};
    st.unrecoverable_error = true;
    CHECK(asb_block(st)[1] == 0x20);
    st = {};
    st.paper_near_end = true;
    CHECK(asb_block(st) == std::array<std::uint8_t, 4>{0x10, 0x00, 0x03, 0x00});  // near end byte 3 bit 0 (+1)
    st.paper_end = true;
    CHECK(asb_block(st) == std::array<std::uint8_t, 4>{0x18, 0x00, 0x0F, 0x00});  // paper end byte 3 bit 2 (+3)
}

TEST_CASE("every command of the subset becomes its event", "[escpos][parser]") {
    const auto ev = parse(everything());
    const std::vector<EventKind> expected{
        EventKind::init,         EventKind::print_mode,   EventKind::bold,          EventKind::underline,
        EventKind::align,        EventKind::char_size,    EventKind::text,          EventKind::line_feed,
        EventKind::line_spacing, EventKind::line_spacing, EventKind::feed_lines,    EventKind::feed_dots,
        EventKind::font,         EventKind::code_page,    EventKind::chinese_mode,  EventKind::text,
        EventKind::chinese_mode, EventKind::raster,       EventKind::bit_image,     EventKind::carriage_return,
        EventKind::tab,          EventKind::qr_model,     EventKind::qr_size,       EventKind::qr_error,
        EventKind::qr_store,     EventKind::qr_print,     EventKind::barcode_height, EventKind::barcode_width,
        EventKind::barcode_hri,  EventKind::barcode,      EventKind::barcode,       EventKind::nv_logo,
        EventKind::asb_enable,   EventKind::paper_sensor_query, EventKind::legacy_status_query,
        EventKind::realtime_status, EventKind::realtime_request, EventKind::cut,   EventKind::cut,
        EventKind::cut,          EventKind::cut};
    REQUIRE(kinds(ev) == expected);
    CHECK(ev[1].n == 0x38);
    CHECK(ev[2].n == 1);
    CHECK(ev[3].n == 2);
    CHECK(ev[4].n == 1);
    CHECK(ev[5].width == 2);
    CHECK(ev[5].height == 2);
    CHECK(ev[6].data == s("Title"));
    CHECK(ev[8].n == -1);
    CHECK(ev[9].n == 40);
    CHECK(ev[10].n == 2);
    CHECK(ev[11].n == 24);
    CHECK(ev[12].n == 1);
    CHECK(ev[13].n == 16);
    CHECK(ev[14].n == 1);
    CHECK(ev[15].double_byte);
    CHECK(ev[15].data == b({0xB0, 0xEC, 0xBC, 0xFE}));  // 办件, kept as GB18030
    CHECK(ev[16].n == 0);
    CHECK(ev[17].width == 16);
    CHECK(ev[17].height == 2);
    CHECK(ev[17].data == b({0xF0, 0x0F, 0xAA, 0x55}));
    CHECK(ev[17].size == 12);
    CHECK(ev[18].width == 2);
    CHECK(ev[18].height == 24);
    CHECK(ev[18].m == 33);
    CHECK(ev[21].n == 2);
    CHECK(ev[22].n == 6);
    CHECK(ev[23].n == 1);
    CHECK(ev[24].data == s("abc"));
    CHECK(ev[26].n == 80);
    CHECK(ev[27].n == 2);
    CHECK(ev[28].n == 2);
    CHECK(ev[29].m == 73);
    CHECK(ev[29].data == s("{B12"));
    CHECK(ev[30].m == 67);  // form A EAN13 (2) as form B's 67
    CHECK(ev[30].data == s("4006381333931"));
    CHECK(ev[31].n == 1);
    CHECK(ev[32].n == 0x0F);
    CHECK(ev[33].n == 1);
    CHECK(ev[35].n == 1);
    CHECK(ev[36].n == 2);
    CHECK((ev[37].n == 1 && ev[37].m == 3));  // GS V 66 3: partial after 3 dots
    CHECK(ev[38].n == 0);                     // ESC i: full
    CHECK(ev[39].n == 1);                     // ESC m: partial
    CHECK(ev[40].n == 1);                     // GS V '1'
    for (const auto& e : ev) CHECK(e.kind != EventKind::unsupported);
}

TEST_CASE("ESC * column data becomes rows, MSB leftmost", "[escpos][parser]") {
    // 24-dot double density, 2 columns: column 0 has its top dot and dot 16 set,
    // column 1 its dot 23 (the last one).
    const auto ev = parse(cat({b({0x1B, '*', 33, 2, 0}), b({0x80, 0x00, 0x80, 0x00, 0x00, 0x01})}));
    REQUIRE(ev.size() == 1);
    const Event& e = ev[0];
    REQUIRE(e.data.size() == 24);  // 24 rows of 1 byte
    for (int y = 0; y < 24; ++y) {
        const std::uint8_t expect = static_cast<std::uint8_t>((y == 0 || y == 16 ? 0x80 : 0) | (y == 23 ? 0x40 : 0));
        CHECK(e.data[static_cast<std::size_t>(y)] == expect);
    }
}

TEST_CASE("bytes split anywhere give the same events", "[escpos][parser]") {
    const Bytes all = everything();
    const auto whole = parse(all);
    for (std::size_t cut = 0; cut <= all.size(); ++cut) {
        Parser p;
        std::vector<Event> ev;
        p.feed(ByteView(all).first(cut), ev);
        p.feed(ByteView(all).subspan(cut), ev);
        const auto got = merged(std::move(ev));
        REQUIRE(got.size() == whole.size());
        for (std::size_t i = 0; i < got.size(); ++i) CHECK(same(got[i], whole[i]));
    }
    Parser byte_by_byte;
    std::vector<Event> ev;
    for (std::uint8_t x : all) byte_by_byte.feed(ByteView(&x, 1), ev);
    const auto got = merged(std::move(ev));
    REQUIRE(got.size() == whole.size());
    for (std::size_t i = 0; i < got.size(); ++i) CHECK(same(got[i], whole[i]));
}

TEST_CASE("DLE EOT is found between commands even when split across reads", "[escpos][parser][realtime]") {
    Parser p;
    CHECK(p.feed(b({'A', 0x10})).size() == 1);  // the text; DLE waits for its command
    CHECK(p.in_command());
    CHECK(p.feed(b({0x04})).empty());
    const auto ev = p.feed(b({0x04, 'B'}));
    REQUIRE(ev.size() == 2);
    CHECK(ev[0].kind == EventKind::realtime_status);
    CHECK(ev[0].n == 4);
    CHECK(ev[0].realtime());
    CHECK(ev[1].data == s("B"));
}

TEST_CASE("10 04 01 inside raster data is data by default; realtime_in_data answers it too", "[escpos][parser][realtime]") {
    const Bytes raster = cat({b({0x1D, 'v', '0', 0, 1, 0, 4, 0}), b({0x10, 0x04, 0x01, 0xFF}), s("ok")});
    SECTION("default: not a status request, the image is intact") {
        const auto ev = parse(raster);
        REQUIRE(kinds(ev) == std::vector<EventKind>{EventKind::raster, EventKind::text});
        CHECK(ev[0].data == b({0x10, 0x04, 0x01, 0xFF}));
        CHECK(ev[1].data == s("ok"));
    }
    SECTION("Epson-style: the status request is reported and the image is still intact") {
        ParserOptions o;
        o.realtime_in_data = true;
        Parser p(o);
        std::vector<Event> ev;
        for (std::uint8_t x : raster) p.feed(ByteView(&x, 1), ev);  // split inside the sequence too
        ev = merged(std::move(ev));
        REQUIRE(kinds(ev) == std::vector<EventKind>{EventKind::realtime_status, EventKind::raster, EventKind::text});
        CHECK(ev[0].n == 1);
        CHECK(ev[0].size == 0);  // its bytes are the image's
        CHECK(ev[1].data == b({0x10, 0x04, 0x01, 0xFF}));
    }
    SECTION("a parameter byte 0x10 is a parameter, not DLE") {
        const auto ev = parse(b({0x1B, '3', 0x10, 0x04, 0x01}));
        REQUIRE(ev.size() == 3);
        CHECK(ev[0].kind == EventKind::line_spacing);
        CHECK(ev[0].n == 16);
        CHECK(ev[1].kind == EventKind::unsupported);  // stray EOT
        CHECK(ev[2].kind == EventKind::unsupported);  // stray SOH
    }
}

TEST_CASE("extended DLE EOT 7/8/18 and unknown commands are consumed and reported", "[escpos][parser]") {
    const auto ev = parse(cat({b({0x10, 0x04, 7, 1}), b({0x10, 0x04, 18, 2}), b({0x10, 0x04, 8, 3}), s("A"),
                               b({0x1B, 'Z'}), s("B"), b({0x1B, 'p', 0, 25, 250}), s("C"), b({0x1D, 'Q'}), s("D"),
                               b({0x07}), b({0x10, 'E'}), b({0x1B, 0x1B, '@'})}));
    REQUIRE(kinds(ev) == std::vector<EventKind>{EventKind::unsupported, EventKind::unsupported, EventKind::unsupported,
                                                EventKind::text, EventKind::unsupported, EventKind::text,
                                                EventKind::unsupported, EventKind::text, EventKind::unsupported,
                                                EventKind::text, EventKind::unsupported, EventKind::unsupported,
                                                EventKind::text, EventKind::unsupported, EventKind::init});
    CHECK(ev[0].n == 1);  // known, consumed whole
    CHECK(ev[0].size == 4);
    CHECK(ev[3].data == s("A"));
    CHECK(ev[4].n == 0);  // ESC Z: unknown, its two bytes
    CHECK(ev[4].data == b({0x1B, 'Z'}));
    CHECK(ev[6].n == 1);  // ESC p: the drawer kick, known length
    CHECK(ev[6].size == 5);
    CHECK(ev[7].data == s("C"));
    CHECK(ev[10].data == b({0x07}));
    CHECK(ev[11].data == b({0x10}));  // a lone DLE, and 'E' is text again
    CHECK(ev[12].data == s("E"));
    CHECK(ev[13].data == b({0x1B}));  // ESC ESC @: the first ESC alone
}

TEST_CASE("oversized payloads are reported and skipped without being stored", "[escpos][parser][limits]") {
    ParserOptions o;
    o.max_image_bytes = 1000;
    Parser p(o);
    // GS v 0 declaring 100 bytes x 100 rows = 10000 bytes.
    auto ev = p.feed(b({0x1D, 'v', '0', 0, 100, 0, 100, 0}));
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].kind == EventKind::oversize);
    CHECK(ev[0].n == 10000);
    const Bytes junk(9999, 0x1B);  // would be commands if it were read as such
    CHECK(p.feed(junk).empty());
    CHECK(p.pending_bytes() < 64);
    ev = p.feed(cat({b({0x1B}), s("@X")}));  // the image's last byte, then bytes read normally again
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].kind == EventKind::text);
    CHECK(ev[0].data == s("@X"));
}

TEST_CASE("a 4 GB declared graphics block keeps memory bounded", "[escpos][parser][limits]") {
    Parser p;
    auto ev = p.feed(b({0x1D, '8', 'L', 0xFF, 0xFF, 0xFF, 0xFF}));
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].kind == EventKind::unsupported);
    const Bytes chunk(1 << 16, 0x00);
    for (int i = 0; i < 16; ++i) CHECK(p.feed(chunk).empty());
    CHECK(p.pending_bytes() < 64);
    CHECK(p.in_command());
}

TEST_CASE("QR and barcode caps, and a barcode without its NUL", "[escpos][parser][limits]") {
    ParserOptions o;
    o.max_qr_bytes = 10;
    auto ev = parse(cat({b({0x1D, '(', 'k', 14, 0, 49, 80, 48}), s("0123456789a"), s("Z")}), o);
    REQUIRE(kinds(ev) == std::vector<EventKind>{EventKind::oversize, EventKind::text});
    CHECK(ev[0].n == 14);
    CHECK(ev[1].data == s("Z"));
    // Form A must end in NUL; a control byte ends it early and is read as a command.
    ev = parse(cat({b({0x1D, 'k', 4}), s("CODE39"), b({0x0A})}));
    REQUIRE(kinds(ev) == std::vector<EventKind>{EventKind::unsupported, EventKind::line_feed});
    o = {};
    o.max_barcode_bytes = 4;
    ev = parse(cat({b({0x1D, 'k', 4}), s("123456"), b({0})}), o);
    REQUIRE(ev.size() >= 2);
    CHECK(ev[0].kind == EventKind::oversize);
}

TEST_CASE("GB18030 characters are kept whole, split anywhere (FS &, H5)", "[escpos][parser][gb18030]") {
    // 办 (B0 EC), the four-byte U+20000 (95 32 82 36), then ASCII.
    const Bytes text = b({0xB0, 0xEC, 0x95, 0x32, 0x82, 0x36, 'A'});
    for (std::size_t cut = 0; cut <= text.size(); ++cut) {
        Parser p;  // domestic printers start in Chinese mode
        std::vector<Event> ev;
        p.feed(ByteView(text).first(cut), ev);
        std::size_t end = 0;  // no event ever ends inside a character
        for (const auto& e : ev) end += e.data.size();
        CHECK((end == 0 || end == 2 || end == 6 || end == 7));
        p.feed(ByteView(text).subspan(cut), ev);
        const auto got = merged(std::move(ev));
        REQUIRE(got.size() == 1);
        CHECK(got[0].double_byte);
        CHECK(got[0].data == text);
    }
    CHECK(gb18030_length(text, 0) == 2);
    CHECK(gb18030_length(text, 2) == 4);
    CHECK(gb18030_length(text, 6) == 1);
}

TEST_CASE("an invalid GB18030 sequence resynchronises on the next byte", "[escpos][parser][gb18030]") {
    // A lead byte followed by ESC @: the lead prints alone, ESC @ is a command.
    const auto ev = parse(b({0xB0, 0x1B, '@', 0xB0, 0x31, 'x'}));
    REQUIRE(kinds(ev) == std::vector<EventKind>{EventKind::text, EventKind::init, EventKind::text});
    CHECK(ev[0].data == b({0xB0}));
    CHECK(ev[2].data == b({0xB0, 0x31, 'x'}));  // B0 31 78 is not a character: three single bytes
}

TEST_CASE("Chinese mode: FS & / FS . switch it, ESC @ restores the default", "[escpos][parser][gb18030]") {
    Parser p;
    CHECK(p.chinese_mode());
    p.feed(b({0x1C, '.'}));
    CHECK_FALSE(p.chinese_mode());
    auto ev = p.feed(b({0xB0, 0xEC}));
    REQUIRE(ev.size() == 1);
    CHECK_FALSE(ev[0].double_byte);  // two code-page characters
    p.feed(b({0x1B, '@'}));
    CHECK(p.chinese_mode());
    ParserOptions o;
    o.chinese_default = false;
    Parser western(o);
    CHECK_FALSE(western.chinese_mode());
    western.feed(b({0x1C, '&'}));
    CHECK(western.chinese_mode());
    western.reset();
    CHECK_FALSE(western.chinese_mode());
}

TEST_CASE("NV definitions and user characters are skipped as whole chains", "[escpos][parser]") {
    // FS q 2: two images, 1x1 (8 bytes) and 1x2 (16 bytes), with ESC bytes inside.
    Bytes fsq = b({0x1C, 'q', 2, 1, 0, 1, 0});
    fsq.insert(fsq.end(), 8, 0x1B);
    fsq.insert(fsq.end(), {1, 0, 2, 0});
    fsq.insert(fsq.end(), 16, 0x1D);
    // ESC & 3 65 66: two characters of x = 2 columns, 3 bytes each.
    Bytes amp = b({0x1B, '&', 3, 65, 66, 2});
    amp.insert(amp.end(), 6, 0x1B);
    amp.push_back(1);
    amp.insert(amp.end(), 3, 0x10);
    const auto ev = parse(cat({fsq, s("x"), amp, s("y")}));
    REQUIRE(kinds(ev) == std::vector<EventKind>{EventKind::unsupported, EventKind::text, EventKind::unsupported,
                                                EventKind::text});
    CHECK(ev[1].data == s("x"));
    CHECK(ev[3].data == s("y"));
}

TEST_CASE("text events are bounded", "[escpos][parser][limits]") {
    ParserOptions o;
    o.max_text_bytes = 100;
    Parser p(o);
    const auto ev = p.feed(Bytes(1000, 'a'));
    REQUIRE(ev.size() == 10);
    for (const auto& e : ev) CHECK(e.data.size() == 100);
}

TEST_CASE("the builder writes the commands byte for byte", "[escpos][builder]") {
    ReceiptBuilder rb;
    rb.init().align(ReceiptBuilder::Align::centre).bold(true).size(2, 2).line("A").size(1, 1).bold(false);
    CHECK(rb.bytes() == b({0x1B, '@', 0x1B, 'a', 1, 0x1B, 'E', 1, 0x1D, '!', 0x11, 'A', 0x0A, 0x1D, '!', 0x00,
                           0x1B, 'E', 0}));
    ReceiptBuilder q;
    q.qr("hi", 5, 'H');
    CHECK(q.bytes() == b({0x1D, '(', 'k', 4, 0, 49, 65, 50, 0, 0x1D, '(', 'k', 3, 0, 49, 67, 5, 0x1D, '(', 'k', 3, 0,
                          49, 69, 51, 0x1D, '(', 'k', 5, 0, 49, 80, 48, 'h', 'i', 0x1D, '(', 'k', 3, 0, 49, 81, 48}));
    ReceiptBuilder c;
    c.feed(3).feed_dots(10).cut().cut(true).cut(false, 24).underline(1).line_spacing(-1).line_spacing(24);
    CHECK(c.bytes() == b({0x1B, 'd', 3, 0x1B, 'J', 10, 0x1D, 'V', 0, 0x1D, 'V', 1, 0x1D, 'V', 65, 24, 0x1B, '-', 1,
                          0x1B, '2', 0x1B, '3', 24}));
    ReceiptBuilder bc;
    bc.barcode(73, "{B123", 60).chinese("\xB0\xEC").code_page(0);
    CHECK(bc.bytes() == b({0x1D, 'h', 60, 0x1D, 'H', 2, 0x1D, 'k', 73, 5, '{', 'B', '1', '2', '3', 0x1C, '&', 0xB0, 0xEC,
                           0x1C, '.', 0x1B, 't', 0}));
    CHECK(dle_eot(4) == b({0x10, 0x04, 0x04}));
}

TEST_CASE("what the builder writes the parser reads back", "[escpos][builder][parser]") {
    ReceiptBuilder rb;
    const Bytes rows(2 * 3, 0xA5);
    rb.init().text("x").raster(16, 3, rows).qr(std::string(300, 'q')).barcode(69, "ABC").cut(true, 40);
    const auto ev = parse(rb.bytes());
    REQUIRE(kinds(ev) == std::vector<EventKind>{EventKind::init, EventKind::text, EventKind::raster, EventKind::qr_model,
                                                EventKind::qr_size, EventKind::qr_error, EventKind::qr_store,
                                                EventKind::qr_print, EventKind::barcode_height, EventKind::barcode_hri,
                                                EventKind::barcode, EventKind::cut});
    CHECK(ev[2].data == rows);
    CHECK(ev[6].data.size() == 300);
    CHECK(ev[10].data == s("ABC"));
    CHECK(ev[11].n == 1);
    CHECK(ev[11].m == 40);
    std::size_t total = 0;
    for (const auto& e : ev) total += e.size;
    CHECK(total == rb.bytes().size());  // every byte is accounted for once
}

TEST_CASE("a real encoder's receipt parses without unsupported commands", "[escpos][parser]") {
    // Bytes written by @point-of-sale/receipt-printer-encoder 4.0.1 (ESC/POS, 48 columns):
    // init, FS ., ESC M 0, centred double-size bold title, underline, QR, EAN13, cut.
    const Bytes bytes = b({0x1b, 0x40, 0x1c, 0x2e, 0x1b, 0x4d, 0x00, 0x20, 0x20, 0x1b, 0x45, 0x01, 0x1d, 0x21, 0x11,
                           0x1b, 0x74, 0x00, 0x42, 0x41, 0x1b, 0x45, 0x00, 0x1d, 0x21, 0x00, 0x0a, 0x0d, 0x1b, 0x2d,
                           0x01, 0x75, 0x1b, 0x2d, 0x00, 0x0a, 0x0d, 0x1d, 0x28, 0x6b, 0x04, 0x00, 0x31, 0x41, 0x32,
                           0x00, 0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31, 0x43, 0x06, 0x1d, 0x28, 0x6b, 0x03, 0x00, 0x31,
                           0x45, 0x31, 0x1d, 0x28, 0x6b, 0x05, 0x00, 0x31, 0x50, 0x30, 0x68, 0x69, 0x1d, 0x28, 0x6b,
                           0x03, 0x00, 0x31, 0x51, 0x30, 0x0a, 0x0d, 0x1d, 0x68, 0x3c, 0x1d, 0x77, 0x03, 0x1d, 0x48,
                           0x00, 0x1d, 0x6b, 0x02, 0x33, 0x31, 0x33, 0x30, 0x36, 0x33, 0x30, 0x35, 0x37, 0x34, 0x36,
                           0x31, 0x33, 0x00, 0x0a, 0x0d, 0x1d, 0x56, 0x00});
    const auto ev = parse(bytes);
    for (const auto& e : ev) CHECK(e.kind != EventKind::unsupported);
    CHECK(ev.back().kind == EventKind::cut);
    bool qr = false;
    for (const auto& e : ev)
        if (e.kind == EventKind::qr_store) qr = e.data == s("hi");
    CHECK(qr);
}

TEST_CASE("events describe themselves for traces", "[escpos]") {
    const auto ev = parse(cat({s("Hi\""), b({0x1D, 'v', '0', 0, 1, 0, 1, 0, 0xFF}), b({0x1D, 'V', 65, 8}),
                               b({0x1B, 'Z'})}));
    REQUIRE(ev.size() == 4);
    CHECK(ev[0].describe() == "text (gb18030) \"Hi\\x22\"");  // Chinese mode by default
    CHECK(ev[1].describe() == "raster 8x1 mode 0");
    CHECK(ev[2].describe() == "cut full after 8 dots");
    CHECK(ev[3].describe() == "unsupported (unknown) 1b 5a");
    CHECK(std::string(to_string(EventKind::realtime_status)) == "realtime_status");
}

}  // namespace protocol_escpos_test
