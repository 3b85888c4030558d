// The QR scanner's line protocol (peripherals.md §2.4, H9): framing of reads,
// %%NoRead, host trigger commands, SSI configuration frames, and the
// kiosk-side line decoder. R-8.3-1: the scanner is a serial line device.
#include <kiosktwin/protocol/scanner.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace protocol_scanner_test {

using namespace kiosktwin::protocol;
using namespace std::chrono_literals;
using K = ScannerHostInput::Kind;

namespace {
Bytes b(std::string_view s) { return Bytes(s.begin(), s.end()); }
Bytes h(std::initializer_list<int> v) {
    Bytes out;
    for (int x : v) out.push_back(static_cast<std::uint8_t>(x));
    return out;
}
}  // namespace

TEST_CASE("a read is <prefix><data><suffix>, CR by default (§2.4)", "[scanner]") {
    CHECK(encode_scan("6901234567892", ScanFormat{}) == b("6901234567892\r"));
    CHECK(encode_scan("abc", ScanFormat{"", ScanSuffix::crlf}) == b("abc\r\n"));
    CHECK(encode_scan("abc", ScanFormat{"", ScanSuffix::lf}) == b("abc\n"));
    CHECK(encode_scan("abc", ScanFormat{"", ScanSuffix::none}) == b("abc"));
    CHECK(encode_scan("abc", ScanFormat{"]Q1", ScanSuffix::cr}) == b("]Q1abc\r"));
    CHECK(parse_scan_suffix("crlf") == ScanSuffix::crlf);
    CHECK_FALSE(parse_scan_suffix("CRLF").has_value());
    CHECK(std::string(to_string(ScanSuffix::none)) == "none");
}

TEST_CASE("a failed decode is %%NoRead = 25 25 4E 6F 52 65 61 64 (§2.4)", "[scanner]") {
    CHECK(encode_no_read(ScanFormat{}) == h({0x25, 0x25, 0x4E, 0x6F, 0x52, 0x65, 0x61, 0x64, 0x0D}));
    // The prefix is for data only.
    CHECK(encode_no_read(ScanFormat{"X", ScanSuffix::crlf}) == b("%%NoRead\r\n"));
}

TEST_CASE("SSI frames: the two NADAMOO examples check and decode (§2.4)", "[scanner][ssi]") {
    const Bytes reset = h({0x08, 0xC6, 0x04, 0x08, 0x00, 0xF2, 0xFF, 0x00, 0xFD, 0x35});
    const Bytes host_trigger = h({0x07, 0xC6, 0x04, 0x08, 0x00, 0x8A, 0x07, 0xFE, 0x96});
    CHECK(ssi_checksum(ByteView(reset).first(8)) == 0xFD35);
    CHECK(ssi_checksum(ByteView(host_trigger).first(7)) == 0xFE96);

    const auto r = decode_ssi(reset);
    REQUIRE(r.has_value());
    CHECK(r->opcode == k_ssi_param_send);
    CHECK(r->source == k_ssi_source_host);
    CHECK(r->status == k_ssi_status_permanent);
    CHECK(encode_ssi(*r) == reset);
    CHECK(ssi_params(*r) == std::vector<SsiParam>{{k_ssi_param_defaults, 0x00}});

    const auto t = decode_ssi(host_trigger);
    REQUIRE(t.has_value());
    CHECK(ssi_params(*t) == std::vector<SsiParam>{{k_ssi_param_trigger_mode, k_ssi_trigger_host}});
    CHECK(encode_ssi(SsiFrame{k_ssi_param_send, 0x04, 0x08, {0x00, 0x8A, 0x07}}) == host_trigger);

    Bytes bad = host_trigger;
    bad.back() ^= 1;
    CHECK_FALSE(decode_ssi(bad).has_value());
    CHECK_FALSE(decode_ssi(ByteView(host_trigger).first(8)).has_value());  // short
    CHECK_FALSE(decode_ssi(h({0x02, 0xC6, 0xFF, 0x38})).has_value());     // Len below 4
    CHECK(ssi_ack() == h({0x04, 0xD0, 0x00, 0x00, 0xFF, 0x2C}));
    CHECK(ssi_nak(k_ssi_nak_resend) == h({0x05, 0xD1, 0x00, 0x00, 0x01, 0xFF, 0x29}));
    CHECK_FALSE(ssi_params(SsiFrame{k_ssi_param_send, 4, 8, {0x00, 0x8A}}).has_value());  // number without value
    CHECK_FALSE(ssi_params(SsiFrame{k_ssi_ack, 0, 0, {}}).has_value());
}

TEST_CASE("host input: T starts, P stops, R and 0x35 restart, frames interleave (§2.4)", "[scanner]") {
    ScannerHostDecoder d;
    auto in = d.feed(h({'T', 'P', 'R', 0x35, 0x07, 0xC6, 0x04}));
    REQUIRE(in.size() == 4);
    CHECK(in[0].kind == K::trigger_on);
    CHECK(in[1].kind == K::trigger_off);
    CHECK(in[2].kind == K::restart);
    CHECK(in[3].kind == K::restart);  // the manual's "R (0x35)"
    CHECK(in[3].raw == h({0x35}));
    CHECK(d.partial());
    in = d.feed(h({0x08, 0x00, 0x8A, 0x07, 0xFE, 0x96, 'T', 'z'}));
    REQUIRE(in.size() == 3);
    CHECK(in[0].kind == K::ssi);
    CHECK(in[0].frame.data == h({0x00, 0x8A, 0x07}));
    CHECK(in[1].kind == K::trigger_on);
    CHECK(in[2].kind == K::unknown);
    CHECK(std::string(to_string(in[2].kind)) == "unknown");

    // A corrupt frame is reported, and the decoder carries on after it.
    in = d.feed(h({0x07, 0xC6, 0x04, 0x08, 0x00, 0x8A, 0x07, 0xFE, 0x97, 'P'}));
    REQUIRE(in.size() == 2);
    CHECK(in[0].kind == K::bad_ssi);
    CHECK(in[1].kind == K::trigger_off);
    // A frame cut short is given up by flush().
    CHECK(d.feed(h({0x08, 0xC6})).empty());
    const auto f = d.flush();
    REQUIRE(f.has_value());
    CHECK(f->kind == K::bad_ssi);
    CHECK(f->raw == h({0x08, 0xC6}));
    CHECK_FALSE(d.flush().has_value());
}

TEST_CASE("the line decoder splits on CR, LF and CRLF and skips empty lines", "[scanner][decoder]") {
    ScanLineDecoder d;
    auto lines = d.feed(0us, b("one\rtwo\r\nthree\nfour\r"));
    REQUIRE(lines.size() == 4);
    CHECK(lines[0].data == "one");
    CHECK(lines[1].data == "two");
    CHECK(lines[2].data == "three");
    CHECK(lines[3].data == "four");
    CHECK(lines[3].terminated);
    // The LF of a CRLF split across two reads still belongs to the CR.
    CHECK(d.feed(1ms, b("\n")).empty());
    CHECK(d.feed(2ms, b("\r\r\n\n")).empty());
    lines = d.feed(3ms, b("%%NoRead\r\n"));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].kind == ScanLine::Kind::no_read);
    CHECK(lines[0].data.empty());
}

TEST_CASE("a read that lacks its suffix ends after the caller's idle timeout", "[scanner][decoder]") {
    ScanLineDecoder d(ScanLineDecoderConfig{"", 50ms, 8192, true});
    CHECK(d.feed(10ms, b("E1D0")).empty());
    CHECK(d.flush_due() == 60ms);
    CHECK(d.feed(40ms, b("C0DE")).empty());  // a pause shorter than the timeout does not split it
    CHECK(d.flush_due() == 90ms);
    CHECK(d.poll(89ms).empty());
    auto lines = d.poll(90ms);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].data == "E1D0C0DE");
    CHECK_FALSE(lines[0].terminated);
    CHECK_FALSE(d.flush_due().has_value());
    // Bytes arriving after the timeout first complete the old line.
    CHECK(d.feed(200ms, b("AAA")).empty());
    lines = d.feed(300ms, b("BBB\r"));
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].data == "AAA");
    CHECK(lines[1].data == "BBB");
    CHECK(d.feed(400ms, b("tail")).empty());
    lines = d.flush();
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].data == "tail");
}

TEST_CASE("the line decoder strips a prefix, bounds its memory and reads SSI replies", "[scanner][decoder]") {
    ScanLineDecoder d(ScanLineDecoderConfig{"]Q1", 100ms, 16, true});
    auto lines = d.feed(0us, b("]Q1hello\r%%NoRead\r"));
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].data == "hello");
    CHECK(lines[1].kind == ScanLine::Kind::no_read);

    lines = d.feed(1ms, b("0123456789abcdefXYZ\rok\r"));
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].data == "0123456789abcdef");
    CHECK(lines[0].truncated);
    CHECK(lines[1].data == "ok");
    CHECK_FALSE(lines[1].truncated);
    CHECK(d.pending() == 0);

    // The scanner's ACK (whose checksum bytes are not text) arrives between reads.
    Bytes mixed = ssi_ack();
    const Bytes rest = b("next\r");
    mixed.insert(mixed.end(), rest.begin(), rest.end());
    lines = d.feed(2ms, mixed);
    REQUIRE(lines.size() == 2);
    CHECK(lines[0].kind == ScanLine::Kind::ssi);
    CHECK(lines[0].frame.opcode == k_ssi_ack);
    CHECK(lines[1].data == "next");
    // A NAK whose checksum contains 0x0D is still one frame.
    const Bytes nak = encode_ssi(SsiFrame{k_ssi_nak, 0, 0, {0x0D}});
    lines = d.feed(3ms, nak);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].frame.data == h({0x0D}));
    // A control byte that does not begin a reply is data after all.
    lines = d.feed(4ms, h({0x09, 'a', 'b', 0x0D}));
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].data == "\tab");
}

TEST_CASE("UTF-8 re-encoded as GBK for the table's characters, '?' for the rest", "[scanner][gbk]") {
    std::size_t unmapped = 99;
    // 张三 in GBK is D5 C5 C8 FD; 电子证照 is B5 E7 D7 D3 D6 A4 D5 D5.
    CHECK(utf8_to_gbk("A张三", &unmapped) == h({'A', 0xD5, 0xC5, 0xC8, 0xFD}));
    CHECK(unmapped == 0);
    CHECK(utf8_to_gbk("电子证照") == h({0xB5, 0xE7, 0xD7, 0xD3, 0xD6, 0xA4, 0xD5, 0xD5}));
    CHECK(utf8_to_gbk("x\xF0\x9F\x98\x80y", &unmapped) == b("x?y"));  // an emoji has no GBK code
    CHECK(unmapped == 1);
    CHECK(utf8_to_gbk("\xC0\xAF\xE5", &unmapped) == b("???"));  // overlong and cut-short sequences
    CHECK(unmapped == 3);
    CHECK(gbk_table_size() > 300);
}

}  // namespace protocol_scanner_test
