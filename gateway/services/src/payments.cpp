#include <kiosktwin/services/payments.hpp>

#include "json_read.hpp"
#include "text.hpp"

#include <kiosktwin/api/validate.hpp>

#include <array>
#include <cstdio>

namespace kiosktwin::services::payments {

using nlohmann::json;
using detail::cat;

namespace {
constexpr std::array<std::string_view, 6> k_state{"pending", "paid", "failed", "cancelled", "refund_pending", "refunded"};
Outcome fail(api::ErrorCode e, std::string path, std::string reason) {
    return Outcome{e, std::move(path), std::move(reason)};
}
}  // namespace

std::string_view to_string(State s) noexcept { return k_state[static_cast<std::size_t>(s)]; }
std::optional<State> parse_state(std::string_view id) noexcept {
    for (std::size_t i = 0; i < k_state.size(); ++i)
        if (k_state[i] == id) return static_cast<State>(i);
    return std::nullopt;
}

bool legal(State from, State to) noexcept {
    switch (from) {
        case State::pending: return to == State::paid || to == State::failed || to == State::cancelled;
        case State::paid: return to == State::refund_pending;
        case State::refund_pending: return to == State::refunded || to == State::paid;
        default: return false;
    }
}

Payments::Payments(Config config) : m_config(std::move(config)) {}

Result Payments::create(const json& request, std::string_view key, sim::Time now) {
    Result r;
    if (key.empty()) {
        r.outcome = fail(api::ErrorCode::missing_field, "/idempotency_key", "missing");
        return r;
    }
    if (key.size() > 64) {
        r.outcome = fail(api::ErrorCode::bad_field, "/idempotency_key", "1..64 characters");
        return r;
    }
    if (!request.is_object()) {
        r.outcome = fail(api::ErrorCode::bad_field, "", "expected an object");
        return r;
    }
    api::Checker c(request);
    c.required_string("/case_no", 1, 64).required_integer("/amount_fen", 1, m_config.max_amount_fen);
    if (auto e = c.first_error()) {
        r.outcome = fail(e->code, e->path, e->reason);
        return r;
    }
    const auto case_no = request.at("case_no").get<std::string>();
    const auto amount = request.at("amount_fen").get<std::int64_t>();
    if (const auto it = m_keys.find(key); it != m_keys.end()) {
        const Payment& p = m_payments.at(it->second);
        if (p.case_no != case_no || p.amount_fen != amount) {
            r.outcome = fail(api::ErrorCode::idempotency_mismatch, "/idempotency_key",
                             cat("key already used for payment ", p.id, " with another body"));
            return r;
        }
        r.id = p.id;
        r.replayed = true;
        return r;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "ZF-%08llu", static_cast<unsigned long long>(m_next_serial++));
    Payment p;
    p.id = buf;
    p.case_no = case_no;
    p.amount_fen = amount;
    p.idempotency_key = std::string(key);
    p.created_at = now;
    p.history.push_back({now, State::pending, State::pending, "created"});
    r.id = p.id;
    m_keys.emplace(p.idempotency_key, p.id);
    m_payments.emplace(p.id, std::move(p));
    return r;
}

Outcome Payments::transition(std::string_view id, State to, sim::Time now, std::string_view note) {
    const auto it = m_payments.find(id);
    if (it == m_payments.end()) return fail(api::ErrorCode::not_found, "", cat("no payment ", id));
    Payment& p = it->second;
    if (!legal(p.state, to))
        return fail(api::ErrorCode::conflict_state, "", cat("payment ", id, " is ", to_string(p.state), ", cannot become ", to_string(to)));
    p.history.push_back({now, p.state, to, std::string(note)});
    p.state = to;
    return {};
}

Outcome Payments::mark_paid(std::string_view id, std::string_view txn, sim::Time now) {
    if (txn.empty()) return fail(api::ErrorCode::missing_field, "/channel_txn", "missing");
    auto o = transition(id, State::paid, now, txn);
    if (o) m_payments.find(id)->second.channel_txn = std::string(txn);
    return o;
}
Outcome Payments::mark_failed(std::string_view id, sim::Time now, std::string_view reason) {
    return transition(id, State::failed, now, reason);
}
Outcome Payments::cancel(std::string_view id, sim::Time now, std::string_view reason) {
    return transition(id, State::cancelled, now, reason);
}
Outcome Payments::request_refund(std::string_view id, sim::Time now, std::string_view reason) {
    return transition(id, State::refund_pending, now, reason);
}
Outcome Payments::complete_refund(std::string_view id, sim::Time now) { return transition(id, State::refunded, now); }
Outcome Payments::refund_failed(std::string_view id, sim::Time now, std::string_view reason) {
    const auto it = m_payments.find(id);
    if (it != m_payments.end() && it->second.state != State::refund_pending)
        return fail(api::ErrorCode::conflict_state, "", "no refund pending");
    return transition(id, State::paid, now, reason);
}

const Payment* Payments::find(std::string_view id) const {
    const auto it = m_payments.find(id);
    return it == m_payments.end() ? nullptr : &it->second;
}

std::vector<const Payment*> Payments::for_case(std::string_view case_no) const {
    std::vector<const Payment*> out;
    for (const auto& [id, p] : m_payments)
        if (p.case_no == case_no) out.push_back(&p);
    return out;
}

json Payments::status(const Payment& p) const {
    const auto& cal = m_config.calendar;
    json h = json::array();
    for (const auto& e : p.history)
        h.push_back({{"at", cal.iso8601(e.at)}, {"from", to_string(e.from)}, {"to", to_string(e.to)}, {"note", e.note}});
    return {{"id", p.id},       {"case_no", p.case_no},         {"amount_fen", p.amount_fen},
            {"idempotency_key", p.idempotency_key}, {"state", to_string(p.state)}, {"channel_txn", p.channel_txn},
            {"created_at", cal.iso8601(p.created_at)}, {"history", h}};
}

json Payments::to_json() const {
    json list = json::array();
    for (const auto& [id, p] : m_payments) list.push_back(status(p));
    return {{"version", 1}, {"next_serial", m_next_serial}, {"payments", list}};
}

Payments Payments::from_json(const json& j, Config config) {
    using namespace detail;
    Payments s(std::move(config));
    const auto& cal = s.m_config.calendar;
    if (get_int(j, "", "version") != 1) bad("/version", "unsupported version");
    s.m_next_serial = get_uint(j, "", "next_serial");
    const json& list = get_array(j, "", "payments");
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string p = cat("/payments/", std::to_string(i));
        const json& x = list[i];
        Payment pay;
        pay.id = get_string(x, p, "id");
        pay.case_no = get_string(x, p, "case_no");
        pay.amount_fen = get_int(x, p, "amount_fen");
        pay.idempotency_key = get_string(x, p, "idempotency_key");
        pay.state = get_enum<State>(x, p, "state", &parse_state);
        pay.channel_txn = get_string(x, p, "channel_txn");
        pay.created_at = get_time(x, p, "created_at", cal);
        const json& h = get_array(x, p, "history");
        for (std::size_t k = 0; k < h.size(); ++k) {
            const std::string hp = cat(p, "/history/", std::to_string(k));
            pay.history.push_back({get_time(h[k], hp, "at", cal), get_enum<State>(h[k], hp, "from", &parse_state),
                                   get_enum<State>(h[k], hp, "to", &parse_state), get_string(h[k], hp, "note")});
        }
        if (!s.m_keys.emplace(pay.idempotency_key, pay.id).second) bad(cat(p, "/idempotency_key"), "duplicate");
        const std::string key = pay.id;
        if (!s.m_payments.emplace(key, std::move(pay)).second) bad(cat(p, "/id"), "duplicate");
    }
    return s;
}

}  // namespace kiosktwin::services::payments
