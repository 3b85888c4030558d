// The evaluation back end (好差评, R-8.4-1 evaluation group; R-11.1-1,
// R-11.3-1..5) as a pure in-memory model over virtual time. No wall clock;
// the store serialises to JSON (to_json / from_json).
//
//   * submit() checks the body with api::Checker (JSON pointer paths): case
//     number, handling sequence (办理次数, 1..999), item code, terminal id,
//     channel (codes::channel; the same rules on every channel, R-11.1-1),
//     level (codes::rating) with reasons (codes::bad_review_reason, required
//     for 差评 levels 1-2, R-11.3-1), the four on-site indicators (R-11.3-3,
//     optional, 1..5), a comment of at most max_comment_chars, the rater's ID
//     number (optional; absent or "anonymous": true = anonymous), the handling
//     time and the content version. Evaluation is voluntary: nothing here
//     requires one (R-11.1-1).
//   * 一次一评 (R-11.3-2): one evaluation per (case number, handling
//     sequence); a second is api::ErrorCode::duplicate_evaluation unless
//     Config::allow_follow_up, which admits exactly one 追评 ("follow_up").
//   * Records (R-11.3-4) carry evaluation id, case number, item code and name,
//     department, region, terminal id, channel, level, indicator scores,
//     reasons, the filtered comment (digit runs of 11+ masked), the rater
//     masked (protocol::mask_id), anonymity flag, evaluation and handling
//     time, content version.
//   * 差评 handling (R-11.3-5): every 差评 opens a rectification at stage
//     verify; advance() walks verify 核实 → rectify 整改 → feed_back 反馈 →
//     review 复核 → closed (监督办结), within `rectify_working_days` working
//     days (Mon-Fri on the calendar) of the evaluation. A named 差评 needs a
//     return visit (回访, 100 %) before it may close.
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
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kiosktwin::services::evaluations {

/// The step a rectification is waiting for (R-11.3-5).
enum class Stage : std::uint8_t {
    verify,     ///< "verify" 核实
    rectify,    ///< "rectify" 整改
    feed_back,  ///< "feed_back" 反馈
    review,     ///< "review" 复核
    closed,     ///< "closed" 办结 (监督)
};
std::string_view to_string(Stage s) noexcept;
std::string_view zh(Stage s) noexcept;
std::optional<Stage> parse_stage(std::string_view id) noexcept;

struct Indicators {  ///< R-11.3-3 on-site indicators, 0 = not given
    int overall = 0, efficiency = 0, service_level = 0, attitude = 0;
    friend bool operator==(const Indicators&, const Indicators&) = default;
};

struct StepRecord {
    Stage done = Stage::verify;  ///< the step completed
    sim::Time at{};
    std::string note;
    friend bool operator==(const StepRecord&, const StepRecord&) = default;
};

struct Rectification {
    Stage stage = Stage::verify;
    sim::Time deadline{};
    bool return_visit_required = false;  ///< named 差评
    std::optional<sim::Time> return_visit_at;
    std::string return_visit_note;
    std::vector<StepRecord> steps;
    bool overdue(sim::Time now) const noexcept { return stage != Stage::closed && now > deadline; }
    friend bool operator==(const Rectification&, const Rectification&) = default;
};

/// An evaluation record (R-11.3-4).
struct Evaluation {
    std::string id;  ///< "PJ-00000001"
    std::string case_no;
    int handling_seq = 1;
    bool follow_up = false;  ///< a 追评
    std::string item_code, item_name, department, region;
    std::string terminal_id;
    std::string channel;
    int level = 0;
    std::vector<std::string> reasons;
    Indicators indicators;
    std::string comment;       ///< filtered
    std::string rater_masked;  ///< empty when anonymous
    bool anonymous = true;
    sim::Time evaluated_at{};
    sim::Time handled_at{};
    std::string content_version;
    std::optional<Rectification> rectification;  ///< 差评 only
    bool is_bad() const noexcept { return level == 1 || level == 2; }
    friend bool operator==(const Evaluation&, const Evaluation&) = default;
};

/// ok, or the refusal (services/outcome.hpp).
using Outcome = services::Outcome;

struct Result {
    Outcome outcome;
    std::string id;  ///< evaluation id when ok
    bool ok() const noexcept { return outcome.ok(); }
};

struct Config {
    std::size_t max_comment_chars = 500;
    bool allow_follow_up = false;  ///< profile: one 追评 per (case, handling)
    int rectify_working_days = 15;  ///< profile deadline (15 or 5 seen locally)
    sim::Calendar calendar;
};

/// `t` plus `days` working days (Monday..Friday on `cal`).
sim::Time add_working_days(const sim::Calendar& cal, sim::Time t, int days);
/// Digit runs of 11 or more (phone, ID numbers) masked with protocol::mask_id.
std::string filter_comment(std::string_view text);

class Evaluations {
public:
    explicit Evaluations(Config config = {});

    /// {"case_no", "handling_seq"?: 1, "item_code", "item_name"?, "department"?,
    ///  "region"?, "terminal_id", "channel": "kiosk", "level": 1..5,
    ///  "reasons"?: [...], "indicators"?: {"overall", "efficiency",
    ///  "service_level", "attitude"}, "comment"?, "rater"?: {"id_number"},
    ///  "anonymous"?: bool, "handled_at": GB/T 7408, "content_version"?}
    Result submit(const nlohmann::json& request, sim::Time now);

    /// Completes the current rectification step; `stage` must be that step
    /// (else conflict_state); closing a named 差评 needs return_visit() first.
    Outcome advance(std::string_view id, Stage stage, sim::Time now, std::string_view note = {});
    /// 回访 of a 差评 (once).
    Outcome return_visit(std::string_view id, sim::Time now, std::string_view note = {});

    const Evaluation* find(std::string_view id) const;
    /// The evaluations of a case, in submission order.
    std::vector<const Evaluation*> for_case(std::string_view case_no) const;
    std::vector<std::string> overdue(sim::Time now) const;
    std::size_t size() const noexcept { return m_evals.size(); }

    /// {"total", "by_level": {"1".."5"}, "bad", "bad_rate", "average_level",
    ///  "by_reason": {...}, "rectification": {"open", "closed", "overdue"}}
    nlohmann::json summary(sim::Time now) const;
    /// One record as the interface emits it (R-11.3-4).
    nlohmann::json record_json(const Evaluation& e) const;

    nlohmann::json to_json() const;
    static Evaluations from_json(const nlohmann::json& j, Config config = {});
    const Config& config() const noexcept { return m_config; }

private:
    Evaluation* find_mut(std::string_view id);
    Config m_config;
    std::map<std::string, Evaluation, std::less<>> m_evals;
    std::uint64_t m_next_serial = 1;
};

}  // namespace kiosktwin::services::evaluations
