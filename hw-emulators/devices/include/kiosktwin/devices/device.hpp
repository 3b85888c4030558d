// The sans-I/O face every emulated peripheral shows its host.
//
// A device model takes inputs with the current time — bytes from the kiosk
// program, HTTP requests, physical actions ("insert this card", "take the
// receipt") — and returns outputs: bytes that become available at a time,
// responses, status. It tells its host when it next wants to be woken
// (next_wakeup / on_wakeup). It owns no socket, thread or clock, so the same
// model serves a planning run in virtual time (the twin's event queue drives
// it) and a developer's kiosk program on a real port (an Asio host drives it).
//
// Time is kiosktwin::sim::Time: in virtual mode the simulation's clock, in
// live mode the time since the host started.
#pragma once

#include <kiosktwin/devices/fault_model.hpp>
#include <kiosktwin/devices/trace.hpp>
#include <kiosktwin/sim/time.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kiosktwin::devices {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

/// A hardware function's status (R-7.2-1): OK / WARN / FAULT / ABSENT.
enum class Health { ok, warn, fault, absent };
const char* to_string(Health h) noexcept;

struct DeviceStatus {
    Health health = Health::ok;
    /// Why, as stable keywords: "paper-near-end", "cover-open", "no-card"...
    std::vector<std::string> reasons;
    friend bool operator==(const DeviceStatus&, const DeviceStatus&) = default;
};

/// The outcome of a physical action or control request.
struct ActionResult {
    bool ok = true;
    std::string error;          ///< why not, when !ok
    nlohmann::json data = {};   ///< anything the action returns

    static ActionResult success(nlohmann::json data = {}) { return {true, {}, std::move(data)}; }
    static ActionResult failure(std::string why) { return {false, std::move(why), {}}; }
};

/// Common base of every device model.
class Device {
public:
    /// `id` names the instance ("kiosk-1/idcard"), `kind` the model
    /// ("idcard_reader"). `seed` seeds the device's fault model: derive it
    /// from the master seed and the id (sim::derive_seed) so that adding a
    /// device changes no other device's draws.
    Device(std::string id, std::string kind, std::uint64_t seed);
    virtual ~Device();
    Device(const Device&) = delete;
    Device& operator=(const Device&) = delete;

    const std::string& id() const noexcept { return m_id; }
    const std::string& kind() const noexcept { return m_kind; }

    /// The device's status at `now` (R-7.2-1), derived from its state,
    /// consumables and active faults.
    virtual DeviceStatus status(sim::Time now) const = 0;

    /// When the model next needs on_wakeup() (sim::end_of_time if never).
    /// Stream devices also count their pending output (see StreamDevice).
    virtual sim::Time next_wakeup() const;
    /// Lets time-driven behaviour happen: a print finishing, paper running
    /// out, a fault window opening. Hosts call it at or after next_wakeup().
    virtual void on_wakeup(sim::Time now);

    /// A physical action or control setting, as JSON: {"action": "insert_card", ...}.
    /// Every device understands "inject_fault" (a FaultRule as JSON),
    /// "clear_fault" ({"id": ...} or none for all) and "describe"; models add
    /// their own ("refill_paper", "open_cover", "scan", ...). Unknown actions
    /// fail with a message listing the known ones.
    ActionResult act(sim::Time now, const nlohmann::json& action);
    /// The actions this device understands (for help and error messages).
    std::vector<std::string> actions() const;

    /// Everything the control API shows about the device.
    nlohmann::json describe(sim::Time now) const;

    FaultModel& faults() noexcept { return m_faults; }
    const FaultModel& faults() const noexcept { return m_faults; }

    /// Where decoded exchanges are recorded (nullptr = nowhere).
    void set_trace(TraceSink* sink) noexcept { m_trace = sink; }
    TraceSink* trace() const noexcept { return m_trace; }

protected:
    /// Model-specific actions: return nullopt for an unknown action name.
    virtual std::optional<ActionResult> on_action(sim::Time now, std::string_view name,
                                                  const nlohmann::json& action) = 0;
    virtual std::vector<std::string> model_actions() const = 0;
    /// Model-specific state for describe() (consumables, card present, jobs...).
    virtual nlohmann::json model_state(sim::Time now) const = 0;

    /// Records one decoded exchange: direction "in" (from the kiosk program),
    /// "out" (to it) or "event" (physical action, fault, state change).
    void record(sim::Time now, std::string_view direction, nlohmann::json decoded, ByteView raw = {});

private:
    std::string m_id;
    std::string m_kind;
    FaultModel m_faults;
    TraceSink* m_trace = nullptr;
};

/// A device on a byte stream: a serial line (ID-card reader, QR scanner) or
/// a raw TCP port (receipt printer on 9100). Bytes in; bytes out, paced at
/// the line's baud rate (10 bits per byte: 8N1) so that a 1295-byte ID read
/// takes its ≈112 ms at 115200 baud.
class StreamDevice : public Device {
public:
    StreamDevice(std::string id, std::string kind, std::uint64_t seed, int baud);

    /// Bytes written by the kiosk program, arriving at `now`.
    virtual void on_bytes(sim::Time now, ByteView bytes) = 0;

    /// Removes and returns the output bytes fully transmitted by `now`.
    Bytes take_output(sim::Time now);
    /// When the next pending output byte is complete (end_of_time if none).
    sim::Time next_output_at() const noexcept;
    /// When all queued output will have been transmitted (now-ish if none).
    sim::Time output_idle_at() const noexcept { return m_line_free_at; }
    bool output_pending() const noexcept { return !m_out.empty(); }

    /// The line's speed; 0 = unpaced (a TCP socket: bytes are ready at once).
    int baud() const noexcept { return m_baud; }
    /// The host saw the kiosk program change the line speed (termios).
    virtual void set_baud(int baud);
    /// Wire time of n bytes at the current baud rate (8N1: 10 bits a byte).
    sim::Duration wire_time(std::size_t n) const noexcept;

    sim::Time next_wakeup() const override;

protected:
    /// Queues bytes for transmission: they start when the line is free and
    /// no earlier than now + delay, and complete one by one at the baud rate.
    void transmit(sim::Time now, ByteView bytes, sim::Duration delay = sim::Duration::zero());
    /// Drops all queued output (a reset, a cable pulled).
    void clear_output() noexcept;

private:
    // Back-to-back output is timed from one anchor by cumulative bits, so
    // rounding to microseconds never accumulates across segments.
    struct Segment {
        sim::Time anchor;         // when the line started this busy period
        std::int64_t first_bit;   // bits already on the wire in this period before the segment
        Bytes bytes;
        std::size_t sent = 0;     // bytes already taken
    };
    sim::Time completion(const Segment& s, std::size_t bytes_done) const noexcept;
    int m_baud;
    std::deque<Segment> m_out;
    sim::Time m_anchor{};
    std::int64_t m_bits = 0;
    sim::Time m_line_free_at{};
};

/// A minimal HTTP exchange, for devices that sit behind HTTP (the A4 printer's
/// IPP, the cameras' local service). The host does the HTTP wire format.
struct HttpRequest {
    std::string method;  ///< "GET", "POST"
    std::string target;  ///< path and query: "/ipp/print", "/camera/face/capture?w=640"
    std::map<std::string, std::string> headers;  ///< names in lower case
    std::string body;
    /// The header's value, or "" (name in lower case).
    std::string header(const std::string& name) const;
};

struct HttpResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    /// How long the device takes before it answers (capture latency, IPP
    /// processing); the host holds the response this long.
    sim::Duration delay = sim::Duration::zero();

    /// A JSON body with the given status.
    static HttpResponse json(int status, const nlohmann::json& body, sim::Duration delay = sim::Duration::zero());
    /// HTTP 4xx/5xx with a JSON error body {"error": {"code", "message"}}.
    static HttpResponse error(int status, std::string_view code, std::string_view message);
};

class HttpDevice : public Device {
public:
    using Device::Device;
    /// Answers one request at `now`. Malformed requests get the device's own
    /// error answer (IPP status, HTTP 400 with a JSON error), never a throw.
    virtual HttpResponse handle(sim::Time now, const HttpRequest& request) = 0;
    /// The path prefix the device serves under ("/ipp/print", "/camera/face").
    virtual std::string path_prefix() const = 0;
};

/// Lower-case hex of bytes, "aa aa aa 96 69 ..." (for traces and messages).
std::string hex(ByteView bytes, std::size_t max_bytes = 64);

}  // namespace kiosktwin::devices
