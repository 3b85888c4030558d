// Synthetic ID cards: the seeded generator's people are plausible and valid,
// the options do what they say, and card JSON is checked field by field.
#include <kiosktwin/devices/id_cards.hpp>
#include <kiosktwin/protocol/citizen_id.hpp>
#include <kiosktwin/protocol/sam.hpp>

#include <catch2/catch.hpp>

#include <map>
#include <set>

namespace devices_id_cards_test {

using namespace kiosktwin;
using namespace kiosktwin::devices;
using nlohmann::json;
using protocol::CivilDate;
namespace cid = protocol::citizen_id;

namespace {

const CivilDate k_today{2026, 6, 1};

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }
bool ends_with(const std::string& s, const std::string& p) {
    return s.size() >= p.size() && s.compare(s.size() - p.size(), p.size(), p) == 0;
}

int term_years(const IdCard& c) {
    const auto from = CivilDate::parse(c.text.valid_from);
    const auto to = CivilDate::parse(c.text.valid_to);
    REQUIRE(from);
    REQUIRE(to);
    REQUIRE(from->plus_years(to->year - from->year) == *to);
    return to->year - from->year;
}

}  // namespace

TEST_CASE("generated residents are valid, consistent and plausible (GB 11643, GB/T 2260)", "[devices][id_cards]") {
    ResidentGenerator gen(2026);
    std::map<std::string, int> nations;
    int male = 0;
    for (int i = 0; i < 600; ++i) {
        const IdCard c = gen.next();
        const auto& t = c.text;
        INFO(c.to_json().dump());
        REQUIRE(c.type == CardType::resident);
        CHECK(cid::validate(t.id_number, k_today).valid);
        CHECK(cid::kind_of(t.id_number) == cid::Kind::resident);
        const Region* r = find_region(cid::region_code(t.id_number));
        REQUIRE(r != nullptr);
        CHECK(cid::birth_date(t.id_number) == CivilDate::parse(t.birth));
        CHECK(std::string(1, *cid::sex_code(t.id_number)) == t.sex);
        CHECK(t.authority == std::string(r->city) + "公安局" + r->short_district + "分局");
        CHECK(protocol::ucs2_length(t.address) <= 35);
        CHECK(starts_with(t.address, std::string(std::string_view(r->province) == r->city ? "" : r->province) + r->city + r->district));
        CHECK(protocol::ucs2_length(t.name) >= 2);
        CHECK(protocol::ucs2_length(t.name) <= 4);
        CHECK(protocol::nation_name(t.nation) != nullptr);
        CHECK_FALSE(c.expired_on(k_today));
        CHECK(c.text_block().issues.empty());
        CHECK(c.photo.size() == 1024);
        CHECK(std::string(c.photo.begin(), c.photo.begin() + 5) == "KTWLT");
        CHECK(c.has_fingerprint == (c.fingerprint.size() == 1024));
        // Validity by age at issue: under 16: 5 years; 16-25: 10; 26-45: 20; 46 and over: 长期.
        const int age_at_issue = protocol::age_on(*CivilDate::parse(t.birth), *CivilDate::parse(t.valid_from));
        if (age_at_issue >= 46) CHECK(t.valid_to == "长期");
        else CHECK(term_years(c) == (age_at_issue < 16 ? 5 : age_at_issue <= 25 ? 10 : 20));
        CHECK_FALSE(k_today < *CivilDate::parse(t.valid_from));
        CHECK(IdCard::from_json(c.to_json()) == c);
        ++nations[t.nation];
        male += t.sex == "1";
    }
    CHECK(nations["01"] > 500);  // ≈ 91 % 汉
    CHECK(nations["01"] < 590);
    CHECK(male > 240);
    CHECK(male < 360);
    CHECK(gen.generated() == 600);
}

TEST_CASE("the generator is reproducible, and one card's options do not shift the next", "[devices][id_cards]") {
    ResidentGenerator a(7), b(7), c(8), d(7);
    for (int i = 0; i < 20; ++i) {
        const IdCard x = a.next();
        CHECK(x == b.next());
        CHECK_FALSE(x == c.next());
    }
    GeneratorOptions odd;
    odd.type = CardType::foreign_permanent_resident;
    d.next(odd);  // a different first card...
    ResidentGenerator e(7);
    e.next();
    CHECK(d.next() == e.next());  // ...the same second one
}

TEST_CASE("generator options: validity, ages, long fields, rare characters", "[devices][id_cards]") {
    ResidentGenerator gen(11);
    GeneratorOptions o;
    SECTION("expired") {
        o.validity = Validity::expired;
        for (int i = 0; i < 50; ++i) CHECK(gen.next(o).expired_on(k_today));
    }
    SECTION("长期") {
        o.validity = Validity::long_term;
        for (int i = 0; i < 50; ++i) {
            const IdCard c = gen.next(o);
            CHECK(c.text.valid_to == "长期");
            CHECK(protocol::age_on(*CivilDate::parse(c.text.birth), *CivilDate::parse(c.text.valid_from)) >= 46);
            CHECK_FALSE(c.expired_on(CivilDate{2100, 1, 1}));
        }
    }
    SECTION("a child's card is valid 5 years") {
        o.age = 10;
        const IdCard c = gen.next(o);
        CHECK(protocol::age_on(*CivilDate::parse(c.text.birth), k_today) == 10);
        CHECK(term_years(c) == 5);
    }
    SECTION("age, sex and region as asked") {
        o.age = 33;
        o.sex = '2';
        o.region = "440305";
        const IdCard c = gen.next(o);
        CHECK(protocol::age_on(*CivilDate::parse(c.text.birth), k_today) == 33);
        CHECK(c.text.sex == "2");
        CHECK(starts_with(c.text.id_number, "440305"));
        CHECK(c.text.authority == "深圳市公安局南山分局");
        CHECK(starts_with(c.text.address, "广东省深圳市南山区"));
    }
    SECTION("a 70-byte address fills the field exactly") {
        o.long_address = true;
        const IdCard c = gen.next(o);
        CHECK(protocol::ucs2_length(c.text.address) == 35);
        CHECK(c.text_block().issues.empty());
        CHECK(protocol::decode_id_text(c.text_block().block)->address == c.text.address);
    }
    SECTION("a 15-character name fills its field") {
        o.long_name = true;
        const IdCard c = gen.next(o);
        CHECK(protocol::ucs2_length(c.text.name) == 15);
        CHECK(c.text.nation == "05");
        CHECK(c.text_block().issues.empty());
    }
    SECTION("a character outside the BMP: the chip holds '?'") {
        o.rare_characters = true;
        const IdCard c = gen.next(o);
        CHECK_FALSE(protocol::is_bmp_utf8(c.text.name));
        const auto issues = c.text_block().issues;
        REQUIRE(issues.size() == 1);
        CHECK(issues[0].field == "name");
        CHECK(ends_with(protocol::decode_id_text(c.text_block().block)->name, "?"));
        CHECK(IdCard::from_json(c.to_json()) == c);  // JSON keeps the real character
    }
    SECTION("appended address and fingerprint on demand") {
        o.appended_address = true;
        o.fingerprint = true;
        const IdCard c = gen.next(o);
        REQUIRE(c.appended_address);
        CHECK(protocol::ucs2_length(*c.appended_address) <= 35);
        CHECK(c.has_fingerprint);
        CHECK(std::string(c.fingerprint.begin(), c.fingerprint.begin() + 5) == "KTFPR");
        o.appended_address = false;
        o.fingerprint = false;
        const IdCard d = gen.next(o);
        CHECK_FALSE(d.appended_address);
        CHECK_FALSE(d.has_fingerprint);
    }
    SECTION("impossible requests are refused") {
        o.age = 3;
        o.validity = Validity::expired;  // a 3-year-old's first card is still valid
        CHECK_THROWS_AS(gen.next(o), std::invalid_argument);
        GeneratorOptions p;
        p.type = CardType::hk_mo_tw_residence_permit;
        p.validity = Validity::long_term;
        CHECK_THROWS_WITH(gen.next(p), "generate: only resident cards are valid 长期");
    }
}

TEST_CASE("HK/Macao/Taiwan residence permits and 2023 foreign permanent resident cards", "[devices][id_cards]") {
    ResidentGenerator gen(5);
    GeneratorOptions p;
    p.type = CardType::hk_mo_tw_residence_permit;
    std::set<std::string> prefixes;
    for (int i = 0; i < 60; ++i) {
        const IdCard c = gen.next(p);
        INFO(c.to_json().dump());
        const std::string prefix = c.text.id_number.substr(0, 6);
        CHECK((prefix == "810000" || prefix == "820000" || prefix == "830000"));
        prefixes.insert(prefix);
        CHECK(cid::validate(c.text.id_number).valid);
        CHECK(c.text.layout == protocol::IdTextLayout::hk_mo_tw_permit);
        CHECK(ends_with(c.text.authority, "公安局"));
        CHECK(c.text.nation.empty());
        CHECK(term_years(c) == 5);
        if (prefix == "810000") CHECK(c.text.pass_number[0] == 'H');
        if (prefix == "820000") CHECK(c.text.pass_number[0] == 'M');
        CHECK(c.text.pass_number.size() == (prefix == "830000" ? 8u : 9u));
        const auto block = c.text_block().block;
        CHECK(block[248] == 'J');
        CHECK(IdCard::from_json(c.to_json()) == c);
    }
    CHECK(prefixes.size() == 3);
    p.origin = "tw";
    CHECK(gen.next(p).text.id_number.substr(0, 6) == "830000");

    GeneratorOptions f;
    f.type = CardType::foreign_permanent_resident;
    f.nationality = "KOR";
    f.region = "310104";
    f.age = 40;
    const IdCard c = gen.next(f);
    INFO(c.to_json().dump());
    CHECK(starts_with(c.text.id_number, "931410"));  // 9, Shanghai (31), Korea (410)
    CHECK(cid::kind_of(c.text.id_number) == cid::Kind::foreign_permanent);
    CHECK(cid::validate(c.text.id_number).valid);
    CHECK(c.text.nation == "KOR");
    CHECK(c.text.address.empty());
    CHECK(c.text.authority.empty());
    CHECK_FALSE(c.text.english_name.empty());
    CHECK(term_years(c) == 10);
    const auto block = c.text_block().block;
    CHECK(block[248] == 'Y');
    CHECK(protocol::decode_id_text(block)->id_number == c.text.id_number);
    CHECK(IdCard::from_json(c.to_json()) == c);
    f.age = 12;
    CHECK(term_years(gen.next(f)) == 5);
}

TEST_CASE("card JSON is checked field by field", "[devices][id_cards]") {
    ResidentGenerator gen(3);
    GeneratorOptions o;
    o.sex = '1';
    const json good = gen.next(o).to_json();
    auto with = [&](const char* key, json v) {
        json j = good;
        j[key] = std::move(v);
        return j;
    };
    auto fails = [](const json& j) {
        try {
            IdCard::from_json(j);
        } catch (const std::invalid_argument& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    const std::string id = good["id_number"];
    std::string bad_check = id;
    bad_check[17] = bad_check[17] == '0' ? '1' : '0';
    CHECK(starts_with(fails(with("id_number", bad_check)), "card.id_number: check character should be"));
    CHECK(fails(with("sex", "2")) == "card.id_number: its sequence digit does not match sex 2");
    CHECK(fails(with("birth", "19000101")) == "card.id_number: its birth date does not match birth 19000101");
    CHECK(fails(with("nation", "77")) == "card.nation: must be a GB/T 3304 code such as \"01\" (got \"77\")");
    CHECK(fails(with("name", "一二三四五六七八九十一二三四五六")) == "card.name: at most 15 characters (got 16)");
    CHECK(fails(with("valid_to", "19990101")) == "card.valid_to: must be after valid_from");
    CHECK(fails(with("valid_from", "2024-01-01")) == "card.valid_from: expected a date as YYYYMMDD, got \"2024-01-01\"");
    CHECK(fails(with("photo", "AAAA")) == "card.photo: must be 1024 bytes (got 3)");
    CHECK(fails(with("pass_number", "H1234")) == "card.pass_number: only residence permits have one");
    CHECK(fails(with("type", "passport")) ==
          "card.type: must be one of resident, hk_mo_tw_residence_permit, foreign_permanent_resident");
    CHECK(fails(with("colour", "red")) == "card: unknown key \"colour\"");
    CHECK(fails(with("name", "\xff\xfe")) == "card.name: is not valid UTF-8");
    json missing = good;
    missing.erase("address");
    CHECK(fails(missing) == "card.address: required");
    CHECK(fails(json::array()) == "card: expected a JSON object");
    // The photo may be left out: a synthetic one stands in, the same every time.
    json nophoto = good;
    nophoto.erase("photo");
    CHECK(IdCard::from_json(nophoto).photo == IdCard::from_json(nophoto).photo);
    CHECK(IdCard::from_json(nophoto).photo.size() == 1024);
    CHECK(IdCard::from_json(good).summary()["id_number"] == protocol::mask_id(id));  // R-9.3-1
}

TEST_CASE("generator options and presets from JSON", "[devices][id_cards]") {
    const GeneratorOptions o = GeneratorOptions::from_json(
        json{{"type", "hk_mo_tw_residence_permit"}, {"reference_date", "2030-01-02"}, {"age", 30}, {"sex", "female"},
             {"region", "510107"}, {"validity", "expired"}, {"origin", "mo"}, {"fingerprint", true}});
    CHECK(o.type == CardType::hk_mo_tw_residence_permit);
    CHECK(o.reference_date == CivilDate{2030, 1, 2});
    CHECK(o.sex == '2');
    CHECK(o.validity == Validity::expired);
    CHECK(GeneratorOptions::from_json(o.to_json()).to_json() == o.to_json());
    CHECK_THROWS_WITH(GeneratorOptions::from_json(json{{"age", -1}}), "generate.age: an integer from 0 to 120");
    CHECK_THROWS_WITH(GeneratorOptions::from_json(json{{"sex", "x"}}), "generate.sex: \"1\"/\"male\" or \"2\"/\"female\"");
    CHECK_THROWS_WITH(GeneratorOptions::from_json(json{{"shoe_size", 42}}), "generate: unknown key \"shoe_size\"");
    CHECK_THROWS_AS(GeneratorOptions::from_json(json{{"region", "999999"}}), std::invalid_argument);
    CHECK_THROWS_AS(GeneratorOptions::from_json(json{{"nationality", "XXX"}}), std::invalid_argument);

    ResidentGenerator gen(99);
    for (const auto& name : preset_names()) {
        INFO(name);
        const auto p = preset_options(name);
        REQUIRE(p);
        const IdCard c = gen.next(*p);
        CHECK(cid::validate(c.text.id_number).valid);
    }
    CHECK(gen.next(*preset_options("expired")).expired_on(k_today));
    CHECK(gen.next(*preset_options("taiwan_permit")).text.id_number.substr(0, 6) == "830000");
    CHECK_FALSE(preset_options("platinum"));
    CHECK(regions().size() >= 30);
    CHECK(std::string(find_region("110101")->district) == "东城区");
}

}  // namespace devices_id_cards_test
