// Synthetic camera frames (face camera H2, 高拍仪 H3, signature pad H6): the
// same scene gives the same bytes; the content follows the scene; quality
// effects change the pixels measurably; the PNGs are small and valid.
#include <kiosktwin/protocol/png.hpp>
#include <kiosktwin/protocol/synthetic_image.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>

namespace protocol_synthetic_image_test {

using namespace kiosktwin::protocol;

namespace {

std::uint32_t be32(const Bytes& b, std::size_t at) {
    return (std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) | (std::uint32_t{b[at + 2]} << 8) | b[at + 3];
}

// Reads back a PNG written with stored deflate blocks (which png.hpp promises):
// checks every chunk's CRC, the greyscale header and the filter bytes.
GreyImage read_stored_png(const Bytes& png) {
    REQUIRE(png.size() > 8);
    REQUIRE(Bytes(png.begin(), png.begin() + 8) == Bytes{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'});
    GreyImage img;
    Bytes z;
    for (std::size_t p = 8; p < png.size();) {
        const std::uint32_t n = be32(png, p);
        const std::string type(png.begin() + static_cast<std::ptrdiff_t>(p + 4), png.begin() + static_cast<std::ptrdiff_t>(p + 8));
        REQUIRE(crc32(ByteView(png).subspan(p + 4, n + 4)) == be32(png, p + 8 + n));
        if (type == "IHDR") {
            img.width = be32(png, p + 8);
            img.height = be32(png, p + 12);
            CHECK(png[p + 16] == 8);  // bit depth
            CHECK(png[p + 17] == 0);  // greyscale
        }
        if (type == "IDAT") z.insert(z.end(), png.begin() + static_cast<std::ptrdiff_t>(p + 8), png.begin() + static_cast<std::ptrdiff_t>(p + 8 + n));
        p += 12 + n;
    }
    Bytes raw;
    for (std::size_t p = 2;;) {  // skip the zlib header
        const bool last = z[p] & 1;
        const std::size_t len = z[p + 1] | (std::size_t{z[p + 2]} << 8);
        raw.insert(raw.end(), z.begin() + static_cast<std::ptrdiff_t>(p + 5), z.begin() + static_cast<std::ptrdiff_t>(p + 5 + len));
        p += 5 + len;
        if (last) break;
    }
    REQUIRE(raw.size() == std::size_t{img.height} * (img.width + 1));
    for (std::uint32_t y = 0; y < img.height; ++y) {
        CHECK(raw[y * (img.width + 1)] == 0);
        img.pixels.insert(img.pixels.end(), raw.begin() + y * (img.width + 1) + 1, raw.begin() + (y + 1) * (img.width + 1));
    }
    return img;
}

// Dark pixels (hair, eyes) in the columns [x0, x1).
int dark_in(const GreyImage& g, std::uint32_t x0, std::uint32_t x1) {
    int n = 0;
    for (std::uint32_t y = 0; y < g.height; ++y)
        for (std::uint32_t x = x0; x < x1; ++x) n += g.at(x, y) < 60;
    return n;
}

int count_at_least(const GreyImage& g, int level) {
    int n = 0;
    for (auto p : g.pixels) n += p >= level;
    return n;
}

}  // namespace

TEST_CASE("frames are deterministic, small and valid PNGs", "[synthetic_image]") {
    FaceScene scene;
    scene.variant = 7;
    const GreyImage a = render_face_scene(160, 120, scene);
    CHECK(a == render_face_scene(160, 120, scene));
    scene.variant = 8;
    CHECK_FALSE(a == render_face_scene(160, 120, scene));
    const Bytes png = to_png(a);
    CHECK(png.size() < 20'000);  // 160 x 120 grey: ~26 KB as Base64 in a JSON reply
    CHECK(read_stored_png(png) == a);

    const DocumentFrame d = render_document_scene(200, 150, DocumentScene{DocumentKind::id_front, 5, 1, {}});
    CHECK(read_stored_png(to_png(d.image)) == d.image);
    CHECK(to_png(d.image).size() < 31'000);

    CHECK_THROWS_AS(render_face_scene(8, 120, scene), std::invalid_argument);
    CHECK_THROWS_AS(render_document_scene(200, 5000, DocumentScene{}), std::invalid_argument);
    CHECK_THROWS_AS(render_document_page(200, DocumentKind::none, 0), std::invalid_argument);
}

TEST_CASE("a face frame shows 0, 1 or 2 faces where they should be", "[synthetic_image][face]") {
    for (std::uint64_t variant : {1, 2, 3}) {
        const GreyImage none = render_face_scene(160, 120, FaceScene{0, FacePresentation::live, variant, {}});
        CHECK(dark_in(none, 0, 160) == 0);
        // One face in the middle, nothing dark at the sides.
        const GreyImage one = render_face_scene(160, 120, FaceScene{1, FacePresentation::live, variant, {}});
        CHECK(dark_in(one, 70, 90) > 120);
        CHECK(dark_in(one, 0, 40) == 0);
        CHECK(dark_in(one, 120, 160) == 0);
        // Two faces left and right, a gap between them.
        const GreyImage two = render_face_scene(160, 120, FaceScene{2, FacePresentation::live, variant, {}});
        CHECK(dark_in(two, 0, 64) > 100);
        CHECK(dark_in(two, 96, 160) > 100);
        CHECK(dark_in(two, 76, 84) == 0);
    }
}

TEST_CASE("a printed photo shows its white border, a screen its scanlines", "[synthetic_image][face]") {
    const GreyImage live = render_face_scene(160, 120, FaceScene{1, FacePresentation::live, 3, {}});
    const GreyImage photo = render_face_scene(160, 120, FaceScene{1, FacePresentation::photo, 3, {}});
    const GreyImage screen = render_face_scene(160, 120, FaceScene{1, FacePresentation::screen, 3, {}});
    CHECK(count_at_least(live, 236) == 0);
    CHECK(count_at_least(photo, 236) > 300);
    // Every third row is darker on a screen.
    const auto row_mean = [](const GreyImage& g, int phase) {
        double s = 0;
        int n = 0;
        for (std::uint32_t y = 0; y < g.height; ++y)
            if (static_cast<int>(y % 3) == phase)
                for (std::uint32_t x = 0; x < g.width; ++x, ++n) s += g.at(x, y);
        return s / n;
    };
    CHECK(row_mean(screen, 1) - row_mean(screen, 0) > 15);
    CHECK(std::fabs(row_mean(live, 1) - row_mean(live, 0)) < 5);
}

TEST_CASE("a document lies where its corners say, at its skew and aspect", "[synthetic_image][document]") {
    for (double skew : {0.0, 12.0, -30.0}) {
        const DocumentFrame f = render_document_scene(200, 150, DocumentScene{DocumentKind::id_front, skew, 2, {}});
        REQUIRE(f.corners.has_value());
        const auto& c = *f.corners;
        const double top = std::atan2(c[1].y - c[0].y, c[1].x - c[0].x) * 180 / 3.14159265358979;
        CHECK(top == Approx(skew).margin(1e-9));  // clockwise in image coordinates
        const double width = std::hypot(c[1].x - c[0].x, c[1].y - c[0].y);
        const double height = std::hypot(c[3].x - c[0].x, c[3].y - c[0].y);
        CHECK(width / height == Approx(85.6 / 54.0));
        // Inside the page is bright paper; beyond it the dark plate.
        double cx = 0;
        double cy = 0;
        for (const auto& p : c) {
            cx += p.x / 4;
            cy += p.y / 4;
        }
        for (const auto& p : c) {  // just inside and just outside each corner
            const auto in = f.image.at(static_cast<std::uint32_t>(cx + (p.x - cx) * 0.85),
                                       static_cast<std::uint32_t>(cy + (p.y - cy) * 0.85));
            CHECK(in > 100);
            const double ox = cx + (p.x - cx) * 1.1;
            const double oy = cy + (p.y - cy) * 1.1;
            if (ox >= 0 && oy >= 0 && ox < 200 && oy < 150)
                CHECK(f.image.at(static_cast<std::uint32_t>(ox), static_cast<std::uint32_t>(oy)) < 60);
        }
    }
    const DocumentFrame empty = render_document_scene(200, 150, DocumentScene{DocumentKind::none, 0, 0, {}});
    CHECK_FALSE(empty.corners.has_value());
    CHECK(measure_image(empty.image).mean < 40);
    CHECK(document_aspect(DocumentKind::a4) == Approx(210.0 / 297.0));
    CHECK(parse_document_kind("household_register") == DocumentKind::household_register);
    CHECK_FALSE(parse_document_kind("passport").has_value());
}

TEST_CASE("a cropped page is upright at its own aspect", "[synthetic_image][document]") {
    const GreyImage page = render_document_page(106, DocumentKind::a4, 4);
    CHECK(page.width == 106);
    CHECK(page.height == 150);  // 106 / (210 / 297) = 149.9
    CHECK(measure_image(page).mean > 190);  // paper, no plate
    CHECK(render_document_page(120, DocumentKind::id_back, 4).height == 76);
}

TEST_CASE("glare, blur and low light lower the measured quality", "[synthetic_image][quality]") {
    const auto frame = [](ImageEffects e) {
        return render_document_scene(200, 150, DocumentScene{DocumentKind::a4, 3, 9, e}).image;
    };
    const ImageStats clean = measure_image(frame({}));
    const ImageStats glare = measure_image(frame({true, false, false}));
    const ImageStats blur = measure_image(frame({false, true, false}));
    const ImageStats dark = measure_image(frame({false, false, true}));
    CHECK(clean.quality > 0.8);
    CHECK(clean.saturated == 0);
    CHECK(glare.saturated > 0.02);
    CHECK(blur.sharpness < clean.sharpness / 3);
    CHECK(dark.mean < clean.mean / 3);
    for (const auto& spoilt : {glare, blur, dark}) CHECK(spoilt.quality < 0.6);
    const ImageStats face = measure_image(render_face_scene(160, 120, FaceScene{}));
    CHECK(face.quality > 0.8);
}

TEST_CASE("pen strokes are drawn dark on white, bad points skipped", "[synthetic_image][strokes]") {
    const GreyImage g = render_strokes(100, 50, {{{10, 25}, {90, 25}}, {{50, 5}, {50, 5}}}, 3);
    CHECK(g.at(50, 25) < 50);
    CHECK(g.at(11, 25) < 50);
    CHECK(g.at(50, 5) < 50);  // a dot
    CHECK(g.at(50, 40) == 255);
    CHECK(g.at(5, 25) == 255);
    const double nan = std::nan("");
    const GreyImage odd = render_strokes(100, 50, {{{nan, 1}, {1e300, -1e300}, {20, 20}}, {}});
    CHECK(odd.width == 100);
}

}  // namespace protocol_synthetic_image_test
