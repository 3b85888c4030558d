#include <kiosktwin/server/openapi.hpp>

#include <kiosktwin/api/errors.hpp>
#include <kiosktwin/api/signing.hpp>
#include <kiosktwin/server/router.hpp>

#include <map>
#include <set>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace kiosktwin::server {

namespace {

using nlohmann::json;

std::vector<std::string_view> split(std::string_view s, char sep) {
    std::vector<std::string_view> out;
    while (!s.empty()) {
        const auto cut = s.find(sep);
        const auto piece = s.substr(0, cut);
        if (!piece.empty()) out.push_back(piece);
        if (cut == std::string_view::npos) break;
        s.remove_prefix(cut + 1);
    }
    return out;
}

json envelope_schema() {
    return {{"type", "object"},
            {"required", {"code", "msg", "data"}},
            {"properties",
             {{"code", {{"type", "integer"}, {"description", "0 = success, else the error's number (HTTP status x 100 + serial)"}}},
              {"msg", {{"type", "string"}, {"description", "message for people (Chinese)"}}},
              {"data", {{"description", "the result; for an error {error, path?, reason?}"}}}}}};
}

json error_schema() {
    return {{"type", "object"},
            {"required", {"code", "msg", "data"}},
            {"properties",
             {{"code", {{"type", "integer"}}},
              {"msg", {{"type", "string"}}},
              {"data",
               {{"type", "object"},
                {"required", {"error"}},
                {"properties",
                 {{"error", {{"type", "string"}, {"description", "stable error id, e.g. request.bad_field"}}},
                  {"path", {{"type", "string"}, {"description", "JSON pointer of the bad field"}}},
                  {"reason", {{"type", "string"}}}}}}}}}};
}

std::string_view access_name(Access a) {
    switch (a) {
    case Access::open: return "open";
    case Access::enrol: return "kiosk key";
    case Access::terminal: return "registered terminal";
    case Access::admin: return "admin key";
    }
    return "open";
}

// The router's own refusals, by access level.
std::vector<api::ErrorCode> common_errors(const Route& r) {
    using E = api::ErrorCode;
    std::vector<E> out{E::internal};
    if (!r.request_schema.empty())
        out.insert(out.end(), {E::malformed_json, E::too_large, E::unsupported_media_type, E::bad_field,
                               E::missing_field});
    if (r.access != Access::open)
        out.insert(out.end(), {E::auth_missing_header, E::auth_bad_header, E::auth_bad_method, E::auth_unknown_key,
                               E::auth_stale_timestamp, E::auth_bad_signature, E::auth_replayed_nonce,
                               E::auth_forbidden});
    if (r.access == Access::terminal) out.push_back(E::auth_unregistered_terminal);
    return out;
}

}  // namespace

json openapi_document() {
    json paths = json::object();
    for (const Route& r : routes()) {
        json op = {{"operationId", r.id}, {"summary", r.summary}, {"tags", {r.tag}}, {"x-kiosk-access", access_name(r.access)}};
        json params = json::array();
        for (auto seg : split(r.pattern, '/'))
            if (seg.size() > 2 && seg.front() == '{')
                params.push_back({{"name", seg.substr(1, seg.size() - 2)}, {"in", "path"}, {"required", true},
                                  {"schema", {{"type", "string"}}}});
        for (auto q : split(r.query, ';')) {
            const auto f = split(q, ':');
            if (f.size() < 2) throw std::logic_error("route " + std::string(r.id) + ": bad query spec");
            params.push_back({{"name", f[0]}, {"in", "query"}, {"required", false},
                              {"schema", {{"type", f[1]}}}, {"description", f.size() > 2 ? f[2] : ""}});
        }
        for (auto h : split(r.headers, ';')) {
            const auto f = split(h, ':');
            params.push_back({{"name", f[0]}, {"in", "header"}, {"required", true},
                              {"schema", {{"type", "string"}}}, {"description", f.size() > 1 ? f[1] : ""}});
        }
        if (!params.empty()) op["parameters"] = std::move(params);
        if (!r.request_schema.empty()) {
            json schema = json::parse(r.request_schema, nullptr, false);
            if (schema.is_discarded())
                throw std::logic_error("route " + std::string(r.id) + ": request schema is not JSON");
            op["requestBody"] = {{"required", true}, {"content", {{"application/json", {{"schema", schema}}}}}};
        }
        if (r.access != Access::open) op["security"] = json::array({{{"kioskSignature", json::array()}}});

        json responses = json::object();
        responses["200"] = {{"description", "success: code 0"},
                            {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Envelope"}}}}}}}};
        std::map<int, std::set<std::string>> by_status;
        for (auto e : common_errors(r)) by_status[api::http_status(e)].insert(std::string(api::to_string(e)));
        for (auto e : r.errors) by_status[api::http_status(e)].insert(std::string(api::to_string(e)));
        for (const auto& [status, ids] : by_status) {
            std::string desc;
            for (const auto& id : ids) {
                if (!desc.empty()) desc.append(", ");
                desc.append(id);
            }
            responses[std::to_string(status)] = {
                {"description", desc},
                {"content", {{"application/json", {{"schema", {{"$ref", "#/components/schemas/Error"}}}}}}}};
        }
        op["responses"] = std::move(responses);
        std::string method(r.method);
        for (auto& ch : method) ch = static_cast<char>(ch - 'A' + 'a');
        paths[std::string(r.pattern)][method] = std::move(op);
    }
    json doc = {
        {"openapi", "3.0.3"},
        {"info",
         {{"title", "KioskTwin gateway: 政务服务平台自助终端接口 (GB/T 47483-2026 clause 8)"},
          {"version", "1.0.0"},
          {"description",
           "JSON over HTTP, UTF-8, envelope {code, msg, data}; GB/T 7408 timestamps (+08:00); Base64 images. "
           "Signed operations carry x-kiosk-key-id, x-kiosk-timestamp, x-kiosk-nonce, x-kiosk-signature-method "
           "(HMAC-SM3 or HMAC-SHA256) and x-kiosk-signature over the seven-line canonical string (method, path, "
           "canonical query, key id, timestamp, nonce, hex digest of the body); see docs/developers.md."}}},
        {"servers", json::array({{{"url", "/"}}})},
        {"paths", std::move(paths)},
        {"components",
         {{"securitySchemes",
           {{"kioskSignature",
             {{"type", "apiKey"}, {"in", "header"}, {"name", api::k_header_signature},
              {"description", "HMAC over the canonical string with the key's secret; the other four x-kiosk-* "
                              "headers are required with it. Window 300 s, nonces never reused."}}}}},
          {"schemas", {{"Envelope", envelope_schema()}, {"Error", error_schema()}}},
          {"x-error-codes", api::error_table_json()}}}};
    return doc;
}

const std::string& openapi_json() {
    static const std::string text = openapi_document().dump(2);
    return text;
}

}  // namespace kiosktwin::server
