// The citizen's hands on live hardware, and the platform's people behind a
// live kiosk.
//
// LiveHands performs a scripted citizen's physical actions — insert a card,
// hold up a QR code, stand before the camera, lay a page on the document
// camera, take the receipt — through `kiosktwin serve`'s control API
// (POST /devices/{id}/actions, the same JSON as world::VirtualHands), and
// pays through the gateway's payment-channel callback (POST
// /admin/v1/payments/{id}/paid, signed with an admin key). Each call is
// asynchronous on the pacer's io_context; the simulation is held (not the
// thread) until the action is acknowledged or `ack_timeout` of wall time
// passes, so the kiosk never looks for a card the hand has not yet put down
// — in virtual time the hand is instantaneous, and it must look so live.
// A failed action is logged and counted, never thrown.
//
// LiveBackOffice is the local back office world::KioskRig keeps beside a
// virtual kiosk: it decides the local 即办 items (depth "full" or "print")
// the kiosk submits, `delay` after the submission, by admin calls through
// the gateway — never a cross-region 办件, which is decided where it is
// handled (R-7.5-1).
#pragma once

#include <kiosktwin/kiosk/citizen.hpp>
#include <kiosktwin/kiosk/kiosk.hpp>
#include <kiosktwin/live/endpoints.hpp>
#include <kiosktwin/live/gateway_transport.hpp>
#include <kiosktwin/live/pacer.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::live {

namespace detail {
class HttpClient;
}

using LogFn = std::function<void(const std::string&)>;

class LiveHands final : public kiosk::Hands {
public:
    /// Actions go to the control API at endpoints.control, on the devices
    /// `endpoints` lists; payments through `platform` (an admin-keyed
    /// transport; null: pay() only logs). Throws std::invalid_argument if
    /// the control URL is missing or malformed.
    LiveHands(LivePacer& pacer, const KioskEndpoints& endpoints, LiveGatewayTransport* platform, LogFn log = {});
    ~LiveHands() override;

    void insert_card(const kiosk::CitizenIdentity& who) override;
    void remove_card() override;
    void present_face(const kiosk::CitizenIdentity& who, bool live) override;
    void leave_camera() override;
    void place_document(std::string_view material) override;
    void show_qr(std::string_view payload) override;
    void take_receipt() override;
    void take_certificate() override;
    void pay(std::string_view payment_id) override;

    /// Any control action ({"action": ...}) on the device of `kind`, holding
    /// the simulation until it is acknowledged. False if no such device.
    bool act(std::string_view kind, nlohmann::json action);

    /// The longest a hold lasts (wall time) before the action counts as failed.
    std::chrono::milliseconds ack_timeout{5000};
    std::uint64_t actions() const noexcept { return m_actions; }
    std::uint64_t failures() const noexcept { return m_failures; }

private:
    void held_call(std::function<void(std::function<void(bool, std::string)>)> start, std::string what);
    LivePacer& m_pacer;
    KioskEndpoints m_endpoints;
    LiveGatewayTransport* m_platform;
    LogFn m_log;
    std::unique_ptr<detail::HttpClient> m_control;
    std::shared_ptr<bool> m_alive;
    std::uint64_t m_actions = 0;
    std::uint64_t m_failures = 0;
};

class LiveBackOffice {
public:
    /// Watches `kiosk`'s "submitted:<case>" events; decides with `platform`
    /// (admin key). Both must outlive this object.
    LiveBackOffice(LivePacer& pacer, LiveGatewayTransport& platform, kiosk::Kiosk& kiosk,
                   sim::Duration delay = std::chrono::seconds(1), LogFn log = {});
    ~LiveBackOffice();
    LiveBackOffice(const LiveBackOffice&) = delete;
    LiveBackOffice& operator=(const LiveBackOffice&) = delete;

    /// 办件 decided so far.
    std::uint64_t decided() const noexcept { return m_decided; }

private:
    sim::Process<void> decide(std::string case_no);
    LivePacer& m_pacer;
    LiveGatewayTransport& m_platform;
    kiosk::Kiosk& m_kiosk;
    sim::Duration m_delay;
    LogFn m_log;
    sim::Connection m_connection;
    std::vector<sim::ProcessHandle<void>> m_work;
    std::uint64_t m_decided = 0;
};

}  // namespace kiosktwin::live
