#include <kiosktwin/services/profile.hpp>

#include "text.hpp"

#include <kiosktwin/sim/special_functions.hpp>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <sstream>
#include <stdexcept>

namespace kiosktwin::services {

namespace {

using detail::cat;

[[noreturn]] void bad(const std::string& path, const std::string& what) {
    std::string msg = path;
    msg.append(": ").append(what);
    throw std::invalid_argument(msg);
}

double number_at(const nlohmann::json& obj, const char* key, const std::string& path, double min,
                 bool min_exclusive) {
    const auto& v = obj.at(key);
    std::string where = path;
    where.append("/").append(key);
    if (!v.is_number()) bad(where, cat("expected a number, got ", v.dump()));
    const double x = v.get<double>();
    if (!std::isfinite(x) || (min_exclusive ? !(x > min) : !(x >= min))) {
        std::ostringstream os;
        os << "expected a number " << (min_exclusive ? "> " : ">= ") << min << ", got " << v.dump();
        bad(where, os.str());
    }
    return x;
}

void refuse_unknown_keys(const nlohmann::json& obj, const std::string& path,
                         std::initializer_list<const char*> known) {
    for (const auto& [key, value] : obj.items()) {
        if (std::none_of(known.begin(), known.end(), [&](const char* k) { return key == k; })) {
            std::string where = path;
            where.append("/").append(key);
            std::string what = "unknown key (expected one of:";
            for (const char* k : known) what.append(" ").append(k);
            what.append(")");
            bad(where, what);
        }
    }
}

void check(const Latency& l, double error_rate) {
    if (l.shape == Latency::Shape::lognormal) {
        if (!(std::isfinite(l.median_ms) && l.median_ms > 0)) bad("/latency/median_ms", "expected a number > 0");
        if (!(std::isfinite(l.sigma) && l.sigma >= 0)) bad("/latency/sigma", "expected a number >= 0");
    } else {
        if (!(std::isfinite(l.mean_ms) && l.mean_ms >= 0)) bad("/latency/mean_ms", "expected a number >= 0");
        if (!(std::isfinite(l.sd_ms) && l.sd_ms >= 0)) bad("/latency/sd_ms", "expected a number >= 0");
    }
    if (!(error_rate >= 0 && error_rate <= 1)) bad("/error_rate", "expected a probability in [0, 1]");
}

double latency_ms(const Latency& l, double z) {
    if (l.shape == Latency::Shape::lognormal) return l.median_ms * std::exp(l.sigma * z);
    return std::max(0.0, l.mean_ms + l.sd_ms * z);
}

}  // namespace

double Latency::quantile_ms(double p) const {
    if (!(p > 0 && p < 1)) throw std::invalid_argument("quantile_ms: p must be in (0, 1)");
    return latency_ms(*this, sim::normal_quantile(p));
}

ServiceProfile::ServiceProfile(Latency latency, double error_rate, std::optional<link::Schedule> outages)
    : m_latency(latency), m_error_rate(error_rate), m_outages(std::move(outages)) {
    check(m_latency, m_error_rate);
}

ServiceProfile ServiceProfile::from_json(const nlohmann::json& j, sim::Time anchor, link::CivilWeek week) {
    if (j.is_null()) return {};
    if (!j.is_object()) bad("", cat("expected an object {\"latency\", \"error_rate\", \"outages\"}, got ", j.dump()));
    refuse_unknown_keys(j, "", {"latency", "error_rate", "outages"});

    Latency lat;
    if (j.contains("latency")) {
        const auto& l = j.at("latency");
        if (!l.is_object()) bad("/latency", cat("expected an object, got ", l.dump()));
        const bool log_form = l.contains("median_ms") || l.contains("sigma");
        const bool normal_form = l.contains("mean_ms") || l.contains("sd_ms");
        if (log_form && normal_form)
            bad("/latency", "give either {\"median_ms\", \"sigma\"} (log-normal) or {\"mean_ms\", \"sd_ms\"} (normal), not both");
        if (normal_form) {
            refuse_unknown_keys(l, "/latency", {"mean_ms", "sd_ms"});
            if (!l.contains("mean_ms")) bad("/latency/mean_ms", "missing (the normal form needs a mean)");
            lat.shape = Latency::Shape::normal;
            lat.mean_ms = number_at(l, "mean_ms", "/latency", 0, false);
            lat.sd_ms = l.contains("sd_ms") ? number_at(l, "sd_ms", "/latency", 0, false) : 0.0;
        } else {
            refuse_unknown_keys(l, "/latency", {"median_ms", "sigma"});
            if (l.contains("median_ms")) lat.median_ms = number_at(l, "median_ms", "/latency", 0, true);
            if (l.contains("sigma")) lat.sigma = number_at(l, "sigma", "/latency", 0, false);
        }
    }

    double error_rate = k_default_error_rate;
    if (j.contains("error_rate")) {
        error_rate = number_at(j, "error_rate", "", 0, false);
        if (error_rate > 1) bad("/error_rate", cat("expected a probability in [0, 1], got ", j.at("error_rate").dump()));
    }

    std::optional<link::Schedule> outages;
    if (j.contains("outages") && !j.at("outages").is_null()) {
        try {
            outages = link::Schedule::from_json(j.at("outages"), anchor, week);
        } catch (const std::invalid_argument& e) {
            bad("/outages", e.what());
        }
    }
    return ServiceProfile(lat, error_rate, std::move(outages));
}

nlohmann::json ServiceProfile::to_json() const {
    nlohmann::json lat;
    if (m_latency.shape == Latency::Shape::lognormal)
        lat = {{"median_ms", m_latency.median_ms}, {"sigma", m_latency.sigma}};
    else
        lat = {{"mean_ms", m_latency.mean_ms}, {"sd_ms", m_latency.sd_ms}};
    return {{"latency", lat},
            {"error_rate", m_error_rate},
            {"outages", m_outages ? m_outages->to_json() : nlohmann::json(nullptr)}};
}

bool ServiceProfile::in_outage(sim::Time now) const { return m_outages && m_outages->active(now); }

Draw ServiceProfile::draw(sim::Time now, sim::Rng& rng) const {
    // Inversion from one uniform each, so the stream advances by exactly two.
    const double z = sim::normal_quantile(rng.uniform01());
    const double u_error = rng.uniform01();
    Draw o;
    o.delay = sim::from_seconds(latency_ms(m_latency, z) / 1000.0);
    if (in_outage(now))
        o.unavailable = true;
    else
        o.failed = u_error < m_error_rate;
    return o;
}

std::string to_string(const ServiceProfile& p) {
    std::ostringstream os;
    const Latency& l = p.latency();
    if (l.shape == Latency::Shape::lognormal)
        os << "lognormal median " << l.median_ms << " ms sigma " << l.sigma;
    else
        os << "normal mean " << l.mean_ms << " ms sd " << l.sd_ms << " ms";
    os << ", errors " << p.error_rate() * 100 << "%, outages "
       << (p.outages() ? to_string(*p.outages()) : std::string("none"));
    return os.str();
}

}  // namespace kiosktwin::services
