// Stores and containers: FIFO hand-over, blocking puts and gets, patience,
// and amounts handed back when a satisfied getter is interrupted.
#include <kiosktwin/sim/store.hpp>
#include <kiosktwin/sim/timer.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace kiosktwin;
using namespace std::chrono_literals;
using sim::Process;
using sim::Simulation;

namespace {

Process<> producer(Simulation& s, sim::Store<std::string>& st, std::vector<std::string> items, sim::Duration every) {
    for (auto& i : items) {
        co_await s.delay(every);
        co_await st.put(i);
    }
}

Process<> consumer(Simulation& s, sim::Store<std::string>& st, std::vector<std::string>& got, int n,
                   sim::Duration work) {
    for (int i = 0; i < n; ++i) {
        auto item = co_await st.get();
        got.push_back(*item + "@" + std::to_string(static_cast<int>(sim::minutes_since_epoch(s.now()))));
        co_await s.delay(work);
    }
}

Process<double> printer(Simulation& s, sim::Container& paper, double per_receipt_mm, int receipts) {
    for (int i = 0; i < receipts; ++i) {
        co_await paper.get(per_receipt_mm);
        co_await s.delay(10s);
    }
    co_return sim::minutes_since_epoch(s.now());
}

}  // namespace

TEST_CASE("a store hands items over in FIFO order and blocks a full producer", "[store]") {
    Simulation s;
    sim::Store<std::string> tickets(s, 1);
    std::vector<std::string> got;
    s.spawn(producer(s, tickets, {"t1", "t2", "t3"}, 1min));
    s.spawn(consumer(s, tickets, got, 3, 5min));
    s.run();
    CHECK(got == std::vector<std::string>{"t1@1", "t2@6", "t3@11"});
    CHECK(tickets.empty());
}

TEST_CASE("get_for gives up after its patience", "[store]") {
    Simulation s;
    sim::Store<int> st(s);
    auto h = s.spawn([](Simulation& sm, sim::Store<int>& q) -> Process<bool> {
        auto x = co_await q.get_for(3min);
        co_return !x.has_value() && sm.now() == sim::Time{3min} && q.waiting_getters() == 0;
    }(s, st));
    s.run();
    CHECK(h.result());
    CHECK(st.try_put(7));
    CHECK(st.try_get() == std::optional<int>{7});
}

TEST_CASE("a container blocks a getter until a refill arrives", "[store]") {
    Simulation s;
    sim::Container paper(s, 1000.0, 250.0);  // mm of receipt roll
    auto h = s.spawn(printer(s, paper, 100.0, 5));
    sim::Timer refill(s, [&] { CHECK(paper.try_put(750.0)); });
    refill.schedule_at(sim::Time{30min});
    s.run();
    // Two receipts, a wait for the refill at 30 min, then three more.
    CHECK(h.result() == Approx(30.5));
    CHECK(paper.level() == Approx(500.0));
    CHECK_THROWS_AS(paper.get(2000.0), std::invalid_argument);
}

TEST_CASE("an interrupted getter that had been served hands the amount back", "[store][interrupt]") {
    Simulation s;
    sim::Container toner(s, 100.0, 0.0);
    auto h = s.spawn([](sim::Container& c) -> Process<> { co_await c.get(40.0); }(toner));
    s.run_until(sim::Time{1min});
    bool interrupted = false;
    sim::Timer put(s, [&] { CHECK(toner.try_put(50.0)); });
    sim::Timer intr(s, [&] { interrupted = h.interrupt(); });
    put.schedule_at(sim::Time{2min});
    intr.schedule_at(sim::Time{2min});  // after the put has served the getter, before it resumes
    s.run();
    CHECK(interrupted);
    CHECK(h.failed());
    CHECK(toner.level() == Approx(50.0));
}
