// Toxics: what a link does to the data it carries, in Toxiproxy's terms
// (peripherals.md §3.2), plus what Toxiproxy's users ask for and do not get
// (§3.3). A toxic is data — name, type, stream, toxicity, attributes — in the
// JSON Toxiproxy's API speaks, so that existing clients drive it unchanged:
//
//   {"name": "slow_4g", "type": "latency", "stream": "downstream",
//    "toxicity": 1.0, "attributes": {"latency": 300, "jitter": 100}}
//
// Toxiproxy's types, with its code-checked semantics:
//   latency     latency, jitter (ms)    each chunk waits latency + U[-jitter, +jitter),
//                                       in order (a chunk never overtakes the one before)
//   bandwidth   rate (KB/s, 1 KB = 1000 B; 0 = unlimited)
//                                       bytes leave at the rate; chunks worth more than
//                                       100 ms leave in 100 ms pieces
//   slow_close  delay (ms)              the close (eof) waits delay
//   timeout     timeout (ms)            data is dropped; the connection closes timeout
//                                       after the last chunk (0 = never: a black hole);
//                                       removing the toxic closes the connection
//   reset_peer  timeout (ms)            the first chunk (data or eof) is dropped and the
//                                       connection reset timeout later
//   slicer      average_size, size_variation (bytes), delay (µs)
//                                       chunks are cut into slices, each sent delay apart
//   limit_data  bytes                   the connection closes after exactly `bytes`
//
// KioskTwin's types (extra `type` values, ignored by nothing):
//   loss        probability, rto, max_rto (ms), mss (bytes), max_retransmits
//               packet loss as TCP sees it on a stream: each MSS-sized segment
//               is lost with `probability` and retransmitted after an RTO that
//               doubles per attempt; the chunk waits for its slowest segment and
//               a segment lost more than max_retransmits times resets the connection
//   partition   mode ("reset" | "hold")
//               the path is cut both ways: "reset" resets every connection it
//               meets and every new one; "hold" holds all data until it lifts
//   http_fault  Envoy's HTTP fault filter on the requests of an HTTP/1.1 stream:
//               abort_status, abort_percent, delay (ms), delay_percent,
//               throttle (KiB/s of response body), throttle_percent, first_n,
//               path_prefix, method, header_control (x-envoy-fault-* headers)
//   latency with "distribution": "normal" | "pareto" | "paretonormal" | "empirical"
//               heavy tails: latency is the mean and jitter the standard
//               deviation (pareto: shape `alpha`, default 3); "empirical" draws
//               latency + a value from `table`, [[ms, cumulative p], ...]
//
// And on any toxic:
//   schedule           when it acts ("every day 09:00-09:05", windows...): it is
//                      added at each window's start and removed at its end
//   first_connections  it affects only the first N connections opened after it
//                      was added (0 = all)
//
// Toxicity is drawn once per connection and toxic, from the link's seeded
// stream: the toxic affects the connection iff u < toxicity with u in (0, 1),
// so toxicity 0 never fires and 1 always does.
#pragma once

#include <kiosktwin/link/chunk.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace kiosktwin::link {

/// A control-plane error as Toxiproxy reports it: an HTTP status and a message.
class ApiError : public std::runtime_error {
public:
    ApiError(int status, const std::string& message) : std::runtime_error(message), m_status(status) {}
    int status() const noexcept { return m_status; }
    /// {"error": message, "status": status}
    nlohmann::json to_json() const;

private:
    int m_status;
};

enum class ToxicType : std::uint8_t {
    latency, bandwidth, slow_close, timeout, reset_peer, slicer, limit_data,  // Toxiproxy's
    loss, partition, http_fault,                                              // KioskTwin's
};
const char* to_string(ToxicType t) noexcept;
std::optional<ToxicType> toxic_type_from_string(std::string_view s) noexcept;
/// Whether Toxiproxy itself has this type.
bool is_toxiproxy_type(ToxicType t) noexcept;
/// Every type name, Toxiproxy's first.
const std::vector<std::string>& toxic_type_names();

enum class LatencyDistribution : std::uint8_t { uniform, normal, pareto, paretonormal, empirical };

struct LatencyParams {
    double latency_ms = 0;
    double jitter_ms = 0;
    LatencyDistribution distribution = LatencyDistribution::uniform;
    double alpha = 3.0;                                  ///< pareto shape (> 2)
    std::vector<std::pair<double, double>> table;        ///< empirical: (ms, cumulative p)
};
struct BandwidthParams { double rate_kb_s = 0; };
struct SlowCloseParams { double delay_ms = 0; };
struct TimeoutParams { double timeout_ms = 0; };
struct ResetPeerParams { double timeout_ms = 0; };
struct SlicerParams {
    std::uint32_t average_size = 1;
    std::uint32_t size_variation = 0;
    double delay_us = 0;
};
struct LimitDataParams { std::uint64_t bytes = 0; };
struct LossParams {
    double probability = 0;
    double rto_ms = 200;
    double max_rto_ms = 120'000;
    std::uint32_t mss = 1460;
    std::uint32_t max_retransmits = 15;
};
enum class PartitionMode : std::uint8_t { reset, hold };
struct PartitionParams { PartitionMode mode = PartitionMode::reset; };
struct HttpFaultParams {
    int abort_status = 0;             ///< 0: no abort
    double abort_percent = 100;
    double delay_ms = 0;
    double delay_percent = 100;
    double throttle_kib_s = 0;        ///< 0: no throttle
    double throttle_percent = 100;
    std::uint64_t first_n = 0;        ///< 0: every matching request
    std::string path_prefix;          ///< "" matches every path
    std::string method;               ///< "" matches every method
    bool header_control = false;      ///< honour x-envoy-fault-* request headers
};

using ToxicParams = std::variant<LatencyParams, BandwidthParams, SlowCloseParams, TimeoutParams, ResetPeerParams,
                                 SlicerParams, LimitDataParams, LossParams, PartitionParams, HttpFaultParams>;

/// One toxic as the API holds it.
struct ToxicSpec {
    std::string name;
    ToxicType type = ToxicType::latency;
    Direction stream = Direction::downstream;
    double toxicity = 1.0;
    /// Every attribute of the type with its value (defaults filled in), plus
    /// `schedule` and `first_connections` when given: what GET returns.
    nlohmann::json attributes = nlohmann::json::object();
    ToxicParams params;
    nlohmann::json schedule;              ///< null: always
    std::uint64_t first_connections = 0;  ///< 0: every connection

    /// From a POST body, with Toxiproxy's defaults (stream downstream,
    /// toxicity 1, name "<type>_<stream>"). Throws ApiError 400 naming the
    /// bad field ("invalid toxic type", "attributes.latency: must be >= 0").
    static ToxicSpec from_json(const nlohmann::json& body);
    /// This toxic with `body`'s toxicity and attributes merged in (a partial
    /// update keeps what it does not name). Name, type and stream stay.
    ToxicSpec updated(const nlohmann::json& body) const;
    /// {"name", "type", "stream", "toxicity", "attributes"}
    nlohmann::json to_json() const;
    /// Whether it acts on both directions whatever its stream (partition).
    bool both_ways() const noexcept { return type == ToxicType::partition; }
};

}  // namespace kiosktwin::link
