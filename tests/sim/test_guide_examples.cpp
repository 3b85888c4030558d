// The code shown in docs/kernel.md. The guide quotes these blocks verbatim
// (a test checks that), so every snippet there compiles and runs here.
#include <kiosktwin/sim/sim.hpp>

#include <catch2/catch.hpp>

#include <string>

using namespace std::chrono_literals;

namespace guide {

// --- guide: a visit ---
namespace sim = kiosktwin::sim;

enum class Outcome { served, reneged, balked };

struct Hall {
    sim::Simulation& sim;
    sim::Resource kiosks;  // N identical kiosks
    sim::LogNormal service = sim::LogNormal::from_mean_sd(6.0, 4.0);  // minutes
    sim::Exponential patience{15.0};                                  // minutes
    sim::Signal<Outcome, sim::Duration> visit_ended{};                // observers subscribe
};

// One citizen: queue with patience, use a kiosk, leave.
sim::Process<Outcome> visit(Hall& hall) {
    auto& rng = hall.sim.rng("citizens");  // a named stream: adding a kiosk shifts no draw
    const auto service = sim::from_minutes(hall.service(rng));
    const auto patience = sim::from_minutes(hall.patience(rng));

    auto slot = co_await hall.kiosks.acquire({.patience = patience, .balk_at_queue_length = 12});
    if (!slot) {
        const Outcome o = slot.status() == sim::GrantStatus::balked ? Outcome::balked : Outcome::reneged;
        hall.visit_ended.emit(o, slot.waited());
        co_return o;
    }
    co_await hall.sim.delay(service);  // the slot is released when `slot` goes out of scope
    hall.visit_ended.emit(Outcome::served, slot.waited());
    co_return Outcome::served;
}
// --- end ---

// --- guide: arrivals ---
// Citizens arrive by a non-homogeneous Poisson process following the hour of day.
sim::Process<> arrivals(Hall& hall, sim::RateProfile profile, sim::Time until) {
    sim::NhppArrivals gen(profile, hall.sim.calendar());
    auto& rng = hall.sim.rng("arrivals");
    while (auto t = gen.next(hall.sim.now(), rng)) {
        if (*t >= until) break;
        co_await hall.sim.delay_until(*t);
        hall.sim.spawn(visit(hall));  // runs detached; its frame is freed when it ends
    }
}
// --- end ---

}  // namespace guide

TEST_CASE("guide: a day in a hall", "[guide]") {
    using namespace guide;
    // --- guide: running ---
    sim::Simulation world({.seed = 42});  // epoch: Monday 2026-06-01 00:00 +08:00
    Hall hall{world, sim::Resource(world, 4)};

    sim::Tally waits;  // minutes, of served citizens
    int served = 0, gave_up = 0;
    hall.visit_ended.connect([&](Outcome o, sim::Duration waited) {
        if (o == Outcome::served) {
            ++served;
            waits.add(sim::to_minutes(waited));
        } else {
            ++gave_up;
        }
    });

    std::array<double, 24> per_hour{};  // arrivals per hour, 09:00-17:00
    for (int h = 9; h < 17; ++h) per_hour[static_cast<std::size_t>(h)] = 36.0;
    world.spawn(arrivals(hall, sim::RateProfile::daily(per_hour), sim::Time{24h}));
    world.run();  // until nothing is left to do

    std::printf("served %d, gave up %d, mean wait %.2f min, kiosks busy %.0f %%\n", served, gave_up,
                waits.mean(), 100.0 * hall.kiosks.utilisation());
    // --- end ---
    CHECK(served + gave_up > 200);
    CHECK(waits.mean() > 0.0);
    CHECK(hall.kiosks.in_use() == 0);
    CHECK(world.live_processes() == 0);
}

namespace guide {

// --- guide: any_of ---
// Log in with an ID card or an e-ID QR code, whichever comes first, within 2 minutes.
sim::Process<std::string> login(sim::Event<std::string>& card, sim::Event<std::string>& qr) {
    const std::size_t first = co_await sim::any_of(card, qr, sim::timeout(2min));
    switch (first) {  // g++ 12 miscompiles `switch (co_await ...)`: bind the result first
    case 0: co_return "card " + card.get();
    case 1: co_return "e-ID " + qr.get();
    default: co_return "timed out";
    }
}
// --- end ---

// --- guide: interrupt ---
// A technician repairs a kiosk unless called away to something more urgent.
sim::Process<bool> repair(sim::Simulation& sim, sim::Duration work) {
    try {
        co_await sim.delay(work);
        co_return true;
    } catch (const sim::Interrupt& i) {
        if (const auto* why = i.cause_as<std::string>()) std::printf("repair interrupted: %s\n", why->c_str());
        co_return false;
    }
}
// --- end ---

}  // namespace guide

TEST_CASE("guide: conditions and interrupts", "[guide]") {
    using namespace guide;
    sim::Simulation world;
    sim::Event<std::string> card, qr;
    auto who = world.spawn(login(card, qr));
    sim::Timer scan(world, [&] { qr.succeed("e-ID-7f3a"); });
    scan.schedule_in(30s);

    // --- guide: handles ---
    auto job = world.spawn(repair(world, 45min));
    world.run_until(sim::Time{10min});
    job.interrupt(std::string("L1 fault at kiosk 3"));
    world.run();
    const bool finished = job.result();  // false: it was called away
    // --- end ---
    CHECK_FALSE(finished);
    CHECK(who.result() == "e-ID e-ID-7f3a");
}
