#include <kiosktwin/world/site_scenario.hpp>

#include <kiosktwin/devices/registry.hpp>
#include <kiosktwin/world/hall.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

namespace kiosktwin::world {

using nlohmann::json;

namespace {

// An office day: the morning and afternoon peaks of a service hall.
json office_profile() {
    return json::array({0, 0, 0, 0, 0, 0, 0, 0, 6, 18, 24, 22, 12, 14, 22, 24, 18, 10, 4, 0, 0, 0, 0, 0});
}

// Elements of a floor plan's lists: a place, a segment (a wall, a queue
// area's corners), a device a kiosk goes without.
const KnobSet& place_knobs() {
    static const KnobSet knobs = [] {
        KnobSet k;
        k.add({.path = "/at", .kind = KnobKind::number_list, .unit = "m", .fallback = json::array({0, 0}), .min = 0.0,
               .max = 1000.0, .length = 2, .help = "[x, y] in metres from the room's back-left corner"});
        return k;
    }();
    return knobs;
}

const KnobSet& segment_knobs() {
    static const KnobSet knobs = [] {
        KnobSet k;
        k.add({.path = "/from", .kind = KnobKind::number_list, .unit = "m", .fallback = json::array({0, 0}), .min = 0.0,
               .max = 1000.0, .length = 2, .help = "[x, y] of one end (one corner)"});
        k.add({.path = "/to", .kind = KnobKind::number_list, .unit = "m", .fallback = json::array({0, 0}), .min = 0.0,
               .max = 1000.0, .length = 2, .help = "[x, y] of the other end (the opposite corner)"});
        return k;
    }();
    return knobs;
}

const KnobSet& absent_device_knobs() {
    static const KnobSet knobs = [] {
        KnobSet k;
        k.add({.path = "/kiosk", .kind = KnobKind::integer, .fallback = 1, .min = 1.0, .max = 1000.0,
               .help = "The kiosk (1 = K01)"});
        k.add({.path = "/device", .kind = KnobKind::string, .fallback = "a4_printer",
               .choices = {"idcard_reader", "qr_scanner", "receipt_printer", "a4_printer", "face_camera", "document_camera"},
               .help = "The device it is built without"});
        return k;
    }();
    return knobs;
}

// An event of the timeline (trainers' demos): when, the caption, and what
// is done (an Injection, site.hpp).
const KnobSet& timeline_knobs() {
    static const KnobSet knobs = [] {
        KnobSet k;
        k.add({.path = "/day", .kind = KnobKind::integer, .fallback = 1, .min = 1.0, .max = 366.0,
               .help = "Day of the run, 1 = the first"});
        k.add({.path = "/time", .kind = KnobKind::string, .fallback = "09:00", .help = "Civil time of day, HH:MM"});
        k.add({.path = "/caption/zh", .kind = KnobKind::string, .fallback = "", .help = "Caption shown on the panel (Chinese)"});
        k.add({.path = "/caption/en", .kind = KnobKind::string, .fallback = "", .help = "Caption shown on the panel (English)"});
        k.add({.path = "/do", .kind = KnobKind::string, .fallback = "caption", .choices = inject_kind_names(),
               .help = "What happens: a caption only, a device fault (a ticket follows), faults cleared, a consumable "
                       "level, a link toxic, toxics cleared, a gateway outage, a power cut, power on"});
        k.add({.path = "/site", .kind = KnobKind::string, .fallback = "", .help = "The site's id; empty: the first site"});
        k.add({.path = "/kiosk", .kind = KnobKind::integer, .fallback = 1, .min = 1.0, .max = 1000.0,
               .help = "The kiosk (1 = K01)"});
        k.add({.path = "/device", .kind = KnobKind::string, .fallback = "receipt_printer",
               .choices = {"idcard_reader", "qr_scanner", "receipt_printer", "a4_printer", "face_camera", "document_camera"},
               .help = "device_fault, clear_faults: the device"});
        k.add({.path = "/fault", .kind = KnobKind::string, .fallback = "",
               .help = "device_fault: the fault's name, as the device knows it (paper_jam, self_test_fail...)"});
        k.add({.path = "/consumable", .kind = KnobKind::string, .fallback = "receipt_paper",
               .choices = {"receipt_paper", "a4_paper", "toner"}, .help = "consumable: which"});
        k.add({.path = "/level", .kind = KnobKind::number, .fallback = 0.0, .min = 0.0, .max = 1.0,
               .help = "consumable: the level set, a fraction of full"});
        k.add({.path = "/toxic", .kind = KnobKind::string, .fallback = "timeout",
               .choices = {"latency", "bandwidth", "slow_close", "timeout", "reset_peer", "slicer", "limit_data"},
               .help = "toxic: the Toxiproxy toxic on the kiosk's link (timeout 0 = a black hole)"});
        k.add({.path = "/value", .kind = KnobKind::number, .fallback = 0.0, .min = 0.0, .max = 1.0e9,
               .help = "toxic: its main attribute (latency ms, bandwidth KB/s, timeout ms, slicer bytes, limit bytes)"});
        k.add({.path = "/minutes", .kind = KnobKind::number, .unit = "min", .fallback = 0.0, .min = 0.0, .max = 10080.0,
               .help = "toxic, power_cut: how long (0 = until cleared); gateway_outage: how long (> 0)"});
        return k;
    }();
    return knobs;
}

const KnobSet& site_knobs() {
    static const KnobSet knobs = [] {
        KnobSet k;
        k.add({.path = "/id", .kind = KnobKind::string, .fallback = "",
               .help = "Site id (letters, digits, - and _); kiosks are <id>-K01...; empty: S1, S2... by position"});
        k.add({.path = "/name", .kind = KnobKind::string, .fallback = "", .help = "Site name, shown in reports"});
        k.add({.path = "/venue", .kind = KnobKind::string, .fallback = "service_hall",
               .choices = {"service_hall", "24h_room", "community", "park", "mall", "office_building", "outlet",
                           "transport_hub"},
               .help = "Venue type (R-5-1)"});
        k.add({.path = "/kiosks", .kind = KnobKind::integer, .unit = "kiosks", .fallback = 4, .min = 1.0, .max = 1000.0,
               .help = "Integrated kiosks at the site, each with the full device set"});
        k.add({.path = "/hours/always_open", .kind = KnobKind::boolean, .fallback = false,
               .help = "A 7x24 room: open at every hour of every day (R-5-3)"});
        k.add({.path = "/hours/open_h", .kind = KnobKind::number, .unit = "h", .fallback = 9, .min = 0.0, .max = 23.75,
               .help = "Opening time (civil), in quarter hours: 8.5 = 08:30; when not always open"});
        k.add({.path = "/hours/close_h", .kind = KnobKind::number, .unit = "h", .fallback = 17, .min = 0.25,
               .max = 24.0, .help = "Closing time, in quarter hours: no arrivals from then on; those inside finish"});
        k.add({.path = "/hours/days", .kind = KnobKind::number_list, .fallback = json::array({1, 1, 1, 1, 1, 0, 0}),
               .min = 0.0, .max = 1.0, .length = 7, .help = "Open days, Monday first: 1 open, 0 closed"});
        k.add({.path = "/demand/hourly_rate_per_h", .kind = KnobKind::number_list, .unit = "arrivals/h",
               .fallback = office_profile(), .min = 0.0, .max = 1.0e6, .length = 24,
               .help = "Citizens arriving in each hour of the day, 00:00 first (closed hours count as zero)"});
        k.add({.path = "/demand/weekday_factor", .kind = KnobKind::number_list, .unit = "x",
               .fallback = json::array({1.15, 1.0, 1.0, 1.0, 1.1, 0.55, 0.35}), .min = 0.0, .max = 1000.0,
               .length = 7, .help = "Multiplier of the hourly rates for each weekday, Monday first"});
        k.add({.path = "/demand/interpolation", .kind = KnobKind::string, .fallback = "step",
               .choices = {"step", "linear"}, .help = "Rate within an hour: constant, or linear to the next hour"});
        k.add({.path = "/queue", .kind = KnobKind::string, .fallback = "shared", .choices = {"shared", "per_kiosk"},
               .help = "One line with a ticket (取号) for all kiosks, or a line at each kiosk (shortest joined)"});
        k.add({.path = "/choice", .kind = KnobKind::string, .fallback = "shortest",
               .choices = {"shortest", "nearest", "device"},
               .help = "Per-kiosk lines: join the shortest, the nearest kiosk's, or the shortest among kiosks with every "
                       "device the citizen's item needs"});
        k.add({.path = "/plan/width_m", .kind = KnobKind::number, .unit = "m", .fallback = 0.0, .min = 0.0, .max = 1000.0,
               .help = "Floor plan: the room's width (x); 0 = no plan, nobody walks"});
        k.add({.path = "/plan/depth_m", .kind = KnobKind::number, .unit = "m", .fallback = 0.0, .min = 0.0, .max = 1000.0,
               .help = "Floor plan: the room's depth (y, from the back wall y = 0 to the front)"});
        k.add({.path = "/plan/walls", .kind = KnobKind::object_list, .fallback = json::array(), .min = 0.0, .max = 1000.0,
               .help = "Walls, counters and partitions inside the room: people walk around them",
               .element = &segment_knobs()});
        k.add({.path = "/plan/entrances", .kind = KnobKind::object_list, .fallback = json::array(), .min = 0.0,
               .max = 100.0, .help = "Entrances (citizens come in by one at random, and leave by it)",
               .element = &place_knobs()});
        k.add({.path = "/plan/queue_areas", .kind = KnobKind::object_list, .fallback = json::array(), .min = 0.0,
               .max = 100.0, .help = "Where the shared line waits (the nearest to the entrance); none: at the entrance",
               .element = &segment_knobs()});
        k.add({.path = "/plan/help_desks", .kind = KnobKind::object_list, .fallback = json::array(), .min = 0.0,
               .max = 100.0, .help = "Where helpers wait; they walk to the kiosk of whoever asks",
               .element = &place_knobs()});
        k.add({.path = "/plan/kiosks", .kind = KnobKind::object_list, .fallback = json::array(), .min = 0.0,
               .max = 1000.0, .help = "Where each kiosk stands, K01 first (one per kiosk); none: a row along the back wall",
               .element = &place_knobs()});
        k.add({.path = "/devices_absent", .kind = KnobKind::object_list, .fallback = json::array(), .min = 0.0,
               .max = 10000.0, .help = "Devices kiosks are built without (every kiosk has the full set otherwise)",
               .element = &absent_device_knobs()});
        k.add({.path = "/service/distribution", .kind = KnobKind::string, .fallback = "session",
               .choices = {"session", "exponential", "lognormal", "gamma"},
               .help = "Time a citizen holds a kiosk: the session's own, or at least a draw from this distribution"});
        k.add({.path = "/service/mean_min", .kind = KnobKind::number, .unit = "min", .fallback = 6.0, .min = 0.0,
               .max = 1440.0, .min_exclusive = true, .help = "Mean of the service distribution (not for session)"});
        k.add({.path = "/service/sd_min", .kind = KnobKind::number, .unit = "min", .fallback = 4.0, .min = 0.0,
               .max = 1440.0, .help = "Standard deviation (lognormal, gamma)"});
        k.add({.path = "/behaviour/patience_mean_min", .kind = KnobKind::number, .unit = "min", .fallback = 15.0,
               .min = 0.0, .max = 10080.0, .help = "Mean patience in the line, exponential (0 = waits for ever)"});
        k.add({.path = "/behaviour/balk_queue_per_kiosk", .kind = KnobKind::number, .unit = "citizens/kiosk",
               .fallback = 3.0, .min = 0.0, .max = 10000.0,
               .help = "Citizens who find this many waiting per kiosk leave at once (0 = never)"});
        k.add({.path = "/personas/young", .kind = KnobKind::number, .fallback = 0.45, .min = 0.0, .max = 1.0e6,
               .help = "Share of young citizens: the plain pace"});
        k.add({.path = "/personas/elderly", .kind = KnobKind::number, .fallback = 0.25, .min = 0.0, .max = 1.0e6,
               .help = "Share of elderly citizens: 3x the reading time, mostly the accessible mode, often ask for help (R-5-4)"});
        k.add({.path = "/personas/agent", .kind = KnobKind::number, .fallback = 0.10, .min = 0.0, .max = 1.0e6,
               .help = "Share of business agents (代办): 2-4 cases in a row at one kiosk, brisk"});
        k.add({.path = "/personas/first_time", .kind = KnobKind::number, .fallback = 0.20, .min = 0.0, .max = 1.0e6,
               .help = "Share of first-time users: 2x the reading time, more walk away, often ask for help"});
        k.add({.path = "/staff/helpers", .kind = KnobKind::integer, .unit = "people", .fallback = 1, .min = 0.0,
               .max = 1000.0, .help = "帮办 helpers on the floor who assist citizens asking for help (R-10.2-1)"});
        k.add({.path = "/staff/technicians", .kind = KnobKind::integer, .unit = "people", .fallback = 1, .min = 0.0,
               .max = 1000.0, .help = "Technicians answering this site's fault tickets (R-10.3-1)"});
        k.add({.path = "/staff/dispatch_min", .kind = KnobKind::number, .unit = "min", .fallback = 5.0, .min = 0.0,
               .max = 1440.0, .help = "From a ticket reported to acknowledged"});
        k.add({.path = "/staff/travel_min", .kind = KnobKind::number, .unit = "min", .fallback = 40.0, .min = 0.0,
               .max = 1440.0, .help = "Mean travel of a technician to the site (exponential)"});
        k.add({.path = "/staff/repair_min", .kind = KnobKind::number, .unit = "min", .fallback = 25.0, .min = 0.0,
               .max = 1440.0, .help = "Mean repair time on site (exponential)"});
        k.add({.path = "/staff/refill_round_h", .kind = KnobKind::number, .unit = "h", .fallback = 2.0, .min = 0.0,
               .max = 720.0, .help = "Consumables round every this often: paper, toner, receipt rolls (0 = none)"});
        k.add({.path = "/staff/refill_below", .kind = KnobKind::number, .fallback = 0.25, .min = 0.0, .max = 1.0,
               .help = "Refill what is below this fraction of full"});
        k.add({.path = "/faults/mtbf_h", .kind = KnobKind::number, .unit = "h", .fallback = 0.0, .min = 0.0,
               .max = 1.0e6, .help = "Mean hours between device faults on one kiosk, exponential (0 = none)"});
        k.add({.path = "/faults/link_mtbf_h", .kind = KnobKind::number, .unit = "h", .fallback = 0.0, .min = 0.0,
               .max = 1.0e6, .help = "Mean hours between network outages of one kiosk's link (black hole; 0 = none)"});
        k.add({.path = "/faults/link_outage_mean_min", .kind = KnobKind::number, .unit = "min", .fallback = 20.0,
               .min = 0.0, .max = 10080.0, .min_exclusive = true,
               .help = "Mean length of a network outage until the carrier restores it (exponential)"});
        k.add({.path = "/faults/software_mtbf_h", .kind = KnobKind::number, .unit = "h", .fallback = 0.0, .min = 0.0,
               .max = 1.0e6, .help = "Mean hours between hangs of the kiosk program (restarted remotely; 0 = none)"});
        k.add({.path = "/faults/power_mtbf_h", .kind = KnobKind::number, .unit = "h", .fallback = 0.0, .min = 0.0,
               .max = 1.0e6, .help = "Mean hours between power cuts at a kiosk (0 = none)"});
        k.add({.path = "/faults/power_outage_mean_min", .kind = KnobKind::number, .unit = "min", .fallback = 10.0,
               .min = 0.0, .max = 10080.0, .min_exclusive = true, .help = "Mean length of a power cut (exponential)"});
        k.add({.path = "/link", .kind = KnobKind::boolean, .fallback = true,
               .help = "Model each kiosk's network link to the gateway (else a perfect path)"});
        return k;
    }();
    return knobs;
}

// K01, K02, ... each with the full device set.
std::vector<KioskPlacement> numbered_kiosks(int n) {
    std::vector<KioskPlacement> out;
    for (int k = 1; k <= n; ++k) out.push_back({(k < 10 ? "K0" : "K") + std::to_string(k), json::object()});
    return out;
}

Point point_of(const json& xy) { return {xy[0].get<double>(), xy[1].get<double>()}; }

FloorPlan plan_of(const json& p) {
    FloorPlan plan;
    plan.width_m = p["width_m"].get<double>();
    plan.depth_m = p["depth_m"].get<double>();
    for (const json& w : p["walls"]) plan.walls.push_back({point_of(w["from"]), point_of(w["to"])});
    for (const json& e : p["entrances"]) plan.entrances.push_back(point_of(e["at"]));
    for (const json& q : p["queue_areas"]) plan.queue_areas.push_back({point_of(q["from"]), point_of(q["to"])});
    for (const json& d : p["help_desks"]) plan.help_desks.push_back(point_of(d["at"]));
    for (const json& k : p["kiosks"]) plan.kiosks.push_back(point_of(k["at"]));
    return plan;
}

bool valid_id(const std::string& id) {
    if (id.empty() || id.size() > 40) return false;
    for (char c : id)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
    return true;
}

SiteSpec site_of(const json& e, std::size_t index, const std::string& at, std::vector<Problem>& problems) {
    auto get = [&](const char* p) -> const json& { return e.at(json::json_pointer(p)); };
    SiteSpec s;
    s.id = get("/id").get<std::string>();
    if (s.id.empty()) s.id = "S" + std::to_string(index + 1);
    else if (!valid_id(s.id)) problems.push_back({at + "/id", "expected 1-40 letters, digits, - or _"});
    s.name = get("/name").get<std::string>();
    if (s.name.empty()) s.name = s.id;
    s.venue = get("/venue").get<std::string>();
    s.kiosks = numbered_kiosks(get("/kiosks").get<int>());
    s.hours.always_open = get("/hours/always_open").get<bool>();
    s.hours.open_h = get("/hours/open_h").get<double>();
    s.hours.close_h = get("/hours/close_h").get<double>();
    for (const char* p : {"/hours/open_h", "/hours/close_h"}) {
        const double h = get(p).get<double>();
        if (std::abs(h * 4 - std::round(h * 4)) > 1e-9) problems.push_back({at + p, "expected quarter hours (8.5 = 08:30, 8.25, 8.75)"});
    }
    bool any_day = false;
    for (std::size_t d = 0; d < 7; ++d) {
        const double v = get("/hours/days")[d].get<double>();
        if (v != 0.0 && v != 1.0) problems.push_back({at + "/hours/days/" + std::to_string(d), "expected 0 or 1"});
        s.hours.days[d] = v == 1.0;
        any_day |= s.hours.days[d];
    }
    if (!s.hours.always_open) {
        if (s.hours.close_h <= s.hours.open_h)
            problems.push_back({at + "/hours/close_h", "must be after open_h (" + get("/hours/open_h").dump() + ")"});
        if (!any_day) problems.push_back({at + "/hours/days", "the site is never open"});
    }
    for (std::size_t h = 0; h < 24; ++h) s.hourly_rate_per_h[h] = get("/demand/hourly_rate_per_h")[h].get<double>();
    for (std::size_t d = 0; d < 7; ++d) s.weekday_factor[d] = get("/demand/weekday_factor")[d].get<double>();
    s.interpolation = get("/demand/interpolation") == "linear" ? sim::Interpolation::linear : sim::Interpolation::step;
    if (demand_profile(s).is_zero())
        problems.push_back({at + "/demand", "no citizen would ever arrive while the site is open"});
    s.queue = get("/queue") == "per_kiosk" ? QueueDiscipline::per_kiosk : QueueDiscipline::shared;
    const std::string choice = get("/choice").get<std::string>();
    s.choice = choice == "nearest" ? KioskChoice::nearest : choice == "device" ? KioskChoice::device : KioskChoice::shortest;
    s.plan = plan_of(get("/plan"));
    if ((s.plan.width_m > 0) != (s.plan.depth_m > 0) ||
        (s.plan.empty() && (!s.plan.walls.empty() || !s.plan.entrances.empty() || !s.plan.kiosks.empty())))
        problems.push_back({at + "/plan", "a floor plan needs both width_m and depth_m (0 for both: no plan)"});
    for (const PlanProblem& p : check(s.plan, s.kiosks.size())) problems.push_back({at + "/plan" + p.path, p.message});
    const json& absent = get("/devices_absent");
    for (std::size_t i = 0; i < absent.size(); ++i) {
        const auto k = absent[i]["kiosk"].get<std::size_t>();
        if (k > s.kiosks.size()) {
            problems.push_back({at + "/devices_absent/" + std::to_string(i) + "/kiosk",
                                "there are only " + std::to_string(s.kiosks.size()) + " kiosks"});
            continue;
        }
        s.kiosks[k - 1].devices[absent[i]["device"].get<std::string>()] = false;
    }
    const std::string dist = get("/service/distribution").get<std::string>();
    if (dist != "session") {
        ServiceTime t;
        t.distribution = dist == "exponential" ? ServiceDistribution::exponential
                         : dist == "gamma"     ? ServiceDistribution::gamma
                                               : ServiceDistribution::lognormal;
        t.mean_min = get("/service/mean_min").get<double>();
        t.sd_min = get("/service/sd_min").get<double>();
        if (t.distribution != ServiceDistribution::exponential && !(t.sd_min > 0))
            problems.push_back({at + "/service/sd_min", "must be > 0 for a " + dist + " distribution"});
        s.service = t;
    }
    s.patience_mean_min = get("/behaviour/patience_mean_min").get<double>();
    s.balk_queue_per_kiosk = get("/behaviour/balk_queue_per_kiosk").get<double>();
    static constexpr const char* k_persona_paths[] = {"/personas/young", "/personas/elderly", "/personas/agent",
                                                      "/personas/first_time"};
    double shares = 0;
    for (std::size_t p = 0; p < k_personas; ++p) shares += s.personas.share[p] = get(k_persona_paths[p]).get<double>();
    if (!(shares > 0)) problems.push_back({at + "/personas", "at least one share must be positive"});
    s.staff.helpers = get("/staff/helpers").get<std::size_t>();
    s.staff.technicians = get("/staff/technicians").get<std::size_t>();
    s.staff.dispatch = sim::from_minutes(get("/staff/dispatch_min").get<double>());
    s.staff.travel = sim::from_minutes(get("/staff/travel_min").get<double>());
    s.staff.repair = sim::from_minutes(get("/staff/repair_min").get<double>());
    s.staff.refill_round = sim::from_hours(get("/staff/refill_round_h").get<double>());
    s.staff.refill_below = get("/staff/refill_below").get<double>();
    s.faults.mtbf_h = get("/faults/mtbf_h").get<double>();
    s.faults.link_mtbf_h = get("/faults/link_mtbf_h").get<double>();
    s.faults.link_outage_mean_min = get("/faults/link_outage_mean_min").get<double>();
    s.faults.software_mtbf_h = get("/faults/software_mtbf_h").get<double>();
    s.faults.power_mtbf_h = get("/faults/power_mtbf_h").get<double>();
    s.faults.power_outage_mean_min = get("/faults/power_outage_mean_min").get<double>();
    if (s.faults.link_mtbf_h > 0 && !get("/link").get<bool>())
        problems.push_back({at + "/faults/link_mtbf_h", "network outages need the link modelled (/link true)"});
    if (s.faults.mtbf_h > 0 && s.staff.technicians == 0)
        problems.push_back({at + "/staff/technicians", "faults (/faults/mtbf_h > 0) need at least one technician"});
    s.link = get("/link").get<bool>();
    return s;
}

// A timeline event: its time on the civil clock (day and HH:MM, counted
// from the epoch's date), its caption and injection, checked against the
// sites (which must be read first).
// What an event does (its keys besides day, time and caption), checked
// against the sites; problems at `at` + the key's path.
std::optional<Injection> injection_from(const json& e, const std::string& at, const WorldSpec& w, std::vector<Problem>& problems);

std::optional<TimelineEvent> timeline_event_of(const json& e, const std::string& at, const WorldSpec& w,
                                               std::vector<Problem>& problems) {
    TimelineEvent ev;
    const std::optional<int> minute = minute_of_day(e["time"].get<std::string>());
    if (!minute) {
        problems.push_back({at + "/time", "expected a time of day HH:MM, such as 09:30"});
        return std::nullopt;
    }
    const std::optional<sim::Time> t = civil_time(w.calendar, e["day"].get<int>(), *minute);
    if (!t) {
        problems.push_back({at + "/time", "falls before the run starts"});
        return std::nullopt;
    }
    ev.at = *t;
    if (ev.at >= sim::Time{w.horizon}) problems.push_back({at + "/day", "falls after the horizon"});
    ev.caption_zh = e["caption"]["zh"].get<std::string>();
    ev.caption_en = e["caption"]["en"].get<std::string>();
    if (*inject_kind(e["do"].get<std::string>()) == InjectKind::caption) {
        if (ev.caption_zh.empty() && ev.caption_en.empty()) problems.push_back({at + "/caption", "a caption needs a text"});
        return ev;
    }
    std::optional<Injection> a = injection_from(e, at, w, problems);
    if (!a) return std::nullopt;
    ev.action = std::move(*a);
    return ev;
}

std::optional<Injection> injection_from(const json& e, const std::string& at, const WorldSpec& w, std::vector<Problem>& problems) {
    Injection a;
    a.kind = *inject_kind(e["do"].get<std::string>());
    const std::string site = e["site"].get<std::string>();
    a.site = w.sites.size();
    for (std::size_t i = 0; i < w.sites.size(); ++i)
        if (site.empty() ? i == 0 : w.sites[i].id == site) a.site = i;
    if (a.site == w.sites.size()) {
        problems.push_back({at + "/site", "no site \"" + site + "\""});
        return std::nullopt;
    }
    const SiteSpec& sp = w.sites[a.site];
    a.kiosk = e["kiosk"].get<std::size_t>() - 1;
    if (a.kind != InjectKind::gateway_outage && a.kiosk >= sp.kiosks.size()) {
        problems.push_back({at + "/kiosk", "site " + sp.id + " has " + std::to_string(sp.kiosks.size()) + " kiosks"});
        return std::nullopt;
    }
    a.device = e["device"].get<std::string>();
    a.fault = e["fault"].get<std::string>();
    a.consumable = e["consumable"].get<std::string>();
    a.level = e["level"].get<double>();
    a.toxic = e["toxic"].get<std::string>();
    a.value = e["value"].get<double>();
    a.lasts = sim::from_minutes(e["minutes"].get<double>());
    if (a.kind == InjectKind::gateway_outage && a.lasts <= sim::Duration::zero())
        problems.push_back({at + "/minutes", "a gateway outage needs a duration"});
    if (a.kind == InjectKind::device_fault || a.kind == InjectKind::clear_faults) {
        const json& fitted = sp.kiosks[a.kiosk].devices;
        if (fitted.contains(a.device) && fitted[a.device].is_boolean() && !fitted[a.device].get<bool>())
            problems.push_back({at + "/device", sp.id + "-" + sp.kiosks[a.kiosk].id + " is built without a " + a.device});
        else if (a.kind == InjectKind::device_fault) {
            const auto device = devices::make_device(a.device, "check", 1, json::object());
            const auto& known = device->faults().known_faults();
            if (std::find(known.begin(), known.end(), a.fault) == known.end()) {
                std::string list;
                for (const auto& f : known) list += (list.empty() ? "" : ", ") + f;
                problems.push_back({at + "/fault", "the " + a.device + " knows no fault \"" + a.fault + "\" (known: " + list + ")"});
            }
        }
    }
    if (a.kind == InjectKind::consumable) {
        const bool receipt = a.consumable == "receipt_paper";
        const std::string kind = receipt ? "receipt_printer" : "a4_printer";
        const json& fitted = sp.kiosks[a.kiosk].devices;
        if (fitted.contains(kind) && fitted[kind].is_boolean() && !fitted[kind].get<bool>())
            problems.push_back({at + "/kiosk", sp.id + "-" + sp.kiosks[a.kiosk].id + " is built without a " + kind});
    }
    if (a.kind == InjectKind::toxic && !sp.link)
        problems.push_back({at + "/do", "a toxic needs the site's link modelled (/sites/*/link true)"});
    return a;
}

// The foundation's hall scenario as a one-site world: N kiosks always open
// (the hall's hourly profile says when citizens come), the hall's service
// distribution as the time each citizen holds a kiosk, its patience and
// balking; everyone of the plain persona, no staff, no faults.
SiteLoad from_hall(const json& doc) {
    SiteLoad out;
    out.from_hall = true;
    HallLoad h = load_hall_scenario(doc);
    out.validated = std::move(h.validated);
    if (!h.scenario) return out;
    const HallScenario& hs = *h.scenario;
    if (hs.warmup_h > 0)
        out.validated.problems.push_back(
            {"/horizon/warmup_h", "the site world measures from the start: set it to 0 (or use a site scenario)"});
    SiteScenario s;
    s.name = hs.name;
    s.description = hs.description;
    s.replications = hs.replications;
    s.horizon_days = hs.horizon_days;
    s.wait_target_min = hs.wait_target_min;
    s.world.seed = hs.seed;
    s.world.calendar = hs.calendar;
    s.world.horizon = hs.horizon();
    SiteSpec site;
    site.id = "HALL";
    site.name = hs.hall_name;
    site.kiosks = numbered_kiosks(hs.kiosks);
    site.hours.always_open = true;
    site.hourly_rate_per_h = hs.hourly_rate_per_h;
    site.weekday_factor = hs.weekday_factor;
    site.interpolation = hs.interpolation;
    site.service = ServiceTime{hs.service_distribution, hs.service_mean_min, hs.service_sd_min};
    site.patience_mean_min = hs.patience_mean_min;
    site.balk_queue_per_kiosk = hs.balk_queue_per_kiosk;
    s.world.sites.push_back(std::move(site));
    if (out.validated.problems.empty()) out.scenario = std::move(s);
    return out;
}

}  // namespace

const KnobSet& site_scenario_knobs() {
    static const KnobSet knobs = [] {
        KnobSet k;
        k.add({.path = "/name", .kind = KnobKind::string, .fallback = "sites", .help = "Scenario name, shown in reports"});
        k.add({.path = "/description", .kind = KnobKind::string, .fallback = "", .help = "What the scenario asks"});
        k.add({.path = "/seed", .kind = KnobKind::integer, .fallback = 20260601, .min = 0.0, .max = 9.0e15,
               .help = "Master seed; every random stream derives from it"});
        k.add({.path = "/replications", .kind = KnobKind::integer, .unit = "runs", .fallback = 5, .min = 1.0,
               .max = 10000.0, .help = "Independent replications behind each confidence interval"});
        k.add({.path = "/calendar/epoch", .kind = KnobKind::string, .fallback = "2026-06-01T00:00:00+08:00",
               .help = "Civil time of virtual t = 0 (ISO 8601); 2026-06-01 is a Monday"});
        k.add({.path = "/horizon/days", .kind = KnobKind::number, .unit = "days", .fallback = 7, .min = 0.0,
               .max = 366.0, .min_exclusive = true, .help = "Simulated days of service per replication"});
        k.add({.path = "/sites", .kind = KnobKind::object_list, .fallback = json::array(), .min = 1.0, .max = 10000.0,
               .help = "The sites, each with its kiosks, hours, demand, citizens and staff", .element = &site_knobs()});
        k.add({.path = "/timeline", .kind = KnobKind::object_list, .fallback = json::array(), .min = 0.0, .max = 10000.0,
               .help = "Scheduled events with captions (trainers' demos): faults, consumables, toxics, outages",
               .element = &timeline_knobs()});
        k.add({.path = "/report/wait_target_min", .kind = KnobKind::number, .unit = "min", .fallback = 10.0,
               .min = 0.0, .max = 1440.0, .help = "Service-level target: the share waiting longer is reported"});
        k.add({.path = "/report/targets/daily_use", .kind = KnobKind::number, .fallback = 0.60, .min = 0.0,
               .max = 1.0, .help = "R-10.1-2 target: share of kiosks with a case on a day, at least"});
        k.add({.path = "/report/targets/fault_rate", .kind = KnobKind::number, .fallback = 0.05, .min = 0.0,
               .max = 1.0, .help = "R-10.1-2 target: faulty kiosk-days / kiosk-days, below"});
        k.add({.path = "/report/targets/satisfaction", .kind = KnobKind::number, .fallback = 0.90, .min = 0.0,
               .max = 1.0, .help = "R-10.1-2 target: ratings 3-5 among ratings, at least"});
        return k;
    }();
    return knobs;
}

std::optional<int> minute_of_day(std::string_view hhmm) noexcept {
    auto digit = [&](std::size_t i) { return std::isdigit(static_cast<unsigned char>(hhmm[i])) != 0; };
    if (hhmm.size() != 5 || hhmm[2] != ':' || !digit(0) || !digit(1) || !digit(3) || !digit(4)) return std::nullopt;
    const int hh = (hhmm[0] - '0') * 10 + (hhmm[1] - '0'), mm = (hhmm[3] - '0') * 10 + (hhmm[4] - '0');
    if (hh > 23 || mm > 59) return std::nullopt;
    return hh * 60 + mm;
}

std::optional<sim::Time> civil_time(const sim::Calendar& calendar, int day, int minute) noexcept {
    if (day < 1) return std::nullopt;
    const sim::CivilTime epoch = calendar.civil(sim::Time{});
    const double since_epoch_min = (day - 1) * 1440.0 + minute - (epoch.hour * 60 + epoch.minute);
    if (since_epoch_min < 0) return std::nullopt;
    return sim::Time{sim::from_minutes(since_epoch_min)};
}

std::optional<Injection> injection_of(const json& doc, const WorldSpec& w, std::vector<Problem>& problems) {
    if (!doc.is_object()) {
        problems.push_back({"", "an injection is a JSON object such as {\"do\": \"device_fault\", \"kiosk\": 2, ...}"});
        return std::nullopt;
    }
    Validated v = timeline_knobs().validate(doc);
    if (!v.ok()) {
        problems.insert(problems.end(), v.problems.begin(), v.problems.end());
        return std::nullopt;
    }
    if (v.effective["do"] == "caption") {
        problems.push_back({"/do", "say what to do: one of device_fault, clear_faults, consumable, toxic, clear_toxics, "
                                   "gateway_outage, power_cut, power_on"});
        return std::nullopt;
    }
    const std::size_t before = problems.size();
    std::optional<Injection> a = injection_from(v.effective, "", w, problems);
    if (problems.size() > before) return std::nullopt;
    return a;
}

const KnobSet& injection_knobs() { return timeline_knobs(); }

bool is_site_scenario(const json& doc) noexcept { return doc.is_object() && doc.contains("sites"); }

SiteLoad load_site_scenario(const json& doc) {
    if (doc.is_object() && doc.contains("hall") && !doc.contains("sites")) return from_hall(doc);
    SiteLoad out;
    out.validated = site_scenario_knobs().validate(doc);
    auto& problems = out.validated.problems;
    if (!out.validated.ok()) return out;
    const json& e = out.validated.effective;
    auto at = [&](const char* p) -> const json& { return e.at(json::json_pointer(p)); };

    SiteScenario s;
    s.name = at("/name").get<std::string>();
    s.description = at("/description").get<std::string>();
    s.world.seed = at("/seed").get<std::uint64_t>();
    s.replications = at("/replications").get<int>();
    if (const auto cal = sim::Calendar::from_iso8601(at("/calendar/epoch").get<std::string>())) s.world.calendar = *cal;
    else problems.push_back({"/calendar/epoch", "expected an ISO 8601 date-time such as 2026-06-01T00:00:00+08:00"});
    s.horizon_days = at("/horizon/days").get<double>();
    s.world.horizon = sim::from_hours(s.horizon_days * 24.0);
    s.wait_target_min = at("/report/wait_target_min").get<double>();
    s.targets.daily_use = at("/report/targets/daily_use").get<double>();
    s.targets.fault_rate = at("/report/targets/fault_rate").get<double>();
    s.targets.satisfaction = at("/report/targets/satisfaction").get<double>();
    std::set<std::string> ids;
    const json& sites = at("/sites");
    for (std::size_t i = 0; i < sites.size(); ++i) {
        const std::string path = "/sites/" + std::to_string(i);
        SiteSpec site = site_of(sites[i], i, path, problems);
        if (!ids.insert(site.id).second) problems.push_back({path + "/id", "\"" + site.id + "\" names another site too"});
        s.world.sites.push_back(std::move(site));
    }
    const json& timeline = at("/timeline");
    for (std::size_t i = 0; i < timeline.size(); ++i)
        if (auto ev = timeline_event_of(timeline[i], "/timeline/" + std::to_string(i), s.world, problems))
            s.world.timeline.push_back(std::move(*ev));
    std::stable_sort(problems.begin(), problems.end(), [](const Problem& a, const Problem& b) { return a.path < b.path; });
    if (problems.empty()) out.scenario = std::move(s);
    return out;
}

}  // namespace kiosktwin::world
