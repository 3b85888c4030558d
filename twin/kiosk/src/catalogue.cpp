#include <kiosktwin/kiosk/catalogue.hpp>

#include <algorithm>
#include <stdexcept>

namespace kiosktwin::kiosk {

using nlohmann::json;

namespace {

const json& member(const json& j, const char* name, const char* where) {
    auto it = j.find(name);
    if (it == j.end()) throw std::invalid_argument(std::string(where).append("/").append(name).append(": missing"));
    return *it;
}

std::string text(const json& j, const char* name) {
    auto it = j.find(name);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

KioskItem KioskItem::from_json(const json& j) {
    KioskItem it;
    it.code = member(j, "code", "").get<std::string>();
    it.name = member(j, "name", "").get<std::string>();
    const json& k = member(j, "kiosk", "");
    it.zone = text(k, "zone");
    it.zone_name = text(k, "zone_name");
    it.department = text(k, "department");
    it.depth = text(k, "depth");
    it.auth = text(k, "auth");
    for (const json& p : member(k, "peripherals", "/kiosk")) it.peripherals.push_back(p.get<std::string>());
    if (auto cr = k.find("cross_region"); cr != k.end())
        for (const json& m : member(*cr, "modes", "/kiosk/cross_region")) it.cross_modes.push_back(m.get<std::string>());
    const json& g = member(j, "guide", "");
    if (auto fee = g.find("fee"); fee != g.end() && fee->is_object()) it.fee_fen = fee->value("amount_fen", std::int64_t{0});
    for (const json& m : member(g, "materials", "/guide"))
        it.materials.push_back({text(m, "id"), text(m, "name"), text(m, "form"), text(m, "when"), m.value("required", true)});
    for (const json& s : member(g, "situations", "/guide")) it.situations.push_back({text(s, "id"), text(s, "question")});
    if (auto faq = g.find("faq"); faq != g.end())
        for (const json& f : *faq) it.faq.push_back(std::string("问：").append(text(f, "question")).append(" 答：").append(text(f, "answer")));
    return it;
}

std::vector<const ItemMaterial*> checklist(const KioskItem& item, const std::set<std::string, std::less<>>& yes) {
    std::vector<const ItemMaterial*> out;
    for (const ItemMaterial& m : item.materials)
        if (m.when.empty() || yes.contains(m.when)) out.push_back(&m);
    return out;
}

const KioskItem* CatalogueSnapshot::find(std::string_view code) const noexcept {
    auto it = std::lower_bound(items.begin(), items.end(), code,
                               [](const KioskItem& i, std::string_view c) { return i.code < c; });
    return it != items.end() && it->code == code ? &*it : nullptr;
}

void Catalogue::apply(const json& delta) {
    auto next = std::make_shared<CatalogueSnapshot>();
    next->version = delta.value("version", std::uint64_t{0});
    const bool full = delta.value("full", false) || !m_snapshot;
    std::map<std::string, KioskItem, std::less<>> items;
    if (!full)
        for (const KioskItem& it : m_snapshot->items) items.emplace(it.code, it);
    if (auto w = delta.find("withdrawn"); w != delta.end())
        for (const json& code : *w) items.erase(code.get<std::string>());
    for (const json& j : member(delta, "items", "")) {
        // A changed item that is no longer offered (suspended, withdrawn,
        // announced away) leaves the kiosk's list (R-6.4-1).
        const bool offered = j.value("offered", true);
        std::string code = j.at("code").get<std::string>();
        if (!offered) {
            items.erase(code);
            continue;
        }
        items.insert_or_assign(std::move(code), KioskItem::from_json(j));
    }
    next->items.reserve(items.size());
    for (auto& [code, it] : items) next->items.push_back(std::move(it));
    for (std::size_t i = 0; i < next->items.size(); ++i) next->by_zone[next->items[i].zone].push_back(i);
    m_snapshot = std::move(next);
}

sim::Process<GatewayReply> Catalogue::refresh(GatewayClient& gateway) {
    GatewayReply r = co_await gateway.get(std::string("/api/v1/items/changes?since=").append(std::to_string(version())));
    if (r.ok()) {
        // A delta that brings nothing new keeps the snapshot (sessions share it).
        const bool nothing = r.data.value("version", std::uint64_t{0}) == version() && !r.data.value("full", false);
        if (!nothing) apply(r.data);
    }
    co_return r;
}

}  // namespace kiosktwin::kiosk
