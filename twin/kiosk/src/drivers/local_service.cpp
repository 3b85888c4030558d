#include <kiosktwin/kiosk/drivers/local_service.hpp>

#include <kiosktwin/protocol/json_text.hpp>

#include <algorithm>
#include <utility>

namespace kiosktwin::kiosk {

using nlohmann::json;

namespace {

std::string_view transport_keyword(ChannelError e) noexcept {
    switch (e) {
    case ChannelError::none: return "";
    case ChannelError::refused: return "no-service";
    case ChannelError::timeout: return "timeout";
    case ChannelError::closed:
    case ChannelError::reset: return "connection-reset";
    }
    return "connection-reset";
}

// Whether sending again may help and cannot repeat what the device did.
bool worth_retrying(const ServiceResult& r, bool idempotent) noexcept {
    switch (r.transport) {
    case ChannelError::refused: return true;  // nothing was sent
    case ChannelError::timeout:
    case ChannelError::closed:
    case ChannelError::reset: return idempotent;
    case ChannelError::none: break;
    }
    // The service answers these before touching the device.
    return r.http_status == 503 || r.error == "device-busy";
}

std::optional<Health> parse_health(std::string_view s) noexcept {
    if (s == "OK") return Health::ok;
    if (s == "WARN") return Health::warn;
    if (s == "FAULT") return Health::fault;
    if (s == "ABSENT") return Health::absent;
    return std::nullopt;
}

}  // namespace

std::string service_error_keyword(std::string_view code) {
    if (code == "device_absent") return "absent";
    if (code == "timeout") return "citizen-timeout";  // "timeout" is a reply that did not come
    std::string k(code);
    std::replace(k.begin(), k.end(), '_', '-');
    return k;
}

LocalServiceDriver::LocalServiceDriver(HttpChannel& channel, std::string kind, LocalServiceOptions options)
    : m_channel(channel), m_kind(std::move(kind)), m_options(options) {}

ServiceResult LocalServiceDriver::decode(HttpResult&& h) const {
    ServiceResult r;
    r.transport = h.error;
    if (h.error != ChannelError::none) {
        r.error = transport_keyword(h.error);
        return r;
    }
    r.http_status = h.response.status;
    json j = protocol::try_parse_json(h.response.body).value_or(json());
    const bool ok_status = r.http_status >= 200 && r.http_status < 300;
    if (j.is_object()) {
        const auto code = j.find("code");
        if (ok_status && code != j.end() && code->is_number_integer() && code->get<long long>() == 0) {
            const auto data = j.find("data");
            r.data = data != j.end() ? std::move(*data) : json::object();
            return r;
        }
        const auto err = j.find("error");
        if (err != j.end() && err->is_object()) {
            const auto name = err->find("code");
            if (name != err->end() && name->is_string()) {
                r.error = service_error_keyword(name->get_ref<const std::string&>());
                if (const auto m = err->find("message"); m != err->end() && m->is_string())
                    r.message = m->get<std::string>();
                r.data = std::move(*err);
                return r;
            }
        }
    }
    r.error = r.http_status == 503 ? "unavailable" : "bad-reply";
    return r;
}

sim::Process<ServiceResult> LocalServiceDriver::exchange(std::string op, std::string body, CallOptions how) {
    const sim::Duration timeout = how.timeout > sim::Duration::zero() ? how.timeout : m_options.timeout;
    std::string target;
    target.reserve(m_channel.prefix().size() + 1 + op.size());
    target.append(m_channel.prefix()).push_back('/');
    target.append(op);
    if (!how.get && body.empty()) body = "{}";
    ServiceResult r;
    for (int attempt = 0;; ++attempt) {
        devices::HttpRequest req;
        req.method = how.get ? "GET" : "POST";
        const bool last = attempt >= m_options.retries;
        req.target = last ? std::move(target) : target;
        if (!how.get) {
            req.body = last ? std::move(body) : body;  // kept for a re-send until the last one
            req.headers.emplace("content-type", "application/json");
        }
        HttpResult h = co_await m_channel.request(std::move(req), timeout);
        if (h.error == ChannelError::timeout) ++m_counters.timeouts;
        r = decode(std::move(h));
        r.attempts = attempt + 1;
        if (r.ok() || last || !worth_retrying(r, how.idempotent)) break;
        ++m_counters.retries;
        co_await m_channel.sim().delay(m_options.retry_delay);
    }
    co_return r;
}

sim::Process<ServiceResult> LocalServiceDriver::call(std::string op, std::string body, CallOptions how) {
    ++m_counters.operations;
    ServiceResult r = co_await exchange(std::move(op), std::move(body), how);
    if (!r.ok()) ++m_counters.failures;
    learn(r);
    co_return r;
}

void LocalServiceDriver::set_evidence(Health health, std::vector<std::string> reasons) {
    m_evidence = true;
    set_status(now(), health, std::move(reasons));
}

void LocalServiceDriver::note_warning(const std::string& reason) {
    std::vector<std::string> reasons;
    if (m_polled && m_polled->health == Health::warn) reasons = m_polled->reasons;
    if (std::find(reasons.begin(), reasons.end(), reason) == reasons.end()) reasons.push_back(reason);
    set_evidence(Health::warn, std::move(reasons));
}

void LocalServiceDriver::learn(const ServiceResult& r) {
    if (r.ok()) {
        if (m_evidence || !m_polled) {
            m_evidence = false;
            if (m_polled) set_status(now(), m_polled->health, m_polled->reasons);
            else set_status(now(), Health::ok, {});
        }
        return;
    }
    const std::string& e = r.error;
    if (e == "no-service" || e == "absent") {
        set_evidence(Health::absent, {e});
    } else if (e == "timeout") {
        set_evidence(Health::fault, {"no-reply"});
    } else if (e == "connection-reset" || e == "bad-reply" || e == "unavailable" || e == "hardware-error" ||
               e == "psam-missing" || e == "key-not-loaded" || e == "device-busy") {
        set_evidence(Health::fault, {e});
    }
}

sim::Process<Health> LocalServiceDriver::poll() {
    ++m_counters.polls;
    const CallOptions how{.idempotent = true, .get = true, .timeout = m_options.status_timeout};
    ServiceResult r = co_await exchange("status", {}, how);
    if (r.ok()) {
        const auto health = r.data.is_object() ? r.data.find("health") : r.data.end();
        std::optional<Health> h;
        if (health != r.data.end() && health->is_string()) h = parse_health(health->get_ref<const std::string&>());
        const auto kind = r.data.is_object() ? r.data.find("kind") : r.data.end();
        if (!h) {
            set_evidence(Health::fault, {"bad-reply"});
        } else if (kind != r.data.end() && kind->is_string() && kind->get_ref<const std::string&>() != m_kind) {
            set_evidence(Health::fault, {"wrong-device"});
        } else {
            std::vector<std::string> reasons;
            if (const auto rs = r.data.find("reasons"); rs != r.data.end() && rs->is_array()) {
                reasons.reserve(rs->size());
                for (const auto& x : *rs)
                    if (x.is_string()) reasons.push_back(x.get<std::string>());
            }
            m_polled = Polled{*h, reasons};
            m_evidence = false;
            set_status(now(), *h, std::move(reasons));
            on_status(r.data);
        }
        co_return m_status.health;
    }
    if (r.error == "no-service") set_evidence(Health::absent, {"no-service"});
    else if (r.error == "timeout") set_evidence(Health::fault, {"no-reply"});
    else if (r.error == "connection-reset" || r.error == "unavailable") set_evidence(Health::fault, {r.error});
    else set_evidence(Health::fault, {"bad-reply"});
    co_return m_status.health;
}

}  // namespace kiosktwin::kiosk
