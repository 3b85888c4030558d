// The SQLite journal of the live gateway, its replay and the group-commit
// thread (journal.hpp states the contract and the file's schema).
#include <kiosktwin/server/journal.hpp>

#include <kiosktwin/server/router.hpp>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <atomic>
#include <exception>
#include <limits>
#include <utility>

namespace kiosktwin::server {

namespace {

constexpr int k_schema_version = 1;
// PRAGMA application_id: "KTGJ", so another program's SQLite file (or ours
// from another part) is refused rather than written into.
constexpr int k_application_id = 0x4B54474A;
constexpr int k_busy_timeout_ms = 5000;
constexpr std::int64_t k_max_us = std::numeric_limits<std::int64_t>::max() / 1000;

struct StmtDeleter {
    void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

std::string column_text(sqlite3_stmt* s, int i) {
    const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
    const int n = sqlite3_column_bytes(s, i);
    return p ? std::string(p, static_cast<std::size_t>(n)) : std::string();
}

std::string column_blob(sqlite3_stmt* s, int i) {
    const auto* p = static_cast<const char*>(sqlite3_column_blob(s, i));
    const int n = sqlite3_column_bytes(s, i);
    return p ? std::string(p, static_cast<std::size_t>(n)) : std::string();
}

constexpr char k_b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64(std::string_view in) {
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= in.size(); i += 3) {
        const unsigned v = static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8 |
                           static_cast<unsigned char>(in[i + 2]);
        for (int k = 18; k >= 0; k -= 6) out.push_back(k_b64[(v >> k) & 63]);
    }
    if (const std::size_t rest = in.size() - i; rest > 0) {
        unsigned v = static_cast<unsigned>(static_cast<unsigned char>(in[i])) << 16;
        if (rest == 2) v |= static_cast<unsigned>(static_cast<unsigned char>(in[i + 1])) << 8;
        out.push_back(k_b64[(v >> 18) & 63]);
        out.push_back(k_b64[(v >> 12) & 63]);
        out.push_back(rest == 2 ? k_b64[(v >> 6) & 63] : '=');
        out.push_back('=');
    }
    return out;
}

std::optional<std::string> unbase64(std::string_view in) {
    if (in.size() % 4 != 0) return std::nullopt;
    std::string out;
    out.reserve(in.size() / 4 * 3);
    unsigned v = 0;
    int bits = 0;
    for (std::size_t i = 0; i < in.size(); ++i) {
        const char c = in[i];
        if (c == '=') {
            if (i + 2 < in.size()) return std::nullopt;
            break;
        }
        const char* at = std::char_traits<char>::find(k_b64, 64, c);
        if (!at) return std::nullopt;
        v = (v << 6) | static_cast<unsigned>(at - k_b64);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((v >> bits) & 0xFF));
        }
    }
    return out;
}

bool is_utf8(const std::string& s) {
    try {
        (void)nlohmann::json(s).dump();
        return true;
    } catch (const nlohmann::json::type_error&) {
        return false;
    }
}

// Headers as a JSON object; names and values that are not UTF-8 (a client
// may send any bytes) kept byte-exact, so replay sees the request as sent.
// A refusal on the wire (http.hpp) rides along under " wire": a space
// cannot start a header name, so no client can send it.
constexpr const char* k_wire_key = " wire";

std::string headers_json(const Request& r) {
    const auto& headers = r.headers;
    nlohmann::json wire;
    if (r.refused_on_wire)
        wire = {{"error", api::to_string(r.refused_on_wire->code)},
                {"path", r.refused_on_wire->path},
                {"reason", r.refused_on_wire->reason}};
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : headers) j[k] = v;
    if (!wire.is_null()) j[k_wire_key] = wire;
    try {
        return j.dump();
    } catch (const nlohmann::json::type_error&) {
    }
    j = nlohmann::json::object();
    if (!wire.is_null()) j[k_wire_key] = nlohmann::json::parse(wire.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
    for (const auto& [k, v] : headers) {
        const bool name_ok = is_utf8(k);
        if (name_ok && is_utf8(v)) {
            j[k] = v;
            continue;
        }
        nlohmann::json raw = {{"base64", base64(v)}};
        if (name_ok) {
            j[k] = std::move(raw);
        } else {
            raw["name_base64"] = base64(k);
            std::string key = " b64:";  // a space cannot start a header name
            key.append(base64(k));
            j[key] = std::move(raw);
        }
    }
    return j.dump();
}

std::string_view clip(std::string_view s, std::size_t n = 200) { return s.size() <= n ? s : s.substr(0, n); }

// Concatenation without `"literal" + std::string&&` (GCC 12's -Wrestrict false positive).
template <class... Parts>
std::string cat(const Parts&... parts) {
    std::string out;
    (out.append(std::string_view(parts)), ...);
    return out;
}

}  // namespace

struct Journal::Impl {
    std::string path;
    JournalOptions options;
    sqlite3* db = nullptr;
    // Recursive: for_each's callback may call the const members on its thread.
    mutable std::recursive_mutex mutex;
    Stmt begin, commit, rollback, insert_entry, insert_audit, get_meta, put_meta, count_entries, count_audit;
    std::uint64_t last_seq = 0;

    Impl(std::string p, JournalOptions o) : path(std::move(p)), options(o) {}

    ~Impl() {
        for (Stmt* s : {&begin, &commit, &rollback, &insert_entry, &insert_audit, &get_meta, &put_meta,
                        &count_entries, &count_audit})
            s->reset();
        if (db) sqlite3_close_v2(db);
    }

    std::string message(std::string_view what) const {
        std::string m = "journal ";
        m.append(path).append(": ").append(what);
        return m;
    }
    [[noreturn]] void fail(std::string_view what) const {
        std::string m = message(what);
        m.append(": ").append(db ? sqlite3_errmsg(db) : "out of memory");
        throw std::runtime_error(m);
    }

    Stmt prepare(const char* sql, bool persistent = true) const {
        sqlite3_stmt* s = nullptr;
        if (sqlite3_prepare_v3(db, sql, -1, persistent ? SQLITE_PREPARE_PERSISTENT : 0, &s, nullptr) != SQLITE_OK) {
            std::string what = "preparing \"";
            what.append(sql).append("\"");
            fail(what);
        }
        return Stmt(s);
    }

    void exec(const char* sql) const {
        if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(sql);
    }

    // Runs a statement that returns no row (or whose rows are ignored) and
    // resets it; `what()` names it in the error (built only on failure).
    template <class What>
    void run(sqlite3_stmt* s, const What& what) const {
        const int rc = sqlite3_step(s);
        if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
            std::string m = message(what());
            m.append(": ").append(sqlite3_errmsg(db));
            sqlite3_reset(s);
            throw std::runtime_error(m);
        }
        sqlite3_reset(s);
    }

    // The first column of the first row of `sql`, as an integer.
    std::int64_t query_int(const char* sql) const {
        Stmt s = prepare(sql, false);
        const int rc = sqlite3_step(s.get());
        if (rc == SQLITE_ROW) return sqlite3_column_int64(s.get(), 0);
        if (rc == SQLITE_DONE) return 0;
        fail(sql);
    }
    std::string query_text(const char* sql) const {
        Stmt s = prepare(sql, false);
        const int rc = sqlite3_step(s.get());
        if (rc == SQLITE_ROW) return column_text(s.get(), 0);
        if (rc == SQLITE_DONE) return {};
        fail(sql);
    }

    void open();
    void create_schema();
    void rollback_if_open() noexcept {
        if (sqlite3_get_autocommit(db)) return;
        sqlite3_reset(rollback.get());
        sqlite3_step(rollback.get());
        sqlite3_reset(rollback.get());
    }
};

void Journal::Impl::open() {
    const int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                                   nullptr);
    if (rc != SQLITE_OK) {
        std::string m = message("cannot open: ");
        m.append(db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close_v2(db);
        db = nullptr;
        throw std::runtime_error(m);
    }
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, k_busy_timeout_ms);

    // Before anything writes (the WAL switch does): a newer file is left as it is.
    const std::int64_t version = query_int("PRAGMA user_version");
    if (version != 0 && version != k_schema_version)
        throw std::runtime_error(message(cat("schema version ", std::to_string(version), " is not this build's ",
                                             std::to_string(k_schema_version),
                                             "; refusing to open it (written by another version of kiosktwin?)")));

    const std::string mode = query_text("PRAGMA journal_mode=WAL");
    if (mode != "wal") throw std::runtime_error(message(cat("cannot use WAL mode (journal_mode is \"", mode, "\")")));
    exec(options.full_sync ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");

    begin = prepare("BEGIN IMMEDIATE");
    commit = prepare("COMMIT");
    rollback = prepare("ROLLBACK");
    create_schema();

    insert_entry = prepare(
        "INSERT INTO journal(seq, now_ns, method, target, headers, body, status, audit_head) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
    insert_audit = prepare(
        "INSERT INTO audit(seq, at, actor, action, outcome, detail, alg, prev_hash, hash) "
        "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    get_meta = prepare("SELECT value FROM meta WHERE key = ?1");
    put_meta = prepare("INSERT OR REPLACE INTO meta(key, value) VALUES(?1, ?2)");
    count_entries = prepare("SELECT count(*) FROM journal");
    count_audit = prepare("SELECT count(*) FROM audit");
    last_seq = static_cast<std::uint64_t>(query_int("SELECT coalesce(max(seq), 0) FROM journal"));
}

void Journal::Impl::create_schema() {
    run(begin.get(), [] { return "BEGIN IMMEDIATE"; });
    try {
        // Again inside the write lock: another process may have created it meanwhile.
        const std::int64_t version = query_int("PRAGMA user_version");
        if (version == 0) {
            if (query_int("SELECT count(*) FROM sqlite_schema") != 0)
                throw std::runtime_error(message("has tables but no schema version: not a kiosktwin journal"));
            exec("CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);"
                 "CREATE TABLE journal(seq INTEGER PRIMARY KEY, now_ns INTEGER NOT NULL, method TEXT NOT NULL,"
                 " target TEXT NOT NULL, headers TEXT NOT NULL, body BLOB NOT NULL, status INTEGER NOT NULL,"
                 " audit_head TEXT NOT NULL);"
                 "CREATE TABLE audit(seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL,"
                 " action TEXT NOT NULL, outcome TEXT NOT NULL, detail TEXT NOT NULL, alg TEXT NOT NULL,"
                 " prev_hash TEXT NOT NULL, hash TEXT NOT NULL);");
            exec(cat("PRAGMA application_id=", std::to_string(k_application_id)).c_str());
            exec(cat("PRAGMA user_version=", std::to_string(k_schema_version)).c_str());
        } else if (version != k_schema_version) {
            throw std::runtime_error(message(cat("schema version ", std::to_string(version), " is not this build's ",
                                                 std::to_string(k_schema_version), "; refusing to open it")));
        } else if (query_int("PRAGMA application_id") != k_application_id) {
            throw std::runtime_error(message("not a kiosktwin gateway journal (application_id differs)"));
        }
        run(commit.get(), [] { return "COMMIT"; });
    } catch (...) {
        rollback_if_open();
        throw;
    }
}

Journal::Journal(const std::string& path, JournalOptions options) : m(std::make_unique<Impl>(path, options)) {
    m->open();
}

Journal::~Journal() = default;

const std::string& Journal::path() const noexcept { return m->path; }

std::optional<std::string> Journal::meta(std::string_view key) const {
    std::lock_guard lock(m->mutex);
    sqlite3_stmt* s = m->get_meta.get();
    sqlite3_bind_text(s, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    const int rc = sqlite3_step(s);
    std::optional<std::string> out;
    if (rc == SQLITE_ROW) out = column_text(s, 0);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) m->fail("reading meta");
    return out;
}

void Journal::set_meta(std::string_view key, std::string_view value) {
    std::lock_guard lock(m->mutex);
    sqlite3_stmt* s = m->put_meta.get();
    sqlite3_bind_text(s, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    sqlite3_bind_text(s, 2, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
    m->run(s, [] { return "writing meta"; });
}

void Journal::append(const std::vector<JournalEntry>& batch) {
    if (batch.empty()) return;
    std::lock_guard lock(m->mutex);
    std::uint64_t last = m->last_seq;
    for (const JournalEntry& e : batch) {
        if (e.seq <= last || e.seq > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            throw std::runtime_error(m->message(cat("seq ", std::to_string(e.seq), " after ", std::to_string(last),
                                                    ": seqs must be strictly increasing")));
        const auto us = e.now.time_since_epoch().count();
        if (us > k_max_us || us < -k_max_us)
            throw std::runtime_error(m->message(cat("seq ", std::to_string(e.seq), ": now out of range")));
        last = e.seq;
    }

    m->run(m->begin.get(), [] { return "BEGIN IMMEDIATE"; });
    try {
        sqlite3_stmt* ins = m->insert_entry.get();
        sqlite3_stmt* aud = m->insert_audit.get();
        std::string headers, detail;
        for (const JournalEntry& e : batch) {
            const Request& r = e.request;
            headers = headers_json(r);
            sqlite3_bind_int64(ins, 1, static_cast<sqlite3_int64>(e.seq));
            sqlite3_bind_int64(ins, 2, e.now.time_since_epoch().count() * 1000);
            sqlite3_bind_text(ins, 3, r.method.data(), static_cast<int>(r.method.size()), SQLITE_STATIC);
            sqlite3_bind_text(ins, 4, r.target.data(), static_cast<int>(r.target.size()), SQLITE_STATIC);
            sqlite3_bind_text(ins, 5, headers.data(), static_cast<int>(headers.size()), SQLITE_STATIC);
            // data() is never null, so an empty body is a zero-length blob, not NULL.
            sqlite3_bind_blob64(ins, 6, r.body.data(), r.body.size(), SQLITE_STATIC);
            sqlite3_bind_int(ins, 7, e.status);
            sqlite3_bind_text(ins, 8, e.audit_head.data(), static_cast<int>(e.audit_head.size()), SQLITE_STATIC);
            m->run(ins, [&] { return cat("appending seq ", std::to_string(e.seq)); });
            for (const services::audit::Record& a : e.audit) {
                // The chain's hash is over the record as logged; this copy is for
                // readers of the database, so bad bytes are replaced, not fatal.
                detail = a.detail.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
                const std::string_view alg = services::audit::to_string(a.alg);
                sqlite3_bind_int64(aud, 1, static_cast<sqlite3_int64>(a.seq));
                sqlite3_bind_text(aud, 2, a.at.data(), static_cast<int>(a.at.size()), SQLITE_STATIC);
                sqlite3_bind_text(aud, 3, a.actor.data(), static_cast<int>(a.actor.size()), SQLITE_STATIC);
                sqlite3_bind_text(aud, 4, a.action.data(), static_cast<int>(a.action.size()), SQLITE_STATIC);
                sqlite3_bind_text(aud, 5, a.outcome.data(), static_cast<int>(a.outcome.size()), SQLITE_STATIC);
                sqlite3_bind_text(aud, 6, detail.data(), static_cast<int>(detail.size()), SQLITE_STATIC);
                sqlite3_bind_text(aud, 7, alg.data(), static_cast<int>(alg.size()), SQLITE_STATIC);
                sqlite3_bind_text(aud, 8, a.prev_hash.data(), static_cast<int>(a.prev_hash.size()), SQLITE_STATIC);
                sqlite3_bind_text(aud, 9, a.hash.data(), static_cast<int>(a.hash.size()), SQLITE_STATIC);
                m->run(aud, [&] {
                    return cat("appending audit record ", std::to_string(a.seq), " of seq ", std::to_string(e.seq));
                });
            }
        }
        m->run(m->commit.get(), [] { return "COMMIT"; });
    } catch (...) {
        m->rollback_if_open();
        throw;
    }
    m->last_seq = last;
}

void Journal::for_each(const std::function<void(JournalEntry&&)>& fn) const {
    std::lock_guard lock(m->mutex);
    Stmt s = m->prepare("SELECT seq, now_ns, method, target, headers, body, status, audit_head FROM journal ORDER BY seq",
                        false);
    int rc;
    while ((rc = sqlite3_step(s.get())) == SQLITE_ROW) {
        JournalEntry e;
        e.seq = static_cast<std::uint64_t>(sqlite3_column_int64(s.get(), 0));
        e.now = sim::Time{sim::Duration{sqlite3_column_int64(s.get(), 1) / 1000}};
        e.request.method = column_text(s.get(), 2);
        e.request.target = column_text(s.get(), 3);
        const std::string headers = column_text(s.get(), 4);
        e.request.body = column_blob(s.get(), 5);
        e.status = sqlite3_column_int(s.get(), 6);
        e.audit_head = column_text(s.get(), 7);

        const auto bad = [&](std::string_view why) {
            std::string what = "seq ";
            what.append(std::to_string(e.seq)).append(": headers ").append(why);
            return std::runtime_error(m->message(what));
        };
        const nlohmann::json j = nlohmann::json::parse(headers, nullptr, false);
        if (!j.is_object()) throw bad("are not a JSON object");
        for (const auto& [k, v] : j.items()) {
            if (k == k_wire_key) {
                const auto code = v.is_object() && v.contains("error") && v["error"].is_string()
                                      ? api::find_error(v["error"].get<std::string>())
                                      : std::nullopt;
                if (!code) throw bad("hold a malformed refusal");
                e.request.refused_on_wire = api::Problem{*code, v.value("path", std::string()),
                                                         v.value("reason", std::string())};
                continue;
            }
            if (v.is_string()) {
                e.request.headers.insert_or_assign(k, v.get<std::string>());
                continue;
            }
            const auto value = v.is_object() && v.contains("base64") && v["base64"].is_string()
                                   ? unbase64(v["base64"].get<std::string>())
                                   : std::nullopt;
            if (!value) throw bad(cat("hold a malformed value under \"", k, "\""));
            std::optional<std::string> name = k;
            if (v.contains("name_base64"))
                name = v["name_base64"].is_string() ? unbase64(v["name_base64"].get<std::string>()) : std::nullopt;
            if (!name) throw bad(cat("hold a malformed name under \"", k, "\""));
            e.request.headers.insert_or_assign(std::move(*name), std::move(*value));
        }
        fn(std::move(e));
    }
    if (rc != SQLITE_DONE) m->fail("reading the journal");
}

std::uint64_t Journal::size() const {
    std::lock_guard lock(m->mutex);
    sqlite3_stmt* s = m->count_entries.get();
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_reset(s);
        m->fail("counting entries");
    }
    const auto n = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return static_cast<std::uint64_t>(n);
}

std::uint64_t Journal::audit_size() const {
    std::lock_guard lock(m->mutex);
    sqlite3_stmt* s = m->count_audit.get();
    if (sqlite3_step(s) != SQLITE_ROW) {
        sqlite3_reset(s);
        m->fail("counting audit records");
    }
    const auto n = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    return static_cast<std::uint64_t>(n);
}

std::uint64_t Journal::last_seq() const {
    std::lock_guard lock(m->mutex);
    return m->last_seq;
}

ReplayStats replay(const Journal& journal, State& state) {
    ReplayStats stats;
    journal.for_each([&](JournalEntry&& e) {
        state.sequence = e.seq - 1;
        Response r;
        try {
            r = handle_request(e.request, state, e.now);
        } catch (const std::exception& x) {
            std::string m = "journal replay: seq ";
            m.append(std::to_string(e.seq)).append(" (").append(e.request.method).append(" ");
            m.append(clip(e.request.target)).append("): ").append(x.what());
            throw std::runtime_error(m);
        }
        const std::string& head = state.audit.head();
        if (r.status != e.status || head != e.audit_head) {
            std::string m = "journal replay diverged at seq ";
            m.append(std::to_string(e.seq)).append(" (").append(e.request.method).append(" ");
            m.append(clip(e.request.target)).append("): status ").append(std::to_string(e.status));
            m.append(" journaled, ").append(std::to_string(r.status)).append(" replayed; audit head ");
            m.append(e.audit_head).append(" journaled, ").append(head).append(" replayed");
            throw ReplayDivergence(m);
        }
        ++stats.entries;
        stats.last_seq = e.seq;
    });
    return stats;
}

struct Committer::Impl {
    Journal& journal;
    mutable std::mutex mutex;
    std::condition_variable wake;
    // Guarded by `mutex`:
    std::vector<JournalEntry> entries;
    std::vector<Done> dones;
    bool stopping = false;
    std::string error;

    std::atomic<std::uint64_t> batches{0};
    std::atomic<std::uint64_t> committed{0};
    std::atomic<std::uint64_t> failed{0};
    std::once_flag joined;
    std::thread thread;

    explicit Impl(Journal& j) : journal(j) {}
    void run();
};

void Committer::Impl::run() {
    std::vector<JournalEntry> batch;
    std::vector<Done> batch_done;
    for (;;) {
        std::string earlier;
        {
            std::unique_lock lock(mutex);
            wake.wait(lock, [&] { return !entries.empty() || stopping; });
            if (entries.empty()) return;  // stopping, and everything is committed
            batch.swap(entries);
            batch_done.swap(dones);
            earlier = error;
        }
        bool ok = false;
        std::string why;
        if (!earlier.empty()) {
            why = "journal failed earlier: ";
            why.append(earlier);
        } else {
            try {
                journal.append(batch);
                ok = true;
            } catch (const std::exception& e) {
                why = e.what();
            } catch (...) {
                why = "journal append failed";
            }
            if (!ok) {
                std::lock_guard lock(mutex);
                error = why;
            }
        }
        if (ok) {
            batches.fetch_add(1, std::memory_order_relaxed);
            committed.fetch_add(batch.size(), std::memory_order_relaxed);
        } else {
            failed.fetch_add(batch.size(), std::memory_order_relaxed);
        }
        for (Done& d : batch_done) {
            if (!d) continue;
            try {
                d(ok, why);
            } catch (...) {
                // The contract says done does not throw; one that does must not
                // take the others' completions (or the thread) with it.
            }
        }
        // Cleared here, swapped back next round: the vectors keep their capacity.
        batch.clear();
        batch_done.clear();
    }
}

Committer::Committer(Journal& journal) : m(std::make_unique<Impl>(journal)) {
    m->thread = std::thread([impl = m.get()] { impl->run(); });
}

Committer::~Committer() { stop(); }

void Committer::submit(JournalEntry entry, Done done) {
    bool queued = false;
    {
        std::lock_guard lock(m->mutex);
        if (!m->stopping) {
            m->entries.push_back(std::move(entry));
            m->dones.push_back(std::move(done));
            queued = true;
        }
    }
    if (queued) {
        m->wake.notify_one();
        return;
    }
    m->failed.fetch_add(1, std::memory_order_relaxed);
    if (done) done(false, "the journal committer is stopped");
}

void Committer::stop() {
    {
        std::lock_guard lock(m->mutex);
        m->stopping = true;
    }
    m->wake.notify_one();
    // From a completion (the committer's own thread) it cannot join itself:
    // the thread ends after this batch; the destructor joins it.
    if (std::this_thread::get_id() == m->thread.get_id()) return;
    std::call_once(m->joined, [this] {
        if (m->thread.joinable()) m->thread.join();
    });
}

std::uint64_t Committer::batches() const noexcept { return m->batches.load(std::memory_order_relaxed); }
std::uint64_t Committer::committed() const noexcept { return m->committed.load(std::memory_order_relaxed); }
std::uint64_t Committer::failed() const noexcept { return m->failed.load(std::memory_order_relaxed); }

std::string Committer::error() const {
    std::lock_guard lock(m->mutex);
    return m->error;
}

}  // namespace kiosktwin::server
