#include <kiosktwin/analysis/link_bench.hpp>

#include <kiosktwin/link/link.hpp>
#include <kiosktwin/sim/random.hpp>
#include <kiosktwin/sim/time.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace kiosktwin::analysis {

using nlohmann::json;
using link::Direction;

namespace {

constexpr std::uint64_t k_fnv_prime = 0x100000001b3ULL;

std::uint64_t mix(std::uint64_t h, std::uint64_t v) noexcept {
    // hash_combine, then a multiply and a xorshift: cheap, and every bit of
    // every value reaches the whole state (order matters, as it should).
    h ^= v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2);
    h *= k_fnv_prime;
    return h ^ (h >> 29);
}

struct Totals {
    std::uint64_t chunks = 0;
    std::uint64_t bytes = 0;
    std::uint64_t ended = 0;
    sim::Time last{};
    std::uint64_t checksum = 0xcbf29ce484222325ULL;
};

/// The far end of one connection's upstream: counts and hashes what arrives.
class CountingSink final : public link::ConnectionSink {
public:
    CountingSink(std::uint64_t id, Totals& totals) noexcept : m_id(id), m_totals(&totals) {}
    void on_output(Direction d, link::Chunk&& c) override {
        Totals& t = *m_totals;
        if (c.at > t.last) t.last = c.at;
        if (c.kind != link::ChunkKind::data) {
            if (d == Direction::upstream) ++t.ended;
            t.checksum = mix(t.checksum, m_id << 8 | static_cast<std::uint64_t>(c.kind));
            return;
        }
        if (d != Direction::upstream) return;
        ++t.chunks;
        t.bytes += c.size;
        t.checksum = mix(mix(mix(t.checksum, m_id), static_cast<std::uint64_t>(c.at.time_since_epoch().count())),
                         c.size);
    }

private:
    std::uint64_t m_id;
    Totals* m_totals;
};

/// One connection as the host drives it: its source's next chunk and the
/// connection itself.
struct Source {
    link::Connection* conn = nullptr;
    sim::Rng rng;
    double next_us = 0;         // the next chunk's arrival, fractional µs
    std::uint64_t left = 0;     // chunks still to offer
    sim::Time last{};           // when the last chunk was offered
    bool eof_sent = false;
};

/// A binary min-heap of (time, connection), one entry per connection: the
/// host's event list. Ties go to the lower connection index, so the run is
/// deterministic.
class EventHeap {
public:
    struct Entry {
        sim::Time at;
        std::uint32_t index;
    };
    bool empty() const noexcept { return m_heap.empty(); }
    const Entry& top() const noexcept { return m_heap.front(); }
    void push(Entry e) {
        m_heap.push_back(e);
        std::size_t i = m_heap.size() - 1;
        while (i > 0) {
            const std::size_t parent = (i - 1) / 2;
            if (!less(e, m_heap[parent])) break;
            m_heap[i] = m_heap[parent];
            i = parent;
        }
        m_heap[i] = e;
    }
    /// Replaces the top with `e` (its connection's new time).
    void replace_top(Entry e) noexcept { sift_down(0, e); }
    void pop() noexcept {
        const Entry last = m_heap.back();
        m_heap.pop_back();
        if (!m_heap.empty()) sift_down(0, last);
    }

private:
    static bool less(const Entry& a, const Entry& b) noexcept {
        return a.at < b.at || (a.at == b.at && a.index < b.index);
    }
    void sift_down(std::size_t i, Entry e) noexcept {
        const std::size_t n = m_heap.size();
        for (;;) {
            std::size_t child = 2 * i + 1;
            if (child >= n) break;
            if (child + 1 < n && less(m_heap[child + 1], m_heap[child])) ++child;
            if (!less(m_heap[child], e)) break;
            m_heap[i] = m_heap[child];
            i = child;
        }
        m_heap[i] = e;
    }
    std::vector<Entry> m_heap;
};

sim::Time at_us(double us) noexcept { return sim::Time{sim::Duration{static_cast<std::int64_t>(us)}}; }

void check(const LinkVirtualBenchParams& p) {
    auto bad = [](const char* what) { throw std::invalid_argument(what); };
    if (p.chunk_bytes == 0) bad("chunk_bytes: must be > 0");
    if (p.connections <= 0) bad("connections: must be > 0");
    if (!(p.latency_ms >= 0.0) || !std::isfinite(p.latency_ms)) bad("latency_ms: must be finite and >= 0");
    if (!(p.jitter_ms >= 0.0) || !std::isfinite(p.jitter_ms)) bad("jitter_ms: must be finite and >= 0");
    if (!(p.rate_kb_s > 0.0) || !std::isfinite(p.rate_kb_s)) bad("rate_kb_s: must be finite and > 0");
    if (!(p.load > 0.0) || !std::isfinite(p.load)) bad("load: must be finite and > 0");
    if (p.distribution == "empirical") bad("distribution: empirical needs a table; use uniform, normal, pareto or paretonormal");
}

}  // namespace

LinkVirtualBenchResult run_link_virtual_bench(const LinkVirtualBenchParams& p, double (*clock_s)()) {
    check(p);

    link::Link lk("bench", "127.0.0.1:0", "127.0.0.1:8080", sim::derive_seed(p.seed, "link/bench"));
    try {
        json latency = {{"name", "latency"},
                        {"type", "latency"},
                        {"stream", "upstream"},
                        {"attributes",
                         {{"latency", p.latency_ms}, {"jitter", p.jitter_ms}, {"distribution", p.distribution}}}};
        lk.add_toxic(link::ToxicSpec::from_json(latency), sim::epoch_time);
        json bandwidth = {{"name", "bandwidth"},
                          {"type", "bandwidth"},
                          {"stream", "upstream"},
                          {"attributes", {{"rate", p.rate_kb_s}}}};
        lk.add_toxic(link::ToxicSpec::from_json(bandwidth), sim::epoch_time);
    } catch (const link::ApiError& e) {
        std::string what = "toxic parameters: ";
        what.append(e.what());
        throw std::invalid_argument(what);
    }

    // Poisson arrivals at `load` times the bandwidth: bytes per µs is rate / 1000.
    const double mean_gap_us = static_cast<double>(p.chunk_bytes) / (p.rate_kb_s / 1000.0 * p.load);
    const auto n = static_cast<std::size_t>(p.connections);

    Totals totals;
    std::vector<CountingSink> sinks;
    sinks.reserve(n);
    std::vector<Source> sources(n);
    EventHeap heap;
    LinkVirtualBenchResult r;
    for (std::size_t i = 0; i < n; ++i) {
        sinks.emplace_back(i, totals);
        Source& s = sources[i];
        s.conn = lk.open(sim::epoch_time, &sinks[i]);
        if (!s.conn) throw std::logic_error("link bench: the link refused a connection");
        std::string stream = "link-bench/arrivals/";
        stream.append(std::to_string(i));
        s.rng = sim::Rng(sim::derive_seed(p.seed, stream));
        s.left = p.chunks / n + (i < p.chunks % n ? 1 : 0);
        s.next_us = -mean_gap_us * std::log(s.rng.uniform01());
        heap.push({s.left > 0 ? at_us(s.next_us) : sim::epoch_time, static_cast<std::uint32_t>(i)});
    }

    const double t0 = clock_s();
    while (!heap.empty()) {
        const EventHeap::Entry e = heap.top();
        Source& s = sources[e.index];
        link::Connection& c = *s.conn;
        if (s.left > 0 && at_us(s.next_us) <= e.at) {
            const sim::Time arrival = at_us(s.next_us);
            c.on_sized(Direction::upstream, arrival, p.chunk_bytes);
            ++r.chunks_in;
            r.bytes_in += p.chunk_bytes;
            s.last = arrival;
            if (--s.left > 0) s.next_us += -mean_gap_us * std::log(s.rng.uniform01());
        } else if (s.left == 0 && !s.eof_sent && s.last <= e.at) {
            // The client half-closes right after its last chunk.
            s.eof_sent = true;
            c.on_eof(Direction::upstream, s.last);
        } else {
            c.advance(e.at);
        }
        sim::Time next = c.next_wakeup();
        if (s.left > 0) next = std::min(next, at_us(s.next_us));
        else if (!s.eof_sent) next = std::min(next, s.last);
        if (next == sim::end_of_time) heap.pop();
        else heap.replace_top({next, e.index});
    }
    r.run_s = clock_s() - t0;

    r.chunks_delivered = totals.chunks;
    r.bytes_delivered = totals.bytes;
    r.connections_ended = totals.ended;
    sim::Time last_offer{};
    for (const Source& s : sources) last_offer = std::max(last_offer, s.last);
    r.offered_s = sim::seconds_since_epoch(last_offer);
    r.virtual_s = sim::seconds_since_epoch(totals.last);
    r.chunks_per_s = r.run_s > 0.0 ? static_cast<double>(r.chunks_delivered) / r.run_s : 0.0;
    r.checksum = totals.checksum;
    return r;
}

}  // namespace kiosktwin::analysis
