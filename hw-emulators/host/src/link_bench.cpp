#include <utility>  // Boost 1.74's Asio uses std::exchange without including it

#include <kiosktwin/host/link_bench.hpp>

#include "link_proxy.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdexcept>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace kiosktwin::host {

namespace {

using Clock = std::chrono::steady_clock;
constexpr int k_io_timeout_s = 20;  // no wait in the bench is longer

[[noreturn]] void fail(const std::string& what) {
    std::string msg = "bench link: ";
    msg += what;
    msg += ": ";
    msg += std::strerror(errno);
    throw std::runtime_error(msg);
}

class Fd {
public:
    explicit Fd(int fd = -1) : m_fd(fd) {}
    ~Fd() { reset(); }
    Fd(Fd&& o) noexcept : m_fd(std::exchange(o.m_fd, -1)) {}
    Fd& operator=(Fd&& o) noexcept {
        if (this != &o) {
            reset();
            m_fd = std::exchange(o.m_fd, -1);
        }
        return *this;
    }
    int get() const noexcept { return m_fd; }
    void reset() noexcept {
        if (m_fd >= 0) ::close(m_fd);
        m_fd = -1;
    }

private:
    int m_fd;
};

void set_timeouts(int fd) {
    timeval tv{k_io_timeout_s, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

// A listening socket on bind:0 and the port the OS gave it.
Fd listen_any(const std::string& bind, std::uint16_t& port) {
    Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) fail("socket");
    sockaddr_in a{};
    a.sin_family = AF_INET;
    if (::inet_pton(AF_INET, bind.c_str(), &a.sin_addr) != 1) throw std::runtime_error("bench link: bad address " + bind);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) fail("bind");
    if (::listen(fd.get(), 16) != 0) fail("listen");
    socklen_t len = sizeof a;
    ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    return fd;
}

Fd connect_to(const std::string& bind, std::uint16_t port) {
    Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (fd.get() < 0) fail("socket");
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    ::inet_pton(AF_INET, bind.c_str(), &a.sin_addr);
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) fail("connect to port " + std::to_string(port));
    set_timeouts(fd.get());
    return fd;
}

bool read_exact(int fd, std::uint8_t* p, std::size_t n) {
    while (n > 0) {
        const ssize_t r = ::recv(fd, p, n, 0);
        if (r <= 0) {
            if (r < 0 && errno == EINTR) continue;
            return false;
        }
        p += r;
        n -= static_cast<std::size_t>(r);
    }
    return true;
}

bool write_all(int fd, const std::uint8_t* p, std::size_t n) {
    while (n > 0) {
        const ssize_t r = ::send(fd, p, n, MSG_NOSIGNAL);
        if (r <= 0) {
            if (r < 0 && errno == EINTR) continue;
            return false;
        }
        p += r;
        n -= static_cast<std::size_t>(r);
    }
    return true;
}

// Serves `connections` clients one after another, each on its own thread:
// echo (ping-pong) or sink (read to the end, then answer one byte).
class Server {
public:
    enum class Kind { echo, sink };
    Server(const std::string& bind, Kind kind) : m_kind(kind) {
        m_listen = listen_any(bind, m_port);
        m_accept = std::thread([this] { accept_loop(); });
    }
    ~Server() {
        m_stop = true;
        ::shutdown(m_listen.get(), SHUT_RDWR);
        if (m_accept.joinable()) m_accept.join();
        for (auto& t : m_workers) t.join();
    }
    std::uint16_t port() const noexcept { return m_port; }

private:
    void accept_loop() {
        while (!m_stop) {
            const int c = ::accept4(m_listen.get(), nullptr, nullptr, SOCK_CLOEXEC);
            if (c < 0) {
                if (errno == EINTR) continue;
                return;
            }
            set_timeouts(c);
            m_workers.emplace_back([this, c] { serve(Fd(c)); });
        }
    }
    void serve(Fd fd) {
        std::vector<std::uint8_t> buf(1024 * 1024);
        for (;;) {
            const ssize_t r = ::recv(fd.get(), buf.data(), buf.size(), 0);
            if (r < 0 && errno == EINTR) continue;
            if (r <= 0) break;
            if (m_kind == Kind::echo && !write_all(fd.get(), buf.data(), static_cast<std::size_t>(r))) return;
        }
        if (m_kind == Kind::sink) {
            const std::uint8_t ack = 1;
            write_all(fd.get(), &ack, 1);
        }
    }

    Kind m_kind;
    Fd m_listen;
    std::uint16_t m_port = 0;
    std::atomic<bool> m_stop{false};
    std::thread m_accept;
    std::vector<std::thread> m_workers;
};

// The proxy under test, on its own thread.
class ProxyThread {
public:
    ProxyThread(const std::string& bind, std::uint16_t echo_port, std::uint16_t sink_port)
        : m_work(boost::asio::make_work_guard(m_io)), m_t0(Clock::now()) {
        detail::LinkProxyOptions o;
        o.now = [this] { return sim::Time{std::chrono::duration_cast<sim::Duration>(Clock::now() - m_t0)}; };
        o.wall = [this](sim::Time t) { return m_t0 + std::chrono::duration_cast<Clock::duration>(t.time_since_epoch()); };
        m_proxy = std::make_unique<detail::LinkProxy>(m_io, std::move(o));
        const std::string any = bind + ":0";
        m_proxy->populate(nlohmann::json::array(
            {{{"name", "bench-echo"}, {"listen", any}, {"upstream", bind + ":" + std::to_string(echo_port)}},
             {{"name", "bench-sink"}, {"listen", any}, {"upstream", bind + ":" + std::to_string(sink_port)}}}));
        for (const auto& p : m_proxy->proxies_json()) {
            const auto port = detail::split_host_port(p["listen"].get<std::string>()).second;
            (p["name"] == "bench-echo" ? m_echo : m_sink) = port;
        }
        m_thread = std::thread([this] { m_io.run(); });
    }
    ~ProxyThread() {
        boost::asio::post(m_io, [this] {
            m_proxy->shutdown();
            m_io.stop();
        });
        m_thread.join();
    }
    std::uint16_t echo_port() const noexcept { return m_echo; }
    std::uint16_t sink_port() const noexcept { return m_sink; }

private:
    boost::asio::io_context m_io;
    boost::asio::executor_work_guard<boost::asio::io_context::executor_type> m_work;
    Clock::time_point m_t0;
    std::unique_ptr<detail::LinkProxy> m_proxy;
    std::uint16_t m_echo = 0, m_sink = 0;
    std::thread m_thread;
};

double quantile(std::vector<double> v, double q) {
    if (v.empty()) return 0;
    const std::size_t k = std::min(v.size() - 1, static_cast<std::size_t>(q * static_cast<double>(v.size())));
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
    return v[k];
}

void ping(int fd, std::vector<std::uint8_t>& msg, int n, std::vector<double>* out) {
    for (int i = 0; i < n; ++i) {
        msg[0] = static_cast<std::uint8_t>(i);
        const auto t = Clock::now();
        if (!write_all(fd, msg.data(), msg.size()) || !read_exact(fd, msg.data(), msg.size()))
            fail("ping-pong stopped");
        if (out) out->push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count());
    }
}

// Megabytes per second of one bulk transfer to a sink.
double bulk(const std::string& bind, std::uint16_t port, std::uint64_t bytes) {
    Fd fd = connect_to(bind, port);
    std::vector<std::uint8_t> block(1024 * 1024, 0x5A);
    const auto t = Clock::now();
    for (std::uint64_t left = bytes; left > 0;) {
        const std::size_t n = static_cast<std::size_t>(std::min<std::uint64_t>(left, block.size()));
        if (!write_all(fd.get(), block.data(), n)) fail("bulk transfer stopped");
        left -= n;
    }
    ::shutdown(fd.get(), SHUT_WR);
    std::uint8_t ack = 0;
    if (!read_exact(fd.get(), &ack, 1)) fail("bulk transfer not acknowledged");
    const double s = std::chrono::duration<double>(Clock::now() - t).count();
    return static_cast<double>(bytes) / 1e6 / s;
}

}  // namespace

LinkLiveBenchResult run_link_live_bench(const LinkLiveBenchParams& p) {
    auto say = [&](const std::string& s) {
        if (p.progress) p.progress(s);
    };
    Server echo(p.bind, Server::Kind::echo);
    Server sink(p.bind, Server::Kind::sink);
    ProxyThread proxy(p.bind, echo.port(), sink.port());

    LinkLiveBenchResult r;
    {
        Fd direct = connect_to(p.bind, echo.port());
        Fd via = connect_to(p.bind, proxy.echo_port());
        std::vector<std::uint8_t> msg(std::max<std::uint32_t>(1, p.ping_bytes), 0x42);
        const int rounds = std::max(1, p.rounds);
        const int per_round = std::max(1, p.pings / rounds);
        ping(direct.get(), msg, 1000, nullptr);  // warm-up: caches, allocators, the scheduler
        ping(via.get(), msg, 1000, nullptr);
        std::vector<double> d, v;
        d.reserve(static_cast<std::size_t>(per_round * rounds));
        v.reserve(static_cast<std::size_t>(per_round * rounds));
        for (int i = 0; i < rounds; ++i) {
            ping(direct.get(), msg, per_round, &d);
            ping(via.get(), msg, per_round, &v);
        }
        r.direct_p50_us = quantile(d, 0.50);
        r.direct_p99_us = quantile(d, 0.99);
        r.proxy_p50_us = quantile(v, 0.50);
        r.proxy_p99_us = quantile(v, 0.99);
        r.added_p50_us = r.proxy_p50_us - r.direct_p50_us;
        r.added_p99_us = r.proxy_p99_us - r.direct_p99_us;
        say("ping-pong: " + std::to_string(d.size()) + " round trips per path");
    }
    // Paired trials, direct then through the proxy, back to back: each pair
    // sees the same state of the machine; the medians are robust to the odd
    // trial the scheduler spoils.
    std::vector<double> direct, via, ratio;
    for (int i = 0; i < std::max(1, p.bulk_trials); ++i) {
        direct.push_back(bulk(p.bind, sink.port(), p.bulk_bytes));
        via.push_back(bulk(p.bind, proxy.sink_port(), p.bulk_bytes));
        ratio.push_back(via.back() / direct.back());
        say("bulk trial " + std::to_string(i + 1) + " done");
    }
    r.direct_mb_s = quantile(direct, 0.5);
    r.proxy_mb_s = quantile(via, 0.5);
    r.throughput_ratio = quantile(ratio, 0.5);
    return r;
}

}  // namespace kiosktwin::host
