// Paired comparisons (analysis/compare.hpp) against figures worked by hand:
// the paired t interval and test, the replications a precision needs, goals,
// shards and their merge.
#include <kiosktwin/analysis/compare.hpp>
#include <kiosktwin/sim/special_functions.hpp>

#include <catch2/catch.hpp>

#include <cmath>

using namespace kiosktwin;
using analysis::VariantRuns;

namespace {

const std::vector<analysis::MetricDef> k_metrics{{"wait", "Wait", "min"}, {"served", "Served", "per day"}};

VariantRuns runs(std::string label, std::vector<std::vector<double>> values) {
    VariantRuns v;
    v.label = std::move(label);
    for (std::uint32_t r = 0; r < values.size(); ++r) {
        v.replications.push_back(r);
        v.seeds.push_back(1000 + r);
    }
    v.values = std::move(values);
    return v;
}

}  // namespace

TEST_CASE("a paired difference: the t interval, the test and the replications it needs, by hand", "[compare]") {
    // Differences 1, 1.5, 1, 1 (wait) and 0, 0, 0, 0 (served).
    const auto base = runs("A", {{1, 10}, {2, 10}, {3, 11}, {4, 12}});
    const auto var = runs("B", {{2, 10}, {3.5, 10}, {4, 11}, {5, 12}});
    const auto c = analysis::compare_paired(k_metrics, {base, var}, {.level = 0.95, .precision = 0.05});
    REQUIRE(c.differences.size() == 2);
    CHECK(c.differences[0].empty());
    const auto& d = c.differences[1][0];
    // mean 1.125, sd 0.25, t(0.975, 3) = 3.182446: half-width 3.182446 · 0.25 / 2.
    CHECK(d.ci.mean == Approx(1.125));
    CHECK(d.ci.half_width == Approx(3.182446 * 0.25 / 2).epsilon(1e-5));
    // t = 1.125 / (0.25 / 2) = 9 on 3 degrees of freedom: p = 0.002894.
    CHECK(d.p_value == Approx(0.002894).epsilon(1e-3));
    CHECK(d.significant);
    CHECK(d.significant_adjusted);  // one comparison: nothing to adjust
    CHECK(d.relative == Approx(1.125 / 2.5));
    // ± 5 % of the baseline's mean 2.5 = 0.125: t(n-1) · 0.25 / √n <= 0.125 first at n = 18.
    REQUIRE(d.replications_needed);
    CHECK(*d.replications_needed == 18);
    const auto& same = c.differences[1][1];
    CHECK(same.ci.mean == 0.0);
    CHECK(same.ci.half_width == 0.0);
    CHECK(same.p_value == 1.0);
    CHECK_FALSE(same.significant);
    CHECK_FALSE(same.replications_needed);  // no spread: any number will do
    // The baseline alone: sd of 1, 2, 3, 4 is 1.29; ± 5 % of 2.5.
    REQUIRE(c.replications_needed[0][0]);
    CHECK(*c.replications_needed[0][0] > 18);
}

TEST_CASE("replications_for is the smallest n whose t interval is narrow enough", "[compare]") {
    for (const double sd : {0.3, 1.0, 7.5})
        for (const double hw : {0.05, 0.5, 2.0}) {
            const auto n = analysis::replications_for(sd, hw);
            REQUIRE(n);
            auto width = [&](std::uint64_t k) {
                return sim::student_t_quantile(0.975, static_cast<double>(k - 1)) * sd / std::sqrt(static_cast<double>(k));
            };
            CHECK(width(*n) <= hw);
            if (*n > 2) CHECK(width(*n - 1) > hw);
        }
    CHECK_FALSE(analysis::replications_for(0.0, 1.0));
    CHECK_FALSE(analysis::replications_for(1.0, 0.0));
}

TEST_CASE("with several variants each is compared with the first, and Bonferroni's correction is reported", "[compare]") {
    const auto a = runs("A", {{1, 1}, {2, 1}, {3, 1}, {4, 1}, {5, 1}});
    const auto b = runs("B", {{1.2, 1}, {2.1, 1}, {3.3, 1}, {4.0, 1}, {5.3, 1}});  // p ≈ 0.04: significant alone
    const auto c3 = runs("C", {{0, 1}, {1, 1}, {2, 1}, {3, 1}, {4, 1}});
    const auto c = analysis::compare_paired(k_metrics, {a, b, c3});
    CHECK(c.differences[1][0].significant);
    CHECK(c.differences[1][0].p_value > 0.025);
    CHECK_FALSE(c.differences[1][0].significant_adjusted);  // not below 0.05 / 2
    CHECK(c.differences[2][0].ci.mean == -1.0);
    CHECK(c.differences[2][0].p_value == 0.0);  // the same difference every time
    CHECK(c.differences[2][0].significant_adjusted);
    CHECK_THROWS_AS(analysis::compare_paired(k_metrics, {a}), std::invalid_argument);
}

TEST_CASE("a goal picks the first variant whose mean meets it", "[compare]") {
    const auto goal = analysis::parse_goal("wait<=2");
    REQUIRE(goal);
    CHECK(goal->text() == "wait <= 2");
    CHECK(analysis::parse_goal("served > 10.5")->op == analysis::Goal::Op::gt);
    CHECK_FALSE(analysis::parse_goal("wait"));
    CHECK_FALSE(analysis::parse_goal("<=2"));
    CHECK_FALSE(analysis::parse_goal("wait<=two"));
    const auto c = analysis::compare_paired(k_metrics, {runs("4", {{5, 1}, {6, 1}}), runs("5", {{2.1, 1}, {1.95, 1}}),
                                                        runs("6", {{0.5, 1}, {0.6, 1}})});
    const auto answer = analysis::first_meeting(c, *goal);
    REQUIRE(answer.variant);
    CHECK(*answer.variant == 2);  // "5" has a mean of 2.025
    CHECK(answer.confident);
    const auto loose = analysis::first_meeting(c, *analysis::parse_goal("wait<2.1"));
    REQUIRE(loose.variant);
    CHECK(*loose.variant == 1);
    CHECK_FALSE(loose.confident);  // its interval reaches past 2.1
    CHECK_FALSE(analysis::first_meeting(c, *analysis::parse_goal("wait<0.1")).variant);
}

TEST_CASE("shards run the replications r mod n = i, and merged they are the whole", "[compare]") {
    CHECK(analysis::parse_shard("1/3")->index == 1);
    CHECK_FALSE(analysis::parse_shard("3/3"));
    CHECK_FALSE(analysis::parse_shard("1/0"));
    CHECK_FALSE(analysis::parse_shard("1-3"));
    const std::vector<std::string> labels{"A", "B"};
    const std::vector<analysis::ReplicationFn> fns{
        [](std::uint32_t r) { return analysis::ReplicationResult{{r * 1.0, 2.0}, 100 + r, 10}; },
        [](std::uint32_t r) { return analysis::ReplicationResult{{r * 2.0, 3.0}, 100 + r, 20}; }};
    analysis::RunVariantsOptions whole{.replications = 7, .jobs = 1, .shard = {}, .progress = {}};
    const auto all = analysis::run_variants(labels, fns, whole);
    CHECK(all[1].values[6][0] == 12.0);
    CHECK(all[1].events == 140);
    std::vector<std::vector<VariantRuns>> parts;
    for (std::uint32_t i = 0; i < 3; ++i) {
        analysis::RunVariantsOptions o{.replications = 7, .jobs = 2, .shard = {i, 3}, .progress = {}};
        parts.push_back(analysis::run_variants(labels, fns, o));
    }
    CHECK(parts[1][0].replications == std::vector<std::uint32_t>{1, 4});
    const auto merged = analysis::merge_runs({parts[2], parts[0], parts[1]}, 7);
    for (std::size_t v = 0; v < 2; ++v) {
        CHECK(merged[v].replications == all[v].replications);
        CHECK(merged[v].values == all[v].values);
        CHECK(merged[v].seeds == all[v].seeds);
        CHECK(merged[v].events == all[v].events);
    }
    CHECK_THROWS_WITH(analysis::merge_runs({parts[0], parts[1]}, 7), Catch::Contains("replication 2 is missing"));
    CHECK_THROWS_WITH(analysis::merge_runs({parts[0], parts[0], parts[1], parts[2]}, 7),
                      Catch::Contains("replication 0 is given twice"));
    // Rows survive JSON exactly.
    const auto back = analysis::runs_from_json(k_metrics, analysis::runs_json(k_metrics, all));
    CHECK(back[0].values == all[0].values);
    CHECK(back[0].label == "A");
}
