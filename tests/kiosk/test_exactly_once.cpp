// The exactly-once oracle (issue 7): a thousand seeded sessions on four
// kiosks under a mix of device faults, link faults (black hole, reset,
// limit_data, partition) and gateway crash-restarts, with kiosk restarts
// too. At the end the gateway's 办件 and the kiosks' records agree: every
// session has exactly one outcome, no 办件 is lost and none is duplicated.
#include "kiosk_support.hpp"

#include <kiosktwin/world/scripted_citizens.hpp>

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <map>
#include <set>

namespace kiosk_exactly_once_test {

using namespace kiosk_test;
using nlohmann::json;

namespace {

struct Chaos {
    std::uint64_t toxics = 0, crashes = 0, restarts = 0;
};

sim::Process<void> chaos(sim::Simulation& sim, world::VirtualGateway& gw, std::vector<std::unique_ptr<world::KioskRig>>& rigs,
                         const bool& stop, std::uint64_t seed, Chaos& count) {
    sim::Rng rng(sim::derive_seed(seed, "test/chaos"));
    int n = 0;
    while (!stop) {
        co_await sim.delay(std::chrono::duration_cast<sim::Duration>(std::chrono::seconds(60) + std::chrono::seconds(rng.below(540))));
        if (stop) break;
        world::KioskRig& rig = *rigs[rng.below(rigs.size())];
        const auto lasting = std::chrono::seconds(20 + rng.below(280));
        const double u = rng.uniform01();
        if (u < 0.70) {
            static const char* const k_types[] = {"timeout", "reset_peer", "limit_data", "partition", "latency"};
            const std::string type = k_types[rng.below(std::size(k_types))];
            json spec = {{"name", "chaos-" + std::to_string(++n)}, {"type", type}, {"toxicity", 1.0},
                         {"stream", rng.below(2) ? "upstream" : "downstream"}};
            if (type == "timeout") spec["attributes"] = {{"timeout", 0}};
            else if (type == "reset_peer") spec["attributes"] = {{"timeout", rng.below(3) * 100}};
            else if (type == "limit_data") spec["attributes"] = {{"bytes", 200 + rng.below(800)}};
            else if (type == "partition") spec["attributes"] = {{"mode", rng.below(2) ? "reset" : "hold"}};
            else spec["attributes"] = {{"latency", 2000 + rng.below(8000)}, {"jitter", 500}};
            const std::string name = spec["name"];
            rig.link()->add_toxic(link::ToxicSpec::from_json(spec), sim.now());
            ++count.toxics;
            co_await sim.delay(lasting);
            rig.link()->remove_toxic(name, sim.now());
        } else if (u < 0.92) {
            gw.crash_for(std::chrono::seconds(5 + rng.below(115)));
            ++count.crashes;
        } else {
            rig.restart();
            ++count.restarts;
        }
    }
}

sim::Process<void> citizens(world::KioskRig& rig, world::ScriptedCitizens& draw, int sessions, int& done) {
    sim::Simulation& sim = rig.sim();
    for (int i = 0; i < sessions; ++i) {
        while (!rig.kiosk().catalogue().snapshot()) co_await sim.delay(std::chrono::seconds(5));
        auto visit = draw.next(*rig.kiosk().catalogue().snapshot(), rig.gateway().state().identity, sim.now());
        co_await kiosk::run_citizen(rig.ui(), rig.hands(), visit.who, visit.script, std::chrono::minutes(40));
        ++done;
        co_await sim.delay(std::chrono::seconds(10));
    }
}

}  // namespace

TEST_CASE("exactly once: 1,000 sessions under device, link and gateway faults agree with the gateway",
          "[oracle][exactly-once][R-7.2-2][R-8.4-1]") {
    constexpr int k_kiosks = 4;
    constexpr int k_sessions = 250;  // per kiosk
#if defined(__SANITIZE_ADDRESS__)
    // Under AddressSanitizer (the dev preset) one seed: the run is ten times slower there.
    const std::uint64_t seed = GENERATE(20261127u);
#else
    const std::uint64_t seed = GENERATE(20261127u, 7u);
#endif
    CAPTURE(seed);
    sim::Simulation sim;
    server::Config config;
    config.seed = seed;
    world::VirtualGateway gw(sim, config);
    std::vector<std::unique_ptr<world::KioskRig>> rigs;
    for (int i = 0; i < k_kiosks; ++i) {
        world::KioskRigOptions o;
        o.seed = seed + static_cast<std::uint64_t>(i);
        o.config.terminal_id = "T-" + std::to_string(i + 1);
        o.config.gateway.timeout = std::chrono::seconds(5);
        rigs.push_back(std::make_unique<world::KioskRig>(sim, gw, o));
        auto& r = *rigs.back();
        // Device faults: rare operation failures, and conditions that come and go.
        REQUIRE(r.act("idcard_reader", {{"action", "inject_fault"}, {"fault", "corrupt_checksum"}, {"trigger", "probability"}, {"p", 0.03}}).ok);
        REQUIRE(r.act("idcard_reader", {{"action", "inject_fault"}, {"fault", "no_reply"}, {"trigger", "probability"}, {"p", 0.01}}).ok);
        REQUIRE(r.act("receipt_printer", {{"action", "inject_fault"}, {"fault", "cover_open"}, {"trigger", "rate"},
                                          {"mean_between_s", 7200}, {"duration_s", 900}}).ok);
        REQUIRE(r.act("a4_printer", {{"action", "inject_fault"}, {"fault", "media_jam"}, {"trigger", "rate"},
                                     {"mean_between_s", 10800}, {"duration_s", 1200}}).ok);
        REQUIRE(r.act("face_camera", {{"action", "inject_fault"}, {"fault", "no_face"}, {"trigger", "probability"}, {"p", 0.05}}).ok);
        r.start();
    }
    world::ScriptedCitizens draw(seed, world::servable(world::default_residents(), {2026, 6, 1}));
    bool stop = false;
    Chaos count;
    int done = 0;
    sim.run_until(sim.now() + std::chrono::seconds(10));
    auto monkey = sim.spawn(chaos(sim, gw, rigs, stop, seed, count));
    std::vector<sim::ProcessHandle<void>> crowd;
    for (auto& r : rigs) crowd.push_back(sim.spawn(citizens(*r, draw, k_sessions, done)));
    for (int day = 0; day < 30 && done < k_kiosks * k_sessions; ++day) sim.run_until(sim.now() + std::chrono::hours(24));
    REQUIRE(done == k_kiosks * k_sessions);
    // Calm: faults cleared, links whole; the outboxes drain.
    stop = true;
    sim.run_until(sim.now() + std::chrono::minutes(15));
    for (auto& r : rigs) r->link()->remove_all_toxics(sim.now());
    sim.run_until(sim.now() + std::chrono::hours(2));
    INFO("toxics " << count.toxics << ", gateway crashes " << count.crashes << ", kiosk restarts " << count.restarts);
    CHECK(count.toxics > 10);
    CHECK(count.crashes > 3);

    std::map<std::string, const services::applications::Application*> apps;  // case -> 办件
    for (const auto& [case_no, a] : gw.state().applications.all()) apps[case_no] = &a;
    std::size_t submitted_outcomes = 0, queued = 0, failed = 0, lost_in_restart = 0, total_outcomes = 0;
    std::set<std::string> ledger_cases;
    for (auto& r : rigs) {
        const kiosk::KioskStore& st = r->store();
        INFO(r->terminal_id());
        // Every session has exactly one outcome.
        std::set<std::uint64_t> sessions;
        for (const auto& o : st.outcomes) CHECK(sessions.insert(o.session).second);
        CHECK(sessions.size() == st.last_session);
        if (!sessions.empty()) CHECK(*sessions.rbegin() == st.last_session);
        CHECK_FALSE(st.open_session);
        CHECK(st.outbox.empty());  // everything owed was delivered
        total_outcomes += st.outcomes.size();
        // None duplicated: one 办件 per session at most, each the kiosk's.
        std::size_t mine = 0;
        for (const auto& [case_no, a] : apps)
            if (a->terminal_id == r->terminal_id()) ++mine;
        CHECK(mine == st.ledger.size());
        for (const auto& [session, case_no] : st.ledger) {
            CHECK(ledger_cases.insert(case_no).second);
            REQUIRE(apps.count(case_no));
            CHECK(apps[case_no]->terminal_id == r->terminal_id());
        }
        // None lost: what the kiosk told the citizen was submitted (or
        // queued) is submitted at the gateway; what the gateway holds as
        // submitted, the kiosk's record accounts for.
        std::map<std::uint64_t, const kiosk::SessionOutcome*> by_session;
        for (const auto& o : st.outcomes) by_session[o.session] = &o;
        for (const auto& o : st.outcomes) {
            if (o.kind == kiosk::OutcomeKind::failed) ++failed;
            if (o.reason == "kiosk-restart") ++lost_in_restart;
            if (!(o.submitted || o.queued)) continue;
            o.submitted ? ++submitted_outcomes : ++queued;
            auto c = st.ledger.find(o.session);
            REQUIRE(c != st.ledger.end());
            INFO(o.to_json().dump());
            CHECK(apps[c->second]->state != services::applications::State::draft);
        }
        for (const auto& [session, case_no] : st.ledger) {
            if (apps[case_no]->state == services::applications::State::draft) continue;
            const auto* o = by_session.at(session);
            INFO(o->to_json().dump());
            CHECK((o->submitted || o->queued || o->reason == "kiosk-restart"));
        }
    }
    INFO("outcomes " << total_outcomes << ", submitted " << submitted_outcomes << ", queued " << queued << ", failed "
                     << failed << ", lost in restarts " << lost_in_restart << ", 办件 " << apps.size());
    CHECK(total_outcomes >= static_cast<std::size_t>(k_kiosks * k_sessions));
    CHECK(submitted_outcomes > 500);
    CHECK(ledger_cases.size() == apps.size());
    WARN("outcomes " << total_outcomes << ", submitted " << submitted_outcomes << ", queued " << queued << ", failed "
                     << failed << ", lost in restarts " << lost_in_restart << ", 办件 " << apps.size() << "; toxics "
                     << count.toxics << ", gateway crashes " << count.crashes << ", kiosk restarts " << count.restarts);
    // KIOSKTWIN_ORACLE_DUMP=dir writes every kiosk's outcomes, to compare runs and builds.
    if (const char* dump = std::getenv("KIOSKTWIN_ORACLE_DUMP")) {
        std::ofstream out(std::string(dump) + "/oracle-" + std::to_string(seed) + ".jsonl");
        for (auto& r : rigs)
            for (const auto& o : r->store().outcomes) out << r->terminal_id() << ' ' << o.to_json().dump() << '\n';
    }
    monkey.interrupt();
    for (auto& c : crowd) c.interrupt();
    sim.run_until(sim.now());
}

}  // namespace kiosk_exactly_once_test
