// An incremental, sans-I/O framer for HTTP/1.x messages (RFC 9112). It is
// given the bytes of one direction of a connection, in whatever pieces they
// arrive, and says where each message's head, body and end lie in them. The
// network-link fault injector uses it to hold, cut or pace requests and
// responses without understanding more of HTTP than their boundaries.
//
// It never buffers a body (a body of any length costs O(1) per feed() call)
// and keeps a head only until the head is complete. The bytes stay with the
// caller: every event names a range of the buffer of the feed() call that
// produced it, and the ranges of one call cover that buffer exactly, in order.
//
// One Framer per direction. A response stream is framed by the requests it
// answers (RFC 9112 §6.3: a response to HEAD has no body, a 2xx to CONNECT
// opens a tunnel), so the caller passes each request's method on with
// expect_response_to(), in order, as the request framer reports its head.
//
// What it accepts, and what is an error (the framer then stops: every later
// byte is reported as error, so a proxy can pass them through opaquely):
// * Lines end in CRLF; a bare LF or CR is an error (RFC 9112 §2.2 allows a
//   recipient to accept a bare LF; a proxy that guessed differently from the
//   endpoint would frame differently, so it does not). Empty lines before a
//   request line or a status line are skipped (§2.2; only requests are
//   named there, but an extra CRLF after a response is a common server bug).
// * Request line: token method, SP, a target of visible characters, SP,
//   "HTTP/1.d". The method is judged byte by byte as it arrives, not when
//   its line ends: a byte that cannot be part of it (not a tchar, or one
//   past max_method_bytes) is an error at once, so a stream that is not
//   HTTP at all (a TLS ClientHello, a binary protocol, bytes with no LF) is
//   known as such from its first bytes (unless the head's limit came first).
//   Status line: "HTTP/1.d", SP, three digits (100..999), then SP and a
//   reason phrase, or nothing. Another major version is an error.
// * Header fields: a token name directly followed by ':' (whitespace before
//   the colon is an error), a value of visible characters, SP and HTAB;
//   obs-fold (a line starting with whitespace) is an error. A head longer
//   than max_head_bytes (empty lines before it included) is an error.
// * Body (RFC 9112 §6): Transfer-Encoding overrides Content-Length. It must
//   list chunked at most once; a request's must end in chunked; a response
//   whose does not is read until the connection closes; in an HTTP/1.0
//   message it is an error (§6.1). Content-Length is digits only (a list of
//   equal values is accepted, different values are an error) and must fit
//   in 64 bits. A request without either has no body. Responses to HEAD,
//   1xx, 204 and 304 have no body; 101 and a 2xx to CONNECT end HTTP on the
//   connection (a tunnel); a response without either header is read until
//   the connection closes.
// * Chunked bodies: hexadecimal sizes (overflowing 64 bits is an error),
//   chunk extensions (checked for stray control characters, not parsed),
//   and a trailer section of header fields, no longer than max_head_bytes.
//   Trailers are not reported apart from the body bytes they are part of.
//
// Pure: standard library only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::protocol::http1 {

/// Which kind of messages a stream carries.
enum class Role : std::uint8_t { request, response };

/// How a message's body is delimited (RFC 9112 §6.3).
enum class BodyKind : std::uint8_t {
    none,         ///< no body
    length,       ///< Content-Length bytes
    chunked,      ///< the chunked transfer coding, up to its trailer section
    until_close,  ///< everything until the connection closes (responses only)
    tunnel,       ///< no body; the bytes after this message are not HTTP (101, 2xx to CONNECT)
};

/// "none", "length", "chunked", "until_close", "tunnel".
const char* to_string(BodyKind k) noexcept;

struct Header {
    std::string name;   ///< as received
    std::string value;  ///< without leading and trailing whitespace
};

/// A parsed message head: the start line, the header fields, and how the
/// framer delimits the body that follows.
struct Head {
    std::string method;     ///< requests: "GET"
    std::string target;     ///< requests: "/api/queue?x=1", "*", "host:443"
    int status = 0;         ///< responses: 100..999
    std::string reason;     ///< responses: "OK" (may be empty)
    int version_minor = 1;  ///< HTTP/1.x
    std::vector<Header> headers;  ///< in order, duplicates kept
    BodyKind body_kind = BodyKind::none;
    std::uint64_t content_length = 0;  ///< when body_kind is length
    /// Both Transfer-Encoding and Content-Length were present; the former won.
    /// RFC 9112 §6.3 says such a message "ought to be handled as an error"
    /// (a request-smuggling sign); the framer reports it and goes on.
    bool conflicting_framing = false;

    /// The value of the first field called `name` (compared case-insensitively).
    std::optional<std::string_view> find(std::string_view name) const;
    /// Whether another HTTP message may follow this one on the connection:
    /// HTTP/1.1 unless "Connection: close", HTTP/1.0 only with
    /// "Connection: keep-alive"; never after a body read until close or a tunnel.
    bool keep_alive() const;
    /// A 1xx response: an interim answer, followed by the final one.
    bool informational() const noexcept { return status >= 100 && status < 200; }
};

struct Event {
    enum class Kind : std::uint8_t {
        head_part,    ///< bytes of a head that is not complete yet (empty lines before it included)
        head,         ///< the rest of a head, through its final CRLF CRLF; `head` is set
        body,         ///< body bytes, chunk framing and trailers included
        message_end,  ///< the message ended (an empty range where it ended)
        tunnel,       ///< bytes after a protocol switch: not HTTP
        error,        ///< the stream is not HTTP/1.x; `error` says why; the range runs to the buffer's end
    };
    Kind kind = Kind::body;
    std::size_t begin = 0;  ///< byte range in the buffer of the feed() call
    std::size_t end = 0;
    std::shared_ptr<const Head> head;  ///< for Kind::head
    std::string error;                 ///< for Kind::error
};

/// "head_part", "head", "body", "message_end", "tunnel", "error".
const char* to_string(Event::Kind k) noexcept;

/// Frames one direction of an HTTP/1.x connection.
///
/// Splitting a stream differently changes only how the ranges are split:
/// head_part events followed by their head (or by an error) cover the same
/// bytes as one head (or error) event would, bodies split anywhere, and every
/// other event is the same. An error in a head covers the whole head; an
/// error in a body starts at the byte that was wrong.
class Framer {
public:
    /// A framer for a stream of `role` messages whose heads (and trailer
    /// sections) are at most `max_head_bytes` long.
    explicit Framer(Role role, std::size_t max_head_bytes = 64 * 1024);

    /// The longest request method accepted (RFC 9110 sets no limit; the
    /// registered ones are at most 17 bytes long).
    static constexpr std::size_t max_method_bytes = 32;

    /// Response streams: the next request still to be answered had this
    /// method. Call once per request, in order. A response without a pending
    /// request is framed as an answer to GET. Ignored by request streams.
    void expect_response_to(std::string_view method);

    /// Frames the next bytes of the stream: appends events to `out`, in order,
    /// and returns how many it appended.
    std::size_t feed(std::span<const std::uint8_t> bytes, std::vector<Event>& out);
    std::size_t feed(std::string_view bytes, std::vector<Event>& out);

    /// The peer closed its side: ends a body read until close (message_end)
    /// or reports a message cut short (error). Later bytes are an error.
    void feed_eof(std::vector<Event>& out);

    /// The bytes from here on are not HTTP. A request stream cannot tell by
    /// itself whether its CONNECT or Upgrade was accepted: call this when the
    /// response stream's tunnel() becomes true.
    void enter_tunnel();

    /// A message has begun (more than empty lines) and not ended.
    bool in_message() const noexcept;
    /// The start line of the message being read has been read whole (its
    /// head or body is still coming); false between messages.
    bool start_line_read() const noexcept { return m_start_seen; }
    /// The stream was not HTTP/1.x; error() says why.
    bool failed() const noexcept;
    /// 101 Switching Protocols or a 2xx to CONNECT (or enter_tunnel()): the bytes are opaque from then on.
    bool tunnel() const noexcept { return m_tunnel; }
    /// Messages ended so far (interim 1xx responses included).
    std::uint64_t messages_completed() const noexcept { return m_messages; }
    /// Why the framer failed (empty if it did not).
    const std::string& error() const noexcept { return m_error; }
    Role role() const noexcept { return m_role; }

private:
    enum class State : std::uint8_t {
        head,
        length,
        chunk_size,      // hex digits
        chunk_size_ws,   // whitespace after the size, before ';' or CR
        chunk_ext,       // after ';' up to CR
        chunk_size_lf,   // CR seen after the size line
        chunk_data,
        chunk_data_cr,   // after the data: CR
        chunk_data_lf,   // after the data: LF
        trailer_start,   // at the start of a trailer line
        trailer_name,
        trailer_value,
        trailer_lf,      // CR seen at the end of a trailer field
        trailer_end_lf,  // CR seen on the empty line ending the trailers
        until_close,
        tunnel,
        failed,
        closed,  // after feed_eof
    };
    enum class Asked : std::uint8_t { other, head, connect };

    std::size_t feed_head(std::span<const std::uint8_t> in, std::size_t pos, std::vector<Event>& out);
    std::size_t feed_chunked(std::span<const std::uint8_t> in, std::size_t pos, std::vector<Event>& out);
    std::optional<std::string> take_line(std::string_view line, bool& done);
    std::optional<std::size_t> scan_method(std::string_view bytes);
    std::string method_error(std::string_view seen) const;
    std::optional<std::string> frame_body(Head& h);
    void end_message(std::vector<Event>& out, std::size_t at);
    std::size_t fail(std::vector<Event>& out, std::size_t begin, std::size_t end, std::string why);

    Role m_role;
    std::size_t m_max_head;
    State m_state = State::head;
    bool m_tunnel = false;
    bool m_tunnel_next = false;  // the message being ended switches protocols
    std::string m_error;
    std::uint64_t m_messages = 0;
    std::deque<Asked> m_asked;  // methods of the requests still to be answered

    // The head being read.
    Head m_building;
    bool m_start_seen = false;   // the start line has been read
    std::string m_line;          // the incomplete line so far
    std::size_t m_head_bytes = 0;
    // Requests: how far the start line being read has got up to its method's SP.
    enum class Method : std::uint8_t { line_start, cr, name, done };
    Method m_method;
    std::size_t m_method_bytes = 0;

    // The body being read.
    std::uint64_t m_length = 0;     // length: the Content-Length
    std::uint64_t m_remaining = 0;  // length: bytes left; chunked: the chunk's size / bytes left
    bool m_size_digits = false;     // the chunk-size line has a digit
    std::size_t m_trailer_bytes = 0;
};

}  // namespace kiosktwin::protocol::http1
