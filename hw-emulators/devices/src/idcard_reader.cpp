#include <kiosktwin/devices/idcard_reader.hpp>

#include <kiosktwin/protocol/citizen_id.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <utility>

namespace kiosktwin::devices {

using nlohmann::json;
using protocol::SamCommand;
using protocol::SamResponse;
using protocol::Sw3;

namespace {

const std::vector<std::string> k_faults = {
    "find_fail",       "select_fail",     "read_fail",      "auth_fail_card",   "auth_fail_sam",
    "verify_error",    "wrong_card_type", "random_fail",    "no_appended_address", "card_removed_during_read",
    "slow_read",       "corrupt_photo",   "self_test_fail", "not_authorised",   "error_reply",
    "no_reply",        "truncated_reply", "corrupt_checksum", "garbage_before", "disconnected"};

// Condition faults that degrade the reader without stopping it: WARN while they hold.
const char* const k_degrading[] = {"find_fail",    "select_fail",     "read_fail",        "auth_fail_card",
                                   "auth_fail_sam", "verify_error",   "wrong_card_type",  "random_fail",
                                   "no_appended_address", "card_removed_during_read", "slow_read", "corrupt_photo",
                                   "error_reply",  "no_reply",        "truncated_reply",  "corrupt_checksum",
                                   "garbage_before"};

std::string hex2(std::uint8_t b) {
    char buf[4];
    std::snprintf(buf, sizeof buf, "%02x", b);
    return buf;
}

std::string kebab(std::string s) {
    std::replace(s.begin(), s.end(), '_', '-');
    return s;
}

sim::Duration ms(double v) { return sim::from_seconds(v / 1000.0); }

bool is_read(SamCommand c) {
    return c == SamCommand::read_text_photo || c == SamCommand::read_appended_address ||
           c == SamCommand::read_text_photo_fingerprint;
}

json event_json(const protocol::SamEvent& e) {
    switch (e.kind) {
    case protocol::SamEventKind::frame: {
        const auto rq = e.request();
        if (!rq) return json{{"kind", "request"}, {"len", e.declared_len}, {"error", "too short for CMD and PARA"}};
        json j{{"kind", "request"}, {"cmd", hex2(rq->cmd)}, {"para", hex2(rq->para)}, {"data_len", rq->data.size()}};
        const auto c = rq->command();
        j["command"] = c ? protocol::to_string(*c) : "unknown";
        return j;
    }
    case protocol::SamEventKind::checksum_error:
        return json{{"kind", "checksum_error"}, {"len", e.declared_len}, {"chk", hex2(e.received_checksum())},
                    {"expected", hex2(e.computed_checksum())}};
    case protocol::SamEventKind::length_error: return json{{"kind", "length_error"}, {"len", e.declared_len}};
    case protocol::SamEventKind::garbage: return json{{"kind", "garbage"}, {"bytes", e.skipped}};
    }
    return json{};
}

double number_key(const json& j, const char* key, double min, double max) {
    const json& v = j.at(key);
    if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < min || v.get<double>() > max)
        throw std::invalid_argument(std::string("idcard_reader config: \"") + key + "\" must be a number from " +
                                    std::to_string(min) + " to " + std::to_string(max));
    return v.get<double>();
}

bool bool_key(const json& j, const char* key) {
    if (!j.at(key).is_boolean())
        throw std::invalid_argument(std::string("idcard_reader config: \"") + key + "\" must be true or false");
    return j.at(key).get<bool>();
}

// A param of a fault rule as a count, clamped; `fallback` when absent or not a number.
std::size_t count_param(const json& params, const char* key, std::size_t fallback, std::size_t lo, std::size_t hi) {
    if (!params.is_object() || !params.contains(key) || !params[key].is_number()) return std::clamp(fallback, lo, hi);
    const double v = params[key].get<double>();
    if (!(v >= 0)) return lo;
    return std::clamp(static_cast<std::size_t>(std::min(v, 1e9)), lo, hi);
}

}  // namespace

// --- Config --------------------------------------------------------------------------

IdCardReaderConfig IdCardReaderConfig::from_json(const json& j) {
    if (j.is_null()) return {};
    if (!j.is_object()) throw std::invalid_argument("idcard_reader config: expected a JSON object");
    IdCardReaderConfig c;
    struct Ms {
        const char* key;
        double IdCardReaderConfig::*member;
    };
    static const Ms k_ms[] = {{"find_ms", &IdCardReaderConfig::find_ms},
                              {"select_ms", &IdCardReaderConfig::select_ms},
                              {"read_ms", &IdCardReaderConfig::read_ms},
                              {"read_fingerprint_ms", &IdCardReaderConfig::read_fingerprint_ms},
                              {"read_address_ms", &IdCardReaderConfig::read_address_ms},
                              {"reset_ms", &IdCardReaderConfig::reset_ms},
                              {"status_ms", &IdCardReaderConfig::status_ms},
                              {"sam_id_ms", &IdCardReaderConfig::sam_id_ms},
                              {"set_baud_ms", &IdCardReaderConfig::set_baud_ms},
                              {"error_ms", &IdCardReaderConfig::error_ms},
                              {"jitter_ms", &IdCardReaderConfig::jitter_ms},
                              {"rx_timeout_ms", &IdCardReaderConfig::rx_timeout_ms}};
    for (const auto& item : j.items()) {
        const std::string& k = item.key();
        const auto m = std::find_if(std::begin(k_ms), std::end(k_ms), [&](const Ms& x) { return k == x.key; });
        if (m != std::end(k_ms)) {
            c.*(m->member) = number_key(j, m->key, 0, 600'000);
        } else if (k == "baud") {
            if (!item.value().is_number_integer() || !protocol::sam_set_baud_command(item.value().get<int>()))
                throw std::invalid_argument(
                    "idcard_reader config: \"baud\" must be one of 115200, 57600, 38400, 19200, 9600");
            c.baud = item.value().get<int>();
        } else if (k == "max_frame_len") {
            c.max_frame_len = static_cast<std::size_t>(number_key(j, "max_frame_len", 16, 65535));
        } else if (k == "max_queued_requests") {
            c.max_queued_requests = static_cast<std::size_t>(number_key(j, "max_queued_requests", 1, 1024));
        } else if (k == "reads_permits") {
            c.reads_permits = bool_key(j, "reads_permits");
        } else if (k == "fingerprint_command") {
            c.fingerprint_command = bool_key(j, "fingerprint_command");
        } else if (k == "sam_id") {
            if (!item.value().is_string() ||
                (!item.value().get<std::string>().empty() && !protocol::SamId::parse(item.value().get<std::string>())))
                throw std::invalid_argument(
                    "idcard_reader config: \"sam_id\" must look like \"05.01-20260101-0012345678-1234567890\"");
            c.sam_id = item.value().get<std::string>();
        } else if (k == "reference_date") {
            std::string s = item.value().is_string() ? item.value().get<std::string>() : std::string();
            s.erase(std::remove(s.begin(), s.end(), '-'), s.end());
            const auto d = protocol::CivilDate::parse(s);
            if (!d) throw std::invalid_argument("idcard_reader config: \"reference_date\" must be \"YYYY-MM-DD\"");
            c.reference_date = *d;
        } else {
            throw std::invalid_argument("idcard_reader config: unknown key \"" + k + "\"");
        }
    }
    // With no inter-byte timeout a request split over two writes could never be assembled.
    if (c.rx_timeout_ms < 1) throw std::invalid_argument("idcard_reader config: \"rx_timeout_ms\" must be at least 1");
    return c;
}

json IdCardReaderConfig::to_json() const {
    const std::string d = reference_date.yyyymmdd();
    return json{{"baud", baud},
                {"find_ms", find_ms},
                {"select_ms", select_ms},
                {"read_ms", read_ms},
                {"read_fingerprint_ms", read_fingerprint_ms},
                {"read_address_ms", read_address_ms},
                {"reset_ms", reset_ms},
                {"status_ms", status_ms},
                {"sam_id_ms", sam_id_ms},
                {"set_baud_ms", set_baud_ms},
                {"error_ms", error_ms},
                {"jitter_ms", jitter_ms},
                {"rx_timeout_ms", rx_timeout_ms},
                {"max_frame_len", max_frame_len},
                {"max_queued_requests", max_queued_requests},
                {"reads_permits", reads_permits},
                {"fingerprint_command", fingerprint_command},
                {"sam_id", sam_id},
                {"reference_date", d.substr(0, 4) + "-" + d.substr(4, 2) + "-" + d.substr(6, 2)}};
}

// --- Reader --------------------------------------------------------------------------------

IdCardReader::IdCardReader(std::string id, std::uint64_t seed, IdCardReaderConfig config)
    : StreamDevice(std::move(id), k_kind, seed, config.baud),
      m_config(std::move(config)),
      m_decoder(m_config.max_frame_len),
      m_generator(sim::derive_seed(seed, "cards")),
      m_timing_rng(sim::derive_seed(seed, "timing")),
      m_noise_rng(sim::derive_seed(seed, "noise")) {
    faults().set_known_faults(k_faults);
    if (!m_config.sam_id.empty()) {
        m_sam_id = protocol::SamId::parse(m_config.sam_id).value_or(protocol::SamId{});
    } else {
        sim::Rng r(sim::derive_seed(seed, "sam-id"));
        m_sam_id.date = static_cast<std::uint32_t>(20200101 + 10000 * r.below(6) + 100 * r.below(12) + r.below(28));
        m_sam_id.serial = static_cast<std::uint32_t>(r.below(100'000'000));
        m_sam_id.check = static_cast<std::uint32_t>(r.below(4'000'000'000));
    }
}

std::vector<std::string> IdCardReader::fault_names() { return k_faults; }

protocol::CivilDate IdCardReader::today(sim::Time now) const noexcept {
    const std::int64_t us = now.time_since_epoch().count();
    const std::int64_t days = us >= 0 ? us / 86'400'000'000LL : 0;
    return m_config.reference_date.plus_days(days);
}

void IdCardReader::set_baud(int baud) {
    StreamDevice::set_baud(baud);
    m_pending_baud = 0;
    m_baud_switch_at = sim::end_of_time;
}

bool IdCardReader::insert_card(sim::Time, IdCard card, bool damaged) {
    if (m_card) return false;
    m_card = std::move(card);
    m_card_damaged = damaged;
    m_session = Session::idle;  // a new card must be found
    return true;
}

std::optional<IdCard> IdCardReader::remove_card(sim::Time) {
    std::optional<IdCard> c = std::move(m_card);
    m_card.reset();
    m_card_damaged = false;
    // The session stays as it was: a select or read now fails as it would on
    // the real reader (81 / 41), rather than being refused as out of order.
    return c;
}

IdCard IdCardReader::generate_card(sim::Time, GeneratorOptions options) { return m_generator.next(options); }

void IdCardReader::power_cycle(sim::Time now) {
    m_decoder.reset();
    m_queue.clear();
    m_current.reset();
    clear_output();
    m_session = Session::idle;
    m_self_test_rule.clear();
    StreamDevice::set_baud(m_config.baud);
    m_pending_baud = 0;
    m_baud_switch_at = sim::end_of_time;
    m_free_at = now;
}

// --- Input ------------------------------------------------------------------------------------

void IdCardReader::on_bytes(sim::Time now, ByteView bytes) {
    const bool tracing = trace() != nullptr;
    advance(now);
    if (faults().active(now, "disconnected")) {
        record(now, "in", json{{"ignored", "disconnected"}, {"bytes", bytes.size()}}, bytes);
        return;
    }
    m_last_rx = now;
    json frames = json::array();
    for (const protocol::SamEvent& e : m_decoder.feed(bytes)) {
        if (tracing) frames.push_back(event_json(e));
        Pending p;
        p.arrival = now;
        if (e.kind == protocol::SamEventKind::garbage) continue;
        if (e.kind == protocol::SamEventKind::checksum_error) {
            p.input = Input::checksum_error;
        } else if (e.kind == protocol::SamEventKind::length_error) {
            p.input = Input::length_error;
        } else if (auto rq = e.request()) {
            p.request = std::move(*rq);
        } else {
            p.input = Input::length_error;  // Len 1 or 2: no room for CMD and PARA
        }
        if (m_queue.size() >= m_config.max_queued_requests) {
            ++m_dropped_requests;
            if (tracing) frames.back()["dropped"] = "reader busy, queue full";
            continue;
        }
        m_queue.push_back(std::move(p));
    }
    if (tracing) record(now, "in", json{{"frames", std::move(frames)}}, bytes);
    advance(now);
}

std::string IdCardReader::operation_of(const Pending& p) const {
    if (p.input != Input::request) return "malformed";
    const auto c = p.request.command();
    if (!c) return "malformed";
    switch (*c) {
    case SamCommand::reset: return "reset";
    case SamCommand::status: return "status";
    case SamCommand::sam_id: return "sam_id";
    case SamCommand::find: return "find";
    case SamCommand::select: return "select";
    case SamCommand::read_text_photo: return "read";
    case SamCommand::read_appended_address: return "read_address";
    case SamCommand::read_text_photo_fingerprint: return "read_fingerprint";
    default: return "set_baud";
    }
}

sim::Duration IdCardReader::processing(const std::string& op) {
    double v = m_config.error_ms;
    if (op == "reset") v = m_config.reset_ms;
    else if (op == "status") v = m_config.status_ms;
    else if (op == "sam_id") v = m_config.sam_id_ms;
    else if (op == "find") v = m_config.find_ms;
    else if (op == "select") v = m_config.select_ms;
    else if (op == "read") v = m_config.read_ms;
    else if (op == "read_address") v = m_config.read_address_ms;
    else if (op == "read_fingerprint") v = m_config.read_fingerprint_ms;
    else if (op == "set_baud") v = m_config.set_baud_ms;
    if (m_config.jitter_ms > 0) v += m_timing_rng.uniform(0.0, m_config.jitter_ms);
    return ms(v);
}

// --- Time ---------------------------------------------------------------------------------------

bool IdCardReader::start_next() {
    if (m_current || m_queue.empty()) return false;
    InFlight f;
    f.p = std::move(m_queue.front());
    m_queue.pop_front();
    f.op = operation_of(f.p);
    f.start = std::max(f.p.arrival, m_free_at);
    if (const FaultRule* r = faults().strike(f.start, f.op)) {
        f.fault = r->fault;
        f.fault_id = r->id;
        f.params = r->params;
    }
    sim::Duration d = processing(f.op);
    const bool reading = f.op == "read" || f.op == "read_address" || f.op == "read_fingerprint";
    if (reading && holds(f, f.start, "slow_read"))
        d += ms(static_cast<double>(count_param(fault_params(f, f.start, "slow_read"), "extra_ms", 1000, 0, 600'000)));
    if (reading && holds(f, f.start, "card_removed_during_read")) d /= 2;  // the card leaves halfway
    f.done = f.start + d;
    m_current = std::move(f);
    return true;
}

void IdCardReader::advance(sim::Time now) {
    for (;;) {
        // A set_baud answer goes out at the old rate; the switch waits until the host has taken it.
        if (m_pending_baud != 0 && m_baud_switch_at <= now) {
            if (output_pending()) break;
            StreamDevice::set_baud(m_pending_baud);
            record(m_baud_switch_at, "event", json{{"baud", m_pending_baud}});
            m_pending_baud = 0;
            m_baud_switch_at = sim::end_of_time;
            continue;
        }
        if (!m_current) {
            if (!start_next()) break;
            continue;
        }
        if (m_current->done > now) break;
        InFlight f = std::move(*m_current);
        m_current.reset();
        complete(f);
    }
    if (!m_decoder.idle()) {
        const sim::Time deadline = m_last_rx + ms(m_config.rx_timeout_ms);
        if (deadline <= now) {
            record(deadline, "event", json{{"rx_timeout", {{"partial_bytes", m_decoder.buffered()}}}});
            m_decoder.reset();
        }
    }
}

sim::Time IdCardReader::next_wakeup() const {
    sim::Time t = StreamDevice::next_wakeup();
    if (m_current) t = std::min(t, m_current->done);
    if (m_pending_baud != 0) t = std::min(t, m_baud_switch_at);
    if (!m_decoder.idle()) t = std::min(t, m_last_rx + ms(m_config.rx_timeout_ms));
    return t;
}

void IdCardReader::on_wakeup(sim::Time now) { advance(now); }

// --- Faults ---------------------------------------------------------------------------------------

bool IdCardReader::holds(const InFlight& f, sim::Time t, const char* fault) const {
    if (f.fault == fault) {
        f.fault_used = true;
        return true;
    }
    return faults().active(t, fault) != nullptr;
}

json IdCardReader::fault_params(const InFlight& f, sim::Time t, const char* fault) const {
    if (f.fault == fault) return f.params;
    if (const FaultRule* r = faults().active(t, fault)) return r->params;
    return json::object();
}

bool IdCardReader::self_test_failed(sim::Time t) const {
    if (faults().active(t, "self_test_fail")) return true;
    if (m_self_test_rule.empty()) return false;
    // Latched by an operation rule: until that rule is cleared.
    const json described = faults().describe(t);
    for (const json& r : described.at("rules"))
        if (r.value("id", std::string()) == m_self_test_rule) return true;
    return false;
}

// --- Commands -------------------------------------------------------------------------------------

void IdCardReader::complete(InFlight& f) {
    deliver(f);
    if (!f.fault.empty()) {
        // A card fault struck on a command it does not concern (a read_fail rule without
        // "operation" striking a find) does nothing; say so in the trace.
        const std::string what = f.fault_used ? "fault_struck" : "fault_ignored";
        record(f.done, "event", json{{what, {{"fault", f.fault}, {"rule", f.fault_id}, {"operation", f.op}}}});
    }
}

void IdCardReader::deliver(InFlight& f) {
    const sim::Time t = f.done;
    Answer a = execute(f, t);
    m_free_at = t;
    if (!a.reply) {
        record(t, "event", json{{"no_answer", a.note}});
        return;
    }
    protocol::Bytes frame = a.response.encode();
    // Decoded records cost more than the answer itself: built only when kept.
    json decoded;
    if (trace() != nullptr) {
        decoded = json{{"command", f.op},
                       {"sw3", hex2(a.response.sw3)},
                       {"status", protocol::sw3_name(a.response.status())},
                       {"meaning", protocol::to_string(a.response.status())},
                       {"data_len", a.response.data.size()}};
        for (const auto& item : a.note.items()) decoded[item.key()] = item.value();
    }
    if (holds(f, t, "no_reply")) {
        decoded["fault"] = "no_reply";
        record(t, "event", json{{"answer_dropped", decoded}});
        if (a.new_baud) {
            m_pending_baud = a.new_baud;
            m_baud_switch_at = t;
        }
        return;
    }
    json applied = json::array();
    if (holds(f, t, "corrupt_checksum")) {
        frame.back() ^= 0x5A;
        applied.push_back("corrupt_checksum");
    }
    if (holds(f, t, "truncated_reply")) {
        const std::size_t n = count_param(fault_params(f, t, "truncated_reply"), "bytes", frame.size() / 2, 1, frame.size() - 1);
        frame.resize(n);
        applied.push_back("truncated_reply");
    }
    if (holds(f, t, "garbage_before")) {
        const std::size_t n = count_param(fault_params(f, t, "garbage_before"), "bytes", 8, 1, 4096);
        protocol::Bytes noise(n);
        for (auto& b : noise) {
            // Never 0xAA: noise that happened to start a preamble would make tests depend on luck.
            const auto v = static_cast<std::uint8_t>(m_noise_rng.below(255));
            b = v >= 0xAA ? static_cast<std::uint8_t>(v + 1) : v;
        }
        frame.insert(frame.begin(), noise.begin(), noise.end());
        applied.push_back("garbage_before");
    }
    if (!applied.empty() && trace() != nullptr) decoded["faults"] = applied;
    transmit(t, frame);
    if (trace() != nullptr) record(t, "out", decoded, frame);
    m_free_at = std::max(t, output_idle_at());
    if (a.new_baud) {
        m_pending_baud = a.new_baud;
        m_baud_switch_at = output_idle_at();
    }
}

IdCardReader::Answer IdCardReader::execute(InFlight& f, sim::Time t) {
    Answer a;
    if (faults().active(t, "disconnected")) {
        a.reply = false;
        a.note = json{{"why", "disconnected"}};
        return a;
    }
    if (self_test_failed(t) || f.fault == "self_test_fail") {
        if (f.fault == "self_test_fail") {
            m_self_test_rule = f.fault_id;
            f.fault_used = true;
        }
        a.response = SamResponse(Sw3::self_test_failed);
        return a;
    }
    if (f.p.input == Input::checksum_error) {
        a.response = SamResponse(Sw3::checksum_error);
        return a;
    }
    if (f.p.input == Input::length_error) {
        a.response = SamResponse(Sw3::length_error);
        return a;
    }
    if (holds(f, t, "error_reply")) {
        a.response.sw3 = static_cast<std::uint8_t>(count_param(fault_params(f, t, "error_reply"), "sw3", 0x24, 0, 255));
        a.note = json{{"fault", "error_reply"}};
        return a;
    }
    const protocol::SamRequest& rq = f.p.request;
    const auto cmd = rq.command();
    if (!cmd || (*cmd == SamCommand::read_text_photo_fingerprint && !m_config.fingerprint_command)) {
        a.response = SamResponse(Sw3::bad_command);
        return a;
    }
    if (!rq.data.empty()) {  // no command of the table carries data
        a.response = SamResponse(Sw3::length_error);
        return a;
    }
    const bool card_op = *cmd == SamCommand::status || *cmd == SamCommand::find || *cmd == SamCommand::select || is_read(*cmd);
    if (card_op && holds(f, t, "not_authorised")) {
        a.response = SamResponse(Sw3::not_authorised);
        return a;
    }
    switch (*cmd) {
    case SamCommand::reset:
        m_session = Session::idle;
        a.response = SamResponse(Sw3::success);
        return a;
    case SamCommand::status: a.response = SamResponse(Sw3::success); return a;
    case SamCommand::sam_id: a.response = SamResponse(Sw3::success, m_sam_id.encode()); return a;
    case SamCommand::find:
        if (!m_card || holds(f, t, "find_fail")) {
            m_session = Session::idle;
            a.response = SamResponse(Sw3::find_failed);
            return a;
        }
        m_session = Session::found;
        a.response = SamResponse(Sw3::find_ok, protocol::Bytes(protocol::k_find_data_size, 0));
        return a;
    case SamCommand::select:
        if (m_session == Session::idle || !m_card || holds(f, t, "select_fail")) {
            m_session = Session::idle;
            a.response = SamResponse(Sw3::select_failed);
            return a;
        }
        m_session = Session::selected;
        a.response = SamResponse(Sw3::success, protocol::Bytes(protocol::k_select_data_size, 0));
        return a;
    case SamCommand::read_text_photo:
    case SamCommand::read_appended_address:
    case SamCommand::read_text_photo_fingerprint: return read_card(f, t, *cmd);
    default: break;
    }
    // set_baud: answered at the old rate; complete() schedules the switch.
    a.response = SamResponse(Sw3::success);
    a.new_baud = protocol::sam_baud(*cmd);
    a.note = json{{"new_baud", a.new_baud}};
    return a;
}

IdCardReader::Answer IdCardReader::read_card(InFlight& f, sim::Time t, SamCommand cmd) {
    Answer a;
    auto fail = [&](Sw3 s) {
        a.response = SamResponse(s);
        return a;
    };
    if (m_session != Session::selected) return fail(Sw3::bad_command);  // find → select → read, each mandatory
    if (!m_card) {
        m_session = Session::idle;
        return fail(Sw3::read_failed);  // the card left after the select
    }
    if (holds(f, t, "card_removed_during_read")) {
        m_card.reset();
        m_card_damaged = false;
        m_session = Session::idle;
        record(t, "event", json{{"card_removed", "during the read (fault)"}});
        return fail(Sw3::read_failed);
    }
    if (m_card_damaged) return fail(Sw3::read_failed);
    if (!m_config.reads_permits && m_card->type != CardType::resident) return fail(Sw3::wrong_card_type);
    const std::pair<const char*, Sw3> card_faults[] = {
        {"wrong_card_type", Sw3::wrong_card_type}, {"auth_fail_card", Sw3::card_auth_failed},
        {"auth_fail_sam", Sw3::sam_auth_failed},   {"random_fail", Sw3::random_failed},
        {"verify_error", Sw3::verify_error},       {"read_fail", Sw3::read_failed}};
    for (const auto& [name, sw] : card_faults)
        if (holds(f, t, name)) return fail(sw);

    if (cmd == SamCommand::read_appended_address) {
        if (!m_card->appended_address || holds(f, t, "no_appended_address")) return fail(Sw3::no_content);
        a.response = SamResponse(Sw3::success, protocol::encode_appended_address(*m_card->appended_address).bytes);
        return a;
    }
    const protocol::EncodedIdText text = m_card->text_block();
    protocol::Bytes photo = m_card->photo;
    if (holds(f, t, "corrupt_photo")) {
        for (std::size_t i = 8; i < photo.size(); i += 3) photo[i] ^= 0x5A;
        a.note["fault"] = "corrupt_photo";
    }
    const protocol::Bytes data =
        cmd == SamCommand::read_text_photo
            ? protocol::encode_read_info_data(text.block, photo)
            : protocol::encode_read_info_fingerprint_data(text.block, photo,
                                                          m_card->has_fingerprint ? m_card->fingerprint : protocol::Bytes{});
    a.response = SamResponse(Sw3::success, data);
    if (trace() != nullptr) a.note["card"] = m_card->summary();
    return a;
}

// --- Face -------------------------------------------------------------------------------------------

DeviceStatus IdCardReader::status(sim::Time now) const {
    DeviceStatus s;
    if (faults().active(now, "disconnected")) {
        s.health = Health::absent;
        s.reasons.push_back("disconnected");
        return s;
    }
    if (self_test_failed(now)) {
        s.health = Health::fault;
        s.reasons.push_back("self-test-failed");
    }
    if (faults().active(now, "not_authorised")) {
        s.health = Health::fault;
        s.reasons.push_back("sam-not-authorised");
    }
    auto warn = [&](std::string reason) {
        if (s.health == Health::ok) s.health = Health::warn;
        s.reasons.push_back(std::move(reason));
    };
    for (const char* f : k_degrading)
        if (faults().active(now, f)) warn(kebab(f));
    if (m_card && m_card_damaged) warn("card-unreadable");
    if (m_card && !m_config.reads_permits && m_card->type != CardType::resident) warn("card-type-unsupported");
    s.reasons.push_back(m_card ? "card-present" : "no-card");
    return s;
}

std::vector<std::string> IdCardReader::model_actions() const { return {"insert_card", "remove_card", "power_cycle"}; }

json IdCardReader::model_state(sim::Time now) const {
    static const char* const k_sessions[] = {"idle", "found", "selected"};
    json j{{"card", m_card ? m_card->summary() : json(nullptr)},
           {"card_damaged", m_card_damaged},
           {"session", k_sessions[static_cast<int>(m_session)]},
           {"baud", baud()},
           {"configured_baud", m_config.baud},
           {"pending_baud", m_pending_baud},
           {"sam_id", m_sam_id.to_string()},
           {"self_test_failed", self_test_failed(now)},
           {"busy", m_current.has_value()},
           {"queued_requests", m_queue.size()},
           {"dropped_requests", m_dropped_requests},
           {"today", today(now).yyyymmdd()},
           {"decoder",
            {{"frames", m_decoder.stats().frames},
             {"checksum_errors", m_decoder.stats().checksum_errors},
             {"length_errors", m_decoder.stats().length_errors},
             {"garbage_bytes", m_decoder.stats().garbage_bytes}}},
           {"config", m_config.to_json()}};
    return j;
}

std::optional<ActionResult> IdCardReader::on_action(sim::Time now, std::string_view name, const json& action) {
    if (name == "insert_card") {
        static const char* const k_keys[] = {"action", "card", "generate", "preset", "damaged", "replace"};
        for (const auto& item : action.items())
            if (std::find_if(std::begin(k_keys), std::end(k_keys), [&](const char* k) { return item.key() == k; }) ==
                std::end(k_keys))
                return ActionResult::failure("insert_card: unknown key \"" + item.key() +
                                             "\" (use card, generate, preset, damaged, replace)");
        bool damaged = false;
        bool replace = false;
        if (action.contains("damaged")) {
            if (!action["damaged"].is_boolean()) return ActionResult::failure("insert_card: \"damaged\" must be true or false");
            damaged = action["damaged"].get<bool>();
        }
        if (action.contains("replace")) {
            if (!action["replace"].is_boolean()) return ActionResult::failure("insert_card: \"replace\" must be true or false");
            replace = action["replace"].get<bool>();
        }
        if (m_card && !replace)
            return ActionResult::failure("insert_card: a card is already on the reader (remove_card first, or \"replace\": true)");
        IdCard card;
        try {
            if (action.contains("card")) {
                if (action.contains("generate") || action.contains("preset"))
                    return ActionResult::failure("insert_card: give \"card\", or \"generate\"/\"preset\", not both");
                card = IdCard::from_json(action["card"]);
            } else {
                json opts = json::object();
                if (action.contains("preset")) {
                    const std::string p = action["preset"].is_string() ? action["preset"].get<std::string>() : "";
                    const auto po = preset_options(p);
                    if (!po) {
                        std::string list;
                        for (const auto& n : preset_names()) list += (list.empty() ? "" : ", ") + n;
                        return ActionResult::failure("insert_card: unknown preset \"" + p + "\"; known: " + list);
                    }
                    opts = po->to_json();
                    opts.erase("reference_date");
                }
                if (action.contains("generate")) {
                    if (!action["generate"].is_object()) return ActionResult::failure("insert_card: \"generate\" must be an object");
                    for (const auto& item : action["generate"].items()) opts[item.key()] = item.value();
                }
                GeneratorOptions o = GeneratorOptions::from_json(opts);
                if (!opts.contains("reference_date")) o.reference_date = today(now);
                card = generate_card(now, o);
            }
        } catch (const std::exception& e) {
            return ActionResult::failure(std::string("insert_card: ") + e.what());
        }
        if (m_card) remove_card(now);
        json issues = json::array();
        for (const auto& i : card.text_block().issues) issues.push_back(json{{"field", i.field}, {"what", i.what}});
        json data{{"card", card.to_json()}, {"summary", card.summary()}, {"text_issues", issues},
                  {"expired", card.expired_on(today(now))}};
        insert_card(now, std::move(card), damaged);
        return ActionResult::success(std::move(data));
    }
    if (name == "remove_card") {
        auto c = remove_card(now);
        if (!c) return ActionResult::failure("remove_card: no card on the reader");
        return ActionResult::success(json{{"card", c->summary()}});
    }
    if (name == "power_cycle") {
        power_cycle(now);
        return ActionResult::success(json{{"baud", baud()}});
    }
    return std::nullopt;
}

}  // namespace kiosktwin::devices
