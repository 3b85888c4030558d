#include <kiosktwin/placement/outcome.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>

namespace kiosktwin::placement {

namespace {

using nlohmann::json;

struct NearestOpen {
    std::uint32_t site = 0;  // index into `open`
    double distance = std::numeric_limits<double>::infinity();
};

NearestOpen nearest_open(const Problem& p, const DemandCell& cell, const std::vector<std::uint32_t>& open, std::size_t skip) {
    NearestOpen n;
    for (std::size_t k = 0; k < open.size(); ++k) {
        if (k == skip) continue;
        const Candidate& c = p.candidates[open[k]];
        const double d = std::hypot(cell.x - c.x, cell.y - c.y);
        if (d < n.distance) n = {static_cast<std::uint32_t>(k), d};
    }
    return n;
}

double radius_of(const Problem& p, const DemandCell& cell) { return p.radius_m[static_cast<std::size_t>(cell.area)]; }

// The objective's value with open site `skip` closed (none: skip = open.size()).
double objective_without(const Problem& p, Objective o, const std::vector<std::uint32_t>& open, std::size_t skip) {
    double v = 0;
    for (const DemandCell& cell : p.cells) {
        const NearestOpen n = nearest_open(p, cell, open, skip);
        if (o == Objective::max_cover) v += n.distance <= radius_of(p, cell) ? cell.weight : 0.0;
        else if (std::isfinite(n.distance)) v += cell.weight * n.distance / 1000.0;
    }
    return v;
}

struct Hours {
    bool always = false;
    double open_h = 9, close_h = 17;
    std::array<int, 7> days{1, 1, 1, 1, 1, 1, 1};
};

// Opening hours by venue (R-5-3: 7×24 for 24-hour rooms, opening hours otherwise).
Hours hours_of(const std::string& venue) {
    if (venue == "24h_room") return {true, 0, 24, {1, 1, 1, 1, 1, 1, 1}};
    if (venue == "service_hall") return {false, 8.5, 17, {1, 1, 1, 1, 1, 1, 0}};
    if (venue == "mall") return {false, 10, 22, {1, 1, 1, 1, 1, 1, 1}};
    if (venue == "office_building") return {false, 8, 19, {1, 1, 1, 1, 1, 0, 0}};
    if (venue == "transport_hub") return {false, 6, 23, {1, 1, 1, 1, 1, 1, 1}};
    if (venue == "outlet") return {false, 9, 18, {1, 1, 1, 1, 1, 1, 1}};
    if (venue == "park") return {false, 8.5, 18, {1, 1, 1, 1, 1, 0, 0}};
    return {false, 8, 20, {1, 1, 1, 1, 1, 1, 1}};  // community
}

bool open_at(const Hours& h, int hour) { return h.always || (hour + 1 > h.open_h && hour < h.close_h); }

}  // namespace

Outcome evaluate(const City& city, Objective objective, const std::vector<std::uint32_t>& chosen) {
    const Problem& p = city.problem;
    std::vector<std::uint32_t> existing;
    for (std::uint32_t j = 0; j < p.candidates.size(); ++j)
        if (p.candidates[j].existing) existing.push_back(j);
    std::vector<std::uint32_t> open = chosen;
    open.insert(open.end(), existing.begin(), existing.end());

    Outcome out;
    std::vector<SiteDemand> sites(open.size());
    for (std::size_t k = 0; k < open.size(); ++k) {
        sites[k].candidate = open[k];
        sites[k].existing = p.candidates[open[k]].existing;
    }
    double distance_sum = 0, distance_before_sum = 0, reached = 0, reached_before = 0;
    for (std::size_t i = 0; i < p.cells.size(); ++i) {
        const DemandCell& cell = p.cells[i];
        out.total_visits_day += cell.weight;
        const NearestOpen n = nearest_open(p, cell, open, open.size());
        if (std::isfinite(n.distance)) {
            distance_sum += cell.weight * n.distance;
            reached += cell.weight;
        }
        const NearestOpen before = nearest_open(p, cell, existing, existing.size());
        if (std::isfinite(before.distance)) {
            distance_before_sum += cell.weight * before.distance;
            reached_before += cell.weight;
            if (before.distance <= radius_of(p, cell)) out.covered_before_day += cell.weight;
        }
        if (n.distance > radius_of(p, cell)) continue;
        out.covered_visits_day += cell.weight;
        SiteDemand& s = sites[n.site];
        s.visits_day += cell.weight;
        ++s.cells;
        const auto profile = city.profiles.find(i < city.cell_data.size() ? city.cell_data[i].profile : std::string());
        for (std::size_t h = 0; h < 24; ++h)
            s.hourly[h] += cell.weight * (profile != city.profiles.end() ? profile->second[h] : 1.0 / 24);
    }
    out.mean_distance_m = reached > 0 ? distance_sum / reached : 0;
    out.mean_distance_before_m = reached_before > 0 ? distance_before_sum / reached_before : 0;

    const double all = objective_without(p, objective, open, open.size());
    for (std::size_t k = 0; k < chosen.size(); ++k) {
        const double without = objective_without(p, objective, open, k);
        sites[k].score = objective == Objective::max_cover ? all - without : without - all;
        out.cost += p.candidates[chosen[k]].cost;
        out.sites_24h += p.candidates[chosen[k]].feasible_24h ? 1 : 0;
    }
    std::vector<std::size_t> order(chosen.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return sites[a].score > sites[b].score; });
    for (std::size_t r = 0; r < order.size(); ++r) {
        out.sites.push_back(sites[order[r]]);
        out.sites.back().rank = static_cast<int>(r) + 1;
    }
    for (std::size_t k = chosen.size(); k < open.size(); ++k) out.sites.push_back(sites[k]);
    return out;
}

CityMap city_map(const City& city, double block_m) {
    const Problem& p = city.problem;
    CityMap m;
    m.block_m = block_m;
    if (p.cells.empty() && p.candidates.empty()) {
        m.x1 = m.y1 = 1000;
        return m;
    }
    m.x0 = m.y0 = std::numeric_limits<double>::infinity();
    m.x1 = m.y1 = -std::numeric_limits<double>::infinity();
    auto extend = [&](double x, double y) {
        m.x0 = std::min(m.x0, x);
        m.x1 = std::max(m.x1, x);
        m.y0 = std::min(m.y0, y);
        m.y1 = std::max(m.y1, y);
    };
    for (const DemandCell& c : p.cells) extend(c.x, c.y);
    for (const Candidate& c : p.candidates) extend(c.x, c.y);
    m.x0 -= block_m;
    m.y0 -= block_m;
    m.x1 += block_m;
    m.y1 += block_m;
    std::map<std::pair<long, long>, double> blocks;
    for (const DemandCell& c : p.cells)
        blocks[{std::lround(std::floor((c.x - m.x0) / block_m)), std::lround(std::floor((c.y - m.y0) / block_m))}] += c.weight;
    for (const auto& [k, w] : blocks) {
        m.blocks.push_back({m.x0 + static_cast<double>(k.first) * block_m, m.y0 + static_cast<double>(k.second) * block_m, w});
        m.max_block = std::max(m.max_block, w);
    }
    for (const District& d : city.districts) {
        double sx = 0, sy = 0, sw = 0;
        for (const DemandCell& c : p.cells)
            if (c.district == d.id) {
                sx += c.x * c.weight;
                sy += c.y * c.weight;
                sw += c.weight;
            }
        if (sw > 0) m.districts.push_back({d.name, sx / sw, sy / sw});
    }
    return m;
}

double radius_at(const Problem& p, double x, double y) {
    double best = std::numeric_limits<double>::infinity();
    AreaType area = AreaType::centre;
    for (const DemandCell& c : p.cells) {
        const double d = std::hypot(c.x - x, c.y - y);
        if (d < best) {
            best = d;
            area = c.area;
        }
    }
    return p.radius_m[static_cast<std::size_t>(area)];
}

int kiosks_for(double peak_per_h, const SimulationOptions& options) {
    const double load = peak_per_h * options.service_mean_min / 60.0;  // kiosks busy on average in the busiest hour
    return std::clamp(static_cast<int>(std::ceil(load / options.target_utilisation)), 1, 20);
}

json scenario_of(const City& city, const Outcome& outcome, const SimulationOptions& options) {
    const Problem& p = city.problem;
    json sites = json::array();
    for (const SiteDemand& s : outcome.sites) {
        const Candidate& c = p.candidates[s.candidate];
        const std::string venue = !s.existing && c.feasible_24h ? std::string("24h_room") : c.venue;
        const Hours h = hours_of(venue);
        // Demand in closed hours comes back in the open ones, in proportion.
        double open_share = 0;
        for (int hour = 0; hour < 24; ++hour) open_share += open_at(h, hour) ? s.hourly[static_cast<std::size_t>(hour)] : 0.0;
        json rates = json::array();
        double peak = 0;
        for (int hour = 0; hour < 24; ++hour) {
            const double x = open_at(h, hour) && open_share > 0
                                 ? s.hourly[static_cast<std::size_t>(hour)] * s.visits_day / open_share
                                 : 0.0;
            const double rounded = std::round(x * 1000) / 1000;
            rates.push_back(rounded);
            peak = std::max(peak, rounded);
        }
        const int kiosks = c.kiosks > 0 ? c.kiosks : options.kiosks > 0 ? options.kiosks : kiosks_for(peak, options);
        json hours = h.always ? json{{"always_open", true}}
                              : json{{"open_h", h.open_h}, {"close_h", h.close_h}, {"days", h.days}};
        sites.push_back({{"id", c.id},
                         {"name", c.name},
                         {"venue", venue},
                         {"kiosks", kiosks},
                         {"hours", hours},
                         {"demand", {{"hourly_rate_per_h", rates}, {"weekday_factor", {1, 1, 1, 1, 1, 1, 1}}}},
                         {"queue", "shared"},
                         {"behaviour", {{"patience_mean_min", venue == "service_hall" ? 20 : 10}, {"balk_queue_per_kiosk", 3}}},
                         {"staff", {{"helpers", venue == "service_hall" ? 2 : 0}, {"technicians", 1}, {"travel_min", 40},
                                    {"repair_min", 25}, {"refill_round_h", venue == "service_hall" ? 2 : 12}}},
                         {"faults", {{"mtbf_h", 400}, {"link_mtbf_h", 720}, {"link_outage_mean_min", 20},
                                     {"software_mtbf_h", 1440}, {"power_mtbf_h", 2160}, {"power_outage_mean_min", 15}}},
                         {"service", {{"distribution", "lognormal"}, {"mean_min", options.service_mean_min}, {"sd_min", 3.0}}}});
    }
    return {{"name", city.name + "-placement"},
            {"description", "The open sites of a placement in " + city.name +
                                ": each site's demand is the visits of the cells whose nearest open site it is, within "
                                "their coverage radius."},
            {"seed", options.seed},
            {"replications", options.replications},
            {"calendar", {{"epoch", options.epoch}}},
            {"horizon", {{"days", options.days}}},
            {"sites", sites},
            {"report", {{"wait_target_min", 10}}}};
}

}  // namespace kiosktwin::placement
