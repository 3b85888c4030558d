// JSON text on the hot paths: the same bytes and the same values as
// nlohmann/json's dump() and parse(), without their per-character cost.
//
// Every device reply of the local service, every gateway request and answer
// travels as JSON text, and a camera frame or a scanned page inside one is a
// Base64 string of tens of kilobytes. nlohmann/json reads and writes text a
// character at a time through an input adapter and a UTF-8 state machine —
// right for a general library, but it made JSON the largest cost of a kiosk
// session in virtual time. These two functions take the common case fast and
// hand everything else to nlohmann/json itself, so their results cannot
// differ from it:
//
// * dump_json(j) == j.dump(-1, ' ', false, handler), byte for byte. Strings
//   are copied in runs (escapes and UTF-8 checked per byte, no per-character
//   call); integers are written with std::to_chars; floating-point numbers,
//   binary values and any string that is not valid UTF-8 are written by
//   nlohmann/json (so the error handler applies exactly as there).
// * parse_json(text) == json::parse(text): the same value with the same
//   types (unsigned for non-negative integers, signed for negative ones,
//   double otherwise; the last of duplicate keys wins). Only well-formed
//   input in the common subset is read here — strings with valid UTF-8 and
//   escapes, numbers that fit, nesting up to k_fast_depth, no byte-order
//   mark. Anything else (every malformed input among it) goes to
//   json::parse, which returns the same value or throws what it always did
//   (parse_error; out_of_range 406 for a number that overflows). try_parse_json returns nullopt instead of
//   throwing, like json::parse(text, nullptr, false) returning discarded.
//
// tests/protocol/test_json_text.cpp compares both with nlohmann/json on
// crafted cases, and tests/fuzz/fuzz_json_text.cpp on arbitrary input.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace kiosktwin::protocol {

/// Deepest nesting read by the fast path; deeper input goes to nlohmann/json.
inline constexpr int k_fast_depth = 200;

/// j.dump(-1, ' ', false, handler), byte for byte.
std::string dump_json(const nlohmann::json& j,
                      nlohmann::json::error_handler_t handler = nlohmann::json::error_handler_t::strict);
/// Appends dump_json(j, handler) to `out`.
void append_json(std::string& out, const nlohmann::json& j,
                 nlohmann::json::error_handler_t handler = nlohmann::json::error_handler_t::strict);

/// json::parse(text): the same value, or the same exception thrown.
nlohmann::json parse_json(std::string_view text);
/// The value json::parse(text) gives, or nullopt where it would throw.
std::optional<nlohmann::json> try_parse_json(std::string_view text);

/// The fast path alone: the value, or nullopt when `text` is outside the
/// subset it reads (which does not mean the text is malformed). For tests.
std::optional<nlohmann::json> parse_json_fast(std::string_view text);

}  // namespace kiosktwin::protocol
