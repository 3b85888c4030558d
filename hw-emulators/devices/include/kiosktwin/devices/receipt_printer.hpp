// The receipt printer (凭条打印机): ESC/POS on a serial line or raw TCP 9100
// (R-8.3-1), modelled as a mechanism that prints over time from an input
// buffer onto a roll of paper that runs out.
//
//   bytes ─▶ parser ─┬─ real-time (DLE EOT n, DLE ENQ n): answered at once,
//                    │  ahead of queued data, whatever the printer's state
//                    └─ everything else ─▶ input buffer ─▶ mechanism
//                         (print speed, paper feed, cut time, faults)
//                         ─▶ receipts in the output slot ─▶ take_receipt
//
// The mechanism takes events from the buffer in order. Mode changes and
// in-turn status queries (GS r, ESC v) take no time; feeds take
// dots / (dots_per_mm × print_speed_mm_s); a cut adds cut_ms. Paper is
// consumed by what is fed and runs out mid-receipt: the printed part is torn
// off into the output slot (cut = false), the rest waits in the buffer, the
// printer goes paper-end (DLE EOT 4 → 0x7E) and resumes on refill_paper.
// Print data waits while the printer is offline (cover open, paper end,
// errors, offline fault, FEED pressed); status queries and mode changes ahead
// of waiting print data still run.
//
// Faults (FaultModel rule names): operation rules strike the operation named
// in their "operation" field — "print" (each line feed, feed, image, QR,
// barcode, NV logo), "cut", "status" (each DLE EOT / GS r / ESC v reply),
// "asb" (each ASB block); condition rules hold while active:
//   cutter_jam            autocutter error. Struck on a cut: the cut fails and latches
//                         until clear_jam, close_cover or DLE ENQ 1|2 (the cut is then
//                         retried). Active: autocutter error while it holds.
//   head_overheat         auto-recoverable error; printing pauses. Struck: for
//                         params.cooldown_s (default head_cooldown_s). Active: while it holds.
//   unrecoverable_error   nothing but real-time commands is processed. Struck: latches
//                         until power_cycle. Active: while it holds.
//   paper_jam             recoverable (mechanical) error. Struck: latches until clear_jam
//                         or close_cover. Active: while it holds.
//   offline               the printer is offline (DLE EOT 1 bit 3) and does not print.
//   cover_open            as if the cover were open.
//   status_reply_lost     DLE EOT / GS r / ESC v go unanswered.
//   buffer_full           input_space() = 0 and arriving print data is lost (real-time
//                         commands are still answered).
//   drawer_open           drawer kick-out connector pin 3 high (DLE EOT 1 bit 2).
//   feed_button_stuck     FEED held down: paper is fed continuously, printing stops.
//   asb_not_sent          automatic status back blocks are not sent.
//   slow_print            print speed × params.speed_factor (default 0.25).
//   disconnected          the device is ABSENT: input ignored, nothing answered.
#pragma once

#include <kiosktwin/devices/device.hpp>
#include <kiosktwin/protocol/escpos.hpp>
#include <kiosktwin/protocol/receipt_render.hpp>
#include <kiosktwin/sim/time.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::devices {

struct ReceiptPrinterConfig {
    int baud = 0;                        ///< 0 = raw TCP (port 9100), unpaced; else serial bits/s (8N1)
    double roll_mm = 80'000.0;           ///< paper on a new roll: 80 m (an 80 mm × Ø80 mm roll)
    double paper_mm = -1.0;              ///< paper loaded at start, mm; < 0 = a full roll
    double near_end_mm = 3'000.0;        ///< the near-end sensor trips with this much paper left
    int paper_width_mm = 80;             ///< 80 (576 dots, 48 columns) or 58 (384 dots, 32 columns)
    int dots_per_mm = 8;                 ///< 8 = 203 dpi
    int line_spacing_dots = 30;          ///< default line height (ESC 2), dots
    double print_speed_mm_s = 200.0;     ///< paper feed while printing, mm/s
    double cut_ms = 300.0;               ///< time an autocutter cut takes, ms
    std::size_t input_buffer_bytes = 65'536;  ///< receive buffer; print data beyond it is lost
    std::size_t kept_receipts = 4;       ///< receipts the output slot holds; older ones fall out
    double head_cooldown_s = 5.0;        ///< head_overheat pause when a struck rule gives no cooldown_s
    double feed_button_mm = 20.0;        ///< paper one press_feed feeds, mm
    bool chinese_default = true;         ///< GB18030 double-byte mode at power-on and ESC @
    bool realtime_in_data = false;       ///< also answer DLE EOT inside image data (see escpos.hpp)
    std::size_t max_image_bytes = 1u << 20;  ///< largest raster / bit image accepted, bytes

    /// From JSON; unknown keys and bad values throw std::invalid_argument naming the key.
    static ReceiptPrinterConfig from_json(const nlohmann::json& j);
    nlohmann::json to_json() const;
    /// The layout settings of the paper (width, dots, line spacing).
    protocol::escpos::RenderConfig render_config() const;
};

/// An ESC/POS receipt printer, kind "receipt_printer".
class ReceiptPrinter : public StreamDevice {
public:
    ReceiptPrinter(std::string id, std::uint64_t seed, ReceiptPrinterConfig config = {});

    void on_bytes(sim::Time now, ByteView bytes) override;
    DeviceStatus status(sim::Time now) const override;
    sim::Time next_wakeup() const override;
    void on_wakeup(sim::Time now) override;

    /// What the status bytes report at `now` (implied bits filled in).
    protocol::escpos::PrinterState printer_state(sim::Time now) const;
    /// Bytes the input buffer can take at `now`; 0 when full: a host with
    /// flow control (TCP) should stop reading until it is not.
    std::size_t input_space(sim::Time now) const;
    /// Paper left on the roll at `now`, mm.
    double paper_left_mm(sim::Time now) const;
    /// Receipts waiting in the output slot, oldest first.
    const std::deque<protocol::escpos::Receipt>& waiting_receipts() const noexcept { return m_slot; }
    /// The receipt being printed (not yet cut).
    const protocol::escpos::Receipt& receipt_in_progress() const noexcept { return m_renderer.current(); }
    /// True when nothing is queued or printing.
    bool idle() const noexcept { return m_queue.empty() && !m_work; }
    /// Lets a host that has a GB18030 table (iconv) put real Chinese text in
    /// receipts instead of placeholders. The function gets one 2- or 4-byte
    /// character and returns UTF-8 ("" = placeholder).
    void set_gb18030_decoder(std::function<std::string(ByteView)> decoder);
    const ReceiptPrinterConfig& config() const noexcept { return m_config; }

protected:
    std::optional<ActionResult> on_action(sim::Time now, std::string_view name, const nlohmann::json& action) override;
    std::vector<std::string> model_actions() const override;
    nlohmann::json model_state(sim::Time now) const override;

private:
    struct Job {
        protocol::escpos::Event event;
        sim::Time arrived{};
    };
    struct Work {
        bool button = false;  // paper fed by the FEED button
        protocol::escpos::EventKind event = protocol::escpos::EventKind::text;
        sim::Time start{};
        sim::Time end{};
        std::int64_t dots = 0;            // paper fed (full_dots cut short where the paper ends)
        std::int64_t full_dots = 0;       // paper the work would feed
        std::int64_t paper_at_start = 0;  // dots
        double dots_per_s = 0.0;
        bool runs_out = false;            // the paper ends during this work
    };

    void advance(sim::Time now);
    void settle(sim::Time t);
    bool start_next(sim::Time t);
    void finish_work();
    sim::Time next_change(sim::Time t) const;
    bool can_start(sim::Time t) const;
    bool hard_stop(sim::Time t) const;
    bool print_blocked(sim::Time t) const;
    bool cutter_error(sim::Time t) const;
    bool jam_error(sim::Time t) const;
    bool unrecoverable(sim::Time t) const;
    bool overheated(sim::Time t) const;
    bool feed_stuck(sim::Time t) const;
    bool cover_open(sim::Time t) const;
    std::int64_t paper_left_dots(sim::Time t) const;
    double dots_per_s(sim::Time t) const;
    sim::Duration feed_time(std::int64_t dots, double rate) const;
    void handle_realtime(sim::Time now, const protocol::escpos::Event& e);
    void reply_status(sim::Time t, std::uint8_t byte, nlohmann::json decoded);
    void apply_struck(sim::Time t, const FaultRule& rule);
    void check_asb(sim::Time t, bool force = false);
    bool asb_due(sim::Time t) const;
    void to_slot(sim::Time t, protocol::escpos::Receipt r);
    void clear_latched(sim::Time t, bool unrecoverable_too);
    void power_cycle(sim::Time now);
    void set_paper(sim::Time now, std::int64_t dots);

    ReceiptPrinterConfig m_config;
    protocol::escpos::Parser m_parser;
    protocol::escpos::ReceiptRenderer m_renderer;
    std::deque<Job> m_queue;
    std::size_t m_queued_bytes = 0;
    std::optional<Work> m_work;
    sim::Time m_t{};                // the model's clock: everything up to it has happened
    std::int64_t m_paper = 0;       // dots, outside the work in progress
    std::int64_t m_near_end = 0;    // dots
    bool m_cover_open = false;
    bool m_cutter_latched = false;
    bool m_jam_latched = false;
    bool m_unrecoverable_latched = false;
    sim::Time m_overheat_until{};
    std::int64_t m_button_dots = 0;  // FEED presses not yet fed
    int m_asb_mask = 0;
    std::array<std::uint8_t, 4> m_asb_last{};
    bool m_was_near_end = false;
    bool m_was_paper_end = false;
    std::deque<protocol::escpos::Receipt> m_slot;
    std::uint64_t m_receipts_cut = 0;
    std::uint64_t m_receipts_torn = 0;
    std::uint64_t m_receipts_fallen = 0;
    std::uint64_t m_overflow_bytes = 0;
    std::uint64_t m_unsupported = 0;
    std::uint64_t m_oversize = 0;
    std::uint64_t m_status_replies = 0;
};

}  // namespace kiosktwin::devices
