#include <kiosktwin/services/licences.hpp>

#include "text.hpp"

#include <kiosktwin/api/validate.hpp>
#include <kiosktwin/protocol/citizen_id.hpp>

#include <cstdio>

namespace kiosktwin::services::licences {

using nlohmann::json;
using detail::cat;

std::string_view to_string(Status s) noexcept {
    switch (s) {
        case Status::valid: return "valid";
        case Status::expired: return "expired";
        case Status::revoked: return "revoked";
    }
    return "valid";
}

Status Licence::status(sim::Time now) const noexcept {
    if (revoked_at && *revoked_at <= now) return Status::revoked;
    if (expires_at && now >= *expires_at) return Status::expired;
    return Status::valid;
}

Result Licences::issue(const json& request, std::optional<sim::Duration> validity, sim::Time now) {
    Result r;
    if (!request.is_object()) {
        r.outcome = {api::ErrorCode::bad_field, "", "expected an object"};
        return r;
    }
    const auto civil = m_cal.civil(now);
    api::Checker c(request);
    c.today(protocol::CivilDate{civil.year, civil.month, civil.day})
        .required_string("/type", 1, 50)
        .required_string("/holder/name", 1, 50)
        .id_number("/holder/id_number");
    if (auto e = c.first_error()) {
        r.outcome = {e->code, e->path, e->reason};
        return r;
    }
    if (validity && validity->count() <= 0) {
        r.outcome = {api::ErrorCode::bad_field, "/validity", "must be positive"};
        return r;
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "DZZZ-%08llu", static_cast<unsigned long long>(m_next_serial++));
    Licence l;
    l.number = buf;
    l.type = request.at("type").get<std::string>();
    l.holder_name = request.at("holder").at("name").get<std::string>();
    l.holder_id = request.at("holder").at("id_number").get<std::string>();
    l.issued_at = now;
    if (validity) l.expires_at = now + *validity;
    r.number = l.number;
    m_licences.emplace(l.number, std::move(l));
    return r;
}

Outcome Licences::revoke(std::string_view number, sim::Time now, std::string_view reason) {
    const auto it = m_licences.find(number);
    if (it == m_licences.end()) return {api::ErrorCode::not_found, "", cat("no licence ", number)};
    if (it->second.revoked_at) return {api::ErrorCode::conflict_state, "", "already revoked"};
    it->second.revoked_at = now;
    it->second.revoke_reason = std::string(reason);
    return {};
}

const Licence* Licences::find(std::string_view number) const {
    const auto it = m_licences.find(number);
    return it == m_licences.end() ? nullptr : &it->second;
}

json Licences::outward(const Licence& l, sim::Time now) const {
    const Status st = l.status(now);
    return {{"number", l.number},
            {"type", l.type},
            {"holder_name", l.holder_name},
            {"holder_id", protocol::mask_id(l.holder_id)},
            {"issued_at", m_cal.iso8601(l.issued_at)},
            {"expires_at", l.expires_at ? json(m_cal.iso8601(*l.expires_at)) : json()},
            {"status", to_string(st)},
            {"valid", st == Status::valid}};
}

std::optional<json> Licences::verify(std::string_view number, sim::Time now) const {
    const Licence* l = find(number);
    if (!l) return std::nullopt;
    return outward(*l, now);
}

json Licences::for_holder(std::string_view id_number, sim::Time now, bool valid_only) const {
    json out = json::array();
    for (const auto& [n, l] : m_licences)
        if (l.holder_id == id_number && (!valid_only || l.status(now) == Status::valid)) out.push_back(outward(l, now));
    return out;
}

}  // namespace kiosktwin::services::licences
