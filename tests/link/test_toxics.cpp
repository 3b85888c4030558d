// Toxiproxy's toxics in virtual time (peripherals.md §3.2): each one's
// code-checked semantics, per connection and per stream.
#include <catch2/catch.hpp>

#include "link_harness.hpp"

#include <kiosktwin/link/link.hpp>
#include <kiosktwin/sim/random.hpp>

#include <cmath>

namespace link_toxics_test {

using namespace kiosktwin;
using namespace kiosktwin::test;
using link::Link;

namespace {
constexpr Direction up = Direction::upstream;
constexpr Direction down = Direction::downstream;

Link make_link(std::uint64_t seed = 1) { return Link("api", "127.0.0.1:0", "127.0.0.1:8080", seed); }
}  // namespace

TEST_CASE("Without toxics a link passes bytes at once and keeps half-closes", "[link]") {
    Link l = make_link();
    Recorder r;
    link::Connection* c = l.open(ms(0), &r);
    REQUIRE(c != nullptr);
    CHECK(c->passthrough(up));
    c->on_data(up, ms(5), bytes_of("GET / HTTP/1.1\r\n\r\n"));
    c->on_eof(up, ms(6));
    c->on_data(down, ms(7), bytes_of("HTTP/1.1 200 OK\r\n\r\n"));
    REQUIRE(r.out.size() == 3);
    CHECK(r.out[0].at == ms(5));
    CHECK(r.text(up) == "GET / HTTP/1.1\r\n\r\n");
    CHECK(r.ended_at(up) == ms(6));
    CHECK(r.end_kind(up) == ChunkKind::eof);
    CHECK(r.text(down) == "HTTP/1.1 200 OK\r\n\r\n");  // the other way still flows
    CHECK_FALSE(c->finished());
    c->on_eof(down, ms(8));
    CHECK(c->finished());
    CHECK(c->next_wakeup() == sim::end_of_time);
}

TEST_CASE("latency delays every chunk, in order, on its own stream only", "[link][latency]") {
    Link l = make_link();
    l.add_toxic(toxic(R"({"type": "latency", "attributes": {"latency": 100}})"), ms(0));
    Recorder r;
    link::Connection* c = l.open(ms(0), &r);
    CHECK_FALSE(c->passthrough(down));
    CHECK(c->passthrough(up));  // Toxiproxy's default stream is downstream
    c->on_data(down, ms(10), bytes_of("a"));
    c->on_data(down, ms(20), bytes_of("b"));
    c->on_data(up, ms(20), bytes_of("x"));
    CHECK(r.text(up) == "x");
    CHECK(c->next_wakeup() == ms(110));
    run_until(*c, ms(1000));
    const auto data = r.of(down, ChunkKind::data);
    REQUIRE(data.size() == 2);
    CHECK(data[0].at == ms(110));
    CHECK(data[1].at == ms(120));
    // An eof is not delayed by latency, but never overtakes the data before it.
    c->on_data(down, ms(2000), bytes_of("c"));
    c->on_eof(down, ms(2001));
    run_until(*c, ms(5000));
    CHECK(r.ended_at(down) == ms(2100));
}

TEST_CASE("latency jitter is uniform on [latency - jitter, latency + jitter)", "[link][latency][statistical]") {
    Link l = make_link(42);
    l.add_toxic(toxic(R"({"type": "latency", "attributes": {"latency": 100, "jitter": 40}})"), ms(0));
    Recorder r;
    link::Connection* c = l.open(ms(0), &r);
    constexpr int n = 10'000;
    for (int i = 0; i < n; ++i) {
        c->on_data(down, ms(1000.0 * i), bytes_of("."));  // far apart: order never holds a chunk back
        run_until(*c, ms(1000.0 * i + 999));
    }
    std::vector<double> delays;
    for (std::size_t i = 0; i < r.out.size(); ++i)
        delays.push_back(sim::to_seconds(r.out[i].at - ms(1000.0 * static_cast<double>(i))) * 1000.0);
    REQUIRE(delays.size() == n);
    std::sort(delays.begin(), delays.end());
    CHECK(delays.front() >= 60.0);
    CHECK(delays.back() < 140.0);
    // Kolmogorov-Smirnov against U[60, 140): D < 1.63 / sqrt(n) at the 1 % level.
    double d = 0;
    for (int i = 0; i < n; ++i) {
        const double f = (delays[static_cast<std::size_t>(i)] - 60.0) / 80.0;
        d = std::max({d, std::abs(f - static_cast<double>(i) / n), std::abs(f - static_cast<double>(i + 1) / n)});
    }
    CHECK(d < 1.63 / std::sqrt(double{n}));
}

TEST_CASE("bandwidth paces bytes to the rate, in pieces of at most 100 ms", "[link][bandwidth]") {
    Link l = make_link();
    l.add_toxic(toxic(R"({"type": "bandwidth", "attributes": {"rate": 100}})"), ms(0));  // 100 KB/s
    Recorder r;
    link::Connection* c = l.open(ms(0), &r);
    for (int i = 0; i < 16; ++i) c->on_sized(down, ms(0), 62'500);  // 1,000,000 bytes at t = 0
    run_until(*c, ms(60'000));
    CHECK(r.bytes(down) == 1'000'000);
    const auto data = r.of(down, ChunkKind::data);
    CHECK(data.back().at == ms(10'000));  // 1 MB at 100 KB/s
    std::uint64_t sent = 0;
    for (const Delivery& x : data) {
        CHECK(x.size <= 10'000);  // 100 ms worth
        sent += x.size;
        // Never ahead of the rate: by time t at most 100 bytes per ms have left.
        CHECK(static_cast<double>(sent) <= sim::to_seconds(x.at.time_since_epoch()) * 100'000.0 + 1.0);
    }
    // A chunk arriving on an idle link waits only for its own bytes.
    c->on_sized(down, ms(20'000), 1000);
    run_until(*c, ms(60'000));
    CHECK(r.out.back().at == ms(20'010));
}

TEST_CASE("slow_close delays the close, not the data", "[link][slow_close]") {
    Link l = make_link();
    l.add_toxic(toxic(R"({"type": "slow_close", "attributes": {"delay": 300}})"), ms(0));
    Recorder r;
    link::Connection* c = l.open(ms(0), &r);
    c->on_data(down, ms(10), bytes_of("bye"));
    c->on_eof(down, ms(11));
    CHECK(r.text(down) == "bye");
    CHECK(r.ended_at(down) == sim::end_of_time);
    run_until(*c, ms(10'000));
    CHECK(r.ended_at(down) == ms(311));
    CHECK(r.end_kind(down) == ChunkKind::eof);
}

TEST_CASE("timeout drops data and closes the connection after the last chunk", "[link][timeout]") {
    Link l = make_link();
    l.add_toxic(toxic(R"({"type": "timeout", "attributes": {"timeout": 500}})"), ms(0));
    Recorder r;
    link::Connection* c = l.open(ms(0), &r);
    c->on_data(down, ms(100), bytes_of("lost"));
    c->on_data(down, ms(300), bytes_of("lost too"));
    run_until(*c, ms(799));
    CHECK(r.bytes(down) == 0);
    CHECK(r.ended_at(down) == sim::end_of_time);
    run_until(*c, ms(10'000));
    // Closed 500 ms after the last chunk; the client's side closes behind it.
    CHECK(r.ended_at(down) == ms(800));
    CHECK(r.end_kind(down) == ChunkKind::close);
    CHECK(r.ended_at(up) == ms(800));
    CHECK(c->finished());
}

TEST_CASE("timeout 0 is a black hole until the toxic goes; removing it never hangs", "[link][timeout]") {
    Link l = make_link();
    l.add_toxic(toxic(R"({"name": "hole", "type": "timeout", "attributes": {"timeout": 0}})"), ms(0));
    Recorder r;
    link::Connection* c = l.open(ms(0), &r);
    c->on_data(down, ms(1), bytes_of("into the void"));
    run_until(*c, ms(3'600'000));
    CHECK(c->next_wakeup() == sim::end_of_time);  // nothing will ever happen by itself
    CHECK(r.out.empty());
    // Toxiproxy closes the connections on removal: what was dropped is gone.
    l.remove_toxic("hole", ms(3'600'001));
    CHECK(r.ended_at(down) == ms(3'600'001));
    CHECK(r.ended_at(up) == ms(3'600'001));
    // A new connection flows freely.
    Recorder r2;
    link::Connection* c2 = l.open(ms(3'600'002), &r2);
    c2->on_data(down, ms(3'600'003), bytes_of("ok"));
    CHECK(r2.text(down) == "ok");
}

TEST_CASE("reset_peer resets on the first chunk, at once or after its timeout", "[link][reset_peer]") {
    SECTION("timeout 0") {
        Link l = make_link();
        l.add_toxic(toxic(R"({"type": "reset_peer"})"), ms(0));
        Recorder r;
        link::Connection* c = l.open(ms(0), &r);
        c->on_data(up, ms(5), bytes_of("GET / HTTP/1.1\r\n\r\n"));  // upstream passes
        c->on_data(down, ms(9), bytes_of("HTTP/1.1 200 OK\r\n"));  // the reply triggers it
        CHECK(r.text(up) == "GET / HTTP/1.1\r\n\r\n");
        CHECK(r.bytes(down) == 0);
        CHECK(r.end_kind(down) == ChunkKind::reset);
        CHECK(r.ended_at(down) == ms(9));
        CHECK(r.end_kind(up) == ChunkKind::reset);  // the server's side too
        CHECK(l.stats().connections_reset >= 1);
    }
    SECTION("timeout 200") {
        Link l = make_link();
        l.add_toxic(toxic(R"({"type": "reset_peer", "attributes": {"timeout": 200}})"), ms(0));
        Recorder r;
        link::Connection* c = l.open(ms(0), &r);
        c->on_data(down, ms(10), bytes_of("x"));
        c->on_data(down, ms(20), bytes_of("y"));
        run_until(*c, ms(209));
        CHECK(r.out.empty());
        run_until(*c, ms(1000));
        CHECK(r.ended_at(down) == ms(210));
        CHECK(r.end_kind(down) == ChunkKind::reset);
        CHECK(r.bytes(down) == 0);
    }
}

TEST_CASE("slicer cuts chunks into slices around the average size, delay apart", "[link][slicer]") {
    Link l = make_link(7);
    l.add_toxic(toxic(R"({"type": "slicer", "attributes": {"average_size": 100, "size_variation": 20, "delay": 10}})"),
                ms(0));
    Recorder r;
    link::Connection* c = l.open(ms(0), &r);
    std::string text;
    for (int i = 0; i < 10'000; ++i) text.push_back(static_cast<char>('a' + i % 26));
    c->on_data(down, ms(0), bytes_of(text));
    run_until(*c, ms(10'000));
    CHECK(r.text(down) == text);  // every byte, in order
    const auto slices = r.of(down, ChunkKind::data);
    CHECK(slices.size() > 60);
    sim::Time last{};
    for (const Delivery& s : slices) {
        CHECK(s.size <= 120);  // within size_variation of the average (slicer.go)
        CHECK(s.size >= 1);
        CHECK(s.at - last == sim::Duration{10});  // 10 µs apart, the first one too
        last = s.at;
    }
}

TEST_CASE("limit_data passes exactly N bytes, then closes the connection", "[link][limit_data]") {
    Link l = make_link();
    l.add_toxic(toxic(R"({"type": "limit_data", "attributes": {"bytes": 1000}})"), ms(0));
    Recorder r;
    link::Connection* c = l.open(ms(0), &r);
    c->on_sized(down, ms(1), 600);
    c->on_sized(down, ms(2), 600);
    c->on_sized(down, ms(3), 600);
    CHECK(r.bytes(down) == 1000);
    CHECK(r.end_kind(down) == ChunkKind::close);
    CHECK(r.ended_at(down) == ms(2));
    CHECK(r.end_kind(up) == ChunkKind::close);
    CHECK(c->finished());
}

TEST_CASE("toxicity is drawn once per connection: 0 never fires, 1 always does", "[link][toxicity]") {
    auto share_affected = [](double toxicity, int connections) {
        Link l("p", "127.0.0.1:0", "127.0.0.1:1", 99);
        nlohmann::json t = {{"type", "latency"}, {"toxicity", toxicity}, {"attributes", {{"latency", 50}}}};
        l.add_toxic(link::ToxicSpec::from_json(t), ms(0));
        int affected = 0;
        for (int i = 0; i < connections; ++i) {
            Recorder r;
            link::Connection* c = l.open(ms(i), &r);
            if (!c->passthrough(down)) ++affected;
            // The draw holds for every chunk of the connection.
            c->on_data(down, ms(i), bytes_of("a"));
            c->on_data(down, ms(i), bytes_of("b"));
            run_until(*c, ms(i + 100));
            const auto data = r.of(down, ChunkKind::data);
            CHECK(data[0].at == data[1].at);
            l.close(*c);
        }
        return static_cast<double>(affected) / connections;
    };
    CHECK(share_affected(0.0, 10'000) == 0.0);
    CHECK(share_affected(1.0, 2'000) == 1.0);
    const double p = share_affected(0.3, 10'000);
    CHECK(std::abs(p - 0.3) < 4 * std::sqrt(0.3 * 0.7 / 10'000));
}

TEST_CASE("the same seed gives the same delays; another seed other ones", "[link][reproducible]") {
    auto delays = [](std::uint64_t seed) {
        Link l("p", "127.0.0.1:0", "127.0.0.1:1", seed);
        l.add_toxic(toxic(R"({"type": "latency", "attributes": {"latency": 100, "jitter": 50}})"), ms(0));
        std::vector<sim::Time> at;
        for (int k = 0; k < 3; ++k) {
            Recorder r;
            link::Connection* c = l.open(ms(0), &r);
            for (int i = 0; i < 100; ++i) c->on_data(down, ms(1000.0 * i), bytes_of("x"));
            run_until(*c, ms(1e6));
            for (const Delivery& d : r.out) at.push_back(d.at);
        }
        return at;
    };
    CHECK(delays(5) == delays(5));
    CHECK(delays(5) != delays(6));
}

TEST_CASE("changing toxics takes effect at once on open connections", "[link]") {
    Link l = make_link();
    Recorder r;
    link::Connection* c = l.open(ms(0), &r);
    c->on_data(down, ms(0), bytes_of("a"));
    CHECK(r.out.size() == 1);

    SECTION("a toxic added later acts on what comes after") {
        l.add_toxic(toxic(R"({"name": "slow", "type": "latency", "attributes": {"latency": 1000}})"), ms(10));
        c->on_data(down, ms(20), bytes_of("b"));
        run_until(*c, ms(5000));
        CHECK(r.out.back().at == ms(1020));
    }
    SECTION("removing a latency toxic releases what it holds at that instant") {
        l.add_toxic(toxic(R"({"name": "slow", "type": "latency", "attributes": {"latency": 3600000}})"), ms(10));
        c->on_data(down, ms(20), bytes_of("b"));
        run_until(*c, ms(500));
        CHECK(r.out.size() == 1);
        l.remove_toxic("slow", ms(600));
        CHECK(r.text(down) == "ab");
        CHECK(r.out.back().at == ms(600));
        CHECK(c->next_wakeup() == sim::end_of_time);
    }
    SECTION("removing a bandwidth toxic lets the backlog through") {
        l.add_toxic(toxic(R"({"name": "thin", "type": "bandwidth", "attributes": {"rate": 1}})"), ms(10));
        c->on_sized(down, ms(20), 1'000'000);  // 1000 s at 1 KB/s
        run_until(*c, ms(1000));
        const std::uint64_t before = r.bytes(down);
        CHECK(before < 2'000);
        l.remove_toxic("thin", ms(1500));
        CHECK(r.bytes(down) == 1'000'001);
        CHECK(r.out.back().at == ms(1500));
    }
    SECTION("an update keeps the toxic's place and state") {
        l.add_toxic(toxic(R"({"name": "cap", "type": "limit_data", "attributes": {"bytes": 10}})"), ms(10));
        c->on_sized(down, ms(20), 6);
        l.update_toxic("cap", nlohmann::json::parse(R"({"attributes": {"bytes": 8}})"), ms(30));
        CHECK(l.find_toxic("cap")->attributes["bytes"] == 8);
        c->on_sized(down, ms(40), 6);
        CHECK(r.bytes(down) == 1 + 8);  // 6 before the update, 2 after: the count survived
        CHECK(r.end_kind(down) == ChunkKind::close);
    }
}

TEST_CASE("a disabled link refuses connections and closes the open ones", "[link][enabled]") {
    Link l = make_link();
    Recorder r;
    link::Connection* c = l.open(ms(0), &r);
    c->on_data(up, ms(1), bytes_of("hello"));
    l.set_enabled(false, ms(2));
    CHECK(r.end_kind(up) == ChunkKind::close);
    CHECK(r.end_kind(down) == ChunkKind::close);
    CHECK(c->finished());
    Recorder r2;
    CHECK(l.open(ms(3), &r2) == nullptr);
    CHECK(l.stats().connections_refused == 1);
    l.set_enabled(true, ms(4));
    CHECK(l.open(ms(5), &r2) != nullptr);
}

TEST_CASE("toxic specs follow Toxiproxy's defaults and refuse bad attributes", "[link][spec]") {
    const link::ToxicSpec t = toxic(R"({"type": "latency", "attributes": {"latency": 10}})");
    CHECK(t.name == "latency_downstream");
    CHECK(t.stream == down);
    CHECK(t.toxicity == 1.0);
    CHECK(t.to_json() == nlohmann::json::parse(R"({"name": "latency_downstream", "type": "latency",
        "stream": "downstream", "toxicity": 1.0, "attributes": {"latency": 10.0, "jitter": 0.0}})"));
    auto error_of = [](const char* body) -> std::string {
        try {
            toxic(body);
        } catch (const link::ApiError& e) {
            CHECK(e.status() == 400);
            return e.what();
        }
        return "no error";
    };
    CHECK(error_of(R"({"type": "lag"})") == "invalid toxic type");
    CHECK(error_of(R"({"type": "latency", "stream": "sideways"})") ==
          "stream was invalid, can be either upstream or downstream");
    CHECK_THAT(error_of(R"({"type": "latency", "attributes": {"latency": -5}})"),
               Catch::Contains("attributes.latency") && Catch::Contains(">= 0"));
    CHECK_THAT(error_of(R"({"type": "latency", "toxicity": 1.5})"), Catch::Contains("toxicity"));
    CHECK_THAT(error_of(R"({"type": "bandwidth", "attributes": {"rate": "fast"}})"),
               Catch::Contains("attributes.rate"));
    CHECK_THAT(error_of(R"({"type": "slicer", "attributes": {"average_size": 0}})"),
               Catch::Contains("attributes.average_size"));
    CHECK_THAT(error_of(R"({"type": "http_fault", "stream": "downstream"})"), Catch::Contains("upstream"));
}

}  // namespace link_toxics_test
