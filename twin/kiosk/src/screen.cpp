#include <kiosktwin/kiosk/screen.hpp>

#include <kiosktwin/sim/conditions.hpp>

#include <utility>

namespace kiosktwin::kiosk {

const char* to_string(Prompt p) noexcept {
    switch (p) {
    case Prompt::none: return "none";
    case Prompt::choose_service: return "choose_service";
    case Prompt::choose_login: return "choose_login";
    case Prompt::insert_id_card: return "insert_id_card";
    case Prompt::scan_eid_qr: return "scan_eid_qr";
    case Prompt::enter_identity: return "enter_identity";
    case Prompt::look_at_camera: return "look_at_camera";
    case Prompt::choose_item: return "choose_item";
    case Prompt::answer_question: return "answer_question";
    case Prompt::fill_form: return "fill_form";
    case Prompt::place_document: return "place_document";
    case Prompt::confirm_submit: return "confirm_submit";
    case Prompt::scan_to_pay: return "scan_to_pay";
    case Prompt::take_receipt: return "take_receipt";
    case Prompt::take_certificate: return "take_certificate";
    case Prompt::rate_service: return "rate_service";
    case Prompt::read_result: return "read_result";
    case Prompt::idle_warning: return "idle_warning";
    case Prompt::out_of_service: return "out_of_service";
    }
    return "?";
}

const Option* Screen::option(std::string_view id) const noexcept {
    for (const Option& o : options)
        if (o.id == id) return &o;
    return nullptr;
}

nlohmann::json Screen::to_json() const {
    nlohmann::json opts = nlohmann::json::array();
    for (const Option& o : options) {
        nlohmann::json j = {{"id", o.id}, {"zh", o.zh}, {"en", o.en}, {"enabled", o.enabled}};
        if (!o.why_disabled.empty()) j["why_disabled"] = o.why_disabled;
        if (!o.alternative.empty()) j["alternative"] = o.alternative;
        opts.push_back(std::move(j));
    }
    nlohmann::json j = {{"seq", seq},          {"page", page},     {"prompt", to_string(prompt)},
                        {"title_zh", title_zh}, {"title_en", title_en}, {"lines", lines},
                        {"options", std::move(opts)}, {"large_text", large_text}, {"help_button", help_button}};
    if (!subject.empty()) j["subject"] = subject;
    if (!notice.empty()) j["notice"] = notice;
    if (!voice.empty()) j["voice"] = voice;
    if (prompt == Prompt::idle_warning) j["countdown_s"] = std::chrono::duration<double>(countdown).count();
    return j;
}

std::string Screen::to_text() const {
    std::string t;
    t.append("== ").append(title_zh).append(" / ").append(title_en).append(" [").append(page).append("]");
    if (large_text) t.append(" (大字 large text)");
    t.push_back('\n');
    if (!notice.empty()) t.append("  ! ").append(notice).push_back('\n');
    for (const std::string& l : lines) t.append("  ").append(l).push_back('\n');
    for (const Option& o : options) {
        t.append("  [").append(o.id).append("] ").append(o.zh).append(" / ").append(o.en);
        if (!o.enabled) {
            t.append("  (不可用 unavailable: ").append(o.why_disabled);
            if (!o.alternative.empty()) t.append("; 请改用 use ").append(o.alternative);
            t.push_back(')');
        }
        t.push_back('\n');
    }
    if (!voice.empty()) t.append("  (语音 voice) ").append(voice).push_back('\n');
    return t;
}

void Ui::show(Screen screen) {
    screen.seq = ++m_seq;
    m_screen = std::move(screen);
    shown.emit(m_screen);
    if (!m_changed.triggered()) m_changed.succeed();
}

sim::Process<std::optional<Touch>> Ui::wait_touch(sim::Time deadline) {
    while (m_touches.empty()) {
        if (m_sim.now() >= deadline) co_return std::nullopt;
        m_touched.reset();
        co_await sim::any_of(m_touched, sim::timeout(deadline - m_sim.now()));
    }
    Touch t = std::move(m_touches.front());
    m_touches.pop_front();
    co_return t;
}

void Ui::touch(Touch t) {
    m_touches.push_back(std::move(t));
    if (!m_touched.triggered()) m_touched.succeed();
}

sim::Process<bool> Ui::wait_screen(std::uint64_t seq, sim::Duration timeout) {
    const sim::Time deadline = m_sim.now() + timeout;
    while (m_screen.seq <= seq) {
        if (m_sim.now() >= deadline) co_return false;
        m_changed.reset();
        co_await sim::any_of(m_changed, sim::timeout(deadline - m_sim.now()));
    }
    co_return true;
}

}  // namespace kiosktwin::kiosk
