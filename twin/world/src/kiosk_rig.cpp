#include <kiosktwin/world/kiosk_rig.hpp>

#include <kiosktwin/devices/registry.hpp>
#include <kiosktwin/sim/random.hpp>

#include <stdexcept>

namespace kiosktwin::world {

using nlohmann::json;

KioskRig::KioskRig(sim::Simulation& sim, VirtualGateway& gateway, KioskRigOptions options)
    : m_sim(sim), m_gateway(gateway), m_options(std::move(options)), m_host(sim), m_ui(sim) {
    const std::string& tid = m_options.config.terminal_id;
    for (std::string_view kind : kiosk::k_driven_kinds) {
        const json cfg = m_options.devices.value(std::string(kind), json::object());
        if (cfg.is_boolean() && !cfg.get<bool>()) continue;
        const std::string id = std::string(tid).append("/").append(kind);
        auto d = devices::make_device(kind, id, sim::derive_seed(m_options.seed, id), cfg.is_object() ? cfg : json::object());
        devices::Device* raw = d.get();
        m_devices.push_back(std::move(d));
        if (auto* s = dynamic_cast<devices::StreamDevice*>(raw))
            m_streams.push_back(std::make_unique<kiosk::VirtualStreamChannel>(m_host, *s));
        else if (auto* h = dynamic_cast<devices::HttpDevice*>(raw))
            m_https.push_back(std::make_unique<kiosk::VirtualHttpChannel>(m_host, *h));
        if (kind == "idcard_reader") m_idcard = static_cast<devices::IdCardReader*>(raw);
        else if (kind == "qr_scanner") m_qr = static_cast<devices::QrScanner*>(raw);
        else if (kind == "receipt_printer") m_receipt = static_cast<devices::ReceiptPrinter*>(raw);
        else if (kind == "a4_printer") m_a4 = static_cast<devices::A4Printer*>(raw);
        else if (kind == "face_camera") m_face = static_cast<devices::FaceCamera*>(raw);
        else m_document = static_cast<devices::DocumentCamera*>(raw);
    }
    const std::string key = "key-" + tid;
    m_gateway.add_kiosk_key(key);
    if (m_options.link)
        m_link = std::make_unique<link::Link>(tid + "/gateway", "virtual:" + tid, "virtual:gateway",
                                              sim::derive_seed(m_options.seed, tid + "/link"));
    m_transport = std::make_unique<VirtualGatewayTransport>(m_gateway, key, m_link.get());
    m_kiosk = std::make_unique<kiosk::Kiosk>(m_sim, m_options.config, channels(), *m_transport, m_store);
}

KioskRig::~KioskRig() {
    // Stop the software and the back office, and let their processes unwind
    // (they wait on this rig's objects) before anything goes.
    if (m_kiosk) m_kiosk->crash();
    for (auto& p : m_back_office)
        if (!p.done()) p.interrupt();
    m_sim.run_until(m_sim.now());
}

kiosk::KioskChannels KioskRig::channels() {
    kiosk::KioskChannels ch;
    for (auto& s : m_streams) ch.attach(s->device().kind(), *s);
    for (auto& h : m_https) ch.attach(h->device().kind(), *h);
    ch.ui = &m_ui;
    return ch;
}

void KioskRig::start() {
    m_kiosk->events.connect([this](std::string_view e) {
        if (m_options.instant_back_office && e.starts_with("submitted:")) decide(std::string(e.substr(10)));
    });
    m_kiosk->start();
}

void KioskRig::restart() {
    m_kiosk->crash();
    m_crashed.push_back(std::move(m_kiosk));
    m_kiosk = std::make_unique<kiosk::Kiosk>(m_sim, m_options.config, channels(), *m_transport, m_store);
    m_powered = true;
    start();
    rebooted.emit(*this);
}

void KioskRig::power_off() {
    if (!m_powered) return;
    m_powered = false;
    m_kiosk->crash();
    kiosk::Screen dark;
    dark.page = "dark";
    dark.prompt = kiosk::Prompt::out_of_service;
    m_ui.show(std::move(dark));
}

void KioskRig::power_on() {
    if (m_powered) return;
    restart();
}

void KioskRig::decide(const std::string& case_no) {
    // 即办 (R-7.1-1 "full" depth): the local back office decides at once,
    // as the platform's department agent; cross-region 办件 are decided
    // where they are handled, never here (R-7.5-1).
    auto office = [](KioskRig& rig, std::string cn) -> sim::Process<void> {
        co_await rig.m_sim.delay(rig.m_options.decision_delay);
        const auto* app = rig.m_gateway.state().applications.find(cn);
        if (app == nullptr || app->cross) co_return;
        const auto* item = rig.m_gateway.state().catalogue.find(app->item_code);
        if (item == nullptr) co_return;
        using services::catalogue::Depth;
        if (item->depth != Depth::full && item->depth != Depth::print) co_return;
        for (const char* to : {"accepted", "in_review", "approved", "certificate_issued"}) {
            json body = {{"to", to}, {"actor", "receiving"}};
            rig.m_gateway.admin("POST", "/admin/v1/applications/" + cn + "/advance", std::move(body));
        }
    };
    std::erase_if(m_back_office, [](const auto& p) { return p.done(); });
    m_back_office.push_back(m_sim.spawn(office(*this, case_no)));
}

devices::Device* KioskRig::device(std::string_view kind) noexcept {
    for (auto& d : m_devices)
        if (d->kind() == kind) return d.get();
    return nullptr;
}

kiosk::VirtualStreamChannel* KioskRig::stream_channel(std::string_view kind) noexcept {
    for (auto& s : m_streams)
        if (s->device().kind() == kind) return s.get();
    return nullptr;
}

kiosk::VirtualHttpChannel* KioskRig::http_channel(std::string_view kind) noexcept {
    for (auto& h : m_https)
        if (h->device().kind() == kind) return h.get();
    return nullptr;
}

devices::ActionResult KioskRig::act(std::string_view kind, const json& action) {
    devices::Device* d = device(kind);
    if (d == nullptr) return devices::ActionResult::failure("no " + std::string(kind) + " fitted");
    return m_host.act(*d, action);
}

// --- the citizen's hands -------------------------------------------------------------

void VirtualHands::insert_card(const kiosk::CitizenIdentity& who) {
    json card = {{"type", "resident"},     {"name", who.name},        {"sex", who.sex.empty() ? "1" : who.sex},
                 {"nation", "01"},          {"birth", who.birth},      {"address", "广东省深圳市福田区福华路1号"},
                 {"id_number", who.id_number}, {"authority", "深圳市公安局福田分局"},
                 {"valid_from", "20200101"}, {"valid_to", "20400101"}};
    m_rig.act("idcard_reader", {{"action", "insert_card"}, {"card", std::move(card)}, {"replace", true}});
}

void VirtualHands::remove_card() { m_rig.act("idcard_reader", {{"action", "remove_card"}}); }

void VirtualHands::present_face(const kiosk::CitizenIdentity& who, bool live) {
    m_rig.act("face_camera",
              {{"action", "present_face"}, {"subject", live ? "live" : "photo"}, {"template", who.face_template}});
}

void VirtualHands::leave_camera() { m_rig.act("face_camera", {{"action", "present_face"}, {"subject", "none"}}); }

void VirtualHands::place_document(std::string_view material) {
    m_rig.act("document_camera", {{"action", "place_document"}, {"kind", kiosk::document_kind(material)}});
}

void VirtualHands::show_qr(std::string_view payload) {
    m_rig.act("qr_scanner", {{"action", "scan"}, {"data", payload}});
}

void VirtualHands::take_receipt() {
    devices::ActionResult r = m_rig.act("receipt_printer", {{"action", "take_receipt"}});
    if (r.ok) m_last_receipt = std::move(r.data);
}

void VirtualHands::take_certificate() {}  // the A4 tray needs no action

void VirtualHands::pay(std::string_view payment_id) {
    // The payment channel's callback, with its transaction number.
    json body = {{"channel_txn", "WX" + std::string(payment_id)}};
    m_rig.gateway().admin("POST", "/admin/v1/payments/" + std::string(payment_id) + "/paid", std::move(body));
}

}  // namespace kiosktwin::world
