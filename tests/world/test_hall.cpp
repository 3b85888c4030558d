// The hall model behind `kiosktwin run`: every citizen ends in exactly one
// outcome, runs are reproducible, layouts share their citizens (common random
// numbers), and the model reproduces its demand profile and queueing theory.
#include <kiosktwin/analysis/hall_study.hpp>
#include <kiosktwin/analysis/queueing.hpp>
#include <kiosktwin/sim/special_functions.hpp>
#include <kiosktwin/world/hall.hpp>

#include <catch2/catch.hpp>

#include <map>

using namespace kiosktwin;
using nlohmann::json;

namespace {

world::HallScenario scenario(json doc = json::object()) {
    world::HallLoad l = world::load_hall_scenario(doc);
    REQUIRE(l.scenario);
    return *l.scenario;
}

std::vector<world::VisitRecord> visits(const world::HallScenario& s, std::uint32_t replication,
                                       world::HallRunInfo* info = nullptr) {
    world::HallModel m(s, replication);
    std::vector<world::VisitRecord> out;
    m.visit_ended.connect([&](const world::VisitRecord& v) { out.push_back(v); });
    const world::HallRunInfo i = m.run();
    if (info != nullptr) *info = i;
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.citizen < b.citizen; });
    return out;
}

}  // namespace

TEST_CASE("every citizen's visit ends in exactly one recorded outcome", "[hall]") {
    // R-7.2-2: every session ends in a recorded outcome.
    const world::HallScenario s = scenario(json{{"hall", {{"kiosks", 2}}}});
    const auto v = visits(s, 0);
    REQUIRE(v.size() > 1000);
    std::map<world::VisitOutcome, int> n;
    for (std::size_t i = 0; i < v.size(); ++i) {
        CHECK(v[i].citizen == i + 1);  // ids 1..N, no gaps, no duplicates
        ++n[v[i].outcome];
        if (v[i].outcome == world::VisitOutcome::served) CHECK(v[i].service.count() > 0);
        else CHECK(v[i].service.count() == 0);
        if (v[i].outcome == world::VisitOutcome::balked || v[i].outcome == world::VisitOutcome::turned_away)
            CHECK(v[i].waited.count() == 0);
    }
    // Two kiosks for this demand: every outcome occurs.
    CHECK(n[world::VisitOutcome::served] > 0);
    CHECK(n[world::VisitOutcome::reneged] > 0);
    CHECK(n[world::VisitOutcome::balked] > 0);
}

TEST_CASE("the same scenario and replication give the same visits", "[hall][determinism]") {
    const world::HallScenario s = scenario();
    const auto a = visits(s, 3);
    const auto b = visits(s, 3);
    REQUIRE(a.size() == b.size());
    for (std::size_t i = 0; i < a.size(); ++i) {
        CHECK(a[i].arrived == b[i].arrived);
        CHECK(a[i].waited == b[i].waited);
        CHECK(a[i].outcome == b[i].outcome);
    }
    const auto c = visits(s, 4);
    CHECK((c.size() != a.size() || c.front().arrived != a.front().arrived));
}

TEST_CASE("changing the number of kiosks leaves every citizen's draws unchanged", "[hall][determinism]") {
    // Common random numbers: layouts are compared on the same citizens.
    world::HallScenario s4 = scenario(json{{"behaviour", {{"balk_queue_per_kiosk", 0}}}, {"hall", {{"queue_capacity", 100000}}}});
    world::HallScenario s6 = s4;
    s6.kiosks = 6;
    const auto a = visits(s4, 0);
    const auto b = visits(s6, 0);
    REQUIRE(a.size() == b.size());
    std::size_t served_both = 0, waits_differ = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        REQUIRE(a[i].arrived == b[i].arrived);
        if (a[i].outcome == world::VisitOutcome::served && b[i].outcome == world::VisitOutcome::served) {
            ++served_both;
            CHECK(a[i].service == b[i].service);
            waits_differ += a[i].waited != b[i].waited;
        }
    }
    CHECK(served_both > a.size() / 2);
    CHECK(waits_differ > 0);  // the layouts really differ
}

TEST_CASE("a warm-up period is left out of the statistics", "[hall]") {
    const world::HallScenario s = scenario(json{{"horizon", {{"days", 2}, {"warmup_h", 24}}}, {"replications", 2}});
    analysis::HallKpis k(s);
    world::HallModel m(s, 0);
    std::size_t all = 0;
    m.visit_ended.connect([&](const world::VisitRecord& v) {
        ++all;
        k.on_visit(v);
    });
    m.run();
    CHECK(k.arrivals() > 0);
    CHECK(k.arrivals() < all);
}

TEST_CASE("a full hall turns citizens away", "[hall]") {
    const world::HallScenario s =
        scenario(json{{"hall", {{"kiosks", 1}, {"queue_capacity", 1}}}, {"behaviour", {{"balk_queue_per_kiosk", 0}}}});
    const auto v = visits(s, 0);
    const auto turned = std::count_if(v.begin(), v.end(),
                                      [](const auto& r) { return r.outcome == world::VisitOutcome::turned_away; });
    CHECK(turned > 100);
    for (const auto& r : v) CHECK(r.queue_on_arrival <= 1);
}

TEST_CASE("arrivals reproduce the hourly demand profile", "[hall][statistical]") {
    // Non-homogeneous Poisson arrivals, counted by hour of the week over 20
    // replications of a week, against the profile: chi-square at 0.999.
    const world::HallScenario s = scenario(json{{"hall", {{"kiosks", 50}}}});
    std::array<double, 168> observed{};
    const int reps = 20;
    for (int r = 0; r < reps; ++r)
        for (const auto& v : visits(s, static_cast<std::uint32_t>(r)))
            observed[static_cast<std::size_t>(s.calendar.hour_of_week(v.arrived))] += 1;
    double chi2 = 0;
    int bins = 0;
    double total = 0, expected_total = 0;
    for (std::size_t h = 0; h < 168; ++h) {
        const double expected = reps * s.hourly_rate_per_h[h % 24] * s.weekday_factor[h / 24];
        total += observed[h];
        expected_total += expected;
        if (expected < 5) continue;  // pooled below
        chi2 += (observed[h] - expected) * (observed[h] - expected) / expected;
        ++bins;
    }
    const double critical = sim::chi_square_quantile(0.999, bins - 1);
    INFO("chi2 " << chi2 << " over " << bins << " hours, critical " << critical);
    CHECK(chi2 < critical);
    CHECK(total == Approx(expected_total).epsilon(0.01));
    CHECK(bins > 100);
}

TEST_CASE("with constant demand and exponential service the hall is M/M/c", "[hall][statistical]") {
    json doc{{"replications", 20},
             {"horizon", {{"days", 30}, {"warmup_h", 24}}},
             {"hall", {{"kiosks", 5}, {"queue_capacity", 1000000}}},
             {"demand", {{"hourly_rate_per_h", std::vector<double>(24, 60.0)}}},
             {"service", {{"distribution", "exponential"}, {"mean_min", 4.0}}},
             {"behaviour", {{"patience_mean_min", 0}, {"balk_queue_per_kiosk", 0}}}};
    doc["demand"]["weekday_factor"] = std::vector<double>(7, 1.0);
    const world::HallScenario s = scenario(doc);
    const analysis::HallStudy study = analysis::run_hall_study(s, {.jobs = 2, .progress = {}});
    const analysis::ErlangC ec = analysis::erlang_c(1.0, 0.25, 5);
    auto metric = [&](const std::string& key) {
        for (const auto& m : study.metrics)
            if (m.def.key == key) return m.ci;
        FAIL("no metric " << key);
        return sim::ConfidenceInterval{};
    };
    INFO("wait " << metric("wait_mean_min").mean << " ± " << metric("wait_mean_min").half_width);
    CHECK(metric("wait_mean_min").contains(ec.wq));
    CHECK(metric("waited_pct").contains(100.0 * ec.p_wait));
    CHECK(metric("utilisation_pct").contains(100.0 * ec.utilisation));
    CHECK(metric("reneged_pct").mean == 0.0);
}
