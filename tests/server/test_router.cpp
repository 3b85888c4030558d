// The router's common rules (issue 6, server/): routing, size and media
// type, signing and roles, the audit of every refusal (R-9.2-1, R-9.3-1).
#include "gateway_support.hpp"

#include <kiosktwin/server/openapi.hpp>

#include <catch2/catch.hpp>

namespace server_router_test {

using namespace kiosktwin;
using namespace kiosktwin::server;
using namespace kiosktwin::server::test;
using namespace std::chrono_literals;

TEST_CASE("open routes answer without a signature; unknown paths and methods are refused and audited", "[router][R-9.2-1]") {
    State st(test_config());
    const sim::Time t0 = sim::Time{} + 24h;
    auto r = handle_request(plain("GET", "/api/v1/health"), st, t0);
    CHECK(r.status == 200);
    CHECK(envelope(r)["data"]["status"] == "ok");
    CHECK_FALSE(r.mutated);

    r = handle_request(plain("GET", "/api/v1/nowhere"), st, t0);
    CHECK(r.status == 404);
    CHECK(error_id(r) == "resource.not_found");
    CHECK(r.mutated);
    REQUIRE(st.audit.size() == 1);
    CHECK(st.audit.records().back().outcome == "resource.not_found");

    r = handle_request(plain("DELETE", "/api/v1/health"), st, t0);
    CHECK(r.status == 405);
    CHECK(error_id(r) == "request.method_not_allowed");
    REQUIRE(r.headers.size() == 1);
    CHECK(r.headers[0].first == "Allow");
    CHECK(r.headers[0].second == "GET");
}

TEST_CASE("catalogue pages are served from a memo that follows the version", "[router][R-6.2-1]") {
    State st(test_config());
    const sim::Time t0 = sim::Time{} + 24h;
    auto a = handle_request(plain("GET", "/api/v1/items?offset=0&limit=20"), st, t0);
    REQUIRE(a.status == 200);
    const auto page = envelope(a)["data"];
    CHECK(page["items"].size() == 20);
    CHECK(page["version"] == st.catalogue.version());
    auto b = handle_request(plain("GET", "/api/v1/items?offset=0&limit=20"), st, t0);
    CHECK(b.body == a.body);
    CHECK(st.page_cache.size() == 1);

    auto bad = handle_request(plain("GET", "/api/v1/items?limit=0"), st, t0);
    CHECK(bad.status == 400);
    CHECK(envelope(bad)["data"]["path"] == "/query/limit");
    auto zone = handle_request(plain("GET", "/api/v1/items?zone=nowhere"), st, t0);
    CHECK(error_id(zone) == "request.unknown_code");

    const std::string code = page["items"][0]["code"].get<std::string>();
    auto one = handle_request(plain("GET", "/api/v1/items/" + code), st, t0);
    CHECK(envelope(one)["data"]["code"] == code);
    auto delta = handle_request(plain("GET", "/api/v1/items/changes?since=0"), st, t0);
    CHECK(envelope(delta)["data"]["full"] == true);
}

TEST_CASE("the OpenAPI document lists every route and is served", "[router][openapi]") {
    const auto doc = openapi_document();
    std::size_t ops = 0;
    for (const auto& [path, methods] : doc["paths"].items()) ops += methods.size();
    CHECK(ops == routes().size());
    State st(test_config());
    auto r = handle_request(plain("GET", "/api/v1/openapi.json"), st, sim::Time{});
    CHECK(r.status == 200);
    CHECK(nlohmann::json::parse(r.body)["openapi"] == "3.0.3");
}

}  // namespace server_router_test
