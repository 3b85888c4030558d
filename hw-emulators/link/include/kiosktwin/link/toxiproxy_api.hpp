// Toxiproxy's HTTP API (api.go, peripherals.md §3.2) over the proxies of one
// bench, as a pure handler: request in, response out, no sockets. The live
// host serves it on port 8474; tests call it directly.
//
//   GET  /proxies                      every proxy, by name, with its toxics
//   POST /proxies                      create one (201); 409 if the name is taken
//   POST /populate                     create or replace several (201), each
//                                      unchanged one (same listen and upstream)
//                                      left as it is
//   GET  /proxies/{p}                  one proxy
//   POST /proxies/{p}                  change listen, upstream, enabled
//   DELETE /proxies/{p}                204
//   GET  /proxies/{p}/toxics           its toxics
//   POST /proxies/{p}/toxics           add one (200)
//   GET  /proxies/{p}/toxics/{t}       one toxic
//   POST /proxies/{p}/toxics/{t}       change its toxicity or attributes
//   DELETE /proxies/{p}/toxics/{t}     204
//   POST /reset                        enable every proxy, remove every toxic (204)
//   GET  /version                      {"version": "..."}
//   GET  /metrics                      Prometheus text: bytes sent by direction
//                                      (toxiproxy_proxy_sent_bytes_total),
//                                      connections opened, refused, reset
//
// Errors are Toxiproxy's: {"error": "proxy not found", "status": 404}. As in
// Toxiproxy, a request whose User-Agent starts with "Mozilla/" is refused
// (403): a web page must not be able to drive the proxy.
//
// KioskTwin's addition: a proxy in POST /proxies or /populate may carry a
// "toxics" array. Everything is checked first and the proxy starts accepting
// only once its toxics are in place, so no connection escapes them
// (Toxiproxy #148); a bad toxic leaves nothing behind.
#pragma once

#include <kiosktwin/link/link.hpp>
#include <kiosktwin/link/schedule.hpp>
#include <kiosktwin/sim/time.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::link {

/// The Toxiproxy API version we answer /version with, and follow.
inline constexpr const char* k_toxiproxy_api_version = "2.12.0";

/// Opens and closes the listening sockets of links: the live host does; the
/// twin and the tests run without.
class Listeners {
public:
    virtual ~Listeners() = default;
    /// Starts accepting for `link` at link.listen(); returns the address
    /// actually bound ("127.0.0.1:26379" for "127.0.0.1:0"). Throws
    /// std::runtime_error with the reason (the port is taken...).
    virtual std::string start(Link& link) = 0;
    /// Stops accepting (the link closes its connections itself).
    virtual void stop(Link& link) noexcept = 0;
};

/// The proxies of one bench, by name.
class ProxyTable {
public:
    /// Each link's stream seed is derive_seed(master_seed, "link/<name>").
    explicit ProxyTable(std::uint64_t master_seed, CivilWeek week = {}, Listeners* listeners = nullptr);
    ~ProxyTable();
    ProxyTable(const ProxyTable&) = delete;
    ProxyTable& operator=(const ProxyTable&) = delete;

    /// POST /proxies: {"name", "listen", "upstream", "enabled", "toxics"}.
    Link& create(const nlohmann::json& body, sim::Time now);
    /// POST /populate: an array of proxies. Returns them in order.
    std::vector<Link*> populate(const nlohmann::json& body, sim::Time now);
    /// POST /proxies/{name}: a partial {"listen", "upstream", "enabled"}.
    Link& update(std::string_view name, const nlohmann::json& body, sim::Time now);
    void remove(std::string_view name, sim::Time now);
    /// POST /reset.
    void reset(sim::Time now);

    Link* find(std::string_view name) noexcept;
    /// Throws ApiError 404 "proxy not found".
    Link& get(std::string_view name);
    /// Sorted by name.
    std::vector<Link*> links();
    std::size_t size() const noexcept { return m_links.size(); }

    /// When some link's schedule next changes; apply them up to `now`.
    sim::Time next_schedule_change() const noexcept;
    void apply_schedules(sim::Time now);

private:
    struct Plan;
    Plan plan(const nlohmann::json& body, std::size_t index) const;
    std::unique_ptr<Link> build(const Plan& p, sim::Time now) const;
    void start(Link& link);

    std::uint64_t m_master_seed;
    CivilWeek m_week;
    Listeners* m_listeners;
    std::map<std::string, std::unique_ptr<Link>, std::less<>> m_links;
};

struct ApiRequest {
    std::string method;      ///< "GET", "POST"...
    std::string target;      ///< "/proxies/kiosk-1-ipp/toxics?x=y"
    std::string body;
    std::string user_agent;
};

struct ApiResponse {
    int status = 200;
    std::string content_type = "application/json";
    std::string body;
};

/// One request of Toxiproxy's API against `table` at `now`.
ApiResponse handle_api(ProxyTable& table, const ApiRequest& request, sim::Time now);

}  // namespace kiosktwin::link
