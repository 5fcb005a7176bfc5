// `lifeguard export --as c|cpp` for sqlite: each operation as the
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

// The helpers at the program's top, in C that is also C++: one statement,
// and each close style.
constexpr const char* kHelpers = R"CPP(#include <sqlite3.h>

#include <stdio.h>

// One statement: a kept read stays at its first row in *kept (its rows are
// stepped later); anything else runs to its end and is finalized. An error
// is printed, ends an explicit transaction, and is returned (not SQLITE_OK),
// which ends a multi-statement query.
int run(sqlite3* db, const char* sql, int keep, sqlite3_stmt** kept) {
  sqlite3_stmt* stmt = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK) rc = sqlite3_step(stmt);
  while (!keep && rc == SQLITE_ROW) rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW) {
    *kept = stmt;
    return SQLITE_OK;
  }
  sqlite3_finalize(stmt);
  if (rc == SQLITE_DONE) return SQLITE_OK;
  printf("  error: %s\n", sqlite3_errmsg(db));
  if (sqlite3_get_autocommit(db) == 0) sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
  return rc;
}
)CPP";

constexpr const char* kClose = R"CPP(// The close of one connection; on success its handle becomes null.
void closeConnection(sqlite3** conn) {
  int rc = sqlite3_close(*conn);
  if (rc == SQLITE_BUSY && kFinalizeOnBusy) {
    // What the adapter under test does: finalizes the statements that kept
    // results still step, and closes again.
    sqlite3_stmt* stmt;
    while ((stmt = sqlite3_next_stmt(*conn, NULL)) != NULL) sqlite3_finalize(stmt);
    rc = sqlite3_close(*conn);
  }
  if (rc == SQLITE_OK) *conn = NULL;
}
// The database's close: every connection, or none while one has statements.
int closeAll(sqlite3** conns[], int count) {
  for (int i = 0; i < count; ++i) {
    if (!kFinalizeOnBusy && *conns[i] != NULL && sqlite3_next_stmt(*conns[i], NULL) != NULL) return 0;
  }
  for (int i = 0; i < count; ++i) {
    if (*conns[i] != NULL) closeConnection(conns[i]);
  }
  return 1;
}
void createTables(const char* file) {
  sqlite3* setup = NULL;
  sqlite3_open_v2(file, &setup, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, NULL);
  sqlite3_exec(setup, "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS t1(a INTEGER, b TEXT); "
               "CREATE TABLE IF NOT EXISTS t2(a INTEGER, b TEXT)", NULL, NULL, NULL);
  sqlite3_close(setup);
}

)CPP";

// The schedule's connections as an array `conns` (a declaration), for closeAll.
std::string connectionArray(const std::vector<std::string>& connections) {
  std::string list;
  for (const std::string& name : connections) list += (list.empty() ? "&" : ", &") + name;
  return connections.empty() ? "sqlite3*** conns = NULL;\n" : "sqlite3** conns[] = {" + list + "};\n";
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
    code += (i ? " == SQLITE_OK &&\n    " : "") +
            fmt::format("run({}, {}, {}, {})", op.handle, sql, stream ? 1 : 0, stream ? "&" + op.result : "NULL");
  }
  return code + ";";
}

std::string call(const Op& op, std::int64_t tag, const std::vector<std::string>& connections) {
  switch (op.kind) {
    case OpKind::kOpenDb: return "createTables(file);\ndb = 1;";
    case OpKind::kReopen:
      return connectionArray(connections) + fmt::format("if (!db || closeAll(conns, {})) {{\n  createTables(file);\n"
                                                        "  db = 1;\n}}", connections.size());
    case OpKind::kCloseDb:
      return connectionArray(connections) + fmt::format("if (closeAll(conns, {})) db = 0;", connections.size());
    case OpKind::kDropDb: return "db = 0;  // dropped: forgotten, its connections not closed";
    case OpKind::kConnect:
      return fmt::format("sqlite3_open_v2(file, &{0}, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, NULL);\n"
                         "sqlite3_busy_timeout({0}, 0);",
                         op.handle);
    case OpKind::kDisconnect: return fmt::format("closeConnection(&{});", op.handle);
    case OpKind::kDrop: return op.handle + " = NULL;  // dropped: forgotten, not closed or finalized";
    case OpKind::kQuery: return query(op, tag);
    case OpKind::kIterate:
      return fmt::format("for (long long i = 0; i < {} && sqlite3_step({}) == SQLITE_ROW; ++i) {{}}", op.number,
                         op.handle);
    case OpKind::kCloseResult: return fmt::format("sqlite3_finalize({0});\n{0} = NULL;", op.handle);
    case OpKind::kInterrupt: return fmt::format("sqlite3_interrupt({});", op.handle);
    case OpKind::kCheck:
      return "sqlite3* reader = NULL;\n"
             "sqlite3_open_v2(file, &reader, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, NULL);\n"
             "sqlite3_exec(reader, \"SELECT a, b FROM t1; SELECT a, b FROM t2\", NULL, NULL, NULL);\n"
             "sqlite3_close(reader);";
    default: return "";  // set_timeout (the adapter's own deadline), prepare, execute
  }
}

}  // namespace

ProgramParts sqliteParts(const Schedule& schedule, bool finalize_on_busy, bool c) {
  ProgramParts parts;
  parts.language = c ? "c" : "cpp";
  parts.build = std::string(c ? "clang-14 -std=gnu17" : "clang++-14 -std=c++20") +
                " -g -fsanitize=address FILE -lsqlite3 -lpthread -o repro && "
                "ASAN_OPTIONS=max_free_fill_size=4096:free_fill_byte=190 ./repro 10";
  parts.includes = "// SQLite's C API (Debian: libsqlite3-dev). ASan's options fill freed memory, so that a\n"
                   "// use-after-free in the uninstrumented library crashes.\n";
  parts.includes += kHelpers;
  parts.includes += fmt::format("\n// The adapter's close: {}.\nstatic const int kFinalizeOnBusy = {};\n\n",
                                finalize_on_busy ? "policy broken, finalizes on SQLITE_BUSY" : "sqlite3_close",
                                finalize_on_busy ? 1 : 0);
  parts.includes += kClose;
  // C: globals (one attempt per forked child); C++: the attempt's locals.
  const char* scope = c ? "static " : "  ";
  parts.handles = fmt::format("{0}char file[4200];\n{0}int db = 0;\n", scope);
  parts.prologue = fmt::format("  snprintf(file, sizeof file, \"%s/db.sqlite\", {});\n", c ? "dir" : "dir.c_str()");
  std::vector<std::string> connections;
  for (const std::string& name : handleNames(schedule)) {
    bool connection = name.starts_with("c");
    parts.handles += fmt::format("{}{} {} = NULL;\n", scope, connection ? "sqlite3*" : "sqlite3_stmt*", name);
    if (connection) connections.push_back(name);
  }
  parts.call = [connections](const Op& op, std::int64_t tag) { return call(op, tag, connections); };
  return parts;
}

}  // namespace lifeguard::harness::sqlite
