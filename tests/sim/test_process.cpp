// Processes as coroutines: delays, sub-processes, joins, results, interrupts
// and frame lifetimes.
#include <kiosktwin/sim/simulation.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace kiosktwin;
using namespace std::chrono_literals;
using sim::Process;
using sim::Simulation;

namespace {

Process<> ticker(Simulation& sim, std::vector<double>& log, int n, sim::Duration every) {
    for (int i = 0; i < n; ++i) {
        co_await sim.delay(every);
        log.push_back(sim::minutes_since_epoch(sim.now()));
    }
}

Process<int> add_later(Simulation& sim, int a, int b) {
    co_await sim.delay(1min);
    co_return a + b;
}

Process<int> caller(Simulation& sim, std::vector<std::string>& log) {
    log.push_back("caller starts");
    const int x = co_await add_later(sim, 2, 3);
    log.push_back("sub-process returned " + std::to_string(x));
    const int y = co_await add_later(sim, x, 10);
    co_return y;
}

Process<> thrower(Simulation& sim) {
    co_await sim.delay(5s);
    throw std::runtime_error("boom");
}

Process<std::string> catcher(Simulation& sim) {
    try {
        co_await thrower(sim);
    } catch (const std::runtime_error& e) {
        co_return std::string("caught ") + e.what();
    }
    co_return "not caught";
}

}  // namespace

TEST_CASE("a process lets virtual time pass with co_await sim.delay", "[process]") {
    Simulation sim;
    std::vector<double> log;
    sim.spawn(ticker(sim, log, 3, 2min));
    sim.run();
    CHECK(log == std::vector<double>{2.0, 4.0, 6.0});
    CHECK(sim.now() == sim::Time{6min});
    CHECK(sim.live_processes() == 0);
}

TEST_CASE("awaiting a process runs it as a sub-process and returns its value", "[process]") {
    Simulation sim;
    std::vector<std::string> log;
    auto h = sim.spawn(caller(sim, log));
    sim.run();
    REQUIRE(h.done());
    CHECK(h.result() == 15);
    CHECK(sim.now() == sim::Time{2min});
    CHECK(log == std::vector<std::string>{"caller starts", "sub-process returned 5"});
}

TEST_CASE("an exception in a sub-process reaches the awaiting process", "[process]") {
    Simulation sim;
    auto h = sim.spawn(catcher(sim));
    sim.run();
    CHECK(h.result() == "caught boom");
}

TEST_CASE("an exception escaping a detached process stops the run", "[process]") {
    Simulation sim;
    sim.spawn(thrower(sim));
    CHECK_THROWS_WITH(sim.run(), "boom");
    CHECK(sim.now() == sim::Time{5s});
}

TEST_CASE("run_until stops at the limit and sets the clock to it", "[process]") {
    Simulation sim;
    std::vector<double> log;
    sim.spawn(ticker(sim, log, 10, 1min));
    sim.run_until(sim::Time{150s});
    CHECK(log == std::vector<double>{1.0, 2.0});
    CHECK(sim.now() == sim::Time{150s});
    sim.run_until(sim::Time{240s});
    CHECK(log.size() == 4);
    CHECK(sim.live_processes() == 1);
}

// --- interrupts and lifetimes ---------------------------------------------------

namespace {

struct Tracker {
    int alive = 0;
    int destroyed = 0;
};
struct Guard {
    explicit Guard(Tracker& t) : t(&t) { ++t.alive; }
    Guard(const Guard&) = delete;
    ~Guard() {
        --t->alive;
        ++t->destroyed;
    }
    Tracker* t;
};

Process<std::string> sleeper(Simulation& sim, Tracker& t, sim::Duration d) {
    Guard g(t);
    try {
        co_await sim.delay(d);
    } catch (const sim::Interrupt& i) {
        const auto* why = i.cause_as<std::string>();
        co_return "interrupted at " + std::to_string(static_cast<int>(sim::minutes_since_epoch(sim.now()))) +
                  ": " + (why ? *why : "?");
    }
    co_return "slept";
}

Process<> nested_sleeper(Simulation& sim, Tracker& t) {
    Guard g(t);
    co_await sleeper(sim, t, 1h);  // the interrupt lands in the innermost frame
    co_await sim.delay(1min);       // and the outer one carries on
}

Process<> interrupter(Simulation& sim, sim::ProcessHandle<std::string> victim, sim::Duration after) {
    co_await sim.delay(after);
    victim.interrupt(std::string("fire drill"));
}

Process<int> joiner(Simulation& sim, sim::ProcessHandle<int> other) {
    const int v = co_await other;
    co_return v * 2 + static_cast<int>(sim::minutes_since_epoch(sim.now()));
}

}  // namespace

TEST_CASE("an interrupt withdraws the wait and throws at the co_await", "[process][interrupt]") {
    Simulation sim;
    Tracker t;
    auto h = sim.spawn(sleeper(sim, t, 1h));
    sim.spawn(interrupter(sim, h, 10min));
    sim.run();
    CHECK(h.result() == "interrupted at 10: fire drill");
    CHECK(sim.now() == sim::Time{10min});  // the cancelled 1-hour wake never fired
    CHECK(t.alive == 0);
}

TEST_CASE("an interrupt reaches the innermost sub-process", "[process][interrupt]") {
    Simulation sim;
    Tracker t;
    auto h = sim.spawn(nested_sleeper(sim, t));
    sim.run_until(sim::Time{5min});
    CHECK(h.interrupt());
    sim.run();
    CHECK(h.done());
    CHECK_FALSE(h.failed());
    CHECK(sim.now() == sim::Time{6min});
    CHECK(t.alive == 0);
    CHECK(t.destroyed == 2);
}

TEST_CASE("interrupting an ended process, or twice before delivery, is refused", "[process][interrupt]") {
    Simulation sim;
    Tracker t;
    auto h = sim.spawn(sleeper(sim, t, 1min));
    CHECK(h.interrupt());        // not started yet: delivered at its first co_await
    CHECK_FALSE(h.interrupt());  // one already pending
    sim.run();
    CHECK(h.result() == "interrupted at 0: ?");
    CHECK_FALSE(h.interrupt());
}

TEST_CASE("an uncaught interrupt ends a process quietly; joiners see it", "[process][interrupt]") {
    Simulation sim;
    auto h = sim.spawn([](Simulation& s) -> Process<int> {
        co_await s.delay(1h);
        co_return 1;
    }(sim));
    auto j = sim.spawn(joiner(sim, h));
    sim.run_until(sim::Time{1min});
    h.interrupt();
    sim.run();  // does not throw: an interrupt that ends a process is not an error
    CHECK(h.failed());
    CHECK(j.failed());
    CHECK_THROWS_AS(j.result(), sim::Interrupt);
}

TEST_CASE("co_await on a handle joins the process and yields its result", "[process]") {
    Simulation sim;
    auto h = sim.spawn(add_later(sim, 20, 1));
    auto j = sim.spawn(joiner(sim, h));
    auto late = sim.spawn([](Simulation& s, sim::ProcessHandle<int> other) -> Process<int> {
        co_await s.delay(5min);
        co_return co_await other;  // already done: no wait
    }(sim, h));
    sim.run();
    CHECK(j.result() == 43);
    CHECK(late.result() == 21);
}

TEST_CASE("process frames are freed when processes end and at teardown", "[process][lifetime]") {
    Tracker t;
    {
        Simulation sim;
        for (int i = 0; i < 100; ++i) sim.spawn(sleeper(sim, t, sim::Duration{std::chrono::minutes(i)}));
        CHECK(t.alive == 0);  // not started yet
        sim.run_until(sim::Time{50min});
        CHECK(t.alive == 49);  // 0..50 have ended (the one due at 50 too)
        CHECK(sim.live_processes() == 49);
        CHECK(t.destroyed == 51);
        // 49 frames are still suspended in delays: the Simulation destroys them.
    }
    CHECK(t.alive == 0);
    CHECK(t.destroyed == 100);
}

TEST_CASE("a handle keeps an ended process's result until released", "[process][lifetime]") {
    Tracker t;
    Simulation sim;
    {
        auto h = sim.spawn(sleeper(sim, t, 1min));
        sim.run();
        CHECK(h.done());
        CHECK(h.result() == "slept");
        CHECK(t.alive == 0);  // locals are gone; the frame stays for the result
    }
    CHECK(sim.live_processes() == 0);
}

TEST_CASE("a process never spawned is simply destroyed", "[process][lifetime]") {
    Tracker t;
    Simulation sim;
    {
        auto p = sleeper(sim, t, 1min);
    }
    CHECK(t.destroyed == 0);  // the body never ran
    CHECK(sim.pending_events() == 0);
}

TEST_CASE("delay(0) yields to everything already due now", "[process]") {
    Simulation sim;
    std::vector<std::string> log;
    auto p = [](Simulation& s, std::vector<std::string>& l, std::string n) -> Process<> {
        l.push_back(n + "1");
        co_await s.delay(0s);
        l.push_back(n + "2");
    };
    sim.spawn(p(sim, log, "a"));
    sim.spawn(p(sim, log, "b"));
    sim.run();
    CHECK(log == std::vector<std::string>{"a1", "b1", "a2", "b2"});
    CHECK(sim.now() == sim::epoch_time);
}
