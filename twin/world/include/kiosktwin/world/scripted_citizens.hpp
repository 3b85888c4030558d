// Scripted citizens drawn from a seed: who comes (a resident of the
// platform's register, with their card, face and e-ID code), what they want
// (an item of the kiosk's catalogue, a login method, a 跨域通办 mode, their
// answers to the guidance questions) and how they behave (rating, paying,
// walking away, the accessible mode). Tests, the kiosk benchmark, the
// exactly-once oracle and `kiosktwin kiosk` draw their sessions here, so a
// seed names the same sessions everywhere.
#pragma once

#include <kiosktwin/kiosk/catalogue.hpp>
#include <kiosktwin/kiosk/citizen.hpp>
#include <kiosktwin/services/identity.hpp>
#include <kiosktwin/services/population.hpp>
#include <kiosktwin/sim/random.hpp>

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

namespace kiosktwin::world {

struct SessionMix {
    double query = 0.10;       ///< 查询/咨询 only
    double eid_qr = 0.20;      ///< log in with the e-ID code
    double manual = 0.05;      ///< log in by typing
    double cross = 0.25;       ///< pick a 跨域通办 mode when the item offers one
    double yes = 0.30;         ///< each guidance question answered yes
    double rate = 0.85;        ///< rate the service (else skip)
    double bad_rating = 0.05;  ///< of those who rate: 1 or 2, with a reason
    double pay = 0.97;         ///< pay a fee when asked
    double walk_away = 0.02;   ///< walk away in the middle
    double accessible = 0.05;  ///< ask for the accessible mode
    sim::Duration think = std::chrono::seconds(2);
};

/// The platform's default register: generate_population(1, 1000), what a
/// gateway holds unless it is configured with another (built once).
const std::vector<services::Resident>& default_residents();

/// A resident as a citizen at a kiosk: what their card holds, their face
/// (no e-ID code: ScriptedCitizens issues one when the script needs it).
kiosk::CitizenIdentity identity_of(const services::Resident& r);

/// Residents who can be served: no hold, card valid on `today`.
std::vector<services::Resident> servable(std::span<const services::Resident> people, protocol::CivilDate today);

class ScriptedCitizens {
public:
    ScriptedCitizens(std::uint64_t seed, std::vector<services::Resident> residents, SessionMix mix = {});

    struct Visit {
        kiosk::CitizenIdentity who;
        kiosk::CitizenScript script;
    };
    /// The next citizen, for a kiosk whose catalogue is `catalogue`.
    /// `identity` issues their e-ID code, valid for a day from `now`.
    Visit next(const kiosk::CatalogueSnapshot& catalogue, const services::IdentityService& identity, sim::Time now);
    /// A citizen drawn from `rng` (the caller's stream: one per citizen keeps
    /// each citizen's draws apart from everyone else's); counts as drawn.
    Visit draw(sim::Rng& rng, const kiosk::CatalogueSnapshot& catalogue, const services::IdentityService& identity,
               sim::Time now);
    /// The same with another mix (a persona's) instead of this one's.
    Visit draw(sim::Rng& rng, const kiosk::CatalogueSnapshot& catalogue, const services::IdentityService& identity,
               sim::Time now, const SessionMix& mix);

    std::uint64_t drawn() const noexcept { return m_drawn; }

private:
    sim::Rng m_rng;
    std::vector<services::Resident> m_residents;
    SessionMix m_mix;
    std::uint64_t m_drawn = 0;
};

}  // namespace kiosktwin::world
