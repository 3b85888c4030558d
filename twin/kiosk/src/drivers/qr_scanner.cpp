#include <kiosktwin/kiosk/drivers/qr_scanner.hpp>

#include <kiosktwin/kiosk/gb18030.hpp>
#include <kiosktwin/protocol/sam.hpp>  // is_valid_utf8

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace kiosktwin::kiosk {

using protocol::ScanLine;

namespace {

constexpr std::uint8_t k_trigger_on = 'T';
constexpr std::uint8_t k_trigger_off = 'P';

enum QrReason : std::uint32_t {
    qr_line_down = 1u << 0,
    qr_no_reply = 1u << 1,
    qr_bad_data = 1u << 2,
    qr_unstable = 1u << 3,
};
constexpr std::array<const char*, 4> k_qr_reason_names{"line-down", "no-reply", "bad-data", "unstable-line"};

protocol::ScanLineDecoderConfig decoder_config(const QrScannerOptions& o) {
    protocol::ScanLineDecoderConfig c;
    c.prefix = o.prefix;
    c.idle_flush = o.idle_flush;
    c.max_line = o.max_line;
    c.ssi_replies = o.ssi;
    return c;
}

// GBK (read as GB18030, its superset) to UTF-8: the protocol library only
// encodes GBK, for the scanner model's side.
bool gbk_to_utf8(const std::string& gbk, std::string& utf8) {
    auto u = gb18030_to_utf8(gbk);
    if (!u) return false;
    utf8 = std::move(*u);
    return true;
}

}  // namespace

// Marks the span of one operation as listened to (see heard_time).
class QrScannerDriver::Listening {
public:
    explicit Listening(QrScannerDriver& d) noexcept : m_d(d) { m_d.listen(true); }
    ~Listening() { m_d.listen(false); }
    Listening(const Listening&) = delete;
    Listening& operator=(const Listening&) = delete;

private:
    QrScannerDriver& m_d;
};

QrScannerDriver::QrScannerDriver(StreamChannel& channel, QrScannerOptions options)
    : m_ch(channel), m_options(std::move(options)), m_decoder(decoder_config(m_options)) {
    m_options.max_retries = std::max(0, m_options.max_retries);
}

// The decoder counts silence only while the driver listens: bytes that came
// while nobody read the line are taken as following on from what it had
// (they did, as far as anyone can tell), so a line caught halfway by the end
// of a wait is not cut in two by the idle flush at the next one.
std::chrono::microseconds QrScannerDriver::heard_time() const noexcept {
    return (m_ch.sim().now() - m_unheard).time_since_epoch();
}

void QrScannerDriver::listen(bool on) noexcept {
    const sim::Time now = m_ch.sim().now();
    if (on) m_unheard += now - m_deaf_since;
    else m_deaf_since = now;
}

void QrScannerDriver::discard_pending() {
    m_lines.clear();
    m_ch.discard_input();
    m_decoder.flush();
}

void QrScannerDriver::note_trouble(std::uint32_t bit) noexcept {
    const sim::Time until = m_ch.sim().now() + m_options.trouble_window;
    if (bit == qr_bad_data) m_bad_data_until = until;
    else m_unstable_until = until;
}

// Moves what has arrived into the decoder: reads queue up in m_lines, SSI
// replies are counted.
void QrScannerDriver::pump() {
    Bytes& in = m_ch.input();
    std::vector<ScanLine> lines = m_decoder.feed(heard_time(), ByteView(in));
    in.clear();
    for (ScanLine& l : lines) {
        if (l.kind != ScanLine::Kind::ssi) {
            m_lines.push_back(std::move(l));
            continue;
        }
        if (l.frame.opcode == protocol::k_ssi_ack) {
            ++m_ssi_acks;
        } else if (l.frame.opcode == protocol::k_ssi_nak) {
            ++m_ssi_naks;
            m_last_nak_resend = !l.frame.data.empty() && l.frame.data[0] == protocol::k_ssi_nak_resend;
        }
    }
}

sim::Process<bool> QrScannerDriver::reopen() {
    const ChannelError e = co_await m_ch.reopen(m_options.reopen_timeout);
    m_decoder.flush();  // a line cut by the drop is lost
    if (e == ChannelError::none) co_return true;
    m_condition = Condition::line_down;
    co_return false;
}

// Sends an SSI frame until the scanner answers: ACK, or a NAK that is not a
// request to send again ("denied" still proves it is there).
sim::Process<bool> QrScannerDriver::ssi_exchange(ByteView frame) {
    sim::Simulation& s = m_ch.sim();
    for (int attempt = 0; attempt <= m_options.max_retries; ++attempt) {
        if (attempt > 0) {
            ++m_counters.retries;
            note_trouble(qr_unstable);
        }
        if (!m_ch.is_open() && !co_await reopen()) co_return false;
        pump();
        const std::uint32_t acks = m_ssi_acks;
        const std::uint32_t naks = m_ssi_naks;
        if (m_ch.write(frame) != ChannelError::none) {
            if (!co_await reopen() || m_ch.write(frame) != ChannelError::none) co_return false;
        }
        const sim::Time deadline = s.now() + m_options.reply_timeout;
        for (;;) {
            pump();
            if (m_ssi_acks != acks) {
                m_condition = Condition::ok;
                co_return true;
            }
            if (m_ssi_naks != naks) {
                m_condition = Condition::ok;
                if (!m_last_nak_resend) co_return true;
                break;  // our frame arrived garbled: send it again
            }
            const ChannelError e = co_await m_ch.wait_input(deadline);
            if (e == ChannelError::none) continue;
            if (e == ChannelError::timeout) {
                ++m_counters.timeouts;
                m_condition = Condition::no_reply;
                break;
            }
            if (!co_await reopen()) co_return false;
            break;
        }
    }
    co_return false;
}

// Puts the scanner into host-trigger mode (the NADAMOO manual's frame).
sim::Process<bool> QrScannerDriver::configure() {
    const Bytes frame = protocol::encode_ssi(protocol::SsiFrame{
        protocol::k_ssi_param_send, protocol::k_ssi_source_host, protocol::k_ssi_status_permanent,
        Bytes{0x00, protocol::k_ssi_param_trigger_mode, protocol::k_ssi_trigger_host}});
    const bool ok = co_await ssi_exchange(frame);
    m_configured = ok;
    co_return ok;
}

bool QrScannerDriver::to_utf8(const std::string& raw, QrScan& out) const {
    switch (m_options.encoding) {
    case ScanEncoding::utf8:
        if (!protocol::is_valid_utf8(raw)) return false;
        out.text = raw;
        return true;
    case ScanEncoding::gbk: out.gbk = true; return gbk_to_utf8(raw, out.text);
    case ScanEncoding::automatic: break;
    }
    if (protocol::is_valid_utf8(raw)) {
        out.text = raw;
        return true;
    }
    out.gbk = true;
    return gbk_to_utf8(raw, out.text);
}

sim::Process<QrScan> QrScannerDriver::wait_scan(sim::Duration timeout) {
    QrScan r;
    if (m_busy) {
        r.error = "busy";
        co_return r;
    }
    BusyGuard busy(m_busy);
    Listening listening(*this);
    ++m_counters.operations;
    sim::Simulation& s = m_ch.sim();
    const sim::Time deadline = s.now() + timeout;
    bool learnt = false;  // whether the scanner or the line told us anything about its health
    if (m_options.trigger && m_options.ssi && !m_configured) {
        // Once: a scanner that did not take the setting may be set up by hand; poll() asserts it again.
        co_await configure();
        m_configured = true;
        learnt = true;
    }
    bool triggered = false;
    sim::Time trigger_at{};
    for (;;) {
        if (!m_ch.is_open() && !co_await reopen()) {
            r.error = "line-down";
            learnt = true;
            break;
        }
        pump();
        bool done = false;
        while (!done && !m_lines.empty()) {
            ScanLine line = std::move(m_lines.front());
            m_lines.pop_front();
            if (line.kind == ScanLine::Kind::no_read) {
                // The scanner's own trigger timeout: nothing was shown yet; trigger again below.
                if (triggered && s.now() >= trigger_at + m_options.trigger_timeout) {
                    triggered = false;
                    continue;
                }
                r.error = "no-read";
                m_condition = Condition::ok;
                done = learnt = true;
                break;
            }
            QrScan scan;
            scan.terminated = line.terminated;
            if (line.truncated || !to_utf8(line.data, scan)) {
                note_trouble(qr_bad_data);
                r = QrScan{};
                r.error = "bad-data";
                done = learnt = true;
                break;
            }
            const sim::Time now = s.now();
            const bool duplicate = m_have_last && scan.text == m_last_text && now - m_last_at < m_options.duplicate_window;
            m_last_at = now;
            m_condition = Condition::ok;
            learnt = true;
            if (duplicate) continue;
            m_last_text = scan.text;
            m_have_last = true;
            r = std::move(scan);
            done = true;
        }
        if (done) break;
        if (s.now() >= deadline) {
            r.error = "timeout";
            break;
        }
        if (m_options.trigger && !triggered) {
            const std::uint8_t t = k_trigger_on;
            if (m_ch.write(ByteView(&t, 1)) == ChannelError::none) {
                triggered = true;
                trigger_at = s.now();
            }
        }
        sim::Time wake = deadline;
        if (const auto due = m_decoder.flush_due()) wake = std::min(wake, s.now() + (*due - heard_time()));
        const ChannelError e = co_await m_ch.wait_input(wake);
        if (e == ChannelError::none || e == ChannelError::timeout) continue;
        if (!co_await reopen()) {  // the line dropped: one reopen, then give up
            r.error = "line-down";
            learnt = true;
            break;
        }
    }
    // A read or %%NoRead ends the scanner's trigger by itself; a timeout must stop it.
    if (triggered && r.error == "timeout" && m_ch.is_open()) {
        const std::uint8_t p = k_trigger_off;
        m_ch.write(ByteView(&p, 1));
    }
    if (!r.ok()) ++m_counters.failures;
    if (learnt || m_published != ~0u) publish();
    co_return r;
}

sim::Process<Health> QrScannerDriver::poll() {
    ++m_counters.polls;
    if (m_busy) {
        publish();
        co_return m_status.health;
    }
    BusyGuard busy(m_busy);
    Listening listening(*this);
    if (m_ch.is_open() || co_await reopen()) {
        if (!m_options.ssi) {
            m_condition = Condition::ok;  // nothing to ask: the line is up
        } else if (m_options.trigger) {
            co_await configure();  // re-asserts host-trigger mode after a power cycle, and is ACKed
        } else {
            // STOP_SESSION: harmless to a continuous scanner, which ACKs it and keeps reading.
            const Bytes frame = protocol::encode_ssi(
                protocol::SsiFrame{protocol::k_ssi_stop_session, protocol::k_ssi_source_host, 0x00, {}});
            co_await ssi_exchange(frame);
        }
    }
    publish();
    co_return m_status.health;
}

void QrScannerDriver::publish() {
    Health h = Health::ok;
    std::uint32_t bits = 0;
    if (m_condition == Condition::line_down) {
        h = Health::absent;
        bits = qr_line_down;
    } else if (m_condition == Condition::no_reply) {
        h = Health::fault;
        bits = qr_no_reply;
    } else {
        const sim::Time now = m_ch.sim().now();
        if (now < m_bad_data_until) bits |= qr_bad_data;
        if (now < m_unstable_until) bits |= qr_unstable;
        if (bits != 0) h = Health::warn;
    }
    const std::uint32_t key = (static_cast<std::uint32_t>(h) << 16) | bits;
    if (key == m_published) return;
    m_published = key;
    std::vector<std::string> reasons;
    for (std::size_t i = 0; i < k_qr_reason_names.size(); ++i)
        if (bits & (1u << i)) reasons.emplace_back(k_qr_reason_names[i]);
    set_status(m_ch.sim().now(), h, std::move(reasons));
}

}  // namespace kiosktwin::kiosk
