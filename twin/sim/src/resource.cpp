#include <kiosktwin/sim/resource.hpp>

#include <cassert>
#include <stdexcept>
#include <utility>

namespace kiosktwin::sim {

// --- Grant -------------------------------------------------------------------

Grant::Grant(Grant&& o) noexcept
    : m_res(std::exchange(o.m_res, nullptr)),
      m_owner(o.m_owner),
      m_since(o.m_since),
      m_waited(o.m_waited),
      m_priority(o.m_priority),
      m_status(std::exchange(o.m_status, GrantStatus::released)) {
    take_place_of(o);
}

Grant& Grant::operator=(Grant&& o) noexcept {
    if (this != &o) {
        release();
        unlink();
        m_res = std::exchange(o.m_res, nullptr);
        m_owner = o.m_owner;
        m_since = o.m_since;
        m_waited = o.m_waited;
        m_priority = o.m_priority;
        m_status = std::exchange(o.m_status, GrantStatus::released);
        take_place_of(o);
    }
    return *this;
}

void Grant::release() noexcept {
    if (m_status != GrantStatus::granted) return;
    m_status = GrantStatus::released;
    unlink();
    if (Resource* r = std::exchange(m_res, nullptr)) r->on_release();
}

// --- AcquireAwaiter -------------------------------------------------------------

AcquireAwaiter::AcquireAwaiter(Resource& r, Request req) noexcept
    : WaitBase(&cancel), m_res(&r), m_req(req) {}

AcquireAwaiter::~AcquireAwaiter() {
    if (linked() && m_res != nullptr) m_res->withdraw(*this);
}

bool AcquireAwaiter::suspend() {
    m_enqueued = m_res->sim().now();
    m_grant.m_owner = &m_promise->root();  // preemption interrupts the whole process
    if (m_promise->interrupt_pending()) return false;
    if (m_res->try_grant_now(*this)) return false;
    m_promise->begin_wait(*this);
    m_res->enqueue(*this);
    if (m_req.patience) m_promise->wake_at(m_enqueued + *m_req.patience);
    return true;
}

void AcquireAwaiter::cancel(WaitBase& w) noexcept {
    // Interrupted: leave the queue. A slot granted in the meantime is given
    // back by m_grant's destructor once await_resume has thrown.
    auto& a = static_cast<AcquireAwaiter&>(w);
    if (a.linked() && a.m_res != nullptr) a.m_res->withdraw(a);
}

Grant AcquireAwaiter::await_resume() {
    if (linked()) {
        // Still queued when resumed: patience ran out.
        m_res->withdraw(*this);
        ++m_res->m_reneges;
        m_grant.m_status = GrantStatus::reneged;
    } else if (m_grant.m_status == GrantStatus::released && m_res == nullptr) {
        m_grant.m_status = GrantStatus::reneged;  // the resource went away while we waited
    }
    m_grant.m_waited = m_promise->sim().now() - m_enqueued;
    m_promise->end_wait();
    return std::move(m_grant);
}

// --- Resource --------------------------------------------------------------------

Resource::Resource(Simulation& sim, std::size_t capacity, QueueDiscipline discipline)
    : Resource(sim, ResourceOptions{capacity, discipline, false,
                                    std::numeric_limits<std::size_t>::max()}) {}

Resource::Resource(Simulation& sim, ResourceOptions options)
    : m_sim(&sim),
      m_options(options),
      m_capacity(options.capacity),
      m_busy(sim.now(), 0.0),
      m_queued(sim.now(), 0.0),
      m_slots(sim.now(), static_cast<double>(options.capacity)) {}

Resource::~Resource() {
    // Frames that still wait or hold a slot outlive us only at teardown;
    // detach them so their destructors do not reach back.
    while (AcquireAwaiter* a = m_queue.pop_front()) a->m_res = nullptr;
    while (Grant* g = m_holders.pop_front()) g->m_res = nullptr;
}

bool Resource::try_grant_now(AcquireAwaiter& a) {
    Grant& g = a.m_grant;
    if (m_in_use < m_capacity && m_waiting == 0) {
        grant(g, g.m_owner, a.m_req.priority);
        return true;
    }
    if (m_options.preemptive && a.m_req.may_preempt) {
        if (Grant* victim = preemption_victim(a.m_req.priority)) {
            PromiseBase* owner = victim->m_owner;
            const Time since = victim->m_since;
            victim->unlink();
            victim->m_res = nullptr;
            victim->m_status = GrantStatus::preempted;
            ++m_preemptions;
            --m_in_use;  // the slot passes straight to the new holder
            grant(g, g.m_owner, a.m_req.priority);
            if (owner != nullptr) Simulation::interrupt(*owner, Preempted{this, since, a.m_req.priority});
            return true;
        }
    }
    if (m_waiting >= m_options.queue_limit) {
        g.m_status = GrantStatus::rejected;
        ++m_rejections;
        return true;
    }
    if (a.m_req.balk_at_queue_length && m_waiting >= *a.m_req.balk_at_queue_length) {
        g.m_status = GrantStatus::balked;
        ++m_balks;
        return true;
    }
    if (a.m_req.patience && a.m_req.patience->count() <= 0) {
        g.m_status = GrantStatus::reneged;
        ++m_reneges;
        return true;
    }
    return false;
}

void Resource::grant(Grant& g, PromiseBase* owner, int priority) {
    g.m_res = this;
    g.m_owner = owner;
    g.m_priority = priority;
    g.m_since = m_sim->now();
    g.m_status = GrantStatus::granted;
    m_holders.push_back(g);
    ++m_grants;
    set_in_use(m_in_use + 1);
}

void Resource::enqueue(AcquireAwaiter& a) {
    switch (m_options.discipline) {
    case QueueDiscipline::fifo:
        m_queue.push_back(a);
        break;
    case QueueDiscipline::lifo:
        m_queue.push_front(a);
        break;
    case QueueDiscipline::priority: {
        const int p = a.m_req.priority;
        AcquireAwaiter* after = m_queue.rfind_if_not([p](AcquireAwaiter& w) { return w.m_req.priority > p; });
        if (after == nullptr) m_queue.push_front(a);
        else if (AcquireAwaiter* next = m_queue.next(*after)) m_queue.insert_before(*next, a);
        else m_queue.push_back(a);
        break;
    }
    }
    set_waiting(m_waiting + 1);
}

void Resource::withdraw(AcquireAwaiter& a) noexcept {
    static_cast<detail::ListHook&>(a).unlink();
    set_waiting(m_waiting - 1);
}

void Resource::on_release() noexcept {
    set_in_use(m_in_use - 1);
    if (!m_sim->tearing_down()) dispatch();
}

void Resource::dispatch() noexcept {
    while (m_in_use < m_capacity) {
        AcquireAwaiter* a = m_queue.pop_front();
        if (a == nullptr) return;
        set_waiting(m_waiting - 1);
        PromiseBase* owner = a->m_grant.m_owner;
        grant(a->m_grant, owner, a->m_req.priority);
        a->m_promise->wake_now();  // also cancels its patience timer
    }
}

Grant* Resource::preemption_victim(int priority) noexcept {
    Grant* victim = nullptr;
    for (Grant* g = m_holders.first(); g != nullptr; g = m_holders.next(*g))
        if (g->m_priority > priority && (victim == nullptr || g->m_priority >= victim->m_priority))
            victim = g;  // least urgent; the most recent among equals
    return victim;
}

void Resource::set_capacity(std::size_t capacity) {
    m_capacity = capacity;
    m_slots.set(m_sim->now(), static_cast<double>(capacity));
    dispatch();
}

void Resource::set_in_use(std::size_t n) {
    m_in_use = n;
    m_busy.set(m_sim->now(), static_cast<double>(n));
}

void Resource::set_waiting(std::size_t n) {
    m_waiting = n;
    m_queued.set(m_sim->now(), static_cast<double>(n));
}

double Resource::utilisation() const {
    const Time now = m_sim->now();
    const double slots = m_slots.integral(now);
    return slots > 0.0 ? m_busy.integral(now) / slots : 0.0;
}

void Resource::reset_statistics() {
    const Time now = m_sim->now();
    m_busy.reset(now);
    m_queued.reset(now);
    m_slots.reset(now);
    m_grants = m_reneges = m_balks = m_rejections = m_preemptions = 0;
}

}  // namespace kiosktwin::sim
