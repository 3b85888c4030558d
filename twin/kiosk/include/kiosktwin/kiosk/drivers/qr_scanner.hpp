// The kiosk's driver for the QR / barcode scanner on a serial line (USB-CDC or
// RS-232, 9600 8N1; R-8.3-1): e-ID 网证, 电子社保卡, 医保码, payment codes and
// 电子证照 QR codes come in as `<prefix><data><suffix>` lines
// (protocol/scanner.hpp, peripherals.md §2.4).
//
// The driver reads lines with the codec's ScanLineDecoder (CR, LF or CRLF;
// a line whose suffix never comes is completed after idle_flush of silence),
// turns a GBK payload into UTF-8, reports %%NoRead, drops the same code read
// again within duplicate_window (a phone held in front of a continuous
// scanner, a double-triggered read), and can drive a host-triggered scanner
// (`T` start / `P` stop, host-trigger mode set with the SSI frame
// 07 C6 04 08 00 8A 07 FE 96). Status (R-7.2-1):
//
//   condition                                              health  reason
//   line down, reopen refused                              ABSENT  line-down
//   SSI poll unanswered after the retries                  FAULT   no-reply
//   a line that could not be decoded, within trouble_window WARN   bad-data
//   SSI frames re-sent (no answer, NAK), within the window  WARN   unstable-line
//
// A scanner without SSI (options.ssi = false) cannot be asked anything: its
// poll says OK while the line is up. No-reads and timeouts are the citizen's
// (an unreadable phone screen, nobody scanning) and leave the health alone.
#pragma once

#include <kiosktwin/kiosk/channel.hpp>
#include <kiosktwin/kiosk/drivers/driver.hpp>
#include <kiosktwin/protocol/scanner.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace kiosktwin::kiosk {

/// How the scanner's payload bytes are encoded.
enum class ScanEncoding : std::uint8_t {
    automatic,  ///< UTF-8 when the bytes are valid UTF-8, GBK otherwise
    utf8,       ///< always UTF-8; anything else is "bad-data"
    gbk,        ///< always GBK (a scanner set to GBK output)
};

struct QrScannerOptions {
    std::string prefix;  ///< the prefix the scanner is configured to send (removed)
    /// A line that lacks its suffix is complete after this long without a byte.
    sim::Duration idle_flush = std::chrono::milliseconds(100);
    /// The same text again within this window of the last read of it is dropped
    /// (the window restarts with every duplicate).
    sim::Duration duplicate_window = std::chrono::seconds(1);
    std::size_t max_line = 8192;  ///< longest payload in bytes; longer lines are "bad-data"
    ScanEncoding encoding = ScanEncoding::automatic;
    /// Host-triggered scanning: wait_scan starts a read with `T` and stops it
    /// with `P`; the scanner is put into host-trigger mode by SSI first.
    bool trigger = false;
    /// The scanner's own trigger timeout: a %%NoRead this long after `T` means
    /// "nothing shown", and wait_scan triggers again.
    sim::Duration trigger_timeout = std::chrono::seconds(5);
    bool ssi = true;  ///< the scanner answers SSI frames (ACK / NAK)
    sim::Duration reply_timeout = std::chrono::milliseconds(300);  ///< SSI ACK, wire time included
    int max_retries = 2;                                            ///< SSI re-sends
    sim::Duration reopen_timeout = std::chrono::seconds(1);
    /// bad data or garbled SSI this recent make the status WARN.
    sim::Duration trouble_window = std::chrono::seconds(60);
};

/// One scan.
struct QrScan {
    /// "" when a code was read; otherwise "timeout", "no-read" (the scanner
    /// could not decode what was shown), "bad-data" (too long, or not
    /// decodable text), "line-down", "busy".
    std::string error;
    std::string text;         ///< UTF-8, prefix and suffix removed
    bool gbk = false;         ///< the payload came GBK-encoded and was converted
    bool terminated = true;   ///< false: the suffix never came, the idle flush completed the line

    bool ok() const noexcept { return error.empty(); }
};

class QrScannerDriver final : public Driver {
public:
    /// `channel` must outlive the driver.
    explicit QrScannerDriver(StreamChannel& channel, QrScannerOptions options = {});

    std::string_view kind() const noexcept override { return "qr_scanner"; }

    /// The next code read within `timeout` (lines read earlier and not yet
    /// taken come first).
    sim::Process<QrScan> wait_scan(sim::Duration timeout);
    /// Asks the scanner over SSI whether it is there (stop-session, or in
    /// trigger mode the host-trigger setting again; either is answered with
    /// ACK) and updates status(); reopens a dropped line first.
    sim::Process<Health> poll() override;
    /// Drops reads that arrived and were not taken (a new screen starts clean).
    void discard_pending();

    const QrScannerOptions& options() const noexcept { return m_options; }
    /// Reads waiting to be taken.
    std::size_t pending() const noexcept { return m_lines.size(); }

private:
    enum class Condition : std::uint8_t { ok, line_down, no_reply };

    class Listening;
    std::chrono::microseconds heard_time() const noexcept;
    void listen(bool on) noexcept;
    void pump();
    sim::Process<bool> reopen();
    sim::Process<bool> ssi_exchange(ByteView frame);
    sim::Process<bool> configure();
    bool to_utf8(const std::string& raw, QrScan& out) const;
    void note_trouble(std::uint32_t bit) noexcept;
    void publish();

    StreamChannel& m_ch;
    QrScannerOptions m_options;
    protocol::ScanLineDecoder m_decoder;
    std::deque<protocol::ScanLine> m_lines;  // reads not yet taken
    std::uint32_t m_ssi_acks = 0;            // SSI ACKs seen so far
    std::uint32_t m_ssi_naks = 0;            // ...and NAKs
    bool m_last_nak_resend = false;          // the last NAK asked for the frame again
    Condition m_condition = Condition::ok;
    bool m_busy = false;
    bool m_configured = false;  // host-trigger mode set (or tried)
    std::string m_last_text;    // the last code taken, for duplicate suppression
    sim::Time m_last_at{};
    bool m_have_last = false;
    sim::Time m_bad_data_until{};
    sim::Time m_unstable_until{};
    std::uint32_t m_published = ~0u;
    sim::Duration m_unheard{};  // time no operation listened to the line, so far
    sim::Time m_deaf_since{};   // when the last operation ended
};

}  // namespace kiosktwin::kiosk
