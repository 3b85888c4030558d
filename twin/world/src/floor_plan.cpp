#include <kiosktwin/world/floor_plan.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>
#include <stdexcept>
#include <utility>

namespace kiosktwin::world {

namespace {

constexpr double k_kiosk_pitch_m = 1.6;  // centre to centre, side by side
constexpr double k_kiosk_depth_m = 1.0;  // the spot in front of the screen, from the back wall

double distance_to_segment(Point p, const Segment& s) noexcept {
    const double dx = s.to.x - s.from.x, dy = s.to.y - s.from.y;
    const double len2 = dx * dx + dy * dy;
    double t = len2 > 0 ? ((p.x - s.from.x) * dx + (p.y - s.from.y) * dy) / len2 : 0.0;
    t = std::clamp(t, 0.0, 1.0);
    const double ex = s.from.x + t * dx - p.x, ey = s.from.y + t * dy - p.y;
    return std::sqrt(ex * ex + ey * ey);
}

bool inside(const FloorPlan& plan, Point p) noexcept {
    return std::isfinite(p.x) && std::isfinite(p.y) && p.x >= 0 && p.y >= 0 && p.x <= plan.width_m &&
           p.y <= plan.depth_m;
}

std::string point_text(Point p) {
    auto num = [](double v) {
        std::string s = std::to_string(std::round(v * 100) / 100);
        while (s.size() > 1 && s.back() == '0') s.pop_back();
        if (!s.empty() && s.back() == '.') s.pop_back();
        return s;
    };
    return std::string("(").append(num(p.x)).append(", ").append(num(p.y)).append(")");
}

}  // namespace

std::vector<Point> row_of_kiosks(const FloorPlan& plan, std::size_t n) {
    std::vector<Point> out;
    const double span = k_kiosk_pitch_m * static_cast<double>(n);
    const double left = std::max(0.0, (plan.width_m - span) / 2);
    for (std::size_t i = 0; i < n; ++i)
        out.push_back({std::min(plan.width_m, left + k_kiosk_pitch_m * (static_cast<double>(i) + 0.5)),
                       std::min(plan.depth_m, k_kiosk_depth_m)});
    return out;
}

FloorPlan simple_plan(std::size_t kiosks) {
    FloorPlan p;
    p.width_m = std::max(8.0, k_kiosk_pitch_m * static_cast<double>(kiosks) + 4.0);
    p.depth_m = 10.0;
    p.entrances = {{p.width_m / 2, p.depth_m}};
    p.queue_areas = {{{p.width_m / 2 - 2.5, 4.5}, {p.width_m / 2 + 2.5, 7.5}}};
    p.help_desks = {{1.5, p.depth_m - 1.5}};
    p.kiosks = row_of_kiosks(p, kiosks);
    return p;
}

std::vector<PlanProblem> check(const FloorPlan& plan, std::size_t kiosks) {
    std::vector<PlanProblem> out;
    if (plan.empty()) return out;
    if (!(plan.width_m <= 1000 && plan.depth_m <= 1000))
        out.push_back({"/width_m", "a floor plan is at most 1000 m on a side"});
    if (plan.entrances.empty()) out.push_back({"/entrances", "a floor plan needs at least one entrance"});
    if (!plan.kiosks.empty() && plan.kiosks.size() != kiosks)
        out.push_back({"/kiosks", std::string("gives ").append(std::to_string(plan.kiosks.size())).append(" kiosk positions for ")
                                      .append(std::to_string(kiosks)).append(" kiosks (give one each, or none for a row)")});
    if (!out.empty()) return out;
    auto on_wall = [&](Point p) {
        for (const Segment& w : plan.walls)
            if (distance_to_segment(p, w) < 0.3) return true;
        return false;
    };
    auto place = [&](const std::string& path, Point p) {
        if (!inside(plan, p))
            out.push_back({path, point_text(p) + " lies outside the room (0..width_m, 0..depth_m)"});
        else if (on_wall(p)) out.push_back({path, point_text(p) + " is on a wall (keep 0.3 m clear)"});
    };
    for (std::size_t i = 0; i < plan.walls.size(); ++i) {
        const std::string path = std::string("/walls/").append(std::to_string(i));
        if (!inside(plan, plan.walls[i].from)) out.push_back({path + "/from", "lies outside the room"});
        if (!inside(plan, plan.walls[i].to)) out.push_back({path + "/to", "lies outside the room"});
    }
    for (std::size_t i = 0; i < plan.entrances.size(); ++i) place(std::string("/entrances/").append(std::to_string(i)) + "/at", plan.entrances[i]);
    for (std::size_t i = 0; i < plan.queue_areas.size(); ++i) {
        const Area& a = plan.queue_areas[i];
        const std::string path = std::string("/queue_areas/").append(std::to_string(i));
        if (!inside(plan, a.from)) out.push_back({path + "/from", "lies outside the room"});
        if (!inside(plan, a.to)) out.push_back({path + "/to", "lies outside the room"});
        if (inside(plan, a.from) && inside(plan, a.to)) place(path, a.centre());
    }
    for (std::size_t i = 0; i < plan.help_desks.size(); ++i)
        place(std::string("/help_desks/").append(std::to_string(i)) + "/at", plan.help_desks[i]);
    const std::vector<Point> ks = plan.kiosks.empty() ? row_of_kiosks(plan, kiosks) : plan.kiosks;
    for (std::size_t i = 0; i < ks.size(); ++i) place(std::string("/kiosks/").append(std::to_string(i)) + "/at", ks[i]);
    if (!out.empty()) return out;
    // Everything reachable from the first entrance.
    FloorPlan full = plan;
    full.kiosks = ks;
    const WalkingMap map(full);
    auto reachable = [&](WalkingMap::Place p) { return std::isfinite(map.metres(map.entrance(0), p)); };
    for (std::size_t i = 1; i < map.entrances(); ++i)
        if (!reachable(map.entrance(i)))
            out.push_back({std::string("/entrances/").append(std::to_string(i)) + "/at", "cannot be reached from entrance 0 (walls in the way)"});
    for (std::size_t i = 0; i < map.queue_areas(); ++i)
        if (!reachable(map.queue_area(i)))
            out.push_back({std::string("/queue_areas/").append(std::to_string(i)), "cannot be reached from the entrance (walls in the way)"});
    for (std::size_t i = 0; i < map.help_desks(); ++i)
        if (!reachable(map.help_desk(i)))
            out.push_back({std::string("/help_desks/").append(std::to_string(i)) + "/at", "cannot be reached from the entrance (walls in the way)"});
    for (std::size_t i = 0; i < map.kiosks(); ++i)
        if (!reachable(map.kiosk(i)))
            out.push_back({std::string("/kiosks/").append(std::to_string(i)) + "/at", "cannot be reached from the entrance (walls in the way)"});
    return out;
}

WalkingMap::WalkingMap(const FloorPlan& plan, double cell_m) : m_cell(cell_m) {
    if (plan.empty() || !(cell_m > 0)) throw std::invalid_argument("WalkingMap: a plan with a size and a cell > 0");
    m_nx = static_cast<std::size_t>(std::ceil(plan.width_m / m_cell));
    m_ny = static_cast<std::size_t>(std::ceil(plan.depth_m / m_cell));
    m_nx = std::max<std::size_t>(m_nx, 1);
    m_ny = std::max<std::size_t>(m_ny, 1);
    m_blocked.assign(m_nx * m_ny, 0);
    // Walls: every cell a wall passes through (sampled finer than a cell).
    for (const Segment& w : plan.walls) {
        const double len = std::hypot(w.to.x - w.from.x, w.to.y - w.from.y);
        const auto steps = static_cast<std::size_t>(std::ceil(len / (m_cell / 4))) + 1;
        for (std::size_t i = 0; i <= steps; ++i) {
            const double t = static_cast<double>(i) / static_cast<double>(steps);
            m_blocked[cell_of({w.from.x + t * (w.to.x - w.from.x), w.from.y + t * (w.to.y - w.from.y)})] = 1;
        }
    }
    for (Point p : plan.entrances) m_places.push_back(p);
    for (const Area& a : plan.queue_areas) m_places.push_back(a.centre());
    for (Point p : plan.help_desks) m_places.push_back(p);
    m_entrances = plan.entrances.size();
    m_queues = plan.queue_areas.size();
    m_desks = plan.help_desks.size();
    for (Point p : plan.kiosks) m_places.push_back(p);

    // One Dijkstra per place: metres to every cell.
    constexpr float k_inf = std::numeric_limits<float>::infinity();
    const float straight = static_cast<float>(m_cell), diagonal = static_cast<float>(m_cell * std::sqrt(2.0));
    using Item = std::pair<float, std::size_t>;
    for (Point origin : m_places) {
        std::vector<float> d(m_nx * m_ny, k_inf);
        std::priority_queue<Item, std::vector<Item>, std::greater<>> open;
        const std::size_t start = cell_of(origin);
        d[start] = 0;
        open.push({0.0f, start});
        while (!open.empty()) {
            const auto [dist, c] = open.top();
            open.pop();
            if (dist > d[c]) continue;
            const auto cx = static_cast<std::ptrdiff_t>(c % m_nx), cy = static_cast<std::ptrdiff_t>(c / m_nx);
            for (int dy = -1; dy <= 1; ++dy)
                for (int dx = -1; dx <= 1; ++dx) {
                    if (dx == 0 && dy == 0) continue;
                    const std::ptrdiff_t x = cx + dx, y = cy + dy;
                    if (x < 0 || y < 0 || x >= static_cast<std::ptrdiff_t>(m_nx) || y >= static_cast<std::ptrdiff_t>(m_ny))
                        continue;
                    const auto n = static_cast<std::size_t>(y) * m_nx + static_cast<std::size_t>(x);
                    if (m_blocked[n]) continue;
                    if (dx != 0 && dy != 0 &&  // no cutting a wall's corner
                        (m_blocked[static_cast<std::size_t>(cy) * m_nx + static_cast<std::size_t>(x)] ||
                         m_blocked[static_cast<std::size_t>(y) * m_nx + static_cast<std::size_t>(cx)]))
                        continue;
                    const float nd = dist + (dx != 0 && dy != 0 ? diagonal : straight);
                    if (nd < d[n]) {
                        d[n] = nd;
                        open.push({nd, n});
                    }
                }
        }
        m_field.push_back(std::move(d));
    }
}

std::size_t WalkingMap::cell_of(Point p) const noexcept {
    const auto x = static_cast<std::size_t>(std::clamp(p.x / m_cell, 0.0, static_cast<double>(m_nx - 1)));
    const auto y = static_cast<std::size_t>(std::clamp(p.y / m_cell, 0.0, static_cast<double>(m_ny - 1)));
    return y * m_nx + x;
}

Point WalkingMap::centre_of(std::size_t cell) const noexcept {
    return {(static_cast<double>(cell % m_nx) + 0.5) * m_cell, (static_cast<double>(cell / m_nx) + 0.5) * m_cell};
}

double WalkingMap::metres(Place from, Place to) const noexcept {
    if (from.index == to.index) return 0;
    return m_field[from.index][cell_of(m_places[to.index])];
}

std::vector<Point> WalkingMap::path(Place from, Place to) const {
    // Down the destination's field from the start: every step to the
    // neighbour nearest the destination.
    std::vector<Point> out{m_places[from.index]};
    const std::vector<float>& d = m_field[to.index];
    std::size_t c = cell_of(m_places[from.index]);
    const std::size_t goal = cell_of(m_places[to.index]);
    if (!std::isfinite(d[c])) return out;
    for (std::size_t guard = 0; c != goal && guard < m_nx * m_ny; ++guard) {
        const auto cx = static_cast<std::ptrdiff_t>(c % m_nx), cy = static_cast<std::ptrdiff_t>(c / m_nx);
        std::size_t best = c;
        for (int dy = -1; dy <= 1; ++dy)
            for (int dx = -1; dx <= 1; ++dx) {
                const std::ptrdiff_t x = cx + dx, y = cy + dy;
                if (x < 0 || y < 0 || x >= static_cast<std::ptrdiff_t>(m_nx) || y >= static_cast<std::ptrdiff_t>(m_ny))
                    continue;
                const auto n = static_cast<std::size_t>(y) * m_nx + static_cast<std::size_t>(x);
                if (d[n] < d[best]) best = n;
            }
        if (best == c) break;
        c = best;
        if (c != goal) out.push_back(centre_of(c));
    }
    out.push_back(m_places[to.index]);
    return out;
}

WalkingMap::Place WalkingMap::nearest(Place from, const std::vector<Place>& candidates) const noexcept {
    Place best = candidates.empty() ? from : candidates.front();
    double best_m = std::numeric_limits<double>::infinity();
    for (Place c : candidates)
        if (const double m = metres(from, c); m < best_m) best_m = m, best = c;
    return best;
}

}  // namespace kiosktwin::world
