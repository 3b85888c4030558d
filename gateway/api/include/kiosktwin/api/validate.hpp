// Request-body validation with JSON-pointer paths (R-8.2-1): a Checker runs
// declared rules against a parsed body and keeps every problem, each with its
// path and error code, in rule order:
//
//   Checker c(body);
//   c.required_string("/applicant/name", 1, 50);
//   c.id_number("/applicant/id_number");
//   c.code("/applicant/gender", codes::gender());
//   if (auto e = c.first_error()) return envelope::error(*e);
//
// The server answers with first_error() (one refusal, as the envelope carries
// one path); errors() has them all, for logs and form hints. Once a path has a
// problem, later rules on that path or below it are skipped, so one bad field
// gives one problem.
//
// Conventions:
//  * A member that is absent or JSON null is missing: request.missing_field for
//    a required rule, and an optional rule passes. A parent that is present but
//    not an object/array is request.bad_field at the parent's path.
//  * Types, lengths, ranges and formats: request.bad_field; a value outside a
//    code table: request.unknown_code; an ID number that fails GB 11643:
//    request.bad_id_number.
//  * String lengths count Unicode code points of strict UTF-8 (so "张三" is 2);
//    malformed UTF-8 (overlong forms, surrogates, stray bytes) is bad_field.
//  * Integers must be JSON integers (3.0 and "3" are refused).
//  * Timestamps are GB/T 7408 extended date-times with seconds and an explicit
//    offset: YYYY-MM-DDThh:mm:ss[.f{1,6}]±hh:mm. Offset::china (the default,
//    R-8.2-1) accepts only +08:00; Offset::any accepts any offset and Z.
//  * Images are bare Base64 (RFC 4648, no "data:" prefix; white space ignored)
//    of a JPEG, PNG or BMP, at most max_bytes once decoded.
//  * Paths are JSON pointers (RFC 6901); a malformed one is a programming
//    error and throws nlohmann::json::parse_error.
#pragma once

#include <kiosktwin/api/codes.hpp>
#include <kiosktwin/api/errors.hpp>
#include <kiosktwin/protocol/citizen_id.hpp>
#include <kiosktwin/sim/calendar.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::api {

/// Unicode code points in strict UTF-8 text; nullopt if the text is not UTF-8.
std::optional<std::size_t> utf8_length(std::string_view text) noexcept;

/// Which UTC offsets a timestamp may carry.
enum class Offset { china, any };

/// A GB/T 7408 timestamp as the Checker accepts it, as a calendar whose epoch
/// is that instant at its own offset (sim::Calendar::from_iso8601); nullopt
/// if the text is not one.
std::optional<sim::Calendar> parse_timestamp(std::string_view text, Offset offset = Offset::china);

enum class Presence { required, optional };

class Checker {
public:
    /// Checks `body`, which must outlive the checker.
    explicit Checker(const nlohmann::json& body);
    Checker(nlohmann::json&&) = delete;

    /// The date ID numbers' birth dates may not be after (no wall clock here:
    /// the caller passes the simulated or real date). Unset: not checked.
    Checker& today(protocol::CivilDate date);

    // Generic types. Bounds are inclusive.
    Checker& required_string(std::string_view path, std::size_t min_chars, std::size_t max_chars);
    Checker& optional_string(std::string_view path, std::size_t min_chars, std::size_t max_chars);
    Checker& required_integer(std::string_view path, std::int64_t min, std::int64_t max);
    Checker& optional_integer(std::string_view path, std::int64_t min, std::int64_t max);
    /// Any JSON number (a face-compare score).
    Checker& required_number(std::string_view path, double min, double max);
    Checker& optional_number(std::string_view path, double min, double max);
    Checker& required_bool(std::string_view path);
    Checker& optional_bool(std::string_view path);
    Checker& required_object(std::string_view path);
    Checker& required_array(std::string_view path, std::size_t min_items, std::size_t max_items);
    Checker& optional_array(std::string_view path, std::size_t min_items, std::size_t max_items);

    // Domain rules: required unless Presence::optional is passed.
    /// A member of a code table, of the table's JSON type.
    Checker& code(std::string_view path, const codes::Table& table, Presence p = Presence::required);
    /// An array of codes of a table, min..max items, no duplicates.
    Checker& code_list(std::string_view path, const codes::Table& table, std::size_t min_items,
                       std::size_t max_items, Presence p = Presence::required);
    /// A GB/T 2260 region code (codes::region(): built-in names, structural rule).
    Checker& region(std::string_view path, Presence p = Presence::required);
    /// An 18-character citizen ID number with a valid check character (GB 11643).
    Checker& id_number(std::string_view path, Presence p = Presence::required);
    /// A GB/T 7408 timestamp.
    Checker& timestamp(std::string_view path, Offset offset = Offset::china,
                       Presence p = Presence::required);
    /// A Base64 image of at most max_bytes decoded bytes.
    Checker& base64_image(std::string_view path, std::size_t max_bytes, Presence p = Presence::required);
    /// A 好差评 rating: `level_path` a rating code; for 差评 (levels 1-2) the
    /// array at `reasons_path` must hold at least one bad_review_reason code
    /// (R-11.3-1); otherwise it is optional but, when present, checked too.
    Checker& rating(std::string_view level_path, std::string_view reasons_path);

    /// Runs `rule(item_path)` for every element of the array at `path`
    /// ("/materials/0", "/materials/1", ...); nothing if it is absent or not an array.
    Checker& each(std::string_view path, const std::function<void(Checker&, const std::string&)>& rule);

    /// Records a problem found by the caller's own rule.
    Checker& fail(ErrorCode code, std::string_view path, std::string_view reason);

    bool ok() const noexcept { return m_problems.empty(); }
    /// The first problem in rule order; nullopt if none.
    std::optional<Problem> first_error() const;
    const std::vector<Problem>& errors() const noexcept { return m_problems; }

private:
    enum class Lookup { found, missing, bad_parent, skipped };
    struct Found {
        Lookup state;
        const nlohmann::json* value = nullptr;
    };
    Found find(std::string_view path, Presence p);
    bool blocked(std::string_view path) const;
    void string_rule(std::string_view path, std::size_t min_chars, std::size_t max_chars, Presence p);
    void integer_rule(std::string_view path, std::int64_t min, std::int64_t max, Presence p);
    void number_rule(std::string_view path, double min, double max, Presence p);
    void bool_rule(std::string_view path, Presence p);
    void array_rule(std::string_view path, std::size_t min_items, std::size_t max_items, Presence p);

    const nlohmann::json& m_body;
    std::optional<protocol::CivilDate> m_today;
    std::vector<Problem> m_problems;
};

}  // namespace kiosktwin::api
