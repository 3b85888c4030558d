// One kiosk live, whole: the live counterpart of world::KioskRig. The same
// kiosk::Kiosk as in the twin, its drivers cabled to the devices `kiosktwin
// serve` hosts (pty, TCP, HTTP channels, through the bench's link proxies),
// its gateway client signing its way to the live gateway through the
// kiosk's link, a citizen's hands on the control API, and the local back
// office that decides 即办 items — all on one LivePacer, on one thread.
//
//     live::LiveKioskOptions o;
//     o.endpoints = live::KioskEndpoints::from_json(doc, "kiosk-1");
//     o.kiosk_key = ...; o.admin_key = ...;           // from assets/gateway/keys.json
//     live::LiveKiosk k(std::move(o));
//     k.ui().shown.connect([](const kiosk::Screen& s) { std::puts(s.to_text().c_str()); });
//     k.start();
//     k.run(std::chrono::seconds(10), [&] { return !k.kiosk().catalogue().empty(); });
//
// The simulation's clock starts at the platform's time (platform_now), so a
// live kiosk's virtual instants read as the gateway's civil time at speed 1.
#pragma once

#include <kiosktwin/kiosk/citizen.hpp>
#include <kiosktwin/kiosk/kiosk.hpp>
#include <kiosktwin/kiosk/outcome.hpp>
#include <kiosktwin/kiosk/screen.hpp>
#include <kiosktwin/live/endpoints.hpp>
#include <kiosktwin/live/gateway_transport.hpp>
#include <kiosktwin/live/hands.hpp>
#include <kiosktwin/live/http_channel.hpp>
#include <kiosktwin/live/pacer.hpp>
#include <kiosktwin/live/stream_channel.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::live {

struct LiveKioskOptions {
    KioskEndpoints endpoints;
    kiosk::KioskConfig config;             ///< terminal_id names the kiosk at the platform
    SigningKey kiosk_key;                  ///< the kiosk's own key
    std::optional<SigningKey> admin_key;   ///< for payments and the back office; none: neither
    LivePacerOptions pacer;
    bool back_office = true;               ///< decide local 即办 items (as world::KioskRig does)
    sim::Duration decision_delay = std::chrono::seconds(1);
    std::uint64_t seed = 1;                ///< the simulation's master seed
    /// The boot counter the kiosk's disk starts from. Idempotency keys carry
    /// it; a live kiosk keeps no disk between runs, so by default it starts
    /// from the platform clock's seconds and keys never repeat across runs.
    std::optional<std::uint64_t> boots;
    LogFn log;
};

class LiveKiosk {
public:
    /// Builds the channels for the devices the endpoints list, the transports,
    /// the kiosk software and the hands. Throws std::invalid_argument when
    /// the endpoints lack the gateway.
    explicit LiveKiosk(LiveKioskOptions options);
    /// The same, on a pacer (and its simulation) shared with other kiosks —
    /// many stacks on one thread (`kiosktwin serve --stacks`). The pacer's
    /// options in `options` are then unused.
    LiveKiosk(LiveKioskOptions options, LivePacer& shared);
    ~LiveKiosk();
    LiveKiosk(const LiveKiosk&) = delete;
    LiveKiosk& operator=(const LiveKiosk&) = delete;

    /// Boots the kiosk software (it runs once the pacer runs).
    void start();
    /// Runs the pacer (see LivePacer::run).
    PacerStop run(std::chrono::milliseconds limit = std::chrono::milliseconds::zero(),
                  const std::function<bool()>& until = {});

    /// A scripted citizen at the kiosk (who and script are copied); the
    /// process is kept, and interrupted if it is still going when the kiosk goes.
    sim::ProcessHandle<kiosk::CitizenResult> visit(const kiosk::CitizenIdentity& who, const kiosk::CitizenScript& script,
                                                   sim::Duration limit = std::chrono::hours(1));

    /// Touches typed on a terminal: each line read from `fd` (stdin) is a
    /// touch — a button id, then optionally "|" and text ("ok|13800000000").
    /// Stops at EOF. For a person driving the kiosk by hand, beside the
    /// control API's physical actions.
    void read_touches(int fd);

    sim::Simulation& sim() noexcept { return m_sim; }
    LivePacer& pacer() noexcept { return m_pacer; }
    kiosk::Kiosk& kiosk() noexcept { return *m_kiosk; }
    kiosk::Ui& ui() noexcept { return m_ui; }
    kiosk::KioskStore& store() noexcept { return m_store; }
    LiveHands& hands() noexcept { return *m_hands; }
    LiveGatewayTransport& transport() noexcept { return *m_transport; }
    const KioskEndpoints& endpoints() const noexcept { return m_options.endpoints; }
    /// Every session outcome so far, in order.
    const std::vector<kiosk::SessionOutcome>& outcomes() const noexcept { return m_outcomes; }
    /// The back office's decisions so far (0 without one).
    std::uint64_t decided() const noexcept { return m_back_office ? m_back_office->decided() : 0; }

    /// The channel of a device kind (nullptr if the bench has none).
    LiveStreamChannel* stream_channel(std::string_view kind) noexcept;
    LiveHttpChannel* http_channel(std::string_view kind) noexcept;

private:
    kiosk::KioskChannels channels();
    void build();
    LiveKioskOptions m_options;
    std::unique_ptr<sim::Simulation> m_own_sim;  // unless shared
    std::unique_ptr<LivePacer> m_own_pacer;
    sim::Simulation& m_sim;
    LivePacer& m_pacer;
    std::vector<std::pair<std::string, std::unique_ptr<LiveStreamChannel>>> m_streams;
    std::vector<std::pair<std::string, std::unique_ptr<LiveHttpChannel>>> m_https;
    std::unique_ptr<LiveGatewayTransport> m_transport;
    std::unique_ptr<LiveGatewayTransport> m_platform;
    kiosk::KioskStore m_store;
    kiosk::Ui m_ui;
    std::unique_ptr<kiosk::Kiosk> m_kiosk;
    std::unique_ptr<LiveHands> m_hands;
    std::unique_ptr<LiveBackOffice> m_back_office;
    std::vector<kiosk::SessionOutcome> m_outcomes;
    struct Citizen {
        kiosk::CitizenIdentity who;  // run_citizen holds references to these
        kiosk::CitizenScript script;
        sim::ProcessHandle<kiosk::CitizenResult> process;
    };
    std::vector<std::unique_ptr<Citizen>> m_citizens;
    struct TouchReader;
    std::shared_ptr<TouchReader> m_touch_reader;
};

}  // namespace kiosktwin::live
