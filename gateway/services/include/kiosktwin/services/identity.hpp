// The identity back end (人证核验, R-8.4-1 identity group) as a pure model over
// virtual time: ID check against the population register, face compare with a
// score and its threshold, e-ID QR resolution. Every call first meets the
// service's ServiceProfile (delay, error, outage), drawn from the named stream
// derive_seed(seed, "services/identity"): one draw per call, whatever the call.
//
// Wanted residents (通缉): the kiosk only ever sees the generic `refused`
// (请到人工窗口办理, "please go to a staffed counter"); the reason travels in
// `audit`, which kiosk_json() never includes. The audit mark is set whenever
// a wanted resident's number is asked about, even when the answer is
// name_mismatch.
//
// Face compare (documented model, not a real matcher): a sample is the same
// person exactly when its face template equals the resident's. The score is
// Kumaraswamy(a, b), a Beta-like law with a closed-form inverse CDF, drawn by
// inversion from one uniform of the caller's stream:
//   same person  a = 19, b = 2: mean 0.93, P(score < 0.80) = 2.9 % (false reject)
//   impostor     a = 2,  b = 8: mean 0.30, P(score >= 0.80) = 0.028 % (false accept)
// against the threshold 0.80. The caller's stream (the capture's: camera,
// citizen) gives the score, so scores do not shift when other calls are added.
//
// e-ID QR (a synthetic 网证 format, not the real CTID one):
//   "EID1:" + Base64( id_number "|" expires "|" tag )
//   expires  GB/T 7408 date-time at the service calendar, "2026-06-01T09:35:00+08:00"
//   tag      the first 32 hex digits of HMAC-SHA256(key, "EID1|" id_number "|" expires)
// A code is refused after `expires` (it is valid up to and including that instant).
#pragma once

#include <kiosktwin/api/errors.hpp>
#include <kiosktwin/services/population.hpp>
#include <kiosktwin/services/profile.hpp>
#include <kiosktwin/sim/calendar.hpp>
#include <kiosktwin/sim/random.hpp>
#include <kiosktwin/sim/time.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace kiosktwin::services {

/// A back end's answer: what the call met and, when it got through, the value.
template <class T>
struct Reply {
    Draw outcome;
    std::optional<T> value;  ///< present exactly when outcome.ok()
    bool ok() const noexcept { return value.has_value(); }
};

/// What a kiosk is told when a call did not get through: service.unavailable
/// in an outage, internal for a back-end error; nullopt when the call was ok.
std::optional<api::ErrorCode> error_code(const Draw& o) noexcept;

/// Internal marks for the platform's audit log; never sent to a kiosk.
enum class AuditFlag : std::uint8_t { none, wanted };
const char* to_string(AuditFlag f) noexcept;

/// The verdict of an ID check, in the order they are tested.
enum class IdCheck : std::uint8_t {
    malformed,        ///< not a GB 11643 number (length, characters, region, date)
    bad_check_digit,  ///< well formed but the check character is wrong
    not_found,        ///< not in the register
    name_mismatch,    ///< the name differs from the register's
    refused,          ///< generic refusal: a hold on the person (reason in the audit flag only)
    expired,          ///< the card's validity ended before today
    match,
};
/// "malformed", "bad_check_digit", "not_found", "name_mismatch", "refused", "expired", "match".
const char* to_string(IdCheck c) noexcept;

struct IdCheckResult {
    IdCheck result = IdCheck::not_found;
    AuditFlag audit = AuditFlag::none;  ///< internal
    std::string masked_id;              ///< R-9.3-1, for logs: "1101**********1234"
    /// What the kiosk may see: {"result": "match"}.
    nlohmann::json kiosk_json() const;
};

enum class FaceResult : std::uint8_t {
    match,     ///< score >= threshold
    no_match,  ///< score < threshold
    not_live,  ///< the liveness check failed: not compared, score 0
    not_found, ///< no such resident: nothing to compare against, score 0
};
const char* to_string(FaceResult r) noexcept;

struct FaceCompareResult {
    FaceResult result = FaceResult::not_found;
    double score = 0.0;      ///< [0, 1]
    double threshold = 0.0;  ///< the model's threshold
    AuditFlag audit = AuditFlag::none;  ///< internal
    /// {"result", "score", "threshold"}, as the 人证 records carry them.
    nlohmann::json kiosk_json() const;
};

/// The score model of the header comment; every parameter > 0, threshold in (0, 1).
struct FaceModel {
    double threshold = 0.80;
    double genuine_a = 19.0, genuine_b = 2.0;  ///< same person
    double impostor_a = 2.0, impostor_b = 8.0; ///< another person

    /// The score of a comparison from one uniform u in (0, 1), by inversion.
    double score(bool same_person, double u) const noexcept;
    /// Analytic truths: the mean scores and the error rates at the threshold.
    double genuine_mean() const noexcept;
    double impostor_mean() const noexcept;
    double false_reject_rate() const noexcept;  ///< P(genuine score < threshold)
    double false_accept_rate() const noexcept;  ///< P(impostor score >= threshold)
};

enum class EidResult : std::uint8_t {
    malformed,      ///< not "EID1:<base64>" with three fields
    bad_signature,  ///< the tag does not match: forged or altered
    expired,        ///< past its expiry instant
    not_found,      ///< genuine code, but nobody in the register has that number
    refused,        ///< generic refusal (reason in the audit flag only)
    ok,
};
const char* to_string(EidResult r) noexcept;

struct EidResolution {
    EidResult result = EidResult::malformed;
    std::optional<Resident> resident;  ///< when result is ok
    AuditFlag audit = AuditFlag::none; ///< internal
    /// {"result"} and, when ok, "name" and the masked "id_number" (R-9.3-1).
    nlohmann::json kiosk_json() const;
};

/// An e-ID QR payload for `id_number`, valid until `expires` (a GB/T 7408 date-time text).
std::string encode_eid_qr(std::string_view id_number, std::string_view expires, std::string_view key);

struct IdentityConfig {
    std::uint64_t seed = 1;   ///< master seed of the service's stream
    ServiceProfile profile;   ///< delay, errors, outages
    FaceModel face;
    std::string eid_key = "kiosktwin-synthetic-eid-key";  ///< HMAC key of the synthetic e-ID
    sim::Calendar calendar;   ///< civil dates of virtual instants (card expiry, QR expiry)
};

class IdentityService {
public:
    static constexpr std::string_view k_stream = "services/identity";

    /// Throws std::invalid_argument if the register is null or the face model's parameters are out of range.
    IdentityService(std::shared_ptr<const Register> reg, IdentityConfig config = {});

    /// 人证核验 step 1: is this number a resident of that name with a current card?
    Reply<IdCheckResult> check_id(std::string_view id_number, std::string_view name, sim::Time now);

    /// Compares a live sample (its face template) with the resident's; liveness
    /// is the camera's verdict. Draws exactly one uniform from `rng`, on every call.
    Reply<FaceCompareResult> face_compare(std::string_view id_number, std::uint32_t sample_template, bool liveness,
                                          sim::Time now, sim::Rng& rng);

    /// Resolves an e-ID QR payload to the resident it names.
    Reply<EidResolution> resolve_eid_qr(std::string_view payload, sim::Time now);

    /// What the citizen's e-ID app would show: a code for `id_number` valid until `expires`.
    std::string issue_eid_qr(std::string_view id_number, sim::Time expires) const;

    const ServiceProfile& profile() const noexcept { return m_config.profile; }
    const FaceModel& face_model() const noexcept { return m_config.face; }
    const Register& population() const noexcept { return *m_register; }

private:
    std::shared_ptr<const Register> m_register;
    IdentityConfig m_config;
    sim::Rng m_rng;  // the profile's draws
};

}  // namespace kiosktwin::services
