// The http_fault toxic in virtual time: Envoy's HTTP fault filter
// (peripherals.md §3.2, "Envoy HTTP fault filter") on the requests of an
// HTTP/1.1 stream, and Toxiproxy's most asked-for missing toxic (§3.3 items 3
// and 4: protocol-aware 5xx answers, "fail the first N requests").
#include <catch2/catch.hpp>

#include "link_harness.hpp"

#include <kiosktwin/link/link.hpp>
#include <kiosktwin/protocol/http1.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace link_http_fault_test {

using namespace kiosktwin;
using namespace kiosktwin::test;
using link::Connection;
using link::Link;
namespace http1 = kiosktwin::protocol::http1;

namespace {
constexpr Direction up = Direction::upstream;
constexpr Direction down = Direction::downstream;

Link make_link(std::uint64_t seed = 1) { return Link("gateway", "127.0.0.1:0", "127.0.0.1:8080", seed); }

/// "METHOD target HTTP/1.1", a Host, `headers` (each ending in CRLF), and a body with its length.
std::string request(std::string_view method, std::string_view target, std::string_view headers = "",
                    std::string_view body = "") {
    std::string s(method);
    s.append(" ").append(target).append(" HTTP/1.1\r\nHost: gateway\r\n").append(headers);
    if (!body.empty()) s.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n");
    s.append("\r\n").append(body);
    return s;
}

std::string response(int status, std::string_view body) {
    std::string s("HTTP/1.1 ");
    s.append(std::to_string(status)).append(status == 200 ? " OK" : " Other");
    s.append("\r\nContent-Length: ").append(std::to_string(body.size())).append("\r\n\r\n").append(body);
    return s;
}

struct Message {
    int status = 0;
    std::string target;
    std::vector<http1::Header> headers;
    std::string body;
};

/// Frames a whole stream of responses (or requests) into its messages.
std::vector<Message> messages(const std::string& stream, http1::Role role) {
    http1::Framer f(role);
    std::vector<http1::Event> events;
    f.feed(stream, events);
    std::vector<Message> out;
    bool open = false;
    for (const http1::Event& e : events) {
        switch (e.kind) {
        case http1::Event::Kind::head:
            out.push_back(Message{e.head->status, e.head->target, e.head->headers, {}});
            open = true;
            break;
        case http1::Event::Kind::body:
            REQUIRE(open);
            out.back().body.append(stream, e.begin, e.end - e.begin);
            break;
        case http1::Event::Kind::message_end: open = false; break;
        case http1::Event::Kind::head_part: break;
        case http1::Event::Kind::tunnel:
        case http1::Event::Kind::error: FAIL("not a stream of whole HTTP/1.1 messages: " << e.error); break;
        }
    }
    CHECK_FALSE(open);  // every message is complete
    return out;
}
std::vector<Message> responses(const std::string& s) { return messages(s, http1::Role::response); }
std::vector<Message> requests(const std::string& s) { return messages(s, http1::Role::request); }

std::vector<int> statuses_after(const std::string& s, std::vector<const char*> methods) {
    http1::Framer f(http1::Role::response);
    for (const char* m : methods) f.expect_response_to(m);
    std::vector<http1::Event> events;
    f.feed(s, events);
    std::vector<int> v;
    for (const auto& e : events)
        if (e.kind == http1::Event::Kind::head) v.push_back(e.head->status);
    return v;
}

std::vector<int> statuses(const std::string& s) {
    std::vector<int> v;
    for (const Message& m : responses(s)) v.push_back(m.status);
    return v;
}

/// When the last data delivery in direction d happened (end_of_time if none).
sim::Time last_data_at(const Recorder& r, Direction d) {
    const auto data = r.of(d, ChunkKind::data);
    return data.empty() ? sim::end_of_time : data.back().at;
}

/// What http_fault decided for one request.
struct Decision {
    bool aborted = false;
    bool delayed = false;
    bool throttled = false;
    friend bool operator==(const Decision&, const Decision&) = default;
};

bool starts_with(const std::string& s, std::string_view prefix) { return s.rfind(prefix, 0) == 0; }

/// The http_fault toxic with `attributes` (JSON text) and, optionally, a toxicity.
link::ToxicSpec http_fault(const char* attributes, double toxicity = 1.0, const char* name = "fault") {
    nlohmann::json t = {{"name", name},
                        {"type", "http_fault"},
                        {"toxicity", toxicity},
                        {"attributes", nlohmann::json::parse(attributes)}};
    return link::ToxicSpec::from_json(t);
}
}  // namespace

TEST_CASE("http_fault attributes follow Envoy's fault filter, with defaults, on the upstream stream",
          "[link][http_fault][spec]") {
    const link::ToxicSpec t = toxic(R"({"type": "http_fault", "attributes": {"abort_status": 503}})");
    CHECK(t.name == "http_fault_upstream");  // requests flow upstream: that is its default stream
    CHECK(t.stream == up);
    CHECK(t.attributes == nlohmann::json::parse(R"({"abort_status": 503, "abort_percent": 100.0, "delay": 0.0,
        "delay_percent": 100.0, "throttle": 0.0, "throttle_percent": 100.0, "first_n": 0, "path_prefix": "",
        "method": "", "header_control": false})"));
    auto error_of = [](const char* body) -> std::string {
        try {
            toxic(body);
        } catch (const link::ApiError& e) {
            CHECK(e.status() == 400);
            return e.what();
        }
        return "no error";
    };
    CHECK_THAT(error_of(R"({"type": "http_fault", "attributes": {"abort_status": 99}})"),
               Catch::Contains("attributes.abort_status"));
    CHECK_THAT(error_of(R"({"type": "http_fault", "attributes": {"abort_status": 600}})"),
               Catch::Contains("attributes.abort_status"));
    CHECK_THAT(error_of(R"({"type": "http_fault", "attributes": {"abort_percent": 101}})"),
               Catch::Contains("attributes.abort_percent"));
    CHECK_THAT(error_of(R"({"type": "http_fault", "attributes": {"delay": -1}})"), Catch::Contains("attributes.delay"));
    CHECK_THAT(error_of(R"({"type": "http_fault", "attributes": {"first_n": 1.5}})"),
               Catch::Contains("attributes.first_n"));
    CHECK_THAT(error_of(R"({"type": "http_fault", "attributes": {"header_control": "yes"}})"),
               Catch::Contains("attributes.header_control"));
    CHECK_THAT(error_of(R"({"type": "http_fault", "stream": "downstream"})"), Catch::Contains("upstream"));
}

TEST_CASE("http_fault abort answers the configured status without reaching the upstream", "[link][http_fault]") {
    Link l = make_link();
    l.add_toxic(http_fault(R"({"abort_status": 503})"), ms(0));
    Recorder r;
    Connection* c = l.open(ms(0), &r);
    REQUIRE(c != nullptr);
    CHECK_FALSE(c->passthrough(up));
    c->on_data(up, ms(10), bytes_of(request("GET", "/api/queue")));

    CHECK(r.bytes(up) == 0);  // the upstream never hears of it
    const auto answers = r.of(down, ChunkKind::data);
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].at == ms(10));  // Envoy answers locally, at once
    const std::string text = r.text(down);
    CHECK(starts_with(text, "HTTP/1.1 503 Service Unavailable\r\n"));
    const auto msgs = responses(text);
    REQUIRE(msgs.size() == 1);
    CHECK(msgs[0].status == 503);
    CHECK(msgs[0].body == "fault filter abort");  // Envoy's local reply body
    // The connection stays open (keep-alive): nothing ends either way.
    CHECK_FALSE(c->ended(up));
    CHECK_FALSE(c->ended(down));
    CHECK(c->next_wakeup() == sim::end_of_time);

    // Every request on it is aborted; the counters see only what really moved.
    c->on_data(up, ms(20), bytes_of(request("GET", "/api/queue")));
    CHECK(statuses(r.text(down)) == std::vector<int>{503, 503});
    CHECK(l.stats().bytes_upstream == 0);
    CHECK(l.stats().bytes_downstream == r.bytes(down));
    CHECK(r.bytes(up) == 0);
}

TEST_CASE("http_fault abort uses the status's reason phrase", "[link][http_fault]") {
    for (const auto& [status, line] : std::vector<std::pair<int, std::string>>{
             {429, "HTTP/1.1 429 Too Many Requests\r\n"},
             {500, "HTTP/1.1 500 Internal Server Error\r\n"},
             {504, "HTTP/1.1 504 Gateway Timeout\r\n"},
             {200, "HTTP/1.1 200 OK\r\n"}}) {
        Link l = make_link();
        nlohmann::json attrs = {{"abort_status", status}};
        l.add_toxic(http_fault(attrs.dump().c_str()), ms(0));
        Recorder r;
        Connection* c = l.open(ms(0), &r);
        c->on_data(up, ms(1), bytes_of(request("GET", "/")));
        INFO("status " << status);
        CHECK(starts_with(r.text(down), line));
        CHECK(r.bytes(up) == 0);
    }
}

TEST_CASE("http_fault abort swallows the aborted request's body; the next request on the connection goes through",
          "[link][http_fault]") {
    Link l = make_link();
    l.add_toxic(http_fault(R"({"abort_status": 503, "path_prefix": "/api/pay"})"), ms(0));
    Recorder r;
    Connection* c = l.open(ms(0), &r);
    const std::string pay = request("POST", "/api/pay", "Content-Type: application/json\r\n", R"({"fee": 120})");
    const std::string queue = request("GET", "/api/queue");
    // The aborted request's body arrives in pieces, the last one with the next request behind it.
    const std::size_t cut = pay.size() - 5;
    c->on_data(up, ms(10), bytes_of(pay.substr(0, cut)));
    c->on_data(up, ms(20), bytes_of(pay.substr(cut) + queue));
    CHECK(r.text(up) == queue);  // only the next request, whole
    CHECK(r.of(up, ChunkKind::data).back().at == ms(20));
    c->on_data(down, ms(30), bytes_of(response(200, "[1,2,3]")));
    const auto msgs = responses(r.text(down));
    REQUIRE(msgs.size() == 2);
    CHECK(msgs[0].status == 503);
    CHECK(msgs[1].status == 200);
    CHECK(msgs[1].body == "[1,2,3]");
    CHECK(l.stats().bytes_upstream == queue.size());
}

TEST_CASE("http_fault abort swallows a chunked request body to its last chunk", "[link][http_fault]") {
    Link l = make_link();
    l.add_toxic(http_fault(R"({"abort_status": 500, "method": "PUT"})"), ms(0));
    Recorder r;
    Connection* c = l.open(ms(0), &r);
    const std::string put = "PUT /api/doc HTTP/1.1\r\nHost: gateway\r\nTransfer-Encoding: chunked\r\n\r\n";
    const std::string get = request("GET", "/api/doc");
    c->on_data(up, ms(1), bytes_of(put + "4\r\nWiki\r\n"));
    c->on_data(up, ms(2), bytes_of("5\r\npedia\r\n0\r\n\r\n" + get));
    CHECK(r.text(up) == get);
    c->on_data(down, ms(3), bytes_of(response(200, "doc")));
    CHECK(statuses(r.text(down)) == std::vector<int>{500, 200});
}

TEST_CASE("http_fault keeps an interim 100 Continue with its request's final answer, ahead of later aborts",
          "[link][http_fault][pipelining]") {
    Link l = make_link();
    l.add_toxic(http_fault(R"({"abort_status": 503, "path_prefix": "/fail"})"), ms(0));
    Recorder r;
    Connection* c = l.open(ms(0), &r);
    const std::string post = request("POST", "/upload", "Expect: 100-continue\r\nContent-Length: 3\r\n");
    c->on_data(up, ms(1), bytes_of(post));
    c->on_data(down, ms(2), bytes_of("HTTP/1.1 100 Continue\r\n\r\n"));
    CHECK(statuses(r.text(down)) == std::vector<int>{100});
    c->on_data(up, ms(3), bytes_of("abc" + request("GET", "/fail")));
    CHECK(statuses(r.text(down)) == std::vector<int>{100});  // the 503 waits for the final answer
    c->on_data(down, ms(4), bytes_of(response(200, "stored")));
    CHECK(statuses(r.text(down)) == std::vector<int>{100, 200, 503});
    CHECK(r.text(up) == post + "abc");
}

TEST_CASE("http_fault changes take effect on the next request of an open connection", "[link][http_fault]") {
    Link l = make_link();
    l.add_toxic(http_fault(R"({"abort_status": 503})"), ms(0));
    Recorder r;
    Connection* c = l.open(ms(0), &r);
    c->on_data(up, ms(1), bytes_of(request("GET", "/")));
    l.update_toxic("fault", nlohmann::json::parse(R"({"attributes": {"abort_status": 0, "delay": 100}})"), ms(2));
    CHECK(l.find_toxic("fault")->attributes["delay"] == 100.0);
    c->on_data(up, ms(3), bytes_of(request("GET", "/")));
    run_until(*c, ms(1000));
    CHECK(r.text(up) == request("GET", "/"));
    CHECK(last_data_at(r, up) == ms(103));
    c->on_data(down, ms(200), bytes_of(response(200, "x")));
    CHECK(statuses(r.text(down)) == std::vector<int>{503, 200});
}

TEST_CASE("http_fault delay holds each request exactly `delay` before it reaches the upstream",
          "[link][http_fault][delay]") {
    Link l = make_link();
    l.add_toxic(http_fault(R"({"delay": 250})"), ms(0));
    Recorder r;
    Connection* c = l.open(ms(0), &r);
    const std::string head = request("POST", "/api/form", "Content-Length: 6\r\n");
    c->on_data(up, ms(10), bytes_of(head));
    c->on_data(up, ms(20), bytes_of("abc"));  // body while the head waits: it waits behind it
    CHECK(r.bytes(up) == 0);
    CHECK(c->next_wakeup() == ms(260));
    run_until(*c, ms(259));
    CHECK(r.bytes(up) == 0);
    run_until(*c, ms(260));
    CHECK(r.text(up) == head + "abc");
    for (const Delivery& d : r.of(up, ChunkKind::data)) CHECK(d.at == ms(260));
    c->on_data(up, ms(400), bytes_of("def"));  // the rest of the body, after the delay: not delayed again
    CHECK(last_data_at(r, up) == ms(400));

    // The response is not delayed.
    c->on_data(down, ms(500), bytes_of(response(200, "done")));
    CHECK(last_data_at(r, down) == ms(500));

    SECTION("each request on the connection is delayed by its own delay") {
        c->on_data(up, ms(600), bytes_of(request("GET", "/next")));
        run_until(*c, ms(10'000));
        CHECK(last_data_at(r, up) == ms(850));
    }
    SECTION("the client's half-close does not overtake a delayed request") {
        c->on_data(up, ms(600), bytes_of(request("GET", "/last")));
        c->on_eof(up, ms(601));
        CHECK(r.ended_at(up) == sim::end_of_time);
        run_until(*c, ms(10'000));
        CHECK(last_data_at(r, up) == ms(850));
        CHECK(r.ended_at(up) == ms(850));
        CHECK(r.end_kind(up) == ChunkKind::eof);
    }
    SECTION("the delay counts from when the head is complete") {
        const std::string next = request("GET", "/next");
        c->on_data(up, ms(1000), bytes_of(next.substr(0, 9)));
        c->on_data(up, ms(1030), bytes_of(next.substr(9)));
        run_until(*c, ms(1279));
        CHECK(r.text(up).size() == head.size() + 6);
        run_until(*c, ms(10'000));
        CHECK(last_data_at(r, up) == ms(1280));
        CHECK(requests(r.text(up)).size() == 2);
    }
}

TEST_CASE("http_fault delay and abort together answer after the delay (Envoy delays, then aborts)",
          "[link][http_fault][delay]") {
    Link l = make_link();
    l.add_toxic(http_fault(R"({"abort_status": 504, "delay": 3000})"), ms(0));
    Recorder r;
    Connection* c = l.open(ms(0), &r);
    c->on_data(up, ms(100), bytes_of(request("GET", "/api/slow")));
    CHECK(r.out.empty());
    CHECK(c->next_wakeup() == ms(3100));
    run_until(*c, ms(10'000));
    CHECK(r.bytes(up) == 0);
    REQUIRE(r.of(down, ChunkKind::data).size() == 1);
    CHECK(last_data_at(r, down) == ms(3100));
    CHECK(statuses(r.text(down)) == std::vector<int>{504});
}

TEST_CASE("http_fault throttle paces the response body to the configured KiB/s; the head leaves at once",
          "[link][http_fault][throttle]") {
    Link l = make_link();
    l.add_toxic(http_fault(R"({"throttle": 10})"), ms(0));  // 10 KiB/s = 10,240 B/s
    Recorder r;
    Connection* c = l.open(ms(0), &r);
    c->on_data(up, ms(0), bytes_of(request("GET", "/api/photo")));
    CHECK(last_data_at(r, up) == ms(0));  // the request is not slowed

    std::string body;
    for (int i = 0; i < 20'480; ++i) body.push_back(static_cast<char>('a' + i % 26));
    const std::string whole = response(200, body);
    const std::size_t head_size = whole.size() - body.size();
    c->on_data(down, ms(100), bytes_of(whole));
    run_until(*c, ms(60'000));
    CHECK(r.text(down) == whole);  // every byte, in order

    const auto data = r.of(down, ChunkKind::data);
    REQUIRE(data.size() > 2);
    CHECK(data.front().at == ms(100));
    CHECK(data.front().size == head_size);  // the head, at once
    CHECK(data.back().at == ms(2100));      // 20,480 bytes at 10,240 B/s: 2 s
    std::uint64_t sent = 0;
    for (std::size_t i = 1; i < data.size(); ++i) {
        CHECK(data[i].size <= 1024);  // pieces of at most 100 ms worth
        sent += data[i].size;
        // Never ahead of the rate.
        const double elapsed_s = sim::to_seconds(data[i].at - ms(100));
        CHECK(static_cast<double>(sent) <= elapsed_s * 10'240.0 + 1.0);
    }
    CHECK(sent == body.size());
}

TEST_CASE("http_fault pipelined requests on one keep-alive connection keep their response order "
          "when some are aborted and some delayed",
          "[link][http_fault][pipelining]") {
    Link l = make_link();
    // Per-request faults from the requests' own x-envoy-fault-* headers.
    l.add_toxic(http_fault(R"({"header_control": true})"), ms(0));
    Recorder r;
    Connection* c = l.open(ms(0), &r);
    const std::string r1 = request("GET", "/1", "x-envoy-fault-delay-request: 300\r\n");
    const std::string r2 = request("GET", "/2", "x-envoy-fault-abort-request: 503\r\n");
    const std::string r3 = request("GET", "/3");
    const std::string r4 =
        request("GET", "/4", "x-envoy-fault-abort-request: 429\r\nx-envoy-fault-delay-request: 100\r\n");
    const std::string r5 = request("POST", "/5", "", "abcd");
    c->on_data(up, ms(0), bytes_of(r1 + r2 + r3 + r4 + r5));
    run_until(*c, ms(299));
    CHECK(r.bytes(up) == 0);
    CHECK(r.bytes(down) == 0);  // the 503 to /2 waits for the answer to /1
    run_until(*c, ms(300));
    // Requests keep their order on the upstream connection: /3 and /5 wait behind /1.
    CHECK(r.text(up) == r1 + r3 + r5);
    CHECK(last_data_at(r, up) == ms(300));

    const std::string a1 = response(200, "one"), a3 = response(200, "three"), a5 = response(200, "five");
    SECTION("answers in separate chunks") {
        c->on_data(down, ms(310), bytes_of(a1));
        c->on_data(down, ms(320), bytes_of(a3));
        c->on_data(down, ms(330), bytes_of(a5));
        run_until(*c, ms(10'000));
        // Each injected answer leaves as soon as the answer before it is complete.
        for (const Delivery& d : r.of(down, ChunkKind::data)) {
            const std::string text(d.bytes.begin(), d.bytes.end());
            if (starts_with(text, "HTTP/1.1 503")) CHECK(d.at == ms(310));
            if (starts_with(text, "HTTP/1.1 429")) CHECK(d.at == ms(320));
        }
        CHECK(last_data_at(r, down) == ms(330));
    }
    SECTION("answers in 7-byte slices") {
        const std::string all = a1 + a3 + a5;
        for (std::size_t i = 0; i < all.size(); i += 7) c->on_data(down, ms(310), bytes_of(all.substr(i, 7)));
        run_until(*c, ms(10'000));
        CHECK(last_data_at(r, down) == ms(310));
    }
    SECTION("answers in one chunk") {
        c->on_data(down, ms(310), bytes_of(a1 + a3 + a5));
        run_until(*c, ms(10'000));
        CHECK(last_data_at(r, down) == ms(310));
    }
    const auto msgs = responses(r.text(down));
    REQUIRE(msgs.size() == 5);
    CHECK(msgs[0].status == 200);
    CHECK(msgs[0].body == "one");
    CHECK(msgs[1].status == 503);
    CHECK(msgs[2].body == "three");
    CHECK(msgs[3].status == 429);
    CHECK(msgs[4].body == "five");
    CHECK(c->next_wakeup() == sim::end_of_time);
}

TEST_CASE("http_fault percentages fire in their share of requests, independently, reproducibly by seed",
          "[link][http_fault][statistical][reproducible]") {
    // 40 connections of 100 requests each, one request a second; the server
    // answers each request it gets 20 ms after it was sent, with 2048 bytes of body.
    auto run = [](std::uint64_t seed) {
        Link l = make_link(seed);
        l.add_toxic(http_fault(R"({"abort_status": 500, "abort_percent": 30, "delay": 10, "delay_percent": 50,
                                   "throttle": 1000, "throttle_percent": 20})"),
                    ms(0));
        const std::string body(2048, 'x');
        const std::string answer = response(200, body);
        std::vector<Decision> out;
        double t = 0;
        for (int k = 0; k < 40; ++k) {
            Recorder r;
            Connection* c = l.open(ms(t), &r);
            for (int i = 0; i < 100; ++i, t += 1000) {
                const std::size_t up_before = r.out.size();
                c->on_data(up, ms(t), bytes_of(request("GET", "/api/queue")));
                run_until(*c, ms(t + 15));
                Decision d;
                std::vector<Delivery> fresh(r.out.begin() + static_cast<std::ptrdiff_t>(up_before), r.out.end());
                REQUIRE(fresh.size() == 1);
                d.aborted = fresh[0].d == down;
                d.delayed = fresh[0].at == ms(t + 10);
                if (!d.delayed) CHECK(fresh[0].at == ms(t));
                if (!d.aborted) {
                    c->on_data(down, ms(t + 20), bytes_of(answer));
                    run_until(*c, ms(t + 999));
                    const sim::Time done = r.out.back().at;
                    // 2048 bytes at 1000 KiB/s: 2 ms.
                    d.throttled = done == ms(t + 22);
                    if (!d.throttled) CHECK(done == ms(t + 20));
                } else {
                    CHECK(starts_with(std::string(fresh[0].bytes.begin(), fresh[0].bytes.end()), "HTTP/1.1 500 "));
                }
                out.push_back(d);
            }
            l.close(*c);
        }
        return out;
    };
    const std::vector<Decision> a = run(2024);
    const double n = static_cast<double>(a.size());
    double aborts = 0, delays = 0, both = 0, forwarded = 0, throttles = 0;
    for (const Decision& d : a) {
        aborts += d.aborted;
        delays += d.delayed;
        both += d.aborted && d.delayed;
        if (!d.aborted) {
            ++forwarded;
            throttles += d.throttled;
        }
    }
    auto within = [](double count, double trials, double p) {
        INFO(count << " of " << trials << " against p = " << p);
        CHECK(std::abs(count / trials - p) < 4 * std::sqrt(p * (1 - p) / trials));
    };
    within(aborts, n, 0.30);
    within(delays, n, 0.50);
    within(both, n, 0.15);  // the draws are independent
    within(throttles, forwarded, 0.20);

    CHECK(run(2024) == a);  // the same seed decides the same, request by request
    CHECK(run(2025) != a);
}

TEST_CASE("http_fault first_n fails the first N matching requests, counted across the link's connections",
          "[link][http_fault][first_n]") {
    Link l = make_link();
    l.add_toxic(http_fault(R"({"abort_status": 503, "first_n": 3, "path_prefix": "/api/"})"), ms(0));
    std::vector<Recorder> rs(4);
    std::vector<Connection*> cs;
    for (Recorder& r : rs) cs.push_back(l.open(ms(0), &r));
    auto ask = [&](std::size_t k, const char* target, double t) {
        const std::size_t before = rs[k].text(down).size();
        const std::size_t up_before = rs[k].text(up).size();
        cs[k]->on_data(up, ms(t), bytes_of(request("GET", target)));
        run_until(*cs[k], ms(t));
        if (rs[k].text(up).size() > up_before) {  // forwarded: the server answers
            cs[k]->on_data(down, ms(t), bytes_of(response(200, "ok")));
        }
        return responses(rs[k].text(down).substr(before)).at(0).status;
    };
    CHECK(ask(0, "/health", 1) == 200);  // does not match: neither faulted nor counted
    CHECK(ask(0, "/api/a", 2) == 503);
    CHECK(ask(0, "/api/b", 3) == 503);
    CHECK(ask(1, "/api/c", 4) == 503);  // the third, on another connection
    CHECK(ask(1, "/api/d", 5) == 200);
    CHECK(ask(2, "/api/e", 6) == 200);
    CHECK(ask(0, "/api/f", 7) == 200);

    SECTION("a connection opened later counts on too") {
        Recorder late;
        Connection* c = l.open(ms(8), &late);
        c->on_data(up, ms(9), bytes_of(request("GET", "/api/g")));
        CHECK(late.text(up) == request("GET", "/api/g"));
    }
    SECTION("changing first_n starts the count afresh") {
        l.update_toxic("fault", nlohmann::json::parse(R"({"attributes": {"first_n": 1}})"), ms(10));
        CHECK(ask(3, "/api/h", 11) == 503);
        CHECK(ask(2, "/api/i", 12) == 200);
    }
}

TEST_CASE("http_fault path_prefix and method limit the fault to matching requests", "[link][http_fault]") {
    Link l = make_link();
    l.add_toxic(http_fault(R"({"abort_status": 502, "path_prefix": "/api/print", "method": "POST"})"), ms(0));
    Recorder r;
    Connection* c = l.open(ms(0), &r);
    const std::string get_print = request("GET", "/api/print/1");
    const std::string post_queue = request("POST", "/api/queue", "", "{}");
    c->on_data(up, ms(1), bytes_of(get_print));      // wrong method
    c->on_data(up, ms(2), bytes_of(post_queue));     // wrong path
    c->on_data(up, ms(3), bytes_of(request("POST", "/api/print/job", "", "%PDF")));  // both match
    CHECK(r.text(up) == get_print + post_queue);
    c->on_data(down, ms(4), bytes_of(response(200, "a") + response(200, "b")));
    CHECK(statuses(r.text(down)) == std::vector<int>{200, 200, 502});
}

TEST_CASE("http_fault header_control honours x-envoy-fault-* request headers only when enabled",
          "[link][http_fault][header_control]") {
    auto status_of = [](bool control, const std::string& headers) {
        Link l = make_link();
        nlohmann::json attrs = {{"header_control", control}};
        l.add_toxic(http_fault(attrs.dump().c_str()), ms(0));
        Recorder r;
        Connection* c = l.open(ms(0), &r);
        c->on_data(up, ms(1), bytes_of(request("GET", "/", headers)));
        if (r.bytes(up) > 0) c->on_data(down, ms(2), bytes_of(response(200, "fine")));
        run_until(*c, ms(100'000));
        return statuses(r.text(down)).at(0);
    };
    CHECK(status_of(false, "x-envoy-fault-abort-request: 503\r\n") == 200);
    CHECK(status_of(true, "x-envoy-fault-abort-request: 503\r\n") == 503);
    CHECK(status_of(true, "X-Envoy-Fault-Abort-Request: 429\r\n") == 429);  // header names are case-insensitive
    CHECK(status_of(true, "x-envoy-fault-abort-request: 503\r\nx-envoy-fault-abort-request-percentage: 0\r\n") == 200);
    // Out of range or not a number: ignored.
    CHECK(status_of(true, "x-envoy-fault-abort-request: 199\r\n") == 200);
    CHECK(status_of(true, "x-envoy-fault-abort-request: 600\r\n") == 200);
    CHECK(status_of(true, "x-envoy-fault-abort-request: five hundred\r\n") == 200);

    SECTION("delay and throughput headers") {
        Link l = make_link();
        l.add_toxic(http_fault(R"({"header_control": true})"), ms(0));
        Recorder r;
        Connection* c = l.open(ms(0), &r);
        c->on_data(up, ms(0),
                   bytes_of(request("GET", "/", "x-envoy-fault-delay-request: 40\r\nx-envoy-fault-throughput-response: 1\r\n")));
        run_until(*c, ms(1000));
        CHECK(last_data_at(r, up) == ms(40));
        c->on_data(down, ms(50), bytes_of(response(200, std::string(512, 'z'))));  // 512 B at 1 KiB/s: 500 ms
        run_until(*c, ms(10'000));
        CHECK(last_data_at(r, down) == ms(550));
        // Without the headers the next request is left alone.
        c->on_data(up, ms(20'000), bytes_of(request("GET", "/")));
        CHECK(last_data_at(r, up) == ms(20'000));
    }
}

TEST_CASE("http_fault with toxicity 0 never fires; with toxicity 1 always", "[link][http_fault][toxicity]") {
    Link l = make_link(7);
    l.add_toxic(http_fault(R"({"abort_status": 503})", 0.0, "never"), ms(0));
    for (int i = 0; i < 2000; ++i) {
        Recorder r;
        Connection* c = l.open(ms(i), &r);
        CHECK(c->passthrough(up));
        CHECK(c->passthrough(down));
        c->on_data(up, ms(i), bytes_of(request("GET", "/")));
        CHECK(r.bytes(up) > 0);
        CHECK(r.bytes(down) == 0);
        l.close(*c);
    }
    l.remove_toxic("never", ms(3000));
    l.add_toxic(http_fault(R"({"abort_status": 503})", 1.0, "always"), ms(3000));
    for (int i = 0; i < 500; ++i) {
        Recorder r;
        Connection* c = l.open(ms(3000 + i), &r);
        c->on_data(up, ms(3000 + i), bytes_of(request("GET", "/")));
        CHECK(r.bytes(up) == 0);
        CHECK(statuses(r.text(down)) == std::vector<int>{503});
        l.close(*c);
    }
}

TEST_CASE("http_fault lets a byte stream that is not HTTP through, opaque and undelayed", "[link][http_fault][opaque]") {
    Link l = make_link();
    l.add_toxic(http_fault(R"({"abort_status": 503, "delay": 1000, "throttle": 1})"), ms(0));

    SECTION("binary whose first line is not a request line") {
        Recorder r;
        Connection* c = l.open(ms(0), &r);
        const link::Bytes hello{0x16, 0x03, 0x01, 0x00, 0xf8, 0x01, 0x00, 0x00, 0xf4, 0x03, 0x03, 0x00, 0x0d, 0x0a};
        c->on_data(up, ms(5), hello);
        CHECK(r.of(up, ChunkKind::data).size() == 1);
        CHECK(r.of(up, ChunkKind::data).at(0).bytes == hello);
        CHECK(last_data_at(r, up) == ms(5));
        const link::Bytes server_hello(3000, 0x16);
        c->on_data(down, ms(6), server_hello);
        CHECK(r.bytes(down) == 3000);
        CHECK(last_data_at(r, down) == ms(6));
        c->on_data(up, ms(7), bytes_of("GET / HTTP/1.1\r\n\r\n"));  // once opaque, always opaque
        CHECK(last_data_at(r, up) == ms(7));
        CHECK(r.bytes(down) == 3000);
    }
    SECTION("a line protocol (Redis inline commands)") {
        Recorder r;
        Connection* c = l.open(ms(0), &r);
        c->on_data(up, ms(5), bytes_of("PING\r\n"));
        CHECK(r.text(up) == "PING\r\n");
        CHECK(last_data_at(r, up) == ms(5));
        c->on_data(down, ms(6), bytes_of("+PONG\r\n"));
        CHECK(r.text(down) == "+PONG\r\n");
        CHECK(last_data_at(r, down) == ms(6));
    }
    SECTION("sized chunks (the twin's planning runs) pass as they are") {
        Recorder r;
        Connection* c = l.open(ms(0), &r);
        c->on_sized(up, ms(5), 400);
        c->on_sized(down, ms(6), 9000);
        CHECK(r.bytes(up) == 400);
        CHECK(r.bytes(down) == 9000);
        CHECK(last_data_at(r, up) == ms(5));
        CHECK(last_data_at(r, down) == ms(6));
    }
}

TEST_CASE("http_fault leaves the bytes after a protocol switch (101) alone, both ways", "[link][http_fault][opaque]") {
    Link l = make_link();
    l.add_toxic(http_fault(R"({"abort_status": 503, "path_prefix": "/api", "throttle": 1})"), ms(0));
    Recorder r;
    Connection* c = l.open(ms(0), &r);
    const std::string upgrade = request("GET", "/ws", "Upgrade: websocket\r\nConnection: Upgrade\r\n");
    c->on_data(up, ms(1), bytes_of(upgrade));
    CHECK(r.text(up) == upgrade);
    const std::string switching = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
    c->on_data(down, ms(2), bytes_of(switching));
    CHECK(r.text(down) == switching);
    // WebSocket frames, one of them spelling an /api request: not HTTP any more.
    const std::string frame = "\x81\x05hello";
    c->on_data(up, ms(3), bytes_of(frame));
    c->on_data(up, ms(4), bytes_of(request("GET", "/api/x")));
    CHECK(r.text(up) == upgrade + frame + request("GET", "/api/x"));
    CHECK(last_data_at(r, up) == ms(4));
    const std::string big(5000, 'w');  // a throttle of 1 KiB/s would take seconds
    c->on_data(down, ms(5), bytes_of(big));
    CHECK(r.text(down) == switching + big);
    CHECK(last_data_at(r, down) == ms(5));
}

TEST_CASE("http_fault removed: a pending injected answer leaves at once, a half-swallowed request closes the stream",
          "[link][http_fault]") {
    Link l = make_link();
    SECTION("a delayed abort is answered at the removal") {
        l.add_toxic(http_fault(R"({"abort_status": 503, "delay": 60000})"), ms(0));
        Recorder r;
        Connection* c = l.open(ms(0), &r);
        c->on_data(up, ms(10), bytes_of(request("GET", "/")));
        run_until(*c, ms(1000));
        CHECK(r.out.empty());
        l.remove_toxic("fault", ms(2000));
        CHECK(statuses(r.text(down)) == std::vector<int>{503});
        CHECK(last_data_at(r, down) == ms(2000));
        CHECK(c->passthrough(up));
        CHECK(c->passthrough(down));
        CHECK(c->next_wakeup() == sim::end_of_time);  // nothing left to hang on
        c->on_data(up, ms(3000), bytes_of(request("GET", "/")));
        CHECK(r.text(up) == request("GET", "/"));
    }
    SECTION("a delayed request goes to the upstream at the removal") {
        l.add_toxic(http_fault(R"({"delay": 60000})"), ms(0));
        Recorder r;
        Connection* c = l.open(ms(0), &r);
        c->on_data(up, ms(10), bytes_of(request("GET", "/")));
        l.remove_toxic("fault", ms(2000));
        CHECK(r.text(up) == request("GET", "/"));
        CHECK(last_data_at(r, up) == ms(2000));
    }
    SECTION("an aborted request whose body is still coming") {
        l.add_toxic(http_fault(R"({"abort_status": 503})"), ms(0));
        Recorder r;
        Connection* c = l.open(ms(0), &r);
        const std::string post = request("POST", "/upload", "", std::string(100, 'b'));
        c->on_data(up, ms(10), bytes_of(post.substr(0, post.size() - 50)));
        l.remove_toxic("fault", ms(20));
        // The rest of the body cannot be forwarded without its head: the stream ends.
        CHECK(r.bytes(up) == 0);
        CHECK(r.end_kind(up) == ChunkKind::close);
        CHECK(statuses(r.text(down)) == std::vector<int>{503});
        CHECK(c->ended(down));
        CHECK(c->finished());
    }
}

TEST_CASE("http_fault on a link of several connections keeps each connection's responses apart",
          "[link][http_fault][pipelining]") {
    Link l = make_link();
    l.add_toxic(http_fault(R"({"abort_status": 503, "path_prefix": "/fail"})"), ms(0));
    Recorder ra, rb;
    Connection* a = l.open(ms(0), &ra);
    Connection* b = l.open(ms(0), &rb);
    a->on_data(up, ms(1), bytes_of(request("GET", "/ok") + request("GET", "/fail")));
    b->on_data(up, ms(1), bytes_of(request("GET", "/fail") + request("GET", "/ok")));
    CHECK(ra.text(up) == request("GET", "/ok"));
    CHECK(rb.text(up) == request("GET", "/ok"));
    CHECK(ra.bytes(down) == 0);                                   // waits for /ok's answer
    CHECK(statuses(rb.text(down)) == std::vector<int>{503});      // first in line: at once
    a->on_data(down, ms(2), bytes_of(response(200, "a")));
    b->on_data(down, ms(2), bytes_of(response(200, "b")));
    CHECK(statuses(ra.text(down)) == std::vector<int>{200, 503});
    CHECK(statuses(rb.text(down)) == std::vector<int>{503, 200});
}

TEST_CASE("http_fault passes a binary stream with no line feed (a TLS ClientHello) at once",
          "[link][http_fault][opaque]") {
    // Its first byte cannot begin a request line: the stream is opaque from
    // there, with no LF to wait for.
    Link l = make_link();
    l.add_toxic(http_fault(R"({"abort_status": 503, "delay": 1000})"), ms(0));
    Recorder r;
    Connection* c = l.open(ms(0), &r);
    const link::Bytes hello{0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x03};
    c->on_data(up, ms(5), hello);
    CHECK(r.bytes(up) == hello.size());
    CHECK(last_data_at(r, up) == ms(5));
    CHECK(c->buffered_bytes(up) == 0);
    CHECK(c->next_wakeup() == sim::end_of_time);
    c->on_data(up, ms(6), bytes_of(request("GET", "/")));  // once opaque, always opaque
    CHECK(r.bytes(up) == hello.size() + request("GET", "/").size());
    CHECK(r.bytes(down) == 0);
    CHECK(l.stats().bytes_upstream == r.bytes(up));
}

TEST_CASE("http_fault lets the first bytes of a connection wait at most 5 s for a request line",
          "[link][http_fault][opaque]") {
    Link l = make_link();
    l.add_toxic(http_fault(R"({"abort_status": 503})"), ms(0));
    Recorder r;
    Connection* c = l.open(ms(0), &r);
    SECTION("bytes that could begin one, and no LF: they go on after 5 s, and the stream is opaque") {
        c->on_data(up, ms(10), bytes_of("HELO "));
        c->on_data(up, ms(2000), bytes_of("kiosk"));
        CHECK(r.bytes(up) == 0);
        CHECK(c->next_wakeup() == ms(5010));  // from the first byte
        run_until(*c, ms(100'000));
        CHECK(r.text(up) == "HELO kiosk");
        CHECK(last_data_at(r, up) == ms(5010));
        CHECK(c->buffered_bytes(up) == 0);
        CHECK(c->next_wakeup() == sim::end_of_time);
        c->on_data(up, ms(100'001), bytes_of(" / HTTP/1.1\r\n\r\n"));  // too late to be a request
        CHECK(r.text(up) == "HELO kiosk / HTTP/1.1\r\n\r\n");
        CHECK(r.bytes(down) == 0);
    }
    SECTION("a request line that comes whole in time is HTTP: the rest of its head may take any time") {
        c->on_data(up, ms(10), bytes_of("GET /api"));
        c->on_data(up, ms(4000), bytes_of(" HTTP/1.1\r\nHost: gateway\r\n"));
        run_until(*c, ms(60'000));
        CHECK(r.bytes(up) == 0);
        CHECK(c->next_wakeup() == sim::end_of_time);
        c->on_data(up, ms(60'000), bytes_of("\r\n"));
        CHECK(statuses(r.text(down)) == std::vector<int>{503});
        CHECK(r.bytes(up) == 0);
        // Later requests are not timed either: the stream is HTTP.
        c->on_data(up, ms(61'000), bytes_of("GET"));
        run_until(*c, ms(200'000));
        CHECK(r.bytes(up) == 0);
        c->on_data(up, ms(200'000), bytes_of(" / HTTP/1.1\r\n\r\n"));
        CHECK(statuses(r.text(down)) == std::vector<int>{503, 503});
    }
    SECTION("empty lines before it count as its first bytes") {
        c->on_data(up, ms(10), bytes_of("\r\n"));
        run_until(*c, ms(6000));
        CHECK(r.text(up) == "\r\n");
        CHECK(last_data_at(r, up) == ms(5010));
    }
}

TEST_CASE("http_fault answers an aborted HEAD request without a body", "[link][http_fault]") {
    // A response to HEAD has no body (RFC 9112 §6.3). Like Envoy's local
    // reply, the answer is the head a GET would get, content-length included.
    Link l = make_link();
    l.add_toxic(http_fault(R"({"abort_status": 503, "method": "HEAD"})"), ms(0));
    Recorder r;
    Connection* c = l.open(ms(0), &r);
    c->on_data(up, ms(1), bytes_of(request("HEAD", "/api/doc") + request("GET", "/api/doc")));
    c->on_data(down, ms(2), bytes_of(response(200, "doc")));
    http1::Framer client(http1::Role::response);
    client.expect_response_to("HEAD");
    client.expect_response_to("GET");
    std::vector<http1::Event> events;
    const std::string text = r.text(down);
    client.feed(text, events);
    INFO(text);
    CHECK_FALSE(client.failed());
    CHECK(client.messages_completed() == 2);
    CHECK(starts_with(text, "HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain\r\ncontent-length: 18\r\n"
                            "x-kiosktwin-fault: http_fault\r\n\r\nHTTP/1.1 200 OK\r\n"));
}

TEST_CASE("http_fault answers 204 and 304 aborts without a body or a length, 205 with an empty one",
          "[link][http_fault]") {
    for (const auto& [status, answer] : std::vector<std::pair<int, std::string>>{
             {204, "HTTP/1.1 204 No Content\r\nx-kiosktwin-fault: http_fault\r\n\r\n"},
             {304, "HTTP/1.1 304 Not Modified\r\nx-kiosktwin-fault: http_fault\r\n\r\n"},
             {205, "HTTP/1.1 205 Reset Content\r\ncontent-length: 0\r\nx-kiosktwin-fault: http_fault\r\n\r\n"}}) {
        INFO("status " << status);
        Link l = make_link();
        l.add_toxic(http_fault(nlohmann::json{{"abort_status", status}, {"path_prefix", "/fail"}}.dump().c_str()),
                    ms(0));
        Recorder r;
        Connection* c = l.open(ms(0), &r);
        c->on_data(up, ms(1), bytes_of(request("GET", "/fail") + request("HEAD", "/fail") + request("GET", "/ok")));
        c->on_data(down, ms(2), bytes_of(response(200, "ok")));
        CHECK(r.text(down) == answer + answer + response(200, "ok"));
        http1::Framer client(http1::Role::response);
        for (const char* m : {"GET", "HEAD", "GET"}) client.expect_response_to(m);
        std::vector<http1::Event> events;
        client.feed(r.text(down), events);
        CHECK_FALSE(client.failed());
        CHECK(client.messages_completed() == 3);
    }
}

TEST_CASE("two http_fault toxics on one link keep pipelined responses in request order",
          "[link][http_fault][pipelining]") {
    Link l = make_link();
    l.add_toxic(http_fault(R"({"abort_status": 503, "path_prefix": "/a"})", 1.0, "A"), ms(0));
    l.add_toxic(http_fault(R"({"abort_status": 429, "path_prefix": "/b", "method": "HEAD"})", 1.0, "B"), ms(0));
    Recorder r;
    Connection* c = l.open(ms(0), &r);
    SECTION("aborts of both, and a forwarded request") {
        c->on_data(up, ms(1), bytes_of(request("GET", "/a") + request("HEAD", "/b") + request("GET", "/c")));
        CHECK(r.text(up) == request("GET", "/c"));
        c->on_data(down, ms(2), bytes_of(response(200, "c")));
        INFO(r.text(down));
        http1::Framer client(http1::Role::response);
        for (const char* m : {"GET", "HEAD", "GET"}) client.expect_response_to(m);
        std::vector<http1::Event> events;
        client.feed(r.text(down), events);
        CHECK_FALSE(client.failed());
        CHECK(client.messages_completed() == 3);
        CHECK(statuses_after(r.text(down), {"GET", "HEAD", "GET"}) == std::vector<int>{503, 429, 200});
    }
    SECTION("B's abort behind a forwarded request waits for its answer, and A's behind that") {
        c->on_data(up, ms(1), bytes_of(request("GET", "/c") + request("HEAD", "/b") + request("GET", "/a")));
        CHECK(r.bytes(down) == 0);
        c->on_data(down, ms(2), bytes_of(response(200, "c")));
        CHECK(statuses_after(r.text(down), {"GET", "HEAD", "GET"}) == std::vector<int>{200, 429, 503});
    }
    SECTION("removing either leaves the other in order") {
        l.remove_toxic("B", ms(1));
        c->on_data(up, ms(2), bytes_of(request("GET", "/a") + request("GET", "/c")));
        c->on_data(down, ms(3), bytes_of(response(200, "c")));
        CHECK(statuses(r.text(down)) == std::vector<int>{503, 200});
        CHECK(c->passthrough(down) == false);
        l.remove_toxic("A", ms(4));
        CHECK(c->passthrough(down));
        CHECK(c->passthrough(up));
    }
}

}  // namespace link_http_fault_test
