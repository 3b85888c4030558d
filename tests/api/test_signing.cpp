// Request signing (R-8.1-1) and refusal of unregistered kiosks, bad
// signatures, stale timestamps and replayed nonces (R-9.2-1).
#include <catch2/catch.hpp>

#include <kiosktwin/api/signing.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cctype>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace api_signing_test {

using namespace kiosktwin;
using api::SignatureMethod;
using api::SigningRequest;
using api::Verifier;
using namespace std::chrono_literals;

namespace {

std::string repeat(unsigned char byte, std::size_t n) { return std::string(n, static_cast<char>(byte)); }

const sim::Calendar k_calendar{};  // epoch 2026-06-01T00:00:00+08:00

sim::Time at(std::string_view iso) {
    const auto t = k_calendar.parse_iso8601(iso);
    REQUIRE(t);
    return *t;
}

// The methods this build can exercise: SHA-256 always, SM3 when OpenSSL has it.
std::vector<SignatureMethod> methods() {
    std::vector<SignatureMethod> ms{SignatureMethod::hmac_sha256};
    if (api::sm3_available()) ms.push_back(SignatureMethod::hmac_sm3);
    return ms;
}

const SigningRequest k_request{"POST", "/api/v1/applications?item=110101-001&channel=kiosk",
                               R"({"applicant":"张三","item":"110101-001"})"};
constexpr std::string_view k_key_id = "kiosk-0042";
constexpr std::string_view k_secret = "s3cret-of-kiosk-0042";
constexpr std::string_view k_now = "2026-11-27T14:30:00+08:00";

// Nonces of the allowed alphabet, distinct per n.
std::string nonce(int n) {
    std::string s = "nonce_";
    s.append(std::to_string(n));
    while (s.size() < 16) s.push_back('-');
    return s;
}

Verifier make_verifier(sim::Duration window = Verifier::k_default_window,
                       std::size_t max_nonces = Verifier::k_default_max_nonces) {
    Verifier v(k_calendar, window, max_nonces);
    v.add_key(std::string(k_key_id), std::string(k_secret));
    v.add_key("kiosk-0043", "another-secret");
    return v;
}

std::map<std::string, std::string> signed_headers(const SigningRequest& r, std::string_view ts, const std::string& n,
                                                  SignatureMethod m = SignatureMethod::hmac_sha256,
                                                  std::string_view key_id = k_key_id,
                                                  std::string_view secret = k_secret) {
    return api::sign(r, key_id, secret, std::string(ts), n, m).to_map();
}

// Runs a shell command, returns its stdout (or nullopt when it cannot run).
std::optional<std::string> run(const std::string& command) {
    FILE* p = popen(command.c_str(), "r");
    if (!p) return std::nullopt;
    std::string out;
    std::array<char, 256> buf{};
    std::size_t n = 0;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
    if (pclose(p) != 0) return std::nullopt;
    return out;
}

std::string lower_trimmed(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
    return s;
}

}  // namespace

// ---- Known answers ------------------------------------------------------------

TEST_CASE("R-8.1-1 HMAC-SHA256 matches RFC 4231 test cases 1-4", "[api][signing][R-8.1-1]") {
    using M = SignatureMethod;
    CHECK(api::hmac_hex(M::hmac_sha256, repeat(0x0b, 20), "Hi There") ==
          "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
    CHECK(api::hmac_hex(M::hmac_sha256, "Jefe", "what do ya want for nothing?") ==
          "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    CHECK(api::hmac_hex(M::hmac_sha256, repeat(0xaa, 20), repeat(0xdd, 50)) ==
          "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
    std::string key4;
    for (int i = 1; i <= 25; ++i) key4.push_back(static_cast<char>(i));
    CHECK(api::hmac_hex(M::hmac_sha256, key4, repeat(0xcd, 50)) ==
          "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
    // Empty key and message still work (the empty string_view has no data pointer).
    CHECK(api::hmac_hex(M::hmac_sha256, "", "") ==
          "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    CHECK(api::digest_hex(M::hmac_sha256, "abc") ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(api::digest_hex(M::hmac_sha256, "") ==
          "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("R-8.1-1 HMAC-SM3 and SM3 match the known-answer vectors", "[api][signing][R-8.1-1]") {
    if (!api::sm3_available()) {
        WARN("this OpenSSL has no SM3; HMAC-SHA256 is the preferred method");
        CHECK(api::preferred_method() == SignatureMethod::hmac_sha256);
        CHECK_THROWS_AS(api::hmac_hex(SignatureMethod::hmac_sm3, "k", "m"), std::runtime_error);
        return;
    }
    CHECK(api::preferred_method() == SignatureMethod::hmac_sm3);
    CHECK(api::digest_hex(SignatureMethod::hmac_sm3, "abc") ==
          "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    CHECK(api::hmac_hex(SignatureMethod::hmac_sm3, "Jefe", "what do ya want for nothing?") ==
          "2e87f1d16862e6d964b50a5200bf2b10b764faa9680a296a2405f24bec39f882");
}

TEST_CASE("R-8.1-1 HMAC agrees with the openssl command line", "[api][signing][R-8.1-1]") {
    const auto probe = run("command -v openssl >/dev/null 2>&1 && echo yes");
    if (!probe || probe->find("yes") == std::string::npos) {
        SUCCEED("openssl CLI not installed: cross-check skipped");
        return;
    }
    const std::string message = "POST /api/v1/x 2026-11-27T14:30:00+08:00 nonce_0123456789";
    std::string cmd_sha = "printf '%s' '";
    cmd_sha.append(message).append("' | openssl mac -digest SHA256 -macopt key:kiosk-key HMAC");
    const auto sha = run(cmd_sha);
    REQUIRE(sha);
    CHECK(lower_trimmed(*sha) == api::hmac_hex(SignatureMethod::hmac_sha256, "kiosk-key", message));
    if (api::sm3_available()) {
        std::string cmd_sm3 = "printf '%s' '";
        cmd_sm3.append(message).append("' | openssl mac -digest SM3 -macopt key:kiosk-key HMAC");
        const auto sm3 = run(cmd_sm3);
        REQUIRE(sm3);
        CHECK(lower_trimmed(*sm3) == api::hmac_hex(SignatureMethod::hmac_sm3, "kiosk-key", message));
    }
}

TEST_CASE("R-8.1-1 method names round-trip and nothing else parses", "[api][signing][R-8.1-1]") {
    CHECK(api::method_name(SignatureMethod::hmac_sm3) == "HMAC-SM3");
    CHECK(api::method_name(SignatureMethod::hmac_sha256) == "HMAC-SHA256");
    CHECK(api::parse_method_name("HMAC-SM3") == SignatureMethod::hmac_sm3);
    CHECK(api::parse_method_name("HMAC-SHA256") == SignatureMethod::hmac_sha256);
    CHECK_FALSE(api::parse_method_name("hmac-sm3"));
    CHECK_FALSE(api::parse_method_name("HMAC-MD5"));
    CHECK_FALSE(api::parse_method_name(""));
}

// ---- Canonical form -------------------------------------------------------------

TEST_CASE("R-8.1-1 canonical string golden: sorted, percent-encoded query", "[api][signing][R-8.1-1]") {
    const SigningRequest r{"post",
                           "/api/v1/items?z=last&b=hello%20world&a=2&a=10&q=中文&c=%e4%b8%ad&t=a+b&flag&&s=a/b:c~d#frag",
                           R"({"x":1})"};
    const std::string lines_1_to_6 =
        "POST\n"
        "/api/v1/items\n"
        "a=10&a=2&b=hello%20world&c=%E4%B8%AD&flag=&q=%E4%B8%AD%E6%96%87&s=a%2Fb%3Ac~d&t=a%2Bb&z=last\n"
        "kiosk-0042\n"
        "2026-11-27T14:30:00+08:00\n"
        "7fK2_aQ9-LmZ0pXw\n";
    // Body digests computed independently (Python hashlib, `openssl dgst -sm3`).
    std::string sha_golden = lines_1_to_6;
    sha_golden.append("5041bf1f713df204784353e82f6a4a535931cb64f1f4b4a5aeaffcb720918b22");
    CHECK(api::canonical_string(r, k_key_id, k_now, "7fK2_aQ9-LmZ0pXw", SignatureMethod::hmac_sha256) ==
          sha_golden);
    // The signature a kiosk program must produce (Python hmac, openssl mac).
    const auto h = api::sign(r, k_key_id, k_secret, std::string(k_now), "7fK2_aQ9-LmZ0pXw",
                             SignatureMethod::hmac_sha256);
    CHECK(h.signature == "2063c9d672b4d938e1a8d18dc64eb961831ad66793360f36697c0f2a9fb1cc3a");
    CHECK(h.signature_method == "HMAC-SHA256");
    if (api::sm3_available()) {
        std::string sm3_golden = lines_1_to_6;
        sm3_golden.append("28c408ab4af8f8aec53dbfd11f45668efdb1c78d3a9ef674cf5fa0f2b22b4130");
        CHECK(api::canonical_string(r, k_key_id, k_now, "7fK2_aQ9-LmZ0pXw", SignatureMethod::hmac_sm3) ==
              sm3_golden);
        CHECK(api::sign(r, k_key_id, k_secret, std::string(k_now), "7fK2_aQ9-LmZ0pXw", SignatureMethod::hmac_sm3)
                  .signature == "2e07fe54bd4c7dbbf083c731a8f62fad56da65d2bb983c01b0d64ac6305df34a");
    }
}

TEST_CASE("R-8.1-1 canonical form edge cases", "[api][signing][R-8.1-1]") {
    CHECK(api::percent_encode("AZaz09-._~") == "AZaz09-._~");
    CHECK(api::percent_encode(" /?#&=+%") == "%20%2F%3F%23%26%3D%2B%25");
    CHECK(api::percent_encode("\xff") == "%FF");
    CHECK(api::canonical_query("") == "");
    CHECK(api::canonical_query("&&") == "");
    CHECK(api::canonical_query("b=1&a") == "a=&b=1");
    CHECK(api::canonical_query("a=x=y") == "a=x%3Dy");                // split at the first '='
    CHECK(api::canonical_query("p=%zz&q=%4&r=%41") == "p=%25zz&q=%254&r=A");  // bad escapes stay literal
    CHECK(api::canonical_query("%61=1") == "a=1");                    // names are decoded too

    const auto canon = [](std::string target) {
        const SigningRequest r{"get", std::move(target), ""};
        return api::canonical_string(r, "k", "2026-11-27T14:30:00Z", "0123456789abcdef",
                                     SignatureMethod::hmac_sha256);
    };
    const std::string tail =
        "\nk\n2026-11-27T14:30:00Z\n0123456789abcdef\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    CHECK(canon("/status") == "GET\n/status\n" + tail);
    CHECK(canon("") == "GET\n/\n" + tail);
    CHECK(canon("/status?") == "GET\n/status\n" + tail);
    CHECK(canon("/status#x?y=1") == "GET\n/status\n" + tail);
    // Same parameters in another order and encoding: the same canonical string.
    CHECK(canon("/s?b=%2F&a=1") == canon("/s?a=1&b=/"));
}

TEST_CASE("R-8.1-1 header value validation", "[api][signing][R-8.1-1]") {
    CHECK(api::valid_nonce("0123456789abcdef"));
    CHECK(api::valid_nonce(std::string(64, 'Z')));
    CHECK(api::valid_nonce("Aa0_-Aa0_-Aa0_-A"));
    CHECK_FALSE(api::valid_nonce("0123456789abcde"));  // 15
    CHECK_FALSE(api::valid_nonce(std::string(65, 'a')));
    CHECK_FALSE(api::valid_nonce("0123456789abcde."));
    CHECK_FALSE(api::valid_nonce("0123456789abcde="));

    CHECK(api::valid_key_id("kiosk-0042"));
    CHECK_FALSE(api::valid_key_id(""));
    CHECK_FALSE(api::valid_key_id("kiosk 0042"));
    CHECK_FALSE(api::valid_key_id("kiosk\n0042"));
    CHECK_FALSE(api::valid_key_id(std::string(129, 'k')));

    CHECK(api::valid_timestamp_shape("2026-11-27T14:30:00+08:00"));
    CHECK(api::valid_timestamp_shape("2026-11-27T06:30:00Z"));
    CHECK(api::valid_timestamp_shape("2026-11-27T14:30:00.123456-05:30"));
    CHECK_FALSE(api::valid_timestamp_shape("2026-11-27T14:30:00"));         // no offset
    CHECK_FALSE(api::valid_timestamp_shape("2026-11-27 14:30:00+08:00"));   // not extended 'T'
    CHECK_FALSE(api::valid_timestamp_shape("2026-11-27T14:30+08:00"));      // no seconds
    CHECK_FALSE(api::valid_timestamp_shape("2026-11-27T14:30:00+0800"));    // basic offset
    CHECK_FALSE(api::valid_timestamp_shape("2026-11-27T14:30:00.+08:00"));
    CHECK_FALSE(api::valid_timestamp_shape("2026-11-27T14:30:00.1234567+08:00"));
    CHECK_FALSE(api::valid_timestamp_shape("2026-11-27T14:30:00+08:00\n"));

    CHECK_THROWS_AS(api::sign(k_request, k_key_id, k_secret, std::string(k_now), "short", SignatureMethod::hmac_sha256),
                    std::invalid_argument);
    CHECK_THROWS_AS(api::sign(k_request, k_key_id, k_secret, "2026-11-27T14:30:00", nonce(1),
                              SignatureMethod::hmac_sha256),
                    std::invalid_argument);
    CHECK_THROWS_AS(api::sign(k_request, "", k_secret, std::string(k_now), nonce(1), SignatureMethod::hmac_sha256),
                    std::invalid_argument);
    CHECK_THROWS_AS(api::sign(k_request, k_key_id, "", std::string(k_now), nonce(1), SignatureMethod::hmac_sha256),
                    std::invalid_argument);
}

// ---- Verification ---------------------------------------------------------------

TEST_CASE("R-8.1-1 R-9.2-1 sign then verify round trip with both methods", "[api][signing][R-8.1-1][R-9.2-1]") {
    Verifier v = make_verifier();
    int n = 0;
    for (SignatureMethod m : methods()) {
        CAPTURE(api::method_name(m));
        const auto headers = signed_headers(k_request, k_now, nonce(++n), m);
        CHECK(headers.at("x-kiosk-signature-method") == api::method_name(m));
        CHECK(headers.at("x-kiosk-signature").size() == 64);
        const auto res = v.verify(k_request, headers, at(k_now));
        CHECK(res.ok());
        CHECK(static_cast<bool>(res));
        CHECK(res.status == 200);
        CHECK(res.key_id == k_key_id);
        // The timestamp is parsed with its own offset: the same instant in UTC verifies too.
        const auto utc = signed_headers(k_request, "2026-11-27T06:30:00Z", nonce(++n), m);
        CHECK(v.verify(k_request, utc, at(k_now)).ok());
    }
    // The preferred method (whatever this build offers) verifies as well.
    CHECK(v.verify(k_request, signed_headers(k_request, k_now, nonce(++n), api::preferred_method()), at(k_now)).ok());
    // The method is case-insensitive, the query order free, the signature hex any case.
    SigningRequest reordered{"post", "/api/v1/applications?channel=kiosk&item=110101-001", k_request.body};
    auto h = signed_headers(k_request, k_now, nonce(++n));
    std::string& sig = h.at("x-kiosk-signature");
    std::transform(sig.begin(), sig.end(), sig.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    CHECK(v.verify(reordered, h, at(k_now)).ok());
    CHECK(v.replay_cache_size() == static_cast<std::size_t>(n));
}

TEST_CASE("R-9.2-1 each refusal has its code, status and header", "[api][signing][R-9.2-1]") {
    Verifier v = make_verifier();
    const sim::Time now = at(k_now);
    const auto good = signed_headers(k_request, k_now, nonce(7));

    SECTION("a missing header is named") {
        for (std::string_view name : {api::k_header_key_id, api::k_header_timestamp, api::k_header_nonce,
                                      api::k_header_signature_method, api::k_header_signature}) {
            auto h = good;
            h.erase(std::string(name));
            const auto res = v.verify(k_request, h, now);
            CAPTURE(name, res.message);
            CHECK(res.status == 401);
            CHECK(res.code == "auth.missing_header");
            CHECK(res.header == name);
            CHECK(res.message.find(name) != std::string::npos);
        }
        // Header names are lower case: a mixed-case name is not found.
        auto h = good;
        const std::string value = h.at("x-kiosk-nonce");
        h.erase("x-kiosk-nonce");
        h["X-Kiosk-Nonce"] = value;
        CHECK(v.verify(k_request, h, now).code == "auth.missing_header");
    }
    SECTION("a malformed header is named") {
        const std::pair<std::string_view, std::string> cases[] = {
            {api::k_header_key_id, ""},
            {api::k_header_key_id, "kiosk 0042"},
            {api::k_header_nonce, "short"},
            {api::k_header_nonce, std::string(65, 'n')},
            {api::k_header_nonce, "0123456789abcdef!"},
            {api::k_header_signature, "abc"},
            {api::k_header_signature, std::string(64, 'g')},
            {api::k_header_signature, std::string(66, '0')},
        };
        for (const auto& [name, value] : cases) {
            auto h = good;
            h[std::string(name)] = value;
            const auto res = v.verify(k_request, h, now);
            CAPTURE(name, value, res.message);
            CHECK(res.status == 401);
            CHECK(res.code == "auth.bad_header");
            CHECK(res.header == name);
            CHECK(res.message.find(name) != std::string::npos);
        }
    }
    SECTION("an unsupported signature method") {
        for (std::string bad : {"HMAC-MD5", "hmac-sha256", "", "HMAC-SHA256 "}) {
            auto h = good;
            h["x-kiosk-signature-method"] = bad;
            const auto res = v.verify(k_request, h, now);
            CAPTURE(bad, res.message);
            CHECK(res.status == 401);
            CHECK(res.code == "auth.bad_method");
            CHECK(res.header == "x-kiosk-signature-method");
        }
    }
    SECTION("an unregistered kiosk's key id, kept for the audit record") {
        const auto h = signed_headers(k_request, k_now, nonce(8), SignatureMethod::hmac_sha256, "kiosk-9999", "x");
        const auto res = v.verify(k_request, h, now);
        CHECK(res.status == 401);
        CHECK(res.code == "auth.unknown_key");
        CHECK(res.key_id == "kiosk-9999");
        CHECK(res.message.find("kiosk-9999") != std::string::npos);
        // A removed key is unknown from then on.
        CHECK(v.remove_key("kiosk-0043"));
        CHECK_FALSE(v.remove_key("kiosk-0043"));
        CHECK_FALSE(v.has_key("kiosk-0043"));
        const auto h43 = signed_headers(k_request, k_now, nonce(9), SignatureMethod::hmac_sha256, "kiosk-0043",
                                        "another-secret");
        CHECK(v.verify(k_request, h43, now).code == "auth.unknown_key");
    }
    SECTION("an unparsable timestamp") {
        for (std::string bad : {"2026-11-27T14:30:00", "2026-11-27 14:30:00+08:00", "2026-13-01T00:00:00+08:00",
                                "2026-02-30T00:00:00+08:00", "yesterday", "2026-11-27T14:30:00+15:00"}) {
            auto h = good;
            h["x-kiosk-timestamp"] = bad;
            const auto res = v.verify(k_request, h, now);
            CAPTURE(bad, res.message);
            CHECK(res.status == 401);
            CHECK(res.code == "auth.stale_timestamp");
            CHECK(res.header == "x-kiosk-timestamp");
        }
    }
    SECTION("a bad signature: wrong secret, or another key's secret") {
        const auto wrong = signed_headers(k_request, k_now, nonce(10), SignatureMethod::hmac_sha256, k_key_id, "guess");
        auto res = v.verify(k_request, wrong, now);
        CHECK(res.status == 401);
        CHECK(res.code == "auth.bad_signature");
        const auto other = signed_headers(k_request, k_now, nonce(11), SignatureMethod::hmac_sha256, k_key_id,
                                          "another-secret");
        CHECK(v.verify(k_request, other, now).code == "auth.bad_signature");
        // A signature made with the other method's hash does not pass as this one.
        if (api::sm3_available()) {
            auto h = signed_headers(k_request, k_now, nonce(12), SignatureMethod::hmac_sm3);
            h["x-kiosk-signature-method"] = "HMAC-SHA256";
            CHECK(v.verify(k_request, h, now).code == "auth.bad_signature");
        }
    }
    SECTION("a replayed nonce is forbidden") {
        REQUIRE(v.verify(k_request, good, now).ok());
        const auto res = v.verify(k_request, good, now + 10s);
        CHECK(res.status == 403);
        CHECK(res.code == "auth.replayed_nonce");
        CHECK(res.header == "x-kiosk-nonce");
        CHECK(res.key_id == k_key_id);
        // Even re-signed with a new timestamp (a client bug), the nonce stays spent.
        const auto again = signed_headers(k_request, "2026-11-27T14:31:00+08:00", nonce(7));
        CHECK(v.verify(k_request, again, now + 60s).code == "auth.replayed_nonce");
    }
}

TEST_CASE("R-9.2-1 only a verified request spends its nonce", "[api][signing][R-9.2-1]") {
    Verifier v = make_verifier();
    const sim::Time now = at(k_now);
    const std::string n = nonce(1);
    // A forgery with the nonce, a stale request with it, an unknown key: none spend it.
    CHECK(v.verify(k_request, signed_headers(k_request, k_now, n, SignatureMethod::hmac_sha256, k_key_id, "guess"), now)
              .code == "auth.bad_signature");
    CHECK(v.verify(k_request, signed_headers(k_request, "2026-11-27T14:00:00+08:00", n), now).code ==
          "auth.stale_timestamp");
    CHECK(v.replay_cache_size() == 0);
    CHECK(v.verify(k_request, signed_headers(k_request, k_now, n), now).ok());
    CHECK(v.replay_cache_size() == 1);
}

TEST_CASE("R-9.2-1 the same nonce under another key id is independent", "[api][signing][R-9.2-1]") {
    Verifier v = make_verifier();
    const sim::Time now = at(k_now);
    const std::string n = nonce(5);
    CHECK(v.verify(k_request, signed_headers(k_request, k_now, n), now).ok());
    const auto h43 = signed_headers(k_request, k_now, n, SignatureMethod::hmac_sha256, "kiosk-0043", "another-secret");
    CHECK(v.verify(k_request, h43, now).ok());
    CHECK(v.verify(k_request, h43, now).code == "auth.replayed_nonce");
    CHECK(v.verify(k_request, signed_headers(k_request, k_now, n), now).code == "auth.replayed_nonce");
}

TEST_CASE("R-9.2-1 tampering with any signed part fails the signature", "[api][signing][R-9.2-1]") {
    for (SignatureMethod m : methods()) {
        CAPTURE(api::method_name(m));
        Verifier v = make_verifier();
        const sim::Time now = at(k_now);
        const auto h = signed_headers(k_request, k_now, nonce(3), m);

        SigningRequest body = k_request;
        body.body.back() = ' ';
        SigningRequest path = k_request;
        path.target.replace(0, 15, "/api/v2/applica");
        SigningRequest query_value = k_request;
        query_value.target.back() = 'X';
        SigningRequest query_added = k_request;
        query_added.target.append("&debug=1");
        SigningRequest query_dropped{"POST", "/api/v1/applications?item=110101-001", k_request.body};
        SigningRequest verb = k_request;
        verb.method = "PUT";
        for (const SigningRequest* r : {&body, &path, &query_value, &query_added, &query_dropped, &verb}) {
            CAPTURE(r->method, r->target, r->body);
            CHECK(v.verify(*r, h, now).code == "auth.bad_signature");
        }
        // Header values that are signed: timestamp (even the same instant spelt
        // otherwise), nonce, key id (to another registered key).
        auto ts = h;
        ts["x-kiosk-timestamp"] = "2026-11-27T14:30:01+08:00";
        CHECK(v.verify(k_request, ts, now).code == "auth.bad_signature");
        ts["x-kiosk-timestamp"] = "2026-11-27T06:30:00Z";
        CHECK(v.verify(k_request, ts, now).code == "auth.bad_signature");
        auto nn = h;
        nn["x-kiosk-nonce"] = nonce(4);
        CHECK(v.verify(k_request, nn, now).code == "auth.bad_signature");
        auto kid = h;
        kid["x-kiosk-key-id"] = "kiosk-0043";
        CHECK(v.verify(k_request, kid, now).code == "auth.bad_signature");
        // None of these spent the nonce: the genuine request still passes.
        CHECK(v.replay_cache_size() == 0);
        CHECK(v.verify(k_request, h, now).ok());
    }
}

TEST_CASE("R-9.2-1 timestamps at exactly ±window are accepted, beyond refused", "[api][signing][R-9.2-1]") {
    const sim::Time sent = at(k_now);
    int n = 0;
    const auto check = [&](Verifier& v, sim::Time now) {
        return v.verify(k_request, signed_headers(k_request, k_now, nonce(++n)), now);
    };
    Verifier v = make_verifier();
    CHECK(v.window() == 300s);
    CHECK(check(v, sent + 300s).ok());  // timestamp 300 s behind now
    CHECK(check(v, sent - 300s).ok());  // timestamp 300 s ahead of now

    const auto behind = check(v, sent + 300s + 1us);
    CHECK(behind.status == 401);
    CHECK(behind.code == "auth.stale_timestamp");
    CHECK(behind.header == "x-kiosk-timestamp");
    CAPTURE(behind.message);
    CHECK(behind.message.find("300.000001 s behind") != std::string::npos);
    CHECK(behind.message.find("0.000001 s beyond the window of ±300 s") != std::string::npos);

    const auto ahead = check(v, sent - 420s);
    CAPTURE(ahead.message);
    CHECK(ahead.code == "auth.stale_timestamp");
    CHECK(ahead.message.find("420 s ahead of the verifier clock (2026-11-27T14:23:00+08:00)") != std::string::npos);
    CHECK(ahead.message.find("120 s beyond") != std::string::npos);

    // Far outside virtual time's range: refused, not overflowed.
    CHECK(check(v, sim::end_of_time).code == "auth.stale_timestamp");
    CHECK(v.verify(k_request, signed_headers(k_request, "0001-01-01T00:00:00+08:00", nonce(++n)), sim::end_of_time)
              .code == "auth.stale_timestamp");

    // Another window.
    Verifier narrow = make_verifier(30s);
    CHECK(check(narrow, sent + 30s).ok());
    CHECK(check(narrow, sent + 31s).code == "auth.stale_timestamp");

    CHECK_THROWS_AS(Verifier(k_calendar, sim::Duration::zero()), std::invalid_argument);
    CHECK_THROWS_AS(Verifier(k_calendar, 300s, 0), std::invalid_argument);
    CHECK_THROWS_AS(v.add_key("bad id", "s"), std::invalid_argument);
    CHECK_THROWS_AS(v.add_key("ok-id", ""), std::invalid_argument);
}

TEST_CASE("R-9.2-1 the replay cache forgets nonces once their window has passed", "[api][signing][R-9.2-1]") {
    // Window 10 s, one request every 100 ms for 500 s: an entry lives from its
    // timestamp until timestamp + window, so at most 10 s / 100 ms + 1 remain.
    Verifier v = make_verifier(10s);
    const sim::Time start = at(k_now);
    std::size_t peak = 0;
    for (int i = 0; i < 5000; ++i) {
        const sim::Time now = start + i * 100ms;
        const auto res = v.verify(k_request, signed_headers(k_request, k_calendar.iso8601(now), nonce(i)), now);
        REQUIRE(res.ok());
        peak = std::max(peak, v.replay_cache_size());
    }
    CHECK(peak == 101);
    CHECK(v.replay_cache_size() <= 101);
    // A replay inside the window is still caught after all that churn.
    const sim::Time last = start + 4999 * 100ms;
    CHECK(v.verify(k_request, signed_headers(k_request, k_calendar.iso8601(last), nonce(4999)), last + 5s).code ==
          "auth.replayed_nonce");
    // Past the window every entry is gone, and a replay is stale anyway.
    v.evict_expired(last + 10s + 1us);
    CHECK(v.replay_cache_size() == 0);
    CHECK(v.verify(k_request, signed_headers(k_request, k_calendar.iso8601(last), nonce(4999)), last + 11s).code ==
          "auth.stale_timestamp");
}

TEST_CASE("R-9.2-1 the replay cache's hard cap drops the soonest-expiring first", "[api][signing][R-9.2-1]") {
    Verifier v = make_verifier(300s, 100);
    CHECK(v.max_nonces() == 100);
    const sim::Time start = at(k_now);
    for (int i = 0; i < 1000; ++i) {
        const sim::Time now = start + i * 10ms;  // all within one window
        REQUIRE(v.verify(k_request, signed_headers(k_request, k_calendar.iso8601(now), nonce(i)), now).ok());
        REQUIRE(v.replay_cache_size() <= 100);
    }
    CHECK(v.replay_cache_size() == 100);
    const sim::Time now = start + 10s;
    // The newest 100 are remembered ...
    for (int i : {900, 950, 999}) {
        const sim::Time t = start + i * 10ms;
        CHECK(v.verify(k_request, signed_headers(k_request, k_calendar.iso8601(t), nonce(i)), now).code ==
              "auth.replayed_nonce");
    }
    // ... and the oldest were dropped: the documented price of the cap.
    CHECK(v.verify(k_request, signed_headers(k_request, k_calendar.iso8601(start), nonce(0)), now).ok());
    CHECK(v.replay_cache_size() == 100);
}

}  // namespace api_signing_test
