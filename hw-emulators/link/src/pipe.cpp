#include "pipe.hpp"

#include <algorithm>
#include <cassert>

namespace kiosktwin::link::detail {

class Pipe::SlotOutput final : public StageOutput {
public:
    SlotOutput(ChunkQueue& q, PipeOutput& conn) noexcept : m_q(q), m_conn(conn) {}
    void emit(Chunk&& c) override {
        assert(m_q.empty() || m_q.back().at <= c.at);
        m_q.push_back(std::move(c));
    }
    void abort(sim::Time at, ChunkKind how) override { m_conn.abort(at, how); }

private:
    ChunkQueue& m_q;
    PipeOutput& m_conn;
};

std::size_t Pipe::find(std::uint64_t order) const noexcept {
    for (std::size_t i = 0; i < m_slots.size(); ++i)
        if (m_slots[i].stage->order() == order) return i;
    return m_slots.size();
}

bool Pipe::has_stage(std::uint64_t order) const noexcept { return find(order) < m_slots.size(); }

Stage* Pipe::stage(std::uint64_t order) noexcept {
    const std::size_t i = find(order);
    return i < m_slots.size() ? m_slots[i].stage.get() : nullptr;
}

void Pipe::feed(std::size_t i, Chunk&& c, PipeOutput& out) {
    if (i == m_slots.size()) {
        out.deliver(m_dir, std::move(c));
        return;
    }
    Slot& s = m_slots[i];
    SlotOutput so(s.out, out);
    s.stage->on_chunk(std::move(c), so);
}

void Pipe::input(Chunk&& c, PipeOutput& out) {
    const sim::Time at = c.at;
    advance(at, out);
    if (out.aborting()) return;
    feed(0, std::move(c), out);
    advance(at, out);
}

void Pipe::advance(sim::Time now, PipeOutput& out) {
    const std::size_t n = m_slots.size();
    while (!out.aborting()) {
        // The earliest due event; at equal times chunks move before deadlines
        // fire and earlier stages go first.
        sim::Time best = sim::end_of_time;
        std::size_t which = n;
        bool is_deadline = false;
        for (std::size_t i = 0; i < n; ++i) {
            const Slot& s = m_slots[i];
            if (!s.out.empty() && s.out.front().at <= now && s.out.front().at < best) {
                best = s.out.front().at;
                which = i;
                is_deadline = false;
            }
            const sim::Time deadline = s.stage->deadline();
            if (deadline <= now && deadline < best) {
                best = deadline;
                which = i;
                is_deadline = true;
            }
        }
        if (which == n) return;
        if (is_deadline) {
            Slot& s = m_slots[which];
            SlotOutput so(s.out, out);
            s.stage->on_deadline(best, so);
        } else {
            feed(which + 1, m_slots[which].out.pop_front(), out);
        }
    }
}

sim::Time Pipe::next_wakeup() const noexcept {
    sim::Time t = sim::end_of_time;
    for (const Slot& s : m_slots) {
        if (!s.out.empty()) t = std::min(t, s.out.front().at);
        t = std::min(t, s.stage->deadline());
    }
    return t;
}

void Pipe::insert(std::unique_ptr<Stage> s, sim::Time now, PipeOutput& out) {
    advance(now, out);
    const std::uint64_t order = s->order();
    const auto pos = std::find_if(m_slots.begin(), m_slots.end(),
                                  [&](const Slot& x) { return x.stage->order() > order; });
    const std::size_t i = static_cast<std::size_t>(pos - m_slots.begin());
    m_slots.insert(pos, Slot{std::move(s), {}});
    Slot& slot = m_slots[i];
    SlotOutput so(slot.out, out);
    slot.stage->on_install(now, so);
    advance(now, out);
}

bool Pipe::remove(std::uint64_t order, sim::Time now, PipeOutput& out) {
    advance(now, out);
    const std::size_t i = find(order);
    if (i == m_slots.size()) return false;
    {
        Slot& s = m_slots[i];
        SlotOutput so(s.out, out);
        s.stage->on_remove(now, so);
    }
    // Everything the stage still had is released now, into what follows it.
    ChunkQueue held = std::move(m_slots[i].out);
    m_slots.erase(m_slots.begin() + static_cast<std::ptrdiff_t>(i));
    while (!held.empty() && !out.aborting()) {
        Chunk c = held.pop_front();
        c.at = now;
        feed(i, std::move(c), out);
    }
    advance(now, out);
    return true;
}

void Pipe::update(std::uint64_t order, const ToxicParams& params) {
    const std::size_t i = find(order);
    if (i == m_slots.size()) return;
    m_slots[i].stage->update(params);
}

std::uint64_t Pipe::buffered_bytes() const noexcept {
    std::uint64_t total = 0;
    for (const Slot& s : m_slots) total += s.out.bytes() + s.stage->held_bytes();
    return total;
}

void Pipe::clear() noexcept { m_slots.clear(); }

}  // namespace kiosktwin::link::detail
