// Byte strings written as in the specs: hx("AA AA AA 96 69") → bytes.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace kiosktwin::test {

/// Hex digits to bytes; anything else (spaces, dashes) separates them.
inline std::vector<std::uint8_t> hx(std::string_view text) {
    std::vector<std::uint8_t> b;
    int nibble = -1;
    for (char c : text) {
        int v = -1;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        if (v < 0) continue;
        if (nibble < 0) {
            nibble = v;
        } else {
            b.push_back(static_cast<std::uint8_t>(nibble * 16 + v));
            nibble = -1;
        }
    }
    return b;
}

}  // namespace kiosktwin::test
