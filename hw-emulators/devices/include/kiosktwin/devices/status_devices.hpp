// The simple status devices behind the kiosk's local HTTP service (R-8.3-1,
// R-7.2-1): signature pad (H6), fingerprint sensor (H7), social-security card
// reader (社保卡, H8) and PIN pad (H11). Envelope, error codes and statuses
// as in kiosktwin/protocol/local_service.hpp; every device also answers GET
// or POST <prefix>/status (cameras.hpp).
//
// Operations that wait for the citizen (signing, a finger, PIN entry) are
// started with one call and then polled: `result` answers {"state": "..."}
// while waiting, the outcome when done, 504 timeout when the citizen did
// not act in time, 409 no_session when nothing was started. The citizen's
// part is a physical action.
//
// Signature pad, kind "signature_pad", prefix /device/signature:
//   POST start  {"timeout_s": 1..600} -> {"state": "signing", "timeout_s"}; 409 session_active
//   GET|POST result -> {"state": "signing"} | {"state": "done", "image": Base64 PNG, "width",
//               "height", "points": [[x, y, pressure 0..1 (0 = pen up), t_ms], ...], "strokes",
//               "duration_ms"}; 422 empty_signature; 504 timeout
//   POST cancel, POST clear -> {"state": "idle"}
//   action sign {"points": optional [[x, y, p, t_ms], ...] (pad pixels; p = 0 lifts the pen),
//               "strokes": optional 1..8 (a synthetic signature of that many strokes)}
//   faults: not_connected (ABSENT, 503), empty_signature (the signature has no points),
//           timeout (the signature never arrives), pen_lost (no pen input: sign fails; WARN "pen-lost")
//
// Fingerprint sensor, kind "fingerprint_sensor", prefix /device/fingerprint (GA/T 626.1 flow:
// LIVESCAN_Init, capture, close):
//   POST init -> {"initialised": true, "channels": 1}; POST close -> {"initialised": false}
//   POST capture {"timeout_s": 1..120} -> {"state": "capturing"}; 409 not_initialised / session_active
//   GET|POST result -> {"state": "capturing"} | {"state": "done", "quality": 0..100, "accepted":
//               quality >= min_quality, "template": Base64 (synthetic, 512 bytes, not ISO 19794-2),
//               "template_format"}; 504 timeout
//   POST compare {"template": Base64 1..4096 bytes (the card's, opaque)} -> {"score": 0..1,
//               "threshold", "matched"}; compares the last captured finger; 409 no_session
//   actions place_finger {"quality": 0..100 (80), "match": bool (true), "finger": name, "hold_s": > 0 (5)},
//           lift_finger
//   faults: dry_finger / wet_finger (quality × 0.4 / × 0.45), dirty_sensor (quality ≤ 40; WARN
//           "sensor-dirty"), no_finger_timeout (the finger is never detected), not_initialised
//           (init fails, 500; FAULT "not-initialised"), disconnected (ABSENT, 503)
//
// Social-security card reader, kind "ssc_reader", prefix /device/ssc (人社 "38号文" API style):
//   POST read_basic (iReadCardBas) -> {"region", "ssn", "card_number", "card_id", "name", "atr",
//               "version", "issue_date", "expiry_date", "terminal_id", "device_no", "raw":
//               "region|ssn|card_number|card_id|name|atr|version|issue_date|expiry_date|terminal_id|device_no|"}
//               after read_ms; 409 no_card; 422 card_reversed / card_reported_lost;
//               500 psam_missing / card_read_error
//   POST verify_pin {"pin": 4..12 digits} -> {"verified", "sw": "9000" | "63Cx", "tries_left"};
//               409 pin_blocked with "sw": "6983" once the tries are spent
//   actions insert_card {"name", "ssn", "card_number", "region", "version", "pin", "reversed",
//           "reported_lost" — all optional, synthetic defaults}, remove_card
//   faults: no_card (no card is detected), card_reversed, pin_blocked, psam_missing (FAULT
//           "psam-missing"), card_reported_lost, dirty_contacts (read errors; WARN "dirty-contacts"),
//           disconnected (ABSENT, 503)
//   Citizen numbers (社会保障号码) are masked in traces and describe() (R-9.3-1).
//
// PIN pad, kind "pin_pad", prefix /device/pinpad:
//   POST start {"pan": 12..19 digits, "min_len": 4..12 (6), "max_len": 4..12 (6), "timeout_s": 1..300 (30)}
//               -> {"state": "entering"}; 409 key_not_loaded / session_active; 500 hardware_error on tamper
//   GET|POST result -> {"state": "entering"} | {"state": "done", "pin_block": 16 hex digits,
//               "format": "synthetic-keyed-hash", "key_id", "pin_length"}; 422 cancelled; 504 timeout
//   POST cancel -> {"state": "idle"}
//   The PIN block is a keyed hash of the PIN and PAN (ISO 9564 format 0 layout), NOT real
//   cryptography: it lets a test check that the same PIN gives the same block under one key.
//   actions enter_pin {"digits": "123456"} | {"cancel": true}, load_keys {"key_id": optional}
//   faults: key_not_loaded (FAULT "key-not-loaded"), tamper (keys erased and stay erased until
//           load_keys; FAULT "tamper"), stuck_key (params.key, default "5": the entry fills with
//           that digit at once; WARN "stuck-key"), timeout (the entry never completes),
//           disconnected (ABSENT, 503)
#pragma once

#include <kiosktwin/devices/cameras.hpp>
#include <kiosktwin/sim/random.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kiosktwin::devices {

/// One pen sample: pad pixels, pressure 0..1 (0 = pen up), milliseconds since the first.
struct PenPoint {
    double x = 0;
    double y = 0;
    double pressure = 0;
    double t_ms = 0;
};

/// Where a citizen-paced operation stands.
enum class SessionState { idle, waiting, done, timed_out, cancelled };

// --- Signature pad --------------------------------------------------------------------

struct SignaturePadConfig {
    std::uint32_t width = 240;   ///< pad and image size, pixels (16..1024)
    std::uint32_t height = 96;
    sim::Duration timeout = std::chrono::seconds(60);  ///< "timeout_s": default wait for a signature

    static SignaturePadConfig from_json(const nlohmann::json& j);
    nlohmann::json to_json() const;
};

class SignaturePad : public LocalServiceDevice {
public:
    SignaturePad(std::string id, std::uint64_t seed, SignaturePadConfig config = {});
    DeviceStatus status(sim::Time now) const override;
    sim::Time next_wakeup() const override;
    void on_wakeup(sim::Time now) override;

protected:
    Reply call(sim::Time now, std::string_view endpoint, const nlohmann::json& body) override;
    std::optional<std::string> absent_reason(sim::Time now) const override;
    nlohmann::json service_status(sim::Time now) const override;
    void settle(sim::Time now) override;
    std::optional<ActionResult> on_action(sim::Time now, std::string_view name, const nlohmann::json& action) override;
    std::vector<std::string> model_actions() const override;
    nlohmann::json model_state(sim::Time now) const override;

private:
    std::vector<PenPoint> synthetic_signature(int strokes);
    SignaturePadConfig m_config;
    SessionState m_state = SessionState::idle;
    sim::Time m_deadline{};
    std::vector<PenPoint> m_points;
    sim::Time m_last_now{};
    sim::Rng m_rng;
};

// --- Fingerprint sensor ----------------------------------------------------------------

struct FingerprintSensorConfig {
    int min_quality = 50;                                        ///< quality (0..100) a capture needs to be accepted
    sim::Duration capture_latency = std::chrono::milliseconds(600);  ///< "capture_ms": finger on → image
    sim::Duration timeout = std::chrono::seconds(15);            ///< "timeout_s": default wait for a finger
    double threshold = 0.6;                                      ///< compare score needed to match
    double match_mean = 0.85;
    double nonmatch_mean = 0.15;
    double score_sd = 0.06;

    static FingerprintSensorConfig from_json(const nlohmann::json& j);
    nlohmann::json to_json() const;
};

class FingerprintSensor : public LocalServiceDevice {
public:
    FingerprintSensor(std::string id, std::uint64_t seed, FingerprintSensorConfig config = {});
    DeviceStatus status(sim::Time now) const override;
    sim::Time next_wakeup() const override;
    void on_wakeup(sim::Time now) override;

protected:
    Reply call(sim::Time now, std::string_view endpoint, const nlohmann::json& body) override;
    std::optional<std::string> absent_reason(sim::Time now) const override;
    nlohmann::json service_status(sim::Time now) const override;
    void settle(sim::Time now) override;
    std::optional<ActionResult> on_action(sim::Time now, std::string_view name, const nlohmann::json& action) override;
    std::vector<std::string> model_actions() const override;
    nlohmann::json model_state(sim::Time now) const override;

private:
    struct Finger {
        std::string name;
        double quality = 80;
        bool match = true;
        sim::Time lifted_at{};
    };
    struct Capture {
        int quality = 0;
        bool match = true;
        Bytes template_bytes;
    };
    bool finger_on(sim::Time now) const;
    void complete(sim::Time now);
    FingerprintSensorConfig m_config;
    bool m_initialised = false;
    std::optional<Finger> m_finger;
    SessionState m_state = SessionState::idle;
    sim::Time m_deadline{};
    std::optional<sim::Time> m_ready_at;
    bool m_doomed = false;            // no_finger_timeout struck this capture
    std::string m_struck;             // the operation fault that struck this capture, if any
    std::optional<Capture> m_result;
    std::uint64_t m_captures = 0;
    sim::Time m_last_now{};
    std::uint64_t m_seed;
    sim::Rng m_rng;
};

// --- Social-security card reader ----------------------------------------------------------

/// A 社会保障卡 (third generation, 规范版本 3.00) as the reader sees it. All synthetic.
struct SscCard {
    std::string name = "王小明";
    std::string ssn = "110105198504121236";   ///< 社会保障号码 = the citizen ID (GB 11643 check digit)
    std::string card_number = "A01234567";    ///< 卡号, 9 characters
    std::string region = "110000";            ///< 发卡地区行政区划代码 (GB/T 2260)
    std::string version = "3.00";             ///< 规范版本
    std::string issue_date = "20210315";
    std::string expiry_date = "20310315";
    std::string pin = "123456";
    bool reversed = false;       ///< inserted the wrong way round
    bool reported_lost = false;  ///< 挂失
};

struct SscReaderConfig {
    sim::Duration read_latency = std::chrono::milliseconds(350);    ///< "read_ms": iReadCardBas
    sim::Duration verify_latency = std::chrono::milliseconds(200);  ///< "verify_ms": iVerifyPIN
    int pin_tries = 3;                      ///< tries before the PIN blocks (1..15)
    std::string terminal_id = "KT000001";   ///< 终端机编号
    std::string device_no = "SSCR0001";     ///< 终端设备号

    static SscReaderConfig from_json(const nlohmann::json& j);
    nlohmann::json to_json() const;
};

class SscReader : public LocalServiceDevice {
public:
    SscReader(std::string id, std::uint64_t seed, SscReaderConfig config = {});
    DeviceStatus status(sim::Time now) const override;
    sim::Time next_wakeup() const override;
    void on_wakeup(sim::Time now) override;
    /// The PIN tries left on the inserted card (0 when none is inserted).
    int tries_left() const noexcept { return m_card ? m_tries_left : 0; }

protected:
    Reply call(sim::Time now, std::string_view endpoint, const nlohmann::json& body) override;
    std::optional<std::string> absent_reason(sim::Time now) const override;
    nlohmann::json service_status(sim::Time now) const override;
    std::optional<ActionResult> on_action(sim::Time now, std::string_view name, const nlohmann::json& action) override;
    std::vector<std::string> model_actions() const override;
    nlohmann::json model_state(sim::Time now) const override;

private:
    std::optional<Reply> card_problem(sim::Time now, const FaultRule* op, sim::Duration delay);
    SscReaderConfig m_config;
    std::optional<SscCard> m_card;
    std::string m_card_id;  // 卡识别码
    std::string m_atr;      // 卡复位信息
    int m_tries_left = 0;
    std::uint64_t m_inserts = 0;
    sim::Time m_last_now{};
    std::uint64_t m_seed;
};

// --- PIN pad ---------------------------------------------------------------------------------

struct PinPadConfig {
    bool keys_loaded = true;                          ///< terminal keys present at start
    std::string key_id = "TMK-01";
    std::string algorithm = "SM4";                    ///< "SM4" | "3DES" (a label: no real crypto)
    int min_len = 6;                                  ///< default PIN length bounds
    int max_len = 6;
    sim::Duration timeout = std::chrono::seconds(30); ///< "timeout_s": default wait for the PIN

    static PinPadConfig from_json(const nlohmann::json& j);
    nlohmann::json to_json() const;
};

class PinPad : public LocalServiceDevice {
public:
    PinPad(std::string id, std::uint64_t seed, PinPadConfig config = {});
    DeviceStatus status(sim::Time now) const override;
    sim::Time next_wakeup() const override;
    void on_wakeup(sim::Time now) override;
    bool keys_loaded() const noexcept { return m_keys_loaded; }

protected:
    Reply call(sim::Time now, std::string_view endpoint, const nlohmann::json& body) override;
    std::optional<std::string> absent_reason(sim::Time now) const override;
    nlohmann::json service_status(sim::Time now) const override;
    void settle(sim::Time now) override;
    std::optional<ActionResult> on_action(sim::Time now, std::string_view name, const nlohmann::json& action) override;
    std::vector<std::string> model_actions() const override;
    nlohmann::json model_state(sim::Time now) const override;

private:
    std::string pin_block(const std::string& pin) const;
    void finish_entry(sim::Time now, const std::string& pin);
    PinPadConfig m_config;
    bool m_keys_loaded;
    std::string m_key_id;
    std::uint64_t m_key_generation = 0;
    SessionState m_state = SessionState::idle;
    sim::Time m_deadline{};
    bool m_doomed = false;  // the timeout fault struck this entry
    std::string m_pan;
    int m_min_len = 6;
    int m_max_len = 6;
    std::string m_block;  // the PIN block of the finished entry (the PIN itself is never kept)
    int m_pin_length = 0;
    sim::Time m_last_now{};
    std::uint64_t m_seed;
};

}  // namespace kiosktwin::devices
