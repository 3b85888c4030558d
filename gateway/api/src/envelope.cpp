#include <kiosktwin/api/envelope.hpp>

#include <kiosktwin/protocol/json_text.hpp>

#include <utility>

namespace kiosktwin::api {

using nlohmann::json;

std::optional<ErrorCode> Envelope::error() const noexcept {
    if (ok()) return std::nullopt;
    return find_error(code);
}

namespace envelope {

namespace {
std::string_view message(const ErrorInfo& e, Lang lang) { return lang == Lang::zh ? e.msg_zh : e.msg_en; }

[[noreturn]] void malformed(std::string_view what) {
    std::string m("malformed envelope: ");
    m.append(what);
    throw MalformedEnvelope(m);
}
}  // namespace

json success(json data, Lang lang) {
    // Member by member: an initializer list would copy `data`.
    json out = json::object();
    out["code"] = 0;
    out["msg"] = message(info(ErrorCode::ok), lang);
    out["data"] = std::move(data);
    return out;
}

json error(ErrorCode code, std::string_view path, std::string_view reason, Lang lang) {
    const ErrorInfo& e = info(code);
    if (code == ErrorCode::ok) return success(json::object(), lang);
    json data = {{"error", e.id}};
    if (!path.empty()) data["path"] = path;
    if (!reason.empty()) data["reason"] = reason;
    return {{"code", e.number}, {"msg", message(e, lang)}, {"data", std::move(data)}};
}

json error(const Problem& problem, Lang lang) { return error(problem.code, problem.path, problem.reason, lang); }

int http_status(const json& envelope) noexcept {
    const auto it = envelope.find("code");
    if (it == envelope.end() || !it->is_number_integer()) return 500;
    const auto n = it->get<long long>();
    if (n == 0) return 200;
    if (n < 0 || n > 99999) return 500;
    const auto code = find_error(static_cast<int>(n));
    return code ? api::http_status(*code) : 500;
}

Envelope parse(const json& body) {
    if (!body.is_object()) malformed("expected a JSON object");
    Envelope e;
    const auto code = body.find("code");
    if (code == body.end()) malformed("/code: missing");
    if (!code->is_number_integer()) malformed("/code: expected an integer");
    if (code->is_number_unsigned() ? code->get<unsigned long long>() > 99999u
                                   : (code->get<long long>() < 0 || code->get<long long>() > 99999))
        malformed("/code: expected 0..99999");
    e.code = code->get<int>();
    const auto msg = body.find("msg");
    if (msg == body.end()) malformed("/msg: missing");
    if (!msg->is_string()) malformed("/msg: expected a string");
    e.msg = msg->get<std::string>();
    const auto data = body.find("data");
    if (data == body.end()) malformed("/data: missing");
    e.data = *data;
    if (e.ok()) return e;

    const auto known = find_error(e.code);
    if (e.data.is_object()) {
        if (const auto id = e.data.find("error"); id != e.data.end()) {
            if (!id->is_string()) malformed("/data/error: expected a string");
            e.error_id = id->get<std::string>();
            const auto named = find_error(e.error_id);
            if (named && known && *named != *known) {
                std::string m("/data/error: \"");
                m.append(e.error_id).append("\" does not match code ").append(std::to_string(e.code));
                malformed(m);
            }
        }
        if (const auto p = e.data.find("path"); p != e.data.end()) {
            if (!p->is_string()) malformed("/data/path: expected a string");
            e.path = p->get<std::string>();
        }
        if (const auto r = e.data.find("reason"); r != e.data.end()) {
            if (!r->is_string()) malformed("/data/reason: expected a string");
            e.reason = r->get<std::string>();
        }
    } else if (!e.data.is_null()) {
        malformed("/data: an error's data must be an object or null");
    }
    if (e.error_id.empty() && known) e.error_id = info(*known).id;
    return e;
}

Envelope parse_text(std::string_view body) {
    json j;
    try {
        j = protocol::parse_json(body);
    } catch (const json::parse_error& ex) {
        std::string m("not JSON: ");
        m.append(ex.what());
        malformed(m);
    }
    return parse(j);
}

std::optional<Problem> problem_of(const Envelope& e) {
    if (e.ok()) return std::nullopt;
    auto code = find_error(e.error_id);
    if (!code) code = find_error(e.code);
    if (!code) return std::nullopt;
    return Problem{*code, e.path, e.reason};
}

}  // namespace envelope

}  // namespace kiosktwin::api
