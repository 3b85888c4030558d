// 好差评 (R-8.4-1 evaluation group; R-11.1-1, R-11.3-1..4): a terminal
// submits the citizen's evaluation of one of its 办件 and reads it back. The
// 差评 rectification steps and the summary are the platform's
// (routes_admin.cpp).
//
// The body is services::evaluations::Evaluations::submit's, with the
// members the platform already knows made optional:
//   * terminal_id: absent = the calling terminal; present, it must be the
//     calling terminal (else request.bad_field at /terminal_id): a kiosk
//     rates only through itself, so the record's terminal is authentic.
//   * case_no must be a 办件 of the calling terminal (else
//     resource.not_found at /case_no) that has been submitted (a draft has
//     had no handling to rate: conflict.state).
//   * item_code: absent = the 办件's; present, it must be the 办件's (else
//     request.bad_field at /item_code). item_name, department (the item's
//     实施机关) and region (the 办理地: the cross-region handling region, else
//     the item code's region) are filled from the 办件 and the catalogue
//     when absent, so the R-11.3-4 record is complete.
//   * channel: absent = "kiosk"; handled_at: absent = the 办件's last change.
// 一次一评 (R-11.3-2) and the reasons of a 差评 (R-11.3-1) are the back end's
// rules: conflict.duplicate_evaluation, request.missing_field at /reasons.
#include "routes.hpp"

#include <kiosktwin/api/validate.hpp>
#include <kiosktwin/services/applications.hpp>
#include <kiosktwin/services/audit.hpp>
#include <kiosktwin/services/catalogue.hpp>
#include <kiosktwin/services/evaluations.hpp>

#include <string>
#include <utility>

namespace kiosktwin::server::detail {

namespace {

using nlohmann::json;
using E = api::ErrorCode;
namespace apps = services::applications;

bool given(const json& body, const char* name) {
    const auto it = body.find(name);
    return it != body.end() && !it->is_null();
}

// Sets body[name] = value when the member is absent and the value fits `max_chars`.
void fill(json& body, const char* name, const std::string& value, std::size_t max_chars) {
    if (given(body, name) || value.empty()) return;
    const auto n = api::utf8_length(value);
    if (n && *n <= max_chars) body[name] = value;
}

Response submit(Call& c) {
    Response refusal;
    if (!c.reach("evaluations", refusal)) return refusal;
    json body = c.body;
    if (given(body, "terminal_id")) {
        const json& t = body.at("terminal_id");
        if (!t.is_string() || t.get<std::string>() != c.terminal_id)
            return c.fail(E::bad_field, "/terminal_id",
                          "must be the calling terminal's id (" + c.terminal_id + ") or absent");
    } else {
        body["terminal_id"] = c.terminal_id;
    }
    api::Checker ch(body);
    ch.required_string("/case_no", 1, 64);
    if (auto e = ch.first_error()) return c.fail(e->code, e->path, e->reason);
    const std::string case_no = body.at("case_no").get<std::string>();
    const apps::Application* a = c.state.applications.find(case_no);
    if (!a || a->terminal_id != c.terminal_id)
        return c.fail(E::not_found, "/case_no", "no 办件 " + case_no + " of this terminal");
    if (a->state == apps::State::draft)
        return c.fail(E::conflict_state, "/case_no", "办件 " + case_no + " is a draft: nothing was handled yet");

    if (given(body, "item_code")) {
        const json& code = body.at("item_code");
        if (!code.is_string() || code.get<std::string>() != a->item_code)
            return c.fail(E::bad_field, "/item_code", "办件 " + case_no + " is of item " + a->item_code);
    } else {
        body["item_code"] = a->item_code;
    }
    const services::catalogue::Item* item = c.state.catalogue.find(a->item_code);
    fill(body, "item_name", a->item_name.empty() && item ? item->name : a->item_name, 200);
    if (item) fill(body, "department", item->implementing_body, 100);
    fill(body, "region", a->cross ? a->cross->handling_region : a->item_code.substr(0, 6), 6);
    if (!given(body, "channel")) body["channel"] = "kiosk";
    if (!given(body, "handled_at")) body["handled_at"] = c.state.calendar().iso8601(a->updated_at);

    const services::evaluations::Result r = c.state.evaluations.submit(body, c.now);
    if (!r.ok()) return c.fail(r.outcome);
    const services::evaluations::Evaluation& e = *c.state.evaluations.find(r.id);
    c.audit(c.route.id, "ok",
            {{"eval_id", e.id}, {"case_no", e.case_no}, {"handling_seq", e.handling_seq}, {"level", e.level},
             {"bad", e.is_bad()}});
    return c.ok(c.state.evaluations.record_json(e), 201);
}

Response get(Call& c) {
    Response refusal;
    if (!c.reach("evaluations", refusal)) return refusal;
    const std::string& id = c.params.at("id");
    const services::evaluations::Evaluation* e = c.state.evaluations.find(id);
    if (!e || e->terminal_id != c.terminal_id)
        return c.fail(E::not_found, "/params/id", "no evaluation " + id + " of this terminal");
    // Rectification notes are the platform's free text: masked like any ID (R-9.3-1).
    return c.ok(services::audit::mask_ids_json(c.state.evaluations.record_json(*e)));
}

constexpr std::string_view k_submit_schema = R"json({
  "type": "object",
  "required": ["case_no", "level"],
  "properties": {
    "case_no": {"type": "string", "minLength": 1, "maxLength": 64, "description": "办件编号 of this terminal"},
    "handling_seq": {"type": "integer", "minimum": 1, "maximum": 999, "description": "办理次数, default 1"},
    "item_code": {"type": "string", "description": "default: the 办件's; if given, must be it"},
    "item_name": {"type": "string", "minLength": 1, "maxLength": 200},
    "department": {"type": "string", "minLength": 1, "maxLength": 100},
    "region": {"type": "string", "pattern": "^[0-9]{6}$", "description": "GB/T 2260, default the 办理地"},
    "terminal_id": {"type": "string", "description": "default: the calling terminal; if given, must be it"},
    "channel": {"type": "string", "description": "code table channel, default kiosk"},
    "level": {"type": "integer", "minimum": 1, "maximum": 5, "description": "5 非常满意 .. 1 非常不满意"},
    "reasons": {"type": "array", "items": {"type": "string"}, "description": "code table bad_review_reason; required for levels 1-2 (R-11.3-1)"},
    "indicators": {"type": "object", "properties": {
      "overall": {"type": "integer", "minimum": 1, "maximum": 5},
      "efficiency": {"type": "integer", "minimum": 1, "maximum": 5},
      "service_level": {"type": "integer", "minimum": 1, "maximum": 5},
      "attitude": {"type": "integer", "minimum": 1, "maximum": 5}}},
    "comment": {"type": "string", "maxLength": 500},
    "rater": {"type": "object", "properties": {"id_number": {"type": "string", "minLength": 18, "maxLength": 18}}},
    "anonymous": {"type": "boolean"},
    "handled_at": {"type": "string", "format": "date-time", "description": "GB/T 7408, +08:00; default the 办件's last change"},
    "content_version": {"type": "string", "minLength": 1, "maxLength": 32}
  }
})json";

const Route k_evaluation_routes[] = {
    {.id = "evaluations.submit", .method = "POST", .pattern = "/api/v1/evaluations", .access = Access::terminal,
     .mutating = true, .handler = submit,
     .summary = "提交好差评 / evaluate a 办件 of this terminal (一次一评; 差评 need reasons)", .tag = "evaluations",
     .request_schema = k_submit_schema,
     .errors = {E::missing_field, E::bad_field, E::unknown_code, E::bad_id_number, E::not_found,
                E::conflict_state, E::duplicate_evaluation, E::service_unavailable}},
    {.id = "evaluations.get", .method = "GET", .pattern = "/api/v1/evaluations/{id}", .access = Access::terminal,
     .handler = get, .summary = "评价记录 / an evaluation record (R-11.3-4 fields, rater masked)",
     .tag = "evaluations", .errors = {E::not_found, E::service_unavailable}},
};

}  // namespace

std::span<const Route> evaluation_routes() { return k_evaluation_routes; }

}  // namespace kiosktwin::server::detail
