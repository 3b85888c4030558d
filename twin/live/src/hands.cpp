#include <utility>  // Boost 1.74's Asio uses std::exchange without including it

#include <kiosktwin/live/hands.hpp>

#include "http_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

namespace kiosktwin::live {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

// A local 即办's way through the department, as the twin's back office takes it.
// (An array, not a braced list: GCC 12 loses a braced list's backing array
// across a co_await in the loop.)
constexpr const char* k_decision[] = {"accepted", "in_review", "approved", "certificate_issued"};

}  // namespace

LiveHands::LiveHands(LivePacer& pacer, const KioskEndpoints& endpoints, LiveGatewayTransport* platform, LogFn log)
    : m_pacer(pacer), m_endpoints(endpoints), m_platform(platform), m_log(std::move(log)),
      m_alive(std::make_shared<bool>(true)) {
    if (m_endpoints.control.empty()) throw std::invalid_argument("the endpoints list no control API: the hands have nothing to act through");
    const detail::Url u = detail::parse_url(m_endpoints.control);
    m_control = std::make_unique<detail::HttpClient>(pacer.io(), u.host, u.port);
}

LiveHands::~LiveHands() { *m_alive = false; }

void LiveHands::held_call(std::function<void(std::function<void(bool, std::string)>)> start, std::string what) {
    ++m_actions;
    struct State {
        bool done = false;
    };
    auto state = std::make_shared<State>();
    auto timer = std::make_shared<asio::steady_timer>(m_pacer.io(), ack_timeout);
    LivePacer* pacer = &m_pacer;  // outlives the hands; the hold must end even if they are gone
    auto finish = [this, alive = m_alive, state, timer, pacer, what = std::move(what)](bool ok, std::string error) {
        if (state->done) return;
        state->done = true;
        timer->cancel();
        pacer->release();
        if (!*alive || ok) return;
        ++m_failures;
        if (m_log) m_log(what + " failed: " + error);
    };
    m_pacer.hold();
    timer->async_wait([finish](const boost::system::error_code& ec) {
        if (!ec) finish(false, "no acknowledgement in time");
    });
    start(finish);
}

bool LiveHands::act(std::string_view kind, json action) {
    const DeviceEndpoint* d = m_endpoints.device(kind);
    if (d == nullptr) {
        ++m_failures;
        if (m_log) m_log("no " + std::string(kind) + " at " + m_endpoints.kiosk + " for " + action.value("action", std::string()));
        return false;
    }
    devices::HttpRequest r;
    r.method = "POST";
    r.target = "/devices/" + d->device + "/actions";
    r.headers["content-type"] = "application/json";
    r.body = action.dump();
    std::string what = d->device + " " + action.value("action", std::string("?"));
    detail::HttpClient* control = m_control.get();
    held_call(
        [control, r = std::move(r)](std::function<void(bool, std::string)> done) mutable {
            control->send(std::move(r), [done](kiosk::ChannelError e, devices::HttpResponse resp) {
                if (e != kiosk::ChannelError::none) done(false, kiosk::to_string(e));
                else if (resp.status / 100 != 2) done(false, "HTTP " + std::to_string(resp.status) + " " + resp.body);
                else done(true, {});
            });
        },
        std::move(what));
    return true;
}

void LiveHands::insert_card(const kiosk::CitizenIdentity& who) {
    json card = {{"type", "resident"},     {"name", who.name},        {"sex", who.sex.empty() ? "1" : who.sex},
                 {"nation", "01"},          {"birth", who.birth},      {"address", "广东省深圳市福田区福华路1号"},
                 {"id_number", who.id_number}, {"authority", "深圳市公安局福田分局"},
                 {"valid_from", "20200101"}, {"valid_to", "20400101"}};
    act("idcard_reader", {{"action", "insert_card"}, {"card", std::move(card)}, {"replace", true}});
}

void LiveHands::remove_card() { act("idcard_reader", {{"action", "remove_card"}}); }

void LiveHands::present_face(const kiosk::CitizenIdentity& who, bool live) {
    act("face_camera", {{"action", "present_face"}, {"subject", live ? "live" : "photo"}, {"template", who.face_template}});
}

void LiveHands::leave_camera() { act("face_camera", {{"action", "present_face"}, {"subject", "none"}}); }

void LiveHands::place_document(std::string_view material) {
    act("document_camera", {{"action", "place_document"}, {"kind", kiosk::document_kind(material)}});
}

void LiveHands::show_qr(std::string_view payload) { act("qr_scanner", {{"action", "scan"}, {"data", payload}}); }

void LiveHands::take_receipt() { act("receipt_printer", {{"action", "take_receipt"}}); }

void LiveHands::take_certificate() {}  // the A4 tray needs no action

void LiveHands::pay(std::string_view payment_id) {
    const std::string id(payment_id);
    if (m_platform == nullptr) {
        ++m_failures;
        if (m_log) m_log("payment " + id + ": no admin key to call the payment channel with");
        return;
    }
    // The payment channel's callback, with its transaction number.
    kiosk::GatewayRequest req{"POST", "/admin/v1/payments/" + id + "/paid", {{"channel_txn", "WX" + id}}, {}};
    LiveGatewayTransport* platform = m_platform;
    held_call(
        [platform, req = std::move(req)](std::function<void(bool, std::string)> done) {
            platform->send_detached(req, [done](kiosk::GatewayReply r) {
                if (r.ok()) done(true, {});
                else done(false, r.reason().empty() ? r.msg : r.reason());
            });
        },
        "payment " + id);
}

// --- the back office ---------------------------------------------------------------------

LiveBackOffice::LiveBackOffice(LivePacer& pacer, LiveGatewayTransport& platform, kiosk::Kiosk& kiosk, sim::Duration delay,
                               LogFn log)
    : m_pacer(pacer), m_platform(platform), m_kiosk(kiosk), m_delay(delay), m_log(std::move(log)) {
    m_connection = m_kiosk.events.connect([this](std::string_view e) {
        if (!e.starts_with("submitted:")) return;
        std::erase_if(m_work, [](const auto& p) { return p.done(); });
        m_work.push_back(m_pacer.sim().spawn(decide(std::string(e.substr(10)))));
    });
}

LiveBackOffice::~LiveBackOffice() {
    m_kiosk.events.disconnect(m_connection);
    for (auto& p : m_work)
        if (!p.done()) p.interrupt();
    m_work.clear();
}

sim::Process<void> LiveBackOffice::decide(std::string case_no) {
    using namespace std::chrono_literals;
    try {
        co_await m_pacer.sim().delay(m_delay);
        // Requests are built as named objects: GCC 12 mishandles braced
        // temporaries inside a co_await expression.
        kiosk::GatewayRequest read;
        read.target = "/admin/v1/applications/" + case_no;
        kiosk::GatewayReply app = co_await m_platform.send(read, 8s);
        if (!app.ok()) {
            if (m_log) m_log("back office: cannot read " + case_no + ": " + app.reason());
            co_return;
        }
        // Cross-region 办件 are decided where they are handled (R-7.5-1).
        if (app.data.contains("cross_region")) co_return;
        const auto snapshot = m_kiosk.catalogue().snapshot();
        const kiosk::KioskItem* item = snapshot ? snapshot->find(app.data.value("item_code", std::string())) : nullptr;
        if (item == nullptr || (item->depth != "full" && item->depth != "print")) co_return;
        for (std::size_t step = 0; step < std::size(k_decision); ++step) {
            const char* to = k_decision[step];
            kiosk::GatewayRequest advance;
            advance.method = "POST";
            advance.target = "/admin/v1/applications/" + case_no + "/advance";
            advance.body = json::object();
            advance.body["to"] = to;
            advance.body["actor"] = "receiving";
            kiosk::GatewayReply r = co_await m_platform.send(advance, 8s);
            if (!r.ok()) {
                if (m_log) m_log("back office: " + case_no + " to " + to + ": " + r.reason());
                co_return;
            }
        }
        ++m_decided;
    } catch (const sim::Interrupt&) {
    }
}

}  // namespace kiosktwin::live
