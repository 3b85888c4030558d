#include <kiosktwin/devices/qr_scanner.hpp>

#include <kiosktwin/protocol/local_service.hpp>

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

namespace kiosktwin::devices {

using nlohmann::json;
namespace proto = kiosktwin::protocol;

namespace {

// Reads a config object key by key; finish() refuses keys nobody asked for.
class ScannerConfigReader {
public:
    ScannerConfigReader(const json& j, std::string what) : m_j(j), m_what(std::move(what)) {
        if (!j.is_object()) throw std::invalid_argument(m_what + ": expected a JSON object");
    }
    const json* get(const std::string& key) {
        m_known.insert(key);
        return m_j.contains(key) ? &m_j.at(key) : nullptr;
    }
    [[noreturn]] void bad(const std::string& key, const std::string& why) const {
        throw std::invalid_argument(m_what + ": \"" + key + "\" " + why);
    }
    std::int64_t integer(const std::string& key, std::int64_t lo, std::int64_t hi, std::int64_t fallback) {
        const json* v = get(key);
        if (!v) return fallback;
        if (!v->is_number_integer() || v->get<std::int64_t>() < lo || v->get<std::int64_t>() > hi)
            bad(key, "must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
        return v->get<std::int64_t>();
    }
    sim::Duration ms(const std::string& key, std::int64_t lo, std::int64_t hi, sim::Duration fallback) {
        const json* v = get(key);
        if (!v) return fallback;
        if (!v->is_number() || !std::isfinite(v->get<double>()) || v->get<double>() < static_cast<double>(lo) ||
            v->get<double>() > static_cast<double>(hi))
            bad(key, "must be a number of milliseconds in " + std::to_string(lo) + ".." + std::to_string(hi));
        return sim::from_seconds(v->get<double>() / 1000.0);
    }
    bool boolean(const std::string& key, bool fallback) {
        const json* v = get(key);
        if (!v) return fallback;
        if (!v->is_boolean()) bad(key, "must be true or false");
        return v->get<bool>();
    }
    std::string string(const std::string& key, const std::string& fallback, std::size_t max_len) {
        const json* v = get(key);
        if (!v) return fallback;
        if (!v->is_string() || v->get<std::string>().size() > max_len)
            bad(key, "must be a string of at most " + std::to_string(max_len) + " bytes");
        return v->get<std::string>();
    }
    void finish() const {
        for (const auto& [key, value] : m_j.items())
            if (!m_known.count(key)) throw std::invalid_argument(m_what + ": unknown key \"" + key + "\"");
    }

private:
    const json& m_j;
    std::string m_what;
    std::set<std::string> m_known;
};

// A fault's numeric parameter, or the fallback when absent or not a number.
double param(const FaultRule& r, const char* key, double fallback) {
    const auto it = r.params.find(key);
    return it != r.params.end() && it->is_number() && std::isfinite(it->get<double>()) ? it->get<double>() : fallback;
}

std::int64_t whole_ms(sim::Duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

const char* mode_name(ScanMode m) { return m == ScanMode::continuous ? "continuous" : "host_trigger"; }

constexpr sim::Duration k_ssi_interbyte = std::chrono::milliseconds(200);  // a frame's bytes come together
constexpr sim::Duration k_ssi_reply_delay = std::chrono::milliseconds(10);
constexpr std::size_t k_max_payload = std::size_t{1} << 20;
constexpr std::size_t k_max_scan_data = 64 * 1024;

std::string digits(sim::Rng& rng, int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + rng.below(10)));
    return s;
}

std::string hex_upper(sim::Rng& rng, int n) {
    static constexpr char k_hex[] = "0123456789ABCDEF";
    std::string s;
    for (int i = 0; i < n; ++i) s.push_back(k_hex[rng.below(16)]);
    return s;
}

// A unified social credit code (GB 32100-2015) with a valid check character.
std::string social_credit_code(sim::Rng& rng) {
    static constexpr std::string_view k_chars = "0123456789ABCDEFGHJKLMNPQRTUWXY";
    static constexpr int k_weights[17] = {1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28};
    std::string s = "91110105";  // enterprise, 北京市朝阳区
    while (s.size() < 17) s.push_back(k_chars[rng.below(k_chars.size())]);
    int sum = 0;
    for (std::size_t i = 0; i < 17; ++i) sum += static_cast<int>(k_chars.find(s[i])) * k_weights[i];
    s.push_back(k_chars[static_cast<std::size_t>((31 - sum % 31) % 31)]);
    return s;
}

}  // namespace

// --- Config --------------------------------------------------------------------------

QrScannerConfig QrScannerConfig::from_json(const json& j) {
    QrScannerConfig c;
    ScannerConfigReader r(j, "qr_scanner config");
    c.baud = static_cast<int>(r.integer("baud", 1200, 921600, c.baud));
    const std::string mode = r.string("mode", mode_name(c.mode), 32);
    if (mode == "continuous") c.mode = ScanMode::continuous;
    else if (mode == "host_trigger") c.mode = ScanMode::host_trigger;
    else r.bad("mode", "must be \"continuous\" or \"host_trigger\"");
    const std::string suffix = r.string("suffix", proto::to_string(c.suffix), 8);
    if (auto s = proto::parse_scan_suffix(suffix)) c.suffix = *s;
    else r.bad("suffix", "must be one of cr, crlf, lf, none");
    c.prefix = r.string("prefix", c.prefix, 32);
    c.decode_latency = r.ms("decode_ms", 0, 10'000, c.decode_latency);
    c.trigger_timeout = r.ms("trigger_timeout_ms", 1, 600'000, c.trigger_timeout);
    c.view_hold = r.ms("view_hold_ms", 0, 600'000, c.view_hold);
    c.duplicate_gap = r.ms("duplicate_gap_ms", 0, 60'000, c.duplicate_gap);
    c.no_read_on_timeout = r.boolean("no_read_on_timeout", c.no_read_on_timeout);
    c.ssi = r.boolean("ssi", c.ssi);
    r.finish();
    return c;
}

json QrScannerConfig::to_json() const {
    return json{{"baud", baud},
                {"mode", mode_name(mode)},
                {"suffix", proto::to_string(suffix)},
                {"prefix", prefix},
                {"decode_ms", whole_ms(decode_latency)},
                {"trigger_timeout_ms", whole_ms(trigger_timeout)},
                {"view_hold_ms", whole_ms(view_hold)},
                {"duplicate_gap_ms", whole_ms(duplicate_gap)},
                {"no_read_on_timeout", no_read_on_timeout},
                {"ssi", ssi}};
}

// --- Device ----------------------------------------------------------------------------

QrScanner::QrScanner(std::string id, std::uint64_t seed, QrScannerConfig config)
    : StreamDevice(std::move(id), "qr_scanner", seed, config.baud),
      m_config(std::move(config)),
      m_mode(m_config.mode),
      m_format{m_config.prefix, m_config.suffix},
      m_payload_rng(sim::derive_seed(seed, "qr_scanner/payloads")) {
    faults().set_known_faults({"no_read", "duplicate_read", "missing_suffix", "gbk_payload", "long_payload", "bursty",
                               "disabled", "disconnected"});
}

bool QrScanner::offline(sim::Time now) const {
    return faults().active(now, "disconnected") != nullptr || faults().active(now, "disabled") != nullptr;
}

DeviceStatus QrScanner::status(sim::Time now) const {
    if (faults().active(now, "disconnected")) return {Health::absent, {"disconnected"}};
    if (faults().active(now, "disabled")) return {Health::fault, {"disabled"}};
    return {};
}

sim::Time QrScanner::next_wakeup() const {
    sim::Time t = StreamDevice::next_wakeup();
    if (m_triggered) t = std::min(t, m_trigger_until);
    if (m_in_view) t = std::min(t, m_in_view->until);
    return std::min(t, faults().next_change(m_last_now));
}

void QrScanner::on_wakeup(sim::Time now) { settle(now); }

// Brings time-driven state up to `now`: the cable, the trigger timeout, a code leaving view.
void QrScanner::settle(sim::Time now) {
    m_last_now = std::max(m_last_now, now);
    const bool disconnected = faults().active(now, "disconnected") != nullptr;
    if (disconnected && !m_was_disconnected) {
        clear_output();
        m_triggered = false;
        record(now, "event", json{{"disconnected", true}});
    }
    m_was_disconnected = disconnected;
    if (m_triggered && now >= m_trigger_until) {
        m_triggered = false;
        record(m_trigger_until, "event", json{{"trigger", "timeout"}});
        if (m_config.no_read_on_timeout && !offline(now)) {
            const Bytes line = proto::encode_no_read(m_format);
            transmit(m_trigger_until, line);
            ++m_reads;
            ++m_no_reads;
            record(m_trigger_until, "out", json{{"no_read", true}, {"why", "trigger-timeout"}}, line);
        }
    }
    if (m_in_view && now >= m_in_view->until) {
        m_in_view.reset();
        record(now, "event", json{{"code", "left-view"}});
    }
}

void QrScanner::trigger_on(sim::Time now) {
    m_triggered = true;
    m_trigger_until = now + m_config.trigger_timeout;
    if (m_in_view) {
        const Code code = *m_in_view;
        m_in_view.reset();
        emit(now, code);
        m_triggered = false;
    }
}

void QrScanner::trigger_off(sim::Time now, const char* why) {
    if (m_triggered) record(now, "event", json{{"trigger", why}});
    m_triggered = false;
}

void QrScanner::reply(sim::Time now, const Bytes& bytes, json decoded) {
    transmit(now, bytes, k_ssi_reply_delay);
    record(now, "out", std::move(decoded), bytes);
}

void QrScanner::on_bytes(sim::Time now, ByteView bytes) {
    settle(now);
    if (offline(now)) {
        record(now, "in", json{{"ignored", faults().active(now, "disconnected") ? "disconnected" : "disabled"}}, bytes);
        return;
    }
    using K = proto::ScannerHostInput::Kind;
    if (m_host.partial() && now - m_last_host_byte > k_ssi_interbyte) {
        if (auto cut = m_host.flush()) record(now, "in", json{{"ssi", "incomplete"}, {"dropped", cut->raw.size()}}, cut->raw);
    }
    if (!bytes.empty()) m_last_host_byte = now;
    for (const auto& in : m_host.feed(bytes)) {
        json decoded{{"input", proto::to_string(in.kind)}};
        if (in.kind == K::ssi) {
            decoded["opcode"] = in.frame.opcode;
            decoded["data"] = hex(in.frame.data);
        }
        const bool host_mode = m_mode == ScanMode::host_trigger;
        if (!host_mode && (in.kind == K::trigger_on || in.kind == K::trigger_off || in.kind == K::restart))
            decoded["ignored"] = "continuous-mode";
        record(now, "in", decoded, in.raw);
        switch (in.kind) {
        case K::trigger_on:
        case K::restart:
            if (host_mode) trigger_on(now);
            break;
        case K::trigger_off:
            if (host_mode) trigger_off(now, "stopped");
            break;
        case K::ssi:
        case K::bad_ssi:
            handle_ssi(now, in);
            break;
        case K::unknown:
            break;
        }
    }
}

void QrScanner::handle_ssi(sim::Time now, const proto::ScannerHostInput& in) {
    if (!m_config.ssi) return;
    if (in.kind == proto::ScannerHostInput::Kind::bad_ssi) {
        reply(now, proto::ssi_nak(proto::k_ssi_nak_resend), json{{"ssi", "nak"}, {"cause", "checksum"}});
        return;
    }
    const proto::SsiFrame& f = in.frame;
    if (f.opcode == proto::k_ssi_param_send) {
        const auto params = proto::ssi_params(f);
        if (!params) {
            reply(now, proto::ssi_nak(proto::k_ssi_nak_denied), json{{"ssi", "nak"}, {"cause", "malformed-params"}});
            return;
        }
        json applied = json::array();
        for (const auto& p : *params) {
            if (p.number == proto::k_ssi_param_trigger_mode) {
                m_mode = p.value == proto::k_ssi_trigger_host ? ScanMode::host_trigger : ScanMode::continuous;
                if (m_mode == ScanMode::continuous) m_triggered = false;
                applied.push_back(json{{"mode", mode_name(m_mode)}});
            } else if (p.number == proto::k_ssi_param_defaults) {
                m_mode = m_config.mode;
                m_format = proto::ScanFormat{m_config.prefix, m_config.suffix};
                m_triggered = false;
                applied.push_back(json{{"reset", "defaults"}});
            } else {
                applied.push_back(json{{"unsupported_param", p.number}});
            }
        }
        reply(now, proto::ssi_ack(), json{{"ssi", "ack"}, {"applied", applied}});
        return;
    }
    if (f.opcode == proto::k_ssi_start_session || f.opcode == proto::k_ssi_stop_session) {
        reply(now, proto::ssi_ack(), json{{"ssi", "ack"}});
        if (m_mode != ScanMode::host_trigger) return;  // a continuous scanner is always reading
        if (f.opcode == proto::k_ssi_start_session) trigger_on(now);
        else trigger_off(now, "stopped");
        return;
    }
    reply(now, proto::ssi_nak(proto::k_ssi_nak_denied), json{{"ssi", "nak"}, {"cause", "unsupported-opcode"}});
}

// Sends one read (or %%NoRead) through the fault model; returns when its last byte is out.
sim::Time QrScanner::emit(sim::Time now, const Code& code) {
    const FaultRule* op = faults().strike(now, "scan");
    const auto hits = [&](std::string_view fault) -> const FaultRule* {
        if (op && op->fault == fault) return op;
        return faults().active(now, fault);
    };
    const bool no_read = code.unreadable || hits("no_read") != nullptr;
    json decoded{{"no_read", no_read}};
    json applied = json::array();
    Bytes payload(code.text.begin(), code.text.end());
    if (!no_read) {
        if (hits("gbk_payload")) {
            std::size_t unmapped = 0;
            payload = proto::utf8_to_gbk(code.text, &unmapped);
            applied.push_back("gbk_payload");
            decoded["encoding"] = "gbk";
            decoded["unmapped"] = unmapped;
        }
        if (const FaultRule* r = hits("long_payload")) {
            const auto n = static_cast<std::size_t>(std::clamp(param(*r, "bytes", 4096), 1.0, double{k_max_payload}));
            static constexpr std::string_view k_fill = "0123456789ABCDEF";
            for (std::size_t i = 0; payload.size() < n; ++i) payload.push_back(static_cast<std::uint8_t>(k_fill[i % 16]));
            applied.push_back("long_payload");
        }
        // Traces are JSON text: bytes that are not UTF-8 are shown as hex.
        const bool text = !decoded.contains("encoding") && proto::local_service::valid_utf8(code.text);
        decoded["data"] = text ? json(code.text) : json(hex(payload));
        decoded["bytes"] = payload.size();
    }
    proto::ScanFormat format = m_format;
    if (hits("missing_suffix")) {
        format.suffix = proto::ScanSuffix::none;
        applied.push_back("missing_suffix");
    }
    decoded["suffix"] = proto::to_string(format.suffix);
    const Bytes line = no_read ? proto::encode_no_read(format) : proto::encode_scan(payload, format);
    if (const FaultRule* r = hits("bursty")) {
        const auto chunk = static_cast<std::size_t>(std::clamp(param(*r, "chunk", 8), 1.0, 4096.0));
        const sim::Duration pause = sim::from_seconds(std::clamp(param(*r, "pause_ms", 40), 0.0, 10'000.0) / 1000.0);
        sim::Duration delay = m_config.decode_latency;
        for (std::size_t off = 0; off < line.size(); off += chunk) {
            transmit(now, ByteView(line).subspan(off, std::min(chunk, line.size() - off)), delay);
            delay = (output_idle_at() - now) + pause;
        }
        applied.push_back("bursty");
    } else {
        transmit(now, line, m_config.decode_latency);
    }
    if (const FaultRule* r = hits("duplicate_read")) {
        const double gap_ms = std::clamp(param(*r, "gap_ms", sim::to_seconds(m_config.duplicate_gap) * 1000.0), 0.0, 60'000.0);
        const sim::Duration gap = sim::from_seconds(gap_ms / 1000.0);
        transmit(now, line, (output_idle_at() - now) + gap);
        applied.push_back("duplicate_read");
    }
    if (!applied.empty()) decoded["faults"] = applied;
    ++m_reads;
    if (no_read) ++m_no_reads;
    record(now, "out", decoded, line);
    return output_idle_at();
}

std::string QrScanner::synthetic_payload(const std::string& kind) {
    sim::Rng& rng = m_payload_rng;
    if (kind == "e_id") return "CTID:" + hex_upper(rng, 64);  // 网证: an opaque token
    if (kind == "e_ssc") return "ESSC110000:" + hex_upper(rng, 32);  // 电子社保卡, region 110000
    if (kind == "medical") return "1" + digits(rng, 27);  // 医保电子凭证
    if (kind == "payment") return "28" + digits(rng, 16);  // a wallet's payment code
    if (kind == "licence")  // 电子证照: a licence summary with a verification link
        return "电子证照|营业执照|统一社会信用代码:" + social_credit_code(rng) +
               "|名称:示例科技有限公司|核验:https://zzcx.example.gov.cn/v?c=" + hex_upper(rng, 16);
    return {};
}

std::optional<ActionResult> QrScanner::on_action(sim::Time now, std::string_view name, const json& action) {
    if (name != "scan" && name != "fail_scan") return std::nullopt;
    settle(now);
    Code code;
    if (name == "fail_scan") {
        code.unreadable = true;
    } else if (action.contains("data")) {
        if (!action["data"].is_string()) return ActionResult::failure("scan: \"data\" must be a string");
        code.text = action["data"].get<std::string>();
        if (code.text.empty() || code.text.size() > k_max_scan_data)
            return ActionResult::failure("scan: \"data\" must have 1.." + std::to_string(k_max_scan_data) + " bytes");
    } else if (action.contains("code")) {
        if (!action["code"].is_string()) return ActionResult::failure("scan: \"code\" must be a string");
        code.text = synthetic_payload(action["code"].get<std::string>());
        if (code.text.empty())
            return ActionResult::failure("scan: \"code\" must be one of e_id, e_ssc, medical, payment, licence");
    } else {
        return ActionResult::failure("scan: give \"data\" (text) or \"code\" (e_id, e_ssc, medical, payment, licence)");
    }
    json result{{"payload", proto::local_service::sanitise_utf8(code.text)}};
    if (offline(now)) {
        result["emitted"] = false;
        result["reason"] = faults().active(now, "disconnected") ? "disconnected" : "disabled";
        return ActionResult::success(result);
    }
    if (m_mode == ScanMode::continuous || m_triggered) {
        const sim::Time done = emit(now, code);
        m_triggered = false;
        result["emitted"] = true;
        result["complete_at_s"] = sim::seconds_since_epoch(done);
    } else {
        code.until = now + m_config.view_hold;
        m_in_view = code;
        result["emitted"] = false;
        result["reason"] = "not-triggered";
    }
    return ActionResult::success(result);
}

std::vector<std::string> QrScanner::model_actions() const { return {"scan", "fail_scan"}; }

json QrScanner::model_state(sim::Time now) const {
    json j{{"mode", mode_name(m_mode)},
           {"triggered", m_triggered},
           {"in_view", m_in_view.has_value() && now < m_in_view->until},
           {"reads", m_reads},
           {"no_reads", m_no_reads},
           {"baud", baud()},
           {"suffix", proto::to_string(m_format.suffix)},
           {"prefix", m_format.prefix},
           {"output_pending", output_pending()},
           {"config", m_config.to_json()}};
    if (m_triggered) j["trigger_until_s"] = sim::seconds_since_epoch(m_trigger_until);
    return j;
}

}  // namespace kiosktwin::devices
