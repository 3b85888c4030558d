#include <kiosktwin/devices/cameras.hpp>

#include <kiosktwin/protocol/base64.hpp>
#include <kiosktwin/sim/distributions.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <functional>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <unordered_map>

namespace kiosktwin::devices {

using nlohmann::json;
namespace ls = kiosktwin::protocol::local_service;
namespace proto = kiosktwin::protocol;
using ls::FieldSpec;
using ls::FieldType;
using ls::ServiceError;

namespace {

constexpr std::size_t k_recent_frames = 8;

double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

// Citizen IDs (17 digits and a check digit or X) inside text become
// "1101**********1234" (R-9.3-1: ID numbers are masked in logs).
std::string mask_ids(const std::string& text) {
    std::string out = text;
    const auto id_char = [](char c) { return (c >= '0' && c <= '9') || c == 'X' || c == 'x'; };
    for (std::size_t i = 0; i < out.size();) {
        if (!id_char(out[i])) {
            ++i;
            continue;
        }
        std::size_t j = i;
        while (j < out.size() && id_char(out[j])) ++j;
        const bool digits17 = std::all_of(out.begin() + static_cast<std::ptrdiff_t>(i),
                                          out.begin() + static_cast<std::ptrdiff_t>(std::min(j, i + 17)),
                                          [](char c) { return c >= '0' && c <= '9'; });
        if (j - i == 18 && digits17) out.replace(i + 4, 10, 10, '*');
        i = j;
    }
    return out;
}

json mask_all(const json& j) {
    if (j.is_string()) return mask_ids(j.get<std::string>());
    if (j.is_object() || j.is_array()) {
        json out = j;
        for (auto& v : out) v = mask_all(v);
        return out;
    }
    return j;
}

// The reply's data as it goes to a trace: images, templates and trajectories
// are replaced by their sizes (R-9.1-1: no face image or fingerprint kept),
// citizen IDs masked (R-9.3-1).
json redact_reply(const json& data) {
    if (!data.is_object()) return data;
    json out = mask_all(data);
    for (const char* key : {"image", "template", "points"}) {
        if (!out.contains(key)) continue;
        const json& v = out[key];
        // Built by appending: g++ 12 warns falsely (-Wrestrict) on "<" + std::string.
        std::string note(1, '<');
        note += std::to_string(v.is_string() ? v.get_ref<const std::string&>().size() : v.size());
        note += v.is_string() ? " chars>" : " items>";
        out[key] = note;
    }
    return out;
}

std::uint64_t hash_bytes(const Bytes& b) {
    return sim::fnv1a64(std::string_view(reinterpret_cast<const char*>(b.data()), b.size()));
}

// 1 as "1", 0.5 as "0.5" (for messages).
std::string num_text(double d) {
    if (d == std::floor(d) && std::fabs(d) < 1e15) return std::to_string(static_cast<long long>(d));
    return json(d).dump();
}

double draw(sim::Rng& rng, double mean, double sd) { return std::clamp(sim::Normal(mean, sd)(rng), 0.0, 1.0); }

// Rendering, measuring and encoding a synthetic frame costs far more than the
// rest of a capture, and what a frame shows depends only on the scene. So
// every camera of the process shares a bounded cache of encoded frames, and
// a camera cycles through k_variants noisy renderings of each scene: two
// consecutive frames always differ, as a real sensor's do, and a run stays
// reproducible whatever was cached before.
constexpr std::uint64_t k_variants = 16;
constexpr std::size_t k_cache_limit = 1024;

struct EncodedFrame {
    std::string base64;        // the PNG, Base64
    std::uint64_t hash = 0;    // of the PNG bytes
    std::uint32_t width = 0;
    std::uint32_t height = 0;
    double quality = 0;        // of the scene as the sensor saw it
    std::optional<std::array<proto::PointF, 4>> corners;  // documents: the page's corners in the frame
    std::shared_ptr<const EncodedFrame> cropped;          // documents: the upright page alone
};

std::shared_ptr<const EncodedFrame> cached_frame(const std::string& key,
                                                 const std::function<EncodedFrame()>& render) {
    static std::mutex mu;
    static std::unordered_map<std::string, std::shared_ptr<const EncodedFrame>> cache;
    std::lock_guard lock(mu);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
    if (cache.size() >= k_cache_limit) cache.clear();
    auto f = std::make_shared<const EncodedFrame>(render());
    cache.emplace(key, f);
    return f;
}

EncodedFrame encode(const proto::GreyImage& img, double quality) {
    const Bytes png = proto::to_png(img);
    return EncodedFrame{proto::base64_encode(png), hash_bytes(png), img.width, img.height, quality, std::nullopt, nullptr};
}

std::string effects_key(const proto::ImageEffects& fx) {
    return std::string(fx.glare ? "g" : "-") + (fx.blur ? "b" : "-") + (fx.low_light ? "l" : "-");
}

}  // namespace

// --- ConfigReader ---------------------------------------------------------------------

namespace local_service_detail {

ConfigReader::ConfigReader(const json& j, std::string what) : m_j(j), m_what(std::move(what)) {
    if (!j.is_object()) throw std::invalid_argument(m_what + ": expected a JSON object");
}

const json* ConfigReader::get(const std::string& key) {
    m_known.push_back(key);
    return m_j.contains(key) ? &m_j.at(key) : nullptr;
}

void ConfigReader::bad(const std::string& key, const std::string& why) const {
    throw std::invalid_argument(m_what + ": \"" + key + "\" " + why);
}

std::int64_t ConfigReader::integer(const std::string& key, std::int64_t lo, std::int64_t hi, std::int64_t fallback) {
    const json* v = get(key);
    if (!v) return fallback;
    if (!v->is_number_integer() || v->get<std::int64_t>() < lo || v->get<std::int64_t>() > hi)
        bad(key, "must be an integer in " + std::to_string(lo) + ".." + std::to_string(hi));
    return v->get<std::int64_t>();
}

double ConfigReader::number(const std::string& key, double lo, double hi, double fallback) {
    const json* v = get(key);
    if (!v) return fallback;
    if (!v->is_number() || !std::isfinite(v->get<double>()) || v->get<double>() < lo || v->get<double>() > hi) {
        bad(key, "must be a number in " + num_text(lo) + ".." + num_text(hi));
    }
    return v->get<double>();
}

sim::Duration ConfigReader::ms(const std::string& key, double lo_ms, double hi_ms, sim::Duration fallback) {
    const json* v = get(key);
    if (!v) return fallback;
    if (!v->is_number() || !std::isfinite(v->get<double>()) || v->get<double>() < lo_ms || v->get<double>() > hi_ms)
        bad(key, "must be a number of milliseconds in " + num_text(lo_ms) + ".." + num_text(hi_ms));
    return sim::from_seconds(v->get<double>() / 1000.0);
}

bool ConfigReader::boolean(const std::string& key, bool fallback) {
    const json* v = get(key);
    if (!v) return fallback;
    if (!v->is_boolean()) bad(key, "must be true or false");
    return v->get<bool>();
}

std::string ConfigReader::string(const std::string& key, const std::string& fallback, std::size_t max_len) {
    const json* v = get(key);
    if (!v) return fallback;
    if (!v->is_string() || v->get_ref<const std::string&>().size() > max_len)
        bad(key, "must be a string of at most " + std::to_string(max_len) + " bytes");
    return v->get<std::string>();
}

void ConfigReader::finish() const {
    for (const auto& item : m_j.items())
        if (std::find(m_known.begin(), m_known.end(), item.key()) == m_known.end())
            throw std::invalid_argument(m_what + ": unknown key \"" + item.key() + "\"");
}

double to_ms(sim::Duration d) noexcept { return static_cast<double>(d.count()) / 1000.0; }

}  // namespace local_service_detail

using local_service_detail::ConfigReader;
using local_service_detail::to_ms;

// --- LocalServiceDevice ----------------------------------------------------------------

LocalServiceDevice::Reply LocalServiceDevice::Reply::ok(json data, sim::Duration delay) {
    Reply r;
    r.data = std::move(data);
    r.delay = delay;
    return r;
}

LocalServiceDevice::Reply LocalServiceDevice::Reply::fail(ServiceError e, std::string message, json extra,
                                                          sim::Duration delay) {
    Reply r;
    r.failure = ls::Failure{e, std::move(message)};
    r.error_extra = std::move(extra);
    r.delay = delay;
    return r;
}

LocalServiceDevice::LocalServiceDevice(std::string id, std::string kind, std::uint64_t seed, std::string prefix,
                                       std::vector<Endpoint> endpoints)
    : HttpDevice(std::move(id), std::move(kind), seed), m_prefix(std::move(prefix)), m_endpoints(std::move(endpoints)) {
    m_endpoints.insert(m_endpoints.begin(), {Endpoint{"GET", "status", {}}, Endpoint{"POST", "status", {}}});
    m_paths.reserve(m_endpoints.size());
    for (const auto& e : m_endpoints) m_paths.push_back(m_prefix + "/" + e.name);
    for (std::size_t i = 0; i < m_endpoints.size(); ++i)
        m_routes.push_back(ls::Route{m_endpoints[i].method, m_paths[i]});
}

void LocalServiceDevice::settle(sim::Time) {}

HttpResponse LocalServiceDevice::handle(sim::Time now, const HttpRequest& request) {
    const bool tracing = trace() != nullptr;  // trace records cost more than many requests: build them only when kept
    if (tracing)
        record(now, "in",
               json{{"method", ls::sanitise_utf8(request.method.substr(0, 16))},
                    {"target", mask_ids(ls::sanitise_utf8(request.target.substr(0, 256)))},
                    {"body_bytes", request.body.size()}});
    std::optional<ls::ServiceReply> early;
    Reply reply;
    try {
        settle(now);
        ls::Routed routed = ls::route_request(m_routes, request.method, request.target, request.body);
        if (routed.reply) {
            early = std::move(routed.reply);
        } else {
            const Endpoint& ep = m_endpoints[routed.route];
            if (ep.name == "status") {
                const DeviceStatus st = status(now);
                json data{{"id", id()}, {"kind", kind()}, {"health", to_string(st.health)}, {"reasons", st.reasons}};
                data.update(service_status(now));
                reply = Reply::ok(std::move(data));
            } else if (auto why = absent_reason(now)) {
                reply = Reply::fail(ServiceError::device_absent, "the " + kind() + " is " + *why);
            } else if (auto bad = ls::check_fields(routed.body, ep.fields)) {
                reply.failure = std::move(bad);
            } else {
                reply = call(now, ep.name, routed.body);
            }
        }
    } catch (const std::exception& e) {
        // A bug must not take the kiosk's local service down: answer it.
        reply = Reply::fail(ServiceError::hardware_error, std::string("internal error: ") + e.what());
    }
    HttpResponse r;
    json out;
    if (early) {
        r.status = early->status;
        r.body = std::move(early->body);
        r.headers = std::move(early->headers);
        if (tracing) out = json{{"status", r.status}};
    } else {
        ls::ServiceReply sr =
            reply.failure ? ls::error_reply(*reply.failure, reply.error_extra) : ls::ok_reply(reply.data);
        r.status = sr.status;
        r.body = std::move(sr.body);
        r.headers = std::move(sr.headers);
        r.delay = reply.delay;
        if (tracing) {
            out = json{{"status", r.status}};
            if (reply.failure) {
                out["error"] = ls::to_string(reply.failure->error);
                out["message"] = mask_ids(ls::sanitise_utf8(reply.failure->message));
            } else {
                out["data"] = redact_reply(reply.data);
            }
            if (reply.delay > sim::Duration::zero()) out["delay_ms"] = to_ms(reply.delay);
        }
    }
    if (r.status == 204) r.content_type.clear();
    if (tracing) record(now, "out", std::move(out));
    return r;
}

// --- Camera ----------------------------------------------------------------------------------

Camera::Camera(std::string id, std::string kind, std::uint64_t seed, std::string prefix, CameraBasics basics,
               std::vector<Endpoint> endpoints, std::vector<std::string> model_faults)
    : LocalServiceDevice(std::move(id), std::move(kind), seed, std::move(prefix), std::move(endpoints)),
      m_basics(basics) {
    std::vector<std::string> known{"absent", "disconnected", "busy", "glare", "blur", "low_light",
                                   "frozen_frame", "slow_start", "disconnect_mid_stream"};
    known.insert(known.end(), model_faults.begin(), model_faults.end());
    faults().set_known_faults(std::move(known));
}

std::optional<std::string> Camera::absent_reason(sim::Time now) const {
    if (faults().active(now, "absent")) return std::string("absent");
    if (faults().active(now, "disconnected")) return std::string("disconnected");
    return std::nullopt;
}

DeviceStatus Camera::status(sim::Time now) const {
    if (auto why = absent_reason(now)) return {Health::absent, {*why}};
    if (faults().active(now, "busy")) return {Health::fault, {"device-busy"}};
    DeviceStatus st;
    for (const auto& [fault, reason] : {std::pair{"glare", "glare"}, std::pair{"blur", "blur"},
                                        std::pair{"low_light", "low-light"}, std::pair{"frozen_frame", "frozen-frame"},
                                        std::pair{"no_face", "no-face"}, std::pair{"multiple_faces", "multiple-faces"},
                                        std::pair{"liveness_fail", "liveness-fail"}, std::pair{"crop_fail", "crop-fail"}})
        if (faults().active(now, fault)) {
            st.health = Health::warn;
            st.reasons.emplace_back(reason);
        }
    return st;
}

sim::Time Camera::next_wakeup() const { return faults().next_change(m_last_now); }

void Camera::on_wakeup(sim::Time now) { m_last_now = std::max(m_last_now, now); }

json Camera::service_status(sim::Time now) const {
    return json{{"open", m_open},
                {"ready", m_open && now >= m_ready_at},
                {"width", m_basics.width},
                {"height", m_basics.height},
                {"frames", m_frames}};
}

sim::Duration Camera::startup_left(sim::Time now) const {
    return m_open && m_ready_at > now ? m_ready_at - now : sim::Duration::zero();
}

const FaultRule* Camera::hit(sim::Time now, const FaultRule* op, std::string_view name) const {
    if (op && op->fault == name) return op;
    return faults().active(now, name);
}

proto::ImageEffects Camera::effects(sim::Time now, const FaultRule* op) const {
    return proto::ImageEffects{hit(now, op, "glare") != nullptr, hit(now, op, "blur") != nullptr,
                               hit(now, op, "low_light") != nullptr};
}

Camera::Reply Camera::open(sim::Time now) {
    const FaultRule* op = faults().strike(now, "open");
    if (hit(now, op, "busy")) return Reply::fail(ServiceError::device_busy, "the camera is in use by another process");
    if (m_open) return Reply::ok(json{{"open", true}, {"startup_ms", 0}}, startup_left(now));
    sim::Duration latency = m_basics.open_latency;
    if (const FaultRule* slow = hit(now, op, "slow_start")) {
        const auto it = slow->params.find("extra_ms");
        const double extra = it != slow->params.end() && it->is_number() ? it->get<double>() : 3000.0;
        latency += sim::from_seconds(std::clamp(extra, 0.0, 600'000.0) / 1000.0);
    }
    m_open = true;
    m_ready_at = now + latency;
    return Reply::ok(json{{"open", true}, {"startup_ms", to_ms(latency)}}, latency);
}

std::optional<Camera::Reply> Camera::shoot(sim::Time now, const json& body, sim::Duration& delay) {
    if (!m_open) return Reply::fail(ServiceError::not_open, "open the camera first (POST " + path_prefix() + "/open)");
    const FaultRule* op = faults().strike(now, "capture");
    delay += startup_left(now) + m_basics.capture_latency;
    if (hit(now, op, "disconnect_mid_stream")) {
        m_open = false;
        record(now, "event", json{{"stream", "lost"}});
        return Reply::fail(ServiceError::hardware_error, "the camera disconnected mid-stream; open it again", {},
                           delay);
    }
    if (hit(now, op, "frozen_frame") && !m_recent.empty()) return std::nullopt;  // the previous frame again
    m_recent.push_back(render(now, body, op));
    while (m_recent.size() > k_recent_frames) m_recent.pop_front();
    return std::nullopt;
}

Camera::Reply Camera::capture(sim::Time now, const json& body) {
    sim::Duration delay = sim::Duration::zero();
    if (auto failed = shoot(now, body, delay)) return *failed;
    const Frame& f = m_recent.back();
    json data = f.data;
    if (f.image) data["image"] = *f.image;
    return Reply::ok(std::move(data), delay);
}

Camera::Reply Camera::call(sim::Time now, std::string_view endpoint, const json& body) {
    m_last_now = std::max(m_last_now, now);
    if (endpoint == "open") return open(now);
    if (endpoint == "close") {
        m_open = false;
        return Reply::ok(json{{"open", false}});
    }
    if (endpoint == "capture") return capture(now, body);
    return call_extra(now, endpoint, body);
}

// --- Face camera ---------------------------------------------------------------------------------

const char* to_string(FaceSubject s) noexcept {
    switch (s) {
    case FaceSubject::none: return "none";
    case FaceSubject::live: return "live";
    case FaceSubject::photo: return "photo";
    case FaceSubject::screen: return "screen";
    case FaceSubject::two_people: return "two_people";
    }
    return "?";
}

std::optional<FaceSubject> parse_face_subject(std::string_view name) noexcept {
    for (FaceSubject s : {FaceSubject::none, FaceSubject::live, FaceSubject::photo, FaceSubject::screen,
                          FaceSubject::two_people})
        if (name == to_string(s)) return s;
    return std::nullopt;
}

FaceCameraConfig FaceCameraConfig::from_json(const json& j) {
    FaceCameraConfig c;
    ConfigReader r(j, "face_camera config");
    c.width = static_cast<std::uint32_t>(r.integer("width", 16, 1024, c.width));
    c.height = static_cast<std::uint32_t>(r.integer("height", 16, 1024, c.height));
    c.open_latency = r.ms("open_ms", 0, 600'000, c.open_latency);
    c.capture_latency = r.ms("capture_ms", 0, 600'000, c.capture_latency);
    c.compare_latency = r.ms("compare_ms", 0, 600'000, c.compare_latency);
    c.threshold = r.number("threshold", 0, 1, c.threshold);
    c.match_mean = r.number("match_mean", 0, 1, c.match_mean);
    c.match_sd = r.number("match_sd", 0, 1, c.match_sd);
    c.nonmatch_mean = r.number("nonmatch_mean", 0, 1, c.nonmatch_mean);
    c.nonmatch_sd = r.number("nonmatch_sd", 0, 1, c.nonmatch_sd);
    c.liveness_threshold = r.number("liveness_threshold", 0, 1, c.liveness_threshold);
    c.liveness_live = r.number("liveness_live", 0, 1, c.liveness_live);
    c.liveness_photo = r.number("liveness_photo", 0, 1, c.liveness_photo);
    c.liveness_screen = r.number("liveness_screen", 0, 1, c.liveness_screen);
    c.liveness_sd = r.number("liveness_sd", 0, 1, c.liveness_sd);
    const std::string subject = r.string("subject", to_string(c.subject), 16);
    if (auto s = parse_face_subject(subject)) c.subject = *s;
    else r.bad("subject", "must be one of none, live, photo, screen, two_people");
    r.finish();
    return c;
}

json FaceCameraConfig::to_json() const {
    return json{{"width", width},
                {"height", height},
                {"open_ms", to_ms(open_latency)},
                {"capture_ms", to_ms(capture_latency)},
                {"compare_ms", to_ms(compare_latency)},
                {"threshold", threshold},
                {"match_mean", match_mean},
                {"match_sd", match_sd},
                {"nonmatch_mean", nonmatch_mean},
                {"nonmatch_sd", nonmatch_sd},
                {"liveness_threshold", liveness_threshold},
                {"liveness_live", liveness_live},
                {"liveness_photo", liveness_photo},
                {"liveness_screen", liveness_screen},
                {"liveness_sd", liveness_sd},
                {"subject", to_string(subject)}};
}

namespace {

std::vector<LocalServiceDevice::Endpoint> face_endpoints() {
    return {
        {"POST", "open", {}},
        {"POST", "close", {}},
        {"POST", "capture", {}},
        {"POST", "compare",
         {FieldSpec{"id_photo", FieldType::base64, true, 1, 65536},
          FieldSpec{"image", FieldType::base64, false, 1, 4 * 1024 * 1024}}},
    };
}

}  // namespace

FaceCamera::FaceCamera(std::string id, std::uint64_t seed, FaceCameraConfig config)
    : Camera(std::move(id), "face_camera", seed, "/camera/face",
             CameraBasics{config.width, config.height, config.open_latency, config.capture_latency}, face_endpoints(),
             {"no_face", "multiple_faces", "liveness_fail"}),
      m_config(config),
      m_subject(config.subject),
      // Never 0: the population register gives no resident template 0.
      m_default_template(std::max<std::uint32_t>(
          1, static_cast<std::uint32_t>(sim::derive_seed(seed, "face_camera/template") >> 32))),
      m_rng(sim::derive_seed(seed, "face_camera/scores")) {}

Camera::Frame FaceCamera::render(sim::Time now, const json& /*body*/, const FaultRule* op) {
    int faces = m_subject == FaceSubject::none ? 0 : m_subject == FaceSubject::two_people ? 2 : 1;
    if (hit(now, op, "no_face")) faces = 0;
    if (hit(now, op, "multiple_faces")) faces = 2;
    const proto::FacePresentation presentation = m_subject == FaceSubject::photo    ? proto::FacePresentation::photo
                                                 : m_subject == FaceSubject::screen ? proto::FacePresentation::screen
                                                                                    : proto::FacePresentation::live;
    const std::uint64_t frame = next_frame_number();
    const std::uint64_t variant = (m_presentations + frame) % k_variants;
    const proto::ImageEffects fx = effects(now, op);
    const std::uint32_t w = basics().width;
    const std::uint32_t h = basics().height;
    const auto img = cached_frame(
        "face/" + std::to_string(w) + "x" + std::to_string(h) + "/" + std::to_string(faces) + "/" +
            std::to_string(static_cast<int>(presentation)) + "/" + effects_key(fx) + "/" + std::to_string(variant),
        [&] {
            const proto::GreyImage g = proto::render_face_scene(w, h, proto::FaceScene{faces, presentation, variant, fx});
            return encode(g, proto::measure_image(g).quality);
        });
    double liveness = 0;
    if (faces > 0) {
        double mean = presentation == proto::FacePresentation::photo    ? m_config.liveness_photo
                      : presentation == proto::FacePresentation::screen ? m_config.liveness_screen
                                                                        : m_config.liveness_live;
        if (hit(now, op, "liveness_fail")) mean = m_config.liveness_photo;
        liveness = round3(draw(m_rng, mean, m_config.liveness_sd));
    }
    Frame f;
    f.image_hash = img->hash;
    f.image = std::shared_ptr<const std::string>(img, &img->base64);
    f.data = json{{"format", "png"},
                  {"width", img->width},
                  {"height", img->height},
                  {"faces", faces},
                  {"liveness", liveness},
                  {"quality", round3(img->quality)},
                  {"frame", frame}};
    if (faces == 1 && (m_subject == FaceSubject::live || m_subject == FaceSubject::photo))
        f.data["template"] = m_template.value_or(m_default_template);
    f.truth = json{{"subject", to_string(m_subject)}, {"match", m_match}};
    if (m_score) f.truth["score"] = *m_score;
    return f;
}

Camera::Reply FaceCamera::compare(sim::Time now, const json& body) {
    sim::Duration delay = m_config.compare_latency;
    Frame frame;
    if (const auto image = ls::base64_field(body, "image")) {
        const std::uint64_t h = hash_bytes(*image);
        const auto it = std::find_if(m_recent.rbegin(), m_recent.rend(), [&](const Frame& f) { return f.image_hash == h; });
        if (it != m_recent.rend()) {
            frame = *it;
        } else {
            // Not one of our frames: judge by who is in front of the camera now.
            const int faces = m_subject == FaceSubject::none ? 0 : m_subject == FaceSubject::two_people ? 2 : 1;
            const double mean = m_subject == FaceSubject::photo    ? m_config.liveness_photo
                                : m_subject == FaceSubject::screen ? m_config.liveness_screen
                                                                   : m_config.liveness_live;
            frame.data = json{{"faces", faces}, {"liveness", faces ? round3(draw(m_rng, mean, m_config.liveness_sd)) : 0.0}};
            frame.truth = json{{"match", m_match}};
            if (m_score) frame.truth["score"] = *m_score;
        }
    } else {
        if (auto failed = shoot(now, body, delay)) return *failed;
        frame = m_recent.back();  // (a frozen frame is what the camera saw)
    }
    const int faces = frame.data.value("faces", 0);
    const double liveness = frame.data.value("liveness", 0.0);
    json data{{"threshold", m_config.threshold}, {"validateType", 1}, {"liveness", liveness}, {"faces", faces}};
    if (faces == 0) {
        data["score"] = 0.0;
        data["faceResult"] = 3;
        data["reason"] = "no-face";
    } else if (faces > 1) {
        data["score"] = 0.0;
        data["faceResult"] = 2;
        data["reason"] = "multiple-faces";
    } else {
        const bool match = frame.truth.value("match", true);
        const double score =
            frame.truth.contains("score")
                ? frame.truth["score"].get<double>()
                : round3(draw(m_rng, match ? m_config.match_mean : m_config.nonmatch_mean,
                              match ? m_config.match_sd : m_config.nonmatch_sd));
        data["score"] = score;
        if (liveness < m_config.liveness_threshold) {
            data["faceResult"] = 2;
            data["reason"] = "liveness-fail";
        } else if (score < m_config.threshold) {
            data["faceResult"] = 2;
            data["reason"] = "mismatch";
        } else {
            data["faceResult"] = 1;
        }
    }
    return Reply::ok(std::move(data), delay);
}

Camera::Reply FaceCamera::call_extra(sim::Time now, std::string_view endpoint, const json& body) {
    if (endpoint == "compare") return compare(now, body);
    return Reply::fail(ServiceError::not_found, "no such endpoint");
}

std::optional<ActionResult> FaceCamera::on_action(sim::Time, std::string_view name, const json& action) {
    if (name != "present_face") return std::nullopt;
    const std::string subject = action.contains("subject") && action["subject"].is_string()
                                    ? action["subject"].get<std::string>()
                                    : std::string(action.contains("subject") ? "?" : "live");
    const auto s = parse_face_subject(subject);
    if (!s) return ActionResult::failure("present_face: \"subject\" must be one of none, live, photo, screen, two_people");
    if (action.contains("match") && !action["match"].is_boolean())
        return ActionResult::failure("present_face: \"match\" must be true or false");
    std::optional<double> score;
    if (action.contains("score") && !action["score"].is_null()) {
        if (!action["score"].is_number() || !(action["score"].get<double>() >= 0.0) || action["score"].get<double>() > 1.0)
            return ActionResult::failure("present_face: \"score\" must be a number in 0..1");
        score = action["score"].get<double>();
    }
    std::optional<std::uint32_t> face_template;
    if (action.contains("template") && !action["template"].is_null()) {
        const json& t = action["template"];
        if (!t.is_number_integer() || (!t.is_number_unsigned() && t.get<std::int64_t>() < 0) ||
            t.get<std::uint64_t>() > 0xFFFF'FFFFu)
            return ActionResult::failure("present_face: \"template\" must be an integer in 0..4294967295");
        face_template = static_cast<std::uint32_t>(t.get<std::uint64_t>());
    }
    m_subject = *s;
    m_match = action.value("match", true);
    m_score = score;
    m_template = face_template;
    ++m_presentations;
    return ActionResult::success(json{{"subject", to_string(m_subject)}, {"match", m_match}});
}

std::vector<std::string> FaceCamera::model_actions() const { return {"present_face"}; }

json FaceCamera::model_state(sim::Time now) const {
    json j = service_status(now);
    j["subject"] = to_string(m_subject);
    j["match"] = m_match;
    if (m_score) j["score"] = *m_score;
    j["config"] = m_config.to_json();
    return j;
}

// --- Document camera --------------------------------------------------------------------------------

DocumentCameraConfig DocumentCameraConfig::from_json(const json& j) {
    DocumentCameraConfig c;
    ConfigReader r(j, "document_camera config");
    c.width = static_cast<std::uint32_t>(r.integer("width", 16, 1024, c.width));
    c.height = static_cast<std::uint32_t>(r.integer("height", 16, 1024, c.height));
    c.open_latency = r.ms("open_ms", 0, 600'000, c.open_latency);
    c.capture_latency = r.ms("capture_ms", 0, 600'000, c.capture_latency);
    c.edge_min_quality = r.number("edge_min_quality", 0, 1, c.edge_min_quality);
    const std::string kind = r.string("document", proto::to_string(c.document), 32);
    if (auto k = proto::parse_document_kind(kind)) c.document = *k;
    else r.bad("document", "must be one of none, id_front, id_back, a4, household_register");
    c.skew_deg = r.number("skew_deg", -45, 45, c.skew_deg);
    r.finish();
    return c;
}

json DocumentCameraConfig::to_json() const {
    return json{{"width", width},
                {"height", height},
                {"open_ms", to_ms(open_latency)},
                {"capture_ms", to_ms(capture_latency)},
                {"edge_min_quality", edge_min_quality},
                {"document", proto::to_string(document)},
                {"skew_deg", skew_deg}};
}

namespace {

std::vector<LocalServiceDevice::Endpoint> document_endpoints() {
    return {
        {"GET", "devices", {}},
        {"POST", "devices", {}},
        {"POST", "open", {}},
        {"POST", "close", {}},
        {"POST", "capture", {FieldSpec{"crop", FieldType::boolean}}},
    };
}

}  // namespace

DocumentCamera::DocumentCamera(std::string id, std::uint64_t seed, DocumentCameraConfig config)
    : Camera(std::move(id), "document_camera", seed, "/camera/document",
             CameraBasics{config.width, config.height, config.open_latency, config.capture_latency},
             document_endpoints(), {"crop_fail"}),
      m_config(config),
      m_kind(config.document),
      m_skew_deg(config.skew_deg) {}

Camera::Frame DocumentCamera::render(sim::Time now, const json& body, const FaultRule* op) {
    const bool crop = ls::bool_field(body, "crop", true);
    const std::uint64_t frame = next_frame_number();
    const std::uint64_t variant = (m_placements + frame) % k_variants;
    const proto::ImageEffects fx = effects(now, op);
    const std::uint32_t w = basics().width;
    const std::uint32_t h = basics().height;
    const proto::DocumentKind kind = m_kind;
    const double skew = m_skew_deg;
    const auto scene = cached_frame(
        "document/" + std::to_string(w) + "x" + std::to_string(h) + "/" + proto::to_string(kind) + "/" +
            json(skew).dump() + "/" + effects_key(fx) + "/" + std::to_string(variant),
        [&] {
            const proto::DocumentFrame df = proto::render_document_scene(w, h, proto::DocumentScene{kind, skew, variant, fx});
            EncodedFrame e = encode(df.image, proto::measure_image(df.image).quality);
            e.corners = df.corners;
            if (df.corners) {  // the upright page, as 裁边/纠偏 would give it
                const double aspect = proto::document_aspect(kind);
                auto crop_w = static_cast<std::uint32_t>(std::min<double>(w, std::round(h * aspect)));
                crop_w = std::max<std::uint32_t>(crop_w, static_cast<std::uint32_t>(std::ceil(16 * aspect)));
                const proto::GreyImage page = proto::render_document_page(std::max<std::uint32_t>(16, crop_w), kind, variant, fx);
                e.cropped = std::make_shared<const EncodedFrame>(encode(page, e.quality));
            }
            return e;
        });
    const bool edges_found =
        scene->corners.has_value() && scene->quality >= m_config.edge_min_quality && hit(now, op, "crop_fail") == nullptr;
    const EncodedFrame& image = (edges_found && crop && scene->cropped) ? *scene->cropped : *scene;
    json edges = json::array();
    if (edges_found)
        for (const auto& p : *scene->corners) edges.push_back(json::array({std::round(p.x * 10) / 10, std::round(p.y * 10) / 10}));
    Frame f;
    f.image_hash = image.hash;
    f.image = std::shared_ptr<const std::string>(scene, &image.base64);
    f.data = json{{"format", "png"},
                  {"width", image.width},
                  {"height", image.height},
                  {"frame_width", w},
                  {"frame_height", h},
                  {"edges", edges},
                  {"cropped", edges_found && crop},
                  {"skew_deg", edges_found ? json(m_skew_deg) : json(nullptr)},
                  {"quality", round3(scene->quality)},
                  {"frame", frame}};
    f.truth = json{{"document", proto::to_string(m_kind)}};
    return f;
}

Camera::Reply DocumentCamera::call_extra(sim::Time, std::string_view endpoint, const json&) {
    if (endpoint == "devices") {
        const std::string res = std::to_string(basics().width) + "x" + std::to_string(basics().height);
        return Reply::ok(json{{"devices", json::array({json{{"name", "KioskTwin 高拍仪 (emulated)"},
                                                            {"dev_idx", 0},
                                                            {"resolutions", json::array({res})}}})}});
    }
    return Reply::fail(ServiceError::not_found, "no such endpoint");
}

std::optional<ActionResult> DocumentCamera::on_action(sim::Time, std::string_view name, const json& action) {
    if (name != "place_document") return std::nullopt;
    const auto kind = action.contains("kind") && action["kind"].is_string()
                          ? proto::parse_document_kind(action["kind"].get<std::string>())
                          : std::nullopt;
    if (!kind)
        return ActionResult::failure(
            "place_document: \"kind\" must be one of none, id_front, id_back, a4, household_register");
    double skew = 0;
    if (action.contains("skew_deg")) {
        if (!action["skew_deg"].is_number() || !(std::fabs(action["skew_deg"].get<double>()) <= 45.0))
            return ActionResult::failure("place_document: \"skew_deg\" must be a number in -45..45");
        skew = action["skew_deg"].get<double>();
    }
    m_kind = *kind;
    m_skew_deg = skew;
    ++m_placements;
    return ActionResult::success(json{{"kind", proto::to_string(m_kind)}, {"skew_deg", m_skew_deg}});
}

std::vector<std::string> DocumentCamera::model_actions() const { return {"place_document"}; }

json DocumentCamera::model_state(sim::Time now) const {
    json j = service_status(now);
    j["document"] = proto::to_string(m_kind);
    j["skew_deg"] = m_skew_deg;
    j["config"] = m_config.to_json();
    return j;
}

}  // namespace kiosktwin::devices
