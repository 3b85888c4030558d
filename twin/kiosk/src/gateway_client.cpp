#include <kiosktwin/kiosk/gateway_client.hpp>

#include <kiosktwin/api/envelope.hpp>

#include <utility>

namespace kiosktwin::kiosk {

namespace {

template <class Parse>
GatewayReply read_envelope(int http_status, Parse&& parse) {
    GatewayReply out;
    out.http_status = http_status;
    try {
        api::Envelope e = parse();
        out.code = e.code;
        out.error = std::move(e.error_id);
        out.msg = std::move(e.msg);
        out.data = std::move(e.data);
    } catch (const api::MalformedEnvelope& ex) {
        out.code = -1;
        out.error = "malformed-envelope";
        out.msg = ex.what();
    }
    return out;
}

}  // namespace

GatewayReply GatewayReply::from_text(int http_status, std::string_view body) {
    return read_envelope(http_status, [&] { return api::envelope::parse_text(body); });
}

GatewayReply GatewayReply::from_envelope(int http_status, const nlohmann::json& envelope) {
    return read_envelope(http_status, [&] { return api::envelope::parse(envelope); });
}


std::string GatewayReply::reason() const {
    switch (transport) {
    case ChannelError::none: break;
    case ChannelError::timeout: return "gateway-timeout";
    default: return "link-down";
    }
    if (code == 0) return {};
    return error.empty() ? std::string("error-").append(std::to_string(code)) : error;
}

GatewayClient::GatewayClient(GatewayTransport& transport, GatewayOptions options)
    : m_transport(transport), m_options(options) {}

sim::Process<GatewayReply> GatewayClient::get(std::string target) {
    return call(GatewayRequest{"GET", std::move(target), nullptr, {}}, true);
}

sim::Process<GatewayReply> GatewayClient::post(std::string target, nlohmann::json body, std::string key, Retry retry) {
    const bool may_retry = !key.empty() || retry == Retry::safe;
    return call(GatewayRequest{"POST", std::move(target), std::move(body), std::move(key)}, may_retry);
}

sim::Process<GatewayReply> GatewayClient::call(GatewayRequest request, bool retry) {
    ++m_counters.calls;
    sim::Simulation& s = m_transport.sim();
    const int limit = retry ? std::max(1, m_options.attempts) : 1;
    sim::Duration pause = m_options.backoff;
    GatewayReply reply;
    for (int attempt = 1;; ++attempt) {
        ++m_counters.attempts;
        reply = co_await m_transport.send(request, m_options.timeout);
        reply.attempts = attempt;
        m_reachable = !reply.unreachable();
        if (reply.unreachable()) ++m_counters.unreachable;
        if (!reply.transient() || attempt >= limit) break;
        co_await s.delay(pause);
        pause *= 2;
    }
    if (!reply.ok() && !reply.unreachable()) ++m_counters.errors;
    co_return reply;
}

}  // namespace kiosktwin::kiosk
