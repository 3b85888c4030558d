// Calling device models directly in tests: HTTP requests without a host,
// actions and fault injections that must succeed.
#pragma once

#include <kiosktwin/devices/device.hpp>

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <string>

namespace kiosktwin::test {

/// An HTTP answer with its body parsed.
struct Answer {
    int status = 0;
    nlohmann::json body;
    sim::Duration delay{};
    devices::HttpResponse raw;
};

inline Answer call(devices::HttpDevice& d, sim::Time now, const std::string& method, const std::string& target,
                   const std::string& body = "") {
    devices::HttpRequest req;
    req.method = method;
    req.target = target;
    req.body = body;
    if (!body.empty()) req.headers["content-type"] = "application/json";
    Answer a;
    a.raw = d.handle(now, req);
    a.status = a.raw.status;
    a.delay = a.raw.delay;
    if (!a.raw.body.empty()) a.body = nlohmann::json::parse(a.raw.body);
    return a;
}

inline Answer post(devices::HttpDevice& d, sim::Time now, const std::string& target,
                   const nlohmann::json& body = nlohmann::json::object()) {
    return call(d, now, "POST", target, body.dump());
}

inline Answer get(devices::HttpDevice& d, sim::Time now, const std::string& target) {
    return call(d, now, "GET", target);
}

/// Performs an action that must succeed.
inline devices::ActionResult act(devices::Device& d, sim::Time now, const nlohmann::json& action) {
    const devices::ActionResult r = d.act(now, action);
    INFO(r.error);
    REQUIRE(r.ok);
    return r;
}

/// Injects a fault rule that must be accepted.
inline void fault(devices::Device& d, sim::Time now, nlohmann::json rule) {
    rule["action"] = "inject_fault";
    act(d, now, rule);
}

/// The error code of a failed local-service answer.
inline std::string error_code(const Answer& a) { return a.body["error"]["code"].get<std::string>(); }

}  // namespace kiosktwin::test
