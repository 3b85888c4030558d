// A scripted citizen: reads the kiosk's screen, touches, and acts on the
// devices with their hands — the same whether the kiosk runs in virtual time
// or live (then the hands go through the devices' control API).
//
//     CitizenScript script{.login = "id_card", .item_code = "44030000GA-XK-0001", .rating = 5};
//     VirtualHands hands(...);                     // or live hands
//     auto r = co_await run_citizen(kiosk.ui(), hands, script);
//
// What a citizen does is decided by the script, never by peeking at the
// kiosk's insides: it sees only what the screen shows.
#pragma once

#include <kiosktwin/kiosk/screen.hpp>
#include <kiosktwin/sim/simulation.hpp>

#include <chrono>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::kiosk {

/// Who the citizen is: what their card holds, their face, their e-ID code.
struct CitizenIdentity {
    std::string name;
    std::string id_number;
    std::string sex;          ///< "1" / "2"
    std::string birth;        ///< YYYYMMDD
    std::uint32_t face_template = 0;
    std::string eid_payload;  ///< the e-ID QR text, if they have one
};

struct CitizenScript {
    std::string service = "handle";   ///< "handle" or "query"
    std::string login = "id_card";    ///< "id_card" | "eid_qr" | "manual"
    std::string zone;                 ///< the item's zone (from the catalogue)
    std::string item_code;
    std::string cross_mode;           ///< "" (local) | "online" | "proxy" | "joint"
    std::set<std::string, std::less<>> yes;  ///< 情形 ids answered yes
    std::string phone = "13800000000";
    bool pays = true;
    int rating = 5;                   ///< 1-5, 0 = skip
    std::string reasons;              ///< "reason,reason" for ratings 1-2
    bool accessible = false;          ///< asks for the accessible mode (R-5-4)
    bool live_face = true;            ///< false: holds up a photo (liveness fails)
    /// The citizen walks away when this page comes (never touches again).
    Prompt walk_away_at = Prompt::none;
    /// Leaves the ID card on the reader when the kiosk has read it, and
    /// goes without it (the reader still holds it after the session).
    bool forget_card = false;
    /// At walk_away_at, return at once (the caller decides what the citizen
    /// does next: leave, or get help and resume_citizen()) instead of
    /// staying away until the kiosk is home again.
    bool return_when_stuck = false;
    sim::Duration think = std::chrono::seconds(2);  ///< reading and deciding, per page
};

/// The citizen's physical actions on the kiosk.
class Hands {
public:
    virtual ~Hands() = default;
    virtual void insert_card(const CitizenIdentity& who) = 0;
    virtual void remove_card() = 0;
    virtual void present_face(const CitizenIdentity& who, bool live) = 0;
    virtual void leave_camera() = 0;
    /// Places the material on the document camera (as document_kind(material)).
    virtual void place_document(std::string_view material) = 0;
    virtual void show_qr(std::string_view payload) = 0;
    virtual void take_receipt() = 0;
    virtual void take_certificate() = 0;
    /// Pays on the phone (the payment channel tells the platform).
    virtual void pay(std::string_view payment_id) = 0;
};

/// The document camera's page kind for a material's name, as a citizen
/// places it: "household_register" (户口簿), "id_front" (身份证), else "a4".
std::string_view document_kind(std::string_view material) noexcept;

struct CitizenResult {
    bool finished = false;           ///< the kiosk went back home after the session
    bool walked_away = false;
    std::uint64_t pages = 0;         ///< pages seen
    std::vector<std::string> trail;  ///< "page:prompt" of each page, for tests
};

/// Plays the script against the kiosk until it returns to its home page (or
/// `limit` passes). Starts by touching the home page.
sim::Process<CitizenResult> run_citizen(Ui& ui, Hands& hands, const CitizenIdentity& who, const CitizenScript& script,
                                        sim::Duration limit = std::chrono::hours(1));

/// Picks a session up where it stands: plays the script from the page on
/// the screen now (a citizen who stopped, got help and goes on). Whatever
/// the citizen held before (a card on the reader) is as the hands left it.
sim::Process<CitizenResult> resume_citizen(Ui& ui, Hands& hands, const CitizenIdentity& who,
                                           const CitizenScript& script, sim::Duration limit = std::chrono::hours(1));

}  // namespace kiosktwin::kiosk
