// The link benchmark in virtual time: what it carries, that it is
// reproducible, and that its timing obeys the toxics. (Its speed is measured
// by `kiosktwin bench link`, never asserted here.)
#include <catch2/catch.hpp>

#include <kiosktwin/analysis/link_bench.hpp>

#include <stdexcept>

using namespace kiosktwin::analysis;

namespace {

// A stand-in wall clock: one second per reading.
double ticking_clock() {
    static double t = 0;
    return t += 1.0;
}

LinkVirtualBenchParams small(std::uint64_t seed = 1) {
    LinkVirtualBenchParams p;
    p.chunks = 20'000;
    p.connections = 8;
    p.seed = seed;
    return p;
}

}  // namespace

TEST_CASE("The link bench delivers every chunk offered, and every end", "[link_bench]") {
    const LinkVirtualBenchParams p = small();
    const LinkVirtualBenchResult r = run_link_virtual_bench(p, ticking_clock);
    CHECK(r.chunks_in == p.chunks);
    CHECK(r.bytes_in == p.chunks * p.chunk_bytes);
    // 512-byte chunks are far below the bandwidth toxic's 100 ms piece: none is split.
    CHECK(r.chunks_delivered == p.chunks);
    CHECK(r.bytes_delivered == r.bytes_in);
    CHECK(r.connections_ended == static_cast<std::uint64_t>(p.connections));
    CHECK(r.run_s == 1.0);
    CHECK(r.chunks_per_s == static_cast<double>(r.chunks_delivered));
}

TEST_CASE("The link bench spreads chunks over connections and copes with idle ones", "[link_bench]") {
    LinkVirtualBenchParams p = small();
    p.chunks = 10;
    p.connections = 16;  // six connections offer nothing and just close
    const LinkVirtualBenchResult r = run_link_virtual_bench(p, ticking_clock);
    CHECK(r.chunks_delivered == 10);
    CHECK(r.connections_ended == 16);
}

TEST_CASE("The link bench is reproducible: equal seeds, equal runs", "[link_bench]") {
    const LinkVirtualBenchResult a = run_link_virtual_bench(small(7), ticking_clock);
    const LinkVirtualBenchResult b = run_link_virtual_bench(small(7), ticking_clock);
    const LinkVirtualBenchResult c = run_link_virtual_bench(small(8), ticking_clock);
    CHECK(a.checksum == b.checksum);
    CHECK(a.virtual_s == b.virtual_s);
    CHECK(a.offered_s == b.offered_s);
    CHECK(a.checksum != c.checksum);
    CHECK(a.virtual_s != c.virtual_s);
}

TEST_CASE("Below the bandwidth, chunks leave within the latency's tail of the last offer", "[link_bench]") {
    LinkVirtualBenchParams p = small();
    p.load = 0.5;
    const LinkVirtualBenchResult r = run_link_virtual_bench(p, ticking_clock);
    const double per_connection_s = static_cast<double>(r.bytes_in / 8) / (p.rate_kb_s * 1000.0);
    CHECK(r.virtual_s >= per_connection_s);
    CHECK(r.virtual_s > r.offered_s);
    // Queues stay bounded: the last chunk waits no more than its latency
    // (mean + 6 sd: the running maximum of normal draws) and a little pacing.
    CHECK(r.virtual_s - r.offered_s <= (p.latency_ms + 6 * p.jitter_ms) / 1000.0 + 0.005);
}

TEST_CASE("Above the bandwidth, the run lasts as long as the bytes need at the rate", "[link_bench]") {
    LinkVirtualBenchParams p = small();
    p.connections = 4;
    p.rate_kb_s = 1000;  // 1 MB/s per connection
    p.load = 2.0;
    const LinkVirtualBenchResult r = run_link_virtual_bench(p, ticking_clock);
    REQUIRE(r.bytes_delivered == 20'000ull * 512);
    // Each connection carries 5,000 x 512 B = 2.56 MB: 2.56 s at 1 MB/s, once
    // the first chunk has crossed the latency. The link idles only until the
    // latency toxic's running maximum has been overtaken, at the start.
    const double at_rate_s = 2.56;
    CHECK(r.offered_s == Approx(at_rate_s / 2).epsilon(0.05));  // offered at twice the rate
    CHECK(r.virtual_s >= at_rate_s);
    CHECK(r.virtual_s <= at_rate_s + (p.latency_ms + 6 * p.jitter_ms) / 1000.0 + 0.005);
}

TEST_CASE("The link bench rejects bad parameters, naming them", "[link_bench]") {
    LinkVirtualBenchParams p = small();
    p.connections = 0;
    CHECK_THROWS_WITH(run_link_virtual_bench(p, ticking_clock), Catch::Contains("connections"));
    p = small();
    p.rate_kb_s = 0;
    CHECK_THROWS_WITH(run_link_virtual_bench(p, ticking_clock), Catch::Contains("rate_kb_s"));
    p = small();
    p.distribution = "lognormal";
    CHECK_THROWS_WITH(run_link_virtual_bench(p, ticking_clock), Catch::Contains("distribution"));
}
