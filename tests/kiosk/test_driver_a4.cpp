// The A4 printer driver against the IPP printer model in virtual time: a job
// is followed to completion; an empty tray, a jam, empty toner, an open door,
// a busy printer, a stuck or aborted job each end as the stated error and
// status (R-7.2-1); printer-state-reasons map to OK / WARN / FAULT; a refused
// or silent printer is ABSENT.
#include <kiosktwin/devices/a4_printer.hpp>
#include <kiosktwin/kiosk/device_host.hpp>
#include <kiosktwin/kiosk/drivers/a4_printer.hpp>
#include <kiosktwin/kiosk/virtual_channels.hpp>

#include "driver_support.hpp"

#include <catch2/catch.hpp>

#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace kiosk_driver_a4_test {

using namespace kiosktwin;
using namespace kiosktwin::kiosk;
using namespace std::chrono_literals;
using devices::Health;
using nlohmann::json;

namespace {

// An uncompressed PDF of `pages` pages, as a kiosk sends a certificate.
Bytes pdf(int pages) {
    std::string s = "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Count ";
    s += std::to_string(pages);
    s += " >> endobj\n";
    for (int i = 0; i < pages; ++i) {
        s += std::to_string(3 + i);
        s += " 0 obj << /Type /Page /Parent 2 0 R >> endobj\n";
    }
    s += "%%EOF\n";
    return Bytes(s.begin(), s.end());
}

A4Document certificate(int pages = 2) {
    A4Document d;
    d.job_name = "household-certificate";
    d.data = pdf(pages);
    return d;
}

struct Bench {
    sim::Simulation sim;
    VirtualDeviceHost host{sim};
    devices::A4Printer printer;
    VirtualHttpChannel http;
    A4PrinterDriver driver;

    explicit Bench(devices::A4PrinterConfig config = {}, A4PrinterOptions options = {})
        : printer("kiosk-1/a4", 11, std::move(config)), http(host, printer), driver(http, std::move(options)) {}

    json act(const json& action) { return driver_test::act(host, printer, action); }
    void inject(json rule) { driver_test::inject(host, printer, std::move(rule)); }
    void at(sim::Duration d, std::function<void()> f) { driver_test::at(sim, d, std::move(f)); }
    template <class T>
    std::pair<T, sim::Duration> run(sim::Process<T> p) {
        return driver_test::run_timed(sim, std::move(p), 10min);
    }
    PrintResult print(A4Document d = certificate()) { return run(driver.print(std::move(d))).first; }
    Health poll() { return run(driver.poll()).first; }
    const devices::A4PrintJob& job(std::int32_t id) {
        const devices::A4PrintJob* j = printer.job(id);
        REQUIRE(j != nullptr);
        return *j;
    }
};

using Reasons = std::vector<std::string>;
using protocol::IppJobState;

}  // namespace

TEST_CASE("an A4 job is followed to completion over IPP (R-8.3-1)", "[driver][a4][R-8.3-1][R-7.2-1]") {
    Bench b;
    const A4Document doc = certificate(2);
    const auto [r, took] = b.run(b.driver.print(doc));
    CHECK(r.ok());
    CHECK(r.job_id == 1);
    CHECK(r.bytes_sent == doc.data.size());
    CHECK_FALSE(r.partial);
    CHECK_FALSE(r.paper_near_end);
    // The driver waited for the job: 8 s warm-up and two sheets at 30 ppm,
    // seen at the next 500 ms poll.
    CHECK(took >= 12s);
    CHECK(took < 12s + 600ms);
    const devices::A4PrintJob& j = b.job(1);
    CHECK(j.state == IppJobState::completed);
    CHECK(j.name == "household-certificate");
    CHECK(j.format == "application/pdf");
    CHECK(j.pages == 2);
    CHECK(j.sheets_done == 2);
    CHECK(j.user == "kiosk");
    CHECK(b.driver.status().health == Health::ok);
    CHECK(b.driver.status().consumables.at("toner") == 100);
    CHECK(b.driver.status().consumables.at("media") == 100);
    CHECK(b.driver.kind() == "a4_printer");
    CHECK(b.driver.counters().operations == 1);
    CHECK(b.driver.counters().failures == 0);
}

TEST_CASE("copies and sides reach the printer", "[driver][a4][R-8.3-1]") {
    Bench b;
    A4Document d = certificate(3);
    d.copies = 2;
    d.sides = "two-sided-long-edge";
    CHECK(b.print(std::move(d)).ok());
    const devices::A4PrintJob& j = b.job(1);
    CHECK(j.copies == 2);
    CHECK(j.sides == "two-sided-long-edge");
    CHECK(j.sheets_done == 4);  // 3 pages two-sided = 2 sheets, twice
}

TEST_CASE("media empty before the job: refused, nothing sent, FAULT media-empty, greyed out",
          "[driver][a4][R-7.2-1][R-7.2-2]") {
    Bench b;
    b.act({{"action", "set_consumables"}, {"sheets", 0}});
    const PrintResult r = b.print();
    CHECK(r.error == "media-empty");
    CHECK(r.job_id == 0);
    CHECK(r.bytes_sent == 0);
    CHECK(b.printer.jobs().empty());
    CHECK(b.driver.status().health == Health::fault);
    CHECK(b.driver.status().reasons == Reasons{"media-empty"});
    CHECK(b.driver.status().consumables.at("media") == 0);
    CHECK_FALSE(b.driver.usable());  // certificate printing greyed out; e-certificate offered (R-7.2-2)
}

TEST_CASE("paper runs out mid-job: media-empty, partial, and the job is canceled", "[driver][a4][R-7.2-1]") {
    Bench b;
    b.act({{"action", "set_consumables"}, {"sheets", 1}});
    const PrintResult r = b.print(certificate(3));
    CHECK(r.error == "media-empty");
    CHECK(r.partial);  // one sheet came out
    CHECK(r.job_id == 1);
    const devices::A4PrintJob& j = b.job(1);
    CHECK(j.state == IppJobState::canceled);  // the rest will not print later to nobody
    CHECK(j.sheets_done == 1);
    CHECK(b.driver.status().health == Health::fault);
    CHECK(b.driver.status().reasons.front() == "media-empty");
}

TEST_CASE("a jam on the first sheet: media-jam, job canceled", "[driver][a4][R-7.2-1]") {
    Bench b;
    b.inject({{"fault", "media_jam"}, {"trigger", "nth"}, {"n", 1}, {"operation", "page"}});
    const PrintResult r = b.print();
    CHECK(r.error == "media-jam");
    CHECK_FALSE(r.partial);
    CHECK(b.job(1).state == IppJobState::canceled);
    CHECK(b.driver.status().health == Health::fault);
    CHECK(b.driver.status().reasons == Reasons{"media-jam"});
    b.act({{"action", "clear_jam"}});
    CHECK(b.poll() == Health::ok);
    CHECK(b.print().ok());
}

TEST_CASE("toner empty: toner-empty before anything is sent", "[driver][a4][R-7.2-1]") {
    Bench b;
    b.act({{"action", "set_consumables"}, {"toner_pct", 0}});
    const PrintResult r = b.print();
    CHECK(r.error == "toner-empty");
    CHECK(b.printer.jobs().empty());
    CHECK(b.driver.status().reasons == Reasons{"toner-empty"});
    CHECK(b.driver.status().consumables.at("toner") == 0);
}

TEST_CASE("door opened mid-job: door-open, job canceled", "[driver][a4][R-7.2-1]") {
    Bench b;
    b.at(9s, [&] { b.act({{"action", "open_door"}}); });  // warm, first sheet in the engine
    const PrintResult r = b.print(certificate(4));
    CHECK(r.error == "door-open");
    CHECK(b.job(1).state == IppJobState::canceled);
    CHECK(b.driver.status().reasons == Reasons{"door-open"});
    CHECK_FALSE(b.driver.usable());
}

TEST_CASE("HTTP 503 busy twice, then printed: retried with backoff", "[driver][a4][R-7.2-1]") {
    Bench b;
    b.inject({{"fault", "http_503"}, {"trigger", "nth"}, {"n", 1}, {"operation", "request"}, {"params", {{"count", 2}}}});
    const auto [r, took] = b.run(b.driver.print(certificate(1)));
    CHECK(r.ok());
    CHECK(b.driver.counters().retries == 2);
    CHECK(took >= 2s + 8s);  // two 1 s backoffs (Retry-After: 1), then the job
    CHECK(b.job(1).state == IppJobState::completed);
}

TEST_CASE("a printer that stays busy: busy after the retry limit, WARN", "[driver][a4][R-7.2-1]") {
    Bench b;
    b.inject({{"fault", "http_503"}});
    const auto [r, took] = b.run(b.driver.print(certificate()));
    CHECK(r.error == "busy");
    CHECK(b.driver.counters().retries == 3);
    CHECK(took == 3s);
    CHECK(b.printer.jobs().empty());
    CHECK(b.driver.status().health == Health::warn);
    CHECK(b.driver.status().reasons == Reasons{"busy"});
}

TEST_CASE("connection lost while Print-Job is answered: interrupted, partial, not re-sent", "[driver][a4][R-7.2-1]") {
    Bench b;
    // Get-Printer-Attributes answers at 5 ms; Print-Job goes then and would be answered at 10 ms.
    b.at(7ms, [&] { b.http.set_unplugged(true); });
    b.at(20ms, [&] { b.http.set_unplugged(false); });
    const PrintResult r = b.print();
    CHECK(r.error == "interrupted");
    CHECK(r.partial);  // the printer did take the job...
    REQUIRE(b.printer.jobs().size() == 1);
    CHECK(b.driver.counters().retries == 0);  // ...so it was not sent twice
}

TEST_CASE("a job stuck in processing-stopped: timeout at job_timeout, canceled", "[driver][a4][R-7.2-1]") {
    Bench b;
    b.inject({{"fault", "job_stuck"}, {"trigger", "nth"}, {"n", 1}, {"operation", "job"}});
    const auto [r, took] = b.run(b.driver.print(certificate()));
    CHECK(r.error == "timeout");
    CHECK(took >= 60s);
    CHECK(took < 61s);
    CHECK(r.detail == "job-suspended-by-system");
    CHECK(b.job(1).state == IppJobState::canceled);
    CHECK(b.driver.status().health == Health::ok);  // the printer itself is fine
}

TEST_CASE("a job aborted by the printer: job-aborted with its reason", "[driver][a4][R-7.2-1]") {
    Bench b;
    b.inject({{"fault", "job_aborted"}, {"trigger", "nth"}, {"n", 1}, {"operation", "job"}});
    const PrintResult r = b.print();
    CHECK(r.error == "job-aborted");
    CHECK(r.detail == "aborted-by-system");
    CHECK_FALSE(r.partial);
}

TEST_CASE("an unsupported document format: rejected with the IPP status", "[driver][a4]") {
    Bench b;
    A4Document d = certificate();
    d.format = "application/x-word";
    const PrintResult r = b.print(std::move(d));
    CHECK(r.error == "rejected");
    CHECK(r.detail.rfind("client-error-document-format-not-supported", 0) == 0);
    CHECK(b.printer.jobs().empty());
}

TEST_CASE("printer-state-reasons map to OK / WARN / FAULT by suffix", "[driver][a4][R-7.2-1]") {
    auto map = [](std::int32_t state, std::vector<std::string> reasons) { return map_printer_state(state, reasons); };
    CHECK(map(3, {"none"}).health == Health::ok);
    CHECK(map(4, {"media-low-report"}).health == Health::ok);  // -report is information only
    const IppHealth low = map(3, {"toner-low-warning", "media-low"});  // bare media-low: a warning in practice
    CHECK(low.health == Health::warn);
    CHECK(low.reasons == Reasons{"toner-low", "media-low"});
    CHECK(low.blocking.empty());
    const IppHealth jam = map(5, {"media-empty-error", "media-needed-error", "toner-low-warning", "media-jam-error"});
    CHECK(jam.health == Health::fault);
    CHECK(jam.reasons == Reasons{"media-empty", "media-needed", "media-jam", "toner-low"});
    CHECK(jam.blocking == "media-jam");  // clear the jam first, then load paper
    CHECK(map(3, {"marker-supply-empty"}).health == Health::fault);  // no suffix: an error (RFC 8011)
    CHECK(map(3, {"marker-supply-empty"}).blocking == "marker-supply-empty");
    const IppHealth stopped = map(5, {"none"});
    CHECK(stopped.health == Health::fault);
    CHECK(stopped.blocking == "stopped");
}

TEST_CASE("the model's consumables and conditions show in poll()", "[driver][a4][R-7.2-1]") {
    Bench b;
    b.act({{"action", "set_consumables"}, {"toner_pct", 5}, {"sheets", 10}});
    CHECK(b.poll() == Health::warn);
    CHECK(b.driver.status().reasons == Reasons{"media-low", "toner-low"});
    CHECK(b.driver.status().consumables.at("toner") == 5);
    CHECK(b.driver.status().consumables.at("media") == 10);
    CHECK(b.driver.usable());
    b.inject({{"fault", "paused"}});
    CHECK(b.poll() == Health::fault);
    CHECK(b.driver.status().reasons == Reasons{"paused", "media-low", "toner-low"});
    b.act({{"action", "clear_fault"}});
    b.act({{"action", "set_consumables"}, {"toner_pct", 100}, {"sheets", 250}});
    CHECK(b.poll() == Health::ok);
    CHECK(b.driver.status().reasons.empty());
}

TEST_CASE("connection refused: ABSENT line-down; print fails at once", "[driver][a4][R-7.2-1]") {
    Bench b;
    CHECK(b.poll() == Health::ok);
    b.http.set_unplugged(true);
    CHECK(b.poll() == Health::absent);
    CHECK(b.driver.status().reasons == Reasons{"line-down"});
    const auto [r, took] = b.run(b.driver.print(certificate()));
    CHECK(r.error == "line-down");
    CHECK(took == 0s);  // a refused connection is not retried
    CHECK_FALSE(b.driver.usable());
    b.http.set_unplugged(false);
    CHECK(b.poll() == Health::ok);
}

TEST_CASE("a printer that never answers: ABSENT no-reply after the retries", "[driver][a4][R-7.2-1]") {
    devices::A4PrinterConfig c;
    c.response_ms = 5000;  // longer than the 2 s request timeout
    Bench b(c);
    const auto [h, took] = b.run(b.driver.poll());
    CHECK(h == Health::absent);
    CHECK(b.driver.status().reasons == Reasons{"no-reply"});
    CHECK(took == 6s);  // 1 + 2 retries x 2 s
    CHECK(b.driver.counters().retries == 2);
    CHECK(b.driver.counters().timeouts == 3);
}

}  // namespace kiosk_driver_a4_test
