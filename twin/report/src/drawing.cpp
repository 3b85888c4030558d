#include <kiosktwin/report/drawing.hpp>

#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>

namespace kiosktwin::report {

std::string Colour::css() const {
    char s[8];
    std::snprintf(s, sizeof s, "#%02x%02x%02x", r, g, b);
    return s;
}

Colour heat_colour(double x) {
    // White through pale yellow and orange to dark red.
    x = std::clamp(std::isfinite(x) ? x : 0.0, 0.0, 1.0);
    struct Stop {
        double at;
        double r, g, b;
    };
    static constexpr Stop stops[] = {{0.0, 255, 255, 255}, {0.25, 255, 237, 160}, {0.5, 254, 178, 76},
                                     {0.75, 240, 59, 32}, {1.0, 128, 0, 38}};
    std::size_t i = 1;
    while (i + 1 < std::size(stops) && stops[i].at < x) ++i;
    const Stop& a = stops[i - 1];
    const Stop& b = stops[i];
    const double t = (x - a.at) / (b.at - a.at);
    auto mix = [t](double p, double q) { return static_cast<std::uint8_t>(std::lround(p + (q - p) * t)); };
    return {mix(a.r, b.r), mix(a.g, b.g), mix(a.b, b.b)};
}

std::string escape(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

Drawing::Drawing(int width, int height, Colour background) : m_w(width), m_h(height), m_background(background) {
    if (width <= 0 || height <= 0 || width > 10000 || height > 10000)
        throw std::invalid_argument("a drawing is 1 to 10000 pixels each way");
}

void Drawing::rect(double x, double y, double w, double h, Colour fill, std::string label, std::string title) {
    m_shapes.push_back({Shape::rect, x, y, x + w, y + h, 0, fill, std::move(label), std::move(title)});
}

void Drawing::frame(double x, double y, double w, double h, double stroke, Colour colour) {
    m_shapes.push_back({Shape::frame, x, y, x + w, y + h, stroke, colour, {}, {}});
}

void Drawing::line(double x1, double y1, double x2, double y2, double stroke, Colour colour) {
    m_shapes.push_back({Shape::line, x1, y1, x2, y2, stroke, colour, {}, {}});
}

void Drawing::ring(double cx, double cy, double r, double stroke, Colour colour) {
    m_shapes.push_back({Shape::ring, cx, cy, r, cx, stroke, colour, {}, {}});
}

void Drawing::disc(double cx, double cy, double r, Colour fill, std::string title) {
    m_shapes.push_back({Shape::disc, cx, cy, cx, cy, r, fill, {}, std::move(title)});
}

void Drawing::text(double x, double y, std::string text, double size, const char* anchor, Colour colour) {
    Shape s{Shape::text, x, y, x, y, size, colour, std::move(text), {}};
    s.anchor = anchor;
    m_shapes.push_back(std::move(s));
}

namespace {
std::string num(double x) {
    char s[32];
    std::snprintf(s, sizeof s, "%.1f", x);
    return s;
}
}  // namespace

std::string Drawing::svg() const {
    std::string out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(m_w) + "\" height=\"" +
                      std::to_string(m_h) + "\" viewBox=\"0 0 " + std::to_string(m_w) + " " + std::to_string(m_h) +
                      "\" role=\"img\">\n<rect width=\"100%\" height=\"100%\" fill=\"" + m_background.css() + "\"/>\n";
    for (const Shape& s : m_shapes) {
        const std::string title = s.title.empty() ? "" : "<title>" + escape(s.title) + "</title>";
        switch (s.kind) {
        case Shape::rect:
            out += "<rect x=\"" + num(s.x1) + "\" y=\"" + num(s.y1) + "\" width=\"" + num(s.x2 - s.x1) + "\" height=\"" +
                   num(s.y2 - s.y1) + "\" fill=\"" + s.colour.css() + "\">" + title + "</rect>\n";
            if (!s.label.empty())
                out += "<text x=\"" + num((s.x1 + s.x2) / 2) + "\" y=\"" + num((s.y1 + s.y2) / 2 + 4) +
                       "\" font-size=\"11\" text-anchor=\"middle\">" + escape(s.label) + "</text>\n";
            break;
        case Shape::frame:
            out += "<rect x=\"" + num(s.x1) + "\" y=\"" + num(s.y1) + "\" width=\"" + num(s.x2 - s.x1) + "\" height=\"" +
                   num(s.y2 - s.y1) + "\" fill=\"none\" stroke=\"" + s.colour.css() + "\" stroke-width=\"" +
                   num(s.stroke) + "\" stroke-dasharray=\"6 4\"/>\n";
            break;
        case Shape::line:
            out += "<line x1=\"" + num(s.x1) + "\" y1=\"" + num(s.y1) + "\" x2=\"" + num(s.x2) + "\" y2=\"" + num(s.y2) +
                   "\" stroke=\"" + s.colour.css() + "\" stroke-width=\"" + num(s.stroke) +
                   "\" stroke-linecap=\"round\"/>\n";
            break;
        case Shape::disc:
            out += "<circle cx=\"" + num(s.x1) + "\" cy=\"" + num(s.y1) + "\" r=\"" + num(s.stroke) + "\" fill=\"" +
                   s.colour.css() + "\">" + title + "</circle>\n";
            break;
        case Shape::ring:
            out += "<circle cx=\"" + num(s.x1) + "\" cy=\"" + num(s.y1) + "\" r=\"" + num(s.x2) +
                   "\" fill=\"none\" stroke=\"" + s.colour.css() + "\" stroke-width=\"" + num(s.stroke) + "\"/>\n";
            break;
        case Shape::text:
            out += "<text x=\"" + num(s.x1) + "\" y=\"" + num(s.y1) + "\" font-size=\"" + num(s.stroke) +
                   "\" text-anchor=\"" + s.anchor + "\" fill=\"" + s.colour.css() + "\">" + escape(s.label) + "</text>\n";
            break;
        }
    }
    return out + "</svg>";
}

std::vector<std::uint8_t> Drawing::png() const {
    std::vector<std::uint8_t> rgb(static_cast<std::size_t>(m_w) * static_cast<std::size_t>(m_h) * 3);
    auto put = [&](int x, int y, Colour c) {
        if (x < 0 || y < 0 || x >= m_w || y >= m_h) return;
        const std::size_t i = (static_cast<std::size_t>(y) * static_cast<std::size_t>(m_w) + static_cast<std::size_t>(x)) * 3;
        rgb[i] = c.r;
        rgb[i + 1] = c.g;
        rgb[i + 2] = c.b;
    };
    auto fill = [&](double x1, double y1, double x2, double y2, Colour c) {
        const int xa = std::max(0, static_cast<int>(std::lround(std::min(x1, x2))));
        const int xb = std::min(m_w, static_cast<int>(std::lround(std::max(x1, x2))));
        const int ya = std::max(0, static_cast<int>(std::lround(std::min(y1, y2))));
        const int yb = std::min(m_h, static_cast<int>(std::lround(std::max(y1, y2))));
        for (int y = ya; y < yb; ++y)
            for (int x = xa; x < xb; ++x) put(x, y, c);
    };
    // A thick segment: every pixel within stroke/2 of it.
    auto segment = [&](double x1, double y1, double x2, double y2, double stroke, Colour c) {
        const double r = std::max(0.5, stroke / 2);
        const int xa = static_cast<int>(std::floor(std::min(x1, x2) - r)), xb = static_cast<int>(std::ceil(std::max(x1, x2) + r));
        const int ya = static_cast<int>(std::floor(std::min(y1, y2) - r)), yb = static_cast<int>(std::ceil(std::max(y1, y2) + r));
        const double dx = x2 - x1, dy = y2 - y1, len2 = dx * dx + dy * dy;
        for (int y = std::max(0, ya); y <= std::min(m_h - 1, yb); ++y)
            for (int x = std::max(0, xa); x <= std::min(m_w - 1, xb); ++x) {
                const double px = x + 0.5, py = y + 0.5;
                const double t = len2 > 0 ? std::clamp(((px - x1) * dx + (py - y1) * dy) / len2, 0.0, 1.0) : 0.0;
                const double ex = x1 + t * dx - px, ey = y1 + t * dy - py;
                if (ex * ex + ey * ey <= r * r) put(x, y, c);
            }
    };
    // Every pixel whose centre is within stroke/2 of the circle.
    auto ring_pixels = [&](double cx, double cy, double r, double stroke, Colour c) {
        const double half = std::max(0.5, stroke / 2), outer = r + half;
        for (int y = std::max(0, static_cast<int>(std::floor(cy - outer))); y <= std::min(m_h - 1, static_cast<int>(std::ceil(cy + outer))); ++y)
            for (int x = std::max(0, static_cast<int>(std::floor(cx - outer))); x <= std::min(m_w - 1, static_cast<int>(std::ceil(cx + outer))); ++x)
                if (std::fabs(std::hypot(x + 0.5 - cx, y + 0.5 - cy) - r) <= half) put(x, y, c);
    };
    fill(0, 0, m_w, m_h, m_background);
    for (const Shape& s : m_shapes) {
        switch (s.kind) {
        case Shape::rect: fill(s.x1, s.y1, s.x2, s.y2, s.colour); break;
        case Shape::frame:
            segment(s.x1, s.y1, s.x2, s.y1, s.stroke, s.colour);
            segment(s.x2, s.y1, s.x2, s.y2, s.stroke, s.colour);
            segment(s.x2, s.y2, s.x1, s.y2, s.stroke, s.colour);
            segment(s.x1, s.y2, s.x1, s.y1, s.stroke, s.colour);
            break;
        case Shape::line: segment(s.x1, s.y1, s.x2, s.y2, s.stroke, s.colour); break;
        case Shape::disc: segment(s.x1, s.y1, s.x1, s.y1, 2 * s.stroke, s.colour); break;
        case Shape::ring: ring_pixels(s.x1, s.y1, s.x2, s.stroke, s.colour); break;
        case Shape::text: break;  // labels live in the SVG and the HTML around the image
        }
    }
    return encode_png(m_w, m_h, rgb);
}

namespace {
void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}
void chunk(std::vector<std::uint8_t>& out, const char* type, const std::vector<std::uint8_t>& data) {
    put_u32(out, static_cast<std::uint32_t>(data.size()));
    const std::size_t start = out.size();
    out.insert(out.end(), type, type + 4);
    out.insert(out.end(), data.begin(), data.end());
    const uLong crc = crc32(0L, out.data() + start, static_cast<uInt>(out.size() - start));
    put_u32(out, static_cast<std::uint32_t>(crc));
}
}  // namespace

std::vector<std::uint8_t> encode_png(int width, int height, const std::vector<std::uint8_t>& rgb) {
    const std::size_t w = static_cast<std::size_t>(width), h = static_cast<std::size_t>(height);
    if (width <= 0 || height <= 0 || rgb.size() != w * h * 3) throw std::invalid_argument("encode_png: not a w × h RGB image");
    // Filter "Sub" on every row: flat areas become runs of zeros.
    std::vector<std::uint8_t> raw;
    raw.reserve(h * (1 + w * 3));
    for (std::size_t y = 0; y < h; ++y) {
        raw.push_back(1);
        const std::uint8_t* row = rgb.data() + y * w * 3;
        for (std::size_t i = 0; i < w * 3; ++i) raw.push_back(static_cast<std::uint8_t>(row[i] - (i >= 3 ? row[i - 3] : 0)));
    }
    uLongf size = compressBound(static_cast<uLong>(raw.size()));
    std::vector<std::uint8_t> z(size);
    if (compress2(z.data(), &size, raw.data(), static_cast<uLong>(raw.size()), 6) != Z_OK)
        throw std::runtime_error("encode_png: zlib failed");
    z.resize(size);

    std::vector<std::uint8_t> out{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    std::vector<std::uint8_t> ihdr;
    put_u32(ihdr, static_cast<std::uint32_t>(width));
    put_u32(ihdr, static_cast<std::uint32_t>(height));
    ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});  // 8-bit, RGB, deflate, adaptive filters, no interlace
    chunk(out, "IHDR", ihdr);
    chunk(out, "IDAT", z);
    chunk(out, "IEND", {});
    return out;
}

}  // namespace kiosktwin::report
