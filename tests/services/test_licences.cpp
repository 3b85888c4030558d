// 电子证照 back end: R-8.4-1 e-licence group; masked IDs outward (R-9.3-1).
#include <catch2/catch.hpp>

#include <kiosktwin/protocol/citizen_id.hpp>
#include <kiosktwin/services/applications.hpp>
#include <kiosktwin/services/licences.hpp>

#include <chrono>

namespace services_licences_test {

using namespace kiosktwin;
using namespace kiosktwin::services::licences;
using api::ErrorCode;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {
sim::Time at(std::chrono::hours h) { return sim::Time{h}; }
std::string id_number() {
    std::string first17 = "11010119900307123";
    return first17 + protocol::citizen_id::check_digit(first17);
}
json body(std::string type = "居住证") {
    return {{"type", std::move(type)}, {"holder", {{"name", "张三"}, {"id_number", id_number()}}}};
}
}  // namespace

TEST_CASE("R-8.4-1: issue, look up (masked), verify, revoke, expire", "[licences]") {
    Licences s;
    const auto a = s.issue(body(), std::chrono::hours(24 * 365), at(1h));
    REQUIRE(a.ok());
    const auto b = s.issue(body("结婚证"), std::nullopt, at(1h));
    REQUIRE(b.ok());
    CHECK(a.number != b.number);
    json bad = body();
    bad["holder"]["id_number"] = "110101199003071230";
    CHECK_FALSE(s.issue(bad, std::nullopt, at(1h)).ok());
    CHECK(s.issue(json{{"holder", body()["holder"]}}, std::nullopt, at(1h)).outcome.path == "/type");

    const json list = s.for_holder(id_number(), at(2h));
    REQUIRE(list.size() == 2);
    CHECK(list[0]["holder_id"] == protocol::mask_id(id_number()));
    CHECK(list.dump().find(id_number()) == std::string::npos);

    CHECK((*s.verify(a.number, at(2h)))["valid"] == true);
    CHECK_FALSE(s.verify("DZZZ-404", at(2h)));
    CHECK((*s.verify(a.number, at(24h * 366)))["status"] == "expired");
    CHECK((*s.verify(b.number, at(24h * 366)))["valid"] == true);
    CHECK(s.for_holder(id_number(), at(24h * 366), true).size() == 1);

    REQUIRE(s.revoke(b.number, at(3h), "撤销"));
    CHECK(s.revoke(b.number, at(4h)).error == ErrorCode::conflict_state);
    CHECK(s.revoke("DZZZ-404", at(4h)).error == ErrorCode::not_found);
    CHECK((*s.verify(b.number, at(5h)))["status"] == "revoked");
    CHECK((*s.verify(b.number, at(2h)))["valid"] == true);  // before the revocation
}

TEST_CASE("R-8.4-1: an application references a licence by number as material", "[licences]") {
    Licences lic;
    const auto l = lic.issue(body(), std::nullopt, at(1h));
    REQUIRE(l.ok());
    services::applications::Applications apps;
    const json req = {{"item_code", "44030000GA-XK-0001"},
                      {"applicant", {{"name", "张三"}, {"id_number", id_number()}}}};
    const auto c = apps.create(req, "k", "T-0001", at(1h));
    REQUIRE(c.ok());
    REQUIRE(apps.upload_material(c.case_no, json{{"name", "居住证"}, {"licence_ref", l.number}}, at(2h)));
    const auto* m = apps.find(c.case_no)->material("居住证");
    REQUIRE(m);
    CHECK(m->licence_ref == l.number);
    CHECK((*lic.verify(m->licence_ref, at(2h)))["valid"] == true);
}

}  // namespace services_licences_test
