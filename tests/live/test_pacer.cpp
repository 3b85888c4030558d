// The live pacer: virtual time follows the wall clock at the chosen speed,
// I/O completions become events at the current virtual time, holds pause the
// simulation and not the I/O, and run() stops on a condition, a duration,
// stop() from another thread or SIGINT. Bounds are generous for a loaded
// two-core machine; every run is limited.
#include <utility>  // Boost 1.74's Asio uses std::exchange without including it

#include <kiosktwin/live/pacer.hpp>
#include <kiosktwin/sim/event.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <csignal>
#include <thread>
#include <vector>

namespace live_pacer_test {

using namespace kiosktwin;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

}  // namespace

TEST_CASE("at speed 10, events fire near their wall time", "[pacer]") {
    sim::Simulation sim;
    live::LivePacer pacer(sim, {.speed = 10.0});
    std::vector<double> fired_ms;
    std::vector<sim::Time> fired_at;
    Clock::time_point t0;
    const sim::Time start = sim.now();
    auto ticker = [&]() -> sim::Process<void> {
        for (int i = 1; i <= 5; ++i) {
            co_await sim.delay(1s);  // 100 ms of wall time each at speed 10
            fired_ms.push_back(ms_since(t0));
            fired_at.push_back(sim.now());
        }
    };
    auto p = sim.spawn(ticker());
    t0 = Clock::now();
    const live::PacerStop why = pacer.run(5s, [&] { return p.done(); });
    CHECK(why == live::PacerStop::condition);
    REQUIRE(fired_ms.size() == 5);
    for (std::size_t i = 0; i < fired_ms.size(); ++i) {
        INFO("event " << i + 1 << " at " << fired_ms[i] << " ms of wall time");
        CHECK(fired_at[i] - start == std::chrono::seconds(i + 1));  // virtual time is exact
        CHECK(fired_ms[i] >= 100.0 * static_cast<double>(i + 1) - 2);  // never early
        CHECK(fired_ms[i] <= 100.0 * static_cast<double>(i + 1) + 90);  // and not much late (a loaded machine)
    }
    CHECK(ms_since(t0) < 1000);
}

TEST_CASE("virtual time stands still between runs and follows the wall clock while running", "[pacer]") {
    sim::Simulation sim;
    live::LivePacer pacer(sim);
    const sim::Time before = sim.now();
    const auto t0 = Clock::now();
    CHECK(pacer.run(150ms) == live::PacerStop::duration);
    const double wall = ms_since(t0);
    const double virt = std::chrono::duration<double, std::milli>(sim.now() - before).count();
    CHECK(wall >= 150);
    CHECK(wall < 600);
    CHECK(virt >= 140);
    CHECK(virt <= wall + 1);
    std::this_thread::sleep_for(50ms);
    CHECK(pacer.live_now() == sim.now());  // not running: no time passes
}

TEST_CASE("an I/O completion fires its event at the current virtual time, not the last pass's", "[pacer]") {
    sim::Simulation sim;
    live::LivePacer pacer(sim, {.speed = 1.0, .handle_signals = true, .max_slice = 1000ms});
    sim::Event<> arrived;
    sim::Time woke{};
    auto waiter = [&]() -> sim::Process<void> {
        co_await arrived;
        woke = sim.now();
    };
    auto p = sim.spawn(waiter());
    const sim::Time start = sim.now();
    // Nothing else is scheduled: the loop sleeps in the io_context until the timer's completion.
    boost::asio::steady_timer timer(pacer.io(), 150ms);
    timer.async_wait([&](const boost::system::error_code&) {
        pacer.catch_up();
        arrived.succeed();
    });
    CHECK(pacer.run(3s, [&] { return p.done(); }) == live::PacerStop::condition);
    const double at_ms = std::chrono::duration<double, std::milli>(woke - start).count();
    CHECK(at_ms >= 145);
    CHECK(at_ms < 400);
}

TEST_CASE("a hold pauses the simulation while the I/O goes on", "[pacer]") {
    sim::Simulation sim;
    live::LivePacer pacer(sim);
    const auto t0 = Clock::now();
    double fired_ms = -1;
    bool io_ran_while_held = false;
    auto held = [&]() -> sim::Process<void> {  // named: the frame refers to its captures
        pacer.hold();  // from inside the simulation: the pass ends after this event
        co_await sim.delay(20ms);
        fired_ms = ms_since(t0);
    };
    auto p = sim.spawn(held());
    boost::asio::steady_timer timer(pacer.io(), 200ms);
    timer.async_wait([&](const boost::system::error_code&) {
        io_ran_while_held = pacer.held() && fired_ms < 0;
        pacer.release();
    });
    CHECK(pacer.run(3s, [&] { return p.done(); }) == live::PacerStop::condition);
    CHECK(io_ran_while_held);
    CHECK(fired_ms >= 195);  // due at 20 ms, held until the release at 200 ms
    CHECK(fired_ms < 800);
}

TEST_CASE("stop() from another thread and SIGINT end run()", "[pacer]") {
    sim::Simulation sim;
    live::LivePacer pacer(sim);
    SECTION("stop") {
        std::thread stopper([&] {
            std::this_thread::sleep_for(100ms);
            pacer.stop();
        });
        const auto t0 = Clock::now();
        CHECK(pacer.run(5s) == live::PacerStop::stopped);
        stopper.join();
        CHECK(ms_since(t0) < 1500);
    }
    SECTION("SIGINT") {
        boost::asio::post(pacer.io(), [] { std::raise(SIGINT); });
        const auto t0 = Clock::now();
        CHECK(pacer.run(5s) == live::PacerStop::signal);
        CHECK(ms_since(t0) < 1500);
    }
    CHECK_FALSE(pacer.running());
}

TEST_CASE("the pacer refuses a speed that is not positive", "[pacer]") {
    sim::Simulation sim;
    CHECK_THROWS_AS(live::LivePacer(sim, {.speed = 0.0}), std::invalid_argument);
    CHECK_THROWS_AS(live::LivePacer(sim, {.speed = -1.0}), std::invalid_argument);
}

}  // namespace live_pacer_test
