// The discrete-event world: a virtual clock, the event queue, named random
// streams, and processes written as C++20 coroutines.
//
//     sim::Process<Outcome> visit(Hall& hall, Citizen c) {
//         auto slot = co_await hall.kiosks.acquire({.patience = c.patience});
//         if (!slot) co_return Outcome::reneged;
//         co_await hall.sim.delay(c.service_time);
//         co_return Outcome::served;
//     }
//     ...
//     sim.spawn(visit(hall, c));     // runs "now", after what is already due now
//     sim.run_until(sim.now() + 24h);
//
// Time passes only through co_await. A process may
//   * co_await sim.delay(d)               — let d of virtual time pass;
//   * co_await other_process(args...)     — run a sub-process to completion and
//                                            take its result (like a call);
//   * co_await handle                     — join a spawned process;
//   * co_await event / resource.acquire() / store.get() / any_of(...) / all_of(...).
//
// Every suspension point can be interrupted (ProcessHandle::interrupt): the
// wait is withdrawn cleanly and sim::Interrupt is thrown at the co_await.
// A process frame is freed as soon as the process has ended and nobody holds
// a handle to it; frames still alive when the Simulation is destroyed are
// destroyed by it (their local objects' destructors run, in no promised order).
#pragma once

#include <kiosktwin/sim/calendar.hpp>
#include <kiosktwin/sim/detail/intrusive_list.hpp>
#include <kiosktwin/sim/event_queue.hpp>
#include <kiosktwin/sim/frame_pool.hpp>
#include <kiosktwin/sim/random.hpp>
#include <kiosktwin/sim/time.hpp>

#include <any>
#include <cassert>
#include <coroutine>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>

namespace kiosktwin::sim {

class Simulation;
class PromiseBase;
template <class T>
class Promise;
template <class T>
class ProcessHandle;

/// Thrown at a process's suspension point when another party interrupts it.
class Interrupt : public std::exception {
public:
    explicit Interrupt(std::any cause) : m_cause(std::move(cause)) {}
    /// What the interrupter passed (may be empty).
    const std::any& cause() const noexcept { return m_cause; }
    /// The cause as a C, or nullptr if it is something else.
    template <class C>
    const C* cause_as() const noexcept {
        return std::any_cast<C>(&m_cause);
    }
    const char* what() const noexcept override { return "process interrupted"; }

private:
    std::any m_cause;
};

/// Something a suspended frame waits on, told to withdraw the wait when the
/// process is interrupted. Awaiters derive from it.
class WaitBase {
public:
    using CancelFn = void (*)(WaitBase&) noexcept;
    explicit WaitBase(CancelFn cancel) noexcept : m_cancel(cancel) {}
    void cancel_wait() noexcept { m_cancel(*this); }

protected:
    ~WaitBase() = default;

private:
    CancelFn m_cancel;
};

/// An intrusive entry in the waiter list of a Trigger.
class WaitNode : public detail::ListHook {
public:
    using NotifyFn = void (*)(WaitNode&) noexcept;
    explicit WaitNode(NotifyFn notify) noexcept : m_notify(notify) {}
    void notify() noexcept { m_notify(*this); }

private:
    NotifyFn m_notify;
};

/// A one-shot occurrence that processes can wait for: an Event's success, a
/// process's completion. Waiters are notified in the order they started waiting.
class Trigger {
public:
    Trigger() = default;
    Trigger(const Trigger&) = delete;
    Trigger& operator=(const Trigger&) = delete;

    bool triggered() const noexcept { return m_triggered; }
    /// Adds a waiter; the trigger must not have fired yet.
    void add_waiter(WaitNode& n) noexcept {
        assert(!m_triggered);
        m_waiters.push_back(n);
    }

protected:
    ~Trigger() = default;
    void fire() noexcept {
        m_triggered = true;
        while (WaitNode* n = m_waiters.pop_front()) n->notify();
    }
    void rearm() noexcept { m_triggered = false; }

private:
    detail::IntrusiveList<WaitNode> m_waiters;
    bool m_triggered = false;
};

/// The part of every process coroutine's promise that the kernel works with.
/// A promise is also the event that resumes its frame ("wake").
class PromiseBase : public EventNode {
public:
    PromiseBase(const PromiseBase&) = delete;
    PromiseBase& operator=(const PromiseBase&) = delete;

    Simulation& sim() const noexcept { return *m_sim; }

    // --- for awaiters -----------------------------------------------------
    /// Whether an interrupt waits to be delivered at the next suspension point.
    bool interrupt_pending() const noexcept { return m_interrupt != nullptr; }
    /// Called from await_suspend: records what the frame waits on. Returns
    /// false (do not suspend) if an interrupt is already pending.
    bool begin_wait(WaitBase& w) noexcept {
        if (m_interrupt) return false;
        m_waiting = &w;
        return true;
    }
    /// Called from await_resume, after the awaiter has tidied up: throws
    /// Interrupt if the wait ended because of one.
    void end_wait() {
        m_waiting = nullptr;
        if (m_interrupt) [[unlikely]]
            throw_interrupt();
    }
    /// Schedules this frame to resume at `t` (cancelling any earlier wake).
    void wake_at(Time t);
    /// Schedules this frame to resume now, after what is already due now.
    void wake_now();
    /// Cancels a scheduled wake.
    void cancel_wake() noexcept;
    /// The frame at the top of this frame's await chain: the spawned process.
    PromiseBase& root() const noexcept { return *m_root; }

protected:
    PromiseBase() noexcept : EventNode(&resume_frame) {}
    ~PromiseBase();

    void record_exception() noexcept { m_exception = std::current_exception(); }
    [[noreturn]] void throw_interrupt();

private:
    friend class Simulation;
    template <class T>
    friend class Promise;
    template <class T>
    friend class SubprocessAwaiter;
    template <class T>
    friend class ProcessHandle;

    enum class State : std::uint8_t { created, running, done };

    // A spawned process's bookkeeping: its place in the simulation's list of
    // frames, its completion, and how many handles refer to it. Embedded (not
    // allocated) so that spawning costs no allocation beyond the pooled frame.
    struct RootState : detail::ListHook, Trigger {
        PromiseBase* owner = nullptr;
        std::uint32_t refs = 0;
        void complete() noexcept { fire(); }
    };
    static void resume_frame(EventNode& n);

    Simulation* m_sim = nullptr;
    PromiseBase* m_root = this;
    PromiseBase* m_leaf = this;  // meaningful on the root: innermost active frame
    WaitBase* m_waiting = nullptr;
    std::coroutine_handle<> m_continuation;  // the awaiting frame of a sub-process
    std::coroutine_handle<> m_self;          // this frame
    std::unique_ptr<std::any> m_interrupt;   // a pending interrupt's cause
    std::exception_ptr m_exception;
    RootState m_root_state;                  // used by spawned processes only
    State m_state = State::created;
};

/// Options for a Simulation.
struct SimulationOptions {
    /// Master seed: every named random stream derives from it.
    std::uint64_t seed = 1;
    /// Maps virtual time to civil time (default: 2026-06-01T00:00+08:00).
    Calendar calendar{};
};

template <class T = void>
class Process;

/// Awaitable returned by Simulation::delay / delay_until.
class DelayAwaiter : public WaitBase {
public:
    DelayAwaiter(Time until) noexcept : WaitBase(&cancel), m_until(until) {}
    bool await_ready() const noexcept { return false; }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) {
        static_assert(std::is_base_of_v<PromiseBase, P>, "co_await sim.delay() inside a sim::Process");
        m_promise = &h.promise();
        if (!m_promise->begin_wait(*this)) return false;
        m_promise->wake_at(m_until);
        return true;
    }
    void await_resume() { m_promise->end_wait(); }

private:
    static void cancel(WaitBase&) noexcept {}  // the interrupter reschedules the wake itself
    Time m_until;
    PromiseBase* m_promise = nullptr;
};

/// The discrete-event world. Single-threaded; deterministic for a given seed
/// and input order.
class Simulation {
public:
    Simulation() : Simulation(SimulationOptions{}) {}
    explicit Simulation(SimulationOptions options);
    ~Simulation();
    Simulation(const Simulation&) = delete;
    Simulation& operator=(const Simulation&) = delete;

    /// The current virtual time.
    Time now() const noexcept { return m_queue.now(); }
    const Calendar& calendar() const noexcept { return m_calendar; }
    /// The master seed every random stream derives from.
    std::uint64_t seed() const noexcept { return m_streams.master_seed(); }
    /// The named random stream (created on first use; stable for the sim's life).
    Rng& rng(std::string_view stream) { return m_streams.stream(stream); }
    RandomStreams& random_streams() noexcept { return m_streams; }

    /// Starts a process: it runs at the current time, after everything
    /// already due now. Keep the handle to join, interrupt or read the
    /// result; drop it to let the process run detached.
    template <class T>
    ProcessHandle<T> spawn(Process<T>&& process);

    /// co_await sim.delay(d): lets d of virtual time pass (d <= 0 still yields).
    DelayAwaiter delay(Duration d) const noexcept { return DelayAwaiter{now() + (d.count() > 0 ? d : Duration::zero())}; }
    /// co_await sim.delay_until(t): resumes at t (or now, if t is past).
    DelayAwaiter delay_until(Time t) const noexcept { return DelayAwaiter{t}; }

    /// Runs until no event is left (or stop() is called).
    void run();
    /// Runs every event due at or before t, then sets the clock to t
    /// (unless stop() was called first).
    void run_until(Time t);
    void run_for(Duration d) { run_until(now() + d); }
    /// Runs one event. Returns false if there was none.
    bool step();
    /// Makes the current run()/run_until() return after the current event.
    void stop() noexcept { m_stop = true; }

    /// Time of the next event, or end_of_time if none is scheduled.
    Time next_event_time() const noexcept { return m_queue.next_time(); }
    /// Events fired so far.
    std::uint64_t events_processed() const noexcept { return m_events; }
    /// Events waiting in the queue.
    std::size_t pending_events() const noexcept { return m_queue.size(); }
    /// Spawned processes that have not ended.
    std::size_t live_processes() const noexcept { return m_running; }

    // --- low level: hosts and kernel objects schedule their own nodes ---------
    void schedule(EventNode& node, Time when) { m_queue.schedule(node, when); }
    void cancel(EventNode& node) noexcept { m_queue.cancel(node); }
    /// True while the destructor tears the world down.
    bool tearing_down() const noexcept { return m_tearing_down; }
    /// Interrupts the spawned process whose root frame is `process` (see
    /// ProcessHandle::interrupt). Kernel objects use it, e.g. for preemption.
    static bool interrupt(PromiseBase& process, std::any cause);

private:
    friend class PromiseBase;
    template <class T>
    friend class ProcessHandle;
    template <class T>
    friend class Promise;

    void adopt(PromiseBase& root);
    /// A spawned process ended. Returns true if its frame can be destroyed now.
    bool on_root_finished(PromiseBase& root) noexcept;
    void release_root(PromiseBase& root) noexcept;
    void rethrow_unhandled();

    EventQueue m_queue;
    Calendar m_calendar;
    RandomStreams m_streams;
    detail::IntrusiveList<PromiseBase::RootState> m_roots;  // every spawned frame still allocated
    std::size_t m_running = 0;
    std::uint64_t m_events = 0;
    std::exception_ptr m_unhandled;
    bool m_stop = false;
    bool m_tearing_down = false;
};

inline void PromiseBase::wake_at(Time t) {
    if (scheduled()) m_sim->cancel(*this);
    m_sim->schedule(*this, t);
}
inline void PromiseBase::wake_now() { wake_at(m_sim->now()); }
inline void PromiseBase::cancel_wake() noexcept {
    if (scheduled()) m_sim->cancel(*this);
}

inline void PromiseBase::resume_frame(EventNode& n) {
    PromiseBase& p = static_cast<PromiseBase&>(n);
    p.m_state = State::running;
    p.m_self.resume();
}

namespace detail {

/// The common half of every awaiter that waits for one Trigger (an Event,
/// a process's completion): suspend unless it has fired, wake when it does,
/// leave its waiter list when interrupted or destroyed.
class TriggerWait : public WaitBase {
public:
    explicit TriggerWait(const Trigger& t) noexcept : WaitBase(&cancel), m_trigger(const_cast<Trigger&>(t)) {}
    TriggerWait(const TriggerWait&) = delete;
    bool await_ready() const noexcept { return m_trigger.triggered(); }
    template <class P>
    bool await_suspend(std::coroutine_handle<P> h) noexcept {
        static_assert(std::is_base_of_v<PromiseBase, P>, "co_await inside a sim::Process");
        m_node.promise = &h.promise();
        if (!m_node.promise->begin_wait(*this)) return false;
        m_trigger.add_waiter(m_node);
        return true;
    }

protected:
    /// For await_resume: stops waiting and delivers a pending interrupt.
    void finish() {
        m_node.unlink();
        if (m_node.promise != nullptr) m_node.promise->end_wait();
    }

private:
    struct Node : WaitNode {
        Node() noexcept : WaitNode(&notify_fn) {}
        static void notify_fn(WaitNode& n) noexcept { static_cast<Node&>(n).promise->wake_now(); }
        PromiseBase* promise = nullptr;
    };
    static void cancel(WaitBase& w) noexcept { static_cast<TriggerWait&>(w).m_node.unlink(); }
    Trigger& m_trigger;
    Node m_node;
};

template <class T>
class PromiseValue {
public:
    template <class U = T>
    void return_value(U&& v) noexcept(std::is_nothrow_constructible_v<T, U&&>) {
        m_value.emplace(std::forward<U>(v));
    }
    std::optional<T> m_value;
};
template <>
class PromiseValue<void> {
public:
    void return_void() noexcept {}
};
}  // namespace detail

/// The promise of a sim::Process<T> coroutine.
template <class T>
class Promise final : public PromiseBase, public detail::PromiseValue<T> {
public:
    using Handle = std::coroutine_handle<Promise>;

    Promise() noexcept { m_self = Handle::from_promise(*this); }

    Process<T> get_return_object() noexcept;
    std::suspend_always initial_suspend() const noexcept { return {}; }

    struct FinalAwaiter {
        bool await_ready() const noexcept { return false; }
        std::coroutine_handle<> await_suspend(Handle h) noexcept {
            Promise& p = h.promise();
            p.m_state = State::done;
            if (p.m_continuation) return p.m_continuation;  // back to the awaiting frame
            if (p.m_sim->on_root_finished(p)) h.destroy();
            return std::noop_coroutine();
        }
        void await_resume() const noexcept {}
    };
    FinalAwaiter final_suspend() const noexcept { return {}; }
    void unhandled_exception() noexcept { record_exception(); }

    static void* operator new(std::size_t n) { return detail::allocate_frame(n); }
    static void operator delete(void* p, std::size_t n) noexcept { detail::deallocate_frame(p, n); }

private:
    template <class U>
    friend class Process;
    template <class U>
    friend class ProcessHandle;
    template <class U>
    friend class SubprocessAwaiter;
    friend class Simulation;
};

/// Awaiting a Process directly runs it as a sub-process of the awaiting one:
/// it starts at once and the awaiter resumes, with its result, when it ends.
template <class T>
class SubprocessAwaiter {
public:
    explicit SubprocessAwaiter(typename Promise<T>::Handle h) noexcept : m_child(h) {}
    bool await_ready() const noexcept { return false; }
    template <class P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> parent) noexcept {
        static_assert(std::is_base_of_v<PromiseBase, P>, "co_await a sim::Process inside a sim::Process");
        PromiseBase& pp = parent.promise();
        Promise<T>& cp = m_child.promise();
        m_parent = &pp;
        cp.m_sim = pp.m_sim;
        cp.m_root = pp.m_root;
        cp.m_continuation = parent;
        cp.m_interrupt = std::move(pp.m_interrupt);  // a pending interrupt follows the thread of control
        cp.m_state = PromiseBase::State::running;
        pp.m_root->m_leaf = &cp;
        return m_child;
    }
    T await_resume() {
        Promise<T>& cp = m_child.promise();
        m_parent->m_root->m_leaf = m_parent;
        if (cp.m_interrupt) m_parent->m_interrupt = std::move(cp.m_interrupt);
        if (cp.m_exception) std::rethrow_exception(cp.m_exception);
        if constexpr (!std::is_void_v<T>) return std::move(*cp.m_value);
    }

private:
    typename Promise<T>::Handle m_child;
    PromiseBase* m_parent = nullptr;
};

/// A process: the return type of every simulation coroutine. It owns its frame
/// until it is spawned (Simulation::spawn) or awaited as a sub-process.
template <class T>
class [[nodiscard]] Process {
public:
    using promise_type = Promise<T>;
    using value_type = T;

    Process(Process&& o) noexcept : m_h(std::exchange(o.m_h, {})) {}
    Process& operator=(Process&& o) noexcept {
        if (this != &o) {
            reset();
            m_h = std::exchange(o.m_h, {});
        }
        return *this;
    }
    ~Process() { reset(); }

    /// Runs the process as a sub-process of the awaiting one.
    SubprocessAwaiter<T> operator co_await() && noexcept { return SubprocessAwaiter<T>{m_h}; }

private:
    friend class Promise<T>;
    friend class Simulation;
    explicit Process(typename Promise<T>::Handle h) noexcept : m_h(h) {}
    void reset() noexcept {
        if (m_h) std::exchange(m_h, {}).destroy();
    }
    typename Promise<T>::Handle m_h;
};

template <class T>
Process<T> Promise<T>::get_return_object() noexcept {
    return Process<T>{Handle::from_promise(*this)};
}

/// A counted reference to a spawned process: join it (co_await handle), read
/// its result, interrupt it, or wait for it in any_of/all_of. Handles must not
/// outlive their Simulation.
template <class T = void>
class ProcessHandle {
public:
    ProcessHandle() noexcept = default;
    ProcessHandle(const ProcessHandle& o) noexcept : m_p(o.m_p) { retain(); }
    ProcessHandle(ProcessHandle&& o) noexcept : m_p(std::exchange(o.m_p, nullptr)) {}
    ProcessHandle& operator=(ProcessHandle o) noexcept {
        std::swap(m_p, o.m_p);
        return *this;
    }
    ~ProcessHandle() { drop(); }

    bool valid() const noexcept { return m_p != nullptr; }
    /// Whether the process has ended (returned, failed or was interrupted to its end).
    bool done() const noexcept { return m_p->m_state == PromiseBase::State::done; }
    /// Whether it ended by an exception (including an uncaught Interrupt).
    bool failed() const noexcept { return done() && m_p->m_exception != nullptr; }

    /// Interrupts the process at its current (or next) suspension point:
    /// sim::Interrupt carrying `cause` is thrown there. Returns false if the
    /// process has ended or an interrupt is already pending.
    bool interrupt(std::any cause = {}) { return Simulation::interrupt(*m_p, std::move(cause)); }

    /// The result of an ended process; rethrows what it failed with.
    T result() const {
        assert(done());
        if (m_p->m_exception) std::rethrow_exception(m_p->m_exception);
        if constexpr (!std::is_void_v<T>) return *m_p->m_value;
    }

    /// The process's completion, to wait for it in any_of / all_of.
    Trigger& completion() const noexcept { return m_p->m_root_state; }

    class JoinAwaiter : public detail::TriggerWait {
    public:
        explicit JoinAwaiter(const ProcessHandle& h) noexcept : TriggerWait(h.completion()), m_h(h) {}
        T await_resume() {
            finish();
            return m_h.result();
        }

    private:
        const ProcessHandle& m_h;
    };
    /// co_await handle: waits for the process to end; returns its result.
    JoinAwaiter operator co_await() const& noexcept { return JoinAwaiter{*this}; }

private:
    friend class Simulation;
    explicit ProcessHandle(Promise<T>* p) noexcept : m_p(p) { retain(); }
    void retain() noexcept {
        if (m_p) ++m_p->m_root_state.refs;
    }
    void drop() noexcept {
        if (m_p == nullptr) return;
        Promise<T>* p = std::exchange(m_p, nullptr);
        if (p->m_sim->tearing_down()) return;  // the simulation is destroying frames itself
        if (--p->m_root_state.refs == 0 && p->m_state == PromiseBase::State::done)
            p->m_sim->release_root(*p);
    }
    Promise<T>* m_p = nullptr;
};

template <class T>
ProcessHandle<T> Simulation::spawn(Process<T>&& process) {
    typename Promise<T>::Handle h = std::exchange(process.m_h, {});
    assert(h && "spawn() needs a process that has not been spawned or awaited");
    adopt(h.promise());
    return ProcessHandle<T>{&h.promise()};
}

}  // namespace kiosktwin::sim
