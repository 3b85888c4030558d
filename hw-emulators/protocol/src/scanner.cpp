#include <kiosktwin/protocol/scanner.hpp>

#include <algorithm>
#include <array>
#include <stdexcept>

namespace kiosktwin::protocol {

namespace {

constexpr std::uint8_t k_cr = 0x0D;
constexpr std::uint8_t k_lf = 0x0A;

bool is_command(std::uint8_t b) noexcept { return b == 'T' || b == 'P' || b == 'R' || b == 0x35; }
bool starts_frame(std::uint8_t b) noexcept { return b >= 0x04 && b <= 0x40 && b != 0x35; }

struct GbkEntry {
    std::uint16_t code_point;
    std::uint16_t gbk;
};
// Generated with Python's gbk codec from the characters of the synthetic
// payloads, common surnames and given names, and government-service words.
// Sorted by code point.
constexpr GbkEntry k_gbk[] = {
    {0x00B7, 0xA1A4}, {0x2014, 0xA1AA}, {0x201C, 0xA1B0}, {0x201D, 0xA1B1}, {0x2026, 0xA1AD}, {0x3001, 0xA1A2},
    {0x3002, 0xA1A3}, {0x300A, 0xA1B6}, {0x300B, 0xA1B7}, {0x3010, 0xA1BE}, {0x3011, 0xA1BF}, {0x4E00, 0xD2BB},
    {0x4E01, 0xB6A1}, {0x4E03, 0xC6DF}, {0x4E07, 0xCDF2}, {0x4E09, 0xC8FD}, {0x4E0A, 0xC9CF}, {0x4E0D, 0xB2BB},
    {0x4E1A, 0xD2B5}, {0x4E1C, 0xB6AB}, {0x4E2D, 0xD6D0}, {0x4E30, 0xB7E1}, {0x4E3D, 0xC0F6}, {0x4E49, 0xD2E5},
    {0x4E54, 0xC7C7}, {0x4E5D, 0xBEC5}, {0x4E61, 0xCFE7}, {0x4E8B, 0xCAC2}, {0x4E8C, 0xB6FE}, {0x4E8E, 0xD3DA},
    {0x4E91, 0xD4C6}, {0x4E94, 0xCEE5}, {0x4EA4, 0xBDBB}, {0x4EA7, 0xB2FA}, {0x4EAC, 0xBEA9}, {0x4EBA, 0xC8CB},
    {0x4ED8, 0xB8B6}, {0x4EE3, 0xB4FA}, {0x4EF7, 0xBCDB}, {0x4EFB, 0xC8CE}, {0x4EFD, 0xB7DD}, {0x4F1A, 0xBBE1},
    {0x4F1F, 0xCEB0}, {0x4F4F, 0xD7A1}, {0x4F55, 0xBACE}, {0x4F59, 0xD3E0}, {0x4F8B, 0xC0FD}, {0x4FAF, 0xBAEE},
    {0x4FDD, 0xB1A3}, {0x4FE1, 0xD0C5}, {0x5085, 0xB8B5}, {0x5143, 0xD4AA}, {0x516B, 0xB0CB}, {0x516C, 0xB9AB},
    {0x516D, 0xC1F9}, {0x5170, 0xC0BC}, {0x5171, 0xB9B2}, {0x5173, 0xB9D8}, {0x5174, 0xD0CB}, {0x519B, 0xBEFC},
    {0x51AF, 0xB7EB}, {0x51ED, 0xC6BE}, {0x51FA, 0xB3F6}, {0x5218, 0xC1F5}, {0x521A, 0xB8D5}, {0x522B, 0xB1F0},
    {0x529E, 0xB0EC}, {0x529F, 0xB9A6}, {0x52A1, 0xCEF1}, {0x52A8, 0xB6AF}, {0x52A9, 0xD6FA}, {0x52C7, 0xD3C2},
    {0x5317, 0xB1B1}, {0x533A, 0xC7F8}, {0x533B, 0xD2BD}, {0x5341, 0xCAAE}, {0x534E, 0xBBAA}, {0x5355, 0xB5A5},
    {0x5357, 0xC4CF}, {0x5361, 0xBFA8}, {0x5362, 0xC2AC}, {0x5370, 0xD3A1}, {0x5385, 0xCCFC}, {0x53BF, 0xCFD8},
    {0x53D1, 0xB7A2}, {0x53E3, 0xBFDA}, {0x53F0, 0xCCA8}, {0x53F2, 0xCAB7}, {0x53F6, 0xD2B6}, {0x53F7, 0xBAC5},
    {0x53F8, 0xCBBE}, {0x540D, 0xC3FB}, {0x5415, 0xC2C0}, {0x5434, 0xCEE2}, {0x5468, 0xD6DC}, {0x548C, 0xBACD},
    {0x5510, 0xCCC6}, {0x56DB, 0xCBC4}, {0x56DE, 0xBBD8}, {0x56FD, 0xB9FA}, {0x5730, 0xB5D8}, {0x5733, 0xDBDA},
    {0x5740, 0xD6B7}, {0x578B, 0xD0CD}, {0x57CE, 0xB3C7}, {0x5907, 0xB1B8}, {0x590F, 0xCFC4}, {0x5927, 0xB4F3},
    {0x5929, 0xCCEC}, {0x5931, 0xCAA7}, {0x5934, 0xCDB7}, {0x5973, 0xC5AE}, {0x597D, 0xBAC3}, {0x59D3, 0xD0D5},
    {0x59DA, 0xD2A6}, {0x59DC, 0xBDAA}, {0x5A1C, 0xC4C8}, {0x5A5A, 0xBBE9}, {0x5B50, 0xD7D3}, {0x5B54, 0xBFD7},
    {0x5B59, 0xCBEF}, {0x5B5F, 0xC3CF}, {0x5B89, 0xB0B2}, {0x5B8B, 0xCBCE}, {0x5B9D, 0xB1A6}, {0x5BA4, 0xCAD2},
    {0x5BB6, 0xBCD2}, {0x5BC6, 0xC3DC}, {0x5C0F, 0xD0A1}, {0x5C39, 0xD2FC}, {0x5C71, 0xC9BD}, {0x5D14, 0xB4DE},
    {0x5DDE, 0xD6DD}, {0x5DEE, 0xB2EE}, {0x5E02, 0xCAD0}, {0x5E38, 0xB3A3}, {0x5E73, 0xC6BD}, {0x5E74, 0xC4EA},
    {0x5E7F, 0xB9E3}, {0x5E86, 0xC7EC}, {0x5EB7, 0xBFB5}, {0x5ED6, 0xC1CE}, {0x5EF6, 0xD1D3}, {0x5EFA, 0xBDA8},
    {0x5F20, 0xD5C5}, {0x5F3A, 0xC7BF}, {0x5F62, 0xD0CE}, {0x5F6D, 0xC5ED}, {0x5F90, 0xD0EC}, {0x5FAE, 0xCEA2},
    {0x6000, 0xBBB3}, {0x6027, 0xD0D4}, {0x6210, 0xB3C9}, {0x6234, 0xB4F7}, {0x6237, 0xBBA7}, {0x623F, 0xB7BF},
    {0x624B, 0xCAD6}, {0x6253, 0xB4F2}, {0x6267, 0xD6B4}, {0x626B, 0xC9A8}, {0x6280, 0xBCBC}, {0x62A4, 0xBBA4},
    {0x63CF, 0xC3E8}, {0x63D0, 0xCCE1}, {0x652F, 0xD6A7}, {0x653E, 0xB7C5}, {0x653F, 0xD5FE}, {0x6548, 0xD0A7},
    {0x654F, 0xC3F4}, {0x6587, 0xCEC4}, {0x6599, 0xC1CF}, {0x65B0, 0xD0C2}, {0x65B9, 0xB7BD}, {0x65CF, 0xD7E5},
    {0x65E5, 0xC8D5}, {0x660C, 0xB2FD}, {0x660E, 0xC3F7}, {0x6613, 0xD2D7}, {0x6625, 0xB4BA}, {0x6653, 0xCFFE},
    {0x666F, 0xBEB0}, {0x66F9, 0xB2DC}, {0x66FE, 0xD4F8}, {0x6708, 0xD4C2}, {0x6709, 0xD3D0}, {0x670D, 0xB7FE},
    {0x671D, 0xB3AF}, {0x671F, 0xC6DA}, {0x672C, 0xB1BE}, {0x6731, 0xD6EC}, {0x673A, 0xBBFA}, {0x6743, 0xC8A8},
    {0x674E, 0xC0EE}, {0x6750, 0xB2C4}, {0x6751, 0xB4E5}, {0x675C, 0xB6C5}, {0x6761, 0xCCF5}, {0x6768, 0xD1EE},
    {0x676D, 0xBABC}, {0x6770, 0xBDDC}, {0x6784, 0xB9B9}, {0x6797, 0xC1D6}, {0x67D4, 0xC8E1}, {0x67E5, 0xB2E9},
    {0x6838, 0xBACB}, {0x6842, 0xB9F0}, {0x6881, 0xC1BA}, {0x6885, 0xC3B7}, {0x697C, 0xC2A5}, {0x6B3E, 0xBFEE},
    {0x6B66, 0xCEE4}, {0x6B8B, 0xB2D0}, {0x6BB5, 0xB6CE}, {0x6BDB, 0xC3AB}, {0x6C11, 0xC3F1}, {0x6C49, 0xBABA},
    {0x6C5F, 0xBDAD}, {0x6C64, 0xCCC0}, {0x6C6A, 0xCDF4}, {0x6C88, 0xC9F2}, {0x6C9F, 0xB9B5}, {0x6CBB, 0xD6CE},
    {0x6CE8, 0xD7A2}, {0x6D0B, 0xD1F3}, {0x6D25, 0xBDF2}, {0x6D77, 0xBAA3}, {0x6D9B, 0xCCCE}, {0x6DC0, 0xB5ED},
    {0x6DF1, 0xC9EE}, {0x6F58, 0xC5CB}, {0x7167, 0xD5D5}, {0x718A, 0xD0DC}, {0x71D5, 0xD1E0}, {0x7248, 0xB0E6},
    {0x7389, 0xD3F1}, {0x738B, 0xCDF5}, {0x7406, 0xC0ED}, {0x751F, 0xC9FA}, {0x7528, 0xD3C3}, {0x7530, 0xCCEF},
    {0x7533, 0xC9EA}, {0x7535, 0xB5E7}, {0x7537, 0xC4D0}, {0x75BE, 0xBCB2}, {0x767D, 0xB0D7}, {0x7701, 0xCAA1},
    {0x77F3, 0xCAAF}, {0x7801, 0xC2EB}, {0x78CA, 0xC0DA}, {0x793A, 0xCABE}, {0x793E, 0xC9E7}, {0x79BB, 0xC0EB},
    {0x79C0, 0xD0E3}, {0x79D1, 0xBFC6}, {0x79E6, 0xC7D8}, {0x79EF, 0xBBFD}, {0x79F0, 0xB3C6}, {0x7A0B, 0xB3CC},
    {0x7A0E, 0xCBB0}, {0x7AEF, 0xB6CB}, {0x7B7E, 0xC7A9}, {0x7BB1, 0xCFE4}, {0x7C3F, 0xB2BE}, {0x7C7B, 0xC0E0},
    {0x7CFB, 0xCFB5}, {0x7EA2, 0xBAEC}, {0x7EA6, 0xD4BC}, {0x7EC8, 0xD6D5}, {0x7ED3, 0xBDE1}, {0x7EDF, 0xCDB3},
    {0x7EF4, 0xCEAC}, {0x7F16, 0xB1E0}, {0x7F34, 0xBDC9}, {0x7F57, 0xC2DE}, {0x7F6E, 0xD6C3}, {0x8001, 0xC0CF},
    {0x8054, 0xC1AA}, {0x80E1, 0xBAFA}, {0x81EA, 0xD7D4}, {0x8273, 0xD1DE}, {0x82B3, 0xB7BC}, {0x82CF, 0xCBD5},
    {0x82F1, 0xD3A2}, {0x8303, 0xB7B6}, {0x8425, 0xD3AA}, {0x8427, 0xCFF4}, {0x8463, 0xB6AD}, {0x848B, 0xBDAF},
    {0x8521, 0xB2CC}, {0x859B, 0xD1A6}, {0x884C, 0xD0D0}, {0x8857, 0xBDD6}, {0x8881, 0xD4AC}, {0x897F, 0xCEF7},
    {0x8BB8, 0xD0ED}, {0x8BC1, 0xD6A4}, {0x8BC4, 0xC6C0}, {0x8BDD, 0xBBB0}, {0x8BE2, 0xD1AF}, {0x8BF7, 0xC7EB},
    {0x8C22, 0xD0BB}, {0x8C2D, 0xCCB7}, {0x8D25, 0xB0DC}, {0x8D39, 0xB7D1}, {0x8D3A, 0xBAD8}, {0x8D3E, 0xBCD6},
    {0x8D56, 0xC0B5}, {0x8D75, 0xD5D4}, {0x8D85, 0xB3AC}, {0x8DEF, 0xC2B7}, {0x8EAB, 0xC9ED}, {0x8F89, 0xBBD4},
    {0x901A, 0xCDA8}, {0x9053, 0xB5C0}, {0x9093, 0xB5CB}, {0x90AE, 0xD3CA}, {0x90B1, 0xC7F1}, {0x90B5, 0xC9DB},
    {0x90B9, 0xD7DE}, {0x90D1, 0xD6A3}, {0x90DD, 0xBAC2}, {0x90ED, 0xB9F9}, {0x90FD, 0xB6BC}, {0x91CD, 0xD6D8},
    {0x91D1, 0xBDF0}, {0x949F, 0xD6D3}, {0x94B1, 0xC7AE}, {0x9547, 0xD5F2}, {0x957F, 0xB3A4}, {0x95E8, 0xC3C5},
    {0x960E, 0xD1D6}, {0x9633, 0xD1F4}, {0x9646, 0xC2BD}, {0x9648, 0xB3C2}, {0x9650, 0xCFDE}, {0x969C, 0xD5CF},
    {0x96F7, 0xC0D7}, {0x971E, 0xCFBC}, {0x9759, 0xBEB2}, {0x97E9, 0xBAAB}, {0x9879, 0xCFEE}, {0x987A, 0xCBB3},
    {0x987E, 0xB9CB}, {0x9884, 0xD4A4}, {0x98DE, 0xB7C9}, {0x9A6C, 0xC2ED}, {0x9A76, 0xCABB}, {0x9A7E, 0xBCDD},
    {0x9A8C, 0xD1E9}, {0x9AD8, 0xB8DF}, {0x9B4F, 0xCEBA}, {0x9E4F, 0xC5F4}, {0x9EC4, 0xBBC6}, {0x9ECE, 0xC0E8},
    {0x9F99, 0xC1FA}, {0x9F9A, 0xB9A8}, {0xFF01, 0xA3A1}, {0xFF08, 0xA3A8}, {0xFF09, 0xA3A9}, {0xFF0C, 0xA3AC},
    {0xFF1A, 0xA3BA}, {0xFF1B, 0xA3BB}, {0xFF1F, 0xA3BF}
};

}  // namespace

const char* to_string(ScanSuffix s) noexcept {
    switch (s) {
    case ScanSuffix::none: return "none";
    case ScanSuffix::cr: return "cr";
    case ScanSuffix::lf: return "lf";
    case ScanSuffix::crlf: return "crlf";
    }
    return "?";
}

std::optional<ScanSuffix> parse_scan_suffix(std::string_view name) noexcept {
    for (ScanSuffix s : {ScanSuffix::none, ScanSuffix::cr, ScanSuffix::lf, ScanSuffix::crlf})
        if (name == to_string(s)) return s;
    return std::nullopt;
}

std::string_view suffix_text(ScanSuffix s) noexcept {
    switch (s) {
    case ScanSuffix::none: return {};
    case ScanSuffix::cr: return "\r";
    case ScanSuffix::lf: return "\n";
    case ScanSuffix::crlf: return "\r\n";
    }
    return {};
}

Bytes encode_scan(ByteView data, const ScanFormat& format) {
    const std::string_view suffix = suffix_text(format.suffix);
    Bytes out;
    out.reserve(format.prefix.size() + data.size() + suffix.size());
    out.insert(out.end(), format.prefix.begin(), format.prefix.end());
    out.insert(out.end(), data.begin(), data.end());
    out.insert(out.end(), suffix.begin(), suffix.end());
    return out;
}

Bytes encode_scan(std::string_view data, const ScanFormat& format) {
    return encode_scan(ByteView(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()), format);
}

Bytes encode_no_read(const ScanFormat& format) {
    ScanFormat bare = format;
    bare.prefix.clear();
    return encode_scan(k_scan_no_read, bare);
}

// --- SSI -----------------------------------------------------------------------------

std::uint16_t ssi_checksum(ByteView bytes) noexcept {
    std::uint32_t sum = 0;
    for (std::uint8_t b : bytes) sum += b;
    return static_cast<std::uint16_t>(0x10000u - (sum & 0xFFFFu));
}

Bytes encode_ssi(const SsiFrame& frame) {
    if (frame.data.size() > 255 - 4) throw std::invalid_argument("encode_ssi: data longer than 251 bytes");
    // Byte by byte: g++ 12 warns falsely (-Warray-bounds) on inserting a range here.
    Bytes out;
    out.reserve(frame.data.size() + 6);
    for (std::uint8_t x : {static_cast<std::uint8_t>(4 + frame.data.size()), frame.opcode, frame.source, frame.status})
        out.push_back(x);
    for (std::uint8_t x : frame.data) out.push_back(x);
    const std::uint16_t chk = ssi_checksum(out);
    out.push_back(static_cast<std::uint8_t>(chk >> 8));
    out.push_back(static_cast<std::uint8_t>(chk & 0xFF));
    return out;
}

std::optional<SsiFrame> decode_ssi(ByteView wire) {
    if (wire.size() < 6 || wire[0] < 4 || wire.size() != std::size_t{wire[0]} + 2) return std::nullopt;
    const std::size_t n = wire[0];
    const std::uint16_t chk = static_cast<std::uint16_t>((wire[n] << 8) | wire[n + 1]);
    if (chk != ssi_checksum(wire.first(n))) return std::nullopt;
    SsiFrame f;
    f.opcode = wire[1];
    f.source = wire[2];
    f.status = wire[3];
    f.data.assign(wire.begin() + 4, wire.begin() + static_cast<std::ptrdiff_t>(n));
    return f;
}

Bytes ssi_ack() { return encode_ssi(SsiFrame{k_ssi_ack, k_ssi_source_decoder, 0x00, {}}); }

Bytes ssi_nak(std::uint8_t cause) { return encode_ssi(SsiFrame{k_ssi_nak, k_ssi_source_decoder, 0x00, {cause}}); }

std::optional<std::vector<SsiParam>> ssi_params(const SsiFrame& frame) {
    if (frame.opcode != k_ssi_param_send || frame.data.empty()) return std::nullopt;
    std::vector<SsiParam> params;
    std::size_t i = 1;  // data[0] is the beep code
    while (i < frame.data.size()) {
        std::uint16_t number = frame.data[i++];
        if (number >= 0xF0 && number <= 0xF2) {  // extended parameter number
            if (i >= frame.data.size()) return std::nullopt;
            number = static_cast<std::uint16_t>((number << 8) | frame.data[i++]);
        }
        if (i >= frame.data.size()) return std::nullopt;
        params.push_back(SsiParam{number, frame.data[i++]});
    }
    return params;
}

// --- Host -> scanner ------------------------------------------------------------------

const char* to_string(ScannerHostInput::Kind k) noexcept {
    using K = ScannerHostInput::Kind;
    switch (k) {
    case K::trigger_on: return "trigger_on";
    case K::trigger_off: return "trigger_off";
    case K::restart: return "restart";
    case K::ssi: return "ssi";
    case K::bad_ssi: return "bad_ssi";
    case K::unknown: return "unknown";
    }
    return "?";
}

std::vector<ScannerHostInput> ScannerHostDecoder::feed(ByteView bytes) {
    using K = ScannerHostInput::Kind;
    std::vector<ScannerHostInput> out;
    for (std::uint8_t b : bytes) {
        if (!m_frame.empty()) {
            m_frame.push_back(b);
            if (m_frame.size() < m_need) continue;
            ScannerHostInput in;
            in.raw = std::move(m_frame);
            m_frame.clear();
            if (auto f = decode_ssi(in.raw)) {
                in.kind = K::ssi;
                in.frame = std::move(*f);
            } else {
                in.kind = K::bad_ssi;
            }
            out.push_back(std::move(in));
            continue;
        }
        if (is_command(b)) {
            const K k = b == 'T' ? K::trigger_on : b == 'P' ? K::trigger_off : K::restart;
            out.push_back(ScannerHostInput{k, {}, Bytes{b}});
        } else if (starts_frame(b)) {
            m_frame.push_back(b);
            m_need = std::size_t{b} + 2;
        } else {
            out.push_back(ScannerHostInput{K::unknown, {}, Bytes{b}});
        }
    }
    return out;
}

std::optional<ScannerHostInput> ScannerHostDecoder::flush() {
    if (m_frame.empty()) return std::nullopt;
    ScannerHostInput in{ScannerHostInput::Kind::bad_ssi, {}, std::move(m_frame)};
    m_frame.clear();
    return in;
}

// --- Scanner -> host -----------------------------------------------------------------------

ScanLineDecoder::ScanLineDecoder(ScanLineDecoderConfig config) : m_config(std::move(config)) {
    if (m_config.max_line == 0) m_config.max_line = 1;
}

bool ScanLineDecoder::ssi_candidate() const noexcept {
    if (!m_config.ssi_replies || m_ssi_off || m_line.empty()) return false;
    const auto len = static_cast<std::uint8_t>(m_line[0]);
    if (len < 0x04 || len > 0x1F) return false;
    if (m_line.size() < 2) return true;
    const auto op = static_cast<std::uint8_t>(m_line[1]);
    return (op == k_ssi_ack || op == k_ssi_nak) && m_line.size() <= std::size_t{len} + 2;
}

void ScanLineDecoder::finish(bool terminated, std::vector<ScanLine>& out) {
    if (m_line.empty() && !m_truncated) {  // an empty line: nothing was read
        m_ssi_off = false;
        return;
    }
    ScanLine l;
    l.terminated = terminated;
    l.truncated = m_truncated;
    std::string_view text = m_line;
    if (!m_config.prefix.empty() && text.substr(0, m_config.prefix.size()) == m_config.prefix)
        text.remove_prefix(m_config.prefix.size());
    if (text == k_scan_no_read) l.kind = ScanLine::Kind::no_read;
    else l.data = std::string(text);
    out.push_back(std::move(l));
    m_line.clear();
    m_truncated = false;
    m_ssi_off = false;
}

void ScanLineDecoder::byte(std::uint8_t b, std::vector<ScanLine>& out) {
    const bool after_cr = m_after_cr;
    m_after_cr = false;
    // An SSI reply is binary: its bytes may be CR or LF, so it is collected whole.
    if (ssi_candidate()) {
        m_line.push_back(static_cast<char>(b));
        if (ssi_candidate()) {
            const std::size_t need = static_cast<std::uint8_t>(m_line[0]) + std::size_t{2};
            if (m_line.size() < need) return;
            const auto* p = reinterpret_cast<const std::uint8_t*>(m_line.data());
            if (auto f = decode_ssi(ByteView(p, m_line.size()))) {
                ScanLine l;
                l.kind = ScanLine::Kind::ssi;
                l.frame = std::move(*f);
                out.push_back(std::move(l));
                m_line.clear();
                return;
            }
        }
        // Not a reply after all: read the held bytes again as line data.
        std::string held = std::move(m_line);
        m_line.clear();
        m_ssi_off = true;
        for (char c : held) byte(static_cast<std::uint8_t>(c), out);
        return;
    }
    if (b == k_lf && after_cr) return;  // the LF of a CRLF
    if (b == k_cr || b == k_lf) {
        m_after_cr = b == k_cr;
        if (m_skipping) {
            m_skipping = false;
            return;
        }
        finish(true, out);
        return;
    }
    if (m_skipping) return;
    if (m_line.size() >= m_config.max_line) {
        m_truncated = true;
        finish(false, out);
        m_skipping = true;
        return;
    }
    m_line.push_back(static_cast<char>(b));
}

std::vector<ScanLine> ScanLineDecoder::feed(std::chrono::microseconds now, ByteView bytes) {
    std::vector<ScanLine> out = poll(now);
    for (std::uint8_t b : bytes) byte(b, out);
    if (!bytes.empty()) m_last = now;
    return out;
}

std::vector<ScanLine> ScanLineDecoder::poll(std::chrono::microseconds now) {
    std::vector<ScanLine> out;
    if (const auto due = flush_due(); due && now >= *due) out = flush();
    return out;
}

std::optional<std::chrono::microseconds> ScanLineDecoder::flush_due() const noexcept {
    if (m_line.empty() && !m_skipping) return std::nullopt;
    return m_last + m_config.idle_flush;
}

std::vector<ScanLine> ScanLineDecoder::flush() {
    std::vector<ScanLine> out;
    m_skipping = false;
    m_after_cr = false;
    finish(false, out);
    return out;
}

// --- GBK -------------------------------------------------------------------------------------

std::size_t gbk_table_size() noexcept { return std::size(k_gbk); }

Bytes utf8_to_gbk(std::string_view utf8, std::size_t* unmapped) {
    Bytes out;
    out.reserve(utf8.size());
    std::size_t misses = 0;
    std::size_t i = 0;
    const auto at = [&](std::size_t k) { return static_cast<std::uint8_t>(utf8[k]); };
    while (i < utf8.size()) {
        const std::uint8_t b = at(i);
        if (b < 0x80) {
            out.push_back(b);
            ++i;
            continue;
        }
        // Decode one UTF-8 sequence (strictly: no overlongs, no surrogates).
        std::size_t len = 0;
        std::uint32_t cp = 0;
        std::uint32_t min = 0;
        if ((b & 0xE0) == 0xC0) len = 2, cp = b & 0x1F, min = 0x80;
        else if ((b & 0xF0) == 0xE0) len = 3, cp = b & 0x0F, min = 0x800;
        else if ((b & 0xF8) == 0xF0) len = 4, cp = b & 0x07, min = 0x10000;
        bool ok = len != 0 && i + len <= utf8.size();
        for (std::size_t k = 1; ok && k < len; ++k) {
            if ((at(i + k) & 0xC0) != 0x80) ok = false;
            else cp = (cp << 6) | (at(i + k) & 0x3F);
        }
        ok = ok && cp >= min && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
        if (!ok) {
            out.push_back('?');
            ++misses;
            ++i;
            continue;
        }
        i += len;
        const auto* e = std::lower_bound(std::begin(k_gbk), std::end(k_gbk), cp,
                                         [](const GbkEntry& g, std::uint32_t c) { return g.code_point < c; });
        if (e != std::end(k_gbk) && e->code_point == cp) {
            out.push_back(static_cast<std::uint8_t>(e->gbk >> 8));
            out.push_back(static_cast<std::uint8_t>(e->gbk & 0xFF));
        } else {
            out.push_back('?');
            ++misses;
        }
    }
    if (unmapped) *unmapped = misses;
    return out;
}

}  // namespace kiosktwin::protocol
