// The toxics' stages: Toxiproxy's semantics (toxics/*.go) as arrival-time
// arithmetic, and KioskTwin's additions.
#include "stage.hpp"

#include <kiosktwin/link/latency.hpp>
#include <kiosktwin/sim/special_functions.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace kiosktwin::link {

// --- latency draws ------------------------------------------------------------

LatencySampler::LatencySampler(const LatencyParams& p) : m_p(p) {
    if (p.distribution == LatencyDistribution::pareto || p.distribution == LatencyDistribution::paretonormal) {
        const double a = p.alpha;
        m_pareto_mean = a / (a - 1.0);
        m_pareto_sd = std::sqrt(a / ((a - 1.0) * (a - 1.0) * (a - 2.0)));
    }
    if (p.distribution == LatencyDistribution::empirical) m_table.emplace(p.table);
}

double LatencySampler::delay_ms(double u, double v) const {
    switch (m_p.distribution) {
    case LatencyDistribution::uniform: return m_p.latency_ms + (2.0 * u - 1.0) * m_p.jitter_ms;
    case LatencyDistribution::normal: return m_p.latency_ms + m_p.jitter_ms * sim::normal_quantile(u);
    case LatencyDistribution::pareto: {
        const double x = std::pow(u, -1.0 / m_p.alpha);  // u and 1 - u are equally uniform
        return m_p.latency_ms + m_p.jitter_ms * (x - m_pareto_mean) / m_pareto_sd;
    }
    case LatencyDistribution::paretonormal: {
        const double tp = (std::pow(u, -1.0 / m_p.alpha) - m_pareto_mean) / m_pareto_sd;
        const double tn = sim::normal_quantile(v);
        return m_p.latency_ms + m_p.jitter_ms * (0.25 * tp + 0.75 * tn) / std::sqrt(0.625);
    }
    case LatencyDistribution::empirical: return m_p.latency_ms + m_table->quantile(u);
    }
    return m_p.latency_ms;
}

sim::Duration LatencySampler::operator()(sim::Rng& rng) const {
    if (m_p.jitter_ms == 0.0 && m_p.distribution != LatencyDistribution::empirical)
        return sim::Duration{static_cast<std::int64_t>(std::llround(m_p.latency_ms * 1000.0))};
    const double u = rng.uniform01();
    const double v = m_p.distribution == LatencyDistribution::paretonormal ? rng.uniform01() : 0.5;
    const double ms = delay_ms(u, v);
    return ms <= 0.0 ? sim::Duration::zero() : sim::Duration{static_cast<std::int64_t>(std::llround(ms * 1000.0))};
}

std::optional<double> LatencySampler::quantile_ms(double p) const {
    double ms = 0;
    switch (m_p.distribution) {
    case LatencyDistribution::uniform: ms = delay_ms(p, 0.5); break;
    case LatencyDistribution::normal: ms = delay_ms(p, 0.5); break;
    case LatencyDistribution::pareto: ms = delay_ms(1.0 - p, 0.5); break;  // decreasing in u
    case LatencyDistribution::paretonormal: return std::nullopt;
    case LatencyDistribution::empirical: ms = delay_ms(p, 0.5); break;
    }
    return std::max(ms, 0.0);
}

namespace detail {

namespace {

sim::Duration ms_to_duration(double ms) {
    return sim::Duration{static_cast<std::int64_t>(std::llround(ms * 1000.0))};
}

bool ends_stream(ChunkKind k) { return k != ChunkKind::data; }

/// Keeps the order of what leaves a stage: nothing leaves before what left
/// before it (Toxiproxy's toxics handle one chunk at a time).
struct Fifo {
    sim::Time last{};
    sim::Time after(sim::Time t) {
        last = std::max(last, t);
        return last;
    }
};

// latency: each chunk waits its own draw, measured from its arrival, behind
// the chunk before it (latency.go: sleep = delay - time since the chunk's
// timestamp). Ends of stream are not delayed.
class LatencyStage final : public Stage {
public:
    LatencyStage(std::uint64_t order, const LatencyParams& p, sim::Rng rng)
        : Stage(order), m_sampler(p), m_rng(rng) {}
    void on_chunk(Chunk&& c, StageOutput& out) override {
        const sim::Duration d = c.kind == ChunkKind::data ? m_sampler(m_rng) : sim::Duration::zero();
        c.at = m_fifo.after(c.at + d);
        out.emit(std::move(c));
    }
    void update(const ToxicParams& p) override { m_sampler = LatencySampler(std::get<LatencyParams>(p)); }

private:
    LatencySampler m_sampler;
    sim::Rng m_rng;
    Fifo m_fifo;
};

// bandwidth: bytes leave at `rate` KB/s (1 KB = 1000 B, so `rate` bytes per
// ms); a chunk worth more than 100 ms leaves in 100 ms pieces (bandwidth.go).
// The link is busy until the last byte has left; time is kept in fractional
// microseconds so that rounding never accumulates.
class BandwidthStage final : public Stage {
public:
    BandwidthStage(std::uint64_t order, const BandwidthParams& p) : Stage(order), m_rate(p.rate_kb_s) {}
    void on_chunk(Chunk&& c, StageOutput& out) override {
        const double arrival = static_cast<double>(c.at.time_since_epoch().count());
        double start = std::max(arrival, m_free_at_us);
        if (c.kind != ChunkKind::data || m_rate <= 0.0 || c.size == 0) {
            m_free_at_us = start;
            c.at = at(start);
            out.emit(std::move(c));
            return;
        }
        const double us_per_byte = 1000.0 / m_rate;
        const double piece = m_rate * 100.0;  // bytes per 100 ms
        if (static_cast<double>(c.size) > piece && piece >= 1.0) {
            const auto piece_bytes = static_cast<std::uint32_t>(piece);
            while (c.size > piece_bytes) {
                Chunk p = c.take_front(piece_bytes);
                start += static_cast<double>(piece_bytes) * us_per_byte;
                p.at = at(start);
                out.emit(std::move(p));
            }
        }
        start += static_cast<double>(c.size) * us_per_byte;
        m_free_at_us = start;
        c.at = at(start);
        out.emit(std::move(c));
    }
    void update(const ToxicParams& p) override { m_rate = std::get<BandwidthParams>(p).rate_kb_s; }

private:
    static sim::Time at(double us) { return sim::Time{sim::Duration{static_cast<std::int64_t>(std::ceil(us))}}; }
    double m_rate;
    double m_free_at_us = 0;
};

// slow_close: the end of the stream waits `delay` (slow_close.go); data passes.
class SlowCloseStage final : public Stage {
public:
    SlowCloseStage(std::uint64_t order, const SlowCloseParams& p) : Stage(order), m_delay(ms_to_duration(p.delay_ms)) {}
    void on_chunk(Chunk&& c, StageOutput& out) override {
        const bool delayed = c.kind == ChunkKind::eof || c.kind == ChunkKind::close;
        c.at = m_fifo.after(delayed ? c.at + m_delay : c.at);
        out.emit(std::move(c));
    }
    void update(const ToxicParams& p) override { m_delay = ms_to_duration(std::get<SlowCloseParams>(p).delay_ms); }

private:
    sim::Duration m_delay;
    Fifo m_fifo;
};

// timeout: data is dropped; the connection closes `timeout` after the last
// chunk (or after the toxic arrived), never when timeout is 0 (timeout.go
// restarts its timer on every chunk). An eof passes. Removing it closes the
// connection (its Cleanup), since what it dropped is gone.
class TimeoutStage final : public Stage {
public:
    TimeoutStage(std::uint64_t order, const TimeoutParams& p) : Stage(order), m_timeout(ms_to_duration(p.timeout_ms)) {}
    void on_install(sim::Time now, StageOutput&) override { arm(now); }
    void on_chunk(Chunk&& c, StageOutput& out) override {
        if (m_done) return;
        if (ends_stream(c.kind)) {
            m_done = true;
            m_deadline = sim::end_of_time;
            out.emit(std::move(c));
            return;
        }
        m_dropped += c.size;
        arm(c.at);
    }
    sim::Time deadline() const noexcept override { return m_deadline; }
    void on_deadline(sim::Time t, StageOutput& out) override { finish(t, out); }
    void on_remove(sim::Time now, StageOutput& out) override { finish(now, out); }
    void update(const ToxicParams& p) override { m_timeout = ms_to_duration(std::get<TimeoutParams>(p).timeout_ms); }

private:
    void arm(sim::Time from) {
        m_deadline = m_timeout > sim::Duration::zero() ? from + m_timeout : sim::end_of_time;
    }
    void finish(sim::Time t, StageOutput& out) {
        if (m_done) return;
        m_done = true;
        m_deadline = sim::end_of_time;
        out.emit(Chunk::control(t, ChunkKind::close));
    }
    sim::Duration m_timeout;
    sim::Time m_deadline = sim::end_of_time;
    std::uint64_t m_dropped = 0;
    bool m_done = false;
};

// reset_peer: the first chunk — data or end of stream — is swallowed and the
// connection reset `timeout` later (reset_peer.go); nothing passes after it.
class ResetPeerStage final : public Stage {
public:
    ResetPeerStage(std::uint64_t order, const ResetPeerParams& p) : Stage(order), m_timeout(ms_to_duration(p.timeout_ms)) {}
    void on_chunk(Chunk&& c, StageOutput& out) override {
        if (m_fired) return;
        m_fired = true;
        out.emit(Chunk::control(c.at + m_timeout, ChunkKind::reset));
    }
    void update(const ToxicParams& p) override { m_timeout = ms_to_duration(std::get<ResetPeerParams>(p).timeout_ms); }

private:
    sim::Duration m_timeout;
    bool m_fired = false;
};

// slicer: a chunk is cut by halving, each cut moved by up to ±size_variation,
// until every slice is within size_variation of average_size (slicer.go);
// each slice leaves `delay` µs after the one before.
class SlicerStage final : public Stage {
public:
    SlicerStage(std::uint64_t order, const SlicerParams& p, sim::Rng rng) : Stage(order), m_p(p), m_rng(rng) {}
    void on_chunk(Chunk&& c, StageOutput& out) override {
        sim::Time t = m_fifo.after(c.at);
        if (c.kind != ChunkKind::data || c.size == 0) {
            c.at = t;
            out.emit(std::move(c));
            return;
        }
        m_cuts.clear();
        cut(0, c.size);
        const sim::Duration gap{static_cast<std::int64_t>(std::llround(m_p.delay_us))};
        const std::uint32_t total = c.size;
        std::uint32_t taken = 0;
        for (const std::uint32_t end : m_cuts) {
            t += gap;
            if (end < total) {
                Chunk s = c.take_front(end - taken);
                s.at = t;
                out.emit(std::move(s));
                taken = end;
            } else {
                c.at = t;
                out.emit(std::move(c));
            }
        }
        m_fifo.after(t);
    }
    void update(const ToxicParams& p) override { m_p = std::get<SlicerParams>(p); }

private:
    // Slice ends in [start, end), in order, without recursion.
    void cut(std::uint32_t start, std::uint32_t end) {
        m_stack.clear();
        m_stack.push_back({start, end});
        while (!m_stack.empty()) {
            const auto [s, e] = m_stack.back();
            m_stack.pop_back();
            if (e - s <= m_p.average_size + m_p.size_variation) {
                m_cuts.push_back(e);
                continue;
            }
            std::int64_t mid = s + (e - s) / 2;
            if (m_p.size_variation > 0)
                mid += static_cast<std::int64_t>(m_rng.below(2 * std::uint64_t{m_p.size_variation})) -
                       static_cast<std::int64_t>(m_p.size_variation);
            mid = std::clamp<std::int64_t>(mid, s + 1, e - 1);
            m_stack.push_back({static_cast<std::uint32_t>(mid), e});  // right half after the left
            m_stack.push_back({s, static_cast<std::uint32_t>(mid)});
        }
    }
    struct Range {
        std::uint32_t start, end;
    };
    SlicerParams m_p;
    sim::Rng m_rng;
    Fifo m_fifo;
    std::vector<Range> m_stack;
    std::vector<std::uint32_t> m_cuts;
};

// limit_data: exactly `bytes` pass, then the connection closes
// (limit_data.go); the count survives updates.
class LimitDataStage final : public Stage {
public:
    LimitDataStage(std::uint64_t order, const LimitDataParams& p) : Stage(order), m_limit(p.bytes) {}
    void on_chunk(Chunk&& c, StageOutput& out) override {
        if (m_done) return;
        if (c.kind != ChunkKind::data) {
            m_done = true;
            out.emit(std::move(c));
            return;
        }
        const std::uint64_t left = m_limit > m_passed ? m_limit - m_passed : 0;
        if (c.size > left) c.truncate(static_cast<std::uint32_t>(left));
        const sim::Time at = c.at;
        if (c.size > 0) {
            m_passed += c.size;
            out.emit(std::move(c));
        }
        if (m_passed >= m_limit) {
            m_done = true;
            out.emit(Chunk::control(at, ChunkKind::close));
        }
    }
    void update(const ToxicParams& p) override { m_limit = std::get<LimitDataParams>(p).bytes; }

private:
    std::uint64_t m_limit;
    std::uint64_t m_passed = 0;
    bool m_done = false;
};

// loss: a chunk is ceil(size / mss) segments, each lost with probability p
// per transmission; a segment lost k times arrives after k RTOs, doubling
// from `rto` up to `max_rto` (RFC 6298 back-off, no fast retransmit). The
// chunk waits for its slowest segment: M = the largest k over n segments has
// P(M <= m) = (1 - p^(m+1))^n, drawn by inversion from one uniform. A
// segment lost more than max_retransmits times gives the connection up
// (reset) once the retransmissions have run out.
class LossStage final : public Stage {
public:
    LossStage(std::uint64_t order, const LossParams& p, sim::Rng rng) : Stage(order), m_p(p), m_rng(rng) {}
    void on_chunk(Chunk&& c, StageOutput& out) override {
        if (m_dead) return;
        if (c.kind != ChunkKind::data || m_p.probability <= 0.0 || c.size == 0) {
            c.at = m_fifo.after(c.at);
            out.emit(std::move(c));
            return;
        }
        const double segments = std::ceil(static_cast<double>(c.size) / m_p.mss);
        const double u = m_rng.uniform01();
        // 1 - u^(1/n), accurately for large n.
        const double tail = -std::expm1(std::log(u) / segments);
        const double m1 = std::ceil(std::log(tail) / std::log(m_p.probability));
        const std::uint64_t losses = m1 <= 1.0 ? 0 : static_cast<std::uint64_t>(std::min(m1 - 1.0, 1e6));
        if (losses > m_p.max_retransmits) {
            m_dead = true;
            out.emit(Chunk::control(m_fifo.after(c.at + backoff(m_p.max_retransmits + 1)), ChunkKind::reset));
            return;
        }
        c.at = m_fifo.after(c.at + backoff(losses));
        out.emit(std::move(c));
    }
    void update(const ToxicParams& p) override { m_p = std::get<LossParams>(p); }

private:
    // Total wait of k consecutive RTOs.
    sim::Duration backoff(std::uint64_t k) const {
        double total = 0, rto = m_p.rto_ms;
        for (std::uint64_t i = 0; i < k; ++i) {
            total += rto;
            rto = std::min(rto * 2.0, m_p.max_rto_ms);
        }
        return ms_to_duration(total);
    }
    LossParams m_p;
    sim::Rng m_rng;
    Fifo m_fifo;
    bool m_dead = false;
};

// partition: "reset" resets the connection as soon as it meets it; "hold"
// keeps everything until the partition lifts (the toxic is removed), as a
// path that loses every packet does while TCP keeps retransmitting.
class PartitionStage final : public Stage {
public:
    PartitionStage(std::uint64_t order, const PartitionParams& p) : Stage(order), m_mode(p.mode) {}
    void on_install(sim::Time now, StageOutput& out) override {
        if (m_mode == PartitionMode::reset) out.abort(now, ChunkKind::reset);
    }
    void on_chunk(Chunk&& c, StageOutput& out) override {
        if (m_mode == PartitionMode::reset) {
            out.abort(c.at, ChunkKind::reset);
            return;
        }
        m_held_bytes += c.size;
        m_held.push_back(std::move(c));
    }
    void on_remove(sim::Time now, StageOutput& out) override {
        for (Chunk& c : m_held) {
            c.at = now;
            out.emit(std::move(c));
        }
        m_held.clear();
        m_held_bytes = 0;
    }
    void update(const ToxicParams& p) override { m_mode = std::get<PartitionParams>(p).mode; }
    std::uint64_t held_bytes() const noexcept override { return m_held_bytes; }

private:
    PartitionMode m_mode;
    std::vector<Chunk> m_held;
    std::uint64_t m_held_bytes = 0;
};

}  // namespace

std::unique_ptr<Stage> make_stage(std::uint64_t order, const ToxicParams& params, sim::Rng rng) {
    return std::visit(
        [&](const auto& p) -> std::unique_ptr<Stage> {
            using P = std::decay_t<decltype(p)>;
            if constexpr (std::is_same_v<P, LatencyParams>) return std::make_unique<LatencyStage>(order, p, rng);
            else if constexpr (std::is_same_v<P, BandwidthParams>) return std::make_unique<BandwidthStage>(order, p);
            else if constexpr (std::is_same_v<P, SlowCloseParams>) return std::make_unique<SlowCloseStage>(order, p);
            else if constexpr (std::is_same_v<P, TimeoutParams>) return std::make_unique<TimeoutStage>(order, p);
            else if constexpr (std::is_same_v<P, ResetPeerParams>) return std::make_unique<ResetPeerStage>(order, p);
            else if constexpr (std::is_same_v<P, SlicerParams>) return std::make_unique<SlicerStage>(order, p, rng);
            else if constexpr (std::is_same_v<P, LimitDataParams>) return std::make_unique<LimitDataStage>(order, p);
            else if constexpr (std::is_same_v<P, LossParams>) return std::make_unique<LossStage>(order, p, rng);
            else if constexpr (std::is_same_v<P, PartitionParams>) return std::make_unique<PartitionStage>(order, p);
            else return nullptr;  // http_fault: built by the link with its shared state
        },
        params);
}

}  // namespace detail
}  // namespace kiosktwin::link
