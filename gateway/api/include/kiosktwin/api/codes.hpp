// The code tables of the interface's data dictionary (R-8.2-1), as data:
//
//   table              value type  source
//   gender             string      GB/T 2261.1: "0" 未知的性别, "1" 男, "2" 女, "9" 未说明的性别
//   document_type      string      GA/T 2000.156 常用证件代码, a small subset [inferred values]
//   region             string      GB/T 2260: all 34 province-level codes and a few
//                                  prefecture/county codes; open — any structurally
//                                  valid code is accepted (see is_region_code)
//   item_type          string      R-6.1-1 事项类型, with the two-letter codes of
//                                  provincial item catalogues (XK 行政许可 ...) [inferred]
//   rating             integer     R-11.3-1 好差评 levels 5 非常满意 .. 1 非常不满意
//   bad_review_reason  string      差评 reasons for levels 1-2 (GB/T 39734 附录A
//                                  not retrieved: a bench set) [inferred]
//   channel            string      service / evaluation channels (GB/T 39734 §6) [bench ids]
//   terminal_status    string      terminal states for heartbeats (R-8.4-1) [bench ids]
//   peripheral_type    string      the device kinds of hw-emulators/devices
//
// Every entry has a code, a Chinese and an English name. A string table's
// codes travel as JSON strings ("1" for 男, as GB/T 2261.1 writes it), an
// integer table's as JSON integers (rating 4).
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <span>
#include <string_view>

namespace kiosktwin::api::codes {

struct Code {
    std::string_view code;  ///< as written in the standard ("1", "111", "XK", "5")
    std::string_view zh;
    std::string_view en;
};

class Table {
public:
    enum class ValueType { string, integer };
    /// Extra acceptance rule of an open table (region): codes outside the
    /// entries that it accepts are valid but nameless.
    using Rule = bool (*)(std::string_view) noexcept;

    constexpr Table(std::string_view name, std::string_view source, ValueType type,
                    std::span<const Code> entries, Rule open_rule = nullptr) noexcept
        : m_name(name), m_source(source), m_type(type), m_entries(entries), m_open_rule(open_rule) {}

    std::string_view name() const noexcept { return m_name; }      ///< "gender"
    std::string_view source() const noexcept { return m_source; }  ///< "GB/T 2261.1"
    ValueType value_type() const noexcept { return m_type; }
    std::span<const Code> entries() const noexcept { return m_entries; }
    /// Whether codes outside entries() can be valid (the region table).
    bool open() const noexcept { return m_open_rule != nullptr; }

    /// The entry with this code; nullptr if none.
    const Code* find(std::string_view code) const noexcept;
    /// The entry of an integer code (rating 4); nullptr if none.
    const Code* find(long long code) const noexcept;
    /// Whether a code is valid: an entry, or accepted by an open table's rule.
    bool accepts(std::string_view code) const noexcept;
    /// Whether a JSON value is a valid code of the right JSON type.
    bool accepts(const nlohmann::json& value) const noexcept;

    /// {"source", "value_type": "string"|"integer", "open", "entries": [{"code", "zh", "en"}]}.
    nlohmann::json to_json() const;

private:
    std::string_view m_name;
    std::string_view m_source;
    ValueType m_type;
    std::span<const Code> m_entries;
    Rule m_open_rule;
};

const Table& gender();
const Table& document_type();
const Table& region();
const Table& item_type();
const Table& rating();
const Table& bad_review_reason();
const Table& channel();
const Table& terminal_status();
const Table& peripheral_type();

/// All tables, in the order above.
std::span<const Table* const> all_tables() noexcept;
/// A table by name ("gender"); nullptr if none.
const Table* find_table(std::string_view name) noexcept;
/// {"gender": gender().to_json(), ...}: the data dictionary for docs/OpenAPI.
nlohmann::json to_json();

// --- GB/T 2260 region codes ---------------------------------------------

enum class RegionLevel { province, prefecture, county };

/// The structural rule: six ASCII digits; the first two a province-level code
/// (citizen_id::is_province_code); a county part only under a prefecture part
/// ("110001" is refused); 71/81/82 (台湾, 香港, 澳门) have no subdivisions.
bool is_region_code(std::string_view code) noexcept;
/// The level a structurally valid code names; nullopt if not valid.
std::optional<RegionLevel> region_level(std::string_view code) noexcept;
/// The name from the built-in table ("北京市", "东城区"); empty if not in it.
std::string_view region_name(std::string_view code) noexcept;

// --- 好差评 levels (R-11.3-1) ---------------------------------------------

/// Levels 1 (非常不满意) and 2 (不满意) are 差评 and need at least one reason.
constexpr bool is_bad_review(long long level) noexcept { return level == 1 || level == 2; }

// --- Document types ---------------------------------------------------------

/// Whether a document type's number is an 18-character GB 11643 number with a
/// check character: 111 居民身份证, 112 临时居民身份证, 553 外国人永久居留身份证.
bool has_citizen_id_number(std::string_view document_type) noexcept;

}  // namespace kiosktwin::api::codes
