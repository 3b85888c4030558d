#include <kiosktwin/world/scripted_citizens.hpp>

#include <stdexcept>

namespace kiosktwin::world {

namespace {
bool bernoulli(sim::Rng& rng, double p) { return rng.uniform01() < p; }
}  // namespace

const std::vector<services::Resident>& default_residents() {
    static const std::vector<services::Resident> people = services::generate_population(1, 1000);
    return people;
}

kiosk::CitizenIdentity identity_of(const services::Resident& r) {
    return {r.name, r.id_number, r.gender, r.birth_date.yyyymmdd(), r.face_template, {}};
}

std::vector<services::Resident> servable(std::span<const services::Resident> people, protocol::CivilDate today) {
    std::vector<services::Resident> out;
    for (const auto& p : people)
        if (!p.wanted && !p.expired_on(today)) out.push_back(p);
    return out;
}

ScriptedCitizens::ScriptedCitizens(std::uint64_t seed, std::vector<services::Resident> residents, SessionMix mix)
    : m_rng(sim::derive_seed(seed, "world/citizens")), m_residents(std::move(residents)), m_mix(mix) {
    if (m_residents.empty()) throw std::invalid_argument("scripted citizens need at least one servable resident");
}

ScriptedCitizens::Visit ScriptedCitizens::next(const kiosk::CatalogueSnapshot& catalogue,
                                               const services::IdentityService& identity, sim::Time now) {
    return draw(m_rng, catalogue, identity, now);
}

ScriptedCitizens::Visit ScriptedCitizens::draw(sim::Rng& rng, const kiosk::CatalogueSnapshot& catalogue,
                                               const services::IdentityService& identity, sim::Time now) {
    return draw(rng, catalogue, identity, now, m_mix);
}

ScriptedCitizens::Visit ScriptedCitizens::draw(sim::Rng& rng, const kiosk::CatalogueSnapshot& catalogue,
                                               const services::IdentityService& identity, sim::Time now,
                                               const SessionMix& mix) {
    ++m_drawn;
    Visit v;
    const services::Resident& r = m_residents[rng.below(m_residents.size())];
    v.who = identity_of(r);
    kiosk::CitizenScript& s = v.script;
    s.think = mix.think;
    if (catalogue.items.empty()) return v;
    const kiosk::KioskItem& item = catalogue.items[rng.below(catalogue.items.size())];
    s.zone = item.zone;
    s.item_code = item.code;
    s.service = bernoulli(rng, mix.query) ? "query" : "handle";
    const double u = rng.uniform01();
    s.login = item.auth == "in_person" ? "id_card"
              : u < mix.eid_qr                  ? "eid_qr"
              : u < mix.eid_qr + mix.manual   ? "manual"
                                                  : "id_card";
    if (s.login == "eid_qr") v.who.eid_payload = identity.issue_eid_qr(r.id_number, now + std::chrono::hours(24));
    if (!item.cross_modes.empty() && bernoulli(rng, mix.cross))
        s.cross_mode = item.cross_modes[rng.below(item.cross_modes.size())];
    for (const auto& q : item.situations)
        if (bernoulli(rng, mix.yes)) s.yes.insert(q.id);
    s.rating = 0;
    if (bernoulli(rng, mix.rate)) {
        if (bernoulli(rng, mix.bad_rating)) {
            s.rating = bernoulli(rng, 0.5) ? 1 : 2;
            s.reasons = "attitude";
        } else {
            s.rating = bernoulli(rng, 0.7) ? 5 : 4;
        }
    }
    s.pays = bernoulli(rng, mix.pay);
    s.accessible = bernoulli(rng, mix.accessible);
    if (bernoulli(rng, mix.walk_away)) {
        static constexpr kiosk::Prompt k_points[] = {kiosk::Prompt::choose_login, kiosk::Prompt::choose_item,
                                                     kiosk::Prompt::fill_form, kiosk::Prompt::confirm_submit,
                                                     kiosk::Prompt::rate_service};
        s.walk_away_at = k_points[rng.below(std::size(k_points))];
    }
    return v;
}

}  // namespace kiosktwin::world
