#include <kiosktwin/devices/id_cards.hpp>

#include <kiosktwin/protocol/base64.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>
#include <utility>

namespace kiosktwin::devices {

using nlohmann::json;
using protocol::CivilDate;
namespace cid = protocol::citizen_id;

namespace {

// --- Tables ------------------------------------------------------------------------

constexpr Region k_regions[] = {
    {"110101", "北京市", "北京市", "东城区", "东城"},
    {"110105", "北京市", "北京市", "朝阳区", "朝阳"},
    {"110108", "北京市", "北京市", "海淀区", "海淀"},
    {"120101", "天津市", "天津市", "和平区", "和平"},
    {"130102", "河北省", "石家庄市", "长安区", "长安"},
    {"140105", "山西省", "太原市", "小店区", "小店"},
    {"150102", "内蒙古自治区", "呼和浩特市", "新城区", "新城"},
    {"210102", "辽宁省", "沈阳市", "和平区", "和平"},
    {"220102", "吉林省", "长春市", "南关区", "南关"},
    {"230102", "黑龙江省", "哈尔滨市", "道里区", "道里"},
    {"310104", "上海市", "上海市", "徐汇区", "徐汇"},
    {"310115", "上海市", "上海市", "浦东新区", "浦东"},
    {"320102", "江苏省", "南京市", "玄武区", "玄武"},
    {"330106", "浙江省", "杭州市", "西湖区", "西湖"},
    {"340104", "安徽省", "合肥市", "蜀山区", "蜀山"},
    {"350203", "福建省", "厦门市", "思明区", "思明"},
    {"360102", "江西省", "南昌市", "东湖区", "东湖"},
    {"370102", "山东省", "济南市", "历下区", "历下"},
    {"410105", "河南省", "郑州市", "金水区", "金水"},
    {"420106", "湖北省", "武汉市", "武昌区", "武昌"},
    {"430104", "湖南省", "长沙市", "岳麓区", "岳麓"},
    {"440106", "广东省", "广州市", "天河区", "天河"},
    {"440305", "广东省", "深圳市", "南山区", "南山"},
    {"450103", "广西壮族自治区", "南宁市", "青秀区", "青秀"},
    {"460105", "海南省", "海口市", "秀英区", "秀英"},
    {"500103", "重庆市", "重庆市", "渝中区", "渝中"},
    {"510107", "四川省", "成都市", "武侯区", "武侯"},
    {"520102", "贵州省", "贵阳市", "南明区", "南明"},
    {"530102", "云南省", "昆明市", "五华区", "五华"},
    {"540102", "西藏自治区", "拉萨市", "城关区", "城关"},
    {"610113", "陕西省", "西安市", "雁塔区", "雁塔"},
    {"620102", "甘肃省", "兰州市", "城关区", "城关"},
    {"630102", "青海省", "西宁市", "城东区", "城东"},
    {"640104", "宁夏回族自治区", "银川市", "兴庆区", "兴庆"},
    {"650102", "新疆维吾尔自治区", "乌鲁木齐市", "天山区", "天山"},
};

constexpr const char* k_surnames[] = {
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何",
    "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田",
    "董", "袁", "潘", "于", "蒋", "蔡", "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚",
    "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金", "石", "廖", "贾", "夏", "韦", "方", "白", "邹",
    "孟", "熊", "秦", "邱", "江", "尹", "薛", "段", "雷", "侯", "龙", "史", "陶", "黎", "贺", "顾", "毛",
    "郝", "龚", "邵", "万", "钱", "严", "武", "戴", "莫", "孔", "向", "汤"};
constexpr const char* k_compound_surnames[] = {"欧阳", "司马", "诸葛", "上官", "东方", "皇甫"};
constexpr const char* k_given_male[] = {"伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "刚", "平",
                                        "辉", "鹏", "华", "飞", "鑫", "波", "斌", "宇", "浩", "凯", "健", "俊",
                                        "帆", "旭", "宁", "龙", "林", "博", "文", "建", "国", "志", "峰", "晨"};
constexpr const char* k_given_female[] = {"芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "英", "慧", "玲",
                                          "婷", "雪", "琳", "晶", "颖", "倩", "洁", "燕", "红", "梅", "莉", "兰",
                                          "萍", "玉", "佳", "欣", "怡", "悦", "蕾", "薇", "璐", "婧", "雯", "琪"};
// Characters outside the BMP seen in real names (CJK Extensions B, C, E): UCS-2 cannot hold them.
constexpr const char* k_rare_characters[] = {"\U0002B5AF", "\U0002C317", "\U0002020C", "\U00021484", "\U0002C62D",
                                             "\U0002B626"};
// Parts of Uyghur names as written in Chinese; joined with "·" they fill the 15-character field.
constexpr const char* k_long_name_parts[] = {"阿卜杜热合曼", "买买提艾力", "艾合买提江", "吐尔洪", "阿依古丽",
                                             "热依拉",       "古丽米热",   "努尔买买提", "依明江", "阿不都外力"};
constexpr const char* k_streets[] = {"人民路", "解放路", "中山路", "建设路", "和平路", "新华路", "文化路",
                                     "胜利路", "光明街", "幸福路", "青年路", "朝阳路", "学府路", "长江路",
                                     "黄河路", "东风路", "友谊路", "团结街", "育才路", "振兴路"};
constexpr const char* k_subdistricts[] = {"新华街道", "城关街道", "东门街道", "人民街道", "滨河街道", "龙华街道"};
constexpr const char* k_communities[] = {"幸福社区", "和平社区", "光明社区", "阳光社区", "建设社区", "文苑社区"};
constexpr const char* k_estates[] = {"阳光小区", "幸福家园", "锦绣花园", "翠苑小区", "金色家园", "和谐家园", "滨江花园", "东方名苑"};
// Minority nations drawn for the 9 % who are not 汉 (GB/T 3304 codes).
constexpr const char* k_minority_nations[] = {"02", "03", "04", "05", "06", "07", "08", "10", "11", "15"};

struct NamePair {
    const char* latin;
    const char* chinese;
};
struct Nationality {
    const char* alpha3;
    const char* numeric;  // ISO 3166-1 numeric, as the 2023 number carries it
    bool surname_first;   // the Chinese name puts the surname first (East Asian names)
    std::array<NamePair, 3> surnames;
    std::array<NamePair, 2> male;
    std::array<NamePair, 2> female;
};
constexpr Nationality k_nationalities[] = {
    {"USA", "840", false, {{{"SMITH", "史密斯"}, {"JOHNSON", "约翰逊"}, {"BROWN", "布朗"}}}, {{{"JOHN", "约翰"}, {"DAVID", "戴维"}}}, {{{"MARY", "玛丽"}, {"SARAH", "萨拉"}}}},
    {"GBR", "826", false, {{{"TAYLOR", "泰勒"}, {"WILSON", "威尔逊"}, {"EVANS", "埃文斯"}}}, {{{"JAMES", "詹姆斯"}, {"OLIVER", "奥利弗"}}}, {{{"EMMA", "埃玛"}, {"LUCY", "露西"}}}},
    {"DEU", "276", false, {{{"MUELLER", "米勒"}, {"SCHMIDT", "施密特"}, {"WEBER", "韦伯"}}}, {{{"LUKAS", "卢卡斯"}, {"FELIX", "费利克斯"}}}, {{{"ANNA", "安娜"}, {"LENA", "莉娜"}}}},
    {"FRA", "250", false, {{{"MARTIN", "马丁"}, {"BERNARD", "贝尔纳"}, {"DUBOIS", "杜布瓦"}}}, {{{"PIERRE", "皮埃尔"}, {"LOUIS", "路易"}}}, {{{"MARIE", "玛丽"}, {"CLAIRE", "克莱尔"}}}},
    {"JPN", "392", true, {{{"SATO", "佐藤"}, {"SUZUKI", "铃木"}, {"TANAKA", "田中"}}}, {{{"HARUTO", "阳翔"}, {"REN", "莲"}}}, {{{"YUI", "结衣"}, {"AOI", "葵"}}}},
    {"KOR", "410", true, {{{"KIM", "金"}, {"LEE", "李"}, {"PARK", "朴"}}}, {{{"MINJUN", "敏俊"}, {"JIHO", "智浩"}}}, {{{"SEOYEON", "瑞妍"}, {"JIWOO", "智友"}}}},
    {"RUS", "643", false, {{{"IVANOV", "伊万诺夫"}, {"PETROV", "彼得罗夫"}, {"SMIRNOV", "斯米尔诺夫"}}}, {{{"ALEXEI", "阿列克谢"}, {"IVAN", "伊万"}}}, {{{"OLGA", "奥尔加"}, {"IRINA", "伊琳娜"}}}},
    {"SGP", "702", true, {{{"TAN", "陈"}, {"LIM", "林"}, {"NG", "黄"}}}, {{{"WEI MING", "伟明"}, {"JUN JIE", "俊杰"}}}, {{{"HUI LING", "慧玲"}, {"XIN YI", "欣怡"}}}},
    {"CAN", "124", false, {{{"TREMBLAY", "特朗布莱"}, {"BROWN", "布朗"}, {"ROY", "罗伊"}}}, {{{"LIAM", "利亚姆"}, {"NOAH", "诺亚"}}}, {{{"OLIVIA", "奥利维娅"}, {"CHLOE", "克洛伊"}}}},
    {"AUS", "036", false, {{{"JONES", "琼斯"}, {"WILLIAMS", "威廉斯"}, {"WHITE", "怀特"}}}, {{{"JACK", "杰克"}, {"WILLIAM", "威廉"}}}, {{{"CHARLOTTE", "夏洛特"}, {"AMELIA", "阿米莉亚"}}}},
};

const Nationality* find_nationality(std::string_view alpha3) {
    for (const auto& n : k_nationalities)
        if (alpha3 == n.alpha3) return &n;
    return nullptr;
}

constexpr const char* k_long_term = "长期";

template <typename T, std::size_t N>
const T& pick(sim::Rng& r, const T (&items)[N]) {
    return items[r.below(N)];
}
template <typename T, std::size_t N>
const T& pick(sim::Rng& r, const std::array<T, N>& items) {
    return items[r.below(N)];
}

// The first n characters (code points) of UTF-8 text.
std::string first_chars(std::string_view s, std::size_t n) {
    std::size_t i = 0;
    for (std::size_t k = 0; k < n && i < s.size(); ++k) {
        ++i;
        while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
    }
    return std::string(s.substr(0, i));
}

std::string digits(std::uint64_t value, int width) {
    std::string s(static_cast<std::size_t>(width), '0');
    for (int i = width - 1; i >= 0; --i) {
        s[static_cast<std::size_t>(i)] = static_cast<char>('0' + value % 10);
        value /= 10;
    }
    return s;
}

std::string address_prefix(const Region& r) {
    std::string p;
    if (std::string_view(r.province) != r.city) p += r.province;
    return p + r.city + r.district;
}

// A plausible street address in `region`, at most 35 characters (the field's width).
std::string make_address(sim::Rng& r, const Region& region, bool fill) {
    std::string a = address_prefix(region);
    if (fill) a += std::string(pick(r, k_subdistricts)) + pick(r, k_communities);
    a += std::string(pick(r, k_streets)) + std::to_string(1 + r.below(300)) + "号";
    std::vector<std::string> more;
    if (fill || r.below(2) == 0) {
        more.push_back(pick(r, k_estates));
        more.push_back(std::to_string(1 + r.below(30)) + "栋");
        more.push_back(std::to_string(1 + r.below(6)) + "单元");
        more.push_back(std::to_string((1 + r.below(30)) * 100 + 1 + r.below(4)) + "室");
    }
    for (const auto& m : more)
        if (fill || protocol::ucs2_length(a + m) <= 35) a += m;
    // A full address runs past the 70-byte field; the chip holds its first 35 characters.
    if (fill) a = first_chars(a, 35);
    return a;
}

// Validity in years for a resident card issued at `age` (0 = 长期), GA 居民身份证 rules.
int resident_years(int age) noexcept {
    if (age < 16) return 5;
    if (age <= 25) return 10;
    if (age <= 45) return 20;
    return 0;
}

std::string sequence_for(sim::Rng& r, char sex) {
    // Three digits; the last one's parity is the sex (odd = male).
    const std::uint64_t last = 2 * r.below(5) + (sex == '1' ? 1 : 0);
    return digits(r.below(100), 2) + static_cast<char>('0' + last);
}

// --- JSON field checking ----------------------------------------------------------

[[noreturn]] void bad(const std::string& field, const std::string& why) {
    throw std::invalid_argument("card." + field + ": " + why);
}

std::string text_field(const json& j, const char* key, bool required) {
    if (!j.contains(key)) {
        if (required) bad(key, "required");
        return {};
    }
    if (!j[key].is_string()) bad(key, "must be a string");
    return j[key].get<std::string>();
}

// Characters outside the BMP are allowed (the chip holds '?' for them: a real
// limit worth testing); invalid UTF-8 is not.
void check_width(const std::string& key, const std::string& v, std::size_t max_chars) {
    if (!protocol::is_valid_utf8(v)) bad(key, "is not valid UTF-8");
    if (protocol::ucs2_length(v) > max_chars)
        bad(key, "at most " + std::to_string(max_chars) + " characters (got " + std::to_string(protocol::ucs2_length(v)) + ")");
}

CivilDate date_field(const std::string& key, const std::string& v) {
    const auto d = CivilDate::parse(v);
    if (!d) bad(key, "expected a date as YYYYMMDD, got \"" + v + "\"");
    return *d;
}

protocol::Bytes blob_field(const json& j, const char* key) {
    if (!j[key].is_string()) bad(key, "must be a Base64 string");
    const auto b = protocol::base64_decode(j[key].get<std::string>());
    if (!b) bad(key, "is not valid Base64");
    if (b->size() != 1024) bad(key, "must be 1024 bytes (got " + std::to_string(b->size()) + ")");
    return *b;
}

void must_be_empty(const std::string& key, const std::string& v, const char* why) {
    if (!v.empty()) bad(key, why);
}

}  // namespace

// --- Card types ---------------------------------------------------------------------

const char* to_string(CardType t) noexcept {
    switch (t) {
    case CardType::resident: return "resident";
    case CardType::hk_mo_tw_residence_permit: return "hk_mo_tw_residence_permit";
    case CardType::foreign_permanent_resident: return "foreign_permanent_resident";
    }
    return "?";
}

std::optional<CardType> card_type_from_string(std::string_view name) noexcept {
    for (CardType t : {CardType::resident, CardType::hk_mo_tw_residence_permit, CardType::foreign_permanent_resident})
        if (name == to_string(t)) return t;
    return std::nullopt;
}

protocol::IdTextLayout text_layout(CardType t) noexcept {
    switch (t) {
    case CardType::resident: return protocol::IdTextLayout::resident;
    case CardType::hk_mo_tw_residence_permit: return protocol::IdTextLayout::hk_mo_tw_permit;
    case CardType::foreign_permanent_resident: return protocol::IdTextLayout::foreign_permanent_2023;
    }
    return protocol::IdTextLayout::resident;
}

std::span<const Region> regions() noexcept { return k_regions; }

const Region* find_region(std::string_view code) noexcept {
    for (const auto& r : k_regions)
        if (code == r.code) return &r;
    return nullptr;
}

protocol::Bytes synthetic_photo(std::uint64_t seed) {
    sim::Rng r(sim::derive_seed(seed, "photo"));
    protocol::Bytes b(protocol::k_id_photo_size);
    for (auto& x : b) x = static_cast<std::uint8_t>(r.next() >> 56);
    const char magic[] = "KTWLT";
    std::copy(magic, magic + 5, b.begin());
    return b;
}

protocol::Bytes synthetic_fingerprint(std::uint64_t seed) {
    sim::Rng r(sim::derive_seed(seed, "fingerprint"));
    protocol::Bytes b(protocol::k_id_fingerprint_size);
    for (auto& x : b) x = static_cast<std::uint8_t>(r.next() >> 56);
    const char magic[] = "KTFPR";
    std::copy(magic, magic + 5, b.begin());
    return b;
}

// --- IdCard ------------------------------------------------------------------------------

bool IdCard::expired_on(CivilDate today) const noexcept {
    if (text.valid_to == k_long_term) return false;
    const auto d = CivilDate::parse(text.valid_to);
    return d && *d < today;
}

json IdCard::to_json() const {
    json j{{"type", to_string(type)}, {"name", text.name},         {"sex", text.sex},
           {"birth", text.birth},     {"id_number", text.id_number}, {"valid_from", text.valid_from},
           {"valid_to", text.valid_to}};
    switch (type) {
    case CardType::resident:
        j["nation"] = text.nation;
        j["address"] = text.address;
        j["authority"] = text.authority;
        break;
    case CardType::hk_mo_tw_residence_permit:
        j["address"] = text.address;
        j["authority"] = text.authority;
        j["pass_number"] = text.pass_number;
        j["issue_count"] = text.issue_count;
        break;
    case CardType::foreign_permanent_resident:
        j["english_name"] = text.english_name;
        j["nation"] = text.nation;
        j["issue_count"] = text.issue_count;
        break;
    }
    if (!text.reserved.empty()) j["reserved"] = text.reserved;
    j["photo"] = protocol::base64_encode(photo);
    if (appended_address) j["appended_address"] = *appended_address;
    j["has_fingerprint"] = has_fingerprint;
    if (has_fingerprint) j["fingerprint"] = protocol::base64_encode(fingerprint);
    return j;
}

IdCard IdCard::from_json(const json& j) {
    if (!j.is_object()) throw std::invalid_argument("card: expected a JSON object");
    static const char* const k_keys[] = {"type",        "name",        "sex",          "nation",     "birth",
                                         "address",     "id_number",   "authority",    "valid_from", "valid_to",
                                         "reserved",    "pass_number", "issue_count",  "english_name", "photo",
                                         "appended_address", "has_fingerprint", "fingerprint"};
    for (const auto& item : j.items())
        if (std::find_if(std::begin(k_keys), std::end(k_keys), [&](const char* k) { return item.key() == k; }) ==
            std::end(k_keys))
            throw std::invalid_argument("card: unknown key \"" + item.key() + "\"");

    IdCard c;
    if (j.contains("type")) {
        if (!j["type"].is_string() || !card_type_from_string(j["type"].get<std::string>()))
            bad("type", "must be one of resident, hk_mo_tw_residence_permit, foreign_permanent_resident");
        c.type = *card_type_from_string(j["type"].get<std::string>());
    }
    protocol::IdText& t = c.text;
    t.layout = text_layout(c.type);
    const bool resident = c.type == CardType::resident;
    const bool permit = c.type == CardType::hk_mo_tw_residence_permit;
    const bool foreign = c.type == CardType::foreign_permanent_resident;

    t.name = text_field(j, "name", !foreign);
    if (!foreign && t.name.empty()) bad("name", "must not be empty");
    check_width("name", t.name, 15);

    t.sex = text_field(j, "sex", true);
    if (t.sex != "1" && t.sex != "2") bad("sex", "must be \"1\" (male) or \"2\" (female)");

    t.nation = text_field(j, "nation", resident || foreign);
    if (resident && protocol::nation_name(t.nation) == nullptr)
        bad("nation", "must be a GB/T 3304 code such as \"01\" (got \"" + t.nation + "\")");
    if (permit) must_be_empty("nation", t.nation, "residence permits carry no nation");
    if (foreign && (t.nation.size() != 3 || !std::all_of(t.nation.begin(), t.nation.end(), [](char ch) { return ch >= 'A' && ch <= 'Z'; })))
        bad("nation", "a foreign card's nationality is an ISO 3166 alpha-3 code such as \"USA\"");

    t.birth = text_field(j, "birth", true);
    const CivilDate birth = date_field("birth", t.birth);

    t.address = text_field(j, "address", !foreign);
    if (foreign) must_be_empty("address", t.address, "foreign permanent resident cards carry no address");
    else if (t.address.empty()) bad("address", "must not be empty");
    check_width("address", t.address, 35);

    t.id_number = text_field(j, "id_number", true);
    if (const auto v = cid::validate(t.id_number); !v) bad("id_number", v.message);
    const cid::Kind kind = cid::kind_of(t.id_number);
    if (resident && kind != cid::Kind::resident) bad("id_number", "a resident card's number starts with a mainland region");
    if (permit && kind != cid::Kind::hk_permit && kind != cid::Kind::macao_permit && kind != cid::Kind::taiwan_permit)
        bad("id_number", "a residence permit's number starts with 810000, 820000 or 830000");
    if (foreign && kind != cid::Kind::foreign_permanent) bad("id_number", "a foreign permanent resident's number starts with 9");
    if (cid::birth_date(t.id_number) != birth) bad("id_number", "its birth date does not match birth " + t.birth);
    if (cid::sex_code(t.id_number) != t.sex[0]) bad("id_number", "its sequence digit does not match sex " + t.sex);

    t.authority = text_field(j, "authority", !foreign);
    if (foreign) must_be_empty("authority", t.authority, "the 2023 foreign card carries no issuing authority");
    else if (t.authority.empty()) bad("authority", "must not be empty");
    check_width("authority", t.authority, 15);

    t.valid_from = text_field(j, "valid_from", true);
    const CivilDate from = date_field("valid_from", t.valid_from);
    if (from < birth) bad("valid_from", "is before the birth date");
    t.valid_to = text_field(j, "valid_to", true);
    if (t.valid_to == k_long_term) {
        if (!resident) bad("valid_to", "only resident cards are valid 长期");
    } else if (date_field("valid_to", t.valid_to) <= from) {
        bad("valid_to", "must be after valid_from");
    }

    t.pass_number = text_field(j, "pass_number", permit);
    if (permit && (t.pass_number.empty() || t.pass_number.size() > 9)) bad("pass_number", "1 to 9 characters");
    if (!permit) must_be_empty("pass_number", t.pass_number, "only residence permits have one");
    t.issue_count = text_field(j, "issue_count", false);
    if (resident) must_be_empty("issue_count", t.issue_count, "resident cards have none");
    if (!t.issue_count.empty() && (t.issue_count.size() != 2 || !std::isdigit(static_cast<unsigned char>(t.issue_count[0])) ||
                                   !std::isdigit(static_cast<unsigned char>(t.issue_count[1]))))
        bad("issue_count", "two digits");
    t.english_name = text_field(j, "english_name", foreign);
    if (foreign && t.english_name.empty()) bad("english_name", "must not be empty");
    if (!foreign) must_be_empty("english_name", t.english_name, "only foreign cards have one");
    check_width("english_name", t.english_name, 46);
    t.reserved = text_field(j, "reserved", false);
    check_width("reserved", t.reserved, resident ? 18 : 3);

    c.photo = j.contains("photo") ? blob_field(j, "photo") : synthetic_photo(sim::fnv1a64(t.id_number));
    if (j.contains("appended_address") && !j["appended_address"].is_null()) {
        if (foreign) bad("appended_address", "foreign cards carry no address");
        c.appended_address = text_field(j, "appended_address", true);
        check_width("appended_address", *c.appended_address, 35);
    }
    if (j.contains("has_fingerprint")) {
        if (!j["has_fingerprint"].is_boolean()) bad("has_fingerprint", "must be true or false");
        c.has_fingerprint = j["has_fingerprint"].get<bool>();
    }
    if (j.contains("fingerprint")) {
        c.fingerprint = blob_field(j, "fingerprint");
        if (j.contains("has_fingerprint") && !c.has_fingerprint) bad("fingerprint", "given, but has_fingerprint is false");
        c.has_fingerprint = true;
    } else if (c.has_fingerprint) {
        c.fingerprint = synthetic_fingerprint(sim::fnv1a64(t.id_number));
    }
    return c;
}

json IdCard::summary() const {
    json s{{"type", to_string(type)},
           {"name", type == CardType::foreign_permanent_resident && text.name.empty() ? text.english_name : text.name},
           {"id_number", protocol::mask_id(text.id_number)},
           {"valid_to", text.valid_to},
           {"has_fingerprint", has_fingerprint},
           {"appended_address", appended_address.has_value()}};
    return s;
}

// --- Options --------------------------------------------------------------------------------

namespace {

const char* validity_name(Validity v) {
    switch (v) {
    case Validity::current: return "current";
    case Validity::expired: return "expired";
    case Validity::long_term: return "long_term";
    }
    return "?";
}

[[noreturn]] void bad_option(const std::string& key, const std::string& why) {
    throw std::invalid_argument("generate." + key + ": " + why);
}

bool bool_option(const json& j, const char* key) {
    if (!j[key].is_boolean()) bad_option(key, "must be true or false");
    return j[key].get<bool>();
}

}  // namespace

GeneratorOptions GeneratorOptions::from_json(const json& j) {
    if (!j.is_object()) throw std::invalid_argument("generate: expected a JSON object");
    GeneratorOptions o;
    for (const auto& item : j.items()) {
        const std::string& k = item.key();
        const json& v = item.value();
        if (k == "type") {
            if (!v.is_string() || !card_type_from_string(v.get<std::string>()))
                bad_option(k, "must be one of resident, hk_mo_tw_residence_permit, foreign_permanent_resident");
            o.type = *card_type_from_string(v.get<std::string>());
        } else if (k == "reference_date") {
            std::string s = v.is_string() ? v.get<std::string>() : std::string();
            s.erase(std::remove(s.begin(), s.end(), '-'), s.end());
            const auto d = CivilDate::parse(s);
            if (!d) bad_option(k, "expected \"YYYYMMDD\" or \"YYYY-MM-DD\"");
            o.reference_date = *d;
        } else if (k == "age") {
            if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > 120)
                bad_option(k, "an integer from 0 to 120");
            o.age = v.get<int>();
        } else if (k == "sex") {
            const std::string s = v.is_string() ? v.get<std::string>() : std::string();
            if (s == "1" || s == "male" || s == "M") o.sex = '1';
            else if (s == "2" || s == "female" || s == "F") o.sex = '2';
            else bad_option(k, "\"1\"/\"male\" or \"2\"/\"female\"");
        } else if (k == "region") {
            if (!v.is_string() || !find_region(v.get<std::string>())) {
                std::string list;
                for (const auto& r : k_regions) list += std::string(list.empty() ? "" : ", ") + r.code;
                bad_option(k, "one of the known regions: " + list);
            }
            o.region = v.get<std::string>();
        } else if (k == "validity") {
            const std::string s = v.is_string() ? v.get<std::string>() : std::string();
            if (s == "current") o.validity = Validity::current;
            else if (s == "expired") o.validity = Validity::expired;
            else if (s == "long_term") o.validity = Validity::long_term;
            else bad_option(k, "one of current, expired, long_term");
        } else if (k == "long_name") {
            o.long_name = bool_option(j, "long_name");
        } else if (k == "long_address") {
            o.long_address = bool_option(j, "long_address");
        } else if (k == "rare_characters") {
            o.rare_characters = bool_option(j, "rare_characters");
        } else if (k == "appended_address") {
            o.appended_address = bool_option(j, "appended_address");
        } else if (k == "fingerprint") {
            o.fingerprint = bool_option(j, "fingerprint");
        } else if (k == "origin") {
            const std::string s = v.is_string() ? v.get<std::string>() : std::string("?");
            if (s != "hk" && s != "mo" && s != "tw") bad_option(k, "one of hk, mo, tw");
            o.origin = s;
        } else if (k == "nationality") {
            if (!v.is_string() || !find_nationality(v.get<std::string>())) {
                std::string list;
                for (const auto& n : k_nationalities) list += std::string(list.empty() ? "" : ", ") + n.alpha3;
                bad_option(k, "one of " + list);
            }
            o.nationality = v.get<std::string>();
        } else {
            throw std::invalid_argument("generate: unknown key \"" + k + "\"");
        }
    }
    return o;
}

json GeneratorOptions::to_json() const {
    json j{{"type", to_string(type)},
           {"reference_date", reference_date.yyyymmdd()},
           {"validity", validity_name(validity)},
           {"long_name", long_name},
           {"long_address", long_address},
           {"rare_characters", rare_characters}};
    if (age) j["age"] = *age;
    if (sex) j["sex"] = std::string(1, *sex);
    if (region) j["region"] = *region;
    if (appended_address) j["appended_address"] = *appended_address;
    if (fingerprint) j["fingerprint"] = *fingerprint;
    if (!origin.empty()) j["origin"] = origin;
    if (!nationality.empty()) j["nationality"] = nationality;
    return j;
}

std::optional<GeneratorOptions> preset_options(std::string_view name) {
    GeneratorOptions o;
    if (name == "resident") return o;
    if (name == "expired") o.validity = Validity::expired;
    else if (name == "long_term") o.validity = Validity::long_term;
    else if (name == "child") o.age = 10;
    else if (name == "long_name") o.long_name = true;
    else if (name == "long_address") o.long_address = true;
    else if (name == "rare_characters") o.rare_characters = true;
    else if (name == "appended_address") o.appended_address = true;
    else if (name == "no_appended_address") o.appended_address = false;
    else if (name == "fingerprint") o.fingerprint = true;
    else if (name == "residence_permit") o.type = CardType::hk_mo_tw_residence_permit;
    else if (name == "hk_permit" || name == "macao_permit" || name == "taiwan_permit") {
        o.type = CardType::hk_mo_tw_residence_permit;
        o.origin = name == "hk_permit" ? "hk" : name == "macao_permit" ? "mo" : "tw";
    } else if (name == "foreign_permanent_resident") o.type = CardType::foreign_permanent_resident;
    else return std::nullopt;
    return o;
}

std::vector<std::string> preset_names() {
    return {"resident",         "expired",         "long_term",          "child",
            "long_name",        "long_address",    "rare_characters",    "appended_address",
            "no_appended_address", "fingerprint",  "residence_permit",   "hk_permit",
            "macao_permit",     "taiwan_permit",   "foreign_permanent_resident"};
}

// --- Generator ---------------------------------------------------------------------------------

IdCard ResidentGenerator::next(const GeneratorOptions& o) {
    sim::Rng r(sim::derive_seed(m_seed, "card/" + std::to_string(m_count)));
    ++m_count;
    const bool resident = o.type == CardType::resident;
    const bool permit = o.type == CardType::hk_mo_tw_residence_permit;
    const bool foreign = o.type == CardType::foreign_permanent_resident;
    if (o.validity == Validity::long_term && !resident)
        throw std::invalid_argument("generate: only resident cards are valid 长期");
    if (o.appended_address.value_or(false) && foreign)
        throw std::invalid_argument("generate: foreign cards carry no appended address");
    const CivilDate today = o.reference_date;

    IdCard c;
    c.type = o.type;
    protocol::IdText& t = c.text;
    t.layout = text_layout(o.type);

    // Who: sex, age, birth date.
    const char sex = o.sex.value_or(r.below(2) == 0 ? '1' : '2');
    t.sex = std::string(1, sex);
    int age = 0;
    if (o.age) {
        age = *o.age;
    } else if (o.validity == Validity::long_term) {
        age = 50 + static_cast<int>(r.below(36));
    } else if (o.validity == Validity::expired) {
        age = 8 + static_cast<int>(r.below(60));
    } else {
        const std::uint64_t band = r.below(100);
        age = band < 5 ? static_cast<int>(r.below(16)) : band < 90 ? 16 + static_cast<int>(r.below(60)) : 76 + static_cast<int>(r.below(20));
    }
    const CivilDate latest = today.plus_years(-age);
    const CivilDate earliest = today.plus_years(-(age + 1)).plus_days(1);
    const CivilDate birth = earliest.plus_days(static_cast<std::int64_t>(r.below(static_cast<std::uint64_t>(latest.days() - earliest.days() + 1))));
    t.birth = birth.yyyymmdd();

    // Where.
    const Region* region = nullptr;
    if (o.region) region = find_region(*o.region);
    else if (o.long_name) region = find_region("650102");
    else region = &pick(r, k_regions);
    if (region == nullptr) throw std::invalid_argument("generate: unknown region \"" + o.region.value_or("") + "\"");

    // Name.
    if (foreign) {
        const Nationality* n = o.nationality.empty() ? &pick(r, k_nationalities) : find_nationality(o.nationality);
        if (n == nullptr) throw std::invalid_argument("generate: unknown nationality \"" + o.nationality + "\"");
        const NamePair& sur = pick(r, n->surnames);
        const NamePair& given = sex == '1' ? pick(r, n->male) : pick(r, n->female);
        t.english_name = std::string(sur.latin) + ", " + given.latin;
        t.name = n->surname_first ? std::string(sur.chinese) + given.chinese : std::string(given.chinese) + "·" + sur.chinese;
        t.nation = n->alpha3;
        t.issue_count = "00";
        const std::string prefix = std::string("9") + std::string(region->code).substr(0, 2) + n->numeric;
        const std::string first17 = prefix + t.birth + sequence_for(r, sex);
        t.id_number = first17 + cid::check_digit(first17);
    } else {
        if (o.long_name) {
            // Longer than the field, cut at 15 characters as the chip holds it (never on the "·").
            std::string name = pick(r, k_long_name_parts);
            while (protocol::ucs2_length(name) < 16) name += std::string("·") + pick(r, k_long_name_parts);
            name = first_chars(name, 16);
            const std::string fifteen = first_chars(name, 15);
            t.name = fifteen.size() >= 2 && fifteen.compare(fifteen.size() - 2, 2, "·") == 0
                         ? first_chars(name, 14) + name.substr(fifteen.size())
                         : fifteen;
        } else {
            std::string name = r.below(100) < 3 ? pick(r, k_compound_surnames) : pick(r, k_surnames);
            const int given = r.below(100) < 65 ? 2 : 1;
            for (int i = 0; i < given; ++i) name += sex == '1' ? pick(r, k_given_male) : pick(r, k_given_female);
            t.name = name;
        }
        if (o.rare_characters) t.name = first_chars(t.name, protocol::ucs2_length(t.name) - 1) + pick(r, k_rare_characters);
        if (resident)
            t.nation = o.long_name ? "05" : r.below(100) < 91 ? "01" : pick(r, k_minority_nations);
        t.address = make_address(r, *region, o.long_address);
        if (resident) {
            t.authority = std::string(region->city) + "公安局" + region->short_district + "分局";
            const std::string first17 = std::string(region->code) + t.birth + sequence_for(r, sex);
            t.id_number = first17 + cid::check_digit(first17);
        } else {
            static constexpr const char* k_origins[] = {"hk", "mo", "tw"};
            const std::string origin = o.origin.empty() ? pick(r, k_origins) : o.origin;
            const char* code = origin == "hk" ? "810000" : origin == "mo" ? "820000" : "830000";
            t.authority = std::string(region->city) + "公安局";
            const std::string first17 = code + t.birth + sequence_for(r, sex);
            t.id_number = first17 + cid::check_digit(first17);
            t.pass_number = origin == "hk" ? "H" + digits(r.below(100'000'000), 8)
                            : origin == "mo" ? "M" + digits(r.below(100'000'000), 8)
                                             : digits(r.below(100'000'000), 8);
            t.issue_count = "0" + std::to_string(1 + r.below(3));
        }
    }

    // Validity: the card was issued some time before `today`, its term set by the age at issue.
    auto years_for = [&](int age_at_issue) {
        if (permit) return 5;
        if (foreign) return age_at_issue >= 18 ? 10 : 5;
        return resident_years(age_at_issue);
    };
    // The 2023 foreign card exists since December 2023.
    const CivilDate first_issue = foreign ? CivilDate{2023, 12, 1} : birth;
    const std::int64_t max_back = std::min<std::int64_t>(today.days() - std::max(birth, first_issue).days(), 25 * 366);
    bool found = false;
    for (int attempt = 0; attempt < 500 && !found; ++attempt) {
        const CivilDate issued = today.plus_days(-static_cast<std::int64_t>(r.below(static_cast<std::uint64_t>(std::max<std::int64_t>(max_back, 0) + 1))));
        const int years = years_for(protocol::age_on(birth, issued));
        const bool long_term = years == 0;
        const CivilDate until = long_term ? today : issued.plus_years(years);
        bool ok = false;
        switch (o.validity) {
        case Validity::current: ok = long_term || !(until < today); break;
        case Validity::expired: ok = !long_term && until < today; break;
        case Validity::long_term: ok = long_term; break;
        }
        if (!ok) continue;
        t.valid_from = issued.yyyymmdd();
        t.valid_to = long_term ? k_long_term : until.yyyymmdd();
        found = true;
    }
    if (!found)
        throw std::invalid_argument(std::string("generate: cannot make a ") + validity_name(o.validity) + " " +
                                    to_string(o.type) + " card for a person aged " + std::to_string(age));

    const std::uint64_t blob_seed = sim::derive_seed(m_seed, "card-blobs/" + std::to_string(m_count - 1));
    c.photo = synthetic_photo(blob_seed);
    const bool appended = o.appended_address.value_or(!foreign && r.below(100) < 10);
    if (appended) c.appended_address = make_address(r, *region, false);
    c.has_fingerprint = o.fingerprint.value_or(r.below(100) < 60);
    if (c.has_fingerprint) c.fingerprint = synthetic_fingerprint(blob_seed);
    return c;
}

}  // namespace kiosktwin::devices
