// 办件 (R-8.4-1 application group): create with an idempotency key, upload
// materials, submit, withdraw, and the reads a kiosk prints from (status,
// 受理回执, 证照/证明).
//
// Rules the gateway adds to the back end's (services/applications.hpp):
//   * A terminal sees and acts on its own 办件 only; another terminal's case
//     number is resource.not_found, worded as for a number that does not
//     exist, so existence does not leak.
//   * Create: the item must be in the catalogue (resource.not_found at
//     /item_code) and offered to kiosks (conflict.state at /item_code); a
//     cross_region mode must be one the item offers (conflict.state at
//     /cross_region/mode). A retry with a key that already succeeded gets
//     the first answer even when the item has changed since (R-8.4-1).
//   * The idempotency-key header is 1-64 visible ASCII characters (missing:
//     request.missing_field, else request.bad_field, at /headers/idempotency-key).
//   * Audit: each change is recorded under the route id with the case number;
//     a replayed create or submit changes nothing, and is recorded with the
//     outcome "replayed" (the handler's own record, so the router does not add
//     an "ok" one that would read as a second change).
//   * Submit and withdraw take an optional object, but the router requires a
//     body wherever a route declares a schema: a kiosk with nothing to say
//     sends {}.
#include "routes.hpp"

#include <kiosktwin/api/validate.hpp>
#include <kiosktwin/services/applications.hpp>
#include <kiosktwin/services/catalogue.hpp>

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace kiosktwin::server::detail {

namespace {

namespace apps = services::applications;
namespace cat = services::catalogue;
using nlohmann::json;

constexpr std::string_view k_key_header = "idempotency-key";
constexpr std::string_view k_key_path = "/headers/idempotency-key";

/// The idempotency key, or nullopt with `err` set.
std::optional<std::string_view> idempotency_key(Call& c, Response& err) {
    const std::string_view key = c.request.header(k_key_header);
    if (key.empty()) {
        err = c.fail(api::ErrorCode::missing_field, k_key_path, "an idempotency-key header is required");
        return std::nullopt;
    }
    const bool visible = std::all_of(key.begin(), key.end(), [](char ch) { return ch > ' ' && ch <= '~'; });
    if (key.size() > 64 || !visible) {
        err = c.fail(api::ErrorCode::bad_field, k_key_path, "1-64 visible ASCII characters");
        return std::nullopt;
    }
    return key;
}

/// The 办件 of the path if it is this terminal's; nullptr with `err` set otherwise.
const apps::Application* own_case(Call& c, Response& err) {
    const std::string& no = c.params.at("case_no");
    const apps::Application* a = c.state.applications.find(no);
    if (!a || a->terminal_id != c.terminal_id) {
        std::string why = "no 办件 ";
        why.append(no);
        err = c.fail(api::ErrorCode::not_found, "/params/case_no", why);
        return nullptr;
    }
    return a;
}

json outcome_data(const apps::Result& r, const apps::Application& a) {
    return {{"case_no", r.case_no}, {"replayed", r.replayed}, {"state", apps::to_string(a.state)},
            {"state_zh", apps::zh(a.state)}};
}

/// Why the catalogue forbids a create of this body, if it does.
std::optional<services::Outcome> catalogue_refusal(const cat::Catalogue& catalogue, const json& body) {
    if (!body.contains("item_code") || !body["item_code"].is_string()) return std::nullopt;
    const std::string& code = body["item_code"].get_ref<const std::string&>();
    if (!cat::is_item_code(code)) return std::nullopt;  // the back end's validation names it
    const cat::Item* item = catalogue.find(code);
    if (!item) return services::Outcome{api::ErrorCode::not_found, "/item_code", "no item " + code};
    if (!item->offered()) {
        std::string why = "item ";
        why.append(code).append(" is not offered to kiosks (not online, or suspended)");
        return services::Outcome{api::ErrorCode::conflict_state, "/item_code", why};
    }
    const json::json_pointer mode_ptr("/cross_region/mode");
    if (body.contains(mode_ptr) && body.at(mode_ptr).is_string()) {
        const auto mode = cat::parse_cross_mode(body.at(mode_ptr).get<std::string>());
        if (mode && std::find(item->cross_modes.begin(), item->cross_modes.end(), *mode) == item->cross_modes.end()) {
            std::string why = "item ";
            why.append(code).append(" does not offer the 跨域通办 mode ").append(cat::to_string(*mode));
            return services::Outcome{api::ErrorCode::conflict_state, "/cross_region/mode", why};
        }
    }
    return std::nullopt;
}

Response create(Call& c) {
    Response err;
    const auto key = idempotency_key(c, err);
    if (!key) return err;
    if (!c.reach("applications", err)) return err;
    apps::Applications& store = c.state.applications;

    // A key that succeeded before still gets its first answer, even if the
    // item has been suspended or withdrawn since.
    if (const auto refusal = catalogue_refusal(c.state.catalogue, c.body); refusal && !store.replay_of(c.terminal_id, *key))
        return c.fail(*refusal);
    const apps::Result r = store.create(c.body, *key, c.terminal_id, c.now);
    if (!r.ok()) {
        // The store names its headers' paths after its parameters; here they are headers.
        if (r.outcome.path == "/idempotency_key") return c.fail(r.outcome.error, k_key_path, r.outcome.reason);
        return c.fail(r.outcome);
    }
    const apps::Application& a = *store.find(r.case_no);
    c.audit("applications.create", r.replayed ? "replayed" : "ok",
            {{"case_no", r.case_no}, {"item_code", a.item_code}, {"idempotency_key", *key}});
    return c.ok(outcome_data(r, a), r.replayed ? 200 : 201);
}

Response upload_material(Call& c) {
    Response err;
    const apps::Application* a = own_case(c, err);
    if (!a) return err;
    if (!c.reach("applications", err)) return err;
    if (auto o = c.state.applications.upload_material(a->case_no, c.body, c.now); !o) return c.fail(o);
    const apps::Material* m = a->material(c.body["name"].get_ref<const std::string&>());
    json names = json::array();
    for (const auto& x : a->materials) names.push_back(x.name);
    // The content itself stays out of the audit log: it is the citizen's document.
    c.audit("applications.material", "ok",
            {{"case_no", a->case_no}, {"name", m->name}, {"kind", apps::to_string(m->kind)}, {"bytes", m->bytes}});
    return c.ok({{"case_no", a->case_no}, {"name", m->name}, {"kind", apps::to_string(m->kind)},
                 {"bytes", m->bytes}, {"materials", std::move(names)}});
}

Response submit(Call& c) {
    Response err;
    const apps::Application* a = own_case(c, err);
    if (!a) return err;
    const auto key = idempotency_key(c, err);
    if (!key) return err;
    // The 情形 answered yes (R-7.6-1): they decide which materials are required.
    const cat::Item* item = c.state.catalogue.find(a->item_code);
    api::Checker k(c.body);
    k.optional_array("/yes", 0, 64);
    k.each("/yes", [](api::Checker& e, const std::string& p) { e.required_string(p, 1, 64); });
    std::set<std::string> yes;
    if (k.ok() && c.body.contains("yes") && c.body["yes"].is_array()) {
        const json& ys = c.body["yes"];
        for (std::size_t i = 0; i < ys.size(); ++i) {
            const std::string& id = ys[i].get_ref<const std::string&>();
            const bool known = item && std::any_of(item->situations.begin(), item->situations.end(),
                                                   [&](const cat::Situation& s) { return s.id == id; });
            if (!known) {
                std::string path = "/yes/";
                path.append(std::to_string(i));
                k.fail(api::ErrorCode::unknown_code, path, "not a 情形 of the item");
            }
            yes.insert(id);
        }
    }
    if (auto e = k.first_error()) return c.fail(e->code, e->path, e->reason);
    if (!c.reach("applications", err)) return err;
    // An item is never erased from the master list (withdrawn ones stay), so
    // a missing one means nothing is required beyond what the store checks.
    const std::vector<std::string> required = item ? apps::required_materials(*item, yes) : std::vector<std::string>{};
    const apps::Result r = c.state.applications.submit(a->case_no, *key, c.now, required);
    if (!r.ok()) {
        if (r.outcome.path == "/idempotency_key") return c.fail(r.outcome.error, k_key_path, r.outcome.reason);
        return c.fail(r.outcome);
    }
    c.audit("applications.submit", r.replayed ? "replayed" : "ok",
            {{"case_no", a->case_no}, {"idempotency_key", *key}});
    return c.ok(outcome_data(r, *a));
}

Response withdraw(Call& c) {
    Response err;
    const apps::Application* a = own_case(c, err);
    if (!a) return err;
    api::Checker k(c.body);
    k.optional_string("/reason", 1, 200);
    if (auto e = k.first_error()) return c.fail(e->code, e->path, e->reason);
    if (!c.reach("applications", err)) return err;
    const std::string reason = c.body.contains("reason") && c.body["reason"].is_string()
                                   ? c.body["reason"].get<std::string>()
                                   : std::string();
    if (auto o = c.state.applications.withdraw(a->case_no, c.now, reason); !o) return c.fail(o);
    c.audit("applications.withdraw", "ok", {{"case_no", a->case_no}, {"reason", reason}});
    return c.ok({{"case_no", a->case_no}, {"state", apps::to_string(a->state)}, {"state_zh", apps::zh(a->state)}});
}

Response status(Call& c) {
    Response err;
    const apps::Application* a = own_case(c, err);
    if (!a) return err;
    if (!c.reach("applications", err)) return err;
    return c.ok(*c.state.applications.status(a->case_no));
}

Response receipt(Call& c) {
    Response err;
    const apps::Application* a = own_case(c, err);
    if (!a) return err;
    if (!c.reach("applications", err)) return err;
    apps::Document d = c.state.applications.receipt(a->case_no);
    if (!d.ok()) return c.fail(d.outcome);
    return c.ok(std::move(d.body));
}

Response certificate(Call& c) {
    Response err;
    const apps::Application* a = own_case(c, err);
    if (!a) return err;
    if (!c.reach("applications", err)) return err;
    apps::Document d = c.state.applications.certificate(a->case_no);
    if (!d.ok()) return c.fail(d.outcome);
    return c.ok(std::move(d.body));
}

constexpr std::string_view k_create_schema = R"json({
  "type": "object",
  "required": ["item_code", "applicant"],
  "properties": {
    "item_code": {"type": "string", "maxLength": 18, "pattern": "^[0-9]{8}[A-Z]{2}-[A-Z]{2}-[0-9]{4}$",
                  "description": "an offered item (R-6.2-2)", "example": "44030000GA-XK-0001"},
    "item_name": {"type": "string", "maxLength": 100},
    "applicant": {"type": "object", "required": ["name", "id_number"], "properties": {
      "name": {"type": "string", "maxLength": 50, "example": "林思远"},
      "id_number": {"type": "string", "maxLength": 18, "pattern": "^[0-9]{17}[0-9X]$"},
      "phone": {"type": "string", "maxLength": 20}}},
    "cross_region": {"type": "object", "required": ["mode", "receiving_region", "handling_region"],
      "description": "跨域通办 (R-7.5-1): a mode the item offers, two different GB/T 2260 regions",
      "properties": {
        "mode": {"type": "string", "enum": ["online", "proxy", "joint"]},
        "receiving_region": {"type": "string", "pattern": "^[0-9]{6}$"},
        "handling_region": {"type": "string", "pattern": "^[0-9]{6}$"}}}
  }
})json";

constexpr std::string_view k_material_schema = R"json({
  "type": "object",
  "required": ["name"],
  "description": "exactly one of content and licence_ref",
  "properties": {
    "name": {"type": "string", "maxLength": 64, "example": "居民身份证"},
    "content": {"type": "string", "format": "byte", "description": "Base64, at most 5 MiB decoded"},
    "licence_ref": {"type": "string", "maxLength": 64, "description": "an 电子证照 reference"}
  }
})json";

constexpr std::string_view k_submit_schema = R"json({
  "type": "object",
  "description": "may be empty ({}): a body is still required",
  "properties": {
    "yes": {"type": "array", "maxItems": 64, "items": {"type": "string", "maxLength": 64},
            "description": "the item's 情形 ids answered yes (R-7.6-1); they decide the required materials"}
  }
})json";

constexpr std::string_view k_withdraw_schema = R"json({
  "type": "object",
  "description": "may be empty ({}): a body is still required",
  "properties": {
    "reason": {"type": "string", "maxLength": 200}
  }
})json";

constexpr std::string_view k_key_spec = "idempotency-key:1-64 characters, unique per terminal";

const Route k_application_routes[] = {
    {.id = "applications.create", .method = "POST", .pattern = "/api/v1/applications", .access = Access::terminal,
     .mutating = true, .handler = create,
     .summary = "创建办件 / create a 办件 (idempotent: a retry answers the first result, 200 with replayed)",
     .tag = "applications", .request_schema = k_create_schema, .headers = k_key_spec,
     .errors = {api::ErrorCode::bad_field, api::ErrorCode::missing_field, api::ErrorCode::unknown_code,
                api::ErrorCode::bad_id_number, api::ErrorCode::not_found, api::ErrorCode::conflict_state,
                api::ErrorCode::idempotency_mismatch, api::ErrorCode::service_unavailable}},
    {.id = "applications.material", .method = "POST", .pattern = "/api/v1/applications/{case_no}/materials",
     .access = Access::terminal, .mutating = true, .handler = upload_material,
     .summary = "上传材料 / upload (or replace, by name) a material of a draft", .tag = "applications",
     .request_schema = k_material_schema,
     .errors = {api::ErrorCode::bad_field, api::ErrorCode::missing_field, api::ErrorCode::too_large,
                api::ErrorCode::not_found, api::ErrorCode::conflict_state, api::ErrorCode::service_unavailable}},
    {.id = "applications.submit", .method = "POST", .pattern = "/api/v1/applications/{case_no}/submit",
     .access = Access::terminal, .mutating = true, .handler = submit,
     .summary = "提交办件 / submit a draft once its required materials are in (idempotent)", .tag = "applications",
     .request_schema = k_submit_schema, .headers = k_key_spec,
     .errors = {api::ErrorCode::bad_field, api::ErrorCode::missing_field, api::ErrorCode::unknown_code,
                api::ErrorCode::not_found, api::ErrorCode::conflict_state, api::ErrorCode::service_unavailable}},
    {.id = "applications.withdraw", .method = "POST", .pattern = "/api/v1/applications/{case_no}/withdraw",
     .access = Access::terminal, .mutating = true, .handler = withdraw,
     .summary = "撤回办件 / withdraw a 办件 before a decision", .tag = "applications",
     .request_schema = k_withdraw_schema,
     .errors = {api::ErrorCode::bad_field, api::ErrorCode::not_found, api::ErrorCode::conflict_state,
                api::ErrorCode::service_unavailable}},
    {.id = "applications.status", .method = "GET", .pattern = "/api/v1/applications/{case_no}",
     .access = Access::terminal, .handler = status,
     .summary = "办件状态 / a 办件's state, materials and history (ID masked)", .tag = "applications",
     .errors = {api::ErrorCode::not_found, api::ErrorCode::service_unavailable}},
    {.id = "applications.receipt", .method = "GET", .pattern = "/api/v1/applications/{case_no}/receipt",
     .access = Access::terminal, .handler = receipt,
     .summary = "受理回执 / the receipt to print, once submitted", .tag = "applications",
     .errors = {api::ErrorCode::not_found, api::ErrorCode::conflict_state, api::ErrorCode::service_unavailable}},
    {.id = "applications.certificate", .method = "GET", .pattern = "/api/v1/applications/{case_no}/certificate",
     .access = Access::terminal, .handler = certificate,
     .summary = "证照/证明 / the certificate to print, once issued", .tag = "applications",
     .errors = {api::ErrorCode::not_found, api::ErrorCode::conflict_state, api::ErrorCode::service_unavailable}},
};

}  // namespace

std::span<const Route> application_routes() { return k_application_routes; }

}  // namespace kiosktwin::server::detail
