// The SQLite adapter's work on SQLite's C API (private to adapters/sqlite/):
// opening, closing in each close style, running a schedule's queries,
// stepping kept results, reading the tables, and the contract.
//
// Thread-safety: every function may be called from any thread on objects
// other threads use too; each takes the locks sqlite_objects.h documents.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "lifeguard/harness/answer.h"
#include "lifeguard/harness/contract.h"
#include "lifeguard/harness/engine_adapter.h"
#include "lifeguard/harness/program.h"
#include "sqlite_objects.h"

namespace lifeguard::harness::sqlite {

enum class Style {
  kClose,    // sqlite3_close: refuses with SQLITE_BUSY while statements live
  kCloseV2,  // sqlite3_close_v2: a zombie until the last statement is finalized
  kBroken,   // as kClose, but on SQLITE_BUSY finalizes the statements and closes again (wrong)
};

// The contract of each style, with SQLite's documentation as its sources.
Contract sqliteContract(Style style);

// Creates the file (WAL journal) and the tables if missing.
Answer createTables(const std::string& path);
// Opens `conn` on the file: serialized, busy timeout 0, progress handler.
Answer openConnection(const std::string& path, Conn* conn);
// The engine's close of one connection (an already closed one: Ok).
Answer closeConnection(Conn& conn, Style style);
// The database's close: every connection opened through it, or (kClose)
// none, answering Busy, if any still has statements.
Answer closeAll(Db& db, Style style);
// What a call on a closed connection answers.
Answer closedAnswer(const Conn& conn);

// The SQL of one statement (not COPY, not multi: runQuery does those);
// `streaming`: a read whose rows are stepped while it runs.
std::string sqliteSql(const QuerySpec& spec, std::int64_t tag, bool streaming);

// Runs a schedule query's statements on `conn`; keeps the last one's result
// in *kept if `kept` is not null.
Answer runQuery(const std::shared_ptr<Conn>& conn, const QuerySpec& spec, std::int64_t tag,
                const std::filesystem::path& scratch, std::shared_ptr<Stmt>* kept);
// Steps up to `rows` rows of a kept result.
Answer stepRows(Stmt& result, std::int64_t rows);
void finalize(Stmt& result);
// Every table through a fresh connection, rows as "a|b".
Answer readAll(const std::string& path, std::vector<TableRows>* tables);

// `lifeguard export --as c|cpp` (sqlite_export.cc): the C API calls of each
// operation, in a C (`c`) or C++ program; `finalize_on_busy` for policy
// broken's close.
ProgramParts sqliteParts(const Schedule& schedule, bool finalize_on_busy, bool c);

}  // namespace lifeguard::harness::sqlite
