// Baud rates and termios speed constants, both ways: the live host sets its
// pseudo-terminals' speed and reads back what the kiosk program set, and the
// live kiosk's serial channels set theirs (twin/live).
#pragma once

#include <termios.h>

namespace kiosktwin::host {

/// B1200 .. B921600 for a baud rate; B115200 (the reader's default) for a rate termios has no constant for.
speed_t termios_speed(int baud) noexcept;
/// The baud rate of a termios speed constant; 0 for one outside 1200 .. 921600.
int baud_of(speed_t speed) noexcept;

}  // namespace kiosktwin::host
