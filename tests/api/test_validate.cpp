// Request-body validation with JSON-pointer paths (R-8.2-1): every rule, its
// path and its error code; UTF-8 lengths; GB/T 7408 timestamps; Base64
// images; ID numbers (GB 11643) and their masking (R-9.3-1).
#include <catch2/catch.hpp>

#include <kiosktwin/api/envelope.hpp>
#include <kiosktwin/api/validate.hpp>
#include <kiosktwin/protocol/base64.hpp>
#include <kiosktwin/protocol/citizen_id.hpp>

#include <string>
#include <vector>

namespace api_validate_test {

using namespace kiosktwin;
using namespace kiosktwin::api;
using nlohmann::json;

namespace {

// A synthetic ID number: 17 digits and their computed check character.
std::string synthetic_id(std::string_view first17) {
    std::string s(first17);
    s.push_back(protocol::citizen_id::check_digit(first17));
    return s;
}

const std::string k_id = synthetic_id("11010519900307123");     // Chaoyang, 1990-03-07, male
const std::string k_id_x = synthetic_id("11010119800101002");   // may end in X or a digit

// The one problem a checker found.
Problem only(const Checker& c) {
    REQUIRE(c.errors().size() == 1);
    return c.errors().front();
}

std::string image(std::vector<std::uint8_t> head, std::size_t size) {
    head.resize(size, 0x42);
    return protocol::base64_encode(head);
}

json application() {
    return {{"item_code", "XK"},
            {"applicant",
             {{"name", "张三"},
              {"id_number", k_id},
              {"gender", "1"},
              {"region", "110105"},
              {"age", 36},
              {"agreed", true}}},
            {"submitted_at", "2026-06-01T09:30:00+08:00"},
            {"photo", image({0xFF, 0xD8, 0xFF, 0xE0}, 100)},
            {"materials", {{{"name", "户口簿"}, {"pages", 2}}, {{"name", "照片"}, {"pages", 1}}}}};
}

void check_application(Checker& c) {
    c.required_string("/applicant/name", 1, 50);
    c.id_number("/applicant/id_number");
    c.code("/applicant/gender", codes::gender());
    c.region("/applicant/region");
    c.required_integer("/applicant/age", 0, 150);
    c.required_bool("/applicant/agreed");
    c.code("/item_code", codes::item_type());
    c.timestamp("/submitted_at");
    c.base64_image("/photo", 1024);
    c.required_array("/materials", 1, 10);
    c.each("/materials", [](Checker& m, const std::string& item) {
        m.required_string(item + "/name", 1, 20);
        m.required_integer(item + "/pages", 1, 99);
    });
}

}  // namespace

TEST_CASE("R-8.2-1: a well-formed application passes every rule", "[api][validate]") {
    const json body = application();
    Checker c(body);
    check_application(c);
    CHECK(c.ok());
    CHECK_FALSE(c.first_error());
    CHECK(c.errors().empty());
    CHECK(protocol::citizen_id::validate(k_id_x).valid);  // the helper makes valid numbers
}

TEST_CASE("R-8.2-1: the first problem becomes the error envelope; errors() keeps them all", "[api][validate]") {
    json body = application();
    body["applicant"]["name"] = "";
    body["applicant"]["gender"] = "3";
    body["applicant"].erase("age");
    body["materials"][1]["pages"] = 0;
    Checker c(body);
    check_application(c);
    REQUIRE(c.errors().size() == 4);
    CHECK(c.errors()[0] == Problem{ErrorCode::bad_field, "/applicant/name", "at least 1 characters, got 0"});
    CHECK(c.errors()[1].code == ErrorCode::unknown_code);
    CHECK(c.errors()[1].path == "/applicant/gender");
    CHECK(c.errors()[1].reason == "\"3\" is not a gender code (GB/T 2261.1)");
    CHECK(c.errors()[2] == Problem{ErrorCode::missing_field, "/applicant/age", "required"});
    CHECK(c.errors()[3].path == "/materials/1/pages");
    const json e = envelope::error(*c.first_error());
    CHECK(e.at("code") == 40002);
    CHECK(e.at("data") == json{{"error", "request.bad_field"},
                               {"path", "/applicant/name"},
                               {"reason", "at least 1 characters, got 0"}});
}

TEST_CASE("R-8.2-1: missing, null, and a parent of the wrong type", "[api][validate]") {
    SECTION("absent or null required members are missing; optional ones pass") {
        const json body = {{"a", nullptr}, {"o", json::object()}};
        Checker c(body);
        c.required_string("/a", 0, 5).required_string("/b", 0, 5).required_integer("/o/x/y", 0, 1);
        c.optional_string("/a", 1, 5).optional_integer("/c", 0, 1).optional_bool("/o/z");
        c.id_number("/q", Presence::optional).timestamp("/q", Offset::china, Presence::optional);
        REQUIRE(c.errors().size() == 3);
        CHECK(c.errors()[0] == Problem{ErrorCode::missing_field, "/a", "required"});
        CHECK(c.errors()[1] == Problem{ErrorCode::missing_field, "/b", "required"});
        CHECK(c.errors()[2] == Problem{ErrorCode::missing_field, "/o/x/y", "required"});
    }
    SECTION("a parent that is not an object is bad at the parent's path, once") {
        const json body = {{"applicant", "张三"}};
        Checker c(body);
        c.required_string("/applicant/name", 1, 50).id_number("/applicant/id_number");
        CHECK(only(c) == Problem{ErrorCode::bad_field, "/applicant", "expected an object, got a string"});
    }
    SECTION("a body that is not an object") {
        const json body = json::array({1, 2});
        Checker c(body);
        c.required_string("/name", 1, 5).required_integer("/n", 0, 1);
        CHECK(only(c) == Problem{ErrorCode::bad_field, "", "expected an object, got an array"});
    }
    SECTION("array indices, escaped pointer tokens and a malformed pointer") {
        const json body = {{"list", {10, 20}}, {"a/b", {{"m~n", 1}}}};
        Checker c(body);
        c.required_integer("/list/1", 0, 100).required_integer("/a~1b/m~0n", 0, 1);
        CHECK(c.ok());
        c.required_integer("/list/2", 0, 100);
        CHECK(only(c) == Problem{ErrorCode::missing_field, "/list/2", "required"});
        Checker d(body);
        d.required_integer("/list/01", 0, 100);
        CHECK(only(d) == Problem{ErrorCode::bad_field, "/list", "expected an object, got an array"});
        CHECK_THROWS_AS(c.required_string("no-slash", 0, 1), json::parse_error);
    }
    SECTION("once a path has a problem, later rules on it and below it are skipped") {
        const json body = {{"id", 12}};
        Checker c(body);
        c.required_string("/id", 18, 18).id_number("/id").required_string("/id/x", 0, 1);
        CHECK(only(c) == Problem{ErrorCode::bad_field, "/id", "expected a string, got an integer"});
    }
    SECTION("a caller's own problem") {
        const json body = json::object();
        Checker c(body);
        c.fail(ErrorCode::conflict_state, "", "case already submitted").required_string("/x", 0, 1);
        REQUIRE(c.errors().size() == 2);  // a non-field problem blocks nothing
        CHECK(c.first_error()->code == ErrorCode::conflict_state);
    }
}

TEST_CASE("R-8.2-1: string lengths count UTF-8 code points, not bytes", "[api][validate][utf8]") {
    CHECK(utf8_length("") == 0u);
    CHECK(utf8_length("abc") == 3u);
    CHECK(utf8_length("张三") == 2u);                 // 6 bytes
    CHECK(utf8_length("欧阳娜娜·Ab") == 7u);
    CHECK(utf8_length("\xF0\x9F\x98\x80") == 1u);     // U+1F600, 4 bytes
    CHECK(utf8_length("\xF4\x8F\xBF\xBF") == 1u);     // U+10FFFF
    // Malformed: stray continuation, truncated, overlong, surrogate, beyond U+10FFFF, bad lead.
    for (const char* bad : {"\x80", "\xE5\xBC", "a\xE5", "\xC0\xAF", "\xE0\x80\xAF", "\xED\xA0\x80",
                            "\xF4\x90\x80\x80", "\xF8\x88\x80\x80\x80", "\xFF", "\xE5\x41\x41"}) {
        INFO(bad);
        CHECK_FALSE(utf8_length(bad));
    }

    std::string name;
    for (int i = 0; i < 50; ++i) name += "张";  // 50 characters, 150 bytes
    json body = {{"name", name}};
    {
        Checker c(body);
        c.required_string("/name", 1, 50);
        CHECK(c.ok());  // 150 bytes but 50 characters
    }
    body["name"] = name + "三";
    {
        Checker c(body);
        c.required_string("/name", 1, 50);
        CHECK(only(c) == Problem{ErrorCode::bad_field, "/name", "at most 50 characters, got 51"});
    }
    body["name"] = "张三";
    {
        Checker c(body);
        c.required_string("/name", 3, 10);
        CHECK(only(c).reason == "at least 3 characters, got 2");
    }
    body["name"] = std::string("\xE5\xBC\xA0\xE5", 4);  // 张 + a cut-off character
    {
        Checker c(body);
        c.required_string("/name", 1, 50);
        CHECK(only(c) == Problem{ErrorCode::bad_field, "/name", "not valid UTF-8"});
        CHECK_NOTHROW(envelope::error(*c.first_error()).dump());  // the reason never echoes bad bytes
    }
    body["name"] = 5;
    {
        Checker c(body);
        c.optional_string("/name", 0, 5);
        CHECK(only(c) == Problem{ErrorCode::bad_field, "/name", "expected a string, got an integer"});
    }
}

TEST_CASE("R-8.2-1: integers, numbers, booleans, objects and arrays", "[api][validate]") {
    const json body = {{"i", 5},       {"neg", -3},      {"f", 2.5},          {"whole", 3.0},
                       {"s", "3"},     {"b", true},      {"big", 18446744073709551615ULL},
                       {"o", json::object()}, {"arr", {1, 2, 3}}};
    SECTION("in range passes") {
        Checker c(body);
        c.required_integer("/i", 0, 5).required_integer("/neg", -3, 0).required_number("/f", 0, 100);
        c.required_number("/i", 0, 5).required_bool("/b").required_object("/o").required_array("/arr", 3, 3);
        c.optional_array("/none", 1, 2).optional_number("/none", 0, 1);
        CHECK(c.ok());
    }
    SECTION("each failure, with its reason") {
        struct Case {
            std::function<void(Checker&)> rule;
            Problem expected;
        };
        const std::vector<Case> cases = {
            {[](Checker& c) { c.required_integer("/i", 6, 10); },
             {ErrorCode::bad_field, "/i", "expected an integer in [6, 10], got 5"}},
            {[](Checker& c) { c.required_integer("/neg", 0, 10); },
             {ErrorCode::bad_field, "/neg", "expected an integer in [0, 10], got -3"}},
            {[](Checker& c) { c.required_integer("/whole", 0, 10); },
             {ErrorCode::bad_field, "/whole", "expected an integer, got a number"}},
            {[](Checker& c) { c.required_integer("/s", 0, 10); },
             {ErrorCode::bad_field, "/s", "expected an integer, got a string"}},
            {[](Checker& c) { c.required_integer("/b", 0, 10); },
             {ErrorCode::bad_field, "/b", "expected an integer, got a boolean"}},
            {[](Checker& c) { c.required_integer("/big", 0, 10); },
             {ErrorCode::bad_field, "/big", "expected an integer in [0, 10], got 18446744073709551615"}},
            {[](Checker& c) { c.required_number("/f", 0, 1); },
             {ErrorCode::bad_field, "/f", "expected a number in [0.0, 1.0], got 2.5"}},
            {[](Checker& c) { c.required_number("/s", 0, 1); },
             {ErrorCode::bad_field, "/s", "expected a number, got a string"}},
            {[](Checker& c) { c.required_bool("/i"); },
             {ErrorCode::bad_field, "/i", "expected a boolean, got an integer"}},
            {[](Checker& c) { c.required_object("/arr"); },
             {ErrorCode::bad_field, "/arr", "expected an object, got an array"}},
            {[](Checker& c) { c.required_array("/o", 0, 1); },
             {ErrorCode::bad_field, "/o", "expected an array, got an object"}},
            {[](Checker& c) { c.required_array("/arr", 4, 9); },
             {ErrorCode::bad_field, "/arr", "expected 4..9 items, got 3"}},
            {[](Checker& c) { c.optional_array("/arr", 0, 2); },
             {ErrorCode::bad_field, "/arr", "expected 0..2 items, got 3"}},
            {[](Checker& c) { c.required_object("/nothing"); },
             {ErrorCode::missing_field, "/nothing", "required"}},
        };
        for (const Case& k : cases) {
            Checker c(body);
            k.rule(c);
            INFO(k.expected.path << ": " << k.expected.reason);
            CHECK(only(c) == k.expected);
        }
    }
}

TEST_CASE("R-8.2-1: codes must be in their table and of the table's JSON type", "[api][validate][codes]") {
    const json body = {{"gender", "1"},      {"gender_int", 1},     {"rating", 4},
                       {"rating_str", "4"},  {"region", "130102"},  {"bad_region", "110001"},
                       {"kind", "printer"},  {"reasons", {"attitude", "other"}},
                       {"dup", {"other", "other"}}, {"odd", {"other", 3}}};
    Checker ok(body);
    ok.code("/gender", codes::gender()).code("/rating", codes::rating()).region("/region");
    ok.code_list("/reasons", codes::bad_review_reason(), 1, 3);
    ok.code("/none", codes::channel(), Presence::optional);
    CHECK(ok.ok());

    const std::vector<std::pair<std::function<void(Checker&)>, Problem>> cases = {
        {[](Checker& c) { c.code("/gender_int", codes::gender()); },
         {ErrorCode::bad_field, "/gender_int", "expected a string gender code, got an integer"}},
        {[](Checker& c) { c.code("/rating_str", codes::rating()); },
         {ErrorCode::bad_field, "/rating_str", "expected an integer rating code, got a string"}},
        {[](Checker& c) { c.region("/bad_region"); },
         {ErrorCode::unknown_code, "/bad_region",
          "\"110001\" is not a region code (GB/T 2260 (province-level codes and examples; open))"}},
        {[](Checker& c) { c.code("/kind", codes::peripheral_type()); },
         {ErrorCode::unknown_code, "/kind", "\"printer\" is not a peripheral_type code (hw-emulators/devices kinds)"}},
        {[](Checker& c) { c.code("/missing", codes::channel()); },
         {ErrorCode::missing_field, "/missing", "required"}},
        {[](Checker& c) { c.code_list("/dup", codes::bad_review_reason(), 1, 3); },
         {ErrorCode::bad_field, "/dup/1", "duplicate \"other\""}},
        {[](Checker& c) { c.code_list("/odd", codes::bad_review_reason(), 1, 3); },
         {ErrorCode::bad_field, "/odd/1", "expected a string bad_review_reason code, got an integer"}},
        {[](Checker& c) { c.code_list("/reasons", codes::bad_review_reason(), 3, 5); },
         {ErrorCode::bad_field, "/reasons", "expected 3..5 items, got 2"}},
    };
    for (const auto& [rule, expected] : cases) {
        Checker c(body);
        rule(c);
        INFO(expected.path);
        CHECK(only(c) == expected);
    }
}

TEST_CASE("R-11.3-1: a 差评 (level 1-2) needs at least one reason code", "[api][validate][rating]") {
    const auto check = [](const json& body) {
        Checker c(body);
        c.rating("/level", "/bad_reasons");
        return c.errors();
    };
    CHECK(check({{"level", 5}}).empty());
    CHECK(check({{"level", 3}, {"bad_reasons", json::array()}}).empty());
    CHECK(check({{"level", 2}, {"bad_reasons", {"efficiency"}}}).empty());
    CHECK(check({{"level", 1}, {"bad_reasons", {"attitude", "device_fault"}}}).empty());

    auto e = check({{"level", 2}});
    REQUIRE(e.size() == 1);
    CHECK(e[0] == Problem{ErrorCode::missing_field, "/bad_reasons",
                          "差评 (level 1-2) needs at least one reason (R-11.3-1)"});
    e = check({{"level", 1}, {"bad_reasons", json::array()}});
    REQUIRE(e.size() == 1);
    CHECK(e[0].code == ErrorCode::missing_field);
    e = check({{"level", 1}, {"bad_reasons", {"rude"}}});
    REQUIRE(e.size() == 1);
    CHECK(e[0] == Problem{ErrorCode::unknown_code, "/bad_reasons/0",
                          "\"rude\" is not a bad_review_reason code (R-11.3-1 (bench set))"});
    e = check({{"level", 4}, {"bad_reasons", {"rude"}}});  // reasons given with a good rating are still checked
    REQUIRE(e.size() == 1);
    CHECK(e[0].path == "/bad_reasons/0");
    e = check({{"level", 6}});
    REQUIRE(e.size() == 1);
    CHECK(e[0] == Problem{ErrorCode::unknown_code, "/level", "6 is not a rating code (GB/T 39734 / R-11.3-1)"});
    e = check({{"level", "5"}});
    REQUIRE(e.size() == 1);
    CHECK(e[0].code == ErrorCode::bad_field);
    e = check(json::object());
    REQUIRE(e.size() == 1);
    CHECK(e[0] == Problem{ErrorCode::missing_field, "/level", "required"});
}

TEST_CASE("R-8.2-1: ID numbers need the GB 11643 structure and check character", "[api][validate][id]") {
    const auto check = [](const json& value, std::optional<protocol::CivilDate> today = std::nullopt) {
        const json body = {{"id", value}};
        Checker c(body);
        if (today) c.today(*today);
        c.id_number("/id");
        return c.errors();
    };
    CHECK(check(k_id).empty());
    CHECK(check(k_id_x).empty());

    std::string wrong = k_id;
    wrong[17] = wrong[17] == '0' ? '1' : '0';
    auto e = check(wrong);
    REQUIRE(e.size() == 1);
    CHECK(e[0].code == ErrorCode::bad_id_number);
    CHECK(e[0].path == "/id");
    CHECK_THAT(e[0].reason, Catch::StartsWith("bad-check-digit: check character should be"));

    e = check(k_id.substr(0, 17));
    REQUIRE(e.size() == 1);
    CHECK(e[0].reason == "bad-length: expected 18 characters, got 17");

    std::string lower = synthetic_id("11010119800101002");
    if (lower[17] == 'X') {
        lower[17] = 'x';
        CHECK(check(lower).at(0).reason.starts_with("bad-character"));
    }
    CHECK(check(synthetic_id("99010519900307123")).at(0).reason.starts_with("bad-region"));

    // Birth-date problems: the reason does not quote the date (it may be logged, R-9.3-1).
    e = check(synthetic_id("11010519901307123"));
    REQUIRE(e.size() == 1);
    CHECK(e[0].reason == "bad-birth-date: characters 7-14 are not a birth date");
    CHECK(e[0].reason.find("19901307") == std::string::npos);
    e = check(synthetic_id("11010520300101123"), protocol::CivilDate{2026, 6, 1});
    REQUIRE(e.size() == 1);
    CHECK(e[0].reason == "future-birth-date: the birth date is in the future");
    CHECK(check(synthetic_id("11010520300101123")).empty());  // no `today`: not checked

    e = check(110105199003071234LL);
    REQUIRE(e.size() == 1);
    CHECK(e[0] == Problem{ErrorCode::bad_field, "/id", "expected a string, got an integer"});
}

TEST_CASE("R-9.3-1: ID numbers are masked as 1101**********1234 (protocol::mask_id)", "[api][privacy]") {
    CHECK(protocol::mask_id("110101199003071234") == "1101**********1234");
    CHECK(protocol::mask_id(k_id) == k_id.substr(0, 4) + std::string(10, '*') + k_id.substr(14));
    CHECK(protocol::mask_id("1234") == "****");
}

TEST_CASE("R-8.2-1: timestamps are GB/T 7408 extended date-times at +08:00", "[api][validate][time]") {
    const auto check = [](const json& value, Offset offset = Offset::china) {
        const json body = {{"t", value}};
        Checker c(body);
        c.timestamp("/t", offset);
        return c.errors();
    };
    for (const char* good : {"2026-06-01T09:30:00+08:00", "2026-06-01T09:30:00.5+08:00",
                             "2026-06-01T09:30:00.123456+08:00", "2024-02-29T23:59:59+08:00"}) {
        INFO(good);
        CHECK(check(good).empty());
        CHECK(parse_timestamp(good));
    }
    const auto cal = parse_timestamp("2026-06-01T09:30:00+08:00");
    REQUIRE(cal);
    CHECK(cal->iso8601(sim::epoch_time) == "2026-06-01T09:30:00+08:00");  // round trip through the kernel
    CHECK(cal->utc_offset_minutes() == 480);

    // Wrong offset: refused by default, accepted with Offset::any.
    for (const char* other : {"2026-06-01T01:30:00Z", "2026-06-01T09:30:00+09:00", "2026-06-01T09:30:00-05:00",
                              "2026-06-01T09:30:00+00:00"}) {
        INFO(other);
        const auto e = check(other);
        REQUIRE(e.size() == 1);
        CHECK(e[0].code == ErrorCode::bad_field);
        CHECK_THAT(e[0].reason, Catch::StartsWith("the offset must be +08:00, got "));
        CHECK(check(other, Offset::any).empty());
        CHECK_FALSE(parse_timestamp(other));
        CHECK(parse_timestamp(other, Offset::any));
    }
    CHECK(parse_timestamp("2026-06-01T09:30:00-05:00", Offset::any)->utc_offset_minutes() == -300);

    // Wrong format: every shape the kernel's lenient parser would take, and worse.
    for (const char* bad : {"2026-06-01", "2026-06-01T09:30+08:00", "2026-06-01T09:30:00",
                            "2026-06-01 09:30:00+08:00", "2026-06-01T09:30:00+0800", "20260601T093000+08:00",
                            "2026-06-01T09:30:00,5+08:00", "2026-06-01T09:30:00.1234567+08:00",
                            "2026-06-01T09:30:00.+08:00", "2026-6-1T09:30:00+08:00", "2026-06-01t09:30:00+08:00",
                            "2026-06-01T09:30:00+08:00 ", "1780277400", ""}) {
        INFO(bad);
        const auto e = check(bad, Offset::any);
        REQUIRE(e.size() == 1);
        CHECK(e[0].code == ErrorCode::bad_field);
        CHECK_THAT(e[0].reason, Catch::StartsWith("expected a GB/T 7408 date-time like 2026-06-01T09:30:00+08:00"));
        CHECK_FALSE(parse_timestamp(bad, Offset::any));
    }
    // Right shape, impossible date or time.
    for (const char* impossible : {"2026-02-29T09:30:00+08:00", "2026-13-01T09:30:00+08:00",
                                   "2026-06-01T24:00:00+08:00", "2026-06-01T09:60:00+08:00",
                                   "2026-06-31T09:30:00+08:00"}) {
        INFO(impossible);
        const auto e = check(impossible);
        REQUIRE(e.size() == 1);
        CHECK_THAT(e[0].reason, Catch::EndsWith("is not a real date and time"));
    }
    auto e = check(1780277400);
    REQUIRE(e.size() == 1);
    CHECK(e[0] == Problem{ErrorCode::bad_field, "/t", "expected a GB/T 7408 timestamp string, got an integer"});
}

TEST_CASE("R-8.2-1: images are Base64 JPEG/PNG/BMP under a decoded-size cap", "[api][validate][image]") {
    const auto check = [](const json& value, std::size_t cap = 1000) {
        const json body = {{"img", value}};
        Checker c(body);
        c.base64_image("/img", cap);
        return c.errors();
    };
    const std::string jpeg = image({0xFF, 0xD8, 0xFF, 0xE0}, 1000);
    CHECK(check(jpeg).empty());  // exactly at the cap
    CHECK(check(image({0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A}, 64)).empty());
    CHECK(check(image({'B', 'M'}, 64)).empty());
    std::string wrapped = jpeg.substr(0, 76) + "\r\n" + jpeg.substr(76);  // MIME line breaks are fine
    CHECK(check(wrapped).empty());

    auto e = check(image({0xFF, 0xD8, 0xFF, 0xE0}, 1001));
    REQUIRE(e.size() == 1);
    CHECK(e[0] == Problem{ErrorCode::bad_field, "/img", "image is 1001 bytes, at most 1000"});
    e = check("not*base64");
    REQUIRE(e.size() == 1);
    CHECK(e[0].reason == "not Base64");
    e = check("abcde");  // a malformed length
    REQUIRE(e.size() == 1);
    CHECK(e[0].reason == "not Base64");
    e = check("");
    REQUIRE(e.size() == 1);
    CHECK(e[0].reason == "empty image");
    e = check(protocol::base64_encode(std::vector<std::uint8_t>{'G', 'I', 'F', '8', '9', 'a'}));
    REQUIRE(e.size() == 1);
    CHECK(e[0].reason == "not a JPEG, PNG or BMP image");
    e = check("data:image/jpeg;base64," + jpeg);
    REQUIRE(e.size() == 1);
    CHECK(e[0].reason == "expected bare Base64, not a data: URI");
    e = check(json::array());
    REQUIRE(e.size() == 1);
    CHECK(e[0].reason == "expected a Base64 string, got an array");
    const json none = json::object();
    Checker opt(none);
    opt.base64_image("/img", 10, Presence::optional);
    CHECK(opt.ok());
}

}  // namespace api_validate_test
