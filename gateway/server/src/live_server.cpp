#include <utility>  // Boost 1.74's Asio uses std::exchange without including it

#include <kiosktwin/server/live_server.hpp>

#include <kiosktwin/api/envelope.hpp>
#include <kiosktwin/api/errors.hpp>
#include <kiosktwin/server/router.hpp>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>
#include <vector>

namespace kiosktwin::server {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr std::size_t k_header_limit = 16 * 1024;
constexpr auto k_stop_grace = std::chrono::seconds(5);   // in-flight responses finish within this at stop()
constexpr auto k_linger = std::chrono::seconds(2);       // reading what a refused client still sends
constexpr std::size_t k_linger_bytes = 64u << 20;        // ...at most this much
constexpr const char* k_server_name = "kiosktwin-gateway";

/// An error envelope answered by the server itself (not the router): refused
/// on the wire, or the journal is unusable.
Response wire_error(api::ErrorCode code, int status, std::string_view reason) {
    Response r;
    r.status = status;
    r.body = wire_text(api::envelope::error(code, "", reason));
    return r;
}

bool quiet_error(const beast::error_code& ec) {
    return ec == http::error::end_of_stream || ec == asio::error::eof || ec == asio::error::operation_aborted ||
           ec == beast::error::timeout || ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
           ec == asio::error::bad_descriptor || ec == http::error::partial_message;
}

/// What the journal's meta table must agree on for a replay to rebuild the
/// same state: everything in Config that handle_request's results depend on
/// (keys aside: a request signed by a removed key shows up as a divergence).
nlohmann::json fingerprint(const Config& c) {
    nlohmann::json profiles = nlohmann::json::object();
    for (const auto& [name, p] : c.profiles) profiles[name] = p.to_json();
    return {{"seed", c.seed},
            {"calendar_epoch", c.calendar.iso8601(sim::Time{})},
            {"catalogue_items", c.catalogue_items},
            {"region", c.region},
            {"max_body_bytes", c.max_body_bytes},
            {"signature_window_us", c.signature_window.count()},
            {"profiles", profiles}};
}

}  // namespace

// Named (not anonymous): LiveGateway::Impl derives from Gateway.
namespace live {

class Session;

// The shared state and its locking:
//   * `mutex` guards `state`, `submitted` and the order of submissions to
//     the committer: a session holds it while it runs handle_request and, if
//     the request changed the state, while it submits the journal entry, so
//     the journal's order is the state's order.
//   * `wait_mutex` guards the commit watermark's waiting list; the
//     committer's thread takes it (never `mutex`) when a transaction
//     committed, and releases the sessions whose responses may now leave.
//     `committed` and `failed_at` are atomics so the fast path (nothing to
//     wait for) takes no second lock.
//   * `sessions_mutex` guards the list of open connections, for stop().
// Lock order: `mutex` may be held while submit() takes the committer's queue
// lock, or `wait_mutex` when a refused submit completes at once; nothing is
// ever taken the other way round, and `sessions_mutex` is taken alone.
struct Gateway {
    struct Waiter {
        std::uint64_t need;
        std::function<void()> resume;
    };

    Gateway(Config config, LiveOptions opts);
    ~Gateway() { stop(); }

    // What one request produced: the response, and the journal sequence
    // number that must be committed before it leaves.
    struct Handled {
        Response response;
        std::uint64_t need = 0;
    };
    Handled handle(Request&& request);
    /// Runs `resume` once everything up to `need` is committed (at once, on
    /// this thread, when it already is; else on the committer's thread).
    void when_committed(std::uint64_t need, std::function<void()> resume);
    void on_committed(std::uint64_t seq, bool ok, const std::string& error);
    /// The error a response waiting for `need` gets instead, when the journal failed at or before it.
    std::optional<Response> journal_failure(std::uint64_t need) const {
        const std::uint64_t f = failed_at.load(std::memory_order_acquire);
        if (f == 0 || f > need) return std::nullopt;
        return wire_error(api::ErrorCode::service_unavailable, 503,
                          "the gateway could not persist a change; restart it on its database");
    }

    void accept();
    void start();
    void stop();
    void log(const std::string& line) const {
        if (options.log) options.log(line);
    }
    sim::Time wall_now() const {
        const auto since_unix = std::chrono::duration_cast<sim::Duration>(
            std::chrono::system_clock::now().time_since_epoch());
        return sim::Time{since_unix + unix_epoch};
    }

    LiveOptions options;

    // Open connections (first: destroyed last, as sessions still queued in
    // the io_context unregister themselves when it is destroyed).
    std::mutex sessions_mutex;
    std::condition_variable sessions_cv;
    std::unordered_map<Session*, std::weak_ptr<Session>> sessions;

    // --- guarded by `mutex` ---
    std::mutex mutex;
    std::unique_ptr<Journal> journal;
    State state;
    std::uint64_t submitted = 0;  // seq of the last entry given to the committer
    std::unique_ptr<Committer> committer;

    // --- the commit watermark, guarded by `wait_mutex` ---
    std::mutex wait_mutex;
    std::atomic<std::uint64_t> committed{0};
    std::atomic<std::uint64_t> failed_at{0};  // seq of the first entry that did not commit (0 = none)
    std::vector<Waiter> waiting;

    // Constant after construction.
    sim::Duration unix_epoch{};  // virtual time of 1970-01-01T00:00Z on the state's calendar
    std::size_t max_body = 0;
    ReplayStats stats;

    std::atomic<bool> stopping{false};
    std::mutex stop_mutex;  // serialises start()/stop()
    std::condition_variable stop_cv;
    bool started = false;
    bool stopped = false;

    asio::io_context ioc;
    tcp::acceptor acceptor;
    asio::steady_timer accept_retry;  // after an accept error (out of file descriptors...)
    std::uint16_t bound_port = 0;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    std::vector<std::thread> threads;
};

// One connection: reads a request, has it handled, waits for its journal
// commit and its back-end delay, writes the response; repeats while the
// connection is kept alive. Everything runs on the session's strand.
class Session : public std::enable_shared_from_this<Session> {
public:
    Session(tcp::socket socket, Gateway& server)
        : m_server(server), m_stream(std::move(socket)), m_timer(m_stream.get_executor()) {}

    ~Session() {
        std::lock_guard lk(m_server.sessions_mutex);
        m_server.sessions.erase(this);
        m_server.sessions_cv.notify_all();
    }

    void start() {
        {
            std::lock_guard lk(m_server.sessions_mutex);
            m_server.sessions.emplace(this, weak_from_this());
        }
        asio::dispatch(m_stream.get_executor(), [self = shared_from_this()] { self->read(); });
    }

    /// stop(): a connection between requests is closed now; one in the middle
    /// of a request closes after its response.
    void close_if_idle() {
        asio::post(m_stream.get_executor(), [self = shared_from_this()] {
            if (!self->m_busy) self->close();
        });
    }
    void close_now() {
        asio::post(m_stream.get_executor(), [self = shared_from_this()] { self->close(); });
    }

private:
    void read() {
        m_busy = false;
        if (m_server.stopping.load(std::memory_order_relaxed)) return close();
        m_parser.emplace();
        m_parser->header_limit(k_header_limit);
        m_parser->body_limit(m_server.max_body);
        m_stream.expires_after(m_server.options.idle_timeout);
        http::async_read_header(m_stream, m_buffer, *m_parser,
                                [self = shared_from_this()](beast::error_code ec, std::size_t) { self->on_header(ec); });
    }

    void on_header(beast::error_code ec) {
        if (ec) return on_read_error(ec);
        m_busy = true;
        if (m_parser->is_done()) return on_request();  // no body: no second read
        auto& req = m_parser->get();
        if (beast::iequals(req[http::field::expect], "100-continue")) {
            m_continue = http::response<http::empty_body>(http::status::continue_, req.version());
            m_stream.expires_after(m_server.options.read_timeout);
            http::async_write(m_stream, m_continue, [self = shared_from_this()](beast::error_code e, std::size_t) {
                if (e) return self->on_read_error(e);
                self->read_body();
            });
            return;
        }
        read_body();
    }

    void read_body() {
        m_stream.expires_after(m_server.options.read_timeout);
        http::async_read(m_stream, m_buffer, *m_parser,
                         [self = shared_from_this()](beast::error_code ec, std::size_t) {
                             if (ec) return self->on_read_error(ec);
                             self->on_request();
                         });
    }

    void on_read_error(beast::error_code ec) {
        m_version = 11;
        m_keep_alive = false;
        if (ec == http::error::body_limit)
            return refuse_on_wire(api::ErrorCode::too_large, "body over " + std::to_string(m_server.max_body) + " bytes",
                                  true);
        if (ec == http::error::header_limit)
            return refuse_on_wire(api::ErrorCode::too_large, "header over " + std::to_string(k_header_limit) + " bytes",
                                  false);
        if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
            ec != http::error::end_of_stream &&
            ec != http::error::partial_message) {
            // Not HTTP we can read: say so and hang up (the stream cannot be resynchronised).
            return refuse_on_wire(api::ErrorCode::malformed_http, ec.message(), false);
        }
        if (!quiet_error(ec)) m_server.log("connection: " + ec.message());
        close();
    }

    // A refusal before the request could be read whole goes through the
    // handler all the same, so it is audited (R-9.2-1) and journaled; the
    // connection closes after the answer.
    void refuse_on_wire(api::ErrorCode code, std::string reason, bool header_read) {
        m_busy = true;
        Request req;
        if (header_read && m_parser) {
            const auto& msg = m_parser->get();
            req.method = std::string(msg.method_string());
            req.target = std::string(msg.target());
        }
        req.refused_on_wire = api::Problem{code, {}, std::move(reason)};
        dispatch(std::move(req));
    }

    void dispatch(Request&& req) {
        Gateway::Handled h = m_server.handle(std::move(req));
        m_pending = std::move(h.response);
        m_need = h.need;
        if (m_server.committed.load(std::memory_order_acquire) >= m_need) return after_commit();
        m_server.when_committed(m_need, [self = shared_from_this()] {
            asio::post(self->m_stream.get_executor(), [self] { self->after_commit(); });
        });
    }

    void on_request() {
        auto& msg = m_parser->get();
        m_version = msg.version();
        m_keep_alive = msg.keep_alive();
        Request req;
        req.method = std::string(msg.method_string());
        req.target = std::string(msg.target());
        for (const auto& f : msg) {
            std::string name(f.name_string());
            for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            const std::string_view value(f.value().data(), f.value().size());
            auto [it, fresh] = req.headers.try_emplace(std::move(name), value);
            if (!fresh) it->second.append(", ").append(value);  // RFC 9110 §5.3: repeated fields combine
        }
        req.body = std::move(msg.body());
        dispatch(std::move(req));
    }

    void after_commit() {
        if (m_closed) return;  // stop() cut the connection while the commit was pending
        if (auto failure = m_server.journal_failure(m_need)) m_pending = std::move(*failure);
        if (m_pending.delay > sim::Duration::zero()) {
            m_timer.expires_after(m_pending.delay);
            m_timer.async_wait([self = shared_from_this()](beast::error_code) {
                if (!self->m_closed) self->write();
            });
            return;
        }
        write();
    }

    void write() {
        m_res = http::response<http::string_body>();
        m_res.version(m_version);
        m_res.result(static_cast<unsigned>(m_pending.status));
        m_res.set(http::field::server, k_server_name);
        if (!m_pending.content_type.empty()) m_res.set(http::field::content_type, m_pending.content_type);
        for (const auto& [name, value] : m_pending.headers) m_res.set(beast::string_view(name), value);
        m_res.body() = std::move(m_pending.body);
        m_res.keep_alive(m_keep_alive && !m_server.stopping.load(std::memory_order_relaxed));
        m_res.prepare_payload();
        m_pending = {};
        m_stream.expires_after(m_server.options.read_timeout);
        http::async_write(m_stream, m_res, [self = shared_from_this()](beast::error_code ec, std::size_t) {
            if (ec) {
                if (!quiet_error(ec)) self->m_server.log("connection: " + ec.message());
                return self->close();
            }
            if (!self->m_res.keep_alive()) return self->linger();
            self->read();
        });
    }

    // A lingering close: stop sending, then read (and drop) what the client
    // still sends for a while, so that closing with unread data (a refused
    // body) does not reset the connection before the client read our answer.
    void linger() {
        m_busy = false;
        beast::error_code ec;
        m_stream.socket().shutdown(tcp::socket::shutdown_send, ec);
        if (ec) return close();
        m_lingered = 0;
        m_stream.expires_after(k_linger);
        drain();
    }
    void drain() {
        m_buffer.consume(m_buffer.size());
        m_stream.async_read_some(m_buffer.prepare(64 * 1024),
                                 [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                                     self->m_lingered += n;
                                     if (ec || self->m_lingered > k_linger_bytes) return self->close();
                                     self->m_buffer.commit(n);
                                     self->drain();
                                 });
    }

    void close() {
        m_closed = true;
        beast::error_code ec;
        m_stream.socket().shutdown(tcp::socket::shutdown_both, ec);
        m_stream.socket().close(ec);
        m_timer.cancel();
    }

    Gateway& m_server;
    beast::tcp_stream m_stream;
    beast::flat_buffer m_buffer;
    asio::steady_timer m_timer;  // the back ends' drawn latency
    std::optional<http::request_parser<http::string_body>> m_parser;
    http::response<http::empty_body> m_continue;
    http::response<http::string_body> m_res;
    Response m_pending;
    std::uint64_t m_need = 0;
    std::size_t m_lingered = 0;
    unsigned m_version = 11;
    bool m_keep_alive = true;
    bool m_busy = false;  // a request is being handled or answered
    bool m_closed = false;
};

Gateway::Gateway(Config config, LiveOptions opts)
    : options(std::move(opts)),
      state(std::move(config)),
      ioc(std::max(1, options.threads)),
      acceptor(asio::make_strand(ioc)),
      accept_retry(acceptor.get_executor()) {
    max_body = state.config().max_body_bytes;
    // Virtual time of the Unix epoch: system_clock counts from it (C++20).
    const auto unix0 = state.calendar().parse_iso8601("1970-01-01T00:00:00Z");
    if (!unix0) throw std::runtime_error("the calendar cannot place 1970-01-01T00:00:00Z");
    unix_epoch = unix0->time_since_epoch();

    beast::error_code ec;
    const std::string where = options.address + ":" + std::to_string(options.port);
    const auto addr = asio::ip::make_address(options.address, ec);
    if (ec) throw std::runtime_error("cannot listen on " + where + ": bad address (" + ec.message() + ")");
    const tcp::endpoint ep(addr, options.port);
    acceptor.open(ep.protocol(), ec);
    if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor.bind(ep, ec);
    if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) throw std::runtime_error("cannot listen on " + where + ": " + ec.message());
    bound_port = acceptor.local_endpoint().port();

    if (options.db_path.empty()) return;
    journal = std::make_unique<Journal>(options.db_path, JournalOptions{.full_sync = options.full_sync});
    // A database remembers what it was made with; replaying it under another
    // seed or calendar would rebuild a different state, so refuse that.
    const nlohmann::json fp = fingerprint(state.config());
    const std::string seed = std::to_string(state.config().seed);
    const std::string epoch = fp["calendar_epoch"].get<std::string>();
    const std::string text = wire_text(fp);
    const auto refuse = [&](const std::string& what, const std::string& was, const std::string& is) {
        return std::runtime_error(options.db_path + ": the database was made with " + what + " " + was +
                                  ", this gateway runs with " + is +
                                  "; start it with the same --config, or use another --db");
    };
    if (auto m = journal->meta("seed"); m && *m != seed) throw refuse("seed", *m, seed);
    if (auto m = journal->meta("calendar_epoch"); m && *m != epoch) throw refuse("calendar epoch", *m, epoch);
    if (auto m = journal->meta("config"); m && *m != text) throw refuse("configuration", *m, text);
    if (!journal->meta("seed")) journal->set_meta("seed", seed);
    if (!journal->meta("calendar_epoch")) journal->set_meta("calendar_epoch", epoch);
    if (!journal->meta("config")) journal->set_meta("config", text);

    try {
        stats = replay(*journal, state);
    } catch (const ReplayDivergence& e) {
        throw std::runtime_error(options.db_path + ": replaying the journal diverged (" + e.what() +
                                 "); was it written with other keys or another build?");
    }
    submitted = stats.last_seq;
    committed.store(stats.last_seq);
    committer = std::make_unique<Committer>(*journal);
}

Gateway::Handled Gateway::handle(Request&& request) {
    Handled h;
    std::lock_guard lk(mutex);
    if (failed_at.load(std::memory_order_relaxed) != 0) {
        // The state holds a change the journal lost: answering more would
        // acknowledge what a restart cannot rebuild.
        h.response = *journal_failure(failed_at.load());
        h.need = 0;
        return h;
    }
    const std::size_t audit_before = state.audit.size();
    try {
        h.response = handle_request(request, state, wall_now());
    } catch (const std::exception& e) {
        h.response = wire_error(api::ErrorCode::internal, 500, e.what());
    }
    if (h.response.mutated && committer) {
        JournalEntry entry;
        entry.seq = state.sequence;
        entry.now = state.last_now;  // the `now` handle_request used (never earlier than the last)
        entry.status = h.response.status;
        entry.audit_head = state.audit.head();
        const auto& records = state.audit.records();
        entry.audit.assign(records.begin() + static_cast<std::ptrdiff_t>(audit_before), records.end());
        entry.request = std::move(request);
        submitted = entry.seq;
        committer->submit(std::move(entry), [this, seq = submitted](bool ok, const std::string& error) {
            on_committed(seq, ok, error);
        });
    }
    h.need = submitted;
    return h;
}

void Gateway::when_committed(std::uint64_t need, std::function<void()> resume) {
    {
        std::lock_guard lk(wait_mutex);
        if (committed.load(std::memory_order_acquire) < need) {
            waiting.push_back({need, std::move(resume)});
            return;
        }
    }
    resume();
}

void Gateway::on_committed(std::uint64_t seq, bool ok, const std::string& error) {
    std::vector<Waiter> ready;
    {
        std::lock_guard lk(wait_mutex);
        if (!ok && failed_at.load() == 0) {
            failed_at.store(seq, std::memory_order_release);
            log("journal: commit failed at request " + std::to_string(seq) + ": " + error +
                "; refusing further requests");
        }
        // Entries commit in submission order: everything up to seq is done.
        if (seq > committed.load()) committed.store(seq, std::memory_order_release);
        auto it = std::partition(waiting.begin(), waiting.end(), [seq](const Waiter& w) { return w.need > seq; });
        std::move(it, waiting.end(), std::back_inserter(ready));
        waiting.erase(it, waiting.end());
    }
    for (auto& w : ready) w.resume();
}

void Gateway::accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket socket) {
        if (ec) {
            if (!acceptor.is_open() || stopping) return;
            log("accept: " + ec.message());
            accept_retry.expires_after(std::chrono::milliseconds(50));
            accept_retry.async_wait([this](beast::error_code) {
                if (acceptor.is_open() && !stopping) accept();
            });
            return;
        }
        {
            beast::error_code ignore;
            socket.set_option(tcp::no_delay(true), ignore);
            std::make_shared<Session>(std::move(socket), *this)->start();
        }
        accept();
    });
}

void Gateway::start() {
    std::lock_guard lk(stop_mutex);
    if (started || stopped) return;
    started = true;
    work.emplace(asio::make_work_guard(ioc));
    accept();
    const int n = std::max(1, options.threads);
    threads.reserve(static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i)
        threads.emplace_back([this] {
            for (;;) {
                try {
                    ioc.run();
                    return;
                } catch (const std::exception& e) {
                    log(std::string("I/O thread: ") + e.what());
                }
            }
        });
    log("listening on " + options.address + ":" + std::to_string(bound_port));
}

void Gateway::stop() {
    std::unique_lock serial(stop_mutex);
    if (stopped) return;
    stopping = true;
    asio::post(acceptor.get_executor(), [this] {
        beast::error_code ec;
        acceptor.close(ec);
        accept_retry.cancel();
    });

    const auto each_session = [this](auto fn) {
        std::vector<std::shared_ptr<Session>> live;
        {
            std::lock_guard lk(sessions_mutex);
            for (auto& [p, w] : sessions)
                if (auto s = w.lock()) live.push_back(std::move(s));
        }
        for (auto& s : live) fn(*s);
    };
    if (started) {
        // Connections between requests close now; the others after their
        // response, within the grace period.
        each_session([](Session& s) { s.close_if_idle(); });
        {
            std::unique_lock lk(sessions_mutex);
            sessions_cv.wait_for(lk, k_stop_grace, [this] { return sessions.empty(); });
        }
        each_session([](Session& s) { s.close_now(); });
    }
    // Commits what was submitted; the waiting responses are released (and
    // dropped with their closed connections).
    if (committer) committer->stop();
    work.reset();
    if (started) {
        // Sessions closed; what is left are timers: give them a moment, then stop.
        {
            std::unique_lock lk(sessions_mutex);
            sessions_cv.wait_for(lk, std::chrono::milliseconds(500), [this] { return sessions.empty(); });
        }
        ioc.stop();
    }
    for (auto& t : threads)
        if (t.joinable()) t.join();
    threads.clear();
    beast::error_code ec;
    acceptor.close(ec);
    stopped = true;
    log("stopped");
    stop_cv.notify_all();
}

}  // namespace live

struct LiveGateway::Impl : live::Gateway {
    using Gateway::Gateway;
};

LiveGateway::LiveGateway(Config config, LiveOptions options)
    : m(std::make_shared<Impl>(std::move(config), std::move(options))) {}

LiveGateway::~LiveGateway() { stop(); }

std::uint16_t LiveGateway::port() const { return m->bound_port; }

ReplayStats LiveGateway::restored() const { return m->stats; }

void LiveGateway::start() { m->start(); }

void LiveGateway::wait() {
    std::unique_lock lk(m->stop_mutex);
    m->stop_cv.wait(lk, [this] { return m->stopped; });
}

void LiveGateway::stop() { m->stop(); }

}  // namespace kiosktwin::server
