// Durability of the live gateway (issue 6, "everything acknowledged is in
// SQLite before the response leaves"): a journal of every request that
// changed the gateway's state, in the order the state saw them, in SQLite
// (WAL). On start the live server replays the journal through
// handle_request with each entry's own `now` and sequence number; the
// handler is deterministic given those, so the state comes back exactly —
// idempotency keys, nonces, 办件, the audit chain — and each entry's audit
// head is checked on the way (a mismatch is a divergence, reported, not
// ignored). The audit records are also written to their own table in the
// same transaction, for auditors reading the database directly.
//
// Group commit: Committer batches the entries submitted while the previous
// transaction was committing into one transaction, and calls each entry's
// completion only after COMMIT returned (synchronous=FULL: on disk), so a
// response is never sent for a request that a crash could lose.
//
// The file (PRAGMA user_version 1; another version is refused, not migrated):
//   meta(key TEXT PRIMARY KEY, value TEXT)
//   journal(seq INTEGER PRIMARY KEY, now_ns INTEGER, method TEXT, target TEXT,
//           headers TEXT, body BLOB, status INTEGER, audit_head TEXT)
//     now_ns: virtual nanoseconds since the epoch (sim::Time is in µs);
//     headers: a JSON object {name: value}; bytes that are not UTF-8 (a
//     client may send any) are kept exact: such a value as {"base64": ...},
//     such a name as {"name_base64": ..., "base64": ...} under the key
//     " b64:<base64 of the name>" (a space cannot start a header name);
//     method and target are stored as sent, byte for byte.
//   audit(seq INTEGER PRIMARY KEY, at TEXT, actor TEXT, action TEXT,
//         outcome TEXT, detail TEXT (compact JSON), alg TEXT, prev_hash TEXT,
//         hash TEXT): services::audit::Record, field for field.
//
// Threads: every Journal member may be called from any thread (one internal
// lock); the Committer owns the writing while it runs.
#pragma once

#include <kiosktwin/server/http.hpp>
#include <kiosktwin/server/state.hpp>
#include <kiosktwin/services/audit.hpp>
#include <kiosktwin/sim/time.hpp>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace kiosktwin::server {

struct JournalEntry {
    std::uint64_t seq = 0;  ///< State::sequence of the request (strictly increasing in the journal)
    /// The `now` it was handled at: state.last_now after handle_request (the
    /// handler takes an earlier `now` as the last one).
    sim::Time now{};
    Request request;
    int status = 0;          ///< the response's status
    std::string audit_head;  ///< state.audit.head() after handling
    std::vector<services::audit::Record> audit;  ///< the audit records it appended
};

struct JournalOptions {
    /// synchronous=FULL (fsync on every commit); false: NORMAL (safe against
    /// a process crash, not against power loss).
    bool full_sync = true;
};

/// Replay figures.
struct ReplayStats {
    std::uint64_t entries = 0;
    std::uint64_t last_seq = 0;
};

class Journal {
public:
    /// Opens (creating if needed) the database at `path`: WAL mode, the schema,
    /// meta. Throws std::runtime_error naming the file and SQLite's message.
    explicit Journal(const std::string& path, JournalOptions options = {});
    ~Journal();
    Journal(const Journal&) = delete;
    Journal& operator=(const Journal&) = delete;

    const std::string& path() const noexcept;

    /// A value of the meta table (e.g. "calendar_epoch", "seed"), or nullopt.
    std::optional<std::string> meta(std::string_view key) const;
    void set_meta(std::string_view key, std::string_view value);

    /// Appends the entries (and their audit records) in one transaction
    /// (BEGIN IMMEDIATE ... COMMIT); durable when it returns. The entries'
    /// seqs must be strictly increasing and above last_seq(). Throws
    /// std::runtime_error on failure (rolled back: nothing appended).
    void append(const std::vector<JournalEntry>& batch);

    /// Calls `fn` for every entry in seq order, one row at a time (audit
    /// records not loaded). The journal stays locked meanwhile: other
    /// threads' calls wait; `fn` may call this journal's const members.
    /// An exception from `fn` ends the walk and propagates.
    void for_each(const std::function<void(JournalEntry&&)>& fn) const;
    std::uint64_t size() const;        ///< journal entries
    std::uint64_t audit_size() const;  ///< rows of the audit table
    /// The highest seq appended (0 when empty).
    std::uint64_t last_seq() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m;
};

/// Thrown by replay() when a replayed entry does not give the journaled
/// status and audit head.
class ReplayDivergence : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// Rebuilds `state` (fresh, built from the same Config and keys) by
/// handling every journaled request again: state.sequence = seq - 1, then
/// handle_request(request, state, now); afterwards state.sequence is the
/// last entry's seq and state.last_now its `now`. Throws ReplayDivergence
/// (naming the seq, the target and both values) at the first entry whose
/// status or audit head comes out different; the state is then partly rebuilt.
ReplayStats replay(const Journal& journal, State& state);

/// Group commit over a Journal on its own thread.
class Committer {
public:
    using Done = std::function<void(bool ok, const std::string& error)>;

    explicit Committer(Journal& journal);
    ~Committer();  ///< stop(): commits what was submitted, then joins (never destroy it from a `done`)
    Committer(const Committer&) = delete;
    Committer& operator=(const Committer&) = delete;

    /// Queues an entry (cheap: a move under a mutex and a notify); `done`
    /// runs on the committer's thread after the transaction holding it
    /// committed (ok) or failed (error: the journal's message). Entries are
    /// committed in submission order, so submit under the same lock that
    /// ordered them. `done` must not throw (an exception from it is dropped)
    /// and may be empty.
    ///
    /// After a failed transaction every later entry fails too (error()
    /// says why): the state in memory then holds changes the journal lacks,
    /// so nothing more may be acknowledged on it. After stop(), `done(false,
    /// ...)` runs at once on the caller's thread.
    void submit(JournalEntry entry, Done done);
    /// Commits everything queued, then stops the thread. Idempotent. From a
    /// `done` (the committer's own thread) it only asks: the thread ends after
    /// draining, and the destructor joins it.
    void stop();

    std::uint64_t batches() const noexcept;    ///< transactions committed
    std::uint64_t committed() const noexcept;  ///< entries committed
    std::uint64_t failed() const noexcept;     ///< entries refused (done(false, ...))
    /// The first failure's message, "" while none.
    std::string error() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m;
};

}  // namespace kiosktwin::server
