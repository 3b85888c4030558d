// Request signing (R-8.1-1) and its verification with replay protection
// (R-9.2-1): key id + GB/T 7408 timestamp + nonce + HMAC, SM3 where the
// OpenSSL build has it (standard-notes.md §8.1, "appKey + timestamp + nonce +
// SM3/HMAC signature").
//
// THE CONTRACT FOR KIOSK PROGRAMS
//
// A signed request carries five headers (names are case-insensitive on the
// wire; this API takes and gives them in lower case):
//
//   x-kiosk-key-id            the key id the platform issued, 1-128 visible
//                             ASCII characters (0x21-0x7E)
//   x-kiosk-timestamp         GB/T 7408 (ISO 8601) extended date-time with an
//                             explicit offset, YYYY-MM-DDThh:mm:ss[.f{1,6}]
//                             followed by +hh:mm, -hh:mm or Z, e.g.
//                             2026-11-27T14:30:00+08:00
//   x-kiosk-nonce             16-64 characters of [A-Za-z0-9_-], never reused
//                             with the same key id within the window
//   x-kiosk-signature-method  HMAC-SM3 or HMAC-SHA256
//   x-kiosk-signature         lower-case hex of the HMAC (64 digits for both
//                             methods; upper case is accepted)
//
// The signature is HMAC(secret, canonical string) with the method's hash. The
// canonical string is seven lines joined by '\n' (0x0A), no trailing newline:
//
//   1 the HTTP method, ASCII upper-cased                 POST
//   2 the path: the request target up to the first '?'   /api/v1/applications
//     or '#', byte for byte as sent ("/" if empty)
//   3 the canonical query (empty line if none):          a=1&a=2&q=%E4%B8%AD
//     - the query is the target between '?' and '#';
//     - split on '&', drop empty pieces; each piece splits at its first '='
//       into name and value (no '=' means an empty value);
//     - percent-decode name and value (%XX, either hex case; a '%' not
//       followed by two hex digits stays a literal '%'; '+' is a literal
//       '+', not a space);
//     - re-encode every byte outside RFC 3986's unreserved set
//       (A-Z a-z 0-9 - . _ ~) as %XX with upper-case hex;
//     - sort the pairs by encoded name, then encoded value, comparing bytes;
//     - join as name=value (the '=' always present) with '&'.
//   4 the key id, as sent                                kiosk-0042
//   5 the timestamp, exactly as sent                     2026-11-27T14:30:00+08:00
//   6 the nonce, as sent                                 7fK2_aQ9-LmZ0pXw
//   7 lower-case hex digest of the raw body bytes with the method's hash
//     family: SM3 for HMAC-SM3, SHA-256 for HMAC-SHA256 (the digest of the
//     empty string when there is no body)
//
// The verifier accepts a request when all five headers are well formed, the
// method is supported by this build, the key id is registered, the
// timestamp is within ±window (default 300 s, bounds included) of the
// verifier's `now`, the signature matches (constant-time comparison) and the
// (key id, nonce) pair has not been accepted before within the window.
// Refusals, each with a stable code (checked in this order):
//
//   401 auth.missing_header    a header is absent (the message names it)
//   401 auth.bad_header        a header is present but malformed (named)
//   401 auth.bad_method        signature method unknown or not in this build
//   401 auth.unknown_key       key id not registered
//   401 auth.stale_timestamp   timestamp unparsable, or outside the window
//                              (the message says by how much)
//   401 auth.bad_signature     the HMAC does not match
//   401 auth.replayed_nonce    the (key id, nonce) was already accepted
//
// Only a request whose signature verifies records its nonce, so a forged or
// stale request never burns a nonce.
#pragma once

#include <kiosktwin/sim/calendar.hpp>
#include <kiosktwin/sim/time.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace kiosktwin::api {

// ---- HMAC and digests (OpenSSL 3 EVP_MAC / EVP_MD) -------------------------

enum class SignatureMethod { hmac_sm3, hmac_sha256 };

/// "HMAC-SM3" or "HMAC-SHA256", the x-kiosk-signature-method value.
std::string_view method_name(SignatureMethod m) noexcept;
/// The method with that exact (case-sensitive) name; nullopt for any other.
std::optional<SignatureMethod> parse_method_name(std::string_view name) noexcept;

/// Whether this OpenSSL build provides SM3 (probed once, thread-safe).
bool sm3_available() noexcept;
/// HMAC-SM3 when SM3 is available, otherwise HMAC-SHA256.
SignatureMethod preferred_method() noexcept;

/// Lower-case hex of HMAC(key, message) with the method's hash (64 digits).
/// Throws std::runtime_error if OpenSSL fails (e.g. SM3 absent).
std::string hmac_hex(SignatureMethod m, std::string_view key, std::string_view message);
/// Lower-case hex of SM3(data) or SHA-256(data), the method's hash family.
std::string digest_hex(SignatureMethod m, std::string_view data);

// ---- Canonical form ---------------------------------------------------------

inline constexpr std::string_view k_header_key_id = "x-kiosk-key-id";
inline constexpr std::string_view k_header_timestamp = "x-kiosk-timestamp";
inline constexpr std::string_view k_header_nonce = "x-kiosk-nonce";
inline constexpr std::string_view k_header_signature_method = "x-kiosk-signature-method";
inline constexpr std::string_view k_header_signature = "x-kiosk-signature";

/// What the signature covers besides the headers.
struct SigningRequest {
    std::string method;  ///< HTTP method, any case ("POST")
    std::string target;  ///< request target: path and optional query ("/a/b?x=1")
    std::string body;    ///< raw body bytes (empty for none)
};

/// RFC 3986 percent-encoding: bytes outside A-Z a-z 0-9 - . _ ~ become %XX (upper-case hex).
std::string percent_encode(std::string_view raw);
/// %XX decoding as the canonical query reads it (either hex case; a '%' not
/// followed by two hex digits stays a literal '%'; '+' stays '+').
std::string percent_decode(std::string_view encoded);
/// Line 3 of the canonical string, from a raw query (without the '?').
std::string canonical_query(std::string_view query);
/// The seven-line canonical string described at the top of this header.
std::string canonical_string(const SigningRequest& r, std::string_view key_id,
                             std::string_view timestamp, std::string_view nonce,
                             SignatureMethod m);

/// 16-64 characters of [A-Za-z0-9_-].
bool valid_nonce(std::string_view nonce) noexcept;
/// 1-128 characters in 0x21-0x7E.
bool valid_key_id(std::string_view key_id) noexcept;
/// YYYY-MM-DDThh:mm:ss[.f{1,6}](Z|+hh:mm|-hh:mm); the shape only, not the
/// calendar ranges (the sim::Calendar parser checks those).
bool valid_timestamp_shape(std::string_view timestamp) noexcept;
/// The offset of a timestamp of that shape ("+08:00", "-05:30", "Z"), or
/// empty when the shape is wrong.
std::string_view timestamp_offset(std::string_view timestamp) noexcept;

// ---- Client side ------------------------------------------------------------

/// The five header values of a signed request.
struct SignedHeaders {
    std::string key_id;
    std::string timestamp;
    std::string nonce;
    std::string signature_method;  ///< "HMAC-SM3" / "HMAC-SHA256"
    std::string signature;         ///< lower-case hex

    /// The headers by their lower-case names, as Verifier::verify takes them.
    std::map<std::string, std::string> to_map() const;
};

/// Signs a request. `timestamp` is sent exactly as given (format it with
/// sim::Calendar::iso8601); `nonce` must be fresh per key id. Throws
/// std::invalid_argument if the key id, timestamp shape or nonce is invalid
/// or the secret is empty, std::runtime_error if the method is not in this build.
SignedHeaders sign(const SigningRequest& r, std::string_view key_id, std::string_view secret,
                   std::string timestamp, std::string nonce, SignatureMethod m);

// ---- Server side ------------------------------------------------------------

/// The verdict on one request. ok() iff code is empty; refusals carry the
/// HTTP status (401/403), a stable code, a message for the audit trail
/// (R-9.2-1: every refusal is audited) and the header at fault, if any.
struct VerifyResult {
    int status = 200;
    std::string code;     ///< "" when accepted, else "auth.*" (see the table above)
    std::string message;  ///< human-readable detail; never contains the secret
    std::string header;   ///< the offending header's name, for missing/bad header
    std::string key_id;   ///< the claimed key id when one was sent (for audit)

    bool ok() const noexcept { return code.empty(); }
    explicit operator bool() const noexcept { return ok(); }
};

/// Verifies signed requests against a key store, a time window and a replay
/// cache. `now` is virtual time; the timestamp header is turned into virtual
/// time by the Calendar given at construction (any offset is accepted, so
/// +08:00 and Z name the same instants).
///
/// Replay cache: an accepted (key id, nonce) is remembered until its
/// timestamp + window, the last instant at which the same signed request
/// would still pass the timestamp check; afterwards it is evicted, since a
/// replay would be refused as stale anyway. Memory is thus bounded by the
/// requests accepted in 2 x window. On top of that a hard cap (default
/// 1,000,000 entries) evicts the entries that expire soonest when full: under
/// such a flood an evicted nonce could be replayed within its window, which
/// is the stated price of bounded memory (1M entries in 600 s is about
/// 1,700 accepted requests per second).
///
/// Not thread-safe: the gateway's shared state holds it under its lock.
class Verifier {
public:
    static constexpr sim::Duration k_default_window = std::chrono::seconds(300);
    static constexpr std::size_t k_default_max_nonces = 1'000'000;

    /// `calendar` maps virtual time to civil time; `window` is the accepted
    /// |timestamp - now| (> 0); `max_nonces` the replay cache's hard cap (> 0).
    explicit Verifier(sim::Calendar calendar, sim::Duration window = k_default_window,
                      std::size_t max_nonces = k_default_max_nonces);
    // The replay index points into the cache's nodes: moving keeps them, copying would not.
    Verifier(const Verifier&) = delete;
    Verifier& operator=(const Verifier&) = delete;
    Verifier(Verifier&&) noexcept = default;
    Verifier& operator=(Verifier&&) noexcept = default;
    ~Verifier() = default;

    /// Registers (or replaces) a key. Throws std::invalid_argument if the id
    /// is not valid_key_id or the secret is empty.
    void add_key(std::string key_id, std::string secret);
    /// Unregisters a key; returns whether it was registered.
    bool remove_key(std::string_view key_id);
    bool has_key(std::string_view key_id) const;

    /// Checks one request; `headers` are keyed by lower-case names. Records
    /// the nonce only when the request is accepted.
    VerifyResult verify(const SigningRequest& r, const std::map<std::string, std::string>& headers,
                        sim::Time now);

    /// Drops replay-cache entries that expired before `now` (verify does this too).
    void evict_expired(sim::Time now);
    /// Entries currently in the replay cache.
    std::size_t replay_cache_size() const noexcept { return m_seen.size(); }

    sim::Duration window() const noexcept { return m_window; }
    std::size_t max_nonces() const noexcept { return m_max_nonces; }
    const sim::Calendar& calendar() const noexcept { return m_calendar; }

private:
    void remember(std::string key, sim::Time expiry);

    sim::Calendar m_calendar;
    sim::Duration m_window;
    std::size_t m_max_nonces;
    std::map<std::string, std::string, std::less<>> m_keys;  // key id -> secret
    // Replay cache: "key id\nnonce" -> (expiry, sequence), plus the same
    // entries ordered by (expiry, sequence) for eviction. The index points at
    // the unordered_map's keys, which stay put across rehashing.
    std::unordered_map<std::string, std::pair<sim::Time, std::uint64_t>> m_seen;
    std::map<std::pair<sim::Time, std::uint64_t>, const std::string*> m_by_expiry;
    std::uint64_t m_sequence = 0;
};

}  // namespace kiosktwin::api
