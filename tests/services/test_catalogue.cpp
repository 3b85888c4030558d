// The item catalogue back-end (事项清单): clause 6 and the zones and
// 跨域通办 modes of clause 7 (R-6.1-1, R-6.2-1, R-6.2-2, R-6.3-1, R-6.4-1,
// R-7.4-1, R-7.5-1, R-7.6-1).
#include <catch2/catch.hpp>

#include <kiosktwin/api/codes.hpp>
#include <kiosktwin/services/catalogue.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>

namespace services_catalogue_test {

using namespace kiosktwin;
using namespace kiosktwin::services::catalogue;
using api::ErrorCode;
using namespace std::chrono_literals;

namespace {

sim::Time day(int d) { return sim::Time{std::chrono::hours(24 * d)}; }

const Catalogue& base() {
    static const Catalogue c = Catalogue::generate(20260601);
    return c;
}

/// A fresh valid item at 申请, for the state-machine tests.
Item fresh(std::string code = "44030000GA-XK-9001") {
    Item it = *base().offered(Zone::police).front();
    it.code = std::move(code);
    it.category = it.code.substr(11, 2);
    it.department = it.code.substr(8, 2);
    it.name = "测试事项";
    it.stage = Stage::applied;
    it.status = Status::normal;
    it.note = {};
    it.announcement.reset();
    it.online_at.reset();
    it.offline_at.reset();
    return it;
}

/// The first offered item of a copy.
std::string first_offered(const Catalogue& c) { return c.offered().front()->code; }

}  // namespace

TEST_CASE("R-6.1-1 R-7.4-1: at least 150 items over all eight categories and every zone", "[services][catalogue]") {
    const Catalogue& c = base();
    CHECK(c.size() == 160);
    CHECK(Catalogue::max_generated() >= 200);
    std::set<std::string> categories;
    std::set<Zone> zones, offered_zones;
    for (const Item* it : c.items()) {
        categories.insert(it->category);
        zones.insert(it->zone);
    }
    for (const Item* it : c.offered()) offered_zones.insert(it->zone);
    for (const auto& t : api::codes::item_type().entries()) {
        INFO(t.code);
        CHECK(categories.count(std::string(t.code)) == 1);
    }
    CHECK(categories.size() == 8);
    CHECK(zones.size() == zone_count);
    CHECK(offered_zones.size() == zone_count);  // every zone has something to offer
    CHECK(c.offered().size() >= 120);
    // Every zone has a Chinese name and an id that round-trips.
    for (Zone z : all_zones()) {
        CHECK_FALSE(zh(z).empty());
        CHECK(parse_zone(to_string(z)) == z);
    }
    // Names are "<业务>+<动作>" and distinct.
    std::set<std::string> names;
    for (const Item* it : c.items()) CHECK(names.insert(it->name).second);
    CHECK(names.count("居住证签注") + names.count("社保参保证明打印") + names.count("住房公积金提取") >= 1);
}

TEST_CASE("R-6.2-1: six basic elements, guide and kiosk fields on every item", "[services][catalogue]") {
    for (const Item* it : base().items()) {
        INFO(it->code << " " << it->name);
        CHECK_FALSE(it->name.empty());
        CHECK_FALSE(it->code.empty());
        CHECK(api::codes::item_type().accepts(std::string_view(it->category)));
        CHECK_FALSE(it->competent_department.empty());
        CHECK_FALSE(it->implementing_body.empty());
        REQUIRE_FALSE(it->legal_basis.empty());
        CHECK(it->legal_basis.front().find("《") == 0);
        CHECK(validate(*it).empty());
        // Guide fields.
        CHECK_FALSE(it->conditions.empty());
        CHECK_FALSE(it->process.empty());
        CHECK(it->faq.size() >= 3);
        CHECK_FALSE(it->consultation.empty());
        CHECK_FALSE(it->complaint.empty());
        CHECK(it->promised_days <= it->statutory_days);  // 承诺 ≤ 法定
        if (it->fee.amount_fen > 0) CHECK_FALSE(it->fee.basis.empty());
        // Kiosk fields.
        for (const auto& p : it->peripherals) CHECK(api::codes::peripheral_type().accepts(std::string_view(p)));
        if (it->auth != Auth::anonymous) {
            CHECK_FALSE(it->materials.empty());
            CHECK(it->materials.front().name == "居民身份证");
        }
        if (it->depth == Depth::print) CHECK(std::count(it->peripherals.begin(), it->peripherals.end(), "a4_printer") == 1);
        CHECK(it->department == it->code.substr(8, 2));  // routes to its department's back-end
        CHECK((it->cross_scope == CrossScope::none) == it->cross_modes.empty());
        CHECK(it->offered() == (it->stage == Stage::online && it->status == Status::normal));
        if (it->stage == Stage::online) CHECK(it->online_at.has_value());
    }
}

TEST_CASE("R-7.4-1: a department zone holds that department's items only", "[services][catalogue]") {
    const std::map<Zone, std::string> owner = {{Zone::police, "GA"},       {Zone::tax, "SW"},
                                               {Zone::hrss, "RS"},         {Zone::medical, "YB"},
                                               {Zone::housing_fund, "GJ"}, {Zone::real_estate, "ZR"}};
    for (const Item* it : base().items()) {
        const auto o = owner.find(it->zone);
        if (o != owner.end()) CHECK(it->department == o->second);
        if (it->zone == Zone::cross_region) CHECK(it->cross_scope != CrossScope::none);
    }
}

TEST_CASE("R-7.5-1: 跨域通办 items carry their modes, all three modes occur", "[services][catalogue]") {
    std::set<CrossMode> modes;
    for (const Item* it : base().items())
        for (auto m : it->cross_modes) modes.insert(m);
    CHECK(modes == std::set<CrossMode>{CrossMode::online, CrossMode::proxy, CrossMode::joint});
}

TEST_CASE("R-7.6-1: the material checklist follows the situation answers", "[services][catalogue]") {
    const Item* app = nullptr;
    for (const Item* it : base().items())
        if (it->depth == Depth::application) {
            app = it;
            break;
        }
    REQUIRE(app != nullptr);
    const auto without = checklist(*app, {});
    const auto with = checklist(*app, {"agent"});
    CHECK(with.size() == without.size() + 2);
    for (const Material* m : with) CHECK(std::find_if(app->materials.begin(), app->materials.end(),
                                                      [&](const Material& d) { return &d == m; }) != app->materials.end());
    CHECK(std::any_of(without.begin(), without.end(), [](const Material* m) { return !m->required; }));
    CHECK(checklist(*app, {"agent"}) == with);  // deterministic
}

TEST_CASE("R-6.2-2: codes are unique and follow the documented format", "[services][catalogue]") {
    std::set<std::string> codes;
    for (const Item* it : base().items()) {
        INFO(it->code);
        CHECK(codes.insert(it->code).second);
        CHECK(is_item_code(it->code));
        CHECK(it->code.substr(0, 8) == "44030000");
        CHECK(it->code.substr(11, 2) == it->category);
    }
    CHECK(is_item_code("62052400MZ-XK-0001"));
    CHECK_FALSE(is_item_code("62052400MZ-XX-0001"));  // not an item type
    CHECK_FALSE(is_item_code("99052400MZ-XK-0001"));  // not a province
    CHECK_FALSE(is_item_code("62052400mz-XK-0001"));
    CHECK_FALSE(is_item_code("62052400MZ-XK-001"));

    Catalogue c = base();
    const auto v = c.version();
    Item dup = fresh(first_offered(c));
    dup.category = dup.code.substr(11, 2);
    const auto out = c.add(dup, day(1));
    CHECK(out.error == ErrorCode::conflict_state);
    CHECK(c.version() == v);
    Item bad = fresh("44030000GA-XK-90");
    CHECK(c.add(bad, day(1)).error == ErrorCode::bad_field);
    Item empty = fresh();
    empty.competent_department.clear();
    CHECK(c.add(empty, day(1)).error == ErrorCode::missing_field);
    Item late = fresh();
    late.promised_days = late.statutory_days + 1;
    const auto problems = validate(late);
    REQUIRE(problems.size() == 1);
    CHECK(problems.front().path == "/guide/promised_days");
    CHECK(c.version() == v);
}

TEST_CASE("determinism: same seed same catalogue, another seed another one", "[services][catalogue]") {
    const Catalogue a = Catalogue::generate(7);
    const Catalogue b = Catalogue::generate(7);
    const Catalogue d = Catalogue::generate(8);
    CHECK(a.snapshot() == b.snapshot());
    CHECK(to_json(a.snapshot()) == to_json(b.snapshot()));
    CHECK_FALSE(a.snapshot() == d.snapshot());
    CHECK(a.version() == 1);
    CHECK(Catalogue::generate(7, 150).size() == 150);
    CHECK(Catalogue::generate(7, Catalogue::max_generated()).size() == Catalogue::max_generated());
    CHECK_THROWS_AS(Catalogue::generate(7, Catalogue::max_generated() + 1), std::invalid_argument);
    GenerateOptions bad;
    bad.region = "990000";
    CHECK_THROWS_AS(Catalogue::generate(7, 10, bad), std::invalid_argument);
    GenerateOptions bj;
    bj.region = "110000";
    const Catalogue beijing = Catalogue::generate(7, 160, bj);
    CHECK(beijing.items().front()->code.substr(0, 8) == "11000000");
    CHECK(beijing.items().front()->implementing_body.find("北京市") != std::string::npos);
}

TEST_CASE("R-6.3-1: each legal on-boarding step, and the illegal ones refused", "[services][catalogue]") {
    Catalogue c;
    CHECK(c.version() == 0);
    REQUIRE(c.add(fresh(), day(0)));
    CHECK(c.version() == 1);
    const std::string code = "44030000GA-XK-9001";
    CHECK_FALSE(c.is_offered(code));

    const Stage all[] = {Stage::applied, Stage::integration, Stage::security_review, Stage::trial, Stage::online};
    std::set<std::pair<Stage, Stage>> legal = {
        {Stage::applied, Stage::integration},        {Stage::integration, Stage::security_review},
        {Stage::security_review, Stage::trial},      {Stage::trial, Stage::online},
        {Stage::security_review, Stage::integration}, {Stage::trial, Stage::integration}};
    for (Stage f : all)
        for (Stage t : all) CHECK(Catalogue::legal(f, t) == (legal.count({f, t}) == 1));

    // Skipping steps is refused without a version bump.
    for (Stage t : {Stage::applied, Stage::security_review, Stage::trial, Stage::online}) {
        const auto v = c.version();
        const auto out = c.transition(code, t, day(1));
        CHECK(out.error == ErrorCode::conflict_state);
        CHECK_FALSE(out.reason.empty());
        CHECK(c.version() == v);
    }
    // The happy path with a rework loop.
    CHECK(c.transition(code, Stage::integration, day(1)));
    CHECK(c.transition(code, Stage::security_review, day(2)));
    CHECK(c.transition(code, Stage::integration, day(3)));  // failed review
    CHECK(c.transition(code, Stage::security_review, day(4)));
    CHECK(c.transition(code, Stage::trial, day(5)));
    CHECK_FALSE(c.is_offered(code));  // 试运行 is not offered
    CHECK(c.transition(code, Stage::online, day(6)));
    CHECK(c.version() == 7);
    CHECK(c.is_offered(code));
    CHECK(c.find(code)->online_at == day(6));
    CHECK(c.transition(code, Stage::trial, day(7)).error == ErrorCode::conflict_state);
    CHECK(c.transition(code, Stage::online, day(7)).error == ErrorCode::conflict_state);
    CHECK(c.transition("44030000GA-XK-0000", Stage::integration, day(7)).error == ErrorCode::not_found);
    // The log names each step.
    const auto log = c.changes();
    REQUIRE(log.size() == 7);
    CHECK(log[0].kind == ChangeKind::added);
    CHECK(log[1].detail == "applied→integration");
    CHECK(log[6].detail == "trial→online");
    for (std::size_t i = 0; i < log.size(); ++i) CHECK(log[i].version == i + 1);
}

TEST_CASE("R-6.3-1: a new item must start at 申请", "[services][catalogue]") {
    Catalogue c;
    Item it = fresh();
    it.stage = Stage::online;
    CHECK(c.add(it, day(0)).error == ErrorCode::conflict_state);
    CHECK(c.version() == 0);
}

TEST_CASE("R-6.4-1: suspension, announced withdrawal, in-flight 办件, withdrawal leaves kiosks",
          "[services][catalogue]") {
    Catalogue c = base();
    const std::string code = first_offered(c);
    const Zone zone = c.find(code)->zone;
    const auto v0 = c.version();
    const auto in_zone = c.offered(zone).size();

    // Suspend at once (security incident), resume.
    CHECK(c.suspend(code, Trigger::security_incident, "接口异常", day(1)));
    CHECK_FALSE(c.is_offered(code));
    CHECK(c.offered(zone).size() == in_zone - 1);
    CHECK(c.find(code)->note.trigger == Trigger::security_incident);
    CHECK(c.suspend(code, Trigger::security_incident, "again", day(1)).error == ErrorCode::conflict_state);
    CHECK(c.resume(code, day(2)));
    CHECK(c.resume(code, day(2)).error == ErrorCode::conflict_state);
    CHECK(c.is_offered(code));
    CHECK(c.version() == v0 + 2);

    // Withdrawal must be announced in advance.
    CHECK(c.withdraw(code, day(3)).error == ErrorCode::conflict_state);
    CHECK(c.announce_withdrawal(code, Trigger::low_volume, "办件量连续6个月低于阈值", day(10), day(3)).error ==
          ErrorCode::bad_field);  // less than 30 days' notice
    CHECK(c.announce_withdrawal(code, Trigger::low_volume, "", day(40), day(3)).error == ErrorCode::missing_field);
    CHECK(c.version() == v0 + 2);
    CHECK(c.announce_withdrawal(code, Trigger::low_volume, "办件量连续6个月低于阈值", day(40), day(3)));
    CHECK(c.announce_withdrawal(code, Trigger::low_volume, "x", day(50), day(3)).error == ErrorCode::conflict_state);
    CHECK(c.is_offered(code));  // still offered during the notice period
    CHECK(c.find(code)->offline_at == day(40));
    CHECK(c.withdraw(code, day(39)).error == ErrorCode::conflict_state);      // too early
    CHECK(c.withdraw(code, day(40), 3).error == ErrorCode::conflict_state);   // 办件 in flight
    CHECK(c.version() == v0 + 3);
    CHECK(c.withdraw(code, day(41), 0));
    CHECK(c.version() == v0 + 4);
    const Item* w = c.find(code);
    REQUIRE(w != nullptr);  // still in the master list
    CHECK(w->status == Status::withdrawn);
    CHECK(w->note.trigger == Trigger::low_volume);
    CHECK(w->offline_at == day(41));
    CHECK_FALSE(c.is_offered(code));
    for (const Item* it : c.offered()) CHECK(it->code != code);
    CHECK(c.offered(zone).size() == in_zone - 1);
    // Gone from the live list, the snapshot and every page too.
    for (const auto& it : c.page(0, max_page_limit, Filter{false, std::nullopt, std::nullopt}).items)
        CHECK(it.code != code);
    for (const auto& it : c.snapshot().items) CHECK(it.code != code);
    // Final: nothing more happens to a withdrawn item.
    CHECK(c.resume(code, day(42)).error == ErrorCode::conflict_state);
    CHECK(c.withdraw(code, day(42)).error == ErrorCode::conflict_state);
    CHECK(c.transition(code, Stage::online, day(42)).error == ErrorCode::conflict_state);
    Item again = *w;
    CHECK(c.modify(again, day(42)).error == ErrorCode::conflict_state);
    CHECK(c.version() == v0 + 4);
    // Its code is never reused.
    Item reuse = fresh(code);
    CHECK(c.add(reuse, day(42)).error == ErrorCode::conflict_state);
}

TEST_CASE("R-6.4-1: cancelling an announcement; a suspended item stays off while announced", "[services][catalogue]") {
    Catalogue c = base();
    const std::string code = first_offered(c);
    CHECK(c.suspend(code, Trigger::security_incident, "漏洞处置", day(1)));
    CHECK(c.announce_withdrawal(code, Trigger::security_incident, "安全事件", day(31), day(1)));
    CHECK_FALSE(c.is_offered(code));
    CHECK(c.cancel_withdrawal(code, day(2), "已整改"));
    CHECK(c.cancel_withdrawal(code, day(2)).error == ErrorCode::conflict_state);
    CHECK_FALSE(c.find(code)->offline_at.has_value());
    CHECK(c.resume(code, day(3)));
    CHECK(c.is_offered(code));
}

TEST_CASE("R-6.4-1: an item still on-boarding is withdrawn at once", "[services][catalogue]") {
    Catalogue c;
    REQUIRE(c.add(fresh(), day(0)));
    REQUIRE(c.transition("44030000GA-XK-9001", Stage::integration, day(1)));
    CHECK(c.withdraw("44030000GA-XK-9001", day(2), 0, Trigger::backend_retired, "业务系统停用"));
    CHECK(c.find("44030000GA-XK-9001")->status == Status::withdrawn);
    CHECK(c.transition("44030000GA-XK-9001", Stage::security_review, day(3)).error == ErrorCode::conflict_state);
}

TEST_CASE("R-6.4-1: adjustment (调整) bumps the version, a no-op does not", "[services][catalogue]") {
    Catalogue c = base();
    const std::string code = first_offered(c);
    const auto v = c.version();
    Item revised = *c.find(code);
    CHECK(c.modify(revised, day(1)));  // unchanged: not a change
    CHECK(c.version() == v);
    revised.legal_basis.push_back("《新修订的实施办法》");
    CHECK(c.modify(revised, day(1), "设定依据变化"));
    CHECK(c.version() == v + 1);
    CHECK(c.find(code)->legal_basis.back() == "《新修订的实施办法》");
    CHECK(c.changes(v).back().kind == ChangeKind::modified);
    CHECK(c.changes(v).back().detail == "设定依据变化");
    // Lifecycle fields and the category do not change through modify.
    Item sneaky = revised;
    sneaky.status = Status::suspended;
    CHECK(c.modify(sneaky, day(2)).error == ErrorCode::conflict_state);
    sneaky = revised;
    sneaky.category = sneaky.category == "GG" ? "XK" : "GG";
    CHECK(c.modify(sneaky, day(2)).error == ErrorCode::bad_field);
    sneaky = revised;
    sneaky.promised_days = sneaky.statutory_days + 1;
    CHECK(c.modify(sneaky, day(2)).error == ErrorCode::bad_field);
    sneaky = revised;
    sneaky.code = "44030000GA-XK-0999";
    CHECK(c.modify(sneaky, day(2)).error == ErrorCode::not_found);
    CHECK(c.version() == v + 1);
}

TEST_CASE("R-6.2-2: reads never change the version", "[services][catalogue]") {
    const Catalogue& c = base();
    const auto v = c.version();
    (void)c.snapshot();
    (void)c.delta(0);
    (void)c.delta(v);
    (void)c.page(0, 20);
    (void)c.offered();
    (void)c.items();
    (void)c.changes();
    (void)to_json(c.snapshot());
    CHECK(c.version() == v);
    CHECK(c.changes().size() == 1);  // the baseline
}

TEST_CASE("R-6.2-2: deltas from an old snapshot rebuild the current one", "[services][catalogue]") {
    Catalogue c = Catalogue::generate(99);
    const Snapshot s1 = c.snapshot();
    CHECK(s1.version == 1);
    CHECK(c.delta(1).items.empty());
    CHECK_FALSE(c.delta(1).full);

    // A mixture of every kind of change.
    Item added = fresh("44030000SW-GG-9001");
    added.zone = Zone::tax;
    CHECK(c.add(added, day(1)));
    CHECK(c.transition(added.code, Stage::integration, day(2)));
    const auto offered = c.offered();
    const std::string a = offered[0]->code, b = offered[1]->code, d = offered[2]->code;
    CHECK(c.suspend(a, Trigger::security_incident, "漏洞", day(2)));
    CHECK(c.announce_withdrawal(b, Trigger::legal_basis_changed, "设定依据废止", day(40), day(2)));
    const Snapshot s2 = c.snapshot();
    Item mod = *c.find(d);
    mod.fee = Fee{500, "按规定"};
    mod.process.insert(mod.process.end() - 1, "扫码或刷卡支付");
    CHECK(c.modify(mod, day(3), "收费调整"));
    CHECK(c.withdraw(b, day(41)));
    CHECK(c.version() == 7);  // baseline + 6 changes

    for (const Snapshot* old : {&s1, &s2}) {
        const Delta dl = c.delta(old->version);
        CHECK_FALSE(dl.full);
        CHECK(dl.version == c.version());
        CHECK(apply(*old, dl) == c.snapshot());
    }
    const Delta from1 = c.delta(1);
    CHECK(from1.withdrawn == std::vector<std::string>{b});
    CHECK(from1.items.size() == 3);  // added, a, d
    const Delta from2 = c.delta(s2.version);
    CHECK(from2.items.size() == 1);
    CHECK(from2.withdrawn.size() == 1);
    CHECK(c.delta(c.version()).items.empty());
    // JSON round trip of a delta, as a kiosk would read it.
    const nlohmann::json j = to_json(from1);
    Delta parsed;
    parsed.since = j.at("since");
    parsed.version = j.at("version");
    parsed.full = j.at("full");
    for (const auto& it : j.at("items")) parsed.items.push_back(item_from_json(it));
    parsed.withdrawn = j.at("withdrawn").get<std::vector<std::string>>();
    CHECK(apply(s1, parsed) == c.snapshot());

    // Too old (before the baseline) or unknown (newer than this catalogue): full.
    const Delta full0 = c.delta(0);
    CHECK(full0.full);
    CHECK(apply(Snapshot{}, full0) == c.snapshot());
    CHECK(c.delta(c.version() + 5).full);
    // A short history makes old versions too old.
    c.set_history_limit(2);
    CHECK(c.history_floor() == c.version() - 2);
    CHECK(c.delta(s2.version - 1).full);
    CHECK(c.delta(1).full);
    CHECK(apply(s1, c.delta(1)) == c.snapshot());
    CHECK_FALSE(c.delta(c.version() - 2).full);
}

TEST_CASE("R-6.2-1: item JSON carries the elements and round-trips", "[services][catalogue]") {
    for (const Item* it : base().items()) {
        const nlohmann::json j = to_json(*it);
        CHECK(j.at("code") == it->code);
        CHECK_FALSE(j.at("category_name").get<std::string>().empty());
        CHECK(j.at("kiosk").at("zone") == std::string(to_string(it->zone)));
        CHECK(j.at("offered") == it->offered());
        CHECK(item_from_json(j) == *it);
    }
    nlohmann::json broken = to_json(*base().items().front());
    broken["kiosk"]["zone"] = "nowhere";
    CHECK_THROWS_WITH(item_from_json(broken), Catch::Contains("/kiosk/zone"));
    broken = to_json(*base().items().front());
    broken["guide"].erase("materials");
    CHECK_THROWS_WITH(item_from_json(broken), Catch::Contains("/guide/materials"));
}

TEST_CASE("paging the kiosk listing", "[services][catalogue]") {
    const Catalogue& c = base();
    const auto offered = c.offered();
    std::vector<std::string> seen;
    for (std::size_t off = 0;; off += 25) {
        const Page p = c.page(off, 25);
        CHECK(p.total == offered.size());
        CHECK(p.version == c.version());
        if (p.items.empty()) break;
        CHECK(p.items.size() <= 25);
        for (const auto& it : p.items) {
            CHECK(it.offered());
            seen.push_back(it.code);
        }
    }
    REQUIRE(seen.size() == offered.size());
    for (std::size_t i = 0; i < seen.size(); ++i) CHECK(seen[i] == offered[i]->code);
    CHECK(c.page(0, 0).limit == 1);
    CHECK(c.page(0, 100000).limit == max_page_limit);
    CHECK(c.page(offered.size() + 10, 10).items.empty());
    // Filters: one zone, one category, the whole live list.
    const Page police = c.page(0, max_page_limit, Filter{true, Zone::police, std::nullopt});
    CHECK(police.total == c.offered(Zone::police).size());
    for (const auto& it : police.items) CHECK(it.zone == Zone::police);
    const Page all = c.page(0, max_page_limit, Filter{false, std::nullopt, std::nullopt});
    CHECK(all.total == c.size());
    const Page cj = c.page(0, max_page_limit, Filter{false, std::nullopt, std::string("CJ")});
    CHECK(cj.total >= 1);
    for (const auto& it : cj.items) CHECK(it.category == "CJ");
    const nlohmann::json j = to_json(c.page(0, 3));
    CHECK(j.at("items").size() == 3);
    CHECK(j.at("total") == offered.size());
}

}  // namespace services_catalogue_test
