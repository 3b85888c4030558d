#include <kiosktwin/sim/frame_pool.hpp>

#include <array>
#include <cstdlib>
#include <new>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define KIOSKTWIN_FRAME_POOL 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KIOSKTWIN_FRAME_POOL 0
#endif
#endif
#ifndef KIOSKTWIN_FRAME_POOL
#define KIOSKTWIN_FRAME_POOL 1
#endif

namespace kiosktwin::sim::detail {

#if KIOSKTWIN_FRAME_POOL
namespace {

constexpr std::size_t k_granule = 64;        // size classes are multiples of a cache line
constexpr std::size_t k_classes = 32;        // up to 2 KiB pooled; larger frames go to operator new
constexpr std::size_t k_chunk_bytes = 64 * 1024;

struct FreeBlock {
    FreeBlock* next;
};

class Pool {
public:
    ~Pool() {
        for (void* c : m_chunks) ::operator delete(c, std::align_val_t{k_granule});
    }

    void* allocate(std::size_t cls) {
        FreeBlock*& head = m_free[cls];
        if (head == nullptr) refill(cls);
        FreeBlock* b = head;
        head = b->next;
        return b;
    }

    void deallocate(void* p, std::size_t cls) noexcept {
        auto* b = static_cast<FreeBlock*>(p);
        b->next = m_free[cls];
        m_free[cls] = b;
    }

    std::size_t reserved() const noexcept { return m_chunks.size() * k_chunk_bytes; }

private:
    void refill(std::size_t cls) {
        const std::size_t block = (cls + 1) * k_granule;
        void* chunk = ::operator new(k_chunk_bytes, std::align_val_t{k_granule});
        m_chunks.push_back(chunk);
        auto* base = static_cast<unsigned char*>(chunk);
        const std::size_t n = k_chunk_bytes / block;
        // Thread the blocks so the first allocations walk the chunk forwards.
        for (std::size_t i = n; i-- > 0;) deallocate(base + i * block, cls);
    }

    std::array<FreeBlock*, k_classes> m_free{};
    std::vector<void*> m_chunks;
};

thread_local Pool t_pool;

constexpr std::size_t class_of(std::size_t size) noexcept { return (size - 1) / k_granule; }

}  // namespace

void* allocate_frame(std::size_t size) {
    if (size == 0 || class_of(size) >= k_classes) return ::operator new(size);
    return t_pool.allocate(class_of(size));
}

void deallocate_frame(void* p, std::size_t size) noexcept {
    if (p == nullptr) return;
    if (size == 0 || class_of(size) >= k_classes) {
        ::operator delete(p, size);
        return;
    }
    t_pool.deallocate(p, class_of(size));
}

std::size_t frame_pool_reserved_bytes() noexcept { return t_pool.reserved(); }

#else

void* allocate_frame(std::size_t size) { return ::operator new(size); }
void deallocate_frame(void* p, std::size_t size) noexcept { ::operator delete(p, size); }
std::size_t frame_pool_reserved_bytes() noexcept { return 0; }

#endif

}  // namespace kiosktwin::sim::detail
