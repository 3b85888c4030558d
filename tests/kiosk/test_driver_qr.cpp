// The QR scanner driver against the real scanner model in virtual time: reads
// with each suffix (and none), a prefix, GBK payloads, %%NoRead, duplicate
// suppression, timeouts, host-triggered scanning, SSI polls, and the serial
// line dropping (R-8.3-1), each ending in its error keyword and status (R-7.2-1).
#include <kiosktwin/devices/qr_scanner.hpp>
#include <kiosktwin/kiosk/drivers/qr_scanner.hpp>
#include <kiosktwin/kiosk/virtual_channels.hpp>

#include "driver_support.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace kiosk_driver_qr_test {

using namespace kiosktwin;
using namespace std::chrono_literals;
using devices::Health;
using kiosk::QrScan;
using nlohmann::json;
using Reasons = std::vector<std::string>;

namespace {

struct Bench {
    explicit Bench(devices::QrScannerConfig config = {}, kiosk::QrScannerOptions options = {})
        : dev("k1/qr", 11, std::move(config)), ch(host, dev), drv(ch, std::move(options)) {}

    json act(const json& action) { return driver_test::act(host, dev, action); }
    json scan(const std::string& data) { return act(json{{"action", "scan"}, {"data", data}}); }
    void fault(json rule) { driver_test::inject(host, dev, std::move(rule)); }
    // At `when`, does `f` (a citizen showing a code, a cable pulled).
    template <class F>
    void at(sim::Duration when, F f) {
        driver_test::at(s, when, std::move(f));
    }
    void scan_at(sim::Duration when, std::string data) {
        at(when, [this, data] { scan(data); });
    }
    // Runs a driver operation to its end, and stops there.
    template <class T>
    T run(sim::Process<T> p) {
        return driver_test::run_to_end(s, std::move(p));
    }
    QrScan wait(sim::Duration timeout) { return run(drv.wait_scan(timeout)); }
    Health poll() { return run(drv.poll()); }

    sim::Simulation s;
    kiosk::VirtualDeviceHost host{s};
    devices::QrScanner dev;
    kiosk::VirtualStreamChannel ch;
    kiosk::QrScannerDriver drv;
};

const std::string k_code = "ESSC110000:0123456789ABCDEF";

}  // namespace

TEST_CASE("R-7.2-1: the driver is a qr_scanner; an SSI poll finds it", "[kiosk][qr][R-7.2-1]") {
    Bench b;
    CHECK(b.drv.kind() == "qr_scanner");
    CHECK(b.drv.status().health == Health::absent);
    CHECK(b.poll() == Health::ok);
    CHECK(b.drv.status().reasons.empty());
    CHECK(b.drv.counters().polls == 1);
    CHECK(b.dev.mode() == devices::ScanMode::continuous);  // the poll's stop-session changed nothing
}

TEST_CASE("R-8.3-1: a scan is decoded with each suffix", "[kiosk][qr][R-8.3-1]") {
    const auto suffix = GENERATE(protocol::ScanSuffix::cr, protocol::ScanSuffix::lf, protocol::ScanSuffix::crlf,
                                 protocol::ScanSuffix::none);
    devices::QrScannerConfig c;
    c.suffix = suffix;
    Bench b(c);
    b.scan_at(1s, k_code);
    const QrScan r = b.wait(5s);
    INFO(protocol::to_string(suffix));
    REQUIRE(r.ok());
    CHECK(r.text == k_code);
    CHECK_FALSE(r.gbk);
    // Shown at 1 s, 120 ms to decode, then the line at 9600 baud (≈ 1 ms a byte).
    const sim::Time last_byte = sim::Time{1s + 120ms} + b.dev.wire_time(k_code.size() + protocol::suffix_text(suffix).size());
    if (suffix == protocol::ScanSuffix::none) {
        // Nothing ends the line: the decoder's idle flush does, 100 ms after the last byte.
        CHECK_FALSE(r.terminated);
        CHECK(b.s.now() >= last_byte + 100ms);
        CHECK(b.s.now() < last_byte + 150ms);
    } else {
        CHECK(r.terminated);
        CHECK(b.s.now() >= last_byte);
        CHECK(b.s.now() < last_byte + 20ms);
    }
    CHECK(b.drv.status().health == Health::ok);  // a read proves the scanner is there
}

TEST_CASE("the scanner's prefix is removed", "[kiosk][qr]") {
    devices::QrScannerConfig c;
    c.prefix = "QR:";
    kiosk::QrScannerOptions o;
    o.prefix = "QR:";
    Bench b(c, o);
    b.scan_at(100ms, k_code);
    const QrScan r = b.wait(2s);
    REQUIRE(r.ok());
    CHECK(r.text == k_code);
}

TEST_CASE("a line that lost its suffix is completed by the idle flush", "[kiosk][qr]") {
    Bench b;
    b.fault(json{{"fault", "missing_suffix"}, {"trigger", "nth"}, {"n", 1}, {"operation", "scan"}});
    b.scan_at(100ms, "first");
    b.scan_at(2s, "second");
    QrScan r = b.wait(5s);
    REQUIRE(r.ok());
    CHECK(r.text == "first");
    CHECK_FALSE(r.terminated);
    r = b.wait(5s);
    REQUIRE(r.ok());
    CHECK(r.text == "second");
    CHECK(r.terminated);
}

TEST_CASE("a GBK payload becomes UTF-8", "[kiosk][qr]") {
    Bench b;
    b.fault(json{{"fault", "gbk_payload"}, {"trigger", "now"}});
    std::string payload;
    b.at(100ms, [&] { payload = b.act(json{{"action", "scan"}, {"code", "licence"}})["payload"].get<std::string>(); });
    QrScan r = b.wait(5s);
    REQUIRE(r.ok());
    CHECK(r.gbk);
    CHECK(r.text == payload);
    CHECK(r.text.find("营业执照") != std::string::npos);

    SECTION("a scanner known to send GBK") {
        kiosk::QrScannerOptions o;
        o.encoding = kiosk::ScanEncoding::gbk;
        Bench g({}, o);
        g.fault(json{{"fault", "gbk_payload"}, {"trigger", "now"}});
        g.scan_at(100ms, "社保卡");
        r = g.wait(5s);
        REQUIRE(r.ok());
        CHECK(r.text == "社保卡");
    }
    SECTION("a scanner said to send UTF-8 that sends GBK: bad-data, WARN") {
        kiosk::QrScannerOptions o;
        o.encoding = kiosk::ScanEncoding::utf8;
        Bench u({}, o);
        REQUIRE(u.poll() == Health::ok);
        u.fault(json{{"fault", "gbk_payload"}, {"trigger", "now"}});
        u.scan_at(100ms, "社保卡");
        r = u.wait(5s);
        CHECK(r.error == "bad-data");
        CHECK(u.drv.status().health == Health::warn);
        CHECK(u.drv.status().reasons == Reasons{"bad-data"});
    }
}

TEST_CASE("a code the scanner cannot decode is no-read", "[kiosk][qr][R-7.2-1]") {
    Bench b;
    REQUIRE(b.poll() == Health::ok);
    SECTION("an unreadable code shown") {
        b.at(100ms, [&] { b.act(json{{"action", "fail_scan"}}); });
        CHECK(b.wait(5s).error == "no-read");
    }
    SECTION("the scanner's no_read fault") {
        b.fault(json{{"fault", "no_read"}, {"trigger", "nth"}, {"n", 1}, {"operation", "scan"}});
        b.scan_at(100ms, k_code);
        CHECK(b.wait(5s).error == "no-read");
        b.scan_at(200ms, k_code);
        CHECK(b.wait(5s).text == k_code);
    }
    CHECK(b.drv.status().health == Health::ok);  // the citizen's code, not the scanner
}

TEST_CASE("duplicate reads of one code within the window are dropped", "[kiosk][qr]") {
    Bench b;
    SECTION("the scanner's duplicate_read fault (the same line again 400 ms later)") {
        b.fault(json{{"fault", "duplicate_read"}, {"trigger", "now"}});
        b.scan_at(100ms, k_code);
        QrScan r = b.wait(5s);
        REQUIRE(r.ok());
        CHECK(r.text == k_code);
        // The copy arrives while the next wait runs, and is dropped.
        r = b.wait(2s);
        CHECK(r.error == "timeout");
        CHECK(b.dev.reads() == 1);
    }
    SECTION("the same code shown twice in a second, then again after the window") {
        b.scan_at(100ms, k_code);
        b.scan_at(700ms, k_code);
        b.scan_at(700ms + 1500ms, k_code);
        const QrScan first = b.wait(5s);
        REQUIRE(first.ok());
        const sim::Time first_at = b.s.now();
        const QrScan second = b.wait(5s);
        REQUIRE(second.ok());
        CHECK(second.text == k_code);
        CHECK(b.s.now() - first_at > 2s);  // the read at 0.7 s was skipped
    }
    SECTION("a different code right after is not a duplicate") {
        b.scan_at(100ms, k_code);
        b.scan_at(300ms, "28" + std::string(16, '7'));
        CHECK(b.wait(5s).text == k_code);
        CHECK(b.wait(5s).text == "28" + std::string(16, '7'));
    }
}

TEST_CASE("nothing shown: timeout, reads that came earlier are taken first", "[kiosk][qr]") {
    Bench b;
    QrScan r = b.wait(1500ms);
    CHECK(r.error == "timeout");
    CHECK(b.s.now() == sim::Time{1500ms});
    CHECK(b.drv.status().health == Health::absent);  // a silent line tells nothing
    // A code shown while nobody waited is the next read...
    b.scan(k_code);
    b.s.run();
    r = b.wait(1s);
    REQUIRE(r.ok());
    CHECK(r.text == k_code);
    // ...unless the screen starts clean.
    b.scan("another");
    b.s.run();
    b.drv.discard_pending();
    CHECK(b.wait(1s).error == "timeout");
}

TEST_CASE("bursty lines and long payloads", "[kiosk][qr]") {
    SECTION("a line in 8-byte chunks 40 ms apart is one read") {
        Bench b;
        b.fault(json{{"fault", "bursty"}, {"trigger", "now"}});
        b.scan_at(100ms, k_code);
        const QrScan r = b.wait(5s);
        REQUIRE(r.ok());
        CHECK(r.text == k_code);
    }
    SECTION("a payload longer than the driver takes is bad-data") {
        kiosk::QrScannerOptions o;
        o.max_line = 1024;
        Bench b({}, o);
        b.fault(json{{"fault", "long_payload"}, {"trigger", "nth"}, {"n", 1}, {"operation", "scan"},
                     {"params", {{"bytes", 2000}}}});
        b.scan_at(100ms, k_code);
        QrScan r = b.wait(5s);
        CHECK(r.error == "bad-data");
        CHECK(b.drv.status().health == Health::warn);
        CHECK(b.drv.status().reasons == Reasons{"bad-data"});
        // The rest of the long line is skipped; the next code reads.
        b.scan_at(100ms, k_code);
        r = b.wait(5s);
        REQUIRE(r.ok());
        CHECK(r.text == k_code);
        // The warning fades once the window has passed.
        b.s.run_until(b.s.now() + 61s);
        CHECK(b.poll() == Health::ok);
    }
}

TEST_CASE("host-triggered scanning", "[kiosk][qr][trigger]") {
    devices::QrScannerConfig c;
    c.trigger_timeout = 2s;
    kiosk::QrScannerOptions o;
    o.trigger = true;
    o.trigger_timeout = 2s;
    Bench b(c, o);
    SECTION("the driver puts the scanner in host-trigger mode, T reads the code shown") {
        CHECK(b.poll() == Health::ok);
        CHECK(b.dev.mode() == devices::ScanMode::host_trigger);
        b.scan_at(500ms, k_code);
        const QrScan r = b.wait(5s);
        REQUIRE(r.ok());
        CHECK(r.text == k_code);
        CHECK_FALSE(b.dev.triggered());
    }
    SECTION("the scanner's own trigger timeout (%%NoRead) is not the citizen's: trigger again") {
        b.scan_at(3500ms, k_code);
        const QrScan r = b.wait(10s);
        REQUIRE(r.ok());
        CHECK(r.text == k_code);
        CHECK(b.dev.mode() == devices::ScanMode::host_trigger);
    }
    SECTION("a code that does not decode while triggered is no-read") {
        b.at(500ms, [&] { b.act(json{{"action", "fail_scan"}}); });
        CHECK(b.wait(5s).error == "no-read");
    }
    SECTION("a wait that times out stops the trigger with P") {
        const QrScan r = b.wait(1s);
        CHECK(r.error == "timeout");
        b.s.run();
        CHECK_FALSE(b.dev.triggered());
        // A code shown now is not read until the next trigger.
        CHECK(b.scan(k_code)["emitted"] == false);
    }
}

TEST_CASE("R-7.2-1: a scanner that does not answer its poll is FAULT", "[kiosk][qr][R-7.2-1]") {
    SECTION("disabled: it ignores everything") {
        Bench b;
        REQUIRE(b.poll() == Health::ok);
        b.fault(json{{"fault", "disabled"}, {"trigger", "now"}});
        CHECK(b.poll() == Health::fault);
        CHECK(b.drv.status().reasons == Reasons{"no-reply"});
        CHECK(b.drv.counters().retries == 2);
        b.act(json{{"action", "clear_fault"}});
        // It answers again; the unanswered frames are remembered for a while.
        CHECK(b.poll() == Health::warn);
        CHECK(b.drv.status().reasons == Reasons{"unstable-line"});
        b.s.run_until(b.s.now() + 61s);
        CHECK(b.poll() == Health::ok);
    }
    SECTION("a scanner without SSI cannot be asked; a driver that knows it judges by the line") {
        devices::QrScannerConfig c;
        c.ssi = false;
        Bench silent(c);
        CHECK(silent.poll() == Health::fault);
        kiosk::QrScannerOptions o;
        o.ssi = false;
        Bench b(c, o);
        CHECK(b.poll() == Health::ok);
        b.scan_at(100ms, k_code);
        CHECK(b.wait(2s).text == k_code);
    }
}

TEST_CASE("R-7.2-1: a scanner line that breaks is ABSENT, and OK again once it reopens", "[kiosk][qr][R-7.2-1][R-8.3-1]") {
    Bench b;
    REQUIRE(b.poll() == Health::ok);
    SECTION("pulled and not back") {
        b.ch.break_line(kiosk::ChannelError::closed);
        b.ch.set_unplugged(true);
        CHECK(b.wait(5s).error == "line-down");
        CHECK(b.drv.status().health == Health::absent);
        CHECK(b.drv.status().reasons == Reasons{"line-down"});
        CHECK(b.poll() == Health::absent);
        b.ch.set_unplugged(false);
        CHECK(b.poll() == Health::ok);
        b.scan_at(100ms, k_code);
        CHECK(b.wait(2s).text == k_code);
    }
    SECTION("pulled while waiting for a scan") {
        b.at(500ms, [&] {
            b.ch.break_line(kiosk::ChannelError::reset);
            b.ch.set_unplugged(true);
        });
        const QrScan r = b.wait(5s);
        CHECK(r.error == "line-down");
        CHECK(b.drv.status().health == Health::absent);
    }
    SECTION("a reset line is reopened by the next wait") {
        b.ch.break_line(kiosk::ChannelError::reset);
        b.scan_at(1s, k_code);
        const QrScan r = b.wait(5s);
        REQUIRE(r.ok());
        CHECK(r.text == k_code);
        CHECK(b.drv.status().health == Health::ok);
    }
}

}  // namespace kiosk_driver_qr_test
