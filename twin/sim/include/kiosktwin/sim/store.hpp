// Stores hold items (Store<T>: print jobs, fault tickets) or an amount
// (Container: paper length in mm, toner in %). Getters wait while there is
// nothing to take; putters wait while there is no room. Both queues are FIFO
// and strict: a large request at the head is not overtaken by smaller ones.
//
//     sim::Container paper(sim, 80'000.0, 80'000.0);   // an 80 m roll, full
//     co_await paper.get(receipt_mm);                  // waits for a refill if short
//     sim::Store<Ticket> tickets(sim);
//     Ticket t = co_await tickets.get();               // a technician takes the next ticket
#pragma once

#include <kiosktwin/sim/detail/intrusive_list.hpp>
#include <kiosktwin/sim/simulation.hpp>

#include <cstddef>
#include <deque>
#include <limits>
#include <optional>
#include <stdexcept>
#include <utility>

namespace kiosktwin::sim {

namespace detail {

/// Shared machinery of the awaiters below: a queued, wakeable wait that an
/// interrupt withdraws and a destroyed frame unlinks.
template <class Self>
class QueuedWait : public WaitBase, public ListHook {
public:
    QueuedWait() noexcept : WaitBase(&cancel) {}
    QueuedWait(const QueuedWait&) = delete;

    /// Marks the wait satisfied and wakes its process now.
    void complete() noexcept {
        m_done = true;
        m_promise->wake_now();
    }

protected:
    template <class P>
    bool start(std::coroutine_handle<P> h, IntrusiveList<Self>& queue, std::optional<Duration> patience) {
        static_assert(std::is_base_of_v<PromiseBase, P>, "co_await a store inside a sim::Process");
        m_promise = &h.promise();
        if (!m_promise->begin_wait(*this)) return false;
        queue.push_back(static_cast<Self&>(*this));
        if (patience) m_promise->wake_at(m_promise->sim().now() + *patience);
        return true;
    }
    /// Leaves the queue (patience ran out) and delivers a pending interrupt.
    void finish() {
        unlink();
        if (m_promise != nullptr) m_promise->end_wait();
    }
    /// True if the wait was satisfied but an interrupt arrived before the
    /// process resumed: the awaiter must hand back what it received.
    bool interrupted_after_completion() const noexcept {
        return m_done && m_promise != nullptr && m_promise->interrupt_pending();
    }
    bool m_done = false;
    PromiseBase* m_promise = nullptr;

private:
    static void cancel(WaitBase& w) noexcept { static_cast<QueuedWait&>(w).unlink(); }
};

}  // namespace detail

template <class T>
class Store {
public:
    static constexpr std::size_t unlimited = std::numeric_limits<std::size_t>::max();

    explicit Store(Simulation& sim, std::size_t capacity = unlimited) : m_sim(&sim), m_capacity(capacity) {
        if (capacity == 0) throw std::invalid_argument("sim::Store capacity must be at least 1");
    }
    Store(const Store&) = delete;
    Store& operator=(const Store&) = delete;

    std::size_t size() const noexcept { return m_items.size(); }
    std::size_t capacity() const noexcept { return m_capacity; }
    bool empty() const noexcept { return m_items.empty(); }
    /// Processes waiting to get an item.
    std::size_t waiting_getters() const noexcept { return m_getters.size(); }
    /// Processes waiting to put an item.
    std::size_t waiting_putters() const noexcept { return m_putters.size(); }

    /// Puts an item without waiting; false (and the item dropped) if the store is full.
    bool try_put(T item) { return offer(item); }
    /// Takes the oldest item without waiting, if any.
    std::optional<T> try_get() {
        if (m_items.empty()) return std::nullopt;
        std::optional<T> item(std::move(m_items.front()));
        m_items.pop_front();
        admit_putter();
        return item;
    }

private:
    // Moves from `item` only when it is accepted.
    bool offer(T& item) {
        if (GetAwaiter* g = m_getters.pop_front()) {
            g->m_item.emplace(std::move(item));
            g->complete();
            return true;
        }
        if (m_items.size() >= m_capacity) return false;
        m_items.push_back(std::move(item));
        return true;
    }

public:
    class GetAwaiter : public detail::QueuedWait<GetAwaiter> {
    public:
        GetAwaiter(Store& s, std::optional<Duration> patience) noexcept : m_store(s), m_patience(patience) {}
        bool await_ready() {
            m_item = m_store.try_get();
            return m_item.has_value() || (m_patience && m_patience->count() <= 0);
        }
        template <class P>
        bool await_suspend(std::coroutine_handle<P> h) {
            return this->start(h, m_store.m_getters, m_patience);
        }
        /// The item; nullopt only from get_for() when patience ran out.
        std::optional<T> await_resume() {
            if (this->interrupted_after_completion() && m_item) {
                m_store.give_back(std::move(*m_item));  // the interrupted getter never took it
                m_item.reset();
            }
            this->finish();
            return std::move(m_item);
        }

    private:
        friend class Store;
        Store& m_store;
        std::optional<Duration> m_patience;
        std::optional<T> m_item;
    };

    class PutAwaiter : public detail::QueuedWait<PutAwaiter> {
    public:
        PutAwaiter(Store& s, T item) : m_store(s), m_item(std::move(item)) {}
        bool await_ready() {
            if (m_store.offer(*m_item)) m_item.reset();
            return !m_item.has_value();
        }
        template <class P>
        bool await_suspend(std::coroutine_handle<P> h) {
            return this->start(h, m_store.m_putters, std::nullopt);
        }
        void await_resume() { this->finish(); }

    private:
        friend class Store;
        Store& m_store;
        std::optional<T> m_item;
    };

    /// co_await store.get(): the oldest item, waiting for one if need be.
    /// (The result is a std::optional that always holds a value.)
    GetAwaiter get() noexcept { return GetAwaiter{*this, std::nullopt}; }
    /// co_await store.get_for(d): the oldest item, or nullopt after waiting d.
    GetAwaiter get_for(Duration patience) noexcept { return GetAwaiter{*this, patience}; }
    /// co_await store.put(item): waits while the store is full.
    PutAwaiter put(T item) { return PutAwaiter{*this, std::move(item)}; }

private:
    void give_back(T item) {
        if (GetAwaiter* g = m_getters.pop_front()) {
            g->m_item.emplace(std::move(item));
            g->complete();
        } else {
            m_items.push_front(std::move(item));
        }
    }
    void admit_putter() {
        if (m_items.size() >= m_capacity) return;
        if (PutAwaiter* p = m_putters.pop_front()) {
            m_items.push_back(std::move(*p->m_item));
            p->m_item.reset();
            p->complete();
        }
    }

    Simulation* m_sim;
    std::size_t m_capacity;
    std::deque<T> m_items;
    detail::IntrusiveList<GetAwaiter> m_getters;
    detail::IntrusiveList<PutAwaiter> m_putters;
};

/// A continuous amount between 0 and a capacity. A put that completed stands
/// even if its process is interrupted before resuming; a get that completed
/// is handed back.
class Container {
public:
    Container(Simulation& sim, double capacity, double initial) : m_sim(&sim), m_capacity(capacity), m_level(initial) {
        if (!(capacity > 0.0) || initial < 0.0 || initial > capacity)
            throw std::invalid_argument("sim::Container needs 0 <= initial <= capacity and capacity > 0");
    }
    Container(const Container&) = delete;
    Container& operator=(const Container&) = delete;

    double level() const noexcept { return m_level; }
    double capacity() const noexcept { return m_capacity; }
    Simulation& sim() const noexcept { return *m_sim; }

    /// Takes `amount` now if the level allows and nobody is queued first.
    bool try_get(double amount) {
        if (!m_getters.empty() || amount > m_level) return false;
        m_level -= amount;
        settle();
        return true;
    }
    /// Adds `amount` now if there is room and nobody is queued first.
    bool try_put(double amount) {
        if (!m_putters.empty() || m_level + amount > m_capacity) return false;
        m_level += amount;
        settle();
        return true;
    }

    class GetAwaiter : public detail::QueuedWait<GetAwaiter> {
    public:
        GetAwaiter(Container& c, double amount) noexcept : m_c(c), m_amount(amount) {}
        bool await_ready() { return m_c.try_get(m_amount); }
        template <class P>
        bool await_suspend(std::coroutine_handle<P> h) {
            return this->start(h, m_c.m_getters, std::nullopt);
        }
        void await_resume() {
            if (this->interrupted_after_completion()) {
                m_c.m_level += m_amount;  // the interrupted getter never took it
                m_c.settle();
            }
            this->finish();
        }

    private:
        friend class Container;
        Container& m_c;
        double m_amount;
    };
    class PutAwaiter : public detail::QueuedWait<PutAwaiter> {
    public:
        PutAwaiter(Container& c, double amount) noexcept : m_c(c), m_amount(amount) {}
        bool await_ready() { return m_c.try_put(m_amount); }
        template <class P>
        bool await_suspend(std::coroutine_handle<P> h) {
            return this->start(h, m_c.m_putters, std::nullopt);
        }
        void await_resume() { this->finish(); }

    private:
        friend class Container;
        Container& m_c;
        double m_amount;
    };

    /// co_await c.get(amount): waits until `amount` can be taken.
    GetAwaiter get(double amount) {
        check(amount);
        return GetAwaiter{*this, amount};
    }
    /// co_await c.put(amount): waits until `amount` fits.
    PutAwaiter put(double amount) {
        check(amount);
        return PutAwaiter{*this, amount};
    }

private:
    void check(double amount) const {
        if (!(amount >= 0.0) || amount > m_capacity)
            throw std::invalid_argument("sim::Container amount must be within [0, capacity]");
    }
    // Serves queued getters and putters, in order, until neither can move.
    void settle() {
        for (bool moved = true; moved;) {
            moved = false;
            while (!m_getters.empty() && m_getters.front().m_amount <= m_level) {
                GetAwaiter* g = m_getters.pop_front();
                m_level -= g->m_amount;
                g->complete();
                moved = true;
            }
            while (!m_putters.empty() && m_level + m_putters.front().m_amount <= m_capacity) {
                PutAwaiter* p = m_putters.pop_front();
                m_level += p->m_amount;
                p->complete();
                moved = true;
            }
        }
    }

    Simulation* m_sim;
    double m_capacity;
    double m_level;
    detail::IntrusiveList<GetAwaiter> m_getters;
    detail::IntrusiveList<PutAwaiter> m_putters;
};

}  // namespace kiosktwin::sim
