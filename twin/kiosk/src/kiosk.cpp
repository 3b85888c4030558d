// Boot, the main loop, the management agent and the outbox.
#include "kiosk_impl.hpp"

#include <kiosktwin/protocol/citizen_id.hpp>
#include <kiosktwin/sim/conditions.hpp>

#include <algorithm>

namespace kiosktwin::kiosk {

using nlohmann::json;
using namespace std::chrono_literals;

const char* to_string(OutcomeKind k) noexcept {
    switch (k) {
    case OutcomeKind::completed: return "completed";
    case OutcomeKind::completed_degraded: return "completed-degraded";
    case OutcomeKind::abandoned: return "abandoned";
    case OutcomeKind::failed: return "failed";
    }
    return "?";
}

json SessionOutcome::to_json() const {
    json j = {{"session", session},
              {"outcome", kiosk::to_string(kind)},
              {"reason", reason},
              {"service", service},
              {"login", login},
              {"item_code", item_code},
              {"case_no", case_no},
              {"submitted", submitted},
              {"queued", queued},
              {"paid", paid},
              {"receipt_printed", receipt_printed},
              {"certificate_printed", certificate_printed},
              {"e_receipt", e_receipt},
              {"e_certificate", e_certificate},
              {"rating", rating},
              {"degradations", degradations},
              {"applicant", applicant},
              {"started_us", started.time_since_epoch().count()},
              {"ended_us", ended.time_since_epoch().count()}};
    if (!cross_mode.empty()) j["cross_mode"] = cross_mode;
    return j;
}

void KioskStore::append_log(std::string line) {
    if (log.size() >= log_limit) log.erase(log.begin(), log.begin() + static_cast<std::ptrdiff_t>(log.size() / 2));
    log.push_back(std::move(line));
}

bool KioskChannels::attach(std::string_view kind, StreamChannel& c) noexcept {
    if (kind == "idcard_reader") idcard = &c;
    else if (kind == "qr_scanner") qr = &c;
    else if (kind == "receipt_printer") receipt = &c;
    else return false;
    return true;
}

bool KioskChannels::attach(std::string_view kind, HttpChannel& c) noexcept {
    if (kind == "a4_printer") a4 = &c;
    else if (kind == "face_camera") face = &c;
    else if (kind == "document_camera") document = &c;
    else return false;
    return true;
}

namespace {

// What a greyed-out button says, per driven kind (string_views need static storage).
struct Unusable {
    std::string_view kind, absent, fault;
};
constexpr Unusable k_unusable[] = {
    {"idcard_reader", "idcard_reader:ABSENT", "idcard_reader:FAULT"},
    {"qr_scanner", "qr_scanner:ABSENT", "qr_scanner:FAULT"},
    {"receipt_printer", "receipt_printer:ABSENT", "receipt_printer:FAULT"},
    {"a4_printer", "a4_printer:ABSENT", "a4_printer:FAULT"},
    {"face_camera", "face_camera:ABSENT", "face_camera:FAULT"},
    {"document_camera", "document_camera:ABSENT", "document_camera:FAULT"},
};

}  // namespace

Kiosk::Impl::Impl(Kiosk& kiosk, const KioskChannels& ch) : k(kiosk) {
    if (ch.idcard) idcard = std::make_unique<IdCardReaderDriver>(*ch.idcard);
    if (ch.qr) qr = std::make_unique<QrScannerDriver>(*ch.qr);
    if (ch.receipt) receipt = std::make_unique<ReceiptPrinterDriver>(*ch.receipt);
    if (ch.a4) a4 = std::make_unique<A4PrinterDriver>(*ch.a4);
    if (ch.face) face = std::make_unique<FaceCameraDriver>(*ch.face);
    if (ch.document) document = std::make_unique<DocumentCameraDriver>(*ch.document);
    for (Driver* p : {static_cast<Driver*>(idcard.get()), static_cast<Driver*>(qr.get()),
                      static_cast<Driver*>(receipt.get()), static_cast<Driver*>(a4.get()),
                      static_cast<Driver*>(face.get()), static_cast<Driver*>(document.get())})
        if (p) fitted.push_back(p);
}

Driver* Kiosk::Impl::driver(std::string_view kind) const {
    for (Driver* d : fitted)
        if (d->kind() == kind) return d;
    return nullptr;
}

std::string_view Kiosk::Impl::unusable(std::string_view kind) const {
    for (const Unusable& u : k_unusable) {
        if (u.kind != kind) continue;
        const Driver* d = driver(kind);
        if (d == nullptr || d->status().health == Health::absent) return u.absent;
        if (d->status().health == Health::fault) return u.fault;
        return {};
    }
    return {};  // a peripheral this stack has no driver for is not a reason to refuse
}

std::string Kiosk::Impl::key(std::uint64_t session, std::string_view what) const {
    std::string s = k.m_config.terminal_id;
    s.append("-b").append(std::to_string(k.m_store.boots)).append("-s").append(std::to_string(session));
    s.push_back('-');
    s.append(what);
    return s;
}

void Kiosk::Impl::log(std::string line) {
    std::string stamped = std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                             k.m_sim.now().time_since_epoch()).count());
    stamped.append(" ").append(protocol::mask_ids(line));
    k.m_store.append_log(std::move(stamped));
}

// --- boot ----------------------------------------------------------------------

void Kiosk::Impl::recover_lost_session() {
    KioskStore& st = k.m_store;
    if (!st.open_session) return;
    // The kiosk died in the middle of a session: the citizen's session ended
    // then, in a failure; what the outbox still owes goes on below.
    SessionOutcome o;
    o.session = *st.open_session;
    o.kind = OutcomeKind::failed;
    o.reason = "kiosk-restart";
    o.started = o.ended = k.m_sim.now();
    if (auto c = st.ledger.find(o.session); c != st.ledger.end()) o.case_no = c->second;
    for (const OutboxEntry& e : st.outbox)
        if (e.session == o.session) o.queued = true;
    st.session_data.clear();
    st.temp_files.clear();
    st.open_session.reset();
    st.outcomes.push_back(o);
    log("session " + std::to_string(o.session) + " lost in a restart");
    k.session_ended.emit(st.outcomes.back());
}

sim::Process<void> Kiosk::Impl::poll_devices() {
    for (Driver* d : fitted) co_await d->poll();
}

sim::Process<void> Kiosk::Impl::boot() {
    ++k.m_store.boots;
    ++k.m_counters.boots;
    booted = k.m_sim.now();
    k.events.emit("boot");
    recover_lost_session();
    Screen s;
    s.page = "boot";
    s.title_zh = "系统启动中";
    s.title_en = "Starting";
    k.m_ui->show(std::move(s));
    co_await poll_devices();
    // Registration is idempotent from the kiosk's side: a kiosk the platform
    // knows (after a restart) reads its record instead.
    sim::Duration pause = 2s;
    while (!k.m_registered && !k.m_stopping) {
        GatewayReply self = co_await k.m_gateway.get("/api/v1/terminals/self");
        if (self.ok()) {
            k.m_registered = true;
            break;
        }
        if (!self.unreachable()) {
            json peripherals = json::array();
            for (Driver* d : fitted)
                peripherals.push_back({{"id", std::string(d->kind()).append("-1")}, {"type", d->kind()}});
            json body = {{"terminal_id", k.m_config.terminal_id},
                         {"site", k.m_config.site},
                         {"region", k.m_config.region},
                         {"heartbeat_interval_s", std::chrono::duration_cast<std::chrono::seconds>(k.m_config.heartbeat).count()},
                         {"peripherals", std::move(peripherals)}};
            GatewayReply r = co_await k.m_gateway.post("/api/v1/terminals/register", std::move(body), {},
                                                       GatewayClient::Retry::never);
            if (r.ok()) {
                k.m_registered = true;
                log("registered as " + k.m_config.terminal_id);
                break;
            }
        }
        co_await k.m_sim.delay(pause);
        pause = std::min<sim::Duration>(pause * 2, 60s);
    }
    co_await k.m_catalogue.refresh(k.m_gateway);
}

// --- main loop -------------------------------------------------------------------

Screen Kiosk::Impl::home_page() const {
    Screen s;
    s.page = "home";
    s.notice = k.m_notice;
    if (k.m_locked) {
        s.prompt = Prompt::out_of_service;
        s.title_zh = "暂停服务";
        s.title_en = "Out of service";
        s.lines.push_back("本机暂停服务，请使用" + k.m_config.nearby + " / please use another kiosk");
        return s;
    }
    s.prompt = Prompt::choose_service;
    s.title_zh = "政务服务自助终端";
    s.title_en = "Government services";
    s.options = {{"service.query", "查询咨询", "Query and consult"},
                 {"service.handle", "办理业务", "Handle an application"},
                 {"accessible", "长者/无障碍模式", "Large text and voice"}};
    if (k.m_catalogue.empty()) {
        s.options[1].enabled = false;
        s.options[1].why_disabled = "catalogue:unavailable";
        s.options[0].enabled = false;
        s.options[0].why_disabled = "catalogue:unavailable";
    }
    return s;
}

sim::Process<void> Kiosk::Impl::main_loop() {
    try {
        co_await serve();
    } catch (const sim::Interrupt&) {
        // crash(): the software stops where it stands, as a power cut would.
    }
}

sim::Process<void> Kiosk::Impl::serve() {
    co_await boot();
    while (!k.m_stopping) {
        if (restart_pending) {
            // A remote restart takes effect between sessions.
            restart_pending = false;
            k.m_registered = false;
            co_await boot();
            continue;
        }
        if (catalogue_stale) {
            catalogue_stale = false;
            co_await k.m_catalogue.refresh(k.m_gateway);
        }
        k.m_ui->clear_touches();
        k.m_ui->show(home_page());
        std::optional<Touch> t = co_await k.m_ui->wait_touch(k.m_sim.now() + k.m_config.device_poll);
        if (!t) {
            co_await poll_devices();
            continue;
        }
        if (k.m_locked) continue;
        if (t->option == "service.query" || t->option == "service.handle" || t->option == "accessible")
            co_await session(std::move(*t));
    }
}

// --- the management agent -------------------------------------------------------

sim::Process<bool> Kiosk::Impl::heartbeat() {
    json peripherals = json::array();
    json consumables = json::object();
    bool fault = false;
    bool degraded = false;
    for (Driver* d : fitted) {
        const DriverStatus& st = d->status();
        json p = {{"id", std::string(d->kind()).append("-1")}, {"state", devices::to_string(st.health)}};
        if (!st.reasons.empty()) {
            std::string detail;
            for (const std::string& r : st.reasons) detail.append(detail.empty() ? "" : ",").append(r);
            p["detail"] = detail.substr(0, 200);
        }
        peripherals.push_back(std::move(p));
        for (const auto& [name, pct] : st.consumables)
            consumables[std::string(d->kind()).append(".").append(name)] = std::clamp(pct, 0, 100);
        if (st.health == Health::fault || st.health == Health::absent) degraded = true;
    }
    fault = fitted.empty();
    const char* status = k.m_locked ? "locked" : fault ? "fault" : degraded ? "degraded" : "online";
    json acks = json::array();
    for (std::uint64_t id : acks_ok) acks.push_back({{"id", id}, {"result", "ok"}});
    for (std::uint64_t id : acks_failed) acks.push_back({{"id", id}, {"result", "failed"}});
    json body = {{"status", status},
                 {"uptime_s", std::chrono::duration_cast<std::chrono::seconds>(k.m_sim.now() - booted).count()},
                 {"peripherals", std::move(peripherals)},
                 {"consumables", std::move(consumables)},
                 {"acks", std::move(acks)}};
    ++k.m_counters.heartbeats;
    GatewayReply r = co_await k.m_gateway.post("/api/v1/terminals/heartbeat", std::move(body), {},
                                               GatewayClient::Retry::never);
    if (!r.ok()) {
        ++k.m_counters.heartbeats_failed;
        co_return false;
    }
    acks_ok.clear();
    acks_failed.clear();
    if (r.data.value("catalogue_version", std::uint64_t{0}) != k.m_catalogue.version()) catalogue_stale = true;
    for (const json& c : r.data.value("commands", json::array())) {
        ++k.m_counters.commands;
        const auto id = c.value("id", std::uint64_t{0});
        const std::string kind = c.value("kind", std::string());
        k.events.emit(std::string("command:").append(kind));
        log("remote command " + std::to_string(id) + " " + kind);
        if (kind == "restart") restart_pending = true;
        else if (kind == "update_items") catalogue_stale = true;
        else if (kind == "publish_notice") {
            const json args = c.value("args", json::object());
            k.m_notice = args.value("text", args.value("notice", std::string()));
        } else if (kind == "lock") k.m_locked = true;
        else if (kind == "unlock") k.m_locked = false;
        else {
            acks_failed.push_back(id);
            continue;
        }
        acks_ok.push_back(id);
    }
    // A command that changes the home page shows at once when no one is using the kiosk.
    if (!in_session && !r.data.value("commands", json::array()).empty()) k.m_ui->show(home_page());
    co_return true;
}

sim::Process<void> Kiosk::Impl::agent_loop() {
    try {
        co_await agent();
    } catch (const sim::Interrupt&) {
    }
}

sim::Process<void> Kiosk::Impl::agent() {
    while (!k.m_registered && !k.m_stopping) co_await k.m_sim.delay(1s);
    while (!k.m_stopping) {
        co_await heartbeat();
        ++heartbeat_count;
        if (!k.m_store.outbox.empty()) co_await drain_outbox();
        if (heartbeat_count % static_cast<std::uint64_t>(std::max(1, k.m_config.log_upload_every)) == 0 &&
            !k.m_store.log.empty()) {
            std::string content;
            for (const std::string& l : k.m_store.log) content.append(l).push_back('\n');
            const std::size_t lines = k.m_store.log.size();
            json body = {{"name", k.m_config.terminal_id + "-" + std::to_string(heartbeat_count) + ".log"},
                         {"content", content.substr(0, 1 << 20)}};
            GatewayReply r = co_await k.m_gateway.post("/api/v1/terminals/logs", std::move(body),
                                                       key(0, "log-" + std::to_string(heartbeat_count)));
            if (r.ok()) {
                ++k.m_counters.log_uploads;
                k.m_store.log.erase(k.m_store.log.begin(), k.m_store.log.begin() + static_cast<std::ptrdiff_t>(lines));
            }
        }
        const sim::Duration wait = k.m_store.outbox.empty() ? k.m_config.heartbeat
                                                            : std::min(k.m_config.heartbeat, k.m_config.outbox_retry);
        co_await k.m_sim.delay(wait);
    }
}

// --- the outbox ---------------------------------------------------------------------

sim::Process<GatewayReply> Kiosk::Impl::deliver(OutboxEntry& e) {
    ++e.attempts;
    GatewayReply r;
    if (e.step == OutboxEntry::Step::create) {
        r = co_await k.m_gateway.post("/api/v1/applications", e.create_body, e.create_key);
        if (!r.ok()) co_return r;
        e.case_no = r.data.value("case_no", std::string());
        k.m_store.ledger[e.session] = e.case_no;
        e.step = OutboxEntry::Step::materials;
    }
    if (e.step == OutboxEntry::Step::materials) {
        while (e.materials_done < e.materials.size()) {
            // Uploading by name replaces: a retry cannot duplicate a material.
            r = co_await k.m_gateway.post("/api/v1/applications/" + e.case_no + "/materials",
                                          e.materials[e.materials_done], {}, GatewayClient::Retry::safe);
            if (!r.ok()) co_return r;
            ++e.materials_done;
        }
        e.step = OutboxEntry::Step::submit;
    }
    if (e.step == OutboxEntry::Step::submit) {
        r = co_await k.m_gateway.post("/api/v1/applications/" + e.case_no + "/submit", e.submit_body, e.submit_key);
        if (!r.ok()) co_return r;
        e.step = OutboxEntry::Step::done;
        k.events.emit(std::string("submitted:").append(e.case_no));
    }
    co_return r;
}

sim::Process<void> Kiosk::Impl::drain_outbox() {
    KioskStore& st = k.m_store;
    for (std::size_t i = 0; i < st.outbox.size();) {
        OutboxEntry& e = st.outbox[i];
        if (st.open_session && e.session == *st.open_session) {
            ++i;  // the session in progress delivers its own
            continue;
        }
        GatewayReply r = co_await deliver(e);
        if (r.unreachable()) co_return;  // still down: try again later
        if (e.step == OutboxEntry::Step::done || !r.transient()) {
            // Done, or refused for good (the platform said no): either way it
            // leaves the outbox, and the log says which.
            log(std::string("outbox session ").append(std::to_string(e.session)).append(
                e.step == OutboxEntry::Step::done ? " delivered " : " refused ").append(e.case_no).append(
                e.step == OutboxEntry::Step::done ? "" : " " + r.reason()));
            if (e.step == OutboxEntry::Step::done) {
                ++k.m_counters.outbox_delivered;
                k.events.emit(std::string("outbox:").append(e.case_no));
            }
            st.outbox.erase(st.outbox.begin() + static_cast<std::ptrdiff_t>(i));
            continue;
        }
        ++i;
    }
}

// --- the object ---------------------------------------------------------------------

Kiosk::Kiosk(sim::Simulation& sim, KioskConfig config, KioskChannels channels, GatewayTransport& transport,
             KioskStore& store)
    : m_sim(sim), m_config(std::move(config)), m_store(store), m_gateway(transport, m_config.gateway),
      m_own_ui(channels.ui ? nullptr : std::make_unique<Ui>(sim)), m_ui(channels.ui ? channels.ui : m_own_ui.get()),
      m(std::make_unique<Impl>(*this, channels)) {}

Kiosk::~Kiosk() {
    if (m) crash();
}

void Kiosk::start() {
    m->processes.push_back(m_sim.spawn(m->main_loop()));
    m->processes.push_back(m_sim.spawn(m->agent_loop()));
}

void Kiosk::crash() {
    for (auto& p : m->processes)
        if (!p.done()) p.interrupt(std::string("crash"));
    m->processes.clear();
}

bool Kiosk::running() const noexcept {
    return std::any_of(m->processes.begin(), m->processes.end(), [](const auto& p) { return !p.done(); });
}

std::vector<const Driver*> Kiosk::drivers() const {
    std::vector<const Driver*> d;
    for (Driver* p : m->fitted) d.push_back(p);
    return d;
}

}  // namespace kiosktwin::kiosk
