// 支付 and 电子证照 (R-8.4-1 payment and e-licence groups): what a registered
// terminal asks of them. The payment channel's callbacks and the issuing of
// licences are the platform's (routes_admin.cpp).
//
// A terminal sees only its own: a payment is created for one of its 办件 and
// read back only by it; another terminal's 办件 or payment answers
// resource.not_found, as an unknown one does, so a kiosk learns nothing of
// other kiosks' cases. Payment idempotency keys are the payment back end's,
// platform-wide (services/payments.hpp): the same key with the same case and
// amount is a replay (200, "replayed": true), with another case or amount
// conflict.idempotency_mismatch.
#include "routes.hpp"

#include <kiosktwin/api/validate.hpp>
#include <kiosktwin/protocol/citizen_id.hpp>
#include <kiosktwin/services/applications.hpp>
#include <kiosktwin/services/audit.hpp>
#include <kiosktwin/services/licences.hpp>
#include <kiosktwin/services/payments.hpp>

#include <string>
#include <utility>

namespace kiosktwin::server::detail {

namespace {

using nlohmann::json;
using E = api::ErrorCode;

inline constexpr std::size_t k_max_key_chars = 64;

Response refuse(Call& c, const api::Checker& ch) {
    const api::Problem p = *ch.first_error();
    return c.fail(p.code, p.path, p.reason);
}

// The 办件 `case_no` when the calling terminal created it, else nullptr.
const services::applications::Application* own_case(const Call& c, std::string_view case_no) {
    const auto* a = c.state.applications.find(case_no);
    return a && a->terminal_id == c.terminal_id ? a : nullptr;
}

std::string no_such(std::string_view what, std::string_view id) {
    std::string s(what);
    s.append(" ").append(id).append(" (of this terminal)");
    return s;
}

Response create_payment(Call& c) {
    Response refusal;
    if (!c.reach("payments", refusal)) return refusal;
    const std::string key(c.request.header("idempotency-key"));
    if (key.empty())
        return c.fail(E::missing_field, "/headers/idempotency-key", "an idempotency key of 1..64 characters is required");
    if (key.size() > k_max_key_chars)
        return c.fail(E::bad_field, "/headers/idempotency-key", "an idempotency key has 1..64 characters");
    api::Checker ch(c.body);
    ch.required_string("/case_no", 1, 64).required_integer("/amount_fen", 1, 100'000'000);
    if (!ch.ok()) return refuse(c, ch);
    const std::string case_no = c.body.at("case_no").get<std::string>();
    if (!own_case(c, case_no)) return c.fail(E::not_found, "/case_no", no_such("no 办件", case_no));

    const services::payments::Result r = c.state.payments.create(c.body, key, c.now);
    if (!r.ok()) {
        if (r.outcome.path == "/idempotency_key")
            return c.fail(r.outcome.error, "/headers/idempotency-key", r.outcome.reason);
        return c.fail(r.outcome);
    }
    const services::payments::Payment& p = *c.state.payments.find(r.id);
    c.audit(c.route.id, "ok",
            {{"payment", p.id}, {"case_no", p.case_no}, {"amount_fen", p.amount_fen}, {"replayed", r.replayed}});
    json data = services::audit::mask_ids_json(c.state.payments.status(p));
    data["replayed"] = r.replayed;
    return c.ok(std::move(data), r.replayed ? 200 : 201);
}

Response get_payment(Call& c) {
    Response refusal;
    if (!c.reach("payments", refusal)) return refusal;
    const std::string& id = c.params.at("id");
    const services::payments::Payment* p = c.state.payments.find(id);
    if (!p || !own_case(c, p->case_no)) return c.fail(E::not_found, "/params/id", no_such("no payment", id));
    // The history's notes are the channel's free text: masked like any ID (R-9.3-1).
    return c.ok(services::audit::mask_ids_json(c.state.payments.status(*p)));
}

// "1"/"true" or "0"/"false"; absent: false.
std::optional<bool> query_flag(Call& c, std::string_view name, Response& error) {
    const auto it = c.query.find(name);
    if (it == c.query.end() || it->second == "0" || it->second == "false") return false;
    if (it->second == "1" || it->second == "true") return true;
    std::string path = "/query/";
    path.append(name);
    error = c.fail(E::bad_field, path, "expected 1, 0, true or false");
    return std::nullopt;
}

Response licences_of_holder(Call& c) {
    Response refusal;
    if (!c.reach("licences", refusal)) return refusal;
    const auto h = c.query.find("holder");
    if (h == c.query.end() || h->second.empty())
        return c.fail(E::missing_field, "/query/holder", "the holder's ID number (GB 11643) is required");
    const json q = {{"holder", h->second}};
    api::Checker ch(q);
    const auto civil = c.state.calendar().civil(c.now);
    ch.today(protocol::CivilDate{civil.year, civil.month, civil.day}).id_number("/holder");
    if (!ch.ok()) {
        const api::Problem p = *ch.first_error();
        return c.fail(p.code, "/query/holder", p.reason);
    }
    Response err;
    const auto valid_only = query_flag(c, "valid_only", err);
    if (!valid_only) return err;
    json list = c.state.licences.for_holder(h->second, c.now, *valid_only);
    const std::size_t n = list.size();
    // The holder's number goes back masked like every outward ID (R-9.3-1).
    return c.ok({{"holder", protocol::mask_id(h->second)},
                 {"valid_only", *valid_only},
                 {"count", n},
                 {"licences", std::move(list)}});
}

Response verify_licence(Call& c) {
    Response refusal;
    if (!c.reach("licences", refusal)) return refusal;
    const std::string& number = c.params.at("number");
    auto v = c.state.licences.verify(number, c.now);
    if (!v) return c.fail(E::not_found, "/params/number", "no licence " + number);
    return c.ok(std::move(*v));
}

constexpr std::string_view k_payment_schema = R"json({
  "type": "object",
  "required": ["case_no", "amount_fen"],
  "properties": {
    "case_no": {"type": "string", "minLength": 1, "maxLength": 64, "description": "办件编号 of this terminal"},
    "amount_fen": {"type": "integer", "minimum": 1, "maximum": 100000000, "description": "金额, 分"}
  }
})json";

const Route k_payment_routes[] = {
    {.id = "payments.create", .method = "POST", .pattern = "/api/v1/payments", .access = Access::terminal,
     .mutating = true, .handler = create_payment,
     .summary = "创建支付单 / create a payment for one of this terminal's 办件 (idempotent)", .tag = "payments",
     .request_schema = k_payment_schema,
     .headers = "idempotency-key:1-64 characters; the same key and body replay the first answer",
     .errors = {E::missing_field, E::bad_field, E::not_found, E::idempotency_mismatch, E::service_unavailable}},
    {.id = "payments.get", .method = "GET", .pattern = "/api/v1/payments/{id}", .access = Access::terminal,
     .handler = get_payment, .summary = "支付单状态 / a payment's state and history", .tag = "payments",
     .errors = {E::not_found, E::service_unavailable}},
    {.id = "licences.holder", .method = "GET", .pattern = "/api/v1/licences", .access = Access::terminal,
     .handler = licences_of_holder, .summary = "持证人的电子证照 / a holder's e-licences (ID masked)",
     .tag = "licences",
     .query = "holder:string:the holder's GB 11643 ID number (required);"
              "valid_only:boolean:1 = only licences valid now",
     .errors = {E::missing_field, E::bad_id_number, E::bad_field, E::service_unavailable}},
    {.id = "licences.verify", .method = "GET", .pattern = "/api/v1/licences/{number}", .access = Access::terminal,
     .handler = verify_licence, .summary = "核验电子证照 / verify a licence by number", .tag = "licences",
     .errors = {E::not_found, E::service_unavailable}},
};

}  // namespace

std::span<const Route> payment_routes() { return k_payment_routes; }

}  // namespace kiosktwin::server::detail
