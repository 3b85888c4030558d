#include <kiosktwin/protocol/base64.hpp>

#include <array>

namespace kiosktwin::protocol {
namespace {
constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// Symbol values by byte: 0..63, or k_pad / k_space / k_bad.
constexpr std::uint8_t k_bad = 0xFF, k_space = 0xFE, k_pad = 0xFD;
constexpr std::array<std::uint8_t, 256> make_table() {
    std::array<std::uint8_t, 256> t{};
    for (auto& v : t) v = k_bad;
    for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(k_alphabet[i])] = static_cast<std::uint8_t>(i);
    for (char c : {' ', '\n', '\r', '\t'}) t[static_cast<unsigned char>(c)] = k_space;
    t['='] = k_pad;
    return t;
}
constexpr auto k_table = make_table();
}  // namespace

std::string base64_encode(ByteView b) {
    std::string out;
    out.reserve((b.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= b.size(); i += 3) {
        const std::uint32_t v = (std::uint32_t{b[i]} << 16) | (std::uint32_t{b[i + 1]} << 8) | b[i + 2];
        out += k_alphabet[(v >> 18) & 63];
        out += k_alphabet[(v >> 12) & 63];
        out += k_alphabet[(v >> 6) & 63];
        out += k_alphabet[v & 63];
    }
    if (const std::size_t rest = b.size() - i; rest > 0) {
        std::uint32_t v = std::uint32_t{b[i]} << 16;
        if (rest == 2) v |= std::uint32_t{b[i + 1]} << 8;
        out += k_alphabet[(v >> 18) & 63];
        out += k_alphabet[(v >> 12) & 63];
        out += rest == 2 ? k_alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

std::optional<Bytes> base64_decode(std::string_view text) {
    Bytes out(text.size() / 4 * 3 + 3);
    std::size_t n = 0;
    std::uint32_t acc = 0;
    int bits = 0;
    std::size_t symbols = 0;
    std::size_t padding = 0;
    for (char c : text) {
        const std::uint8_t v = k_table[static_cast<unsigned char>(c)];
        if (v < 64) {
            if (padding > 0) return std::nullopt;  // data after padding
            acc = (acc << 6) | v;
            bits += 6;
            ++symbols;
            if (bits >= 8) {
                bits -= 8;
                out[n++] = static_cast<std::uint8_t>((acc >> bits) & 0xFF);
            }
        } else if (v == k_pad) {
            ++padding;
        } else if (v == k_bad) {
            return std::nullopt;
        }
    }
    out.resize(n);
    if (symbols % 4 == 1 || padding > 2 || (padding > 0 && (symbols + padding) % 4 != 0)) return std::nullopt;
    return out;
}

std::optional<std::size_t> base64_decoded_size(std::string_view text) noexcept {
    std::size_t symbols = 0;
    std::size_t padding = 0;
    const auto* p = reinterpret_cast<const unsigned char*>(text.data());
    const auto* const end = p + text.size();
    while (p < end) {
        // Images are long runs of symbols: count a run without the other tests.
        const unsigned char* run = p;
        while (run < end && k_table[*run] < 64) ++run;
        if (run != p) {
            if (padding > 0) return std::nullopt;
            symbols += static_cast<std::size_t>(run - p);
            p = run;
            if (p == end) break;
        }
        const std::uint8_t v = k_table[*p++];  // not a symbol: padding, white space or wrong
        if (v == k_pad) {
            ++padding;
        } else if (v == k_bad) {
            return std::nullopt;
        }
    }
    if (symbols % 4 == 1 || padding > 2 || (padding > 0 && (symbols + padding) % 4 != 0)) return std::nullopt;
    return symbols * 6 / 8;
}

}  // namespace kiosktwin::protocol
