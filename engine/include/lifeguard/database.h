// Database: the root of the handle graph.
//
// Ownership: the Database owns its storage, the single-writer
// TransactionManager, the MemoryManager (pages for results and COPY buffers)
// and the QueryProcessor, which owns the TaskScheduler and its worker threads
// (Options::num_threads, shared by every Connection). Connections and
// QueryResults do not own the Database: they share only its lifecycle flag.
//
// Closing: close() (also run by the destructor) ends the database. What it does
// with work still in flight is the TeardownPolicy (see options.h):
//   - kComplete: close() refuses new work at once, interrupts every running
//     query, waits for every in-flight call (queries, result iteration,
//     connection closes) to leave, rolls back open transactions, joins the
//     workers and only then frees state. Afterwards queries and prepare() on
//     its connections fail with ErrorCode::kDatabaseClosed ("database is
//     closed"; kConnectionClosed if the connection was closed first), result
//     row access throws kDatabaseClosed, and interrupt, the setters and the
//     close() calls are no-ops. A Connection must not be created on a
//     destroyed Database object (hazard H12 covers a closed one).
//   - kLegacy and kExecuteDrain: 0.11.x teardown; freeing state under running
//     workers is the bug those policies keep.
// Calling close() from inside a query of this database (a worker thread or the
// query's own thread) returns kInvalidUse under kComplete instead of
// deadlocking; the destructor in that situation aborts with a message.
//
// Thread-safety: close() and isClosed() may be called from any thread at any
// time, concurrently with queries on any connection. The Database object itself
// must outlive every call made directly on it (as any C++ object); it may be
// destroyed while Connections and QueryResults still exist.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "lifeguard/options.h"
#include "lifeguard/status.h"

namespace lifeguard {

class Connection;
class Database;
class FileSystem;
class Lifecycle;
class MemoryManager;
class QueryProcessor;
class Storage;
class TransactionManager;
class Wal;

namespace testing {
struct EngineProbe;
EngineProbe probe(const Database& db);
}  // namespace testing

class Database {
 public:
  // path ":memory:" (the default) is an in-memory database. Any other path is
  // a directory holding the data file and the write-ahead log: opening it
  // recovers every committed transaction. A torn WAL tail is discarded (see
  // recoveryWarning()); corruption before the tail throws Error(kIOError).
  //
  // Durability: a commit (auto-commit statement, COMMIT, or a whole COPY) is
  // durable when it returns ok: its WAL record is written and fsynced. If
  // writing or fsyncing the WAL fails, the commit answers kIOError (it may or
  // may not be durable) and every later write answers kIOError until the
  // database is reopened; reads keep working. CHECKPOINT and close() fold the
  // WAL into the data file.
  explicit Database(std::string_view path = ":memory:", Options options = {});
  ~Database();

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Ends the database as the policy says (see above). Idempotent: a second
  // call returns ok once the first has finished.
  Status close();
  bool isClosed() const;

  const Options& options() const { return options_; }
  const std::string& path() const { return path_; }
  // The file system its files and COPY's input go through.
  std::shared_ptr<FileSystem> fileSystem() const;
  // What recovery discarded when the database was opened ("" if nothing).
  const std::string& recoveryWarning() const { return recovery_warning_; }

 private:
  friend class Connection;
  friend class ClientContext;
  friend testing::EngineProbe testing::probe(const Database& db);

  void closeLegacy();
  Status closeComplete();
  void checkpointAtClose();

  const std::string path_;
  const Options options_;
  std::string recovery_warning_;
  const std::shared_ptr<Lifecycle> lifecycle_;
  // Declaration order is destruction order, reversed: as in the real engine
  // the processor (and its workers) is declared first and so would be
  // destroyed last. close() makes the order explicit per policy.
  std::unique_ptr<QueryProcessor> processor_;
  std::unique_ptr<MemoryManager> memory_manager_;
  std::unique_ptr<Storage> storage_;
  std::unique_ptr<Wal> wal_;  // null for ":memory:"
  std::unique_ptr<TransactionManager> transaction_manager_;
};

}  // namespace lifeguard
