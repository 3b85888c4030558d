#include <kiosktwin/devices/a4_printer.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>
#include <stdexcept>

namespace kiosktwin::devices {

using nlohmann::json;
using protocol::IppAttribute;
using protocol::IppGroup;
using protocol::IppGroupTag;
using protocol::IppJobState;
using protocol::IppMessage;
using protocol::IppOperation;
using protocol::IppPrinterState;
using protocol::IppStatus;
using protocol::IppTag;
using protocol::IppValue;

namespace {

constexpr const char* k_a4 = "iso_a4_210x297mm";
constexpr int k_max_passes = 1000;          // engine steps in one tick (each changes phase or stops)
constexpr int k_max_events = 200'000;       // timed events one advance() walks through
constexpr int k_max_pages = 100'000;        // pages counted in one document
constexpr std::size_t k_sniff_bytes = 1024;

// --- config ----------------------------------------------------------------------------

[[noreturn]] void bad_key(const std::string& key, const std::string& what) {
    throw std::invalid_argument("a4_printer config: \"" + key + "\" " + what);
}

double number_in(const json& j, const std::string& key, double lo, double hi, bool lo_open = false) {
    const json& v = j.at(key);
    if (!v.is_number()) bad_key(key, "must be a number");
    const double d = v.get<double>();
    if (!std::isfinite(d) || d > hi || (lo_open ? d <= lo : d < lo)) {
        char buf[96];
        std::snprintf(buf, sizeof buf, "must be a number in %c%g, %g]", lo_open ? '(' : '[', lo, hi);
        bad_key(key, buf);
    }
    return d;
}

std::int64_t integer_in(const json& j, const std::string& key, std::int64_t lo, std::int64_t hi) {
    const json& v = j.at(key);
    if (!v.is_number_integer()) bad_key(key, "must be an integer");
    if (v.is_number_unsigned() && v.get<std::uint64_t>() > static_cast<std::uint64_t>(hi))
        bad_key(key, "must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    const std::int64_t i = v.get<std::int64_t>();
    if (i < lo || i > hi)
        bad_key(key, "must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return i;
}

std::string text_of(const json& j, const std::string& key, std::size_t max_len, bool allow_empty) {
    const json& v = j.at(key);
    if (!v.is_string()) bad_key(key, "must be a string");
    std::string s = v.get<std::string>();
    if (s.size() > max_len) bad_key(key, "must be at most " + std::to_string(max_len) + " bytes");
    if (!allow_empty && s.empty()) bad_key(key, "must not be empty");
    return s;
}

bool boolean_of(const json& j, const std::string& key) {
    const json& v = j.at(key);
    if (!v.is_boolean()) bad_key(key, "must be true or false");
    return v.get<bool>();
}

// --- small helpers ---------------------------------------------------------------------

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

struct Uri {
    std::string scheme;
    std::string authority;
    std::string path;
};

std::optional<Uri> parse_uri(std::string_view s) {
    const auto colon = s.find("://");
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    Uri u;
    u.scheme = lower(s.substr(0, colon));
    const std::string_view rest = s.substr(colon + 3);
    const auto slash = rest.find('/');
    u.authority = std::string(rest.substr(0, slash));
    u.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
    if (const auto q = u.path.find_first_of("?#"); q != std::string::npos) u.path.resize(q);
    if (u.authority.empty()) return std::nullopt;
    return u;
}

bool under_prefix(std::string_view path, std::string_view prefix) {
    if (!starts_with(path, prefix)) return false;
    return path.size() == prefix.size() || path[prefix.size()] == '/' || path[prefix.size()] == '?';
}

// The media type without parameters, lower case: "text/plain; charset=utf-8" → "text/plain".
std::string bare_type(std::string_view t) {
    std::string s = lower(t.substr(0, t.find(';')));
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.erase(s.begin());
    return s;
}

// R-9.3-1: a resident ID number (17 digits and a check digit or X) shows in
// traces and the control API as 1101**********1234.
std::string masked(std::string s) {
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    for (std::size_t i = 0; i + 18 <= s.size(); ++i) {
        if (i > 0 && digit(s[i - 1])) continue;
        bool id = true;
        for (std::size_t k = 0; k < 17 && id; ++k) id = digit(s[i + k]);
        const char last = s[i + 17];
        id = id && (digit(last) || last == 'X' || last == 'x') && !(i + 18 < s.size() && digit(s[i + 18]));
        if (!id) continue;
        for (std::size_t k = 4; k < 14; ++k) s[i + k] = '*';
        i += 17;
    }
    return s;
}

protocol::Bytes masked(protocol::ByteView raw) {
    const std::string m = masked(std::string(raw.begin(), raw.end()));
    return protocol::Bytes(m.begin(), m.end());
}

const std::vector<std::string>& formats_supported() {
    static const std::vector<std::string> f{"application/pdf", "application/octet-stream", "image/jpeg", "image/png",
                                            "text/plain"};
    return f;
}

bool format_supported(const std::string& f) {
    const auto& s = formats_supported();
    return std::find(s.begin(), s.end(), f) != s.end();
}

bool is_string_tag(IppTag t) {
    return t == IppTag::text || t == IppTag::name || t == IppTag::text_with_language || t == IppTag::name_with_language;
}

// --- document inspection ------------------------------------------------------------------

bool has_at(protocol::ByteView d, std::size_t at, std::string_view s) {
    if (at + s.size() > d.size()) return false;
    for (std::size_t i = 0; i < s.size(); ++i)
        if (d[at + i] != static_cast<std::uint8_t>(s[i])) return false;
    return true;
}

bool looks_like_pdf(protocol::ByteView d) {
    // PDF 32000 §7.5.2 allows junk before the header; readers look in the first 1 KiB.
    const std::size_t n = std::min(d.size(), k_sniff_bytes);
    for (std::size_t i = 0; i + 5 <= n; ++i)
        if (has_at(d, i, "%PDF-")) return true;
    return false;
}

bool looks_like_jpeg(protocol::ByteView d) { return d.size() >= 3 && d[0] == 0xff && d[1] == 0xd8 && d[2] == 0xff; }

bool looks_like_png(protocol::ByteView d) { return has_at(d, 0, "\x89PNG\r\n\x1a\n"); }

bool looks_like_text(protocol::ByteView d) {
    const std::size_t n = std::min(d.size(), k_sniff_bytes);
    if (n == 0) return false;
    for (std::size_t i = 0; i < n; ++i) {
        const std::uint8_t c = d[i];
        if (c == 0 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f' && c != 0x1b)) return false;
    }
    return true;
}

bool pdf_name_char(std::uint8_t c) {
    // Regular characters of a PDF name (PDF 32000 §7.2.2): not white space or a delimiter.
    switch (c) {
    case 0: case '\t': case '\n': case '\f': case '\r': case ' ':
    case '(': case ')': case '<': case '>': case '[': case ']': case '{': case '}': case '/': case '%':
        return false;
    default:
        return true;
    }
}

// Page objects of an uncompressed PDF: every "/Type /Page" (not "/Pages"). Pages
// inside compressed object streams are invisible here; the caller falls back.
int count_pdf_pages(protocol::ByteView d) {
    int pages = 0;
    for (std::size_t i = 0; i + 5 <= d.size() && pages < k_max_pages; ++i) {
        if (!has_at(d, i, "/Type")) continue;
        std::size_t j = i + 5;
        if (j < d.size() && pdf_name_char(d[j])) continue;  // "/Types..."
        while (j < d.size() && (d[j] == ' ' || d[j] == '\t' || d[j] == '\r' || d[j] == '\n' || d[j] == '\f' || d[j] == 0))
            ++j;
        if (!has_at(d, j, "/Page")) continue;
        if (j + 5 < d.size() && pdf_name_char(d[j + 5])) continue;  // "/Pages", "/PageLabel"
        ++pages;
        i = j + 4;
    }
    return pages;
}

// text/plain paginated at `lines` lines of `columns` columns; a form feed
// starts a new page; a 3- or 4-byte UTF-8 character (CJK) takes two columns.
int count_text_pages(protocol::ByteView d, int lines, int columns) {
    int pages = 0;
    int line = 0;
    int col = 0;
    bool content = false;
    auto end_line = [&] {
        col = 0;
        if (++line >= lines) {
            ++pages;
            line = 0;
            content = false;
        }
    };
    for (std::uint8_t c : d) {
        if (pages >= k_max_pages) break;
        if (c == '\f') {
            if (content || line > 0) ++pages;
            line = 0;
            col = 0;
            content = false;
            continue;
        }
        content = true;
        if (c == '\n') {
            end_line();
            content = line > 0 || col > 0;
            continue;
        }
        if (c == '\r' || (c >= 0x80 && c < 0xc0)) continue;  // CR, UTF-8 continuation bytes
        const int w = c >= 0xe0 ? 2 : 1;
        if (col + w > columns) {
            end_line();
            content = true;
        }
        col += w;
    }
    if (content) ++pages;
    return pages;
}

// --- IPP value helpers -----------------------------------------------------------------

IppValue kw(std::string s) { return IppValue::of_keyword(std::move(s)); }
IppValue integer(std::int64_t i) {
    return IppValue::of_integer(static_cast<std::int32_t>(
        std::clamp<std::int64_t>(i, std::numeric_limits<std::int32_t>::min(), std::numeric_limits<std::int32_t>::max())));
}
IppValue enum_of(std::int32_t i) { return IppValue::of_enum(i); }

std::vector<IppValue> keywords(const std::vector<std::string>& v) {
    std::vector<IppValue> out;
    for (const auto& s : v) out.push_back(kw(s));
    return out;
}

json value_json(const IppValue& v) {
    switch (v.tag) {
    case IppTag::integer:
    case IppTag::enumeration: return v.integer;
    case IppTag::boolean: return v.integer != 0;
    case IppTag::beg_collection: {
        json o = json::object();
        for (const auto& m : v.members) {
            json vals = json::array();
            for (const auto& mv : m.values) vals.push_back(value_json(mv));
            o[m.name] = vals.size() == 1 ? vals[0] : vals;
        }
        return o;
    }
    default: {
        // Strings from the wire need not be UTF-8; JSON must be.
        std::string s = masked(protocol::to_string(v));
        bool ascii_ok = true;
        for (unsigned char c : s)
            if (c >= 0x80 || c < 0x20) ascii_ok = false;
        if (ascii_ok) return s;
        try {
            return json::parse(json(s).dump(-1, ' ', false, json::error_handler_t::replace));
        } catch (const std::exception&) {
            return "?";
        }
    }
    }
}

json message_json(const IppMessage& m, bool request) {
    json j;
    j["version"] = std::to_string(m.version_major) + "." + std::to_string(m.version_minor);
    const std::string_view name = request ? protocol::operation_name(m.op_or_status) : protocol::status_name(m.op_or_status);
    char code[8];
    std::snprintf(code, sizeof code, "0x%04x", static_cast<unsigned>(m.op_or_status));
    j[request ? "operation" : "status"] = name.empty() ? std::string(code) : std::string(name);
    j["request_id"] = m.request_id;
    json groups = json::array();
    for (const auto& g : m.groups) {
        json attrs = json::object();
        for (const auto& a : g.attributes) {
            json vals = json::array();
            for (const auto& v : a.values) vals.push_back(value_json(v));
            attrs[a.name] = vals.size() == 1 ? vals[0] : vals;
        }
        const std::string_view gname = protocol::group_name(g.tag);
        groups.push_back(json{{"group", gname.empty() ? std::to_string(static_cast<int>(g.tag)) : std::string(gname)},
                              {"attributes", std::move(attrs)}});
    }
    j["groups"] = std::move(groups);
    if (!m.data.empty()) j["document_bytes"] = m.data.size();
    return j;
}

// A requested-attributes filter (RFC 8011 §4.2.5.1): names, or the group
// keywords "all", "printer-description", "job-template", "job-description".
struct Wanted {
    std::set<std::string, std::less<>> names;
    bool has(std::string_view n) const { return names.count(n) != 0; }
    bool operator()(std::string_view attr, std::string_view group) const {
        return has("all") || has(attr) || has(group);
    }
};

Wanted wanted_of(const std::vector<std::string>& requested) {
    Wanted w;
    for (const auto& r : requested) w.names.insert(r);
    return w;
}

}  // namespace

// --- A4PrinterConfig ----------------------------------------------------------------------

A4PrinterConfig A4PrinterConfig::from_json(const json& j) {
    if (j.is_null()) return {};
    if (!j.is_object()) throw std::invalid_argument("a4_printer config: expected a JSON object");
    A4PrinterConfig c;
    static const std::set<std::string> known{
        "printer_name", "make_and_model", "location", "info", "printer_uri", "natural_language",
        "pages_per_minute", "warmup_s", "fuser_hold_s", "response_ms", "tray_capacity", "sheets", "toner_pct",
        "waste_pct", "toner_pct_per_page", "waste_pct_per_page", "media_low_sheets", "toner_low_pct",
        "waste_almost_full_pct", "text_lines_per_page", "text_columns", "duplex", "max_copies",
        "max_document_bytes", "max_active_jobs", "job_history", "multiple_operation_timeout_s",
        "state_reason_suffixes"};
    for (auto it = j.begin(); it != j.end(); ++it)
        if (!known.count(it.key())) bad_key(it.key(), "is not an a4_printer setting");
    auto has = [&](const char* k) { return j.contains(k); };
    if (has("printer_name")) c.printer_name = text_of(j, "printer_name", 127, false);
    if (has("make_and_model")) c.make_and_model = text_of(j, "make_and_model", 127, false);
    if (has("location")) c.location = text_of(j, "location", 127, true);
    if (has("info")) c.info = text_of(j, "info", 127, true);
    if (has("printer_uri")) {
        c.printer_uri = text_of(j, "printer_uri", 1023, true);
        const auto u = parse_uri(c.printer_uri);
        if (!c.printer_uri.empty() && (!u || (u->scheme != "ipp" && u->scheme != "ipps")))
            bad_key("printer_uri", "must be an ipp:// or ipps:// URI (or \"\" to take it from each request)");
    }
    if (has("natural_language")) {
        c.natural_language = text_of(j, "natural_language", 63, false);
        for (char ch : c.natural_language)
            if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-'))
                bad_key("natural_language", "must be a lower-case language tag such as \"en\" or \"zh-cn\"");
    }
    if (has("pages_per_minute")) c.pages_per_minute = number_in(j, "pages_per_minute", 0, 1000, true);
    if (has("warmup_s")) c.warmup_s = number_in(j, "warmup_s", 0, 3600);
    if (has("fuser_hold_s")) c.fuser_hold_s = number_in(j, "fuser_hold_s", 0, 86400);
    if (has("response_ms")) c.response_ms = number_in(j, "response_ms", 0, 60000);
    if (has("tray_capacity")) c.tray_capacity = static_cast<int>(integer_in(j, "tray_capacity", 1, 100000));
    if (has("sheets")) c.sheets = static_cast<int>(integer_in(j, "sheets", 0, 100000));
    else c.sheets = c.tray_capacity;
    if (c.sheets > c.tray_capacity) bad_key("sheets", "must not exceed tray_capacity (" + std::to_string(c.tray_capacity) + ")");
    if (has("toner_pct")) c.toner_pct = number_in(j, "toner_pct", 0, 100);
    if (has("waste_pct")) c.waste_pct = number_in(j, "waste_pct", 0, 100);
    if (has("toner_pct_per_page")) c.toner_pct_per_page = number_in(j, "toner_pct_per_page", 0, 100);
    if (has("waste_pct_per_page")) c.waste_pct_per_page = number_in(j, "waste_pct_per_page", 0, 100);
    if (has("media_low_sheets")) c.media_low_sheets = static_cast<int>(integer_in(j, "media_low_sheets", 0, 100000));
    if (has("toner_low_pct")) c.toner_low_pct = number_in(j, "toner_low_pct", 0, 100);
    if (has("waste_almost_full_pct")) c.waste_almost_full_pct = number_in(j, "waste_almost_full_pct", 0, 100);
    if (has("text_lines_per_page")) c.text_lines_per_page = static_cast<int>(integer_in(j, "text_lines_per_page", 1, 1000));
    if (has("text_columns")) c.text_columns = static_cast<int>(integer_in(j, "text_columns", 1, 1000));
    if (has("duplex")) c.duplex = boolean_of(j, "duplex");
    if (has("max_copies")) c.max_copies = static_cast<int>(integer_in(j, "max_copies", 1, 9999));
    if (has("max_document_bytes"))
        c.max_document_bytes = static_cast<std::uint64_t>(integer_in(j, "max_document_bytes", 1, std::int64_t{1} << 31));
    if (has("max_active_jobs")) c.max_active_jobs = static_cast<int>(integer_in(j, "max_active_jobs", 1, 10000));
    if (has("job_history")) c.job_history = static_cast<int>(integer_in(j, "job_history", 0, 100000));
    if (has("multiple_operation_timeout_s"))
        c.multiple_operation_timeout_s = number_in(j, "multiple_operation_timeout_s", 1, 86400);
    if (has("state_reason_suffixes")) c.state_reason_suffixes = boolean_of(j, "state_reason_suffixes");
    return c;
}

json A4PrinterConfig::to_json() const {
    return json{{"printer_name", printer_name},
                {"make_and_model", make_and_model},
                {"location", location},
                {"info", info},
                {"printer_uri", printer_uri},
                {"natural_language", natural_language},
                {"pages_per_minute", pages_per_minute},
                {"warmup_s", warmup_s},
                {"fuser_hold_s", fuser_hold_s},
                {"response_ms", response_ms},
                {"tray_capacity", tray_capacity},
                {"sheets", sheets},
                {"toner_pct", toner_pct},
                {"waste_pct", waste_pct},
                {"toner_pct_per_page", toner_pct_per_page},
                {"waste_pct_per_page", waste_pct_per_page},
                {"media_low_sheets", media_low_sheets},
                {"toner_low_pct", toner_low_pct},
                {"waste_almost_full_pct", waste_almost_full_pct},
                {"text_lines_per_page", text_lines_per_page},
                {"text_columns", text_columns},
                {"duplex", duplex},
                {"max_copies", max_copies},
                {"max_document_bytes", max_document_bytes},
                {"max_active_jobs", max_active_jobs},
                {"job_history", job_history},
                {"multiple_operation_timeout_s", multiple_operation_timeout_s},
                {"state_reason_suffixes", state_reason_suffixes}};
}

json A4PrintJob::to_json() const {
    json j{{"id", id},
           {"name", masked(name)},
           {"user", masked(user)},
           {"document_name", masked(document_name)},
           {"format", format},
           {"document_bytes", document_bytes},
           {"documents", documents},
           {"pages", pages},
           {"copies", copies},
           {"sides", sides},
           {"media", media},
           {"impressions", impressions},
           {"sheets", sheets},
           {"impressions_done", impressions_done},
           {"sheets_done", sheets_done},
           {"state", std::string(protocol::job_state_name(static_cast<std::int32_t>(state)))},
           {"state_reasons", reasons},
           {"created_s", sim::seconds_since_epoch(created)},
           {"processing_s", processing ? json(sim::seconds_since_epoch(*processing)) : json(nullptr)},
           {"completed_s", completed ? json(sim::seconds_since_epoch(*completed)) : json(nullptr)}};
    if (stuck) j["stuck"] = true;
    return j;
}

// --- construction --------------------------------------------------------------------------

A4Printer::A4Printer(std::string id, std::uint64_t seed, A4PrinterConfig config)
    : HttpDevice(std::move(id), "a4_printer", seed),
      m_config(std::move(config)),
      m_sheets(std::clamp(m_config.sheets, 0, m_config.tray_capacity)),
      m_toner(std::clamp(m_config.toner_pct, 0.0, 100.0)),
      m_waste(std::clamp(m_config.waste_pct, 0.0, 100.0)) {
    faults().set_known_faults({"media_jam", "door_open", "offline", "paused", "http_503", "job_stuck", "job_aborted",
                               "unsupported_format", "wrong_media", "disconnected"});
    m_reported_reasons = {"none"};
}

// --- conditions ----------------------------------------------------------------------------

struct A4Printer::Reasons {
    bool media_empty = false;
    bool media_needed = false;
    bool media_low = false;
    bool jam = false;
    bool door = false;
    bool toner_empty = false;
    bool toner_low = false;
    bool waste_full = false;
    bool waste_almost = false;
    bool offline = false;
    bool paused = false;
    bool stuck = false;
    bool busy = false;
    bool disconnected = false;

    bool stops() const { return jam || door || offline || paused || toner_empty || waste_full || media_needed; }
};

A4Printer::Reasons A4Printer::reasons_at(sim::Time t) const {
    Reasons r;
    const FaultModel& f = faults();
    r.media_empty = m_sheets <= 0;
    r.media_low = m_sheets > 0 && m_sheets <= m_config.media_low_sheets;
    r.media_needed = m_media_needed || f.active(t, "wrong_media") != nullptr || (r.media_empty && job_waiting());
    r.jam = m_jammed || f.active(t, "media_jam") != nullptr;
    r.door = m_door_open || f.active(t, "door_open") != nullptr;
    r.toner_empty = m_toner <= 0.0;
    r.toner_low = !r.toner_empty && m_toner < m_config.toner_low_pct;
    r.waste_full = m_waste >= 100.0;
    r.waste_almost = !r.waste_full && m_waste >= m_config.waste_almost_full_pct;
    r.offline = f.active(t, "offline") != nullptr;
    r.paused = m_paused || f.active(t, "paused") != nullptr;
    if (m_current != 0) {
        for (const auto& j : m_jobs)
            if (j.id == m_current) r.stuck = job_blocked(t, j);
    }
    r.busy = m_busy_left > 0 || f.active(t, "http_503") != nullptr;
    r.disconnected = f.active(t, "disconnected") != nullptr;
    return r;
}

bool A4Printer::stops_engine(sim::Time t) const {
    const FaultModel& f = faults();
    return m_jammed || m_door_open || m_paused || m_media_needed || f.active(t, "media_jam") != nullptr ||
           f.active(t, "door_open") != nullptr || f.active(t, "offline") != nullptr || f.active(t, "paused") != nullptr ||
           f.active(t, "wrong_media") != nullptr;
}

bool A4Printer::blocked(sim::Time t) const {
    return stops_engine(t) || m_sheets <= 0 || m_toner <= 0.0 || m_waste >= 100.0;
}

bool A4Printer::job_blocked(sim::Time t, const A4PrintJob& job) const {
    return job.stuck || faults().active(t, "job_stuck") != nullptr;
}

bool A4Printer::job_waiting() const {
    if (m_current != 0) return true;
    for (const auto& j : m_jobs)
        if (j.state == IppJobState::pending && !j.incoming) return true;
    return false;
}

bool A4Printer::accepting_connections(sim::Time now) const { return faults().active(now, "disconnected") == nullptr; }

IppPrinterState A4Printer::printer_state(sim::Time now) const {
    const Reasons r = reasons_at(now);
    if (r.stops()) return IppPrinterState::stopped;
    if (job_waiting()) return IppPrinterState::processing;
    return IppPrinterState::idle;
}

std::vector<std::string> A4Printer::printer_state_reasons(sim::Time now) const {
    const Reasons r = reasons_at(now);
    std::vector<std::string> out;
    const bool sfx = m_config.state_reason_suffixes;
    auto add = [&](bool on, const char* base, const char* suffix) {
        if (on) out.push_back(sfx && *suffix ? std::string(base) + suffix : std::string(base));
    };
    add(r.media_empty, "media-empty", "-error");
    add(r.media_needed, "media-needed", "-error");
    add(r.media_low, "media-low", "-warning");
    add(r.jam, "media-jam", "-error");
    add(r.door, "door-open", "-error");
    add(r.toner_empty, "toner-empty", "-error");
    add(r.toner_low, "toner-low", "-warning");
    add(r.waste_full, "marker-waste-full", "-error");
    add(r.waste_almost, "marker-waste-almost-full", "-warning");
    add(r.offline, "offline", "-error");
    add(r.paused, "paused", "");  // conventionally bare (CUPS, ippeveprinter)
    if (out.empty()) out.push_back("none");
    return out;
}

std::string A4Printer::state_message(sim::Time t) const {
    const Reasons r = reasons_at(t);
    if (r.jam) return "Paper jam";
    if (r.door) return "Door open";
    if (r.offline) return "Offline";
    if (r.paused) return "Paused";
    if (r.toner_empty) return "Toner empty";
    if (r.waste_full) return "Waste toner box full";
    if (r.media_empty) return job_waiting() ? "Out of paper: load A4 paper" : "Out of paper";
    if (r.media_needed) return "Load A4 paper";
    if (m_current != 0) {
        if (r.stuck) return "Job " + std::to_string(m_current) + " stopped";
        if (m_phase == Phase::warming) return "Warming up";
        return "Printing job " + std::to_string(m_current);
    }
    if (r.toner_low) return "Toner low";
    if (r.media_low) return "Paper low";
    return "Ready";
}

DeviceStatus A4Printer::status(sim::Time now) const {
    const Reasons r = reasons_at(now);
    if (r.disconnected) return {Health::absent, {"disconnected"}};
    DeviceStatus s;
    auto fault = [&](bool on, const char* why) {
        if (on) {
            s.health = Health::fault;
            s.reasons.emplace_back(why);
        }
    };
    fault(r.media_empty, "media-empty");
    fault(r.media_needed, "media-needed");
    fault(r.jam, "media-jam");
    fault(r.door, "door-open");
    fault(r.toner_empty, "toner-empty");
    fault(r.waste_full, "marker-waste-full");
    fault(r.offline, "offline");
    fault(r.paused, "paused");
    fault(r.stuck, "job-stuck");
    auto warn = [&](bool on, const char* why) {
        if (on) {
            if (s.health == Health::ok) s.health = Health::warn;
            s.reasons.emplace_back(why);
        }
    };
    warn(r.media_low, "media-low");
    warn(r.toner_low, "toner-low");
    warn(r.waste_almost, "marker-waste-almost-full");
    warn(r.busy, "server-busy");
    return s;
}

// --- time ------------------------------------------------------------------------------------

std::int32_t A4Printer::up_time(sim::Time t) const {
    // printer-up-time counts seconds from power-on and must be > 0 (RFC 8011 §5.4.29).
    const double s = sim::seconds_since_epoch(t);
    return s >= 2.0e9 ? std::numeric_limits<std::int32_t>::max() : static_cast<std::int32_t>(s) + 1;
}

sim::Duration A4Printer::sheet_time(const A4PrintJob& job, int sheet) const {
    const int per_copy = std::max(1, job.sheets / std::max(1, job.copies));
    const int idx = sheet % per_copy;
    const bool two_sided = job.sides != "one-sided";
    const int impressions = two_sided ? ((idx == per_copy - 1 && job.pages % 2 == 1) ? 1 : 2) : 1;
    const sim::Duration d = sim::from_seconds(impressions * 60.0 / m_config.pages_per_minute);
    return std::max(d, sim::Duration{1});
}

sim::Time A4Printer::next_event() const {
    sim::Time t = sim::end_of_time;
    if (m_current != 0 && (m_phase == Phase::warming || m_phase == Phase::printing)) t = m_ready_at;
    t = std::min(t, faults().next_change(m_last));
    const sim::Duration timeout = sim::from_seconds(m_config.multiple_operation_timeout_s);
    for (const auto& j : m_jobs)
        if (j.incoming) t = std::min(t, j.last_activity + timeout);
    return t;
}

sim::Time A4Printer::next_wakeup() const {
    sim::Time t = next_event();
    // A change no timer announced (a fault injected or cleared through act())
    // is noticed at once.
    bool due = false;
    if (m_current == 0) {
        due = job_waiting();
    } else {
        // Mirrors tick(): the engine would change phase at m_last.
        for (const auto& j : m_jobs) {
            if (j.id != m_current) continue;
            const bool job_stop = job_blocked(m_last, j);
            switch (m_phase) {
            case Phase::printing: due = stops_engine(m_last) || job_stop; break;
            case Phase::stalled: due = !(blocked(m_last) || job_stop); break;
            case Phase::warming: due = blocked(m_last) || job_stop; break;
            case Phase::idle:
            case Phase::feed: due = true; break;
            }
        }
    }
    if (due) t = std::min(t, m_last);
    return t;
}

void A4Printer::on_wakeup(sim::Time now) {
    advance(now);
    prune_jobs();
}

void A4Printer::advance(sim::Time now) {
    if (now < m_last) now = m_last;  // the model's time never runs backwards
    tick(m_last);  // a change made through act() since the last call (a fault injected or cleared)
    for (int guard = 0; guard < k_max_events; ++guard) {
        const sim::Time t = next_event();
        if (t > now) break;
        m_last = t;
        tick(t);
    }
    m_last = now;
    tick(now);
}

void A4Printer::expire_incoming(sim::Time t) {
    const sim::Duration timeout = sim::from_seconds(m_config.multiple_operation_timeout_s);
    for (auto& j : m_jobs)
        if (j.incoming && t >= j.last_activity + timeout) {
            j.incoming = false;
            finish_job(t, j, IppJobState::aborted, "aborted-by-system");
        }
}

A4PrintJob* A4Printer::find_job(std::int32_t id) noexcept {
    for (auto& j : m_jobs)
        if (j.id == id) return &j;
    return nullptr;
}

const A4PrintJob* A4Printer::job(std::int32_t id) const noexcept {
    for (const auto& j : m_jobs)
        if (j.id == id) return &j;
    return nullptr;
}

void A4Printer::tick(sim::Time t) {
    expire_incoming(t);
    for (int pass = 0; pass < k_max_passes; ++pass) {
        if (m_current == 0) {
            A4PrintJob* next = nullptr;
            for (auto& j : m_jobs)
                if (j.state == IppJobState::pending && !j.incoming) {
                    next = &j;
                    break;
                }
            if (next == nullptr) {
                m_phase = Phase::idle;
                m_ready_at = sim::end_of_time;
                break;
            }
            start_job(t, *next);
            continue;
        }
        A4PrintJob* job = find_job(m_current);
        if (job == nullptr) {  // pruned or lost: free the engine
            m_current = 0;
            continue;
        }
        const bool job_stop = job_blocked(t, *job);
        if (m_phase == Phase::printing) {
            // A sheet due by now is out; one still in flight is lost to a
            // jam, an open door, going offline or a pause. An empty tray or
            // toner only stops the next feed.
            if (m_ready_at <= t) {
                finish_sheet(t, *job);
                continue;
            }
            const bool engine_stop = stops_engine(t);
            if (engine_stop || job_stop) stall(t, *job, !engine_stop);
            break;
        }
        const bool printer_blocked = blocked(t);
        if (printer_blocked || job_stop) {
            stall(t, *job, !printer_blocked);
            break;
        }
        if (m_phase == Phase::stalled || m_phase == Phase::idle) {  // resume
            job->state = IppJobState::processing;
            job->reasons = {"job-printing"};
            record(t, "event", json{{"job", job->id}, {"state", "processing"}, {"resumed", true}});
            if (t >= m_fuser_hot_until) {
                m_phase = Phase::warming;
                m_ready_at = t + sim::from_seconds(m_config.warmup_s);
            } else {
                m_phase = Phase::feed;
            }
            continue;
        }
        if (m_phase == Phase::warming) {
            if (m_ready_at > t) break;
            m_fuser_hot_until = t + sim::from_seconds(m_config.fuser_hold_s);
            m_phase = Phase::feed;
            continue;
        }
        // feed
        start_sheet(t, *job);
    }
    note_changes(t);
}

void A4Printer::start_job(sim::Time t, A4PrintJob& job) {
    m_current = job.id;
    job.state = IppJobState::processing;
    job.reasons = {"job-printing"};
    if (!job.processing) job.processing = t;
    record(t, "event", json{{"job", job.id}, {"state", "processing"}});
    apply_strike(t, faults().strike(t, "job"));
    if (m_abort_next_job || faults().active(t, "job_aborted") != nullptr) {
        m_abort_next_job = false;
        finish_job(t, job, IppJobState::aborted, "aborted-by-system");
        return;
    }
    if (m_stick_next_job) {
        m_stick_next_job = false;
        job.stuck = true;
    }
    if (job.format_error) {
        finish_job(t, job, IppJobState::aborted, "document-format-error");
        return;
    }
    if (job.sheets_done >= job.sheets) {
        finish_job(t, job, IppJobState::completed, "job-completed-successfully");
        return;
    }
    if (t >= m_fuser_hot_until) {
        m_phase = Phase::warming;
        m_ready_at = t + sim::from_seconds(m_config.warmup_s);
    } else {
        m_phase = Phase::feed;
        m_ready_at = sim::end_of_time;
    }
}

void A4Printer::start_sheet(sim::Time t, A4PrintJob& job) {
    apply_strike(t, faults().strike(t, "page"));
    if (m_jam_next_sheet) {
        m_jam_next_sheet = false;
        m_jammed = true;
        if (m_sheets > 0) --m_sheets;  // the jammed sheet is lost
        record(t, "event", json{{"jam", true}, {"job", job.id}, {"sheet", job.sheets_done + 1}});
        return;  // blocked now: the next pass stops the job
    }
    if (blocked(t) || job_blocked(t, job)) return;  // a struck fault (door, media) stops it before the feed
    if (m_sheets > 0) --m_sheets;  // picked from the tray
    m_phase = Phase::printing;
    m_ready_at = t + sheet_time(job, job.sheets_done);
}

void A4Printer::finish_sheet(sim::Time t, A4PrintJob& job) {
    const int per_copy = std::max(1, job.sheets / std::max(1, job.copies));
    const int idx = job.sheets_done % per_copy;
    const bool two_sided = job.sides != "one-sided";
    const int impressions = two_sided ? ((idx == per_copy - 1 && job.pages % 2 == 1) ? 1 : 2) : 1;
    m_toner = std::max(0.0, m_toner - impressions * m_config.toner_pct_per_page);
    m_waste = std::min(100.0, m_waste + impressions * m_config.waste_pct_per_page);
    ++job.sheets_done;
    job.impressions_done += impressions;
    ++m_sheets_total;
    m_impressions_total += static_cast<std::uint64_t>(impressions);
    m_fuser_hot_until = t + sim::from_seconds(m_config.fuser_hold_s);
    if (job.sheets_done >= job.sheets) {
        finish_job(t, job, IppJobState::completed, "job-completed-successfully");
    } else {
        m_phase = Phase::feed;
        m_ready_at = sim::end_of_time;
    }
}

void A4Printer::stall(sim::Time t, A4PrintJob& job, bool job_only) {
    const std::vector<std::string> reasons{job_only ? "job-suspended-by-system" : "printer-stopped"};
    const bool changed = m_phase != Phase::stalled || job.state != IppJobState::processing_stopped || job.reasons != reasons;
    m_phase = Phase::stalled;
    m_ready_at = sim::end_of_time;
    job.state = IppJobState::processing_stopped;
    job.reasons = reasons;
    if (changed)
        record(t, "event", json{{"job", job.id}, {"state", "processing-stopped"}, {"state_reasons", reasons}});
}

void A4Printer::finish_job(sim::Time t, A4PrintJob& job, IppJobState state, std::string reason) {
    job.state = state;
    job.reasons = {std::move(reason)};
    job.completed = t;
    job.incoming = false;
    if (m_current == job.id) {
        m_current = 0;
        m_phase = Phase::idle;
        m_ready_at = sim::end_of_time;
    }
    record(t, "event",
           json{{"job", job.id},
                {"state", std::string(protocol::job_state_name(static_cast<std::int32_t>(state)))},
                {"state_reasons", job.reasons},
                {"impressions", job.impressions_done},
                {"sheets", job.sheets_done}});
}

void A4Printer::prune_jobs() {
    auto terminal = [](const A4PrintJob& j) { return static_cast<int>(j.state) >= 7; };
    int done = 0;
    for (const auto& j : m_jobs) done += terminal(j);
    for (auto it = m_jobs.begin(); done > m_config.job_history && it != m_jobs.end();) {
        if (terminal(*it) && it->id != m_current) {
            it = m_jobs.erase(it);
            --done;
        } else {
            ++it;
        }
    }
}

void A4Printer::note_changes(sim::Time t) {
    const auto state = static_cast<std::int32_t>(printer_state(t));
    std::vector<std::string> reasons = printer_state_reasons(t);
    if (state == m_reported_state && reasons == m_reported_reasons) return;
    m_state_changed_up_time = up_time(t);
    record(t, "event",
           json{{"printer_state", std::string(protocol::printer_state_name(state))}, {"printer_state_reasons", reasons}});
    m_reported_state = state;
    m_reported_reasons = std::move(reasons);
}

void A4Printer::apply_strike(sim::Time t, const FaultRule* rule) {
    if (rule == nullptr) return;
    const std::string& f = rule->fault;
    record(t, "event", json{{"fault_struck", f}, {"rule", rule->id}});
    if (f == "http_503") {
        int count = 1;
        if (rule->params.contains("count") && rule->params["count"].is_number_integer())
            count = static_cast<int>(std::clamp<std::int64_t>(rule->params["count"].get<std::int64_t>(), 1, 1'000'000));
        m_busy_left = std::min(m_busy_left + count, 1'000'000);
    } else if (f == "media_jam") {
        m_jam_next_sheet = true;
    } else if (f == "job_aborted") {
        m_abort_next_job = true;
    } else if (f == "job_stuck") {
        m_stick_next_job = true;
    } else if (f == "unsupported_format") {
        m_refuse_next_document = true;
    } else if (f == "wrong_media") {
        m_media_needed = true;
    } else if (f == "door_open") {
        m_door_open = true;
    }
    // offline, paused and disconnected are conditions: a rule that strikes
    // operations has nothing to latch for them.
}

// --- actions ------------------------------------------------------------------------------

std::vector<std::string> A4Printer::model_actions() const {
    return {"load_paper", "replace_toner", "empty_waste", "open_door", "close_door",
            "clear_jam",  "cancel_all",    "set_consumables"};
}

namespace {
// Removes the condition rules of `fault` that hold now and were set by hand
// (now / window): the technician fixed what they describe. Rate rules keep
// their future outages.
void clear_manual_conditions(FaultModel& f, sim::Time now, const std::string& fault) {
    const json d = f.describe(now);
    for (const auto& r : d["rules"])
        if (r.value("fault", "") == fault && r.value("active", false) &&
            (r.value("trigger", "") == "now" || r.value("trigger", "") == "window"))
            f.clear(r["id"].get<std::string>());
}
}  // namespace

std::optional<ActionResult> A4Printer::on_action(sim::Time now, std::string_view name, const json& action) {
    advance(now);
    std::optional<ActionResult> result;
    if (name == "load_paper") {
        int add = m_config.tray_capacity - m_sheets;
        if (action.contains("sheets")) {
            const json& v = action["sheets"];
            if (!v.is_number_integer() || v.get<std::int64_t>() < 1 || v.get<std::int64_t>() > 100000)
                return ActionResult::failure("load_paper: \"sheets\" must be an integer from 1 to 100000");
            add = static_cast<int>(v.get<std::int64_t>());
        }
        const int before = m_sheets;
        m_sheets = std::min(m_config.tray_capacity, m_sheets + add);
        m_media_needed = false;
        clear_manual_conditions(faults(), now, "wrong_media");
        result = ActionResult::success(json{{"sheets", m_sheets}, {"loaded", m_sheets - before},
                                            {"tray_capacity", m_config.tray_capacity}});
    } else if (name == "replace_toner") {
        m_toner = 100.0;
        result = ActionResult::success(json{{"toner_pct", m_toner}});
    } else if (name == "empty_waste") {
        m_waste = 0.0;
        result = ActionResult::success(json{{"waste_pct", m_waste}});
    } else if (name == "open_door") {
        m_door_open = true;
        result = ActionResult::success(json{{"door_open", true}});
    } else if (name == "close_door") {
        m_door_open = false;
        clear_manual_conditions(faults(), now, "door_open");
        result = ActionResult::success(json{{"door_open", false}});
    } else if (name == "clear_jam") {
        const bool was = m_jammed || faults().active(now, "media_jam") != nullptr;
        m_jammed = false;
        clear_manual_conditions(faults(), now, "media_jam");
        result = ActionResult::success(json{{"cleared", was}});
    } else if (name == "cancel_all") {
        int n = 0;
        for (auto& j : m_jobs)
            if (static_cast<int>(j.state) < 7) {
                finish_job(now, j, IppJobState::canceled, "job-canceled-at-device");
                ++n;
            }
        result = ActionResult::success(json{{"canceled", n}});
    } else if (name == "set_consumables") {
        // Check every field before changing anything.
        std::optional<int> sheets;
        std::optional<double> toner;
        std::optional<double> waste;
        for (auto it = action.begin(); it != action.end(); ++it)
            if (it.key() != "action" && it.key() != "sheets" && it.key() != "toner_pct" && it.key() != "waste_pct")
                return ActionResult::failure("set_consumables: unknown field \"" + it.key() +
                                             "\" (known: sheets, toner_pct, waste_pct)");
        if (action.contains("sheets")) {
            const json& v = action["sheets"];
            if (!v.is_number_integer() || v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > m_config.tray_capacity)
                return ActionResult::failure("set_consumables: \"sheets\" must be an integer from 0 to " +
                                             std::to_string(m_config.tray_capacity));
            sheets = static_cast<int>(v.get<std::int64_t>());
        }
        for (const char* k : {"toner_pct", "waste_pct"}) {
            if (!action.contains(k)) continue;
            const json& v = action[k];
            if (!v.is_number() || !(v.get<double>() >= 0.0) || v.get<double>() > 100.0)
                return ActionResult::failure(std::string("set_consumables: \"") + k + "\" must be a number from 0 to 100");
            (std::string_view(k) == "toner_pct" ? toner : waste) = v.get<double>();
        }
        if (!sheets && !toner && !waste)
            return ActionResult::failure("set_consumables: give at least one of sheets, toner_pct, waste_pct");
        if (sheets) m_sheets = *sheets;
        if (toner) m_toner = *toner;
        if (waste) m_waste = *waste;
        result = ActionResult::success(json{{"sheets", m_sheets}, {"toner_pct", m_toner}, {"waste_pct", m_waste}});
    } else {
        return std::nullopt;
    }
    tick(now);
    prune_jobs();
    return result;
}

json A4Printer::model_state(sim::Time now) const {
    const char* phase = "idle";
    switch (m_phase) {
    case Phase::idle: phase = "idle"; break;
    case Phase::warming: phase = "warming"; break;
    case Phase::feed:
    case Phase::printing: phase = "printing"; break;
    case Phase::stalled: phase = "stopped"; break;
    }
    json jobs = json::array();
    int queued = 0;
    for (const auto& j : m_jobs) {
        jobs.push_back(j.to_json());
        queued += static_cast<int>(j.state) < 7;
    }
    const auto state = static_cast<std::int32_t>(printer_state(now));
    return json{{"printer_state", std::string(protocol::printer_state_name(state))},
                {"printer_state_code", state},
                {"printer_state_reasons", printer_state_reasons(now)},
                {"printer_state_message", state_message(now)},
                {"accepting_connections", accepting_connections(now)},
                {"accepting_jobs", true},
                {"sheets", m_sheets},
                {"tray_capacity", m_config.tray_capacity},
                {"toner_pct", std::round(m_toner * 1000.0) / 1000.0},  // no float dust in the control API
                {"waste_pct", std::round(m_waste * 1000.0) / 1000.0},
                {"door_open", m_door_open},
                {"jammed", m_jammed},
                {"paused", m_paused},
                {"media_needed", m_media_needed},
                {"engine", phase},
                {"fuser_hot", now < m_fuser_hot_until},
                {"current_job", m_current == 0 ? json(nullptr) : json(m_current)},
                {"queued_jobs", queued},
                {"busy_requests_left", m_busy_left},
                {"impressions_total", m_impressions_total},
                {"sheets_total", m_sheets_total},
                {"jobs", std::move(jobs)}};
}

// --- IPP -------------------------------------------------------------------------------------

struct A4Printer::Request {
    const IppMessage& msg;
    std::uint16_t op = 0;
    std::string printer_uri;  // what this client calls the printer
    std::string user = "anonymous";
    std::vector<IppAttribute> unsupported;

    const IppAttribute* op_attr(std::string_view name) const { return msg.find(IppGroupTag::operation, name); }
};

namespace {

IppMessage response_to(const IppMessage& req, IppStatus status, const std::string& language, std::string_view message,
                       const std::vector<IppAttribute>& unsupported = {}) {
    IppMessage m;
    const bool known = req.version_major == 1 || req.version_major == 2;
    m.version_major = known ? req.version_major : 1;
    m.version_minor = known ? req.version_minor : 1;
    m.op_or_status = static_cast<std::uint16_t>(status);
    m.request_id = req.request_id;
    IppGroup& g = m.add_group(IppGroupTag::operation);
    g.add("attributes-charset", IppValue::of_string(IppTag::charset, "utf-8"));
    g.add("attributes-natural-language", IppValue::of_string(IppTag::natural_language, language));
    if (!message.empty()) g.add("status-message", IppValue::of_text(std::string(message)));
    if (!unsupported.empty()) m.add_group(IppGroupTag::unsupported).attributes = unsupported;
    return m;
}

std::optional<std::string> string_value(const IppAttribute* a) {
    if (a == nullptr || a->values.size() != 1) return std::nullopt;
    const IppValue& v = a->values[0];
    if (v.is_out_of_band() || v.tag == IppTag::beg_collection) return std::nullopt;
    if (!v.is_string() && v.tag != IppTag::text_with_language && v.tag != IppTag::name_with_language)
        return std::nullopt;
    return v.text;
}

std::vector<std::string> keyword_list(const IppAttribute* a) {
    std::vector<std::string> out;
    if (a == nullptr) return out;
    for (const auto& v : a->values)
        if (v.tag == IppTag::keyword) out.push_back(v.text);
    return out;
}

}  // namespace

HttpResponse A4Printer::handle(sim::Time now, const HttpRequest& http) {
    try {
        advance(now);
        if (faults().active(now, "disconnected") != nullptr)
            return HttpResponse::error(503, "disconnected", "the printer is disconnected; the host should refuse the connection");
        apply_strike(now, faults().strike(now, "request"));
        if (m_busy_left > 0 || faults().active(now, "http_503") != nullptr) {
            if (m_busy_left > 0) --m_busy_left;
            record(now, "event", json{{"http_503", http.method + " " + http.target}});
            HttpResponse r = HttpResponse::error(503, "busy", "the printer is busy; retry later");
            r.headers.emplace_back("Retry-After", "1");
            return r;
        }
        if (http.method != "POST") {
            HttpResponse r = HttpResponse::error(405, "method_not_allowed", "IPP requests are HTTP POSTs to " + path_prefix());
            r.headers.emplace_back("Allow", "POST");
            return r;
        }
        const auto q = http.target.find('?');
        if (!under_prefix(http.target.substr(0, q), path_prefix()))
            return HttpResponse::error(404, "not_found", "no IPP printer at " + http.target);
        if (bare_type(http.header("content-type")) != "application/ipp")
            return HttpResponse::error(400, "bad_content_type",
                                       "expected Content-Type application/ipp, got \"" + http.header("content-type") + "\"");
        const protocol::ByteView body(reinterpret_cast<const std::uint8_t*>(http.body.data()), http.body.size());
        if (body.size() < 8)
            return HttpResponse::error(400, "not_ipp", "an IPP message starts with an 8-byte header; got " +
                                                           std::to_string(body.size()) + " bytes");
        protocol::IppDecodeResult decoded = protocol::decode_ipp(body);
        if (!decoded) {
            const protocol::IppError& e = decoded.error();
            IppMessage stub;
            stub.version_major = e.version_major;
            stub.version_minor = e.version_minor;
            stub.request_id = e.request_id;
            if (trace())
                record(now, "in", json{{"malformed", e.message}, {"request_id", e.request_id}},
                       masked(body.first(std::min<std::size_t>(body.size(), 256))));
            IppMessage resp = response_to(stub, e.status, m_config.natural_language, e.message);
            const protocol::Bytes out = protocol::encode(resp);
            if (trace()) record(now, "out", message_json(resp, false), masked(out));
            HttpResponse r;
            r.status = 200;
            r.content_type = "application/ipp";
            r.body.assign(out.begin(), out.end());
            r.delay = sim::from_seconds(m_config.response_ms / 1000.0);
            return r;
        }
        HttpResponse r = answer(now, http, decoded.value());
        prune_jobs();
        return r;
    } catch (const std::exception& e) {
        return HttpResponse::error(500, "internal_error", e.what());
    }
}

HttpResponse A4Printer::answer(sim::Time now, const HttpRequest& http, const IppMessage& req) {
    const std::size_t attr_bytes = http.body.size() - req.data.size();
    // Decoded trace records cost more than answering: build them only when kept.
    if (trace())
        record(now, "in", message_json(req, true),
               masked(protocol::ByteView(reinterpret_cast<const std::uint8_t*>(http.body.data()), attr_bytes)));
    Request r{req, req.op_or_status, {}, "anonymous", {}};
    // The URI this client knows the printer by: configured, else the
    // printer-uri it sent, else its Host header (the host owns the port).
    if (!m_config.printer_uri.empty()) {
        r.printer_uri = m_config.printer_uri;
    } else if (const auto u = parse_uri(string_value(r.op_attr("printer-uri")).value_or(""));
               u && (u->scheme == "ipp" || u->scheme == "ipps")) {
        r.printer_uri = u->scheme + "://" + u->authority + path_prefix();
    } else if (const std::string host = http.header("host"); !host.empty()) {
        r.printer_uri = "ipp://" + host + path_prefix();
    } else {
        r.printer_uri = "ipp://localhost:631" + path_prefix();
    }
    IppMessage resp;
    try {
        resp = dispatch(now, r);
    } catch (const std::exception& e) {
        resp = response_to(req, IppStatus::server_error_internal_error, m_config.natural_language, e.what());
    }
    tick(now);
    protocol::Bytes out;
    try {
        out = protocol::encode(resp);
    } catch (const std::exception& e) {
        resp = response_to(req, IppStatus::server_error_internal_error, m_config.natural_language, e.what());
        out = protocol::encode(resp);
    }
    if (trace()) record(now, "out", message_json(resp, false), masked(out));
    HttpResponse h;
    h.status = 200;  // RFC 8010 §4.2: the IPP status travels in the body
    h.content_type = "application/ipp";
    h.body.assign(out.begin(), out.end());
    h.delay = sim::from_seconds(m_config.response_ms / 1000.0);
    return h;
}

IppMessage A4Printer::dispatch(sim::Time now, Request& r) {
    const IppMessage& req = r.msg;
    const std::string& lang = m_config.natural_language;
    auto fail = [&](IppStatus s, std::string_view why) { return response_to(req, s, lang, why, r.unsupported); };

    // RFC 8011 §4.1.8: versions 1.x and 2.x are understood.
    if (req.version_major != 1 && req.version_major != 2)
        return fail(IppStatus::server_error_version_not_supported,
                    "IPP version " + std::to_string(req.version_major) + "." + std::to_string(req.version_minor) +
                        " is not supported");
    // §4.1.1: request-id is 1 .. 2^31-1.
    if (req.request_id <= 0) return fail(IppStatus::client_error_bad_request, "request-id must be greater than 0");
    // §4.1.4: the operation group comes first and starts with the charset and
    // the natural language, in that order.
    if (req.groups.empty() || req.groups.front().tag != IppGroupTag::operation)
        return fail(IppStatus::client_error_bad_request, "the operation attributes group must come first");
    const IppGroup& op = req.groups.front();
    if (op.attributes.size() < 2 || op.attributes[0].name != "attributes-charset" ||
        op.attributes[1].name != "attributes-natural-language")
        return fail(IppStatus::client_error_bad_request,
                    "attributes-charset and attributes-natural-language must be the first two operation attributes");
    if (op.attributes[0].values.size() != 1 || op.attributes[0].tag() != IppTag::charset ||
        op.attributes[1].values.size() != 1 || op.attributes[1].tag() != IppTag::natural_language)
        return fail(IppStatus::client_error_bad_request, "attributes-charset or attributes-natural-language has the wrong syntax");
    int operation_groups = 0;
    for (const auto& g : req.groups) operation_groups += g.tag == IppGroupTag::operation;
    if (operation_groups > 1) return fail(IppStatus::client_error_bad_request, "more than one operation attributes group");
    std::set<std::string_view> seen;
    for (const auto& a : op.attributes)
        if (!seen.insert(a.name).second)
            return fail(IppStatus::client_error_bad_request, "operation attribute \"" + a.name + "\" appears twice");
    const std::string charset = lower(op.attributes[0].values[0].text);
    if (charset != "utf-8" && charset != "us-ascii") {
        r.unsupported.emplace_back("attributes-charset", op.attributes[0].values[0]);
        return fail(IppStatus::client_error_charset_not_supported, "charset \"" + charset + "\" is not supported");
    }

    const auto operation = static_cast<IppOperation>(r.op);
    switch (operation) {
    case IppOperation::print_job:
    case IppOperation::validate_job:
    case IppOperation::create_job:
    case IppOperation::send_document:
    case IppOperation::cancel_job:
    case IppOperation::get_job_attributes:
    case IppOperation::get_jobs:
    case IppOperation::get_printer_attributes:
    case IppOperation::pause_printer:
    case IppOperation::resume_printer:
        break;
    default: {
        const std::string_view n = protocol::operation_name(r.op);
        char code[8];
        std::snprintf(code, sizeof code, "0x%04x", static_cast<unsigned>(r.op));
        return fail(IppStatus::server_error_operation_not_supported,
                    "operation " + (n.empty() ? std::string(code) : std::string(n)) + " is not supported");
    }
    }

    // The target: printer-uri, or a job-uri for the job operations (RFC 8011 §4.1.5).
    const bool job_op = operation == IppOperation::send_document || operation == IppOperation::cancel_job ||
                        operation == IppOperation::get_job_attributes;
    const IppAttribute* printer_uri = r.op_attr("printer-uri");
    const IppAttribute* job_uri = r.op_attr("job-uri");
    if (printer_uri == nullptr && !(job_op && job_uri != nullptr))
        return fail(IppStatus::client_error_bad_request, job_op ? "printer-uri or job-uri is required" : "printer-uri is required");
    for (const IppAttribute* a : {printer_uri, job_uri}) {
        if (a == nullptr) continue;
        if (a->values.size() != 1 || a->tag() != IppTag::uri)
            return fail(IppStatus::client_error_bad_request, a->name + " must be a single uri");
        const auto u = parse_uri(a->values[0].text);
        if (!u || !under_prefix(u->path, path_prefix()))
            return fail(IppStatus::client_error_not_found, "no such printer or job: " + a->values[0].text);
    }
    if (const IppAttribute* user = r.op_attr("requesting-user-name")) {
        if (user->values.size() != 1 || (user->tag() != IppTag::name && user->tag() != IppTag::name_with_language))
            return fail(IppStatus::client_error_bad_request, "requesting-user-name must be a single name");
        if (!user->values[0].text.empty()) r.user = user->values[0].text;
    }

    switch (operation) {
    case IppOperation::get_printer_attributes: return get_printer_attributes(now, r);
    case IppOperation::validate_job: return validate_or_create(now, r, false, false);
    case IppOperation::print_job: return validate_or_create(now, r, true, true);
    case IppOperation::create_job: return validate_or_create(now, r, true, false);
    case IppOperation::send_document: return send_document(now, r);
    case IppOperation::cancel_job: return cancel_job(now, r);
    case IppOperation::get_job_attributes: return get_job_attributes(now, r);
    case IppOperation::get_jobs: return get_jobs(now, r);
    case IppOperation::pause_printer: return pause_printer(now, r, true);
    case IppOperation::resume_printer: return pause_printer(now, r, false);
    default: return fail(IppStatus::server_error_internal_error, "unreachable");
    }
}

std::string A4Printer::job_uri(const std::string& printer_uri, std::int32_t id) const {
    return printer_uri + "/" + std::to_string(id);
}

int A4Printer::active_job_count() const {
    int n = 0;
    for (const auto& j : m_jobs) n += static_cast<int>(j.state) < 7;
    return n;
}

int A4Printer::intervening_jobs(const A4PrintJob& job) const {
    if (static_cast<int>(job.state) >= 5) return 0;
    int n = 0;
    for (const auto& j : m_jobs)
        if (j.id < job.id && static_cast<int>(j.state) < 7) ++n;
    return n;
}

std::vector<IppAttribute> A4Printer::printer_attributes(sim::Time now, const std::string& uri,
                                                        const std::vector<std::string>& requested) const {
    const Wanted want = wanted_of(requested);
    std::vector<IppAttribute> out;
    constexpr std::string_view d = "printer-description";
    constexpr std::string_view t = "job-template";
    // Values are made only for the attributes asked for (a status poll asks for a few).
    using Values = std::vector<IppValue>;
    auto add = [&](std::string_view group, const char* name, auto&& values) {
        if (want(name, group)) out.emplace_back(name, values());
    };
    const bool secure = starts_with(uri, "ipps:");
    const auto state = static_cast<std::int32_t>(printer_state(now));
    // job template (RFC 8011 §5.2)
    add(t, "copies-default", [&]() -> Values { return {integer(1)}; });
    add(t, "copies-supported", [&]() -> Values { return {IppValue::of_range(1, m_config.max_copies)}; });
    add(t, "finishings-default", [&]() -> Values { return {enum_of(3)}; });
    add(t, "finishings-supported", [&]() -> Values { return {enum_of(3)}; });
    add(t, "job-sheets-default", [&]() -> Values { return {kw("none")}; });
    add(t, "job-sheets-supported", [&]() -> Values { return {kw("none")}; });
    add(t, "media-default", [&]() -> Values { return {kw(k_a4)}; });
    add(t, "media-supported", [&]() -> Values { return {kw(k_a4)}; });
    add(t, "media-ready", [&]() -> Values { return {kw(k_a4)}; });
    auto media_col = [] {
        std::vector<IppAttribute> size{IppAttribute("x-dimension", integer(21000)), IppAttribute("y-dimension", integer(29700))};
        return IppValue::of_collection({IppAttribute("media-size", IppValue::of_collection(std::move(size))),
                                        IppAttribute("media-source", kw("main")),
                                        IppAttribute("media-type", kw("stationery"))});
    };
    add(t, "media-col-default", [&]() -> Values { return {media_col()}; });
    add(t, "media-col-ready", [&]() -> Values { return {media_col()}; });
    add(t, "media-col-supported", [&]() -> Values { return keywords({"media-size", "media-source", "media-type"}); });
    add(t, "media-source-supported", [&]() -> Values { return {kw("main")}; });
    add(t, "media-type-supported", [&]() -> Values { return {kw("stationery")}; });
    add(t, "media-size-supported", [&]() -> Values {
        return {IppValue::of_collection(
            {IppAttribute("x-dimension", integer(21000)), IppAttribute("y-dimension", integer(29700))})};
    });
    add(t, "output-bin-default", [&]() -> Values { return {kw("face-down")}; });
    add(t, "output-bin-supported", [&]() -> Values { return {kw("face-down")}; });
    add(t, "number-up-default", [&]() -> Values { return {integer(1)}; });
    add(t, "number-up-supported", [&]() -> Values { return {integer(1)}; });
    add(t, "orientation-requested-default", [&]() -> Values { return {enum_of(3)}; });
    add(t, "orientation-requested-supported", [&]() -> Values { return {enum_of(3), enum_of(4)}; });
    add(t, "print-quality-default", [&]() -> Values { return {enum_of(4)}; });
    add(t, "print-quality-supported", [&]() -> Values { return {enum_of(3), enum_of(4), enum_of(5)}; });
    add(t, "printer-resolution-default", [&]() -> Values {
        return {IppValue::of_resolution(600, 600, protocol::IppResolutionUnits::dots_per_inch)};
    });
    add(t, "printer-resolution-supported", [&]() -> Values {
        return {IppValue::of_resolution(600, 600, protocol::IppResolutionUnits::dots_per_inch)};
    });
    add(t, "sides-default", [&]() -> Values { return {kw("one-sided")}; });
    add(t, "sides-supported", [&]() -> Values {
        return m_config.duplex ? keywords({"one-sided", "two-sided-long-edge", "two-sided-short-edge"}) : keywords({"one-sided"});
    });
    // printer description (RFC 8011 §5.4)
    add(d, "charset-configured", [&]() -> Values { return {IppValue::of_string(IppTag::charset, "utf-8")}; });
    add(d, "charset-supported", [&]() -> Values {
        return {IppValue::of_string(IppTag::charset, "utf-8"), IppValue::of_string(IppTag::charset, "us-ascii")};
    });
    add(d, "color-supported", [&]() -> Values { return {IppValue::of_boolean(false)}; });
    add(d, "compression-supported", [&]() -> Values { return {kw("none")}; });
    add(d, "document-format-default", [&]() -> Values {
        return {IppValue::of_string(IppTag::mime_media_type, "application/octet-stream")};
    });
    add(d, "document-format-supported", [&] {
        Values f;
        for (const auto& s : formats_supported()) f.push_back(IppValue::of_string(IppTag::mime_media_type, s));
        return f;
    });
    add(d, "generated-natural-language-supported", [&]() -> Values {
        return {IppValue::of_string(IppTag::natural_language, "en"), IppValue::of_string(IppTag::natural_language, "zh-cn")};
    });
    add(d, "ipp-versions-supported", [&]() -> Values { return keywords({"1.0", "1.1", "2.0"}); });
    add(d, "job-impressions-supported", [&]() -> Values { return {IppValue::of_range(1, k_max_pages)}; });
    add(d, "job-k-octets-supported", [&]() -> Values {
        const std::uint64_t k = std::min<std::uint64_t>(m_config.max_document_bytes / 1024 + 1,
                                                        std::numeric_limits<std::int32_t>::max());
        return {IppValue::of_range(0, static_cast<std::int32_t>(k))};
    });
    add(d, "marker-colors", [&]() -> Values { return {IppValue::of_name("#000000")}; });
    add(d, "marker-high-levels", [&]() -> Values { return {integer(100)}; });
    add(d, "marker-levels", [&]() -> Values { return {integer(static_cast<std::int64_t>(std::ceil(m_toner)))}; });
    add(d, "marker-low-levels", [&]() -> Values {
        return {integer(static_cast<std::int64_t>(m_config.toner_low_pct))};
    });
    add(d, "marker-names", [&]() -> Values { return {IppValue::of_name("Black Toner")}; });
    add(d, "marker-types", [&]() -> Values { return {kw("toner")}; });
    add(d, "multiple-document-jobs-supported", [&]() -> Values { return {IppValue::of_boolean(true)}; });
    add(d, "multiple-operation-time-out", [&]() -> Values {
        return {integer(std::max<std::int64_t>(1, static_cast<std::int64_t>(m_config.multiple_operation_timeout_s)))};
    });
    add(d, "natural-language-configured", [&]() -> Values {
        return {IppValue::of_string(IppTag::natural_language, m_config.natural_language)};
    });
    add(d, "operations-supported", [&]() -> Values {
        return {enum_of(0x0002), enum_of(0x0004), enum_of(0x0005), enum_of(0x0006), enum_of(0x0008),
                enum_of(0x0009), enum_of(0x000a), enum_of(0x000b), enum_of(0x0010), enum_of(0x0011)};
    });
    add(d, "pages-per-minute", [&]() -> Values {
        return {integer(static_cast<std::int64_t>(std::lround(m_config.pages_per_minute)))};
    });
    add(d, "pdl-override-supported", [&]() -> Values { return {kw("attempted")}; });
    add(d, "printer-info", [&]() -> Values { return {IppValue::of_text(m_config.info)}; });
    add(d, "printer-is-accepting-jobs", [&]() -> Values { return {IppValue::of_boolean(true)}; });
    add(d, "printer-location", [&]() -> Values { return {IppValue::of_text(m_config.location)}; });
    add(d, "printer-make-and-model", [&]() -> Values { return {IppValue::of_text(m_config.make_and_model)}; });
    if (const auto u = parse_uri(uri))
        add(d, "printer-more-info", [&]() -> Values {
            return {IppValue::of_uri((secure ? "https://" : "http://") + u->authority + "/")};
        });
    add(d, "printer-name", [&]() -> Values { return {IppValue::of_name(m_config.printer_name)}; });
    add(d, "printer-state", [&]() -> Values { return {enum_of(state)}; });
    add(d, "printer-state-change-time", [&]() -> Values { return {integer(m_state_changed_up_time)}; });
    add(d, "printer-state-message", [&]() -> Values { return {IppValue::of_text(state_message(now))}; });
    add(d, "printer-state-reasons", [&]() -> Values { return keywords(printer_state_reasons(now)); });
    add(d, "printer-up-time", [&]() -> Values { return {integer(up_time(now))}; });
    add(d, "printer-uri-supported", [&]() -> Values { return {IppValue::of_uri(uri)}; });
    add(d, "printer-uuid", [&]() -> Values {
        // A stable urn:uuid from the device id (RFC 4122 layout, version 4 bits set).
        const std::uint64_t a = sim::fnv1a64(id());
        const std::uint64_t b = sim::fnv1a64(id() + "/ipp");
        char buf[64];
        std::snprintf(buf, sizeof buf, "urn:uuid:%08x-%04x-4%03x-8%03x-%012llx", static_cast<unsigned>(a >> 32),
                      static_cast<unsigned>((a >> 16) & 0xffff), static_cast<unsigned>(a & 0xfff),
                      static_cast<unsigned>((b >> 48) & 0xfff), static_cast<unsigned long long>(b & 0xffffffffffffull));
        return {IppValue::of_uri(buf)};
    });
    add(d, "queued-job-count", [&]() -> Values { return {integer(active_job_count())}; });
    add(d, "uri-authentication-supported", [&]() -> Values { return {kw("requesting-user-name")}; });
    add(d, "uri-security-supported", [&]() -> Values { return {kw(secure ? "tls" : "none")}; });
    add(d, "which-jobs-supported", [&]() -> Values { return keywords({"completed", "not-completed"}); });
    return out;
}

std::vector<IppAttribute> A4Printer::job_attributes(sim::Time now, const A4PrintJob& job, const std::string& uri,
                                                    const std::vector<std::string>& requested) const {
    const Wanted want = wanted_of(requested);
    std::vector<IppAttribute> out;
    constexpr std::string_view d = "job-description";
    constexpr std::string_view t = "job-template";
    // Values are built only for attributes the client asked for: a client
    // polling job-state must not pay for every other attribute.
    using Values = std::vector<IppValue>;
    auto add = [&](std::string_view group, const char* name, auto&& make) {
        if (want(name, group)) out.emplace_back(name, make());
    };
    auto time_or_none = [&](const std::optional<sim::Time>& at) {
        return at ? integer(up_time(*at)) : IppValue::out_of_band(IppTag::no_value);
    };
    add(d, "job-id", [&]() -> Values { return {integer(job.id)}; });
    add(d, "job-uri", [&]() -> Values { return {IppValue::of_uri(job_uri(uri, job.id))}; });
    add(d, "job-printer-uri", [&]() -> Values { return {IppValue::of_uri(uri)}; });
    add(d, "job-name", [&]() -> Values { return {IppValue::of_name(job.name)}; });
    add(d, "job-originating-user-name", [&]() -> Values { return {IppValue::of_name(job.user)}; });
    add(d, "job-state", [&]() -> Values { return {enum_of(static_cast<std::int32_t>(job.state))}; });
    add(d, "job-state-reasons", [&]() -> Values {
        return keywords(job.reasons.empty() ? std::vector<std::string>{"none"} : job.reasons);
    });
    if (want("job-state-message", d)) {
        std::string msg;
        switch (job.state) {
        case IppJobState::pending: msg = job.incoming ? "Waiting for documents" : "Queued"; break;
        case IppJobState::pending_held: msg = "Held"; break;
        case IppJobState::processing:
            msg = "Printing sheet " + std::to_string(std::min(job.sheets_done + 1, std::max(1, job.sheets))) + " of " +
                  std::to_string(job.sheets);
            break;
        case IppJobState::processing_stopped: msg = job.stuck ? "Stopped" : "Stopped: " + state_message(now); break;
        case IppJobState::canceled: msg = "Canceled"; break;
        case IppJobState::aborted: msg = "Aborted"; break;
        case IppJobState::completed: msg = "Completed"; break;
        }
        add(d, "job-state-message", [&]() -> Values { return {IppValue::of_text(msg)}; });
    }
    add(d, "number-of-documents", [&]() -> Values { return {integer(job.documents)}; });
    add(d, "number-of-intervening-jobs", [&]() -> Values { return {integer(intervening_jobs(job))}; });
    add(d, "time-at-creation", [&]() -> Values { return {integer(up_time(job.created))}; });
    add(d, "time-at-processing", [&]() -> Values { return {time_or_none(job.processing)}; });
    add(d, "time-at-completed", [&]() -> Values { return {time_or_none(job.completed)}; });
    add(d, "job-printer-up-time", [&]() -> Values { return {integer(up_time(now))}; });
    add(d, "job-k-octets", [&]() -> Values {
        return {integer(static_cast<std::int64_t>((job.document_bytes + 1023) / 1024))};
    });
    add(d, "job-k-octets-processed", [&]() -> Values {
        return {integer(job.sheets_done >= job.sheets ? static_cast<std::int64_t>((job.document_bytes + 1023) / 1024) : 0)};
    });
    add(d, "job-impressions", [&]() -> Values { return {integer(job.impressions)}; });
    add(d, "job-media-sheets", [&]() -> Values { return {integer(job.sheets)}; });
    add(d, "job-impressions-completed", [&]() -> Values { return {integer(job.impressions_done)}; });
    add(d, "job-media-sheets-completed", [&]() -> Values { return {integer(job.sheets_done)}; });
    if (job.documents > 0) {
        add(d, "document-format-supplied", [&]() -> Values {
            return {IppValue::of_string(IppTag::mime_media_type, job.format)};
        });
        if (!job.document_name.empty()) add(d, "document-name-supplied", [&]() -> Values {
            return {IppValue::of_name(job.document_name)};
        });
    }
    add(t, "copies", [&]() -> Values { return {integer(job.copies)}; });
    add(t, "sides", [&]() -> Values { return {kw(job.sides)}; });
    add(t, "media", [&]() -> Values { return {kw(job.media)}; });
    for (const auto& a : job.attributes)
        if (want(a.name, t)) out.push_back(a);
    return out;
}

IppMessage A4Printer::get_printer_attributes(sim::Time now, Request& r) {
    std::vector<std::string> requested = keyword_list(r.op_attr("requested-attributes"));
    if (requested.empty()) requested = {"all"};
    IppMessage m = response_to(r.msg, IppStatus::ok, m_config.natural_language, "");
    m.add_group(IppGroupTag::printer).attributes = printer_attributes(now, r.printer_uri, requested);
    return m;
}

IppMessage A4Printer::validate_or_create(sim::Time now, Request& r, bool create, bool with_document) {
    const std::string& lang = m_config.natural_language;
    auto fail = [&](IppStatus s, std::string_view why) { return response_to(r.msg, s, lang, why, r.unsupported); };

    // Operation attributes.
    std::string format = "application/octet-stream";
    if (const IppAttribute* f = r.op_attr("document-format")) {
        if (f->values.size() != 1 || f->tag() != IppTag::mime_media_type)
            return fail(IppStatus::client_error_bad_request, "document-format must be a single mimeMediaType");
        format = bare_type(f->values[0].text);
        if (!format_supported(format)) {
            r.unsupported.push_back(*f);
            return fail(IppStatus::client_error_document_format_not_supported,
                        "document-format \"" + f->values[0].text + "\" is not supported");
        }
    }
    if (const IppAttribute* c = r.op_attr("compression")) {
        if (c->values.size() != 1 || c->tag() != IppTag::keyword || c->values[0].text != "none") {
            r.unsupported.push_back(*c);
            return fail(IppStatus::client_error_compression_not_supported, "only compression \"none\" is supported");
        }
    }
    bool fidelity = false;
    if (const IppAttribute* f = r.op_attr("ipp-attribute-fidelity")) {
        if (f->values.size() != 1 || f->tag() != IppTag::boolean)
            return fail(IppStatus::client_error_bad_request, "ipp-attribute-fidelity must be a boolean");
        fidelity = f->values[0].integer != 0;
    }
    std::string job_name = "Untitled";
    if (const IppAttribute* n = r.op_attr("job-name")) {
        if (n->values.size() != 1 || (n->tag() != IppTag::name && n->tag() != IppTag::name_with_language))
            return fail(IppStatus::client_error_bad_request, "job-name must be a single name");
        job_name = n->values[0].text;
    }
    std::string document_name;
    if (const IppAttribute* n = r.op_attr("document-name"); n != nullptr && !n->values.empty() && is_string_tag(n->tag()))
        document_name = n->values[0].text;
    if (job_name == "Untitled" && !document_name.empty()) job_name = document_name;

    // Job template attributes.
    A4PrintJob job;
    if (const IppGroup* jg = r.msg.group(IppGroupTag::job)) {
        for (const auto& a : jg->attributes) {
            const IppValue& v = a.values.front();
            const bool one = a.values.size() == 1;
            bool ok = false;
            if (a.name == "copies") {
                ok = one && v.tag == IppTag::integer && v.integer >= 1 && v.integer <= m_config.max_copies;
                if (ok) job.copies = v.integer;
            } else if (a.name == "sides") {
                ok = one && v.tag == IppTag::keyword &&
                     (v.text == "one-sided" ||
                      (m_config.duplex && (v.text == "two-sided-long-edge" || v.text == "two-sided-short-edge")));
                if (ok) job.sides = v.text;
            } else if (a.name == "media") {
                ok = one && (v.tag == IppTag::keyword || v.tag == IppTag::name) && v.text == k_a4;
            } else if (a.name == "media-col") {
                ok = one && v.tag == IppTag::beg_collection;  // A4 is all there is; the details are accepted
            } else if (a.name == "print-quality") {
                ok = one && v.tag == IppTag::enumeration && v.integer >= 3 && v.integer <= 5;
            } else if (a.name == "orientation-requested") {
                ok = one && v.tag == IppTag::enumeration && (v.integer == 3 || v.integer == 4);
            } else if (a.name == "number-up") {
                ok = one && v.tag == IppTag::integer && v.integer == 1;
            } else if (a.name == "finishings") {
                ok = one && v.tag == IppTag::enumeration && v.integer == 3;
            } else if (a.name == "job-sheets") {
                ok = one && v.tag == IppTag::keyword && v.text == "none";
            } else if (a.name == "printer-resolution") {
                ok = one && v.tag == IppTag::resolution && v.resolution.x == 600 && v.resolution.y == 600 &&
                     v.resolution.units == protocol::IppResolutionUnits::dots_per_inch;
            } else if (a.name == "media-source") {
                ok = one && v.tag == IppTag::keyword && v.text == "main";
            } else if (a.name == "media-type") {
                ok = one && v.tag == IppTag::keyword && v.text == "stationery";
            }
            if (ok) {
                if (a.name != "copies" && a.name != "sides" && a.name != "media") job.attributes.push_back(a);
            } else if (a.name == "copies" || a.name == "sides" || a.name == "media" || a.name == "media-col" ||
                       a.name == "print-quality" || a.name == "orientation-requested" || a.name == "number-up" ||
                       a.name == "finishings" || a.name == "job-sheets" || a.name == "printer-resolution" ||
                       a.name == "media-source" || a.name == "media-type") {
                r.unsupported.push_back(a);  // a supported attribute with an unsupported value
            } else {
                r.unsupported.emplace_back(a.name, IppValue::out_of_band(IppTag::unsupported));
            }
        }
    }
    if (!r.unsupported.empty() && fidelity)
        return fail(IppStatus::client_error_attributes_or_values_not_supported,
                    "unsupported job attributes with ipp-attribute-fidelity true");
    const IppStatus ok_status = r.unsupported.empty() ? IppStatus::ok : IppStatus::ok_ignored_or_substituted;
    if (!create) return fail(ok_status, "");

    if (active_job_count() >= m_config.max_active_jobs)
        return fail(IppStatus::server_error_busy, "too many jobs; retry later");
    if (with_document) {
        if (r.msg.data.size() > m_config.max_document_bytes)
            return fail(IppStatus::client_error_request_entity_too_large,
                        "document larger than " + std::to_string(m_config.max_document_bytes) + " bytes");
        if (r.msg.data.empty()) return fail(IppStatus::client_error_bad_request, "Print-Job without document data");
        apply_strike(now, faults().strike(now, "document"));
        if (m_refuse_next_document || faults().active(now, "unsupported_format") != nullptr) {
            m_refuse_next_document = false;
            if (const IppAttribute* f = r.op_attr("document-format")) r.unsupported.push_back(*f);
            return fail(IppStatus::client_error_document_format_not_supported, "the printer cannot print this document");
        }
    }
    job.id = m_next_id;
    m_next_id = m_next_id == std::numeric_limits<std::int32_t>::max() ? 1 : m_next_id + 1;
    job.name = job_name;
    job.user = r.user;
    job.document_name = document_name;
    job.created = now;
    job.last_activity = now;
    job.state = IppJobState::pending;
    if (with_document) {
        add_document(now, job, r, format);
        job.reasons = {"job-queued"};
    } else {
        job.incoming = true;
        job.reasons = {"job-incoming"};
    }
    if (trace()) record(now, "event", json{{"job_created", job.to_json()}});
    m_jobs.push_back(std::move(job));
    const std::int32_t id = m_jobs.back().id;
    tick(now);  // an idle engine takes it at once
    const A4PrintJob* made = find_job(id);
    IppMessage m = fail(ok_status, "");
    m.add_group(IppGroupTag::job).attributes =
        job_attributes(now, *made, r.printer_uri,
                       {"job-uri", "job-id", "job-state", "job-state-reasons", "job-state-message",
                        "number-of-intervening-jobs"});
    return m;
}

void A4Printer::add_document(sim::Time now, A4PrintJob& job, const Request& r, const std::string& declared) {
    const protocol::ByteView data(r.msg.data);
    std::string format = declared;
    if (format == "application/octet-stream") {
        if (looks_like_pdf(data)) format = "application/pdf";
        else if (looks_like_jpeg(data)) format = "image/jpeg";
        else if (looks_like_png(data)) format = "image/png";
        else if (looks_like_text(data)) format = "text/plain";
    }
    int pages = 0;
    bool valid = true;
    if (format == "application/pdf") {
        valid = looks_like_pdf(data);
        pages = valid ? count_pdf_pages(data) : 0;
    } else if (format == "text/plain") {
        pages = count_text_pages(data, m_config.text_lines_per_page, m_config.text_columns);
    } else if (format == "image/jpeg") {
        valid = looks_like_jpeg(data);
        pages = 1;
    } else if (format == "image/png") {
        valid = looks_like_png(data);
        pages = 1;
    }
    if (pages == 0 && valid && !data.empty()) {
        // A PDL the printer cannot count (or compressed PDF objects): trust job-impressions.
        pages = 1;
        if (const IppAttribute* imp = r.op_attr("job-impressions");
            imp != nullptr && imp->tag() == IppTag::integer && imp->values[0].integer > 0)
            pages = std::min(imp->values[0].integer, k_max_pages);
    }
    if (!valid) job.format_error = true;
    job.pages = std::min(job.pages + pages, k_max_pages);
    job.format = format;
    job.document_bytes += data.size();
    ++job.documents;
    job.last_activity = now;
    if (const IppAttribute* n = r.op_attr("document-name"); n != nullptr && !n->values.empty() && is_string_tag(n->tag()))
        job.document_name = n->values[0].text;
    const bool two_sided = job.sides != "one-sided";
    const int per_copy = two_sided ? (job.pages + 1) / 2 : job.pages;
    job.impressions = job.pages * job.copies;
    job.sheets = per_copy * job.copies;
}

A4PrintJob* A4Printer::target_job(Request& r, IppMessage& error) {
    const std::string& lang = m_config.natural_language;
    std::int32_t id = 0;
    if (const IppAttribute* ju = r.op_attr("job-uri")) {
        const auto u = parse_uri(ju->values[0].text);
        const std::string prefix = path_prefix() + "/";
        std::string_view rest = u ? std::string_view(u->path) : std::string_view();
        if (!starts_with(rest, prefix)) {
            error = response_to(r.msg, IppStatus::client_error_not_found, lang, "no such job: " + ju->values[0].text);
            return nullptr;
        }
        rest.remove_prefix(prefix.size());
        for (char c : rest) {
            if (c < '0' || c > '9' || id > 100'000'000) {
                id = -1;
                break;
            }
            id = id * 10 + (c - '0');
        }
    } else if (const IppAttribute* ji = r.op_attr("job-id")) {
        if (ji->values.size() != 1 || ji->tag() != IppTag::integer) {
            error = response_to(r.msg, IppStatus::client_error_bad_request, lang, "job-id must be a single integer");
            return nullptr;
        }
        id = ji->values[0].integer;
    } else {
        error = response_to(r.msg, IppStatus::client_error_bad_request, lang, "job-id or job-uri is required");
        return nullptr;
    }
    A4PrintJob* job = id > 0 ? find_job(id) : nullptr;
    if (job == nullptr)
        error = response_to(r.msg, IppStatus::client_error_not_found, lang, "job " + std::to_string(id) + " not found");
    return job;
}

IppMessage A4Printer::send_document(sim::Time now, Request& r) {
    const std::string& lang = m_config.natural_language;
    IppMessage error;
    A4PrintJob* job = target_job(r, error);
    if (job == nullptr) return error;
    const IppAttribute* last = r.op_attr("last-document");
    if (last == nullptr || last->values.size() != 1 || last->tag() != IppTag::boolean)
        return response_to(r.msg, IppStatus::client_error_bad_request, lang, "last-document (boolean) is required");
    if (!job->incoming)
        return response_to(r.msg, IppStatus::client_error_not_possible, lang,
                           "job " + std::to_string(job->id) + " is not waiting for documents");
    std::string format = "application/octet-stream";
    if (const IppAttribute* f = r.op_attr("document-format")) {
        if (f->values.size() != 1 || f->tag() != IppTag::mime_media_type)
            return response_to(r.msg, IppStatus::client_error_bad_request, lang, "document-format must be a single mimeMediaType");
        format = bare_type(f->values[0].text);
        if (!format_supported(format)) {
            r.unsupported.push_back(*f);
            return response_to(r.msg, IppStatus::client_error_document_format_not_supported, lang,
                               "document-format \"" + f->values[0].text + "\" is not supported", r.unsupported);
        }
    }
    if (const IppAttribute* c = r.op_attr("compression");
        c != nullptr && (c->values.size() != 1 || c->tag() != IppTag::keyword || c->values[0].text != "none")) {
        r.unsupported.push_back(*c);
        return response_to(r.msg, IppStatus::client_error_compression_not_supported, lang,
                           "only compression \"none\" is supported", r.unsupported);
    }
    if (job->document_bytes + r.msg.data.size() > m_config.max_document_bytes)
        return response_to(r.msg, IppStatus::client_error_request_entity_too_large, lang, "job too large");
    if (!r.msg.data.empty()) {
        apply_strike(now, faults().strike(now, "document"));
        if (m_refuse_next_document || faults().active(now, "unsupported_format") != nullptr) {
            m_refuse_next_document = false;
            job->last_activity = now;
            return response_to(r.msg, IppStatus::client_error_document_format_not_supported, lang,
                               "the printer cannot print this document");
        }
        add_document(now, *job, r, format);
    }
    job->last_activity = now;
    const std::int32_t id = job->id;
    if (last->values[0].integer != 0) {
        job->incoming = false;
        job->reasons = {"job-queued"};
        record(now, "event", json{{"job", id}, {"documents_complete", job->documents}});
        tick(now);
    }
    const A4PrintJob* j = find_job(id);
    IppMessage m = response_to(r.msg, IppStatus::ok, lang, "");
    m.add_group(IppGroupTag::job).attributes =
        job_attributes(now, *j, r.printer_uri,
                       {"job-uri", "job-id", "job-state", "job-state-reasons", "job-state-message",
                        "number-of-intervening-jobs"});
    return m;
}

IppMessage A4Printer::cancel_job(sim::Time now, Request& r) {
    const std::string& lang = m_config.natural_language;
    IppMessage error;
    A4PrintJob* job = target_job(r, error);
    if (job == nullptr) return error;
    if (static_cast<int>(job->state) >= 7)
        return response_to(r.msg, IppStatus::client_error_not_possible, lang,
                           "job " + std::to_string(job->id) + " is already " +
                               std::string(protocol::job_state_name(static_cast<std::int32_t>(job->state))));
    finish_job(now, *job, IppJobState::canceled, "job-canceled-by-user");
    return response_to(r.msg, IppStatus::ok, lang, "");
}

IppMessage A4Printer::get_job_attributes(sim::Time now, Request& r) {
    IppMessage error;
    A4PrintJob* job = target_job(r, error);
    if (job == nullptr) return error;
    std::vector<std::string> requested = keyword_list(r.op_attr("requested-attributes"));
    if (requested.empty()) requested = {"all"};
    IppMessage m = response_to(r.msg, IppStatus::ok, m_config.natural_language, "");
    m.add_group(IppGroupTag::job).attributes = job_attributes(now, *job, r.printer_uri, requested);
    return m;
}

IppMessage A4Printer::get_jobs(sim::Time now, Request& r) {
    const std::string& lang = m_config.natural_language;
    bool completed = false;
    if (const IppAttribute* w = r.op_attr("which-jobs")) {
        if (w->values.size() != 1 || w->tag() != IppTag::keyword)
            return response_to(r.msg, IppStatus::client_error_bad_request, lang, "which-jobs must be a single keyword");
        if (w->values[0].text == "completed") {
            completed = true;
        } else if (w->values[0].text != "not-completed") {
            r.unsupported.push_back(*w);
            return response_to(r.msg, IppStatus::client_error_attributes_or_values_not_supported, lang,
                               "which-jobs \"" + w->values[0].text + "\" is not supported", r.unsupported);
        }
    }
    std::int64_t limit = std::numeric_limits<std::int32_t>::max();
    if (const IppAttribute* l = r.op_attr("limit")) {
        if (l->values.size() != 1 || l->tag() != IppTag::integer)
            return response_to(r.msg, IppStatus::client_error_bad_request, lang, "limit must be a single integer");
        if (l->values[0].integer < 1) {
            r.unsupported.push_back(*l);
            return response_to(r.msg, IppStatus::client_error_attributes_or_values_not_supported, lang,
                               "limit must be at least 1", r.unsupported);
        }
        limit = l->values[0].integer;
    }
    bool mine = false;
    if (const IppAttribute* m = r.op_attr("my-jobs")) {
        if (m->values.size() != 1 || m->tag() != IppTag::boolean)
            return response_to(r.msg, IppStatus::client_error_bad_request, lang, "my-jobs must be a boolean");
        mine = m->values[0].integer != 0;
    }
    std::vector<std::string> requested = keyword_list(r.op_attr("requested-attributes"));
    if (requested.empty()) requested = {"job-uri", "job-id"};  // RFC 8011 §4.2.6.1

    std::vector<const A4PrintJob*> list;
    for (const auto& j : m_jobs) {
        const bool done = static_cast<int>(j.state) >= 7;
        if (done != completed) continue;
        if (mine && j.user != r.user) continue;
        list.push_back(&j);
    }
    if (completed)  // most recently completed first (RFC 8011 §4.2.6.2)
        std::stable_sort(list.begin(), list.end(), [](const A4PrintJob* a, const A4PrintJob* b) {
            return a->completed.value_or(sim::Time{}) > b->completed.value_or(sim::Time{});
        });
    IppMessage m = response_to(r.msg, IppStatus::ok, lang, "");
    std::int64_t n = 0;
    for (const A4PrintJob* j : list) {
        if (n++ >= limit) break;
        m.add_group(IppGroupTag::job).attributes = job_attributes(now, *j, r.printer_uri, requested);
    }
    return m;
}

IppMessage A4Printer::pause_printer(sim::Time now, Request& r, bool pause) {
    m_paused = pause;
    record(now, "event", json{{"paused", pause}});
    tick(now);
    return response_to(r.msg, IppStatus::ok, m_config.natural_language, "");
}

}  // namespace kiosktwin::devices
