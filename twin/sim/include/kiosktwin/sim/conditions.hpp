// Waiting for several things at once:
//
//     switch (co_await sim::any_of(card_inserted, qr_scanned, sim::timeout(2min))) {
//         case 0: ...   // the card came first
//         case 1: ...   // the QR code came first
//         case 2: ...   // nothing within two minutes
//     }
//     bool all_done = co_await sim::all_of(print_job, payment, sim::timeout(5min));
//
// Operands are Events, ProcessHandles and Timeouts (a Timeout is measured from
// the co_await). any_of yields the index of the first operand to fire (the
// lowest index if several have already fired); all_of yields true when every
// non-timeout operand has fired, false if a timeout expired first. Operands
// that did not fire are left exactly as they were.
#pragma once

#include <kiosktwin/sim/event.hpp>
#include <kiosktwin/sim/simulation.hpp>

#include <array>
#include <cstddef>
#include <limits>
#include <type_traits>

namespace kiosktwin::sim {

/// An operand of any_of / all_of that fires `after` the co_await began.
struct Timeout {
    Duration after;
};
inline constexpr Timeout timeout(Duration after) noexcept { return Timeout{after}; }

namespace detail {

inline Trigger* as_trigger(Trigger& t) noexcept { return &t; }
template <class T>
Trigger* as_trigger(const ProcessHandle<T>& h) noexcept {
    return &h.completion();
}
inline Trigger* as_trigger(Timeout) noexcept { return nullptr; }

template <class Op>
Duration timeout_of(const Op& op) noexcept {
    if constexpr (std::is_same_v<std::remove_cvref_t<Op>, Timeout>) return op.after;
    else return Duration::max();
}

template <std::size_t N, bool All>
class ConditionAwaiter : public WaitBase {
public:
    static constexpr std::size_t npos = std::numeric_limits<std::size_t>::max();

    template <class... Ops>
    explicit ConditionAwaiter(Ops&&... ops) noexcept
        : WaitBase(&cancel), m_triggers{as_trigger(ops)...} {
        const std::array<Duration, N> limits{timeout_of(ops)...};
        for (std::size_t i = 0; i < N; ++i) {
            m_nodes[i].owner = this;
            m_nodes[i].index = i;
            if (limits[i] < m_timeout) {
                m_timeout = limits[i];
                m_timeout_index = i;
            }
        }
    }
    ConditionAwaiter(const ConditionAwaiter&) = delete;

    bool await_ready() noexcept {
        for (std::size_t i = 0; i < N; ++i) {
            if (m_triggers[i] == nullptr) continue;
            if (m_triggers[i]->triggered()) {
                if (!All) {
                    m_first = i;
                    return true;
                }
            } else {
                ++m_pending;
            }
        }
        return All && m_pending == 0;
    }

    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) noexcept {
        static_assert(std::is_base_of_v<PromiseBase, P>, "co_await any_of/all_of inside a sim::Process");
        m_promise = &h.promise();
        if (!m_promise->begin_wait(*this)) return false;
        for (std::size_t i = 0; i < N; ++i)
            if (m_triggers[i] != nullptr && !m_triggers[i]->triggered()) m_triggers[i]->add_waiter(m_nodes[i]);
        if (m_timeout_index != npos) m_promise->wake_at(m_promise->sim().now() + m_timeout);
        return true;
    }

    auto await_resume() {
        unlink_all();
        if (m_promise != nullptr) m_promise->end_wait();
        if constexpr (All) {
            return m_pending == 0;
        } else {
            return m_first == npos ? m_timeout_index : m_first;
        }
    }

private:
    struct Node : WaitNode {
        Node() noexcept : WaitNode(&notify_fn) {}
        static void notify_fn(WaitNode& w) noexcept {
            Node& n = static_cast<Node&>(w);
            ConditionAwaiter& c = *n.owner;
            if constexpr (All) {
                if (--c.m_pending == 0) c.m_promise->wake_now();
            } else {
                if (c.m_first == npos) {
                    c.m_first = n.index;
                    c.unlink_all();
                    c.m_promise->wake_now();  // also cancels the timeout
                }
            }
        }
        ConditionAwaiter* owner = nullptr;
        std::size_t index = 0;
    };

    static void cancel(WaitBase& w) noexcept { static_cast<ConditionAwaiter&>(w).unlink_all(); }
    void unlink_all() noexcept {
        for (Node& n : m_nodes) n.unlink();
    }

    std::array<Trigger*, N> m_triggers;
    std::array<Node, N> m_nodes;
    Duration m_timeout = Duration::max();
    std::size_t m_timeout_index = npos;
    PromiseBase* m_promise = nullptr;
    std::size_t m_first = npos;
    std::size_t m_pending = 0;
};

}  // namespace detail

/// co_await any_of(ops...): the index of the first operand to fire.
template <class... Ops>
[[nodiscard]] detail::ConditionAwaiter<sizeof...(Ops), false> any_of(Ops&&... ops) noexcept {
    static_assert(sizeof...(Ops) > 0, "any_of needs at least one operand");
    return detail::ConditionAwaiter<sizeof...(Ops), false>(std::forward<Ops>(ops)...);
}

/// co_await all_of(ops...): true once every Event/ProcessHandle operand has
/// fired; false if a Timeout operand expires first.
template <class... Ops>
[[nodiscard]] detail::ConditionAwaiter<sizeof...(Ops), true> all_of(Ops&&... ops) noexcept {
    static_assert(sizeof...(Ops) > 0, "all_of needs at least one operand");
    return detail::ConditionAwaiter<sizeof...(Ops), true>(std::forward<Ops>(ops)...);
}

}  // namespace kiosktwin::sim
