// The application back end (办件, R-8.4-1 application group) as a pure
// in-memory model over virtual time: create with an idempotency key, upload
// material, submit, status, and the department-side steps up to the
// certificate, with the 跨域通办 rules of R-7.5-1. No wall clock, no storage:
// the whole store serialises to JSON (to_json / from_json) for the server to
// persist later.
//
//   * Create (R-8.4-1): the request body is checked with api::Checker (JSON
//     pointer paths): item_code (R-6.2-2 format), applicant name and GB 11643
//     ID number (birth date not after `now`'s civil date), optional phone,
//     and, for a cross-region 办件, cross_region {mode, receiving_region,
//     handling_region} (two different GB/T 2260 codes). See create().
//   * Idempotency: keys are per terminal. The same (terminal, key) with an
//     equal body (JSON equality, so member order does not matter) returns
//     the first result with replayed = true and creates nothing; with a
//     different body it is api::ErrorCode::idempotency_mismatch. Only
//     successful creates are remembered, so a refused request may be
//     corrected and retried under the same key. submit() has its own key,
//     kept on the 办件: the same key again is a replay, another key on a
//     submitted 办件 is conflict_state.
//   * Case number (办件编号), deterministic: "<receiving region>-<YYYYMMDD>-<NNNNNN>",
//     e.g. "440300-20260601-000001": the receiving region (the cross-region
//     receiving_region, else the region part of the item code), the civil
//     date of `now` on the store's calendar, and a 6-digit serial over the
//     whole store starting at 1 (never reused, so numbers are unique; past
//     999999 it simply grows to 7+ digits).
//   * States: draft 草稿 → submitted 已提交 → [formal_checked 形式审查通过] →
//     accepted 已受理 → in_review 审查中 → approved 准予许可 | rejected 不予许可
//     → (approved) certificate_issued 已出证; withdrawn 已撤回 from any state
//     before a decision; submitted → rejected is 不予受理 (formal check
//     failed). The formal check step is optional for a local 办件 and
//     mandatory for 异地代收代办 (R-7.5-1: never skipped). Anything else is
//     api::ErrorCode::conflict_state.
//   * Who may trigger a step (Actor): a local 办件: anyone (the kiosk relays
//     the local back end's 即办 decision). Cross-region: the kiosk only
//     submits and withdraws — the receiving kiosk never decides (R-7.5-1);
//     approved / rejected / certificate_issued are the handling (属地)
//     department's. 代收代办 in full: 形式审查 and 不予受理 by the receiving
//     department; the materials are forwarded (forward(), courier number,
//     transfer status 已流转); accepted, in_review and the decisions by the
//     handling department only; the result goes back by return_result().
//     A refused actor is conflict_state too (the error table has no 403 for
//     it) with a reason naming the rule.
//   * Documents: receipt() (受理回执, once submitted) and certificate()
//     (证照/证明, once issued) are JSON descriptions of what to print; the
//     ID number in them is masked (R-9.3-1, protocol::mask_id).
#pragma once

#include <kiosktwin/services/outcome.hpp>
#include <kiosktwin/api/errors.hpp>
#include <kiosktwin/services/catalogue.hpp>
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
#include <utility>
#include <vector>

namespace kiosktwin::services::applications {

/// State of a 办件.
enum class State : std::uint8_t {
    draft,               ///< "draft" 草稿
    submitted,           ///< "submitted" 已提交
    formal_checked,      ///< "formal_checked" 形式审查通过
    accepted,            ///< "accepted" 已受理
    in_review,           ///< "in_review" 审查中
    approved,            ///< "approved" 准予许可
    rejected,            ///< "rejected" 不予受理/不予许可 (final)
    certificate_issued,  ///< "certificate_issued" 已出证 (final)
    withdrawn,           ///< "withdrawn" 申请人撤回 (final)
};

/// Who triggers a step.
enum class Actor : std::uint8_t {
    kiosk,      ///< "kiosk" the terminal, for the applicant
    receiving,  ///< "receiving" 受理地 department (收件窗口)
    handling,   ///< "handling" 办理地 / 属地 department
};

/// 流转状态 of a cross-region 办件 (R-7.5-1).
enum class Transfer : std::uint8_t {
    none,             ///< "none" 未流转
    forwarded,        ///< "forwarded" 材料已寄递/推送至属地
    received,         ///< "received" 属地已接收 (受理)
    result_returned,  ///< "result_returned" 结果已寄回受理地/申请人
};

/// How a material was provided.
enum class MaterialKind : std::uint8_t {
    upload,     ///< "upload" Base64 content (高拍仪 scan, file)
    e_licence,  ///< "e_licence" 电子证照 reference, no content
};

std::string_view to_string(State s) noexcept;
std::string_view to_string(Actor a) noexcept;
std::string_view to_string(Transfer t) noexcept;
std::string_view to_string(MaterialKind k) noexcept;
std::string_view zh(State s) noexcept;
std::optional<State> parse_state(std::string_view id) noexcept;
std::optional<Actor> parse_actor(std::string_view id) noexcept;
std::optional<Transfer> parse_transfer(std::string_view id) noexcept;
std::optional<MaterialKind> parse_material_kind(std::string_view id) noexcept;

/// Whether the state is final (rejected, certificate_issued, withdrawn).
bool is_final(State s) noexcept;

struct Material {
    std::string name;  ///< "居民身份证"; unique within the 办件 (a re-upload replaces)
    MaterialKind kind = MaterialKind::upload;
    std::string content;     ///< Base64 as uploaded (upload only)
    std::size_t bytes = 0;   ///< decoded size (upload only)
    std::string licence_ref; ///< 电子证照 reference (e_licence only)
    sim::Time at{};
    friend bool operator==(const Material&, const Material&) = default;
};

struct CrossRegion {
    catalogue::CrossMode mode = catalogue::CrossMode::online;
    std::string receiving_region;  ///< 受理地, GB/T 2260
    std::string handling_region;   ///< 办理地, GB/T 2260
    Transfer transfer = Transfer::none;
    std::string courier_no;         ///< 寄递单号 of the materials (forward)
    std::string result_courier_no;  ///< 寄递单号 of the result (return_result)
    friend bool operator==(const CrossRegion&, const CrossRegion&) = default;
};

/// One step of the history.
struct Event {
    sim::Time at{};
    State from = State::draft;
    State to = State::draft;
    Actor actor = Actor::kiosk;
    std::string note;
    friend bool operator==(const Event&, const Event&) = default;
};

/// A 办件.
struct Application {
    std::string case_no;
    std::string terminal_id;
    std::string item_code;
    std::string item_name;  ///< optional in the request
    std::string applicant_name;
    std::string applicant_id;  ///< full GB 11643 number (masked in documents)
    std::string phone;
    std::optional<CrossRegion> cross;
    State state = State::draft;
    std::vector<Material> materials;
    std::string submit_key;  ///< the idempotency key submit() succeeded with
    std::string reason;      ///< of the last rejection or withdrawal
    std::vector<Event> history;  ///< every transition, creation first (draft → draft)
    sim::Time created_at{};
    sim::Time updated_at{};

    bool is_proxy() const noexcept { return cross && cross->mode == catalogue::CrossMode::proxy; }
    const Material* material(std::string_view name) const;
    friend bool operator==(const Application&, const Application&) = default;
};

/// ok, or the refusal (services/outcome.hpp).
using Outcome = services::Outcome;

/// The answer of create() and submit().
struct Result {
    Outcome outcome;
    std::string case_no;    ///< when ok
    bool replayed = false;  ///< an idempotent retry: nothing was changed
    bool ok() const noexcept { return outcome.ok(); }
};

/// A printable document (receipt, certificate), or why there is none.
struct Document {
    Outcome outcome;
    nlohmann::json body;  ///< null unless ok
    bool ok() const noexcept { return outcome.ok(); }
};

struct Config {
    std::size_t max_material_bytes = 5 * 1024 * 1024;  ///< decoded size of one upload
    std::size_t max_materials = 32;                     ///< per 办件
    sim::Calendar calendar;  ///< civil dates for case numbers, ID birth dates and JSON times
};

/// R-7.6-1 / R-6.2-1: the names of the materials a submit needs for an item and
/// the citizen's yes-answers: the required ones of catalogue::checklist.
std::vector<std::string> required_materials(const catalogue::Item& item, const std::set<std::string>& yes = {});

class Applications {
public:
    explicit Applications(Config config = {});

    /// Creates a draft 办件 from `request`:
    ///   {"item_code": "44030000GA-XK-0001", "item_name"?: "...",
    ///    "applicant": {"name": "张三", "id_number": "...", "phone"?: "..."},
    ///    "cross_region"?: {"mode": "online"|"proxy"|"joint",
    ///                      "receiving_region": "440300", "handling_region": "510100"}}
    /// `idempotency_key` (1..64 characters) and `terminal_id` (non-empty) are
    /// the caller's headers; an empty one is missing_field with the path
    /// "/idempotency_key" or "/terminal_id".
    Result create(const nlohmann::json& request, std::string_view idempotency_key, std::string_view terminal_id,
                  sim::Time now);

    /// Adds (or replaces, by name) a material of a draft:
    ///   {"name": "...", "content": "<Base64>"} or {"name": "...", "licence_ref": "..."}
    /// exactly one of content and licence_ref. Over max_material_bytes or
    /// max_materials: too_large.
    Outcome upload_material(std::string_view case_no, const nlohmann::json& material, sim::Time now);

    /// draft → submitted, if every name of `required` has a material (else
    /// missing_field, path "/materials/<name>"). Same key again: replay.
    Result submit(std::string_view case_no, std::string_view idempotency_key, sim::Time now,
                  const std::vector<std::string>& required = {});

    /// A department-side (or kiosk-relayed) step to `to` by `actor`; see the
    /// header comment for the graph and who may do what. `note` is kept in the
    /// history (and as the reason of a rejection or withdrawal).
    Outcome advance(std::string_view case_no, State to, Actor actor, sim::Time now, std::string_view note = {});
    /// The applicant withdraws (by the kiosk): advance(to withdrawn, kiosk).
    Outcome withdraw(std::string_view case_no, sim::Time now, std::string_view reason = {});

    /// 资料流转 of a cross-region 办件 after its formal check: the receiving
    /// department sends the materials (transfer none → forwarded) with a
    /// courier number (1..40 characters, or "online" for a push).
    Outcome forward(std::string_view case_no, std::string_view courier_no, Actor actor, sim::Time now);
    /// 异地送达: the handling department sends the result back (a final
    /// decision is needed; transfer → result_returned).
    Outcome return_result(std::string_view case_no, std::string_view courier_no, Actor actor, sim::Time now);

    /// Whether `actor` may move `a` to `to` (graph and actor rules); ok or conflict_state.
    static Outcome check(const Application& a, State to, Actor actor);
    /// The state graph alone.
    static bool legal(State from, State to) noexcept;

    // --- reads ---
    const Application* find(std::string_view case_no) const;
    /// The case number a successful create() answered for (terminal, key), if any.
    std::optional<std::string> replay_of(std::string_view terminal_id, std::string_view idempotency_key) const;
    std::size_t size() const noexcept { return m_apps.size(); }
    /// Every 办件, by case number (oracles and reports read the whole store).
    const std::map<std::string, Application, std::less<>>& all() const noexcept { return m_apps; }
    /// {"case_no", "state", "state_zh", "item_code", "created_at", "updated_at",
    ///  "materials": [names], "cross_region"?: {...}, "history": [...]}; the
    /// ID number masked. nullopt for an unknown case.
    std::optional<nlohmann::json> status(std::string_view case_no) const;
    /// 受理回执 (R-7.5-1, R-9.3-1): once submitted and not withdrawn.
    Document receipt(std::string_view case_no) const;
    /// 证照/证明: once certificate_issued. Certificate number "ZM-" + case number.
    Document certificate(std::string_view case_no) const;
    /// 办件 not in a final state (what catalogue withdrawal counts as in flight).
    std::size_t in_flight(std::string_view item_code = {}) const;

    // --- persistence ---
    /// {"version": 1, "next_serial", "applications": [...], "idempotency": [...]}
    /// with full ID numbers (the server encrypts at rest, R-9.3-1).
    nlohmann::json to_json() const;
    /// The inverse; throws std::invalid_argument naming the JSON pointer of a bad member.
    static Applications from_json(const nlohmann::json& j, Config config = {});

    const Config& config() const noexcept { return m_config; }

private:
    struct Key {
        nlohmann::json body;
        std::string case_no;
        friend bool operator==(const Key&, const Key&) = default;
    };
    Application* find_mut(std::string_view case_no);
    void move(Application& a, State to, Actor actor, sim::Time now, std::string_view note);

    Config m_config;
    std::map<std::string, Application, std::less<>> m_apps;
    /// (terminal id, key) → the first body and its case number.
    std::map<std::pair<std::string, std::string>, Key> m_keys;
    std::uint64_t m_next_serial = 1;
};

}  // namespace kiosktwin::services::applications
