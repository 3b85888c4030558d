// The live host with real sockets and pseudo-terminals on loopback: a
// stream device on a pty and on TCP, an HTTP device, the control API,
// endpoints.json and clean shutdown. Every loop here is bounded.
#include <kiosktwin/host/control_api.hpp>
#include <kiosktwin/host/live_host.hpp>

#include <catch2/catch.hpp>

#include "loopback.hpp"

#include <arpa/inet.h>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <termios.h>
#include <thread>
#include <unistd.h>

namespace host_live_host_test {

using namespace kiosktwin;
using namespace kiosktwin::devices;
using namespace kiosktwin::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// Answers each byte with byte + 1 after 2 ms, at its baud rate.
class Plus1 : public StreamDevice {
public:
    Plus1(std::string id, int baud) : StreamDevice(std::move(id), "test_plus1", 1, baud) {
        faults().set_known_faults({"mute"});
    }
    void on_bytes(sim::Time now, ByteView bytes) override {
        record(now, "in", json{{"n", bytes.size()}}, bytes);
        if (faults().active(now, "mute")) return;
        Bytes out;
        for (auto b : bytes) out.push_back(static_cast<std::uint8_t>(b + 1));
        transmit(now, out, 2ms);
    }
    DeviceStatus status(sim::Time now) const override {
        return faults().active(now, "mute") ? DeviceStatus{Health::fault, {"muted"}} : DeviceStatus{};
    }

protected:
    std::optional<ActionResult> on_action(sim::Time now, std::string_view name, const json&) override {
        if (name == "hello") {
            const std::uint8_t h[] = {'h', 'i'};
            transmit(now, h);
            return ActionResult::success();
        }
        return std::nullopt;
    }
    std::vector<std::string> model_actions() const override { return {"hello"}; }
    json model_state(sim::Time) const override { return json::object(); }
};

class Greeter : public HttpDevice {
public:
    Greeter() : HttpDevice("kiosk-1/greeter", "test_greeter", 2) {}
    HttpResponse handle(sim::Time, const HttpRequest& r) override {
        if (r.target == "/greet/slow") return HttpResponse::json(200, json{{"slow", true}}, 150ms);
        return HttpResponse::json(200, json{{"method", r.method}, {"target", r.target}, {"body", r.body}});
    }
    std::string path_prefix() const override { return "/greet"; }
    DeviceStatus status(sim::Time) const override { return {}; }

protected:
    std::optional<ActionResult> on_action(sim::Time, std::string_view, const json&) override { return std::nullopt; }
    std::vector<std::string> model_actions() const override { return {}; }
    json model_state(sim::Time) const override { return json::object(); }
};

std::string read_some(int fd, std::size_t want, std::chrono::milliseconds limit) {
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (out.size() < want && std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 20) <= 0) continue;
        char buf[512];
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

std::string http(std::uint16_t port, const std::string& method, const std::string& target, const std::string& body = {}) {
    const int fd = connect_to(port);
    const std::string req = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                            "Content-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    REQUIRE(::write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size()));
    const std::string resp = read_some(fd, 1 << 20, 3s);
    ::close(fd);
    return resp;
}

json body_of(const std::string& resp) {
    const auto p = resp.find("\r\n\r\n");
    REQUIRE(p != std::string::npos);
    return json::parse(resp.substr(p + 4));
}

}  // namespace

TEST_CASE("a live host serves devices on a pty, TCP and HTTP, with a control API", "[host]") {
    // R-8.3-1: devices on the ports real peripherals use (serial line, raw TCP, local HTTP).
    const auto run_dir = std::filesystem::temp_directory_path() / ("kiosktwin-host-" + std::to_string(::getpid()));
    std::filesystem::remove_all(run_dir);
    MemoryTrace trace;
    Plus1 serial("kiosk-1/plus1", 115200);
    Plus1 printer("kiosk-1/printer", 0);
    Greeter greeter;
    const std::uint16_t tcp_port = free_port(), http_port = free_port(), control_port = free_port();

    host::HostOptions opt;
    opt.run_dir = run_dir;
    opt.trace = &trace;
    host::LiveHost live(opt);
    live.add_serial(serial, "kiosk-1");
    live.add_tcp(printer, "kiosk-1", tcp_port);
    live.add_http("kiosk-1", "local_service", http_port, {&greeter});
    live.add_control(control_port);
    live.start();
    std::thread t([&] { live.run_for(20s); });

    // endpoints.json lists everything, with the pty's stable symlink.
    const json ep = json::parse(std::ifstream(run_dir / "endpoints.json"));
    REQUIRE(ep["kiosks"].size() == 1);
    CHECK(ep["control"] == "http://127.0.0.1:" + std::to_string(control_port));
    const auto link = run_dir / "kiosk-1" / "plus1";
    CHECK(std::filesystem::is_symlink(link));
    // Something hosted beside the devices joins the file (serve's gateway).
    live.add_endpoint("gateway", {{"url", "http://127.0.0.1:1"}});
    CHECK(json::parse(std::ifstream(run_dir / "endpoints.json"))["gateway"]["url"] == "http://127.0.0.1:1");
    CHECK(live.endpoints()["gateway"]["url"] == "http://127.0.0.1:1");

    SECTION("the pty answers at the device's baud, and garbles on a mismatch") {
        const int fd = ::open(link.c_str(), O_RDWR | O_NOCTTY);
        REQUIRE(fd >= 0);
        termios tio{};
        ::tcgetattr(fd, &tio);
        ::cfmakeraw(&tio);
        ::cfsetispeed(&tio, B115200);
        ::cfsetospeed(&tio, B115200);
        ::tcsetattr(fd, TCSANOW, &tio);
        const auto t0 = std::chrono::steady_clock::now();
        REQUIRE(::write(fd, "ABC", 3) == 3);
        CHECK(read_some(fd, 3, 2s) == "BCD");
        CHECK(std::chrono::steady_clock::now() - t0 >= 2ms);
        ::cfsetispeed(&tio, B9600);
        ::cfsetospeed(&tio, B9600);
        ::tcsetattr(fd, TCSANOW, &tio);
        REQUIRE(::write(fd, "ABC", 3) == 3);
        const std::string garbled = read_some(fd, 3, 2s);
        CHECK(garbled.size() == 3);
        CHECK(garbled != "BCD");
        ::close(fd);
    }
    SECTION("TCP carries bytes both ways, one client at a time") {
        const int fd = connect_to(tcp_port);
        REQUIRE(::write(fd, "xyz", 3) == 3);
        CHECK(read_some(fd, 3, 2s) == "yz{");
        ::close(fd);
        const int again = connect_to(tcp_port);  // the next client is accepted after the first leaves
        REQUIRE(::write(again, "a", 1) == 1);
        CHECK(read_some(again, 1, 2s) == "b");
        ::close(again);
    }
    SECTION("HTTP devices are routed by path prefix; a response's delay is honoured") {
        const json b = body_of(http(http_port, "POST", "/greet/hello", "{\"x\":1}"));
        CHECK(b["target"] == "/greet/hello");
        CHECK(b["body"] == "{\"x\":1}");
        const auto t0 = std::chrono::steady_clock::now();
        CHECK(body_of(http(http_port, "GET", "/greet/slow"))["slow"] == true);
        CHECK(std::chrono::steady_clock::now() - t0 >= 140ms);
        const std::string miss = http(http_port, "GET", "/nothing");
        CHECK(miss.rfind("HTTP/1.1 404", 0) == 0);
    }
    SECTION("the control API lists devices, performs actions and injects faults") {
        const json list = body_of(http(control_port, "GET", "/devices"));
        CHECK(list["devices"].size() == 3);
        const json inj = body_of(http(control_port, "POST", "/devices/kiosk-1/printer/faults", R"({"fault":"mute"})"));
        CHECK(inj["ok"] == true);
        CHECK(inj["device"]["health"] == "FAULT");
        const int fd = connect_to(tcp_port);
        REQUIRE(::write(fd, "q", 1) == 1);
        CHECK(read_some(fd, 1, 300ms).empty());  // muted
        CHECK(body_of(http(control_port, "DELETE", "/devices/kiosk-1/printer/faults"))["ok"] == true);
        CHECK(body_of(http(control_port, "POST", "/devices/kiosk-1/printer/actions", R"({"action":"hello"})"))["ok"] ==
              true);
        CHECK(read_some(fd, 2, 2s) == "hi");  // output from an action reaches the client
        ::close(fd);
        const std::string bad = http(control_port, "POST", "/devices/kiosk-1/printer/actions", "{not json");
        CHECK(bad.rfind("HTTP/1.1 400", 0) == 0);
        const std::string unknown = http(control_port, "GET", "/devices/kiosk-9/nothing");
        CHECK(unknown.rfind("HTTP/1.1 404", 0) == 0);
        const json tr = body_of(http(control_port, "GET", "/devices/kiosk-1/printer/trace"));
        CHECK(tr["records"].size() >= 2);
    }

    live.stop();
    t.join();
    live.cleanup();
    CHECK_FALSE(std::filesystem::exists(link));
    CHECK_FALSE(std::filesystem::exists(run_dir / "endpoints.json"));
    std::filesystem::remove_all(run_dir);
}

TEST_CASE("the control API is a pure function of request, devices and time", "[host]") {
    Plus1 a("k/a", 0);
    host::ControlApi api;
    api.add_device(&a);
    const auto r = api.handle(sim::epoch_time, HttpRequest{"POST", "/devices/k/a/faults", {}, R"({"fault":"nope"})"});
    CHECK(r.status == 400);
    CHECK(json::parse(r.body)["error"]["message"] == "unknown fault \"nope\"; this device knows: mute");
    CHECK(api.handle(sim::epoch_time, HttpRequest{"PUT", "/devices", {}, ""}).status == 405);
    CHECK(api.handle(sim::epoch_time, HttpRequest{"GET", "/", {}, ""}).status == 200);
}

}  // namespace host_live_host_test
