// The future event list: FIFO among equal times, exact cancellation, and a
// heap that stays consistent under arbitrary interleavings.
#include <kiosktwin/sim/event_queue.hpp>
#include <kiosktwin/sim/random.hpp>
#include <kiosktwin/sim/simulation.hpp>
#include <kiosktwin/sim/timer.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <tuple>
#include <vector>

using namespace kiosktwin;
using namespace std::chrono_literals;

namespace {

struct Recorder : sim::EventNode {
    Recorder(std::vector<int>& log, int id) : EventNode(&fire_fn), log(&log), id(id) {}
    static void fire_fn(sim::EventNode& n) {
        auto& r = static_cast<Recorder&>(n);
        r->log->push_back(r.id);
    }
    Recorder* operator->() { return this; }
    std::vector<int>* log;
    int id;
};

}  // namespace

TEST_CASE("events at equal times fire in the order they were scheduled", "[event_queue]") {
    sim::EventQueue q;
    std::vector<int> log;
    std::vector<std::unique_ptr<Recorder>> nodes;
    // Interleave three distinct times, each with several events.
    for (int i = 0; i < 30; ++i) {
        nodes.push_back(std::make_unique<Recorder>(log, i));
        q.schedule(*nodes.back(), sim::Time{sim::Duration{(i % 3) * 10 + 10}});
    }
    while (sim::EventNode* n = q.pop_due(sim::end_of_time)) sim::EventQueue::fire(*n);
    std::vector<int> expected;
    for (int t = 0; t < 3; ++t)
        for (int i = t; i < 30; i += 3) expected.push_back(i);
    CHECK(log == expected);
}

TEST_CASE("events scheduled for now run after the heap's events due now", "[event_queue]") {
    // An event due at t=5 scheduled at t=0 precedes one scheduled *at* t=5 for t=5.
    sim::Simulation s;
    std::vector<int> log;
    Recorder early(log, 1), late(log, 2), later(log, 3);
    sim::Timer at5(s, [&] {
        log.push_back(0);
        s.schedule(late, s.now());
        s.schedule(later, s.now());
    });
    at5.schedule_at(sim::Time{5us});
    s.schedule(early, sim::Time{5us});
    s.run();
    CHECK(log == std::vector<int>{0, 1, 2, 3});
}

TEST_CASE("a cancelled event never fires, wherever it sits in the queue", "[event_queue]") {
    sim::EventQueue q;
    std::vector<int> log;
    std::vector<std::unique_ptr<Recorder>> nodes;
    for (int i = 0; i < 200; ++i) {
        nodes.push_back(std::make_unique<Recorder>(log, i));
        q.schedule(*nodes.back(), sim::Time{sim::Duration{(i * 7919) % 101}});
    }
    for (int i = 0; i < 200; i += 3) q.cancel(*nodes[static_cast<std::size_t>(i)]);
    for (int i = 0; i < 200; i += 3) CHECK_FALSE(nodes[static_cast<std::size_t>(i)]->scheduled());
    std::int64_t last = -1;
    while (sim::EventNode* n = q.pop_due(sim::end_of_time)) {
        CHECK(q.now().time_since_epoch().count() >= last);
        last = q.now().time_since_epoch().count();
        sim::EventQueue::fire(*n);
    }
    REQUIRE(log.size() == 200 - 67);
    for (int id : log) CHECK(id % 3 != 0);
}

TEST_CASE("the heap matches a reference ordering under random schedule/cancel/pop", "[event_queue]") {
    sim::Rng rng(42);
    sim::EventQueue q;
    std::vector<int> log;
    std::vector<std::unique_ptr<Recorder>> nodes;
    for (int i = 0; i < 500; ++i) nodes.push_back(std::make_unique<Recorder>(log, i));
    // Reference: plain (time, scheduling order); the ring for "now" must be
    // invisible in the order.
    std::vector<std::tuple<std::int64_t, std::uint64_t, int>> ref;
    std::uint64_t seq = 0;
    for (int step = 0; step < 20000; ++step) {
        const auto op = rng.below(3);
        auto& node = *nodes[rng.below(nodes.size())];
        if (op == 0 && !node.scheduled()) {
            const std::int64_t now = q.now().time_since_epoch().count();
            const std::int64_t when = now + static_cast<std::int64_t>(rng.below(50));
            q.schedule(node, sim::Time{sim::Duration{when}});
            ref.emplace_back(when, seq++, node.id);
        } else if (op == 1 && node.scheduled()) {
            q.cancel(node);
            std::erase_if(ref, [&](const auto& e) { return std::get<2>(e) == node.id; });
        } else if (op == 2) {
            sim::EventNode* n = q.pop_due(sim::end_of_time);
            if (ref.empty()) {
                CHECK(n == nullptr);
                continue;
            }
            auto it = std::min_element(ref.begin(), ref.end());
            REQUIRE(n != nullptr);
            CHECK(static_cast<Recorder*>(n)->id == std::get<2>(*it));
            CHECK(q.now().time_since_epoch().count() == std::get<0>(*it));
            ref.erase(it);
        }
        REQUIRE(q.size() == ref.size());
    }
}

TEST_CASE("a timer fires at its time, can be rescheduled and cancels itself on destruction", "[event_queue]") {
    sim::Simulation s;
    std::vector<double> fired;
    sim::Timer t(s, [&] { fired.push_back(sim::seconds_since_epoch(s.now())); });
    t.schedule_in(10s);
    t.schedule_in(20s);  // replaces the first
    {
        sim::Timer gone(s, [&] { fired.push_back(-1); });
        gone.schedule_in(5s);
    }
    s.run();
    CHECK(fired == std::vector<double>{20.0});
    CHECK(s.pending_events() == 0);
}

TEST_CASE("run_until processes events due exactly at the limit", "[event_queue]") {
    sim::Simulation s;
    int n = 0;
    sim::Timer t(s, [&] { ++n; });
    t.schedule_at(sim::Time{1h});
    s.run_until(sim::Time{1h});
    CHECK(n == 1);
    CHECK(s.next_event_time() == sim::end_of_time);
}
