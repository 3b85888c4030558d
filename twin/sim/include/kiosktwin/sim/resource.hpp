// A resource with a number of identical slots (kiosks at a site, helpers on a
// floor): processes acquire a slot, hold it, and release it.
//
//     auto slot = co_await kiosks.acquire({.patience = 10min, .balk_at_queue_length = 8});
//     if (!slot) co_return slot.status() == sim::GrantStatus::balked ? Outcome::balked : Outcome::reneged;
//     co_await sim.delay(service);
//     // the slot is released when `slot` goes out of scope (or slot.release())
//
// Waiting requests are served FIFO, LIFO or by priority (lower number first,
// FIFO among equals). A request may carry patience (it reneges when that
// runs out), balk when the queue is already long, and be rejected when the
// waiting room is full. On a preemptive resource an urgent request takes the
// slot of the least urgent holder, whose process is interrupted with a
// Preempted cause. A released slot goes straight to the next waiter (no
// separate grant event), which resumes at the same instant.
#pragma once

#include <kiosktwin/sim/detail/intrusive_list.hpp>
#include <kiosktwin/sim/simulation.hpp>
#include <kiosktwin/sim/stats.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>

namespace kiosktwin::sim {

class Resource;

enum class QueueDiscipline : std::uint8_t {
    fifo,      ///< first come, first served
    lifo,      ///< last come, first served
    priority,  ///< lowest priority number first; FIFO among equals
};

/// How a resource is built.
struct ResourceOptions {
    std::size_t capacity = 1;
    QueueDiscipline discipline = QueueDiscipline::fifo;
    /// A request more urgent than some holder takes that holder's slot.
    bool preemptive = false;
    /// Most requests that may wait; further ones are rejected.
    std::size_t queue_limit = std::numeric_limits<std::size_t>::max();
};

/// One acquire() call's terms.
struct Request {
    /// Lower is more urgent (priority discipline and preemption).
    int priority = 0;
    /// Longest wait before reneging; none = wait as long as it takes.
    std::optional<Duration> patience{};
    /// Balk (leave without joining) if at least this many are already waiting.
    std::optional<std::size_t> balk_at_queue_length{};
    /// On a preemptive resource, whether this request may preempt a holder.
    bool may_preempt = true;
};

enum class GrantStatus : std::uint8_t {
    granted,    ///< holds a slot
    released,   ///< held one and gave it back (or was moved from)
    reneged,    ///< waited, lost patience, left
    balked,     ///< saw the queue, did not join
    rejected,   ///< the waiting room was full
    preempted,  ///< held one and lost it to a more urgent request
};

/// The interrupt cause a preempted holder receives.
struct Preempted {
    const Resource* resource;
    Time held_since;
    int by_priority;
};

/// The outcome of acquire(): a held slot (true in a boolean context) or the
/// reason there is none. Releases its slot when destroyed.
class [[nodiscard]] Grant : private detail::ListHook {
public:
    Grant() noexcept = default;
    Grant(Grant&& o) noexcept;
    Grant& operator=(Grant&& o) noexcept;
    ~Grant() { release(); }

    explicit operator bool() const noexcept { return m_status == GrantStatus::granted; }
    GrantStatus status() const noexcept { return m_status; }
    /// Time spent waiting for the slot (or before reneging).
    Duration waited() const noexcept { return m_waited; }
    /// When the slot was granted.
    Time held_since() const noexcept { return m_since; }
    /// Gives the slot back now; a no-op unless granted.
    void release() noexcept;

private:
    friend class Resource;
    friend class AcquireAwaiter;
    template <class T>
    friend class detail::IntrusiveList;

    Resource* m_res = nullptr;
    PromiseBase* m_owner = nullptr;  // the holding process (root frame), for preemption
    Time m_since{};
    Duration m_waited{};
    int m_priority = 0;
    GrantStatus m_status = GrantStatus::released;
};

/// Awaitable returned by Resource::acquire().
class AcquireAwaiter : public WaitBase, private detail::ListHook {
public:
    AcquireAwaiter(Resource& r, Request req) noexcept;
    AcquireAwaiter(const AcquireAwaiter&) = delete;
    ~AcquireAwaiter();

    // The decision is taken in await_suspend, where the acquiring process is
    // known (a preemptive resource must know whom to interrupt); returning
    // false there resumes at once, without a trip through the event queue.
    bool await_ready() const noexcept { return false; }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
        static_assert(std::is_base_of_v<PromiseBase, P>, "co_await acquire() inside a sim::Process");
        m_promise = &h.promise();
        return suspend();
    }
    Grant await_resume();

private:
    friend class Resource;
    template <class T>
    friend class detail::IntrusiveList;
    static void cancel(WaitBase& w) noexcept;
    bool suspend();

    Resource* m_res;
    PromiseBase* m_promise = nullptr;
    Request m_req;
    Time m_enqueued{};
    Grant m_grant;
};

class Resource {
public:
    Resource(Simulation& sim, std::size_t capacity, QueueDiscipline discipline = QueueDiscipline::fifo);
    Resource(Simulation& sim, ResourceOptions options);
    Resource(const Resource&) = delete;
    Resource& operator=(const Resource&) = delete;
    ~Resource();

    /// co_await res.acquire(request) → Grant.
    AcquireAwaiter acquire(Request request = {}) noexcept { return AcquireAwaiter{*this, request}; }

    Simulation& sim() const noexcept { return *m_sim; }
    std::size_t capacity() const noexcept { return m_capacity; }
    std::size_t in_use() const noexcept { return m_in_use; }
    std::size_t queue_length() const noexcept { return m_waiting; }
    std::size_t available() const noexcept { return m_in_use < m_capacity ? m_capacity - m_in_use : 0; }
    const ResourceOptions& options() const noexcept { return m_options; }

    /// Changes the number of slots (a kiosk breaks down or comes back). Holders
    /// beyond a reduced capacity keep their slots until they release them.
    void set_capacity(std::size_t capacity);

    // --- built-in monitors (since construction or the last reset_statistics) --
    /// Busy slots over available slots, time-weighted (0..1).
    double utilisation() const;
    /// Time-weighted mean number of busy slots.
    double mean_in_use() const { return m_busy.mean(m_sim->now()); }
    /// Time-weighted mean number waiting.
    double mean_queue_length() const { return m_queued.mean(m_sim->now()); }
    /// Most waiting at once.
    std::size_t max_queue_length() const { return static_cast<std::size_t>(m_queued.max()); }
    std::uint64_t grants() const noexcept { return m_grants; }
    std::uint64_t reneges() const noexcept { return m_reneges; }
    std::uint64_t balks() const noexcept { return m_balks; }
    std::uint64_t rejections() const noexcept { return m_rejections; }
    std::uint64_t preemptions() const noexcept { return m_preemptions; }
    /// Restarts the monitors at the current time (warm-up deletion).
    void reset_statistics();

private:
    friend class Grant;
    friend class AcquireAwaiter;

    bool try_grant_now(AcquireAwaiter& a);
    void enqueue(AcquireAwaiter& a);
    void withdraw(AcquireAwaiter& a) noexcept;
    void grant(Grant& g, PromiseBase* owner, int priority);
    void on_release() noexcept;
    void dispatch() noexcept;
    Grant* preemption_victim(int priority) noexcept;
    void set_in_use(std::size_t n);
    void set_waiting(std::size_t n);

    Simulation* m_sim;
    ResourceOptions m_options;
    std::size_t m_capacity;
    std::size_t m_in_use = 0;
    std::size_t m_waiting = 0;
    detail::IntrusiveList<AcquireAwaiter> m_queue;
    detail::IntrusiveList<Grant> m_holders;
    TimeWeighted m_busy;
    TimeWeighted m_queued;
    TimeWeighted m_slots;
    std::uint64_t m_grants = 0;
    std::uint64_t m_reneges = 0;
    std::uint64_t m_balks = 0;
    std::uint64_t m_rejections = 0;
    std::uint64_t m_preemptions = 0;
};

}  // namespace kiosktwin::sim
