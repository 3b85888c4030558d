#include <kiosktwin/report/report.hpp>

#include <kiosktwin/placement/outcome.hpp>

#include <kiosktwin/report/drawing.hpp>

#include <kiosktwin/analysis/hall_study.hpp>
#include <kiosktwin/analysis/site_study.hpp>
#include <kiosktwin/world/floor_plan.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

namespace kiosktwin::report {

namespace {

using nlohmann::json;
using analysis::figure;
constexpr double k_nan = std::numeric_limits<double>::quiet_NaN();

// ---------------------------------------------------------------- series ---

// Adds `amount(overlap seconds)` of [from, to) to each clock hour it spans.
template <class Add>
void spread_over_hours(const sim::Calendar& cal, double from, double to, Add&& add) {
    while (from < to) {
        const sim::Time t = sim::at_seconds(from);
        const double next = std::min(to, sim::to_seconds(cal.next_hour_boundary(t).time_since_epoch()));
        add(cal.hour_of_day(t), next - from);
        if (next <= from) break;
        from = next;
    }
}

}  // namespace

RunSeries series_of(const std::vector<store::RecordedRun>& replications, const world::SiteScenario& scenario) {
    RunSeries s;
    s.replications = static_cast<int>(replications.size());
    s.days = scenario.horizon_days;
    const sim::Calendar& cal = scenario.world.calendar;
    std::map<std::string, std::size_t> kiosk_index;
    for (const world::SiteSpec& site : scenario.world.sites)
        for (const world::KioskPlacement& k : site.kiosks) {
            kiosk_index[site.id + "-" + k.id] = s.kiosks.size();
            s.kiosks.push_back(site.id + "-" + k.id);
        }
    s.utilisation.assign(s.kiosks.size(), {});
    s.wait_mean_min.fill(0);
    std::array<double, 24> served{};
    const double horizon_s = scenario.horizon_days * 86400.0;
    for (const store::RecordedRun& r : replications) {
        for (const auto& v : r.visits) {
            const int h = cal.hour_of_day(sim::at_seconds(v.arrived_s));
            s.arrivals[static_cast<std::size_t>(h)] += 1;
            s.fates[v.fate] += 1;
            if (v.fate == "served") {
                s.wait_mean_min[static_cast<std::size_t>(h)] += v.waited_s / 60.0;
                served[static_cast<std::size_t>(h)] += 1;
            }
            spread_over_hours(cal, v.arrived_s, v.arrived_s + v.waited_s,
                              [&](int hour, double secs) { s.queue[static_cast<std::size_t>(hour)] += secs; });
            // The kiosk is held from the end of the wait (使用率's numerator, R-10.1-1).
            const auto k = kiosk_index.find(v.kiosk);
            if (k == kiosk_index.end() || v.held_s <= 0) continue;
            const double from = v.arrived_s + v.waited_s;
            spread_over_hours(cal, from, from + v.held_s, [&](int hour, double secs) {
                s.utilisation[k->second][static_cast<std::size_t>(hour)] += secs;
            });
        }
        for (const auto& session : r.sessions) s.sessions[session.kind] += 1;
    }
    const double reps = std::max(1, s.replications);
    const double day_hours = reps * std::max(1.0, std::round(scenario.horizon_days));  // each clock hour occurs once a day
    for (std::size_t h = 0; h < 24; ++h) {
        s.wait_mean_min[h] = served[h] > 0 ? s.wait_mean_min[h] / served[h] : k_nan;
        s.arrivals[h] /= day_hours;
        s.queue[h] /= day_hours * 3600.0;
        for (auto& row : s.utilisation) row[h] /= day_hours * 3600.0;
    }
    for (auto& [k, n] : s.fates) n /= reps;
    for (auto& [k, n] : s.sessions) n /= reps;
    if (!replications.empty())
        for (const auto& t : replications.front().tickets)
            s.tickets.push_back({t.kiosk, t.device, t.fault, t.root_cause, t.occurred_s / 3600.0,
                                 (t.resolved_s > t.occurred_s ? t.resolved_s : horizon_s) / 3600.0});
    return s;
}

namespace {

// ---------------------------------------------------------------- format ---

std::string fixed(double x, int decimals = 2) {
    if (!std::isfinite(x)) return "–";
    char s[48];
    std::snprintf(s, sizeof s, "%.*f", decimals, x);
    return s;
}

std::string csv_field(const std::string& s) {
    if (s.find_first_of(",\"\n") == std::string::npos) return s;
    std::string out = "\"";
    for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string csv_number(double x) {
    if (!std::isfinite(x)) return "";
    char s[48];
    std::snprintf(s, sizeof s, "%.10g", x);
    return s;
}

double number_or_nan(const json& j) { return j.is_number() ? j.get<double>() : k_nan; }

// j[key], or null when j has no such key (a result written by another version).
const json& field(const json& j, const char* key) {
    static const json null;
    if (!j.is_object()) return null;
    const auto it = j.find(key);
    return it == j.end() ? null : *it;
}


constexpr Colour k_ink{51, 51, 51};
constexpr Colour k_grid{225, 225, 225};
constexpr Colour k_bar{70, 130, 180};
constexpr Colour k_accent{214, 96, 77};

const char* k_style = R"css(
body { font-family: "Noto Sans CJK SC", "Noto Sans", "Helvetica Neue", Arial, sans-serif; margin: 24px auto; max-width: 1100px; color: #222; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin-bottom: 6px; }
.meta { color: #555; font-size: 13px; } .meta code { font-size: 12px; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0; }
th, td { border-bottom: 1px solid #e6e6e6; padding: 4px 8px; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.formula { color: #555; font-size: 12px; }
.yes { color: #1a7f37; font-weight: 600; } .no { color: #b42318; font-weight: 600; } .maybe { color: #9a6700; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; } .chart { border: 1px solid #eee; padding: 8px; }
.legend span { display: inline-block; margin-right: 14px; font-size: 12px; }
.swatch { display: inline-block; width: 12px; height: 12px; vertical-align: -2px; margin-right: 4px; }
pre { background: #f6f8fa; padding: 12px; overflow: auto; font-size: 12px; max-height: 420px; }
footer { margin-top: 40px; color: #777; font-size: 12px; }
)css";

std::string page_head(const std::string& title) {
    return "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
           "content=\"width=device-width, initial-scale=1\">\n<title>" +
           escape(title) + "</title>\n<style>" + k_style + "</style>\n</head>\n<body>\n";
}

std::string page_foot(const json& result) {
    return "<footer>KioskTwin " + escape(result.value("kiosktwin_version", std::string("?"))) +
           " — GB/T 47483-2026 self-service kiosks. Exports beside this file: CSV, JSON and PNG.</footer>\n</body>\n</html>\n";
}

// ---------------------------------------------------------------- charts ---

// A bar chart of values by label, with optional ± half-widths drawn as whiskers.
std::string bar_chart(const std::string& title, const std::vector<std::string>& labels, const std::vector<double>& values,
                      const std::string& unit, const std::vector<double>& half_widths = {}, int width = 520) {
    const int height = 240, left = 56, right = 12, top = 28, bottom = 44;
    Drawing d(width, height);
    double top_value = 0;
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double hw = i < half_widths.size() && std::isfinite(half_widths[i]) ? half_widths[i] : 0;
        if (std::isfinite(values[i])) top_value = std::max(top_value, values[i] + hw);
    }
    if (top_value <= 0) top_value = 1;
    // A round scale: 1, 2 or 5 × 10^k per grid step, four to eight steps.
    const double raw_step = top_value / 5;
    const double mag = std::pow(10.0, std::floor(std::log10(raw_step)));
    const double step = raw_step / mag <= 1 ? mag : raw_step / mag <= 2 ? 2 * mag : raw_step / mag <= 5 ? 5 * mag : 10 * mag;
    const double scale_top = std::ceil(top_value / step) * step;
    const double plot_h = height - top - bottom, plot_w = width - left - right;
    auto y_of = [&](double v) { return top + plot_h * (1 - v / scale_top); };
    d.text(left, 16, title + (unit.empty() ? "" : " (" + unit + ")"), 13, "start", k_ink);
    for (double v = 0; v <= scale_top + step / 2; v += step) {
        d.line(left, y_of(v), width - right, y_of(v), 1, k_grid);
        d.text(left - 6, y_of(v) + 4, fixed(v, step >= 1 ? 0 : step >= 0.1 ? 1 : 2), 10, "end", k_ink);
    }
    const double slot = plot_w / static_cast<double>(std::max<std::size_t>(1, values.size()));
    const std::size_t every = labels.size() > 24 ? (labels.size() + 11) / 12 : labels.size() > 12 ? 2 : 1;
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double x = left + slot * static_cast<double>(i);
        if (std::isfinite(values[i]) && values[i] > 0)
            d.rect(x + slot * 0.15, y_of(values[i]), slot * 0.7, y_of(0) - y_of(values[i]), k_bar, {},
                   labels[i] + ": " + figure(values[i]) + " " + unit);
        if (i < half_widths.size() && std::isfinite(half_widths[i]) && std::isfinite(values[i]) && half_widths[i] > 0) {
            const double cx = x + slot / 2;
            d.line(cx, y_of(values[i] + half_widths[i]), cx, y_of(std::max(0.0, values[i] - half_widths[i])), 1.5, k_ink);
            d.line(cx - 4, y_of(values[i] + half_widths[i]), cx + 4, y_of(values[i] + half_widths[i]), 1.5, k_ink);
        }
        if (i % every == 0) d.text(x + slot / 2, height - bottom + 14, labels[i], 10, "middle", k_ink);
    }
    d.line(left, y_of(0), width - right, y_of(0), 1, k_ink);
    return "<div class=\"chart\">" + d.svg() + "</div>\n";
}

std::vector<std::string> hour_labels() {
    std::vector<std::string> out;
    for (int h = 0; h < 24; ++h) out.push_back(std::to_string(h));
    return out;
}

// Kiosks × hours of the day, coloured by utilisation.
Drawing heat_map(const RunSeries& s) {
    const int cell_w = 26, cell_h = 16, left = 110, top = 30;
    const int width = left + 24 * cell_w + 80;
    const int height = top + static_cast<int>(s.kiosks.size()) * cell_h + 40;
    Drawing d(width, height);
    d.text(left, 16, "kiosk utilisation by hour of the day (share of the hour held by a citizen)", 13, "start", k_ink);
    for (std::size_t k = 0; k < s.kiosks.size(); ++k) {
        const double y = top + static_cast<double>(k) * cell_h;
        d.text(left - 6, y + cell_h - 4, s.kiosks[k], 10, "end", k_ink);
        for (std::size_t h = 0; h < 24; ++h)
            d.rect(left + static_cast<double>(h) * cell_w, y, cell_w - 1, cell_h - 1, heat_colour(s.utilisation[k][h]), {},
                   s.kiosks[k] + " " + std::to_string(h) + ":00 — " + fixed(100 * s.utilisation[k][h], 0) + " %");
    }
    const double bottom = top + static_cast<double>(s.kiosks.size()) * cell_h;
    for (int h = 0; h < 24; h += 2) d.text(left + h * cell_w + cell_w / 2.0, bottom + 14, std::to_string(h), 10, "middle", k_ink);
    for (int i = 0; i <= 4; ++i) {
        const double y = top + i * 14.0;
        d.rect(width - 70, y, 14, 13, heat_colour(1 - i / 4.0));
        d.text(width - 52, y + 11, std::to_string(100 - 25 * i) + " %", 10, "start", k_ink);
    }
    return d;
}

Colour cause_colour(const std::string& cause) {
    if (cause == "peripheral") return {214, 96, 77};
    if (cause == "network") return {67, 147, 195};
    if (cause == "software") return {153, 112, 171};
    if (cause == "power") return {90, 90, 90};
    return {230, 171, 2};
}

// Fault tickets along the horizon, a row per kiosk.
std::string fault_timeline(const RunSeries& s) {
    const int left = 110, top = 30, row_h = 16, width = 900;
    const int height = top + static_cast<int>(s.kiosks.size()) * row_h + 40;
    Drawing d(width, height);
    const double hours = std::max(1.0, s.days * 24);
    const double plot_w = width - left - 16;
    auto x_of = [&](double h) { return left + plot_w * std::clamp(h / hours, 0.0, 1.0); };
    d.text(left, 16, "fault tickets of replication 1, from the fault to its resolution", 13, "start", k_ink);
    for (double day = 0; day <= s.days + 1e-9; day += 1) {
        d.line(x_of(day * 24), top - 4, x_of(day * 24), top + static_cast<double>(s.kiosks.size()) * row_h, 1, k_grid);
        if (day < s.days) d.text(x_of(day * 24 + 12), height - 16, "day " + fixed(day + 1, 0), 10, "middle", k_ink);
    }
    std::map<std::string, std::size_t> row;
    for (std::size_t k = 0; k < s.kiosks.size(); ++k) {
        row[s.kiosks[k]] = k;
        d.text(left - 6, top + static_cast<double>(k) * row_h + row_h - 4, s.kiosks[k], 10, "end", k_ink);
    }
    for (const auto& t : s.tickets) {
        const auto r = row.find(t.kiosk);
        if (r == row.end()) continue;
        const double x1 = x_of(t.from_h), x2 = std::max(x_of(t.to_h), x1 + 2);
        d.rect(x1, top + static_cast<double>(r->second) * row_h + 2, x2 - x1, row_h - 4, cause_colour(t.root_cause), {},
               t.kiosk + " " + t.root_cause + " " + t.device + " " + t.fault + ": " + fixed(t.to_h - t.from_h, 1) + " h");
    }
    std::string legend = "<div class=\"legend\">";
    for (const char* c : {"peripheral", "network", "software", "power"})
        legend += std::string("<span><i class=\"swatch\" style=\"background:") + cause_colour(c).css() + "\"></i>" + c + "</span>";
    legend += "<span>" + std::to_string(s.tickets.size()) + " tickets</span></div>";
    return "<div class=\"chart\">" + d.svg() + legend + "</div>\n";
}

// A site's floor: walls, entrances, queue areas, help desks, kiosks coloured by their utilisation.
Drawing floor_drawing(const world::SiteSpec& site, const RunSeries* series) {
    world::FloorPlan plan = site.plan.empty() ? world::simple_plan(site.kiosks.size()) : site.plan;
    if (plan.kiosks.empty()) plan.kiosks = world::row_of_kiosks(plan, site.kiosks.size());
    const double scale = std::min(640.0 / plan.width_m, 380.0 / plan.depth_m);
    const int margin = 20;
    const int width = static_cast<int>(plan.width_m * scale) + 2 * margin;
    const int height = static_cast<int>(plan.depth_m * scale) + 2 * margin + 16;
    Drawing d(width, height, {250, 250, 247});
    auto X = [&](double x) { return margin + x * scale; };
    auto Y = [&](double y) { return margin + 16 + y * scale; };
    d.text(margin, 14, site.id + " " + site.name + (site.plan.empty() ? " (no plan given: a plain room)" : ""), 12, "start", k_ink);
    d.frame(X(0), Y(0), plan.width_m * scale, plan.depth_m * scale, 1, {160, 160, 160});
    for (const auto& a : plan.queue_areas)
        d.frame(X(std::min(a.from.x, a.to.x)), Y(std::min(a.from.y, a.to.y)), std::fabs(a.to.x - a.from.x) * scale,
                std::fabs(a.to.y - a.from.y) * scale, 1.5, {67, 147, 195});
    for (const auto& w : plan.walls) d.line(X(w.from.x), Y(w.from.y), X(w.to.x), Y(w.to.y), 4, k_ink);
    for (const auto& e : plan.entrances) d.disc(X(e.x), Y(e.y), 7, {26, 127, 55}, "entrance");
    for (const auto& h : plan.help_desks) d.disc(X(h.x), Y(h.y), 6, {67, 147, 195}, "帮办 help desk");
    const double size = std::max(14.0, std::min(28.0, 0.9 * scale));
    for (std::size_t k = 0; k < site.kiosks.size() && k < plan.kiosks.size(); ++k) {
        const std::string terminal = site.id + "-" + site.kiosks[k].id;
        double busy = 0;
        if (series) {
            const auto it = std::find(series->kiosks.begin(), series->kiosks.end(), terminal);
            if (it != series->kiosks.end()) {
                const auto& row = series->utilisation[static_cast<std::size_t>(it - series->kiosks.begin())];
                for (double u : row) busy += u;
                busy /= 24;
            }
        }
        const Colour fill = series ? heat_colour(std::min(1.0, busy * 2)) : Colour{200, 220, 255};
        d.rect(X(plan.kiosks[k].x) - size / 2, Y(plan.kiosks[k].y) - size / 2, size, size, fill, site.kiosks[k].id,
               terminal + (series ? ": held by citizens " + fixed(100 * busy, 1) + " % of the day" : ""));
    }
    return d;
}

// The keys of a result's metrics in the study's own order (site_metrics(),
// hall_metrics()), then any others.
std::vector<std::string> ordered_keys(const json& metrics) {
    std::vector<std::string> keys;
    for (const auto* defs : {&analysis::site_metrics(), &analysis::hall_metrics()}) {
        bool covers = true;
        for (auto it = metrics.begin(); it != metrics.end(); ++it)
            covers = covers && std::any_of(defs->begin(), defs->end(),
                                           [&](const analysis::MetricDef& d) { return d.key == it.key(); });
        if (!covers) continue;
        for (const analysis::MetricDef& d : *defs)
            if (metrics.contains(d.key)) keys.push_back(d.key);
        break;
    }
    for (const auto& [key, m] : metrics.items())
        if (std::find(keys.begin(), keys.end(), key) == keys.end()) keys.push_back(key);
    return keys;
}

std::string metric_rows(const json& metrics) {
    std::string out;
    for (const std::string& key : ordered_keys(metrics)) {
        const json& m = field(metrics, key.c_str());
        const json& ci = field(m, "ci95");
        out += "<tr><td>" + escape(m.value("label", key)) + "<br><code>" + escape(key) + "</code></td><td class=\"n\">" +
               figure(number_or_nan(field(m, "mean"))) + "</td><td class=\"n\">" +
               (field(m, "ci95_half_width").is_number() ? "± " + figure(field(m, "ci95_half_width").get<double>()) : "–") +
               "</td><td class=\"n\">" +
               (ci.is_array() ? "[" + figure(ci[0].get<double>()) + ", " + figure(ci[1].get<double>()) + "]" : "–") +
               "</td><td>" + escape(m.value("unit", "")) + "</td><td class=\"formula\">" + escape(m.value("formula", "")) +
               "</td><td>" + escape(m.value("requirement", "")) + "</td></tr>\n";
    }
    return out;
}

std::string scenario_block(const json& scenario) {
    return "<details><summary>The effective scenario (every setting, defaults filled in)</summary><pre>" +
           escape(scenario.dump(2)) + "</pre></details>\n";
}

}  // namespace

Report run_report(const json& result, const world::SiteScenario& scenario, const RunSeries& series) {
    Report rep;
    const json& sc = result.at("scenario");
    const json& res = result.at("results");
    const std::string name = sc.value("name", std::string("run"));
    std::string h = page_head("KioskTwin — " + name);
    h += "<h1>Run of site scenario “" + escape(name) + "”</h1>\n";
    h += "<p class=\"meta\">" + escape(scenario.description) + "</p>\n";
    h += "<p class=\"meta\">file <code>" + escape(sc.value("file", "")) + "</code> · sha256 <code>" +
         escape(sc.value("sha256", "")) + "</code> · seed " + std::to_string(result.value("seed", std::uint64_t{0})) + " · " +
         std::to_string(result.value("replications", 0)) + " replications of " + figure(result.value("horizon_days", 0.0)) +
         " days</p>\n";

    h += "<h2>Clause-10 metrics (R-10.1-1)</h2>\n<p class=\"meta\">Mean over the replications with the half-width of "
         "its 95 % confidence interval; each metric states its formula and clause.</p>\n";
    h += "<table><tr><th>metric</th><th class=\"n\">mean</th><th class=\"n\">± 95 %</th><th class=\"n\">95 % "
         "CI</th><th>unit</th><th>formula</th><th>clause</th></tr>\n" +
         metric_rows(res.at("metrics")) + "</table>\n";
    if (res.contains("targets")) {
        h += "<h2>Reference targets (R-10.1-2)</h2>\n<table><tr><th>target</th><th>rule</th><th class=\"n\">estimate</th><th>verdict</th></tr>\n";
        for (const auto& [key, t] : field(res, "targets").items()) {
            const bool met = t.value("met", false), sure = t.value("confident", false);
            h += "<tr><td>" + escape(key) + "</td><td>" + escape(t.value("rule", "")) + " " +
                 figure(number_or_nan(field(t, "target"))) + " %</td><td class=\"n\">" + figure(number_or_nan(field(t, "estimate"))) +
                 " %</td><td class=\"" + (sure ? (met ? "yes" : "no") : "maybe") + "\">" +
                 (met ? (sure ? "met" : "met (within the CI's uncertainty)") : (sure ? "NOT met" : "not met (within the CI's uncertainty)")) +
                 "</td></tr>\n";
        }
        h += "</table>\n";
    }

    h += "<h2>Over the day</h2>\n<p class=\"meta\">Per day of service, averaged over " + std::to_string(series.replications) +
         " replications of " + figure(series.days) + " days; hours in the scenario's civil time.</p>\n<div class=\"charts\">\n";
    const auto hours = hour_labels();
    h += bar_chart("citizens arriving by hour", hours, {series.arrivals.begin(), series.arrivals.end()}, "citizens/day");
    h += bar_chart("mean wait of those served, by arrival hour", hours, {series.wait_mean_min.begin(), series.wait_mean_min.end()}, "min");
    h += bar_chart("citizens waiting (queue length), time-average", hours, {series.queue.begin(), series.queue.end()}, "citizens");
    std::vector<std::string> fate_labels, kind_labels;
    std::vector<double> fate_values, kind_values;
    for (const auto& [k, v] : series.fates) {
        fate_labels.push_back(k);
        fate_values.push_back(v);
    }
    for (const auto& [k, v] : series.sessions) {
        kind_labels.push_back(k);
        kind_values.push_back(v);
    }
    h += bar_chart("citizens by outcome", fate_labels, fate_values, "per replication", {}, 360);
    h += bar_chart("kiosk sessions by outcome", kind_labels, kind_values, "per replication", {}, 420);
    h += "</div>\n";

    const Drawing heat = heat_map(series);
    h += "<h2>Utilisation per kiosk and hour</h2>\n<div class=\"chart\">" + heat.svg() + "</div>\n";
    rep.binary_files["-heatmap.png"] = heat.png();
    h += "<h2>Fault timeline (R-10.3-1)</h2>\n" + fault_timeline(series);

    h += "<h2>Floor plans</h2>\n<p class=\"meta\">Walls (dark), entrances (green), queue areas (dashed blue), 帮办 help "
         "desks (blue), kiosks coloured by the share of the day citizens held them. The same drawings are the PNG "
         "files beside this report.</p>\n<div class=\"charts\">\n";
    for (const world::SiteSpec& site : scenario.world.sites) {
        const Drawing floor = floor_drawing(site, &series);
        h += "<div class=\"chart\">" + floor.svg() + "</div>\n";
        rep.binary_files["-floor-" + site.id + ".png"] = floor.png();
    }
    h += "</div>\n";
    h += "<h2>Scenario</h2>\n" + scenario_block(sc.value("effective", json::object()));
    h += page_foot(result);
    rep.html = std::move(h);

    // Exports beside the HTML.
    std::string kpis = "metric,label,unit,mean,ci95_half_width,ci95_lo,ci95_hi,min,max,formula,requirement\n";
    for (const std::string& key : ordered_keys(res.at("metrics"))) {
        const json& m = field(field(res, "metrics"), key.c_str());
        const json& ci = field(m, "ci95");
        kpis += csv_field(key) + "," + csv_field(m.value("label", "")) + "," + csv_field(m.value("unit", "")) + "," +
                csv_number(number_or_nan(field(m, "mean"))) + "," + csv_number(number_or_nan(field(m, "ci95_half_width"))) + "," +
                (ci.is_array() ? csv_number(ci[0].get<double>()) + "," + csv_number(ci[1].get<double>()) : ",") + "," +
                csv_number(number_or_nan(field(m, "min"))) + "," + csv_number(number_or_nan(field(m, "max"))) + "," +
                csv_field(m.value("formula", "")) + "," + csv_field(m.value("requirement", "")) + "\n";
    }
    rep.text_files["-kpis.csv"] = kpis;
    std::string hourly = "hour,arrivals_per_day,wait_mean_min,queue_mean\n";
    for (std::size_t hr = 0; hr < 24; ++hr)
        hourly += std::to_string(hr) + "," + csv_number(series.arrivals[hr]) + "," + csv_number(series.wait_mean_min[hr]) +
                  "," + csv_number(series.queue[hr]) + "\n";
    rep.text_files["-hourly.csv"] = hourly;
    std::string heat_csv = "kiosk";
    for (int hr = 0; hr < 24; ++hr) {
        heat_csv += ",h";
        heat_csv += std::to_string(hr);
    }
    heat_csv += "\n";
    for (std::size_t k = 0; k < series.kiosks.size(); ++k) {
        heat_csv += csv_field(series.kiosks[k]);
        for (double u : series.utilisation[k]) {
            heat_csv += ',';
            heat_csv += csv_number(u);
        }
        heat_csv += "\n";
    }
    rep.text_files["-heatmap.csv"] = heat_csv;
    std::string tickets = "kiosk,device,fault,root_cause,from_h,to_h\n";
    for (const auto& t : series.tickets)
        tickets += csv_field(t.kiosk) + "," + csv_field(t.device) + "," + csv_field(t.fault) + "," + csv_field(t.root_cause) +
                   "," + csv_number(t.from_h) + "," + csv_number(t.to_h) + "\n";
    rep.text_files["-tickets.csv"] = tickets;
    rep.text_files[".json"] = result.dump(2) + "\n";
    return rep;
}

Report comparison_report(const json& result) {
    Report rep;
    const json& res = result.at("results");
    const json& variants = result.at("variants");
    const json& rv = res.at("variants");
    const std::string name = result.value("name", std::string("comparison"));
    std::string h = page_head("KioskTwin — comparison of " + name);
    h += "<h1>Comparison of " + std::to_string(variants.size()) + " variants of “" + escape(name) + "”</h1>\n";
    h += "<p class=\"meta\">" + std::to_string(result.value("replications", 0)) + " replications each, " +
         (result.value("common_random_numbers", true) ? "on common random numbers" : "on independent seeds") + " · seed " +
         std::to_string(result.value("seed", std::uint64_t{0})) + " · " + escape(result.value("kind", "")) + " model</p>\n";
    h += "<h2>Variants</h2>\n<table><tr><th>#</th><th>variant</th><th>scenario</th><th>settings</th><th>sha256</th><th "
         "class=\"n\">seed</th></tr>\n";
    for (std::size_t v = 0; v < variants.size(); ++v) {
        std::string sets;
        for (const auto& o : field(variants[v], "overrides")) sets += "<code>" + escape(o.get<std::string>()) + "</code> ";
        h += "<tr><td>" + std::to_string(v + 1) + "</td><td>" + escape(variants[v].value("label", "")) +
             (v == 0 ? " (baseline)" : "") + "</td><td><code>" + escape(variants[v].value("file", "")) + "</code></td><td>" +
             sets + "</td><td><code>" + escape(variants[v].value("sha256", "").substr(0, 16)) + "…</code></td><td class=\"n\">" +
             std::to_string(variants[v].value("seed", std::uint64_t{0})) + "</td></tr>\n";
    }
    h += "</table>\n";
    if (res.contains("goal")) {
        const json& g = field(res, "goal");
        h += "<p><b>Goal " + escape(g.value("goal", "")) + ":</b> " +
             (field(g, "variant").is_string() ? "the first variant to meet it is <b>" + escape(field(g, "variant").get<std::string>()) + "</b>" +
                                             (g.value("confident", false) ? " (its whole 95 % interval meets it)" : " (within its interval's uncertainty)")
                                       : std::string("no variant meets it")) +
             "</p>\n";
    }

    // Means with whiskers, a chart per metric.
    h += "<h2>Means with their 95 % intervals</h2>\n<div class=\"charts\">\n";
    std::vector<std::string> labels;
    for (const auto& v : rv) labels.push_back(v.value("label", ""));
    const json& first = rv.at(0).at("metrics");
    const std::vector<std::string> keys = ordered_keys(first);
    for (const std::string& key : keys) {
        const json& m0 = field(first, key.c_str());
        std::vector<double> means, hws;
        for (const auto& v : rv) {
            means.push_back(number_or_nan(field(field(field(v, "metrics"), key.c_str()), "mean")));
            hws.push_back(number_or_nan(field(field(field(v, "metrics"), key.c_str()), "ci95_half_width")));
        }
        h += bar_chart(m0.value("label", key), labels, means, m0.value("unit", ""), hws, 330);
    }
    h += "</div>\n";

    h += "<h2>Means</h2>\n<table><tr><th>metric</th><th>unit</th>";
    for (const auto& l : labels) h += "<th class=\"n\">" + escape(l) + "</th>";
    h += "</tr>\n";
    for (const std::string& key : keys) {
        const json& m0 = field(first, key.c_str());
        h += "<tr><td>" + escape(m0.value("label", key)) + "<br><code>" + escape(key) + "</code></td><td>" +
             escape(m0.value("unit", "")) + "</td>";
        for (const auto& v : rv) {
            const json& m = field(field(v, "metrics"), key.c_str());
            h += "<td class=\"n\">" + figure(number_or_nan(field(m, "mean"))) +
                 (field(m, "ci95_half_width").is_number() ? " ± " + figure(field(m, "ci95_half_width").get<double>()) : "") + "</td>";
        }
        h += "</tr>\n";
    }
    h += "</table>\n";

    h += "<h2>Paired differences from " + escape(labels.front()) + "</h2>\n<p class=\"meta\">Variant − baseline, "
         "replication by replication, with the 95 % interval of the mean difference and the paired t test's p-value; "
         "<span class=\"yes\">significant</span> when the interval excludes 0 (** also with Bonferroni's correction for "
         "the comparisons made). “n for ± " + figure(100 * result.value("precision", 0.05)) +
         " %”: replications the interval needs to be that narrow, relative to the baseline's mean.</p>\n";
    h += "<table><tr><th>metric</th>";
    for (std::size_t v = 1; v < labels.size(); ++v)
        h += "<th class=\"n\">" + escape(labels[v]) + "</th><th class=\"n\">p</th><th class=\"n\">n for ± " +
             figure(100 * result.value("precision", 0.05)) + " %</th>";
    h += "</tr>\n";
    std::string diffs_csv = "variant,baseline,metric,mean,ci95_half_width,ci95_lo,ci95_hi,relative,p_value,significant,"
                            "significant_adjusted,replications_needed\n";
    for (const std::string& key : keys) {
        const json& m0 = field(first, key.c_str());
        h += "<tr><td>" + escape(m0.value("label", key)) + "</td>";
        for (const auto& d : res.at("differences")) {
            const json& x = field(field(d, "metrics"), key.c_str());
            const bool sig = x.value("significant", false), adj = x.value("significant_adjusted", false);
            h += "<td class=\"n" + std::string(sig ? " yes" : "") + "\">" + figure(number_or_nan(field(x, "mean"))) +
                 (field(x, "ci95_half_width").is_number() ? " ± " + figure(field(x, "ci95_half_width").get<double>()) : "") +
                 (adj ? " **" : sig ? " *" : "") + "</td><td class=\"n\">" + fixed(number_or_nan(field(x, "p_value")), 3) +
                 "</td><td class=\"n\">" + (field(x, "replications_needed").is_number() ? std::to_string(field(x, "replications_needed").get<std::int64_t>()) : "–") +
                 "</td>";
            const json& ci = field(x, "ci95");
            diffs_csv += csv_field(d.value("variant", "")) + "," + csv_field(d.value("baseline", "")) + "," + csv_field(key) + "," +
                         csv_number(number_or_nan(field(x, "mean"))) + "," + csv_number(number_or_nan(field(x, "ci95_half_width"))) + "," +
                         (ci.is_array() ? csv_number(ci[0].get<double>()) + "," + csv_number(ci[1].get<double>()) : ",") + "," +
                         csv_number(number_or_nan(field(x, "relative"))) + "," + csv_number(number_or_nan(field(x, "p_value"))) + "," +
                         (sig ? "1" : "0") + "," + (adj ? "1" : "0") + "," +
                         (field(x, "replications_needed").is_number() ? std::to_string(field(x, "replications_needed").get<std::int64_t>()) : "") + "\n";
        }
        h += "</tr>\n";
    }
    h += "</table>\n";
    h += "<h2>Metric definitions</h2>\n<table><tr><th>metric</th><th>formula</th><th>clause</th></tr>\n";
    for (const std::string& key : keys) {
        const json& m0 = field(first, key.c_str());
        h += "<tr><td><code>" + escape(key) + "</code> " + escape(m0.value("label", "")) + "</td><td class=\"formula\">" +
             escape(m0.value("formula", "")) + "</td><td>" + escape(m0.value("requirement", "")) + "</td></tr>\n";
    }
    h += "</table>\n";
    h += page_foot(result);
    rep.html = std::move(h);

    std::string means_csv = "variant,metric,mean,ci95_half_width,min,max\n";
    for (const auto& v : rv)
        for (const auto& [key, m] : field(v, "metrics").items())
            means_csv += csv_field(v.value("label", "")) + "," + csv_field(key) + "," + csv_number(number_or_nan(field(m, "mean"))) + "," +
                         csv_number(number_or_nan(field(m, "ci95_half_width"))) + "," + csv_number(number_or_nan(field(m, "min"))) + "," +
                         csv_number(number_or_nan(field(m, "max"))) + "\n";
    rep.text_files["-means.csv"] = means_csv;
    rep.text_files["-differences.csv"] = diffs_csv;
    rep.text_files[".json"] = result.dump(2) + "\n";
    return rep;
}

// ------------------------------------------------------------- placement ---

Drawing placement_map(const placement::City& city, const std::vector<std::string>& chosen, int width) {
    const placement::Problem& p = city.problem;
    const placement::CityMap map = placement::city_map(city);
    const double margin = 20;
    const double scale = (width - 2 * margin) / std::max(1.0, map.x1 - map.x0);
    const int height = static_cast<int>(std::ceil((map.y1 - map.y0) * scale + 2 * margin + 24));
    Drawing d(width, height, Colour{250, 250, 247});
    auto X = [&](double x) { return margin + (x - map.x0) * scale; };
    auto Y = [&](double y) { return margin + 24 + (map.y1 - y) * scale; };  // north up

    const double block = map.block_m;
    for (const auto& b : map.blocks)
        d.rect(X(b.x), Y(b.y + block), block * scale + 0.6, block * scale + 0.6,
               heat_colour(map.max_block > 0 ? std::sqrt(b.visits_day / map.max_block) : 0), {},
               fixed(b.visits_day, 1) + " visits a day");
    for (const auto& label : map.districts) d.text(X(label.x), Y(label.y) - 14, label.name, 12, "middle", Colour{30, 30, 30});
    const Colour candidate{120, 120, 120}, existing{33, 80, 160}, picked{200, 30, 45};
    std::map<std::string, std::size_t> rank;
    for (std::size_t r = 0; r < chosen.size(); ++r) rank[chosen[r]] = r + 1;
    for (const auto& k : p.candidates)
        if (!k.existing && !rank.count(k.id)) d.disc(X(k.x), Y(k.y), 2, candidate, k.id + " " + k.name + " (" + k.venue + ")");
    for (const auto& k : p.candidates)
        if (k.existing) {
            d.ring(X(k.x), Y(k.y), placement::radius_at(p, k.x, k.y) * scale, 1.5, existing);
            d.rect(X(k.x) - 5, Y(k.y) - 5, 10, 10, existing, {}, k.id + " " + k.name + " (existing)");
        }
    for (const auto& k : p.candidates) {
        const auto r = rank.find(k.id);
        if (r == rank.end()) continue;
        d.ring(X(k.x), Y(k.y), placement::radius_at(p, k.x, k.y) * scale, 2, picked);
        d.disc(X(k.x), Y(k.y), 5, picked, "#" + std::to_string(r->second) + " " + k.id + " " + k.name + " (" + k.venue + ")");
        d.text(X(k.x) + 7, Y(k.y) - 6, std::to_string(r->second), 11, "start", picked);
    }
    // Scale bar: 1 km.
    d.line(margin, 14, margin + 1000 * scale, 14, 2, k_ink);
    d.text(margin + 1000 * scale + 6, 18, "1 km", 11, "start", k_ink);
    return d;
}

Report placement_report(const json& result, const placement::City& city) {
    Report out;
    const json& sol = field(result, "solution");
    const json& cov = field(result, "coverage");
    const json& prob = field(result, "problem");
    const json& sites = field(result, "sites");
    const json& sim = field(result, "simulation");
    std::vector<std::string> chosen;
    for (const json& s : sites)
        if (!s.value("existing", false)) chosen.push_back(s.value("id", std::string()));

    std::string h = page_head("Placement — " + city.name);
    h += "<h1>Where the next kiosks go — " + escape(city.name) + "</h1>\n<p class=\"meta\">" +
         escape(field(result, "city").value("file", std::string())) + " · sha256 <code>" +
         escape(field(result, "city").value("sha256", std::string())) + "</code>" +
         (field(result, "city").contains("district") && !field(result, "city")["district"].is_null()
              ? " · district " + escape(field(result, "city")["district"].dump())
              : std::string()) +
         "</p>\n<p class=\"meta\">" + escape(city.description) + "</p>\n";

    h += "<h2>The answer</h2>\n<table>\n";
    auto row = [&](const std::string& k, const std::string& v) { h += "<tr><th>" + k + "</th><td class=\"n\">" + v + "</td></tr>\n"; };
    const std::string objective = prob.value("objective", std::string());
    row("Objective", escape(objective == "max_cover" ? "maximal covering (visits a day within the 15-minute circle)"
                                                     : "p-median (demand-weighted distance to the nearest site)"));
    row("Method", escape(sol.value("method", std::string())) +
                      (sol.value("optimal", false) ? " — <span class=\"yes\">proven optimal</span>" : std::string()));
    row("Value / bound", fixed(number_or_nan(field(sol, "value")), 1) + " / " + fixed(number_or_nan(field(sol, "bound")), 1) +
                             (objective == "max_cover" ? " visits a day" : " visit-km a day"));
    row("Gap to the bound", fixed(100 * number_or_nan(field(sol, "gap")), 2) + " %");
    row("New sites", std::to_string(chosen.size()) + " (asked: " + prob.value("sites", json(0)).dump() + ", at least " +
                         prob.value("min_24h", json(0)).dump() + " able to host a 24-hour room; chosen: " +
                         cov.value("sites_24h", json(0)).dump() + ")");
    row("Cost / budget", fixed(number_or_nan(field(cov, "cost")), 0) + " / " + fixed(number_or_nan(field(prob, "budget")), 0));
    row("Visits a day covered", fixed(number_or_nan(field(cov, "covered_before_day")), 0) + " → " +
                                    fixed(number_or_nan(field(cov, "covered_visits_day")), 0) + " of " +
                                    fixed(number_or_nan(field(cov, "total_visits_day")), 0) + " (" +
                                    fixed(100 * number_or_nan(field(cov, "covered_before_share")), 1) + " % → " +
                                    fixed(100 * number_or_nan(field(cov, "covered_share")), 1) + " %)");
    row("Mean distance to the nearest site", fixed(number_or_nan(field(cov, "mean_distance_before_m")), 0) + " m → " +
                                                 fixed(number_or_nan(field(cov, "mean_distance_m")), 0) + " m");
    h += "</table>\n";

    h += "<h2>The map</h2>\n<div class=\"legend\"><span><i class=\"swatch\" style=\"background:" + heat_colour(0.8).css() +
         "\"></i>demand (visits a day, 400 m blocks)</span><span><i class=\"swatch\" style=\"background:#2150a0\"></i>existing "
         "site and its circle</span><span><i class=\"swatch\" style=\"background:#c81e2d\"></i>chosen site, rank and circle "
         "(R-10.4-1: 500 m centre, 1 km fringe, 2 km township)</span><span><i class=\"swatch\" "
         "style=\"background:#787878\"></i>candidate</span></div>\n";
    const Drawing map = placement_map(city, chosen);
    h += "<div class=\"chart\">" + map.svg() + "</div>\n";
    out.binary_files["-map.png"] = map.png();

    const json& per_site = field(sim, "sites");
    auto simulated = [&](const std::string& id) -> const json& {
        static const json none;
        for (const json& k : per_site)
            if (k.value("id", std::string()) == id) return k;
        return none;
    };
    auto ci = [](const json& k, const char* key, int decimals) {
        const json& c = field(k, key);
        if (!c.is_object()) return std::string("–");
        const double hw = number_or_nan(field(c, "ci95_half_width"));
        return fixed(number_or_nan(field(c, "mean")), decimals) + (std::isfinite(hw) ? " ± " + fixed(hw, decimals) : std::string());
    };
    h += "<h2>Sites</h2>\n<p class=\"meta\">Ranked by what the objective loses without the site (" +
         std::string(objective == "max_cover" ? "visits a day only it covers" : "visit-km a day added") +
         "). Each site draws the visits of the cells whose nearest open site it is, within their radius" +
         (sim.is_object() ? "; simulated in the twin: " + sim.value("days", json(1)).dump() + " day(s) × " +
                                sim.value("replications", json(1)).dump() + " replications, 95 % intervals"
                          : std::string()) +
         ".</p>\n<table>\n<tr><th class=\"n\">#</th><th>Site</th><th>Venue</th><th class=\"n\">District</th><th class=\"n\">Cost</th>"
         "<th>24 h</th><th class=\"n\">Score</th><th class=\"n\">Visits/day</th><th class=\"n\">Kiosks</th>";
    if (sim.is_object())
        h += "<th class=\"n\">Arrivals/day</th><th class=\"n\">Mean wait, min</th><th class=\"n\">Gave up, %</th>"
             "<th class=\"n\">Waited &gt; target, %</th>";
    h += "</tr>\n";
    std::string csv = "rank,id,name,venue,district,x_m,y_m,cost,feasible_24h,existing,score,visits_day,cells,kiosks,"
                      "arrivals_day,wait_mean_min,wait_mean_ci95,gave_up_pct,gave_up_ci95,over_target_pct\n";
    for (const json& s : sites) {
        const std::string id = s.value("id", std::string());
        const json& k = simulated(id);
        const bool existing = s.value("existing", false);
        h += "<tr><td class=\"n\">" + (existing ? std::string("—") : s.value("rank", json(0)).dump()) + "</td><td>" + escape(id) +
             " " + escape(s.value("name", std::string())) + (existing ? " <span class=\"meta\">(existing)</span>" : "") +
             "</td><td>" + escape(s.value("venue", std::string())) + "</td><td class=\"n\">" + s.value("district", json(0)).dump() +
             "</td><td class=\"n\">" + fixed(number_or_nan(field(s, "cost")), 0) + "</td><td>" +
             (s.value("feasible_24h", false) ? "yes" : "") + "</td><td class=\"n\">" +
             (existing ? std::string("–") : fixed(number_or_nan(field(s, "score")), 1)) + "</td><td class=\"n\">" +
             fixed(number_or_nan(field(s, "visits_day")), 1) + "</td><td class=\"n\">" +
             (s.contains("kiosks") ? s["kiosks"].dump() : std::string("–")) + "</td>";
        if (sim.is_object())
            h += "<td class=\"n\">" + ci(k, "arrivals_day", 1) + "</td><td class=\"n\">" + ci(k, "wait_mean_min", 2) +
                 "</td><td class=\"n\">" + ci(k, "gave_up_pct", 1) + "</td><td class=\"n\">" + ci(k, "over_target_pct", 1) + "</td>";
        h += "</tr>\n";
        auto mean_of = [&](const char* key) { return csv_number(number_or_nan(field(field(k, key), "mean"))); };
        auto hw_of = [&](const char* key) { return csv_number(number_or_nan(field(field(k, key), "ci95_half_width"))); };
        csv += (existing ? std::string() : s.value("rank", json(0)).dump()) + "," + csv_field(id) + "," +
               csv_field(s.value("name", std::string())) + "," + csv_field(s.value("venue", std::string())) + "," +
               s.value("district", json(0)).dump() + "," + csv_number(number_or_nan(field(s, "x"))) + "," +
               csv_number(number_or_nan(field(s, "y"))) + "," + csv_number(number_or_nan(field(s, "cost"))) + "," +
               (s.value("feasible_24h", false) ? "1" : "0") + "," + (existing ? "1" : "0") + "," +
               csv_number(number_or_nan(field(s, "score"))) + "," + csv_number(number_or_nan(field(s, "visits_day"))) + "," +
               s.value("cells", json(0)).dump() + "," + (s.contains("kiosks") ? s["kiosks"].dump() : std::string()) + "," +
               mean_of("arrivals_day") + "," + mean_of("wait_mean_min") + "," + hw_of("wait_mean_min") + "," +
               mean_of("gave_up_pct") + "," + hw_of("gave_up_pct") + "," + mean_of("over_target_pct") + "\n";
    }
    h += "</table>\n";
    if (sim.is_object() && field(sim, "metrics").is_object()) {
        h += "<h2>The whole placement in the twin</h2>\n<table>\n<tr><th>Metric</th><th class=\"n\">Mean</th><th class=\"n\">± 95 %</th>"
             "<th class=\"n\">Interval</th><th>Unit</th><th>Formula</th><th>Clause</th></tr>\n" +
             metric_rows(sim["metrics"]) + "</table>\n";
    }
    h += "<h2>How it is worked out</h2>\n<ul class=\"meta\"><li>Demand: a cell's visits a day = residents × " +
         fixed(city.per_resident, 4) + " + passers-by × " + fixed(city.per_passer_by, 4) +
         "; by hour from the cell's land-use profile.</li><li>Coverage (R-10.4-1): a site covers the cells within their "
         "area's radius — centre " + fixed(city.problem.radius_m[0], 0) + " m, fringe " + fixed(city.problem.radius_m[1], 0) +
         " m, township " + fixed(city.problem.radius_m[2], 0) +
         " m.</li><li>Exact: the MIP by CBC (COIN-OR branch and cut); heuristic: greedy by gain per cost, then interchange, with "
         "the LP relaxation's bound (maximal covering) or a Lagrangian bound (p-median); the gap is |bound − value| / bound.</li>"
         "<li>Simulation: each open site is a site of the twin with its hourly demand (what falls in closed hours comes in "
         "open ones), hours by venue (a new site able to host one is a 24-hour room, R-10.4-2), kiosks sized so the busiest "
         "hour's load is at most 75 % of them unless given.</li></ul>\n";
    h += page_foot(result);
    out.html = std::move(h);
    out.text_files["-sites.csv"] = std::move(csv);
    out.text_files[".json"] = result.dump(2) + "\n";
    return out;
}

}  // namespace kiosktwin::report
