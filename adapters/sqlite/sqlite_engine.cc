#include "sqlite_engine.h"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>

#include "lifeguard/harness/workload.h"
#include "lifeguard/sync/controlled.h"
#include "sqlite_mutex.h"

namespace lifeguard::harness::sqlite {
namespace {

using A = AnswerKind;

// The progress handler runs every this many virtual machine instructions.
constexpr int kProgressEvery = 1000;

// SQLite's result codes in the harness's vocabulary.
Answer fromCode(const Conn* conn, int rc, const std::string& what) {
  AnswerKind kind = A::kInternal;
  switch (rc & 0xff) {
    case SQLITE_BUSY: case SQLITE_LOCKED: kind = A::kWriteConflict; break;
    case SQLITE_INTERRUPT: kind = conn != nullptr && conn->timed_out ? A::kTimeout : A::kInterrupted; break;
    case SQLITE_ERROR: kind = A::kUserError; break;  // an SQL error: parse, bind, transaction misuse
    default: break;
  }
  return {kind, fmt::format("{}: {}", what, sqlite3_errstr(rc)), std::nullopt};
}
// With the connection's last message, copied under the connection's mutex:
// another thread's call on the connection may free it ("the error string
// ... may be overwritten or deallocated by subsequent calls", sqlite3.h), as
// a concurrent sqlite3_close refusing with SQLITE_BUSY did (campaign seed
// 21119: a use-after-free in this adapter). The message may then be the
// other call's; the answer comes from `rc`. REQUIRES: the caller still holds
// a statement of the connection or its lock, so the connection is not freed.
Answer errorOf(Conn& conn, int rc) {
  sqlite3_mutex* mu = sqlite3_db_mutex(conn.db);
  sqlite3_mutex_enter(mu);
  std::string message = sqlite3_errmsg(conn.db);
  sqlite3_mutex_leave(mu);
  return fromCode(&conn, rc, message);
}

std::int64_t nanos(sync::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// A scheduling point inside long statements (else one sqlite3_step is one
// step of the controlled scheduler), and the query's deadline.
int onProgress(void* arg) {
  LG_SYNC_POINT("sqlite.progress");
  auto* conn = static_cast<Conn*>(arg);
  std::int64_t deadline = conn->deadline_ns;
  if (deadline == 0 || nanos(sync::now()) < deadline) return 0;
  conn->timed_out = true;
  return 1;  // SQLITE_INTERRUPT
}

// The busy handler of the harness's own connections (creating the tables,
// the check): they wait out a WAL checkpoint or recovery
// (sqlite.org/wal.html) instead of failing, 1 ms between tries (virtual
// time under the controlled scheduler, where the lock's holder runs meanwhile).
int waitOutLocks(void*, int tries) {
  if (tries >= 10'000) return 0;
  sleepFor(1000);
  return 1;
}

// Prepares one statement, under the connection's lock: never on a closed one.
Answer prepare(Conn& conn, const std::string& sql, sqlite3_stmt** out) {
  sync::MutexLock lock(conn.mu);
  if (conn.closed) return closedAnswer(conn);
  int rc = sqlite3_prepare_v2(conn.db, sql.c_str(), -1, out, nullptr);
  return rc == SQLITE_OK ? Answer::ok() : errorOf(conn, rc);
}

// Runs `sql` to its end.
Answer exec(Conn& conn, const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  Answer answer = prepare(conn, sql, &stmt);
  if (!answer.isOk()) return answer;
  int rc = SQLITE_ROW;
  while (rc == SQLITE_ROW) rc = sqlite3_step(stmt);
  if (rc != SQLITE_DONE) answer = errorOf(conn, rc);
  sqlite3_finalize(stmt);
  return answer;
}

// A failed statement ends an explicit transaction (the adapter's rule, see
// sqlite_adapter.cc), under the lock: the connection may be closing.
void rollbackIfOpen(Conn& conn) {
  sync::MutexLock lock(conn.mu);
  if (conn.closed || sqlite3_get_autocommit(conn.db) != 0) return;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(conn.db, "ROLLBACK", -1, &stmt, nullptr) == SQLITE_OK) sqlite3_step(stmt);
  sqlite3_finalize(stmt);
}

// COPY: one savepoint of prepared inserts, one per CSV line.
Answer copy(Conn& conn, const QuerySpec& spec, std::int64_t tag, const std::filesystem::path& scratch) {
  std::ifstream csv(writeCopyCsv(scratch, spec, tag));
  if (Answer begun = exec(conn, "SAVEPOINT lifeguard_copy"); !begun.isOk()) return begun;
  sqlite3_stmt* insert = nullptr;
  Answer answer = prepare(conn, "INSERT INTO " + spec.table + " VALUES (?, ?)", &insert);
  std::int64_t line = 0;
  for (std::string text; answer.isOk() && std::getline(csv, text);) {
    ++line;
    std::size_t comma = text.find(',');
    char* end = nullptr;
    long long a = std::strtoll(text.c_str(), &end, 10);
    if (comma == std::string::npos || comma == 0 || end != text.c_str() + comma) {
      answer = {A::kCopyError, fmt::format("COPY line {}: '{}' is not a number", line, text.substr(0, comma)),
                std::nullopt};
      break;
    }
    sqlite3_bind_int64(insert, 1, a);
    sqlite3_bind_text(insert, 2, text.c_str() + comma + 1, -1, SQLITE_TRANSIENT);
    if (int rc = sqlite3_step(insert); rc != SQLITE_DONE) answer = errorOf(conn, rc);
    sqlite3_reset(insert);
  }
  sqlite3_finalize(insert);
  if (answer.isOk()) {
    answer = exec(conn, "RELEASE lifeguard_copy");
  } else {  // their errors do not matter: an interrupted write may have ended the transaction already
    exec(conn, "ROLLBACK TO lifeguard_copy");
    exec(conn, "RELEASE lifeguard_copy");
  }
  if (answer.isOk()) answer.value = line;
  return answer;
}

// One statement, under the connection's statement lock (Conn::statement_mu);
// its result kept in *kept if asked: a read stays running after its first
// row, anything else is stepped to its end.
Answer stepStatement(const std::shared_ptr<Conn>& conn, const QuerySpec& part, std::int64_t tag,
                     const std::filesystem::path& scratch, std::shared_ptr<Stmt>* kept) {
  auto result = std::make_shared<Stmt>();
  result->conn = conn;
  if (part.kind == QueryKind::kCopy || part.kind == QueryKind::kCopyBad) {
    Answer answer = copy(*conn, part, tag, scratch);
    sync::MutexLock lock(result->mu);
    result->done = result->finalized = true;
    if (answer.isOk() && kept != nullptr) *kept = result;
    return answer;
  }
  const bool stream = kept != nullptr && (part.kind == QueryKind::kLong || part.kind == QueryKind::kCount);
  Answer answer = prepare(*conn, sqliteSql(part, tag, stream), &result->stmt);
  if (!answer.isOk()) return answer;
  sync::MutexLock lock(result->mu);
  int rc = sqlite3_step(result->stmt);
  while (!stream && rc == SQLITE_ROW) rc = sqlite3_step(result->stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) answer = errorOf(*conn, rc);
  if (rc != SQLITE_ROW) {  // done: finalized now, so that it keeps no close waiting
    sqlite3_finalize(result->stmt);
    result->done = result->finalized = true;
  }
  if (answer.isOk() && kept != nullptr) *kept = result;
  return answer;
}

// One statement, and if it failed the rollback that ends an explicit
// transaction (the adapter's rule), both under the statement lock: released
// in between, another actor's COPY on a shared connection could take the
// lock and begin its savepoint, which that ROLLBACK would then end halfway
// (its first rows rolled back, the rest committed one by one: a data false
// alarm, 1 in 3 replays of copy_on_a_shared_connection.sched under load).
Answer runStatement(const std::shared_ptr<Conn>& conn, const QuerySpec& part, std::int64_t tag,
                    const std::filesystem::path& scratch, std::shared_ptr<Stmt>* kept) {
  sync::MutexLock statement(conn->statement_mu);
  Answer answer = stepStatement(conn, part, tag, scratch, kept);
  if (!answer.isOk()) {
    conn->deadline_ns = 0;  // the query ends here; its timeout must not interrupt the rollback
    rollbackIfOpen(*conn);
  }
  return answer;
}

// Whether the database `conn` was opened through was closed (or reopened).
bool databaseClosed(const Conn& conn) {
  if (conn.closed_by_database) return true;
  sync::MutexLock lock(conn.database->mu);
  return conn.database->closed;
}

// The engine's close of a connection whose lock the caller holds.
Answer closeLocked(Conn& conn, Style style) LG_REQUIRES(conn.mu) {
  int rc = style == Style::kCloseV2 ? sqlite3_close_v2(conn.db) : sqlite3_close(conn.db);
  if (rc == SQLITE_BUSY && style == Style::kBroken) {
    // Wrong on purpose: frees statements that kept results still step.
    while (sqlite3_stmt* stmt = sqlite3_next_stmt(conn.db, nullptr)) sqlite3_finalize(stmt);
    rc = sqlite3_close(conn.db);
  }
  if (rc == SQLITE_BUSY) return {A::kBusy, "sqlite3_close: unable to close due to unfinalized statements", std::nullopt};
  if (rc != SQLITE_OK) return fromCode(nullptr, rc, "close");
  conn.closed = true;
  return Answer::ok();
}

}  // namespace

std::string sqliteSql(const QuerySpec& spec, std::int64_t tag, bool streaming) {
  switch (spec.kind) {
    case QueryKind::kLong: {
      std::string rows = fmt::format(
          "WITH RECURSIVE r(x) AS (VALUES(1) UNION ALL SELECT x + 1 FROM r WHERE x < {}) ", std::max<std::int64_t>(
                                                                                             1, spec.count / 10));
      return rows + (streaming ? "SELECT x FROM r WHERE x % 997 = 0" : "SELECT sum(x) FROM r");
    }
    case QueryKind::kCount: return "SELECT count(*) FROM " + spec.table;
    case QueryKind::kInsert: {
      std::string sql = "INSERT INTO " + spec.table + " VALUES ";
      for (std::int64_t i = 0; i < spec.count; ++i) sql += fmt::format("{}({}, 'v{}')", i ? ", " : "", rowValue(tag, i), i);
      return sql;
    }
    case QueryKind::kBegin: return "BEGIN";
    case QueryKind::kCommit: return "COMMIT";
    case QueryKind::kRollback: return "ROLLBACK";
    case QueryKind::kBadParse: return "SELEC count(*) FROM t1";
    case QueryKind::kBadBind: return "SELECT count(*) FROM no_such_table";
    case QueryKind::kBadExec: {  // sum() raises "integer overflow" (sqlite.org/lang_aggfunc.html#sumunc)
      std::int64_t rows = std::max<std::int64_t>(1000, spec.count / 10);
      return fmt::format("WITH RECURSIVE r(x) AS (VALUES({0}) UNION ALL SELECT x + 1 FROM r WHERE x < {1}) "
                         "SELECT sum(x) FROM r",
                         overflowingRangeStart(rows), overflowingRangeStart(rows) + rows - 1);
    }
    default: return "";  // COPY and multi never reach here
  }
}

Answer closedAnswer(const Conn& conn) {
  if (conn.closed_by_database) return {A::kDatabaseClosed, "the database was closed", std::nullopt};
  return {A::kConnectionClosed, "the connection was closed", std::nullopt};
}

Answer createTables(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                           nullptr);
  // The old database's connections may still be closing.
  if (rc == SQLITE_OK) sqlite3_busy_handler(db, waitOutLocks, nullptr);
  for (const char* sql : {"PRAGMA journal_mode=WAL", "CREATE TABLE IF NOT EXISTS t1(a INTEGER, b TEXT)",
                          "CREATE TABLE IF NOT EXISTS t2(a INTEGER, b TEXT)"}) {
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, sql, nullptr, nullptr, nullptr);
  }
  Answer answer = rc == SQLITE_OK ? Answer::ok() : fromCode(nullptr, rc, "creating the tables");
  sqlite3_close(db);
  return answer;
}

Answer openConnection(const std::string& path, Conn* conn) {
  int rc = sqlite3_open_v2(path.c_str(), &conn->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close(conn->db);
    conn->closed = true;
    return fromCode(nullptr, rc, "sqlite3_open_v2");
  }
  sqlite3_busy_timeout(conn->db, 0);
  sqlite3_progress_handler(conn->db, kProgressEvery, onProgress, conn);
  return Answer::ok();
}

Answer closeConnection(Conn& conn, Style style) {
  sync::MutexLock lock(conn.mu);
  if (conn.closed) return Answer::ok();  // closed already: closing again changes nothing
  return closeLocked(conn, style);
}

// Holds every connection's lock at once, which the analysis cannot follow.
Answer closeAll(Db& db, Style style) LG_NO_THREAD_SAFETY_ANALYSIS {
  sync::MutexLock lock(db.mu);
  if (db.closed) return Answer::ok();
  std::vector<std::shared_ptr<Conn>> conns;
  for (const auto& weak : db.conns) {
    if (auto conn = weak.lock()) conns.push_back(std::move(conn));
  }
  for (const auto& conn : conns) conn->mu.lock();
  Answer answer = Answer::ok();
  for (const auto& conn : conns) {
    if (style == Style::kClose && !conn->closed && sqlite3_next_stmt(conn->db, nullptr) != nullptr) {
      answer = {A::kBusy, "a connection of the database has unfinalized statements: none was closed", std::nullopt};
    }
  }
  for (const auto& conn : conns) {
    if (!answer.isOk() || conn->closed) continue;
    answer = closeLocked(*conn, style);
    conn->closed_by_database = conn->closed.load();
  }
  for (auto it = conns.rbegin(); it != conns.rend(); ++it) (*it)->mu.unlock();
  if (answer.isOk()) db.closed = true;
  return answer;
}

Answer runQuery(const std::shared_ptr<Conn>& conn, const QuerySpec& spec, std::int64_t tag,
                const std::filesystem::path& scratch, std::shared_ptr<Stmt>* kept) {
  if (conn->closed) return closedAnswer(*conn);
  const std::int64_t timeout_ms = conn->timeout_ms;
  conn->timed_out = false;
  conn->deadline_ns = timeout_ms > 0 ? nanos(sync::now()) + timeout_ms * 1'000'000 : 0;
  const std::vector<QuerySpec> parts = spec.statements();
  Answer answer = Answer::ok();
  for (std::size_t i = 0; i < parts.size(); ++i) {
    Answer part = runStatement(conn, parts[i], partTag(tag, static_cast<int>(i)), scratch,
                               i + 1 == parts.size() ? kept : nullptr);
    if (part.isOk()) continue;
    answer = part;
    answer.value = static_cast<std::int64_t>(i);
    break;
  }
  conn->deadline_ns = 0;
  return answer;
}

Answer stepRows(Stmt& result, std::int64_t rows) {
  sync::MutexLock lock(result.mu);
  if (result.finalized && !result.done) return {A::kInvalidUse, "the result was closed", std::nullopt};
  // A result with nothing left to read: none, unless its database was closed.
  if (result.done && databaseClosed(*result.conn)) {
    return {A::kDatabaseClosed, "the result's database was closed", std::nullopt};
  }
  if (result.done) return Answer::ok(0);
  std::int64_t read = 0;
  while (read < rows) {
    int rc = sqlite3_step(result.stmt);
    if (rc == SQLITE_ROW) {
      ++read;
      continue;
    }
    result.done = true;  // a step now would run the statement again
    if (rc != SQLITE_DONE) return fromCode(result.conn.get(), rc, "sqlite3_step");
    break;
  }
  return Answer::ok(read);
}

void finalize(Stmt& result) {
  sync::MutexLock lock(result.mu);
  if (!result.finalized) sqlite3_finalize(result.stmt);
  result.finalized = true;
}

Answer readAll(const std::string& path, std::vector<TableRows>* tables) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc == SQLITE_OK) sqlite3_busy_handler(db, waitOutLocks, nullptr);
  tables->clear();
  for (const std::string& table : EngineAdapter::tables()) {
    sqlite3_stmt* stmt = nullptr;
    if (rc == SQLITE_OK) rc = sqlite3_prepare_v2(db, ("SELECT a, b FROM " + table).c_str(), -1, &stmt, nullptr);
    TableRows rows;
    while (rc == SQLITE_OK && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      const unsigned char* b = sqlite3_column_text(stmt, 1);
      rows.push_back(std::to_string(sqlite3_column_int64(stmt, 0)) + "|" +
                     (b != nullptr ? reinterpret_cast<const char*>(b) : "NULL"));
      rc = SQLITE_OK;
    }
    if (rc == SQLITE_DONE) rc = SQLITE_OK;
    sqlite3_finalize(stmt);
    tables->push_back(std::move(rows));
  }
  Answer answer = rc == SQLITE_OK ? Answer::ok() : fromCode(nullptr, rc, "reading the tables");
  sqlite3_close(db);
  return answer;
}

}  // namespace lifeguard::harness::sqlite
