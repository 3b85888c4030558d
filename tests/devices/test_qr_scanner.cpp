// The QR scanner model (peripherals.md §2.4, H9; R-8.3-1 serial line device;
// R-7.2-1 status), fed directly in virtual time.
#include <kiosktwin/devices/qr_scanner.hpp>
#include <kiosktwin/devices/trace.hpp>
#include <kiosktwin/protocol/scanner.hpp>

#include <catch2/catch.hpp>

#include <regex>

namespace devices_qr_scanner_test {

using namespace kiosktwin;
using namespace kiosktwin::devices;
using namespace std::chrono_literals;
using nlohmann::json;
namespace proto = kiosktwin::protocol;

namespace {

sim::Time at(sim::Duration d) { return sim::Time{d}; }
Bytes b(std::string_view s) { return Bytes(s.begin(), s.end()); }
std::string str(const Bytes& v) { return std::string(v.begin(), v.end()); }
Bytes h(std::initializer_list<int> v) {
    Bytes out;
    for (int x : v) out.push_back(static_cast<std::uint8_t>(x));
    return out;
}

QrScannerConfig host_trigger() {
    QrScannerConfig c;
    c.mode = ScanMode::host_trigger;
    return c;
}

void fault(Device& d, sim::Time now, json rule) {
    rule["action"] = "inject_fault";
    const ActionResult r = d.act(now, rule);
    INFO(r.error);
    REQUIRE(r.ok);
}

json scan(QrScanner& s, sim::Time now, const std::string& data) {
    const ActionResult r = s.act(now, json{{"action", "scan"}, {"data", data}});
    INFO(r.error);
    REQUIRE(r.ok);
    return r.data;
}

// Everything the scanner sends by `until`, as one string.
std::string drain(QrScanner& s, sim::Time until) {
    s.on_wakeup(until);
    return str(s.take_output(until));
}

}  // namespace

TEST_CASE("continuous mode: a scan is sent as data + CR at 9600 8N1 after the decode latency (§2.4)",
          "[qr_scanner][timing]") {
    QrScanner s("k1/qr", 1);
    CHECK(s.kind() == "qr_scanner");
    CHECK(s.baud() == 9600);
    const json r = scan(s, at(1s), "6901234567892");
    CHECK(r["emitted"] == true);
    // 14 bytes at 9600 baud: 14.583 ms of wire time after 120 ms of decoding.
    const sim::Time done = at(1s + 120ms + s.wire_time(14));
    CHECK(r["complete_at_s"] == Approx(sim::seconds_since_epoch(done)));
    CHECK(s.next_wakeup() == at(1s + 120ms + s.wire_time(1)));
    CHECK(s.take_output(at(1s + 120ms)).empty());
    CHECK(str(s.take_output(at(1s + 120ms + s.wire_time(4)))) == "6901");
    CHECK(str(s.take_output(done)) == "234567892\r");
    CHECK(s.next_wakeup() == sim::end_of_time);
    CHECK(s.reads() == 1);
}

TEST_CASE("a failed decode sends %%NoRead with the suffix (§2.4)", "[qr_scanner]") {
    QrScannerConfig c;
    c.suffix = proto::ScanSuffix::crlf;
    c.prefix = "]Q1";
    QrScanner s("k1/qr", 1, c);
    REQUIRE(s.act(at(0s), json{{"action", "fail_scan"}}).ok);
    scan(s, at(0s), "ok");
    CHECK(drain(s, at(1s)) == "%%NoRead\r\n]Q1ok\r\n");
}

TEST_CASE("synthetic codes are plausible and reproducible from the seed", "[qr_scanner]") {
    const auto payload = [](std::uint64_t seed, const char* kind) {
        QrScanner s("k1/qr", seed);
        const ActionResult r = s.act(at(0s), json{{"action", "scan"}, {"code", kind}});
        REQUIRE(r.ok);
        CHECK(drain(s, at(2s)) == r.data["payload"].get<std::string>() + "\r");
        return r.data["payload"].get<std::string>();
    };
    CHECK(std::regex_match(payload(1, "e_id"), std::regex("CTID:[0-9A-F]{64}")));
    CHECK(std::regex_match(payload(1, "e_ssc"), std::regex("ESSC110000:[0-9A-F]{32}")));
    CHECK(std::regex_match(payload(1, "medical"), std::regex("1[0-9]{27}")));
    CHECK(std::regex_match(payload(1, "payment"), std::regex("28[0-9]{16}")));
    CHECK(payload(1, "payment") == payload(1, "payment"));
    CHECK(payload(1, "payment") != payload(2, "payment"));

    // The licence carries a unified social credit code with a valid check character (GB 32100).
    const std::string licence = payload(3, "licence");
    std::smatch m;
    REQUIRE(std::regex_search(licence, m, std::regex("统一社会信用代码:([0-9A-Z]{18})")));
    const std::string code = m[1];
    const std::string chars = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    const int w[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    int sum = 0;
    for (int i = 0; i < 17; ++i) sum += static_cast<int>(chars.find(code[static_cast<std::size_t>(i)])) * w[i];
    CHECK(chars[static_cast<std::size_t>((31 - sum % 31) % 31)] == code[17]);

    QrScanner s("k1/qr", 1);
    CHECK_FALSE(s.act(at(0s), json{{"action", "scan"}, {"code", "passport"}}).ok);
    CHECK_FALSE(s.act(at(0s), json{{"action", "scan"}, {"data", ""}}).ok);
    CHECK_FALSE(s.act(at(0s), json{{"action", "scan"}, {"data", 5}}).ok);
    CHECK_FALSE(s.act(at(0s), json{{"action", "scan"}}).ok);
    CHECK_FALSE(s.output_pending());
}

TEST_CASE("host trigger: T reads the code in view, once; P stops; the trigger times out with %%NoRead",
          "[qr_scanner][trigger]") {
    QrScanner s("k1/qr", 1, host_trigger());
    // A code shown without a trigger waits in view.
    json r = scan(s, at(1s), "ABC");
    CHECK(r["emitted"] == false);
    CHECK(r["reason"] == "not-triggered");
    CHECK(drain(s, at(2s)).empty());
    s.on_bytes(at(2s), b("T"));
    CHECK(drain(s, at(2s + 120ms + s.wire_time(4))) == "ABC\r");
    CHECK_FALSE(s.triggered());  // one read ends the trigger

    // A trigger with nothing in view ends after 5 s with %%NoRead.
    s.on_bytes(at(10s), b("T"));
    CHECK(s.triggered());
    CHECK(s.next_wakeup() == at(15s));
    CHECK(drain(s, at(15s) - 1us).empty());
    CHECK(drain(s, at(15s) + s.wire_time(9)) == "%%NoRead\r");
    CHECK_FALSE(s.triggered());

    // P stops a read: no %%NoRead, and a later code waits for the next trigger.
    s.on_bytes(at(20s), b("T"));
    s.on_bytes(at(21s), b("P"));
    CHECK(drain(s, at(30s)).empty());
    CHECK(scan(s, at(30s), "X")["emitted"] == false);
    // ...for view_hold (3 s) only.
    s.on_bytes(at(33s) + 1ms, b("T"));
    CHECK(drain(s, at(34s)).empty());
    s.on_bytes(at(34s), b("P"));

    // While triggered, a code is read at once.
    s.on_bytes(at(40s), b("T"));
    CHECK(scan(s, at(41s), "Y")["emitted"] == true);
    CHECK(drain(s, at(42s)) == "Y\r");
}

TEST_CASE("host trigger: R and the manual's 0x35 restart the trigger's timeout", "[qr_scanner][trigger]") {
    for (std::uint8_t restart : {std::uint8_t{'R'}, std::uint8_t{0x35}}) {
        QrScannerConfig c = host_trigger();
        c.no_read_on_timeout = false;
        QrScanner s("k1/qr", 1, c);
        s.on_bytes(at(0s), b("T"));
        s.on_bytes(at(4s), ByteView(&restart, 1));
        CHECK(s.next_wakeup() == at(9s));
        s.on_wakeup(at(9s));
        CHECK_FALSE(s.triggered());
        CHECK(drain(s, at(20s)).empty());  // no %%NoRead when so configured
    }
}

TEST_CASE("continuous mode ignores trigger commands", "[qr_scanner][trigger]") {
    QrScanner s("k1/qr", 1);
    s.on_bytes(at(0s), b("TPR"));
    CHECK_FALSE(s.triggered());
    CHECK(drain(s, at(10s)).empty());
}

TEST_CASE("SSI frames switch to host trigger, reset to defaults, and are acknowledged (§2.4)", "[qr_scanner][ssi]") {
    QrScanner s("k1/qr", 1);
    const Bytes ack = h({0x04, 0xD0, 0x00, 0x00, 0xFF, 0x2C});
    // The manual's host-trigger frame, split across two writes.
    s.on_bytes(at(0s), h({0x07, 0xC6, 0x04, 0x08}));
    s.on_bytes(at(0s) + 5ms, h({0x00, 0x8A, 0x07, 0xFE, 0x96}));
    CHECK(s.mode() == ScanMode::host_trigger);
    CHECK(s.take_output(at(1s)) == ack);
    CHECK(scan(s, at(1s), "Z")["emitted"] == false);
    // SSI START_SESSION works as T.
    s.on_bytes(at(1s), h({0x04, 0xE4, 0x04, 0x00, 0xFF, 0x14}));
    CHECK(str(s.take_output(at(2s))) == str(ack) + "Z\r");
    // The manual's reset-to-default frame.
    s.on_bytes(at(3s), h({0x08, 0xC6, 0x04, 0x08, 0x00, 0xF2, 0xFF, 0x00, 0xFD, 0x35}));
    CHECK(s.mode() == ScanMode::continuous);
    CHECK(s.take_output(at(4s)) == ack);
    // A corrupt checksum is NAKed (resend), an unknown opcode denied.
    s.on_bytes(at(5s), h({0x07, 0xC6, 0x04, 0x08, 0x00, 0x8A, 0x07, 0xFE, 0x97}));
    CHECK(s.take_output(at(6s)) == proto::ssi_nak(proto::k_ssi_nak_resend));
    CHECK(s.mode() == ScanMode::continuous);
    s.on_bytes(at(7s), proto::encode_ssi(proto::SsiFrame{0x99, 0x04, 0x00, {}}));
    CHECK(s.take_output(at(8s)) == proto::ssi_nak(proto::k_ssi_nak_denied));
    // A frame cut short is dropped after the inter-byte timeout; the next one is read.
    s.on_bytes(at(9s), h({0x07, 0xC6, 0x04}));
    s.on_bytes(at(10s), h({0x07, 0xC6, 0x04, 0x08, 0x00, 0x8A, 0x07, 0xFE, 0x96}));
    CHECK(s.mode() == ScanMode::host_trigger);
}

TEST_CASE("no_read on the nth scan (operation trigger)", "[qr_scanner][faults]") {
    QrScanner s("k1/qr", 1);
    fault(s, at(0s), json{{"fault", "no_read"}, {"trigger", "nth"}, {"n", 2}, {"operation", "scan"}});
    const char* codes[] = {"C0", "C1", "C2"};
    for (int i = 0; i < 3; ++i) scan(s, at(std::chrono::seconds(i)), codes[i]);
    CHECK(drain(s, at(10s)) == "C0\r%%NoRead\rC2\r");
}

TEST_CASE("duplicate reads with a seeded probability are reproducible", "[qr_scanner][faults]") {
    const auto run = [](std::uint64_t seed) {
        QrScanner s("k1/qr", seed);
        fault(s, at(0s), json{{"fault", "duplicate_read"}, {"trigger", "probability"}, {"p", 0.3}});
        std::string out;
        for (int i = 0; i < 100; ++i) {
            scan(s, at(std::chrono::seconds(i)), std::to_string(i % 10));
            out += drain(s, at(std::chrono::seconds(i) + 999ms));
        }
        return out;
    };
    const std::string a = run(4);
    CHECK(a == run(4));
    CHECK(a != run(5));
    const auto lines = static_cast<int>(std::count(a.begin(), a.end(), '\r'));
    CHECK(lines > 115);  // about 130 = 100 + 30 duplicates
    CHECK(lines < 145);

    // The duplicate follows the first read by the configured gap.
    QrScanner s("k1/qr", 1);
    fault(s, at(0s), json{{"fault", "duplicate_read"}, {"params", {{"gap_ms", 300}}}});
    scan(s, at(0s), "D");
    const sim::Time first = at(120ms + s.wire_time(2));
    CHECK(str(s.take_output(first)) == "D\r");
    CHECK(s.next_output_at() == first + 300ms + s.wire_time(1));
    CHECK(str(s.take_output(first + 300ms + s.wire_time(2))) == "D\r");
}

TEST_CASE("a window fault drops the suffix only while it holds; the kiosk flushes on silence",
          "[qr_scanner][faults]") {
    QrScanner s("k1/qr", 1);
    fault(s, at(0s), json{{"fault", "missing_suffix"}, {"trigger", "window"}, {"at_s", 10}, {"duration_s", 5}});
    CHECK(s.next_wakeup() == at(10s));
    proto::ScanLineDecoder kiosk(proto::ScanLineDecoderConfig{"", 100ms, 8192, true});
    std::vector<proto::ScanLine> lines;
    for (const auto& [t, code] : {std::pair{5, "S5"}, std::pair{11, "S11"}, std::pair{16, "S16"}}) {
        const sim::Time now = at(std::chrono::seconds(t));
        scan(s, now, code);
        const sim::Time done = now + 1s;
        for (auto& l : kiosk.feed(done.time_since_epoch(), s.take_output(done))) lines.push_back(l);
        for (auto& l : kiosk.poll((done + 200ms).time_since_epoch())) lines.push_back(l);
    }
    REQUIRE(lines.size() == 3);
    CHECK(lines[0].data == "S5");
    CHECK(lines[0].terminated);
    CHECK(lines[1].data == "S11");
    CHECK_FALSE(lines[1].terminated);  // ended by the kiosk's idle timeout
    CHECK(lines[2].terminated);
}

TEST_CASE("gbk_payload sends GBK bytes; long_payload pads to params.bytes", "[qr_scanner][faults]") {
    QrScanner s("k1/qr", 1);
    const std::string id = s.act(at(0s), json{{"action", "inject_fault"}, {"fault", "gbk_payload"}}).data["id"];
    scan(s, at(0s), "姓名:张三");
    CHECK(s.take_output(at(1s)) == h({0xD0, 0xD5, 0xC3, 0xFB, ':', 0xD5, 0xC5, 0xC8, 0xFD, '\r'}));
    REQUIRE(s.act(at(1s), json{{"action", "clear_fault"}, {"id", id}}).ok);

    fault(s, at(1s), json{{"fault", "long_payload"}, {"trigger", "nth"}, {"n", 1}, {"params", {{"bytes", 1000}}}});
    scan(s, at(2s), "LONG");
    // 1001 bytes at 9600 baud take over a second.
    const sim::Time done = at(2s + 120ms + s.wire_time(1001));
    CHECK(s.output_idle_at() == done);
    const std::string out = str(s.take_output(done));
    CHECK(out.size() == 1001);
    CHECK(out.substr(0, 8) == "LONG0123");
    CHECK(out.back() == '\r');
}

TEST_CASE("bursty output arrives in chunks with pauses, still one line for the kiosk", "[qr_scanner][faults]") {
    QrScannerConfig c;
    c.baud = 115200;
    QrScanner s("k1/qr", 1, c);
    fault(s, at(0s), json{{"fault", "bursty"}, {"params", {{"chunk", 4}, {"pause_ms", 40}}}});
    scan(s, at(0s), "0123456789");  // 11 bytes: chunks of 4, 4, 3
    const sim::Time first = at(120ms + s.wire_time(4));
    const Bytes chunk = s.take_output(first);
    CHECK(str(chunk) == "0123");
    CHECK(s.next_output_at() == first + 40ms + s.wire_time(1));
    CHECK(s.take_output(first + 39ms).empty());
    proto::ScanLineDecoder kiosk(proto::ScanLineDecoderConfig{"", 100ms, 8192, true});
    std::vector<proto::ScanLine> lines = kiosk.feed(first.time_since_epoch(), chunk);
    for (sim::Time t = first + 39ms; t < at(1s); t += 1ms)
        for (auto& l : kiosk.feed(t.time_since_epoch(), s.take_output(t))) lines.push_back(l);
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].data == "0123456789");
}

TEST_CASE("disabled (FAULT) ignores everything; disconnected (ABSENT) drops queued output (R-7.2-1)",
          "[qr_scanner][faults][status]") {
    QrScanner s("k1/qr", 1, host_trigger());
    CHECK(s.status(at(0s)) == DeviceStatus{});
    fault(s, at(0s), json{{"fault", "disabled"}, {"trigger", "now"}, {"duration_s", 10}});
    CHECK(s.status(at(1s)) == DeviceStatus{Health::fault, {"disabled"}});
    s.on_bytes(at(1s), b("T"));
    CHECK_FALSE(s.triggered());
    CHECK(scan(s, at(1s), "x")["reason"] == "disabled");
    CHECK(s.status(at(10s)).health == Health::ok);

    QrScanner c("k1/qr", 1);
    scan(c, at(0s), "0123456789");
    fault(c, at(0s), json{{"fault", "disconnected"}, {"trigger", "window"}, {"at_s", 0.125}, {"duration_s", 1}});
    CHECK(c.next_wakeup() == at(120ms + c.wire_time(1)));
    CHECK(str(c.take_output(at(120ms + c.wire_time(4)))) == "0123");
    c.on_wakeup(at(125ms));  // the cable comes out mid-line
    CHECK(c.status(at(125ms)) == DeviceStatus{Health::absent, {"disconnected"}});
    CHECK(scan(c, at(500ms), "lost")["emitted"] == false);
    CHECK(drain(c, at(2s)).empty());
    CHECK(c.status(at(2s)).health == Health::ok);
    CHECK(scan(c, at(2s), "back")["emitted"] == true);
}

TEST_CASE("config: JSON round trip, unknown keys and bad values are named", "[qr_scanner][config]") {
    const QrScannerConfig c = QrScannerConfig::from_json(
        json{{"baud", 115200}, {"mode", "host_trigger"}, {"suffix", "crlf"}, {"decode_ms", 50}, {"prefix", "]Q1"}});
    CHECK(c.baud == 115200);
    CHECK(c.mode == ScanMode::host_trigger);
    CHECK(c.decode_latency == 50ms);
    CHECK(QrScannerConfig::from_json(c.to_json()).to_json() == c.to_json());
    CHECK(QrScannerConfig::from_json(json::object()).to_json() == QrScannerConfig{}.to_json());
    CHECK_THROWS_WITH(QrScannerConfig::from_json(json{{"bauds", 9600}}), "qr_scanner config: unknown key \"bauds\"");
    CHECK_THROWS_WITH(QrScannerConfig::from_json(json{{"baud", 10}}),
                      "qr_scanner config: \"baud\" must be an integer in 1200..921600");
    CHECK_THROWS_WITH(QrScannerConfig::from_json(json{{"suffix", "tab"}}),
                      "qr_scanner config: \"suffix\" must be one of cr, crlf, lf, none");
    CHECK_THROWS_WITH(QrScannerConfig::from_json(json{{"mode", "auto"}}),
                      "qr_scanner config: \"mode\" must be \"continuous\" or \"host_trigger\"");
    CHECK_THROWS_AS(QrScannerConfig::from_json(json::array()), std::invalid_argument);
    QrScanner s("x", 1);
    const ActionResult r = s.act(at(0s), json{{"action", "inject_fault"}, {"fault", "on_fire"}});
    CHECK_FALSE(r.ok);
    CHECK(r.error.find("this device knows: no_read, duplicate_read") != std::string::npos);
}

TEST_CASE("reads are traced as decoded frames with their raw bytes", "[qr_scanner][trace]") {
    MemoryTrace trace;
    QrScanner s("k1/qr", 1, host_trigger());
    s.set_trace(&trace);
    s.on_bytes(at(0s), b("T"));
    scan(s, at(1s), "hello");
    const auto records = trace.records();
    REQUIRE(records.size() == 3);
    CHECK(records[0].dir == "in");
    CHECK(records[0].frame["input"] == "trigger_on");
    CHECK(records[1].dir == "out");
    CHECK(records[1].frame["data"] == "hello");
    CHECK(records[1].raw == b("hello\r"));
    CHECK(records[2].dir == "event");
    CHECK(records[2].frame["action"] == "scan");
    const json d = s.describe(at(1s));
    CHECK(d["state"]["mode"] == "host_trigger");
    CHECK(d["state"]["reads"] == 1);
    CHECK(d["faults"]["known"].size() == 8);
}

}  // namespace devices_qr_scanner_test
