// Drives link connections in virtual time for tests: a sink that records
// what each direction's destination is told, and a loop that advances a
// connection to each instant it asks for.
#pragma once

#include <kiosktwin/link/link.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::test {

using link::ChunkKind;
using link::Direction;

struct Delivery {
    Direction d;
    sim::Time at;
    ChunkKind kind;
    std::uint32_t size;
    link::Bytes bytes;
};

class Recorder final : public link::ConnectionSink {
public:
    void on_output(Direction d, link::Chunk&& c) override {
        out.push_back(Delivery{d, c.at, c.kind, c.size, std::move(c.bytes)});
    }

    /// The data bytes delivered in direction d, concatenated.
    std::string text(Direction d) const {
        std::string s;
        for (const Delivery& x : out)
            if (x.d == d && x.kind == ChunkKind::data) s.append(x.bytes.begin(), x.bytes.end());
        return s;
    }
    /// Data bytes delivered in direction d.
    std::uint64_t bytes(Direction d) const {
        std::uint64_t n = 0;
        for (const Delivery& x : out)
            if (x.d == d && x.kind == ChunkKind::data) n += x.size;
        return n;
    }
    /// The deliveries in direction d of `kind`.
    std::vector<Delivery> of(Direction d, ChunkKind kind) const {
        std::vector<Delivery> v;
        for (const Delivery& x : out)
            if (x.d == d && x.kind == kind) v.push_back(x);
        return v;
    }
    /// When direction d ended (eof, close or reset), or end_of_time.
    sim::Time ended_at(Direction d) const {
        for (const Delivery& x : out)
            if (x.d == d && x.kind != ChunkKind::data) return x.at;
        return sim::end_of_time;
    }
    /// How direction d ended (data if it has not).
    ChunkKind end_kind(Direction d) const {
        for (const Delivery& x : out)
            if (x.d == d && x.kind != ChunkKind::data) return x.kind;
        return ChunkKind::data;
    }

    std::vector<Delivery> out;
};

/// Advances `c` to every instant it asks for, up to and including `until`.
inline void run_until(link::Connection& c, sim::Time until) {
    for (sim::Time t = c.next_wakeup(); t <= until; t = c.next_wakeup()) c.advance(t);
}

inline link::Bytes bytes_of(std::string_view s) { return link::Bytes(s.begin(), s.end()); }

inline sim::Time ms(double v) { return sim::Time{sim::from_seconds(v / 1000.0)}; }

inline link::ToxicSpec toxic(const char* json_text) {
    return link::ToxicSpec::from_json(nlohmann::json::parse(json_text));
}

}  // namespace kiosktwin::test
