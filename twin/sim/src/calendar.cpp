#include <kiosktwin/sim/calendar.hpp>

#include <array>
#include <cstdio>

namespace kiosktwin::sim {
namespace {

constexpr std::int64_t k_us_per_s = 1'000'000;
constexpr std::int64_t k_us_per_min = 60 * k_us_per_s;
constexpr std::int64_t k_us_per_hour = 60 * k_us_per_min;
constexpr std::int64_t k_us_per_day = 24 * k_us_per_hour;

// Howard Hinnant's days_from_civil / civil_from_days (public domain
// algorithms, proleptic Gregorian calendar, exact for all int years).
constexpr std::int64_t days_from_civil(std::int64_t y, int m, int d) noexcept {
    y -= m <= 2;
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const auto yoe = static_cast<unsigned>(y - era * 400);
    const unsigned doy = (153u * static_cast<unsigned>(m + (m > 2 ? -3 : 9)) + 2u) / 5u +
                         static_cast<unsigned>(d) - 1u;
    const unsigned doe = yoe * 365u + yoe / 4u - yoe / 100u + doy;
    return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Ymd {
    std::int64_t y;
    int m;
    int d;
};

constexpr Ymd civil_from_days(std::int64_t z) noexcept {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const auto doe = static_cast<unsigned>(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u;
    const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
    const unsigned doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);
    const unsigned mp = (5u * doy + 2u) / 153u;
    const unsigned d = doy - (153u * mp + 2u) / 5u + 1u;
    const unsigned m = mp < 10u ? mp + 3u : mp - 9u;
    return {y + (m <= 2u), static_cast<int>(m), static_cast<int>(d)};
}

// 1970-01-01 was a Thursday (ISO 4).
constexpr int iso_weekday_from_days(std::int64_t z) noexcept {
    const std::int64_t w = ((z % 7) + 7 + 3) % 7;  // 0 = Monday
    return static_cast<int>(w) + 1;
}

constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) noexcept {
    const std::int64_t q = a / b;
    return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

constexpr bool valid_civil(const CivilTime& c) noexcept {
    constexpr std::array<int, 12> mdays{31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (c.month < 1 || c.month > 12 || c.day < 1) return false;
    if (c.day > mdays[static_cast<std::size_t>(c.month - 1)]) return false;
    if (c.month == 2 && c.day == 29) {
        const bool leap = (c.year % 4 == 0 && c.year % 100 != 0) || c.year % 400 == 0;
        if (!leap) return false;
    }
    return c.hour >= 0 && c.hour < 24 && c.minute >= 0 && c.minute < 60 && c.second >= 0 &&
           c.second < 60 && c.microsecond >= 0 && c.microsecond < 1'000'000;
}

std::int64_t local_us_of(const CivilTime& c) noexcept {
    return days_from_civil(c.year, c.month, c.day) * k_us_per_day + c.hour * k_us_per_hour +
           c.minute * k_us_per_min + c.second * k_us_per_s + c.microsecond;
}

CivilTime civil_of_local_us(std::int64_t local_us) noexcept {
    const std::int64_t days = floor_div(local_us, k_us_per_day);
    std::int64_t rem = local_us - days * k_us_per_day;
    const Ymd ymd = civil_from_days(days);
    CivilTime c;
    c.year = static_cast<int>(ymd.y);
    c.month = ymd.m;
    c.day = ymd.d;
    c.hour = static_cast<int>(rem / k_us_per_hour);
    rem %= k_us_per_hour;
    c.minute = static_cast<int>(rem / k_us_per_min);
    rem %= k_us_per_min;
    c.second = static_cast<int>(rem / k_us_per_s);
    c.microsecond = static_cast<int>(rem % k_us_per_s);
    c.iso_weekday = iso_weekday_from_days(days);
    return c;
}

// A small strict reader for the ISO 8601 extended format.
class Reader {
public:
    explicit Reader(std::string_view s) : m_s(s) {}
    bool digits(int n, int& out) {
        if (m_pos + static_cast<std::size_t>(n) > m_s.size()) return false;
        int v = 0;
        for (int i = 0; i < n; ++i) {
            const char ch = m_s[m_pos + static_cast<std::size_t>(i)];
            if (ch < '0' || ch > '9') return false;
            v = v * 10 + (ch - '0');
        }
        m_pos += static_cast<std::size_t>(n);
        out = v;
        return true;
    }
    bool lit(char c) {
        if (m_pos < m_s.size() && m_s[m_pos] == c) {
            ++m_pos;
            return true;
        }
        return false;
    }
    bool peek_digit() const { return m_pos < m_s.size() && m_s[m_pos] >= '0' && m_s[m_pos] <= '9'; }
    bool done() const { return m_pos == m_s.size(); }

private:
    std::string_view m_s;
    std::size_t m_pos = 0;
};

struct Parsed {
    CivilTime civil;
    int offset_min;
};

std::optional<Parsed> parse(std::string_view text, int default_offset) {
    Reader r(text);
    Parsed p{{}, default_offset};
    CivilTime& c = p.civil;
    if (!r.digits(4, c.year) || !r.lit('-') || !r.digits(2, c.month) || !r.lit('-') ||
        !r.digits(2, c.day))
        return std::nullopt;
    if (!r.done()) {
        if (!r.lit('T') && !r.lit(' ')) return std::nullopt;
        if (!r.digits(2, c.hour) || !r.lit(':') || !r.digits(2, c.minute)) return std::nullopt;
        if (r.lit(':')) {
            if (!r.digits(2, c.second)) return std::nullopt;
            if (r.lit('.') || r.lit(',')) {
                int scale = 100000;
                int us = 0;
                int n = 0;
                while (r.peek_digit()) {
                    int d = 0;
                    r.digits(1, d);
                    if (n < 6) us += d * scale;
                    scale /= 10;
                    ++n;
                }
                if (n == 0) return std::nullopt;
                c.microsecond = us;
            }
        }
        if (r.lit('Z')) {
            p.offset_min = 0;
        } else if (!r.done()) {
            int sign = 0;
            if (r.lit('+')) sign = 1;
            else if (r.lit('-')) sign = -1;
            else return std::nullopt;
            int oh = 0;
            int om = 0;
            if (!r.digits(2, oh)) return std::nullopt;
            if (r.lit(':')) {
                if (!r.digits(2, om)) return std::nullopt;
            } else if (!r.digits(2, om)) {
                return std::nullopt;
            }
            if (oh > 14 || om > 59) return std::nullopt;
            p.offset_min = sign * (oh * 60 + om);
        }
    }
    if (!r.done() || !valid_civil(c)) return std::nullopt;
    c.iso_weekday = iso_weekday_from_days(days_from_civil(c.year, c.month, c.day));
    return p;
}

}  // namespace

Calendar::Calendar() noexcept : Calendar(CivilTime{2026, 6, 1, 0, 0, 0, 0, 1}, 480) {}

Calendar::Calendar(const CivilTime& epoch, int utc_offset_minutes)
    : m_epoch(epoch), m_offset_min(utc_offset_minutes), m_epoch_local_us(local_us_of(epoch)) {
    m_epoch.iso_weekday = iso_weekday_from_days(days_from_civil(epoch.year, epoch.month, epoch.day));
}

std::optional<Calendar> Calendar::from_iso8601(std::string_view text) {
    const auto p = parse(text, 480);
    if (!p) return std::nullopt;
    return Calendar(p->civil, p->offset_min);
}

CivilTime Calendar::civil(Time t) const noexcept {
    return civil_of_local_us(m_epoch_local_us + t.time_since_epoch().count());
}

int Calendar::iso_weekday(Time t) const noexcept {
    const std::int64_t days = floor_div(m_epoch_local_us + t.time_since_epoch().count(), k_us_per_day);
    return iso_weekday_from_days(days);
}

int Calendar::hour_of_day(Time t) const noexcept {
    const std::int64_t local = m_epoch_local_us + t.time_since_epoch().count();
    const std::int64_t in_day = local - floor_div(local, k_us_per_day) * k_us_per_day;
    return static_cast<int>(in_day / k_us_per_hour);
}

int Calendar::hour_of_week(Time t) const noexcept {
    return (iso_weekday(t) - 1) * 24 + hour_of_day(t);
}

std::int64_t Calendar::day_index(Time t) const noexcept {
    const std::int64_t local = m_epoch_local_us + t.time_since_epoch().count();
    return floor_div(local, k_us_per_day) - floor_div(m_epoch_local_us, k_us_per_day);
}

Time Calendar::next_hour_boundary(Time t) const noexcept {
    const std::int64_t local = m_epoch_local_us + t.time_since_epoch().count();
    const std::int64_t next = (floor_div(local, k_us_per_hour) + 1) * k_us_per_hour;
    return Time{Duration{next - m_epoch_local_us}};
}

Time Calendar::start_of_day(Time t) const noexcept {
    const std::int64_t local = m_epoch_local_us + t.time_since_epoch().count();
    const std::int64_t midnight = floor_div(local, k_us_per_day) * k_us_per_day;
    return Time{Duration{midnight - m_epoch_local_us}};
}

std::string Calendar::iso8601(Time t) const {
    // By hand rather than snprintf: audit records and timestamps format one
    // per request on the gateway's hot path.
    const CivilTime c = civil(t);
    const int off = m_offset_min < 0 ? -m_offset_min : m_offset_min;
    char buf[48];
    char* p = buf;
    auto digits = [&p](long long v, int width) {
        if (v < 0) {
            *p++ = '-';
            v = -v;
        }
        char tmp[24];
        int n = 0;
        do {
            tmp[n++] = static_cast<char>('0' + v % 10);
            v /= 10;
        } while (v > 0);
        for (int i = n; i < width; ++i) *p++ = '0';
        while (n > 0) *p++ = tmp[--n];
    };
    digits(c.year, 4);
    *p++ = '-';
    digits(c.month, 2);
    *p++ = '-';
    digits(c.day, 2);
    *p++ = 'T';
    digits(c.hour, 2);
    *p++ = ':';
    digits(c.minute, 2);
    *p++ = ':';
    digits(c.second, 2);
    if (c.microsecond != 0) {
        *p++ = '.';
        digits(c.microsecond, 6);
    }
    *p++ = m_offset_min < 0 ? '-' : '+';
    digits(off / 60, 2);
    *p++ = ':';
    digits(off % 60, 2);
    return std::string(buf, p);
}

std::optional<Time> Calendar::parse_iso8601(std::string_view text) const {
    const auto p = parse(text, m_offset_min);
    if (!p) return std::nullopt;
    // Bring the instant to this calendar's offset, then measure from the epoch.
    const std::int64_t local_there = local_us_of(p->civil);
    const std::int64_t local_here =
        local_there + static_cast<std::int64_t>(m_offset_min - p->offset_min) * k_us_per_min;
    return Time{Duration{local_here - m_epoch_local_us}};
}

}  // namespace kiosktwin::sim
