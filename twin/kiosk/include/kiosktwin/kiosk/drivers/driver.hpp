// What every kiosk-side device driver shares: the status it maps every
// failure to (OK / WARN / FAULT / ABSENT, R-7.2-1), the consumable levels it
// has learnt, and its counters. The management agent reports these; the
// session flow greys out what a FAULT or ABSENT device would break (R-7.2-2).
//
// A driver owns a channel (channel.hpp) and speaks its device's protocol over
// it with timeouts, resynchronisation after garbage and bounded retries. It
// never throws for a device or transport failure: operations return a result
// with an error, and the status says what the driver concluded.
#pragma once

#include <kiosktwin/devices/device.hpp>
#include <kiosktwin/sim/simulation.hpp>
#include <kiosktwin/sim/time.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::kiosk {

using devices::Health;

/// A driver's view of its device.
struct DriverStatus {
    Health health = Health::absent;    ///< ABSENT until the first successful poll
    std::vector<std::string> reasons;  ///< stable keywords: "paper-near-end", "no-reply", "media-empty"...
    sim::Time since{};                 ///< when `health` last changed
    /// Levels in percent the device reports or the driver estimates
    /// ("paper", "toner", "media"); absent when unknown.
    std::map<std::string, int> consumables;
};

struct DriverCounters {
    std::uint64_t operations = 0;  ///< business operations (read, print, capture...)
    std::uint64_t failures = 0;    ///< operations that ended in an error
    std::uint64_t retries = 0;     ///< re-sent commands
    std::uint64_t timeouts = 0;    ///< replies that did not come in time
    std::uint64_t resyncs = 0;     ///< garbage skipped to find a frame
    std::uint64_t polls = 0;       ///< status polls
};

/// Holds a driver's busy flag for the life of one operation: a second
/// operation that finds it set is refused ("in-use") or answered from what
/// the driver knows, never interleaved on the line.
class BusyGuard {
public:
    explicit BusyGuard(bool& flag) noexcept : m_flag(flag) { m_flag = true; }
    ~BusyGuard() { m_flag = false; }
    BusyGuard(const BusyGuard&) = delete;
    BusyGuard& operator=(const BusyGuard&) = delete;

private:
    bool& m_flag;
};

class Driver {
public:
    virtual ~Driver() = default;

    /// The peripheral type id of api::codes (peripheral_type): "idcard_reader"...
    virtual std::string_view kind() const noexcept = 0;

    const DriverStatus& status() const noexcept { return m_status; }
    const DriverCounters& counters() const noexcept { return m_counters; }
    /// Whether business functions that need the device may be offered
    /// (OK or WARN).
    bool usable() const noexcept { return m_status.health == Health::ok || m_status.health == Health::warn; }

    /// Asks the device for its status (SAM status, DLE EOT, Get-Printer-
    /// Attributes, the local service's /status...) and updates status().
    virtual sim::Process<Health> poll() = 0;

    /// Called whenever health or reasons change (the agent reports it).
    void on_change(std::function<void(const Driver&)> f) { m_listener = std::move(f); }

protected:
    /// Records a new status; `now` stamps a change of health.
    void set_status(sim::Time now, Health health, std::vector<std::string> reasons) {
        const bool changed = health != m_status.health || reasons != m_status.reasons;
        if (health != m_status.health) m_status.since = now;
        m_status.health = health;
        m_status.reasons = std::move(reasons);
        if (changed && m_listener) m_listener(*this);
    }
    void set_consumable(const std::string& name, int percent) { m_status.consumables[name] = percent; }

    DriverStatus m_status;
    DriverCounters m_counters;

private:
    std::function<void(const Driver&)> m_listener;
};

}  // namespace kiosktwin::kiosk
