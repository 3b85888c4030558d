// The identity back end (人证核验): ID check, face compare, e-ID QR (R-8.4-1),
// with masked IDs and no leak of the wanted flag to kiosks (R-9.3-1).
#include <kiosktwin/services/identity.hpp>

#include <kiosktwin/protocol/base64.hpp>
#include <kiosktwin/protocol/citizen_id.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>

namespace services_identity_test {

using namespace kiosktwin;
using namespace std::chrono_literals;
using services::EidResult;
using services::FaceResult;
using services::IdCheck;
using services::Resident;

namespace {

const protocol::CivilDate k_today{2026, 6, 1};  // the default calendar's epoch: virtual t = 0
const sim::Time k_now = sim::Time{9h};          // Monday 2026-06-01 09:00 +08:00

std::shared_ptr<const services::Register> population() {
    services::PopulationOptions o;
    o.reference = k_today;
    o.expired_share = 0.1;
    o.wanted_share = 0.05;
    static const auto reg = std::make_shared<const services::Register>(services::generate_population(7, 1000, o));
    return reg;
}

const Resident& first(const std::function<bool(const Resident&)>& pred) {
    for (const Resident& r : population()->residents())
        if (pred(r)) return r;
    FAIL("no resident in the test population fits");
    throw std::logic_error("unreachable");
}

const Resident& ordinary() { return first([](const Resident& r) { return !r.wanted && !r.expired_on(k_today); }); }
const Resident& expired() { return first([](const Resident& r) { return !r.wanted && r.expired_on(k_today); }); }
const Resident& wanted() { return first([](const Resident& r) { return r.wanted; }); }

// A well-formed number that is not in the register.
std::string unregistered_number() {
    for (int seq = 1; seq < 999; seq += 2) {
        char buf[4];
        std::snprintf(buf, sizeof buf, "%03d", seq);
        std::string first17 = "110101";
        first17.append("20000229").append(buf);
        std::string id = first17;
        id += protocol::citizen_id::check_digit(first17);
        if (!population()->find(id)) return id;
    }
    throw std::logic_error("all taken");
}

services::IdCheck verdict(services::IdentityService& s, std::string_view id, std::string_view name) {
    const auto reply = s.check_id(id, name, k_now);
    REQUIRE(reply.ok());
    return reply.value->result;
}

}  // namespace

TEST_CASE("R-8.4-1: ID check gives every verdict", "[services][identity][R-8.4-1]") {
    services::IdentityService s(population());
    const Resident& r = ordinary();
    CHECK(verdict(s, r.id_number, r.name) == IdCheck::match);
    CHECK(verdict(s, r.id_number, "某某某") == IdCheck::name_mismatch);
    CHECK(verdict(s, expired().id_number, expired().name) == IdCheck::expired);
    CHECK(verdict(s, unregistered_number(), r.name) == IdCheck::not_found);
    std::string bad = r.id_number;
    bad.back() = bad.back() == '1' ? '2' : '1';
    CHECK(verdict(s, bad, r.name) == IdCheck::bad_check_digit);
    CHECK(verdict(s, r.id_number.substr(0, 17), r.name) == IdCheck::malformed);
    CHECK(verdict(s, "", r.name) == IdCheck::malformed);
    CHECK(verdict(s, wanted().id_number, wanted().name) == IdCheck::refused);

    // A card is valid through its expiry date, expired the day after.
    const Resident& e = first([](const Resident& x) { return !x.wanted && x.expires && *x.expires > k_today; });
    services::IdentityConfig at_expiry;
    at_expiry.calendar = sim::Calendar({e.expires->year, e.expires->month, e.expires->day, 23, 59, 59, 0, 1}, 480);
    services::IdentityService s2(population(), at_expiry);
    CHECK(s2.check_id(e.id_number, e.name, sim::epoch_time).value->result == IdCheck::match);
    CHECK(s2.check_id(e.id_number, e.name, sim::Time{1s}).value->result == IdCheck::expired);

    // Verdicts' names, as the kiosk sees them; logs carry the masked number (R-9.3-1).
    const auto reply = s.check_id(r.id_number, r.name, k_now);
    CHECK(reply.value->kiosk_json() == nlohmann::json{{"result", "match"}});
    CHECK(reply.value->masked_id == protocol::mask_id(r.id_number));
    CHECK(reply.value->masked_id.find(r.id_number.substr(4, 10)) == std::string::npos);
}

TEST_CASE("R-9.3-1: a wanted resident is refused generically; only the audit flag says why",
          "[services][identity][R-8.4-1][R-9.3-1]") {
    services::IdentityService s(population());
    const Resident& w = wanted();
    const auto check = s.check_id(w.id_number, w.name, k_now);
    REQUIRE(check.ok());
    CHECK(check.value->result == IdCheck::refused);
    CHECK(check.value->audit == services::AuditFlag::wanted);
    CHECK(check.value->kiosk_json().dump().find("wanted") == std::string::npos);
    CHECK(check.value->kiosk_json() == nlohmann::json{{"result", "refused"}});
    // Probing with a wrong name learns nothing more, but is still audited.
    const auto probe = s.check_id(w.id_number, "某某某", k_now);
    CHECK(probe.value->result == IdCheck::name_mismatch);
    CHECK(probe.value->audit == services::AuditFlag::wanted);
    // Ordinary residents carry no audit mark.
    CHECK(s.check_id(ordinary().id_number, ordinary().name, k_now).value->audit == services::AuditFlag::none);

    sim::Rng rng(1);
    const auto face = s.face_compare(w.id_number, w.face_template, true, k_now, rng);
    CHECK(face.value->audit == services::AuditFlag::wanted);
    CHECK(face.value->kiosk_json().dump().find("wanted") == std::string::npos);

    const auto eid = s.resolve_eid_qr(s.issue_eid_qr(w.id_number, k_now + 5min), k_now);
    CHECK(eid.value->result == EidResult::refused);
    CHECK_FALSE(eid.value->resident.has_value());
    CHECK(eid.value->audit == services::AuditFlag::wanted);
    CHECK(eid.value->kiosk_json() == nlohmann::json{{"result", "refused"}});
}

TEST_CASE("R-8.4-1: face compare separates the same person from others", "[services][identity][R-8.4-1]") {
    services::IdentityService s(population());
    const services::FaceModel& m = s.face_model();
    CHECK(m.threshold == 0.80);
    // The documented analytic values.
    CHECK(m.genuine_mean() == Approx(0.93).margin(0.01));
    CHECK(m.impostor_mean() == Approx(0.30).margin(0.01));
    CHECK(m.false_reject_rate() == Approx(0.0286).margin(0.001));
    CHECK(m.false_accept_rate() == Approx(0.00028).margin(0.00002));

    const Resident& r = ordinary();
    const Resident& other = first([&](const Resident& x) { return x.id_number != r.id_number; });
    sim::Rng rng(sim::derive_seed(1, "test/face"));
    constexpr int n = 20000;
    double same_sum = 0, other_sum = 0;
    int false_rejects = 0, false_accepts = 0;
    for (int i = 0; i < n; ++i) {
        const auto same = s.face_compare(r.id_number, r.face_template, true, k_now, rng);
        const auto diff = s.face_compare(r.id_number, other.face_template, true, k_now, rng);
        REQUIRE(same.ok());
        REQUIRE(diff.ok());
        for (double x : {same.value->score, diff.value->score}) {
            REQUIRE(x >= 0.0);
            REQUIRE(x <= 1.0);
        }
        CHECK((same.value->result == FaceResult::match) == (same.value->score >= m.threshold));
        same_sum += same.value->score;
        other_sum += diff.value->score;
        false_rejects += same.value->result == FaceResult::no_match ? 1 : 0;
        false_accepts += diff.value->result == FaceResult::match ? 1 : 0;
    }
    INFO("false rejects " << false_rejects << ", false accepts " << false_accepts);
    CHECK(same_sum / n >= m.threshold);
    CHECK(other_sum / n <= m.threshold);
    CHECK(same_sum / n == Approx(m.genuine_mean()).margin(0.005));
    CHECK(other_sum / n == Approx(m.impostor_mean()).margin(0.005));
    const double frr = m.false_reject_rate();
    CHECK(std::abs(false_rejects - n * frr) < 4.5 * std::sqrt(n * frr * (1 - frr)));
    CHECK(false_accepts <= 20);  // expected 5.6 at 0.028 %

    const auto face = s.face_compare(r.id_number, r.face_template, true, k_now, rng);
    const auto j = face.value->kiosk_json();
    CHECK(j.at("threshold") == 0.80);
    CHECK(j.at("score").get<double>() == face.value->score);
}

TEST_CASE("R-8.4-1: face compare refuses a failed liveness and unknown numbers; scores are reproducible",
          "[services][identity][R-8.4-1]") {
    services::IdentityService s(population());
    const Resident& r = ordinary();
    sim::Rng rng(4);
    const auto spoof = s.face_compare(r.id_number, r.face_template, false, k_now, rng);
    CHECK(spoof.value->result == FaceResult::not_live);
    CHECK(spoof.value->score == 0.0);
    const auto nobody = s.face_compare(unregistered_number(), r.face_template, true, k_now, rng);
    CHECK(nobody.value->result == FaceResult::not_found);
    CHECK(nobody.value->threshold == 0.80);

    // The score comes from the caller's stream, one uniform per call: same
    // stream, same scores, whatever else the service has done meanwhile.
    services::IdentityService t(population());
    (void)t.check_id(r.id_number, r.name, k_now);
    sim::Rng a(77), b(77);
    for (int i = 0; i < 50; ++i) {
        const auto x = s.face_compare(r.id_number, r.face_template, true, k_now, a);
        const auto y = t.face_compare(r.id_number, r.face_template, true, k_now, b);
        CHECK(x.value->score == y.value->score);
    }
    sim::Rng c(8), d(8);
    (void)s.face_compare(r.id_number, r.face_template, false, k_now, c);
    (void)d.uniform01();
    CHECK(c == d);
}

TEST_CASE("R-8.4-1: e-ID QR round trip, expiry and tampering", "[services][identity][R-8.4-1]") {
    services::IdentityService s(population());
    const Resident& r = ordinary();
    const sim::Time expires = k_now + 3min;
    const std::string qr = s.issue_eid_qr(r.id_number, expires);
    CHECK(qr.starts_with("EID1:"));
    // The documented format: Base64 of id|expires|32 hex digits.
    const auto body_bytes = protocol::base64_decode(std::string_view(qr).substr(5));
    REQUIRE(body_bytes);
    const std::string body(body_bytes->begin(), body_bytes->end());
    CHECK_THAT(body, Catch::StartsWith(r.id_number + "|2026-06-01T09:03:00+08:00|"));
    CHECK(body.size() == 18 + 1 + 25 + 1 + 32);

    auto resolve = [&](std::string_view payload, sim::Time at) {
        const auto reply = s.resolve_eid_qr(payload, at);
        REQUIRE(reply.ok());
        return *reply.value;
    };
    const auto ok = resolve(qr, k_now);
    CHECK(ok.result == EidResult::ok);
    REQUIRE(ok.resident);
    CHECK(*ok.resident == r);
    CHECK(ok.kiosk_json() ==
          nlohmann::json{{"result", "ok"}, {"name", r.name}, {"id_number", protocol::mask_id(r.id_number)}});
    CHECK(resolve(qr, expires).result == EidResult::ok);  // valid up to and including its expiry
    CHECK(resolve(qr, expires + 1us).result == EidResult::expired);
    CHECK_FALSE(resolve(qr, expires + 1us).resident.has_value());

    // Forged with another key, altered, or garbage.
    const std::string forged = services::encode_eid_qr(r.id_number, "2026-06-01T09:03:00+08:00", "not-the-key");
    CHECK(resolve(forged, k_now).result == EidResult::bad_signature);
    const Resident& other = first([&](const Resident& x) { return x.id_number != r.id_number && !x.wanted; });
    std::string altered_body = body;
    altered_body.replace(0, 18, other.id_number);
    const auto* p = reinterpret_cast<const std::uint8_t*>(altered_body.data());
    const std::string altered = "EID1:" + protocol::base64_encode(protocol::ByteView(p, altered_body.size()));
    CHECK(resolve(altered, k_now).result == EidResult::bad_signature);
    CHECK(resolve("EID1:!!!", k_now).result == EidResult::malformed);
    CHECK(resolve("EID2:" + qr.substr(5), k_now).result == EidResult::malformed);
    CHECK(resolve("", k_now).result == EidResult::malformed);
    CHECK(resolve("EID1:" + protocol::base64_encode(protocol::ByteView(p, 10)), k_now).result == EidResult::malformed);
    // A genuine code for a number nobody holds.
    CHECK(resolve(s.issue_eid_qr(unregistered_number(), expires), k_now).result == EidResult::not_found);
}

TEST_CASE("R-8.4-1: every identity call meets the service profile from its named stream",
          "[services][identity][R-8.4-1]") {
    services::IdentityConfig cfg;
    cfg.seed = 2026;
    cfg.profile = services::ServiceProfile::from_json(
        {{"latency", {{"median_ms", 300}, {"sigma", 0.4}}}, {"error_rate", 0.2}, {"outages", "every day 02:00-02:30"}});
    services::IdentityService s(population(), cfg);
    const Resident& r = ordinary();

    // The draws are those of the documented stream, one per call, whatever the call.
    sim::Rng expected(sim::derive_seed(2026, "services/identity"));
    sim::Rng faces(1);
    int failed = 0;
    constexpr int n = 3000;
    for (int i = 0; i < n; ++i) {
        const sim::Time t = k_now + i * 1s;
        const auto want = cfg.profile.draw(t, expected);
        services::Draw got;
        switch (i % 3) {
        case 0: got = s.check_id(r.id_number, r.name, t).outcome; break;
        case 1: got = s.face_compare(r.id_number, r.face_template, true, t, faces).outcome; break;
        default: got = s.resolve_eid_qr("EID1:x", t).outcome; break;
        }
        REQUIRE(got == want);
        failed += got.failed ? 1 : 0;
    }
    CHECK(std::abs(failed - n * 0.2) < 4.5 * std::sqrt(n * 0.2 * 0.8));

    // A failed call carries no value and maps to an error code for the kiosk.
    services::IdentityConfig down = cfg;
    down.profile = services::ServiceProfile::from_json({{"error_rate", 1.0}});
    services::IdentityService broken(population(), down);
    const auto f = broken.check_id(r.id_number, r.name, k_now);
    CHECK_FALSE(f.ok());
    CHECK(f.outcome.failed);
    CHECK(services::error_code(f.outcome) == api::ErrorCode::internal);

    // Inside the outage every call is unavailable, and nothing is computed.
    const sim::Time in_outage = sim::Time{24h + 2h + 10min};
    for (int i = 0; i < 50; ++i) {
        const auto u = s.check_id(r.id_number, r.name, in_outage + i * 1s);
        CHECK(u.outcome.unavailable);
        CHECK_FALSE(u.value.has_value());
        CHECK(services::error_code(u.outcome) == api::ErrorCode::service_unavailable);
    }
    CHECK_FALSE(services::error_code(services::Draw{}).has_value());

    // Same seed, same answers; another seed, other delays.
    services::IdentityService a(population(), cfg), b(population(), cfg);
    cfg.seed = 2027;
    services::IdentityService c(population(), cfg);
    int differ = 0;
    for (int i = 0; i < 20; ++i) {
        const auto x = a.check_id(r.id_number, r.name, k_now);
        const auto y = b.check_id(r.id_number, r.name, k_now);
        const auto z = c.check_id(r.id_number, r.name, k_now);
        CHECK(x.outcome == y.outcome);
        differ += x.outcome.delay != z.outcome.delay ? 1 : 0;
    }
    CHECK(differ > 15);
}

TEST_CASE("R-8.4-1: the identity service refuses a bad configuration", "[services][identity][R-8.4-1]") {
    CHECK_THROWS_AS(services::IdentityService(nullptr), std::invalid_argument);
    services::IdentityConfig cfg;
    cfg.face.threshold = 1.5;
    CHECK_THROWS_AS(services::IdentityService(population(), cfg), std::invalid_argument);
    cfg.face = {};
    cfg.face.impostor_b = 0;
    CHECK_THROWS_AS(services::IdentityService(population(), cfg), std::invalid_argument);
}

}  // namespace services_identity_test
