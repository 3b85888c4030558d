#include <kiosktwin/server/router.hpp>

#include "routes.hpp"

#include <kiosktwin/api/envelope.hpp>
#include <kiosktwin/api/signing.hpp>
#include <kiosktwin/protocol/json_text.hpp>
#include <kiosktwin/services/identity.hpp>
#include <kiosktwin/sim/random.hpp>

#include <algorithm>
#include <cctype>
#include <exception>
#include <string>
#include <utility>
#include <vector>

namespace kiosktwin::server {

std::string_view Request::header(std::string_view name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string_view{} : std::string_view(it->second);
}

std::string wire_text(const nlohmann::json& j) {
    return protocol::dump_json(j, nlohmann::json::error_handler_t::replace);
}

namespace {

std::string_view path_of(std::string_view target) {
    const auto cut = target.find_first_of("?#");
    return cut == std::string_view::npos ? target : target.substr(0, cut);
}

std::map<std::string, std::string, std::less<>> parse_query(std::string_view target) {
    std::map<std::string, std::string, std::less<>> q;
    const auto qpos = target.find('?');
    if (qpos == std::string_view::npos) return q;
    std::string_view rest = target.substr(qpos + 1);
    rest = rest.substr(0, rest.find('#'));
    while (!rest.empty()) {
        const auto amp = rest.find('&');
        const std::string_view piece = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        if (piece.empty()) continue;
        const auto eq = piece.find('=');
        if (eq == std::string_view::npos)
            q.insert_or_assign(api::percent_decode(piece), std::string{});
        else
            q.insert_or_assign(api::percent_decode(piece.substr(0, eq)), api::percent_decode(piece.substr(eq + 1)));
    }
    return q;
}

std::vector<std::string_view> segments(std::string_view path) {
    std::vector<std::string_view> out;
    while (!path.empty() && path.front() == '/') {
        path.remove_prefix(1);
        const auto cut = path.find('/');
        out.push_back(path.substr(0, cut));
        path = cut == std::string_view::npos ? std::string_view{} : path.substr(cut);
    }
    return out;
}

// A route's pattern split once: literal segments compare, {name} ones capture.
struct Compiled {
    const Route* route;
    std::vector<std::string_view> segs;
    bool valid;  // the pattern starts with '/' and has no empty segment
};

bool is_param(std::string_view seg) { return seg.size() >= 2 && seg.front() == '{' && seg.back() == '}'; }

// Matches path segments against a compiled pattern; fills params.
bool match(const Compiled& c, const std::vector<std::string_view>& path,
           std::map<std::string, std::string, std::less<>>& params) {
    if (!c.valid || c.segs.size() != path.size()) return false;
    for (std::size_t i = 0; i < path.size(); ++i)
        if (!is_param(c.segs[i]) && c.segs[i] != path[i]) return false;
    params.clear();
    for (std::size_t i = 0; i < path.size(); ++i) {
        if (!is_param(c.segs[i])) continue;
        if (path[i].empty()) return false;
        params.insert_or_assign(std::string(c.segs[i].substr(1, c.segs[i].size() - 2)), api::percent_decode(path[i]));
    }
    return true;
}

bool is_json_media(std::string_view ct) {
    std::string lower;
    for (char c : ct.substr(0, ct.find(';'))) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    while (!lower.empty() && lower.back() == ' ') lower.pop_back();
    while (!lower.empty() && lower.front() == ' ') lower.erase(lower.begin());
    return lower == "application/json";
}

bool has_body_method(std::string_view m) { return m == "POST" || m == "PUT" || m == "PATCH"; }

// The request's own draws (face compare scores): the "gateway/request"
// stream at the request's sequence number.
sim::Rng request_rng(std::uint64_t seed, std::uint64_t seq) {
    return sim::Rng(sim::splitmix64_mix(sim::derive_seed(seed, "gateway/request") ^ sim::splitmix64_mix(seq)));
}

const std::vector<Route>& table() {
    static const std::vector<Route> all = [] {
        std::vector<Route> v;
        for (auto part : {detail::system_routes(), detail::catalogue_routes(), detail::terminal_routes(),
                          detail::identity_routes(), detail::application_routes(), detail::payment_routes(),
                          detail::evaluation_routes(), detail::admin_routes()})
            v.insert(v.end(), part.begin(), part.end());
        return v;
    }();
    return all;
}

const std::vector<Compiled>& compiled() {
    static const std::vector<Compiled> all = [] {
        std::vector<Compiled> v;
        for (const Route& r : table()) {
            auto segs = segments(r.pattern);
            const bool valid = !r.pattern.empty() && r.pattern.front() == '/' &&
                               std::none_of(segs.begin(), segs.end(), [](std::string_view s) { return s.empty(); });
            v.push_back({&r, std::move(segs), valid});
        }
        return v;
    }();
    return all;
}

const Route k_no_route{.id = "request", .method = "", .pattern = "", .access = Access::open, .errors = {}};

// What handle_request needs to know after dispatch, for the audit record.
struct Trace {
    const Route* route = &k_no_route;
    api::Problem problem{api::ErrorCode::ok, {}, {}};
    std::string actor = "anonymous";
    bool nonce_recorded = false;
};

Response run(Call& call, const Request& req, State& st, sim::Time now, Trace& trace) {
    const Route* route = &call.route;
    if (req.body.size() > st.config().max_body_bytes)
        return call.fail(api::ErrorCode::too_large, "",
                         "body of " + std::to_string(req.body.size()) + " bytes; at most " +
                             std::to_string(st.config().max_body_bytes));
    const bool wants_body = !route->request_schema.empty();
    if (!req.json && has_body_method(req.method) && (wants_body || !req.body.empty()) &&
        !is_json_media(req.header("content-type")))
        return call.fail(api::ErrorCode::unsupported_media_type, "",
                         std::string("content-type was \"").append(req.header("content-type")).append("\""));

    if (route->access != Access::open && !req.peer_key_id.empty()) {
        // In process: authenticated by construction (http.hpp), no nonce.
        if (!st.key(req.peer_key_id))
            return call.fail(api::ErrorCode::auth_unknown_key, "", "unknown peer key " + req.peer_key_id);
        call.actor = req.peer_key_id;
        call.key_id = req.peer_key_id;
    } else if (route->access != Access::open) {
        std::map<std::string, std::string> sig;
        for (auto name : {api::k_header_key_id, api::k_header_timestamp, api::k_header_nonce,
                          api::k_header_signature_method, api::k_header_signature}) {
            auto it = req.headers.find(name);
            if (it != req.headers.end()) sig.emplace(std::string(name), it->second);
        }
        const api::VerifyResult v = st.verifier.verify({req.method, req.target, req.body}, sig, now);
        if (!v.key_id.empty()) call.actor = v.key_id;
        if (!v.ok()) {
            const auto code = api::find_error(v.code).value_or(api::ErrorCode::auth_bad_header);
            return call.fail(code, v.header.empty() ? "" : "/headers/" + v.header, v.message);
        }
        trace.nonce_recorded = true;
        call.key_id = v.key_id;
    }
    if (route->access != Access::open) {
        const KeyEntry* key = st.key(call.key_id);
        const Role role = key ? key->role : Role::kiosk;
        if (route->access == Access::admin) {
            if (role != Role::admin) return call.fail(api::ErrorCode::auth_forbidden, "", "an admin key is needed");
        } else {
            if (role != Role::kiosk) return call.fail(api::ErrorCode::auth_forbidden, "", "a kiosk key is needed");
            if (const std::string* t = st.terminal_of(call.key_id); t && st.terminals.find(*t)) {
                call.terminal_id = *t;
                call.actor = *t;
            } else if (route->access == Access::terminal) {
                return call.fail(api::ErrorCode::auth_unregistered_terminal, "",
                                 "key " + call.key_id +
                                     " has no registered terminal; POST /api/v1/terminals/register first");
            }
        }
    }

    if (wants_body && req.json) {
        call.body = *req.json;
        if (!call.body.is_object()) return call.fail(api::ErrorCode::bad_field, "", "expected a JSON object");
    } else if (wants_body) {
        if (req.body.empty()) return call.fail(api::ErrorCode::malformed_json, "", "the request body is empty");
        auto parsed = protocol::try_parse_json(req.body);
        if (parsed) call.body = std::move(*parsed);
        if (!parsed) {
            call.body = nullptr;
            return call.fail(api::ErrorCode::malformed_json, "", "not JSON, or not UTF-8");
        }
        if (!call.body.is_object()) return call.fail(api::ErrorCode::bad_field, "", "expected a JSON object");
    }

    try {
        return route->handler(call);
    } catch (const std::exception& e) {
        return call.fail(api::ErrorCode::internal, "", e.what());
    }
    (void)now;
}

Response dispatch(const Request& req, State& st, sim::Time now, Trace& trace) {
    if (req.refused_on_wire) {
        Call call{req, st, now, k_no_route, {}, {}, {}, {}, {}, "anonymous", request_rng(0, 0)};
        Response r = call.fail(req.refused_on_wire->code, req.refused_on_wire->path, req.refused_on_wire->reason);
        trace.problem = std::move(call.problem);
        return r;
    }
    const std::string_view path = path_of(req.target);
    std::map<std::string, std::string, std::less<>> params;
    const Route* route = nullptr;
    std::string allow;
    const auto path_segments = segments(path);
    for (const Compiled& c : compiled()) {
        const Route& r = *c.route;
        if (!match(c, path_segments, params)) continue;
        if (r.method == req.method) {
            route = &r;
            break;
        }
        if (allow.find(r.method) == std::string::npos) {
            if (!allow.empty()) allow.append(", ");
            allow.append(r.method);
        }
    }
    if (!route) {
        Call call{req, st, now, k_no_route, {}, {}, {}, {}, {}, "anonymous", request_rng(0, 0)};
        Response r;
        if (allow.empty()) {
            std::string why = "no operation at ";
            why.append(path);
            r = call.fail(api::ErrorCode::not_found, "", why);
        } else {
            r = call.fail(api::ErrorCode::method_not_allowed, "", "allowed: " + allow);
            r.headers.emplace_back("Allow", allow);
        }
        trace.problem = std::move(call.problem);
        return r;
    }
    trace.route = route;
    Call call{req, st, now, *route, std::move(params), parse_query(req.target), {}, {}, {}, "anonymous",
              request_rng(st.config().seed, st.sequence)};
    Response res = run(call, req, st, now, trace);
    res.delay = call.delay;
    trace.problem = std::move(call.problem);
    trace.actor = std::move(call.actor);
    return res;
}

}  // namespace

bool Call::reach(std::string_view backend, Response& refusal) {
    const services::ServiceProfile* p = state.profile(backend);
    if (!p) return true;
    // Each back end draws from its own named stream ("gateway/<back end>"),
    // at this request's position in it: adding a back end or a draw
    // elsewhere moves no other back end's draws, and a replay redraws exactly.
    std::string stream = "gateway/";
    stream.append(backend);
    sim::Rng backend_rng(sim::splitmix64_mix(sim::derive_seed(state.config().seed, stream) ^
                                             sim::splitmix64_mix(state.sequence)));
    const services::Draw o = p->draw(now, backend_rng);
    delay += o.delay;
    if (o.ok()) return true;
    std::string why(backend);
    why.append(o.unavailable ? " back end is in an outage window" : " back end answered with an error");
    refusal = fail(o.unavailable ? api::ErrorCode::service_unavailable : api::ErrorCode::internal, "", why);
    return false;
}

Response Call::ok(nlohmann::json data, int status) const {
    Response r;
    r.status = status;
    r.envelope = api::envelope::success(std::move(data));
    return r;
}

Response Call::ok_text(nlohmann::json data) const {
    Response r;
    r.body = wire_text(api::envelope::success(std::move(data)));
    return r;
}

Response Call::fail(api::ErrorCode code, std::string_view path, std::string_view reason) {
    problem = api::Problem{code, std::string(path), std::string(reason)};
    Response r;
    r.status = api::http_status(code);
    r.envelope = api::envelope::error(code, path, reason);
    return r;
}

void Call::audit(std::string_view action, std::string_view outcome, const nlohmann::json& detail) {
    state.audit.append(now, actor, action, outcome, detail);
}

std::optional<std::uint64_t> Call::query_uint(std::string_view name, std::uint64_t fallback, std::uint64_t lo,
                                              std::uint64_t hi, Response& error) {
    auto it = query.find(name);
    if (it == query.end()) return fallback;
    const std::string& s = it->second;
    std::uint64_t v = 0;
    bool good = !s.empty() && s.size() <= 19;
    for (char c : s) {
        if (c < '0' || c > '9') good = false;
        else v = v * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (!good || v < lo || v > hi) {
        std::string path = "/query/";
        path.append(name);
        error = fail(api::ErrorCode::bad_field, path,
                     "expected an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
        return std::nullopt;
    }
    return v;
}

std::span<const Route> routes() { return table(); }

Response handle_request(const Request& request, State& state, sim::Time now) {
    if (now < state.last_now) now = state.last_now;
    state.last_now = now;
    ++state.sequence;
    const std::size_t audit_before = state.audit.size();
    Trace trace;
    Response res = dispatch(request, state, now, trace);

    // Every refusal and every change leaves an audit record (R-9.2-1,
    // R-9.3-1); a handler that wrote its own is not doubled.
    if (state.audit.size() == audit_before) {
        if (res.status >= 400) {
            nlohmann::json detail = {{"method", request.method}, {"target", std::string(path_of(request.target))},
                                     {"status", res.status}};
            if (!trace.problem.path.empty()) detail["path"] = trace.problem.path;
            if (!trace.problem.reason.empty()) detail["reason"] = trace.problem.reason;
            state.audit.append(now, trace.actor, trace.route->id, trace.problem.code, detail);
        } else if (trace.route->mutating) {
            state.audit.append(now, trace.actor, trace.route->id, "ok",
                               {{"target", std::string(path_of(request.target))}});
        }
    }
    res.mutated = trace.nonce_recorded || state.audit.size() != audit_before;
    // The wire wants text; an in-process caller takes the JSON as it is.
    if (!request.in_process() && res.body.empty() && !res.envelope.is_null()) {
        res.body = wire_text(res.envelope);
        res.envelope = nullptr;
    }
    return res;
}

}  // namespace kiosktwin::server
