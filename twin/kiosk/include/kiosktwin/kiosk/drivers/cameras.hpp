// Drivers of the face camera (人脸识别 / 人证核验, peripherals.md H2) and the
// document camera (高拍仪, H3) behind the kiosk's local HTTP service on
// 127.0.0.1 (R-8.3-1). Both build on LocalServiceDriver (local_service.hpp:
// envelope, retries, the status poll and its mapping, R-7.2-1) and add what a
// camera needs:
//
// * open before use: capture() opens a closed camera first (and waits its
//   start-up latency), and opens it again once when the camera answers
//   not-open (another program closed it, a mid-stream disconnect);
// * frozen frames: a capture whose frame number is the previous one's is a
//   stale image (the sensor stopped); it is taken again once, and a second
//   frozen frame is the error "frozen-frame" — never a picture of whoever
//   stood there before;
// * spoilt frames (glare, blur, low light: quality below min_quality) are
//   taken again up to spoilt_retries times, then returned with the warning
//   "low-quality". The face camera judges quality only when it sees a face:
//   an empty scene is no face, not a bad sensor. The document camera cannot
//   tell an empty plate from a dark one: both come back as low-quality.
//
// Capture errors (besides local_service.hpp's transport and device keywords —
// "timeout", "absent", "no-service", "device-busy", "hardware-error"...):
//   face:     "no-face", "multiple-faces", "liveness-fail" (one face, liveness below
//             liveness_threshold: a photo or a screen), "frozen-frame"
//   document: "crop-fail" (crop asked and the page's edges not found: the whole
//             frame comes back), "frozen-frame"
// These outcomes still carry the frame's fields; the citizen's part (no face,
// no page) leaves the status alone.
//
// Status evidence beyond local_service.hpp's:
//   a frame returned "low-quality"   WARN [polled reasons..., "low-quality"]
//   "frozen-frame"                   WARN [polled reasons..., "frozen-frame"]
//   "hardware-error" (a capture lost mid-stream: the camera closed itself)  FAULT ["hardware-error"]
//   a clean capture afterwards restores the polled status.
//
// The driver keeps no image, template or ID photo after a call returns: they
// are handed to the caller (R-9.1-1); it remembers only the last frame number.
#pragma once

#include <kiosktwin/kiosk/drivers/local_service.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kiosktwin::kiosk {

/// Timeouts and limits of a camera driver. A capture is slow (start-up of up
/// to seconds, then the exposure): the defaults leave room for a slow start.
struct CameraOptions {
    LocalServiceOptions service{.retries = 1};             ///< status, close; transient re-sends
    sim::Duration open_timeout = std::chrono::seconds(8);      ///< open: the camera's start-up
    sim::Duration capture_timeout = std::chrono::seconds(5);   ///< one capture (and the start-up left)
    sim::Duration compare_timeout = std::chrono::seconds(5);   ///< one face compare (with its capture)
    double min_quality = 0.6;        ///< frame quality (0..1) below which a frame is spoilt
    int spoilt_retries = 2;          ///< re-captures of a spoilt frame before it is returned
    double liveness_threshold = 0.5; ///< face: liveness (0..1) a capture needs
};

/// What the two camera drivers share: open / close and the capture loop.
class CameraDriver : public LocalServiceDriver {
public:
    /// POST open; `data` {"open", "startup_ms"}. Waits the start-up latency.
    sim::Process<ServiceResult> open();
    /// POST close.
    sim::Process<ServiceResult> close();
    /// Whether the driver believes the camera open (polls and failures correct it).
    bool is_open() const noexcept { return m_open; }
    CameraOptions& camera_options() noexcept { return m_camera; }
    const CameraOptions& camera_options() const noexcept { return m_camera; }

protected:
    CameraDriver(HttpChannel& channel, std::string kind, CameraOptions options);

    /// The outcome of the capture loop.
    struct Shot {
        ServiceResult result;  ///< of the last capture (or of the open that failed)
        std::string warning;   ///< "" or "low-quality"
        bool frozen = false;   ///< the frame was frozen twice in a row
        int captures = 0;      ///< capture requests sent
    };
    /// Opens if needed and captures with `body`: re-opens once after not-open,
    /// re-captures a frozen frame once and a spoilt one up to spoilt_retries.
    /// Records the status evidence (learn, warnings); counts no operation.
    sim::Process<Shot> shoot(std::string body);
    /// Opens without counting an operation; updates is_open().
    sim::Process<ServiceResult> open_camera();
    /// Whether a capture's data is a spoilt frame worth taking again.
    virtual bool spoilt(const nlohmann::json& data) const = 0;
    void on_status(const nlohmann::json& data) override;
    void forget_open() noexcept { m_open = false; }

private:
    CameraOptions m_camera;
    bool m_open = false;
    std::uint64_t m_last_frame = 0;  // 0: none seen
};

// --- Face camera ---------------------------------------------------------------------

/// One face capture.
struct FaceCapture {
    std::string error;    ///< "" or a keyword (header comment)
    std::string warning;  ///< "" or "low-quality"
    std::string image;    ///< Base64 PNG, the caller's (the driver keeps no copy)
    int width = 0;
    int height = 0;
    int faces = 0;        ///< faces in the frame
    double liveness = 0;  ///< 0..1
    double quality = 0;   ///< 0..1
    std::uint64_t frame = 0;  ///< the camera's frame number
    /// The face's feature template (the gateway's sample_template), when the
    /// frame shows one face the camera could read.
    std::optional<std::uint32_t> face_template;
    int captures = 0;     ///< capture requests it took
    bool ok() const noexcept { return error.empty(); }
};

/// One 1:1 compare (人证比对) of the ID photo with a live face.
struct FaceCompare {
    std::string error;     ///< transport or device failure; "" when the camera judged
    double score = 0;      ///< 0..1
    double threshold = 0;  ///< the camera's pass mark
    bool passed = false;   ///< faceResult 1
    std::string reason;    ///< "" passed; "mismatch", "liveness-fail", "no-face", "multiple-faces"
    double liveness = 0;
    int faces = 0;
    bool ok() const noexcept { return error.empty(); }
};

class FaceCameraDriver final : public CameraDriver {
public:
    /// `channel` (prefix /camera/face) must outlive the driver.
    explicit FaceCameraDriver(HttpChannel& channel, CameraOptions options = {});

    /// Takes one frame (opening the camera first if needed).
    sim::Process<FaceCapture> capture();
    /// The camera's compare of `id_photo` (the ID card's WLT photo bytes) with
    /// `image` (a Base64 frame from capture(); empty: the camera takes one,
    /// opened first if needed). Both must stay alive until the call ends.
    sim::Process<FaceCompare> compare(const devices::Bytes& id_photo, std::string_view image = {});

protected:
    bool spoilt(const nlohmann::json& data) const override;
};

// --- Document camera -------------------------------------------------------------------

/// One document capture.
struct DocumentCapture {
    std::string error;    ///< "" or a keyword (header comment)
    std::string warning;  ///< "" or "low-quality"
    std::string image;    ///< Base64 PNG: the page alone when cropped, else the frame
    int width = 0;
    int height = 0;
    bool cropped = false;             ///< 裁边/纠偏 done
    std::optional<double> skew_deg;   ///< the page's skew, when its edges were found
    double quality = 0;               ///< 0..1
    std::uint64_t frame = 0;
    int captures = 0;
    bool ok() const noexcept { return error.empty(); }
};

class DocumentCameraDriver final : public CameraDriver {
public:
    /// `channel` (prefix /camera/document) must outlive the driver.
    explicit DocumentCameraDriver(HttpChannel& channel, CameraOptions options = {});

    /// Takes one frame; with `crop`, the page cut out and set upright.
    sim::Process<DocumentCapture> capture(bool crop = true);

protected:
    bool spoilt(const nlohmann::json& data) const override;
};

}  // namespace kiosktwin::kiosk
