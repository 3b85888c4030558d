#include <kiosktwin/sim/random.hpp>

#include <stdexcept>

namespace kiosktwin::sim {
namespace {

constexpr std::uint64_t k_golden_gamma = 0x9e3779b97f4a7c15ULL;
constexpr std::uint64_t k_stream_domain = 0x6b696f736b747769ULL;       // "kiosktwi"
constexpr std::uint64_t k_replication_domain = 0x7265706c69636174ULL;  // "replicat"

struct Product128 {
    std::uint64_t hi;
    std::uint64_t lo;
};

// Full 64x64 -> 128-bit product without compiler extensions, so the result is
// the same on every platform.
constexpr Product128 multiply_128(std::uint64_t a, std::uint64_t b) noexcept {
    const std::uint64_t a_lo = a & 0xffffffffULL;
    const std::uint64_t a_hi = a >> 32;
    const std::uint64_t b_lo = b & 0xffffffffULL;
    const std::uint64_t b_hi = b >> 32;
    const std::uint64_t ll = a_lo * b_lo;
    const std::uint64_t lh = a_lo * b_hi;
    const std::uint64_t hl = a_hi * b_lo;
    const std::uint64_t hh = a_hi * b_hi;
    const std::uint64_t mid = (ll >> 32) + (lh & 0xffffffffULL) + (hl & 0xffffffffULL);
    return {hh + (lh >> 32) + (hl >> 32) + (mid >> 32), (mid << 32) | (ll & 0xffffffffULL)};
}

}  // namespace

std::uint64_t splitmix64_mix(std::uint64_t z) noexcept {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

std::uint64_t fnv1a64(std::string_view text) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ULL;
    for (const char c : text) {
        h ^= static_cast<std::uint8_t>(c);
        h *= 0x100000001b3ULL;
    }
    return h;
}

Rng::Rng(std::uint64_t seed) noexcept {
    for (auto& word : m_s) {
        seed += k_golden_gamma;
        word = splitmix64_mix(seed);
    }
}

double Rng::uniform(double a, double b) {
    if (!(a <= b) || !(b - a <= std::numeric_limits<double>::max()))
        throw std::invalid_argument("Rng::uniform: need finite a <= b");
    return a + (b - a) * uniform01();
}

std::uint64_t Rng::below(std::uint64_t n) {
    if (n == 0) throw std::invalid_argument("Rng::below: n must be positive");
    // Lemire (2019), "Fast random integer generation in an interval".
    Product128 m = multiply_128(next(), n);
    if (m.lo < n) {
        const std::uint64_t threshold = (0 - n) % n;  // 2^64 mod n
        while (m.lo < threshold) m = multiply_128(next(), n);
    }
    return m.hi;
}

std::uint64_t derive_seed(std::uint64_t master, std::string_view name) noexcept {
    return splitmix64_mix(splitmix64_mix(master ^ k_stream_domain) ^ fnv1a64(name));
}

std::uint64_t replication_seed(std::uint64_t master, std::uint32_t replication) noexcept {
    return splitmix64_mix(splitmix64_mix(master ^ k_replication_domain) + replication);
}

Rng& RandomStreams::stream(std::string_view name) {
    auto it = m_streams.find(name);
    if (it == m_streams.end())
        it = m_streams.emplace(std::string(name), Rng(derive_seed(m_master, name))).first;
    return it->second;
}

bool RandomStreams::contains(std::string_view name) const {
    return m_streams.find(name) != m_streams.end();
}

std::vector<std::string> RandomStreams::names() const {
    std::vector<std::string> out;
    out.reserve(m_streams.size());
    for (const auto& entry : m_streams) out.push_back(entry.first);
    return out;
}

}  // namespace kiosktwin::sim
