// The IPP codec against the byte-level examples of RFC 8010 (Appendix A and
// §3.1.6), every value syntax, and malformed input (R-8.3-1: the A4 printer
// speaks IPP).
#include <kiosktwin/protocol/ipp.hpp>

#include <catch2/catch.hpp>

#include <initializer_list>
#include <string>

namespace protocol_ipp_test {

using namespace kiosktwin::protocol;

namespace {

// Byte-building helpers that follow RFC 8010 §3.1.4 field by field.
struct B {
    Bytes b;
    B& u8(int v) {
        b.push_back(static_cast<std::uint8_t>(v));
        return *this;
    }
    B& u16(int v) { return u8((v >> 8) & 0xff).u8(v & 0xff); }
    B& u32(std::uint32_t v) { return u16(static_cast<int>(v >> 16)).u16(static_cast<int>(v & 0xffff)); }
    B& str(const std::string& s) {
        b.insert(b.end(), s.begin(), s.end());
        return *this;
    }
    // value-tag, name-length, name, value-length, value
    B& attr(int tag, const std::string& name, const std::string& value) {
        return u8(tag).u16(static_cast<int>(name.size())).str(name).u16(static_cast<int>(value.size())).str(value);
    }
    B& attr_int(int tag, const std::string& name, std::uint32_t v) {
        return u8(tag).u16(static_cast<int>(name.size())).str(name).u16(4).u32(v);
    }
    B& header(int major, int minor, int op, std::uint32_t id) { return u8(major).u8(minor).u16(op).u32(id); }
};

std::string text(const Bytes& b) { return std::string(b.begin(), b.end()); }

// RFC 8010 A.1: Print-Job request with job-name, fidelity, copies and sides.
Bytes rfc8010_a1() {
    B m;
    m.header(1, 1, 0x0002, 1)
        .u8(0x01)
        .attr(0x47, "attributes-charset", "utf-8")
        .attr(0x48, "attributes-natural-language", "en-us")
        .attr(0x45, "printer-uri", "ipp://printer.example.com/ipp/print/pinetree")
        .attr(0x42, "job-name", "foobar")
        .attr(0x22, "ipp-attribute-fidelity", std::string(1, '\x01'))
        .u8(0x02)
        .attr_int(0x21, "copies", 20)
        .attr(0x44, "sides", "two-sided-long-edge")
        .u8(0x03)
        .str("%!PS...");
    return m.b;
}

IppMessage response_head(std::uint16_t status, const char* message) {
    IppMessage m;
    m.op_or_status = status;
    m.request_id = 1;
    IppGroup& g = m.add_group(IppGroupTag::operation);
    g.add("attributes-charset", IppValue::of_string(IppTag::charset, "utf-8"));
    g.add("attributes-natural-language", IppValue::of_string(IppTag::natural_language, "en-us"));
    g.add("status-message", IppValue::of_text(message));
    return m;
}

B response_head_bytes(int status, const std::string& message) {
    B m;
    m.header(1, 1, status, 1)
        .u8(0x01)
        .attr(0x47, "attributes-charset", "utf-8")
        .attr(0x48, "attributes-natural-language", "en-us")
        .attr(0x41, "status-message", message);
    return m;
}

Bytes minimal_request(std::initializer_list<Bytes> attributes) {
    B m;
    m.header(2, 0, 0x000b, 7).u8(0x01).attr(0x47, "attributes-charset", "utf-8");
    for (const Bytes& a : attributes) m.b.insert(m.b.end(), a.begin(), a.end());
    m.u8(0x03);
    return m.b;
}

}  // namespace

TEST_CASE("RFC 8010 A.1: the Print-Job request decodes field by field and re-encodes to the same bytes",
          "[protocol][ipp]") {
    const Bytes wire = rfc8010_a1();
    // The first bytes as the RFC's table lists them.
    CHECK(Bytes(wire.begin(), wire.begin() + 12) ==
          Bytes{0x01, 0x01, 0x00, 0x02, 0x00, 0x00, 0x00, 0x01, 0x01, 0x47, 0x00, 0x12});
    const IppDecodeResult r = decode_ipp(wire);
    REQUIRE(r.has_value());
    const IppMessage& m = r.value();
    CHECK(m.version_major == 1);
    CHECK(m.version_minor == 1);
    CHECK(m.op_or_status == static_cast<std::uint16_t>(IppOperation::print_job));
    CHECK(m.request_id == 1);
    REQUIRE(m.groups.size() == 2);
    CHECK(m.groups[0].tag == IppGroupTag::operation);
    CHECK(m.groups[1].tag == IppGroupTag::job);
    REQUIRE(m.groups[0].attributes.size() == 5);
    CHECK(m.groups[0].attributes[2].values[0] == IppValue::of_uri("ipp://printer.example.com/ipp/print/pinetree"));
    CHECK(m.groups[0].attributes[4].values[0] == IppValue::of_boolean(true));
    CHECK(m.find(IppGroupTag::job, "copies")->values[0] == IppValue::of_integer(20));
    CHECK(m.find(IppGroupTag::job, "sides")->values[0] == IppValue::of_keyword("two-sided-long-edge"));
    CHECK(m.find(IppGroupTag::job, "job-name") == nullptr);
    CHECK(text(m.data) == "%!PS...");
    CHECK(encode(m) == wire);
}

TEST_CASE("RFC 8010 A.2: the successful Print-Job response encodes byte for byte", "[protocol][ipp]") {
    IppMessage m = response_head(0x0000, "successful-ok");
    IppGroup& job = m.add_group(IppGroupTag::job);
    job.add("job-id", IppValue::of_integer(147));
    job.add("job-uri", IppValue::of_uri("ipp://printer.example.com/ipp/print/pinetree/147"));
    job.add("job-state", IppValue::of_enum(3));
    B want = response_head_bytes(0x0000, "successful-ok");
    want.u8(0x02)
        .attr_int(0x21, "job-id", 147)
        .attr(0x45, "job-uri", "ipp://printer.example.com/ipp/print/pinetree/147")
        .attr_int(0x23, "job-state", 3)
        .u8(0x03);
    CHECK(encode(m) == want.b);
    // ...and the RFC's value lengths are where they should be: job-uri is 0x0030 long.
    const std::string uri = "ipp://printer.example.com/ipp/print/pinetree/147";
    CHECK(uri.size() == 0x30);
    CHECK(decode_ipp(want.b).value() == m);
}

TEST_CASE("RFC 8010 A.3 and A.4: responses with an unsupported-attributes group", "[protocol][ipp]") {
    // A.3: fidelity true, copies 20 and sides unsupported: the request fails.
    IppMessage fail = response_head(0x040b, "client-error-attributes-or-values-not-supported");
    IppGroup& u = fail.add_group(IppGroupTag::unsupported);
    u.add("copies", IppValue::of_integer(20));
    u.add("sides", IppValue::out_of_band(IppTag::unsupported));
    B a3 = response_head_bytes(0x040b, "client-error-attributes-or-values-not-supported");
    a3.u8(0x05).attr_int(0x21, "copies", 20).attr(0x10, "sides", "").u8(0x03);
    CHECK(std::string("client-error-attributes-or-values-not-supported").size() == 0x2f);
    CHECK(encode(fail) == a3.b);
    CHECK(decode_ipp(a3.b).value() == fail);
    CHECK(status_name(0x040b) == "client-error-attributes-or-values-not-supported");

    // A.4: fidelity false: the job is created anyway, status 0x0001.
    IppMessage ok = response_head(0x0001, "successful-ok-ignored-or-substituted-attributes");
    ok.groups.push_back(fail.groups[1]);
    IppGroup& job = ok.add_group(IppGroupTag::job);
    job.add("job-id", IppValue::of_integer(147));
    job.add("job-uri", IppValue::of_uri("ipp://printer.example.com/ipp/print/pinetree/147"));
    job.add("job-state", IppValue::of_enum(3));
    B a4 = response_head_bytes(0x0001, "successful-ok-ignored-or-substituted-attributes");
    a4.u8(0x05)
        .attr_int(0x21, "copies", 20)
        .attr(0x10, "sides", "")
        .u8(0x02)
        .attr_int(0x21, "job-id", 147)
        .attr(0x45, "job-uri", "ipp://printer.example.com/ipp/print/pinetree/147")
        .attr_int(0x23, "job-state", 3)
        .u8(0x03);
    CHECK(encode(ok) == a4.b);
    CHECK(decode_ipp(a4.b).value() == ok);
}

TEST_CASE("RFC 8010 A.7: the Get-Jobs request, with a 1setOf requested-attributes, to the byte", "[protocol][ipp]") {
    // The RFC's example as hex: request-id 0x7b, limit 50, three requested attributes.
    const std::string hex =
        "0101000a0000007b01470012617474726962757465732d6368617273657400057574662d3848001b617474726962757465"
        "732d6e61747572616c2d6c616e67756167650005656e2d757345000b7072696e7465722d757269002c6970703a2f2f7072"
        "696e7465722e6578616d706c652e636f6d2f6970702f7072696e742f70696e65747265652100056c696d69740004000000"
        "324400147265717565737465642d6174747269627574657300066a6f622d696444000000086a6f622d6e616d6544000000"
        "0f646f63756d656e742d666f726d617403";
    Bytes wire;
    for (std::size_t i = 0; i < hex.size(); i += 2) wire.push_back(static_cast<std::uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
    const IppDecodeResult r = decode_ipp(wire);
    REQUIRE(r.has_value());
    CHECK(r->op_or_status == static_cast<std::uint16_t>(IppOperation::get_jobs));
    CHECK(r->request_id == 0x7b);
    CHECK(r->find(IppGroupTag::operation, "limit")->values[0].integer == 50);
    const IppAttribute* req = r->find(IppGroupTag::operation, "requested-attributes");
    REQUIRE(req != nullptr);
    REQUIRE(req->values.size() == 3);  // the additional values (name length 0) join the attribute
    CHECK(req->values[1].text == "job-name");
    CHECK(req->values[2].text == "document-format");
    CHECK(r->data.empty());
    CHECK(encode(r.value()) == wire);
}

TEST_CASE("RFC 8010 §3.1.6: a collection encodes as begCollection, memberAttrName, values, endCollection",
          "[protocol][ipp]") {
    // media-col = {media-size = {x-dimension = 21000, y-dimension = 29700}, media-source = "main"}
    B want;
    want.header(2, 0, 0x0002, 9)
        .u8(0x01)
        .attr(0x47, "attributes-charset", "utf-8")
        .u8(0x02)
        .attr(0x34, "media-col", "")
        .attr(0x4a, "", "media-size")
        .attr(0x34, "", "")
        .attr(0x4a, "", "x-dimension")
        .attr_int(0x21, "", 21000)
        .attr(0x4a, "", "y-dimension")
        .attr_int(0x21, "", 29700)
        .attr(0x37, "", "")
        .attr(0x4a, "", "media-source")
        .attr(0x44, "", "main")
        .attr(0x37, "", "")
        .u8(0x03);
    IppMessage m;
    m.version_major = 2;
    m.version_minor = 0;
    m.op_or_status = 0x0002;
    m.request_id = 9;
    m.add_group(IppGroupTag::operation).add("attributes-charset", IppValue::of_string(IppTag::charset, "utf-8"));
    const IppValue size = IppValue::of_collection(
        {IppAttribute("x-dimension", IppValue::of_integer(21000)), IppAttribute("y-dimension", IppValue::of_integer(29700))});
    m.add_group(IppGroupTag::job)
        .add("media-col", IppValue::of_collection({IppAttribute("media-size", size),
                                                   IppAttribute("media-source", IppValue::of_keyword("main"))}));
    CHECK(encode(m) == want.b);
    const IppDecodeResult r = decode_ipp(want.b);
    REQUIRE(r.has_value());
    CHECK(r.value() == m);
    const IppValue& col = r->find(IppGroupTag::job, "media-col")->values[0];
    CHECK(col.members[0].values[0].members[1].values[0].integer == 29700);
    CHECK(to_string(col) == "{media-size={x-dimension=21000 y-dimension=29700} media-source=main}");
}

TEST_CASE("every value syntax survives a round trip, and prints as ipptool prints it", "[protocol][ipp]") {
    IppMessage m;
    m.version_major = 2;
    m.version_minor = 0;
    m.op_or_status = 0x000b;
    m.request_id = 0x7fffffff;
    IppGroup& g = m.add_group(IppGroupTag::printer);
    const IppDateTime when{0x07, 0xea, 3, 14, 9, 30, 5, 0, '+', 8, 0};
    g.add("printer-current-time", IppValue::of_date_time(when));
    g.add("printer-resolution-default", IppValue::of_resolution(600, 600, IppResolutionUnits::dots_per_inch));
    g.add("copies-supported", IppValue::of_range(1, 99));
    g.add("printer-info", IppValue::with_language(IppTag::text_with_language, "zh-cn", "证明打印机"));
    g.add("printer-name", IppValue::with_language(IppTag::name_with_language, "en", "a4"));
    g.add("printer-supply", IppValue::of_string(IppTag::octet_string, std::string("\x00\x01\xff", 3)));
    g.add("reference-uri-schemes-supported", IppValue::of_string(IppTag::uri_scheme, "ipp"));
    g.add("document-format-supported",
          {IppValue::of_string(IppTag::mime_media_type, "application/pdf"),
           IppValue::of_string(IppTag::mime_media_type, "text/plain")});
    g.add("printer-geo-location", IppValue::out_of_band(IppTag::unknown));
    g.add("media-default", IppValue::out_of_band(IppTag::no_value));
    g.add("color-supported", IppValue::of_boolean(false));
    g.add("printer-state", IppValue::of_enum(3));
    g.add("printer-up-time", IppValue::of_integer(-5));
    g.add("x-vendor", IppValue::of_string(static_cast<IppTag>(0x4b), "opaque"));  // an unassigned tag keeps its bytes
    const Bytes wire = encode(m);
    const IppDecodeResult r = decode_ipp(wire);
    REQUIRE(r.has_value());
    CHECK(r.value() == m);
    CHECK(r->request_id == 0x7fffffff);
    const IppGroup& d = r->groups[0];
    CHECK(to_string(d.find("printer-current-time")->values[0]) == "2026-03-14T09:30:05.0+0800");
    CHECK(to_string(d.find("printer-resolution-default")->values[0]) == "600x600dpi");
    CHECK(to_string(d.find("copies-supported")->values[0]) == "1-99");
    CHECK(to_string(d.find("printer-info")->values[0]) == "zh-cn:证明打印机");
    CHECK(to_string(d.find("media-default")->values[0]) == "no-value");
    CHECK(d.find("document-format-supported")->values.size() == 2);
    CHECK(d.find("printer-geo-location")->values[0].is_out_of_band());
    CHECK(d.find("printer-supply")->values[0].text.size() == 3);
    CHECK(d.find("x-vendor")->values[0].text == "opaque");
    CHECK(encode(r.value()) == wire);
}

TEST_CASE("document data after end-of-attributes is kept verbatim, whatever it looks like", "[protocol][ipp]") {
    Bytes wire = minimal_request({});
    const Bytes doc{0x03, 0x01, 0x47, 0x00, 0xff, 0x00};
    wire.insert(wire.end(), doc.begin(), doc.end());
    const IppDecodeResult r = decode_ipp(wire);
    REQUIRE(r.has_value());
    CHECK(r->data == doc);
    CHECK(r->version_major == 2);
}

TEST_CASE("malformed messages are refused with the offset and client-error-bad-request", "[protocol][ipp]") {
    const auto error_of = [](const Bytes& b) {
        const IppDecodeResult r = decode_ipp(b);
        REQUIRE_FALSE(r.has_value());
        CHECK(r.error().status == IppStatus::client_error_bad_request);
        return r.error();
    };
    // Shorter than a header: no request-id to echo.
    const IppError tiny = error_of(Bytes{0x01, 0x01, 0x00});
    CHECK_FALSE(tiny.has_header);
    // A header but no end-of-attributes tag: the request-id is still known.
    const IppError no_end = error_of(B().header(1, 1, 0x000b, 42).u8(0x01).attr(0x47, "attributes-charset", "utf-8").b);
    CHECK(no_end.has_header);
    CHECK(no_end.request_id == 42);
    CHECK(no_end.offset == 9 + 3 + 18 + 2 + 5);
    // An absurd name length: refused at the length, nothing allocated for it.
    const IppError name_len = error_of(B().header(1, 1, 0x000b, 1).u8(0x01).u8(0x47).u16(0xffff).str("abc").b);
    CHECK(name_len.offset == 10);  // the name-length field
    CHECK(name_len.message.find("65535") != std::string::npos);
    // An absurd value length.
    const IppError value_len =
        error_of(B().header(1, 1, 0x000b, 1).u8(0x01).u8(0x47).u16(1).str("a").u16(0xfff0).str("utf-8").b);
    CHECK(value_len.offset == 13);  // the value-length field
    // An additional value (empty name) with no attribute before it.
    CHECK(error_of(B().header(1, 1, 0x000b, 1).u8(0x01).attr(0x44, "", "x").u8(0x03).b).offset == 9);
    // An attribute before any group tag.
    CHECK(error_of(B().header(1, 1, 0x000b, 1).attr(0x47, "attributes-charset", "utf-8").u8(0x03).b).offset == 8);
    // Reserved delimiter 0x00, and the obsolete extension tag 0x7f.
    CHECK(error_of(B().header(1, 1, 0x000b, 1).u8(0x00).u8(0x03).b).offset == 8);
    error_of(minimal_request({B().attr_int(0x7f, "x", 0x40000000).b}));
    // Fixed-size syntaxes with the wrong size, a boolean that is not 0 or 1.
    error_of(minimal_request({B().attr(0x21, "copies", std::string(3, '\0')).b}));
    error_of(minimal_request({B().attr(0x31, "printer-current-time", std::string(10, '\0')).b}));
    error_of(minimal_request({B().attr(0x32, "printer-resolution", std::string(8, '\0')).b}));
    error_of(minimal_request({B().attr(0x33, "copies-supported", std::string(9, '\0')).b}));
    error_of(minimal_request({B().attr(0x22, "ipp-attribute-fidelity", std::string(1, '\x02')).b}));
    // textWithLanguage whose inner lengths disagree with the value length.
    error_of(minimal_request({B().attr(0x35, "printer-info", std::string("\x00\x02zh\x00\x05" "abc", 9)).b}));
    error_of(minimal_request({B().attr(0x35, "printer-info", std::string("\x00\x09zh", 4)).b}));
    // Collection structure outside a collection, a collection never closed,
    // a value without its member name, a member without a value.
    error_of(minimal_request({B().attr(0x4a, "", "x").b}));
    error_of(minimal_request({B().attr(0x37, "media-col", "").b}));
    error_of(minimal_request({B().attr(0x34, "media-col", "").attr(0x4a, "", "x").b}));
    error_of(minimal_request({B().attr(0x34, "media-col", "").attr_int(0x21, "", 1).attr(0x37, "", "").b}));
    error_of(minimal_request({B().attr(0x34, "media-col", "").attr(0x4a, "", "x").attr(0x37, "", "").b}));
    error_of(minimal_request({B().attr(0x34, "media-col", "").attr(0x4a, "", "x").attr_int(0x21, "named", 1).attr(0x37, "", "").b}));
}

TEST_CASE("nesting and attribute counts are bounded", "[protocol][ipp]") {
    auto nested = [](std::size_t depth) {
        B b;
        b.attr(0x34, "c", "");
        for (std::size_t i = 1; i < depth; ++i) b.attr(0x4a, "", "m").attr(0x34, "", "");
        b.attr(0x4a, "", "leaf").attr_int(0x21, "", 1);
        for (std::size_t i = 0; i < depth; ++i) b.attr(0x37, "", "");
        return b.b;
    };
    CHECK(decode_ipp(minimal_request({nested(k_ipp_max_depth)})).has_value());
    CHECK_FALSE(decode_ipp(minimal_request({nested(k_ipp_max_depth + 1)})).has_value());

    B many;
    for (std::size_t i = 0; i < k_ipp_max_attributes; ++i) many.attr_int(0x21, std::to_string(i).append("-a"), 1);
    CHECK_FALSE(decode_ipp(minimal_request({many.b})).has_value());  // + attributes-charset = one too many
    B values;
    values.attr(0x44, "requested-attributes", "x");
    for (std::size_t i = 1; i < k_ipp_max_values; ++i) values.attr(0x44, "", "x");
    const IppDecodeResult at_limit = decode_ipp(minimal_request({values.b}));
    REQUIRE(at_limit.has_value());
    CHECK(at_limit->find(IppGroupTag::operation, "requested-attributes")->values.size() == k_ipp_max_values);
    values.attr(0x44, "", "x");
    CHECK_FALSE(decode_ipp(minimal_request({values.b})).has_value());
}

TEST_CASE("the encoder refuses what the wire cannot carry", "[protocol][ipp]") {
    IppMessage m;
    m.add_group(IppGroupTag::operation).add("empty", std::vector<IppValue>{});
    CHECK_THROWS_AS(encode(m), std::invalid_argument);
    IppMessage big;
    big.add_group(IppGroupTag::operation).add("job-name", IppValue::of_name(std::string(70000, 'x')));
    CHECK_THROWS_WITH(encode(big), "IPP attribute \"job-name\": value longer than 65535 bytes");
    IppMessage structural;
    structural.add_group(IppGroupTag::operation).add("x", IppValue::out_of_band(IppTag::end_collection));
    CHECK_THROWS_AS(encode(structural), std::invalid_argument);
    IppMessage end_as_group;
    end_as_group.add_group(IppGroupTag::end_of_attributes);
    CHECK_THROWS_AS(encode(end_as_group), std::invalid_argument);
}

TEST_CASE("operation, status and state names follow RFC 8011", "[protocol][ipp]") {
    CHECK(operation_name(0x0002) == "Print-Job");
    CHECK(operation_name(0x0004) == "Validate-Job");
    CHECK(operation_name(0x0005) == "Create-Job");
    CHECK(operation_name(0x0006) == "Send-Document");
    CHECK(operation_name(0x0008) == "Cancel-Job");
    CHECK(operation_name(0x0009) == "Get-Job-Attributes");
    CHECK(operation_name(0x000a) == "Get-Jobs");
    CHECK(operation_name(0x000b) == "Get-Printer-Attributes");
    CHECK(operation_name(0x0010) == "Pause-Printer");
    CHECK(operation_name(0x4001).empty());
    CHECK(status_name(0x0000) == "successful-ok");
    CHECK(status_name(0x0001) == "successful-ok-ignored-or-substituted-attributes");
    CHECK(status_name(0x0400) == "client-error-bad-request");
    CHECK(status_name(0x0401) == "client-error-forbidden");
    CHECK(status_name(0x0404) == "client-error-not-possible");
    CHECK(status_name(0x0406) == "client-error-not-found");
    CHECK(status_name(0x040a) == "client-error-document-format-not-supported");
    CHECK(status_name(0x0500) == "server-error-internal-error");
    CHECK(status_name(0x0501) == "server-error-operation-not-supported");
    CHECK(status_name(0x0503) == "server-error-version-not-supported");
    CHECK(status_name(0x0507) == "server-error-busy");
    CHECK(status_name(0x0999).empty());
    CHECK(printer_state_name(3) == "idle");
    CHECK(printer_state_name(4) == "processing");
    CHECK(printer_state_name(5) == "stopped");
    CHECK(printer_state_name(6).empty());
    const char* jobs[] = {"pending", "pending-held", "processing", "processing-stopped", "canceled", "aborted", "completed"};
    for (int s = 3; s <= 9; ++s) CHECK(job_state_name(s) == jobs[s - 3]);
    CHECK(job_state_name(2).empty());
    CHECK(group_name(IppGroupTag::unsupported) == "unsupported-attributes-tag");
    CHECK(tag_name(IppTag::mime_media_type) == "mimeMediaType");
}

}  // namespace protocol_ipp_test
