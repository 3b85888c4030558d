#include <kiosktwin/protocol/ipp.hpp>

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace kiosktwin::protocol {

// --- values ----------------------------------------------------------------------

IppValue IppValue::out_of_band(IppTag tag) {
    IppValue v;
    v.tag = tag;
    return v;
}

IppValue IppValue::of_integer(std::int32_t i) {
    IppValue v;
    v.tag = IppTag::integer;
    v.integer = i;
    return v;
}

IppValue IppValue::of_enum(std::int32_t i) {
    IppValue v;
    v.tag = IppTag::enumeration;
    v.integer = i;
    return v;
}

IppValue IppValue::of_boolean(bool b) {
    IppValue v;
    v.tag = IppTag::boolean;
    v.integer = b ? 1 : 0;
    return v;
}

IppValue IppValue::of_string(IppTag tag, std::string s) {
    IppValue v;
    v.tag = tag;
    v.text = std::move(s);
    return v;
}

IppValue IppValue::with_language(IppTag tag, std::string language, std::string s) {
    IppValue v;
    v.tag = tag;
    v.language = std::move(language);
    v.text = std::move(s);
    return v;
}

IppValue IppValue::of_resolution(std::int32_t x, std::int32_t y, IppResolutionUnits units) {
    IppValue v;
    v.tag = IppTag::resolution;
    v.resolution = {x, y, units};
    return v;
}

IppValue IppValue::of_range(std::int32_t lower, std::int32_t upper) {
    IppValue v;
    v.tag = IppTag::range_of_integer;
    v.range = {lower, upper};
    return v;
}

IppValue IppValue::of_date_time(const IppDateTime& d) {
    IppValue v;
    v.tag = IppTag::date_time;
    v.date_time = d;
    return v;
}

IppValue IppValue::of_collection(std::vector<IppAttribute> members) {
    IppValue v;
    v.tag = IppTag::beg_collection;
    v.members = std::move(members);
    return v;
}

bool IppValue::is_out_of_band() const noexcept {
    const auto t = static_cast<std::uint8_t>(tag);
    return t >= 0x10 && t <= 0x1f;
}

bool IppValue::is_string() const noexcept {
    switch (tag) {
    case IppTag::integer:
    case IppTag::boolean:
    case IppTag::enumeration:
    case IppTag::date_time:
    case IppTag::resolution:
    case IppTag::range_of_integer:
    case IppTag::beg_collection:
    case IppTag::text_with_language:
    case IppTag::name_with_language:
    case IppTag::end_collection:
    case IppTag::member_attr_name:
    case IppTag::extension:
        return false;
    default:
        return !is_out_of_band();
    }
}

bool operator==(const IppValue& a, const IppValue& b) {
    if (a.tag != b.tag) return false;
    switch (a.tag) {
    case IppTag::integer:
    case IppTag::boolean:
    case IppTag::enumeration: return a.integer == b.integer;
    case IppTag::date_time: return a.date_time == b.date_time;
    case IppTag::resolution: return a.resolution == b.resolution;
    case IppTag::range_of_integer: return a.range == b.range;
    case IppTag::beg_collection: return a.members == b.members;
    case IppTag::text_with_language:
    case IppTag::name_with_language: return a.language == b.language && a.text == b.text;
    default: return a.is_out_of_band() || a.text == b.text;
    }
}

// --- groups and messages -----------------------------------------------------------

const IppAttribute* IppGroup::find(std::string_view name) const noexcept {
    for (const auto& a : attributes)
        if (a.name == name) return &a;
    return nullptr;
}

IppAttribute& IppGroup::add(std::string name, IppValue value) {
    attributes.emplace_back(std::move(name), std::move(value));
    return attributes.back();
}

IppAttribute& IppGroup::add(std::string name, std::vector<IppValue> values) {
    attributes.emplace_back(std::move(name), std::move(values));
    return attributes.back();
}

const IppGroup* IppMessage::group(IppGroupTag tag) const noexcept {
    for (const auto& g : groups)
        if (g.tag == tag) return &g;
    return nullptr;
}

const IppAttribute* IppMessage::find(IppGroupTag tag, std::string_view name) const noexcept {
    const IppGroup* g = group(tag);
    return g == nullptr ? nullptr : g->find(name);
}

IppGroup& IppMessage::add_group(IppGroupTag tag) {
    groups.push_back(IppGroup{tag, {}});
    return groups.back();
}

// --- encoding ----------------------------------------------------------------------

namespace {

constexpr std::size_t k_max_field = 0xffff;

void put16(Bytes& out, std::size_t v) {
    out.push_back(static_cast<std::uint8_t>((v >> 8) & 0xff));
    out.push_back(static_cast<std::uint8_t>(v & 0xff));
}

void put32(Bytes& out, std::int32_t v) {
    const auto u = static_cast<std::uint32_t>(v);
    out.push_back(static_cast<std::uint8_t>(u >> 24));
    out.push_back(static_cast<std::uint8_t>(u >> 16));
    out.push_back(static_cast<std::uint8_t>(u >> 8));
    out.push_back(static_cast<std::uint8_t>(u));
}

void put_bytes(Bytes& out, std::string_view s) { out.insert(out.end(), s.begin(), s.end()); }

void put_field(Bytes& out, std::string_view s, const std::string& attr, const char* what) {
    if (s.size() > k_max_field)
        throw std::length_error("IPP attribute \"" + attr + "\": " + what + " longer than 65535 bytes");
    put16(out, s.size());
    put_bytes(out, s);
}

void encode_value(Bytes& out, const std::string& name, const IppValue& v, bool first);

void encode_attribute(Bytes& out, const IppAttribute& a) {
    if (a.values.empty()) throw std::invalid_argument("IPP attribute \"" + a.name + "\" has no value");
    if (a.name.empty()) throw std::invalid_argument("IPP attribute without a name");
    bool first = true;
    for (const auto& v : a.values) {
        encode_value(out, a.name, v, first);
        first = false;
    }
}

void encode_value(Bytes& out, const std::string& name, const IppValue& v, bool first) {
    switch (v.tag) {
    case IppTag::extension:
    case IppTag::end_collection:
    case IppTag::member_attr_name:
        throw std::invalid_argument("IPP attribute \"" + name + "\": value tag " +
                                    std::to_string(static_cast<int>(v.tag)) + " cannot be encoded as a value");
    default:
        break;
    }
    const auto raw_tag = static_cast<std::uint8_t>(v.tag);
    if (raw_tag < 0x10)
        throw std::invalid_argument("IPP attribute \"" + name + "\": " + std::to_string(raw_tag) +
                                    " is a delimiter, not a value tag");
    out.push_back(raw_tag);
    put_field(out, first ? std::string_view(name) : std::string_view(), name, "name");
    switch (v.tag) {
    case IppTag::integer:
    case IppTag::enumeration:
        put16(out, 4);
        put32(out, v.integer);
        break;
    case IppTag::boolean:
        put16(out, 1);
        out.push_back(v.integer != 0 ? 1 : 0);
        break;
    case IppTag::date_time:
        put16(out, v.date_time.size());
        out.insert(out.end(), v.date_time.begin(), v.date_time.end());
        break;
    case IppTag::resolution:
        put16(out, 9);
        put32(out, v.resolution.x);
        put32(out, v.resolution.y);
        out.push_back(static_cast<std::uint8_t>(v.resolution.units));
        break;
    case IppTag::range_of_integer:
        put16(out, 8);
        put32(out, v.range.lower);
        put32(out, v.range.upper);
        break;
    case IppTag::text_with_language:
    case IppTag::name_with_language: {
        const std::size_t len = 4 + v.language.size() + v.text.size();
        if (len > k_max_field || v.language.size() > k_max_field || v.text.size() > k_max_field)
            throw std::length_error("IPP attribute \"" + name + "\": value longer than 65535 bytes");
        put16(out, len);
        put16(out, v.language.size());
        put_bytes(out, v.language);
        put16(out, v.text.size());
        put_bytes(out, v.text);
        break;
    }
    case IppTag::beg_collection:
        put16(out, 0);
        for (const auto& m : v.members) {
            if (m.values.empty()) throw std::invalid_argument("IPP member \"" + m.name + "\" has no value");
            out.push_back(static_cast<std::uint8_t>(IppTag::member_attr_name));
            put16(out, 0);
            put_field(out, m.name, name, "member name");
            for (const auto& mv : m.values) encode_value(out, m.name, mv, false);
        }
        out.push_back(static_cast<std::uint8_t>(IppTag::end_collection));
        put16(out, 0);
        put16(out, 0);
        break;
    default:
        if (v.is_out_of_band()) {
            put16(out, 0);  // RFC 8010 §3.8: out-of-band values have no value bytes
        } else {
            put_field(out, v.text, name, "value");
        }
        break;
    }
}

}  // namespace

Bytes encode(const IppMessage& m) {
    Bytes out;
    out.reserve(256 + m.data.size());
    out.push_back(m.version_major);
    out.push_back(m.version_minor);
    put16(out, m.op_or_status);
    put32(out, m.request_id);
    for (const auto& g : m.groups) {
        const auto t = static_cast<std::uint8_t>(g.tag);
        if (t == 0x00 || t == 0x03 || t > 0x0f)
            throw std::invalid_argument("IPP group tag " + std::to_string(t) + " is not an attribute group");
        out.push_back(t);
        for (const auto& a : g.attributes) encode_attribute(out, a);
    }
    out.push_back(static_cast<std::uint8_t>(IppGroupTag::end_of_attributes));
    out.insert(out.end(), m.data.begin(), m.data.end());
    return out;
}

// --- decoding ----------------------------------------------------------------------

namespace {

struct DecodeFailure {
    std::size_t offset;
    IppStatus status;
    std::string message;
};

class Reader {
public:
    explicit Reader(ByteView b) : m_b(b) {}

    std::size_t pos() const noexcept { return m_pos; }
    std::size_t left() const noexcept { return m_b.size() - m_pos; }

    [[noreturn]] void fail(std::string why, std::size_t at) const {
        throw DecodeFailure{at, IppStatus::client_error_bad_request, std::move(why)};
    }
    [[noreturn]] void fail(std::string why) const { fail(std::move(why), m_pos); }

    std::uint8_t u8(const char* what) {
        if (left() < 1) fail(std::string("truncated before ") + what);
        return m_b[m_pos++];
    }
    std::uint16_t u16(const char* what) {
        if (left() < 2) fail(std::string("truncated in ") + what);
        const auto v = static_cast<std::uint16_t>((m_b[m_pos] << 8) | m_b[m_pos + 1]);
        m_pos += 2;
        return v;
    }
    std::uint8_t peek() const noexcept { return m_b[m_pos]; }

    /// n bytes as a string; the length is checked before anything is allocated.
    std::string str(std::size_t n, const char* what) {
        if (n > left()) fail(std::string(what) + " length " + std::to_string(n) + " exceeds the " +
                             std::to_string(left()) + " bytes left");
        std::string s(reinterpret_cast<const char*>(m_b.data() + m_pos), n);
        m_pos += n;
        return s;
    }
    ByteView bytes(std::size_t n) {
        ByteView v = m_b.subspan(m_pos, n);
        m_pos += n;
        return v;
    }
    ByteView rest() const noexcept { return m_b.subspan(m_pos); }

private:
    ByteView m_b;
    std::size_t m_pos = 0;
};

std::int32_t be32(ByteView b, std::size_t at) {
    return static_cast<std::int32_t>((std::uint32_t{b[at]} << 24) | (std::uint32_t{b[at + 1]} << 16) |
                                     (std::uint32_t{b[at + 2]} << 8) | std::uint32_t{b[at + 3]});
}

// One "attribute-with-one-value" or "additional-value" unit on the wire.
struct Unit {
    std::size_t at;  // offset of the value tag
    std::uint8_t tag;
    std::string name;
    std::size_t value_at;
    ByteView value;
};

class Decoder {
public:
    explicit Decoder(ByteView b) : m_r(b) {}

    IppMessage run() {
        IppMessage m;
        if (m_r.left() < 8) m_r.fail("an IPP message needs at least 9 bytes (header and end tag)");
        m.version_major = m_r.u8("version");
        m.version_minor = m_r.u8("version");
        m.op_or_status = m_r.u16("operation-id");
        const ByteView id = m_r.bytes(4);
        m.request_id = be32(id, 0);
        IppGroup* group = nullptr;
        for (;;) {
            if (m_r.left() == 0) m_r.fail("no end-of-attributes tag");
            const std::uint8_t t = m_r.peek();
            if (t < 0x10) {  // a delimiter
                const std::size_t at = m_r.pos();
                m_r.u8("group tag");
                if (t == static_cast<std::uint8_t>(IppGroupTag::end_of_attributes)) break;
                if (t == 0x00) m_r.fail("reserved delimiter tag 0x00", at);
                group = &m.add_group(static_cast<IppGroupTag>(t));
                continue;
            }
            if (group == nullptr) m_r.fail("an attribute before any group tag");
            Unit u = read_unit();
            if (u.name.empty()) {
                if (group->attributes.empty()) m_r.fail("an additional value without an attribute", u.at);
                IppAttribute& a = group->attributes.back();
                if (a.values.size() >= k_ipp_max_values) m_r.fail("too many values", u.at);
                a.values.push_back(value_of(u, 0));
            } else {
                count_attribute(u.at);
                IppAttribute a;
                a.name = std::move(u.name);
                a.values.push_back(value_of(u, 0));
                group->attributes.push_back(std::move(a));
            }
        }
        const ByteView rest = m_r.rest();
        m.data.assign(rest.begin(), rest.end());
        return m;
    }

private:
    Unit read_unit() {
        Unit u;
        u.at = m_r.pos();
        u.tag = m_r.u8("value tag");
        // A bad length is reported at the length field itself.
        const std::size_t name_len_at = m_r.pos();
        const std::uint16_t name_len = m_r.u16("name length");
        if (name_len > m_r.left())
            m_r.fail("name length " + std::to_string(name_len) + " exceeds the " + std::to_string(m_r.left()) +
                         " bytes left",
                     name_len_at);
        u.name = m_r.str(name_len, "name");
        const std::size_t value_len_at = m_r.pos();
        const std::uint16_t value_len = m_r.u16("value length");
        if (value_len > m_r.left())
            m_r.fail("value length " + std::to_string(value_len) + " exceeds the " + std::to_string(m_r.left()) +
                         " bytes left",
                     value_len_at);
        u.value_at = m_r.pos();
        u.value = m_r.bytes(value_len);
        return u;
    }

    void count_attribute(std::size_t at) {
        if (++m_attributes > k_ipp_max_attributes) m_r.fail("too many attributes", at);
    }

    void expect_len(const Unit& u, std::size_t n, const char* type) {
        if (u.value.size() != n)
            m_r.fail(std::string(type) + " value of " + std::to_string(u.value.size()) + " bytes (expected " +
                         std::to_string(n) + ")",
                     u.at);
    }

    IppValue value_of(const Unit& u, std::size_t depth) {
        IppValue v;
        v.tag = static_cast<IppTag>(u.tag);
        switch (v.tag) {
        case IppTag::integer:
        case IppTag::enumeration:
            expect_len(u, 4, "integer");
            v.integer = be32(u.value, 0);
            break;
        case IppTag::boolean:
            expect_len(u, 1, "boolean");
            if (u.value[0] > 1) m_r.fail("boolean value " + std::to_string(u.value[0]), u.value_at);
            v.integer = u.value[0];
            break;
        case IppTag::date_time:
            expect_len(u, 11, "dateTime");
            std::copy(u.value.begin(), u.value.end(), v.date_time.begin());
            break;
        case IppTag::resolution:
            expect_len(u, 9, "resolution");
            v.resolution.x = be32(u.value, 0);
            v.resolution.y = be32(u.value, 4);
            v.resolution.units = static_cast<IppResolutionUnits>(static_cast<std::int8_t>(u.value[8]));
            break;
        case IppTag::range_of_integer:
            expect_len(u, 8, "rangeOfInteger");
            v.range.lower = be32(u.value, 0);
            v.range.upper = be32(u.value, 4);
            break;
        case IppTag::text_with_language:
        case IppTag::name_with_language: {
            // value = language length (2) | language | text length (2) | text, lengths consistent.
            const ByteView b = u.value;
            if (b.size() < 4) m_r.fail("textWithLanguage value shorter than 4 bytes", u.at);
            const std::size_t ll = (std::size_t{b[0]} << 8) | b[1];
            if (2 + ll + 2 > b.size()) m_r.fail("textWithLanguage language length overruns the value", u.value_at);
            const std::size_t tl = (std::size_t{b[2 + ll]} << 8) | b[3 + ll];
            if (2 + ll + 2 + tl != b.size()) m_r.fail("textWithLanguage text length disagrees with the value", u.value_at);
            v.language.assign(reinterpret_cast<const char*>(b.data() + 2), ll);
            v.text.assign(reinterpret_cast<const char*>(b.data() + 4 + ll), tl);
            break;
        }
        case IppTag::beg_collection:
            v.members = read_collection(u, depth + 1);
            break;
        case IppTag::end_collection:
            m_r.fail("endCollection outside a collection", u.at);
        case IppTag::member_attr_name:
            m_r.fail("memberAttrName outside a collection", u.at);
        case IppTag::extension:
            m_r.fail("the extension tag 0x7f is not supported", u.at);
        default:
            if (v.is_out_of_band()) break;  // any value bytes of an out-of-band tag are ignored
            v.text.assign(reinterpret_cast<const char*>(u.value.data()), u.value.size());
            break;
        }
        return v;
    }

    std::vector<IppAttribute> read_collection(const Unit& opener, std::size_t depth) {
        if (depth > k_ipp_max_depth) m_r.fail("collections nested too deep", opener.at);
        std::vector<IppAttribute> members;
        for (;;) {
            if (m_r.left() == 0) m_r.fail("collection not closed", opener.at);
            if (m_r.peek() < 0x10) m_r.fail("group tag inside a collection");
            Unit u = read_unit();
            if (!u.name.empty()) m_r.fail("a named attribute inside a collection", u.at);
            const bool closes = u.tag == static_cast<std::uint8_t>(IppTag::end_collection);
            const bool opens = u.tag == static_cast<std::uint8_t>(IppTag::member_attr_name);
            if ((closes || opens) && !members.empty() && members.back().values.empty())
                m_r.fail("collection member \"" + members.back().name + "\" has no value", u.at);
            if (closes) return members;
            if (opens) {
                if (u.value.empty()) m_r.fail("empty member name", u.at);
                count_attribute(u.at);
                IppAttribute a;
                a.name.assign(reinterpret_cast<const char*>(u.value.data()), u.value.size());
                members.push_back(std::move(a));
                continue;
            }
            if (members.empty()) m_r.fail("a collection value without a member name", u.at);
            IppAttribute& a = members.back();
            if (a.values.size() >= k_ipp_max_values) m_r.fail("too many values", u.at);
            a.values.push_back(value_of(u, depth));
        }
    }

    Reader m_r;
    std::size_t m_attributes = 0;
};

}  // namespace

IppDecodeResult decode_ipp(ByteView bytes) {
    try {
        Decoder d(bytes);
        return d.run();
    } catch (const DecodeFailure& f) {
        IppError e;
        e.offset = f.offset;
        e.status = f.status;
        e.message = f.message + " (at byte " + std::to_string(f.offset) + ")";
        if (bytes.size() >= 8) {
            e.has_header = true;
            e.version_major = bytes[0];
            e.version_minor = bytes[1];
            e.request_id = be32(bytes, 4);
        }
        return e;
    }
}

// --- names ------------------------------------------------------------------------

std::string_view operation_name(std::uint16_t op) noexcept {
    switch (op) {
    case 0x0002: return "Print-Job";
    case 0x0003: return "Print-URI";
    case 0x0004: return "Validate-Job";
    case 0x0005: return "Create-Job";
    case 0x0006: return "Send-Document";
    case 0x0007: return "Send-URI";
    case 0x0008: return "Cancel-Job";
    case 0x0009: return "Get-Job-Attributes";
    case 0x000a: return "Get-Jobs";
    case 0x000b: return "Get-Printer-Attributes";
    case 0x000c: return "Hold-Job";
    case 0x000d: return "Release-Job";
    case 0x000e: return "Restart-Job";
    case 0x0010: return "Pause-Printer";
    case 0x0011: return "Resume-Printer";
    case 0x0012: return "Purge-Jobs";
    default: return "";
    }
}

std::string_view status_name(std::uint16_t s) noexcept {
    switch (s) {
    case 0x0000: return "successful-ok";
    case 0x0001: return "successful-ok-ignored-or-substituted-attributes";
    case 0x0002: return "successful-ok-conflicting-attributes";
    case 0x0400: return "client-error-bad-request";
    case 0x0401: return "client-error-forbidden";
    case 0x0402: return "client-error-not-authenticated";
    case 0x0403: return "client-error-not-authorized";
    case 0x0404: return "client-error-not-possible";
    case 0x0405: return "client-error-timeout";
    case 0x0406: return "client-error-not-found";
    case 0x0407: return "client-error-gone";
    case 0x0408: return "client-error-request-entity-too-large";
    case 0x0409: return "client-error-request-value-too-long";
    case 0x040a: return "client-error-document-format-not-supported";
    case 0x040b: return "client-error-attributes-or-values-not-supported";
    case 0x040c: return "client-error-uri-scheme-not-supported";
    case 0x040d: return "client-error-charset-not-supported";
    case 0x040e: return "client-error-conflicting-attributes";
    case 0x040f: return "client-error-compression-not-supported";
    case 0x0410: return "client-error-compression-error";
    case 0x0411: return "client-error-document-format-error";
    case 0x0412: return "client-error-document-access-error";
    case 0x0500: return "server-error-internal-error";
    case 0x0501: return "server-error-operation-not-supported";
    case 0x0502: return "server-error-service-unavailable";
    case 0x0503: return "server-error-version-not-supported";
    case 0x0504: return "server-error-device-error";
    case 0x0505: return "server-error-temporary-error";
    case 0x0506: return "server-error-not-accepting-jobs";
    case 0x0507: return "server-error-busy";
    case 0x0508: return "server-error-job-canceled";
    case 0x0509: return "server-error-multiple-document-jobs-not-supported";
    default: return "";
    }
}

std::string_view group_name(IppGroupTag tag) noexcept {
    switch (tag) {
    case IppGroupTag::operation: return "operation-attributes-tag";
    case IppGroupTag::job: return "job-attributes-tag";
    case IppGroupTag::end_of_attributes: return "end-of-attributes-tag";
    case IppGroupTag::printer: return "printer-attributes-tag";
    case IppGroupTag::unsupported: return "unsupported-attributes-tag";
    }
    return "";
}

std::string_view tag_name(IppTag tag) noexcept {
    switch (tag) {
    case IppTag::unsupported: return "unsupported";
    case IppTag::unknown: return "unknown";
    case IppTag::no_value: return "no-value";
    case IppTag::integer: return "integer";
    case IppTag::boolean: return "boolean";
    case IppTag::enumeration: return "enum";
    case IppTag::octet_string: return "octetString";
    case IppTag::date_time: return "dateTime";
    case IppTag::resolution: return "resolution";
    case IppTag::range_of_integer: return "rangeOfInteger";
    case IppTag::beg_collection: return "collection";
    case IppTag::text_with_language: return "textWithLanguage";
    case IppTag::name_with_language: return "nameWithLanguage";
    case IppTag::end_collection: return "endCollection";
    case IppTag::text: return "textWithoutLanguage";
    case IppTag::name: return "nameWithoutLanguage";
    case IppTag::keyword: return "keyword";
    case IppTag::uri: return "uri";
    case IppTag::uri_scheme: return "uriScheme";
    case IppTag::charset: return "charset";
    case IppTag::natural_language: return "naturalLanguage";
    case IppTag::mime_media_type: return "mimeMediaType";
    case IppTag::member_attr_name: return "memberAttrName";
    case IppTag::extension: return "extension";
    }
    return "";
}

std::string_view printer_state_name(std::int32_t s) noexcept {
    switch (s) {
    case 3: return "idle";
    case 4: return "processing";
    case 5: return "stopped";
    default: return "";
    }
}

std::string_view job_state_name(std::int32_t s) noexcept {
    switch (s) {
    case 3: return "pending";
    case 4: return "pending-held";
    case 5: return "processing";
    case 6: return "processing-stopped";
    case 7: return "canceled";
    case 8: return "aborted";
    case 9: return "completed";
    default: return "";
    }
}

std::string to_string(const IppValue& v) {
    char buf[64];
    switch (v.tag) {
    case IppTag::integer:
    case IppTag::enumeration: return std::to_string(v.integer);
    case IppTag::boolean: return v.integer ? "true" : "false";
    case IppTag::resolution:
        std::snprintf(buf, sizeof buf, "%dx%d%s", static_cast<int>(v.resolution.x), static_cast<int>(v.resolution.y),
                      v.resolution.units == IppResolutionUnits::dots_per_cm ? "dpcm" : "dpi");
        return buf;
    case IppTag::range_of_integer:
        std::snprintf(buf, sizeof buf, "%d-%d", static_cast<int>(v.range.lower), static_cast<int>(v.range.upper));
        return buf;
    case IppTag::date_time: {
        const auto& d = v.date_time;
        std::snprintf(buf, sizeof buf, "%04u-%02u-%02uT%02u:%02u:%02u.%u%c%02u%02u", (unsigned{d[0]} << 8) | d[1],
                      unsigned{d[2]}, unsigned{d[3]}, unsigned{d[4]}, unsigned{d[5]}, unsigned{d[6]}, unsigned{d[7]},
                      d[8] == '-' ? '-' : '+', unsigned{d[9]}, unsigned{d[10]});
        return buf;
    }
    case IppTag::text_with_language:
    case IppTag::name_with_language: return v.language + ":" + v.text;
    case IppTag::beg_collection: {
        std::string s = "{";
        for (const auto& m : v.members) {
            if (s.size() > 1) s += ' ';
            s += m.name + "=";
            for (std::size_t i = 0; i < m.values.size(); ++i) {
                if (i) s += ',';
                s += to_string(m.values[i]);
            }
        }
        return s + "}";
    }
    default:
        if (v.is_out_of_band()) {
            const std::string_view n = tag_name(v.tag);
            return n.empty() ? "out-of-band" : std::string(n);
        }
        return v.text;
    }
}

}  // namespace kiosktwin::protocol
