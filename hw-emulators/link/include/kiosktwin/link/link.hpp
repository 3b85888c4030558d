// A link (Toxiproxy's "proxy"): a named path from a listen address to an
// upstream, the chain of toxics on it, and the connections it carries.
//
// The model is sans-I/O. A host — the live proxy (host/) or the twin in
// virtual time — accepts a client, opens a Connection here, and feeds it what
// each socket reads; the connection says, through its sink, what to write,
// shut down, close or reset, and when it next needs advance(). Both hosts run
// this same code; only where time comes from differs.
//
//     Link link("gateway", "127.0.0.1:0", "127.0.0.1:8080", seed);
//     link.add_toxic(ToxicSpec::from_json(R"({"type": "latency", ...})"_json), now);
//     Connection* c = link.open(now, &sink);              // nullptr: refused
//     c->on_data(Direction::upstream, now, bytes);        // the client wrote
//     ... at c->next_wakeup(): c->advance(t);             // deliveries reach the sink
//
// Changing the toxics takes effect at once on every open connection, in
// chain order as Toxiproxy does (a new toxic goes last). Removing a toxic
// releases what it holds at that instant, so it never hangs a connection.
#pragma once

#include <kiosktwin/link/chunk.hpp>
#include <kiosktwin/link/schedule.hpp>
#include <kiosktwin/link/toxic.hpp>
#include <kiosktwin/sim/time.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::link {

class Link;

/// What a connection asks its host to do at the destination of a direction
/// (the upstream server for upstream, the client for downstream).
class ConnectionSink {
public:
    virtual ~ConnectionSink() = default;
    /// data: write the bytes; eof: shut down the write side after what was
    /// written; close: close after what was written; reset: reset now
    /// (SO_LINGER 0), dropping what was not written.
    virtual void on_output(Direction d, Chunk&& c) = 0;
};

/// One accepted client and its upstream connection.
class Connection {
public:
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    /// The link's running count of connections: 0, 1, 2...
    std::uint64_t id() const noexcept;
    Link& link() noexcept;

    /// The source of `d` (the client for upstream) sent bytes at `now`.
    void on_data(Direction d, sim::Time now, Bytes bytes);
    /// ...or, in virtual time, just so many bytes.
    void on_sized(Direction d, sim::Time now, std::uint32_t n);
    /// The host moved `n` bytes from the source of `d` straight to its
    /// destination (splice(2), no copy through the model), which it may do
    /// only while passthrough(d) holds and nothing is in flight: they count
    /// as delivered.
    void on_spliced(Direction d, sim::Time now, std::uint64_t n);
    /// The source of `d` half-closed (read returned end of file).
    void on_eof(Direction d, sim::Time now);
    /// The source of `d` reset the connection (or failed).
    void on_reset(Direction d, sim::Time now);

    /// Delivers everything due at or before `now`.
    void advance(sim::Time now);
    /// When advance() is next needed (sim::end_of_time if never).
    sim::Time next_wakeup() const noexcept;

    /// Bytes in flight in direction `d` (accepted, not yet delivered): a host
    /// stops reading the source while this is large.
    std::uint64_t buffered_bytes(Direction d) const noexcept;
    /// Whether no toxic acts on direction `d` now: data may go straight through.
    bool passthrough(Direction d) const noexcept;
    /// Whether direction `d` has delivered its end (eof, close or reset).
    bool ended(Direction d) const noexcept;
    /// Both directions ended.
    bool finished() const noexcept;

private:
    friend class Link;
    struct Impl;
    Connection(Link& link, std::uint64_t id, ConnectionSink* sink);
    std::unique_ptr<Impl> m;
};

/// Counters a link keeps (GET /proxies/{name} shows them under "stats").
struct LinkStats {
    std::uint64_t connections_opened = 0;
    std::uint64_t connections_refused = 0;
    std::uint64_t connections_reset = 0;   ///< by a toxic or a partition
    std::uint64_t bytes_upstream = 0;      ///< delivered to the upstream
    std::uint64_t bytes_downstream = 0;    ///< delivered to clients
};

class Link {
public:
    /// `seed` is the link's own stream seed (derive it from the master seed
    /// and the link's name). `week` places daily schedules.
    Link(std::string name, std::string listen, std::string upstream, std::uint64_t seed, CivilWeek week = {});
    ~Link();
    Link(const Link&) = delete;
    Link& operator=(const Link&) = delete;

    const std::string& name() const noexcept { return m_name; }
    const std::string& listen() const noexcept { return m_listen; }
    const std::string& upstream() const noexcept { return m_upstream; }
    void set_listen(std::string address) { m_listen = std::move(address); }
    void set_upstream(std::string address) { m_upstream = std::move(address); }

    // --- the control plane: throws ApiError ----------------------------------
    /// Adds a toxic at the end of the chain; 409 if the name is taken.
    const ToxicSpec& add_toxic(ToxicSpec spec, sim::Time now);
    /// Merges `body`'s toxicity and attributes into the named toxic; 404 if none.
    const ToxicSpec& update_toxic(std::string_view name, const nlohmann::json& body, sim::Time now);
    /// 404 if there is no such toxic.
    void remove_toxic(std::string_view name, sim::Time now);
    void remove_all_toxics(sim::Time now);
    const ToxicSpec* find_toxic(std::string_view name) const noexcept;
    /// Upstream toxics first, each stream in chain order (as Toxiproxy lists them).
    std::vector<const ToxicSpec*> toxics() const;
    /// Whether any toxic is configured (scheduled ones included): a hot-path
    /// test that lists nothing.
    bool has_toxics() const noexcept { return !m_toxics.empty(); }
    /// The counters of toxic `name`, for its JSON's "stats": an http_fault's
    /// {"requests", "aborts_injected", "delays_injected", "response_rl_injected"}
    /// (Envoy's fault filter stats); null for a type without counters or no such toxic.
    nlohmann::json toxic_stats(std::string_view name) const;
    /// spec.to_json() with its "stats", if it has counters.
    nlohmann::json toxic_json(const ToxicSpec& spec) const;

    /// A disabled link refuses connections and closes the open ones.
    void set_enabled(bool enabled, sim::Time now);
    bool enabled() const noexcept { return m_enabled; }

    /// {"name", "listen", "upstream", "enabled", "toxics": [...]}
    nlohmann::json to_json() const;

    // --- schedules -----------------------------------------------------------
    /// When a scheduled toxic next starts or stops acting (end_of_time: never).
    sim::Time next_schedule_change() const noexcept;
    /// Adds and removes scheduled toxics whose windows open or close by `now`,
    /// each at its exact instant, advancing the connections to it first.
    void apply_schedules(sim::Time now);

    // --- the data plane ------------------------------------------------------
    /// A client connected at `now`. nullptr when the link is disabled. The
    /// connection may already be ending (a partition resets it at once); its
    /// sink has heard of it.
    Connection* open(sim::Time now, ConnectionSink* sink);
    /// The host is done with `c` (its sockets are closed): forget it.
    void close(Connection& c);
    std::size_t connection_count() const noexcept { return m_connections.size(); }
    void for_each_connection(const std::function<void(Connection&)>& f);

    const LinkStats& stats() const noexcept { return m_stats; }

private:
    friend class Connection;
    struct Toxic;
    struct Applies;
    Toxic& toxic(std::string_view name);
    void install(Toxic& t, Connection& c, sim::Time now);
    void uninstall(Toxic& t, Connection& c, sim::Time now);
    bool applies(Toxic& t, Connection& c);
    void set_present(Toxic& t, bool present, sim::Time now);

    std::string m_name;
    std::string m_listen;
    std::string m_upstream;
    std::uint64_t m_seed;
    CivilWeek m_week;
    bool m_enabled = true;
    std::uint64_t m_next_order = 1;
    std::uint64_t m_next_connection = 0;
    std::vector<std::unique_ptr<Toxic>> m_toxics;  // chain order
    std::vector<std::unique_ptr<Connection>> m_connections;
    LinkStats m_stats;
};

}  // namespace kiosktwin::link
