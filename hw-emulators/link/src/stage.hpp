// The data plane of one toxic on one direction of one connection (Toxiproxy's
// ToxicStub running a toxic), without goroutines: a stage is handed each
// chunk at the instant it arrives and says, there and then, when the chunk
// (or its pieces) will leave. Every toxic's timing is a function of arrival
// times and its own state, so computing departures eagerly is exact, however
// late the host calls in. What a stage has not released yet waits in its
// output queue (owned by the pipe), where removing the toxic can release it.
#pragma once

#include <kiosktwin/link/chunk.hpp>
#include <kiosktwin/link/toxic.hpp>
#include <kiosktwin/sim/random.hpp>
#include <kiosktwin/sim/time.hpp>

#include <cstdint>
#include <memory>

namespace kiosktwin::link::detail {

/// Where a stage puts what leaves it: chunks with non-decreasing `at`, or a
/// request to end the whole connection at once.
class StageOutput {
public:
    virtual void emit(Chunk&& c) = 0;
    /// Resets (or closes) the connection at `at`, dropping everything in flight.
    virtual void abort(sim::Time at, ChunkKind how) = 0;

protected:
    ~StageOutput() = default;
};

class Stage {
public:
    explicit Stage(std::uint64_t order) noexcept : m_order(order) {}
    virtual ~Stage() = default;
    Stage(const Stage&) = delete;
    Stage& operator=(const Stage&) = delete;

    /// The toxic's place in the link's chain (stages are kept in this order).
    std::uint64_t order() const noexcept { return m_order; }

    /// The stage is now in the pipe, at `now`.
    virtual void on_install(sim::Time /*now*/, StageOutput& /*out*/) {}
    /// A chunk arrives at c.at (never earlier than the previous one).
    virtual void on_chunk(Chunk&& c, StageOutput& out) = 0;
    /// When on_deadline() is due without input (end_of_time: never).
    virtual sim::Time deadline() const noexcept { return sim::end_of_time; }
    virtual void on_deadline(sim::Time /*t*/, StageOutput& /*out*/) {}
    /// The toxic is removed at `now`: whatever the stage itself holds leaves
    /// now. (What waits in its output queue is released by the pipe.)
    virtual void on_remove(sim::Time /*now*/, StageOutput& /*out*/) {}
    /// New attributes, same toxic: the stage keeps its state.
    virtual void update(const ToxicParams& params) = 0;
    /// Bytes held inside the stage (not in its output queue).
    virtual std::uint64_t held_bytes() const noexcept { return 0; }

private:
    std::uint64_t m_order;
};

/// A stage for `params` (the toxic's type), drawing from `rng`.
std::unique_ptr<Stage> make_stage(std::uint64_t order, const ToxicParams& params, sim::Rng rng);

}  // namespace kiosktwin::link::detail
