#include <utility>  // Boost 1.74's Asio uses std::exchange without including it

#include <kiosktwin/host/control_api.hpp>
#include <kiosktwin/host/live_host.hpp>
#include <kiosktwin/host/termios_speed.hpp>

#include "http_server.hpp"
#include "link_proxy.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <termios.h>
#include <unistd.h>

namespace kiosktwin::host {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t k_max_queued_output = 1 << 20;  // bytes waiting for a slow client
constexpr auto k_output_granularity = std::chrono::milliseconds(1);

// What a byte looks like when the two ends of a line disagree on the baud
// rate: framing garbage, deterministic so that tests can rely on it.
std::uint8_t garble(std::uint8_t b) { return static_cast<std::uint8_t>((b * 7u + 0x35u) ^ 0xA5u); }

std::string protocol_of(const std::string& kind) {
    if (kind == "idcard_reader") return "sam-serial";
    if (kind == "qr_scanner") return "scanner-line-serial";
    if (kind == "receipt_printer") return "escpos-raw";
    if (kind == "a4_printer") return "ipp";
    return "byte-stream";
}

}  // namespace

struct LiveHost::Impl {
    explicit Impl(HostOptions o) : opt(std::move(o)), signals(io) {}

    void log(const std::string& s) const {
        if (opt.log) opt.log(s);
    }
    sim::Time now() const {
        if (!started) return sim::epoch_time;
        return sim::Time{std::chrono::duration_cast<sim::Duration>(Clock::now() - t0)};
    }
    Clock::time_point wall(sim::Time t) const {
        return t0 + std::chrono::duration_cast<Clock::duration>(t.time_since_epoch());
    }

    // Wakes one device when its model asks, and hands its output to the transport.
    struct Driver {
        Driver(Impl& h, devices::Device& d) : host(h), dev(d), timer(h.io) {}
        void poke() {
            if (!host.started) return;
            sim::Time t = dev.next_wakeup();
            if (t == sim::end_of_time) {
                timer.cancel();
                return;
            }
            // Output is delivered in slices of about a millisecond, not byte by byte.
            const sim::Time now = host.now();
            if (flush && t > now) t = std::max(t, now + k_output_granularity);
            timer.expires_at(host.wall(t));
            timer.async_wait([this](const boost::system::error_code& ec) {
                if (ec) return;
                const sim::Time n = host.now();
                dev.on_wakeup(n);
                if (flush) flush(n);
                poke();
            });
        }
        Impl& host;
        devices::Device& dev;
        asio::steady_timer timer;
        std::function<void(sim::Time)> flush;  // stream devices: take_output and write
    };

    Driver& driver_for(devices::Device& d) {
        auto& p = drivers[&d];
        if (!p) p = std::make_unique<Driver>(*this, d);
        return *p;
    }

    // --- a stream device on a pseudo-terminal --------------------------------------
    struct Serial {
        Serial(Impl& h, devices::StreamDevice& d, std::string k) : host(h), dev(d), kiosk(std::move(k)), master(h.io) {}
        ~Serial() { close(); }

        void open() {
            const int fd = ::posix_openpt(O_RDWR | O_NOCTTY);
            if (fd < 0 || ::grantpt(fd) != 0 || ::unlockpt(fd) != 0)
                throw std::runtime_error(std::string("cannot create a pseudo-terminal: ") + std::strerror(errno));
            pty = ::ptsname(fd);
            // Keep the slave open ourselves: the master then never reads EIO
            // between clients, and we can read back the termios the client sets.
            slave = ::open(pty.c_str(), O_RDWR | O_NOCTTY);
            if (slave < 0) throw std::runtime_error("cannot open " + pty + ": " + std::strerror(errno));
            termios t{};
            ::tcgetattr(slave, &t);
            ::cfmakeraw(&t);
            ::cfsetispeed(&t, termios_speed(dev.baud()));
            ::cfsetospeed(&t, termios_speed(dev.baud()));
            ::tcsetattr(slave, TCSANOW, &t);
            master.assign(fd);
            link = host.opt.run_dir / dev.id();
            std::filesystem::create_directories(link.parent_path());
            std::error_code ec;
            std::filesystem::remove(link, ec);
            std::filesystem::create_symlink(pty, link, ec);
            if (ec) throw std::runtime_error("cannot create symlink " + link.string() + ": " + ec.message());
            client_baud = dev.baud();
            read();
        }
        void close() noexcept {
            boost::system::error_code ec;
            master.close(ec);
            if (slave >= 0) ::close(slave);
            slave = -1;
            if (!link.empty()) {
                std::error_code e;
                std::filesystem::remove(link, e);
                link.clear();
            }
        }
        bool mismatch() {
            termios t{};
            if (slave >= 0 && ::tcgetattr(slave, &t) == 0) {
                const int b = baud_of(::cfgetospeed(&t));
                if (b != 0 && b != client_baud) {
                    client_baud = b;
                    host.log(dev.id() + ": client set " + std::to_string(b) + " baud (device at " +
                             std::to_string(dev.baud()) + ")");
                }
            }
            return dev.baud() > 0 && client_baud != dev.baud();
        }
        void read() {
            master.async_read_some(asio::buffer(buf), [this](const boost::system::error_code& ec, std::size_t n) {
                if (ec) {
                    if (ec != asio::error::operation_aborted) host.log(dev.id() + ": pty read: " + ec.message());
                    return;
                }
                devices::Bytes in(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
                if (mismatch())
                    for (auto& b : in) b = garble(b);
                dev.on_bytes(host.now(), in);
                host.driver_for(dev).poke();
                read();
            });
        }
        void write(devices::Bytes out) {
            if (out.empty()) return;
            if (mismatch())
                for (auto& b : out) b = garble(b);
            if (queued + out.size() > k_max_queued_output) return;  // nobody reads the line: drop, as a UART would
            queued += out.size();
            queue.push_back(std::move(out));
            if (!writing) write_next();
        }
        void write_next() {
            if (queue.empty()) {
                writing = false;
                return;
            }
            writing = true;
            asio::async_write(master, asio::buffer(queue.front()), [this](const boost::system::error_code& ec, std::size_t) {
                queued -= queue.front().size();
                queue.pop_front();
                if (ec) {
                    writing = false;
                    return;
                }
                write_next();
            });
        }
        json endpoint() const {
            return json{{"device", dev.id()},         {"kind", dev.kind()},
                        {"protocol", protocol_of(dev.kind())}, {"transport", "serial"},
                        {"address", std::filesystem::absolute(link).string()},
                        {"pty", pty},                {"baud", dev.baud()}};
        }

        Impl& host;
        devices::StreamDevice& dev;
        std::string kiosk;
        asio::posix::stream_descriptor master;
        int slave = -1;
        std::string pty;
        std::filesystem::path link;
        int client_baud = 0;
        std::array<std::uint8_t, 4096> buf{};
        std::deque<devices::Bytes> queue;
        std::size_t queued = 0;
        bool writing = false;
    };

    // --- a stream device on a TCP port (one client at a time) -------------------------
    struct Tcp {
        Tcp(Impl& h, devices::StreamDevice& d, std::string k, std::uint16_t p)
            : host(h), dev(d), kiosk(std::move(k)), port(p), acceptor(h.io) {}

        void open() {
            boost::system::error_code ec;
            const tcp::endpoint ep(asio::ip::make_address(host.opt.bind_address, ec), port);
            if (ec) throw std::runtime_error("bad bind address " + host.opt.bind_address);
            acceptor.open(ep.protocol(), ec);
            if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
            if (!ec) acceptor.bind(ep, ec);
            if (!ec) acceptor.listen(8, ec);
            if (ec)
                throw std::runtime_error("cannot listen on " + host.opt.bind_address + ":" + std::to_string(port) +
                                         " for " + dev.id() + ": " + ec.message());
            port = acceptor.local_endpoint().port();
            accept();
        }
        void close() noexcept {
            boost::system::error_code ec;
            acceptor.close(ec);
            if (client) client->close(ec);
        }
        void accept() {
            acceptor.async_accept([this](const boost::system::error_code& ec, tcp::socket s) {
                if (ec) return;
                client.emplace(std::move(s));
                host.log(dev.id() + ": client connected");
                read();
            });
        }
        void read() {
            client->async_read_some(asio::buffer(buf), [this](const boost::system::error_code& ec, std::size_t n) {
                if (ec) {
                    host.log(dev.id() + ": client gone (" + ec.message() + ")");
                    boost::system::error_code e;
                    client->close(e);
                    client.reset();
                    queue.clear();
                    queued = 0;
                    writing = false;
                    accept();  // the next job may connect now
                    return;
                }
                dev.on_bytes(host.now(), devices::ByteView(buf.data(), n));
                host.driver_for(dev).poke();
                read();
            });
        }
        void write(devices::Bytes out) {
            if (out.empty() || !client) return;  // nobody connected: a status reply is lost
            if (queued + out.size() > k_max_queued_output) return;
            queued += out.size();
            queue.push_back(std::move(out));
            if (!writing) write_next();
        }
        void write_next() {
            if (queue.empty() || !client) {
                writing = false;
                return;
            }
            writing = true;
            asio::async_write(*client, asio::buffer(queue.front()), [this](const boost::system::error_code& ec, std::size_t) {
                if (ec || queue.empty()) {
                    writing = false;
                    return;
                }
                queued -= queue.front().size();
                queue.pop_front();
                write_next();
            });
        }
        json endpoint() const {
            return json{{"device", dev.id()},
                        {"kind", dev.kind()},
                        {"protocol", protocol_of(dev.kind())},
                        {"transport", "tcp"},
                        {"address", host.opt.bind_address + ":" + std::to_string(port)},
                        {"port", port}};
        }

        Impl& host;
        devices::StreamDevice& dev;
        std::string kiosk;
        std::uint16_t port;
        tcp::acceptor acceptor;
        std::optional<tcp::socket> client;
        std::array<std::uint8_t, 16384> buf{};
        std::deque<devices::Bytes> queue;
        std::size_t queued = 0;
        bool writing = false;
    };

    // --- HTTP devices behind one port, routed by path prefix ------------------------
    struct Http {
        std::string kiosk;
        std::string service;
        std::uint16_t port;
        std::vector<devices::HttpDevice*> routes;
        std::unique_ptr<detail::HttpServer> server;

        json endpoint(const std::string& bind) const {
            json devs = json::array();
            json paths = json::array();
            for (auto* d : routes) {
                devs.push_back(json{{"device", d->id()}, {"kind", d->kind()}, {"path", d->path_prefix()}});
                paths.push_back(d->path_prefix());
            }
            const std::string base = "http://" + bind + ":" + std::to_string(port);
            json e{{"service", service}, {"transport", "http"}, {"address", base}, {"port", port}, {"devices", devs}};
            if (service == "ipp" && routes.size() == 1) {
                e["protocol"] = "ipp";
                e["device"] = routes.front()->id();
                e["kind"] = routes.front()->kind();
                e["address"] = "ipp://" + bind + ":" + std::to_string(port) + routes.front()->path_prefix();
                e["http"] = base + routes.front()->path_prefix();
            } else {
                e["protocol"] = "http-json";
            }
            return e;
        }
    };

    void serve_http(Http& h) {
        h.server = std::make_unique<detail::HttpServer>(
            io, opt.bind_address, h.port,
            [this, &h](devices::HttpRequest req, detail::Reply reply) {
                devices::HttpDevice* best = nullptr;
                for (auto* d : h.routes) {
                    const std::string p = d->path_prefix();
                    if (req.target.rfind(p, 0) == 0 &&
                        (req.target.size() == p.size() || req.target[p.size()] == '/' || req.target[p.size()] == '?') &&
                        (best == nullptr || p.size() > best->path_prefix().size()))
                        best = d;
                }
                if (best == nullptr) {
                    json paths = json::array();
                    for (auto* d : h.routes) paths.push_back(d->path_prefix());
                    auto r = devices::HttpResponse::json(
                        404, json{{"code", 404}, {"msg", "no device at " + req.target},
                                  {"error", {{"code", "not_found"}, {"message", "no device at " + req.target}}},
                                  {"paths", paths}});
                    reply(std::move(r));
                    return;
                }
                devices::HttpResponse resp = best->handle(now(), req);
                driver_for(*best).poke();
                if (resp.delay <= sim::Duration::zero()) {
                    reply(std::move(resp));
                    return;
                }
                auto timer = std::make_shared<asio::steady_timer>(io, std::chrono::duration_cast<Clock::duration>(resp.delay));
                timer->async_wait([timer, reply, resp = std::move(resp)](const boost::system::error_code&) mutable {
                    reply(std::move(resp));
                });
            },
            opt.log);
        h.port = h.server->port();
    }

    json endpoints_json() const {
        std::map<std::string, json> kiosks;
        auto add = [&](const std::string& k, json e) { kiosks[k].push_back(std::move(e)); };
        for (const auto& s : serials) add(s->kiosk, s->endpoint());
        for (const auto& t : tcps) add(t->kiosk, t->endpoint());
        for (const auto& h : https) add(h->kiosk, h->endpoint(opt.bind_address));
        json list = json::array();
        for (auto& [k, e] : kiosks) list.push_back(json{{"id", k}, {"endpoints", e}});
        json j{{"kiosks", list}, {"run_dir", std::filesystem::absolute(opt.run_dir).string()}, {"pid", ::getpid()}};
        if (control_server)
            j["control"] = "http://" + opt.bind_address + ":" + std::to_string(control_server->port());
        if (link_proxy) {
            json links{{"api", "http://" + opt.bind_address + ":" + std::to_string(link_server->port())},
                       {"protocol", "toxiproxy"},
                       {"proxies", link_proxy->proxies_json()}};
            j["links"] = std::move(links);
        }
        for (const auto& [name, value] : extra) j[name] = value;
        return j;
    }

    HostOptions opt;
    asio::io_context io;
    asio::signal_set signals;
    Clock::time_point t0{};
    bool started = false;
    std::vector<devices::Device*> all;
    std::map<devices::Device*, std::unique_ptr<Driver>> drivers;
    std::vector<std::unique_ptr<Serial>> serials;
    std::vector<std::unique_ptr<Tcp>> tcps;
    std::vector<std::unique_ptr<Http>> https;
    ControlApi control;
    std::optional<std::uint16_t> control_port;
    std::unique_ptr<detail::HttpServer> control_server;
    std::optional<LinkOptions> link_options;
    std::unique_ptr<detail::LinkProxy> link_proxy;
    std::unique_ptr<detail::HttpServer> link_server;
    std::filesystem::path endpoints_file;
    std::map<std::string, json> extra;  // add_endpoint()

    void write_endpoints() const {
        if (endpoints_file.empty()) return;
        // Replaced atomically: a reader never sees half a file.
        const std::filesystem::path tmp = endpoints_file.string() + ".tmp";
        std::ofstream(tmp) << endpoints_json().dump(2) << '\n';
        std::error_code ec;
        std::filesystem::rename(tmp, endpoints_file, ec);
    }

    void start_links() {
        const LinkOptions& lo = *link_options;
        detail::LinkProxyOptions po;
        po.seed = lo.seed;
        po.week = lo.week;
        po.now = [this] { return now(); };
        po.wall = [this](sim::Time t) { return wall(t); };
        po.log = opt.log;
        link_proxy = std::make_unique<detail::LinkProxy>(io, std::move(po));
        link_proxy->populate(lo.proxies);
        link_server = std::make_unique<detail::HttpServer>(
            io, opt.bind_address, lo.api_port,
            [this](devices::HttpRequest req, detail::Reply reply) {
                link::ApiRequest r{req.method, req.target, std::move(req.body), req.header("user-agent")};
                const link::ApiResponse a = link_proxy->handle(r);
                if (req.method != "GET") write_endpoints();  // the proxies listed there follow the API
                devices::HttpResponse out;
                out.status = a.status;
                out.content_type = a.content_type;
                out.body = a.body;
                reply(std::move(out));
            },
            opt.log);
    }
};

LiveHost::LiveHost(HostOptions options) : m(std::make_unique<Impl>(std::move(options))) {}

LiveHost::~LiveHost() { cleanup(); }

void LiveHost::add_serial(devices::StreamDevice& d, std::string kiosk) {
    m->serials.push_back(std::make_unique<Impl::Serial>(*m, d, std::move(kiosk)));
    m->all.push_back(&d);
    Impl::Serial* s = m->serials.back().get();
    m->driver_for(d).flush = [s](sim::Time now) { s->write(s->dev.take_output(now)); };
}

void LiveHost::add_tcp(devices::StreamDevice& d, std::string kiosk, std::uint16_t port) {
    m->tcps.push_back(std::make_unique<Impl::Tcp>(*m, d, std::move(kiosk), port));
    m->all.push_back(&d);
    Impl::Tcp* t = m->tcps.back().get();
    m->driver_for(d).flush = [t](sim::Time now) { t->write(t->dev.take_output(now)); };
}

void LiveHost::add_http(std::string kiosk, std::string service, std::uint16_t port,
                        std::vector<devices::HttpDevice*> routes) {
    for (auto* d : routes) {
        m->all.push_back(d);
        m->driver_for(*d);
    }
    m->https.push_back(std::make_unique<Impl::Http>(Impl::Http{std::move(kiosk), std::move(service), port, std::move(routes), {}}));
}

void LiveHost::add_control(std::uint16_t port) { m->control_port = port; }

void LiveHost::add_links(LinkOptions options) { m->link_options = std::move(options); }

void LiveHost::start() {
    m->t0 = Clock::now();
    m->started = true;
    std::filesystem::create_directories(m->opt.run_dir);
    for (auto* d : m->all) {
        d->set_trace(m->opt.trace);
        m->control.add_device(d);
    }
    for (auto& s : m->serials) s->open();
    for (auto& t : m->tcps) t->open();
    for (auto& h : m->https) m->serve_http(*h);
    if (m->control_port) {
        m->control.set_endpoints([this] { return m->endpoints_json(); });
        m->control.set_trace(m->opt.control_trace != nullptr ? m->opt.control_trace
                                                             : dynamic_cast<const devices::MemoryTrace*>(m->opt.trace));
        m->control.set_on_change([this](devices::Device& d) {
            // An action may have produced output or changed timing.
            Impl::Driver& drv = m->driver_for(d);
            if (drv.flush) drv.flush(m->now());
            drv.poke();
        });
        m->control_server = std::make_unique<detail::HttpServer>(
            m->io, m->opt.bind_address, *m->control_port,
            [this](devices::HttpRequest req, detail::Reply reply) { reply(m->control.handle(m->now(), req)); },
            m->opt.log);
    }
    if (m->link_options) m->start_links();
    for (auto& [dev, drv] : m->drivers) drv->poke();
    m->signals.add(SIGINT);
    m->signals.add(SIGTERM);
    m->signals.async_wait([this](const boost::system::error_code& ec, int sig) {
        if (ec) return;
        m->log(std::string("received ") + (sig == SIGINT ? "SIGINT" : "SIGTERM") + ", shutting down");
        stop();
    });
    m->endpoints_file = m->opt.run_dir / "endpoints.json";
    m->write_endpoints();
}

json LiveHost::endpoints() const { return m->endpoints_json(); }

void LiveHost::add_endpoint(std::string name, json value) {
    m->extra.insert_or_assign(std::move(name), std::move(value));
    m->write_endpoints();
}

void LiveHost::run() {
    m->io.restart();
    m->io.run();
}

void LiveHost::run_for(std::chrono::milliseconds d) {
    m->io.restart();
    m->io.run_for(d);
}

void LiveHost::stop() { m->io.stop(); }

void LiveHost::cleanup() noexcept {
    for (auto& s : m->serials) s->close();
    for (auto& t : m->tcps) t->close();
    for (auto& h : m->https)
        if (h->server) h->server->stop();
    if (m->control_server) m->control_server->stop();
    if (m->link_server) m->link_server->stop();
    if (m->link_proxy) m->link_proxy->shutdown();
    if (!m->endpoints_file.empty()) {
        std::error_code ec;
        std::filesystem::remove(m->endpoints_file, ec);
        m->endpoints_file.clear();
    }
}

sim::Time LiveHost::now() const { return m->now(); }

}  // namespace kiosktwin::host
