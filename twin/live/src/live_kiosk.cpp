#include <utility>  // Boost 1.74's Asio uses std::exchange without including it

#include <kiosktwin/live/live_kiosk.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>

#include <istream>
#include <stdexcept>
#include <unistd.h>

namespace kiosktwin::live {

namespace {

sim::SimulationOptions sim_options(std::uint64_t seed) {
    sim::SimulationOptions o;
    o.seed = seed;
    return o;
}

}  // namespace

LiveKiosk::LiveKiosk(LiveKioskOptions options)
    : m_options(std::move(options)),
      m_own_sim(std::make_unique<sim::Simulation>(sim_options(m_options.seed))),
      m_own_pacer(std::make_unique<LivePacer>(*m_own_sim, m_options.pacer)),
      m_sim(*m_own_sim),
      m_pacer(*m_own_pacer),
      m_ui(m_sim) {
    build();
}

LiveKiosk::LiveKiosk(LiveKioskOptions options, LivePacer& shared)
    : m_options(std::move(options)), m_sim(shared.sim()), m_pacer(shared), m_ui(m_sim) {
    build();
}

void LiveKiosk::build() {
    const KioskEndpoints& ep = m_options.endpoints;
    if (ep.gateway.empty()) throw std::invalid_argument("the endpoints list no gateway (is `kiosktwin serve` running with --no-gateway?)");
    // Virtual time starts at the platform's civil time (nothing is scheduled yet).
    const sim::Time start = platform_now(m_sim.calendar());
    if (start > m_sim.now()) m_sim.run_until(start);

    for (std::string_view kind : kiosk::k_driven_kinds) {
        const DeviceEndpoint* d = ep.device(kind);
        if (d == nullptr) continue;
        if (d->transport == "serial")
            m_streams.emplace_back(std::string(kind), LiveStreamChannel::serial(m_pacer, d->device, d->path, d->baud));
        else if (d->transport == "tcp")
            m_streams.emplace_back(std::string(kind), LiveStreamChannel::tcp(m_pacer, d->device, d->host, d->port));
        else
            m_https.emplace_back(std::string(kind),
                                 std::make_unique<LiveHttpChannel>(m_pacer, d->device, d->host, d->port, d->prefix));
    }
    m_transport = std::make_unique<LiveGatewayTransport>(m_pacer, ep.gateway, m_options.kiosk_key, m_sim.calendar());
    if (m_options.admin_key)
        m_platform = std::make_unique<LiveGatewayTransport>(m_pacer, ep.gateway_direct.empty() ? ep.gateway : ep.gateway_direct,
                                                            *m_options.admin_key, m_sim.calendar());
    m_store.boots = m_options.boots.value_or(
        static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(m_sim.now().time_since_epoch()).count()));
    m_kiosk = std::make_unique<kiosk::Kiosk>(m_sim, m_options.config, channels(), *m_transport, m_store);
    m_kiosk->session_ended.connect([this](const kiosk::SessionOutcome& o) { m_outcomes.push_back(o); });
    m_hands = std::make_unique<LiveHands>(m_pacer, ep, m_platform.get(), m_options.log);
    if (m_options.back_office && m_platform)
        m_back_office = std::make_unique<LiveBackOffice>(m_pacer, *m_platform, *m_kiosk, m_options.decision_delay,
                                                         m_options.log);
}

struct LiveKiosk::TouchReader : std::enable_shared_from_this<LiveKiosk::TouchReader> {
    TouchReader(LiveKiosk& k, int fd) : kiosk(&k), in(k.m_pacer.io(), fd) {}
    LiveKiosk* kiosk;  // null once the kiosk is gone
    boost::asio::posix::stream_descriptor in;
    boost::asio::streambuf buffer;

    void next() {
        auto self = shared_from_this();
        boost::asio::async_read_until(in, buffer, '\n', [self](const boost::system::error_code& ec, std::size_t) {
            if (self->kiosk == nullptr || ec) return;
            std::istream text(&self->buffer);
            std::string line;
            std::getline(text, line);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (!line.empty()) {
                self->kiosk->m_pacer.catch_up();
                const auto bar = line.find('|');
                kiosk::Touch t{line.substr(0, bar), bar == std::string::npos ? std::string() : line.substr(bar + 1)};
                self->kiosk->m_ui.touch(std::move(t));
            }
            self->next();
        });
    }
};

void LiveKiosk::read_touches(int fd) {
    const int own = ::dup(fd);
    if (own < 0) return;
    try {
        m_touch_reader = std::make_shared<TouchReader>(*this, own);
    } catch (const boost::system::system_error&) {
        ::close(own);  // not a descriptor Asio can wait on: no touches, then
        return;
    }
    m_touch_reader->next();
}

LiveKiosk::~LiveKiosk() {
    if (m_touch_reader) {
        m_touch_reader->kiosk = nullptr;
        boost::system::error_code ec;
        m_touch_reader->in.close(ec);
    }
    // Stop the citizens, the back office and the software, and let their
    // processes unwind (they wait on this kiosk's channels) before anything goes.
    for (auto& c : m_citizens)
        if (!c->process.done()) c->process.interrupt();
    m_back_office.reset();
    if (m_kiosk) m_kiosk->crash();
    m_sim.run_until(m_sim.now());
    m_citizens.clear();
}

kiosk::KioskChannels LiveKiosk::channels() {
    kiosk::KioskChannels ch;
    for (auto& [kind, s] : m_streams) ch.attach(kind, *s);
    for (auto& [kind, h] : m_https) ch.attach(kind, *h);
    ch.ui = &m_ui;
    return ch;
}

void LiveKiosk::start() { m_kiosk->start(); }

PacerStop LiveKiosk::run(std::chrono::milliseconds limit, const std::function<bool()>& until) {
    return m_pacer.run(limit, until);
}

sim::ProcessHandle<kiosk::CitizenResult> LiveKiosk::visit(const kiosk::CitizenIdentity& who,
                                                          const kiosk::CitizenScript& script, sim::Duration limit) {
    std::erase_if(m_citizens, [](const auto& c) { return c->process.done(); });
    auto c = std::make_unique<Citizen>(Citizen{who, script, {}});
    c->process = m_sim.spawn(kiosk::run_citizen(m_ui, *m_hands, c->who, c->script, limit));
    m_citizens.push_back(std::move(c));
    return m_citizens.back()->process;
}

LiveStreamChannel* LiveKiosk::stream_channel(std::string_view kind) noexcept {
    for (auto& [k, s] : m_streams)
        if (k == kind) return s.get();
    return nullptr;
}

LiveHttpChannel* LiveKiosk::http_channel(std::string_view kind) noexcept {
    for (auto& [k, h] : m_https)
        if (k == kind) return h.get();
    return nullptr;
}

}  // namespace kiosktwin::live
