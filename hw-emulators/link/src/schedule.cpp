#include <kiosktwin/link/schedule.hpp>

#include <kiosktwin/sim/calendar.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <stdexcept>
#include <string_view>
#include <variant>
#include <vector>

namespace kiosktwin::link {

using nlohmann::json;
using sim::Duration;
using sim::Time;

namespace {

constexpr std::int64_t k_us_per_s = 1'000'000;
constexpr std::int64_t k_day_us = 86'400 * k_us_per_s;
constexpr std::int64_t k_week_us = 7 * k_day_us;
// The longest value any one field may hold. 1e9 s (about 31.7 years) is
// below 2^53 µs, so seconds given as JSON doubles convert exactly.
constexpr double k_max_seconds = 1e9;

constexpr unsigned k_every_day = 0x7f;  // bit 0 = Monday .. bit 6 = Sunday
constexpr unsigned k_weekdays = 0x1f;
constexpr unsigned k_weekend = 0x60;
constexpr std::array<std::string_view, 7> k_day_names{"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
constexpr std::array<std::string_view, 7> k_day_full_names{"monday", "tuesday",  "wednesday", "thursday",
                                                           "friday", "saturday", "sunday"};

// --- the items as written ------------------------------------------------------

/// "every <days> from-to": one window a day on each day in `days`, in local
/// time; `to` <= `from` wraps past midnight, `to` may be 24:00.
struct Daily {
    unsigned days = k_every_day;
    Duration from{};
    Duration to{};
    friend bool operator==(const Daily&, const Daily&) = default;
};

/// "every <period> for <length> after <after>": [anchor + after + k period, + length).
struct Every {
    Duration period{};
    Duration length{};
    Duration after{};
    friend bool operator==(const Every&, const Every&) = default;
};

/// {"at_s", "duration_s"}: [anchor + at, + length).
struct Once {
    Duration at{};
    Duration length{};
    friend bool operator==(const Once&, const Once&) = default;
};

using Item = std::variant<Daily, Every, Once>;

// --- saturating time arithmetic -----------------------------------------------

Time plus(Time t, Duration d) noexcept {
    std::int64_t r = 0;
    if (__builtin_add_overflow(t.time_since_epoch().count(), d.count(), &r))
        return d.count() > 0 ? sim::end_of_time : Time::min();
    return Time{Duration{r}};
}

Time minus(Time t, Duration d) noexcept {
    std::int64_t r = 0;
    if (__builtin_sub_overflow(t.time_since_epoch().count(), d.count(), &r))
        return d.count() > 0 ? Time::min() : sim::end_of_time;
    return Time{Duration{r}};
}

/// to - from for to >= from, exact even where the signed difference overflows.
std::uint64_t distance(Time from, Time to) noexcept {
    return static_cast<std::uint64_t>(to.time_since_epoch().count()) -
           static_cast<std::uint64_t>(from.time_since_epoch().count());
}

std::int64_t floor_mod(std::int64_t a, std::int64_t m) noexcept {
    const std::int64_t r = a % m;
    return r < 0 ? r + m : r;
}

std::optional<std::int64_t> checked_lcm(std::int64_t a, std::int64_t b) noexcept {
    std::int64_t r = 0;
    if (__builtin_mul_overflow(a / std::gcd(a, b), b, &r)) return std::nullopt;
    return r;
}

// --- the components an active() query looks at --------------------------------

/// A maximal active stretch of one component: [start, end).
struct Run {
    Time start;
    Time end;
};

/// All daily items, merged into disjoint spans of the local week.
class WeeklyPattern {
public:
    WeeklyPattern() = default;
    WeeklyPattern(const std::vector<Daily>& items, std::int64_t epoch_into_week_us) : m_into(epoch_into_week_us) {
        std::vector<Span> raw;
        for (const Daily& d : items)
            for (std::int64_t day = 0; day < 7; ++day) {
                if ((d.days & (1u << day)) == 0) continue;
                const std::int64_t s = day * k_day_us + d.from.count();
                const std::int64_t e = day * k_day_us + d.to.count() + (d.to <= d.from ? k_day_us : 0);
                if (e <= k_week_us) {
                    raw.push_back({s, e});
                } else {  // Sunday night into Monday morning
                    raw.push_back({s, k_week_us});
                    raw.push_back({0, e - k_week_us});
                }
            }
        std::sort(raw.begin(), raw.end(), [](const Span& a, const Span& b) { return a.start < b.start; });
        for (const Span& s : raw) {
            if (!m_spans.empty() && s.start <= m_spans.back().end)
                m_spans.back().end = std::max(m_spans.back().end, s.end);
            else
                m_spans.push_back(s);
        }
        if (m_spans.size() == 1 && m_spans[0].start == 0 && m_spans[0].end == k_week_us) {
            m_full = true;
        } else if (m_spans.size() > 1 && m_spans.front().start == 0 && m_spans.back().end == k_week_us) {
            // One stretch across the week boundary: keep it once, ending past the week.
            m_spans.back().end = k_week_us + m_spans.front().end;
            m_spans.erase(m_spans.begin());
        }
    }

    bool empty() const noexcept { return m_spans.empty(); }
    bool full() const noexcept { return m_full; }

    std::optional<Run> run_at(Time t) const noexcept {
        const std::int64_t ph = phase(t);
        for (const Span& s : m_spans) {
            if (s.start <= ph && ph < s.end) return Run{minus(t, Duration{ph - s.start}), plus(t, Duration{s.end - ph})};
            if (s.end > k_week_us && ph < s.end - k_week_us)  // the part past the week boundary
                return Run{minus(t, Duration{ph + k_week_us - s.start}), plus(t, Duration{s.end - k_week_us - ph})};
        }
        return std::nullopt;
    }

    /// The first span start strictly after t (end_of_time if none).
    Time next_start_after(Time t) const noexcept {
        if (m_spans.empty()) return sim::end_of_time;
        const std::int64_t ph = phase(t);
        for (const Span& s : m_spans)
            if (s.start > ph) return plus(t, Duration{s.start - ph});
        return plus(t, Duration{k_week_us - ph + m_spans.front().start});
    }

private:
    struct Span {
        std::int64_t start;  // µs into the local week, [0, week)
        std::int64_t end;    // > start; past the week when the span wraps into Monday
    };

    std::int64_t phase(Time t) const noexcept {
        return floor_mod(floor_mod(t.time_since_epoch().count(), k_week_us) + m_into, k_week_us);
    }

    std::vector<Span> m_spans;  // sorted, disjoint and not touching (also across the week boundary)
    std::int64_t m_into = 0;
    bool m_full = false;
};

/// One periodic item: [first + k period, + length) for k >= 0, 0 < length < period.
struct Repeating {
    Time first;
    Duration period;
    Duration length;

    std::optional<Run> run_at(Time t) const noexcept {
        if (t < first) return std::nullopt;
        const auto off = static_cast<std::int64_t>(distance(first, t) % static_cast<std::uint64_t>(period.count()));
        if (off >= length.count()) return std::nullopt;
        const Time start = minus(t, Duration{off});
        return Run{start, plus(start, length)};
    }

    Time next_start_after(Time t) const noexcept {
        if (t < first) return first;
        const auto off = static_cast<std::int64_t>(distance(first, t) % static_cast<std::uint64_t>(period.count()));
        return plus(minus(t, Duration{off}), period);
    }
};

// --- reading -----------------------------------------------------------------

[[noreturn]] void fail(const std::string& where, const std::string& what) {
    throw std::invalid_argument(where + ": " + what);
}

std::string in_quotes(std::string_view s) { return "\"" + std::string(s) + "\""; }

bool is_space(char c) noexcept { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }
char lower(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lowered(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lower(c);
    return out;
}

std::string_view trim(std::string_view s) noexcept {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> split_words(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && is_space(s[i])) ++i;
        const std::size_t begin = i;
        while (i < s.size() && !is_space(s[i])) ++i;
        if (i > begin) out.push_back(s.substr(begin, i - begin));
    }
    return out;
}

/// "HH:MM" or "HH:MM:SS" (hour of one or two digits); "24:00" is allowed here
/// and refused by the caller where it cannot be.
Duration parse_time_of_day(std::string_view s, const std::string& where) {
    const auto bad = [&] { fail(where, in_quotes(s) + " is not a time of day (HH:MM or HH:MM:SS)"); };
    std::size_t i = 0;
    const auto number = [&](std::size_t min_digits, std::size_t max_digits) {
        int v = 0;
        std::size_t n = 0;
        while (i < s.size() && is_digit(s[i]) && n < max_digits) {
            v = v * 10 + (s[i] - '0');
            ++i;
            ++n;
        }
        if (n < min_digits) bad();
        return v;
    };
    const int h = number(1, 2);
    if (i >= s.size() || s[i] != ':') bad();
    ++i;
    const int m = number(2, 2);
    int sec = 0;
    if (i < s.size() && s[i] == ':') {
        ++i;
        sec = number(2, 2);
    }
    if (i != s.size() || h > 24 || m > 59 || sec > 59 || (h == 24 && (m != 0 || sec != 0))) bad();
    return Duration{((h * 60 + m) * 60 + sec) * k_us_per_s};
}

std::pair<Duration, Duration> parse_time_range(std::string_view text, const std::string& where) {
    std::string s(text);
    for (std::size_t p; (p = s.find("\xE2\x80\x93")) != std::string::npos;) s.replace(p, 3, "-");  // en dash
    const std::size_t dash = s.find('-');
    if (dash == std::string::npos || s.find('-', dash + 1) != std::string::npos)
        fail(where, in_quotes(text) + " is not a time range (HH:MM-HH:MM)");
    const Duration from = parse_time_of_day(trim(std::string_view(s).substr(0, dash)), where);
    const Duration to = parse_time_of_day(trim(std::string_view(s).substr(dash + 1)), where);
    if (from == Duration{k_day_us}) fail(where, "\"24:00\" can only end a window, not start one");
    if (from == to) fail(where, in_quotes(text) + " is an empty window (for the whole day write 00:00-24:00)");
    return {from, to};
}

/// One day's index (0 = Monday), or -1.
int day_index(std::string_view name) {
    const std::string n = lowered(name);
    for (std::size_t d = 0; d < 7; ++d)
        if (n == k_day_names[d] || n == k_day_full_names[d]) return static_cast<int>(d);
    return -1;
}

[[noreturn]] void bad_day(std::string_view name, const std::string& where) {
    fail(where, in_quotes(name) + " is not a day (mon, tue, wed, thu, fri, sat, sun, weekday, weekend or day)");
}

unsigned day_group(std::string_view name, const std::string& where) {
    const std::string n = lowered(name);
    if (n == "day" || n == "days") return k_every_day;
    if (n == "weekday" || n == "weekdays") return k_weekdays;
    if (n == "weekend" || n == "weekends") return k_weekend;
    const int d = day_index(name);
    if (d < 0) bad_day(name, where);
    return 1u << d;
}

/// "day", "weekday", "weekend", "mon", "mon,wed,fri" (or "mon wed fri"),
/// "mon-fri" (ranges may wrap: "fri-mon").
unsigned parse_days(std::string_view text, const std::string& where) {
    unsigned mask = 0;
    std::size_t begin = 0;
    while (true) {
        const std::size_t comma = text.find(',', begin);
        const std::string_view part = trim(text.substr(begin, comma == std::string_view::npos ? comma : comma - begin));
        if (part.empty()) fail(where, "empty day name in " + in_quotes(trim(text)));
        if (const std::size_t dash = part.find('-'); dash != std::string_view::npos) {
            const std::string_view a = trim(part.substr(0, dash));
            const std::string_view b = trim(part.substr(dash + 1));
            const int da = day_index(a);
            const int db = day_index(b);
            if (da < 0) bad_day(a, where);
            if (db < 0) bad_day(b, where);
            for (int d = da;; d = (d + 1) % 7) {
                mask |= 1u << d;
                if (d == db) break;
            }
        } else {
            for (const std::string_view name : split_words(part)) mask |= day_group(name, where);
        }
        if (comma == std::string_view::npos) break;
        begin = comma + 1;
    }
    return mask;
}

/// Whole numbers with units, largest first or not: "30s", "10m", "1h30m", "2d".
Duration parse_duration(std::string_view s, const std::string& where) {
    const auto bad = [&] {
        fail(where, in_quotes(s) + " is not a duration (whole numbers with a unit s, m, h or d, e.g. 30s, 10m, 1h30m)");
    };
    if (s.empty()) bad();
    std::int64_t total_s = 0;
    std::size_t i = 0;
    while (i < s.size()) {
        std::int64_t n = 0;
        const std::size_t begin = i;
        while (i < s.size() && is_digit(s[i])) {
            if (n > static_cast<std::int64_t>(k_max_seconds)) break;  // too long; stops overflow
            n = n * 10 + (s[i] - '0');
            ++i;
        }
        if (i < s.size() && is_digit(s[i])) fail(where, in_quotes(s) + " is too long (at most 1e9 s, about 31 years)");
        if (i == begin || i == s.size()) bad();
        std::int64_t unit = 0;
        switch (s[i]) {
        case 's': unit = 1; break;
        case 'm': unit = 60; break;
        case 'h': unit = 3600; break;
        case 'd': unit = 86400; break;
        default: bad();
        }
        ++i;
        total_s += n * unit;  // n <= ~1e10 and unit <= 86400: no overflow
        if (total_s > static_cast<std::int64_t>(k_max_seconds))
            fail(where, in_quotes(s) + " is too long (at most 1e9 s, about 31 years)");
    }
    return Duration{total_s * k_us_per_s};
}

Every checked_every(Every e, const std::string& where, const std::string& period_text, const std::string& length_text) {
    if (e.period <= Duration::zero()) fail(where, period_text + ": the period must be longer than zero");
    if (e.length >= e.period)
        fail(where, length_text + " is not shorter than " + period_text +
                        ": such a window never ends (give no schedule for a fault that is always active)");
    return e;
}

Item parse_text(std::string_view text, const std::string& where) {
    const std::string_view s = trim(text);
    if (s.empty())
        fail(where, "an empty string is not a schedule (e.g. \"every day 09:00-09:05\" or \"every 10m for 30s\")");
    const std::vector<std::string_view> w = split_words(s);
    if (lowered(w[0]) != "every")
        fail(where, in_quotes(s) + " does not start with \"every\" (e.g. \"every day 09:00-09:05\" or \"every 10m for 30s\")");
    if (w.size() < 2) fail(where, in_quotes(s) + " says every what? (e.g. \"every day 09:00-09:05\" or \"every 10m for 30s\")");

    if (is_digit(w[1][0])) {  // every <period> for <length> [after <delay>]
        const bool shape = (w.size() == 4 || w.size() == 6) && lowered(w[2]) == "for" &&
                           (w.size() == 4 || lowered(w[4]) == "after");
        if (!shape)
            fail(where, in_quotes(s) + " is not \"every <period> for <duration>\" with an optional \"after <delay>\", "
                                    "e.g. \"every 10m for 30s after 2m\"");
        Every e;
        e.period = parse_duration(w[1], where);
        e.length = parse_duration(w[3], where);
        if (w.size() == 6) e.after = parse_duration(w[5], where);
        return checked_every(e, where, "\"every " + std::string(w[1]) + "\"", "\"for " + std::string(w[3]) + "\"");
    }

    // every <days> <from>-<to>: the days run up to the first word that starts with a digit.
    std::size_t i = 1;
    while (i < w.size() && !is_digit(w[i][0])) ++i;
    if (i == w.size()) fail(where, in_quotes(s) + " has no time range (e.g. \"every day 09:00-09:05\")");
    std::string days;
    std::string range;
    for (std::size_t k = 1; k < i; ++k) days.append(w[k]).append(" ");
    for (std::size_t k = i; k < w.size(); ++k) range += w[k];
    Daily d;
    d.days = parse_days(days, where);
    std::tie(d.from, d.to) = parse_time_range(range, where);
    return d;
}

/// A field in seconds: a finite JSON number in [0, 1e9].
Duration seconds_field(const json& obj, const char* key, const std::string& where) {
    const std::string at = where + "." + key;
    const json& v = obj.at(key);
    if (!v.is_number()) fail(at, "expected a number of seconds, got " + v.dump());
    const double x = v.get<double>();
    if (!std::isfinite(x)) fail(at, "expected a finite number of seconds");
    if (x < 0) fail(at, "must not be negative (got " + v.dump() + ")");
    if (x > k_max_seconds) fail(at, "is too long (got " + v.dump() + "; at most 1e9 s, about 31 years)");
    return Duration{std::llround(x * 1e6)};
}

Item parse_object(const json& o, const std::string& where) {
    static constexpr std::array<const char*, 3> kinds{"at_s", "daily", "every_s"};
    std::vector<std::string> present;
    for (const char* k : kinds)
        if (o.contains(k)) present.emplace_back(k);
    if (present.empty())
        fail(where, "an object needs \"at_s\" (one window), \"daily\" or \"every_s\" (periodic), got " + o.dump());
    if (present.size() > 1)
        fail(where, in_quotes(present[0]) + " and " + in_quotes(present[1]) + " do not go together; give two items");
    const std::string& kind = present[0];

    const std::vector<std::string> allowed = kind == "at_s"    ? std::vector<std::string>{"at_s", "duration_s"}
                                             : kind == "daily" ? std::vector<std::string>{"daily", "days"}
                                                               : std::vector<std::string>{"every_s", "duration_s", "after_s"};
    for (const auto& [key, value] : o.items()) {
        if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
        std::string list;
        for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + in_quotes(a);
        fail(where, "unknown key " + in_quotes(key) + " (a \"" + kind + "\" item takes " + list + ")");
    }

    if (kind == "daily") {
        const json& r = o.at("daily");
        if (!r.is_string()) fail(where + ".daily", "expected a time range such as \"09:00-09:05\", got " + r.dump());
        Daily d;
        std::tie(d.from, d.to) = parse_time_range(r.get_ref<const std::string&>(), where + ".daily");
        if (o.contains("days")) {
            const json& days = o.at("days");
            if (days.is_string()) {
                d.days = parse_days(days.get_ref<const std::string&>(), where + ".days");
            } else if (days.is_array() && !days.empty()) {
                d.days = 0;
                for (std::size_t i = 0; i < days.size(); ++i) {
                    const std::string at = where + ".days[" + std::to_string(i) + "]";
                    if (!days[i].is_string()) fail(at, "expected a day name such as \"mon\", got " + days[i].dump());
                    d.days |= parse_days(days[i].get_ref<const std::string&>(), at);
                }
            } else {
                fail(where + ".days", "expected a non-empty list of day names such as [\"mon\", \"fri\"], got " + days.dump());
            }
        }
        return d;
    }

    if (!o.contains("duration_s")) fail(where, "a \"" + kind + "\" item needs \"duration_s\"");
    if (kind == "at_s") return Once{seconds_field(o, "at_s", where), seconds_field(o, "duration_s", where)};
    Every e;
    e.period = seconds_field(o, "every_s", where);
    e.length = seconds_field(o, "duration_s", where);
    if (o.contains("after_s")) e.after = seconds_field(o, "after_s", where);
    return checked_every(e, where, "\"every_s\" " + o.at("every_s").dump(), "\"duration_s\" " + o.at("duration_s").dump());
}

// --- writing -------------------------------------------------------------------

bool whole_seconds(Duration d) noexcept { return d.count() % k_us_per_s == 0; }

/// Whole seconds as "1d2h30m", "45s", "0s".
std::string compact_duration(Duration d) {
    std::int64_t s = d.count() / k_us_per_s;
    if (s == 0) return "0s";
    std::string out;
    for (const auto& [unit, name] : {std::pair<std::int64_t, char>{86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}}) {
        if (s >= unit) {
            out += std::to_string(s / unit) + name;
            s %= unit;
        }
    }
    return out;
}

/// Like compact_duration, or fractional seconds ("1.5s") when not whole.
std::string display_duration(Duration d) {
    if (whole_seconds(d)) return compact_duration(d);
    char buf[48];
    std::snprintf(buf, sizeof buf, "%.6f", static_cast<double>(d.count()) / 1e6);
    std::string s(buf);
    while (s.back() == '0') s.pop_back();
    return s + "s";
}

json seconds_json(Duration d) {
    if (whole_seconds(d)) return d.count() / k_us_per_s;
    return static_cast<double>(d.count()) / 1e6;
}

std::string days_text(unsigned mask) {
    if (mask == k_every_day) return "day";
    if (mask == k_weekdays) return "weekday";
    if (mask == k_weekend) return "weekend";
    std::string out;
    for (std::size_t d = 0; d < 7; ++d)
        if (mask & (1u << d)) {
            if (!out.empty()) out += ',';
            out += k_day_names[d];
        }
    return out;
}

std::string time_of_day_text(Duration d, bool with_seconds) {
    const std::int64_t s = d.count() / k_us_per_s;
    char buf[16];
    if (with_seconds)
        std::snprintf(buf, sizeof buf, "%02d:%02d:%02d", static_cast<int>(s / 3600), static_cast<int>(s / 60 % 60),
                      static_cast<int>(s % 60));
    else
        std::snprintf(buf, sizeof buf, "%02d:%02d", static_cast<int>(s / 3600), static_cast<int>(s / 60 % 60));
    return buf;
}

std::string daily_text(const Daily& d) {
    const bool secs = d.from.count() % (60 * k_us_per_s) != 0 || d.to.count() % (60 * k_us_per_s) != 0;
    return "every " + days_text(d.days) + " " + time_of_day_text(d.from, secs) + "-" + time_of_day_text(d.to, secs);
}

std::string every_text(const Every& e) {
    std::string s = "every " + display_duration(e.period) + " for " + display_duration(e.length);
    if (e.after != Duration::zero()) s += " after " + display_duration(e.after);
    return s;
}

json item_json(const Item& item) {
    if (const auto* d = std::get_if<Daily>(&item)) return daily_text(*d);
    if (const auto* e = std::get_if<Every>(&item)) {
        if (whole_seconds(e->period) && whole_seconds(e->length) && whole_seconds(e->after)) return every_text(*e);
        json j{{"every_s", seconds_json(e->period)}, {"duration_s", seconds_json(e->length)}};
        if (e->after != Duration::zero()) j["after_s"] = seconds_json(e->after);
        return j;
    }
    const Once& o = std::get<Once>(item);
    return json{{"at_s", seconds_json(o.at)}, {"duration_s", seconds_json(o.length)}};
}

std::string item_text(const Item& item) {
    if (const auto* d = std::get_if<Daily>(&item)) return daily_text(*d);
    if (const auto* e = std::get_if<Every>(&item)) return every_text(*e);
    const Once& o = std::get<Once>(item);
    return "once at +" + display_duration(o.at) + " for " + display_duration(o.length);
}

}  // namespace

// --- CivilWeek -----------------------------------------------------------------

CivilWeek CivilWeek::of(const sim::Calendar& calendar) {
    const sim::CivilTime c = calendar.civil(sim::epoch_time);
    const std::int64_t s = (static_cast<std::int64_t>(c.iso_weekday) - 1) * 86400 + c.hour * 3600 + c.minute * 60 + c.second;
    return CivilWeek{Duration{s * k_us_per_s + c.microsecond}};
}

// --- Schedule ------------------------------------------------------------------

struct Schedule::Impl {
    std::vector<Item> items;
    Time anchor{};
    CivilWeek week{};

    // What active() looks at, derived from the items.
    WeeklyPattern weekly;
    std::vector<Repeating> repeating;
    std::vector<Run> once;  // sorted, disjoint, not touching
    // From `settled` on, the union repeats with `common_period` (the lcm of
    // the week and the periods), if that fits in 64 bits: a run that covers
    // one whole common period from there on never ends.
    std::optional<Duration> common_period;
    Time settled = Time::min();

    Impl(std::vector<Item> its, Time anc, CivilWeek wk) : items(std::move(its)), anchor(anc), week(wk) {
        std::vector<Daily> daily;
        for (const Item& item : items) {
            if (const auto* d = std::get_if<Daily>(&item)) {
                daily.push_back(*d);
            } else if (const auto* e = std::get_if<Every>(&item)) {
                if (e->length > Duration::zero()) repeating.push_back({plus(anchor, e->after), e->period, e->length});
            } else {
                const Once& o = std::get<Once>(item);
                const Time start = plus(anchor, o.at);
                const Time end = plus(start, o.length);
                if (start < end) once.push_back({start, end});
            }
        }
        weekly = WeeklyPattern(daily, week.epoch_into_week.count());

        std::sort(once.begin(), once.end(), [](const Run& a, const Run& b) { return a.start < b.start; });
        std::vector<Run> merged;
        for (const Run& r : once) {
            if (!merged.empty() && r.start <= merged.back().end)
                merged.back().end = std::max(merged.back().end, r.end);
            else
                merged.push_back(r);
        }
        once = std::move(merged);

        std::optional<std::int64_t> lcm;  // nullopt: no repeating component yet
        bool fits = true;
        if (!weekly.empty()) lcm = k_week_us;
        for (const Repeating& r : repeating) {
            settled = std::max(settled, r.first);
            if (!fits) continue;
            lcm = lcm ? checked_lcm(*lcm, r.period.count()) : r.period.count();
            fits = lcm.has_value();
        }
        if (!once.empty()) settled = std::max(settled, once.back().end);
        if (fits && lcm) common_period = Duration{*lcm};
    }

    bool always() const noexcept { return weekly.full(); }

    /// The earliest start and latest end among the component runs covering t.
    std::optional<Run> cover(Time t) const noexcept {
        std::optional<Run> c;
        const auto add = [&](const std::optional<Run>& r) {
            if (!r) return;
            if (!c) c = r;
            else c = Run{std::min(c->start, r->start), std::max(c->end, r->end)};
        };
        add(weekly.run_at(t));
        for (const Repeating& r : repeating) add(r.run_at(t));
        const auto it = std::upper_bound(once.begin(), once.end(), t, [](Time x, const Run& r) { return x < r.start; });
        if (it != once.begin() && t < std::prev(it)->end) add(*std::prev(it));
        return c;
    }

    Time next_start_after(Time t) const noexcept {
        Time next = weekly.next_start_after(t);
        for (const Repeating& r : repeating) next = std::min(next, r.next_start_after(t));
        const auto it = std::upper_bound(once.begin(), once.end(), t, [](Time x, const Run& r) { return x < r.start; });
        if (it != once.end()) next = std::min(next, it->start);
        return next;
    }

    /// The end of the merged window containing t (t must be active).
    Time run_end(Time t) const noexcept {
        Time cur = t;
        for (int step = 0; step < Schedule::k_max_chain; ++step) {
            const auto c = cover(cur);
            if (!c) return cur;
            cur = c->end;
            if (cur == sim::end_of_time) return cur;
            if (common_period && cur >= settled &&
                distance(std::max(t, settled), cur) >= static_cast<std::uint64_t>(common_period->count()))
                return sim::end_of_time;
        }
        return cur;
    }

    /// The start of the merged window containing t (t must be active).
    Time run_start(Time t) const noexcept {
        Time cur = t;
        Time start = t;
        for (int step = 0; step < Schedule::k_max_chain; ++step) {
            const auto c = cover(cur);
            if (!c) return start;
            start = c->start;
            if (start == Time::min()) return start;
            cur = minus(start, Duration{1});
        }
        return start;
    }
};

Schedule::Schedule(std::shared_ptr<const Impl> impl) noexcept : m_impl(std::move(impl)) {}

Schedule Schedule::from_json(const json& j, Time anchor, CivilWeek week) {
    if (j.is_null()) return Schedule{};
    std::vector<Item> items;
    const auto one = [&](const json& e, const std::string& where) {
        if (e.is_string())
            items.push_back(parse_text(e.get_ref<const std::string&>(), where));
        else if (e.is_object())
            items.push_back(parse_object(e, where));
        else
            fail(where, "expected a string such as \"every day 09:00-09:05\" or an object, got " + e.dump());
    };
    if (j.is_array()) {
        if (j.empty()) fail("schedule", "an empty list has no windows (give no schedule for a fault that is always active)");
        for (std::size_t i = 0; i < j.size(); ++i) one(j[i], "schedule[" + std::to_string(i) + "]");
    } else {
        one(j, "schedule");
    }
    week.epoch_into_week = Duration{floor_mod(week.epoch_into_week.count(), k_week_us)};
    return Schedule{std::make_shared<const Impl>(std::move(items), anchor, week)};
}

json Schedule::to_json() const {
    if (!m_impl) return nullptr;
    if (m_impl->items.size() == 1) return item_json(m_impl->items[0]);
    json out = json::array();
    for (const Item& item : m_impl->items) out.push_back(item_json(item));
    return out;
}

bool Schedule::always() const noexcept { return !m_impl || m_impl->always(); }

bool Schedule::active(Time t) const { return always() || m_impl->cover(t).has_value(); }

Time Schedule::next_change(Time t) const {
    if (always()) return sim::end_of_time;
    if (m_impl->cover(t)) return m_impl->run_end(t);
    return m_impl->next_start_after(t);
}

std::optional<Schedule::Window> Schedule::window_at_or_after(Time t) const {
    if (always()) return Window{Time::min(), sim::end_of_time};
    if (m_impl->cover(t)) return Window{m_impl->run_start(t), m_impl->run_end(t)};
    const Time start = m_impl->next_start_after(t);
    if (start == sim::end_of_time) return std::nullopt;
    return Window{start, m_impl->run_end(start)};
}

Time Schedule::anchor() const noexcept { return m_impl ? m_impl->anchor : sim::epoch_time; }

CivilWeek Schedule::week() const noexcept { return m_impl ? m_impl->week : CivilWeek{}; }

bool operator==(const Schedule& a, const Schedule& b) {
    if (!a.m_impl || !b.m_impl) return !a.m_impl && !b.m_impl;
    return a.m_impl->items == b.m_impl->items && a.m_impl->anchor == b.m_impl->anchor && a.m_impl->week == b.m_impl->week;
}

std::string to_string(const Schedule& s) {
    if (!s.m_impl) return "always";
    std::string out;
    for (const Item& item : s.m_impl->items) out += (out.empty() ? "" : "; ") + item_text(item);
    return out;
}

}  // namespace kiosktwin::link
