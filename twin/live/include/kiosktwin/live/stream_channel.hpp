// A kiosk::StreamChannel over a real line: a serial port (here the pseudo-
// terminal `kiosktwin serve` gives the ID-card reader and the QR scanner, or
// a real /dev/ttyUSB0) or a TCP socket (the receipt printer on 9100).
//
// It does what a real driver's transport does: the serial line is opened
// O_RDWR|O_NOCTTY in raw mode at the line's baud rate (termios), the socket
// connects on first use and again on reopen(). Received bytes are appended
// to input() by the I/O completion, which catches the pacer up first and
// then wakes wait_input() — so bytes arrive at the current virtual time.
// Writes are queued and go out in order. Failures are values:
//
//   EOF (TCP FIN, pty hang-up)                      closed
//   ECONNRESET, EPIPE, EIO and other read/write errors  reset
//   ECONNREFUSED, a connect that fails, a missing tty   refused
//
// Once down, the line stays down (writes and waits say why) until reopen().
#pragma once

#include <kiosktwin/kiosk/channel.hpp>
#include <kiosktwin/live/pacer.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace kiosktwin::live {

class LiveStreamChannel final : public kiosk::StreamChannel {
public:
    /// A serial line: the tty at `path`, raw, at `baud`. Opened now; if that
    /// fails the line is down (refused) until reopen() succeeds.
    static std::unique_ptr<LiveStreamChannel> serial(LivePacer& pacer, std::string name, std::string path, int baud);
    /// A TCP connection to host:port, made on the first write (or reopen()).
    static std::unique_ptr<LiveStreamChannel> tcp(LivePacer& pacer, std::string name, std::string host,
                                                  std::uint16_t port);
    ~LiveStreamChannel() override;

    sim::Simulation& sim() noexcept override;
    const std::string& name() const noexcept override;
    kiosk::ChannelError write(kiosk::ByteView bytes) override;
    kiosk::Bytes& input() noexcept override;
    sim::Process<kiosk::ChannelError> wait_input(sim::Time deadline) override;
    /// Drops received input; on a serial line also what the tty still buffers (tcflush).
    void discard_input() override;
    bool is_open() const noexcept override;
    sim::Process<kiosk::ChannelError> reopen(sim::Duration timeout) override;
    /// Serial lines: sets the tty's speed (the device at the other end sees the change).
    void set_baud(int baud) override;

    /// Why the line is down (none while it is up).
    kiosk::ChannelError down_reason() const noexcept;
    /// Closes the line as a pulled cable would (tests).
    void close();

    struct Impl;

private:
    explicit LiveStreamChannel(std::shared_ptr<Impl> impl);
    std::shared_ptr<Impl> m;
};

}  // namespace kiosktwin::live
