#include <kiosktwin/live/gateway_transport.hpp>

#include "http_client.hpp"

#include <kiosktwin/api/signing.hpp>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace kiosktwin::live {

using kiosk::ChannelError;
using kiosk::GatewayReply;
using nlohmann::json;

std::vector<SigningKey> keys_from_json(const json& doc) {
    if (!doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array())
        throw std::invalid_argument("/keys: expected an array of keys");
    std::vector<SigningKey> out;
    for (std::size_t i = 0; i < doc["keys"].size(); ++i) {
        const json& k = doc["keys"][i];
        const std::string at = "/keys/" + std::to_string(i);
        if (!k.is_object()) throw std::invalid_argument(at + ": expected an object");
        for (const char* member : {"key_id", "secret"})
            if (!k.contains(member) || !k[member].is_string() || k[member].get<std::string>().empty())
                throw std::invalid_argument(at + "/" + member + ": expected a non-empty string");
        out.push_back({k["key_id"].get<std::string>(), k["secret"].get<std::string>(), k.value("role", std::string("kiosk"))});
    }
    return out;
}

std::vector<SigningKey> load_keys(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::invalid_argument(path + ": cannot open the keys file");
    std::ostringstream ss;
    ss << in.rdbuf();
    const json doc = json::parse(ss.str(), nullptr, false);
    if (doc.is_discarded()) throw std::invalid_argument(path + ": not JSON");
    try {
        return keys_from_json(doc);
    } catch (const std::invalid_argument& e) {
        throw std::invalid_argument(path + ": " + e.what());
    }
}

std::optional<std::string> kiosk_key_id(std::string_view kiosk) {
    constexpr std::string_view prefix = "kiosk-";
    if (!kiosk.starts_with(prefix)) return std::nullopt;
    const std::string_view digits = kiosk.substr(prefix.size());
    unsigned n = 0;
    const auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    if (ec != std::errc() || p != digits.data() + digits.size() || n == 0 || n > 9999) return std::nullopt;
    char id[16];
    std::snprintf(id, sizeof id, "kiosk-%04u", n);
    return std::string(id);
}

const SigningKey* find_key(const std::vector<SigningKey>& keys, std::string_view key_id, std::string_view role) {
    for (const SigningKey& k : keys) {
        if (!key_id.empty() && k.key_id == key_id) return &k;
        if (key_id.empty() && k.role == role) return &k;
    }
    return nullptr;
}

sim::Time platform_now(const sim::Calendar& calendar) {
    // The live gateway's clock: virtual time = the wall clock minus the calendar's epoch.
    const auto unix0 = calendar.parse_iso8601("1970-01-01T00:00:00Z");
    const auto since = std::chrono::duration_cast<sim::Duration>(std::chrono::system_clock::now().time_since_epoch());
    return unix0.value_or(sim::Time{}) + since;
}

LiveGatewayTransport::LiveGatewayTransport(LivePacer& pacer, const std::string& base_url, SigningKey key,
                                           sim::Calendar calendar)
    : m_pacer(pacer), m_base(base_url), m_key(std::move(key)), m_calendar(calendar) {
    const detail::Url u = detail::parse_url(base_url);
    if (!u.path.empty() && u.path != "/") throw std::invalid_argument("the gateway URL must have no path: " + base_url);
    m_client = std::make_unique<detail::HttpClient>(pacer.io(), u.host, u.port);
    // A random prefix per transport: nonces stay unique across runs of the same key.
    static constexpr char k_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::random_device rd;
    std::uniform_int_distribution<int> pick(0, 61);
    for (int i = 0; i < 16; ++i) m_nonce_prefix.push_back(k_alphabet[pick(rd)]);
}

LiveGatewayTransport::~LiveGatewayTransport() = default;

devices::HttpRequest LiveGatewayTransport::sign(const kiosk::GatewayRequest& request) {
    devices::HttpRequest h;
    h.method = std::string(request.method);
    h.target = request.target;
    if (!request.body.is_null()) {
        h.body = request.body.dump();
        h.headers["content-type"] = "application/json";
    }
    if (!request.idempotency_key.empty()) h.headers["idempotency-key"] = request.idempotency_key;
    std::string nonce = m_nonce_prefix;
    nonce.push_back('-');
    nonce.append(std::to_string(++m_nonces));
    // Whole milliseconds: the gateway's window is ±300 s, finer adds nothing.
    const sim::Time now = platform_now(m_calendar);
    const sim::Time stamp{std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch())};
    const api::SignedHeaders s = api::sign({h.method, h.target, h.body}, m_key.key_id, m_key.secret,
                                           m_calendar.iso8601(stamp), std::move(nonce), api::preferred_method());
    for (auto& [name, value] : s.to_map()) h.headers[name] = value;
    h.headers["accept"] = "application/json";
    return h;
}

GatewayReply LiveGatewayTransport::reply_of(ChannelError error, const devices::HttpResponse& response) {
    GatewayReply out;
    if (error != ChannelError::none) {
        out.transport = error;
        return out;
    }
    return GatewayReply::from_text(response.status, response.body);
}

sim::Process<GatewayReply> LiveGatewayTransport::send(const kiosk::GatewayRequest& request, sim::Duration timeout) {
    ++m_calls;
    kiosk::HttpResult r = co_await detail::request_in_sim(m_pacer, *m_client, sign(request), timeout);
    co_return reply_of(r.error, r.response);
}

void LiveGatewayTransport::send_detached(const kiosk::GatewayRequest& request, std::function<void(GatewayReply)> done) {
    ++m_calls;
    m_client->send(sign(request), [done = std::move(done)](ChannelError e, devices::HttpResponse r) {
        if (done) done(reply_of(e, r));
    });
}

}  // namespace kiosktwin::live
