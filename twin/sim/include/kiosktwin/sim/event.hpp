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

    class Awaiter : public detail::TriggerWait {
    public:
        explicit Awaiter(const Event& e) noexcept : TriggerWait(e), m_event(e) {}
        auto await_resume() {
            finish();
            if constexpr (std::is_void_v<T>) m_event.get();
            else return T(m_event.get());
        }

    private:
        const Event& m_event;
    };
    /// co_await event: waits until it fires; yields a copy of its value.
    Awaiter operator co_await() const& noexcept { return Awaiter{*this}; }

private:
    std::exception_ptr m_error;
};

}  // namespace kiosktwin::sim
