// The kiosk's insides, shared by kiosk.cpp (boot, main loop, agent, outbox)
// and session.cpp (the flow of one session).
#pragma once

#include <kiosktwin/kiosk/drivers/a4_printer.hpp>
#include <kiosktwin/kiosk/drivers/cameras.hpp>
#include <kiosktwin/kiosk/drivers/idcard_reader.hpp>
#include <kiosktwin/kiosk/drivers/qr_scanner.hpp>
#include <kiosktwin/kiosk/drivers/receipt_printer.hpp>
#include <kiosktwin/kiosk/kiosk.hpp>

#include <exception>
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace kiosktwin::kiosk {

/// Ends a session from deep in the flow with its outcome kind and reason;
/// caught once, at the top of the session (one outcome per session).
struct SessionEnd {
    OutcomeKind kind;
    std::string reason;
};

/// What one session knows while it runs (wiped at logout, R-9.1-1).
struct SessionState {
    SessionOutcome outcome;
    std::shared_ptr<const CatalogueSnapshot> catalogue;
    bool accessible = false;
    std::string name;
    std::string id_number;
    Bytes photo;  ///< the ID card's photo, if read
    const KioskItem* item = nullptr;
    std::set<std::string, std::less<>> yes;
    std::string phone;
    std::string cross_mode;
};

struct Kiosk::Impl {
    Impl(Kiosk& k, const KioskChannels& ch);

    Kiosk& k;
    std::unique_ptr<IdCardReaderDriver> idcard;
    std::unique_ptr<QrScannerDriver> qr;
    std::unique_ptr<ReceiptPrinterDriver> receipt;
    std::unique_ptr<A4PrinterDriver> a4;
    std::unique_ptr<FaceCameraDriver> face;
    std::unique_ptr<DocumentCameraDriver> document;
    std::vector<sim::ProcessHandle<void>> processes;
    std::vector<std::uint64_t> acks_ok;        ///< commands done, acknowledged with the next heartbeat
    std::vector<std::uint64_t> acks_failed;
    bool restart_pending = false;
    bool catalogue_stale = false;
    bool in_session = false;
    sim::Time booted{};
    std::uint64_t heartbeat_count = 0;

    /// The drivers of the devices fitted, in k_driven_kinds order (built once).
    std::vector<Driver*> fitted;
    /// The driver of a peripheral type, or null when the kiosk has none.
    Driver* driver(std::string_view kind) const;
    /// "" if the peripheral type is usable; "<kind>:FAULT" / "<kind>:ABSENT" otherwise.
    std::string_view unusable(std::string_view kind) const;
    /// Why an item cannot be handled here (a needed device without an
    /// alternative is down), or "" (R-7.2-2).
    std::string_view blocker(const KioskItem& item) const;

    // kiosk.cpp
    sim::Process<void> main_loop();
    sim::Process<void> serve();
    sim::Process<void> agent_loop();
    sim::Process<void> agent();
    sim::Process<void> boot();
    sim::Process<void> poll_devices();
    sim::Process<bool> heartbeat();
    sim::Process<void> drain_outbox();
    /// Pushes one outbox entry as far as it goes; true when done.
    sim::Process<GatewayReply> deliver(OutboxEntry& e);
    void recover_lost_session();
    std::string key(std::uint64_t session, std::string_view what) const;
    void log(std::string line);

    // session.cpp
    sim::Process<void> session(Touch first);
    sim::Process<void> run_flow(SessionState& s, Touch first);
    sim::Process<Touch> ask(SessionState& s, Screen screen);
    sim::Process<void> idle_warning(SessionState& s);
    Screen page(const SessionState& s, std::string_view page, Prompt prompt, std::string_view zh,
                std::string_view en) const;
    Screen home_page() const;
    sim::Duration patience(const SessionState& s, sim::Duration d) const;
    sim::Process<void> query_flow(SessionState& s);
    sim::Process<void> login(SessionState& s);
    sim::Process<void> login_id_card(SessionState& s);
    sim::Process<void> login_eid(SessionState& s);
    sim::Process<void> login_manual(SessionState& s);
    sim::Process<void> check_identity(SessionState& s);
    sim::Process<void> face_check(SessionState& s);
    sim::Process<const KioskItem*> choose_item(SessionState& s, bool anonymous);
    sim::Process<void> guidance(SessionState& s);
    sim::Process<void> form(SessionState& s);
    sim::Process<void> materials(SessionState& s, OutboxEntry& e);
    sim::Process<void> submit(SessionState& s, OutboxEntry& e);
    sim::Process<void> pay(SessionState& s);
    sim::Process<void> print(SessionState& s);
    sim::Process<void> evaluate(SessionState& s);
    void voice(const SessionState& s, std::string_view text);
    void end_session(SessionState& s);
};

}  // namespace kiosktwin::kiosk
