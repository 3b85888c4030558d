// The A4 laser printer (证明/材料打印) as an IPP/1.1 printer behind HTTP
// (R-8.3-1): POST application/ipp to /ipp/print, conventionally on port 631.
//
// It answers the operations a kiosk and CUPS use (Get-Printer-Attributes,
// Validate-Job, Print-Job, Create-Job + Send-Document, Get-Job-Attributes,
// Get-Jobs, Cancel-Job, Pause/Resume-Printer) and prints in virtual time: a
// job waits for the engine, the fuser warms up when it has cooled, and sheets
// come out at the configured pages per minute, taking paper, toner and waste
// capacity with them. printer-state and printer-state-reasons follow the
// consumables and the faults the way peripherals.md §2.3 describes (sheets 0 →
// media-empty, + media-needed while a job waits; 1-25 → media-low; toner 0 →
// toner-empty, below 10 % → toner-low; waste full → marker-waste-full).
//
// Fault names (set_known_faults), and the operations operation-triggered
// rules should name ("request", "document", "job", "page"):
//   media_jam           condition: jammed while it holds; struck ("page"): the
//                       next sheet jams and stays jammed until clear_jam
//   door_open           condition; struck: the door is found open (close_door)
//   offline, paused     conditions: the printer stops, reason offline / paused
//   http_503            condition: every request gets HTTP 503; struck
//                       ("request"): this request and params.count - 1 more
//   job_stuck           struck ("job"): that job stops in processing-stopped
//                       until canceled; condition: the job in the engine stops
//   job_aborted         struck ("job") or condition: a starting job aborts
//   unsupported_format  struck ("document") or condition: the document is
//                       refused with client-error-document-format-not-supported
//   wrong_media         condition, or struck: the printer wants other media
//                       (media-needed) until load_paper
//   disconnected        condition: ABSENT; accepting_connections() is false
//                       and the host should refuse connections
#pragma once

#include <kiosktwin/devices/device.hpp>
#include <kiosktwin/protocol/ipp.hpp>
#include <kiosktwin/sim/time.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::devices {

struct A4PrinterConfig {
    std::string printer_name = "kiosktwin-a4";            ///< printer-name (≤ 127 bytes)
    std::string make_and_model = "KioskTwin A4 Laser (emulated)";
    std::string location;                                  ///< printer-location
    std::string info = "A4 certificate printer";           ///< printer-info
    std::string printer_uri;        ///< "" = from the request (printer-uri, else Host header)
    std::string natural_language = "en";  ///< natural-language-configured
    double pages_per_minute = 30.0;       ///< impressions a minute, once warm
    double warmup_s = 8.0;                ///< fuser warm-up from cold
    double fuser_hold_s = 60.0;           ///< how long the fuser stays hot after a sheet
    double response_ms = 5.0;             ///< IPP processing latency (HttpResponse::delay)
    int tray_capacity = 250;              ///< sheets the tray holds
    int sheets = 250;                     ///< sheets loaded at start
    double toner_pct = 100.0;             ///< toner left at start, percent
    double waste_pct = 0.0;               ///< waste toner box fill at start, percent
    double toner_pct_per_page = 0.02;     ///< toner an impression takes (≈ 5000 pages a cartridge)
    double waste_pct_per_page = 0.01;     ///< waste an impression makes
    int media_low_sheets = 25;            ///< media-low at 1..this many sheets
    double toner_low_pct = 10.0;          ///< toner-low below this (and above 0)
    double waste_almost_full_pct = 90.0;  ///< marker-waste-almost-full from here, full at 100
    int text_lines_per_page = 60;         ///< text/plain pagination
    int text_columns = 80;                ///< text/plain lines wrap here
    bool duplex = true;                   ///< two-sided printing offered
    int max_copies = 99;                  ///< copies-supported upper bound
    std::uint64_t max_document_bytes = 64ull << 20;  ///< larger documents: client-error-request-entity-too-large
    int max_active_jobs = 50;             ///< more not-completed jobs: server-error-busy
    int job_history = 100;                ///< completed jobs kept for Get-Jobs and model_state
    double multiple_operation_timeout_s = 120.0;  ///< Create-Job without its last document aborts after this
    bool state_reason_suffixes = true;    ///< "media-empty-error" (RFC 8011 §5.4.12) rather than "media-empty"

    /// From JSON; unknown keys and bad values throw std::invalid_argument naming the key.
    static A4PrinterConfig from_json(const nlohmann::json& j);
    nlohmann::json to_json() const;
};

/// One print job as the control API and tests see it.
struct A4PrintJob {
    std::int32_t id = 0;
    std::string name;
    std::string user;            ///< job-originating-user-name
    std::string document_name;
    std::string format;          ///< document format as supplied or detected ("application/pdf")
    std::uint64_t document_bytes = 0;
    int documents = 0;
    int pages = 0;               ///< impressions in one copy of the documents
    int copies = 1;
    std::string sides = "one-sided";
    std::string media = "iso_a4_210x297mm";
    int impressions = 0;         ///< to print, all copies
    int sheets = 0;              ///< to print, all copies
    int impressions_done = 0;
    int sheets_done = 0;
    protocol::IppJobState state = protocol::IppJobState::pending;
    std::vector<std::string> reasons;  ///< job-state-reasons
    sim::Time created{};
    std::optional<sim::Time> processing;  ///< when it first started printing
    std::optional<sim::Time> completed;   ///< when it reached a terminal state
    bool format_error = false;   ///< the data did not match the format: aborts when it starts
    bool incoming = false;       ///< Create-Job: waiting for its last document
    bool stuck = false;          ///< job_stuck struck it: processing-stopped until canceled
    sim::Time last_activity{};   ///< last Create-Job / Send-Document (multiple-operation-time-out)
    std::vector<protocol::IppAttribute> attributes;  ///< other job template attributes as accepted

    nlohmann::json to_json() const;
};

class A4Printer : public HttpDevice {
public:
    A4Printer(std::string id, std::uint64_t seed, A4PrinterConfig config = {});

    /// One HTTP request: POST application/ipp → HTTP 200 carrying the IPP
    /// status; other methods → 405, other content or too short → 400 (JSON).
    HttpResponse handle(sim::Time now, const HttpRequest& request) override;
    std::string path_prefix() const override { return "/ipp/print"; }

    DeviceStatus status(sim::Time now) const override;
    sim::Time next_wakeup() const override;
    void on_wakeup(sim::Time now) override;

    const A4PrinterConfig& config() const noexcept { return m_config; }
    /// False while "disconnected" holds: the host should refuse connections.
    bool accepting_connections(sim::Time now) const;
    /// printer-state as of the last handle/on_wakeup/action, with conditions at `now`.
    protocol::IppPrinterState printer_state(sim::Time now) const;
    /// printer-state-reasons keywords (with suffixes if configured; "none" if none).
    std::vector<std::string> printer_state_reasons(sim::Time now) const;
    int sheets() const noexcept { return m_sheets; }
    double toner_pct() const noexcept { return m_toner; }
    double waste_pct() const noexcept { return m_waste; }
    /// The jobs kept (not completed ones and the last job_history completed), oldest first.
    const std::deque<A4PrintJob>& jobs() const noexcept { return m_jobs; }
    /// A job by id, or nullptr.
    const A4PrintJob* job(std::int32_t id) const noexcept;

protected:
    std::optional<ActionResult> on_action(sim::Time now, std::string_view name, const nlohmann::json& action) override;
    std::vector<std::string> model_actions() const override;
    nlohmann::json model_state(sim::Time now) const override;

private:
    enum class Phase { idle, warming, feed, printing, stalled };
    struct Request;   // one decoded IPP request being answered
    struct Reasons;   // the printer's conditions at an instant

    // time
    void advance(sim::Time now);
    void tick(sim::Time t);
    sim::Time next_event() const;
    void expire_incoming(sim::Time t);
    void start_job(sim::Time t, A4PrintJob& job);
    void start_sheet(sim::Time t, A4PrintJob& job);
    void finish_sheet(sim::Time t, A4PrintJob& job);
    void stall(sim::Time t, A4PrintJob& job, bool job_only);
    void finish_job(sim::Time t, A4PrintJob& job, protocol::IppJobState state, std::string reason);
    void prune_jobs();
    void note_changes(sim::Time t);
    void apply_strike(sim::Time t, const FaultRule* rule);
    sim::Duration sheet_time(const A4PrintJob& job, int sheet) const;

    // conditions
    Reasons reasons_at(sim::Time t) const;
    bool stops_engine(sim::Time t) const;  // even a sheet in flight stops
    bool blocked(sim::Time t) const;       // no sheet can be fed
    bool job_blocked(sim::Time t, const A4PrintJob& job) const;
    bool job_waiting() const;
    std::string state_message(sim::Time t) const;

    // IPP
    HttpResponse answer(sim::Time now, const HttpRequest& http, const protocol::IppMessage& req);
    protocol::IppMessage dispatch(sim::Time now, Request& r);
    protocol::IppMessage get_printer_attributes(sim::Time now, Request& r);
    protocol::IppMessage validate_or_create(sim::Time now, Request& r, bool create, bool with_document);
    protocol::IppMessage send_document(sim::Time now, Request& r);
    protocol::IppMessage cancel_job(sim::Time now, Request& r);
    protocol::IppMessage get_job_attributes(sim::Time now, Request& r);
    protocol::IppMessage get_jobs(sim::Time now, Request& r);
    protocol::IppMessage pause_printer(sim::Time now, Request& r, bool pause);
    A4PrintJob* find_job(std::int32_t id) noexcept;
    A4PrintJob* target_job(Request& r, protocol::IppMessage& error);
    void add_document(sim::Time now, A4PrintJob& job, const Request& r, const std::string& format);
    std::vector<protocol::IppAttribute> printer_attributes(sim::Time now, const std::string& uri,
                                                           const std::vector<std::string>& requested) const;
    std::vector<protocol::IppAttribute> job_attributes(sim::Time now, const A4PrintJob& job, const std::string& uri,
                                                       const std::vector<std::string>& requested) const;
    std::string job_uri(const std::string& printer_uri, std::int32_t id) const;
    std::int32_t up_time(sim::Time t) const;
    int intervening_jobs(const A4PrintJob& job) const;
    int active_job_count() const;

    A4PrinterConfig m_config;
    std::deque<A4PrintJob> m_jobs;
    std::int32_t m_next_id = 1;
    sim::Time m_last{};

    // engine
    Phase m_phase = Phase::idle;
    std::int32_t m_current = 0;    // job in the engine (0 = none)
    sim::Time m_ready_at = sim::end_of_time;
    sim::Time m_fuser_hot_until{};  // cold at power-on

    // consumables and physical state
    int m_sheets;
    double m_toner;
    double m_waste;
    bool m_jammed = false;
    bool m_door_open = false;
    bool m_paused = false;          // Pause-Printer
    bool m_media_needed = false;    // wrong media loaded (wrong_media struck)
    // effects of struck operation faults, waiting for their moment
    bool m_jam_next_sheet = false;
    bool m_abort_next_job = false;
    bool m_stick_next_job = false;
    bool m_refuse_next_document = false;
    int m_busy_left = 0;            // http_503: requests still to refuse

    // what was last reported, to record changes as events
    std::vector<std::string> m_reported_reasons;
    std::int32_t m_reported_state = 3;
    std::int32_t m_state_changed_up_time = 1;

    std::uint64_t m_impressions_total = 0;
    std::uint64_t m_sheets_total = 0;
};

}  // namespace kiosktwin::devices
