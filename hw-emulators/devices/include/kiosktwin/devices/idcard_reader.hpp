// The ID-card reader (居民身份证阅读器, GA 450) with its SAM module speaking the
// business-terminal serial protocol (GA/T 467): spec §2.1, §3.1 and Annex H1.
//
// The model is a serial device at 115200 8N1 by default (R-8.3-1). It takes
// request frames one at a time, as the reader's controller does: each command
// has its processing time (RF and card time: ≈20 ms to find or select a card,
// ≈400 ms to read it), then its answer goes out paced at the line's rate (the
// 1295-byte read answer takes ≈112 ms at 115200 baud, ≈1.35 s at 9600).
// Requests arriving meanwhile wait in a short queue.
//
// State: a SAM (working, or failed its self-test), a card (absent or on the
// reader) and the card session: find → select → read, each step mandatory.
//   - find (20 01): 9F + 4 bytes (IIN) with a card, 80 without;
//   - select (20 02): 90 + 8 bytes (SN); 81 if the card was not found first
//     (an ATTRIB with no preceding REQB goes unanswered) or has gone;
//   - read (30 01 / 30 03 / 30 10): 21 unless the card was selected first
//     (SW3 21 covers "command logic" errors in libsamv's table); 41 if the card
//     left after the select; 91 for 30 03 when the card has no appended address;
//   - reset (10 FF) ends the session; status (11 FF); SAM id (12 FF);
//   - set baud (60 00..04): answered at the old rate, then the reader switches.
//     A client that does not follow sees garbage (the live host garbles bytes
//     when the two ends disagree).
// Malformed requests: bad CHK → 10, bad length → 11, unknown CMD/PARA → 21.
//
// Faults (FaultModel rules; operation names for "operation": reset, status,
// sam_id, find, select, read, read_address, read_fingerprint, set_baud,
// malformed). Card faults act on the commands they concern and are ignored on
// others, so give operation rules an "operation":
//   find_fail (80), select_fail (81), read_fail (41), auth_fail_card (31),
//   auth_fail_sam (32), verify_error (33), wrong_card_type (40),
//   random_fail (47), no_appended_address (91), card_removed_during_read (41
//   halfway through the read; the card is gone), slow_read (+params.extra_ms,
//   default 1000), corrupt_photo (the photo blob garbled in a valid frame).
// Any command:
//   self_test_fail (60 to everything: while a condition rule holds, or from an
//   operation rule's strike until that rule is cleared or a power_cycle),
//   not_authorised (66 to find/select/read/status), error_reply (SW3 =
//   params.sw3), no_reply, truncated_reply (params.bytes, default half),
//   corrupt_checksum, garbage_before (params.bytes of noise, default 8),
//   disconnected (nothing is read or answered; status ABSENT).
#pragma once

#include <kiosktwin/devices/device.hpp>
#include <kiosktwin/devices/id_cards.hpp>
#include <kiosktwin/protocol/sam.hpp>
#include <kiosktwin/sim/random.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

namespace kiosktwin::devices {

struct IdCardReaderConfig {
    int baud = 115200;                  ///< the reader's rate at power-on, bits/s (one of the five of 60 0x)
    double find_ms = 20;                ///< processing before the answer starts, per command (ms)
    double select_ms = 20;
    double read_ms = 400;               ///< 30 01: RF and card time of a text+photo read
    double read_fingerprint_ms = 650;   ///< 30 10
    double read_address_ms = 120;       ///< 30 03
    double reset_ms = 150;
    double status_ms = 5;
    double sam_id_ms = 10;
    double set_baud_ms = 5;
    double error_ms = 2;                ///< answering a malformed request
    double jitter_ms = 0;               ///< uniform [0, jitter_ms] added to each processing time (seeded)
    double rx_timeout_ms = 200;         ///< a partial request silent this long is dropped
    std::size_t max_frame_len = protocol::k_sam_default_max_len;  ///< larger Len → length error (11)
    std::size_t max_queued_requests = 8;  ///< requests waiting while the reader is busy; more are lost
    bool reads_permits = true;          ///< false: an old SAM, 40 for permits and foreign cards
    bool fingerprint_command = true;    ///< false: 30 10 is an unknown command (21)
    std::string sam_id;                 ///< "05.01-20260101-0012345678-1234567890"; "" = drawn from the seed
    protocol::CivilDate reference_date{2026, 6, 1};  ///< civil date at t = 0: "today" for generated cards

    /// Keys as the members ("reference_date": "2026-06-01" or "20260601").
    /// Unknown keys and bad values throw std::invalid_argument naming the key.
    static IdCardReaderConfig from_json(const nlohmann::json& j);
    nlohmann::json to_json() const;
};

class IdCardReader : public StreamDevice {
public:
    static constexpr const char* k_kind = "idcard_reader";

    IdCardReader(std::string id, std::uint64_t seed, IdCardReaderConfig config = {});

    void on_bytes(sim::Time now, ByteView bytes) override;
    DeviceStatus status(sim::Time now) const override;
    sim::Time next_wakeup() const override;
    void on_wakeup(sim::Time now) override;
    /// Forces the reader's own rate (bits/s), cancelling a pending switch.
    void set_baud(int baud) override;

    /// A citizen puts a card on the reader. `damaged`: the chip answers find
    /// and select but every read fails (41). Returns false if a card is already there.
    bool insert_card(sim::Time now, IdCard card, bool damaged = false);
    /// The citizen takes the card away; nullopt if there was none.
    std::optional<IdCard> remove_card(sim::Time now);
    const std::optional<IdCard>& card() const noexcept { return m_card; }
    /// The next card of the reader's seeded generator (for insert_card {"generate": ...}).
    IdCard generate_card(sim::Time now, GeneratorOptions options);
    /// Power off and on: the session, queue, pending output and a latched self-test failure go; baud returns to the configured rate.
    void power_cycle(sim::Time now);

    const IdCardReaderConfig& config() const noexcept { return m_config; }
    /// Requests waiting behind the one in hand, and those lost to a full queue so far.
    std::size_t queued_requests() const noexcept { return m_queue.size(); }
    std::uint64_t dropped_requests() const noexcept { return m_dropped_requests; }
    /// A command is being processed (its answer not yet started).
    bool busy() const noexcept { return m_current.has_value(); }
    const protocol::SamId& sam_id() const noexcept { return m_sam_id; }
    /// "Today" at `now`: the configured reference date plus the whole days elapsed.
    protocol::CivilDate today(sim::Time now) const noexcept;
    /// Every fault name the reader knows.
    static std::vector<std::string> fault_names();

protected:
    std::optional<ActionResult> on_action(sim::Time now, std::string_view name, const nlohmann::json& action) override;
    std::vector<std::string> model_actions() const override;
    nlohmann::json model_state(sim::Time now) const override;

private:
    enum class Session { idle, found, selected };
    enum class Input { request, checksum_error, length_error };
    struct Pending {
        sim::Time arrival{};
        Input input = Input::request;
        protocol::SamRequest request;
    };
    struct InFlight {
        Pending p;
        std::string op;
        sim::Time start{};
        sim::Time done{};
        std::string fault;  // the operation rule that struck, if any
        std::string fault_id;
        nlohmann::json params = nlohmann::json::object();
        mutable bool fault_used = false;  // the struck fault applied to this command
    };
    struct Answer {
        protocol::SamResponse response;
        bool reply = true;
        int new_baud = 0;  // set_baud: the rate to switch to once the answer is out
        nlohmann::json note = nlohmann::json::object();
    };

    void advance(sim::Time now);
    bool start_next();
    void complete(InFlight& f);
    void deliver(InFlight& f);
    Answer execute(InFlight& f, sim::Time t);
    Answer read_card(InFlight& f, sim::Time t, protocol::SamCommand cmd);
    bool holds(const InFlight& f, sim::Time t, const char* fault) const;
    nlohmann::json fault_params(const InFlight& f, sim::Time t, const char* fault) const;
    bool self_test_failed(sim::Time t) const;
    sim::Duration processing(const std::string& op);
    std::string operation_of(const Pending& p) const;

    IdCardReaderConfig m_config;
    protocol::SamDecoder m_decoder;
    protocol::SamId m_sam_id;
    ResidentGenerator m_generator;
    sim::Rng m_timing_rng;
    sim::Rng m_noise_rng;

    std::optional<IdCard> m_card;
    bool m_card_damaged = false;
    Session m_session = Session::idle;

    std::deque<Pending> m_queue;
    std::optional<InFlight> m_current;
    sim::Time m_free_at{};    // when the reader can start the next command
    sim::Time m_last_rx{};    // when the last byte arrived (for the inter-byte timeout)
    int m_pending_baud = 0;   // a set_baud answered, switch due once its answer is out
    sim::Time m_baud_switch_at = sim::end_of_time;
    std::string m_self_test_rule;  // an operation rule that failed the self-test, latched until cleared
    std::uint64_t m_dropped_requests = 0;
};

}  // namespace kiosktwin::devices
