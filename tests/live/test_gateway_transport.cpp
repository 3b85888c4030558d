// LiveGatewayTransport against a local stand-in for the gateway that checks
// every request with the platform's own verifier (api::Verifier: key,
// timestamp window against the wall clock on the platform calendar, nonce
// replay, HMAC) — R-8.1-1 signing, R-9.2-1 replay protection — and answers
// envelopes (R-8.2-1): success, an error with its stable id, and a body that
// is no envelope. Also the keys file and the endpoints file as a live kiosk
// reads them.
#include "live_support.hpp"

#include <kiosktwin/api/envelope.hpp>
#include <kiosktwin/api/signing.hpp>
#include <kiosktwin/live/endpoints.hpp>
#include <kiosktwin/live/gateway_transport.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <set>
#include <vector>

namespace live_gateway_transport_test {

using namespace kiosktwin;
using namespace std::chrono_literals;
using live_test::Answer;
using nlohmann::json;

namespace {

template <class T>
void run_until_done(live::LivePacer& pacer, const sim::ProcessHandle<T>& p) {
    REQUIRE(pacer.run(5s, [&] { return p.done(); }) == live::PacerStop::condition);
}

}  // namespace

TEST_CASE("gateway transport: requests are signed as the platform verifies them; envelopes come back parsed [R-8.1-1]",
          "[gateway][R-8.1-1][R-9.2-1]") {
    sim::Simulation sim;
    live::LivePacer pacer(sim);
    const sim::Calendar calendar;
    api::Verifier verifier(calendar);
    verifier.add_key("kiosk-0001", "s3cret");
    std::vector<std::string> refusals;
    std::set<std::string> nonces;
    std::vector<std::string> idempotency;
    live_test::HttpServer gateway(pacer.io(), [&](const live_test::Request& r) {
        const api::VerifyResult v = verifier.verify({r.method, r.target, r.body}, r.headers, live::platform_now(calendar));
        if (!v.ok()) {
            refusals.push_back(v.code);
            return Answer::json(401, api::envelope::error(api::ErrorCode::auth_bad_signature, {}, v.message).dump());
        }
        nonces.insert(r.headers.at("x-kiosk-nonce"));
        idempotency.push_back(r.headers.count("idempotency-key") ? r.headers.at("idempotency-key") : "");
        if (r.target == "/api/v1/terminals/self") return Answer::json(200, api::envelope::success({{"terminal_id", "KT-0001"}}).dump());
        if (r.target == "/api/v1/broken") return Answer::json(200, "<html>not an envelope</html>");
        return Answer::json(404, api::envelope::error(api::ErrorCode::not_found, "/params/case_no", "no such 办件").dump());
    });
    live::LiveGatewayTransport transport(pacer, "http://127.0.0.1:" + std::to_string(gateway.port()),
                                         {"kiosk-0001", "s3cret", "kiosk"}, calendar);
    std::vector<kiosk::GatewayReply> got;
    auto work = [&]() -> sim::Process<void> {
        kiosk::GatewayRequest self;
        self.target = "/api/v1/terminals/self";
        got.push_back(co_await transport.send(self, 2s));
        kiosk::GatewayRequest create;
        create.method = "POST";
        create.target = "/api/v1/applications/X-1/submit";
        create.body = {{"yes", json::array()}};
        create.idempotency_key = "KT-0001-b1-s1-submit";
        got.push_back(co_await transport.send(create, 2s));
        kiosk::GatewayRequest broken;
        broken.target = "/api/v1/broken";
        got.push_back(co_await transport.send(broken, 2s));
    };
    auto p = sim.spawn(work());
    run_until_done(pacer, p);
    INFO("refusals: " << refusals.size() << (refusals.empty() ? "" : " first " + refusals.front()));
    CHECK(refusals.empty());
    REQUIRE(got.size() == 3);
    CHECK(got[0].ok());
    CHECK(got[0].http_status == 200);
    CHECK(got[0].data["terminal_id"] == "KT-0001");
    CHECK_FALSE(got[1].ok());
    CHECK_FALSE(got[1].unreachable());
    CHECK(got[1].http_status == 404);
    CHECK(got[1].error == "resource.not_found");
    CHECK(got[1].reason() == "resource.not_found");
    CHECK(got[2].code == -1);
    CHECK(got[2].error == "malformed-envelope");
    CHECK(nonces.size() == 3);  // a fresh nonce each time
    REQUIRE(idempotency.size() == 3);
    CHECK(idempotency[1] == "KT-0001-b1-s1-submit");
    CHECK(transport.calls() == 3);

    // A second transport with the same key never repeats the first's nonces.
    live::LiveGatewayTransport again(pacer, "http://127.0.0.1:" + std::to_string(gateway.port()),
                                     {"kiosk-0001", "s3cret", "kiosk"}, calendar);
    std::optional<kiosk::GatewayReply> r;
    auto second = [&]() -> sim::Process<void> {
        kiosk::GatewayRequest self;
        self.target = "/api/v1/terminals/self";
        r = co_await again.send(self, 2s);
    };
    auto q = sim.spawn(second());
    run_until_done(pacer, q);
    REQUIRE(r);
    CHECK(r->ok());
    CHECK(refusals.empty());
}

TEST_CASE("gateway transport: no gateway is a transport failure, never an exception", "[gateway]") {
    sim::Simulation sim;
    live::LivePacer pacer(sim);
    live::LiveGatewayTransport transport(pacer, "http://127.0.0.1:" + std::to_string(live_test::closed_port(pacer.io())),
                                         {"kiosk-0001", "s", "kiosk"});
    std::optional<kiosk::GatewayReply> r;
    auto work = [&]() -> sim::Process<void> {
        kiosk::GatewayRequest self;
        self.target = "/api/v1/terminals/self";
        r = co_await transport.send(self, 2s);
    };
    auto p = sim.spawn(work());
    run_until_done(pacer, p);
    REQUIRE(r);
    CHECK(r->unreachable());
    CHECK(r->transport == kiosk::ChannelError::refused);
    CHECK(r->reason() == "link-down");
    CHECK_THROWS_AS(live::LiveGatewayTransport(pacer, "ftp://x", {"k", "s", "kiosk"}), std::invalid_argument);
}

TEST_CASE("keys: a kiosk's key by its bench name, the admin key by role", "[keys]") {
    const json doc = {{"keys",
                       {{{"key_id", "kiosk-0001"}, {"secret", "a"}, {"role", "kiosk"}},
                        {{"key_id", "kiosk-0012"}, {"secret", "b"}, {"role", "kiosk"}},
                        {{"key_id", "admin-0001"}, {"secret", "c"}, {"role", "admin"}}}}};
    const auto keys = live::keys_from_json(doc);
    REQUIRE(keys.size() == 3);
    CHECK(live::kiosk_key_id("kiosk-1") == "kiosk-0001");
    CHECK(live::kiosk_key_id("kiosk-12") == "kiosk-0012");
    CHECK_FALSE(live::kiosk_key_id("printer-1"));
    CHECK_FALSE(live::kiosk_key_id("kiosk-"));
    const live::SigningKey* k = live::find_key(keys, "kiosk-0012");
    REQUIRE(k != nullptr);
    CHECK(k->secret == "b");
    const live::SigningKey* admin = live::find_key(keys, {}, "admin");
    REQUIRE(admin != nullptr);
    CHECK(admin->key_id == "admin-0001");
    CHECK(live::find_key(keys, "kiosk-0099") == nullptr);
    CHECK_THROWS_WITH(live::keys_from_json({{"keys", {{{"key_id", "x"}}}}}), Catch::Contains("/keys/0/secret"));
    CHECK_THROWS_AS(live::load_keys("/nonexistent/keys.json"), std::invalid_argument);
}

TEST_CASE("endpoints: a kiosk's devices by kind, through their link proxies unless direct", "[endpoints]") {
    // What `kiosktwin serve --port-base 9090` writes, abridged.
    const json doc = json::parse(R"({
      "control": "http://127.0.0.1:9090",
      "kiosks": [{"id": "kiosk-1", "endpoints": [
        {"device": "kiosk-1/idcard", "kind": "idcard_reader", "transport": "serial",
         "address": "/tmp/run/kiosk-1/idcard", "pty": "/dev/pts/7", "baud": 115200},
        {"device": "kiosk-1/receipt", "kind": "receipt_printer", "transport": "tcp", "address": "127.0.0.1:9100", "port": 9100},
        {"service": "ipp", "transport": "http", "protocol": "ipp", "address": "ipp://127.0.0.1:9101/ipp/print", "port": 9101,
         "devices": [{"device": "kiosk-1/a4", "kind": "a4_printer", "path": "/ipp/print"}]},
        {"service": "local_service", "transport": "http", "protocol": "http-json", "address": "http://127.0.0.1:9102", "port": 9102,
         "devices": [{"device": "kiosk-1/face", "kind": "face_camera", "path": "/camera/face"},
                     {"device": "kiosk-1/document", "kind": "document_camera", "path": "/camera/document"}]}]}],
      "links": {"api": "http://127.0.0.1:8474", "proxies": [
        {"name": "kiosk-1-gateway", "listen": "127.0.0.1:9108", "upstream": "127.0.0.1:8480", "enabled": true},
        {"name": "kiosk-1-ipp", "listen": "127.0.0.1:9106", "upstream": "127.0.0.1:9101", "enabled": true},
        {"name": "kiosk-1-receipt", "listen": "127.0.0.1:9105", "upstream": "127.0.0.1:9100", "enabled": false}]},
      "gateway": {"url": "http://127.0.0.1:8480"}})");
    const auto ep = live::KioskEndpoints::from_json(doc, "kiosk-1");
    CHECK(ep.control == "http://127.0.0.1:9090");
    CHECK(ep.gateway == "http://127.0.0.1:9108");
    CHECK(ep.gateway_via_link);
    CHECK(ep.gateway_direct == "http://127.0.0.1:8480");
    const auto* card = ep.device("idcard_reader");
    REQUIRE(card != nullptr);
    CHECK(card->path == "/tmp/run/kiosk-1/idcard");
    CHECK(card->baud == 115200);
    const auto* receipt = ep.device("receipt_printer");
    REQUIRE(receipt != nullptr);
    CHECK(receipt->port == 9105);  // through its proxy, disabled or not: that is the link being down
    CHECK(receipt->via_link);
    const auto* a4 = ep.device("a4_printer");
    REQUIRE(a4 != nullptr);
    CHECK(a4->port == 9106);
    CHECK(a4->prefix == "/ipp/print");
    const auto* face = ep.device("face_camera");
    REQUIRE(face != nullptr);
    CHECK(face->port == 9102);  // no proxy listed for the local service
    CHECK_FALSE(face->via_link);
    CHECK(face->prefix == "/camera/face");
    CHECK(face->device == "kiosk-1/face");

    const auto direct = live::KioskEndpoints::from_json(doc, "kiosk-1", false);
    CHECK(direct.gateway == "http://127.0.0.1:8480");
    CHECK(direct.device("receipt_printer")->port == 9100);
    CHECK(live::KioskEndpoints::kiosks(doc) == std::vector<std::string>{"kiosk-1"});
    CHECK_THROWS_WITH(live::KioskEndpoints::from_json(doc, "kiosk-2"), Catch::Contains("no kiosk kiosk-2"));
    CHECK_THROWS_WITH(live::KioskEndpoints::from_json(json::object(), "kiosk-1"), Catch::Contains("/kiosks"));
}

}  // namespace live_gateway_transport_test
