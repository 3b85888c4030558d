// The two problems as mixed-integer programs, solved by CBC (COIN-OR
// branch and cut, Debian's coinor-libcbc-dev); the MCLP's LP relaxation by
// Clp as the heuristic's bound.
#include <kiosktwin/placement/placement.hpp>

#include <CbcModel.hpp>
#include <CoinPackedMatrix.hpp>
#include <CoinPackedVector.hpp>
#include <OsiClpSolverInterface.hpp>

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

// max Σ w_i y_i  s.t.  y_i − Σ_{j covers i} x_j <= 0,  site rows;  x binary, y in [0, 1].
void load_mclp(const Problem& p, const Coverage& c, OsiClpSolverInterface& solver, std::vector<int>& cell_col) {
    const int m = static_cast<int>(p.candidates.size());
    std::vector<double> col_lo, col_hi, obj;
    for (const Candidate& k : p.candidates) {
        col_lo.push_back(k.existing ? 1 : 0);
        col_hi.push_back(1);
        obj.push_back(0);
    }
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

// min Σ w_i d_ij z_ij  s.t.  Σ_j z_ij = 1,  z_ij <= x_j,  site rows (exactly p new);  x binary.
void load_p_median(const Problem& p, OsiClpSolverInterface& solver) {
    const int m = static_cast<int>(p.candidates.size());
    const int n = static_cast<int>(p.cells.size());
    const int cols = m + n * m;
    std::vector<double> col_lo(static_cast<std::size_t>(cols), 0), col_hi(static_cast<std::size_t>(cols), 1),
        obj(static_cast<std::size_t>(cols), 0);
    for (int j = 0; j < m; ++j) col_lo[static_cast<std::size_t>(j)] = p.candidates[static_cast<std::size_t>(j)].existing ? 1 : 0;
    auto z = [m](int i, int j) { return m + i * m + j; };
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < m; ++j) {
            const auto& cell = p.cells[static_cast<std::size_t>(i)];
            const auto& site = p.candidates[static_cast<std::size_t>(j)];
            obj[static_cast<std::size_t>(z(i, j))] = cell.weight * std::hypot(cell.x - site.x, cell.y - site.y);
        }
    CoinPackedMatrix rows(false, 0, 0);
    rows.setDimensions(0, cols);
    std::vector<double> row_lo, row_hi;
    for (int i = 0; i < n; ++i) {
        CoinPackedVector r;
        for (int j = 0; j < m; ++j) r.insert(z(i, j), 1.0);
        rows.appendRow(r);
        row_lo.push_back(1);
        row_hi.push_back(1);
        for (int j = 0; j < m; ++j) {
            CoinPackedVector link;
            link.insert(z(i, j), 1.0);
            link.insert(j, -1.0);
            rows.appendRow(link);
            row_lo.push_back(-k_inf);
            row_hi.push_back(0);
        }
    }
    site_rows(p, rows, row_lo, row_hi, true);
    solver.loadProblem(rows, col_lo.data(), col_hi.data(), obj.data(), row_lo.data(), row_hi.data());
    solver.setObjSense(1.0);
    solver.messageHandler()->setLogLevel(0);
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
    if (o == Objective::max_cover) load_mclp(p, c, solver, cell_col);
    else load_p_median(p, solver);
    for (int j = 0; j < static_cast<int>(p.candidates.size()); ++j) solver.setInteger(j);
    CbcModel model(solver);
    model.setLogLevel(0);
    model.messageHandler()->setLogLevel(0);
    model.setMaximumSeconds(time_limit_s);
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
    s.bound = s.optimal ? s.value : model.getBestPossibleObjValue();
    s.gap = s.bound != 0 ? std::fabs(s.bound - s.value) / std::fabs(o == Objective::max_cover ? s.bound : s.value) : 0.0;
    return s;
}

}  // namespace kiosktwin::placement
