// What an ESC/POS stream puts on paper: the parser's events laid out on a
// roll of a given width, as receipts (one per cut) with their text lines,
// QR codes, barcodes, images and length, and a PNG preview.
//
// Choices, so that results read the same everywhere:
//   - Text lines are UTF-8 with the alignment applied as leading spaces in
//     Font A columns (48 on 80 mm paper, 32 on 58 mm at 8 dots/mm);
//     trailing spaces are trimmed. A character keeps one place in the text
//     whatever its size; alignment is computed in dots, as the printer does.
//   - Single-byte code pages: PC437 (ESC t 0) and WPC1252 (ESC t 16) are
//     decoded; other pages' bytes above 0x7F show as U+FFFD.
//   - GB18030 characters (Chinese mode) show as U+3013 GETA MARK "〓" (wide,
//     like the 24-dot character it stands for) unless RenderConfig supplies
//     a decoder; raw_lines keep the printer's bytes so a host that has a
//     GB18030 table (iconv) can decode them exactly.
//   - Images (GS v 0, ESC *) are drawn exactly. Text is drawn as "greeked"
//     blocks, one per character cell (x-height block for lower case, full
//     block for capitals and digits, low block for punctuation, a framed
//     square for CJK; bold is solid, regular is hatched) — a layout preview,
//     not typography. QR codes and barcodes are drawn as placeholders of the
//     right size (finder squares / bars from a hash of the data), not as
//     scannable symbols; the QR size is estimated from its byte capacity.
//   - Everything is bounded: a receipt keeps at most max_lines lines and
//     max_image_bytes of images (and says `truncated`); the PNG at most
//     max_png_rows rows.
#pragma once

#include <kiosktwin/protocol/bytes.hpp>
#include <kiosktwin/protocol/escpos.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace kiosktwin::protocol::escpos {

struct RenderConfig {
    int paper_width_mm = 80;      ///< 80 or 58
    int dots_per_mm = 8;          ///< 8 = 203 dpi
    int line_spacing_dots = 30;   ///< the default line spacing (power-on, ESC 2)
    std::size_t max_lines = 4000;             ///< per receipt
    std::size_t max_image_bytes = 4u << 20;   ///< per receipt, after scaling
    int max_png_rows = 16000;                 ///< a longer receipt's PNG is cut short
    /// GB18030 character (2 or 4 bytes) to UTF-8; unset or "" = the placeholder.
    std::function<std::string(ByteView)> gb18030_decoder;

    /// Printable width in dots: 72 mm of 80 mm paper (576 at 8 dots/mm), 48 mm of 58 mm (384).
    int printable_dots() const noexcept;
    /// Font A (12 dots) columns: 48 on 80 mm, 32 on 58 mm.
    int columns() const noexcept;
};

struct Barcode {
    int system = 0;    ///< GS k system, 65 UPC-A .. 73 CODE128
    std::string data;
    friend bool operator==(const Barcode&, const Barcode&) = default;
};

/// A 1-bit image: rows top to bottom, MSB leftmost, (width + 7) / 8 bytes a row.
struct Bitmap {
    int width = 0;
    int height = 0;
    Bytes rows;
    /// True if dot (x, y) is black; false outside the image.
    bool at(int x, int y) const noexcept;
};

/// One thing drawn on the paper (for render_png).
struct Mark {
    enum class Kind : std::uint8_t { glyph, underline, image, qr, barcode };
    Kind kind = Kind::glyph;
    int x = 0, y = 0, w = 0, h = 0;  ///< dots; y from the top of the receipt
    int value = 0;      ///< glyph: shape class; image: bitmap index; qr: modules; barcode: data hash
    int scale_x = 1;    ///< image: dot multiplier; qr: module size
    int scale_y = 1;
    bool bold = false;
};

/// One receipt: what was printed between two cuts.
struct Receipt {
    std::vector<std::string> lines;      ///< UTF-8, aligned, trailing spaces trimmed
    std::vector<std::string> raw_lines;  ///< the same lines as printer bytes (ASCII + GB18030; other bytes '?')
    std::vector<std::string> qr_codes;   ///< data of each QR code printed
    std::vector<Barcode> barcodes;
    std::size_t images = 0;        ///< raster and bit images printed
    bool cut = false;              ///< ended by a cut (false: still printing, or torn off at paper end)
    bool partial_cut = false;
    bool truncated = false;        ///< content beyond the limits was not kept
    int columns = 48;              ///< Font A columns of the paper
    int width_dots = 576;
    int length_dots = 0;           ///< paper fed for this receipt
    double length_mm = 0.0;
    std::vector<Mark> marks;       ///< the layout, for render_png
    std::vector<Bitmap> bitmaps;

    /// The lines, each ended by "\n".
    std::string to_text() const;
    /// True when nothing was printed yet.
    bool empty() const noexcept { return lines.empty() && length_dots == 0 && marks.empty(); }
};

/// Lays events out on paper. Feed it the parser's events in order.
class ReceiptRenderer {
public:
    explicit ReceiptRenderer(RenderConfig config = {});

    /// Applies one event and returns the paper it feeds, in dots (0 for a
    /// mode change or text that stays in the line buffer). A cut completes
    /// the current receipt (see take_completed).
    int apply(const Event& e);
    /// Feeds blank paper (the FEED button), in dots.
    void feed_blank(int dots);
    /// Receipts completed by cuts since the last call, oldest first.
    std::vector<Receipt> take_completed();
    bool has_completed() const noexcept { return !m_completed.empty(); }
    /// The receipt being printed.
    const Receipt& current() const noexcept { return m_current; }
    /// Ends the current receipt without a cut (the paper ran out and the
    /// printed part is torn off); the unprinted line buffer stays.
    Receipt tear();
    /// Drops the unprinted line buffer (DLE ENQ 2).
    void clear_line() noexcept;
    /// Power-on: modes, line buffer, stored QR data and the receipt in progress.
    void reset();
    /// True when the line buffer holds unprinted characters or images.
    bool line_pending() const noexcept { return !m_cells.empty(); }
    const RenderConfig& config() const noexcept { return m_config; }
    /// Replaces the GB18030 decoder (see RenderConfig).
    void set_gb18030_decoder(std::function<std::string(ByteView)> decoder) { m_config.gb18030_decoder = std::move(decoder); }

private:
    struct Cell {
        std::string utf8;
        std::string raw;
        int x = 0, w = 0, h = 0;
        int shape = 0;
        bool bold = false;
        bool underline = false;
        int image = -1;  // a bit image in the line: index into m_line_images
    };
    struct Modes {
        int font = 0;
        bool bold = false;
        int underline = 0;
        int width = 1;
        int height = 1;
        int align = 0;
        int line_spacing = 30;
        int code_page = 0;
        int barcode_height = 162;
        int barcode_width = 3;
        int barcode_hri = 0;
        int qr_size = 3;
        int qr_error = 0;
    };
    int text(const Event& e);
    void put_char(std::string utf8_char, std::string raw, int cell_w, int cell_h, int shape, int& fed);
    int print_line(int min_feed);
    void add_line(std::string utf8_line, std::string raw_line, int pad_dots);
    int block(int width) const;  // x of a block this wide, per the alignment
    int add_bitmap(Bitmap b);
    void add_mark(const Mark& m);
    void complete(bool partial);
    int feed(int dots);

    RenderConfig m_config;
    Modes m_modes;
    Receipt m_current;
    std::vector<Receipt> m_completed;
    std::vector<Cell> m_cells;
    std::vector<Bitmap> m_line_images;
    int m_x = 0;            // dots used in the line buffer
    int m_line_align = 0;   // alignment of the line in the buffer
    std::string m_qr_data;
    bool m_qr_stored = false;
    std::size_t m_image_bytes = 0;
};

/// Parses and lays out a whole stream: the receipts it cut, then the one
/// still printing if anything is on it (cut = false).
std::vector<Receipt> render_stream(ByteView bytes, const RenderConfig& config = {}, ParserOptions options = {});

/// A greyscale PNG of the receipt: width_dots wide, one pixel a dot.
Bytes render_png(const Receipt& receipt, const RenderConfig& config = {});

}  // namespace kiosktwin::protocol::escpos
