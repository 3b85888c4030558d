// A drawing made once and rendered twice: as SVG inside an HTML report (with
// its labels), and as a PNG file without a display (a small software
// rasteriser: filled rectangles, discs and thick lines; no text).
//
//     Drawing d(600, 360);
//     d.rect(10, 10, 100, 40, Colour{200, 220, 255}, "K01");
//     d.line(0, 0, 600, 0, 3, Colour{40, 40, 40});
//     std::string svg = d.svg();
//     std::vector<std::uint8_t> png = d.png();
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kiosktwin::report {

struct Colour {
    std::uint8_t r = 0, g = 0, b = 0;
    std::string css() const;  ///< "#rrggbb"
};

/// 0..1 on a light-to-dark scale (utilisation in a heat map); out-of-range values are clamped.
Colour heat_colour(double x);

class Drawing {
public:
    Drawing(int width, int height, Colour background = {255, 255, 255});

    /// A filled rectangle (x, y its top-left corner), optionally with a centred label and a tooltip.
    void rect(double x, double y, double w, double h, Colour fill, std::string label = {}, std::string title = {});
    /// An outlined rectangle, dashed in SVG.
    void frame(double x, double y, double w, double h, double stroke, Colour colour);
    void line(double x1, double y1, double x2, double y2, double stroke, Colour colour);
    void disc(double cx, double cy, double r, Colour fill, std::string title = {});
    /// A circle's outline (a coverage circle on a map).
    void ring(double cx, double cy, double r, double stroke, Colour colour);
    /// Text (SVG only): anchor "start", "middle" or "end".
    void text(double x, double y, std::string text, double size = 12, const char* anchor = "start", Colour colour = {});

    int width() const noexcept { return m_w; }
    int height() const noexcept { return m_h; }
    /// An <svg> element (UTF-8, text escaped).
    std::string svg() const;
    /// The PNG file's bytes (8-bit RGB, no text).
    std::vector<std::uint8_t> png() const;

private:
    struct Shape {
        enum Kind { rect, frame, line, disc, ring, text } kind;
        double x1, y1, x2, y2, stroke;
        Colour colour;
        std::string label, title;
        const char* anchor = "start";
    };
    int m_w, m_h;
    Colour m_background;
    std::vector<Shape> m_shapes;
};

/// A PNG file of an 8-bit RGB image (rows top to bottom, 3 bytes a pixel;
/// each row filtered by its left neighbour, then zlib).
std::vector<std::uint8_t> encode_png(int width, int height, const std::vector<std::uint8_t>& rgb);

/// Text with &, <, >, " escaped for HTML and SVG.
std::string escape(const std::string& text);

}  // namespace kiosktwin::report
