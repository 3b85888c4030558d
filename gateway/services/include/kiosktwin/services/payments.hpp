// The payment back end (R-8.4-1 payment group) as a pure in-memory model over
// virtual time. A payment belongs to a case (办件编号), its amount is in 分
// (fen, 1..100 000 000), and creation carries an idempotency key: the same
// key with the same case and amount returns the same payment (replayed);
// with another case or amount it is api::ErrorCode::idempotency_mismatch.
//
// States: pending 待支付 → paid 已支付 | failed 支付失败 | cancelled 已取消;
// paid → refund_pending 退款中 → refunded 已退款 (refund_pending may also
// fall back to paid when the refund fails). Anything else is conflict_state.
#pragma once

#include <kiosktwin/services/outcome.hpp>
#include <kiosktwin/api/errors.hpp>
#include <kiosktwin/sim/calendar.hpp>
#include <kiosktwin/sim/time.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::services::payments {

enum class State : std::uint8_t { pending, paid, failed, cancelled, refund_pending, refunded };
std::string_view to_string(State s) noexcept;
std::optional<State> parse_state(std::string_view id) noexcept;
/// The graph of the header comment.
bool legal(State from, State to) noexcept;

struct Event {
    sim::Time at{};
    State from = State::pending;
    State to = State::pending;
    std::string note;
    friend bool operator==(const Event&, const Event&) = default;
};

struct Payment {
    std::string id;  ///< "ZF-00000001"
    std::string case_no;
    std::int64_t amount_fen = 0;
    std::string idempotency_key;
    State state = State::pending;
    std::string channel_txn;  ///< the payment channel's transaction number, once paid
    std::vector<Event> history;
    sim::Time created_at{};
    friend bool operator==(const Payment&, const Payment&) = default;
};

/// ok, or the refusal (services/outcome.hpp).
using Outcome = services::Outcome;

struct Result {
    Outcome outcome;
    std::string id;
    bool replayed = false;
    bool ok() const noexcept { return outcome.ok(); }
};

struct Config {
    std::int64_t max_amount_fen = 100'000'000;
    sim::Calendar calendar;
};

class Payments {
public:
    explicit Payments(Config config = {});

    /// {"case_no": "...", "amount_fen": 2000}; key 1..64 characters (else
    /// missing_field / bad_field at "/idempotency_key").
    Result create(const nlohmann::json& request, std::string_view idempotency_key, sim::Time now);
    /// pending → paid, with the channel's transaction number (non-empty).
    Outcome mark_paid(std::string_view id, std::string_view channel_txn, sim::Time now);
    Outcome mark_failed(std::string_view id, sim::Time now, std::string_view reason = {});
    Outcome cancel(std::string_view id, sim::Time now, std::string_view reason = {});
    Outcome request_refund(std::string_view id, sim::Time now, std::string_view reason = {});
    Outcome complete_refund(std::string_view id, sim::Time now);
    /// refund_pending → paid (the refund was refused by the channel).
    Outcome refund_failed(std::string_view id, sim::Time now, std::string_view reason = {});
    /// Any move along the graph; conflict_state if illegal, not_found if unknown.
    Outcome transition(std::string_view id, State to, sim::Time now, std::string_view note = {});

    const Payment* find(std::string_view id) const;
    std::vector<const Payment*> for_case(std::string_view case_no) const;
    std::size_t size() const noexcept { return m_payments.size(); }
    nlohmann::json status(const Payment& p) const;

    nlohmann::json to_json() const;
    static Payments from_json(const nlohmann::json& j, Config config = {});

private:
    Config m_config;
    std::map<std::string, Payment, std::less<>> m_payments;
    std::map<std::string, std::string, std::less<>> m_keys;  ///< key → payment id
    std::uint64_t m_next_serial = 1;
};

}  // namespace kiosktwin::services::payments
