#include <kiosktwin/kiosk/drivers/cameras.hpp>

#include <kiosktwin/protocol/base64.hpp>

#include <utility>

namespace kiosktwin::kiosk {

using nlohmann::json;

namespace {

double number(const json& d, const char* key) {
    const auto it = d.find(key);
    return it != d.end() && it->is_number() ? it->get<double>() : 0.0;
}

int integer(const json& d, const char* key) {
    const auto it = d.find(key);
    return it != d.end() && it->is_number_integer() ? it->get<int>() : 0;
}

std::uint64_t frame_number(const json& d) {
    const auto it = d.find("frame");
    return it != d.end() && it->is_number_unsigned() ? it->get<std::uint64_t>() : 0;
}

// Moves a string member out of the reply (a frame is tens of kilobytes: no copy).
std::string take_string(json& d, const char* key) {
    const auto it = d.find(key);
    if (it == d.end() || !it->is_string()) return {};
    return std::move(it->get_ref<std::string&>());
}

}  // namespace

// --- CameraDriver ------------------------------------------------------------------------

CameraDriver::CameraDriver(HttpChannel& channel, std::string kind, CameraOptions options)
    : LocalServiceDriver(channel, std::move(kind), options.service), m_camera(options) {}

sim::Process<ServiceResult> CameraDriver::open_camera() {
    // Opening an open camera only waits for the rest of its start-up: safe to re-send.
    const CallOptions how{.idempotent = true, .timeout = m_camera.open_timeout};
    ServiceResult r = co_await exchange("open", {}, how);
    m_open = r.ok();
    co_return r;
}

sim::Process<ServiceResult> CameraDriver::open() {
    ++m_counters.operations;
    ServiceResult r = co_await open_camera();
    if (!r.ok()) ++m_counters.failures;
    learn(r);
    co_return r;
}

sim::Process<ServiceResult> CameraDriver::close() {
    ++m_counters.operations;
    const CallOptions how{.idempotent = true};
    ServiceResult r = co_await exchange("close", {}, how);
    m_open = false;
    if (!r.ok()) ++m_counters.failures;
    learn(r);
    co_return r;
}

void CameraDriver::on_status(const json& data) {
    if (const auto it = data.find("open"); it != data.end() && it->is_boolean()) m_open = it->get<bool>();
}

sim::Process<CameraDriver::Shot> CameraDriver::shoot(std::string body) {
    Shot shot;
    if (!m_open) {
        ServiceResult o = co_await open_camera();
        if (!o.ok()) {
            learn(o);
            shot.result = std::move(o);
            co_return shot;
        }
    }
    const CallOptions how{.idempotent = true, .timeout = m_camera.capture_timeout};
    bool reopened = false;
    bool frozen_once = false;
    int spoilt_left = m_camera.spoilt_retries;
    for (;;) {
        ServiceResult r = co_await exchange("capture", body, how);
        ++shot.captures;
        if (r.error == "not-open" && !reopened) {
            reopened = true;
            ++m_counters.retries;
            ServiceResult o = co_await open_camera();
            if (!o.ok()) {
                learn(o);
                shot.result = std::move(o);
                co_return shot;
            }
            continue;
        }
        if (!r.ok()) {
            // After a mid-stream loss the camera has closed itself; after a
            // timeout nobody knows. Opening again next time is harmless.
            m_open = false;
            learn(r);
            shot.result = std::move(r);
            co_return shot;
        }
        const std::uint64_t frame = frame_number(r.data);
        if (frame != 0 && frame == m_last_frame) {
            if (!frozen_once) {
                frozen_once = true;
                ++m_counters.retries;
                continue;
            }
            shot.frozen = true;
        } else if (frame != 0) {
            m_last_frame = frame;
        }
        if (!shot.frozen && spoilt(r.data)) {
            if (spoilt_left-- > 0) {
                ++m_counters.retries;
                continue;
            }
            shot.warning = "low-quality";
        }
        learn(r);
        if (shot.frozen) note_warning("frozen-frame");
        else if (!shot.warning.empty()) note_warning(shot.warning);
        shot.result = std::move(r);
        co_return shot;
    }
}

// --- Face camera -------------------------------------------------------------------------

FaceCameraDriver::FaceCameraDriver(HttpChannel& channel, CameraOptions options)
    : CameraDriver(channel, "face_camera", options) {}

bool FaceCameraDriver::spoilt(const json& data) const {
    // Nobody in front is an empty frame, not a spoilt one.
    return integer(data, "faces") > 0 && number(data, "quality") < camera_options().min_quality;
}

sim::Process<FaceCapture> FaceCameraDriver::capture() {
    ++m_counters.operations;
    Shot shot = co_await shoot("{}");
    FaceCapture c;
    c.captures = shot.captures;
    c.warning = std::move(shot.warning);
    ServiceResult& r = shot.result;
    if (!r.ok()) {
        ++m_counters.failures;
        c.error = std::move(r.error);
        co_return c;
    }
    json& d = r.data;
    c.width = integer(d, "width");
    c.height = integer(d, "height");
    c.faces = integer(d, "faces");
    c.liveness = number(d, "liveness");
    c.quality = number(d, "quality");
    c.frame = frame_number(d);
    if (shot.frozen) {
        // A stale frame may show whoever stood here before: it is not handed on.
        ++m_counters.failures;
        c.error = "frozen-frame";
        co_return c;
    }
    c.image = take_string(d, "image");
    if (const auto t = d.find("template");
        t != d.end() && t->is_number_unsigned() && t->get<std::uint64_t>() <= 0xFFFF'FFFFu)
        c.face_template = static_cast<std::uint32_t>(t->get<std::uint64_t>());
    if (c.faces == 0) c.error = "no-face";
    else if (c.faces > 1) c.error = "multiple-faces";
    else if (c.liveness < camera_options().liveness_threshold) c.error = "liveness-fail";
    co_return c;
}

sim::Process<FaceCompare> FaceCameraDriver::compare(const devices::Bytes& id_photo, std::string_view image) {
    ++m_counters.operations;
    FaceCompare c;
    // Base64 needs no JSON escaping: the body is assembled, not serialised.
    const std::string photo = protocol::base64_encode(id_photo);
    std::string body;
    body.reserve(photo.size() + image.size() + 32);
    body.append(R"({"id_photo":")").append(photo).push_back('"');
    if (!image.empty()) body.append(R"(,"image":")").append(image).push_back('"');
    body.push_back('}');
    // Without an image the camera captures one itself, and must be open for it.
    const bool camera_captures = image.empty();
    if (camera_captures && !is_open()) {
        ServiceResult o = co_await open_camera();
        if (!o.ok()) {
            ++m_counters.failures;
            learn(o);
            c.error = std::move(o.error);
            co_return c;
        }
    }
    const CallOptions how{.idempotent = true, .timeout = camera_options().compare_timeout};
    // The body is kept only while a re-open may need it again.
    std::string first = camera_captures ? body : std::move(body);
    ServiceResult r = co_await exchange("compare", std::move(first), how);
    if (r.error == "not-open" && camera_captures) {
        ++m_counters.retries;
        ServiceResult o = co_await open_camera();
        if (o.ok()) r = co_await exchange("compare", std::move(body), how);
        else r = std::move(o);
    }
    if (r.error == "hardware-error") forget_open();
    learn(r);
    if (!r.ok()) {
        ++m_counters.failures;
        c.error = std::move(r.error);
        co_return c;
    }
    const json& d = r.data;
    c.score = number(d, "score");
    c.threshold = number(d, "threshold");
    c.liveness = number(d, "liveness");
    c.faces = integer(d, "faces");
    const int result = integer(d, "faceResult");
    c.passed = result == 1;
    if (!c.passed) {
        const auto reason = d.find("reason");
        c.reason = reason != d.end() && reason->is_string() ? reason->get<std::string>()
                   : result == 3                             ? "no-face"
                                                             : "mismatch";
    }
    co_return c;
}

// --- Document camera ---------------------------------------------------------------------

DocumentCameraDriver::DocumentCameraDriver(HttpChannel& channel, CameraOptions options)
    : CameraDriver(channel, "document_camera", options) {}

bool DocumentCameraDriver::spoilt(const json& data) const {
    return number(data, "quality") < camera_options().min_quality;
}

sim::Process<DocumentCapture> DocumentCameraDriver::capture(bool crop) {
    ++m_counters.operations;
    Shot shot = co_await shoot(crop ? R"({"crop":true})" : R"({"crop":false})");
    DocumentCapture c;
    c.captures = shot.captures;
    c.warning = std::move(shot.warning);
    ServiceResult& r = shot.result;
    if (!r.ok()) {
        ++m_counters.failures;
        c.error = std::move(r.error);
        co_return c;
    }
    json& d = r.data;
    c.width = integer(d, "width");
    c.height = integer(d, "height");
    c.quality = number(d, "quality");
    c.frame = frame_number(d);
    if (const auto cr = d.find("cropped"); cr != d.end() && cr->is_boolean()) c.cropped = cr->get<bool>();
    if (const auto sk = d.find("skew_deg"); sk != d.end() && sk->is_number()) c.skew_deg = sk->get<double>();
    if (shot.frozen) {
        ++m_counters.failures;
        c.error = "frozen-frame";
        co_return c;
    }
    c.image = take_string(d, "image");
    if (crop && !c.cropped) c.error = "crop-fail";
    co_return c;
}

}  // namespace kiosktwin::kiosk
