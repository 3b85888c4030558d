// The ID-card reader driver against the real reader model in virtual time:
// every card layout the model has, the card's comings and goings, every fault
// of the reader's list mapped to an error keyword and a status (R-7.2-1), the
// serial line's timing at its baud rate and the line dropping (R-8.3-1).
#include <kiosktwin/devices/idcard_reader.hpp>
#include <kiosktwin/kiosk/drivers/idcard_reader.hpp>
#include <kiosktwin/kiosk/virtual_channels.hpp>

#include "driver_support.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace kiosk_driver_idcard_test {

using namespace kiosktwin;
using namespace std::chrono_literals;
using devices::Health;
using kiosk::IdCardRead;
using nlohmann::json;
using protocol::SamCommand;
using Reasons = std::vector<std::string>;

namespace {

// A reader model on a virtual serial line with the driver at the other end.
struct Bench {
    explicit Bench(devices::IdCardReaderConfig config = {}, kiosk::IdCardReaderOptions options = {})
        : dev("k1/idcard", 7, std::move(config)), ch(host, dev), drv(ch, options) {}

    json act(const json& action) { return driver_test::act(host, dev, action); }
    void insert(const std::string& preset) { act(json{{"action", "insert_card"}, {"preset", preset}}); }
    std::string fault(json rule) { return driver_test::inject(host, dev, std::move(rule)); }
    void clear_faults() { act(json{{"action", "clear_fault"}}); }

    // Runs a driver operation to its end, and stops there.
    template <class T>
    T run(sim::Process<T> p) {
        return driver_test::run_to_end(s, std::move(p));
    }
    IdCardRead read() { return run(drv.read_card(today())); }
    Health poll() { return run(drv.poll()); }
    protocol::CivilDate today() const { return dev.today(s.now()); }
    // At `at`, performs `action` (a citizen, a technician, a cable).
    template <class F>
    void at(sim::Duration when, F f) {
        driver_test::at(s, when, std::move(f));
    }

    sim::Simulation s;
    kiosk::VirtualDeviceHost host{s};
    devices::IdCardReader dev;
    kiosk::VirtualStreamChannel ch;
    kiosk::IdCardReaderDriver drv;
};

const protocol::IdText& card_text(const Bench& b) { return b.dev.card()->text; }

}  // namespace

TEST_CASE("R-7.2-1: the driver is an idcard_reader, ABSENT until it has heard the reader", "[kiosk][idcard][R-7.2-1]") {
    Bench b;
    CHECK(b.drv.kind() == "idcard_reader");
    CHECK(b.drv.status().health == Health::absent);
    CHECK_FALSE(b.drv.usable());
    CHECK(b.poll() == Health::ok);
    CHECK(b.drv.status().reasons.empty());
    CHECK(b.drv.usable());
    CHECK(b.drv.counters().polls == 1);
}

TEST_CASE("R-8.3-1: a full read of each card layout the reader model has", "[kiosk][idcard][R-8.3-1][R-7.2-1]") {
    // resident, long-term resident, 70-byte address, HK/MO/TW permits, the 2023 foreign card.
    const auto preset = GENERATE(as<std::string>{}, "resident", "long_term", "long_address", "long_name", "hk_permit",
                                 "macao_permit", "taiwan_permit", "foreign_permanent_resident");
    Bench b;
    b.insert(preset);
    const devices::IdCard card = *b.dev.card();
    const IdCardRead r = b.read();
    INFO(preset << ": " << r.error);
    REQUIRE(r.ok());
    CHECK(r.sw3 == 0x90);
    // The card's type flag is empty when it is the layout's default; the chip spells it out.
    protocol::IdText expected = card.text;
    if (expected.type_flag.empty()) expected.type_flag = r.text.type_flag;
    CHECK(r.text == expected);
    CHECK(r.text == *protocol::decode_id_text(card.text_block().block));
    CHECK(r.text.layout == devices::text_layout(card.type));
    CHECK(r.photo == card.photo);  // the WLT blob as the chip holds it
    CHECK(r.photo.size() == protocol::k_id_photo_size);
    CHECK_FALSE(r.fingerprint);
    CHECK_FALSE(r.expired);
    if (preset == "long_term") CHECK(r.text.valid_to == "长期");
    if (preset == "foreign_permanent_resident") {
        CHECK(r.text.type_flag == "Y");
        CHECK_FALSE(r.text.english_name.empty());
    }
    if (card.type == devices::CardType::hk_mo_tw_residence_permit) {
        CHECK(r.text.type_flag == "J");
        CHECK_FALSE(r.text.pass_number.empty());
    }
    if (card.type == devices::CardType::resident) CHECK(r.text.type_flag.empty());
    // find 20 ms + select 20 ms + read 400 ms, plus 15 + 19 + 1295 bytes at 115200 baud (≈115 ms).
    CHECK(b.s.now() > sim::Time{550ms});
    CHECK(b.s.now() < sim::Time{600ms});
    CHECK(b.drv.status().health == Health::ok);
    CHECK(b.drv.counters().operations == 1);
    CHECK(b.drv.counters().retries == 0);
    CHECK(b.drv.counters().failures == 0);
}

TEST_CASE("a name outside the BMP reads back as the chip holds it ('?')", "[kiosk][idcard]") {
    Bench b;
    b.insert("rare_characters");
    const IdCardRead r = b.read();
    REQUIRE(r.ok());
    const auto chip = protocol::decode_id_text(b.dev.card()->text_block().block);
    REQUIRE(chip);
    CHECK(r.text == *chip);
    CHECK(r.text.name.find('?') != std::string::npos);
    CHECK(r.text.id_number == card_text(b).id_number);
}

TEST_CASE("expiry is judged against the kiosk's date", "[kiosk][idcard]") {
    Bench b;
    b.insert("expired");
    IdCardRead r = b.read();
    REQUIRE(r.ok());
    CHECK(r.expired);
    // Without a date the driver cannot tell.
    r = b.run(b.drv.read_card());
    REQUIRE(r.ok());
    CHECK_FALSE(r.expired);
    b.act(json{{"action", "insert_card"}, {"preset", "resident"}, {"replace", true}});
    r = b.read();
    REQUIRE(r.ok());
    CHECK_FALSE(r.expired);
}

TEST_CASE("fingerprint and appended-address variants", "[kiosk][idcard]") {
    SECTION("30 10 brings the fingerprint") {
        kiosk::IdCardReaderOptions o;
        o.read_fingerprint = true;
        Bench b({}, o);
        b.insert("fingerprint");
        const IdCardRead r = b.read();
        REQUIRE(r.ok());
        REQUIRE(r.fingerprint);
        CHECK(*r.fingerprint == b.dev.card()->fingerprint);
        CHECK(r.photo == b.dev.card()->photo);
    }
    SECTION("a reader that does not know 30 10 is read with 30 01") {
        devices::IdCardReaderConfig c;
        c.fingerprint_command = false;
        kiosk::IdCardReaderOptions o;
        o.read_fingerprint = true;
        Bench b(c, o);
        b.insert("fingerprint");
        IdCardRead r = b.read();
        REQUIRE(r.ok());
        CHECK_FALSE(r.fingerprint);
        CHECK(r.text == card_text(b));
        // It remembers: the next read goes straight to 30 01.
        const auto retries = b.drv.counters().retries;
        r = b.read();
        REQUIRE(r.ok());
        CHECK(b.drv.counters().retries == retries);
    }
    SECTION("30 03 brings the newest appended address, 91 none") {
        kiosk::IdCardReaderOptions o;
        o.read_appended_address = true;
        Bench b({}, o);
        b.insert("appended_address");
        IdCardRead r = b.read();
        REQUIRE(r.ok());
        REQUIRE(r.appended_address);
        CHECK(*r.appended_address == *b.dev.card()->appended_address);
        b.act(json{{"action", "insert_card"}, {"preset", "no_appended_address"}, {"replace", true}});
        r = b.read();
        REQUIRE(r.ok());
        CHECK_FALSE(r.appended_address);
    }
}

TEST_CASE("no card, and waiting until a citizen puts one down", "[kiosk][idcard][R-7.2-1]") {
    Bench b;
    SECTION("a read with no card is no-card, and the reader is fine") {
        const IdCardRead r = b.read();
        CHECK(r.error == "no-card");
        CHECK(r.sw3 == 0x80);
        CHECK(b.drv.status().health == Health::ok);
    }
    SECTION("wait_and_read finds the card inserted mid-wait") {
        b.at(3s, [&] { b.insert("resident"); });
        const IdCardRead r = b.run(b.drv.wait_and_read(10s, b.today()));
        REQUIRE(r.ok());
        CHECK(r.text == card_text(b));
        // Seen at the next 250 ms poll, then read in ≈ 0.56 s.
        CHECK(b.s.now() > sim::Time{3s + 500ms});
        CHECK(b.s.now() < sim::Time{3s + 250ms + 600ms});
        CHECK(b.drv.counters().operations == 1);
    }
    SECTION("wait_and_read gives up at the end of its patience") {
        const IdCardRead r = b.run(b.drv.wait_and_read(2s));
        CHECK(r.error == "no-card");
        CHECK(b.s.now() >= sim::Time{2s});
        CHECK(b.s.now() < sim::Time{2100ms});
        CHECK(b.drv.status().health == Health::ok);
    }
    SECTION("one operation at a time") {
        auto first = b.s.spawn(b.drv.wait_and_read(1s));
        auto second = b.s.spawn(b.drv.read_card());
        b.s.run();
        CHECK(first.result().error == "no-card");
        CHECK(second.result().error == "busy");
    }
}

TEST_CASE("the card taken away between find and read", "[kiosk][idcard][R-7.2-1]") {
    Bench b;
    b.insert("resident");
    SECTION("before the select (answered at ≈ 42 ms): 81, the re-find finds nothing") {
        b.at(30ms, [&] { b.dev.remove_card(b.s.now()); });
        const IdCardRead r = b.read();
        CHECK(r.error == "removed");
    }
    SECTION("while the read is on the air: 41, the re-find finds nothing") {
        b.at(200ms, [&] { b.dev.remove_card(b.s.now()); });
        const IdCardRead r = b.read();
        CHECK(r.error == "removed");
    }
    SECTION("the reader's card_removed_during_read fault") {
        b.fault(json{{"fault", "card_removed_during_read"}, {"trigger", "nth"}, {"n", 1}, {"operation", "read"}});
        const IdCardRead r = b.read();
        CHECK(r.error == "removed");
    }
    SECTION("a select that fails while the card stays is retried") {
        b.fault(json{{"fault", "select_fail"}, {"trigger", "nth"}, {"n", 1}, {"operation", "select"}});
        const IdCardRead r = b.read();
        REQUIRE(r.ok());
        CHECK(b.drv.counters().retries == 1);
    }
    // The citizen's doing, not the reader's.
    CHECK(b.drv.status().health == Health::ok);
}

TEST_CASE("R-7.2-1: each fault of the reader's list gives its error and status", "[kiosk][idcard][R-7.2-1]") {
    struct Case {
        const char* fault;
        json params;
        const char* error;  // of a read with the fault holding
        Health health;
        Reasons reasons;
    };
    const std::vector<Case> cases{
        {"self_test_fail", json::object(), "device-fault", Health::fault, {"self-test-failed"}},
        {"not_authorised", json::object(), "device-fault", Health::fault, {"sam-not-authorised"}},
        {"no_reply", json::object(), "no-reply", Health::fault, {"no-reply"}},
        {"disconnected", json::object(), "no-reply", Health::fault, {"no-reply"}},
        {"corrupt_checksum", json::object(), "bad-frame", Health::fault, {"bad-frame"}},
        {"truncated_reply", json::object(), "bad-frame", Health::fault, {"bad-frame"}},
        {"error_reply", json{{"sw3", 0x24}}, "device-fault", Health::fault, {"device-error"}},
        // Noise before every preamble: the decoder resynchronises each time.
        {"garbage_before", json{{"bytes", 20}}, "", Health::warn, {"unstable-line"}},
        // Card-level failures: the reader is fine.
        {"find_fail", json::object(), "no-card", Health::ok, {}},
        {"select_fail", json::object(), "read-failed", Health::ok, {}},
        {"read_fail", json::object(), "read-failed", Health::ok, {}},
        {"random_fail", json::object(), "read-failed", Health::ok, {}},
        {"auth_fail_card", json::object(), "auth-failed", Health::ok, {}},
        {"auth_fail_sam", json::object(), "auth-failed", Health::ok, {}},
        {"verify_error", json::object(), "auth-failed", Health::ok, {}},
        {"wrong_card_type", json::object(), "unsupported-card", Health::ok, {}},
        {"slow_read", json::object(), "", Health::ok, {}},
        {"corrupt_photo", json::object(), "", Health::ok, {}},
    };
    for (const Case& c : cases) {
        DYNAMIC_SECTION(c.fault) {
            Bench b;
            REQUIRE(b.poll() == Health::ok);
            b.insert("resident");
            b.fault(json{{"fault", c.fault}, {"trigger", "now"}, {"params", c.params}});
            const IdCardRead r = b.read();
            CHECK(r.error == c.error);
            CHECK(b.drv.status().health == c.health);
            CHECK(b.drv.status().reasons == c.reasons);
            if (std::string(c.fault) == "corrupt_photo") {
                CHECK(r.photo.size() == protocol::k_id_photo_size);  // garbled, but kept as it came
                CHECK(r.photo != b.dev.card()->photo);
            }
            if (c.health == Health::fault) {
                // A poll sees the same, and OK again once the fault is gone.
                CHECK(b.poll() == Health::fault);
                b.clear_faults();
                b.s.run_until(b.s.now() + 2min);  // past the window in which retries count as trouble
                CHECK(b.poll() == Health::ok);
                CHECK(b.drv.status().reasons.empty());
                CHECK(b.read().ok());
            }
        }
    }
}

TEST_CASE("R-7.2-1: the same faults striking once are absorbed by a retry, and say so", "[kiosk][idcard][R-7.2-1]") {
    const auto fault = GENERATE(as<std::string>{}, "no_reply", "corrupt_checksum", "truncated_reply", "garbage_before");
    Bench b;
    b.insert("resident");
    b.fault(json{{"fault", fault}, {"trigger", "nth"}, {"n", 1}, {"operation", "read"}});
    const IdCardRead r = b.read();
    INFO(fault);
    REQUIRE(r.ok());
    CHECK(r.text == card_text(b));
    if (fault == "garbage_before") {
        CHECK(b.drv.counters().resyncs == 1);
        CHECK(b.drv.counters().retries == 0);
    } else {
        CHECK(b.drv.counters().retries == 1);
    }
    if (fault == "no_reply" || fault == "truncated_reply") CHECK(b.drv.counters().timeouts == 1);
    CHECK(b.drv.status().health == Health::warn);
    CHECK(b.drv.status().reasons == Reasons{"unstable-line"});
    // A quiet minute later the line is trusted again.
    b.s.run_until(b.s.now() + 61s);
    CHECK(b.poll() == Health::ok);
}

TEST_CASE("a card read failing again and again makes the reader WARN", "[kiosk][idcard][R-7.2-1]") {
    Bench b;
    b.act(json{{"action", "insert_card"}, {"preset", "resident"}, {"damaged", true}});
    for (int i = 0; i < 2; ++i) {
        CHECK(b.read().error == "read-failed");
        CHECK(b.drv.status().health == Health::ok);  // one bad card is the citizen's problem
    }
    CHECK(b.read().error == "read-failed");
    CHECK(b.drv.status().health == Health::warn);
    CHECK(b.drv.status().reasons == Reasons{"repeated-read-failures"});
    CHECK(b.drv.counters().failures == 3);
    b.act(json{{"action", "insert_card"}, {"preset", "resident"}, {"replace", true}});
    CHECK(b.read().ok());
    CHECK(b.drv.status().health == Health::ok);
}

TEST_CASE("an old SAM refuses permits: unsupported-card", "[kiosk][idcard]") {
    devices::IdCardReaderConfig c;
    c.reads_permits = false;
    Bench b(c);
    b.insert("taiwan_permit");
    CHECK(b.read().error == "unsupported-card");
    CHECK(b.drv.status().health == Health::ok);
}

TEST_CASE("R-8.3-1: timeouts follow the line speed", "[kiosk][idcard][R-8.3-1]") {
    SECTION("the read's timeout holds the answer's wire time") {
        Bench b;
        // 500 ms + 1 s of card time + 1.5 × 112.413 ms for 1295 bytes at 115200 baud.
        CHECK(b.drv.timeout_for(SamCommand::read_text_photo) == 500ms + 1000ms + 168619us);
        CHECK(b.drv.timeout_for(SamCommand::find) == 500ms + 1953us);
    }
    SECTION("at 9600 baud a read takes ≈ 1.75 s and needs no retry") {
        devices::IdCardReaderConfig c;
        c.baud = 9600;
        kiosk::IdCardReaderOptions o;
        o.baud = 9600;
        Bench b(c, o);
        CHECK(b.drv.timeout_for(SamCommand::read_text_photo) > 3s);
        b.insert("resident");
        const IdCardRead r = b.read();
        REQUIRE(r.ok());
        CHECK(b.s.now() > sim::Time{1750ms});
        CHECK(b.drv.counters().retries == 0);
        CHECK(b.drv.status().health == Health::ok);
    }
    SECTION("a slow card is waited for; one slower than the timeout is asked again and its late answer taken") {
        Bench b;
        b.insert("resident");
        b.fault(json{{"fault", "slow_read"}, {"trigger", "nth"}, {"n", 1}, {"operation", "read"},
                     {"params", {{"extra_ms", 2500}}}});
        const IdCardRead r = b.read();
        REQUIRE(r.ok());
        CHECK(r.text == card_text(b));
        CHECK(b.drv.counters().timeouts >= 1);
        CHECK(b.drv.status().health == Health::warn);
        // The re-sent read is still answered: that late 90 + 1288 bytes must not pass for the next find's answer.
        const auto resyncs = b.drv.counters().resyncs;
        const IdCardRead again = b.read();
        REQUIRE(again.ok());
        CHECK(again.text == card_text(b));
        CHECK(b.drv.counters().resyncs > resyncs);
    }
    SECTION("no reply: three attempts, each its full timeout") {
        Bench b;
        b.fault(json{{"fault", "no_reply"}, {"trigger", "now"}});
        CHECK(b.read().error == "no-reply");
        CHECK(b.drv.counters().timeouts == 3);
        CHECK(b.drv.counters().retries == 2);
        CHECK(b.s.now() >= sim::Time{} + 3 * b.drv.timeout_for(SamCommand::find));
    }
}

TEST_CASE("R-7.2-1: a reader line that breaks is ABSENT, and OK again once it reopens", "[kiosk][idcard][R-7.2-1]") {
    Bench b;
    REQUIRE(b.poll() == Health::ok);
    SECTION("pulled and not back: ABSENT; plugged in again: OK") {
        b.ch.break_line(kiosk::ChannelError::closed);
        b.ch.set_unplugged(true);
        CHECK(b.poll() == Health::absent);
        CHECK(b.drv.status().reasons == Reasons{"line-down"});
        CHECK_FALSE(b.drv.usable());
        b.insert("resident");
        CHECK(b.read().error == "line-down");
        b.ch.set_unplugged(false);
        CHECK(b.poll() == Health::ok);
        CHECK(b.drv.status().reasons.empty());
        CHECK(b.read().ok());
    }
    SECTION("a reset line that reopens at once is not even noticed") {
        b.insert("resident");
        b.ch.break_line(kiosk::ChannelError::reset);
        CHECK(b.read().ok());
        CHECK(b.drv.status().health == Health::ok);
    }
    SECTION("the cable pulled in the middle of a read") {
        b.insert("resident");
        b.at(300ms, [&] {
            b.ch.break_line(kiosk::ChannelError::closed);
            b.ch.set_unplugged(true);
        });
        CHECK(b.read().error == "line-down");
        CHECK(b.drv.status().health == Health::absent);
    }
}

TEST_CASE("a poll reads the SAM id once", "[kiosk][idcard]") {
    devices::IdCardReaderConfig c;
    c.sam_id = "05.01-20260101-0012345678-1234567890";
    Bench b(c);
    CHECK(b.drv.sam_id().empty());
    CHECK(b.poll() == Health::ok);
    CHECK(b.drv.sam_id() == c.sam_id);
}

}  // namespace kiosk_driver_idcard_test
