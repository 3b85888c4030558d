// Greedy construction and interchange for both problems, with their bounds.
#include <kiosktwin/placement/placement.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <unordered_map>

namespace kiosktwin::placement {

const char* to_string(AreaType a) noexcept {
    switch (a) {
    case AreaType::centre: return "centre";
    case AreaType::fringe: return "fringe";
    case AreaType::township: return "township";
    }
    return "?";
}

std::optional<AreaType> area_type_of(std::string_view s) noexcept {
    if (s == "centre") return AreaType::centre;
    if (s == "fringe") return AreaType::fringe;
    if (s == "township") return AreaType::township;
    return std::nullopt;
}

const char* to_string(Objective o) noexcept { return o == Objective::max_cover ? "max_cover" : "p_median"; }

Coverage coverage_of(const Problem& p) {
    // Candidates bucketed on a grid of the largest radius: a cell looks at the 3 × 3 buckets around it.
    const double size = *std::max_element(p.radius_m.begin(), p.radius_m.end());
    auto key = [size](double x, double y) {
        const auto gx = static_cast<std::int64_t>(std::floor(x / size)), gy = static_cast<std::int64_t>(std::floor(y / size));
        return (gx << 32) ^ (gy & 0xffffffff);
    };
    std::unordered_map<std::int64_t, std::vector<std::uint32_t>> buckets;
    for (std::uint32_t j = 0; j < p.candidates.size(); ++j) buckets[key(p.candidates[j].x, p.candidates[j].y)].push_back(j);
    Coverage c;
    c.cells_of.resize(p.candidates.size());
    c.candidates_of.resize(p.cells.size());
    for (std::uint32_t i = 0; i < p.cells.size(); ++i) {
        const DemandCell& cell = p.cells[i];
        const double r = p.radius_m[static_cast<std::size_t>(cell.area)];
        for (int dx = -1; dx <= 1; ++dx)
            for (int dy = -1; dy <= 1; ++dy) {
                const auto it = buckets.find(key(cell.x + dx * size, cell.y + dy * size));
                if (it == buckets.end()) continue;
                for (std::uint32_t j : it->second) {
                    const double ex = p.candidates[j].x - cell.x, ey = p.candidates[j].y - cell.y;
                    if (ex * ex + ey * ey <= r * r) c.candidates_of[i].push_back(j);
                }
            }
        std::sort(c.candidates_of[i].begin(), c.candidates_of[i].end());
        for (std::uint32_t j : c.candidates_of[i]) c.cells_of[j].push_back(i);
    }
    return c;
}

namespace {

std::vector<std::uint32_t> existing_of(const Problem& p) {
    std::vector<std::uint32_t> out;
    for (std::uint32_t j = 0; j < p.candidates.size(); ++j)
        if (p.candidates[j].existing) out.push_back(j);
    return out;
}

struct Limits {
    double budget;  // +inf when none
    int sites;      // max new sites
    int min_24h;
};

Limits limits_of(const Problem& p) {
    const int candidates = static_cast<int>(std::count_if(p.candidates.begin(), p.candidates.end(),
                                                          [](const Candidate& c) { return !c.existing; }));
    return {p.budget > 0 ? p.budget : std::numeric_limits<double>::infinity(), p.sites > 0 ? p.sites : candidates,
            p.min_24h};
}

double distance(const DemandCell& a, const Candidate& b) { return std::hypot(a.x - b.x, a.y - b.y); }

}  // namespace

namespace {

// ---------------------------------------------------------------- MCLP ---

// Covered weight, kept per cell as the number of open sites covering it.
class CoverState {
public:
    CoverState(const Problem& p, const Coverage& c) : m_p(p), m_c(c), m_count(p.cells.size(), 0) {}
    void open(std::uint32_t j) {
        for (std::uint32_t i : m_c.cells_of[j])
            if (m_count[i]++ == 0) m_value += m_p.cells[i].weight;
    }
    void close(std::uint32_t j) {
        for (std::uint32_t i : m_c.cells_of[j])
            if (--m_count[i] == 0) m_value -= m_p.cells[i].weight;
    }
    /// Weight newly covered if j opened.
    double gain(std::uint32_t j) const {
        double g = 0;
        for (std::uint32_t i : m_c.cells_of[j])
            if (m_count[i] == 0) g += m_p.cells[i].weight;
        return g;
    }
    /// Weight left uncovered if j closed.
    double loss(std::uint32_t j) const {
        double l = 0;
        for (std::uint32_t i : m_c.cells_of[j])
            if (m_count[i] == 1) l += m_p.cells[i].weight;
        return l;
    }
    /// Weight newly covered by k once j is closed.
    double gain_after_closing(std::uint32_t k, std::uint32_t j) const {
        double g = 0;
        for (std::uint32_t i : m_c.cells_of[k]) {
            const int left = m_count[i] - (std::binary_search(m_c.candidates_of[i].begin(), m_c.candidates_of[i].end(), j) ? 1 : 0);
            if (left == 0) g += m_p.cells[i].weight;
        }
        return g;
    }
    double value() const noexcept { return m_value; }

private:
    const Problem& m_p;
    const Coverage& m_c;
    std::vector<int> m_count;
    double m_value = 0;
};

}  // namespace

double covered_weight(const Problem& p, const Coverage& c, const std::vector<std::uint32_t>& chosen) {
    std::vector<char> open(p.candidates.size(), 0);
    for (std::uint32_t j : existing_of(p)) open[j] = 1;
    for (std::uint32_t j : chosen) open[j] = 1;
    double w = 0;
    for (std::size_t i = 0; i < p.cells.size(); ++i)
        if (std::any_of(c.candidates_of[i].begin(), c.candidates_of[i].end(), [&](std::uint32_t j) { return open[j] != 0; }))
            w += p.cells[i].weight;
    return w;
}

double weighted_distance(const Problem& p, const std::vector<std::uint32_t>& chosen) {
    std::vector<std::uint32_t> open = existing_of(p);
    open.insert(open.end(), chosen.begin(), chosen.end());
    if (open.empty()) return std::numeric_limits<double>::infinity();
    double total = 0;
    for (const DemandCell& cell : p.cells) {
        double best = std::numeric_limits<double>::infinity();
        for (std::uint32_t j : open) best = std::min(best, distance(cell, p.candidates[j]));
        total += cell.weight * best;
    }
    return total;
}

bool feasible(const Problem& p, const std::vector<std::uint32_t>& chosen) {
    const Limits lim = limits_of(p);
    double cost = 0;
    int n24 = 0;
    std::vector<char> seen(p.candidates.size(), 0);
    for (std::uint32_t j : chosen) {
        if (j >= p.candidates.size() || seen[j] || p.candidates[j].existing) return false;
        seen[j] = 1;
        cost += p.candidates[j].cost;
        n24 += p.candidates[j].feasible_24h ? 1 : 0;
    }
    return cost <= lim.budget * (1 + 1e-12) && static_cast<int>(chosen.size()) <= lim.sites && n24 >= lim.min_24h;
}



namespace {

// Picks new sites one at a time: the best `score(j)` among those the budget,
// the count and the 24-hour minimum still allow. A site is allowed only if
// what is left can still be completed within the budget: the 24-hour minimum
// by the cheapest 24-hour-feasible sites left, and, when the count is exact
// (the p-median), the remaining slots by the cheapest sites left.
class Picker {
public:
    Picker(const Problem& p, bool exact_count)
        : m_p(p), m_lim(limits_of(p)), m_exact(exact_count), m_open(p.candidates.size(), 0) {
        for (std::uint32_t j : existing_of(p)) m_open[j] = 1;
        for (std::uint32_t j = 0; j < p.candidates.size(); ++j)
            if (!p.candidates[j].existing) m_by_cost.push_back(j);
        std::stable_sort(m_by_cost.begin(), m_by_cost.end(),
                         [&](std::uint32_t a, std::uint32_t b) { return p.candidates[a].cost < p.candidates[b].cost; });
    }
    int slots_left() const noexcept { return m_lim.sites - static_cast<int>(m_chosen.size()); }
    bool need_24h() const noexcept { return m_lim.min_24h - m_n24 >= slots_left(); }
    bool allowed(std::uint32_t j) const {
        const Candidate& c = m_p.candidates[j];
        if (m_open[j] || m_spent + c.cost > m_lim.budget * (1 + 1e-12) || (need_24h() && !c.feasible_24h)) return false;
        return completable(j);
    }
    /// Could `k` replace `j` (chosen)?
    bool swap_allowed(std::uint32_t j, std::uint32_t k) const {
        const Candidate& cj = m_p.candidates[j];
        const Candidate& ck = m_p.candidates[k];
        return !m_open[k] && m_spent - cj.cost + ck.cost <= m_lim.budget * (1 + 1e-12) &&
               m_n24 - (cj.feasible_24h ? 1 : 0) + (ck.feasible_24h ? 1 : 0) >= std::min(m_lim.min_24h, m_n24);
    }
    void choose(std::uint32_t j) {
        m_open[j] = 1;
        m_chosen.push_back(j);
        m_spent += m_p.candidates[j].cost;
        m_n24 += m_p.candidates[j].feasible_24h ? 1 : 0;
    }
    void replace(std::size_t at, std::uint32_t k) {
        const std::uint32_t j = m_chosen[at];
        m_open[j] = 0;
        m_spent -= m_p.candidates[j].cost;
        m_n24 -= m_p.candidates[j].feasible_24h ? 1 : 0;
        m_open[k] = 1;
        m_chosen[at] = k;
        m_spent += m_p.candidates[k].cost;
        m_n24 += m_p.candidates[k].feasible_24h ? 1 : 0;
    }
    bool open(std::uint32_t j) const noexcept { return m_open[j] != 0; }
    const std::vector<std::uint32_t>& chosen() const noexcept { return m_chosen; }
    double unit_cost(std::uint32_t j) const noexcept {
        return std::isfinite(m_lim.budget) ? std::max(m_p.candidates[j].cost, 1e-9) : 1.0;
    }

private:
    // After choosing j: the cheapest way to meet the 24-hour minimum (and,
    // with an exact count, to fill every slot) fits the budget.
    bool completable(std::uint32_t j) const {
        const Candidate& c = m_p.candidates[j];
        const int slots = slots_left() - 1;
        int need24 = std::max(0, m_lim.min_24h - m_n24 - (c.feasible_24h ? 1 : 0));
        if (need24 > slots) return false;
        int need_any = m_exact ? slots - need24 : 0;
        if (need24 == 0 && need_any == 0) return true;
        double cost = m_spent + c.cost;
        std::vector<char> taken;  // sites used for the 24-hour minimum
        taken.assign(m_p.candidates.size(), 0);
        for (std::uint32_t k : m_by_cost) {
            if (need24 == 0) break;
            if (k == j || m_open[k] || !m_p.candidates[k].feasible_24h) continue;
            cost += m_p.candidates[k].cost;
            taken[k] = 1;
            --need24;
        }
        if (need24 > 0) return false;
        for (std::uint32_t k : m_by_cost) {
            if (need_any == 0) break;
            if (k == j || m_open[k] || taken[k]) continue;
            cost += m_p.candidates[k].cost;
            --need_any;
        }
        return need_any == 0 && cost <= m_lim.budget * (1 + 1e-12);
    }

    const Problem& m_p;
    Limits m_lim;
    bool m_exact;
    std::vector<std::uint32_t> m_by_cost;  // new candidates, cheapest first
    std::vector<char> m_open;
    std::vector<std::uint32_t> m_chosen;
    double m_spent = 0;
    int m_n24 = 0;
};

Solution mclp(const Problem& p, const Coverage& c) {
    Solution s;
    s.objective = Objective::max_cover;
    s.method = "greedy+interchange";
    CoverState state(p, c);
    Picker pick(p, false);
    for (std::uint32_t j : existing_of(p)) state.open(j);
    while (pick.slots_left() > 0) {
        std::optional<std::uint32_t> best;
        double best_score = 0;
        for (std::uint32_t j = 0; j < p.candidates.size(); ++j) {
            if (!pick.allowed(j)) continue;
            const double score = state.gain(j) / pick.unit_cost(j);
            // A site that adds nothing is only taken to meet the 24-hour minimum.
            if ((score > best_score) || (!best && pick.need_24h())) {
                best = j;
                best_score = score;
            }
        }
        if (!best) break;
        pick.choose(*best);
        state.open(*best);
        ++s.iterations;
    }
    for (bool improved = true; improved;) {
        improved = false;
        for (std::size_t a = 0; a < pick.chosen().size(); ++a) {
            const std::uint32_t j = pick.chosen()[a];
            const double loss = state.loss(j);
            std::optional<std::uint32_t> best;
            double best_delta = 1e-9;
            for (std::uint32_t k = 0; k < p.candidates.size(); ++k) {
                if (!pick.swap_allowed(j, k)) continue;
                const double delta = state.gain_after_closing(k, j) - loss;
                if (delta > best_delta) {
                    best = k;
                    best_delta = delta;
                }
            }
            ++s.iterations;
            if (!best) continue;
            state.close(j);
            state.open(*best);
            pick.replace(a, *best);
            improved = true;
        }
    }
    s.chosen = pick.chosen();
    s.value = state.value();
    return s;
}

// ------------------------------------------------------------ p-median ---

class Distances {
public:
    explicit Distances(const Problem& p) : m_cells(p.cells.size()), m_d(p.candidates.size() * p.cells.size()) {
        for (std::size_t j = 0; j < p.candidates.size(); ++j)
            for (std::size_t i = 0; i < m_cells; ++i)
                m_d[j * m_cells + i] = static_cast<float>(distance(p.cells[i], p.candidates[j]));
    }
    const float* of(std::uint32_t j) const noexcept { return m_d.data() + static_cast<std::size_t>(j) * m_cells; }

private:
    std::size_t m_cells;
    std::vector<float> m_d;
};

// The nearest and second-nearest open site of every cell.
struct Nearest {
    std::vector<double> d1, d2;
    std::vector<std::int64_t> who;
    void build(const Problem& p, const Distances& d, const std::vector<std::uint32_t>& open) {
        const std::size_t n = p.cells.size();
        d1.assign(n, std::numeric_limits<double>::infinity());
        d2.assign(n, std::numeric_limits<double>::infinity());
        who.assign(n, -1);
        for (std::uint32_t j : open) {
            const float* dj = d.of(j);
            for (std::size_t i = 0; i < n; ++i) {
                if (dj[i] < d1[i]) {
                    d2[i] = d1[i];
                    d1[i] = dj[i];
                    who[i] = j;
                } else if (dj[i] < d2[i]) {
                    d2[i] = dj[i];
                }
            }
        }
    }
};

double total_if_added(const Problem& p, const Nearest& near, const float* dk) {
    double t = 0;
    for (std::size_t i = 0; i < p.cells.size(); ++i) t += p.cells[i].weight * std::min<double>(near.d1[i], dk[i]);
    return t;
}

double total_if_swapped(const Problem& p, const Nearest& near, std::uint32_t j, const float* dk) {
    double t = 0;
    for (std::size_t i = 0; i < p.cells.size(); ++i) {
        const double without = near.who[i] == static_cast<std::int64_t>(j) ? near.d2[i] : near.d1[i];
        t += p.cells[i].weight * std::min<double>(without, dk[i]);
    }
    return t;
}

// Lagrangian relaxation of the assignment constraints, by subgradient: a
// lower bound on the weighted distance with `open_count` sites besides the
// existing ones (the budget and the 24-hour minimum relaxed too).
double p_median_bound(const Problem& p, const Distances& d, int open_count, double upper, std::uint64_t& iterations) {
    const std::size_t n = p.cells.size(), m = p.candidates.size();
    std::vector<double> lambda(n), rho(m), g(n);
    {
        Nearest all;
        std::vector<std::uint32_t> every(m);
        std::iota(every.begin(), every.end(), 0u);
        all.build(p, d, every);
        for (std::size_t i = 0; i < n; ++i) lambda[i] = p.cells[i].weight * all.d1[i];  // each cell at its nearest site
    }
    double best = -std::numeric_limits<double>::infinity(), theta = 2.0;
    int stalled = 0;
    std::vector<std::uint32_t> order(m);
    for (int it = 0; it < 300 && theta > 1e-4; ++it, ++iterations) {
        double l = std::accumulate(lambda.begin(), lambda.end(), 0.0);
        for (std::size_t j = 0; j < m; ++j) {
            const float* dj = d.of(static_cast<std::uint32_t>(j));
            double r = 0;
            for (std::size_t i = 0; i < n; ++i) r += std::min(0.0, p.cells[i].weight * dj[i] - lambda[i]);
            rho[j] = r;
        }
        // Existing sites are open; of the others the open_count with the lowest rho.
        std::vector<std::uint32_t> open;
        std::vector<std::uint32_t> others;
        for (std::uint32_t j = 0; j < m; ++j) (p.candidates[j].existing ? open : others).push_back(j);
        const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(std::max(0, open_count)), others.size());
        std::partial_sort(others.begin(), others.begin() + static_cast<std::ptrdiff_t>(k), others.end(),
                          [&](std::uint32_t a, std::uint32_t b) { return rho[a] < rho[b]; });
        open.insert(open.end(), others.begin(), others.begin() + static_cast<std::ptrdiff_t>(k));
        for (std::uint32_t j : open) l += rho[j];
        if (!std::isfinite(best) || l > best + 1e-9 * std::fabs(best)) {
            best = l;
            stalled = 0;
        } else if (++stalled >= 15) {
            theta /= 2;
            stalled = 0;
        }
        std::fill(g.begin(), g.end(), 1.0);
        for (std::uint32_t j : open) {
            const float* dj = d.of(j);
            for (std::size_t i = 0; i < n; ++i)
                if (p.cells[i].weight * dj[i] - lambda[i] < 0) g[i] -= 1;
        }
        double norm = 0;
        for (double x : g) norm += x * x;
        if (norm == 0) break;  // the relaxed solution is feasible: optimal
        const double step = theta * std::max(0.0, upper - l) / norm;
        if (step == 0) break;
        for (std::size_t i = 0; i < n; ++i) lambda[i] = std::max(0.0, lambda[i] + step * g[i]);
    }
    return best;
}

Solution p_median(const Problem& p) {
    Solution s;
    s.objective = Objective::p_median;
    s.method = "greedy+interchange";
    const Distances d(p);
    Picker pick(p, true);
    Nearest near;
    std::vector<std::uint32_t> open = existing_of(p);
    near.build(p, d, open);
    while (pick.slots_left() > 0) {
        std::optional<std::uint32_t> best;
        double best_total = std::numeric_limits<double>::infinity();
        for (std::uint32_t k = 0; k < p.candidates.size(); ++k) {
            if (!pick.allowed(k)) continue;
            const double t = total_if_added(p, near, d.of(k));
            if (t < best_total) {
                best = k;
                best_total = t;
            }
        }
        if (!best) break;
        pick.choose(*best);
        open.push_back(*best);
        near.build(p, d, open);
        ++s.iterations;
    }
    auto total = [&] {
        double t = 0;
        for (std::size_t i = 0; i < p.cells.size(); ++i) t += p.cells[i].weight * near.d1[i];
        return t;
    };
    double current = total();
    for (bool improved = true; improved;) {
        improved = false;
        for (std::size_t a = 0; a < pick.chosen().size(); ++a) {
            const std::uint32_t j = pick.chosen()[a];
            std::optional<std::uint32_t> best;
            double best_total = current * (1 - 1e-12);
            for (std::uint32_t k = 0; k < p.candidates.size(); ++k) {
                if (!pick.swap_allowed(j, k)) continue;
                const double t = total_if_swapped(p, near, j, d.of(k));
                if (t < best_total) {
                    best = k;
                    best_total = t;
                }
            }
            ++s.iterations;
            if (!best) continue;
            pick.replace(a, *best);
            open = existing_of(p);
            open.insert(open.end(), pick.chosen().begin(), pick.chosen().end());
            near.build(p, d, open);
            current = total();
            improved = true;
        }
    }
    s.chosen = pick.chosen();
    s.value = weighted_distance(p, s.chosen);  // in double: the search's distances are floats
    // The bound with as many sites as may open (fewer would not bound the
    // others), less 1e-6 for the floats it is computed in.
    s.bound = p_median_bound(p, d, limits_of(p).sites, current, s.iterations) * (1 - 1e-6);
    s.gap = s.bound > 0 ? std::max(0.0, (s.value - s.bound) / s.value) : 0.0;
    s.optimal = s.gap <= 1e-9;
    return s;
}

}  // namespace

double mclp_lp_bound(const Problem& p, const Coverage& c);  // exact.cpp: the LP relaxation by Clp

Solution solve_heuristic(const Problem& p, const Coverage& c, Objective o) {
    if (o == Objective::p_median) return p_median(p);
    Solution s = mclp(p, c);
    s.bound = std::max(s.value, mclp_lp_bound(p, c));
    s.gap = s.bound > 0 ? (s.bound - s.value) / s.bound : 0.0;
    s.optimal = s.gap <= 1e-9;
    return s;
}

}  // namespace kiosktwin::placement
