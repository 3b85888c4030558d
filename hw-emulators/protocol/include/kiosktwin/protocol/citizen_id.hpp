// 18-character citizen ID numbers (公民身份号码, GB 11643-1999) and the dates
// and codes around them:
//
//   RRRRRR YYYYMMDD SSS C
//   region (GB/T 2260) | birth date | sequence (odd = male) | check character
//
// The check character is ISO 7064 MOD 11-2: the sum of the first 17 digits
// weighted 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, mod 11, indexes "10X98765432".
// The same structure and check serve the HK/Macao/Taiwan residence permits
// (regions 810000 / 820000 / 830000) and the 2023 foreign permanent resident
// card (9, a 2-digit province, a 3-digit ISO 3166 numeric nationality, birth
// date, sequence, check) [as far as known].
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace kiosktwin::protocol {

/// A calendar date (proleptic Gregorian).
struct CivilDate {
    int year = 1970;
    int month = 1;  ///< 1..12
    int day = 1;    ///< 1..31

    /// "YYYYMMDD".
    std::string yyyymmdd() const;
    /// From exactly eight digits forming a real date (years 1000..9999); nullopt otherwise.
    static std::optional<CivilDate> parse(std::string_view yyyymmdd) noexcept;
    bool valid() const noexcept;
    /// Days since 1970-01-01 (negative before).
    std::int64_t days() const noexcept;
    static CivilDate from_days(std::int64_t days) noexcept;
    CivilDate plus_days(std::int64_t n) const noexcept { return from_days(days() + n); }
    /// The same month and day `n` years later; 29 February becomes 28 February in a common year.
    CivilDate plus_years(int n) const noexcept;

    friend auto operator<=>(const CivilDate&, const CivilDate&) = default;
};

bool is_leap_year(int year) noexcept;
bool is_valid_date(int year, int month, int day) noexcept;
/// Completed years from `birth` to `on` (the age on that day; 0 if on < birth).
int age_on(CivilDate birth, CivilDate on) noexcept;

namespace citizen_id {

inline constexpr std::size_t k_length = 18;

/// The check character for the first 17 digits ('0'..'9' or 'X'), or '\0'
/// unless `first17` is exactly 17 ASCII digits.
char check_digit(std::string_view first17) noexcept;

/// What kind of holder the number's leading digits announce.
enum class Kind { resident, hk_permit, macao_permit, taiwan_permit, foreign_permanent, unknown };
const char* to_string(Kind k) noexcept;
Kind kind_of(std::string_view number) noexcept;

/// Whether a 2-digit province-level code exists in GB/T 2260 (11 北京 .. 65 新疆, 71 台湾, 81 香港, 82 澳门).
bool is_province_code(int code) noexcept;

struct Validation {
    bool valid = false;
    /// kebab-case keyword: "ok", "bad-length", "bad-character", "bad-region",
    /// "bad-birth-date", "future-birth-date", "bad-check-digit".
    std::string reason;
    /// For people: "check character should be X, not 3".
    std::string message;
    explicit operator bool() const noexcept { return valid; }
};

/// Checks length (18), characters (17 digits, then a digit or 'X'; a lower-case
/// 'x' is refused), the region's province, the birth date (a real date, from
/// 1800; not after `today` when given) and the check character.
Validation validate(std::string_view number, std::optional<CivilDate> today = std::nullopt);

/// Characters 1-6: the administrative division code (GB/T 2260); empty if shorter.
std::string_view region_code(std::string_view number) noexcept;
/// Characters 7-14 as a date; nullopt if absent or not a real date.
std::optional<CivilDate> birth_date(std::string_view number) noexcept;
/// GB/T 2261.1 sex code from the 17th character: '1' (odd, male) or '2' (even, female).
std::optional<char> sex_code(std::string_view number) noexcept;

}  // namespace citizen_id

/// R-9.3-1 masking for screens, receipts and logs: keeps the first 4 and the
/// last 4 characters and stars the rest ("1101**********1234"). Counts UTF-8
/// characters; a value of 8 characters or fewer is starred entirely.
std::string mask_id(std::string_view number);
/// The same over free text (log lines, receipts, uploaded logs): every
/// 18-character ID number — 17 digits then a digit or X/x, not inside a
/// longer run of digits; letters around it do not protect it — masked.
std::string mask_ids(std::string_view text);

/// The ethnic group (民族) a GB/T 3304 code names: "01" → "汉", "97" → "其他",
/// "98" → "外国血统中国籍人士"; nullptr for an unknown code.
const char* nation_name(std::string_view code) noexcept;

}  // namespace kiosktwin::protocol
