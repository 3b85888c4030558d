// The response envelope of the kiosk-facing interface (R-8.2-1):
//
//   {"code": 0, "msg": "成功", "data": {...}}                    success
//   {"code": 40002, "msg": "请求字段不合法",
//    "data": {"error": "request.bad_field", "path": "/applicant/name",
//             "reason": "at most 50 characters, got 51"}}          error
//
// `code` is the number of errors.hpp (0 = success), `msg` its message (Chinese
// by default), and an error's `data` names the stable error id, and, when the
// problem is one field, its JSON pointer and the reason. The server builds
// envelopes; the kiosk client parses them and refuses malformed ones.
#pragma once

#include <kiosktwin/api/errors.hpp>

#include <nlohmann/json.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace kiosktwin::api {

/// The language of `msg`.
enum class Lang { zh, en };

/// A parsed envelope (client side).
struct Envelope {
    int code = 0;
    std::string msg;
    nlohmann::json data;
    /// For an error: the stable error id from data.error (or, if the server sent
    /// none, the id of `code` when known); empty on success.
    std::string error_id;
    std::string path;    ///< data.path, if any
    std::string reason;  ///< data.reason, if any

    bool ok() const noexcept { return code == 0; }
    /// The error, when the code is one this build knows; nullopt on success
    /// or for a code from a newer server.
    std::optional<ErrorCode> error() const noexcept;
};

/// Thrown by envelope::parse when a response is not a well-formed envelope;
/// what() names the offending member, e.g. "/code: expected an integer".
class MalformedEnvelope : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

namespace envelope {

/// {"code": 0, "msg": "成功"|"success", "data": data}.
nlohmann::json success(nlohmann::json data = nlohmann::json::object(), Lang lang = Lang::zh);

/// An error envelope; `path` and `reason` are left out of `data` when empty.
nlohmann::json error(ErrorCode code, std::string_view path = {}, std::string_view reason = {},
                     Lang lang = Lang::zh);
nlohmann::json error(const Problem& problem, Lang lang = Lang::zh);

/// The HTTP status an envelope goes out with (200 for success; the error's
/// status otherwise; 500 for a number this build does not know).
int http_status(const nlohmann::json& envelope) noexcept;

/// Client side: checks the shape (an object with an integer `code` >= 0, a
/// string `msg`, a `data` member; an error's data.error, if present, a string
/// that agrees with `code` when both are known) and extracts the fields.
/// Throws MalformedEnvelope.
Envelope parse(const nlohmann::json& body);
/// The same from response text; text that is not JSON (or not UTF-8) is malformed too.
Envelope parse_text(std::string_view body);

/// The problem an error envelope reports, when its error is a known one.
std::optional<Problem> problem_of(const Envelope& e);

}  // namespace envelope

}  // namespace kiosktwin::api
