// Coroutine frames come from per-thread free lists by size class, so a
// process costs no trip to the general-purpose allocator once the run has
// warmed up. Frames of one process type share a size, so they recycle
// perfectly. A simulation and its processes live on one thread; replications
// on other threads get their own pools.
//
// Under AddressSanitizer the pool steps aside and frames use operator new, so
// ASan and LeakSanitizer see every frame's lifetime exactly.
#pragma once

#include <cstddef>

namespace kiosktwin::sim::detail {

/// Allocates `size` bytes for a coroutine frame (16-byte aligned).
void* allocate_frame(std::size_t size);
/// Returns a frame obtained from allocate_frame with the same size.
void deallocate_frame(void* p, std::size_t size) noexcept;

/// Bytes the calling thread's pool holds (in use or free), for memory reports.
std::size_t frame_pool_reserved_bytes() noexcept;

}  // namespace kiosktwin::sim::detail
