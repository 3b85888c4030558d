#include <kiosktwin/link/chunk.hpp>

#include <cassert>

namespace kiosktwin::link {

const char* to_string(Direction d) noexcept { return d == Direction::upstream ? "upstream" : "downstream"; }

std::optional<Direction> direction_from_string(std::string_view s) noexcept {
    if (s == "upstream") return Direction::upstream;
    if (s == "downstream") return Direction::downstream;
    return std::nullopt;
}

const char* to_string(ChunkKind k) noexcept {
    switch (k) {
    case ChunkKind::data: return "data";
    case ChunkKind::eof: return "eof";
    case ChunkKind::close: return "close";
    case ChunkKind::reset: return "reset";
    }
    return "?";
}

Chunk Chunk::take_front(std::uint32_t n) {
    assert(kind == ChunkKind::data && n < size);
    Chunk front{at, ChunkKind::data, n, {}};
    if (!bytes.empty()) {
        front.bytes.assign(bytes.begin(), bytes.begin() + n);
        bytes.erase(bytes.begin(), bytes.begin() + n);
    }
    size -= n;
    return front;
}

void Chunk::truncate(std::uint32_t n) {
    if (n >= size) return;
    size = n;
    if (!bytes.empty()) bytes.resize(n);
}

std::uint64_t ChunkQueue::bytes() const noexcept {
    std::uint64_t total = 0;
    for (std::size_t i = 0; i < m_size; ++i) total += (*this)[i].size;
    return total;
}

void ChunkQueue::grow() {
    const std::size_t cap = m_ring.empty() ? 8 : m_ring.size() * 2;
    std::vector<Chunk> next(cap);
    for (std::size_t i = 0; i < m_size; ++i) next[i] = std::move((*this)[i]);
    m_ring = std::move(next);
    m_head = 0;
}

}  // namespace kiosktwin::link
