#include <kiosktwin/protocol/sam.hpp>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace kiosktwin::protocol {

namespace {

struct Sw3Info {
    Sw3 code;
    const char* name;
    const char* en;
    const char* zh;
};

constexpr Sw3Info k_sw3_info[] = {
    {Sw3::success, "success", "success", "操作成功"},
    {Sw3::find_ok, "find_ok", "find card OK", "寻找证/卡成功"},
    {Sw3::checksum_error, "checksum_error", "checksum error in the terminal's frame", "校验和错"},
    {Sw3::length_error, "length_error", "length error in the terminal's frame", "长度错"},
    {Sw3::bad_command, "bad_command", "bad command, parameter or command sequence", "命令错误"},
    {Sw3::privilege_violation, "privilege_violation", "privilege violation", "越权操作"},
    {Sw3::unrecognised_error, "unrecognised_error", "unrecognised error", "无法识别的错误"},
    {Sw3::card_auth_failed, "card_auth_failed", "card failed to authenticate the SAM", "证/卡认证SAM失败"},
    {Sw3::sam_auth_failed, "sam_auth_failed", "SAM failed to authenticate the card", "SAM认证证/卡失败"},
    {Sw3::verify_error, "verify_error", "information verification error", "信息验证错误"},
    {Sw3::wrong_card_type, "wrong_card_type", "unrecognised card type", "无法识别的证卡类型"},
    {Sw3::read_failed, "read_failed", "card read failed", "读证/卡操作失败"},
    {Sw3::random_failed, "random_failed", "get-random failed", "取随机数失败"},
    {Sw3::self_test_failed, "self_test_failed", "SAM self-test failed; no commands accepted", "SAM自检失败"},
    {Sw3::not_authorised, "not_authorised", "SAM not authorised", "SAM未授权"},
    {Sw3::find_failed, "find_failed", "find card failed (no card)", "寻找证/卡失败"},
    {Sw3::select_failed, "select_failed", "select card failed", "选取证/卡失败"},
    {Sw3::no_content, "no_content", "no content for this item on the card", "证/卡中此项无内容"},
    {Sw3::comm_failure, "comm_failure", "communication failure", "通信故障"},
};

const Sw3Info* sw3_info(Sw3 s) noexcept {
    for (const auto& i : k_sw3_info)
        if (i.code == s) return &i;
    return nullptr;
}

struct CommandName {
    SamCommand c;
    const char* name;
};
constexpr CommandName k_command_names[] = {
    {SamCommand::reset, "reset"},
    {SamCommand::status, "status"},
    {SamCommand::sam_id, "sam_id"},
    {SamCommand::find, "find"},
    {SamCommand::select, "select"},
    {SamCommand::read_text_photo, "read_text_photo"},
    {SamCommand::read_appended_address, "read_appended_address"},
    {SamCommand::read_text_photo_fingerprint, "read_text_photo_fingerprint"},
    {SamCommand::set_baud_115200, "set_baud_115200"},
    {SamCommand::set_baud_57600, "set_baud_57600"},
    {SamCommand::set_baud_38400, "set_baud_38400"},
    {SamCommand::set_baud_19200, "set_baud_19200"},
    {SamCommand::set_baud_9600, "set_baud_9600"},
};

Bytes frame(ByteView body) {
    const std::size_t len = body.size() + 1;  // + CHK
    if (len > k_sam_max_len) throw std::length_error("SAM frame: data too long for the 16-bit length field");
    Bytes f;
    f.reserve(k_sam_header_size + len);
    f.insert(f.end(), k_sam_preamble.begin(), k_sam_preamble.end());
    f.push_back(static_cast<std::uint8_t>(len >> 8));
    f.push_back(static_cast<std::uint8_t>(len & 0xFF));
    f.insert(f.end(), body.begin(), body.end());
    f.push_back(sam_checksum(ByteView(f).subspan(k_sam_preamble.size())));
    return f;
}

// The body (between Len and CHK) of exactly one well-formed frame.
std::optional<ByteView> whole_frame_body(ByteView f) {
    if (f.size() < k_sam_header_size + 1) return std::nullopt;
    if (!std::equal(k_sam_preamble.begin(), k_sam_preamble.end(), f.begin())) return std::nullopt;
    const std::size_t len = (std::size_t{f[5]} << 8) | f[6];
    if (len == 0 || f.size() != k_sam_header_size + len) return std::nullopt;
    if (sam_checksum(f.subspan(5, f.size() - 6)) != f.back()) return std::nullopt;
    return f.subspan(k_sam_header_size, len - 1);
}

void put_u16be(Bytes& b, std::size_t v) {
    b.push_back(static_cast<std::uint8_t>((v >> 8) & 0xFF));
    b.push_back(static_cast<std::uint8_t>(v & 0xFF));
}
std::size_t u16be(ByteView b, std::size_t at) { return (std::size_t{b[at]} << 8) | b[at + 1]; }

// --- UTF-8 -------------------------------------------------------------------------

constexpr char32_t k_invalid = 0xFFFFFFFF;

// The code point at s[i] (advancing i), or k_invalid for a malformed sequence
// (advancing one byte): overlong forms, surrogates and > U+10FFFF are malformed.
char32_t next_code_point(std::string_view s, std::size_t& i) noexcept {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
        ++i;
        return b0;
    }
    std::size_t n = 0;
    char32_t cp = 0;
    char32_t min = 0;
    if ((b0 & 0xE0) == 0xC0) {
        n = 1;
        cp = b0 & 0x1F;
        min = 0x80;
    } else if ((b0 & 0xF0) == 0xE0) {
        n = 2;
        cp = b0 & 0x0F;
        min = 0x800;
    } else if ((b0 & 0xF8) == 0xF0) {
        n = 3;
        cp = b0 & 0x07;
        min = 0x10000;
    } else {
        ++i;
        return k_invalid;
    }
    if (i + n >= s.size()) {  // the sequence runs past the end
        ++i;
        return k_invalid;
    }
    for (std::size_t k = 1; k <= n; ++k) {
        const auto b = static_cast<unsigned char>(s[i + k]);
        if ((b & 0xC0) != 0x80) {
            ++i;
            return k_invalid;
        }
        cp = (cp << 6) | (b & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        ++i;
        return k_invalid;
    }
    i += n + 1;
    return cp;
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

// UTF-8 from UCS-2 LE; `trim` drops trailing spaces and NULs.
std::string decode_ucs2(ByteView bytes, bool trim) {
    std::vector<char16_t> u;
    u.reserve(bytes.size() / 2);
    for (std::size_t i = 0; i + 1 < bytes.size(); i += 2)
        u.push_back(static_cast<char16_t>(bytes[i] | (bytes[i + 1] << 8)));
    if (trim)
        while (!u.empty() && (u.back() == u' ' || u.back() == 0)) u.pop_back();
    std::string out;
    out.reserve(u.size() * 3);
    for (std::size_t i = 0; i < u.size(); ++i) {
        const char16_t c = u[i];
        if (c >= 0xD800 && c <= 0xDBFF && i + 1 < u.size() && u[i + 1] >= 0xDC00 && u[i + 1] <= 0xDFFF) {
            append_utf8(out, 0x10000 + ((char32_t{c} - 0xD800) << 10) + (char32_t{u[i + 1]} - 0xDC00));
            ++i;
        } else if (c >= 0xD800 && c <= 0xDFFF) {
            append_utf8(out, 0xFFFD);
        } else {
            append_utf8(out, c);
        }
    }
    return out;
}

std::string trim_trailing_spaces(std::string s) {
    while (!s.empty() && (s.back() == ' ' || s.back() == '\0')) s.pop_back();
    return s;
}

// `s` without its first n characters (code points; malformed bytes count one each).
std::string_view skip_chars(std::string_view s, std::size_t n) noexcept {
    std::size_t i = 0;
    for (std::size_t k = 0; k < n && i < s.size(); ++k) next_code_point(s, i);
    return s.substr(i);
}

// --- Text layouts ------------------------------------------------------------------------

constexpr IdTextField k_resident_fields[] = {
    {"name", 0, 30, &IdText::name},
    {"sex", 30, 2, &IdText::sex},
    {"nation", 32, 4, &IdText::nation},
    {"birth", 36, 16, &IdText::birth},
    {"address", 52, 70, &IdText::address},
    {"id_number", 122, 36, &IdText::id_number},
    {"authority", 158, 30, &IdText::authority},
    {"valid_from", 188, 16, &IdText::valid_from},
    {"valid_to", 204, 16, &IdText::valid_to},
    {"reserved", 220, 36, &IdText::reserved},
};

constexpr IdTextField k_permit_fields[] = {
    {"name", 0, 30, &IdText::name},
    {"sex", 30, 2, &IdText::sex},
    {"nation", 32, 4, &IdText::nation},  // reserved on permits; kept so that nothing is lost
    {"birth", 36, 16, &IdText::birth},
    {"address", 52, 70, &IdText::address},
    {"id_number", 122, 36, &IdText::id_number},
    {"authority", 158, 30, &IdText::authority},
    {"valid_from", 188, 16, &IdText::valid_from},
    {"valid_to", 204, 16, &IdText::valid_to},
    {"pass_number", 220, 18, &IdText::pass_number},
    {"issue_count", 238, 4, &IdText::issue_count},
    {"reserved", 242, 6, &IdText::reserved},
    {"type_flag", 248, 2, &IdText::type_flag},
    {"(reserved)", 250, 6, nullptr},
};

constexpr IdTextField k_foreign_2017_fields[] = {
    {"english_name", 0, 120, &IdText::english_name},
    {"sex", 120, 2, &IdText::sex},
    {"id_number", 122, 30, &IdText::id_number},
    {"nation", 152, 6, &IdText::nation},  // nationality, ISO 3166 alpha-3
    {"name", 158, 30, &IdText::name},     // Chinese name
    {"valid_from", 188, 16, &IdText::valid_from},
    {"valid_to", 204, 16, &IdText::valid_to},
    {"birth", 220, 16, &IdText::birth},
    {"card_version", 236, 4, &IdText::card_version},
    {"authority", 240, 8, &IdText::authority},  // acceptance authority code
    {"type_flag", 248, 2, &IdText::type_flag},
    {"reserved", 250, 6, &IdText::reserved},
};

constexpr IdTextField k_foreign_2023_fields[] = {
    {"name", 0, 30, &IdText::name},  // Chinese name
    {"sex", 30, 2, &IdText::sex},
    {"issue_count", 32, 4, &IdText::issue_count},  // 换证次数
    {"birth", 36, 16, &IdText::birth},
    {"english_name", 52, 70, &IdText::english_name, 0},
    {"id_number", 122, 36, &IdText::id_number},
    {"(reserved)", 158, 30, nullptr},
    {"valid_from", 188, 16, &IdText::valid_from},
    {"valid_to", 204, 16, &IdText::valid_to},
    {"english_name", 220, 22, &IdText::english_name, 35},
    {"nation", 242, 6, &IdText::nation},  // nationality
    {"type_flag", 248, 2, &IdText::type_flag},
    {"reserved", 250, 6, &IdText::reserved},  // link to the 2017 card's number
};

const char* default_type_flag(IdTextLayout l) noexcept {
    switch (l) {
    case IdTextLayout::resident: return "";
    case IdTextLayout::hk_mo_tw_permit: return "J";
    case IdTextLayout::foreign_permanent_2017: return "I";
    case IdTextLayout::foreign_permanent_2023: return "Y";
    }
    return "";
}

}  // namespace

std::uint8_t sam_checksum(ByteView bytes) noexcept {
    std::uint8_t x = 0;
    for (std::uint8_t b : bytes) x ^= b;
    return x;
}

// --- Commands and status -------------------------------------------------------------

std::optional<SamCommand> sam_command(std::uint8_t cmd, std::uint8_t para) noexcept {
    const auto v = static_cast<std::uint16_t>((cmd << 8) | para);
    for (SamCommand c : k_sam_commands)
        if (static_cast<std::uint16_t>(c) == v) return c;
    return std::nullopt;
}

const char* to_string(SamCommand c) noexcept {
    for (const auto& n : k_command_names)
        if (n.c == c) return n.name;
    return "unknown";
}

int sam_baud(SamCommand c) noexcept {
    if (sam_cmd_byte(c) != 0x60) return 0;
    const std::size_t para = sam_para_byte(c);
    return para < k_sam_bauds.size() ? k_sam_bauds[para] : 0;
}

std::optional<SamCommand> sam_set_baud_command(int baud) noexcept {
    for (std::size_t i = 0; i < k_sam_bauds.size(); ++i)
        if (k_sam_bauds[i] == baud) return sam_command(0x60, static_cast<std::uint8_t>(i));
    return std::nullopt;
}

const char* to_string(Sw3 s) noexcept {
    const Sw3Info* i = sw3_info(s);
    return i ? i->en : "unknown status";
}
const char* sw3_meaning_zh(Sw3 s) noexcept {
    const Sw3Info* i = sw3_info(s);
    return i ? i->zh : "未知状态";
}
const char* sw3_name(Sw3 s) noexcept {
    const Sw3Info* i = sw3_info(s);
    return i ? i->name : "unknown";
}
bool is_known_sw3(std::uint8_t code) noexcept { return sw3_info(static_cast<Sw3>(code)) != nullptr; }

// --- Frames ----------------------------------------------------------------------------

Bytes encode_sam_request(std::uint8_t cmd, std::uint8_t para, ByteView data) {
    Bytes body{cmd, para};
    body.insert(body.end(), data.begin(), data.end());
    return frame(body);
}
Bytes encode_sam_request(SamCommand command, ByteView data) {
    return encode_sam_request(sam_cmd_byte(command), sam_para_byte(command), data);
}
Bytes encode_sam_response(std::uint8_t sw1, std::uint8_t sw2, std::uint8_t sw3, ByteView data) {
    Bytes body{sw1, sw2, sw3};
    body.insert(body.end(), data.begin(), data.end());
    return frame(body);
}
Bytes encode_sam_response(Sw3 sw3, ByteView data) {
    return encode_sam_response(0, 0, static_cast<std::uint8_t>(sw3), data);
}

Bytes SamRequest::encode() const { return encode_sam_request(cmd, para, data); }
Bytes SamResponse::encode() const { return encode_sam_response(sw1, sw2, sw3, data); }

std::optional<SamRequest> parse_sam_request(ByteView f) {
    const auto body = whole_frame_body(f);
    if (!body || body->size() < 2) return std::nullopt;
    return SamRequest((*body)[0], (*body)[1], Bytes(body->begin() + 2, body->end()));
}

std::optional<SamResponse> parse_sam_response(ByteView f) {
    const auto body = whole_frame_body(f);
    if (!body || body->size() < 3) return std::nullopt;
    SamResponse r;
    r.sw1 = (*body)[0];
    r.sw2 = (*body)[1];
    r.sw3 = (*body)[2];
    r.data.assign(body->begin() + 3, body->end());
    return r;
}

// --- Decoder --------------------------------------------------------------------------------

const char* to_string(SamEventKind k) noexcept {
    switch (k) {
    case SamEventKind::frame: return "frame";
    case SamEventKind::checksum_error: return "checksum_error";
    case SamEventKind::length_error: return "length_error";
    case SamEventKind::garbage: return "garbage";
    }
    return "?";
}

ByteView SamEvent::body() const noexcept {
    if ((kind != SamEventKind::frame && kind != SamEventKind::checksum_error) || raw.size() < k_sam_header_size + 1)
        return {};
    return ByteView(raw).subspan(k_sam_header_size, raw.size() - k_sam_header_size - 1);
}

std::uint8_t SamEvent::received_checksum() const noexcept {
    return raw.size() > k_sam_header_size ? raw.back() : 0;
}

std::uint8_t SamEvent::computed_checksum() const noexcept {
    if (raw.size() <= k_sam_header_size) return 0;
    return sam_checksum(ByteView(raw).subspan(5, raw.size() - 6));
}

std::optional<SamRequest> SamEvent::request() const {
    if (kind != SamEventKind::frame) return std::nullopt;
    const ByteView b = body();
    if (b.size() < 2) return std::nullopt;
    return SamRequest(b[0], b[1], Bytes(b.begin() + 2, b.end()));
}

std::optional<SamResponse> SamEvent::response() const {
    if (kind != SamEventKind::frame) return std::nullopt;
    const ByteView b = body();
    if (b.size() < 3) return std::nullopt;
    SamResponse r;
    r.sw1 = b[0];
    r.sw2 = b[1];
    r.sw3 = b[2];
    r.data.assign(b.begin() + 3, b.end());
    return r;
}

SamDecoder::SamDecoder(std::size_t max_len) : m_max_len(std::clamp<std::size_t>(max_len, 1, k_sam_max_len)) {}

void SamDecoder::reset() noexcept {
    m_matched = 0;
    m_matched_fresh = 0;
    m_frame.clear();
    m_need = 0;
    m_rescan.clear();
}

std::vector<SamEvent> SamDecoder::feed(ByteView bytes) {
    std::vector<SamEvent> out;
    feed(bytes, out);
    return out;
}

void SamDecoder::feed(ByteView bytes, std::vector<SamEvent>& out) {
    for (std::uint8_t b : bytes) {
        step(b, true, out);
        while (!m_rescan.empty()) {
            const std::uint8_t r = m_rescan.front();
            m_rescan.pop_front();
            step(r, false, out);
        }
    }
    flush_garbage(out);
}

void SamDecoder::flush_garbage(std::vector<SamEvent>& out) {
    if (m_skipped == 0) return;
    SamEvent e;
    e.kind = SamEventKind::garbage;
    e.skipped = m_skipped;
    m_stats.garbage_bytes += m_skipped;
    m_skipped = 0;
    out.push_back(std::move(e));
}

// Queues the bad frame's bytes from `offset` to be scanned again, ahead of
// anything already queued (they came first in the stream).
void SamDecoder::rescan_from(std::size_t offset) {
    if (offset < m_frame.size())
        m_rescan.insert(m_rescan.begin(), m_frame.begin() + static_cast<std::ptrdiff_t>(offset), m_frame.end());
    m_frame.clear();
    m_need = 0;
}

void SamDecoder::step(std::uint8_t b, bool fresh, std::vector<SamEvent>& out) {
    if (m_frame.empty()) {
        // Hunting for the preamble.
        if (b == k_sam_preamble[m_matched]) {
            ++m_matched;
            if (fresh) ++m_matched_fresh;
            if (m_matched == k_sam_preamble.size()) {
                flush_garbage(out);
                m_frame.assign(k_sam_preamble.begin(), k_sam_preamble.end());
                m_matched = 0;
                m_matched_fresh = 0;
            }
            return;
        }
        // Mismatch: keep the longest preamble prefix that ends the bytes seen.
        std::array<std::uint8_t, 5> seen{};
        std::copy_n(k_sam_preamble.begin(), m_matched, seen.begin());
        seen[m_matched] = b;
        const std::size_t total = m_matched + 1;
        std::size_t keep = 0;
        for (std::size_t k = std::min(m_matched, total - 1); k > 0; --k) {
            if (std::equal(seen.begin() + static_cast<std::ptrdiff_t>(total - k), seen.begin() + static_cast<std::ptrdiff_t>(total),
                           k_sam_preamble.begin())) {
                keep = k;
                break;
            }
        }
        // The discarded bytes are the oldest; rescanned ones (not fresh) are older than fresh ones.
        const std::size_t fresh_total = m_matched_fresh + (fresh ? 1 : 0);
        const std::size_t dropped = total - keep;
        const std::size_t stale = total - fresh_total;
        const std::size_t dropped_fresh = dropped > stale ? dropped - stale : 0;
        m_skipped += dropped_fresh;
        m_matched = keep;
        m_matched_fresh = std::min(keep, fresh_total - dropped_fresh);
        return;
    }

    m_frame.push_back(b);
    if (m_frame.size() == k_sam_header_size) {
        const std::size_t len = u16be(m_frame, 5);
        if (len == 0 || len > m_max_len) {
            SamEvent e;
            e.kind = SamEventKind::length_error;
            e.raw = m_frame;
            e.declared_len = len;
            ++m_stats.length_errors;
            out.push_back(std::move(e));
            rescan_from(5);  // the length bytes may begin the next preamble
            return;
        }
        m_need = k_sam_header_size + len;
        return;
    }
    if (m_frame.size() < k_sam_header_size || m_frame.size() < m_need) return;

    SamEvent e;
    e.raw = m_frame;
    e.declared_len = m_need - k_sam_header_size;
    if (e.computed_checksum() == e.received_checksum()) {
        e.kind = SamEventKind::frame;
        ++m_stats.frames;
        out.push_back(std::move(e));
        m_frame.clear();
        m_need = 0;
    } else {
        e.kind = SamEventKind::checksum_error;
        ++m_stats.checksum_errors;
        out.push_back(std::move(e));
        rescan_from(5);
    }
}

// --- UCS-2 ------------------------------------------------------------------------------------

Ucs2Field encode_ucs2_field(std::string_view utf8, std::size_t width) {
    Ucs2Field f;
    f.bytes.reserve(width);
    const std::size_t units = width / 2;
    std::size_t used = 0;
    std::size_t i = 0;
    while (i < utf8.size()) {
        if (used == units) {
            f.truncated = true;
            break;
        }
        char32_t cp = next_code_point(utf8, i);
        if (cp == k_invalid || cp > 0xFFFF) {
            cp = U'?';
            ++f.replaced;
        }
        f.bytes.push_back(static_cast<std::uint8_t>(cp & 0xFF));
        f.bytes.push_back(static_cast<std::uint8_t>(cp >> 8));
        ++used;
    }
    while (f.bytes.size() + 2 <= width) {
        f.bytes.push_back(0x20);
        f.bytes.push_back(0x00);
    }
    if (f.bytes.size() < width) f.bytes.push_back(0x20);
    return f;
}

std::string decode_ucs2_field(ByteView bytes) { return decode_ucs2(bytes, true); }

std::size_t ucs2_length(std::string_view utf8) noexcept {
    std::size_t n = 0;
    for (std::size_t i = 0; i < utf8.size(); ++n) next_code_point(utf8, i);
    return n;
}

bool is_bmp_utf8(std::string_view utf8) noexcept {
    for (std::size_t i = 0; i < utf8.size();) {
        const char32_t cp = next_code_point(utf8, i);
        if (cp == k_invalid || cp > 0xFFFF) return false;
    }
    return true;
}

bool is_valid_utf8(std::string_view utf8) noexcept {
    for (std::size_t i = 0; i < utf8.size();)
        if (next_code_point(utf8, i) == k_invalid) return false;
    return true;
}

// --- Text block -------------------------------------------------------------------------------

const char* to_string(IdTextLayout l) noexcept {
    switch (l) {
    case IdTextLayout::resident: return "resident";
    case IdTextLayout::hk_mo_tw_permit: return "hk_mo_tw_permit";
    case IdTextLayout::foreign_permanent_2017: return "foreign_permanent_2017";
    case IdTextLayout::foreign_permanent_2023: return "foreign_permanent_2023";
    }
    return "?";
}

std::span<const IdTextField> id_text_fields(IdTextLayout layout) noexcept {
    switch (layout) {
    case IdTextLayout::resident: return k_resident_fields;
    case IdTextLayout::hk_mo_tw_permit: return k_permit_fields;
    case IdTextLayout::foreign_permanent_2017: return k_foreign_2017_fields;
    case IdTextLayout::foreign_permanent_2023: return k_foreign_2023_fields;
    }
    return k_resident_fields;
}

EncodedIdText encode_id_text(const IdText& text) {
    EncodedIdText r;
    r.block.reserve(k_id_text_size);
    const auto fields = id_text_fields(text.layout);
    for (std::size_t k = 0; k < fields.size(); ++k) {
        const IdTextField& f = fields[k];
        std::string_view value;
        if (f.member == &IdText::type_flag)
            value = text.type_flag.empty() ? std::string_view(default_type_flag(text.layout)) : std::string_view(text.type_flag);
        else if (f.member != nullptr)
            value = text.*(f.member);
        value = skip_chars(value, f.first_char);
        const Ucs2Field enc = encode_ucs2_field(value, f.width);
        r.block.insert(r.block.end(), enc.bytes.begin(), enc.bytes.end());
        // A member split in two is cut short only if its last part overflows.
        bool last_part = true;
        for (std::size_t j = k + 1; j < fields.size(); ++j)
            if (f.member != nullptr && fields[j].member == f.member) last_part = false;
        if (enc.truncated && last_part)
            r.issues.push_back({f.name, "truncated to " + std::to_string(f.first_char + f.width / 2) + " characters"});
        if (enc.replaced > 0)
            r.issues.push_back({f.name, std::to_string(enc.replaced) +
                                            (enc.replaced == 1 ? " character" : " characters") +
                                            " outside the BMP (or not UTF-8) written as '?'"});
    }
    return r;
}

IdTextLayout detect_id_text_layout(ByteView block) noexcept {
    if (block.size() < k_id_type_flag_offset + 2) return IdTextLayout::resident;
    const unsigned flag = block[k_id_type_flag_offset] | (block[k_id_type_flag_offset + 1] << 8);
    if (flag == 'J') return IdTextLayout::hk_mo_tw_permit;
    if (flag == 'I') return IdTextLayout::foreign_permanent_2017;
    if (flag == 'Y') return IdTextLayout::foreign_permanent_2023;
    return IdTextLayout::resident;
}

std::optional<IdText> decode_id_text(ByteView block) {
    if (block.size() != k_id_text_size) return std::nullopt;
    IdText t;
    t.layout = detect_id_text_layout(block);
    const auto fields = id_text_fields(t.layout);
    for (const IdTextField& f : fields) {
        if (f.member == nullptr) continue;
        if (f.first_char == 0) {
            t.*(f.member) = decode_ucs2_field(block.subspan(f.offset, f.width));
            continue;
        }
        // A later part: the first part keeps its padding so that the two join exactly.
        std::string joined;
        for (const IdTextField& g : fields)
            if (g.member == f.member) joined += decode_ucs2(block.subspan(g.offset, g.width), false);
        t.*(f.member) = trim_trailing_spaces(std::move(joined));
    }
    return t;
}

// --- Read answers ---------------------------------------------------------------------------------

Bytes encode_read_info_data(ByteView text, ByteView photo) {
    Bytes d;
    d.reserve(4 + text.size() + photo.size());
    put_u16be(d, text.size());
    put_u16be(d, photo.size());
    d.insert(d.end(), text.begin(), text.end());
    d.insert(d.end(), photo.begin(), photo.end());
    return d;
}

Bytes encode_read_info_fingerprint_data(ByteView text, ByteView photo, ByteView fingerprint) {
    Bytes d;
    d.reserve(6 + text.size() + photo.size() + fingerprint.size());
    put_u16be(d, text.size());
    put_u16be(d, photo.size());
    put_u16be(d, fingerprint.size());
    d.insert(d.end(), text.begin(), text.end());
    d.insert(d.end(), photo.begin(), photo.end());
    d.insert(d.end(), fingerprint.begin(), fingerprint.end());
    return d;
}

std::optional<ReadInfo> parse_read_info(ByteView data) {
    if (data.size() < 4) return std::nullopt;
    const std::size_t t = u16be(data, 0);
    const std::size_t p = u16be(data, 2);
    if (data.size() == 4 + t + p) {
        ReadInfo r;
        r.text.assign(data.begin() + 4, data.begin() + static_cast<std::ptrdiff_t>(4 + t));
        r.photo.assign(data.begin() + static_cast<std::ptrdiff_t>(4 + t), data.end());
        return r;
    }
    if (data.size() < 6) return std::nullopt;
    const std::size_t f = u16be(data, 4);
    if (data.size() != 6 + t + p + f) return std::nullopt;
    ReadInfo r;
    const auto at = [&](std::size_t k) { return data.begin() + static_cast<std::ptrdiff_t>(k); };
    r.text.assign(at(6), at(6 + t));
    r.photo.assign(at(6 + t), at(6 + t + p));
    r.fingerprint = Bytes(at(6 + t + p), data.end());
    return r;
}

Bytes encode_read_info_response(const IdText& text, ByteView photo) {
    const EncodedIdText t = encode_id_text(text);
    return encode_sam_response(Sw3::success, encode_read_info_data(t.block, photo));
}

Ucs2Field encode_appended_address(std::string_view utf8) { return encode_ucs2_field(utf8, k_appended_address_size); }

std::string decode_appended_address(ByteView data) { return decode_ucs2_field(data); }

// --- SAM id -------------------------------------------------------------------------------------------

Bytes SamId::encode() const {
    Bytes b;
    b.reserve(k_sam_id_size);
    const auto le = [&](std::uint64_t v, int n) {
        for (int i = 0; i < n; ++i) b.push_back(static_cast<std::uint8_t>((v >> (8 * i)) & 0xFF));
    };
    le(major, 2);
    le(minor, 2);
    le(date, 4);
    le(serial, 4);
    le(check, 4);
    return b;
}

std::string SamId::to_string() const {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%02u.%02u-%08lu-%010lu-%010lu", unsigned{major}, unsigned{minor},
                  static_cast<unsigned long>(date), static_cast<unsigned long>(serial), static_cast<unsigned long>(check));
    return buf;
}

std::optional<SamId> SamId::decode(ByteView b) {
    if (b.size() != k_sam_id_size) return std::nullopt;
    const auto le = [&](std::size_t at, int n) {
        std::uint32_t v = 0;
        for (int i = n - 1; i >= 0; --i) v = (v << 8) | b[at + static_cast<std::size_t>(i)];
        return v;
    };
    SamId s;
    s.major = static_cast<std::uint16_t>(le(0, 2));
    s.minor = static_cast<std::uint16_t>(le(2, 2));
    s.date = le(4, 4);
    s.serial = le(8, 4);
    s.check = le(12, 4);
    return s;
}

std::optional<SamId> SamId::parse(std::string_view text) {
    // NN.NN-D...-D...-D...: four separators, five decimal numbers.
    std::uint64_t v[5] = {};
    const char seps[4] = {'.', '-', '-', '-'};
    std::size_t field = 0;
    std::size_t digits = 0;
    for (char c : text) {
        if (c >= '0' && c <= '9') {
            v[field] = v[field] * 10 + static_cast<std::uint64_t>(c - '0');
            if (++digits > 10) return std::nullopt;
        } else if (field < 4 && c == seps[field] && digits > 0) {
            ++field;
            digits = 0;
        } else {
            return std::nullopt;
        }
    }
    if (field != 4 || digits == 0 || v[0] > 0xFFFF || v[1] > 0xFFFF || v[2] > 0xFFFFFFFF || v[3] > 0xFFFFFFFF ||
        v[4] > 0xFFFFFFFF)
        return std::nullopt;
    SamId s;
    s.major = static_cast<std::uint16_t>(v[0]);
    s.minor = static_cast<std::uint16_t>(v[1]);
    s.date = static_cast<std::uint32_t>(v[2]);
    s.serial = static_cast<std::uint32_t>(v[3]);
    s.check = static_cast<std::uint32_t>(v[4]);
    return s;
}

}  // namespace kiosktwin::protocol
