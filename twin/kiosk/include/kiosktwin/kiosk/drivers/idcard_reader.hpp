// The kiosk's driver for the ID-card reader (居民身份证阅读器): SAM frames
// (protocol/sam.hpp, GA/T 467) over a serial StreamChannel, 115200 8N1 by
// default (R-8.3-1).
//
// One read is what a vendor SDK does: find (20 01) → select (20 02) → read
// text and photo (30 01, or 30 10 with the fingerprint), optionally the newest
// appended address (30 03). The driver copes with what a serial line and a
// card on a reader do: replies lost (timeout, sized from the baud rate and the
// answer's length), garbled (checksum, truncated, noise before the AA AA AA 96
// 69 preamble: the SamDecoder resynchronises), stale answers to an earlier
// command, the card taken away between steps (re-find), a line that drops
// (one reopen). Every failure ends in an error keyword and in the driver's
// status, OK / WARN / FAULT / ABSENT (R-7.2-1):
//
//   condition                                         health  reason
//   line down, reopen refused                         ABSENT  line-down
//   SW3 60 (SAM self-test failed)                     FAULT   self-test-failed
//   SW3 66 (SAM not authorised)                       FAULT   sam-not-authorised
//   no answer after the retries                       FAULT   no-reply
//   only garbled answers after the retries            FAULT   bad-frame
//   unexpected SW3 (24, 23, FF...) after the retries  FAULT   device-error
//   retries or resyncs within trouble_window          WARN    unstable-line
//   consecutive card reads failed (≥ card_failures)   WARN    repeated-read-failures
//
// A card that cannot be read (no card, removed, damaged, forged, an old SAM
// that refuses permits) is the citizen's problem, not the reader's: it leaves
// the health as it was.
#pragma once

#include <kiosktwin/kiosk/channel.hpp>
#include <kiosktwin/kiosk/drivers/driver.hpp>
#include <kiosktwin/protocol/citizen_id.hpp>
#include <kiosktwin/protocol/sam.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::kiosk {

struct IdCardReaderOptions {
    /// The line speed (bits/s, 8N1) the port runs at; reply timeouts add the
    /// wire time of the expected answer at this rate (1295 B ≈ 112 ms at 115200).
    int baud = 115200;
    /// Waiting for a short answer (find, select, status...), wire time excluded.
    sim::Duration reply_timeout = std::chrono::milliseconds(500);
    /// Added for a card read (30 01 / 30 10): the reader's RF and card time
    /// (≈400 ms, 650 ms with the fingerprint; a slow card takes a second more).
    sim::Duration read_allowance = std::chrono::milliseconds(1000);
    /// Re-sends of one command after a timeout or a garbled answer; also the
    /// re-finds of one read cycle after the card left or a read failed.
    int max_retries = 2;
    /// wait_and_read: how often it looks for a card.
    sim::Duration poll_interval = std::chrono::milliseconds(250);
    /// How long a reopen of a dropped line may take.
    sim::Duration reopen_timeout = std::chrono::seconds(1);
    /// Retries or resyncs this recent make the status WARN "unstable-line".
    sim::Duration trouble_window = std::chrono::seconds(60);
    /// This many failed card reads in a row make the status WARN (0: never).
    int card_failures = 3;
    /// Read with 30 10 (text, photo, fingerprint); falls back to 30 01 when
    /// the reader does not know the command.
    bool read_fingerprint = false;
    /// Also read the newest appended address (30 03) after the main read.
    bool read_appended_address = false;
};

/// The outcome of one card read.
struct IdCardRead {
    /// "" when read; otherwise "no-card", "removed", "read-failed",
    /// "auth-failed" (31/32/33: card and SAM did not authenticate each other),
    /// "unsupported-card" (40: e.g. a permit on an old SAM), "no-reply",
    /// "bad-frame", "device-fault" (60/66/unexpected SW3), "line-down", "busy".
    std::string error;
    protocol::IdText text;  ///< decoded, layout detected from the card type flag
    Bytes photo;            ///< the WLT blob as the card holds it (1024 bytes)
    std::optional<Bytes> fingerprint;            ///< with read_fingerprint, if the card has one
    std::optional<std::string> appended_address;  ///< with read_appended_address, if the card has one
    bool expired = false;   ///< valid_to is before the `today` given ("长期" never expires)
    std::uint8_t sw3 = 0;   ///< the reader's last status byte (0: none came)

    bool ok() const noexcept { return error.empty(); }
};

class IdCardReaderDriver final : public Driver {
public:
    /// `channel` must outlive the driver.
    explicit IdCardReaderDriver(StreamChannel& channel, IdCardReaderOptions options = {});

    std::string_view kind() const noexcept override { return "idcard_reader"; }

    /// One read cycle on the card now on the reader: find, select, read.
    /// `today` (the kiosk's civil date) sets `expired`; without it, never.
    sim::Process<IdCardRead> read_card(std::optional<protocol::CivilDate> today = std::nullopt);
    /// Looks for a card every poll_interval until one is there, then reads
    /// it; "no-card" once `patience` has passed without one.
    sim::Process<IdCardRead> wait_and_read(sim::Duration patience,
                                           std::optional<protocol::CivilDate> today = std::nullopt);
    /// Asks the SAM for its status (11 FF; the SAM id 12 FF once) and updates
    /// status(); reopens a dropped line first. Returns the new health.
    sim::Process<Health> poll() override;

    /// The SAM's management id ("05.01-20260101-0012345678-1234567890"), "" until a poll read it.
    const std::string& sam_id() const noexcept { return m_sam_id; }
    const IdCardReaderOptions& options() const noexcept { return m_options; }
    /// How long the driver waits for the answer to `command` (reply timeout,
    /// card time, wire time of the expected answer at the configured baud).
    sim::Duration timeout_for(protocol::SamCommand command) const noexcept;

private:
    // What one command came to: a response, or why none.
    struct Reply {
        const char* error = nullptr;  // nullptr: `response` holds the reader's answer
        protocol::SamResponse response;
    };
    // What the driver concludes about the device from the last exchange.
    enum class Condition : std::uint8_t { ok, line_down, self_test, not_authorised, no_reply, bad_frame, device_error };

    sim::Process<Reply> command(protocol::SamCommand c);
    sim::Process<bool> reopen();
    sim::Process<IdCardRead> read_found(std::optional<protocol::CivilDate> today);
    void flush();
    void note_trouble() noexcept;
    void note_sw3(protocol::SamCommand c, std::uint8_t sw3) noexcept;
    void note_transport(const char* error) noexcept;
    const char* sw3_error(std::uint8_t sw3) noexcept;
    void finish(IdCardRead& r);
    void publish();

    StreamChannel& m_ch;
    IdCardReaderOptions m_options;
    protocol::SamDecoder m_decoder;
    std::vector<protocol::SamEvent> m_events;  // reused by every exchange
    Condition m_condition = Condition::ok;
    bool m_busy = false;
    bool m_fingerprint_unsupported = false;
    int m_card_failures = 0;
    sim::Time m_trouble_until{};  // WARN "unstable-line" until then
    std::uint32_t m_published = ~0u;  // health and reasons last handed to set_status
    std::string m_sam_id;
};

}  // namespace kiosktwin::kiosk
