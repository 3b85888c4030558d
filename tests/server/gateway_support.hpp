// Shared by the gateway's tests: a State with known keys, and a kiosk that
// signs its requests the way a real kiosk program must (api/signing.hpp).
#pragma once

#include <kiosktwin/api/signing.hpp>
#include <kiosktwin/server/router.hpp>
#include <kiosktwin/server/state.hpp>
#include <kiosktwin/services/population.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

namespace kiosktwin::server::test {

inline constexpr const char* k_kiosk_secret = "test-secret-kiosk";
inline constexpr const char* k_admin_secret = "test-secret-admin";

/// Keys kiosk-0001..kiosk-0008 (kiosk role) and admin-0001 (admin role).
inline Config test_config() {
    Config c;
    for (int i = 1; i <= 8; ++i) {
        char id[16];
        std::snprintf(id, sizeof id, "kiosk-%04d", i);
        c.keys.push_back({id, std::string(k_kiosk_secret) + id, Role::kiosk});
    }
    c.keys.push_back({"admin-0001", k_admin_secret, Role::admin});
    return c;
}

/// The first residents of the synthetic register (assets/population/): valid,
/// fictitious ID numbers for request bodies.
inline const std::vector<services::Resident>& people() {
    static const auto p = services::generate_population(1, 20);
    return p;
}

/// A signer for one key; nonces are fresh per signer ("n" + counter, padded).
struct Signer {
    std::string key_id;
    std::string secret;
    int counter = 0;
    api::SignatureMethod method = api::preferred_method();

    static Signer kiosk(int i) {
        char id[16];
        std::snprintf(id, sizeof id, "kiosk-%04d", i);
        return {id, std::string(k_kiosk_secret) + id};
    }
    static Signer admin() { return {"admin-0001", k_admin_secret}; }

    /// A signed request at virtual time `now` on `cal`.
    Request sign(const sim::Calendar& cal, sim::Time now, std::string method_, std::string target,
                 std::string body = {}) {
        Request r;
        r.method = std::move(method_);
        r.target = std::move(target);
        r.body = std::move(body);
        if (!r.body.empty()) r.headers["content-type"] = "application/json";
        char nonce[40];
        std::snprintf(nonce, sizeof nonce, "nonce-%s-%08d", key_id.c_str(), ++counter);
        const auto h = api::sign({r.method, r.target, r.body}, key_id, secret, cal.iso8601(now), nonce, method);
        for (const auto& [k, v] : h.to_map()) r.headers[k] = v;
        return r;
    }
    Request sign(const sim::Calendar& cal, sim::Time now, std::string method_, std::string target,
                 const nlohmann::json& body) {
        return sign(cal, now, std::move(method_), std::move(target), body.dump());
    }
};

/// An unsigned request.
inline Request plain(std::string method, std::string target, std::string body = {}) {
    Request r;
    r.method = std::move(method);
    r.target = std::move(target);
    r.body = std::move(body);
    if (!r.body.empty()) r.headers["content-type"] = "application/json";
    return r;
}

/// The response body as JSON (the envelope).
inline nlohmann::json envelope(const Response& r) { return nlohmann::json::parse(r.body); }

/// The stable error id of an error response ("" for success).
inline std::string error_id(const Response& r) {
    const auto j = envelope(r);
    return j["code"].get<int>() == 0 ? std::string() : j["data"]["error"].get<std::string>();
}

}  // namespace kiosktwin::server::test
