// The local device service's JSON-over-HTTP conventions (R-8.3-1 cameras
// behind 127.0.0.1; R-8.2-1 envelope {code, msg, data}; R-8.1-1 UTF-8 JSON):
// strict request bodies, routing, the error envelope and field checks.
#include <kiosktwin/protocol/base64.hpp>
#include <kiosktwin/protocol/local_service.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace protocol_local_service_test {

using namespace kiosktwin::protocol;
using namespace kiosktwin::protocol::local_service;
using nlohmann::json;

namespace {

constexpr Route k_routes[] = {
    {"GET", "/camera/face/status"},
    {"POST", "/camera/face/status"},
    {"POST", "/camera/face/capture"},
    {"POST", "/camera/face/compare"},
};

// The body a POST of `text` is read as.
json accepted(const std::string& text) {
    Routed r = route_request(k_routes, "POST", "/camera/face/compare", text);
    INFO(text);
    REQUIRE_FALSE(r.reply.has_value());
    return r.body;
}

// The message of the 400 bad_json a POST of `text` is answered with.
std::string refused(const std::string& text) {
    const Routed r = route_request(k_routes, "POST", "/camera/face/compare", text);
    INFO(text);
    REQUIRE(r.reply.has_value());
    CHECK(r.reply->status == 400);
    const json body = json::parse(r.reply->body);
    CHECK(body["error"]["code"] == "bad_json");
    return body["error"]["message"].get<std::string>();
}

}  // namespace

TEST_CASE("POST bodies are read as strict JSON: every kind of value; the last duplicate wins",
          "[local_service][json]") {
    const json v = accepted(
        R"( {"a": [1, -2.5, 3e2, true, false, null], "s": "x\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00", "o": {}} )");
    CHECK(v == json{{"a", {1, -2.5, 300.0, true, false, nullptr}},
                    {"s", "x\"\\/\b\f\n\r\t\xC3\xA9\xF0\x9F\x98\x80"},
                    {"o", json::object()}});
    CHECK(v["a"][0].is_number_integer());
    CHECK_FALSE(v["a"][2].is_number_integer());  // 3e2 is a number, not written as an integer
    CHECK(accepted(R"({"k":1,"k":2})")["k"] == 2);
    CHECK(accepted(R"({"n":9223372036854775807})")["n"] == INT64_MAX);
    const std::string ok = "{\"a\":" + std::string(63, '[') + std::string(63, ']') + "}";  // 64 levels
    CHECK(accepted(ok).contains("a"));
}

TEST_CASE("POST bodies: what RFC 8259 refuses, invalid UTF-8 and deep nesting are 400 bad_json",
          "[local_service][json]") {
    const std::string prefix = "the body is not valid JSON: ";
    for (const std::string text : {"{\"a\":1,}", "{\"a\":[1 2]}", "{} x", "{\"a\":01}", "{\"a\":\"\x01\"}",
                                   "{\"a\":\"\xC3\x28\"}", "{\"a\":\"\xED\xA0\x80\"}", "{\"a\":\"\\ud800\"}",
                                   "{\"a\":\"\\udc00\"}", "{\"a\":1e400}", "{\"a\":tru}", "{\"a\":-}", "{\"a\":NaN}",
                                   "// c\n{}", "{\"a\":1}\xFF"}) {
        CHECK(refused(text).rfind(prefix, 0) == 0);
    }
    CHECK(refused("{\"a\":1e400}") == prefix + "number overflow parsing '1e400'");
    CHECK(refused("{\"a\":" + std::string(64, '[') + std::string(64, ']') + "}") ==
          prefix + "nested more than 64 levels deep");
    CHECK(refused(std::string(100'000, '[')) == prefix + "nested more than 64 levels deep");
    // The parser quotes the token it stopped in; the message stays short all the same.
    CHECK(refused("{\"a\":\"" + std::string(100'000, 'A') + "\xFF\"}").size() < 400);
    CHECK(refused("[1]") == "the body must be a JSON object");
    CHECK(refused("\"open\"") == "the body must be a JSON object");
}

TEST_CASE("UTF-8 is checked and repaired; replies stay valid JSON whatever the message holds",
          "[local_service][json]") {
    CHECK(valid_utf8("张三 ok"));
    CHECK_FALSE(valid_utf8("x\xFFy"));
    CHECK_FALSE(valid_utf8("\xED\xA0\x80"));  // a UTF-16 surrogate
    CHECK(sanitise_utf8("x\xFF\xC3y") == "x\xEF\xBF\xBD\xEF\xBF\xBDy");
    CHECK(sanitise_utf8("张三 \"\x01") == "张三 \"\x01");
    CHECK(json::parse(error_body(ServiceError::not_found, "a\"b\x01"))["msg"] == "a\"b\x01");
    CHECK(json::parse(error_body(ServiceError::not_found, "张三"))["msg"] == "张三");
    CHECK(json::parse(error_body(ServiceError::not_found, "x\xFFy"))["msg"] == "x\xEF\xBF\xBDy");
    CHECK(error_body(ServiceError::not_found, "张三").find("张三") != std::string::npos);  // UTF-8, not \u escapes
}

TEST_CASE("success and error envelopes (R-8.2-1)", "[local_service][envelope]") {
    CHECK(json::parse(ok_body(json{{"faces", 1}})) == json{{"code", 0}, {"msg", "ok"}, {"data", {{"faces", 1}}}});
    CHECK(json::parse(ok_body(json::object())) == json{{"code", 0}, {"msg", "ok"}, {"data", json::object()}});
    const ServiceReply e = error_reply(ServiceError::pin_blocked, "PIN blocked", json{{"sw", "6983"}});
    CHECK(e.status == 409);
    CHECK(json::parse(e.body) ==
          json{{"code", 40907},
               {"msg", "PIN blocked"},
               {"error", {{"code", "pin_blocked"}, {"message", "PIN blocked"}, {"sw", "6983"}}}});
    CHECK(e.headers.at(0).first == "Access-Control-Allow-Origin");
    const json body = json::parse(e.body);
    CHECK(body["code"] == 40907);
    // Extra members cannot overwrite the envelope's own.
    CHECK(json::parse(error_body(ServiceError::no_card, "none", json{{"code", "x"}}))["error"]["code"] == "no_card");

    // Every error's status is its numeric code / 100.
    const std::pair<ServiceError, int> statuses[] = {
        {ServiceError::bad_json, 400},       {ServiceError::invalid_field, 400},  {ServiceError::not_found, 404},
        {ServiceError::method_not_allowed, 405}, {ServiceError::payload_too_large, 413}, {ServiceError::not_open, 409},
        {ServiceError::empty_signature, 422}, {ServiceError::hardware_error, 500}, {ServiceError::device_absent, 503},
        {ServiceError::timeout, 504},
    };
    for (const auto& [err, status] : statuses) {
        CHECK(http_status(err) == status);
        CHECK(numeric_code(err) / 100 == status);
    }
    CHECK(std::string(to_string(ServiceError::device_absent)) == "device_absent");
}

TEST_CASE("targets: path and query are percent-decoded; bad targets are refused", "[local_service][route]") {
    auto t = parse_target("/camera/face/capture/?w=640&name=%E5%BC%A0+%E4%B8%89&flag");
    REQUIRE(t.has_value());
    CHECK(t->path == "/camera/face/capture");
    REQUIRE(t->query.size() == 3);
    CHECK(t->query[0] == std::pair<std::string, std::string>{"w", "640"});
    CHECK(t->query[1].second == "张 三");
    CHECK(t->query[2] == std::pair<std::string, std::string>{"flag", ""});
    CHECK(parse_target("/a%2Fb")->path == "/a/b");
    CHECK(parse_target("/")->path == "/");
    CHECK_FALSE(parse_target("camera").has_value());
    CHECK_FALSE(parse_target("/a%4").has_value());
    CHECK_FALSE(parse_target("/a%zz").has_value());
    CHECK_FALSE(parse_target("/a%00").has_value());
    CHECK_FALSE(parse_target("/" + std::string(5000, 'a')).has_value());
}

TEST_CASE("routing answers 404, 405 with Allow, OPTIONS, and reads POST bodies", "[local_service][route]") {
    Routed r = route_request(k_routes, "POST", "/camera/face/capture", "");
    CHECK_FALSE(r.reply.has_value());
    CHECK(r.route == 2);
    CHECK(r.body.is_object());
    CHECK(r.body.size() == 0);

    r = route_request(k_routes, "GET", "/camera/face/status", "ignored for GET");
    CHECK_FALSE(r.reply.has_value());
    CHECK(r.route == 0);
    r = route_request(k_routes, "POST", "/camera/face/status", "");
    CHECK(r.route == 1);

    r = route_request(k_routes, "GET", "/camera/face/nope", "");
    REQUIRE(r.reply.has_value());
    CHECK(r.reply->status == 404);
    CHECK(json::parse(r.reply->body)["error"]["code"] == "not_found");

    r = route_request(k_routes, "DELETE", "/camera/face/capture", "");
    REQUIRE(r.reply.has_value());
    CHECK(r.reply->status == 405);
    CHECK(r.reply->headers.back() == std::pair<std::string, std::string>{"Allow", "POST"});

    r = route_request(k_routes, "OPTIONS", "/camera/face/status", "");
    REQUIRE(r.reply.has_value());
    CHECK(r.reply->status == 204);
    CHECK(r.reply->headers.back() == std::pair<std::string, std::string>{"Allow", "GET, POST, OPTIONS"});

    r = route_request(k_routes, "POST", "/camera/face/compare", "{\"id_photo\": ");
    REQUIRE(r.reply.has_value());
    CHECK(r.reply->status == 400);
    const std::string why = json::parse(r.reply->body)["error"]["message"];
    CHECK(why.rfind("the body is not valid JSON: parse error at line 1, column 14: ", 0) == 0);
    CHECK(why.find("unexpected end of input") != std::string::npos);

    r = route_request(k_routes, "POST", "/camera/face/compare", "[1]");
    REQUIRE(r.reply.has_value());
    CHECK(r.reply->status == 400);

    r = route_request(k_routes, "POST", "/camera/face/compare", std::string(k_max_body_bytes + 1, ' '));
    REQUIRE(r.reply.has_value());
    CHECK(r.reply->status == 413);

    r = route_request(k_routes, "POST", "/camera/face/compare", " {\"image\": \"AAAA\"} ");
    CHECK_FALSE(r.reply.has_value());
    CHECK(r.body["image"] == "AAAA");
}

TEST_CASE("field checks name the member and say what is wrong", "[local_service][fields]") {
    static constexpr FieldSpec fields[] = {
        {"id_photo", FieldType::base64, true, 1, 1024},
        {"subject", FieldType::string, false, 0, 16, "live|photo"},
        {"pin", FieldType::digits, false, 6, 6},
        {"timeout_s", FieldType::integer, false, 1, 600},
        {"score", FieldType::number, false, 0, 1},
        {"crop", FieldType::boolean},
        {"points", FieldType::array, false, 0, 3},
    };
    const std::string photo = base64_encode(Bytes(1024, 0x5A));
    const auto check = [&](const std::string& text) { return check_fields(json::parse(text), fields); };
    CHECK_FALSE(check("{\"id_photo\": \"" + photo + "\", \"extra\": 1}").has_value());  // unknown members are ignored
    const auto msg = [&](const std::string& text) {
        auto f = check(text);
        REQUIRE(f.has_value());
        CHECK(f->error == ServiceError::invalid_field);
        return f->message;
    };
    const std::string p = "\"id_photo\": \"" + photo + "\"";
    CHECK(msg("{}") == "\"id_photo\" is required");
    CHECK(msg("{\"id_photo\": null}") == "\"id_photo\" is required");
    CHECK(msg("{\"id_photo\": \"**\"}") == "\"id_photo\" must be Base64");
    CHECK(msg("{\"id_photo\": \"" + base64_encode(Bytes(1025, 1)) + "\"}") == "\"id_photo\" must decode to 1..1024 bytes");
    CHECK(msg("{" + p + ", \"subject\": \"screen\"}") == "\"subject\" must be one of live|photo");
    CHECK(msg("{" + p + ", \"subject\": 3}") == "\"subject\" must be a string");
    CHECK(msg("{" + p + ", \"pin\": \"12a456\"}") == "\"pin\" must be decimal digits");
    CHECK(msg("{" + p + ", \"pin\": \"12345\"}") == "\"pin\" must have 6..6 characters");
    CHECK(msg("{" + p + ", \"timeout_s\": 1.5}") == "\"timeout_s\" must be an integer");
    CHECK(msg("{" + p + ", \"timeout_s\": 0}") == "\"timeout_s\" must be in 1..600");
    CHECK(msg("{" + p + ", \"score\": \"high\"}") == "\"score\" must be a number");
    CHECK(msg("{" + p + ", \"crop\": 1}") == "\"crop\" must be true or false");
    CHECK(msg("{" + p + ", \"points\": [1,2,3,4]}") == "\"points\" must have 0..3 elements");
    CHECK(check_fields(json::array(), fields)->error == ServiceError::bad_json);

    const json body = json::parse("{" + p + ", \"subject\": \"live\", \"score\": 0.5, \"crop\": false}");
    CHECK(string_field(body, "subject") == "live");
    CHECK(string_field(body, "nope", "dflt") == "dflt");
    CHECK(number_field(body, "score", 0) == 0.5);
    CHECK_FALSE(bool_field(body, "crop", true));
    CHECK(base64_field(body, "id_photo")->size() == 1024);
    CHECK_FALSE(base64_field(body, "score").has_value());  // not a string
}

}  // namespace protocol_local_service_test
