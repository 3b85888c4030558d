// Toxiproxy's HTTP API as a pure handler (peripherals.md §3.2, api.go): every
// route of toxiproxy_api.hpp with Toxiproxy's JSON shapes and status codes,
// /populate and /reset semantics, and KioskTwin's atomic create of a proxy
// with its toxics (§3.3 item 7, Toxiproxy #148).
#include <catch2/catch.hpp>

#include "link_harness.hpp"

#include <kiosktwin/link/link.hpp>
#include <kiosktwin/link/toxiproxy_api.hpp>

#include <functional>
#include <set>
#include <stdexcept>
#include <string>
#include <tuple>
#include <vector>

namespace link_toxiproxy_api_test {

using namespace kiosktwin;
using namespace kiosktwin::test;
using link::ApiRequest;
using link::ApiResponse;
using link::Connection;
using link::Link;
using link::ProxyTable;
using nlohmann::json;

namespace {
constexpr Direction up = Direction::upstream;
constexpr Direction down = Direction::downstream;

ApiResponse call(ProxyTable& table, const std::string& method, const std::string& target,
                 const std::string& body = "", sim::Time now = ms(0), const std::string& user_agent = "toxiproxy-cli") {
    return link::handle_api(table, ApiRequest{method, target, body, user_agent}, now);
}

json body_of(const ApiResponse& r) {
    INFO(r.body);
    REQUIRE(r.content_type == "application/json");
    return json::parse(r.body);
}

/// A proxy's creation body.
std::string proxy_body(const std::string& name, const std::string& upstream, const std::string& extra = "") {
    json j = {{"name", name}, {"listen", "127.0.0.1:0"}, {"upstream", upstream}};
    std::string s = j.dump();
    if (!extra.empty()) {
        s.pop_back();
        s.append(", ").append(extra).append("}");
    }
    return s;
}

/// Listeners that record the calls made to them, in order: "start <name> [toxics...]" and "stop <name>".
class FakeListeners final : public link::Listeners {
public:
    std::string start(Link& link) override {
        std::string call = "start ";
        call.append(link.name()).append(" [");
        for (const link::ToxicSpec* t : link.toxics()) call.append(t->name).append(" ");
        call.append("]");
        calls.push_back(call);
        if (failing.count(link.name())) {
            std::string why = "listen tcp ";
            why.append(link.listen()).append(": bind: address already in use");
            throw std::runtime_error(why);
        }
        if (on_start) on_start(link);
        std::string bound = "127.0.0.1:";
        bound.append(std::to_string(next_port++));
        return bound;
    }
    void stop(Link& link) noexcept override {
        std::string call = "stop ";
        call.append(link.name());
        calls.push_back(call);
    }

    std::vector<std::string> calls;
    std::set<std::string> failing;            // names whose start() throws
    std::function<void(Link&)> on_start;      // e.g. a client connecting at once
    int next_port = 26379;
};

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

/// Checks `r` is Toxiproxy's error {"error": ..., "status": status} with `error` starting as given.
void check_error(const ApiResponse& r, int status, const std::string& error_prefix) {
    INFO(r.body);
    CHECK(r.status == status);
    const json j = body_of(r);
    CHECK(j["status"] == status);
    REQUIRE(j["error"].is_string());
    CHECK(starts_with(j["error"].get<std::string>(), error_prefix));
}
}  // namespace

TEST_CASE("GET /version answers Toxiproxy's version as JSON", "[link][api]") {
    ProxyTable table(1);
    const ApiResponse r = call(table, "GET", "/version");
    CHECK(r.status == 200);
    CHECK(body_of(r)["version"] == link::k_toxiproxy_api_version);
    CHECK(call(table, "HEAD", "/version").body.empty());
    CHECK(call(table, "POST", "/version").status == 405);
}

TEST_CASE("POST /proxies creates a proxy (201) in Toxiproxy's shape; a taken name is 409", "[link][api]") {
    ProxyTable table(1);
    const ApiResponse r = call(table, "POST", "/proxies", proxy_body("gateway", "127.0.0.1:8080"));
    CHECK(r.status == 201);
    CHECK(body_of(r) == json::parse(R"({"name": "gateway", "listen": "127.0.0.1:0", "upstream": "127.0.0.1:8080",
                                         "enabled": true, "toxics": []})"));
    REQUIRE(table.find("gateway") != nullptr);
    Recorder rec;
    CHECK(table.find("gateway")->open(ms(1), &rec) != nullptr);

    check_error(call(table, "POST", "/proxies", proxy_body("gateway", "127.0.0.1:9999")), 409, "proxy already exists");
    CHECK(table.get("gateway").upstream() == "127.0.0.1:8080");  // the first one stays

    SECTION("listen defaults to 127.0.0.1:0; enabled false creates it down") {
        const ApiResponse d =
            call(table, "POST", "/proxies", R"({"name": "printer", "upstream": "10.0.0.7:631", "enabled": false})");
        CHECK(d.status == 201);
        CHECK(body_of(d)["listen"] == "127.0.0.1:0");
        CHECK(body_of(d)["enabled"] == false);
        CHECK(table.get("printer").open(ms(2), &rec) == nullptr);
    }
    SECTION("missing fields and malformed bodies are 400") {
        check_error(call(table, "POST", "/proxies", R"({"upstream": "127.0.0.1:1"})"), 400,
                    "missing required field: name");
        check_error(call(table, "POST", "/proxies", R"({"name": "x"})"), 400, "missing required field: upstream");
        check_error(call(table, "POST", "/proxies", R"({"name": "x", "upstream": )"), 400, "bad request body");
        check_error(call(table, "POST", "/proxies", R"([1, 2])"), 400, "bad request body");
        check_error(call(table, "POST", "/proxies", R"({"name": 5, "upstream": "a:1"})"), 400, "bad request body");
        check_error(call(table, "POST", "/proxies", R"({"name": "a/b", "upstream": "a:1"})"), 400, "bad request body");
        check_error(call(table, "POST", "/proxies", R"({"name": "x", "upstream": "a:1", "enabled": "yes"})"), 400,
                    "bad request body");
        CHECK(table.size() == 1);
    }
}

TEST_CASE("GET /proxies lists every proxy by name with its toxics; GET /proxies/{p} shows one or 404",
          "[link][api]") {
    ProxyTable table(1);
    REQUIRE(call(table, "GET", "/proxies").status == 200);
    CHECK(body_of(call(table, "GET", "/proxies")) == json::object());
    call(table, "POST", "/proxies", proxy_body("b-printer", "10.0.0.7:631"));
    call(table, "POST", "/proxies", proxy_body("a-gateway", "10.0.0.1:443"));
    call(table, "POST", "/proxies/a-gateway/toxics", R"({"name": "slow", "type": "latency", "attributes": {"latency": 50}})");

    const json all = body_of(call(table, "GET", "/proxies"));
    CHECK(all.size() == 2);
    CHECK(all["b-printer"]["upstream"] == "10.0.0.7:631");
    CHECK(all["a-gateway"]["toxics"].size() == 1);
    CHECK(all["a-gateway"]["toxics"][0]["name"] == "slow");

    const ApiResponse one = call(table, "GET", "/proxies/a-gateway");
    CHECK(one.status == 200);
    CHECK(body_of(one) == all["a-gateway"]);
    CHECK(body_of(call(table, "GET", "/proxies/a-gateway?verbose=1")) == all["a-gateway"]);  // a query is ignored
    CHECK(call(table, "HEAD", "/proxies/a-gateway").body.empty());

    const ApiResponse missing = call(table, "GET", "/proxies/nope");
    check_error(missing, 404, "proxy not found");
    CHECK(body_of(missing) == json::parse(R"({"error": "proxy not found", "status": 404})"));
    // Names are percent-decoded, as Go's router does.
    call(table, "POST", "/proxies", proxy_body("kiosk 1", "10.0.0.2:80"));
    CHECK(call(table, "GET", "/proxies/kiosk%201").status == 200);
}

TEST_CASE("POST /proxies/{p} changes listen, upstream and enabled; disabled, it refuses new connections and closes "
          "open ones",
          "[link][api][enabled]") {
    FakeListeners listeners;
    ProxyTable table(1, {}, &listeners);
    REQUIRE(call(table, "POST", "/proxies", proxy_body("gateway", "127.0.0.1:8080")).status == 201);
    Link& link = table.get("gateway");
    CHECK(link.listen() == "127.0.0.1:26379");  // the address actually bound
    Recorder r;
    Connection* c = link.open(ms(1), &r);
    REQUIRE(c != nullptr);
    c->on_data(up, ms(2), bytes_of("hello"));
    listeners.calls.clear();

    const ApiResponse off = call(table, "POST", "/proxies/gateway", R"({"enabled": false})", ms(3));
    CHECK(off.status == 200);
    CHECK(body_of(off)["enabled"] == false);
    CHECK(body_of(off)["upstream"] == "127.0.0.1:8080");  // a partial update keeps the rest
    CHECK(listeners.calls == std::vector<std::string>{"stop gateway"});
    CHECK(r.end_kind(up) == ChunkKind::close);
    CHECK(r.end_kind(down) == ChunkKind::close);
    CHECK(r.ended_at(down) == ms(3));
    CHECK(c->finished());
    Recorder r2;
    CHECK(link.open(ms(4), &r2) == nullptr);
    CHECK(link.stats().connections_refused == 1);

    // PATCH is Toxiproxy's newer spelling of the same update.
    const ApiResponse on = call(table, "PATCH", "/proxies/gateway", R"({"enabled": true})", ms(5));
    CHECK(on.status == 200);
    CHECK(body_of(on)["enabled"] == true);
    CHECK(listeners.calls == std::vector<std::string>{"stop gateway", "start gateway []"});
    Connection* c2 = link.open(ms(6), &r2);
    REQUIRE(c2 != nullptr);

    SECTION("a new upstream restarts the proxy, closing its connections") {
        listeners.calls.clear();
        const ApiResponse moved = call(table, "POST", "/proxies/gateway", R"({"upstream": "127.0.0.1:9090"})", ms(7));
        CHECK(moved.status == 200);
        CHECK(body_of(moved)["upstream"] == "127.0.0.1:9090");
        CHECK(body_of(moved)["enabled"] == true);
        CHECK(listeners.calls == std::vector<std::string>{"stop gateway", "start gateway []"});
        CHECK(c2->finished());
    }
    SECTION("errors: 404 for no such proxy, 400 for a bad body; nothing changes") {
        check_error(call(table, "POST", "/proxies/nope", R"({"enabled": false})"), 404, "proxy not found");
        check_error(call(table, "POST", "/proxies/gateway", R"({"enabled": 0})"), 400, "bad request body");
        check_error(call(table, "POST", "/proxies/gateway", "{oops"), 400, "bad request body");
        check_error(call(table, "POST", "/proxies/gateway", R"("text")"), 400, "bad request body");
        CHECK(link.enabled());
        c2->on_data(up, ms(8), bytes_of("still here"));
        CHECK(r2.text(up) == "still here");
    }
}

TEST_CASE("DELETE /proxies/{p} removes the proxy (204) and closes its connections; again it is 404",
          "[link][api]") {
    FakeListeners listeners;
    ProxyTable table(1, {}, &listeners);
    call(table, "POST", "/proxies", proxy_body("gateway", "127.0.0.1:8080"));
    Recorder r;
    Connection* c = table.get("gateway").open(ms(1), &r);
    REQUIRE(c != nullptr);
    listeners.calls.clear();
    const ApiResponse del = call(table, "DELETE", "/proxies/gateway", "", ms(2));
    CHECK(del.status == 204);
    CHECK(del.body.empty());
    CHECK(listeners.calls == std::vector<std::string>{"stop gateway"});
    CHECK(r.end_kind(down) == ChunkKind::close);
    CHECK(r.ended_at(down) == ms(2));
    CHECK(table.find("gateway") == nullptr);
    CHECK(body_of(call(table, "GET", "/proxies")) == json::object());
    check_error(call(table, "DELETE", "/proxies/gateway"), 404, "proxy not found");
    // The name is free again.
    CHECK(call(table, "POST", "/proxies", proxy_body("gateway", "127.0.0.1:8080")).status == 201);
}

TEST_CASE("toxic routes: add (200), list, show, update, delete (204), with Toxiproxy's 404s and 409",
          "[link][api][toxics]") {
    ProxyTable table(1);
    call(table, "POST", "/proxies", proxy_body("gateway", "127.0.0.1:8080"));
    Recorder r;
    Connection* c = table.get("gateway").open(ms(0), &r);
    REQUIRE(body_of(call(table, "GET", "/proxies/gateway/toxics")) == json::array());

    const ApiResponse added = call(table, "POST", "/proxies/gateway/toxics",
                                   R"({"name": "slow_4g", "type": "latency", "stream": "downstream",
                                       "toxicity": 1.0, "attributes": {"latency": 300, "jitter": 0}})",
                                   ms(10));
    CHECK(added.status == 200);
    CHECK(body_of(added) == json::parse(R"({"name": "slow_4g", "type": "latency", "stream": "downstream",
        "toxicity": 1.0, "attributes": {"latency": 300.0, "jitter": 0.0}})"));
    // It acts at once on the open connection.
    c->on_data(down, ms(20), bytes_of("page"));
    CHECK(r.bytes(down) == 0);
    run_until(*c, ms(10'000));
    CHECK(r.out.back().at == ms(320));

    // Defaults: stream downstream, toxicity 1, name <type>_<stream>.
    const ApiResponse defaulted = call(table, "POST", "/proxies/gateway/toxics", R"({"type": "bandwidth"})");
    CHECK(defaulted.status == 200);
    CHECK(body_of(defaulted)["name"] == "bandwidth_downstream");
    const ApiResponse upstream = call(table, "POST", "/proxies/gateway/toxics",
                                      R"({"name": "cut", "type": "limit_data", "stream": "upstream",
                                          "attributes": {"bytes": 100}})");
    CHECK(upstream.status == 200);

    // Listed upstream first, then downstream, each in chain order.
    const json list = body_of(call(table, "GET", "/proxies/gateway/toxics"));
    REQUIRE(list.size() == 3);
    CHECK(list[0]["name"] == "cut");
    CHECK(list[1]["name"] == "slow_4g");
    CHECK(list[2]["name"] == "bandwidth_downstream");
    CHECK(body_of(call(table, "GET", "/proxies/gateway"))["toxics"] == list);

    const ApiResponse shown = call(table, "GET", "/proxies/gateway/toxics/slow_4g");
    CHECK(shown.status == 200);
    CHECK(body_of(shown) == body_of(added));

    // An update merges what it names and keeps the rest (POST, or PATCH).
    const ApiResponse updated =
        call(table, "POST", "/proxies/gateway/toxics/slow_4g", R"({"attributes": {"jitter": 20}})", ms(20'000));
    CHECK(updated.status == 200);
    CHECK(body_of(updated)["attributes"] == json::parse(R"({"latency": 300.0, "jitter": 20.0})"));
    const ApiResponse patched =
        call(table, "PATCH", "/proxies/gateway/toxics/slow_4g", R"({"toxicity": 0.5})", ms(20'001));
    CHECK(patched.status == 200);
    CHECK(body_of(patched)["toxicity"] == 0.5);
    CHECK(body_of(patched)["attributes"]["jitter"] == 20.0);

    SECTION("409 for a name already taken") {
        check_error(call(table, "POST", "/proxies/gateway/toxics", R"({"name": "slow_4g", "type": "timeout"})"), 409,
                    "toxic already exists");
        CHECK(table.get("gateway").find_toxic("slow_4g")->type == link::ToxicType::latency);
    }
    SECTION("404s: no such proxy, no such toxic") {
        check_error(call(table, "GET", "/proxies/nope/toxics"), 404, "proxy not found");
        check_error(call(table, "POST", "/proxies/nope/toxics", R"({"type": "latency"})"), 404, "proxy not found");
        check_error(call(table, "GET", "/proxies/nope/toxics/slow_4g"), 404, "proxy not found");
        check_error(call(table, "GET", "/proxies/gateway/toxics/nope"), 404, "toxic not found");
        check_error(call(table, "POST", "/proxies/gateway/toxics/nope", R"({"toxicity": 1})"), 404, "toxic not found");
        check_error(call(table, "DELETE", "/proxies/gateway/toxics/nope"), 404, "toxic not found");
    }
    SECTION("400s: unknown type, bad stream, negative latency, toxicity out of range, malformed JSON") {
        const json listed = body_of(call(table, "GET", "/proxies/gateway/toxics"));
        check_error(call(table, "POST", "/proxies/gateway/toxics", R"({"type": "lag"})"), 400, "invalid toxic type");
        check_error(call(table, "POST", "/proxies/gateway/toxics", R"({"name": "t"})"), 400, "invalid toxic type");
        check_error(call(table, "POST", "/proxies/gateway/toxics", R"({"type": "latency", "stream": "sideways"})"), 400,
                    "stream was invalid, can be either upstream or downstream");
        const ApiResponse negative = call(table, "POST", "/proxies/gateway/toxics",
                                          R"({"type": "latency", "attributes": {"latency": -5}})");
        check_error(negative, 400, "bad request body");
        CHECK_THAT(body_of(negative)["error"].get<std::string>(), Catch::Contains("attributes.latency"));
        check_error(call(table, "POST", "/proxies/gateway/toxics", R"({"type": "latency", "toxicity": 2})"), 400,
                    "bad request body");
        check_error(call(table, "POST", "/proxies/gateway/toxics", R"({"type": "latency",)"), 400, "bad request body");
        check_error(call(table, "POST", "/proxies/gateway/toxics/slow_4g", R"({"attributes": {"latency": -1}})"), 400,
                    "bad request body");
        check_error(call(table, "POST", "/proxies/gateway/toxics/slow_4g", R"({"toxicity": "all"})"), 400,
                    "bad request body");
        // None of them changed anything.
        CHECK(body_of(call(table, "GET", "/proxies/gateway/toxics")) == listed);
        CHECK(table.get("gateway").find_toxic("slow_4g")->attributes["latency"] == 300.0);
    }
    SECTION("DELETE removes the toxic (204), releasing what it holds") {
        c->on_data(down, ms(30'000), bytes_of("more"));
        const std::uint64_t before = r.bytes(down);
        const ApiResponse del = call(table, "DELETE", "/proxies/gateway/toxics/slow_4g", "", ms(30'001));
        CHECK(del.status == 204);
        CHECK(del.body.empty());
        CHECK(r.bytes(down) == before + 4);
        CHECK(r.out.back().at == ms(30'001));
        check_error(call(table, "GET", "/proxies/gateway/toxics/slow_4g"), 404, "toxic not found");
        check_error(call(table, "DELETE", "/proxies/gateway/toxics/slow_4g"), 404, "toxic not found");
    }
}

TEST_CASE("a method a route does not have is 405; a path the API does not have is 404", "[link][api]") {
    ProxyTable table(1);
    call(table, "POST", "/proxies", proxy_body("gateway", "127.0.0.1:8080"));
    call(table, "POST", "/proxies/gateway/toxics", R"({"name": "t", "type": "latency"})");
    for (const auto& [method, target] : std::vector<std::pair<std::string, std::string>>{
             {"PUT", "/proxies"},
             {"DELETE", "/proxies"},
             {"PATCH", "/proxies"},
             {"GET", "/reset"},
             {"DELETE", "/reset"},
             {"GET", "/populate"},
             {"PUT", "/populate"},
             {"POST", "/version"},
             {"DELETE", "/version"},
             {"PUT", "/proxies/gateway"},
             {"PUT", "/proxies/gateway/toxics"},
             {"DELETE", "/proxies/gateway/toxics"},
             {"PATCH", "/proxies/gateway/toxics"},
             {"PUT", "/proxies/gateway/toxics/t"},
         }) {
        INFO(method << " " << target);
        CHECK(call(table, method, target).status == 405);
    }
    for (const char* target : {"/", "/proxy", "/proxies/gateway/toxic", "/proxies/gateway/toxics/t/x",
                                     "/versions", "/reset/now"}) {
        INFO(target);
        const ApiResponse r = call(table, "GET", target);
        CHECK(r.status == 404);
        CHECK(r.body == "404 page not found\n");
    }
    // Nothing was touched.
    CHECK(table.get("gateway").find_toxic("t") != nullptr);
}

TEST_CASE("a request from a browser (User-Agent Mozilla/...) is refused with 403 and changes nothing",
          "[link][api][security]") {
    ProxyTable table(1);
    call(table, "POST", "/proxies", proxy_body("gateway", "127.0.0.1:8080"));
    call(table, "POST", "/proxies/gateway/toxics", R"({"name": "t", "type": "latency"})");
    const std::string browser = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0";
    for (const auto& [method, target, body] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {"GET", "/proxies", ""},
             {"GET", "/version", ""},
             {"POST", "/reset", ""},
             {"DELETE", "/proxies/gateway", ""},
             {"POST", "/proxies", proxy_body("evil", "10.6.6.6:1")},
             {"POST", "/proxies/gateway", R"({"enabled": false})"},
         }) {
        const ApiResponse r = call(table, method, target, body, ms(0), browser);
        INFO(method << " " << target);
        CHECK(r.status == 403);
        CHECK(r.body == "User agent not allowed\n");
    }
    CHECK(table.size() == 1);
    CHECK(table.get("gateway").enabled());
    CHECK(table.get("gateway").find_toxic("t") != nullptr);
    // Only a prefix match, case and all, as Toxiproxy's strings.HasPrefix.
    CHECK(call(table, "GET", "/proxies", "", ms(0), "curl/8.5.0 (Mozilla/5.0 compatible)").status == 200);
    CHECK(call(table, "GET", "/proxies", "", ms(0), "mozilla/5.0").status == 200);
}

TEST_CASE("POST /populate creates or replaces proxies, leaves unchanged ones as they are, returns {\"proxies\": [...]}",
          "[link][api][populate]") {
    FakeListeners listeners;
    ProxyTable table(1, {}, &listeners);
    REQUIRE(call(table, "POST", "/proxies", proxy_body("gateway", "10.0.0.1:443")).status == 201);
    REQUIRE(call(table, "POST", "/proxies", proxy_body("printer", "10.0.0.7:631")).status == 201);
    call(table, "POST", "/proxies/gateway/toxics", R"({"name": "slow", "type": "latency", "attributes": {"latency": 50}})");
    call(table, "POST", "/proxies/printer/toxics", R"({"name": "thin", "type": "bandwidth", "attributes": {"rate": 10}})");
    Link* gateway = table.find("gateway");
    Link* printer = table.find("printer");
    Recorder rg, rp;
    Connection* cg = gateway->open(ms(1), &rg);
    Connection* cp = printer->open(ms(1), &rp);
    const std::string gateway_listen = gateway->listen();  // as bound: unchanged means this one
    listeners.calls.clear();

    json body = json::array();
    body.push_back({{"name", "gateway"}, {"listen", gateway_listen}, {"upstream", "10.0.0.1:443"}});  // unchanged
    body.push_back({{"name", "printer"}, {"listen", "127.0.0.1:0"}, {"upstream", "10.0.0.8:631"}});    // moved
    body.push_back({{"name", "scanner"}, {"upstream", "10.0.0.9:9100"}});                              // new
    const ApiResponse r = call(table, "POST", "/populate", body.dump(), ms(2));
    CHECK(r.status == 201);
    const json out = body_of(r);
    REQUIRE(out.contains("proxies"));
    REQUIRE(out["proxies"].size() == 3);
    CHECK(out["proxies"][0]["name"] == "gateway");  // in the order given
    CHECK(out["proxies"][1]["name"] == "printer");
    CHECK(out["proxies"][2]["name"] == "scanner");
    CHECK(out["proxies"][1]["upstream"] == "10.0.0.8:631");
    CHECK(out["proxies"][2]["listen"] != "127.0.0.1:0");  // as bound by the listeners

    // The unchanged one is the same proxy, with its toxics and its connection.
    CHECK(table.find("gateway") == gateway);
    CHECK(out["proxies"][0]["toxics"].size() == 1);
    CHECK_FALSE(cg->finished());
    cg->on_data(up, ms(3), bytes_of("still up"));
    CHECK(rg.text(up) == "still up");
    // The replaced one starts afresh: old connections closed, no toxics.
    CHECK(rp.end_kind(down) == ChunkKind::close);
    CHECK(cp != nullptr);
    CHECK(out["proxies"][1]["toxics"] == json::array());
    CHECK(listeners.calls ==
          std::vector<std::string>{"stop printer", "start printer []", "start scanner []"});
    CHECK(table.size() == 3);

    SECTION("a populate naming proxies as they are changes nothing") {
        listeners.calls.clear();
        const json again = body_of(call(table, "GET", "/proxies"));
        json same = json::array();
        for (const auto& [name, p] : again.items())
            same.push_back({{"name", name}, {"listen", p["listen"]}, {"upstream", p["upstream"]}});
        const ApiResponse r2 = call(table, "POST", "/populate", same.dump(), ms(4));
        CHECK(r2.status == 201);
        CHECK(body_of(r2)["proxies"].size() == 3);
        CHECK(listeners.calls.empty());
        CHECK(body_of(call(table, "GET", "/proxies")) == again);
    }
    SECTION("a bad proxy anywhere changes nothing, and the error comes with an empty proxies list") {
        listeners.calls.clear();
        const json before = body_of(call(table, "GET", "/proxies"));
        json bad = json::array();
        bad.push_back({{"name", "gateway"}, {"upstream", "10.9.9.9:1"}});
        bad.push_back({{"name", "kiosk-2"}, {"upstream", "10.0.0.2:80"}});
        bad.push_back({{"name", "kiosk-3"}});  // no upstream
        const ApiResponse e = call(table, "POST", "/populate", bad.dump(), ms(5));
        check_error(e, 400, "missing required field: upstream");
        CHECK(body_of(e)["proxies"] == json::array());
        bad[2]["upstream"] = "10.0.0.3:80";
        bad[2]["toxics"] = json::parse(R"([{"type": "latency", "attributes": {"latency": -1}}])");
        check_error(call(table, "POST", "/populate", bad.dump(), ms(5)), 400, "bad request body");
        check_error(call(table, "POST", "/populate", R"({"name": "x", "upstream": "y:1"})", ms(5)), 400,
                    "bad request body");
        check_error(call(table, "POST", "/populate", "[{", ms(5)), 400, "bad request body");
        CHECK(listeners.calls.empty());
        CHECK(body_of(call(table, "GET", "/proxies")) == before);
        CHECK(table.find("gateway") == gateway);
    }
}

TEST_CASE("POST /reset enables every proxy and removes every toxic (204)", "[link][api][reset]") {
    FakeListeners listeners;
    ProxyTable table(1, {}, &listeners);
    call(table, "POST", "/proxies", proxy_body("gateway", "10.0.0.1:443"));
    call(table, "POST", "/proxies", proxy_body("printer", "10.0.0.7:631"));
    call(table, "POST", "/proxies/gateway/toxics", R"({"name": "slow", "type": "latency", "attributes": {"latency": 1000}})");
    call(table, "POST", "/proxies/gateway/toxics", R"({"name": "cut", "type": "limit_data", "stream": "upstream",
                                                       "attributes": {"bytes": 10}})");
    call(table, "POST", "/proxies/printer", R"({"enabled": false})");
    Recorder r;
    Connection* c = table.get("gateway").open(ms(1), &r);
    c->on_data(down, ms(2), bytes_of("held"));
    CHECK(r.bytes(down) == 0);
    listeners.calls.clear();

    const ApiResponse reset = call(table, "POST", "/reset", "", ms(100));
    CHECK(reset.status == 204);
    CHECK(reset.body.empty());
    CHECK(listeners.calls == std::vector<std::string>{"start printer []"});
    const json all = body_of(call(table, "GET", "/proxies"));
    for (const auto& [name, p] : all.items()) {
        INFO(name);
        CHECK(p["enabled"] == true);
        CHECK(p["toxics"] == json::array());
    }
    // The open connection is released from its toxics at once, and carries data freely.
    CHECK(r.text(down) == "held");
    CHECK(r.out.back().at == ms(100));
    c->on_data(up, ms(101), bytes_of("more than ten bytes"));
    CHECK(r.text(up) == "more than ten bytes");
    Recorder r2;
    CHECK(table.get("printer").open(ms(102), &r2) != nullptr);
    // Resetting a clean table is harmless.
    listeners.calls.clear();
    CHECK(call(table, "POST", "/reset", "", ms(103)).status == 204);
    CHECK(listeners.calls.empty());
}

TEST_CASE("creating a proxy with a toxics array installs them before it starts accepting (Toxiproxy #148)",
          "[link][api][atomic]") {
    FakeListeners listeners;
    // A client that connects the instant the listener opens.
    Recorder early;
    Recorder* client = &early;
    Connection* first = nullptr;
    listeners.on_start = [&](Link& link) {
        first = link.open(ms(0), client);
        first->on_data(down, ms(0), bytes_of("hello"));
    };
    ProxyTable table(1, {}, &listeners);
    const ApiResponse r = call(table, "POST", "/proxies",
                               proxy_body("gateway", "10.0.0.1:443",
                                          R"("toxics": [
                                   {"name": "slow", "type": "latency", "attributes": {"latency": 300}},
                                   {"name": "fail", "type": "http_fault", "attributes": {"abort_status": 503}}])"));
    CHECK(r.status == 201);
    const json j = body_of(r);
    REQUIRE(j["toxics"].size() == 2);
    CHECK(j["toxics"][0]["name"] == "fail");  // upstream first
    CHECK(j["toxics"][1]["name"] == "slow");
    CHECK(j["listen"] == "127.0.0.1:26379");
    // start() ran once, with both toxics in place: the first client met them.
    CHECK(listeners.calls == std::vector<std::string>{"start gateway [fail slow ]"});
    REQUIRE(first != nullptr);
    CHECK(early.bytes(down) == 0);
    run_until(*first, ms(1000));
    CHECK(early.out.back().at == ms(300));

    SECTION("a bad toxic in the array leaves no proxy behind and never starts it") {
        listeners.calls.clear();
        const ApiResponse bad = call(table, "POST", "/proxies",
                                     proxy_body("printer", "10.0.0.7:631",
                                                R"("toxics": [{"name": "ok", "type": "latency"},
                                                              {"name": "bad", "type": "latency",
                                                               "attributes": {"latency": -1}}])"));
        check_error(bad, 400, "bad request body");
        CHECK_THAT(body_of(bad)["error"].get<std::string>(), Catch::Contains("attributes.latency"));
        check_error(call(table, "POST", "/proxies",
                         proxy_body("printer", "10.0.0.7:631", R"("toxics": [{"type": "nonsense"}])")),
                    400, "invalid toxic type");
        check_error(call(table, "POST", "/proxies",
                         proxy_body("printer", "10.0.0.7:631",
                                    R"("toxics": [{"name": "t", "type": "latency"}, {"name": "t", "type": "timeout"}])")),
                    409, "toxic already exists");
        check_error(call(table, "POST", "/proxies",
                         proxy_body("printer", "10.0.0.7:631",
                                    R"("toxics": [{"type": "latency", "attributes": {"schedule": "every day 25:00-26:00"}}])")),
                    400, "bad request body: attributes.schedule");
        check_error(call(table, "POST", "/proxies", proxy_body("printer", "10.0.0.7:631", R"("toxics": {"a": 1})")), 400,
                    "bad request body");
        CHECK(listeners.calls.empty());
        check_error(call(table, "GET", "/proxies/printer"), 404, "proxy not found");
        CHECK(table.size() == 1);
        // The name was never taken.
        CHECK(call(table, "POST", "/proxies", proxy_body("printer", "10.0.0.7:631")).status == 201);
    }
    SECTION("populate installs toxics before start too") {
        listeners.calls.clear();
        first = nullptr;
        Recorder late;
        client = &late;
        const ApiResponse p = call(table, "POST", "/populate",
                                   R"([{"name": "scanner", "upstream": "10.0.0.9:9100",
                                        "toxics": [{"name": "cut", "type": "timeout", "attributes": {"timeout": 0}}]}])");
        CHECK(p.status == 201);
        CHECK(listeners.calls == std::vector<std::string>{"start scanner [cut ]"});
        REQUIRE(first != nullptr);
        run_until(*first, ms(100'000));
        CHECK(late.out.empty());  // the black hole got it
    }
}

TEST_CASE("a Listeners::start that throws is a 500 with its reason and leaves no proxy", "[link][api][atomic]") {
    FakeListeners listeners;
    listeners.failing.insert("gateway");
    ProxyTable table(1, {}, &listeners);
    const ApiResponse r = call(table, "POST", "/proxies",
                               proxy_body("gateway", "10.0.0.1:443", R"("toxics": [{"type": "latency"}])"));
    check_error(r, 500, "listen tcp 127.0.0.1:0: bind: address already in use");
    CHECK(listeners.calls == std::vector<std::string>{"start gateway [latency_downstream ]"});
    CHECK(table.find("gateway") == nullptr);
    CHECK(table.size() == 0);
    check_error(call(table, "GET", "/proxies/gateway"), 404, "proxy not found");

    // Once the address is free, the same request succeeds.
    listeners.failing.clear();
    CHECK(call(table, "POST", "/proxies", proxy_body("gateway", "10.0.0.1:443")).status == 201);

    SECTION("re-enabling a proxy whose start fails leaves it disabled") {
        call(table, "POST", "/proxies/gateway", R"({"enabled": false})");
        listeners.failing.insert("gateway");
        check_error(call(table, "POST", "/proxies/gateway", R"({"enabled": true})"), 500, "listen tcp");
        CHECK_FALSE(table.get("gateway").enabled());
        Recorder rec;
        CHECK(table.get("gateway").open(ms(1), &rec) == nullptr);
    }
    SECTION("populate: a proxy whose start fails is not created") {
        listeners.failing.insert("printer");
        const ApiResponse p =
            call(table, "POST", "/populate", R"([{"name": "printer", "upstream": "10.0.0.7:631"}])");
        check_error(p, 500, "listen tcp");
        CHECK(table.find("printer") == nullptr);
        CHECK(table.find("gateway") != nullptr);
    }
}

TEST_CASE("a request body that is not UTF-8, or an error quoting a cut multi-byte character, is a 400, never a throw",
          "[link][api]") {
    // Both error messages once held bytes json::dump() refuses (type_error.316),
    // and handle_api threw from its own catch handler.
    ProxyTable table(1);
    call(table, "POST", "/proxies", proxy_body("gateway", "10.0.0.1:443"));
    std::string raw = "\xff\xfe{";
    std::string cut = R"({"type": "bandwidth", "attributes": {"rate": ")";
    cut.append(35, 'a').append("\xc3\xa9\xc3\xa9\xc3\xa9\"}}");  // "é" straddles the 37-byte cut of the quote
    for (const std::string& body : {raw, cut}) {
        ApiResponse r;
        REQUIRE_NOTHROW(r = call(table, "POST", "/proxies/gateway/toxics", body));
        check_error(r, 400, "bad request body");
        CHECK_NOTHROW(json::parse(r.body));  // valid JSON (and so valid UTF-8)
    }
    CHECK(body_of(call(table, "GET", "/proxies/gateway/toxics")) == json::array());
}

TEST_CASE("after any bad request the table still serves: a good request works, an open connection carries data",
          "[link][api]") {
    FakeListeners listeners;
    ProxyTable table(1, {}, &listeners);
    call(table, "POST", "/proxies", proxy_body("gateway", "10.0.0.1:443"));
    call(table, "POST", "/proxies/gateway/toxics", R"({"name": "slow", "type": "latency", "attributes": {"latency": 10}})");
    Recorder r;
    Connection* c = table.get("gateway").open(ms(0), &r);
    const json before = body_of(call(table, "GET", "/proxies"));
    listeners.calls.clear();

    const std::vector<ApiRequest> bad{
        {"POST", "/proxies", "", ""},
        {"POST", "/proxies", "\xff\xfe", ""},
        {"POST", "/proxies", "null", ""},
        {"POST", "/proxies", proxy_body("gateway", "10.0.0.2:1"), ""},
        {"POST", "/proxies/gateway", R"({"listen": 7})", ""},
        {"POST", "/proxies/gateway/toxics", R"({"type": "latency", "attributes": [1]})", ""},
        {"POST", "/proxies/gateway/toxics", R"({"type": "slicer", "attributes": {"average_size": 0}})", ""},
        {"POST", "/proxies/gateway/toxics", R"({"name": "slow", "type": "latency"})", ""},
        {"POST", "/proxies/gateway/toxics/slow", R"({"attributes": {"latency": "x"}})", ""},
        {"POST", "/populate", R"([{"name": "gateway"}])", ""},
        {"GET", "/proxies/none", "", ""},
        {"DELETE", "/proxies/none/toxics/slow", "", ""},
        {"BREW", "/proxies", "", ""},
        {"POST", "/reset", "", "Mozilla/5.0"},
        {"GET", "/../../etc/passwd", "", ""},
    };
    for (const ApiRequest& req : bad) {
        const ApiResponse resp = link::handle_api(table, req, ms(1));
        INFO(req.method << " " << req.target << " " << req.body << " -> " << resp.status << " " << resp.body);
        CHECK(resp.status >= 400);
        CHECK(resp.status < 500);
    }
    CHECK(listeners.calls.empty());
    CHECK(body_of(call(table, "GET", "/proxies")) == before);
    // The open connection still carries data, through its toxic.
    c->on_data(down, ms(2), bytes_of("still"));
    run_until(*c, ms(100));
    CHECK(r.text(down) == "still");
    CHECK(r.out.back().at == ms(12));
    // And a good request works.
    CHECK(call(table, "POST", "/proxies/gateway/toxics/slow", R"({"attributes": {"latency": 20}})").status == 200);
    CHECK(call(table, "POST", "/proxies", proxy_body("printer", "10.0.0.7:631")).status == 201);
    CHECK(table.size() == 2);
}

TEST_CASE("an http_fault toxic's JSON carries Envoy's fault counters under \"stats\"", "[link][api][http_fault]") {
    ProxyTable table(1);
    REQUIRE(call(table, "POST", "/proxies", proxy_body("gateway", "127.0.0.1:8080")).status == 201);
    const ApiResponse added = call(table, "POST", "/proxies/gateway/toxics",
                                   R"({"name": "fail", "type": "http_fault",
                                       "attributes": {"abort_status": 503, "path_prefix": "/api", "first_n": 2}})");
    REQUIRE(added.status == 200);
    CHECK(body_of(added)["stats"] == json::parse(R"({"requests": 0, "aborts_injected": 0, "delays_injected": 0,
                                                    "response_rl_injected": 0})"));
    call(table, "POST", "/proxies/gateway/toxics", R"({"name": "slow", "type": "latency"})");
    Recorder r;
    Connection* c = table.get("gateway").open(ms(0), &r);
    const std::string get = "GET /api/x HTTP/1.1\r\nHost: a\r\n\r\n";
    c->on_data(up, ms(1), bytes_of(get + get + get + "GET /other HTTP/1.1\r\n\r\n"));
    const json shown = body_of(call(table, "GET", "/proxies/gateway/toxics/fail"));
    CHECK(shown["stats"]["requests"] == 3);  // matching ones
    CHECK(shown["stats"]["aborts_injected"] == 2);
    const json list = body_of(call(table, "GET", "/proxies/gateway/toxics"));
    CHECK(list[0]["stats"] == shown["stats"]);
    CHECK_FALSE(list[1].contains("stats"));
    CHECK(body_of(call(table, "GET", "/proxies/gateway"))["toxics"] == list);
    // Several http_fault toxics nest: each has its own counters.
    const ApiResponse second = call(table, "POST", "/proxies/gateway/toxics",
                                    R"({"name": "throttle", "type": "http_fault", "attributes": {"throttle": 10}})");
    CHECK(second.status == 200);
    CHECK(body_of(second)["stats"]["requests"] == 0);
}

TEST_CASE("POST /populate naming one proxy twice is a 400 and changes nothing", "[link][api][populate]") {
    FakeListeners listeners;
    ProxyTable table(1, {}, &listeners);
    std::string body = "[";
    body.append(proxy_body("dd", "127.0.0.1:9")).append(",").append(proxy_body("dd", "127.0.0.1:10")).append("]");
    const ApiResponse r = call(table, "POST", "/populate", body);
    CHECK(r.status == 400);
    const json j = body_of(r);
    CHECK(j["error"].get<std::string>().find("duplicate proxy name \"dd\"") != std::string::npos);
    CHECK(j["proxies"] == json::array());
    CHECK(table.size() == 0);
    CHECK(listeners.calls.empty());
}

TEST_CASE("GET /metrics gives Prometheus text with Toxiproxy's byte counters", "[link][api][metrics]") {
    ProxyTable table(1);
    REQUIRE(call(table, "POST", "/proxies", proxy_body("printer", "127.0.0.1:9100")).status == 201);
    Recorder rec;
    Connection* c = table.get("printer").open(ms(0), &rec);
    REQUIRE(c != nullptr);
    c->on_data(up, ms(1), link::Bytes{0x10, 0x04, 0x01});
    c->on_data(down, ms(2), link::Bytes{0x12});
    const ApiResponse r = call(table, "GET", "/metrics");
    CHECK(r.status == 200);
    CHECK(r.content_type.rfind("text/plain", 0) == 0);
    INFO(r.body);
    CHECK(r.body.find("# TYPE toxiproxy_proxy_sent_bytes_total counter") != std::string::npos);
    CHECK(r.body.find("toxiproxy_proxy_sent_bytes_total{direction=\"upstream\",listener=\"127.0.0.1:0\",proxy=\"printer\","
                      "upstream=\"127.0.0.1:9100\"} 3") != std::string::npos);
    CHECK(r.body.find("toxiproxy_proxy_sent_bytes_total{direction=\"downstream\",listener=\"127.0.0.1:0\",proxy=\"printer\","
                      "upstream=\"127.0.0.1:9100\"} 1") != std::string::npos);
    CHECK(r.body.find("kiosktwin_link_connections_opened_total{listener=\"127.0.0.1:0\",proxy=\"printer\","
                      "upstream=\"127.0.0.1:9100\"} 1") != std::string::npos);
    CHECK(call(table, "POST", "/metrics").status == 405);
}

}  // namespace link_toxiproxy_api_test
