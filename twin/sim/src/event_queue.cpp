#include <kiosktwin/sim/event_queue.hpp>

#include <cassert>
#include <utility>

namespace kiosktwin::sim {

namespace {
constexpr std::size_t k_arity = 4;
constexpr std::size_t k_initial_ring = 64;
}  // namespace

EventQueue::EventQueue() : m_ring(k_initial_ring, nullptr) {
    m_heap.reserve(64);
}

void EventQueue::schedule(EventNode& node, Time when) {
    assert(!node.scheduled() && "an event can be scheduled once at a time");
    std::int64_t w = when.time_since_epoch().count();
    if (w <= m_now) {
        if (m_ring_tail - m_ring_head == m_ring.size()) grow_ring();
        node.m_when = m_now;
        node.m_pos = m_ring_tail;
        node.m_where = EventNode::Where::ready;
        m_ring[m_ring_tail & (m_ring.size() - 1)] = &node;
        ++m_ring_tail;
        ++m_ready_live;
        return;
    }
    node.m_when = w;
    node.m_where = EventNode::Where::heap;
    m_heap.push_back(Entry{w, m_seq++, &node});
    node.m_pos = m_heap.size() - 1;
    sift_up(m_heap.size() - 1);
}

void EventQueue::cancel(EventNode& node) noexcept {
    switch (node.m_where) {
    case EventNode::Where::none:
        return;
    case EventNode::Where::ready:
        m_ring[node.m_pos & (m_ring.size() - 1)] = nullptr;
        --m_ready_live;
        break;
    case EventNode::Where::heap:
        remove_heap_at(static_cast<std::size_t>(node.m_pos));
        break;
    }
    node.m_where = EventNode::Where::none;
}

EventNode* EventQueue::pop_due(Time limit) noexcept {
    // Heap events due now were scheduled before this instant began, so they
    // precede everything in the ring.
    if (!m_heap.empty() && m_heap.front().when == m_now) return pop_heap_top();
    while (m_ready_live > 0) {
        EventNode* n = m_ring[m_ring_head & (m_ring.size() - 1)];
        ++m_ring_head;
        if (n != nullptr) {
            --m_ready_live;
            n->m_where = EventNode::Where::none;
            return n;
        }
    }
    m_ring_head = m_ring_tail;  // skip trailing cancelled slots
    if (!m_heap.empty() && m_heap.front().when <= limit.time_since_epoch().count()) {
        m_now = m_heap.front().when;
        return pop_heap_top();
    }
    return nullptr;
}

void EventQueue::advance_to(Time t) noexcept {
    const std::int64_t w = t.time_since_epoch().count();
    assert(m_ready_live == 0 && (m_heap.empty() || m_heap.front().when >= w));
    if (w > m_now) m_now = w;
}

Time EventQueue::next_time() const noexcept {
    if (m_ready_live > 0) return now();
    if (!m_heap.empty()) return Time{Duration{m_heap.front().when}};
    return end_of_time;
}

void EventQueue::clear() noexcept {
    for (Entry& e : m_heap) e.node->m_where = EventNode::Where::none;
    m_heap.clear();
    for (std::uint64_t i = m_ring_head; i != m_ring_tail; ++i) {
        EventNode*& n = m_ring[i & (m_ring.size() - 1)];
        if (n != nullptr) n->m_where = EventNode::Where::none;
        n = nullptr;
    }
    m_ring_head = m_ring_tail;
    m_ready_live = 0;
}

EventNode* EventQueue::pop_heap_top() noexcept {
    EventNode* top = m_heap.front().node;
    top->m_where = EventNode::Where::none;
    const Entry last = m_heap.back();
    m_heap.pop_back();
    if (!m_heap.empty()) {
        place(0, last);
        sift_down(0);
    }
    return top;
}

void EventQueue::remove_heap_at(std::size_t i) noexcept {
    const Entry last = m_heap.back();
    m_heap.pop_back();
    if (i == m_heap.size()) return;
    const bool up = i > 0 && before(last, m_heap[(i - 1) / k_arity]);
    place(i, last);
    if (up) sift_up(i);
    else sift_down(i);
}

void EventQueue::sift_up(std::size_t i) noexcept {
    const Entry e = m_heap[i];
    while (i > 0) {
        const std::size_t parent = (i - 1) / k_arity;
        if (!before(e, m_heap[parent])) break;
        place(i, m_heap[parent]);
        i = parent;
    }
    place(i, e);
}

void EventQueue::sift_down(std::size_t i) noexcept {
    const std::size_t n = m_heap.size();
    const Entry e = m_heap[i];
    for (;;) {
        const std::size_t first = i * k_arity + 1;
        if (first >= n) break;
        std::size_t best = first;
        const std::size_t end = first + k_arity < n ? first + k_arity : n;
        for (std::size_t c = first + 1; c < end; ++c)
            if (before(m_heap[c], m_heap[best])) best = c;
        if (!before(m_heap[best], e)) break;
        place(i, m_heap[best]);
        i = best;
    }
    place(i, e);
}

void EventQueue::grow_ring() {
    std::vector<EventNode*> bigger(m_ring.size() * 2, nullptr);
    for (std::uint64_t i = m_ring_head; i != m_ring_tail; ++i)
        bigger[i & (bigger.size() - 1)] = m_ring[i & (m_ring.size() - 1)];
    m_ring.swap(bigger);
}

}  // namespace kiosktwin::sim
