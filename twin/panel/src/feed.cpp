#include "feed.hpp"

#include <kiosktwin/sim/simulation.hpp>
#include <kiosktwin/world/kiosk_rig.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

namespace kiosktwin::panel {

namespace {

constexpr double k_spacing_m = 0.6;  // between people in a line


// The k-th spot of a line that forms at `place` of the map.
world::Point line_spot(const SiteGeometry& g, std::uint32_t place, std::size_t rank) {
    const world::WalkingMap& map = *g.map;
    const std::size_t e = map.entrances(), q = map.queue_areas(), d = map.help_desks();
    const double r = static_cast<double>(rank);
    if (place >= e && place < e + q) {  // a queue area: rows inside it, front first
        const world::Area& a = g.plan.queue_areas[place - e];
        const double x0 = std::min(a.from.x, a.to.x), x1 = std::max(a.from.x, a.to.x);
        const double y0 = std::min(a.from.y, a.to.y), y1 = std::max(a.from.y, a.to.y);
        const auto cols = static_cast<std::size_t>(std::max(1.0, std::floor((x1 - x0) / k_spacing_m)));
        const auto rows = static_cast<std::size_t>(std::max(1.0, std::floor((y1 - y0) / k_spacing_m)));
        const std::size_t row = (rank / cols) % rows, layer = rank / (cols * rows);
        const std::size_t col = rank % cols;
        const double snake = (row % 2 == 0) ? static_cast<double>(col) : static_cast<double>(cols - 1 - col);
        return {x0 + k_spacing_m * (snake + 0.5) + 0.15 * static_cast<double>(layer % 2),
                y0 + k_spacing_m * (static_cast<double>(row) + 0.5) + 0.15 * static_cast<double>(layer % 3)};
    }
    const world::Point p = map.where({place});
    if (place >= e + q + d) {  // a kiosk's own line: behind the one at the screen
        return {p.x, std::min(g.plan.depth_m - 0.2, p.y + 1.0 + k_spacing_m * r)};
    }
    // At an entrance (no queue area): inside, away from the door.
    return {p.x + (rank % 2 ? 0.3 : -0.3), std::max(0.2, p.y - 0.8 - k_spacing_m * std::floor(r / 2))};
}

}  // namespace

SiteGeometry::SiteGeometry(const world::SiteSpec& spec, const world::WalkingMap* world_map)
    : id(spec.id), name(spec.name), map(world_map), walks(!spec.plan.empty()) {
    plan = spec.plan.empty() ? world::simple_plan(spec.kiosks.size()) : spec.plan;
    if (plan.kiosks.empty()) plan.kiosks = world::row_of_kiosks(plan, spec.kiosks.size());
    for (const auto& k : spec.kiosks) kiosk_ids.push_back(spec.id + "-" + k.id);
    if (map == nullptr) {
        own_map = std::make_unique<world::WalkingMap>(plan);
        map = own_map.get();
    }
}

const SiteGeometry::Walk& SiteGeometry::walk(world::WalkingMap::Place from, world::WalkingMap::Place to) const {
    auto [it, fresh] = m_walks.try_emplace({from.index, to.index});
    if (fresh) {
        Walk& w = it->second;
        w.points = map->path(from, to);
        double s = 0;
        for (std::size_t i = 0; i < w.points.size(); ++i) {
            if (i > 0) s += std::hypot(w.points[i].x - w.points[i - 1].x, w.points[i].y - w.points[i - 1].y);
            w.at.push_back(s);
        }
    }
    return it->second;
}

namespace {
world::Point along(const SiteGeometry::Walk& p, double f) {
    if (p.points.empty()) return {};
    if (p.points.size() == 1 || f <= 0) return p.points.front();
    const double s = std::clamp(f, 0.0, 1.0) * p.at.back();
    const auto it = std::lower_bound(p.at.begin(), p.at.end(), s);
    const std::size_t i = std::max<std::size_t>(1, static_cast<std::size_t>(it - p.at.begin()));
    if (i >= p.points.size()) return p.points.back();
    const double seg = p.at[i] - p.at[i - 1];
    const double u = seg > 0 ? (s - p.at[i - 1]) / seg : 1.0;
    return {p.points[i - 1].x + u * (p.points[i].x - p.points[i - 1].x),
            p.points[i - 1].y + u * (p.points[i].y - p.points[i - 1].y)};
}
}  // namespace

world::Point position_of(const SiteGeometry& g, const world::CitizenOnFloor& c, sim::Time now, std::size_t rank) {
    const world::WalkingMap& map = *g.map;
    const auto kiosk_front = [&](std::size_t k) {
        const world::Point p = map.where(map.kiosk(k));
        return world::Point{p.x, std::min(g.plan.depth_m - 0.1, p.y + 0.45)};
    };
    switch (c.phase) {
    case world::CitizenPhase::waiting: {
        if (!g.walks) {  // no plan: the line forms in the drawn queue area (or at the kiosk)
            const std::uint32_t place = c.kiosk && !map.queue_areas() ? map.kiosk(*c.kiosk).index
                                        : map.queue_areas()        ? map.queue_area(0).index
                                                                   : map.entrance(0).index;
            return line_spot(g, place, rank);
        }
        return line_spot(g, c.to.index, rank);
    }
    case world::CitizenPhase::at_kiosk:
        if (c.kiosk && *c.kiosk < map.kiosks()) return kiosk_front(*c.kiosk);
        return map.where(c.to);
    case world::CitizenPhase::walking_in:
    case world::CitizenPhase::walking_to_kiosk:
    case world::CitizenPhase::walking_out: {
        if (!g.walks) return map.where(map.entrance(0));
        const double span = sim::to_seconds(c.until - c.since);
        const double f = span > 0 ? sim::to_seconds(now - c.since) / span : 1.0;
        return along(g.walk(c.from, c.to), f);
    }
    }
    return {};
}

void FrameLog::write(const devices::TraceRecord& r) {
    records.push_back(r);
    while (records.size() > 12) records.pop_front();
}

void KioskTap::follow(Feed& feed, const std::string& terminal_id) {
    if (terminal_id == m_id) return;
    detach();
    m_id = terminal_id;
    if (terminal_id.empty()) return;
    for (std::size_t s = 0; s < feed.sites().size(); ++s)
        for (std::size_t k = 0; k < feed.sites()[s]->kiosk_ids.size(); ++k) {
            if (feed.sites()[s]->kiosk_ids[k] != terminal_id) continue;
            m_ui = feed.ui_of(s, k);
            m_devices = feed.devices_of(s, k);
        }
    for (devices::Device* d : m_devices) d->set_trace(&frames);
    if (m_ui == nullptr) return;
    m_shown = m_ui->shown.connect([this](const kiosk::Screen& sc) {
        if (sc.page == "home") steps.clear();
        steps.push_back({m_ui->simulation().now(), std::string(sc.title_zh), std::string(sc.title_en)});
        while (steps.size() > 14) steps.pop_front();
    });
}

void KioskTap::detach() {
    for (devices::Device* d : m_devices) d->set_trace(nullptr);
    m_devices.clear();
    if (m_ui && m_shown) m_ui->shown.disconnect(*m_shown);
    m_shown.reset();
    m_ui = nullptr;
    m_id.clear();
    frames.records.clear();
    steps.clear();
}

std::string Feed::inject(const world::Injection&) { return "a replay cannot be changed: run the scenario to inject faults"; }
std::vector<std::string> Feed::fitted(std::size_t, std::size_t) { return {}; }
std::vector<std::string> Feed::known_faults(std::size_t, std::size_t, const std::string&) { return {}; }

// ---------------------------------------------------------------------------------------------
// Instruments

void Instruments::reset() { *this = Instruments(m_sites, m_kiosks); }

Instruments::Instruments(std::size_t sites, const std::vector<std::size_t>& kiosks_per_site)
    : m_sites(sites), m_kiosks(kiosks_per_site) {
    queue.assign(sites, {});
    busy.assign(sites, {});
    for (std::size_t s = 0; s < sites; ++s) busy[s].assign(kiosks_per_site[s], {});
}

void Instruments::on_left(sim::Time now, const Left& l) {
    ++left;
    const auto bucket = static_cast<std::size_t>(sim::to_minutes(now.time_since_epoch()) / k_bucket_min);
    if (throughput.size() <= bucket) {
        throughput.resize(bucket + 1, 0.0f);
        cases_per_bucket.resize(bucket + 1, 0.0f);
    }
    waits_min.push_back(static_cast<float>(l.waited_min));
    if (l.served) {
        ++served;
        throughput[bucket] += 1;
    } else {
        ++abandoned;
    }
    cases += l.cases;
    cases_per_bucket[bucket] += static_cast<float>(l.cases);
    for (kiosk::OutcomeKind k : l.outcomes) ++outcomes[static_cast<std::size_t>(k)];
    for (int r : l.ratings) {
        if (r <= 0) continue;
        ++rated;
        if (r >= 3) ++rated_good;
    }
}

void Instruments::on_ticket_closed(double mttr_min) {
    ++tickets_closed;
    mttr_sum_min += mttr_min;
}

void Instruments::sample(sim::Time t, const std::vector<std::size_t>& waiting,
                         const std::vector<std::vector<SceneKiosk>>& kiosks) {
    const auto minute = static_cast<std::size_t>(sim::to_minutes(t.time_since_epoch()));
    const std::size_t hour = minute / 60;
    std::uint64_t n = 0, powered = 0, online = 0, fault = 0;
    for (std::size_t s = 0; s < m_sites && s < kiosks.size(); ++s) {
        auto& q = queue[s];
        if (q.size() <= minute) q.resize(minute + 1, q.empty() ? 0.0f : q.back());
        q[minute] = static_cast<float>(waiting[s]);
        for (std::size_t k = 0; k < kiosks[s].size() && k < busy[s].size(); ++k) {
            const SceneKiosk& kk = kiosks[s][k];
            auto& h = busy[s][k];
            if (h.size() <= hour) h.resize(hour + 1, 0);
            if (kk.state == world::KioskState::in_session && h[hour] < 60) ++h[hour];
            ++n;
            powered += kk.powered;
            online += kk.online;
            fault += kk.state == world::KioskState::fault;
        }
    }
    kiosk_minutes += n;
    powered_minutes += powered;
    online_minutes += online;
    fault_minutes += fault;
    const double d = n ? static_cast<double>(n) : 1.0;
    powered_share.push_back(static_cast<float>(static_cast<double>(powered) / d));
    online_share.push_back(static_cast<float>(static_cast<double>(online) / d));
    fault_share.push_back(static_cast<float>(static_cast<double>(fault) / d));
    sampled = true;
    last_sample = t;
}


std::array<double, 3> Instruments::wait_quantiles() const {
    if (m_quantiles_of != waits_min.size()) {
        std::vector<float> w = waits_min;
        std::sort(w.begin(), w.end());
        const double qs[] = {0.5, 0.9, 0.95};
        for (std::size_t i = 0; i < 3; ++i) {  // linear between order statistics (R's type 7)
            if (w.empty()) {
                m_quantiles[i] = 0;
                continue;
            }
            const double pos = qs[i] * static_cast<double>(w.size() - 1);
            const auto lo = static_cast<std::size_t>(pos);
            const std::size_t hi = std::min(lo + 1, w.size() - 1);
            m_quantiles[i] = w[lo] + (pos - static_cast<double>(lo)) * (w[hi] - w[lo]);
        }
        m_quantiles_of = waits_min.size();
    }
    return m_quantiles;
}

}  // namespace kiosktwin::panel

// ---------------------------------------------------------------------------------------------
// The world feed: a World in virtual time, moved on by the panel's pacer.

namespace kiosktwin::panel {
namespace {

std::vector<std::size_t> kiosk_counts(const world::WorldSpec& w) {
    std::vector<std::size_t> n;
    for (const auto& s : w.sites) n.push_back(s.kiosks.size());
    return n;
}

class WorldFeed final : public Feed {
public:
    WorldFeed(const world::SiteScenario& sc, std::uint32_t replication)
        : m_instruments(sc.world.sites.size(), kiosk_counts(sc.world)) {
        m_scenario = sc;
        m_world = std::make_unique<world::World>(m_scenario.world, replication);
        m_index.resize(m_scenario.world.sites.size());
        for (std::size_t s = 0; s < m_scenario.world.sites.size(); ++s) {
            m_sites.push_back(std::make_unique<SiteGeometry>(m_scenario.world.sites[s], m_world->walking_map(s)));
            for (std::size_t k = 0; k < m_sites.back()->kiosk_ids.size(); ++k) m_index[s][m_sites.back()->kiosk_ids[k]] = k;
        }
        m_world->citizen_left.connect([this](const world::CitizenRecord& r) {
            Instruments::Left l;
            l.site = r.site;
            if (const auto it = m_index[r.site].find(r.kiosk); it != m_index[r.site].end()) l.kiosk = it->second;
            l.arrived = r.arrived;
            l.waited_min = sim::to_minutes(r.waited);
            l.served = r.fate == world::CitizenFate::served;
            for (const auto& o : r.outcomes) {
                l.outcomes.push_back(o.kind);
                l.ratings.push_back(o.rating);
                l.cases += !o.case_no.empty();
            }
            m_instruments.on_left(m_world->simulation().now(), l);
        });
        m_world->ticket_closed.connect([this](const world::TicketRecord& t) {
            m_instruments.on_ticket_closed(sim::to_minutes(t.resolved - t.reported));
            if (m_stages.erase(t.number) == 0 && t.reported == sim::Time{}) return;
            const auto mins = std::to_string(static_cast<long long>(std::lround(sim::to_minutes(t.resolved - t.reported))));
            add_caption({t.resolved, "已恢复：" + t.kiosk + " " + t.device + "（报告后 " + mins + " 分钟）",
                                  "Resolved: " + t.kiosk + " " + t.device + " (" + mins + " min after the report)", {}, {}});
        });
        m_world->timeline_fired.connect([this](const world::TimelineEvent& e, const std::string& error) {
            add_caption({m_world->simulation().now(), e.caption_zh, e.caption_en,
                                  e.action.kind == world::InjectKind::caption ? std::string() : e.action.describe(m_scenario.world),
                                  error});
        });
        m_world->start();
        sample();
    }

    const char* kind() const noexcept override { return "world"; }
    sim::Time now() const override { return m_world->simulation().now(); }
    sim::Time end() const override { return sim::Time{m_scenario.world.horizon}; }
    bool seekable() const noexcept override { return false; }
    world::World* world() noexcept override { return m_world.get(); }
    const Instruments& instruments() const override { return m_instruments; }

    void seek(sim::Time t) override {
        while (next_minute(now()) <= t) {
            m_world->advance_to(next_minute(now()));
            sample();
        }
        m_world->advance_to(t);
    }

    void fill(std::size_t site, Scene& out) override {
        begin_scene(out, now(), site);
        kiosks_of(site, out.kiosks);
        const SiteGeometry& g = *m_sites[site];
        m_rank.clear();
        out.citizens.reserve(m_world->inside());
        m_world->visit_floor([&](const world::CitizenOnFloor& c) {
            if (c.site != site) return;
            std::size_t rank = 0;
            if (c.phase == world::CitizenPhase::waiting) {
                ++out.waiting;
                const std::uint32_t key = g.walks ? c.to.index : (c.kiosk ? 1u + static_cast<std::uint32_t>(*c.kiosk) : 0u);
                if (m_rank.size() <= key) m_rank.resize(key + 1, 0);
                rank = m_rank[key]++;
            }
            const world::Point p = position_of(g, c, out.now, rank);
            out.citizens.push_back({static_cast<float>(p.x), static_cast<float>(p.y), c.persona, c.phase, c.helped,
                                    c.phase == world::CitizenPhase::walking_out && !c.kiosk});
        });
        for (const world::TicketRecord& t : m_world->open_tickets()) {
            if (t.site != site || t.stage != world::TicketStage::arrived || t.root_cause != "peripheral") continue;
            const auto it = m_index[site].find(t.kiosk);
            if (it == m_index[site].end()) continue;
            const world::WalkingMap& map = *g.map;
            const auto from = map.entrance(0), to = map.kiosk(it->second);
            const double walk_s = map.metres(from, to) / 1.2;
            const double f = walk_s > 0 ? sim::to_seconds(out.now - t.arrived) / walk_s : 1.0;
            world::Point p = along(g.walk(from, to), std::min(1.0, f));
            if (f >= 1.0) p.x += 0.5;  // beside the kiosk, at work
            out.technicians.push_back({static_cast<float>(p.x), static_cast<float>(p.y), t.kiosk});
        }
    }

    std::string inject(const world::Injection& what) override { return m_world->inject(what); }
    std::vector<std::string> fitted(std::size_t s, std::size_t k) override {
        std::vector<std::string> out;
        for (const char* kind : k_device_kinds)
            if (m_world->kiosk(s, k).device(kind)) out.emplace_back(kind);
        return out;
    }
    std::vector<std::string> known_faults(std::size_t s, std::size_t k, const std::string& kind) override {
        devices::Device* d = m_world->kiosk(s, k).device(kind);
        return d ? d->faults().known_faults() : std::vector<std::string>{};
    }
    kiosk::Ui* ui_of(std::size_t s, std::size_t k) override { return &m_world->kiosk(s, k).ui(); }
    std::vector<devices::Device*> devices_of(std::size_t s, std::size_t k) override {
        std::vector<devices::Device*> out;
        for (const char* kind : k_device_kinds)
            if (devices::Device* d = m_world->kiosk(s, k).device(kind)) out.push_back(d);
        return out;
    }
    std::optional<KioskDetail> detail(std::size_t s, std::size_t k) override {
        world::KioskRig& rig = m_world->kiosk(s, k);
        const sim::Time t = now();
        KioskDetail d;
        d.screen = &rig.ui().screen();
        for (const char* kind : k_device_kinds) {
            DeviceRow row;
            row.kind = kind;
            devices::Device* dev = rig.device(kind);
            if (dev == nullptr) {
                row.fitted = false;
                d.devices.push_back(row);
                continue;
            }
            const devices::DeviceStatus ds = dev->status(t);
            row.health = ds.health;
            for (const auto& r : ds.reasons) row.reasons += (row.reasons.empty() ? "" : ",") + r;
            const nlohmann::json st = dev->describe(t).value("state", nlohmann::json::object());
            char buf[96];
            if (st.contains("paper_mm") && st.contains("roll_mm")) {
                std::snprintf(buf, sizeof buf, "paper %.0f/%.0f mm", st["paper_mm"].get<double>(), st["roll_mm"].get<double>());
                row.consumables = buf;
            } else if (st.contains("sheets")) {
                std::snprintf(buf, sizeof buf, "sheets %d · toner %.0f %%", st["sheets"].get<int>(), st.value("toner_pct", 0.0));
                row.consumables = buf;
            }
            d.devices.push_back(row);
        }
        if (rig.link())
            for (const link::ToxicSpec* x : rig.link()->toxics()) d.toxics.push_back(x->name + " (" + link::to_string(x->type) + ")");
        return d;
    }

    std::vector<TicketView> tickets() const override {
        std::vector<TicketView> out;
        for (const world::TicketRecord& t : m_world->open_tickets())
            out.push_back({t.kiosk, t.device, t.fault, t.root_cause, t.stage, t.severity, t.occurred, t.arrived});
        return out;
    }

private:
    void kiosks_of(std::size_t s, std::vector<SceneKiosk>& out) {
        const std::size_t n = m_world->kiosks(s);
        out.resize(n);
        const sim::Time t = now();
        for (std::size_t k = 0; k < n; ++k) {
            world::KioskRig& rig = m_world->kiosk(s, k);
            out[k].state = m_world->kiosk_state(s, k);
            out[k].powered = rig.powered();
            out[k].online = m_world->gateway().state().terminals.online(rig.terminal_id(), t);
        }
    }

    // Tickets reaching a stage become captions (the trainer's story tells itself).
    void ticket_captions() {
        for (const world::TicketRecord& t : m_world->open_tickets()) {
            auto [it, fresh] = m_stages.try_emplace(t.number, world::TicketStage::occurred);
            if (!fresh && it->second == t.stage) continue;
            const world::TicketStage was = it->second;
            it->second = t.stage;
            const std::string what = t.kiosk + " " + t.device + " " + t.fault;
            const bool on_site = t.root_cause == "peripheral";
            if (was < world::TicketStage::reported && t.stage >= world::TicketStage::reported)
                add_caption({t.reported, "平台发现故障，生成工单：" + what + "（L" + std::to_string(t.severity) + "）",
                                      "The platform sees the fault and raises a ticket: " + what + " (L" + std::to_string(t.severity) + ")",
                                      {}, {}});
            if (on_site && was < world::TicketStage::acknowledged && t.stage >= world::TicketStage::acknowledged)
                add_caption({t.acknowledged, "技术员受理工单，赶赴 " + t.kiosk, "A technician takes the ticket and sets out for " + t.kiosk, {}, {}});
            if (on_site && was < world::TicketStage::arrived && t.stage >= world::TicketStage::arrived)
                add_caption({t.arrived, "技术员到场：" + t.kiosk + "，开始维修", "The technician arrives at " + t.kiosk + " and starts the repair", {}, {}});
        }
    }

    void sample() {
        ticket_captions();
        const std::size_t n = m_sites.size();
        m_sample_kiosks.resize(n);
        m_sample_waiting.assign(n, 0);
        for (std::size_t s = 0; s < n; ++s) kiosks_of(s, m_sample_kiosks[s]);
        m_world->visit_floor([this](const world::CitizenOnFloor& c) {
            if (c.phase == world::CitizenPhase::waiting) ++m_sample_waiting[c.site];
        });
        m_instruments.sample(now(), m_sample_waiting, m_sample_kiosks);
    }

    std::unique_ptr<world::World> m_world;
    Instruments m_instruments;
    std::vector<std::map<std::string, std::size_t, std::less<>>> m_index;  // terminal id -> kiosk, per site
    std::vector<std::size_t> m_rank;  // per place: citizens already placed in its line
    std::vector<std::vector<SceneKiosk>> m_sample_kiosks;
    std::vector<std::size_t> m_sample_waiting;
    std::map<std::uint64_t, world::TicketStage> m_stages;  // open tickets seen, by number
};

// ---------------------------------------------------------------------------------------------
// The replay feed: a recorded run from the store, rebuilt at any instant.

world::Persona persona_of(const std::string& p) {
    if (p == "elderly") return world::Persona::elderly;
    if (p == "agent") return world::Persona::agent;
    if (p == "first_time") return world::Persona::first_time;
    return world::Persona::young;
}

kiosk::OutcomeKind outcome_of(const std::string& k) {
    if (k == "completed") return kiosk::OutcomeKind::completed;
    if (k == "completed_degraded") return kiosk::OutcomeKind::completed_degraded;
    if (k == "failed") return kiosk::OutcomeKind::failed;
    return kiosk::OutcomeKind::abandoned;
}

class ReplayFeed final : public Feed {
public:
    explicit ReplayFeed(store::RecordedRun run) : m_run(std::move(run)), m_instruments(0, {}) {
        world::SiteLoad load = world::load_site_scenario(m_run.effective);
        if (!load.scenario) {
            std::string why = load.validated.problems.empty() ? "unknown" : load.validated.problems.front().to_string();
            throw std::invalid_argument("run " + std::to_string(m_run.run_id) + ": its scenario does not load: " + why);
        }
        m_scenario = *load.scenario;
        m_instruments = Instruments(m_scenario.world.sites.size(), kiosk_counts(m_scenario.world));
        m_index.resize(m_scenario.world.sites.size());
        for (std::size_t s = 0; s < m_scenario.world.sites.size(); ++s) {
            m_sites.push_back(std::make_unique<SiteGeometry>(m_scenario.world.sites[s], nullptr));
            m_site_of[m_scenario.world.sites[s].id] = s;
            for (std::size_t k = 0; k < m_sites.back()->kiosk_ids.size(); ++k) m_index[s][m_sites.back()->kiosk_ids[k]] = k;
        }
        for (std::size_t i = 0; i < m_run.sessions.size(); ++i)
            m_sessions_of[{m_run.sessions[i].site, m_run.sessions[i].citizen}].push_back(i);
        double last = 0;
        for (std::size_t i = 0; i < m_run.visits.size(); ++i) {
            const auto& v = m_run.visits[i];
            m_span_s = std::max(m_span_s, leave_s(v) - v.arrived_s);
            last = std::max(last, leave_s(v));
            m_by_leave.push_back(i);
        }
        for (const auto& t : m_run.tickets) last = std::max(last, t.resolved_s);
        std::sort(m_by_leave.begin(), m_by_leave.end(),
                  [&](std::size_t a, std::size_t b) { return leave_s(m_run.visits[a]) < leave_s(m_run.visits[b]); });
        m_end = sim::Time{sim::from_seconds(std::max(last, m_run.horizon_days * 86400.0))};
    }

    const char* kind() const noexcept override { return "replay"; }
    sim::Time now() const override { return m_now; }
    sim::Time end() const override { return m_end; }
    bool seekable() const noexcept override { return true; }
    const Instruments& instruments() const override { return m_instruments; }

    void seek(sim::Time t) override {
        t = std::clamp(t, sim::Time{}, m_end);
        if (t < m_now) {  // back: rebuild the instruments from the start
            m_instruments.reset();
            m_now = sim::Time{};
            m_left = 0;
            m_closed.clear();
            m_captions.clear();
        }
        while (next_minute(m_now) <= t) {
            m_now = next_minute(m_now);
            catch_up();
            sample();
        }
        m_now = t;
        catch_up();
    }

    void fill(std::size_t site, Scene& out) override {
        begin_scene(out, m_now, site);
        kiosks_of(site, out.kiosks);
        const SiteGeometry& g = *m_sites[site];
        const world::WalkingMap& map = *g.map;
        const double t = sim::to_seconds(m_now.time_since_epoch());
        std::map<std::uint32_t, std::size_t> rank;
        const std::uint32_t line = map.queue_areas() ? map.queue_area(0).index : map.entrance(0).index;
        for_inside(t, [&](const store::RecordedRun::Visit& v) {
            if (m_site_of[v.site] != site) return;
            world::CitizenOnFloor c;
            c.site = site;
            c.persona = persona_of(v.persona);
            c.helped = v.helped;
            const auto k = m_index[site].find(v.kiosk);
            if (k != m_index[site].end()) c.kiosk = k->second;
            // The record keeps the total walking time, not each walk: a
            // third in, a third out, the rest to the kiosk.
            const double in = g.walks ? v.walking_s / 3 : 0, out_s = in;
            const double queued = v.arrived_s + in + v.waited_s, left = leave_s(v);
            auto walk = [&](world::CitizenPhase ph, world::WalkingMap::Place a, world::WalkingMap::Place b, double s0, double s1) {
                c.phase = ph;
                c.from = a;
                c.to = b;
                c.since = sim::Time{sim::from_seconds(s0)};
                c.until = sim::Time{sim::from_seconds(s1)};
            };
            std::size_t r = 0;
            const auto kiosk_place = c.kiosk ? map.kiosk(*c.kiosk) : map.entrance(0);
            if (t < v.arrived_s + in) walk(world::CitizenPhase::walking_in, map.entrance(0), {line}, v.arrived_s, v.arrived_s + in);
            else if (t < queued) {
                walk(world::CitizenPhase::waiting, {line}, {line}, v.arrived_s + in, queued);
                r = rank[line]++;
                ++out.waiting;
            } else if (c.kiosk && t < left - out_s) walk(world::CitizenPhase::at_kiosk, kiosk_place, kiosk_place, queued, left - out_s);
            else
                walk(world::CitizenPhase::walking_out, c.kiosk ? kiosk_place : world::WalkingMap::Place{line}, map.entrance(0),
                     left - out_s, left);
            const world::Point p = position_of(g, c, m_now, r);
            out.citizens.push_back({static_cast<float>(p.x), static_cast<float>(p.y), c.persona, c.phase, c.helped,
                                    c.phase == world::CitizenPhase::walking_out && !c.kiosk});
        });
        for (const auto& tk : m_run.tickets) {
            if (m_site_of[tk.site] != site || tk.root_cause != "peripheral" || !(tk.arrived_s <= t && t < tk.resolved_s)) continue;
            const auto it = m_index[site].find(tk.kiosk);
            if (it == m_index[site].end()) continue;
            const world::Point p = map.where(map.kiosk(it->second));
            out.technicians.push_back({static_cast<float>(p.x + 0.5), static_cast<float>(p.y), tk.kiosk});
        }
    }

    std::vector<TicketView> tickets() const override {
        std::vector<TicketView> out;
        const double t = sim::to_seconds(m_now.time_since_epoch());
        for (const auto& tk : m_run.tickets) {
            if (!(tk.occurred_s <= t && t < tk.resolved_s)) continue;
            const world::TicketStage st = t >= tk.arrived_s        ? world::TicketStage::arrived
                                          : t >= tk.acknowledged_s ? world::TicketStage::acknowledged
                                          : t >= tk.reported_s     ? world::TicketStage::reported
                                                                   : world::TicketStage::occurred;
            out.push_back({tk.kiosk, tk.device, tk.fault, tk.root_cause, st, tk.severity,
                           sim::Time{sim::from_seconds(tk.occurred_s)}, sim::Time{sim::from_seconds(tk.arrived_s)}});
        }
        return out;
    }

private:
    static double leave_s(const store::RecordedRun::Visit& v) { return v.arrived_s + v.walking_s + v.waited_s + v.held_s; }

    template <class F>
    void for_inside(double t, F&& f) const {
        const auto first = std::lower_bound(m_run.visits.begin(), m_run.visits.end(), t - m_span_s,
                                            [](const store::RecordedRun::Visit& v, double x) { return v.arrived_s < x; });
        for (auto it = first; it != m_run.visits.end() && it->arrived_s <= t; ++it)
            if (t < leave_s(*it)) f(*it);
    }

    void kiosks_of(std::size_t s, std::vector<SceneKiosk>& out) const {
        out.assign(m_sites[s]->kiosk_ids.size(), SceneKiosk{});
        const double t = sim::to_seconds(m_now.time_since_epoch());
        for_inside(t, [&](const store::RecordedRun::Visit& v) {
            const auto it = m_index[s].find(v.kiosk);
            if (it == m_index[s].end() || m_site_of.at(v.site) != s) return;
            const double in = m_sites[s]->walks ? v.walking_s / 3 : 0;
            if (t >= v.arrived_s + in + v.waited_s && t < leave_s(v) - in) out[it->second].state = world::KioskState::in_session;
        });
        for (const auto& tk : m_run.tickets) {
            const auto it = m_index[s].find(tk.kiosk);
            if (it == m_index[s].end() || !(tk.occurred_s <= t && t < tk.resolved_s)) continue;
            SceneKiosk& k = out[it->second];
            if (tk.root_cause == "peripheral") {
                if (k.state != world::KioskState::offline) k.state = world::KioskState::fault;
            } else {
                k.state = world::KioskState::offline;
                k.online = false;
                k.powered = tk.root_cause == "network";
            }
        }
    }

    void catch_up() {
        const double t = sim::to_seconds(m_now.time_since_epoch());
        for (; m_left < m_by_leave.size() && leave_s(m_run.visits[m_by_leave[m_left]]) <= t; ++m_left) {
            const auto& v = m_run.visits[m_by_leave[m_left]];
            Instruments::Left l;
            l.site = m_site_of[v.site];
            if (const auto it = m_index[l.site].find(v.kiosk); it != m_index[l.site].end()) l.kiosk = it->second;
            l.arrived = sim::Time{sim::from_seconds(v.arrived_s)};
            l.waited_min = v.waited_s / 60;
            l.served = v.fate == "served";
            if (const auto it = m_sessions_of.find({v.site, v.citizen}); it != m_sessions_of.end())
                for (std::size_t i : it->second) {
                    const auto& x = m_run.sessions[i];
                    l.outcomes.push_back(outcome_of(x.kind));
                    l.ratings.push_back(x.rating);
                    l.cases += !x.case_no.empty();
                }
            m_instruments.on_left(sim::Time{sim::from_seconds(leave_s(v))}, l);
        }
        for (std::size_t i = 0; i < m_run.tickets.size(); ++i) {
            const auto& tk = m_run.tickets[i];
            if (tk.resolved_s <= t && m_closed.insert(i).second) m_instruments.on_ticket_closed((tk.resolved_s - tk.reported_s) / 60);
        }
        m_captions.clear();
        for (const world::TimelineEvent& e : m_scenario.world.timeline)
            if (e.at <= m_now)
                add_caption({e.at, e.caption_zh, e.caption_en,
                             e.action.kind == world::InjectKind::caption ? std::string() : e.action.describe(m_scenario.world), {}});
        for (const auto& tk : m_run.tickets) {
            const std::string what = tk.kiosk + " " + tk.device + " " + tk.fault;
            auto at = [](double s) { return sim::Time{sim::from_seconds(s)}; };
            if (tk.reported_s <= t)
                add_caption({at(tk.reported_s), "平台发现故障，生成工单：" + what, "The platform raises a ticket: " + what, {}, {}});
            if (tk.root_cause == "peripheral" && tk.arrived_s <= t)
                add_caption({at(tk.arrived_s), "技术员到场：" + tk.kiosk, "The technician arrives at " + tk.kiosk, {}, {}});
            if (tk.resolved_s <= t) add_caption({at(tk.resolved_s), "已恢复：" + what, "Resolved: " + what, {}, {}});
        }
    }

    void sample() {
        const std::size_t n = m_sites.size();
        std::vector<std::vector<SceneKiosk>> kiosks(n);
        std::vector<std::size_t> waiting(n, 0);
        const double t = sim::to_seconds(m_now.time_since_epoch());
        for (std::size_t s = 0; s < n; ++s) kiosks_of(s, kiosks[s]);
        for_inside(t, [&](const store::RecordedRun::Visit& v) {
            const std::size_t s = m_site_of.at(v.site);
            const double in = m_sites[s]->walks ? v.walking_s / 3 : 0;
            if (t >= v.arrived_s + in && t < v.arrived_s + in + v.waited_s) ++waiting[s];
        });
        m_instruments.sample(m_now, waiting, kiosks);
    }

    store::RecordedRun m_run;
    Instruments m_instruments;
    sim::Time m_now{}, m_end{};
    double m_span_s = 0;
    std::map<std::string, std::size_t, std::less<>> m_site_of;
    std::vector<std::map<std::string, std::size_t, std::less<>>> m_index;
    std::map<std::pair<std::string, std::uint64_t>, std::vector<std::size_t>> m_sessions_of;
    std::vector<std::size_t> m_by_leave;
    std::size_t m_left = 0;
    std::set<std::size_t> m_closed;
};

}  // namespace

std::unique_ptr<Feed> make_world_feed(const world::SiteScenario& scenario, std::uint32_t replication) {
    return std::make_unique<WorldFeed>(scenario, replication);
}

std::unique_ptr<Feed> make_replay_feed(store::RecordedRun run) { return std::make_unique<ReplayFeed>(std::move(run)); }

}  // namespace kiosktwin::panel
