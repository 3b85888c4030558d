#include "serve_stacks.hpp"

#include <kiosktwin/live/live_kiosk.hpp>
#include <kiosktwin/services/identity.hpp>
#include <kiosktwin/services/population.hpp>
#include <kiosktwin/world/scripted_citizens.hpp>

#include <chrono>
#include <cstdio>
#include <map>
#include <mutex>

namespace kiosktwin::app {

using nlohmann::json;
using namespace std::chrono_literals;

struct ServeStacks::Shared {
    std::mutex lock;  // summary() may be called from serve's thread
    std::map<std::string, std::uint64_t> outcomes;
    std::map<std::string, std::uint64_t> reasons;
    std::uint64_t sessions = 0;
    std::uint64_t not_booted = 0;
    std::uint64_t kiosks = 0;
    double wall_s = 0;
    live::LivePacer* pacer = nullptr;
};

ServeStacks::ServeStacks(json endpoints, std::vector<live::SigningKey> keys, live::SigningKey admin, StacksOptions options)
    : m_endpoints(std::move(endpoints)), m_keys(std::move(keys)), m_admin(std::move(admin)), m_options(std::move(options)),
      m(std::make_shared<Shared>()) {}

ServeStacks::~ServeStacks() { stop(); }

void ServeStacks::start(std::function<void()> on_done) {
    m_on_done = std::move(on_done);
    m_thread = std::thread([this] { run(); });
}

void ServeStacks::stop() {
    m_stop = true;
    {
        std::lock_guard g(m->lock);
        if (m->pacer) m->pacer->stop();
    }
    if (m_thread.joinable()) m_thread.join();
}

json ServeStacks::summary() const {
    std::lock_guard g(m->lock);
    json outcomes = json::object(), reasons = json::object();
    for (const auto& [k, n] : m->outcomes) outcomes[k] = n;
    for (const auto& [k, n] : m->reasons) reasons[k] = n;
    return {{"kiosks", m->kiosks},
            {"sessions", m->sessions},
            {"outcomes", std::move(outcomes)},
            {"reasons", std::move(reasons)},
            {"not_booted", m->not_booted},
            {"wall_s", m->wall_s},
            {"sessions_per_min", m->wall_s > 0 ? static_cast<double>(m->sessions) * 60.0 / m->wall_s : 0.0},
            {"done", m_done.load()}};
}

namespace {

// One kiosk's day: wait for it to boot, then its citizens one after another.
sim::Process<void> citizens_at(live::LiveKiosk& k, world::ScriptedCitizens& draw, const services::IdentityService& identity,
                               int sessions, sim::Duration boot_timeout, int& finished, std::uint64_t& not_booted) {
    sim::Simulation& sim = k.sim();
    const sim::Time boot_deadline = sim.now() + boot_timeout;
    while (!(k.kiosk().registered() && !k.kiosk().catalogue().empty())) {
        if (sim.now() >= boot_deadline) {
            ++not_booted;
            ++finished;
            co_return;
        }
        co_await sim.delay(200ms);
    }
    for (int i = 0; i < sessions; ++i) {
        // Who comes next; the citizen's copy of who and what lives in this frame.
        world::ScriptedCitizens::Visit v = draw.next(*k.kiosk().catalogue().snapshot(), identity, sim.now());
        co_await kiosk::run_citizen(k.ui(), k.hands(), v.who, v.script, std::chrono::minutes(30));
    }
    ++finished;
}

}  // namespace

void ServeStacks::run() {
    const auto wall0 = std::chrono::steady_clock::now();
    sim::SimulationOptions so;
    so.seed = m_options.seed;
    sim::Simulation sim(so);
    live::LivePacerOptions po;
    po.handle_signals = false;  // serve's host owns Ctrl-C
    live::LivePacer pacer(sim, po);
    {
        std::lock_guard g(m->lock);
        m->pacer = &pacer;
    }
    if (m_stop) pacer.stop();
    // Virtual time reads as the platform's civil time.
    const sim::Time start = live::platform_now(sim.calendar());
    if (start > sim.now()) sim.run_until(start);

    const sim::CivilTime today = sim.calendar().civil(sim.now());
    world::SessionMix mix;
    mix.think = std::chrono::duration_cast<sim::Duration>(std::chrono::duration<double>(m_options.think_s));
    world::ScriptedCitizens draw(m_options.seed, world::servable(world::default_residents(), {today.year, today.month, today.day}), mix);
    const services::IdentityService identity(std::make_shared<services::Register>(world::default_residents()));

    std::vector<std::unique_ptr<live::LiveKiosk>> kiosks;
    const auto names = live::KioskEndpoints::kiosks(m_endpoints);
    for (std::size_t i = 0; i < names.size() && i < m_keys.size(); ++i) {
        live::LiveKioskOptions lo;
        try {
            lo.endpoints = live::KioskEndpoints::from_json(m_endpoints, names[i], true);
        } catch (const std::invalid_argument& e) {
            if (m_options.log) m_options.log(names[i] + ": " + e.what());
            continue;
        }
        lo.kiosk_key = m_keys[i];
        lo.admin_key = m_admin;
        std::string tid = std::to_string(i + 1);
        tid.insert(0, tid.size() < 4 ? 4 - tid.size() : 0, '0');
        lo.config.terminal_id = "KT-" + tid;
        lo.config.idle_timeout = std::chrono::duration_cast<sim::Duration>(std::chrono::duration<double>(m_options.idle_timeout_s));
        lo.config.idle_warning = lo.config.idle_timeout / 4;
        lo.seed = m_options.seed + i;
        lo.log = m_options.log;
        kiosks.push_back(std::make_unique<live::LiveKiosk>(std::move(lo), pacer));
    }
    std::map<std::string, std::uint64_t>* outcomes = &m->outcomes;
    for (auto& k : kiosks) {
        k->kiosk().session_ended.connect([this, outcomes](const kiosk::SessionOutcome& o) {
            std::lock_guard g(m->lock);
            ++(*outcomes)[kiosk::to_string(o.kind)];
            if (!o.reason.empty()) ++m->reasons[o.reason];
            ++m->sessions;
        });
        k->start();
    }
    {
        std::lock_guard g(m->lock);
        m->kiosks = kiosks.size();
    }
    int finished = 0;
    std::uint64_t not_booted = 0;
    std::vector<sim::ProcessHandle<void>> crowd;
    const auto boot_timeout = std::chrono::duration_cast<sim::Duration>(std::chrono::duration<double>(m_options.boot_timeout_s));
    for (auto& k : kiosks)
        crowd.push_back(sim.spawn(citizens_at(*k, draw, identity, m_options.sessions, boot_timeout, finished, not_booted)));
    const int all = static_cast<int>(kiosks.size());
    pacer.run(std::chrono::milliseconds::zero(), [&] { return finished >= all || m_stop; });
    {
        std::lock_guard g(m->lock);
        m->not_booted = not_booted;
        m->wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall0).count();
    }
    const bool complete = finished >= all;
    for (auto& c : crowd)
        if (!c.done()) c.interrupt();
    sim.run_until(sim.now());
    crowd.clear();
    kiosks.clear();
    {
        std::lock_guard g(m->lock);
        m->pacer = nullptr;
    }
    m_done = true;
    if (complete && m_on_done) m_on_done();
}

}  // namespace kiosktwin::app
