// Arbitrary bytes into the IPP decoder and into an A4 printer.
//
// 1. decode_ipp: whatever it accepts must encode again (no throw) and decode
//    to an equal message.
// 2. The input, split at the marker FF 'K' 'T' FF, is a session with a fresh
//    A4Printer: each part is the body of a POST /ipp/print, or a control
//    action when it starts with '{' (JSON), or a fault from a fixed menu when
//    it starts with '!'. Virtual time advances 3 s between parts and a day at
//    the end, the host loop waking the printer whenever it asks. The printer's
//    own answers must be valid IPP, its wakeups must move forward, and its job
//    list must stay bounded.
#include <kiosktwin/devices/a4_printer.hpp>
#include <kiosktwin/protocol/ipp.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>

using namespace kiosktwin;

namespace {

void check(bool ok) {
    if (!ok) __builtin_trap();
}

void round_trip(protocol::ByteView in) {
    const protocol::IppDecodeResult r = protocol::decode_ipp(in);
    if (!r) return;
    protocol::Bytes again;
    try {
        again = protocol::encode(r.value());
    } catch (...) {
        __builtin_trap();  // a decoded message must always encode
    }
    const protocol::IppDecodeResult r2 = protocol::decode_ipp(again);
    check(r2.has_value() && r2.value() == r.value());
}

// Runs the host loop up to `until`; a wakeup that does not move forward
// more than a few times in a row is a livelock.
void run_until(devices::A4Printer& p, sim::Time until) {
    sim::Time last = sim::Time{};
    int stuck = 0;
    for (int i = 0; i < 100'000; ++i) {
        const sim::Time t = p.next_wakeup();
        if (t > until) break;
        stuck = t <= last ? stuck + 1 : 0;
        check(stuck < 16);
        last = t;
        p.on_wakeup(t);
    }
    p.on_wakeup(until);
}

// Faults the harness may inject: one of each, with every trigger kind. Free
// JSON rules are not fuzzed here: the fault model's own parser is not this
// codec's business.
const std::array<const char*, 12> k_faults{
    R"({"fault": "media_jam", "trigger": "probability", "p": 0.3, "operation": "page"})",
    R"({"fault": "door_open", "trigger": "now"})",
    R"({"fault": "offline", "trigger": "window", "at_s": 5, "duration_s": 20})",
    R"({"fault": "paused", "trigger": "rate", "mean_between_s": 30, "duration_s": 5})",
    R"({"fault": "http_503", "trigger": "nth", "n": 1, "operation": "request", "params": {"count": 2}})",
    R"({"fault": "job_stuck", "trigger": "nth", "n": 1, "operation": "job"})",
    R"({"fault": "job_aborted", "trigger": "every_nth", "n": 2, "operation": "job"})",
    R"({"fault": "unsupported_format", "trigger": "nth", "n": 1, "operation": "document"})",
    R"({"fault": "wrong_media", "trigger": "now", "duration_s": 10})",
    R"({"fault": "disconnected", "trigger": "window", "at_s": 1, "duration_s": 4})",
    R"({"fault": "media_jam", "trigger": "now"})",
    R"({"fault": "job_stuck", "trigger": "now", "duration_s": 15})",
};

void session(protocol::ByteView in) {
    devices::A4PrinterConfig cfg;
    cfg.tray_capacity = 40;
    cfg.sheets = 40;
    cfg.job_history = 8;
    cfg.max_active_jobs = 8;
    cfg.max_document_bytes = 1 << 20;
    devices::A4Printer printer("fuzz/a4", 7, cfg);
    sim::Time t{};
    static constexpr std::uint8_t k_marker[4] = {0xff, 'K', 'T', 0xff};
    std::size_t start = 0;
    for (int part = 0; part < 64 && start <= in.size(); ++part) {
        const auto it = std::search(in.begin() + static_cast<std::ptrdiff_t>(start), in.end(), k_marker, k_marker + 4);
        const std::size_t end = static_cast<std::size_t>(it - in.begin());
        const protocol::ByteView body = in.subspan(start, end - start);
        if (!body.empty() && body[0] == '{') {
            const nlohmann::json j = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
            const std::string name = j.is_object() && j.contains("action") && j["action"].is_string()
                                         ? j["action"].get<std::string>()
                                         : std::string();
            if (name != "inject_fault") printer.act(t, j);
        } else if (!body.empty() && body[0] == '!') {
            const std::size_t k = body.size() > 1 ? body[1] % k_faults.size() : 0;
            nlohmann::json rule = nlohmann::json::parse(k_faults[k]);
            rule["action"] = "inject_fault";
            check(printer.act(t, rule).ok);
        } else {
            devices::HttpRequest req;
            req.method = "POST";
            req.target = "/ipp/print";
            req.headers["content-type"] = "application/ipp";
            req.headers["host"] = "fuzz.local:631";
            req.body.assign(body.begin(), body.end());
            const devices::HttpResponse resp = printer.handle(t, req);
            check(resp.status == 200 || resp.status == 400 || resp.status == 503);
            if (resp.status == 200) {
                const protocol::ByteView out(reinterpret_cast<const std::uint8_t*>(resp.body.data()), resp.body.size());
                const protocol::IppDecodeResult r = protocol::decode_ipp(out);
                check(r.has_value() && r->data.empty());
                check(r->groups.size() >= 1 && r->groups[0].attributes.size() >= 2);
            }
        }
        (void)printer.describe(t);
        (void)printer.status(t);
        t += std::chrono::seconds(3);
        run_until(printer, t);
        if (it == in.end()) break;
        start = end + 4;
    }
    run_until(printer, t + std::chrono::hours(24));
    check(printer.jobs().size() <= static_cast<std::size_t>(cfg.job_history + cfg.max_active_jobs));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const protocol::ByteView in(data, size);
    round_trip(in);
    session(in);
    return 0;
}
