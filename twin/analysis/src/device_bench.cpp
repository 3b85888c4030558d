#include <kiosktwin/analysis/device_bench.hpp>

#include <kiosktwin/devices/bench.hpp>
#include <kiosktwin/devices/id_cards.hpp>
#include <kiosktwin/devices/idcard_reader.hpp>
#include <kiosktwin/protocol/base64.hpp>
#include <kiosktwin/protocol/escpos.hpp>
#include <kiosktwin/protocol/ipp.hpp>
#include <kiosktwin/protocol/sam.hpp>
#include <kiosktwin/sim/simulation.hpp>
#include <kiosktwin/kiosk/device_host.hpp>

#include <nlohmann/json.hpp>

#include <stdexcept>

namespace kiosktwin::analysis {

using namespace std::chrono_literals;
using nlohmann::json;
namespace proto = kiosktwin::protocol;

namespace {

// A small, valid two-page PDF: what a kiosk prints as a certificate.
const std::string& two_page_pdf() {
    static const std::string pdf = [] {
        std::string objs[] = {
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        };
        std::string out = "%PDF-1.4\n";
        std::vector<std::size_t> offsets;
        for (std::size_t i = 0; i < 4; ++i) {
            offsets.push_back(out.size());
            out += std::to_string(i + 1) + " 0 obj\n" + objs[i] + "\nendobj\n";
        }
        const std::size_t xref = out.size();
        out += "xref\n0 5\n0000000000 65535 f \n";
        for (std::size_t o : offsets) {
            char line[24];
            std::snprintf(line, sizeof line, "%010zu 00000 n \n", o);
            out += line;
        }
        out += "trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n" + std::to_string(xref) + "\n%%EOF\n";
        return out;
    }();
    return pdf;
}

// A whole SAM answer at the front of the buffer: preamble, then Len bytes.
std::optional<std::size_t> sam_frame_complete(const devices::Bytes& b) {
    if (b.size() < proto::k_sam_header_size) return std::nullopt;
    const std::size_t total = proto::k_sam_header_size + (std::size_t{b[5]} << 8 | b[6]);
    return b.size() >= total ? std::optional<std::size_t>(total) : std::nullopt;
}

struct Kiosk {
    devices::IdCardReader* idcard = nullptr;
    devices::IdCard card;  // the citizen's own card, which they hand to the reader
    devices::HttpDevice* face = nullptr;
    devices::HttpDevice* a4 = nullptr;
    devices::StreamDevice* receipt = nullptr;
};

struct Run {
    sim::Simulation& sim;
    kiosk::VirtualDeviceHost& host;
    int sessions = 0;
    sim::Time last_end{};
    int completed = 0;
    int failed = 0;
    std::string first_failure;
    void fail(const std::string& kiosk, const std::string& why) {
        ++failed;
        if (first_failure.empty()) first_failure = kiosk + ": " + why;
        ended();
    }
    // The benchmark times session work only: when the last one ends, the
    // devices' housekeeping (a fuser cooling down) is not simulated on.
    void ended() {
        last_end = sim.now();
        if (completed + failed == sessions) sim.stop();
    }
};

devices::HttpRequest post(std::string target, std::string body, std::string content_type = "application/json") {
    devices::HttpRequest r;
    r.method = "POST";
    r.target = std::move(target);
    r.headers["content-type"] = std::move(content_type);
    r.headers["host"] = "127.0.0.1";
    r.body = std::move(body);
    return r;
}

devices::HttpRequest ipp_request(proto::IppOperation op, std::int32_t request_id, std::optional<std::int32_t> job_id,
                                 const std::string* document) {
    proto::IppMessage m;
    m.op_or_status = static_cast<std::uint16_t>(op);
    m.request_id = request_id;
    auto& g = m.add_group(proto::IppGroupTag::operation);
    g.add("attributes-charset", proto::IppValue::of_string(proto::IppTag::charset, "utf-8"));
    g.add("attributes-natural-language", proto::IppValue::of_string(proto::IppTag::natural_language, "zh-cn"));
    g.add("printer-uri", proto::IppValue::of_uri("ipp://127.0.0.1/ipp/print"));
    if (job_id) g.add("job-id", proto::IppValue::of_integer(*job_id));
    g.add("requesting-user-name", proto::IppValue::of_name("kiosk"));
    if (op == proto::IppOperation::get_job_attributes)  // what a client polling a job needs, as CUPS asks
        g.add("requested-attributes", std::vector<proto::IppValue>{proto::IppValue::of_keyword("job-state"),
                                                                    proto::IppValue::of_keyword("job-state-reasons")});
    if (document != nullptr) {
        g.add("job-name", proto::IppValue::of_name("certificate"));
        g.add("document-format", proto::IppValue::of_string(proto::IppTag::mime_media_type, "application/pdf"));
        m.data.assign(document->begin(), document->end());
    }
    const proto::Bytes body = proto::encode(m);
    return post("/ipp/print", std::string(body.begin(), body.end()), "application/ipp");
}

std::optional<std::int32_t> integer_attr(const proto::IppMessage& m, std::string_view name) {
    const proto::IppAttribute* a = m.find(proto::IppGroupTag::job, name);
    if (a == nullptr || a->values.empty()) return std::nullopt;
    return a->values.front().integer;
}

// One citizen's device work at one kiosk, as kiosk software drives it.
sim::Process<> session(Run& run, const std::string& name, Kiosk k, sim::Duration arrival) {
    kiosk::VirtualDeviceHost& host = run.host;
    co_await run.sim.delay(arrival);  // citizens arrive one after another, not all at once

    // 1. Read the ID card: find, select, read (R-7.1-2 login by ID card).
    std::string id_photo;  // the card's photo, for the face check
    if (!k.idcard->insert_card(run.sim.now(), std::move(k.card))) co_return run.fail(name, "the reader refused the card");
    host.poke(*k.idcard);
    for (const proto::SamCommand cmd :
         {proto::SamCommand::find, proto::SamCommand::select, proto::SamCommand::read_text_photo}) {
        proto::Bytes req = proto::encode_sam_request(cmd);
        const devices::Bytes answer = co_await host.exchange(*k.idcard, std::move(req), sam_frame_complete, 5s);
        const auto resp = proto::parse_sam_response(answer);
        if (!resp || !resp->ok()) co_return run.fail(name, std::string("SAM ") + proto::to_string(cmd) + " failed");
        if (cmd == proto::SamCommand::read_text_photo) {
            const auto info = proto::parse_read_info(resp->data);
            const auto text = info ? proto::decode_id_text(info->text) : std::nullopt;
            if (!text || text->id_number.size() != 18) co_return run.fail(name, "unreadable ID text");
            id_photo = proto::base64_encode(info->photo);
        }
    }
    k.idcard->remove_card(run.sim.now());
    host.poke(*k.idcard);

    // 2. Face check (人证核验, R-8.4-1): the camera captures the citizen and
    //    compares the face with the card's photo.
    host.act(*k.face, json{{"action", "present_face"}, {"subject", "live"}, {"match", true}});
    devices::HttpRequest open = post("/camera/face/open", "{}");
    if ((co_await host.request(*k.face, std::move(open))).status != 200) co_return run.fail(name, "camera open failed");
    // A genuine citizen is sometimes rejected (the score is drawn around the
    // match mean): kiosks allow three attempts.
    bool verified = false;
    for (int attempt = 0; attempt < 3 && !verified; ++attempt) {
        // Base64 needs no JSON escaping: the body is written as it is.
        devices::HttpRequest compare = post("/camera/face/compare", "{\"id_photo\":\"" + id_photo + "\"}");
        const devices::HttpResponse verdict = co_await host.request(*k.face, std::move(compare));
        const json result = json::parse(verdict.body, nullptr, false);
        verified = verdict.status == 200 && !result.is_discarded() && result["data"].value("faceResult", 0) == 1;
    }
    if (!verified) co_return run.fail(name, "face check failed three times");

    // 3. Print a 2-page certificate over IPP and wait for the job to complete.
    devices::HttpRequest print = ipp_request(proto::IppOperation::print_job, 1, std::nullopt, &two_page_pdf());
    const devices::HttpResponse printed = co_await host.request(*k.a4, std::move(print));
    const auto pr = proto::decode_ipp(proto::ByteView(reinterpret_cast<const std::uint8_t*>(printed.body.data()), printed.body.size()));
    if (!pr || pr->op_or_status != 0) co_return run.fail(name, "Print-Job refused");
    const auto job_id = integer_attr(pr.value(), "job-id");
    if (!job_id) co_return run.fail(name, "Print-Job gave no job-id");
    // Poll the job as CUPS's IPP backend does: Fibonacci back-off, 1 s up to 10 s.
    sim::Duration wait = 1s, previous = 0s;
    for (std::int32_t poll = 2;; ++poll) {
        co_await run.sim.delay(wait);
        wait = std::min<sim::Duration>(wait + previous, 10s);
        previous = wait - previous;
        devices::HttpRequest q = ipp_request(proto::IppOperation::get_job_attributes, poll, *job_id, nullptr);
        const devices::HttpResponse st = co_await host.request(*k.a4, std::move(q));
        const auto sr = proto::decode_ipp(proto::ByteView(reinterpret_cast<const std::uint8_t*>(st.body.data()), st.body.size()));
        const auto state = sr ? integer_attr(sr.value(), "job-state") : std::nullopt;
        if (state == static_cast<std::int32_t>(proto::IppJobState::completed)) break;
        if (!state || *state > static_cast<std::int32_t>(proto::IppJobState::processing_stopped) || poll > 300)
            co_return run.fail(name, "A4 job did not complete");
    }

    // 4. Print the receipt and take it from the slot once it is cut.
    proto::escpos::ReceiptBuilder rb;
    rb.init().align(proto::escpos::ReceiptBuilder::Align::centre).bold(true).line("KIOSKTWIN").bold(false);
    rb.align(proto::escpos::ReceiptBuilder::Align::left).line("case 2026-000123").line("id 1101**********1234");
    rb.qr("https://example.invalid/case/2026-000123").feed(3).cut();
    proto::Bytes job = rb.bytes();
    co_await host.exchange(*k.receipt, std::move(job), [](const devices::Bytes&) { return std::optional<std::size_t>(0); }, 0s);
    co_await run.sim.delay(400ms);  // the kiosk asks the citizen to take the receipt once it is about done
    for (int poll = 0;; ++poll) {
        co_await run.sim.delay(100ms);
        if (host.act(*k.receipt, json{{"action", "take_receipt"}}).ok) break;
        if (poll > 300) co_return run.fail(name, "no receipt in the slot");
    }
    ++run.completed;
    run.ended();
}

}  // namespace

DeviceBenchResult run_device_bench(const DeviceBenchParams& p, double (*clock_s)()) {
    if (p.kiosks < 1) throw std::invalid_argument("device bench: kiosks must be >= 1");
    devices::BenchSpec spec = devices::BenchSpec::from_json(json::parse(p.bench_json)).with_kiosks(p.kiosks);
    spec.seed = p.seed;

    DeviceBenchResult r;
    const double t0 = clock_s();
    devices::DeviceSet set(spec);
    r.devices = set.entries().size();

    sim::Simulation sim(sim::SimulationOptions{.seed = p.seed});
    kiosk::VirtualDeviceHost host(sim);
    Run run{sim, host, static_cast<int>(spec.kiosks.size()), {}, 0, 0, {}};
    std::vector<std::pair<std::string, Kiosk>> kiosks(spec.kiosks.size());
    for (auto& e : set.entries()) {
        host.add(*e.device);
        auto& [name, k] = kiosks[e.kiosk_index];
        name = e.kiosk;
        if (e.spec.kind == "idcard_reader") k.idcard = dynamic_cast<devices::IdCardReader*>(e.device.get());
        else if (e.spec.kind == "face_camera") k.face = dynamic_cast<devices::HttpDevice*>(e.device.get());
        else if (e.spec.kind == "a4_printer") k.a4 = dynamic_cast<devices::HttpDevice*>(e.device.get());
        else if (e.spec.kind == "receipt_printer") k.receipt = dynamic_cast<devices::StreamDevice*>(e.device.get());
    }
    // The citizens, each with their own card (scenario setup, not device work).
    devices::ResidentGenerator citizens(sim::derive_seed(p.seed, "citizens"));
    for (auto& [name, k] : kiosks) {
        if (!k.idcard || !k.face || !k.a4 || !k.receipt)
            throw std::invalid_argument("device bench: the bench's kiosk lacks an idcard_reader, face_camera, "
                                        "a4_printer or receipt_printer");
        k.card = citizens.next(devices::GeneratorOptions{});
    }
    r.build_s = clock_s() - t0;
    sim::Duration arrival = sim::Duration::zero();
    for (auto& [name, k] : kiosks) {
        sim.spawn(session(run, name, std::move(k), arrival));
        arrival += p.arrival_gap;
    }
    const double t1 = clock_s();
    sim.run_until(sim::Time{std::chrono::hours(1)});  // every session ends within minutes of virtual time
    r.run_s = clock_s() - t1;

    r.kiosk_sessions = run.completed;
    r.failed_sessions = run.failed;
    r.first_failure = run.first_failure;
    r.operations = host.operations();
    r.bytes = host.bytes();
    r.events = sim.events_processed();
    r.virtual_s = sim::seconds_since_epoch(run.last_end);
    return r;
}

}  // namespace kiosktwin::analysis
