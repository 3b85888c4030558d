// The ID-card reader's SAM "business terminal" serial frames (GA 467-2013 /
// GA/T 467-2019; the readers themselves follow GA 450), spec §2.1 and Annex H1:
//
//   request   AA AA AA 96 69 | Len1 Len2 | CMD PARA | data... | CHK
//   response  AA AA AA 96 69 | Len1 Len2 | SW1 SW2 SW3 | data... | CHK
//
// Len is big-endian and counts every byte after itself, CHK included; CHK is
// the XOR of Len1 .. the last data byte. SW3 is the reader's own status.
//
// Both sides use this codec: the emulated reader decodes requests and encodes
// responses, the kiosk's driver does the opposite. SamDecoder is incremental
// (bytes may arrive one at a time, split anywhere, after line noise) and
// serves either direction.
#pragma once

#include <kiosktwin/protocol/bytes.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kiosktwin::protocol {

// --- Framing ------------------------------------------------------------------

/// Frame sync (AA AA AA) and frame start (96 69).
inline constexpr std::array<std::uint8_t, 5> k_sam_preamble{0xAA, 0xAA, 0xAA, 0x96, 0x69};
/// Preamble plus the two length bytes.
inline constexpr std::size_t k_sam_header_size = 7;
/// The decoder's default limit on Len (bytes after the length field).
inline constexpr std::size_t k_sam_default_max_len = 4096;
/// The largest Len the 16-bit field can carry.
inline constexpr std::size_t k_sam_max_len = 0xFFFF;

/// XOR of the bytes: CHK over Len1 .. the last data byte.
std::uint8_t sam_checksum(ByteView bytes) noexcept;

// --- Commands -------------------------------------------------------------------

/// Every command the reader knows, as (CMD << 8) | PARA.
enum class SamCommand : std::uint16_t {
    reset = 0x10FF,                        ///< 复位 SAM
    status = 0x11FF,                       ///< SAM 状态检测
    sam_id = 0x12FF,                       ///< 读 SAM 管理信息 (16-byte SAM id)
    find = 0x2001,                         ///< 寻找证/卡
    select = 0x2002,                       ///< 选取证/卡
    read_text_photo = 0x3001,              ///< 读机读文字信息和相片信息
    read_appended_address = 0x3003,        ///< 读最新追加住址信息
    read_text_photo_fingerprint = 0x3010,  ///< 读文字+相片+指纹 [unverified]
    set_baud_115200 = 0x6000,
    set_baud_57600 = 0x6001,
    set_baud_38400 = 0x6002,
    set_baud_19200 = 0x6003,
    set_baud_9600 = 0x6004,
};

inline constexpr std::array<SamCommand, 13> k_sam_commands{
    SamCommand::reset,           SamCommand::status,          SamCommand::sam_id,
    SamCommand::find,            SamCommand::select,          SamCommand::read_text_photo,
    SamCommand::read_appended_address, SamCommand::read_text_photo_fingerprint,
    SamCommand::set_baud_115200, SamCommand::set_baud_57600,  SamCommand::set_baud_38400,
    SamCommand::set_baud_19200,  SamCommand::set_baud_9600};

/// The rates CMD 60 selects with PARA 00..04, in that order (bits/s).
inline constexpr std::array<int, 5> k_sam_bauds{115200, 57600, 38400, 19200, 9600};

constexpr std::uint8_t sam_cmd_byte(SamCommand c) noexcept { return static_cast<std::uint8_t>(static_cast<std::uint16_t>(c) >> 8); }
constexpr std::uint8_t sam_para_byte(SamCommand c) noexcept { return static_cast<std::uint8_t>(static_cast<std::uint16_t>(c) & 0xFF); }
/// The command a CMD/PARA pair names, or nullopt for an unknown pair.
std::optional<SamCommand> sam_command(std::uint8_t cmd, std::uint8_t para) noexcept;
/// snake_case name: "find", "read_text_photo", "set_baud_9600".
const char* to_string(SamCommand c) noexcept;
/// The rate a set_baud command selects (bits/s), 0 for other commands.
int sam_baud(SamCommand c) noexcept;
/// The set_baud command for a rate, nullopt if the reader cannot run at it.
std::optional<SamCommand> sam_set_baud_command(int baud) noexcept;

// --- Status (SW3) ---------------------------------------------------------------

/// SW3, the reader's own status (libsamv.h / softs.im table).
enum class Sw3 : std::uint8_t {
    success = 0x90,              ///< 操作成功
    find_ok = 0x9F,              ///< 寻找证/卡成功
    checksum_error = 0x10,       ///< 校验和错
    length_error = 0x11,         ///< 长度错
    bad_command = 0x21,          ///< 命令错误 (command, value or logic)
    privilege_violation = 0x23,  ///< 越权操作
    unrecognised_error = 0x24,   ///< 无法识别的错误
    card_auth_failed = 0x31,     ///< 证/卡认证 SAM 失败
    sam_auth_failed = 0x32,      ///< SAM 认证证/卡失败
    verify_error = 0x33,         ///< 信息验证错误
    wrong_card_type = 0x40,      ///< 无法识别的证卡类型
    read_failed = 0x41,          ///< 读证/卡操作失败
    random_failed = 0x47,        ///< 取随机数失败
    self_test_failed = 0x60,     ///< SAM 自检失败 (accepts no commands)
    not_authorised = 0x66,       ///< SAM 未授权
    find_failed = 0x80,          ///< 寻找证/卡失败 (no card: the normal idle answer)
    select_failed = 0x81,        ///< 选取证/卡失败
    no_content = 0x91,           ///< 证/卡中此项无内容 (e.g. no appended address)
    comm_failure = 0xFF,         ///< 通信故障
};

inline constexpr std::array<Sw3, 19> k_sw3_codes{
    Sw3::success,          Sw3::find_ok,         Sw3::checksum_error,   Sw3::length_error,
    Sw3::bad_command,      Sw3::privilege_violation, Sw3::unrecognised_error, Sw3::card_auth_failed,
    Sw3::sam_auth_failed,  Sw3::verify_error,    Sw3::wrong_card_type,  Sw3::read_failed,
    Sw3::random_failed,    Sw3::self_test_failed, Sw3::not_authorised,  Sw3::find_failed,
    Sw3::select_failed,    Sw3::no_content,      Sw3::comm_failure};

/// Its meaning in English: "find card failed (no card)"; "unknown status" for a code not in the table.
const char* to_string(Sw3 s) noexcept;
/// Its meaning as the standard words it: "寻找证/卡失败".
const char* sw3_meaning_zh(Sw3 s) noexcept;
/// snake_case keyword: "find_failed"; "unknown" for a code not in the table.
const char* sw3_name(Sw3 s) noexcept;
bool is_known_sw3(std::uint8_t code) noexcept;

// --- Frames ----------------------------------------------------------------------

/// A host → reader frame's content.
struct SamRequest {
    std::uint8_t cmd = 0;
    std::uint8_t para = 0;
    Bytes data;

    SamRequest() = default;
    SamRequest(std::uint8_t c, std::uint8_t p, Bytes d = {}) : cmd(c), para(p), data(std::move(d)) {}
    explicit SamRequest(SamCommand c, Bytes d = {}) : cmd(sam_cmd_byte(c)), para(sam_para_byte(c)), data(std::move(d)) {}

    /// The known command, or nullopt for an unknown CMD/PARA pair.
    std::optional<SamCommand> command() const noexcept { return sam_command(cmd, para); }
    /// The whole frame, preamble to CHK.
    Bytes encode() const;
    friend bool operator==(const SamRequest&, const SamRequest&) = default;
};

/// A reader → host frame's content.
struct SamResponse {
    std::uint8_t sw1 = 0;
    std::uint8_t sw2 = 0;
    std::uint8_t sw3 = static_cast<std::uint8_t>(Sw3::success);
    Bytes data;

    SamResponse() = default;
    explicit SamResponse(Sw3 s, Bytes d = {}) : sw3(static_cast<std::uint8_t>(s)), data(std::move(d)) {}

    Sw3 status() const noexcept { return static_cast<Sw3>(sw3); }
    /// SW3 is 90 (success) or 9F (find OK).
    bool ok() const noexcept { return sw3 == 0x90 || sw3 == 0x9F; }
    /// The whole frame, preamble to CHK.
    Bytes encode() const;
    friend bool operator==(const SamResponse&, const SamResponse&) = default;
};

/// A request frame. Throws std::length_error if the data does not fit the 16-bit Len.
Bytes encode_sam_request(std::uint8_t cmd, std::uint8_t para, ByteView data = {});
Bytes encode_sam_request(SamCommand command, ByteView data = {});
/// A response frame. Throws std::length_error if the data does not fit the 16-bit Len.
Bytes encode_sam_response(std::uint8_t sw1, std::uint8_t sw2, std::uint8_t sw3, ByteView data = {});
Bytes encode_sam_response(Sw3 sw3, ByteView data = {});

/// Exactly one well-formed frame (preamble, Len, CHK all right, nothing after) read as a request.
std::optional<SamRequest> parse_sam_request(ByteView frame);
/// Exactly one well-formed frame read as a response.
std::optional<SamResponse> parse_sam_response(ByteView frame);

// --- Incremental decoder ----------------------------------------------------------

enum class SamEventKind {
    frame,           ///< a whole frame with a good checksum
    checksum_error,  ///< a whole frame whose CHK is wrong
    length_error,    ///< Len is 0 or above the decoder's limit: the frame is abandoned
    garbage,         ///< bytes skipped while looking for a preamble
};
const char* to_string(SamEventKind k) noexcept;

struct SamEvent {
    SamEventKind kind = SamEventKind::frame;
    /// frame / checksum_error: the frame's bytes, preamble to CHK;
    /// length_error: the preamble and the two length bytes; garbage: empty.
    Bytes raw;
    /// The Len field (frame, checksum_error, length_error).
    std::size_t declared_len = 0;
    /// garbage: how many bytes were skipped.
    std::size_t skipped = 0;

    /// The bytes between Len and CHK (CMD PARA data, or SW1 SW2 SW3 data).
    ByteView body() const noexcept;
    /// The CHK the frame carries and the one its bytes give (frame, checksum_error).
    std::uint8_t received_checksum() const noexcept;
    std::uint8_t computed_checksum() const noexcept;
    /// The frame read as a request (needs CMD and PARA), nullopt otherwise or for a non-frame.
    std::optional<SamRequest> request() const;
    /// The frame read as a response (needs SW1 SW2 SW3), nullopt otherwise or for a non-frame.
    std::optional<SamResponse> response() const;
};

/// Turns a byte stream into frames and errors, for either direction. Bytes may
/// arrive in any split. Bytes before a preamble are skipped (and counted);
/// a Len of 0 or above max_len abandons the frame; a frame failing its CHK is
/// reported with its bytes. Since a bad frame may hide the start of the next
/// one (a truncated answer followed by a whole one), the bytes after a bad
/// frame's preamble are scanned again. Memory is bounded by max_len.
class SamDecoder {
public:
    /// `max_len`: the largest Len accepted (bytes after the length field), 1..65535.
    explicit SamDecoder(std::size_t max_len = k_sam_default_max_len);

    /// Feeds bytes; returns the events they complete, in stream order.
    std::vector<SamEvent> feed(ByteView bytes);
    /// Feeds bytes, appending events to `out`.
    void feed(ByteView bytes, std::vector<SamEvent>& out);

    /// Drops a partial frame or preamble (an inter-byte timeout, a port reopened).
    void reset() noexcept;
    /// True when no partial frame or preamble is held.
    bool idle() const noexcept { return m_matched == 0 && m_frame.empty(); }
    /// Bytes of the partial frame held (preamble included).
    std::size_t buffered() const noexcept { return m_frame.empty() ? m_matched : m_frame.size(); }
    std::size_t max_len() const noexcept { return m_max_len; }

    struct Stats {
        std::uint64_t frames = 0;
        std::uint64_t checksum_errors = 0;
        std::uint64_t length_errors = 0;
        std::uint64_t garbage_bytes = 0;
    };
    const Stats& stats() const noexcept { return m_stats; }

private:
    void step(std::uint8_t b, bool fresh, std::vector<SamEvent>& out);
    void flush_garbage(std::vector<SamEvent>& out);
    void rescan_from(std::size_t offset);

    std::size_t m_max_len;
    std::size_t m_matched = 0;        // preamble bytes matched while hunting
    std::size_t m_matched_fresh = 0;  // ...of which came from feed() rather than a rescan
    Bytes m_frame;              // the frame being collected, from its preamble
    std::size_t m_need = 0;     // total frame size once Len is known
    std::size_t m_skipped = 0;  // fresh garbage not yet reported
    std::deque<std::uint8_t> m_rescan;  // bytes of a bad frame to scan again before new input
    Stats m_stats;
};

// --- UCS-2 fields -------------------------------------------------------------------

/// A text field in UCS-2 LE, exactly `width` bytes, space padded. UCS-2 cannot
/// hold characters outside the BMP (CJK Extension B and later, used in some
/// names): they, and invalid UTF-8, become '?' and are counted in `replaced`.
/// Text too long for the field is cut at a character boundary (`truncated`).
struct Ucs2Field {
    Bytes bytes;
    std::size_t replaced = 0;
    bool truncated = false;
};
Ucs2Field encode_ucs2_field(std::string_view utf8, std::size_t width);
/// UTF-8 from UCS-2 LE, trailing spaces and NULs removed. A surrogate pair is
/// decoded leniently; a lone surrogate becomes U+FFFD.
std::string decode_ucs2_field(ByteView bytes);
/// How many UCS-2 code units `utf8` takes (a character outside the BMP counts 1: it becomes '?').
std::size_t ucs2_length(std::string_view utf8) noexcept;
/// Whether `utf8` is valid UTF-8 with no character outside the BMP.
bool is_bmp_utf8(std::string_view utf8) noexcept;
/// Whether `utf8` is valid UTF-8 (no overlong forms, surrogates or code points above U+10FFFF).
bool is_valid_utf8(std::string_view utf8) noexcept;

// --- The 256-byte text block -----------------------------------------------------------

/// Which of the known layouts a text block has. The card type flag at byte 248
/// tells them apart: "J" HK/Macao/Taiwan residence permit, "I" foreign permanent
/// resident card of 2017, "Y" the 2023 card; anything else (spaces) a
/// resident ID card. The permit and foreign layouts follow public reader SDK
/// headers; no second source confirmed them [unverified].
enum class IdTextLayout { resident, hk_mo_tw_permit, foreign_permanent_2017, foreign_permanent_2023 };
const char* to_string(IdTextLayout l) noexcept;

/// The machine-readable text (UTF-8 here, UCS-2 LE on the wire); which members
/// a layout uses, and where (widths in bytes):
///  - resident: name 30, sex 2 ("1" male, "2" female), nation 4 (GB/T 3304
///    code, "01" = 汉), birth 16 (YYYYMMDD), address 70, id_number 36,
///    authority 30, valid_from 16, valid_to 16 (YYYYMMDD or "长期"), reserved 36.
///  - hk_mo_tw_permit: as resident up to valid_to (nation unused), then
///    pass_number 18, issue_count 4, reserved 6, type_flag 2 ("J"), 6 unused.
///  - foreign_permanent_2017: english_name 120, sex 2, id_number 30 (15
///    characters), nation 6 (nationality, ISO 3166 alpha-3), name 30 (Chinese
///    name), valid_from 16, valid_to 16, birth 16, card_version 4, authority 8
///    (acceptance authority code), type_flag 2 ("I"), reserved 6.
///  - foreign_permanent_2023: name 30 (Chinese), sex 2, issue_count 4 (换证次数),
///    birth 16, english_name characters 1-35 in 70, id_number 36, 30 unused,
///    valid_from 16, valid_to 16, english_name characters 36-46 in 22, nation 6
///    (nationality), type_flag 2 ("Y"), reserved 6 (the old number's link).
struct IdText {
    IdTextLayout layout = IdTextLayout::resident;
    std::string name;
    std::string sex;
    std::string nation;
    std::string birth;
    std::string address;
    std::string id_number;
    std::string authority;
    std::string valid_from;
    std::string valid_to;
    std::string reserved;
    std::string pass_number;   ///< HK/MO/TW permit: the 通行证 number
    std::string issue_count;   ///< HK/MO/TW permit: 签发次数; 2023 foreign card: 换证次数 (two digits)
    std::string english_name;  ///< foreign permanent resident cards
    std::string card_version;  ///< 2017 foreign card: 证件版本号
    std::string type_flag;     ///< "J", "I", "Y"; empty = the layout's default

    friend bool operator==(const IdText&, const IdText&) = default;
};

/// One field of a layout: where it sits in the 256-byte block.
struct IdTextField {
    const char* name;  ///< the IdText member's name
    std::size_t offset;
    std::size_t width;            ///< bytes
    std::string IdText::*member;  ///< nullptr: unused, written as spaces
    std::size_t first_char = 0;   ///< a member split over two fields: where this part starts
};
/// The fields of a layout in block order (they tile all 256 bytes).
std::span<const IdTextField> id_text_fields(IdTextLayout layout) noexcept;

inline constexpr std::size_t k_id_text_size = 256;
inline constexpr std::size_t k_id_photo_size = 1024;
inline constexpr std::size_t k_id_fingerprint_size = 1024;
/// The byte offset of the card type flag in every layout.
inline constexpr std::size_t k_id_type_flag_offset = 248;

/// What encoding had to change: a field cut short or characters replaced.
struct IdTextIssue {
    std::string field;
    std::string what;  ///< "truncated to 35 characters", "2 characters outside the BMP (or not UTF-8) written as '?'"
    friend bool operator==(const IdTextIssue&, const IdTextIssue&) = default;
};
struct EncodedIdText {
    Bytes block;  ///< always 256 bytes
    std::vector<IdTextIssue> issues;
};
/// The 256-byte block for `text.layout`. Never throws; see `issues` for what changed.
EncodedIdText encode_id_text(const IdText& text);
/// The layout a 256-byte block's type flag announces.
IdTextLayout detect_id_text_layout(ByteView block) noexcept;
/// A 256-byte block, layout detected from its type flag; nullopt for another size.
std::optional<IdText> decode_id_text(ByteView block);

// --- Read answers -------------------------------------------------------------------------

/// The data of a read answer: 30 01 gives text and photo, 30 10 also a fingerprint.
struct ReadInfo {
    Bytes text;
    Bytes photo;
    std::optional<Bytes> fingerprint;  ///< present for a 30 10 answer (possibly empty: no fingerprint on the card)
    friend bool operator==(const ReadInfo&, const ReadInfo&) = default;
};
/// 30 01 answer data: text length (2 bytes, big-endian), photo length, text, photo.
Bytes encode_read_info_data(ByteView text, ByteView photo);
/// 30 10 answer data: text, photo and fingerprint lengths, then the three blocks [unverified layout].
Bytes encode_read_info_fingerprint_data(ByteView text, ByteView photo, ByteView fingerprint);
/// Either layout, told apart by the lengths; nullopt when the lengths do not add up.
std::optional<ReadInfo> parse_read_info(ByteView data);
/// The whole success answer to 30 01: 1295 bytes for a 1024-byte photo (Len 0x0508).
Bytes encode_read_info_response(const IdText& text, ByteView photo);
/// Frame size of a 30 01 answer with a 256-byte text and a 1024-byte photo.
inline constexpr std::size_t k_read_info_frame_size = 1295;

/// 30 03 answer data: the newest appended address, UCS-2 LE in 70 bytes [unverified width].
inline constexpr std::size_t k_appended_address_size = 70;
Ucs2Field encode_appended_address(std::string_view utf8);
std::string decode_appended_address(ByteView data);

// --- SAM id, find and select data ------------------------------------------------------

/// Data of a find answer (card IIN) and of a select answer (card SN); zeros on common readers.
inline constexpr std::size_t k_find_data_size = 4;
inline constexpr std::size_t k_select_data_size = 8;

/// The SAM's management id: 16 bytes, shown as "05.01-20101111-0012345678-1234567890"
/// (two little-endian 16-bit numbers, then three little-endian 32-bit ones) [inferred].
struct SamId {
    std::uint16_t major = 5;
    std::uint16_t minor = 1;
    std::uint32_t date = 20260101;
    std::uint32_t serial = 0;
    std::uint32_t check = 0;

    Bytes encode() const;
    std::string to_string() const;
    /// From the 16 bytes; nullopt for another size.
    static std::optional<SamId> decode(ByteView bytes);
    /// From the display form; nullopt if malformed.
    static std::optional<SamId> parse(std::string_view text);
    friend bool operator==(const SamId&, const SamId&) = default;
};
inline constexpr std::size_t k_sam_id_size = 16;

}  // namespace kiosktwin::protocol
