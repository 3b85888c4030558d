// Loopback peers for the live bridges' tests, on the pacer's own io_context
// (one thread, as live): a TCP listener whose connections a test scripts,
// and a tiny HTTP/1.1 server whose answers a handler decides. Ports are
// ephemeral (bound to 127.0.0.1:0).
#pragma once

#include <utility>  // Boost 1.74's Asio uses std::exchange without including it

#include <boost/asio/buffers_iterator.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <cctype>
#include <chrono>
#include <cstdint>
#include <functional>
#include <istream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace live_test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

/// Accepts connections on 127.0.0.1:0 and hands each socket to `on_accept`.
class Listener {
public:
    using OnAccept = std::function<void(std::shared_ptr<tcp::socket>)>;
    Listener(asio::io_context& io, OnAccept on_accept) : m_acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
                                                          m_on_accept(std::move(on_accept)) {
        accept();
    }
    std::uint16_t port() const { return m_acceptor.local_endpoint().port(); }
    int accepted() const noexcept { return m_accepted; }
    void close() {
        boost::system::error_code ec;
        m_acceptor.close(ec);
    }

private:
    void accept() {
        m_acceptor.async_accept([this](const boost::system::error_code& ec, tcp::socket s) {
            if (ec) return;
            ++m_accepted;
            m_on_accept(std::make_shared<tcp::socket>(std::move(s)));
            accept();
        });
    }
    tcp::acceptor m_acceptor;
    OnAccept m_on_accept;
    int m_accepted = 0;
};

/// A port nothing listens on (bound, then closed).
inline std::uint16_t closed_port(asio::io_context& io) {
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    const std::uint16_t p = a.local_endpoint().port();
    a.close();
    return p;
}

struct Request {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  ///< names in lower case
    std::string body;
};

/// What the server does with a request: answer it (status, content type,
/// body), stay silent, or close the connection without a word.
struct Answer {
    enum class Kind { reply, silent, close } kind = Kind::reply;
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
    std::chrono::milliseconds delay{0};  ///< wall time before the reply leaves
    static Answer json(int status, std::string body, std::chrono::milliseconds delay = {}) {
        return {Kind::reply, status, "application/json", std::move(body), delay};
    }
    static Answer silence() { return {Kind::silent, 0, {}, {}, {}}; }
    static Answer hang_up() { return {Kind::close, 0, {}, {}, {}}; }
};

/// A keep-alive HTTP/1.1 server; Content-Length bodies only.
class HttpServer {
public:
    using Handler = std::function<Answer(const Request&)>;
    HttpServer(asio::io_context& io, Handler handler)
        : m_handler(std::move(handler)), m_listener(io, [this](std::shared_ptr<tcp::socket> s) { serve(std::move(s)); }) {}
    std::uint16_t port() const { return m_listener.port(); }
    int connections() const noexcept { return m_listener.accepted(); }
    int requests() const noexcept { return m_requests; }
    std::vector<Request> seen;

private:
    struct Conn {
        std::shared_ptr<tcp::socket> sock;
        asio::streambuf buf;
    };
    void serve(std::shared_ptr<tcp::socket> s) {
        auto c = std::make_shared<Conn>();
        c->sock = std::move(s);
        next(c);
    }
    void next(const std::shared_ptr<Conn>& c) {
        asio::async_read_until(*c->sock, c->buf, "\r\n\r\n", [this, c](const boost::system::error_code& ec, std::size_t n) {
            if (ec) return;
            std::string head(asio::buffers_begin(c->buf.data()), asio::buffers_begin(c->buf.data()) + static_cast<std::ptrdiff_t>(n));
            c->buf.consume(n);
            Request r;
            std::istringstream in(head);
            std::string line, version;
            std::getline(in, line);
            std::istringstream first(line);
            first >> r.method >> r.target >> version;
            while (std::getline(in, line) && line != "\r") {
                const auto colon = line.find(':');
                if (colon == std::string::npos) continue;
                std::string name = line.substr(0, colon);
                for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
                std::string value = line.substr(colon + 1);
                while (!value.empty() && (value.front() == ' ')) value.erase(value.begin());
                while (!value.empty() && (value.back() == '\r' || value.back() == ' ')) value.pop_back();
                r.headers[name] = value;
            }
            const std::size_t length = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
            read_body(c, std::move(r), length);
        });
    }
    void read_body(const std::shared_ptr<Conn>& c, Request r, std::size_t length) {
        if (c->buf.size() >= length) {
            r.body.assign(asio::buffers_begin(c->buf.data()), asio::buffers_begin(c->buf.data()) + static_cast<std::ptrdiff_t>(length));
            c->buf.consume(length);
            answer(c, std::move(r));
            return;
        }
        asio::async_read(*c->sock, c->buf, asio::transfer_at_least(length - c->buf.size()),
                         [this, c, r = std::move(r), length](const boost::system::error_code& ec, std::size_t) mutable {
                             if (ec) return;
                             read_body(c, std::move(r), length);
                         });
    }
    void answer(const std::shared_ptr<Conn>& c, Request r) {
        ++m_requests;
        seen.push_back(r);
        const Answer a = m_handler(r);
        if (a.kind == Answer::Kind::close) {
            boost::system::error_code ec;
            c->sock->close(ec);
            return;
        }
        if (a.kind == Answer::Kind::silent) {
            m_silent.push_back(c);  // kept open, never answered
            return;
        }
        auto out = std::make_shared<std::string>("HTTP/1.1 " + std::to_string(a.status) + " X\r\nContent-Type: " +
                                                 a.content_type + "\r\nContent-Length: " + std::to_string(a.body.size()) +
                                                 "\r\n\r\n" + a.body);
        auto send = [this, c, out] {
            asio::async_write(*c->sock, asio::buffer(*out), [this, c, out](const boost::system::error_code& ec, std::size_t) {
                if (!ec) next(c);
            });
        };
        if (a.delay.count() == 0) {
            send();
            return;
        }
        auto timer = std::make_shared<asio::steady_timer>(c->sock->get_executor(), a.delay);
        timer->async_wait([timer, send](const boost::system::error_code&) { send(); });
    }
    Handler m_handler;
    Listener m_listener;
    int m_requests = 0;
    std::vector<std::shared_ptr<Conn>> m_silent;
};

}  // namespace live_test
