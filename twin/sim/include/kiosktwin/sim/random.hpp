// Reproducible random numbers: one master seed, one named stream per source.
//
// Every stream is a xoshiro256** generator whose seed is derived from the
// master seed and the stream's name alone, so a stream's draws do not depend
// on which other streams exist or in which order they were created. Adding a
// new source of randomness to a model therefore leaves every existing stream,
// and so every common-random-number comparison, untouched.
#pragma once

#include <array>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::sim {

/// xoshiro256** 1.0 (Blackman & Vigna, 2018), seeded through SplitMix64.
/// Satisfies std::uniform_random_bit_generator. Copying a generator copies
/// its position in the sequence.
class Rng {
public:
    using result_type = std::uint64_t;

    /// The state is filled with four successive SplitMix64 outputs of `seed`
    /// (never all zero, so every seed is valid).
    explicit Rng(std::uint64_t seed) noexcept;
    /// Seed 0.
    Rng() noexcept : Rng(0) {}

    static constexpr result_type min() noexcept { return 0; }
    static constexpr result_type max() noexcept { return std::numeric_limits<result_type>::max(); }
    result_type operator()() noexcept { return next(); }

    /// The next 64 raw bits.
    std::uint64_t next() noexcept {
        const std::uint64_t result = rotl(m_s[1] * 5, 7) * 9;
        const std::uint64_t t = m_s[1] << 17;
        m_s[2] ^= m_s[0];
        m_s[3] ^= m_s[1];
        m_s[1] ^= m_s[2];
        m_s[0] ^= m_s[3];
        m_s[2] ^= t;
        m_s[3] = rotl(m_s[3], 45);
        return result;
    }

    /// A uniform double in the open interval (0, 1): ((x >> 12) + 0.5) * 2^-52,
    /// the midpoints of a 2^-52 grid, from 2^-53 to 1 - 2^-53. Never 0 or 1,
    /// so log(u) and log(1 - u) are always finite, and 1 - u is exact.
    double uniform01() noexcept {
        // 52 bits, not 53: with 53, (k + 0.5) needs 54 significant bits and
        // rounds (to 1.0 exactly at the top of the range).
        return (static_cast<double>(next() >> 12) + 0.5) * 0x1.0p-52;
    }

    /// A uniform double in [a, b) (a + (b - a) * uniform01()). Throws
    /// std::invalid_argument unless a <= b, both finite.
    double uniform(double a, double b);

    /// An unbiased integer in [0, n) by Lemire's multiply-and-reject method.
    /// Throws std::invalid_argument if n == 0.
    std::uint64_t below(std::uint64_t n);

    friend bool operator==(const Rng&, const Rng&) = default;

private:
    static constexpr std::uint64_t rotl(std::uint64_t x, int k) noexcept {
        return (x << k) | (x >> (64 - k));
    }

    std::array<std::uint64_t, 4> m_s{};
};

/// The SplitMix64 output function (Steele, Lea & Flood; Vigna's constants):
/// a bijective 64-bit mixer.
std::uint64_t splitmix64_mix(std::uint64_t z) noexcept;

/// 64-bit FNV-1a hash of the bytes of `text`.
std::uint64_t fnv1a64(std::string_view text) noexcept;

/// The seed of the stream called `name` under `master`. Stable forever (runs
/// record only the master seed):
///   mix(mix(master ^ 0x6b696f736b747769) ^ fnv1a64(name)), mix = splitmix64_mix.
/// For a fixed master, distinct names (distinct hashes) give distinct seeds.
std::uint64_t derive_seed(std::uint64_t master, std::string_view name) noexcept;

/// The master seed of replication `replication` (0, 1, ...) of an experiment
/// with master seed `master`. Stable forever:
///   mix(mix(master ^ 0x7265706c69636174) + replication).
std::uint64_t replication_seed(std::uint64_t master, std::uint32_t replication) noexcept;

/// The named random streams of one run, all derived from one master seed.
class RandomStreams {
public:
    explicit RandomStreams(std::uint64_t master_seed) noexcept : m_master(master_seed) {}

    /// The stream called `name` ("arrivals", "kiosk/3/faults", ...), created
    /// on first use with seed derive_seed(master_seed(), name). The reference
    /// stays valid for the lifetime of this object.
    Rng& stream(std::string_view name);

    /// True if stream(name) has been called.
    bool contains(std::string_view name) const;

    std::uint64_t master_seed() const noexcept { return m_master; }

    /// The names of the streams created so far, sorted.
    std::vector<std::string> names() const;

private:
    std::uint64_t m_master;
    // std::map nodes never move, which keeps the references stream() hands out valid.
    std::map<std::string, Rng, std::less<>> m_streams;
};

}  // namespace kiosktwin::sim
