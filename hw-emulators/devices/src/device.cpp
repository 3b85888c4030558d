#include <kiosktwin/devices/device.hpp>

#include <kiosktwin/protocol/citizen_id.hpp>
#include <kiosktwin/protocol/json_text.hpp>

#include <algorithm>
#include <cstdio>

namespace kiosktwin::devices {

using nlohmann::json;

const char* to_string(Health h) noexcept {
    switch (h) {
    case Health::ok: return "OK";
    case Health::warn: return "WARN";
    case Health::fault: return "FAULT";
    case Health::absent: return "ABSENT";
    }
    return "?";
}

std::string hex(ByteView bytes, std::size_t max_bytes) {
    std::string s;
    const std::size_t n = std::min(bytes.size(), max_bytes);
    s.reserve(n * 3 + 8);
    char buf[4];
    for (std::size_t i = 0; i < n; ++i) {
        std::snprintf(buf, sizeof buf, "%02x", bytes[i]);
        if (i) s += ' ';
        s += buf;
    }
    if (bytes.size() > n) s += " ...";
    return s;
}

namespace {

bool looks_like_id_number(const std::string& s) {
    if (s.size() != 18) return false;
    for (std::size_t i = 0; i < 17; ++i)
        if (s[i] < '0' || s[i] > '9') return false;
    return (s[17] >= '0' && s[17] <= '9') || s[17] == 'X' || s[17] == 'x';
}

// Traces are logs: citizen ID numbers in them are masked (R-9.3-1).
json redact(json j) {
    if (j.is_string()) {
        if (looks_like_id_number(j.get_ref<const std::string&>())) return protocol::mask_id(j.get<std::string>());
    } else if (j.is_object() || j.is_array()) {
        for (auto& v : j) v = redact(std::move(v));
    }
    return j;
}

}  // namespace

// --- Device --------------------------------------------------------------------

Device::Device(std::string id, std::string kind, std::uint64_t seed)
    : m_id(std::move(id)), m_kind(std::move(kind)), m_faults(seed) {}

Device::~Device() = default;

sim::Time Device::next_wakeup() const { return sim::end_of_time; }

void Device::on_wakeup(sim::Time) {}

std::vector<std::string> Device::actions() const {
    std::vector<std::string> a{"describe", "inject_fault", "clear_fault"};
    for (auto& m : model_actions()) a.push_back(m);
    return a;
}

ActionResult Device::act(sim::Time now, const json& action) {
    if (!action.is_object() || !action.contains("action") || !action["action"].is_string())
        return ActionResult::failure("expected a JSON object with an \"action\" name");
    const std::string name = action["action"].get<std::string>();
    if (name == "describe") return ActionResult::success(describe(now));
    if (name == "inject_fault") {
        try {
            const json& spec = action.contains("rule") ? action["rule"] : action;
            json rule = spec;
            if (rule.is_object()) rule.erase("action");
            const std::string id = m_faults.add(FaultRule::from_json(rule), now);
            if (m_trace != nullptr) record(now, "event", json{{"fault_injected", redact(rule)}, {"id", id}});
            return ActionResult::success(json{{"id", id}});
        } catch (const std::exception& e) {
            return ActionResult::failure(e.what());
        }
    }
    if (name == "clear_fault") {
        if (action.contains("id")) {
            if (!action["id"].is_string()) return ActionResult::failure("\"id\" must be a string");
            if (!m_faults.clear(action["id"].get<std::string>()))
                return ActionResult::failure("no fault rule with id \"" + action["id"].get<std::string>() + "\"");
        } else {
            m_faults.clear_all();
        }
        if (m_trace != nullptr) record(now, "event", json{{"fault_cleared", action.value("id", std::string("all"))}});
        return ActionResult::success();
    }
    if (auto r = on_action(now, name, action)) {
        if (r->ok && m_trace != nullptr) record(now, "event", redact(action));
        return *r;
    }
    std::string known;
    for (const auto& a : actions()) {
        if (!known.empty()) known += ", ";
        known += a;
    }
    return ActionResult::failure("unknown action \"" + name + "\" for " + m_kind + "; known: " + known);
}

json Device::describe(sim::Time now) const {
    const DeviceStatus st = status(now);
    return json{{"id", m_id},
                {"kind", m_kind},
                {"health", to_string(st.health)},
                {"reasons", st.reasons},
                {"state", model_state(now)},
                {"faults", m_faults.describe(now)},
                {"actions", actions()}};
}

void Device::record(sim::Time now, std::string_view direction, json decoded, ByteView raw) {
    if (m_trace == nullptr) return;
    TraceRecord r;
    r.t = now;
    r.device = m_id;
    r.dir = std::string(direction);
    r.frame = std::move(decoded);
    r.raw.assign(raw.begin(), raw.end());
    m_trace->write(r);
}

// --- StreamDevice ----------------------------------------------------------------

StreamDevice::StreamDevice(std::string id, std::string kind, std::uint64_t seed, int baud)
    : Device(std::move(id), std::move(kind), seed), m_baud(baud) {}

void StreamDevice::set_baud(int baud) { m_baud = baud; }

sim::Duration StreamDevice::wire_time(std::size_t n) const noexcept {
    if (m_baud <= 0) return sim::Duration::zero();
    // 10 bits a byte (start, 8 data, stop), in microseconds, rounded up.
    const auto bits = static_cast<std::int64_t>(n) * 10;
    return sim::Duration{(bits * 1'000'000 + m_baud - 1) / m_baud};
}

sim::Time StreamDevice::completion(const Segment& s, std::size_t bytes_done) const noexcept {
    if (m_baud <= 0) return s.anchor;
    const std::int64_t bits = s.first_bit + 10 * static_cast<std::int64_t>(bytes_done);
    return s.anchor + sim::Duration{(bits * 1'000'000 + m_baud - 1) / m_baud};
}

void StreamDevice::transmit(sim::Time now, ByteView bytes, sim::Duration delay) {
    if (bytes.empty()) return;
    const sim::Time start = now + delay;
    if (start >= m_line_free_at || m_out.empty()) {  // the line is idle by then: a new busy period
        m_anchor = std::max(start, m_line_free_at);
        m_bits = 0;
    }
    m_out.push_back(Segment{m_anchor, m_bits, Bytes(bytes.begin(), bytes.end()), 0});
    m_bits += 10 * static_cast<std::int64_t>(bytes.size());
    m_line_free_at = completion(m_out.back(), bytes.size());
}

void StreamDevice::clear_output() noexcept {
    m_out.clear();
    m_bits = 0;
    m_line_free_at = sim::Time{};
}

Bytes StreamDevice::take_output(sim::Time now) {
    Bytes out;
    while (!m_out.empty()) {
        Segment& s = m_out.front();
        std::size_t done = s.bytes.size();
        if (now < s.anchor) break;
        if (m_baud > 0) {
            // Bytes whose last bit has left the wire by now.
            const std::int64_t bits_by_now = ((now - s.anchor).count() * m_baud) / 1'000'000;
            const std::int64_t own = bits_by_now - s.first_bit;
            done = own <= 0 ? 0 : std::min(done, static_cast<std::size_t>(own / 10));
        }
        if (done > s.sent) {
            out.insert(out.end(), s.bytes.begin() + static_cast<std::ptrdiff_t>(s.sent),
                       s.bytes.begin() + static_cast<std::ptrdiff_t>(done));
            s.sent = done;
        }
        if (s.sent < s.bytes.size()) break;
        m_out.pop_front();
    }
    return out;
}

sim::Time StreamDevice::next_output_at() const noexcept {
    if (m_out.empty()) return sim::end_of_time;
    const Segment& s = m_out.front();
    return completion(s, s.sent + 1);
}

sim::Time StreamDevice::next_wakeup() const { return next_output_at(); }

// --- HTTP ---------------------------------------------------------------------------

std::string HttpRequest::header(const std::string& name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
}

HttpResponse HttpResponse::json(int status, const nlohmann::json& body, sim::Duration delay) {
    HttpResponse r;
    r.status = status;
    r.content_type = "application/json";
    r.body = protocol::dump_json(body);
    r.delay = delay;
    return r;
}

HttpResponse HttpResponse::error(int status, std::string_view code, std::string_view message) {
    return json(status, nlohmann::json{{"error", {{"code", code}, {"message", message}}}});
}

}  // namespace kiosktwin::devices
