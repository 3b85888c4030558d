// The face camera (人脸识别 / 人证核验, peripherals.md H2) and the document
// camera (高拍仪, H3) behind the kiosk's local HTTP service on 127.0.0.1
// (R-8.3-1), and LocalServiceDevice, the base of every device behind that
// service (these two and the status devices of status_devices.hpp).
//
// Envelope, error codes and HTTP statuses: kiosktwin/protocol/local_service.hpp.
// Every device answers GET or POST <prefix>/status with
//   {"id", "kind", "health": "OK"|"WARN"|"FAULT"|"ABSENT", "reasons": [...], ...}
// even when absent (R-7.2-1); every other endpoint of an absent or
// disconnected device answers 503 device_absent.
//
// Face camera, kind "face_camera", prefix /camera/face:
//   POST /camera/face/open     {} -> {"open": true, "startup_ms"}; answered after the start-up
//                              latency (open_ms, + slow_start's extra_ms); 409 device_busy if busy
//   POST /camera/face/close    {} -> {"open": false}
//   POST /camera/face/capture  {} -> {"image": Base64 PNG, "format": "png", "width", "height",
//                              "faces": 0|1|2, "liveness": 0..1, "quality": 0..1, "frame": n,
//                              "template"?: 0..2^32-1}; after capture_ms (and what is left of
//                              the start-up); 409 not_open. "template" is the feature template
//                              a face SDK extracts, here the person's integer face identity
//                              (services/population.hpp face_template, what the gateway's face
//                              compare takes as sample_template); present only when the frame
//                              shows exactly one face of a live person or a printed photo
//   POST /camera/face/compare  {"id_photo": Base64 (the ID card's 1024-byte WLT photo, opaque;
//                              1..65536 bytes), "image": optional Base64 (a frame from capture;
//                              without it the camera captures one, and must be open)}
//                              -> {"score": 0..1, "threshold", "faceResult": 1 success | 2 fail |
//                              3 no face, "validateType": 1, "liveness", "faces", "reason"?:
//                              "mismatch"|"liveness-fail"|"multiple-faces"}; after compare_ms
//   What is in front of the camera decides the outcome: the present_face action
//   {"subject": "live"|"photo"|"screen"|"none"|"two_people", "match": bool (default true),
//    "score": optional 0..1 (the exact compare score), "template": optional 0..2^32-1 (the
//    person's face template; without it the camera reports its own stable stand-in, derived
//    from its seed, the same for every presentation)}. Liveness and score are
//   seeded normal draws around the configured means. An "image" that is not
//   one of the camera's last 8 frames cannot be analysed: it is judged by
//   who is in front of the camera now.
//
// Document camera, kind "document_camera", prefix /camera/document:
//   GET  /camera/document/devices -> {"devices": [{"name", "dev_idx": 0, "resolutions": ["WxH"]}]}
//   POST /camera/document/open | close   as the face camera
//   POST /camera/document/capture {"crop": bool (default true)} -> {"image", "format", "width",
//        "height", "edges": [[x,y] × 4: top-left, top-right, bottom-right, bottom-left] or [],
//        "cropped": bool, "skew_deg": number or null, "quality", "frame"}. With crop and the
//        page's edges found, the image is the page alone, upright (裁边/纠偏); otherwise the frame.
//   The place_document action {"kind": "id_front"|"id_back"|"a4"|"household_register"|"none",
//   "skew_deg": -45..45} decides what lies on the plate.
//
// Faults (operation faults strike "open", "capture" or "compare"):
//   both: absent, disconnected  ABSENT; 503 on every endpoint but status
//         busy                  open fails: another process holds the camera (409 device_busy); FAULT "device-busy"
//         glare, blur, low_light  the frame is spoilt (lower quality); WARN with the fault's name
//         frozen_frame          capture returns the previous frame again (same bytes, same frame number)
//         slow_start            open takes params.extra_ms longer (default 3000)
//         disconnect_mid_stream the capture fails (500 hardware_error) and the camera is closed
//   face: no_face, multiple_faces  the frame shows 0 / 2 faces whoever is there
//         liveness_fail         liveness is drawn as for a printed photo
//   document: crop_fail         the page's edges are not found (dark background)
#pragma once

#include <kiosktwin/devices/device.hpp>
#include <kiosktwin/protocol/local_service.hpp>
#include <kiosktwin/protocol/synthetic_image.hpp>
#include <kiosktwin/sim/random.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::devices {

namespace local_service_detail {

/// Reads a device config object key by key for from_json(); finish() refuses
/// keys nobody asked for. Errors name the key: `<what>: "key" must be ...`.
class ConfigReader {
public:
    ConfigReader(const nlohmann::json& j, std::string what);
    std::int64_t integer(const std::string& key, std::int64_t lo, std::int64_t hi, std::int64_t fallback);
    double number(const std::string& key, double lo, double hi, double fallback);
    sim::Duration ms(const std::string& key, double lo_ms, double hi_ms, sim::Duration fallback);
    bool boolean(const std::string& key, bool fallback);
    std::string string(const std::string& key, const std::string& fallback, std::size_t max_len);
    [[noreturn]] void bad(const std::string& key, const std::string& why) const;
    void finish() const;

private:
    const nlohmann::json* get(const std::string& key);
    const nlohmann::json& m_j;
    std::string m_what;
    std::vector<std::string> m_known;
};

/// Milliseconds of a duration, for to_json().
double to_ms(sim::Duration d) noexcept;

}  // namespace local_service_detail

/// The base of every device behind the local HTTP service: routing, body
/// checks, the envelope, tracing (images and templates left out of traces,
/// R-9.1-1), the status endpoint and the 503 of an absent device.
class LocalServiceDevice : public HttpDevice {
public:
    /// One endpoint: method and the path after the prefix ("capture").
    struct Endpoint {
        std::string method;
        std::string name;
        std::vector<protocol::local_service::FieldSpec> fields;  ///< checks of its body
    };

    HttpResponse handle(sim::Time now, const HttpRequest& request) final;
    std::string path_prefix() const override { return m_prefix; }
    /// Every endpoint the device serves (status first), for help and tests.
    const std::vector<Endpoint>& endpoints() const noexcept { return m_endpoints; }

protected:

    /// The answer of one call, before it becomes the envelope.
    struct Reply {
        nlohmann::json data = nlohmann::json::object();
        std::optional<protocol::local_service::Failure> failure;
        nlohmann::json error_extra = nlohmann::json::object();  ///< members added to "error"
        sim::Duration delay{};  ///< how long the device takes to answer

        static Reply ok(nlohmann::json data, sim::Duration delay = {});
        static Reply fail(protocol::local_service::ServiceError e, std::string message,
                          nlohmann::json extra = nlohmann::json::object(), sim::Duration delay = {});
    };

    /// `endpoints` besides GET/POST status, which every device has.
    LocalServiceDevice(std::string id, std::string kind, std::uint64_t seed, std::string prefix,
                       std::vector<Endpoint> endpoints);

    /// Answers a routed call whose body passed its checks.
    virtual Reply call(sim::Time now, std::string_view endpoint, const nlohmann::json& body) = 0;
    /// Why no endpoint but status can answer ("absent", "disconnected"...), or nullopt.
    virtual std::optional<std::string> absent_reason(sim::Time now) const = 0;
    /// Device-specific members of the status endpoint's data.
    virtual nlohmann::json service_status(sim::Time now) const = 0;
    /// Brings time-driven state up to `now`; handle() calls it before anything else.
    virtual void settle(sim::Time now);

private:
    std::string m_prefix;
    std::vector<Endpoint> m_endpoints;
    std::vector<std::string> m_paths;  // storage the routes point into
    std::vector<protocol::local_service::Route> m_routes;
};

/// Timing and frame size both cameras have.
struct CameraBasics {
    std::uint32_t width = 0;   ///< frame width, pixels (16..1024)
    std::uint32_t height = 0;  ///< frame height, pixels (16..1024)
    sim::Duration open_latency{};     ///< "open_ms": start-up after open
    sim::Duration capture_latency{};  ///< "capture_ms": one capture
};

/// What the two cameras share: open/close with start-up latency, busy,
/// frozen frames, mid-stream disconnects and the absent state.
class Camera : public LocalServiceDevice {
public:
    DeviceStatus status(sim::Time now) const override;
    sim::Time next_wakeup() const override;
    void on_wakeup(sim::Time now) override;
    bool is_open() const noexcept { return m_open; }
    /// Frames captured so far.
    std::uint64_t frames() const noexcept { return m_frames; }

protected:
    /// A captured frame: the reply's data, and the PNG as Base64 (shared,
    /// not copied: frames are kept and compared far more often than sent).
    struct Frame {
        nlohmann::json data;  ///< everything the capture reply says but "image"
        std::shared_ptr<const std::string> image;  ///< the PNG, Base64
        std::uint64_t image_hash = 0;  ///< of the PNG bytes
        nlohmann::json truth = nlohmann::json::object();  ///< what was really in front (never sent)
    };

    Camera(std::string id, std::string kind, std::uint64_t seed, std::string prefix, CameraBasics basics,
           std::vector<Endpoint> endpoints, std::vector<std::string> model_faults);

    Reply call(sim::Time now, std::string_view endpoint, const nlohmann::json& body) override;
    std::optional<std::string> absent_reason(sim::Time now) const override;
    nlohmann::json service_status(sim::Time now) const override;

    /// Renders one frame of what the camera sees now (faults already struck).
    virtual Frame render(sim::Time now, const nlohmann::json& body, const FaultRule* op) = 0;
    /// Endpoints beyond status/open/close/capture.
    virtual Reply call_extra(sim::Time now, std::string_view endpoint, const nlohmann::json& body) = 0;
    /// Captures a frame (the capture endpoint's work, operation "capture"), or the failure.
    Reply capture(sim::Time now, const nlohmann::json& body);
    /// Takes a frame (operation "capture") into m_recent and adds the time it
    /// takes to `delay`; the failure reply if there is none.
    std::optional<Reply> shoot(sim::Time now, const nlohmann::json& body, sim::Duration& delay);
    /// The fault that strikes or holds for `op` / `name`, if any.
    const FaultRule* hit(sim::Time now, const FaultRule* op, std::string_view name) const;
    /// Spoiling conditions now (glare, blur, low_light).
    protocol::ImageEffects effects(sim::Time now, const FaultRule* op) const;
    /// Time left until the camera has started, from `now`.
    sim::Duration startup_left(sim::Time now) const;
    const CameraBasics& basics() const noexcept { return m_basics; }
    std::uint64_t next_frame_number() noexcept { return ++m_frames; }

    /// The last frames, newest last (for frozen_frame and compare).
    std::deque<Frame> m_recent;

private:
    Reply open(sim::Time now);
    CameraBasics m_basics;
    bool m_open = false;
    sim::Time m_ready_at{};
    std::uint64_t m_frames = 0;
    sim::Time m_last_now{};
};

// --- Face camera ------------------------------------------------------------------

enum class FaceSubject { none, live, photo, screen, two_people };

struct FaceCameraConfig {
    std::uint32_t width = 160;   ///< 160 x 120 grey PNG ≈ 19 KB, 26 KB as Base64
    std::uint32_t height = 120;
    sim::Duration open_latency = std::chrono::milliseconds(800);     ///< "open_ms"
    sim::Duration capture_latency = std::chrono::milliseconds(150);  ///< "capture_ms"
    sim::Duration compare_latency = std::chrono::milliseconds(300);  ///< "compare_ms"
    double threshold = 0.75;           ///< compare score needed for faceResult 1
    double match_mean = 0.88;          ///< score of the card holder, mean
    double match_sd = 0.04;
    double nonmatch_mean = 0.30;       ///< score of someone else, mean
    double nonmatch_sd = 0.08;
    double liveness_threshold = 0.5;   ///< liveness needed for faceResult 1
    double liveness_live = 0.95;       ///< liveness of a person, mean
    double liveness_photo = 0.15;      ///< ...of a printed photo
    double liveness_screen = 0.25;     ///< ...of a phone screen
    double liveness_sd = 0.04;
    FaceSubject subject = FaceSubject::none;  ///< who is in front at start

    /// Keys as above (durations in ms); unknown keys and bad values throw
    /// std::invalid_argument naming the key.
    static FaceCameraConfig from_json(const nlohmann::json& j);
    nlohmann::json to_json() const;
};

class FaceCamera : public Camera {
public:
    FaceCamera(std::string id, std::uint64_t seed, FaceCameraConfig config = {});
    const FaceCameraConfig& config() const noexcept { return m_config; }

protected:
    Frame render(sim::Time now, const nlohmann::json& body, const FaultRule* op) override;
    Reply call_extra(sim::Time now, std::string_view endpoint, const nlohmann::json& body) override;
    std::optional<ActionResult> on_action(sim::Time now, std::string_view name, const nlohmann::json& action) override;
    std::vector<std::string> model_actions() const override;
    nlohmann::json model_state(sim::Time now) const override;

private:
    Reply compare(sim::Time now, const nlohmann::json& body);
    FaceCameraConfig m_config;
    FaceSubject m_subject;
    bool m_match = true;
    std::optional<double> m_score;
    std::optional<std::uint32_t> m_template;  // of the presented person; nullopt: m_default_template
    std::uint32_t m_default_template;
    std::uint64_t m_presentations = 0;
    sim::Rng m_rng;
};

// --- Document camera ----------------------------------------------------------------

struct DocumentCameraConfig {
    std::uint32_t width = 200;   ///< 200 x 150 grey PNG ≈ 30 KB
    std::uint32_t height = 150;
    sim::Duration open_latency = std::chrono::milliseconds(1200);    ///< "open_ms"
    sim::Duration capture_latency = std::chrono::milliseconds(400);  ///< "capture_ms" (with auto-crop)
    double edge_min_quality = 0.6;  ///< frame quality below which the page's edges are not found
    protocol::DocumentKind document = protocol::DocumentKind::none;  ///< on the plate at start
    double skew_deg = 0;

    static DocumentCameraConfig from_json(const nlohmann::json& j);
    nlohmann::json to_json() const;
};

class DocumentCamera : public Camera {
public:
    DocumentCamera(std::string id, std::uint64_t seed, DocumentCameraConfig config = {});
    const DocumentCameraConfig& config() const noexcept { return m_config; }

protected:
    Frame render(sim::Time now, const nlohmann::json& body, const FaultRule* op) override;
    Reply call_extra(sim::Time now, std::string_view endpoint, const nlohmann::json& body) override;
    std::optional<ActionResult> on_action(sim::Time now, std::string_view name, const nlohmann::json& action) override;
    std::vector<std::string> model_actions() const override;
    nlohmann::json model_state(sim::Time now) const override;

private:
    DocumentCameraConfig m_config;
    protocol::DocumentKind m_kind;
    double m_skew_deg;
    std::uint64_t m_placements = 0;
};

/// "none", "live", "photo", "screen", "two_people".
const char* to_string(FaceSubject s) noexcept;
std::optional<FaceSubject> parse_face_subject(std::string_view name) noexcept;

}  // namespace kiosktwin::devices
