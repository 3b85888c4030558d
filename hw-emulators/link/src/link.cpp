#include <kiosktwin/link/link.hpp>

#include "http_fault_stage.hpp"
#include "pipe.hpp"
#include "stage.hpp"

#include <kiosktwin/sim/random.hpp>

#include <algorithm>
#include <array>
#include <optional>
#include <stdexcept>

namespace kiosktwin::link {

namespace {
/// "conn/<id>/<toxic>/": the prefix of a connection's streams for a toxic.
std::string stream_prefix(std::uint64_t connection, const std::string& toxic) {
    std::string s = "conn/";
    s += std::to_string(connection);
    s += '/';
    s += toxic;
    s += '/';
    return s;
}

// Stage keys: an http_fault's response side sorts before every ordinary
// stage of the downstream chain, so injected responses meet all of them,
// and the response sides nest the other way round from the request sides
// (as Envoy's encoder filters do): the toxic that sees a request last, nearest
// the server, sees its answer first, and the one before it sees that toxic's
// own answers as the server's, in their place.
constexpr std::uint64_t k_ordinary = std::uint64_t{1} << 32;
}  // namespace

// --- toxics as the link holds them -------------------------------------------

struct Link::Toxic {
    ToxicSpec spec;
    std::uint64_t order = 0;
    std::optional<Schedule> schedule;
    bool present = true;                      // acting now (its schedule is open)
    sim::Time next_change = sim::end_of_time; // of `present`
    std::uint64_t ranked = 0;                 // connections ranked for first_connections
    std::shared_ptr<detail::HttpFaultShared> http;

    std::uint64_t key() const noexcept { return order + k_ordinary; }
    /// An http_fault's response side: later toxics first.
    std::uint64_t response_key() const noexcept { return k_ordinary - order; }
};

/// Whether a toxic acts on one connection: drawn once, kept for its life.
struct Link::Applies {
    std::uint64_t order;
    double u;            // the connection's toxicity draw for this toxic
    std::uint64_t rank;  // its place among the connections the toxic has met
    bool installed = false;
    std::uint64_t installs = 0;
};

// --- connections -------------------------------------------------------------

struct Connection::Impl final : detail::PipeOutput {
    Impl(Link& l, std::uint64_t i, ConnectionSink* s) : link(l), id(i), sink(s) {}

    Link& link;
    std::uint64_t id;
    ConnectionSink* sink;
    std::array<detail::Pipe, 2> pipes{detail::Pipe(Direction::upstream), detail::Pipe(Direction::downstream)};
    std::array<bool, 2> ended{};         // its end was delivered
    std::array<bool, 2> input_closed{};  // its source will send nothing more
    std::optional<std::pair<sim::Time, ChunkKind>> pending_abort;
    std::vector<std::pair<Direction, Chunk>> pending_inputs;  // ends crossing to the other direction
    std::vector<Link::Applies> applies;

    detail::Pipe& pipe(Direction d) noexcept { return pipes[index(d)]; }

    void deliver(Direction d, Chunk&& c) override {
        const std::size_t i = index(d);
        if (ended[i]) return;
        switch (c.kind) {
        case ChunkKind::data:
            (d == Direction::upstream ? link.m_stats.bytes_upstream : link.m_stats.bytes_downstream) += c.size;
            if (sink) sink->on_output(d, std::move(c));
            return;
        case ChunkKind::eof:
            ended[i] = true;
            if (sink) sink->on_output(d, std::move(c));
            return;
        case ChunkKind::close:
        case ChunkKind::reset: {
            // The destination of d is the source of the other direction: what
            // that direction still carries goes out first, then it ends too.
            ended[i] = true;
            const sim::Time at = c.at;
            const ChunkKind how = c.kind;
            if (how == ChunkKind::reset) ++link.m_stats.connections_reset;
            if (sink) sink->on_output(d, std::move(c));
            const Direction o = opposite(d);
            if (!ended[index(o)] && !input_closed[index(o)]) {
                input_closed[index(o)] = true;
                pending_inputs.emplace_back(o, Chunk::control(at, how));
            }
            return;
        }
        }
    }
    void abort(sim::Time at, ChunkKind how) override {
        if (!pending_abort) pending_abort.emplace(at, how);
    }
    bool aborting() const noexcept override { return pending_abort.has_value(); }

    /// Ends the connection at once: everything in flight is dropped.
    void settle_abort() {
        if (!pending_abort) return;
        const auto [at, how] = *pending_abort;
        pending_abort.reset();
        pending_inputs.clear();
        for (auto& p : pipes) p.clear();
        if (how == ChunkKind::reset && !(ended[0] && ended[1])) ++link.m_stats.connections_reset;
        for (Direction d : {Direction::upstream, Direction::downstream}) {
            const std::size_t i = index(d);
            input_closed[i] = true;
            if (ended[i]) continue;
            ended[i] = true;
            if (sink) sink->on_output(d, Chunk::control(at, how));
        }
    }

    /// Runs both directions up to `now`, in time order across them.
    void run(sim::Time now) {
        for (;;) {
            settle_abort();
            if (!pending_inputs.empty()) {
                auto inputs = std::move(pending_inputs);
                pending_inputs.clear();
                for (auto& [d, c] : inputs) {
                    pipe(d).input(std::move(c), *this);
                    if (pending_abort) break;
                }
                continue;
            }
            const sim::Time t0 = pipes[0].next_wakeup();
            const sim::Time t1 = pipes[1].next_wakeup();
            const sim::Time t = std::min(t0, t1);
            if (t > now) return;
            if (t0 == t) pipes[0].advance(t, *this);
            if (t1 == t && !pending_abort) pipes[1].advance(t, *this);
        }
    }

    void input(Direction d, Chunk&& c) {
        const sim::Time now = c.at;
        run(now);
        const std::size_t i = index(d);
        if (input_closed[i]) return;
        if (c.kind != ChunkKind::data) input_closed[i] = true;
        pipe(d).input(std::move(c), *this);
        run(now);
    }
};

Connection::Connection(Link& link, std::uint64_t id, ConnectionSink* sink)
    : m(std::make_unique<Impl>(link, id, sink)) {}
Connection::~Connection() = default;

std::uint64_t Connection::id() const noexcept { return m->id; }
Link& Connection::link() noexcept { return m->link; }

void Connection::on_data(Direction d, sim::Time now, Bytes bytes) {
    if (bytes.empty()) return;
    m->input(d, Chunk::data_of(now, std::move(bytes)));
}
void Connection::on_sized(Direction d, sim::Time now, std::uint32_t n) {
    if (n == 0) return;
    m->input(d, Chunk::sized(now, n));
}
void Connection::on_spliced(Direction d, sim::Time now, std::uint64_t n) {
    m->run(now);
    if (m->ended[index(d)] || m->input_closed[index(d)]) return;
    (d == Direction::upstream ? m->link.m_stats.bytes_upstream : m->link.m_stats.bytes_downstream) += n;
}
void Connection::on_eof(Direction d, sim::Time now) { m->input(d, Chunk::control(now, ChunkKind::eof)); }
void Connection::on_reset(Direction d, sim::Time now) { m->input(d, Chunk::control(now, ChunkKind::reset)); }
void Connection::advance(sim::Time now) { m->run(now); }

sim::Time Connection::next_wakeup() const noexcept {
    return std::min(m->pipes[0].next_wakeup(), m->pipes[1].next_wakeup());
}
std::uint64_t Connection::buffered_bytes(Direction d) const noexcept { return m->pipes[index(d)].buffered_bytes(); }
bool Connection::passthrough(Direction d) const noexcept { return !m->pipes[index(d)].has_stages(); }
bool Connection::ended(Direction d) const noexcept { return m->ended[index(d)]; }
bool Connection::finished() const noexcept { return m->ended[0] && m->ended[1]; }

// --- the link ----------------------------------------------------------------

Link::Link(std::string name, std::string listen, std::string upstream, std::uint64_t seed, CivilWeek week)
    : m_name(std::move(name)), m_listen(std::move(listen)), m_upstream(std::move(upstream)), m_seed(seed),
      m_week(week) {}
Link::~Link() = default;

Link::Toxic& Link::toxic(std::string_view name) {
    for (auto& t : m_toxics)
        if (t->spec.name == name) return *t;
    throw ApiError(404, "toxic not found");
}

const ToxicSpec* Link::find_toxic(std::string_view name) const noexcept {
    for (const auto& t : m_toxics)
        if (t->spec.name == name) return &t->spec;
    return nullptr;
}

std::vector<const ToxicSpec*> Link::toxics() const {
    std::vector<const ToxicSpec*> out;
    for (Direction d : {Direction::upstream, Direction::downstream})
        for (const auto& t : m_toxics)
            if (t->spec.stream == d) out.push_back(&t->spec);
    return out;
}

nlohmann::json Link::toxic_stats(std::string_view name) const {
    for (const auto& t : m_toxics)
        if (t->spec.name == name) return t->http ? detail::http_fault_stats(*t->http) : nlohmann::json();
    return nullptr;
}

nlohmann::json Link::toxic_json(const ToxicSpec& spec) const {
    nlohmann::json j = spec.to_json();
    if (nlohmann::json stats = toxic_stats(spec.name); !stats.is_null()) j["stats"] = std::move(stats);
    return j;
}

bool Link::applies(Toxic& t, Connection& c) {
    auto& list = c.m->applies;
    auto it = std::find_if(list.begin(), list.end(), [&](const Applies& a) { return a.order == t.order; });
    if (it == list.end()) {
        sim::Rng draw(sim::derive_seed(m_seed, stream_prefix(c.m->id, t.spec.name) + "toxicity"));
        list.push_back(Applies{t.order, draw.uniform01(), t.ranked++});
        it = list.end() - 1;
    }
    const bool ranked_in = t.spec.first_connections == 0 || it->rank < t.spec.first_connections;
    return ranked_in && it->u < t.spec.toxicity;
}

void Link::install(Toxic& t, Connection& c, sim::Time now) {
    if (!applies(t, c)) return;
    auto& list = c.m->applies;
    auto& a = *std::find_if(list.begin(), list.end(), [&](const Applies& x) { return x.order == t.order; });
    if (a.installed) return;
    a.installed = true;
    const std::string base = stream_prefix(c.m->id, t.spec.name);
    const std::uint64_t run = a.installs++;
    auto rng_for = [&](Direction d) {
        std::string name = base;
        name += to_string(d);
        name += '/';
        name += std::to_string(run);
        return sim::Rng(sim::derive_seed(m_seed, name));
    };

    Connection::Impl& ci = *c.m;
    ci.run(now);
    if (t.spec.type == ToxicType::http_fault) {
        auto [up, down] = detail::make_http_fault_stages(t.key(), t.response_key(),
                                                         std::get<HttpFaultParams>(t.spec.params), t.http,
                                                         rng_for(Direction::upstream));
        ci.pipe(Direction::downstream).insert(std::move(down), now, ci);
        ci.pipe(Direction::upstream).insert(std::move(up), now, ci);
    } else if (t.spec.both_ways()) {
        for (Direction d : {Direction::upstream, Direction::downstream}) {
            if (ci.pending_abort) break;
            ci.pipe(d).insert(detail::make_stage(t.key(), t.spec.params, rng_for(d)), now, ci);
        }
    } else {
        ci.pipe(t.spec.stream).insert(detail::make_stage(t.key(), t.spec.params, rng_for(t.spec.stream)), now, ci);
    }
    ci.run(now);
}

void Link::uninstall(Toxic& t, Connection& c, sim::Time now) {
    auto& list = c.m->applies;
    auto it = std::find_if(list.begin(), list.end(), [&](const Applies& a) { return a.order == t.order; });
    if (it == list.end() || !it->installed) return;
    it->installed = false;
    Connection::Impl& ci = *c.m;
    ci.run(now);
    for (auto& p : ci.pipes) {
        p.remove(t.key(), now, ci);
        p.remove(t.response_key(), now, ci);  // an http_fault's response side
        if (ci.pending_abort) break;
    }
    ci.run(now);
}

void Link::set_present(Toxic& t, bool present, sim::Time now) {
    if (t.present == present) return;
    t.present = present;
    for (auto& c : m_connections) {
        if (present) install(t, *c, now);
        else uninstall(t, *c, now);
    }
}

const ToxicSpec& Link::add_toxic(ToxicSpec spec, sim::Time now) {
    if (find_toxic(spec.name)) throw ApiError(409, "toxic already exists");
    auto t = std::make_unique<Toxic>();
    if (!spec.schedule.is_null()) {
        try {
            t->schedule = Schedule::from_json(spec.schedule, now, m_week);
        } catch (const std::invalid_argument& e) {
            throw ApiError(400, std::string("bad request body: attributes.schedule: ") + e.what());
        }
    }
    t->spec = std::move(spec);
    t->order = m_next_order++;
    if (t->spec.type == ToxicType::http_fault) t->http = detail::make_http_fault_shared();
    t->present = !t->schedule || t->schedule->active(now);
    t->next_change = t->schedule ? t->schedule->next_change(now) : sim::end_of_time;
    Toxic& ref = *t;
    m_toxics.push_back(std::move(t));
    for (auto& c : m_connections) {
        if (ref.present) install(ref, *c, now);
        else applies(ref, *c);  // ranks it among the connections it has met
    }
    return ref.spec;
}

const ToxicSpec& Link::update_toxic(std::string_view name, const nlohmann::json& body, sim::Time now) {
    Toxic& t = toxic(name);
    ToxicSpec next = t.spec.updated(body);
    std::optional<Schedule> schedule;
    const bool reschedule = next.schedule != t.spec.schedule;
    if (reschedule && !next.schedule.is_null()) {
        try {
            schedule = Schedule::from_json(next.schedule, now, m_week);
        } catch (const std::invalid_argument& e) {
            throw ApiError(400, std::string("bad request body: attributes.schedule: ") + e.what());
        }
    }
    t.spec = std::move(next);
    if (t.http) detail::update_http_fault_shared(*t.http, std::get<HttpFaultParams>(t.spec.params));
    for (auto& c : m_connections) {
        auto& list = c->m->applies;
        const auto it = std::find_if(list.begin(), list.end(), [&](const Applies& a) { return a.order == t.order; });
        const bool was = it != list.end() && it->installed;
        const bool should = applies(t, *c) && t.present;
        if (was && should) {
            Connection::Impl& ci = *c->m;
            ci.run(now);
            for (auto& p : ci.pipes) {
                p.update(t.key(), t.spec.params);
                p.update(t.response_key(), t.spec.params);
            }
            ci.run(now);
        } else if (was) {
            uninstall(t, *c, now);
        } else if (should) {
            install(t, *c, now);
        }
    }
    if (reschedule) {
        t.schedule = std::move(schedule);
        t.next_change = t.schedule ? t.schedule->next_change(now) : sim::end_of_time;
        set_present(t, !t.schedule || t.schedule->active(now), now);
    }
    return t.spec;
}

void Link::remove_toxic(std::string_view name, sim::Time now) {
    Toxic& t = toxic(name);
    for (auto& c : m_connections) uninstall(t, *c, now);
    m_toxics.erase(std::find_if(m_toxics.begin(), m_toxics.end(), [&](const auto& p) { return p.get() == &t; }));
}

void Link::remove_all_toxics(sim::Time now) {
    while (!m_toxics.empty()) remove_toxic(m_toxics.back()->spec.name, now);
}

void Link::set_enabled(bool enabled, sim::Time now) {
    if (m_enabled == enabled) return;
    m_enabled = enabled;
    if (enabled) return;
    for (auto& c : m_connections) {
        Connection::Impl& ci = *c->m;
        ci.run(now);
        ci.abort(now, ChunkKind::close);
        ci.settle_abort();
    }
}

nlohmann::json Link::to_json() const {
    nlohmann::json toxics = nlohmann::json::array();
    for (const ToxicSpec* t : this->toxics()) toxics.push_back(toxic_json(*t));
    return nlohmann::json{{"name", m_name},
                          {"listen", m_listen},
                          {"upstream", m_upstream},
                          {"enabled", m_enabled},
                          {"toxics", std::move(toxics)}};
}

sim::Time Link::next_schedule_change() const noexcept {
    sim::Time t = sim::end_of_time;
    for (const auto& x : m_toxics) t = std::min(t, x->next_change);
    return t;
}

void Link::apply_schedules(sim::Time now) {
    for (sim::Time b = next_schedule_change(); b <= now; b = next_schedule_change()) {
        for (auto& c : m_connections) c->m->run(b);
        for (auto& x : m_toxics) {
            if (x->next_change != b) continue;
            x->next_change = x->schedule->next_change(b);
            set_present(*x, x->schedule->active(b), b);
        }
    }
}

Connection* Link::open(sim::Time now, ConnectionSink* sink) {
    if (!m_enabled) {
        ++m_stats.connections_refused;
        return nullptr;
    }
    ++m_stats.connections_opened;
    m_connections.push_back(std::unique_ptr<Connection>(new Connection(*this, m_next_connection++, sink)));
    Connection& c = *m_connections.back();
    for (auto& t : m_toxics) {
        if (c.m->pending_abort || c.finished()) break;
        if (t->present) install(*t, c, now);
        else applies(*t, c);
    }
    c.m->run(now);
    return &c;
}

void Link::close(Connection& c) {
    const auto it = std::lower_bound(m_connections.begin(), m_connections.end(), c.id(),
                                     [](const auto& p, std::uint64_t id) { return p->id() < id; });
    if (it != m_connections.end() && it->get() == &c) m_connections.erase(it);
}

void Link::for_each_connection(const std::function<void(Connection&)>& f) {
    for (auto& c : m_connections) f(*c);
}

}  // namespace kiosktwin::link
