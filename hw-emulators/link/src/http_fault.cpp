#include "http_fault_stage.hpp"

#include <kiosktwin/protocol/http1.hpp>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <deque>
#include <string>
#include <vector>

namespace kiosktwin::link::detail {

namespace http1 = protocol::http1;

struct HttpFaultShared {
    HttpFaultParams params;
    std::uint64_t requests = 0;  // matching requests seen, across connections (first_n counts these)
    std::uint64_t aborts = 0;
    std::uint64_t delays = 0;
    std::uint64_t throttles = 0;
};

std::shared_ptr<HttpFaultShared> make_http_fault_shared() { return std::make_shared<HttpFaultShared>(); }

void update_http_fault_shared(HttpFaultShared& shared, const HttpFaultParams& p) {
    if (p.first_n != shared.params.first_n) shared.requests = 0;  // "the first N" from now on
    shared.params = p;
}

nlohmann::json http_fault_stats(const HttpFaultShared& s) {
    return nlohmann::json{{"requests", s.requests},
                          {"aborts_injected", s.aborts},
                          {"delays_injected", s.delays},
                          {"response_rl_injected", s.throttles}};
}

namespace {

const char* reason_phrase(int status) {
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 205: return "Reset Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Content Too Large";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Fault Injected";
    }
}

/// Envoy's local reply to an aborted request: "fault filter abort" as text,
/// except where HTTP forbids a body (RFC 9110 §6.4.1, §8.6, §15.3.6):
/// * HEAD: the head a GET would get (its content-length too), no body, as
///   Envoy's local reply does;
/// * 1xx and 204: no body and no content-length or content-type;
/// * 304: no body; no content-length either (it would have to be the
///   length of a 200 the toxic cannot know);
/// * 205: an empty body, content-length: 0.
Bytes abort_response(int status, bool head_request) {
    static constexpr std::string_view body = "fault filter abort";
    const bool no_content = (status >= 100 && status < 200) || status == 204 || status == 304;
    std::string s = "HTTP/1.1 " + std::to_string(status) + " " + reason_phrase(status) + "\r\n";
    if (status == 205) {
        s += "content-length: 0\r\n";
    } else if (!no_content) {
        s += "content-type: text/plain\r\ncontent-length: " + std::to_string(body.size()) + "\r\n";
    }
    s += "x-kiosktwin-fault: http_fault\r\n\r\n";
    if (!no_content && status != 205 && !head_request) s += body;
    return Bytes(s.begin(), s.end());
}

std::optional<double> header_number(const http1::Head& h, std::string_view name) {
    const auto v = h.find(name);
    if (!v) return std::nullopt;
    double x = 0;
    const auto [p, ec] = std::from_chars(v->data(), v->data() + v->size(), x);
    if (ec != std::errc() || p != v->data() + v->size() || !std::isfinite(x) || x < 0) return std::nullopt;
    return x;
}

/// One request's place in the response order.
struct Slot {
    bool injected = false;         // answered by the toxic, not by the server
    sim::Time ready{};             // injected: when its answer may leave
    Bytes answer;                  // injected: the answer
    double throttle_bytes_per_us = 0;  // forwarded: its body's pace (0: none)
    bool complete = false;         // forwarded: its response has been read to the end
    struct Held {
        Chunk bytes;
        bool body;  // paced when it leaves, if the slot is throttled
    };
    std::deque<Held> held;         // forwarded: response bytes waiting for earlier slots
};

/// What the two stages of one connection share.
struct Exchange {
    http1::Framer responses{http1::Role::response};
    std::deque<Slot> slots;        // front: the next response to leave
    std::size_t reading = 0;       // index into slots of the forwarded slot whose response the server is sending
    bool tunnel = false;           // the server switched protocols: no more HTTP either way
};

Chunk piece(const Chunk& c, std::size_t begin, std::size_t end, sim::Time at) {
    Chunk p = Chunk::data_of(at, Bytes(c.bytes.begin() + static_cast<std::ptrdiff_t>(begin),
                                       c.bytes.begin() + static_cast<std::ptrdiff_t>(end)));
    return p;
}

// --- the request side (upstream) -------------------------------------------------

/// How long the bytes of a connection's first request line may wait for the
/// rest of it. The framer refuses a stream that is not HTTP from its first
/// byte that cannot begin a request line (a TLS ClientHello, a binary
/// protocol); this bounds the wait when the bytes could still be one
/// ("HELO x" and no LF): after it they go on, and the connection is opaque.
/// Once a request line has been read the stream is HTTP, and a head may take
/// as long as it likes.
constexpr sim::Duration k_first_line_wait = std::chrono::seconds(5);

class RequestStage final : public Stage {
public:
    RequestStage(std::uint64_t key, const HttpFaultParams& p, std::shared_ptr<HttpFaultShared> shared,
                 std::shared_ptr<Exchange> ex, sim::Rng rng)
        : Stage(key), m_p(p), m_shared(std::move(shared)), m_ex(std::move(ex)), m_rng(rng) {}

    void on_chunk(Chunk&& c, StageOutput& out) override {
        if (m_ex->tunnel && !m_opaque) m_opaque = true;
        if (c.kind != ChunkKind::data || !c.has_bytes() || m_opaque) {
            release_held(c.at, out);
            if (c.kind != ChunkKind::data && m_swallowing) m_swallowing = false;
            c.at = m_last = std::max(m_last, c.at);
            out.emit(std::move(c));
            return;
        }
        m_events.clear();
        m_requests.feed(std::span<const std::uint8_t>(c.bytes), m_events);
        for (const http1::Event& e : m_events) {
            switch (e.kind) {
            case http1::Event::Kind::head_part: hold(piece(c, e.begin, e.end, c.at)); break;
            case http1::Event::Kind::head:
                hold(piece(c, e.begin, e.end, c.at));
                decide(*e.head, c.at, out);
                break;
            case http1::Event::Kind::body:
                if (!m_swallowing) pass(piece(c, e.begin, e.end, c.at), out);
                break;
            case http1::Event::Kind::message_end:
                m_swallowing = false;
                m_floor = sim::Time{};
                break;
            case http1::Event::Kind::tunnel:
            case http1::Event::Kind::error:
                m_opaque = true;
                release_held(c.at, out);
                pass(piece(c, e.begin, e.end, c.at), out);
                break;
            }
        }
        if (!m_http && (m_requests.start_line_read() || m_requests.messages_completed() > 0)) m_http = true;
    }

    sim::Time deadline() const noexcept override {
        if (m_http || m_opaque || m_held.empty()) return sim::end_of_time;
        return m_held_since + k_first_line_wait;
    }
    void on_deadline(sim::Time t, StageOutput& out) override {
        // No request line in time: not HTTP, as far as anyone can tell.
        m_opaque = true;
        release_held(t, out);
    }

    void on_remove(sim::Time now, StageOutput& out) override {
        if (m_swallowing) {
            // Part of an aborted request is gone: the stream cannot go on.
            out.emit(Chunk::control(std::max(m_last, now), ChunkKind::close));
            return;
        }
        release_held(now, out);
    }
    void update(const ToxicParams& p) override { m_p = std::get<HttpFaultParams>(p); }
    std::uint64_t held_bytes() const noexcept override { return m_held_bytes; }

private:
    void hold(Chunk&& c) {
        if (m_held.empty()) m_held_since = c.at;
        m_held_bytes += c.size;
        m_held.push_back(std::move(c));
    }
    void pass(Chunk&& c, StageOutput& out) {
        c.at = m_last = std::max({m_last, c.at, m_floor});
        out.emit(std::move(c));
    }
    void release_held(sim::Time at, StageOutput& out) {
        for (Chunk& h : m_held) {
            h.at = std::max(h.at, at);
            pass(std::move(h), out);
        }
        m_held.clear();
        m_held_bytes = 0;
    }

    // Envoy's order: match, then delay, then abort; the response throttle is
    // decided with the request. Three draws per matching request, always, so
    // one decision never shifts another's.
    void decide(const http1::Head& h, sim::Time t, StageOutput& out) {
        const bool matches = (m_p.method.empty() || h.method == m_p.method) &&
                             (m_p.path_prefix.empty() || h.target.rfind(m_p.path_prefix, 0) == 0);
        bool abort = false;
        sim::Duration delay{};
        double throttle = 0;
        if (matches) {
            const std::uint64_t n = m_shared->requests++;
            const double ua = m_rng.uniform01(), ud = m_rng.uniform01(), ut = m_rng.uniform01();
            if (m_p.first_n == 0 || n < m_p.first_n) {
                int status = m_p.abort_status;
                double abort_pct = m_p.abort_percent, delay_ms = m_p.delay_ms, delay_pct = m_p.delay_percent;
                double kib = m_p.throttle_kib_s, throttle_pct = m_p.throttle_percent;
                if (m_p.header_control) {
                    if (auto v = header_number(h, "x-envoy-fault-abort-request"); v && *v >= 200 && *v <= 599)
                        status = static_cast<int>(*v);
                    if (auto v = header_number(h, "x-envoy-fault-abort-request-percentage"))
                        abort_pct = std::min(*v, 100.0);
                    if (auto v = header_number(h, "x-envoy-fault-delay-request")) delay_ms = *v;
                    if (auto v = header_number(h, "x-envoy-fault-delay-request-percentage"))
                        delay_pct = std::min(*v, 100.0);
                    if (auto v = header_number(h, "x-envoy-fault-throughput-response")) kib = *v;
                    if (auto v = header_number(h, "x-envoy-fault-throughput-response-percentage"))
                        throttle_pct = std::min(*v, 100.0);
                }
                if (delay_ms > 0 && ud * 100.0 < delay_pct) {
                    delay = sim::Duration{static_cast<std::int64_t>(std::llround(delay_ms * 1000.0))};
                    ++m_shared->delays;
                }
                if (status != 0 && ua * 100.0 < abort_pct) {
                    abort = true;
                    ++m_shared->aborts;
                }
                if (!abort && kib > 0 && ut * 100.0 < throttle_pct) {
                    throttle = kib * 1024.0 / 1e6;
                    ++m_shared->throttles;
                }
                if (abort) {
                    Slot s;
                    s.injected = true;
                    s.ready = std::max(m_last, t + delay);
                    s.answer = abort_response(status, h.method == "HEAD");
                    m_ex->slots.push_back(std::move(s));
                    m_held.clear();
                    m_held_bytes = 0;
                    m_swallowing = true;
                    return;
                }
            }
        }
        Slot s;
        s.throttle_bytes_per_us = throttle;
        m_ex->slots.push_back(std::move(s));
        m_ex->responses.expect_response_to(h.method);
        m_floor = t + delay;
        release_held(m_floor, out);
    }

    HttpFaultParams m_p;
    std::shared_ptr<HttpFaultShared> m_shared;
    std::shared_ptr<Exchange> m_ex;
    sim::Rng m_rng;
    http1::Framer m_requests{http1::Role::request};
    std::vector<http1::Event> m_events;
    std::vector<Chunk> m_held;       // the head being read
    std::uint64_t m_held_bytes = 0;
    sim::Time m_held_since{};        // when its first bytes came
    bool m_http = false;             // a request line has been read: the stream is HTTP
    bool m_swallowing = false;       // the current request was aborted: drop its body
    bool m_opaque = false;           // not HTTP (any more): pass everything
    sim::Time m_floor{};             // the current request's bytes leave no earlier (its delay)
    sim::Time m_last{};
};

// --- the response side (downstream, first in the chain) ------------------------------

class ResponseStage final : public Stage {
public:
    ResponseStage(std::uint64_t key, std::shared_ptr<Exchange> ex) : Stage(key), m_ex(std::move(ex)) {}

    void on_chunk(Chunk&& c, StageOutput& out) override {
        if (c.kind != ChunkKind::data) {
            if (!m_opaque) {
                m_events.clear();
                m_ex->responses.feed_eof(m_events);
                for (const auto& e : m_events)
                    if (e.kind == http1::Event::Kind::message_end) finish_reading();
            }
            flush_all(c.at, out);
            c.at = m_last = std::max(m_last, c.at);
            out.emit(std::move(c));
            return;
        }
        if (!c.has_bytes() || m_opaque) {
            flush_all(c.at, out);
            send(std::move(c), 0, out);
            return;
        }
        m_events.clear();
        m_ex->responses.feed(std::span<const std::uint8_t>(c.bytes), m_events);
        for (const http1::Event& e : m_events) {
            switch (e.kind) {
            case http1::Event::Kind::head:
                m_interim = e.head->informational();
                m_in_body = false;
                route(piece(c, e.begin, e.end, c.at), false, out);
                m_in_body = true;
                break;
            case http1::Event::Kind::head_part:
                route(piece(c, e.begin, e.end, c.at), false, out);
                break;
            case http1::Event::Kind::body:
                route(piece(c, e.begin, e.end, c.at), true, out);
                break;
            case http1::Event::Kind::message_end:
                m_in_body = false;
                if (!m_interim) finish_reading();
                m_interim = false;
                drain(c.at, out);
                break;
            case http1::Event::Kind::tunnel:
            case http1::Event::Kind::error:
                m_opaque = true;
                m_ex->tunnel = true;
                flush_all(c.at, out);
                send(piece(c, e.begin, e.end, c.at), 0, out);
                break;
            }
        }
        drain(c.at, out);
    }

    sim::Time deadline() const noexcept override {
        if (m_ex->slots.empty() || !m_ex->slots.front().injected) return sim::end_of_time;
        return m_ex->slots.front().ready;
    }
    void on_deadline(sim::Time t, StageOutput& out) override { drain(t, out); }
    void on_remove(sim::Time now, StageOutput& out) override { flush_all(now, out); }
    void update(const ToxicParams&) override {}
    std::uint64_t held_bytes() const noexcept override {
        std::uint64_t n = 0;
        for (const Slot& s : m_ex->slots)
            for (const Slot::Held& h : s.held) n += h.bytes.size;
        return n;
    }

private:
    // The forwarded slot the server is answering now (nullptr: none pending).
    Slot* reading_slot() {
        auto& slots = m_ex->slots;
        while (m_ex->reading < slots.size() && (slots[m_ex->reading].injected || slots[m_ex->reading].complete))
            ++m_ex->reading;
        return m_ex->reading < slots.size() ? &slots[m_ex->reading] : nullptr;
    }
    void finish_reading() {
        if (Slot* s = reading_slot()) s->complete = true;
    }

    // Server bytes for the slot being read: out now if it is at the front,
    // else held behind the answers before it.
    void route(Chunk&& p, bool body, StageOutput& out) {
        Slot* s = reading_slot();
        if (!s) {  // an answer to no request: pass it on
            send(std::move(p), 0, out);
            return;
        }
        const double pace = body ? s->throttle_bytes_per_us : 0;
        if (s == &m_ex->slots.front()) send(std::move(p), pace, out);
        else s->held.push_back(Slot::Held{std::move(p), body});
    }

    // Lets out, in order, every slot at the front whose turn has come by t.
    void drain(sim::Time t, StageOutput& out) {
        auto& slots = m_ex->slots;
        while (!slots.empty()) {
            Slot& s = slots.front();
            if (s.injected) {
                if (s.ready > t) return;
                send(Chunk::data_of(s.ready, std::move(s.answer)), 0, out);
            } else {
                release(s, t, out);
                if (!s.complete) return;
            }
            slots.pop_front();
            if (m_ex->reading > 0) --m_ex->reading;
        }
    }
    void release(Slot& s, sim::Time t, StageOutput& out) {
        while (!s.held.empty()) {
            Slot::Held h = std::move(s.held.front());
            s.held.pop_front();
            h.bytes.at = std::max(h.bytes.at, t);
            send(std::move(h.bytes), h.body ? s.throttle_bytes_per_us : 0, out);
        }
    }
    void flush_all(sim::Time t, StageOutput& out) {
        auto& slots = m_ex->slots;
        while (!slots.empty()) {
            Slot& s = slots.front();
            if (s.injected) send(Chunk::data_of(std::max(s.ready, t), std::move(s.answer)), 0, out);
            else release(s, t, out);
            slots.pop_front();
        }
        m_ex->reading = 0;
    }

    // Out in order; a throttled body at its pace, in pieces of at most 100 ms.
    void send(Chunk&& c, double bytes_per_us, StageOutput& out) {
        double start = std::max(static_cast<double>(std::max(m_last, c.at).time_since_epoch().count()), m_free_at_us);
        if (bytes_per_us <= 0 || c.kind != ChunkKind::data || c.size == 0) {
            c.at = m_last = std::max(m_last, c.at);
            out.emit(std::move(c));
            return;
        }
        const auto piece_bytes = static_cast<std::uint32_t>(std::max(1.0, bytes_per_us * 100'000.0));
        while (c.size > piece_bytes) {
            Chunk p = c.take_front(piece_bytes);
            start += piece_bytes / bytes_per_us;
            p.at = m_last = sim::Time{sim::Duration{static_cast<std::int64_t>(std::ceil(start))}};
            out.emit(std::move(p));
        }
        start += c.size / bytes_per_us;
        m_free_at_us = start;
        c.at = m_last = sim::Time{sim::Duration{static_cast<std::int64_t>(std::ceil(start))}};
        out.emit(std::move(c));
    }

    std::shared_ptr<Exchange> m_ex;
    std::vector<http1::Event> m_events;
    bool m_interim = false;
    bool m_in_body = false;
    bool m_opaque = false;
    sim::Time m_last{};
    double m_free_at_us = 0;
};

}  // namespace

std::pair<std::unique_ptr<Stage>, std::unique_ptr<Stage>> make_http_fault_stages(
    std::uint64_t up_key, std::uint64_t down_key, const HttpFaultParams& params,
    std::shared_ptr<HttpFaultShared> shared, sim::Rng rng) {
    if (shared) shared->params = params;
    auto ex = std::make_shared<Exchange>();
    return {std::make_unique<RequestStage>(up_key, params, std::move(shared), ex, rng),
            std::make_unique<ResponseStage>(down_key, ex)};
}

}  // namespace kiosktwin::link::detail
