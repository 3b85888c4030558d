// Fuzz target for the ESC/POS codec, the receipt layout and the receipt
// printer model: arbitrary bytes, split anywhere, must never crash, hang,
// grow without bound, or parse differently depending on the split.
//
// Input layout: byte 0 picks parser options, byte 1 seeds the split sizes and
// the physical actions; the rest is the byte stream.
#include <kiosktwin/devices/receipt_printer.hpp>
#include <kiosktwin/protocol/escpos.hpp>
#include <kiosktwin/protocol/receipt_render.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <vector>

using namespace kiosktwin;
namespace esc = kiosktwin::protocol::escpos;

namespace {

void check(bool ok) {
    if (!ok) std::abort();
}

struct Splitter {
    std::uint32_t state;
    std::size_t next(std::size_t left) {
        state = state * 1664525u + 1013904223u;
        const std::size_t n = 1 + (state >> 24) % 64;
        return n < left ? n : left;
    }
};

std::vector<esc::Event> merged(std::vector<esc::Event> events) {
    std::vector<esc::Event> out;
    for (auto& e : events) {
        if (e.kind == esc::EventKind::text && !out.empty() && out.back().kind == esc::EventKind::text &&
            out.back().double_byte == e.double_byte) {
            out.back().data.insert(out.back().data.end(), e.data.begin(), e.data.end());
            out.back().size += e.size;
            continue;
        }
        out.push_back(std::move(e));
    }
    return out;
}

void fuzz_parser(const esc::ParserOptions& o, std::uint8_t seed, protocol::ByteView data) {
    esc::Parser whole(o);
    std::vector<esc::Event> raw = whole.feed(data);
    const std::size_t bound = std::max({o.max_image_bytes, o.max_qr_bytes, o.max_text_bytes, o.max_barcode_bytes}) + 64;
    for (const auto& e : raw) check(e.data.size() <= bound);  // every stored payload is capped
    const auto expected = merged(std::move(raw));

    esc::Parser split(o);
    std::vector<esc::Event> got;
    Splitter sp{seed};
    for (std::size_t i = 0; i < data.size();) {
        const std::size_t n = sp.next(data.size() - i);
        split.feed(data.subspan(i, n), got);
        i += n;
        check(split.pending_bytes() <= o.max_image_bytes + o.max_qr_bytes + o.max_text_bytes + 64);
    }
    const auto merged_got = merged(std::move(got));
    check(merged_got.size() == expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        const esc::Event& a = expected[i];
        const esc::Event& c = merged_got[i];
        check(a.kind == c.kind && a.n == c.n && a.m == c.m && a.width == c.width && a.height == c.height &&
              a.data == c.data && a.size == c.size && a.double_byte == c.double_byte);
        (void)a.describe();
    }

    esc::RenderConfig rc;
    rc.max_lines = 200;
    rc.max_image_bytes = 1 << 16;
    rc.paper_width_mm = (seed & 1) ? 58 : 80;
    esc::ReceiptRenderer r(rc);
    int pngs = 0;  // PNG encoding is slow: draw a couple of short receipts per input
    auto draw = [&](const esc::Receipt& done) {
        check(done.lines.size() <= rc.max_lines);
        if (done.length_dots < 400 && pngs++ < 2) check(!esc::render_png(done, rc).empty());
    };
    for (const auto& e : expected) {
        check(r.apply(e) >= 0);
        for (const auto& done : r.take_completed()) draw(done);
    }
    draw(r.tear());
}

void fuzz_device(std::uint8_t flags, std::uint8_t seed, protocol::ByteView data) {
    devices::ReceiptPrinterConfig c;
    c.baud = (flags & 0x10) ? 115200 : 0;
    c.paper_mm = (flags & 0x20) ? 40.0 : 2000.0;
    c.near_end_mm = 30;
    c.input_buffer_bytes = 512;
    c.kept_receipts = 3;
    c.realtime_in_data = (flags & 0x01) != 0;
    c.max_image_bytes = 8192;
    devices::ReceiptPrinter p("fuzz/receipt", seed, c);
    if (flags & 0x40)
        p.act(sim::epoch_time, nlohmann::json{{"action", "inject_fault"}, {"fault", "cutter_jam"}, {"trigger", "every_nth"},
                                              {"n", 3}, {"operation", "cut"}});
    if (flags & 0x80)
        p.act(sim::epoch_time, nlohmann::json{{"action", "inject_fault"}, {"fault", "offline"}, {"trigger", "window"},
                                              {"at_s", 0.05}, {"duration_s", 0.1}});
    Splitter sp{static_cast<std::uint32_t>(seed) * 7919u + 1u};
    sim::Time t = sim::epoch_time;
    std::size_t out_bytes = 0;
    auto run_until = [&](sim::Time until) {
        for (int guard = 0; guard < 100'000; ++guard) {
            const sim::Time w = p.next_wakeup();
            if (w > until) break;
            p.on_wakeup(w);
            out_bytes += p.take_output(w).size();
            check(p.next_wakeup() > w);  // a wakeup always makes progress
        }
        p.on_wakeup(until);
        out_bytes += p.take_output(until).size();
    };
    static const char* const actions[] = {"take_receipt", "refill_paper", "open_cover", "close_cover",
                                          "press_feed",   "clear_jam",    "power_cycle", "describe"};
    for (std::size_t i = 0; i < data.size();) {
        const std::size_t n = sp.next(data.size() - i);
        t += sim::Duration{static_cast<std::int64_t>(sp.state % 40'000)};
        run_until(t);
        p.on_bytes(t, data.subspan(i, n));
        if ((sp.state & 0x700) == 0) p.act(t, nlohmann::json{{"action", actions[(sp.state >> 12) % 8]}});
        check(p.waiting_receipts().size() <= c.kept_receipts);
        check(p.paper_left_mm(t) >= 0);
        (void)p.status(t);
        i += n;
    }
    run_until(t + std::chrono::seconds(30));
    (void)p.describe(t + std::chrono::seconds(30));
    check(out_bytes < 1'000'000);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) return 0;
    const std::uint8_t flags = data[0];
    const std::uint8_t seed = data[1];
    const protocol::ByteView body(data + 2, size - 2);
    esc::ParserOptions o;
    o.realtime_in_data = (flags & 0x01) != 0;
    o.chinese_default = (flags & 0x02) != 0;
    o.max_image_bytes = (flags & 0x04) ? 64 : 4096;
    o.max_qr_bytes = (flags & 0x08) ? 16 : 7089;
    o.max_text_bytes = 128;
    fuzz_parser(o, seed, body);
    fuzz_device(flags, seed, body);
    return 0;
}
