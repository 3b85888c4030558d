#include <kiosktwin/link/toxic.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

namespace kiosktwin::link {

namespace {

using nlohmann::json;

constexpr std::array<const char*, 10> k_type_names{
    "latency", "bandwidth", "slow_close", "timeout", "reset_peer", "slicer", "limit_data",
    "loss", "partition", "http_fault",
};

[[noreturn]] void bad(const std::string& what) { throw ApiError(400, "bad request body: " + what); }

std::string shown(const json& v) {
    std::string s = v.dump();
    if (s.size() > 40) s = s.substr(0, 37) + "...";
    return s;
}

/// Reads attributes[key] (absent: `def`) as a finite number in [lo, hi].
double number(const json& attrs, const char* key, double def, double lo, double hi = 1e15) {
    const auto it = attrs.find(key);
    if (it == attrs.end() || it->is_null()) return def;
    if (!it->is_number()) bad(std::string("attributes.") + key + ": expected a number, got " + shown(*it));
    const double v = it->get<double>();
    if (!std::isfinite(v)) bad(std::string("attributes.") + key + ": must be finite");
    if (v < lo) bad(std::string("attributes.") + key + ": must be >= " + json(lo).dump() + " (got " + shown(*it) + ")");
    if (v > hi) bad(std::string("attributes.") + key + ": must be <= " + json(hi).dump() + " (got " + shown(*it) + ")");
    return v;
}

std::uint64_t integer(const json& attrs, const char* key, std::uint64_t def, std::uint64_t lo, std::uint64_t hi) {
    const auto it = attrs.find(key);
    if (it == attrs.end() || it->is_null()) return def;
    if (!it->is_number()) bad(std::string("attributes.") + key + ": expected an integer, got " + shown(*it));
    const double v = it->get<double>();
    if (!std::isfinite(v) || v != std::floor(v))
        bad(std::string("attributes.") + key + ": expected an integer, got " + shown(*it));
    if (v < static_cast<double>(lo) || v > static_cast<double>(hi))
        bad(std::string("attributes.") + key + ": must be between " + std::to_string(lo) + " and " + std::to_string(hi) +
            " (got " + shown(*it) + ")");
    return static_cast<std::uint64_t>(v);
}

std::string text(const json& attrs, const char* key, std::string def) {
    const auto it = attrs.find(key);
    if (it == attrs.end() || it->is_null()) return def;
    if (!it->is_string()) bad(std::string("attributes.") + key + ": expected a string, got " + shown(*it));
    return it->get<std::string>();
}

bool boolean(const json& attrs, const char* key, bool def) {
    const auto it = attrs.find(key);
    if (it == attrs.end() || it->is_null()) return def;
    if (!it->is_boolean()) bad(std::string("attributes.") + key + ": expected true or false, got " + shown(*it));
    return it->get<bool>();
}

constexpr double k_max_ms = 1e12;  // ~31 years: enough for "forever", far from overflow

LatencyParams parse_latency(const json& a, json& out) {
    LatencyParams p;
    p.latency_ms = number(a, "latency", 0, 0, k_max_ms);
    p.jitter_ms = number(a, "jitter", 0, 0, k_max_ms);
    out["latency"] = p.latency_ms;
    out["jitter"] = p.jitter_ms;
    const std::string dist = text(a, "distribution", "uniform");
    if (dist == "uniform") p.distribution = LatencyDistribution::uniform;
    else if (dist == "normal") p.distribution = LatencyDistribution::normal;
    else if (dist == "pareto") p.distribution = LatencyDistribution::pareto;
    else if (dist == "paretonormal") p.distribution = LatencyDistribution::paretonormal;
    else if (dist == "empirical") p.distribution = LatencyDistribution::empirical;
    else bad("attributes.distribution: expected uniform, normal, pareto, paretonormal or empirical, got \"" + dist + "\"");
    if (p.distribution != LatencyDistribution::uniform) out["distribution"] = dist;
    if (p.distribution == LatencyDistribution::pareto || p.distribution == LatencyDistribution::paretonormal) {
        p.alpha = number(a, "alpha", 3.0, 0, 1e6);
        if (!(p.alpha > 2.0)) bad("attributes.alpha: the Pareto shape must be > 2 (its variance is finite only then)");
        out["alpha"] = p.alpha;
    }
    if (p.distribution == LatencyDistribution::empirical) {
        const auto it = a.find("table");
        if (it == a.end() || !it->is_array() || it->size() < 2)
            bad("attributes.table: an empirical latency needs a table of at least two [ms, cumulative p] points");
        double last_ms = -1, last_p = -1;
        for (std::size_t i = 0; i < it->size(); ++i) {
            const json& pt = (*it)[i];
            const std::string where = "attributes.table[" + std::to_string(i) + "]";
            if (!pt.is_array() || pt.size() != 2 || !pt[0].is_number() || !pt[1].is_number())
                bad(where + ": expected [ms, cumulative p]");
            const double ms = pt[0].get<double>(), pr = pt[1].get<double>();
            if (!std::isfinite(ms) || ms < 0 || ms > k_max_ms) bad(where + ": ms must be finite and >= 0");
            if (!std::isfinite(pr) || pr < 0 || pr > 1) bad(where + ": p must be in [0, 1]");
            if (ms < last_ms || pr < last_p) bad(where + ": ms and p must not decrease");
            last_ms = ms;
            last_p = pr;
            p.table.emplace_back(ms, pr);
        }
        if (p.table.front().second != 0.0 || p.table.back().second != 1.0)
            bad("attributes.table: the first point's p must be 0 and the last one's 1");
        out["table"] = *it;
    }
    return p;
}

ToxicParams parse_params(ToxicType type, const json& a, json& out) {
    switch (type) {
    case ToxicType::latency: return parse_latency(a, out);
    case ToxicType::bandwidth: {
        BandwidthParams p{number(a, "rate", 0, 0)};
        out["rate"] = p.rate_kb_s;
        return p;
    }
    case ToxicType::slow_close: {
        SlowCloseParams p{number(a, "delay", 0, 0, k_max_ms)};
        out["delay"] = p.delay_ms;
        return p;
    }
    case ToxicType::timeout: {
        TimeoutParams p{number(a, "timeout", 0, 0, k_max_ms)};
        out["timeout"] = p.timeout_ms;
        return p;
    }
    case ToxicType::reset_peer: {
        ResetPeerParams p{number(a, "timeout", 0, 0, k_max_ms)};
        out["timeout"] = p.timeout_ms;
        return p;
    }
    case ToxicType::slicer: {
        SlicerParams p;
        p.average_size = static_cast<std::uint32_t>(integer(a, "average_size", 1, 1, 1u << 30));
        p.size_variation = static_cast<std::uint32_t>(integer(a, "size_variation", 0, 0, 1u << 30));
        p.delay_us = number(a, "delay", 0, 0, k_max_ms * 1000);
        if (p.size_variation >= p.average_size)
            bad("attributes.size_variation: must be less than average_size");
        out["average_size"] = p.average_size;
        out["size_variation"] = p.size_variation;
        out["delay"] = p.delay_us;
        return p;
    }
    case ToxicType::limit_data: {
        LimitDataParams p{integer(a, "bytes", 0, 0, std::uint64_t{1} << 53)};
        out["bytes"] = p.bytes;
        return p;
    }
    case ToxicType::loss: {
        LossParams p;
        p.probability = number(a, "probability", 0, 0, 1);
        p.rto_ms = number(a, "rto", 200, 0, k_max_ms);
        p.max_rto_ms = number(a, "max_rto", 120'000, 0, k_max_ms);
        p.mss = static_cast<std::uint32_t>(integer(a, "mss", 1460, 1, 1u << 20));
        p.max_retransmits = static_cast<std::uint32_t>(integer(a, "max_retransmits", 15, 0, 1000));
        if (!(p.rto_ms > 0)) bad("attributes.rto: must be > 0");
        if (p.max_rto_ms < p.rto_ms) bad("attributes.max_rto: must be >= rto");
        if (p.probability >= 1.0) bad("attributes.probability: must be < 1 (every segment lost is a partition)");
        out["probability"] = p.probability;
        out["rto"] = p.rto_ms;
        out["max_rto"] = p.max_rto_ms;
        out["mss"] = p.mss;
        out["max_retransmits"] = p.max_retransmits;
        return p;
    }
    case ToxicType::partition: {
        PartitionParams p;
        const std::string mode = text(a, "mode", "reset");
        if (mode == "reset") p.mode = PartitionMode::reset;
        else if (mode == "hold") p.mode = PartitionMode::hold;
        else bad("attributes.mode: expected \"reset\" or \"hold\", got \"" + mode + "\"");
        out["mode"] = mode;
        return p;
    }
    case ToxicType::http_fault: {
        HttpFaultParams p;
        p.abort_status = static_cast<int>(integer(a, "abort_status", 0, 0, 599));
        if (p.abort_status != 0 && p.abort_status < 200)
            bad("attributes.abort_status: must be an HTTP status from 200 to 599 (or 0 for none)");
        p.abort_percent = number(a, "abort_percent", 100, 0, 100);
        p.delay_ms = number(a, "delay", 0, 0, k_max_ms);
        p.delay_percent = number(a, "delay_percent", 100, 0, 100);
        p.throttle_kib_s = number(a, "throttle", 0, 0);
        p.throttle_percent = number(a, "throttle_percent", 100, 0, 100);
        p.first_n = integer(a, "first_n", 0, 0, std::uint64_t{1} << 53);
        p.path_prefix = text(a, "path_prefix", "");
        p.method = text(a, "method", "");
        p.header_control = boolean(a, "header_control", false);
        out["abort_status"] = p.abort_status;
        out["abort_percent"] = p.abort_percent;
        out["delay"] = p.delay_ms;
        out["delay_percent"] = p.delay_percent;
        out["throttle"] = p.throttle_kib_s;
        out["throttle_percent"] = p.throttle_percent;
        out["first_n"] = p.first_n;
        out["path_prefix"] = p.path_prefix;
        out["method"] = p.method;
        out["header_control"] = p.header_control;
        return p;
    }
    }
    bad("invalid toxic type");
}

/// Parses the attributes of `spec.type` from `attrs` into spec.params and
/// spec.attributes (normalised), with the generic `schedule` and
/// `first_connections`.
void apply_attributes(ToxicSpec& spec, const json& attrs) {
    if (!attrs.is_object()) bad("attributes: expected an object");
    json out = json::object();
    spec.params = parse_params(spec.type, attrs, out);
    spec.first_connections = integer(attrs, "first_connections", 0, 0, std::uint64_t{1} << 53);
    if (spec.first_connections != 0) out["first_connections"] = spec.first_connections;
    spec.schedule = nullptr;
    if (const auto it = attrs.find("schedule"); it != attrs.end() && !it->is_null()) {
        if (!it->is_string() && !it->is_array() && !it->is_object())
            bad("attributes.schedule: expected a string, an object or an array of them");
        spec.schedule = *it;  // checked when the toxic is added (Schedule needs the time)
        out["schedule"] = *it;
    }
    // Whole numbers are shown as integers, as Toxiproxy (whose attributes are
    // Go int64s) shows them: "latency": 300, not 300.0.
    for (json& value : out) {
        if (!value.is_number_float()) continue;
        const double v = value.get<double>();
        if (v == std::floor(v) && std::fabs(v) < 9.007199254740992e15) value = static_cast<std::int64_t>(v);
    }
    spec.attributes = std::move(out);
}

double toxicity_of(const json& body, double def) {
    const auto it = body.find("toxicity");
    if (it == body.end() || it->is_null()) return def;
    if (!it->is_number()) bad("toxicity: expected a number, got " + shown(*it));
    const double t = it->get<double>();
    if (!(t >= 0.0 && t <= 1.0)) bad("toxicity: must be between 0 and 1 (got " + shown(*it) + ")");
    return t;
}

}  // namespace

json ApiError::to_json() const { return json{{"error", what()}, {"status", m_status}}; }

const char* to_string(ToxicType t) noexcept { return k_type_names[static_cast<std::size_t>(t)]; }

std::optional<ToxicType> toxic_type_from_string(std::string_view s) noexcept {
    for (std::size_t i = 0; i < k_type_names.size(); ++i)
        if (s == k_type_names[i]) return static_cast<ToxicType>(i);
    return std::nullopt;
}

bool is_toxiproxy_type(ToxicType t) noexcept { return t <= ToxicType::limit_data; }

const std::vector<std::string>& toxic_type_names() {
    static const std::vector<std::string> names(k_type_names.begin(), k_type_names.end());
    return names;
}

ToxicSpec ToxicSpec::from_json(const json& body) {
    if (!body.is_object()) bad("expected a JSON object");
    ToxicSpec spec;
    const auto type_it = body.find("type");
    if (type_it == body.end() || !type_it->is_string()) throw ApiError(400, "invalid toxic type");
    const auto type = toxic_type_from_string(type_it->get<std::string>());
    if (!type) throw ApiError(400, "invalid toxic type");
    spec.type = *type;

    // http_fault reads requests, so its natural stream is upstream.
    const Direction default_stream = spec.type == ToxicType::http_fault ? Direction::upstream : Direction::downstream;
    spec.stream = default_stream;
    if (const auto it = body.find("stream"); it != body.end() && !it->is_null()) {
        const auto d = it->is_string() ? direction_from_string(it->get<std::string>()) : std::nullopt;
        if (!d) throw ApiError(400, "stream was invalid, can be either upstream or downstream");
        spec.stream = *d;
    }
    if (spec.type == ToxicType::http_fault && spec.stream != Direction::upstream)
        bad("stream: http_fault reads requests, so it goes on the upstream stream");

    spec.toxicity = toxicity_of(body, 1.0);
    const auto attrs_it = body.find("attributes");
    apply_attributes(spec, attrs_it == body.end() || attrs_it->is_null() ? json::object() : *attrs_it);

    if (const auto it = body.find("name"); it != body.end() && !it->is_null()) {
        if (!it->is_string()) bad("name: expected a string");
        spec.name = it->get<std::string>();
    }
    if (spec.name.empty()) spec.name = std::string(to_string(spec.type)) + "_" + to_string(spec.stream);
    if (spec.name.find('/') != std::string::npos) bad("name: must not contain '/'");
    return spec;
}

ToxicSpec ToxicSpec::updated(const json& body) const {
    if (!body.is_object()) bad("expected a JSON object");
    ToxicSpec next = *this;
    next.toxicity = toxicity_of(body, toxicity);
    if (const auto it = body.find("attributes"); it != body.end() && !it->is_null()) {
        if (!it->is_object()) bad("attributes: expected an object");
        json merged = attributes;
        for (const auto& [k, v] : it->items()) merged[k] = v;
        apply_attributes(next, merged);
    }
    return next;
}

json ToxicSpec::to_json() const {
    // Go shows a float32 1.0 as 1: so do we, for clients that compare text.
    json t = toxicity;
    if (toxicity == 0.0 || toxicity == 1.0) t = static_cast<int>(toxicity);
    return json{{"name", name},
                {"type", to_string(type)},
                {"stream", to_string(stream)},
                {"toxicity", t},
                {"attributes", attributes}};
}

}  // namespace kiosktwin::link
