// The QR / barcode scanner (peripherals.md §2.4, H9) as a serial line device
// (R-8.3-1): 9600 8N1 by default, each read `<prefix><data><suffix>` paced at
// the baud rate, `%%NoRead` on a failed decode.
//
// Modes:
//   continuous    (auto / presentation) a code shown to the scanner is read
//                 at once, after the decode latency;
//   host_trigger  the host starts a read with `T`, stops it with `P`,
//                 restarts it with `R` / 0x35; a code shown while no read is
//                 on stays in view for `view_hold` and is read when the
//                 trigger comes; one read ends the trigger; a trigger that
//                 reads nothing ends after `trigger_timeout` (with %%NoRead
//                 when no_read_on_timeout).
// The host can also switch mode with SSI frames (07 C6 04 08 00 8A 07 FE 96
// = host trigger; 08 C6 04 08 00 F2 FF 00 FD 35 = reset to this unit's
// configured defaults), start and stop a read with SSI E4 / E5 (host trigger mode), and gets
// CMD_ACK (or CMD_NAK for a bad checksum or an unknown opcode).
//
// Physical actions:
//   {"action": "scan", "data": "..."}        a code with this UTF-8 text
//   {"action": "scan", "code": "e_id" | "e_ssc" | "medical" | "payment" | "licence"}
//                                            a synthetic code of that kind
//   {"action": "fail_scan"}                  a code the scanner cannot decode
// Both answer {"payload", "emitted", "reason"?, "complete_at_s"?}.
//
// Faults (FaultModel; operation faults strike the "scan" operation, each
// read or failed read being one; condition faults hold while active):
//   no_read         the read fails: %%NoRead instead of the data
//   duplicate_read  the read is sent twice, `params.gap_ms` apart (default: config duplicate_gap)
//   missing_suffix  the read is sent without its suffix
//   gbk_payload     the data is re-encoded as GBK (protocol::utf8_to_gbk: a subset
//                   table; characters outside it become '?'), as a scanner set to GBK output sends it
//   long_payload    the data is padded to `params.bytes` bytes (default 4096, at most 1 MiB)
//   bursty          the line leaves in chunks of `params.chunk` bytes (default 8)
//                   with `params.pause_ms` pauses (default 40), as USB-CDC bridges deliver it
//   disabled        the scanner ignores codes and commands; status FAULT "disabled"
//   disconnected    the cable is out: nothing in or out, queued output dropped; ABSENT "disconnected"
#pragma once

#include <kiosktwin/devices/device.hpp>
#include <kiosktwin/protocol/scanner.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace kiosktwin::devices {

enum class ScanMode { continuous, host_trigger };

struct QrScannerConfig {
    int baud = 9600;                                            ///< line speed, 8N1
    ScanMode mode = ScanMode::continuous;                       ///< "continuous" | "host_trigger"
    protocol::ScanSuffix suffix = protocol::ScanSuffix::cr;     ///< "cr" | "crlf" | "lf" | "none"
    std::string prefix;                                         ///< before each read's data (≤ 32 bytes)
    sim::Duration decode_latency = std::chrono::milliseconds(120);    ///< "decode_ms": code shown → first byte
    sim::Duration trigger_timeout = std::chrono::milliseconds(5000);  ///< "trigger_timeout_ms"
    sim::Duration view_hold = std::chrono::milliseconds(3000);        ///< "view_hold_ms": how long a code stays in view
    sim::Duration duplicate_gap = std::chrono::milliseconds(400);     ///< "duplicate_gap_ms": re-read interval
    bool no_read_on_timeout = true;  ///< a host trigger that reads nothing ends with %%NoRead
    bool ssi = true;                 ///< understands SSI configuration frames

    /// Keys as above; unknown keys and bad values throw std::invalid_argument naming the key.
    static QrScannerConfig from_json(const nlohmann::json& j);
    nlohmann::json to_json() const;
};

class QrScanner : public StreamDevice {
public:
    QrScanner(std::string id, std::uint64_t seed, QrScannerConfig config = {});

    void on_bytes(sim::Time now, ByteView bytes) override;
    DeviceStatus status(sim::Time now) const override;
    sim::Time next_wakeup() const override;
    void on_wakeup(sim::Time now) override;

    const QrScannerConfig& config() const noexcept { return m_config; }
    /// The mode now (SSI frames can change it).
    ScanMode mode() const noexcept { return m_mode; }
    bool triggered() const noexcept { return m_triggered; }
    /// Reads sent (data and %%NoRead, duplicates counted once).
    std::uint64_t reads() const noexcept { return m_reads; }

protected:
    std::optional<ActionResult> on_action(sim::Time now, std::string_view name, const nlohmann::json& action) override;
    std::vector<std::string> model_actions() const override;
    nlohmann::json model_state(sim::Time now) const override;

private:
    struct Code {
        std::string text;          // UTF-8
        bool unreadable = false;
        sim::Time until{};         // leaves the field of view (host trigger mode)
    };
    bool offline(sim::Time now) const;
    void settle(sim::Time now);
    void trigger_on(sim::Time now);
    void trigger_off(sim::Time now, const char* why);
    sim::Time emit(sim::Time now, const Code& code);
    void handle_ssi(sim::Time now, const protocol::ScannerHostInput& in);
    void reply(sim::Time now, const Bytes& bytes, nlohmann::json decoded);
    std::string synthetic_payload(const std::string& kind);

    QrScannerConfig m_config;
    ScanMode m_mode;
    protocol::ScanFormat m_format;
    protocol::ScannerHostDecoder m_host;
    sim::Time m_last_host_byte{};
    bool m_triggered = false;
    sim::Time m_trigger_until{};
    std::optional<Code> m_in_view;
    bool m_was_disconnected = false;
    std::uint64_t m_reads = 0;
    std::uint64_t m_no_reads = 0;
    sim::Time m_last_now{};
    sim::Rng m_payload_rng;
};

}  // namespace kiosktwin::devices
