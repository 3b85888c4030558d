#include <kiosktwin/devices/receipt_printer.hpp>

#include <kiosktwin/protocol/base64.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace kiosktwin::devices {

using nlohmann::json;
namespace esc = protocol::escpos;
using esc::EventKind;

namespace {

const std::vector<std::string> k_faults = {
    "cutter_jam",        "head_overheat", "unrecoverable_error", "paper_jam",         "offline",
    "cover_open",        "status_reply_lost", "buffer_full",     "drawer_open",       "feed_button_stuck",
    "asb_not_sent",      "slow_print",    "disconnected",
};

constexpr std::size_t k_described_events = 32;  // events listed in one "in" trace record
constexpr double k_stuck_chunk_s = 0.1;          // a stuck FEED button feeds in chunks this long

const char* const k_config_keys =
    "baud, roll_mm, paper_mm, near_end_mm, paper_width_mm, dots_per_mm, line_spacing_dots, print_speed_mm_s, "
    "cut_ms, input_buffer_bytes, kept_receipts, head_cooldown_s, feed_button_mm, chinese_default, "
    "realtime_in_data, max_image_bytes";

[[noreturn]] void bad_key(const std::string& key, const std::string& what) {
    throw std::invalid_argument("receipt_printer config: \"" + key + "\" " + what);
}

double number(const json& v, const std::string& key, double lo, double hi) {
    if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < lo || v.get<double>() > hi)
        bad_key(key, "must be a number in [" + json(lo).dump() + ", " + json(hi).dump() + "]");
    return v.get<double>();
}

std::int64_t integer(const json& v, const std::string& key, std::int64_t lo, std::int64_t hi) {
    if (!v.is_number_integer() || v.get<std::int64_t>() < lo || v.get<std::int64_t>() > hi)
        bad_key(key, "must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return v.get<std::int64_t>();
}

bool boolean(const json& v, const std::string& key) {
    if (!v.is_boolean()) bad_key(key, "must be true or false");
    return v.get<bool>();
}

// Events that need the print mechanism (and so wait while it cannot print).
bool is_print_kind(EventKind k) {
    switch (k) {
    case EventKind::text: case EventKind::line_feed: case EventKind::tab: case EventKind::feed_lines:
    case EventKind::feed_dots: case EventKind::cut: case EventKind::raster: case EventKind::bit_image:
    case EventKind::qr_print: case EventKind::barcode: case EventKind::nv_logo:
        return true;
    default:
        return false;
    }
}

// Events that are one "print" operation for the fault model.
bool is_print_operation(EventKind k) {
    switch (k) {
    case EventKind::line_feed: case EventKind::feed_lines: case EventKind::feed_dots: case EventKind::raster:
    case EventKind::qr_print: case EventKind::barcode: case EventKind::nv_logo:
        return true;
    default:
        return false;
    }
}

std::string hex_byte(std::uint8_t b) {
    static const char* digits = "0123456789abcdef";
    return std::string("0x") + digits[b >> 4] + digits[b & 15];
}

// JSON strings must be UTF-8: invalid sequences (raw QR data, a host's
// decoder) become U+FFFD.
std::string valid_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    std::size_t i = 0;
    while (i < s.size()) {
        const auto b = static_cast<unsigned char>(s[i]);
        std::size_t len = 0;
        std::uint32_t min = 0;
        if (b < 0x80) len = 1;
        else if ((b & 0xE0) == 0xC0) { len = 2; min = 0x80; }
        else if ((b & 0xF0) == 0xE0) { len = 3; min = 0x800; }
        else if ((b & 0xF8) == 0xF0) { len = 4; min = 0x10000; }
        bool ok = len > 0 && i + len <= s.size();
        std::uint32_t cp = len == 1 ? b : (len == 2 ? (b & 0x1Fu) : len == 3 ? (b & 0x0Fu) : (b & 0x07u));
        for (std::size_t k = 1; ok && k < len; ++k) {
            const auto c = static_cast<unsigned char>(s[i + k]);
            if ((c & 0xC0) != 0x80) ok = false;
            cp = (cp << 6) | (c & 0x3Fu);
        }
        if (ok && len > 1 && (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))) ok = false;
        if (ok) {
            out.append(s.substr(i, len));
            i += len;
        } else {
            out += "\xEF\xBF\xBD";
            ++i;
        }
    }
    return out;
}

json receipt_json(const esc::Receipt& r, bool png, const esc::RenderConfig& rc) {
    json lines = json::array();
    json raw = json::array();
    std::string text;
    for (const auto& l : r.lines) {
        std::string v = valid_utf8(l);
        text += v;
        text += '\n';
        lines.push_back(std::move(v));
    }
    for (const auto& l : r.raw_lines)
        raw.push_back(protocol::base64_encode(protocol::ByteView(reinterpret_cast<const std::uint8_t*>(l.data()), l.size())));
    json qr = json::array();
    for (const auto& q : r.qr_codes) qr.push_back(valid_utf8(q));
    json bars = json::array();
    for (const auto& b : r.barcodes) bars.push_back(json{{"system", b.system}, {"data", valid_utf8(b.data)}});
    json j{{"text", text},           {"lines", std::move(lines)}, {"raw_lines_base64", std::move(raw)},
           {"qr", std::move(qr)},    {"barcodes", std::move(bars)}, {"cut", r.cut},
           {"partial_cut", r.partial_cut}, {"torn", !r.cut},   {"length_mm", r.length_mm},
           {"images", r.images},     {"columns", r.columns},      {"truncated", r.truncated}};
    if (png) j["png_base64"] = protocol::base64_encode(esc::render_png(r, rc));
    return j;
}

std::optional<double> mm_param(const json& action, std::string& error) {
    if (!action.contains("mm")) return std::nullopt;
    const json& v = action["mm"];
    if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0 || v.get<double>() > 1e7) {
        error = "\"mm\" must be a number of millimetres >= 0";
        return std::nullopt;
    }
    return v.get<double>();
}

}  // namespace

// --- Config ---------------------------------------------------------------------------

ReceiptPrinterConfig ReceiptPrinterConfig::from_json(const json& j) {
    ReceiptPrinterConfig c;
    if (j.is_null()) return c;
    if (!j.is_object()) throw std::invalid_argument("receipt_printer config: expected a JSON object");
    for (const auto& [key, v] : j.items()) {
        if (key == "baud") c.baud = static_cast<int>(integer(v, key, 0, 4'000'000));
        else if (key == "roll_mm") c.roll_mm = number(v, key, 1, 1e7);
        else if (key == "paper_mm") c.paper_mm = number(v, key, -1, 1e7);
        else if (key == "near_end_mm") c.near_end_mm = number(v, key, 0, 1e7);
        else if (key == "paper_width_mm") {
            c.paper_width_mm = static_cast<int>(integer(v, key, 0, 1000));
            if (c.paper_width_mm != 58 && c.paper_width_mm != 80) bad_key(key, "must be 58 or 80");
        } else if (key == "dots_per_mm") c.dots_per_mm = static_cast<int>(integer(v, key, 4, 24));
        else if (key == "line_spacing_dots") c.line_spacing_dots = static_cast<int>(integer(v, key, 1, 255));
        else if (key == "print_speed_mm_s") c.print_speed_mm_s = number(v, key, 1, 2000);
        else if (key == "cut_ms") c.cut_ms = number(v, key, 0, 60'000);
        else if (key == "input_buffer_bytes") c.input_buffer_bytes = static_cast<std::size_t>(integer(v, key, 1, 64 << 20));
        else if (key == "kept_receipts") c.kept_receipts = static_cast<std::size_t>(integer(v, key, 1, 1000));
        else if (key == "head_cooldown_s") c.head_cooldown_s = number(v, key, 0, 86'400);
        else if (key == "feed_button_mm") c.feed_button_mm = number(v, key, 0, 10'000);
        else if (key == "chinese_default") c.chinese_default = boolean(v, key);
        else if (key == "realtime_in_data") c.realtime_in_data = boolean(v, key);
        else if (key == "max_image_bytes") c.max_image_bytes = static_cast<std::size_t>(integer(v, key, 1, 64 << 20));
        else throw std::invalid_argument("receipt_printer config: unknown key \"" + key + "\" (known: " + k_config_keys + ")");
    }
    return c;
}

json ReceiptPrinterConfig::to_json() const {
    return json{{"baud", baud},
                {"roll_mm", roll_mm},
                {"paper_mm", paper_mm},
                {"near_end_mm", near_end_mm},
                {"paper_width_mm", paper_width_mm},
                {"dots_per_mm", dots_per_mm},
                {"line_spacing_dots", line_spacing_dots},
                {"print_speed_mm_s", print_speed_mm_s},
                {"cut_ms", cut_ms},
                {"input_buffer_bytes", input_buffer_bytes},
                {"kept_receipts", kept_receipts},
                {"head_cooldown_s", head_cooldown_s},
                {"feed_button_mm", feed_button_mm},
                {"chinese_default", chinese_default},
                {"realtime_in_data", realtime_in_data},
                {"max_image_bytes", max_image_bytes}};
}

esc::RenderConfig ReceiptPrinterConfig::render_config() const {
    esc::RenderConfig r;
    r.paper_width_mm = paper_width_mm;
    r.dots_per_mm = dots_per_mm;
    r.line_spacing_dots = line_spacing_dots;
    return r;
}

namespace {

esc::ParserOptions parser_options(const ReceiptPrinterConfig& c) {
    esc::ParserOptions o;
    o.chinese_default = c.chinese_default;
    o.realtime_in_data = c.realtime_in_data;
    o.max_image_bytes = c.max_image_bytes;
    return o;
}

std::int64_t to_dots(double mm, int dots_per_mm) { return std::llround(std::max(mm, 0.0) * dots_per_mm); }

}  // namespace

// --- The printer --------------------------------------------------------------------------

ReceiptPrinter::ReceiptPrinter(std::string id, std::uint64_t seed, ReceiptPrinterConfig config)
    : StreamDevice(std::move(id), "receipt_printer", seed, config.baud),
      m_config(std::move(config)),
      m_parser(parser_options(m_config)),
      m_renderer(m_config.render_config()) {
    faults().set_known_faults(k_faults);
    m_paper = to_dots(m_config.paper_mm < 0 ? m_config.roll_mm : m_config.paper_mm, m_config.dots_per_mm);
    m_near_end = to_dots(m_config.near_end_mm, m_config.dots_per_mm);
    m_was_near_end = m_paper <= m_near_end;
    m_was_paper_end = m_paper <= 0;
}

void ReceiptPrinter::set_gb18030_decoder(std::function<std::string(ByteView)> decoder) {
    m_renderer.set_gb18030_decoder(std::move(decoder));
}

// Conditions at time t -----------------------------------------------------------------------

bool ReceiptPrinter::cover_open(sim::Time t) const { return m_cover_open || faults().active(t, "cover_open"); }
bool ReceiptPrinter::cutter_error(sim::Time t) const { return m_cutter_latched || faults().active(t, "cutter_jam"); }
bool ReceiptPrinter::jam_error(sim::Time t) const { return m_jam_latched || faults().active(t, "paper_jam"); }
bool ReceiptPrinter::unrecoverable(sim::Time t) const {
    return m_unrecoverable_latched || faults().active(t, "unrecoverable_error");
}
bool ReceiptPrinter::overheated(sim::Time t) const { return t < m_overheat_until || faults().active(t, "head_overheat"); }
bool ReceiptPrinter::feed_stuck(sim::Time t) const { return faults().active(t, "feed_button_stuck") != nullptr; }
bool ReceiptPrinter::hard_stop(sim::Time t) const { return faults().active(t, "disconnected") || unrecoverable(t); }

bool ReceiptPrinter::print_blocked(sim::Time t) const {
    return hard_stop(t) || cover_open(t) || paper_left_dots(t) <= 0 || faults().active(t, "offline") || cutter_error(t) ||
           jam_error(t) || overheated(t) || feed_stuck(t);
}

std::int64_t ReceiptPrinter::paper_left_dots(sim::Time t) const {
    if (!m_work) return m_paper;
    if (t <= m_work->start) return m_work->paper_at_start;
    const double fed = static_cast<double>((t - m_work->start).count()) * m_work->dots_per_s / 1e6;
    const auto fed_dots = std::min<std::int64_t>(m_work->dots, static_cast<std::int64_t>(std::floor(fed)));
    return m_work->paper_at_start - fed_dots;
}

double ReceiptPrinter::paper_left_mm(sim::Time now) const {
    return static_cast<double>(paper_left_dots(now)) / m_config.dots_per_mm;
}

double ReceiptPrinter::dots_per_s(sim::Time t) const {
    double rate = m_config.dots_per_mm * m_config.print_speed_mm_s;
    if (const FaultRule* r = faults().active(t, "slow_print")) {
        double factor = 0.25;
        if (r->params.contains("speed_factor") && r->params["speed_factor"].is_number())
            factor = std::clamp(r->params["speed_factor"].get<double>(), 0.001, 100.0);
        rate *= factor;
    }
    return rate;
}

sim::Duration ReceiptPrinter::feed_time(std::int64_t dots, double rate) const {
    if (dots <= 0 || rate <= 0) return sim::Duration::zero();
    // dots x 1e6 / rate: exact for whole-number rates, so 30 dots at 1600 dots/s is 18750 us.
    return sim::Duration{static_cast<std::int64_t>(std::ceil(static_cast<double>(dots) * 1e6 / rate))};
}

esc::PrinterState ReceiptPrinter::printer_state(sim::Time t) const {
    esc::PrinterState s;
    const std::int64_t paper = paper_left_dots(t);
    s.paper_end = paper <= 0;
    s.paper_near_end = paper <= m_near_end;
    s.paper_end_stop = s.paper_end;
    s.cover_open = cover_open(t);
    s.drawer_open = faults().active(t, "drawer_open") != nullptr;
    s.feed_button = feed_stuck(t) || (m_work && m_work->button);
    s.feeding_by_button = s.feed_button;
    s.autocutter_error = cutter_error(t);
    s.recoverable_error = jam_error(t);
    s.unrecoverable_error = unrecoverable(t);
    s.auto_recoverable_error = overheated(t);
    s.waiting_online_recovery = s.auto_recoverable_error;
    s.error = s.autocutter_error || s.recoverable_error || s.unrecoverable_error || s.auto_recoverable_error;
    s.offline = faults().active(t, "offline") || s.cover_open || s.paper_end_stop || s.error || s.feeding_by_button;
    return s;
}

std::size_t ReceiptPrinter::input_space(sim::Time now) const {
    if (faults().active(now, "buffer_full")) return 0;
    return m_queued_bytes >= m_config.input_buffer_bytes ? 0 : m_config.input_buffer_bytes - m_queued_bytes;
}

// The mechanism ------------------------------------------------------------------------------

bool ReceiptPrinter::can_start(sim::Time t) const {
    if (m_work || hard_stop(t)) return false;
    if ((feed_stuck(t) || m_button_dots > 0) && !cover_open(t) && paper_left_dots(t) > 0) return true;
    if (m_queue.empty()) return false;
    return !is_print_kind(m_queue.front().event.kind) || !print_blocked(t);
}

bool ReceiptPrinter::start_next(sim::Time t) {
    if (m_work || hard_stop(t)) return false;
    const std::int64_t paper = paper_left_dots(t);
    const bool stuck = feed_stuck(t);
    if ((stuck || m_button_dots > 0) && !cover_open(t) && paper > 0) {
        const double rate = dots_per_s(t);
        std::int64_t dots = m_button_dots;
        if (stuck) dots = std::max<std::int64_t>(1, std::llround(rate * k_stuck_chunk_s));
        else m_button_dots = 0;
        dots = std::min(dots, paper);
        Work w;
        w.button = true;
        w.start = t;
        w.dots = dots;
        w.full_dots = dots;
        w.paper_at_start = paper;
        w.dots_per_s = rate;
        w.runs_out = dots >= paper;
        w.end = t + feed_time(dots, rate);
        m_work = w;
        m_renderer.feed_blank(static_cast<int>(dots));
        return true;
    }
    if (m_button_dots > 0 && paper <= 0) m_button_dots = 0;  // FEED without paper does nothing
    if (m_queue.empty()) return false;
    const EventKind kind = m_queue.front().event.kind;
    if (is_print_kind(kind)) {
        if (print_blocked(t)) return false;
        const char* op = kind == EventKind::cut ? "cut" : is_print_operation(kind) ? "print" : nullptr;
        if (op != nullptr) {
            if (const FaultRule* r = faults().strike(t, op)) {
                apply_struck(t, *r);
                if (print_blocked(t)) return true;  // the operation failed; it waits at the head of the queue
            }
        }
    }
    Job job = std::move(m_queue.front());
    m_queue.pop_front();
    m_queued_bytes -= std::min(m_queued_bytes, job.event.size);
    const esc::Event& e = job.event;
    if (is_print_kind(kind)) {
        const int dots = m_renderer.apply(e);
        const double rate = dots_per_s(t);
        Work w;
        w.event = kind;
        w.start = t;
        w.full_dots = dots;
        w.paper_at_start = paper;
        w.dots_per_s = rate;
        w.runs_out = dots > paper;
        w.dots = std::min<std::int64_t>(dots, paper);
        w.end = t + feed_time(w.dots, rate);
        if (kind == EventKind::cut && !w.runs_out) w.end += sim::from_seconds(m_config.cut_ms / 1000.0);
        m_work = w;
        return true;
    }
    switch (kind) {
    case EventKind::paper_sensor_query:
        reply_status(t, esc::gs_r_reply(e.n, printer_state(t)), json{{"reply", "gs_r"}, {"n", e.n}});
        break;
    case EventKind::legacy_status_query:
        reply_status(t, esc::gs_r_reply(1, printer_state(t)), json{{"reply", "esc_v"}});
        break;
    case EventKind::asb_enable:
        m_asb_mask = e.n & 0x0F;
        if (m_asb_mask != 0) check_asb(t, true);  // enabling sends the first block at once
        break;
    default:
        m_renderer.apply(e);  // a mode change, or an unsupported command (no effect)
        break;
    }
    return true;
}

void ReceiptPrinter::finish_work() {
    const Work w = *m_work;
    m_work.reset();
    m_paper = w.paper_at_start - w.dots;
    if (w.runs_out) {
        m_paper = 0;
        // The printed part comes off the end of the roll; the rest waits.
        std::vector<esc::Receipt> pieces = m_renderer.take_completed();  // a cut that ran out of paper
        esc::Receipt current = m_renderer.tear();
        if (!current.empty()) pieces.push_back(std::move(current));
        if (!pieces.empty()) {  // its last feed was cut short by the end of the paper
            esc::Receipt& last = pieces.back();
            last.length_dots = std::max<int>(0, last.length_dots - static_cast<int>(w.full_dots - w.dots));
            last.length_mm = static_cast<double>(last.length_dots) / m_config.dots_per_mm;
        }
        for (auto& r : pieces) {
            if (r.lines.empty() && r.marks.empty()) continue;  // blank paper is not a receipt
            r.cut = false;
            r.partial_cut = false;
            ++m_receipts_torn;
            record(w.end, "event", json{{"receipt_torn_at_paper_end", r.lines.size()}, {"length_mm", r.length_mm}});
            to_slot(w.end, std::move(r));
        }
        return;
    }
    if (w.event == EventKind::cut && !w.button) {
        for (auto& r : m_renderer.take_completed()) {
            ++m_receipts_cut;
            record(w.end, "event", json{{"receipt_cut", r.lines.size()}, {"length_mm", r.length_mm}});
            to_slot(w.end, std::move(r));
        }
    }
}

void ReceiptPrinter::to_slot(sim::Time t, esc::Receipt r) {
    if (m_slot.size() >= m_config.kept_receipts) {
        m_slot.pop_front();
        ++m_receipts_fallen;
        record(t, "event", json{{"receipt_fell_out", true}});
    }
    m_slot.push_back(std::move(r));
}

void ReceiptPrinter::settle(sim::Time t) {
    for (int guard = 0; guard < 10'000'000; ++guard) {
        if (m_work) {
            if (m_work->end > t) break;
            finish_work();
            continue;
        }
        if (!start_next(t)) break;
    }
    const std::int64_t paper = paper_left_dots(t);
    const bool near = paper <= m_near_end;
    const bool end = paper <= 0;
    if (near != m_was_near_end) record(t, "event", json{{"paper_near_end", near}, {"paper_mm", paper_left_mm(t)}});
    if (end != m_was_paper_end) record(t, "event", json{{"paper_end", end}});
    m_was_near_end = near;
    m_was_paper_end = end;
    check_asb(t);
}

sim::Time ReceiptPrinter::next_change(sim::Time t) const {
    sim::Time next = faults().next_change(t);
    if (m_work) {
        next = std::min(next, m_work->end);
        const Work& w = *m_work;
        const std::int64_t to_go = w.paper_at_start - m_near_end;  // dots until the near-end sensor
        if (to_go > 0 && to_go <= w.dots && w.dots_per_s > 0) {
            sim::Time cross = w.start + feed_time(to_go, w.dots_per_s);
            if (paper_left_dots(cross) > m_near_end) cross += sim::Duration{1};
            if (cross > t) next = std::min(next, cross);
        }
    }
    if (m_overheat_until > t) next = std::min(next, m_overheat_until);
    return next;
}

void ReceiptPrinter::advance(sim::Time now) {
    if (now < m_t) now = m_t;  // time never runs backwards
    for (int guard = 0; guard < 10'000'000; ++guard) {
        settle(m_t);
        const sim::Time next = next_change(m_t);
        if (next > now || next <= m_t) break;
        m_t = next;
    }
    m_t = now;
    settle(now);
}

sim::Time ReceiptPrinter::next_wakeup() const {
    sim::Time w = std::min(StreamDevice::next_wakeup(), next_change(m_t));
    if (can_start(m_t) || asb_due(m_t)) w = std::min(w, m_t);
    return w;
}

void ReceiptPrinter::on_wakeup(sim::Time now) { advance(now); }

// Status out -----------------------------------------------------------------------------------

namespace {

std::array<std::uint8_t, 4> asb_masked(const std::array<std::uint8_t, 4>& b, int mask) {
    std::array<std::uint8_t, 4> m{};
    if (mask & 0x01) m[0] |= b[0] & 0x04;                 // drawer
    if (mask & 0x02) m[0] |= b[0] & 0x68;                 // online/offline, cover, FEED
    if (mask & 0x04) m[1] = b[1];                         // errors
    if (mask & 0x08) m[2] = b[2];                         // paper sensors
    return m;
}

}  // namespace

bool ReceiptPrinter::asb_due(sim::Time t) const {
    if (m_asb_mask == 0 || faults().active(t, "disconnected")) return false;  // an error is still reported
    return asb_masked(esc::asb_block(printer_state(t)), m_asb_mask) != asb_masked(m_asb_last, m_asb_mask);
}

void ReceiptPrinter::check_asb(sim::Time t, bool force) {
    if (!force && !asb_due(t)) return;
    const auto block = esc::asb_block(printer_state(t));
    m_asb_last = block;
    const FaultRule* struck = faults().strike(t, "asb");
    if (struck && struck->fault != "asb_not_sent") apply_struck(t, *struck);
    if ((struck && struck->fault == "asb_not_sent") || faults().active(t, "asb_not_sent")) {
        record(t, "event", json{{"asb_not_sent", protocol::base64_encode(block)}});
        return;
    }
    transmit(t, block);
    record(t, "out", json{{"asb", hex(block)}}, block);
}

void ReceiptPrinter::reply_status(sim::Time t, std::uint8_t byte, json decoded) {
    const FaultRule* struck = faults().strike(t, "status");
    if (struck && struck->fault != "status_reply_lost") apply_struck(t, *struck);
    decoded["byte"] = hex_byte(byte);
    if ((struck && struck->fault == "status_reply_lost") || faults().active(t, "status_reply_lost")) {
        decoded["lost"] = true;
        record(t, "event", std::move(decoded));
        return;
    }
    ++m_status_replies;
    transmit(t, ByteView(&byte, 1));
    record(t, "out", std::move(decoded), ByteView(&byte, 1));
}

void ReceiptPrinter::apply_struck(sim::Time t, const FaultRule& rule) {
    record(t, "event", json{{"fault_struck", rule.fault}, {"rule", rule.id}});
    if (rule.fault == "cutter_jam") m_cutter_latched = true;
    else if (rule.fault == "paper_jam") m_jam_latched = true;
    else if (rule.fault == "unrecoverable_error") m_unrecoverable_latched = true;
    else if (rule.fault == "head_overheat") {
        double cooldown = m_config.head_cooldown_s;
        if (rule.params.contains("cooldown_s") && rule.params["cooldown_s"].is_number())
            cooldown = std::max(rule.params["cooldown_s"].get<double>(), 0.0);
        m_overheat_until = std::max(m_overheat_until, t + sim::from_seconds(cooldown));
    }
    // Other faults are conditions; struck as operations they have no effect here.
}

void ReceiptPrinter::clear_latched(sim::Time t, bool unrecoverable_too) {
    if (m_cutter_latched || m_jam_latched || (unrecoverable_too && m_unrecoverable_latched))
        record(t, "event", json{{"errors_cleared", true}});
    m_cutter_latched = false;
    m_jam_latched = false;
    if (unrecoverable_too) m_unrecoverable_latched = false;
}

void ReceiptPrinter::handle_realtime(sim::Time now, const esc::Event& e) {
    if (e.kind == EventKind::realtime_status) {
        reply_status(now, esc::dle_eot_reply(e.n, printer_state(now)), json{{"reply", "dle_eot"}, {"n", e.n}});
        return;
    }
    // DLE ENQ n acts only in a recoverable error (Epson): 1 resumes, 2 also clears the buffers.
    if (!(m_cutter_latched || m_jam_latched)) {
        record(now, "event", json{{"dle_enq", e.n}, {"ignored", "no recoverable error"}});
        return;
    }
    clear_latched(now, false);
    if (e.n == 2) {
        m_queue.clear();
        m_queued_bytes = 0;
        m_renderer.clear_line();
    }
    record(now, "event", json{{"dle_enq", e.n}, {"recovered", true}});
}

// Bytes in ----------------------------------------------------------------------------------------

void ReceiptPrinter::on_bytes(sim::Time at, ByteView bytes) {
    const sim::Time now = std::max(at, m_t);  // a host's clock never takes the model back
    advance(now);
    if (faults().active(now, "disconnected")) {
        record(now, "in", json{{"dropped", "disconnected"}, {"bytes", bytes.size()}}, bytes);
        return;
    }
    std::vector<esc::Event> events;
    m_parser.feed(bytes, events);
    const bool tracing = trace() != nullptr;  // decoded records are built only when kept
    json decoded = json::array();
    for (const auto& e : events) {
        if (tracing && decoded.size() < k_described_events) decoded.push_back(e.describe());
        if (e.kind == EventKind::unsupported) ++m_unsupported;
        if (e.kind == EventKind::oversize) ++m_oversize;
    }
    if (tracing) {
        json in{{"events", std::move(decoded)}, {"bytes", bytes.size()}};
        if (events.size() > k_described_events) in["more_events"] = events.size() - k_described_events;
        record(now, "in", std::move(in), bytes);
    }

    const bool refuse = faults().active(now, "buffer_full") != nullptr;
    std::size_t lost = 0;
    for (auto& e : events) {
        if (e.realtime()) {
            handle_realtime(now, e);
            continue;
        }
        if (refuse || m_queued_bytes >= m_config.input_buffer_bytes) {
            lost += e.size;
            continue;
        }
        m_queued_bytes += e.size;
        m_queue.push_back(Job{std::move(e), now});
    }
    if (lost > 0) {
        m_overflow_bytes += lost;
        record(now, "event", json{{"input_overflow_bytes", lost}});
    }
    settle(now);
}

// Physical actions ----------------------------------------------------------------------------------

void ReceiptPrinter::set_paper(sim::Time now, std::int64_t dots) {
    dots = std::max<std::int64_t>(dots, 0);
    if (m_work) {
        // Paper changed under a running feed: the feed goes on with the new roll.
        Work& w = *m_work;
        const std::int64_t fed = w.paper_at_start - paper_left_dots(now);
        w.paper_at_start = dots + fed;
        w.runs_out = w.full_dots > w.paper_at_start;
        w.dots = std::min(w.full_dots, w.paper_at_start);
        w.end = w.start + feed_time(w.dots, w.dots_per_s);
        if (w.event == EventKind::cut && !w.button && !w.runs_out) w.end += sim::from_seconds(m_config.cut_ms / 1000.0);
        if (w.end < now) w.end = now;
    }
    m_paper = dots;
}

void ReceiptPrinter::power_cycle(sim::Time now) {
    if (m_work) {
        m_paper = paper_left_dots(now);
        m_work.reset();
    }
    for (auto& r : m_renderer.take_completed()) to_slot(now, std::move(r));
    esc::Receipt printed = m_renderer.tear();
    if (!printed.empty()) to_slot(now, std::move(printed));
    m_renderer.reset();
    m_parser.reset();
    m_queue.clear();
    m_queued_bytes = 0;
    clear_output();
    clear_latched(now, true);
    m_overheat_until = now;
    m_button_dots = 0;
    m_asb_mask = 0;
}

std::optional<ActionResult> ReceiptPrinter::on_action(sim::Time now, std::string_view name, const json& action) {
    advance(now);
    std::optional<ActionResult> result;
    std::string error;
    if (name == "take_receipt") {
        const bool png = action.value("png", false);
        const bool all = action.value("all", false);
        if (m_slot.empty())
            return ActionResult::failure(idle() ? "no receipt in the output slot"
                                                : "no receipt in the output slot (one is printing)");
        const esc::RenderConfig rc = m_config.render_config();
        if (all) {
            json list = json::array();
            for (const auto& r : m_slot) list.push_back(receipt_json(r, png, rc));
            m_slot.clear();
            result = ActionResult::success(json{{"receipts", std::move(list)}});
        } else {
            json r = receipt_json(m_slot.front(), png, rc);
            m_slot.pop_front();
            r["remaining"] = m_slot.size();
            result = ActionResult::success(std::move(r));
        }
    } else if (name == "refill_paper" || name == "set_paper") {
        const std::optional<double> mm = mm_param(action, error);
        if (!error.empty()) return ActionResult::failure(error);
        if (name == "set_paper" && !mm) return ActionResult::failure("set_paper needs \"mm\": the paper left, in millimetres");
        set_paper(now, to_dots(mm.value_or(m_config.roll_mm), m_config.dots_per_mm));
        result = ActionResult::success(json{{"paper_mm", paper_left_mm(now)}});
    } else if (name == "open_cover") {
        m_cover_open = true;
        result = ActionResult::success();
    } else if (name == "close_cover") {
        m_cover_open = false;
        clear_latched(now, false);  // a jam is cleared with the cover open
        result = ActionResult::success();
    } else if (name == "press_feed") {
        const std::optional<double> mm = mm_param(action, error);
        if (!error.empty()) return ActionResult::failure(error);
        const std::int64_t dots = to_dots(mm.value_or(m_config.feed_button_mm), m_config.dots_per_mm);
        const bool feeds = !cover_open(now) && paper_left_dots(now) > 0 && !hard_stop(now);
        if (feeds) m_button_dots += dots;
        result = ActionResult::success(json{{"feeds", feeds}});
    } else if (name == "clear_jam") {
        clear_latched(now, false);
        result = ActionResult::success(json{{"errors_left", cutter_error(now) || jam_error(now)}});
    } else if (name == "power_cycle") {
        power_cycle(now);
        result = ActionResult::success();
    } else {
        return std::nullopt;
    }
    settle(now);
    return result;
}

std::vector<std::string> ReceiptPrinter::model_actions() const {
    return {"take_receipt", "refill_paper", "set_paper", "open_cover", "close_cover",
            "press_feed",   "clear_jam",    "power_cycle"};
}

// What the control API shows ----------------------------------------------------------------------

DeviceStatus ReceiptPrinter::status(sim::Time now) const {
    if (faults().active(now, "disconnected")) return {Health::absent, {"disconnected"}};
    const esc::PrinterState s = printer_state(now);
    std::vector<std::string> fault;
    std::vector<std::string> warn;
    if (s.paper_end) fault.emplace_back("paper-end");
    else if (s.paper_near_end) warn.emplace_back("paper-near-end");
    if (s.cover_open) fault.emplace_back("cover-open");
    if (s.autocutter_error) fault.emplace_back("autocutter-error");
    if (s.recoverable_error) fault.emplace_back("paper-jam");
    if (s.unrecoverable_error) fault.emplace_back("unrecoverable-error");
    if (faults().active(now, "offline")) fault.emplace_back("offline");
    if (feed_stuck(now)) fault.emplace_back("feed-button-stuck");
    if (s.auto_recoverable_error) warn.emplace_back("head-overheat");
    if (input_space(now) == 0) warn.emplace_back("buffer-full");
    if (s.drawer_open) warn.emplace_back("drawer-open");
    if (faults().active(now, "slow_print")) warn.emplace_back("slow-print");
    if (faults().active(now, "status_reply_lost")) warn.emplace_back("status-reply-lost");
    if (faults().active(now, "asb_not_sent")) warn.emplace_back("asb-not-sent");
    DeviceStatus st;
    st.health = !fault.empty() ? Health::fault : !warn.empty() ? Health::warn : Health::ok;
    st.reasons = std::move(fault);
    st.reasons.insert(st.reasons.end(), warn.begin(), warn.end());
    return st;
}

json ReceiptPrinter::model_state(sim::Time now) const {
    const esc::PrinterState s = printer_state(now);
    json status_bytes = json::object();
    for (int n = 1; n <= 4; ++n) status_bytes[std::to_string(n)] = hex_byte(esc::dle_eot_reply(n, s));
    json printing = nullptr;
    if (m_work) printing = m_work->button ? std::string("feed_button") : std::string(esc::to_string(m_work->event));
    return json{{"paper_mm", paper_left_mm(now)},
                {"near_end_mm", m_config.near_end_mm},
                {"roll_mm", m_config.roll_mm},
                {"paper_width_mm", m_config.paper_width_mm},
                {"paper_near_end", s.paper_near_end},
                {"paper_end", s.paper_end},
                {"cover_open", s.cover_open},
                {"printing", printing},
                {"queued_bytes", m_queued_bytes},
                {"input_space", input_space(now)},
                {"receipts_waiting", m_slot.size()},
                {"receipts_cut", m_receipts_cut},
                {"receipts_torn", m_receipts_torn},
                {"receipts_fallen", m_receipts_fallen},
                {"lines_in_progress", m_renderer.current().lines.size()},
                {"overflow_bytes", m_overflow_bytes},
                {"unsupported_commands", m_unsupported},
                {"oversize_payloads", m_oversize},
                {"status_replies", m_status_replies},
                {"asb_mask", m_asb_mask},
                {"chinese_mode", m_parser.chinese_mode()},
                {"dle_eot", std::move(status_bytes)},
                {"config", m_config.to_json()}};
}

}  // namespace kiosktwin::devices
