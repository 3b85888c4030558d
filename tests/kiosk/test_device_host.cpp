// Device models driven in virtual time: exchanges take the wire time the baud
// rate implies, HTTP answers arrive after their delay, and model wakeups run.
#include <kiosktwin/kiosk/device_host.hpp>

#include <catch2/catch.hpp>

namespace kiosk_device_host_test {

using namespace kiosktwin;
using namespace kiosktwin::devices;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// Answers "PING" with a 1000-byte frame after 5 ms; counts its own wakeups.
class Big : public StreamDevice {
public:
    explicit Big(int baud) : StreamDevice("k/big", "test_big", 1, baud) {}
    void on_bytes(sim::Time now, ByteView) override {
        transmit(now, Bytes(1000, 0x55), 5ms);
        m_tick = now + 1s;
    }
    sim::Time next_wakeup() const override { return std::min(m_tick, StreamDevice::next_wakeup()); }
    void on_wakeup(sim::Time now) override {
        if (now >= m_tick) {
            ++ticks;
            m_tick = sim::end_of_time;
        }
    }
    DeviceStatus status(sim::Time) const override { return {}; }
    int ticks = 0;

protected:
    std::optional<ActionResult> on_action(sim::Time, std::string_view, const json&) override { return std::nullopt; }
    std::vector<std::string> model_actions() const override { return {}; }
    json model_state(sim::Time) const override { return {}; }

private:
    sim::Time m_tick = sim::end_of_time;
};

class Slow : public HttpDevice {
public:
    Slow() : HttpDevice("k/slow", "test_slow", 2) {}
    HttpResponse handle(sim::Time, const HttpRequest&) override { return HttpResponse::json(200, json{{"ok", 1}}, 150ms); }
    std::string path_prefix() const override { return "/slow"; }
    DeviceStatus status(sim::Time) const override { return {}; }

protected:
    std::optional<ActionResult> on_action(sim::Time, std::string_view, const json&) override { return std::nullopt; }
    std::vector<std::string> model_actions() const override { return {}; }
    json model_state(sim::Time) const override { return {}; }
};

}  // namespace

TEST_CASE("an exchange takes the processing delay plus the wire time", "[device_host]") {
    sim::Simulation s;
    kiosk::VirtualDeviceHost host(s);
    Big dev(115200);
    host.add(dev);
    auto whole = [](const Bytes& b) -> std::optional<std::size_t> {
        return b.size() >= 1000 ? std::optional<std::size_t>(1000) : std::nullopt;
    };
    // g++ 12 rejects a braced list whose temporary spans a co_await ("array
    // used as initializer"): build the request first.
    auto p = s.spawn([](kiosk::VirtualDeviceHost& h, Big& d, kiosk::VirtualDeviceHost::Completion c, sim::Simulation& sm)
                         -> sim::Process<std::pair<std::size_t, sim::Duration>> {
        Bytes ping(4, 'P');
        const Bytes ans = co_await h.exchange(d, std::move(ping), c, 2s);
        co_return std::pair{ans.size(), sm.now().time_since_epoch()};
    }(host, dev, whole, s));
    s.run();
    CHECK(p.result().first == 1000);
    // 5 ms + 1000 bytes x 10 bits at 115200 baud = 5 ms + 86.806 ms.
    CHECK(p.result().second == 5ms + dev.wire_time(1000));
    CHECK(dev.ticks == 1);  // the model's own wakeup ran at 1 s
    CHECK(host.operations() == 1);
    CHECK(host.bytes() == 1004);
    CHECK(s.events_processed() < 20);  // output arrives in slices, not byte by byte
}

TEST_CASE("an exchange gives up at its timeout with what arrived", "[device_host]") {
    sim::Simulation s;
    kiosk::VirtualDeviceHost host(s);
    Big dev(9600);  // 1000 bytes take over a second
    auto p = s.spawn([](kiosk::VirtualDeviceHost& h, Big& d) -> sim::Process<std::size_t> {
        Bytes one(1, 1);
        const Bytes ans = co_await h.exchange(d, std::move(one), [](const Bytes&) { return std::optional<std::size_t>{}; }, 500ms);
        co_return ans.size();
    }(host, dev));
    s.run_until(sim::Time{10s});
    CHECK(p.result() > 400);
    CHECK(p.result() < 500);
}

TEST_CASE("an HTTP request resumes after the device's delay", "[device_host]") {
    sim::Simulation s;
    kiosk::VirtualDeviceHost host(s);
    Slow dev;
    auto p = s.spawn([](kiosk::VirtualDeviceHost& h, Slow& d, sim::Simulation& sm) -> sim::Process<bool> {
        HttpRequest req;
        req.method = "POST";
        req.target = "/slow";
        req.body = "{}";
        const HttpResponse r = co_await h.request(d, std::move(req));
        co_return r.status == 200 && sm.now() == sim::Time{150ms};
    }(host, dev, s));
    s.run();
    CHECK(p.result());
}

}  // namespace kiosk_device_host_test
