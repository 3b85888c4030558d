// A callback at a virtual time, for code that is not a process: the host of a
// sans-I/O device model asks "wake me at next_wakeup()", a pacer stops a run.
//
//     sim::Timer t(sim, [&] { printer.on_wakeup(sim.now()); });
//     t.schedule_at(printer.next_wakeup());
//
// A Timer is owned by its user, must not outlive its Simulation, and cancels
// itself when destroyed. Rescheduling replaces the pending time.
#pragma once

#include <kiosktwin/sim/event_queue.hpp>
#include <kiosktwin/sim/simulation.hpp>

#include <functional>
#include <utility>

namespace kiosktwin::sim {

class Timer : private EventNode {
public:
    Timer(Simulation& sim, std::function<void()> on_fire)
        : EventNode(&fire_fn), m_sim(&sim), m_on_fire(std::move(on_fire)) {}
    Timer(const Timer&) = delete;
    Timer& operator=(const Timer&) = delete;
    ~Timer() { cancel(); }

    /// Fires at `t` (now, after what is already due, if t is past).
    void schedule_at(Time t) {
        cancel();
        m_sim->schedule(*this, t);
    }
    void schedule_in(Duration d) { schedule_at(m_sim->now() + d); }
    void cancel() noexcept {
        if (EventNode::scheduled()) m_sim->cancel(*this);
    }
    bool pending() const noexcept { return EventNode::scheduled(); }
    /// When it fires; meaningful only while pending().
    Time due() const noexcept { return EventNode::due(); }

private:
    static void fire_fn(EventNode& n) { static_cast<Timer&>(n).m_on_fire(); }
    Simulation* m_sim;
    std::function<void()> m_on_fire;
};

}  // namespace kiosktwin::sim
