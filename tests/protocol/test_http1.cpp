// The HTTP/1.x framer (RFC 9112) the network-link fault injector uses to find
// where requests and responses start and end in raw TCP bytes: start lines and
// header fields, the body-length rules of §6.3, chunked bodies, interim
// responses, tunnels, errors, and that how a stream is split never changes
// what is found in it.
#include <kiosktwin/protocol/http1.hpp>

#include <catch2/catch.hpp>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace protocol_http1_test {

using namespace kiosktwin::protocol::http1;
using Kind = Event::Kind;
using namespace std::string_literals;

namespace {

// One event in stream offsets, with what a different split must not change.
struct Seen {
    Kind kind = Kind::body;
    std::uint64_t begin = 0;
    std::uint64_t end = 0;
    std::string detail;  // head: a summary; error: the message
    bool operator==(const Seen&) const = default;
};

std::string summary(const Head& h) {
    std::string s = h.method + "|" + h.target + "|" + std::to_string(h.status) + "|" + h.reason + "|1." +
                    std::to_string(h.version_minor) + "|" + to_string(h.body_kind) + "|" +
                    std::to_string(h.content_length) + (h.conflicting_framing ? "|conflict" : "");
    for (const Header& f : h.headers) s += "|" + f.name + "=" + f.value;
    return s;
}

struct Setup {
    Role role = Role::request;
    std::vector<std::string> methods;  // responses: the requests answered
    bool eof = false;                  // end the stream after the input
    std::size_t max_head = 64 * 1024;
};

struct Run {
    std::vector<Seen> seen;  // merged where only the split could separate them
    std::vector<std::shared_ptr<const Head>> heads;
    bool failed = false;
    bool in_message = false;
    bool tunnel = false;
    std::uint64_t messages = 0;
    std::string error;
};

// Adds the events of one feed() of `size` bytes (or of feed_eof, size 0),
// checking that their ranges cover the buffer exactly and in order.
void record(Run& run, std::uint64_t& offset, const std::vector<Event>& events, std::size_t size) {
    std::size_t pos = 0;
    for (std::size_t i = 0; i < events.size(); ++i) {
        const Event& e = events[i];
        INFO("event " << i << ": " << to_string(e.kind) << " [" << e.begin << ", " << e.end << ") of " << size);
        REQUIRE(e.begin == pos);
        REQUIRE(e.end >= e.begin);
        REQUIRE(e.end <= size);
        if (e.kind == Kind::message_end) REQUIRE(e.begin == e.end);
        if (e.kind == Kind::head) REQUIRE(e.head != nullptr);
        if (e.kind == Kind::error) {
            REQUIRE(i + 1 == events.size());
            REQUIRE(e.end == size);
            REQUIRE_FALSE(e.error.empty());
        }
        if (e.kind != Kind::message_end && e.kind != Kind::error) REQUIRE(e.end > e.begin);
        pos = e.end;

        Seen s{e.kind, offset + e.begin, offset + e.end, {}};
        if (e.kind == Kind::head) {
            s.detail = summary(*e.head);
            run.heads.push_back(e.head);
        }
        if (e.kind == Kind::error) s.detail = e.error;
        if (!run.seen.empty()) {
            Seen& last = run.seen.back();
            const bool touching = last.end == s.begin;
            if (touching && last.kind == Kind::head_part &&
                (s.kind == Kind::head_part || s.kind == Kind::head || s.kind == Kind::error)) {
                s.begin = last.begin;
                last = s;
                continue;
            }
            if (touching && last.kind == s.kind &&
                (s.kind == Kind::body || s.kind == Kind::tunnel || s.kind == Kind::error)) {
                last.end = s.end;
                continue;
            }
        }
        run.seen.push_back(std::move(s));
    }
    REQUIRE(pos == (events.empty() ? 0 : size));
    offset += size;
}

Run frame_pieces(const Setup& setup, const std::vector<std::string_view>& pieces) {
    Framer f(setup.role, setup.max_head);
    for (const auto& m : setup.methods) f.expect_response_to(m);
    Run run;
    std::uint64_t offset = 0;
    std::vector<Event> events;
    for (const std::string_view piece : pieces) {
        events.clear();
        const std::size_t n = f.feed(piece, events);
        REQUIRE(n == events.size());
        if (piece.empty()) REQUIRE(events.empty());
        record(run, offset, events, piece.size());
    }
    if (setup.eof) {
        events.clear();
        f.feed_eof(events);
        record(run, offset, events, 0);
    }
    run.failed = f.failed();
    run.in_message = f.in_message();
    run.tunnel = f.tunnel();
    run.messages = f.messages_completed();
    run.error = f.error();
    return run;
}

Run frame(const Setup& setup, std::string_view input) { return frame_pieces(setup, {input}); }

Setup responses_to(std::vector<std::string> methods, bool eof = false) {
    Setup s;
    s.role = Role::response;
    s.methods = std::move(methods);
    s.eof = eof;
    return s;
}

// "head 0-40, body 40-45, end@45": the merged events, for compact checks.
std::string shape(const Run& run) {
    std::string s;
    for (const Seen& e : run.seen) {
        if (!s.empty()) s += ", ";
        // Appended piece by piece: g++ 12 warns falsely (-Wrestrict) on "literal" + std::string here.
        if (e.kind == Kind::message_end) {
            s += "end@";
            s += std::to_string(e.begin);
        } else {
            s += to_string(e.kind);
            s += ' ';
            s += std::to_string(e.begin);
            s += '-';
            s += std::to_string(e.end);
        }
    }
    return s;
}

std::string n(std::size_t v) { return std::to_string(v); }

std::string crlfs(std::size_t count) {
    std::string s;
    for (std::size_t i = 0; i < count; ++i) s += "\r\n";
    return s;
}

// The error a stream ends in; the stream must have failed, the error covering the head.
std::string error_of(const Setup& setup, std::string_view input) {
    const Run r = frame(setup, input);
    INFO(input);
    REQUIRE(r.failed);
    REQUIRE_FALSE(r.seen.empty());
    CHECK(r.seen.back().kind == Kind::error);
    CHECK(r.seen.back().end == input.size());
    CHECK(r.seen.back().detail == r.error);
    return r.error;
}

const std::string k_get =
    "GET /api/v1/queue/ticket?site=310115&lang=zh-CN HTTP/1.1\r\n"
    "Host: 127.0.0.1:8080\r\n"
    "User-Agent: KioskUI/2.3 (X11; Linux x86_64) Chromium/108.0\r\n"
    "Accept: application/json\r\n"
    "Connection: keep-alive\r\n"
    "\r\n";

const std::string k_post_body = R"({"idNumber":"110105199001011234","service":"hukou-transfer"})";
const std::string k_post_head =
    "POST /api/v1/cases HTTP/1.1\r\n"
    "Host: gateway.kiosk.local\r\n"
    "Content-Type: application/json; charset=utf-8\r\n"
    "Content-Length: " +
    std::to_string(k_post_body.size()) +
    "\r\n"
    "\r\n";

const std::string k_chunked_head =
    "POST /api/v1/scans HTTP/1.1\r\n"
    "Host: gateway.kiosk.local\r\n"
    "Content-Type: application/octet-stream\r\n"
    "Transfer-Encoding: chunked\r\n"
    "\r\n";
const std::string k_chunked_body =
    "1a;page=\"1\";dpi=300\r\n"
    "abcdefghijklmnopqrstuvwxyz\r\n"
    "A ; last\r\n"
    "0123456789\r\n"
    "0\r\n"
    "X-Checksum: sha256=9f86d081884c7d65\r\n"
    "X-Pages:2\r\n"
    "\r\n";

}  // namespace

TEST_CASE("a GET with keep-alive: one head, parsed, and the message ends with it", "[http1][request]") {
    const Run r = frame({}, k_get);
    CHECK(shape(r) == "head 0-" + n(k_get.size()) + ", end@" + n(k_get.size()));
    REQUIRE(r.heads.size() == 1);
    const Head& h = *r.heads[0];
    CHECK(h.method == "GET");
    CHECK(h.target == "/api/v1/queue/ticket?site=310115&lang=zh-CN");
    CHECK(h.version_minor == 1);
    CHECK(h.status == 0);
    REQUIRE(h.headers.size() == 4);
    CHECK(h.headers[1].name == "User-Agent");
    CHECK(h.headers[1].value == "KioskUI/2.3 (X11; Linux x86_64) Chromium/108.0");
    CHECK(h.find("host") == "127.0.0.1:8080");
    CHECK(h.find("HOST") == "127.0.0.1:8080");
    CHECK_FALSE(h.find("Content-Length").has_value());
    CHECK(h.body_kind == BodyKind::none);
    CHECK(h.keep_alive());
    CHECK(r.messages == 1);
    CHECK_FALSE(r.in_message);
    CHECK_FALSE(r.failed);
}

TEST_CASE("keep-alive: HTTP/1.1 unless close, HTTP/1.0 only with keep-alive", "[http1][head]") {
    const auto head = [](int minor, std::vector<Header> headers, BodyKind body = BodyKind::none) {
        Head h;
        h.version_minor = minor;
        h.headers = std::move(headers);
        h.body_kind = body;
        return h;
    };
    CHECK(head(1, {}).keep_alive());
    CHECK_FALSE(head(1, {{"Connection", "close"}}).keep_alive());
    CHECK_FALSE(head(1, {{"connection", "Upgrade, CLOSE"}}).keep_alive());
    CHECK_FALSE(head(1, {{"Connection", "keep-alive"}, {"Connection", "close"}}).keep_alive());
    CHECK_FALSE(head(0, {}).keep_alive());
    CHECK(head(0, {{"Connection", "Keep-Alive"}}).keep_alive());
    CHECK_FALSE(head(0, {{"Connection", "keep-alive, close"}}).keep_alive());
    CHECK_FALSE(head(1, {}, BodyKind::until_close).keep_alive());
    CHECK_FALSE(head(1, {}, BodyKind::tunnel).keep_alive());
    // From the wire: an HTTP/1.0 request that asks to keep the connection.
    const Run r = frame({}, "GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    REQUIRE(r.heads.size() == 1);
    CHECK(r.heads[0]->version_minor == 0);
    CHECK(r.heads[0]->keep_alive());
}

TEST_CASE("a POST with Content-Length: the body is exactly that many bytes", "[http1][request]") {
    const std::string msg = k_post_head + k_post_body;
    const std::size_t h = k_post_head.size();
    const Run r = frame({}, msg);
    CHECK(shape(r) == "head 0-" + n(h) + ", body " + n(h) + "-" + n(msg.size()) + ", end@" + n(msg.size()));
    REQUIRE(r.heads.size() == 1);
    CHECK(r.heads[0]->body_kind == BodyKind::length);
    CHECK(r.heads[0]->content_length == k_post_body.size());
    CHECK(r.messages == 1);

    // Before the last body byte the message is still open.
    const Run partial = frame({}, std::string_view(msg).substr(0, msg.size() - 1));
    CHECK(partial.in_message);
    CHECK(partial.messages == 0);
}

TEST_CASE("a chunked POST with chunk extensions and trailers", "[http1][request][chunked]") {
    const std::string msg = k_chunked_head + k_chunked_body;
    const std::size_t h = k_chunked_head.size();
    const Run r = frame({}, msg);
    CHECK(shape(r) == "head 0-" + n(h) + ", body " + n(h) + "-" + n(msg.size()) + ", end@" + n(msg.size()));
    REQUIRE(r.heads.size() == 1);
    CHECK(r.heads[0]->body_kind == BodyKind::chunked);
    CHECK_FALSE(r.heads[0]->conflicting_framing);
    CHECK_FALSE(r.failed);

    // Upper- and lower-case hex, leading zeros, whitespace before an extension, no trailers.
    const std::string more = k_chunked_head + "00A\r\n0123456789\r\nb \t;x\r\nhello world\r\n000\r\n\r\n";
    const Run r2 = frame({}, more);
    CHECK(shape(r2) == "head 0-" + n(h) + ", body " + n(h) + "-" + n(more.size()) + ", end@" + n(more.size()));
    // The chunk after the last data is what ends it: without the final CRLF the message is still open.
    const Run open = frame({}, more.substr(0, more.size() - 2));
    CHECK(open.in_message);
    CHECK(open.messages == 0);
}

TEST_CASE("pipelined requests in one buffer are framed one after another", "[http1][request]") {
    const std::string post = k_post_head + k_post_body;
    const std::string chunked = k_chunked_head + k_chunked_body;
    const std::string head = "HEAD /static/logo.png HTTP/1.1\r\nHost: a\r\n\r\n";
    const std::string all = k_get + post + chunked + head;
    const Run r = frame({}, all);
    std::size_t at = 0;
    std::string want;
    const auto add = [&](std::size_t head_size, std::size_t total) {
        if (!want.empty()) want += ", ";
        want += "head " + n(at) + "-" + n(at + head_size);
        if (total > head_size) want += ", body " + n(at + head_size) + "-" + n(at + total);
        at += total;
        want += ", end@" + n(at);
    };
    add(k_get.size(), k_get.size());
    add(k_post_head.size(), post.size());
    add(k_chunked_head.size(), chunked.size());
    add(head.size(), head.size());
    CHECK(shape(r) == want);
    REQUIRE(r.heads.size() == 4);
    CHECK(r.heads[0]->method == "GET");
    CHECK(r.heads[1]->method == "POST");
    CHECK(r.heads[2]->body_kind == BodyKind::chunked);
    CHECK(r.heads[3]->method == "HEAD");
    CHECK(r.messages == 4);
}

TEST_CASE("100 Continue is interim: it has no body and the final response still answers the request",
          "[http1][response]") {
    const std::string cont = "HTTP/1.1 100 Continue\r\n\r\n";
    const std::string hints = "HTTP/1.1 103 Early Hints\r\nLink: </app.css>; rel=preload; as=style\r\n\r\n";
    const std::string ok_head = "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 27\r\n\r\n";
    const std::string ok_body = R"({"code":0,"msg":"ok","d":1})";
    // The next request was a HEAD: had the 100 used up the POST, the 201's body would be taken for a head.
    const std::string head_answer = "HTTP/1.1 200 OK\r\nContent-Length: 4096\r\n\r\n";
    const std::string all = cont + hints + ok_head + ok_body + head_answer;
    const Run r = frame(responses_to({"POST", "HEAD"}), all);
    std::size_t a = cont.size(), b = a + hints.size(), c = b + ok_head.size(), d = c + ok_body.size();
    CHECK(shape(r) == "head 0-" + n(a) + ", end@" + n(a) + ", head " + n(a) + "-" + n(b) + ", end@" + n(b) +
                          ", head " + n(b) + "-" + n(c) + ", body " + n(c) + "-" + n(d) + ", end@" + n(d) +
                          ", head " + n(d) + "-" + n(all.size()) + ", end@" + n(all.size()));
    REQUIRE(r.heads.size() == 4);
    CHECK(r.heads[0]->informational());
    CHECK(r.heads[0]->reason == "Continue");
    CHECK(r.heads[1]->status == 103);
    CHECK(r.heads[2]->status == 201);
    CHECK_FALSE(r.heads[2]->informational());
    CHECK(r.heads[3]->body_kind == BodyKind::none);
    CHECK(r.messages == 4);  // interim responses count
    CHECK_FALSE(r.failed);
}

TEST_CASE("a response to HEAD has no body, whatever its Content-Length says", "[http1][response]") {
    const std::string to_head = "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 5120\r\n\r\n";
    const std::string to_get = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    const Run r = frame(responses_to({"HEAD", "GET"}), to_head + to_get);
    const std::size_t a = to_head.size(), total = a + to_get.size();
    CHECK(shape(r) == "head 0-" + n(a) + ", end@" + n(a) + ", head " + n(a) + "-" + n(total - 2) + ", body " +
                          n(total - 2) + "-" + n(total) + ", end@" + n(total));
    // Without the pending HEAD the same bytes frame differently: the response is taken to answer a GET.
    const Run as_get = frame(responses_to({}), to_head + to_get);
    CHECK(as_get.messages == 0);
    CHECK(as_get.in_message);
}

TEST_CASE("204 and 304 have no body even with Content-Length or Transfer-Encoding", "[http1][response]") {
    const std::string no_content = "HTTP/1.1 204 No Content\r\nContent-Length: 10\r\n\r\n";
    const std::string not_modified =
        "HTTP/1.1 304 Not Modified\r\nETag: \"5f3a-1c\"\r\nTransfer-Encoding: chunked\r\n\r\n";
    const std::string empty = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    const std::string all = no_content + not_modified + empty;
    const Run r = frame(responses_to({"DELETE", "GET", "GET"}), all);
    const std::size_t a = no_content.size(), b = a + not_modified.size();
    CHECK(shape(r) == "head 0-" + n(a) + ", end@" + n(a) + ", head " + n(a) + "-" + n(b) + ", end@" + n(b) +
                          ", head " + n(b) + "-" + n(all.size()) + ", end@" + n(all.size()));
    REQUIRE(r.heads.size() == 3);
    CHECK(r.heads[0]->body_kind == BodyKind::none);
    CHECK(r.heads[2]->body_kind == BodyKind::length);
    CHECK(r.heads[2]->content_length == 0);
}

TEST_CASE("a response without length is read until the server closes", "[http1][response][eof]") {
    const std::string head = "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\n";
    const std::string all = head + "queue length: 12\nwait: 4 min\n";
    const Run open = frame(responses_to({"GET"}), all);
    CHECK(shape(open) == "head 0-" + n(head.size()) + ", body " + n(head.size()) + "-" + n(all.size()));
    CHECK(open.in_message);
    REQUIRE(open.heads.size() == 1);
    CHECK(open.heads[0]->body_kind == BodyKind::until_close);
    CHECK_FALSE(open.heads[0]->keep_alive());

    const Run closed = frame(responses_to({"GET"}, true), all);
    CHECK(shape(closed) == shape(open) + ", end@" + n(all.size()));
    CHECK(closed.messages == 1);
    CHECK_FALSE(closed.failed);

    // A transfer coding other than chunked last: also until close (RFC 9112 §6.3 ¶4).
    const Run gz = frame(responses_to({"GET"}, true), "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n\x1f\x8b\x08");
    REQUIRE(gz.heads.size() == 1);
    CHECK(gz.heads[0]->body_kind == BodyKind::until_close);
    CHECK(gz.messages == 1);
}

TEST_CASE("a stream cut short is an error at EOF; between messages EOF is clean", "[http1][eof]") {
    const std::string post = k_post_head + k_post_body;
    const std::string cut = post.substr(0, k_post_head.size() + 5);
    const Run r = frame({Role::request, {}, true}, cut);
    CHECK(r.failed);
    CHECK(r.error == "the stream ended after 5 of " + n(k_post_body.size()) + " body bytes");
    CHECK(shape(r) == "head 0-" + n(k_post_head.size()) + ", body " + n(k_post_head.size()) + "-" + n(cut.size()) +
                          ", error " + n(cut.size()) + "-" + n(cut.size()));

    const std::string chunked = k_chunked_head + k_chunked_body;
    CHECK(frame({Role::request, {}, true}, chunked.substr(0, chunked.size() - 1)).error ==
          "the stream ended inside a chunked body");
    const Run in_head = frame({Role::request, {}, true}, k_get.substr(0, 20));
    CHECK(in_head.error == "the stream ended inside a message head");
    CHECK(shape(in_head) == "error 0-20");  // the head's bytes and the error are one range

    const Run clean = frame({Role::request, {}, true}, k_get + post);
    CHECK_FALSE(clean.failed);
    CHECK(clean.messages == 2);
    const Run blank = frame({Role::request, {}, true}, k_get + "\r\n");  // an empty line is not a message
    CHECK_FALSE(blank.failed);
    CHECK(frame({Role::request, {}, true}, "").seen.empty());
}

TEST_CASE("CONNECT answered with 2xx opens a tunnel; a refusal does not", "[http1][tunnel]") {
    const std::string connect =
        "CONNECT kiosk-gw.gov.example:443 HTTP/1.1\r\nHost: kiosk-gw.gov.example:443\r\n"
        "Proxy-Authorization: Basic a2lvc2s6c2VjcmV0\r\n\r\n";
    const std::string client_hello("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11);
    const std::string established = "HTTP/1.1 200 Connection Established\r\nContent-Length: 99\r\n\r\n";
    const std::string server_hello("\x16\x03\x03\x00\x7a\x02\x00\x00\x76\x03\x03", 11);

    Framer requests(Role::request);
    Framer responses(Role::response);
    std::vector<Event> ev;
    requests.feed(connect, ev);
    REQUIRE(ev.size() == 2);
    REQUIRE(ev[0].kind == Kind::head);
    CHECK(ev[0].head->target == "kiosk-gw.gov.example:443");
    responses.expect_response_to(ev[0].head->method);

    ev.clear();
    responses.feed(established + server_hello, ev);
    REQUIRE(ev.size() == 3);
    CHECK(ev[0].kind == Kind::head);
    CHECK(ev[0].head->body_kind == BodyKind::tunnel);  // the Content-Length of a 2xx to CONNECT means nothing
    CHECK(ev[1].kind == Kind::message_end);
    CHECK(ev[2].kind == Kind::tunnel);
    CHECK(ev[2].begin == established.size());
    CHECK(ev[2].end == established.size() + server_hello.size());
    CHECK(responses.tunnel());
    CHECK_FALSE(responses.in_message());

    // The request side learns of it from the response side.
    CHECK_FALSE(requests.tunnel());
    requests.enter_tunnel();
    ev.clear();
    requests.feed(client_hello, ev);
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].kind == Kind::tunnel);
    CHECK(requests.tunnel());
    ev.clear();
    requests.feed_eof(ev);
    responses.feed_eof(ev);
    CHECK(ev.empty());
    CHECK_FALSE(requests.failed());

    // 407: an ordinary response with a body, then the next response.
    const std::string denied = "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"gw\"\r\n"
                               "Content-Length: 6\r\n\r\ndenied";
    const std::string ok = "HTTP/1.1 200 OK\r\n\r\n";
    const Run r = frame(responses_to({"CONNECT", "CONNECT"}), denied + ok + "tls");
    CHECK_FALSE(r.failed);
    CHECK(r.tunnel);
    CHECK(shape(r) == "head 0-" + n(denied.size() - 6) + ", body " + n(denied.size() - 6) + "-" + n(denied.size()) +
                          ", end@" + n(denied.size()) + ", head " + n(denied.size()) + "-" +
                          n(denied.size() + ok.size()) + ", end@" + n(denied.size() + ok.size()) + ", tunnel " +
                          n(denied.size() + ok.size()) + "-" + n(denied.size() + ok.size() + 3));
}

TEST_CASE("101 Switching Protocols: the bytes after it are not HTTP", "[http1][tunnel]") {
    const std::string upgrade =
        "GET /ws/queue HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";
    const Run req = frame({}, upgrade);
    REQUIRE(req.heads.size() == 1);
    CHECK(req.heads[0]->find("upgrade") == "websocket");
    CHECK_FALSE(req.tunnel);  // a request stream cannot know the answer

    const std::string switching = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                                  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n";
    const std::string frame_bytes("\x81\x05hello\x88\x00", 9);
    const Run r = frame(responses_to({"GET"}, true), switching + frame_bytes);
    const std::size_t a = switching.size();
    CHECK(shape(r) == "head 0-" + n(a) + ", end@" + n(a) + ", tunnel " + n(a) + "-" + n(a + frame_bytes.size()));
    CHECK(r.tunnel);
    CHECK_FALSE(r.failed);
    REQUIRE(r.heads.size() == 1);
    CHECK(r.heads[0]->body_kind == BodyKind::tunnel);
    CHECK_FALSE(r.heads[0]->keep_alive());
}

TEST_CASE("malformed start lines and header fields are errors that say what was wrong", "[http1][errors]") {
    const Setup req;
    const Setup resp = responses_to({"GET"});
    struct Case {
        const Setup* setup;
        std::string input;
        std::string says;
    };
    const Case cases[] = {
        {&req, "GET / HTTP/1.1\nHost: a\n\n", "bare LF"},
        {&req, "\nGET / HTTP/1.1\r\n\r\n", "bare LF"},
        {&req, "GET  / HTTP/1.1\r\n\r\n", "a malformed request line"},
        {&req, "GET /\r\n\r\n", "a malformed request line"},
        {&req, "GET / HTTP/1.1 x\r\n\r\n", "a malformed request line"},
        {&req, "GET / HTTP/2.0\r\n\r\n", "an unsupported HTTP version: \"HTTP/2.0\""},
        {&req, "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "an unsupported HTTP version"},
        {&req, "GET / http/1.1\r\n\r\n", "a malformed HTTP version"},
        {&req, "GET / HTTP/1.10\r\n\r\n", "a malformed HTTP version"},
        {&req, "G(T / HTTP/1.1\r\n\r\n", "an invalid method"},
        {&req, std::string("GET /a\x01z HTTP/1.1\r\n\r\n"), "an invalid request target in request line \"GET /a\\x01z"},
        {&req, "GET / HTTP/1.1\r\nHost : a\r\n\r\n", "whitespace between a header name and its colon"},
        {&req, "GET / HTTP/1.1\r\nHost: a\r\nX-Long: b\r\n  c\r\n\r\n", "obs-fold"},
        {&req, "GET / HTTP/1.1\r\n Host: a\r\n\r\n", "whitespace between the start line and the first header field"},
        {&req, "GET / HTTP/1.1\r\nHost a\r\n\r\n", "a header line without a colon: \"Host a\""},
        {&req, "GET / HTTP/1.1\r\n: a\r\n\r\n", "a header line with an empty name"},
        {&req, "GET / HTTP/1.1\r\nX[y]: a\r\n\r\n", "an invalid header name: \"X[y]\""},
        {&req, "GET / HTTP/1.1\r\nX-Id: a\0b\r\n\r\n"s, "a control character in the value of header \"X-Id\""},
        {&req, "GET / HTTP/1.1\r\nX-Id: a\rb\r\n\r\n", "a control character in the value"},
        {&req, "GET / HTTP/1.1\r\nHost: a\r\r\n\r\n", "a control character in the value"},
        {&resp, "HTTP/1.1 20 OK\r\n\r\n", "a malformed status line"},
        {&resp, "HTTP/1.1 099 Odd\r\n\r\n", "a malformed status line"},
        {&resp, "HTTP/1.1 2000 OK\r\n\r\n", "a malformed status line"},
        {&resp, "HTTP/1.1 200OK\r\n\r\n", "a malformed status line"},
        {&resp, "ICY 200 OK\r\n\r\n", "a malformed HTTP version"},
        {&resp, "HTTP/2 200\r\n\r\n", "a malformed HTTP version"},
        {&resp, "HTTP/3.0 200 OK\r\n\r\n", "an unsupported HTTP version"},
        {&resp, "HTTP/1.1 200 O\x7fK\r\n\r\n", "a control character in the reason phrase"},
        {&resp, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\tx\r\n\r\nok", "obs-fold"},
    };
    for (const Case& c : cases) {
        INFO(c.input);
        const std::string e = error_of(*c.setup, c.input);
        CHECK_THAT(e, Catch::Contains(c.says));
    }
    // The quoted input is cut short: a message stays readable whatever arrived.
    CHECK(error_of(req, "GET " + std::string(5000, 'a') + "\r\n\r\n").size() < 200);
}

TEST_CASE("Content-Length: digits only, duplicates must agree, and it must fit in 64 bits", "[http1][length]") {
    const auto post = [](const std::string& fields) { return "POST /api HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n"; };
    for (const char* bad : {"12a", "-1", "+5", "0x10", "1 2", "5,", ""}) {
        INFO(bad);
        CHECK_THAT(error_of({}, post("Content-Length: " + std::string(bad) + "\r\n")),
                   Catch::StartsWith("an invalid Content-Length"));
    }
    CHECK(error_of({}, post("Content-Length: 5, 6\r\n")) == "Content-Length values that differ: 5 and 6");
    CHECK(error_of({}, post("Content-Length: 5\r\ncontent-length: 6\r\n")) ==
          "Content-Length values that differ: 5 and 6");
    CHECK(error_of({}, post("Content-Length: 18446744073709551616\r\n")) ==
          "a Content-Length too large for 64 bits: \"18446744073709551616\"");
    CHECK_THAT(error_of({}, post("Content-Length: 99999999999999999999999\r\n")), Catch::Contains("too large"));

    // Equal duplicates, lists of equal values, leading zeros and whitespace are fine.
    for (const char* fields : {"Content-Length: 5\r\nContent-Length: 5\r\n", "Content-Length: 5 , 005\r\n",
                               "Content-Length:\t5 \r\n"}) {
        const Run r = frame({}, post(fields) + "hello");
        INFO(fields);
        CHECK_FALSE(r.failed);
        CHECK(r.messages == 1);
    }
    const Run max = frame({}, post("Content-Length: 18446744073709551615\r\n") + "x");
    REQUIRE(max.heads.size() == 1);
    CHECK(max.heads[0]->content_length == UINT64_MAX);
    CHECK(max.in_message);
}

TEST_CASE("Transfer-Encoding: chunked last wins over Content-Length; anything else in a request is an error",
          "[http1][chunked]") {
    const auto post = [](const std::string& fields) { return "POST /up HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n"; };
    const std::string body = "5\r\nhello\r\n0\r\n\r\n";

    const Run both = frame({}, post("Content-Length: 3\r\nTransfer-Encoding: chunked\r\n") + body);
    REQUIRE(both.heads.size() == 1);
    CHECK(both.heads[0]->body_kind == BodyKind::chunked);
    CHECK(both.heads[0]->conflicting_framing);
    CHECK(both.messages == 1);
    CHECK_FALSE(both.failed);

    // Codings may come as a list, over several fields, in any case; the last one counts.
    for (const char* te : {"Transfer-Encoding: gzip, chunked\r\n", "Transfer-Encoding: gzip\r\nTransfer-Encoding: CHUNKED\r\n",
                           "Transfer-Encoding: , chunked ,\r\n"}) {
        INFO(te);
        const Run r = frame({}, post(te) + body);
        CHECK(r.messages == 1);
        CHECK_FALSE(r.failed);
    }

    CHECK_THAT(error_of({}, post("Transfer-Encoding: gzip\r\n")),
               Catch::StartsWith("a request Transfer-Encoding that does not end in chunked"));
    CHECK_THAT(error_of({}, post("Transfer-Encoding: chunked, gzip\r\n")),
               Catch::StartsWith("a request Transfer-Encoding that does not end in chunked"));
    CHECK_THAT(error_of({}, post("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n")),
               Catch::StartsWith("a Transfer-Encoding that applies chunked twice"));
    CHECK(error_of({}, post("Transfer-Encoding: \r\n")) == "an empty Transfer-Encoding");
    CHECK_THAT(error_of({}, post("Transfer-Encoding: chunk\"ed\r\n")), Catch::StartsWith("an invalid Transfer-Encoding"));
    CHECK_THAT(error_of({}, "POST /up HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n"),
               Catch::StartsWith("Transfer-Encoding in an HTTP/1.0 message"));
    CHECK_THAT(error_of(responses_to({"GET"}), "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"),
               Catch::StartsWith("Transfer-Encoding in an HTTP/1.0 message"));

    // A response: chunked last is chunked; another coding last reads until close.
    const Run resp = frame(responses_to({"GET"}), "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                                                  "Content-Length: 999\r\n\r\n" + body + "HTTP/1.1 204 No Content\r\n\r\n");
    CHECK(resp.messages == 2);
    CHECK_FALSE(resp.failed);
}

TEST_CASE("chunked bodies: a wrong byte is an error from that byte on", "[http1][chunked][errors]") {
    const std::size_t h = k_chunked_head.size();
    struct Case {
        std::string body;
        std::size_t bad_at;  // offset in the body of the byte that is wrong
        std::string says;
    };
    const Case cases[] = {
        {"zz\r\n", 0, "a chunk size that is not hexadecimal: 'z'"},
        {";x\r\n", 0, "a chunk size that is not hexadecimal: ';'"},
        {"1g\r\nx\r\n", 1, "a chunk size followed by 'g'"},
        {"5 x\r\n", 2, "a chunk size followed by 'x'"},
        {"10000000000000000\r\n", 16, "a chunk size too large for 64 bits"},
        {"5\nhello", 1, "a chunk size followed by \\x0A"},
        {"5\r\rhello", 2, "a chunk-size line with a CR not followed by LF"},
        {"5;a=\x01\r\nhello", 4, "a chunk extension holding \\x01"},
        {"3\r\nabcd\r\n", 6, "chunk data longer than its size (followed by 'd')"},
        {"3\r\nabc\r\r", 7, "chunk data followed by a CR without LF"},
        {"0\r\n X: y\r\n\r\n", 3, "a folded trailer line (obs-fold)"},
        {"0\r\nX y: z\r\n\r\n", 4, "a trailer field name holding ' '"},
        {"0\r\n:y\r\n\r\n", 3, "a trailer field name starting with ':'"},
        {"0\r\nX: \x7f\r\n\r\n", 6, "a trailer field value holding \\x7F"},
        {"0\r\nX: y\rZ\r\n", 8, "a trailer line with a CR not followed by LF"},
        {"0\r\n\rX", 4, "a trailer section whose last line has a CR not followed by LF"},
    };
    for (const Case& c : cases) {
        const std::string msg = k_chunked_head + c.body;
        INFO(msg);
        const Run r = frame({}, msg);
        REQUIRE(r.failed);
        CHECK(r.error == c.says);
        const std::size_t at = h + c.bad_at;
        const std::string body_part = c.bad_at > 0 ? ", body " + n(h) + "-" + n(at) : "";
        CHECK(shape(r) == "head 0-" + n(h) + body_part + ", error " + n(at) + "-" + n(msg.size()));
    }
}

TEST_CASE("after an error every later byte is one error event; the framer stays failed", "[http1][errors]") {
    Framer f(Role::request);
    std::vector<Event> ev;
    CHECK(f.feed(std::string_view("GET / HTTP/1.1\r\nBad Header\r\n\r\nGET / HTTP/1.1\r\n\r\n"), ev) == 1);
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].kind == Kind::error);
    CHECK(f.failed());
    const std::string why = f.error();
    CHECK(why == "a header line without a colon: \"Bad Header\"");
    for (std::string_view more : {"GET / HTTP/1.1\r\n\r\n", "x", "\r\n\r\n"}) {
        ev.clear();
        CHECK(f.feed(more, ev) == 1);
        REQUIRE(ev.size() == 1);
        CHECK(ev[0].kind == Kind::error);
        CHECK(ev[0].begin == 0);
        CHECK(ev[0].end == more.size());
        CHECK(ev[0].error == why);
    }
    ev.clear();
    CHECK(f.feed(std::string_view(), ev) == 0);
    f.feed_eof(ev);
    CHECK(ev.empty());
    CHECK_FALSE(f.in_message());
    CHECK(f.messages_completed() == 0);

    // Bytes after feed_eof are an error too.
    Framer g(Role::response);
    g.feed_eof(ev);
    CHECK(ev.empty());
    CHECK(g.feed(std::string_view("HTTP/1.1 200 OK\r\n"), ev) == 1);
    CHECK(g.failed());
    CHECK(g.error() == "bytes after the end of the stream");
}

TEST_CASE("empty lines before a start line are skipped, and count toward the head", "[http1][head]") {
    const std::string post = k_post_head + k_post_body;
    // Some clients send CRLF after a POST body; some servers after a response.
    const std::string all = "\r\n\r\n" + k_get + post + "\r\n" + k_get;
    const Run r = frame({}, all);
    CHECK(r.messages == 3);
    CHECK_FALSE(r.failed);
    CHECK(shape(r).rfind("head 0-" + n(4 + k_get.size()) + ",", 0) == 0);
    const std::size_t third = 4 + k_get.size() + post.size();
    CHECK_THAT(shape(r), Catch::EndsWith("head " + n(third) + "-" + n(all.size()) + ", end@" + n(all.size())));

    const Run resp = frame(responses_to({"GET", "GET"}), "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok\r\n"
                                                         "HTTP/1.1 204 No Content\r\n\r\n");
    CHECK(resp.messages == 2);
    CHECK_FALSE(resp.failed);

    // Only empty lines: not a message yet, and a clean end.
    const Run blank = frame({Role::request, {}, true}, "\r\n\r\n\r");
    CHECK_FALSE(blank.failed);
    CHECK(shape(blank) == "head_part 0-5");

    Setup small;
    small.max_head = 20;
    std::string crlfs;
    for (int i = 0; i < 11; ++i) crlfs += "\r\n";
    CHECK(error_of(small, crlfs) == "a message head longer than 20 bytes");
}

TEST_CASE("a request stream fails at its first byte that cannot begin a request line, LF or not",
          "[http1][errors][method]") {
    // A TLS ClientHello has no LF to wait for: its first byte is no method.
    const std::string hello("\x16\x03\x01\x00\x05\x01\x00\x00\x01\x03", 10);
    Framer f(Role::request);
    std::vector<Event> ev;
    CHECK(f.feed(hello, ev) == 1);
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].kind == Kind::error);
    CHECK(ev[0].end == hello.size());
    CHECK(f.error() == "an invalid method in request line \"\\x16\"");

    struct Case {
        std::string input;  // no LF: nothing more is needed for the verdict
        std::string says;
    };
    const std::string longest(Framer::max_method_bytes, 'M');
    const Case cases[] = {
        {"G(", "an invalid method in request line \"G(\""},
        {" GET", "a malformed request line (want METHOD SP TARGET SP HTTP/1.x): \" \""},
        {"GET\r", "a malformed request line (want METHOD SP TARGET SP HTTP/1.x): \"GET\\x0D\""},
        {"\r\r", "a malformed request line (want METHOD SP TARGET SP HTTP/1.x): \"\\x0D\\x0D\""},
        {"\r\nG\x00T"s, "an invalid method in request line \"G\\x00\""},
        {"GET / HTTP/1.1\r\n\r\n\x80", "an invalid method in request line \"\\x80\""},  // the next request
        {longest + "M", "a method longer than 32 bytes in request line \"" + longest + "M\""},
    };
    for (const Case& c : cases) {
        INFO(c.input);
        CHECK(error_of({}, c.input) == c.says);
    }

    // What can still begin a request line waits for more.
    for (const std::string& maybe : {std::string("GET"), std::string("\r"), std::string("\r\n\r"), longest,
                                     longest + " /x", std::string("HELO there")}) {
        INFO(maybe);
        const Run r = frame({}, maybe);
        CHECK_FALSE(r.failed);
        CHECK(shape(r) == "head_part 0-" + n(maybe.size()));
    }
    // The longest method is a method.
    const Run ok = frame({}, longest + " / HTTP/1.1\r\n\r\n");
    CHECK(ok.messages == 1);
    REQUIRE(ok.heads.size() == 1);
    CHECK(ok.heads[0]->method == longest);
    // The response side has no method to judge: a status line waits for its LF.
    CHECK_FALSE(frame(responses_to({"GET"}), "\x16\x03").failed);

    // A byte past the head's limit is "too long" however bad it is; one within it says what was wrong.
    Setup six;
    six.max_head = 6;
    CHECK(error_of(six, "\r\n\r\n\r\n(") == "a message head longer than 6 bytes");
    six.max_head = 7;
    CHECK(error_of(six, "\r\n\r\n\r\n(") == "an invalid method in request line \"(\"");
}

TEST_CASE("start_line_read: from a request line's LF to the end of its message", "[http1][head]") {
    Framer f(Role::request);
    std::vector<Event> ev;
    CHECK_FALSE(f.start_line_read());
    f.feed(std::string_view("\r\nPOST /x HTTP/1.1"), ev);
    CHECK_FALSE(f.start_line_read());
    f.feed(std::string_view("\r\nContent-Length: 2\r\n"), ev);
    CHECK(f.start_line_read());
    f.feed(std::string_view("\r\no"), ev);
    CHECK(f.start_line_read());  // in the body
    f.feed(std::string_view("k"), ev);
    CHECK_FALSE(f.start_line_read());
    CHECK(f.messages_completed() == 1);
}

TEST_CASE("a head longer than max_head_bytes is an error, split or not", "[http1][head]") {
    const std::string get = "GET /x HTTP/1.1\r\nHost: a\r\n\r\n";  // 28 bytes
    Setup exact;
    exact.max_head = get.size();
    CHECK(frame(exact, get).messages == 1);
    Setup less;
    less.max_head = get.size() - 1;
    CHECK(error_of(less, get) == "a message head longer than 27 bytes");
    // A line that never ends fails as soon as it is too long.
    Framer f(Role::request, 1000);
    std::vector<Event> ev;
    f.feed(std::string_view("GET /"), ev);
    f.feed(std::string(95, 'a'), ev);
    for (int i = 1; i < 9; ++i) f.feed(std::string(100, 'a'), ev);
    CHECK_FALSE(f.failed());
    f.feed(std::string(101, 'a'), ev);
    CHECK(f.failed());
    // Each message has its own allowance.
    exact.eof = true;
    CHECK(frame(exact, get + get + get).messages == 3);
    // Trailers are limited the same way.
    Setup trailer_limit;
    trailer_limit.max_head = k_chunked_head.size();
    const Run r = frame(trailer_limit, k_chunked_head + "0\r\nX-Sig: " + std::string(k_chunked_head.size(), 'f') +
                                           "\r\n\r\n");
    CHECK(r.error == "a trailer section longer than " + n(k_chunked_head.size()) + " bytes");
}

TEST_CASE("a body of any length is framed without buffering it", "[http1][length]") {
    Framer f(Role::response);
    f.expect_response_to("GET");
    std::vector<Event> ev;
    const std::string head = "HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: 1000000000000\r\n\r\n";
    CHECK(f.feed(head, ev) == 1);
    const std::vector<std::uint8_t> mib(1 << 20, 0x42);
    for (int i = 0; i < 64; ++i) {
        ev.clear();
        REQUIRE(f.feed(mib, ev) == 1);
        CHECK(ev[0].kind == Kind::body);
        CHECK(ev[0].begin == 0);
        CHECK(ev[0].end == mib.size());
    }
    CHECK(f.in_message());
    ev.clear();
    f.feed_eof(ev);
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].error == "the stream ended after 67108864 of 1000000000000 body bytes");

    // A chunk of any size, likewise.
    Framer g(Role::request);
    ev.clear();
    g.feed(k_chunked_head + "FFFFFFFFFFFF\r\n", ev);
    for (int i = 0; i < 8; ++i) {
        ev.clear();
        REQUIRE(g.feed(mib, ev) == 1);
        CHECK(ev[0].kind == Kind::body);
    }
    CHECK(g.in_message());
}

TEST_CASE("events are appended; heads outlive the next feed; responses without a request answer a GET",
          "[http1][api]") {
    Framer f(Role::request);
    f.expect_response_to("HEAD");  // ignored on a request stream
    CHECK(f.role() == Role::request);
    std::vector<Event> ev(2);
    CHECK(f.feed(k_get, ev) == 2);
    REQUIRE(ev.size() == 4);
    const std::shared_ptr<const Head> first = ev[2].head;
    CHECK(f.feed(k_get + k_get, ev) == 4);
    CHECK(first->method == "GET");
    CHECK(f.messages_completed() == 3);

    Framer r(Role::response);
    ev.clear();
    r.feed(std::string_view("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 200 OK\r\n\r\n"), ev);
    CHECK(r.messages_completed() == 1);
    CHECK(r.in_message());  // the second, without length, reads until close

    CHECK(std::string(to_string(Kind::message_end)) == "message_end");
    CHECK(std::string(to_string(BodyKind::until_close)) == "until_close");
}

TEST_CASE("splitting a stream anywhere finds the same messages", "[http1][split]") {
    const std::string post = k_post_head + k_post_body;
    const std::string chunked = k_chunked_head + k_chunked_body;
    struct Stream {
        Setup setup;
        std::string bytes;
    };
    const Setup req;
    const Setup req_eof{Role::request, {}, true};
    Setup small = req;
    small.max_head = 64;
    const std::vector<Stream> streams = {
        {req, k_get + post + chunked},
        {req_eof, "\r\n" + k_get + "\r\n" + post},
        {req_eof, post.substr(0, post.size() - 3)},
        {req_eof, chunked.substr(0, chunked.size() - 4)},
        {req, k_get.substr(0, 30)},
        {req, "GET / HTTP/1.1\r\nHost: a\r\n  folded\r\n\r\n" + k_get},
        {req, k_chunked_head + "5\r\nhelloX\r\n0\r\n\r\n"},
        {req, k_chunked_head + "5;ext=\"v\"\r\nhello\r\n0\r\nT: 1\r\nBad Trailer\r\n\r\n"},
        {req, "POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd"},
        {small, k_get},
        {small, "GET / HTTP/1.1\r\n\r\n" + std::string(100, '\r')},
        {req, "GET / HTTP/1.1\nHost: a\n\n"},
        {responses_to({"POST", "HEAD", "GET"}, true),
         "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nokayHTTP/1.1 200 OK\r\n"
         "Content-Length: 9\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwiki\r\n0\r\n\r\n"
         "HTTP/1.0 200 OK\r\n\r\nthe rest until close"},
        {responses_to({"CONNECT"}, true), "HTTP/1.1 200 Connection Established\r\n\r\n\x16\x03\x01\x02\x00\x01"s},
        {responses_to({"GET"}, true), "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x02hi"},
        {responses_to({"GET"}, true), "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"},
        {responses_to({"GET"}), "HTTP/1.1 2OO OK\r\n\r\n"},
        {req, "\x16\x03\x01\x00\x05\x01\x00\x00\x01\x03"s},
        {req, k_get + "\r\n" + std::string(40, 'A') + " / HTTP/1.1\r\n\r\n"},
        {req, k_get + "\r\r\n" + k_get},
        {req_eof, "\r\nGET\r\n"},
        {small, crlfs(31) + "(x"},  // '(' is byte 62 of a head of at most 64: a bad method
        {small, crlfs(32) + "(x"},  // byte 64: too long
    };
    std::mt19937_64 random(20240611);  // fixed: the same splits every run
    for (const Stream& s : streams) {
        const std::string& b = s.bytes;
        INFO(b);
        const Run whole = frame(s.setup, b);
        const std::string_view v(b);
        // Every single cut.
        for (std::size_t i = 0; i <= b.size(); ++i) {
            INFO("cut at " << i);
            const Run split = frame_pieces(s.setup, {v.substr(0, i), v.substr(i)});
            REQUIRE(split.seen == whole.seen);
            REQUIRE(split.messages == whole.messages);
            REQUIRE(split.failed == whole.failed);
            REQUIRE(split.in_message == whole.in_message);
            REQUIRE(split.tunnel == whole.tunnel);
        }
        // Byte by byte, with an empty feed between each.
        std::vector<std::string_view> bytes;
        for (std::size_t i = 0; i < b.size(); ++i) {
            bytes.push_back(v.substr(i, 1));
            bytes.push_back(v.substr(i, 0));
        }
        CHECK(frame_pieces(s.setup, bytes).seen == whole.seen);
        // Random pieces.
        for (int trial = 0; trial < 200; ++trial) {
            std::vector<std::string_view> pieces;
            for (std::size_t at = 0; at < b.size();) {
                const std::size_t len = std::min<std::size_t>(b.size() - at, 1 + random() % 24);
                pieces.push_back(v.substr(at, len));
                at += len;
            }
            REQUIRE(frame_pieces(s.setup, pieces).seen == whole.seen);
        }
        // Every pair of cuts, for the shorter streams.
        if (b.size() <= 120) {
            for (std::size_t i = 0; i <= b.size(); ++i)
                for (std::size_t j = i; j <= b.size(); ++j)
                    REQUIRE(frame_pieces(s.setup, {v.substr(0, i), v.substr(i, j - i), v.substr(j)}).seen == whole.seen);
        }
    }
}

}  // namespace protocol_http1_test
