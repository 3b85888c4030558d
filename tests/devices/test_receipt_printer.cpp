// The receipt printer model in virtual time: real-time status ahead of
// queued data, print speed, paper running out mid-receipt, covers, cutter
// jams and the other faults of peripherals.md §3.1, the output slot, and
// replay of a recorded session. Requirement IDs: R-7.2-1 (OK / WARN / FAULT /
// ABSENT with reasons), R-8.3-1 (raw ESC/POS on TCP 9100 or a serial line),
// R-9.3-1 (the masked ID number prints as sent).
#include <kiosktwin/devices/receipt_printer.hpp>
#include <kiosktwin/protocol/base64.hpp>
#include <kiosktwin/protocol/escpos.hpp>

#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

namespace devices_receipt_printer_test {

using namespace kiosktwin;
using namespace kiosktwin::devices;
using namespace std::chrono_literals;
using nlohmann::json;
using protocol::escpos::ReceiptBuilder;

namespace {

Bytes b(std::initializer_list<int> v) {
    Bytes out;
    for (int x : v) out.push_back(static_cast<std::uint8_t>(x));
    return out;
}

sim::Time ms(double v) { return sim::Time{sim::from_seconds(v / 1000.0)}; }
sim::Time us(std::int64_t v) { return sim::Time{sim::Duration{v}}; }

// Drives the model as a host does: wakes it whenever it asks, up to `until`,
// and collects what it transmits with the time each byte was ready.
struct Host {
    ReceiptPrinter& p;
    std::vector<std::pair<sim::Time, std::uint8_t>> out;

    void run(sim::Time until) {
        for (int guard = 0; guard < 1'000'000; ++guard) {
            const sim::Time w = p.next_wakeup();
            if (w > until) break;
            p.on_wakeup(w);
            collect(w);
        }
        p.on_wakeup(until);
        collect(until);
    }
    void send(sim::Time t, const Bytes& bytes) {
        run(t);
        p.on_bytes(t, bytes);
        collect(t);
    }
    void collect(sim::Time t) {
        for (std::uint8_t x : p.take_output(t)) out.emplace_back(t, x);
    }
    // Sends DLE EOT n at t and returns the answer available at t (or -1).
    int ask(sim::Time t, int n) {
        const std::size_t before = out.size();
        send(t, protocol::escpos::dle_eot(n));
        return out.size() == before + 1 ? out.back().second : -1;
    }
    json act(sim::Time t, json a) {
        run(t);
        const ActionResult r = p.act(t, a);
        collect(t);
        if (!r.ok) return json{{"error", r.error}};
        return r.data;
    }
};

Bytes receipt(int lines, bool cut = true) {
    ReceiptBuilder rb;
    rb.init();
    for (int i = 0; i < lines; ++i) rb.line("line " + std::to_string(i + 1));
    if (cut) rb.cut();
    return rb.bytes();
}

constexpr std::int64_t k_line_us = 18'750;   // 30 dots at 8 dots/mm and 200 mm/s
constexpr std::int64_t k_cut_us = 300'000;

}  // namespace

TEST_CASE("config: defaults, JSON round trip, and errors that name the key", "[receipt_printer][config]") {
    const ReceiptPrinterConfig d;
    CHECK(d.baud == 0);
    CHECK(d.roll_mm == 80'000);
    CHECK(d.paper_width_mm == 80);
    CHECK(d.print_speed_mm_s == 200);
    const auto c = ReceiptPrinterConfig::from_json(json{{"baud", 9600}, {"paper_width_mm", 58}, {"near_end_mm", 500}});
    CHECK(c.baud == 9600);
    CHECK(c.paper_width_mm == 58);
    CHECK(ReceiptPrinterConfig::from_json(c.to_json()).to_json() == c.to_json());
    CHECK(ReceiptPrinterConfig::from_json(json::object()).to_json() == d.to_json());
    CHECK_THROWS_WITH(ReceiptPrinterConfig::from_json(json{{"paper_width_mm", 70}}),
                      "receipt_printer config: \"paper_width_mm\" must be 58 or 80");
    CHECK_THROWS_WITH(ReceiptPrinterConfig::from_json(json{{"print_speed_mm_s", "fast"}}),
                      Catch::Contains("\"print_speed_mm_s\""));
    CHECK_THROWS_WITH(ReceiptPrinterConfig::from_json(json{{"colour", true}}),
                      Catch::StartsWith("receipt_printer config: unknown key \"colour\""));
    CHECK_THROWS_AS(ReceiptPrinterConfig::from_json(json{{"baud", -1}}), std::invalid_argument);
    CHECK_THROWS_AS(ReceiptPrinterConfig::from_json(json::array()), std::invalid_argument);
}

TEST_CASE("the printer declares its kind, faults and actions", "[receipt_printer]") {
    ReceiptPrinter p("kiosk-1/receipt", 1);
    CHECK(p.kind() == "receipt_printer");
    CHECK(p.faults().known_faults() ==
          std::vector<std::string>{"cutter_jam", "head_overheat", "unrecoverable_error", "paper_jam", "offline",
                                   "cover_open", "status_reply_lost", "buffer_full", "drawer_open",
                                   "feed_button_stuck", "asb_not_sent", "slow_print", "disconnected"});
    const json d = p.describe(sim::epoch_time);
    CHECK(d["health"] == "OK");
    CHECK(d["state"]["dle_eot"] == json{{"1", "0x12"}, {"2", "0x12"}, {"3", "0x12"}, {"4", "0x12"}});
    CHECK(d["state"]["paper_mm"] == 80'000.0);
    CHECK(d["state"]["near_end_mm"] == 3'000.0);
    CHECK(d["state"]["receipts_waiting"] == 0);
    CHECK(p.act(sim::epoch_time, json{{"action", "juggle"}}).error ==
          "unknown action \"juggle\" for receipt_printer; known: describe, inject_fault, clear_fault, take_receipt, "
          "refill_paper, set_paper, open_cover, close_cover, press_feed, clear_jam, power_cycle");
}

TEST_CASE("DLE EOT is answered at once on TCP, after one byte's wire time on serial (R-8.3-1)", "[receipt_printer][realtime]") {
    ReceiptPrinter tcp("r", 1);
    Host h{tcp, {}};
    for (int n = 1; n <= 4; ++n) CHECK(h.ask(ms(10 * n), n) == 0x12);

    ReceiptPrinterConfig serial;
    serial.baud = 9600;
    ReceiptPrinter s("r", 1, serial);
    s.on_bytes(ms(5), protocol::escpos::dle_eot(1));
    CHECK(s.take_output(ms(5)).empty());
    CHECK(s.next_output_at() == ms(5) + s.wire_time(1));  // 1042 us at 9600 baud
    CHECK(s.take_output(ms(5) + s.wire_time(1)) == b({0x12}));
}

TEST_CASE("DLE EOT overtakes queued print data; GS r waits its turn", "[receipt_printer][realtime][timing]") {
    ReceiptPrinter p("r", 1);
    Host h{p, {}};
    Bytes job = receipt(100);
    job.insert(job.end(), {0x1D, 'r', 1});  // in-turn paper sensor query after the receipt
    job.insert(job.end(), {0x10, 0x04, 4});  // real-time, in the same write
    h.send(ms(0), job);
    REQUIRE(h.out.size() == 1);
    CHECK(h.out[0] == std::make_pair(ms(0), std::uint8_t{0x12}));  // answered at once
    CHECK(p.input_space(ms(0)) < p.config().input_buffer_bytes);
    const sim::Time done = us(100 * k_line_us + k_cut_us);
    h.run(done - 1us);
    CHECK(h.out.size() == 1);  // GS r still waits behind the receipt
    CHECK(p.waiting_receipts().empty());
    h.run(done);
    REQUIRE(h.out.size() == 2);
    CHECK(h.out[1] == std::make_pair(done, std::uint8_t{0x00}));
    REQUIRE(p.waiting_receipts().size() == 1);
    CHECK(p.waiting_receipts()[0].lines.size() == 100);
    CHECK(p.idle());
}

TEST_CASE("print time follows the print speed and the cut time", "[receipt_printer][timing]") {
    ReceiptPrinter p("r", 1);
    Host h{p, {}};
    h.send(ms(1000), receipt(10));
    const sim::Time done = ms(1000) + sim::Duration{10 * k_line_us + k_cut_us};
    h.run(done - 1us);
    CHECK(p.waiting_receipts().empty());
    CHECK(p.paper_left_mm(done - 1us) == Approx(80'000 - 37.5));  // 10 lines of 3.75 mm
    h.run(done);
    REQUIRE(p.waiting_receipts().size() == 1);
    CHECK(p.waiting_receipts()[0].length_mm == Approx(37.5));
    // Half-way through a line the paper is half-way too.
    h.send(ms(5000), receipt(1, false));
    CHECK(p.paper_left_mm(ms(5000) + sim::Duration{k_line_us / 2}) == Approx(80'000 - 37.5 - 1.875).margin(0.125));

    ReceiptPrinterConfig slow;
    slow.print_speed_mm_s = 100;
    slow.cut_ms = 500;
    ReceiptPrinter q("r", 1, slow);
    Host hq{q, {}};
    hq.send(ms(0), receipt(10));
    hq.run(us(20 * k_line_us + 500'000 - 1));
    CHECK(q.waiting_receipts().empty());
    hq.run(us(20 * k_line_us + 500'000));
    CHECK(q.waiting_receipts().size() == 1);
}

TEST_CASE("paper runs out mid-receipt (§3.1): FAULT paper-end (R-7.2-1); the rest prints after a refill", "[receipt_printer][paper]") {
    ReceiptPrinter p("r", 1);
    Host h{p, {}};
    REQUIRE(h.act(ms(0), json{{"action", "set_paper"}, {"mm", 10}})["paper_mm"] == 10.0);  // 80 dots: 2 lines and a bit
    CHECK(p.status(ms(0)).health == Health::warn);  // below the near-end threshold already
    h.send(ms(0), receipt(6));
    const sim::Time out_at = us(80'000'000 / 1600);  // 80 dots at 1600 dots/s = 50 ms
    h.run(out_at - 1us);
    CHECK(h.ask(out_at - 1us, 4) == 0x1E);  // near end, not yet out
    h.run(out_at);
    CHECK(h.ask(out_at, 1) == 0x1A);
    CHECK(h.ask(out_at, 2) == 0x32);
    CHECK(h.ask(out_at, 4) == 0x7E);
    const DeviceStatus st = p.status(out_at);
    CHECK(st.health == Health::fault);
    CHECK(st.reasons == std::vector<std::string>{"paper-end"});
    // The printed part came off the roll; the rest waits.
    REQUIRE(p.waiting_receipts().size() == 1);
    CHECK_FALSE(p.waiting_receipts()[0].cut);
    CHECK(p.waiting_receipts()[0].lines == std::vector<std::string>{"line 1", "line 2", "line 3"});
    CHECK(p.waiting_receipts()[0].length_mm == Approx(10.0));  // all the paper there was
    h.run(ms(10'000));
    CHECK(p.waiting_receipts().size() == 1);
    CHECK_FALSE(p.idle());
    // GS r 1 is answered in turn: behind the waiting receipt it waits too.
    const json torn = h.act(ms(10'000), json{{"action", "take_receipt"}});
    CHECK(torn["torn"] == true);
    CHECK(torn["text"] == "line 1\nline 2\nline 3\n");
    CHECK(h.act(ms(20'000), json{{"action", "refill_paper"}})["paper_mm"] == 80'000.0);
    CHECK(p.status(ms(20'000)).health == Health::ok);
    const sim::Time done = ms(20'000) + sim::Duration{3 * k_line_us + k_cut_us};
    h.run(done);
    REQUIRE(p.waiting_receipts().size() == 1);
    CHECK(p.waiting_receipts()[0].cut);
    CHECK(p.waiting_receipts()[0].lines == std::vector<std::string>{"line 4", "line 5", "line 6"});
}

TEST_CASE("GS r 1 and ESC v answer 0F when the paper is out and nothing waits (H5)", "[receipt_printer][paper]") {
    ReceiptPrinter p("r", 1);
    Host h{p, {}};
    h.act(ms(0), json{{"action", "set_paper"}, {"mm", 0}});
    h.send(ms(1), b({0x1D, 'r', 1, 0x1B, 'v', 0x1D, 'r', 2}));
    REQUIRE(h.out.size() == 3);
    CHECK(h.out[0].second == 0x0F);
    CHECK(h.out[1].second == 0x0F);
    CHECK(h.out[2].second == 0x00);
}

TEST_CASE("near end is reported in status, DLE EOT 4 and an ASB block at the moment it trips", "[receipt_printer][paper][asb]") {
    ReceiptPrinterConfig c;
    c.paper_mm = 103.75;  // 830 dots
    c.near_end_mm = 100;  // 800 dots: tripped during the 1st line (30 dots in)
    ReceiptPrinter p("r", 1, c);
    Host h{p, {}};
    h.send(ms(0), b({0x1D, 'a', 0x0F}));  // ASB on: the first block goes at once
    REQUIRE(h.out.size() == 4);
    CHECK(h.out[0].second == 0x10);
    CHECK(h.out[2].second == 0x00);
    h.send(ms(100), receipt(2));
    h.run(ms(1000));
    REQUIRE(h.out.size() == 8);
    CHECK(h.out[4].first == ms(100) + sim::Duration{k_line_us});  // 30 dots into the receipt
    CHECK(h.out[6].second == 0x03);                               // byte 3: near end
    CHECK(p.status(ms(1000)).reasons == std::vector<std::string>{"paper-near-end"});
    CHECK(p.status(ms(1000)).health == Health::warn);
    CHECK(h.ask(ms(1000), 4) == 0x1E);
    CHECK(h.ask(ms(1000), 1) == 0x12);
}

TEST_CASE("the cover: open stops printing, FAULT cover-open (R-7.2-1), DLE EOT 1 0x1A and 2 0x16; closed it resumes", "[receipt_printer][cover]") {
    ReceiptPrinter p("r", 1);
    Host h{p, {}};
    h.act(ms(0), json{{"action", "open_cover"}});
    h.send(ms(1), receipt(2));
    CHECK(h.ask(ms(2), 1) == 0x1A);
    CHECK(h.ask(ms(2), 2) == 0x16);
    CHECK(p.status(ms(2)).reasons == std::vector<std::string>{"cover-open"});
    h.run(ms(5000));
    CHECK(p.waiting_receipts().empty());
    h.act(ms(5000), json{{"action", "close_cover"}});
    h.run(ms(5000) + sim::Duration{2 * k_line_us + k_cut_us});
    CHECK(p.waiting_receipts().size() == 1);
    // As a fault too.
    h.act(ms(6000), json{{"action", "inject_fault"}, {"fault", "cover_open"}});
    CHECK(h.ask(ms(6000), 2) == 0x16);
}

TEST_CASE("cutter jam on the 2nd cut (nth trigger): 0x1A / 0x52 / 0x1A, DLE ENQ 1 recovers", "[receipt_printer][faults]") {
    ReceiptPrinter p("r", 1);
    Host h{p, {}};
    REQUIRE(h.act(ms(0), json{{"action", "inject_fault"}, {"fault", "cutter_jam"}, {"trigger", "nth"}, {"n", 2},
                              {"operation", "cut"}})
                .contains("id"));
    h.send(ms(0), receipt(1));
    h.run(ms(1000));
    CHECK(p.waiting_receipts().size() == 1);
    h.send(ms(1000), receipt(1));
    h.run(ms(2000));
    CHECK(p.waiting_receipts().size() == 1);  // the second cut failed
    CHECK(h.ask(ms(2000), 1) == 0x1A);
    CHECK(h.ask(ms(2000), 2) == 0x52);
    CHECK(h.ask(ms(2000), 3) == 0x1A);
    CHECK(p.status(ms(2000)).reasons == std::vector<std::string>{"autocutter-error"});
    CHECK(p.receipt_in_progress().lines == std::vector<std::string>{"line 1"});
    h.send(ms(3000), b({0x10, 0x05, 1}));  // DLE ENQ 1: recover, the cut is retried
    h.run(ms(3000) + sim::Duration{k_cut_us});
    CHECK(p.waiting_receipts().size() == 2);
    CHECK(h.ask(ms(4000), 2) == 0x12);
}

TEST_CASE("a cutter jam as a condition holds until cleared; clear_jam and close_cover clear latched jams", "[receipt_printer][faults]") {
    ReceiptPrinter p("r", 1);
    Host h{p, {}};
    const std::string id = h.act(ms(0), json{{"action", "inject_fault"}, {"fault", "cutter_jam"}})["id"];
    CHECK(h.ask(ms(1), 2) == 0x52);
    h.act(ms(2), json{{"action", "clear_fault"}, {"id", id}});
    CHECK(h.ask(ms(3), 2) == 0x12);
    h.act(ms(4), json{{"action", "inject_fault"}, {"fault", "paper_jam"}, {"trigger", "nth"}, {"n", 1}, {"operation", "print"}});
    h.send(ms(5), receipt(1));
    CHECK(h.ask(ms(6), 3) == 0x16);  // recoverable (mechanical) error
    CHECK(p.status(ms(6)).reasons == std::vector<std::string>{"paper-jam"});
    CHECK(h.act(ms(7), json{{"action", "clear_jam"}})["errors_left"] == false);
    h.run(ms(1000));
    CHECK(p.waiting_receipts().size() == 1);
}

TEST_CASE("status replies lost with probability p are seeded and reproducible", "[receipt_printer][faults]") {
    auto answered = [](std::uint64_t seed) {
        ReceiptPrinter p("r", seed);
        Host h{p, {}};
        h.act(ms(0), json{{"action", "inject_fault"}, {"fault", "status_reply_lost"}, {"trigger", "probability"},
                          {"p", 0.3}, {"operation", "status"}});
        std::vector<int> got;
        for (int i = 0; i < 400; ++i) got.push_back(h.ask(ms(i + 1), 1));
        return got;
    };
    const auto a = answered(7);
    CHECK(a == answered(7));
    CHECK(a != answered(8));
    const auto lost = std::count(a.begin(), a.end(), -1);
    CHECK(lost > 80);
    CHECK(lost < 160);
    CHECK(std::count(a.begin(), a.end(), 0x12) == 400 - lost);
}

TEST_CASE("an offline window (window trigger) pauses printing and shows in DLE EOT 1", "[receipt_printer][faults][timing]") {
    ReceiptPrinter p("r", 1);
    Host h{p, {}};
    h.act(ms(0), json{{"action", "inject_fault"}, {"fault", "offline"}, {"trigger", "window"}, {"at_s", 1}, {"duration_s", 2}});
    CHECK(h.ask(ms(500), 1) == 0x12);
    h.send(ms(990), receipt(2));  // 10 ms of it prints before the window
    CHECK(h.ask(ms(1500), 1) == 0x1A);
    CHECK(p.status(ms(1500)).reasons == std::vector<std::string>{"offline"});
    h.run(ms(2999));
    CHECK(p.waiting_receipts().empty());
    // The line started at 990 ms finishes at 1008.75 ms; the rest starts when the window ends.
    const sim::Time done = ms(3000) + sim::Duration{k_line_us + k_cut_us};
    h.run(done - 1us);
    CHECK(p.waiting_receipts().empty());
    h.run(done);
    CHECK(p.waiting_receipts().size() == 1);
    CHECK(h.ask(done, 1) == 0x12);
}

TEST_CASE("head overheat struck on the 2nd line pauses for the cooldown: WARN head-overheat (R-7.2-1)", "[receipt_printer][faults][timing]") {
    ReceiptPrinter p("r", 1);
    Host h{p, {}};
    h.act(ms(0), json{{"action", "inject_fault"}, {"fault", "head_overheat"}, {"trigger", "nth"}, {"n", 2},
                      {"operation", "print"}, {"params", {{"cooldown_s", 2}}}});
    h.send(ms(0), receipt(3));
    const sim::Time hot = us(k_line_us);  // the 2nd line would start here
    CHECK(h.ask(hot, 3) == 0x52);         // 0x12 | auto-recoverable
    CHECK(h.ask(hot, 1) == 0x3A);         // offline, waiting for online recovery
    CHECK(p.status(hot).health == Health::warn);
    CHECK(p.status(hot).reasons == std::vector<std::string>{"head-overheat"});
    const sim::Time done = hot + 2s + sim::Duration{2 * k_line_us + k_cut_us};
    h.run(done - 1us);
    CHECK(p.waiting_receipts().empty());
    h.run(done);
    CHECK(p.waiting_receipts().size() == 1);
    CHECK(h.ask(done, 3) == 0x12);
}

TEST_CASE("an unrecoverable error stops everything but DLE EOT; power_cycle clears it", "[receipt_printer][faults]") {
    ReceiptPrinter p("r", 1);
    Host h{p, {}};
    h.act(ms(0), json{{"action", "inject_fault"}, {"fault", "unrecoverable_error"}, {"trigger", "nth"}, {"n", 1},
                      {"operation", "print"}});
    h.send(ms(0), b({0x1D, 'a', 0x04}));  // ASB on errors
    REQUIRE(h.out.size() == 4);
    h.out.clear();
    h.send(ms(1), receipt(1));
    REQUIRE(h.out.size() == 4);  // the error is pushed as it happens
    CHECK(h.out[1].second == 0x20);
    h.out.clear();
    h.run(ms(2000));
    CHECK(p.waiting_receipts().empty());
    CHECK(h.ask(ms(2000), 3) == 0x32);
    CHECK(h.ask(ms(2000), 2) == 0x52);
    h.send(ms(2001), b({0x1D, 'r', 1}));
    CHECK(h.out.size() == 2);  // GS r is not processed
    CHECK(p.status(ms(2001)).reasons == std::vector<std::string>{"unrecoverable-error"});
    h.act(ms(3000), json{{"action", "power_cycle"}});
    CHECK(h.ask(ms(3000), 3) == 0x12);
    CHECK(p.idle());
}

TEST_CASE("a full input buffer loses print data but still answers DLE EOT", "[receipt_printer][buffer]") {
    ReceiptPrinterConfig c;
    c.input_buffer_bytes = 100;
    ReceiptPrinter p("r", 1, c);
    Host h{p, {}};
    h.act(ms(0), json{{"action", "open_cover"}});
    h.send(ms(1), Bytes(64, 'a'));
    CHECK(p.input_space(ms(1)) == 36);
    h.send(ms(2), Bytes(64, 'b'));
    CHECK(p.input_space(ms(2)) == 0);
    CHECK(p.status(ms(2)).reasons == std::vector<std::string>{"cover-open", "buffer-full"});
    h.send(ms(3), Bytes(64, 'c'));
    CHECK(p.describe(ms(3))["state"]["overflow_bytes"] == 64);
    CHECK(h.ask(ms(4), 2) == 0x16);
    h.act(ms(5), json{{"action", "close_cover"}});
    h.send(ms(6), b({0x0A, 0x1D, 'V', 0}));
    h.run(ms(1000));
    REQUIRE(p.waiting_receipts().size() == 1);
    CHECK(p.waiting_receipts()[0].lines == std::vector<std::string>{std::string(48, 'a'), std::string(16, 'a') + std::string(32, 'b'),
                                                                    std::string(32, 'b')});
    // The buffer_full fault refuses data whatever the space.
    h.act(ms(2000), json{{"action", "inject_fault"}, {"fault", "buffer_full"}});
    CHECK(p.input_space(ms(2000)) == 0);
    h.send(ms(2001), receipt(1));
    h.run(ms(3000));
    CHECK(p.waiting_receipts().size() == 1);
    CHECK(h.ask(ms(3000), 1) == 0x12);
}

TEST_CASE("FEED: a press feeds paper with the feed bits set; a stuck button feeds until the paper ends", "[receipt_printer][feed]") {
    ReceiptPrinter p("r", 1);
    Host h{p, {}};
    CHECK(h.act(ms(0), json{{"action", "press_feed"}})["feeds"] == true);  // 20 mm = 160 dots = 100 ms
    CHECK(h.ask(ms(50), 1) == 0x5A);  // offline + FEED pressed
    CHECK(h.ask(ms(50), 2) == 0x1A);  // paper being fed by the button
    CHECK(h.ask(ms(100), 2) == 0x12);
    CHECK(p.paper_left_mm(ms(100)) == Approx(80'000 - 20));

    ReceiptPrinterConfig c;
    c.paper_mm = 50;
    ReceiptPrinter q("r", 1, c);
    Host hq{q, {}};
    hq.act(ms(0), json{{"action", "inject_fault"}, {"fault", "feed_button_stuck"}});
    hq.send(ms(1), receipt(1));
    CHECK(q.status(ms(1)).reasons == std::vector<std::string>{"feed-button-stuck", "paper-near-end"});  // FAULT reasons first
    hq.run(ms(249));
    CHECK(q.paper_left_mm(ms(249)) > 0);
    hq.run(ms(251));  // 50 mm at 200 mm/s: out after 250 ms
    CHECK(q.paper_left_mm(ms(251)) == 0);
    CHECK(hq.ask(ms(300), 4) == 0x7E);
    CHECK(q.waiting_receipts().empty());  // nothing was printed: no receipt, only blank paper
}

TEST_CASE("drawer, slow print, ASB not sent and a disconnected printer (R-7.2-1 ABSENT)", "[receipt_printer][faults]") {
    ReceiptPrinter p("r", 1);
    Host h{p, {}};
    h.act(ms(0), json{{"action", "inject_fault"}, {"fault", "drawer_open"}});
    CHECK(h.ask(ms(1), 1) == 0x16);
    h.send(ms(2), b({0x1D, 'r', 2}));
    CHECK(h.out.back().second == 0x01);
    CHECK(p.status(ms(2)).reasons == std::vector<std::string>{"drawer-open"});
    h.act(ms(3), json{{"action", "clear_fault"}});

    h.act(ms(10), json{{"action", "inject_fault"}, {"fault", "slow_print"}, {"params", {{"speed_factor", 0.5}}}});
    h.send(ms(10), receipt(4));
    const sim::Time done = ms(10) + sim::Duration{4 * 2 * k_line_us + k_cut_us};
    h.run(done - 1us);
    CHECK(p.waiting_receipts().empty());
    h.run(done);
    CHECK(p.waiting_receipts().size() == 1);
    CHECK(p.status(done).reasons == std::vector<std::string>{"slow-print"});
    h.act(done, json{{"action", "clear_fault"}});

    h.send(ms(2000), b({0x1D, 'a', 0x02}));  // ASB for on/offline changes
    const std::size_t first = h.out.size();
    h.act(ms(2001), json{{"action", "inject_fault"}, {"fault", "asb_not_sent"}});
    h.act(ms(2002), json{{"action", "open_cover"}});
    h.run(ms(2003));
    CHECK(h.out.size() == first);  // the change was not pushed
    h.act(ms(2004), json{{"action", "clear_fault"}});
    h.act(ms(2005), json{{"action", "close_cover"}});
    h.run(ms(2006));
    REQUIRE(h.out.size() == first + 4);
    CHECK(h.out[first].second == 0x10);

    h.act(ms(3000), json{{"action", "inject_fault"}, {"fault", "disconnected"}});
    CHECK(p.status(ms(3000)) == DeviceStatus{Health::absent, {"disconnected"}});
    CHECK(h.ask(ms(3001), 1) == -1);
    h.send(ms(3002), receipt(1));
    h.run(ms(4000));
    CHECK(p.idle());
}

TEST_CASE("take_receipt returns text, QR data and a PNG; the slot keeps the last few", "[receipt_printer][slot]") {
    ReceiptPrinterConfig c;
    c.kept_receipts = 2;
    ReceiptPrinter p("r", 1, c);
    Host h{p, {}};
    CHECK(h.act(ms(0), json{{"action", "take_receipt"}})["error"] == "no receipt in the output slot");
    // A 办件 receipt: title in GB18030, case number, masked ID (R-9.3-1), QR, cut.
    ReceiptBuilder rb;
    rb.init().align(ReceiptBuilder::Align::centre).size(2, 2).chinese("\xB0\xEC\xBC\xFE\xBB\xD8\xD6\xB4").text("\n");
    rb.size(1, 1).align(ReceiptBuilder::Align::left).line("Case: BJ-2026-000123").line("ID: 1101**********1234");
    rb.align(ReceiptBuilder::Align::centre).qr("https://zwfw.example.gov.cn/c/BJ-2026-000123").feed(3).cut(true);
    h.send(ms(0), rb.bytes());
    h.run(ms(5000));
    for (int i = 0; i < 3; ++i) h.send(ms(5000 + 1000 * i), receipt(1));
    h.run(ms(10'000));
    CHECK(p.waiting_receipts().size() == 2);
    CHECK(p.describe(ms(10'000))["state"]["receipts_fallen"] == 2);
    CHECK(h.act(ms(10'000), json{{"action", "take_receipt"}, {"all", true}})["receipts"].size() == 2);

    h.send(ms(11'000), rb.bytes());
    h.run(ms(15'000));
    const json r = h.act(ms(15'000), json{{"action", "take_receipt"}, {"png", true}});
    REQUIRE(r.contains("text"));
    CHECK(r["lines"][0] == std::string(16, ' ') + "\xE3\x80\x93\xE3\x80\x93\xE3\x80\x93\xE3\x80\x93");
    CHECK(r["lines"][2] == "ID: 1101**********1234");
    CHECK(r["qr"] == json::array({"https://zwfw.example.gov.cn/c/BJ-2026-000123"}));
    CHECK(r["cut"] == true);
    CHECK(r["partial_cut"] == true);
    CHECK(r["remaining"] == 0);
    const auto raw0 = protocol::base64_decode(r["raw_lines_base64"][0].get<std::string>());
    REQUIRE(raw0);
    CHECK(std::string(raw0->begin(), raw0->end()) == std::string(16, ' ') + "\xB0\xEC\xBC\xFE\xBB\xD8\xD6\xB4");
    const auto png = protocol::base64_decode(r["png_base64"].get<std::string>());
    REQUIRE(png);
    REQUIRE(png->size() > 8);
    CHECK((*png)[1] == 'P');

    // A host with a GB18030 table decodes the title.
    p.set_gb18030_decoder([](ByteView ch) { return ch.size() == 2 && ch[0] == 0xB0 ? std::string("\xE5\x8A\x9E") : std::string(); });
    h.send(ms(16'000), rb.bytes());
    h.run(ms(20'000));
    CHECK(h.act(ms(20'000), json{{"action", "take_receipt"}})["lines"][0] ==
          std::string(16, ' ') + "\xE5\x8A\x9E\xE3\x80\x93\xE3\x80\x93\xE3\x80\x93");
    CHECK(h.act(ms(20'000), json{{"action", "set_paper"}})["error"] == "set_paper needs \"mm\": the paper left, in millimetres");
    CHECK(h.act(ms(20'000), json{{"action", "refill_paper"}, {"mm", -3}})["error"] == "\"mm\" must be a number of millimetres >= 0");
}

TEST_CASE("DLE EOT inside a raster is answered only with realtime_in_data", "[receipt_printer][realtime]") {
    const Bytes raster = b({0x1D, 'v', '0', 0, 1, 0, 3, 0, 0x10, 0x04, 0x01});
    ReceiptPrinter plain("r", 1);
    Host hp{plain, {}};
    hp.send(ms(0), raster);
    CHECK(hp.out.empty());
    ReceiptPrinterConfig c;
    c.realtime_in_data = true;
    ReceiptPrinter epson("r", 1, c);
    Host he{epson, {}};
    he.send(ms(0), raster);
    REQUIRE(he.out.size() == 1);
    CHECK(he.out[0].second == 0x12);
}

TEST_CASE("a recorded session replays identically into a fresh printer", "[receipt_printer][trace]") {
    std::stringstream file;
    JsonLinesTrace sink(file);
    ReceiptPrinterConfig c;
    c.baud = 115200;
    c.paper_mm = 20;  // runs out during the receipt
    auto session = [&](ReceiptPrinter& p) {
        Host h{p, {}};
        h.send(ms(0), b({0x1D, 'a', 0x0F}));
        h.send(ms(5), receipt(10));
        h.send(ms(6), b({0x10, 0x04, 0x04}));
        h.send(ms(300), b({0x1D, 'r', 0x01, 0x10, 0x04, 0x02}));
        h.run(ms(2000));
    };
    {
        ReceiptPrinter p("kiosk-1/receipt", 9, c);
        p.set_trace(&sink);
        session(p);
    }
    const auto records = read_trace(file);
    REQUIRE(records.size() > 8);
    ReceiptPrinter fresh("kiosk-1/receipt", 9, c);
    const ReplayResult res = replay(fresh, records, "kiosk-1/receipt");
    CHECK(res.inputs == 4);
    CHECK(res.matches());
    ReceiptPrinterConfig more_paper = c;
    more_paper.paper_mm = 1000;  // no paper end, so other status bytes
    ReceiptPrinter other("kiosk-1/receipt", 9, more_paper);
    CHECK_FALSE(replay(other, records, "kiosk-1/receipt").matches());
}

TEST_CASE("garbage in never throws and the printer keeps answering", "[receipt_printer][robustness]") {
    ReceiptPrinter p("r", 1);
    Host h{p, {}};
    std::uint64_t x = 88172645463325252ull;
    for (int i = 0; i < 200; ++i) {
        Bytes junk(97);
        for (auto& v : junk) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            v = static_cast<std::uint8_t>(x);
        }
        junk.erase(std::remove(junk.begin(), junk.end(), std::uint8_t{0x10}), junk.end());  // keep DLE out
        CHECK_NOTHROW(h.send(ms(i), junk));
    }
    h.act(ms(1000), json{{"action", "power_cycle"}});
    CHECK(h.ask(ms(1001), 4) != -1);
    CHECK(p.describe(ms(1001))["state"]["unsupported_commands"].get<int>() > 0);
}

}  // namespace devices_receipt_printer_test
