// Health, the OpenAPI document and the error table: open, unsigned.
#include "routes.hpp"

#include <kiosktwin/api/errors.hpp>
#include <kiosktwin/server/openapi.hpp>

namespace kiosktwin::server::detail {

namespace {

Response health(Call& c) {
    return c.ok({{"status", "ok"},
                 {"time", c.state.calendar().iso8601(c.now)},
                 {"catalogue_version", c.state.catalogue.version()},
                 {"terminals", c.state.terminals.size()},
                 {"applications", c.state.applications.size()},
                 {"audit_records", c.state.audit.size()},
                 {"signature_method", api::method_name(api::preferred_method())}});
}

Response openapi(Call& c) {
    Response r;
    r.body = openapi_json();
    return r;
    (void)c;
}

Response errors(Call& c) { return c.ok(api::error_table_json()); }

const Route k_system_routes[] = {
    {.id = "system.health", .method = "GET", .pattern = "/api/v1/health", .access = Access::open,
     .handler = health, .summary = "服务状态 / health: time, catalogue version, counts", .tag = "system"},
    {.id = "system.openapi", .method = "GET", .pattern = "/api/v1/openapi.json", .access = Access::open,
     .handler = openapi, .summary = "本接口的 OpenAPI 3.0 文档 / this API as OpenAPI 3.0", .tag = "system"},
    {.id = "system.errors", .method = "GET", .pattern = "/api/v1/errors", .access = Access::open,
     .handler = errors, .summary = "错误码表 / the error-code table", .tag = "system"},
};

}  // namespace

std::span<const Route> system_routes() { return k_system_routes; }

}  // namespace kiosktwin::server::detail
