#include <kiosktwin/api/errors.hpp>

#include <array>

namespace kiosktwin::api {

namespace {

using E = ErrorCode;

// In ErrorCode order (checked below). Numbers: HTTP status × 100 + serial.
constexpr std::size_t k_count = static_cast<std::size_t>(E::service_timeout) + 1;
constexpr std::array<ErrorInfo, k_count> k_table{{
    {E::ok, "ok", 0, 200, "成功", "success"},
    {E::malformed_json, "request.malformed_json", 40001, 400, "请求体不是合法的 JSON（UTF-8）",
     "request body is not valid JSON (UTF-8)"},
    {E::bad_field, "request.bad_field", 40002, 400, "请求字段不合法", "a request field is invalid"},
    {E::missing_field, "request.missing_field", 40003, 400, "缺少必填字段", "a required field is missing"},
    {E::unknown_code, "request.unknown_code", 40004, 400, "代码不在代码表中", "a code is not in its code table"},
    {E::bad_id_number, "request.bad_id_number", 40005, 400, "证件号码不合法", "the ID number is invalid"},
    {E::malformed_http, "request.malformed_http", 40006, 400, "HTTP 请求格式错误", "malformed HTTP request"},
    {E::auth_missing_header, "auth.missing_header", 40101, 401, "缺少签名请求头",
     "a signature header is missing"},
    {E::auth_bad_header, "auth.bad_header", 40102, 401, "签名请求头格式错误", "a signature header is malformed"},
    {E::auth_unknown_key, "auth.unknown_key", 40103, 401, "未知的密钥标识", "unknown key id"},
    {E::auth_bad_method, "auth.bad_method", 40104, 401, "不支持的签名算法", "unsupported signature method"},
    {E::auth_stale_timestamp, "auth.stale_timestamp", 40105, 401, "请求时间戳超出允许范围",
     "the request timestamp is outside the allowed window"},
    {E::auth_bad_signature, "auth.bad_signature", 40106, 401, "签名校验失败", "the signature does not verify"},
    {E::auth_replayed_nonce, "auth.replayed_nonce", 40107, 401, "请求随机数重复（疑似重放）",
     "the nonce was already used (replay)"},
    {E::auth_unregistered_terminal, "auth.unregistered_terminal", 40301, 403, "终端未注册",
     "the terminal is not registered"},
    {E::auth_forbidden, "auth.forbidden", 40302, 403, "该密钥无权调用此接口", "this key may not call this operation"},
    {E::not_found, "resource.not_found", 40401, 404, "资源不存在", "resource not found"},
    {E::method_not_allowed, "request.method_not_allowed", 40501, 405, "不支持的请求方法",
     "method not allowed"},
    {E::idempotency_mismatch, "conflict.idempotency_mismatch", 40901, 409, "幂等键已用于不同的请求",
     "the idempotency key was used with a different request"},
    {E::conflict_state, "conflict.state", 40902, 409, "当前状态不允许该操作",
     "the operation is not allowed in the current state"},
    {E::duplicate_evaluation, "conflict.duplicate_evaluation", 40903, 409, "该办件已评价",
     "this case has already been evaluated"},
    {E::too_large, "request.too_large", 41301, 413, "请求体过大", "request body too large"},
    {E::unsupported_media_type, "request.unsupported_media_type", 41501, 415, "请求内容类型应为 application/json",
     "content type must be application/json"},
    {E::internal, "internal", 50001, 500, "系统内部错误", "internal error"},
    {E::service_unavailable, "service.unavailable", 50301, 503, "服务暂不可用", "service unavailable"},
    {E::service_timeout, "service.timeout", 50401, 504, "后端服务超时", "back-end service timed out"},
}};

constexpr bool table_in_order() {
    for (std::size_t i = 0; i < k_table.size(); ++i)
        if (static_cast<std::size_t>(k_table[i].code) != i) return false;
    return k_table.back().code == E::service_timeout;
}
static_assert(table_in_order(), "k_table must list every ErrorCode in order");

}  // namespace

std::span<const ErrorInfo> error_table() noexcept { return k_table; }

const ErrorInfo& info(ErrorCode code) noexcept { return k_table[static_cast<std::size_t>(code)]; }

std::optional<ErrorCode> find_error(std::string_view id) noexcept {
    for (const auto& e : k_table)
        if (e.id == id) return e.code;
    return std::nullopt;
}

std::optional<ErrorCode> find_error(int number) noexcept {
    for (const auto& e : k_table)
        if (e.number == number) return e.code;
    return std::nullopt;
}

nlohmann::json error_table_json() {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& e : k_table)
        rows.push_back({{"error", e.id},
                        {"code", e.number},
                        {"http_status", e.http_status},
                        {"msg_zh", e.msg_zh},
                        {"msg_en", e.msg_en}});
    return {{"scheme", "code = HTTP status * 100 + serial within that status; 0 = success"},
            {"errors", std::move(rows)}};
}

}  // namespace kiosktwin::api
