// Typed signals: the model publishes, observers subscribe.
#include <kiosktwin/sim/signal.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace kiosktwin;

TEST_CASE("a signal calls its slots in connection order with the emitted values", "[signal]") {
    sim::Signal<const std::string&, int> visit_ended;
    std::vector<std::string> log;
    visit_ended.connect([&](const std::string& who, int rating) { log.push_back("kpi " + who + std::to_string(rating)); });
    auto c = visit_ended.connect([&](const std::string& who, int) { log.push_back("panel " + who); });
    visit_ended.emit("c1", 5);
    visit_ended.disconnect(c);
    visit_ended.emit("c2", 4);
    CHECK(log == std::vector<std::string>{"kpi c15", "panel c1", "kpi c24"});
    CHECK(visit_ended.slot_count() == 1);
}

TEST_CASE("slots may connect and disconnect during an emission", "[signal]") {
    sim::Signal<int> s;
    std::vector<int> log;
    sim::Connection self{};
    self = s.connect([&](int v) {
        log.push_back(v);
        s.disconnect(self);                                // leaves after this call
        s.connect([&](int w) { log.push_back(100 + w); });  // first runs next time
    });
    s.emit(1);
    s.emit(2);
    CHECK(log == std::vector<int>{1, 102});
}

TEST_CASE("a scoped connection ends with its observer", "[signal]") {
    sim::Signal<int> s;
    int sum = 0;
    {
        sim::ScopedConnection<int> c(s, s.connect([&](int v) { sum += v; }));
        s.emit(5);
    }
    s.emit(7);
    CHECK(sum == 5);
    CHECK_FALSE(s.connected());
}
