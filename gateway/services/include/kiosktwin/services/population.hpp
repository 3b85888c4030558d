// A synthetic population register (常住人口登记): fictitious residents for the
// identity back end, generated from a seed. Nobody here exists: names are
// random draws from small tables of surnames and given-name characters,
// ID numbers are built, not collected.
//
// Each resident:
//   id_number       GB 11643 number: region (GB/T 2260, from api::codes::region())
//                   + birth date + a sequence whose parity is the gender (odd male)
//                   + the ISO 7064 check character (protocol::citizen_id)
//   name            surname + a one- or two-character given name
//   gender          GB/T 2261.1 code, "1" 男 or "2" 女
//   birth_date      aged min_age..max_age on the reference date
//   address_region  where they live now: the ID's region, or (1 in 10) another
//   issued/expires  the ID card's validity: 5 years if issued under 16, 10 under
//                   26, 20 under 46, else 长期 (long-term: expires null)
//   wanted          a law-enforcement hold (通缉); never shown to a kiosk
//   face_template   an integer identity of the face: face compare scores a
//                   sample as "same person" exactly when the templates agree
//
// Resident i is drawn from its own stream, derive_seed(seed, "population/<i>"),
// so generate_population(s, 100) is the first 100 of generate_population(s, 1000).
//
// The JSON form (one object per line in a .jsonl file), dates as GB/T 7408 "YYYY-MM-DD":
//   {"address_region":"110101","birth_date":"1987-03-14","expires":"2031-05-02",
//    "face_template":3141592653,"gender":"2","id_number":"11010119870314002X",
//    "issued":"2011-05-02","name":"…","wanted":false}
#pragma once

#include <kiosktwin/protocol/citizen_id.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace kiosktwin::services {

struct Resident {
    std::string id_number;                         ///< 18 characters, valid check character
    std::string name;                              ///< UTF-8, e.g. "林思远"
    std::string gender;                            ///< GB/T 2261.1: "1" 男, "2" 女
    protocol::CivilDate birth_date;
    std::string address_region;                    ///< GB/T 2260 code of the current address
    protocol::CivilDate issued;                    ///< ID card 签发日期
    std::optional<protocol::CivilDate> expires;    ///< last valid day; nullopt = 长期 (long-term)
    bool wanted = false;                           ///< 通缉 hold: internal only, never sent to a kiosk
    std::uint32_t face_template = 0;               ///< unique per resident

    /// Whether the card has expired on `today` (valid through its expiry date).
    bool expired_on(protocol::CivilDate today) const noexcept { return expires && *expires < today; }

    friend bool operator==(const Resident&, const Resident&) = default;
};

struct PopulationOptions {
    protocol::CivilDate reference{2026, 6, 1};  ///< "today" for ages and the expired share
    double expired_share = 0.05;                ///< P(card expired on `reference`), [0, 1]
    double wanted_share = 0.01;                 ///< P(wanted), [0, 1]
    int min_age = 16;                           ///< on `reference`, >= 0
    int max_age = 85;                           ///< on `reference`, >= min_age
};

/// `n` fictitious residents, reproducible from `seed`, with distinct ID
/// numbers and face templates. Every resident aged 16 or more at `reference`
/// can hold an expired card, so with min_age >= 16 the expired share is met
/// in expectation; a younger one who cannot keeps a current card.
/// Throws std::invalid_argument for shares outside [0, 1] or bad ages.
std::vector<Resident> generate_population(std::uint64_t seed, std::size_t n, const PopulationOptions& options = {});

/// The JSON object of the header comment.
nlohmann::json to_json(const Resident& r);
/// Reads that object; throws std::invalid_argument naming the field
/// ("/id_number: check character should be X, not 3"); checks that the ID
/// number is valid and agrees with gender and birth_date.
Resident resident_from_json(const nlohmann::json& j);

/// One compact JSON object per line, each line ending in '\n'.
std::string to_jsonl(std::span<const Resident> residents);
/// The inverse of to_jsonl (blank lines skipped); errors name the line: "line 7: /gender: ...".
std::vector<Resident> read_jsonl(std::istream& in);

/// The register: residents looked up by ID number in O(1).
class Register {
public:
    Register() = default;
    /// Throws std::invalid_argument on a duplicate ID number.
    explicit Register(std::vector<Resident> residents);

    /// The resident with this ID number, or nullptr. The pointer stays valid
    /// for the lifetime of the register.
    const Resident* find(std::string_view id_number) const;
    std::span<const Resident> residents() const noexcept { return m_residents; }
    std::size_t size() const noexcept { return m_residents.size(); }

private:
    std::vector<Resident> m_residents;
    std::unordered_map<std::string, std::size_t> m_by_id;
};

}  // namespace kiosktwin::services
