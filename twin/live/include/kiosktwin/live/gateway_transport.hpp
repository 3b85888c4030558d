// The kiosk's way to the live gateway (`kiosktwin gateway`, or the one inside
// `kiosktwin serve`): signed HTTP (api/signing.hpp, R-8.1-1) through the
// kiosk's link proxy when the bench lists one, else straight to the gateway.
// The envelope comes back parsed into a kiosk::GatewayReply; no answer at all
// is a transport error (refused, closed, reset, timeout), never an exception.
//
// The signature's timestamp is the wall clock on the platform's calendar
// (GB/T 7408, +08:00): the gateway checks it against its own clock, whatever
// the pacer's speed does to the kiosk's virtual time. Nonces are random per
// transport and counted, so two runs of a kiosk never reuse one.
//
// The same class carries the platform's own calls (the payment channel's
// callback, a department's decision) signed with an admin key: send_detached
// runs outside the simulation, its answer handed to a callback on the I/O
// thread.
#pragma once

#include <kiosktwin/kiosk/gateway_client.hpp>
#include <kiosktwin/live/pacer.hpp>
#include <kiosktwin/sim/calendar.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::live {

namespace detail {
class HttpClient;
}

/// A key the platform issued: {"key_id", "secret", "role": "kiosk"|"admin"}.
struct SigningKey {
    std::string key_id;
    std::string secret;
    std::string role;
};

/// The keys of a keys file ({"keys": [...]}, assets/gateway/keys.json).
/// Throws std::invalid_argument naming the member at fault.
std::vector<SigningKey> keys_from_json(const nlohmann::json& doc);
/// Reads and parses a keys file. Throws std::invalid_argument (naming the file).
std::vector<SigningKey> load_keys(const std::string& path);
/// The kiosk key id of a bench kiosk: "kiosk-1" -> "kiosk-0001"; nullopt if
/// the name is not kiosk-<n>.
std::optional<std::string> kiosk_key_id(std::string_view kiosk);
/// The key with that id, or the first one of `role` when key_id is empty; nullptr if none.
const SigningKey* find_key(const std::vector<SigningKey>& keys, std::string_view key_id, std::string_view role = {});

/// The platform's virtual time now: the wall clock placed on `calendar`, as
/// the live gateway reads its own (for timestamps and e-ID expiries).
sim::Time platform_now(const sim::Calendar& calendar = {});

class LiveGatewayTransport final : public kiosk::GatewayTransport {
public:
    /// Requests to `base_url` ("http://127.0.0.1:9108": the kiosk's link
    /// proxy or the gateway), signed with `key`. Throws std::invalid_argument
    /// for a URL that is not http://host:port.
    LiveGatewayTransport(LivePacer& pacer, const std::string& base_url, SigningKey key, sim::Calendar calendar = {});
    ~LiveGatewayTransport() override;

    sim::Simulation& sim() noexcept override { return m_pacer.sim(); }
    /// One attempt, at most `timeout` of virtual time.
    sim::Process<kiosk::GatewayReply> send(const kiosk::GatewayRequest& request, sim::Duration timeout) override;
    /// One attempt outside the simulation (no timeout of its own beyond the
    /// connection's); `done` runs on the I/O thread.
    void send_detached(const kiosk::GatewayRequest& request, std::function<void(kiosk::GatewayReply)> done);

    const SigningKey& key() const noexcept { return m_key; }
    const std::string& base_url() const noexcept { return m_base; }
    std::uint64_t calls() const noexcept { return m_calls; }

    /// The signed HTTP request for `request` (headers included), as sent.
    devices::HttpRequest sign(const kiosk::GatewayRequest& request);
    /// The reply an HTTP answer (or its absence) makes.
    static kiosk::GatewayReply reply_of(kiosk::ChannelError error, const devices::HttpResponse& response);

private:
    LivePacer& m_pacer;
    std::string m_base;
    SigningKey m_key;
    sim::Calendar m_calendar;
    std::unique_ptr<detail::HttpClient> m_client;
    std::string m_nonce_prefix;
    std::uint64_t m_nonces = 0;
    std::uint64_t m_calls = 0;
};

}  // namespace kiosktwin::live
