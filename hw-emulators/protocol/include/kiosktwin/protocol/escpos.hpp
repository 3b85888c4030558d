// ESC/POS, the receipt printer's byte stream (peripherals.md §2.2, Annex H5):
// an incremental parser of the subset a kiosk receipt uses, the real-time
// status bytes (DLE EOT n, GS r, ASB), and a command builder.
//
// The parser is a lexer: it turns bytes, split anywhere, into a stream of
// events (text, line feed, a mode change, a cut, a raster image, a status
// query...) and keeps only the state that decides how bytes are grouped (the
// command being read, Chinese double-byte mode). What the events mean on paper
// is receipt_render's business; when they happen is the device's.
//
// Limits, by design:
//   - It never throws and holds bounded memory: image, QR and barcode
//     payloads are capped (ParserOptions); a larger declared payload yields an
//     `oversize` event and is skipped byte by byte without being stored.
//   - Bytes it does not understand yield `unsupported` events and it
//     resynchronises: a known command outside the subset is consumed whole
//     (its length is known), an unknown ESC/GS/FS command as its two bytes, a
//     stray control byte alone.
//   - Real-time commands (DLE EOT n, DLE ENQ n, DLE DC4 ...) are recognised
//     where a command may start, not inside another command's parameters or
//     data. Printer manuals differ here: Epson-compatible manuals warn that
//     10 04 n inside bit-image data is executed as a status request, others
//     (and Epson's own GS ( D switch) ignore it inside block data. The default
//     is the latter, which never corrupts a logo; ParserOptions::
//     realtime_in_data = true emulates the former (the status event is
//     reported and the bytes stay part of the data).
//   - GB18030 text (Chinese mode, FS &) is kept as the printer's bytes,
//     grouped into whole characters; decoding it to Unicode needs a mapping
//     table, which this codec deliberately does not carry (receipt_render
//     shows placeholders unless given a decoder).
#pragma once

#include <kiosktwin/protocol/bytes.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::protocol::escpos {

inline constexpr std::uint8_t k_esc = 0x1B;
inline constexpr std::uint8_t k_gs = 0x1D;
inline constexpr std::uint8_t k_fs = 0x1C;
inline constexpr std::uint8_t k_dle = 0x10;
inline constexpr std::uint8_t k_lf = 0x0A;

/// What an Event is; its fields' meaning per kind is given here.
enum class EventKind : std::uint8_t {
    text,                 ///< printable bytes in `data`; double_byte = Chinese (GB18030) mode, whole characters only
    line_feed,            ///< LF: print the line buffer and feed one line
    carriage_return,      ///< CR: ignored by printers with auto line feed off (the default)
    tab,                  ///< HT: to the next tab stop (every 8 columns)
    init,                 ///< ESC @: modes back to power-on defaults (the receive buffer is kept)
    print_mode,           ///< ESC ! n: n bit0 font B, bit3 bold, bit4 double height, bit5 double width, bit7 underline
    bold,                 ///< ESC E n: n = 0 off, 1 on
    underline,            ///< ESC - n: n = 0 off, 1 thin, 2 thick
    align,                ///< ESC a n: n = 0 left, 1 centre, 2 right
    feed_lines,           ///< ESC d n: print and feed n lines
    feed_dots,            ///< ESC J n: print and feed n dots (motion units)
    line_spacing,         ///< ESC 3 n: n dots; ESC 2: n = -1 (the default spacing)
    char_size,            ///< GS ! n: width, height = multipliers 1..8
    font,                 ///< ESC M n: n = 0 font A (12x24), 1 font B (9x17), 2 font C
    cut,                  ///< GS V / ESC i / ESC m: n = 0 full, 1 partial; m = dots fed before the cut
    raster,               ///< GS v 0: width x height dots, data = rows, MSB leftmost; m = scale (bit0 x2 wide, bit1 x2 tall)
    bit_image,            ///< ESC *: width x height (8 or 24) dots, data = rows as for raster; m = the ESC * mode (0, 1, 32, 33)
    qr_model,             ///< GS ( k 165: n = model 1 or 2
    qr_size,              ///< GS ( k 167: n = module size in dots (1..16)
    qr_error,             ///< GS ( k 169: n = error correction 0 L, 1 M, 2 Q, 3 H
    qr_store,             ///< GS ( k 180: data = the symbol's data
    qr_print,             ///< GS ( k 181: print the stored symbol
    barcode,              ///< GS k: m = system (65 UPC-A .. 73 CODE128, form A 0..6 mapped to 65..71), data
    barcode_height,       ///< GS h n: bar height in dots
    barcode_width,        ///< GS w n: module width in dots
    barcode_hri,          ///< GS H n: human-readable digits 0 none, 1 above, 2 below, 3 both
    nv_logo,              ///< FS p n m: print NV bit image n with scale m
    code_page,            ///< ESC t n: single-byte code page (0 = PC437, 16 = WPC1252...)
    chinese_mode,         ///< FS & (n = 1) / FS . (n = 0): GB18030 double-byte text on/off
    asb_enable,           ///< GS a n: automatic status back, n = mask (bit0 drawer, bit1 on/offline, bit2 error, bit3 paper)
    paper_sensor_query,   ///< GS r n: n = 1 paper sensor, 2 drawer (answered in turn, not in real time)
    legacy_status_query,  ///< ESC v: paper sensor status (answered in turn)
    realtime_status,      ///< DLE EOT n, n = 1..4: answer at once, ahead of queued data
    realtime_request,     ///< DLE ENQ n: n = 1 recover and restart, 2 recover and clear buffers
    unsupported,          ///< data = the command's first bytes; n = 1 if consumed whole (known length), 0 if unknown
    oversize,             ///< a payload over the cap: n = its declared bytes (skipped), data = the command header
};
/// The kind's name in snake_case ("line_feed").
const char* to_string(EventKind k) noexcept;

/// One parsed command or run of text.
struct Event {
    EventKind kind = EventKind::text;
    int n = 0;       ///< the main parameter (see EventKind)
    int m = 0;       ///< a second parameter (see EventKind)
    int width = 0;   ///< images: dots; char_size: width multiplier
    int height = 0;  ///< images: dots; char_size: height multiplier
    bool double_byte = false;  ///< text: Chinese (GB18030) mode
    Bytes data;                ///< text bytes, image rows, QR/barcode data, command bytes
    std::size_t size = 0;      ///< input bytes this event accounts for (for buffer accounting)

    /// Real-time commands are executed on receipt, not in buffer order.
    bool realtime() const noexcept {
        return kind == EventKind::realtime_status || kind == EventKind::realtime_request;
    }
    /// A short human-readable form for traces: "text \"Hello\"", "raster 576x120", "cut full".
    std::string describe() const;
};

struct ParserOptions {
    /// Chinese double-byte mode at power-on and after ESC @ (domestic printers default to on).
    bool chinese_default = true;
    /// Also recognise DLE EOT / DLE ENQ inside length-prefixed data (images, QR data, NV definitions); see above.
    bool realtime_in_data = false;
    /// Largest raster / bit-image payload stored, in bytes.
    std::size_t max_image_bytes = 1 << 20;
    /// Largest QR code payload stored (QR version 40-L holds 2953 bytes, 7089 digits).
    std::size_t max_qr_bytes = 7089;
    /// Largest barcode payload stored.
    std::size_t max_barcode_bytes = 255;
    /// Text is split into events of at most this many bytes.
    std::size_t max_text_bytes = 1024;
};

/// The incremental parser. Feed it bytes as they arrive; it returns complete events.
class Parser {
public:
    explicit Parser(ParserOptions options = {});

    /// Parses `bytes` (any split), appending complete events to `out`.
    /// Pending text is flushed at the end of each call (except half a
    /// double-byte character, which waits for its second byte).
    void feed(ByteView bytes, std::vector<Event>& out);
    /// As above, returning the events.
    std::vector<Event> feed(ByteView bytes);

    /// Power-on state: no partial command, Chinese mode at its default.
    void reset() noexcept;

    bool chinese_mode() const noexcept { return m_chinese; }
    /// Bytes held in a partial command or character (bounded by the caps).
    std::size_t pending_bytes() const noexcept;
    /// True while in the middle of a command, its data or a character.
    bool in_command() const noexcept { return m_state != State::ground; }
    const ParserOptions& options() const noexcept { return m_options; }

private:
    enum class State : std::uint8_t { ground, lead, command, data, nul_terminated, chain_header };
    enum class Block : std::uint8_t { none, raster, bit_image, gs_paren, barcode, skip_known, chain_data, oversize };
    void on_byte(std::uint8_t b, std::vector<Event>& out);
    void ground(std::uint8_t b, std::vector<Event>& out);
    void lead(std::uint8_t b, std::vector<Event>& out);
    void command(std::uint8_t b, std::vector<Event>& out);
    void command_dle(std::vector<Event>& out);
    void command_esc(std::vector<Event>& out);
    void command_gs(std::vector<Event>& out);
    void command_fs(std::vector<Event>& out);
    void data(std::uint8_t b, std::vector<Event>& out);
    void nul_terminated(std::uint8_t b, std::vector<Event>& out);
    void chain_header(std::uint8_t b, std::vector<Event>& out);
    void begin_data(Block block, std::uint64_t length, std::size_t cap, std::vector<Event>& out);
    void finish_data(std::vector<Event>& out);
    bool gs_paren_event(Event& e);
    void begin_chain(std::vector<Event>& out);
    void next_chain_block(std::vector<Event>& out);
    void finish(Event e, std::vector<Event>& out);
    void unsupported(bool known, std::vector<Event>& out);
    void lone_prefix(std::vector<Event>& out);
    /// A command outside the subset: skipped whole if its length is known
    /// (`fixed` parameter bytes), else reported and resynchronised.
    void unknown_command(std::uint8_t c, int fixed, std::vector<Event>& out);
    void flush_text(std::vector<Event>& out);
    void emit_simple(EventKind kind, int n, std::size_t size, std::vector<Event>& out);
    void watch_realtime(std::uint8_t b, std::vector<Event>& out);

    ParserOptions m_options;
    State m_state = State::ground;
    bool m_chinese = true;
    Bytes m_text;     // pending text (whole characters)
    Bytes m_char;     // a partial double-byte character
    Bytes m_cmd;      // the command's prefix, code and parameters so far
    Bytes m_payload;  // a stored data block
    Block m_block = Block::none;
    bool m_store = false;            // keep the data block (or let it pass)
    std::uint64_t m_remaining = 0;   // data bytes still to come
    std::uint64_t m_data_len = 0;    // declared data length
    std::size_t m_nul_max = 0;       // nul_terminated: most data bytes before the NUL
    int m_chain_left = 0;            // FS q / ESC &: blocks still to come
    int m_chain_unit = 0;            // ESC &: bytes per column (y)
    std::uint8_t m_hdr[4] = {0, 0, 0, 0};  // a chain block's header
    int m_hdr_len = 0;
    int m_hdr_need = 0;
    std::uint8_t m_watch[2] = {0, 0};  // last data bytes, for realtime_in_data
    int m_watch_len = 0;
};

/// The printer's state as the status bytes report it (DLE EOT n, GS r, ASB).
struct PrinterState {
    bool drawer_open = false;              ///< drawer kick-out connector pin 3 high
    bool offline = false;
    bool waiting_online_recovery = false;
    bool feed_button = false;              ///< the FEED button is pressed
    bool cover_open = false;
    bool feeding_by_button = false;
    bool paper_end_stop = false;           ///< printing stopped because the paper ran out
    bool error = false;
    bool recoverable_error = false;        ///< mechanical error (paper jam)
    bool autocutter_error = false;
    bool unrecoverable_error = false;
    bool auto_recoverable_error = false;   ///< e.g. print head temperature
    bool paper_near_end = false;
    bool paper_end = false;
    friend bool operator==(const PrinterState&, const PrinterState&) = default;
};

/// The one-byte answer to DLE EOT n (n = 1..4), fixed pattern 0xx1xx10b:
///   n=1 printer: bit2 drawer, bit3 offline, bit5 waiting for online recovery, bit6 feed button;
///   n=2 offline cause: bit2 cover open, bit3 feeding by button, bit5 paper-end stop, bit6 error;
///   n=3 error cause: bit2 recoverable, bit3 autocutter, bit5 unrecoverable, bit6 auto-recoverable;
///   n=4 roll sensor: bits2+3 near end, bits5+6 paper end.
/// Implied bits are set too: paper end implies near end and a paper-end stop,
/// any offline cause (cover, feeding, paper-end stop, error) implies offline,
/// any error cause implies error. Other n: the fixed bits alone (0x12).
std::uint8_t dle_eot_reply(int n, const PrinterState& s) noexcept;

/// The answer to GS r n: n = 1 paper sensor (bits0+1 near end, bits2+3 end:
/// 00 paper present, 0F out), n = 2 drawer (bit0 pin 3). ESC v answers like n = 1.
std::uint8_t gs_r_reply(int n, const PrinterState& s) noexcept;

/// The 4-byte automatic status back block (GS a), posify/SNBC layout:
///   byte 1 (0xx1xx00b): bit2 drawer, bit3 offline, bit5 cover open, bit6 feeding by button;
///   byte 2 (0xx0xx00b): bit2 recoverable, bit3 autocutter, bit5 unrecoverable, bit6 auto-recoverable;
///   byte 3 (0000xxxxb): bits0+1 near end, bits2+3 paper end;
///   byte 4: 0x00.
/// Implied bits as for dle_eot_reply.
std::array<std::uint8_t, 4> asb_block(const PrinterState& s) noexcept;

/// ESC/POS bytes for the kiosk side and tests: init, text, bold, align,
/// size, feed, qr, barcode, cut. Text is passed as the printer's bytes
/// (ASCII, or GB18030 inside chinese()).
class ReceiptBuilder {
public:
    enum class Align { left = 0, centre = 1, right = 2 };

    ReceiptBuilder& init();                                ///< ESC @
    ReceiptBuilder& text(std::string_view bytes);          ///< bytes as they are
    ReceiptBuilder& line(std::string_view bytes);          ///< text + LF
    ReceiptBuilder& chinese(std::string_view gb18030);     ///< FS & bytes FS .
    ReceiptBuilder& chinese_mode(bool on);                 ///< FS & / FS .
    ReceiptBuilder& code_page(int n);                      ///< ESC t n
    ReceiptBuilder& bold(bool on);                         ///< ESC E n
    ReceiptBuilder& underline(int n);                      ///< ESC - n (0, 1, 2)
    ReceiptBuilder& align(Align a);                        ///< ESC a n
    ReceiptBuilder& size(int width, int height);           ///< GS ! (multipliers 1..8)
    ReceiptBuilder& line_spacing(int dots);                ///< ESC 3 n (-1: ESC 2, the default)
    ReceiptBuilder& feed(int lines);                       ///< ESC d n
    ReceiptBuilder& feed_dots(int dots);                   ///< ESC J n
    /// GS ( k: model 2, module size in dots, error level 'L' 'M' 'Q' 'H', store, print.
    ReceiptBuilder& qr(std::string_view data, int module_dots = 6, char error_level = 'M');
    /// GS h, GS H 2, GS k m n data (form B; system 65 UPC-A .. 73 CODE128).
    ReceiptBuilder& barcode(int system, std::string_view data, int height_dots = 80);
    /// GS v 0: width_dots a multiple of 8, rows of width_dots / 8 bytes, MSB leftmost.
    ReceiptBuilder& raster(int width_dots, int height_dots, ByteView rows);
    ReceiptBuilder& cut(bool partial = false, int feed_dots = 0);  ///< GS V 0|1, or GS V 65|66 n
    ReceiptBuilder& raw(ByteView bytes);
    const Bytes& bytes() const noexcept { return m_bytes; }

private:
    ReceiptBuilder& put(std::initializer_list<int> bytes);
    Bytes m_bytes;
};

/// DLE EOT n as bytes (10 04 n).
Bytes dle_eot(int n);

/// Length of the GB18030 character starting at bytes[pos]: 2 or 4 for a
/// complete valid multi-byte character, 1 otherwise (ASCII, an invalid or a
/// truncated sequence).
std::size_t gb18030_length(ByteView bytes, std::size_t pos) noexcept;

}  // namespace kiosktwin::protocol::escpos
