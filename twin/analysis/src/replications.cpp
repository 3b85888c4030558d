#include <kiosktwin/analysis/replications.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace kiosktwin::analysis {

unsigned default_jobs() noexcept {
    const unsigned n = std::thread::hardware_concurrency();
    return n == 0 ? 1 : n;
}

std::vector<MetricSummary> summarise(const std::vector<MetricDef>& defs,
                                     const std::vector<std::vector<double>>& values, double level) {
    std::vector<MetricSummary> out;
    out.reserve(defs.size());
    for (std::size_t m = 0; m < defs.size(); ++m) {
        sim::Tally t;
        for (const auto& rep : values) t.add(rep.at(m));
        MetricSummary s{defs[m], sim::confidence_interval(t, level), t.min(), t.max()};
        out.push_back(std::move(s));
    }
    return out;
}

std::string figure(double x) {
    if (!std::isfinite(x)) return "-";
    const double a = std::fabs(x);
    char s[48];
    std::snprintf(s, sizeof s, "%.*f", a >= 1000 ? 0 : a >= 100 ? 1 : 2, x);
    return s;
}

nlohmann::json metrics_json(const std::vector<MetricSummary>& metrics) {
    using nlohmann::json;
    json out = json::object();
    for (const MetricSummary& m : metrics) {
        json j{{"label", m.def.label}, {"unit", m.def.unit}, {"mean", m.ci.mean}, {"min", m.min}, {"max", m.max}};
        if (!m.def.formula.empty()) j["formula"] = m.def.formula;
        if (!m.def.requirement.empty()) j["requirement"] = m.def.requirement;
        if (std::isfinite(m.ci.half_width)) {
            j["ci95_half_width"] = m.ci.half_width;
            j["ci95"] = json::array({m.ci.lo(), m.ci.hi()});
        } else {
            j["ci95_half_width"] = nullptr;  // one replication gives no interval
            j["ci95"] = nullptr;
        }
        out[m.def.key] = std::move(j);
    }
    return out;
}

nlohmann::json replications_json(const std::vector<MetricSummary>& metrics,
                                 const std::vector<std::vector<double>>& values, const std::vector<std::uint64_t>& seeds) {
    nlohmann::json rows = nlohmann::json::array();
    for (std::size_t r = 0; r < values.size(); ++r) {
        nlohmann::json row{{"replication", r}, {"seed", seeds[r]}};
        for (std::size_t m = 0; m < metrics.size(); ++m) row[metrics[m].def.key] = values[r][m];
        rows.push_back(std::move(row));
    }
    return rows;
}

}  // namespace kiosktwin::analysis
