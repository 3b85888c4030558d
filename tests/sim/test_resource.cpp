// Resources: capacity, queue disciplines, patience (reneging), balking,
// waiting-room limits, preemption, capacity changes and monitors.
#include <kiosktwin/sim/resource.hpp>
#include <kiosktwin/sim/timer.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace kiosktwin;
using namespace std::chrono_literals;
using sim::GrantStatus;
using sim::Process;
using sim::Simulation;

namespace {

struct Log {
    std::vector<std::string> lines;
    void add(const Simulation& s, const std::string& what) {
        lines.push_back(std::to_string(sim::minutes_since_epoch(s.now())) .substr(0, 4) + " " + what);
    }
};

Process<GrantStatus> user(Simulation& s, sim::Resource& r, std::string name, sim::Duration hold,
                          sim::Request req, Log& log) {
    auto g = co_await r.acquire(req);
    if (!g) {
        log.add(s, name + (g.status() == GrantStatus::reneged ? " reneged" :
                           g.status() == GrantStatus::balked ? " balked" : " rejected"));
        co_return g.status();
    }
    log.add(s, name + " got");
    co_await s.delay(hold);
    log.add(s, name + " done");
    co_return GrantStatus::granted;
}


}  // namespace

TEST_CASE("a resource grants up to its capacity and queues the rest FIFO", "[resource]") {
    Simulation s;
    sim::Resource kiosks(s, 2);
    Log log;
    for (const char* n : {"a", "b", "c", "d"}) s.spawn(user(s, kiosks, n, 10min, {}, log));
    s.run();
    CHECK(log.lines == std::vector<std::string>{"0.00 a got", "0.00 b got", "10.0 a done", "10.0 b done",
                                                "10.0 c got", "10.0 d got", "20.0 c done", "20.0 d done"});
    CHECK(kiosks.grants() == 4);
    CHECK(kiosks.in_use() == 0);
    CHECK(kiosks.utilisation() == Approx(1.0));
}

TEST_CASE("a released slot goes to the next waiter at the same instant", "[resource]") {
    Simulation s;
    sim::Resource r(s, 1);
    Log log;
    s.spawn(user(s, r, "a", 5min, {}, log));
    s.spawn(user(s, r, "b", 5min, {}, log));
    s.run_until(sim::Time{5min});
    CHECK(log.lines == std::vector<std::string>{"0.00 a got", "5.00 a done", "5.00 b got"});
    CHECK(r.in_use() == 1);
    CHECK(r.queue_length() == 0);
}

TEST_CASE("LIFO and priority disciplines order the waiting room", "[resource]") {
    Simulation s;
    Log log;
    SECTION("lifo") {
        sim::Resource r(s, 1, sim::QueueDiscipline::lifo);
        for (const char* n : {"a", "b", "c", "d"}) s.spawn(user(s, r, n, 1min, {}, log));
        s.run();
        CHECK(log.lines == std::vector<std::string>{"0.00 a got", "1.00 a done", "1.00 d got", "2.00 d done",
                                                    "2.00 c got", "3.00 c done", "3.00 b got", "4.00 b done"});
    }
    SECTION("priority: lower number first, FIFO among equals") {
        sim::Resource r(s, 1, sim::QueueDiscipline::priority);
        s.spawn(user(s, r, "a", 1min, {.priority = 5}, log));
        s.spawn(user(s, r, "b", 1min, {.priority = 5}, log));
        s.spawn(user(s, r, "c", 1min, {.priority = 1}, log));
        s.spawn(user(s, r, "d", 1min, {.priority = 5}, log));
        s.spawn(user(s, r, "e", 1min, {.priority = 1}, log));
        s.run();
        CHECK(log.lines == std::vector<std::string>{"0.00 a got", "1.00 a done", "1.00 c got", "2.00 c done",
                                                    "2.00 e got", "3.00 e done", "3.00 b got", "4.00 b done",
                                                    "4.00 d got", "5.00 d done"});
    }
}

TEST_CASE("a request with patience reneges when it runs out, and not otherwise", "[resource]") {
    Simulation s;
    sim::Resource r(s, 1);
    Log log;
    auto a = s.spawn(user(s, r, "a", 10min, {}, log));
    auto b = s.spawn(user(s, r, "b", 1min, {.patience = 4min}, log));
    auto c = s.spawn(user(s, r, "c", 1min, {.patience = 15min}, log));
    s.run();
    CHECK(b.result() == GrantStatus::reneged);
    CHECK(c.result() == GrantStatus::granted);
    CHECK(log.lines == std::vector<std::string>{"0.00 a got", "4.00 b reneged", "10.0 a done", "10.0 c got",
                                                "11.0 c done"});
    CHECK(r.reneges() == 1);
    CHECK(s.pending_events() == 0);  // c's patience timer did not linger
}

TEST_CASE("a release and a patience deadline at the same instant: the earlier-scheduled wins", "[resource]") {
    // a's 10-minute hold was scheduled before b's 10-minute patience, so at
    // t = 10 the release comes first and b is served instead of reneging.
    Simulation s;
    sim::Resource r(s, 1);
    Log log;
    s.spawn(user(s, r, "a", 10min, {}, log));
    auto b = s.spawn(user(s, r, "b", 1min, {.patience = 10min}, log));
    s.run();
    CHECK(b.result() == GrantStatus::granted);
}

TEST_CASE("balking and a full waiting room turn requests away without queueing", "[resource]") {
    Simulation s;
    sim::Resource r(s, sim::ResourceOptions{.capacity = 1, .queue_limit = 2});
    Log log;
    s.spawn(user(s, r, "a", 10min, {}, log));
    s.spawn(user(s, r, "b", 1min, {}, log));
    auto c = s.spawn(user(s, r, "c", 1min, {.balk_at_queue_length = 1}, log));
    s.spawn(user(s, r, "d", 1min, {}, log));
    auto e = s.spawn(user(s, r, "e", 1min, {}, log));
    s.run();
    CHECK(c.result() == GrantStatus::balked);
    CHECK(e.result() == GrantStatus::rejected);
    CHECK(r.balks() == 1);
    CHECK(r.rejections() == 1);
    CHECK(r.grants() == 3);
}

TEST_CASE("zero patience takes a free slot but never waits", "[resource]") {
    Simulation s;
    sim::Resource r(s, 1);
    Log log;
    auto a = s.spawn(user(s, r, "a", 1min, {.patience = 0min}, log));
    auto b = s.spawn(user(s, r, "b", 1min, {.patience = 0min}, log));
    s.run();
    CHECK(a.result() == GrantStatus::granted);
    CHECK(b.result() == GrantStatus::reneged);
}

namespace {

// A technician's job that can be preempted: it records how much was done.
Process<std::string> job(Simulation& s, sim::Resource& tech, std::string name, int priority, sim::Duration work) {
    auto g = co_await tech.acquire({.priority = priority});
    try {
        co_await s.delay(work);
        co_return name + " finished at " + std::to_string(static_cast<int>(sim::minutes_since_epoch(s.now())));
    } catch (const sim::Interrupt& i) {
        const auto* p = i.cause_as<sim::Preempted>();
        REQUIRE(p != nullptr);
        CHECK(p->by_priority == 0);
        CHECK(g.status() == GrantStatus::preempted);
        co_return name + " preempted at " + std::to_string(static_cast<int>(sim::minutes_since_epoch(s.now())));
    }
}

Process<std::string> urgent_later(Simulation& s, sim::Resource& tech) {
    co_await s.delay(5min);
    co_return co_await job(s, tech, "urgent", 0, 10min);
}

}  // namespace

TEST_CASE("a preemptive resource interrupts its least urgent holder", "[resource]") {
    Simulation s;
    sim::Resource tech(s, sim::ResourceOptions{.capacity = 2, .discipline = sim::QueueDiscipline::priority,
                                                .preemptive = true});
    auto routine = s.spawn(job(s, tech, "routine", 3, 60min));
    auto normal = s.spawn(job(s, tech, "normal", 2, 60min));
    auto urgent = s.spawn(urgent_later(s, tech));
    s.run();
    CHECK(routine.result() == "routine preempted at 5");
    CHECK(normal.result() == "normal finished at 60");
    CHECK(urgent.result() == "urgent finished at 15");
    CHECK(tech.preemptions() == 1);
    CHECK(tech.in_use() == 0);
}

TEST_CASE("reducing capacity lets holders finish and holds back new grants", "[resource]") {
    Simulation s;
    sim::Resource r(s, 2);
    Log log;
    for (const char* n : {"a", "b", "c"}) s.spawn(user(s, r, n, 10min, {}, log));
    s.run_until(sim::Time{1min});
    r.set_capacity(1);  // one kiosk breaks down
    s.run();
    CHECK(log.lines == std::vector<std::string>{"0.00 a got", "0.00 b got", "10.0 a done", "10.0 b done",
                                                "10.0 c got", "20.0 c done"});
    // Busy 2 slots for 10 min then 1 for 10 min; available 2 for 1 min, then 1.
    CHECK(r.mean_in_use() == Approx(1.5));
    CHECK(r.utilisation() == Approx(30.0 / 21.0).epsilon(1e-9) );
}

TEST_CASE("monitors report time-weighted queue length and can be reset", "[resource]") {
    Simulation s;
    sim::Resource r(s, 1);
    Log log;
    for (const char* n : {"a", "b", "c"}) s.spawn(user(s, r, n, 10min, {}, log));
    s.run();
    // Queue: 2 waiting for 10 min, 1 for 10 min, 0 for 10 min → mean 1.
    CHECK(r.mean_queue_length() == Approx(1.0));
    r.reset_statistics();
    CHECK(r.grants() == 0);
}

TEST_CASE("a slot arriving while a waiter is interrupted passes on to the next", "[resource]") {
    Simulation s;
    sim::Resource r(s, 1);
    Log log;
    s.spawn(user(s, r, "a", 10min, {}, log));
    auto b = s.spawn(user(s, r, "b", 1min, {}, log));
    s.spawn(user(s, r, "c", 1min, {}, log));
    s.run_until(sim::Time{1min});
    // This timer is due at 10 min like a's release but was scheduled after it:
    // it runs once b has been granted the slot and before b resumes.
    bool interrupted = false;
    sim::Timer t(s, [&] {
        REQUIRE(r.in_use() == 1);
        REQUIRE(r.queue_length() == 1);
        interrupted = b.interrupt(std::string("called away"));
    });
    t.schedule_at(sim::Time{10min});
    s.run();
    CHECK(interrupted);
    CHECK(b.failed());
    CHECK_THROWS_AS(b.result(), sim::Interrupt);
    CHECK(log.lines.back() == "11.0 c done");
    CHECK(r.in_use() == 0);
}
