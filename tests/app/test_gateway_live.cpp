// The live gateway end to end, with real clients over loopback: `kiosktwin
// gateway` runs as a child process, Debian's curl calls it, and `kiosktwin
// sign` signs requests the way a developer would (`sign ... > h.txt; curl -H
// @h.txt ...`). Health, signed calls and their refusals, bad input over the
// wire (malformed JSON, oversized bodies, wrong media type, garbage HTTP),
// keep-alive, and a restart on the same database. Ports: see
// gateway_process.hpp (7000 + (pid % 400) * 8 .. +7). Every wait is bounded.
#include "gateway_process.hpp"
#include "run_command.hpp"

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <regex>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <thread>
#include <unistd.h>

using namespace kiosktwin::test;
using nlohmann::json;

namespace {

const std::string k_src = KIOSKTWIN_SOURCE_DIR;
const std::string k_bin = std::string(KIOSKTWIN_BIN_DIR) + "/kiosktwin";

bool have(const std::string& tool) { return run_command("command -v " + tool, "/").exit_code == 0; }

CommandResult kt(const std::string& args, int timeout_s = 60) {
    return run_command("'" + k_bin + "' " + args, k_src, timeout_s);
}

struct Reply {
    int status = 0;
    std::string headers;  // the response's header block, as received
    std::string text;     // the body
    json body;            // parsed (discarded when not JSON)
    double seconds = 0;   // curl's time_total

    std::string error_id() const {
        return body.is_object() && body.contains("data") && body["data"].is_object() && body["data"].contains("error")
                   ? body["data"]["error"].get<std::string>()
                   : std::string();
    }
    bool has_header(const std::string& line) const {
        // Header names are case-insensitive; Beast sends them capitalised.
        std::string h = headers, l = line;
        for (char& c : h) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        for (char& c : l) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        return h.find(l) != std::string::npos;
    }
};

/// curl against one gateway; `kiosktwin sign` for the signed calls.
class Client {
public:
    /// `tag` keeps the files of two clients of one scratch directory apart.
    Client(const Scratch& scratch, std::string base, std::string tag = "c")
        : m_scratch(scratch), m_base(std::move(base)), m_tag(std::move(tag)) {}

    /// curl with `args` before the URL of `target`.
    Reply curl(const std::string& args, const std::string& target) {
        const std::string id = m_tag + std::to_string(m_n++);
        const std::string hdr = m_scratch.path("resp-headers-" + id);
        const std::string body = m_scratch.path("resp-body-" + id);
        const auto r = run_command("curl -sS --max-time 10 -D '" + hdr + "' -o '" + body + "' -w '%{http_code} %{time_total}' " +
                                       args + " '" + m_base + target + "'",
                                   k_src, 30);
        INFO("curl " << args << " " << target << ": " << r.err);
        REQUIRE(r.exit_code == 0);
        Reply rep;
        rep.status = std::stoi(r.out);
        rep.seconds = std::stod(r.out.substr(r.out.find(' ') + 1));
        rep.headers = slurp(hdr);
        rep.text = slurp(body);
        rep.body = json::parse(rep.text, nullptr, false);
        return rep;
    }
    Reply get(const std::string& target) { return curl("", target); }
    Reply post(const std::string& target, const std::string& body, const std::string& content_type = "application/json") {
        const std::string file = m_scratch.write("req-body-" + m_tag + std::to_string(m_n++), body);
        return curl("-H 'content-type: " + content_type + "' --data-binary @'" + file + "'", target);
    }

    /// The headers `kiosktwin sign` prints for this request, in a file for -H @file.
    std::string sign(const std::string& key_id, const std::string& method, const std::string& target,
                     const std::string& body_file = {}, const std::string& options = {}) {
        const std::string file = m_scratch.path("sig-" + m_tag + std::to_string(m_n++));
        std::string args = "sign --key-id " + key_id + " " + options;
        if (!body_file.empty()) args += " --body-file '" + body_file + "'";
        const auto r = kt(args + " " + method + " '" + target + "' > '" + file + "'");
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        return file;
    }
    /// A signed call: sign, then curl -H @file.
    Reply call(const std::string& key_id, const std::string& method, const std::string& target,
               const std::string& body = {}, const std::string& extra = {}, std::string* headers_file = nullptr) {
        std::string args = extra;
        std::string body_file;
        if (!body.empty() || method == "POST") {
            body_file = m_scratch.write("req-body-" + m_tag + std::to_string(m_n++), body);
            args += " -H 'content-type: application/json' --data-binary @'" + body_file + "'";
        }
        const std::string sig = sign(key_id, method, target, body_file);
        if (headers_file) *headers_file = sig;
        return curl("-X " + method + " -H @'" + sig + "' " + args, target);
    }

    json health() {
        const Reply r = get("/api/v1/health");
        REQUIRE(r.status == 200);
        return r.body["data"];
    }

private:
    const Scratch& m_scratch;
    std::string m_base;
    std::string m_tag;
    int m_n = 0;
};

/// Bytes sent on one raw connection, and what came back until the server
/// closed it (or 5 s passed).
struct RawReply {
    std::string text;
    bool closed = false;  // the server closed the connection
};

RawReply raw_exchange(int port, const std::string& bytes) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
    std::size_t sent = 0;
    while (sent < bytes.size()) {
        const ssize_t n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) break;
        sent += static_cast<std::size_t>(n);
    }
    RawReply r;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n == 0) r.closed = true;
        if (n <= 0) break;
        r.text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return r;
}

int count(const std::string& text, const std::string& what) {
    int n = 0;
    for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + what.size())) ++n;
    return n;
}

json register_body(const std::string& terminal_id) {
    return {{"terminal_id", terminal_id}, {"site", "福田区行政服务大厅"}, {"region", "440304"},
            {"peripherals", json::array({{{"id", "idr-1"}, {"type", "idcard_reader"}}})}};
}

// An offered item of the default catalogue (seed 1) and a resident of
// assets/population/residents-1000.jsonl (not wanted, card valid to 2030).
json create_body() {
    return {{"item_code", "44030000CZ-QT-0001"},
            {"applicant", {{"name", "宋方"}, {"id_number", "110101200910132031"}, {"phone", "13800138000"}}}};
}

void require_tools() {
    INFO("missing curl: ./quickstart test installs it (Debian curl)");
    REQUIRE(have("curl"));
}

}  // namespace

TEST_CASE("gateway: curl reads health and the OpenAPI document from the live process", "[gateway-live][R-8.1-1][R-8.2-1]") {
    require_tools();
    Scratch s("gateway-live");
    GatewayProcess gw(k_bin, k_src, s.dir, "");
    const json& ready = gw.ready();
    CHECK(ready["db"].is_null());
    CHECK(ready["replayed"] == 0);
    CHECK((ready["signature_method"] == "HMAC-SM3" || ready["signature_method"] == "HMAC-SHA256"));
    CHECK(ready["url"] == gw.url());

    Client c(s, gw.url());
    const Reply h = c.get("/api/v1/health");
    CHECK(h.status == 200);
    CHECK(h.has_header("server: kiosktwin-gateway"));
    CHECK(h.has_header("content-type: application/json; charset=utf-8"));
    REQUIRE(h.body.is_object());
    CHECK(h.body["code"] == 0);
    CHECK(h.body["data"]["status"] == "ok");
    CHECK(h.body["data"]["time"].get<std::string>().ends_with("+08:00"));  // GB/T 7408 at +08:00 (R-8.2-1)

    const Reply doc = c.get("/api/v1/openapi.json");
    CHECK(doc.status == 200);
    REQUIRE(doc.body.is_object());
    CHECK(doc.body["openapi"].get<std::string>().starts_with("3."));
    CHECK(doc.body["paths"].contains("/api/v1/terminals/register"));

    const Reply missing = c.get("/api/v1/no-such-thing");
    CHECK(missing.status == 404);
    CHECK(missing.error_id() == "resource.not_found");

    INFO(gw.stderr_text());
    CHECK(gw.terminate() == 0);  // SIGTERM: graceful, exit 0
}

TEST_CASE("gateway: requests signed by kiosktwin sign pass, forged and replayed ones are refused and audited",
          "[gateway-live][R-8.1-1][R-9.2-1]") {
    require_tools();
    Scratch s("gateway-live");
    GatewayProcess gw(k_bin, k_src, s.dir, "");
    Client c(s, gw.url());
    const auto audit_count = [&] { return c.health()["audit_records"].get<int>(); };

    const int a0 = audit_count();
    std::string reg_headers;
    const Reply reg = c.call("kiosk-0001", "POST", "/api/v1/terminals/register", register_body("T-LIVE-01").dump(), {},
                             &reg_headers);
    INFO(reg.text);
    REQUIRE(reg.status == 200);
    CHECK(reg.body["data"]["terminal_id"] == "T-LIVE-01");
    const int a1 = audit_count();
    CHECK(a1 == a0 + 1);

    const Reply self = c.call("kiosk-0001", "GET", "/api/v1/terminals/self");
    CHECK(self.status == 200);
    CHECK(self.body["data"]["terminal_id"] == "T-LIVE-01");
    // The other method too.
    const std::string sha_headers = c.sign("kiosk-0001", "GET", "/api/v1/terminals/self", {}, "--method HMAC-SHA256");
    CHECK(slurp(sha_headers).find("x-kiosk-signature-method: HMAC-SHA256") != std::string::npos);
    CHECK(c.curl("-H @'" + sha_headers + "'", "/api/v1/terminals/self").status == 200);

    // The statuses as the served error table gives them.
    const Reply table = c.get("/api/v1/errors");
    REQUIRE(table.status == 200);
    const auto status_of = [&](const std::string& id) {
        for (const auto& e : table.body["data"]["errors"])
            if (e["error"] == id) return e["http_status"].get<int>();
        FAIL("no " << id << " in the error table");
        return 0;
    };

    // The same signed headers again: a replayed nonce.
    const std::string body_file = s.write("again.json", register_body("T-LIVE-01").dump());
    const Reply replay = c.curl("-H @'" + reg_headers + "' -H 'content-type: application/json' --data-binary @'" +
                                    body_file + "'",
                                "/api/v1/terminals/register");
    CHECK(replay.error_id() == "auth.replayed_nonce");
    CHECK(replay.status == status_of("auth.replayed_nonce"));

    // A forged signature: the last hex digit changed.
    std::string forged = slurp(c.sign("kiosk-0001", "GET", "/api/v1/terminals/self"));
    const auto sig_at = forged.find("x-kiosk-signature: ");
    REQUIRE(sig_at != std::string::npos);
    const auto last = forged.find('\n', sig_at) - 1;
    forged[last] = forged[last] == '0' ? '1' : '0';
    const Reply bad = c.curl("-H @'" + s.write("forged.txt", forged) + "'", "/api/v1/terminals/self");
    CHECK(bad.status == 401);
    CHECK(bad.error_id() == "auth.bad_signature");

    // Unsigned, and a key with no registered terminal.
    const Reply unsigned_call = c.post("/api/v1/terminals/register", register_body("T-LIVE-02").dump());
    CHECK(unsigned_call.status == 401);
    CHECK(unsigned_call.error_id() == "auth.missing_header");
    const Reply unbound = c.call("kiosk-0002", "GET", "/api/v1/terminals/self");
    CHECK(unbound.status == 403);
    CHECK(unbound.error_id() == "auth.unregistered_terminal");

    // Every refusal left an audit record (R-9.2-1).
    CHECK(audit_count() == a1 + 4);
    CHECK(gw.terminate() == 0);
}

TEST_CASE("gateway: bad input over the wire gets its error code, and the server keeps serving",
          "[gateway-live][R-8.2-1][R-9.2-1]") {
    require_tools();
    Scratch s("gateway-live");
    const std::string config = s.write("config.json", R"({"max_body_bytes": 4096})");
    GatewayProcess gw(k_bin, k_src, s.dir, "--db '" + s.path("gw.db") + "' --config '" + config + "'");
    Client c(s, gw.url());
    REQUIRE(c.call("kiosk-0001", "POST", "/api/v1/terminals/register", register_body("T-LIVE-01").dump()).status ==
            200);

    SECTION("malformed JSON, wrong types, unknown codes: 400 with the error and the JSON path") {
        const Reply malformed = c.call("kiosk-0001", "POST", "/api/v1/terminals/heartbeat", "{\"status\": \"online\"");
        CHECK(malformed.status == 400);
        CHECK(malformed.error_id() == "request.malformed_json");
        const Reply wrong_type = c.call("kiosk-0001", "POST", "/api/v1/terminals/heartbeat", R"({"status": 5})");
        CHECK(wrong_type.status == 400);
        CHECK(wrong_type.error_id() == "request.bad_field");
        CHECK(wrong_type.body["data"]["path"] == "/status");
        const Reply unknown = c.call("kiosk-0001", "POST", "/api/v1/terminals/heartbeat", R"({"status": "asleep"})");
        CHECK(unknown.status == 400);
        CHECK(unknown.body["data"]["path"] == "/status");
        CHECK(unknown.body["code"].get<int>() > 0);
    }
    SECTION("an oversized body: 413 request.too_large in the envelope, and the connection closed") {
        const Reply big = c.post("/api/v1/terminals/register", std::string(10'000, 'x'));
        CHECK(big.status == 413);
        CHECK(big.error_id() == "request.too_large");
        CHECK(big.has_header("connection: close"));
        // Past curl's 1 MiB, where it asks "Expect: 100-continue" first: refused without reading the body.
        const Reply huge = c.post("/api/v1/terminals/register", std::string(3u << 20, 'x'));
        CHECK(huge.status == 413);
        CHECK(huge.error_id() == "request.too_large");
        // A body over the limit without a declared length (chunked): refused as it arrives.
        const std::string file = s.write("chunked.json", std::string(10'000, 'y'));
        const Reply chunked = c.curl(
            "-H 'content-type: application/json' -H 'transfer-encoding: chunked' --data-binary @'" + file + "'",
            "/api/v1/terminals/register");
        CHECK(chunked.status == 413);
        CHECK(chunked.error_id() == "request.too_large");
    }
    SECTION("a wrong content type: 415") {
        const Reply r = c.post("/api/v1/terminals/register", register_body("T-LIVE-02").dump(), "text/plain");
        CHECK(r.status == 415);
        CHECK(r.error_id() == "request.unsupported_media_type");
    }
    SECTION("garbage instead of HTTP: 400 and the connection closed; headers over 16 KiB: 413") {
        const RawReply garbage = raw_exchange(gw.port(), "HELLO\x01\x02 what is this\r\n\r\n");
        CHECK(garbage.text.starts_with("HTTP/1.1 400"));
        CHECK(garbage.text.find("request.malformed_http") != std::string::npos);
        CHECK(garbage.closed);
        const RawReply headers = raw_exchange(
            gw.port(), "GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(20'000, 'a') + "\r\n\r\n");
        CHECK(headers.text.starts_with("HTTP/1.1 413"));
        CHECK(headers.text.find("request.too_large") != std::string::npos);
        CHECK(headers.closed);
    }
    // Whatever came before: the next connection is served, and nothing written before is lost.
    CHECK(c.get("/api/v1/health").status == 200);
    const Reply self = c.call("kiosk-0001", "GET", "/api/v1/terminals/self");
    CHECK(self.status == 200);
    CHECK(self.body["data"]["terminal_id"] == "T-LIVE-01");
    INFO(gw.stderr_text());
    CHECK(gw.terminate() == 0);
}

TEST_CASE("gateway: keep-alive carries several requests on one connection", "[gateway-live]") {
    require_tools();
    Scratch s("gateway-live");
    GatewayProcess gw(k_bin, k_src, s.dir, "");
    const std::string url = gw.url() + "/api/v1/health";
    // Three transfers in one curl: one connection, reused twice.
    const auto r = run_command("curl -sS --max-time 10 -o /dev/null -o /dev/null -o /dev/null -w '%{num_connects}\\n' '" +
                                   url + "' '" + url + "' '" + url + "'",
                               k_src, 30);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out == "1\n0\n0\n");

    // Pipelined on a raw connection, the last one asking to close.
    const std::string get = "GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    const RawReply three =
        raw_exchange(gw.port(), get + get + "GET /api/v1/errors HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    CHECK(count(three.text, "HTTP/1.1 200 OK") == 3);
    CHECK(three.closed);
    // HTTP/1.0 without keep-alive: one answer, then the server closes.
    const RawReply old = raw_exchange(gw.port(), "GET /api/v1/health HTTP/1.0\r\n\r\n");
    CHECK(old.text.starts_with("HTTP/1.0 200"));
    CHECK(old.closed);
    CHECK(gw.terminate() == 0);
}

TEST_CASE("gateway: a back end's drawn latency is waited out, without holding up other connections",
          "[gateway-live][R-8.4-1]") {
    require_tools();
    Scratch s("gateway-live");
    // The terminal back end answers in 400 ms exactly (normal, no spread).
    const std::string config =
        s.write("config.json", R"({"profiles": {"terminals": {"latency": {"mean_ms": 400, "sd_ms": 0}}}})");
    GatewayProcess gw(k_bin, k_src, s.dir, "--config '" + config + "'");
    Client slow_client(s, gw.url(), "slow");
    Client c(s, gw.url(), "fast");
    const std::string body = s.write("register.json", register_body("T-LIVE-01").dump());
    const std::string sig = slow_client.sign("kiosk-0001", "POST", "/api/v1/terminals/register", body);
    Reply slow;
    std::chrono::steady_clock::time_point slow_done;
    std::thread t([&] {
        slow = slow_client.curl("-H @'" + sig + "' -H 'content-type: application/json' --data-binary @'" + body + "'",
                                "/api/v1/terminals/register");
        slow_done = std::chrono::steady_clock::now();
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    const Reply health = c.get("/api/v1/health");  // meanwhile, on another connection
    const auto health_done = std::chrono::steady_clock::now();
    t.join();
    CHECK(slow.status == 200);
    CHECK(slow.seconds >= 0.39);
    CHECK(health.status == 200);
    CHECK(health.seconds < 0.2);
    CHECK(health_done < slow_done);
    CHECK(gw.terminate() == 0);
}

TEST_CASE("gateway: a restart on the same database restores every acknowledged change",
          "[gateway-live][R-8.4-1][R-9.3-1]") {
    require_tools();
    Scratch s("gateway-live");
    const std::string db = s.path("gateway.db");
    json before;
    std::string case_no;
    {
        GatewayProcess gw(k_bin, k_src, s.dir, "--db '" + db + "'");
        CHECK(gw.ready()["db"] == db);
        CHECK(gw.ready()["replayed"] == 0);
        Client c(s, gw.url());
        REQUIRE(c.call("kiosk-0003", "POST", "/api/v1/terminals/register", register_body("T-LIVE-03").dump()).status ==
                200);
        const Reply created = c.call("kiosk-0003", "POST", "/api/v1/applications", create_body().dump(),
                                     "-H 'idempotency-key: live-restart-1'");
        INFO(created.text);
        REQUIRE((created.status == 200 || created.status == 201));
        case_no = created.body["data"]["case_no"].get<std::string>();
        CHECK(c.call("kiosk-0004", "GET", "/api/v1/terminals/self").status == 403);  // a refusal, audited
        before = c.health();
        CHECK(before["terminals"] == 1);
        CHECK(before["applications"] == 1);
        INFO(gw.stderr_text());
        REQUIRE(gw.terminate() == 0);
    }
    GatewayProcess gw(k_bin, k_src, s.dir, "--db '" + db + "'");
    CHECK(gw.ready()["replayed"].get<int>() >= 3);
    Client c(s, gw.url());
    const json after = c.health();
    CHECK(after["audit_records"] == before["audit_records"]);
    CHECK(after["terminals"] == 1);
    CHECK(after["applications"] == 1);
    CHECK(after["catalogue_version"] == before["catalogue_version"]);

    const Reply self = c.call("kiosk-0003", "GET", "/api/v1/terminals/self");
    CHECK(self.status == 200);
    CHECK(self.body["data"]["terminal_id"] == "T-LIVE-03");
    const Reply status = c.call("kiosk-0003", "GET", "/api/v1/applications/" + case_no);
    CHECK(status.status == 200);
    // The idempotency key survived: the retry gets the first 办件.
    const Reply retry = c.call("kiosk-0003", "POST", "/api/v1/applications", create_body().dump(),
                               "-H 'idempotency-key: live-restart-1'");
    CHECK(retry.status == 200);
    CHECK(retry.body["data"]["case_no"] == case_no);
    CHECK(retry.body["data"]["replayed"] == true);
    // So did the key's binding to its terminal.
    const Reply again = c.call("kiosk-0003", "POST", "/api/v1/terminals/register", register_body("T-LIVE-09").dump());
    CHECK(again.status == 409);
    CHECK(c.health()["applications"] == 1);
    INFO(gw.stderr_text());
    REQUIRE(gw.terminate() == 0);

    // The database remembers its seed: another one is refused, clearly.
    const std::string other = s.write("seed2.json", R"({"seed": 2})");
    const auto refused = kt("gateway --port 0 --db '" + db + "' --config '" + other + "'", 30);
    CHECK(refused.exit_code == 1);
    CHECK(refused.err.find("seed") != std::string::npos);
}

TEST_CASE("gateway and sign: --help, --openapi, and clear errors for bad input", "[gateway-live]") {
    Scratch s("gateway-cli");
    const auto help = kt("gateway --help");
    CHECK(help.exit_code == 0);
    for (const char* opt : {"--db", "--port", "--bind", "--keys", "--config", "--threads", "--sync", "--openapi", "--json"})
        CHECK(help.out.find(opt) != std::string::npos);
    const auto sign_help = kt("sign --help");
    CHECK(sign_help.exit_code == 0);
    CHECK(sign_help.out.find("-H @h.txt") != std::string::npos);

    const auto doc = kt("gateway --openapi");
    CHECK(doc.exit_code == 0);
    const json j = json::parse(doc.out, nullptr, false);
    REQUIRE(j.is_object());
    CHECK(j["paths"].contains("/api/v1/health"));

    const auto no_keys = kt("gateway --port 0 --keys '" + s.path("absent.json") + "'");
    CHECK(no_keys.exit_code == 1);
    CHECK(no_keys.err.find("absent.json") != std::string::npos);
    const auto bad_keys =
        kt("gateway --port 0 --keys '" +
           s.write("keys.json", R"({"keys": [{"key_id": "k-1", "secret": "s", "role": "root"}]})") + "'");
    CHECK(bad_keys.exit_code == 1);
    CHECK(bad_keys.err.find("/keys/0/role") != std::string::npos);
    const auto bad_config = kt("gateway --port 0 --config '" + s.write("config.json", R"({"seed": "one"})") + "'");
    CHECK(bad_config.exit_code == 1);
    CHECK(bad_config.err.find("/seed") != std::string::npos);
    const auto not_json = kt("gateway --port 0 --config '" + s.write("config2.json", "{seed") + "'");
    CHECK(not_json.exit_code == 1);
    CHECK(not_json.err.find("config2.json") != std::string::npos);
    const auto bad_db = kt("gateway --port 0 --db '" + s.write("not-a-db.db", "this is not SQLite, but long enough to look like a file\n") + "'");
    CHECK(bad_db.exit_code == 1);
    CHECK(bad_db.err.find("not-a-db.db") != std::string::npos);
    CHECK(kt("gateway --sync sometimes").exit_code == 2);

    // sign: five headers, "name: value" a line, or one JSON object.
    const auto lines = kt("sign --key-id kiosk-0001 --body '{}' POST /api/v1/terminals/heartbeat");
    CHECK(lines.exit_code == 0);
    CHECK(count(lines.out, "\n") == 5);
    for (const char* name : {"x-kiosk-key-id: kiosk-0001\n", "x-kiosk-timestamp: ", "x-kiosk-nonce: ",
                             "x-kiosk-signature-method: HMAC-", "x-kiosk-signature: "})
        CHECK(lines.out.find(name) != std::string::npos);
    const auto as_json = kt("sign --json --key-id kiosk-0001 --secret abc GET /api/v1/terminals/self");
    CHECK(as_json.exit_code == 0);
    const json h = json::parse(as_json.out, nullptr, false);
    REQUIRE(h.is_object());
    CHECK(h.size() == 5);
    CHECK(std::regex_match(h["x-kiosk-nonce"].get<std::string>(), std::regex("[A-Za-z0-9_-]{16,64}")));
    CHECK(std::regex_match(h["x-kiosk-timestamp"].get<std::string>(),
                           std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00)")));
    CHECK(std::regex_match(h["x-kiosk-signature"].get<std::string>(), std::regex("[0-9a-f]{64}")));
    const auto again = kt("sign --json --key-id kiosk-0001 --secret abc GET /api/v1/terminals/self");
    CHECK(json::parse(again.out)["x-kiosk-nonce"] != h["x-kiosk-nonce"]);  // fresh every time
    const auto unknown = kt("sign --key-id nobody GET /api/v1/terminals/self");
    CHECK(unknown.exit_code == 1);
    CHECK(unknown.err.find("nobody") != std::string::npos);
    CHECK(kt("sign --key-id kiosk-0001 --body x --body-file y POST /x").exit_code == 2);
}
