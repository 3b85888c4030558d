// One direction of one connection: the chain of stages its toxics put on it
// (Toxiproxy's ToxicLink), in the link's order.
//
// Each stage has an output queue holding what it has decided to release and
// when. advance(now) moves every chunk whose time has come into the next
// stage — at the chunk's own time, not at `now`, so a late call changes
// nothing — and delivers what leaves the last stage. Events are taken in time
// order across the stages, so deadlines (a timeout closing) and chunks
// interleave exactly. Deadlines are asked of the stages each time, not
// cached: an http_fault's response side learns of new ones from its
// request side, in the other pipe.
#pragma once

#include "stage.hpp"

#include <kiosktwin/link/chunk.hpp>

#include <cstdint>
#include <memory>
#include <vector>

namespace kiosktwin::link::detail {

/// The pipe's side of its connection.
class PipeOutput {
public:
    /// A chunk leaves the last stage (at c.at <= the time being advanced to).
    virtual void deliver(Direction d, Chunk&& c) = 0;
    /// A stage asks for the whole connection to end at once.
    virtual void abort(sim::Time at, ChunkKind how) = 0;
    /// Whether an abort is pending (the pipe stops and returns).
    virtual bool aborting() const noexcept = 0;

protected:
    ~PipeOutput() = default;
};

class Pipe {
public:
    explicit Pipe(Direction d) noexcept : m_dir(d) {}

    Direction direction() const noexcept { return m_dir; }
    bool has_stages() const noexcept { return !m_slots.empty(); }
    bool has_stage(std::uint64_t order) const noexcept;

    /// Puts `s` at its place in the chain at `now` (after advancing to now).
    void insert(std::unique_ptr<Stage> s, sim::Time now, PipeOutput& out);
    /// Takes the stage out at `now`: what it holds, and what waits in its
    /// output queue, moves on at `now`. False if there is no such stage.
    bool remove(std::uint64_t order, sim::Time now, PipeOutput& out);
    /// Gives the stage new attributes.
    void update(std::uint64_t order, const ToxicParams& params);
    Stage* stage(std::uint64_t order) noexcept;

    /// A chunk from the source at c.at (not before the previous one).
    void input(Chunk&& c, PipeOutput& out);
    /// Processes everything due at or before `now`, in time order.
    void advance(sim::Time now, PipeOutput& out);
    /// The earliest time something is due (end_of_time if nothing).
    sim::Time next_wakeup() const noexcept;

    /// Bytes accepted but not yet delivered.
    std::uint64_t buffered_bytes() const noexcept;
    /// Drops everything in flight and every stage (the connection aborted).
    void clear() noexcept;

private:
    struct Slot {
        std::unique_ptr<Stage> stage;
        ChunkQueue out;
    };
    class SlotOutput;
    void feed(std::size_t i, Chunk&& c, PipeOutput& out);  // into slot i's stage, or delivered when i == size
    std::size_t find(std::uint64_t order) const noexcept;

    Direction m_dir;
    std::vector<Slot> m_slots;
};

}  // namespace kiosktwin::link::detail
