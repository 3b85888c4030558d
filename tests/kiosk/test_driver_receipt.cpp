// The receipt printer driver against the ESC/POS printer model in virtual
// time: a receipt goes out and comes back as printed text; every fault the
// model's DLE EOT answers can show becomes the print error and the status of
// R-7.2-1; a TCP reset is survived before the job and reported (never resent)
// after it.
#include <kiosktwin/kiosk/device_host.hpp>
#include <kiosktwin/kiosk/drivers/receipt_printer.hpp>
#include <kiosktwin/kiosk/virtual_channels.hpp>
#include <kiosktwin/devices/receipt_printer.hpp>

#include "driver_support.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace kiosk_driver_receipt_test {

using namespace kiosktwin;
using namespace kiosktwin::kiosk;
using namespace std::chrono_literals;
using devices::Health;
using nlohmann::json;

namespace {

// 办件回执 (case receipt), 申请人 (applicant) in GB18030, as the kiosk sends them.
const std::string k_title = "\xB0\xEC\xBC\xFE\xBB\xD8\xD6\xB4";
const std::string k_applicant = "\xC9\xEA\xC7\xEB\xC8\xCB";
const std::string k_qr = "https://zwfw.example.gov.cn/c/BJ-2026-000123";

ReceiptDocument receipt() {
    ReceiptDocument d;
    d.title = k_title;
    d.lines = {{"Case No.", "BJ-2026-000123"}, {k_applicant, "Zhang San"}, {"ID", "1101**********1234"},
               {"Item", "Household registration certificate copy (2026)"}};
    d.qr = k_qr;
    d.footer = "Keep this receipt";
    return d;
}

// A receipt long enough to run through 20 mm of paper.
ReceiptDocument long_receipt() {
    ReceiptDocument d = receipt();
    for (int i = 0; i < 20; ++i) d.lines.push_back({"Material " + std::to_string(i + 1), "received"});
    return d;
}

struct Bench {
    sim::Simulation sim;
    VirtualDeviceHost host{sim};
    devices::ReceiptPrinter printer;
    VirtualStreamChannel line;
    ReceiptPrinterDriver driver;

    explicit Bench(devices::ReceiptPrinterConfig config = {}, ReceiptPrinterOptions options = {})
        : printer("kiosk-1/receipt", 7, config), line(host, printer), driver(line, options) {}

    json act(const json& action) { return driver_test::act(host, printer, action); }
    void inject(json rule) { driver_test::inject(host, printer, std::move(rule)); }
    // Does `f` at now + d, while whatever else is running runs.
    void at(sim::Duration d, std::function<void()> f) { driver_test::at(sim, d, std::move(f)); }
    template <class T>
    std::pair<T, sim::Duration> run(sim::Process<T> p) {
        return driver_test::run_timed(sim, std::move(p));
    }
    PrintResult print(ReceiptDocument d = receipt()) { return run(driver.print(std::move(d))).first; }
    Health poll() { return run(driver.poll()).first; }
};

using Reasons = std::vector<std::string>;

bool has_line(const protocol::escpos::Receipt& r, const std::string& s) {
    return std::find(r.lines.begin(), r.lines.end(), s) != r.lines.end();
}

}  // namespace

TEST_CASE("a receipt is printed, cut, and reads back as sent (R-8.3-1 raw ESC/POS)", "[driver][receipt][R-8.3-1][R-7.2-1]") {
    Bench b;
    // Lets the model show the title's Chinese as text rather than placeholders.
    b.printer.set_gb18030_decoder([](devices::ByteView ch) -> std::string {
        if (ch.size() != 2) return {};
        switch ((ch[0] << 8) | ch[1]) {
        case 0xB0EC: return "\xE5\x8A\x9E";  // 办
        case 0xBCFE: return "\xE4\xBB\xB6";  // 件
        case 0xBBD8: return "\xE5\x9B\x9E";  // 回
        case 0xD6B4: return "\xE6\x89\xA7";  // 执
        default: return {};
        }
    });
    const auto [r, took] = b.run(b.driver.print(receipt()));
    CHECK(r.ok());
    CHECK_FALSE(r.partial);
    CHECK_FALSE(r.paper_near_end);
    CHECK(r.bytes_sent == b.driver.render(receipt()).size() + 3);  // + GS r 1
    CHECK(took >= 300ms);  // printing the lines plus the 300 ms cut, not a fire-and-forget write
    CHECK(took < 5s);

    REQUIRE(b.printer.waiting_receipts().size() == 1);
    const protocol::escpos::Receipt& paper = b.printer.waiting_receipts().front();
    CHECK(paper.cut);
    CHECK(paper.qr_codes == std::vector<std::string>{k_qr});
    // The title is centred at double size: 4 characters x 2 columns x 2 = 16 of 48 columns.
    CHECK(paper.lines.front() == std::string(16, ' ') + "\xE5\x8A\x9E\xE4\xBB\xB6\xE5\x9B\x9E\xE6\x89\xA7");
    CHECK(std::find(paper.raw_lines.begin(), paper.raw_lines.end(), std::string(16, ' ') + k_title) != paper.raw_lines.end());
    // Label left, value right, 48 columns; a GB18030 character takes two.
    CHECK(has_line(paper, "Case No." + std::string(48 - 8 - 14, ' ') + "BJ-2026-000123"));
    CHECK(std::find(paper.raw_lines.begin(), paper.raw_lines.end(),
                    k_applicant + std::string(48 - 6 - 9, ' ') + "Zhang San") != paper.raw_lines.end());
    // Too long for one row: the value goes right-aligned under its label.
    CHECK(has_line(paper, "Item"));
    CHECK(has_line(paper, std::string(48 - 46, ' ') + "Household registration certificate copy (2026)"));
    CHECK(has_line(paper, std::string(15, ' ') + "Keep this receipt"));

    CHECK(b.driver.status().health == Health::ok);
    CHECK(b.driver.status().reasons.empty());
    CHECK(b.driver.status().consumables.at("paper") == 100);
    CHECK(b.driver.kind() == "receipt_printer");
    CHECK(b.driver.counters().operations == 1);
    CHECK(b.driver.counters().failures == 0);
}

TEST_CASE("the same driver prints over a serial line at 115200 baud (R-8.3-1)", "[driver][receipt][R-8.3-1]") {
    devices::ReceiptPrinterConfig c;
    c.baud = 115200;
    Bench b(c);
    const PrintResult r = b.print();
    CHECK(r.ok());
    REQUIRE(b.printer.waiting_receipts().size() == 1);
    CHECK(b.printer.waiting_receipts().front().qr_codes == std::vector<std::string>{k_qr});
    CHECK(b.driver.status().health == Health::ok);
}

TEST_CASE("control bytes in receipt text are printed as '?', not obeyed", "[driver][receipt]") {
    Bench b;
    ReceiptDocument d;
    d.lines = {{"Name", std::string("A\x10\x04\x01Z\x1B@")}};  // a DLE EOT and an ESC @ smuggled in as data
    const PrintResult r = b.print(d);
    REQUIRE(r.ok());
    REQUIRE(b.printer.waiting_receipts().size() == 1);
    CHECK(has_line(b.printer.waiting_receipts().front(), "Name" + std::string(48 - 4 - 7, ' ') + "A???Z?@"));
}

TEST_CASE("paper end before the job: nothing is sent, FAULT paper-end, greyed out", "[driver][receipt][R-7.2-1][R-7.2-2]") {
    devices::ReceiptPrinterConfig c;
    c.paper_mm = 0;
    Bench b(c);
    const PrintResult r = b.print();
    CHECK(r.error == "paper-end");
    CHECK(r.bytes_sent == 0);
    CHECK_FALSE(r.partial);
    CHECK(b.line.stats().bytes_out == 12);  // DLE EOT 1..4 and nothing else
    CHECK(b.printer.idle());
    CHECK(b.printer.waiting_receipts().empty());
    CHECK(b.driver.status().health == Health::fault);
    CHECK(b.driver.status().reasons == Reasons{"paper-end"});
    CHECK(b.driver.status().consumables.at("paper") == 0);
    CHECK_FALSE(b.driver.usable());  // the receipt function is greyed out (R-7.2-2)
    CHECK(b.driver.counters().failures == 1);
}

TEST_CASE("paper runs out mid-receipt: paper-end, partial; after a refill the rest comes out first", "[driver][receipt][R-7.2-1]") {
    devices::ReceiptPrinterConfig c;
    c.paper_mm = 20;  // about five lines
    Bench b(c);
    const PrintResult r = b.print(long_receipt());
    CHECK(r.error == "paper-end");
    CHECK(r.partial);
    CHECK(r.bytes_sent > 0);
    REQUIRE(b.printer.waiting_receipts().size() == 1);
    CHECK_FALSE(b.printer.waiting_receipts().front().cut);  // torn off at the end of the roll
    CHECK(b.driver.status().health == Health::fault);
    CHECK(b.driver.status().reasons == Reasons{"paper-end"});
    CHECK(b.driver.counters().failures == 1);

    b.act({{"action", "refill_paper"}});
    CHECK(b.poll() == Health::ok);
    CHECK(b.driver.status().consumables.at("paper") == 100);
    // The printer resumes the old job by itself; the next print waits for its
    // end, so the old job's end-of-job answer is not taken for the new one.
    const PrintResult again = b.print();
    CHECK(again.ok());
    const auto& slot = b.printer.waiting_receipts();
    REQUIRE(slot.size() == 3);  // torn piece, the rest of the first receipt, the second receipt
    CHECK(slot[1].cut);
    CHECK(has_line(slot[1], "Material 20" + std::string(48 - 11 - 8, ' ') + "received"));
    CHECK(slot[2].cut);
    CHECK(slot[2].qr_codes == std::vector<std::string>{k_qr});
    CHECK(b.printer.idle());
}

TEST_CASE("paper near end: the receipt prints, WARN paper-near-end", "[driver][receipt][R-7.2-1]") {
    devices::ReceiptPrinterConfig c;
    c.paper_mm = 2000;  // below the 3 m near-end mark
    Bench b(c);
    const PrintResult r = b.print();
    CHECK(r.ok());
    CHECK(r.paper_near_end);
    CHECK(b.driver.status().health == Health::warn);
    CHECK(b.driver.status().reasons == Reasons{"paper-near-end"});
    CHECK(b.driver.status().consumables.at("paper") == 10);
    CHECK(b.driver.usable());
}

TEST_CASE("cover open: refused, FAULT cover-open; closing it makes the function usable again", "[driver][receipt][R-7.2-1][R-7.2-2]") {
    Bench b;
    CHECK(b.poll() == Health::ok);
    b.act({{"action", "open_cover"}});
    const PrintResult r = b.print();
    CHECK(r.error == "cover-open");
    CHECK(r.bytes_sent == 0);
    CHECK(b.driver.status().reasons == Reasons{"cover-open"});
    CHECK_FALSE(b.driver.usable());
    b.act({{"action", "close_cover"}});
    CHECK(b.poll() == Health::ok);
    CHECK(b.driver.usable());
    CHECK(b.print().ok());
}

TEST_CASE("cover opened mid-receipt: the next status query stops the wait", "[driver][receipt][R-7.2-1]") {
    Bench b;
    b.at(150ms, [&] { b.act({{"action", "open_cover"}}); });
    const auto [r, took] = b.run(b.driver.print(long_receipt()));
    CHECK(r.error == "cover-open");
    CHECK(r.partial);
    CHECK(took <= 600ms);  // found at the first status_interval, not at job_timeout
    CHECK(b.driver.status().health == Health::fault);
    CHECK(b.printer.waiting_receipts().empty());  // nothing cut yet: the receipt waits in the printer
}

TEST_CASE("cutter jam on the cut: cutter-error, partial", "[driver][receipt][R-7.2-1]") {
    Bench b;
    b.inject({{"fault", "cutter_jam"}, {"trigger", "nth"}, {"n", 1}, {"operation", "cut"}});
    const PrintResult r = b.print();
    CHECK(r.error == "cutter-error");
    CHECK(r.partial);
    CHECK(b.driver.status().health == Health::fault);
    CHECK(b.driver.status().reasons == Reasons{"cutter-error"});
    CHECK(b.printer.waiting_receipts().empty());  // printed but not cut
    // A technician clears the jam: the cut is retried and the receipt released.
    b.act({{"action", "clear_jam"}});
    CHECK(b.poll() == Health::ok);
    CHECK(b.print().ok());
    CHECK(b.printer.waiting_receipts().size() == 2);
}

TEST_CASE("offline, unrecoverable error, paper jam: each refused with its keyword", "[driver][receipt][R-7.2-1]") {
    const std::vector<std::pair<std::string, std::string>> cases{
        {"offline", "offline"}, {"unrecoverable_error", "unrecoverable-error"}, {"paper_jam", "paper-jam"}};
    for (const auto& [fault, keyword] : cases) {
        DYNAMIC_SECTION(fault) {
            Bench b;
            b.inject({{"fault", fault}});
            const PrintResult r = b.print();
            CHECK(r.error == keyword);
            CHECK(r.bytes_sent == 0);
            CHECK(b.driver.status().health == Health::fault);
            CHECK(b.driver.status().reasons == Reasons{keyword});
            CHECK(b.printer.waiting_receipts().empty());
        }
    }
}

TEST_CASE("head overheat: the driver waits out the cool-down and the receipt completes", "[driver][receipt][R-7.2-1]") {
    Bench b;
    b.inject({{"fault", "head_overheat"}, {"trigger", "nth"}, {"n", 3}, {"operation", "print"},
              {"params", {{"cooldown_s", 2}}}});
    Health seen = Health::ok;
    b.driver.on_change([&](const Driver& d) {
        if (d.status().health == Health::warn) seen = Health::warn;
    });
    const auto [r, took] = b.run(b.driver.print(receipt()));
    CHECK(r.ok());
    CHECK(took >= 2s);
    CHECK(seen == Health::warn);  // head-overheat was reported while it cooled
    CHECK(b.driver.status().health == Health::ok);
    REQUIRE(b.printer.waiting_receipts().size() == 1);
    CHECK(b.printer.waiting_receipts().front().cut);
}

TEST_CASE("socket reset before the job: one reconnect, printed once", "[driver][receipt][R-8.3-1]") {
    Bench b;
    b.line.break_line(ChannelError::reset);
    const PrintResult r = b.print();
    CHECK(r.ok());
    CHECK(b.line.is_open());
    CHECK(b.printer.waiting_receipts().size() == 1);
}

TEST_CASE("socket reset mid-job: interrupted, partial, not resent", "[driver][receipt][R-8.3-1][R-7.2-1]") {
    Bench b;
    b.at(100ms, [&] { b.line.break_line(ChannelError::reset); });
    const PrintResult r = b.print();
    CHECK(r.error == "interrupted");
    CHECK(r.partial);
    CHECK(r.bytes_sent > 0);
    // The printer had the whole job before the reset and finishes it; the next
    // print reconnects and sends only its own receipt.
    const PrintResult next = b.print();
    CHECK(next.ok());
    REQUIRE(b.printer.waiting_receipts().size() == 2);
    CHECK(b.printer.waiting_receipts()[0].cut);
    CHECK(b.printer.waiting_receipts()[1].cut);
    CHECK(b.printer.idle());
}

TEST_CASE("status replies lost: no-reply after the retries, ABSENT, no job sent", "[driver][receipt][R-7.2-1]") {
    Bench b;
    b.inject({{"fault", "status_reply_lost"}});
    const auto [r, took] = b.run(b.driver.print(receipt()));
    CHECK(r.error == "no-reply");
    CHECK(r.bytes_sent == 0);
    CHECK(took == 900ms);  // 1 + 2 retries x 300 ms
    CHECK(b.driver.counters().retries == 2);
    CHECK(b.driver.counters().timeouts == 3);
    CHECK(b.driver.status().health == Health::absent);
    CHECK(b.driver.status().reasons == Reasons{"no-reply"});
    CHECK(b.printer.idle());
    CHECK(b.printer.waiting_receipts().empty());
}

TEST_CASE("a disconnected printer answers nothing: poll says ABSENT no-reply", "[driver][receipt][R-7.2-1]") {
    Bench b;
    CHECK(b.poll() == Health::ok);
    b.inject({{"fault", "disconnected"}});
    CHECK(b.poll() == Health::absent);
    CHECK(b.driver.status().reasons == Reasons{"no-reply"});
    CHECK_FALSE(b.driver.usable());
}

TEST_CASE("line down and the reopen refused: ABSENT line-down; back when replugged", "[driver][receipt][R-7.2-1]") {
    Bench b;
    b.line.break_line(ChannelError::closed);
    b.line.set_unplugged(true);
    CHECK(b.poll() == Health::absent);
    CHECK(b.driver.status().reasons == Reasons{"line-down"});
    const PrintResult r = b.print();
    CHECK(r.error == "line-down");
    CHECK(r.bytes_sent == 0);
    b.line.set_unplugged(false);
    CHECK(b.poll() == Health::ok);
    CHECK(b.print().ok());
}

TEST_CASE("line noise before the answers is skipped", "[driver][receipt]") {
    Bench b;
    b.line.input().assign({0xFF, 0x80, 0x55});
    CHECK(b.poll() == Health::ok);
    CHECK(b.driver.counters().resyncs == 3);
}

TEST_CASE("poll during a print does not touch the line; a second print is refused", "[driver][receipt]") {
    Bench b;
    auto first = b.sim.spawn(b.driver.print(receipt()));
    auto poll = b.sim.spawn(b.driver.poll());
    auto second = b.sim.spawn(b.driver.print(receipt()));
    b.sim.run();
    CHECK(first.result().ok());
    CHECK(poll.result() == Health::absent);  // the status before any answer: print() owns the line
    CHECK(second.result().error == "in-use");
    CHECK(b.printer.waiting_receipts().size() == 1);
}

}  // namespace kiosk_driver_receipt_test
