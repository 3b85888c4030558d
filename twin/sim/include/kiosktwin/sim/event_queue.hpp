// The future event list: a 4-ary min-heap keyed on (time, sequence) for
// events in the future, and a FIFO ring for events due now.
//
// Events are intrusive nodes owned by whoever schedules them (a process
// frame, a timer); the queue stores pointers and keeps each node told of its
// position, so cancellation is O(log n) and exact — a cancelled event is
// gone, never fired. Nothing here allocates per event once the two buffers
// have grown to the run's peak.
//
// Order contract: events run in (time, scheduling order). Every event due at
// the current time that sits in the heap was scheduled at an earlier time, so
// it precedes anything scheduled for "now" during this instant; the ring
// keeps those in scheduling order. Together that is a stable FIFO for equal
// times, with the common "wake that process now" case costing a ring push
// instead of a heap operation.
#pragma once

#include <kiosktwin/sim/time.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kiosktwin::sim {

class EventQueue;

/// A schedulable event. Its owner keeps it alive while it is scheduled and
/// cancels it before destroying it.
class EventNode {
public:
    using FireFn = void (*)(EventNode&);

    explicit EventNode(FireFn fire) noexcept : m_fire(fire) {}
    EventNode(const EventNode&) = delete;
    EventNode& operator=(const EventNode&) = delete;

    /// Whether the event is in the queue (not yet fired, not cancelled).
    bool scheduled() const noexcept { return m_where != Where::none; }
    /// The time it is due; meaningful only while scheduled().
    Time due() const noexcept { return Time{Duration{m_when}}; }

protected:
    ~EventNode() = default;

private:
    friend class EventQueue;
    enum class Where : std::uint8_t { none, heap, ready };

    FireFn m_fire;
    std::int64_t m_when = 0;
    std::uint64_t m_pos = 0;  // heap index, or absolute ring index
    Where m_where = Where::none;
};

class EventQueue {
public:
    EventQueue();

    Time now() const noexcept { return Time{Duration{m_now}}; }

    /// Schedules `node` at `when` (clamped to now). The node must not be scheduled.
    void schedule(EventNode& node, Time when);
    /// Removes `node` if it is scheduled; a no-op otherwise.
    void cancel(EventNode& node) noexcept;

    /// Pops the next event due at or before `limit`, advancing the clock to its
    /// time. Returns nullptr, leaving the clock alone, if there is none.
    EventNode* pop_due(Time limit) noexcept;
    /// Fires a popped node.
    static void fire(EventNode& node) { node.m_fire(node); }

    /// Sets the clock forward to `t` (no event may be due before t).
    void advance_to(Time t) noexcept;

    std::size_t size() const noexcept { return m_heap.size() + m_ready_live; }
    bool empty() const noexcept { return size() == 0; }
    /// Time of the next event, or end_of_time when the queue is empty.
    Time next_time() const noexcept;

    /// Drops every event without firing it (used at teardown).
    void clear() noexcept;

private:
    struct Entry {
        std::int64_t when;
        std::uint64_t seq;
        EventNode* node;
    };
    static bool before(const Entry& a, const Entry& b) noexcept {
        return a.when < b.when || (a.when == b.when && a.seq < b.seq);
    }
    void sift_up(std::size_t i) noexcept;
    void sift_down(std::size_t i) noexcept;
    void place(std::size_t i, const Entry& e) noexcept {
        m_heap[i] = e;
        e.node->m_pos = i;
    }
    EventNode* pop_heap_top() noexcept;
    void remove_heap_at(std::size_t i) noexcept;
    void grow_ring();

    std::vector<Entry> m_heap;
    std::vector<EventNode*> m_ring;  // power-of-two sized; cancelled slots hold nullptr
    std::uint64_t m_ring_head = 0;   // absolute indices; slot = index & mask
    std::uint64_t m_ring_tail = 0;
    std::size_t m_ready_live = 0;
    std::uint64_t m_seq = 0;
    std::int64_t m_now = 0;
};

}  // namespace kiosktwin::sim
