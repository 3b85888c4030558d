#include <kiosktwin/sim/simulation.hpp>

namespace kiosktwin::sim {

PromiseBase::~PromiseBase() {
    if (scheduled()) m_sim->cancel(*this);
}

void PromiseBase::throw_interrupt() {
    std::any cause = std::move(*m_interrupt);
    m_interrupt.reset();
    throw Interrupt(std::move(cause));
}

Simulation::Simulation(SimulationOptions options)
    : m_calendar(options.calendar), m_streams(options.seed) {}

Simulation::~Simulation() {
    // Frames still alive are destroyed here; their local objects (grants,
    // awaiters) detach themselves from resources and triggers as they go.
    m_tearing_down = true;
    m_queue.clear();
    while (PromiseBase::RootState* r = m_roots.pop_front()) r->owner->m_self.destroy();
}

void Simulation::adopt(PromiseBase& root) {
    root.m_sim = this;
    root.m_root = &root;
    root.m_leaf = &root;
    root.m_root_state.owner = &root;
    m_roots.push_back(root.m_root_state);
    ++m_running;
    m_queue.schedule(root, now());
}

bool Simulation::on_root_finished(PromiseBase& root) noexcept {
    --m_running;
    PromiseBase::RootState& rs = root.m_root_state;
    if (root.m_exception && rs.refs == 0) {
        // Nobody can observe this failure later: an uncaught Interrupt simply
        // ends the process; anything else stops the run.
        try {
            std::rethrow_exception(root.m_exception);
        } catch (const Interrupt&) {
        } catch (...) {
            if (!m_unhandled) m_unhandled = root.m_exception;
        }
    }
    rs.complete();
    if (rs.refs != 0) return false;
    rs.unlink();
    return true;
}

void Simulation::release_root(PromiseBase& root) noexcept {
    root.m_root_state.unlink();
    root.m_self.destroy();
}

bool Simulation::interrupt(PromiseBase& root, std::any cause) {
    if (root.m_state == PromiseBase::State::done) return false;
    PromiseBase& leaf = *root.m_leaf;
    if (leaf.m_interrupt) return false;
    leaf.m_interrupt = std::make_unique<std::any>(std::move(cause));
    if (leaf.m_waiting != nullptr) {
        leaf.m_waiting->cancel_wait();
        leaf.wake_now();
    }
    // Otherwise the process has not started yet or is the one running now:
    // the interrupt is delivered at its next suspension point.
    return true;
}

void Simulation::rethrow_unhandled() {
    std::exception_ptr e = std::exchange(m_unhandled, nullptr);
    std::rethrow_exception(e);
}

void Simulation::run() {
    m_stop = false;
    while (!m_stop) {
        EventNode* n = m_queue.pop_due(end_of_time);
        if (n == nullptr) break;
        ++m_events;
        EventQueue::fire(*n);
        if (m_unhandled) [[unlikely]]
            rethrow_unhandled();
    }
}

void Simulation::run_until(Time t) {
    m_stop = false;
    while (!m_stop) {
        EventNode* n = m_queue.pop_due(t);
        if (n == nullptr) {
            m_queue.advance_to(t);
            return;
        }
        ++m_events;
        EventQueue::fire(*n);
        if (m_unhandled) [[unlikely]]
            rethrow_unhandled();
    }
}

bool Simulation::step() {
    EventNode* n = m_queue.pop_due(end_of_time);
    if (n == nullptr) return false;
    ++m_events;
    EventQueue::fire(*n);
    if (m_unhandled) [[unlikely]]
        rethrow_unhandled();
    return true;
}

}  // namespace kiosktwin::sim
