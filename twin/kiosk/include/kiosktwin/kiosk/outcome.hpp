// What a session ends in, and the kiosk's durable local store.
//
// Every session ends in exactly one recorded outcome: completed,
// completed-degraded (an alternative was used: an e-certificate instead of a
// print, a queued submission while the link was down), abandoned (the citizen
// left, cancelled, or the idle timeout logged them out) or failed with a
// reason code. The store survives a kiosk restart (it is the kiosk's disk):
// the outbox of submissions not yet acknowledged, the ledger of 办件 the
// kiosk created, the open-session marker that lets a restarted kiosk record
// the session it lost, and the masked log the agent uploads.
#pragma once

#include <kiosktwin/sim/time.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kiosktwin::kiosk {

enum class OutcomeKind : std::uint8_t { completed, completed_degraded, abandoned, failed };
const char* to_string(OutcomeKind k) noexcept;

struct SessionOutcome {
    std::uint64_t session = 0;  ///< the kiosk's session number, from 1
    OutcomeKind kind = OutcomeKind::abandoned;
    /// Why (failed, abandoned) or what was degraded: "idle-timeout", "face-mismatch",
    /// "link-down", "kiosk-restart", "receipt_printer:e-receipt"...
    std::string reason;
    std::string service;    ///< "query" | "handle" | "" (nothing chosen)
    std::string login;      ///< "id_card" | "eid_qr" | "manual" | ""
    std::string item_code;
    std::string cross_mode; ///< 跨域通办 mode, if any
    std::string case_no;    ///< 办件编号, when the gateway created one
    bool submitted = false; ///< the gateway acknowledged the submission
    bool queued = false;    ///< the submission waits in the outbox (link down)
    bool paid = false;
    bool receipt_printed = false;
    bool certificate_printed = false;
    bool e_receipt = false;      ///< an electronic receipt instead of a print (R-7.2-2)
    bool e_certificate = false;  ///< an electronic certificate instead of a print (R-7.2-2)
    int rating = 0;              ///< 好差评 level given, 0 = none
    std::vector<std::string> degradations;  ///< alternatives used (R-7.2-2)
    std::string applicant;       ///< masked ID number (R-9.3-1)
    sim::Time started{};
    sim::Time ended{};

    nlohmann::json to_json() const;
};

/// A submission the kiosk owes the gateway: created, materials, submitted —
/// each step under its own idempotency key, retried until acknowledged,
/// across link failures and restarts.
struct OutboxEntry {
    enum class Step : std::uint8_t { create, materials, submit, done };
    std::uint64_t session = 0;
    Step step = Step::create;
    std::string create_key;
    std::string submit_key;
    nlohmann::json create_body;
    std::vector<nlohmann::json> materials;  ///< upload bodies, in order
    std::size_t materials_done = 0;
    nlohmann::json submit_body;
    std::string case_no;  ///< once created
    std::uint32_t attempts = 0;
};

/// The kiosk's disk.
struct KioskStore {
    std::uint64_t last_session = 0;
    std::optional<std::uint64_t> open_session;  ///< a session in progress (set at its start)
    std::deque<OutboxEntry> outbox;
    std::vector<SessionOutcome> outcomes;
    /// session -> case number of every 办件 this kiosk created.
    std::map<std::uint64_t, std::string> ledger;
    /// The session store and temporary files (R-9.1-1): empty outside a session.
    std::map<std::string, std::string> session_data;
    std::vector<std::string> temp_files;
    /// Log lines not yet uploaded; ID numbers masked before they get here.
    std::vector<std::string> log;
    std::size_t log_limit = 10'000;  ///< oldest dropped beyond this
    std::uint64_t boots = 0;

    void append_log(std::string line);
};

}  // namespace kiosktwin::kiosk
