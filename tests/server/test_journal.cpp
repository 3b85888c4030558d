// The live gateway's journal (issue 6: "everything acknowledged is in SQLite
// (WAL) before the response leaves"): the file, append and read back,
// all-or-nothing batches, the audit table (R-9.3-1), replay through
// handle_request to the same audit head, divergence detection, and the
// group-commit thread.
#include "gateway_support.hpp"

#include <kiosktwin/server/journal.hpp>

#include <catch2/catch.hpp>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <numeric>
#include <thread>
#include <vector>

namespace server_journal_test {

using namespace kiosktwin;
using namespace kiosktwin::server;
using namespace kiosktwin::server::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// A fresh directory under /tmp, removed afterwards.
struct TempDir {
    fs::path dir;
    TempDir() {
        static int counter = 0;
        std::string name = "kiosktwin-journal-";
        name.append(std::to_string(::getpid())).append("-").append(std::to_string(++counter));
        dir = fs::temp_directory_path() / name;
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(dir, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string file(const char* name) const { return (dir / name).string(); }
};

// The database as another program sees it: to inspect and to tamper.
struct Raw {
    sqlite3* db = nullptr;
    explicit Raw(const std::string& path) { REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK); }
    ~Raw() { sqlite3_close(db); }
    Raw(const Raw&) = delete;
    Raw& operator=(const Raw&) = delete;

    void exec(const std::string& sql) {
        char* err = nullptr;
        const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
        const std::string msg = err ? err : "";
        sqlite3_free(err);
        INFO(sql << ": " << msg);
        REQUIRE(rc == SQLITE_OK);
    }
    // Every row of `sql`, each column as text.
    std::vector<std::vector<std::string>> rows(const std::string& sql) {
        sqlite3_stmt* s = nullptr;
        REQUIRE(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) == SQLITE_OK);
        std::vector<std::vector<std::string>> out;
        while (sqlite3_step(s) == SQLITE_ROW) {
            auto& row = out.emplace_back();
            for (int i = 0; i < sqlite3_column_count(s); ++i) {
                const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
                row.emplace_back(p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, i))) : "");
            }
        }
        sqlite3_finalize(s);
        return out;
    }
    std::string text(const std::string& sql) {
        auto r = rows(sql);
        REQUIRE_FALSE(r.empty());
        return r.front().front();
    }
};

JournalEntry simple_entry(std::uint64_t seq, std::string body = "{}") {
    JournalEntry e;
    e.seq = seq;
    e.now = sim::Time{} + std::chrono::seconds(seq);
    std::string target = "/api/v1/x/";
    target.append(std::to_string(seq));
    e.request = plain("POST", std::move(target), std::move(body));
    e.status = 200;
    e.audit_head = "head-";
    e.audit_head.append(std::to_string(seq));
    return e;
}

services::audit::Record record(std::uint64_t seq) {
    services::audit::Record r;
    r.seq = seq;
    r.at = "2026-06-01T08:00:00+08:00";
    r.actor = "kiosk-0001";
    r.action = "test.action";
    r.outcome = "ok";
    r.detail = {{"n", seq}};
    r.prev_hash = std::string(64, '0');
    r.hash = std::string(64, 'a');
    return r;
}

// Handles requests on a State and keeps a journal entry for each one that
// changed it, the way the live server does.
struct Recorder {
    State& state;
    std::vector<JournalEntry> entries;

    Response operator()(Request request, sim::Time now) {
        const std::size_t before = state.audit.size();
        Response res = handle_request(request, state, now);
        if (res.mutated) {
            JournalEntry e;
            e.seq = state.sequence;
            e.now = state.last_now;  // the `now` it was handled at (never earlier than the last)
            e.request = std::move(request);
            e.status = res.status;
            e.audit_head = state.audit.head();
            const auto& all = state.audit.records();
            e.audit.assign(all.begin() + static_cast<std::ptrdiff_t>(before), all.end());
            entries.push_back(std::move(e));
        }
        return res;
    }

    void append_to(Journal& j, std::size_t per_batch = 3) const {
        for (std::size_t i = 0; i < entries.size(); i += per_batch) {
            const auto last = std::min(entries.size(), i + per_batch);
            j.append(std::vector<JournalEntry>(entries.begin() + static_cast<std::ptrdiff_t>(i),
                                               entries.begin() + static_cast<std::ptrdiff_t>(last)));
        }
    }
};

// A run with refusals of every kind the routes allow, signed and unsigned,
// and reads in between that change nothing.
void refusals_and_reads(Recorder& rec, sim::Time t0) {
    const sim::Calendar& cal = rec.state.calendar();
    Signer kiosk = Signer::kiosk(1);
    Signer admin = Signer::admin();
    rec(plain("GET", "/api/v1/health"), t0);
    rec(plain("GET", "/api/v1/nowhere"), t0 + 1s);
    rec(kiosk.sign(cal, t0 + 2s, "POST", "/api/v1/nowhere", nlohmann::json{{"a", 1}}), t0 + 2s);
    rec(plain("GET", "/api/v1/items?offset=0&limit=5"), t0 + 3s);
    rec(kiosk.sign(cal, t0 + 4s, "GET", "/api/v1/items?offset=5&limit=5"), t0 + 4s);
    rec(plain("GET", "/api/v1/items?limit=0"), t0 + 5s);
    rec(plain("DELETE", "/api/v1/health"), t0 + 6s);
    rec(admin.sign(cal, t0 + 7s, "PUT", "/admin/v1/nowhere", nlohmann::json{{"名称", "社保卡补领"}}), t0 + 7s);
    rec(plain("GET", "/api/v1/items?zone=nowhere"), t0 + 3s);  // earlier than the last: handled at t0 + 7s
    rec(plain("GET", "/api/v1/items/changes?since=0"), t0 + 8s);
}

}  // namespace

TEST_CASE("journal: the file is created in WAL mode with schema version 1 and reopens", "[journal][R-9.3-1]") {
    TempDir tmp;
    const std::string path = tmp.file("gateway.db");
    {
        Journal j(path);
        CHECK(j.path() == path);
        CHECK(j.size() == 0);
        CHECK(j.audit_size() == 0);
        CHECK(j.last_seq() == 0);
        CHECK_FALSE(j.meta("seed"));
        j.set_meta("seed", "42");
        j.set_meta("calendar_epoch", "2026-06-01T00:00:00+08:00");
        j.set_meta("seed", "43");  // replaces
        j.append({simple_entry(3), simple_entry(9)});
    }
    {
        Raw raw(path);
        CHECK(raw.text("PRAGMA user_version") == "1");
        CHECK(raw.text("PRAGMA journal_mode") == "wal");
        const auto tables = raw.rows("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name");
        REQUIRE(tables.size() == 3);
        CHECK(tables[0][0] == "audit");
        CHECK(tables[1][0] == "journal");
        CHECK(tables[2][0] == "meta");
    }
    Journal j(path, JournalOptions{.full_sync = false});
    CHECK(j.size() == 2);
    CHECK(j.last_seq() == 9);
    CHECK(j.meta("seed") == "43");
    CHECK(j.meta("calendar_epoch") == "2026-06-01T00:00:00+08:00");
    CHECK_THROWS_WITH(j.append({simple_entry(9)}), Catch::Contains(path) && Catch::Contains("strictly increasing"));
    j.append({simple_entry(10)});
    CHECK(j.size() == 3);
}

TEST_CASE("journal: files it must not write into are refused with the file's name", "[journal]") {
    TempDir tmp;
    const std::string future = tmp.file("future.db");
    {
        Raw raw(future);
        raw.exec("CREATE TABLE journal(x); PRAGMA user_version = 2;");
    }
    CHECK_THROWS_WITH(Journal(future), Catch::Contains(future) && Catch::Contains("schema version 2"));
    {
        Raw raw(future);  // left as it was: not switched to WAL
        CHECK(raw.text("PRAGMA journal_mode") == "delete");
        CHECK(raw.text("PRAGMA user_version") == "2");
    }

    const std::string foreign = tmp.file("foreign.db");
    {
        Raw raw(foreign);
        raw.exec("CREATE TABLE results(run INTEGER)");
    }
    CHECK_THROWS_WITH(Journal(foreign), Catch::Contains(foreign) && Catch::Contains("not a kiosktwin journal"));

    const std::string garbage = tmp.file("garbage.db");
    std::ofstream(garbage) << std::string(4096, 'x');
    CHECK_THROWS_WITH(Journal(garbage), Catch::Contains(garbage) && Catch::Contains("not a database"));

    CHECK_THROWS_WITH(Journal(tmp.file("no/such/dir/x.db")), Catch::Contains("no/such/dir/x.db"));
}

TEST_CASE("journal: entries read back byte for byte, in seq order", "[journal]") {
    TempDir tmp;
    const std::string path = tmp.file("gateway.db");
    Journal j(path);

    std::string binary;
    for (int i = 0; i < 256; ++i) binary.push_back(static_cast<char>(i));
    JournalEntry a;
    a.seq = 4;
    a.now = sim::Time{} - 5us;
    a.request.method = "POST";
    a.request.target = "/api/v1/materials?name=%E7%A4%BE%E4%BF%9D&x=社保卡";
    a.request.headers = {{"content-type", "application/octet-stream"},
                         {"x-kiosk-note", "办件 \"quoted\" \\ tab\t"},
                         {"x-raw", std::string("\xff\xfe latin-1 \xe9")},
                         {std::string("x-bad-\xc3", 7), "v"}};
    a.request.body = binary;
    a.status = 201;
    a.audit_head = std::string(64, 'f');
    JournalEntry b;
    b.seq = 7;
    b.now = sim::Time{} + 36500 * 24h;
    b.request.method = "GET";
    b.request.target = "/api/v1/health?q=\xff\xfe";  // not UTF-8: kept as sent
    b.status = 200;
    b.audit_head = std::string(64, '0');
    // Appended in two batches; read back in seq order.
    j.append({a});
    j.append({b});

    std::vector<JournalEntry> got;
    j.for_each([&](JournalEntry&& e) { got.push_back(std::move(e)); });
    REQUIRE(got.size() == 2);
    for (std::size_t i = 0; i < 2; ++i) {
        const JournalEntry& want = i == 0 ? a : b;
        const JournalEntry& e = got[i];
        CHECK(e.seq == want.seq);
        CHECK(e.now == want.now);
        CHECK(e.request.method == want.request.method);
        CHECK(e.request.target == want.request.target);
        CHECK(e.request.headers == want.request.headers);
        CHECK(e.request.body == want.request.body);
        CHECK(e.status == want.status);
        CHECK(e.audit_head == want.audit_head);
        CHECK(e.audit.empty());
    }
    CHECK(got[0].request.body.size() == 256);

    Raw raw(path);
    CHECK(raw.text("SELECT now_ns FROM journal WHERE seq = 4") == "-5000");
    CHECK(raw.text("SELECT typeof(body) FROM journal WHERE seq = 7") == "blob");
    CHECK(raw.text("SELECT length(body) FROM journal WHERE seq = 7") == "0");
    const auto headers = nlohmann::json::parse(raw.text("SELECT headers FROM journal WHERE seq = 4"));
    CHECK(headers["x-kiosk-note"] == "办件 \"quoted\" \\ tab\t");
    CHECK(headers["content-type"] == "application/octet-stream");
}

TEST_CASE("journal: a failing batch appends nothing", "[journal]") {
    TempDir tmp;
    const std::string path = tmp.file("gateway.db");
    Journal j(path);
    JournalEntry first = simple_entry(1);
    first.audit = {record(1)};
    j.append({first});

    // Entry 3's audit record repeats entry 2's seq: SQLite refuses it after
    // entry 2 and its record were inserted in the same transaction.
    JournalEntry second = simple_entry(2);
    second.audit = {record(2)};
    JournalEntry third = simple_entry(3);
    third.audit = {record(2)};
    CHECK_THROWS_WITH(j.append({second, third}), Catch::Contains(path) && Catch::Contains("audit record 2 of seq 3") &&
                                                     Catch::Contains("UNIQUE"));
    CHECK(j.size() == 1);
    CHECK(j.audit_size() == 1);
    CHECK(j.last_seq() == 1);

    // Not strictly increasing: refused before anything is written.
    CHECK_THROWS_WITH(j.append({simple_entry(5), simple_entry(5)}), Catch::Contains("seq 5 after 5"));
    CHECK_THROWS_WITH(j.append({simple_entry(1)}), Catch::Contains("seq 1 after 1"));
    JournalEntry far = simple_entry(6);
    far.now = sim::end_of_time;
    CHECK_THROWS_WITH(j.append({far}), Catch::Contains("now out of range"));
    CHECK(j.size() == 1);

    // The journal is still usable: the same entries go in once fixed.
    third.audit = {record(3)};
    j.append({second, third});
    CHECK(j.size() == 3);
    CHECK(j.audit_size() == 3);
    CHECK(j.last_seq() == 3);
    j.append({});  // nothing to do
    CHECK(j.size() == 3);
}

TEST_CASE("journal: the audit table holds the audit records as logged", "[journal][R-9.3-1][R-9.2-1]") {
    TempDir tmp;
    const std::string path = tmp.file("gateway.db");
    State st(test_config());
    Recorder rec{st, {}};
    refusals_and_reads(rec, sim::Time{} + 24h);
    REQUIRE(st.audit.size() >= 6);
    Journal j(path);
    rec.append_to(j);
    CHECK(j.audit_size() == st.audit.size());

    Raw raw(path);
    const auto rows =
        raw.rows("SELECT seq, at, actor, action, outcome, detail, alg, prev_hash, hash FROM audit ORDER BY seq");
    REQUIRE(rows.size() == st.audit.size());
    std::vector<services::audit::Record> read;
    for (const auto& r : rows) {
        const nlohmann::json fields = {{"seq", std::stoull(r[0])}, {"at", r[1]},
                                  {"actor", r[2]},            {"action", r[3]},
                                  {"outcome", r[4]},          {"detail", nlohmann::json::parse(r[5])},
                                  {"alg", r[6]},              {"prev_hash", r[7]},
                                  {"hash", r[8]}};
        read.push_back(services::audit::record_from_json(fields));
    }
    CHECK(read == st.audit.records());
    // What a reader of the database gets is a valid chain to the journaled head.
    CHECK(services::audit::verify(read, st.audit.head()));
    CHECK(raw.text("SELECT audit_head FROM journal ORDER BY seq DESC LIMIT 1") == st.audit.head());
}

TEST_CASE("journal: replay rebuilds the state to the same audit chain", "[journal][R-9.3-1][R-9.2-1]") {
    TempDir tmp;
    const std::string path = tmp.file("gateway.db");
    State st(test_config());
    Recorder rec{st, {}};
    const sim::Time t0 = sim::Time{} + 24h;
    refusals_and_reads(rec, t0);
    // Reads between the journaled requests: their sequence numbers are not
    // journaled, so replay must take each entry's own.
    rec(plain("GET", "/api/v1/health"), t0 + 9s);
    rec(plain("GET", "/api/v1/nowhere/else"), t0 + 10s);
    rec(plain("GET", "/api/v1/health"), t0 + 11s);
    REQUIRE(rec.entries.size() >= 6);
    REQUIRE(rec.entries.size() < st.sequence);
    {
        Journal j(path);
        rec.append_to(j, 2);
    }

    const Journal j(path);
    State again(test_config());
    const ReplayStats stats = replay(j, again);
    CHECK(stats.entries == rec.entries.size());
    CHECK(stats.last_seq == rec.entries.back().seq);
    CHECK(again.sequence == rec.entries.back().seq);
    CHECK(again.last_now == rec.entries.back().now);
    CHECK(again.audit.head() == st.audit.head());
    CHECK(again.audit.records() == st.audit.records());
    CHECK(again.applications.size() == st.applications.size());
    CHECK(again.audit.verify());
}

TEST_CASE("journal: replay reports a divergence with the seq, target and both values", "[journal][R-9.3-1]") {
    TempDir tmp;
    const std::string path = tmp.file("gateway.db");
    State st(test_config());
    Recorder rec{st, {}};
    refusals_and_reads(rec, sim::Time{} + 24h);
    REQUIRE(rec.entries.size() >= 3);
    {
        Journal j(path);
        rec.append_to(j);
    }
    const JournalEntry& victim = rec.entries[1];
    const std::string seq = std::to_string(victim.seq);

    SECTION("a tampered status") {
        {
            Raw raw(path);
            raw.exec("UPDATE journal SET status = 299 WHERE seq = " + seq);
        }
        const Journal j(path);
        State again(test_config());
        std::string what = "seq ";
        what.append(seq);
        CHECK_THROWS_AS(replay(j, again), ReplayDivergence);
        State again2(test_config());
        CHECK_THROWS_WITH(replay(j, again2), Catch::Contains(what) && Catch::Contains(victim.request.target) &&
                                                 Catch::Contains("status 299 journaled") &&
                                                 Catch::Contains(std::to_string(victim.status) + " replayed"));
    }
    SECTION("a tampered audit head") {
        const std::string forged(64, 'e');
        {
            Raw raw(path);
            raw.exec("UPDATE journal SET audit_head = '" + forged + "' WHERE seq = " + seq);
        }
        const Journal j(path);
        State again(test_config());
        CHECK_THROWS_WITH(replay(j, again), Catch::Contains(forged + " journaled") &&
                                                Catch::Contains(victim.audit_head + " replayed"));
    }
    SECTION("a deleted entry: the next one's chain no longer fits") {
        {
            Raw raw(path);
            raw.exec("DELETE FROM journal WHERE seq = " + seq);
        }
        const Journal j(path);
        State again(test_config());
        std::string what = "seq ";
        what.append(std::to_string(rec.entries[2].seq));
        CHECK_THROWS_WITH(replay(j, again), Catch::Contains(what));
    }
}

TEST_CASE("journal: replay rebuilds terminals, 办件 and nonces, with the back ends' draws",
          "[journal][R-8.4-1][R-9.2-1][R-9.3-1]") {
    TempDir tmp;
    const std::string path = tmp.file("gateway.db");
    // A back end that fails a third of its calls: each request's draw comes
    // from its own sequence number, which replay must restore.
    Config config = test_config();
    config.profiles["applications"] = services::ServiceProfile::from_json({{"error_rate", 0.3}});
    const auto make_state = [&] { return std::make_unique<State>(config); };
    auto st = make_state();
    Recorder rec{*st, {}};
    const sim::Time t0 = sim::Time{} + 9h;
    const sim::Calendar& cal = st->calendar();
    Signer k1 = Signer::kiosk(1);

    const nlohmann::json enrol = {{"terminal_id", "T1"}, {"site", "福田区行政服务大厅"}, {"region", "440304"},
                                  {"peripherals", {{{"id", "cam-1"}, {"type", "document_camera"}}}}};
    const Request reg = k1.sign(cal, t0, "POST", "/api/v1/terminals/register", enrol);
    REQUIRE(rec(reg, t0).status == 200);
    // The same signed request again: a replayed nonce, refused and audited (R-9.2-1).
    CHECK(rec(reg, t0 + 1s).status == 401);

    const services::catalogue::Item* item = nullptr;
    for (const auto* it : st->catalogue.items())
        if (it->offered() && it->cross_modes.empty()) {
            item = it;
            break;
        }
    REQUIRE(item);
    const services::Resident& who = st->identity.population().residents().front();
    const nlohmann::json body = {
        {"item_code", item->code},
        {"item_name", item->name},
        {"applicant", {{"name", who.name}, {"id_number", who.id_number}, {"phone", "13800138000"}}}};
    int created = 0;
    int drawn_failures = 0;
    for (int i = 0; i < 24; ++i) {
        const sim::Time now = t0 + std::chrono::minutes(1 + i);
        Request create = k1.sign(cal, now, "POST", "/api/v1/applications", body);
        std::string key = "key-";
        key.append(std::to_string(i % 16));  // keys 0-7 are retried
        create.headers["idempotency-key"] = std::move(key);
        const Response r = rec(create, now);
        created += r.status == 201 ? 1 : 0;
        drawn_failures += r.status == 500 ? 1 : 0;
        // Reads between the writes: a signed one (journaled: its nonce is
        // recorded) and an open one (not journaled: a gap in the seqs).
        rec(k1.sign(cal, now, "GET", "/api/v1/terminals/self"), now);
        rec(plain("GET", "/api/v1/health"), now);
    }
    REQUIRE(created > 0);
    REQUIRE(drawn_failures > 0);
    REQUIRE(st->applications.size() == static_cast<std::size_t>(created));
    REQUIRE(rec.entries.size() < st->sequence);
    {
        Journal j(path);
        rec.append_to(j, 5);
        CHECK(j.audit_size() == st->audit.size());
    }

    const Journal j(path);
    auto again = make_state();
    const ReplayStats stats = replay(j, *again);
    CHECK(stats.entries == rec.entries.size());
    CHECK(again->applications.size() == st->applications.size());
    CHECK(again->terminals.size() == st->terminals.size());
    REQUIRE(again->terminal_of("kiosk-0001"));
    CHECK(*again->terminal_of("kiosk-0001") == "T1");
    CHECK(again->audit.records() == st->audit.records());
    CHECK(again->audit.head() == st->audit.head());

    // The rebuilt state goes on as the first would: a retried key answers
    // the first result (or the same drawn failure).
    Request retry = k1.sign(cal, t0 + 1h, "POST", "/api/v1/applications", body);
    retry.headers["idempotency-key"] = "key-0";
    State& a = *st;
    State& b = *again;
    a.sequence = b.sequence = std::max(a.sequence, b.sequence);
    const Response ra = handle_request(retry, a, t0 + 1h);
    const Response rb = handle_request(retry, b, t0 + 1h);
    CHECK(ra.status == rb.status);
    CHECK(ra.body == rb.body);
    CHECK(a.audit.head() == b.audit.head());
}

TEST_CASE("committer: concurrent submits commit once each, in order, in fewer transactions", "[journal][committer]") {
    TempDir tmp;
    const std::string path = tmp.file("gateway.db");
    Journal j(path);
    constexpr int k_threads = 4;
    constexpr std::uint64_t k_each = 250;
    constexpr std::uint64_t k_total = k_threads * k_each;
    std::vector<std::atomic<int>> calls(k_total);
    std::atomic<std::uint64_t> oks{0};
    std::vector<std::uint64_t> order;  // written only on the committer's thread
    {
        Committer c(j);
        std::mutex ordering;  // the live server's state lock: assigns seq and submits
        std::uint64_t next = 0;
        std::vector<std::thread> threads;
        for (int t = 0; t < k_threads; ++t) {
            threads.emplace_back([&, t] {
                for (std::uint64_t i = 0; i < k_each; ++i) {
                    std::lock_guard lock(ordering);
                    const std::uint64_t seq = ++next;
                    JournalEntry e = simple_entry(seq, nlohmann::json{{"thread", t}}.dump());
                    e.audit = {record(seq)};
                    c.submit(std::move(e), [&, seq](bool ok, const std::string& error) {
                        calls[seq - 1].fetch_add(1);
                        if (ok && error.empty()) oks.fetch_add(1);
                        order.push_back(seq);
                    });
                }
            });
        }
        for (auto& th : threads) th.join();
        c.stop();
        c.stop();  // idempotent
        CHECK(c.committed() == k_total);
        CHECK(c.failed() == 0);
        CHECK(c.error().empty());
        CHECK(c.batches() >= 1);
        CHECK(c.batches() < c.committed());
    }
    CHECK(oks.load() == k_total);
    CHECK(std::all_of(calls.begin(), calls.end(), [](const std::atomic<int>& n) { return n.load() == 1; }));
    REQUIRE(order.size() == k_total);
    std::vector<std::uint64_t> expected(k_total);
    std::iota(expected.begin(), expected.end(), std::uint64_t{1});
    CHECK(order == expected);
    CHECK(j.size() == k_total);
    CHECK(j.audit_size() == k_total);
    CHECK(j.last_seq() == k_total);
    std::uint64_t prev = 0;
    bool increasing = true;
    j.for_each([&](JournalEntry&& e) {
        increasing = increasing && e.seq == prev + 1;
        prev = e.seq;
    });
    CHECK(increasing);
}

TEST_CASE("committer: stop() commits what is pending; later submits fail at once", "[journal][committer]") {
    TempDir tmp;
    Journal j(tmp.file("gateway.db"), JournalOptions{.full_sync = false});
    Committer c(j);
    constexpr std::uint64_t k_n = 300;
    std::uint64_t ok = 0;
    std::uint64_t done = 0;
    for (std::uint64_t seq = 1; seq <= k_n; ++seq)
        c.submit(simple_entry(seq), [&](bool good, const std::string&) {
            ++done;
            ok += good ? 1 : 0;
        });
    c.submit(simple_entry(k_n + 1), nullptr);  // no completion wanted
    c.stop();
    CHECK(done == k_n);
    CHECK(ok == k_n);
    CHECK(c.committed() == k_n + 1);
    CHECK(j.size() == k_n + 1);

    bool called = false;
    std::string why;
    c.submit(simple_entry(k_n + 2), [&](bool good, const std::string& error) {
        called = true;
        CHECK_FALSE(good);
        why = error;
    });
    CHECK(called);
    CHECK_THAT(why, Catch::Contains("stopped"));
    CHECK(c.failed() == 1);
    CHECK(j.size() == k_n + 1);
}

TEST_CASE("committer: after a failed transaction nothing more is acknowledged", "[journal][committer]") {
    TempDir tmp;
    Journal j(tmp.file("gateway.db"), JournalOptions{.full_sync = false});
    j.append({simple_entry(10)});
    std::vector<std::pair<bool, std::string>> results;
    {
        Committer c(j);
        const auto note = [&](bool good, const std::string& error) { results.emplace_back(good, error); };
        c.submit(simple_entry(3), note);  // below the journal's last seq: the append throws
        c.submit(simple_entry(11), note);
        c.stop();
        CHECK(c.committed() == 0);
        CHECK(c.failed() == 2);
        CHECK_THAT(c.error(), Catch::Contains("strictly increasing"));
    }
    REQUIRE(results.size() == 2);
    CHECK_FALSE(results[0].first);
    CHECK_FALSE(results[1].first);
    CHECK_THAT(results[0].second, Catch::Contains("seq 3 after 10"));
    CHECK_THAT(results[1].second, Catch::Contains("seq 3 after 10"));
    CHECK(j.size() == 1);
}

TEST_CASE("a refusal on the wire is audited, journaled and replayed like any request", "[journal][R-9.2-1]") {
    State st(test::test_config());
    Request r;
    r.method = "POST";
    r.target = "/api/v1/applications";
    r.refused_on_wire = api::Problem{api::ErrorCode::too_large, {}, "body over 8388608 bytes"};
    const Response res = handle_request(r, st, sim::Time{} + std::chrono::hours(1));
    CHECK(res.status == 413);
    CHECK(res.mutated);
    REQUIRE(st.audit.size() == 1);
    CHECK(st.audit.records().back().outcome == "request.too_large");
    CHECK(st.audit.records().back().detail["reason"] == "body over 8388608 bytes");

    const auto dir = std::filesystem::temp_directory_path() / ("kiosktwin-journal-wire-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    {
        Journal j((dir / "g.db").string());
        JournalEntry e;
        e.seq = st.sequence;
        e.now = st.last_now;
        e.request = r;
        e.status = res.status;
        e.audit_head = st.audit.head();
        e.audit = st.audit.records();
        j.append({e});
        State again(test::test_config());
        replay(j, again);
        CHECK(again.audit.head() == st.audit.head());
        std::optional<api::Problem> back;
        j.for_each([&](JournalEntry&& x) { back = x.request.refused_on_wire; });
        REQUIRE(back);
        CHECK(back->code == api::ErrorCode::too_large);
    }
    std::filesystem::remove_all(dir);
}

}  // namespace server_journal_test
