// The item catalogue back-end (事项清单, clause 6): the platform's master list
// of service items, what kiosks may offer, and how items come and go.
//
//   * Item (R-6.2-1): the six basic elements — 事项名称 name, 事项编码 code,
//     事项类型 category (api::codes::item_type, R-6.1-1), 主管部门, 实施机关,
//     设定和实施依据 — the guide fields (conditions, materials with
//     original/copy and the 情形 that make them required, process, fees,
//     法定/承诺 time limits with 承诺 ≤ 法定, FAQ, consultation and complaint
//     channels, 智能导办 situation questions for R-7.6-1) and the kiosk fields
//     (zone of R-7.4-1 and the back-end it routes to, self-service depth,
//     required peripherals as api::codes::peripheral_type ids, authentication
//     level, 跨域通办 scope and modes of R-7.5-1, online/offline dates).
//   * Codes (R-6.2-2): "RRRRRRTTDD-CC-NNNN": the 10-character 办理主体编码
//     (6-digit GB/T 2260 region code, "00" town part, 2-letter department
//     code), the 2-letter item_type code of the category, a 4-digit serial,
//     e.g. "44030000GA-XK-0001" (the old 甘肃 local rule of the standard notes;
//     the national 基本编码/实施编码 was not retrieved). Codes are unique and
//     never reused, not even after withdrawal.
//   * On-boarding (R-6.3-1): 申请 → 联调 → 安全评估 → 试运行 → 上线, one
//     step at a time; 安全评估 and 试运行 may send an item back to 联调
//     (rework). Anything else is api::ErrorCode::conflict_state.
//   * Adjustment and withdrawal (R-6.4-1): an online item can be modified
//     (调整), suspended at once (暂停: security incident, back end down) and
//     resumed, or withdrawn: withdrawal is announced first (拟下线, with a
//     trigger, reason and effective date at least the notice period ahead;
//     the item is still offered meanwhile unless suspended; the announcement
//     can be cancelled), and takes effect only on or after that date and
//     when no 办件 is in flight. An item still on-boarding
//     can be withdrawn (application dropped) at once. Withdrawn (下线) is final.
//   * Kiosks are offered only items at 上线 whose status is 正常.
//   * Versioning (R-6.2-2): the catalogue version starts at 0 (empty), and
//     every change (add, modify, stage transition, suspend, resume, announce,
//     cancel, withdraw) adds exactly 1 and is recorded as a Change; reads never
//     change it, and neither does a refused or no-op call. delta(since) gives
//     the items changed since that version (current state) and the codes
//     withdrawn since; apply(snapshot at since, delta) == snapshot(). When
//     `since` is older than the retained history, or newer than the current
//     version (another catalogue), the delta is full: the whole snapshot.
//
// A pure model: no wall clock, every change takes the virtual time `now`.
#pragma once

#include <kiosktwin/services/outcome.hpp>
#include <kiosktwin/api/errors.hpp>
#include <kiosktwin/sim/calendar.hpp>
#include <kiosktwin/sim/time.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::services::catalogue {

// --- Enumerations, each with a stable id and a Chinese name ------------------

/// 专区 of R-7.4-1.
enum class Zone : std::uint8_t {
    police,        ///< "police" 公安
    tax,           ///< "tax" 税务
    hrss,          ///< "hrss" 人社
    medical,       ///< "medical" 医保
    housing_fund,  ///< "housing_fund" 公积金
    real_estate,   ///< "real_estate" 不动产
    cross_region,  ///< "cross_region" 跨域通办
    elderly,       ///< "elderly" 长者
    enterprise,    ///< "enterprise" 企业
};
inline constexpr std::size_t zone_count = 9;

/// 入驻 stage of R-6.3-1, in order.
enum class Stage : std::uint8_t {
    applied,          ///< "applied" 申请
    integration,      ///< "integration" 联调
    security_review,  ///< "security_review" 安全评估
    trial,            ///< "trial" 试运行
    online,           ///< "online" 上线
};

/// Status of R-6.4-1. A pending withdrawal (拟下线) is not a status but an
/// Announcement on the item, so a suspended item stays suspended meanwhile.
enum class Status : std::uint8_t {
    normal,     ///< "normal" 正常
    suspended,  ///< "suspended" 暂停
    withdrawn,  ///< "withdrawn" 下线 (final)
};

/// 自助办理深度 (R-6.2-1 kiosk field): how far the kiosk takes the item.
enum class Depth : std::uint8_t {
    query,        ///< "query" 查询
    booking,      ///< "booking" 预约
    application,  ///< "application" 申报 (预审: decided at the back office)
    full,         ///< "full" 全程自助 (completed at the kiosk)
    print,        ///< "print" 打印出证
};

/// Authentication level (R-5-2).
enum class Auth : std::uint8_t {
    anonymous,  ///< "anonymous" 无需登录 (查询/咨询)
    real_name,  ///< "real_name" 实名: ID card + face, or e-ID QR
    in_person,  ///< "in_person" 人证核验: ID card + face (+ fingerprint where listed); no e-ID
};

/// 跨域通办 scope (R-6.2-1, R-7.5-1).
enum class CrossScope : std::uint8_t {
    none,            ///< "none" 本地
    province,        ///< "province" 省内通办
    multi_province,  ///< "multi_province" 区域通办 (e.g. 西南五省)
    national,        ///< "national" 跨省通办
};

/// 跨域通办 mode of R-7.5-1.
enum class CrossMode : std::uint8_t {
    online,           ///< "online" 全程网办
    proxy,            ///< "proxy" 异地代收代办
    joint,            ///< "joint" 多地联办
};

/// Trigger of an adjustment or withdrawal (R-6.4-1).
enum class Trigger : std::uint8_t {
    legal_basis_changed,  ///< "legal_basis_changed" 设定依据变化
    backend_retired,      ///< "backend_retired" 业务系统停用
    low_volume,           ///< "low_volume" 办件量长期低于阈值
    poor_rating,          ///< "poor_rating" 评价持续较差
    security_incident,    ///< "security_incident" 安全事件
    department_request,   ///< "department_request" 部门申请
};

/// Material form.
enum class Form : std::uint8_t {
    original,    ///< "original" 原件
    copy,        ///< "copy" 复印件
    electronic,  ///< "electronic" 电子证照 / 数据共享 (no paper)
};

/// Kind of a recorded change.
enum class ChangeKind : std::uint8_t {
    added,                 ///< "added"
    modified,              ///< "modified" 调整
    stage,                 ///< "stage" on-boarding transition
    suspended,             ///< "suspended"
    resumed,               ///< "resumed"
    withdrawal_announced,  ///< "withdrawal_announced"
    withdrawal_cancelled,  ///< "withdrawal_cancelled"
    withdrawn,             ///< "withdrawn"
};

std::string_view to_string(Zone z) noexcept;
std::string_view to_string(Stage s) noexcept;
std::string_view to_string(Status s) noexcept;
std::string_view to_string(Depth d) noexcept;
std::string_view to_string(Auth a) noexcept;
std::string_view to_string(CrossScope s) noexcept;
std::string_view to_string(CrossMode m) noexcept;
std::string_view to_string(Trigger t) noexcept;
std::string_view to_string(Form f) noexcept;
std::string_view to_string(ChangeKind k) noexcept;
std::string_view zh(Zone z) noexcept;
std::string_view zh(Stage s) noexcept;
std::string_view zh(Status s) noexcept;
std::string_view zh(Depth d) noexcept;
std::string_view zh(CrossMode m) noexcept;
std::string_view zh(Trigger t) noexcept;

/// Parsers of the ids above; nullopt for an unknown id.
std::optional<Zone> parse_zone(std::string_view id) noexcept;
std::optional<Stage> parse_stage(std::string_view id) noexcept;
std::optional<Status> parse_status(std::string_view id) noexcept;
std::optional<Depth> parse_depth(std::string_view id) noexcept;
std::optional<Auth> parse_auth(std::string_view id) noexcept;
std::optional<CrossScope> parse_cross_scope(std::string_view id) noexcept;
std::optional<CrossMode> parse_cross_mode(std::string_view id) noexcept;
std::optional<Trigger> parse_trigger(std::string_view id) noexcept;
std::optional<Form> parse_form(std::string_view id) noexcept;

/// All zones, in enum order.
const std::vector<Zone>& all_zones();

// --- The item ------------------------------------------------------------------

/// A 情形 question for 智能导办 (R-7.6-1), answered yes/no.
struct Situation {
    std::string id;        ///< "agent"
    std::string question;  ///< "是否委托他人代办？"
    friend bool operator==(const Situation&, const Situation&) = default;
};

/// One declared material (申报材料).
struct Material {
    std::string id;        ///< unique within the item, "m1"
    std::string name;      ///< "居民身份证"
    Form form = Form::original;
    int copies = 1;        ///< 份数 (>= 1)
    bool required = true;  ///< 必填 (when `when` is empty or answered yes) or 选填
    std::string when;      ///< a Situation id: needed only if that answer is yes; empty = always
    std::string note;
    friend bool operator==(const Material&, const Material&) = default;
};

struct Faq {
    std::string question;
    std::string answer;
    friend bool operator==(const Faq&, const Faq&) = default;
};

/// 收费: free when amount_fen == 0.
struct Fee {
    std::int64_t amount_fen = 0;  ///< in 分
    std::string basis;            ///< 收费依据; required when charged
    friend bool operator==(const Fee&, const Fee&) = default;
};

/// Why and when the status last changed (R-6.4-1).
struct StatusNote {
    std::optional<Trigger> trigger;
    std::string reason;
    sim::Time at{};  ///< when the status was set
    friend bool operator==(const StatusNote&, const StatusNote&) = default;
};

/// A withdrawal announced in advance (拟下线, R-6.4-1).
struct Announcement {
    Trigger trigger = Trigger::department_request;
    std::string reason;
    sim::Time at{};         ///< when it was announced
    sim::Time effective{};  ///< the announced 下线 date (also the item's offline_at)
    friend bool operator==(const Announcement&, const Announcement&) = default;
};

struct Item {
    // The six basic elements (R-6.2-1).
    std::string name;                      ///< 事项名称
    std::string code;                      ///< 事项编码 (R-6.2-2 format above)
    std::string category;                  ///< 事项类型: api::codes::item_type code, "XK"
    std::string competent_department;      ///< 主管部门
    std::string implementing_body;         ///< 实施机关
    std::vector<std::string> legal_basis;  ///< 设定和实施依据 (>= 1)

    // Guide fields (办事指南).
    std::vector<std::string> conditions;  ///< 申请条件
    std::vector<Material> materials;      ///< 申报材料
    std::vector<Situation> situations;    ///< 情形 questions (R-7.6-1)
    std::vector<std::string> process;     ///< 办理流程 steps
    Fee fee;
    int statutory_days = 0;  ///< 法定办结时限, working days (0 = 即办)
    int promised_days = 0;   ///< 承诺办结时限, <= statutory_days
    int visits = 0;          ///< 到现场次数
    std::vector<Faq> faq;
    std::string consultation;  ///< 咨询方式
    std::string complaint;     ///< 监督投诉方式

    // Kiosk fields.
    Zone zone = Zone::police;
    std::string department;  ///< 2-letter department code = the back-end it routes to (R-7.4-1)
    Depth depth = Depth::query;
    std::vector<std::string> peripherals;  ///< api::codes::peripheral_type ids
    Auth auth = Auth::real_name;
    CrossScope cross_scope = CrossScope::none;
    std::vector<CrossMode> cross_modes;  ///< empty iff cross_scope == none
    std::optional<sim::Time> online_at;   ///< 上线日期
    std::optional<sim::Time> offline_at;  ///< 下线日期

    // Lifecycle.
    Stage stage = Stage::applied;
    Status status = Status::normal;
    StatusNote note;                          ///< the last status change
    std::optional<Announcement> announcement;  ///< a pending withdrawal

    /// Offered to kiosks: 上线 and 正常 (a pending withdrawal is still offered).
    bool offered() const noexcept { return stage == Stage::online && status == Status::normal; }

    friend bool operator==(const Item&, const Item&) = default;
};

/// The R-6.2-1 / R-6.2-2 checks of one item: six elements non-empty, code
/// format and its type part matching the category, known category,
/// peripherals and materials (unique ids, copies >= 1, `when` naming a
/// situation), 承诺 <= 法定, fee basis when charged, cross modes iff scope.
/// Each problem names the JSON pointer of the field; empty when valid.
std::vector<api::Problem> validate(const Item& item);

/// Whether a code has the R-6.2-2 format (and a valid GB/T 2260 region part).
bool is_item_code(std::string_view code) noexcept;

/// R-7.6-1: the material checklist for the given yes-answers (situation ids):
/// every material whose `when` is empty or answered yes, in declared order.
std::vector<const Material*> checklist(const Item& item, const std::set<std::string>& yes);

// --- Versioning -------------------------------------------------------------------

struct Change {
    std::uint64_t version = 0;  ///< the version this change produced
    sim::Time at{};
    std::string code;
    ChangeKind kind = ChangeKind::added;
    std::string detail;  ///< e.g. "integration→security_review", the trigger and reason
    friend bool operator==(const Change&, const Change&) = default;
};

/// The live list at a version: every item not withdrawn, sorted by code.
struct Snapshot {
    std::uint64_t version = 0;
    std::vector<Item> items;
    friend bool operator==(const Snapshot&, const Snapshot&) = default;
};

struct Delta {
    std::uint64_t since = 0;    ///< as asked
    std::uint64_t version = 0;  ///< the version it brings the reader to
    bool full = false;          ///< items is the whole live list: replace, don't merge
    std::vector<Item> items;    ///< added or changed (current state), sorted by code
    std::vector<std::string> withdrawn;  ///< codes withdrawn in (since, version], sorted
};

/// A reader's side: `delta` applied to `base` (replace when full; otherwise
/// upsert items, erase withdrawn codes); the result carries delta.version.
Snapshot apply(const Snapshot& base, const Delta& delta);

/// What page() lists.
struct Filter {
    bool offered_only = true;  ///< kiosk view; false = the whole live list (not withdrawn)
    std::optional<Zone> zone;
    std::optional<std::string> category;
};

struct Page {
    std::uint64_t version = 0;
    std::size_t total = 0;  ///< items matching the filter
    std::size_t offset = 0;
    std::size_t limit = 0;  ///< after clamping
    std::vector<Item> items;
};

inline constexpr std::size_t max_page_limit = 200;

/// Result of a change: ok, or the error (not_found, conflict_state,
/// bad_field, missing_field, unknown_code) with the JSON path when it is about
/// one field, and a reason; the catalogue is unchanged on error.
using Outcome = services::Outcome;

/// Options of the synthetic generator.
struct GenerateOptions {
    std::string region = "440300";  ///< GB/T 2260 code of the implementing region (深圳市)
    sim::Time now{};                ///< virtual time of the baseline
    double online_share = 0.86;     ///< share of items at 上线 (the rest spread over the earlier stages)
    double suspended_share = 0.02;  ///< share of online items suspended
};

class Catalogue {
public:
    /// Empty, version 0.
    Catalogue() = default;

    /// A deterministic synthetic catalogue of `n` items (same seed and options,
    /// same catalogue), drawn from "<业务>+<动作>" tables over every zone of
    /// R-7.4-1; for n >= 17 every category of R-6.1-1 and every zone is
    /// present. The baseline is one change: version 1, history from 1.
    /// Throws std::invalid_argument if n > max_generated() or the region
    /// code is not valid.
    static Catalogue generate(std::uint64_t seed, std::size_t n = 160, const GenerateOptions& options = {});
    /// How many distinct items the tables can produce.
    static std::size_t max_generated();

    // --- reads (never change the version) ---
    std::uint64_t version() const noexcept { return m_version; }
    /// The oldest `since` a delta can be computed from without being full.
    std::uint64_t history_floor() const noexcept { return m_floor; }
    /// Items in the master list, withdrawn ones included.
    std::size_t size() const noexcept { return m_items.size(); }
    const Item* find(std::string_view code) const;
    /// All items (withdrawn included), sorted by code.
    std::vector<const Item*> items() const;
    /// What kiosks may offer (Item::offered), optionally one zone; sorted by code.
    std::vector<const Item*> offered(std::optional<Zone> zone = std::nullopt) const;
    bool is_offered(std::string_view code) const;
    Snapshot snapshot() const;
    Delta delta(std::uint64_t since) const;
    /// Changes with version > since that are still retained.
    std::vector<Change> changes(std::uint64_t since = 0) const;
    /// `limit` is clamped to [1, max_page_limit]; an offset past the end gives no items.
    Page page(std::size_t offset, std::size_t limit, const Filter& filter = {}) const;

    // --- changes (each successful one: version + 1, one Change) ---
    /// A new item; it must validate, have a fresh code, and be at 申请/正常.
    Outcome add(Item item, sim::Time now);
    /// 调整 (R-6.4-1): replace the guide and kiosk fields and the name, basis,
    /// departments of an item not withdrawn. Code, category, stage, status,
    /// status note and dates must be unchanged. Equal to the current item:
    /// ok, but not a change (no version bump).
    Outcome modify(Item revised, sim::Time now, std::string_view reason = {});
    /// An on-boarding transition (R-6.3-1); to 上线 sets online_at. Only for
    /// status 正常.
    Outcome transition(std::string_view code, Stage to, sim::Time now);
    /// 暂停, at once, of an online item in status 正常.
    Outcome suspend(std::string_view code, Trigger trigger, std::string_view reason, sim::Time now);
    /// Back to 正常 from 暂停.
    Outcome resume(std::string_view code, sim::Time now);
    /// 拟下线 of an online item (正常 or 暂停) with none pending: effective
    /// must be at least the notice period after now (else bad_field). Sets
    /// offline_at to the announced date.
    Outcome announce_withdrawal(std::string_view code, Trigger trigger, std::string_view reason,
                                sim::Time effective, sim::Time now);
    /// Cancels a pending withdrawal (clears offline_at).
    Outcome cancel_withdrawal(std::string_view code, sim::Time now, std::string_view reason = {});
    /// 下线. An online item must be announced with now >= the announced date and
    /// no 办件 in flight (`in_flight`, from the applications back-end); an
    /// item still on-boarding is withdrawn at once (trigger/reason recorded).
    Outcome withdraw(std::string_view code, sim::Time now, std::size_t in_flight = 0,
                     Trigger trigger = Trigger::department_request, std::string_view reason = {});

    /// Keep at most `limit` changes (>= 1; older ones are dropped and the
    /// history floor rises). Default 10000.
    void set_history_limit(std::size_t limit);
    /// Minimum notice of a withdrawal (default 30 days).
    void set_notice_period(sim::Duration d) noexcept { m_notice = d; }
    sim::Duration notice_period() const noexcept { return m_notice; }

    /// Legal on-boarding transitions (R-6.3-1).
    static bool legal(Stage from, Stage to) noexcept;

private:
    void record(std::string code, ChangeKind kind, std::string detail, sim::Time now);
    Item* find_mut(std::string_view code);

    std::map<std::string, Item, std::less<>> m_items;
    std::vector<Change> m_log;
    std::uint64_t m_version = 0;
    std::uint64_t m_floor = 0;
    std::size_t m_history_limit = 10000;
    sim::Duration m_notice = std::chrono::hours(24 * 30);
};

// --- JSON -------------------------------------------------------------------------
// Times are GB/T 7408 strings on `calendar` (default: t = 0 is 2026-06-01 +08:00).

nlohmann::json to_json(const Item& item, const sim::Calendar& calendar = sim::Calendar{});
/// The reader's inverse of to_json; throws std::invalid_argument naming the
/// JSON pointer of a missing or malformed member.
Item item_from_json(const nlohmann::json& j, const sim::Calendar& calendar = sim::Calendar{});
/// {"since", "version", "full", "items": [...], "withdrawn": [...]}
nlohmann::json to_json(const Delta& delta, const sim::Calendar& calendar = sim::Calendar{});
/// {"version", "total", "offset", "limit", "items": [...]}
nlohmann::json to_json(const Page& page, const sim::Calendar& calendar = sim::Calendar{});
/// {"version", "items": [...]}
nlohmann::json to_json(const Snapshot& snapshot, const sim::Calendar& calendar = sim::Calendar{});
/// {"version", "at", "code", "kind", "detail"}
nlohmann::json to_json(const Change& change, const sim::Calendar& calendar = sim::Calendar{});

}  // namespace kiosktwin::services::catalogue
