// The item catalogue back-end: see catalogue.hpp.

#include "json_read.hpp"
#include "text.hpp"
#include <kiosktwin/services/catalogue.hpp>

#include <kiosktwin/api/codes.hpp>
#include <kiosktwin/sim/random.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace kiosktwin::services::catalogue {

namespace {

using nlohmann::json;

template <class E>
struct Name {
    E value;
    std::string_view id;
    std::string_view zh;
};

constexpr Name<Zone> k_zones[] = {
    {Zone::police, "police", "公安"},           {Zone::tax, "tax", "税务"},
    {Zone::hrss, "hrss", "人社"},               {Zone::medical, "medical", "医保"},
    {Zone::housing_fund, "housing_fund", "公积金"}, {Zone::real_estate, "real_estate", "不动产"},
    {Zone::cross_region, "cross_region", "跨域通办"}, {Zone::elderly, "elderly", "长者"},
    {Zone::enterprise, "enterprise", "企业"},
};
constexpr Name<Stage> k_stages[] = {
    {Stage::applied, "applied", "申请"},
    {Stage::integration, "integration", "联调"},
    {Stage::security_review, "security_review", "安全评估"},
    {Stage::trial, "trial", "试运行"},
    {Stage::online, "online", "上线"},
};
constexpr Name<Status> k_statuses[] = {
    {Status::normal, "normal", "正常"},
    {Status::suspended, "suspended", "暂停"},
    {Status::withdrawn, "withdrawn", "下线"},
};
constexpr Name<Depth> k_depths[] = {
    {Depth::query, "query", "查询"},       {Depth::booking, "booking", "预约"},
    {Depth::application, "application", "申报"}, {Depth::full, "full", "全程自助"},
    {Depth::print, "print", "打印出证"},
};
constexpr Name<Auth> k_auths[] = {
    {Auth::anonymous, "anonymous", "无需登录"},
    {Auth::real_name, "real_name", "实名认证"},
    {Auth::in_person, "in_person", "人证核验"},
};
constexpr Name<CrossScope> k_scopes[] = {
    {CrossScope::none, "none", "本地"},
    {CrossScope::province, "province", "省内通办"},
    {CrossScope::multi_province, "multi_province", "区域通办"},
    {CrossScope::national, "national", "跨省通办"},
};
constexpr Name<CrossMode> k_modes[] = {
    {CrossMode::online, "online", "全程网办"},
    {CrossMode::proxy, "proxy", "异地代收代办"},
    {CrossMode::joint, "joint", "多地联办"},
};
constexpr Name<Trigger> k_triggers[] = {
    {Trigger::legal_basis_changed, "legal_basis_changed", "设定依据变化"},
    {Trigger::backend_retired, "backend_retired", "业务系统停用"},
    {Trigger::low_volume, "low_volume", "办件量长期偏低"},
    {Trigger::poor_rating, "poor_rating", "评价持续较差"},
    {Trigger::security_incident, "security_incident", "安全事件"},
    {Trigger::department_request, "department_request", "部门申请"},
};
constexpr Name<Form> k_forms[] = {
    {Form::original, "original", "原件"},
    {Form::copy, "copy", "复印件"},
    {Form::electronic, "electronic", "电子证照"},
};
constexpr Name<ChangeKind> k_kinds[] = {
    {ChangeKind::added, "added", "新增"},
    {ChangeKind::modified, "modified", "调整"},
    {ChangeKind::stage, "stage", "入驻环节"},
    {ChangeKind::suspended, "suspended", "暂停"},
    {ChangeKind::resumed, "resumed", "恢复"},
    {ChangeKind::withdrawal_announced, "withdrawal_announced", "拟下线公告"},
    {ChangeKind::withdrawal_cancelled, "withdrawal_cancelled", "撤销下线公告"},
    {ChangeKind::withdrawn, "withdrawn", "下线"},
};

template <class E, std::size_t N>
const Name<E>& row(const Name<E> (&table)[N], E value) noexcept {
    for (const auto& r : table)
        if (r.value == value) return r;
    return table[0];
}
template <class E, std::size_t N>
std::optional<E> parse(const Name<E> (&table)[N], std::string_view id) noexcept {
    for (const auto& r : table)
        if (r.id == id) return r.value;
    return std::nullopt;
}

bool upper(char c) noexcept { return c >= 'A' && c <= 'Z'; }
bool digit(char c) noexcept { return c >= '0' && c <= '9'; }

Outcome fail(api::ErrorCode code, std::string reason) { return Outcome{code, {}, std::move(reason)}; }

std::string str(std::string_view s) { return std::string(s); }

using detail::cat;

}  // namespace

std::string_view to_string(Zone z) noexcept { return row(k_zones, z).id; }
std::string_view to_string(Stage s) noexcept { return row(k_stages, s).id; }
std::string_view to_string(Status s) noexcept { return row(k_statuses, s).id; }
std::string_view to_string(Depth d) noexcept { return row(k_depths, d).id; }
std::string_view to_string(Auth a) noexcept { return row(k_auths, a).id; }
std::string_view to_string(CrossScope s) noexcept { return row(k_scopes, s).id; }
std::string_view to_string(CrossMode m) noexcept { return row(k_modes, m).id; }
std::string_view to_string(Trigger t) noexcept { return row(k_triggers, t).id; }
std::string_view to_string(Form f) noexcept { return row(k_forms, f).id; }
std::string_view to_string(ChangeKind k) noexcept { return row(k_kinds, k).id; }
std::string_view zh(Zone z) noexcept { return row(k_zones, z).zh; }
std::string_view zh(Stage s) noexcept { return row(k_stages, s).zh; }
std::string_view zh(Status s) noexcept { return row(k_statuses, s).zh; }
std::string_view zh(Depth d) noexcept { return row(k_depths, d).zh; }
std::string_view zh(CrossMode m) noexcept { return row(k_modes, m).zh; }
std::string_view zh(Trigger t) noexcept { return row(k_triggers, t).zh; }

std::optional<Zone> parse_zone(std::string_view id) noexcept { return parse(k_zones, id); }
std::optional<Stage> parse_stage(std::string_view id) noexcept { return parse(k_stages, id); }
std::optional<Status> parse_status(std::string_view id) noexcept { return parse(k_statuses, id); }
std::optional<Depth> parse_depth(std::string_view id) noexcept { return parse(k_depths, id); }
std::optional<Auth> parse_auth(std::string_view id) noexcept { return parse(k_auths, id); }
std::optional<CrossScope> parse_cross_scope(std::string_view id) noexcept { return parse(k_scopes, id); }
std::optional<CrossMode> parse_cross_mode(std::string_view id) noexcept { return parse(k_modes, id); }
std::optional<Trigger> parse_trigger(std::string_view id) noexcept { return parse(k_triggers, id); }
std::optional<Form> parse_form(std::string_view id) noexcept { return parse(k_forms, id); }

const std::vector<Zone>& all_zones() {
    static const std::vector<Zone> zones = [] {
        std::vector<Zone> out;
        for (const auto& r : k_zones) out.push_back(r.value);
        return out;
    }();
    return zones;
}

// --- Validation ------------------------------------------------------------------

bool is_item_code(std::string_view code) noexcept {
    if (code.size() != 18) return false;
    for (std::size_t i = 0; i < 8; ++i)
        if (!digit(code[i])) return false;
    if (!api::codes::is_region_code(code.substr(0, 6))) return false;
    if (!upper(code[8]) || !upper(code[9]) || code[10] != '-' || code[13] != '-') return false;
    if (!api::codes::item_type().accepts(code.substr(11, 2))) return false;
    for (std::size_t i = 14; i < 18; ++i)
        if (!digit(code[i])) return false;
    return true;
}

std::vector<api::Problem> validate(const Item& item) {
    using api::ErrorCode;
    std::vector<api::Problem> out;
    auto add = [&](ErrorCode code, std::string path, std::string reason) {
        out.push_back(api::Problem{code, std::move(path), std::move(reason)});
    };
    auto need = [&](const std::string& value, const char* path, const char* what) {
        if (value.empty()) add(ErrorCode::missing_field, path, std::string(what).append(" is empty"));
    };
    // The six basic elements.
    need(item.name, "/name", "事项名称");
    need(item.code, "/code", "事项编码");
    need(item.category, "/category", "事项类型");
    need(item.competent_department, "/competent_department", "主管部门");
    need(item.implementing_body, "/implementing_body", "实施机关");
    if (item.legal_basis.empty()) add(ErrorCode::missing_field, "/legal_basis", "设定和实施依据 is empty");
    for (std::size_t i = 0; i < item.legal_basis.size(); ++i)
        if (item.legal_basis[i].empty())
            add(ErrorCode::missing_field, cat("/legal_basis/", std::to_string(i)), "empty legal basis");
    if (!item.category.empty() && !api::codes::item_type().accepts(std::string_view(item.category)))
        add(ErrorCode::unknown_code, "/category", cat("not an item_type code: ", item.category));
    if (!item.code.empty()) {
        if (!is_item_code(item.code))
            add(ErrorCode::bad_field, "/code", cat("not RRRRRRTTDD-CC-NNNN: ", item.code));
        else if (item.code.substr(11, 2) != item.category)
            add(ErrorCode::bad_field, "/code", cat("type part ", item.code.substr(11, 2), " is not the category"));
        else if (item.department != item.code.substr(8, 2))
            add(ErrorCode::bad_field, "/kiosk/department", "department is not the code's department part");
    }
    // Guide fields.
    need(item.consultation, "/guide/consultation", "咨询方式");
    need(item.complaint, "/guide/complaint", "监督投诉方式");
    if (item.process.empty()) add(ErrorCode::missing_field, "/guide/process", "办理流程 is empty");
    std::set<std::string> situations;
    for (std::size_t i = 0; i < item.situations.size(); ++i) {
        const auto& s = item.situations[i];
        const std::string path = cat("/guide/situations/", std::to_string(i));
        if (s.id.empty() || s.question.empty()) add(ErrorCode::missing_field, path, "situation without id or question");
        if (!situations.insert(s.id).second) add(ErrorCode::bad_field, path + "/id", cat("duplicate situation id ", s.id));
    }
    std::set<std::string> materials;
    for (std::size_t i = 0; i < item.materials.size(); ++i) {
        const auto& m = item.materials[i];
        const std::string path = cat("/guide/materials/", std::to_string(i));
        if (m.id.empty() || m.name.empty()) add(ErrorCode::missing_field, path, "material without id or name");
        if (!materials.insert(m.id).second) add(ErrorCode::bad_field, path + "/id", cat("duplicate material id ", m.id));
        if (m.copies < 1) add(ErrorCode::bad_field, path + "/copies", "copies must be >= 1");
        if (!m.when.empty() && !situations.count(m.when))
            add(ErrorCode::bad_field, path + "/when", cat("no situation ", m.when));
    }
    if (item.statutory_days < 0) add(ErrorCode::bad_field, "/guide/statutory_days", "negative");
    if (item.promised_days < 0) add(ErrorCode::bad_field, "/guide/promised_days", "negative");
    if (item.promised_days > item.statutory_days)
        add(ErrorCode::bad_field, "/guide/promised_days", "承诺时限 exceeds 法定时限");
    if (item.visits < 0) add(ErrorCode::bad_field, "/guide/visits", "negative");
    if (item.fee.amount_fen < 0) add(ErrorCode::bad_field, "/guide/fee/amount_fen", "negative");
    if (item.fee.amount_fen > 0 && item.fee.basis.empty())
        add(ErrorCode::missing_field, "/guide/fee/basis", "a charged item needs its 收费依据");
    // Kiosk fields.
    std::set<std::string> seen;
    for (std::size_t i = 0; i < item.peripherals.size(); ++i) {
        const std::string path = cat("/kiosk/peripherals/", std::to_string(i));
        if (!api::codes::peripheral_type().accepts(std::string_view(item.peripherals[i])))
            add(ErrorCode::unknown_code, path, cat("not a peripheral_type: ", item.peripherals[i]));
        if (!seen.insert(item.peripherals[i]).second) add(ErrorCode::bad_field, path, "duplicate peripheral");
    }
    if ((item.cross_scope == CrossScope::none) != item.cross_modes.empty())
        add(ErrorCode::bad_field, "/kiosk/cross_region", "modes must be given exactly when the scope is not none");
    for (std::size_t i = 0; i < item.cross_modes.size(); ++i)
        for (std::size_t k = 0; k < i; ++k)
            if (item.cross_modes[i] == item.cross_modes[k])
                add(ErrorCode::bad_field, cat("/kiosk/cross_region/modes/", std::to_string(i)), "duplicate mode");
    return out;
}

std::vector<const Material*> checklist(const Item& item, const std::set<std::string>& yes) {
    std::vector<const Material*> out;
    for (const auto& m : item.materials)
        if (m.when.empty() || yes.count(m.when)) out.push_back(&m);
    return out;
}

// --- Deltas ---------------------------------------------------------------------

Snapshot apply(const Snapshot& base, const Delta& delta) {
    if (delta.full) return Snapshot{delta.version, delta.items};
    std::map<std::string, Item> by_code;
    for (const auto& it : base.items) by_code[it.code] = it;
    for (const auto& it : delta.items) by_code[it.code] = it;
    for (const auto& code : delta.withdrawn) by_code.erase(code);
    Snapshot out{delta.version, {}};
    out.items.reserve(by_code.size());
    for (auto& [code, it] : by_code) out.items.push_back(std::move(it));
    return out;
}

// --- The catalogue ----------------------------------------------------------------

bool Catalogue::legal(Stage from, Stage to) noexcept {
    const int f = static_cast<int>(from);
    const int t = static_cast<int>(to);
    if (from != Stage::online && t == f + 1) return true;  // one step forward
    // Rework: a failed security review or trial goes back to integration.
    return to == Stage::integration && (from == Stage::security_review || from == Stage::trial);
}

const Item* Catalogue::find(std::string_view code) const {
    const auto it = m_items.find(code);
    return it == m_items.end() ? nullptr : &it->second;
}

Item* Catalogue::find_mut(std::string_view code) {
    const auto it = m_items.find(code);
    return it == m_items.end() ? nullptr : &it->second;
}

std::vector<const Item*> Catalogue::items() const {
    std::vector<const Item*> out;
    out.reserve(m_items.size());
    for (const auto& [code, it] : m_items) out.push_back(&it);
    return out;
}

std::vector<const Item*> Catalogue::offered(std::optional<Zone> zone) const {
    std::vector<const Item*> out;
    for (const auto& [code, it] : m_items)
        if (it.offered() && (!zone || it.zone == *zone)) out.push_back(&it);
    return out;
}

bool Catalogue::is_offered(std::string_view code) const {
    const Item* it = find(code);
    return it != nullptr && it->offered();
}

Snapshot Catalogue::snapshot() const {
    Snapshot out{m_version, {}};
    for (const auto& [code, it] : m_items)
        if (it.status != Status::withdrawn) out.items.push_back(it);
    return out;
}

Delta Catalogue::delta(std::uint64_t since) const {
    Delta out;
    out.since = since;
    out.version = m_version;
    if (since < m_floor || since > m_version) {
        out.full = true;
        out.items = snapshot().items;
        return out;
    }
    std::set<std::string> codes;
    for (auto it = m_log.rbegin(); it != m_log.rend() && it->version > since; ++it)
        if (!it->code.empty()) codes.insert(it->code);
    for (const auto& code : codes) {
        const Item* item = find(code);
        if (item == nullptr) continue;
        if (item->status == Status::withdrawn)
            out.withdrawn.push_back(code);
        else
            out.items.push_back(*item);
    }
    return out;
}

std::vector<Change> Catalogue::changes(std::uint64_t since) const {
    std::vector<Change> out;
    for (const auto& c : m_log)
        if (c.version > since) out.push_back(c);
    return out;
}

Page Catalogue::page(std::size_t offset, std::size_t limit, const Filter& filter) const {
    Page out;
    out.version = m_version;
    out.offset = offset;
    out.limit = std::clamp<std::size_t>(limit, 1, max_page_limit);
    for (const auto& [code, it] : m_items) {
        if (it.status == Status::withdrawn) continue;
        if (filter.offered_only && !it.offered()) continue;
        if (filter.zone && it.zone != *filter.zone) continue;
        if (filter.category && it.category != *filter.category) continue;
        if (out.total >= offset && out.items.size() < out.limit) out.items.push_back(it);
        ++out.total;
    }
    return out;
}

void Catalogue::record(std::string code, ChangeKind kind, std::string detail, sim::Time now) {
    ++m_version;
    m_log.push_back(Change{m_version, now, std::move(code), kind, std::move(detail)});
    if (m_log.size() > m_history_limit) {
        const auto drop = static_cast<std::ptrdiff_t>(m_log.size() - m_history_limit);
        m_log.erase(m_log.begin(), m_log.begin() + drop);
        m_floor = std::max(m_floor, m_log.front().version - 1);
    }
}

void Catalogue::set_history_limit(std::size_t limit) {
    m_history_limit = std::max<std::size_t>(limit, 1);
    if (m_log.size() > m_history_limit) {
        const auto drop = static_cast<std::ptrdiff_t>(m_log.size() - m_history_limit);
        m_log.erase(m_log.begin(), m_log.begin() + drop);
        m_floor = std::max(m_floor, m_log.front().version - 1);
    }
}

namespace {
Outcome first_problem(const std::vector<api::Problem>& problems) {
    const auto& p = problems.front();
    std::string reason = p.path;
    reason.append(": ").append(p.reason);
    return Outcome{p.code, p.path, std::move(reason)};
}
}  // namespace

Outcome Catalogue::add(Item item, sim::Time now) {
    if (const auto problems = validate(item); !problems.empty()) return first_problem(problems);
    if (m_items.count(item.code))
        return fail(api::ErrorCode::conflict_state, cat("code already in the master list: ", item.code));
    if (item.stage != Stage::applied || item.status != Status::normal || item.announcement)
        return fail(api::ErrorCode::conflict_state, "a new item starts at 申请 with status 正常");
    std::string code = item.code;
    m_items.emplace(code, std::move(item));
    record(code, ChangeKind::added, "申请", now);
    return {};
}

Outcome Catalogue::modify(Item revised, sim::Time now, std::string_view reason) {
    Item* cur = find_mut(revised.code);
    if (cur == nullptr) return fail(api::ErrorCode::not_found, cat("no item ", revised.code));
    if (cur->status == Status::withdrawn) return fail(api::ErrorCode::conflict_state, "item is withdrawn (下线)");
    if (revised.category != cur->category)
        return fail(api::ErrorCode::bad_field, "/category: a new category is a new item (new code)");
    if (revised.stage != cur->stage || revised.status != cur->status || revised.note != cur->note ||
        revised.announcement != cur->announcement || revised.online_at != cur->online_at ||
        revised.offline_at != cur->offline_at)
        return fail(api::ErrorCode::conflict_state, "lifecycle fields change only through their operations");
    if (const auto problems = validate(revised); !problems.empty()) return first_problem(problems);
    if (revised == *cur) return {};  // nothing changed: not a change
    *cur = std::move(revised);
    record(cur->code, ChangeKind::modified, std::string(reason), now);
    return {};
}

Outcome Catalogue::transition(std::string_view code, Stage to, sim::Time now) {
    Item* it = find_mut(code);
    if (it == nullptr) return fail(api::ErrorCode::not_found, cat("no item ", code));
    if (it->status != Status::normal)
        return fail(api::ErrorCode::conflict_state, cat("item is ", to_string(it->status)));
    if (!legal(it->stage, to)) {
        std::string reason = "not an on-boarding step: ";
        reason.append(zh(it->stage)).append("→").append(zh(to));
        return fail(api::ErrorCode::conflict_state, std::move(reason));
    }
    std::string detail = str(to_string(it->stage));
    detail.append("→").append(to_string(to));
    it->stage = to;
    if (to == Stage::online) it->online_at = now;
    record(it->code, ChangeKind::stage, std::move(detail), now);
    return {};
}

Outcome Catalogue::suspend(std::string_view code, Trigger trigger, std::string_view reason, sim::Time now) {
    Item* it = find_mut(code);
    if (it == nullptr) return fail(api::ErrorCode::not_found, cat("no item ", code));
    if (it->stage != Stage::online || it->status != Status::normal)
        return fail(api::ErrorCode::conflict_state, "only an online item in status 正常 can be suspended");
    it->status = Status::suspended;
    it->note = StatusNote{trigger, str(reason), now};
    std::string detail = str(to_string(trigger));
    detail.append(": ").append(reason);
    record(it->code, ChangeKind::suspended, std::move(detail), now);
    return {};
}

Outcome Catalogue::resume(std::string_view code, sim::Time now) {
    Item* it = find_mut(code);
    if (it == nullptr) return fail(api::ErrorCode::not_found, cat("no item ", code));
    if (it->status != Status::suspended) return fail(api::ErrorCode::conflict_state, "item is not suspended");
    it->status = Status::normal;
    it->note = StatusNote{std::nullopt, "resumed", now};
    record(it->code, ChangeKind::resumed, {}, now);
    return {};
}

Outcome Catalogue::announce_withdrawal(std::string_view code, Trigger trigger, std::string_view reason,
                                       sim::Time effective, sim::Time now) {
    Item* it = find_mut(code);
    if (it == nullptr) return fail(api::ErrorCode::not_found, cat("no item ", code));
    if (it->stage != Stage::online || it->status == Status::withdrawn)
        return fail(api::ErrorCode::conflict_state, "only an online item is withdrawn by announcement");
    if (it->announcement) return fail(api::ErrorCode::conflict_state, "a withdrawal is already announced");
    if (reason.empty()) return fail(api::ErrorCode::missing_field, "/reason: a withdrawal needs a reason");
    if (effective < now + m_notice)
        return fail(api::ErrorCode::bad_field, "/effective: less than the notice period ahead");
    it->announcement = Announcement{trigger, str(reason), now, effective};
    it->offline_at = effective;
    std::string detail = str(to_string(trigger));
    detail.append(": ").append(reason);
    record(it->code, ChangeKind::withdrawal_announced, std::move(detail), now);
    return {};
}

Outcome Catalogue::cancel_withdrawal(std::string_view code, sim::Time now, std::string_view reason) {
    Item* it = find_mut(code);
    if (it == nullptr) return fail(api::ErrorCode::not_found, cat("no item ", code));
    if (it->status == Status::withdrawn || !it->announcement)
        return fail(api::ErrorCode::conflict_state, "no pending withdrawal");
    it->announcement.reset();
    it->offline_at.reset();
    record(it->code, ChangeKind::withdrawal_cancelled, str(reason), now);
    return {};
}

Outcome Catalogue::withdraw(std::string_view code, sim::Time now, std::size_t in_flight, Trigger trigger,
                            std::string_view reason) {
    Item* it = find_mut(code);
    if (it == nullptr) return fail(api::ErrorCode::not_found, cat("no item ", code));
    if (it->status == Status::withdrawn) return fail(api::ErrorCode::conflict_state, "already withdrawn");
    if (it->stage == Stage::online) {
        if (!it->announcement)
            return fail(api::ErrorCode::conflict_state, "withdrawal of an online item must be announced first");
        if (now < it->announcement->effective)
            return fail(api::ErrorCode::conflict_state, "before the announced withdrawal date");
        if (in_flight > 0)
            return fail(api::ErrorCode::conflict_state,
                        cat(std::to_string(in_flight), " 办件 in flight: finish or migrate them first"));
        trigger = it->announcement->trigger;
        if (reason.empty()) reason = it->announcement->reason;
    } else if (in_flight > 0) {
        return fail(api::ErrorCode::conflict_state, "办件 in flight on an item not online");
    }
    it->status = Status::withdrawn;
    it->note = StatusNote{trigger, str(reason), now};
    it->offline_at = now;
    std::string detail = str(to_string(trigger));
    detail.append(": ").append(reason);
    record(it->code, ChangeKind::withdrawn, std::move(detail), now);
    return {};
}

// --- The synthetic generator ------------------------------------------------------

namespace {

/// A department: its 2-letter code (the routing key), the local body's name
/// pattern ("{}" = the region's name) and the 主管部门.
struct Dept {
    std::string_view code;
    std::string_view local;
    std::string_view competent;
};

constexpr Dept k_depts[] = {
    {"GA", "{}公安局", "公安部"},
    {"SW", "国家税务总局{}税务局", "国家税务总局"},
    {"RS", "{}人力资源和社会保障局", "人力资源和社会保障部"},
    {"YB", "{}医疗保障局", "国家医疗保障局"},
    {"GJ", "{}住房公积金管理中心", "住房和城乡建设部"},
    {"ZR", "{}规划和自然资源局", "自然资源部"},
    {"SJ", "{}市场监督管理局", "国家市场监督管理总局"},
    {"SF", "{}司法局", "司法部"},
    {"HB", "{}生态环境局", "生态环境部"},
    {"MZ", "{}民政局", "民政部"},
    {"WJ", "{}卫生健康委员会", "国家卫生健康委员会"},
    {"SH", "{}商务局", "商务部"},
    {"JY", "{}教育局", "教育部"},
    {"KJ", "{}科技创新局", "科学技术部"},
    {"CZ", "{}财政局", "财政部"},
};

const Dept& dept(std::string_view code) {
    for (const auto& d : k_depts)
        if (d.code == code) return d;
    throw std::logic_error("catalogue: unknown department in the tables");
}

/// An action (the <动作> of "<业务>+<动作>"), keyed by one character.
struct Act {
    char key;
    std::string_view suffix;
    std::string_view category;  ///< item_type code
    Depth depth;
    Auth auth;
    int statutory_days;
    bool fee;  ///< charges the business's fee, if it has one
    bool pay;  ///< collects a payment (taxes, fines, premiums) at the kiosk
};

constexpr Act k_acts[] = {
    {'A', "信息查询", "GG", Depth::query, Auth::real_name, 0, false, false},
    {'B', "证明打印", "GG", Depth::print, Auth::real_name, 0, false, false},
    {'C', "预约", "GG", Depth::booking, Auth::real_name, 0, false, false},
    {'D', "缴纳", "GG", Depth::full, Auth::real_name, 0, false, true},
    {'E', "申领", "XK", Depth::application, Auth::in_person, 20, true, false},
    {'F', "换领", "XK", Depth::application, Auth::in_person, 20, true, false},
    {'G', "补领", "XK", Depth::application, Auth::in_person, 20, true, false},
    {'H', "签注", "GG", Depth::full, Auth::in_person, 0, true, false},
    {'I', "登记", "QR", Depth::application, Auth::real_name, 15, false, false},
    {'J', "变更登记", "XK", Depth::application, Auth::real_name, 15, false, false},
    {'K', "认定", "QR", Depth::application, Auth::real_name, 60, false, false},
    {'L', "备案", "BA", Depth::full, Auth::real_name, 5, false, false},
    {'M', "提取", "JF", Depth::full, Auth::real_name, 3, false, false},
    {'N', "待遇申领", "JF", Depth::application, Auth::real_name, 20, false, false},
    {'O', "补贴申领", "JF", Depth::application, Auth::real_name, 30, false, false},
    {'P', "奖励", "JL", Depth::application, Auth::real_name, 30, false, false},
    {'Q', "争议裁决", "CJ", Depth::booking, Auth::real_name, 60, false, false},
    {'R', "核准", "QT", Depth::application, Auth::real_name, 20, false, false},
    {'S', "处理", "QT", Depth::full, Auth::real_name, 0, false, true},
    {'T', "许可", "XK", Depth::application, Auth::real_name, 20, false, false},
    {'U', "核发", "XK", Depth::application, Auth::real_name, 20, true, false},
    {'V', "注销登记", "QR", Depth::application, Auth::real_name, 10, false, false},
    {'W', "公证", "GG", Depth::application, Auth::real_name, 15, true, false},
    {'X', "开具", "GG", Depth::print, Auth::real_name, 0, false, false},
    {'Y', "关系转移", "GG", Depth::application, Auth::real_name, 15, false, false},
    {'Z', "挂失", "GG", Depth::full, Auth::real_name, 0, false, false},
    {'a', "资格认证", "QR", Depth::full, Auth::in_person, 0, false, false},
    {'b', "办理进度查询", "GG", Depth::query, Auth::anonymous, 0, false, false},
    {'c', "激活", "GG", Depth::full, Auth::real_name, 0, false, false},
    {'d', "领用", "QT", Depth::full, Auth::real_name, 0, false, false},
    {'e', "代开", "GG", Depth::full, Auth::real_name, 0, false, true},
    {'f', "复评", "QT", Depth::application, Auth::real_name, 15, false, false},
    {'g', "公示", "GG", Depth::full, Auth::real_name, 0, false, false},
    {'h', "申请", "QT", Depth::application, Auth::real_name, 20, false, false},
    {'i', "查询", "GG", Depth::query, Auth::anonymous, 0, false, false},
    {'j', "申领", "JF", Depth::application, Auth::real_name, 20, false, false},
    {'k', "手工报销", "JF", Depth::application, Auth::real_name, 30, false, false},
    {'l', "缴费", "GG", Depth::full, Auth::real_name, 0, false, true},
    {'m', "设立", "GG", Depth::full, Auth::real_name, 3, false, false},
    {'p', "办理", "GG", Depth::full, Auth::real_name, 5, false, false},
    {'q', "打印", "GG", Depth::print, Auth::real_name, 0, false, false},
    {'r', "自主申报", "QT", Depth::full, Auth::real_name, 1, false, false},
    {'s', "裁决", "CJ", Depth::booking, Auth::real_name, 60, false, false},
    {'t', "投诉处理", "QT", Depth::application, Auth::real_name, 30, false, false},
    {'u', "申请", "QT", Depth::booking, Auth::real_name, 30, false, false},
};

const Act& act(char key) {
    for (const auto& a : k_acts)
        if (a.key == key) return a;
    throw std::logic_error("catalogue: unknown action key in the tables");
}

/// Cross-region support of a business: 0 none, 1 跨省 全程网办, 2 跨省 网办 +
/// 代收代办, 3 跨省 all three modes, 4 省内 全程网办, 5 区域 网办 + 代收代办.
struct Biz {
    Zone zone;
    std::string_view dept;
    std::string_view object;  ///< the <业务>
    std::string_view basis;   ///< 设定依据, ';'-separated
    std::string_view acts;    ///< action keys
    int cross;
    std::string_view extra;      ///< extra peripheral ids, ';'-separated
    std::int64_t fee_fen;        ///< fee of the fee-charging actions
    std::string_view materials;  ///< "name/form" ';'-separated, form o|c|e
};

// clang-format off
const std::vector<Biz>& businesses() {
    static const std::vector<Biz> rows = {
        // 公安专区
        {Zone::police, "GA", "居住证", "《居住证暂行条例》", "EHAb", 0, "", 0, "居住证明（租赁合同或房产证明）/c;近期免冠照片/e"},
        {Zone::police, "GA", "居民身份证", "《中华人民共和国居民身份证法》", "FGbC", 2, "", 2000, "近期免冠照片/e"},
        {Zone::police, "GA", "临时居民身份证", "《中华人民共和国居民身份证法》", "E", 0, "", 1000, "近期免冠照片/e"},
        {Zone::police, "GA", "户籍", "《中华人民共和国户口登记条例》", "AB", 0, "", 0, ""},
        {Zone::police, "GA", "户口迁入", "《中华人民共和国户口登记条例》", "I", 0, "", 0, "户口簿/o;迁入地住所证明/c"},
        {Zone::police, "GA", "出生", "《中华人民共和国户口登记条例》", "I", 0, "", 0, "出生医学证明/o;父母户口簿/o"},
        {Zone::police, "GA", "港澳通行证", "《中华人民共和国出境入境管理法》;《中国公民因私事往来香港地区或者澳门地区的暂行管理办法》", "HEFbC", 0, "fingerprint_sensor", 1500, "近期免冠照片/e"},
        {Zone::police, "GA", "往来台湾通行证", "《中华人民共和国出境入境管理法》;《中国公民往来台湾地区管理办法》", "HE", 0, "fingerprint_sensor", 1500, "近期免冠照片/e"},
        {Zone::police, "GA", "普通护照", "《中华人民共和国护照法》", "EGbC", 0, "fingerprint_sensor", 12000, "近期免冠照片/e"},
        {Zone::police, "GA", "出入境记录", "《中华人民共和国出境入境管理法》", "AB", 0, "", 0, ""},
        {Zone::police, "GA", "机动车驾驶证", "《中华人民共和国道路交通安全法》;《机动车驾驶证申领和使用规定》", "FGA", 1, "", 1000, "身体条件证明/o;近期免冠照片/e"},
        {Zone::police, "GA", "机动车", "《中华人民共和国道路交通安全法》;《机动车登记规定》", "JC", 0, "", 0, "机动车登记证书/o;机动车行驶证/o"},
        {Zone::police, "GA", "机动车检验标志", "《中华人民共和国道路交通安全法实施条例》", "U", 1, "", 0, "机动车行驶证/o;交强险凭证/e"},
        {Zone::police, "GA", "交通违法", "《中华人民共和国道路交通安全法》", "SA", 0, "", 0, ""},
        {Zone::police, "GA", "非机动车", "《中华人民共和国道路交通安全法》", "I", 0, "", 0, "购车发票/c;车辆合格证/o"},
        {Zone::police, "GA", "无犯罪记录证明", "《公安机关办理无犯罪记录证明工作规定》", "Xb", 0, "", 0, ""},
        {Zone::police, "GA", "见义勇为人员", "《见义勇为人员奖励和保护条例》", "P", 0, "", 0, "见义勇为事迹材料/o;证人证言/c"},
        {Zone::police, "GA", "涉黑涉恶线索举报", "《公安机关举报奖励规定》", "P", 0, "", 0, "举报受理回执/c"},
        {Zone::police, "GA", "养犬", "《城市养犬管理规定》", "IA", 0, "", 0, "犬只免疫证明/o;犬只照片/e"},
        // 税务专区
        {Zone::tax, "SW", "完税", "《中华人民共和国税收征收管理法》", "B", 1, "", 0, ""},
        {Zone::tax, "SW", "纳税记录", "《中华人民共和国税收征收管理法》", "AB", 1, "", 0, ""},
        {Zone::tax, "SW", "税费", "《中华人民共和国税收征收管理法》", "DA", 0, "", 0, ""},
        {Zone::tax, "SW", "社保费", "《中华人民共和国社会保险法》;《中华人民共和国税收征收管理法》", "D", 0, "", 0, ""},
        {Zone::tax, "SW", "车船税", "《中华人民共和国车船税法》", "D", 0, "", 0, "机动车行驶证/c"},
        {Zone::tax, "SW", "车辆购置税", "《中华人民共和国车辆购置税法》", "D", 0, "", 0, "机动车销售统一发票/o"},
        {Zone::tax, "SW", "房产税", "《中华人民共和国房产税暂行条例》", "D", 0, "", 0, "不动产权证书/c"},
        {Zone::tax, "SW", "印花税", "《中华人民共和国印花税法》", "D", 0, "", 0, "应税凭证/c"},
        {Zone::tax, "SW", "发票", "《中华人民共和国发票管理办法》", "deA", 0, "", 0, "经办人授权/e"},
        {Zone::tax, "SW", "延期缴纳税款", "《中华人民共和国税收征收管理法》;《中华人民共和国税收征收管理法实施细则》", "R", 0, "", 0, "延期申请报告/o;货币资金余额情况/c"},
        {Zone::tax, "SW", "税务", "《中华人民共和国税收征收管理法》", "IJV", 0, "", 0, "营业执照/c;经营场所证明/c"},
        {Zone::tax, "SW", "财务会计制度", "《中华人民共和国税收征收管理法》", "L", 0, "", 0, "财务会计制度/c"},
        {Zone::tax, "SW", "税收违法行为检举", "《检举纳税人税收违法行为奖励暂行办法》", "P", 0, "", 0, "检举受理回执/c"},
        {Zone::tax, "SW", "纳税信用", "《纳税信用管理办法（试行）》", "fA", 0, "", 0, "纳税信用复评申请表/o"},
        {Zone::tax, "SW", "个人所得税专项附加扣除", "《中华人民共和国个人所得税法》;《个人所得税专项附加扣除暂行办法》", "L", 0, "", 0, "扣除项目证明/e"},
        {Zone::tax, "SW", "个人所得税退税", "《中华人民共和国个人所得税法》", "h", 0, "", 0, "银行卡/c"},
        {Zone::tax, "SW", "税收减免", "《中华人民共和国税收征收管理法》", "L", 0, "", 0, "减免税依据材料/c"},
        {Zone::tax, "SW", "跨区域涉税事项", "《中华人民共和国税收征收管理法》", "L", 2, "", 0, "跨区域涉税事项报告表/o"},
        {Zone::tax, "SW", "办税服务厅", "《中华人民共和国税收征收管理法》", "iC", 0, "", 0, ""},
        // 人社专区
        {Zone::hrss, "RS", "社保参保", "《中华人民共和国社会保险法》", "ABI", 1, "", 0, "劳动合同/c"},
        {Zone::hrss, "RS", "社会保障卡", "《社会保障卡管理办法》", "EGZcA", 0, "ssc_reader", 0, "近期免冠照片/e"},
        {Zone::hrss, "RS", "失业保险金", "《失业保险条例》", "jAb", 0, "", 0, "解除劳动合同证明/o;银行卡/c"},
        {Zone::hrss, "RS", "失业", "《就业服务与就业管理规定》", "IA", 0, "", 0, "解除劳动合同证明/c"},
        {Zone::hrss, "RS", "基本养老保险", "《中华人民共和国社会保险法》", "NYA", 2, "", 0, "银行卡/c;参保缴费凭证/c"},
        {Zone::hrss, "RS", "个人权益记录", "《社会保险个人权益记录管理办法》", "B", 1, "", 0, ""},
        {Zone::hrss, "RS", "就业创业证", "《就业服务与就业管理规定》", "EA", 0, "", 0, "近期免冠照片/e"},
        {Zone::hrss, "RS", "灵活就业人员社保", "《国务院关于进一步做好稳就业工作的意见》", "O", 0, "", 0, "灵活就业登记证明/c;银行卡/c"},
        {Zone::hrss, "RS", "一次性创业", "《就业补助资金管理办法》", "O", 0, "", 0, "营业执照/c;银行卡/c"},
        {Zone::hrss, "RS", "职业培训", "《就业补助资金管理办法》", "O", 0, "", 0, "职业技能等级证书/c;培训结业证明/c"},
        {Zone::hrss, "RS", "职业技能等级证书", "《国家职业资格目录》", "AB", 1, "", 0, ""},
        {Zone::hrss, "RS", "工伤", "《工伤保险条例》", "Kb", 0, "", 0, "工伤认定申请表/o;劳动关系证明/c;医疗诊断证明/c"},
        {Zone::hrss, "RS", "工伤保险", "《工伤保险条例》", "N", 0, "", 0, "工伤认定决定书/c;医疗费用票据/o"},
        {Zone::hrss, "RS", "劳务派遣经营", "《劳务派遣行政许可实施办法》", "T", 0, "", 0, "营业执照/c;劳务派遣管理制度/c;经营场所证明/c"},
        {Zone::hrss, "RS", "技能人才", "《国家职业技能标准编制技术规程》", "P", 0, "", 0, "职业技能等级证书/c"},
        {Zone::hrss, "RS", "人才引进", "《关于进一步做好人才引进工作的意见》", "Rb", 0, "", 0, "学历证书/c;劳动合同/c"},
        {Zone::hrss, "RS", "流动人员人事档案", "《流动人员人事档案管理服务规定》", "AY", 1, "", 0, "调档函/o"},
        // 医保专区
        {Zone::medical, "YB", "医保参保", "《中华人民共和国社会保险法》", "AB", 1, "", 0, ""},
        {Zone::medical, "YB", "基本医疗保险", "《基本医疗保险关系转移接续暂行办法》", "Y", 2, "", 0, "参保凭证/e"},
        {Zone::medical, "YB", "异地就医", "《关于进一步做好基本医疗保险跨省异地就医直接结算工作的通知》", "LA", 1, "", 0, "异地居住证明/c"},
        {Zone::medical, "YB", "门诊慢特病待遇", "《医疗保障基金使用监督管理条例》", "Kb", 0, "", 0, "病历资料/c;诊断证明/o"},
        {Zone::medical, "YB", "医疗费用", "《医疗保障基金使用监督管理条例》", "k", 1, "", 0, "医疗费用票据/o;费用明细清单/o;银行卡/c"},
        {Zone::medical, "YB", "医保电子凭证", "《医疗保障基金使用监督管理条例》", "c", 0, "", 0, ""},
        {Zone::medical, "YB", "职工医保家庭共济", "《国务院办公厅关于建立健全职工基本医疗保险门诊共济保障机制的指导意见》", "L", 0, "", 0, "家庭关系证明/c"},
        {Zone::medical, "YB", "生育津贴", "《中华人民共和国社会保险法》", "j", 0, "", 0, "出生医学证明/c;银行卡/c"},
        {Zone::medical, "YB", "欺诈骗取医保基金举报", "《违法违规使用医疗保障基金举报奖励办法》", "P", 0, "", 0, "举报受理回执/c"},
        {Zone::medical, "YB", "城乡居民医保", "《中华人民共和国社会保险法》", "lI", 0, "", 0, "户口簿/c"},
        {Zone::medical, "YB", "医保定点医药机构", "《医疗机构医疗保障定点管理暂行办法》", "i", 0, "", 0, ""},
        {Zone::medical, "YB", "医保药品目录", "《基本医疗保险用药管理暂行办法》", "i", 0, "", 0, ""},
        {Zone::medical, "YB", "医保个人账户", "《中华人民共和国社会保险法》", "AB", 0, "", 0, ""},
        // 公积金专区
        {Zone::housing_fund, "GJ", "住房公积金", "《住房公积金管理条例》", "MAYb", 1, "", 0, "银行卡/c;购房合同或租赁合同/c"},
        {Zone::housing_fund, "GJ", "住房公积金缴存", "《住房公积金管理条例》", "B", 1, "", 0, ""},
        {Zone::housing_fund, "GJ", "住房公积金贷款", "《住房公积金管理条例》", "hAC", 0, "", 0, "购房合同/c;婚姻状况证明/c;收入证明/o"},
        {Zone::housing_fund, "GJ", "住房公积金贷款结清", "《住房公积金管理条例》", "B", 0, "", 0, ""},
        {Zone::housing_fund, "GJ", "住房公积金租房", "《住房公积金管理条例》", "M", 0, "", 0, "租赁合同/c;银行卡/c"},
        {Zone::housing_fund, "GJ", "住房公积金离退休", "《住房公积金管理条例》", "M", 0, "", 0, "退休证明/c;银行卡/c"},
        {Zone::housing_fund, "GJ", "灵活就业人员住房公积金缴存", "《住房公积金管理条例》", "I", 0, "", 0, "银行卡/c"},
        {Zone::housing_fund, "GJ", "个人住房公积金账户", "《住房公积金管理条例》", "m", 0, "", 0, ""},
        {Zone::housing_fund, "GJ", "异地贷款缴存使用", "《住房公积金管理条例》", "B", 1, "", 0, ""},
        {Zone::housing_fund, "GJ", "住房公积金网点", "《住房公积金管理条例》", "i", 0, "", 0, ""},
        // 不动产专区
        {Zone::real_estate, "ZR", "不动产登记", "《不动产登记暂行条例》", "AbC", 0, "", 0, ""},
        {Zone::real_estate, "ZR", "不动产权属", "《不动产登记暂行条例》", "B", 0, "", 0, ""},
        {Zone::real_estate, "ZR", "不动产抵押", "《不动产登记暂行条例》;《中华人民共和国民法典》", "IVb", 0, "", 8000, "不动产权证书/o;抵押合同/o;主债权合同/c"},
        {Zone::real_estate, "ZR", "不动产转移", "《不动产登记暂行条例》;《中华人民共和国民法典》", "I", 0, "", 8000, "不动产权证书/o;买卖合同/o;完税凭证/e"},
        {Zone::real_estate, "ZR", "不动产首次", "《不动产登记暂行条例》", "I", 0, "", 8000, "土地权属来源材料/c;建设工程符合规划材料/c"},
        {Zone::real_estate, "ZR", "不动产预告", "《不动产登记暂行条例》", "I", 0, "", 0, "预售合同/o"},
        {Zone::real_estate, "ZR", "不动产更正", "《不动产登记暂行条例》", "I", 0, "", 0, "不动产权证书/o;证实登记确有错误的材料/c"},
        {Zone::real_estate, "ZR", "不动产登记资料", "《不动产登记资料查询暂行办法》", "A", 0, "", 0, ""},
        {Zone::real_estate, "ZR", "土地权属", "《土地权属争议调查处理办法》", "Q", 0, "", 0, "争议裁决申请书/o;权属证明材料/c"},
        {Zone::real_estate, "ZR", "林木林地权属", "《中华人民共和国森林法》", "Q", 0, "", 0, "争议裁决申请书/o;林权证明材料/c"},
        {Zone::real_estate, "ZR", "建设用地规划", "《中华人民共和国城乡规划法》", "T", 0, "", 0, "建设项目批准文件/c;用地红线图/e"},
        // 跨域通办专区
        {Zone::cross_region, "SJ", "个体工商户", "《促进个体工商户发展条例》;《中华人民共和国市场主体登记管理条例》", "JV", 1, "", 0, "营业执照/o;变更登记申请书/o"},
        {Zone::cross_region, "SF", "学历", "《中华人民共和国公证法》", "W", 1, "", 8000, "学历证书/o"},
        {Zone::cross_region, "SF", "出生", "《中华人民共和国公证法》", "W", 1, "", 8000, "出生医学证明/c;户口簿/c"},
        {Zone::cross_region, "SF", "无犯罪记录", "《中华人民共和国公证法》", "W", 1, "", 8000, "无犯罪记录证明/o"},
        {Zone::cross_region, "HB", "排污许可证", "《排污许可管理条例》", "U", 1, "", 0, "排污许可证申请表/o;污染防治设施说明/c"},
        {Zone::cross_region, "HB", "固定污染源排污", "《排污许可管理条例》", "I", 1, "", 0, "排污登记表/o"},
        {Zone::cross_region, "MZ", "婚姻登记", "《婚姻登记条例》", "C", 4, "", 0, "户口簿/o"},
        {Zone::cross_region, "WJ", "出生医学证明", "《中华人民共和国母婴保健法》", "G", 1, "", 0, "父母身份证明/c"},
        {Zone::cross_region, "JY", "教师资格", "《教师资格条例》", "Kb", 1, "", 0, "学历证书/c;体检合格证明/o;普通话水平测试等级证书/c"},
        {Zone::cross_region, "JY", "学历学位", "《中华人民共和国高等教育法》", "A", 1, "", 0, ""},
        {Zone::cross_region, "GA", "户口迁移", "《中华人民共和国户口登记条例》", "I", 3, "", 0, "户口簿/o;迁入地住所证明/c"},
        {Zone::cross_region, "WJ", "医师执业", "《中华人民共和国医师法》", "J", 1, "", 0, "医师资格证书/c;医师执业证书/o"},
        {Zone::cross_region, "RS", "异地就业登记", "《就业服务与就业管理规定》", "I", 5, "", 0, "劳动合同/c"},
        {Zone::cross_region, "GJ", "住房公积金异地转移接续", "《住房公积金管理条例》", "h", 3, "", 0, "转移接续申请表/o"},
        {Zone::cross_region, "YB", "跨省异地就医结算", "《关于进一步做好基本医疗保险跨省异地就医直接结算工作的通知》", "Ab", 1, "", 0, ""},
        // 长者专区
        {Zone::elderly, "MZ", "高龄津贴", "《中华人民共和国老年人权益保障法》", "jAb", 0, "", 0, "银行卡/c"},
        {Zone::elderly, "MZ", "养老服务补贴", "《中华人民共和国老年人权益保障法》", "j", 0, "", 0, "银行卡/c;能力评估结果/e"},
        {Zone::elderly, "MZ", "经济困难老年人", "《中华人民共和国老年人权益保障法》", "O", 0, "", 0, "低收入家庭证明/c;银行卡/c"},
        {Zone::elderly, "MZ", "适老化改造", "《中华人民共和国老年人权益保障法》", "O", 0, "", 0, "改造方案/o;房屋权属证明/c"},
        {Zone::elderly, "MZ", "老年人优待证", "《中华人民共和国老年人权益保障法》", "p", 0, "", 0, "近期免冠照片/e"},
        {Zone::elderly, "MZ", "居家养老服务", "《中华人民共和国老年人权益保障法》", "C", 0, "", 0, ""},
        {Zone::elderly, "MZ", "养老机构", "《养老机构管理办法》", "L", 0, "", 0, "营业执照或登记证书/c;消防安全材料/c"},
        {Zone::elderly, "MZ", "社区长者食堂", "《中华人民共和国老年人权益保障法》", "i", 0, "", 0, ""},
        {Zone::elderly, "RS", "养老金领取", "《中华人民共和国社会保险法》", "a", 1, "", 0, ""},
        {Zone::elderly, "WJ", "老年人健康档案", "《国家基本公共卫生服务规范》", "A", 0, "", 0, ""},
        {Zone::elderly, "WJ", "独生子女父母", "《中华人民共和国人口与计划生育法》", "P", 0, "", 0, "独生子女父母光荣证/c;户口簿/c"},
        {Zone::elderly, "WJ", "计划生育家庭特别扶助金", "《中华人民共和国人口与计划生育法》", "j", 0, "", 0, "户口簿/c;银行卡/c"},
        // 企业专区
        {Zone::enterprise, "SJ", "营业执照", "《中华人民共和国市场主体登记管理条例》", "qG", 0, "", 0, "营业执照遗失声明/e"},
        {Zone::enterprise, "SJ", "企业", "《中华人民共和国市场主体登记管理条例》", "JVb", 0, "", 0, "营业执照/o;股东会决议/o"},
        {Zone::enterprise, "SJ", "企业名称", "《企业名称登记管理规定》", "r", 0, "", 0, ""},
        {Zone::enterprise, "SJ", "企业开办", "《中华人民共和国市场主体登记管理条例》", "h", 0, "", 0, "公司章程/o;住所使用证明/c"},
        {Zone::enterprise, "SJ", "企业年度报告", "《企业信息公示暂行条例》", "g", 0, "", 0, ""},
        {Zone::enterprise, "SJ", "企业信用报告", "《企业信息公示暂行条例》", "q", 0, "", 0, ""},
        {Zone::enterprise, "SJ", "食品经营", "《中华人民共和国食品安全法》", "Tb", 0, "", 0, "营业执照/c;经营场所平面图/c;食品安全管理制度/c"},
        {Zone::enterprise, "SJ", "专利侵权纠纷行政", "《中华人民共和国专利法》", "s", 0, "", 0, "行政裁决请求书/o;专利权证明/c;侵权证据/c"},
        {Zone::enterprise, "SH", "对外贸易经营者", "《中华人民共和国对外贸易法》", "L", 0, "", 0, "营业执照/c"},
        {Zone::enterprise, "RS", "企业职工参保", "《中华人民共和国社会保险法》", "I", 0, "", 0, "营业执照/c;劳动合同/c"},
        {Zone::enterprise, "RS", "失业保险稳岗返还", "《失业保险条例》", "j", 0, "", 0, "单位银行账户/c"},
        {Zone::enterprise, "GJ", "单位住房公积金缴存", "《住房公积金管理条例》", "I", 0, "", 0, "营业执照/c;单位银行账户/c"},
        {Zone::enterprise, "GA", "印章刻制", "《印铸刻字业暂行管理规则》", "L", 0, "", 0, "营业执照/c;印模/e"},
        {Zone::enterprise, "KJ", "高新技术企业", "《高新技术企业认定管理办法》", "Kb", 0, "", 0, "知识产权证明/c;研发费用专项审计报告/o"},
        {Zone::enterprise, "CZ", "政府采购", "《政府采购质疑和投诉办法》", "t", 0, "", 0, "投诉书/o;质疑及答复材料/c"},
    };
    return rows;
}
// clang-format on

std::vector<std::string> split(std::string_view s) {
    std::vector<std::string> out;
    while (!s.empty()) {
        const auto p = s.find(';');
        out.emplace_back(s.substr(0, p));
        if (p == std::string_view::npos) break;
        s.remove_prefix(p + 1);
    }
    return out;
}

std::string replace_city(std::string_view pattern, std::string_view city) {
    std::string out(pattern);
    if (const auto p = out.find("{}"); p != std::string::npos) out.replace(p, 2, city);
    return out;
}

std::string yuan(std::int64_t fen) {
    std::string out = std::to_string(fen / 100);
    if (fen % 100 != 0) {
        const std::int64_t cents = fen % 100;
        out.append(".").append(cents < 10 ? "0" : "").append(std::to_string(cents));
    }
    return out;
}

struct Combo {
    std::size_t biz;
    char key;
};

std::vector<Combo> pool() {
    std::vector<Combo> out;
    const auto& rows = businesses();
    for (std::size_t i = 0; i < rows.size(); ++i)
        for (char k : rows[i].acts) out.push_back(Combo{i, k});
    return out;
}

Item build(const Biz& b, const Act& a, std::string_view city, sim::Rng& rng) {
    Item it;
    const Dept& d = dept(b.dept);
    it.name = std::string(b.object).append(a.suffix);
    it.category = std::string(a.category);
    it.competent_department = std::string(d.competent);
    it.implementing_body = replace_city(d.local, city);
    it.legal_basis = split(b.basis);
    it.zone = b.zone;
    it.department = std::string(d.code);
    it.depth = a.depth;
    it.auth = a.auth;

    // Conditions.
    if (a.auth == Auth::anonymous)
        it.conditions = {"无需登录，凭受理编号或关键字查询"};
    else
        it.conditions = {"申请人持有效居民身份证或电子身份证，并通过实名认证"};
    if (a.depth == Depth::application || a.depth == Depth::full)
        it.conditions.push_back(std::string("符合").append(it.legal_basis.front()).append("规定的条件"));

    // Materials and the 情形 questions (R-7.6-1).
    int n = 0;
    auto material = [&](std::string name, Form form, bool required, std::string when, std::string note) {
        it.materials.push_back(Material{cat("m", std::to_string(++n)), std::move(name), form, 1, required,
                                        std::move(when), std::move(note)});
    };
    if (a.auth != Auth::anonymous)
        material("居民身份证", Form::original, true, "",
                 a.auth == Auth::in_person ? "身份证阅读器读取并人证核验" : "身份证阅读器读取，或出示电子身份证");
    if (a.depth == Depth::application || a.depth == Depth::full || a.depth == Depth::booking) {
        for (const auto& m : split(b.materials)) {
            const auto slash = m.rfind('/');
            const char f = m[slash + 1];
            const Form form = f == 'o' ? Form::original : f == 'c' ? Form::copy : Form::electronic;
            material(m.substr(0, slash), form, true, "",
                     form == Form::electronic ? "可通过电子证照库调取" : form == Form::copy ? "高拍仪拍摄" : "");
        }
    }
    if (a.depth == Depth::application) {
        it.situations.push_back(Situation{"agent", "是否委托他人代办？"});
        material("授权委托书", Form::original, true, "agent", "");
        material("代理人居民身份证", Form::original, true, "agent", "");
        if (rng.below(2) == 0) {
            it.situations.push_back(Situation{"name_changed", "申请人姓名或证件信息是否发生过变更？"});
            material("户籍变更证明", Form::copy, true, "name_changed", "");
        }
        material("其他补充材料", Form::copy, false, "", "选填");
    }

    // Process.
    switch (a.depth) {
    case Depth::query: it.process = {"身份认证或输入查询条件", "查询", "结果展示"}; break;
    case Depth::print: it.process = {"身份认证", "选择证明", "预览确认", "打印出证"}; break;
    case Depth::booking: it.process = {"身份认证", "选择办理网点和时段", "预约确认", "打印预约凭条"}; break;
    case Depth::application:
        it.process = {"身份认证", "填写申请表", "提交材料", "形式审查（预审）", "部门审核", "结果送达"};
        break;
    case Depth::full: it.process = {"身份认证", "填写信息", "提交", "即时办结", "打印凭条"}; break;
    }
    if (a.pay) it.process.insert(it.process.end() - 1, "扫码或刷卡支付");

    // Fees and time limits.
    if (a.fee && b.fee_fen > 0) {
        it.fee.amount_fen = b.fee_fen;
        it.fee.basis = std::string("按国家和省规定的收费标准（").append(it.legal_basis.front()).append("）");
        if (std::find(it.process.begin(), it.process.end(), "扫码或刷卡支付") == it.process.end())
            it.process.insert(it.process.end() - 1, "扫码或刷卡支付");
    }
    it.statutory_days = a.statutory_days;
    if (a.statutory_days > 0) {
        const double share = 0.3 + 0.5 * rng.uniform01();
        it.promised_days = std::clamp(static_cast<int>(std::lround(a.statutory_days * share)), 1, a.statutory_days);
    }
    it.visits = a.depth == Depth::booking ? 1 : a.depth == Depth::application ? static_cast<int>(rng.below(2)) : 0;

    // Peripherals, in the order of the peripheral_type table.
    std::set<std::string> need;
    if (a.auth != Auth::anonymous) need.insert({"idcard_reader", "face_camera", "qr_scanner"});
    if (a.depth == Depth::print) need.insert("a4_printer");
    if (a.depth == Depth::booking || a.depth == Depth::full) need.insert("receipt_printer");
    if (a.depth == Depth::application) need.insert({"document_camera", "signature_pad", "receipt_printer"});
    if (a.pay || it.fee.amount_fen > 0) need.insert({"qr_scanner", "pin_pad"});
    for (const auto& e : split(b.extra)) need.insert(e);
    for (const auto& c : api::codes::peripheral_type().entries())
        if (need.count(std::string(c.code))) it.peripherals.emplace_back(c.code);

    // 跨域通办.
    switch (b.cross) {
    case 1: it.cross_scope = CrossScope::national; it.cross_modes = {CrossMode::online}; break;
    case 2: it.cross_scope = CrossScope::national; it.cross_modes = {CrossMode::online, CrossMode::proxy}; break;
    case 3:
        it.cross_scope = CrossScope::national;
        it.cross_modes = {CrossMode::online, CrossMode::proxy, CrossMode::joint};
        break;
    case 4: it.cross_scope = CrossScope::province; it.cross_modes = {CrossMode::online}; break;
    case 5: it.cross_scope = CrossScope::multi_province; it.cross_modes = {CrossMode::online, CrossMode::proxy}; break;
    default: break;
    }

    // FAQ and channels.
    it.faq.push_back(Faq{it.name + "需要到现场吗？",
                         it.visits == 0 ? "可在政务服务自助终端办理，无需到现场。"
                                        : cat("需到现场", std::to_string(it.visits), "次，可先在自助终端预约或预审。")});
    it.faq.push_back(Faq{it.name + "是否收费？", it.fee.amount_fen == 0
                                                   ? std::string("不收费。")
                                                   : cat("收费", yuan(it.fee.amount_fen), "元，可扫码支付。")});
    it.faq.push_back(Faq{it.name + "多久可以办结？",
                         it.statutory_days == 0 ? std::string("即办。")
                                                : cat("法定办结时限", std::to_string(it.statutory_days), "个工作日，承诺",
                                                      std::to_string(it.promised_days), "个工作日。")});
    it.consultation = std::string("12345政务服务便民热线；").append(it.implementing_body).append("服务窗口");
    it.complaint = std::string("12345政务服务便民热线；").append(city).append("政务服务“好差评”系统");
    return it;
}

}  // namespace

std::size_t Catalogue::max_generated() { return pool().size(); }

Catalogue Catalogue::generate(std::uint64_t seed, std::size_t n, const GenerateOptions& options) {
    if (!api::codes::is_region_code(options.region))
        throw std::invalid_argument(cat("Catalogue::generate: not a GB/T 2260 region code: ", options.region));
    const std::vector<Combo> all = pool();
    if (n > all.size())
        throw std::invalid_argument(cat("Catalogue::generate: at most ", std::to_string(all.size()), " items"));
    std::string city(api::codes::region_name(options.region));
    if (city.empty()) city = options.region;
    const auto& rows = businesses();

    // A seeded shuffle of the pool, then one pick per category and per zone
    // (forced online), then the shuffled order.
    sim::Rng order(sim::derive_seed(seed, "services/catalogue/order"));
    std::vector<std::size_t> shuffled(all.size());
    for (std::size_t i = 0; i < shuffled.size(); ++i) shuffled[i] = i;
    for (std::size_t i = shuffled.size(); i > 1; --i) std::swap(shuffled[i - 1], shuffled[order.below(i)]);
    std::vector<std::size_t> picked;
    std::vector<bool> taken(all.size(), false);
    std::set<std::size_t> cover;
    auto take = [&](std::size_t i, bool covering) {
        if (taken[i] || picked.size() >= n) return;
        taken[i] = true;
        picked.push_back(i);
        if (covering) cover.insert(i);
    };
    for (const auto& c : api::codes::item_type().entries())
        for (std::size_t i : shuffled)
            if (act(all[i].key).category == c.code) {
                take(i, true);
                break;
            }
    for (Zone z : all_zones()) {
        bool has = false;
        for (std::size_t i : picked) has = has || rows[all[i].biz].zone == z;
        if (has) continue;
        for (std::size_t i : shuffled)
            if (rows[all[i].biz].zone == z) {
                take(i, true);
                break;
            }
    }
    for (std::size_t i : shuffled) take(i, false);
    std::sort(picked.begin(), picked.end());  // table order: codes follow the tables

    Catalogue out;
    std::map<std::string, int> serial;  // per 办理主体 and type
    const std::string body_prefix = std::string(options.region).append("00");
    for (std::size_t i : picked) {
        const Biz& b = rows[all[i].biz];
        const Act& a = act(all[i].key);
        sim::Rng rng(sim::derive_seed(seed, std::string("services/catalogue/item/").append(b.object).append(a.suffix)));
        Item it = build(b, a, city, rng);
        std::string prefix = body_prefix;
        prefix.append(b.dept).append("-").append(a.category).append("-");
        const int s = ++serial[prefix];
        std::string digits = std::to_string(s);
        it.code = prefix.append(std::string(4 - std::min<std::size_t>(4, digits.size()), '0')).append(digits);

        // Lifecycle of the baseline.
        const double u = rng.uniform01();
        if (cover.count(i) || u < options.online_share) {
            it.stage = Stage::online;
            const auto days = static_cast<std::int64_t>(30 + rng.below(900));
            it.online_at = options.now - std::chrono::hours(24 * days);
            if (!cover.count(i) && rng.uniform01() < options.suspended_share) {
                it.status = Status::suspended;
                it.note = StatusNote{Trigger::security_incident, "安全事件处置中，暂停自助办理", options.now};
            }
        } else {
            const double rest = (u - options.online_share) / std::max(1e-12, 1.0 - options.online_share);
            it.stage = static_cast<Stage>(std::min(3, static_cast<int>(rest * 4.0)));
        }
        if (const auto problems = validate(it); !problems.empty())
            throw std::logic_error(cat("catalogue tables give an invalid item ", it.name, ": ", problems.front().path, " ",
                                       problems.front().reason));
        std::string code = it.code;
        out.m_items.emplace(std::move(code), std::move(it));
    }
    out.m_version = 0;
    out.record({}, ChangeKind::added, cat("baseline: ", std::to_string(picked.size()), " items"), options.now);
    out.m_floor = out.m_version;
    return out;
}

// --- JSON ---------------------------------------------------------------------------

namespace {

json time_json(const std::optional<sim::Time>& t, const sim::Calendar& cal) {
    return t ? json(cal.iso8601(*t)) : json(nullptr);
}

using namespace detail;

}  // namespace

json to_json(const Item& item, const sim::Calendar& calendar) {
    json materials = json::array();
    for (const auto& m : item.materials) {
        materials.push_back({{"id", m.id}, {"name", m.name}, {"form", to_string(m.form)}, {"copies", m.copies},
                             {"required", m.required}, {"when", m.when}, {"note", m.note}});
    }
    json situations = json::array();
    for (const auto& s : item.situations) situations.push_back({{"id", s.id}, {"question", s.question}});
    json faq = json::array();
    for (const auto& f : item.faq) faq.push_back({{"question", f.question}, {"answer", f.answer}});
    json modes = json::array();
    for (auto m : item.cross_modes) modes.push_back(to_string(m));
    const auto* type = api::codes::item_type().find(item.category);
    json note = {{"trigger", item.note.trigger ? json(to_string(*item.note.trigger)) : json(nullptr)},
                 {"reason", item.note.reason},
                 {"at", calendar.iso8601(item.note.at)}};
    json announcement = nullptr;
    if (item.announcement)
        announcement = {{"trigger", to_string(item.announcement->trigger)},
                        {"reason", item.announcement->reason},
                        {"at", calendar.iso8601(item.announcement->at)},
                        {"effective", calendar.iso8601(item.announcement->effective)}};
    return {
        {"code", item.code},
        {"name", item.name},
        {"category", item.category},
        {"category_name", type ? std::string(type->zh) : std::string()},
        {"competent_department", item.competent_department},
        {"implementing_body", item.implementing_body},
        {"legal_basis", item.legal_basis},
        {"guide",
         {{"conditions", item.conditions},
          {"materials", std::move(materials)},
          {"situations", std::move(situations)},
          {"process", item.process},
          {"fee", {{"amount_fen", item.fee.amount_fen}, {"basis", item.fee.basis}}},
          {"statutory_days", item.statutory_days},
          {"promised_days", item.promised_days},
          {"visits", item.visits},
          {"faq", std::move(faq)},
          {"consultation", item.consultation},
          {"complaint", item.complaint}}},
        {"kiosk",
         {{"zone", to_string(item.zone)},
          {"zone_name", zh(item.zone)},
          {"department", item.department},
          {"depth", to_string(item.depth)},
          {"peripherals", item.peripherals},
          {"auth", to_string(item.auth)},
          {"cross_region", {{"scope", to_string(item.cross_scope)}, {"modes", std::move(modes)}}},
          {"online_at", time_json(item.online_at, calendar)},
          {"offline_at", time_json(item.offline_at, calendar)}}},
        {"stage", to_string(item.stage)},
        {"status", to_string(item.status)},
        {"status_note", std::move(note)},
        {"announcement", std::move(announcement)},
        {"offered", item.offered()},
    };
}

Item item_from_json(const json& j, const sim::Calendar& calendar) {
    Item it;
    const std::string root;
    it.code = get_string(j, root, "code");
    it.name = get_string(j, root, "name");
    it.category = get_string(j, root, "category");
    it.competent_department = get_string(j, root, "competent_department");
    it.implementing_body = get_string(j, root, "implementing_body");
    it.legal_basis = get_strings(j, root, "legal_basis");

    const std::string g = "/guide";
    const json& guide = member(j, root, "guide");
    it.conditions = get_strings(guide, g, "conditions");
    const json& materials = get_array(guide, g, "materials");
    for (std::size_t i = 0; i < materials.size(); ++i) {
        const std::string p = cat(g, "/materials/", std::to_string(i));
        const json& m = materials[i];
        it.materials.push_back(Material{get_string(m, p, "id"), get_string(m, p, "name"),
                                        get_enum<Form>(m, p, "form", &parse_form),
                                        static_cast<int>(get_int(m, p, "copies")), get_bool(m, p, "required"),
                                        get_string(m, p, "when"), get_string(m, p, "note")});
    }
    const json& situations = get_array(guide, g, "situations");
    for (std::size_t i = 0; i < situations.size(); ++i) {
        const std::string p = cat(g, "/situations/", std::to_string(i));
        it.situations.push_back(Situation{get_string(situations[i], p, "id"), get_string(situations[i], p, "question")});
    }
    it.process = get_strings(guide, g, "process");
    const json& fee = member(guide, g, "fee");
    it.fee.amount_fen = get_int(fee, g + "/fee", "amount_fen");
    it.fee.basis = get_string(fee, g + "/fee", "basis");
    it.statutory_days = static_cast<int>(get_int(guide, g, "statutory_days"));
    it.promised_days = static_cast<int>(get_int(guide, g, "promised_days"));
    it.visits = static_cast<int>(get_int(guide, g, "visits"));
    const json& faq = get_array(guide, g, "faq");
    for (std::size_t i = 0; i < faq.size(); ++i) {
        const std::string p = cat(g, "/faq/", std::to_string(i));
        it.faq.push_back(Faq{get_string(faq[i], p, "question"), get_string(faq[i], p, "answer")});
    }
    it.consultation = get_string(guide, g, "consultation");
    it.complaint = get_string(guide, g, "complaint");

    const std::string k = "/kiosk";
    const json& kiosk = member(j, root, "kiosk");
    it.zone = get_enum<Zone>(kiosk, k, "zone", &parse_zone);
    it.department = get_string(kiosk, k, "department");
    it.depth = get_enum<Depth>(kiosk, k, "depth", &parse_depth);
    it.peripherals = get_strings(kiosk, k, "peripherals");
    it.auth = get_enum<Auth>(kiosk, k, "auth", &parse_auth);
    const json& cross = member(kiosk, k, "cross_region");
    it.cross_scope = get_enum<CrossScope>(cross, k + "/cross_region", "scope", &parse_cross_scope);
    const auto modes = get_strings(cross, k + "/cross_region", "modes");
    for (std::size_t i = 0; i < modes.size(); ++i) {
        const auto m = parse_cross_mode(modes[i]);
        if (!m) bad(cat(k, "/cross_region/modes/", std::to_string(i)), "unknown mode");
        it.cross_modes.push_back(*m);
    }
    it.online_at = get_optional_time(kiosk, k, "online_at", calendar);
    it.offline_at = get_optional_time(kiosk, k, "offline_at", calendar);

    it.stage = get_enum<Stage>(j, root, "stage", &parse_stage);
    it.status = get_enum<Status>(j, root, "status", &parse_status);
    const json& note = member(j, root, "status_note");
    const json& trig = member(note, "/status_note", "trigger");
    if (!trig.is_null()) it.note.trigger = get_enum<Trigger>(note, "/status_note", "trigger", &parse_trigger);
    it.note.reason = get_string(note, "/status_note", "reason");
    it.note.at = get_time(note, "/status_note", "at", calendar);
    const json& ann = member(j, root, "announcement");
    if (!ann.is_null()) {
        const std::string p = "/announcement";
        it.announcement = Announcement{get_enum<Trigger>(ann, p, "trigger", &parse_trigger), get_string(ann, p, "reason"),
                                       get_time(ann, p, "at", calendar),
                                       get_time(ann, p, "effective", calendar)};
    }
    return it;
}

json to_json(const Delta& delta, const sim::Calendar& calendar) {
    json items = json::array();
    for (const auto& it : delta.items) items.push_back(to_json(it, calendar));
    return {{"since", delta.since},
            {"version", delta.version},
            {"full", delta.full},
            {"items", std::move(items)},
            {"withdrawn", delta.withdrawn}};
}

json to_json(const Page& page, const sim::Calendar& calendar) {
    json items = json::array();
    for (const auto& it : page.items) items.push_back(to_json(it, calendar));
    return {{"version", page.version},
            {"total", page.total},
            {"offset", page.offset},
            {"limit", page.limit},
            {"items", std::move(items)}};
}

json to_json(const Snapshot& snapshot, const sim::Calendar& calendar) {
    json items = json::array();
    for (const auto& it : snapshot.items) items.push_back(to_json(it, calendar));
    return {{"version", snapshot.version}, {"items", std::move(items)}};
}

json to_json(const Change& change, const sim::Calendar& calendar) {
    return {{"version", change.version},
            {"at", calendar.iso8601(change.at)},
            {"code", change.code},
            {"kind", to_string(change.kind)},
            {"detail", change.detail}};
}

}  // namespace kiosktwin::services::catalogue
