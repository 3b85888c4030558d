// Scenario knobs, each declared once (SimGrid's config::Flag): its JSON path,
// kind, unit, default, range and help. The loader validates and fills a
// scenario from them, the CLI prints them in --help and accepts overrides,
// and reports label the effective values with their units — all from the same
// declaration.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::world {

enum class KnobKind { integer, number, string, boolean, number_list, object_list };

class KnobSet;

struct Knob {
    std::string path{};  ///< JSON pointer into the scenario, e.g. "/hall/kiosks"
    KnobKind kind = KnobKind::number;
    std::string unit{};  ///< "kiosks", "min", "arrivals/h"; empty if none
    nlohmann::json fallback{};  ///< the default value
    std::optional<double> min{};  ///< inclusive unless min_exclusive
    std::optional<double> max{};  ///< inclusive
    bool min_exclusive = false;
    std::size_t length = 0;            ///< number_list: exact number of elements
    std::vector<std::string> choices{};  ///< string: allowed values (empty = any)
    std::string help{};
    /// object_list: the knobs of each element (paths relative to the
    /// element, "/id"); min and max bound the number of elements.
    const KnobSet* element = nullptr;
};

/// One thing wrong with a scenario, at a JSON path ("" for the whole file).
struct Problem {
    std::string path;
    std::string message;
    std::string to_string() const { return (path.empty() ? std::string("/") : path) + ": " + message; }
};

struct Validated {
    nlohmann::json effective;  ///< the document with every default filled in
    std::vector<Problem> problems;
    bool ok() const noexcept { return problems.empty(); }
};

class KnobSet {
public:
    KnobSet& add(Knob k);
    const std::vector<Knob>& knobs() const noexcept { return m_knobs; }
    const Knob* find(std::string_view path) const noexcept;

    /// Checks `doc` against the knobs: every value of the right kind and in
    /// range, no unknown keys. Missing values take their defaults.
    Validated validate(const nlohmann::json& doc) const;

    /// What a knob accepts, as an error message says it: "an integer ≥ 1".
    static std::string expectation(const Knob& k);
    /// The default, formatted for people ("4", "lognormal", "[24 values]").
    static std::string format_default(const Knob& k);
    /// A table of every knob for --help text (an object_list's element
    /// knobs as "/sites/*/id").
    std::string help_table() const;
    /// The knobs as a JSON Schema (draft 2020-12) document: types, ranges,
    /// choices, defaults and help as descriptions.
    nlohmann::json json_schema(const std::string& title) const;

private:
    void check_value(const Knob& k, const nlohmann::json& v, std::vector<Problem>& out) const;
    void find_unknown(const nlohmann::json& v, const std::string& path, std::vector<Problem>& out) const;
    std::vector<Knob> m_knobs;
};

/// Applies an override "hall.kiosks=6" (or "/hall/kiosks=6") to `doc`. The
/// value is read as JSON when it parses (6, 2.5, [1,2], true, "x") and as a
/// string otherwise. Returns a problem if the text is malformed.
std::optional<Problem> apply_override(nlohmann::json& doc, std::string_view assignment);

/// Parses JSON text; on a syntax error returns a problem naming line and column.
std::optional<Problem> parse_json(std::string_view text, nlohmann::json& out);

}  // namespace kiosktwin::world
