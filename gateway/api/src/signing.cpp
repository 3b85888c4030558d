// Request signing and verification (R-8.1-1, R-9.2-1); the contract is in
// signing.hpp.
#include <kiosktwin/api/signing.hpp>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <algorithm>
#include <cstdio>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <vector>

namespace kiosktwin::api {

namespace {

constexpr std::string_view k_name_sm3 = "HMAC-SM3";
constexpr std::string_view k_name_sha256 = "HMAC-SHA256";

const char* digest_name(SignatureMethod m) noexcept {
    return m == SignatureMethod::hmac_sm3 ? "SM3" : "SHA256";
}

struct MdFree {
    void operator()(EVP_MD* p) const noexcept { EVP_MD_free(p); }
};

[[noreturn]] void openssl_failure(std::string what) {
    ERR_clear_error();  // leave the thread's error queue clean for the next caller
    what.insert(0, "OpenSSL: ");
    throw std::runtime_error(what);
}


std::string to_hex(const unsigned char* p, std::size_t n) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(2 * n);
    for (std::size_t i = 0; i < n; ++i) {
        out.push_back(digits[p[i] >> 4]);
        out.push_back(digits[p[i] & 0x0F]);
    }
    return out;
}

int hex_value(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

bool is_unreserved(unsigned char c) noexcept {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

// "301 s" or "300.000001 s".
std::string format_seconds(std::int64_t us) {
    char buf[48];
    const std::int64_t whole = us / 1'000'000;
    const std::int64_t frac = us % 1'000'000;
    if (frac == 0) {
        std::snprintf(buf, sizeof buf, "%lld s", static_cast<long long>(whole));
    } else {
        int n = std::snprintf(buf, sizeof buf, "%lld.%06lld", static_cast<long long>(whole),
                              static_cast<long long>(frac));
        while (n > 0 && buf[n - 1] == '0') buf[--n] = '\0';
        std::snprintf(buf + n, sizeof buf - static_cast<std::size_t>(n), " s");
    }
    return buf;
}

bool is_signature_hex(std::string_view s) noexcept {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) { return hex_value(c) >= 0; });
}

}  // namespace

// ---- HMAC and digests -------------------------------------------------------

std::string_view method_name(SignatureMethod m) noexcept {
    return m == SignatureMethod::hmac_sm3 ? k_name_sm3 : k_name_sha256;
}

std::optional<SignatureMethod> parse_method_name(std::string_view name) noexcept {
    if (name == k_name_sm3) return SignatureMethod::hmac_sm3;
    if (name == k_name_sha256) return SignatureMethod::hmac_sha256;
    return std::nullopt;
}

bool sm3_available() noexcept {
    static const bool available = [] {
        std::unique_ptr<EVP_MD, MdFree> md(EVP_MD_fetch(nullptr, "SM3", nullptr));
        ERR_clear_error();
        return md != nullptr;
    }();
    return available;
}

SignatureMethod preferred_method() noexcept {
    return sm3_available() ? SignatureMethod::hmac_sm3 : SignatureMethod::hmac_sha256;
}

namespace {

// Fetched once: OpenSSL 3's EVP_*_fetch takes a lock and a lookup per call,
// which costs more than hashing a short request. EVP_MD objects are
// reference-counted and safe to share between threads.
const EVP_MD* cached_md(SignatureMethod m) {
    static const std::unique_ptr<EVP_MD, MdFree> sm3 = [] {
        std::unique_ptr<EVP_MD, MdFree> md(EVP_MD_fetch(nullptr, "SM3", nullptr));
        ERR_clear_error();
        return md;
    }();
    static const std::unique_ptr<EVP_MD, MdFree> sha256(EVP_MD_fetch(nullptr, "SHA256", nullptr));
    const EVP_MD* md = m == SignatureMethod::hmac_sm3 ? sm3.get() : sha256.get();
    if (!md) {
        std::string what = "digest ";
        what.append(digest_name(m)).append(" is not available");
        openssl_failure(std::move(what));
    }
    return md;
}

struct MdCtxFree {
    void operator()(EVP_MD_CTX* p) const noexcept { EVP_MD_CTX_free(p); }
};

// One context per thread, reinitialised for every digest.
EVP_MD_CTX* thread_ctx() {
    thread_local const std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
    if (!ctx) openssl_failure("EVP_MD_CTX_new failed");
    return ctx.get();
}

// H(a || b) into out; returns its length.
unsigned digest_into(const EVP_MD* md, std::string_view a, std::string_view b, unsigned char* out) {
    EVP_MD_CTX* ctx = thread_ctx();
    unsigned len = 0;
    if (EVP_DigestInit_ex2(ctx, md, nullptr) != 1 || EVP_DigestUpdate(ctx, a.data(), a.size()) != 1 ||
        EVP_DigestUpdate(ctx, b.data(), b.size()) != 1 || EVP_DigestFinal_ex(ctx, out, &len) != 1)
        openssl_failure("digest failed");
    return len;
}

}  // namespace

// HMAC (RFC 2104) over the cached digest: both SM3 and SHA-256 have 64-byte blocks.
std::string hmac_hex(SignatureMethod m, std::string_view key, std::string_view message) {
    const EVP_MD* md = cached_md(m);
    const std::size_t block = static_cast<std::size_t>(EVP_MD_get_block_size(md));
    unsigned char hashed_key[EVP_MAX_MD_SIZE];
    if (key.size() > block) {
        const unsigned n = digest_into(md, key, {}, hashed_key);
        key = std::string_view(reinterpret_cast<const char*>(hashed_key), n);
    }
    std::string ipad(block, '\x36'), opad(block, '\x5c');
    for (std::size_t i = 0; i < key.size(); ++i) {
        ipad[i] = static_cast<char>(ipad[i] ^ key[i]);
        opad[i] = static_cast<char>(opad[i] ^ key[i]);
    }
    unsigned char inner[EVP_MAX_MD_SIZE], out[EVP_MAX_MD_SIZE];
    const unsigned inner_len = digest_into(md, ipad, message, inner);
    const unsigned out_len =
        digest_into(md, opad, std::string_view(reinterpret_cast<const char*>(inner), inner_len), out);
    return to_hex(out, out_len);
}

std::string digest_hex(SignatureMethod m, std::string_view data) {
    unsigned char out[EVP_MAX_MD_SIZE];
    const unsigned n = digest_into(cached_md(m), data, {}, out);
    return to_hex(out, n);
}

// ---- Canonical form ---------------------------------------------------------

std::string percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
            out.push_back(static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2])));
            i += 2;
        } else {
            out.push_back(s[i]);
        }
    }
    return out;
}

std::string percent_encode(std::string_view raw) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(raw.size());
    for (char ch : raw) {
        const auto c = static_cast<unsigned char>(ch);
        if (is_unreserved(c)) {
            out.push_back(ch);
        } else {
            out.push_back('%');
            out.push_back(digits[c >> 4]);
            out.push_back(digits[c & 0x0F]);
        }
    }
    return out;
}

std::string canonical_query(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> pairs;
    while (!query.empty()) {
        const std::size_t amp = query.find('&');
        const std::string_view piece = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
        if (piece.empty()) continue;
        const std::size_t eq = piece.find('=');
        const std::string_view name = piece.substr(0, eq);
        const std::string_view value = eq == std::string_view::npos ? std::string_view{} : piece.substr(eq + 1);
        pairs.emplace_back(percent_encode(percent_decode(name)), percent_encode(percent_decode(value)));
    }
    std::sort(pairs.begin(), pairs.end());
    std::string out;
    for (const auto& [name, value] : pairs) {
        if (!out.empty()) out.push_back('&');
        out.append(name).append("=").append(value);
    }
    return out;
}

std::string canonical_string(const SigningRequest& r, std::string_view key_id,
                             std::string_view timestamp, std::string_view nonce,
                             SignatureMethod m) {
    const std::string_view target = r.target;
    const std::size_t path_end = target.find_first_of("?#");
    std::string_view path = target.substr(0, path_end);
    if (path.empty()) path = "/";
    std::string_view query;
    if (path_end != std::string_view::npos && target[path_end] == '?') {
        query = target.substr(path_end + 1);
        query = query.substr(0, query.find('#'));
    }

    std::string out;
    out.reserve(r.method.size() + target.size() + key_id.size() + timestamp.size() + nonce.size() + 96);
    for (char c : r.method) out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
    out.append("\n").append(path);
    out.append("\n").append(canonical_query(query));
    out.append("\n").append(key_id);
    out.append("\n").append(timestamp);
    out.append("\n").append(nonce);
    out.append("\n").append(digest_hex(m, r.body));
    return out;
}

bool valid_nonce(std::string_view nonce) noexcept {
    return nonce.size() >= 16 && nonce.size() <= 64 &&
           std::all_of(nonce.begin(), nonce.end(), [](char c) {
               return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || is_digit(c) || c == '_' || c == '-';
           });
}

bool valid_key_id(std::string_view key_id) noexcept {
    return !key_id.empty() && key_id.size() <= 128 &&
           std::all_of(key_id.begin(), key_id.end(), [](char c) { return c >= 0x21 && c <= 0x7E; });
}

std::string_view timestamp_offset(std::string_view t) noexcept {
    // YYYY-MM-DDThh:mm:ss
    static constexpr std::string_view pattern = "dddd-dd-ddTdd:dd:dd";
    if (t.size() < pattern.size()) return {};
    for (std::size_t i = 0; i < pattern.size(); ++i) {
        if (pattern[i] == 'd' ? !is_digit(t[i]) : t[i] != pattern[i]) return {};
    }
    std::size_t i = pattern.size();
    if (i < t.size() && t[i] == '.') {
        const std::size_t first = ++i;
        while (i < t.size() && is_digit(t[i])) ++i;
        if (i == first || i - first > 6) return {};
    }
    const std::string_view offset = t.substr(i);
    if (offset == "Z") return offset;
    if (offset.size() == 6 && (offset[0] == '+' || offset[0] == '-') && is_digit(offset[1]) && is_digit(offset[2]) &&
        offset[3] == ':' && is_digit(offset[4]) && is_digit(offset[5]))
        return offset;
    return {};
}

bool valid_timestamp_shape(std::string_view t) noexcept { return !timestamp_offset(t).empty(); }

// ---- Client side ------------------------------------------------------------

std::map<std::string, std::string> SignedHeaders::to_map() const {
    return {{std::string(k_header_key_id), key_id},
            {std::string(k_header_timestamp), timestamp},
            {std::string(k_header_nonce), nonce},
            {std::string(k_header_signature_method), signature_method},
            {std::string(k_header_signature), signature}};
}

SignedHeaders sign(const SigningRequest& r, std::string_view key_id, std::string_view secret,
                   std::string timestamp, std::string nonce, SignatureMethod m) {
    if (!valid_key_id(key_id)) throw std::invalid_argument("sign: key id must be 1-128 visible ASCII characters");
    if (secret.empty()) throw std::invalid_argument("sign: empty secret");
    if (!valid_timestamp_shape(timestamp))
        throw std::invalid_argument("sign: timestamp must be YYYY-MM-DDThh:mm:ss[.ffffff] with an offset");
    if (!valid_nonce(nonce)) throw std::invalid_argument("sign: nonce must be 16-64 characters of [A-Za-z0-9_-]");
    SignedHeaders h;
    h.signature = hmac_hex(m, secret, canonical_string(r, key_id, timestamp, nonce, m));
    h.key_id = key_id;
    h.timestamp = std::move(timestamp);
    h.nonce = std::move(nonce);
    h.signature_method = method_name(m);
    return h;
}

// ---- Server side ------------------------------------------------------------

Verifier::Verifier(sim::Calendar calendar, sim::Duration window, std::size_t max_nonces)
    : m_calendar(std::move(calendar)), m_window(window), m_max_nonces(max_nonces) {
    if (window <= sim::Duration::zero()) throw std::invalid_argument("Verifier: window must be positive");
    if (max_nonces == 0) throw std::invalid_argument("Verifier: max_nonces must be positive");
}

void Verifier::add_key(std::string key_id, std::string secret) {
    if (!valid_key_id(key_id)) throw std::invalid_argument("Verifier: key id must be 1-128 visible ASCII characters");
    if (secret.empty()) throw std::invalid_argument("Verifier: empty secret");
    m_keys.insert_or_assign(std::move(key_id), std::move(secret));
}

bool Verifier::remove_key(std::string_view key_id) {
    const auto it = m_keys.find(key_id);
    if (it == m_keys.end()) return false;
    OPENSSL_cleanse(it->second.data(), it->second.size());
    m_keys.erase(it);
    return true;
}

bool Verifier::has_key(std::string_view key_id) const { return m_keys.find(key_id) != m_keys.end(); }

void Verifier::evict_expired(sim::Time now) {
    while (!m_by_expiry.empty() && m_by_expiry.begin()->first.first < now) {
        const auto seen = m_seen.find(*m_by_expiry.begin()->second);
        m_by_expiry.erase(m_by_expiry.begin());
        m_seen.erase(seen);
    }
}

void Verifier::remember(std::string key, sim::Time expiry) {
    while (m_seen.size() >= m_max_nonces && !m_by_expiry.empty()) {
        // Hard cap: the entry that would expire soonest goes first.
        const auto seen = m_seen.find(*m_by_expiry.begin()->second);
        m_by_expiry.erase(m_by_expiry.begin());
        m_seen.erase(seen);
    }
    const std::pair<sim::Time, std::uint64_t> order{expiry, m_sequence++};
    const auto [it, inserted] = m_seen.emplace(std::move(key), order);
    if (inserted) m_by_expiry.emplace(order, &it->first);
}

VerifyResult Verifier::verify(const SigningRequest& r, const std::map<std::string, std::string>& headers,
                              sim::Time now) {
    evict_expired(now);
    VerifyResult res;
    auto refuse = [&res](int status, std::string_view code, std::string message,
                         std::string_view header = {}) -> VerifyResult& {
        res.status = status;
        res.code = code;
        res.message = std::move(message);
        res.header = header;
        return res;
    };
    auto naming = [](std::string_view lead, std::string_view header) {
        std::string s(lead);
        s.append(header);
        return s;
    };

    static constexpr std::string_view names[] = {k_header_key_id, k_header_timestamp, k_header_nonce,
                                                 k_header_signature_method, k_header_signature};
    const std::string* values[std::size(names)] = {};
    for (std::size_t i = 0; i < std::size(names); ++i) {
        const auto it = headers.find(std::string(names[i]));
        if (it == headers.end()) return refuse(401, "auth.missing_header", naming("missing header ", names[i]), names[i]);
        values[i] = &it->second;
    }
    const std::string& key_id = *values[0];
    const std::string& timestamp = *values[1];
    const std::string& nonce = *values[2];
    const std::string& method = *values[3];
    std::string signature = *values[4];

    if (!valid_key_id(key_id))
        return refuse(401, "auth.bad_header",
                      naming("malformed header ", k_header_key_id).append(": expected 1-128 visible ASCII characters"),
                      k_header_key_id);
    res.key_id = key_id;
    if (!valid_nonce(nonce))
        return refuse(401, "auth.bad_header",
                      naming("malformed header ", k_header_nonce).append(": expected 16-64 characters of [A-Za-z0-9_-]"),
                      k_header_nonce);
    if (!is_signature_hex(signature))
        return refuse(401, "auth.bad_header",
                      naming("malformed header ", k_header_signature).append(": expected 64 hex digits"),
                      k_header_signature);

    const auto m = parse_method_name(method);
    if (!m || (*m == SignatureMethod::hmac_sm3 && !sm3_available())) {
        std::string msg = naming("unsupported ", k_header_signature_method);
        msg.append(": supported are ");
        if (sm3_available()) msg.append(k_name_sm3).append(", ");
        msg.append(k_name_sha256);
        return refuse(401, "auth.bad_method", std::move(msg), k_header_signature_method);
    }

    const auto key = m_keys.find(key_id);
    if (key == m_keys.end()) {
        std::string msg = "unknown key id ";
        msg.append(key_id);
        return refuse(401, "auth.unknown_key", std::move(msg), k_header_key_id);
    }

    const std::optional<sim::Time> sent =
        valid_timestamp_shape(timestamp) ? m_calendar.parse_iso8601(timestamp) : std::nullopt;
    if (!sent)
        return refuse(401, "auth.stale_timestamp",
                      naming("unparsable ", k_header_timestamp)
                          .append(": expected a GB/T 7408 date-time with offset, e.g. 2026-11-27T14:30:00+08:00"),
                      k_header_timestamp);
    std::int64_t skew_us = 0;  // sent - now
    const bool overflow = __builtin_sub_overflow(sent->time_since_epoch().count(),
                                                 now.time_since_epoch().count(), &skew_us);
    const std::int64_t window_us = m_window.count();
    if (overflow || skew_us > window_us || skew_us < -window_us) {
        std::string msg(k_header_timestamp);
        msg.append(" ").append(timestamp);
        if (overflow) {
            msg.append(" is too far from the verifier clock");
        } else {
            const std::int64_t off = skew_us < 0 ? -skew_us : skew_us;
            msg.append(" is ").append(format_seconds(off));
            msg.append(skew_us < 0 ? " behind" : " ahead of");
            msg.append(" the verifier clock");
            // Civil time only where the calendar can represent it (not e.g. end_of_time).
            constexpr std::int64_t k_civil_range_us = 3000LL * 366 * 86'400 * 1'000'000;
            const std::int64_t now_us = now.time_since_epoch().count();
            if (now_us > -k_civil_range_us && now_us < k_civil_range_us)
                msg.append(" (").append(m_calendar.iso8601(now)).append(")");
            msg.append(", ");
            msg.append(format_seconds(off - window_us)).append(" beyond the window of ±");
            msg.append(format_seconds(window_us));
        }
        return refuse(401, "auth.stale_timestamp", std::move(msg), k_header_timestamp);
    }

    const std::string expected = hmac_hex(*m, key->second, canonical_string(r, key_id, timestamp, nonce, *m));
    std::transform(signature.begin(), signature.end(), signature.begin(),
                   [](char c) { return c >= 'A' && c <= 'F' ? static_cast<char>(c - 'A' + 'a') : c; });
    if (expected.size() != signature.size() ||
        CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) != 0)
        return refuse(401, "auth.bad_signature", "signature does not match the request", k_header_signature);

    std::string cache_key = key_id;
    cache_key.append("\n").append(nonce);
    if (m_seen.find(cache_key) != m_seen.end()) {
        std::string msg = "nonce ";
        msg.append(nonce).append(" was already used with key id ").append(key_id);
        return refuse(403, "auth.replayed_nonce", std::move(msg), k_header_nonce);
    }
    remember(std::move(cache_key), *sent + m_window);
    return res;
}

}  // namespace kiosktwin::api
