// Terminal management (R-8.4-1 terminal group): a kiosk registers its key,
// then heartbeats (peripherals, consumables, command acks; queued remote
// commands ride back on the reply, each exactly once), uploads logs and reads
// its own record. The Registry audits its own changes and refusals
// (services/terminals.hpp), so the router adds no second record for them.
#include "routes.hpp"

#include <kiosktwin/services/terminals.hpp>

#include <cstdint>
#include <string>

namespace kiosktwin::server::detail {

namespace {

namespace term = services::terminals;
using nlohmann::json;

std::int64_t whole_seconds(sim::Duration d) {
    return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

// The body's "key_id" is optional: the signer's key id is the one bound, and
// a body naming another key would bind a key the kiosk cannot sign with.
Response register_terminal(Call& c) {
    if (const std::string* bound = c.state.terminal_of(c.key_id)) {
        std::string why = "key ";
        why.append(c.key_id).append(" already registered terminal ").append(*bound);
        return c.fail(api::ErrorCode::conflict_state, "", why);
    }
    json body = c.body;
    if (body.contains("key_id") && !body["key_id"].is_null()) {
        if (!body["key_id"].is_string() || body["key_id"].get<std::string>() != c.key_id)
            return c.fail(api::ErrorCode::bad_field, "/key_id", "must equal the signer's x-kiosk-key-id");
    }
    body["key_id"] = c.key_id;
    Response refusal;
    if (!c.reach("terminals", refusal)) return refusal;
    if (auto o = c.state.terminals.register_terminal(body, c.now); !o)
        return c.fail(o.error, o.path, o.reason);
    const std::string id = body["terminal_id"].get<std::string>();
    const term::Terminal* t = c.state.terminals.find(id);
    c.state.bind(c.key_id, id);
    c.terminal_id = id;
    c.actor = id;
    return c.ok({{"terminal_id", id},
                 {"heartbeat_interval_s", whole_seconds(t->interval)},
                 {"registered_at", c.state.calendar().iso8601(t->registered_at)}});
}

Response heartbeat(Call& c) {
    Response refusal;
    if (!c.reach("terminals", refusal)) return refusal;
    const term::HeartbeatReply reply = c.state.terminals.heartbeat(c.terminal_id, c.body, c.now);
    if (!reply) return c.fail(reply.outcome.error, reply.outcome.path, reply.outcome.reason);
    json commands = json::array();
    for (const auto& k : reply.commands)
        commands.push_back({{"id", k.id},
                            {"kind", term::to_string(k.kind)},
                            {"args", k.args},
                            {"queued_at", c.state.calendar().iso8601(k.queued_at)}});
    // catalogue_version: the kiosk compares it with the version it holds and
    // fetches GET /api/v1/items/changes?since=<held> when they differ.
    return c.ok({{"online", true}, {"commands", std::move(commands)}, {"catalogue_version", c.state.catalogue.version()}});
}

Response upload_log(Call& c) {
    Response refusal;
    if (!c.reach("terminals", refusal)) return refusal;
    if (auto o = c.state.terminals.upload_log(c.terminal_id, c.body, c.now); !o)
        return c.fail(o.error, o.path, o.reason);
    const term::Terminal* t = c.state.terminals.find(c.terminal_id);
    const auto& up = t->logs.back();
    return c.ok({{"name", up.name}, {"bytes", c.body["content"].get_ref<const std::string&>().size()},
                 {"received_at", c.state.calendar().iso8601(up.at)}});
}

// A read: the registry's const view (the timeout is applied, not recorded).
Response self(Call& c) {
    Response refusal;
    if (!c.reach("terminals", refusal)) return refusal;
    const term::Terminal* t = c.state.terminals.find(c.terminal_id);
    const auto& cal = c.state.calendar();
    const bool online = c.state.terminals.online(c.terminal_id, c.now);
    json peripherals = json::array();
    for (const auto& p : t->peripherals)
        peripherals.push_back({{"id", p.id}, {"type", p.type}, {"state", term::to_string(p.state)}, {"detail", p.detail}});
    std::size_t pending = 0;
    std::size_t unacked = 0;
    for (const auto& k : t->commands) {
        if (!k.delivered_at) ++pending;
        else if (!k.acked_at) ++unacked;
    }
    return c.ok({{"terminal_id", t->id},
                 {"site", t->site},
                 {"region", t->region},
                 {"key_id", t->key_id},
                 {"status", online ? t->current.status : std::string("offline")},
                 {"online", online},
                 {"heartbeat_interval_s", whole_seconds(t->interval)},
                 {"registered_at", cal.iso8601(t->registered_at)},
                 {"last_heartbeat", t->last_heartbeat ? json(cal.iso8601(*t->last_heartbeat)) : json(nullptr)},
                 {"peripherals", std::move(peripherals)},
                 {"consumables", t->consumables},
                 {"pending_commands", pending},
                 {"unacked_commands", unacked},
                 {"logs", t->logs.size()}});
}

constexpr std::string_view k_register_schema = R"json({
  "type": "object",
  "required": ["terminal_id", "site", "region", "peripherals"],
  "properties": {
    "terminal_id": {"type": "string", "maxLength": 64, "pattern": "^[A-Za-z0-9_-]{1,64}$", "example": "SZ-FT-0001"},
    "site": {"type": "string", "maxLength": 100, "example": "福田区行政服务大厅"},
    "region": {"type": "string", "pattern": "^[0-9]{6}$", "description": "GB/T 2260", "example": "440304"},
    "key_id": {"type": "string", "maxLength": 128, "description": "optional; when present it must equal x-kiosk-key-id"},
    "heartbeat_interval_s": {"type": "integer", "minimum": 5, "maximum": 3600, "default": 60},
    "peripherals": {"type": "array", "maxItems": 32, "items": {
      "type": "object", "required": ["id", "type"],
      "properties": {
        "id": {"type": "string", "maxLength": 64, "example": "idr-1"},
        "type": {"type": "string", "enum": ["idcard_reader", "qr_scanner", "receipt_printer", "a4_printer",
                 "face_camera", "document_camera", "signature_pad", "fingerprint_sensor", "ssc_reader", "pin_pad"]}}}}
  }
})json";

constexpr std::string_view k_heartbeat_schema = R"json({
  "type": "object",
  "required": ["status"],
  "properties": {
    "status": {"type": "string", "enum": ["online", "degraded", "fault", "maintenance", "locked"]},
    "peripherals": {"type": "array", "maxItems": 64, "items": {
      "type": "object", "required": ["id", "state"],
      "properties": {
        "id": {"type": "string", "maxLength": 64, "description": "a registered peripheral"},
        "state": {"type": "string", "enum": ["OK", "WARN", "FAULT", "ABSENT"]},
        "detail": {"type": "string", "maxLength": 200}}}},
    "consumables": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0, "maximum": 100},
                    "description": "percent left, by name; merged", "example": {"receipt_paper": 80}},
    "uptime_s": {"type": "integer", "minimum": 0, "description": "seconds since boot"},
    "acks": {"type": "array", "maxItems": 1000, "items": {
      "type": "object", "required": ["id", "result"],
      "properties": {
        "id": {"type": "integer", "minimum": 1, "description": "a delivered command"},
        "result": {"type": "string", "enum": ["ok", "failed"]},
        "detail": {"type": "string", "maxLength": 200}}}}
  }
})json";

constexpr std::string_view k_log_schema = R"json({
  "type": "object",
  "required": ["name", "content"],
  "properties": {
    "name": {"type": "string", "maxLength": 128, "example": "kiosk-2026-06-01.log"},
    "content": {"type": "string", "maxLength": 1048576, "description": "text; ID numbers are masked when stored"}
  }
})json";

const Route k_terminal_routes[] = {
    {.id = "terminals.register", .method = "POST", .pattern = "/api/v1/terminals/register", .access = Access::enrol,
     .mutating = true, .handler = register_terminal,
     .summary = "终端注册 / register a terminal and bind the signing key to it", .tag = "terminals",
     .request_schema = k_register_schema,
     .errors = {api::ErrorCode::bad_field, api::ErrorCode::missing_field, api::ErrorCode::unknown_code,
                api::ErrorCode::conflict_state, api::ErrorCode::service_unavailable}},
    // Not `mutating` for the router's fallback record: the registry audits
    // what a heartbeat changes that matters (online/offline, status,
    // peripherals, commands delivered and acknowledged), not every beat.
    {.id = "terminals.heartbeat", .method = "POST", .pattern = "/api/v1/terminals/heartbeat",
     .access = Access::terminal, .handler = heartbeat,
     .summary = "终端心跳 / heartbeat: status, peripherals, consumables, acks; returns queued commands once",
     .tag = "terminals", .request_schema = k_heartbeat_schema,
     .errors = {api::ErrorCode::bad_field, api::ErrorCode::missing_field, api::ErrorCode::unknown_code,
                api::ErrorCode::conflict_state, api::ErrorCode::service_unavailable}},
    {.id = "terminals.logs", .method = "POST", .pattern = "/api/v1/terminals/logs", .access = Access::terminal,
     .mutating = true, .handler = upload_log, .summary = "日志上传 / upload a log file (stored masked)",
     .tag = "terminals", .request_schema = k_log_schema,
     .errors = {api::ErrorCode::bad_field, api::ErrorCode::missing_field, api::ErrorCode::too_large,
                api::ErrorCode::conflict_state, api::ErrorCode::service_unavailable}},
    {.id = "terminals.self", .method = "GET", .pattern = "/api/v1/terminals/self", .access = Access::terminal,
     .handler = self,
     .summary = "本终端信息 / this terminal's record: status, online, peripherals, consumables, pending commands",
     .tag = "terminals", .errors = {api::ErrorCode::service_unavailable}},
};

}  // namespace

std::span<const Route> terminal_routes() { return k_terminal_routes; }

}  // namespace kiosktwin::server::detail
