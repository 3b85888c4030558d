#include <kiosktwin/kiosk/device_host.hpp>

#include <kiosktwin/sim/conditions.hpp>
#include <kiosktwin/sim/event.hpp>
#include <kiosktwin/sim/timer.hpp>

#include <algorithm>

namespace kiosktwin::kiosk {

using namespace std::chrono_literals;

namespace {
constexpr sim::Duration k_rx_slice = 16ms;  // a USB-serial adapter's latency timer
}

struct VirtualDeviceHost::Entry {
    Entry(VirtualDeviceHost& h, devices::Device& d)
        : host(h), dev(d), stream(dynamic_cast<devices::StreamDevice*>(&d)), timer(h.m_sim, [this] { wake(); }) {}

    void schedule() {
        sim::Time t = dev.next_wakeup();
        if (t == sim::end_of_time) {
            timer.cancel();
            return;
        }
        if (stream != nullptr && stream->output_pending() && t == stream->next_output_at())
            t = std::max(t, std::min(stream->output_idle_at(), host.m_sim.now() + k_rx_slice));
        if (!timer.pending() || timer.due() != t) timer.schedule_at(t);
    }
    void wake() {
        const sim::Time now = host.m_sim.now();
        dev.on_wakeup(now);
        if (stream != nullptr) {
            const devices::Bytes b = stream->take_output(now);
            if (!b.empty()) {
                rx.insert(rx.end(), b.begin(), b.end());
                if (!arrived.triggered()) arrived.succeed();
            }
        }
        schedule();
    }

    VirtualDeviceHost& host;
    devices::Device& dev;
    devices::StreamDevice* stream;
    sim::Timer timer;
    devices::Bytes rx;
    sim::Event<> arrived;
};

VirtualDeviceHost::VirtualDeviceHost(sim::Simulation& sim) : m_sim(sim) {}
VirtualDeviceHost::~VirtualDeviceHost() = default;

VirtualDeviceHost::Entry& VirtualDeviceHost::entry(devices::Device& d) {
    auto& e = m_entries[&d];
    if (!e) e = std::make_unique<Entry>(*this, d);
    return *e;
}

void VirtualDeviceHost::add(devices::Device& d) { entry(d).schedule(); }

void VirtualDeviceHost::poke(devices::Device& d) { entry(d).schedule(); }

devices::ActionResult VirtualDeviceHost::act(devices::Device& d, const nlohmann::json& action) {
    ++m_operations;
    devices::ActionResult r = d.act(m_sim.now(), action);
    entry(d).schedule();
    return r;
}

void VirtualDeviceHost::write(devices::StreamDevice& d, devices::ByteView bytes) {
    Entry& e = entry(d);
    m_bytes += bytes.size();
    d.on_bytes(m_sim.now(), bytes);
    e.schedule();
}

devices::Bytes& VirtualDeviceHost::input(devices::StreamDevice& d) { return entry(d).rx; }

void VirtualDeviceHost::wake(devices::StreamDevice& d) {
    Entry& e = entry(d);
    if (!e.arrived.triggered()) e.arrived.succeed();
}

sim::Process<bool> VirtualDeviceHost::wait_input(devices::StreamDevice& d, sim::Time deadline) {
    Entry& e = entry(d);
    if (m_sim.now() >= deadline) co_return false;
    e.arrived.reset();
    const std::size_t which = co_await sim::any_of(e.arrived, sim::timeout(deadline - m_sim.now()));
    co_return which == 0;
}

sim::Process<devices::Bytes> VirtualDeviceHost::exchange(devices::StreamDevice& d, devices::Bytes request,
                                                         Completion complete, sim::Duration timeout) {
    Entry& e = entry(d);
    const sim::Time deadline = m_sim.now() + timeout;
    ++m_operations;
    m_bytes += request.size();
    d.on_bytes(m_sim.now(), request);
    e.schedule();
    for (;;) {
        if (auto n = complete(e.rx)) {
            const std::size_t take = std::min(*n, e.rx.size());
            devices::Bytes answer(e.rx.begin(), e.rx.begin() + static_cast<std::ptrdiff_t>(take));
            e.rx.erase(e.rx.begin(), e.rx.begin() + static_cast<std::ptrdiff_t>(take));
            m_bytes += answer.size();
            co_return answer;
        }
        if (m_sim.now() >= deadline) {
            devices::Bytes partial = std::move(e.rx);
            e.rx.clear();
            m_bytes += partial.size();
            co_return partial;
        }
        e.arrived.reset();
        co_await sim::any_of(e.arrived, sim::timeout(deadline - m_sim.now()));
    }
}

sim::Process<devices::HttpResponse> VirtualDeviceHost::request(devices::HttpDevice& d, devices::HttpRequest req) {
    ++m_operations;
    m_bytes += req.body.size();
    devices::HttpResponse r = d.handle(m_sim.now(), req);
    entry(d).schedule();
    if (r.delay > sim::Duration::zero()) co_await m_sim.delay(r.delay);
    m_bytes += r.body.size();
    co_return r;
}

}  // namespace kiosktwin::kiosk
