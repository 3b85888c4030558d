// The clause-10 metrics' formulas on a day computed by hand (R-10.1-1):
// one kiosk open 09:00-17:00, three citizens and one fault, fed to the
// collector directly so that every figure can be checked against the
// arithmetic in the comments.
#include <kiosktwin/analysis/site_study.hpp>

#include <catch2/catch.hpp>

#include <map>

using namespace kiosktwin;
using namespace kiosktwin::analysis;
using namespace std::chrono_literals;

namespace {

sim::Time at(int h, int m) { return sim::Time{std::chrono::hours(h) + std::chrono::minutes(m)}; }

kiosk::SessionOutcome session(kiosk::OutcomeKind kind, const char* item, int rating, sim::Time ended) {
    kiosk::SessionOutcome o;
    o.kind = kind;
    o.service = "handle";
    o.item_code = item;
    o.rating = rating;
    o.ended = ended;
    return o;
}

world::SiteScenario one_kiosk_day() {
    world::SiteScenario s;
    s.name = "hand";
    s.replications = 1;
    s.horizon_days = 1;
    s.wait_target_min = 10;
    s.world.calendar = *sim::Calendar::from_iso8601("2026-06-01T00:00:00+08:00");  // a Monday
    s.world.horizon = 24h;
    world::SiteSpec site;
    site.id = "S1";
    site.kiosks.push_back({"K01", nlohmann::json::object()});
    site.hours.always_open = false;
    site.hours.open_h = 9;
    site.hours.close_h = 17;  // 8 h = 480 min of scheduled service time
    s.world.sites.push_back(site);
    return s;
}

}  // namespace

TEST_CASE("site metrics: one kiosk, three citizens and one fault, by hand [R-10.1-1] [R-10.3-1] [R-11.3-1]",
          "[site-kpis]") {
    const world::SiteScenario s = one_kiosk_day();
    SiteKpis kpis(s);

    world::CitizenRecord c1;  // 09:00, no wait, 10 min at the kiosk, a case, 非常满意
    c1.citizen = 1;
    c1.kiosk = "S1-K01";
    c1.arrived = at(9, 0);
    c1.held = 10min;
    c1.outcomes.push_back(session(kiosk::OutcomeKind::completed, "A", 5, at(9, 10)));
    world::CitizenRecord c2;  // 09:05, waits 5 min, helped, 20 min, a degraded case, 不满意
    c2.citizen = 2;
    c2.kiosk = "S1-K01";
    c2.arrived = at(9, 5);
    c2.waited = 5min;
    c2.held = 20min;
    c2.asked_help = c2.helped = true;
    c2.outcomes.push_back(session(kiosk::OutcomeKind::completed_degraded, "B", 2, at(9, 30)));
    world::CitizenRecord c3;  // 09:20, gives up after 10 min
    c3.citizen = 3;
    c3.arrived = at(9, 20);
    c3.waited = 10min;
    c3.fate = world::CitizenFate::reneged;
    for (const auto* c : {&c1, &c2, &c3}) kpis.on_citizen(*c);

    world::TicketRecord t;  // the receipt printer jams at 12:00; resolved 13:01 (L3: SLA 4 h)
    t.kiosk = "S1-K01";
    t.device = "receipt_printer";
    t.severity = 3;
    t.occurred = at(12, 0);
    t.reported = at(12, 1);
    t.acknowledged = at(12, 6);
    t.arrived = at(12, 36);
    t.resolved = at(13, 1);
    kpis.on_ticket(t);
    kpis.set_online("S1-K01", 450min);  // heartbeats OK for 7.5 of the 8 h

    const std::vector<double> v = kpis.values();
    std::map<std::string, double> m;
    for (std::size_t i = 0; i < site_metrics().size(); ++i) m[site_metrics()[i].key] = v[i];
    CHECK(m["arrivals_per_day"] == Approx(3));
    CHECK(m["cases_per_day"] == Approx(2));               // 办件量: two handling sessions completed (one degraded)
    CHECK(m["cases_per_kiosk_day"] == Approx(2));
    CHECK(m["sessions_per_open_hour"] == Approx(2.0 / 8));
    CHECK(m["wait_mean_min"] == Approx(2.5));             // (0 + 5) / 2 served
    CHECK(m["wait_p95_min"] == Approx(5).epsilon(0.01));
    CHECK(m["over_target_pct"] == Approx(0));
    CHECK(m["reneged_pct"] == Approx(100.0 / 3));
    CHECK(m["balked_pct"] == Approx(0));
    CHECK(m["utilisation_pct"] == Approx(100.0 * 30 / 480));     // 使用率: 30 min held / 480 min
    CHECK(m["daily_use_pct"] == Approx(100));                    // the one kiosk-day had a case
    CHECK(m["power_on_pct"] == Approx(100.0 - 100.0 * 61 / 480));  // 开机率: 61 min of fault downtime
    CHECK(m["online_pct"] == Approx(100.0 * 450 / 480));          // 在线率
    CHECK(m["fault_rate_pct"] == Approx(100));                    // 故障率: 1 faulty kiosk-day of 1
    CHECK(m["faults_per_kiosk_month"] == Approx(30));             // 1 / (1 kiosk x 1/30 month)
    CHECK(m["mttr_h"] == Approx(1.0));                            // 12:01 -> 13:01
    CHECK(m["sla_pct"] == Approx(100));                           // 1 h <= 4 h
    CHECK(m["self_service_pct"] == Approx(50));                   // 自助办理率: one case of two without a helper
    CHECK(m["helped_pct"] == Approx(50));
    CHECK(m["completed_pct"] == Approx(50));
    CHECK(m["degraded_pct"] == Approx(50));
    CHECK(m["satisfaction_pct"] == Approx(50));                   // levels 5 and 2
    CHECK(m["bad_review_pct"] == Approx(50));
    CHECK(m["refills_per_day"] == Approx(0));
    CHECK(kpis.cases_by_item().at("A") == 1);
    CHECK(kpis.cases_by_item().at("B") == 1);
    CHECK(kpis.cases_by_kiosk().at("S1-K01") == 2);
    CHECK(kpis.cases_by_day().at(0) == 2);
    CHECK(kpis.ratings()[5] == 1);
    CHECK(kpis.ratings()[2] == 1);

    SECTION("a ticket out of its SLA counts against compliance") {
        world::TicketRecord late = t;
        late.severity = 1;  // L1: 30 min
        late.occurred = at(14, 0);
        late.reported = at(14, 0);
        late.resolved = at(15, 0);
        kpis.on_ticket(late);
        std::map<std::string, double> m2;
        const std::vector<double> v2 = kpis.values();
        for (std::size_t i = 0; i < site_metrics().size(); ++i) m2[site_metrics()[i].key] = v2[i];
        CHECK(m2["sla_pct"] == Approx(50));
        CHECK(m2["mttr_h"] == Approx(1.0));
        CHECK(m2["power_on_pct"] == Approx(100.0 - 100.0 * 121 / 480));
    }
}

TEST_CASE("site metrics: every metric states its formula and clause [R-10.1-1]", "[site-kpis]") {
    for (const MetricDef& d : site_metrics()) {
        INFO(d.key);
        CHECK_FALSE(d.formula.empty());
        CHECK(d.requirement.rfind("R-", 0) == 0);
    }
}

TEST_CASE("opening hours give the scheduled service time [R-5-3]", "[site-kpis]") {
    const auto cal = *sim::Calendar::from_iso8601("2026-06-01T00:00:00+08:00");  // Monday
    world::OpeningHours office;
    office.always_open = false;
    office.open_h = 9;
    office.close_h = 17;
    const auto week = open_intervals(office, cal, 7 * 24h);
    REQUIRE(week.size() == 5);  // Monday to Friday
    CHECK(week[0].first == at(9, 0));
    CHECK(week[0].second == at(17, 0));
    CHECK(week[4].first == at(4 * 24 + 9, 0));
    const auto always = open_intervals(world::OpeningHours{}, cal, 7 * 24h);
    REQUIRE(always.size() == 1);
    CHECK(always[0].second - always[0].first == 7 * 24h);
}
