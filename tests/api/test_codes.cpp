// The code tables of the interface's data dictionary (R-8.2-1, R-6.1-1, R-11.3-1).
#include <catch2/catch.hpp>

#include <kiosktwin/api/codes.hpp>

#include <set>
#include <string>

namespace api_codes_test {

using namespace kiosktwin::api;
using codes::RegionLevel;
using codes::Table;
using nlohmann::json;

namespace {
std::string names(const Table& t) {
    std::string out;
    for (const auto& c : t.entries()) out.append(c.code).append("=").append(c.zh).append(";");
    return out;
}
}  // namespace

TEST_CASE("R-8.2-1: every table has unique codes, Chinese and English names", "[api][codes]") {
    REQUIRE(codes::all_tables().size() == 9);
    std::set<std::string_view> table_names;
    for (const Table* t : codes::all_tables()) {
        INFO(t->name());
        CHECK(table_names.insert(t->name()).second);
        CHECK(codes::find_table(t->name()) == t);
        CHECK_FALSE(t->source().empty());
        CHECK_FALSE(t->entries().empty());
        std::set<std::string_view> seen;
        for (const auto& c : t->entries()) {
            CHECK(seen.insert(c.code).second);
            CHECK_FALSE(c.zh.empty());
            CHECK_FALSE(c.en.empty());
            CHECK(t->find(c.code) == &c);
            CHECK(t->accepts(c.code));
        }
        CHECK_FALSE(t->accepts(std::string_view("nope")));
        CHECK(t->find(std::string_view("")) == nullptr);
    }
    CHECK(codes::find_table("nope") == nullptr);
}

TEST_CASE("R-8.2-1: gender follows GB/T 2261.1 and travels as a string", "[api][codes]") {
    const Table& g = codes::gender();
    CHECK(names(g) == "0=未知的性别;1=男;2=女;9=未说明的性别;");
    CHECK(g.value_type() == Table::ValueType::string);
    CHECK(g.find("1")->en == "male");
    CHECK(g.accepts(json("2")));
    CHECK_FALSE(g.accepts(json(2)));  // a string table wants strings
    CHECK_FALSE(g.accepts(json("3")));
    CHECK_FALSE(g.open());
}

TEST_CASE("R-8.2-1: document types, with the ones that carry a GB 11643 number", "[api][codes]") {
    const Table& d = codes::document_type();
    CHECK(d.find("111")->zh == "居民身份证");
    CHECK(d.find("414")->zh == "普通护照");
    CHECK(d.find("516")->zh == "港澳居民来往内地通行证");
    CHECK(d.find("990")->zh == "其他");
    CHECK(d.entries().size() == 9);
    CHECK(codes::has_citizen_id_number("111"));
    CHECK(codes::has_citizen_id_number("553"));
    CHECK_FALSE(codes::has_citizen_id_number("414"));
}

TEST_CASE("R-8.2-1: region codes (GB/T 2260): names built in, any structurally valid code accepted",
          "[api][codes][region]") {
    const Table& r = codes::region();
    CHECK(r.open());
    // All 34 province-level divisions are named.
    int provinces = 0;
    for (const auto& c : r.entries())
        if (codes::region_level(c.code) == RegionLevel::province) ++provinces;
    CHECK(provinces == 34);
    for (const auto& c : r.entries()) {
        INFO(c.code);
        CHECK(codes::is_region_code(c.code));  // the table obeys its own rule
    }
    CHECK(codes::region_name("110000") == "北京市");
    CHECK(codes::region_name("110101") == "东城区");
    CHECK(codes::region_name("620524") == "武山县");
    CHECK(codes::region_name("820000") == "澳门特别行政区");
    CHECK(codes::region_level("110000") == RegionLevel::province);
    CHECK(codes::region_level("420900") == RegionLevel::prefecture);
    CHECK(codes::region_level("440305") == RegionLevel::county);

    // Not in the table but well-formed: valid, nameless.
    CHECK(codes::is_region_code("130102"));
    CHECK(codes::region_name("130102").empty());
    CHECK(r.accepts(std::string_view("130102")));
    CHECK(r.accepts(json("130102")));
    CHECK(r.find("130102") == nullptr);

    for (const char* bad : {"", "11010", "1101011", "11010a", "１１０１０１", "000000", "190000", "660000",
                            "720000", "110001", "810100", "710101", " 11010"}) {
        INFO(bad);
        CHECK_FALSE(codes::is_region_code(bad));
        CHECK_FALSE(r.accepts(std::string_view(bad)));
    }
    CHECK_FALSE(r.accepts(json(110101)));  // a number is not a region code
}

TEST_CASE("R-6.1-1: item types are the eight categories", "[api][codes]") {
    CHECK(names(codes::item_type()) ==
          "XK=行政许可;QR=行政确认;CJ=行政裁决;JF=行政给付;JL=行政奖励;BA=行政备案;QT=其他行政权力;GG=公共服务;");
}

TEST_CASE("R-11.3-1: ratings are integers 5 非常满意 .. 1 非常不满意; 1-2 are 差评", "[api][codes]") {
    const Table& r = codes::rating();
    CHECK(r.value_type() == Table::ValueType::integer);
    CHECK(names(r) == "5=非常满意;4=满意;3=基本满意;2=不满意;1=非常不满意;");
    CHECK(r.find(5LL)->en == "very satisfied");
    CHECK(r.find(0LL) == nullptr);
    CHECK(r.find(6LL) == nullptr);
    CHECK(r.accepts(json(3)));
    CHECK(r.accepts(json(3u)));
    CHECK_FALSE(r.accepts(json("3")));
    CHECK_FALSE(r.accepts(json(3.0)));
    CHECK_FALSE(r.accepts(json(0)));
    CHECK_FALSE(r.accepts(json(-1)));
    CHECK_FALSE(r.accepts(json(18446744073709551615ULL)));
    CHECK_FALSE(codes::gender().find(1LL));  // integer lookup is for integer tables
    CHECK(codes::is_bad_review(1));
    CHECK(codes::is_bad_review(2));
    CHECK_FALSE(codes::is_bad_review(3));
    CHECK_FALSE(codes::is_bad_review(0));
    CHECK(codes::bad_review_reason().find("attitude")->zh == "服务态度差");
}

TEST_CASE("R-8.2-1: channels, terminal states and peripheral kinds", "[api][codes]") {
    CHECK(codes::channel().find("kiosk")->zh == "自助终端");
    CHECK(codes::channel().accepts(json("hotline_12345")));
    CHECK(names(codes::terminal_status()) ==
          "online=在线;degraded=降级运行;fault=故障;maintenance=维护中;locked=已锁定;offline=离线;retired=已停用;");
    // Exactly the device kinds of hw-emulators/devices.
    std::set<std::string_view> kinds;
    for (const auto& c : codes::peripheral_type().entries()) kinds.insert(c.code);
    CHECK(kinds == std::set<std::string_view>{"idcard_reader", "qr_scanner", "receipt_printer", "a4_printer",
                                              "face_camera", "document_camera", "signature_pad",
                                              "fingerprint_sensor", "ssc_reader", "pin_pad"});
    CHECK(codes::peripheral_type().find("document_camera")->zh == "高拍仪");
}

TEST_CASE("R-8.2-1: the data dictionary renders as JSON", "[api][codes]") {
    const json j = codes::to_json();
    CHECK(j.size() == 9);
    CHECK(j.at("gender").at("source") == "GB/T 2261.1");
    CHECK(j.at("gender").at("value_type") == "string");
    CHECK(j.at("gender").at("entries")[1] == json{{"code", "1"}, {"zh", "男"}, {"en", "male"}});
    CHECK(j.at("rating").at("value_type") == "integer");
    CHECK(j.at("rating").at("entries")[0].at("code") == 5);  // an integer, not "5"
    CHECK(j.at("region").at("open") == true);
    CHECK(j.at("item_type").at("open") == false);
    for (const Table* t : codes::all_tables())
        CHECK(j.at(std::string(t->name())).at("entries").size() == t->entries().size());
    CHECK_NOTHROW(j.dump());
}

}  // namespace api_codes_test
