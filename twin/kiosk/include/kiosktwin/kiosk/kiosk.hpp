// One kiosk's software stack (ARCHITECTURE.md, "twin/kiosk"): its drivers
// over the channels it is given, the gateway client, the catalogue copy, the
// session flow, the security rules and the management agent, publishing a
// screen model. The same object runs in virtual time inside the twin and
// live against `kiosktwin serve`: only the channels and the transport differ.
//
//     Kiosk k(sim, config, channels, transport, store);
//     k.start();                        // boot: register, catalogue, device polls; then serve
//     ... citizens read k.ui().screen() and touch; act on the devices ...
//     k.session_ended.connect(...);     // exactly one SessionOutcome per session
//
// The flow of a session (R-7.1-2): home → (query: item → guide, no login,
// R-5-2) | (handle: login by ID card, e-ID QR or manual entry → face check →
// item → 智能导办 questions and checklist (R-7.6-1) → form → materials
// (document camera, e-licence) → submit under an idempotency key → pay →
// print receipt and certificate → 好差评, voluntary). Each function whose
// device is FAULT or ABSENT is greyed out with its alternative (R-7.2-2).
// Idle timeout: a warning, then logout; logout empties the session store and
// temporary files (R-9.1-1). ID numbers are masked on screen, receipts and
// logs (R-9.3-1).
#pragma once

#include <kiosktwin/kiosk/catalogue.hpp>
#include <kiosktwin/kiosk/drivers/driver.hpp>
#include <kiosktwin/kiosk/channel.hpp>
#include <kiosktwin/kiosk/gateway_client.hpp>
#include <kiosktwin/kiosk/outcome.hpp>
#include <kiosktwin/kiosk/screen.hpp>
#include <kiosktwin/sim/signal.hpp>
#include <kiosktwin/sim/simulation.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::kiosk {

class IdCardReaderDriver;
class QrScannerDriver;
class ReceiptPrinterDriver;
class A4PrinterDriver;
class FaceCameraDriver;
class DocumentCameraDriver;

struct KioskConfig {
    std::string terminal_id = "KT-0001";
    std::string site = "政务服务大厅";
    std::string region = "440304";  ///< GB/T 2260, where the kiosk stands (a 跨域通办 receiving region)
    std::string nearby = "2号机";     ///< the kiosk to send citizens to when this one cannot (R-7.2-2)
    sim::Duration idle_timeout = std::chrono::seconds(60);   ///< no touch this long → warning (R-9.1-1)
    sim::Duration idle_warning = std::chrono::seconds(15);   ///< the warning's countdown → logout
    double accessible_factor = 2.0;                          ///< accessible mode: waits × this (R-5-4)
    sim::Duration device_patience = std::chrono::seconds(30);   ///< card, QR code, document, face
    sim::Duration payment_patience = std::chrono::seconds(120);
    sim::Duration payment_poll = std::chrono::seconds(2);
    sim::Duration certificate_wait = std::chrono::seconds(10);  ///< 即办: wait this long for the certificate
    sim::Duration heartbeat = std::chrono::seconds(60);
    sim::Duration device_poll = std::chrono::seconds(30);   ///< status polls between sessions
    sim::Duration outbox_retry = std::chrono::seconds(20);
    int log_upload_every = 10;  ///< heartbeats between log uploads
    GatewayOptions gateway;
};

/// The peripheral types this stack has drivers for (api::codes peripheral_type ids).
inline constexpr std::string_view k_driven_kinds[] = {"idcard_reader", "qr_scanner",  "receipt_printer",
                                                      "a4_printer",    "face_camera", "document_camera"};

/// The kiosk's hardware as its software sees it: one channel per device;
/// null = the kiosk has no such device (ABSENT).
struct KioskChannels {
    /// Cables a device of `kind` in its slot; false for a kind with no
    /// stream (or HTTP) slot here.
    bool attach(std::string_view kind, StreamChannel& channel) noexcept;
    bool attach(std::string_view kind, HttpChannel& channel) noexcept;

    StreamChannel* idcard = nullptr;
    StreamChannel* qr = nullptr;
    StreamChannel* receipt = nullptr;
    HttpChannel* a4 = nullptr;
    HttpChannel* face = nullptr;
    HttpChannel* document = nullptr;
    /// The touch screen (hardware too: it outlives a software restart, and
    /// citizens keep looking at it); null = the kiosk makes its own.
    Ui* ui = nullptr;
};

/// Counters for KPIs and the benchmark.
struct KioskCounters {
    std::uint64_t sessions = 0;
    std::uint64_t heartbeats = 0;
    std::uint64_t heartbeats_failed = 0;
    std::uint64_t commands = 0;
    std::uint64_t log_uploads = 0;
    std::uint64_t outbox_delivered = 0;
    std::uint64_t boots = 0;
};

class Kiosk {
public:
    Kiosk(sim::Simulation& sim, KioskConfig config, KioskChannels channels, GatewayTransport& transport,
          KioskStore& store);
    ~Kiosk();
    Kiosk(const Kiosk&) = delete;
    Kiosk& operator=(const Kiosk&) = delete;

    /// Boots (register, catalogue, device polls, recover a lost session) and
    /// serves sessions until stop() or crash().
    void start();
    /// Stops after the session in progress (a graceful shutdown).
    void stop() noexcept { m_stopping = true; }
    /// Kills the software at once, as a power cut or crash would: no
    /// outcome is recorded, nothing is cleaned up; the store keeps what it
    /// had. A new Kiosk on the same store recovers (R-9.1-1, exactly once).
    void crash();
    bool running() const noexcept;

    Ui& ui() noexcept { return *m_ui; }
    const Ui& ui() const noexcept { return *m_ui; }
    const Catalogue& catalogue() const noexcept { return m_catalogue; }
    GatewayClient& gateway() noexcept { return m_gateway; }
    const KioskConfig& config() const noexcept { return m_config; }
    KioskStore& store() noexcept { return m_store; }
    const KioskCounters& counters() const noexcept { return m_counters; }
    std::vector<const Driver*> drivers() const;
    bool registered() const noexcept { return m_registered; }
    bool locked() const noexcept { return m_locked; }
    const std::string& notice() const noexcept { return m_notice; }

    /// Exactly once per session, when it ends.
    sim::Signal<const SessionOutcome&> session_ended;
    /// Things that happen that are not pages: "voice:<text>", "help", "boot",
    /// "command:<kind>", "outbox:<case>"... (the accessible mode's voice prompts
    /// go here too, R-5-4).
    sim::Signal<std::string_view> events;

private:
    struct Impl;
    friend struct Impl;
    sim::Simulation& m_sim;
    KioskConfig m_config;
    KioskStore& m_store;
    GatewayClient m_gateway;
    std::unique_ptr<Ui> m_own_ui;
    Ui* m_ui;
    Catalogue m_catalogue;
    KioskCounters m_counters;
    bool m_registered = false;
    bool m_locked = false;
    bool m_stopping = false;
    std::string m_notice;
    std::unique_ptr<Impl> m;
};

}  // namespace kiosktwin::kiosk
