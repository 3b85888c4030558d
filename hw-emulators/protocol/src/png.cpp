#include <kiosktwin/protocol/png.hpp>

#include <array>
#include <stdexcept>
#include <string_view>

namespace kiosktwin::protocol {
namespace {

constexpr std::array<std::uint32_t, 256> make_crc_table() {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t n = 0; n < 256; ++n) {
        std::uint32_t c = n;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        t[n] = c;
    }
    return t;
}
constexpr auto k_crc_table = make_crc_table();

void put32(Bytes& b, std::uint32_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 24));
    b.push_back(static_cast<std::uint8_t>(v >> 16));
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v));
}

void chunk(Bytes& png, std::string_view type, const Bytes& data) {
    put32(png, static_cast<std::uint32_t>(data.size()));
    const std::size_t start = png.size();
    png.insert(png.end(), type.begin(), type.end());
    png.insert(png.end(), data.begin(), data.end());
    put32(png, crc32(ByteView(png).subspan(start)));
}

}  // namespace

std::uint32_t crc32(ByteView bytes, std::uint32_t crc) noexcept {
    crc = ~crc;
    for (std::uint8_t b : bytes) crc = k_crc_table[(crc ^ b) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

Bytes encode_png(std::uint32_t width, std::uint32_t height, PngColour colour, ByteView pixels) {
    const std::size_t channels = colour == PngColour::rgb ? 3 : 1;
    const std::size_t row = std::size_t{width} * channels;
    if (width == 0 || height == 0 || pixels.size() != row * height)
        throw std::invalid_argument("encode_png: pixel buffer does not match width x height x channels");

    // Scanlines, each prefixed with filter type 0 (none).
    Bytes raw;
    raw.reserve((row + 1) * height);
    for (std::uint32_t y = 0; y < height; ++y) {
        raw.push_back(0);
        raw.insert(raw.end(), pixels.begin() + static_cast<std::ptrdiff_t>(y * row),
                   pixels.begin() + static_cast<std::ptrdiff_t>((y + 1) * row));
    }
    // zlib stream of stored deflate blocks (at most 65535 bytes each) + Adler-32.
    Bytes z{0x78, 0x01};
    std::uint32_t a = 1, b = 0;
    for (std::uint8_t x : raw) {
        a = (a + x) % 65521;
        b = (b + a) % 65521;
    }
    for (std::size_t off = 0; off < raw.size() || off == 0; off += 65535) {
        const std::size_t n = std::min<std::size_t>(65535, raw.size() - off);
        const bool last = off + n >= raw.size();
        z.push_back(last ? 1 : 0);
        z.push_back(static_cast<std::uint8_t>(n & 0xFF));
        z.push_back(static_cast<std::uint8_t>(n >> 8));
        z.push_back(static_cast<std::uint8_t>(~n & 0xFF));
        z.push_back(static_cast<std::uint8_t>((~n >> 8) & 0xFF));
        z.insert(z.end(), raw.begin() + static_cast<std::ptrdiff_t>(off),
                 raw.begin() + static_cast<std::ptrdiff_t>(off + n));
        if (last) break;
    }
    put32(z, (b << 16) | a);

    Bytes png{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
    Bytes ihdr;
    put32(ihdr, width);
    put32(ihdr, height);
    ihdr.insert(ihdr.end(), {8, static_cast<std::uint8_t>(colour), 0, 0, 0});
    chunk(png, "IHDR", ihdr);
    chunk(png, "IDAT", z);
    chunk(png, "IEND", {});
    return png;
}

}  // namespace kiosktwin::protocol
