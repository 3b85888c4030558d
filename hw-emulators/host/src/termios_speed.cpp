#include <kiosktwin/host/termios_speed.hpp>

namespace kiosktwin::host {

namespace {

struct Rate {
    int baud;
    speed_t speed;
};
constexpr Rate k_rates[] = {{1200, B1200},     {2400, B2400},     {4800, B4800},     {9600, B9600},
                            {19200, B19200},   {38400, B38400},   {57600, B57600},   {115200, B115200},
                            {230400, B230400}, {460800, B460800}, {921600, B921600}};

}  // namespace

speed_t termios_speed(int baud) noexcept {
    for (const Rate& r : k_rates)
        if (r.baud == baud) return r.speed;
    return B115200;
}

int baud_of(speed_t speed) noexcept {
    for (const Rate& r : k_rates)
        if (r.speed == speed) return r.baud;
    return 0;
}

}  // namespace kiosktwin::host
