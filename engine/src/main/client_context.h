// ClientContext: the per-connection state a query runs against.
//
// Ownership: owned by its Connection (unique_ptr) and destroyed when the
// connection closes. Holds a raw pointer to the Database. Tasks and
// Transactions hold raw pointers to it: destroying it while they run is the
// use-after-free the teardown policies are about.
//
// Thread-safety: query(), prepare() and executePrepared() hold query_mu_ for
// the whole query (one query at a time). interrupt(), cancel(), the settings
// and the published fix's register/wait calls may be called from any thread.
// transaction() is used by the query's thread and its workers, ordered by the
// task protocol.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "lifeguard/options.h"
#include "lifeguard/prepared_statement.h"
#include "lifeguard/query_result.h"
#include "parser/statement.h"
#include "lifeguard/sync/sync.h"

namespace lifeguard {

class Database;
class Lifecycle;
class Task;
class Transaction;

class ClientContext {
 public:
  ClientContext(Database* database, std::uint64_t connection_id);
  // Rolls back an open transaction unless prevent_rollback_on_destruction.
  ~ClientContext();
  ClientContext(const ClientContext&) = delete;
  ClientContext& operator=(const ClientContext&) = delete;

  std::unique_ptr<QueryResult> query(std::string_view sql) LG_EXCLUDES(query_mu_);
  std::unique_ptr<PreparedStatement> prepare(std::string_view sql) LG_EXCLUDES(query_mu_);
  std::unique_ptr<QueryResult> executePrepared(const PreparedStatement& statement) LG_EXCLUDES(query_mu_);

  Database* database() const { return database_; }
  std::uint64_t connectionId() const { return connection_id_; }

  // Interrupts the running query (resettable: see Connection::interrupt).
  void interrupt();
  // Interrupts the running query and every later one; never reset (close).
  void cancel();
  // What workers and the caller's wait loop check. kComplete: an interrupt
  // counts for the query holding the query lock if it came after that query
  // became in flight (an epoch: it can neither outlive the query nor reach
  // the next query another thread runs on this connection).
  bool interrupted() const {
    if (policy_ != TeardownPolicy::kComplete) return interrupted_.load() || cancelled_.load();
    return cancelled_.load() || interrupt_epoch_.load() > running_since_.load();
  }
  TeardownPolicy policy() const { return policy_; }
  // The wait loop's own stop signal to the other workers; no wake-up.
  void interruptWorkers() { interrupted_.store(true); }
  void resetInterrupt() { interrupted_.store(false); }

  void setTimeoutMs(std::uint64_t ms) { timeout_ms_.store(ms); }
  std::uint64_t timeoutMs() const { return timeout_ms_.load(); }
  void setMaxThreads(std::uint64_t n) { max_threads_.store(n == 0 ? 1 : n); }
  std::uint64_t maxThreads() const { return max_threads_.load(); }

  // The task the query thread waits on, so interrupt() can wake it.
  void setCurrentTask(Task* task) LG_EXCLUDES(task_mu_);

  // The statement's transaction (the manual one inside BEGIN ... COMMIT).
  Transaction* transaction() const { return statement_transaction_; }
  // Rolls back an open manual transaction (kComplete close).
  void rollbackOpenTransaction();
  bool prevent_rollback_on_destruction = false;

  // The published fix (kExecuteDrain): an active-query count around execute.
  void registerQueryStart();
  void registerQueryEnd();
  void waitForNoActiveQuery();

 private:
  std::unique_ptr<QueryResult> runStatements(const std::vector<Statement>& statements) LG_REQUIRES(query_mu_);
  std::unique_ptr<QueryResult> runStatement(const Statement& statement) LG_REQUIRES(query_mu_);
  std::unique_ptr<QueryResult> runTransactionStatement(const Statement& statement) LG_REQUIRES(query_mu_);
  std::unique_ptr<QueryResult> runPlannedStatement(const Statement& statement) LG_REQUIRES(query_mu_);
  void beginStatementTransaction(bool write);
  void endStatementTransaction(bool commit);
  std::unique_ptr<QueryResult> errorResult(const Status& status) const;

  Database* const database_;
  const std::uint64_t connection_id_;
  const TeardownPolicy policy_;
  const std::shared_ptr<Lifecycle> lifecycle_;
  class InFlight;
  sync::Atomic<std::uint32_t> in_flight_{0};  // queries between call and return
  sync::Mutex query_mu_;
  sync::Atomic<bool> interrupted_{false};        // kLegacy, kExecuteDrain
  sync::Atomic<std::uint64_t> interrupt_epoch_{0};  // kComplete: interrupts sent while queries were in flight
  sync::Atomic<std::uint64_t> running_since_{0};    // kComplete: the epoch when the running query became in flight
  sync::Atomic<bool> cancelled_{false};
  sync::Atomic<std::uint64_t> timeout_ms_{0};
  sync::Atomic<std::uint64_t> max_threads_;

  sync::Mutex task_mu_;
  Task* current_task_ LG_GUARDED_BY(task_mu_) = nullptr;

  Transaction* manual_transaction_ = nullptr;
  Transaction* statement_transaction_ = nullptr;

  // The published fix, exactly: incremented without the mutex, decremented
  // and notified under it.
  sync::Atomic<std::uint32_t> active_query_count_{0};
  sync::Mutex mtx_for_close_;
  sync::CondVar cv_for_close_;
};

}  // namespace lifeguard
