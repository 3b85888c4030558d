// The device benchmark: N kiosks' full device sets in virtual time, each
// driven through one scripted session by kiosk-side code that speaks the real
// protocols — read an ID card over SAM frames, check the citizen's face
// against the card's photo (the camera captures a frame and compares), print
// a 2-page A4 document over IPP (polling the job until it is done) and a
// receipt over ESC/POS (taking it from the slot when cut).
#pragma once

#include <kiosktwin/sim/time.hpp>

#include <chrono>
#include <cstdint>
#include <string>

namespace kiosktwin::analysis {

struct DeviceBenchParams {
    int kiosks = 10'000;
    std::uint64_t seed = 1;
    /// The bench file whose first kiosk is replicated (its JSON text).
    std::string bench_json;
    /// Virtual time between one kiosk's session starting and the next's:
    /// citizens arrive one after another (0 = every session at once).
    sim::Duration arrival_gap = std::chrono::milliseconds(100);
};

struct DeviceBenchResult {
    int kiosk_sessions = 0;       ///< sessions that ran to the end
    int failed_sessions = 0;      ///< sessions where a device did not answer as expected
    std::uint64_t devices = 0;    ///< device models built
    std::uint64_t operations = 0; ///< device operations: exchanges, requests and physical actions
    std::uint64_t bytes = 0;      ///< bytes carried to and from the devices, all decoded on the way
    std::uint64_t events = 0;     ///< kernel events
    double virtual_s = 0;         ///< virtual time the sessions spanned
    double build_s = 0;           ///< wall time building the device sets
    double run_s = 0;             ///< wall time running the sessions
    std::string first_failure;    ///< what went wrong first, if anything did
};

/// Runs the benchmark. Wall-clock figures come from `clock_s`, a function
/// returning seconds from any fixed origin (the kernel itself reads no clock).
DeviceBenchResult run_device_bench(const DeviceBenchParams& p, double (*clock_s)());

}  // namespace kiosktwin::analysis
