// Choices a fuzz target draws from its input (split points, limits, modes):
// splitmix64 seeded with a hash of the input, so the same input always makes
// the same choices and a crash replays exactly.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kiosktwin::fuzz {

struct Chooser {
    std::uint64_t state;
    std::uint64_t next() {
        state += 0x9E3779B97F4A7C15ull;
        std::uint64_t z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    /// Uniform in [0, n); 0 when n is 0.
    std::size_t below(std::size_t n) { return n == 0 ? 0 : static_cast<std::size_t>(next() % n); }
};

}  // namespace kiosktwin::fuzz
