// The tamper-evident audit log (R-9.2-1: every refusal is audited; R-9.3-1:
// audit records are tamper-evident, ID numbers masked in logs).
//
//   * A Record is {seq, at, actor, action, outcome, detail, alg, prev_hash,
//     hash}: seq counts from 1 with no gaps; `at` is a GB/T 7408 string on
//     the log's calendar; `actor` the terminal id or key id; `outcome` "ok"
//     or an api error id ("auth.unregistered_terminal"); `detail` any JSON.
//   * Masking (R-9.3-1): append() runs mask_ids() / mask_ids_json() over actor, action,
//     outcome and every string (and object key) of detail, so an 18-character
//     ID number (17 digits then a digit or X/x, not inside a longer run of
//     digits; letters around it do not protect it) never reaches the log unmasked: it becomes
//     protocol::mask_id's "1101**********1234".
//   * Chain: prev_hash of record 1 is 64 '0's (genesis); of record n, the
//     hash of record n-1. hash = lower-case hex digest(prev_hash +
//     canonical(record)), where canonical() is the compact JSON of every
//     field but `hash`, object keys sorted (nlohmann's order), UTF-8 unescaped.
//     `alg` names the digest: "SM3" when this OpenSSL build has it (GB/T
//     39786, standard-notes §9.3), else "SHA-256"; each record carries its
//     alg, and the verifier uses it (so a log moves between builds; a record
//     whose alg this build lacks fails verification).
//   * verify() walks the chain and reports the first broken position by the
//     seq expected there (position + 1): a changed field breaks that
//     record's hash; a deleted record k breaks the seq count at k; records
//     swapped at k and k+1 break at k. Truncating the tail is only visible
//     against an anchored head hash (verify(expected_head)), reported at
//     size() + 1.
//   * to_jsonl() writes one record a line (the record's JSON, with `hash`);
//     from_jsonl() reads it back without judging it (so a tampered file can be
//     loaded and verified).
//
// A pure model: no wall clock; the caller gives the virtual time.
#pragma once

#include <kiosktwin/api/errors.hpp>
#include <kiosktwin/sim/calendar.hpp>
#include <kiosktwin/sim/time.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::services::audit {

/// The chain's digest.
enum class HashAlg : std::uint8_t {
    sm3,     ///< "SM3"
    sha256,  ///< "SHA-256"
};
std::string_view to_string(HashAlg a) noexcept;
std::optional<HashAlg> parse_hash_alg(std::string_view name) noexcept;
/// SM3 when api::sm3_available(), else SHA-256.
HashAlg preferred_hash_alg() noexcept;
/// Whether this build can compute the digest.
bool available(HashAlg a) noexcept;

/// The genesis prev_hash: 64 '0's.
const std::string& genesis_hash();

/// R-9.3-1: every 18-character ID number in `text` masked with protocol::mask_id.
std::string mask_ids(std::string_view text);
/// The same over a JSON value: every string and object key, recursively.
nlohmann::json mask_ids_json(const nlohmann::json& value);

struct Record {
    std::uint64_t seq = 0;
    std::string at;       ///< GB/T 7408, "2026-06-01T08:00:00+08:00"
    std::string actor;    ///< terminal id / key id / "platform"
    std::string action;   ///< "terminal.register", "terminal.heartbeat", ...
    std::string outcome;  ///< "ok" or an api error id
    nlohmann::json detail = nlohmann::json::object();
    HashAlg alg = HashAlg::sha256;
    std::string prev_hash;
    std::string hash;

    bool ok() const noexcept { return outcome == "ok"; }
    friend bool operator==(const Record&, const Record&) = default;
};

/// The JSON of a record: {"seq","at","actor","action","outcome","detail","alg","prev_hash","hash"}.
nlohmann::json to_json(const Record& r);
/// Inverse of to_json; throws std::invalid_argument naming the bad member.
Record record_from_json(const nlohmann::json& j);
/// What the hash covers: to_json without "hash", compact, keys sorted.
std::string canonical(const Record& r);
/// digest(prev_hash + canonical(r)) with r.alg; throws std::runtime_error if the alg is not in this build.
std::string compute_hash(const Record& r);

/// The verdict of verify(): ok, or the seq expected at the first broken position.
struct Verification {
    bool ok = true;
    std::uint64_t seq = 0;  ///< 0 when ok
    std::string reason;     ///< "hash mismatch", "seq 5 where 4 expected", ...
    explicit operator bool() const noexcept { return ok; }
};

/// Checks a sequence of records as a chain from genesis.
Verification verify(const std::vector<Record>& records, std::string_view expected_head = {});

class AuditLog {
public:
    /// `calendar` formats `at`; `alg` must be available in this build
    /// (std::invalid_argument otherwise).
    explicit AuditLog(sim::Calendar calendar = sim::Calendar{}, HashAlg alg = preferred_hash_alg());

    /// Appends one record (masked, chained) and returns it. Throws
    /// std::invalid_argument if a string is not UTF-8.
    const Record& append(sim::Time now, std::string_view actor, std::string_view action,
                         std::string_view outcome, const nlohmann::json& detail = nlohmann::json::object());
    /// The same with the outcome as an error code ("ok" for ErrorCode::ok).
    const Record& append(sim::Time now, std::string_view actor, std::string_view action,
                         api::ErrorCode outcome, const nlohmann::json& detail = nlohmann::json::object());

    const std::vector<Record>& records() const noexcept { return m_records; }
    std::size_t size() const noexcept { return m_records.size(); }
    bool empty() const noexcept { return m_records.empty(); }
    /// The last record's hash (genesis when empty): anchor it elsewhere to detect truncation.
    const std::string& head() const;
    HashAlg alg() const noexcept { return m_alg; }
    const sim::Calendar& calendar() const noexcept { return m_calendar; }

    /// Records whose action / outcome match (a convenience for tests and reports).
    std::vector<const Record*> find(std::string_view action, std::string_view outcome = {}) const;

    /// See audit::verify.
    Verification verify(std::string_view expected_head = {}) const;

    /// One record a line, '\n'-terminated.
    std::string to_jsonl() const;
    /// Reads to_jsonl output (blank lines skipped) without verifying it; the
    /// log's alg is the last record's (or `alg` when empty). Throws
    /// std::invalid_argument with the line number on malformed input.
    static AuditLog from_jsonl(std::string_view text, sim::Calendar calendar = sim::Calendar{},
                               HashAlg alg = preferred_hash_alg());

private:
    sim::Calendar m_calendar;
    HashAlg m_alg;
    std::vector<Record> m_records;
};

}  // namespace kiosktwin::services::audit
