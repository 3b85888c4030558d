// Differential fuzzing of the hot-path JSON text codec (protocol/json_text.hpp)
// against nlohmann/json: on any input, parse_json gives what json::parse
// gives (the same value with the same number types, or a parse error where it
// fails), and dump_json writes what dump() writes — for the parsed value and
// for the raw input as one string, under both error handlers.
#include <kiosktwin/protocol/json_text.hpp>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

using nlohmann::json;
namespace p = kiosktwin::protocol;

void require(bool ok) {
    if (!ok) std::abort();
}

// Equal values of equal types all the way down (json's == calls 1 and 1.0 equal).
bool same(const json& a, const json& b) {
    if (a.type() != b.type()) return false;
    if (a.is_object()) {
        if (a.size() != b.size()) return false;
        for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j)
            if (i.key() != j.key() || !same(i.value(), j.value())) return false;
        return true;
    }
    if (a.is_array()) {
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i)
            if (!same(a[i], b[i])) return false;
        return true;
    }
    if (a.is_number_float()) {
        const double x = a.get<double>(), y = b.get<double>();
        return x == y && std::signbit(x) == std::signbit(y);
    }
    return a == b;
}

// dump_json and dump agree: the same text, or both throw.
void same_dump(const json& v, json::error_handler_t handler) {
    std::string reference;
    bool reference_threw = false;
    try {
        reference = v.dump(-1, ' ', false, handler);
    } catch (const json::type_error&) {
        reference_threw = true;
    }
    try {
        const std::string fast = p::dump_json(v, handler);
        require(!reference_threw && fast == reference);
    } catch (const json::type_error&) {
        require(reference_threw);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);

    const json reference = json::parse(in, nullptr, false);
    const auto fast = p::parse_json_fast(in);
    if (fast) require(!reference.is_discarded() && same(*fast, reference));
    const auto tried = p::try_parse_json(in);
    require(tried.has_value() == !reference.is_discarded());
    if (tried) {
        require(same(*tried, reference));
        same_dump(*tried, json::error_handler_t::strict);
    }
    try {
        const json parsed = p::parse_json(in);
        require(!reference.is_discarded() && same(parsed, reference));
    } catch (const json::exception&) {  // parse_error, or out_of_range on a number that overflows
        require(reference.is_discarded());
    }

    // The input as one string value (any bytes: escapes, UTF-8 errors).
    const json as_string = std::string(in);
    same_dump(as_string, json::error_handler_t::strict);
    same_dump(as_string, json::error_handler_t::replace);
    same_dump(json{{std::string(in), as_string}, {"n", static_cast<double>(size) / 7.0}}, json::error_handler_t::replace);
    return 0;
}
