#include <kiosktwin/kiosk/citizen.hpp>

namespace kiosktwin::kiosk {

std::string_view document_kind(std::string_view material) noexcept {
    if (material.find("户口") != std::string_view::npos) return "household_register";
    if (material.find("身份证") != std::string_view::npos) return "id_front";
    return "a4";
}


namespace {

/// The option to press for `want`, or its alternative when it is greyed out.
std::string choose(const Screen& s, std::string_view want) {
    const Option* o = s.option(want);
    if (o != nullptr && o->enabled) return std::string(want);
    if (o != nullptr && !o->alternative.empty()) {
        const Option* alt = s.option(o->alternative);
        if (alt != nullptr && alt->enabled) return std::string(o->alternative);
    }
    return "cancel";
}

}  // namespace

namespace {

sim::Process<CitizenResult> play(Ui& ui, Hands& hands, const CitizenIdentity& who, const CitizenScript& script,
                                 sim::Duration limit, bool resume) {
    sim::Simulation& sim = ui.simulation();
    const sim::Time deadline = sim.now() + limit;
    CitizenResult r;
    bool card_in = false, at_camera = false, receipt_due = false, certificate_due = false;
    std::uint64_t seen = 0;
    if (resume) {
        seen = ui.screen().seq - 1;  // the page on the screen is the first to act on
    } else {
        // Start: wait for the home page, then touch it.
        while (ui.screen().prompt != Prompt::choose_service) {
            if (!co_await ui.wait_screen(ui.screen().seq, deadline - sim.now())) co_return r;
        }
        co_await sim.delay(script.think);
        if (script.accessible) {
            ui.touch({"accessible", {}});
            if (!co_await ui.wait_screen(ui.screen().seq, deadline - sim.now())) co_return r;
        }
        ui.touch({script.service == "query" ? "service.query" : "service.handle", {}});
        seen = ui.screen().seq;
    }
    while (sim.now() < deadline) {
        if (!co_await ui.wait_screen(seen, deadline - sim.now())) break;
        const Screen& s = ui.screen();
        seen = s.seq;
        ++r.pages;
        r.trail.push_back(std::string(s.page).append(":").append(to_string(s.prompt)));
        // What the previous page asked is done once the kiosk moved on.
        if (card_in && s.prompt != Prompt::insert_id_card && !script.forget_card) {
            hands.remove_card();
            card_in = false;
        }
        if (at_camera && s.prompt != Prompt::look_at_camera) {
            hands.leave_camera();
            at_camera = false;
        }
        if (receipt_due && s.prompt != Prompt::take_receipt) {
            hands.take_receipt();
            receipt_due = false;
        }
        if (certificate_due && s.prompt != Prompt::take_certificate) {
            hands.take_certificate();
            certificate_due = false;
        }
        if (s.page == "home" || s.prompt == Prompt::out_of_service) {
            r.finished = !r.walked_away;
            co_return r;
        }
        if (r.walked_away) continue;
        if (script.walk_away_at != Prompt::none && s.prompt == script.walk_away_at) {
            r.walked_away = true;  // gone: the kiosk's idle rule must end the session
            if (script.return_when_stuck) co_return r;
            continue;
        }
        switch (s.prompt) {
        case Prompt::none: break;
        case Prompt::choose_service:
            co_await sim.delay(script.think);
            ui.touch({script.service == "query" ? "service.query" : "service.handle", {}});
            break;
        case Prompt::choose_login:
            co_await sim.delay(script.think);
            ui.touch({choose(s, "login." + script.login), {}});
            break;
        case Prompt::insert_id_card:
            co_await sim.delay(script.think);
            hands.insert_card(who);
            card_in = true;
            break;
        case Prompt::scan_eid_qr:
            co_await sim.delay(script.think);
            hands.show_qr(who.eid_payload);
            break;
        case Prompt::enter_identity:
            co_await sim.delay(script.think * 5);  // typing 18 digits takes a while
            ui.touch({"ok", who.name + "|" + who.id_number});
            break;
        case Prompt::look_at_camera:
            hands.present_face(who, script.live_face);
            at_camera = true;
            break;
        case Prompt::choose_item:
            co_await sim.delay(script.think);
            if (s.page == "zones") ui.touch({choose(s, script.zone), {}});
            else ui.touch({choose(s, script.item_code), {}});
            break;
        case Prompt::answer_question:
            co_await sim.delay(script.think);
            if (s.page == "cross") ui.touch({script.cross_mode.empty() ? "local" : "cross." + script.cross_mode, {}});
            else ui.touch({script.yes.contains(s.subject) ? "yes" : "no", {}});
            break;
        case Prompt::fill_form:
            co_await sim.delay(script.think);
            ui.touch({"ok", script.phone});
            break;
        case Prompt::place_document:
            co_await sim.delay(script.think);
            hands.place_document(s.subject);
            ui.touch({"captured", {}});
            break;
        case Prompt::confirm_submit:
            co_await sim.delay(script.think);
            ui.touch({"submit", {}});
            break;
        case Prompt::scan_to_pay:
            co_await sim.delay(script.think * 5);  // the phone, the app, the PIN
            if (script.pays) hands.pay(s.subject);
            break;
        case Prompt::take_receipt: receipt_due = true; break;
        case Prompt::take_certificate: certificate_due = true; break;
        case Prompt::rate_service:
            co_await sim.delay(script.think);
            if (script.rating >= 1 && script.rating <= 5)
                ui.touch({std::string("rate.").append(std::to_string(script.rating)), script.reasons});
            else ui.touch({"skip", {}});
            break;
        case Prompt::read_result:
            co_await sim.delay(script.think);
            ui.touch({s.option("done") ? "done" : "cancel", {}});
            break;
        case Prompt::idle_warning:
            ui.touch({"continue", {}});
            break;
        case Prompt::out_of_service: break;
        }
    }
    co_return r;
}

}  // namespace

sim::Process<CitizenResult> run_citizen(Ui& ui, Hands& hands, const CitizenIdentity& who, const CitizenScript& script,
                                        sim::Duration limit) {
    co_return co_await play(ui, hands, who, script, limit, false);
}

sim::Process<CitizenResult> resume_citizen(Ui& ui, Hands& hands, const CitizenIdentity& who,
                                           const CitizenScript& script, sim::Duration limit) {
    co_return co_await play(ui, hands, who, script, limit, true);
}

}  // namespace kiosktwin::kiosk
