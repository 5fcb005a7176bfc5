// `lifeguard export --as cpp` for sqlite and sqlite-v2: each operation as the
// C API calls the adapter makes (sqlite_engine.cc), without its bookkeeping
// (locks, answers). A connection is its own sqlite3* (serialized); a kept
// read stays stepped to its first row; a close is the engine's close of the
// style the policy names, and a closed handle's variable becomes null, as
// the adapter answers "closed" to a call on it. COPY (a savepoint of
// inserts in the adapter) and the adapter's own query deadline are not
// exported.
#include <fmt/format.h>

#include "lifeguard/harness/export.h"
#include "lifeguard/harness/workload.h"
#include "sqlite_engine.h"

namespace lifeguard::harness::sqlite {
namespace {

// The helpers at the program's top: one statement, and each close style.
constexpr const char* kHelpers = R"CPP(#include <sqlite3.h>

#include <initializer_list>
#include <stdexcept>
#include <string>

// One statement: a kept read stays at its first row (its rows are stepped
// later); anything else runs to its end and is finalized. An error throws
// (the call answers it) after ending an explicit transaction.
sqlite3_stmt* run(sqlite3* db, const std::string& sql, bool keep) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_step(stmt);
  while (!keep && rc == SQLITE_ROW) rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) return stmt;
  sqlite3_finalize(stmt);
  if (rc == SQLITE_DONE) return nullptr;
  std::string error = sqlite3_errmsg(db);
  if (sqlite3_get_autocommit(db) == 0) sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
  throw std::runtime_error(error);
}
)CPP";

constexpr const char* kClose = R"CPP(// The close of one connection; on success its handle becomes null.
void closeConnection(sqlite3*& conn) {
  int rc = sqlite3_close(conn);
  if (rc == SQLITE_BUSY && kFinalizeOnBusy) {
    // What the adapter under test does: finalizes the statements that kept
    // results still step, and closes again.
    while (sqlite3_stmt* stmt = sqlite3_next_stmt(conn, nullptr)) sqlite3_finalize(stmt);
    rc = sqlite3_close(conn);
  }
  if (rc == SQLITE_OK) conn = nullptr;
}
// The database's close: every connection, or none while one has statements.
bool closeAll(std::initializer_list<sqlite3**> conns) {
  for (sqlite3** conn : conns) {
    if (!kFinalizeOnBusy && *conn != nullptr && sqlite3_next_stmt(*conn, nullptr) != nullptr) return false;
  }
  for (sqlite3** conn : conns) {
    if (*conn != nullptr) closeConnection(*conn);
  }
  return true;
}
void createTables(const std::string& file) {
  sqlite3* setup = nullptr;
  sqlite3_open_v2(file.c_str(), &setup, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  sqlite3_exec(setup, "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS t1(a INTEGER, b TEXT); "
               "CREATE TABLE IF NOT EXISTS t2(a INTEGER, b TEXT)", nullptr, nullptr, nullptr);
  sqlite3_close(setup);
}
)CPP";

std::string closeAllOf(const std::vector<std::string>& connections) {
  std::string list;
  for (const std::string& name : connections) list += (list.empty() ? "&" : ", &") + name;
  return "closeAll({" + list + "})";
}

std::string query(const Op& op, std::int64_t tag) {
  const std::vector<QuerySpec> parts = op.query.statements();
  std::string code;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const QuerySpec& part = parts[i];
    if (part.kind == QueryKind::kCopy || part.kind == QueryKind::kCopyBad) return "";
    bool last = i + 1 == parts.size();
    bool stream = last && op.result != "-" && (part.kind == QueryKind::kLong || part.kind == QueryKind::kCount);
    std::string sql = stringLiteral(sqliteSql(part, partTag(tag, static_cast<int>(i)), stream));
    code += stream ? fmt::format("{} = run({}, {}, true);\n", op.result, op.handle, sql)
                   : fmt::format("run({}, {}, false);\n", op.handle, sql);
  }
  return code.substr(0, code.size() - 1);
}

std::string call(const Op& op, std::int64_t tag, const std::vector<std::string>& connections) {
  switch (op.kind) {
    case OpKind::kOpenDb: return "createTables(file);\ndb = true;";
    case OpKind::kReopen: return "if (!db || " + closeAllOf(connections) + ") {\n  createTables(file);\n  db = true;\n}";
    case OpKind::kCloseDb: return "if (" + closeAllOf(connections) + ") db = false;";
    case OpKind::kDropDb: return "db = false;  // dropped: forgotten, its connections not closed";
    case OpKind::kConnect:
      return fmt::format("sqlite3_open_v2(file.c_str(), &{0}, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr);\n"
                         "sqlite3_busy_timeout({0}, 0);",
                         op.handle);
    case OpKind::kDisconnect: return fmt::format("closeConnection({});", op.handle);
    case OpKind::kDrop: return op.handle + " = nullptr;  // dropped: forgotten, not closed or finalized";
    case OpKind::kQuery: return query(op, tag);
    case OpKind::kIterate:
      return fmt::format("for (long long i = 0; i < {} && sqlite3_step({}) == SQLITE_ROW; ++i) {{}}", op.number,
                         op.handle);
    case OpKind::kCloseResult: return fmt::format("sqlite3_finalize({0});\n{0} = nullptr;", op.handle);
    case OpKind::kInterrupt: return fmt::format("sqlite3_interrupt({});", op.handle);
    case OpKind::kCheck:
      return "sqlite3* reader = nullptr;\n"
             "sqlite3_open_v2(file.c_str(), &reader, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, nullptr);\n"
             "sqlite3_exec(reader, \"SELECT a, b FROM t1; SELECT a, b FROM t2\", nullptr, nullptr, nullptr);\n"
             "sqlite3_close(reader);";
    default: return "";  // set_timeout (the adapter's own deadline), prepare, execute
  }
}

}  // namespace

ProgramParts sqliteCppParts(const Schedule& schedule, bool finalize_on_busy) {
  ProgramParts parts;
  parts.language = "cpp";
  parts.build = "clang++-14 -std=c++20 -g -fsanitize=address FILE -lsqlite3 -o repro && "
                "ASAN_OPTIONS=max_free_fill_size=4096:free_fill_byte=190 ./repro 10";
  parts.includes = "// SQLite's C API (Debian: libsqlite3-dev). ASan's options fill freed memory, so that a\n"
                   "// use-after-free in the uninstrumented library crashes.\n";
  parts.includes += kHelpers;
  parts.includes += fmt::format("\n// The adapter's close: {}.\nconstexpr bool kFinalizeOnBusy = {};\n",
                                finalize_on_busy ? "policy broken, finalizes on SQLITE_BUSY" : "sqlite3_close",
                                finalize_on_busy ? "true" : "false");
  parts.includes += kClose;
  parts.handles = "  const std::string file = dir + \"/db.sqlite\";\n  bool db = false;\n";
  std::vector<std::string> connections;
  for (const std::string& name : handleNames(schedule)) {
    bool connection = name.starts_with("c");
    parts.handles += fmt::format("  {} {} = nullptr;\n", connection ? "sqlite3*" : "sqlite3_stmt*", name);
    if (connection) connections.push_back(name);
  }
  parts.call = [connections](const Op& op, std::int64_t tag) { return call(op, tag, connections); };
  return parts;
}

}  // namespace lifeguard::harness::sqlite
