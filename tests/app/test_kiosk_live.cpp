// `kiosktwin kiosk` end to end: the kiosk stack live against `kiosktwin
// serve` (devices on ptys, TCP and HTTP, link proxies, the gateway), a
// scripted citizen through the control API — and the same session run in
// virtual time through world::KioskRig must come out the same: outcome,
// item, login, and the device exchanges in order (R-7.1-2: one flow, live
// or virtual).
//
// Ports: 2000 + (pid % 400) * 12 (a bench uses its base, + 8, + 9 and
// + 10..+ 18 for kiosk 1), below Linux's ephemeral range (32768-60999) whose
// ports other tests' client connections hold; a block whose ports are taken
// is retried further on. Every wait is bounded.
#include "run_command.hpp"
#include "serve_process.hpp"

#include <kiosktwin/kiosk/outcome.hpp>
#include <kiosktwin/services/population.hpp>
#include <kiosktwin/world/kiosk_rig.hpp>
#include <kiosktwin/world/scripted_citizens.hpp>
#include <kiosktwin/world/virtual_gateway.hpp>

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <filesystem>
#include <map>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <vector>

using namespace kiosktwin;
using namespace kiosktwin::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const std::string k_src = KIOSKTWIN_SOURCE_DIR;
const std::string k_bin = std::string(KIOSKTWIN_BIN_DIR) + "/kiosktwin";

std::vector<int> port_bases() {
    std::vector<int> out;
    for (int k = 0; k < 8; ++k) out.push_back(2000 + static_cast<int>((::getpid() + k * 131) % 400) * 12);
    return out;
}

/// One HTTP/1.1 request over loopback (Connection: close); {status, body}.
std::pair<int, std::string> http(int port, const std::string& method, const std::string& target,
                                 const std::vector<std::string>& headers) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    timeval tv{10, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    for (const auto& h : headers) req += h + "\r\n";
    req += "\r\n";
    REQUIRE(::send(fd, req.data(), req.size(), 0) == static_cast<ssize_t>(req.size()));
    std::string in;
    char buf[8192];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) in.append(buf, static_cast<std::size_t>(n));
    ::close(fd);
    const auto head_end = in.find("\r\n\r\n");
    REQUIRE(head_end != std::string::npos);
    return {std::stoi(in.substr(9, 3)), in.substr(head_end + 4)};
}

int port_of(const std::string& url) { return std::stoi(url.substr(url.rfind(':') + 1)); }

/// A trace record reduced to what the kiosk said and the device answered,
/// without timestamps, payload bytes or values that differ between runs
/// (case numbers, images, seeded scores): the command, the reply's status.
std::string signature(const json& frame, const std::string& dir) {
    std::string s;
    auto add = [&](const std::string& t) { s.append(s.empty() ? "" : " ").append(t); };
    if (dir == "in") {
        if (frame.contains("frames"))
            for (const auto& f : frame["frames"]) add(f.value("command", "?"));
        else if (frame.contains("operation"))
            add(frame["operation"].get<std::string>());
        else if (frame.contains("method"))
            add(frame["method"].get<std::string>() + " " + frame.value("target", ""));
        else if (frame.contains("events"))
            for (const auto& e : frame["events"]) {
                const std::string text = e.get<std::string>();
                add(text.substr(0, text.find(' ')));  // "text (gb18030) \"...\"" -> "text"
            }
        else if (frame.contains("input"))
            add(frame["input"].get<std::string>() + ":" + std::to_string(frame.value("opcode", 0)));
        else
            add(frame.dump());
    } else {
        if (frame.contains("command"))
            add(frame["command"].get<std::string>() + "/" + frame.value("status", ""));
        else if (frame.contains("reply"))
            add(frame["reply"].get<std::string>() + "/" + std::to_string(frame.value("n", 0)));
        else if (frame.contains("version") && frame.contains("status"))
            add(frame["status"].get<std::string>());  // IPP
        else if (frame.contains("status"))
            add("HTTP " + std::to_string(frame["status"].get<int>()));
        else if (frame.contains("ssi"))
            add("ssi:" + frame["ssi"].get<std::string>());
        else
            add(frame.contains("data") ? "data" : frame.dump());
    }
    return s;
}

/// Per device kind, the exchanges in order: "in: ..." / "out: ...", with
/// consecutive records of one direction merged (a TCP segment or a pty read
/// may split what one write sent).
std::map<std::string, std::vector<std::string>> exchanges(const std::vector<json>& records,
                                                          const std::map<std::string, std::string>& kind_of) {
    std::map<std::string, std::vector<std::string>> out;
    std::map<std::string, std::string> last_dir;
    for (const json& r : records) {
        const std::string dir = r.value("dir", "");
        if (dir != "in" && dir != "out") continue;
        const auto k = kind_of.find(r.value("device", ""));
        if (k == kind_of.end()) continue;
        auto& list = out[k->second];
        const std::string sig = signature(r["frame"], dir);
        if (!list.empty() && last_dir[k->second] == dir) list.back().append(" ").append(sig);
        else list.push_back(dir + ": " + sig);
        last_dir[k->second] = dir;
    }
    return out;
}

constexpr const char* k_kinds[] = {"idcard_reader", "qr_scanner", "receipt_printer", "a4_printer", "face_camera",
                                   "document_camera"};

}  // namespace

TEST_CASE("kiosktwin kiosk runs a scripted session live, as it runs in virtual time [R-7.1-2]",
          "[kiosk-live][R-7.1-2]") {
    ServeProcess bench(k_bin, k_src, "kiosk-live", port_bases());
    const json& ep = bench.endpoints();
    REQUIRE(ep.contains("gateway"));
    const std::string endpoints_file = (bench.dir() / "run" / "endpoints.json").string();
    REQUIRE(std::filesystem::exists(endpoints_file));
    // The kiosk reaches the gateway through its own link proxy (serve's default).
    bool gateway_proxy = false;
    for (const auto& p : ep["links"]["proxies"])
        if (p["name"] == "kiosk-1-gateway")
            gateway_proxy = p["upstream"] == "127.0.0.1:" + std::to_string(port_of(ep["gateway"]["url"]));
    CHECK(gateway_proxy);

    // --- live -------------------------------------------------------------------------------
    const double think_s = 0.2;
    const auto r = run_command("'" + k_bin + "' kiosk --bench '" + endpoints_file +
                                   "' --sessions 1 --seed 3 --think 0.2 --json --duration 90",
                               k_src, 120);
    INFO("kiosk stderr:\n" << r.err);
    INFO("serve stderr:\n" << bench.stderr_text());
    REQUIRE(r.exit_code == 0);
    const json live = json::parse(r.out);
    REQUIRE(live["sessions"].size() == 1);
    const json& outcome = live["sessions"][0];
    INFO("live outcome: " << outcome.dump());
    CHECK(live["gateway_via_link"] == true);
    CHECK(live["hands"]["failures"] == 0);
    CHECK(live["wall_s"].get<double>() < 90);
    const std::string case_no = outcome.value("case_no", "");
    REQUIRE_FALSE(case_no.empty());
    CHECK(outcome["submitted"] == true);

    // The 办件 is at the gateway, as the platform's admin sees it.
    const auto signed_headers = run_command(
        "'" + k_bin + "' sign --key-id admin-0001 GET /admin/v1/applications/" + case_no, k_src, 30);
    REQUIRE(signed_headers.exit_code == 0);
    std::vector<std::string> headers;
    std::istringstream lines(signed_headers.out);
    for (std::string line; std::getline(lines, line);)
        if (!line.empty()) headers.push_back(line);
    const auto [status, body] = http(port_of(ep["gateway"]["url"]), "GET", "/admin/v1/applications/" + case_no, headers);
    INFO("gateway: " << body);
    REQUIRE(status == 200);
    const json app = json::parse(body);
    CHECK(app["data"]["item_code"] == outcome["item_code"]);
    CHECK(app["data"]["case_no"] == case_no);

    // The devices' exchanges as serve recorded them.
    const auto [trace_status, trace_body] = http(bench.port_base(), "GET", "/trace?limit=100000", {});
    REQUIRE(trace_status == 200);
    std::vector<json> live_records;
    const json served = json::parse(trace_body);
    for (const auto& rec : served["records"]) live_records.push_back(rec);
    std::map<std::string, std::string> live_kinds;
    for (const auto& k : ep["kiosks"])
        for (const auto& e : k["endpoints"]) {
            if (e.contains("device")) live_kinds[e["device"]] = e["kind"];
            for (const auto& d : e.value("devices", json::array())) live_kinds[d["device"]] = d["kind"];
        }

    // --- the same session in virtual time -------------------------------------------------------
    sim::Simulation sim;
    world::VirtualGateway gateway(sim, server::Config{});
    world::KioskRigOptions options;
    options.config.terminal_id = live["terminal_id"].get<std::string>();
    world::KioskRig rig(sim, gateway, options);
    devices::MemoryTrace trace;
    std::map<std::string, std::string> virtual_kinds;
    for (const char* kind : k_kinds) {
        devices::Device* d = rig.device(kind);
        REQUIRE(d != nullptr);
        d->set_trace(&trace);
        virtual_kinds[d->id()] = kind;
    }
    std::vector<kiosk::SessionOutcome> outcomes;
    rig.kiosk().session_ended.connect([&](const kiosk::SessionOutcome& o) { outcomes.push_back(o); });
    rig.start();
    sim.run_until(sim.now() + 5s);
    REQUIRE_FALSE(rig.kiosk().catalogue().empty());

    // The citizens `kiosktwin kiosk` drew: the same seed, think time and register on the same day.
    const std::string day = live["residents_on"].get<std::string>();
    const protocol::CivilDate date{std::stoi(day.substr(0, 4)), std::stoi(day.substr(5, 2)), std::stoi(day.substr(8, 2))};
    world::SessionMix mix;
    mix.think = std::chrono::duration_cast<sim::Duration>(std::chrono::duration<double>(think_s));
    world::ScriptedCitizens citizens(3, world::servable(world::default_residents(), date), mix);
    const auto visit = citizens.next(*rig.kiosk().catalogue().snapshot(), gateway.state().identity, sim.now());
    CHECK(live["visits"][0]["item_code"] == visit.script.item_code);
    CHECK(live["visits"][0]["login"] == visit.script.login);
    auto citizen = sim.spawn(kiosk::run_citizen(rig.ui(), rig.hands(), visit.who, visit.script, 30min));
    for (int i = 0; i < 3600 && (outcomes.empty() || !citizen.done()); ++i) sim.run_until(sim.now() + 1s);
    REQUIRE(outcomes.size() == 1);
    const json twin = outcomes[0].to_json();
    INFO("virtual outcome: " << twin.dump());

    CHECK(outcome["outcome"] == twin["outcome"]);
    CHECK(outcome["reason"] == twin["reason"]);
    CHECK(outcome["item_code"] == twin["item_code"]);
    CHECK(outcome["login"] == twin["login"]);
    CHECK(outcome["service"] == twin["service"]);
    CHECK(outcome["submitted"] == twin["submitted"]);
    CHECK(outcome["paid"] == twin["paid"]);
    CHECK(outcome["receipt_printed"] == twin["receipt_printed"]);
    CHECK(outcome["certificate_printed"] == twin["certificate_printed"]);
    CHECK(outcome["rating"] == twin["rating"]);
    CHECK(outcome["applicant"] == twin["applicant"]);

    // The devices heard the same commands and answered the same way, in order.
    std::vector<json> virtual_records;
    for (const auto& rec : trace.records()) virtual_records.push_back(rec.to_json());
    const auto live_ex = exchanges(live_records, live_kinds);
    const auto virtual_ex = exchanges(virtual_records, virtual_kinds);
    for (const char* kind : k_kinds) {
        const auto l = live_ex.count(kind) ? live_ex.at(kind) : std::vector<std::string>{};
        const auto v = virtual_ex.count(kind) ? virtual_ex.at(kind) : std::vector<std::string>{};
        std::string lt, vt;
        for (const auto& x : l) lt += "  " + x + "\n";
        for (const auto& x : v) vt += "  " + x + "\n";
        INFO(kind << " live:\n" << lt << "virtual:\n" << vt);
        CHECK_FALSE(v.empty());
        CHECK(l == v);
    }
}
