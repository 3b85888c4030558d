// The SAM frame codec against every byte-level example of spec §2.1 and
// Annex H1, and the incremental decoder against splits, noise and damage.
#include <kiosktwin/protocol/sam.hpp>

#include "hex.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>

namespace protocol_sam_test {

using namespace kiosktwin::protocol;

namespace {

using kiosktwin::test::hx;

Bytes cat(std::initializer_list<Bytes> parts) {
    Bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

// A short description of each event, to compare decodings.
std::vector<std::string> summary(const std::vector<SamEvent>& events) {
    std::vector<std::string> s;
    for (const auto& e : events) {
        std::string line = to_string(e.kind);
        line += ' ';
        if (e.kind == SamEventKind::garbage) {
            line += std::to_string(e.skipped);
        } else {
            line += std::to_string(e.raw.size());
            line += ' ';
            line += std::to_string(e.declared_len);
        }
        s.push_back(line);
    }
    return s;
}

std::vector<SamEvent> feed_split(ByteView stream, std::size_t chunk) {
    SamDecoder d;
    std::vector<SamEvent> out;
    for (std::size_t i = 0; i < stream.size(); i += chunk) d.feed(stream.subspan(i, std::min(chunk, stream.size() - i)), out);
    return out;
}

// Garbage events may be split differently by different chunkings; merge adjacent ones.
std::vector<std::string> merged(const std::vector<SamEvent>& events) {
    std::vector<std::string> s;
    std::size_t garbage = 0;
    for (const auto& e : events) {
        if (e.kind == SamEventKind::garbage) {
            garbage += e.skipped;
            continue;
        }
        if (garbage) s.push_back(std::string("garbage ").append(std::to_string(garbage)));
        garbage = 0;
        s.push_back(summary({e}).front());
    }
    if (garbage) s.push_back(std::string("garbage ").append(std::to_string(garbage)));
    return s;
}

}  // namespace

TEST_CASE("every request frame of the spec's command table (§2.1, H1; R-8.3-1)", "[protocol][sam]") {
    const std::pair<SamCommand, const char*> table[] = {
        {SamCommand::reset, "AA AA AA 96 69 00 03 10 FF EC"},
        {SamCommand::status, "AA AA AA 96 69 00 03 11 FF ED"},
        {SamCommand::sam_id, "AA AA AA 96 69 00 03 12 FF EE"},
        {SamCommand::find, "AA AA AA 96 69 00 03 20 01 22"},
        {SamCommand::select, "AA AA AA 96 69 00 03 20 02 21"},
        {SamCommand::read_text_photo, "AA AA AA 96 69 00 03 30 01 32"},
        {SamCommand::read_appended_address, "AA AA AA 96 69 00 03 30 03 30"},
        {SamCommand::read_text_photo_fingerprint, "AA AA AA 96 69 00 03 30 10 23"},
        // 60 00..04: computed with the XOR rule (00 ^ 03 ^ 60 ^ para).
        {SamCommand::set_baud_115200, "AA AA AA 96 69 00 03 60 00 63"},
        {SamCommand::set_baud_57600, "AA AA AA 96 69 00 03 60 01 62"},
        {SamCommand::set_baud_38400, "AA AA AA 96 69 00 03 60 02 61"},
        {SamCommand::set_baud_19200, "AA AA AA 96 69 00 03 60 03 60"},
        {SamCommand::set_baud_9600, "AA AA AA 96 69 00 03 60 04 67"},
    };
    for (const auto& [cmd, frame] : table) {
        INFO(to_string(cmd));
        CHECK(encode_sam_request(cmd) == hx(frame));
        CHECK(SamRequest(cmd).encode() == hx(frame));
        const auto parsed = parse_sam_request(hx(frame));
        REQUIRE(parsed);
        CHECK(parsed->command() == cmd);
        CHECK(parsed->data.empty());
    }
    CHECK(sam_baud(SamCommand::set_baud_9600) == 9600);
    CHECK(sam_baud(SamCommand::set_baud_115200) == 115200);
    CHECK(sam_baud(SamCommand::find) == 0);
    CHECK(sam_set_baud_command(38400) == SamCommand::set_baud_38400);
    CHECK_FALSE(sam_set_baud_command(4800));
    CHECK_FALSE(sam_command(0x01, 0xFF));  // BearPi's "reset": not the protocol's
    CHECK_FALSE(sam_command(0x60, 0x05));
    CHECK(std::string(to_string(SamCommand::read_text_photo)) == "read_text_photo");
}

TEST_CASE("every response example of the spec, including the two real frames (§2.1, H1)", "[protocol][sam]") {
    CHECK(encode_sam_response(Sw3::success) == hx("AA AA AA 96 69 00 04 00 00 90 94"));
    CHECK(encode_sam_response(Sw3::find_ok, Bytes(4, 0)) == hx("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"));
    CHECK(encode_sam_response(Sw3::find_failed) == hx("AA AA AA 96 69 00 04 00 00 80 84"));
    CHECK(encode_sam_response(Sw3::select_failed) == hx("AA AA AA 96 69 00 04 00 00 81 85"));
    CHECK(encode_sam_response(Sw3::success, Bytes(8, 0)) ==
          hx("AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C"));
    // softs.im's two captured frames
    CHECK(encode_sam_response(Sw3::read_failed) == hx("AA AA AA 96 69 00 04 00 00 41 45"));
    CHECK(encode_sam_response(Sw3::sam_auth_failed) == hx("AA AA AA 96 69 00 04 00 00 32 36"));

    const auto r = parse_sam_response(hx("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"));
    REQUIRE(r);
    CHECK(r->status() == Sw3::find_ok);
    CHECK(r->ok());
    CHECK(r->data == Bytes(4, 0));
    CHECK_FALSE(parse_sam_response(hx("AA AA AA 96 69 00 04 00 00 80 85")));     // bad CHK
    CHECK_FALSE(parse_sam_response(hx("AA AA AA 96 69 00 04 00 00 80 84 00")));  // trailing byte
    CHECK_FALSE(parse_sam_response(hx("AA AA AA 96 68 00 04 00 00 80 84")));     // bad preamble
    CHECK_FALSE(parse_sam_response(hx("AA AA AA 96 69 00 03 20 01 22")));        // too short for SW1-3
    CHECK_FALSE(parse_sam_request(hx("AA AA AA 96 69 00 02 20 22")));            // no PARA
}

TEST_CASE("the read-info answer: header, lengths and 1295 bytes (§2.1, H1)", "[protocol][sam]") {
    IdText t;
    t.name = "张三";
    t.sex = "1";
    t.nation = "01";
    t.birth = "19900307";
    t.address = "北京市东城区建国路88号";
    t.id_number = "110101199003076632";
    t.authority = "北京市公安局东城分局";
    t.valid_from = "20150101";
    t.valid_to = "20350101";
    Bytes photo(k_id_photo_size);
    for (std::size_t i = 0; i < photo.size(); ++i) photo[i] = static_cast<std::uint8_t>(i * 7);
    const Bytes f = encode_read_info_response(t, photo);
    CHECK(f.size() == k_read_info_frame_size);
    CHECK(f.size() == 1295);
    CHECK(Bytes(f.begin(), f.begin() + 14) == hx("AA AA AA 96 69 05 08 00 00 90 01 00 04 00"));
    const auto r = parse_sam_response(f);
    REQUIRE(r);
    const auto info = parse_read_info(r->data);
    REQUIRE(info);
    CHECK(info->photo == photo);
    CHECK_FALSE(info->fingerprint);
    CHECK(decode_id_text(info->text) == t);
    // A fingerprint answer (30 10) has three lengths and a third block.
    const Bytes fp(k_id_fingerprint_size, 0x5A);
    const auto info2 = parse_read_info(encode_read_info_fingerprint_data(info->text, photo, fp));
    REQUIRE(info2);
    CHECK(info2->fingerprint == fp);
    CHECK(info2->text == info->text);
    CHECK(encode_sam_response(Sw3::success, encode_read_info_fingerprint_data(info->text, photo, fp)).size() ==
          7 + 3 + 6 + 256 + 1024 + 1024 + 1);
    CHECK_FALSE(parse_read_info(hx("01 00 04 00 00")));  // lengths that do not add up
    CHECK_FALSE(parse_read_info(hx("00 01")));
}

TEST_CASE("SW3: every code of the table has a meaning and a distinct name", "[protocol][sam]") {
    std::set<std::string> names;
    for (Sw3 s : k_sw3_codes) {
        CHECK(is_known_sw3(static_cast<std::uint8_t>(s)));
        CHECK(std::string(to_string(s)) != "unknown status");
        CHECK(std::string(sw3_meaning_zh(s)) != "未知状态");
        names.insert(sw3_name(s));
    }
    CHECK(names.size() == k_sw3_codes.size());
    CHECK(std::string(to_string(Sw3::find_failed)) == "find card failed (no card)");
    CHECK(std::string(sw3_meaning_zh(Sw3::self_test_failed)) == "SAM自检失败");
    CHECK(std::string(sw3_name(Sw3::no_content)) == "no_content");
    CHECK(static_cast<int>(Sw3::no_content) == 0x91);
    CHECK(static_cast<int>(Sw3::privilege_violation) == 0x23);
    CHECK_FALSE(is_known_sw3(0x42));
    CHECK(std::string(to_string(static_cast<Sw3>(0x42))) == "unknown status");
}

TEST_CASE("encoders refuse data the 16-bit length cannot carry", "[protocol][sam]") {
    CHECK_NOTHROW(encode_sam_request(0x30, 0x01, Bytes(0xFFFF - 3)));
    CHECK_THROWS_AS(encode_sam_request(0x30, 0x01, Bytes(0xFFFF - 2)), std::length_error);
    CHECK_THROWS_AS(encode_sam_response(Sw3::success, Bytes(0xFFFF - 3)), std::length_error);
}

TEST_CASE("decoder: every split of a stream gives the same frames", "[protocol][sam][decoder]") {
    IdText t;
    t.name = "李四";
    const Bytes stream = cat({encode_sam_request(SamCommand::find), encode_sam_response(Sw3::find_ok, Bytes(4, 0)),
                              encode_read_info_response(t, Bytes(1024, 0xAA)), encode_sam_request(SamCommand::select)});
    const auto whole = feed_split(stream, stream.size());
    REQUIRE(whole.size() == 4);
    for (const auto& e : whole) CHECK(e.kind == SamEventKind::frame);
    CHECK(whole[0].request()->command() == SamCommand::find);
    CHECK(whole[1].response()->status() == Sw3::find_ok);
    CHECK(whole[2].raw.size() == 1295);
    CHECK(whole[2].declared_len == 0x0508);
    // One byte at a time, and in chunks of every size up to 40.
    for (std::size_t chunk = 1; chunk <= 40; ++chunk) {
        INFO("chunk " << chunk);
        CHECK(summary(feed_split(stream, chunk)) == summary(whole));
    }
    // Every two-piece split.
    for (std::size_t cut = 0; cut <= stream.size(); ++cut) {
        SamDecoder d;
        auto out = d.feed(ByteView(stream).first(cut));
        d.feed(ByteView(stream).subspan(cut), out);
        if (summary(out) != summary(whole)) FAIL("split at " << cut);
    }
    CHECK(feed_split(stream, 1)[2].raw == whole[2].raw);
}

TEST_CASE("decoder: garbage before a frame is skipped, counted and resynced on the preamble", "[protocol][sam][decoder]") {
    const Bytes find = encode_sam_request(SamCommand::find);
    SECTION("plain noise") {
        SamDecoder d;
        const auto ev = d.feed(cat({hx("00 13 FF 96 69 AA 01"), find}));
        REQUIRE(ev.size() == 2);
        CHECK(ev[0].kind == SamEventKind::garbage);
        CHECK(ev[0].skipped == 7);
        CHECK(ev[1].request()->command() == SamCommand::find);
        CHECK(d.stats().garbage_bytes == 7);
    }
    SECTION("noise that looks like a preamble's beginning") {
        for (const char* noise : {"AA", "AA AA", "AA AA AA", "AA AA AA 96", "AA AA AA AA", "AA AA AA 96 AA", "AA AA AA 96 AA AA AA"}) {
            INFO(noise);
            const Bytes n = hx(noise);
            const auto reference = merged(feed_split(cat({n, find, n, find}), 1000));
            CHECK(reference.size() == 4);
            for (std::size_t chunk : {std::size_t{1}, std::size_t{3}, std::size_t{100}}) {
                CHECK(merged(feed_split(cat({n, find, n, find}), chunk)) == reference);
                const auto ev = feed_split(cat({n, find}), chunk);
                REQUIRE_FALSE(ev.empty());
                CHECK(ev.back().kind == SamEventKind::frame);
                CHECK(ev.back().raw == find);
                std::size_t skipped = 0;
                for (const auto& e : ev) skipped += e.skipped;
                CHECK(skipped == n.size());
            }
        }
    }
    SECTION("a partial preamble at the end of a feed waits for the next one") {
        SamDecoder d;
        CHECK(d.feed(hx("AA AA AA 96")).empty());
        CHECK(d.buffered() == 4);
        CHECK_FALSE(d.idle());
        const auto ev = d.feed(ByteView(find).subspan(4));
        REQUIRE(ev.size() == 1);
        CHECK(ev[0].raw == find);
        CHECK(d.idle());
    }
}

TEST_CASE("decoder: checksum and length errors are reported with their bytes", "[protocol][sam][decoder]") {
    SECTION("a wrong CHK") {
        SamDecoder d;
        const Bytes bad = hx("AA AA AA 96 69 00 03 20 01 23");
        const auto ev = d.feed(cat({bad, encode_sam_request(SamCommand::select)}));
        REQUIRE(ev.size() == 2);
        CHECK(ev[0].kind == SamEventKind::checksum_error);
        CHECK(ev[0].raw == bad);
        CHECK(ev[0].received_checksum() == 0x23);
        CHECK(ev[0].computed_checksum() == 0x22);
        CHECK_FALSE(ev[0].request());  // not a frame to act on
        CHECK(ev[1].request()->command() == SamCommand::select);
        CHECK(d.stats().checksum_errors == 1);
    }
    SECTION("Len 0 and Len above the limit") {
        SamDecoder d(64);
        const auto ev = d.feed(cat({hx("AA AA AA 96 69 00 00"), hx("AA AA AA 96 69 00 41"), encode_sam_request(SamCommand::find)}));
        REQUIRE(ev.size() == 3);
        CHECK(ev[0].kind == SamEventKind::length_error);
        CHECK(ev[0].declared_len == 0);
        CHECK(ev[0].raw == hx("AA AA AA 96 69 00 00"));
        CHECK(ev[1].kind == SamEventKind::length_error);
        CHECK(ev[1].declared_len == 65);
        CHECK(ev[2].kind == SamEventKind::frame);
        CHECK(d.stats().length_errors == 2);
        CHECK(d.max_len() == 64);
        // The default limit is 4096: a 4097 Len is refused, a 4096 one awaited.
        SamDecoder def;
        CHECK(def.feed(hx("AA AA AA 96 69 10 01"))[0].kind == SamEventKind::length_error);
        CHECK(def.feed(hx("AA AA AA 96 69 10 00")).empty());
        CHECK(def.buffered() == 7);
    }
    SECTION("a truncated answer followed by a whole one: the whole one is still found") {
        const Bytes whole = encode_sam_response(Sw3::find_ok, Bytes(4, 0));
        for (std::size_t cut = 1; cut < whole.size(); ++cut) {
            INFO("truncated to " << cut);
            const Bytes stream = cat({Bytes(whole.begin(), whole.begin() + static_cast<long>(cut)), whole});
            if (cut == 6) {
                // "AA AA AA 96 69 00" + "AA ...": Len reads 0x00AA, a plausible length, so the decoder
                // waits for 170 bytes. Only a timeout can tell; the caller then resets.
                SamDecoder d;
                CHECK(d.feed(stream).empty());
                CHECK_FALSE(d.idle());
                d.reset();
                CHECK(d.feed(whole).back().raw == whole);
                continue;
            }
            const auto ev = feed_split(stream, 1);
            REQUIRE_FALSE(ev.empty());
            CHECK(ev.back().kind == SamEventKind::frame);
            CHECK(ev.back().raw == whole);
        }
    }
    SECTION("length bytes that begin a preamble") {
        // AA AA AA 96 69 | AA AA: Len 0xAAAA is too large; the AA AA begin the next frame.
        const auto ev = feed_split(cat({hx("AA AA AA 96 69"), hx("AA AA AA 96 69 00 03 20 01 22")}), 1);
        REQUIRE(ev.size() == 2);
        CHECK(ev[0].kind == SamEventKind::length_error);
        CHECK(ev[1].request()->command() == SamCommand::find);
    }
    SECTION("reset drops a partial frame") {
        SamDecoder d;
        d.feed(hx("AA AA AA 96 69 00 03 20"));
        CHECK(d.buffered() == 8);
        d.reset();
        CHECK(d.idle());
        const auto ev = d.feed(encode_sam_request(SamCommand::find));
        REQUIRE(ev.size() == 1);
        CHECK(ev[0].kind == SamEventKind::frame);
    }
}

TEST_CASE("decoder: memory stays bounded whatever arrives", "[protocol][sam][decoder]") {
    SamDecoder d(100);
    std::uint32_t x = 12345;
    for (int i = 0; i < 20000; ++i) {
        x = x * 1103515245u + 12345u;
        Bytes chunk(1 + (x >> 24) % 16);
        for (auto& b : chunk) {
            x = x * 1103515245u + 12345u;
            b = (x >> 20) % 3 == 0 ? 0xAA : static_cast<std::uint8_t>(x >> 16);
        }
        d.feed(chunk);
        REQUIRE(d.buffered() <= k_sam_header_size + 100);
    }
    CHECK(d.stats().garbage_bytes > 0);
}

TEST_CASE("the 256-byte text block: widths, padding and the UCS-2 limit (§2.1, H1)", "[protocol][sam][text]") {
    IdText t;
    t.name = "王小明";
    t.sex = "1";
    t.nation = "01";
    t.birth = "19850612";
    t.address = "上海市徐汇区漕溪北路100号";
    t.id_number = "310104198506120019";
    t.authority = "上海市公安局徐汇分局";
    t.valid_from = "20100301";
    t.valid_to = "长期";
    const EncodedIdText e = encode_id_text(t);
    REQUIRE(e.block.size() == 256);
    CHECK(e.issues.empty());
    // 王 = U+738B, little-endian; then padding spaces (20 00) to byte 30.
    CHECK(e.block[0] == 0x8B);
    CHECK(e.block[1] == 0x73);
    CHECK(e.block[6] == 0x20);
    CHECK(e.block[7] == 0x00);
    CHECK(e.block[30] == '1');
    CHECK(e.block[31] == 0);
    CHECK(decode_ucs2_field(ByteView(e.block).subspan(122, 36)) == "310104198506120019");
    CHECK(decode_ucs2_field(ByteView(e.block).subspan(204, 16)) == "长期");
    CHECK(decode_ucs2_field(ByteView(e.block).subspan(158, 30)) == "上海市公安局徐汇分局");
    CHECK(detect_id_text_layout(e.block) == IdTextLayout::resident);
    CHECK(decode_id_text(e.block) == t);
    CHECK_FALSE(decode_id_text(ByteView(e.block).first(255)));

    std::size_t total = 0;
    for (const auto& f : id_text_fields(IdTextLayout::resident)) {
        CHECK(f.offset == total);
        total += f.width;
    }
    CHECK(total == 256);

    SECTION("a character outside the BMP becomes '?' and is reported") {
        IdText r = t;
        r.name = "赵孟\U0002B5AF";  // 𫖯, CJK Extension C
        const EncodedIdText er = encode_id_text(r);
        REQUIRE(er.issues.size() == 1);
        CHECK(er.issues[0].field == "name");
        CHECK(er.issues[0].what == "1 character outside the BMP (or not UTF-8) written as '?'");
        CHECK(decode_id_text(er.block)->name == "赵孟?");
        CHECK_FALSE(is_bmp_utf8(r.name));
        CHECK(ucs2_length(r.name) == 3);
    }
    SECTION("a 70-byte address fits exactly; a longer one is cut and reported") {
        IdText r = t;
        r.address = std::string();
        for (int i = 0; i < 35; ++i) r.address += "路";
        CHECK(encode_id_text(r).issues.empty());
        CHECK(decode_id_text(encode_id_text(r).block)->address == r.address);
        r.address += "号";
        const EncodedIdText er = encode_id_text(r);
        REQUIRE(er.issues.size() == 1);
        CHECK(er.issues[0] == IdTextIssue{"address", "truncated to 35 characters"});
        CHECK(ucs2_length(decode_id_text(er.block)->address) == 35);
    }
    SECTION("invalid UTF-8 and lone surrogates") {
        CHECK(encode_ucs2_field("\xff" "A", 6).replaced == 1);
        CHECK(decode_ucs2_field(hx("00 D8 41 00")) == "\xEF\xBF\xBD" "A");    // lone high surrogate → U+FFFD
        CHECK(decode_ucs2_field(hx("6D D8 AF DD")) == "\U0002B5AF");           // a pair, read leniently
        CHECK(decode_ucs2_field(hx("41 00 20 00 00 00")) == "A");              // spaces and NULs trimmed
    }
}

TEST_CASE("permit and foreign-resident layouts are told apart by the flag at byte 248", "[protocol][sam][text]") {
    IdText p;
    p.layout = IdTextLayout::hk_mo_tw_permit;
    p.name = "陈大文";
    p.sex = "1";
    p.birth = "19800101";
    p.address = "广东省深圳市南山区科技园路1号";
    p.id_number = "810000198001010014";
    p.authority = "深圳市公安局";
    p.valid_from = "20200101";
    p.valid_to = "20250101";
    p.pass_number = "H12345678";
    p.issue_count = "01";
    const EncodedIdText e = encode_id_text(p);
    CHECK(e.block[248] == 'J');
    CHECK(e.block[249] == 0);
    CHECK(detect_id_text_layout(e.block) == IdTextLayout::hk_mo_tw_permit);
    IdText back = *decode_id_text(e.block);
    CHECK(back.type_flag == "J");
    back.type_flag.clear();
    CHECK(back == p);
    CHECK(decode_ucs2_field(ByteView(e.block).subspan(220, 18)) == "H12345678");

    IdText f;  // the 2023 foreign permanent resident card
    f.layout = IdTextLayout::foreign_permanent_2023;
    f.name = "史密斯";
    f.sex = "1";
    f.issue_count = "00";
    f.birth = "19800101";
    f.english_name = "SMITH, JOHN";
    f.id_number = "931840198001010017";
    f.valid_from = "20240101";
    f.valid_to = "20340101";
    f.nation = "USA";
    const EncodedIdText ef = encode_id_text(f);
    CHECK(ef.issues.empty());
    CHECK(ef.block[248] == 'Y');
    CHECK(detect_id_text_layout(ef.block) == IdTextLayout::foreign_permanent_2023);
    IdText fb = *decode_id_text(ef.block);
    CHECK(fb.type_flag == "Y");
    fb.type_flag.clear();
    CHECK(fb == f);
    CHECK(decode_ucs2_field(ByteView(ef.block).subspan(122, 36)) == "931840198001010017");  // where a resident's is
    CHECK(decode_ucs2_field(ByteView(ef.block).subspan(52, 70)) == "SMITH, JOHN");

    SECTION("a 46-character English name spans its two fields; a 47th is cut") {
        IdText g = f;
        g.english_name = "ABCDEFGHIJKLMNOPQRSTUVWXYZ ABCDEFG IJKLMNOPQRS";  // 35th character is a space
        REQUIRE(g.english_name.size() == 46);
        const EncodedIdText eg = encode_id_text(g);
        CHECK(eg.issues.empty());
        CHECK(decode_id_text(eg.block)->english_name == g.english_name);
        CHECK(decode_ucs2_field(ByteView(eg.block).subspan(220, 22)) == "IJKLMNOPQRS");
        g.english_name += "T";
        const EncodedIdText eg2 = encode_id_text(g);
        REQUIRE(eg2.issues.size() == 1);
        CHECK(eg2.issues[0] == IdTextIssue{"english_name", "truncated to 46 characters"});
    }

    IdText o;  // the 2017 card: a 15-character number in a 30-byte field
    o.layout = IdTextLayout::foreign_permanent_2017;
    o.english_name = "SMITH, JOHN";
    o.sex = "1";
    o.id_number = "USA310080010103";
    o.nation = "USA";
    o.name = "史密斯";
    o.valid_from = "20170101";
    o.valid_to = "20270101";
    o.birth = "19800101";
    o.card_version = "01";
    o.authority = "3100";
    o.type_flag = "I";
    const EncodedIdText eo = encode_id_text(o);
    CHECK(eo.issues.empty());
    CHECK(detect_id_text_layout(eo.block) == IdTextLayout::foreign_permanent_2017);
    CHECK(decode_id_text(eo.block) == o);
    CHECK(decode_ucs2_field(ByteView(eo.block).subspan(0, 120)) == "SMITH, JOHN");

    for (IdTextLayout l : {IdTextLayout::hk_mo_tw_permit, IdTextLayout::foreign_permanent_2017,
                           IdTextLayout::foreign_permanent_2023}) {
        std::size_t total = 0;
        for (const auto& fld : id_text_fields(l)) {
            CHECK(fld.offset == total);
            total += fld.width;
        }
        CHECK(total == 256);
    }
}

TEST_CASE("appended address and SAM id", "[protocol][sam]") {
    const Ucs2Field a = encode_appended_address("北京市海淀区中关村大街1号");
    CHECK(a.bytes.size() == 70);
    CHECK(decode_appended_address(a.bytes) == "北京市海淀区中关村大街1号");

    const SamId id{5, 1, 20260315, 12345678, 1234567890};
    CHECK(id.to_string() == "05.01-20260315-0012345678-1234567890");
    CHECK(id.encode().size() == 16);
    CHECK(id.encode()[0] == 5);
    CHECK(id.encode()[4] == (20260315 & 0xFF));
    CHECK(SamId::decode(id.encode()) == id);
    CHECK(SamId::parse(id.to_string()) == id);
    CHECK_FALSE(SamId::parse("05.01-2026-x"));
    CHECK_FALSE(SamId::parse("05.01-20260315-0012345678"));
    CHECK_FALSE(SamId::decode(Bytes(15)));
}

}  // namespace protocol_sam_test
