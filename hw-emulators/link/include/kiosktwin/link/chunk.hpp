// What a link carries: chunks of one direction's byte stream, each stamped
// with the virtual (or live) instant at which it is ready, and the stream's
// ending — a half-close (eof), a full close, or a reset.
//
// A chunk may carry its bytes or only their count: the twin's planning runs
// move sizes (what a link does to timing depends on sizes, not on content);
// the live proxy and the gateway's HTTP move real bytes.
#pragma once

#include <kiosktwin/protocol/bytes.hpp>
#include <kiosktwin/sim/time.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace kiosktwin::link {

using protocol::Bytes;
using protocol::ByteView;

/// Toxiproxy's streams: upstream is client → server, downstream is server → client.
enum class Direction : std::uint8_t { upstream = 0, downstream = 1 };

constexpr Direction opposite(Direction d) noexcept {
    return d == Direction::upstream ? Direction::downstream : Direction::upstream;
}
constexpr std::size_t index(Direction d) noexcept { return static_cast<std::size_t>(d); }
const char* to_string(Direction d) noexcept;
/// "upstream" or "downstream"; nullopt otherwise.
std::optional<Direction> direction_from_string(std::string_view s) noexcept;

enum class ChunkKind : std::uint8_t {
    data,   ///< bytes of the stream
    eof,    ///< the source half-closed: the destination's write side is shut down
    close,  ///< the connection ends: the destination is closed, and so, behind
            ///< what the other direction still carries, is the source
    reset,  ///< the connection is reset (RST) at the destination, then at the source
};
const char* to_string(ChunkKind k) noexcept;

struct Chunk {
    sim::Time at{};                   ///< when the chunk is ready where it now waits
    ChunkKind kind = ChunkKind::data;
    std::uint32_t size = 0;           ///< bytes carried (data chunks)
    Bytes bytes;                      ///< the bytes, or empty when the link carries sizes only

    static Chunk data_of(sim::Time at, Bytes b) {
        Chunk c{at, ChunkKind::data, static_cast<std::uint32_t>(b.size()), std::move(b)};
        return c;
    }
    static Chunk sized(sim::Time at, std::uint32_t n) { return Chunk{at, ChunkKind::data, n, {}}; }
    static Chunk control(sim::Time at, ChunkKind k) { return Chunk{at, k, 0, {}}; }

    bool has_bytes() const noexcept { return size == 0 || !bytes.empty(); }
    /// Splits off the first n (< size) bytes as a chunk of their own; this
    /// chunk keeps the rest. Both keep `at`.
    Chunk take_front(std::uint32_t n);
    /// Drops all but the first n bytes.
    void truncate(std::uint32_t n);
};

/// A FIFO of chunks on a ring buffer (no allocation once warm).
class ChunkQueue {
public:
    ChunkQueue() = default;
    ChunkQueue(ChunkQueue&&) noexcept = default;
    ChunkQueue& operator=(ChunkQueue&&) noexcept = default;

    bool empty() const noexcept { return m_size == 0; }
    std::size_t size() const noexcept { return m_size; }
    Chunk& front() noexcept { return m_ring[m_head]; }
    const Chunk& front() const noexcept { return m_ring[m_head]; }
    Chunk& back() noexcept { return m_ring[(m_head + m_size - 1) & (m_ring.size() - 1)]; }
    const Chunk& operator[](std::size_t i) const noexcept { return m_ring[(m_head + i) & (m_ring.size() - 1)]; }
    Chunk& operator[](std::size_t i) noexcept { return m_ring[(m_head + i) & (m_ring.size() - 1)]; }

    void push_back(Chunk&& c) {
        if (m_size == m_ring.size()) grow();
        m_ring[(m_head + m_size) & (m_ring.size() - 1)] = std::move(c);
        ++m_size;
    }
    Chunk pop_front() noexcept {
        Chunk c = std::move(m_ring[m_head]);
        m_head = (m_head + 1) & (m_ring.size() - 1);
        --m_size;
        return c;
    }
    void clear() noexcept {
        while (!empty()) pop_front();
    }
    /// Bytes of the data chunks queued.
    std::uint64_t bytes() const noexcept;

private:
    void grow();
    std::vector<Chunk> m_ring;
    std::size_t m_head = 0;
    std::size_t m_size = 0;
};

}  // namespace kiosktwin::link
