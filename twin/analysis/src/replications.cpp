#include <kiosktwin/analysis/replications.hpp>

#include <algorithm>

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

}  // namespace kiosktwin::analysis
