// The live gateway: handle_request behind Boost.Beast, in the shape of
// Beast's examples (a listener accepting connections, a session per
// connection, one shared state). Beast stays in live_server.cpp.
//
//   * Shared state and its locking: the only data sessions share is the
//     State, the journal's Committer and the wall-clock anchor, held in one
//     object behind one std::mutex. A session takes the mutex to run
//     handle_request and, when the request changed the state, to submit its
//     journal entry — under the same lock, so the journal's order is the
//     state's order. Two small locks sit beside it, never held with it: the
//     commit watermark's waiting list (taken by the committer's thread when a
//     transaction committed) and the list of open connections (for stop()).
//   * Durability: a response whose request changed the state leaves only
//     after its journal entry committed (group commit, journal.hpp); any
//     response waits until every change it could have seen is committed, so
//     nothing a client was shown can be lost in a crash. A read that saw no
//     pending change is answered at once. If a commit fails, the state holds
//     a change the journal lost: that response and every later one is 503
//     service.unavailable until the gateway is restarted on its database.
//   * Time: virtual time is the wall clock (system_clock) minus the
//     calendar's epoch, never running backwards; the latency a back end drew
//     is waited out on a timer before the response is written.
//   * HTTP: keep-alive per HTTP/1.1, a header limit of 16 KiB and a body
//     limit of Config::max_body_bytes (both 413 request.too_large in the
//     envelope, then the connection closes), malformed HTTP 400 (envelope,
//     close), a read timeout per request and an idle timeout between
//     requests, graceful shutdown (stop accepting, finish the responses in
//     flight within 5 s, close, commit). Refusals on the wire go through
//     handle_request as Request::refused_on_wire, so they are audited and
//     journaled like any other.
//   * A database remembers the configuration it was made with (meta: seed,
//     calendar epoch, the Config's other knobs); another one is refused.
#pragma once

#include <kiosktwin/server/journal.hpp>
#include <kiosktwin/server/state.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace kiosktwin::server {

struct LiveOptions {
    std::string address = "127.0.0.1";
    std::uint16_t port = 8480;  ///< 0 = any free port
    std::string db_path;        ///< the journal; empty = in memory only (nothing survives a restart)
    bool full_sync = true;      ///< JournalOptions::full_sync
    int threads = 2;            ///< I/O threads
    std::chrono::milliseconds read_timeout{30'000};  ///< to receive one request once it started
    std::chrono::milliseconds idle_timeout{60'000};  ///< keep-alive connection with no request
    std::function<void(const std::string&)> log;     ///< one line per event (may be empty)
};

class LiveGateway {
public:
    /// Binds the listener, opens the journal (if any), checks its meta
    /// against `config` and replays it into a State built from `config`.
    /// Throws std::runtime_error with the reason ("cannot listen on
    /// ADDR:PORT: ...", a bad database, another configuration, replay
    /// divergence).
    LiveGateway(Config config, LiveOptions options);
    ~LiveGateway();  ///< stop()
    LiveGateway(const LiveGateway&) = delete;
    LiveGateway& operator=(const LiveGateway&) = delete;

    std::uint16_t port() const;
    /// What the start replayed from the journal.
    ReplayStats restored() const;

    /// Starts the I/O threads; returns at once.
    void start();
    /// Blocks until stop() is called (from another thread or a signal handler's post).
    void wait();
    /// Graceful shutdown; idempotent, callable from any thread but the I/O
    /// threads (it joins them).
    void stop();

private:
    struct Impl;
    std::shared_ptr<Impl> m;
};

}  // namespace kiosktwin::server
