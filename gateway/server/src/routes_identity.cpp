// 人证核验 (R-8.4-1 identity group): ID check, face compare, e-ID QR. Every
// answered call is audited (R-9.2-1, R-9.3-1) with the verdict and the
// internal flag (通缉 "wanted"), which the kiosk never sees: it gets
// kiosk_json() only. The audit log masks ID numbers itself (R-9.3-1); the
// handlers pass masked ones anyway, so the guarantee does not rest on one place.
#include "routes.hpp"

#include <kiosktwin/api/validate.hpp>
#include <kiosktwin/protocol/citizen_id.hpp>
#include <kiosktwin/services/identity.hpp>

#include <cstdint>
#include <limits>
#include <string>

namespace kiosktwin::server::detail {

namespace {

using nlohmann::json;

protocol::CivilDate today(const Call& c) {
    const auto d = c.state.calendar().civil(c.now);
    return protocol::CivilDate{d.year, d.month, d.day};
}

// The service's own profile is ideal inside the gateway (the router draws the
// configured one in Call::reach), but its draw still maps to the usual refusals.
Response refused(Call& c, const services::Draw& d) {
    return c.fail(services::error_code(d).value_or(api::ErrorCode::internal), "",
                  "identity back end did not answer");
}

Response id_check(Call& c) {
    api::Checker k(c.body);
    k.today(today(c)).id_number("/id_number").required_string("/name", 1, 50);
    if (auto e = k.first_error()) return c.fail(e->code, e->path, e->reason);
    Response refusal;
    if (!c.reach("identity", refusal)) return refusal;
    const auto reply = c.state.identity.check_id(c.body["id_number"].get_ref<const std::string&>(),
                                                 c.body["name"].get_ref<const std::string&>(), c.now);
    if (!reply.ok()) return refused(c, reply.outcome);
    const services::IdCheckResult& r = *reply.value;
    c.audit("identity.id_check", "ok",
            {{"id_number", r.masked_id}, {"result", services::to_string(r.result)},
             {"flag", services::to_string(r.audit)}});
    return c.ok(r.kiosk_json());
}

Response face_compare(Call& c) {
    api::Checker k(c.body);
    k.today(today(c)).id_number("/id_number");
    k.required_integer("/sample_template", 0, std::numeric_limits<std::uint32_t>::max());
    k.required_bool("/liveness");
    if (auto e = k.first_error()) return c.fail(e->code, e->path, e->reason);
    Response refusal;
    if (!c.reach("identity", refusal)) return refusal;
    const std::string& id = c.body["id_number"].get_ref<const std::string&>();
    // The score comes from this request's own stream (router.hpp), so a
    // journal replay redraws the same score.
    const auto reply = c.state.identity.face_compare(id, c.body["sample_template"].get<std::uint32_t>(),
                                                     c.body["liveness"].get<bool>(), c.now, c.rng);
    if (!reply.ok()) return refused(c, reply.outcome);
    const services::FaceCompareResult& r = *reply.value;
    c.audit("identity.face_compare", "ok",
            {{"id_number", protocol::mask_id(id)}, {"result", services::to_string(r.result)}, {"score", r.score},
             {"threshold", r.threshold}, {"flag", services::to_string(r.audit)}});
    return c.ok(r.kiosk_json());
}

Response eid_qr(Call& c) {
    api::Checker k(c.body);
    k.required_string("/payload", 1, 1024);
    if (auto e = k.first_error()) return c.fail(e->code, e->path, e->reason);
    Response refusal;
    if (!c.reach("identity", refusal)) return refusal;
    const auto reply = c.state.identity.resolve_eid_qr(c.body["payload"].get_ref<const std::string&>(), c.now);
    if (!reply.ok()) return refused(c, reply.outcome);
    const services::EidResolution& r = *reply.value;
    json detail = {{"result", services::to_string(r.result)}, {"flag", services::to_string(r.audit)}};
    if (r.resident) detail["id_number"] = protocol::mask_id(r.resident->id_number);
    c.audit("identity.eid_qr", "ok", detail);
    return c.ok(r.kiosk_json());
}

constexpr std::string_view k_id_check_schema = R"json({
  "type": "object",
  "required": ["id_number", "name"],
  "properties": {
    "id_number": {"type": "string", "maxLength": 18, "pattern": "^[0-9]{17}[0-9X]$",
                  "description": "GB 11643 citizen ID number with a valid check character"},
    "name": {"type": "string", "maxLength": 50, "example": "林思远"}
  }
})json";

constexpr std::string_view k_face_schema = R"json({
  "type": "object",
  "required": ["id_number", "sample_template", "liveness"],
  "properties": {
    "id_number": {"type": "string", "maxLength": 18, "pattern": "^[0-9]{17}[0-9X]$"},
    "sample_template": {"type": "integer", "minimum": 0, "maximum": 4294967295,
                        "description": "the captured face's template (bench model: equal to the resident's = same person)"},
    "liveness": {"type": "boolean", "description": "the camera's liveness verdict"}
  }
})json";

constexpr std::string_view k_eid_schema = R"json({
  "type": "object",
  "required": ["payload"],
  "properties": {
    "payload": {"type": "string", "maxLength": 1024, "description": "the scanned e-ID QR text (EID1:<Base64>)"}
  }
})json";

const Route k_identity_routes[] = {
    {.id = "identity.id_check", .method = "POST", .pattern = "/api/v1/identity/id-check", .access = Access::terminal,
     .mutating = true, .handler = id_check,
     .summary = "身份证核验 / ID check against the population register", .tag = "identity",
     .request_schema = k_id_check_schema,
     .errors = {api::ErrorCode::bad_field, api::ErrorCode::missing_field, api::ErrorCode::bad_id_number,
                api::ErrorCode::service_unavailable}},
    {.id = "identity.face_compare", .method = "POST", .pattern = "/api/v1/identity/face-compare",
     .access = Access::terminal, .mutating = true, .handler = face_compare,
     .summary = "人脸比对 / face compare: score and threshold", .tag = "identity", .request_schema = k_face_schema,
     .errors = {api::ErrorCode::bad_field, api::ErrorCode::missing_field, api::ErrorCode::bad_id_number,
                api::ErrorCode::service_unavailable}},
    {.id = "identity.eid_qr", .method = "POST", .pattern = "/api/v1/identity/eid-qr", .access = Access::terminal,
     .mutating = true, .handler = eid_qr, .summary = "电子身份证二维码解析 / resolve an e-ID QR code",
     .tag = "identity", .request_schema = k_eid_schema,
     .errors = {api::ErrorCode::bad_field, api::ErrorCode::missing_field, api::ErrorCode::service_unavailable}},
};

}  // namespace

std::span<const Route> identity_routes() { return k_identity_routes; }

}  // namespace kiosktwin::server::detail
