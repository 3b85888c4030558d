#include <kiosktwin/services/identity.hpp>

#include "text.hpp"

#include <kiosktwin/api/signing.hpp>
#include <kiosktwin/protocol/base64.hpp>
#include <kiosktwin/protocol/citizen_id.hpp>

#include <cmath>
#include <initializer_list>
#include <stdexcept>

namespace kiosktwin::services {

namespace {

constexpr std::string_view k_eid_prefix = "EID1:";
constexpr std::size_t k_tag_hex = 32;

using detail::cat;

std::string eid_tag(std::string_view id_number, std::string_view expires, std::string_view key) {
    return api::hmac_hex(api::SignatureMethod::hmac_sha256, key, cat("EID1|", id_number, "|", expires))
        .substr(0, k_tag_hex);
}

// Constant-time comparison, as a verifier of tags should be.
bool same_tag(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    unsigned diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
    return diff == 0;
}

// Kumaraswamy(a, b): F(x) = 1 - (1 - x^a)^b.
double kumaraswamy_inverse(double a, double b, double u) noexcept {
    return std::pow(1.0 - std::pow(1.0 - u, 1.0 / b), 1.0 / a);
}
double kumaraswamy_mean(double a, double b) noexcept {
    return std::exp(std::log(b) + std::lgamma(1.0 + 1.0 / a) + std::lgamma(b) - std::lgamma(1.0 + 1.0 / a + b));
}
double kumaraswamy_cdf(double a, double b, double x) noexcept { return 1.0 - std::pow(1.0 - std::pow(x, a), b); }

protocol::CivilDate civil_date(const sim::Calendar& cal, sim::Time t) {
    const sim::CivilTime c = cal.civil(t);
    return {c.year, c.month, c.day};
}

AuditFlag audit_of(const Resident& r) noexcept { return r.wanted ? AuditFlag::wanted : AuditFlag::none; }

}  // namespace

std::optional<api::ErrorCode> error_code(const Draw& o) noexcept {
    if (o.unavailable) return api::ErrorCode::service_unavailable;
    if (o.failed) return api::ErrorCode::internal;
    return std::nullopt;
}

const char* to_string(AuditFlag f) noexcept {
    switch (f) {
    case AuditFlag::none: return "none";
    case AuditFlag::wanted: return "wanted";
    }
    return "?";
}

const char* to_string(IdCheck c) noexcept {
    switch (c) {
    case IdCheck::malformed: return "malformed";
    case IdCheck::bad_check_digit: return "bad_check_digit";
    case IdCheck::not_found: return "not_found";
    case IdCheck::name_mismatch: return "name_mismatch";
    case IdCheck::refused: return "refused";
    case IdCheck::expired: return "expired";
    case IdCheck::match: return "match";
    }
    return "?";
}

const char* to_string(FaceResult r) noexcept {
    switch (r) {
    case FaceResult::match: return "match";
    case FaceResult::no_match: return "no_match";
    case FaceResult::not_live: return "not_live";
    case FaceResult::not_found: return "not_found";
    }
    return "?";
}

const char* to_string(EidResult r) noexcept {
    switch (r) {
    case EidResult::malformed: return "malformed";
    case EidResult::bad_signature: return "bad_signature";
    case EidResult::expired: return "expired";
    case EidResult::not_found: return "not_found";
    case EidResult::refused: return "refused";
    case EidResult::ok: return "ok";
    }
    return "?";
}

nlohmann::json IdCheckResult::kiosk_json() const { return {{"result", to_string(result)}}; }

nlohmann::json FaceCompareResult::kiosk_json() const {
    return {{"result", to_string(result)}, {"score", score}, {"threshold", threshold}};
}

nlohmann::json EidResolution::kiosk_json() const {
    nlohmann::json j = {{"result", to_string(result)}};
    if (result == EidResult::ok && resident) {
        j["name"] = resident->name;
        j["id_number"] = protocol::mask_id(resident->id_number);
    }
    return j;
}

double FaceModel::score(bool same_person, double u) const noexcept {
    return same_person ? kumaraswamy_inverse(genuine_a, genuine_b, u) : kumaraswamy_inverse(impostor_a, impostor_b, u);
}
double FaceModel::genuine_mean() const noexcept { return kumaraswamy_mean(genuine_a, genuine_b); }
double FaceModel::impostor_mean() const noexcept { return kumaraswamy_mean(impostor_a, impostor_b); }
double FaceModel::false_reject_rate() const noexcept { return kumaraswamy_cdf(genuine_a, genuine_b, threshold); }
double FaceModel::false_accept_rate() const noexcept {
    return 1.0 - kumaraswamy_cdf(impostor_a, impostor_b, threshold);
}

std::string encode_eid_qr(std::string_view id_number, std::string_view expires, std::string_view key) {
    const std::string body = cat(id_number, "|", expires, "|", eid_tag(id_number, expires, key));
    const auto* p = reinterpret_cast<const std::uint8_t*>(body.data());
    return cat(k_eid_prefix, protocol::base64_encode(protocol::ByteView(p, body.size())));
}

IdentityService::IdentityService(std::shared_ptr<const Register> reg, IdentityConfig config)
    : m_register(std::move(reg)),
      m_config(std::move(config)),
      m_rng(sim::derive_seed(m_config.seed, k_stream)) {
    if (!m_register) throw std::invalid_argument("IdentityService: no register");
    const FaceModel& f = m_config.face;
    if (!(f.threshold > 0 && f.threshold < 1)) throw std::invalid_argument("IdentityService: face.threshold must be in (0, 1)");
    for (double p : {f.genuine_a, f.genuine_b, f.impostor_a, f.impostor_b})
        if (!(std::isfinite(p) && p > 0))
            throw std::invalid_argument("IdentityService: face model shape parameters must be > 0");
}

Reply<IdCheckResult> IdentityService::check_id(std::string_view id_number, std::string_view name, sim::Time now) {
    Reply<IdCheckResult> reply{m_config.profile.draw(now, m_rng), std::nullopt};
    if (!reply.outcome.ok()) return reply;

    IdCheckResult r;
    r.masked_id = protocol::mask_id(id_number);
    if (const auto v = protocol::citizen_id::validate(id_number); !v) {
        r.result = v.reason == "bad-check-digit" ? IdCheck::bad_check_digit : IdCheck::malformed;
    } else if (const Resident* who = m_register->find(id_number); !who) {
        r.result = IdCheck::not_found;
    } else {
        r.audit = audit_of(*who);
        if (who->name != name)
            r.result = IdCheck::name_mismatch;
        else if (who->wanted)
            r.result = IdCheck::refused;
        else if (who->expired_on(civil_date(m_config.calendar, now)))
            r.result = IdCheck::expired;
        else
            r.result = IdCheck::match;
    }
    reply.value = std::move(r);
    return reply;
}

Reply<FaceCompareResult> IdentityService::face_compare(std::string_view id_number, std::uint32_t sample_template,
                                                       bool liveness, sim::Time now, sim::Rng& rng) {
    const double u = rng.uniform01();  // always, so the caller's stream advances by one per call
    Reply<FaceCompareResult> reply{m_config.profile.draw(now, m_rng), std::nullopt};
    if (!reply.outcome.ok()) return reply;

    FaceCompareResult r;
    r.threshold = m_config.face.threshold;
    const Resident* who = m_register->find(id_number);
    if (!who) {
        r.result = FaceResult::not_found;
    } else {
        r.audit = audit_of(*who);
        if (!liveness) {
            r.result = FaceResult::not_live;
        } else {
            r.score = m_config.face.score(sample_template == who->face_template, u);
            r.result = r.score >= r.threshold ? FaceResult::match : FaceResult::no_match;
        }
    }
    reply.value = r;
    return reply;
}

Reply<EidResolution> IdentityService::resolve_eid_qr(std::string_view payload, sim::Time now) {
    Reply<EidResolution> reply{m_config.profile.draw(now, m_rng), std::nullopt};
    if (!reply.outcome.ok()) return reply;

    EidResolution r;
    reply.value = r;  // malformed until shown otherwise
    if (!payload.starts_with(k_eid_prefix)) return reply;
    const auto bytes = protocol::base64_decode(payload.substr(k_eid_prefix.size()));
    if (!bytes) return reply;
    const std::string body(bytes->begin(), bytes->end());
    const auto bar1 = body.find('|');
    const auto bar2 = bar1 == std::string::npos ? std::string::npos : body.find('|', bar1 + 1);
    if (bar2 == std::string::npos || body.find('|', bar2 + 1) != std::string::npos) return reply;
    const std::string_view view(body);
    const std::string_view id = view.substr(0, bar1);
    const std::string_view expires = view.substr(bar1 + 1, bar2 - bar1 - 1);
    const std::string_view tag = view.substr(bar2 + 1);
    const auto expiry = m_config.calendar.parse_iso8601(expires);
    if (!expiry || tag.size() != k_tag_hex) return reply;

    if (!same_tag(tag, eid_tag(id, expires, m_config.eid_key))) {
        r.result = EidResult::bad_signature;
    } else if (now > *expiry) {
        r.result = EidResult::expired;
    } else if (const Resident* who = m_register->find(id); !who) {
        r.result = EidResult::not_found;
    } else {
        r.audit = audit_of(*who);
        if (who->wanted) {
            r.result = EidResult::refused;
        } else {
            r.result = EidResult::ok;
            r.resident = *who;
        }
    }
    reply.value = std::move(r);
    return reply;
}

std::string IdentityService::issue_eid_qr(std::string_view id_number, sim::Time expires) const {
    return encode_eid_qr(id_number, m_config.calendar.iso8601(expires), m_config.eid_key);
}

}  // namespace kiosktwin::services
