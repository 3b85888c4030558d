// Byte buffers shared by every codec.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace kiosktwin::protocol {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

}  // namespace kiosktwin::protocol
