#include <kiosktwin/placement/city.hpp>

#include <kiosktwin/sim/random.hpp>

#include <algorithm>
#include <cmath>
#include <set>

namespace kiosktwin::placement {

namespace {

using nlohmann::json;

const std::set<std::string>& venues() {
    // R-5-1's venue types.
    static const std::set<std::string> v{"service_hall", "24h_room", "community", "park", "mall",
                                         "office_building", "outlet", "transport_hub"};
    return v;
}

double weight_of(const City& c, const City::Cell& cell) {
    return cell.residents * c.per_resident + cell.foot_traffic * c.per_passer_by;
}

struct Reader {
    std::vector<CityProblem>& problems;
    void fail(const std::string& path, const std::string& message) { problems.push_back({path, message}); }
    double number(const json& j, const std::string& path, double lo, double hi) {
        if (!j.is_number()) {
            fail(path, "expected a number");
            return lo;
        }
        const double x = j.get<double>();
        if (!(x >= lo && x <= hi)) fail(path, "expected a number from " + json(lo).dump() + " to " + json(hi).dump());
        return x;
    }
    std::string text(const json& j, const std::string& path) {
        if (!j.is_string()) {
            fail(path, "expected a string");
            return {};
        }
        return j.get<std::string>();
    }
};

}  // namespace

City read_city(const json& doc, std::vector<CityProblem>& problems) {
    City c;
    Reader r{problems};
    if (!doc.is_object()) {
        r.fail("", "a city is a JSON object");
        return c;
    }
    c.name = doc.value("name", std::string("city"));
    c.description = doc.value("description", std::string());
    if (doc.contains("radius_m")) {
        for (const char* a : {"centre", "fringe", "township"})
            if (doc["radius_m"].contains(a))
                c.problem.radius_m[static_cast<std::size_t>(*area_type_of(a))] =
                    r.number(doc["radius_m"][a], std::string("/radius_m/") + a, 50, 20000);
    }
    if (doc.contains("visit_rates")) {
        const json& v = doc["visit_rates"];
        if (v.contains("per_resident")) c.per_resident = r.number(v["per_resident"], "/visit_rates/per_resident", 0, 1);
        if (v.contains("per_passer_by")) c.per_passer_by = r.number(v["per_passer_by"], "/visit_rates/per_passer_by", 0, 1);
    }
    if (doc.contains("budget")) c.problem.budget = r.number(doc["budget"], "/budget", 0, 1e12);
    if (doc.contains("sites")) c.problem.sites = static_cast<int>(r.number(doc["sites"], "/sites", 0, 100000));
    if (doc.contains("min_24h")) c.problem.min_24h = static_cast<int>(r.number(doc["min_24h"], "/min_24h", 0, 100000));
    const json none = json::array(), no_profiles = json::object();
    auto member = [&doc](const char* key, const json& otherwise) -> const json& {
        const auto it = doc.find(key);
        return it == doc.end() ? otherwise : *it;
    };
    std::set<std::uint16_t> district_ids;
    const json& districts = member("districts", none);
    for (std::size_t d = 0; d < districts.size(); ++d) {
        const json& j = districts[d];
        const std::string path = "/districts/" + std::to_string(d);
        District dist{static_cast<std::uint16_t>(r.number(j.value("id", json()), path + "/id", 0, 65535)),
                      j.value("name", std::string())};
        if (!district_ids.insert(dist.id).second) r.fail(path + "/id", "district " + std::to_string(dist.id) + " given twice");
        c.districts.push_back(dist);
    }
    const json& profiles = member("profiles", no_profiles);
    for (const auto& [name, shares] : profiles.items()) {
        const std::string path = "/profiles/" + name;
        if (!shares.is_array() || shares.size() != 24) {
            r.fail(path, "expected 24 hourly shares");
            continue;
        }
        std::array<double, 24> h{};
        double sum = 0;
        for (std::size_t k = 0; k < 24; ++k) sum += h[k] = r.number(shares[k], path + "/" + std::to_string(k), 0, 1);
        if (std::fabs(sum - 1) > 1e-3) r.fail(path, "the 24 shares sum to " + json(sum).dump() + ", not 1");
        c.profiles[name] = h;
    }
    const json& cells = member("cells", no_profiles);
    const std::vector<std::string> expected{"x", "y", "area", "district", "residents", "foot_traffic", "profile"};
    const auto rows_at = cells.find("rows");
    const json& rows = rows_at == cells.end() || !rows_at->is_array() ? none : *rows_at;
    if (!cells.contains("columns") || cells["columns"] != json(expected))
        r.fail("/cells/columns", "expected [\"x\", \"y\", \"area\", \"district\", \"residents\", \"foot_traffic\", \"profile\"]");
    else
        for (std::size_t i = 0; i < rows.size(); ++i) {
            const json& row = rows[i];
            const std::string path = "/cells/rows/" + std::to_string(i);
            if (!row.is_array() || row.size() != 7) {
                r.fail(path, "expected 7 values");
                continue;
            }
            DemandCell cell;
            cell.x = r.number(row[0], path + "/0", -1e7, 1e7);
            cell.y = r.number(row[1], path + "/1", -1e7, 1e7);
            const auto area = row[2].is_string() ? area_type_of(row[2].get<std::string>()) : std::nullopt;
            if (!area) r.fail(path + "/2", "expected one of \"centre\", \"fringe\", \"township\"");
            cell.area = area.value_or(AreaType::centre);
            cell.district = static_cast<std::uint16_t>(r.number(row[3], path + "/3", 0, 65535));
            if (!district_ids.count(cell.district)) r.fail(path + "/3", "no district " + std::to_string(cell.district));
            City::Cell data{r.number(row[4], path + "/4", 0, 1e7), r.number(row[5], path + "/5", 0, 1e8), r.text(row[6], path + "/6")};
            if (!c.profiles.count(data.profile)) r.fail(path + "/6", "no profile \"" + data.profile + "\"");
            cell.weight = weight_of(c, data);
            c.problem.cells.push_back(cell);
            c.cell_data.push_back(std::move(data));
        }
    std::set<std::string> ids;
    const json& candidates = member("candidates", none);
    for (std::size_t j = 0; j < candidates.size(); ++j) {
        const json& k = candidates[j];
        const std::string path = "/candidates/" + std::to_string(j);
        Candidate cand;
        cand.id = r.text(k.value("id", json()), path + "/id");
        if (!ids.insert(cand.id).second) r.fail(path + "/id", "\"" + cand.id + "\" given twice");
        cand.name = k.contains("name") ? r.text(k["name"], path + "/name") : cand.id;
        cand.venue = r.text(k.value("venue", json()), path + "/venue");
        if (!venues().count(cand.venue))
            r.fail(path + "/venue", "expected a venue type of R-5-1: service_hall, 24h_room, community, park, mall, "
                                    "office_building, outlet, transport_hub");
        cand.x = r.number(k.value("x", json()), path + "/x", -1e7, 1e7);
        cand.y = r.number(k.value("y", json()), path + "/y", -1e7, 1e7);
        cand.district = static_cast<std::uint16_t>(r.number(k.value("district", json()), path + "/district", 0, 65535));
        if (!district_ids.count(cand.district)) r.fail(path + "/district", "no district " + std::to_string(cand.district));
        cand.cost = r.number(k.value("cost", json(0)), path + "/cost", 0, 1e9);
        cand.feasible_24h = k.value("feasible_24h", false);
        cand.existing = k.value("existing", false);
        if (k.contains("kiosks")) cand.kiosks = static_cast<int>(r.number(k["kiosks"], path + "/kiosks", 0, 1000));
        c.problem.candidates.push_back(std::move(cand));
    }
    if (c.problem.cells.empty() && problems.empty()) r.fail("/cells/rows", "a city needs demand cells");
    if (c.problem.candidates.empty() && problems.empty()) r.fail("/candidates", "a city needs candidate sites");
    if (!problems.empty()) return City{};
    return c;
}

json to_json(const City& c) {
    json profiles = json::object();
    for (const auto& [name, h] : c.profiles) profiles[name] = h;
    json rows = json::array();
    for (std::size_t i = 0; i < c.problem.cells.size(); ++i) {
        const DemandCell& cell = c.problem.cells[i];
        const City::Cell& d = c.cell_data[i];
        rows.push_back({cell.x, cell.y, to_string(cell.area), cell.district, d.residents, d.foot_traffic, d.profile});
    }
    json candidates = json::array();
    for (const Candidate& k : c.problem.candidates)
        candidates.push_back({{"id", k.id}, {"name", k.name}, {"venue", k.venue}, {"kiosks", k.kiosks}, {"x", k.x}, {"y", k.y}, {"district", k.district},
                              {"cost", k.cost}, {"feasible_24h", k.feasible_24h}, {"existing", k.existing}});
    json districts = json::array();
    for (const District& d : c.districts) districts.push_back({{"id", d.id}, {"name", d.name}});
    return {{"name", c.name},
            {"description", c.description},
            {"radius_m", {{"centre", c.problem.radius_m[0]}, {"fringe", c.problem.radius_m[1]}, {"township", c.problem.radius_m[2]}}},
            {"visit_rates", {{"per_resident", c.per_resident}, {"per_passer_by", c.per_passer_by}}},
            {"budget", c.problem.budget},
            {"sites", c.problem.sites},
            {"min_24h", c.problem.min_24h},
            {"districts", districts},
            {"profiles", profiles},
            {"cells", {{"columns", {"x", "y", "area", "district", "residents", "foot_traffic", "profile"}}, {"rows", rows}}},
            {"candidates", candidates}};
}

City district_of(const City& city, std::uint16_t district) {
    City out = city;
    out.problem.cells.clear();
    out.cell_data.clear();
    out.problem.candidates.clear();
    for (std::size_t i = 0; i < city.problem.cells.size(); ++i)
        if (city.problem.cells[i].district == district) {
            out.problem.cells.push_back(city.problem.cells[i]);
            out.cell_data.push_back(city.cell_data[i]);
        }
    for (const Candidate& k : city.problem.candidates)
        if (k.district == district) out.problem.candidates.push_back(k);
    out.districts.erase(std::remove_if(out.districts.begin(), out.districts.end(),
                                       [&](const District& d) { return d.id != district; }),
                        out.districts.end());
    // The city's sites, budget and 24-hour minimum in proportion to the district's demand.
    double all = 0, here = 0;
    for (const DemandCell& cell : city.problem.cells) all += cell.weight;
    for (const DemandCell& cell : out.problem.cells) here += cell.weight;
    const double share = all > 0 ? here / all : 0;
    if (city.problem.sites > 0) out.problem.sites = std::max(1, static_cast<int>(std::lround(city.problem.sites * share)));
    if (city.problem.budget > 0) out.problem.budget = std::round(city.problem.budget * share);
    if (city.problem.min_24h > 0) out.problem.min_24h = std::min(out.problem.sites, static_cast<int>(std::lround(city.problem.min_24h * share)));
    return out;
}

City synthetic_city(std::uint64_t seed) {
    sim::Rng rng(seed);
    City c;
    c.name = "synthetic";
    c.description = "A synthetic city of seven districts, 24 x 24 km: a dense centre of two (中心城区), four fringe districts "
                    "(城乡结合部) and a township district of villages (乡镇); cells of 200 m with residents and foot "
                    "traffic, 300 candidate sites of the venue types of R-5-1, one service hall per district open.";
    c.districts = {{1, "老城区 Old town"},          {2, "新城区 New town"},          {3, "东北区 North-east fringe"},
                   {4, "西北区 North-west fringe"}, {5, "东南区 South-east fringe"}, {6, "西南区 South-west fringe"},
                   {7, "南乡 Townships"}};
    auto shape = [](std::initializer_list<double> raw) {
        std::array<double, 24> h{};
        std::size_t k = 0;
        double sum = 0;
        for (double x : raw) sum += h[k++] = x;
        for (double& x : h) x /= sum;
        return h;
    };
    c.profiles["residential"] = shape({1, 0.5, 0.3, 0.3, 0.3, 0.6, 2, 4, 7, 9, 10, 9, 6, 6, 8, 9, 9, 8, 7, 6, 4, 3, 2, 1});
    c.profiles["commercial"] = shape({0.5, 0.2, 0.1, 0.1, 0.1, 0.2, 0.5, 1, 3, 6, 9, 10, 10, 10, 10, 10, 10, 10, 9, 8, 6, 4, 2, 1});
    c.profiles["office"] = shape({0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 1, 4, 9, 10, 9, 8, 10, 8, 9, 9, 8, 5, 2, 1, 0.5, 0.3, 0.2, 0.2});
    c.problem.radius_m = {500, 1000, 2000};
    c.problem.budget = 360;  // in 10,000 CNY
    c.problem.sites = 12;
    c.problem.min_24h = 3;

    // Population density: a centre, sub-centres in the fringe districts, villages in the south.
    struct Blob {
        double x, y, sigma, peak;  // metres, residents a cell at the centre
    };
    std::vector<Blob> blobs{{12000, 14000, 2600, 2400}, {18500, 15500, 1800, 1300}, {5500, 15000, 1700, 1200},
                            {14000, 9000, 1500, 900}};
    for (int v = 0; v < 14; ++v)
        blobs.push_back({rng.uniform(1500, 22500), rng.uniform(1000, 7000), rng.uniform(300, 600), rng.uniform(250, 600)});
    const double cell_m = 200;
    for (int gy = 0; gy < 120; ++gy)
        for (int gx = 0; gx < 120; ++gx) {
            const double x = (gx + 0.5) * cell_m, y = (gy + 0.5) * cell_m;
            double residents = 0;
            for (const Blob& b : blobs) {
                const double d2 = (x - b.x) * (x - b.x) + (y - b.y) * (y - b.y);
                residents += b.peak * std::exp(-d2 / (2 * b.sigma * b.sigma));
            }
            residents *= rng.uniform(0.6, 1.4);
            if (residents < 8) continue;  // fields, water, hills
            const double r_centre = std::hypot(x - 12000, y - 14000);
            const AreaType area = y < 8000 ? AreaType::township : r_centre < 4000 ? AreaType::centre : AreaType::fringe;
            const std::uint16_t district = area == AreaType::township ? 7
                                           : area == AreaType::centre ? (x < 12000 ? 1 : 2)
                                                                      : static_cast<std::uint16_t>(3 + (x < 12000 ? 1 : 0) + (y < 14000 ? 2 : 0));
            const bool core = r_centre < 1500 || std::hypot(x - 18500, y - 15500) < 800 || std::hypot(x - 5500, y - 15000) < 800;
            const double traffic = residents * (core ? rng.uniform(2, 5) : rng.uniform(0.05, 0.4));
            const std::string profile = core ? (r_centre < 800 ? "office" : "commercial") : "residential";
            DemandCell cell{x, y, area, district, 0};
            City::Cell data{std::round(residents), std::round(traffic), profile};
            cell.weight = weight_of(c, data);
            c.problem.cells.push_back(cell);
            c.cell_data.push_back(std::move(data));
        }

    // Candidates where people are: sampled by weight, the venue by the area.
    double total = 0;
    for (const DemandCell& cell : c.problem.cells) total += cell.weight;
    auto sample_cell = [&]() -> const DemandCell& {
        double u = rng.uniform(0, total);
        for (const DemandCell& cell : c.problem.cells)
            if ((u -= cell.weight) <= 0) return cell;
        return c.problem.cells.back();
    };
    struct VenueCost {
        const char* venue;
        double cost;
        double p24;  // chance the site can host a 24-hour room
        const char* label;
    };
    static constexpr VenueCost centre[] = {{"mall", 28, 0.3, "商场"}, {"office_building", 22, 0.2, "楼宇"}, {"transport_hub", 36, 0.8, "交通枢纽"},
                                           {"outlet", 14, 0.7, "网点"}, {"community", 12, 0.4, "社区"}};
    static constexpr VenueCost fringe[] = {{"community", 11, 0.5, "社区"}, {"park", 16, 0.3, "园区"}, {"outlet", 13, 0.7, "网点"},
                                           {"mall", 24, 0.3, "商场"}, {"transport_hub", 32, 0.8, "交通枢纽"}};
    static constexpr VenueCost township[] = {{"community", 9, 0.5, "社区"}, {"outlet", 10, 0.6, "网点"}, {"park", 12, 0.2, "园区"}};
    int n = 0;
    for (std::uint16_t d = 1; d <= 7; ++d) {  // the existing service halls
        const DemandCell* best = nullptr;
        for (const DemandCell& cell : c.problem.cells)
            if (cell.district == d && (!best || cell.weight > best->weight)) best = &cell;
        Candidate hall{"H" + std::to_string(d), "service_hall", best->x, best->y, d, 0, true, true};
        hall.name = c.districts[d - 1u].name.substr(0, c.districts[d - 1u].name.find(' ')) + "政务服务中心";
        hall.kiosks = 6;
        c.problem.candidates.push_back(std::move(hall));
    }
    while (n < 300) {
        const DemandCell& at = sample_cell();
        const VenueCost* table = at.area == AreaType::centre ? centre : at.area == AreaType::fringe ? fringe : township;
        const std::size_t size = at.area == AreaType::centre ? std::size(centre) : at.area == AreaType::fringe ? std::size(fringe) : std::size(township);
        const VenueCost& v = table[std::min(size - 1, static_cast<std::size_t>(rng.uniform(0, static_cast<double>(size))))];
        ++n;
        char id[8];
        std::snprintf(id, sizeof id, "C%03d", n);
        Candidate site{id, v.venue, std::round(at.x + rng.uniform(-90, 90)), std::round(at.y + rng.uniform(-90, 90)),
                       at.district, std::round(v.cost * rng.uniform(0.8, 1.25)), rng.uniform01() < v.p24, false};
        site.name = std::string(v.label) + " " + id;
        c.problem.candidates.push_back(std::move(site));
    }
    return c;
}

}  // namespace kiosktwin::placement
