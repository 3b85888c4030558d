// Where one kiosk's hardware and platform are, read from the endpoints file
// `kiosktwin serve` writes (run/endpoints.json): each device's pty or address
// by kind, the control API, the gateway — and the link proxies in front of
// them, which a live kiosk goes through by default so that a fault injected
// on a link (Toxiproxy API) reaches it as it would reach real hardware.
//
//     auto doc = nlohmann::json::parse(file);
//     live::KioskEndpoints ep = live::KioskEndpoints::from_json(doc, "kiosk-1");
//     ep.device("receipt_printer")->port;   // 9105: the kiosk-1-receipt proxy
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kiosktwin::live {

struct DeviceEndpoint {
    std::string device;     ///< the device's id in the bench ("kiosk-1/idcard"), for the control API
    std::string kind;       ///< "idcard_reader", "receipt_printer", ...
    std::string transport;  ///< "serial" | "tcp" | "http"
    std::string path;       ///< serial: the tty (the bench's stable symlink to its pty)
    int baud = 0;           ///< serial: the line's speed
    std::string host;       ///< tcp/http: where the kiosk connects (the link proxy when there is one)
    std::uint16_t port = 0;
    std::string prefix;     ///< http: the device's path prefix ("/ipp/print", "/camera/face")
    bool via_link = false;  ///< host:port is a link proxy in front of the device
};

struct KioskEndpoints {
    std::string kiosk;  ///< "kiosk-1"
    std::vector<DeviceEndpoint> devices;
    std::string control;          ///< control API base URL ("http://127.0.0.1:9090"); empty if none
    std::string gateway;          ///< where the kiosk reaches the gateway: its link proxy, else the gateway
    std::string gateway_direct;   ///< the gateway itself (for the platform's own calls); empty if none
    bool gateway_via_link = false;

    /// Reads `kiosk`'s part of an endpoints document. With use_links, TCP
    /// and HTTP devices and the gateway are reached through the proxy whose
    /// upstream is theirs (the gateway's named "<kiosk>-gateway") — even a
    /// disabled one: that is the link being down, which the kiosk must meet.
    /// Throws std::invalid_argument naming what is missing or malformed.
    static KioskEndpoints from_json(const nlohmann::json& doc, std::string_view kiosk, bool use_links = true);

    /// The first device of a kind, or nullptr.
    const DeviceEndpoint* device(std::string_view kind) const noexcept;
    /// The kiosks an endpoints document lists.
    static std::vector<std::string> kiosks(const nlohmann::json& doc);
};

}  // namespace kiosktwin::live
