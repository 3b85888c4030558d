#include <utility>  // Boost 1.74's Asio uses std::exchange without including it

#include "http_client.hpp"

#include <kiosktwin/sim/conditions.hpp>
#include <kiosktwin/sim/event.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include <charconv>
#include <deque>
#include <optional>
#include <stdexcept>

namespace kiosktwin::live::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using kiosk::ChannelError;

namespace {

constexpr std::uint64_t k_body_limit = 64u << 20;  // a document camera's PNG in Base64 fits many times

std::uint16_t parse_port(std::string_view text, std::string_view whole) {
    unsigned v = 0;
    const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || p != text.data() + text.size() || v == 0 || v > 65535)
        throw std::invalid_argument("bad port in " + std::string(whole));
    return static_cast<std::uint16_t>(v);
}

ChannelError map_error(const boost::system::error_code& ec) {
    if (ec == asio::error::eof || ec == http::error::end_of_stream || ec == http::error::partial_message)
        return ChannelError::closed;
    if (ec == asio::error::connection_refused) return ChannelError::refused;
    return ChannelError::reset;
}

}  // namespace

Url parse_host_port(std::string_view address) {
    const auto colon = address.rfind(':');
    if (colon == std::string_view::npos || colon == 0) throw std::invalid_argument("expected host:port, got " + std::string(address));
    Url u;
    u.host = std::string(address.substr(0, colon));
    u.port = parse_port(address.substr(colon + 1), address);
    return u;
}

Url parse_url(std::string_view url) {
    constexpr std::string_view scheme = "http://";
    if (!url.starts_with(scheme)) throw std::invalid_argument("expected an http:// URL, got " + std::string(url));
    std::string_view rest = url.substr(scheme.size());
    const auto slash = rest.find('/');
    const std::string_view authority = rest.substr(0, slash);
    Url u;
    if (slash != std::string_view::npos) u.path = std::string(rest.substr(slash));
    if (authority.empty()) throw std::invalid_argument("no host in " + std::string(url));
    const auto colon = authority.rfind(':');
    if (colon == std::string_view::npos) {
        u.host = std::string(authority);
    } else {
        u.host = std::string(authority.substr(0, colon));
        u.port = parse_port(authority.substr(colon + 1), url);
    }
    if (u.host.empty()) throw std::invalid_argument("no host in " + std::string(url));
    return u;
}

struct HttpClient::Impl : std::enable_shared_from_this<HttpClient::Impl> {
    Impl(asio::io_context& i, std::string h, std::uint16_t p) : io(i), host(std::move(h)), port(p), resolver(i) {}

    // One TCP connection; handlers hold it, so a closed one outlives its last handler.
    struct Conn {
        explicit Conn(asio::io_context& io) : sock(io) {}
        tcp::socket sock;
        beast::flat_buffer buffer;
        std::optional<http::response_parser<http::string_body>> parser;
        http::request<http::string_body> out;
        bool used = false;  // a response came back on it already
    };
    struct Job {
        std::uint64_t id;
        devices::HttpRequest request;
        Callback callback;
        bool retried = false;
    };

    asio::io_context& io;
    std::string host;
    std::uint16_t port;
    tcp::resolver resolver;
    std::shared_ptr<Conn> conn;  // the open (or opening) connection, if any
    std::deque<Job> queue;       // front = on the wire when busy
    bool busy = false;
    bool closed = false;
    std::uint64_t next_id = 1;

    void drop_connection() {
        if (!conn) return;
        boost::system::error_code ec;
        conn->sock.shutdown(tcp::socket::shutdown_both, ec);
        conn->sock.close(ec);
        conn.reset();
    }

    void next() {
        if (closed || busy || queue.empty()) return;
        busy = true;
        Job& job = queue.front();
        const devices::HttpRequest& r = job.request;
        auto build = [&](Conn& c) {
            c.out = {};
            c.out.version(11);
            const http::verb v = http::string_to_verb(r.method);
            if (v == http::verb::unknown) c.out.method_string(r.method);
            else c.out.method(v);
            c.out.target(r.target.empty() ? std::string("/") : r.target);
            bool has_host = false;
            for (const auto& [name, value] : r.headers) {
                if (beast::iequals(name, "host")) has_host = true;
                if (beast::iequals(name, "content-length") || beast::iequals(name, "transfer-encoding")) continue;
                c.out.set(name, value);
            }
            if (!has_host) c.out.set(http::field::host, host + ":" + std::to_string(port));
            c.out.keep_alive(true);
            c.out.body() = r.body;
            c.out.prepare_payload();
        };
        if (!conn) {
            conn = std::make_shared<Conn>(io);
            build(*conn);
            connect(conn);
        } else {
            build(*conn);
            write(conn);
        }
    }

    void connect(const std::shared_ptr<Conn>& c) {
        auto self = shared_from_this();
        resolver.async_resolve(host, std::to_string(port),
                               [self, c](const boost::system::error_code& ec, const tcp::resolver::results_type& results) {
                                   if (self->conn != c) return;  // given up meanwhile
                                   if (ec) {
                                       self->fail(ChannelError::refused);
                                       return;
                                   }
                                   asio::async_connect(c->sock, results,
                                                       [self, c](const boost::system::error_code& e, const tcp::endpoint&) {
                                                           if (self->conn != c) return;
                                                           if (e) {
                                                               self->fail(ChannelError::refused);
                                                               return;
                                                           }
                                                           boost::system::error_code ignore;
                                                           c->sock.set_option(tcp::no_delay(true), ignore);
                                                           self->write(c);
                                                       });
                               });
    }

    void write(const std::shared_ptr<Conn>& c) {
        auto self = shared_from_this();
        http::async_write(c->sock, c->out, [self, c](const boost::system::error_code& ec, std::size_t) {
            if (self->conn != c) return;
            if (ec) {
                self->failed_on(c, ec, false);
                return;
            }
            self->read(c);
        });
    }

    void read(const std::shared_ptr<Conn>& c) {
        auto self = shared_from_this();
        c->parser.emplace();
        c->parser->body_limit(k_body_limit);
        http::async_read(c->sock, c->buffer, *c->parser, [self, c](const boost::system::error_code& ec, std::size_t) {
            if (self->conn != c) return;
            if (ec) {
                self->failed_on(c, ec, c->parser->got_some());
                return;
            }
            http::response<http::string_body> res = c->parser->release();
            devices::HttpResponse out;
            out.status = static_cast<int>(res.result_int());
            out.content_type = std::string(res[http::field::content_type]);
            for (const auto& f : res) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
            out.body = std::move(res.body());
            c->used = true;
            if (!res.keep_alive()) self->drop_connection();
            self->complete(ChannelError::none, std::move(out));
        });
    }

    // A failure while `c` carried the front job: retry once on a fresh
    // connection if a kept-alive one had gone stale, else report it.
    void failed_on(const std::shared_ptr<Conn>& c, const boost::system::error_code& ec, bool answer_begun) {
        Job& job = queue.front();
        if (c->used && !answer_begun && !job.retried) {
            job.retried = true;
            drop_connection();
            busy = false;
            next();
            return;
        }
        fail(map_error(ec));
    }

    void fail(ChannelError e) {
        drop_connection();
        complete(e, {});
    }

    void complete(ChannelError e, devices::HttpResponse r) {
        Job job = std::move(queue.front());
        queue.pop_front();
        busy = false;
        if (!closed && job.callback) job.callback(e, std::move(r));
        next();
    }

    void cancel(std::uint64_t id) {
        for (auto it = queue.begin(); it != queue.end(); ++it) {
            if (it->id != id) continue;
            if (it == queue.begin() && busy) {
                drop_connection();  // its answer would come out of turn
                queue.pop_front();
                busy = false;
                next();
            } else {
                queue.erase(it);
            }
            return;
        }
    }
};

HttpClient::HttpClient(asio::io_context& io, std::string host, std::uint16_t port)
    : m(std::make_shared<Impl>(io, std::move(host), port)) {}

HttpClient::~HttpClient() {
    m->closed = true;
    m->queue.clear();
    m->busy = false;
    m->resolver.cancel();
    m->drop_connection();
}

std::uint64_t HttpClient::send(devices::HttpRequest request, Callback callback) {
    const std::uint64_t id = m->next_id++;
    m->queue.push_back({id, std::move(request), std::move(callback)});
    m->next();
    return id;
}

void HttpClient::cancel(std::uint64_t id) { m->cancel(id); }

sim::Process<kiosk::HttpResult> request_in_sim(LivePacer& pacer, HttpClient& client, devices::HttpRequest request,
                                               sim::Duration timeout) {
    struct Pending {
        sim::Event<> done;
        kiosk::HttpResult result;
    };
    // Shared with the callback: the frame may be gone (interrupted) when it comes.
    auto p = std::make_shared<Pending>();
    LivePacer* pc = &pacer;
    // The client's state, held by the frame: cancelling stays safe even if
    // the client itself went away while this request waited.
    std::shared_ptr<HttpClient::Impl> impl = client.m;
    const std::uint64_t id = client.send(std::move(request), [p, pc](ChannelError e, devices::HttpResponse r) {
        pc->catch_up();
        p->result.error = e;
        p->result.response = std::move(r);
        if (!p->done.triggered()) p->done.succeed();
    });
    const std::size_t which = co_await sim::any_of(p->done, sim::timeout(timeout));
    if (which != 0) {
        if (!impl->closed) impl->cancel(id);
        co_return kiosk::HttpResult{ChannelError::timeout, {}};
    }
    co_return std::move(p->result);
}

const std::string& HttpClient::host() const noexcept { return m->host; }
std::uint16_t HttpClient::port() const noexcept { return m->port; }

}  // namespace kiosktwin::live::detail
