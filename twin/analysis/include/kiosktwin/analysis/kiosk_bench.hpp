// The kiosk benchmark: scripted sessions through one kiosk stack in virtual
// time, with every device exchange (SAM frames, ESC/POS, IPP, the cameras'
// local service), the network link and every gateway call (the platform's
// request handler, in process) modelled — what the site world pays per
// citizen. Citizens come one after another from world::ScriptedCitizens.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace kiosktwin::analysis {

struct KioskBenchParams {
    std::uint64_t sessions = 20'000;
    std::uint64_t seed = 1;
    bool link = true;  ///< through a link model (else a perfect path)
};

struct KioskBenchResult {
    std::uint64_t sessions = 0;  ///< sessions recorded (one outcome each)
    std::map<std::string, std::uint64_t> outcomes;  ///< by kind
    std::map<std::string, std::uint64_t> reasons;   ///< by reason (failed, abandoned, degraded)
    std::uint64_t applications = 0;    ///< 办件 at the gateway
    std::uint64_t gateway_calls = 0;   ///< requests the gateway handled
    std::uint64_t device_operations = 0;
    std::uint64_t device_bytes = 0;
    double virtual_s = 0;  ///< virtual time the sessions spanned
    double run_s = 0;      ///< wall time running them
};

/// Runs the benchmark; wall-clock figures come from `clock_s` (the kernel
/// reads no clock).
KioskBenchResult run_kiosk_bench(const KioskBenchParams& p, double (*clock_s)());

}  // namespace kiosktwin::analysis
