// LiveStreamChannel over loopback: a TCP socket to a local listener (connect
// on first use, EOF, reset, refused, reopen) and a serial line on a
// pseudo-terminal the test holds the other end of (raw termios at the baud
// asked, set_baud, hang-up). Bytes arrive as events at the current virtual
// time; failures are values (R-7.2-1: drivers map them to a status).
#include "live_support.hpp"

#include <kiosktwin/live/stream_channel.hpp>

#include <catch2/catch.hpp>

#include <boost/asio/posix/stream_descriptor.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <fcntl.h>
#include <functional>
#include <optional>
#include <string>
#include <vector>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

namespace live_stream_channel_test {

using namespace kiosktwin;
using namespace std::chrono_literals;
using kiosk::ChannelError;
using live_test::tcp;

namespace {

std::string text(const kiosk::Bytes& b) { return std::string(b.begin(), b.end()); }
kiosk::Bytes bytes(std::string_view s) { return kiosk::Bytes(s.begin(), s.end()); }

/// Runs the pacer until `p` is done (at most 5 s of wall time).
template <class T>
void run_until_done(live::LivePacer& pacer, const sim::ProcessHandle<T>& p) {
    REQUIRE(pacer.run(5s, [&] { return p.done(); }) == live::PacerStop::condition);
}

/// Echoes every byte back, upper-cased.
void echo(std::shared_ptr<tcp::socket> s) {
    auto buf = std::make_shared<std::array<char, 256>>();
    s->async_read_some(boost::asio::buffer(*buf), [s, buf](const boost::system::error_code& ec, std::size_t n) {
        if (ec) return;
        for (std::size_t i = 0; i < n; ++i) (*buf)[i] = static_cast<char>(std::toupper(static_cast<unsigned char>((*buf)[i])));
        boost::asio::write(*s, boost::asio::buffer(buf->data(), n));
        echo(s);
    });
}

}  // namespace

TEST_CASE("TCP: connects on first use; bytes come back as input at the current virtual time", "[stream][tcp]") {
    sim::Simulation sim;
    live::LivePacer pacer(sim);
    live_test::Listener server(pacer.io(), echo);
    auto ch = live::LiveStreamChannel::tcp(pacer, "kiosk-1/receipt", "127.0.0.1", server.port());
    CHECK(ch->is_open());  // not yet connected: it will be on first use
    CHECK(ch->name() == "kiosk-1/receipt");
    const sim::Time start = sim.now();
    std::optional<kiosk::ExchangeResult> got;
    sim::Time at{};
    auto work = [&]() -> sim::Process<void> {
        const kiosk::Bytes hello = bytes("hello");
        got = co_await kiosk::exchange(*ch, hello, [](const kiosk::Bytes& in) -> std::optional<std::size_t> {
            if (in.size() >= 5) return 5;
            return std::nullopt;
        }, 2s);
        at = sim.now();
    };
    auto p = sim.spawn(work());
    run_until_done(pacer, p);
    REQUIRE(got);
    CHECK(got->error == ChannelError::none);
    CHECK(text(got->answer) == "HELLO");
    CHECK(server.accepted() == 1);
    CHECK(at > start);  // the answer came at a later virtual instant than the request
    CHECK(at - start < 1s);
    CHECK(ch->stats().bytes_out == 5);
    CHECK(ch->stats().bytes_in == 5);
    CHECK(ch->stats().waits >= 1);
}

TEST_CASE("TCP: waiting with nothing coming ends at the deadline, in virtual time", "[stream][tcp]") {
    sim::Simulation sim;
    live::LivePacer pacer(sim, {.speed = 10.0});
    std::vector<std::shared_ptr<tcp::socket>> keep;  // silent, open (and gone before the io_context)
    live_test::Listener server(pacer.io(), [&](std::shared_ptr<tcp::socket> s) { keep.push_back(std::move(s)); });
    auto ch = live::LiveStreamChannel::tcp(pacer, "printer", "127.0.0.1", server.port());
    ChannelError e = ChannelError::none;
    sim::Duration waited{};
    auto work = [&]() -> sim::Process<void> {
        const kiosk::Bytes q = bytes("?");
        ch->write(q);
        const sim::Time t0 = sim.now();
        e = co_await ch->wait_input(t0 + 2s);  // 200 ms of wall time at speed 10
        waited = sim.now() - t0;
    };
    const auto w0 = std::chrono::steady_clock::now();
    auto p = sim.spawn(work());
    run_until_done(pacer, p);
    CHECK(e == ChannelError::timeout);
    CHECK(waited == 2s);
    CHECK(ch->stats().timeouts == 1);
    CHECK(std::chrono::steady_clock::now() - w0 < 2s);
}

TEST_CASE("TCP: nothing listening is refused, EOF is closed, a reset is reset; reopen recovers", "[stream][tcp]") {
    sim::Simulation sim;
    live::LivePacer pacer(sim);

    SECTION("refused") {
        auto ch = live::LiveStreamChannel::tcp(pacer, "printer", "127.0.0.1", live_test::closed_port(pacer.io()));
        ChannelError first = ChannelError::none, waited = ChannelError::none, again = ChannelError::none;
        auto work = [&]() -> sim::Process<void> {
            const kiosk::Bytes q = bytes("?");
            first = ch->write(q);  // queued: the connect is under way
            waited = co_await ch->wait_input(sim.now() + 2s);
            again = co_await ch->reopen(1s);
        };
        auto p = sim.spawn(work());
        run_until_done(pacer, p);
        CHECK(first == ChannelError::none);
        CHECK(waited == ChannelError::refused);
        CHECK(again == ChannelError::refused);
        CHECK_FALSE(ch->is_open());
        const kiosk::Bytes q = bytes("?");
        CHECK(ch->write(q) == ChannelError::refused);  // down until reopened
    }
    SECTION("closed, then reopened") {
        int n = 0;
        live_test::Listener server(pacer.io(), [&](std::shared_ptr<tcp::socket> s) {
            if (++n == 1) {
                s->shutdown(tcp::socket::shutdown_both);  // the first connection: FIN at once
                return;
            }
            echo(std::move(s));
        });
        auto ch = live::LiveStreamChannel::tcp(pacer, "printer", "127.0.0.1", server.port());
        ChannelError down = ChannelError::none, reopened = ChannelError::refused;
        std::optional<kiosk::ExchangeResult> after;
        auto work = [&]() -> sim::Process<void> {
            const kiosk::Bytes q = bytes("x");
            ch->write(q);
            down = co_await ch->wait_input(sim.now() + 2s);
            reopened = co_await ch->reopen(2s);
            after = co_await kiosk::exchange(*ch, q, [](const kiosk::Bytes& in) -> std::optional<std::size_t> {
                return in.empty() ? std::nullopt : std::optional<std::size_t>(1);
            }, 2s);
        };
        auto p = sim.spawn(work());
        run_until_done(pacer, p);
        CHECK(down == ChannelError::closed);
        CHECK(reopened == ChannelError::none);
        REQUIRE(after);
        CHECK(after->error == ChannelError::none);
        CHECK(text(after->answer) == "X");
        CHECK(server.accepted() == 2);
    }
    SECTION("reset") {
        live_test::Listener server(pacer.io(), [](std::shared_ptr<tcp::socket> s) {
            s->set_option(boost::asio::socket_base::linger(true, 0));  // close sends RST
            s->close();
        });
        auto ch = live::LiveStreamChannel::tcp(pacer, "printer", "127.0.0.1", server.port());
        ChannelError down = ChannelError::none;
        auto work = [&]() -> sim::Process<void> {
            const kiosk::Bytes q = bytes("x");
            ch->write(q);
            down = co_await ch->wait_input(sim.now() + 2s);
        };
        auto p = sim.spawn(work());
        run_until_done(pacer, p);
        CHECK(down == ChannelError::reset);
        CHECK(ch->down_reason() == ChannelError::reset);
    }
}

TEST_CASE("serial: the pty opens raw at the baud asked; bytes both ways; set_baud; hang-up is closed", "[stream][serial]") {
    sim::Simulation sim;
    live::LivePacer pacer(sim);
    // The device's side: the pty master, as `kiosktwin serve` holds it.
    const int master = ::posix_openpt(O_RDWR | O_NOCTTY);
    REQUIRE(master >= 0);
    REQUIRE(::grantpt(master) == 0);
    REQUIRE(::unlockpt(master) == 0);
    const std::string path = ::ptsname(master);
    auto ch = live::LiveStreamChannel::serial(pacer, "kiosk-1/idcard", path, 9600);
    REQUIRE(ch->is_open());

    // The line as the kiosk set it: raw, 9600 baud (read back from its side).
    const int probe = ::open(path.c_str(), O_RDWR | O_NOCTTY);
    REQUIRE(probe >= 0);
    termios t{};
    REQUIRE(::tcgetattr(probe, &t) == 0);
    CHECK(::cfgetospeed(&t) == B9600);
    CHECK((t.c_lflag & (ICANON | ECHO)) == 0);
    CHECK((t.c_oflag & OPOST) == 0);

    std::optional<kiosk::ExchangeResult> got;
    auto work = [&]() -> sim::Process<void> {
        const kiosk::Bytes req = bytes("\xAA\xAA\xAA\x96\x69");
        got = co_await kiosk::exchange(*ch, req, [](const kiosk::Bytes& in) -> std::optional<std::size_t> {
            const auto lf = std::find(in.begin(), in.end(), '\n');
            if (lf == in.end()) return std::nullopt;
            return static_cast<std::size_t>(lf - in.begin()) + 1;
        }, 2s);
    };
    // The device answers what it hears.
    boost::asio::posix::stream_descriptor dev(pacer.io(), ::dup(master));
    std::array<char, 64> buf{};
    std::string heard;
    std::function<void()> listen = [&] {
        dev.async_read_some(boost::asio::buffer(buf), [&](const boost::system::error_code& ec, std::size_t n) {
            if (ec) return;
            heard.append(buf.data(), n);
            if (heard.size() >= 5) boost::asio::write(dev, boost::asio::buffer(std::string("OK\n")));
            else listen();
        });
    };
    listen();
    auto p = sim.spawn(work());
    run_until_done(pacer, p);
    CHECK(heard == "\xAA\xAA\xAA\x96\x69");
    REQUIRE(got);
    CHECK(got->error == ChannelError::none);
    CHECK(text(got->answer) == "OK\n");

    ch->set_baud(115200);
    REQUIRE(::tcgetattr(probe, &t) == 0);
    CHECK(::cfgetospeed(&t) == B115200);

    // The device's side goes away: the kiosk's read fails (EIO), the line is closed.
    ::close(probe);
    boost::system::error_code ec;
    dev.close(ec);
    ::close(master);
    ChannelError down = ChannelError::none;
    auto hangup = [&]() -> sim::Process<void> { down = co_await ch->wait_input(sim.now() + 3s); };
    auto h = sim.spawn(hangup());
    run_until_done(pacer, h);
    CHECK(down == ChannelError::closed);
    CHECK_FALSE(ch->is_open());
}

TEST_CASE("serial: a tty that does not exist is refused until it does", "[stream][serial]") {
    sim::Simulation sim;
    live::LivePacer pacer(sim);
    auto ch = live::LiveStreamChannel::serial(pacer, "kiosk-1/scanner", "/nonexistent/tty-kiosktwin", 9600);
    CHECK_FALSE(ch->is_open());
    CHECK(ch->down_reason() == ChannelError::refused);
    const kiosk::Bytes q = bytes("T");
    CHECK(ch->write(q) == ChannelError::refused);
    ChannelError reopened = ChannelError::none;
    auto work = [&]() -> sim::Process<void> { reopened = co_await ch->reopen(1s); };
    auto p = sim.spawn(work());
    run_until_done(pacer, p);
    CHECK(reopened == ChannelError::refused);
}

}  // namespace live_stream_channel_test
