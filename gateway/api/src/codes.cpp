#include <kiosktwin/api/codes.hpp>

#include <kiosktwin/protocol/citizen_id.hpp>

#include <array>
#include <charconv>
#include <string>

namespace kiosktwin::api::codes {

namespace {

using VT = Table::ValueType;

constexpr Code k_gender[] = {
    {"0", "未知的性别", "unknown"},
    {"1", "男", "male"},
    {"2", "女", "female"},
    {"9", "未说明的性别", "not stated"},
};

// GA/T 2000.156 常用证件代码: the values commonly cited from it [inferred].
constexpr Code k_document_type[] = {
    {"111", "居民身份证", "resident identity card"},
    {"112", "临时居民身份证", "temporary resident identity card"},
    {"113", "居民户口簿", "household register"},
    {"114", "中国人民解放军军官证", "PLA officer's card"},
    {"414", "普通护照", "ordinary passport"},
    {"511", "台湾居民来往大陆通行证", "mainland travel permit for Taiwan residents"},
    {"516", "港澳居民来往内地通行证", "mainland travel permit for Hong Kong and Macao residents"},
    {"553", "外国人永久居留身份证", "foreign permanent resident ID card"},
    {"990", "其他", "other"},
};

constexpr Code k_region[] = {
    {"110000", "北京市", "Beijing"},
    {"110101", "东城区", "Dongcheng District, Beijing"},
    {"110102", "西城区", "Xicheng District, Beijing"},
    {"110105", "朝阳区", "Chaoyang District, Beijing"},
    {"110108", "海淀区", "Haidian District, Beijing"},
    {"120000", "天津市", "Tianjin"},
    {"130000", "河北省", "Hebei"},
    {"140000", "山西省", "Shanxi"},
    {"150000", "内蒙古自治区", "Inner Mongolia"},
    {"210000", "辽宁省", "Liaoning"},
    {"220000", "吉林省", "Jilin"},
    {"230000", "黑龙江省", "Heilongjiang"},
    {"310000", "上海市", "Shanghai"},
    {"310101", "黄浦区", "Huangpu District, Shanghai"},
    {"310115", "浦东新区", "Pudong New Area, Shanghai"},
    {"320000", "江苏省", "Jiangsu"},
    {"320100", "南京市", "Nanjing"},
    {"320102", "玄武区", "Xuanwu District, Nanjing"},
    {"330000", "浙江省", "Zhejiang"},
    {"330100", "杭州市", "Hangzhou"},
    {"330106", "西湖区", "Xihu District, Hangzhou"},
    {"340000", "安徽省", "Anhui"},
    {"350000", "福建省", "Fujian"},
    {"360000", "江西省", "Jiangxi"},
    {"370000", "山东省", "Shandong"},
    {"410000", "河南省", "Henan"},
    {"420000", "湖北省", "Hubei"},
    {"420100", "武汉市", "Wuhan"},
    {"420102", "江岸区", "Jiang'an District, Wuhan"},
    {"420900", "孝感市", "Xiaogan"},
    {"420902", "孝南区", "Xiaonan District, Xiaogan"},
    {"430000", "湖南省", "Hunan"},
    {"440000", "广东省", "Guangdong"},
    {"440100", "广州市", "Guangzhou"},
    {"440106", "天河区", "Tianhe District, Guangzhou"},
    {"440300", "深圳市", "Shenzhen"},
    {"440305", "南山区", "Nanshan District, Shenzhen"},
    {"450000", "广西壮族自治区", "Guangxi"},
    {"460000", "海南省", "Hainan"},
    {"500000", "重庆市", "Chongqing"},
    {"500101", "万州区", "Wanzhou District, Chongqing"},
    {"510000", "四川省", "Sichuan"},
    {"510100", "成都市", "Chengdu"},
    {"510104", "锦江区", "Jinjiang District, Chengdu"},
    {"520000", "贵州省", "Guizhou"},
    {"530000", "云南省", "Yunnan"},
    {"540000", "西藏自治区", "Tibet"},
    {"610000", "陕西省", "Shaanxi"},
    {"620000", "甘肃省", "Gansu"},
    {"620500", "天水市", "Tianshui"},
    {"620524", "武山县", "Wushan County, Tianshui"},
    {"630000", "青海省", "Qinghai"},
    {"640000", "宁夏回族自治区", "Ningxia"},
    {"650000", "新疆维吾尔自治区", "Xinjiang"},
    {"710000", "台湾省", "Taiwan"},
    {"810000", "香港特别行政区", "Hong Kong SAR"},
    {"820000", "澳门特别行政区", "Macao SAR"},
};

// R-6.1-1; two-letter codes as provincial item catalogues write them [inferred].
constexpr Code k_item_type[] = {
    {"XK", "行政许可", "administrative licensing"},
    {"QR", "行政确认", "administrative confirmation"},
    {"CJ", "行政裁决", "administrative adjudication"},
    {"JF", "行政给付", "administrative payment"},
    {"JL", "行政奖励", "administrative reward"},
    {"BA", "行政备案", "administrative filing"},
    {"QT", "其他行政权力", "other administrative power"},
    {"GG", "公共服务", "public service"},
};

constexpr Code k_rating[] = {
    {"5", "非常满意", "very satisfied"},
    {"4", "满意", "satisfied"},
    {"3", "基本满意", "basically satisfied"},
    {"2", "不满意", "dissatisfied"},
    {"1", "非常不满意", "very dissatisfied"},
};

constexpr Code k_bad_review_reason[] = {
    {"attitude", "服务态度差", "poor service attitude"},
    {"efficiency", "办事效率低", "slow handling"},
    {"guide_inaccurate", "办事指南不准确", "inaccurate service guide"},
    {"repeat_visits", "多次跑动", "had to come back several times"},
    {"materials", "材料要求不合理", "unreasonable material requirements"},
    {"device_fault", "设备故障", "device fault"},
    {"hard_to_operate", "操作不便", "hard to operate"},
    {"not_handled", "未能办结", "not completed"},
    {"other", "其他", "other"},
};

constexpr Code k_channel[] = {
    {"kiosk", "自助终端", "self-service kiosk"},
    {"window", "窗口（评价器）", "service window (evaluator)"},
    {"web", "网上办事大厅", "web portal"},
    {"app", "移动端", "mobile app"},
    {"mini_program", "小程序", "mini program"},
    {"qr_code", "二维码", "QR code"},
    {"hotline_12345", "12345 热线", "12345 hotline"},
};

constexpr Code k_terminal_status[] = {
    {"online", "在线", "online"},
    {"degraded", "降级运行", "degraded (a peripheral is faulty)"},
    {"fault", "故障", "fault"},
    {"maintenance", "维护中", "under maintenance"},
    {"locked", "已锁定", "locked (remote command)"},
    {"offline", "离线", "offline"},
    {"retired", "已停用", "retired"},
};

// The device kinds of hw-emulators/devices.
constexpr Code k_peripheral_type[] = {
    {"idcard_reader", "身份证阅读器", "ID-card reader"},
    {"qr_scanner", "扫码器", "QR / barcode scanner"},
    {"receipt_printer", "凭条打印机", "receipt printer"},
    {"a4_printer", "A4 打印机", "A4 printer"},
    {"face_camera", "人脸识别摄像头", "face camera"},
    {"document_camera", "高拍仪", "document camera"},
    {"signature_pad", "电子签名板", "signature pad"},
    {"fingerprint_sensor", "指纹仪", "fingerprint sensor"},
    {"ssc_reader", "社保卡读卡器", "social-security card reader"},
    {"pin_pad", "密码键盘", "PIN pad"},
};

bool region_rule(std::string_view code) noexcept { return is_region_code(code); }

const Table k_gender_table{"gender", "GB/T 2261.1", VT::string, k_gender};
const Table k_document_type_table{"document_type", "GA/T 2000.156 (subset)", VT::string, k_document_type};
const Table k_region_table{"region", "GB/T 2260 (province-level codes and examples; open)", VT::string,
                           k_region, &region_rule};
const Table k_item_type_table{"item_type", "R-6.1-1", VT::string, k_item_type};
const Table k_rating_table{"rating", "GB/T 39734 / R-11.3-1", VT::integer, k_rating};
const Table k_bad_review_reason_table{"bad_review_reason", "R-11.3-1 (bench set)", VT::string,
                                      k_bad_review_reason};
const Table k_channel_table{"channel", "GB/T 39734 6 (bench set)", VT::string, k_channel};
const Table k_terminal_status_table{"terminal_status", "R-8.4-1 (bench set)", VT::string, k_terminal_status};
const Table k_peripheral_type_table{"peripheral_type", "hw-emulators/devices kinds", VT::string,
                                    k_peripheral_type};

constexpr std::array<const Table*, 9> k_all{
    &k_gender_table,  &k_document_type_table,      &k_region_table,
    &k_item_type_table, &k_rating_table,           &k_bad_review_reason_table,
    &k_channel_table, &k_terminal_status_table,    &k_peripheral_type_table,
};

bool digits(std::string_view s) noexcept {
    for (char ch : s)
        if (ch < '0' || ch > '9') return false;
    return true;
}

}  // namespace

const Code* Table::find(std::string_view code) const noexcept {
    for (const auto& e : m_entries)
        if (e.code == code) return &e;
    return nullptr;
}

const Code* Table::find(long long code) const noexcept {
    if (m_type != ValueType::integer) return nullptr;
    const std::string s = std::to_string(code);
    return find(std::string_view(s));
}

bool Table::accepts(std::string_view code) const noexcept {
    return find(code) != nullptr || (m_open_rule != nullptr && m_open_rule(code));
}

bool Table::accepts(const nlohmann::json& value) const noexcept {
    if (m_type == ValueType::integer) {
        if (!value.is_number_integer()) return false;
        if (value.is_number_unsigned() && value.get<unsigned long long>() > 1000000u) return false;
        return find(value.get<long long>()) != nullptr;
    }
    return value.is_string() && accepts(std::string_view(value.get_ref<const std::string&>()));
}

nlohmann::json Table::to_json() const {
    nlohmann::json entries = nlohmann::json::array();
    for (const auto& e : m_entries) {
        nlohmann::json code = std::string(e.code);
        if (m_type == ValueType::integer) {
            long long n = 0;
            std::from_chars(e.code.data(), e.code.data() + e.code.size(), n);
            code = n;
        }
        entries.push_back({{"code", std::move(code)}, {"zh", e.zh}, {"en", e.en}});
    }
    return {{"source", m_source},
            {"value_type", m_type == ValueType::integer ? "integer" : "string"},
            {"open", open()},
            {"entries", std::move(entries)}};
}

const Table& gender() { return k_gender_table; }
const Table& document_type() { return k_document_type_table; }
const Table& region() { return k_region_table; }
const Table& item_type() { return k_item_type_table; }
const Table& rating() { return k_rating_table; }
const Table& bad_review_reason() { return k_bad_review_reason_table; }
const Table& channel() { return k_channel_table; }
const Table& terminal_status() { return k_terminal_status_table; }
const Table& peripheral_type() { return k_peripheral_type_table; }

std::span<const Table* const> all_tables() noexcept { return k_all; }

const Table* find_table(std::string_view name) noexcept {
    for (const Table* t : k_all)
        if (t->name() == name) return t;
    return nullptr;
}

nlohmann::json to_json() {
    nlohmann::json out = nlohmann::json::object();
    for (const Table* t : k_all) out[std::string(t->name())] = t->to_json();
    return out;
}

bool is_region_code(std::string_view code) noexcept { return region_level(code).has_value(); }

std::optional<RegionLevel> region_level(std::string_view code) noexcept {
    if (code.size() != 6 || !digits(code)) return std::nullopt;
    const int province = (code[0] - '0') * 10 + (code[1] - '0');
    if (!protocol::citizen_id::is_province_code(province)) return std::nullopt;
    const bool has_prefecture = code.substr(2, 2) != "00";
    const bool has_county = code.substr(4, 2) != "00";
    if (has_county && !has_prefecture) return std::nullopt;
    if ((province == 71 || province == 81 || province == 82) && has_prefecture) return std::nullopt;
    if (has_county) return RegionLevel::county;
    if (has_prefecture) return RegionLevel::prefecture;
    return RegionLevel::province;
}

std::string_view region_name(std::string_view code) noexcept {
    const Code* c = k_region_table.find(code);
    return c ? c->zh : std::string_view{};
}

bool has_citizen_id_number(std::string_view document_type) noexcept {
    return document_type == "111" || document_type == "112" || document_type == "553";
}

}  // namespace kiosktwin::api::codes
