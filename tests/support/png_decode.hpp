// Test support: decodes an 8-bit RGB or RGBA PNG (any of the five filters)
// to RGB pixels, so tests can look at what a renderer drew (our own PNGs,
// Chromium's screenshots) without an image library.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

namespace kiosktwin::test {

struct DecodedPng {
    int width = 0, height = 0;
    std::vector<std::uint8_t> rgb;  ///< 3 bytes a pixel, rows top to bottom
};

inline std::optional<DecodedPng> decode_png(const std::string& file) {
    auto u32 = [&](std::size_t at) {
        return (std::uint32_t(std::uint8_t(file[at])) << 24) | (std::uint32_t(std::uint8_t(file[at + 1])) << 16) |
               (std::uint32_t(std::uint8_t(file[at + 2])) << 8) | std::uint32_t(std::uint8_t(file[at + 3]));
    };
    if (file.size() < 8 || file.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return std::nullopt;
    DecodedPng out;
    int channels = 0;
    std::string idat;
    for (std::size_t at = 8; at + 12 <= file.size();) {
        const std::uint32_t len = u32(at);
        const std::string type = file.substr(at + 4, 4);
        if (at + 12 + len > file.size()) return std::nullopt;
        const std::string data = file.substr(at + 8, len);
        const uLong crc = crc32(crc32(0L, nullptr, 0), reinterpret_cast<const Bytef*>(file.data() + at + 4), len + 4);
        if (crc != u32(at + 8 + len)) return std::nullopt;
        if (type == "IHDR") {
            out.width = static_cast<int>(u32(at + 8));
            out.height = static_cast<int>(u32(at + 12));
            const int depth = std::uint8_t(data[8]), colour = std::uint8_t(data[9]), interlace = std::uint8_t(data[12]);
            if (depth != 8 || interlace != 0 || (colour != 2 && colour != 6)) return std::nullopt;
            channels = colour == 2 ? 3 : 4;
        } else if (type == "IDAT") {
            idat += data;
        }
        at += 12 + len;
    }
    if (channels == 0) return std::nullopt;
    const std::size_t stride = static_cast<std::size_t>(out.width) * static_cast<std::size_t>(channels);
    std::vector<std::uint8_t> raw((stride + 1) * static_cast<std::size_t>(out.height));
    uLongf size = raw.size();
    if (uncompress(raw.data(), &size, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) != Z_OK || size != raw.size())
        return std::nullopt;
    std::vector<std::uint8_t> prev(stride, 0), row(stride);
    out.rgb.reserve(static_cast<std::size_t>(out.width) * static_cast<std::size_t>(out.height) * 3);
    for (int y = 0; y < out.height; ++y) {
        const std::uint8_t* in = raw.data() + static_cast<std::size_t>(y) * (stride + 1);
        const int filter = in[0];
        for (std::size_t i = 0; i < stride; ++i) {
            const int a = i >= std::size_t(channels) ? row[i - channels] : 0, b = prev[i],
                      c = i >= std::size_t(channels) ? prev[i - channels] : 0;
            int p = in[1 + i];
            switch (filter) {
            case 0: break;
            case 1: p += a; break;
            case 2: p += b; break;
            case 3: p += (a + b) / 2; break;
            case 4: {
                const int pa = std::abs(b - c), pb = std::abs(a - c), pc = std::abs(a + b - 2 * c);
                p += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
                break;
            }
            default: return std::nullopt;
            }
            row[i] = static_cast<std::uint8_t>(p);
        }
        for (int x = 0; x < out.width; ++x)
            for (int k = 0; k < 3; ++k) out.rgb.push_back(row[static_cast<std::size_t>(x * channels + k)]);
        prev = row;
    }
    return out;
}

}  // namespace kiosktwin::test
