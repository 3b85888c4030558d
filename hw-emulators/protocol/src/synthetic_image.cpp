#include <kiosktwin/protocol/synthetic_image.hpp>

#include <kiosktwin/protocol/png.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>

namespace kiosktwin::protocol {

namespace {

constexpr std::uint32_t k_min_side = 16;
constexpr std::uint32_t k_max_side = 4096;

// SplitMix64: the images' only randomness, so the same scene gives the same bytes.
class Noise {
public:
    explicit Noise(std::uint64_t seed) : m_state(seed ^ 0x5EED'1A6E'0000'0001ull) {}
    std::uint64_t next() {
        std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    /// Uniform in [0, 1).
    double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    /// Uniform in [-a, a).
    double symmetric(double a) { return (unit() * 2.0 - 1.0) * a; }

private:
    std::uint64_t m_state;
};

std::uint8_t clamp_byte(double v) { return static_cast<std::uint8_t>(std::clamp(std::lround(v), 0L, 255L)); }

void check_size(std::uint32_t w, std::uint32_t h) {
    if (w < k_min_side || h < k_min_side || w > k_max_side || h > k_max_side)
        throw std::invalid_argument("synthetic image: sides must be 16..4096 pixels");
}

GreyImage blank(std::uint32_t w, std::uint32_t h, std::uint8_t value) {
    return GreyImage{w, h, Bytes(std::size_t{w} * h, value)};
}

bool in_ellipse(double x, double y, double cx, double cy, double rx, double ry) {
    const double dx = (x - cx) / rx;
    const double dy = (y - cy) / ry;
    return dx * dx + dy * dy <= 1.0;
}

void add_noise(GreyImage& img, Noise& noise, double amplitude) {
    for (auto& p : img.pixels) p = clamp_byte(p + noise.symmetric(amplitude));
}

// One face: hair, head, eyes, nose, mouth, shoulders; `tone` is the skin's grey.
void draw_face(GreyImage& img, double cx, double cy, double rx, double ry, double tone) {
    for (std::uint32_t y = 0; y < img.height; ++y)
        for (std::uint32_t x = 0; x < img.width; ++x) {
            const double px = x + 0.5;
            const double py = y + 0.5;
            auto& p = img.pixels[std::size_t{y} * img.width + x];
            if (in_ellipse(px, py, cx, cy + 2.0 * ry, rx * 2.1, ry * 1.15)) p = 85;  // shoulders
            if (in_ellipse(px, py, cx, cy - 0.18 * ry, rx * 1.08, ry * 0.95)) p = 45;  // hair
            if (!in_ellipse(px, py, cx, cy + 0.05 * ry, rx, ry * 0.92)) continue;
            double v = tone;
            if (in_ellipse(px, py, cx - 0.38 * rx, cy - 0.12 * ry, 0.16 * rx, 0.08 * ry) ||
                in_ellipse(px, py, cx + 0.38 * rx, cy - 0.12 * ry, 0.16 * rx, 0.08 * ry))
                v = 35;  // eyes
            else if (in_ellipse(px, py, cx, cy + 0.15 * ry, 0.07 * rx, 0.17 * ry))
                v = tone - 30;  // nose
            else if (in_ellipse(px, py, cx, cy + 0.48 * ry, 0.34 * rx, 0.06 * ry))
                v = 70;  // mouth
            p = clamp_byte(v);
        }
}

double page_shade(DocumentKind kind, double u, double v, std::uint64_t variant) {
    // A dark bar of text from u0 to u1 on the line centred at vc, thickness t.
    const auto bar = [&](double u0, double u1, double vc, double t) {
        return u >= u0 && u <= u1 && std::fabs(v - vc) <= t / 2;
    };
    const double text = 70;
    // Line lengths vary with the variant so that two documents differ.
    const auto len = [&](int line) {
        const std::uint64_t h = (variant + 1) * 0x9E3779B97F4A7C15ull + static_cast<std::uint64_t>(line) * 0xBF58476D1CE4E5B9ull;
        return 0.55 + 0.4 * static_cast<double>((h >> 40) & 0xFF) / 255.0;
    };
    switch (kind) {
    case DocumentKind::none: return 0;
    case DocumentKind::id_front: {
        if (u >= 0.64 && u <= 0.92 && v >= 0.14 && v <= 0.80) {  // the photo
            if (in_ellipse(u, v, 0.78, 0.44, 0.085, 0.17)) return 150;
            if (in_ellipse(u, v, 0.78, 0.78, 0.13, 0.14)) return 90;
            return 185;
        }
        for (int i = 0; i < 4; ++i)
            if (bar(0.08, 0.08 + 0.5 * len(i), 0.15 + 0.14 * i, 0.05)) return text;
        if (bar(0.32, 0.92, 0.88, 0.06)) return 50;  // the citizen number
        return 210 + 10 * std::sin(u * 9.0 + v * 5.0);  // the card's security print
    }
    case DocumentKind::id_back: {
        if (in_ellipse(u, v, 0.17, 0.28, 0.09, 0.14)) return 120;  // the emblem
        if (bar(0.35, 0.85, 0.2, 0.08)) return 60;
        if (bar(0.45, 0.75, 0.34, 0.05)) return 80;
        if (bar(0.2, 0.2 + 0.6 * len(1), 0.72, 0.045)) return text;
        if (bar(0.2, 0.2 + 0.6 * len(2), 0.84, 0.045)) return text;
        return 212 + 8 * std::cos(u * 7.0 - v * 4.0);
    }
    case DocumentKind::a4: {
        if (bar(0.3, 0.7, 0.07, 0.018)) return 40;  // the title
        for (int i = 0; i < 20; ++i)
            if (bar(0.1, 0.1 + 0.8 * len(i), 0.14 + 0.038 * i, 0.012)) return text;
        return 232;
    }
    case DocumentKind::household_register: {
        const double gu = u * 4.0;
        const double gv = v * 8.0;
        if (u > 0.04 && u < 0.96 && v > 0.06 && v < 0.94 &&
            (std::fabs(gu - std::round(gu)) < 0.012 * 4.0 || std::fabs(gv - std::round(gv)) < 0.006 * 8.0))
            return 110;  // the form's grid
        if (bar(0.3, 0.7, 0.03, 0.025)) return 60;
        const int row = static_cast<int>(gv);
        const int col = static_cast<int>(gu);
        const double cu = gu - col;
        const double cv = gv - row;
        if (row >= 1 && row <= 6 && cv > 0.35 && cv < 0.65 && cu > 0.15 && cu < 0.15 + 0.7 * len(row * 4 + col))
            return text;
        return 226;
    }
    }
    return 0;
}

void box_blur(GreyImage& img, int radius) {
    const auto w = static_cast<int>(img.width);
    const auto h = static_cast<int>(img.height);
    Bytes tmp(img.pixels.size());
    for (int pass = 0; pass < 2; ++pass) {
        const bool horizontal = pass == 0;
        for (int y = 0; y < h; ++y)
            for (int x = 0; x < w; ++x) {
                int sum = 0;
                int n = 0;
                for (int k = -radius; k <= radius; ++k) {
                    const int xx = horizontal ? x + k : x;
                    const int yy = horizontal ? y : y + k;
                    if (xx < 0 || yy < 0 || xx >= w || yy >= h) continue;
                    sum += img.pixels[static_cast<std::size_t>(yy) * img.width + static_cast<std::size_t>(xx)];
                    ++n;
                }
                tmp[static_cast<std::size_t>(y) * img.width + static_cast<std::size_t>(x)] =
                    static_cast<std::uint8_t>(sum / n);
            }
        img.pixels.swap(tmp);
    }
}

}  // namespace

// --- Faces -------------------------------------------------------------------------

GreyImage render_face_scene(std::uint32_t width, std::uint32_t height, const FaceScene& scene) {
    check_size(width, height);
    Noise noise(scene.variant);
    GreyImage img = blank(width, height, 0);
    // A wall, lit from above.
    for (std::uint32_t y = 0; y < height; ++y)
        for (std::uint32_t x = 0; x < width; ++x)
            img.pixels[std::size_t{y} * width + x] = clamp_byte(205.0 - 35.0 * y / height);
    const double w = width;
    const double h = height;
    const double s = std::min(w, h);
    const int faces = std::clamp(scene.faces, 0, 2);
    const double jx = noise.symmetric(0.05) * w;
    const double jy = noise.symmetric(0.04) * h;
    const double tone = 160 + noise.symmetric(20);
    if (faces == 1) {
        const double rx = s * (0.22 + noise.symmetric(0.02));
        if (scene.presentation == FacePresentation::photo) {
            // The edge of a printed photo held up to the lens.
            const double x0 = w / 2 + jx - 1.7 * rx;
            const double x1 = w / 2 + jx + 1.7 * rx;
            const double y0 = h * 0.45 + jy - 2.0 * rx;
            const double y1 = h * 0.45 + jy + 2.3 * rx;
            for (std::uint32_t y = 0; y < height; ++y)
                for (std::uint32_t x = 0; x < width; ++x) {
                    const double px = x + 0.5;
                    const double py = y + 0.5;
                    if (px >= x0 && px <= x1 && py >= y0 && py <= y1)
                        img.pixels[std::size_t{y} * width + x] =
                            (px < x0 + 5 || px > x1 - 5 || py < y0 + 5 || py > y1 - 5) ? 245 : 190;
                }
        }
        draw_face(img, w / 2 + jx, h * 0.45 + jy, rx, rx * 1.3, tone);
    } else if (faces == 2) {
        const double rx = s * 0.15;
        draw_face(img, w * 0.3 + jx * 0.5, h * 0.45 + jy, rx, rx * 1.3, tone);
        draw_face(img, w * 0.7 + jx * 0.5, h * 0.47 + jy, rx * 0.95, rx * 1.25, tone - 25);
    }
    if (scene.presentation == FacePresentation::screen) {
        // A phone screen: scanlines and compressed contrast.
        for (std::uint32_t y = 0; y < height; ++y)
            for (std::uint32_t x = 0; x < width; ++x) {
                auto& p = img.pixels[std::size_t{y} * width + x];
                p = clamp_byte(60 + 0.7 * p - (y % 3 == 0 ? 22 : 0));
            }
    }
    add_noise(img, noise, 3);
    apply_effects(img, scene.effects, scene.variant);
    return img;
}

// --- Documents ----------------------------------------------------------------------

const char* to_string(DocumentKind k) noexcept {
    switch (k) {
    case DocumentKind::none: return "none";
    case DocumentKind::id_front: return "id_front";
    case DocumentKind::id_back: return "id_back";
    case DocumentKind::a4: return "a4";
    case DocumentKind::household_register: return "household_register";
    }
    return "?";
}

std::optional<DocumentKind> parse_document_kind(std::string_view name) noexcept {
    for (DocumentKind k : {DocumentKind::none, DocumentKind::id_front, DocumentKind::id_back, DocumentKind::a4,
                           DocumentKind::household_register})
        if (name == to_string(k)) return k;
    return std::nullopt;
}

double document_aspect(DocumentKind k) noexcept {
    switch (k) {
    case DocumentKind::none: return 0;
    case DocumentKind::id_front:
    case DocumentKind::id_back: return 85.6 / 54.0;
    case DocumentKind::a4: return 210.0 / 297.0;
    case DocumentKind::household_register: return 143.0 / 105.0;
    }
    return 0;
}

DocumentFrame render_document_scene(std::uint32_t width, std::uint32_t height, const DocumentScene& scene) {
    check_size(width, height);
    Noise noise(scene.variant ^ 0xD0C);
    DocumentFrame f;
    f.image = blank(width, height, 0);
    const double w = width;
    const double h = height;
    // A dark desk plate with a faint texture.
    for (std::uint32_t y = 0; y < height; ++y)
        for (std::uint32_t x = 0; x < width; ++x)
            f.image.pixels[std::size_t{y} * width + x] = clamp_byte(32 + 6 * std::sin(x * 0.7) * std::cos(y * 0.5));
    if (scene.kind != DocumentKind::none) {
        const double aspect = document_aspect(scene.kind);
        const double theta = std::clamp(std::isfinite(scene.skew_deg) ? scene.skew_deg : 0.0, -45.0, 45.0) *
                             std::numbers::pi / 180.0;
        const double c = std::cos(theta);
        const double sn = std::sin(theta);
        // The largest page of this aspect whose rotated bounding box fills 85% of the frame.
        double pw = 1.0;
        double ph = 1.0 / aspect;
        const double bw = pw * std::fabs(c) + ph * std::fabs(sn);
        const double bh = pw * std::fabs(sn) + ph * std::fabs(c);
        const double scale = std::min(0.85 * w / bw, 0.85 * h / bh);
        pw *= scale;
        ph *= scale;
        const double cx = w / 2 + noise.symmetric(0.03) * w;
        const double cy = h / 2 + noise.symmetric(0.03) * h;
        for (std::uint32_t y = 0; y < height; ++y)
            for (std::uint32_t x = 0; x < width; ++x) {
                const double dx = x + 0.5 - cx;
                const double dy = y + 0.5 - cy;
                const double u = (dx * c + dy * sn) / pw + 0.5;
                const double v = (-dx * sn + dy * c) / ph + 0.5;
                if (u < 0 || u > 1 || v < 0 || v > 1) continue;
                f.image.pixels[std::size_t{y} * width + x] = clamp_byte(page_shade(scene.kind, u, v, scene.variant));
            }
        std::array<PointF, 4> corners;
        const double lx[4] = {-pw / 2, pw / 2, pw / 2, -pw / 2};
        const double ly[4] = {-ph / 2, -ph / 2, ph / 2, ph / 2};
        for (int i = 0; i < 4; ++i) corners[static_cast<std::size_t>(i)] = PointF{cx + lx[i] * c - ly[i] * sn, cy + lx[i] * sn + ly[i] * c};
        f.corners = corners;
    }
    add_noise(f.image, noise, 3);
    apply_effects(f.image, scene.effects, scene.variant);
    return f;
}

GreyImage render_document_page(std::uint32_t width, DocumentKind kind, std::uint64_t variant,
                               const ImageEffects& effects) {
    if (kind == DocumentKind::none) throw std::invalid_argument("render_document_page: no document");
    const auto height = static_cast<std::uint32_t>(std::lround(width / document_aspect(kind)));
    check_size(width, height);
    GreyImage img = blank(width, height, 0);
    for (std::uint32_t y = 0; y < height; ++y)
        for (std::uint32_t x = 0; x < width; ++x)
            img.pixels[std::size_t{y} * width + x] =
                clamp_byte(page_shade(kind, (x + 0.5) / width, (y + 0.5) / height, variant));
    Noise noise(variant ^ 0xC209);
    add_noise(img, noise, 3);
    apply_effects(img, effects, variant);
    return img;
}

// --- Strokes ---------------------------------------------------------------------------

GreyImage render_strokes(std::uint32_t width, std::uint32_t height, const std::vector<std::vector<PointF>>& strokes,
                         double thickness) {
    check_size(width, height);
    GreyImage img = blank(width, height, 255);
    const double r = std::clamp(thickness, 0.5, 16.0) / 2;
    const auto dot = [&](double cx, double cy) {
        const long x0 = std::max(0L, std::lround(std::floor(cx - r)));
        const long x1 = std::min(static_cast<long>(width) - 1, std::lround(std::ceil(cx + r)));
        const long y0 = std::max(0L, std::lround(std::floor(cy - r)));
        const long y1 = std::min(static_cast<long>(height) - 1, std::lround(std::ceil(cy + r)));
        for (long y = y0; y <= y1; ++y)
            for (long x = x0; x <= x1; ++x)
                if (in_ellipse(x + 0.5, y + 0.5, cx, cy, r + 0.25, r + 0.25))
                    img.pixels[static_cast<std::size_t>(y) * width + static_cast<std::size_t>(x)] = 20;
    };
    // Points far off the pad are pulled in (a wild pen reading must not hang or overflow).
    const auto fix = [&](PointF p) {
        return PointF{std::clamp(p.x, -1.0 * width, 2.0 * width), std::clamp(p.y, -1.0 * height, 2.0 * height)};
    };
    for (const auto& stroke : strokes) {
        for (std::size_t i = 0; i < stroke.size(); ++i) {
            if (!std::isfinite(stroke[i].x) || !std::isfinite(stroke[i].y)) continue;
            const PointF a = fix(stroke[i]);
            const PointF b = i + 1 < stroke.size() ? fix(stroke[i + 1]) : a;
            if (!std::isfinite(b.x) || !std::isfinite(b.y)) continue;
            // Dots every half pixel along the segment.
            const double len = std::hypot(b.x - a.x, b.y - a.y);
            const int steps = std::max(1, static_cast<int>(len * 2));
            for (int k = 0; k <= steps; ++k) {
                const double t = static_cast<double>(k) / steps;
                dot(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t);
            }
        }
    }
    return img;
}

// --- Effects and measurements ----------------------------------------------------------

void apply_effects(GreyImage& image, const ImageEffects& effects, std::uint64_t seed) {
    if (image.pixels.empty()) return;
    Noise noise(seed ^ 0xEFFEC7);
    const double w = image.width;
    const double h = image.height;
    if (effects.blur) box_blur(image, std::max(2, static_cast<int>(std::min(w, h) / 40)));
    if (effects.glare) {
        const double cx = w * (0.35 + 0.3 * noise.unit());
        const double cy = h * (0.3 + 0.3 * noise.unit());
        const double r = std::min(w, h) * 0.2;
        for (std::uint32_t y = 0; y < image.height; ++y)
            for (std::uint32_t x = 0; x < image.width; ++x) {
                const double d = std::hypot(x + 0.5 - cx, y + 0.5 - cy) / r;
                if (d >= 1) continue;
                auto& p = image.pixels[std::size_t{y} * image.width + x];
                p = d < 0.6 ? 255 : clamp_byte(p + (255 - p) * (1 - d) / 0.4);
            }
    }
    if (effects.low_light)
        for (auto& p : image.pixels) p = clamp_byte(p * 0.2 + 4 + noise.symmetric(7));
}

ImageStats measure_image(const GreyImage& image) {
    ImageStats s;
    const std::size_t n = image.pixels.size();
    if (n == 0 || image.width < 2 || image.height < 2) return s;
    double sum = 0;
    double sum2 = 0;
    std::size_t sat = 0;
    for (std::uint8_t p : image.pixels) {
        sum += p;
        sum2 += static_cast<double>(p) * p;
        sat += p >= 250;
    }
    s.mean = sum / static_cast<double>(n);
    s.contrast = std::sqrt(std::max(0.0, sum2 / static_cast<double>(n) - s.mean * s.mean));
    s.saturated = static_cast<double>(sat) / static_cast<double>(n);
    // Sharpness: the 99.5th percentile of neighbour differences, i.e. how
    // steep the strongest edges are (blur spreads them, noise does not raise it).
    std::array<std::size_t, 256> hist{};
    std::size_t diffs = 0;
    for (std::uint32_t y = 0; y + 1 < image.height; ++y)
        for (std::uint32_t x = 0; x + 1 < image.width; ++x) {
            const int p = image.at(x, y);
            ++hist[static_cast<std::size_t>(std::abs(p - image.at(x + 1, y)))];
            ++hist[static_cast<std::size_t>(std::abs(p - image.at(x, y + 1)))];
            diffs += 2;
        }
    std::size_t above = 0;
    for (std::size_t d = 255; d > 0; --d) {
        above += hist[d];
        if (above * 200 >= diffs) {
            s.sharpness = static_cast<double>(d);
            break;
        }
    }
    const double exposure = std::clamp((s.mean - 20.0) / 50.0, 0.0, 1.0) * std::clamp((240.0 - s.mean) / 40.0, 0.0, 1.0);
    const double contrast = std::clamp(s.contrast / 35.0, 0.0, 1.0);
    const double sharp = std::clamp(s.sharpness / 100.0, 0.0, 1.0);
    const double glare = std::clamp(1.0 - 12.0 * s.saturated, 0.0, 1.0);
    // Capped below 1: no camera frame is perfect.
    s.quality = 0.96 * exposure * contrast * sharp * glare;
    return s;
}

Bytes to_png(const GreyImage& image) { return encode_png(image.width, image.height, PngColour::grey, image.pixels); }

}  // namespace kiosktwin::protocol
