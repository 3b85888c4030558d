// The store's two back ends behind one small interface: SQLite (a file) and
// PostgreSQL (a server, through libpqxx). The run store writes one SQL
// dialect both understand — `?` parameters, `INSERT … RETURNING`, BIGINT and
// DOUBLE PRECISION columns — and each back end opens, migrates and moves
// rows its own way. Private to twin/store.
#pragma once

#include <kiosktwin/store/run_store.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace kiosktwin::store::detail {

/// A statement parameter: NULL, an integer, a real or a text.
using Param = std::variant<std::nullptr_t, std::int64_t, double, std::string>;

/// One row of a result. A NULL reads as "", 0 or 0.0.
class Row {
public:
    virtual ~Row() = default;
    virtual std::string text(int column) const = 0;
    virtual std::int64_t integer(int column) const = 0;
    virtual double real(int column) const = 0;
};

/// Appends rows to one table, column by column in the order given to
/// Database::append. A non-finite real is stored as NULL. Rows may be held
/// back (PostgreSQL sends them in batches): finish() before commit().
class Appender {
public:
    virtual ~Appender() = default;
    virtual Appender& text(const std::string& v) = 0;
    virtual Appender& integer(std::int64_t v) = 0;
    virtual Appender& real(double v) = 0;
    virtual Appender& null() = 0;
    virtual void end_row() = 0;
    virtual void finish() = 0;
};

class Database {
public:
    virtual ~Database() = default;
    /// The store's location for messages (a URL's password hidden).
    virtual const std::string& location() const = 0;
    /// Runs statements without parameters or results (the schema).
    virtual void exec(const std::string& sql) = 0;
    /// Runs one statement with `?` parameters; `row` sees each result row.
    virtual void query(const std::string& sql, const std::vector<Param>& params,
                       const std::function<void(const Row&)>& row) = 0;
    /// A writer of rows into `table` (inside a transaction).
    virtual std::unique_ptr<Appender> append(const std::string& table, const std::vector<std::string>& columns) = 0;
    /// One transaction at a time: begin, then commit or rollback.
    virtual void begin() = 0;
    virtual void commit() = 0;
    virtual void rollback() noexcept = 0;
};

/// The run store's tables in the common dialect; `{ID}` stands for each
/// back end's auto-numbered 64-bit primary key.
extern const char* const k_schema;

/// Opens (creating the file, its directory and the tables if `create`) a SQLite store.
std::unique_ptr<Database> open_sqlite(const std::string& path, bool create);
/// Connects to a PostgreSQL store (creating the tables if `create`); `url`
/// is a libpq connection URI, postgresql://USER[:PASSWORD]@HOST[:PORT]/DB.
std::unique_ptr<Database> open_postgresql(const std::string& url, bool create);

/// `location` names a PostgreSQL database rather than a SQLite file.
bool is_postgresql_url(const std::string& location);
/// The location with a URL's password replaced by "***".
std::string redacted(const std::string& location);

/// `sql` with its `?` parameters numbered $1, $2, … (PostgreSQL's form).
std::string numbered_parameters(const std::string& sql);

}  // namespace kiosktwin::store::detail
