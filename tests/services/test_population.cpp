// The synthetic population register behind the identity back end (R-8.4-1),
// and its checked-in data set assets/population/residents-1000.jsonl.
#include <kiosktwin/services/population.hpp>

#include <kiosktwin/api/codes.hpp>
#include <kiosktwin/protocol/citizen_id.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_set>

namespace services_population_test {

using namespace kiosktwin;
using protocol::CivilDate;
using services::Resident;

namespace {

// The asset, found from this file's path (tests/services/ → the repository root).
std::filesystem::path asset_path() {
    return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "assets" / "population" /
           "residents-1000.jsonl";
}

constexpr std::uint64_t k_asset_seed = 1;
constexpr std::size_t k_asset_size = 1000;

std::string regenerate_hint() {
    return "assets/population/residents-1000.jsonl is not what generate_population(1, 1000) gives.\n"
           "If the generator changed on purpose, review the change and regenerate the asset with\n"
           "    build/dev/bin/services_tests \"[.regenerate]\"    (the dev preset's tests)\n"
           "then commit the new file.";
}

std::string error_of(const nlohmann::json& j) {
    try {
        (void)services::resident_from_json(j);
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "(no error)";
}

int validity_years(int age) { return age < 16 ? 5 : age < 26 ? 10 : age < 46 ? 20 : 0; }

}  // namespace

TEST_CASE("R-8.4-1: every generated resident is consistent and has a valid ID number", "[services][population][R-8.4-1]") {
    const services::PopulationOptions o;
    const auto people = services::generate_population(3, 2000, o);
    REQUIRE(people.size() == 2000);
    std::unordered_set<std::string> ids;
    std::unordered_set<std::uint32_t> faces;
    for (const Resident& r : people) {
        INFO(r.id_number);
        const auto v = protocol::citizen_id::validate(r.id_number, o.reference);
        REQUIRE(v.valid);
        CHECK(protocol::citizen_id::kind_of(r.id_number) == protocol::citizen_id::Kind::resident);
        CHECK(api::codes::gender().accepts(std::string_view(r.gender)));
        CHECK(protocol::citizen_id::sex_code(r.id_number) == r.gender.at(0));  // sequence parity = gender
        CHECK(protocol::citizen_id::birth_date(r.id_number) == r.birth_date);
        const std::string region(protocol::citizen_id::region_code(r.id_number));
        CHECK(api::codes::region_level(region) == api::codes::RegionLevel::county);
        CHECK_FALSE(api::codes::region_name(region).empty());  // from the code table
        CHECK(api::codes::is_region_code(r.address_region));
        const int age = protocol::age_on(r.birth_date, o.reference);
        CHECK(age >= o.min_age);
        CHECK(age <= o.max_age);
        // Synthetic names: a surname and one or two given-name characters (3 UTF-8 bytes each).
        CHECK((r.name.size() == 6 || r.name.size() == 9));
        // Validity follows the card rules: 5/10/20 years by age at issue, else 长期.
        CHECK(r.issued >= r.birth_date);
        CHECK(r.issued <= o.reference);
        const int years = validity_years(protocol::age_on(r.birth_date, r.issued));
        if (years == 0)
            CHECK_FALSE(r.expires.has_value());
        else
            CHECK(r.expires == r.issued.plus_years(years));
        CHECK(r.face_template != 0u);
        CHECK(ids.insert(r.id_number).second);
        CHECK(faces.insert(r.face_template).second);
    }
}

TEST_CASE("R-8.4-1: shares of expired cards and wanted flags are met within tolerance", "[services][population][R-8.4-1]") {
    for (const double expired_share : {0.05, 0.3}) {
        services::PopulationOptions o;
        o.expired_share = expired_share;
        o.wanted_share = 0.02;
        constexpr int n = 5000;
        const auto people = services::generate_population(11, n, o);
        int expired = 0, wanted = 0, men = 0;
        for (const Resident& r : people) {
            expired += r.expired_on(o.reference) ? 1 : 0;
            wanted += r.wanted ? 1 : 0;
            men += r.gender == "1" ? 1 : 0;
        }
        INFO("expired " << expired << ", wanted " << wanted << ", men " << men);
        CHECK(std::abs(expired - n * expired_share) < 4.5 * std::sqrt(n * expired_share * (1 - expired_share)));
        CHECK(std::abs(wanted - n * 0.02) < 4.5 * std::sqrt(n * 0.02 * 0.98));
        CHECK(std::abs(men - n * 0.5) < 4.5 * std::sqrt(n * 0.25));
    }
    services::PopulationOptions none;
    none.expired_share = 0;
    none.wanted_share = 0;
    for (const Resident& r : services::generate_population(5, 500, none)) {
        CHECK_FALSE(r.expired_on(none.reference));
        CHECK_FALSE(r.wanted);
    }
    services::PopulationOptions bad;
    bad.expired_share = 1.5;
    CHECK_THROWS_AS(services::generate_population(1, 1, bad), std::invalid_argument);
    bad = {};
    bad.min_age = 50;
    bad.max_age = 40;
    CHECK_THROWS_AS(services::generate_population(1, 1, bad), std::invalid_argument);
}

TEST_CASE("R-8.4-1: the population is determined by the seed, resident by resident", "[services][population][R-8.4-1]") {
    const auto a = services::generate_population(21, 300);
    CHECK(services::generate_population(21, 300) == a);
    const auto b = services::generate_population(22, 300);
    int same = 0;
    for (std::size_t i = 0; i < a.size(); ++i) same += a[i].id_number == b[i].id_number ? 1 : 0;
    CHECK(same == 0);
    // Resident i has its own stream: a smaller population is a prefix of a larger one.
    const auto first = services::generate_population(21, 100);
    CHECK(std::equal(first.begin(), first.end(), a.begin()));
}

TEST_CASE("R-8.4-1: residents round-trip through JSON lines; bad records name the field", "[services][population][R-8.4-1]") {
    const auto people = services::generate_population(8, 200);
    const std::string text = services::to_jsonl(people);
    CHECK(std::count(text.begin(), text.end(), '\n') == 200);
    std::istringstream in(text);
    CHECK(services::read_jsonl(in) == people);

    const nlohmann::json good = services::to_json(people.front());
    CHECK(services::resident_from_json(good) == people.front());
    auto with = [&](const char* key, nlohmann::json value) {
        nlohmann::json j = good;
        j[key] = std::move(value);
        return j;
    };
    std::string id = people.front().id_number;
    id.back() = id.back() == '0' ? '1' : '0';
    CHECK_THAT(error_of(with("id_number", id)), Catch::StartsWith("/id_number: check character"));
    CHECK_THAT(error_of(with("gender", good["gender"] == "1" ? "2" : "1")), Catch::StartsWith("/gender: disagrees"));
    CHECK_THAT(error_of(with("gender", "male")), Catch::StartsWith("/gender: expected"));
    CHECK_THAT(error_of(with("birth_date", "1990-02-30")), Catch::StartsWith("/birth_date: expected a date"));
    CHECK_THAT(error_of(with("address_region", "999999")), Catch::StartsWith("/address_region:"));
    CHECK_THAT(error_of(with("wanted", "no")), Catch::StartsWith("/wanted:"));
    CHECK_THAT(error_of(with("face_template", -1)), Catch::StartsWith("/face_template:"));
    CHECK_THAT(error_of(with("nickname", "x")), Catch::StartsWith("/nickname: unknown key"));
    nlohmann::json missing = good;
    missing.erase("name");
    CHECK_THAT(error_of(missing), Catch::StartsWith("/name: missing"));

    std::istringstream broken(services::to_json(people[0]).dump() + "\n\n" + with("gender", "x").dump() + "\n");
    try {
        (void)services::read_jsonl(broken);
        FAIL("no error for a bad third line");
    } catch (const std::invalid_argument& e) {
        CHECK_THAT(std::string(e.what()), Catch::StartsWith("line 3: /gender:"));
    }
}

TEST_CASE("R-8.4-1: the register finds every resident by ID number and nobody else", "[services][population][R-8.4-1]") {
    const auto people = services::generate_population(4, 1000);
    const services::Register reg(people);
    CHECK(reg.size() == 1000);
    for (const Resident& r : people) {
        const Resident* found = reg.find(r.id_number);
        REQUIRE(found != nullptr);
        CHECK(*found == r);
    }
    CHECK(reg.find("") == nullptr);
    CHECK(reg.find("11010119900101001X") == nullptr);  // not in this register
    auto twice = people;
    twice.push_back(people[17]);
    CHECK_THROWS_WITH(services::Register(twice), Catch::Contains("duplicate ID number") &&
                                                     !Catch::Contains(people[17].id_number));  // masked (R-9.3-1)
}

TEST_CASE("R-8.4-1: the checked-in data set is exactly what the generator gives", "[services][population][R-8.4-1]") {
    std::ifstream in(asset_path(), std::ios::binary);
    INFO("reading " << asset_path().string());
    REQUIRE(in.good());
    std::ostringstream text;
    text << in.rdbuf();
    const std::string expected = services::to_jsonl(services::generate_population(k_asset_seed, k_asset_size));
    INFO(regenerate_hint());
    REQUIRE(text.str().size() == expected.size());
    REQUIRE(text.str() == expected);
    // And it loads: the register a bench would use.
    std::istringstream back(text.str());
    CHECK(services::Register(services::read_jsonl(back)).size() == k_asset_size);
}

// Hidden: runs only when asked for by name or tag. Writes the asset afresh.
TEST_CASE("regenerate assets/population/residents-1000.jsonl", "[.regenerate]") {
    const std::string text = services::to_jsonl(services::generate_population(k_asset_seed, k_asset_size));
    std::filesystem::create_directories(asset_path().parent_path());
    std::ofstream out(asset_path(), std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    REQUIRE(out.good());
    WARN("wrote " << asset_path().string());
}

}  // namespace services_population_test
