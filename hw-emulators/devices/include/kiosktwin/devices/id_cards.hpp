// The cards a citizen puts on the ID-card reader, and a seeded generator of
// fictitious residents to fill them. Every person here is synthetic: names
// from common characters, addresses built on a small table of real GB/T 2260
// districts, ID numbers with valid check characters.
//
// Three card types (spec §2.1, "card-type variants"):
//   - resident: the second-generation 居民身份证;
//   - hk_mo_tw_residence_permit: 港澳台居民居住证, numbers starting 810000 /
//     820000 / 830000, issued by a city's 公安局, valid 5 years;
//   - foreign_permanent_resident: the 2023 外国人永久居留身份证, 18-character
//     number starting with 9, 10 years for adults and 5 for minors.
// The permit and foreign layouts and validity rules are as far as known
// [unverified]; protocol::IdTextLayout documents the byte layouts.
#pragma once

#include <kiosktwin/protocol/citizen_id.hpp>
#include <kiosktwin/protocol/sam.hpp>
#include <kiosktwin/sim/random.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::devices {

enum class CardType { resident, hk_mo_tw_residence_permit, foreign_permanent_resident };
/// snake_case name: "resident", "hk_mo_tw_residence_permit", "foreign_permanent_resident".
const char* to_string(CardType t) noexcept;
std::optional<CardType> card_type_from_string(std::string_view name) noexcept;
/// The text layout a card type's chip uses.
protocol::IdTextLayout text_layout(CardType t) noexcept;

/// A card as its chip holds it.
///
/// JSON (UTF-8 strings; the members of protocol::IdText that the type uses):
///   {"type": "resident", "name": "张伟", "sex": "1", "nation": "01",
///    "birth": "19900307", "address": "...", "id_number": "...",
///    "authority": "北京市公安局东城分局", "valid_from": "20150101",
///    "valid_to": "20350101" | "长期", "photo": "<base64 of 1024 bytes>",
///    "appended_address": "...", "has_fingerprint": true}
/// Permits add "pass_number" and "issue_count"; foreign cards use
/// "english_name", "nation" (nationality, ISO 3166 alpha-3) and "issue_count"
/// and have no address or authority. "photo" and "fingerprint" are optional
/// (synthetic blobs derived from the ID number stand in).
struct IdCard {
    CardType type = CardType::resident;
    protocol::IdText text;            ///< text.layout follows type
    protocol::Bytes photo;            ///< 1024 bytes: an opaque, synthetic WLT blob
    std::optional<std::string> appended_address;  ///< the newest 追加住址, UTF-8
    bool has_fingerprint = false;
    protocol::Bytes fingerprint;      ///< 1024 bytes when has_fingerprint

    /// The 256-byte text block, and what encoding had to change (a character outside the BMP...).
    protocol::EncodedIdText text_block() const { return protocol::encode_id_text(text); }
    /// valid_to is before `today` ("长期" never expires).
    bool expired_on(protocol::CivilDate today) const noexcept;

    nlohmann::json to_json() const;
    /// Checks every field (formats, widths, the ID number's check character and
    /// its agreement with birth date, sex and card type). Throws
    /// std::invalid_argument naming the field: "card.id_number: ...".
    static IdCard from_json(const nlohmann::json& j);
    /// What traces and the control API show: type, name, masked ID number (R-9.3-1), validity.
    nlohmann::json summary() const;

    friend bool operator==(const IdCard&, const IdCard&) = default;
};

/// Deterministic synthetic blobs: 1024 bytes each, starting "KTWLT" / "KTFPR" so
/// that nobody mistakes them for real data.
protocol::Bytes synthetic_photo(std::uint64_t seed);
protocol::Bytes synthetic_fingerprint(std::uint64_t seed);

/// One real county-level division (GB/T 2260) the generator places people in.
struct Region {
    const char* code;      ///< "440305"
    const char* province;  ///< "广东省" (a municipality names itself: "北京市")
    const char* city;      ///< "深圳市"
    const char* district;  ///< "南山区"
    const char* short_district;  ///< "南山", as police branch offices are named
};
std::span<const Region> regions() noexcept;
const Region* find_region(std::string_view code) noexcept;

enum class Validity { current, expired, long_term };

/// What kind of person/card to generate. Unset fields are drawn.
struct GeneratorOptions {
    CardType type = CardType::resident;
    /// "Today" for ages and validity (the generator reads no clock).
    protocol::CivilDate reference_date{2026, 6, 1};
    std::optional<int> age;           ///< completed years on reference_date
    std::optional<char> sex;          ///< '1' male, '2' female
    std::optional<std::string> region;  ///< a code of regions()
    Validity validity = Validity::current;
    bool long_name = false;           ///< a 15-character name (the field's limit), e.g. a Uyghur name
    bool long_address = false;        ///< a 35-character address: the 70-byte field full
    bool rare_characters = false;     ///< a name character outside the BMP (UCS-2 writes '?')
    std::optional<bool> appended_address;  ///< default: drawn, 10 %
    std::optional<bool> fingerprint;       ///< default: drawn, 60 %
    std::string origin;               ///< permits: "hk", "mo" or "tw" (default drawn)
    std::string nationality;          ///< foreign cards: ISO 3166 alpha-3 of the table (default drawn)

    /// Keys as the members ("reference_date": "20260601" or "2026-06-01";
    /// "sex": "1"/"2"/"male"/"female"; "validity": "current"/"expired"/"long_term").
    /// Unknown keys and bad values throw std::invalid_argument naming the key.
    static GeneratorOptions from_json(const nlohmann::json& j);
    nlohmann::json to_json() const;
};

/// Named option sets for the reader's insert_card {"preset": ...}: "resident",
/// "expired", "long_term", "child", "long_name", "long_address",
/// "rare_characters", "appended_address", "no_appended_address", "fingerprint",
/// "residence_permit", "hk_permit", "macao_permit", "taiwan_permit",
/// "foreign_permanent_resident".
std::optional<GeneratorOptions> preset_options(std::string_view name);
std::vector<std::string> preset_names();

/// Fictitious people on valid cards, reproducible from the seed. The n-th card
/// draws from its own stream (seed, n), so the options of one card do not
/// change the people that follow.
class ResidentGenerator {
public:
    explicit ResidentGenerator(std::uint64_t seed) noexcept : m_seed(seed) {}
    /// The next card. Throws std::invalid_argument for impossible options
    /// (an expired card for a 3-year-old, a 长期 permit, an unknown region).
    IdCard next(const GeneratorOptions& options = {});
    std::uint64_t generated() const noexcept { return m_count; }

private:
    std::uint64_t m_seed;
    std::uint64_t m_count = 0;
};

}  // namespace kiosktwin::devices
