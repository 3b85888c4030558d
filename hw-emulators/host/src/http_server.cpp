#include <utility>  // Boost 1.74's Asio uses std::exchange without including it

#include "http_server.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>

namespace kiosktwin::host::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
constexpr std::size_t k_body_limit = 64 * 1024 * 1024;  // an IPP document of a few MB is normal
constexpr auto k_idle_timeout = std::chrono::seconds(120);

const char* reason_of(int status) {
    return http::obsolete_reason(static_cast<http::status>(status)).data();
}
}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
    Impl(asio::io_context& io, HttpHandler h, std::function<void(const std::string&)> l)
        : io(io), acceptor(io), handler(std::move(h)), log(std::move(l)) {}

    class Session : public std::enable_shared_from_this<Session> {
    public:
        Session(tcp::socket s, std::shared_ptr<Impl> server) : m_stream(std::move(s)), m_server(std::move(server)) {}

        void start() { read_header(); }
        void close() {
            beast::error_code ec;
            m_stream.socket().shutdown(tcp::socket::shutdown_both, ec);
            m_stream.socket().close(ec);
        }

    private:
        void read_header() {
            m_parser.emplace();
            m_parser->body_limit(k_body_limit);
            m_stream.expires_after(k_idle_timeout);
            http::async_read_header(m_stream, m_buffer, *m_parser,
                                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                                        self->on_header(ec);
                                    });
        }

        void on_header(beast::error_code ec) {
            if (ec) return finish(ec);
            auto& req = m_parser->get();
            if (beast::iequals(req[http::field::expect], "100-continue")) {
                auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_, req.version());
                http::async_write(m_stream, *cont, [self = shared_from_this(), cont](beast::error_code e, std::size_t) {
                    if (e) return self->finish(e);
                    self->read_body();
                });
                return;
            }
            read_body();
        }

        void read_body() {
            http::async_read(m_stream, m_buffer, *m_parser, [self = shared_from_this()](beast::error_code ec, std::size_t) {
                self->on_request(ec);
            });
        }

        void on_request(beast::error_code ec) {
            if (ec == http::error::body_limit) {
                devices::HttpResponse r = devices::HttpResponse::error(413, "too_large", "request body over the limit");
                m_keep_alive = false;
                return write(std::move(r), 11);
            }
            if (ec) return finish(ec);
            http::request<http::string_body> req = m_parser->release();
            m_keep_alive = req.keep_alive();
            const unsigned version = req.version();
            devices::HttpRequest r;
            r.method = std::string(req.method_string());
            r.target = std::string(req.target());
            for (const auto& f : req) {
                std::string name(f.name_string());
                for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
                r.headers[name] = std::string(f.value());
            }
            r.body = std::move(req.body());
            auto self = shared_from_this();
            m_server->handler(std::move(r), [self, version](devices::HttpResponse resp) {
                // Called later, on the io_context thread.
                self->write(std::move(resp), version);
            });
        }

        void write(devices::HttpResponse r, unsigned version) {
            auto res = std::make_shared<http::response<http::string_body>>();
            res->version(version);
            res->result(static_cast<unsigned>(r.status));
            res->reason(reason_of(r.status));
            res->set(http::field::server, "kiosktwin");
            if (!r.content_type.empty()) res->set(http::field::content_type, r.content_type);
            for (auto& [k, v] : r.headers) res->set(k, v);
            res->body() = std::move(r.body);
            res->keep_alive(m_keep_alive);
            res->prepare_payload();
            m_stream.expires_after(k_idle_timeout);
            http::async_write(m_stream, *res, [self = shared_from_this(), res](beast::error_code ec, std::size_t) {
                if (ec) return self->finish(ec);
                if (!res->keep_alive()) return self->finish({});
                self->read_header();
            });
        }

        void finish(beast::error_code ec) {
            if (ec && ec != http::error::end_of_stream && ec != asio::error::operation_aborted &&
                ec != beast::error::timeout && ec != asio::error::connection_reset && ec != asio::error::eof &&
                m_server->log)
                m_server->log("http: " + ec.message());
            close();
        }

        beast::tcp_stream m_stream;
        beast::flat_buffer m_buffer;
        std::optional<http::request_parser<http::string_body>> m_parser;
        std::shared_ptr<Impl> m_server;
        bool m_keep_alive = true;
    };

    void accept() {
        acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket s) {
            if (ec) {
                if (ec != asio::error::operation_aborted && self->log) self->log("http accept: " + ec.message());
                if (!self->acceptor.is_open()) return;
            } else {
                auto session = std::make_shared<Session>(std::move(s), self);
                self->live.push_back(session);
                session->start();
            }
            // Forget sessions that have finished.
            std::erase_if(self->live, [&](const std::weak_ptr<Session>& w) { return w.expired(); });
            self->accept();
        });
    }

    asio::io_context& io;
    tcp::acceptor acceptor;
    HttpHandler handler;
    std::function<void(const std::string&)> log;
    std::vector<std::weak_ptr<Session>> live;  // open connections, to close at stop()
};

HttpServer::HttpServer(asio::io_context& io, const std::string& address, std::uint16_t port, HttpHandler handler,
                       std::function<void(const std::string&)> log)
    : m(std::make_shared<Impl>(io, std::move(handler), std::move(log))) {
    beast::error_code ec;
    const auto addr = asio::ip::make_address(address, ec);
    if (ec) throw std::runtime_error("bad bind address " + address + ": " + ec.message());
    const tcp::endpoint ep(addr, port);
    m->acceptor.open(ep.protocol(), ec);
    if (!ec) m->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) m->acceptor.bind(ep, ec);
    if (!ec) m->acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
        throw std::runtime_error("cannot listen on " + address + ":" + std::to_string(port) + ": " + ec.message());
    m->accept();
}

HttpServer::~HttpServer() { stop(); }

std::uint16_t HttpServer::port() const { return m->acceptor.local_endpoint().port(); }

void HttpServer::stop() {
    beast::error_code ec;
    m->acceptor.close(ec);
    for (auto& w : m->live)
        if (auto s = w.lock()) s->close();
    m->live.clear();
}

}  // namespace kiosktwin::host::detail
