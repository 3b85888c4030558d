#include <utility>  // Boost 1.74's Asio uses std::exchange without including it

#include "link_proxy.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <deque>
#include <fcntl.h>
#include <unistd.h>
#include <map>
#include <stdexcept>
#include <vector>

namespace kiosktwin::host::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using link::Chunk;
using link::ChunkKind;
using link::Direction;
using nlohmann::json;

namespace {

constexpr std::size_t k_read_size = 64 * 1024;
// Flow control: a source is not read while its direction holds more than
// this (in the toxics and in the destination's write queue)...
constexpr std::uint64_t k_high_water = 1u << 20;
// ...until it holds less than this.
constexpr std::uint64_t k_low_water = 256u << 10;
// Buffers handed to one gathered write.
constexpr std::size_t k_max_gather = 64;
// A direction with no toxic moves bytes socket → pipe → socket with
// splice(2), never copying them through the process; the pipe holds this much.
constexpr int k_splice_pipe_size = 1 << 20;

std::string address_string(const tcp::endpoint& ep) {
    const auto a = ep.address();
    std::string s = a.is_v6() ? "[" + a.to_string() + "]" : a.to_string();
    s += ':';
    s += std::to_string(ep.port());
    return s;
}

}  // namespace

std::pair<std::string, std::uint16_t> split_host_port(const std::string& address) {
    const auto colon = address.rfind(':');
    if (colon == std::string::npos || colon + 1 == address.size()) {
        std::string msg = "bad address \"";
        msg += address;
        msg += "\": expected host:port";
        throw std::runtime_error(msg);
    }
    std::string host = address.substr(0, colon);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    if (host.empty()) host = "0.0.0.0";  // ":8080", as Go listens
    unsigned port = 0;
    const char* first = address.data() + colon + 1;
    const char* last = address.data() + address.size();
    const auto [end, ec] = std::from_chars(first, last, port);
    if (ec != std::errc{} || end != last || port > 65535) {
        std::string msg = "bad port in \"";
        msg += address;
        msg += '"';
        throw std::runtime_error(msg);
    }
    return {host, static_cast<std::uint16_t>(port)};
}

class Session;

struct LinkProxy::Impl {
    Impl(asio::io_context& i, LinkProxyOptions o, link::Listeners& self)
        : io(i), opt(std::move(o)), schedule_timer(i), table(opt.seed, opt.week, &self) {}

    void log(const std::string& s) const {
        if (opt.log) opt.log(s);
    }
    sim::Time now() const { return opt.now(); }

    struct Listener {
        Listener(asio::io_context& io, link::Link& l) : link(&l), acceptor(io) {}
        link::Link* link;
        tcp::acceptor acceptor;
    };

    void accept(const std::shared_ptr<Listener>& l);
    void forget(Session& s);
    void after_change();
    void arm_schedule();

    asio::io_context& io;
    LinkProxyOptions opt;
    asio::steady_timer schedule_timer;
    sim::Time schedule_armed = sim::end_of_time;
    std::map<link::Link*, std::shared_ptr<Listener>> listeners;
    std::vector<std::shared_ptr<Session>> sessions;
    // Last: its destructor stops the listeners above.
    link::ProxyTable table;
};

// One accepted client, its upstream socket, and the link::Connection between.
class Session final : public link::ConnectionSink, public std::enable_shared_from_this<Session> {
public:
    Session(LinkProxy::Impl& proxy, link::Link& l, tcp::socket client)
        : m_proxy(proxy), m_link(&l), m_client(std::move(client)), m_server(proxy.io), m_timer(proxy.io),
          m_resolver(proxy.io) {}
    ~Session() override {
        for (Splice& p : m_splice) drop_pipe(p);
    }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    link::Link* link() const noexcept { return m_link; }

    void begin() {
        m_conn = m_link->open(m_proxy.now(), this);
        if (m_conn == nullptr) {  // the link is disabled
            close_side(m_client);
            m_proxy.forget(*this);
            return;
        }
        boost::system::error_code opt_ec;
        m_client.sock.set_option(tcp::no_delay(true), opt_ec);
        m_client.sock.native_non_blocking(true, opt_ec);
        m_client.open = true;
        std::pair<std::string, std::uint16_t> where;
        try {
            where = split_host_port(m_link->upstream());
        } catch (const std::exception& e) {
            upstream_failed(e.what());
            return;
        }
        m_resolver.async_resolve(
            where.first, std::to_string(where.second),
            [self = shared_from_this()](const boost::system::error_code& ec, tcp::resolver::results_type results) {
                if (ec) {
                    if (ec != asio::error::operation_aborted) self->upstream_failed(ec.message());
                    return;
                }
                if (self->m_conn == nullptr || self->m_server.done) return;
                asio::async_connect(self->m_server.sock, results,
                                    [self](const boost::system::error_code& e, const tcp::endpoint&) {
                                        if (e) {
                                            if (e != asio::error::operation_aborted) self->upstream_failed(e.message());
                                            return;
                                        }
                                        self->connected();
                                    });
            });
        update();
    }

    // What the model delivers: write it, shut down, close, or reset.
    void on_output(Direction d, Chunk&& c) override {
        Side& dst = destination(d);
        if (dst.done) return;
        switch (c.kind) {
        case ChunkKind::data:
            if (dst.end != End::none) return;
            dst.out_bytes += c.bytes.size();
            dst.out.push_back(std::move(c.bytes));
            write_next(dst);
            return;
        case ChunkKind::eof:
            if (dst.end == End::none) dst.end = End::eof;
            write_next(dst);
            return;
        case ChunkKind::close:
            dst.end = End::close;
            write_next(dst);
            return;
        case ChunkKind::reset:
            reset_side(dst);
            drop_pipe(m_splice[link::index(d)]);
            return;
        }
    }

    /// Brings the connection up to date after anything may have changed it:
    /// advances the model to now, arms the timer for its next wakeup, pauses
    /// or resumes reading, and lets go once everything is over.
    void update() {
        if (m_conn != nullptr) {
            m_conn->advance(m_proxy.now());
            if (m_conn->finished()) {
                m_link->close(*m_conn);
                m_conn = nullptr;
            }
        }
        arm_timer();
        flow(Direction::upstream);
        flow(Direction::downstream);
        if (m_conn == nullptr) {
            // The model is done: close each socket once what it owes is written.
            for (Side* s : {&m_client, &m_server})
                if (!s->writing && s->out.empty()) close_side(*s);
        }
        if (m_conn == nullptr && m_client.done && m_server.done && !m_forgotten) {
            m_forgotten = true;
            m_proxy.forget(*this);
        }
    }

    /// The link goes away (proxy deleted or disabled): close everything now,
    /// as Toxiproxy does when a proxy stops.
    void detach() noexcept {
        if (m_conn != nullptr) {
            m_link->close(*m_conn);
            m_conn = nullptr;
        }
        m_link = nullptr;
        m_resolver.cancel();
        m_timer.cancel();
        for (Side* s : {&m_client, &m_server}) {
            s->out.clear();
            s->out_bytes = 0;
            close_side(*s);
        }
        for (Splice& p : m_splice) drop_pipe(p);
        m_forgotten = true;
    }

private:
    enum class End : std::uint8_t { none, eof, close };

    struct Side {
        explicit Side(asio::io_context& io) : sock(io) {}
        explicit Side(tcp::socket s) : sock(std::move(s)) {}
        tcp::socket sock;
        std::vector<std::uint8_t> buf = std::vector<std::uint8_t>(k_read_size);
        bool open = false;       // connected, not yet closed by us
        bool done = false;       // closed (or never to be opened)
        bool reading = false;    // a read is pending
        bool read_done = false;  // end of file or error seen
        bool paused = false;     // flow control holds reads back
        std::deque<link::Bytes> out;
        std::uint64_t out_bytes = 0;
        bool writing = false;
        End end = End::none;
        bool end_applied = false;
        std::vector<asio::const_buffer> gather;
        std::size_t gathered = 0;
    };

    // A direction's pipe for splice(2), and the bytes in it not yet written on.
    struct Splice {
        int r = -1;
        int w = -1;
        std::size_t bytes = 0;
        bool unusable = false;  // no pipe or no splice here: copy instead
    };

    Side& source(Direction d) noexcept { return d == Direction::upstream ? m_client : m_server; }
    Side& destination(Direction d) noexcept { return d == Direction::upstream ? m_server : m_client; }
    Direction into(const Side& dst) const noexcept { return &dst == &m_server ? Direction::upstream : Direction::downstream; }

    static void drop_pipe(Splice& p) noexcept {
        if (p.r >= 0) ::close(p.r);
        if (p.w >= 0) ::close(p.w);
        p.r = p.w = -1;
        p.bytes = 0;
    }

    // Whether direction d may bypass the model: no toxic acts on it, nothing
    // is in flight in it, and its destination is open...
    bool splice_eligible(Direction d) {
        const Side& dst = destination(d);
        const Splice& p = m_splice[link::index(d)];
        return m_conn != nullptr && !p.unusable && dst.open && dst.end == End::none && m_conn->passthrough(d) &&
               m_conn->buffered_bytes(d) == 0;
    }
    // ...and has written everything it was given.
    bool can_splice(Direction d) {
        const Side& dst = destination(d);
        return splice_eligible(d) && !dst.writing && dst.out.empty();
    }

    void splice_wait(Direction d) {
        Side& src = source(d);
        src.reading = true;
        src.sock.async_wait(tcp::socket::wait_read, [self = shared_from_this(), d](const boost::system::error_code& ec) {
            Side& s = self->source(d);
            s.reading = false;
            if (self->m_conn == nullptr || !s.open || ec) return;  // closed meanwhile
            self->splice_pump(d);
            self->update();
        });
    }

    // Moves what the source of d has to its destination, through the pipe.
    void splice_pump(Direction d) {
        Side& src = source(d);
        Splice& p = m_splice[link::index(d)];
        if (p.r < 0) {
            int fds[2];
            if (::pipe2(fds, O_NONBLOCK | O_CLOEXEC) != 0) {
                p.unusable = true;
                return;
            }
            p.r = fds[0];
            p.w = fds[1];
            ::fcntl(p.w, F_SETPIPE_SZ, k_splice_pipe_size);  // best effort: the default is 64 KiB
        }
        for (int round = 0; round < 16; ++round) {
            if (p.bytes == 0) {
                if (!can_splice(d)) return;  // a toxic arrived: the bytes go through the model again
                const ssize_t n = ::splice(src.sock.native_handle(), nullptr, p.w, nullptr, k_splice_pipe_size,
                                           SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
                if (n == 0) {
                    src.read_done = true;
                    m_conn->on_eof(d, m_proxy.now());
                    return;
                }
                if (n < 0) {
                    if (errno == EINTR) continue;
                    if (errno == EAGAIN) return;
                    if (errno == EINVAL || errno == ENOSYS) {
                        p.unusable = true;
                        return;
                    }
                    src.read_done = true;
                    m_conn->on_reset(d, m_proxy.now());
                    return;
                }
                p.bytes = static_cast<std::size_t>(n);
                m_conn->on_spliced(d, m_proxy.now(), p.bytes);
            }
            if (!drain(d)) return;
        }
    }

    // Writes the pipe of d out; false if the destination is full (a wait for
    // it to drain is then pending) or gone.
    bool drain(Direction d) {
        Side& dst = destination(d);
        Splice& p = m_splice[link::index(d)];
        while (p.bytes > 0) {
            const ssize_t w = ::splice(p.r, nullptr, dst.sock.native_handle(), nullptr, p.bytes,
                                       SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
            if (w > 0) {
                p.bytes -= static_cast<std::size_t>(w);
                continue;
            }
            if (w < 0 && errno == EINTR) continue;
            if (w < 0 && errno == EAGAIN) {
                dst.writing = true;
                dst.sock.async_wait(tcp::socket::wait_write, [self = shared_from_this(), d](const boost::system::error_code& ec) {
                    Side& t = self->destination(d);
                    t.writing = false;
                    if (!t.open || ec) return;
                    if (self->drain(d)) self->write_next(t);
                    self->update();
                });
                return false;
            }
            // The destination is gone: what is in the pipe cannot be delivered.
            drop_pipe(p);
            close_side(dst);
            if (m_conn != nullptr) m_conn->on_reset(opposite(d), m_proxy.now());
            return false;
        }
        return true;
    }

    void connected() {
        if (m_conn == nullptr || m_server.done) {
            close_side(m_server);
            update();
            return;
        }
        boost::system::error_code ec;
        m_server.sock.set_option(tcp::no_delay(true), ec);
        m_server.sock.native_non_blocking(true, ec);
        m_server.open = true;
        write_next(m_server);
        update();
    }

    void upstream_failed(const std::string& why) {
        std::string msg = m_link != nullptr ? m_link->name() : std::string("proxy");
        msg += ": cannot reach the upstream ";
        if (m_link != nullptr) msg += m_link->upstream();
        msg += ": ";
        msg += why;
        m_proxy.log(msg);
        m_server.done = true;
        // As Toxiproxy: the client is dropped when the upstream cannot be dialled.
        if (m_conn != nullptr) m_conn->on_reset(Direction::downstream, m_proxy.now());
        update();
    }

    void read(Side& s, Direction d) {
        if (s.reading || s.read_done || s.paused || !s.open || m_conn == nullptr) return;
        if (m_splice[link::index(d)].bytes > 0) return;  // the pipe drains first
        if (splice_eligible(d)) {
            // Toxic-free: once the destination has written what it holds
            // (its completion comes back here), bytes go by splice.
            const Side& dst = destination(d);
            if (!dst.writing && dst.out.empty()) splice_wait(d);
            return;
        }
        s.reading = true;
        s.sock.async_read_some(asio::buffer(s.buf), [self = shared_from_this(), &s, d](const boost::system::error_code& ec,
                                                                                     std::size_t n) {
            s.reading = false;
            if (self->m_conn == nullptr || !s.open) return;
            const sim::Time now = self->m_proxy.now();
            if (ec) {
                if (ec == asio::error::operation_aborted) return;
                s.read_done = true;
                if (ec == asio::error::eof) self->m_conn->on_eof(d, now);
                else self->m_conn->on_reset(d, now);
            } else {
                self->m_conn->on_data(d, now, link::Bytes(s.buf.data(), s.buf.data() + n));
            }
            self->update();
        });
    }

    void write_next(Side& s) {
        if (s.writing || !s.open) return;
        if (m_splice[link::index(into(s))].bytes > 0) return;  // spliced bytes go first
        if (s.out.empty()) {
            apply_end(s);
            return;
        }
        s.gather.clear();
        for (std::size_t i = 0; i < s.out.size() && i < k_max_gather; ++i) s.gather.push_back(asio::buffer(s.out[i]));
        s.gathered = s.gather.size();
        s.writing = true;
        asio::async_write(s.sock, s.gather, [self = shared_from_this(), &s](const boost::system::error_code& ec, std::size_t) {
            s.writing = false;
            if (!s.open) return;  // reset or closed meanwhile: the queue is gone
            if (ec) {
                // The destination is gone: what is queued cannot be delivered.
                s.out.clear();
                s.out_bytes = 0;
                const Direction from = &s == &self->m_client ? Direction::upstream : Direction::downstream;
                close_side(s);
                if (self->m_conn != nullptr) self->m_conn->on_reset(from, self->m_proxy.now());
                self->update();
                return;
            }
            for (std::size_t i = 0; i < s.gathered; ++i) {
                s.out_bytes -= s.out.front().size();
                s.out.pop_front();
            }
            self->write_next(s);
            self->update();
        });
    }

    void apply_end(Side& s) {
        if (s.end == End::none || s.end_applied || !s.open) return;
        s.end_applied = true;
        if (s.end == End::eof) {
            boost::system::error_code ec;
            s.sock.shutdown(tcp::socket::shutdown_send, ec);
        } else {
            close_side(s);
        }
    }

    static void close_side(Side& s) noexcept {
        boost::system::error_code ec;
        if (s.sock.is_open()) {
            if (s.open) s.sock.shutdown(tcp::socket::shutdown_both, ec);
            s.sock.close(ec);
        }
        s.open = false;
        s.done = true;
        s.read_done = true;
    }

    static void reset_side(Side& s) noexcept {
        s.out.clear();
        s.out_bytes = 0;
        boost::system::error_code ec;
        if (s.sock.is_open()) {
            s.sock.set_option(asio::socket_base::linger(true, 0), ec);  // close sends RST
            s.sock.close(ec);
        }
        s.open = false;
        s.done = true;
        s.read_done = true;
    }

    void flow(Direction d) {
        Side& src = source(d);
        const Side& dst = destination(d);
        const std::uint64_t held = dst.out_bytes + (m_conn != nullptr ? m_conn->buffered_bytes(d) : 0);
        if (!src.paused && held > k_high_water) src.paused = true;
        else if (src.paused && held < k_low_water) src.paused = false;
        read(src, d);
    }

    void arm_timer() {
        const sim::Time t = m_conn != nullptr ? m_conn->next_wakeup() : sim::end_of_time;
        if (t == m_armed) return;
        m_armed = t;
        ++m_timer_generation;
        if (t == sim::end_of_time) {
            m_timer.cancel();
            return;
        }
        m_timer.expires_at(m_proxy.opt.wall(t));
        m_timer.async_wait([self = shared_from_this(), g = m_timer_generation](const boost::system::error_code& ec) {
            if (ec || g != self->m_timer_generation) return;
            self->m_armed = sim::end_of_time;
            self->update();
        });
    }

    LinkProxy::Impl& m_proxy;
    link::Link* m_link;
    link::Connection* m_conn = nullptr;
    Side m_client;
    Side m_server;
    asio::steady_timer m_timer;
    tcp::resolver m_resolver;
    sim::Time m_armed = sim::end_of_time;
    std::uint64_t m_timer_generation = 0;
    bool m_forgotten = false;
    std::array<Splice, 2> m_splice{};
};

void LinkProxy::Impl::accept(const std::shared_ptr<Listener>& l) {
    l->acceptor.async_accept([this, w = std::weak_ptr<Listener>(l)](const boost::system::error_code& ec, tcp::socket sock) {
        const std::shared_ptr<Listener> live = w.lock();
        if (ec || !live || !live->acceptor.is_open()) return;  // the listener is gone (its link may be too)
        auto s = std::make_shared<Session>(*this, *live->link, std::move(sock));
        sessions.push_back(s);
        s->begin();
        accept(live);
    });
}

void LinkProxy::Impl::forget(Session& s) {
    const auto it = std::find_if(sessions.begin(), sessions.end(), [&](const auto& p) { return p.get() == &s; });
    if (it == sessions.end()) return;
    std::iter_swap(it, sessions.end() - 1);
    sessions.pop_back();
}

void LinkProxy::Impl::after_change() {
    const auto open = sessions;  // update() may forget sessions
    for (const auto& s : open) s->update();
    arm_schedule();
}

void LinkProxy::Impl::arm_schedule() {
    const sim::Time t = table.next_schedule_change();
    if (t == schedule_armed) return;
    schedule_armed = t;
    if (t == sim::end_of_time) {
        schedule_timer.cancel();
        return;
    }
    schedule_timer.expires_at(opt.wall(t));
    schedule_timer.async_wait([this, t](const boost::system::error_code& ec) {
        if (ec || t != schedule_armed) return;
        schedule_armed = sim::end_of_time;
        table.apply_schedules(now());
        after_change();
    });
}

LinkProxy::LinkProxy(asio::io_context& io, LinkProxyOptions options)
    : m(std::make_unique<Impl>(io, std::move(options), *this)) {}

LinkProxy::~LinkProxy() { shutdown(); }

link::ProxyTable& LinkProxy::table() noexcept { return m->table; }

link::ApiResponse LinkProxy::handle(const link::ApiRequest& request) {
    link::ApiResponse r = link::handle_api(m->table, request, m->now());
    m->after_change();
    return r;
}

void LinkProxy::populate(const json& proxies) {
    const link::ApiResponse r = handle(link::ApiRequest{"POST", "/populate", proxies.dump(), ""});
    if (r.status < 300) return;
    std::string msg = "cannot create the proxies: ";
    const json j = json::parse(r.body, nullptr, false);
    msg += j.is_object() && j.contains("error") && j["error"].is_string() ? j["error"].get<std::string>() : r.body;
    throw std::runtime_error(msg);
}

json LinkProxy::proxies_json() const {
    json list = json::array();
    for (link::Link* l : m->table.links()) list.push_back(l->to_json());
    return list;
}

void LinkProxy::shutdown() noexcept {
    for (auto& [l, listener] : m->listeners) {
        boost::system::error_code ec;
        listener->acceptor.close(ec);
    }
    m->listeners.clear();
    const auto open = std::move(m->sessions);
    m->sessions.clear();
    for (const auto& s : open) s->detach();
    m->schedule_timer.cancel();
}

std::string LinkProxy::start(link::Link& l) {
    const auto [host, port] = split_host_port(l.listen());
    boost::system::error_code ec;
    tcp::resolver resolver(m->io);
    const auto results = resolver.resolve(host, std::to_string(port), tcp::resolver::passive, ec);
    if (ec || results.empty()) throw std::runtime_error("cannot resolve " + l.listen() + ": " + ec.message());
    auto listener = std::make_shared<Impl::Listener>(m->io, l);
    tcp::acceptor& a = listener->acceptor;
    const tcp::endpoint ep = results.begin()->endpoint();
    a.open(ep.protocol(), ec);
    if (!ec) a.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) a.bind(ep, ec);
    if (!ec) a.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
        std::string msg = "listen tcp ";
        msg += l.listen();
        msg += ": ";
        msg += ec.message();
        throw std::runtime_error(msg);
    }
    const std::string bound = address_string(a.local_endpoint());
    m->accept(listener);
    m->listeners[&l] = std::move(listener);
    return bound;
}

void LinkProxy::stop(link::Link& l) noexcept {
    if (const auto it = m->listeners.find(&l); it != m->listeners.end()) {
        boost::system::error_code ec;
        it->second->acceptor.close(ec);
        m->listeners.erase(it);
    }
    std::vector<std::shared_ptr<Session>> keep;
    for (const auto& s : m->sessions) {
        if (s->link() == &l) s->detach();
        else keep.push_back(s);
    }
    m->sessions = std::move(keep);
}

}  // namespace kiosktwin::host::detail
