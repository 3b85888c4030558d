// What Toxiproxy's users ask for and do not get (peripherals.md §3.3):
// packet loss as TCP sees it, partitions and outages on a schedule, faults
// for the first N connections.
#include <catch2/catch.hpp>

#include "link_harness.hpp"

#include <kiosktwin/link/link.hpp>

#include <cmath>
#include <map>

namespace link_extensions_test {

using namespace kiosktwin;
using namespace kiosktwin::test;
using link::Link;

namespace {
constexpr Direction up = Direction::upstream;
constexpr Direction down = Direction::downstream;
}  // namespace

TEST_CASE("loss turns lost segments into RTO back-off delays", "[link][loss][statistical]") {
    Link l("p", "127.0.0.1:0", "127.0.0.1:1", 21);
    l.add_toxic(toxic(R"({"type": "loss", "attributes": {"probability": 0.2, "rto": 200, "max_rto": 1000}})"), ms(0));
    Recorder r;
    link::Connection* c = l.open(ms(0), &r);
    constexpr int n = 10'000;
    for (int i = 0; i < n; ++i) {
        c->on_sized(down, ms(100'000.0 * i), 1000);  // one segment each, far apart
        run_until(*c, ms(100'000.0 * i + 99'999));
    }
    REQUIRE(r.out.size() == static_cast<std::size_t>(n));
    // A segment lost k times waits 200, 400, 800, then 1000 (max_rto) ms more each time.
    const std::map<std::int64_t, int> backoff{{0, 0}, {200, 1}, {600, 2}, {1400, 3}, {2400, 4}, {3400, 5}, {4400, 6}};
    std::map<int, int> losses;
    for (int i = 0; i < n; ++i) {
        const std::int64_t delay = (r.out[static_cast<std::size_t>(i)].at - ms(100'000.0 * i)).count() / 1000;
        const auto it = backoff.find(delay);
        INFO("delay " << delay);
        REQUIRE(it != backoff.end());
        ++losses[it->second];
    }
    // P(k losses) = p^k (1 - p).
    for (int k = 0; k <= 2; ++k) {
        const double expected = std::pow(0.2, k) * 0.8;
        CHECK(std::abs(losses[k] / double{n} - expected) < 4 * std::sqrt(expected * (1 - expected) / n));
    }
}

TEST_CASE("loss on a many-segment chunk waits for its slowest segment", "[link][loss][statistical]") {
    Link l("p", "127.0.0.1:0", "127.0.0.1:1", 22);
    l.add_toxic(toxic(R"({"type": "loss", "attributes": {"probability": 0.01, "mss": 1000}})"), ms(0));
    Recorder r;
    link::Connection* c = l.open(ms(0), &r);
    constexpr int n = 5'000;
    int on_time = 0;
    for (int i = 0; i < n; ++i) {
        c->on_sized(down, ms(100'000.0 * i), 50'000);  // 50 segments
        run_until(*c, ms(100'000.0 * i + 99'999));
        if (r.out.back().at == ms(100'000.0 * i)) ++on_time;
    }
    const double expected = std::pow(0.99, 50);  // no segment lost
    CHECK(std::abs(on_time / double{n} - expected) < 4 * std::sqrt(expected * (1 - expected) / n));
}

TEST_CASE("loss beyond max_retransmits gives the connection up", "[link][loss]") {
    Link l("p", "127.0.0.1:0", "127.0.0.1:1", 23);
    l.add_toxic(toxic(R"({"type": "loss", "attributes": {"probability": 0.5, "rto": 100, "max_retransmits": 2}})"),
                ms(0));
    int reset = 0;
    for (int i = 0; i < 2'000; ++i) {
        Recorder r;
        link::Connection* c = l.open(ms(0), &r);
        c->on_sized(down, ms(0), 100);
        run_until(*c, ms(10'000));
        if (r.end_kind(down) == ChunkKind::reset) {
            ++reset;
            // After the original and two retransmissions: 100 + 200 + 400 ms.
            CHECK(r.ended_at(down) == ms(700));
            CHECK(r.bytes(down) == 0);
        }
        l.close(*c);
    }
    // Lost three times in a row: 1/8.
    CHECK(std::abs(reset / 2000.0 - 0.125) < 4 * std::sqrt(0.125 * 0.875 / 2000));
}

TEST_CASE("a partition window drops exactly the connections inside it", "[link][partition][schedule]") {
    Link l("p", "127.0.0.1:0", "127.0.0.1:1", 24);
    l.add_toxic(toxic(R"({"name": "cut", "type": "partition", "attributes": {"schedule": {"at_s": 60, "duration_s": 60}}})"),
                ms(0));
    struct Client {
        double open_s, close_s;
        Recorder r;
        link::Connection* c = nullptr;
        bool closed = false;
    };
    std::vector<Client> clients{{0, 30, {}}, {30, 90, {}}, {10, 200, {}}, {70, 80, {}}, {119, 119.5, {}},
                                {120, 150, {}}, {130, 140, {}}};
    // A scheduler of one link: events in time order.
    for (double t = 0; t <= 250; t += 0.5) {
        const sim::Time now = ms(t * 1000);
        l.apply_schedules(now);
        for (Client& k : clients) {
            if (!k.c && t == k.open_s) {
                k.c = l.open(now, &k.r);
                k.c->on_data(up, now, bytes_of("hello"));
            }
            if (k.c && !k.closed && t == k.close_s) {
                k.c->on_eof(up, now);
                k.c->on_eof(down, now);
                k.closed = true;
            }
        }
    }
    auto reset_at = [](const Client& k) {
        return k.r.end_kind(up) == ChunkKind::reset ? k.r.ended_at(up) : sim::end_of_time;
    };
    CHECK(reset_at(clients[0]) == sim::end_of_time);  // closed before the window
    CHECK(reset_at(clients[1]) == ms(60'000));         // open when it began
    CHECK(reset_at(clients[2]) == ms(60'000));
    CHECK(reset_at(clients[3]) == ms(70'000));         // opened inside it: reset at once
    CHECK(clients[3].r.bytes(up) == 0);
    CHECK(reset_at(clients[4]) == ms(119'000));
    CHECK(reset_at(clients[5]) == sim::end_of_time);  // windows are half-open: 120 s is after
    CHECK(reset_at(clients[6]) == sim::end_of_time);
    CHECK(clients[6].r.text(up) == "hello");
    CHECK(l.stats().connections_reset == 4);
}

TEST_CASE("a holding partition releases what it held when it lifts", "[link][partition][schedule]") {
    Link l("p", "127.0.0.1:0", "127.0.0.1:1", 25);
    l.add_toxic(toxic(R"({"type": "partition", "attributes": {"mode": "hold", "schedule": {"at_s": 10, "duration_s": 5}}})"),
                ms(0));
    Recorder r;
    link::Connection* c = l.open(ms(0), &r);
    c->on_data(up, ms(1000), bytes_of("before "));
    CHECK(l.next_schedule_change() == ms(10'000));
    l.apply_schedules(ms(10'000));
    c->on_data(up, ms(11'000), bytes_of("during "));
    c->on_data(down, ms(12'000), bytes_of("reply"));
    CHECK(r.text(up) == "before ");
    CHECK(r.bytes(down) == 0);
    CHECK(l.next_schedule_change() == ms(15'000));
    l.apply_schedules(ms(15'000));
    CHECK(r.text(up) == "before during ");
    CHECK(r.text(down) == "reply");
    CHECK(r.out.back().at == ms(15'000));
}

TEST_CASE("a daily schedule makes a toxic act every day in its window", "[link][schedule]") {
    Link l("p", "127.0.0.1:0", "127.0.0.1:1", 26);
    l.add_toxic(toxic(R"({"type": "latency", "attributes": {"latency": 2000, "schedule": "every day 09:00-09:05"}})"),
                ms(0));
    Recorder r;
    link::Connection* c = l.open(ms(0), &r);
    const double hour = 3'600'000, minute = 60'000;
    std::vector<double> sent;
    for (int day = 0; day < 3; ++day)
        for (double at : {8 * hour + 59 * minute, 9 * hour + 1 * minute, 9 * hour + 4 * minute + 59'000, 9 * hour + 6 * minute})
            sent.push_back(day * 24 * hour + at);
    for (double t : sent) {
        l.apply_schedules(ms(t));
        run_until(*c, ms(t));
        c->on_sized(down, ms(t), 10);
    }
    l.apply_schedules(ms(4 * 24 * hour));
    run_until(*c, ms(4 * 24 * hour));
    const auto data = r.of(down, ChunkKind::data);
    REQUIRE(data.size() == sent.size());
    for (std::size_t i = 0; i < sent.size(); ++i) {
        const double delay = sim::to_seconds(data[i].at - ms(sent[i])) * 1000.0;
        switch (i % 4) {
        case 0: CHECK(delay == 0); break;     // 08:59, before the window
        case 1: CHECK(delay == 2000); break;  // 09:01
        // 09:04:59: the window closes at 09:05 and releases what the toxic holds.
        case 2: CHECK(delay == 1000); break;
        case 3: CHECK(delay == 0); break;     // 09:06
        }
    }
}

TEST_CASE("first_connections limits a toxic to the first N connections", "[link][first_connections]") {
    Link l("p", "127.0.0.1:0", "127.0.0.1:1", 27);
    Recorder r0;
    link::Connection* existing = l.open(ms(0), &r0);
    l.add_toxic(toxic(R"({"type": "reset_peer", "stream": "upstream", "attributes": {"first_connections": 2}})"), ms(1));
    std::vector<Recorder> rs(4);
    existing->on_data(up, ms(2), bytes_of("x"));
    for (auto& r : rs) {
        link::Connection* c = l.open(ms(3), &r);
        c->on_data(up, ms(4), bytes_of("GET / HTTP/1.1\r\n\r\n"));
    }
    // The connection open when the toxic came is the first it met.
    CHECK(r0.end_kind(up) == ChunkKind::reset);
    CHECK(rs[0].end_kind(up) == ChunkKind::reset);
    CHECK(rs[1].end_kind(up) == ChunkKind::data);
    CHECK(rs[1].text(up) == "GET / HTTP/1.1\r\n\r\n");
    CHECK(rs[3].text(up) == "GET / HTTP/1.1\r\n\r\n");
}

TEST_CASE("a bad schedule is refused with the reason", "[link][schedule]") {
    Link l("p", "127.0.0.1:0", "127.0.0.1:1", 28);
    try {
        l.add_toxic(toxic(R"({"type": "latency", "attributes": {"schedule": "every day 25:00-26:00"}})"), ms(0));
        FAIL("accepted");
    } catch (const link::ApiError& e) {
        CHECK(e.status() == 400);
        CHECK_THAT(std::string(e.what()), Catch::Contains("attributes.schedule") && Catch::Contains("25:00"));
    }
    CHECK(l.toxics().empty());
}

}  // namespace link_extensions_test
