// Fuzzes the SAM frame codec and the ID-card reader model with arbitrary bytes.
//
// The whole input is the byte stream (so the seed corpus holds plain frames);
// split points, arrival times, the card on the reader and the faults injected
// are drawn from a hash of the input. Nothing may crash, hang, grow without
// bound or throw out; a decoding must not depend on how the stream was split.
#include "chooser.hpp"

#include <kiosktwin/devices/id_cards.hpp>
#include <kiosktwin/devices/idcard_reader.hpp>
#include <kiosktwin/protocol/citizen_id.hpp>
#include <kiosktwin/protocol/sam.hpp>

#include <cstdint>
#include <cstdlib>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

using namespace kiosktwin;
using namespace kiosktwin::protocol;

namespace {

[[noreturn]] void fail() { std::abort(); }

using kiosktwin::fuzz::Chooser;

// Non-garbage events, and the total garbage: what must not depend on the split.
std::vector<std::string> essence(const std::vector<SamEvent>& events, std::size_t& garbage) {
    std::vector<std::string> s;
    for (const auto& e : events) {
        if (e.kind == SamEventKind::garbage) {
            garbage += e.skipped;
            continue;
        }
        std::string line(to_string(e.kind));
        line.push_back(':');
        line.append(e.raw.begin(), e.raw.end());
        s.push_back(std::move(line));
    }
    return s;
}

void fuzz_decoder(ByteView in, Chooser& c) {
    const std::size_t max_len = 8 + c.below(300);
    SamDecoder whole(max_len);
    std::size_t g1 = 0, g2 = 0;
    const auto a = essence(whole.feed(in), g1);
    SamDecoder split(max_len);
    std::vector<SamEvent> events;
    for (std::size_t i = 0; i < in.size();) {
        const std::size_t n = std::min(in.size() - i, 1 + c.below(40));
        split.feed(in.subspan(i, n), events);
        if (split.buffered() > k_sam_header_size + max_len) fail();
        i += n;
    }
    const auto b = essence(events, g2);
    if (a != b || g1 != g2) fail();
    for (const auto& e : events) {
        (void)e.body();
        (void)e.request();
        if (const auto r = e.response()) {
            (void)parse_read_info(r->data);
            (void)decode_appended_address(r->data);
            (void)SamId::decode(r->data);
        }
        if (e.kind == SamEventKind::frame && e.computed_checksum() != e.received_checksum()) fail();
    }
}

void fuzz_codecs(ByteView in) {
    (void)parse_sam_request(in);
    (void)parse_sam_response(in);
    (void)parse_read_info(in);
    if (in.size() >= k_id_text_size) {
        const auto t = decode_id_text(in.first(k_id_text_size));
        if (!t) fail();
        // Whatever was decoded encodes back to 256 bytes.
        if (encode_id_text(*t).block.size() != k_id_text_size) fail();
    }
    const std::string_view text(reinterpret_cast<const char*>(in.data()), in.size());
    (void)decode_ucs2_field(in);
    if (encode_ucs2_field(text, 70).bytes.size() != 70) fail();
    (void)ucs2_length(text);
    (void)is_valid_utf8(text);
    (void)SamId::parse(text);
    (void)citizen_id::validate(text, CivilDate{2026, 6, 1});
    (void)citizen_id::kind_of(text);
    (void)citizen_id::birth_date(text);
    (void)mask_id(text);
    (void)CivilDate::parse(text);
    (void)nation_name(text);
}

void fuzz_reader(ByteView in, Chooser& c, bool with_faults) {
    devices::IdCardReaderConfig cfg;
    cfg.max_frame_len = 16 + c.below(5000);
    cfg.max_queued_requests = 1 + c.below(8);
    cfg.reads_permits = c.below(4) != 0;
    cfg.jitter_ms = static_cast<double>(c.below(3));
    devices::IdCardReader r("fuzz/idcard", c.next(), cfg);
    static const char* const k_presets[] = {"resident", "foreign_permanent_resident", "hk_permit", "appended_address",
                                            "rare_characters", "long_address", "fingerprint"};
    if (c.below(5) != 0) {
        const auto o = devices::preset_options(k_presets[c.below(std::size(k_presets))]);
        if (!o || !r.insert_card(sim::epoch_time, r.generate_card(sim::epoch_time, *o), c.below(8) == 0)) fail();
    }
    if (with_faults) {
        const std::vector<std::string> names = devices::IdCardReader::fault_names();
        const std::size_t n = 1 + c.below(4);
        for (std::size_t i = 0; i < n; ++i) {
            nlohmann::json rule{{"action", "inject_fault"}, {"fault", names[c.below(names.size())]}};
            switch (c.below(3)) {
            case 0: rule["trigger"] = "probability"; rule["p"] = 0.5; break;
            case 1: rule["trigger"] = "nth"; rule["n"] = 1 + c.below(4); break;
            default: rule["trigger"] = "window"; rule["at_s"] = 0.1 * static_cast<double>(c.below(20)); rule["duration_s"] = 0.5; break;
            }
            rule["params"] = {{"bytes", c.below(40)}, {"extra_ms", c.below(300)}, {"sw3", c.below(256)}};
            if (!r.act(sim::epoch_time, rule).ok) fail();
        }
    }
    sim::Time now = sim::epoch_time;
    std::size_t out = 0;
    auto run_until = [&](sim::Time t) {
        for (int steps = 0;; ++steps) {
            if (steps > 200'000) fail();  // the model does not advance: a hang
            sim::Time w = r.next_wakeup();
            if (w > t) break;
            // Wake in coarse steps, as a busy live host might: the model must cope with late wake-ups.
            w = std::max(w, now + std::chrono::milliseconds(c.below(8)));
            if (w > t) w = t;
            now = std::max(now, w);
            r.on_wakeup(now);
            out += r.take_output(now).size();
        }
        now = std::max(now, t);
        out += r.take_output(now).size();
    };
    for (std::size_t i = 0; i < in.size();) {
        const std::size_t n = std::min(in.size() - i, 1 + c.below(64));
        run_until(now + std::chrono::milliseconds(c.below(4) == 0 ? c.below(500) : 0));
        r.on_bytes(now, in.subspan(i, n));
        i += n;
        if (c.below(16) == 0) (void)r.act(now, nlohmann::json{{"action", c.below(2) ? "remove_card" : "power_cycle"}});
        if (r.queued_requests() > cfg.max_queued_requests) fail();
        if (c.below(32) == 0) {
            (void)r.status(now);
            (void)r.describe(now);
        }
    }
    run_until(now + std::chrono::seconds(120));
    // Everything queued has been answered or dropped; the answers are bounded.
    if (r.output_pending() || out > 64 * 1024 * 1024) fail();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 64 * 1024) return 0;
    const ByteView in(data, size);
    std::uint64_t h = 1469598103934665603ull;
    for (std::size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 1099511628211ull;
    Chooser c{h};
    fuzz_decoder(in, c);
    fuzz_codecs(in);
    fuzz_reader(in, c, false);
    fuzz_reader(in, c, true);
    return 0;
}
