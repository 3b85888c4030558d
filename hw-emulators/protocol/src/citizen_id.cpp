#include <kiosktwin/protocol/citizen_id.hpp>

#include <array>
#include <cstdio>

namespace kiosktwin::protocol {

namespace {

constexpr std::array<int, 17> k_weights{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
constexpr char k_check_chars[] = "10X98765432";

bool all_digits(std::string_view s) noexcept {
    for (char c : s)
        if (c < '0' || c > '9') return false;
    return true;
}

int two_digits(std::string_view s, std::size_t at) noexcept { return (s[at] - '0') * 10 + (s[at + 1] - '0'); }

// GB/T 3304-1991, codes 01..56, then 97 and 98.
constexpr const char* k_nations[] = {
    "汉",     "蒙古",   "回",   "藏",   "维吾尔", "苗",   "彝",     "壮",   "布依",   "朝鲜",   "满",   "侗",
    "瑶",     "白",     "土家", "哈尼", "哈萨克", "傣",   "黎",     "傈僳", "佤",     "畲",     "高山", "拉祜",
    "水",     "东乡",   "纳西", "景颇", "柯尔克孜", "土", "达斡尔", "仫佬", "羌",     "布朗",   "撒拉", "毛南",
    "仡佬",   "锡伯",   "阿昌", "普米", "塔吉克", "怒",   "乌孜别克", "俄罗斯", "鄂温克", "德昂", "保安", "裕固",
    "京",     "塔塔尔", "独龙", "鄂伦春", "赫哲", "门巴", "珞巴",   "基诺"};

}  // namespace

// --- Dates ---------------------------------------------------------------------------

bool is_leap_year(int y) noexcept { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

bool is_valid_date(int y, int m, int d) noexcept {
    if (m < 1 || m > 12 || d < 1) return false;
    static constexpr int k_days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const int max = m == 2 && is_leap_year(y) ? 29 : k_days[m - 1];
    return d <= max;
}

bool CivilDate::valid() const noexcept { return is_valid_date(year, month, day); }

std::string CivilDate::yyyymmdd() const {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d%02d%02d", year, month, day);
    return buf;
}

std::optional<CivilDate> CivilDate::parse(std::string_view s) noexcept {
    if (s.size() != 8 || !all_digits(s)) return std::nullopt;
    const CivilDate d{two_digits(s, 0) * 100 + two_digits(s, 2), two_digits(s, 4), two_digits(s, 6)};
    if (d.year < 1000 || !d.valid()) return std::nullopt;
    return d;
}

// Howard Hinnant's days_from_civil / civil_from_days.
std::int64_t CivilDate::days() const noexcept {
    const std::int64_t y = static_cast<std::int64_t>(year) - (month <= 2 ? 1 : 0);
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t mp = (month + 9) % 12;
    const std::int64_t doy = (153 * mp + 2) / 5 + day - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

CivilDate CivilDate::from_days(std::int64_t z) noexcept {
    z += 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
    const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    return CivilDate{static_cast<int>(y), static_cast<int>(m), static_cast<int>(d)};
}

CivilDate CivilDate::plus_years(int n) const noexcept {
    CivilDate d{year + n, month, day};
    if (d.month == 2 && d.day == 29 && !is_leap_year(d.year)) d.day = 28;
    return d;
}

int age_on(CivilDate birth, CivilDate on) noexcept {
    if (on < birth) return 0;
    int age = on.year - birth.year;
    if (on.month < birth.month || (on.month == birth.month && on.day < birth.day)) --age;
    return age;
}

// --- Citizen ID numbers --------------------------------------------------------------------

namespace citizen_id {

char check_digit(std::string_view first17) noexcept {
    if (first17.size() != 17 || !all_digits(first17)) return '\0';
    int sum = 0;
    for (std::size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * k_weights[i];
    return k_check_chars[sum % 11];
}

const char* to_string(Kind k) noexcept {
    switch (k) {
    case Kind::resident: return "resident";
    case Kind::hk_permit: return "hk_permit";
    case Kind::macao_permit: return "macao_permit";
    case Kind::taiwan_permit: return "taiwan_permit";
    case Kind::foreign_permanent: return "foreign_permanent";
    case Kind::unknown: return "unknown";
    }
    return "unknown";
}

bool is_province_code(int c) noexcept {
    static constexpr int k_codes[] = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43,
                                      44, 45, 46, 50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82};
    for (int k : k_codes)
        if (k == c) return true;
    return false;
}

Kind kind_of(std::string_view n) noexcept {
    if (n.size() < 6 || !all_digits(n.substr(0, 6))) return Kind::unknown;
    const std::string_view r = n.substr(0, 6);
    if (r == "810000") return Kind::hk_permit;
    if (r == "820000") return Kind::macao_permit;
    if (r == "830000") return Kind::taiwan_permit;
    if (n[0] == '9') return is_province_code(two_digits(n, 1)) ? Kind::foreign_permanent : Kind::unknown;
    const int province = two_digits(n, 0);
    // 81/82 are Hong Kong and Macao themselves: residents there hold permits, not these numbers.
    return is_province_code(province) && province < 80 ? Kind::resident : Kind::unknown;
}

Validation validate(std::string_view n, std::optional<CivilDate> today) {
    auto fail = [](const char* reason, std::string message) { return Validation{false, reason, std::move(message)}; };
    if (n.size() != k_length)
        return fail("bad-length", "expected 18 characters, got " + std::to_string(n.size()));
    for (std::size_t i = 0; i < 17; ++i)
        if (n[i] < '0' || n[i] > '9')
            return fail("bad-character", "character " + std::to_string(i + 1) + " must be a digit");
    if (!((n[17] >= '0' && n[17] <= '9') || n[17] == 'X'))
        return fail("bad-character", "the check character must be a digit or 'X'");
    if (kind_of(n) == Kind::unknown)
        return fail("bad-region", "no province-level region " + std::string(n.substr(0, n[0] == '9' ? 3 : 2)));
    const auto birth = birth_date(n);
    if (!birth || birth->year < 1800)
        return fail("bad-birth-date", "characters 7-14 (" + std::string(n.substr(6, 8)) + ") are not a birth date");
    if (today && *today < *birth)
        return fail("future-birth-date", "birth date " + birth->yyyymmdd() + " is after " + today->yyyymmdd());
    const char c = check_digit(n.substr(0, 17));
    if (c != n[17])
        return fail("bad-check-digit", std::string("check character should be ") + c + ", not " + n[17]);
    return Validation{true, "ok", "valid"};
}

std::string_view region_code(std::string_view n) noexcept { return n.size() < 6 ? std::string_view{} : n.substr(0, 6); }

std::optional<CivilDate> birth_date(std::string_view n) noexcept {
    if (n.size() < 14) return std::nullopt;
    return CivilDate::parse(n.substr(6, 8));
}

std::optional<char> sex_code(std::string_view n) noexcept {
    if (n.size() < 17 || n[16] < '0' || n[16] > '9') return std::nullopt;
    return (n[16] - '0') % 2 == 1 ? '1' : '2';
}

}  // namespace citizen_id

std::string mask_ids(std::string_view text) {
    const auto digit = [](char c) { return c >= '0' && c <= '9'; };
    std::string out;
    out.reserve(text.size());
    std::size_t i = 0;
    while (i < text.size()) {
        const bool boundary = i == 0 || !digit(text[i - 1]);
        if (boundary && i + 18 <= text.size()) {
            std::size_t n = 0;
            while (n < 17 && digit(text[i + n])) ++n;
            const char last = n == 17 ? text[i + 17] : '\0';
            const bool tail_ok = n == 17 && (digit(last) || last == 'X' || last == 'x');
            const bool end_ok = i + 18 == text.size() || !digit(text[i + 18]);
            if (tail_ok && end_ok) {
                out += mask_id(text.substr(i, 18));
                i += 18;
                continue;
            }
        }
        out += text[i];
        ++i;
    }
    return out;
}

std::string mask_id(std::string_view number) {
    // Split into UTF-8 characters so that a multi-byte character is never cut.
    std::size_t chars = 0;
    for (char c : number)
        if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++chars;
    if (chars <= 8) return std::string(chars, '*');
    std::string out;
    std::size_t index = 0;
    for (std::size_t i = 0; i < number.size();) {
        std::size_t len = 1;
        while (i + len < number.size() && (static_cast<unsigned char>(number[i + len]) & 0xC0) == 0x80) ++len;
        if (index < 4 || index >= chars - 4) out.append(number.substr(i, len));
        else out += '*';
        i += len;
        ++index;
    }
    return out;
}

const char* nation_name(std::string_view code) noexcept {
    if (code.size() != 2 || !all_digits(code)) return nullptr;
    const int c = two_digits(code, 0);
    if (c >= 1 && c <= 56) return k_nations[c - 1];
    if (c == 97) return "其他";
    if (c == 98) return "外国血统中国籍人士";
    return nullptr;
}

}  // namespace kiosktwin::protocol
