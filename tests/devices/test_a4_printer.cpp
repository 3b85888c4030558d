// The A4 printer (证明/材料打印) as an IPP printer in virtual time: RFC 8011
// request checks, job timing (warm-up, pages per minute), consumables and the
// printer-state-reasons of peripherals.md §2.3, faults of every trigger kind,
// and the R-7.2-1 status it reports.
#include <kiosktwin/devices/a4_printer.hpp>
#include <kiosktwin/devices/trace.hpp>
#include <kiosktwin/protocol/ipp.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>
#include <string>

namespace devices_a4_printer_test {

using namespace kiosktwin;
using namespace kiosktwin::devices;
using namespace kiosktwin::protocol;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr const char* k_uri = "ipp://kiosk-1.local:8101/ipp/print";

sim::Time at(double seconds) { return sim::at_seconds(seconds); }

// A two-page PDF, uncompressed, as a kiosk would send a certificate.
std::string pdf(int pages) {
    std::string s = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
                    "2 0 obj << /Type /Pages /Count " + std::to_string(pages) + " >> endobj\n";
    for (int i = 0; i < pages; ++i)
        s += std::to_string(3 + i) + " 0 obj << /Type/Page /Parent 2 0 R >> endobj\n";
    return s + "%%EOF\n";
}

// A minimal IPP client over A4Printer::handle.
class Client {
public:
    explicit Client(A4Printer& p) : m_p(p) {}

    IppMessage request(IppOperation op, std::string user = "citizen") {
        IppMessage m;
        m.op_or_status = static_cast<std::uint16_t>(op);
        m.request_id = m_next_id++;
        IppGroup& g = m.add_group(IppGroupTag::operation);
        g.add("attributes-charset", IppValue::of_string(IppTag::charset, "utf-8"));
        g.add("attributes-natural-language", IppValue::of_string(IppTag::natural_language, "zh-cn"));
        g.add("printer-uri", IppValue::of_uri(k_uri));
        g.add("requesting-user-name", IppValue::of_name(std::move(user)));
        return m;
    }

    HttpResponse post(sim::Time t, const Bytes& body, std::string content_type = "application/ipp") {
        HttpRequest h;
        h.method = "POST";
        h.target = "/ipp/print";
        h.headers["content-type"] = std::move(content_type);
        h.headers["host"] = "kiosk-1.local:8101";
        h.body.assign(body.begin(), body.end());
        return m_p.handle(t, h);
    }

    IppMessage send(sim::Time t, const IppMessage& m) {
        const HttpResponse h = post(t, encode(m));
        REQUIRE(h.status == 200);
        REQUIRE(h.content_type == "application/ipp");
        IppDecodeResult r = decode_ipp(Bytes(h.body.begin(), h.body.end()));
        REQUIRE(r.has_value());
        CHECK(r->request_id == m.request_id);
        return std::move(r).value();
    }

    // Print-Job of `doc` as `format`; returns the response.
    IppMessage print(sim::Time t, const std::string& doc, const std::string& format = "application/pdf",
                     std::vector<IppAttribute> job_attrs = {}, std::string user = "citizen") {
        IppMessage m = request(IppOperation::print_job, std::move(user));
        m.groups[0].add("job-name", IppValue::of_name("certificate"));
        m.groups[0].add("document-format", IppValue::of_string(IppTag::mime_media_type, format));
        if (!job_attrs.empty()) m.add_group(IppGroupTag::job).attributes = std::move(job_attrs);
        m.data.assign(doc.begin(), doc.end());
        return send(t, m);
    }

    IppMessage job_request(IppOperation op, std::int32_t job_id) {
        IppMessage m = request(op);
        m.groups[0].add("job-id", IppValue::of_integer(job_id));
        return m;
    }

private:
    A4Printer& m_p;
    std::int32_t m_next_id = 1;
};

std::uint16_t status_of(const IppMessage& m) { return m.op_or_status; }
bool ok(const IppMessage& m) { return m.op_or_status == 0x0000; }

std::int32_t job_id_of(const IppMessage& m) {
    const IppAttribute* a = m.find(IppGroupTag::job, "job-id");
    REQUIRE(a != nullptr);
    return a->values[0].integer;
}

const IppAttribute& attr(const IppMessage& m, IppGroupTag g, const std::string& name) {
    const IppAttribute* a = m.find(g, name);
    INFO("attribute " << name);
    REQUIRE(a != nullptr);
    return *a;
}

std::vector<std::string> strings(const IppAttribute& a) {
    std::vector<std::string> v;
    for (const auto& x : a.values) v.push_back(x.text);
    return v;
}

bool has(const std::vector<std::string>& v, const std::string& s) { return std::find(v.begin(), v.end(), s) != v.end(); }

// The host's loop: wake the device whenever it asks, up to `end`.
void run_until(A4Printer& p, sim::Time end) {
    for (int i = 0; i < 1'000'000; ++i) {
        const sim::Time t = p.next_wakeup();
        if (t > end) break;
        p.on_wakeup(std::max(t, sim::Time{}));
    }
    p.on_wakeup(end);
}

// The instant a job reached a terminal state, driving the device by its wakeups alone.
sim::Time completion_of(A4Printer& p, std::int32_t id, sim::Time limit) {
    for (int i = 0; i < 1'000'000; ++i) {
        const A4PrintJob* j = p.job(id);
        REQUIRE(j != nullptr);
        if (j->completed) return *j->completed;
        const sim::Time t = p.next_wakeup();
        REQUIRE(t <= limit);
        p.on_wakeup(t);
    }
    FAIL("no completion");
    return sim::end_of_time;
}

json inject(A4Printer& p, sim::Time t, json rule) {
    rule["action"] = "inject_fault";
    const ActionResult r = p.act(t, rule);
    REQUIRE(r.ok);
    return r.data;
}

}  // namespace

// --- RFC 8011 request handling --------------------------------------------------------------

TEST_CASE("Get-Printer-Attributes carries what RFC 8011 and ipptool's ipp-1.1.test require (R-8.3-1)",
          "[devices][a4_printer][ipp]") {
    A4Printer p("kiosk-1/a4", 1);
    Client c(p);
    const IppMessage r = c.send(at(1), c.request(IppOperation::get_printer_attributes));
    REQUIRE(ok(r));
    CHECK(r.groups[0].attributes[0].name == "attributes-charset");
    CHECK(r.groups[0].attributes[1].name == "attributes-natural-language");
    const std::pair<const char*, IppTag> required[] = {
        {"printer-uri-supported", IppTag::uri},
        {"uri-security-supported", IppTag::keyword},
        {"uri-authentication-supported", IppTag::keyword},
        {"printer-name", IppTag::name},
        {"printer-state", IppTag::enumeration},
        {"printer-state-reasons", IppTag::keyword},
        {"printer-state-message", IppTag::text},
        {"ipp-versions-supported", IppTag::keyword},
        {"operations-supported", IppTag::enumeration},
        {"charset-configured", IppTag::charset},
        {"charset-supported", IppTag::charset},
        {"natural-language-configured", IppTag::natural_language},
        {"generated-natural-language-supported", IppTag::natural_language},
        {"document-format-default", IppTag::mime_media_type},
        {"document-format-supported", IppTag::mime_media_type},
        {"printer-is-accepting-jobs", IppTag::boolean},
        {"queued-job-count", IppTag::integer},
        {"pdl-override-supported", IppTag::keyword},
        {"printer-up-time", IppTag::integer},
        {"compression-supported", IppTag::keyword},
        {"media-default", IppTag::keyword},
        {"media-supported", IppTag::keyword},
        {"sides-supported", IppTag::keyword},
        {"copies-supported", IppTag::range_of_integer},
        {"printer-make-and-model", IppTag::text},
        {"printer-info", IppTag::text},
        {"printer-location", IppTag::text},
        {"media-col-default", IppTag::beg_collection},
        {"printer-resolution-default", IppTag::resolution},
        {"color-supported", IppTag::boolean},
    };
    for (const auto& [name, tag] : required) {
        INFO(name);
        CHECK(attr(r, IppGroupTag::printer, name).tag() == tag);
    }
    // printer-uri-supported and uri-security-supported pair up one to one.
    CHECK(attr(r, IppGroupTag::printer, "printer-uri-supported").values.size() ==
          attr(r, IppGroupTag::printer, "uri-security-supported").values.size());
    CHECK(strings(attr(r, IppGroupTag::printer, "printer-uri-supported")) == std::vector<std::string>{k_uri});
    CHECK(attr(r, IppGroupTag::printer, "printer-state").values[0].integer == 3);
    CHECK(strings(attr(r, IppGroupTag::printer, "printer-state-reasons")) == std::vector<std::string>{"none"});
    CHECK(attr(r, IppGroupTag::printer, "printer-up-time").values[0].integer == 2);  // > 0 (RFC 8011 §5.4.29)
    CHECK(has(strings(attr(r, IppGroupTag::printer, "document-format-supported")), "application/pdf"));
    CHECK(has(strings(attr(r, IppGroupTag::printer, "ipp-versions-supported")), "1.1"));
    CHECK(has(strings(attr(r, IppGroupTag::printer, "media-supported")), "iso_a4_210x297mm"));
    CHECK(has(strings(attr(r, IppGroupTag::printer, "sides-supported")), "two-sided-long-edge"));
    std::vector<std::int32_t> ops;
    for (const auto& v : attr(r, IppGroupTag::printer, "operations-supported").values) ops.push_back(v.integer);
    for (std::int32_t op : {0x0002, 0x0004, 0x0005, 0x0006, 0x0008, 0x0009, 0x000a, 0x000b})
        CHECK(std::find(ops.begin(), ops.end(), op) != ops.end());
    CHECK(std::find(ops.begin(), ops.end(), 0x0003) == ops.end());  // no Print-URI
}

TEST_CASE("requested-attributes selects names and groups", "[devices][a4_printer][ipp]") {
    A4Printer p("kiosk-1/a4", 1);
    Client c(p);
    IppMessage one = c.request(IppOperation::get_printer_attributes);
    one.groups[0].add("requested-attributes", IppValue::of_keyword("printer-uri-supported"));
    const IppMessage r1 = c.send(at(0), one);
    REQUIRE(r1.group(IppGroupTag::printer) != nullptr);
    CHECK(r1.group(IppGroupTag::printer)->attributes.size() == 1);
    CHECK(r1.find(IppGroupTag::printer, "printer-name") == nullptr);

    IppMessage tmpl = c.request(IppOperation::get_printer_attributes);
    tmpl.groups[0].add("requested-attributes", {IppValue::of_keyword("job-template"), IppValue::of_keyword("printer-state")});
    const IppMessage r2 = c.send(at(0), tmpl);
    CHECK(r2.find(IppGroupTag::printer, "copies-supported") != nullptr);
    CHECK(r2.find(IppGroupTag::printer, "sides-default") != nullptr);
    CHECK(r2.find(IppGroupTag::printer, "printer-state") != nullptr);
    CHECK(r2.find(IppGroupTag::printer, "printer-name") == nullptr);
}

TEST_CASE("the printer URI comes from the configuration, the request's printer-uri or its Host header",
          "[devices][a4_printer][ipp]") {
    auto uri_seen = [](A4Printer& p, const std::string& printer_uri) {
        Client c(p);
        IppMessage m = c.request(IppOperation::get_printer_attributes);
        m.groups[0].attributes[2].values[0].text = printer_uri;
        const IppMessage r = c.send(at(0), m);
        REQUIRE(ok(r));
        return strings(attr(r, IppGroupTag::printer, "printer-uri-supported"))[0];
    };
    A4Printer plain("kiosk-1/a4", 1);
    CHECK(uri_seen(plain, "ipp://127.0.0.1:631/ipp/print") == "ipp://127.0.0.1:631/ipp/print");
    CHECK(uri_seen(plain, "ipps://printer.example/ipp/print") == "ipps://printer.example/ipp/print");
    CHECK(uri_seen(plain, "http://127.0.0.1/ipp/print") == "ipp://kiosk-1.local:8101/ipp/print");  // Host header
    A4PrinterConfig cfg;
    cfg.printer_uri = "ipp://a4.kiosk-1.lan:631/ipp/print";
    A4Printer fixed("kiosk-1/a4", 1, cfg);
    CHECK(uri_seen(fixed, "ipp://127.0.0.1:631/ipp/print") == cfg.printer_uri);
}

TEST_CASE("RFC 8011 §4.1: malformed requests get IPP errors inside HTTP 200", "[devices][a4_printer][ipp]") {
    A4Printer p("kiosk-1/a4", 1);
    Client c(p);
    SECTION("request-id 0 (§4.1.1)") {
        IppMessage m = c.request(IppOperation::get_printer_attributes);
        m.request_id = 0;
        const HttpResponse h = c.post(at(0), encode(m));
        CHECK(h.status == 200);
        const IppMessage r = decode_ipp(Bytes(h.body.begin(), h.body.end())).value();
        CHECK(r.op_or_status == 0x0400);
        CHECK(r.group(IppGroupTag::printer) == nullptr);
    }
    SECTION("charset and natural language out of order (§4.1.4)") {
        IppMessage m = c.request(IppOperation::get_printer_attributes);
        std::swap(m.groups[0].attributes[0], m.groups[0].attributes[1]);
        CHECK(status_of(c.send(at(0), m)) == 0x0400);
    }
    SECTION("no operation attributes at all") {
        IppMessage m = c.request(IppOperation::get_printer_attributes);
        m.groups[0].attributes.clear();
        CHECK(status_of(c.send(at(0), m)) == 0x0400);
    }
    SECTION("an unsupported charset") {
        IppMessage m = c.request(IppOperation::get_printer_attributes);
        m.groups[0].attributes[0].values[0].text = "iso-8859-1";
        const IppMessage r = c.send(at(0), m);
        CHECK(status_of(r) == 0x040d);
        CHECK(r.find(IppGroupTag::unsupported, "attributes-charset") != nullptr);
    }
    SECTION("version 0.0 (§4.1.8): answered as 1.1") {
        IppMessage m = c.request(IppOperation::get_printer_attributes);
        m.version_major = 0;
        m.version_minor = 0;
        const IppMessage r = c.send(at(0), m);
        CHECK(status_of(r) == 0x0503);
        CHECK(r.version_major == 1);
        CHECK(r.version_minor == 1);
    }
    SECTION("IPP/2.0 is answered in 2.0") {
        IppMessage m = c.request(IppOperation::get_printer_attributes);
        m.version_major = 2;
        m.version_minor = 0;
        const IppMessage r = c.send(at(0), m);
        CHECK(ok(r));
        CHECK(r.version_major == 2);
    }
    SECTION("no printer-uri (§4.2)") {
        IppMessage m = c.request(IppOperation::get_printer_attributes);
        m.groups[0].attributes.erase(m.groups[0].attributes.begin() + 2);
        CHECK(status_of(c.send(at(0), m)) == 0x0400);
    }
    SECTION("a printer-uri that names another printer") {
        IppMessage m = c.request(IppOperation::get_printer_attributes);
        m.groups[0].attributes[2].values[0].text = "ipp://host/printers/other";
        CHECK(status_of(c.send(at(0), m)) == 0x0406);
    }
    SECTION("an operation it does not support") {
        CHECK(status_of(c.send(at(0), c.request(IppOperation::print_uri))) == 0x0501);
        CHECK(status_of(c.send(at(0), c.request(static_cast<IppOperation>(0x4000)))) == 0x0501);
    }
    SECTION("a truncated message still echoes its request-id") {
        Bytes b = encode(c.request(IppOperation::get_printer_attributes));
        b.resize(b.size() - 10);
        const HttpResponse h = c.post(at(0), b);
        CHECK(h.status == 200);
        const IppMessage r = decode_ipp(Bytes(h.body.begin(), h.body.end())).value();
        CHECK(r.op_or_status == 0x0400);
        CHECK(r.request_id == 1);
        CHECK(attr(r, IppGroupTag::operation, "status-message").values[0].text.find("at byte") != std::string::npos);
    }
}

TEST_CASE("non-IPP HTTP gets HTTP errors with JSON bodies", "[devices][a4_printer][http]") {
    A4Printer p("kiosk-1/a4", 1);
    Client c(p);
    HttpRequest get;
    get.method = "GET";
    get.target = "/ipp/print";
    const HttpResponse g = p.handle(at(0), get);
    CHECK(g.status == 405);
    CHECK(g.content_type == "application/json");
    CHECK(std::find(g.headers.begin(), g.headers.end(), std::pair<std::string, std::string>{"Allow", "POST"}) != g.headers.end());
    const HttpResponse wrong = c.post(at(0), encode(c.request(IppOperation::get_printer_attributes)), "text/plain");
    CHECK(wrong.status == 400);
    CHECK(json::parse(wrong.body)["error"]["code"] == "bad_content_type");
    CHECK(c.post(at(0), Bytes{1, 1, 0}).status == 400);
    CHECK(c.post(at(0), encode(c.request(IppOperation::get_printer_attributes)), "application/ipp; charset=x").status == 200);
    HttpRequest elsewhere;
    elsewhere.method = "POST";
    elsewhere.target = "/ipp/printers";
    elsewhere.headers["content-type"] = "application/ipp";
    CHECK(p.handle(at(0), elsewhere).status == 404);
    CHECK(p.path_prefix() == "/ipp/print");
    CHECK(p.kind() == "a4_printer");
}

TEST_CASE("IPP answers carry the configured processing latency", "[devices][a4_printer][timing]") {
    A4Printer p("kiosk-1/a4", 1);
    Client c(p);
    CHECK(c.post(at(0), encode(c.request(IppOperation::get_printer_attributes))).delay == 5ms);
    A4Printer slow("kiosk-1/a4", 1, A4PrinterConfig::from_json(json{{"response_ms", 250}}));
    Client cs(slow);
    CHECK(cs.post(at(0), encode(cs.request(IppOperation::get_printer_attributes))).delay == 250ms);
}

// --- printing in virtual time ------------------------------------------------------------------

TEST_CASE("a 2-page PDF prints after an 8 s warm-up at 30 ppm; a warm fuser starts at once", "[devices][a4_printer][timing]") {
    A4Printer p("kiosk-1/a4", 1);
    Client c(p);
    const IppMessage r = c.print(at(0), pdf(2));
    REQUIRE(ok(r));
    const std::int32_t id = job_id_of(r);
    CHECK(attr(r, IppGroupTag::job, "job-state").values[0].integer == 5);  // the idle engine took it at once
    CHECK(strings(attr(r, IppGroupTag::job, "job-uri"))[0] == std::string(k_uri) + "/" + std::to_string(id));
    CHECK(p.job(id)->pages == 2);
    CHECK(p.printer_state(at(0)) == IppPrinterState::processing);
    p.on_wakeup(at(7.999));
    CHECK(p.sheets() == 250);  // still warming up
    CHECK(p.describe(at(7.999))["state"]["engine"] == "warming");
    CHECK(completion_of(p, id, at(60)) == at(12));  // 8 s + 2 × 2 s
    CHECK(p.job(id)->state == IppJobState::completed);
    CHECK(p.job(id)->impressions_done == 2);
    CHECK(p.sheets() == 248);
    CHECK(p.toner_pct() == Approx(100.0 - 2 * 0.02));
    CHECK(p.printer_state(at(12)) == IppPrinterState::idle);

    // 20 s: the fuser is still hot (it holds 60 s after the last sheet).
    const std::int32_t second = job_id_of(c.print(at(20), pdf(2)));
    CHECK(completion_of(p, second, at(100)) == at(24));
    // 24 + 60 s later it has cooled: the warm-up is back.
    const std::int32_t third = job_id_of(c.print(at(85), pdf(1)));
    CHECK(completion_of(p, third, at(200)) == at(85 + 8 + 2));

    // Get-Job-Attributes reports the times as printer-up-time seconds.
    const IppMessage ga = c.send(at(100), c.job_request(IppOperation::get_job_attributes, id));
    CHECK(attr(ga, IppGroupTag::job, "time-at-creation").values[0].integer == 1);
    CHECK(attr(ga, IppGroupTag::job, "time-at-completed").values[0].integer == 13);
    CHECK(attr(ga, IppGroupTag::job, "job-impressions-completed").values[0].integer == 2);
    CHECK(strings(attr(ga, IppGroupTag::job, "job-state-reasons")) == std::vector<std::string>{"job-completed-successfully"});
}

TEST_CASE("jobs queue behind each other in order; the host loop and direct calls agree", "[devices][a4_printer][timing]") {
    A4PrinterConfig cfg;
    cfg.pages_per_minute = 20;  // 3 s a page
    A4Printer p("kiosk-1/a4", 1, cfg);
    Client c(p);
    const std::int32_t a = job_id_of(c.print(at(0), pdf(3)));
    const IppMessage rb = c.print(at(1), pdf(1));
    CHECK(attr(rb, IppGroupTag::job, "job-state").values[0].integer == 3);
    CHECK(attr(rb, IppGroupTag::job, "number-of-intervening-jobs").values[0].integer == 1);
    const std::int32_t b = job_id_of(rb);
    CHECK(p.describe(at(1))["state"]["queued_jobs"] == 2);
    CHECK(completion_of(p, a, at(100)) == at(8 + 9));
    CHECK(completion_of(p, b, at(100)) == at(8 + 9 + 3));
    CHECK(p.next_wakeup() == sim::end_of_time);  // idle: nothing to wake for

    // The same through the host loop with coarse steps: same outcome.
    A4Printer q("kiosk-1/a4", 1, cfg);
    Client cq(q);
    cq.print(at(0), pdf(3));
    cq.print(at(1), pdf(1));
    run_until(q, at(100));
    CHECK(*q.job(a)->completed == at(17));
    CHECK(*q.job(b)->completed == at(20));
}

TEST_CASE("pages are counted from the document: PDF objects, text lines, images, copies and duplex",
          "[devices][a4_printer]") {
    A4PrinterConfig cfg;
    cfg.text_lines_per_page = 60;
    cfg.text_columns = 80;
    A4Printer p("kiosk-1/a4", 1, cfg);
    Client c(p);
    auto pages = [&](const std::string& doc, const std::string& format, std::vector<IppAttribute> attrs = {}) {
        const IppMessage r = c.print(at(0), doc, format, std::move(attrs));
        REQUIRE(ok(r));
        return *p.job(job_id_of(r));
    };
    std::string text;
    for (int i = 0; i < 130; ++i) text += "line " + std::to_string(i) + "\n";
    CHECK(pages(text, "text/plain").pages == 3);
    CHECK(pages(std::string(60, '\n'), "text/plain").pages == 1);
    CHECK(pages("page one\fpage two\f", "text/plain").pages == 2);
    CHECK(pages(std::string(81 * 60, 'x'), "text/plain").pages == 2);       // long lines wrap at 80 columns
    std::string cjk;
    for (int i = 0; i < 41; ++i) cjk += "证";                                // 41 wide characters = 82 columns
    CHECK(pages(cjk, "text/plain").pages == 1);
    CHECK(pages("\xff\xd8\xff\xe0 jpeg", "image/jpeg").pages == 1);
    const A4PrintJob sniffed = pages(pdf(4), "application/octet-stream");
    CHECK(sniffed.format == "application/pdf");
    CHECK(sniffed.pages == 4);
    CHECK(pages("%PDF-1.7 /Type /Pages /Type /PageLabels /Type/Page /Type /Page\n", "application/pdf").pages == 2);

    const A4PrintJob copies = pages(pdf(3), "application/pdf",
                                    {IppAttribute("copies", IppValue::of_integer(2)),
                                     IppAttribute("sides", IppValue::of_keyword("two-sided-long-edge"))});
    CHECK(copies.impressions == 6);
    CHECK(copies.sheets == 4);  // 2 sheets a copy: 2 + 1 impressions

    // A compressed PDF hides its page objects: job-impressions stands in.
    IppMessage m = c.request(IppOperation::print_job);
    m.groups[0].add("document-format", IppValue::of_string(IppTag::mime_media_type, "application/pdf"));
    m.groups[0].add("job-impressions", IppValue::of_integer(7));
    const std::string opaque = "%PDF-1.5 (object streams only)";
    m.data.assign(opaque.begin(), opaque.end());
    CHECK(p.job(job_id_of(c.send(at(0), m)))->pages == 7);
}

TEST_CASE("a document that is not what its format says aborts with document-format-error", "[devices][a4_printer]") {
    A4Printer p("kiosk-1/a4", 1);
    Client c(p);
    const std::int32_t id = job_id_of(c.print(at(0), "this is not a PDF", "application/pdf"));
    run_until(p, at(30));
    CHECK(p.job(id)->state == IppJobState::aborted);
    CHECK(p.job(id)->reasons == std::vector<std::string>{"document-format-error"});
    CHECK(p.sheets() == 250);
}

// --- consumables and printer-state-reasons (peripherals.md §2.3) ----------------------------

TEST_CASE("R-7.2-1 paper: media-low (WARN) at 1..25 sheets; media-empty (FAULT) stops a job with media-needed until load_paper",
          "[devices][a4_printer][consumables]") {
    A4PrinterConfig cfg;
    cfg.sheets = 27;
    A4Printer p("kiosk-1/a4", 1, cfg);
    Client c(p);
    CHECK(p.status(at(0)).health == Health::ok);
    const std::int32_t first = job_id_of(c.print(at(0), pdf(2)));
    CHECK(completion_of(p, first, at(60)) == at(12));
    CHECK(p.sheets() == 25);
    CHECK(p.printer_state_reasons(at(12)) == std::vector<std::string>{"media-low-warning"});
    CHECK(p.status(at(12)) == DeviceStatus{Health::warn, {"media-low"}});

    // 30 pages with 25 sheets: the tray runs out at the 25th, the job waits.
    const std::int32_t big = job_id_of(c.print(at(20), pdf(30)));
    run_until(p, at(200));
    const A4PrintJob* j = p.job(big);
    CHECK(j->state == IppJobState::processing_stopped);
    CHECK(j->reasons == std::vector<std::string>{"printer-stopped"});
    CHECK(j->sheets_done == 25);
    CHECK(p.sheets() == 0);
    CHECK(p.printer_state(at(200)) == IppPrinterState::stopped);
    CHECK(p.printer_state_reasons(at(200)) == std::vector<std::string>{"media-empty-error", "media-needed-error"});
    CHECK(p.status(at(200)) == DeviceStatus{Health::fault, {"media-empty", "media-needed"}});
    const IppMessage pa = c.send(at(200), c.request(IppOperation::get_printer_attributes));
    CHECK(attr(pa, IppGroupTag::printer, "printer-state").values[0].integer == 5);
    CHECK(strings(attr(pa, IppGroupTag::printer, "printer-state-message"))[0] == "Out of paper: load A4 paper");

    // 25 sheets took 20 + 50 s; the fuser cooled by 200 s: loading paper resumes with a warm-up.
    const ActionResult load = p.act(at(200), json{{"action", "load_paper"}, {"sheets", 100}});
    REQUIRE(load.ok);
    CHECK(load.data["sheets"] == 100);
    CHECK(completion_of(p, big, at(400)) == at(200 + 8 + 5 * 2));
    CHECK(p.sheets() == 95);
    CHECK(p.status(at(300)).health == Health::ok);

    // With nothing waiting, an empty tray is reported but the printer is idle.
    REQUIRE(p.act(at(300), json{{"action", "set_consumables"}, {"sheets", 0}}).ok);
    CHECK(p.printer_state(at(300)) == IppPrinterState::idle);
    CHECK(p.printer_state_reasons(at(300)) == std::vector<std::string>{"media-empty-error"});
}

TEST_CASE("R-7.2-1 toner: toner-low below 10 %, toner-empty (FAULT) stops the printer until replace_toner", "[devices][a4_printer][consumables]") {
    A4PrinterConfig cfg;
    cfg.toner_pct = 9.5;
    cfg.toner_pct_per_page = 4.0;
    A4Printer p("kiosk-1/a4", 1, cfg);
    Client c(p);
    CHECK(p.printer_state_reasons(at(0)) == std::vector<std::string>{"toner-low-warning"});
    const std::int32_t id = job_id_of(c.print(at(0), pdf(5)));
    run_until(p, at(100));
    CHECK(p.toner_pct() == 0.0);
    CHECK(p.job(id)->impressions_done == 3);  // 9.5 → 5.5 → 1.5 → 0
    CHECK(p.printer_state(at(100)) == IppPrinterState::stopped);
    CHECK(has(p.printer_state_reasons(at(100)), "toner-empty-error"));
    CHECK(p.status(at(100)) == DeviceStatus{Health::fault, {"toner-empty"}});
    REQUIRE(p.act(at(100), json{{"action", "replace_toner"}}).ok);
    CHECK(completion_of(p, id, at(300)) == at(100 + 8 + 2 * 2));
}

TEST_CASE("waste toner: almost full from 90 %, full at 100 % stops the printer until empty_waste",
          "[devices][a4_printer][consumables]") {
    A4PrinterConfig cfg;
    cfg.waste_pct = 89.0;
    cfg.waste_pct_per_page = 5.0;
    A4Printer p("kiosk-1/a4", 1, cfg);
    Client c(p);
    const std::int32_t id = job_id_of(c.print(at(0), pdf(4)));
    p.on_wakeup(at(10));  // one page: 94 %
    CHECK(p.status(at(10)) == DeviceStatus{Health::warn, {"marker-waste-almost-full"}});
    run_until(p, at(100));
    CHECK(p.waste_pct() == 100.0);
    CHECK(p.job(id)->impressions_done == 3);
    CHECK(has(p.printer_state_reasons(at(100)), "marker-waste-full-error"));
    REQUIRE(p.act(at(100), json{{"action", "empty_waste"}}).ok);
    CHECK(completion_of(p, id, at(300)) == at(110));
}

TEST_CASE("state reasons without suffixes when configured", "[devices][a4_printer][consumables]") {
    A4PrinterConfig cfg = A4PrinterConfig::from_json(json{{"sheets", 0}, {"toner_pct", 5}, {"state_reason_suffixes", false}});
    A4Printer p("kiosk-1/a4", 1, cfg);
    CHECK(p.printer_state_reasons(at(0)) == std::vector<std::string>{"media-empty", "toner-low"});
}

// --- the other operations ----------------------------------------------------------------------

TEST_CASE("Create-Job + Send-Document: last-document is required; the job prints when it is closed",
          "[devices][a4_printer][ipp]") {
    A4Printer p("kiosk-1/a4", 1);
    Client c(p);
    const IppMessage created = c.send(at(0), c.request(IppOperation::create_job));
    REQUIRE(ok(created));
    const std::int32_t id = job_id_of(created);
    CHECK(strings(attr(created, IppGroupTag::job, "job-state-reasons")) == std::vector<std::string>{"job-incoming"});

    IppMessage doc = c.job_request(IppOperation::send_document, id);
    doc.groups[0].add("document-format", IppValue::of_string(IppTag::mime_media_type, "application/pdf"));
    const std::string two = pdf(2);
    doc.data.assign(two.begin(), two.end());
    CHECK(status_of(c.send(at(1), doc)) == 0x0400);  // no last-document

    IppMessage first = doc;
    first.request_id = 100;
    first.groups[0].add("last-document", IppValue::of_boolean(false));
    CHECK(ok(c.send(at(1), first)));
    run_until(p, at(30));
    CHECK(p.job(id)->state == IppJobState::pending);  // still open: nothing printed

    IppMessage last = doc;
    last.request_id = 101;
    last.groups[0].add("last-document", IppValue::of_boolean(true));
    CHECK(ok(c.send(at(30), last)));
    CHECK(p.job(id)->documents == 2);
    CHECK(p.job(id)->pages == 4);
    CHECK(completion_of(p, id, at(100)) == at(30 + 8 + 8));
    last.request_id = 102;
    CHECK(status_of(c.send(at(50), last)) == 0x0404);  // closed
}

TEST_CASE("a Create-Job left open past multiple-operation-time-out is aborted", "[devices][a4_printer][ipp]") {
    A4PrinterConfig cfg;
    cfg.multiple_operation_timeout_s = 60;
    A4Printer p("kiosk-1/a4", 1, cfg);
    Client c(p);
    const std::int32_t id = job_id_of(c.send(at(0), c.request(IppOperation::create_job)));
    CHECK(p.next_wakeup() == at(60));
    p.on_wakeup(at(59.9));
    CHECK(p.job(id)->state == IppJobState::pending);
    p.on_wakeup(at(60));
    CHECK(p.job(id)->state == IppJobState::aborted);
    CHECK(p.job(id)->reasons == std::vector<std::string>{"aborted-by-system"});
}

TEST_CASE("Cancel-Job by job-id or job-uri; finished and unknown jobs refuse", "[devices][a4_printer][ipp]") {
    A4Printer p("kiosk-1/a4", 1);
    Client c(p);
    const std::int32_t a = job_id_of(c.print(at(0), pdf(2)));
    const std::int32_t b = job_id_of(c.print(at(0), pdf(2)));
    CHECK(ok(c.send(at(1), c.job_request(IppOperation::cancel_job, b))));
    CHECK(p.job(b)->state == IppJobState::canceled);
    CHECK(p.job(b)->reasons == std::vector<std::string>{"job-canceled-by-user"});
    CHECK(status_of(c.send(at(1), c.job_request(IppOperation::cancel_job, b))) == 0x0404);
    CHECK(status_of(c.send(at(1), c.job_request(IppOperation::cancel_job, 999))) == 0x0406);
    IppMessage by_uri = c.request(IppOperation::cancel_job);
    by_uri.groups[0].attributes.erase(by_uri.groups[0].attributes.begin() + 2);  // no printer-uri
    by_uri.groups[0].add("job-uri", IppValue::of_uri(std::string(k_uri) + "/" + std::to_string(a)));
    CHECK(ok(c.send(at(7), by_uri)));  // during the warm-up
    CHECK(p.job(a)->state == IppJobState::canceled);
    CHECK(p.printer_state(at(7)) == IppPrinterState::idle);
    CHECK(p.sheets() == 250);
}

TEST_CASE("Get-Jobs: which-jobs, my-jobs, limit, requested-attributes and order", "[devices][a4_printer][ipp]") {
    A4Printer p("kiosk-1/a4", 1);
    Client c(p);
    const std::int32_t a = job_id_of(c.print(at(0), pdf(1), "application/pdf", {}, "alice"));
    const std::int32_t b = job_id_of(c.print(at(0), pdf(1), "application/pdf", {}, "bob"));
    run_until(p, at(60));
    const std::int32_t d = job_id_of(c.print(at(60), pdf(1), "application/pdf", {}, "alice"));
    auto ids = [](const IppMessage& m) {
        std::vector<std::int32_t> v;
        for (const auto& g : m.groups)
            if (g.tag == IppGroupTag::job) v.push_back(g.find("job-id")->values[0].integer);
        return v;
    };
    const IppMessage active = c.send(at(60), c.request(IppOperation::get_jobs));
    CHECK(ids(active) == std::vector<std::int32_t>{d});
    CHECK(active.groups[1].attributes.size() == 2);  // job-uri and job-id by default
    IppMessage done = c.request(IppOperation::get_jobs);
    done.groups[0].add("which-jobs", IppValue::of_keyword("completed"));
    CHECK(ids(c.send(at(60), done)) == std::vector<std::int32_t>{b, a});  // most recently completed first
    IppMessage mine = c.request(IppOperation::get_jobs, "alice");
    mine.groups[0].add("which-jobs", IppValue::of_keyword("completed"));
    mine.groups[0].add("my-jobs", IppValue::of_boolean(true));
    mine.groups[0].add("requested-attributes", IppValue::of_keyword("all"));
    const IppMessage alice = c.send(at(60), mine);
    CHECK(ids(alice) == std::vector<std::int32_t>{a});
    CHECK(alice.find(IppGroupTag::job, "job-originating-user-name")->values[0].text == "alice");
    IppMessage limited = c.request(IppOperation::get_jobs);
    limited.groups[0].add("which-jobs", IppValue::of_keyword("completed"));
    limited.groups[0].add("limit", IppValue::of_integer(1));
    CHECK(ids(c.send(at(60), limited)).size() == 1);
    IppMessage bad = c.request(IppOperation::get_jobs);
    bad.groups[0].add("which-jobs", IppValue::of_keyword("fetchable"));
    const IppMessage refused = c.send(at(60), bad);
    CHECK(status_of(refused) == 0x040b);
    CHECK(refused.find(IppGroupTag::unsupported, "which-jobs") != nullptr);
}

TEST_CASE("Validate-Job and job template checks: fidelity, substitution, formats, compression",
          "[devices][a4_printer][ipp]") {
    A4Printer p("kiosk-1/a4", 1);
    Client c(p);
    auto validate = [&](std::vector<IppAttribute> op_extra, std::vector<IppAttribute> job) {
        IppMessage m = c.request(IppOperation::validate_job);
        for (auto& a : op_extra) m.groups[0].attributes.push_back(std::move(a));
        if (!job.empty()) m.add_group(IppGroupTag::job).attributes = std::move(job);
        return c.send(at(0), m);
    };
    CHECK(ok(validate({IppAttribute("document-format", IppValue::of_string(IppTag::mime_media_type, "application/pdf"))}, {})));
    CHECK(status_of(validate({IppAttribute("document-format", IppValue::of_string(IppTag::mime_media_type, "application/postscript"))}, {})) == 0x040a);
    CHECK(status_of(validate({IppAttribute("compression", IppValue::of_keyword("gzip"))}, {})) == 0x040f);
    const IppMessage strict = validate({IppAttribute("ipp-attribute-fidelity", IppValue::of_boolean(true))},
                                       {IppAttribute("copies", IppValue::of_integer(1000)),
                                        IppAttribute("job-priority", IppValue::of_integer(50))});
    CHECK(status_of(strict) == 0x040b);
    CHECK(strict.find(IppGroupTag::unsupported, "copies")->values[0].integer == 1000);
    CHECK(strict.find(IppGroupTag::unsupported, "job-priority")->values[0].tag == IppTag::unsupported);
    CHECK(status_of(validate({}, {IppAttribute("media", IppValue::of_keyword("na_letter_8.5x11in"))})) == 0x0001);
    CHECK(ok(validate({}, {IppAttribute("media", IppValue::of_keyword("iso_a4_210x297mm")),
                           IppAttribute("print-quality", IppValue::of_enum(5))})));
    CHECK(p.jobs().empty());  // validation creates nothing

    // Print-Job with fidelity false: created, the unsupported value replaced by the default.
    const IppMessage r = c.print(at(0), pdf(1), "application/pdf", {IppAttribute("copies", IppValue::of_integer(1000))});
    CHECK(status_of(r) == 0x0001);
    CHECK(p.job(job_id_of(r))->copies == 1);
    CHECK(status_of(c.print(at(0), "", "application/pdf")) == 0x0400);  // no document
}

TEST_CASE("Pause-Printer stops after the current sheet; Resume-Printer continues", "[devices][a4_printer][ipp]") {
    A4Printer p("kiosk-1/a4", 1);
    Client c(p);
    const std::int32_t id = job_id_of(c.print(at(0), pdf(3)));
    CHECK(ok(c.send(at(11), c.request(IppOperation::pause_printer))));  // sheet 2 in flight is lost
    CHECK(p.printer_state(at(11)) == IppPrinterState::stopped);
    CHECK(has(p.printer_state_reasons(at(11)), "paused"));
    run_until(p, at(30));
    CHECK(p.job(id)->sheets_done == 1);
    CHECK(p.job(id)->state == IppJobState::processing_stopped);
    CHECK(ok(c.send(at(30), c.request(IppOperation::resume_printer))));
    CHECK(completion_of(p, id, at(100)) == at(30 + 2 * 2));  // the fuser is still hot (hold 60 s)
    CHECK(p.sheets() == 250 - 4);                            // the lost sheet is gone too
}

// --- faults: every trigger kind ----------------------------------------------------------------

TEST_CASE("fault nth: job_aborted strikes the 2nd job only", "[devices][a4_printer][faults]") {
    A4Printer p("kiosk-1/a4", 1);
    Client c(p);
    inject(p, at(0), json{{"fault", "job_aborted"}, {"trigger", "nth"}, {"n", 2}, {"operation", "job"}});
    std::vector<std::int32_t> ids;
    for (int i = 0; i < 3; ++i) ids.push_back(job_id_of(c.print(at(0), pdf(1))));
    run_until(p, at(100));
    CHECK(p.job(ids[0])->state == IppJobState::completed);
    CHECK(p.job(ids[1])->state == IppJobState::aborted);
    CHECK(p.job(ids[1])->reasons == std::vector<std::string>{"aborted-by-system"});
    CHECK(p.job(ids[2])->state == IppJobState::completed);
    CHECK(*p.job(ids[2])->completed == at(8 + 2 + 2));  // the aborted job cost no time
}

TEST_CASE("fault probability: seeded paper jams strike the same sheets for the same seed", "[devices][a4_printer][faults]") {
    auto jams = [](std::uint64_t seed) {
        A4Printer p("kiosk-1/a4", seed);
        Client c(p);
        inject(p, at(0), json{{"fault", "media_jam"}, {"trigger", "probability"}, {"p", 0.2}, {"operation", "page"}});
        const std::int32_t id = job_id_of(c.print(at(0), pdf(40)));
        std::vector<int> at_sheet;
        sim::Time t = at(0);
        for (int guard = 0; guard < 200 && !p.job(id)->completed; ++guard) {
            t += 10s;
            run_until(p, t);
            if (p.describe(t)["state"]["jammed"] == true) {
                CHECK(p.printer_state(t) == IppPrinterState::stopped);
                CHECK(has(p.printer_state_reasons(t), "media-jam-error"));
                CHECK(p.status(t).health == Health::fault);
                CHECK(p.job(id)->state == IppJobState::processing_stopped);
                at_sheet.push_back(p.job(id)->sheets_done);
                REQUIRE(p.act(t, json{{"action", "clear_jam"}}).ok);
            }
        }
        CHECK(p.job(id)->state == IppJobState::completed);
        CHECK(p.job(id)->sheets_done == 40);
        CHECK(p.sheets() == 250 - 40 - static_cast<int>(at_sheet.size()));  // each jam wastes its sheet
        return at_sheet;
    };
    const auto a = jams(11);
    CHECK(a == jams(11));
    CHECK(a != jams(12));
    CHECK(a.size() >= 2);
    CHECK(a.size() <= 20);
}

TEST_CASE("fault window: offline from 100 s to 160 s stops printing and lets it resume", "[devices][a4_printer][faults]") {
    A4Printer p("kiosk-1/a4", 1);
    Client c(p);
    inject(p, at(0), json{{"fault", "offline"}, {"trigger", "window"}, {"at_s", 100}, {"duration_s", 60}});
    const std::int32_t id = job_id_of(c.print(at(90), pdf(10)));  // warm at 98, sheets at 100, 102...
    run_until(p, at(130));
    CHECK(p.printer_state(at(130)) == IppPrinterState::stopped);
    CHECK(p.printer_state_reasons(at(130)) == std::vector<std::string>{"offline-error"});
    CHECK(p.status(at(130)) == DeviceStatus{Health::fault, {"offline"}});
    CHECK(p.job(id)->sheets_done == 1);  // sheet 1 completed at 100 s, just as the window opened
    // Back at 160 s: the fuser held since the 100 s sheet, cold at 160 s: warm-up, then 9 sheets.
    CHECK(completion_of(p, id, at(400)) == at(160 + 8 + 9 * 2));
    CHECK(p.status(at(200)).health == Health::ok);
}

TEST_CASE("fault now: an open door stops the printer; close_door clears it", "[devices][a4_printer][faults]") {
    A4Printer p("kiosk-1/a4", 1);
    Client c(p);
    const std::int32_t id = job_id_of(c.print(at(0), pdf(5)));
    run_until(p, at(11));  // sheet 2 in flight
    inject(p, at(11), json{{"fault", "door_open"}});
    CHECK(p.next_wakeup() <= at(11));  // the change is noticed at once
    run_until(p, at(20));
    CHECK(p.job(id)->state == IppJobState::processing_stopped);
    CHECK(p.job(id)->sheets_done == 1);
    CHECK(p.status(at(20)) == DeviceStatus{Health::fault, {"door-open"}});
    REQUIRE(p.act(at(20), json{{"action", "close_door"}}).ok);
    CHECK(p.faults().rule_count() == 0);
    CHECK(completion_of(p, id, at(100)) == at(20 + 4 * 2));
    // The physical action alone does the same.
    REQUIRE(p.act(at(40), json{{"action", "open_door"}}).ok);
    CHECK(p.status(at(40)).reasons == std::vector<std::string>{"door-open"});
}

TEST_CASE("fault http_503: the next params.count requests get HTTP 503 with Retry-After", "[devices][a4_printer][faults]") {
    A4Printer p("kiosk-1/a4", 1);
    Client c(p);
    inject(p, at(0), json{{"fault", "http_503"}, {"trigger", "nth"}, {"n", 2}, {"operation", "request"}, {"params", {{"count", 3}}}});
    const Bytes body = encode(c.request(IppOperation::get_printer_attributes));
    std::vector<int> codes;
    for (int i = 0; i < 6; ++i) codes.push_back(c.post(at(i), body).status);
    CHECK(codes == std::vector<int>{200, 503, 503, 503, 200, 200});
    inject(p, at(10), json{{"fault", "http_503"}, {"trigger", "window"}, {"at_s", 20}, {"duration_s", 5}});
    const HttpResponse busy = c.post(at(22), body);
    CHECK(busy.status == 503);
    CHECK(std::find(busy.headers.begin(), busy.headers.end(), std::pair<std::string, std::string>{"Retry-After", "1"}) !=
          busy.headers.end());
    CHECK(p.status(at(22)) == DeviceStatus{Health::warn, {"server-busy"}});
    CHECK(c.post(at(25), body).status == 200);
}

TEST_CASE("R-7.2-1 fault disconnected: ABSENT, and the host is told to refuse connections", "[devices][a4_printer][faults]") {
    A4Printer p("kiosk-1/a4", 1);
    CHECK(p.accepting_connections(at(0)));
    inject(p, at(0), json{{"fault", "disconnected"}, {"trigger", "window"}, {"at_s", 10}, {"duration_s", 10}});
    CHECK(p.status(at(15)) == DeviceStatus{Health::absent, {"disconnected"}});
    CHECK_FALSE(p.accepting_connections(at(15)));
    CHECK(p.describe(at(15))["state"]["accepting_connections"] == false);
    Client c(p);
    CHECK(c.post(at(15), encode(c.request(IppOperation::get_printer_attributes))).status == 503);
    CHECK(p.accepting_connections(at(20)));
}

TEST_CASE("fault unsupported_format refuses the next document; wrong_media asks for media", "[devices][a4_printer][faults]") {
    A4Printer p("kiosk-1/a4", 1);
    Client c(p);
    inject(p, at(0), json{{"fault", "unsupported_format"}, {"trigger", "nth"}, {"n", 1}, {"operation", "document"}});
    CHECK(status_of(c.print(at(0), pdf(1))) == 0x040a);
    CHECK(p.jobs().empty());
    const std::int32_t id = job_id_of(c.print(at(1), pdf(1)));

    inject(p, at(1), json{{"fault", "wrong_media"}, {"trigger", "nth"}, {"n", 1}, {"operation", "page"}});
    run_until(p, at(30));
    CHECK(p.job(id)->state == IppJobState::processing_stopped);
    CHECK(p.printer_state_reasons(at(30)) == std::vector<std::string>{"media-needed-error"});
    CHECK(p.status(at(30)) == DeviceStatus{Health::fault, {"media-needed"}});
    REQUIRE(p.act(at(30), json{{"action", "load_paper"}}).ok);
    run_until(p, at(60));
    CHECK(p.job(id)->state == IppJobState::completed);
}

TEST_CASE("fault job_stuck: the job stops for good until it is canceled", "[devices][a4_printer][faults]") {
    A4Printer p("kiosk-1/a4", 1);
    Client c(p);
    inject(p, at(0), json{{"fault", "job_stuck"}, {"trigger", "nth"}, {"n", 1}, {"operation", "job"}});
    const std::int32_t stuck = job_id_of(c.print(at(0), pdf(2)));
    const std::int32_t next = job_id_of(c.print(at(0), pdf(1)));
    run_until(p, at(86400));
    CHECK(p.job(stuck)->state == IppJobState::processing_stopped);
    CHECK(p.job(stuck)->reasons == std::vector<std::string>{"job-suspended-by-system"});
    CHECK(p.job(next)->state == IppJobState::pending);
    CHECK(p.printer_state(at(86400)) == IppPrinterState::processing);
    CHECK(p.status(at(86400)) == DeviceStatus{Health::fault, {"job-stuck"}});
    CHECK(ok(c.send(at(86400), c.job_request(IppOperation::cancel_job, stuck))));
    CHECK(completion_of(p, next, at(90000)) == at(86400 + 8 + 2));
}

TEST_CASE("fault media_jam as a condition: injected mid-job, cleared by clear_jam", "[devices][a4_printer][faults]") {
    A4Printer p("kiosk-1/a4", 1);
    Client c(p);
    const std::int32_t id = job_id_of(c.print(at(0), pdf(3)));
    run_until(p, at(10.5));
    inject(p, at(10.5), json{{"fault", "media_jam"}});
    run_until(p, at(40));
    CHECK(p.job(id)->state == IppJobState::processing_stopped);
    CHECK(p.job(id)->sheets_done == 1);
    const ActionResult cleared = p.act(at(40), json{{"action", "clear_jam"}});
    CHECK(cleared.data["cleared"] == true);
    CHECK(completion_of(p, id, at(100)) == at(40 + 2 * 2));
}

TEST_CASE("faults outside the taxonomy are refused", "[devices][a4_printer][faults]") {
    A4Printer p("kiosk-1/a4", 1);
    const ActionResult r = p.act(at(0), json{{"action", "inject_fault"}, {"fault", "paper_jam"}});
    CHECK_FALSE(r.ok);
    CHECK(r.error.find("media_jam") != std::string::npos);
}

// --- configuration, actions, state ---------------------------------------------------------------

TEST_CASE("config from JSON: defaults, every key, and errors that name the key", "[devices][a4_printer][config]") {
    const A4PrinterConfig d = A4PrinterConfig::from_json(json::object());
    CHECK(d.pages_per_minute == 30.0);
    CHECK(d.warmup_s == 8.0);
    CHECK(d.tray_capacity == 250);
    CHECK(d.sheets == 250);
    CHECK(A4PrinterConfig::from_json(d.to_json()).to_json() == d.to_json());
    const A4PrinterConfig small = A4PrinterConfig::from_json(json{{"tray_capacity", 100}});
    CHECK(small.sheets == 100);
    CHECK_THROWS_WITH(A4PrinterConfig::from_json(json{{"ppm", 30}}), "a4_printer config: \"ppm\" is not an a4_printer setting");
    CHECK_THROWS_WITH(A4PrinterConfig::from_json(json{{"pages_per_minute", 0}}),
                      "a4_printer config: \"pages_per_minute\" must be a number in (0, 1000]");
    CHECK_THROWS_WITH(A4PrinterConfig::from_json(json{{"sheets", 300}}),
                      "a4_printer config: \"sheets\" must not exceed tray_capacity (250)");
    CHECK_THROWS_WITH(A4PrinterConfig::from_json(json{{"duplex", "yes"}}), "a4_printer config: \"duplex\" must be true or false");
    CHECK_THROWS_WITH(A4PrinterConfig::from_json(json{{"tray_capacity", 2.5}}),
                      "a4_printer config: \"tray_capacity\" must be an integer");
    CHECK_THROWS_AS(A4PrinterConfig::from_json(json{{"printer_uri", "http://x/ipp/print"}}), std::invalid_argument);
    CHECK_THROWS_AS(A4PrinterConfig::from_json(json{{"printer_name", std::string(128, 'x')}}), std::invalid_argument);
    CHECK_THROWS_AS(A4PrinterConfig::from_json(json{{"natural_language", "zh-CN"}}), std::invalid_argument);
    CHECK_THROWS_AS(A4PrinterConfig::from_json(json::array()), std::invalid_argument);
}

TEST_CASE("actions check their JSON; describe shows consumables and jobs", "[devices][a4_printer][actions]") {
    A4Printer p("kiosk-1/a4", 1);
    Client c(p);
    CHECK_FALSE(p.act(at(0), json{{"action", "load_paper"}, {"sheets", 0}}).ok);
    CHECK_FALSE(p.act(at(0), json{{"action", "set_consumables"}}).ok);
    CHECK_FALSE(p.act(at(0), json{{"action", "set_consumables"}, {"sheets", 251}}).ok);
    CHECK_FALSE(p.act(at(0), json{{"action", "set_consumables"}, {"toner_pct", -1}}).ok);
    const ActionResult unknown = p.act(at(0), json{{"action", "set_consumables"}, {"paper", 3}});
    CHECK_FALSE(unknown.ok);
    CHECK(unknown.error == "set_consumables: unknown field \"paper\" (known: sheets, toner_pct, waste_pct)");
    REQUIRE(p.act(at(0), json{{"action", "set_consumables"}, {"sheets", 20}, {"toner_pct", 50}, {"waste_pct", 10}}).ok);
    CHECK(p.sheets() == 20);
    const ActionResult loaded = p.act(at(0), json{{"action", "load_paper"}, {"sheets", 500}});
    CHECK(loaded.data["sheets"] == 250);
    CHECK(loaded.data["loaded"] == 230);

    c.print(at(0), pdf(1));
    c.print(at(0), pdf(1));
    const ActionResult all = p.act(at(1), json{{"action", "cancel_all"}});
    CHECK(all.data["canceled"] == 2);
    CHECK(p.jobs().back().reasons == std::vector<std::string>{"job-canceled-at-device"});

    const json d = p.describe(at(1));
    CHECK(d["kind"] == "a4_printer");
    CHECK(d["health"] == "OK");
    CHECK(d["state"]["sheets"] == 250);
    CHECK(d["state"]["toner_pct"] == 50.0);
    CHECK(d["state"]["printer_state"] == "idle");
    CHECK(d["state"]["jobs"].size() == 2);
    CHECK(d["state"]["jobs"][0]["format"] == "application/pdf");
    CHECK(d["state"]["jobs"][0]["pages"] == 1);
    CHECK(d["state"]["jobs"][0]["state"] == "canceled");
    const std::vector<std::string> actions = p.actions();
    for (const char* a : {"load_paper", "replace_toner", "empty_waste", "open_door", "close_door", "clear_jam", "cancel_all",
                          "set_consumables"})
        CHECK(has(actions, a));
}

TEST_CASE("the job history is bounded however many jobs pass", "[devices][a4_printer]") {
    A4PrinterConfig cfg;
    cfg.job_history = 10;
    cfg.pages_per_minute = 600;
    A4Printer p("kiosk-1/a4", 1, cfg);
    Client c(p);
    for (int i = 0; i < 200; ++i) {
        c.print(at(i), pdf(1));
        if (i % 50 == 0) p.act(at(i), json{{"action", "load_paper"}});
    }
    run_until(p, at(300));
    CHECK(p.jobs().size() == 10);
    CHECK(p.jobs().back().id == 200);
}

TEST_CASE("exchanges and state changes are traced as decoded IPP", "[devices][a4_printer][trace]") {
    MemoryTrace trace;
    A4Printer p("kiosk-1/a4", 1);
    p.set_trace(&trace);
    Client c(p);
    const std::int32_t id = job_id_of(c.print(at(0), pdf(1)));
    run_until(p, at(30));
    const auto records = trace.records();
    REQUIRE(records.size() >= 4);
    CHECK(records[0].dir == "in");
    CHECK(records[0].frame["operation"] == "Print-Job");
    CHECK(records[0].frame["document_bytes"] == pdf(1).size());
    CHECK(records[0].raw.size() < pdf(1).size() + 400);  // attributes only: the document is not stored twice
    bool out = false;
    bool completed = false;
    for (const auto& r : records) {
        if (r.dir == "out" && r.frame["status"] == "successful-ok") out = true;
        if (r.dir == "event" && r.frame.value("job", 0) == id && r.frame.value("state", "") == "completed") {
            completed = true;
            CHECK(r.t == at(10));
        }
    }
    CHECK(out);
    CHECK(completed);
}

TEST_CASE("the same seed and inputs give the same run", "[devices][a4_printer]") {
    auto run = [](std::uint64_t seed) {
        std::stringstream s;
        JsonLinesTrace trace(s);
        A4Printer p("kiosk-1/a4", seed);
        p.set_trace(&trace);
        Client c(p);
        inject(p, at(0), json{{"fault", "media_jam"}, {"trigger", "probability"}, {"p", 0.1}, {"operation", "page"}});
        c.print(at(0), pdf(30));
        for (int i = 1; i <= 20; ++i) {
            run_until(p, at(10.0 * i));
            p.act(at(10.0 * i), json{{"action", "clear_jam"}});
        }
        return s.str();
    };
    CHECK(run(3) == run(3));
    CHECK(run(3) != run(4));
}

TEST_CASE("R-9.3-1: ID numbers in job names are masked in traces and the control API", "[devices][a4_printer][trace]") {
    MemoryTrace trace;
    A4Printer p("kiosk-1/a4", 1);
    p.set_trace(&trace);
    Client c(p);
    IppMessage m = c.request(IppOperation::print_job);
    m.groups[0].add("job-name", IppValue::of_name("居住证明-11010519491231002X.pdf"));  // synthetic, valid check digit
    const std::string doc = pdf(1);
    m.data.assign(doc.begin(), doc.end());
    const IppMessage r = c.send(at(0), m);
    REQUIRE(ok(r));
    // The kiosk gets its own job name back untouched (that is the protocol)...
    const IppMessage ga = c.send(at(1), c.job_request(IppOperation::get_job_attributes, job_id_of(r)));
    CHECK(attr(ga, IppGroupTag::job, "job-name").values[0].text == "居住证明-11010519491231002X.pdf");
    // ...but nothing recorded or shown keeps it.
    const std::string masked = "居住证明-1101**********002X.pdf";
    CHECK(p.describe(at(1))["state"]["jobs"][0]["name"] == masked);
    const std::string all = trace.to_json().dump();
    CHECK(all.find("11010519491231002X") == std::string::npos);
    CHECK(all.find("1101**********002X") != std::string::npos);
    for (const auto& rec : trace.records()) {
        const std::string raw(rec.raw.begin(), rec.raw.end());
        CHECK(raw.find("11010519491231002X") == std::string::npos);
    }
    // 19 digits is not an ID number; neither are 17.
    IppMessage other = c.request(IppOperation::print_job);
    other.groups[0].add("job-name", IppValue::of_name("order 1101051949123100231 and 11010519491231002"));
    other.data.assign(doc.begin(), doc.end());
    c.send(at(2), other);
    CHECK(p.describe(at(2))["state"]["jobs"][1]["name"] == "order 1101051949123100231 and 11010519491231002");
}

}  // namespace devices_a4_printer_test
