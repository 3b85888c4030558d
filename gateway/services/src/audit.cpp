// The hash-chained audit log (R-9.2-1, R-9.3-1).
#include <kiosktwin/services/audit.hpp>

#include "text.hpp"

#include <kiosktwin/api/signing.hpp>
#include <kiosktwin/protocol/citizen_id.hpp>

#include <stdexcept>
#include <utility>

namespace kiosktwin::services::audit {

namespace {

api::SignatureMethod method_of(HashAlg a) noexcept {
    return a == HashAlg::sm3 ? api::SignatureMethod::hmac_sm3 : api::SignatureMethod::hmac_sha256;
}

std::string dump(const nlohmann::json& j) {
    try {
        return j.dump();
    } catch (const nlohmann::json::exception& e) {
        throw std::invalid_argument(detail::cat("audit: not UTF-8 text: ", e.what()));
    }
}

}  // namespace

std::string_view to_string(HashAlg a) noexcept { return a == HashAlg::sm3 ? "SM3" : "SHA-256"; }

std::optional<HashAlg> parse_hash_alg(std::string_view name) noexcept {
    if (name == "SM3") return HashAlg::sm3;
    if (name == "SHA-256") return HashAlg::sha256;
    return std::nullopt;
}

HashAlg preferred_hash_alg() noexcept { return api::sm3_available() ? HashAlg::sm3 : HashAlg::sha256; }

bool available(HashAlg a) noexcept { return a == HashAlg::sha256 || api::sm3_available(); }

const std::string& genesis_hash() {
    static const std::string g(64, '0');
    return g;
}

std::string mask_ids(std::string_view text) { return protocol::mask_ids(text); }

nlohmann::json mask_ids_json(const nlohmann::json& value) {
    if (value.is_string()) return mask_ids(value.get_ref<const std::string&>());
    if (value.is_array()) {
        nlohmann::json out = nlohmann::json::array();
        for (const auto& v : value) out.push_back(mask_ids_json(v));
        return out;
    }
    if (value.is_object()) {
        nlohmann::json out = nlohmann::json::object();
        for (const auto& [k, v] : value.items()) out[mask_ids(k)] = mask_ids_json(v);
        return out;
    }
    return value;
}

nlohmann::json to_json(const Record& r) {
    nlohmann::json j = nlohmann::json::object();
    j["seq"] = r.seq;
    j["at"] = r.at;
    j["actor"] = r.actor;
    j["action"] = r.action;
    j["outcome"] = r.outcome;
    j["detail"] = r.detail;
    j["alg"] = std::string(to_string(r.alg));
    j["prev_hash"] = r.prev_hash;
    j["hash"] = r.hash;
    return j;
}

Record record_from_json(const nlohmann::json& j) {
    if (!j.is_object()) throw std::invalid_argument("audit record: not an object");
    auto str = [&](const char* key) -> std::string {
        auto it = j.find(key);
        if (it == j.end() || !it->is_string()) throw std::invalid_argument(detail::cat("audit record: /", key));
        return it->get<std::string>();
    };
    Record r;
    auto seq = j.find("seq");
    if (seq == j.end() || !seq->is_number_unsigned()) throw std::invalid_argument("audit record: /seq");
    r.seq = seq->get<std::uint64_t>();
    r.at = str("at");
    r.actor = str("actor");
    r.action = str("action");
    r.outcome = str("outcome");
    auto d = j.find("detail");
    if (d == j.end()) throw std::invalid_argument("audit record: /detail");
    r.detail = *d;
    auto alg = parse_hash_alg(str("alg"));
    if (!alg) throw std::invalid_argument("audit record: /alg");
    r.alg = *alg;
    r.prev_hash = str("prev_hash");
    r.hash = str("hash");
    return r;
}

namespace {

// RFC 3629 UTF-8 (no overlong forms, no surrogates, at most U+10FFFF): what
// nlohmann's strict dump accepts.
bool valid_utf8(std::string_view s) noexcept {
    std::size_t i = 0;
    while (i < s.size()) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x80) {
            ++i;
            continue;
        }
        std::size_t n = 0;
        unsigned lo = 0x80, hi = 0xBF;
        if (c >= 0xC2 && c <= 0xDF) n = 1;
        else if (c == 0xE0) n = 2, lo = 0xA0;
        else if (c >= 0xE1 && c <= 0xEC) n = 2;
        else if (c == 0xED) n = 2, hi = 0x9F;
        else if (c >= 0xEE && c <= 0xEF) n = 2;
        else if (c == 0xF0) n = 3, lo = 0x90;
        else if (c >= 0xF1 && c <= 0xF3) n = 3;
        else if (c == 0xF4) n = 3, hi = 0x8F;
        else return false;
        if (i + n >= s.size()) return false;
        for (std::size_t k = 1; k <= n; ++k) {
            const auto b = static_cast<unsigned char>(s[i + k]);
            if (b < (k == 1 ? lo : 0x80) || b > (k == 1 ? hi : 0xBF)) return false;
        }
        i += n + 1;
    }
    return true;
}

// A JSON string exactly as nlohmann's dump() writes it (UTF-8 unescaped,
// the short escapes, other control characters as \u00xx).
void append_string(std::string& out, std::string_view s) {
    if (!valid_utf8(s)) throw std::invalid_argument("audit: not UTF-8 text");
    out.push_back('"');
    for (const char ch : s) {
        switch (ch) {
        case '"': out.append("\\\""); break;
        case '\\': out.append("\\\\"); break;
        case '\b': out.append("\\b"); break;
        case '\f': out.append("\\f"); break;
        case '\n': out.append("\\n"); break;
        case '\r': out.append("\\r"); break;
        case '\t': out.append("\\t"); break;
        default:
            if (static_cast<unsigned char>(ch) <= 0x1F) {
                static constexpr char hex[] = "0123456789abcdef";
                out.append("\\u00");
                out.push_back(hex[(ch >> 4) & 0xF]);
                out.push_back(hex[ch & 0xF]);
            } else {
                out.push_back(ch);
            }
        }
    }
    out.push_back('"');
}

}  // namespace

// Written directly rather than through a JSON object (this runs for every
// audited request): the members in nlohmann's key order, as dump() would;
// a test checks it against to_json + dump.
std::string canonical(const Record& r) {
    std::string out;
    out.reserve(256);
    out.append("{\"action\":");
    append_string(out, r.action);
    out.append(",\"actor\":");
    append_string(out, r.actor);
    out.append(",\"alg\":");
    append_string(out, to_string(r.alg));
    out.append(",\"at\":");
    append_string(out, r.at);
    out.append(",\"detail\":");
    out.append(dump(r.detail));
    out.append(",\"outcome\":");
    append_string(out, r.outcome);
    out.append(",\"prev_hash\":");
    append_string(out, r.prev_hash);
    out.append(",\"seq\":");
    out.append(std::to_string(r.seq));
    out.push_back('}');
    return out;
}

std::string compute_hash(const Record& r) {
    return api::digest_hex(method_of(r.alg), detail::cat(r.prev_hash, canonical(r)));
}

Verification verify(const std::vector<Record>& records, std::string_view expected_head) {
    const std::string* prev = &genesis_hash();
    for (std::size_t i = 0; i < records.size(); ++i) {
        const Record& r = records[i];
        const std::uint64_t want = i + 1;
        auto broken = [&](std::string reason) { return Verification{false, want, std::move(reason)}; };
        if (r.seq != want)
            return broken(detail::cat("seq ", std::to_string(r.seq), " where ", std::to_string(want), " expected"));
        if (r.prev_hash != *prev) return broken("prev_hash does not match the previous record's hash");
        if (!available(r.alg)) return broken(detail::cat(to_string(r.alg), " is not in this build"));
        std::string h;
        try {
            h = compute_hash(r);
        } catch (const std::exception& e) {
            return broken(detail::cat("cannot hash: ", e.what()));
        }
        if (h != r.hash) return broken("hash mismatch");
        prev = &r.hash;
    }
    if (!expected_head.empty() && *prev != expected_head)
        return Verification{false, records.size() + 1, "head does not match the anchored hash (truncated?)"};
    return {};
}

AuditLog::AuditLog(sim::Calendar calendar, HashAlg alg) : m_calendar(std::move(calendar)), m_alg(alg) {
    if (!available(alg)) throw std::invalid_argument(detail::cat("audit: ", to_string(alg), " is not in this build"));
}

const Record& AuditLog::append(sim::Time now, std::string_view actor, std::string_view action,
                               std::string_view outcome, const nlohmann::json& detail_json) {
    Record r;
    r.seq = m_records.size() + 1;
    r.at = m_calendar.iso8601(now);
    r.actor = mask_ids(actor);
    r.action = mask_ids(action);
    r.outcome = mask_ids(outcome);
    r.detail = detail_json.is_null() ? nlohmann::json::object() : mask_ids_json(detail_json);
    r.alg = m_alg;
    r.prev_hash = head();
    r.hash = compute_hash(r);  // throws std::invalid_argument on non-UTF-8 text
    m_records.push_back(std::move(r));
    return m_records.back();
}

const Record& AuditLog::append(sim::Time now, std::string_view actor, std::string_view action,
                               api::ErrorCode outcome, const nlohmann::json& detail_json) {
    return append(now, actor, action, outcome == api::ErrorCode::ok ? std::string_view("ok") : api::to_string(outcome),
                  detail_json);
}

const std::string& AuditLog::head() const {
    return m_records.empty() ? genesis_hash() : m_records.back().hash;
}

std::vector<const Record*> AuditLog::find(std::string_view action, std::string_view outcome) const {
    std::vector<const Record*> out;
    for (const auto& r : m_records)
        if (r.action == action && (outcome.empty() || r.outcome == outcome)) out.push_back(&r);
    return out;
}

Verification AuditLog::verify(std::string_view expected_head) const {
    return audit::verify(m_records, expected_head);
}

std::string AuditLog::to_jsonl() const {
    std::string out;
    for (const auto& r : m_records) {
        out += dump(to_json(r));
        out += '\n';
    }
    return out;
}

AuditLog AuditLog::from_jsonl(std::string_view text, sim::Calendar calendar, HashAlg alg) {
    std::vector<Record> records;
    std::size_t line_no = 0;
    while (!text.empty()) {
        ++line_no;
        const auto nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
        if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
        try {
            records.push_back(record_from_json(nlohmann::json::parse(line)));
        } catch (const std::exception& e) {
            throw std::invalid_argument(detail::cat("audit jsonl line ", std::to_string(line_no), ": ", e.what()));
        }
    }
    const HashAlg a = records.empty() ? alg : records.back().alg;
    AuditLog log(std::move(calendar), available(a) ? a : alg);
    log.m_records = std::move(records);
    return log;
}

}  // namespace kiosktwin::services::audit
