#include <kiosktwin/services/population.hpp>

#include "text.hpp"

#include <kiosktwin/api/codes.hpp>
#include <kiosktwin/sim/random.hpp>

#include <initializer_list>
#include <istream>
#include <set>
#include <stdexcept>
#include <unordered_set>

namespace kiosktwin::services {

namespace {

using detail::cat;

using protocol::CivilDate;

// Small tables: common surnames and given-name characters. A name is a random
// combination, not a list of real people.
constexpr const char* k_surnames[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱",
                                      "胡", "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯",
                                      "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡"};
constexpr const char* k_given_male[] = {"浩", "宇", "轩", "博", "航", "睿", "哲", "辰", "铭", "峻", "凯", "昊",
                                        "骏", "楠", "鹏", "磊", "晟", "尧", "泓", "栋", "彬", "森", "川", "逸"};
constexpr const char* k_given_female[] = {"婷", "雪", "琳", "瑶", "萱", "怡", "欣", "悦", "妍", "彤", "蕾", "菲",
                                          "莹", "露", "颖", "娅", "璐", "岚", "倩", "薇", "芸", "洁", "晴", "淑"};
constexpr const char* k_given_neutral[] = {"子", "思", "嘉", "安", "宁", "雨", "晨", "文", "远", "清", "一", "可",
                                           "诗", "梓", "若", "言", "知", "书", "云", "沐", "星", "景", "佳", "方"};

template <class T, std::size_t N>
const T& pick(sim::Rng& rng, const T (&table)[N]) {
    return table[rng.below(N)];
}

std::string random_name(sim::Rng& rng, bool male) {
    std::string name = pick(rng, k_surnames);
    const int chars = rng.below(10) < 3 ? 1 : 2;
    for (int c = 0; c < chars; ++c) {
        // Half the characters from the gendered table, half neutral.
        if (rng.below(2) == 0)
            name += male ? pick(rng, k_given_male) : pick(rng, k_given_female);
        else
            name += pick(rng, k_given_neutral);
    }
    return name;
}

const std::vector<std::string>& county_regions() {
    static const std::vector<std::string> regions = [] {
        std::vector<std::string> out;
        for (const auto& c : api::codes::region().entries())
            if (api::codes::region_level(c.code) == api::codes::RegionLevel::county) out.emplace_back(c.code);
        if (out.empty()) throw std::logic_error("population: the region table has no county-level codes");
        return out;
    }();
    return regions;
}

/// Validity in years of a resident card issued at `age`; 0 = 长期.
int validity_years(int age) noexcept {
    if (age < 16) return 5;
    if (age < 26) return 10;
    if (age < 46) return 20;
    return 0;
}

CivilDate uniform_date(sim::Rng& rng, CivilDate lo, CivilDate hi) {
    const std::int64_t a = lo.days();
    const std::int64_t b = hi.days();
    if (b <= a) return lo;
    return CivilDate::from_days(a + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(b - a + 1))));
}

struct Card {
    CivilDate issued;
    std::optional<CivilDate> expires;
};

Card card_issued(CivilDate birth, CivilDate issued) {
    const int years = validity_years(protocol::age_on(birth, issued));
    return {issued, years == 0 ? std::nullopt : std::optional<CivilDate>(issued.plus_years(years))};
}

// Draws the card's issue date so that it is expired on `ref` when `expired`,
// by rejection (a few tries); falls back to a current card when an expired one
// is impossible (a young child).
Card draw_card(sim::Rng& rng, CivilDate birth, CivilDate ref, bool expired) {
    constexpr int k_tries = 64;
    if (expired && ref.days() > birth.days()) {
        for (int i = 0; i < k_tries; ++i) {
            Card c = card_issued(birth, uniform_date(rng, birth, ref.plus_days(-1)));
            if (c.expires && *c.expires < ref) return c;
        }
    }
    const CivilDate lo = std::max(birth, ref.plus_years(-20));
    for (int i = 0; i < k_tries; ++i) {
        Card c = card_issued(birth, uniform_date(rng, lo, ref));
        if (!c.expires || *c.expires >= ref) return c;
    }
    return card_issued(birth, ref);
}

std::string iso_date(const CivilDate& d) {
    std::string s = d.yyyymmdd();
    s.insert(6, 1, '-');
    s.insert(4, 1, '-');
    return s;
}

std::optional<CivilDate> parse_iso_date(std::string_view s) {
    if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
    std::string digits;
    digits.append(s.substr(0, 4)).append(s.substr(5, 2)).append(s.substr(8, 2));
    return CivilDate::parse(digits);
}

[[noreturn]] void bad(std::string_view field, const std::string& what) {
    std::string msg = "/";
    msg.append(field).append(": ").append(what);
    throw std::invalid_argument(msg);
}

const nlohmann::json& field(const nlohmann::json& j, const char* key) {
    if (!j.contains(key)) bad(key, "missing");
    return j.at(key);
}

std::string string_field(const nlohmann::json& j, const char* key) {
    const auto& v = field(j, key);
    if (!v.is_string()) bad(key, cat("expected a string, got ", v.dump()));
    return v.get<std::string>();
}

CivilDate date_field(const nlohmann::json& j, const char* key) {
    const std::string s = string_field(j, key);
    auto d = parse_iso_date(s);
    if (!d) bad(key, cat("expected a date YYYY-MM-DD, got \"", s, "\""));
    return *d;
}

}  // namespace

std::vector<Resident> generate_population(std::uint64_t seed, std::size_t n, const PopulationOptions& o) {
    if (!(o.expired_share >= 0 && o.expired_share <= 1))
        throw std::invalid_argument("generate_population: expired_share must be in [0, 1]");
    if (!(o.wanted_share >= 0 && o.wanted_share <= 1))
        throw std::invalid_argument("generate_population: wanted_share must be in [0, 1]");
    if (o.min_age < 0 || o.max_age < o.min_age || o.max_age > 150)
        throw std::invalid_argument("generate_population: need 0 <= min_age <= max_age <= 150");
    if (!o.reference.valid()) throw std::invalid_argument("generate_population: reference is not a date");

    const auto& regions = county_regions();
    std::vector<Resident> out;
    out.reserve(n);
    std::unordered_set<std::string> ids;
    std::unordered_set<std::uint32_t> faces;
    const CivilDate oldest = o.reference.plus_years(-(o.max_age + 1)).plus_days(1);
    const CivilDate youngest = o.reference.plus_years(-o.min_age);

    for (std::size_t i = 0; i < n; ++i) {
        sim::Rng rng(sim::derive_seed(seed, cat("population/", std::to_string(i))));
        Resident r;
        const bool male = rng.below(2) == 0;
        r.gender = std::string(1, male ? '1' : '2');
        r.birth_date = uniform_date(rng, oldest, youngest);
        const std::string& region = regions[rng.below(regions.size())];
        do {
            // 001..999: odd for men, even for women (GB 11643).
            const std::uint64_t k = rng.below(499);
            const std::uint64_t seq = male ? 2 * k + 1 : 2 * k + 2;
            std::string first17 = cat(region, r.birth_date.yyyymmdd());
            first17 += static_cast<char>('0' + seq / 100);
            first17 += static_cast<char>('0' + seq / 10 % 10);
            first17 += static_cast<char>('0' + seq % 10);
            r.id_number = first17 + protocol::citizen_id::check_digit(first17);
        } while (ids.contains(r.id_number));
        ids.insert(r.id_number);
        r.name = random_name(rng, male);
        r.address_region = rng.below(10) == 0 ? regions[rng.below(regions.size())] : region;
        const bool expired = rng.uniform01() < o.expired_share;
        const Card card = draw_card(rng, r.birth_date, o.reference, expired);
        r.issued = card.issued;
        r.expires = card.expires;
        r.wanted = rng.uniform01() < o.wanted_share;
        do {
            r.face_template = static_cast<std::uint32_t>(rng.next() >> 32);
        } while (r.face_template == 0 || faces.contains(r.face_template));
        faces.insert(r.face_template);
        out.push_back(std::move(r));
    }
    return out;
}

nlohmann::json to_json(const Resident& r) {
    return {{"id_number", r.id_number},
            {"name", r.name},
            {"gender", r.gender},
            {"birth_date", iso_date(r.birth_date)},
            {"address_region", r.address_region},
            {"issued", iso_date(r.issued)},
            {"expires", r.expires ? nlohmann::json(iso_date(*r.expires)) : nlohmann::json(nullptr)},
            {"wanted", r.wanted},
            {"face_template", r.face_template}};
}

Resident resident_from_json(const nlohmann::json& j) {
    if (!j.is_object()) throw std::invalid_argument(cat("expected a resident object, got ", j.dump()));
    static const std::set<std::string, std::less<>> k_keys = {"id_number", "name",    "gender",  "birth_date",
                                                              "address_region", "issued", "expires", "wanted",
                                                              "face_template"};
    for (const auto& [key, value] : j.items())
        if (!k_keys.contains(key)) bad(key, "unknown key");

    Resident r;
    r.id_number = string_field(j, "id_number");
    if (auto v = protocol::citizen_id::validate(r.id_number); !v) bad("id_number", v.message);
    r.name = string_field(j, "name");
    if (r.name.empty()) bad("name", "must not be empty");
    r.gender = string_field(j, "gender");
    if (r.gender != "1" && r.gender != "2") bad("gender", cat("expected \"1\" or \"2\" (GB/T 2261.1), got \"", r.gender, "\""));
    if (protocol::citizen_id::sex_code(r.id_number) != r.gender[0])
        bad("gender", "disagrees with the ID number's sequence parity");
    r.birth_date = date_field(j, "birth_date");
    if (protocol::citizen_id::birth_date(r.id_number) != r.birth_date)
        bad("birth_date", "disagrees with the ID number");
    r.address_region = string_field(j, "address_region");
    if (!api::codes::is_region_code(r.address_region))
        bad("address_region", cat("not a GB/T 2260 code: \"", r.address_region, "\""));
    r.issued = date_field(j, "issued");
    if (const auto& e = field(j, "expires"); !e.is_null()) {
        r.expires = date_field(j, "expires");
        if (*r.expires <= r.issued) bad("expires", "must be after issued");
    }
    const auto& w = field(j, "wanted");
    if (!w.is_boolean()) bad("wanted", cat("expected true or false, got ", w.dump()));
    r.wanted = w.get<bool>();
    const auto& f = field(j, "face_template");
    if (!f.is_number_unsigned() || f.get<std::uint64_t>() > 0xFFFFFFFFu)
        bad("face_template", cat("expected an integer in [0, 2^32), got ", f.dump()));
    r.face_template = static_cast<std::uint32_t>(f.get<std::uint64_t>());
    return r;
}

std::string to_jsonl(std::span<const Resident> residents) {
    std::string out;
    for (const auto& r : residents) out.append(to_json(r).dump()).append("\n");
    return out;
}

std::vector<Resident> read_jsonl(std::istream& in) {
    std::vector<Resident> out;
    std::string line;
    for (std::size_t no = 1; std::getline(in, line); ++no) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        try {
            out.push_back(resident_from_json(nlohmann::json::parse(line)));
        } catch (const std::exception& e) {
            std::string msg = "line ";
            msg.append(std::to_string(no)).append(": ").append(e.what());
            throw std::invalid_argument(msg);
        }
    }
    return out;
}

Register::Register(std::vector<Resident> residents) : m_residents(std::move(residents)) {
    m_by_id.reserve(m_residents.size());
    for (std::size_t i = 0; i < m_residents.size(); ++i) {
        if (!m_by_id.emplace(m_residents[i].id_number, i).second)
            throw std::invalid_argument(cat("Register: duplicate ID number ", protocol::mask_id(m_residents[i].id_number)));
    }
}

const Resident* Register::find(std::string_view id_number) const {
    const auto it = m_by_id.find(std::string(id_number));
    return it == m_by_id.end() ? nullptr : &m_residents[it->second];
}

}  // namespace kiosktwin::services
