#include <utility>  // Boost 1.74's Asio uses std::exchange without including it

#include <kiosktwin/live/stream_channel.hpp>

#include <kiosktwin/host/termios_speed.hpp>
#include <kiosktwin/sim/conditions.hpp>
#include <kiosktwin/sim/event.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cerrno>
#include <deque>
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

namespace kiosktwin::live {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using kiosk::ChannelError;

namespace {

ChannelError map_error(const boost::system::error_code& ec, bool serial) {
    if (ec == asio::error::eof) return ChannelError::closed;
    // A tty whose other side went away reads EIO: the line hung up.
    if (serial && ec == boost::system::error_code(EIO, boost::system::system_category())) return ChannelError::closed;
    if (ec == asio::error::connection_refused) return ChannelError::refused;
    return ChannelError::reset;
}

}  // namespace

struct LiveStreamChannel::Impl : std::enable_shared_from_this<LiveStreamChannel::Impl> {
    enum class State : std::uint8_t { idle, connecting, up, down };

    Impl(LivePacer& p, std::string n) : pacer(p), name(std::move(n)), tty(p.io()), sock(p.io()), resolver(p.io()) {}

    LivePacer& pacer;
    std::string name;
    bool serial = false;
    std::string path;
    int baud = 115200;
    std::string host;
    std::uint16_t port = 0;

    asio::posix::stream_descriptor tty;
    tcp::socket sock;
    tcp::resolver resolver;
    State state = State::idle;
    ChannelError down = ChannelError::none;
    kiosk::Bytes input;
    sim::Event<> wake;  // input arrived, the line went down, a connect ended
    std::deque<kiosk::Bytes> queue;
    bool writing = false;
    std::array<std::uint8_t, 4096> buf{};
    std::uint64_t generation = 0;  // bumps with every close: older handlers are stale
    kiosk::ChannelStats* stats = nullptr;
    bool dead = false;

    void notify() {
        if (dead) return;
        if (!wake.triggered()) wake.succeed();
    }

    void close_line() noexcept {
        ++generation;
        boost::system::error_code ec;
        if (tty.is_open()) tty.close(ec);
        if (sock.is_open()) {
            sock.shutdown(tcp::socket::shutdown_both, ec);
            sock.close(ec);
        }
        resolver.cancel();
        queue.clear();
        writing = false;
        state = State::idle;
    }

    void go_down(ChannelError why) {
        close_line();
        state = State::down;
        down = why;
        input.clear();
        notify();
    }

    bool open_serial() {
        const int fd = ::open(path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0) {
            state = State::down;
            down = ChannelError::refused;
            return false;
        }
        termios t{};
        if (::tcgetattr(fd, &t) == 0) {
            ::cfmakeraw(&t);
            t.c_cflag |= CLOCAL | CREAD;
            t.c_cc[VMIN] = 1;
            t.c_cc[VTIME] = 0;
            ::cfsetispeed(&t, host::termios_speed(baud));
            ::cfsetospeed(&t, host::termios_speed(baud));
            ::tcsetattr(fd, TCSANOW, &t);
            ::tcflush(fd, TCIOFLUSH);
        }
        boost::system::error_code ec;
        tty.assign(fd, ec);
        if (ec) {
            ::close(fd);
            state = State::down;
            down = ChannelError::refused;
            return false;
        }
        state = State::up;
        down = ChannelError::none;
        read();
        return true;
    }

    void connect() {
        state = State::connecting;
        down = ChannelError::none;
        sock = tcp::socket(pacer.io());
        const std::uint64_t gen = generation;
        auto self = shared_from_this();
        resolver.async_resolve(host, std::to_string(port),
                               [self, gen](const boost::system::error_code& ec, const tcp::resolver::results_type& results) {
                                   if (self->dead || gen != self->generation) return;
                                   if (ec) {
                                       self->pacer.catch_up();
                                       self->go_down(ChannelError::refused);
                                       return;
                                   }
                                   asio::async_connect(self->sock, results,
                                                       [self, gen](const boost::system::error_code& e, const tcp::endpoint&) {
                                                           if (self->dead || gen != self->generation) return;
                                                           self->pacer.catch_up();
                                                           if (e) {
                                                               self->go_down(ChannelError::refused);
                                                               return;
                                                           }
                                                           boost::system::error_code ignore;
                                                           self->sock.set_option(tcp::no_delay(true), ignore);
                                                           self->state = State::up;
                                                           self->read();
                                                           self->write_next();
                                                           self->notify();
                                                       });
                               });
    }

    template <class Handler>
    void read_some(Handler&& h) {
        if (serial) tty.async_read_some(asio::buffer(buf), std::forward<Handler>(h));
        else sock.async_read_some(asio::buffer(buf), std::forward<Handler>(h));
    }

    void read() {
        const std::uint64_t gen = generation;
        auto self = shared_from_this();
        read_some([self, gen](const boost::system::error_code& ec, std::size_t n) {
            if (self->dead || gen != self->generation) return;
            // Everything due before these bytes happens first: they arrive now.
            self->pacer.catch_up();
            if (gen != self->generation) return;  // the simulation closed the line meanwhile
            if (ec) {
                self->go_down(map_error(ec, self->serial));
                return;
            }
            self->input.insert(self->input.end(), self->buf.begin(), self->buf.begin() + static_cast<std::ptrdiff_t>(n));
            if (self->stats) self->stats->bytes_in += n;
            self->notify();
            self->read();
        });
    }

    void write_next() {
        if (writing || queue.empty() || state != State::up) return;
        writing = true;
        const std::uint64_t gen = generation;
        auto self = shared_from_this();
        auto done = [self, gen](const boost::system::error_code& ec, std::size_t) {
            if (self->dead || gen != self->generation) return;
            self->writing = false;
            if (ec) {
                self->pacer.catch_up();
                if (gen == self->generation) self->go_down(map_error(ec, self->serial));
                return;
            }
            self->queue.pop_front();
            self->write_next();
        };
        if (serial) asio::async_write(tty, asio::buffer(queue.front()), std::move(done));
        else asio::async_write(sock, asio::buffer(queue.front()), std::move(done));
    }
};

LiveStreamChannel::LiveStreamChannel(std::shared_ptr<Impl> impl) : m(std::move(impl)) { m->stats = &m_stats; }

LiveStreamChannel::~LiveStreamChannel() {
    m->dead = true;
    m->stats = nullptr;
    m->close_line();
}

std::unique_ptr<LiveStreamChannel> LiveStreamChannel::serial(LivePacer& pacer, std::string name, std::string path,
                                                             int baud) {
    auto impl = std::make_shared<Impl>(pacer, std::move(name));
    impl->serial = true;
    impl->path = std::move(path);
    if (baud > 0) impl->baud = baud;
    std::unique_ptr<LiveStreamChannel> ch(new LiveStreamChannel(impl));
    impl->open_serial();
    return ch;
}

std::unique_ptr<LiveStreamChannel> LiveStreamChannel::tcp(LivePacer& pacer, std::string name, std::string host,
                                                          std::uint16_t port) {
    auto impl = std::make_shared<Impl>(pacer, std::move(name));
    impl->host = std::move(host);
    impl->port = port;
    return std::unique_ptr<LiveStreamChannel>(new LiveStreamChannel(impl));
}

sim::Simulation& LiveStreamChannel::sim() noexcept { return m->pacer.sim(); }
const std::string& LiveStreamChannel::name() const noexcept { return m->name; }
kiosk::Bytes& LiveStreamChannel::input() noexcept { return m->input; }
ChannelError LiveStreamChannel::down_reason() const noexcept { return m->down; }

bool LiveStreamChannel::is_open() const noexcept {
    // A socket not yet connected counts as open: it connects on first use.
    return m->state != Impl::State::down;
}

ChannelError LiveStreamChannel::write(kiosk::ByteView bytes) {
    if (m->state == Impl::State::down) return m->down;
    if (bytes.empty()) return ChannelError::none;
    m_stats.bytes_out += bytes.size();
    m->queue.emplace_back(bytes.begin(), bytes.end());
    if (m->state == Impl::State::idle) {
        if (m->serial) {
            if (!m->open_serial()) return m->down;
        } else {
            m->connect();
            return ChannelError::none;
        }
    }
    m->write_next();
    return ChannelError::none;
}

sim::Process<ChannelError> LiveStreamChannel::wait_input(sim::Time deadline) {
    ++m_stats.waits;
    auto impl = m;  // the frame keeps the state alive
    sim::Simulation& s = impl->pacer.sim();
    const std::size_t before = impl->input.size();
    for (;;) {
        if (impl->state == Impl::State::down) co_return impl->down;
        if (impl->input.size() > before) co_return ChannelError::none;
        if (s.now() >= deadline) {
            ++m_stats.timeouts;
            co_return ChannelError::timeout;
        }
        if (impl->wake.triggered()) impl->wake.reset();
        co_await sim::any_of(impl->wake, sim::timeout(deadline - s.now()));
    }
}

void LiveStreamChannel::discard_input() {
    m->input.clear();
    if (m->serial && m->tty.is_open()) ::tcflush(m->tty.native_handle(), TCIFLUSH);
}

sim::Process<ChannelError> LiveStreamChannel::reopen(sim::Duration timeout) {
    auto impl = m;
    sim::Simulation& s = impl->pacer.sim();
    impl->close_line();
    impl->input.clear();
    impl->down = ChannelError::none;
    if (impl->serial) co_return impl->open_serial() ? ChannelError::none : impl->down;
    impl->connect();
    const sim::Time deadline = s.now() + timeout;
    while (impl->state == Impl::State::connecting) {
        if (s.now() >= deadline) {
            impl->go_down(ChannelError::refused);
            break;
        }
        if (impl->wake.triggered()) impl->wake.reset();
        co_await sim::any_of(impl->wake, sim::timeout(deadline - s.now()));
    }
    co_return impl->state == Impl::State::up ? ChannelError::none : impl->down;
}

void LiveStreamChannel::set_baud(int baud) {
    if (baud <= 0) return;
    m->baud = baud;
    if (!m->serial || !m->tty.is_open()) return;
    termios t{};
    const int fd = m->tty.native_handle();
    if (::tcgetattr(fd, &t) != 0) return;
    ::cfsetispeed(&t, host::termios_speed(baud));
    ::cfsetospeed(&t, host::termios_speed(baud));
    ::tcsetattr(fd, TCSANOW, &t);
}

void LiveStreamChannel::close() { m->go_down(ChannelError::closed); }

}  // namespace kiosktwin::live
