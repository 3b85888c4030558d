// The ID-card reader model in virtual time: the spec's frames on the wire
// (§2.1, H1), find → select → read, baud-paced timing, malformed requests,
// every fault of §3.1, physical actions, status (R-7.2-1) and replay.
#include <kiosktwin/devices/idcard_reader.hpp>
#include <kiosktwin/devices/trace.hpp>
#include <kiosktwin/protocol/citizen_id.hpp>
#include <kiosktwin/protocol/sam.hpp>

#include "hex.hpp"

#include <catch2/catch.hpp>

#include <sstream>

namespace devices_idcard_reader_test {

using namespace kiosktwin;
using namespace kiosktwin::devices;
using namespace std::chrono_literals;
using nlohmann::json;
using protocol::SamCommand;
using protocol::Sw3;

namespace {

using kiosktwin::test::hx;

Bytes req(SamCommand c) { return protocol::encode_sam_request(c); }

// Drives a reader as a host does: wakes it when it asks, takes its output,
// and remembers when each byte arrived.
struct Host {
    IdCardReader& dev;
    sim::Time now{};
    Bytes out{};
    std::vector<sim::Time> at{};  // arrival time of each byte of `out`

    void take(sim::Time t) {
        const Bytes b = dev.take_output(t);
        out.insert(out.end(), b.begin(), b.end());
        at.insert(at.end(), b.size(), t);
    }
    void run_until(sim::Time t) {
        for (int guard = 0; guard < 1'000'000; ++guard) {
            const sim::Time w = std::max(dev.next_wakeup(), now);
            if (w > t) break;
            now = w;
            dev.on_wakeup(w);
            take(w);
        }
        now = std::max(now, t);
        take(now);
    }
    void send(sim::Time t, const Bytes& b) {
        run_until(t);
        dev.on_bytes(t, b);
    }

    struct Reply {
        std::optional<protocol::SamResponse> response;
        sim::Time done{};  // when the frame's last byte arrived
        Bytes raw;         // everything received
        std::vector<protocol::SamEvent> events;
    };
    // Sends `request` at t and collects what comes back: up to the first whole
    // frame, or everything within `wait` if none comes.
    Reply exchange(sim::Time t, const Bytes& request, sim::Duration wait = 5s) {
        const std::size_t before = out.size();
        send(t, request);
        Reply r;
        protocol::SamDecoder d;
        std::size_t fed = before;
        auto decode_new = [&] {
            for (; fed < out.size(); ++fed)
                for (auto& e : d.feed(ByteView(&out[fed], 1))) {
                    if (e.kind == protocol::SamEventKind::frame && !r.response) {
                        r.response = e.response();
                        r.done = at[fed];
                    }
                    r.events.push_back(std::move(e));
                }
        };
        const sim::Time limit = t + wait;
        for (int guard = 0; guard < 1'000'000 && !r.response; ++guard) {
            const sim::Time w = std::max(dev.next_wakeup(), now);
            if (w > limit) break;
            now = w;
            dev.on_wakeup(w);
            take(w);
            decode_new();
        }
        if (!r.response) {
            now = std::max(now, limit);
            take(now);
            decode_new();
        }
        r.raw.assign(out.begin() + static_cast<std::ptrdiff_t>(before), out.end());
        return r;
    }
    Sw3 sw3(sim::Time t, SamCommand c) {
        const Reply r = exchange(t, req(c));
        REQUIRE(r.response);
        return r.response->status();
    }
};

json inject(IdCardReader& r, sim::Time t, json rule) {
    rule["action"] = "inject_fault";
    const ActionResult res = r.act(t, rule);
    REQUIRE(res.ok);
    return res.data;
}

void insert(IdCardReader& r, sim::Time t, json how = json{{"preset", "resident"}}) {
    how["action"] = "insert_card";
    const ActionResult res = r.act(t, how);
    INFO(res.error);
    REQUIRE(res.ok);
}

// find, select and read at t, t + 1 s, t + 2 s.
Sw3 full_read(Host& h, sim::Time t) {
    if (h.sw3(t, SamCommand::find) != Sw3::find_ok) return Sw3::find_failed;
    if (h.sw3(t + 1s, SamCommand::select) != Sw3::success) return Sw3::select_failed;
    return h.sw3(t + 2s, SamCommand::read_text_photo);
}

}  // namespace

TEST_CASE("R-8.3-1: a serial reader at 115200 8N1 that answers a find with no card", "[devices][idcard]") {
    IdCardReader r("kiosk-1/idcard", 1);
    CHECK(r.kind() == "idcard_reader");
    CHECK(r.baud() == 115200);
    CHECK(r.status(sim::epoch_time) == DeviceStatus{Health::ok, {"no-card"}});
    Host h{r};
    const auto reply = h.exchange(sim::Time{1s}, hx("AA AA AA 96 69 00 03 20 01 22"));
    CHECK(reply.raw == hx("AA AA AA 96 69 00 04 00 00 80 84"));
    // 20 ms to look for a card, then 11 bytes at 115200 baud.
    CHECK(reply.done == sim::Time{1s + 20ms + r.wire_time(11)});
}

TEST_CASE("find → select → read: the spec's frames and a 1295-byte answer paced at the baud rate", "[devices][idcard]") {
    IdCardReader r("kiosk-1/idcard", 2);
    Host h{r};
    const ActionResult ins = r.act(sim::epoch_time, json{{"action", "insert_card"}, {"preset", "resident"}});
    REQUIRE(ins.ok);
    const IdCard card = IdCard::from_json(ins.data["card"]);
    CHECK(*r.card() == card);
    CHECK(r.status(sim::epoch_time) == DeviceStatus{Health::ok, {"card-present"}});

    const auto find = h.exchange(sim::Time{1s}, req(SamCommand::find));
    CHECK(find.raw == hx("AA AA AA 96 69 00 08 00 00 9F 00 00 00 00 97"));
    CHECK(find.done == sim::Time{1s + 20ms + r.wire_time(15)});
    const auto select = h.exchange(sim::Time{2s}, req(SamCommand::select));
    CHECK(select.raw == hx("AA AA AA 96 69 00 0C 00 00 90 00 00 00 00 00 00 00 00 9C"));
    CHECK(select.done == sim::Time{2s + 20ms + r.wire_time(19)});

    const auto read = h.exchange(sim::Time{3s}, req(SamCommand::read_text_photo));
    REQUIRE(read.raw.size() == 1295);
    CHECK(Bytes(read.raw.begin(), read.raw.begin() + 14) == hx("AA AA AA 96 69 05 08 00 00 90 01 00 04 00"));
    // 400 ms of RF and card time, then 1295 bytes: 112.414 ms at 115200 baud.
    CHECK(r.wire_time(1295) == 112414us);
    CHECK(read.done == sim::Time{3s + 400ms + 112414us});
    const auto info = protocol::parse_read_info(read.response->data);
    REQUIRE(info);
    CHECK(protocol::decode_id_text(info->text) == card.text);
    CHECK(info->photo == card.photo);
    // The card stays selected: a second read needs no new find.
    CHECK(h.sw3(sim::Time{4s}, SamCommand::read_text_photo) == Sw3::success);
}

TEST_CASE("each step is mandatory: read without select is 21, select without find 81", "[devices][idcard]") {
    IdCardReader r("k/idcard", 3);
    Host h{r};
    insert(r, sim::epoch_time);
    CHECK(h.sw3(sim::Time{1s}, SamCommand::read_text_photo) == Sw3::bad_command);
    CHECK(h.sw3(sim::Time{2s}, SamCommand::select) == Sw3::select_failed);
    CHECK(h.sw3(sim::Time{3s}, SamCommand::find) == Sw3::find_ok);
    CHECK(h.sw3(sim::Time{4s}, SamCommand::read_appended_address) == Sw3::bad_command);
    CHECK(h.sw3(sim::Time{5s}, SamCommand::select) == Sw3::success);
    // reset ends the session
    CHECK(h.sw3(sim::Time{6s}, SamCommand::reset) == Sw3::success);
    CHECK(h.sw3(sim::Time{7s}, SamCommand::read_text_photo) == Sw3::bad_command);

    SECTION("the card taken away between select and read: 41, then the find fails") {
        CHECK(full_read(h, sim::Time{10s}) == Sw3::success);
        CHECK(h.sw3(sim::Time{20s}, SamCommand::find) == Sw3::find_ok);
        CHECK(h.sw3(sim::Time{21s}, SamCommand::select) == Sw3::success);
        REQUIRE(r.act(sim::Time{21500ms}, json{{"action", "remove_card"}}).ok);
        CHECK(h.sw3(sim::Time{22s}, SamCommand::read_text_photo) == Sw3::read_failed);
        CHECK(h.sw3(sim::Time{23s}, SamCommand::find) == Sw3::find_failed);
        CHECK(r.status(sim::Time{23s}).reasons == std::vector<std::string>{"no-card"});
    }
    SECTION("the card taken away between find and select: 81") {
        CHECK(h.sw3(sim::Time{20s}, SamCommand::find) == Sw3::find_ok);
        r.remove_card(sim::Time{20500ms});
        CHECK(h.sw3(sim::Time{21s}, SamCommand::select) == Sw3::select_failed);
    }
    SECTION("a card removed while its read is on the air fails that read") {
        CHECK(h.sw3(sim::Time{20s}, SamCommand::find) == Sw3::find_ok);
        CHECK(h.sw3(sim::Time{21s}, SamCommand::select) == Sw3::success);
        h.send(sim::Time{22s}, req(SamCommand::read_text_photo));
        h.run_until(sim::Time{22s + 100ms});
        r.remove_card(h.now);  // 300 ms before the answer is due
        const auto rest = h.exchange(sim::Time{22s + 100ms}, {});
        REQUIRE(rest.response);
        CHECK(rest.response->status() == Sw3::read_failed);
    }
}

TEST_CASE("malformed requests get the reader's own answers: 10, 11, 21", "[devices][idcard]") {
    IdCardReader r("k/idcard", 4);
    Host h{r};
    CHECK(h.exchange(sim::Time{1s}, hx("AA AA AA 96 69 00 03 20 01 23")).response->status() == Sw3::checksum_error);
    CHECK(h.exchange(sim::Time{2s}, hx("AA AA AA 96 69 00 00")).response->status() == Sw3::length_error);
    CHECK(h.exchange(sim::Time{3s}, hx("AA AA AA 96 69 10 01")).response->status() == Sw3::length_error);  // Len 4097
    CHECK(h.exchange(sim::Time{4s}, hx("AA AA AA 96 69 00 02 20 22")).response->status() == Sw3::length_error);
    CHECK(h.exchange(sim::Time{5s}, protocol::encode_sam_request(0x01, 0xFF)).response->status() == Sw3::bad_command);
    CHECK(h.exchange(sim::Time{6s}, protocol::encode_sam_request(0x20, 0x07)).response->status() == Sw3::bad_command);
    CHECK(h.exchange(sim::Time{7s}, protocol::encode_sam_request(0x20, 0x01, hx("00"))).response->status() ==
          Sw3::length_error);
    // The checksum answer is 2 ms of thought and 11 bytes.
    const auto bad = h.exchange(sim::Time{8s}, hx("AA AA AA 96 69 00 03 20 01 00"));
    CHECK(bad.raw == hx("AA AA AA 96 69 00 04 00 00 10 14"));
    CHECK(bad.done == sim::Time{8s + 2ms + r.wire_time(11)});

    SECTION("line noise before a request is skipped") {
        Bytes noisy = hx("00 FF 13 AA AA 55");
        const Bytes find = req(SamCommand::find);
        noisy.insert(noisy.end(), find.begin(), find.end());
        CHECK(h.exchange(sim::Time{10s}, noisy).response->status() == Sw3::find_failed);
        CHECK(r.describe(sim::Time{10s})["state"]["decoder"]["garbage_bytes"] == 6);
    }
    SECTION("a request split byte by byte is answered once it is whole") {
        const Bytes find = req(SamCommand::find);
        for (std::size_t i = 0; i + 1 < find.size(); ++i) h.send(sim::Time{10s + std::chrono::milliseconds(i)}, Bytes{find[i]});
        const auto reply = h.exchange(sim::Time{10s + 9ms}, Bytes{find.back()});
        REQUIRE(reply.response);
        CHECK(reply.response->status() == Sw3::find_failed);
        CHECK(reply.done == sim::Time{10s + 9ms + 20ms + r.wire_time(11)});
    }
    SECTION("a partial request followed by silence is dropped after the inter-byte timeout") {
        h.send(sim::Time{10s}, hx("AA AA AA 96 69 00 03 20"));
        h.run_until(sim::Time{10s + 199ms});
        CHECK(r.describe(h.now)["state"]["busy"] == false);
        CHECK(r.next_wakeup() == sim::Time{10s + 200ms});
        h.run_until(sim::Time{11s});
        CHECK(h.sw3(sim::Time{11s}, SamCommand::find) == Sw3::find_failed);  // not glued to the stale bytes
    }
}

TEST_CASE("set baud: answered at the old rate, then the reader switches", "[devices][idcard]") {
    IdCardReader r("k/idcard", 5);
    Host h{r};
    insert(r, sim::epoch_time);
    const auto ans = h.exchange(sim::Time{1s}, hx("AA AA AA 96 69 00 03 60 04 67"));  // 9600
    REQUIRE(ans.response);
    CHECK(ans.response->status() == Sw3::success);
    CHECK(ans.done == sim::Time{1s + 5ms + 955us});  // 11 bytes at 115200
    h.run_until(sim::Time{1100ms});
    CHECK(r.baud() == 9600);
    // The same read now takes ≈1.35 s on the wire.
    CHECK(h.sw3(sim::Time{2s}, SamCommand::find) == Sw3::find_ok);
    CHECK(h.sw3(sim::Time{3s}, SamCommand::select) == Sw3::success);
    const auto read = h.exchange(sim::Time{4s}, req(SamCommand::read_text_photo));
    CHECK(read.raw.size() == 1295);
    CHECK(read.done == sim::Time{4s + 400ms + 1348959us});
    CHECK(r.describe(sim::Time{6s})["state"]["baud"] == 9600);
    // Every rate of the table.
    sim::Time t{10s};
    for (int baud : {115200, 57600, 38400, 19200, 9600}) {
        CHECK(h.sw3(t, *protocol::sam_set_baud_command(baud)) == Sw3::success);
        h.run_until(t + 100ms);
        CHECK(r.baud() == baud);
        t += 1s;
    }
    r.power_cycle(sim::Time{30s});
    CHECK(r.baud() == 115200);
    CHECK(IdCardReader("k/x", 1, IdCardReaderConfig::from_json(json{{"baud", 9600}})).baud() == 9600);
}

TEST_CASE("a fault on the nth read, once (trigger nth)", "[devices][idcard][faults]") {
    IdCardReader r("k/idcard", 6);
    Host h{r};
    insert(r, sim::epoch_time);
    inject(r, sim::epoch_time, json{{"fault", "read_fail"}, {"trigger", "nth"}, {"n", 2}, {"operation", "read"}});
    CHECK(full_read(h, sim::Time{1s}) == Sw3::success);
    CHECK(full_read(h, sim::Time{10s}) == Sw3::read_failed);
    CHECK(full_read(h, sim::Time{20s}) == Sw3::success);
    CHECK(r.status(sim::Time{30s}).health == Health::ok);  // an operation fault leaves no condition behind
}

TEST_CASE("lost answers with a probability are seeded (trigger probability)", "[devices][idcard][faults]") {
    auto answered = [](std::uint64_t seed) {
        IdCardReader r("k/idcard", seed);
        Host h{r};
        inject(r, sim::epoch_time, json{{"fault", "no_reply"}, {"trigger", "probability"}, {"p", 0.3}, {"operation", "find"}});
        std::vector<int> got;
        for (int i = 0; i < 200; ++i)
            if (h.exchange(sim::Time{std::chrono::seconds(i)}, req(SamCommand::find), 500ms).response) got.push_back(i);
        return got;
    };
    const auto a = answered(42);
    CHECK(a == answered(42));
    CHECK(a != answered(43));
    CHECK(a.size() > 115);
    CHECK(a.size() < 165);
}

TEST_CASE("a self-test failure in a window: 60 to everything, FAULT (trigger window)", "[devices][idcard][faults][R-7.2-1]") {
    IdCardReader r("k/idcard", 7);
    Host h{r};
    inject(r, sim::epoch_time, json{{"fault", "self_test_fail"}, {"trigger", "window"}, {"at_s", 10}, {"duration_s", 5}});
    CHECK(h.sw3(sim::Time{5s}, SamCommand::status) == Sw3::success);
    CHECK(r.status(sim::Time{11s}) == DeviceStatus{Health::fault, {"self-test-failed", "no-card"}});
    sim::Time t{11s};
    for (SamCommand c : {SamCommand::status, SamCommand::reset, SamCommand::find, SamCommand::sam_id}) {
        CHECK(h.sw3(t, c) == Sw3::self_test_failed);
        t += 500ms;
    }
    CHECK(h.exchange(sim::Time{13s}, hx("AA AA AA 96 69 00 03 20 01 00")).response->status() == Sw3::self_test_failed);
    CHECK(h.sw3(sim::Time{16s}, SamCommand::status) == Sw3::success);
    CHECK(r.status(sim::Time{16s}).health == Health::ok);
}

TEST_CASE("a self-test failure struck by an operation rule holds until the rule is cleared", "[devices][idcard][faults]") {
    IdCardReader r("k/idcard", 8);
    Host h{r};
    const std::string id = inject(r, sim::epoch_time, json{{"fault", "self_test_fail"}, {"trigger", "nth"}, {"n", 1}, {"operation", "reset"}})["id"];
    CHECK(h.sw3(sim::Time{1s}, SamCommand::status) == Sw3::success);
    CHECK(h.sw3(sim::Time{2s}, SamCommand::reset) == Sw3::self_test_failed);
    CHECK(h.sw3(sim::Time{3s}, SamCommand::status) == Sw3::self_test_failed);
    CHECK(r.status(sim::Time{3s}).health == Health::fault);
    REQUIRE(r.act(sim::Time{4s}, json{{"action", "clear_fault"}, {"id", id}}).ok);
    CHECK(h.sw3(sim::Time{5s}, SamCommand::status) == Sw3::success);
    CHECK(r.status(sim::Time{5s}).health == Health::ok);
}

TEST_CASE("disconnected: nothing read, nothing answered, ABSENT (trigger now)", "[devices][idcard][faults][R-7.2-1]") {
    IdCardReader r("k/idcard", 9);
    Host h{r};
    const std::string id = inject(r, sim::epoch_time, json{{"fault", "disconnected"}})["id"];
    CHECK(r.status(sim::Time{1s}) == DeviceStatus{Health::absent, {"disconnected"}});
    CHECK(h.exchange(sim::Time{1s}, req(SamCommand::find)).raw.empty());
    r.act(sim::Time{2s}, json{{"action", "clear_fault"}, {"id", id}});
    CHECK(h.sw3(sim::Time{3s}, SamCommand::find) == Sw3::find_failed);
}

TEST_CASE("not authorised: 66 to card commands, FAULT", "[devices][idcard][faults][R-7.2-1]") {
    IdCardReader r("k/idcard", 10);
    Host h{r};
    insert(r, sim::epoch_time);
    inject(r, sim::epoch_time, json{{"fault", "not_authorised"}});
    CHECK(r.status(sim::Time{1s}) == DeviceStatus{Health::fault, {"sam-not-authorised", "card-present"}});
    CHECK(h.sw3(sim::Time{1s}, SamCommand::find) == Sw3::not_authorised);
    CHECK(h.sw3(sim::Time{2s}, SamCommand::status) == Sw3::not_authorised);
    CHECK(h.sw3(sim::Time{3s}, SamCommand::sam_id) == Sw3::success);
}

TEST_CASE("card faults give the table's codes on the commands they concern", "[devices][idcard][faults]") {
    const std::pair<const char*, Sw3> cases[] = {
        {"read_fail", Sw3::read_failed},        {"auth_fail_card", Sw3::card_auth_failed},
        {"auth_fail_sam", Sw3::sam_auth_failed}, {"verify_error", Sw3::verify_error},
        {"wrong_card_type", Sw3::wrong_card_type}, {"random_fail", Sw3::random_failed}};
    for (const auto& [fault, code] : cases) {
        INFO(fault);
        IdCardReader r("k/idcard", 11);
        Host h{r};
        insert(r, sim::epoch_time);
        inject(r, sim::epoch_time, json{{"fault", fault}});
        CHECK(r.status(sim::Time{1s}).health == Health::warn);
        CHECK(full_read(h, sim::Time{1s}) == code);
    }
    IdCardReader r("k/idcard", 12);
    Host h{r};
    insert(r, sim::epoch_time);
    SECTION("find_fail: 80 though a card is there") {
        inject(r, sim::epoch_time, json{{"fault", "find_fail"}, {"trigger", "nth"}, {"n", 1}, {"operation", "find"}});
        CHECK(h.sw3(sim::Time{1s}, SamCommand::find) == Sw3::find_failed);
        CHECK(h.sw3(sim::Time{2s}, SamCommand::find) == Sw3::find_ok);
    }
    SECTION("select_fail: 81") {
        inject(r, sim::epoch_time, json{{"fault", "select_fail"}, {"trigger", "nth"}, {"n", 1}, {"operation", "select"}});
        CHECK(full_read(h, sim::Time{1s}) == Sw3::select_failed);
        CHECK(full_read(h, sim::Time{10s}) == Sw3::success);
    }
    SECTION("a card fault struck on a command it does not concern is ignored, and the trace says so") {
        MemoryTrace trace;
        r.set_trace(&trace);
        inject(r, sim::epoch_time, json{{"fault", "read_fail"}, {"trigger", "nth"}, {"n", 1}});  // no operation: strikes the find
        inject(r, sim::epoch_time, json{{"fault", "read_fail"}, {"trigger", "nth"}, {"n", 2}, {"operation", "read"}});
        CHECK(full_read(h, sim::Time{1s}) == Sw3::success);
        CHECK(full_read(h, sim::Time{10s}) == Sw3::read_failed);
        std::vector<std::string> events;
        for (const auto& rec : trace.records())
            for (const char* k : {"fault_ignored", "fault_struck"})
                if (rec.dir == "event" && rec.frame.contains(k))
                    events.push_back(std::string(k) + " " + rec.frame[k]["operation"].get<std::string>());
        CHECK(events == std::vector<std::string>{"fault_ignored find", "fault_struck read"});
    }
    SECTION("error_reply answers with any SW3") {
        inject(r, sim::epoch_time, json{{"fault", "error_reply"}, {"params", {{"sw3", 0x23}}}});
        CHECK(h.sw3(sim::Time{1s}, SamCommand::find) == Sw3::privilege_violation);
    }
    SECTION("card_removed_during_read: 41 halfway through, and the card is gone") {
        inject(r, sim::epoch_time, json{{"fault", "card_removed_during_read"}, {"trigger", "nth"}, {"n", 1}, {"operation", "read"}});
        CHECK(h.sw3(sim::Time{1s}, SamCommand::find) == Sw3::find_ok);
        CHECK(h.sw3(sim::Time{2s}, SamCommand::select) == Sw3::success);
        const auto read = h.exchange(sim::Time{3s}, req(SamCommand::read_text_photo));
        CHECK(read.response->status() == Sw3::read_failed);
        CHECK(read.done == sim::Time{3s + 200ms + r.wire_time(11)});
        CHECK_FALSE(r.card());
        CHECK(r.status(sim::Time{4s}).reasons == std::vector<std::string>{"no-card"});
    }
    SECTION("slow_read adds its extra time") {
        inject(r, sim::epoch_time, json{{"fault", "slow_read"}, {"params", {{"extra_ms", 1500}}}});
        CHECK(h.sw3(sim::Time{1s}, SamCommand::find) == Sw3::find_ok);
        CHECK(h.sw3(sim::Time{2s}, SamCommand::select) == Sw3::success);
        const auto read = h.exchange(sim::Time{3s}, req(SamCommand::read_text_photo));
        CHECK(read.done == sim::Time{3s + 1900ms + r.wire_time(1295)});
    }
    SECTION("corrupt_photo: a valid frame with a garbled photo") {
        inject(r, sim::epoch_time, json{{"fault", "corrupt_photo"}});
        CHECK(h.sw3(sim::Time{1s}, SamCommand::find) == Sw3::find_ok);
        CHECK(h.sw3(sim::Time{2s}, SamCommand::select) == Sw3::success);
        const auto read = h.exchange(sim::Time{3s}, req(SamCommand::read_text_photo));
        REQUIRE(read.response);
        const auto info = protocol::parse_read_info(read.response->data);
        REQUIRE(info);
        CHECK(info->photo.size() == 1024);
        CHECK(info->photo != r.card()->photo);
        CHECK(protocol::decode_id_text(info->text) == r.card()->text);
    }
}

TEST_CASE("the appended address: 90 with 70 bytes, or 91 when the card has none", "[devices][idcard]") {
    IdCardReader r("k/idcard", 13);
    Host h{r};
    insert(r, sim::epoch_time, json{{"preset", "appended_address"}});
    REQUIRE(r.card()->appended_address);
    CHECK(h.sw3(sim::Time{1s}, SamCommand::find) == Sw3::find_ok);
    CHECK(h.sw3(sim::Time{2s}, SamCommand::select) == Sw3::success);
    const auto a = h.exchange(sim::Time{3s}, req(SamCommand::read_appended_address));
    REQUIRE(a.response);
    CHECK(a.response->status() == Sw3::success);
    CHECK(a.response->data.size() == 70);
    CHECK(protocol::decode_appended_address(a.response->data) == *r.card()->appended_address);
    CHECK(a.done == sim::Time{3s + 120ms + r.wire_time(7 + 3 + 70 + 1)});
    inject(r, sim::Time{4s}, json{{"fault", "no_appended_address"}, {"trigger", "nth"}, {"n", 1}, {"operation", "read_address"}});
    CHECK(h.sw3(sim::Time{5s}, SamCommand::read_appended_address) == Sw3::no_content);
    r.remove_card(sim::Time{6s});
    insert(r, sim::Time{6s}, json{{"preset", "no_appended_address"}});
    CHECK(h.sw3(sim::Time{7s}, SamCommand::find) == Sw3::find_ok);
    CHECK(h.sw3(sim::Time{8s}, SamCommand::select) == Sw3::success);
    CHECK(h.sw3(sim::Time{9s}, SamCommand::read_appended_address) == Sw3::no_content);
}

TEST_CASE("transport faults: truncated, corrupted, garbage first, no reply", "[devices][idcard][faults]") {
    IdCardReader r("k/idcard", 14);
    Host h{r};
    SECTION("truncated_reply") {
        inject(r, sim::epoch_time, json{{"fault", "truncated_reply"}, {"trigger", "nth"}, {"n", 1}, {"params", {{"bytes", 5}}}});
        const auto a = h.exchange(sim::Time{1s}, req(SamCommand::find));
        CHECK(a.raw == hx("AA AA AA 96 69"));
        CHECK_FALSE(a.response);
    }
    SECTION("corrupt_checksum") {
        inject(r, sim::epoch_time, json{{"fault", "corrupt_checksum"}, {"trigger", "nth"}, {"n", 1}});
        const auto a = h.exchange(sim::Time{1s}, req(SamCommand::find));
        REQUIRE(a.events.size() == 1);
        CHECK(a.events[0].kind == protocol::SamEventKind::checksum_error);
        CHECK(a.raw.size() == 11);
    }
    SECTION("garbage_before: the client must resync on the preamble") {
        inject(r, sim::epoch_time, json{{"fault", "garbage_before"}, {"params", {{"bytes", 8}}}});
        const auto a = h.exchange(sim::Time{1s}, req(SamCommand::find));
        REQUIRE(a.response);
        CHECK(a.response->status() == Sw3::find_failed);
        CHECK(a.raw.size() == 19);
        std::size_t skipped = 0;
        for (const auto& e : a.events) skipped += e.skipped;
        CHECK(skipped == 8);
        CHECK(a.done == sim::Time{1s + 20ms + r.wire_time(19)});
        CHECK(r.status(sim::Time{1s}) == DeviceStatus{Health::warn, {"garbage-before", "no-card"}});
    }
    SECTION("no_reply on every second command") {
        inject(r, sim::epoch_time, json{{"fault", "no_reply"}, {"trigger", "every_nth"}, {"n", 2}});
        CHECK(h.exchange(sim::Time{1s}, req(SamCommand::status)).response);
        CHECK(h.exchange(sim::Time{2s}, req(SamCommand::status)).raw.empty());
        CHECK(h.exchange(sim::Time{3s}, req(SamCommand::status)).response);
    }
}

TEST_CASE("an old SAM refuses permits and foreign cards with 40", "[devices][idcard]") {
    IdCardReader r("k/idcard", 15, IdCardReaderConfig::from_json(json{{"reads_permits", false}}));
    Host h{r};
    insert(r, sim::epoch_time, json{{"preset", "foreign_permanent_resident"}});
    CHECK(r.status(sim::Time{1s}) == DeviceStatus{Health::warn, {"card-type-unsupported", "card-present"}});
    CHECK(full_read(h, sim::Time{1s}) == Sw3::wrong_card_type);
    IdCardReader modern("k/idcard2", 15);
    Host h2{modern};
    insert(modern, sim::epoch_time, json{{"preset", "hk_permit"}});
    REQUIRE(full_read(h2, sim::Time{1s}) == Sw3::success);
}

TEST_CASE("the fingerprint read (30 10) and the SAM id (12 FF)", "[devices][idcard]") {
    IdCardReader r("k/idcard", 16, IdCardReaderConfig::from_json(json{{"sam_id", "05.01-20240101-0012345678-1234567890"}}));
    Host h{r};
    const auto id = h.exchange(sim::Time{1s}, req(SamCommand::sam_id));
    REQUIRE(id.response);
    CHECK(protocol::SamId::decode(id.response->data)->to_string() == "05.01-20240101-0012345678-1234567890");
    insert(r, sim::Time{1500ms}, json{{"preset", "fingerprint"}});
    CHECK(h.sw3(sim::Time{2s}, SamCommand::find) == Sw3::find_ok);
    CHECK(h.sw3(sim::Time{3s}, SamCommand::select) == Sw3::success);
    const auto fp = h.exchange(sim::Time{4s}, req(SamCommand::read_text_photo_fingerprint));
    const auto info = protocol::parse_read_info(fp.response->data);
    REQUIRE(info);
    REQUIRE(info->fingerprint);
    CHECK(*info->fingerprint == r.card()->fingerprint);
    CHECK(fp.raw.size() == 7 + 3 + 6 + 256 + 1024 + 1024 + 1);
    CHECK(fp.done == sim::Time{4s + 650ms + r.wire_time(fp.raw.size())});

    IdCardReader plain("k/idcard2", 16, IdCardReaderConfig::from_json(json{{"fingerprint_command", false}}));
    Host h2{plain};
    CHECK(h2.sw3(sim::Time{1s}, SamCommand::read_text_photo_fingerprint) == Sw3::bad_command);
    // A drawn SAM id is stable for a seed.
    CHECK(IdCardReader("a", 5).sam_id() == IdCardReader("b", 5).sam_id());
    CHECK_FALSE(IdCardReader("a", 5).sam_id() == IdCardReader("a", 6).sam_id());
}

TEST_CASE("a polling storm fills a short queue; the rest is lost, nothing grows", "[devices][idcard]") {
    IdCardReader r("k/idcard", 17);
    Host h{r};
    Bytes storm;
    for (int i = 0; i < 1000; ++i) {
        const Bytes f = req(SamCommand::find);
        storm.insert(storm.end(), f.begin(), f.end());
    }
    h.send(sim::Time{1s}, storm);
    CHECK(r.describe(sim::Time{1s})["state"]["queued_requests"] == 7);  // one in hand, seven waiting
    CHECK(r.queued_requests() == 7);
    CHECK(r.busy());
    CHECK(r.dropped_requests() == 992);
    h.run_until(sim::Time{5s});
    protocol::SamDecoder d;
    const auto ev = d.feed(h.out);
    CHECK(ev.size() == 8);
    // One after the other: each 20 ms of search after the previous answer went out.
    CHECK(h.at.back() == sim::Time{1s + 8 * (20ms + r.wire_time(11))});
}

TEST_CASE("actions: insert, generate, replace, remove, and clear errors", "[devices][idcard]") {
    IdCardReader r("k/idcard", 18);
    const auto t = sim::Time{std::chrono::hours(24 * 400)};  // "today" moves with virtual time
    auto ok = r.act(t, json{{"action", "insert_card"}, {"generate", {{"age", 50}, {"validity", "long_term"}}}});
    REQUIRE(ok.ok);
    CHECK(ok.data["card"]["valid_to"] == "长期");
    CHECK(ok.data["summary"]["id_number"] == protocol::mask_id(ok.data["card"]["id_number"].get<std::string>()));
    CHECK(r.today(t) == protocol::CivilDate{2027, 7, 6});
    auto again = r.act(t, json{{"action", "insert_card"}, {"preset", "expired"}});
    CHECK_FALSE(again.ok);
    CHECK(again.error == "insert_card: a card is already on the reader (remove_card first, or \"replace\": true)");
    auto rep = r.act(t, json{{"action", "insert_card"}, {"preset", "expired"}, {"replace", true}});
    REQUIRE(rep.ok);
    CHECK(rep.data["expired"] == true);
    auto rare = r.act(t, json{{"action", "insert_card"}, {"preset", "rare_characters"}, {"replace", true}});
    REQUIRE(rare.ok);
    CHECK(rare.data["text_issues"][0]["field"] == "name");
    const json card = rep.data["card"];
    CHECK(r.act(t, json{{"action", "insert_card"}, {"card", card}, {"replace", true}, {"damaged", true}}).ok);
    CHECK(r.status(t) == DeviceStatus{Health::warn, {"card-unreadable", "card-present"}});
    json bad = card;
    bad["sex"] = "3";
    const auto refused = r.act(t, json{{"action", "insert_card"}, {"card", bad}, {"replace", true}});
    CHECK_FALSE(refused.ok);
    CHECK(refused.error == "insert_card: card.sex: must be \"1\" (male) or \"2\" (female)");
    CHECK(r.act(t, json{{"action", "insert_card"}, {"preset", "gold"}, {"replace", true}}).error.rfind("insert_card: unknown preset \"gold\"; known: resident, expired", 0) == 0);
    CHECK(r.act(t, json{{"action", "insert_card"}, {"wallet", true}}).error ==
          "insert_card: unknown key \"wallet\" (use card, generate, preset, damaged, replace)");
    CHECK(r.act(t, json{{"action", "remove_card"}}).ok);
    CHECK(r.act(t, json{{"action", "remove_card"}}).error == "remove_card: no card on the reader");
    CHECK(r.act(t, json{{"action", "power_cycle"}}).ok);
    CHECK_FALSE(r.act(t, json{{"action", "inject_fault"}, {"fault", "on_fire"}}).ok);
    const json d = r.describe(t);
    CHECK(d["actions"] == json{"describe", "inject_fault", "clear_fault", "insert_card", "remove_card", "power_cycle"});
    CHECK(d["faults"]["known"].size() == IdCardReader::fault_names().size());
    CHECK(d["state"]["session"] == "idle");
}

TEST_CASE("config: every key round-trips, unknown keys and bad values are named", "[devices][idcard]") {
    const IdCardReaderConfig c = IdCardReaderConfig::from_json(
        json{{"baud", 57600}, {"read_ms", 800}, {"jitter_ms", 5}, {"reference_date", "2030-02-03"}, {"max_queued_requests", 2}});
    CHECK(c.baud == 57600);
    CHECK(c.read_ms == 800);
    CHECK(c.reference_date == protocol::CivilDate{2030, 2, 3});
    CHECK(IdCardReaderConfig::from_json(c.to_json()).to_json() == c.to_json());
    CHECK_THROWS_WITH(IdCardReaderConfig::from_json(json{{"speed", 1}}), "idcard_reader config: unknown key \"speed\"");
    CHECK_THROWS_WITH(IdCardReaderConfig::from_json(json{{"baud", 4800}}),
                      "idcard_reader config: \"baud\" must be one of 115200, 57600, 38400, 19200, 9600");
    CHECK_THROWS_AS(IdCardReaderConfig::from_json(json{{"read_ms", -1}}), std::invalid_argument);
    CHECK_THROWS_WITH(IdCardReaderConfig::from_json(json{{"rx_timeout_ms", 0}}),
                      "idcard_reader config: \"rx_timeout_ms\" must be at least 1");
    CHECK_THROWS_AS(IdCardReaderConfig::from_json(json{{"sam_id", "12"}}), std::invalid_argument);
    CHECK_THROWS_AS(IdCardReaderConfig::from_json(json{{"reads_permits", "no"}}), std::invalid_argument);
    // Jitter is drawn from the device's seed: the same seed, the same timing.
    auto timing = [](std::uint64_t seed) {
        IdCardReader r("k/idcard", seed, IdCardReaderConfig::from_json(json{{"jitter_ms", 30}}));
        Host h{r};
        std::vector<sim::Time> v;
        for (int i = 0; i < 5; ++i) v.push_back(h.exchange(sim::Time{std::chrono::seconds(i)}, req(SamCommand::find)).done);
        return v;
    };
    CHECK(timing(1) == timing(1));
    CHECK(timing(1) != timing(2));
}

TEST_CASE("a recorded session replays identically, and the trace masks ID numbers (R-9.3-1)", "[devices][idcard][trace]") {
    std::stringstream file;
    JsonLinesTrace sink(file);
    const json rule{{"action", "inject_fault"}, {"fault", "read_fail"}, {"trigger", "probability"}, {"p", 0.3}, {"operation", "read"}};
    std::string id_number;
    {
        IdCardReader r("kiosk-1/idcard", 77);
        r.set_trace(&sink);
        Host h{r};
        r.act(sim::epoch_time, rule);
        insert(r, sim::epoch_time);
        id_number = r.card()->text.id_number;
        for (int i = 0; i < 10; ++i) full_read(h, sim::Time{std::chrono::seconds(10 * i)});
        h.send(sim::Time{200s}, hx("13 AA 00 AA AA AA 96 69 00 03 20 01 23"));  // noise and a bad CHK
        h.run_until(sim::Time{300s});
    }
    const auto records = read_trace(file);
    const std::string text = file.str();
    CHECK(text.find(protocol::mask_id(id_number)) != std::string::npos);
    std::size_t outs = 0;
    for (const auto& rec : records) {
        if (rec.dir != "out") continue;
        ++outs;
        CHECK(rec.frame.dump().find(id_number) == std::string::npos);  // decoded answers show it masked
    }
    CHECK(outs == 31);
    IdCardReader fresh("kiosk-1/idcard", 77);
    fresh.act(sim::epoch_time, rule);
    insert(fresh, sim::epoch_time);
    const ReplayResult res = replay(fresh, records, "kiosk-1/idcard", /*apply_events=*/false);
    CHECK(res.inputs == 31);
    CHECK(res.matches());
}

}  // namespace devices_idcard_reader_test
