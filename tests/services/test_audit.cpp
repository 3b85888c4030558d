// The tamper-evident audit log (R-9.2-1 refusals audited, R-9.3-1 hash chain
// and masked ID numbers).
#include <catch2/catch.hpp>

#include <kiosktwin/api/signing.hpp>
#include <kiosktwin/services/audit.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

namespace services_audit_test {

using namespace kiosktwin;
using namespace kiosktwin::services::audit;
using api::ErrorCode;
using namespace std::chrono_literals;

namespace {

// A valid GB 11643 number (check character X).
const std::string k_id = "11010519491231002X";

AuditLog sample(int n = 6) {
    AuditLog log;
    for (int i = 0; i < n; ++i)
        log.append(sim::Time{std::chrono::seconds(60 * i)}, "kiosk-0042", "terminal.heartbeat",
                   i % 2 ? ErrorCode::ok : ErrorCode::auth_unregistered_terminal,
                   {{"i", i}, {"note", "第" + std::to_string(i) + "次"}});
    return log;
}

}  // namespace

TEST_CASE("R-9.3-1: records chain from genesis and verify", "[services][audit]") {
    AuditLog log = sample();
    REQUIRE(log.size() == 6);
    CHECK(log.alg() == preferred_hash_alg());
    CHECK(log.records()[0].prev_hash == genesis_hash());
    CHECK(log.records()[0].at == "2026-06-01T00:00:00+08:00");
    CHECK(log.records()[1].at == "2026-06-01T00:01:00+08:00");
    CHECK(log.records()[0].outcome == "auth.unregistered_terminal");
    CHECK(log.records()[1].outcome == "ok");
    for (std::size_t i = 0; i < log.size(); ++i) {
        const auto& r = log.records()[i];
        CHECK(r.seq == i + 1);
        CHECK(r.hash.size() == 64);
        CHECK(r.hash == api::digest_hex(r.alg == HashAlg::sm3 ? api::SignatureMethod::hmac_sm3
                                                             : api::SignatureMethod::hmac_sha256,
                                        r.prev_hash + canonical(r)));
        if (i > 0) CHECK(r.prev_hash == log.records()[i - 1].hash);
    }
    CHECK(log.verify());
    CHECK(log.verify(log.head()));
    CHECK(AuditLog().verify());
    CHECK(AuditLog().head() == genesis_hash());
    CHECK(canonical(log.records()[0]).find("\"hash\"") == std::string::npos);
    CHECK(available(HashAlg::sha256));
    CHECK(AuditLog(sim::Calendar{}, HashAlg::sha256).append(sim::Time{}, "a", "b", "ok").hash.size() == 64);
}

TEST_CASE("R-9.3-1: a change to any field is detected at that record's seq", "[services][audit]") {
    const AuditLog log = sample();
    using Mutator = void (*)(Record&);
    const std::pair<const char*, Mutator> cases[] = {
        {"seq", [](Record& r) { r.seq += 10; }},
        {"at", [](Record& r) { r.at = "2026-06-01T00:03:01+08:00"; }},
        {"actor", [](Record& r) { r.actor = "kiosk-0043"; }},
        {"action", [](Record& r) { r.action = "terminal.register"; }},
        {"outcome", [](Record& r) { r.outcome = r.ok() ? "internal" : "ok"; }},
        {"detail", [](Record& r) { r.detail["i"] = 99; }},
        {"alg", [](Record& r) { r.alg = r.alg == HashAlg::sm3 ? HashAlg::sha256 : HashAlg::sm3; }},
        {"prev_hash", [](Record& r) { r.prev_hash[0] = r.prev_hash[0] == 'a' ? 'b' : 'a'; }},
        {"hash", [](Record& r) { r.hash[5] = r.hash[5] == '0' ? '1' : '0'; }},
    };
    for (const auto& [field, mutate] : cases) {
        for (std::size_t k : {0u, 3u, 5u}) {
            INFO(field << " of record " << k + 1);
            auto recs = log.records();
            mutate(recs[k]);
            const auto v = verify(recs);
            CHECK_FALSE(v.ok);
            CHECK(v.seq == k + 1);
        }
    }
}

TEST_CASE("R-9.3-1: deletion, reordering and truncation are detected at the right seq", "[services][audit]") {
    const AuditLog log = sample();
    auto recs = log.records();
    recs.erase(recs.begin() + 2);  // delete seq 3
    CHECK(verify(recs).seq == 3);

    recs = log.records();
    std::swap(recs[3], recs[4]);  // swap seq 4 and 5
    CHECK(verify(recs).seq == 4);

    // Even renumbered after the swap, the chain breaks at 4.
    recs[3].seq = 4;
    recs[4].seq = 5;
    CHECK(verify(recs).seq == 4);

    // Re-hashing a forged record breaks the next link.
    recs = log.records();
    recs[1].detail["i"] = 42;
    recs[1].hash = compute_hash(recs[1]);
    CHECK(verify(recs).seq == 3);

    // Truncation: only against an anchored head.
    recs = log.records();
    recs.pop_back();
    CHECK(verify(recs).ok);
    const auto v = verify(recs, log.head());
    CHECK_FALSE(v.ok);
    CHECK(v.seq == 6);
}

TEST_CASE("R-9.3-1: JSONL round trip, tampered file still loads and fails verification", "[services][audit]") {
    const AuditLog log = sample();
    const std::string text = log.to_jsonl();
    CHECK(std::count(text.begin(), text.end(), '\n') == 6);
    const AuditLog back = AuditLog::from_jsonl(text);
    CHECK(back.records() == log.records());
    CHECK(back.verify());
    CHECK(back.to_jsonl() == text);

    std::string bad = text;
    const auto pos = bad.find("第3次");
    REQUIRE(pos != std::string::npos);
    bad.replace(pos, std::string("第3次").size(), "第7次");
    const auto v = AuditLog::from_jsonl(bad).verify();
    CHECK_FALSE(v.ok);
    CHECK(v.seq == 4);

    CHECK_THROWS_AS(AuditLog::from_jsonl("{\"seq\":1}\n"), std::invalid_argument);
    CHECK_THROWS_AS(AuditLog::from_jsonl("not json\n"), std::invalid_argument);
    CHECK(AuditLog::from_jsonl("\n\n").empty());
}

TEST_CASE("R-9.3-1: ID numbers are masked in every string before hashing", "[services][audit]") {
    CHECK(mask_ids(k_id) == "1101**********002X");
    CHECK(mask_ids("身份证 " + k_id + " 已读取") == "身份证 1101**********002X 已读取");
    CHECK(mask_ids("id=110105194912310021;") == "id=1101**********0021;");
    CHECK(mask_ids("110105194912310021x") == "1101**********0021x");  // 18 digits then a letter
    CHECK(mask_ids("11010519491231002x") == "1101**********002x");
    // Not an ID: inside a longer run of digits, or too short.
    CHECK(mask_ids("1101051949123100211") == "1101051949123100211");
    CHECK(mask_ids("11010519491231002") == "11010519491231002");
    CHECK(mask_ids("") == "");
    CHECK(mask_ids("a110105194912310021110105194912310021") == "a110105194912310021110105194912310021");

    AuditLog log;
    const auto& r = log.append(sim::Time{}, k_id, "identity.read", ErrorCode::ok,
                               {{"card", {{"number", k_id}, {"list", {k_id, 3}}}}, {k_id, true}});
    const std::string line = log.to_jsonl();
    CHECK(line.find(k_id) == std::string::npos);
    CHECK(line.find("1101**********002X") != std::string::npos);
    CHECK(r.actor == "1101**********002X");
    CHECK(r.detail["card"]["number"] == "1101**********002X");
    CHECK(r.detail["card"]["list"][1] == 3);
    CHECK(r.detail.contains("1101**********002X"));
    CHECK(log.verify());
    CHECK_THROWS_AS(log.append(sim::Time{}, "a", "b", "ok", {{"bad", std::string("\xff\xfe")}}), std::invalid_argument);
    CHECK(log.size() == 1);
}

TEST_CASE("the canonical form is exactly the record's JSON without the hash, as nlohmann writes it", "[audit][R-9.3-1]") {
    AuditLog audit_log;
    const nlohmann::json detail = {{"quote", "a\"b\\c"}, {"controls", std::string("\b\f\n\r\t\x01\x1f\x7f")},
                                   {"zh", "办件 受理"}, {"n", 3}, {"nested", {{"x", nlohmann::json::array({1, "二"})}}}};
    audit_log.append(sim::Time{}, "T-0001 \"终端\"", "applications.create", "ok", detail);
    audit_log.append(sim::Time{} + std::chrono::seconds(1), std::string("tab\there"), "x\ny", "request.bad_field");
    for (const auto& r : audit_log.records()) {
        nlohmann::json j = to_json(r);
        j.erase("hash");
        CHECK(canonical(r) == j.dump());
    }
    CHECK(audit_log.verify());
    Record bad = audit_log.records()[0];
    bad.actor = std::string("\xC0\xAF");  // an overlong '/'
    CHECK_THROWS_AS(canonical(bad), std::invalid_argument);
    bad.actor = std::string("\xED\xA0\x80");  // a surrogate
    CHECK_THROWS_AS(canonical(bad), std::invalid_argument);
    bad.actor = std::string("\xE4\xB8");  // truncated
    CHECK_THROWS_AS(canonical(bad), std::invalid_argument);
}

}  // namespace services_audit_test
