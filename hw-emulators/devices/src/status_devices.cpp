#include <kiosktwin/devices/status_devices.hpp>

#include <kiosktwin/protocol/base64.hpp>
#include <kiosktwin/protocol/citizen_id.hpp>
#include <kiosktwin/protocol/synthetic_image.hpp>
#include <kiosktwin/sim/distributions.hpp>

#include <algorithm>
#include <cmath>
#include <numbers>

namespace kiosktwin::devices {

using nlohmann::json;
namespace ls = kiosktwin::protocol::local_service;
namespace proto = kiosktwin::protocol;
using local_service_detail::ConfigReader;
using local_service_detail::to_ms;
using ls::FieldSpec;
using ls::FieldType;
using ls::ServiceError;

namespace {

double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

std::string hex_upper(std::uint64_t v, int digits) {
    static constexpr char k_hex[] = "0123456789ABCDEF";
    std::string s(static_cast<std::size_t>(digits), '0');
    for (int i = digits - 1; i >= 0; --i, v >>= 4) s[static_cast<std::size_t>(i)] = k_hex[v & 0xF];
    return s;
}

bool all_digits(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The operation fault `op` if it is `name`, else the condition fault `name` if it holds.
const FaultRule* hit(const FaultModel& f, sim::Time now, const FaultRule* op, std::string_view name) {
    if (op && op->fault == name) return op;
    return f.active(now, name);
}

sim::Duration seconds_field(const json& body, const char* name, sim::Duration fallback) {
    const auto it = body.find(name);
    return it != body.end() && it->is_number() ? sim::from_seconds(it->get<double>()) : fallback;
}

}  // namespace

// --- Signature pad ------------------------------------------------------------------------

SignaturePadConfig SignaturePadConfig::from_json(const json& j) {
    SignaturePadConfig c;
    ConfigReader r(j, "signature_pad config");
    c.width = static_cast<std::uint32_t>(r.integer("width", 16, 1024, c.width));
    c.height = static_cast<std::uint32_t>(r.integer("height", 16, 1024, c.height));
    c.timeout = sim::from_seconds(r.number("timeout_s", 1, 600, sim::to_seconds(c.timeout)));
    r.finish();
    return c;
}

json SignaturePadConfig::to_json() const {
    return json{{"width", width}, {"height", height}, {"timeout_s", sim::to_seconds(timeout)}};
}

SignaturePad::SignaturePad(std::string id, std::uint64_t seed, SignaturePadConfig config)
    : LocalServiceDevice(std::move(id), "signature_pad", seed, "/device/signature",
                         {{"POST", "start", {FieldSpec{"timeout_s", FieldType::integer, false, 1, 600}}},
                          {"GET", "result", {}},
                          {"POST", "result", {}},
                          {"POST", "cancel", {}},
                          {"POST", "clear", {}}}),
      m_config(config),
      m_rng(sim::derive_seed(seed, "signature_pad/strokes")) {
    faults().set_known_faults({"not_connected", "empty_signature", "timeout", "pen_lost"});
}

std::optional<std::string> SignaturePad::absent_reason(sim::Time now) const {
    if (faults().active(now, "not_connected")) return std::string("not connected");
    return std::nullopt;
}

DeviceStatus SignaturePad::status(sim::Time now) const {
    if (faults().active(now, "not_connected")) return {Health::absent, {"not-connected"}};
    if (faults().active(now, "pen_lost")) return {Health::warn, {"pen-lost"}};
    return {};
}

sim::Time SignaturePad::next_wakeup() const {
    sim::Time t = faults().next_change(m_last_now);
    if (m_state == SessionState::waiting) t = std::min(t, m_deadline);
    return t;
}

void SignaturePad::on_wakeup(sim::Time now) { settle(now); }

void SignaturePad::settle(sim::Time now) {
    m_last_now = std::max(m_last_now, now);
    if (m_state == SessionState::waiting && now >= m_deadline) {
        m_state = SessionState::timed_out;
        record(m_deadline, "event", json{{"signature", "timeout"}});
    }
}

namespace {
const char* session_name(SessionState s, const char* waiting) {
    switch (s) {
    case SessionState::idle: return "idle";
    case SessionState::waiting: return waiting;
    case SessionState::done: return "done";
    case SessionState::timed_out: return "timeout";
    case SessionState::cancelled: return "cancelled";
    }
    return "?";
}
}  // namespace

json SignaturePad::service_status(sim::Time) const {
    return json{{"state", session_name(m_state, "signing")}, {"width", m_config.width}, {"height", m_config.height}};
}

std::vector<PenPoint> SignaturePad::synthetic_signature(int strokes) {
    std::vector<PenPoint> pts;
    const double w = m_config.width;
    const double h = m_config.height;
    const double span = (w - 30) / strokes;
    double t = 0;
    for (int s = 0; s < strokes; ++s) {
        const double x0 = 15 + s * span;
        const double phase = m_rng.uniform01() * 6.28;
        const double amp = h * (0.15 + 0.15 * m_rng.uniform01());
        for (int k = 0; k < 24; ++k) {
            const double x = x0 + span * 0.9 * k / 23.0;
            const double y = h / 2 + std::sin(k * 0.55 + phase) * amp;
            pts.push_back(PenPoint{round3(x), round3(y), round3(0.4 + 0.5 * m_rng.uniform01()), t});
            t += 15;
        }
        pts.push_back(PenPoint{pts.back().x, pts.back().y, 0, t});  // pen up
        t += 120;
    }
    return pts;
}

LocalServiceDevice::Reply SignaturePad::call(sim::Time now, std::string_view endpoint, const json& body) {
    if (endpoint == "start") {
        if (m_state == SessionState::waiting)
            return Reply::fail(ServiceError::session_active, "a signature is already being taken");
        const sim::Duration timeout = seconds_field(body, "timeout_s", m_config.timeout);
        m_state = SessionState::waiting;
        m_deadline = now + timeout;
        m_points.clear();
        return Reply::ok(json{{"state", "signing"}, {"timeout_s", sim::to_seconds(timeout)}});
    }
    if (endpoint == "cancel" || endpoint == "clear") {
        m_state = SessionState::idle;
        m_points.clear();
        return Reply::ok(json{{"state", "idle"}});
    }
    // result
    switch (m_state) {
    case SessionState::idle:
    case SessionState::cancelled: return Reply::fail(ServiceError::no_session, "no signature was started (POST start)");
    case SessionState::waiting: return Reply::ok(json{{"state", "signing"}});
    case SessionState::timed_out: return Reply::fail(ServiceError::timeout, "no signature before the timeout");
    case SessionState::done: break;
    }
    std::vector<std::vector<proto::PointF>> strokes(1);
    json points = json::array();
    bool inked = false;
    for (const PenPoint& p : m_points) {
        points.push_back(json::array({p.x, p.y, p.pressure, p.t_ms}));
        if (p.pressure > 0) {
            strokes.back().push_back(proto::PointF{p.x, p.y});
            inked = true;
        } else if (!strokes.back().empty()) {
            strokes.emplace_back();
        }
    }
    if (!inked) return Reply::fail(ServiceError::empty_signature, "the signature is empty");
    const proto::GreyImage img = proto::render_strokes(m_config.width, m_config.height, strokes, 2.0);
    const double duration = m_points.back().t_ms - m_points.front().t_ms;
    const auto n_strokes = std::count_if(strokes.begin(), strokes.end(), [](const auto& s) { return !s.empty(); });
    return Reply::ok(json{{"state", "done"},
                          {"image", proto::base64_encode(proto::to_png(img))},
                          {"format", "png"},
                          {"width", img.width},
                          {"height", img.height},
                          {"points", points},
                          {"strokes", n_strokes},
                          {"duration_ms", duration}});
}

std::optional<ActionResult> SignaturePad::on_action(sim::Time now, std::string_view name, const json& action) {
    if (name != "sign") return std::nullopt;
    settle(now);
    if (faults().active(now, "not_connected")) return ActionResult::failure("sign: the pad is not connected");
    if (m_state != SessionState::waiting)
        return ActionResult::failure("sign: the pad is not waiting for a signature (POST /device/signature/start)");
    std::vector<PenPoint> pts;
    if (action.contains("points")) {
        const json& p = action["points"];
        if (!p.is_array() || p.size() > 5000) return ActionResult::failure("sign: \"points\" must be an array of at most 5000 points");
        for (const json& q : p) {
            if (!q.is_array() || q.size() != 4 ||
                !std::all_of(q.begin(), q.end(), [](const json& v) { return v.is_number() && std::isfinite(v.get<double>()); }))
                return ActionResult::failure("sign: each point must be [x, y, pressure, t_ms]");
            pts.push_back(PenPoint{q[0].get<double>(), q[1].get<double>(), std::clamp(q[2].get<double>(), 0.0, 1.0),
                                   q[3].get<double>()});
        }
    } else {
        int strokes = 3;
        if (action.contains("strokes")) {
            if (!action["strokes"].is_number_integer() || action["strokes"].get<int>() < 1 || action["strokes"].get<int>() > 8)
                return ActionResult::failure("sign: \"strokes\" must be an integer in 1..8");
            strokes = action["strokes"].get<int>();
        }
        pts = synthetic_signature(strokes);
    }
    const FaultRule* op = faults().strike(now, "sign");
    if (hit(faults(), now, op, "pen_lost")) return ActionResult::failure("sign: the stylus is lost; the pad sees no pen");
    if (hit(faults(), now, op, "timeout"))
        return ActionResult::success(json{{"accepted", false}, {"reason", "timeout"}});  // never reaches the host
    if (hit(faults(), now, op, "empty_signature")) pts.clear();
    if (pts.empty()) pts.push_back(PenPoint{0, 0, 0, 0});
    m_points = std::move(pts);
    m_state = SessionState::done;
    return ActionResult::success(json{{"accepted", true}, {"points", m_points.size()}});
}

std::vector<std::string> SignaturePad::model_actions() const { return {"sign"}; }

json SignaturePad::model_state(sim::Time now) const {
    json j = service_status(now);
    if (m_state == SessionState::waiting) j["deadline_s"] = sim::seconds_since_epoch(m_deadline);
    j["points"] = m_points.size();
    j["config"] = m_config.to_json();
    return j;
}

// --- Fingerprint sensor ------------------------------------------------------------------------

FingerprintSensorConfig FingerprintSensorConfig::from_json(const json& j) {
    FingerprintSensorConfig c;
    ConfigReader r(j, "fingerprint_sensor config");
    c.min_quality = static_cast<int>(r.integer("min_quality", 0, 100, c.min_quality));
    c.capture_latency = r.ms("capture_ms", 0, 60'000, c.capture_latency);
    c.timeout = sim::from_seconds(r.number("timeout_s", 1, 120, sim::to_seconds(c.timeout)));
    c.threshold = r.number("threshold", 0, 1, c.threshold);
    c.match_mean = r.number("match_mean", 0, 1, c.match_mean);
    c.nonmatch_mean = r.number("nonmatch_mean", 0, 1, c.nonmatch_mean);
    c.score_sd = r.number("score_sd", 0, 1, c.score_sd);
    r.finish();
    return c;
}

json FingerprintSensorConfig::to_json() const {
    return json{{"min_quality", min_quality},         {"capture_ms", to_ms(capture_latency)},
                {"timeout_s", sim::to_seconds(timeout)}, {"threshold", threshold},
                {"match_mean", match_mean},            {"nonmatch_mean", nonmatch_mean},
                {"score_sd", score_sd}};
}

FingerprintSensor::FingerprintSensor(std::string id, std::uint64_t seed, FingerprintSensorConfig config)
    : LocalServiceDevice(std::move(id), "fingerprint_sensor", seed, "/device/fingerprint",
                         {{"POST", "init", {}},
                          {"POST", "close", {}},
                          {"POST", "capture", {FieldSpec{"timeout_s", FieldType::integer, false, 1, 120}}},
                          {"GET", "result", {}},
                          {"POST", "result", {}},
                          {"POST", "compare", {FieldSpec{"template", FieldType::base64, true, 1, 4096}}}}),
      m_config(config),
      m_seed(seed),
      m_rng(sim::derive_seed(seed, "fingerprint_sensor/draws")) {
    faults().set_known_faults(
        {"dry_finger", "wet_finger", "dirty_sensor", "no_finger_timeout", "not_initialised", "disconnected"});
}

std::optional<std::string> FingerprintSensor::absent_reason(sim::Time now) const {
    if (faults().active(now, "disconnected")) return std::string("disconnected");
    return std::nullopt;
}

DeviceStatus FingerprintSensor::status(sim::Time now) const {
    if (faults().active(now, "disconnected")) return {Health::absent, {"disconnected"}};
    if (faults().active(now, "not_initialised")) return {Health::fault, {"not-initialised"}};
    if (faults().active(now, "dirty_sensor")) return {Health::warn, {"sensor-dirty"}};
    return {};
}

sim::Time FingerprintSensor::next_wakeup() const {
    sim::Time t = faults().next_change(m_last_now);
    if (m_state == SessionState::waiting) {
        t = std::min(t, m_deadline);
        if (m_ready_at) t = std::min(t, *m_ready_at);
    }
    return t;
}

void FingerprintSensor::on_wakeup(sim::Time now) { settle(now); }

bool FingerprintSensor::finger_on(sim::Time now) const { return m_finger && now < m_finger->lifted_at; }

void FingerprintSensor::settle(sim::Time now) {
    m_last_now = std::max(m_last_now, now);
    if (m_state != SessionState::waiting) return;
    if (m_ready_at && *m_ready_at <= m_deadline && now >= *m_ready_at) {
        complete(*m_ready_at);
    } else if (now >= m_deadline) {
        m_state = SessionState::timed_out;
        record(m_deadline, "event", json{{"fingerprint", "timeout"}});
    }
}

void FingerprintSensor::complete(sim::Time at) {
    const Finger finger = m_finger.value_or(Finger{"right_index", 80, true, at});
    const auto struck = [&](std::string_view name) { return m_struck == name || faults().active(at, name) != nullptr; };
    double q = finger.quality;
    if (struck("dry_finger")) q *= 0.4;
    if (struck("wet_finger")) q *= 0.45;
    if (struck("dirty_sensor")) q = std::min(q, 40.0);
    q = std::clamp(sim::Normal(q, 3.0)(m_rng), 0.0, 100.0);
    Capture c;
    c.quality = static_cast<int>(std::lround(q));
    c.match = finger.match;
    // The same finger gives the same synthetic template.
    sim::Rng t(sim::derive_seed(m_seed, "fingerprint_sensor/template/" + finger.name + (finger.match ? "" : "/other")));
    c.template_bytes.resize(512);
    for (auto& b : c.template_bytes) b = static_cast<std::uint8_t>(t.next() >> 56);
    m_result = std::move(c);
    m_state = SessionState::done;
    record(at, "event", json{{"fingerprint", "captured"}, {"quality", m_result->quality}});
}

json FingerprintSensor::service_status(sim::Time now) const {
    return json{{"initialised", m_initialised && !faults().active(now, "not_initialised")},
                {"finger_present", finger_on(now)},
                {"state", session_name(m_state, "capturing")}};
}

LocalServiceDevice::Reply FingerprintSensor::call(sim::Time now, std::string_view endpoint, const json& body) {
    if (endpoint == "init") {
        const FaultRule* op = faults().strike(now, "init");
        if (hit(faults(), now, op, "not_initialised")) {
            m_initialised = false;
            return Reply::fail(ServiceError::hardware_error, "LIVESCAN_Init failed: the sensor did not initialise");
        }
        m_initialised = true;
        return Reply::ok(json{{"initialised", true}, {"channels", 1}});
    }
    if (endpoint == "close") {
        m_initialised = false;
        m_state = SessionState::idle;
        return Reply::ok(json{{"initialised", false}});
    }
    if (!m_initialised || faults().active(now, "not_initialised"))
        return Reply::fail(ServiceError::not_initialised, "the sensor is not initialised (POST /device/fingerprint/init)");
    if (endpoint == "capture") {
        if (m_state == SessionState::waiting)
            return Reply::fail(ServiceError::session_active, "a capture is already waiting for a finger");
        const FaultRule* op = faults().strike(now, "capture");
        m_struck = op ? op->fault : std::string();
        m_doomed = hit(faults(), now, op, "no_finger_timeout") != nullptr;
        const sim::Duration timeout = seconds_field(body, "timeout_s", m_config.timeout);
        m_state = SessionState::waiting;
        m_deadline = now + timeout;
        m_result.reset();
        m_ready_at.reset();
        if (!m_doomed && finger_on(now)) m_ready_at = now + m_config.capture_latency;
        ++m_captures;
        return Reply::ok(json{{"state", "capturing"}, {"timeout_s", sim::to_seconds(timeout)}});
    }
    if (endpoint == "compare") {
        if (!m_result) return Reply::fail(ServiceError::no_session, "capture a finger first");
        const double mean = m_result->match ? m_config.match_mean : m_config.nonmatch_mean;
        const double score = round3(std::clamp(sim::Normal(mean, m_config.score_sd)(m_rng), 0.0, 1.0));
        return Reply::ok(json{{"score", score}, {"threshold", m_config.threshold}, {"matched", score >= m_config.threshold}});
    }
    // result
    switch (m_state) {
    case SessionState::idle:
    case SessionState::cancelled: return Reply::fail(ServiceError::no_session, "no capture was started (POST capture)");
    case SessionState::waiting: return Reply::ok(json{{"state", "capturing"}});
    case SessionState::timed_out: return Reply::fail(ServiceError::timeout, "no finger was detected before the timeout");
    case SessionState::done: break;
    }
    return Reply::ok(json{{"state", "done"},
                          {"quality", m_result->quality},
                          {"accepted", m_result->quality >= m_config.min_quality},
                          {"template", proto::base64_encode(m_result->template_bytes)},
                          {"template_format", "synthetic-v1 (not ISO 19794-2)"}});
}

std::optional<ActionResult> FingerprintSensor::on_action(sim::Time now, std::string_view name, const json& action) {
    if (name == "lift_finger") {
        settle(now);
        m_finger.reset();
        return ActionResult::success();
    }
    if (name != "place_finger") return std::nullopt;
    settle(now);
    Finger f;
    f.name = "right_index";
    if (action.contains("finger")) {
        if (!action["finger"].is_string() || action["finger"].get_ref<const std::string&>().empty() ||
            action["finger"].get_ref<const std::string&>().size() > 32)
            return ActionResult::failure("place_finger: \"finger\" must be a name of 1..32 bytes");
        f.name = action["finger"].get<std::string>();
    }
    if (action.contains("quality")) {
        if (!action["quality"].is_number() || !(action["quality"].get<double>() >= 0) || action["quality"].get<double>() > 100)
            return ActionResult::failure("place_finger: \"quality\" must be a number in 0..100");
        f.quality = action["quality"].get<double>();
    }
    if (action.contains("match")) {
        if (!action["match"].is_boolean()) return ActionResult::failure("place_finger: \"match\" must be true or false");
        f.match = action["match"].get<bool>();
    }
    double hold = 5;
    if (action.contains("hold_s")) {
        if (!action["hold_s"].is_number() || !(action["hold_s"].get<double>() > 0) || action["hold_s"].get<double>() > 600)
            return ActionResult::failure("place_finger: \"hold_s\" must be a number in (0, 600]");
        hold = action["hold_s"].get<double>();
    }
    f.lifted_at = now + sim::from_seconds(hold);
    m_finger = f;
    if (m_state == SessionState::waiting && !m_doomed && !m_ready_at) m_ready_at = now + m_config.capture_latency;
    return ActionResult::success(json{{"finger", f.name}, {"detected", m_state == SessionState::waiting && !m_doomed}});
}

std::vector<std::string> FingerprintSensor::model_actions() const { return {"place_finger", "lift_finger"}; }

json FingerprintSensor::model_state(sim::Time now) const {
    json j = service_status(now);
    j["captures"] = m_captures;
    if (m_finger) j["finger"] = json{{"name", m_finger->name}, {"quality", m_finger->quality}, {"match", m_finger->match}};
    j["config"] = m_config.to_json();
    return j;
}

// --- Social-security card reader ----------------------------------------------------------------

SscReaderConfig SscReaderConfig::from_json(const json& j) {
    SscReaderConfig c;
    ConfigReader r(j, "ssc_reader config");
    c.read_latency = r.ms("read_ms", 0, 60'000, c.read_latency);
    c.verify_latency = r.ms("verify_ms", 0, 60'000, c.verify_latency);
    c.pin_tries = static_cast<int>(r.integer("pin_tries", 1, 15, c.pin_tries));
    c.terminal_id = r.string("terminal_id", c.terminal_id, 32);
    c.device_no = r.string("device_no", c.device_no, 32);
    r.finish();
    return c;
}

json SscReaderConfig::to_json() const {
    return json{{"read_ms", to_ms(read_latency)},
                {"verify_ms", to_ms(verify_latency)},
                {"pin_tries", pin_tries},
                {"terminal_id", terminal_id},
                {"device_no", device_no}};
}

SscReader::SscReader(std::string id, std::uint64_t seed, SscReaderConfig config)
    : LocalServiceDevice(std::move(id), "ssc_reader", seed, "/device/ssc",
                         {{"POST", "read_basic", {}},
                          {"POST", "verify_pin", {FieldSpec{"pin", FieldType::digits, true, 4, 12}}}}),
      m_config(std::move(config)),
      m_seed(seed) {
    faults().set_known_faults({"no_card", "card_reversed", "pin_blocked", "psam_missing", "card_reported_lost",
                               "dirty_contacts", "disconnected"});
}

std::optional<std::string> SscReader::absent_reason(sim::Time now) const {
    if (faults().active(now, "disconnected")) return std::string("disconnected");
    return std::nullopt;
}

DeviceStatus SscReader::status(sim::Time now) const {
    if (faults().active(now, "disconnected")) return {Health::absent, {"disconnected"}};
    if (faults().active(now, "psam_missing")) return {Health::fault, {"psam-missing"}};
    if (faults().active(now, "dirty_contacts")) return {Health::warn, {"dirty-contacts"}};
    return {};
}

sim::Time SscReader::next_wakeup() const { return faults().next_change(m_last_now); }

void SscReader::on_wakeup(sim::Time now) { m_last_now = std::max(m_last_now, now); }

json SscReader::service_status(sim::Time now) const {
    return json{{"card_present", m_card.has_value()}, {"psam", faults().active(now, "psam_missing") == nullptr}};
}

std::optional<LocalServiceDevice::Reply> SscReader::card_problem(sim::Time now, const FaultRule* op, sim::Duration delay) {
    if (!m_card || hit(faults(), now, op, "no_card")) return Reply::fail(ServiceError::no_card, "no card in the reader");
    if (m_card->reversed || hit(faults(), now, op, "card_reversed"))
        return Reply::fail(ServiceError::card_reversed, "the card is in the wrong way round: no answer to reset", {}, delay);
    if (hit(faults(), now, op, "dirty_contacts"))
        return Reply::fail(ServiceError::card_read_error, "the card did not answer (dirty contacts?)", {}, delay);
    return std::nullopt;
}

LocalServiceDevice::Reply SscReader::call(sim::Time now, std::string_view endpoint, const json& body) {
    m_last_now = std::max(m_last_now, now);
    if (endpoint == "read_basic") {
        const FaultRule* op = faults().strike(now, "read");
        if (hit(faults(), now, op, "psam_missing"))
            return Reply::fail(ServiceError::psam_missing, "no PSAM: the reader cannot authenticate the card");
        if (auto problem = card_problem(now, op, m_config.read_latency)) return *problem;
        if (m_card->reported_lost || hit(faults(), now, op, "card_reported_lost"))
            return Reply::fail(ServiceError::card_reported_lost, "the card is reported lost (挂失)", {},
                               m_config.read_latency);
        const SscCard& c = *m_card;
        // The 38号文 iReadCardBas layout [inferred from vendor documentation], '|' after each field.
        const std::string raw = c.region + "|" + c.ssn + "|" + c.card_number + "|" + m_card_id + "|" + c.name + "|" +
                                m_atr + "|" + c.version + "|" + c.issue_date + "|" + c.expiry_date + "|" +
                                m_config.terminal_id + "|" + m_config.device_no + "|";
        return Reply::ok(json{{"region", c.region},
                              {"ssn", c.ssn},
                              {"card_number", c.card_number},
                              {"card_id", m_card_id},
                              {"name", c.name},
                              {"atr", m_atr},
                              {"version", c.version},
                              {"issue_date", c.issue_date},
                              {"expiry_date", c.expiry_date},
                              {"terminal_id", m_config.terminal_id},
                              {"device_no", m_config.device_no},
                              {"raw", raw}},
                         m_config.read_latency);
    }
    // verify_pin
    const FaultRule* op = faults().strike(now, "verify");
    if (auto problem = card_problem(now, op, m_config.verify_latency)) return *problem;
    if (m_tries_left <= 0 || hit(faults(), now, op, "pin_blocked"))
        return Reply::fail(ServiceError::pin_blocked, "the PIN is blocked", json{{"sw", "6983"}, {"tries_left", 0}},
                           m_config.verify_latency);
    if (ls::string_field(body, "pin") == m_card->pin) {
        m_tries_left = m_config.pin_tries;
        return Reply::ok(json{{"verified", true}, {"sw", "9000"}, {"tries_left", m_tries_left}}, m_config.verify_latency);
    }
    --m_tries_left;
    static constexpr char k_hex[] = "0123456789ABCDEF";
    std::string sw = "63C";
    sw.push_back(k_hex[m_tries_left & 0xF]);
    record(now, "event", json{{"pin", "wrong"}, {"tries_left", m_tries_left}});
    return Reply::ok(json{{"verified", false}, {"sw", sw}, {"tries_left", m_tries_left}}, m_config.verify_latency);
}

std::optional<ActionResult> SscReader::on_action(sim::Time now, std::string_view name, const json& action) {
    m_last_now = std::max(m_last_now, now);
    if (name == "remove_card") {
        if (!m_card) return ActionResult::failure("remove_card: there is no card in the reader");
        m_card.reset();
        return ActionResult::success();
    }
    if (name != "insert_card") return std::nullopt;
    SscCard card;
    for (auto [key, field] : {std::pair{"name", &card.name}, std::pair{"ssn", &card.ssn},
                              std::pair{"card_number", &card.card_number}, std::pair{"region", &card.region},
                              std::pair{"version", &card.version}, std::pair{"issue_date", &card.issue_date},
                              std::pair{"expiry_date", &card.expiry_date}, std::pair{"pin", &card.pin}}) {
        if (!action.contains(key)) continue;
        const json& v = action[key];
        if (!v.is_string() || v.get_ref<const std::string&>().empty() || v.get_ref<const std::string&>().size() > 64 ||
            !ls::valid_utf8(v.get_ref<const std::string&>()))
            return ActionResult::failure(std::string("insert_card: \"") + key + "\" must be a UTF-8 string of 1..64 bytes");
        *field = v.get<std::string>();
    }
    if (!all_digits(card.pin) || card.pin.size() < 4 || card.pin.size() > 12)
        return ActionResult::failure("insert_card: \"pin\" must be 4..12 digits");
    for (auto [key, flag] : {std::pair{"reversed", &card.reversed}, std::pair{"reported_lost", &card.reported_lost}}) {
        if (!action.contains(key)) continue;
        if (!action[key].is_boolean()) return ActionResult::failure(std::string("insert_card: \"") + key + "\" must be true or false");
        *flag = action[key].get<bool>();
    }
    ++m_inserts;
    sim::Rng rng(sim::derive_seed(m_seed, "ssc_reader/card/" + std::to_string(m_inserts)));
    m_card_id = card.region.substr(0, 6) + "D156000005" + hex_upper(rng.next(), 16);
    m_atr = "3B6C00000080" + hex_upper(rng.next(), 12);
    m_tries_left = m_config.pin_tries;
    m_card = std::move(card);
    return ActionResult::success(json{{"card_number", m_card->card_number}, {"ssn", proto::mask_id(m_card->ssn)}});
}

std::vector<std::string> SscReader::model_actions() const { return {"insert_card", "remove_card"}; }

json SscReader::model_state(sim::Time now) const {
    json j = service_status(now);
    j["tries_left"] = tries_left();
    if (m_card)
        j["card"] = json{{"name", m_card->name},
                         {"ssn", proto::mask_id(m_card->ssn)},
                         {"card_number", m_card->card_number},
                         {"region", m_card->region},
                         {"reversed", m_card->reversed},
                         {"reported_lost", m_card->reported_lost}};
    j["config"] = m_config.to_json();
    return j;
}

// --- PIN pad -----------------------------------------------------------------------------------------

PinPadConfig PinPadConfig::from_json(const json& j) {
    PinPadConfig c;
    ConfigReader r(j, "pin_pad config");
    c.keys_loaded = r.boolean("keys_loaded", c.keys_loaded);
    c.key_id = r.string("key_id", c.key_id, 32);
    c.algorithm = r.string("algorithm", c.algorithm, 8);
    if (c.algorithm != "SM4" && c.algorithm != "3DES") r.bad("algorithm", "must be \"SM4\" or \"3DES\"");
    c.min_len = static_cast<int>(r.integer("min_len", 4, 12, c.min_len));
    c.max_len = static_cast<int>(r.integer("max_len", 4, 12, c.max_len));
    if (c.min_len > c.max_len) r.bad("min_len", "must not exceed max_len");
    c.timeout = sim::from_seconds(r.number("timeout_s", 1, 300, sim::to_seconds(c.timeout)));
    r.finish();
    return c;
}

json PinPadConfig::to_json() const {
    return json{{"keys_loaded", keys_loaded}, {"key_id", key_id},   {"algorithm", algorithm},
                {"min_len", min_len},         {"max_len", max_len}, {"timeout_s", sim::to_seconds(timeout)}};
}

PinPad::PinPad(std::string id, std::uint64_t seed, PinPadConfig config)
    : LocalServiceDevice(std::move(id), "pin_pad", seed, "/device/pinpad",
                         {{"POST",
                           "start",
                           {FieldSpec{"pan", FieldType::digits, false, 12, 19},
                            FieldSpec{"min_len", FieldType::integer, false, 4, 12},
                            FieldSpec{"max_len", FieldType::integer, false, 4, 12},
                            FieldSpec{"timeout_s", FieldType::integer, false, 1, 300}}},
                          {"GET", "result", {}},
                          {"POST", "result", {}},
                          {"POST", "cancel", {}}}),
      m_config(config),
      m_keys_loaded(config.keys_loaded),
      m_key_id(config.key_id),
      m_min_len(config.min_len),
      m_max_len(config.max_len),
      m_seed(seed) {
    faults().set_known_faults({"key_not_loaded", "tamper", "stuck_key", "timeout", "disconnected"});
}

std::optional<std::string> PinPad::absent_reason(sim::Time now) const {
    if (faults().active(now, "disconnected")) return std::string("disconnected");
    return std::nullopt;
}

DeviceStatus PinPad::status(sim::Time now) const {
    if (faults().active(now, "disconnected")) return {Health::absent, {"disconnected"}};
    if (faults().active(now, "tamper")) return {Health::fault, {"tamper"}};
    if (!m_keys_loaded || faults().active(now, "key_not_loaded")) return {Health::fault, {"key-not-loaded"}};
    if (faults().active(now, "stuck_key")) return {Health::warn, {"stuck-key"}};
    return {};
}

sim::Time PinPad::next_wakeup() const {
    sim::Time t = faults().next_change(m_last_now);
    if (m_state == SessionState::waiting) t = std::min(t, m_deadline);
    return t;
}

void PinPad::on_wakeup(sim::Time now) { settle(now); }

void PinPad::settle(sim::Time now) {
    m_last_now = std::max(m_last_now, now);
    if (faults().active(now, "tamper")) {
        // Tamper erases the keys at once; they stay erased until reloaded.
        if (m_keys_loaded) record(now, "event", json{{"tamper", "keys-erased"}});
        m_keys_loaded = false;
        if (m_state == SessionState::waiting) m_state = SessionState::cancelled;
    }
    if (m_state == SessionState::waiting && now >= m_deadline) {
        m_state = SessionState::timed_out;
        record(m_deadline, "event", json{{"pin_entry", "timeout"}});
    }
}

json PinPad::service_status(sim::Time now) const {
    return json{{"keys_loaded", m_keys_loaded && !faults().active(now, "key_not_loaded")},
                {"key_id", m_key_id},
                {"algorithm", m_config.algorithm},
                {"state", session_name(m_state, "entering")}};
}

std::string PinPad::pin_block(const std::string& pin) const {
    // ISO 9564 format 0 layout: 0 | length | PIN | F padding, XOR 0000 | 12 PAN digits
    // (rightmost, without the check digit). Then a keyed hash in place of SM4/3DES.
    std::uint64_t pin_field = 0;
    std::string nibbles = "0" + std::string(1, "0123456789ABC"[std::min<std::size_t>(pin.size(), 12)]) + pin;
    nibbles.resize(16, 'F');
    for (char c : nibbles) pin_field = (pin_field << 4) | static_cast<std::uint64_t>(c <= '9' ? c - '0' : c - 'A' + 10);
    std::uint64_t pan_field = 0;
    if (m_pan.size() >= 13) {
        const std::string twelve = m_pan.substr(m_pan.size() - 13, 12);
        for (char c : twelve) pan_field = (pan_field << 4) | static_cast<std::uint64_t>(c - '0');
    }
    const std::uint64_t key = sim::derive_seed(m_seed, "pin_pad/key/" + m_key_id + "/" + std::to_string(m_key_generation));
    const std::uint64_t block = sim::splitmix64_mix(key ^ sim::splitmix64_mix(pin_field ^ pan_field));
    return hex_upper(block, 16);
}

void PinPad::finish_entry(sim::Time now, const std::string& pin) {
    m_block = pin_block(pin);
    m_pin_length = static_cast<int>(pin.size());
    m_state = SessionState::done;
    record(now, "event", json{{"pin_entry", "done"}, {"pin_length", m_pin_length}});
}

LocalServiceDevice::Reply PinPad::call(sim::Time now, std::string_view endpoint, const json& body) {
    if (endpoint == "start") {
        if (faults().active(now, "tamper"))
            return Reply::fail(ServiceError::hardware_error, "tamper detected: the keys are erased");
        const FaultRule* op = faults().strike(now, "start");
        if (!m_keys_loaded || hit(faults(), now, op, "key_not_loaded"))
            return Reply::fail(ServiceError::key_not_loaded, "no working key is loaded");
        if (m_state == SessionState::waiting)
            return Reply::fail(ServiceError::session_active, "a PIN entry is already in progress");
        const int min_len = static_cast<int>(ls::number_field(body, "min_len", m_config.min_len));
        const int max_len = static_cast<int>(ls::number_field(body, "max_len", m_config.max_len));
        if (min_len > max_len) return Reply::fail(ServiceError::invalid_field, "\"min_len\" must not exceed \"max_len\"");
        const sim::Duration timeout = seconds_field(body, "timeout_s", m_config.timeout);
        m_pan = ls::string_field(body, "pan");
        m_min_len = min_len;
        m_max_len = max_len;
        m_deadline = now + timeout;
        m_doomed = hit(faults(), now, op, "timeout") != nullptr;
        m_block.clear();
        m_pin_length = 0;
        m_state = SessionState::waiting;
        if (const FaultRule* stuck = hit(faults(), now, op, "stuck_key")) {
            const auto it = stuck->params.find("key");
            char key = '5';
            if (it != stuck->params.end() && it->is_string() && it->get_ref<const std::string&>().size() == 1 &&
                all_digits(it->get_ref<const std::string&>()))
                key = it->get_ref<const std::string&>()[0];
            finish_entry(now, std::string(static_cast<std::size_t>(max_len), key));
        }
        return Reply::ok(json{{"state", "entering"}, {"timeout_s", sim::to_seconds(timeout)}});
    }
    if (endpoint == "cancel") {
        m_state = SessionState::idle;
        m_block.clear();
        return Reply::ok(json{{"state", "idle"}});
    }
    // result
    switch (m_state) {
    case SessionState::idle: return Reply::fail(ServiceError::no_session, "no PIN entry was started (POST start)");
    case SessionState::waiting: return Reply::ok(json{{"state", "entering"}});
    case SessionState::timed_out: return Reply::fail(ServiceError::timeout, "no PIN before the timeout");
    case SessionState::cancelled: return Reply::fail(ServiceError::cancelled, "the PIN entry was cancelled");
    case SessionState::done: break;
    }
    return Reply::ok(json{{"state", "done"},
                          {"pin_block", m_block},
                          {"format", "synthetic-keyed-hash"},
                          {"key_id", m_key_id},
                          {"algorithm", m_config.algorithm},
                          {"pin_length", m_pin_length}});
}

std::optional<ActionResult> PinPad::on_action(sim::Time now, std::string_view name, const json& action) {
    if (name == "load_keys") {
        settle(now);
        if (faults().active(now, "tamper")) return ActionResult::failure("load_keys: the tamper switch is still open");
        if (action.contains("key_id")) {
            if (!action["key_id"].is_string() || action["key_id"].get_ref<const std::string&>().empty() ||
                action["key_id"].get_ref<const std::string&>().size() > 32 ||
                !ls::valid_utf8(action["key_id"].get_ref<const std::string&>()))
                return ActionResult::failure("load_keys: \"key_id\" must be a string of 1..32 bytes");
            m_key_id = action["key_id"].get<std::string>();
        }
        m_keys_loaded = true;
        ++m_key_generation;
        return ActionResult::success(json{{"key_id", m_key_id}});
    }
    if (name != "enter_pin") return std::nullopt;
    settle(now);
    if (m_state != SessionState::waiting)
        return ActionResult::failure("enter_pin: the pad is not waiting for a PIN (POST /device/pinpad/start)");
    if (action.contains("cancel") && action["cancel"].is_boolean() && action["cancel"].get<bool>()) {
        m_state = SessionState::cancelled;
        return ActionResult::success(json{{"cancelled", true}});
    }
    if (!action.contains("digits") || !action["digits"].is_string() || !all_digits(action["digits"].get_ref<const std::string&>()))
        return ActionResult::failure("enter_pin: \"digits\" must be a string of digits (or give \"cancel\": true)");
    const std::string digits = action["digits"].get<std::string>();
    if (static_cast<int>(digits.size()) < m_min_len || static_cast<int>(digits.size()) > m_max_len)
        return ActionResult::failure("enter_pin: the pad wants " + std::to_string(m_min_len) + ".." +
                                     std::to_string(m_max_len) + " digits");
    if (m_doomed || faults().active(now, "timeout"))
        return ActionResult::success(json{{"accepted", false}, {"reason", "timeout"}});
    finish_entry(now, digits);
    return ActionResult::success(json{{"accepted", true}, {"pin_length", m_pin_length}});
}

std::vector<std::string> PinPad::model_actions() const { return {"enter_pin", "load_keys"}; }

json PinPad::model_state(sim::Time now) const {
    json j = service_status(now);
    if (m_state == SessionState::waiting) j["deadline_s"] = sim::seconds_since_epoch(m_deadline);
    j["config"] = m_config.to_json();
    return j;
}

}  // namespace kiosktwin::devices
