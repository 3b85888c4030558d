// End to end with REAL clients against `kiosktwin serve` (R-8.3-1: devices
// on the ports real peripherals use):
//   - pyserial (Debian python3-serial) reads an ID card through the pty,
//     building SAM frames from the spec by itself, also after a baud switch;
//   - CUPS ipptool runs its standard ipp-1.1.test and our Print-Job test
//     against the A4 printer, and sees media-empty once the tray is emptied;
//   - a Node ESC/POS encoder from npm prints a receipt on port 9100, then a
//     raw DLE EOT query sees the near-end the control API set (R-7.2-1);
//   - curl drives the camera service and the control API.
// The bench runs as a child process and is stopped with SIGINT, which must
// shut it down cleanly and remove its pty links. Every wait is bounded.
#include "serve_process.hpp"

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <thread>
#include <unistd.h>
#include <vector>

using namespace kiosktwin::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string k_src = KIOSKTWIN_SOURCE_DIR;
const std::string k_bin = std::string(KIOSKTWIN_BIN_DIR) + "/kiosktwin";

bool have(const std::string& tool) { return run_command("command -v " + tool, "/").exit_code == 0; }

// Fixed ports stay below Linux's ephemeral range (32768-60999), from which the
// OS hands out ports other tests ask for (port 0): no test can take another's.
// A bench takes 18 ports from its base (control +0, link API +8, kiosk 1
// +10..+17): blocks of 20 from 20000 to 27999; if one is taken, the next.
std::vector<int> port_bases_for_test() {
    std::vector<int> v;
    for (int attempt = 0; attempt < 5; ++attempt) v.push_back(20000 + static_cast<int>((::getpid() + attempt) % 400) * 20);
    return v;
}

CommandResult sh(const std::string& cmd, int timeout_s = 120) { return run_command(cmd, k_src, timeout_s); }

json control(const ServeProcess& b, const std::string& method, const std::string& path, const std::string& body = "") {
    const auto r = sh("curl -sS -X " + method + " -H 'Content-Type: application/json' " +
                      (body.empty() ? std::string() : "--data '" + body + "' ") + "'" + b.control() + path + "'");
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
}

}  // namespace

TEST_CASE("real clients drive the emulated devices of a live bench", "[e2e]") {
    for (const char* tool : {"curl", "ipptool", "node", "/usr/bin/python3"}) {
        INFO("missing " << tool << ": ./quickstart test installs it (Debian curl, cups-ipp-utils, nodejs, python3-serial)");
        REQUIRE(have(tool));
    }
    REQUIRE(sh("/usr/bin/python3 -c 'import serial'").exit_code == 0);
    INFO("the npm packages are missing: ./quickstart test installs them (npm ci in tests/e2e)");
    REQUIRE(fs::exists(k_src + "/tests/e2e/node_modules/@point-of-sale/receipt-printer-encoder"));

    ServeProcess bench(k_bin, k_src, "e2e", port_bases_for_test());
    const json idcard = bench.endpoint("kiosk-1/idcard");
    const json receipt = bench.endpoint("kiosk-1/receipt");
    const json a4 = bench.endpoint("kiosk-1/a4");
    REQUIRE(idcard.is_object());
    REQUIRE(receipt.is_object());
    REQUIRE(a4.is_object());
    CHECK(receipt["port"] == bench.port_base() + 10);  // kiosk 1's printer: port base + 10, 9100 by default
    CHECK(fs::is_symlink(idcard["address"].get<std::string>()));
    bool replayable = false;  // whether a serial or TCP device was used: the recording then replays

    SECTION("pyserial reads an ID card through the pseudo-terminal, at 115200 and after switching to 9600") {
        const std::string pty = idcard["address"].get<std::string>();
        auto none = sh("/usr/bin/python3 tests/e2e/idcard_pyserial.py '" + pty + "' --expect no-card");
        INFO(none.out << none.err);
        CHECK(none.exit_code == 0);
        const json ins = control(bench, "POST", "/devices/kiosk-1/idcard/actions", R"({"action":"insert_card","generate":{}})");
        REQUIRE(ins["ok"] == true);
        const auto r = sh("/usr/bin/python3 tests/e2e/idcard_pyserial.py '" + pty + "'");
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);
        const json card = json::parse(r.out);
        CHECK(card["read_bytes"] == 1295);
        CHECK(card["id_valid"] == true);
        CHECK(card["id_number"] == ins["data"]["card"]["id_number"]);
        CHECK(card["read_s"].get<double>() > 0.112);  // at least the 1295 bytes' wire time at 115200
        const auto slow = sh("/usr/bin/python3 tests/e2e/idcard_pyserial.py '" + pty + "' --switch-baud 9600");
        INFO(slow.out << slow.err);
        REQUIRE(slow.exit_code == 0);
        CHECK(json::parse(slow.out)["read_s"].get<double>() > 1.3);  // ≈1.35 s of wire time at 9600
        replayable = true;
    }

    SECTION("ipptool passes CUPS's ipp-1.1.test and a Print-Job; media-empty shows once the tray is empty") {
        // Debian ships the test without its sample documents: run an
        // unchanged copy of it beside our own sample files of those names.
        const fs::path work = bench.dir() / "ipptool";
        fs::create_directories(work);
        fs::copy_file("/usr/share/cups/ipptool/ipp-1.1.test", work / "ipp-1.1.test");
        for (const char* doc : {"document-a4.pdf", "document-letter.pdf", "document-a4.ps", "document-letter.ps",
                                "color.jpg", "gray.jpg", "testfile.pdf"})
            fs::copy_file(k_src + "/tests/e2e/sample.pdf", work / doc);
        const std::string uri = a4["address"].get<std::string>();
        const auto std_test = sh("ipptool -tI -f tests/e2e/sample.pdf '" + uri + "' '" + (work / "ipp-1.1.test").string() + "'", 180);
        INFO(std_test.out << std_test.err);
        CHECK(std_test.exit_code == 0);
        CHECK(std_test.out.find("FAIL") == std::string::npos);
        const auto job = sh("ipptool -tI -f tests/e2e/sample.pdf '" + uri + "' tests/e2e/ipp-print-job.test", 180);
        INFO(job.out << job.err);
        CHECK(job.exit_code == 0);
        REQUIRE(control(bench, "POST", "/devices/kiosk-1/a4/actions", R"({"action":"set_consumables","sheets":0})")["ok"] == true);
        const auto empty = sh("ipptool -tI '" + uri + "' tests/e2e/ipp-media-empty.test");
        INFO(empty.out << empty.err);
        CHECK(empty.exit_code == 0);
        CHECK(control(bench, "GET", "/devices/kiosk-1/a4")["health"] == "FAULT");
    }

    SECTION("a Node ESC/POS encoder prints a receipt on raw TCP; DLE EOT reports the near-end the control API set") {
        const std::string port = std::to_string(receipt["port"].get<int>());
        const auto ok = sh("node tests/e2e/receipt_escpos.mjs status 127.0.0.1 " + port);
        INFO(ok.out << ok.err);
        REQUIRE(ok.exit_code == 0);
        CHECK(json::parse(ok.out) == json{{"1", "0x12"}, {"2", "0x12"}, {"3", "0x12"}, {"4", "0x12"}});
        const auto printed = sh("node tests/e2e/receipt_escpos.mjs receipt 127.0.0.1 " + port);
        INFO(printed.out << printed.err);
        REQUIRE(printed.exit_code == 0);
        // The receipt reaches the output slot once printed and cut (bounded wait).
        json taken;
        for (int i = 0; i < 50; ++i) {
            taken = control(bench, "POST", "/devices/kiosk-1/receipt/actions", R"({"action":"take_receipt"})");
            if (taken.value("ok", false)) break;
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        REQUIRE(taken.value("ok", false));
        CHECK(taken["data"].dump().find("1101**********1234") != std::string::npos);
        // Near-end: DLE EOT 4 sets bits 2 and 3 (0x12 | 0x0C = 0x1E), R-7.2-1 WARN.
        const json dev = control(bench, "GET", "/devices/kiosk-1/receipt");
        REQUIRE(dev["state"].contains("near_end_mm"));
        const double near_end = dev["state"]["near_end_mm"].get<double>();
        REQUIRE(control(bench, "POST", "/devices/kiosk-1/receipt/actions",
                        json{{"action", "set_paper"}, {"mm", near_end / 2}}.dump())["ok"] == true);
        const auto st = sh("node tests/e2e/receipt_escpos.mjs status 127.0.0.1 " + port);
        INFO(st.out << st.err);
        REQUIRE(st.exit_code == 0);
        CHECK(json::parse(st.out)["4"] == "0x1e");
        CHECK(control(bench, "GET", "/devices/kiosk-1/receipt")["health"] == "WARN");
        replayable = true;
    }

    SECTION("curl drives the face camera and the control API injects a fault") {
        const std::string base = "http://127.0.0.1:" + std::to_string(bench.port_base() + 12);
        auto post = [&](const std::string& path, const std::string& body = "{}") {
            const auto r = sh("curl -sS -X POST -H 'Content-Type: application/json' --data '" + body + "' '" + base + path + "'");
            INFO(r.err);
            REQUIRE(r.exit_code == 0);
            return json::parse(r.out);
        };
        CHECK(post("/camera/face/open")["code"] == 0);
        REQUIRE(control(bench, "POST", "/devices/kiosk-1/face/actions", R"({"action":"present_face","subject":"live","match":true})")["ok"] == true);
        const json cap = post("/camera/face/capture");
        CHECK(cap["code"] == 0);
        CHECK(cap["data"]["faces"] == 1);
        CHECK(cap["data"]["image"].get<std::string>().rfind("iVBORw0KGgo", 0) == 0);  // a Base64 PNG
        const auto bad = sh("curl -sS -o /dev/null -w '%{http_code}' -X POST --data '{not json' '" + base + "/camera/face/capture'");
        CHECK(bad.out == "400");
        REQUIRE(control(bench, "POST", "/devices/kiosk-1/face/faults", R"({"fault":"no_face"})")["ok"] == true);
        CHECK(post("/camera/face/capture")["data"]["faces"] == 0);
        CHECK(control(bench, "GET", "/devices")["devices"].size() == 10);
        CHECK(control(bench, "GET", "/devices/kiosk-1/face/trace?limit=5")["records"].size() <= 5);
    }

    CHECK(bench.interrupt() == 0);
    CHECK_FALSE(fs::exists(idcard["address"].get<std::string>()));
    CHECK_FALSE(fs::exists(bench.dir() / "run" / "endpoints.json"));

    // The recording replays: fresh devices built from the same bench answer
    // every serial and TCP exchange byte for byte, actions and faults included.
    if (!replayable) return;
    const auto rp = sh("'" + k_bin + "' replay '" + (bench.dir() / "trace.jsonl").string() + "' --json");
    INFO(rp.out << rp.err);
    CHECK(rp.exit_code == 0);
    const json replayed = json::parse(rp.out, nullptr, false);
    REQUIRE(replayed.is_object());
    CHECK(replayed["matches"] == true);
    CHECK(replayed["records"].get<int>() > 0);
}
