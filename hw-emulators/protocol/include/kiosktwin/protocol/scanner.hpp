// The QR / barcode scanner's serial line protocol (peripherals.md §2.4; no
// single standard: ZKTeco ZKB200 / Pegasus PS1133, NADAMOO, CipherLab manuals).
//
// Scanner -> host: one read is `<prefix><data><suffix>`, the suffix CR (0x0D)
// by default, CRLF, LF or nothing; a failed decode is `%%NoRead` (25 25 4E 6F
// 52 65 61 64) followed by the suffix (no prefix).
// Host -> scanner: single-byte trigger commands `T` (0x54) start, `P` (0x50)
// stop, and restart, which the manuals print as "R (0x35)": 0x35 is the
// digit '5', not 'R' (0x52). Nobody can tell which byte the firmware really
// wants, so both are accepted as restart. SSI-style binary configuration
// frames (`Len C6 04 08 ... CHK16`) may be interleaved with the commands.
//
// SSI frame: Len (bytes before the checksum, itself included), Opcode,
// Source (0x04 host, 0x00 decoder), Status (0x08 permanent, 0x00 temporary),
// data, then CHK16: the 2's complement of the 16-bit byte sum, big-endian.
//   reset-to-default   08 C6 04 08 00 F2 FF 00 FD 35   [sourced: NADAMOO manual]
//   host-trigger mode  07 C6 04 08 00 8A 07 FE 96      [sourced: NADAMOO manual]
// The decoder's replies CMD_ACK `04 D0 00 00 FF 2C` and CMD_NAK
// `05 D1 00 00 <cause> CHK16` follow Symbol's SSI [inferred].
#pragma once

#include <kiosktwin/protocol/bytes.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::protocol {

/// The text a scanner sends when it fails to decode a code.
inline constexpr std::string_view k_scan_no_read = "%%NoRead";

/// What terminates each read on the line.
enum class ScanSuffix : std::uint8_t { none, cr, lf, crlf };

/// "none", "cr", "lf", "crlf".
const char* to_string(ScanSuffix s) noexcept;
/// Parses "none" | "cr" | "lf" | "crlf"; nullopt otherwise.
std::optional<ScanSuffix> parse_scan_suffix(std::string_view name) noexcept;
/// The suffix's bytes ("" for none).
std::string_view suffix_text(ScanSuffix s) noexcept;

/// How the scanner frames one read.
struct ScanFormat {
    std::string prefix;              ///< sent before the data (not before %%NoRead)
    ScanSuffix suffix = ScanSuffix::cr;
};

/// `<prefix><data><suffix>`: the bytes of one successful read.
Bytes encode_scan(ByteView data, const ScanFormat& format);
Bytes encode_scan(std::string_view data, const ScanFormat& format);
/// `%%NoRead<suffix>`: the bytes of a failed decode.
Bytes encode_no_read(const ScanFormat& format);

// --- SSI configuration frames ------------------------------------------------

inline constexpr std::uint8_t k_ssi_param_send = 0xC6;     ///< host sets parameters
inline constexpr std::uint8_t k_ssi_start_session = 0xE4;  ///< software trigger on [inferred]
inline constexpr std::uint8_t k_ssi_stop_session = 0xE5;   ///< software trigger off [inferred]
inline constexpr std::uint8_t k_ssi_ack = 0xD0;
inline constexpr std::uint8_t k_ssi_nak = 0xD1;
inline constexpr std::uint8_t k_ssi_source_host = 0x04;
inline constexpr std::uint8_t k_ssi_source_decoder = 0x00;
inline constexpr std::uint8_t k_ssi_status_permanent = 0x08;
inline constexpr std::uint8_t k_ssi_nak_resend = 0x01;  ///< checksum failure: send again
inline constexpr std::uint8_t k_ssi_nak_denied = 0x06;  ///< understood but refused
/// Trigger-mode parameter; value 0x07 selects host trigger [sourced: NADAMOO example].
inline constexpr std::uint8_t k_ssi_param_trigger_mode = 0x8A;
inline constexpr std::uint8_t k_ssi_trigger_host = 0x07;

struct SsiFrame {
    std::uint8_t opcode = 0;
    std::uint8_t source = k_ssi_source_host;
    std::uint8_t status = k_ssi_status_permanent;
    Bytes data;  ///< for PARAM_SEND: beep code, then parameter number/value pairs
    friend bool operator==(const SsiFrame&, const SsiFrame&) = default;
};

/// 2's complement of the 16-bit sum of `bytes`.
std::uint16_t ssi_checksum(ByteView bytes) noexcept;
/// The frame on the wire (Len .. data, CHK16). Throws std::invalid_argument
/// if the data makes Len exceed 255.
Bytes encode_ssi(const SsiFrame& frame);
/// Decodes one complete frame; nullopt if the length or checksum is wrong.
std::optional<SsiFrame> decode_ssi(ByteView wire);
/// CMD_ACK from the decoder: 04 D0 00 00 FF 2C.
Bytes ssi_ack();
/// CMD_NAK from the decoder with a cause (k_ssi_nak_resend, k_ssi_nak_denied).
Bytes ssi_nak(std::uint8_t cause);

/// One parameter of a PARAM_SEND frame. Numbers above 0xFF carry the
/// extended prefix 0xF0/0xF1/0xF2 in their high byte (0xF2FF).
struct SsiParam {
    std::uint16_t number = 0;
    std::uint8_t value = 0;
    friend bool operator==(const SsiParam&, const SsiParam&) = default;
};
/// The parameters of a PARAM_SEND frame (after the beep code); nullopt if the
/// frame is not PARAM_SEND or a number has no value.
std::optional<std::vector<SsiParam>> ssi_params(const SsiFrame& frame);
/// The parameter that the reset-to-default example sets (F2 FF = 00).
inline constexpr std::uint16_t k_ssi_param_defaults = 0xF2FF;

// --- Host -> scanner -------------------------------------------------------------

/// One thing the host sent to the scanner.
struct ScannerHostInput {
    enum class Kind : std::uint8_t {
        trigger_on,   ///< `T`
        trigger_off,  ///< `P`
        restart,      ///< `R` or 0x35 (see above)
        ssi,          ///< a well-formed SSI frame, in `frame`
        bad_ssi,      ///< an SSI frame with a wrong checksum (or cut short by flush())
        unknown,      ///< a byte that is neither a command nor the start of a frame
    };
    Kind kind = Kind::unknown;
    SsiFrame frame;
    Bytes raw;  ///< the bytes this input was made of
};
const char* to_string(ScannerHostInput::Kind k) noexcept;

/// Splits the bytes a host writes to the scanner into commands and SSI frames.
/// A byte 0x04..0x40 (other than 0x35) starts a frame of Len + 2 bytes; 'T',
/// 'P', 'R' and 0x35 are commands; anything else is reported as unknown.
/// Memory is bounded by one frame (at most 0x42 bytes).
class ScannerHostDecoder {
public:
    /// Feeds bytes; returns the inputs completed by them.
    std::vector<ScannerHostInput> feed(ByteView bytes);
    /// Gives up on a partial frame (the caller's inter-byte timeout): returns
    /// it as bad_ssi, or nullopt if nothing is pending.
    std::optional<ScannerHostInput> flush();
    bool partial() const noexcept { return !m_frame.empty(); }

private:
    Bytes m_frame;
    std::size_t m_need = 0;
};

// --- Scanner -> host: the kiosk side -----------------------------------------------

/// One read as the kiosk's driver sees it.
struct ScanLine {
    enum class Kind : std::uint8_t {
        data,     ///< a decoded code, in `data`
        no_read,  ///< %%NoRead
        ssi,      ///< an SSI reply (ACK/NAK) from the scanner, in `frame`
    };
    Kind kind = Kind::data;
    std::string data;        ///< the payload, prefix and suffix removed (raw bytes, any encoding)
    bool terminated = true;  ///< false when the line ended by the idle timeout or flush()
    bool truncated = false;  ///< the line exceeded max_line; the rest of it was dropped
    SsiFrame frame;
    friend bool operator==(const ScanLine&, const ScanLine&) = default;
};

struct ScanLineDecoderConfig {
    std::string prefix;  ///< removed from the start of a line when present
    /// A line with no suffix is complete after this long without a byte.
    std::chrono::microseconds idle_flush{std::chrono::milliseconds(100)};
    /// Longest line kept, in bytes; longer lines are cut and flagged truncated.
    std::size_t max_line = 8192;
    /// Recognise SSI replies (Len 04..1F, opcode D0/D1, valid CHK16) at a line start.
    bool ssi_replies = true;
};

/// The kiosk-side reader of the scanner's output: splits lines on CR, LF or
/// CRLF (a LF right after a CR belongs to it), ends a line that lacks its
/// suffix after `idle_flush` of silence, recognises %%NoRead and skips empty
/// lines. Times are the caller's clock (microseconds, any epoch, never
/// decreasing).
class ScanLineDecoder {
public:
    explicit ScanLineDecoder(ScanLineDecoderConfig config = {});

    /// Bytes that arrived at `now`; returns the lines they complete (a line
    /// left pending longer than idle_flush before `now` is completed first).
    std::vector<ScanLine> feed(std::chrono::microseconds now, ByteView bytes);
    /// Completes a suffix-less line once idle_flush has passed since its last byte.
    std::vector<ScanLine> poll(std::chrono::microseconds now);
    /// When poll() would complete the pending line (nullopt if nothing pending).
    std::optional<std::chrono::microseconds> flush_due() const noexcept;
    /// Completes whatever is pending now (end of stream).
    std::vector<ScanLine> flush();
    /// Bytes held for the pending line.
    std::size_t pending() const noexcept { return m_line.size(); }

private:
    void byte(std::uint8_t b, std::vector<ScanLine>& out);
    void finish(bool terminated, std::vector<ScanLine>& out);
    bool ssi_candidate() const noexcept;
    ScanLineDecoderConfig m_config;
    std::string m_line;
    bool m_after_cr = false;
    bool m_skipping = false;  // dropping the rest of an over-long line
    bool m_truncated = false;
    bool m_ssi_off = false;   // the pending line is data, not an SSI reply
    std::chrono::microseconds m_last{};
};

// --- Payload encodings -----------------------------------------------------------------

/// Re-encodes UTF-8 text as GBK for ASCII and the Hanzi of a small built-in
/// table (the characters of the synthetic payloads and common service words,
/// not all of GBK); any other character becomes '?' and is counted in
/// `unmapped`. Malformed UTF-8 bytes are also replaced by '?'.
Bytes utf8_to_gbk(std::string_view utf8, std::size_t* unmapped = nullptr);
/// How many characters the built-in GBK table maps (beyond ASCII).
std::size_t gbk_table_size() noexcept;

}  // namespace kiosktwin::protocol
