// The driver side of the kiosk's local HTTP device service on 127.0.0.1
// (R-8.3-1, protocol/local_service.hpp): one JSON request to
// `<prefix>/<op>`, the {code, msg, data} envelope decoded into an error
// keyword and the data, bounded retries of what is safe to retry, and the
// status poll that maps the device's own health to the driver's (R-7.2-1).
//
// LocalServiceDriver serves the signature pad, fingerprint sensor,
// social-security card reader and PIN pad as they are, through the generic
// call(); the cameras (cameras.hpp) build on it.
//
//     LocalServiceDriver pad(channel, "pin_pad");
//     auto r = co_await pad.call("start", R"({"pan":"6222020200001234567"})");
//     if (r.error == "key-not-loaded") ...   // and pad.status() is FAULT
//
// Error keywords (ServiceResult::error):
//   ""                  HTTP 2xx with code 0; `data` is the envelope's data
//   "no-service"        the connection was refused: nothing listens, the device is unplugged
//   "timeout"           no reply within the request's timeout
//   "connection-reset"  the connection broke (reset, closed) before the reply was complete
//   "bad-reply"         the reply is not the envelope (not JSON, no error code)
//   "unavailable"       HTTP 503 without the envelope (a proxy, a busy vendor service)
//   "absent"            503 device_absent: the service runs, the device is absent or disconnected
//   "citizen-timeout"   504 timeout: the device gave up waiting for the citizen
//   any other           the device's ServiceError name with '_' as '-': "not-open",
//                       "device-busy", "no-card", "pin-blocked", "hardware-error"...
//                       (`data` is then the envelope's "error" object: {"code", "message", "sw"...})
//
// Retries (at most LocalServiceOptions::retries, retry_delay apart) of:
//   a refused connection, HTTP 503 and 409 device_busy — the device did nothing;
//   a timeout or a broken connection — only when the call is idempotent: the
//   device may have acted (a PIN try spent, a signature started), and a
//   non-idempotent call is never sent twice.
//
// Status (R-7.2-1). poll() asks GET <prefix>/status and takes the device's
// "health" and "reasons" as they are; when that fails:
//   no-service (refused, after the retries)   ABSENT ["no-service"]
//   timeout                                   FAULT  ["no-reply"]
//   connection-reset, unavailable             FAULT  [the keyword]
//   anything else (not the envelope, 404...)  FAULT  ["bad-reply"]; a "kind" that is
//                                             not the driver's: FAULT ["wrong-device"]
// Operations add what they learn until the next poll:
//   "no-service" ABSENT ["no-service"];  "absent" ABSENT ["absent"];
//   "timeout" FAULT ["no-reply"];  "connection-reset", "bad-reply", "unavailable",
//   "hardware-error", "psam-missing", "key-not-loaded", "device-busy" FAULT [the keyword];
//   a successful reply after such evidence restores the last polled status
//   (OK if there was none). Other errors (no-card, citizen-timeout, invalid-field...)
//   are about the citizen or the call, not the device: the status stays.
#pragma once

#include <kiosktwin/kiosk/channel.hpp>
#include <kiosktwin/kiosk/drivers/driver.hpp>
#include <kiosktwin/sim/simulation.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::kiosk {

/// Timeouts and retry limits of a local-service driver.
struct LocalServiceOptions {
    sim::Duration timeout = std::chrono::seconds(2);              ///< one request of call()
    sim::Duration status_timeout = std::chrono::seconds(1);       ///< one request of poll()
    int retries = 2;                                              ///< re-sends after a transient failure
    sim::Duration retry_delay = std::chrono::milliseconds(200);   ///< pause before each re-send
};

/// How one call goes out.
struct CallOptions {
    bool idempotent = false;  ///< safe to send again when the reply was lost (the device may have acted)
    bool get = false;         ///< GET without a body instead of POST
    sim::Duration timeout{};  ///< per request; zero: LocalServiceOptions::timeout
};

/// The outcome of one call (after its retries).
struct ServiceResult {
    std::string error;    ///< "" or a keyword of the table above
    nlohmann::json data;  ///< the envelope's data; on a device error its "error" object
    std::string message;  ///< the device's message on an error (for logs; may be empty)
    int http_status = 0;  ///< 0 when no reply came
    ChannelError transport = ChannelError::none;  ///< of the last attempt
    int attempts = 0;     ///< requests sent
    bool ok() const noexcept { return error.empty(); }
};

class LocalServiceDriver : public Driver {
public:
    /// `kind` is the peripheral type the device reports ("pin_pad"); `channel`
    /// (prefix "/device/pinpad") must outlive the driver.
    LocalServiceDriver(HttpChannel& channel, std::string kind, LocalServiceOptions options = {});

    std::string_view kind() const noexcept override { return m_kind; }

    /// POST (or GET) <prefix>/<op> with `body` (JSON object text; empty = {}),
    /// retried as above. Counts one operation.
    sim::Process<ServiceResult> call(std::string op, std::string body = {}, CallOptions how = {});
    /// GET <prefix>/status: updates status() and returns its health.
    sim::Process<Health> poll() override;

    LocalServiceOptions& options() noexcept { return m_options; }
    const LocalServiceOptions& options() const noexcept { return m_options; }
    HttpChannel& channel() noexcept { return m_channel; }

protected:
    /// call() without counting an operation or learning status (for drivers built on this one).
    sim::Process<ServiceResult> exchange(std::string op, std::string body, CallOptions how);
    /// Updates the status from what an operation's result says about the device.
    void learn(const ServiceResult& r);
    /// Records status evidence found by an operation (kept until a success or a poll).
    void set_evidence(Health health, std::vector<std::string> reasons);
    /// Records a warning an operation found: WARN with the polled reasons and `reason`.
    void note_warning(const std::string& reason);
    /// The data of a successful status poll, for drivers that track more of it.
    virtual void on_status(const nlohmann::json& /*data*/) {}
    sim::Time now() noexcept { return m_channel.sim().now(); }

private:
    ServiceResult decode(HttpResult&& h) const;
    HttpChannel& m_channel;
    std::string m_kind;
    LocalServiceOptions m_options;
    struct Polled {
        Health health;
        std::vector<std::string> reasons;
    };
    std::optional<Polled> m_polled;  // the last status the device reported
    bool m_evidence = false;         // status() holds an operation's evidence, not m_polled
};

/// The driver keyword of a local-service error name ("device_busy" -> "device-busy").
std::string service_error_keyword(std::string_view code);

}  // namespace kiosktwin::kiosk
