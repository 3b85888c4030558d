// The byte channels a kiosk's drivers talk through.
//
// A driver speaks a device's protocol (SAM frames, ESC/POS, IPP, the cameras'
// local JSON service) over a channel and never learns what is at the other
// end: in the twin, a virtual-time pipe to a device model (VirtualDeviceHost);
// live, a pty, a TCP socket or an HTTP connection to `kiosktwin serve` or to
// real hardware (twin/live). Every wait is a coroutine on the one
// sim::Simulation, so the same driver code runs under the virtual pacer and
// under the live one.
//
//     ch.write(encode_sam_request(SamCommand::find_card));
//     auto r = co_await exchange(ch, request, sam_frame_complete, 500ms);
//     if (r.error == ChannelError::timeout) ...   // no reply: retry or FAULT
//
// Channels report transport failures as values (ChannelError), never as
// exceptions: a missing reply is an everyday event for a driver.
#pragma once

#include <kiosktwin/devices/device.hpp>
#include <kiosktwin/sim/simulation.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace kiosktwin::kiosk {

using devices::Bytes;
using devices::ByteView;

/// Why a channel operation did not complete.
enum class ChannelError : std::uint8_t {
    none,     ///< it did
    timeout,  ///< nothing (or not enough) arrived in time
    closed,   ///< the other end closed (TCP FIN, pty hang-up)
    reset,    ///< the connection was reset or broke mid-exchange
    refused,  ///< could not (re)connect: nothing listens, the link is down
};
const char* to_string(ChannelError e) noexcept;

/// Counters every channel keeps (for traces and the benchmark).
struct ChannelStats {
    std::uint64_t bytes_out = 0;
    std::uint64_t bytes_in = 0;
    std::uint64_t waits = 0;     ///< wait_input calls
    std::uint64_t timeouts = 0;  ///< waits that ended at their deadline
};

/// A byte stream to a device: a serial line (ID-card reader, QR scanner) or
/// a raw TCP socket (receipt printer on 9100).
class StreamChannel {
public:
    virtual ~StreamChannel() = default;

    /// The simulation whose clock the channel runs on (virtual or paced).
    virtual sim::Simulation& sim() noexcept = 0;
    /// A name for traces and messages ("kiosk-1/idcard").
    virtual const std::string& name() const noexcept = 0;

    /// Hands bytes to the line; they go out in order. closed/reset when the
    /// line is down (reopen() first), none otherwise.
    virtual ChannelError write(ByteView bytes) = 0;
    /// Bytes received and not yet consumed. Drivers erase what they use
    /// (and the garbage they skip when they resynchronise).
    virtual Bytes& input() noexcept = 0;
    /// Waits until input grows, the line fails, or `deadline` passes:
    /// none = new input arrived, timeout = the deadline passed first,
    /// closed/reset = the line went down. Returns at once if the line is down.
    virtual sim::Process<ChannelError> wait_input(sim::Time deadline) = 0;
    /// Drops received input (and what is still arriving of it) — the flush a
    /// driver does before a fresh command after garbage or a timeout.
    virtual void discard_input() { input().clear(); }
    /// Whether the line is up.
    virtual bool is_open() const noexcept = 0;
    /// Reconnects a closed or reset line (a TCP reconnect, a pty reopen).
    virtual sim::Process<ChannelError> reopen(sim::Duration timeout) = 0;
    /// Changes the line speed (serial lines; sockets ignore it).
    virtual void set_baud(int /*baud*/) {}

    const ChannelStats& stats() const noexcept { return m_stats; }

protected:
    ChannelStats m_stats;
};

/// How many leading bytes of the input make one whole answer; nullopt: not yet.
using Completion = std::function<std::optional<std::size_t>(const Bytes&)>;

struct ExchangeResult {
    ChannelError error = ChannelError::none;
    Bytes answer;  ///< the whole answer; on timeout, what had arrived (left in input() too)
};

/// Writes `request` (nothing if empty), then waits until `complete` finds a
/// whole answer in the input or `timeout` passes. The answer is removed from
/// the input; on a timeout the partial input stays for the driver to inspect.
sim::Process<ExchangeResult> exchange(StreamChannel& ch, ByteView request, const Completion& complete,
                                      sim::Duration timeout);

/// The result of an HTTP request to a device's local service.
struct HttpResult {
    ChannelError error = ChannelError::none;  ///< transport failure (no response at all)
    devices::HttpResponse response;           ///< meaningful when error == none
    bool ok() const noexcept { return error == ChannelError::none; }
};

/// An HTTP endpoint of a device: the A4 printer's IPP, the cameras' and
/// other peripherals' local JSON services on 127.0.0.1.
class HttpChannel {
public:
    virtual ~HttpChannel() = default;
    virtual sim::Simulation& sim() noexcept = 0;
    virtual const std::string& name() const noexcept = 0;
    /// The path prefix of the device's service ("/ipp/print", "/camera/face").
    virtual const std::string& prefix() const noexcept = 0;
    /// Sends one request and waits for its response, at most `timeout`.
    virtual sim::Process<HttpResult> request(devices::HttpRequest request, sim::Duration timeout) = 0;

    const ChannelStats& stats() const noexcept { return m_stats; }

protected:
    ChannelStats m_stats;
};

}  // namespace kiosktwin::kiosk
