// The A4 printer's driver (证明/材料打印): IPP/1.1 over HTTP POST
// (application/ipp, R-8.3-1) through an HttpChannel, with the printer's
// state mapped to OK / WARN / FAULT / ABSENT (R-7.2-1).
//
// A print is:
//   1. Get-Printer-Attributes: refuse at once when printer-state-reasons hold
//      an error (media-empty, media-jam, door-open, toner-empty...) — a check
//      Validate-Job would not make, since it looks at the job, not the printer;
//   2. Print-Job with the document;
//   3. Get-Job-Attributes every poll_interval until the job is completed,
//      aborted or canceled, or stops because the printer did (then
//      Get-Printer-Attributes says why), or job_timeout passes;
//   4. Get-Printer-Attributes again, for the toner and paper the job took.
// A job the driver gives up on (a printer fault, the timeout) is canceled:
// a citizen's certificate must not come out later into an empty tray.
//
// Transport: a refused connection is "line-down" at once (no retry); a request
// without an answer is re-sent `retries` times if it has no side effect
// (Get-*, Cancel-Job), but a Print-Job is never re-sent once it may have
// reached the printer. HTTP 503 and IPP server-error-busy /
// service-unavailable / temporary-error mean "not now": the request was not
// taken, and is re-sent up to busy_retries times, busy_backoff apart (or the
// Retry-After the printer gives, whichever is longer).
//
// printer-state-reasons (RFC 8011 §5.4.12): "-error" → FAULT, "-warning" →
// WARN, "-report" → ignored; a reason without a suffix is an error, as the
// RFC says, except the low-supply reasons printers commonly send bare
// (media-low, toner-low, marker-supply-low, marker-waste-almost-full,
// developer-low, opc-near-eol), which are warnings. printer-state stopped
// with no error reason is FAULT "stopped".
#pragma once

#include <kiosktwin/kiosk/channel.hpp>
#include <kiosktwin/kiosk/drivers/driver.hpp>
#include <kiosktwin/kiosk/drivers/receipt_printer.hpp>
#include <kiosktwin/protocol/ipp.hpp>
#include <kiosktwin/sim/simulation.hpp>

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::kiosk {

/// One document to print.
struct A4Document {
    std::string job_name = "kiosk";                 ///< job-name
    std::string format = "application/pdf";         ///< document-format (the model also takes image/jpeg, image/png, text/plain)
    Bytes data;                                     ///< the document
    int copies = 1;
    std::string sides = "one-sided";                ///< or "two-sided-long-edge", "two-sided-short-edge"
};

struct A4PrinterOptions {
    /// Longest wait for the answer to one request (accessible mode may lengthen it).
    sim::Duration request_timeout = std::chrono::seconds{2};
    /// Longest wait for the answer to Print-Job, which carries the document.
    sim::Duration upload_timeout = std::chrono::seconds{10};
    /// Re-sends of a request without side effects after no answer.
    int retries = 2;
    /// Re-sends after "busy" (HTTP 503, server-error-busy...).
    int busy_retries = 3;
    /// Wait before a busy re-send; a longer Retry-After wins, up to busy_backoff_max.
    sim::Duration busy_backoff = std::chrono::seconds{1};
    sim::Duration busy_backoff_max = std::chrono::seconds{10};
    /// Get-Job-Attributes this often while a job prints.
    sim::Duration poll_interval = std::chrono::milliseconds{500};
    /// Longest a job may take from Print-Job to completed (warm-up included).
    sim::Duration job_timeout = std::chrono::seconds{60};
    /// printer-uri; "" = ipp://localhost followed by the channel's prefix.
    std::string printer_uri;
    /// requesting-user-name.
    std::string user_name = "kiosk";
};

/// A printer's status as printer-state and printer-state-reasons give it.
struct IppHealth {
    Health health = Health::ok;
    std::vector<std::string> reasons;  ///< suffixes stripped; errors first, then warnings
    /// The error a job meets ("" = none): the most telling FAULT reason (a
    /// jam or an open door before an empty tray), or "stopped".
    std::string blocking;
};

/// Maps printer-state (3 idle, 4 processing, 5 stopped) and
/// printer-state-reasons to a status (see the file comment).
IppHealth map_printer_state(std::int32_t printer_state, std::span<const std::string> reasons);

/// IPP A4 printer driver, kind "a4_printer".
///
/// Error keywords of PrintResult::error:
///   media-empty, media-needed, media-jam, door-open, cover-open, toner-empty,
///   marker-waste-full, offline, paused, stopped (and any other error reason
///   the printer gives, suffix stripped) — the printer's state; FAULT
///   job-aborted, job-canceled — the printer ended the job (detail: job-state-reasons)
///   rejected     — a client-error-* status or HTTP 4xx (detail: the status)
///   busy         — still busy after busy_retries
///   server-error — another server-error-* status or HTTP 5xx
///   protocol-error — the answer is not an IPP response to the request
///   timeout      — the job did not end within job_timeout (it is canceled)
///   no-reply     — no answer after the retries (a Print-Job: none, not re-sent)
///   interrupted  — the connection broke while Print-Job was under way
///   line-down    — the connection was refused
///   in-use       — another print() or poll() of this driver is running
/// Health of poll(): OK; WARN the -warning reasons (toner-low, media-low...)
/// and "busy"; FAULT the -error reasons, "stopped", "protocol-error",
/// "server-error", "rejected"; ABSENT "line-down" (refused) and "no-reply".
/// Consumables: "toner" from marker-levels / marker-high-levels (the marker
/// whose type is toner, else the first); "media" from printer-input-tray
/// level / maxcapacity when the printer gives it, else estimated from the
/// reasons: 0 media-empty, 10 media-low, 100 otherwise.
class A4PrinterDriver final : public Driver {
public:
    /// `channel` must outlive the driver.
    explicit A4PrinterDriver(HttpChannel& channel, A4PrinterOptions options = {});

    std::string_view kind() const noexcept override { return "a4_printer"; }

    /// Prints one document (see the file comment). Updates status().
    sim::Process<PrintResult> print(A4Document document);
    /// Get-Printer-Attributes → status() and consumables.
    sim::Process<Health> poll() override;

    const A4PrinterOptions& options() const noexcept { return m_options; }
    /// Waits and retries may be changed between operations (accessible mode).
    A4PrinterOptions& options() noexcept { return m_options; }
    HttpChannel& channel() noexcept { return m_channel; }

private:
    struct Reply {
        std::string_view error;        ///< "" = an IPP response with a successful status
        protocol::IppMessage message;  ///< the response, when there is one
        std::string detail;
    };

    protocol::IppMessage request(protocol::IppOperation op);
    sim::Process<Reply> call(const protocol::IppMessage& message, ByteView document, bool resend_on_silence,
                             sim::Duration timeout);
    sim::Process<std::string_view> refresh();
    sim::Process<void> cancel(std::int32_t job_id);
    PrintResult& fail(PrintResult& r, std::string_view error);

    HttpChannel& m_channel;
    A4PrinterOptions m_options;
    std::string m_uri;
    devices::HttpRequest m_http;  // method, target and headers every request shares
    std::int32_t m_request_id = 0;
    bool m_busy = false;          // print() or poll() is running
    IppHealth m_last;             // what the last Get-Printer-Attributes said
};

}  // namespace kiosktwin::kiosk
