// Fuzzes the QR scanner's line protocol (peripherals.md §2.4): the host-side
// command/SSI decoder, the kiosk-side line decoder, SSI frames, the GBK
// re-encoder, and a QrScanner driven by an input-derived script of host
// bytes, scans, faults and time. Checks invariants, not just "no crash".
#include <kiosktwin/devices/qr_scanner.hpp>
#include <kiosktwin/devices/trace.hpp>
#include <kiosktwin/protocol/scanner.hpp>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using namespace kiosktwin;
namespace proto = kiosktwin::protocol;
using nlohmann::json;

void require(bool ok) {
    if (!ok) std::abort();
}

void decoders(proto::ByteView in) {
    proto::ScannerHostDecoder host;
    std::size_t consumed = 0;
    for (const auto& i : host.feed(in)) consumed += i.raw.size();
    if (auto f = host.flush()) consumed += f->raw.size();
    require(consumed == in.size());  // every byte is accounted for, once

    // The line decoder, fed in pieces whose sizes and gaps come from the input.
    proto::ScanLineDecoderConfig cfg;
    cfg.max_line = 64;
    cfg.idle_flush = std::chrono::milliseconds(50);
    cfg.prefix = in.size() > 2 && in[0] < 0x10 ? "]Q1" : "";
    proto::ScanLineDecoder lines(cfg);
    std::chrono::microseconds now{};
    std::size_t off = 0;
    std::size_t out_bytes = 0;
    const auto count = [&](const std::vector<proto::ScanLine>& v) {
        for (const auto& l : v) {
            require(l.data.size() <= cfg.max_line);
            out_bytes += l.data.size();
        }
    };
    while (off < in.size()) {
        const std::size_t n = 1 + in[off] % 16;
        const auto piece = in.subspan(off, std::min(n, in.size() - off));
        now += std::chrono::milliseconds(in[off] % 80);
        count(lines.poll(now));
        count(lines.feed(now, piece));
        require(lines.pending() <= cfg.max_line + 0x22);
        off += piece.size();
    }
    count(lines.flush());
    require(out_bytes <= in.size());

    // SSI frames round-trip; GBK output never grows.
    if (auto f = proto::decode_ssi(in)) require(proto::encode_ssi(*f) == proto::Bytes(in.begin(), in.end()));
    const std::string_view text(reinterpret_cast<const char*>(in.data()), in.size());
    require(proto::utf8_to_gbk(text).size() <= in.size());
}

void device(proto::ByteView in) {
    if (in.empty()) return;
    devices::QrScannerConfig cfg;
    cfg.baud = 115200;
    cfg.mode = in[0] & 1 ? devices::ScanMode::host_trigger : devices::ScanMode::continuous;
    cfg.suffix = static_cast<proto::ScanSuffix>((in[0] >> 1) % 4);
    devices::QrScanner s("fuzz/qr", in[0], cfg);
    devices::MemoryTrace trace;
    s.set_trace(&trace);
    static const char* const k_faults[] = {"no_read", "duplicate_read", "missing_suffix", "gbk_payload",
                                           "long_payload", "bursty", "disabled", "disconnected"};
    static const char* const k_triggers[] = {"now", "nth", "probability", "window"};
    static const char* const k_codes[] = {"e_id", "e_ssc", "medical", "payment", "licence", "bogus"};
    sim::Time now{};
    std::size_t i = 1;
    std::size_t out = 0;
    for (int steps = 0; i < in.size() && steps < 400; ++steps) {
        const std::uint8_t op = in[i++];
        const std::size_t n = i < in.size() ? 1 + in[i] % 24 : 0;
        const auto chunk = in.subspan(i, std::min(n, in.size() - i));
        switch (op % 10) {
        case 0:
        case 1:
        case 2: s.on_bytes(now, chunk); i += chunk.size(); break;
        case 3: {
            const std::string data(chunk.begin(), chunk.end());
            s.act(now, json{{"action", "scan"}, {"data", data}});
            i += chunk.size();
            break;
        }
        case 4: s.act(now, json{{"action", "scan"}, {"code", k_codes[op / 10 % 6]}}); break;
        case 5: s.act(now, json{{"action", "fail_scan"}}); break;
        case 6: now += std::chrono::milliseconds(op * 7); s.on_wakeup(now); break;
        case 7: {
            json rule{{"action", "inject_fault"}, {"fault", k_faults[op / 10 % 8]}, {"trigger", k_triggers[op / 80 % 4]},
                      {"params", {{"bytes", 300}, {"chunk", 3}, {"pause_ms", 5}, {"gap_ms", 20}}}};
            rule["n"] = 2;
            rule["p"] = 0.5;
            rule["at_s"] = sim::seconds_since_epoch(now) + 0.05;
            rule["duration_s"] = 0.5;
            require(s.act(now, rule).ok);
            break;
        }
        case 8: s.act(now, json{{"action", "clear_fault"}}); break;
        case 9: out += s.take_output(now).size(); break;
        }
        // The host's loop: wake the model when it asks, never going back in time.
        const sim::Time wake = s.next_wakeup();
        if (wake <= now) s.on_wakeup(now);
    }
    now += std::chrono::seconds(60);
    s.on_wakeup(now);
    out += s.take_output(now).size();
    require(!s.output_pending());
    require(s.next_wakeup() >= now);
    // Every record the scanner wrote is valid JSON text.
    for (const auto& r : trace.records())
        if (r.dir != "event") (void)r.to_json().dump();
    (void)out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const proto::ByteView in(data, size);
    decoders(in);
    device(in);
    return 0;
}
