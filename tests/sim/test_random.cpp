#include <catch2/catch.hpp>

#include <kiosktwin/sim/random.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <concepts>
#include <limits>
#include <string>
#include <random>
#include <set>
#include <vector>

using namespace kiosktwin::sim;

static_assert(std::uniform_random_bit_generator<Rng>);
static_assert(std::copyable<Rng>);

TEST_CASE("SplitMix64 and FNV-1a match their published reference values", "[random]") {
    // SplitMix64 seeded with 0: its first output is the well-known 0xe220a8397b1dcdaf.
    CHECK(splitmix64_mix(0x9e3779b97f4a7c15ULL) == 0xe220a8397b1dcdafULL);
    CHECK(fnv1a64("") == 0xcbf29ce484222325ULL);
    CHECK(fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
}

TEST_CASE("Rng reproduces its pinned first draws", "[random]") {
    // Regression anchors, cross-checked against an independent Python
    // transcription of xoshiro256** and SplitMix64 seeding.
    Rng rng(42);
    CHECK(rng.next() == 0x15780b2e0c2ec716ULL);
    CHECK(rng.next() == 0x6104d9866d113a7eULL);
    CHECK(rng.next() == 0xae17533239e499a1ULL);
    CHECK(rng.next() == 0xecb8ad4703b360a1ULL);

    Rng zero(0);
    CHECK(zero.next() == 0x99ec5f36cb75f2b4ULL);

    Rng u(42);
    CHECK(u.uniform01() == 0.08386297105988227);
    CHECK(u.uniform01() == 0.3789802506626686);

    Rng b(7);
    std::vector<std::uint64_t> draws;
    for (int i = 0; i < 5; ++i) draws.push_back(b.below(10));
    CHECK(draws == std::vector<std::uint64_t>{7, 2, 8, 9, 9});
}

TEST_CASE("derive_seed and replication_seed are pinned forever", "[random]") {
    CHECK(derive_seed(20260601, "arrivals") == 0x6d9d60c8303d4b9dULL);
    CHECK(derive_seed(20260601, "kiosk/3/faults") == 0x3509ad43d9b58d7fULL);
    CHECK(derive_seed(20260601, "persona/patience") == 0x118a32a142812484ULL);
    CHECK(replication_seed(20260601, 0) == 0xc8b8e07affc11485ULL);
    CHECK(replication_seed(20260601, 1) == 0x3936ff3a15a60a58ULL);
    CHECK(replication_seed(20260601, 2) == 0x49041fdf29378607ULL);
}

TEST_CASE("derived seeds differ across names, masters and replications", "[random]") {
    std::set<std::uint64_t> seeds;
    const std::array<const char*, 6> names{"arrivals", "arrival", "kiosk/1/faults", "kiosk/2/faults",
                                           "kiosk/3/faults", ""};
    for (std::uint64_t master = 0; master < 50; ++master) {
        for (const char* name : names) seeds.insert(derive_seed(master, name));
        for (std::uint32_t r = 0; r < 10; ++r) seeds.insert(replication_seed(master, r));
    }
    CHECK(seeds.size() == 50 * (names.size() + 10));
    // A one-bit change of the master flips about half of the seed's bits.
    const auto flipped = std::popcount(derive_seed(1000, "arrivals") ^ derive_seed(1001, "arrivals"));
    CHECK(flipped > 16);
    CHECK(flipped < 48);
}

TEST_CASE("copies of an Rng continue the same sequence independently", "[random]") {
    Rng a(5);
    a.next();
    Rng b = a;
    CHECK(a == b);
    CHECK(a.next() == b.next());
    b.next();
    CHECK_FALSE(a == b);
}

TEST_CASE("uniform01 stays strictly inside (0, 1) and has the right moments", "[random]") {
    Rng rng(123);
    constexpr int n = 1'000'000;
    double sum = 0.0;
    double sum_sq = 0.0;
    double lo = 1.0;
    double hi = 0.0;
    for (int i = 0; i < n; ++i) {
        const double u = rng.uniform01();
        lo = std::min(lo, u);
        hi = std::max(hi, u);
        sum += u;
        sum_sq += u * u;
    }
    CHECK(lo > 0.0);
    CHECK(hi < 1.0);
    const double mean = sum / n;
    CHECK(mean == Approx(0.5).margin(5.0 * std::sqrt(1.0 / 12.0 / n)));
    CHECK(sum_sq / n - mean * mean == Approx(1.0 / 12.0).margin(5e-4));
    // The extreme values the formula can produce are still inside the
    // interval (with 53 bits, the top one would round to exactly 1.0).
    CHECK((static_cast<double>(0ULL >> 12) + 0.5) * 0x1.0p-52 == 0x1.0p-53);
    CHECK((static_cast<double>((~0ULL) >> 12) + 0.5) * 0x1.0p-52 == 1.0 - 0x1.0p-53);
    CHECK((static_cast<double>((~0ULL) >> 11) + 0.5) * 0x1.0p-53 == 1.0);
}

TEST_CASE("uniform(a, b) maps into [a, b) and rejects bad bounds", "[random]") {
    Rng rng(9);
    for (int i = 0; i < 10'000; ++i) {
        const double x = rng.uniform(-3.0, 5.0);
        REQUIRE(x >= -3.0);
        REQUIRE(x < 5.0);
    }
    CHECK(rng.uniform(2.0, 2.0) == 2.0);
    CHECK_THROWS_AS(rng.uniform(1.0, 0.0), std::invalid_argument);
    CHECK_THROWS_AS(rng.uniform(0.0, std::numeric_limits<double>::infinity()), std::invalid_argument);
}

TEST_CASE("below(n) is in range and unbiased", "[random][statistical]") {
    Rng rng(77);
    CHECK_THROWS_AS(rng.below(0), std::invalid_argument);
    CHECK(rng.below(1) == 0);

    // Every value of a small range, with frequencies passing a chi-square test
    // (critical value of chi2 with 6 df at 0.999 is 22.458).
    constexpr std::uint64_t k = 7;
    constexpr int n = 700'000;
    std::array<int, k> counts{};
    for (int i = 0; i < n; ++i) {
        const auto v = rng.below(k);
        REQUIRE(v < k);
        ++counts[v];
    }
    double chi2 = 0.0;
    for (const int c : counts) chi2 += (c - n / 7.0) * (c - n / 7.0) / (n / 7.0);
    CHECK(chi2 < 22.458);

    // A range just above 2^63, where a biased "x % n" would return the
    // lower half twice as often: about half of the draws must be >= n/2.
    const std::uint64_t big = (1ULL << 63) + 12345;
    int upper = 0;
    for (int i = 0; i < 100'000; ++i) {
        const auto v = rng.below(big);
        REQUIRE(v < big);
        if (v >= big / 2) ++upper;
    }
    CHECK(upper == Approx(50'000).margin(5.0 * std::sqrt(25'000.0)));
}

TEST_CASE("RandomStreams: a stream's draws do not depend on other streams", "[random]") {
    constexpr std::uint64_t master = 20260601;
    std::vector<std::uint64_t> alone;
    {
        RandomStreams streams(master);
        Rng& arrivals = streams.stream("arrivals");
        for (int i = 0; i < 100; ++i) alone.push_back(arrivals.next());
    }
    std::vector<std::uint64_t> crowded;
    {
        RandomStreams streams(master);
        // Other streams created first, in another order, and interleaved draws.
        Rng& faults = streams.stream("kiosk/3/faults");
        Rng& patience = streams.stream("persona/patience");
        faults.next();
        Rng& arrivals = streams.stream("arrivals");
        for (int i = 0; i < 100; ++i) {
            crowded.push_back(arrivals.next());
            patience.next();
            if (i == 50) streams.stream("kiosk/7/faults").next();  // new node after the reference was taken
        }
        CHECK(&arrivals == &streams.stream("arrivals"));
        CHECK(streams.names() == std::vector<std::string>{"arrivals", "kiosk/3/faults", "kiosk/7/faults",
                                                          "persona/patience"});
        CHECK(streams.contains("kiosk/7/faults"));
        CHECK_FALSE(streams.contains("kiosk/8/faults"));
        CHECK(streams.master_seed() == master);
    }
    CHECK(alone == crowded);
    CHECK(alone.front() == Rng(derive_seed(master, "arrivals")).next());

    RandomStreams other_master(master + 1);
    CHECK(other_master.stream("arrivals").next() != alone.front());
}

TEST_CASE("Rng works with standard algorithms that take a URBG", "[random]") {
    std::vector<int> v{1, 2, 3, 4, 5, 6, 7, 8};
    Rng a(3);
    Rng b(3);
    auto w = v;
    std::shuffle(v.begin(), v.end(), a);
    std::shuffle(w.begin(), w.end(), b);
    CHECK(v == w);
    std::sort(v.begin(), v.end());
    CHECK(v == std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8});
}
