// Fuzzes the HTTP/1.x framer with arbitrary bytes, as a request stream and as
// a response stream.
//
// The whole input is the byte stream (so the seed corpus holds plain
// messages); the head limit, the methods the responses answer and the split
// points are drawn from a hash of the input. Nothing may throw; the events of
// every feed must cover its bytes exactly and in order; and feeding the
// stream in pieces must find what feeding it whole finds.
#include "chooser.hpp"

#include <kiosktwin/protocol/http1.hpp>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace kiosktwin::protocol::http1;
using Kind = Event::Kind;

[[noreturn]] void fail() { __builtin_trap(); }

void require(bool ok) {
    if (!ok) fail();
}

using kiosktwin::fuzz::Chooser;

// One event in stream offsets, with what a different split must not change.
struct Seen {
    Kind kind;
    std::uint64_t begin;
    std::uint64_t end;
    std::string detail;
    bool operator==(const Seen&) const = default;
};

std::string summary(const Head& h) {
    std::string s;
    for (const std::string* part : {&h.method, &h.target, &h.reason}) {
        s += *part;
        s += '|';
    }
    s += std::to_string(h.status);
    s += '|';
    s += std::to_string(h.version_minor);
    s += '|';
    s += to_string(h.body_kind);
    s += '|';
    s += std::to_string(h.content_length);
    s += h.conflicting_framing ? "|conflict" : "";
    for (const Header& f : h.headers) {
        s += '|';
        s += f.name;
        s += '=';
        s += f.value;
    }
    // What the head answers must not depend on the split either.
    (void)h.find("content-length");
    s += h.keep_alive() ? "|keep" : "|close";
    return s;
}

struct Setup {
    Role role;
    std::size_t max_head;
    std::vector<const char*> methods;
    bool eof;
};

struct Outcome {
    std::vector<Seen> seen;  // merged where only the split could separate them
    bool failed = false;
    bool in_message = false;
    bool tunnel = false;
    std::uint64_t messages = 0;
    bool operator==(const Outcome&) const = default;
};

struct Recorder {
    Outcome out;
    std::uint64_t offset = 0;
    std::uint64_t message_ends = 0;
    bool errored = false;

    // The events of one feed of `size` bytes (feed_eof: 0).
    void add(const std::vector<Event>& events, std::size_t size) {
        std::size_t pos = 0;
        for (std::size_t i = 0; i < events.size(); ++i) {
            const Event& e = events[i];
            require(e.begin == pos && e.end >= e.begin && e.end <= size);
            require(!errored || e.kind == Kind::error);  // a failed framer reports nothing else
            switch (e.kind) {
            case Kind::message_end:
                require(e.begin == e.end);
                ++message_ends;
                break;
            case Kind::error:
                require(i + 1 == events.size() && e.end == size && !e.error.empty());
                errored = true;
                break;
            case Kind::head: require(e.head != nullptr && e.end > e.begin); break;
            default: require(e.end > e.begin); break;
            }
            pos = e.end;

            Seen s{e.kind, offset + e.begin, offset + e.end, {}};
            if (e.kind == Kind::head) s.detail = summary(*e.head);
            if (e.kind == Kind::error) s.detail = e.error;
            if (!out.seen.empty()) {
                Seen& last = out.seen.back();
                const bool touching = last.end == s.begin;
                if (touching && last.kind == Kind::head_part &&
                    (s.kind == Kind::head_part || s.kind == Kind::head || s.kind == Kind::error)) {
                    s.begin = last.begin;
                    last = std::move(s);
                    continue;
                }
                if (touching && last.kind == s.kind &&
                    (s.kind == Kind::body || s.kind == Kind::tunnel || s.kind == Kind::error)) {
                    require(s.detail == last.detail);
                    last.end = s.end;
                    continue;
                }
            }
            out.seen.push_back(std::move(s));
        }
        require(pos == (events.empty() ? 0 : size));
        offset += size;
    }
};

Outcome run(const Setup& setup, std::string_view in, const std::vector<std::size_t>& pieces) {
    Framer f(setup.role, setup.max_head);
    for (const char* m : setup.methods) f.expect_response_to(m);
    Recorder r;
    std::vector<Event> events;
    std::size_t at = 0;
    const auto check_state = [&] {
        require(f.failed() == r.errored);
        require(f.messages_completed() == r.message_ends);
        require(!f.failed() || !f.error().empty());
        require(!(f.failed() && f.in_message()));
    };
    for (const std::size_t len : pieces) {
        events.clear();
        const std::string_view piece = in.substr(at, len);
        at += piece.size();
        require(f.feed(piece, events) == events.size());
        r.add(events, piece.size());
        check_state();
    }
    require(at == in.size());
    if (setup.eof) {
        events.clear();
        f.feed_eof(events);
        r.add(events, 0);
        check_state();
        require(!f.in_message());
    }
    r.out.failed = f.failed();
    r.out.in_message = f.in_message();
    r.out.tunnel = f.tunnel();
    r.out.messages = f.messages_completed();
    return r.out;
}

void fuzz_role(Role role, std::string_view in, Chooser& c) {
    static const char* const k_methods[] = {"GET", "HEAD", "CONNECT", "POST", "OPTIONS"};
    Setup setup{role, c.below(4) == 0 ? 8 + c.below(300) : 64 * 1024, {}, c.below(2) == 0};
    if (role == Role::response) {
        const std::size_t n = c.below(12);
        for (std::size_t i = 0; i < n; ++i) {
            // Mostly GET and POST: HEAD and CONNECT change the framing a lot.
            const std::size_t pick = c.below(8);
            setup.methods.push_back(k_methods[pick < 5 ? pick : (pick == 5 ? 0 : 3)]);
        }
    }

    const Outcome whole = run(setup, in, {in.size()});

    std::vector<std::size_t> pieces;
    for (std::size_t at = 0; at < in.size();) {
        // Small pieces mostly, a large one now and then, and empty feeds.
        const std::size_t left = in.size() - at;
        const std::size_t len = std::min(left, c.below(16) == 0 ? c.below(left + 1) : c.below(2 + c.below(64)));
        pieces.push_back(len);
        at += len;
    }
    if (run(setup, in, pieces) != whole) fail();

    if (in.size() <= 4096) {
        const std::vector<std::size_t> bytes(in.size(), 1);
        if (run(setup, in, bytes) != whole) fail();
    }
    const std::size_t cut = c.below(in.size() + 1);
    if (run(setup, in, {cut, in.size() - cut}) != whole) fail();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 64 * 1024) return 0;
    const std::string_view in(reinterpret_cast<const char*>(data), size);
    std::uint64_t h = 1469598103934665603ull;
    for (std::size_t i = 0; i < size; ++i) h = (h ^ data[i]) * 1099511628211ull;
    Chooser c{h};
    try {
        fuzz_role(Role::request, in, c);
        fuzz_role(Role::response, in, c);
    } catch (...) {
        fail();
    }
    return 0;
}
