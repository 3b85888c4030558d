// Typed signals: a model publishes what happened; observers (KPI collectors,
// the recorder, the panel) subscribe. The model never calls an observer
// directly, and does not know whether anyone listens.
//
//     sim::Signal<const VisitRecord&> visit_ended;            // in the model
//     auto c = hall.visit_ended.connect([&](const VisitRecord& v) { kpis.add(v); });
//     visit_ended.emit(record);                               // where it happens
//
// Slots run synchronously, in connection order, at the virtual instant of the
// emission. Connecting or disconnecting from inside a slot is safe: a slot
// connected during an emission first runs at the next one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>
#include <vector>

namespace kiosktwin::sim {

/// Identifies one connection of one signal.
struct Connection {
    std::uint64_t id = 0;
    explicit operator bool() const noexcept { return id != 0; }
};

template <class... Args>
class Signal {
public:
    Signal() = default;
    Signal(const Signal&) = delete;
    Signal& operator=(const Signal&) = delete;

    /// Calls `slot(args...)` on every emission until disconnected.
    template <class F>
    Connection connect(F&& slot) {
        using Fn = std::decay_t<F>;
        static_assert(std::is_invocable_v<Fn&, Args...>, "slot must be callable with the signal's arguments");
        Slot s;
        s.id = ++m_last_id;
        s.target = std::shared_ptr<void>(new Fn(std::forward<F>(slot)), [](void* p) { delete static_cast<Fn*>(p); });
        s.call = [](void* p, Args... a) { (*static_cast<Fn*>(p))(std::forward<Args>(a)...); };
        m_slots.push_back(std::move(s));
        return Connection{m_slots.back().id};
    }

    /// Stops calling the slot. Safe to call from inside a slot.
    void disconnect(Connection c) noexcept {
        for (Slot& s : m_slots)
            if (s.id == c.id) s.call = nullptr;
        m_dirty = true;
        if (m_emitting == 0) compact();
    }

    /// Calls every connected slot with `args`.
    void emit(Args... args) const {
        ++m_emitting;
        const std::size_t n = m_slots.size();  // slots connected now wait for the next emission
        for (std::size_t i = 0; i < n; ++i) {
            const Slot& s = m_slots[i];
            if (s.call != nullptr) s.call(s.target.get(), args...);
        }
        if (--m_emitting == 0 && m_dirty) const_cast<Signal*>(this)->compact();
    }

    std::size_t slot_count() const noexcept {
        std::size_t n = 0;
        for (const Slot& s : m_slots) n += s.call != nullptr;
        return n;
    }
    bool connected() const noexcept { return slot_count() != 0; }

private:
    struct Slot {
        std::uint64_t id = 0;
        void (*call)(void*, Args...) = nullptr;
        std::shared_ptr<void> target;
    };
    void compact() noexcept {
        std::erase_if(m_slots, [](const Slot& s) { return s.call == nullptr; });
        m_dirty = false;
    }

    std::vector<Slot> m_slots;
    std::uint64_t m_last_id = 0;
    mutable int m_emitting = 0;
    bool m_dirty = false;
};

/// Disconnects on destruction: ties a subscription to its observer's life.
template <class... Args>
class ScopedConnection {
public:
    ScopedConnection() = default;
    ScopedConnection(Signal<Args...>& s, Connection c) noexcept : m_signal(&s), m_conn(c) {}
    ScopedConnection(ScopedConnection&& o) noexcept
        : m_signal(std::exchange(o.m_signal, nullptr)), m_conn(o.m_conn) {}
    ScopedConnection& operator=(ScopedConnection&& o) noexcept {
        if (this != &o) {
            reset();
            m_signal = std::exchange(o.m_signal, nullptr);
            m_conn = o.m_conn;
        }
        return *this;
    }
    ~ScopedConnection() { reset(); }
    void reset() noexcept {
        if (m_signal != nullptr) std::exchange(m_signal, nullptr)->disconnect(m_conn);
    }

private:
    Signal<Args...>* m_signal = nullptr;
    Connection m_conn;
};

}  // namespace kiosktwin::sim
