// The live pacer: one sim::Simulation run against the wall clock, with one
// Asio io_context on the same thread (ns-3's real-time simulator, with the
// sockets inside).
//
// The loop alternates two things: run the simulation up to the live time
// (sim.run_until), then run the io_context until the next event is due. An
// I/O completion (bytes on a pty, an HTTP response) calls catch_up() before
// it fires its sim::Event, so it becomes an event at the current virtual
// time, not at the time of the last pass. Model code never learns it is
// live: it only ever sees the simulation's clock.
//
//     sim::Simulation sim;
//     live::LivePacer pacer(sim, {.speed = 1.0});
//     auto ch = live::LiveStreamChannel::tcp(pacer, "kiosk-1/receipt", "127.0.0.1", 9100);
//     sim.spawn(driver_work(*ch));
//     pacer.run(std::chrono::seconds(30));          // or until stop() / SIGINT
//
// Virtual time runs `speed` times as fast as the wall clock. Devices and the
// gateway at the other end of the channels live in real time, so a speed
// other than 1 squeezes (or stretches) every timeout the kiosk sets against
// their latencies: use it to hurry a citizen's reading, not a card read.
//
// A hold pauses the simulation while the io_context keeps running: a
// citizen's physical action sent to `serve`'s control API holds it until the
// action is acknowledged, so the kiosk cannot overtake the citizen's hand —
// in virtual time the action takes no time at all.
//
// Thread: everything here runs on the thread that calls run(); stop() alone
// may be called from any thread (and SIGINT / SIGTERM stop run() too). This
// file and the channels are the only places in the stack that read a clock.
#pragma once

#include <kiosktwin/sim/simulation.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

namespace boost::asio {
class io_context;
}

namespace kiosktwin::live {

struct LivePacerOptions {
    /// Virtual seconds per wall second (> 0).
    double speed = 1.0;
    /// SIGINT and SIGTERM stop run() (while it runs).
    bool handle_signals = true;
    /// The longest the loop sleeps before it looks at its stop conditions again (wall time).
    std::chrono::milliseconds max_slice{200};
    /// Virtual time keeps running between runs, anchored at the first run's
    /// start (a viewer that runs the pacer a slice each frame: what fell due
    /// while it drew runs at the next slice). Otherwise it stands still.
    bool continuous = false;
};

/// Why run() returned.
enum class PacerStop : std::uint8_t {
    stopped,    ///< stop() was called
    signal,     ///< SIGINT or SIGTERM
    condition,  ///< the `until` predicate became true
    duration,   ///< the wall-time limit passed
};
const char* to_string(PacerStop s) noexcept;

class LivePacer {
public:
    /// Throws std::invalid_argument if speed is not positive.
    explicit LivePacer(sim::Simulation& sim, LivePacerOptions options = {});
    ~LivePacer();
    LivePacer(const LivePacer&) = delete;
    LivePacer& operator=(const LivePacer&) = delete;

    sim::Simulation& sim() noexcept { return m_sim; }
    boost::asio::io_context& io() noexcept;
    double speed() const noexcept { return m_options.speed; }

    /// Runs the simulation paced to the wall clock, and the I/O, until stop(),
    /// a signal, `until()` returns true (checked after every pass), or
    /// `limit` of wall time passes (zero: no limit). Virtual time continues
    /// from sim.now(); between runs it stands still.
    PacerStop run(std::chrono::milliseconds limit = std::chrono::milliseconds::zero(),
                  const std::function<bool()>& until = {});
    /// Makes run() return soon. Safe from any thread.
    void stop() noexcept;

    /// The virtual time the wall clock says it is now (sim.now() when not running).
    sim::Time live_now() const noexcept;
    /// Runs the simulation up to live_now(), unless a hold is on or the
    /// simulation is already running: what an I/O completion calls before it
    /// fires an event. Cheap when there is nothing to do.
    void catch_up();
    /// Whether run() is in progress.
    bool running() const noexcept { return m_running; }

    /// Pauses the simulation (not the I/O) until the matching release().
    /// If called from inside the simulation, the current pass ends after
    /// the current event.
    void hold() noexcept;
    void release() noexcept;
    bool held() const noexcept { return m_holds > 0; }

    /// Wall time passed since run() started (zero when not running).
    std::chrono::steady_clock::duration wall_elapsed() const noexcept;

private:
    using Clock = std::chrono::steady_clock;
    Clock::time_point wall_of(sim::Time t) const noexcept;
    void advance();

    sim::Simulation& m_sim;
    LivePacerOptions m_options;
    struct Io;
    std::unique_ptr<Io> m_io;
    Clock::time_point m_wall0{};
    sim::Time m_sim0{};
    bool m_running = false;
    bool m_anchored = false;  // continuous: m_wall0 and m_sim0 are set
    bool m_in_sim = false;
    int m_holds = 0;
    std::atomic<bool> m_stop{false};
};

}  // namespace kiosktwin::live
