#include <kiosktwin/world/virtual_gateway.hpp>

#include <kiosktwin/server/router.hpp>

#include <algorithm>

namespace kiosktwin::world {

using kiosk::ChannelError;
using kiosk::GatewayReply;
using link::Direction;
using nlohmann::json;

namespace {

constexpr std::string_view k_admin_key = "twin-platform";
// What a request and a response weigh on the wire beyond their bodies:
// request line, signing headers, status line and headers.
constexpr std::uint32_t k_request_overhead = 420;
constexpr std::uint32_t k_response_overhead = 160;

/// About how many bytes `j` takes as JSON text — what a link's size-driven
/// toxics need — without writing it out (strings count unescaped; numbers
/// as eight characters).
std::size_t wire_size(const json& j) {
    switch (j.type()) {
    case json::value_t::object: {
        std::size_t n = 2;
        for (const auto& [k, v] : j.items()) n += k.size() + 4 + wire_size(v);
        return n;
    }
    case json::value_t::array: {
        std::size_t n = 2;
        for (const auto& v : j) n += 1 + wire_size(v);
        return n;
    }
    case json::value_t::string: return j.get_ref<const std::string&>().size() + 2;
    case json::value_t::null: return 4;
    case json::value_t::boolean: return 5;
    default: return 8;
    }
}

}  // namespace

VirtualGateway::VirtualGateway(sim::Simulation& sim, server::Config config) : m_sim(sim), m_state(std::move(config)) {
    m_state.add_key({std::string(k_admin_key), "twin-platform-secret", server::Role::admin});
}

void VirtualGateway::add_kiosk_key(const std::string& key_id) {
    m_state.add_key({key_id, key_id + "-secret", server::Role::kiosk});
}

json VirtualGateway::admin(std::string_view method, std::string target, json body) {
    server::Request r;
    r.method = std::string(method);
    r.target = std::move(target);
    r.peer_key_id = std::string(k_admin_key);
    if (method != "GET") r.json = body.is_null() ? json::object() : std::move(body);
    server::Response resp = server::handle_request(r, m_state, m_sim.now());
    if (!resp.envelope.is_null()) return std::move(resp.envelope);
    return json::parse(resp.body, nullptr, false);
}

void VirtualGateway::crash_for(sim::Duration downtime) {
    ++m_crashes;
    m_down_until = std::max(m_down_until, m_sim.now() + downtime);
}

// --- the transport ----------------------------------------------------------------

struct VirtualGatewayTransport::Sink final : link::ConnectionSink {
    std::uint64_t bytes[2] = {0, 0};
    bool closed[2] = {false, false};
    bool reset[2] = {false, false};
    void on_output(Direction d, link::Chunk&& c) override {
        const std::size_t i = link::index(d);
        switch (c.kind) {
        case link::ChunkKind::data: bytes[i] += c.size; break;
        case link::ChunkKind::eof: break;
        case link::ChunkKind::close: closed[i] = true; break;
        case link::ChunkKind::reset: reset[i] = reset[1 - i] = true; break;
        }
    }
};

VirtualGatewayTransport::VirtualGatewayTransport(VirtualGateway& gateway, std::string key_id, link::Link* link)
    : m_gateway(gateway), m_key_id(std::move(key_id)), m_link(link) {}

VirtualGatewayTransport::~VirtualGatewayTransport() = default;

server::Request VirtualGatewayTransport::make(const kiosk::GatewayRequest& r) const {
    server::Request q;
    q.method = std::string(r.method);
    q.target = r.target;
    q.peer_key_id = m_key_id;
    if (!r.body.is_null()) q.json = r.body;
    if (!r.idempotency_key.empty()) q.headers.emplace("idempotency-key", r.idempotency_key);
    return q;
}

GatewayReply VirtualGatewayTransport::reply_of(server::Response&& r) const {
    return r.envelope.is_null() ? GatewayReply::from_text(r.status, r.body) : GatewayReply::from_envelope(r.status, r.envelope);
}

sim::Process<GatewayReply> VirtualGatewayTransport::send(const kiosk::GatewayRequest& request, sim::Duration timeout) {
    sim::Simulation& s = m_gateway.m_sim;
    const sim::Time deadline = s.now() + timeout;
    const std::uint64_t crashes = m_gateway.m_crashes;
    auto failed = [](ChannelError e) {
        GatewayReply r;
        r.transport = e;
        return r;
    };
    if (!m_gateway.up()) co_return failed(ChannelError::refused);

    const bool ideal = m_link == nullptr ||
                       (m_link->enabled() && !m_link->has_toxics() && m_link->next_schedule_change() == sim::end_of_time);
    if (ideal) {
        ++m_gateway.m_calls;
        server::Response r = server::handle_request(make(request), m_gateway.m_state, s.now());
        if (r.delay > timeout) {
            co_await s.delay(timeout);
            co_return failed(ChannelError::timeout);
        }
        if (r.delay > sim::Duration::zero()) co_await s.delay(r.delay);
        // The gateway died while its back end worked: the change is durable,
        // the answer is lost.
        if (m_gateway.m_crashes != crashes) co_return failed(ChannelError::reset);
        co_return reply_of(std::move(r));
    }

    // Through the link: one connection per call.
    Sink sink;
    link::Connection* c = m_link->open(s.now(), &sink);
    if (c == nullptr) co_return failed(ChannelError::refused);
    struct Closer {
        link::Link& l;
        link::Connection& c;
        ~Closer() { l.close(c); }
    } closer{*m_link, *c};

    // Moves time forward until `n` bytes of direction d have arrived; none, or why not.
    auto pump = [&](Direction d, std::uint64_t n) -> sim::Process<ChannelError> {
        const std::size_t i = link::index(d);
        for (;;) {
            if (sink.reset[i]) co_return ChannelError::reset;
            if (sink.bytes[i] >= n) co_return ChannelError::none;
            if (sink.closed[i]) co_return ChannelError::closed;
            if (m_gateway.m_crashes != crashes) co_return ChannelError::reset;
            if (s.now() >= deadline) co_return ChannelError::timeout;
            sim::Time t = std::min({c->next_wakeup(), m_link->next_schedule_change(), deadline});
            co_await s.delay_until(t);
            m_link->apply_schedules(s.now());
            c->advance(s.now());
        }
    };

    const std::uint32_t up = k_request_overhead +
                             static_cast<std::uint32_t>(request.body.is_null() ? 0 : wire_size(request.body));
    c->on_sized(Direction::upstream, s.now(), up);
    if (ChannelError e = co_await pump(Direction::upstream, up); e != ChannelError::none) co_return failed(e);
    if (!m_gateway.up()) co_return failed(ChannelError::reset);

    ++m_gateway.m_calls;
    server::Response r = server::handle_request(make(request), m_gateway.m_state, s.now());
    if (r.delay > sim::Duration::zero()) {
        if (s.now() + r.delay > deadline) {
            co_await s.delay_until(deadline);
            co_return failed(ChannelError::timeout);
        }
        co_await s.delay(r.delay);
    }
    if (m_gateway.m_crashes != crashes) co_return failed(ChannelError::reset);
    const std::uint32_t down = k_response_overhead + static_cast<std::uint32_t>(
                                                         r.body.empty() ? wire_size(r.envelope) : r.body.size());
    c->on_sized(Direction::downstream, s.now(), down);
    if (ChannelError e = co_await pump(Direction::downstream, down); e != ChannelError::none) co_return failed(e);
    co_return reply_of(std::move(r));
}

}  // namespace kiosktwin::world
