// Payment back end: R-8.4-1 payment group (amount in 分, idempotency key,
// pending → paid | failed | cancelled; paid → refund_pending → refunded).
#include <catch2/catch.hpp>

#include <kiosktwin/services/payments.hpp>

#include <chrono>

namespace services_payments_test {

using namespace kiosktwin;
using namespace kiosktwin::services::payments;
using api::ErrorCode;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {
sim::Time at(std::chrono::minutes m) { return sim::Time{m}; }
json body(std::int64_t fen = 2000) { return {{"case_no", "440300-20260601-000001"}, {"amount_fen", fen}}; }
}  // namespace

TEST_CASE("R-8.4-1: create a payment; idempotent retry returns the same payment", "[payments]") {
    Payments s;
    const auto a = s.create(body(), "k1", at(1min));
    REQUIRE(a.ok());
    CHECK_FALSE(a.replayed);
    CHECK(s.find(a.id)->state == State::pending);
    const auto again = s.create(body(), "k1", at(2min));
    REQUIRE(again.ok());
    CHECK(again.replayed);
    CHECK(again.id == a.id);
    CHECK(s.size() == 1);
    CHECK(s.create(body(3000), "k1", at(2min)).outcome.error == ErrorCode::idempotency_mismatch);
    CHECK(s.create(body(), "", at(2min)).outcome.path == "/idempotency_key");
    CHECK(s.create(body(0), "k2", at(2min)).outcome.path == "/amount_fen");
    CHECK(s.create(json{{"case_no", "x"}, {"amount_fen", 1.5}}, "k2", at(2min)).outcome.error == ErrorCode::bad_field);
    CHECK(s.create(json{{"amount_fen", 100}}, "k2", at(2min)).outcome.error == ErrorCode::missing_field);
    CHECK(s.size() == 1);
    const auto b = s.create(body(), "k2", at(3min));
    CHECK(b.id != a.id);
    CHECK(s.for_case("440300-20260601-000001").size() == 2);
}

TEST_CASE("R-8.4-1: payment states and illegal transitions", "[payments]") {
    Payments s;
    const auto id = s.create(body(), "k", at(1min)).id;
    CHECK(s.request_refund(id, at(2min)).error == ErrorCode::conflict_state);
    CHECK(s.mark_paid(id, "", at(2min)).error == ErrorCode::missing_field);
    REQUIRE(s.mark_paid(id, "WX-123", at(2min)));
    CHECK(s.find(id)->channel_txn == "WX-123");
    CHECK(s.cancel(id, at(3min)).error == ErrorCode::conflict_state);
    CHECK(s.mark_paid(id, "WX-124", at(3min)).error == ErrorCode::conflict_state);
    CHECK(s.refund_failed(id, at(3min)).error == ErrorCode::conflict_state);
    REQUIRE(s.request_refund(id, at(4min), "申请人撤回"));
    REQUIRE(s.refund_failed(id, at(5min), "渠道拒绝"));
    CHECK(s.find(id)->state == State::paid);
    REQUIRE(s.request_refund(id, at(6min)));
    REQUIRE(s.complete_refund(id, at(7min)));
    CHECK(s.find(id)->state == State::refunded);
    CHECK(s.request_refund(id, at(8min)).error == ErrorCode::conflict_state);
    CHECK(s.find(id)->history.size() == 6);

    const auto f = s.create(body(), "f", at(1min)).id;
    REQUIRE(s.mark_failed(f, at(2min), "余额不足"));
    CHECK(s.mark_paid(f, "X", at(3min)).error == ErrorCode::conflict_state);
    const auto c = s.create(body(), "c", at(1min)).id;
    REQUIRE(s.cancel(c, at(2min)));
    CHECK(s.request_refund(c, at(3min)).error == ErrorCode::conflict_state);
    CHECK(s.cancel("ZF-404", at(3min)).error == ErrorCode::not_found);

    CHECK(legal(State::pending, State::paid));
    CHECK_FALSE(legal(State::refunded, State::paid));
    CHECK_FALSE(legal(State::failed, State::pending));
}

TEST_CASE("R-8.4-1: payments store JSON round trip", "[payments]") {
    Payments s;
    const auto id = s.create(body(), "k", at(1min)).id;
    REQUIRE(s.mark_paid(id, "WX-1", at(2min)));
    const json j = s.to_json();
    Payments back = Payments::from_json(j);
    CHECK(back.to_json() == j);
    CHECK(back.create(body(), "k", at(3min)).replayed);
    CHECK(back.create(body(), "k2", at(3min)).id == "ZF-00000002");
    json broken = j;
    broken["payments"][0]["state"] = "lost";
    CHECK_THROWS_WITH(Payments::from_json(broken), Catch::Contains("/payments/0/state"));
}

}  // namespace services_payments_test
