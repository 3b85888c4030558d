#include <kiosktwin/devices/trace.hpp>

#include <kiosktwin/devices/device.hpp>

#include <algorithm>
#include <istream>
#include <ostream>
#include <stdexcept>

namespace kiosktwin::devices {

using nlohmann::json;

namespace {

std::string to_hex(const std::vector<std::uint8_t>& b) {
    static constexpr char k_digits[] = "0123456789abcdef";
    std::string s;
    s.reserve(b.size() * 2);
    for (std::uint8_t x : b) {
        s += k_digits[x >> 4];
        s += k_digits[x & 15];
    }
    return s;
}

std::vector<std::uint8_t> from_hex(const std::string& s) {
    if (s.size() % 2 != 0) throw std::invalid_argument("raw: odd number of hex digits");
    auto nib = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        throw std::invalid_argument("raw: not a hex digit");
    };
    std::vector<std::uint8_t> out(s.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i)
        out[i] = static_cast<std::uint8_t>(nib(s[2 * i]) * 16 + nib(s[2 * i + 1]));
    return out;
}

}  // namespace

json TraceRecord::to_json() const {
    json j{{"t_us", t.time_since_epoch().count()}, {"device", device}, {"dir", dir}, {"frame", frame}};
    if (!raw.empty()) j["raw"] = to_hex(raw);
    return j;
}

TraceRecord TraceRecord::from_json(const json& j) {
    if (!j.is_object() || !j.contains("t_us") || !j["t_us"].is_number_integer() || !j.contains("device") ||
        !j["device"].is_string() || !j.contains("dir") || !j["dir"].is_string())
        throw std::invalid_argument("a trace record needs t_us (integer), device and dir");
    TraceRecord r;
    r.t = sim::Time{sim::Duration{j["t_us"].get<std::int64_t>()}};
    r.device = j["device"].get<std::string>();
    r.dir = j["dir"].get<std::string>();
    if (r.dir != "in" && r.dir != "out" && r.dir != "event")
        throw std::invalid_argument("dir must be in, out or event");
    r.frame = j.value("frame", json());
    if (j.contains("raw")) {
        if (!j["raw"].is_string()) throw std::invalid_argument("raw must be a hex string");
        r.raw = from_hex(j["raw"].get<std::string>());
    }
    return r;
}

void MemoryTrace::write(const TraceRecord& r) {
    std::lock_guard lock(m_mu);
    if (m_records.size() >= m_capacity) {
        m_records.erase(m_records.begin(), m_records.begin() + static_cast<std::ptrdiff_t>(m_capacity / 10 + 1));
        m_dropped += m_capacity / 10 + 1;
    }
    m_records.push_back(r);
}

std::vector<TraceRecord> MemoryTrace::records() const {
    std::lock_guard lock(m_mu);
    return m_records;
}

json MemoryTrace::to_json(const std::string& device) const {
    std::lock_guard lock(m_mu);
    json a = json::array();
    for (const auto& r : m_records)
        if (device.empty() || r.device == device) a.push_back(r.to_json());
    return a;
}

void MemoryTrace::clear() {
    std::lock_guard lock(m_mu);
    m_records.clear();
}

void JsonLinesTrace::write(const TraceRecord& r) { m_out << r.to_json().dump() << '\n'; }

std::vector<TraceRecord> read_trace(std::istream& in) {
    std::vector<TraceRecord> out;
    std::string line;
    std::size_t n = 0;
    while (std::getline(in, line)) {
        ++n;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        try {
            out.push_back(TraceRecord::from_json(json::parse(line)));
        } catch (const std::exception& e) {
            throw std::invalid_argument("trace line " + std::to_string(n) + ": " + e.what());
        }
    }
    return out;
}

ReplayResult replay(StreamDevice& fresh, const std::vector<TraceRecord>& records, const std::string& device_id,
                    bool apply_events) {
    ReplayResult res;
    std::vector<std::uint8_t> expected, produced;
    auto drain_until = [&](sim::Time t) {
        while (fresh.next_wakeup() <= t) {
            const sim::Time w = std::max(fresh.next_wakeup(), sim::epoch_time);
            fresh.on_wakeup(w);
            const Bytes b = fresh.take_output(w);
            produced.insert(produced.end(), b.begin(), b.end());
            if (b.empty() && fresh.next_wakeup() <= w) break;  // a model that does not advance
        }
        const Bytes b = fresh.take_output(t);
        produced.insert(produced.end(), b.begin(), b.end());
    };
    sim::Time last{};
    for (const TraceRecord& r : records) {
        if (r.device != device_id) continue;
        last = std::max(last, r.t);
        drain_until(r.t);
        if (r.dir == "in") {
            fresh.on_bytes(r.t, r.raw);
            ++res.inputs;
        } else if (apply_events && r.dir == "event" && r.frame.is_object()) {
            // Physical actions and injected faults are part of the recording.
            json action;
            if (r.frame.contains("action")) action = r.frame;
            else if (r.frame.contains("fault_injected")) action = r.frame["fault_injected"];
            if (action.is_object()) {
                if (!action.contains("action")) action["action"] = "inject_fault";
                if (r.frame.contains("id") && !action.contains("id")) action["id"] = r.frame["id"];
                const ActionResult a = fresh.act(r.t, action);
                ++res.events;
                if (!a.ok) res.differences.push_back("event at " + std::to_string(r.t.time_since_epoch().count()) +
                                                     " us could not be replayed: " + a.error);
            }
        } else if (r.dir == "out") {
            expected.insert(expected.end(), r.raw.begin(), r.raw.end());
            ++res.outputs;
        }
    }
    drain_until(last + std::chrono::seconds(60));  // let answers still on the wire arrive
    if (produced != expected) {
        std::size_t i = 0;
        while (i < produced.size() && i < expected.size() && produced[i] == expected[i]) ++i;
        res.differences.push_back("output differs at byte " + std::to_string(i) + " of " +
                                  std::to_string(expected.size()) + " recorded (" + std::to_string(produced.size()) +
                                  " produced)");
    }
    return res;
}

}  // namespace kiosktwin::devices
