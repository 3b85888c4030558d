// A site's floor plan and the walking distances on it (issue 8: "floor plan
// (walls, entrances, queue areas, kiosks at positions ..., help desks)").
//
//     FloorPlan plan{.width_m = 24, .depth_m = 14, .walls = {...}, .entrances = {{12, 14}}, ...};
//     WalkingMap map(plan);   // distances from every place of interest
//     double m = map.metres(map.entrance(0), map.kiosk(3));
//
// The room is the rectangle [0, width] × [0, depth] in metres, y growing
// from the back wall (y = 0) to the front (y = depth) where the entrances
// usually are. Walls are segments inside it (partitions, counters); people
// walk around them. Distances are shortest walks on a grid of `cell_m`
// cells (8-connected, no corner cutting past a wall; within 8 % of the
// straight line in the open), computed once per
// place of interest (Dijkstra) when the map is built: a citizen's walk is
// then a table lookup, and the panel can trace the same path cell by cell.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kiosktwin::world {

struct Point {
    double x = 0, y = 0;  ///< metres from the room's back-left corner
    friend bool operator==(const Point&, const Point&) = default;
};

struct Segment {
    Point from, to;
};

/// An axis-aligned area (a queue area: where the shared line forms).
struct Area {
    Point from, to;  ///< opposite corners
    Point centre() const noexcept { return {(from.x + to.x) / 2, (from.y + to.y) / 2}; }
};

struct FloorPlan {
    double width_m = 0;  ///< 0: the site has no plan (nobody walks)
    double depth_m = 0;
    std::vector<Segment> walls;
    std::vector<Point> entrances;    ///< at least one when there is a plan
    std::vector<Area> queue_areas;   ///< where a shared line waits (none: at the entrance)
    std::vector<Point> help_desks;   ///< where 帮办 helpers wait (none: at the first entrance)
    /// Where each kiosk stands (the spot in front of its screen), in the
    /// site's kiosk order; empty: placed in a row along the back wall.
    std::vector<Point> kiosks;

    bool empty() const noexcept { return width_m <= 0 || depth_m <= 0; }
};

/// `n` kiosks in a row along the back wall of a plan, 1.6 m apart (centred).
std::vector<Point> row_of_kiosks(const FloorPlan& plan, std::size_t n);

/// A plain plan for `kiosks` kiosks: a room just wide enough for the row at
/// the back wall, the entrance in the middle of the front wall, the queue
/// area between them, a help desk by the entrance.
FloorPlan simple_plan(std::size_t kiosks);

/// Problems of a plan for `kiosks` kiosks (an empty list: usable): places
/// outside the room or on a wall, a kiosk no entrance can reach. Each
/// message starts with the JSON path below the plan ("/kiosks/2/at").
struct PlanProblem {
    std::string path;
    std::string message;
};
std::vector<PlanProblem> check(const FloorPlan& plan, std::size_t kiosks);

class WalkingMap {
public:
    /// A place of interest on the map.
    struct Place {
        std::uint32_t index = 0;
    };

    /// Builds the distance fields of every entrance, queue area (its
    /// centre), help desk and kiosk (plan.kiosks: give the positions). The
    /// plan must pass check().
    WalkingMap(const FloorPlan& plan, double cell_m = 0.5);

    Place entrance(std::size_t i) const noexcept { return {static_cast<std::uint32_t>(i)}; }
    Place queue_area(std::size_t i) const noexcept { return {static_cast<std::uint32_t>(m_entrances + i)}; }
    Place help_desk(std::size_t i) const noexcept {
        return {static_cast<std::uint32_t>(m_entrances + m_queues + i)};
    }
    Place kiosk(std::size_t i) const noexcept {
        return {static_cast<std::uint32_t>(m_entrances + m_queues + m_desks + i)};
    }
    std::size_t entrances() const noexcept { return m_entrances; }
    std::size_t queue_areas() const noexcept { return m_queues; }
    std::size_t help_desks() const noexcept { return m_desks; }
    std::size_t kiosks() const noexcept { return m_places.size() - m_entrances - m_queues - m_desks; }

    Point where(Place p) const noexcept { return m_places[p.index]; }
    /// The shortest walk between two places, in metres (symmetric).
    double metres(Place from, Place to) const noexcept;
    /// The walk as points (cell centres, start and end exact), for drawing.
    std::vector<Point> path(Place from, Place to) const;

    /// The place among `candidates` nearest to `from` by walking (the first on a tie).
    Place nearest(Place from, const std::vector<Place>& candidates) const noexcept;

    double cell_m() const noexcept { return m_cell; }

private:
    std::size_t cell_of(Point p) const noexcept;
    Point centre_of(std::size_t cell) const noexcept;

    double m_cell;
    std::size_t m_nx = 0, m_ny = 0;
    std::vector<std::uint8_t> m_blocked;   // per cell
    std::vector<Point> m_places;
    std::size_t m_entrances = 0, m_queues = 0, m_desks = 0;
    std::vector<std::vector<float>> m_field;  // per place: metres to every cell
};

}  // namespace kiosktwin::world
