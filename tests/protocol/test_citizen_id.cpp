// Citizen ID numbers (GB 11643): check character, validation, parts, and the
// R-9.3-1 display masking. All numbers here are synthetic.
#include <kiosktwin/protocol/citizen_id.hpp>

#include <catch2/catch.hpp>

namespace protocol_citizen_id_test {

using namespace kiosktwin::protocol;
namespace cid = kiosktwin::protocol::citizen_id;

TEST_CASE("the GB 11643 check character, against worked examples", "[protocol][citizen_id]") {
    // 1*7+1*9+0*10+1*5+0*8+1*4+1*2+9*1+9*6+0*3+0*7+3*9+0*10+7*5+6*8+6*4+3*2 = 230;
    // 230 mod 11 = 10, and "10X98765432"[10] = '2'.
    CHECK(cid::check_digit("11010119900307663") == '2');
    // Remainder 2 gives 'X': found by adjusting the sequence digits.
    CHECK(cid::check_digit("11010519491231002") == 'X');
    CHECK(cid::check_digit("44030519800101001") == '3');
    CHECK(cid::check_digit("4403051980010100") == '\0');    // 16 digits
    CHECK(cid::check_digit("44030519800101A01") == '\0');   // not digits
    // Exhaustive property: every remainder 0..10 maps through "10X98765432".
    const char* table = "10X98765432";
    for (int last = 0; last <= 9; ++last) {
        std::string s = "1101011990030766";
        s += static_cast<char>('0' + last);
        int sum = 0;
        const int w[] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
        for (int i = 0; i < 17; ++i) sum += (s[static_cast<std::size_t>(i)] - '0') * w[i];
        CHECK(cid::check_digit(s) == table[sum % 11]);
    }
}

TEST_CASE("validate: each way a number can be wrong has its reason", "[protocol][citizen_id]") {
    CHECK(cid::validate("110101199003076632").valid);
    CHECK(cid::validate("110105194912310021").reason == "bad-check-digit");
    CHECK(cid::validate("11010519491231002X").valid);
    CHECK(cid::validate("11010519491231002x").reason == "bad-character");  // lower-case x is not the standard's
    CHECK(cid::validate("11010119900307663").reason == "bad-length");
    CHECK(cid::validate("1101011990030766321").reason == "bad-length");
    CHECK(cid::validate("11010119900A076632").reason == "bad-character");
    CHECK(cid::validate("990101199003076632").reason == "bad-region");
    CHECK(cid::validate("000101199003076632").reason == "bad-region");
    CHECK(cid::validate("110101199002300000").reason == "bad-birth-date");  // 30 February
    CHECK(cid::validate("110101179001010000").reason == "bad-birth-date");  // before 1800
    const auto v = cid::validate("110105194912310021");
    CHECK_FALSE(v);
    CHECK(v.message == "check character should be X, not 1");
    // A birth date after "today" is refused only when today is given.
    const std::string future = std::string("11010120300101001") + cid::check_digit("11010120300101001");
    CHECK(cid::validate(future).valid);
    CHECK(cid::validate(future, CivilDate{2026, 6, 1}).reason == "future-birth-date");
    CHECK(cid::validate("", CivilDate{2026, 6, 1}).reason == "bad-length");
}

TEST_CASE("permits and foreign permanent resident numbers share the structure", "[protocol][citizen_id]") {
    CHECK(cid::kind_of("810000198001010014") == cid::Kind::hk_permit);
    CHECK(cid::kind_of("820000198001010016") == cid::Kind::macao_permit);
    CHECK(cid::kind_of("830000198001010018") == cid::Kind::taiwan_permit);
    CHECK(cid::kind_of("931840198001010017") == cid::Kind::foreign_permanent);
    CHECK(cid::kind_of("440305198001010013") == cid::Kind::resident);
    CHECK(cid::kind_of("811234198001010010") == cid::Kind::unknown);
    CHECK(cid::kind_of("9X1840198001010017") == cid::Kind::unknown);
    CHECK(cid::validate("810000198001010014").valid);
    CHECK(cid::validate("931840198001010017").valid);
    CHECK(cid::validate("991840198001010017").reason == "bad-region");  // no province 91
    CHECK(std::string(cid::to_string(cid::Kind::taiwan_permit)) == "taiwan_permit");
}

TEST_CASE("region, birth date and sex from the number", "[protocol][citizen_id]") {
    CHECK(cid::region_code("440305198001010013") == "440305");
    CHECK(cid::region_code("4403").empty());
    CHECK(cid::birth_date("440305198001010013") == CivilDate{1980, 1, 1});
    CHECK_FALSE(cid::birth_date("440305198013010019"));
    CHECK(cid::sex_code("440305198001010013") == '1');  // 17th digit 1: odd, male
    CHECK(cid::sex_code("440305198001010021") == '2');  // 17th digit 2: even, female
    CHECK_FALSE(cid::sex_code("4403051980"));
}

TEST_CASE("R-9.3-1: masking keeps the first 4 and the last 4", "[protocol][citizen_id][R-9.3-1]") {
    CHECK(mask_id("110101199003071234") == "1101**********1234");
    CHECK(mask_id("11010519491231002X") == "1101**********002X");
    CHECK(mask_id("123456789") == "1234*6789");
    CHECK(mask_id("12345678") == "********");  // too short to show anything
    CHECK(mask_id("") == "");
    CHECK(mask_id("甲乙丙丁戊己庚辛壬") == "甲乙丙丁*己庚辛壬");  // characters, not bytes
}

TEST_CASE("civil dates: parsing, arithmetic and ages", "[protocol][citizen_id]") {
    CHECK(CivilDate::parse("20240229") == CivilDate{2024, 2, 29});
    CHECK_FALSE(CivilDate::parse("20230229"));
    CHECK_FALSE(CivilDate::parse("2024022"));
    CHECK_FALSE(CivilDate::parse("2024-2-29"));
    CHECK(CivilDate{2024, 2, 29}.plus_years(1) == CivilDate{2025, 2, 28});
    CHECK(CivilDate{2024, 2, 29}.plus_years(4) == CivilDate{2028, 2, 29});
    CHECK(CivilDate{1970, 1, 1}.days() == 0);
    CHECK(CivilDate{2026, 6, 1}.days() == 20605);
    CHECK(CivilDate::from_days(20605) == CivilDate{2026, 6, 1});
    CHECK(CivilDate{2026, 3, 1}.plus_days(-1) == CivilDate{2026, 2, 28});
    for (std::int64_t d = -800000; d < 800000; d += 997) CHECK(CivilDate::from_days(d).days() == d);
    CHECK(age_on({1990, 6, 2}, {2026, 6, 1}) == 35);
    CHECK(age_on({1990, 6, 1}, {2026, 6, 1}) == 36);
    CHECK(age_on({2030, 1, 1}, {2026, 6, 1}) == 0);
    CHECK(CivilDate{2026, 6, 1}.yyyymmdd() == "20260601");
    CHECK(CivilDate{1999, 12, 31} < CivilDate{2000, 1, 1});
}

TEST_CASE("GB/T 3304 nation codes", "[protocol][citizen_id]") {
    CHECK(std::string(nation_name("01")) == "汉");
    CHECK(std::string(nation_name("05")) == "维吾尔");
    CHECK(std::string(nation_name("56")) == "基诺");
    CHECK(std::string(nation_name("98")) == "外国血统中国籍人士");
    CHECK(nation_name("57") == nullptr);
    CHECK(nation_name("1") == nullptr);
}

}  // namespace protocol_citizen_id_test
