// The hot-path JSON text codec (protocol/json_text.hpp) against nlohmann/json:
// device replies and gateway bodies (R-8.1-1 UTF-8 JSON, R-8.2-1 Base64
// images in the envelope) read and written fast must be exactly what
// nlohmann/json reads and writes. tests/fuzz/fuzz_json_text.cpp does the same
// on arbitrary input.
#include <kiosktwin/protocol/base64.hpp>
#include <kiosktwin/protocol/json_text.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

namespace protocol_json_text_test {

using namespace kiosktwin::protocol;
using nlohmann::json;

namespace {

// Equal values of equal types all the way down (json's == calls 1 and 1.0 equal).
bool same(const json& a, const json& b) {
    if (a.type() != b.type()) return false;
    if (a.is_object() || a.is_array()) {
        if (a.size() != b.size()) return false;
        for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j) {
            if (a.is_object() && i.key() != j.key()) return false;
            if (!same(*i, *j)) return false;
        }
        return true;
    }
    if (a.is_number_float()) return a.get<double>() == b.get<double>() && std::signbit(a.get<double>()) == std::signbit(b.get<double>());
    return a == b;
}

// The text is read fast, and to what nlohmann/json reads.
void read_fast(const std::string& text) {
    INFO(text);
    const auto fast = parse_json_fast(text);
    REQUIRE(fast.has_value());
    CHECK(same(*fast, json::parse(text)));
    CHECK(dump_json(*fast) == fast->dump());
}

// The text is left to nlohmann/json, which reads it (or not) as always.
void left_to_nlohmann(const std::string& text) {
    INFO(text);
    CHECK_FALSE(parse_json_fast(text).has_value());
    const json reference = json::parse(text, nullptr, false);
    const auto tried = try_parse_json(text);
    REQUIRE(tried.has_value() == !reference.is_discarded());
    if (tried) {
        CHECK(same(*tried, reference));
        CHECK(same(parse_json(text), reference));
    } else {
        CHECK_THROWS_AS(parse_json(text), json::exception);  // parse_error, or out_of_range on overflow
    }
}

}  // namespace

TEST_CASE("json_text: the envelope of a camera frame is read and written as nlohmann/json does [R-8.2-1]", "[json_text]") {
    std::string image;
    for (int i = 0; i < 5000; ++i) image += "iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB";
    const json data = {{"image", image}, {"width", 640}, {"height", 480}, {"quality", 0.875}, {"faces", 1},
                       {"frame", 18446744073709551615ULL}, {"offset", -12}, {"live", true}, {"note", nullptr},
                       {"name", "张三 (Zhang San)"}, {"list", json::array({1, "二", 3.5, json::object()})}};
    const json envelope = {{"code", 0}, {"msg", "ok"}, {"data", data}};
    const std::string text = dump_json(envelope);
    CHECK(text == envelope.dump());
    const auto back = parse_json_fast(text);
    REQUIRE(back.has_value());
    CHECK(same(*back, json::parse(text)));
    CHECK(*back == envelope);
    std::string appended = "prefix:";
    append_json(appended, data);
    CHECK(appended == "prefix:" + data.dump());
}

TEST_CASE("json_text: strings, escapes and UTF-8 [R-8.1-1]", "[json_text]") {
    read_fast(R"("plain")");
    read_fast(R"("quote \" backslash \\ slash \/ controls \b\f\n\r\t")");
    read_fast(R"("\u4e2d\u6587 \u00e9 \u0000 \uD83D\uDE00 \u001f")");
    read_fast("\"中文 é 😀 \x7f\"");
    read_fast(R"({"key \"with\" escapes":"v","中":"文"})");
    for (const std::string& s : {std::string("a\x01z"), std::string("\x1f"), std::string("tab\there"), std::string(1, '\0'),
                                std::string("日本語\n"), std::string(40, '"'), std::string("0123456789abcdef\x7f\\")}) {
        INFO(s);
        CHECK(dump_json(json(s)) == json(s).dump());
    }
    // Not UTF-8: thrown or repaired exactly as nlohmann/json does.
    const json bad = std::string("ok \xc0\xaf \xed\xa0\x80 \xf4\x90\x80\x80 \xe4\xb8");
    CHECK_THROWS_AS(dump_json(bad), json::type_error);
    CHECK(dump_json(bad, json::error_handler_t::replace) == bad.dump(-1, ' ', false, json::error_handler_t::replace));
    CHECK(dump_json(bad, json::error_handler_t::ignore) == bad.dump(-1, ' ', false, json::error_handler_t::ignore));
    left_to_nlohmann("\"\xc0\xaf\"");
    left_to_nlohmann("\"\xed\xa0\x80\"");   // an encoded surrogate
    left_to_nlohmann(R"("\ud800")");        // a lone high surrogate
    left_to_nlohmann(R"("\udc00 x")");      // a lone low surrogate
    left_to_nlohmann(R"("\ud800\u0041")");  // high then not low
    left_to_nlohmann(R"("\ud83d\|de00")");  // high then an escape that is not \u (found by fuzz_json_text)
    left_to_nlohmann("\"tab\tinside\"");     // a raw control character
    left_to_nlohmann(R"("\x41")");
    left_to_nlohmann(R"("\u12G4")");
    left_to_nlohmann("\"unterminated");
}

TEST_CASE("json_text: numbers keep nlohmann/json's types", "[json_text]") {
    read_fast("0");
    read_fast("-0");
    read_fast("42");
    read_fast("-42");
    read_fast("18446744073709551615");   // the largest unsigned
    read_fast("-9223372036854775808");   // the smallest signed
    read_fast("0.1");
    read_fast("-0.0");
    read_fast("1e3");
    read_fast("1E+3");
    read_fast("2.5e-3");
    read_fast("123456789.123456789e10");
    read_fast("[1, -1, 1.5, 1e2, 0]");
    CHECK(parse_json_fast("7")->is_number_unsigned());
    CHECK(parse_json_fast("-7")->is_number_integer());
    CHECK(parse_json_fast("7.0")->is_number_float());
    left_to_nlohmann("18446744073709551616");  // a double in nlohmann/json
    left_to_nlohmann("-9223372036854775809");
    left_to_nlohmann("1e400");                 // overflow: an error there
    left_to_nlohmann("01");
    left_to_nlohmann("1.");
    left_to_nlohmann(".5");
    left_to_nlohmann("+1");
    left_to_nlohmann("-");
    left_to_nlohmann("1e");
    left_to_nlohmann("NaN");
}

TEST_CASE("json_text: structure, white space and what is left to nlohmann/json", "[json_text]") {
    read_fast(" \t\r\n{ \"a\" : [ 1 , { } , [ ] , null , true , false ] } \n");
    read_fast("{}");
    read_fast("[]");
    read_fast(R"({"a":1,"a":2})");  // the last duplicate wins, as there
    CHECK((*parse_json_fast(R"({"a":1,"a":2})"))["a"] == 2);
    read_fast(std::string(k_fast_depth, '[') + std::string(k_fast_depth, ']'));
    left_to_nlohmann(std::string(k_fast_depth + 1, '[') + std::string(k_fast_depth + 1, ']'));  // deep: read there
    left_to_nlohmann("\xef\xbb\xbf{\"bom\":1}");
    left_to_nlohmann("");
    left_to_nlohmann("   ");
    left_to_nlohmann("{\"a\":1,}");
    left_to_nlohmann("[1 2]");
    left_to_nlohmann("{\"a\" 1}");
    left_to_nlohmann("{1:2}");
    left_to_nlohmann("[1]x");
    left_to_nlohmann("tru");
    left_to_nlohmann("nulll");
    left_to_nlohmann("/* comment */ 1");
    CHECK_THROWS_AS(parse_json("{\"a\":"), json::parse_error);
    CHECK_FALSE(try_parse_json("{\"a\":").has_value());
}

TEST_CASE("json_text: dump of every kind of value is nlohmann/json's, byte for byte", "[json_text]") {
    const json values = json::array({nullptr, true, false, 0, -1, 1U, 18446744073709551615ULL, -9223372036854775807LL - 1,
                                     0.1, -0.0, 1e300, 3.0, std::nan(""), HUGE_VAL, json::binary({1, 2, 3}),
                                     json::object(), json::array(), json::object({{"z", 1}, {"a", json::array({1, 2})}})});
    CHECK(dump_json(values) == values.dump());
    for (const json& v : values) {
        INFO(v.dump());
        CHECK(dump_json(v) == v.dump());
    }
}

}  // namespace protocol_json_text_test
