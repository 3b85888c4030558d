// The screen model: what the kiosk shows, not how it is drawn.
//
// The kiosk draws nothing itself. Each step of the session flow publishes a
// Screen — the page, its prompt (what the citizen must do now), the text,
// the buttons with the ones greyed out and why (R-7.2-2), the notice banner,
// large text and the voice prompt of the accessible mode (R-5-4) — and
// viewers mirror it: the panel, the text view of `kiosktwin kiosk`, tests.
// Citizens answer through the same object: a touch on a button, typed text.
//
// Labels are Chinese with English beside them. Button labels and ids are
// string_views into static tables or into the catalogue snapshot the screen
// pins, so publishing a page costs no string copies on the hot path.
#pragma once

#include <kiosktwin/sim/event.hpp>
#include <kiosktwin/sim/signal.hpp>
#include <kiosktwin/sim/simulation.hpp>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::kiosk {

/// What the page asks of the citizen.
enum class Prompt : std::uint8_t {
    none,              ///< nothing (a transition, "请稍候")
    choose_service,    ///< home: query / handle / zones
    choose_login,      ///< ID card, e-ID QR or manual entry
    insert_id_card,    ///< put the ID card on the reader
    scan_eid_qr,       ///< show the e-ID QR code to the scanner
    enter_identity,    ///< type name and ID number
    look_at_camera,    ///< face check
    choose_item,       ///< pick an item (事项)
    answer_question,   ///< a 情形 question of 智能导办 (yes / no)
    fill_form,         ///< check the form, add a phone number
    place_document,    ///< put a material on the document camera
    confirm_submit,    ///< the summary; submit
    scan_to_pay,       ///< pay with a phone by the QR code shown
    take_receipt,      ///< take the receipt (凭条)
    take_certificate,  ///< take the A4 certificate / 证明
    rate_service,      ///< 好差评 (voluntary)
    read_result,       ///< a message to read (query result, an error, "use kiosk 3")
    idle_warning,      ///< "are you still there?" with a countdown
    out_of_service,    ///< locked by the platform, or every function down
};
const char* to_string(Prompt p) noexcept;

/// A button.
struct Option {
    constexpr Option() = default;
    constexpr Option(std::string_view id_, std::string_view zh_, std::string_view en_) noexcept
        : id(id_), zh(zh_), en(en_) {}

    std::string_view id;  ///< what a touch names: "login.id_card", an item code
    std::string_view zh;
    std::string_view en;
    bool enabled = true;
    std::string_view why_disabled;  ///< "idcard_reader:FAULT" (R-7.2-2)
    std::string_view alternative;   ///< the option offered instead: "login.eid_qr", "nearby"
};

struct Screen {
    std::uint64_t seq = 0;      ///< increases with every page shown
    std::string_view page;      ///< "home", "login", "guide"...
    Prompt prompt = Prompt::none;
    std::string_view title_zh;
    std::string_view title_en;
    /// What the page is about, for viewers and scripted citizens: the item
    /// code, the 情形 id asked, the material named, the payment id.
    std::string subject;
    std::vector<std::string> lines;  ///< body text; personal data already masked (R-9.3-1)
    std::vector<Option> options;
    std::string notice;              ///< the platform's notice banner (remote command)
    bool large_text = false;         ///< accessible mode (R-5-4)
    bool help_button = false;        ///< accessible mode: a help button on every page
    std::string_view voice;          ///< what is spoken with this page (accessible mode), else empty
    sim::Duration countdown{};       ///< idle warning: time left before logout
    /// Keeps the strings the options point into alive (a catalogue snapshot).
    std::shared_ptr<const void> pin;

    const Option* option(std::string_view id) const noexcept;
    nlohmann::json to_json() const;
    /// The page as text, one line each: title, body, [buttons] — what
    /// `kiosktwin kiosk` prints.
    std::string to_text() const;
};

/// The citizen's input: a button pressed, or text typed with a button.
struct Touch {
    std::string option;  ///< the button's id
    std::string text;    ///< typed text ("name|id number" for manual entry, a phone number)
};

/// The touch screen: the kiosk publishes pages and reads touches; citizens
/// (scripted or live) read pages and touch.
class Ui {
public:
    explicit Ui(sim::Simulation& sim) : m_sim(sim) {}
    Ui(const Ui&) = delete;
    Ui& operator=(const Ui&) = delete;

    sim::Simulation& simulation() noexcept { return m_sim; }

    // --- the kiosk's side ----------------------------------------------------
    /// Shows a page (its seq is assigned here) and tells viewers.
    void show(Screen screen);
    /// The next touch, or nullopt if none comes by `deadline`.
    sim::Process<std::optional<Touch>> wait_touch(sim::Time deadline);
    /// Forgets touches not yet read (a new session starts clean).
    void clear_touches() noexcept { m_touches.clear(); }

    // --- the citizen's and viewers' side ---------------------------------------
    const Screen& screen() const noexcept { return m_screen; }
    void touch(Touch t);
    /// Waits until a page newer than `seq` is shown; false at the timeout.
    /// One waiter at a time (the citizen); viewers subscribe to `shown`.
    sim::Process<bool> wait_screen(std::uint64_t seq, sim::Duration timeout);

    /// Emitted with every page shown.
    sim::Signal<const Screen&> shown;

private:
    sim::Simulation& m_sim;
    Screen m_screen;
    std::uint64_t m_seq = 0;
    std::deque<Touch> m_touches;
    sim::Event<> m_touched;
    sim::Event<> m_changed;
};

}  // namespace kiosktwin::kiosk
