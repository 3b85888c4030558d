// LiveHands: a citizen's physical actions go to `serve`'s control API as
// world::VirtualHands sends them to the models, and the simulation is held
// until each is acknowledged — in virtual time a hand takes no time, so live
// the kiosk must not look for a card the hand has not put down yet. A
// payment goes to the gateway's payment-channel route, signed.
#include "live_support.hpp"

#include <kiosktwin/live/hands.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <vector>

namespace live_hands_test {

using namespace kiosktwin;
using namespace std::chrono_literals;
using live_test::Answer;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

TEST_CASE("hands: actions reach the control API in order, and the simulation waits for each", "[hands]") {
    sim::Simulation sim;
    live::LivePacer pacer(sim);
    Clock::time_point acked{};
    live_test::HttpServer control(pacer.io(), [&](const live_test::Request& r) {
        if (r.target == "/devices/kiosk-1/idcard/actions") {
            acked = Clock::now() + 150ms;
            return Answer::json(200, R"({"ok":true})", 150ms);  // a slow control API
        }
        if (r.target == "/devices/kiosk-1/face/actions") return Answer::json(400, R"({"error":{"code":"action_failed"}})");
        return Answer::json(200, R"({"ok":true})");
    });
    std::vector<std::string> seen_order;
    live_test::HttpServer gateway(pacer.io(), [&](const live_test::Request& r) {
        seen_order.push_back(r.method + " " + r.target + " " + r.headers.at("x-kiosk-key-id") + " " + r.body);
        return Answer::json(200, R"({"code":0,"msg":"ok","data":{}})");
    });
    live::KioskEndpoints ep;
    ep.kiosk = "kiosk-1";
    ep.control = "http://127.0.0.1:" + std::to_string(control.port());
    live::DeviceEndpoint card;
    card.device = "kiosk-1/idcard";
    card.kind = "idcard_reader";
    live::DeviceEndpoint face;
    face.device = "kiosk-1/face";
    face.kind = "face_camera";
    ep.devices = {card, face};
    live::LiveGatewayTransport platform(pacer, "http://127.0.0.1:" + std::to_string(gateway.port()),
                                        {"admin-0001", "secret", "admin"});
    std::vector<std::string> log;
    live::LiveHands hands(pacer, ep, &platform, [&](const std::string& l) { log.push_back(l); });

    Clock::time_point looked{};
    kiosk::CitizenIdentity who{"林晨璐", "310101197410276005", "2", "19741027", 42, {}};
    auto citizen = [&]() -> sim::Process<void> {
        hands.insert_card(who);
        co_await sim.delay(1ms);  // the kiosk's next look at the reader
        looked = Clock::now();
        hands.present_face(who, true);
        hands.pay("PAY-1");
        co_await sim.delay(1ms);
    };
    auto p = sim.spawn(citizen());
    REQUIRE(pacer.run(5s, [&] { return p.done() && !pacer.held(); }) == live::PacerStop::condition);
    CHECK(looked >= acked);  // held until the card was down
    REQUIRE(control.seen.size() == 2);
    const json action = json::parse(control.seen[0].body);
    CHECK(action["action"] == "insert_card");
    CHECK(action["card"]["id_number"] == "310101197410276005");
    CHECK(action["replace"] == true);
    CHECK(json::parse(control.seen[1].body)["subject"] == "live");
    REQUIRE(seen_order.size() == 1);
    CHECK(seen_order[0] == R"(POST /admin/v1/payments/PAY-1/paid admin-0001 {"channel_txn":"WXPAY-1"})");
    CHECK(hands.actions() == 3);
    CHECK(hands.failures() == 1);  // the refused face action: logged, not thrown
    REQUIRE(log.size() == 1);
    CHECK(log[0].find("kiosk-1/face present_face failed") != std::string::npos);
    CHECK_FALSE(hands.act("receipt_printer", {{"action", "take_receipt"}}));  // no such device here
}

}  // namespace live_hands_test
