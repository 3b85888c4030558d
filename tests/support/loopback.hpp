// Plain sockets on 127.0.0.1 for tests of live hosts: connect to a port,
// listen on a port the OS picks.
#pragma once

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <cstdint>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace kiosktwin::test {

/// A socket connected to 127.0.0.1:port (the test fails if it cannot be).
inline int connect_to(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    return fd;
}

/// A socket bound to 127.0.0.1 on a port the OS picked (returned in `port`),
/// listening unless `listen` is false.
inline int bind_any(std::uint16_t& port, bool listen = true) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    if (listen) REQUIRE(::listen(fd, 8) == 0);
    socklen_t len = sizeof a;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
    port = ntohs(a.sin_port);
    return fd;
}

/// A port that was free a moment ago (nothing listens on it).
inline std::uint16_t free_port() {
    std::uint16_t port = 0;
    ::close(bind_any(port, false));
    return port;
}

}  // namespace kiosktwin::test
