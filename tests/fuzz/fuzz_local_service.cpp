// Fuzzes the local device service (R-8.3-1): target parsing, UTF-8 repair,
// and every HTTP device of the camera family (face and document
// cameras, signature pad, fingerprint sensor, social-security card reader,
// PIN pad): the input is the body of a POST to each of their paths, an
// arbitrary "METHOD\nTARGET\nBODY" request, and a physical action, with
// input-chosen faults active. Every answer must be one JSON envelope.
#include <kiosktwin/devices/cameras.hpp>
#include <kiosktwin/devices/status_devices.hpp>
#include <kiosktwin/protocol/local_service.hpp>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace kiosktwin;
namespace ls = kiosktwin::protocol::local_service;
using nlohmann::json;

void require(bool ok) {
    if (!ok) std::abort();
}

// An answer is 204 with no body, or a JSON envelope with a code (0 only on 200).
void check_answer(const devices::HttpResponse& r) {
    if (r.status == 204) {
        require(r.body.empty());
        return;
    }
    const json v = json::parse(r.body, nullptr, false);
    require(v.is_object() && v.contains("code") && v["code"].is_number_integer());
    require((v["code"] == 0) == (r.status == 200));
    // An exception caught by the device's last line of defence is a bug.
    require(!v.contains("msg") || !v["msg"].is_string() || v["msg"].get<std::string>().rfind("internal error", 0) != 0);
    require(r.delay >= sim::Duration::zero());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view in(reinterpret_cast<const char*>(data), size);

    if (auto t = ls::parse_target(in)) require(!t->path.empty() && t->path.front() == '/');
    // UTF-8 repair: the result is valid, and valid text is left alone.
    const std::string repaired = ls::sanitise_utf8(in);
    require(ls::valid_utf8(repaired) && (repaired == in) == ls::valid_utf8(in));

    // Small frames: the logic is what is fuzzed here (images have their own tests), and speed buys coverage.
    devices::FaceCameraConfig face;
    face.width = 32;
    face.height = 24;
    devices::DocumentCameraConfig doc;
    doc.width = 40;
    doc.height = 30;
    devices::SignaturePadConfig sig;
    sig.width = 48;
    sig.height = 24;
    std::vector<std::unique_ptr<devices::LocalServiceDevice>> devs;
    devs.push_back(std::make_unique<devices::FaceCamera>("f", 1, face));
    devs.push_back(std::make_unique<devices::DocumentCamera>("d", 2, doc));
    devs.push_back(std::make_unique<devices::SignaturePad>("s", 3, sig));
    devs.push_back(std::make_unique<devices::FingerprintSensor>("p", 4));
    devs.push_back(std::make_unique<devices::SscReader>("c", 5));
    devs.push_back(std::make_unique<devices::PinPad>("n", 6));

    sim::Time now{};
    const auto handle = [&](devices::LocalServiceDevice& d, const std::string& method, const std::string& target,
                            const std::string& body) {
        devices::HttpRequest req;
        req.method = method;
        req.target = target;
        req.body = body;
        check_answer(d.handle(now, req));
        now += std::chrono::milliseconds(1);
    };

    // State from the first bytes: devices opened and loaded, and some faults held.
    const std::uint8_t setup = size > 0 ? static_cast<std::uint8_t>(in[0]) : 0;
    if (setup & 1) {
        handle(*devs[0], "POST", "/camera/face/open", "");
        handle(*devs[1], "POST", "/camera/document/open", "");
        handle(*devs[3], "POST", "/device/fingerprint/init", "");
    }
    if (setup & 2) {
        devs[0]->act(now, json{{"action", "present_face"}, {"subject", setup & 8 ? "photo" : "live"}});
        devs[1]->act(now, json{{"action", "place_document"}, {"kind", "id_front"}, {"skew_deg", 7}});
        devs[4]->act(now, json{{"action", "insert_card"}});
        devs[3]->act(now, json{{"action", "place_finger"}});
    }
    if (setup & 4) {
        handle(*devs[2], "POST", "/device/signature/start", "");
        handle(*devs[3], "POST", "/device/fingerprint/capture", "");
        handle(*devs[5], "POST", "/device/pinpad/start", "");
    }
    for (std::size_t k = 1; k < std::min<std::size_t>(size, 4); ++k) {
        const auto b = static_cast<std::uint8_t>(in[k]);
        auto& d = *devs[b % devs.size()];
        const auto& known = d.faults().known_faults();
        json rule{{"action", "inject_fault"}, {"fault", known[(b / 8) % known.size()]}};
        if (b & 0x80) {
            rule["trigger"] = "nth";
            rule["n"] = 1;
        }
        require(d.act(now, rule).ok);
    }

    const std::string body(in);
    for (auto& d : devs)
        for (const auto& e : d->endpoints()) handle(*d, e.method, d->path_prefix() + "/" + e.name, body);

    // An arbitrary request: "METHOD\nTARGET\nBODY".
    const std::size_t nl1 = in.find('\n');
    const std::size_t nl2 = nl1 == std::string_view::npos ? nl1 : in.find('\n', nl1 + 1);
    const std::string method(in.substr(0, std::min<std::size_t>(nl1, 16)));
    const std::string target(nl1 == std::string_view::npos ? in : in.substr(nl1 + 1, nl2 == std::string_view::npos ? nl2 : nl2 - nl1 - 1));
    const std::string rest(nl2 == std::string_view::npos ? std::string_view{} : in.substr(nl2 + 1));
    for (auto& d : devs) {
        handle(*d, method, target, rest);
        handle(*d, method, d->path_prefix() + target, rest);
    }

    // The input as a physical action, to each device (also under each of its action names).
    const json action = json::parse(in, nullptr, false);
    if (action.is_object()) {
        for (auto& d : devs) {
            (void)d->act(now, action);
            for (const auto& name : d->actions()) {
                if (name == "describe") continue;
                json a = action;
                a["action"] = name;
                (void)d->act(now, a);
            }
        }
        for (auto& d : devs)
            for (const auto& e : d->endpoints()) handle(*d, e.method, d->path_prefix() + "/" + e.name, body);
    }

    // Time passes; every device settles and still answers its status.
    now += std::chrono::minutes(20);
    for (auto& d : devs) {
        if (d->next_wakeup() <= now) d->on_wakeup(now);
        handle(*d, "GET", d->path_prefix() + "/status", "");
        (void)d->describe(now).dump(-1, ' ', false, json::error_handler_t::replace);
    }
    return 0;
}
