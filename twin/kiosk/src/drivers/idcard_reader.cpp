#include <kiosktwin/kiosk/drivers/idcard_reader.hpp>

#include <algorithm>
#include <array>
#include <utility>

namespace kiosktwin::kiosk {

using protocol::SamCommand;
using protocol::SamResponse;

namespace {

constexpr const char* k_no_reply = "no-reply";
constexpr const char* k_bad_frame = "bad-frame";
constexpr const char* k_line_down = "line-down";
constexpr const char* k_read_failed = "read-failed";
constexpr const char* k_removed = "removed";
constexpr const char* k_device_fault = "device-fault";

constexpr std::uint8_t k_sw3_success = 0x90;
constexpr std::uint8_t k_sw3_found = 0x9F;
constexpr std::uint8_t k_sw3_no_card = 0x80;
constexpr std::uint8_t k_sw3_select_failed = 0x81;

// Every command the driver sends is a bare CMD PARA: the frame is ten bytes
// and needs no allocation.
std::array<std::uint8_t, 10> request_frame(SamCommand c) noexcept {
    const std::uint8_t cmd = protocol::sam_cmd_byte(c);
    const std::uint8_t para = protocol::sam_para_byte(c);
    return {0xAA, 0xAA, 0xAA, 0x96, 0x69, 0x00, 0x03, cmd, para, static_cast<std::uint8_t>(0x03 ^ cmd ^ para)};
}

bool is_read(SamCommand c) noexcept {
    return c == SamCommand::read_text_photo || c == SamCommand::read_text_photo_fingerprint ||
           c == SamCommand::read_appended_address;
}

// The whole answer a command's success brings, preamble to CHK.
std::size_t expected_answer_size(SamCommand c) noexcept {
    constexpr std::size_t frame = protocol::k_sam_header_size + 3 + 1;  // header, SW1-3, CHK
    switch (c) {
    case SamCommand::find: return frame + protocol::k_find_data_size;
    case SamCommand::select: return frame + protocol::k_select_data_size;
    case SamCommand::sam_id: return frame + protocol::k_sam_id_size;
    case SamCommand::read_text_photo: return protocol::k_read_info_frame_size;
    case SamCommand::read_text_photo_fingerprint:
        return frame + 6 + protocol::k_id_text_size + protocol::k_id_photo_size + protocol::k_id_fingerprint_size;
    case SamCommand::read_appended_address: return frame + protocol::k_appended_address_size;
    default: return frame;
    }
}

// Whether `r` can be the answer to `c`. The SAM protocol has no sequence
// numbers: an answer to an earlier command that timed out may still arrive,
// and a find must not take a late read answer for its own.
bool answers(SamCommand c, const SamResponse& r) noexcept {
    const std::uint8_t s = r.sw3;
    if (s == k_sw3_found) return c == SamCommand::find;
    if (s == k_sw3_success) {
        if (c == SamCommand::find) return false;
        if (is_read(c)) return !r.data.empty();
        return r.data.size() <= protocol::k_sam_id_size;  // select's SN, the SAM id, or nothing
    }
    if (!r.data.empty()) return false;  // error answers carry no data
    switch (s) {
    case k_sw3_no_card: return c == SamCommand::find;
    case k_sw3_select_failed: return c == SamCommand::select;
    case 0x31: case 0x32: case 0x33: case 0x40: case 0x41: case 0x47: case 0x91:
        return c == SamCommand::select || is_read(c);
    default: return true;  // 10, 11, 21, 23, 24, 60, 66, FF and unknown codes come from anything
    }
}

sim::Duration wire_time(std::size_t bytes, int baud) noexcept {
    if (baud <= 0) return sim::Duration::zero();
    return sim::Duration{static_cast<std::int64_t>(bytes) * 10 * 1'000'000 / baud};
}

enum ReasonBit : std::uint32_t {
    r_line_down = 1u << 0,
    r_self_test = 1u << 1,
    r_not_authorised = 1u << 2,
    r_no_reply = 1u << 3,
    r_bad_frame = 1u << 4,
    r_device_error = 1u << 5,
    r_unstable = 1u << 6,
    r_card_failures = 1u << 7,
};
constexpr std::array<const char*, 8> k_reason_names{"line-down",  "self-test-failed", "sam-not-authorised",
                                                    "no-reply",   "bad-frame",        "device-error",
                                                    "unstable-line", "repeated-read-failures"};

}  // namespace

IdCardReaderDriver::IdCardReaderDriver(StreamChannel& channel, IdCardReaderOptions options)
    : m_ch(channel), m_options(options) {
    m_options.max_retries = std::max(0, m_options.max_retries);
}

sim::Duration IdCardReaderDriver::timeout_for(SamCommand c) const noexcept {
    sim::Duration t = m_options.reply_timeout;
    if (c == SamCommand::read_text_photo || c == SamCommand::read_text_photo_fingerprint) t += m_options.read_allowance;
    // Half as much again as the wire time: USB-serial adapters hand bytes over in slices.
    return t + wire_time(expected_answer_size(c), m_options.baud) * 3 / 2;
}

void IdCardReaderDriver::flush() {
    m_ch.discard_input();
    m_decoder.reset();
}

void IdCardReaderDriver::note_trouble() noexcept { m_trouble_until = m_ch.sim().now() + m_options.trouble_window; }

void IdCardReaderDriver::note_transport(const char* error) noexcept {
    if (error == k_line_down) m_condition = Condition::line_down;
    else if (error == k_bad_frame) m_condition = Condition::bad_frame;
    else m_condition = Condition::no_reply;
}

void IdCardReaderDriver::note_sw3(SamCommand c, std::uint8_t sw3) noexcept {
    switch (sw3) {
    case 0x60: m_condition = Condition::self_test; return;
    case 0x66: m_condition = Condition::not_authorised; return;
    case 0x21:  // "command logic" after a read is the session lost; from anything else the reader is confused
        m_condition = is_read(c) ? Condition::ok : Condition::device_error;
        return;
    case k_sw3_success: case k_sw3_found: case k_sw3_no_card: case k_sw3_select_failed:
    case 0x31: case 0x32: case 0x33: case 0x40: case 0x41: case 0x47: case 0x91:
        m_condition = Condition::ok;
        return;
    default: m_condition = Condition::device_error; return;
    }
}

const char* IdCardReaderDriver::sw3_error(std::uint8_t sw3) noexcept {
    switch (sw3) {
    case k_sw3_no_card: return "no-card";
    case k_sw3_select_failed: return k_removed;
    case 0x31: case 0x32: case 0x33: return "auth-failed";
    case 0x40: return "unsupported-card";
    case 0x41: case 0x47: return k_read_failed;
    default: return k_device_fault;
    }
}

sim::Process<bool> IdCardReaderDriver::reopen() {
    const ChannelError e = co_await m_ch.reopen(m_options.reopen_timeout);
    m_decoder.reset();
    if (e == ChannelError::none) co_return true;
    m_condition = Condition::line_down;
    co_return false;
}

sim::Process<IdCardReaderDriver::Reply> IdCardReaderDriver::command(SamCommand c) {
    sim::Simulation& s = m_ch.sim();
    const std::array<std::uint8_t, 10> frame = request_frame(c);
    const ByteView request(frame.data(), frame.size());
    const sim::Duration limit = timeout_for(c);
    Reply reply;
    reply.error = k_no_reply;
    for (int attempt = 0; attempt <= m_options.max_retries; ++attempt) {
        if (attempt > 0) {
            ++m_counters.retries;
            note_trouble();
        }
        if (!m_ch.is_open() && !co_await reopen()) {
            reply.error = k_line_down;
            co_return reply;
        }
        // Whatever is left is stale (a late answer, noise): a real driver purges the port before a command.
        if (!m_ch.input().empty() || !m_decoder.idle()) flush();
        if (m_ch.write(request) != ChannelError::none) {
            if (!co_await reopen() || m_ch.write(request) != ChannelError::none) {
                reply.error = k_line_down;
                co_return reply;
            }
        }
        const sim::Time deadline = s.now() + limit;
        bool garbled = false;  // a bad frame, or noise and no frame
        bool noise = false;
        bool got = false;
        for (;;) {
            Bytes& in = m_ch.input();
            if (!in.empty()) {
                m_events.clear();
                m_decoder.feed(ByteView(in), m_events);
                in.clear();
                for (protocol::SamEvent& e : m_events) {
                    if (got) break;
                    switch (e.kind) {
                    case protocol::SamEventKind::garbage:
                        ++m_counters.resyncs;
                        note_trouble();
                        noise = true;
                        break;
                    case protocol::SamEventKind::checksum_error:
                    case protocol::SamEventKind::length_error: garbled = true; break;
                    case protocol::SamEventKind::frame:
                        if (auto r = e.response(); !r) {
                            garbled = true;
                        } else if (!answers(c, *r)) {
                            ++m_counters.resyncs;  // a late answer to something else
                            note_trouble();
                        } else {
                            reply.response = std::move(*r);
                            got = true;
                        }
                        break;
                    }
                }
            }
            if (got || garbled) break;
            const ChannelError e = co_await m_ch.wait_input(deadline);
            if (e == ChannelError::none) continue;
            if (e == ChannelError::timeout) {
                ++m_counters.timeouts;
                garbled = noise || !m_decoder.idle();  // a truncated frame, or only noise
                break;
            }
            // The line dropped mid-exchange: reopen it and send again.
            if (!co_await reopen()) {
                reply.error = k_line_down;
                co_return reply;
            }
            break;
        }
        if (got) {
            // 10 / 11: the reader got our frame garbled; the line is noisy, send it again.
            if (reply.response.sw3 != 0x10 && reply.response.sw3 != 0x11) {
                reply.error = nullptr;
                co_return reply;
            }
            garbled = true;
        }
        reply.error = garbled ? k_bad_frame : k_no_reply;
        flush();
    }
    reply.response = SamResponse{};
    co_return reply;
}

sim::Process<IdCardRead> IdCardReaderDriver::read_found(std::optional<protocol::CivilDate> today) {
    IdCardRead r;
    const char* last = k_read_failed;
    for (int cycle = 0;; ++cycle) {
        Reply sel = co_await command(SamCommand::select);
        if (sel.error) {
            note_transport(sel.error);
            r.error = sel.error;
            co_return r;
        }
        r.sw3 = sel.response.sw3;
        note_sw3(SamCommand::select, r.sw3);
        if (r.sw3 == k_sw3_success) {
            const SamCommand rc = m_options.read_fingerprint && !m_fingerprint_unsupported
                                      ? SamCommand::read_text_photo_fingerprint
                                      : SamCommand::read_text_photo;
            Reply rd = co_await command(rc);
            if (rd.error) {
                note_transport(rd.error);
                r.error = rd.error;
                co_return r;
            }
            r.sw3 = rd.response.sw3;
            note_sw3(rc, r.sw3);
            if (r.sw3 == k_sw3_success) {
                std::optional<protocol::ReadInfo> info = protocol::parse_read_info(rd.response.data);
                std::optional<protocol::IdText> text;
                if (info) text = protocol::decode_id_text(info->text);
                if (text) {
                    r.text = std::move(*text);
                    r.photo = std::move(info->photo);
                    if (info->fingerprint && !info->fingerprint->empty()) r.fingerprint = std::move(info->fingerprint);
                    if (today) {
                        const auto to = protocol::CivilDate::parse(r.text.valid_to);  // "长期" does not parse
                        r.expired = to && *to < *today;
                    }
                    if (m_options.read_appended_address) {
                        // The session is still selected: 30 03 needs no new find. Its failure spoils nothing.
                        Reply ad = co_await command(SamCommand::read_appended_address);
                        if (!ad.error && ad.response.sw3 == k_sw3_success)
                            r.appended_address = protocol::decode_appended_address(ad.response.data);
                    }
                    co_return r;
                }
                last = k_bad_frame;  // a sound frame whose lengths or text block make no sense
            } else if (r.sw3 == 0x21 && rc == SamCommand::read_text_photo_fingerprint) {
                m_fingerprint_unsupported = true;  // just selected, so 21 means "unknown command"
                last = k_read_failed;
            } else if (r.sw3 == 0x41 || r.sw3 == 0x47 || r.sw3 == 0x21) {
                last = k_read_failed;  // the card may have left; the re-find tells
            } else {
                r.error = sw3_error(r.sw3);
                co_return r;
            }
        } else if (r.sw3 == k_sw3_select_failed) {
            last = k_read_failed;  // the card left, or the RF link failed: the re-find tells
        } else {
            r.error = sw3_error(r.sw3);
            co_return r;
        }
        if (cycle >= m_options.max_retries) {
            r.error = last;
            co_return r;
        }
        ++m_counters.retries;
        Reply f = co_await command(SamCommand::find);
        if (f.error) {
            note_transport(f.error);
            r.error = f.error;
            co_return r;
        }
        r.sw3 = f.response.sw3;
        note_sw3(SamCommand::find, r.sw3);
        if (r.sw3 == k_sw3_no_card) {
            r.error = k_removed;
            co_return r;
        }
        if (r.sw3 != k_sw3_found) {
            r.error = sw3_error(r.sw3);
            co_return r;
        }
    }
}

sim::Process<IdCardRead> IdCardReaderDriver::read_card(std::optional<protocol::CivilDate> today) {
    IdCardRead r;
    if (m_busy) {
        r.error = "busy";
        co_return r;
    }
    BusyGuard busy(m_busy);
    ++m_counters.operations;
    Reply f = co_await command(SamCommand::find);
    if (f.error) {
        note_transport(f.error);
        r.error = f.error;
    } else {
        note_sw3(SamCommand::find, f.response.sw3);
        if (f.response.sw3 == k_sw3_found) {
            r = co_await read_found(today);
        } else {
            r.sw3 = f.response.sw3;
            r.error = sw3_error(r.sw3);
        }
    }
    finish(r);
    co_return r;
}

sim::Process<IdCardRead> IdCardReaderDriver::wait_and_read(sim::Duration patience,
                                                           std::optional<protocol::CivilDate> today) {
    IdCardRead r;
    if (m_busy) {
        r.error = "busy";
        co_return r;
    }
    BusyGuard busy(m_busy);
    ++m_counters.operations;
    sim::Simulation& s = m_ch.sim();
    const sim::Time deadline = s.now() + patience;
    for (;;) {
        Reply f = co_await command(SamCommand::find);
        if (f.error) {
            note_transport(f.error);
            r.error = f.error;
            break;
        }
        note_sw3(SamCommand::find, f.response.sw3);
        if (f.response.sw3 == k_sw3_found) {
            r = co_await read_found(today);
            break;
        }
        r.sw3 = f.response.sw3;
        if (f.response.sw3 != k_sw3_no_card || s.now() >= deadline) {
            r.error = sw3_error(r.sw3);
            break;
        }
        co_await s.delay(std::min(m_options.poll_interval, deadline - s.now()));
    }
    finish(r);
    co_return r;
}

sim::Process<Health> IdCardReaderDriver::poll() {
    ++m_counters.polls;
    if (m_busy) co_return m_status.health;  // an operation is on the line; it will publish
    BusyGuard busy(m_busy);
    Reply st = co_await command(SamCommand::status);
    if (st.error) {
        note_transport(st.error);
    } else {
        note_sw3(SamCommand::status, st.response.sw3);
        if (st.response.sw3 == k_sw3_success && m_sam_id.empty()) {
            Reply id = co_await command(SamCommand::sam_id);
            if (!id.error && id.response.sw3 == k_sw3_success)
                if (auto sid = protocol::SamId::decode(id.response.data)) m_sam_id = sid->to_string();
        }
    }
    publish();
    co_return m_status.health;
}

void IdCardReaderDriver::finish(IdCardRead& r) {
    if (r.ok()) {
        m_card_failures = 0;
    } else {
        ++m_counters.failures;
        if (r.error == k_read_failed || r.error == "auth-failed") ++m_card_failures;
    }
    publish();
}

void IdCardReaderDriver::publish() {
    Health h = Health::ok;
    std::uint32_t bits = 0;
    switch (m_condition) {
    case Condition::ok: break;
    case Condition::line_down:
        h = Health::absent;
        bits = r_line_down;
        break;
    case Condition::self_test:
        h = Health::fault;
        bits = r_self_test;
        break;
    case Condition::not_authorised:
        h = Health::fault;
        bits = r_not_authorised;
        break;
    case Condition::no_reply:
        h = Health::fault;
        bits = r_no_reply;
        break;
    case Condition::bad_frame:
        h = Health::fault;
        bits = r_bad_frame;
        break;
    case Condition::device_error:
        h = Health::fault;
        bits = r_device_error;
        break;
    }
    if (h == Health::ok) {
        if (m_ch.sim().now() < m_trouble_until) bits |= r_unstable;
        if (m_options.card_failures > 0 && m_card_failures >= m_options.card_failures) bits |= r_card_failures;
        if (bits != 0) h = Health::warn;
    }
    const std::uint32_t key = (static_cast<std::uint32_t>(h) << 16) | bits;
    if (key == m_published) return;  // reasons are built only when they change
    m_published = key;
    std::vector<std::string> reasons;
    for (std::size_t i = 0; i < k_reason_names.size(); ++i)
        if (bits & (1u << i)) reasons.emplace_back(k_reason_names[i]);
    set_status(m_ch.sim().now(), h, std::move(reasons));
}

}  // namespace kiosktwin::kiosk
