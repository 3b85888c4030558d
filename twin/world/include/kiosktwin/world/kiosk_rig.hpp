// One kiosk in the twin, whole: its emulated hardware (device models from
// the registry on a VirtualDeviceHost, cabled through virtual channels), its
// network link to the platform, its disk (KioskStore) and its software stack
// (kiosk::Kiosk) — plus the citizen's hands on that hardware and the local
// back office that decides 即办 items at once. Tests, the kiosk benchmark and
// the exactly-once oracle build on it; the site world (issue 8) places many.
#pragma once

#include <kiosktwin/devices/a4_printer.hpp>
#include <kiosktwin/devices/cameras.hpp>
#include <kiosktwin/devices/idcard_reader.hpp>
#include <kiosktwin/devices/qr_scanner.hpp>
#include <kiosktwin/devices/receipt_printer.hpp>
#include <kiosktwin/kiosk/citizen.hpp>
#include <kiosktwin/kiosk/device_host.hpp>
#include <kiosktwin/kiosk/kiosk.hpp>
#include <kiosktwin/kiosk/virtual_channels.hpp>
#include <kiosktwin/link/link.hpp>
#include <kiosktwin/sim/signal.hpp>
#include <kiosktwin/world/virtual_gateway.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace kiosktwin::world {

struct KioskRigOptions {
    std::uint64_t seed = 1;
    kiosk::KioskConfig config;       ///< terminal_id names the kiosk, its devices and its key
    bool link = true;                ///< a link model between kiosk and gateway (else a perfect path)
    /// Per device kind, the model's configuration (registry JSON); a kind set
    /// to false is not fitted (the kiosk has no such device: ABSENT).
    nlohmann::json devices = nlohmann::json::object();
    bool instant_back_office = true; ///< decide local 即办 (full / print) items at once
    sim::Duration decision_delay = std::chrono::seconds(1);
};

class KioskRig;

/// The citizen's hands on a rig's devices, and their phone for payments.
class VirtualHands final : public kiosk::Hands {
public:
    explicit VirtualHands(KioskRig& rig) : m_rig(rig) {}
    void insert_card(const kiosk::CitizenIdentity& who) override;
    void remove_card() override;
    void present_face(const kiosk::CitizenIdentity& who, bool live) override;
    void leave_camera() override;
    void place_document(std::string_view material) override;
    void show_qr(std::string_view payload) override;
    void take_receipt() override;
    void take_certificate() override;
    void pay(std::string_view payment_id) override;

    /// The receipt the citizen last took from the slot, as the printer
    /// rendered it ({"text", "lines", ...}), null before any.
    const nlohmann::json& last_receipt() const noexcept { return m_last_receipt; }

private:
    KioskRig& m_rig;
    nlohmann::json m_last_receipt;
};

class KioskRig {
public:
    KioskRig(sim::Simulation& sim, VirtualGateway& gateway, KioskRigOptions options);
    ~KioskRig();
    KioskRig(const KioskRig&) = delete;
    KioskRig& operator=(const KioskRig&) = delete;

    /// Boots the kiosk software.
    void start();
    /// The software dies and a new instance boots on the same disk and hardware.
    void restart();
    /// The power goes (or the program hangs past its watchdog): the software
    /// dies and the screen goes dark (an out-of-service page with no
    /// buttons); nothing runs until power_on(). A no-op when off.
    void power_off();
    /// Power returns: a new instance boots on the same disk. A no-op when on.
    void power_on();
    bool powered() const noexcept { return m_powered; }
    /// Emitted after a new software instance started (restart, power_on):
    /// whoever listened to the old kiosk() connects to the new one.
    sim::Signal<KioskRig&> rebooted;

    kiosk::Kiosk& kiosk() noexcept { return *m_kiosk; }
    /// The touch screen: hardware, the same across restarts.
    kiosk::Ui& ui() noexcept { return m_ui; }
    kiosk::KioskStore& store() noexcept { return m_store; }
    kiosk::VirtualDeviceHost& host() noexcept { return m_host; }
    link::Link* link() noexcept { return m_link.get(); }
    VirtualGateway& gateway() noexcept { return m_gateway; }
    VirtualHands& hands() noexcept { return m_hands; }
    sim::Simulation& sim() noexcept { return m_sim; }
    const std::string& terminal_id() const noexcept { return m_options.config.terminal_id; }

    /// The fitted device of a kind (nullptr if not fitted).
    devices::Device* device(std::string_view kind) noexcept;
    devices::IdCardReader* idcard() noexcept { return m_idcard; }
    devices::QrScanner* qr() noexcept { return m_qr; }
    devices::ReceiptPrinter* receipt() noexcept { return m_receipt; }
    devices::A4Printer* a4() noexcept { return m_a4; }
    devices::FaceCamera* face() noexcept { return m_face; }
    devices::DocumentCamera* document() noexcept { return m_document; }
    /// The cable / socket of a kind, for transport faults (nullptr if none).
    kiosk::VirtualStreamChannel* stream_channel(std::string_view kind) noexcept;
    kiosk::VirtualHttpChannel* http_channel(std::string_view kind) noexcept;

    /// A physical action or control request on a device ({"action": ...}).
    devices::ActionResult act(std::string_view kind, const nlohmann::json& action);

private:
    void decide(const std::string& case_no);
    kiosk::KioskChannels channels();
    sim::Simulation& m_sim;
    VirtualGateway& m_gateway;
    KioskRigOptions m_options;
    kiosk::VirtualDeviceHost m_host;
    std::vector<std::unique_ptr<devices::Device>> m_devices;
    devices::IdCardReader* m_idcard = nullptr;
    devices::QrScanner* m_qr = nullptr;
    devices::ReceiptPrinter* m_receipt = nullptr;
    devices::A4Printer* m_a4 = nullptr;
    devices::FaceCamera* m_face = nullptr;
    devices::DocumentCamera* m_document = nullptr;
    std::vector<std::unique_ptr<kiosk::VirtualStreamChannel>> m_streams;
    std::vector<std::unique_ptr<kiosk::VirtualHttpChannel>> m_https;
    std::unique_ptr<link::Link> m_link;
    std::unique_ptr<VirtualGatewayTransport> m_transport;
    kiosk::KioskStore m_store;
    kiosk::Ui m_ui;
    std::unique_ptr<kiosk::Kiosk> m_kiosk;
    /// Software instances that crashed: kept until their processes have
    /// unwound (a restart may happen inside a running simulation).
    std::vector<std::unique_ptr<kiosk::Kiosk>> m_crashed;
    VirtualHands m_hands{*this};
    bool m_powered = true;
    std::vector<sim::ProcessHandle<void>> m_back_office;
};

}  // namespace kiosktwin::world
