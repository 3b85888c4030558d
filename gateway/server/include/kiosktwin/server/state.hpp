// The gateway's whole state: the emulated back ends, the signing keys and
// their replay cache, the terminal bindings and the audit log. It is what
// handle_request (router.hpp) reads and changes, and nothing else is: the
// twin owns one per platform in virtual time; the live server owns one and
// guards it with one mutex (live_server.hpp), rebuilding it on start from
// the journal of every request that changed it (journal.hpp).
//
// Keys: every key id has a secret and a role. A kiosk key signs a terminal's
// calls; the first call must be POST /api/v1/terminals/register, which binds
// the key id to the terminal id it registers (one terminal per key). An admin
// key signs the platform side's calls (/admin/v1: departments deciding 办件,
// remote commands, licences, payments' channel callbacks, catalogue changes).
//
// Profiles: each back end ("identity", "catalogue", "applications",
// "payments", "licences", "evaluations", "terminals") may have a latency and
// failure profile; without one it answers at once and never fails. Each
// back end draws from its own named stream ("gateway/identity", ...), and
// the request's own draws (face compare) from "gateway/request", each at the
// request's sequence number: replaying the journal redraws exactly, and a
// new back end or draw moves nobody else's.
#pragma once

#include <kiosktwin/api/signing.hpp>
#include <kiosktwin/services/applications.hpp>
#include <kiosktwin/services/audit.hpp>
#include <kiosktwin/services/catalogue.hpp>
#include <kiosktwin/services/evaluations.hpp>
#include <kiosktwin/services/identity.hpp>
#include <kiosktwin/services/licences.hpp>
#include <kiosktwin/services/payments.hpp>
#include <kiosktwin/services/population.hpp>
#include <kiosktwin/services/profile.hpp>
#include <kiosktwin/services/terminals.hpp>
#include <kiosktwin/sim/calendar.hpp>
#include <kiosktwin/sim/time.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::server {

enum class Role : std::uint8_t { kiosk, admin };
std::string_view to_string(Role r) noexcept;
std::optional<Role> parse_role(std::string_view s) noexcept;

struct KeyEntry {
    std::string key_id;  ///< api::valid_key_id
    std::string secret;  ///< non-empty
    Role role = Role::kiosk;
};

/// {"keys": [{"key_id", "secret", "role": "kiosk"|"admin"}]}; throws
/// std::invalid_argument naming the JSON pointer of a bad member.
std::vector<KeyEntry> keys_from_json(const nlohmann::json& j);

/// The back ends that may carry a profile.
inline constexpr std::string_view k_backends[] = {"identity", "catalogue",   "applications", "payments",
                                                  "licences", "evaluations", "terminals"};

struct Config {
    std::uint64_t seed = 1;
    sim::Calendar calendar;  ///< civil time of virtual instants (default: t = 0 is 2026-06-01 +08:00)
    std::size_t catalogue_items = 160;
    std::string region = "440300";  ///< the platform's own region (GB/T 2260), for the catalogue
    std::size_t max_body_bytes = 8u << 20;  ///< larger bodies: 413 request.too_large
    sim::Duration signature_window = std::chrono::seconds(300);
    std::map<std::string, services::ServiceProfile, std::less<>> profiles;  ///< by back end
    /// The population register; null: generate_population(1, 1000), which is
    /// assets/population/residents-1000.jsonl.
    std::shared_ptr<const services::Register> population;
    std::vector<KeyEntry> keys;

    /// {"seed", "catalogue_items", "region", "max_body_bytes",
    ///  "signature_window_s", "profiles": {"identity": {...}, ...}} (every
    /// member optional); throws std::invalid_argument naming the JSON pointer.
    /// Keys and population are not part of it.
    static Config from_json(const nlohmann::json& j);
};

class State {
    Config m_config;  // first: the back ends below are built from it

public:
    explicit State(Config config = {});
    State(const State&) = delete;
    State& operator=(const State&) = delete;

    const Config& config() const noexcept { return m_config; }
    const sim::Calendar& calendar() const noexcept { return m_config.calendar; }

    /// Adds (or replaces) a key. Throws std::invalid_argument for a bad id or empty secret.
    void add_key(const KeyEntry& key);
    const KeyEntry* key(std::string_view key_id) const;
    /// The terminal a kiosk key registered, or nullptr.
    const std::string* terminal_of(std::string_view key_id) const;
    void bind(std::string key_id, std::string terminal_id);

    /// The profile of a back end, or nullptr (ideal).
    const services::ServiceProfile* profile(std::string_view backend) const;

    // The back ends (public: the router and the twin's department agents use them).
    services::audit::AuditLog audit;
    api::Verifier verifier;
    services::catalogue::Catalogue catalogue;
    services::applications::Applications applications;
    services::terminals::Registry terminals;
    services::IdentityService identity;
    services::payments::Payments payments;
    services::licences::Licences licences;
    services::evaluations::Evaluations evaluations;

    /// Requests handled so far (every one, read or write); the next one's number is sequence + 1.
    std::uint64_t sequence = 0;
    /// The latest `now` seen: the handler never lets time run backwards.
    sim::Time last_now{};

    /// Memo of serialised catalogue pages, by request target, for one catalogue version.
    std::map<std::string, std::string, std::less<>> page_cache;
    std::uint64_t page_cache_version = 0;

private:
    std::map<std::string, KeyEntry, std::less<>> m_keys;
    std::map<std::string, std::string, std::less<>> m_bindings;  // key id -> terminal id
};

}  // namespace kiosktwin::server
