// LiveHttpChannel against a tiny local HTTP server: answers with status,
// headers and body; one keep-alive connection for consecutive requests; a
// silent server is a timeout at the virtual deadline, after which the next
// request gets a fresh connection; nobody listening is refused; a server
// that hangs up is closed (the transport failures drivers map to a status,
// R-7.2-1).
#include "live_support.hpp"

#include <kiosktwin/live/http_channel.hpp>

#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <vector>

namespace live_http_channel_test {

using namespace kiosktwin;
using namespace std::chrono_literals;
using kiosk::ChannelError;
using live_test::Answer;

namespace {

template <class T>
void run_until_done(live::LivePacer& pacer, const sim::ProcessHandle<T>& p) {
    REQUIRE(pacer.run(5s, [&] { return p.done(); }) == live::PacerStop::condition);
}

devices::HttpRequest post(std::string target, std::string body) {
    devices::HttpRequest r;
    r.method = "POST";
    r.target = std::move(target);
    r.body = std::move(body);
    r.headers["content-type"] = "application/json";
    return r;
}

}  // namespace

TEST_CASE("HTTP: requests go out whole, answers come back, on one kept-alive connection", "[http]") {
    sim::Simulation sim;
    live::LivePacer pacer(sim);
    live_test::HttpServer server(pacer.io(), [](const live_test::Request& r) {
        if (r.target == "/camera/face/open") return Answer::json(200, R"({"code":0,"msg":"ok","data":{"open":true}})");
        return Answer::json(404, R"({"code":404,"msg":"no"})");
    });
    live::LiveHttpChannel ch(pacer, "kiosk-1/face", "127.0.0.1", server.port(), "/camera/face");
    CHECK(ch.prefix() == "/camera/face");
    std::vector<kiosk::HttpResult> got;
    auto work = [&]() -> sim::Process<void> {
        got.push_back(co_await ch.request(post("/camera/face/open", "{}"), 2s));
        got.push_back(co_await ch.request(post("/camera/face/nothing", "{}"), 2s));
    };
    auto p = sim.spawn(work());
    run_until_done(pacer, p);
    REQUIRE(got.size() == 2);
    REQUIRE(got[0].ok());
    CHECK(got[0].response.status == 200);
    CHECK(got[0].response.content_type == "application/json");
    CHECK(got[0].response.body == R"({"code":0,"msg":"ok","data":{"open":true}})");
    REQUIRE(got[1].ok());
    CHECK(got[1].response.status == 404);  // an HTTP error is an answer, not a transport failure
    CHECK(server.connections() == 1);      // keep-alive
    REQUIRE(server.seen.size() == 2);
    CHECK(server.seen[0].method == "POST");
    CHECK(server.seen[0].body == "{}");
    CHECK(server.seen[0].headers.at("content-type") == "application/json");
    CHECK(ch.stats().bytes_in > 0);
}

TEST_CASE("HTTP: a silent device times out at the virtual deadline; the next request starts afresh", "[http]") {
    sim::Simulation sim;
    live::LivePacer pacer(sim, {.speed = 10.0});
    int n = 0;
    live_test::HttpServer server(pacer.io(), [&](const live_test::Request&) {
        return ++n == 1 ? Answer::silence() : Answer::json(200, R"({"code":0})");
    });
    live::LiveHttpChannel ch(pacer, "kiosk-1/a4", "127.0.0.1", server.port(), "/ipp/print");
    std::vector<kiosk::HttpResult> got;
    sim::Duration first_took{};
    auto work = [&]() -> sim::Process<void> {
        const sim::Time t0 = sim.now();
        got.push_back(co_await ch.request(post("/ipp/print", "x"), 3s));  // 300 ms of wall time
        first_took = sim.now() - t0;
        got.push_back(co_await ch.request(post("/ipp/print", "y"), 3s));
    };
    auto p = sim.spawn(work());
    run_until_done(pacer, p);
    REQUIRE(got.size() == 2);
    CHECK(got[0].error == ChannelError::timeout);
    CHECK(first_took == 3s);
    CHECK(got[1].ok());
    CHECK(server.connections() == 2);  // the late answer must not be taken for the next request's
    CHECK(ch.stats().timeouts == 1);
}

TEST_CASE("HTTP: nothing listening is refused; a hang-up is closed", "[http]") {
    sim::Simulation sim;
    live::LivePacer pacer(sim);
    live::LiveHttpChannel nobody(pacer, "kiosk-1/face", "127.0.0.1", live_test::closed_port(pacer.io()), "/camera/face");
    live_test::HttpServer rude(pacer.io(), [](const live_test::Request&) { return Answer::hang_up(); });
    live::LiveHttpChannel hangs_up(pacer, "kiosk-1/document", "127.0.0.1", rude.port(), "/camera/document");
    std::optional<kiosk::HttpResult> a, b;
    auto work = [&]() -> sim::Process<void> {
        a = co_await nobody.request(post("/camera/face/status", ""), 2s);
        b = co_await hangs_up.request(post("/camera/document/capture", "{}"), 2s);
    };
    auto p = sim.spawn(work());
    run_until_done(pacer, p);
    REQUIRE(a);
    CHECK(a->error == ChannelError::refused);
    REQUIRE(b);
    CHECK(b->error == ChannelError::closed);
}

}  // namespace live_http_channel_test
