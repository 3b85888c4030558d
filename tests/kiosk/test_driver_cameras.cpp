// The face and document camera drivers against the real camera models behind
// the local HTTP service (R-8.3-1), in virtual time: captures and compares
// with every present_face subject, and every fault of the models' list mapped
// to the capture's error and the driver's status (R-7.2-1).
#include <kiosktwin/kiosk/drivers/cameras.hpp>
#include <kiosktwin/kiosk/virtual_channels.hpp>

#include <kiosktwin/devices/cameras.hpp>

#include "driver_support.hpp"

#include <catch2/catch.hpp>

namespace kiosk_driver_cameras_test {

using namespace kiosktwin;
using namespace kiosktwin::devices;
using namespace std::chrono_literals;
using kiosk::CameraOptions;
using kiosk::DocumentCapture;
using kiosk::FaceCapture;
using kiosk::FaceCompare;
using nlohmann::json;

namespace {

using driver_test::run_to_end;
// Runs one driver call to its end, and no further: later device wakeups stay queued.
template <class T>
T run(sim::Simulation& s, sim::Process<T> p) {
    return run_to_end(s, std::move(p));
}

using Reasons = std::vector<std::string>;

const Bytes k_wlt(1024, 0x57);  // the ID card's photo: opaque WLT bytes

template <class Camera, class Driver, class Config>
struct Bench {
    explicit Bench(Config config = {}, CameraOptions options = {})
        : camera("k1/camera", 7, config), driver(channel, options) {}
    void act(const json& action) { driver_test::act(host, camera, action); }
    void fault(json rule) { driver_test::inject(host, camera, std::move(rule)); }
    void present(const char* subject, json extra = json::object()) {
        extra["action"] = "present_face";
        extra["subject"] = subject;
        act(std::move(extra));
    }
    sim::Duration since(sim::Time t) const { return sim.now() - t; }

    sim::Simulation sim;
    kiosk::VirtualDeviceHost host{sim};
    Camera camera;
    kiosk::VirtualHttpChannel channel{host, camera};
    Driver driver;
};

using FaceBench = Bench<FaceCamera, kiosk::FaceCameraDriver, FaceCameraConfig>;
using DocumentBench = Bench<DocumentCamera, kiosk::DocumentCameraDriver, DocumentCameraConfig>;

const json k_nth_capture{{"trigger", "nth"}, {"n", 1}, {"operation", "capture"}};

json nth_capture(const char* fault) {
    json rule = k_nth_capture;
    rule["fault"] = fault;
    return rule;
}

}  // namespace

TEST_CASE("face capture and compare with each present_face subject [R-8.3-1][R-7.2-1]",
          "[face_camera][R-8.3-1][R-7.2-1]") {
    FaceBench b;
    CHECK(b.driver.kind() == "face_camera");
    CHECK(run(b.sim, b.driver.poll()) == Health::ok);
    CHECK_FALSE(b.driver.is_open());

    // A live card holder, with the population register's template.
    b.present("live", json{{"template", 3141592653u}});
    FaceCapture c = run(b.sim, b.driver.capture());
    REQUIRE(c.ok());
    CHECK(b.sim.now() == sim::Time{800ms + 150ms});  // opened first: start-up, then the exposure
    CHECK(b.driver.is_open());
    CHECK(c.captures == 1);
    CHECK(c.faces == 1);
    CHECK(c.liveness > 0.8);
    CHECK(c.quality > 0.9);
    CHECK(c.face_template == 3141592653u);
    CHECK(c.width == 160);
    CHECK(c.height == 120);
    CHECK(c.frame == 1);
    CHECK(c.image.rfind("iVBORw0KGgo", 0) == 0);  // a Base64 PNG
    CHECK(c.warning.empty());

    // The camera judges the frame it was given.
    sim::Time t0 = b.sim.now();
    FaceCompare m = run(b.sim, b.driver.compare(k_wlt, c.image));
    REQUIRE(m.ok());
    CHECK(b.since(t0) == 300ms);  // the compare alone: no capture
    CHECK(m.passed);
    CHECK(m.reason.empty());
    CHECK(m.threshold == 0.75);
    CHECK(m.score >= m.threshold);
    CHECK(m.faces == 1);

    b.present("live", json{{"match", false}});
    c = run(b.sim, b.driver.capture());
    CHECK(c.ok());
    CHECK(c.face_template.has_value());  // the camera's stand-in: someone, not the card holder's
    t0 = b.sim.now();
    m = run(b.sim, b.driver.compare(k_wlt));  // no image: the camera captures one itself
    CHECK(b.since(t0) == 150ms + 300ms);
    CHECK_FALSE(m.passed);
    CHECK(m.reason == "mismatch");
    CHECK(m.score < m.threshold);

    b.present("photo", json{{"template", 3141592653u}});
    c = run(b.sim, b.driver.capture());
    CHECK(c.error == "liveness-fail");
    CHECK(c.liveness < 0.5);
    CHECK(c.face_template == 3141592653u);  // a printed photo of the right person
    CHECK(run(b.sim, b.driver.compare(k_wlt)).reason == "liveness-fail");

    b.present("screen");
    c = run(b.sim, b.driver.capture());
    CHECK(c.error == "liveness-fail");
    CHECK_FALSE(c.face_template.has_value());
    CHECK(run(b.sim, b.driver.compare(k_wlt, c.image)).reason == "liveness-fail");

    b.present("none");
    c = run(b.sim, b.driver.capture());
    CHECK(c.error == "no-face");
    CHECK(c.faces == 0);
    CHECK(c.captures == 1);      // an empty scene is not a spoilt frame: not taken again
    CHECK(c.warning.empty());
    CHECK_FALSE(c.face_template.has_value());
    m = run(b.sim, b.driver.compare(k_wlt));
    CHECK(m.ok());
    CHECK_FALSE(m.passed);
    CHECK(m.reason == "no-face");

    b.present("two_people");
    c = run(b.sim, b.driver.capture());
    CHECK(c.error == "multiple-faces");
    CHECK(c.faces == 2);
    CHECK(run(b.sim, b.driver.compare(k_wlt)).reason == "multiple-faces");

    // Who stands in front is the citizen's part: the camera stays OK.
    CHECK(b.driver.status().health == Health::ok);
    CHECK(b.driver.counters().failures == 0);
    CHECK(b.driver.counters().retries == 0);
}

TEST_CASE("a camera closed behind the driver's back is opened again (not-open) [R-8.3-1]",
          "[face_camera][R-8.3-1]") {
    FaceBench b;
    b.present("live");
    REQUIRE(run(b.sim, b.driver.open()).ok());
    HttpRequest close;
    close.method = "POST";
    close.target = "/camera/face/close";
    REQUIRE(b.camera.handle(b.sim.now(), close).status == 200);  // another program closed it
    const sim::Time t0 = b.sim.now();
    const FaceCapture c = run(b.sim, b.driver.capture());
    CHECK(c.ok());
    CHECK(c.captures == 2);
    CHECK(b.since(t0) == 800ms + 150ms);  // the refused capture costs nothing; the start-up does
    CHECK(b.driver.counters().retries == 1);
}

TEST_CASE("absent and disconnected cameras are ABSENT [R-7.2-1]", "[face_camera][faults][R-7.2-1]") {
    FaceBench b;
    b.present("live");
    b.fault(json{{"fault", "disconnected"}, {"trigger", "window"}, {"at_s", 1}, {"duration_s", 5}});
    b.sim.run_until(sim::Time{2s});
    CHECK(run(b.sim, b.driver.poll()) == Health::absent);
    CHECK(b.driver.status().reasons == Reasons{"disconnected"});
    FaceCapture c = run(b.sim, b.driver.capture());
    CHECK(c.error == "absent");
    CHECK(b.driver.status().health == Health::absent);
    CHECK(b.driver.status().reasons == Reasons{"absent"});
    b.sim.run_until(sim::Time{7s});
    CHECK(run(b.sim, b.driver.poll()) == Health::ok);
    CHECK(run(b.sim, b.driver.capture()).ok());

    b.fault(json{{"fault", "absent"}});
    CHECK(run(b.sim, b.driver.poll()) == Health::absent);
    CHECK(b.driver.status().reasons == Reasons{"absent"});
    c = run(b.sim, b.driver.capture());
    CHECK(c.error == "absent");
    CHECK_FALSE(b.driver.usable());
}

TEST_CASE("busy: retried past another program's hold, else device-busy and FAULT [R-7.2-1]",
          "[face_camera][faults][R-7.2-1]") {
    FaceBench b;
    b.present("live");
    b.fault(json{{"fault", "busy"}, {"trigger", "nth"}, {"n", 1}, {"operation", "open"}});
    FaceCapture c = run(b.sim, b.driver.capture());
    CHECK(c.ok());
    CHECK(b.driver.counters().retries == 1);
    CHECK(b.driver.status().health == Health::ok);

    REQUIRE(run(b.sim, b.driver.close()).ok());
    b.fault(json{{"fault", "busy"}});
    const kiosk::ServiceResult r = run(b.sim, b.driver.open());
    CHECK(r.error == "device-busy");
    CHECK(r.attempts == 2);  // options.service.retries = 1
    CHECK(b.driver.status().health == Health::fault);
    CHECK(b.driver.status().reasons == Reasons{"device-busy"});
    CHECK(run(b.sim, b.driver.poll()) == Health::fault);
    CHECK(b.driver.status().reasons == Reasons{"device-busy"});
    CHECK(run(b.sim, b.driver.capture()).error == "device-busy");
}

TEST_CASE("glare, blur and low light: spoilt frames are taken again, then returned with a WARN [R-7.2-1]",
          "[face_camera][faults][R-7.2-1]") {
    for (const char* spoiler : {"glare", "blur", "low_light"}) {
        INFO(spoiler);
        FaceBench b;
        b.present("live");
        REQUIRE(run(b.sim, b.driver.open()).ok());
        // Struck once: the second frame is clean.
        b.fault(nth_capture(spoiler));
        FaceCapture c = run(b.sim, b.driver.capture());
        CHECK(c.ok());
        CHECK(c.captures == 2);
        CHECK(c.warning.empty());
        CHECK(c.quality > 0.9);
        CHECK(b.driver.status().health == Health::ok);

        // Holding: three frames, then the best the camera can do, with a warning.
        b.fault(json{{"fault", spoiler}});
        const std::string reason = std::string(spoiler) == "low_light" ? "low-light" : spoiler;
        CHECK(run(b.sim, b.driver.poll()) == Health::warn);
        CHECK(b.driver.status().reasons == Reasons{reason});
        const sim::Time t0 = b.sim.now();
        c = run(b.sim, b.driver.capture());
        CHECK(c.ok());
        CHECK(c.captures == 3);
        CHECK(b.since(t0) == 3 * 150ms);
        CHECK(c.warning == "low-quality");
        CHECK(c.quality < 0.6);
        CHECK_FALSE(c.image.empty());
        CHECK(b.driver.status().health == Health::warn);
        CHECK(b.driver.status().reasons == Reasons{reason, "low-quality"});
        CHECK(b.driver.usable());
        b.act(json{{"action", "clear_fault"}});
        CHECK(run(b.sim, b.driver.capture()).warning.empty());
        CHECK(b.driver.status().health == Health::warn);  // what the camera last said, until the next poll
        CHECK(run(b.sim, b.driver.poll()) == Health::ok);
    }
}

TEST_CASE("a frozen frame is taken again once; frozen twice is an error, and its image is not handed on [R-7.2-1]",
          "[face_camera][faults][R-7.2-1]") {
    FaceBench b;
    b.present("live");
    const FaceCapture first = run(b.sim, b.driver.capture());
    REQUIRE(first.ok());
    b.fault(nth_capture("frozen_frame"));
    FaceCapture c = run(b.sim, b.driver.capture());
    CHECK(c.ok());
    CHECK(c.captures == 2);
    CHECK(c.frame == first.frame + 1);
    CHECK(b.driver.status().health == Health::ok);

    b.fault(json{{"fault", "frozen_frame"}});
    c = run(b.sim, b.driver.capture());
    CHECK(c.error == "frozen-frame");
    CHECK(c.captures == 2);
    CHECK(c.frame == first.frame + 1);  // the sensor stopped there
    CHECK(c.image.empty());
    CHECK_FALSE(c.face_template.has_value());
    CHECK(b.driver.status().health == Health::warn);
    CHECK(b.driver.status().reasons == Reasons{"frozen-frame"});
    CHECK(run(b.sim, b.driver.poll()) == Health::warn);
    CHECK(b.driver.status().reasons == Reasons{"frozen-frame"});
}

TEST_CASE("slow start: the open waits it out, a very slow one is retried, a hung one times out [R-7.2-1]",
          "[face_camera][faults][R-7.2-1]") {
    {
        FaceBench b;
        b.present("live");
        b.fault(json{{"fault", "slow_start"}});  // 3 s more
        const FaceCapture c = run(b.sim, b.driver.capture());
        CHECK(c.ok());
        CHECK(b.sim.now() == sim::Time{800ms + 3s + 150ms});
        CHECK(b.driver.counters().timeouts == 0);
    }
    {
        // 10.8 s of start-up: the first open gives up at 8 s, the second waits for the rest.
        FaceBench b;
        b.present("live");
        b.fault(json{{"fault", "slow_start"}, {"params", {{"extra_ms", 10000}}}});
        const FaceCapture c = run(b.sim, b.driver.capture());
        CHECK(c.ok());
        CHECK(b.sim.now() == sim::Time{10800ms + 150ms});
        CHECK(b.driver.counters().timeouts == 1);
        CHECK(b.driver.status().health == Health::ok);
    }
    {
        FaceBench b;
        b.present("live");
        b.fault(json{{"fault", "slow_start"}, {"trigger", "nth"}, {"n", 1}, {"operation", "open"},
                     {"params", {{"extra_ms", 60000}}}});
        FaceCapture c = run(b.sim, b.driver.capture());
        CHECK(c.error == "timeout");
        CHECK(b.sim.now() == sim::Time{8s + 200ms + 8s});
        CHECK(b.driver.status().health == Health::fault);
        CHECK(b.driver.status().reasons == Reasons{"no-reply"});
        CHECK_FALSE(b.driver.usable());
        // Once the camera has started, the next capture goes through and clears the evidence.
        b.sim.run_until(sim::Time{61s});
        c = run(b.sim, b.driver.capture());
        CHECK(c.ok());
        CHECK(b.driver.status().health == Health::ok);
    }
}

TEST_CASE("a mid-stream disconnect is a hardware-error and a FAULT; the next capture opens again [R-7.2-1]",
          "[face_camera][faults][R-7.2-1]") {
    FaceBench b;
    b.present("live");
    REQUIRE(run(b.sim, b.driver.poll()) == Health::ok);
    REQUIRE(run(b.sim, b.driver.capture()).ok());
    b.fault(nth_capture("disconnect_mid_stream"));
    FaceCapture c = run(b.sim, b.driver.capture());
    CHECK(c.error == "hardware-error");
    CHECK(c.captures == 1);  // a capture that failed on the hardware is not simply repeated
    CHECK_FALSE(b.driver.is_open());
    CHECK(b.driver.status().health == Health::fault);
    CHECK(b.driver.status().reasons == Reasons{"hardware-error"});
    const sim::Time t0 = b.sim.now();
    c = run(b.sim, b.driver.capture());
    CHECK(c.ok());
    CHECK(b.since(t0) == 800ms + 150ms);
    CHECK(b.driver.status().health == Health::ok);
}

TEST_CASE("no_face, multiple_faces and liveness_fail faults are the capture's and the compare's outcome [R-7.2-1]",
          "[face_camera][faults][R-7.2-1]") {
    FaceBench b;
    b.present("live", json{{"template", 42}});
    REQUIRE(run(b.sim, b.driver.poll()) == Health::ok);

    b.fault(nth_capture("no_face"));
    FaceCapture c = run(b.sim, b.driver.capture());
    CHECK(c.error == "no-face");
    CHECK_FALSE(c.face_template.has_value());
    b.fault(nth_capture("multiple_faces"));
    c = run(b.sim, b.driver.capture());
    CHECK(c.error == "multiple-faces");
    b.fault(nth_capture("liveness_fail"));
    c = run(b.sim, b.driver.capture());
    CHECK(c.error == "liveness-fail");
    CHECK(c.face_template == 42u);
    b.fault(nth_capture("liveness_fail"));
    const FaceCompare m = run(b.sim, b.driver.compare(k_wlt));
    CHECK_FALSE(m.passed);
    CHECK(m.reason == "liveness-fail");
    CHECK(b.driver.status().health == Health::ok);  // struck once: the camera is fine
    CHECK(run(b.sim, b.driver.capture()).ok());

    // Held, the camera itself reports them.
    b.fault(json{{"fault", "no_face"}});
    CHECK(run(b.sim, b.driver.poll()) == Health::warn);
    CHECK(b.driver.status().reasons == Reasons{"no-face"});
    CHECK(run(b.sim, b.driver.capture()).error == "no-face");
    b.act(json{{"action", "clear_fault"}});
    b.fault(json{{"fault", "multiple_faces"}});
    CHECK(run(b.sim, b.driver.poll()) == Health::warn);
    CHECK(b.driver.status().reasons == Reasons{"multiple-faces"});
    b.act(json{{"action", "clear_fault"}});
    b.fault(json{{"fault", "liveness_fail"}});
    CHECK(run(b.sim, b.driver.poll()) == Health::warn);
    CHECK(b.driver.status().reasons == Reasons{"liveness-fail"});
    CHECK(run(b.sim, b.driver.capture()).error == "liveness-fail");
}

TEST_CASE("an unplugged camera service is ABSENT; a camera that never answers is a FAULT [R-7.2-1]",
          "[face_camera][status][R-7.2-1]") {
    {
        FaceBench b;
        b.present("live");
        REQUIRE(run(b.sim, b.driver.poll()) == Health::ok);
        b.channel.set_unplugged(true);
        CHECK(run(b.sim, b.driver.poll()) == Health::absent);
        CHECK(b.driver.status().reasons == Reasons{"no-service"});
        CHECK(run(b.sim, b.driver.capture()).error == "no-service");
        CHECK(b.driver.status().health == Health::absent);
        b.channel.set_unplugged(false);
        CHECK(run(b.sim, b.driver.capture()).ok());
        CHECK(b.driver.status().health == Health::ok);
    }
    {
        FaceCameraConfig hung;
        hung.capture_latency = 60s;
        FaceBench b(hung);
        b.present("live");
        REQUIRE(run(b.sim, b.driver.open()).ok());
        const sim::Time t0 = b.sim.now();
        const FaceCapture c = run(b.sim, b.driver.capture());
        CHECK(c.error == "timeout");
        CHECK(b.since(t0) == 5s + 200ms + 5s);  // a capture, a pause, the capture again
        CHECK_FALSE(b.driver.is_open());        // in doubt: the next capture opens first
        CHECK(b.driver.counters().timeouts == 2);
        CHECK(b.driver.status().health == Health::fault);
        CHECK(b.driver.status().reasons == Reasons{"no-reply"});
    }
}

TEST_CASE("document camera: crop, deskew, the whole frame without crop [R-8.3-1]", "[document_camera][R-8.3-1]") {
    DocumentBench b;
    CHECK(b.driver.kind() == "document_camera");
    CHECK(run(b.sim, b.driver.poll()) == Health::ok);
    b.act(json{{"action", "place_document"}, {"kind", "id_front"}, {"skew_deg", 10}});
    DocumentCapture d = run(b.sim, b.driver.capture());
    REQUIRE(d.ok());
    CHECK(b.sim.now() == sim::Time{1200ms + 400ms});
    CHECK(d.cropped);
    CHECK(d.skew_deg == 10.0);
    CHECK(d.width == 200);
    CHECK(d.height == 126);  // the card alone, 85.6 : 54
    CHECK(d.quality > 0.9);
    CHECK(d.image.rfind("iVBORw0KGgo", 0) == 0);

    d = run(b.sim, b.driver.capture(false));
    REQUIRE(d.ok());
    CHECK_FALSE(d.cropped);
    CHECK(d.width == 200);
    CHECK(d.height == 150);
    CHECK(b.driver.status().health == Health::ok);
}

TEST_CASE("document camera faults: crop_fail, glare, frozen frames, mid-stream loss, absent [R-7.2-1]",
          "[document_camera][faults][R-7.2-1]") {
    DocumentBench b;
    b.act(json{{"action", "place_document"}, {"kind", "a4"}});
    REQUIRE(run(b.sim, b.driver.poll()) == Health::ok);

    b.fault(json{{"fault", "crop_fail"}});
    CHECK(run(b.sim, b.driver.poll()) == Health::warn);
    CHECK(b.driver.status().reasons == Reasons{"crop-fail"});
    DocumentCapture d = run(b.sim, b.driver.capture());
    CHECK(d.error == "crop-fail");
    CHECK_FALSE(d.cropped);
    CHECK(d.captures == 1);      // a sharp frame: nothing to gain by taking it again
    CHECK(d.height == 150);      // the whole frame comes back
    CHECK_FALSE(d.image.empty());
    b.act(json{{"action", "clear_fault"}});
    REQUIRE(run(b.sim, b.driver.poll()) == Health::ok);

    b.fault(nth_capture("glare"));
    d = run(b.sim, b.driver.capture());
    CHECK(d.ok());
    CHECK(d.captures == 2);
    CHECK(d.cropped);
    b.fault(json{{"fault", "blur"}});
    d = run(b.sim, b.driver.capture());
    CHECK(d.error == "crop-fail");
    CHECK(d.warning == "low-quality");
    CHECK(d.captures == 3);
    CHECK(b.driver.status().health == Health::warn);
    b.act(json{{"action", "clear_fault"}});

    b.fault(json{{"fault", "frozen_frame"}});
    d = run(b.sim, b.driver.capture());
    CHECK(d.error == "frozen-frame");
    CHECK(d.image.empty());
    b.act(json{{"action", "clear_fault"}});

    b.fault(nth_capture("disconnect_mid_stream"));
    d = run(b.sim, b.driver.capture());
    CHECK(d.error == "hardware-error");
    CHECK(b.driver.status().health == Health::fault);
    d = run(b.sim, b.driver.capture());
    CHECK(d.ok());
    CHECK(b.driver.status().health == Health::ok);

    b.fault(json{{"fault", "busy"}, {"trigger", "nth"}, {"n", 1}, {"operation", "open"}});
    REQUIRE(run(b.sim, b.driver.close()).ok());
    CHECK(run(b.sim, b.driver.capture()).ok());  // busy once: the retry opens it

    b.fault(json{{"fault", "absent"}});
    CHECK(run(b.sim, b.driver.capture()).error == "absent");
    CHECK(b.driver.status().health == Health::absent);
    CHECK(run(b.sim, b.driver.poll()) == Health::absent);
    CHECK(b.driver.status().reasons == Reasons{"absent"});
}

}  // namespace kiosk_driver_cameras_test
