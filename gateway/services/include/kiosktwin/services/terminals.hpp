// Terminal management (R-8.4-1): register, heartbeat with peripheral status
// and consumable levels, log upload, remote commands; online/offline from
// heartbeat gaps and a status history from which R-10.1-1's 在线率, 开机率
// and 故障率 are computed. Every refusal and every state change is appended to
// an audit::AuditLog (R-9.2-1, R-9.3-1).
//
//   * register_terminal(body): {"terminal_id" (1-64 of [A-Za-z0-9_-]),
//     "site" (1-100 chars), "region" (GB/T 2260), "key_id" (api::valid_key_id),
//     "heartbeat_interval_s" (5-3600, default 60), "peripherals": [{"id"
//     (1-64 chars, unique), "type" (api::codes::peripheral_type)}] (0-32)}.
//     A known terminal id is conflict_state. A registered terminal starts
//     offline (no heartbeat yet).
//   * Calls from a terminal (heartbeat, upload_log) for an id never
//     registered are refused with api auth_unregistered_terminal (403) and
//     audited; a malformed body is refused with the Checker's code and path
//     and audited; a refused call changes nothing.
//   * heartbeat(body): {"status" (api::codes::terminal_status, except the
//     platform-inferred "offline" and "retired"), "peripherals": [{"id" (a
//     registered one), "state": "OK"|"WARN"|"FAULT"|"ABSENT", "detail"?}]
//     (unmentioned peripherals keep their state), "consumables": {"name":
//     0-100 percent} (merged), "uptime_s"? (seconds since boot), "acks":
//     [{"id", "result": "ok"|"failed", "detail"?}]}. The reply carries every
//     queued command not yet delivered, which is then delivered: each
//     command is delivered exactly once. An ack of an unknown or undelivered
//     command is bad_field; a repeated ack is ignored (acked exactly once).
//   * Online/offline: a heartbeat at t keeps the terminal online until
//     t + timeout, timeout = k_missed_heartbeats (3) x its interval. When no
//     heartbeat came by then, it went offline at that instant (recorded when
//     the model next looks: any call for that terminal, or sweep(now)); the
//     next heartbeat brings it back online. A heartbeat exactly at
//     t + timeout is still in time.
//   * History: consecutive Segments [from, to) of {online, powered, status}.
//     Online segments are powered (a heartbeat proves power). An offline gap
//     is unpowered, except when the heartbeat that ends it carries uptime_s:
//     from max(gap start, boot = now - uptime_s) the terminal was powered
//     (a network outage, not a power-off).
//   * availability(id, from, to): over [from, to) clipped to registration,
//     the durations online (R-10.1-1 在线率 numerator: heartbeat-OK time),
//     powered (开机 time), fault (online with reported status "fault":
//     开机率's fault downtime; 故障率 = days with fault > 0 over days) and
//     degraded. The open tail is extrapolated with no further heartbeat
//     (online until the timeout, then offline unpowered).
//   * Audit actions: terminal.register, terminal.heartbeat (refusals only),
//     terminal.state (online/offline or reported status changed),
//     terminal.peripheral (a peripheral state changed), terminal.log_upload,
//     terminal.command.enqueue, terminal.command.deliver,
//     terminal.command.ack. Actor: the terminal id ("platform" for enqueue).
//
// A pure model over virtual time; calls for one terminal must not go back in
// time (conflict_state).
#pragma once

#include <kiosktwin/api/errors.hpp>
#include <kiosktwin/services/audit.hpp>
#include <kiosktwin/services/outcome.hpp>
#include <kiosktwin/sim/calendar.hpp>
#include <kiosktwin/sim/time.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::services::terminals {

inline constexpr int k_missed_heartbeats = 3;
inline constexpr std::int64_t k_default_interval_s = 60;
inline constexpr std::size_t k_max_log_bytes = 1 << 20;

enum class PeripheralState : std::uint8_t { ok, warn, fault, absent };  ///< "OK" "WARN" "FAULT" "ABSENT"
enum class CommandKind : std::uint8_t { restart, update_items, publish_notice, lock, unlock };

std::string_view to_string(PeripheralState s) noexcept;
std::string_view to_string(CommandKind k) noexcept;
std::optional<PeripheralState> parse_peripheral_state(std::string_view id) noexcept;
std::optional<CommandKind> parse_command_kind(std::string_view id) noexcept;

struct Peripheral {
    std::string id;
    std::string type;  ///< api::codes::peripheral_type
    PeripheralState state = PeripheralState::absent;  ///< until a heartbeat reports it
    std::string detail;
    friend bool operator==(const Peripheral&, const Peripheral&) = default;
};

struct Command {
    std::uint64_t id = 0;  ///< unique in the registry, from 1
    CommandKind kind = CommandKind::restart;
    nlohmann::json args = nlohmann::json::object();
    sim::Time queued_at{};
    std::optional<sim::Time> delivered_at;
    std::optional<sim::Time> acked_at;
    std::string result;  ///< "ok" / "failed" once acked
    std::string detail;
    friend bool operator==(const Command&, const Command&) = default;
};

struct Segment {
    sim::Time from{};
    sim::Time to{};
    bool online = false;
    bool powered = false;
    std::string status;  ///< reported terminal_status while online; "offline" otherwise
    friend bool operator==(const Segment&, const Segment&) = default;
};

struct LogUpload {
    sim::Time at{};
    std::string name;
    std::string content;  ///< ID numbers masked
    friend bool operator==(const LogUpload&, const LogUpload&) = default;
};

struct Terminal {
    std::string id;
    std::string site;
    std::string region;
    std::string key_id;
    sim::Duration interval{std::chrono::seconds(k_default_interval_s)};
    std::vector<Peripheral> peripherals;
    std::map<std::string, int> consumables;  ///< name -> percent
    sim::Time registered_at{};
    std::optional<sim::Time> last_heartbeat;
    sim::Time last_call{};  ///< the latest virtual time seen for this terminal
    std::vector<Segment> history;  ///< closed segments, in order
    Segment current;               ///< the open one (`to` unused)
    std::vector<Command> commands;
    std::vector<LogUpload> logs;

    sim::Duration timeout() const noexcept { return interval * k_missed_heartbeats; }
    const Peripheral* peripheral(std::string_view pid) const;
    friend bool operator==(const Terminal&, const Terminal&) = default;
};

/// ok, or the refusal (services/outcome.hpp).
using Outcome = services::Outcome;

struct HeartbeatReply {
    Outcome outcome;
    std::vector<Command> commands;  ///< delivered by this reply
    explicit operator bool() const noexcept { return outcome.ok(); }
};

struct Availability {
    sim::Duration window{};    ///< |[from, to) ∩ [registered_at, ∞)|
    sim::Duration online{};
    sim::Duration powered{};
    sim::Duration fault{};
    sim::Duration degraded{};
    friend bool operator==(const Availability&, const Availability&) = default;
};

class Registry {
public:
    /// `log` must outlive the registry.
    explicit Registry(audit::AuditLog& log) : m_log(&log) {}

    Outcome register_terminal(const nlohmann::json& body, sim::Time now);
    HeartbeatReply heartbeat(std::string_view terminal, const nlohmann::json& body, sim::Time now);
    /// {"name" (1-128 chars), "content" (a string of at most k_max_log_bytes)}; stored masked.
    Outcome upload_log(std::string_view terminal, const nlohmann::json& body, sim::Time now);
    /// Queues a command for the terminal's next heartbeat; not_found for an
    /// unknown terminal. `id_out` gets the command id.
    Outcome enqueue_command(std::string_view terminal, CommandKind kind, sim::Time now,
                            const nlohmann::json& args = nlohmann::json::object(),
                            std::uint64_t* id_out = nullptr);
    /// Records every timeout that has passed by `now`.
    void sweep(sim::Time now);

    const Terminal* find(std::string_view id) const;
    std::vector<const Terminal*> terminals() const;
    std::size_t size() const noexcept { return m_terminals.size(); }
    /// Online at `now` (a heartbeat within the timeout), without changing anything.
    bool online(std::string_view id, sim::Time now) const;
    /// The segments over [registered_at, to), the open tail extrapolated.
    std::vector<Segment> timeline(std::string_view id, sim::Time to) const;
    /// nullopt for an unknown terminal; from > to gives zeros.
    std::optional<Availability> availability(std::string_view id, sim::Time from, sim::Time to) const;

    /// {"next_command_id", "terminals": [...]} with GB/T 7408 times on the audit log's calendar.
    nlohmann::json to_json() const;
    /// Inverse of to_json; throws std::invalid_argument on malformed input.
    static Registry from_json(const nlohmann::json& j, audit::AuditLog& log);

    friend bool operator==(const Registry& a, const Registry& b) {
        return a.m_terminals == b.m_terminals && a.m_next_command == b.m_next_command;
    }

private:
    Terminal* find_mut(std::string_view id);
    Outcome refuse(std::string_view actor, std::string_view action, sim::Time now, api::ErrorCode code,
                   std::string path, std::string reason);
    /// Refuses unknown ids and calls back in time; settles the timeout.
    Terminal* admit(std::string_view id, std::string_view action, sim::Time now, Outcome& out);
    void settle(Terminal& t, sim::Time now);
    void change(Terminal& t, sim::Time at, sim::Time now, bool online, bool powered, std::string status);

    audit::AuditLog* m_log;
    std::map<std::string, Terminal, std::less<>> m_terminals;
    std::uint64_t m_next_command = 1;
};

}  // namespace kiosktwin::services::terminals
