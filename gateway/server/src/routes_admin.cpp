// The platform side (/admin/v1), signed by an admin key: the departments'
// decisions on 办件 (with the 跨域通办 rules of R-7.5-1), terminal
// management's reads and remote commands, the payment channel's callbacks,
// issuing and revoking e-licences, the 差评 rectification steps (R-11.3-5),
// catalogue changes (R-6.3-1 on-boarding, R-6.4-1 adjustment and
// withdrawal; each bumps the catalogue version, so kiosks fetch the delta)
// and the audit log (R-9.3-1).
//
// Conventions: an unknown resource in the path is resource.not_found at
// "/params/<name>"; a body member that names an unknown state, actor, kind,
// stage or trigger is request.unknown_code at its path; a step the resource's
// state (or R-7.5-1's who-may-do-what) forbids is conflict.state. Bodies
// marked optional in the schema ("reason?") still need a JSON object: "{}".
// Each success writes its own audit record, by the admin key, naming what
// changed.
#include "routes.hpp"

#include <kiosktwin/api/validate.hpp>
#include <kiosktwin/services/applications.hpp>
#include <kiosktwin/services/audit.hpp>
#include <kiosktwin/services/catalogue.hpp>
#include <kiosktwin/services/evaluations.hpp>
#include <kiosktwin/services/licences.hpp>
#include <kiosktwin/services/payments.hpp>
#include <kiosktwin/services/terminals.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace kiosktwin::server::detail {

namespace {

using nlohmann::json;
using E = api::ErrorCode;
namespace apps = services::applications;
namespace cat = services::catalogue;
namespace pay = services::payments;
namespace evals = services::evaluations;
namespace terms = services::terminals;

Response refuse(Call& c, const api::Checker& ch) {
    const api::Problem p = *ch.first_error();
    return c.fail(p.code, p.path, p.reason);
}

// An optional string member already checked by a Checker; "" when absent.
std::string text(const json& body, const char* name) {
    const auto it = body.find(name);
    return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string not_found_reason(std::string_view what, std::string_view id) {
    std::string s("no ");
    s.append(what).append(" ").append(id);
    return s;
}

std::string unknown_reason(std::string_view what, std::string_view value, std::string_view known) {
    std::string s("unknown ");
    s.append(what).append(" \"").append(value).append("\"; one of ").append(known);
    return s;
}

// The catalogue states the field of a refusal at the head of its reason
// ("/effective: less than the notice period ahead"); the envelope wants it as the path.
Response fail_catalogue(Call& c, const services::Outcome& o) {
    if (o.path.empty() && !o.reason.empty() && o.reason.front() == '/') {
        const auto colon = o.reason.find(": ");
        if (colon != std::string::npos) return c.fail(o.error, o.reason.substr(0, colon), o.reason.substr(colon + 2));
    }
    return c.fail(o);
}

double seconds(sim::Duration d) { return std::chrono::duration<double>(d).count(); }

// ---------------------------------------------------------------- 办件 ----

// Views that carry free text typed by people (notes, reasons) pass the
// audit log's masking too: an ID number in a note is masked like the
// applicant's (R-9.3-1).
Response masked(Call& c, const json& view, int status = 200) {
    return c.ok(services::audit::mask_ids_json(view), status);
}

Response application_view(Call& c, const std::string& case_no) {
    return masked(c, *c.state.applications.status(case_no));
}

Response application_get(Call& c) {
    Response refusal;
    if (!c.reach("applications", refusal)) return refusal;
    const std::string& case_no = c.params.at("case_no");
    if (!c.state.applications.find(case_no))
        return c.fail(E::not_found, "/params/case_no", not_found_reason("办件", case_no));
    return application_view(c, case_no);
}

Response application_advance(Call& c) {
    Response refusal;
    if (!c.reach("applications", refusal)) return refusal;
    const std::string& case_no = c.params.at("case_no");
    api::Checker ch(c.body);
    ch.required_string("/to", 1, 32).required_string("/actor", 1, 32).optional_string("/note", 0, 500);
    if (!ch.ok()) return refuse(c, ch);
    const std::string to_id = text(c.body, "to");
    const auto to = apps::parse_state(to_id);
    if (!to)
        return c.fail(E::unknown_code, "/to",
                      unknown_reason("state", to_id,
                                     "formal_checked, accepted, in_review, approved, rejected, certificate_issued, "
                                     "withdrawn"));
    // Submitting is the kiosk's (with its material check); a department only decides.
    if (*to == apps::State::draft || *to == apps::State::submitted)
        return c.fail(E::bad_field, "/to", "departments do not submit; the terminal does");
    const std::string actor_id = text(c.body, "actor");
    const auto actor = apps::parse_actor(actor_id);
    if (!actor) return c.fail(E::unknown_code, "/actor", unknown_reason("actor", actor_id, "kiosk, receiving, handling"));
    const apps::Application* a = c.state.applications.find(case_no);
    if (!a) return c.fail(E::not_found, "/params/case_no", not_found_reason("办件", case_no));
    const std::string from(apps::to_string(a->state));
    if (auto o = c.state.applications.advance(case_no, *to, *actor, c.now, text(c.body, "note")); !o) return c.fail(o);
    c.audit(c.route.id, "ok",
            {{"case_no", case_no}, {"from", from}, {"to", to_id}, {"actor", actor_id}, {"note", text(c.body, "note")}});
    return application_view(c, case_no);
}

// forward (the receiving department sends the materials) and return (the
// handling department sends the result back): R-7.5-1's 资料流转 and 异地送达.
Response application_transfer(Call& c, bool forward) {
    Response refusal;
    if (!c.reach("applications", refusal)) return refusal;
    const std::string& case_no = c.params.at("case_no");
    api::Checker ch(c.body);
    ch.required_string("/courier_no", 1, 40).required_string("/actor", 1, 32);
    if (!ch.ok()) return refuse(c, ch);
    const std::string actor_id = text(c.body, "actor");
    const auto actor = apps::parse_actor(actor_id);
    if (!actor) return c.fail(E::unknown_code, "/actor", unknown_reason("actor", actor_id, "kiosk, receiving, handling"));
    if (!c.state.applications.find(case_no))
        return c.fail(E::not_found, "/params/case_no", not_found_reason("办件", case_no));
    const std::string courier = text(c.body, "courier_no");
    const services::Outcome o = forward ? c.state.applications.forward(case_no, courier, *actor, c.now)
                                        : c.state.applications.return_result(case_no, courier, *actor, c.now);
    if (!o) return c.fail(o);
    c.audit(c.route.id, "ok", {{"case_no", case_no}, {"courier_no", courier}, {"actor", actor_id}});
    return application_view(c, case_no);
}

Response application_forward(Call& c) { return application_transfer(c, true); }
Response application_return(Call& c) { return application_transfer(c, false); }

// ----------------------------------------------------------- terminals ----

// The availability window of the query: from/to as GB/T 7408 times; to
// defaults to now, from to each terminal's registration (nullopt here).
bool window(Call& c, std::optional<sim::Time>& from, sim::Time& to, Response& error) {
    std::optional<sim::Time> got[2];
    const char* names[2] = {"from", "to"};
    for (int i = 0; i < 2; ++i) {
        const auto it = c.query.find(names[i]);
        if (it == c.query.end()) continue;
        const json q = {{names[i], it->second}};
        api::Checker ch(q);
        std::string at = "/";
        at.append(names[i]);
        ch.timestamp(at);
        std::string path = "/query/";
        path.append(names[i]);
        if (auto e = ch.first_error()) {
            error = c.fail(e->code, path, e->reason);
            return false;
        }
        got[i] = c.state.calendar().parse_iso8601(it->second);
        if (!got[i]) {
            error = c.fail(E::bad_field, path, "not a GB/T 7408 date-time");
            return false;
        }
    }
    from = got[0];
    to = got[1].value_or(c.now);
    if (from && *from > to) {
        error = c.fail(E::bad_field, "/query/from", "after the end of the window");
        return false;
    }
    return true;
}

json terminal_json(const Call& c, const terms::Terminal& t, std::optional<sim::Time> from, sim::Time to,
                   bool detail) {
    const sim::Calendar& cal = c.state.calendar();
    const bool online = c.state.terminals.online(t.id, c.now);
    const sim::Time start = from.value_or(t.registered_at);
    const terms::Availability a = c.state.terminals.availability(t.id, start, to).value_or(terms::Availability{});
    json peripherals = json::array();
    for (const auto& p : t.peripherals)
        peripherals.push_back({{"id", p.id}, {"type", p.type}, {"state", terms::to_string(p.state)}, {"detail", p.detail}});
    std::size_t pending = 0;
    for (const auto& k : t.commands) pending += k.delivered_at ? 0 : 1;
    json j = {{"terminal_id", t.id},
              {"site", t.site},
              {"region", t.region},
              {"key_id", t.key_id},
              {"registered_at", cal.iso8601(t.registered_at)},
              {"last_heartbeat", t.last_heartbeat ? json(cal.iso8601(*t.last_heartbeat)) : json()},
              {"heartbeat_interval_s", std::chrono::duration_cast<std::chrono::seconds>(t.interval).count()},
              {"online", online},
              {"status", online ? t.current.status : std::string("offline")},
              {"peripherals", std::move(peripherals)},
              {"consumables", t.consumables},
              {"pending_commands", pending},
              // R-10.1-1's inputs: 在线率 = online / scheduled service time, 开机率
              // from powered and fault time; the scheduled time is the reader's profile.
              {"availability",
               {{"from", cal.iso8601(std::max(start, t.registered_at))},
                {"to", cal.iso8601(to)},
                {"window_s", seconds(a.window)},
                {"online_s", seconds(a.online)},
                {"powered_s", seconds(a.powered)},
                {"fault_s", seconds(a.fault)},
                {"degraded_s", seconds(a.degraded)},
                {"online_ratio", a.window.count() > 0 ? json(seconds(a.online) / seconds(a.window)) : json()}}}};
    if (detail) {
        json commands = json::array();
        for (const auto& k : t.commands)
            commands.push_back({{"id", k.id},
                                {"kind", terms::to_string(k.kind)},
                                {"args", k.args},
                                {"queued_at", cal.iso8601(k.queued_at)},
                                {"delivered_at", k.delivered_at ? json(cal.iso8601(*k.delivered_at)) : json()},
                                {"acked_at", k.acked_at ? json(cal.iso8601(*k.acked_at)) : json()},
                                {"result", k.result},
                                {"detail", k.detail}});
        json logs = json::array();
        for (const auto& l : t.logs) logs.push_back({{"at", cal.iso8601(l.at)}, {"name", l.name}, {"bytes", l.content.size()}});
        j["commands"] = std::move(commands);
        j["logs"] = std::move(logs);
    }
    return j;
}

Response terminals_list(Call& c) {
    Response refusal;
    if (!c.reach("terminals", refusal)) return refusal;
    std::optional<sim::Time> from;
    sim::Time to;
    if (!window(c, from, to, refusal)) return refusal;
    json list = json::array();
    std::size_t online = 0;
    for (const terms::Terminal* t : c.state.terminals.terminals()) {
        list.push_back(terminal_json(c, *t, from, to, false));
        online += list.back()["online"].get<bool>() ? 1 : 0;
    }
    const std::size_t n = list.size();
    return c.ok({{"total", n}, {"online", online}, {"terminals", std::move(list)}});
}

Response terminal_get(Call& c) {
    Response refusal;
    if (!c.reach("terminals", refusal)) return refusal;
    const std::string& id = c.params.at("id");
    const terms::Terminal* t = c.state.terminals.find(id);
    if (!t) return c.fail(E::not_found, "/params/id", not_found_reason("terminal", id));
    std::optional<sim::Time> from;
    sim::Time to;
    if (!window(c, from, to, refusal)) return refusal;
    return c.ok(terminal_json(c, *t, from, to, true));
}

Response terminal_command(Call& c) {
    Response refusal;
    if (!c.reach("terminals", refusal)) return refusal;
    const std::string& id = c.params.at("id");
    api::Checker ch(c.body);
    ch.required_string("/kind", 1, 32);
    if (!ch.ok()) return refuse(c, ch);
    const std::string kind_id = text(c.body, "kind");
    const auto kind = terms::parse_command_kind(kind_id);
    if (!kind)
        return c.fail(E::unknown_code, "/kind",
                      unknown_reason("command", kind_id, "restart, update_items, publish_notice, lock, unlock"));
    json args = json::object();
    if (const auto it = c.body.find("args"); it != c.body.end() && !it->is_null()) {
        if (!it->is_object()) return c.fail(E::bad_field, "/args", "expected an object");
        args = *it;
    }
    if (!c.state.terminals.find(id)) return c.fail(E::not_found, "/params/id", not_found_reason("terminal", id));
    std::uint64_t command = 0;
    if (auto o = c.state.terminals.enqueue_command(id, *kind, c.now, args, &command); !o)
        return c.fail(o.error, o.path, o.reason);
    // The registry recorded what was queued (actor "platform"); this record says who asked.
    c.audit(c.route.id, "ok", {{"terminal", id}, {"command", command}, {"kind", kind_id}});
    return c.ok({{"command_id", command},
                 {"terminal_id", id},
                 {"kind", kind_id},
                 {"args", std::move(args)},
                 {"queued_at", c.state.calendar().iso8601(c.now)}},
                201);
}

// ------------------------------------------------- payment channel ----

// One callback of the payment channel: `step` moves the payment; the answer is its new state.
template <class Step>
Response payment_step(Call& c, Step step) {
    Response refusal;
    if (!c.reach("payments", refusal)) return refusal;
    const std::string& id = c.params.at("id");
    const pay::Payment* p = c.state.payments.find(id);
    if (!p) return c.fail(E::not_found, "/params/id", not_found_reason("payment", id));
    const std::string from(pay::to_string(p->state));
    if (auto o = step(id); !o) return c.fail(o);
    p = c.state.payments.find(id);
    c.audit(c.route.id, "ok", {{"payment", id}, {"case_no", p->case_no}, {"from", from}, {"to", pay::to_string(p->state)}});
    return masked(c, c.state.payments.status(*p));
}

bool reason_ok(Call& c, Response& error) {
    api::Checker ch(c.body);
    ch.optional_string("/reason", 0, 200);
    if (ch.ok()) return true;
    error = refuse(c, ch);
    return false;
}

Response payment_paid(Call& c) {
    api::Checker ch(c.body);
    ch.required_string("/channel_txn", 1, 64);
    if (!ch.ok()) return refuse(c, ch);
    const std::string txn = text(c.body, "channel_txn");
    return payment_step(c, [&](const std::string& id) { return c.state.payments.mark_paid(id, txn, c.now); });
}

Response payment_failed(Call& c) {
    Response err;
    if (!reason_ok(c, err)) return err;
    return payment_step(
        c, [&](const std::string& id) { return c.state.payments.mark_failed(id, c.now, text(c.body, "reason")); });
}

Response payment_cancel(Call& c) {
    Response err;
    if (!reason_ok(c, err)) return err;
    return payment_step(c,
                        [&](const std::string& id) { return c.state.payments.cancel(id, c.now, text(c.body, "reason")); });
}

Response payment_refund(Call& c) {
    Response err;
    if (!reason_ok(c, err)) return err;
    return payment_step(
        c, [&](const std::string& id) { return c.state.payments.request_refund(id, c.now, text(c.body, "reason")); });
}

Response payment_refund_failed(Call& c) {
    Response err;
    if (!reason_ok(c, err)) return err;
    return payment_step(
        c, [&](const std::string& id) { return c.state.payments.refund_failed(id, c.now, text(c.body, "reason")); });
}

Response payment_refunded(Call& c) {
    return payment_step(c, [&](const std::string& id) { return c.state.payments.complete_refund(id, c.now); });
}

// ------------------------------------------------------------ licences ----

Response licence_issue(Call& c) {
    Response refusal;
    if (!c.reach("licences", refusal)) return refusal;
    api::Checker ch(c.body);
    ch.optional_integer("/validity_days", 1, 36500);
    if (!ch.ok()) return refuse(c, ch);
    std::optional<sim::Duration> validity;
    if (const auto it = c.body.find("validity_days"); it != c.body.end() && it->is_number_integer())
        validity = std::chrono::hours(24) * it->get<std::int64_t>();
    const services::licences::Result r = c.state.licences.issue(c.body, validity, c.now);
    if (!r.ok()) return c.fail(r.outcome);
    const services::licences::Licence& l = *c.state.licences.find(r.number);
    // The holder is in the licence, not in the audit trail.
    c.audit(c.route.id, "ok", {{"number", l.number}, {"type", l.type}});
    return c.ok(c.state.licences.outward(l, c.now), 201);
}

Response licence_revoke(Call& c) {
    Response refusal;
    if (!c.reach("licences", refusal)) return refusal;
    if (!reason_ok(c, refusal)) return refusal;
    const std::string& number = c.params.at("number");
    if (!c.state.licences.find(number)) return c.fail(E::not_found, "/params/number", not_found_reason("licence", number));
    if (auto o = c.state.licences.revoke(number, c.now, text(c.body, "reason")); !o) return c.fail(o);
    c.audit(c.route.id, "ok", {{"number", number}, {"reason", text(c.body, "reason")}});
    return c.ok(c.state.licences.outward(*c.state.licences.find(number), c.now));
}

// --------------------------------------------------------- evaluations ----

Response evaluation_advance(Call& c) {
    Response refusal;
    if (!c.reach("evaluations", refusal)) return refusal;
    const std::string& id = c.params.at("id");
    api::Checker ch(c.body);
    ch.required_string("/stage", 1, 32).optional_string("/note", 0, 500);
    if (!ch.ok()) return refuse(c, ch);
    const std::string stage_id = text(c.body, "stage");
    const auto stage = evals::parse_stage(stage_id);
    if (!stage)
        return c.fail(E::unknown_code, "/stage", unknown_reason("step", stage_id, "verify, rectify, feed_back, review"));
    if (*stage == evals::Stage::closed)
        return c.fail(E::bad_field, "/stage", "closed is where review leads, not a step to complete");
    if (!c.state.evaluations.find(id)) return c.fail(E::not_found, "/params/id", not_found_reason("evaluation", id));
    if (auto o = c.state.evaluations.advance(id, *stage, c.now, text(c.body, "note")); !o) return c.fail(o);
    const evals::Evaluation& e = *c.state.evaluations.find(id);
    c.audit(c.route.id, "ok",
            {{"eval_id", id}, {"done", stage_id}, {"stage", evals::to_string(e.rectification->stage)}});
    return masked(c, c.state.evaluations.record_json(e));
}

Response evaluation_return_visit(Call& c) {
    Response refusal;
    if (!c.reach("evaluations", refusal)) return refusal;
    const std::string& id = c.params.at("id");
    api::Checker ch(c.body);
    ch.optional_string("/note", 0, 500);
    if (!ch.ok()) return refuse(c, ch);
    if (!c.state.evaluations.find(id)) return c.fail(E::not_found, "/params/id", not_found_reason("evaluation", id));
    if (auto o = c.state.evaluations.return_visit(id, c.now, text(c.body, "note")); !o) return c.fail(o);
    c.audit(c.route.id, "ok", {{"eval_id", id}});
    return masked(c, c.state.evaluations.record_json(*c.state.evaluations.find(id)));
}

Response evaluation_summary(Call& c) {
    Response refusal;
    if (!c.reach("evaluations", refusal)) return refusal;
    json s = c.state.evaluations.summary(c.now);
    s["overdue_ids"] = c.state.evaluations.overdue(c.now);
    return c.ok(std::move(s));
}

// ----------------------------------------------------------- catalogue ----

// The item after a change, with the versions around it.
Response item_changed(Call& c, const std::string& code, std::uint64_t before, int status = 200) {
    const std::uint64_t after = c.state.catalogue.version();
    c.audit(c.route.id, "ok", {{"code", code}, {"version", after}, {"changed", after != before}});
    return c.ok({{"code", code},
                 {"previous_version", before},
                 {"version", after},
                 {"changed", after != before},
                 {"item", cat::to_json(*c.state.catalogue.find(code), c.state.calendar())}},
                status);
}

// An item from a request body; on a malformed member, the refusal at its path.
std::optional<cat::Item> parse_item(Call& c, const json& body, Response& error) {
    try {
        return cat::item_from_json(body, c.state.calendar());
    } catch (const std::invalid_argument& e) {
        const std::string what = e.what();
        const auto colon = what.find(": ");
        const std::string path = colon == std::string::npos ? std::string() : what.substr(0, colon);
        const std::string why = colon == std::string::npos ? what : what.substr(colon + 2);
        const E code = why == "missing" ? E::missing_field
                       : why.rfind("unknown", 0) == 0 ? E::unknown_code
                                                      : E::bad_field;
        error = c.fail(code, path, why);
        return std::nullopt;
    }
}

Response item_add(Call& c) {
    Response refusal;
    if (!c.reach("catalogue", refusal)) return refusal;
    auto item = parse_item(c, c.body, refusal);
    if (!item) return refusal;
    const std::string code = item->code;
    const std::uint64_t before = c.state.catalogue.version();
    if (auto o = c.state.catalogue.add(std::move(*item), c.now); !o) return fail_catalogue(c, o);
    return item_changed(c, code, before, 201);
}

Response item_modify(Call& c) {
    Response refusal;
    if (!c.reach("catalogue", refusal)) return refusal;
    const std::string& code = c.params.at("code");
    json body = c.body;
    if (const auto it = body.find("code"); it == body.end() || it->is_null()) {
        body["code"] = code;
    } else if (!it->is_string() || it->get<std::string>() != code) {
        return c.fail(E::bad_field, "/code", "the item code is the path's; a new code is a new item");
    }
    api::Checker ch(body);
    ch.optional_string("/change_reason", 0, 200);
    if (!ch.ok()) return refuse(c, ch);
    if (!c.state.catalogue.find(code)) return c.fail(E::not_found, "/params/code", not_found_reason("item", code));
    auto item = parse_item(c, body, refusal);
    if (!item) return refusal;
    const std::uint64_t before = c.state.catalogue.version();
    if (auto o = c.state.catalogue.modify(std::move(*item), c.now, text(body, "change_reason")); !o)
        return fail_catalogue(c, o);
    return item_changed(c, code, before);
}

// Shared by the lifecycle operations: the item must exist.
bool item_exists(Call& c, Response& error) {
    const std::string& code = c.params.at("code");
    if (c.state.catalogue.find(code)) return true;
    error = c.fail(E::not_found, "/params/code", not_found_reason("item", code));
    return false;
}

std::optional<cat::Trigger> trigger_of(Call& c, Response& error, cat::Trigger fallback) {
    const auto it = c.body.find("trigger");
    if (it == c.body.end() || it->is_null()) return fallback;
    const std::string id = text(c.body, "trigger");
    if (auto t = cat::parse_trigger(id)) return t;
    error = c.fail(E::unknown_code, "/trigger",
                   unknown_reason("trigger", id,
                                  "legal_basis_changed, backend_retired, low_volume, poor_rating, security_incident, "
                                  "department_request"));
    return std::nullopt;
}

// The common tail of an item change: the item must exist; `change(code)`
// makes the change; the answer is the item with the versions around it.
template <class Change>
Response change_item(Call& c, Change&& change) {
    Response refusal;
    if (!item_exists(c, refusal)) return refusal;
    const std::string& code = c.params.at("code");
    const std::uint64_t before = c.state.catalogue.version();
    if (auto o = change(code); !o) return fail_catalogue(c, o);
    return item_changed(c, code, before);
}

Response item_transition(Call& c) {
    Response refusal;
    if (!c.reach("catalogue", refusal)) return refusal;
    api::Checker ch(c.body);
    ch.required_string("/to", 1, 32);
    if (!ch.ok()) return refuse(c, ch);
    const std::string to_id = text(c.body, "to");
    const auto to = cat::parse_stage(to_id);
    if (!to)
        return c.fail(E::unknown_code, "/to",
                      unknown_reason("stage", to_id, "applied, integration, security_review, trial, online"));
    return change_item(c, [&](const std::string& code) { return c.state.catalogue.transition(code, *to, c.now); });
}

Response item_suspend(Call& c) {
    Response refusal;
    if (!c.reach("catalogue", refusal)) return refusal;
    api::Checker ch(c.body);
    ch.required_string("/trigger", 1, 32).required_string("/reason", 1, 200);
    if (!ch.ok()) return refuse(c, ch);
    const auto trigger = trigger_of(c, refusal, cat::Trigger::department_request);
    if (!trigger) return refusal;
    return change_item(c, [&](const std::string& code) {
        return c.state.catalogue.suspend(code, *trigger, text(c.body, "reason"), c.now);
    });
}

Response item_resume(Call& c) {
    Response refusal;
    if (!c.reach("catalogue", refusal)) return refusal;
    return change_item(c, [&](const std::string& code) { return c.state.catalogue.resume(code, c.now); });
}

Response item_announce(Call& c) {
    Response refusal;
    if (!c.reach("catalogue", refusal)) return refusal;
    api::Checker ch(c.body);
    ch.required_string("/trigger", 1, 32).required_string("/reason", 1, 200).timestamp("/effective");
    if (!ch.ok()) return refuse(c, ch);
    const auto trigger = trigger_of(c, refusal, cat::Trigger::department_request);
    if (!trigger) return refusal;
    const auto effective = c.state.calendar().parse_iso8601(text(c.body, "effective"));
    if (!effective) return c.fail(E::bad_field, "/effective", "not a GB/T 7408 date-time");
    return change_item(c, [&](const std::string& code) {
        return c.state.catalogue.announce_withdrawal(code, *trigger, text(c.body, "reason"), *effective, c.now);
    });
}

Response item_cancel_withdrawal(Call& c) {
    Response refusal;
    if (!c.reach("catalogue", refusal)) return refusal;
    if (!reason_ok(c, refusal)) return refusal;
    return change_item(c, [&](const std::string& code) {
        return c.state.catalogue.cancel_withdrawal(code, c.now, text(c.body, "reason"));
    });
}

Response item_withdraw(Call& c) {
    Response refusal;
    if (!c.reach("catalogue", refusal)) return refusal;
    api::Checker ch(c.body);
    ch.optional_string("/trigger", 1, 32).optional_string("/reason", 0, 200);
    if (!ch.ok()) return refuse(c, ch);
    const auto trigger = trigger_of(c, refusal, cat::Trigger::department_request);
    if (!trigger) return refusal;
    return change_item(c, [&](const std::string& code) {
        // R-6.4-1: in-flight 办件 finish (or migrate) first.
        const std::size_t in_flight = c.state.applications.in_flight(code);
        return c.state.catalogue.withdraw(code, c.now, in_flight, *trigger, text(c.body, "reason"));
    });
}

// --------------------------------------------------------------- audit ----

Response audit_page(Call& c) {
    Response err;
    const auto from_seq = c.query_uint("from_seq", 1, 1, UINT64_MAX / 2, err);
    if (!from_seq) return err;
    const auto limit = c.query_uint("limit", 100, 1, 1000, err);
    if (!limit) return err;
    const auto& records = c.state.audit.records();
    json list = json::array();
    std::uint64_t seq = *from_seq;
    for (; seq <= records.size() && seq < *from_seq + *limit; ++seq)
        list.push_back(services::audit::to_json(records[static_cast<std::size_t>(seq - 1)]));
    const services::audit::Verification v = c.state.audit.verify();
    json data = {{"total", records.size()},
                 {"from_seq", *from_seq},
                 {"records", std::move(list)},
                 {"next_seq", seq <= records.size() ? json(seq) : json()},
                 {"head", c.state.audit.head()},
                 {"verified", v.ok}};
    if (!v.ok) data["broken"] = {{"seq", v.seq}, {"reason", v.reason}};
    return c.ok(std::move(data));
}

// --------------------------------------------------------------- table ----

constexpr std::string_view k_advance_schema = R"json({
  "type": "object",
  "required": ["to", "actor"],
  "properties": {
    "to": {"type": "string", "enum": ["formal_checked", "accepted", "in_review", "approved", "rejected", "certificate_issued", "withdrawn"]},
    "actor": {"type": "string", "enum": ["kiosk", "receiving", "handling"], "description": "R-7.5-1: cross-region decisions are the handling department's"},
    "note": {"type": "string", "maxLength": 500, "description": "kept in the history; the reason of a rejection"}
  }
})json";

constexpr std::string_view k_transfer_schema = R"json({
  "type": "object",
  "required": ["courier_no", "actor"],
  "properties": {
    "courier_no": {"type": "string", "minLength": 1, "maxLength": 40, "description": "寄递单号, or \"online\" for a push"},
    "actor": {"type": "string", "enum": ["kiosk", "receiving", "handling"]}
  }
})json";

constexpr std::string_view k_command_schema = R"json({
  "type": "object",
  "required": ["kind"],
  "properties": {
    "kind": {"type": "string", "enum": ["restart", "update_items", "publish_notice", "lock", "unlock"]},
    "args": {"type": "object", "description": "delivered with the command (e.g. the notice text)"}
  }
})json";

constexpr std::string_view k_paid_schema = R"json({
  "type": "object",
  "required": ["channel_txn"],
  "properties": {"channel_txn": {"type": "string", "minLength": 1, "maxLength": 64, "description": "the channel's transaction number"}}
})json";

constexpr std::string_view k_reason_schema = R"json({
  "type": "object",
  "properties": {"reason": {"type": "string", "maxLength": 200}}
})json";

constexpr std::string_view k_licence_schema = R"json({
  "type": "object",
  "required": ["type", "holder"],
  "properties": {
    "type": {"type": "string", "minLength": 1, "maxLength": 50, "description": "e.g. 居住证"},
    "holder": {"type": "object", "required": ["name", "id_number"], "properties": {
      "name": {"type": "string", "minLength": 1, "maxLength": 50},
      "id_number": {"type": "string", "minLength": 18, "maxLength": 18, "description": "GB 11643"}}},
    "validity_days": {"type": "integer", "minimum": 1, "maximum": 36500, "description": "absent = 长期有效"}
  }
})json";

constexpr std::string_view k_eval_advance_schema = R"json({
  "type": "object",
  "required": ["stage"],
  "properties": {
    "stage": {"type": "string", "enum": ["verify", "rectify", "feed_back", "review"], "description": "the step completed: the one the rectification waits for"},
    "note": {"type": "string", "maxLength": 500}
  }
})json";

constexpr std::string_view k_note_schema = R"json({
  "type": "object",
  "properties": {"note": {"type": "string", "maxLength": 500}}
})json";

constexpr std::string_view k_item_schema = R"json({
  "type": "object",
  "description": "an item as GET /api/v1/items/{code} answers it (services::catalogue::to_json); a new one at stage applied, status normal",
  "required": ["code", "name", "category", "competent_department", "implementing_body", "legal_basis", "guide", "kiosk", "stage", "status", "status_note", "announcement"],
  "properties": {
    "code": {"type": "string", "pattern": "^[0-9]{6}00[A-Z]{2}-[A-Z]{2}-[0-9]{4}$"},
    "name": {"type": "string"},
    "category": {"type": "string"},
    "competent_department": {"type": "string"},
    "implementing_body": {"type": "string"},
    "legal_basis": {"type": "array", "items": {"type": "string"}},
    "guide": {"type": "object"},
    "kiosk": {"type": "object"},
    "stage": {"type": "string", "enum": ["applied", "integration", "security_review", "trial", "online"]},
    "status": {"type": "string", "enum": ["normal", "suspended", "withdrawn"]},
    "status_note": {"type": "object"},
    "announcement": {"type": "object", "nullable": true}
  }
})json";

constexpr std::string_view k_item_modify_schema = R"json({
  "type": "object",
  "description": "the whole revised item (code optional: the path's); lifecycle fields unchanged",
  "properties": {
    "code": {"type": "string"},
    "change_reason": {"type": "string", "maxLength": 200, "description": "why (R-6.4-1 调整)"}
  }
})json";

constexpr std::string_view k_stage_schema = R"json({
  "type": "object",
  "required": ["to"],
  "properties": {"to": {"type": "string", "enum": ["applied", "integration", "security_review", "trial", "online"]}}
})json";

constexpr std::string_view k_suspend_schema = R"json({
  "type": "object",
  "required": ["trigger", "reason"],
  "properties": {
    "trigger": {"type": "string", "enum": ["legal_basis_changed", "backend_retired", "low_volume", "poor_rating", "security_incident", "department_request"]},
    "reason": {"type": "string", "minLength": 1, "maxLength": 200}
  }
})json";

constexpr std::string_view k_announce_schema = R"json({
  "type": "object",
  "required": ["trigger", "reason", "effective"],
  "properties": {
    "trigger": {"type": "string", "enum": ["legal_basis_changed", "backend_retired", "low_volume", "poor_rating", "security_incident", "department_request"]},
    "reason": {"type": "string", "minLength": 1, "maxLength": 200},
    "effective": {"type": "string", "format": "date-time", "description": "GB/T 7408, at least the notice period (30 days) ahead"}
  }
})json";

constexpr std::string_view k_withdraw_item_schema = R"json({
  "type": "object",
  "properties": {
    "trigger": {"type": "string", "enum": ["legal_basis_changed", "backend_retired", "low_volume", "poor_rating", "security_incident", "department_request"]},
    "reason": {"type": "string", "maxLength": 200}
  }
})json";

constexpr std::string_view k_window_query =
    "from:string:window start, GB/T 7408 (default: each terminal's registration);"
    "to:string:window end, GB/T 7408 (default: now)";

const Route k_admin_routes[] = {
    // 办件: the departments' side.
    {.id = "admin.applications.get", .method = "GET", .pattern = "/admin/v1/applications/{case_no}",
     .access = Access::admin, .handler = application_get,
     .summary = "办件状态 / a 办件's state, cross-region fields and history (ID masked)", .tag = "admin",
     .errors = {E::not_found, E::service_unavailable}},
    {.id = "admin.applications.advance", .method = "POST", .pattern = "/admin/v1/applications/{case_no}/advance",
     .access = Access::admin, .mutating = true, .handler = application_advance,
     .summary = "部门办理 / a department's step on a 办件 (跨域通办: decisions by the handling department, R-7.5-1)",
     .tag = "admin", .request_schema = k_advance_schema,
     .errors = {E::missing_field, E::bad_field, E::unknown_code, E::not_found, E::conflict_state,
                E::service_unavailable}},
    {.id = "admin.applications.forward", .method = "POST", .pattern = "/admin/v1/applications/{case_no}/forward",
     .access = Access::admin, .mutating = true, .handler = application_forward,
     .summary = "材料流转 / the receiving department forwards a cross-region 办件's materials", .tag = "admin",
     .request_schema = k_transfer_schema,
     .errors = {E::missing_field, E::bad_field, E::unknown_code, E::not_found, E::conflict_state,
                E::service_unavailable}},
    {.id = "admin.applications.return", .method = "POST", .pattern = "/admin/v1/applications/{case_no}/return",
     .access = Access::admin, .mutating = true, .handler = application_return,
     .summary = "结果寄回 / the handling department sends a cross-region 办件's result back", .tag = "admin",
     .request_schema = k_transfer_schema,
     .errors = {E::missing_field, E::bad_field, E::unknown_code, E::not_found, E::conflict_state,
                E::service_unavailable}},
    // Terminal management.
    {.id = "admin.terminals.list", .method = "GET", .pattern = "/admin/v1/terminals", .access = Access::admin,
     .handler = terminals_list,
     .summary = "终端列表 / every terminal: online flag and online/powered/fault time over a window (R-10.1-1)",
     .tag = "admin", .query = k_window_query, .errors = {E::bad_field, E::service_unavailable}},
    {.id = "admin.terminals.get", .method = "GET", .pattern = "/admin/v1/terminals/{id}", .access = Access::admin,
     .handler = terminal_get, .summary = "终端详情 / one terminal with its commands and logs", .tag = "admin",
     .query = k_window_query, .errors = {E::bad_field, E::not_found, E::service_unavailable}},
    {.id = "admin.terminals.command", .method = "POST", .pattern = "/admin/v1/terminals/{id}/commands",
     .access = Access::admin, .mutating = true, .handler = terminal_command,
     .summary = "远程指令 / queue a remote command for the terminal's next heartbeat", .tag = "admin",
     .request_schema = k_command_schema,
     .errors = {E::missing_field, E::bad_field, E::unknown_code, E::not_found, E::conflict_state,
                E::service_unavailable}},
    // The payment channel's callbacks.
    {.id = "admin.payments.paid", .method = "POST", .pattern = "/admin/v1/payments/{id}/paid", .access = Access::admin,
     .mutating = true, .handler = payment_paid, .summary = "支付成功回调 / the channel reports a payment paid",
     .tag = "admin", .request_schema = k_paid_schema,
     .errors = {E::missing_field, E::bad_field, E::not_found, E::conflict_state, E::service_unavailable}},
    {.id = "admin.payments.failed", .method = "POST", .pattern = "/admin/v1/payments/{id}/failed",
     .access = Access::admin, .mutating = true, .handler = payment_failed,
     .summary = "支付失败回调 / the channel reports a payment failed", .tag = "admin",
     .request_schema = k_reason_schema,
     .errors = {E::bad_field, E::not_found, E::conflict_state, E::service_unavailable}},
    {.id = "admin.payments.cancel", .method = "POST", .pattern = "/admin/v1/payments/{id}/cancel",
     .access = Access::admin, .mutating = true, .handler = payment_cancel,
     .summary = "取消支付 / a pending payment is cancelled", .tag = "admin", .request_schema = k_reason_schema,
     .errors = {E::bad_field, E::not_found, E::conflict_state, E::service_unavailable}},
    {.id = "admin.payments.refund", .method = "POST", .pattern = "/admin/v1/payments/{id}/refund",
     .access = Access::admin, .mutating = true, .handler = payment_refund,
     .summary = "申请退款 / a paid payment goes to refund pending", .tag = "admin", .request_schema = k_reason_schema,
     .errors = {E::bad_field, E::not_found, E::conflict_state, E::service_unavailable}},
    {.id = "admin.payments.refund_failed", .method = "POST", .pattern = "/admin/v1/payments/{id}/refund-failed",
     .access = Access::admin, .mutating = true, .handler = payment_refund_failed,
     .summary = "退款失败回调 / the channel refused the refund: back to paid", .tag = "admin",
     .request_schema = k_reason_schema,
     .errors = {E::bad_field, E::not_found, E::conflict_state, E::service_unavailable}},
    {.id = "admin.payments.refunded", .method = "POST", .pattern = "/admin/v1/payments/{id}/refunded",
     .access = Access::admin, .mutating = true, .handler = payment_refunded,
     .summary = "退款完成回调 / the channel reports the refund done", .tag = "admin",
     .errors = {E::not_found, E::conflict_state, E::service_unavailable}},
    // E-licences.
    {.id = "admin.licences.issue", .method = "POST", .pattern = "/admin/v1/licences", .access = Access::admin,
     .mutating = true, .handler = licence_issue, .summary = "签发电子证照 / issue an e-licence (answer masked)",
     .tag = "admin", .request_schema = k_licence_schema,
     .errors = {E::missing_field, E::bad_field, E::bad_id_number, E::service_unavailable}},
    {.id = "admin.licences.revoke", .method = "POST", .pattern = "/admin/v1/licences/{number}/revoke",
     .access = Access::admin, .mutating = true, .handler = licence_revoke,
     .summary = "注销电子证照 / revoke an e-licence", .tag = "admin", .request_schema = k_reason_schema,
     .errors = {E::bad_field, E::not_found, E::conflict_state, E::service_unavailable}},
    // 差评 handling.
    {.id = "admin.evaluations.summary", .method = "GET", .pattern = "/admin/v1/evaluations/summary",
     .access = Access::admin, .handler = evaluation_summary,
     .summary = "评价统计 / counts by level and reason, 差评 rate, rectifications open/closed/overdue",
     .tag = "admin", .errors = {E::service_unavailable}},
    {.id = "admin.evaluations.advance", .method = "POST", .pattern = "/admin/v1/evaluations/{id}/advance",
     .access = Access::admin, .mutating = true, .handler = evaluation_advance,
     .summary = "差评整改 / complete a rectification step: verify, rectify, feed_back, review (R-11.3-5)",
     .tag = "admin", .request_schema = k_eval_advance_schema,
     .errors = {E::missing_field, E::bad_field, E::unknown_code, E::not_found, E::conflict_state,
                E::service_unavailable}},
    {.id = "admin.evaluations.return_visit", .method = "POST", .pattern = "/admin/v1/evaluations/{id}/return-visit",
     .access = Access::admin, .mutating = true, .handler = evaluation_return_visit,
     .summary = "差评回访 / the return visit of a 差评 (needed before a named one closes)", .tag = "admin",
     .request_schema = k_note_schema,
     .errors = {E::bad_field, E::not_found, E::conflict_state, E::service_unavailable}},
    // The catalogue (事项清单) changes.
    {.id = "admin.items.add", .method = "POST", .pattern = "/admin/v1/items", .access = Access::admin,
     .mutating = true, .handler = item_add, .summary = "新增事项 / add an item at 申请 (R-6.3-1)", .tag = "admin",
     .request_schema = k_item_schema,
     .errors = {E::missing_field, E::bad_field, E::unknown_code, E::conflict_state, E::service_unavailable}},
    {.id = "admin.items.modify", .method = "PUT", .pattern = "/admin/v1/items/{code}", .access = Access::admin,
     .mutating = true, .handler = item_modify, .summary = "调整事项 / modify an item (R-6.4-1)", .tag = "admin",
     .request_schema = k_item_modify_schema,
     .errors = {E::missing_field, E::bad_field, E::unknown_code, E::not_found, E::conflict_state,
                E::service_unavailable}},
    {.id = "admin.items.modify_post", .method = "POST", .pattern = "/admin/v1/items/{code}", .access = Access::admin,
     .mutating = true, .handler = item_modify, .summary = "调整事项 / modify an item (as PUT)", .tag = "admin",
     .request_schema = k_item_modify_schema,
     .errors = {E::missing_field, E::bad_field, E::unknown_code, E::not_found, E::conflict_state,
                E::service_unavailable}},
    {.id = "admin.items.transition", .method = "POST", .pattern = "/admin/v1/items/{code}/transition",
     .access = Access::admin, .mutating = true, .handler = item_transition,
     .summary = "入驻流转 / an on-boarding step: 申请 → 联调 → 安全评估 → 试运行 → 上线 (R-6.3-1)", .tag = "admin",
     .request_schema = k_stage_schema,
     .errors = {E::missing_field, E::bad_field, E::unknown_code, E::not_found, E::conflict_state,
                E::service_unavailable}},
    {.id = "admin.items.suspend", .method = "POST", .pattern = "/admin/v1/items/{code}/suspend",
     .access = Access::admin, .mutating = true, .handler = item_suspend,
     .summary = "暂停事项 / suspend an online item at once (R-6.4-1)", .tag = "admin",
     .request_schema = k_suspend_schema,
     .errors = {E::missing_field, E::bad_field, E::unknown_code, E::not_found, E::conflict_state,
                E::service_unavailable}},
    {.id = "admin.items.resume", .method = "POST", .pattern = "/admin/v1/items/{code}/resume",
     .access = Access::admin, .mutating = true, .handler = item_resume,
     .summary = "恢复事项 / resume a suspended item", .tag = "admin",
     .errors = {E::not_found, E::conflict_state, E::service_unavailable}},
    {.id = "admin.items.announce_withdrawal", .method = "POST",
     .pattern = "/admin/v1/items/{code}/announce-withdrawal", .access = Access::admin, .mutating = true,
     .handler = item_announce, .summary = "拟下线公告 / announce a withdrawal in advance (R-6.4-1)", .tag = "admin",
     .request_schema = k_announce_schema,
     .errors = {E::missing_field, E::bad_field, E::unknown_code, E::not_found, E::conflict_state,
                E::service_unavailable}},
    {.id = "admin.items.cancel_withdrawal", .method = "POST", .pattern = "/admin/v1/items/{code}/cancel-withdrawal",
     .access = Access::admin, .mutating = true, .handler = item_cancel_withdrawal,
     .summary = "撤销拟下线 / cancel an announced withdrawal", .tag = "admin", .request_schema = k_reason_schema,
     .errors = {E::bad_field, E::not_found, E::conflict_state, E::service_unavailable}},
    {.id = "admin.items.withdraw", .method = "POST", .pattern = "/admin/v1/items/{code}/withdraw",
     .access = Access::admin, .mutating = true, .handler = item_withdraw,
     .summary = "事项下线 / withdraw an item: on or after the announced date, no 办件 in flight (R-6.4-1)",
     .tag = "admin", .request_schema = k_withdraw_item_schema,
     .errors = {E::bad_field, E::unknown_code, E::not_found, E::conflict_state, E::service_unavailable}},
    // The audit log.
    {.id = "admin.audit", .method = "GET", .pattern = "/admin/v1/audit", .access = Access::admin,
     .handler = audit_page,
     .summary = "审计日志 / audit records from a sequence number, the chain head and whether it verifies (R-9.3-1)",
     .tag = "admin",
     .query = "from_seq:integer:first record, default 1;limit:integer:records, 1-1000, default 100",
     .errors = {E::bad_field}},
};

}  // namespace

std::span<const Route> admin_routes() { return k_admin_routes; }

}  // namespace kiosktwin::server::detail
