// A minimal PNG encoder (8-bit greyscale or RGB, no interlace) for synthetic
// camera frames and rendered receipts. The image data is stored, not
// compressed (zlib "stored" blocks): valid for every PNG reader, simple
// enough to read at a glance, and fast.
#pragma once

#include <kiosktwin/protocol/bytes.hpp>

#include <cstdint>

namespace kiosktwin::protocol {

enum class PngColour : std::uint8_t { grey = 0, rgb = 2 };

/// Encodes `pixels` (rows top to bottom; 1 byte a pixel for grey, 3 for RGB).
/// Throws std::invalid_argument if the size does not match.
Bytes encode_png(std::uint32_t width, std::uint32_t height, PngColour colour, ByteView pixels);

/// CRC-32 (ISO 3309, as PNG and zlib use it).
std::uint32_t crc32(ByteView bytes, std::uint32_t crc = 0) noexcept;

}  // namespace kiosktwin::protocol
