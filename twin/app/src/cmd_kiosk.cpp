// kiosktwin kiosk — runs a kiosk's software stack live, paced to the wall
// clock, against the devices `kiosktwin serve` hosts on real ports, through
// the bench's link proxies, to its gateway. Scripted citizens (the same draws
// as in virtual time for a seed) use it through the control API; each screen
// is printed as text as it is shown.
#include "common.hpp"

#include <kiosktwin/live/live_kiosk.hpp>
#include <kiosktwin/services/identity.hpp>
#include <kiosktwin/services/population.hpp>
#include <kiosktwin/world/scripted_citizens.hpp>

#include <fmt/core.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <thread>
#include <string>

namespace kiosktwin::app {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

struct KioskOptions {
    std::string bench = "run/endpoints.json";
    std::string kiosk = "kiosk-1";
    std::string terminal_id;
    int sessions = 1;
    std::uint64_t seed = 1;
    double speed = 1.0;
    double think_s = 2.0;
    std::string keys = "assets/gateway/keys.json";
    std::string key_id;
    double duration_s = 0;
    double wait_s = 10;  // for the bench to write its endpoints file
    double boot_timeout_s = 30;
    bool direct = false;
    bool no_back_office = false;
    bool quiet = false;
    bool json = false;
};

std::string iso_date(const protocol::CivilDate& d) {
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02d-%02d", d.year, d.month, d.day);
    return text;
}

json visit_json(const kiosk::CitizenScript& s, const kiosk::CitizenIdentity& who) {
    json j = {{"service", s.service},    {"login", s.login},   {"item_code", s.item_code}, {"zone", s.zone},
              {"pays", s.pays},          {"rating", s.rating}, {"accessible", s.accessible},
              {"applicant", protocol::mask_id(who.id_number)}};
    if (!s.cross_mode.empty()) j["cross_mode"] = s.cross_mode;
    if (s.walk_away_at != kiosk::Prompt::none) j["walk_away_at"] = kiosk::to_string(s.walk_away_at);
    return j;
}

int run_kiosk(const KioskOptions& o) {
    // --- the bench and the keys ---------------------------------------------------------
    // A bench started just before may not have written its file yet: wait
    // for it (and for it to be whole) up to --wait seconds.
    json doc;
    const JsonFile read = read_json_file(o.bench, o.wait_s, doc, [&] {
        if (!o.quiet) fmt::print(stderr, "waiting for the bench to write {}...\n", o.bench);
    });
    if (read == JsonFile::missing) {
        fmt::print(stderr, "{}: cannot open the endpoints file (is `kiosktwin serve` running? it writes "
                           "run/endpoints.json)\n", o.bench);
        return exit_invalid;
    }
    if (read == JsonFile::malformed) {
        fmt::print(stderr, "{}: not JSON\n", o.bench);
        return exit_invalid;
    }
    live::LiveKioskOptions lo;
    try {
        lo.endpoints = live::KioskEndpoints::from_json(doc, o.kiosk, !o.direct);
    } catch (const std::invalid_argument& e) {
        std::string listed;
        for (const auto& k : live::KioskEndpoints::kiosks(doc)) listed.append(listed.empty() ? "" : ", ").append(k);
        fmt::print(stderr, "{}: {}{}\n", o.bench, e.what(), listed.empty() ? "" : " (kiosks: " + listed + ")");
        return exit_invalid;
    }
    if (lo.endpoints.gateway.empty()) {
        fmt::print(stderr, "{}: no gateway listed (start `kiosktwin serve` without --no-gateway)\n", o.bench);
        return exit_invalid;
    }
    std::vector<live::SigningKey> keys;
    try {
        keys = live::load_keys(o.keys);
    } catch (const std::invalid_argument& e) {
        fmt::print(stderr, "kiosktwin kiosk: {}\n", e.what());
        return exit_invalid;
    }
    const std::string key_id = !o.key_id.empty() ? o.key_id : live::kiosk_key_id(o.kiosk).value_or("");
    const live::SigningKey* kiosk_key = live::find_key(keys, key_id);
    if (key_id.empty() || kiosk_key == nullptr) {
        fmt::print(stderr, "kiosktwin kiosk: no key {} in {} (give --key-id)\n", key_id.empty() ? "for " + o.kiosk : key_id,
                   o.keys);
        return exit_invalid;
    }
    lo.kiosk_key = *kiosk_key;
    if (const live::SigningKey* admin = live::find_key(keys, {}, "admin")) lo.admin_key = *admin;

    // --- the kiosk --------------------------------------------------------------------------
    if (!o.terminal_id.empty()) {
        lo.config.terminal_id = o.terminal_id;
    } else if (auto k = live::kiosk_key_id(o.kiosk)) {
        lo.config.terminal_id = "KT-" + k->substr(6);  // kiosk-1 -> KT-0001, as the twin names it
    }
    lo.pacer.speed = o.speed;
    lo.back_office = !o.no_back_office;
    lo.seed = o.seed;
    const bool talk = !o.quiet && !o.json;
    if (!o.quiet) lo.log = [](const std::string& line) { fmt::print(stderr, "kiosk: {}\n", line); };
    std::unique_ptr<live::LiveKiosk> lk;
    try {
        lk = std::make_unique<live::LiveKiosk>(std::move(lo));
    } catch (const std::invalid_argument& e) {
        fmt::print(stderr, "kiosktwin kiosk: {}\n", e.what());
        return exit_invalid;
    }
    const sim::Time t0 = lk->sim().now();
    if (talk) {
        const auto& ep = lk->endpoints();
        fmt::print("KioskTwin {} — {} ({}) live at speed {}; gateway {}{}\n", KIOSKTWIN_VERSION, o.kiosk,
                   lk->kiosk().config().terminal_id, o.speed, ep.gateway, ep.gateway_via_link ? " (through its link)" : "");
        lk->ui().shown.connect([&lk, t0, &o](const kiosk::Screen& s) {
            const double t = std::chrono::duration<double>(lk->sim().now() - t0).count();
            fmt::print("--- {} t+{:.3f}s screen {} ---\n{}", o.kiosk, t, s.seq, s.to_text());
            std::fflush(stdout);
        });
    }

    const auto wall_start = std::chrono::steady_clock::now();
    auto left = [&]() -> std::chrono::milliseconds {
        if (o.duration_s <= 0) return 0ms;
        const auto used = std::chrono::steady_clock::now() - wall_start;
        const auto total = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::duration<double>(o.duration_s));
        const auto rest = total - std::chrono::duration_cast<std::chrono::milliseconds>(used);
        return std::max(rest, 1ms);
    };

    // The same citizens as in virtual time for this seed: residents of the
    // default register (the gateway's) whose cards are valid today.
    const sim::Calendar calendar;
    const sim::CivilTime today = calendar.civil(live::platform_now(calendar));
    const protocol::CivilDate date{today.year, today.month, today.day};
    world::SessionMix mix;
    mix.think = std::chrono::duration_cast<sim::Duration>(std::chrono::duration<double>(o.think_s));
    world::ScriptedCitizens citizens(o.seed, world::servable(world::default_residents(), date), mix);
    const services::IdentityService identity(std::make_shared<services::Register>(world::default_residents()));

    lk->start();
    // Boot: registered, the catalogue in, the home page up.
    auto booted = [&] {
        return lk->kiosk().registered() && !lk->kiosk().catalogue().empty() && lk->ui().screen().page == "home";
    };
    const auto boot_limit = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::duration<double>(o.boot_timeout_s));
    live::PacerStop stop = lk->run(o.duration_s > 0 ? std::min(left(), boot_limit) : boot_limit, booted);
    int code = exit_ok;
    json visits = json::array();
    if (!booted()) {
        if (stop != live::PacerStop::signal)
            fmt::print(stderr, "kiosktwin kiosk: the kiosk did not boot in {:.1f} s: {} (is the gateway at {} reachable, "
                               "and key {} one it knows?)\n",
                       std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count(),
                       lk->kiosk().registered() ? "no catalogue" : "not registered", lk->endpoints().gateway,
                       lk->transport().key().key_id);
        if (stop != live::PacerStop::signal || o.sessions > 0) code = exit_failure;
    } else if (o.sessions > 0) {
        for (int i = 0; i < o.sessions; ++i) {
            const auto snapshot = lk->kiosk().catalogue().snapshot();
            world::ScriptedCitizens::Visit v = citizens.next(*snapshot, identity, live::platform_now(calendar));
            visits.push_back(visit_json(v.script, v.who));
            const std::size_t before = lk->outcomes().size();
            auto citizen = lk->visit(v.who, v.script);
            stop = lk->run(left(), [&] { return lk->outcomes().size() > before && citizen.done(); });
            if (stop != live::PacerStop::condition) break;
            if (talk) {
                const kiosk::SessionOutcome& out = lk->outcomes().back();
                fmt::print("=== session {}: {}{}{} ===\n", out.session, kiosk::to_string(out.kind),
                           out.reason.empty() ? "" : " " + out.reason, out.case_no.empty() ? "" : " " + out.case_no);
                std::fflush(stdout);
            }
        }
        if (lk->outcomes().size() < static_cast<std::size_t>(o.sessions)) {
            if (!o.quiet)
                fmt::print(stderr, "kiosktwin kiosk: {} of {} sessions recorded an outcome ({})\n", lk->outcomes().size(),
                           o.sessions, live::to_string(stop));
            code = exit_failure;
        }
    } else {
        // No scripted citizen: the kiosk serves until Ctrl-C or --duration;
        // a person touches by typing button ids, and acts through the control API.
        if (talk) fmt::print("Touch by typing a button id and Enter (with text: id|text); Ctrl-C stops.\n");
        lk->read_touches(0);
        lk->run(left());
    }
    lk->kiosk().stop();
    const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();

    if (o.json) {
        json sessions = json::array();
        for (const auto& out : lk->outcomes()) sessions.push_back(out.to_json());
        print_json({{"kiosk", o.kiosk},
                    {"terminal_id", lk->kiosk().config().terminal_id},
                    {"sessions", std::move(sessions)},
                    {"visits", std::move(visits)},
                    {"seed", o.seed},
                    {"speed", o.speed},
                    {"think_s", o.think_s},
                    {"residents_on", iso_date(date)},
                    {"gateway", lk->endpoints().gateway},
                    {"gateway_via_link", lk->endpoints().gateway_via_link},
                    {"hands", {{"actions", lk->hands().actions()}, {"failures", lk->hands().failures()}}},
                    {"back_office_decided", lk->decided()},
                    {"gateway_calls", lk->transport().calls()},
                    {"wall_s", wall_s}});
        std::cout.flush();
    } else if (talk) {
        fmt::print("{} session(s) in {:.1f} s\n", lk->outcomes().size(), wall_s);
    }
    return code;
}

}  // namespace

void add_kiosk_command(CLI::App& app, int& exit_code) {
    auto o = std::make_shared<KioskOptions>();
    CLI::App* cmd = app.add_subcommand(
        "kiosk",
        "Run a kiosk's software stack live, paced to the wall clock, against the devices `kiosktwin serve` hosts "
        "(ID-card reader and QR scanner on their ptys, receipt printer over TCP, A4 printer over IPP, cameras over "
        "the local service), through the bench's link proxies, to its gateway. Scripted citizens drawn from --seed "
        "(the same as in virtual time) act through the control API; each screen is printed as text.");
    cmd->add_option("--bench", o->bench, "The endpoints file `kiosktwin serve` wrote")->capture_default_str();
    cmd->add_option("--wait", o->wait_s, "Seconds to wait for the endpoints file of a bench still starting")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 600.0));
    cmd->add_option("--kiosk", o->kiosk, "Which kiosk of the bench")->capture_default_str();
    cmd->add_option("--terminal-id", o->terminal_id, "The kiosk's terminal id at the platform (default: KT-0001 for kiosk-1)");
    cmd->add_option("--sessions", o->sessions,
                    "Scripted sessions, one after another (0: none; touches are read from stdin, a button id a line, "
                    "until Ctrl-C or --duration)")
        ->capture_default_str()
        ->check(CLI::Range(0, 100000));
    cmd->add_option("--seed", o->seed, "Seed of the scripted citizens (the same draws as in virtual time)")
        ->capture_default_str();
    cmd->add_option("--speed", o->speed,
                    "Virtual seconds per wall second. The devices and the gateway keep real time, so above 1 the "
                    "kiosk's own timeouts shrink against them; to hurry citizens, use --think")
        ->capture_default_str()
        ->check(CLI::Range(0.01, 1000.0));
    cmd->add_option("--think", o->think_s, "A citizen's reading and deciding time per page, seconds")
        ->capture_default_str()
        ->check(CLI::Range(0.0, 600.0));
    cmd->add_option("--keys", o->keys, "Signing keys (the kiosk's key kiosk-000N, and an admin key for payments "
                                       "and the back office)")
        ->capture_default_str();
    cmd->add_option("--key-id", o->key_id, "The kiosk's key id (default: kiosk-0001 for kiosk-1)");
    cmd->add_option("--duration", o->duration_s, "Safety stop after this many seconds of wall time (0 = none)")
        ->check(CLI::NonNegativeNumber);
    cmd->add_option("--boot-timeout", o->boot_timeout_s, "Give up if the kiosk has not booted in this many seconds")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    cmd->add_flag("--direct", o->direct, "Reach the devices and the gateway directly, not through the link proxies");
    cmd->add_flag("--no-back-office", o->no_back_office,
                  "Nobody decides the 即办 items the kiosk submits (the citizen leaves without a certificate)");
    cmd->add_flag("--quiet,-q", o->quiet, "No screens, no log lines");
    cmd->add_flag("--json", o->json,
                  "At the end, print one JSON object: {\"kiosk\", \"sessions\": [outcome...], \"visits\", \"wall_s\", ...} "
                  "(no screens)");
    cmd->footer(
        "Examples:\n"
        "  kiosktwin serve &                                  # devices, links and gateway; writes run/endpoints.json\n"
        "  kiosktwin kiosk                                    # one scripted session on kiosk-1, screens as text\n"
        "  kiosktwin kiosk --sessions 5 --seed 7 --think 0.5  # five citizens who read fast\n"
        "  kiosktwin kiosk --sessions 1 --seed 3 --json       # the outcome as JSON\n"
        "  kiosktwin kiosk --sessions 0                       # the kiosk alone: type button ids to touch\n"
        "Faults: while it runs, inject them through serve's control API (curl -X POST "
        "http://127.0.0.1:9090/devices/kiosk-1/receipt/faults -d '{\"fault\": \"paper_jam\", \"trigger\": \"now\"}') or the link API "
        "(Toxiproxy, port 8474; the kiosk reaches the gateway through kiosk-1-gateway).\n"
        "Exit codes: 0 every session recorded an outcome, 1 bad input, 3 the kiosk did not boot or a session did "
        "not end.");
    cmd->callback([o, &exit_code] { exit_code = run_kiosk(*o); });
}

}  // namespace kiosktwin::app
