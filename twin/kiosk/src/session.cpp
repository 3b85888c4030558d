// The flow of one session (R-7.1-2), top to bottom as a citizen meets it.
#include "kiosk_impl.hpp"

#include <kiosktwin/kiosk/gb18030.hpp>

#include <kiosktwin/protocol/base64.hpp>
#include <kiosktwin/protocol/citizen_id.hpp>

#include <algorithm>
#include <charconv>

namespace kiosktwin::kiosk {

using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr std::string_view k_id_card_material = "居民身份证";

// Buttons, built once (a braced list inside a coroutine would be rebuilt on
// every page, and GCC 12 mishandles its backing array across a suspension).
const std::vector<Option> k_idle_buttons{{"continue", "继续办理", "Continue"}, {"cancel", "退出", "Log out"}};
const std::vector<Option> k_done_buttons{{"done", "知道了", "OK"}};
const std::vector<Option> k_login_buttons{{"login.id_card", "刷身份证", "ID card"},
                                          {"login.eid_qr", "电子身份证扫码", "e-ID QR code"},
                                          {"login.manual", "手工输入", "Type your ID number"}};
const std::vector<Option> k_cancel_buttons{{"cancel", "退出", "Cancel"}};
const std::vector<Option> k_ok_cancel_buttons{{"ok", "确认", "Confirm"}, {"cancel", "退出", "Cancel"}};
const std::vector<Option> k_yes_no_buttons{{"yes", "是", "Yes"}, {"no", "否", "No"}};
const std::vector<Option> k_document_buttons{
    {"captured", "拍摄", "Capture"}, {"skip", "跳过", "Skip"}, {"cancel", "退出", "Cancel"}};
const std::vector<Option> k_submit_cancel_buttons{{"submit", "提交", "Submit"}, {"cancel", "退出", "Cancel"}};
const std::vector<Option> k_rating_buttons{{"rate.5", "非常满意", "Very satisfied"}, {"rate.4", "满意", "Satisfied"},
                                           {"rate.3", "基本满意", "Neutral"},       {"rate.2", "不满意", "Dissatisfied"},
                                           {"rate.1", "非常不满意", "Very dissatisfied"}, {"skip", "跳过", "Skip"}};
const Option k_help_button{"help", "呼叫帮助", "Call for help"};
const Option k_cancel_button{"cancel", "退出", "Cancel"};
const Option k_local_button{"local", "本地办理", "Local"};
const Option k_cross_online_button{"cross.online", "全程网办", "Handled online by the home region"};
const Option k_cross_proxy_button{"cross.proxy", "异地代收代办", "Received here, handled there"};
const Option k_cross_joint_button{"cross.joint", "多地联办", "Joint handling"};

/// The zones' English names (R-7.4-1), beside the catalogue's Chinese ones.
std::string_view zone_en(std::string_view zone) {
    static constexpr std::pair<std::string_view, std::string_view> k_names[] = {
        {"police", "Public security"},      {"tax", "Taxation"},
        {"hrss", "Human resources and social security"}, {"medical", "Medical insurance"},
        {"housing_fund", "Housing provident fund"}, {"real_estate", "Real estate"},
        {"cross_region", "Cross-region services"}, {"elderly", "Seniors"},
        {"enterprise", "Enterprises"}};
    for (const auto& [id, en] : k_names)
        if (id == zone) return en;
    return zone;
}

[[noreturn]] void end(OutcomeKind kind, std::string reason) { throw SessionEnd{kind, std::move(reason)}; }
[[noreturn]] void fail(std::string reason) { end(OutcomeKind::failed, std::move(reason)); }

/// A gateway refusal or an unreachable gateway ends the session: "link-down"
/// tells the citizen the platform cannot be reached (nothing of theirs is
/// kept), any other reason is the platform's answer.
void require(const GatewayReply& r) {
    if (!r.ok()) fail(r.reason());
}

/// The ID number inside a synthetic e-ID QR code ("EID1:" + Base64 of
/// "id|expires|tag"); the gateway says whether the code is genuine.
std::string eid_number(std::string_view payload) {
    if (!payload.starts_with("EID1:")) return {};
    auto raw = protocol::base64_decode(payload.substr(5));
    if (!raw) return {};
    std::string_view text(reinterpret_cast<const char*>(raw->data()), raw->size());
    return std::string(text.substr(0, text.find('|')));
}

}  // namespace

sim::Duration Kiosk::Impl::patience(const SessionState& s, sim::Duration d) const {
    if (!s.accessible) return d;
    return std::chrono::duration_cast<sim::Duration>(d * k.m_config.accessible_factor);
}

Screen Kiosk::Impl::page(const SessionState& s, std::string_view name, Prompt prompt, std::string_view zh,
                         std::string_view en) const {
    Screen p;
    p.page = name;
    p.prompt = prompt;
    p.title_zh = zh;
    p.title_en = en;
    p.notice = k.m_notice;
    p.large_text = s.accessible;
    p.help_button = s.accessible;
    if (s.accessible) p.voice = zh;  // the title is read out (R-5-4)
    return p;
}

void Kiosk::Impl::voice(const SessionState& s, std::string_view text) {
    if (!s.accessible) return;
    std::string e("voice:");
    e.append(text);
    k.events.emit(e);
}

// The idle rule (R-9.1-1): no touch for idle_timeout → a warning with a
// countdown; no touch during it → logout, the session abandoned.
sim::Process<void> Kiosk::Impl::idle_warning(SessionState& s) {
    Screen w = page(s, "idle", Prompt::idle_warning, "您还在吗？", "Are you still there?");
    w.countdown = patience(s, k.m_config.idle_warning);
    w.lines.push_back("无操作将自动退出并清除您的信息 / you will be logged out and your data wiped");
    w.options = k_idle_buttons;
    voice(s, w.title_zh);
    k.m_ui->show(std::move(w));
    std::optional<Touch> t = co_await k.m_ui->wait_touch(k.m_sim.now() + patience(s, k.m_config.idle_warning));
    if (!t) end(OutcomeKind::abandoned, "idle-timeout");
    if (t->option == "cancel") end(OutcomeKind::abandoned, "cancelled");
}

sim::Process<Touch> Kiosk::Impl::ask(SessionState& s, Screen screen) {
    if (s.accessible && !screen.voice.empty()) voice(s, screen.voice);
    if (s.accessible) screen.options.push_back(k_help_button);
    for (;;) {
        Screen shown = screen;
        k.m_ui->show(std::move(shown));
        std::optional<Touch> t = co_await k.m_ui->wait_touch(k.m_sim.now() + patience(s, k.m_config.idle_timeout));
        if (!t) {
            co_await idle_warning(s);
            continue;
        }
        if (t->option == "cancel") end(OutcomeKind::abandoned, "cancelled");
        if (t->option == "help") {
            k.events.emit("help");  // staff are called; the page stays
            continue;
        }
        const Option* o = screen.option(t->option);
        if (o == nullptr || !o->enabled) continue;  // a touch beside the buttons, or on a greyed one
        co_return std::move(*t);
    }
}

// --- the session -------------------------------------------------------------------

sim::Process<void> Kiosk::Impl::session(Touch first) {
    SessionState s;
    KioskStore& st = k.m_store;
    s.outcome.session = ++st.last_session;
    s.outcome.started = k.m_sim.now();
    s.catalogue = k.m_catalogue.snapshot();
    st.open_session = s.outcome.session;
    in_session = true;
    ++k.m_counters.sessions;
    try {
        co_await run_flow(s, std::move(first));
        s.outcome.kind = s.outcome.degradations.empty() ? OutcomeKind::completed : OutcomeKind::completed_degraded;
        if (!s.outcome.degradations.empty() && s.outcome.reason.empty()) s.outcome.reason = s.outcome.degradations.front();
    } catch (const sim::Interrupt&) {
        throw;  // a crash: no outcome now; the next boot records the lost session
    } catch (const SessionEnd& e) {
        s.outcome.kind = e.kind;
        s.outcome.reason = e.reason;
        // A submission queued in the outbox still counts: the citizen was told it will go.
        if (s.outcome.queued && e.kind == OutcomeKind::failed) s.outcome.kind = OutcomeKind::completed_degraded;
    } catch (const std::exception& e) {
        // A bug or an answer the stack cannot read: the session still ends in one outcome.
        s.outcome.kind = OutcomeKind::failed;
        s.outcome.reason = "internal-error";
        log(std::string("session ").append(std::to_string(s.outcome.session)).append(" internal error: ").append(e.what()));
    }
    end_session(s);
}

void Kiosk::Impl::end_session(SessionState& s) {
    KioskStore& st = k.m_store;
    // Logout (R-9.1-1): nothing of the citizen stays — not in the session
    // store, not in temporary files, not on the screen.
    st.session_data.clear();
    st.temp_files.clear();
    s.name.clear();
    s.id_number.clear();
    s.photo.clear();
    s.yes.clear();
    s.phone.clear();
    k.m_ui->clear_touches();
    s.outcome.ended = k.m_sim.now();
    st.open_session.reset();
    in_session = false;
    log(std::string("session ").append(std::to_string(s.outcome.session)).append(" ").append(to_string(s.outcome.kind))
            .append(s.outcome.reason.empty() ? "" : " " + s.outcome.reason)
            .append(s.outcome.case_no.empty() ? "" : " " + s.outcome.case_no));
    st.outcomes.push_back(std::move(s.outcome));
    k.session_ended.emit(st.outcomes.back());
}

sim::Process<void> Kiosk::Impl::run_flow(SessionState& s, Touch first) {
    if (first.option == "accessible") {
        s.accessible = true;  // 适老化: large text, voice, slower timeouts, help (R-5-4)
        Screen home = home_page();
        home.page = "home_accessible";
        home.large_text = home.help_button = true;
        home.voice = "请选择查询咨询或办理业务";
        home.options.pop_back();
        first = co_await ask(s, std::move(home));
    }
    if (first.option == "service.query") {
        s.outcome.service = "query";
        co_await query_flow(s);
        co_return;
    }
    s.outcome.service = "handle";
    co_await login(s);
    s.item = co_await choose_item(s, false);
    s.outcome.item_code = s.item->code;
    co_await guidance(s);
    co_await form(s);
    OutboxEntry e;
    e.session = s.outcome.session;
    e.create_key = key(e.session, "create");
    e.submit_key = key(e.session, "submit");
    co_await materials(s, e);
    co_await submit(s, e);
    if (!s.outcome.submitted) co_return;  // queued: nothing to pay or print yet
    co_await pay(s);
    co_await print(s);
    co_await evaluate(s);
}

// --- query and consult (R-5-2: no login) -----------------------------------------------

sim::Process<void> Kiosk::Impl::query_flow(SessionState& s) {
    const KioskItem* item = co_await choose_item(s, true);
    s.outcome.item_code = item->code;
    Screen g = page(s, "guide", Prompt::read_result, "办事指南", "Service guide");
    g.subject = item->code;
    g.lines.push_back(item->name);
    for (const ItemMaterial& m : item->materials)
        g.lines.push_back(std::string(m.required ? "必需材料 required: " : "选填材料 optional: ").append(m.name));
    for (const std::string& f : item->faq) g.lines.push_back(f);
    if (item->fee_fen > 0) g.lines.push_back("收费 fee: " + std::to_string(item->fee_fen / 100) + " 元");
    g.options = k_done_buttons;
    g.pin = s.catalogue;
    co_await ask(s, std::move(g));
}

// --- login (R-7.1-2) ---------------------------------------------------------------

sim::Process<void> Kiosk::Impl::login(SessionState& s) {
    Screen p = page(s, "login", Prompt::choose_login, "请选择登录方式", "Choose how to log in");
    p.options = k_login_buttons;
    // R-7.2-2: a login whose device has failed is greyed out, the other offered.
    if (auto why = unusable("idcard_reader"); !why.empty()) {
        p.options[0].enabled = false;
        p.options[0].why_disabled = why;
        p.options[0].alternative = "login.eid_qr";
    }
    if (auto why = unusable("qr_scanner"); !why.empty()) {
        p.options[1].enabled = false;
        p.options[1].why_disabled = why;
        p.options[1].alternative = p.options[0].enabled ? "login.id_card" : "login.manual";
    }
    Touch t = co_await ask(s, std::move(p));
    if (t.option == "login.id_card") {
        s.outcome.login = "id_card";
        co_await login_id_card(s);
    } else if (t.option == "login.eid_qr") {
        s.outcome.login = "eid_qr";
        co_await login_eid(s);
    } else {
        s.outcome.login = "manual";
        co_await login_manual(s);
    }
    s.outcome.applicant = protocol::mask_id(s.id_number);
    k.m_store.session_data["applicant"] = s.id_number;
    k.m_store.session_data["name"] = s.name;
    co_await face_check(s);
}

sim::Process<void> Kiosk::Impl::login_id_card(SessionState& s) {
    for (int attempt = 0;; ++attempt) {
        Screen p = page(s, "card", Prompt::insert_id_card, "请将身份证放在读卡区", "Place your ID card on the reader");
        p.options = k_cancel_buttons;
        k.m_ui->show(std::move(p));
        voice(s, "请将身份证放在读卡区");
        IdCardRead r = co_await idcard->wait_and_read(patience(s, k.m_config.device_patience));
        if (r.error.empty()) {
            s.name = r.text.name;
            s.id_number = r.text.id_number;
            s.photo = std::move(r.photo);
            k.m_store.temp_files.push_back("idcard-photo.wlt");  // the photo, for the face check only
            break;
        }
        if (r.error == "no-card") {
            // The citizen may still come back with the card; a card the
            // reader never finds, though, is a reader problem at the third round.
            if (attempt >= 2) fail("idcard_reader:card-not-found");
            co_await idle_warning(s);
            continue;
        }
        if (attempt >= 1 || !idcard->usable()) fail(std::string("idcard_reader:").append(r.error));
    }
    co_await check_identity(s);
}

sim::Process<void> Kiosk::Impl::login_eid(SessionState& s) {
    for (int round = 0;; ++round) {
        Screen p = page(s, "eid", Prompt::scan_eid_qr, "请出示电子身份证二维码", "Show your e-ID QR code");
        p.options = k_cancel_buttons;
        k.m_ui->show(std::move(p));
        QrScan scan = co_await qr->wait_scan(patience(s, k.m_config.device_patience));
        if (scan.error == "timeout") {
            if (round >= 2) fail("qr_scanner:no-scan");
            co_await idle_warning(s);
            continue;
        }
        if (!scan.error.empty()) fail(std::string("qr_scanner:").append(scan.error));
        json body = {{"payload", scan.text}};
        GatewayReply r = co_await k.m_gateway.post("/api/v1/identity/eid-qr", std::move(body), {}, GatewayClient::Retry::safe);
        require(r);
        if (r.data.value("result", std::string()) != "ok") fail("eid-" + r.data.value("result", std::string("refused")));
        s.id_number = eid_number(scan.text);
        s.name = r.data.value("name", std::string());
        co_return;
    }
}

sim::Process<void> Kiosk::Impl::login_manual(SessionState& s) {
    Screen p = page(s, "manual", Prompt::enter_identity, "请输入姓名和身份证号", "Enter your name and ID number");
    p.options = k_ok_cancel_buttons;
    Touch t = co_await ask(s, std::move(p));
    const auto bar = t.text.find('|');
    s.name = t.text.substr(0, bar);
    s.id_number = bar == std::string::npos ? std::string() : t.text.substr(bar + 1);
    if (!protocol::citizen_id::validate(s.id_number)) fail("id-number-invalid");
    co_await check_identity(s);
}

sim::Process<void> Kiosk::Impl::check_identity(SessionState& s) {
    json body = {{"id_number", s.id_number}, {"name", s.name}};
    GatewayReply r = co_await k.m_gateway.post("/api/v1/identity/id-check", std::move(body), {}, GatewayClient::Retry::safe);
    require(r);
    const std::string result = r.data.value("result", std::string());
    if (result != "match") fail("id-check-" + result);
}

sim::Process<void> Kiosk::Impl::face_check(SessionState& s) {
    if (auto why = unusable("face_camera"); !why.empty()) {
        // Handling needs a face check; the alternative is another kiosk (R-7.2-2).
        s.outcome.degradations.push_back("face_camera:use-" + k.m_config.nearby);
        fail(std::string(why));
    }
    for (int attempt = 0; attempt < 3; ++attempt) {
        Screen p = page(s, "face", Prompt::look_at_camera, "请正对摄像头", "Look at the camera");
        p.options = k_cancel_buttons;
        k.m_ui->show(std::move(p));
        FaceCapture c = co_await face->capture();
        if (!c.error.empty()) {
            if (c.error == "no-face" || c.error == "multiple-faces") continue;  // ask again
            if (c.error == "liveness-fail") fail("face-not-live");  // a photo or a screen: not a device fault
            fail(std::string("face_camera:").append(c.error));
        }
        json body = {{"id_number", s.id_number},
                     {"sample_template", c.face_template.value_or(0)},
                     {"liveness", c.liveness >= 0.5}};
        GatewayReply r =
            co_await k.m_gateway.post("/api/v1/identity/face-compare", std::move(body), {}, GatewayClient::Retry::safe);
        require(r);
        const std::string result = r.data.value("result", std::string());
        if (result == "match") co_return;
        if (result == "not_live") fail("face-not-live");
    }
    fail("face-mismatch");
}

// --- the item (R-7.4-1 zones, R-7.2-2 greying) -----------------------------------------

sim::Process<const KioskItem*> Kiosk::Impl::choose_item(SessionState& s, bool anonymous) {
    if (!s.catalogue || s.catalogue->items.empty()) fail("catalogue-unavailable");
    const CatalogueSnapshot& cat = *s.catalogue;
    // Zones first, then the zone's items.
    Screen z = page(s, "zones", Prompt::choose_item, "请选择专区", "Choose a zone");
    z.pin = s.catalogue;
    for (const auto& [zone, idx] : cat.by_zone)
        z.options.push_back({zone, cat.items[idx.front()].zone_name, zone_en(zone)});
    z.options.push_back(k_cancel_button);
    Touch zt = co_await ask(s, std::move(z));
    auto zi = cat.by_zone.find(zt.option);
    Screen p = page(s, "items", Prompt::choose_item, "请选择事项", "Choose an item");
    p.subject = zt.option;
    p.pin = s.catalogue;
    for (std::size_t i : zi->second) {
        const KioskItem& it = cat.items[i];
        Option o{it.code, it.name, it.code};
        if (!anonymous) {
            if (auto why = blocker(it); !why.empty()) {
                o.enabled = false;
                o.why_disabled = why;
                o.alternative = k.m_config.nearby;
            }
        }
        p.options.push_back(o);
    }
    p.options.push_back(k_cancel_button);
    Touch t = co_await ask(s, std::move(p));
    co_return cat.find(t.option);
}

std::string_view Kiosk::Impl::blocker(const KioskItem& it) const {
    for (const std::string& need : it.peripherals) {
        // Printing has its electronic alternative and the kiosk's own QR
        // code takes payments; a card login has the e-ID code and manual
        // entry — except for items that demand the card itself (人证核验).
        if (need == "receipt_printer" || need == "a4_printer" || need == "qr_scanner") continue;
        if (need == "idcard_reader" && it.auth != "in_person") continue;
        if (auto why = unusable(need); !why.empty()) return why;
    }
    return {};
}

// --- 智能导办 (R-7.6-1) and the form ------------------------------------------------------

sim::Process<void> Kiosk::Impl::guidance(SessionState& s) {
    const KioskItem& item = *s.item;
    if (!item.cross_modes.empty()) {
        Screen p = page(s, "cross", Prompt::answer_question, "是否异地办理（跨域通办）？", "Cross-region service?");
        p.pin = s.catalogue;
        p.options.push_back(k_local_button);
        for (const std::string& m : item.cross_modes) {
            if (m == "online") p.options.push_back(k_cross_online_button);
            else if (m == "proxy") p.options.push_back(k_cross_proxy_button);
            else if (m == "joint") p.options.push_back(k_cross_joint_button);
        }
        Touch t = co_await ask(s, std::move(p));
        if (t.option.starts_with("cross.")) {
            s.cross_mode = t.option.substr(6);
            s.outcome.cross_mode = s.cross_mode;
        }
    }
    for (const ItemSituation& q : item.situations) {
        Screen p = page(s, "guidance", Prompt::answer_question, "智能导办", "Guidance");
        p.subject = q.id;
        p.lines.push_back(q.question);
        p.options = k_yes_no_buttons;
        Touch t = co_await ask(s, std::move(p));
        if (t.option == "yes") s.yes.insert(q.id);
    }
}

sim::Process<void> Kiosk::Impl::form(SessionState& s) {
    Screen p = page(s, "form", Prompt::fill_form, "请核对申请信息", "Check the application");
    p.lines.push_back("申请人 applicant: " + s.name);
    p.lines.push_back("证件号码 ID: " + protocol::mask_id(s.id_number));  // R-9.3-1
    p.lines.push_back("事项 item: " + s.item->name);
    for (const ItemMaterial* m : checklist(*s.item, s.yes))
        p.lines.push_back(std::string(m->required ? "需提交 required: " : "可选 optional: ").append(m->name));
    p.options = k_ok_cancel_buttons;
    Touch t = co_await ask(s, std::move(p));
    s.phone = t.text;
}

// --- materials: ID card, e-licence, document camera -----------------------------------------

sim::Process<void> Kiosk::Impl::materials(SessionState& s, OutboxEntry& e) {
    json licences = nullptr;
    for (const ItemMaterial* m : checklist(*s.item, s.yes)) {
        json upload = {{"name", m->name}};
        if (m->name == k_id_card_material) {
            // The identity read at login is the material: the card's photo
            // when the card was read, else the verified number itself.
            const std::string_view src = s.photo.empty() ? std::string_view(s.id_number)
                                                         : std::string_view(reinterpret_cast<const char*>(s.photo.data()), s.photo.size());
            upload["content"] = protocol::base64_encode(std::span<const std::uint8_t>(
                reinterpret_cast<const std::uint8_t*>(src.data()), src.size()));
            e.materials.push_back(std::move(upload));
            continue;
        }
        if (m->form == "electronic") {
            if (licences.is_null()) {
                GatewayReply r = co_await k.m_gateway.get("/api/v1/licences?holder=" + s.id_number + "&valid_only=1");
                licences = r.ok() ? r.data.value("licences", json::array()) : json::array();
            }
            std::string ref;
            for (const json& l : licences)
                if (l.value("type", std::string()) == m->name) ref = l.value("number", std::string());
            if (!ref.empty()) {
                upload["licence_ref"] = ref;
                e.materials.push_back(std::move(upload));
                continue;
            }
        }
        if (auto why = unusable("document_camera"); !why.empty()) {
            if (!m->required) continue;
            s.outcome.degradations.push_back("document_camera:use-" + k.m_config.nearby);
            fail(std::string(why));
        }
        Screen p = page(s, "document", Prompt::place_document, "请将材料放在高拍仪下", "Place the document under the camera");
        p.subject = m->name;
        p.lines.push_back(m->name);
        p.options = k_document_buttons;
        Touch t = co_await ask(s, std::move(p));
        if (t.option == "skip") {
            if (m->required) fail("material-missing");
            continue;
        }
        DocumentCapture c = co_await document->capture(true);
        if (!c.error.empty()) {
            if (!m->required) continue;
            fail(std::string("document_camera:").append(c.error));
        }
        k.m_store.temp_files.push_back("material-" + m->id + ".png");
        upload["content"] = std::move(c.image);
        e.materials.push_back(std::move(upload));
    }
}

// --- submit under idempotency keys; the outbox when the link is down ------------------------------

sim::Process<void> Kiosk::Impl::submit(SessionState& s, OutboxEntry& e) {
    Screen p = page(s, "confirm", Prompt::confirm_submit, "确认提交", "Submit");
    p.lines.push_back(s.item->name);
    p.options = k_submit_cancel_buttons;
    co_await ask(s, std::move(p));

    json applicant = {{"name", s.name}, {"id_number", s.id_number}};
    if (!s.phone.empty()) applicant["phone"] = s.phone;
    e.create_body = {{"item_code", s.item->code}, {"item_name", s.item->name}, {"applicant", std::move(applicant)}};
    if (!s.cross_mode.empty()) {
        // R-7.5-1: received here, handled in the item's home region.
        std::string home = s.item->code.substr(0, 6);
        if (home == k.m_config.region) home = home.substr(0, 4) == "4403" ? "110101" : "440304";
        e.create_body["cross_region"] = {{"mode", s.cross_mode}, {"receiving_region", k.m_config.region}, {"handling_region", home}};
    }
    json yes = json::array();
    for (const std::string& y : s.yes) yes.push_back(y);
    e.submit_body = {{"yes", std::move(yes)}};
    // The intent is on disk before the first byte leaves: whatever happens to
    // the link or the kiosk now, the same keys deliver it exactly once.
    k.m_store.outbox.push_back(e);
    OutboxEntry& queued = k.m_store.outbox.back();
    k.m_ui->show(page(s, "submitting", Prompt::none, "正在提交，请稍候", "Submitting"));
    GatewayReply r = co_await deliver(queued);
    s.outcome.case_no = queued.case_no;
    if (queued.step == OutboxEntry::Step::done) {
        s.outcome.submitted = true;
        std::erase_if(k.m_store.outbox, [&](const OutboxEntry& x) { return x.session == e.session; });
        co_return;
    }
    if (r.unreachable()) {
        // What may be queued is queued; the citizen is told what that means.
        s.outcome.queued = true;
        s.outcome.degradations.push_back("link-down:queued");
        Screen q = page(s, "queued", Prompt::read_result, "网络中断，申请已排队", "Network down: application queued");
        q.lines.push_back("网络恢复后将自动提交，结果将短信通知；缴费与打印请稍后办理");
        q.lines.push_back("It will be sent when the network is back; pay and print later");
        q.options = k_done_buttons;
        co_await ask(s, std::move(q));
        co_return;
    }
    // Refused for good: the platform's answer, nothing left to retry.
    std::erase_if(k.m_store.outbox, [&](const OutboxEntry& x) { return x.session == e.session; });
    fail(r.reason());
}

// --- payment (R-7.1-1) -------------------------------------------------------------------

sim::Process<void> Kiosk::Impl::pay(SessionState& s) {
    if (s.item->fee_fen <= 0) co_return;
    json body = {{"case_no", s.outcome.case_no}, {"amount_fen", s.item->fee_fen}};
    GatewayReply r = co_await k.m_gateway.post("/api/v1/payments", std::move(body), key(s.outcome.session, "pay"));
    // The payment cannot be queued: the citizen is told and the 办件 waits unpaid.
    require(r);
    const std::string id = r.data.value("payment_id", r.data.value("id", std::string()));
    Screen p = page(s, "pay", Prompt::scan_to_pay, "请扫码缴费", "Scan to pay");
    p.subject = id;
    p.lines.push_back("支付单 payment: " + id);
    p.lines.push_back("金额 amount: " + std::to_string(s.item->fee_fen / 100) + "." +
                      std::to_string(s.item->fee_fen % 100 / 10) + std::to_string(s.item->fee_fen % 10) + " 元");
    p.options = k_cancel_buttons;
    k.m_ui->show(std::move(p));
    k.m_store.session_data["payment"] = id;
    const sim::Time deadline = k.m_sim.now() + patience(s, k.m_config.payment_patience);
    while (k.m_sim.now() < deadline) {
        std::optional<Touch> t = co_await k.m_ui->wait_touch(k.m_sim.now() + k.m_config.payment_poll);
        if (t && t->option == "cancel") end(OutcomeKind::abandoned, "cancelled-payment");
        GatewayReply st = co_await k.m_gateway.get("/api/v1/payments/" + id);
        if (!st.ok()) continue;
        const std::string state = st.data.value("state", std::string());
        if (state == "paid") {
            s.outcome.paid = true;
            co_return;
        }
        if (state == "failed" || state == "cancelled") fail("payment-" + state);
    }
    fail("payment-timeout");
}

// --- printing, with the electronic alternative (R-7.2-2) ----------------------------------------

sim::Process<void> Kiosk::Impl::print(SessionState& s) {
    GatewayReply rc = co_await k.m_gateway.get("/api/v1/applications/" + s.outcome.case_no + "/receipt");
    if (rc.ok()) {
        // The printer's character set is GB18030.
        const auto gbk = [](std::string_view utf8) { return utf8_to_gb18030(utf8).value_or("?"); };
        ReceiptDocument doc;
        doc.title = gbk("受理回执");
        doc.lines.push_back({gbk("办件编号"), s.outcome.case_no});
        doc.lines.push_back({gbk("事项"), gbk(s.item->name)});
        doc.lines.push_back({gbk("申请人"), gbk(s.name)});
        doc.lines.push_back({gbk("证件号码"), protocol::mask_id(s.id_number)});  // R-9.3-1
        doc.qr = s.outcome.case_no;
        bool printed = false;
        if (unusable("receipt_printer").empty()) {
            Screen p = page(s, "printing", Prompt::take_receipt, "请取走凭条", "Take your receipt");
            k.m_ui->show(std::move(p));
            PrintResult pr = co_await receipt->print(std::move(doc));
            printed = pr.error.empty();
            if (!printed) log("receipt print failed: " + pr.error);
        }
        if (printed) s.outcome.receipt_printed = true;
        else {
            s.outcome.e_receipt = true;
            s.outcome.degradations.push_back("receipt_printer:e-receipt");
        }
    }
    if (s.item->depth != "full" && s.item->depth != "print") co_return;
    // 即办: the certificate is issued at once or not at all while the citizen waits.
    const sim::Time deadline = k.m_sim.now() + k.m_config.certificate_wait;
    GatewayReply cert;
    for (;;) {
        cert = co_await k.m_gateway.get("/api/v1/applications/" + s.outcome.case_no + "/certificate");
        if (cert.ok() || k.m_sim.now() >= deadline) break;
        co_await k.m_sim.delay(2s);
    }
    if (!cert.ok()) co_return;  // issued later: the citizen is notified by SMS
    bool printed = false;
    if (unusable("a4_printer").empty()) {
        Screen p = page(s, "printing", Prompt::take_certificate, "正在打印证明，请取走", "Take your certificate");
        k.m_ui->show(std::move(p));
        A4Document doc;
        doc.job_name = s.outcome.case_no;
        doc.format = "text/plain";
        const std::string text = protocol::mask_ids(cert.data.dump());
        doc.data.assign(text.begin(), text.end());
        PrintResult pr = co_await a4->print(std::move(doc));
        printed = pr.error.empty();
        if (!printed) log("a4 print failed: " + pr.error);
    }
    if (printed) s.outcome.certificate_printed = true;
    else {
        s.outcome.e_certificate = true;
        s.outcome.degradations.push_back("a4_printer:e-certificate");
    }
}

// --- 好差评 (R-11.1-1): voluntary ---------------------------------------------------------------

sim::Process<void> Kiosk::Impl::evaluate(SessionState& s) {
    Screen p = page(s, "rate", Prompt::rate_service, "请对本次服务进行评价", "Rate this service");
    p.options = k_rating_buttons;
    std::optional<Touch> t;
    // Not rating is a choice, not an abandonment: the idle timeout here just ends the session.
    {
        if (s.accessible) voice(s, p.title_zh);
        k.m_ui->show(std::move(p));
        t = co_await k.m_ui->wait_touch(k.m_sim.now() + patience(s, k.m_config.idle_timeout));
    }
    if (!t || !t->option.starts_with("rate.")) co_return;
    const int level = t->option.back() - '0';
    json body = {{"case_no", s.outcome.case_no}, {"level", level}};
    if (level <= 2) {
        json reasons = json::array();
        std::string_view text = t->text;
        while (!text.empty()) {
            const auto comma = text.find(',');
            reasons.push_back(std::string(text.substr(0, comma)));
            text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
        }
        if (reasons.empty()) reasons.push_back("other");
        body["reasons"] = std::move(reasons);
    }
    GatewayReply r = co_await k.m_gateway.post("/api/v1/evaluations", std::move(body), key(s.outcome.session, "rate"));
    if (r.ok()) s.outcome.rating = level;
}

}  // namespace kiosktwin::kiosk
