#include <kiosktwin/devices/registry.hpp>

#include <kiosktwin/devices/a4_printer.hpp>
#include <kiosktwin/devices/cameras.hpp>
#include <kiosktwin/devices/idcard_reader.hpp>
#include <kiosktwin/devices/qr_scanner.hpp>
#include <kiosktwin/devices/receipt_printer.hpp>
#include <kiosktwin/devices/status_devices.hpp>

#include <functional>

namespace kiosktwin::devices {

using nlohmann::json;

const char* to_string(Transport t) noexcept {
    switch (t) {
    case Transport::serial: return "serial";
    case Transport::tcp: return "tcp";
    case Transport::http: return "http";
    }
    return "?";
}

namespace {

using Factory = std::function<std::unique_ptr<Device>(std::string id, std::uint64_t seed, const json& config)>;

struct Entry {
    DeviceKind info;
    Factory make;
};

template <class D, class C>
Factory factory() {
    return [](std::string id, std::uint64_t seed, const json& config) -> std::unique_ptr<Device> {
        return std::make_unique<D>(std::move(id), seed, C::from_json(config));
    };
}

// Every device kind, with how it reaches a kiosk program (R-7.2-1, R-8.3-1).
const std::vector<Entry>& table() {
    static const std::vector<Entry> t{
        {{"idcard_reader", "ID-card reader (SAM serial frames, GA/T 467)", Transport::serial, ""},
         factory<IdCardReader, IdCardReaderConfig>()},
        {{"qr_scanner", "QR / barcode scanner (serial line protocol)", Transport::serial, ""},
         factory<QrScanner, QrScannerConfig>()},
        {{"receipt_printer", "receipt printer (ESC/POS, raw TCP)", Transport::tcp, ""},
         factory<ReceiptPrinter, ReceiptPrinterConfig>()},
        {{"a4_printer", "A4 printer (IPP/1.1 over HTTP)", Transport::http, "ipp"}, factory<A4Printer, A4PrinterConfig>()},
        {{"face_camera", "face camera (local HTTP JSON service)", Transport::http, "local_service"},
         factory<FaceCamera, FaceCameraConfig>()},
        {{"document_camera", "document camera / 高拍仪 (local HTTP JSON service)", Transport::http, "local_service"},
         factory<DocumentCamera, DocumentCameraConfig>()},
        {{"signature_pad", "signature pad (local HTTP JSON service)", Transport::http, "local_service"},
         factory<SignaturePad, SignaturePadConfig>()},
        {{"fingerprint_sensor", "fingerprint sensor (local HTTP JSON service)", Transport::http, "local_service"},
         factory<FingerprintSensor, FingerprintSensorConfig>()},
        {{"ssc_reader", "social-security card reader (local HTTP JSON service)", Transport::http, "local_service"},
         factory<SscReader, SscReaderConfig>()},
        {{"pin_pad", "PIN pad (local HTTP JSON service)", Transport::http, "local_service"},
         factory<PinPad, PinPadConfig>()},
    };
    return t;
}

}  // namespace

const std::vector<DeviceKind>& device_kinds() {
    static const std::vector<DeviceKind> kinds = [] {
        std::vector<DeviceKind> k;
        for (const auto& e : table()) k.push_back(e.info);
        return k;
    }();
    return kinds;
}

const DeviceKind* find_kind(std::string_view kind) noexcept {
    for (const auto& k : device_kinds())
        if (k.kind == kind) return &k;
    return nullptr;
}

std::unique_ptr<Device> make_device(std::string_view kind, std::string id, std::uint64_t seed, const json& config) {
    for (const auto& e : table())
        if (e.info.kind == kind) return e.make(std::move(id), seed, config.is_null() ? json::object() : config);
    throw std::invalid_argument("unknown device kind \"" + std::string(kind) + "\"");
}

}  // namespace kiosktwin::devices
