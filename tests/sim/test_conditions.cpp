// Events and any-of / all-of conditions, including timeouts and interrupts,
// leave no waiter behind.
#include <kiosktwin/sim/conditions.hpp>
#include <kiosktwin/sim/event.hpp>
#include <kiosktwin/sim/timer.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace kiosktwin;
using namespace std::chrono_literals;
using sim::Process;
using sim::Simulation;

namespace {

Process<std::string> wait_for_card(Simulation& s, sim::Event<std::string>& card) {
    const std::string id = co_await card;
    co_return id + "@" + std::to_string(static_cast<int>(sim::seconds_since_epoch(s.now())));
}

Process<std::size_t> login(Simulation& s, sim::Event<>& card, sim::Event<>& qr, sim::Duration limit) {
    co_return co_await sim::any_of(card, qr, sim::timeout(limit));
    (void)s;
}

Process<int> work(Simulation& s, sim::Duration d, int v) {
    co_await s.delay(d);
    co_return v;
}

}  // namespace

TEST_CASE("an event wakes every waiter with its value, in waiting order", "[conditions]") {
    Simulation s;
    sim::Event<std::string> card;
    auto a = s.spawn(wait_for_card(s, card));
    auto b = s.spawn(wait_for_card(s, card));
    sim::Timer t(s, [&] { card.succeed("110101199003074514"); });
    t.schedule_in(30s);
    s.run();
    CHECK(a.result() == "110101199003074514@30");
    CHECK(b.result() == "110101199003074514@30");
    CHECK_THROWS_AS(card.succeed("again"), std::logic_error);
    // A late waiter on a fired event does not wait.
    auto c = s.spawn(wait_for_card(s, card));
    s.run();
    CHECK(c.result() == "110101199003074514@30");
}

TEST_CASE("a failed event rethrows in its waiters", "[conditions]") {
    Simulation s;
    sim::Event<std::string> card;
    auto a = s.spawn(wait_for_card(s, card));
    sim::Timer t(s, [&] { card.fail(std::make_exception_ptr(std::runtime_error("card unreadable"))); });
    t.schedule_in(1s);
    s.run();
    CHECK_THROWS_WITH(a.result(), "card unreadable");
}

TEST_CASE("any_of yields the first operand to fire and forgets the others", "[conditions]") {
    Simulation s;
    sim::Event<> card, qr;
    SECTION("the QR code first") {
        auto h = s.spawn(login(s, card, qr, 2min));
        sim::Timer t1(s, [&] { qr.succeed(); });
        sim::Timer t2(s, [&] { card.succeed(); });
        t1.schedule_in(20s);
        t2.schedule_in(40s);
        s.run();
        CHECK(h.result() == 1);
        CHECK(s.now() == sim::Time{40s});  // the 2-minute timeout was cancelled
    }
    SECTION("nothing: the timeout") {
        auto h = s.spawn(login(s, card, qr, 2min));
        s.run();
        CHECK(h.result() == 2);
        CHECK(s.now() == sim::Time{2min});
        card.succeed();  // nobody waits any more: must not touch the ended process
        s.run();
    }
    SECTION("already fired: the lowest index, without waiting") {
        qr.succeed();
        card.succeed();
        auto h = s.spawn(login(s, card, qr, 2min));
        s.run();
        CHECK(h.result() == 0);
        CHECK(s.now() == sim::epoch_time);
    }
}

TEST_CASE("all_of waits for every operand, or reports a timeout", "[conditions]") {
    Simulation s;
    auto p1 = s.spawn(work(s, 3min, 1));
    auto p2 = s.spawn(work(s, 5min, 2));
    auto both = s.spawn([](Simulation& sm, sim::ProcessHandle<int> a, sim::ProcessHandle<int> b) -> Process<bool> {
        const bool ok = co_await sim::all_of(a, b, sim::timeout(10min));
        co_return ok && sm.now() == sim::Time{5min} && a.result() + b.result() == 3;
    }(s, p1, p2));
    auto slow = s.spawn(work(s, 20min, 3));
    auto impatient = s.spawn([](Simulation& sm, sim::ProcessHandle<int> a) -> Process<bool> {
        const bool ok = co_await sim::all_of(a, sim::timeout(10min));
        co_return !ok && sm.now() == sim::Time{10min};
    }(s, slow));
    s.run();
    CHECK(both.result());
    CHECK(impatient.result());
}

TEST_CASE("an interrupted any_of leaves no waiter on its operands", "[conditions][interrupt]") {
    Simulation s;
    sim::Event<> card, qr;
    auto h = s.spawn(login(s, card, qr, 1h));
    s.run_until(sim::Time{1min});
    h.interrupt();
    s.run();
    CHECK(h.failed());
    // Firing the events now must not resume (or touch) the ended process.
    card.succeed();
    qr.succeed();
    s.run();
    CHECK(s.now() == sim::Time{1min});
}
