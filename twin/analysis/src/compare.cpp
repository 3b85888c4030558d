#include <kiosktwin/analysis/compare.hpp>

#include <kiosktwin/sim/special_functions.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace kiosktwin::analysis {

namespace {

std::optional<double> number_of(std::string_view s) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
    if (s.empty()) return std::nullopt;
    double x = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
    if (ec != std::errc{} || end != s.data() + s.size() || !std::isfinite(x)) return std::nullopt;
    return x;
}

std::optional<std::uint32_t> count_of(std::string_view s) {
    std::uint32_t x = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), x);
    if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
    return x;
}

nlohmann::json interval_json(const sim::ConfidenceInterval& ci) {
    if (!std::isfinite(ci.half_width)) return nullptr;
    return nlohmann::json::array({ci.lo(), ci.hi()});
}

nlohmann::json optional_json(const std::optional<std::uint64_t>& n) {
    return n ? nlohmann::json(*n) : nlohmann::json(nullptr);
}

}  // namespace

std::optional<Shard> parse_shard(std::string_view text) {
    const auto slash = text.find('/');
    if (slash == std::string_view::npos) return std::nullopt;
    const auto i = count_of(text.substr(0, slash));
    const auto n = count_of(text.substr(slash + 1));
    if (!i || !n || *n == 0 || *i >= *n) return std::nullopt;
    return Shard{*i, *n};
}

std::vector<VariantRuns> run_variants(const std::vector<std::string>& labels, const std::vector<ReplicationFn>& variants,
                                      const RunVariantsOptions& options) {
    if (labels.size() != variants.size()) throw std::invalid_argument("run_variants: a label for every variant");
    std::vector<std::uint32_t> indices;
    for (std::uint32_t r = 0; r < options.replications; ++r)
        if (options.shard.holds(r)) indices.push_back(r);
    // Replication-major order: every variant's replication 0 first, so a
    // comparison's variants progress together.
    const std::size_t tasks = indices.size() * variants.size();
    const std::function<ReplicationResult(std::uint32_t)> one = [&](std::uint32_t task) {
        return variants[task % variants.size()](indices[task / variants.size()]);
    };
    const auto results = run_replications<ReplicationResult>(tasks, options.jobs, one, options.progress);

    std::vector<VariantRuns> out(variants.size());
    for (std::size_t v = 0; v < variants.size(); ++v) out[v].label = labels[v];
    for (std::size_t t = 0; t < tasks; ++t) {
        VariantRuns& vr = out[t % variants.size()];
        vr.replications.push_back(indices[t / variants.size()]);
        vr.values.push_back(results[t].values);
        vr.seeds.push_back(results[t].seed);
        vr.events += results[t].events;
    }
    return out;
}

std::vector<VariantRuns> merge_runs(const std::vector<std::vector<VariantRuns>>& shards, std::uint32_t replications) {
    if (shards.empty()) throw std::invalid_argument("nothing to merge");
    const std::size_t variants = shards.front().size();
    std::vector<VariantRuns> out(variants);
    for (std::size_t v = 0; v < variants; ++v) {
        struct Row {
            std::uint32_t r;
            const std::vector<double>* values;
            std::uint64_t seed;
        };
        std::vector<Row> rows;
        out[v].label = shards.front()[v].label;
        for (const auto& shard : shards) {
            if (shard.size() != variants) throw std::invalid_argument("the parts hold different numbers of variants");
            const VariantRuns& part = shard[v];
            if (part.label != out[v].label)
                throw std::invalid_argument("variant " + std::to_string(v + 1) + " is \"" + out[v].label +
                                            "\" in one part and \"" + part.label + "\" in another");
            for (std::size_t k = 0; k < part.replications.size(); ++k)
                rows.push_back({part.replications[k], &part.values[k], part.seeds[k]});
            out[v].events += part.events;
        }
        std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.r < b.r; });
        for (std::uint32_t r = 0; r < replications || r < rows.size(); ++r) {
            std::string problem;
            if (r >= replications) problem = "replication " + std::to_string(rows[r].r) + " is beyond the " +
                                              std::to_string(replications) + " replications";
            else if (r >= rows.size() || rows[r].r > r) problem = "replication " + std::to_string(r) + " is missing";
            else if (rows[r].r < r) problem = "replication " + std::to_string(rows[r].r) + " is given twice";
            if (!problem.empty()) throw std::invalid_argument(problem + " (variant \"" + out[v].label + "\")");
        }
        for (const Row& row : rows) {
            out[v].replications.push_back(row.r);
            out[v].values.push_back(*row.values);
            out[v].seeds.push_back(row.seed);
        }
    }
    return out;
}

std::optional<std::uint64_t> replications_for(double sd, double half_width, double level) {
    if (!(sd > 0) || !std::isfinite(sd) || !(half_width > 0) || !std::isfinite(half_width)) return std::nullopt;
    const double p = 1 - (1 - level) / 2;
    // Start from the normal approximation and step up while the t interval is too wide.
    const double z = sim::normal_quantile(p);
    const double guess = std::ceil(std::pow(z * sd / half_width, 2));
    if (guess > 1e12) return std::nullopt;
    std::uint64_t n = std::max<std::uint64_t>(2, static_cast<std::uint64_t>(guess));
    auto wide = [&](std::uint64_t k) {
        return sim::student_t_quantile(p, static_cast<double>(k - 1)) * sd / std::sqrt(static_cast<double>(k)) > half_width;
    };
    while (wide(n)) n = n < 64 ? n + 1 : n + n / 16;
    // Coarse steps above 64 may overshoot: walk back to the smallest n.
    while (n > 2 && !wide(n - 1)) --n;
    return n;
}

Comparison compare_paired(const std::vector<MetricDef>& metrics, const std::vector<VariantRuns>& runs,
                          const ComparisonOptions& options) {
    if (runs.size() < 2) throw std::invalid_argument("a comparison needs at least two variants");
    for (const VariantRuns& v : runs)
        if (v.replications != runs.front().replications)
            throw std::invalid_argument("variant \"" + v.label + "\" ran other replications than \"" +
                                        runs.front().label + "\": not paired");
    const std::size_t n = runs.front().replications.size();
    Comparison c;
    c.metrics = metrics;
    c.options = options;
    c.replications = static_cast<std::uint32_t>(n);
    const double alpha = 1 - options.level;
    const double comparisons = static_cast<double>(runs.size() - 1);
    for (const VariantRuns& v : runs) {
        c.labels.push_back(v.label);
        c.summaries.push_back(summarise(metrics, v.values, options.level));
        std::vector<std::optional<std::uint64_t>> needed;
        for (std::size_t m = 0; m < metrics.size(); ++m) {
            sim::Tally t;
            for (const auto& row : v.values) t.add(row.at(m));
            const double mean = c.summaries.back()[m].ci.mean;
            needed.push_back(replications_for(t.stddev(), options.precision * std::fabs(mean), options.level));
        }
        c.replications_needed.push_back(std::move(needed));
    }
    c.differences.emplace_back();  // the baseline against itself: nothing
    for (std::size_t v = 1; v < runs.size(); ++v) {
        std::vector<PairedDifference> diffs;
        for (std::size_t m = 0; m < metrics.size(); ++m) {
            sim::Tally d;
            for (std::size_t k = 0; k < n; ++k) d.add(runs[v].values[k].at(m) - runs[0].values[k].at(m));
            PairedDifference pd;
            pd.ci = sim::confidence_interval(d, options.level);
            const double base = std::fabs(c.summaries[0][m].ci.mean);
            pd.relative = base > 0 ? pd.ci.mean / base : 0.0;
            const double sd = d.stddev();
            if (n < 2) {
                pd.p_value = 1;
            } else if (sd > 0) {
                const double t = pd.ci.mean / (sd / std::sqrt(static_cast<double>(n)));
                pd.p_value = std::min(1.0, 2 * (1 - sim::student_t_cdf(std::fabs(t), static_cast<double>(n - 1))));
            } else {
                pd.p_value = pd.ci.mean == 0 ? 1.0 : 0.0;  // every replication differs by the same amount
            }
            pd.significant = n >= 2 && pd.p_value < alpha;
            pd.significant_adjusted = n >= 2 && pd.p_value < alpha / comparisons;
            pd.replications_needed = replications_for(sd, options.precision * base, options.level);
            diffs.push_back(pd);
        }
        c.differences.push_back(std::move(diffs));
    }
    return c;
}

bool Goal::holds(double x) const noexcept {
    switch (op) {
    case Op::le: return x <= value;
    case Op::lt: return x < value;
    case Op::ge: return x >= value;
    case Op::gt: return x > value;
    }
    return false;
}

std::string Goal::text() const {
    const char* ops[] = {"<=", "<", ">=", ">"};
    std::ostringstream v;
    v.precision(15);
    v << value;
    return metric + " " + ops[static_cast<int>(op)] + " " + v.str();
}

std::optional<Goal> parse_goal(std::string_view text) {
    const auto at = text.find_first_of("<>");
    if (at == std::string_view::npos || at == 0) return std::nullopt;
    Goal g;
    g.metric = std::string(text.substr(0, at));
    while (!g.metric.empty() && g.metric.back() == ' ') g.metric.pop_back();
    const bool less = text[at] == '<';
    const bool equal = at + 1 < text.size() && text[at + 1] == '=';
    g.op = less ? (equal ? Goal::Op::le : Goal::Op::lt) : (equal ? Goal::Op::ge : Goal::Op::gt);
    const auto v = number_of(text.substr(at + (equal ? 2 : 1)));
    if (!v || g.metric.empty()) return std::nullopt;
    g.value = *v;
    return g;
}

GoalAnswer first_meeting(const Comparison& c, const Goal& goal) {
    std::size_t m = 0;
    while (m < c.metrics.size() && c.metrics[m].key != goal.metric) ++m;
    if (m == c.metrics.size()) throw std::invalid_argument("no metric \"" + goal.metric + "\"");
    for (std::size_t v = 0; v < c.summaries.size(); ++v) {
        const sim::ConfidenceInterval& ci = c.summaries[v][m].ci;
        if (!goal.holds(ci.mean)) continue;
        const bool finite = std::isfinite(ci.half_width);
        return {v, finite && goal.holds(ci.lo()) && goal.holds(ci.hi())};
    }
    return {};
}

nlohmann::json runs_json(const std::vector<MetricDef>& metrics, const std::vector<VariantRuns>& runs) {
    nlohmann::json out = nlohmann::json::array();
    for (const VariantRuns& v : runs) {
        nlohmann::json rows = nlohmann::json::array();
        for (std::size_t k = 0; k < v.replications.size(); ++k) {
            nlohmann::json row{{"replication", v.replications[k]}, {"seed", v.seeds[k]}};
            for (std::size_t m = 0; m < metrics.size(); ++m) row[metrics[m].key] = v.values[k].at(m);
            rows.push_back(std::move(row));
        }
        out.push_back({{"label", v.label}, {"events", v.events}, {"replications", std::move(rows)}});
    }
    return out;
}

std::vector<VariantRuns> runs_from_json(const std::vector<MetricDef>& metrics, const nlohmann::json& variants) {
    if (!variants.is_array()) throw std::invalid_argument("no variants");
    std::vector<VariantRuns> out;
    for (const auto& v : variants) {
        VariantRuns vr;
        vr.label = v.at("label").get<std::string>();
        vr.events = v.value("events", std::uint64_t{0});
        for (const auto& row : v.at("replications")) {
            vr.replications.push_back(row.at("replication").get<std::uint32_t>());
            vr.seeds.push_back(row.at("seed").get<std::uint64_t>());
            std::vector<double> values;
            for (const MetricDef& m : metrics) {
                if (!row.contains(m.key))
                    throw std::invalid_argument("variant \"" + vr.label + "\": replication " +
                                                std::to_string(vr.replications.back()) + " has no " + m.key);
                values.push_back(row[m.key].get<double>());
            }
            vr.values.push_back(std::move(values));
        }
        out.push_back(std::move(vr));
    }
    return out;
}

nlohmann::json to_json(const Comparison& c, const std::vector<VariantRuns>& runs) {
    using nlohmann::json;
    json variants = runs_json(c.metrics, runs);
    for (std::size_t v = 0; v < c.labels.size(); ++v) {
        variants[v]["metrics"] = metrics_json(c.summaries[v]);
        json needed = json::object();
        for (std::size_t m = 0; m < c.metrics.size(); ++m) needed[c.metrics[m].key] = optional_json(c.replications_needed[v][m]);
        variants[v]["replications_needed"] = std::move(needed);
    }
    json differences = json::array();
    for (std::size_t v = 1; v < c.labels.size(); ++v) {
        json metrics = json::object();
        for (std::size_t m = 0; m < c.metrics.size(); ++m) {
            const PairedDifference& d = c.differences[v][m];
            metrics[c.metrics[m].key] = {{"mean", d.ci.mean},
                                         {"ci95", interval_json(d.ci)},
                                         {"ci95_half_width", std::isfinite(d.ci.half_width) ? json(d.ci.half_width) : json(nullptr)},
                                         {"relative", d.relative},
                                         {"p_value", d.p_value},
                                         {"significant", d.significant},
                                         {"significant_adjusted", d.significant_adjusted},
                                         {"replications_needed", optional_json(d.replications_needed)}};
        }
        differences.push_back({{"variant", c.labels[v]}, {"baseline", c.labels[0]}, {"metrics", std::move(metrics)}});
    }
    return {{"level", c.options.level},
            {"precision", c.options.precision},
            {"replications", c.replications},
            {"variants", std::move(variants)},
            {"differences", std::move(differences)}};
}

}  // namespace kiosktwin::analysis
