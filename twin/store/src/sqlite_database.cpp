// The SQLite back end: one file, application_id "KTRS", WAL journal.
#include "database.hpp"

#include <sqlite3.h>

#include <cmath>
#include <filesystem>

namespace kiosktwin::store::detail {

namespace {

// PRAGMA application_id "KTRS": another program's SQLite file is refused.
constexpr int k_application_id = 0x4B545253;

struct StmtDeleter {
    void operator()(sqlite3_stmt* s) const noexcept { sqlite3_finalize(s); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

class SqliteRow final : public Row {
public:
    explicit SqliteRow(sqlite3_stmt* s) : m_s(s) {}
    std::string text(int column) const override {
        const unsigned char* t = sqlite3_column_text(m_s, column);
        return t ? reinterpret_cast<const char*>(t) : "";
    }
    std::int64_t integer(int column) const override { return sqlite3_column_int64(m_s, column); }
    double real(int column) const override { return sqlite3_column_double(m_s, column); }

private:
    sqlite3_stmt* m_s;
};

// Binds values to a prepared INSERT by position and steps it once a row.
class SqliteAppender final : public Appender {
public:
    SqliteAppender(sqlite3* db, Stmt stmt, std::string where) : m_db(db), m_stmt(std::move(stmt)), m_where(std::move(where)) {}
    Appender& text(const std::string& v) override {
        sqlite3_bind_text(m_stmt.get(), ++m_i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
        return *this;
    }
    Appender& integer(std::int64_t v) override {
        sqlite3_bind_int64(m_stmt.get(), ++m_i, v);
        return *this;
    }
    Appender& real(double v) override {
        if (std::isfinite(v)) sqlite3_bind_double(m_stmt.get(), ++m_i, v);
        else sqlite3_bind_null(m_stmt.get(), ++m_i);
        return *this;
    }
    Appender& null() override {
        sqlite3_bind_null(m_stmt.get(), ++m_i);
        return *this;
    }
    void end_row() override {
        if (sqlite3_step(m_stmt.get()) != SQLITE_DONE) throw StoreError("run store " + m_where + ": " + sqlite3_errmsg(m_db));
        sqlite3_reset(m_stmt.get());
        sqlite3_clear_bindings(m_stmt.get());
        m_i = 0;
    }
    void finish() override {}

private:
    sqlite3* m_db;
    Stmt m_stmt;
    std::string m_where;
    int m_i = 0;
};

class SqliteDatabase final : public Database {
public:
    SqliteDatabase(const std::string& path, bool create) : m_location(path) {
        const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0);
        if (create) {
            const std::filesystem::path p(path);
            std::error_code ec;
            if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path(), ec);
        }
        if (sqlite3_open_v2(path.c_str(), &m_db, flags, nullptr) != SQLITE_OK) {
            const std::string why = m_db ? sqlite3_errmsg(m_db) : "out of memory";
            sqlite3_close(m_db);
            throw StoreError("cannot open the run store " + path + ": " + why);
        }
        sqlite3_busy_timeout(m_db, 5000);
        try {
            const std::int64_t app = single("PRAGMA application_id");
            const std::int64_t tables = single("SELECT count(*) FROM sqlite_master");
            if (app != k_application_id && (app != 0 || tables != 0))
                throw StoreError(path + " is not a KioskTwin run store (another program's SQLite file?)");
            exec("PRAGMA journal_mode=WAL");
            exec("PRAGMA application_id=" + std::to_string(k_application_id));
            std::string schema = k_schema;
            for (std::size_t at; (at = schema.find("{ID}")) != std::string::npos;) schema.replace(at, 4, "INTEGER PRIMARY KEY");
            exec(schema);
            // Files from before the floor plan (visits without walking and
            // cards) gain the columns, with their defaults for the old rows.
            if (single("SELECT count(*) FROM pragma_table_info('visits') WHERE name = 'walked_m'") == 0)
                exec("ALTER TABLE visits ADD COLUMN helped_when_stuck INTEGER NOT NULL DEFAULT 0;"
                     "ALTER TABLE visits ADD COLUMN walked_m REAL NOT NULL DEFAULT 0;"
                     "ALTER TABLE visits ADD COLUMN walking_s REAL NOT NULL DEFAULT 0;"
                     "ALTER TABLE visits ADD COLUMN forgot_card INTEGER NOT NULL DEFAULT 0;"
                     "ALTER TABLE visits ADD COLUMN found_card INTEGER NOT NULL DEFAULT 0;");
        } catch (...) {
            sqlite3_close(m_db);
            throw;
        }
    }
    ~SqliteDatabase() override { sqlite3_close(m_db); }
    SqliteDatabase(const SqliteDatabase&) = delete;
    SqliteDatabase& operator=(const SqliteDatabase&) = delete;

    const std::string& location() const override { return m_location; }

    void exec(const std::string& sql) override {
        char* err = nullptr;
        if (sqlite3_exec(m_db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
            const std::string why = err ? err : "unknown error";
            sqlite3_free(err);
            throw StoreError("run store " + m_location + ": " + why);
        }
    }

    void query(const std::string& sql, const std::vector<Param>& params,
               const std::function<void(const Row&)>& row) override {
        Stmt s = prepare(sql);
        int i = 0;
        for (const Param& p : params) {
            ++i;
            if (const auto* n = std::get_if<std::int64_t>(&p)) sqlite3_bind_int64(s.get(), i, *n);
            else if (const auto* d = std::get_if<double>(&p)) sqlite3_bind_double(s.get(), i, *d);
            else if (const auto* t = std::get_if<std::string>(&p))
                sqlite3_bind_text(s.get(), i, t->data(), static_cast<int>(t->size()), SQLITE_TRANSIENT);
            else sqlite3_bind_null(s.get(), i);
        }
        const SqliteRow r(s.get());
        for (;;) {
            const int rc = sqlite3_step(s.get());
            if (rc == SQLITE_DONE) break;
            if (rc != SQLITE_ROW) throw StoreError("run store " + m_location + ": " + sqlite3_errmsg(m_db));
            row(r);
        }
    }

    std::unique_ptr<Appender> append(const std::string& table, const std::vector<std::string>& columns) override {
        std::string sql = "INSERT INTO " + table + "(";
        std::string values;
        for (std::size_t i = 0; i < columns.size(); ++i) {
            sql.append(i ? ", " : "").append(columns[i]);
            values.append(i ? ", ?" : "?");
        }
        sql.append(") VALUES(").append(values).append(")");
        return std::make_unique<SqliteAppender>(m_db, prepare(sql), m_location);
    }

    void begin() override { exec("BEGIN IMMEDIATE"); }
    void commit() override { exec("COMMIT"); }
    void rollback() noexcept override { sqlite3_exec(m_db, "ROLLBACK", nullptr, nullptr, nullptr); }

private:
    Stmt prepare(const std::string& sql) {
        sqlite3_stmt* raw = nullptr;
        if (sqlite3_prepare_v2(m_db, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK)
            throw StoreError("run store " + m_location + ": " + sqlite3_errmsg(m_db));
        return Stmt(raw);
    }
    std::int64_t single(const std::string& sql) {
        std::int64_t v = 0;
        query(sql, {}, [&](const Row& r) { v = r.integer(0); });
        return v;
    }

    sqlite3* m_db = nullptr;
    std::string m_location;
};

}  // namespace

std::unique_ptr<Database> open_sqlite(const std::string& path, bool create) {
    std::error_code ec;
    if (!create && !std::filesystem::is_regular_file(path, ec)) throw StoreError("no run store at " + path);
    return std::make_unique<SqliteDatabase>(path, create);
}

}  // namespace kiosktwin::store::detail
