// The adapter for SQLite, through its C API (sqlite3.h; Debian's libsqlite3)
// only, as two engines, one per close style SQLite documents
// (sqlite.org/c3ref/close.html):
//   sqlite     sqlite3_close: "If sqlite3_close() is invoked while a
//              transaction is open [or] the database connection is associated
//              with unfinalized prepared statements ... then it returns
//              SQLITE_BUSY": the close is refused and changes nothing.
//   sqlite-v2  sqlite3_close_v2: returns SQLITE_OK at once and makes the
//              connection "an unusable zombie" that is deallocated when its
//              last prepared statement is finalized.
//
// Mapping:
//   database   a file (WAL journal) under the run's scratch directory,
//              shared by the connections opened through it; its close is
//              what a binding's db.close() does with its connections: close
//              each with the engine's close. Under `sqlite` it refuses
//              (Busy) and closes none if any still has statements: the
//              check and the closes run under every connection's lock, which
//              each prepare takes, so no statement appears in between.
//   connection one sqlite3* (sqlite3_open_v2 with SQLITE_OPEN_FULLMUTEX:
//              serialized), busy timeout 0, a progress handler every 1,000
//              instructions (the timeout's deadline; a scheduling point).
//   query      each statement in turn; the first failure decides. A kept
//              result of a read is its statement stepped once and kept
//              running: `iterate N` steps N more rows of a statement still
//              running. A write runs to its end. long N = a recursive CTE of
//              N/10 rows, summed (a kept one returns every 997th); COPY = a
//              SAVEPOINT, one prepared INSERT per CSV line, RELEASE (a
//              malformed line: ROLLBACK TO, CopyError).
//              A statement that fails inside an explicit transaction rolls
//              the transaction back (SQLite does so itself for an
//              interrupted write), as the other engines do, so one data
//              model judges them all.
//   conflicts  a second writer gets SQLITE_BUSY at once (busy timeout 0):
//              WriteConflict.
//   interrupt  sqlite3_interrupt, called as a caller would: not under the
//              connection's lock.
// Policy `broken` of `sqlite` is deliberately wrong, to show the oracles
// catch an adapter that misuses SQLite: on SQLITE_BUSY from close it
// finalizes the connection's statements, which results still use, and
// closes again.
#include <fmt/format.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "lifeguard/harness/engine_adapter.h"
#include "lifeguard/harness/handle_slots.h"
#include "lifeguard/harness/scratch_dir.h"
#include "lifeguard/harness/workload.h"
#include "sqlite_engine.h"
#include "sqlite_mutex.h"

namespace lifeguard::harness::sqlite {
namespace {

class SqliteAdapter : public EngineAdapter {
 public:
  SqliteAdapter(Style style, std::filesystem::path scratch)
      : style_(style), scratch_(std::move(scratch)), contract_(sqliteContract(style)) {}
  ~SqliteAdapter() override {
    results_.clear();
    connections_.clear();
    databases_.clear();
    std::error_code ignored;
    std::filesystem::remove_all(scratch_, ignored);
  }

  std::string name() const override { return style_ == Style::kCloseV2 ? "sqlite-v2" : "sqlite"; }
  std::string policy() const override { return style_ == Style::kBroken ? "broken" : "serialized"; }
  Capabilities capabilities() const override {
    Capabilities capabilities;
    capabilities.durable = true;
    capabilities.result_chains = false;  // a multi keeps its last statement
    return capabilities;
  }
  const Contract& contract() const override { return contract_; }

  Answer openDatabase() override {
    sync::MutexLock lock(lifecycle_mu_);
    return open();
  }
  Answer closeDatabase() override {
    sync::MutexLock lock(lifecycle_mu_);
    auto db = databases_.get("db");
    if (db == nullptr) return Answer::gone();
    Answer answer = closeAll(*db, style_);
    if (answer.isOk()) databases_.take("db");
    return answer;
  }
  Answer reopenDatabase() override {
    sync::MutexLock lock(lifecycle_mu_);
    if (auto db = databases_.get("db")) {
      Answer closed = closeAll(*db, style_);
      if (!closed.isOk()) return closed;
      databases_.take("db");
    }
    return open();
  }
  Answer dropDatabase() override { return databases_.take("db") ? Answer::ok() : Answer::gone(); }

  Answer connect(const std::string& name) override {
    auto db = databases_.get("db");
    if (db == nullptr) return Answer::gone();
    auto conn = std::make_shared<Conn>();
    conn->database = db;
    if (Answer opened = openConnection(db->path, conn.get()); !opened.isOk()) return opened;
    {
      sync::MutexLock lock(db->mu);
      if (db->closed) return {AnswerKind::kDatabaseClosed, "the database was closed", std::nullopt};
      db->conns.push_back(conn);
    }
    connections_.put(name, std::move(conn));
    return Answer::ok();
  }
  Answer disconnect(const std::string& name) override {
    auto conn = connections_.get(name);
    if (conn == nullptr) return Answer::gone();
    return closeConnection(*conn, style_);
  }
  Answer dropConnection(const std::string& name) override {
    return connections_.take(name) ? Answer::ok() : Answer::gone();
  }

  Answer query(const std::string& name, const std::string& result_name, const QuerySpec& spec,
               std::int64_t tag) override {
    auto conn = connections_.use(name, true);
    if (conn == nullptr) return Answer::gone();
    const bool keep = result_name != "-";
    std::shared_ptr<Stmt> kept;
    Answer answer = runQuery(conn, spec, tag, scratch_, keep ? &kept : nullptr);
    if (keep && answer.isOk() && kept != nullptr) results_.put(result_name, std::move(kept));
    return answer;
  }
  Answer iterate(const std::string& name, int part, std::int64_t rows) override {
    if (part > 0) return lacksResultChains();
    auto result = results_.use(name, true);
    if (result == nullptr) return Answer::gone();
    return stepRows(*result, rows);
  }
  Answer closeResult(const std::string& name) override {
    auto result = results_.take(name);
    if (result == nullptr) return Answer::gone();
    finalize(*result);
    return Answer::ok();
  }
  Answer dropResult(const std::string& name) override {
    return results_.take(name) ? Answer::ok() : Answer::gone();
  }
  Answer interrupt(const std::string& name) override {
    auto conn = connections_.use(name, true);
    if (conn == nullptr) return Answer::gone();
    if (conn->closed) return closedAnswer(*conn);
    sqlite3_interrupt(conn->db);  // as a caller would: a close racing it is the caller's fault
    return Answer::ok();
  }
  Answer setTimeout(const std::string& name, std::int64_t ms) override {
    auto conn = connections_.use(name, true);
    if (conn == nullptr) return Answer::gone();
    conn->timeout_ms = ms;
    return Answer::ok();
  }

  Answer readTables(std::vector<TableRows>* tables_out) override {
    auto db = databases_.get("db");
    if (db == nullptr) return Answer::gone();
    return readAll(db->path, tables_out);
  }
  EngineState state() override { return {}; }  // SQLite does not tell

 private:
  Answer open() LG_REQUIRES(lifecycle_mu_) {
    auto db = std::make_shared<Db>();
    db->path = (scratch_ / "db.sqlite").string();
    if (Answer created = createTables(db->path); !created.isOk()) return created;
    databases_.put("db", std::move(db));
    return Answer::ok();
  }

  const Style style_;
  const std::filesystem::path scratch_;
  const Contract contract_;
  sync::Mutex lifecycle_mu_;  // one open, close or reopen of the database at a time
  Slots<Db> databases_;
  Slots<Conn> connections_;
  Slots<Stmt> results_;
};

bool registerStyle(const std::string& name, const std::string& description, std::vector<std::string> policies) {
  EngineEntry entry;
  entry.name = name;
  entry.description = description;
  entry.policies = std::move(policies);
  entry.contract = [name](const std::string& policy) {
    return sqliteContract(name == "sqlite-v2" ? Style::kCloseV2 : policy == "broken" ? Style::kBroken : Style::kClose);
  };
  entry.make = [name](const std::string& policy, std::string* error) -> std::unique_ptr<EngineAdapter> {
    if (std::string failed = installSqliteMutexes(); !failed.empty()) {
      *error = "SQLite: " + failed;
      return nullptr;
    }
    Style style = name == "sqlite-v2" ? Style::kCloseV2 : policy == "broken" ? Style::kBroken : Style::kClose;
    return std::make_unique<SqliteAdapter>(style, makeScratchDirectory());
  };
  entry.uninstrumented = true;  // Debian's library, not built with the sanitizers
  entry.exporter = [name](const Schedule& schedule, const std::string& language,
                          std::string* error) -> std::optional<ProgramParts> {
    if (name != "sqlite" || (language != "c" && language != "cpp")) {
      *error = "sqlite exports --as c or --as cpp (its C API); sqlite-v2 has no export mapping";
      return std::nullopt;
    }
    return sqliteParts(schedule, schedule.policy == "broken", language == "c");
  };
  return registerEngine(std::move(entry));
}

const bool kRegistered =
    registerStyle("sqlite", "SQLite " SQLITE_VERSION " (C API, serialized), close = sqlite3_close: refuses while "
                  "statements live; policy broken: a deliberately wrong adapter",
                  {"serialized", "broken"}) &&
    registerStyle("sqlite-v2", "SQLite " SQLITE_VERSION " (C API, serialized), close = sqlite3_close_v2: a zombie "
                  "until its last statement is finalized",
                  {"serialized"});

}  // namespace
}  // namespace lifeguard::harness::sqlite
