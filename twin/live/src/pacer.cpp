#include <utility>  // Boost 1.74's Asio uses std::exchange without including it

#include <kiosktwin/live/pacer.hpp>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>

#include <algorithm>
#include <csignal>
#include <optional>
#include <stdexcept>

namespace kiosktwin::live {

namespace asio = boost::asio;

const char* to_string(PacerStop s) noexcept {
    switch (s) {
    case PacerStop::stopped: return "stopped";
    case PacerStop::signal: return "signal";
    case PacerStop::condition: return "condition";
    case PacerStop::duration: return "duration";
    }
    return "?";
}

struct LivePacer::Io {
    asio::io_context io;
    // Keeps run_one_until from returning at once when no I/O is pending.
    asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
    bool signalled = false;
};

LivePacer::LivePacer(sim::Simulation& sim, LivePacerOptions options)
    : m_sim(sim), m_options(options), m_io(std::make_unique<Io>()) {
    if (!(m_options.speed > 0)) throw std::invalid_argument("the pacer's speed must be positive");
}

LivePacer::~LivePacer() = default;

asio::io_context& LivePacer::io() noexcept { return m_io->io; }

sim::Time LivePacer::live_now() const noexcept {
    if (!m_running) return m_sim.now();
    const auto wall = std::chrono::duration<double>(Clock::now() - m_wall0) * m_options.speed;
    return m_sim0 + std::chrono::duration_cast<sim::Duration>(wall);
}

LivePacer::Clock::time_point LivePacer::wall_of(sim::Time t) const noexcept {
    if (t <= m_sim0) return m_wall0;
    const auto virt = std::chrono::duration<double>(t - m_sim0) / m_options.speed;
    // Far future (end_of_time): clamp rather than overflow.
    if (virt > std::chrono::hours(24 * 365)) return Clock::time_point::max();
    return m_wall0 + std::chrono::duration_cast<Clock::duration>(virt);
}

std::chrono::steady_clock::duration LivePacer::wall_elapsed() const noexcept {
    return m_running ? Clock::now() - m_wall0 : Clock::duration::zero();
}

void LivePacer::advance() {
    m_in_sim = true;
    struct Reset {
        bool& flag;
        ~Reset() { flag = false; }
    } reset{m_in_sim};
    const sim::Time target = live_now();
    // Virtual time never runs backwards, even if a hold made it lag.
    m_sim.run_until(std::max(target, m_sim.now()));
}

void LivePacer::catch_up() {
    if (!m_running || m_in_sim || m_holds > 0) return;
    advance();
}

void LivePacer::hold() noexcept {
    ++m_holds;
    if (m_in_sim) m_sim.stop();  // the pass ends after the current event
}

void LivePacer::release() noexcept {
    if (m_holds > 0) --m_holds;
}

void LivePacer::stop() noexcept {
    m_stop.store(true);
    // Wakes run_one_until at once (post is thread-safe).
    try {
        asio::post(m_io->io, [] {});
    } catch (...) {
    }
}

PacerStop LivePacer::run(std::chrono::milliseconds limit, const std::function<bool()>& until) {
    if (m_running) throw std::logic_error("LivePacer::run is not re-entrant");
    m_stop.store(false);
    m_io->signalled = false;
    m_io->io.restart();
    std::optional<asio::signal_set> signals;
    if (m_options.handle_signals) {
        signals.emplace(m_io->io, SIGINT, SIGTERM);
        signals->async_wait([this](const boost::system::error_code& ec, int) {
            if (ec) return;
            m_io->signalled = true;
            m_stop.store(true);
        });
    }
    const Clock::time_point started = Clock::now();
    if (!m_options.continuous || !m_anchored) {
        m_wall0 = started;
        m_sim0 = m_sim.now();
        m_anchored = true;
    }
    m_running = true;
    struct Done {
        LivePacer& p;
        std::optional<asio::signal_set>& s;
        ~Done() {
            // Time stands still between runs: the next run continues from here.
            p.m_running = false;
            if (s) {
                boost::system::error_code ec;
                s->cancel(ec);
            }
            p.m_io->io.poll();  // lets the cancelled wait finish
        }
    } done{*this, signals};

    const Clock::time_point end = limit > std::chrono::milliseconds::zero() ? started + limit : Clock::time_point::max();
    for (;;) {
        if (m_holds == 0) advance();
        if (m_stop.load()) return m_io->signalled ? PacerStop::signal : PacerStop::stopped;
        if (until && until()) return PacerStop::condition;
        const Clock::time_point now = Clock::now();
        if (now >= end) return PacerStop::duration;
        // Completions that are ready run first (each catches the simulation up).
        if (m_io->io.poll() > 0) continue;
        Clock::time_point wake = m_holds > 0 ? Clock::time_point::max() : wall_of(m_sim.next_event_time());
        wake = std::min({wake, end, now + m_options.max_slice});
        if (wake > now) m_io->io.run_one_until(wake);
    }
}

}  // namespace kiosktwin::live
