// `kiosktwin serve --stacks`: beside the devices it hosts, serve runs a kiosk
// software stack for every kiosk of the bench — live, through the same ports,
// link proxies and gateway a developer's program would use — with scripted
// citizens at each. All stacks share one simulation and one pacer on one
// thread of their own; the devices keep theirs (the host's I/O thread).
#pragma once

#include <kiosktwin/live/gateway_transport.hpp>

#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace kiosktwin::app {

struct StacksOptions {
    int sessions = 1;            ///< scripted sessions per kiosk, one after another
    double think_s = 2.0;        ///< the citizens' time per page
    std::uint64_t seed = 1;
    double boot_timeout_s = 60;  ///< a stack not booted by then counts as failed
    double idle_timeout_s = 60;  ///< the kiosks' idle rule (the warning lasts a quarter of it)
    std::function<void(const std::string&)> log;
};

class ServeStacks {
public:
    /// `endpoints`: serve's endpoints document; `keys[i]` the signing key of
    /// the i-th kiosk listed; `admin` the platform key payments and the back
    /// office use.
    ServeStacks(nlohmann::json endpoints, std::vector<live::SigningKey> keys, live::SigningKey admin,
                StacksOptions options);
    ~ServeStacks();
    ServeStacks(const ServeStacks&) = delete;
    ServeStacks& operator=(const ServeStacks&) = delete;

    /// Starts the stacks' thread; `on_done` runs on it when every scripted
    /// session has ended (or the stacks gave up).
    void start(std::function<void()> on_done);
    /// Stops the stacks (from any thread) and joins their thread.
    void stop();
    bool done() const noexcept { return m_done.load(); }

    /// {"kiosks", "sessions", "outcomes": {kind: n}, "reasons": {...},
    ///  "not_booted", "wall_s", "sessions_per_min", "done"}; after stop() or done().
    nlohmann::json summary() const;

private:
    void run();
    nlohmann::json m_endpoints;
    std::vector<live::SigningKey> m_keys;
    live::SigningKey m_admin;
    StacksOptions m_options;
    std::function<void()> m_on_done;
    std::thread m_thread;
    std::atomic<bool> m_done{false};
    std::atomic<bool> m_stop{false};
    struct Shared;
    std::shared_ptr<Shared> m;
};

}  // namespace kiosktwin::app
