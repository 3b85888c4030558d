// A one-shot event that processes wait for and some party triggers, carrying a
// value of type T (or an exception):
//
//     sim::Event<Receipt> printed;
//     ... co_await printed ...            // in the citizen's process: the Receipt
//     ... printed.succeed(receipt) ...    // in the printer's model
//
// Waiters resume at the instant the event fires, in the order they began
// waiting, after whatever was already due at that instant.
#pragma once

#include <kiosktwin/sim/simulation.hpp>

#include <cassert>
#include <exception>
#include <optional>
#include <stdexcept>
#include <type_traits>
#include <utility>

namespace kiosktwin::sim {

namespace detail {

/// A WaitNode that wakes one waiting frame.
struct WakeNode : WaitNode {
    WakeNode() noexcept : WaitNode(&notify_fn) {}
    static void notify_fn(WaitNode& n) noexcept { static_cast<WakeNode&>(n).promise->wake_now(); }
    PromiseBase* promise = nullptr;
};

template <class T>
struct EventStorage {
    std::optional<T> value;
};
template <>
struct EventStorage<void> {};

}  // namespace detail

template <class T = void>
class Event : public Trigger, private detail::EventStorage<T> {
public:
    Event() = default;
    ~Event() = default;

    /// Fires the event with a value; every waiter resumes now.
    template <class... A>
    void succeed(A&&... value) {
        if (triggered()) throw std::logic_error("sim::Event triggered twice");
        if constexpr (!std::is_void_v<T>) this->value.emplace(std::forward<A>(value)...);
        fire();
    }
    /// Fires the event with an exception, rethrown in every waiter.
    void fail(std::exception_ptr e) {
        if (triggered()) throw std::logic_error("sim::Event triggered twice");
        m_error = std::move(e);
        fire();
    }
    /// Makes a fired event pending again (no process may be waiting).
    void reset() {
        if constexpr (!std::is_void_v<T>) this->value.reset();
        m_error = nullptr;
        rearm();
    }

    bool failed() const noexcept { return m_error != nullptr; }
    /// The value of a fired event; rethrows if it failed.
    decltype(auto) get() const {
        assert(triggered());
        if (m_error) std::rethrow_exception(m_error);
        if constexpr (!std::is_void_v<T>) return static_cast<const T&>(*this->value);
    }

    class Awaiter : public WaitBase {
    public:
        explicit Awaiter(const Event& e) noexcept : WaitBase(&cancel), m_event(e) {}
        bool await_ready() const noexcept { return m_event.triggered(); }
        template <class P>
        bool await_suspend(std::coroutine_handle<P> h) noexcept {
            static_assert(std::is_base_of_v<PromiseBase, P>, "co_await an Event inside a sim::Process");
            m_node.promise = &h.promise();
            if (!m_node.promise->begin_wait(*this)) return false;
            const_cast<Event&>(m_event).add_waiter(m_node);
            return true;
        }
        auto await_resume() const {
            const_cast<detail::WakeNode&>(m_node).unlink();
            if (m_node.promise != nullptr) m_node.promise->end_wait();
            if constexpr (std::is_void_v<T>) m_event.get();
            else return T(m_event.get());
        }

    private:
        static void cancel(WaitBase& w) noexcept { static_cast<Awaiter&>(w).m_node.unlink(); }
        const Event& m_event;
        detail::WakeNode m_node;
    };
    /// co_await event: waits until it fires; yields a copy of its value.
    Awaiter operator co_await() const& noexcept { return Awaiter{*this}; }

private:
    std::exception_ptr m_error;
};

}  // namespace kiosktwin::sim
