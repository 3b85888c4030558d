// The kiosk's copy of the item catalogue (事项清单), fetched from the gateway
// and kept current by deltas (GET /api/v1/items/changes?since=<version>).
//
// Items are parsed once per change into the fields the session flow needs:
// zone and department (R-7.4-1), depth and authentication level (R-5-2),
// required peripherals (R-7.2-2), 跨域通办 modes (R-7.5-1), fee, the 情形
// questions and materials of 智能导办 (R-7.6-1). A refresh builds a new
// immutable snapshot, so a session in progress keeps the one it started with.
#pragma once

#include <kiosktwin/kiosk/gateway_client.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::kiosk {

struct ItemMaterial {
    std::string id;    ///< "m1"
    std::string name;  ///< "居民身份证"
    std::string form;  ///< "original" | "copy" | "electronic"
    std::string when;  ///< a 情形 id; empty = always
    bool required = true;
};

struct ItemSituation {
    std::string id;
    std::string question;
};

struct KioskItem {
    std::string code;
    std::string name;
    std::string zone;       ///< "police", "tax"... (R-7.4-1)
    std::string zone_name;  ///< "公安"
    std::string department; ///< the back end it routes to: "GA"
    std::string depth;      ///< "query" | "booking" | "application" | "full" | "print"
    std::string auth;       ///< "anonymous" | "real_name" | "in_person"
    std::vector<std::string> peripherals;  ///< peripheral_type ids it needs
    std::vector<std::string> cross_modes;  ///< "online" | "proxy" | "joint"
    std::int64_t fee_fen = 0;
    std::vector<ItemMaterial> materials;
    std::vector<ItemSituation> situations;
    std::vector<std::string> faq;  ///< "Q：…  A：…", for query sessions

    /// 查询/咨询 needs no login (R-5-2).
    bool anonymous() const noexcept { return auth == "anonymous" || depth == "query"; }
    /// Parses the catalogue's item JSON; throws std::invalid_argument naming the member.
    static KioskItem from_json(const nlohmann::json& j);
};

/// R-7.6-1: the materials the answers call for — every material whose
/// `when` is empty or answered yes, in the item's order. Deterministic; each
/// entry is one of the item's declared materials.
std::vector<const ItemMaterial*> checklist(const KioskItem& item, const std::set<std::string, std::less<>>& yes);

/// One immutable version of the catalogue.
struct CatalogueSnapshot {
    std::uint64_t version = 0;
    std::vector<KioskItem> items;                     ///< offered items, by code
    std::map<std::string, std::vector<std::size_t>, std::less<>> by_zone;  ///< zone -> indices
    const KioskItem* find(std::string_view code) const noexcept;
};

class Catalogue {
public:
    std::shared_ptr<const CatalogueSnapshot> snapshot() const noexcept { return m_snapshot; }
    std::uint64_t version() const noexcept { return m_snapshot ? m_snapshot->version : 0; }
    bool empty() const noexcept { return !m_snapshot || m_snapshot->items.empty(); }

    /// Brings the copy up to date: a delta since the version held (the whole
    /// list when the gateway says the version is too old). Returns the reply
    /// of the call (not ok: the copy is unchanged).
    sim::Process<GatewayReply> refresh(GatewayClient& gateway);
    /// Applies a delta's data ({"version", "full", "items", "withdrawn"}).
    void apply(const nlohmann::json& delta);

private:
    std::shared_ptr<const CatalogueSnapshot> m_snapshot;
};

}  // namespace kiosktwin::kiosk
