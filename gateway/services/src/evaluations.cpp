#include <kiosktwin/services/evaluations.hpp>

#include "json_read.hpp"
#include "text.hpp"

#include <kiosktwin/api/codes.hpp>
#include <kiosktwin/api/validate.hpp>
#include <kiosktwin/protocol/citizen_id.hpp>

#include <array>
#include <chrono>
#include <cstdio>

namespace kiosktwin::services::evaluations {

using nlohmann::json;
using detail::cat;

namespace {
constexpr std::array<std::string_view, 5> k_stage{"verify", "rectify", "feed_back", "review", "closed"};
constexpr std::array<std::string_view, 5> k_stage_zh{"核实", "整改", "反馈", "复核", "办结"};

Outcome fail(api::ErrorCode e, std::string path, std::string reason) {
    return Outcome{e, std::move(path), std::move(reason)};
}

std::string serial_id(std::uint64_t n) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "PJ-%08llu", static_cast<unsigned long long>(n));
    return buf;
}

std::string opt_string(const json& j, const char* key) {
    const auto it = j.find(key);
    return (it != j.end() && it->is_string()) ? it->get<std::string>() : std::string{};
}
}  // namespace

std::string_view to_string(Stage s) noexcept { return k_stage[static_cast<std::size_t>(s)]; }
std::string_view zh(Stage s) noexcept { return k_stage_zh[static_cast<std::size_t>(s)]; }
std::optional<Stage> parse_stage(std::string_view id) noexcept {
    for (std::size_t i = 0; i < k_stage.size(); ++i)
        if (k_stage[i] == id) return static_cast<Stage>(i);
    return std::nullopt;
}

sim::Time add_working_days(const sim::Calendar& cal, sim::Time t, int days) {
    while (days > 0) {
        t += std::chrono::hours(24);
        if (cal.iso_weekday(t) <= 5) --days;
    }
    return t;
}

std::string filter_comment(std::string_view text) {
    std::string out;
    std::size_t i = 0;
    const auto digitish = [&](std::size_t k) {
        const char c = text[k];
        return (c >= '0' && c <= '9') || c == 'X' || c == 'x';
    };
    while (i < text.size()) {
        if (text[i] >= '0' && text[i] <= '9') {
            std::size_t j = i;
            while (j < text.size() && digitish(j)) ++j;
            const auto run = text.substr(i, j - i);
            out += run.size() >= 11 ? protocol::mask_id(run) : std::string(run);
            i = j;
        } else {
            out += text[i++];
        }
    }
    return out;
}

Evaluations::Evaluations(Config config) : m_config(std::move(config)) {}

Result Evaluations::submit(const json& request, sim::Time now) {
    Result r;
    if (!request.is_object()) {
        r.outcome = fail(api::ErrorCode::bad_field, "", "expected an object");
        return r;
    }
    api::Checker c(request);
    c.required_string("/case_no", 1, 64)
        .optional_integer("/handling_seq", 1, 999)
        .required_string("/item_code", 1, 64)
        .optional_string("/item_name", 1, 200)
        .optional_string("/department", 1, 100)
        .region("/region", api::Presence::optional)
        .required_string("/terminal_id", 1, 64)
        .code("/channel", api::codes::channel())
        .rating("/level", "/reasons")
        .optional_string("/comment", 0, m_config.max_comment_chars)
        .optional_bool("/anonymous")
        .id_number("/rater/id_number", api::Presence::optional)
        .timestamp("/handled_at")
        .optional_string("/content_version", 1, 32);
    for (const char* k : {"/indicators/overall", "/indicators/efficiency", "/indicators/service_level",
                          "/indicators/attitude"})
        c.optional_integer(k, 1, 5);
    if (auto e = c.first_error()) {
        r.outcome = fail(e->code, e->path, e->reason);
        return r;
    }
    const auto handled = m_config.calendar.parse_iso8601(request.at("handled_at").get<std::string>());
    if (!handled) {
        r.outcome = fail(api::ErrorCode::bad_field, "/handled_at", "not a GB/T 7408 date-time");
        return r;
    }
    if (*handled > now) {
        r.outcome = fail(api::ErrorCode::bad_field, "/handled_at", "handling time after the evaluation time");
        return r;
    }

    Evaluation e;
    e.case_no = request.at("case_no").get<std::string>();
    e.handling_seq = request.contains("handling_seq") && !request.at("handling_seq").is_null()
                         ? request.at("handling_seq").get<int>()
                         : 1;
    // 一次一评 (R-11.3-2)
    std::size_t previous = 0;
    for (const auto& [id, x] : m_evals)
        if (x.case_no == e.case_no && x.handling_seq == e.handling_seq) ++previous;
    if (previous > 0) {
        if (!m_config.allow_follow_up || previous > 1) {
            r.outcome = fail(api::ErrorCode::duplicate_evaluation, "/case_no",
                             cat("case ", e.case_no, " handling ", std::to_string(e.handling_seq),
                                 " already evaluated (一次一评)"));
            return r;
        }
        e.follow_up = true;
    }
    e.item_code = request.at("item_code").get<std::string>();
    e.item_name = opt_string(request, "item_name");
    e.department = opt_string(request, "department");
    e.region = opt_string(request, "region");
    e.terminal_id = request.at("terminal_id").get<std::string>();
    e.channel = request.at("channel").get<std::string>();
    e.level = request.at("level").get<int>();
    if (const auto it = request.find("reasons"); it != request.end() && it->is_array())
        for (const auto& x : *it) e.reasons.push_back(x.get<std::string>());
    if (const auto it = request.find("indicators"); it != request.end() && it->is_object()) {
        const auto get = [&](const char* k) {
            const auto v = it->find(k);
            return (v != it->end() && v->is_number_integer()) ? v->get<int>() : 0;
        };
        e.indicators = {get("overall"), get("efficiency"), get("service_level"), get("attitude")};
    }
    e.comment = filter_comment(opt_string(request, "comment"));
    const bool asked_anonymous = request.contains("anonymous") && request.at("anonymous").is_boolean() &&
                                 request.at("anonymous").get<bool>();
    const std::string rater_id =
        request.contains("rater") && request.at("rater").is_object() ? opt_string(request.at("rater"), "id_number") : "";
    e.anonymous = asked_anonymous || rater_id.empty();
    if (!e.anonymous) e.rater_masked = protocol::mask_id(rater_id);
    e.evaluated_at = now;
    e.handled_at = *handled;
    e.content_version = opt_string(request, "content_version");
    if (e.content_version.empty()) e.content_version.assign(1, '1');  // not = "1": GCC 12 -Wrestrict misfires
    if (e.is_bad()) {
        Rectification rect;
        rect.deadline = add_working_days(m_config.calendar, now, m_config.rectify_working_days);
        rect.return_visit_required = !e.anonymous;
        e.rectification = rect;
    }
    e.id = serial_id(m_next_serial++);
    r.id = e.id;
    m_evals.emplace(e.id, std::move(e));
    return r;
}

Evaluation* Evaluations::find_mut(std::string_view id) {
    const auto it = m_evals.find(id);
    return it == m_evals.end() ? nullptr : &it->second;
}

const Evaluation* Evaluations::find(std::string_view id) const {
    const auto it = m_evals.find(id);
    return it == m_evals.end() ? nullptr : &it->second;
}

Outcome Evaluations::advance(std::string_view id, Stage stage, sim::Time now, std::string_view note) {
    Evaluation* e = find_mut(id);
    if (!e) return fail(api::ErrorCode::not_found, "", cat("no evaluation ", id));
    if (!e->rectification) return fail(api::ErrorCode::conflict_state, "", "not a 差评: nothing to rectify");
    Rectification& r = *e->rectification;
    if (r.stage == Stage::closed) return fail(api::ErrorCode::conflict_state, "", "rectification already closed");
    if (stage != r.stage)
        return fail(api::ErrorCode::conflict_state, "",
                    cat("waiting for ", to_string(r.stage), ", not ", to_string(stage)));
    if (stage == Stage::review && r.return_visit_required && !r.return_visit_at)
        return fail(api::ErrorCode::conflict_state, "", "a named 差评 needs a return visit (回访) before closing");
    r.steps.push_back({stage, now, std::string(note)});
    r.stage = static_cast<Stage>(static_cast<int>(stage) + 1);
    return {};
}

Outcome Evaluations::return_visit(std::string_view id, sim::Time now, std::string_view note) {
    Evaluation* e = find_mut(id);
    if (!e) return fail(api::ErrorCode::not_found, "", cat("no evaluation ", id));
    if (!e->rectification) return fail(api::ErrorCode::conflict_state, "", "not a 差评: no return visit");
    if (e->rectification->return_visit_at) return fail(api::ErrorCode::conflict_state, "", "already visited");
    e->rectification->return_visit_at = now;
    e->rectification->return_visit_note = std::string(note);
    return {};
}

std::vector<const Evaluation*> Evaluations::for_case(std::string_view case_no) const {
    std::vector<const Evaluation*> out;
    for (const auto& [id, e] : m_evals)
        if (e.case_no == case_no) out.push_back(&e);
    return out;
}

std::vector<std::string> Evaluations::overdue(sim::Time now) const {
    std::vector<std::string> out;
    for (const auto& [id, e] : m_evals)
        if (e.rectification && e.rectification->overdue(now)) out.push_back(id);
    return out;
}

json Evaluations::summary(sim::Time now) const {
    json by_level = {{"1", 0}, {"2", 0}, {"3", 0}, {"4", 0}, {"5", 0}};
    json by_reason = json::object();
    std::size_t bad = 0, open = 0, closed = 0, late = 0;
    long long sum = 0;
    for (const auto& [id, e] : m_evals) {
        by_level[std::to_string(e.level)] = by_level[std::to_string(e.level)].get<int>() + 1;
        sum += e.level;
        for (const auto& reason : e.reasons) by_reason[reason] = by_reason.value(reason, 0) + 1;
        if (e.is_bad()) ++bad;
        if (e.rectification) {
            (e.rectification->stage == Stage::closed ? closed : open) += 1;
            if (e.rectification->overdue(now)) ++late;
        }
    }
    const auto n = m_evals.size();
    return {{"total", n},
            {"by_level", by_level},
            {"bad", bad},
            {"bad_rate", n ? static_cast<double>(bad) / static_cast<double>(n) : 0.0},
            {"average_level", n ? static_cast<double>(sum) / static_cast<double>(n) : 0.0},
            {"by_reason", by_reason},
            {"rectification", {{"open", open}, {"closed", closed}, {"overdue", late}}}};
}

json Evaluations::record_json(const Evaluation& e) const {
    const auto& cal = m_config.calendar;
    json j = {{"eval_id", e.id},
              {"case_no", e.case_no},
              {"handling_seq", e.handling_seq},
              {"follow_up", e.follow_up},
              {"item_code", e.item_code},
              {"item_name", e.item_name},
              {"department", e.department},
              {"region", e.region},
              {"terminal_id", e.terminal_id},
              {"channel", e.channel},
              {"level", e.level},
              {"indicators",
               {{"overall", e.indicators.overall},
                {"efficiency", e.indicators.efficiency},
                {"service_level", e.indicators.service_level},
                {"attitude", e.indicators.attitude}}},
              {"reasons", e.reasons},
              {"comment", e.comment},
              {"rater", e.rater_masked},
              {"anonymous", e.anonymous},
              {"evaluated_at", cal.iso8601(e.evaluated_at)},
              {"handled_at", cal.iso8601(e.handled_at)},
              {"content_version", e.content_version}};
    if (e.rectification) {
        const auto& r = *e.rectification;
        json steps = json::array();
        for (const auto& s : r.steps) steps.push_back({{"done", to_string(s.done)}, {"at", cal.iso8601(s.at)}, {"note", s.note}});
        j["rectification"] = {{"stage", to_string(r.stage)},
                              {"deadline", cal.iso8601(r.deadline)},
                              {"return_visit_required", r.return_visit_required},
                              {"return_visit_at", r.return_visit_at ? json(cal.iso8601(*r.return_visit_at)) : json()},
                              {"return_visit_note", r.return_visit_note},
                              {"steps", steps}};
    } else {
        j["rectification"] = nullptr;
    }
    return j;
}

json Evaluations::to_json() const {
    json list = json::array();
    for (const auto& [id, e] : m_evals) list.push_back(record_json(e));
    return {{"version", 1}, {"next_serial", m_next_serial}, {"evaluations", list}};
}

Evaluations Evaluations::from_json(const json& j, Config config) {
    using namespace detail;
    Evaluations s(std::move(config));
    const auto& cal = s.m_config.calendar;
    if (get_int(j, "", "version") != 1) bad("/version", "unsupported version");
    s.m_next_serial = get_uint(j, "", "next_serial");
    const json& list = get_array(j, "", "evaluations");
    for (std::size_t i = 0; i < list.size(); ++i) {
        const std::string p = cat("/evaluations/", std::to_string(i));
        const json& x = list[i];
        Evaluation e;
        e.id = get_string(x, p, "eval_id");
        e.case_no = get_string(x, p, "case_no");
        e.handling_seq = static_cast<int>(get_int(x, p, "handling_seq"));
        e.follow_up = get_bool(x, p, "follow_up");
        e.item_code = get_string(x, p, "item_code");
        e.item_name = get_string(x, p, "item_name");
        e.department = get_string(x, p, "department");
        e.region = get_string(x, p, "region");
        e.terminal_id = get_string(x, p, "terminal_id");
        e.channel = get_string(x, p, "channel");
        e.level = static_cast<int>(get_int(x, p, "level"));
        if (e.level < 1 || e.level > 5) bad(cat(p, "/level"), "expected 1..5");
        const json& ind = member(x, p, "indicators");
        const std::string ip = cat(p, "/indicators");
        e.indicators = {static_cast<int>(get_int(ind, ip, "overall")), static_cast<int>(get_int(ind, ip, "efficiency")),
                        static_cast<int>(get_int(ind, ip, "service_level")),
                        static_cast<int>(get_int(ind, ip, "attitude"))};
        e.reasons = get_strings(x, p, "reasons");
        e.comment = get_string(x, p, "comment");
        e.rater_masked = get_string(x, p, "rater");
        e.anonymous = get_bool(x, p, "anonymous");
        e.evaluated_at = get_time(x, p, "evaluated_at", cal);
        e.handled_at = get_time(x, p, "handled_at", cal);
        e.content_version = get_string(x, p, "content_version");
        const json& rj = member(x, p, "rectification");
        if (!rj.is_null()) {
            const std::string rp = cat(p, "/rectification");
            Rectification r;
            r.stage = get_enum<Stage>(rj, rp, "stage", &parse_stage);
            r.deadline = get_time(rj, rp, "deadline", cal);
            r.return_visit_required = get_bool(rj, rp, "return_visit_required");
            r.return_visit_at = get_optional_time(rj, rp, "return_visit_at", cal);
            r.return_visit_note = get_string(rj, rp, "return_visit_note");
            const json& steps = get_array(rj, rp, "steps");
            for (std::size_t k = 0; k < steps.size(); ++k) {
                const std::string sp = cat(rp, "/steps/", std::to_string(k));
                r.steps.push_back({get_enum<Stage>(steps[k], sp, "done", &parse_stage),
                                   get_time(steps[k], sp, "at", cal), get_string(steps[k], sp, "note")});
            }
            e.rectification = std::move(r);
        }
        const std::string key = e.id;
        if (!s.m_evals.emplace(key, std::move(e)).second) bad(cat(p, "/eval_id"), "duplicate");
    }
    return s;
}

}  // namespace kiosktwin::services::evaluations
