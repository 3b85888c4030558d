// The live link proxy with real sockets on loopback: bytes keep their order
// when a toxic comes and goes mid-stream (the proxy switches between splicing
// and the model), removing a black hole releases what it held (Toxiproxy
// #210: removing a toxic must never hang a connection), deleting a proxy
// closes its connections, an unreachable upstream drops the client, and the
// API answers over HTTP throughout. Every wait is bounded.
#include <kiosktwin/host/live_host.hpp>

#include <catch2/catch.hpp>

#include "loopback.hpp"

#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace host_link_proxy_test {

using namespace kiosktwin;
using namespace kiosktwin::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// An echo server on its own threads; stops when destroyed.
class Echo {
public:
    Echo() {
        m_listen = bind_any(m_port);
        m_thread = std::thread([this] {
            while (!m_stop) {
                pollfd p{m_listen, POLLIN, 0};
                if (::poll(&p, 1, 20) <= 0) continue;
                const int c = ::accept(m_listen, nullptr, nullptr);
                if (c < 0) continue;
                m_workers.emplace_back([this, c] {
                    std::vector<char> buf(65536);
                    while (!m_stop) {
                        pollfd q{c, POLLIN, 0};
                        if (::poll(&q, 1, 20) <= 0) continue;
                        const ssize_t n = ::read(c, buf.data(), buf.size());
                        if (n <= 0) break;
                        for (ssize_t off = 0; off < n && !m_stop;) {
                            const ssize_t w = ::send(c, buf.data() + off, static_cast<std::size_t>(n - off), MSG_NOSIGNAL);
                            if (w <= 0) break;
                            off += w;
                        }
                    }
                    ::close(c);
                });
            }
        });
    }
    ~Echo() {
        m_stop = true;
        m_thread.join();
        for (auto& w : m_workers) w.join();
        ::close(m_listen);
    }
    std::uint16_t port() const { return m_port; }

private:
    int m_listen = -1;
    std::uint16_t m_port = 0;
    std::atomic<bool> m_stop{false};
    std::thread m_thread;
    std::vector<std::thread> m_workers;
};

// A live host with only links, serving on its own thread for at most 60 s.
class Proxies {
public:
    explicit Proxies(json proxies) : m_dir(std::filesystem::temp_directory_path() / ("kt-link-" + std::to_string(::getpid()))) {
        host::HostOptions o;
        o.run_dir = m_dir;
        m_host = std::make_unique<host::LiveHost>(o);
        host::LinkOptions lo;
        lo.api_port = 0;
        lo.proxies = std::move(proxies);
        m_host->add_links(std::move(lo));
        m_host->start();
        m_endpoints = m_host->endpoints();
        m_thread = std::thread([this] { m_host->run_for(60s); });
    }
    ~Proxies() {
        m_host->stop();
        m_thread.join();
        m_host->cleanup();
        std::filesystem::remove_all(m_dir);
    }
    std::uint16_t api_port() const {
        const std::string api = m_endpoints["links"]["api"].get<std::string>();
        return static_cast<std::uint16_t>(std::stoi(api.substr(api.rfind(':') + 1)));
    }
    std::uint16_t port_of(const std::string& name) const {
        for (const auto& p : m_endpoints["links"]["proxies"])
            if (p["name"] == name) {
                const std::string l = p["listen"].get<std::string>();
                return static_cast<std::uint16_t>(std::stoi(l.substr(l.rfind(':') + 1)));
            }
        FAIL("no proxy " << name);
        return 0;
    }
    /// One API request; returns the status code and the body.
    std::pair<int, std::string> api(const std::string& method, const std::string& target, const std::string& body = {}) const {
        const int fd = connect_to(api_port());
        std::string req = method;
        req.append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Length: ");
        req.append(std::to_string(body.size())).append("\r\n\r\n").append(body);
        REQUIRE(::send(fd, req.data(), req.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(req.size()));
        std::string resp;
        const auto deadline = std::chrono::steady_clock::now() + 5s;
        char buf[4096];
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, 20) <= 0) continue;
            const ssize_t n = ::read(fd, buf, sizeof buf);
            if (n <= 0) break;
            resp.append(buf, static_cast<std::size_t>(n));
        }
        ::close(fd);
        REQUIRE(resp.size() > 12);
        const auto split = resp.find("\r\n\r\n");
        return {std::stoi(resp.substr(9, 3)), split == std::string::npos ? std::string() : resp.substr(split + 4)};
    }

private:
    std::filesystem::path m_dir;
    std::unique_ptr<host::LiveHost> m_host;
    json m_endpoints;
    std::thread m_thread;
};

json proxy(const std::string& name, std::uint16_t upstream) {
    return json{{"name", name}, {"listen", "127.0.0.1:0"}, {"upstream", "127.0.0.1:" + std::to_string(upstream)}};
}

// Reads what arrives within `limit`, up to `want` bytes; stops at EOF or an error.
struct ReadResult {
    std::string bytes;
    bool eof = false;
    int error = 0;
};
ReadResult read_for(int fd, std::size_t want, std::chrono::milliseconds limit) {
    ReadResult r;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    char buf[65536];
    while (r.bytes.size() < want && std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 10) <= 0) continue;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n == 0) {
            r.eof = true;
            break;
        }
        if (n < 0) {
            r.error = errno;
            break;
        }
        r.bytes.append(buf, static_cast<std::size_t>(n));
    }
    return r;
}

}  // namespace

TEST_CASE("a live link keeps every byte in order while toxics come and go mid-stream", "[host][link]") {
    Echo echo;
    Proxies px(json::array({proxy("echo", echo.port())}));
    const int fd = connect_to(px.port_of("echo"));
    const int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    // 3 MB of a counting pattern, in 8 KiB writes, read back as it comes.
    constexpr std::size_t total = 3u << 20;
    constexpr std::size_t piece = 8192;
    auto byte_at = [](std::size_t i) { return static_cast<char>((i * 7 + i / 251) & 0xFF); };
    std::string sent_piece(piece, '\0');
    std::size_t sent = 0;
    std::size_t received = 0;
    bool in_order = true;
    int stage = 0;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    char buf[65536];
    while (received < total && std::chrono::steady_clock::now() < deadline) {
        // Toxics: a latency toxic upstream at 1 MB, a slicer downstream at
        // 1.5 MB, both gone at 2 MB; data keeps flowing all the while.
        if (stage == 0 && sent >= (1u << 20)) {
            CHECK(px.api("POST", "/proxies/echo/toxics", R"({"name":"lag","type":"latency","stream":"upstream","attributes":{"latency":5,"jitter":2}})").first == 200);
            ++stage;
        } else if (stage == 1 && sent >= (3u << 19)) {
            CHECK(px.api("POST", "/proxies/echo/toxics", R"({"name":"cut","type":"slicer","attributes":{"average_size":700,"size_variation":300}})").first == 200);
            ++stage;
        } else if (stage == 2 && sent >= (2u << 20)) {
            CHECK(px.api("DELETE", "/proxies/echo/toxics/lag").first == 204);
            CHECK(px.api("DELETE", "/proxies/echo/toxics/cut").first == 204);
            ++stage;
        }
        pollfd p{fd, static_cast<short>(POLLIN | (sent < total && sent - received < (512u << 10) ? POLLOUT : 0)), 0};
        if (::poll(&p, 1, 10) <= 0) continue;
        if ((p.revents & POLLOUT) && sent < total) {
            for (std::size_t i = 0; i < piece; ++i) sent_piece[i] = byte_at(sent + i);
            const ssize_t n = ::send(fd, sent_piece.data(), std::min(piece, total - sent), MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) sent += static_cast<std::size_t>(n);
        }
        if (p.revents & POLLIN) {
            const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
            if (n <= 0) break;
            for (ssize_t i = 0; i < n; ++i) in_order = in_order && buf[i] == byte_at(received + static_cast<std::size_t>(i));
            received += static_cast<std::size_t>(n);
        }
    }
    CHECK(stage == 3);
    CHECK(received == total);
    CHECK(in_order);
    ::close(fd);

    // The proxy counted every byte both ways, spliced or not.
    const auto [status, metrics] = px.api("GET", "/metrics");
    CHECK(status == 200);
    CHECK(metrics.find("direction=\"upstream\",listener=") != std::string::npos);
    CHECK(metrics.find("proxy=\"echo\",upstream=\"127.0.0.1:" + std::to_string(echo.port()) + "\"} " + std::to_string(total)) !=
          std::string::npos);
}

TEST_CASE("removing a toxic never hangs a connection: a black hole closes it, a held partition releases", "[host][link]") {
    Echo echo;
    Proxies px(json::array({proxy("echo", echo.port())}));
    SECTION("timeout 0 drops the data, and its removal closes the connection (as Toxiproxy's Cleanup does)") {
        CHECK(px.api("POST", "/proxies/echo/toxics", R"({"name":"hole","type":"timeout","stream":"upstream","attributes":{"timeout":0}})").first == 200);
        const int fd = connect_to(px.port_of("echo"));
        REQUIRE(::send(fd, "hello", 5, MSG_NOSIGNAL) == 5);
        const ReadResult held = read_for(fd, 5, 300ms);
        CHECK(held.bytes.empty());
        CHECK_FALSE(held.eof);
        CHECK(px.api("DELETE", "/proxies/echo/toxics/hole").first == 204);
        const ReadResult after = read_for(fd, 5, 2s);
        CHECK(after.bytes.empty());
        CHECK((after.eof || after.error != 0));
        ::close(fd);
    }
    SECTION("a holding partition keeps the bytes and delivers them, in order, when it lifts") {
        CHECK(px.api("POST", "/proxies/echo/toxics", R"({"name":"cut","type":"partition","attributes":{"mode":"hold"}})").first == 200);
        const int fd = connect_to(px.port_of("echo"));
        REQUIRE(::send(fd, "hello", 5, MSG_NOSIGNAL) == 5);
        CHECK(read_for(fd, 5, 300ms).bytes.empty());
        REQUIRE(::send(fd, "again", 5, MSG_NOSIGNAL) == 5);
        CHECK(px.api("DELETE", "/proxies/echo/toxics/cut").first == 204);
        CHECK(read_for(fd, 10, 2s).bytes == "helloagain");
        REQUIRE(::send(fd, "more", 4, MSG_NOSIGNAL) == 4);  // and the connection goes on
        CHECK(read_for(fd, 4, 2s).bytes == "more");
        ::close(fd);
    }
}

TEST_CASE("deleting a proxy closes its connections; an unreachable upstream drops the client", "[host][link]") {
    Echo echo;
    const std::uint16_t dead = free_port();  // nobody listens on it
    Proxies px(json::array({proxy("echo", echo.port()), proxy("nowhere", dead)}));

    const int fd = connect_to(px.port_of("echo"));
    REQUIRE(::send(fd, "ping", 4, MSG_NOSIGNAL) == 4);
    CHECK(read_for(fd, 4, 2s).bytes == "ping");
    CHECK(px.api("DELETE", "/proxies/echo").first == 204);
    const ReadResult after = read_for(fd, 1, 2s);
    CHECK((after.eof || after.error != 0));
    ::close(fd);
    CHECK(px.api("GET", "/proxies/echo").first == 404);

    const int lost = connect_to(px.port_of("nowhere"));
    const ReadResult r = read_for(lost, 1, 2s);
    CHECK(r.bytes.empty());
    CHECK((r.eof || r.error == ECONNRESET));
    ::close(lost);
    CHECK(px.api("GET", "/version").first == 200);  // the API still serves
}

}  // namespace host_link_proxy_test
