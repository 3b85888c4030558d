// End to end with a REAL Toxiproxy client against the link API of
// `kiosktwin serve` (peripherals.md §3.2): tests/e2e/link_toxiproxy.mjs drives
// the API with toxiproxy-node-client from npm, proxies its own echo server
// and measures latency, bandwidth, reset_peer, toxicity, /populate, /reset and
// Toxiproxy's 4xx errors on bad requests; this test starts the bench, runs it,
// checks the figures it reports, and that the bench's own proxies still carry
// a real device's bytes. The bench runs as a child process stopped with
// SIGINT; every wait is bounded.
#include "serve_process.hpp"

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <string>
#include <unistd.h>
#include <vector>

using namespace kiosktwin::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string k_src = KIOSKTWIN_SOURCE_DIR;
const std::string k_bin = std::string(KIOSKTWIN_BIN_DIR) + "/kiosktwin";

bool have(const std::string& tool) { return run_command("command -v " + tool, "/").exit_code == 0; }

// Ports: a block of 30 from 31120, below Linux's ephemeral range (32768-60999)
// and clear of the other tests' fixed ports (app.e2e_devices 20000-27997,
// app.cli's serve 28100-30527, app.docs 31090-31107). The bench takes the
// block's first 18 ports (control API +0, link API +8, kiosk 1 +10..+17); the
// Node program gets +20..+29 for its echo server and proxies. 54 blocks fit:
// if another run holds this one (the bench then exits at once, "address
// already in use"), the next block is tried.
constexpr int k_first_port = 31120;
constexpr int k_block = 30;
constexpr int k_blocks = 54;

std::vector<int> port_bases() {
    std::vector<int> v;
    for (int attempt = 0; attempt < 5; ++attempt)
        v.push_back(k_first_port + static_cast<int>((::getpid() + attempt) % k_blocks) * k_block);
    return v;
}

CommandResult sh(const std::string& cmd, int timeout_s = 120) { return run_command(cmd, k_src, timeout_s); }

json api_get(const std::string& url) {
    const auto r = sh("curl -sS --max-time 5 '" + url + "'");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
}

}  // namespace

TEST_CASE("a real Toxiproxy client drives the link proxies of a live bench", "[e2e-links]") {
    for (const char* tool : {"node", "curl"}) {
        INFO("missing " << tool << ": ./quickstart test installs it (Debian nodejs, curl)");
        REQUIRE(have(tool));
    }
    {
        INFO("the npm packages are missing: ./quickstart test installs them (npm ci in tests/e2e)");
        REQUIRE(fs::exists(k_src + "/tests/e2e/node_modules/toxiproxy-node-client/package.json"));
    }

    ServeProcess bench(k_bin, k_src, "e2e-links", port_bases());
    const int base = bench.port_base();
    const json& ep = bench.endpoints();
    REQUIRE(ep.contains("links"));
    const std::string api = ep["links"]["api"].get<std::string>();
    CHECK(api == "http://127.0.0.1:" + std::to_string(base + 8));  // --port-base moves the API to the base + 8
    CHECK(ep["links"]["protocol"] == "toxiproxy");
    // The bench's own proxy in front of kiosk 1's receipt printer.
    json receipt_proxy;
    for (const auto& p : ep["links"]["proxies"])
        if (p.value("name", "") == "kiosk-1-receipt") receipt_proxy = p;
    REQUIRE(receipt_proxy.is_object());
    CHECK(receipt_proxy["upstream"] == "127.0.0.1:" + std::to_string(base + 10));
    CHECK(receipt_proxy["enabled"] == true);

    const std::string ports = std::to_string(base + 20) + "-" + std::to_string(base + k_block - 1);
    const auto r = sh("node tests/e2e/link_toxiproxy.mjs '" + api + "' " + ports, 150);
    INFO("link_toxiproxy.mjs stdout: " << r.out);
    INFO("link_toxiproxy.mjs stderr: " << r.err);
    INFO("serve stderr: " << bench.stderr_text());
    REQUIRE(r.exit_code == 0);
    const json m = json::parse(r.out);

    CHECK(m["version"] == "2.12.0");
    CHECK(m["baseline_rtt_ms"].get<double>() < 50);
    // latency 100 ms downstream: the round trip rises by ≈100 ms, and falls back once removed.
    CHECK(m["latency"]["added_ms"].get<double>() >= 90);
    CHECK(m["latency"]["added_ms"].get<double>() <= 250);
    CHECK(m["jitter"]["min_added_ms"].get<double>() >= 45);
    CHECK(m["jitter"]["max_added_ms"].get<double>() <= 250);
    CHECK(m["latency_removed_rtt_ms"].get<double>() < m["baseline_rtt_ms"].get<double>() + 20);
    // bandwidth 64 KB/s: 128 000 bytes take ≈2 s.
    CHECK(m["bandwidth"]["kb_s"].get<double>() == Approx(64).epsilon(0.3));
    CHECK(m["bandwidth"]["elapsed_ms"].get<double>() > 1400);
    CHECK(m["bandwidth_removed_kb_s"].get<double>() > 256);
    // reset_peer 400 ms: connection reset by peer, on time, nothing delivered before.
    CHECK(m["reset_peer"]["code"] == "ECONNRESET");
    CHECK(m["reset_peer"]["after_ms"].get<double>() >= 320);
    CHECK(m["reset_peer"]["after_ms"].get<double>() <= 900);
    CHECK(m["reset_peer"]["bytes_before"] == 0);
    // toxicity 0 never fires (Toxiproxy #603); at 1 it always does.
    CHECK(m["toxicity_zero"]["connections"] == 10);
    CHECK(m["toxicity_zero"]["max_rtt_ms"].get<double>() < 200);
    CHECK(m["toxicity_one_rtt_ms"].get<double>() >= 450);
    // Bad requests: Toxiproxy's statuses and messages.
    const json& bad = m["bad_requests"];
    REQUIRE(bad.size() == 8);
    std::map<std::string, int> status;
    for (const auto& b : bad) status[b["case"].get<std::string>()] = b["status"].get<int>();
    CHECK(status["unknown toxic type"] == 400);
    CHECK(status["negative latency"] == 400);
    CHECK(status["duplicate toxic name"] == 409);
    CHECK(status["duplicate proxy name"] == 409);
    CHECK(status["malformed JSON toxic"] == 400);
    CHECK(status["malformed JSON proxy"] == 400);
    CHECK(status["malformed JSON populate"] == 400);
    CHECK(status["unknown proxy"] == 404);
    // /populate left the unchanged proxy's toxic in place; /reset removed every toxic.
    CHECK(m["populate"]["returned"] == json{"lt-change", "lt-keep", "lt-new"});
    CHECK(m["populate"]["keep_rtt_ms"].get<double>() >= 70);
    CHECK(m["reset"]["keep_rtt_ms"].get<double>() < 50);

    // The program removed its proxies; the bench's own are there, enabled,
    // and still carry a real device's bytes (DLE EOT through kiosk-1-receipt).
    const json proxies = api_get(api + "/proxies");
    for (const char* name : {"lt-echo", "lt-keep", "lt-change", "lt-new"}) CHECK_FALSE(proxies.contains(name));
    REQUIRE(proxies.contains("kiosk-1-receipt"));
    CHECK(proxies["kiosk-1-receipt"]["enabled"] == true);
    CHECK(proxies["kiosk-1-receipt"]["toxics"].empty());
    const std::string listen = proxies["kiosk-1-receipt"]["listen"].get<std::string>();
    const std::string proxy_port = listen.substr(listen.rfind(':') + 1);
    const auto st = sh("node tests/e2e/receipt_escpos.mjs status 127.0.0.1 " + proxy_port);
    INFO(st.out << st.err);
    CHECK(st.exit_code == 0);
    CHECK(json::parse(st.out, nullptr, false) == json{{"1", "0x12"}, {"2", "0x12"}, {"3", "0x12"}, {"4", "0x12"}});

    CHECK(bench.interrupt() == 0);
}
