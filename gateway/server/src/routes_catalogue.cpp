// 事项清单 (R-6.*, R-8.4-1 catalogue group): the kiosk's reads. Public
// information, so unsigned; pages are memoised per catalogue version, the
// hot read of a kiosk fleet.
#include "routes.hpp"

#include <kiosktwin/services/catalogue.hpp>

namespace kiosktwin::server::detail {

namespace {

namespace cat = services::catalogue;

Response page(Call& c) {
    State& st = c.state;
    if (st.page_cache_version != st.catalogue.version()) {
        st.page_cache.clear();
        st.page_cache_version = st.catalogue.version();
    }
    if (auto hit = st.page_cache.find(c.request.target); hit != st.page_cache.end()) {
        Response r;
        r.body = hit->second;
        return r;
    }
    Response err;
    const auto offset = c.query_uint("offset", 0, 0, 1'000'000, err);
    if (!offset) return err;
    const auto limit = c.query_uint("limit", 20, 1, cat::max_page_limit, err);
    if (!limit) return err;
    cat::Filter filter;
    if (auto z = c.query.find("zone"); z != c.query.end()) {
        filter.zone = cat::parse_zone(z->second);
        if (!filter.zone) return c.fail(api::ErrorCode::unknown_code, "/query/zone", "unknown zone " + z->second);
    }
    if (auto k = c.query.find("category"); k != c.query.end()) filter.category = k->second;
    if (auto a = c.query.find("all"); a != c.query.end()) filter.offered_only = !(a->second == "1" || a->second == "true");
    Response r = c.ok_text(cat::to_json(st.catalogue.page(*offset, *limit, filter), st.calendar()));
    if (st.page_cache.size() < 4096) st.page_cache.emplace(c.request.target, r.body);
    return r;
}

Response item(Call& c) {
    const std::string& code = c.params.at("code");
    const cat::Item* it = c.state.catalogue.find(code);
    if (!it) return c.fail(api::ErrorCode::not_found, "/params/code", "no item " + code);
    return c.ok(cat::to_json(*it, c.state.calendar()));
}

Response changes(Call& c) {
    Response err;
    const auto since = c.query_uint("since", 0, 0, UINT64_MAX / 2, err);
    if (!since) return err;
    return c.ok(cat::to_json(c.state.catalogue.delta(*since), c.state.calendar()));
}

const Route k_catalogue_routes[] = {
    {.id = "catalogue.page", .method = "GET", .pattern = "/api/v1/items", .access = Access::open,
     .handler = page, .summary = "事项清单分页 / a page of the item list (kiosk view: offered items)",
     .tag = "catalogue",
     .query = "offset:integer:first item, default 0;limit:integer:items per page, 1-200, default 20;"
              "zone:string:专区 id (R-7.4-1);category:string:事项类型 code (XK, QR, ...);"
              "all:boolean:1 = every live item, not only the offered ones",
     .errors = {api::ErrorCode::bad_field, api::ErrorCode::unknown_code}},
    {.id = "catalogue.changes", .method = "GET", .pattern = "/api/v1/items/changes", .access = Access::open,
     .handler = changes, .summary = "事项清单增量 / the delta since a version (full when too old)",
     .tag = "catalogue", .query = "since:integer:the version the kiosk holds (0 = none)",
     .errors = {api::ErrorCode::bad_field}},
    {.id = "catalogue.item", .method = "GET", .pattern = "/api/v1/items/{code}", .access = Access::open,
     .handler = item, .summary = "单个事项 / one item with its guide and kiosk fields", .tag = "catalogue",
     .errors = {api::ErrorCode::not_found}},
};

}  // namespace

std::span<const Route> catalogue_routes() { return k_catalogue_routes; }

}  // namespace kiosktwin::server::detail
