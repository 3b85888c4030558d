// A minimal intrusive doubly-linked list: nodes live inside the objects that
// wait (coroutine frames, awaiters), so waiting never allocates and a node can
// unlink itself in O(1) when its owner goes away.
#pragma once

#include <cassert>
#include <cstddef>

namespace kiosktwin::sim::detail {

class ListHook {
public:
    ListHook() noexcept = default;
    ListHook(const ListHook&) = delete;
    ListHook& operator=(const ListHook&) = delete;
    ~ListHook() { unlink(); }

    bool linked() const noexcept { return m_next != nullptr; }

    /// Puts this (unlinked) node where `other` is and unlinks `other`.
    void take_place_of(ListHook& other) noexcept {
        assert(!linked());
        if (!other.linked()) return;
        m_prev = other.m_prev;
        m_next = other.m_next;
        m_prev->m_next = this;
        m_next->m_prev = this;
        other.m_prev = other.m_next = nullptr;
    }

    /// Removes the node from whatever list holds it; a no-op if unlinked.
    void unlink() noexcept {
        if (m_next == nullptr) return;
        m_prev->m_next = m_next;
        m_next->m_prev = m_prev;
        m_prev = m_next = nullptr;
    }

private:
    template <class T>
    friend class IntrusiveList;
    ListHook* m_prev = nullptr;
    ListHook* m_next = nullptr;
};

/// A circular list with a sentinel. T must derive from ListHook. The list
/// does not own its elements; destroying a non-empty list unlinks them.
template <class T>
class IntrusiveList {
public:
    IntrusiveList() noexcept { m_head.m_prev = m_head.m_next = &m_head; }
    IntrusiveList(const IntrusiveList&) = delete;
    IntrusiveList& operator=(const IntrusiveList&) = delete;
    ~IntrusiveList() { clear(); }

    bool empty() const noexcept { return m_head.m_next == &m_head; }
    /// Counts the nodes (O(n)).
    std::size_t size() const noexcept {
        std::size_t n = 0;
        for (const ListHook* h = m_head.m_next; h != &m_head; h = h->m_next) ++n;
        return n;
    }

    T& front() noexcept {
        assert(!empty());
        return static_cast<T&>(*m_head.m_next);
    }
    T& back() noexcept {
        assert(!empty());
        return static_cast<T&>(*m_head.m_prev);
    }

    void push_back(T& node) noexcept { insert_before(m_head, node); }
    void push_front(T& node) noexcept { insert_before(*m_head.m_next, node); }

    /// Inserts `node` before `pos` (which must be in this list).
    void insert_before(ListHook& pos, T& node) noexcept {
        ListHook& n = node;
        assert(!n.linked());
        n.m_next = &pos;
        n.m_prev = pos.m_prev;
        pos.m_prev->m_next = &n;
        pos.m_prev = &n;
    }

    T* pop_front() noexcept {
        if (empty()) return nullptr;
        T& f = front();
        static_cast<ListHook&>(f).unlink();
        return &f;
    }

    /// Unlinks every node.
    void clear() noexcept {
        while (!empty()) static_cast<ListHook&>(*m_head.m_next).unlink();
    }

    /// Walks from the back: the first node for which pred is false, or nullptr.
    template <class Pred>
    T* rfind_if_not(Pred pred) noexcept {
        for (ListHook* h = m_head.m_prev; h != &m_head; h = h->m_prev)
            if (!pred(static_cast<T&>(*h))) return static_cast<T*>(h);
        return nullptr;
    }

    /// The node after `node`, or nullptr at the end.
    T* next(T& node) noexcept {
        ListHook* h = static_cast<ListHook&>(node).m_next;
        return h == &m_head ? nullptr : static_cast<T*>(h);
    }
    T* first() noexcept { return empty() ? nullptr : &front(); }

    /// The sentinel, for insert_before at the end.
    ListHook& end_hook() noexcept { return m_head; }

private:
    ListHook m_head;
};

}  // namespace kiosktwin::sim::detail
