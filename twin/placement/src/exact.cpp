// The two problems as mixed-integer programs, solved by CBC (COIN-OR
// branch and cut, Debian's coinor-libcbc-dev); the MCLP's LP relaxation by
// Clp as the heuristic's bound.
#include <kiosktwin/placement/placement.hpp>

#include <CbcModel.hpp>
#include <CoinPackedMatrix.hpp>
#include <CoinPackedVector.hpp>
#include <OsiClpSolverInterface.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace kiosktwin::placement {

namespace {

const double k_inf = COIN_DBL_MAX;

// Rows shared by both models over the x columns (0..m-1): the budget, the
// count and the 24-hour minimum, counting new sites only.
void site_rows(const Problem& p, CoinPackedMatrix& rows, std::vector<double>& lo, std::vector<double>& hi, bool exact_count) {
    const int m = static_cast<int>(p.candidates.size());
    if (p.budget > 0) {
        CoinPackedVector r;
        for (int j = 0; j < m; ++j)
            if (!p.candidates[static_cast<std::size_t>(j)].existing) r.insert(j, p.candidates[static_cast<std::size_t>(j)].cost);
        rows.appendRow(r);
        lo.push_back(-k_inf);
        hi.push_back(p.budget);
    }
    if (p.sites > 0) {
        CoinPackedVector r;
        for (int j = 0; j < m; ++j)
            if (!p.candidates[static_cast<std::size_t>(j)].existing) r.insert(j, 1.0);
        rows.appendRow(r);
        lo.push_back(exact_count ? p.sites : -k_inf);
        hi.push_back(p.sites);
    }
    if (p.min_24h > 0) {
        CoinPackedVector r;
        for (int j = 0; j < m; ++j)
            if (!p.candidates[static_cast<std::size_t>(j)].existing && p.candidates[static_cast<std::size_t>(j)].feasible_24h)
                r.insert(j, 1.0);
        rows.appendRow(r);
        lo.push_back(p.min_24h);
        hi.push_back(k_inf);
    }
}

// The x columns, one per candidate: binary, existing sites fixed open, no cost in the objective.
void site_columns(const Problem& p, std::vector<double>& lo, std::vector<double>& hi, std::vector<double>& obj) {
    for (const Candidate& k : p.candidates) {
        lo.push_back(k.existing ? 1 : 0);
        hi.push_back(1);
        obj.push_back(0);
    }
}

// max Σ w_i y_i  s.t.  y_i − Σ_{j covers i} x_j <= 0,  site rows;  x binary, y in [0, 1].
void load_mclp(const Problem& p, const Coverage& c, OsiClpSolverInterface& solver, std::vector<int>& cell_col) {
    const int m = static_cast<int>(p.candidates.size());
    std::vector<double> col_lo, col_hi, obj;
    site_columns(p, col_lo, col_hi, obj);
    CoinPackedMatrix rows(false, 0, 0);
    rows.setDimensions(0, m);
    std::vector<double> row_lo, row_hi;
    cell_col.assign(p.cells.size(), -1);
    int next = m;
    for (std::size_t i = 0; i < p.cells.size(); ++i) {
        if (c.candidates_of[i].empty() || p.cells[i].weight <= 0) continue;  // nothing can cover it
        cell_col[i] = next++;
        col_lo.push_back(0);
        col_hi.push_back(1);
        obj.push_back(p.cells[i].weight);
    }
    rows.setDimensions(0, next);
    for (std::size_t i = 0; i < p.cells.size(); ++i) {
        if (cell_col[i] < 0) continue;
        CoinPackedVector r;
        r.insert(cell_col[i], 1.0);
        for (std::uint32_t j : c.candidates_of[i]) r.insert(static_cast<int>(j), -1.0);
        rows.appendRow(r);
        row_lo.push_back(-k_inf);
        row_hi.push_back(0);
    }
    site_rows(p, rows, row_lo, row_hi, false);
    solver.loadProblem(rows, col_lo.data(), col_hi.data(), obj.data(), row_lo.data(), row_hi.data());
    solver.setObjSense(-1.0);
    solver.messageHandler()->setLogLevel(0);
}

// The p-median in Elloumi's form (2010): cell i's distinct distances to the
// candidates, D_i1 < D_i2 < … < D_iK, capped at its nearest existing site's
// (nothing farther can be its nearest), and z_ik = 1 when no open site is
// within D_ik. Then
//   min Σ_i w_i (D_i1 + Σ_{k<K} (D_i,k+1 − D_ik) z_ik)
//   s.t. z_i1 ≥ 1 − Σ_{j: d_ij = D_i1} x_j,  z_ik ≥ z_i,k−1 − Σ_{j: d_ij = D_ik} x_j,  site rows (exactly p new).
// Each row holds two z and the sites at one distance, so the matrix has about
// three entries per (cell, candidate) against the classic form's z_ij <= x_j
// rows, and its LP relaxation is at least as tight (191 s → 19 s on the
// synthetic city's district 2). The constant Σ w_i D_i1 is kept beside it
// (the solver's objective leaves it out).
struct PMedianModel {
    double constant = 0;
    struct Level {
        double distance;
        int z;  // the column of z at this level; −1 at the last
    };
    std::vector<std::vector<Level>> levels;  // per cell
};

PMedianModel load_p_median(const Problem& p, OsiClpSolverInterface& solver) {
    const int m = static_cast<int>(p.candidates.size());
    std::vector<double> col_lo, col_hi, obj;
    site_columns(p, col_lo, col_hi, obj);
    PMedianModel model;
    model.levels.resize(p.cells.size());
    std::vector<CoinPackedVector> cell_rows;
    std::vector<std::pair<double, int>> by_distance;
    for (std::size_t i = 0; i < p.cells.size(); ++i) {
        const DemandCell& cell = p.cells[i];
        double cap = std::numeric_limits<double>::infinity();
        by_distance.clear();
        for (int j = 0; j < m; ++j) {
            const Candidate& site = p.candidates[static_cast<std::size_t>(j)];
            const double d = std::hypot(cell.x - site.x, cell.y - site.y);
            if (site.existing) cap = std::min(cap, d);
            else by_distance.emplace_back(d, j);
        }
        std::sort(by_distance.begin(), by_distance.end());
        auto& levels = model.levels[i];
        std::size_t next = 0;
        int previous_z = -1;
        while (next < by_distance.size() && by_distance[next].first < cap) {
            const double d = by_distance[next].first;
            CoinPackedVector row;  // z_k − z_{k−1} + Σ x_j ≥ 0  (≥ 1 at the first level)
            for (; next < by_distance.size() && by_distance[next].first == d; ++next) row.insert(by_distance[next].second, 1.0);
            const int z = static_cast<int>(obj.size());
            levels.push_back({d, z});
            col_lo.push_back(0);
            col_hi.push_back(1);
            obj.push_back(0);  // set once the next level's distance is known
            row.insert(z, 1.0);
            if (previous_z >= 0) row.insert(previous_z, -1.0);
            cell_rows.push_back(row);
            previous_z = z;
        }
        // The last level: the cap (an existing site), or the farthest candidate (costs nothing beyond it).
        const double last = std::isfinite(cap) ? cap : (by_distance.empty() ? 0.0 : by_distance.back().first);
        if (levels.empty()) {
            model.constant += cell.weight * last;
            levels.push_back({last, -1});
            continue;
        }
        model.constant += cell.weight * levels.front().distance;
        for (std::size_t k = 0; k < levels.size(); ++k) {
            const double to = k + 1 < levels.size() ? levels[k + 1].distance : last;
            obj[static_cast<std::size_t>(levels[k].z)] = cell.weight * (to - levels[k].distance);
        }
        if (std::isfinite(cap)) levels.push_back({cap, -1});
    }
    const int cols = static_cast<int>(obj.size());
    CoinPackedMatrix rows(false, 0, 0);
    rows.setDimensions(0, cols);
    std::vector<double> row_lo, row_hi;
    for (std::size_t i = 0, r = 0; i < p.cells.size(); ++i) {
        const auto& levels = model.levels[i];
        for (std::size_t k = 0; k < levels.size() && levels[k].z >= 0; ++k, ++r) {
            rows.appendRow(cell_rows[r]);
            row_lo.push_back(k == 0 ? 1.0 : 0.0);
            row_hi.push_back(k_inf);
        }
    }
    site_rows(p, rows, row_lo, row_hi, true);
    solver.loadProblem(rows, col_lo.data(), col_hi.data(), obj.data(), row_lo.data(), row_hi.data());
    solver.setObjSense(1.0);
    solver.messageHandler()->setLogLevel(0);
    return model;
}

// The columns of a choice in the model above (the heuristic's, as CBC's first incumbent).
std::vector<double> p_median_columns(const Problem& p, const PMedianModel& model, int cols,
                                     const std::vector<std::uint32_t>& chosen) {
    std::vector<double> x(static_cast<std::size_t>(cols), 0.0);
    for (std::uint32_t j = 0; j < p.candidates.size(); ++j)
        if (p.candidates[j].existing) x[j] = 1;
    for (std::uint32_t j : chosen) x[j] = 1;
    for (std::size_t i = 0; i < p.cells.size(); ++i) {
        double nearest = std::numeric_limits<double>::infinity();
        for (std::uint32_t j : chosen)
            nearest = std::min(nearest, std::hypot(p.cells[i].x - p.candidates[j].x, p.cells[i].y - p.candidates[j].y));
        for (const auto& level : model.levels[i])
            if (level.z >= 0 && nearest > level.distance) x[static_cast<std::size_t>(level.z)] = 1;
    }
    return x;
}

}  // namespace

double mclp_lp_bound(const Problem& p, const Coverage& c) {
    OsiClpSolverInterface solver;
    std::vector<int> cell_col;
    load_mclp(p, c, solver, cell_col);
    solver.initialSolve();
    if (!solver.isProvenOptimal()) return std::numeric_limits<double>::infinity();
    return solver.getObjValue();
}

Solution solve_exact(const Problem& p, const Coverage& c, Objective o, double time_limit_s) {
    OsiClpSolverInterface solver;
    std::vector<int> cell_col;
    PMedianModel pm;
    if (o == Objective::max_cover) load_mclp(p, c, solver, cell_col);
    else pm = load_p_median(p, solver);
    for (int j = 0; j < static_cast<int>(p.candidates.size()); ++j) solver.setInteger(j);
    CbcModel model(solver);
    model.setLogLevel(0);
    model.messageHandler()->setLogLevel(0);
    model.setMaximumSeconds(time_limit_s);
    // The p-median: the heuristic's choice as the first incumbent, so branches no better are cut at once
    // (CBC solves the MCLP at its root node without one).
    if (o == Objective::p_median) {
        const Solution start = solve_heuristic(p, c, o);
        if (feasible(p, start.chosen)) {
            const auto x = p_median_columns(p, pm, model.getNumCols(), start.chosen);
            model.setBestSolution(x.data(), static_cast<int>(x.size()), start.value - pm.constant, true);
        }
    }
    model.branchAndBound();
    Solution s;
    s.objective = o;
    s.method = "cbc";
    s.iterations = static_cast<std::uint64_t>(model.getNodeCount());
    const double* x = model.bestSolution();
    if (x == nullptr) throw std::runtime_error("placement: CBC found no feasible choice (budget, count and 24-hour minimum)");
    for (std::uint32_t j = 0; j < p.candidates.size(); ++j)
        if (!p.candidates[j].existing && x[j] > 0.5) s.chosen.push_back(j);
    // The value recomputed from the choice (the MIP's own is within its tolerances).
    s.value = o == Objective::max_cover ? covered_weight(p, c, s.chosen) : weighted_distance(p, s.chosen);
    s.optimal = model.isProvenOptimal();
    s.bound = s.optimal ? s.value : model.getBestPossibleObjValue() + pm.constant;
    s.gap = s.bound != 0 ? std::fabs(s.bound - s.value) / std::fabs(o == Objective::max_cover ? s.bound : s.value) : 0.0;
    return s;
}

}  // namespace kiosktwin::placement
