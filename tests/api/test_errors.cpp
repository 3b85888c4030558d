// The documented error-code table of the kiosk interface (R-8.2-1).
#include <catch2/catch.hpp>

#include <kiosktwin/api/errors.hpp>

#include <set>
#include <string>

namespace api_errors_test {

using namespace kiosktwin::api;

TEST_CASE("R-8.2-1: every error has a unique id and number, number = HTTP status x 100 + serial", "[api][errors]") {
    std::set<std::string_view> ids;
    std::set<int> numbers;
    for (const ErrorInfo& e : error_table()) {
        CHECK(ids.insert(e.id).second);
        CHECK(numbers.insert(e.number).second);
        CHECK_FALSE(e.msg_zh.empty());
        CHECK_FALSE(e.msg_en.empty());
        CHECK(&info(e.code) == &e);
        if (e.code == ErrorCode::ok) {
            CHECK(e.number == 0);
            CHECK(e.http_status == 200);
        } else {
            CHECK(e.number / 100 == e.http_status);
            CHECK(e.number % 100 >= 1);
            CHECK(e.http_status >= 400);
        }
        CHECK(find_error(e.id) == e.code);
        CHECK(find_error(e.number) == e.code);
    }
    CHECK(error_table().size() == 26);
}

TEST_CASE("R-8.2-1: the error ids the gateway and the signing layer rely on", "[api][errors]") {
    struct Row {
        const char* id;
        int number;
        int status;
    };
    const Row rows[] = {
        {"ok", 0, 200},
        {"request.malformed_json", 40001, 400},
        {"request.bad_field", 40002, 400},
        {"request.missing_field", 40003, 400},
        {"request.unknown_code", 40004, 400},
        {"request.bad_id_number", 40005, 400},
        {"auth.missing_header", 40101, 401},
        {"auth.bad_header", 40102, 401},
        {"auth.unknown_key", 40103, 401},
        {"auth.bad_method", 40104, 401},
        {"auth.stale_timestamp", 40105, 401},
        {"auth.bad_signature", 40106, 401},
        {"auth.replayed_nonce", 40107, 401},
        {"auth.unregistered_terminal", 40301, 403},
        {"resource.not_found", 40401, 404},
        {"request.method_not_allowed", 40501, 405},
        {"conflict.idempotency_mismatch", 40901, 409},
        {"conflict.state", 40902, 409},
        {"conflict.duplicate_evaluation", 40903, 409},
        {"request.too_large", 41301, 413},
        {"request.unsupported_media_type", 41501, 415},
        {"internal", 50001, 500},
        {"service.unavailable", 50301, 503},
        {"service.timeout", 50401, 504},
    };
    for (const Row& r : rows) {
        INFO(r.id);
        const auto code = find_error(r.id);
        REQUIRE(code);
        CHECK(info(*code).number == r.number);
        CHECK(http_status(*code) == r.status);
        CHECK(to_string(*code) == r.id);
    }
    CHECK(info(ErrorCode::ok).msg_zh == "成功");
    CHECK(info(ErrorCode::auth_replayed_nonce).msg_en == "the nonce was already used (replay)");
}

TEST_CASE("R-8.2-1: unknown ids and numbers are not found", "[api][errors]") {
    CHECK_FALSE(find_error("request.bogus"));
    CHECK_FALSE(find_error(""));
    CHECK_FALSE(find_error("REQUEST.BAD_FIELD"));
    CHECK_FALSE(find_error(40099));
    CHECK_FALSE(find_error(-1));
    CHECK_FALSE(find_error(400));
}

TEST_CASE("R-8.2-1: the table renders as JSON for the documentation", "[api][errors]") {
    const auto j = error_table_json();
    CHECK(j.at("scheme").get<std::string>().find("HTTP status * 100") != std::string::npos);
    const auto& rows = j.at("errors");
    REQUIRE(rows.size() == error_table().size());
    CHECK(rows[0] == nlohmann::json{{"error", "ok"}, {"code", 0}, {"http_status", 200},
                                    {"msg_zh", "成功"}, {"msg_en", "success"}});
    const auto& bad = rows[static_cast<std::size_t>(ErrorCode::bad_id_number)];
    CHECK(bad.at("error") == "request.bad_id_number");
    CHECK(bad.at("code") == 40005);
    CHECK(bad.at("http_status") == 400);
    CHECK(bad.at("msg_zh") == "证件号码不合法");
    CHECK_NOTHROW(j.dump());  // all valid UTF-8
}

}  // namespace api_errors_test
