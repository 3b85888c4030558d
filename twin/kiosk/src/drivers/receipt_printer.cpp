#include <kiosktwin/kiosk/drivers/receipt_printer.hpp>

#include <kiosktwin/protocol/escpos.hpp>

#include <algorithm>

namespace kiosktwin::kiosk {

namespace esc = protocol::escpos;

namespace {

// DLE EOT 1, 2, 3, 4 in one write: the printer answers all four at once, in order.
constexpr std::array<std::uint8_t, 12> k_status_query{0x10, 0x04, 1, 0x10, 0x04, 2, 0x10, 0x04, 3, 0x10, 0x04, 4};
// GS r 1: answered in turn, once everything queued before it is printed and cut.
constexpr std::array<std::uint8_t, 3> k_end_query{0x1D, 'r', 0x01};

bool is_eot_answer(std::uint8_t b) noexcept { return (b & 0x93) == 0x12; }  // 0xx1xx10b
bool is_gs_r_answer(std::uint8_t b) noexcept { return (b & 0xF0) == 0; }    // 0000xxxxb

// Width in Font A columns: a GB18030 character is as wide as two ASCII ones.
int columns_of(std::string_view s) noexcept {
    const ByteView v(reinterpret_cast<const std::uint8_t*>(s.data()), s.size());
    int w = 0;
    for (std::size_t i = 0; i < v.size();) {
        const std::size_t n = esc::gb18030_length(v, i);
        w += n > 1 ? 2 : 1;
        i += n;
    }
    return w;
}

// A control byte in data would be read as a command (a DLE EOT, a cut, an
// init halfway through the receipt): print it as '?'. GB18030 characters
// contain none, so they pass whole.
void append_clean(std::string& out, std::string_view s) {
    for (const char c : s) {
        const auto b = static_cast<unsigned char>(c);
        out.push_back(b < 0x20 || b == 0x7F ? '?' : c);
    }
}

}  // namespace

ReceiptPrinterDriver::ReceiptPrinterDriver(StreamChannel& channel, ReceiptPrinterOptions options)
    : m_channel(channel), m_options(options) {}

// --- the receipt --------------------------------------------------------------------------

Bytes ReceiptPrinterDriver::render(const ReceiptDocument& doc) const {
    using Align = esc::ReceiptBuilder::Align;
    const int cols = std::max(m_options.columns, 1);
    esc::ReceiptBuilder b;
    std::string text;
    text.reserve(static_cast<std::size_t>(cols) + 1);
    auto line = [&](std::string_view s) {
        text.clear();
        append_clean(text, s);
        b.line(text);
    };
    // Chinese mode once for the whole receipt: ASCII stays single-byte in it.
    b.init().chinese_mode(true);
    if (!doc.title.empty()) {
        b.align(Align::centre).bold(true).size(2, 2);
        line(doc.title);
        b.size(1, 1).bold(false).feed(1);
    }
    b.align(Align::left);
    for (const ReceiptLine& l : doc.lines) {
        const int lw = columns_of(l.label);
        const int vw = columns_of(l.value);
        text.clear();
        if (l.label.empty() || lw + 1 + vw <= cols) {
            append_clean(text, l.label);
            if (!l.label.empty() && !l.value.empty()) text.append(static_cast<std::size_t>(cols - lw - vw), ' ');
            append_clean(text, l.value);
            b.line(text);
            continue;
        }
        // Too long for one row: the label, then the value right-aligned below it.
        line(l.label);
        text.clear();
        if (vw < cols) text.append(static_cast<std::size_t>(cols - vw), ' ');
        append_clean(text, l.value);
        b.line(text);
    }
    if (!doc.qr.empty()) {
        b.feed(1).align(Align::centre).qr(doc.qr);
        b.feed(1);
    }
    if (!doc.footer.empty()) {
        b.align(Align::centre);
        line(doc.footer);
    }
    b.align(Align::left).feed(3).cut();
    return b.bytes();
}

// --- status -------------------------------------------------------------------------------

ReceiptPrinterDriver::Snapshot ReceiptPrinterDriver::decode(const std::array<std::uint8_t, 4>& eot) {
    const std::uint8_t printer = eot[0], offline_cause = eot[1], error_cause = eot[2], roll = eot[3];
    Snapshot s;
    s.paper_end = (roll & 0x60) != 0 || (offline_cause & 0x20) != 0;
    s.near_end = s.paper_end || (roll & 0x0C) != 0;
    const bool feeding = (printer & 0x40) != 0 || (offline_cause & 0x08) != 0;
    auto fault = [&s](std::string_view why) {
        if (s.blocking.empty()) s.blocking = why;
        s.reasons.emplace_back(why);
    };
    if (s.paper_end) fault("paper-end");
    if (offline_cause & 0x04) fault("cover-open");
    if (error_cause & 0x08) fault("cutter-error");
    if (error_cause & 0x04) fault("paper-jam");
    if (error_cause & 0x20) fault("unrecoverable-error");
    // Offline with none of the causes DLE EOT 2 names: the printer was set offline.
    if ((printer & 0x08) && !(offline_cause & 0x6C) && !(error_cause & 0x40)) fault("offline");
    const bool any_fault = !s.reasons.empty();
    // Warnings: printing goes on, or resumes by itself (the head cools, FEED is let go).
    if (s.near_end && !s.paper_end) s.reasons.emplace_back("paper-near-end");
    if (error_cause & 0x40) s.reasons.emplace_back("head-overheat");
    if (feeding) s.reasons.emplace_back("feed-button");
    s.health = any_fault ? Health::fault : s.reasons.empty() ? Health::ok : Health::warn;
    return s;
}

const ReceiptPrinterDriver::Snapshot& ReceiptPrinterDriver::take_status() {
    // Status answers rarely change between polls: decode only when they do.
    if (m_have_applied && m_eot == m_applied) return m_last;
    m_last = decode(m_eot);
    m_applied = m_eot;
    m_have_applied = true;
    set_status(m_channel.sim().now(), m_last.health, m_last.reasons);
    set_consumable("paper", m_last.paper_end ? 0 : m_last.near_end ? 10 : 100);
    return m_last;
}

void ReceiptPrinterDriver::line_lost(std::string_view why) {
    set_status(m_channel.sim().now(), Health::absent, {std::string(why)});
    m_have_applied = false;
}

void ReceiptPrinterDriver::scan_input() {
    Bytes& in = m_channel.input();
    for (const std::uint8_t b : in) {
        if (is_eot_answer(b) && m_eot_count < m_eot_want) {
            m_eot[static_cast<std::size_t>(m_eot_count++)] = b;
        } else if (is_gs_r_answer(b) && m_end_pending) {
            m_end_pending = false;
            m_end_answer = b;
        } else {
            ++m_counters.resyncs;  // line noise, or a late answer to a query given up on
        }
    }
    in.clear();
}

ChannelError ReceiptPrinterDriver::ask_status(int n) {
    m_eot_count = 0;
    m_eot_want = n;
    const ChannelError e = m_channel.write(ByteView(k_status_query).first(n == 1 ? 3 : k_status_query.size()));
    if (e != ChannelError::none) m_eot_want = 0;
    return e;
}

sim::Process<ChannelError> ReceiptPrinterDriver::query_status() {
    sim::Simulation& s = m_channel.sim();
    for (int attempt = 0; attempt <= m_options.retries; ++attempt) {
        if (attempt > 0) ++m_counters.retries;
        if (const ChannelError e = ask_status(4); e != ChannelError::none) co_return e;
        const sim::Time deadline = s.now() + m_options.reply_timeout;
        for (;;) {
            scan_input();
            if (m_eot_count == 4) {
                m_eot_want = 0;
                co_return ChannelError::none;
            }
            const ChannelError e = co_await m_channel.wait_input(deadline);
            if (e == ChannelError::timeout) {
                ++m_counters.timeouts;
                break;
            }
            if (e != ChannelError::none) {
                m_eot_want = 0;
                co_return e;
            }
        }
    }
    m_eot_want = 0;
    co_return ChannelError::timeout;
}

sim::Process<bool> ReceiptPrinterDriver::reopen() {
    const ChannelError e = co_await m_channel.reopen(m_options.reopen_timeout);
    // Answers owed on the old connection went with it.
    m_end_pending = false;
    m_eot_want = 0;
    m_eot_count = 0;
    if (e != ChannelError::none) {
        line_lost("line-down");
        co_return false;
    }
    co_return true;
}

sim::Process<std::string_view> ReceiptPrinterDriver::wait_for_end(sim::Time deadline) {
    sim::Simulation& s = m_channel.sim();
    sim::Time next_query = s.now() + m_options.status_interval;
    sim::Time reply_by = sim::end_of_time;
    int missed = 0;
    int escalate = 0;  // 4: DLE EOT 1 said offline, ask why at once
    m_eot_want = 0;
    for (;;) {
        scan_input();
        if (!m_end_pending) co_return std::string_view{};
        if (m_eot_want > 0 && m_eot_count == m_eot_want) {
            missed = 0;
            next_query = s.now() + m_options.status_interval;
            if (m_eot_want == 4) {
                const Snapshot& st = take_status();
                if (!st.blocking.empty()) co_return st.blocking;
            } else if (m_eot[0] & 0x68) {
                // Offline, waiting for recovery or FEED held: DLE EOT 2..4 say why.
                escalate = 4;
                next_query = s.now();
            }
            m_eot_want = 0;
        }
        const sim::Time now = s.now();
        if (m_eot_want > 0 && now >= reply_by) {
            ++m_counters.timeouts;
            escalate = m_eot_want;
            m_eot_want = 0;
            if (++missed > m_options.retries) co_return std::string_view{"no-reply"};
            ++m_counters.retries;
            next_query = now;
        }
        if (m_eot_want == 0) {
            if (now >= deadline) co_return std::string_view{"timeout"};
            if (now >= next_query) {
                // While all is well, DLE EOT 1 alone (one answer) tells so.
                if (ask_status(escalate > 0 ? escalate : 1) != ChannelError::none)
                    co_return std::string_view{"interrupted"};
                escalate = 0;
                reply_by = now + m_options.reply_timeout;
            }
        }
        // A query in flight is let finish past the deadline: its answer may explain the delay.
        const sim::Time until = m_eot_want > 0 ? reply_by : std::min(deadline, next_query);
        const ChannelError e = co_await m_channel.wait_input(until);
        if (e != ChannelError::none && e != ChannelError::timeout) co_return std::string_view{"interrupted"};
    }
}

PrintResult& ReceiptPrinterDriver::fail(PrintResult& r, std::string_view error) {
    r.error = error;
    ++m_counters.failures;
    return r;
}

// --- operations -----------------------------------------------------------------------------

sim::Process<PrintResult> ReceiptPrinterDriver::print(ReceiptDocument document) {
    ++m_counters.operations;
    PrintResult r;
    if (m_line_busy) co_return fail(r, "in-use");
    const BusyGuard busy(m_line_busy);
    Bytes job = render(document);
    job.insert(job.end(), k_end_query.begin(), k_end_query.end());
    sim::Simulation& s = m_channel.sim();

    // Until the job is handed over, a line failure costs nothing: reconnect once.
    bool reconnected = false;
    bool line_ok = m_channel.is_open();
    for (;;) {
        if (!line_ok) {
            if (reconnected) {
                line_lost("line-down");
                co_return fail(r, "line-down");
            }
            reconnected = true;
            if (!co_await reopen()) co_return fail(r, "line-down");
        }
        line_ok = false;
        const ChannelError e = co_await query_status();
        if (e == ChannelError::timeout) {
            line_lost("no-reply");
            co_return fail(r, "no-reply");
        }
        if (e != ChannelError::none) continue;
        const Snapshot& st = take_status();
        r.paper_near_end = st.near_end;
        if (!st.blocking.empty()) co_return fail(r, st.blocking);
        if (m_end_pending) {
            // An earlier job stopped half way and has resumed since: its GS r
            // answer must not be taken for this job's end.
            const std::string_view w = co_await wait_for_end(s.now() + m_options.job_timeout);
            if (w == "interrupted") continue;
            if (w == "timeout") {
                m_end_pending = false;  // the printer dropped it (power cycle, buffer cleared)
            } else if (!w.empty()) {
                if (w == "no-reply") line_lost(w);
                co_return fail(r, w);
            }
        }
        if (m_channel.write(job) != ChannelError::none) continue;  // nothing was handed over
        break;
    }
    r.bytes_sent = job.size();
    m_end_pending = true;

    const std::string_view w = co_await wait_for_end(s.now() + m_options.job_timeout);
    if (!w.empty()) {
        r.partial = true;
        if (w == "no-reply") line_lost(w);
        if (w == "interrupted") m_end_pending = false;
        co_return fail(r, w);
    }
    // The end-of-job answer came after the cut. The paper may still have run
    // out in the last feed, in which case the receipt was torn, not cut.
    if (co_await query_status() == ChannelError::none) {
        const Snapshot& st = take_status();
        r.paper_near_end = st.near_end;
        if (st.paper_end || std::find(st.reasons.begin(), st.reasons.end(), "cutter-error") != st.reasons.end()) {
            r.partial = true;
            co_return fail(r, st.paper_end ? "paper-end" : "cutter-error");
        }
    } else {
        // No status now, but GS r 1 reported the paper sensor as the job ended.
        r.paper_near_end = (m_end_answer & 0x0F) != 0;
        if (m_end_answer & 0x0C) {
            r.partial = true;
            co_return fail(r, "paper-end");
        }
    }
    co_return r;
}

sim::Process<Health> ReceiptPrinterDriver::poll() {
    ++m_counters.polls;
    // print() owns the line while it runs and keeps the status current.
    if (m_line_busy) co_return m_status.health;
    const BusyGuard busy(m_line_busy);
    bool reconnected = false;
    bool line_ok = m_channel.is_open();
    for (;;) {
        if (!line_ok) {
            if (reconnected) {
                line_lost("line-down");
                co_return Health::absent;
            }
            reconnected = true;
            if (!co_await reopen()) co_return Health::absent;
        }
        line_ok = false;
        const ChannelError e = co_await query_status();
        if (e == ChannelError::none) {
            take_status();
            co_return m_status.health;
        }
        if (e == ChannelError::timeout) {
            line_lost("no-reply");
            co_return Health::absent;
        }
    }
}

}  // namespace kiosktwin::kiosk
