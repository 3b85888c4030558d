// The receipt printer's driver (凭条打印机): ESC/POS over a StreamChannel —
// raw TCP 9100 or a serial line (R-8.3-1) — with DLE EOT status (R-7.2-1).
//
// A print is three steps, each bounded in time:
//   1. DLE EOT 1..4 (one write, four real-time answers): refuse at once when
//      the printer is offline, its cover open, its paper out or a fault set;
//   2. the receipt's bytes followed by GS r 1. GS r is answered *in turn*,
//      i.e. only once everything before it — the last line and the cut — has
//      been done, so its answer marks the job's end. While waiting for it the
//      driver asks DLE EOT 1 every status_interval (answered at once, ahead
//      of the queue); when it says offline, DLE EOT 1..4 tell why, and a
//      fault ends the wait;
//   3. DLE EOT 1..4 again: the paper did not run out during the last feed and
//      the cutter did not fail.
// The two answers never mix: a DLE EOT byte has the fixed pattern 0xx1xx10b,
// a GS r byte is 0000xxxxb; anything else is line noise and is skipped.
//
// A job that stopped half way stays in the printer's buffer and resumes when
// the fault is cleared (a real printer cannot be told to drop it, short of
// DLE ENQ 2 in a recoverable error). The driver never resends such a job; the
// result says `partial`, and the next print() first waits for that job's GS r
// answer so that the old answer is not taken for the new job's end.
//
// print() and poll() share the line: poll() during a print() answers from the
// status print() keeps current, without touching the line.
#pragma once

#include <kiosktwin/kiosk/channel.hpp>
#include <kiosktwin/kiosk/drivers/driver.hpp>
#include <kiosktwin/sim/simulation.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::kiosk {

/// What a print job came to; the receipt and the A4 printer drivers share it.
struct PrintResult {
    /// "" = printed (and, for a receipt, cut); else a stable keyword (see the driver headers).
    std::string error;
    /// Job bytes handed to the line or sent in Print-Job (status queries not counted).
    std::size_t bytes_sent = 0;
    /// The printer reports its paper running low (receipt near-end sensor, A4 media-low).
    bool paper_near_end = false;
    /// Some of the job may have come out, or may still come out (it reached the
    /// printer and did not finish, or sheets were printed before it stopped).
    /// The driver never resends such a job; the caller must not simply retry.
    bool partial = false;
    /// A4: the IPP job-id, 0 if no job was created.
    std::int32_t job_id = 0;
    /// Extra words for the log: the IPP status or job-state-reasons behind `error`.
    std::string detail;

    bool ok() const noexcept { return error.empty(); }
};

/// One label / value row of a receipt ("Case No." / "BJ-2026-000123").
struct ReceiptLine {
    std::string label;
    std::string value;
};

/// A receipt. Text is in the printer's bytes: ASCII, or GB18030 for Chinese
/// (the kiosk converts from UTF-8 where it has a table; this codec carries none).
/// Control bytes in text are printed as '?' so that data cannot become commands.
struct ReceiptDocument {
    std::string title;                ///< centred, double size, bold ("" = none)
    std::vector<ReceiptLine> lines;   ///< label left, value right; value on its own row when both do not fit
    std::string qr;                   ///< QR code payload ("" = none)
    std::string footer;               ///< centred ("" = none)
};

struct ReceiptPrinterOptions {
    /// Longest wait for the four DLE EOT answers (accessible mode may lengthen it).
    sim::Duration reply_timeout = std::chrono::milliseconds{300};
    /// Status queries re-sent after a reply timeout before giving up (no-reply).
    int retries = 2;
    /// Longest wait for a reconnect (TCP connect, serial reopen).
    sim::Duration reopen_timeout = std::chrono::seconds{1};
    /// DLE EOT 1..4 is asked this often while a job prints.
    sim::Duration status_interval = std::chrono::milliseconds{500};
    /// Longest a receipt may take from the last byte sent to its cut
    /// (includes a head cool-down, which the driver waits out).
    sim::Duration job_timeout = std::chrono::seconds{30};
    /// Font A columns of the paper: 48 on 80 mm, 32 on 58 mm.
    int columns = 48;
};

/// ESC/POS receipt printer driver, kind "receipt_printer".
///
/// Error keywords of PrintResult::error (status reasons use the same words):
///   paper-end, cover-open, cutter-error, paper-jam, unrecoverable-error,
///   offline       — the printer's own report (DLE EOT); FAULT
///   no-reply      — the status queries went unanswered after the retries; ABSENT
///                   (on a serial line or a socket, silence is what an unplugged
///                   or powered-off printer looks like)
///   line-down     — the line is down and one reopen failed; ABSENT
///   interrupted   — the line failed after the job was sent: it may be partly
///                   printed and is not resent
///   timeout       — no end-of-job answer within job_timeout, no fault seen
///                   (the job may still print: it is partial, like the faults
///                   met after the job was sent)
///   in-use        — another print() or poll() of this driver is using the line
class ReceiptPrinterDriver final : public Driver {
public:
    /// `channel` must outlive the driver.
    explicit ReceiptPrinterDriver(StreamChannel& channel, ReceiptPrinterOptions options = {});

    std::string_view kind() const noexcept override { return "receipt_printer"; }

    /// Prints and cuts one receipt: status check, job, end-of-job answer,
    /// final status check (see the file comment). Updates status().
    sim::Process<PrintResult> print(ReceiptDocument document);
    /// Asks DLE EOT 1..4 and maps the answers to status(): OK; WARN
    /// paper-near-end / head-overheat / feed-button; FAULT paper-end,
    /// cover-open, cutter-error, paper-jam, unrecoverable-error, offline;
    /// ABSENT line-down / no-reply. Consumable "paper": 100, 10 once the
    /// near-end sensor trips, 0 at paper end (the sensors are all it has).
    sim::Process<Health> poll() override;

    /// The ESC/POS bytes print() sends for `document`, without the GS r 1 that follows them.
    Bytes render(const ReceiptDocument& document) const;

    const ReceiptPrinterOptions& options() const noexcept { return m_options; }
    /// Waits and retries may be changed between operations (accessible mode).
    ReceiptPrinterOptions& options() noexcept { return m_options; }
    StreamChannel& channel() noexcept { return m_channel; }

private:
    /// What DLE EOT 1..4 said, decoded to the driver's terms.
    struct Snapshot {
        Health health = Health::ok;
        std::vector<std::string> reasons;
        bool near_end = false;
        bool paper_end = false;
        /// The first FAULT reason: why a job cannot print ("" = none; a literal).
        std::string_view blocking;
    };

    static Snapshot decode(const std::array<std::uint8_t, 4>& eot);
    const Snapshot& take_status();
    void line_lost(std::string_view why);
    void scan_input();
    ChannelError ask_status(int n);
    sim::Process<ChannelError> query_status();
    sim::Process<bool> reopen();
    sim::Process<std::string_view> wait_for_end(sim::Time deadline);
    PrintResult& fail(PrintResult& r, std::string_view error);

    StreamChannel& m_channel;
    ReceiptPrinterOptions m_options;
    std::array<std::uint8_t, 4> m_eot{};  // DLE EOT answers of the query in flight
    int m_eot_count = 0;                  // answers received
    int m_eot_want = 0;                   // answers the query in flight asks for (0: none, 1, 4)
    bool m_end_pending = false;           // a job's GS r answer is still to come
    std::uint8_t m_end_answer = 0;        // the last GS r answer (paper sensor bits)
    bool m_line_busy = false;             // print() or poll() is using the line
    std::array<std::uint8_t, 4> m_applied{};  // the answers status() was last set from
    bool m_have_applied = false;
    Snapshot m_last;                      // what the last full status answer said
};

}  // namespace kiosktwin::kiosk
