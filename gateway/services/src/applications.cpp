#include <kiosktwin/services/applications.hpp>

#include "json_read.hpp"
#include "text.hpp"

#include <kiosktwin/api/validate.hpp>
#include <kiosktwin/protocol/base64.hpp>
#include <kiosktwin/protocol/citizen_id.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <stdexcept>

namespace kiosktwin::services::applications {

using api::ErrorCode;
using detail::cat;
using nlohmann::json;

namespace {

struct StateRow {
    State state;
    std::string_view id;
    std::string_view zh;
};
constexpr std::array<StateRow, 9> k_states{{
    {State::draft, "draft", "草稿"},
    {State::submitted, "submitted", "已提交"},
    {State::formal_checked, "formal_checked", "形式审查通过"},
    {State::accepted, "accepted", "已受理"},
    {State::in_review, "in_review", "审查中"},
    {State::approved, "approved", "准予许可"},
    {State::rejected, "rejected", "不予受理/不予许可"},
    {State::certificate_issued, "certificate_issued", "已出证"},
    {State::withdrawn, "withdrawn", "已撤回"},
}};
constexpr std::array<std::string_view, 3> k_actors{"kiosk", "receiving", "handling"};
constexpr std::array<std::string_view, 4> k_transfers{"none", "forwarded", "received", "result_returned"};
constexpr std::array<std::string_view, 2> k_kinds{"upload", "e_licence"};

template <class E, std::size_t N>
std::optional<E> parse_in(const std::array<std::string_view, N>& ids, std::string_view id) noexcept {
    for (std::size_t i = 0; i < N; ++i)
        if (ids[i] == id) return static_cast<E>(i);
    return std::nullopt;
}

Outcome fail(ErrorCode code, std::string reason, std::string path = {}) {
    return Outcome{code, std::move(path), std::move(reason)};
}

Outcome no_case(std::string_view case_no) { return fail(ErrorCode::not_found, cat("no 办件 ", case_no)); }

protocol::CivilDate civil_date(const sim::Calendar& cal, sim::Time t) {
    const auto c = cal.civil(t);
    return protocol::CivilDate{c.year, c.month, c.day};
}

/// The string at a JSON pointer, if there is one.
std::optional<std::string> str_at(const json& body, const char* pointer) {
    const json::json_pointer ptr(pointer);
    if (!body.contains(ptr)) return std::nullopt;
    const json& v = body.at(ptr);
    if (!v.is_string()) return std::nullopt;
    return v.get<std::string>();
}

bool before_decision(State s) noexcept {
    return s == State::draft || s == State::submitted || s == State::formal_checked || s == State::accepted ||
           s == State::in_review;
}

}  // namespace

std::string_view to_string(State s) noexcept { return k_states[static_cast<std::size_t>(s)].id; }
std::string_view zh(State s) noexcept { return k_states[static_cast<std::size_t>(s)].zh; }
std::string_view to_string(Actor a) noexcept { return k_actors[static_cast<std::size_t>(a)]; }
std::string_view to_string(Transfer t) noexcept { return k_transfers[static_cast<std::size_t>(t)]; }
std::string_view to_string(MaterialKind k) noexcept { return k_kinds[static_cast<std::size_t>(k)]; }

std::optional<State> parse_state(std::string_view id) noexcept {
    for (const auto& row : k_states)
        if (row.id == id) return row.state;
    return std::nullopt;
}
std::optional<Actor> parse_actor(std::string_view id) noexcept { return parse_in<Actor>(k_actors, id); }
std::optional<Transfer> parse_transfer(std::string_view id) noexcept { return parse_in<Transfer>(k_transfers, id); }
std::optional<MaterialKind> parse_material_kind(std::string_view id) noexcept {
    return parse_in<MaterialKind>(k_kinds, id);
}

bool is_final(State s) noexcept {
    return s == State::rejected || s == State::certificate_issued || s == State::withdrawn;
}

const Material* Application::material(std::string_view name) const {
    for (const auto& m : materials)
        if (m.name == name) return &m;
    return nullptr;
}

std::vector<std::string> required_materials(const catalogue::Item& item, const std::set<std::string>& yes) {
    std::vector<std::string> out;
    for (const auto* m : catalogue::checklist(item, yes))
        if (m->required) out.push_back(m->name);
    return out;
}

// --- The state machine ------------------------------------------------------------

bool Applications::legal(State from, State to) noexcept {
    if (to == State::withdrawn) return before_decision(from);
    switch (from) {
        case State::draft: return to == State::submitted;
        case State::submitted:
            return to == State::formal_checked || to == State::accepted || to == State::rejected;
        case State::formal_checked: return to == State::accepted || to == State::rejected;
        case State::accepted: return to == State::in_review;
        case State::in_review: return to == State::approved || to == State::rejected;
        case State::approved: return to == State::certificate_issued;
        default: return false;
    }
}

Outcome Applications::check(const Application& a, State to, Actor actor) {
    if (!legal(a.state, to))
        return fail(ErrorCode::conflict_state,
                    cat("办件 ", a.case_no, ": ", to_string(a.state), " → ", to_string(to), " is not a legal step"));
    if (to == State::withdrawn || !a.cross) return {};  // the applicant may withdraw; local: anyone
    const auto refuse = [&](std::string_view rule) {
        return fail(ErrorCode::conflict_state,
                    cat("办件 ", a.case_no, ": ", to_string(actor), " may not ", to_string(a.state), " → ",
                        to_string(to), " (R-7.5-1: ", rule, ")"));
    };
    if (to == State::submitted) return {};
    if (actor == Actor::kiosk) return refuse("the receiving kiosk only submits; the decision is the 属地 department's");
    const bool decision = to == State::approved || to == State::certificate_issued ||
                          (to == State::rejected && a.state == State::in_review);
    if (!a.is_proxy()) {
        if (decision && actor != Actor::handling) return refuse("decisions are the handling department's");
        return {};
    }
    // 异地代收代办: 形式审查 by the receiving site, everything after it at the 属地.
    if (a.state == State::submitted && to == State::accepted)
        return fail(ErrorCode::conflict_state,
                    cat("办件 ", a.case_no, ": 异地代收代办 never skips 形式审查 (R-7.5-1): formal_checked first"));
    if (to == State::formal_checked || (to == State::rejected && a.state != State::in_review)) {
        if (actor != Actor::receiving) return refuse("形式审查 is done at the receiving site");
        return {};
    }
    if (actor != Actor::handling) return refuse("受理、审查、决定 happen at the 属地 department");
    if (to == State::accepted && a.cross->transfer != Transfer::forwarded)
        return fail(ErrorCode::conflict_state,
                    cat("办件 ", a.case_no, ": the materials have not been forwarded to the 属地 yet"));
    return {};
}

// --- The store -----------------------------------------------------------------------

Applications::Applications(Config config) : m_config(std::move(config)) {}

Application* Applications::find_mut(std::string_view case_no) {
    const auto it = m_apps.find(case_no);
    return it == m_apps.end() ? nullptr : &it->second;
}

std::optional<std::string> Applications::replay_of(std::string_view terminal_id,
                                                   std::string_view idempotency_key) const {
    auto it = m_keys.find({std::string(terminal_id), std::string(idempotency_key)});
    if (it == m_keys.end()) return std::nullopt;
    return it->second.case_no;
}

const Application* Applications::find(std::string_view case_no) const {
    const auto it = m_apps.find(case_no);
    return it == m_apps.end() ? nullptr : &it->second;
}

void Applications::move(Application& a, State to, Actor actor, sim::Time now, std::string_view note) {
    a.history.push_back(Event{now, a.state, to, actor, std::string(note)});
    a.state = to;
    a.updated_at = now;
    if (to == State::rejected || to == State::withdrawn) a.reason = std::string(note);
}

Result Applications::create(const json& request, std::string_view idempotency_key, std::string_view terminal_id,
                            sim::Time now) {
    Result r;
    if (terminal_id.empty()) {
        r.outcome = fail(ErrorCode::missing_field, "no terminal id", "/terminal_id");
        return r;
    }
    if (idempotency_key.empty() || idempotency_key.size() > 64) {
        r.outcome = fail(idempotency_key.empty() ? ErrorCode::missing_field : ErrorCode::bad_field,
                         "an idempotency key of 1..64 characters is required", "/idempotency_key");
        return r;
    }
    const std::pair<std::string, std::string> key{std::string(terminal_id), std::string(idempotency_key)};
    if (const auto it = m_keys.find(key); it != m_keys.end()) {
        if (it->second.body != request) {
            r.outcome = fail(ErrorCode::idempotency_mismatch,
                             cat("idempotency key ", idempotency_key, " was used with another body"));
            return r;
        }
        r.case_no = it->second.case_no;
        r.replayed = true;
        return r;
    }

    api::Checker c(request);
    c.today(civil_date(m_config.calendar, now));
    if (!request.is_object()) c.fail(ErrorCode::bad_field, "", "the body must be a JSON object");
    c.required_string("/item_code", 18, 18);
    if (const auto code = str_at(request, "/item_code"); code && code->size() == 18 && !catalogue::is_item_code(*code))
        c.fail(ErrorCode::bad_field, "/item_code", "not an R-6.2-2 item code (RRRRRRTTDD-CC-NNNN)");
    c.optional_string("/item_name", 1, 100);
    c.required_object("/applicant");
    c.required_string("/applicant/name", 1, 50);
    c.id_number("/applicant/id_number");
    c.optional_string("/applicant/phone", 5, 20);
    const bool cross = request.is_object() && request.contains("cross_region") && !request.at("cross_region").is_null();
    if (cross) {
        c.required_object("/cross_region");
        c.required_string("/cross_region/mode", 1, 20);
        if (const auto mode = str_at(request, "/cross_region/mode"); mode && !catalogue::parse_cross_mode(*mode))
            c.fail(ErrorCode::unknown_code, "/cross_region/mode", "expected online, proxy or joint");
        c.region("/cross_region/receiving_region");
        c.region("/cross_region/handling_region");
        const auto from = str_at(request, "/cross_region/receiving_region");
        if (c.ok() && from && from == str_at(request, "/cross_region/handling_region"))
            c.fail(ErrorCode::bad_field, "/cross_region/handling_region",
                   "a cross-region 办件 is handled in another region than it is received");
    }
    if (const auto e = c.first_error()) {
        r.outcome = fail(e->code, e->reason, e->path);
        return r;
    }

    Application a;
    a.terminal_id = std::string(terminal_id);
    a.item_code = request["item_code"].get<std::string>();
    a.item_name = str_at(request, "/item_name").value_or("");
    const json& who = request["applicant"];
    a.applicant_name = who["name"].get<std::string>();
    a.applicant_id = who["id_number"].get<std::string>();
    a.phone = str_at(request, "/applicant/phone").value_or("");
    std::string region = a.item_code.substr(0, 6);
    if (cross) {
        const json& x = request["cross_region"];
        CrossRegion cr;
        cr.mode = *catalogue::parse_cross_mode(x["mode"].get<std::string>());
        cr.receiving_region = x["receiving_region"].get<std::string>();
        cr.handling_region = x["handling_region"].get<std::string>();
        region = cr.receiving_region;
        a.cross = std::move(cr);
    }
    const auto date = civil_date(m_config.calendar, now);
    char serial[24];
    std::snprintf(serial, sizeof serial, "%06llu", static_cast<unsigned long long>(m_next_serial));
    a.case_no = cat(region, "-", date.yyyymmdd(), "-", serial);
    a.created_at = a.updated_at = now;
    a.history.push_back(Event{now, State::draft, State::draft, Actor::kiosk, "created"});
    ++m_next_serial;
    r.case_no = a.case_no;
    m_keys.emplace(key, Key{request, a.case_no});
    std::string case_no = a.case_no;
    m_apps.emplace(std::move(case_no), std::move(a));
    return r;
}

Outcome Applications::upload_material(std::string_view case_no, const json& material, sim::Time now) {
    Application* a = find_mut(case_no);
    if (!a) return no_case(case_no);
    if (a->state != State::draft)
        return fail(ErrorCode::conflict_state, cat("办件 ", case_no, " is ", to_string(a->state), ", not draft"));
    api::Checker c(material);
    if (!material.is_object()) c.fail(ErrorCode::bad_field, "", "the body must be a JSON object");
    c.required_string("/name", 1, 64);
    const bool has_content = material.is_object() && material.contains("content") && !material.at("content").is_null();
    const bool has_ref =
        material.is_object() && material.contains("licence_ref") && !material.at("licence_ref").is_null();
    if (has_content == has_ref)
        c.fail(has_content ? ErrorCode::bad_field : ErrorCode::missing_field, "/content",
               "exactly one of content (Base64) and licence_ref");
    c.optional_string("/licence_ref", 1, 64);
    std::optional<std::size_t> content_bytes;  // decoded size, counted once
    if (has_content && c.ok()) {
        if (!material["content"].is_string()) {
            c.fail(ErrorCode::bad_field, "/content", "expected a Base64 string");
        } else {
            content_bytes = protocol::base64_decoded_size(material["content"].get_ref<const std::string&>());
            if (!content_bytes || *content_bytes == 0)
                c.fail(ErrorCode::bad_field, "/content", "not Base64, or empty");
            else if (*content_bytes > m_config.max_material_bytes)
                c.fail(ErrorCode::too_large, "/content",
                       cat(std::to_string(*content_bytes), " bytes, at most ", std::to_string(m_config.max_material_bytes)));
        }
    }
    if (const auto e = c.first_error()) return fail(e->code, e->reason, e->path);

    Material m;
    m.name = material["name"].get<std::string>();
    m.at = now;
    if (has_content) {
        m.kind = MaterialKind::upload;
        m.content = material["content"].get_ref<const std::string&>();
        m.bytes = *content_bytes;
    } else {
        m.kind = MaterialKind::e_licence;
        m.licence_ref = material["licence_ref"].get<std::string>();
    }
    const auto same = std::find_if(a->materials.begin(), a->materials.end(),
                                   [&](const Material& x) { return x.name == m.name; });
    if (same != a->materials.end()) {
        *same = std::move(m);
    } else {
        if (a->materials.size() >= m_config.max_materials)
            return fail(ErrorCode::too_large, cat("at most ", std::to_string(m_config.max_materials), " materials"));
        a->materials.push_back(std::move(m));
    }
    a->updated_at = now;
    return {};
}

Result Applications::submit(std::string_view case_no, std::string_view idempotency_key, sim::Time now,
                            const std::vector<std::string>& required) {
    Result r;
    Application* a = find_mut(case_no);
    if (!a) {
        r.outcome = no_case(case_no);
        return r;
    }
    if (idempotency_key.empty() || idempotency_key.size() > 64) {
        r.outcome = fail(idempotency_key.empty() ? ErrorCode::missing_field : ErrorCode::bad_field,
                         "an idempotency key of 1..64 characters is required", "/idempotency_key");
        return r;
    }
    r.case_no = a->case_no;
    if (a->state != State::draft) {
        if (a->submit_key == idempotency_key) {
            r.replayed = true;
            return r;
        }
        r.outcome = fail(ErrorCode::conflict_state,
                         cat("办件 ", case_no, " is ", to_string(a->state), ", not draft"));
        return r;
    }
    for (const auto& name : required) {
        if (!a->material(name)) {
            r.outcome = fail(ErrorCode::missing_field, cat("required material missing: ", name),
                             cat("/materials/", name));
            return r;
        }
    }
    a->submit_key = std::string(idempotency_key);
    move(*a, State::submitted, Actor::kiosk, now, "submitted");
    return r;
}

Outcome Applications::advance(std::string_view case_no, State to, Actor actor, sim::Time now, std::string_view note) {
    Application* a = find_mut(case_no);
    if (!a) return no_case(case_no);
    if (to == State::submitted)
        return fail(ErrorCode::conflict_state, "submission goes through submit() (materials, idempotency key)");
    if (auto o = check(*a, to, actor); !o) return o;
    if (a->is_proxy() && to == State::accepted) a->cross->transfer = Transfer::received;
    move(*a, to, actor, now, note);
    return {};
}

Outcome Applications::withdraw(std::string_view case_no, sim::Time now, std::string_view reason) {
    return advance(case_no, State::withdrawn, Actor::kiosk, now, reason);
}

Outcome Applications::forward(std::string_view case_no, std::string_view courier_no, Actor actor, sim::Time now) {
    Application* a = find_mut(case_no);
    if (!a) return no_case(case_no);
    if (!a->cross) return fail(ErrorCode::conflict_state, cat("办件 ", case_no, " is local: nothing to forward"));
    if (a->state != State::formal_checked || a->cross->transfer != Transfer::none)
        return fail(ErrorCode::conflict_state,
                    cat("办件 ", case_no, ": materials are forwarded once, after 形式审查 (state ",
                        to_string(a->state), ", transfer ", to_string(a->cross->transfer), ")"));
    if (actor != Actor::receiving)
        return fail(ErrorCode::conflict_state, "the receiving department forwards the materials (R-7.5-1)");
    if (courier_no.empty() || courier_no.size() > 40)
        return fail(ErrorCode::bad_field, "a courier number of 1..40 characters", "/courier_no");
    a->cross->transfer = Transfer::forwarded;
    a->cross->courier_no = std::string(courier_no);
    a->updated_at = now;
    a->history.push_back(Event{now, a->state, a->state, actor, cat("forwarded ", courier_no)});
    return {};
}

Outcome Applications::return_result(std::string_view case_no, std::string_view courier_no, Actor actor,
                                    sim::Time now) {
    Application* a = find_mut(case_no);
    if (!a) return no_case(case_no);
    if (!a->cross) return fail(ErrorCode::conflict_state, cat("办件 ", case_no, " is local: nothing to return"));
    const bool decided = a->state == State::certificate_issued || a->state == State::rejected;
    if (!decided || a->cross->transfer == Transfer::result_returned)
        return fail(ErrorCode::conflict_state,
                    cat("办件 ", case_no, ": the result is returned once, after the decision"));
    if (actor != Actor::handling)
        return fail(ErrorCode::conflict_state, "the handling department returns the result (R-7.5-1)");
    if (courier_no.empty() || courier_no.size() > 40)
        return fail(ErrorCode::bad_field, "a courier number of 1..40 characters", "/courier_no");
    a->cross->transfer = Transfer::result_returned;
    a->cross->result_courier_no = std::string(courier_no);
    a->updated_at = now;
    a->history.push_back(Event{now, a->state, a->state, actor, cat("result returned ", courier_no)});
    return {};
}

std::size_t Applications::in_flight(std::string_view item_code) const {
    return static_cast<std::size_t>(std::count_if(m_apps.begin(), m_apps.end(), [&](const auto& kv) {
        return !is_final(kv.second.state) && (item_code.empty() || kv.second.item_code == item_code);
    }));
}

// --- Views and documents -----------------------------------------------------------------

namespace {

json cross_json(const CrossRegion& x) {
    return {{"mode", catalogue::to_string(x.mode)},
            {"mode_zh", catalogue::zh(x.mode)},
            {"receiving_region", x.receiving_region},
            {"handling_region", x.handling_region},
            {"transfer", to_string(x.transfer)},
            {"courier_no", x.courier_no},
            {"result_courier_no", x.result_courier_no}};
}

json event_json(const Event& e, const sim::Calendar& cal) {
    return {{"at", cal.iso8601(e.at)},
            {"from", to_string(e.from)},
            {"to", to_string(e.to)},
            {"actor", to_string(e.actor)},
            {"note", e.note}};
}

std::optional<sim::Time> submitted_at(const Application& a) {
    for (const auto& e : a.history)
        if (e.to == State::submitted) return e.at;
    return std::nullopt;
}

}  // namespace

std::optional<json> Applications::status(std::string_view case_no) const {
    const Application* a = find(case_no);
    if (!a) return std::nullopt;
    const auto& cal = m_config.calendar;
    json materials = json::array();
    for (const auto& m : a->materials) materials.push_back(m.name);
    json history = json::array();
    for (const auto& e : a->history) history.push_back(event_json(e, cal));
    json j{{"case_no", a->case_no},
           {"state", to_string(a->state)},
           {"state_zh", zh(a->state)},
           {"item_code", a->item_code},
           {"applicant", {{"name", a->applicant_name}, {"id_number", protocol::mask_id(a->applicant_id)}}},
           {"created_at", cal.iso8601(a->created_at)},
           {"updated_at", cal.iso8601(a->updated_at)},
           {"materials", std::move(materials)},
           {"reason", a->reason},
           {"history", std::move(history)}};
    if (a->cross) j["cross_region"] = cross_json(*a->cross);
    return j;
}

Document Applications::receipt(std::string_view case_no) const {
    Document d;
    const Application* a = find(case_no);
    if (!a) {
        d.outcome = no_case(case_no);
        return d;
    }
    const auto at = submitted_at(*a);
    if (!at || a->state == State::withdrawn) {
        d.outcome = fail(ErrorCode::conflict_state,
                         cat("办件 ", case_no, " is ", to_string(a->state), ": no receipt"));
        return d;
    }
    const auto& cal = m_config.calendar;
    json materials = json::array();
    for (const auto& m : a->materials)
        materials.push_back({{"name", m.name}, {"kind", to_string(m.kind)}});
    std::string notice = "请凭办件编号查询办理进度。";
    if (a->is_proxy())
        notice = cat("本件为异地代收代办：受理地形式审查后材料流转至办理地 ", a->cross->handling_region,
                     "，由属地部门审批，结果寄回。", notice);
    d.body = {{"document", "receipt"},
              {"title", "受理回执"},
              {"case_no", a->case_no},
              {"item_code", a->item_code},
              {"item_name", a->item_name},
              {"applicant", {{"name", a->applicant_name}, {"id_number", protocol::mask_id(a->applicant_id)}}},
              {"terminal_id", a->terminal_id},
              {"submitted_at", cal.iso8601(*at)},
              {"state", to_string(a->state)},
              {"state_zh", zh(a->state)},
              {"materials", std::move(materials)},
              {"notice", notice}};
    if (a->cross) d.body["cross_region"] = cross_json(*a->cross);
    return d;
}

Document Applications::certificate(std::string_view case_no) const {
    Document d;
    const Application* a = find(case_no);
    if (!a) {
        d.outcome = no_case(case_no);
        return d;
    }
    if (a->state != State::certificate_issued) {
        d.outcome = fail(ErrorCode::conflict_state,
                         cat("办件 ", case_no, " is ", to_string(a->state), ": no certificate"));
        return d;
    }
    const auto& cal = m_config.calendar;
    d.body = {{"document", "certificate"},
              {"title", "证照/证明"},
              {"certificate_no", cat("ZM-", a->case_no)},
              {"case_no", a->case_no},
              {"item_code", a->item_code},
              {"item_name", a->item_name},
              {"holder", {{"name", a->applicant_name}, {"id_number", protocol::mask_id(a->applicant_id)}}},
              {"issuing_region", a->cross ? a->cross->handling_region : a->item_code.substr(0, 6)},
              {"issued_at", cal.iso8601(a->updated_at)}};
    return d;
}

// --- Persistence -------------------------------------------------------------------------

namespace {

using namespace detail;

}  // namespace

json Applications::to_json() const {
    const auto& cal = m_config.calendar;
    json apps = json::array();
    for (const auto& [no, a] : m_apps) {
        json materials = json::array();
        for (const auto& m : a.materials)
            materials.push_back({{"name", m.name},
                                 {"kind", to_string(m.kind)},
                                 {"content", m.content},
                                 {"bytes", m.bytes},
                                 {"licence_ref", m.licence_ref},
                                 {"at", cal.iso8601(m.at)}});
        json history = json::array();
        for (const auto& e : a.history) history.push_back(event_json(e, cal));
        apps.push_back({{"case_no", a.case_no},
                        {"terminal_id", a.terminal_id},
                        {"item_code", a.item_code},
                        {"item_name", a.item_name},
                        {"applicant_name", a.applicant_name},
                        {"applicant_id", a.applicant_id},
                        {"phone", a.phone},
                        {"cross_region", a.cross ? cross_json(*a.cross) : json(nullptr)},
                        {"state", to_string(a.state)},
                        {"materials", std::move(materials)},
                        {"submit_key", a.submit_key},
                        {"reason", a.reason},
                        {"history", std::move(history)},
                        {"created_at", cal.iso8601(a.created_at)},
                        {"updated_at", cal.iso8601(a.updated_at)}});
    }
    json keys = json::array();
    for (const auto& [k, v] : m_keys)
        keys.push_back({{"terminal_id", k.first}, {"key", k.second}, {"body", v.body}, {"case_no", v.case_no}});
    return {{"version", 1u}, {"next_serial", m_next_serial}, {"applications", std::move(apps)}, {"idempotency", std::move(keys)}};
}

Applications Applications::from_json(const json& j, Config config) {
    Applications out(std::move(config));
    const auto& cal = out.m_config.calendar;
    if (get_uint(j, "", "version") != 1) bad("/version", "unsupported version");
    out.m_next_serial = get_uint(j, "", "next_serial");
    const json& apps = get_array(j, "", "applications");
    for (std::size_t i = 0; i < apps.size(); ++i) {
        const std::string p = cat("/applications/", std::to_string(i));
        const json& x = apps[i];
        Application a;
        a.case_no = get_string(x, p, "case_no");
        a.terminal_id = get_string(x, p, "terminal_id");
        a.item_code = get_string(x, p, "item_code");
        a.item_name = get_string(x, p, "item_name");
        a.applicant_name = get_string(x, p, "applicant_name");
        a.applicant_id = get_string(x, p, "applicant_id");
        a.phone = get_string(x, p, "phone");
        const json& cr = member(x, p, "cross_region");
        if (!cr.is_null()) {
            const std::string cp = cat(p, "/cross_region");
            CrossRegion c;
            c.mode = get_enum(cr, cp, "mode", &catalogue::parse_cross_mode);
            c.receiving_region = get_string(cr, cp, "receiving_region");
            c.handling_region = get_string(cr, cp, "handling_region");
            c.transfer = get_enum(cr, cp, "transfer", &parse_transfer);
            c.courier_no = get_string(cr, cp, "courier_no");
            c.result_courier_no = get_string(cr, cp, "result_courier_no");
            a.cross = std::move(c);
        }
        a.state = get_enum(x, p, "state", &parse_state);
        const json& ms = get_array(x, p, "materials");
        for (std::size_t k = 0; k < ms.size(); ++k) {
            const std::string mp = cat(p, "/materials/", std::to_string(k));
            Material m;
            m.name = get_string(ms[k], mp, "name");
            m.kind = get_enum(ms[k], mp, "kind", &parse_material_kind);
            m.content = get_string(ms[k], mp, "content");
            m.bytes = static_cast<std::size_t>(get_uint(ms[k], mp, "bytes"));
            m.licence_ref = get_string(ms[k], mp, "licence_ref");
            m.at = get_time(ms[k], mp, "at", cal);
            a.materials.push_back(std::move(m));
        }
        a.submit_key = get_string(x, p, "submit_key");
        a.reason = get_string(x, p, "reason");
        const json& hs = get_array(x, p, "history");
        for (std::size_t k = 0; k < hs.size(); ++k) {
            const std::string hp = cat(p, "/history/", std::to_string(k));
            Event e;
            e.at = get_time(hs[k], hp, "at", cal);
            e.from = get_enum(hs[k], hp, "from", &parse_state);
            e.to = get_enum(hs[k], hp, "to", &parse_state);
            e.actor = get_enum(hs[k], hp, "actor", &parse_actor);
            e.note = get_string(hs[k], hp, "note");
            a.history.push_back(std::move(e));
        }
        a.created_at = get_time(x, p, "created_at", cal);
        a.updated_at = get_time(x, p, "updated_at", cal);
        std::string no = a.case_no;
        if (!out.m_apps.emplace(std::move(no), std::move(a)).second) bad(cat(p, "/case_no"), "duplicate case number");
    }
    const json& keys = get_array(j, "", "idempotency");
    for (std::size_t i = 0; i < keys.size(); ++i) {
        const std::string p = cat("/idempotency/", std::to_string(i));
        std::pair<std::string, std::string> k{get_string(keys[i], p, "terminal_id"), get_string(keys[i], p, "key")};
        Key v{member(keys[i], p, "body"), get_string(keys[i], p, "case_no")};
        if (!out.m_apps.count(v.case_no)) bad(cat(p, "/case_no"), "no such 办件");
        out.m_keys.emplace(std::move(k), std::move(v));
    }
    return out;
}

}  // namespace kiosktwin::services::applications
