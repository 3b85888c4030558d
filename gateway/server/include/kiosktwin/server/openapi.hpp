// The gateway's API as an OpenAPI 3.0 document, generated from the route
// table (router.hpp): every route's path, method, parameters, request body
// schema, the signature scheme of R-8.1-1 and the errors it can answer,
// with the whole error-code table under components. Served at
// GET /api/v1/openapi.json; `kiosktwin gateway --openapi` prints it.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace kiosktwin::server {

/// The document. Throws std::logic_error if a route's request schema is not
/// JSON (a bug the tests catch).
nlohmann::json openapi_document();
/// The same, serialised once per process.
const std::string& openapi_json();

}  // namespace kiosktwin::server
