// Deterministic synthetic camera frames for the emulated face camera,
// document camera (高拍仪) and signature pad: small greyscale images, the
// same bytes for the same inputs, encoded as PNG (kiosktwin/protocol/png.hpp).
//
// They are drawings, not photographs: a face is an ellipse with hair, eyes
// and a mouth; a document is a bright page with text bars on a dark desk.
// What matters to the kiosk program is that they are real PNGs of a stated
// size, that their content follows the scene (0, 1 or 2 faces, the page's
// corners where the metadata says), and that quality effects (glare, blur,
// low light) change the pixels measurably (measure_image).
#pragma once

#include <kiosktwin/protocol/bytes.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

namespace kiosktwin::protocol {

/// An 8-bit greyscale image, rows top to bottom, one byte a pixel.
struct GreyImage {
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    Bytes pixels;  ///< width * height bytes
    std::uint8_t at(std::uint32_t x, std::uint32_t y) const { return pixels[std::size_t{y} * width + x]; }
    friend bool operator==(const GreyImage&, const GreyImage&) = default;
};

/// A point in image pixels (x right, y down).
struct PointF {
    double x = 0;
    double y = 0;
    friend bool operator==(const PointF&, const PointF&) = default;
};

/// Capture conditions that spoil a frame.
struct ImageEffects {
    bool glare = false;      ///< a saturated hotspot (lamp reflection on a glossy card or screen)
    bool blur = false;       ///< out of focus or moving
    bool low_light = false;  ///< dark and noisy
    friend bool operator==(const ImageEffects&, const ImageEffects&) = default;
};

/// How a face is presented to the camera (liveness cues drawn into the frame).
enum class FacePresentation : std::uint8_t {
    live,    ///< a person
    photo,   ///< a printed photo: a white border around the face
    screen,  ///< a phone or tablet screen: scanlines
};

struct FaceScene {
    int faces = 1;  ///< 0, 1 or 2 (more are clamped to 2)
    FacePresentation presentation = FacePresentation::live;
    std::uint64_t variant = 0;  ///< who and where: position, size and sensor noise
    ImageEffects effects;
};

/// A frame of the face camera. Throws std::invalid_argument if a side is
/// below 16 or above 4096 pixels.
GreyImage render_face_scene(std::uint32_t width, std::uint32_t height, const FaceScene& scene);

/// What lies on the document camera's plate.
enum class DocumentKind : std::uint8_t { none, id_front, id_back, a4, household_register };
/// "none", "id_front", "id_back", "a4", "household_register".
const char* to_string(DocumentKind k) noexcept;
std::optional<DocumentKind> parse_document_kind(std::string_view name) noexcept;
/// Width / height of the document as it lies on the plate (ID card 85.6 × 54
/// mm, A4 portrait 210 × 297 mm, 户口簿 page 143 × 105 mm); 0 for none.
double document_aspect(DocumentKind k) noexcept;

struct DocumentScene {
    DocumentKind kind = DocumentKind::a4;
    double skew_deg = 0;  ///< rotation on the plate, clockwise, clamped to ±45
    std::uint64_t variant = 0;
    ImageEffects effects;
};

/// A frame of the document camera, with where the page's corners are.
struct DocumentFrame {
    GreyImage image;
    /// Top-left, top-right, bottom-right, bottom-left of the page (as it
    /// would be read upright), in frame pixels; nullopt when there is no page.
    std::optional<std::array<PointF, 4>> corners;
};

/// A frame of the document camera. Throws std::invalid_argument as render_face_scene.
DocumentFrame render_document_scene(std::uint32_t width, std::uint32_t height, const DocumentScene& scene);
/// The page alone, upright, `width` pixels wide (height from its aspect): what
/// auto-crop and deskew (裁边/纠偏) produce. Throws for DocumentKind::none.
GreyImage render_document_page(std::uint32_t width, DocumentKind kind, std::uint64_t variant,
                               const ImageEffects& effects = {});

/// Pen strokes drawn dark on white, `thickness` pixels wide (signature pad).
GreyImage render_strokes(std::uint32_t width, std::uint32_t height, const std::vector<std::vector<PointF>>& strokes,
                         double thickness = 2.0);

/// Applies capture effects (glare, blur, low light) to an image, seeded.
void apply_effects(GreyImage& image, const ImageEffects& effects, std::uint64_t seed);

/// Simple measurements of an image.
struct ImageStats {
    double mean = 0;        ///< brightness, 0..255
    double contrast = 0;    ///< standard deviation of the pixels
    double sharpness = 0;   ///< the 99.5th percentile of neighbour differences: how steep the edges are
    double saturated = 0;   ///< share of pixels at 250 or above
    /// A 0..1 score from the above: exposure, contrast and sharpness, minus glare.
    double quality = 0;
};
ImageStats measure_image(const GreyImage& image);

/// The image as a greyscale PNG.
Bytes to_png(const GreyImage& image);

}  // namespace kiosktwin::protocol
