// 电子证照 back end (R-8.4-1 e-licence group), pure in-memory over virtual
// time: issue a licence of a type to a holder (GB 11643 ID number) valid from
// `now` for a duration (or without end), look up a holder's licences (the ID
// masked with protocol::mask_id in outward JSON, R-9.3-1), verify by licence
// number, revoke; expiry is judged against `now`. Licence numbers
// ("DZZZ-00000001") are what applications::Material::licence_ref holds.
#pragma once

#include <kiosktwin/services/outcome.hpp>
#include <kiosktwin/api/errors.hpp>
#include <kiosktwin/sim/calendar.hpp>
#include <kiosktwin/sim/time.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::services::licences {

enum class Status : std::uint8_t { valid, expired, revoked };
std::string_view to_string(Status s) noexcept;

struct Licence {
    std::string number;
    std::string type;  ///< e.g. "居住证"
    std::string holder_name;
    std::string holder_id;  ///< full number (masked outward)
    sim::Time issued_at{};
    std::optional<sim::Time> expires_at;  ///< nullopt = 长期有效
    std::optional<sim::Time> revoked_at;
    std::string revoke_reason;
    Status status(sim::Time now) const noexcept;
};

/// ok, or the refusal (services/outcome.hpp).
using Outcome = services::Outcome;

struct Result {
    Outcome outcome;
    std::string number;
    bool ok() const noexcept { return outcome.ok(); }
};

class Licences {
public:
    explicit Licences(sim::Calendar calendar = {}) : m_cal(calendar) {}
    /// {"type": 1..50 chars, "holder": {"name", "id_number"}}; validity
    /// nullopt = 长期.
    Result issue(const nlohmann::json& request, std::optional<sim::Duration> validity, sim::Time now);
    Outcome revoke(std::string_view number, sim::Time now, std::string_view reason = {});
    const Licence* find(std::string_view number) const;
    /// {"number", "valid": bool, "status", ...masked}; not_found when unknown.
    std::optional<nlohmann::json> verify(std::string_view number, sim::Time now) const;
    /// The holder's licences (masked JSON), optionally only the valid ones.
    nlohmann::json for_holder(std::string_view id_number, sim::Time now, bool valid_only = false) const;
    nlohmann::json outward(const Licence& l, sim::Time now) const;
    std::size_t size() const noexcept { return m_licences.size(); }

private:
    sim::Calendar m_cal;
    std::map<std::string, Licence, std::less<>> m_licences;
    std::uint64_t m_next_serial = 1;
};

}  // namespace kiosktwin::services::licences
