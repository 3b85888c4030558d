// Graceful degradation (R-7.2-2): a function whose device is in FAULT or
// ABSENT is greyed out with the alternative the kiosk has, and every session
// still ends in exactly one recorded outcome.
#include "kiosk_support.hpp"

#include <catch2/catch.hpp>

namespace kiosk_degradation_test {

using namespace kiosk_test;

namespace {

const kiosk::KioskItem* plain_item(Bench& b, std::string_view depth = {}) {
    return b.item([&](const kiosk::KioskItem& it) {
        return !it.anonymous() && it.cross_modes.empty() && it.fee_fen == 0 && it.situations.empty() &&
               it.auth != "in_person" && (depth.empty() || it.depth == depth);
    });
}

kiosk::CitizenScript script_for(const kiosk::KioskItem& it) {
    kiosk::CitizenScript s;
    s.zone = it.zone;
    s.item_code = it.code;
    return s;
}

void inject(Bench& b, std::string_view kind, std::string_view fault) {
    auto r = b.rig.act(kind, {{"action", "inject_fault"}, {"fault", fault}, {"trigger", "now"}});
    REQUIRE(r.ok);
    // The kiosk learns of it at its next status poll between sessions.
    b.sim.run_until(b.sim.now() + b.rig.kiosk().config().device_poll + 1s);
}

const kiosk::Option* option_seen(const std::vector<kiosk::Screen>& pages, std::string_view id) {
    for (const auto& p : pages)
        if (const auto* o = p.option(id)) return o;
    return nullptr;
}

}  // namespace

TEST_CASE("a faulty ID-card reader greys out card login and offers the e-ID QR code [R-7.2-2][R-7.2-1]",
          "[degradation][R-7.2-2][R-7.2-1]") {
    Bench b;
    inject(b, "idcard_reader", "self_test_fail");
    std::vector<kiosk::Screen> pages;
    b.rig.ui().shown.connect([&](const kiosk::Screen& s) { pages.push_back(s); });
    const auto* item = plain_item(b);
    REQUIRE(item != nullptr);
    auto who = identity(residents()[20]);
    who.eid_payload = b.gateway.state().identity.issue_eid_qr(who.id_number, b.sim.now() + 24h);
    auto o = b.serve(who, script_for(*item));  // the script asks for the card...
    REQUIRE(o);
    INFO(o->to_json().dump());
    const auto* card = option_seen(pages, "login.id_card");
    REQUIRE(card != nullptr);
    CHECK_FALSE(card->enabled);
    CHECK(card->why_disabled == "idcard_reader:FAULT");
    CHECK(card->alternative == "login.eid_qr");
    CHECK(o->login == "eid_qr");  // ...and takes the alternative offered
    CHECK(o->submitted);
}

TEST_CASE("no QR scanner: the e-ID login is greyed, the card works [R-7.2-2]", "[degradation][R-7.2-2]") {
    world::KioskRigOptions opt;
    opt.devices["qr_scanner"] = false;
    Bench b(opt);
    std::vector<kiosk::Screen> pages;
    b.rig.ui().shown.connect([&](const kiosk::Screen& s) { pages.push_back(s); });
    const auto* item = plain_item(b);
    REQUIRE(item != nullptr);
    auto script = script_for(*item);
    script.login = "eid_qr";
    auto o = b.serve(identity(residents()[21]), script);
    REQUIRE(o);
    const auto* qr = option_seen(pages, "login.eid_qr");
    REQUIRE(qr != nullptr);
    CHECK_FALSE(qr->enabled);
    CHECK(qr->why_disabled == "qr_scanner:ABSENT");
    CHECK(o->login == "id_card");
    CHECK(o->submitted);
}

TEST_CASE("receipt printer cover open: the receipt goes electronic [R-7.2-2]", "[degradation][R-7.2-2]") {
    Bench b;
    inject(b, "receipt_printer", "cover_open");
    const auto* item = plain_item(b);
    REQUIRE(item != nullptr);
    auto o = b.serve(identity(residents()[22]), script_for(*item));
    REQUIRE(o);
    INFO(o->to_json().dump());
    CHECK(o->kind == kiosk::OutcomeKind::completed_degraded);
    CHECK(o->submitted);
    CHECK_FALSE(o->receipt_printed);
    CHECK(std::find(o->degradations.begin(), o->degradations.end(), "receipt_printer:e-receipt") != o->degradations.end());
}

TEST_CASE("A4 printer door open: the certificate goes electronic [R-7.2-2]", "[degradation][R-7.2-2]") {
    Bench b;
    inject(b, "a4_printer", "door_open");
    const auto* item = plain_item(b, "full");
    REQUIRE(item != nullptr);
    auto o = b.serve(identity(residents()[23]), script_for(*item));
    REQUIRE(o);
    INFO(o->to_json().dump());
    CHECK(o->submitted);
    CHECK_FALSE(o->certificate_printed);
    CHECK(o->e_certificate);
    CHECK(o->kind == kiosk::OutcomeKind::completed_degraded);
}

TEST_CASE("no face camera: handling is refused with another kiosk named [R-7.2-2]", "[degradation][R-7.2-2]") {
    world::KioskRigOptions opt;
    opt.devices["face_camera"] = false;
    Bench b(opt);
    const auto* item = plain_item(b);
    REQUIRE(item != nullptr);
    auto o = b.serve(identity(residents()[24]), script_for(*item));
    REQUIRE(o);
    CHECK(o->kind == kiosk::OutcomeKind::failed);
    CHECK(o->reason == "face_camera:ABSENT");
    CHECK(o->degradations == std::vector<std::string>{"face_camera:use-2号机"});
    CHECK(b.gateway.state().applications.size() == 0);
}

TEST_CASE("items that need a failed device are greyed with the nearby kiosk [R-7.2-2]", "[degradation][R-7.2-2]") {
    Bench b;
    inject(b, "document_camera", "absent");
    const auto* item = b.item([](const kiosk::KioskItem& it) {
        return !it.anonymous() && std::find(it.peripherals.begin(), it.peripherals.end(), "document_camera") != it.peripherals.end();
    });
    REQUIRE(item != nullptr);
    std::vector<kiosk::Screen> pages;
    b.rig.ui().shown.connect([&](const kiosk::Screen& s) { pages.push_back(s); });
    auto o = b.serve(identity(residents()[25]), script_for(*item));
    REQUIRE(o);
    const auto* greyed = option_seen(pages, item->code);
    REQUIRE(greyed != nullptr);
    CHECK_FALSE(greyed->enabled);
    CHECK(greyed->why_disabled == "document_camera:ABSENT");
    CHECK(greyed->alternative == "2号机");
    // The citizen cannot pick it and leaves: one outcome, abandoned.
    CHECK(o->kind == kiosk::OutcomeKind::abandoned);
    CHECK(b.outcomes.size() == 1);
}

TEST_CASE("a card read that fails mid-way is retried by the driver; the session completes [R-7.2-1]",
          "[degradation][R-7.2-1]") {
    Bench b;
    const auto* item = plain_item(b);
    REQUIRE(item != nullptr);
    REQUIRE(b.rig.act("idcard_reader", {{"action", "inject_fault"}, {"fault", "corrupt_checksum"}, {"trigger", "nth"},
                                        {"n", 1}, {"operation", "read"}}).ok);
    auto o = b.serve(identity(residents()[26]), script_for(*item));
    REQUIRE(o);
    INFO(o->to_json().dump());
    CHECK(o->submitted);
    CHECK(o->login == "id_card");
}

}  // namespace kiosk_degradation_test
