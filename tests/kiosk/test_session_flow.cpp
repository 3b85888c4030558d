// The session flow end to end in virtual time (R-7.1-2): a scripted citizen
// against the kiosk stack, its emulated devices and the in-process gateway.
#include "kiosk_support.hpp"

#include <kiosktwin/kiosk/gb18030.hpp>
#include <kiosktwin/protocol/base64.hpp>

#include <catch2/catch.hpp>

namespace kiosk_session_flow_test {

using namespace kiosk_test;
using nlohmann::json;

TEST_CASE("an ID-card session runs from login to rating and is recorded once [R-7.1-2]", "[flow][R-7.1-2]") {
    Bench b;
    REQUIRE(b.rig.kiosk().registered());
    REQUIRE_FALSE(b.rig.kiosk().catalogue().empty());
    const auto* item = b.item([](const kiosk::KioskItem& it) {
        return !it.anonymous() && it.cross_modes.empty() && it.fee_fen == 0 && it.situations.empty();
    });
    REQUIRE(item != nullptr);
    kiosk::CitizenScript script;
    script.zone = item->zone;
    script.item_code = item->code;
    auto o = b.serve(identity(residents()[0]), script);
    REQUIRE(o);
    INFO(o->to_json().dump());
    for (const auto& l : b.rig.store().log) UNSCOPED_INFO(l);
    for (const auto* d : b.rig.kiosk().drivers()) {
        std::string r;
        for (const auto& x : d->status().reasons) r += x + " ";
        UNSCOPED_INFO(std::string(d->kind()) + " " + devices::to_string(d->status().health) + " " + r);
    }
    CHECK(o->kind == kiosk::OutcomeKind::completed);
    CHECK(o->login == "id_card");
    CHECK(o->submitted);
    CHECK_FALSE(o->case_no.empty());
    CHECK(o->receipt_printed);
    CHECK(o->rating == 5);
    CHECK(b.outcomes.size() == 1);
    REQUIRE(b.last);
    CHECK(b.last->finished);
    const auto* app = b.gateway.state().applications.find(o->case_no);
    REQUIRE(app != nullptr);
    CHECK(app->item_code == item->code);
}

namespace {

const kiosk::KioskItem* plain_item(Bench& b) {
    return b.item([](const kiosk::KioskItem& it) {
        return !it.anonymous() && it.cross_modes.empty() && it.fee_fen == 0 && it.situations.empty() &&
               it.auth != "in_person";
    });
}

kiosk::CitizenScript script_for(const kiosk::KioskItem& it) {
    kiosk::CitizenScript s;
    s.zone = it.zone;
    s.item_code = it.code;
    return s;
}

/// Every ID number the kiosk ever put on its screen, in its log or on a
/// receipt must be masked (R-9.3-1).
bool contains(const std::string& text, const std::string& id) { return text.find(id) != std::string::npos; }

}  // namespace

TEST_CASE("each login method reaches a submitted application [R-7.1-2]", "[flow][R-7.1-2]") {
    for (const char* method : {"id_card", "eid_qr", "manual"}) {
        DYNAMIC_SECTION(method) {
            Bench b;
            const auto* item = plain_item(b);
            REQUIRE(item != nullptr);
            auto who = identity(residents()[1]);
            who.eid_payload = b.gateway.state().identity.issue_eid_qr(who.id_number, b.sim.now() + 24h);
            auto script = script_for(*item);
            script.login = method;
            auto o = b.serve(who, script);
            REQUIRE(o);
            INFO(o->to_json().dump());
            CHECK(o->login == method);
            CHECK(o->submitted);
            CHECK((o->kind == kiosk::OutcomeKind::completed || o->kind == kiosk::OutcomeKind::completed_degraded));
            CHECK(o->applicant == protocol::mask_id(who.id_number));
        }
    }
}

TEST_CASE("query and consultation need no login [R-5-2]", "[flow][R-5-2]") {
    Bench b;
    const auto* item = plain_item(b);
    REQUIRE(item != nullptr);
    auto script = script_for(*item);
    script.service = "query";
    const std::size_t audit_before = b.gateway.state().audit.size();
    auto o = b.serve(identity(residents()[2]), script);
    REQUIRE(o);
    CHECK(o->kind == kiosk::OutcomeKind::completed);
    CHECK(o->service == "query");
    CHECK(o->login.empty());
    CHECK(o->case_no.empty());
    CHECK(b.gateway.state().applications.size() == 0);
    // Nothing but the agent's own calls reached the platform: no identity check.
    for (std::size_t i = audit_before; i < b.gateway.state().audit.size(); ++i)
        CHECK(b.gateway.state().audit.records()[i].action.rfind("identity.", 0) != 0);
    REQUIRE(b.last);
    bool guide = false;
    for (const auto& p : b.last->trail) guide |= p == "guide:read_result";
    CHECK(guide);
}

TEST_CASE("智能导办: the answers decide the checklist the gateway accepts [R-7.6-1]", "[flow][R-7.6-1]") {
    Bench b;
    const auto* item = b.item([](const kiosk::KioskItem& it) {
        if (it.anonymous() || !it.cross_modes.empty() || it.fee_fen != 0 || it.situations.empty() || it.auth == "in_person")
            return false;
        for (const auto& m : it.materials)
            if (m.when == it.situations.front().id && m.required) return true;
        return false;
    });
    REQUIRE(item != nullptr);
    const std::string situation = item->situations.front().id;
    std::size_t without = kiosk::checklist(*item, {}).size();
    std::size_t with = kiosk::checklist(*item, {situation}).size();
    CHECK(with > without);
    auto script = script_for(*item);
    script.yes = {situation};
    auto o = b.serve(identity(residents()[3]), script);
    REQUIRE(o);
    INFO(o->to_json().dump());
    CHECK(o->submitted);
    const auto* app = b.gateway.state().applications.find(o->case_no);
    REQUIRE(app != nullptr);
    CHECK(app->materials.size() >= with - 0);  // every checklist material went up (optional ones too)
}

TEST_CASE("跨域通办: each mode carries its fields; 代收代办 is never decided here [R-7.5-1]", "[flow][R-7.5-1]") {
    for (const char* mode : {"online", "proxy", "joint"}) {
        DYNAMIC_SECTION(mode) {
            Bench b;
            const auto* item = b.item([&](const kiosk::KioskItem& it) {
                return !it.anonymous() && it.fee_fen == 0 && it.auth != "in_person" &&
                       std::find(it.cross_modes.begin(), it.cross_modes.end(), mode) != it.cross_modes.end();
            });
            if (item == nullptr) {
                WARN("no item offers " << mode);
                CHECK(true);
                return;
            }
            auto script = script_for(*item);
            script.cross_mode = mode;
            script.yes.clear();
            auto o = b.serve(identity(residents()[4]), script);
            REQUIRE(o);
            INFO(o->to_json().dump());
            CHECK(o->submitted);
            CHECK(o->cross_mode == mode);
            const auto* app = b.gateway.state().applications.find(o->case_no);
            REQUIRE(app != nullptr);
            REQUIRE(app->cross);
            CHECK(services::catalogue::to_string(app->cross->mode) == std::string_view(mode));
            CHECK(app->cross->receiving_region == b.rig.kiosk().config().region);
            CHECK(app->cross->handling_region != app->cross->receiving_region);
            // The receiving kiosk never approves (the back office decides local 即办 only).
            CHECK(app->state == services::applications::State::submitted);
        }
    }
}

TEST_CASE("a fee is paid by QR code before printing [R-7.1-1]", "[flow][R-7.1-1]") {
    Bench b;
    const auto* item = b.item([](const kiosk::KioskItem& it) {
        return !it.anonymous() && it.fee_fen > 0;
    });
    if (item == nullptr) {
        WARN("the generated catalogue has no charged item");
        CHECK(true);
        return;
    }
    auto o = b.serve(identity(residents()[5]), script_for(*item));
    REQUIRE(o);
    INFO(o->to_json().dump());
    CHECK(o->paid);
    CHECK(o->receipt_printed);

    // A citizen who does not pay: the payment times out, the 办件 stays (submitted, unpaid).
    auto script = script_for(*item);
    script.pays = false;
    auto unpaid = b.serve(identity(residents()[6]), script);
    REQUIRE(unpaid);
    CHECK(unpaid->kind == kiosk::OutcomeKind::failed);
    CHECK(unpaid->reason == "payment-timeout");
    CHECK(unpaid->submitted);
    CHECK_FALSE(unpaid->paid);
}

TEST_CASE("accessible mode: large text, voice prompts, help, slower timeouts [R-5-4]", "[flow][R-5-4]") {
    Bench b;
    const auto* item = plain_item(b);
    REQUIRE(item != nullptr);
    std::vector<std::string> voices;
    int large = 0, pages = 0;
    b.rig.kiosk().events.connect([&](std::string_view e) {
        if (e.starts_with("voice:")) voices.emplace_back(e.substr(6));
    });
    b.rig.ui().shown.connect([&](const kiosk::Screen& s) {
        if (s.page == "home" || s.page == "boot") return;
        ++pages;
        large += s.large_text && s.help_button;
    });
    auto script = script_for(*item);
    script.accessible = true;
    auto o = b.serve(identity(residents()[7]), script);
    REQUIRE(o);
    CHECK(o->submitted);
    CHECK(pages > 5);
    CHECK(large == pages);
    CHECK(voices.size() >= 5);

    // The idle timeout is longer: a citizen who walks away is logged out
    // after idle_timeout × factor + idle_warning × factor.
    auto away = script_for(*item);
    away.accessible = true;
    away.walk_away_at = kiosk::Prompt::choose_item;
    const auto t0 = b.sim.now();
    auto gone = b.serve(identity(residents()[8]), away);
    REQUIRE(gone);
    CHECK(gone->reason == "idle-timeout");
    const auto& cfg = b.rig.kiosk().config();
    CHECK(gone->ended - t0 >= (cfg.idle_timeout + cfg.idle_warning) * 2);
}

TEST_CASE("idle timeout warns, then logs out and wipes the session [R-9.1-1]", "[flow][R-9.1-1]") {
    for (auto at : {kiosk::Prompt::choose_item, kiosk::Prompt::fill_form, kiosk::Prompt::confirm_submit}) {
        DYNAMIC_SECTION(kiosk::to_string(at)) {
            Bench b;
            const auto* item = plain_item(b);
            REQUIRE(item != nullptr);
            bool warned = false;
            b.rig.ui().shown.connect([&](const kiosk::Screen& s) { warned |= s.prompt == kiosk::Prompt::idle_warning; });
            bool wiped_at_end = false;
            b.rig.kiosk().session_ended.connect([&](const kiosk::SessionOutcome&) {
                wiped_at_end = b.rig.store().session_data.empty() && b.rig.store().temp_files.empty();
            });
            auto script = script_for(*item);
            script.walk_away_at = at;
            const auto who = identity(residents()[9]);
            auto o = b.serve(who, script);
            REQUIRE(o);
            CHECK(o->kind == kiosk::OutcomeKind::abandoned);
            CHECK(o->reason == "idle-timeout");
            CHECK(warned);
            CHECK(wiped_at_end);
            CHECK(b.rig.store().session_data.empty());
            CHECK(b.rig.store().temp_files.empty());
            CHECK_FALSE(b.rig.store().open_session);
            CHECK(b.rig.ui().screen().page == "home");
            CHECK_FALSE(contains(b.rig.ui().screen().to_text(), who.name));
            CHECK(b.outcomes.size() == 1);
        }
    }
}

TEST_CASE("ID numbers are masked on every screen, in the log and on the receipt [R-9.3-1]", "[flow][R-9.3-1]") {
    Bench b;
    const auto* item = plain_item(b);
    REQUIRE(item != nullptr);
    const auto who = identity(residents()[10]);
    std::string screens;
    b.rig.ui().shown.connect([&](const kiosk::Screen& s) { screens += s.to_text() + s.to_json().dump(); });
    auto o = b.serve(who, script_for(*item));
    REQUIRE(o);
    REQUIRE(o->submitted);
    CHECK_FALSE(contains(screens, who.id_number));
    CHECK(contains(screens, protocol::mask_id(who.id_number)));
    std::string log;
    for (const auto& l : b.rig.store().log) log += l + "\n";
    CHECK_FALSE(contains(log, who.id_number));
    CHECK_FALSE(contains(o->to_json().dump(), who.id_number));
    // What the receipt printer printed.
    std::string printed;
    for (const auto& line : b.rig.hands().last_receipt().value("raw_lines_base64", json::array())) {
        const auto raw = protocol::base64_decode(line.get<std::string>());
        REQUIRE(raw);
        printed += kiosk::gb18030_to_utf8(std::string(raw->begin(), raw->end())).value_or("?") + "\n";
    }
    CHECK_FALSE(contains(printed, who.id_number));
    INFO(printed);
    CHECK(contains(printed, "受理回执"));  // the GB18030 text decoded back by the printer
    CHECK(contains(printed, protocol::mask_id(who.id_number)));
}

}  // namespace kiosk_session_flow_test
