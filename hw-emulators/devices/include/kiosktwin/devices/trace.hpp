// Every exchange with a device can be recorded as decoded frames, one JSON
// object a line:
//
//   {"t_us":112000,"device":"kiosk-1/idcard","dir":"out","frame":{"sw3":"90",...},"raw":"aaaaaa9669..."}
//
// "in" is what the kiosk program sent, "out" what the device answered,
// "event" a physical action, fault or state change. A recording can be
// replayed: the "in" bytes are fed to a fresh device at their recorded times
// and its answers compared with the recorded "out" ones.
#pragma once

#include <kiosktwin/sim/time.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <iosfwd>
#include <mutex>
#include <span>
#include <string>
#include <vector>

namespace kiosktwin::devices {

class StreamDevice;

struct TraceRecord {
    sim::Time t{};
    std::string device;
    std::string dir;  ///< "in", "out" or "event"
    nlohmann::json frame;
    std::vector<std::uint8_t> raw;

    nlohmann::json to_json() const;
    /// Throws std::invalid_argument on a malformed record.
    static TraceRecord from_json(const nlohmann::json& j);
};

/// Where a device writes its records. Implementations must be safe to call
/// from the one thread that drives the devices.
class TraceSink {
public:
    virtual ~TraceSink() = default;
    virtual void write(const TraceRecord& r) = 0;
};

/// Keeps records in memory (tests, the control API's trace endpoint).
class MemoryTrace : public TraceSink {
public:
    explicit MemoryTrace(std::size_t capacity = 100'000) : m_capacity(capacity) {}
    void write(const TraceRecord& r) override;
    /// Records so far (oldest dropped beyond the capacity).
    std::vector<TraceRecord> records() const;
    /// Records of one device (all if empty) as a JSON array.
    nlohmann::json to_json(const std::string& device = {}) const;
    void clear();

private:
    mutable std::mutex m_mu;
    std::size_t m_capacity;
    std::vector<TraceRecord> m_records;
    std::size_t m_dropped = 0;
};

/// Writes JSON lines to a stream.
class JsonLinesTrace : public TraceSink {
public:
    explicit JsonLinesTrace(std::ostream& out) : m_out(out) {}
    void write(const TraceRecord& r) override;

private:
    std::ostream& m_out;
};

/// Fans one record out to several sinks.
class TeeTrace : public TraceSink {
public:
    void add(TraceSink* s) { m_sinks.push_back(s); }
    void write(const TraceRecord& r) override {
        for (TraceSink* s : m_sinks) s->write(r);
    }

private:
    std::vector<TraceSink*> m_sinks;
};

/// Reads JSON lines written by JsonLinesTrace. Throws std::invalid_argument
/// naming the line of a malformed record.
std::vector<TraceRecord> read_trace(std::istream& in);

struct ReplayResult {
    std::size_t inputs = 0;      ///< "in" records fed
    std::size_t events = 0;      ///< recorded actions and fault injections re-applied
    std::size_t outputs = 0;     ///< bytes answered, as recorded "out" records compared
    std::vector<std::string> differences;  ///< human-readable, empty when the replay matches
    bool matches() const noexcept { return differences.empty(); }
};

/// Replays the records of `device_id` into `fresh` (a device built as the
/// recorded one was, with the same seed): the bytes that came in and the
/// actions and fault injections, each at its recorded time; then compares
/// the bytes it answers with the recorded "out" bytes. An action whose
/// recording had a citizen ID number masked (R-9.3-1) cannot be replayed and
/// is reported as a difference. With apply_events false only the bytes are
/// replayed (the caller has prepared `fresh` itself).
ReplayResult replay(StreamDevice& fresh, const std::vector<TraceRecord>& records, const std::string& device_id,
                    bool apply_events = true);

}  // namespace kiosktwin::devices
