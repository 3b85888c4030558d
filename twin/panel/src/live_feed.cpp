// The live feed: the kiosks of a running `kiosktwin serve` bench, each a whole
// kiosk stack (live::LiveKiosk) on one pacer that keeps time between the
// panel's frames (LivePacerOptions::continuous), talking to the bench's
// devices on real ports through its link proxies and to its gateway.
// Scripted citizens come to each kiosk in turn. The panel draws them as a
// site of its own; faults go to the bench's devices through its control API.
#include "feed.hpp"

#include <kiosktwin/devices/registry.hpp>
#include <kiosktwin/live/live_kiosk.hpp>
#include <kiosktwin/services/identity.hpp>
#include <kiosktwin/services/population.hpp>
#include <kiosktwin/world/scripted_citizens.hpp>

#include <stdexcept>

namespace kiosktwin::panel {

namespace {

class LiveFeed final : public Feed {
public:
    explicit LiveFeed(const LiveFeedOptions& o)
        : m_sim(sim::SimulationOptions{.seed = o.seed, .calendar = {}}),
          m_pacer(m_sim, live::LivePacerOptions{.speed = 1.0, .handle_signals = false,
                                                .max_slice = std::chrono::milliseconds(20), .continuous = true}),
          m_identity(std::make_shared<services::Register>(world::default_residents())),
          m_instruments(0, {}) {
        // Virtual time reads as the platform's civil time.
        if (const sim::Time start = live::platform_now(m_sim.calendar()); start > m_sim.now()) m_sim.run_until(start);
        std::vector<live::SigningKey> keys;
        try {
            keys = live::keys_from_json(o.keys);
        } catch (const std::invalid_argument& e) {
            throw std::invalid_argument(std::string("the keys: ") + e.what());
        }
        const live::SigningKey* admin = live::find_key(keys, {}, "admin");
        const sim::CivilTime today = m_sim.calendar().civil(m_sim.now());
        world::SessionMix mix;
        mix.think = sim::from_seconds(o.think_s);
        m_draw = std::make_unique<world::ScriptedCitizens>(
            o.seed, world::servable(world::default_residents(), {today.year, today.month, today.day}), mix);
        m_think = sim::from_seconds(o.think_s);

        world::SiteSpec site;
        site.id = "LIVE";
        site.name = "kiosktwin serve";
        for (const std::string& name : live::KioskEndpoints::kiosks(o.endpoints)) {
            live::LiveKioskOptions lo;
            lo.endpoints = live::KioskEndpoints::from_json(o.endpoints, name, true);
            if (lo.endpoints.gateway.empty())
                throw std::invalid_argument("the bench lists no gateway (start kiosktwin serve without --no-gateway)");
            const auto key_id = live::kiosk_key_id(name);
            const live::SigningKey* key = key_id ? live::find_key(keys, *key_id) : nullptr;
            if (key == nullptr) throw std::invalid_argument("no signing key for " + name + " in the keys file");
            lo.kiosk_key = *key;
            if (admin) lo.admin_key = *admin;
            lo.config.terminal_id = "KT-" + key_id->substr(6);
            lo.seed = o.seed;
            m_kiosks.push_back(std::make_unique<live::LiveKiosk>(std::move(lo), m_pacer));
            char id[8];
            std::snprintf(id, sizeof id, "K%02zu", m_kiosks.size());
            site.kiosks.push_back({id, nlohmann::json::object()});
        }
        if (m_kiosks.empty()) throw std::invalid_argument("the bench's endpoints list no kiosk");
        m_scenario.name = "live: kiosktwin serve";
        m_scenario.replications = 1;
        m_scenario.horizon_days = 1;
        m_scenario.world.seed = o.seed;
        m_scenario.world.calendar = m_sim.calendar();
        m_scenario.world.horizon = std::chrono::hours(24);
        m_scenario.world.sites.push_back(site);
        m_sites.push_back(std::make_unique<SiteGeometry>(m_scenario.world.sites[0], nullptr));
        m_instruments = Instruments(1, {m_kiosks.size()});
        m_busy.assign(m_kiosks.size(), false);
        m_start = m_sim.now();
        for (std::size_t k = 0; k < m_kiosks.size(); ++k) {
            m_kiosks[k]->start();
            m_sim.spawn(citizens(k));
        }
        m_last_sample = m_sim.now();
    }

    ~LiveFeed() override {
        m_stopping = true;
        m_kiosks.clear();  // each interrupts its citizens
    }

    const char* kind() const noexcept override { return "live"; }
    bool live() const noexcept override { return true; }
    sim::Time now() const override { return m_sim.now(); }
    sim::Time end() const override { return m_start + std::chrono::hours(24); }
    bool seekable() const noexcept override { return false; }
    const Instruments& instruments() const override { return m_instruments; }
    std::vector<TicketView> tickets() const override { return {}; }

    void tick(std::chrono::milliseconds budget) override {
        m_pacer.run(budget);
        while (next_minute(m_last_sample) <= m_sim.now()) {
            m_last_sample = next_minute(m_last_sample);
            sample();
        }
    }

    // A live world cannot run ahead of the wall clock: seeking runs it until
    // then (for at most a minute of wall time).
    void seek(sim::Time t) override {
        const auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
        while (m_sim.now() < t && std::chrono::steady_clock::now() < give_up) tick(std::chrono::milliseconds(100));
    }

    void fill(std::size_t, Scene& out) override {
        begin_scene(out, m_sim.now(), 0);
        kiosks_of(out.kiosks);
        const SiteGeometry& g = *m_sites[0];
        for (std::size_t k = 0; k < m_kiosks.size(); ++k) {
            if (!m_busy[k]) continue;
            world::CitizenOnFloor c;
            c.phase = world::CitizenPhase::at_kiosk;
            c.kiosk = k;
            const world::Point p = position_of(g, c, out.now, 0);
            out.citizens.push_back({static_cast<float>(p.x), static_cast<float>(p.y), world::Persona::young,
                                    world::CitizenPhase::at_kiosk, false, false});
        }
    }

    std::string inject(const world::Injection& a) override {
        if (a.kiosk >= m_kiosks.size()) return "the bench has " + std::to_string(m_kiosks.size()) + " kiosks";
        live::LiveKiosk& k = *m_kiosks[a.kiosk];
        switch (a.kind) {
        case world::InjectKind::device_fault:
            if (!k.hands().act(a.device, {{"action", "inject_fault"}, {"fault", a.fault}, {"id", "panel-" + std::to_string(++m_injected)}}))
                return "the bench's kiosk has no " + a.device;
            return {};
        case world::InjectKind::clear_faults:
            if (!k.hands().act(a.device, {{"action", "clear_fault"}})) return "the bench's kiosk has no " + a.device;
            return {};
        default:
            return "live: links, the gateway, power and consumables are the bench's — use its link API and control API "
                   "(docs/trainers.md, faults on a live bench)";
        }
    }

    std::vector<std::string> fitted(std::size_t, std::size_t k) override {
        std::vector<std::string> out;
        for (const auto& d : m_kiosks.at(k)->endpoints().devices)
            if (devices::find_kind(d.kind)) out.push_back(d.kind);
        return out;
    }

    std::vector<std::string> known_faults(std::size_t, std::size_t, const std::string& kind) override {
        if (!devices::find_kind(kind)) return {};
        return devices::make_device(kind, "faults", 1, nlohmann::json::object())->faults().known_faults();
    }

    kiosk::Ui* ui_of(std::size_t, std::size_t k) override { return &m_kiosks.at(k)->ui(); }

    std::optional<KioskDetail> detail(std::size_t, std::size_t k) override {
        live::LiveKiosk& lk = *m_kiosks.at(k);
        KioskDetail d;
        d.screen = &lk.ui().screen();
        for (const kiosk::Driver* drv : lk.kiosk().drivers()) {
            DeviceRow row;
            row.kind = std::string(drv->kind());
            row.health = drv->status().health;
            for (const auto& r : drv->status().reasons) row.reasons += (row.reasons.empty() ? "" : ",") + r;
            row.fitted = row.health != devices::Health::absent;
            d.devices.push_back(row);
        }
        d.note = "live: the kiosk software's view of its devices; frames and toxics are on the bench's control and link APIs";
        return d;
    }

private:
    void kiosks_of(std::vector<SceneKiosk>& out) const {
        out.assign(m_kiosks.size(), SceneKiosk{});
        for (std::size_t k = 0; k < m_kiosks.size(); ++k) {
            live::LiveKiosk& lk = *m_kiosks[k];
            SceneKiosk& s = out[k];
            s.online = lk.kiosk().registered();
            bool fault = false, degraded = false;
            for (const kiosk::Driver* d : lk.kiosk().drivers()) {
                fault |= d->status().health == devices::Health::fault;
                degraded |= d->status().health != devices::Health::ok;
            }
            s.state = !s.online ? world::KioskState::offline
                      : fault   ? world::KioskState::fault
                      : m_busy[k] ? world::KioskState::in_session
                      : degraded ? world::KioskState::degraded
                                 : world::KioskState::idle;
        }
    }

    void sample() {
        std::vector<std::vector<SceneKiosk>> kiosks(1);
        kiosks_of(kiosks[0]);
        m_instruments.sample(m_last_sample, {0}, kiosks);
    }

    // Citizens at kiosk `k`, one after another, once it has booted.
    sim::Process<void> citizens(std::size_t k) {
        live::LiveKiosk& lk = *m_kiosks[k];
        while (!m_stopping && !(lk.kiosk().registered() && !lk.kiosk().catalogue().empty()))
            co_await m_sim.delay(std::chrono::milliseconds(200));
        while (!m_stopping) {
            co_await m_sim.delay(m_think);
            if (m_stopping) co_return;
            const world::ScriptedCitizens::Visit v = m_draw->next(*lk.kiosk().catalogue().snapshot(), m_identity, m_sim.now());
            const std::size_t before = lk.outcomes().size();
            const sim::Time arrived = m_sim.now();
            m_busy[k] = true;
            auto citizen = lk.visit(v.who, v.script);
            while (!m_stopping && !citizen.done()) co_await m_sim.delay(std::chrono::milliseconds(200));
            m_busy[k] = false;
            if (m_stopping) co_return;
            Instruments::Left l;
            l.kiosk = k;
            l.arrived = arrived;
            l.served = true;
            for (std::size_t i = before; i < lk.outcomes().size(); ++i) {
                const kiosk::SessionOutcome& out = lk.outcomes()[i];
                l.outcomes.push_back(out.kind);
                l.ratings.push_back(out.rating);
                l.cases += !out.case_no.empty();
            }
            m_instruments.on_left(m_sim.now(), l);
        }
    }

    sim::Simulation m_sim;
    live::LivePacer m_pacer;
    services::IdentityService m_identity;
    std::unique_ptr<world::ScriptedCitizens> m_draw;
    sim::Duration m_think{};
    std::vector<std::unique_ptr<live::LiveKiosk>> m_kiosks;
    std::vector<bool> m_busy;
    Instruments m_instruments;
    sim::Time m_start{}, m_last_sample{};
    std::uint64_t m_injected = 0;
    bool m_stopping = false;
};

}  // namespace

std::unique_ptr<Feed> make_live_feed(const LiveFeedOptions& options) { return std::make_unique<LiveFeed>(options); }

}  // namespace kiosktwin::panel
