// IPP/1.1 and IPP/2.0 messages (RFC 8010 encoding, RFC 8011 model): the
// application/ipp bodies an A4 printer exchanges over HTTP POST.
//
//   version (2 bytes) | operation-id or status-code (2) | request-id (4)
//   { group tag (1) { value tag (1) | name length (2) | name | value length (2) | value } }
//   end-of-attributes tag 0x03 | document data
//
// An attribute with several values (1setOf) repeats the value with a zero
// name length; collections nest as begCollection / memberAttrName / values /
// endCollection (RFC 8010 §3.1.6). The decoder is bounded: every length is
// checked against the bytes that are there before anything is allocated,
// collections nest at most k_ipp_max_depth deep, and a message carries at most
// k_ipp_max_attributes attributes, so hostile input costs at most its own size.
#pragma once

#include <kiosktwin/protocol/bytes.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace kiosktwin::protocol {

/// Delimiter tags that open an attribute group (RFC 8010 §3.5.1).
enum class IppGroupTag : std::uint8_t {
    operation = 0x01,
    job = 0x02,
    end_of_attributes = 0x03,
    printer = 0x04,
    unsupported = 0x05,
};

/// Value tags (RFC 8010 §3.5.2). Any other byte 0x10..0xff decodes as an
/// opaque value that keeps its tag and bytes.
enum class IppTag : std::uint8_t {
    unsupported = 0x10,  ///< out-of-band
    unknown = 0x12,      ///< out-of-band
    no_value = 0x13,     ///< out-of-band
    integer = 0x21,
    boolean = 0x22,
    enumeration = 0x23,
    octet_string = 0x30,
    date_time = 0x31,
    resolution = 0x32,
    range_of_integer = 0x33,
    beg_collection = 0x34,
    text_with_language = 0x35,
    name_with_language = 0x36,
    end_collection = 0x37,
    text = 0x41,  ///< textWithoutLanguage
    name = 0x42,  ///< nameWithoutLanguage
    keyword = 0x44,
    uri = 0x45,
    uri_scheme = 0x46,
    charset = 0x47,
    natural_language = 0x48,
    mime_media_type = 0x49,
    member_attr_name = 0x4a,
    extension = 0x7f,  ///< obsolete 4-byte tag extension (RFC 8010 §3.5.2); refused
};

/// Operations (RFC 8011 §5.4.15; Pause/Resume-Printer and Purge-Jobs §4.2.8-4.2.10).
enum class IppOperation : std::uint16_t {
    print_job = 0x0002,
    print_uri = 0x0003,
    validate_job = 0x0004,
    create_job = 0x0005,
    send_document = 0x0006,
    send_uri = 0x0007,
    cancel_job = 0x0008,
    get_job_attributes = 0x0009,
    get_jobs = 0x000a,
    get_printer_attributes = 0x000b,
    hold_job = 0x000c,
    release_job = 0x000d,
    restart_job = 0x000e,
    pause_printer = 0x0010,
    resume_printer = 0x0011,
    purge_jobs = 0x0012,
};

/// Status codes (RFC 8011 §B, plus the PWG additions a printer meets).
enum class IppStatus : std::uint16_t {
    ok = 0x0000,
    ok_ignored_or_substituted = 0x0001,
    ok_conflicting = 0x0002,
    client_error_bad_request = 0x0400,
    client_error_forbidden = 0x0401,
    client_error_not_authenticated = 0x0402,
    client_error_not_authorized = 0x0403,
    client_error_not_possible = 0x0404,
    client_error_timeout = 0x0405,
    client_error_not_found = 0x0406,
    client_error_gone = 0x0407,
    client_error_request_entity_too_large = 0x0408,
    client_error_request_value_too_long = 0x0409,
    client_error_document_format_not_supported = 0x040a,
    client_error_attributes_or_values_not_supported = 0x040b,
    client_error_uri_scheme_not_supported = 0x040c,
    client_error_charset_not_supported = 0x040d,
    client_error_conflicting_attributes = 0x040e,
    client_error_compression_not_supported = 0x040f,
    client_error_compression_error = 0x0410,
    client_error_document_format_error = 0x0411,
    client_error_document_access_error = 0x0412,
    server_error_internal_error = 0x0500,
    server_error_operation_not_supported = 0x0501,
    server_error_service_unavailable = 0x0502,
    server_error_version_not_supported = 0x0503,
    server_error_device_error = 0x0504,
    server_error_temporary_error = 0x0505,
    server_error_not_accepting_jobs = 0x0506,
    server_error_busy = 0x0507,
    server_error_job_canceled = 0x0508,
    server_error_multiple_document_jobs_not_supported = 0x0509,
};

/// printer-state (RFC 8011 §5.4.11).
enum class IppPrinterState : std::int32_t { idle = 3, processing = 4, stopped = 5 };

/// job-state (RFC 8011 §5.3.7).
enum class IppJobState : std::int32_t {
    pending = 3,
    pending_held = 4,
    processing = 5,
    processing_stopped = 6,
    canceled = 7,
    aborted = 8,
    completed = 9,
};

/// resolution units (RFC 8010 §3.9).
enum class IppResolutionUnits : std::int8_t { dots_per_inch = 3, dots_per_cm = 4 };

struct IppResolution {
    std::int32_t x = 0;  ///< cross-feed
    std::int32_t y = 0;  ///< feed
    IppResolutionUnits units = IppResolutionUnits::dots_per_inch;
    friend bool operator==(const IppResolution&, const IppResolution&) = default;
};

struct IppRange {
    std::int32_t lower = 0;
    std::int32_t upper = 0;
    friend bool operator==(const IppRange&, const IppRange&) = default;
};

/// RFC 2579 DateAndTime: year (2), month, day, hour, minutes, seconds,
/// deci-seconds, '+'/'-', hours and minutes from UTC.
using IppDateTime = std::array<std::uint8_t, 11>;

struct IppAttribute;

/// One attribute value. `tag` says which member holds it:
/// integer / enumeration / boolean → `integer` (boolean 0 or 1);
/// the string types (text, name, keyword, uri, uriScheme, charset,
/// naturalLanguage, mimeMediaType, octetString, and any unknown tag) → `text`;
/// textWithLanguage / nameWithLanguage → `language` + `text`;
/// resolution, rangeOfInteger, dateTime → their members;
/// begCollection → `members`; out-of-band tags → nothing.
struct IppValue {
    IppTag tag = IppTag::no_value;
    std::int32_t integer = 0;
    std::string text;
    std::string language;
    IppResolution resolution{};
    IppRange range{};
    IppDateTime date_time{};
    std::vector<IppAttribute> members;

    static IppValue out_of_band(IppTag tag);
    static IppValue of_integer(std::int32_t v);
    static IppValue of_enum(std::int32_t v);
    static IppValue of_boolean(bool v);
    /// Any string-valued tag (text, name, keyword, uri, charset, ...).
    static IppValue of_string(IppTag tag, std::string v);
    static IppValue of_text(std::string v);
    static IppValue of_name(std::string v);
    static IppValue of_keyword(std::string v);
    static IppValue of_uri(std::string v);
    /// textWithLanguage or nameWithLanguage.
    static IppValue with_language(IppTag tag, std::string language, std::string v);
    static IppValue of_resolution(std::int32_t x, std::int32_t y, IppResolutionUnits units);
    static IppValue of_range(std::int32_t lower, std::int32_t upper);
    static IppValue of_date_time(const IppDateTime& v);
    static IppValue of_collection(std::vector<IppAttribute> members);

    /// True for the out-of-band tags (unsupported, unknown, no-value, ...).
    bool is_out_of_band() const noexcept;
    /// True for the tags whose value lives in `text` alone.
    bool is_string() const noexcept;

    friend bool operator==(const IppValue&, const IppValue&);
};

/// One attribute: a name and one or more values (1setOf).
struct IppAttribute {
    std::string name;
    std::vector<IppValue> values;

    IppAttribute() = default;
    IppAttribute(std::string n, IppValue v) : name(std::move(n)), values{std::move(v)} {}
    IppAttribute(std::string n, std::vector<IppValue> v) : name(std::move(n)), values(std::move(v)) {}

    /// The tag of the first value (no_value when there is none).
    IppTag tag() const noexcept { return values.empty() ? IppTag::no_value : values.front().tag; }

    friend bool operator==(const IppAttribute&, const IppAttribute&) = default;
};

// Defined here, where IppAttribute (a member of IppValue) is complete.
inline IppValue IppValue::of_text(std::string v) { return of_string(IppTag::text, std::move(v)); }
inline IppValue IppValue::of_name(std::string v) { return of_string(IppTag::name, std::move(v)); }
inline IppValue IppValue::of_keyword(std::string v) { return of_string(IppTag::keyword, std::move(v)); }
inline IppValue IppValue::of_uri(std::string v) { return of_string(IppTag::uri, std::move(v)); }

struct IppGroup {
    IppGroupTag tag = IppGroupTag::operation;
    std::vector<IppAttribute> attributes;

    /// The attribute called `name`, or nullptr.
    const IppAttribute* find(std::string_view name) const noexcept;
    /// Appends an attribute and returns it.
    IppAttribute& add(std::string name, IppValue value);
    IppAttribute& add(std::string name, std::vector<IppValue> values);

    friend bool operator==(const IppGroup&, const IppGroup&) = default;
};

struct IppMessage {
    std::uint8_t version_major = 1;
    std::uint8_t version_minor = 1;
    std::uint16_t op_or_status = 0;  ///< operation-id in a request, status-code in a response
    std::int32_t request_id = 1;     ///< 1..2^31-1 in a valid request
    std::vector<IppGroup> groups;
    Bytes data;  ///< document data after the end-of-attributes tag

    /// The first group with `tag`, or nullptr.
    const IppGroup* group(IppGroupTag tag) const noexcept;
    /// The attribute `name` in the first group with `tag`, or nullptr.
    const IppAttribute* find(IppGroupTag tag, std::string_view name) const noexcept;
    /// Appends a group and returns it (several job groups may follow each other).
    IppGroup& add_group(IppGroupTag tag);

    friend bool operator==(const IppMessage&, const IppMessage&) = default;
};

/// Why a message could not be decoded, and how a printer answers it.
struct IppError {
    std::size_t offset = 0;  ///< byte offset of the problem
    IppStatus status = IppStatus::client_error_bad_request;
    std::string message;  ///< for status-message and logs
    /// From the header when at least 8 bytes arrived, so the answer can echo them.
    std::int32_t request_id = 0;
    std::uint8_t version_major = 0;
    std::uint8_t version_minor = 0;
    bool has_header = false;
};

/// A decoded message or the reason there is none (an expected-like result).
class IppDecodeResult {
public:
    IppDecodeResult(IppMessage m) : m_v(std::move(m)) {}
    IppDecodeResult(IppError e) : m_v(std::move(e)) {}
    bool has_value() const noexcept { return m_v.index() == 0; }
    explicit operator bool() const noexcept { return has_value(); }
    /// The message; precondition has_value().
    const IppMessage& value() const& { return std::get<0>(m_v); }
    IppMessage& value() & { return std::get<0>(m_v); }
    IppMessage&& value() && { return std::get<0>(std::move(m_v)); }
    const IppMessage* operator->() const { return &std::get<0>(m_v); }
    /// The error; precondition !has_value().
    const IppError& error() const { return std::get<1>(m_v); }

private:
    std::variant<IppMessage, IppError> m_v;
};

/// Upper bounds the decoder enforces.
inline constexpr std::size_t k_ipp_max_depth = 8;           ///< nested collections
inline constexpr std::size_t k_ipp_max_attributes = 4096;   ///< attributes and members in one message
inline constexpr std::size_t k_ipp_max_values = 4096;       ///< values of one attribute

/// Encodes a message (attributes, end-of-attributes, then `data`). Throws
/// std::length_error naming the attribute whose name or value exceeds the
/// 16-bit length fields, and std::invalid_argument for an attribute without
/// values or a value tag that cannot be encoded (extension, endCollection,
/// memberAttrName: those are structure, made from `members`).
Bytes encode(const IppMessage& message);

/// Decodes a request or response. Named decode_ipp rather than decode so
/// that the codecs sharing this namespace never collide at link time.
IppDecodeResult decode_ipp(ByteView bytes);

/// "Print-Job", "Get-Printer-Attributes"...; "" for an unknown operation.
std::string_view operation_name(std::uint16_t operation_id) noexcept;
/// "successful-ok", "client-error-bad-request"...; "" for an unknown status.
std::string_view status_name(std::uint16_t status) noexcept;
/// "operation-attributes-tag", "job-attributes-tag"...; "" if unknown.
std::string_view group_name(IppGroupTag tag) noexcept;
/// "integer", "keyword", "no-value"...; "" if unknown.
std::string_view tag_name(IppTag tag) noexcept;
/// "idle", "processing", "stopped"; "" if out of range.
std::string_view printer_state_name(std::int32_t state) noexcept;
/// "pending" ... "completed"; "" if out of range.
std::string_view job_state_name(std::int32_t state) noexcept;

/// The value as ipptool prints it: "600x600dpi", "1-99", "en:text", "no-value".
std::string to_string(const IppValue& value);

}  // namespace kiosktwin::protocol
