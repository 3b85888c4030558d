// The device framework: the seeded fault model, baud-paced output, actions,
// and recording / replaying exchanges.
#include <kiosktwin/devices/device.hpp>
#include <kiosktwin/devices/fault_model.hpp>
#include <kiosktwin/devices/trace.hpp>

#include <catch2/catch.hpp>

#include <sstream>

namespace devices_framework_test {

using namespace kiosktwin;
using namespace kiosktwin::devices;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// Answers every byte it receives with the byte + 1, after 1 ms of thought,
// unless the fault model says "no_reply" for that operation.
class Echo : public StreamDevice {
public:
    explicit Echo(int baud, std::uint64_t seed = 7) : StreamDevice("test/echo", "echo", seed, baud) {
        faults().set_known_faults({"no_reply", "offline"});
    }
    void on_bytes(sim::Time now, ByteView bytes) override {
        record(now, "in", json{{"n", bytes.size()}}, bytes);
        for (std::uint8_t b : bytes) {
            if (faults().active(now, "offline")) continue;
            if (faults().strike(now, "echo")) continue;
            const std::uint8_t r = static_cast<std::uint8_t>(b + 1);
            transmit(now, ByteView(&r, 1), 1ms);
            record(now, "out", json{{"byte", r}}, ByteView(&r, 1));
        }
    }
    DeviceStatus status(sim::Time now) const override {
        if (faults().active(now, "offline")) return {Health::fault, {"offline"}};
        return {};
    }

protected:
    std::optional<ActionResult> on_action(sim::Time, std::string_view name, const json&) override {
        if (name == "poke") return ActionResult::success(json{{"poked", true}});
        return std::nullopt;
    }
    std::vector<std::string> model_actions() const override { return {"poke"}; }
    json model_state(sim::Time) const override { return json{{"baud", baud()}}; }
};

Bytes bytes(std::initializer_list<int> v) {
    Bytes b;
    for (int x : v) b.push_back(static_cast<std::uint8_t>(x));
    return b;
}

}  // namespace

TEST_CASE("output is paced at the line's baud rate, 10 bits a byte", "[framework]") {
    Echo e(9600);  // 1.0417 ms a byte
    const Bytes in(10, 0x41);
    e.on_bytes(sim::epoch_time, in);
    // The first answer is ready at 1 ms + one byte time.
    CHECK(e.next_output_at() == sim::Time{1ms + e.wire_time(1)});
    CHECK(e.take_output(sim::Time{1ms}).empty());
    CHECK(e.take_output(sim::Time{1ms + e.wire_time(3)}).size() == 3);
    CHECK(e.output_idle_at() == sim::Time{1ms + e.wire_time(10)});
    CHECK(e.take_output(sim::Time{1s}).size() == 7);
    CHECK_FALSE(e.output_pending());
    CHECK(e.wire_time(1295) == 1348959us);  // an ID read at 9600 baud: ≈1.35 s
    e.set_baud(115200);
    CHECK(e.wire_time(1295) == 112414us);  // ...and ≈112 ms at 115200
}

TEST_CASE("an unpaced stream hands its output over at once", "[framework]") {
    Echo e(0);
    e.on_bytes(sim::Time{5s}, bytes({1, 2}));
    CHECK(e.take_output(sim::Time{5s}).empty());  // the 1 ms of thought still applies
    CHECK(e.take_output(sim::Time{5s + 1ms}) == bytes({2, 3}));
}

TEST_CASE("a fault on the nth operation fires on the nth, once", "[framework][faults]") {
    FaultModel f(1);
    f.add(FaultRule::from_json(json{{"fault", "no_reply"}, {"trigger", "nth"}, {"n", 3}, {"operation", "read"}}),
          sim::epoch_time);
    std::vector<int> struck;
    for (int i = 1; i <= 10; ++i) {
        CHECK(f.strike(sim::epoch_time, "find") == nullptr);  // other operations do not count
        if (f.strike(sim::epoch_time, "read") != nullptr) struck.push_back(i);
    }
    CHECK(struck == std::vector<int>{3});
}

TEST_CASE("every_nth repeats and probability rules are seeded", "[framework][faults]") {
    FaultModel f(1);
    f.add(FaultRule::from_json(json{{"fault", "a"}, {"trigger", "every_nth"}, {"n", 4}}), sim::epoch_time);
    int hits = 0;
    for (int i = 0; i < 20; ++i) hits += f.strike(sim::epoch_time, "x") != nullptr;
    CHECK(hits == 5);

    auto draws = [](std::uint64_t seed) {
        FaultModel m(seed);
        m.add(FaultRule::from_json(json{{"fault", "b"}, {"trigger", "probability"}, {"p", 0.1}}), sim::epoch_time);
        std::vector<int> v;
        for (int i = 0; i < 2000; ++i)
            if (m.strike(sim::epoch_time, "op")) v.push_back(i);
        return v;
    };
    CHECK(draws(5) == draws(5));
    CHECK(draws(5) != draws(6));
    CHECK(draws(5).size() > 150);
    CHECK(draws(5).size() < 250);
}

TEST_CASE("adding a rule does not shift another rule's draws", "[framework][faults]") {
    auto run = [](bool extra) {
        FaultModel m(9);
        m.add(FaultRule::from_json(json{{"fault", "b"}, {"trigger", "probability"}, {"p", 0.3}}), sim::epoch_time);
        if (extra)
            m.add(FaultRule::from_json(json{{"fault", "c"}, {"trigger", "probability"}, {"p", 0.5}, {"operation", "z"}}),
                  sim::epoch_time);
        std::vector<int> v;
        for (int i = 0; i < 500; ++i) {
            const FaultRule* r = m.strike(sim::epoch_time, "op");
            if (r && r->fault == "b") v.push_back(i);
        }
        return v;
    };
    CHECK(run(false) == run(true));
}

TEST_CASE("window and manual faults hold over time and report their changes", "[framework][faults]") {
    FaultModel f(1);
    f.set_known_faults({"paper_jam", "cover_open"});
    f.add(FaultRule::from_json(json{{"fault", "paper_jam"}, {"trigger", "window"}, {"at_s", 120}, {"duration_s", 60}}),
          sim::epoch_time);
    CHECK(f.next_change(sim::epoch_time) == sim::Time{120s});
    CHECK_FALSE(f.active(sim::Time{119s}, "paper_jam"));
    CHECK(f.active(sim::Time{120s}, "paper_jam"));
    CHECK(f.next_change(sim::Time{150s}) == sim::Time{180s});
    CHECK_FALSE(f.active(sim::Time{180s}, "paper_jam"));
    const std::string id = f.add(FaultRule::from_json(json{{"fault", "cover_open"}}), sim::Time{200s});
    CHECK(f.active_faults(sim::Time{300s}) == std::vector<std::string>{"cover_open"});
    CHECK(f.clear(id));
    CHECK(f.active_faults(sim::Time{300s}).empty());
    CHECK_THROWS_WITH(f.add(FaultRule::from_json(json{{"fault", "on_fire"}}), sim::epoch_time),
                      "unknown fault \"on_fire\"; this device knows: paper_jam, cover_open");
}

TEST_CASE("rate-based outages arrive and clear at seeded times", "[framework][faults]") {
    FaultModel f(3);
    f.add(FaultRule::from_json(
              json{{"fault", "offline"}, {"trigger", "rate"}, {"mean_between_s", 3600}, {"duration_s", 600}}),
          sim::epoch_time);
    // Walk a simulated year: the share of time offline ≈ 600 / (3600 + 600).
    sim::Time t = sim::epoch_time;
    double offline_s = 0;
    int outages = 0;
    const sim::Time end{std::chrono::hours(24 * 365)};
    while (t < end) {
        const sim::Time next = std::min(f.next_change(t), end);
        if (f.active(t, "offline")) offline_s += sim::to_seconds(next - t);
        else ++outages;
        t = next;
    }
    CHECK(offline_s / sim::to_seconds(end.time_since_epoch()) == Approx(600.0 / 4200.0).epsilon(0.05));
    CHECK(outages > 1800);
}

TEST_CASE("fault rules in JSON are checked field by field", "[framework][faults]") {
    CHECK_THROWS_WITH(FaultRule::from_json(json{{"trigger", "nth"}}), "fault rule: \"fault\" (the fault's name) is required");
    CHECK_THROWS_WITH(FaultRule::from_json(json{{"fault", "x"}, {"trigger", "nth"}}), "fault rule: \"n\" must be an integer >= 1");
    CHECK_THROWS_WITH(FaultRule::from_json(json{{"fault", "x"}, {"trigger", "probability"}, {"p", 2}}),
                      "fault rule: \"p\" must be a probability in [0, 1]");
    CHECK_THROWS_AS(FaultRule::from_json(json{{"fault", "x"}, {"trigger", "sometimes"}}), std::invalid_argument);
    const FaultRule r = FaultRule::from_json(json{{"fault", "x"}, {"trigger", "window"}, {"at_s", 5}, {"duration_s", 2}});
    CHECK(FaultRule::from_json(r.to_json()).to_json() == r.to_json());
}

TEST_CASE("actions: faults by JSON, model actions, and a clear error for the unknown", "[framework]") {
    Echo e(0);
    auto r = e.act(sim::epoch_time, json{{"action", "inject_fault"}, {"fault", "offline"}});
    REQUIRE(r.ok);
    CHECK(e.status(sim::epoch_time).health == Health::fault);
    e.on_bytes(sim::epoch_time, bytes({1}));
    CHECK(e.take_output(sim::Time{1s}).empty());  // offline: no answer
    CHECK(e.act(sim::epoch_time, json{{"action", "clear_fault"}}).ok);
    CHECK(e.status(sim::epoch_time).health == Health::ok);
    CHECK(e.act(sim::epoch_time, json{{"action", "poke"}}).data["poked"] == true);
    const auto bad = e.act(sim::epoch_time, json{{"action", "dance"}});
    CHECK_FALSE(bad.ok);
    CHECK(bad.error == "unknown action \"dance\" for echo; known: describe, inject_fault, clear_fault, poke");
    const json d = e.describe(sim::epoch_time);
    CHECK(d["health"] == "OK");
    CHECK(d["state"]["baud"] == 0);
}

TEST_CASE("a recorded exchange replays identically into a fresh device", "[framework][trace]") {
    std::stringstream file;
    JsonLinesTrace sink(file);
    {
        Echo e(115200);
        e.set_trace(&sink);
        e.act(sim::epoch_time, json{{"action", "inject_fault"}, {"fault", "no_reply"}, {"trigger", "probability"}, {"p", 0.2}});
        for (int i = 0; i < 50; ++i) e.on_bytes(sim::Time{std::chrono::milliseconds(10 * i)}, bytes({i, i + 1}));
    }
    const auto records = read_trace(file);
    REQUIRE(records.size() > 100);
    Echo fresh(115200);  // the recorded fault injection is replayed too
    const ReplayResult res = replay(fresh, records, "test/echo");
    CHECK(res.inputs == 50);
    CHECK(res.events == 1);
    CHECK(res.matches());

    Echo prepared(115200);  // bytes only, into a device prepared by hand
    prepared.act(sim::epoch_time, json{{"action", "inject_fault"}, {"fault", "no_reply"}, {"trigger", "probability"}, {"p", 0.2}});
    CHECK(replay(prepared, records, "test/echo", /*apply_events=*/false).matches());

    Echo other_seed(115200, 8);  // its fault draws differ: so do its answers
    CHECK_FALSE(replay(other_seed, records, "test/echo").matches());
    std::stringstream broken("{\"t_us\": 1, \"device\": \"x\"}\n");
    CHECK_THROWS_WITH(read_trace(broken), "trace line 1: a trace record needs t_us (integer), device and dir");
}

TEST_CASE("rate rules are bounded: sensible intervals only, and long gaps cost nothing", "[framework][faults]") {
    CHECK_THROWS_WITH(FaultRule::from_json(json{{"fault", "x"}, {"trigger", "rate"}, {"mean_between_s", 1e-6}, {"duration_s", 1}}),
                      "fault rule: a rate needs \"mean_between_s\" >= 1");
    CHECK_THROWS_WITH(FaultRule::from_json(json{{"fault", "x"}, {"trigger", "rate"}, {"mean_between_s", 60}, {"duration_s", 0}}),
                      "fault rule: a rate needs \"duration_s\" > 0");
    FaultModel f(4);
    f.add(FaultRule::from_json(json{{"fault", "x"}, {"trigger", "rate"}, {"mean_between_s", 1}, {"duration_s", 1}}),
          sim::epoch_time);
    // A century later, in one step: answered at once, and the process goes on.
    const sim::Time later{std::chrono::hours(24 * 365 * 100)};
    (void)f.active(later, "x");
    CHECK(f.next_change(later) > later);
    CHECK(f.next_change(later) < later + std::chrono::seconds(60));
}

TEST_CASE("actions are traced with citizen ID numbers masked (R-9.3-1)", "[framework][trace]") {
    MemoryTrace trace;
    Echo e(0);
    e.set_trace(&trace);
    REQUIRE(e.act(sim::epoch_time, json{{"action", "poke"}, {"card", {{"id_number", "11010519491231002X"}}}}).ok);
    const std::string text = trace.to_json().dump();
    CHECK(text.find("11010519491231002X") == std::string::npos);
    CHECK(text.find("1101**********002X") != std::string::npos);
}

}  // namespace devices_framework_test
