// The simple status devices behind the local HTTP service (R-8.3-1): signature
// pad (H6), fingerprint sensor (H7), social-security card reader (H8) and PIN
// pad (H11), with R-7.2-1 statuses, R-8.2-1 envelopes and R-9.3-1 masking,
// fed directly in virtual time.
#include <kiosktwin/devices/status_devices.hpp>
#include <kiosktwin/devices/trace.hpp>
#include <kiosktwin/protocol/base64.hpp>
#include <kiosktwin/protocol/citizen_id.hpp>

#include "device_calls.hpp"

#include <catch2/catch.hpp>

#include <regex>

namespace devices_status_devices_test {

using namespace kiosktwin;
using namespace kiosktwin::devices;
using namespace std::chrono_literals;
using nlohmann::json;
namespace proto = kiosktwin::protocol;

namespace {

sim::Time at(sim::Duration d) { return sim::Time{d}; }

using test::Answer;
using test::act;
using test::call;
using test::error_code;
using test::fault;
using test::get;
using test::post;


}  // namespace

// --- Signature pad -----------------------------------------------------------------------

TEST_CASE("signature pad: start, sign, and the result is a PNG with its trajectory (H6)", "[signature_pad]") {
    SignaturePad pad("k1/sig", 1);
    CHECK(pad.kind() == "signature_pad");
    CHECK(pad.path_prefix() == "/device/signature");
    CHECK(get(pad, at(0s), "/device/signature/result").status == 409);  // nothing started
    Answer a = post(pad, at(0s), "/device/signature/start");
    CHECK(a.body["data"]["state"] == "signing");
    CHECK(a.body["data"]["timeout_s"] == 60);
    CHECK(post(pad, at(1s), "/device/signature/start").status == 409);  // session_active
    CHECK(get(pad, at(2s), "/device/signature/result").body["data"]["state"] == "signing");
    CHECK(get(pad, at(2s), "/device/signature/status").body["data"]["state"] == "signing");

    act(pad, at(3s), json{{"action", "sign"}, {"strokes", 2}});
    a = get(pad, at(4s), "/device/signature/result");
    REQUIRE(a.status == 200);
    const json& d = a.body["data"];
    CHECK(d["state"] == "done");
    CHECK(d["strokes"] == 2);
    CHECK(d["width"] == 240);
    CHECK(d["height"] == 96);
    CHECK(d["points"].size() == 50);  // 24 samples and a pen-up per stroke
    CHECK(d["points"][0].size() == 4);
    CHECK(d["duration_ms"].get<double>() > 500);
    const auto png = proto::base64_decode(d["image"].get<std::string>());
    REQUIRE(png.has_value());
    CHECK((*png)[1] == 'P');

    CHECK(post(pad, at(5s), "/device/signature/clear").body["data"]["state"] == "idle");
    CHECK(get(pad, at(5s), "/device/signature/result").status == 409);
    CHECK_FALSE(pad.act(at(6s), json{{"action", "sign"}}).ok);  // not started
}

TEST_CASE("signature pad: given points, pen-ups split strokes; a wait times out with 504", "[signature_pad][timing]") {
    SignaturePad pad("k1/sig", 1);
    post(pad, at(0s), "/device/signature/start", json{{"timeout_s", 5}});
    CHECK(pad.next_wakeup() == at(5s));
    act(pad, at(1s),
        json{{"action", "sign"},
             {"points", json::array({json::array({10, 10, 0.5, 0}), json::array({50, 40, 0.6, 100}), json::array({50, 40, 0, 110}),
                                     json::array({100, 20, 0.7, 300}), json::array({150, 60, 0.7, 420})})}});
    const json d = get(pad, at(2s), "/device/signature/result").body["data"];
    CHECK(d["strokes"] == 2);
    CHECK(d["duration_ms"] == 420);
    CHECK_FALSE(pad.act(at(2s), json{{"action", "sign"}, {"points", json::array({json::array({1, 2})})}}).ok);

    post(pad, at(10s), "/device/signature/start", json{{"timeout_s", 5}});
    pad.on_wakeup(at(15s));
    const Answer a = get(pad, at(16s), "/device/signature/result");
    CHECK(a.status == 504);
    CHECK(a.body["code"] == 50401);
    CHECK_FALSE(pad.act(at(16s), json{{"action", "sign"}}).ok);
    CHECK(post(pad, at(16s), "/device/signature/start", json{{"timeout_s", 0}}).status == 400);
}

TEST_CASE("signature pad faults: not_connected, empty_signature on the nth sign, pen_lost, timeout",
          "[signature_pad][faults]") {
    SignaturePad pad("k1/sig", 1);
    fault(pad, at(0s), json{{"fault", "not_connected"}, {"trigger", "window"}, {"at_s", 0}, {"duration_s", 10}});
    CHECK(pad.status(at(1s)) == DeviceStatus{Health::absent, {"not-connected"}});
    CHECK(post(pad, at(1s), "/device/signature/start").status == 503);
    CHECK(get(pad, at(1s), "/device/signature/status").body["data"]["health"] == "ABSENT");
    CHECK(pad.status(at(10s)).health == Health::ok);

    fault(pad, at(10s), json{{"fault", "empty_signature"}, {"trigger", "nth"}, {"n", 2}, {"operation", "sign"}});
    for (int i = 0; i < 3; ++i) {
        const sim::Time t = at(20s) + std::chrono::seconds(10 * i);
        post(pad, t, "/device/signature/start");
        act(pad, t + 1s, json{{"action", "sign"}});
        const Answer a = get(pad, t + 2s, "/device/signature/result");
        CHECK(a.status == (i == 1 ? 422 : 200));
        if (i == 1) CHECK(error_code(a) == "empty_signature");
    }

    SignaturePad lost("k1/sig", 1);
    fault(lost, at(0s), json{{"fault", "pen_lost"}});
    CHECK(lost.status(at(0s)) == DeviceStatus{Health::warn, {"pen-lost"}});
    post(lost, at(0s), "/device/signature/start");
    CHECK_FALSE(lost.act(at(1s), json{{"action", "sign"}}).ok);

    SignaturePad slow("k1/sig", 1);
    fault(slow, at(0s), json{{"fault", "timeout"}});
    post(slow, at(0s), "/device/signature/start", json{{"timeout_s", 3}});
    CHECK(act(slow, at(1s), json{{"action", "sign"}}).data["accepted"] == false);
    CHECK(get(slow, at(2s), "/device/signature/result").body["data"]["state"] == "signing");
    CHECK(get(slow, at(3s), "/device/signature/result").status == 504);
}

// --- Fingerprint sensor ------------------------------------------------------------------------

TEST_CASE("fingerprint: init, capture waits for a finger, then quality and a template (H7)", "[fingerprint_sensor]") {
    FingerprintSensor fp("k1/fp", 1);
    Answer a = post(fp, at(0s), "/device/fingerprint/capture");
    CHECK(a.status == 409);
    CHECK(error_code(a) == "not_initialised");
    CHECK(post(fp, at(0s), "/device/fingerprint/init").body["data"]["initialised"] == true);
    a = post(fp, at(1s), "/device/fingerprint/capture");
    CHECK(a.body["data"]["state"] == "capturing");
    CHECK(fp.next_wakeup() == at(16s));
    act(fp, at(2s), json{{"action", "place_finger"}, {"quality", 85}});
    CHECK(fp.next_wakeup() == at(2s + 600ms));
    CHECK(get(fp, at(2s + 599ms), "/device/fingerprint/result").body["data"]["state"] == "capturing");
    a = get(fp, at(2s + 600ms), "/device/fingerprint/result");
    const json d = a.body["data"];
    CHECK(d["state"] == "done");
    CHECK(d["quality"].get<int>() == Approx(85).margin(12));
    CHECK(d["accepted"] == true);
    const auto tpl = proto::base64_decode(d["template"].get<std::string>());
    REQUIRE(tpl.has_value());
    CHECK(tpl->size() == 512);
    const json cmp = post(fp, at(3s), "/device/fingerprint/compare", json{{"template", proto::base64_encode(Bytes(400, 9))}})
                         .body["data"];
    CHECK(cmp["matched"] == true);
    CHECK(cmp["score"].get<double>() >= 0.6);

    // The same finger again (already on the sensor): ready after the capture latency, same template.
    post(fp, at(4s), "/device/fingerprint/capture");
    CHECK(get(fp, at(4s + 600ms), "/device/fingerprint/result").body["data"]["template"] == d["template"]);
    // Someone else's finger does not match.
    act(fp, at(10s), json{{"action", "place_finger"}, {"match", false}});
    post(fp, at(10s), "/device/fingerprint/capture");
    CHECK(get(fp, at(11s), "/device/fingerprint/result").body["data"]["template"] != d["template"]);
    CHECK(post(fp, at(11s), "/device/fingerprint/compare", json{{"template", "AAAA"}}).body["data"]["matched"] == false);
    CHECK(post(fp, at(11s), "/device/fingerprint/compare", json::object()).status == 400);
}

TEST_CASE("fingerprint: no finger within the timeout is 504; close needs init again", "[fingerprint_sensor][timing]") {
    FingerprintSensor fp("k1/fp", 1);
    post(fp, at(0s), "/device/fingerprint/init");
    CHECK(post(fp, at(0s), "/device/fingerprint/compare", json{{"template", "AAAA"}}).status == 409);  // nothing captured
    post(fp, at(0s), "/device/fingerprint/capture", json{{"timeout_s", 4}});
    CHECK(post(fp, at(1s), "/device/fingerprint/capture").status == 409);
    fp.on_wakeup(at(4s));
    CHECK(get(fp, at(4s), "/device/fingerprint/result").status == 504);
    act(fp, at(5s), json{{"action", "place_finger"}});  // too late
    CHECK(get(fp, at(6s), "/device/fingerprint/result").status == 504);
    post(fp, at(7s), "/device/fingerprint/close");
    CHECK(post(fp, at(7s), "/device/fingerprint/capture").status == 409);
    CHECK_FALSE(fp.act(at(7s), json{{"action", "place_finger"}, {"quality", 101}}).ok);
}

TEST_CASE("fingerprint faults: dry and wet fingers, a dirty sensor, no finger detected, not initialised",
          "[fingerprint_sensor][faults]") {
    const auto quality = [](const json& rule) {
        FingerprintSensor fp("k1/fp", 3);
        post(fp, at(0s), "/device/fingerprint/init");
        if (!rule.is_null()) fault(fp, at(0s), rule);
        act(fp, at(0s), json{{"action", "place_finger"}, {"quality", 90}, {"hold_s", 60}});
        post(fp, at(1s), "/device/fingerprint/capture");
        const Answer a = get(fp, at(2s), "/device/fingerprint/result");
        REQUIRE(a.status == 200);
        return a.body["data"];
    };
    CHECK(quality(json(nullptr))["quality"].get<int>() > 80);
    const json dry = quality(json{{"fault", "dry_finger"}, {"trigger", "nth"}, {"n", 1}, {"operation", "capture"}});
    CHECK(dry["quality"].get<int>() < 45);
    CHECK(dry["accepted"] == false);
    CHECK(quality(json{{"fault", "wet_finger"}, {"trigger", "window"}, {"at_s", 0}, {"duration_s", 10}})["quality"].get<int>() < 50);
    CHECK(quality(json{{"fault", "dirty_sensor"}})["quality"].get<int>() < 50);

    FingerprintSensor fp("k1/fp", 1);
    fault(fp, at(0s), json{{"fault", "dirty_sensor"}});
    CHECK(fp.status(at(0s)) == DeviceStatus{Health::warn, {"sensor-dirty"}});

    FingerprintSensor nf("k1/fp", 1);
    post(nf, at(0s), "/device/fingerprint/init");
    fault(nf, at(0s), json{{"fault", "no_finger_timeout"}, {"trigger", "nth"}, {"n", 1}});
    post(nf, at(0s), "/device/fingerprint/capture", json{{"timeout_s", 3}});
    act(nf, at(1s), json{{"action", "place_finger"}});
    CHECK(get(nf, at(2s), "/device/fingerprint/result").body["data"]["state"] == "capturing");
    CHECK(get(nf, at(3s), "/device/fingerprint/result").status == 504);

    FingerprintSensor ni("k1/fp", 1);
    fault(ni, at(0s), json{{"fault", "not_initialised"}, {"trigger", "window"}, {"at_s", 0}, {"duration_s", 5}});
    CHECK(ni.status(at(0s)) == DeviceStatus{Health::fault, {"not-initialised"}});
    const Answer a = post(ni, at(1s), "/device/fingerprint/init");
    CHECK(a.status == 500);
    CHECK(error_code(a) == "hardware_error");
    CHECK(post(ni, at(6s), "/device/fingerprint/init").status == 200);

    FingerprintSensor gone("k1/fp", 1);
    fault(gone, at(0s), json{{"fault", "disconnected"}});
    CHECK(post(gone, at(0s), "/device/fingerprint/init").status == 503);
    CHECK(gone.status(at(0s)).health == Health::absent);
}

// --- Social-security card reader ----------------------------------------------------------------

TEST_CASE("the default card holds a valid citizen ID, masked as R-9.3-1 asks", "[ssc_reader]") {
    const SscCard card;
    CHECK(proto::citizen_id::validate(card.ssn).valid);  // GB 11643 check digit included
    CHECK(proto::citizen_id::check_digit(std::string_view(card.ssn).substr(0, 17)) == card.ssn.back());
    CHECK(proto::mask_id(card.ssn) == "1101**********1236");
    CHECK(proto::mask_id("123") == "***");
    SscReader r("k1/ssc", 1);
    CHECK(act(r, at(0s), json{{"action", "insert_card"}}).data["ssn"] == "1101**********1236");
}

TEST_CASE("ssc reader: iReadCardBas fields after the read latency (H8)", "[ssc_reader]") {
    SscReader r("k1/ssc", 1);
    Answer a = post(r, at(0s), "/device/ssc/read_basic");
    CHECK(a.status == 409);
    CHECK(error_code(a) == "no_card");
    act(r, at(1s), json{{"action", "insert_card"}});
    a = post(r, at(2s), "/device/ssc/read_basic");
    REQUIRE(a.status == 200);
    CHECK(a.delay == 350ms);
    const json& d = a.body["data"];
    CHECK(d["ssn"] == "110105198504121236");
    CHECK(d["name"] == "王小明");
    CHECK(d["region"] == "110000");
    CHECK(d["version"] == "3.00");
    CHECK(std::regex_match(d["card_id"].get<std::string>(), std::regex("110000D156000005[0-9A-F]{16}")));
    CHECK(d["raw"] == "110000|110105198504121236|A01234567|" + d["card_id"].get<std::string>() + "|王小明|" +
                          d["atr"].get<std::string>() + "|3.00|20210315|20310315|KT000001|SSCR0001|");
    CHECK(get(r, at(2s), "/device/ssc/status").body["data"]["card_present"] == true);
    act(r, at(3s), json{{"action", "remove_card"}});
    CHECK(post(r, at(3s), "/device/ssc/read_basic").status == 409);
    CHECK_FALSE(r.act(at(3s), json{{"action", "remove_card"}}).ok);
    CHECK_FALSE(r.act(at(3s), json{{"action", "insert_card"}, {"pin", "12ab"}}).ok);
    CHECK_FALSE(r.act(at(3s), json{{"action", "insert_card"}, {"name", 5}}).ok);
}

TEST_CASE("ssc reader: wrong PINs answer 63Cx, then the PIN blocks with 6983 (H8)", "[ssc_reader][pin]") {
    SscReader r("k1/ssc", 1);
    act(r, at(0s), json{{"action", "insert_card"}, {"pin", "654321"}});
    Answer a = post(r, at(1s), "/device/ssc/verify_pin", json{{"pin", "111111"}});
    CHECK(a.status == 200);
    CHECK(a.delay == 200ms);
    CHECK(a.body["data"] == json{{"verified", false}, {"sw", "63C2"}, {"tries_left", 2}});
    a = post(r, at(2s), "/device/ssc/verify_pin", json{{"pin", "654321"}});
    CHECK(a.body["data"] == json{{"verified", true}, {"sw", "9000"}, {"tries_left", 3}});  // a right PIN resets the count
    for (const char* sw : {"63C2", "63C1", "63C0"})
        CHECK(post(r, at(3s), "/device/ssc/verify_pin", json{{"pin", "000000"}}).body["data"]["sw"] == sw);
    a = post(r, at(4s), "/device/ssc/verify_pin", json{{"pin", "654321"}});
    CHECK(a.status == 409);
    CHECK(a.body["code"] == 40907);
    CHECK(a.body["error"]["sw"] == "6983");
    CHECK(r.tries_left() == 0);
    CHECK(post(r, at(5s), "/device/ssc/verify_pin", json{{"pin", "12"}}).status == 400);
    CHECK(post(r, at(5s), "/device/ssc/verify_pin", json::object()).status == 400);
}

TEST_CASE("ssc reader faults: PSAM, reversed and lost cards, blocked PIN, no card, dirty contacts",
          "[ssc_reader][faults]") {
    SscReader r("k1/ssc", 1);
    act(r, at(0s), json{{"action", "insert_card"}});
    fault(r, at(0s), json{{"fault", "psam_missing"}, {"trigger", "window"}, {"at_s", 1}, {"duration_s", 1}});
    CHECK(r.status(at(1s)) == DeviceStatus{Health::fault, {"psam-missing"}});
    Answer a = post(r, at(1s), "/device/ssc/read_basic");
    CHECK(a.status == 500);
    CHECK(error_code(a) == "psam_missing");
    CHECK(post(r, at(2s), "/device/ssc/read_basic").status == 200);

    const std::string lost = r.act(at(3s), json{{"action", "inject_fault"}, {"fault", "card_reported_lost"}}).data["id"];
    a = post(r, at(3s), "/device/ssc/read_basic");
    CHECK(a.status == 422);
    CHECK(error_code(a) == "card_reported_lost");
    act(r, at(3s), json{{"action", "clear_fault"}, {"id", lost}});

    fault(r, at(4s), json{{"fault", "pin_blocked"}, {"trigger", "nth"}, {"n", 1}, {"operation", "verify"}});
    CHECK(post(r, at(4s), "/device/ssc/verify_pin", json{{"pin", "123456"}}).status == 409);
    CHECK(post(r, at(5s), "/device/ssc/verify_pin", json{{"pin", "123456"}}).status == 200);

    fault(r, at(6s), json{{"fault", "no_card"}, {"trigger", "nth"}, {"n", 1}});
    CHECK(error_code(post(r, at(6s), "/device/ssc/read_basic")) == "no_card");

    act(r, at(7s), json{{"action", "insert_card"}, {"reversed", true}});
    CHECK(error_code(post(r, at(7s), "/device/ssc/read_basic")) == "card_reversed");
    act(r, at(8s), json{{"action", "insert_card"}});
    fault(r, at(8s), json{{"fault", "card_reversed"}, {"trigger", "nth"}, {"n", 1}});
    CHECK(post(r, at(8s), "/device/ssc/read_basic").status == 422);

    const auto errors = [](std::uint64_t seed) {
        SscReader s("k1/ssc", seed);
        act(s, at(0s), json{{"action", "insert_card"}});
        fault(s, at(0s), json{{"fault", "dirty_contacts"}, {"trigger", "probability"}, {"p", 0.3}, {"operation", "read"}});
        std::vector<int> statuses;
        for (int i = 0; i < 100; ++i) statuses.push_back(post(s, at(std::chrono::seconds(i)), "/device/ssc/read_basic").status);
        return statuses;
    };
    const auto e = errors(8);
    CHECK(e == errors(8));
    CHECK(e != errors(9));
    const auto failed = std::count(e.begin(), e.end(), 500);
    CHECK(failed > 15);
    CHECK(failed < 45);
    CHECK(std::count(e.begin(), e.end(), 200) == 100 - failed);

    SscReader gone("k1/ssc", 1);
    fault(gone, at(0s), json{{"fault", "disconnected"}});
    CHECK(post(gone, at(0s), "/device/ssc/read_basic").status == 503);
}

TEST_CASE("ssc reader: citizen numbers are masked in traces and describe() (R-9.3-1)", "[ssc_reader][trace]") {
    MemoryTrace trace;
    SscReader r("k1/ssc", 1);
    r.set_trace(&trace);
    act(r, at(0s), json{{"action", "insert_card"}});
    CHECK(post(r, at(1s), "/device/ssc/read_basic").body["data"]["ssn"] == "110105198504121236");  // the kiosk gets it
    CHECK(post(r, at(1s), "/device/ssc/read_basic?for=110105198504121236").status == 200);
    CHECK(get(r, at(1s), "/device/ssc/110105198504121236").status == 404);
    const std::string all = trace.to_json().dump();
    CHECK(all.find("110105198504121236") == std::string::npos);
    CHECK(all.find("1101**********1236") != std::string::npos);
    CHECK(r.describe(at(1s))["state"]["card"]["ssn"] == "1101**********1236");
}

// --- PIN pad ---------------------------------------------------------------------------------------

TEST_CASE("PIN pad: an entry gives a keyed PIN block, never the PIN (H11)", "[pin_pad]") {
    PinPad pad("k1/pin", 1);
    const auto entry = [&](sim::Time t, const std::string& pin, const std::string& pan) {
        Answer a = post(pad, t, "/device/pinpad/start", json{{"pan", pan}});
        REQUIRE(a.status == 200);
        CHECK(get(pad, t, "/device/pinpad/result").body["data"]["state"] == "entering");
        act(pad, t + 1s, json{{"action", "enter_pin"}, {"digits", pin}});
        a = get(pad, t + 2s, "/device/pinpad/result");
        REQUIRE(a.status == 200);
        const json d = a.body["data"];
        CHECK(d["format"] == "synthetic-keyed-hash");
        CHECK(d["pin_length"] == pin.size());
        CHECK(a.body.dump().find(pin) == std::string::npos);
        CHECK(std::regex_match(d["pin_block"].get<std::string>(), std::regex("[0-9A-F]{16}")));
        return d["pin_block"].get<std::string>();
    };
    const std::string pan = "6222020200112233445";
    const std::string b1 = entry(at(0s), "123456", pan);
    CHECK(entry(at(10s), "123456", pan) == b1);        // same PIN, PAN and key: same block
    CHECK(entry(at(20s), "654321", pan) != b1);
    CHECK(entry(at(30s), "123456", "6222020200112233446") == b1);  // the check digit is not in the PAN field
    CHECK(entry(at(40s), "123456", "6222020200112239995") != b1);
    act(pad, at(50s), json{{"action", "load_keys"}});
    CHECK(entry(at(60s), "123456", pan) != b1);  // a new key

    post(pad, at(70s), "/device/pinpad/start", json{{"min_len", 4}, {"max_len", 6}});
    CHECK_FALSE(pad.act(at(71s), json{{"action", "enter_pin"}, {"digits", "123"}}).ok);
    CHECK_FALSE(pad.act(at(71s), json{{"action", "enter_pin"}, {"digits", "12a4"}}).ok);
    act(pad, at(71s), json{{"action", "enter_pin"}, {"cancel", true}});
    CHECK(error_code(get(pad, at(72s), "/device/pinpad/result")) == "cancelled");
    CHECK(post(pad, at(73s), "/device/pinpad/start", json{{"min_len", 8}, {"max_len", 6}}).status == 400);
    CHECK(post(pad, at(73s), "/device/pinpad/start", json{{"pan", "62220"}}).status == 400);
    post(pad, at(80s), "/device/pinpad/start", json{{"timeout_s", 10}});
    CHECK(pad.next_wakeup() == at(90s));
    CHECK(get(pad, at(90s), "/device/pinpad/result").status == 504);
}

TEST_CASE("PIN pad faults: key_not_loaded, tamper erases keys, stuck key, timeout", "[pin_pad][faults]") {
    PinPadConfig no_keys;
    no_keys.keys_loaded = false;
    PinPad bare("k1/pin", 1, no_keys);
    CHECK(bare.status(at(0s)) == DeviceStatus{Health::fault, {"key-not-loaded"}});
    CHECK(error_code(post(bare, at(0s), "/device/pinpad/start")) == "key_not_loaded");
    act(bare, at(1s), json{{"action", "load_keys"}, {"key_id", "TMK-02"}});
    CHECK(post(bare, at(1s), "/device/pinpad/start").status == 200);

    PinPad pad("k1/pin", 1);
    fault(pad, at(0s), json{{"fault", "key_not_loaded"}, {"trigger", "nth"}, {"n", 1}, {"operation", "start"}});
    CHECK(post(pad, at(0s), "/device/pinpad/start").status == 409);
    CHECK(post(pad, at(1s), "/device/pinpad/start").status == 200);
    post(pad, at(1s), "/device/pinpad/cancel");

    fault(pad, at(2s), json{{"fault", "tamper"}, {"trigger", "window"}, {"at_s", 10}, {"duration_s", 5}});
    CHECK(pad.next_wakeup() == at(10s));
    post(pad, at(9s), "/device/pinpad/start");
    pad.on_wakeup(at(10s));
    CHECK(pad.status(at(10s)) == DeviceStatus{Health::fault, {"tamper"}});
    CHECK_FALSE(pad.keys_loaded());
    CHECK(get(pad, at(11s), "/device/pinpad/result").status == 422);  // the entry was aborted
    CHECK(post(pad, at(11s), "/device/pinpad/start").status == 500);
    CHECK_FALSE(pad.act(at(12s), json{{"action", "load_keys"}}).ok);
    pad.on_wakeup(at(15s));
    CHECK(pad.status(at(15s)) == DeviceStatus{Health::fault, {"key-not-loaded"}});  // erased for good
    act(pad, at(16s), json{{"action", "load_keys"}});
    CHECK(pad.status(at(16s)).health == Health::ok);

    // A stuck '7' fills the entry at once; its block is that of "777777".
    PinPad ref("k1/pin", 1);
    post(ref, at(0s), "/device/pinpad/start");
    act(ref, at(0s), json{{"action", "enter_pin"}, {"digits", "777777"}});
    const json want = get(ref, at(0s), "/device/pinpad/result").body["data"];
    PinPad stuck("k1/pin", 1);
    fault(stuck, at(0s), json{{"fault", "stuck_key"}, {"params", {{"key", "7"}}}});
    CHECK(stuck.status(at(0s)) == DeviceStatus{Health::warn, {"stuck-key"}});
    post(stuck, at(0s), "/device/pinpad/start");
    CHECK(get(stuck, at(0s), "/device/pinpad/result").body["data"] == want);

    PinPad slow("k1/pin", 1);
    fault(slow, at(0s), json{{"fault", "timeout"}, {"trigger", "nth"}, {"n", 1}, {"operation", "start"}});
    post(slow, at(0s), "/device/pinpad/start", json{{"timeout_s", 5}});
    CHECK(act(slow, at(1s), json{{"action", "enter_pin"}, {"digits", "123456"}}).data["accepted"] == false);
    CHECK(get(slow, at(5s), "/device/pinpad/result").status == 504);

    PinPad gone("k1/pin", 1);
    fault(gone, at(0s), json{{"fault", "disconnected"}});
    CHECK(post(gone, at(0s), "/device/pinpad/start").status == 503);
    CHECK(get(gone, at(0s), "/device/pinpad/status").body["data"]["health"] == "ABSENT");
}

TEST_CASE("status device configs: JSON round trip; unknown keys and bad values are named", "[status_devices][config]") {
    CHECK(SignaturePadConfig::from_json(SignaturePadConfig{}.to_json()).to_json() == SignaturePadConfig{}.to_json());
    CHECK(FingerprintSensorConfig::from_json(FingerprintSensorConfig{}.to_json()).to_json() ==
          FingerprintSensorConfig{}.to_json());
    CHECK(SscReaderConfig::from_json(SscReaderConfig{}.to_json()).to_json() == SscReaderConfig{}.to_json());
    CHECK(PinPadConfig::from_json(PinPadConfig{}.to_json()).to_json() == PinPadConfig{}.to_json());
    CHECK(SscReaderConfig::from_json(json{{"pin_tries", 5}}).pin_tries == 5);
    CHECK_THROWS_WITH(SscReaderConfig::from_json(json{{"pin_tries", 0}}), "ssc_reader config: \"pin_tries\" must be an integer in 1..15");
    CHECK_THROWS_WITH(PinPadConfig::from_json(json{{"algorithm", "DES"}}), "pin_pad config: \"algorithm\" must be \"SM4\" or \"3DES\"");
    CHECK_THROWS_WITH(PinPadConfig::from_json(json{{"min_len", 8}}), "pin_pad config: \"min_len\" must not exceed max_len");
    CHECK_THROWS_WITH(FingerprintSensorConfig::from_json(json{{"quality", 3}}), "fingerprint_sensor config: unknown key \"quality\"");
    CHECK_THROWS_WITH(SignaturePadConfig::from_json(json{{"timeout_s", "long"}}),
                      "signature_pad config: \"timeout_s\" must be a number in 1..600");
    CHECK_THROWS_AS(SscReaderConfig::from_json(json(3)), std::invalid_argument);
}

TEST_CASE("every status device answers status, 404, 405 and bad JSON the same way (R-8.2-1)", "[status_devices]") {
    SignaturePad sig("a", 1);
    FingerprintSensor fp("b", 1);
    SscReader ssc("c", 1);
    PinPad pin("d", 1);
    for (LocalServiceDevice* d : std::initializer_list<LocalServiceDevice*>{&sig, &fp, &ssc, &pin}) {
        const std::string p = d->path_prefix();
        const Answer st = get(*d, at(0s), p + "/status");
        CHECK(st.status == 200);
        CHECK(st.body["data"]["kind"] == d->kind());
        CHECK(st.body["data"]["health"].is_string());
        CHECK(get(*d, at(0s), p + "/nope").status == 404);
        CHECK(call(*d, at(0s), "DELETE", p + "/status", "").status == 405);
        CHECK(call(*d, at(0s), "POST", p + "/" + d->endpoints().back().name, "{").status == 400);
        CHECK(d->endpoints().front().name == "status");
    }
}

}  // namespace devices_status_devices_test
