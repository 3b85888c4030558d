#include <kiosktwin/kiosk/drivers/a4_printer.hpp>

#include <algorithm>
#include <charconv>
#include <limits>

namespace kiosktwin::kiosk {

using protocol::IppAttribute;
using protocol::IppGroupTag;
using protocol::IppMessage;
using protocol::IppOperation;
using protocol::IppTag;
using protocol::IppValue;

namespace {

constexpr std::int32_t k_stopped = 5;
constexpr std::int32_t k_job_processing_stopped = 6;
constexpr std::int32_t k_job_canceled = 7;
constexpr std::int32_t k_job_aborted = 8;
constexpr std::int32_t k_job_completed = 9;

// Low-supply reasons printers commonly send without a suffix and mean as warnings.
constexpr std::string_view k_bare_warnings[] = {"media-low",  "toner-low",   "marker-supply-low",
                                                "marker-waste-almost-full", "developer-low", "opc-near-eol"};
// When several errors hold, the one to report: what must be fixed first at the printer.
constexpr std::string_view k_error_priority[] = {"media-jam",  "door-open",           "cover-open",
                                                 "media-empty", "media-needed",       "toner-empty",
                                                 "marker-supply-empty", "marker-waste-full", "offline",
                                                 "paused"};

bool ends_with(std::string_view s, std::string_view suffix) noexcept {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

bool contains(const std::vector<std::string>& v, std::string_view s) {
    return std::find(v.begin(), v.end(), s) != v.end();
}

IppValue keyword(const char* s) { return IppValue::of_keyword(s); }

std::int32_t integer_of(const IppMessage& m, IppGroupTag g, std::string_view name, std::int32_t fallback) {
    const IppAttribute* a = m.find(g, name);
    if (a == nullptr || a->values.empty() || a->values[0].is_out_of_band()) return fallback;
    return a->values[0].integer;
}

void keywords_of(const IppMessage& m, IppGroupTag g, std::string_view name, std::vector<std::string>& out) {
    out.clear();
    if (const IppAttribute* a = m.find(g, name))
        for (const IppValue& v : a->values)
            if (v.is_string()) out.push_back(v.text);
}

std::string joined(const std::vector<std::string>& v) {
    std::string s;
    for (const std::string& x : v) {
        if (!s.empty()) s += ',';
        s += x;
    }
    return s;
}

// "level=120;maxcapacity=250" of a PWG 5100.13 printer-input-tray value; < 0 = unknown.
int tray_field(std::string_view tray, std::string_view key) {
    for (std::size_t pos = 0; pos < tray.size();) {
        const std::size_t end = std::min(tray.find(';', pos), tray.size());
        const std::string_view field = tray.substr(pos, end - pos);
        if (field.size() > key.size() && field.substr(0, key.size()) == key && field[key.size()] == '=') {
            int v = -1;
            const std::string_view num = field.substr(key.size() + 1);
            std::from_chars(num.data(), num.data() + num.size(), v);
            return v;
        }
        pos = end + 1;
    }
    return -1;
}

}  // namespace

IppHealth map_printer_state(std::int32_t printer_state, std::span<const std::string> reasons) {
    IppHealth h;
    std::vector<std::string> warnings;
    for (const std::string& r : reasons) {
        std::string_view k = r;
        if (k.empty() || k == "none" || ends_with(k, "-report")) continue;
        bool warning = false;
        if (ends_with(k, "-warning")) {
            k.remove_suffix(8);
            warning = true;
        } else if (ends_with(k, "-error")) {
            k.remove_suffix(6);
        } else {
            warning = std::find(std::begin(k_bare_warnings), std::end(k_bare_warnings), k) != std::end(k_bare_warnings);
        }
        (warning ? warnings : h.reasons).emplace_back(k);
    }
    if (!h.reasons.empty()) {
        h.health = Health::fault;
        for (const std::string_view p : k_error_priority)
            if (contains(h.reasons, p)) {
                h.blocking = p;
                break;
            }
        if (h.blocking.empty()) h.blocking = h.reasons.front();
    } else if (printer_state == k_stopped) {
        h.health = Health::fault;
        h.reasons.emplace_back("stopped");
        h.blocking = "stopped";
    } else if (!warnings.empty()) {
        h.health = Health::warn;
    }
    for (std::string& w : warnings) h.reasons.push_back(std::move(w));
    return h;
}

A4PrinterDriver::A4PrinterDriver(HttpChannel& channel, A4PrinterOptions options)
    : m_channel(channel), m_options(std::move(options)) {
    m_uri = m_options.printer_uri;
    if (m_uri.empty()) {
        m_uri = "ipp://localhost";
        m_uri += m_channel.prefix();
    }
    m_http.method = "POST";
    m_http.target = m_channel.prefix();
    m_http.headers["content-type"] = "application/ipp";
    m_http.headers["host"] = "localhost";
}

IppMessage A4PrinterDriver::request(IppOperation op) {
    IppMessage m;
    m.version_major = 1;
    m.version_minor = 1;
    m.op_or_status = static_cast<std::uint16_t>(op);
    m_request_id = m_request_id == std::numeric_limits<std::int32_t>::max() ? 1 : m_request_id + 1;
    m.request_id = m_request_id;
    protocol::IppGroup& g = m.add_group(IppGroupTag::operation);
    g.attributes.reserve(8);
    g.add("attributes-charset", IppValue::of_string(IppTag::charset, "utf-8"));
    g.add("attributes-natural-language", IppValue::of_string(IppTag::natural_language, "en"));
    g.add("printer-uri", IppValue::of_uri(m_uri));
    g.add("requesting-user-name", IppValue::of_name(m_options.user_name));
    return m;
}

sim::Process<A4PrinterDriver::Reply> A4PrinterDriver::call(const IppMessage& message, ByteView document,
                                                           bool resend_on_silence, sim::Duration timeout) {
    Reply reply;
    // The document goes after the attributes as it is: it is not copied into an IppMessage first.
    const Bytes head = protocol::encode(message);
    std::string body;
    body.reserve(head.size() + document.size());
    body.append(reinterpret_cast<const char*>(head.data()), head.size());
    body.append(reinterpret_cast<const char*>(document.data()), document.size());
    int silent = 0;
    int busy = 0;
    for (;;) {
        devices::HttpRequest req = m_http;
        req.body = body;
        HttpResult res = co_await m_channel.request(std::move(req), timeout);
        if (res.error == ChannelError::refused) {
            reply.error = "line-down";
            co_return reply;
        }
        if (res.error != ChannelError::none) {
            if (res.error == ChannelError::timeout) ++m_counters.timeouts;
            if (resend_on_silence && silent < m_options.retries) {
                ++silent;
                ++m_counters.retries;
                continue;
            }
            // Without an answer a Print-Job may or may not have reached the printer.
            reply.error = res.error == ChannelError::timeout || resend_on_silence ? "no-reply" : "interrupted";
            co_return reply;
        }
        const devices::HttpResponse& http = res.response;
        sim::Duration wait = m_options.busy_backoff;
        if (http.status == 503) {
            for (const auto& [name, value] : http.headers) {
                if (!iequals(name, "retry-after")) continue;
                int seconds = 0;
                std::from_chars(value.data(), value.data() + value.size(), seconds);
                wait = std::clamp<sim::Duration>(std::chrono::seconds{seconds}, m_options.busy_backoff,
                                                 std::max(m_options.busy_backoff, m_options.busy_backoff_max));
            }
        } else if (http.status != 200) {
            reply.error = http.status >= 400 && http.status < 500 ? "rejected" : "server-error";
            reply.detail = "HTTP ";
            reply.detail += std::to_string(http.status);
            co_return reply;
        } else {
            const ByteView bytes(reinterpret_cast<const std::uint8_t*>(http.body.data()), http.body.size());
            protocol::IppDecodeResult decoded = protocol::decode_ipp(bytes);
            if (http.content_type.rfind("application/ipp", 0) != 0 || !decoded ||
                decoded->request_id != message.request_id) {
                reply.error = "protocol-error";
                reply.detail = decoded ? "not the answer to the request" : decoded.error().message;
                co_return reply;
            }
            const std::uint16_t status = decoded->op_or_status;
            reply.message = std::move(decoded).value();
            if (status < 0x0100) co_return reply;  // successful-ok and its variants
            // service-unavailable, temporary-error, busy: the request was not taken.
            if (status != 0x0502 && status != 0x0505 && status != 0x0507) {
                reply.error = status >= 0x0400 && status < 0x0500 ? "rejected" : "server-error";
                reply.detail = protocol::status_name(status);
                if (const IppAttribute* m = reply.message.find(IppGroupTag::operation, "status-message");
                    m != nullptr && !m->values.empty()) {
                    reply.detail += ": ";
                    reply.detail += m->values[0].text;
                }
                co_return reply;
            }
        }
        if (busy >= m_options.busy_retries) {
            reply.error = "busy";
            co_return reply;
        }
        ++busy;
        ++m_counters.retries;
        co_await m_channel.sim().delay(wait);
    }
}

sim::Process<std::string_view> A4PrinterDriver::refresh() {
    IppMessage m = request(IppOperation::get_printer_attributes);
    m.groups[0].add("requested-attributes",
                    std::vector<IppValue>{keyword("printer-state"), keyword("printer-state-reasons"),
                                          keyword("marker-levels"), keyword("marker-high-levels"),
                                          keyword("marker-types"), keyword("printer-input-tray")});
    Reply r = co_await call(m, {}, true, m_options.request_timeout);
    const sim::Time now = m_channel.sim().now();
    if (!r.error.empty()) {
        const Health h = r.error == "line-down" || r.error == "no-reply" ? Health::absent
                         : r.error == "busy"                              ? Health::warn
                                                                          : Health::fault;
        set_status(now, h, {std::string(r.error)});
        co_return r.error;
    }
    const IppMessage& a = r.message;
    std::vector<std::string> reasons;
    keywords_of(a, IppGroupTag::printer, "printer-state-reasons", reasons);
    m_last = map_printer_state(integer_of(a, IppGroupTag::printer, "printer-state", 3), reasons);
    set_status(now, m_last.health, m_last.reasons);

    if (const IppAttribute* levels = a.find(IppGroupTag::printer, "marker-levels"); levels && !levels->values.empty()) {
        std::size_t i = 0;
        if (const IppAttribute* types = a.find(IppGroupTag::printer, "marker-types")) {
            for (std::size_t k = 0; k < types->values.size() && k < levels->values.size(); ++k)
                if (types->values[k].text == "toner") {
                    i = k;
                    break;
                }
        }
        const std::int32_t level = levels->values[i].integer;  // -1 / -2 / -3: unknown, "some left"
        std::int32_t high = 100;
        if (const IppAttribute* highs = a.find(IppGroupTag::printer, "marker-high-levels");
            highs && i < highs->values.size() && highs->values[i].integer > 0)
            high = highs->values[i].integer;
        if (level >= 0) set_consumable("toner", static_cast<int>(std::clamp<std::int64_t>(std::int64_t{level} * 100 / high, 0, 100)));
    }
    int media = -1;
    if (const IppAttribute* tray = a.find(IppGroupTag::printer, "printer-input-tray"); tray && !tray->values.empty()) {
        const int level = tray_field(tray->values[0].text, "level");
        const int capacity = tray_field(tray->values[0].text, "maxcapacity");
        if (level >= 0 && capacity > 0) media = std::clamp(level * 100 / capacity, 0, 100);
    }
    if (media < 0) media = contains(m_last.reasons, "media-empty") ? 0 : contains(m_last.reasons, "media-low") ? 10 : 100;
    set_consumable("media", media);
    co_return std::string_view{};
}

sim::Process<void> A4PrinterDriver::cancel(std::int32_t job_id) {
    IppMessage m = request(IppOperation::cancel_job);
    m.groups[0].add("job-id", IppValue::of_integer(job_id));
    // Best effort: a job that ended meanwhile answers client-error-not-possible.
    co_await call(m, {}, true, m_options.request_timeout);
}

PrintResult& A4PrinterDriver::fail(PrintResult& r, std::string_view error) {
    r.error = error;
    ++m_counters.failures;
    return r;
}

sim::Process<PrintResult> A4PrinterDriver::print(A4Document document) {
    ++m_counters.operations;
    PrintResult r;
    if (m_busy) co_return fail(r, "in-use");
    const BusyGuard busy(m_busy);
    sim::Simulation& s = m_channel.sim();

    // 1. The printer's state: an error reason means the job would only wait.
    if (const std::string_view e = co_await refresh(); !e.empty()) co_return fail(r, e);
    r.paper_near_end = contains(m_last.reasons, "media-low");
    if (m_last.health == Health::fault) {
        r.detail = joined(m_last.reasons);
        co_return fail(r, m_last.blocking);
    }

    // 2. Print-Job.
    IppMessage job = request(IppOperation::print_job);
    job.groups[0].add("job-name", IppValue::of_name(document.job_name));
    job.groups[0].add("document-format", IppValue::of_string(IppTag::mime_media_type, document.format));
    protocol::IppGroup& attrs = job.add_group(IppGroupTag::job);
    attrs.add("copies", IppValue::of_integer(document.copies));
    attrs.add("sides", IppValue::of_keyword(document.sides));
    Reply created = co_await call(job, document.data, false, m_options.upload_timeout);
    if (!created.error.empty()) {
        r.detail = std::move(created.detail);
        r.partial = created.error == "no-reply" || created.error == "interrupted";
        if (created.error == "line-down" || created.error == "no-reply")
            set_status(s.now(), Health::absent, {std::string(created.error)});
        co_return fail(r, created.error);
    }
    r.bytes_sent = document.data.size();
    const std::int32_t id = integer_of(created.message, IppGroupTag::job, "job-id", 0);
    if (id <= 0) {
        r.partial = true;
        r.detail = "Print-Job answered without a job-id";
        co_return fail(r, "protocol-error");
    }
    r.job_id = id;

    // 3. Follow the job to its end.
    std::int32_t state = integer_of(created.message, IppGroupTag::job, "job-state", 3);
    std::int32_t sheets_done = 0;
    std::vector<std::string> job_reasons;
    keywords_of(created.message, IppGroupTag::job, "job-state-reasons", job_reasons);
    const sim::Time deadline = s.now() + m_options.job_timeout;
    for (;;) {
        if (state == k_job_completed) break;
        if (state == k_job_aborted || state == k_job_canceled) {
            r.partial = sheets_done > 0;
            r.detail = joined(job_reasons);
            co_return fail(r, state == k_job_aborted ? "job-aborted" : "job-canceled");
        }
        if (state == k_job_processing_stopped && contains(job_reasons, "printer-stopped")) {
            if ((co_await refresh()).empty() && m_last.health == Health::fault) {
                co_await cancel(id);
                r.partial = sheets_done > 0;
                r.detail = joined(m_last.reasons);
                co_return fail(r, m_last.blocking);
            }
        }
        if (s.now() >= deadline) {
            co_await cancel(id);
            r.partial = sheets_done > 0;
            r.detail = joined(job_reasons);
            co_return fail(r, "timeout");
        }
        co_await s.delay(std::min(m_options.poll_interval, deadline - s.now()));
        IppMessage q = request(IppOperation::get_job_attributes);
        q.groups[0].add("job-id", IppValue::of_integer(id));
        q.groups[0].add("requested-attributes",
                        std::vector<IppValue>{keyword("job-state"), keyword("job-state-reasons"),
                                              keyword("job-media-sheets-completed")});
        Reply polled = co_await call(q, {}, true, m_options.request_timeout);
        if (!polled.error.empty()) {
            r.partial = true;  // the job may still be printing
            r.detail = std::move(polled.detail);
            if (polled.error == "line-down" || polled.error == "no-reply")
                set_status(s.now(), Health::absent, {std::string(polled.error)});
            co_return fail(r, polled.error);
        }
        state = integer_of(polled.message, IppGroupTag::job, "job-state", state);
        sheets_done = integer_of(polled.message, IppGroupTag::job, "job-media-sheets-completed", sheets_done);
        keywords_of(polled.message, IppGroupTag::job, "job-state-reasons", job_reasons);
    }

    // 4. What the job took: toner, paper.
    if ((co_await refresh()).empty()) r.paper_near_end = contains(m_last.reasons, "media-low");
    co_return r;
}

sim::Process<Health> A4PrinterDriver::poll() {
    ++m_counters.polls;
    // print() is talking to the printer and keeps the status current.
    if (m_busy) co_return m_status.health;
    const BusyGuard busy(m_busy);
    co_await refresh();
    co_return m_status.health;
}

}  // namespace kiosktwin::kiosk
