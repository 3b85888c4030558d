// The {code, msg, data} envelope of the kiosk interface (R-8.2-1): built by the
// server, parsed by the kiosk client, malformed ones refused.
#include <catch2/catch.hpp>

#include <kiosktwin/api/envelope.hpp>

#include <string>

namespace api_envelope_test {

using namespace kiosktwin::api;
using nlohmann::json;

TEST_CASE("R-8.2-1: a success envelope carries code 0, a message and the data", "[api][envelope]") {
    const json e = envelope::success({{"case_no", "BJ-2026-000123"}});
    CHECK(e == json{{"code", 0}, {"msg", "成功"}, {"data", {{"case_no", "BJ-2026-000123"}}}});
    CHECK(envelope::http_status(e) == 200);
    CHECK(envelope::success().at("data") == json::object());
    CHECK(envelope::success(json::array(), Lang::en).at("msg") == "success");
}

TEST_CASE("R-8.2-1: an error envelope names the error id, path and reason", "[api][envelope]") {
    const json e = envelope::error(Problem{ErrorCode::bad_field, "/applicant/id_number", "not a string"});
    CHECK(e.at("code") == 40002);
    CHECK(e.at("msg") == "请求字段不合法");
    CHECK(e.at("data") ==
          json{{"error", "request.bad_field"}, {"path", "/applicant/id_number"}, {"reason", "not a string"}});
    CHECK(envelope::http_status(e) == 400);

    const json auth = envelope::error(ErrorCode::auth_unregistered_terminal, {}, {}, Lang::en);
    CHECK(auth == json{{"code", 40301},
                       {"msg", "the terminal is not registered"},
                       {"data", {{"error", "auth.unregistered_terminal"}}}});  // no empty path or reason
    CHECK(envelope::http_status(auth) == 403);
    CHECK(envelope::http_status(envelope::error(ErrorCode::service_timeout)) == 504);
    CHECK(envelope::http_status(json{{"code", 40099}}) == 500);  // unknown number
    CHECK(envelope::http_status(json::object()) == 500);
    CHECK(envelope::error(ErrorCode::ok).at("code") == 0);
}

TEST_CASE("R-8.2-1: envelopes round-trip through text to the client", "[api][envelope]") {
    SECTION("success") {
        const json data = {{"score", 87.5}, {"name", "张三"}};
        const Envelope e = envelope::parse_text(envelope::success(data).dump());
        CHECK(e.ok());
        CHECK(e.code == 0);
        CHECK(e.msg == "成功");
        CHECK(e.data == data);
        CHECK(e.error_id.empty());
        CHECK_FALSE(e.error());
        CHECK_FALSE(envelope::problem_of(e));
    }
    SECTION("every error") {
        for (const ErrorInfo& info : error_table()) {
            if (info.code == ErrorCode::ok) continue;
            const Problem p{info.code, "/a/b", "why 因为"};
            const Envelope e = envelope::parse_text(envelope::error(p).dump());
            INFO(info.id);
            CHECK_FALSE(e.ok());
            CHECK(e.code == info.number);
            CHECK(e.msg == info.msg_zh);
            CHECK(e.error_id == info.id);
            CHECK(e.error() == info.code);
            CHECK(e.path == "/a/b");
            CHECK(e.reason == "why 因为");
            CHECK(envelope::problem_of(e) == p);
        }
    }
    SECTION("an error from a newer server keeps its number and id") {
        const Envelope e = envelope::parse_text(
            R"({"code": 42901, "msg": "slow down", "data": {"error": "request.rate_limited"}})");
        CHECK_FALSE(e.ok());
        CHECK(e.code == 42901);
        CHECK(e.error_id == "request.rate_limited");
        CHECK_FALSE(e.error());
        CHECK_FALSE(envelope::problem_of(e));
    }
    SECTION("an error without data.error takes the id of its number") {
        const Envelope e = envelope::parse_text(R"({"code": 40401, "msg": "没有", "data": null})");
        CHECK(e.error_id == "resource.not_found");
        CHECK(e.error() == ErrorCode::not_found);
    }
}

TEST_CASE("R-8.2-1: the client refuses malformed envelopes, naming the member", "[api][envelope]") {
    const auto refused = [](const std::string& text, const std::string& what) {
        INFO(text);
        try {
            (void)envelope::parse_text(text);
            FAIL("accepted");
        } catch (const MalformedEnvelope& ex) {
            CHECK_THAT(ex.what(), Catch::Contains(what));
        }
    };
    refused("", "not JSON");
    refused("{\"code\": 0,", "not JSON");
    refused("{\"code\": 0, \"msg\": \"\xC3\x28\", \"data\": {}}", "not JSON");  // ill-formed UTF-8
    refused("[0, \"ok\", {}]", "expected a JSON object");
    refused(R"({"msg": "ok", "data": {}})", "/code: missing");
    refused(R"({"code": "0", "msg": "ok", "data": {}})", "/code: expected an integer");
    refused(R"({"code": 0.0, "msg": "ok", "data": {}})", "/code: expected an integer");
    refused(R"({"code": true, "msg": "ok", "data": {}})", "/code: expected an integer");
    refused(R"({"code": -1, "msg": "ok", "data": {}})", "/code: expected 0..99999");
    refused(R"({"code": 100000, "msg": "ok", "data": {}})", "/code: expected 0..99999");
    refused(R"({"code": 18446744073709551615, "msg": "ok", "data": {}})", "/code: expected 0..99999");
    refused(R"({"code": 0, "data": {}})", "/msg: missing");
    refused(R"({"code": 0, "msg": 7, "data": {}})", "/msg: expected a string");
    refused(R"({"code": 0, "msg": "ok"})", "/data: missing");
    refused(R"({"code": 40002, "msg": "x", "data": {"error": 40002}})", "/data/error: expected a string");
    refused(R"({"code": 40002, "msg": "x", "data": {"error": "request.missing_field"}})",
            "does not match code 40002");
    refused(R"({"code": 40002, "msg": "x", "data": {"error": "request.bad_field", "path": 3}})",
            "/data/path: expected a string");
    refused(R"({"code": 40002, "msg": "x", "data": {"error": "request.bad_field", "reason": []}})",
            "/data/reason: expected a string");
    refused(R"({"code": 40002, "msg": "x", "data": "request.bad_field"})", "/data: an error's data");
}

}  // namespace api_envelope_test
