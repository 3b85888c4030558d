// The face camera (H2) and the document camera 高拍仪 (H3) behind the local
// HTTP service (R-8.3-1), with the R-8.2-1 envelope and R-7.2-1 statuses,
// fed directly in virtual time.
#include <kiosktwin/devices/cameras.hpp>
#include <kiosktwin/devices/trace.hpp>
#include <kiosktwin/protocol/base64.hpp>

#include "device_calls.hpp"

#include <catch2/catch.hpp>

namespace devices_cameras_test {

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

// Width and height from a Base64 PNG's IHDR.
std::pair<std::uint32_t, std::uint32_t> png_size(const json& image) {
    const auto png = proto::base64_decode(image.get<std::string>());
    REQUIRE(png.has_value());
    REQUIRE(png->size() > 24);
    CHECK((*png)[1] == 'P');
    const auto be = [&](std::size_t i) {
        return (std::uint32_t{(*png)[i]} << 24) | (std::uint32_t{(*png)[i + 1]} << 16) |
               (std::uint32_t{(*png)[i + 2]} << 8) | (*png)[i + 3];
    };
    return {be(16), be(20)};
}

const std::string k_wlt = proto::base64_encode(Bytes(1024, 0x57));  // an opaque WLT photo


}  // namespace

TEST_CASE("face camera: open takes the start-up latency, capture the capture latency (H2)", "[face_camera][timing]") {
    FaceCamera cam("k1/face", 1);
    CHECK(cam.kind() == "face_camera");
    CHECK(cam.path_prefix() == "/camera/face");
    Answer a = call(cam, at(0s), "GET", "/camera/face/status");
    CHECK(a.status == 200);
    CHECK(a.body["code"] == 0);
    CHECK(a.body["msg"] == "ok");
    CHECK(a.body["data"]["health"] == "OK");
    CHECK(a.body["data"]["open"] == false);

    a = post(cam, at(1s), "/camera/face/capture");
    CHECK(a.status == 409);
    CHECK(a.body["code"] == 40901);
    CHECK(error_code(a) == "not_open");

    a = post(cam, at(1s), "/camera/face/open");
    CHECK(a.status == 200);
    CHECK(a.delay == 800ms);
    CHECK(a.body["data"]["startup_ms"] == 800);
    // A capture during start-up waits for it.
    a = post(cam, at(1s + 300ms), "/camera/face/capture");
    CHECK(a.delay == 500ms + 150ms);
    a = post(cam, at(5s), "/camera/face/capture");
    CHECK(a.status == 200);
    CHECK(a.delay == 150ms);
    const json& d = a.body["data"];
    CHECK(png_size(d["image"]) == std::pair<std::uint32_t, std::uint32_t>{160, 120});
    CHECK(d["format"] == "png");
    CHECK(d["faces"] == 0);  // nobody in front yet
    CHECK(d["liveness"] == 0.0);
    CHECK(d["frame"] == 2);
    CHECK(a.raw.body.size() < 30'000);  // the Base64 frame stays small
    CHECK(post(cam, at(6s), "/camera/face/close").body["data"]["open"] == false);
    CHECK(post(cam, at(6s), "/camera/face/capture").status == 409);
}

TEST_CASE("face camera: who is in front decides faces, liveness and the 1:1 compare (H2)", "[face_camera][compare]") {
    FaceCamera cam("k1/face", 7);
    post(cam, at(0s), "/camera/face/open");
    const auto compare = [&](sim::Time now) {
        const Answer a = post(cam, now, "/camera/face/compare", json{{"id_photo", k_wlt}});
        REQUIRE(a.status == 200);
        CHECK(a.body["data"]["validateType"] == 1);
        CHECK(a.body["data"]["threshold"] == 0.75);
        CHECK(a.delay == 150ms + 300ms);  // a capture, then the compare
        return a.body["data"];
    };
    act(cam, at(1s), json{{"action", "present_face"}, {"subject", "live"}});
    for (int i = 0; i < 20; ++i) {
        const json r = compare(at(2s) + std::chrono::seconds(i));
        CHECK(r["faceResult"] == 1);
        CHECK(r["faces"] == 1);
        CHECK(r["score"].get<double>() >= 0.75);
        CHECK(r["liveness"].get<double>() > 0.8);
    }
    act(cam, at(30s), json{{"action", "present_face"}, {"subject", "live"}, {"match", false}});
    json r = compare(at(31s));
    CHECK(r["faceResult"] == 2);
    CHECK(r["reason"] == "mismatch");
    CHECK(r["score"].get<double>() < 0.75);

    act(cam, at(32s), json{{"action", "present_face"}, {"subject", "photo"}});  // the right person's printed photo
    r = compare(at(33s));
    CHECK(r["faceResult"] == 2);
    CHECK(r["reason"] == "liveness-fail");
    CHECK(r["liveness"].get<double>() < 0.5);

    act(cam, at(34s), json{{"action", "present_face"}, {"subject", "none"}});
    r = compare(at(35s));
    CHECK(r["faceResult"] == 3);
    CHECK(r["faces"] == 0);

    act(cam, at(36s), json{{"action", "present_face"}, {"subject", "two_people"}});
    r = compare(at(37s));
    CHECK(r["faceResult"] == 2);
    CHECK(r["reason"] == "multiple-faces");

    // An exact score, either side of the threshold (a flaky near-threshold citizen).
    act(cam, at(38s), json{{"action", "present_face"}, {"subject", "live"}, {"score", 0.74}});
    CHECK(compare(at(39s))["faceResult"] == 2);
    act(cam, at(40s), json{{"action", "present_face"}, {"subject", "live"}, {"score", 0.76}});
    r = compare(at(41s));
    CHECK(r["faceResult"] == 1);
    CHECK(r["score"] == 0.76);

    CHECK_FALSE(cam.act(at(42s), json{{"action", "present_face"}, {"subject", "cat"}}).ok);
    CHECK_FALSE(cam.act(at(42s), json{{"action", "present_face"}, {"score", 2}}).ok);
    CHECK_FALSE(cam.act(at(42s), json{{"action", "present_face"}, {"match", "yes"}}).ok);
}

TEST_CASE("face camera: compare judges a frame it captured by who was in it", "[face_camera][compare]") {
    FaceCamera cam("k1/face", 3);
    post(cam, at(0s), "/camera/face/open");
    act(cam, at(1s), json{{"action", "present_face"}, {"subject", "live"}, {"score", 0.9}});
    const json frame = post(cam, at(2s), "/camera/face/capture").body["data"];
    act(cam, at(3s), json{{"action", "present_face"}, {"subject", "none"}});
    // The kiosk sends the earlier frame: still the card holder, though nobody is there now.
    Answer a = post(cam, at(4s), "/camera/face/compare", json{{"id_photo", k_wlt}, {"image", frame["image"]}});
    CHECK(a.body["data"]["faceResult"] == 1);
    CHECK(a.body["data"]["score"] == 0.9);
    CHECK(a.delay == 300ms);  // no capture needed
    // An image from elsewhere is judged by who is in front now (nobody).
    a = post(cam, at(5s), "/camera/face/compare", json{{"id_photo", k_wlt}, {"image", proto::base64_encode(Bytes(10, 1))}});
    CHECK(a.body["data"]["faceResult"] == 3);
    // Closed, with no image, there is nothing to compare.
    post(cam, at(6s), "/camera/face/close");
    CHECK(post(cam, at(7s), "/camera/face/compare", json{{"id_photo", k_wlt}}).status == 409);
}

TEST_CASE("malformed requests get 400/404/405 JSON errors, never a crash (R-8.2-1)", "[face_camera][errors]") {
    FaceCamera cam("k1/face", 1);
    Answer a = post(cam, at(0s), "/camera/face/compare", json::object());
    CHECK(a.status == 400);
    CHECK(a.body["code"] == 40002);
    CHECK(a.body["error"]["message"] == "\"id_photo\" is required");
    a = post(cam, at(0s), "/camera/face/compare", json{{"id_photo", "not base64!"}});
    CHECK(a.status == 400);
    CHECK(a.body["error"]["message"] == "\"id_photo\" must be Base64");
    a = call(cam, at(0s), "POST", "/camera/face/compare", "{\"id_photo\": ");
    CHECK(a.status == 400);
    CHECK(error_code(a) == "bad_json");
    a = call(cam, at(0s), "POST", "/camera/face/open", "\"open\"");
    CHECK(a.status == 400);
    a = call(cam, at(0s), "GET", "/camera/face/zoom");
    CHECK(a.status == 404);
    CHECK(a.body["code"] == 40401);
    a = call(cam, at(0s), "GET", "/camera/face/capture");
    CHECK(a.status == 405);
    CHECK(a.raw.headers.back() == std::pair<std::string, std::string>{"Allow", "POST"});
    a = call(cam, at(0s), "OPTIONS", "/camera/face/capture");
    CHECK(a.status == 204);
    CHECK(a.raw.body.empty());
    a = call(cam, at(0s), "BREW", "\xff\xfe");
    CHECK(a.status == 404);
    CHECK(a.raw.content_type == "application/json");
    CHECK(a.raw.headers.front() == std::pair<std::string, std::string>{"Access-Control-Allow-Origin", "*"});
}

TEST_CASE("absent and disconnected cameras are ABSENT and answer 503; status still answers (R-7.2-1)",
          "[face_camera][faults][status]") {
    FaceCamera cam("k1/face", 1);
    fault(cam, at(0s), json{{"fault", "disconnected"}, {"trigger", "window"}, {"at_s", 10}, {"duration_s", 5}});
    CHECK(cam.next_wakeup() == at(10s));
    CHECK(post(cam, at(9s), "/camera/face/open").status == 200);
    CHECK(cam.status(at(10s)) == DeviceStatus{Health::absent, {"disconnected"}});
    Answer a = post(cam, at(11s), "/camera/face/capture");
    CHECK(a.status == 503);
    CHECK(a.body["code"] == 50301);
    CHECK(a.body["error"]["message"] == "the face_camera is disconnected");
    a = call(cam, at(11s), "GET", "/camera/face/status");
    CHECK(a.status == 200);
    CHECK(a.body["data"]["health"] == "ABSENT");
    CHECK(a.body["data"]["reasons"] == json::array({"disconnected"}));
    CHECK(post(cam, at(15s), "/camera/face/capture").status == 200);

    fault(cam, at(20s), json{{"fault", "absent"}});
    CHECK(cam.status(at(20s)) == DeviceStatus{Health::absent, {"absent"}});
    CHECK(post(cam, at(20s), "/camera/face/open").status == 503);
}

TEST_CASE("busy on the nth open, slow start, frozen frames and a mid-stream disconnect", "[face_camera][faults]") {
    FaceCamera cam("k1/face", 1);
    fault(cam, at(0s), json{{"fault", "busy"}, {"trigger", "nth"}, {"n", 1}, {"operation", "open"}});
    Answer a = post(cam, at(0s), "/camera/face/open");
    CHECK(a.status == 409);
    CHECK(error_code(a) == "device_busy");
    CHECK(post(cam, at(1s), "/camera/face/open").status == 200);  // the other process let go
    post(cam, at(2s), "/camera/face/close");

    fault(cam, at(2s), json{{"fault", "slow_start"}, {"params", {{"extra_ms", 2000}}}});
    CHECK(post(cam, at(3s), "/camera/face/open").delay == 2800ms);

    act(cam, at(4s), json{{"action", "present_face"}, {"subject", "live"}});
    const json first = post(cam, at(10s), "/camera/face/capture").body["data"];
    fault(cam, at(10s), json{{"fault", "frozen_frame"}, {"trigger", "window"}, {"at_s", 11}, {"duration_s", 2}});
    CHECK(cam.status(at(11s)) == DeviceStatus{Health::warn, {"frozen-frame"}});
    const json frozen = post(cam, at(11s), "/camera/face/capture").body["data"];
    CHECK(frozen == first);
    const json moving = post(cam, at(13s), "/camera/face/capture").body["data"];
    CHECK(moving["frame"] == first["frame"].get<int>() + 1);
    CHECK(moving["image"] != first["image"]);

    fault(cam, at(14s), json{{"fault", "disconnect_mid_stream"}, {"trigger", "nth"}, {"n", 2}, {"operation", "capture"}});
    CHECK(post(cam, at(14s), "/camera/face/capture").status == 200);
    a = post(cam, at(15s), "/camera/face/capture");
    CHECK(a.status == 500);
    CHECK(error_code(a) == "hardware_error");
    CHECK_FALSE(cam.is_open());
    CHECK(post(cam, at(16s), "/camera/face/capture").status == 409);
    CHECK(post(cam, at(17s), "/camera/face/open").status == 200);
}

TEST_CASE("face faults: no_face with a seeded probability, multiple_faces, liveness_fail, low light",
          "[face_camera][faults]") {
    const auto faces_seen = [](std::uint64_t seed) {
        FaceCamera cam("k1/face", seed);
        post(cam, at(0s), "/camera/face/open");
        act(cam, at(0s), json{{"action", "present_face"}, {"subject", "live"}});
        fault(cam, at(0s), json{{"fault", "no_face"}, {"trigger", "probability"}, {"p", 0.25}});
        std::vector<int> v;
        for (int i = 0; i < 200; ++i)
            v.push_back(post(cam, at(1s) + std::chrono::seconds(i), "/camera/face/capture").body["data"]["faces"]);
        return v;
    };
    const auto a = faces_seen(11);
    CHECK(a == faces_seen(11));
    CHECK(a != faces_seen(12));
    const auto misses = std::count(a.begin(), a.end(), 0);
    CHECK(misses > 30);
    CHECK(misses < 70);

    FaceCamera cam("k1/face", 1);
    post(cam, at(0s), "/camera/face/open");
    act(cam, at(0s), json{{"action", "present_face"}, {"subject", "live"}});
    const double clean_quality = post(cam, at(1s), "/camera/face/capture").body["data"]["quality"];
    CHECK(clean_quality > 0.8);
    const std::string id = cam.act(at(1s), json{{"action", "inject_fault"}, {"fault", "multiple_faces"}}).data["id"];
    CHECK(post(cam, at(2s), "/camera/face/capture").body["data"]["faces"] == 2);
    act(cam, at(2s), json{{"action", "clear_fault"}, {"id", id}});
    fault(cam, at(2s), json{{"fault", "liveness_fail"}, {"trigger", "nth"}, {"n", 1}});
    const json r = post(cam, at(3s), "/camera/face/compare", json{{"id_photo", k_wlt}}).body["data"];
    CHECK(r["faceResult"] == 2);
    CHECK(r["reason"] == "liveness-fail");
    fault(cam, at(3s), json{{"fault", "low_light"}});
    CHECK(cam.status(at(3s)) == DeviceStatus{Health::warn, {"low-light"}});
    CHECK(post(cam, at(4s), "/camera/face/capture").body["data"]["quality"].get<double>() < 0.3);
}

TEST_CASE("document camera: a placed page is found, cropped and deskewed (H3)", "[document_camera]") {
    DocumentCamera cam("k1/doc", 1);
    CHECK(cam.kind() == "document_camera");
    Answer a = call(cam, at(0s), "GET", "/camera/document/devices");
    CHECK(a.body["data"]["devices"][0]["resolutions"] == json::array({"200x150"}));
    a = post(cam, at(0s), "/camera/document/open");
    CHECK(a.delay == 1200ms);
    // Nothing on the plate: no edges.
    json d = post(cam, at(2s), "/camera/document/capture").body["data"];
    CHECK(d["edges"] == json::array());
    CHECK(d["cropped"] == false);
    CHECK(d["skew_deg"].is_null());
    CHECK(png_size(d["image"]) == std::pair<std::uint32_t, std::uint32_t>{200, 150});

    act(cam, at(3s), json{{"action", "place_document"}, {"kind", "id_front"}, {"skew_deg", 10}});
    a = post(cam, at(4s), "/camera/document/capture");
    CHECK(a.delay == 400ms);
    d = a.body["data"];
    CHECK(d["cropped"] == true);
    CHECK(d["skew_deg"] == 10);
    REQUIRE(d["edges"].size() == 4);
    // The top edge rises 10° clockwise; the crop is the card alone at 85.6:54.
    const auto& e = d["edges"];
    const double angle = std::atan2(e[1][1].get<double>() - e[0][1].get<double>(), e[1][0].get<double>() - e[0][0].get<double>());
    CHECK(angle * 180 / 3.14159265358979 == Approx(10).margin(0.5));
    CHECK(png_size(d["image"]) == std::pair<std::uint32_t, std::uint32_t>{200, 126});
    CHECK(d["width"] == 200);
    CHECK(d["height"] == 126);

    d = post(cam, at(5s), "/camera/document/capture", json{{"crop", false}}).body["data"];
    CHECK(d["cropped"] == false);
    CHECK(d["edges"].size() == 4);
    CHECK(png_size(d["image"]) == std::pair<std::uint32_t, std::uint32_t>{200, 150});

    act(cam, at(6s), json{{"action", "place_document"}, {"kind", "a4"}});
    d = post(cam, at(7s), "/camera/document/capture").body["data"];
    CHECK(png_size(d["image"]) == std::pair<std::uint32_t, std::uint32_t>{106, 150});  // A4 portrait

    CHECK(post(cam, at(8s), "/camera/document/capture", json{{"crop", "yes"}}).status == 400);
    CHECK_FALSE(cam.act(at(8s), json{{"action", "place_document"}, {"kind", "passport"}}).ok);
    CHECK_FALSE(cam.act(at(8s), json{{"action", "place_document"}, {"kind", "a4"}, {"skew_deg", 90}}).ok);
}

TEST_CASE("document camera: glare, blur, low light and crop_fail lose the page's edges", "[document_camera][faults]") {
    for (const char* spoiler : {"glare", "blur", "low_light", "crop_fail"}) {
        DocumentCamera cam("k1/doc", 2);
        post(cam, at(0s), "/camera/document/open");
        act(cam, at(0s), json{{"action", "place_document"}, {"kind", "household_register"}, {"skew_deg", -5}});
        const json clean = post(cam, at(2s), "/camera/document/capture").body["data"];
        CHECK(clean["cropped"] == true);
        fault(cam, at(2s), json{{"fault", spoiler}, {"trigger", "nth"}, {"n", 1}, {"operation", "capture"}});
        const json spoilt = post(cam, at(3s), "/camera/document/capture").body["data"];
        INFO(spoiler);
        CHECK(spoilt["edges"] == json::array());
        CHECK(spoilt["cropped"] == false);
        if (std::string(spoiler) != "crop_fail") CHECK(spoilt["quality"].get<double>() < 0.6);
        CHECK(post(cam, at(4s), "/camera/document/capture").body["data"]["cropped"] == true);  // struck once
    }
}

TEST_CASE("camera configs: JSON round trip; unknown keys and bad values are named", "[cameras][config]") {
    const FaceCameraConfig f = FaceCameraConfig::from_json(json{{"open_ms", 500}, {"threshold", 0.8}, {"subject", "live"}});
    CHECK(f.open_latency == 500ms);
    CHECK(f.subject == FaceSubject::live);
    CHECK(FaceCameraConfig::from_json(f.to_json()).to_json() == f.to_json());
    CHECK_THROWS_WITH(FaceCameraConfig::from_json(json{{"treshold", 0.8}}), "face_camera config: unknown key \"treshold\"");
    CHECK_THROWS_WITH(FaceCameraConfig::from_json(json{{"threshold", 80}}), "face_camera config: \"threshold\" must be a number in 0..1");
    CHECK_THROWS_WITH(FaceCameraConfig::from_json(json{{"width", 4000}}), "face_camera config: \"width\" must be an integer in 16..1024");
    const DocumentCameraConfig d = DocumentCameraConfig::from_json(json{{"document", "a4"}, {"skew_deg", 3}});
    CHECK(d.document == proto::DocumentKind::a4);
    CHECK(DocumentCameraConfig::from_json(d.to_json()).to_json() == d.to_json());
    CHECK_THROWS_WITH(DocumentCameraConfig::from_json(json{{"document", "passport"}}),
                      "document_camera config: \"document\" must be one of none, id_front, id_back, a4, household_register");
    FaceCameraConfig small;
    small.width = 64;
    small.height = 48;
    small.subject = FaceSubject::live;
    FaceCamera cam("k1/face", 1, small);
    post(cam, at(0s), "/camera/face/open");
    CHECK(png_size(post(cam, at(1s), "/camera/face/capture").body["data"]["image"]) ==
          std::pair<std::uint32_t, std::uint32_t>{64, 48});
}

TEST_CASE("the same seed answers the same bytes; traces carry no images (R-9.1-1)", "[cameras][trace]") {
    const auto run = [](std::uint64_t seed, MemoryTrace* trace) {
        FaceCamera cam("k1/face", seed);
        cam.set_trace(trace);
        post(cam, at(0s), "/camera/face/open");
        act(cam, at(0s), json{{"action", "present_face"}, {"subject", "live"}});
        std::string all;
        for (int i = 0; i < 3; ++i) all += call(cam, at(std::chrono::seconds(i + 1)), "POST", "/camera/face/capture", "{}").raw.body;
        all += post(cam, at(9s), "/camera/face/compare", json{{"id_photo", k_wlt}}).raw.body;
        return all;
    };
    MemoryTrace trace;
    CHECK(run(5, &trace) == run(5, nullptr));
    CHECK(run(5, nullptr) != run(6, nullptr));
    const auto records = trace.records();
    REQUIRE(records.size() == 11);  // open, action, 3 captures, compare: in + out each, and the event
    for (const auto& r : records) {
        const std::string text = r.to_json().dump();
        CHECK(text.find("iVBORw0KGgo") == std::string::npos);  // a Base64 PNG signature
    }
    CHECK(records[4].dir == "out");
    CHECK(records[4].frame["data"]["image"].get<std::string>().front() == '<');
}

TEST_CASE("face camera: capture reports the presented person's face template, or a stable stand-in",
          "[face_camera][template]") {
    FaceCamera cam("k1/face", 21);
    MemoryTrace trace;
    cam.set_trace(&trace);
    post(cam, at(0s), "/camera/face/open");
    const auto capture = [&](sim::Time now) { return post(cam, now, "/camera/face/capture").body["data"]; };

    // No template given: the camera's own value, the same for every presentation.
    act(cam, at(1s), json{{"action", "present_face"}, {"subject", "live"}});
    const json first = capture(at(2s));
    REQUIRE(first.contains("template"));
    const std::uint32_t stand_in = first["template"];
    CHECK(stand_in != 0);
    act(cam, at(3s), json{{"action", "present_face"}, {"subject", "live"}, {"match", false}});
    CHECK(capture(at(4s))["template"] == stand_in);
    FaceCamera other("k2/face", 22, FaceCameraConfig{.subject = FaceSubject::live});
    post(other, at(0s), "/camera/face/open");
    CHECK(post(other, at(1s), "/camera/face/capture").body["data"]["template"] != stand_in);

    // The population register's template of the person in front, live or on a printed photo.
    act(cam, at(5s), json{{"action", "present_face"}, {"subject", "live"}, {"template", 3141592653u}});
    CHECK(capture(at(6s))["template"] == 3141592653u);
    act(cam, at(7s), json{{"action", "present_face"}, {"subject", "photo"}, {"template", 4294967295u}});
    CHECK(capture(at(8s))["template"] == 4294967295u);
    // No single face of a person or a photo, no template.
    for (const char* subject : {"screen", "none", "two_people"}) {
        act(cam, at(9s), json{{"action", "present_face"}, {"subject", subject}, {"template", 7}});
        INFO(subject);
        CHECK_FALSE(capture(at(10s)).contains("template"));
    }
    act(cam, at(11s), json{{"action", "present_face"}, {"subject", "live"}, {"template", 7}});
    fault(cam, at(11s), json{{"fault", "no_face"}, {"trigger", "nth"}, {"n", 1}, {"operation", "capture"}});
    CHECK_FALSE(capture(at(12s)).contains("template"));
    CHECK(capture(at(13s))["template"] == 7);
    // A new presentation without one goes back to the stand-in.
    act(cam, at(14s), json{{"action", "present_face"}, {"subject", "live"}});
    CHECK(capture(at(15s))["template"] == stand_in);

    for (const json& bad : {json(-1), json(4294967296LL), json("7"), json(1.5)}) {
        INFO(bad.dump());
        const ActionResult r = cam.act(at(16s), json{{"action", "present_face"}, {"template", bad}});
        CHECK_FALSE(r.ok);
        CHECK(r.error == "present_face: \"template\" must be an integer in 0..4294967295");
    }
    // Templates are biometric data: traces keep only their size (R-9.1-1).
    bool saw_capture = false;
    for (const auto& r : trace.records())
        if (r.dir == "out" && r.frame.contains("data") && r.frame["data"].contains("template")) {
            saw_capture = true;
            CHECK(r.frame["data"]["template"].is_string());
        }
    CHECK(saw_capture);
}

}  // namespace devices_cameras_test
