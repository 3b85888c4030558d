// The generic local-service driver against the real status-device models
// (signature pad, fingerprint sensor, social-security card reader, PIN pad)
// behind the local HTTP service (R-8.3-1), in virtual time: one operation and
// the status poll of each, the envelope's errors as keywords, what is retried
// and what never is, and the status every failure maps to (R-7.2-1).
#include <kiosktwin/kiosk/drivers/local_service.hpp>
#include <kiosktwin/kiosk/virtual_channels.hpp>

#include <kiosktwin/devices/status_devices.hpp>

#include "driver_support.hpp"

#include <catch2/catch.hpp>

namespace kiosk_driver_local_service_test {

using namespace kiosktwin;
using namespace kiosktwin::devices;
using namespace std::chrono_literals;
using kiosk::CallOptions;
using kiosk::LocalServiceDriver;
using kiosk::ServiceResult;
using nlohmann::json;

namespace {

using driver_test::run_to_end;
// Runs one driver call to its end, and no further: later device wakeups stay queued.
template <class T>
T run(sim::Simulation& s, sim::Process<T> p) {
    return run_to_end(s, std::move(p));
}

// One device behind its own virtual channel, with a generic driver.
template <class D>
struct Bench {
    explicit Bench(std::string kind, kiosk::LocalServiceOptions options = {})
        : driver(channel, std::move(kind), options) {}
    void act(const json& action) { driver_test::act(host, device, action); }
    sim::Simulation sim;
    kiosk::VirtualDeviceHost host{sim};
    D device{"k1/dev", 1};
    kiosk::VirtualHttpChannel channel{host, device};
    LocalServiceDriver driver;
};

using Reasons = std::vector<std::string>;

const CallOptions k_get{.idempotent = true, .get = true};
const CallOptions k_idempotent{.idempotent = true};

// Answers 503 with a non-envelope body `busy` times, then the envelope; or
// always garbage when `garbage`.
class FlakyService : public HttpDevice {
public:
    FlakyService() : HttpDevice("k1/flaky", "flaky", 3) {}
    HttpResponse handle(sim::Time, const HttpRequest&) override {
        ++requests;
        HttpResponse r;
        if (garbage) {
            r.status = 200;
            r.body = "<html>it works</html>";
        } else if (busy > 0) {
            --busy;
            r.status = 503;
            r.body = "Service Unavailable";
        } else {
            r.body = R"({"code":0,"msg":"ok","data":{"id":"k1/flaky","kind":"flaky","health":"OK","reasons":[]}})";
        }
        return r;
    }
    std::string path_prefix() const override { return "/device/flaky"; }
    DeviceStatus status(sim::Time) const override { return {}; }
    int busy = 0;
    bool garbage = false;
    int requests = 0;

protected:
    std::optional<ActionResult> on_action(sim::Time, std::string_view, const json&) override { return std::nullopt; }
    std::vector<std::string> model_actions() const override { return {}; }
    json model_state(sim::Time) const override { return {}; }
};

}  // namespace

TEST_CASE("signature pad through the generic driver: start, sign, result, status [R-8.3-1][R-7.2-1]",
          "[local_service][signature_pad][R-8.3-1][R-7.2-1]") {
    Bench<SignaturePad> b("signature_pad");
    CHECK(b.driver.kind() == "signature_pad");
    CHECK(b.driver.status().health == Health::absent);  // until it has been heard from
    CHECK(run(b.sim, b.driver.poll()) == Health::ok);
    CHECK(b.driver.status().reasons.empty());

    ServiceResult r = run(b.sim, b.driver.call("start", R"({"timeout_s":30})"));
    REQUIRE(r.ok());
    CHECK(r.http_status == 200);
    CHECK(r.data["state"] == "signing");
    CHECK(r.data["timeout_s"] == 30);
    b.act(json{{"action", "sign"}, {"strokes", 2}});
    r = run(b.sim, b.driver.call("result", {}, k_get));
    REQUIRE(r.ok());
    CHECK(r.data["state"] == "done");
    CHECK(r.data["strokes"] == 2);
    CHECK(r.data["image"].get<std::string>().rfind("iVBORw0KGgo", 0) == 0);  // a Base64 PNG

    // The citizen never signs: the device's 504 is the citizen's timeout, not the device's fault.
    REQUIRE(run(b.sim, b.driver.call("start", R"({"timeout_s":1})")).ok());
    b.sim.run_until(b.sim.now() + 2s);
    r = run(b.sim, b.driver.call("result", {}, k_get));
    CHECK(r.error == "citizen-timeout");
    CHECK(r.http_status == 504);
    CHECK(r.data["code"] == "timeout");
    CHECK(b.driver.status().health == Health::ok);
    CHECK(b.driver.counters().operations == 4);
    CHECK(b.driver.counters().failures == 1);
    CHECK(b.driver.counters().retries == 0);  // a 504 is an answer, not a transient failure

    b.act(json{{"action", "inject_fault"}, {"fault", "not_connected"}});
    CHECK(run(b.sim, b.driver.poll()) == Health::absent);
    CHECK(b.driver.status().reasons == Reasons{"not-connected"});
}

TEST_CASE("fingerprint sensor through the generic driver: init, status, a failed init is a FAULT [R-7.2-1]",
          "[local_service][fingerprint_sensor][R-8.3-1][R-7.2-1]") {
    Bench<FingerprintSensor> b("fingerprint_sensor");
    CHECK(b.driver.kind() == "fingerprint_sensor");
    CHECK(run(b.sim, b.driver.poll()) == Health::ok);
    ServiceResult r = run(b.sim, b.driver.call("init", {}, k_idempotent));
    REQUIRE(r.ok());
    CHECK(r.data["initialised"] == true);
    r = run(b.sim, b.driver.call("capture", R"({"timeout_s":1})"));
    CHECK(r.data["state"] == "capturing");
    // Asking again while one waits is the device's 409, named as the driver's keyword.
    r = run(b.sim, b.driver.call("capture", R"({"timeout_s":1})"));
    CHECK(r.error == "session-active");
    CHECK(r.http_status == 409);
    CHECK(b.driver.status().health == Health::ok);

    b.act(json{{"action", "inject_fault"}, {"fault", "not_initialised"}});
    CHECK(run(b.sim, b.driver.poll()) == Health::fault);
    CHECK(b.driver.status().reasons == Reasons{"not-initialised"});
    r = run(b.sim, b.driver.call("close"));
    r = run(b.sim, b.driver.call("init"));
    CHECK(r.error == "hardware-error");
    CHECK(r.message == "LIVESCAN_Init failed: the sensor did not initialise");
    CHECK(b.driver.status().health == Health::fault);
    CHECK(b.driver.status().reasons == Reasons{"hardware-error"});
}

TEST_CASE("social-security card reader through the generic driver: read, status, card errors [R-7.2-1]",
          "[local_service][ssc_reader][R-8.3-1][R-7.2-1]") {
    Bench<SscReader> b("ssc_reader");
    CHECK(b.driver.kind() == "ssc_reader");
    CHECK(run(b.sim, b.driver.poll()) == Health::ok);
    ServiceResult r = run(b.sim, b.driver.call("read_basic", {}, k_idempotent));
    CHECK(r.error == "no-card");
    CHECK(b.driver.status().health == Health::ok);  // the citizen's part, not the reader's

    b.act(json{{"action", "insert_card"}});
    const sim::Time t0 = b.sim.now();
    r = run(b.sim, b.driver.call("read_basic", {}, k_idempotent));
    REQUIRE(r.ok());
    CHECK(b.sim.now() - t0 == 350ms);  // the reader's read latency
    CHECK(r.data["name"] == "王小明");
    CHECK(r.data["ssn"] == "110105198504121236");

    b.act(json{{"action", "inject_fault"}, {"fault", "psam_missing"}});
    r = run(b.sim, b.driver.call("read_basic", {}, k_idempotent));
    CHECK(r.error == "psam-missing");
    CHECK(b.driver.status().health == Health::fault);
    CHECK(b.driver.status().reasons == Reasons{"psam-missing"});
    CHECK(run(b.sim, b.driver.poll()) == Health::fault);
    CHECK(b.driver.status().reasons == Reasons{"psam-missing"});
    b.act(json{{"action", "clear_fault"}});
    CHECK(run(b.sim, b.driver.poll()) == Health::ok);
}

TEST_CASE("PIN pad through the generic driver: start, enter, the PIN block; missing keys are a FAULT [R-7.2-1]",
          "[local_service][pin_pad][R-8.3-1][R-7.2-1]") {
    Bench<PinPad> b("pin_pad");
    CHECK(b.driver.kind() == "pin_pad");
    CHECK(run(b.sim, b.driver.poll()) == Health::ok);
    ServiceResult r = run(b.sim, b.driver.call("start", R"({"pan":"6222020200001234567"})"));
    REQUIRE(r.ok());
    CHECK(r.data["state"] == "entering");
    b.act(json{{"action", "enter_pin"}, {"digits", "123456"}});
    r = run(b.sim, b.driver.call("result", {}, k_get));
    REQUIRE(r.ok());
    CHECK(r.data["state"] == "done");
    CHECK(r.data["pin_block"].get<std::string>().size() == 16);
    CHECK(r.data["pin_length"] == 6);

    r = run(b.sim, b.driver.call("start", R"({"pan":"12"})"));
    CHECK(r.error == "invalid-field");
    CHECK(r.http_status == 400);
    CHECK(b.driver.status().health == Health::ok);

    b.act(json{{"action", "inject_fault"}, {"fault", "key_not_loaded"}});
    r = run(b.sim, b.driver.call("start", R"({"pan":"6222020200001234567"})"));
    CHECK(r.error == "key-not-loaded");
    CHECK(b.driver.status().health == Health::fault);
    CHECK(b.driver.status().reasons == Reasons{"key-not-loaded"});
    CHECK(run(b.sim, b.driver.poll()) == Health::fault);
    CHECK(b.driver.status().reasons == Reasons{"key-not-loaded"});
}

TEST_CASE("a non-idempotent call is never sent twice; an idempotent one is retried after a reset [R-7.2-1]",
          "[local_service][retries][R-7.2-1]") {
    Bench<SscReader> b("ssc_reader");
    REQUIRE(run(b.sim, b.driver.poll()) == Health::ok);
    b.act(json{{"action", "insert_card"}, {"pin", "654321"}});
    // The cable goes while the reader verifies a wrong PIN (200 ms): the try
    // is spent, the reply lost. Sending it again would spend another.
    auto unplug_between = [](kiosk::VirtualHttpChannel& ch, sim::Simulation& s, sim::Duration from,
                             sim::Duration to) -> sim::Process<void> {
        co_await s.delay(from);
        ch.set_unplugged(true);
        co_await s.delay(to - from);
        ch.set_unplugged(false);
    };
    b.sim.spawn(unplug_between(b.channel, b.sim, 100ms, 300ms));
    ServiceResult r = run(b.sim, b.driver.call("verify_pin", R"({"pin":"111111"})"));
    CHECK(r.error == "connection-reset");
    CHECK(r.attempts == 1);
    CHECK(b.device.tries_left() == 2);  // one try, not two
    CHECK(b.driver.counters().retries == 0);
    CHECK(b.driver.status().health == Health::fault);
    CHECK(b.driver.status().reasons == Reasons{"connection-reset"});

    // Reading the card twice harms nothing: re-sent after retry_delay, and the
    // success puts the status back to what the reader last said (OK).
    b.sim.run_until(b.sim.now() + 1s);
    const sim::Time t0 = b.sim.now();
    b.sim.spawn(unplug_between(b.channel, b.sim, 100ms, 400ms));
    r = run(b.sim, b.driver.call("read_basic", {}, k_idempotent));
    REQUIRE(r.ok());
    CHECK(r.attempts == 2);
    CHECK(b.sim.now() - t0 == 350ms + 200ms + 350ms);
    CHECK(b.driver.counters().retries == 1);
    CHECK(b.driver.status().health == Health::ok);
    CHECK(b.driver.status().reasons.empty());
}

TEST_CASE("an unplugged service is ABSENT; the retries are bounded and spaced [R-7.2-1]",
          "[local_service][status][R-7.2-1]") {
    Bench<PinPad> b("pin_pad", kiosk::LocalServiceOptions{.retries = 3, .retry_delay = 250ms});
    REQUIRE(run(b.sim, b.driver.poll()) == Health::ok);
    b.channel.set_unplugged(true);
    const sim::Time t0 = b.sim.now();
    CHECK(run(b.sim, b.driver.poll()) == Health::absent);
    CHECK(b.driver.status().reasons == Reasons{"no-service"});
    CHECK(b.sim.now() - t0 == 3 * 250ms);  // four refused attempts, three pauses
    CHECK(b.driver.counters().retries == 3);
    const ServiceResult r = run(b.sim, b.driver.call("start", R"({"pan":"6222020200001234567"})"));
    CHECK(r.error == "no-service");
    CHECK(r.transport == kiosk::ChannelError::refused);
    CHECK(r.attempts == 4);  // refused: nothing was sent, so even a non-idempotent call may try again
    b.channel.set_unplugged(false);
    CHECK(run(b.sim, b.driver.poll()) == Health::ok);
    CHECK(b.driver.status().reasons.empty());
}

TEST_CASE("a busy 503 is retried; garbage is bad-reply; a foreign device is wrong-device [R-7.2-1]",
          "[local_service][status][R-7.2-1]") {
    sim::Simulation s;
    kiosk::VirtualDeviceHost host(s);
    FlakyService dev;
    kiosk::VirtualHttpChannel ch(host, dev);
    LocalServiceDriver drv(ch, "flaky");
    dev.busy = 2;
    CHECK(run(s, drv.call("start")).ok());  // not idempotent, but a 503 means nothing was done
    CHECK(dev.requests == 3);
    CHECK(s.now() == sim::Time{400ms});
    dev.busy = 5;
    ServiceResult r = run(s, drv.call("start"));
    CHECK(r.error == "unavailable");
    CHECK(r.http_status == 503);
    CHECK(drv.status().health == Health::fault);
    CHECK(drv.status().reasons == Reasons{"unavailable"});
    dev.busy = 0;
    dev.garbage = true;
    CHECK(run(s, drv.poll()) == Health::fault);
    CHECK(drv.status().reasons == Reasons{"bad-reply"});
    dev.garbage = false;
    CHECK(run(s, drv.poll()) == Health::ok);

    LocalServiceDriver wrong(ch, "pin_pad");
    CHECK(run(s, wrong.poll()) == Health::fault);
    CHECK(wrong.status().reasons == Reasons{"wrong-device"});
}

TEST_CASE("error names become keywords", "[local_service]") {
    CHECK(kiosk::service_error_keyword("device_busy") == "device-busy");
    CHECK(kiosk::service_error_keyword("device_absent") == "absent");
    CHECK(kiosk::service_error_keyword("timeout") == "citizen-timeout");
    CHECK(kiosk::service_error_keyword("card_reported_lost") == "card-reported-lost");
}

}  // namespace kiosk_driver_local_service_test
