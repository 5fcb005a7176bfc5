#include "main/client_context.h"

#include "lifeguard/database.h"
#include "lifeguard/testing/hooks.h"
#include "main/current.h"
#include "main/lifecycle.h"
#include "main/result_builder.h"
#include "parser/parser.h"
#include "processor/query_processor.h"
#include "processor/task.h"
#include "transaction/transaction.h"

namespace lifeguard {

ClientContext::ClientContext(Database* database, std::uint64_t connection_id)
    : database_(database),
      connection_id_(connection_id),
      policy_(database->options().policy),
      lifecycle_(database->lifecycle_),
      max_threads_(database->options().num_threads) {}

ClientContext::~ClientContext() {
  if (!prevent_rollback_on_destruction) rollbackOpenTransaction();
}

std::unique_ptr<QueryResult> ClientContext::errorResult(const Status& status) const {
  return ResultBuilder::error(status, lifecycle_);
}

// kComplete: an interrupt sent while a query is in flight (from its call,
// before it holds the query lock, to its return) reaches it, whatever phase it
// is in (hazard H10), and no other query: each query notes the interrupt
// epoch when it became in flight, and counts only later interrupts.
class ClientContext::InFlight {
 public:
  explicit InFlight(ClientContext& context) : context_(context) {
    context_.in_flight_.fetch_add(1);
    if (context_.policy_ == TeardownPolicy::kComplete) since_ = context_.interrupt_epoch_.load();
  }
  ~InFlight() {
    if (context_.policy_ != TeardownPolicy::kComplete) {
      context_.in_flight_.fetch_sub(1);
      return;
    }
    // Under task_mu_, where interrupt() checks in_flight_: an interrupt
    // lands while this query is counted, or finds no query in flight.
    sync::MutexLock lock(context_.task_mu_);
    context_.in_flight_.fetch_sub(1);
  }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

  // Called once the query holds the query lock: it is the one interrupts reach.
  void startRunning() {
    if (context_.policy_ == TeardownPolicy::kComplete) context_.running_since_.store(since_);
  }

 private:
  ClientContext& context_;
  std::uint64_t since_ = 0;
};

std::unique_ptr<QueryResult> ClientContext::query(std::string_view sql) {
  InFlight in_flight(*this);
  sync::MutexLock lock(query_mu_);
  in_flight.startRunning();
  CurrentQueryScope scope(this, database_);
  std::vector<Statement> statements;
  try {
    statements = parseQuery(sql);
  } catch (const Error& error) {
    rollbackOpenTransaction();  // a query that fails to parse ends a manual transaction too
    return errorResult(error.status());
  }
  return runStatements(statements);
}

std::unique_ptr<PreparedStatement> ClientContext::prepare(std::string_view sql) {
  sync::MutexLock lock(query_mu_);
  CurrentQueryScope scope(this, database_);
  auto prepared = [this](Status status, std::shared_ptr<const Statement> statement) {
    return std::unique_ptr<PreparedStatement>(new PreparedStatement(std::move(status), connection_id_, statement));
  };
  try {
    std::vector<Statement> statements = parseQuery(sql);
    if (statements.size() != 1) {
      return prepared(Status(ErrorCode::kParseError, "prepare() takes exactly one statement"), nullptr);
    }
    return prepared(Status::ok(), std::make_shared<const Statement>(std::move(statements[0])));
  } catch (const Error& error) {
    return prepared(error.status(), nullptr);
  }
}

std::unique_ptr<QueryResult> ClientContext::executePrepared(const PreparedStatement& statement) {
  InFlight in_flight(*this);
  sync::MutexLock lock(query_mu_);
  in_flight.startRunning();
  CurrentQueryScope scope(this, database_);
  if (!statement.isSuccess()) return errorResult(statement.status());
  return runStatements({*statement.statement_});
}

std::unique_ptr<QueryResult> ClientContext::runStatements(const std::vector<Statement>& statements) {
  if (statements.empty()) return ResultBuilder::rows({}, nullptr, {}, lifecycle_);
  std::unique_ptr<QueryResult> head;
  for (const Statement& statement : statements) {
    std::unique_ptr<QueryResult> result = runStatement(statement);
    bool ok = result->isSuccess();
    if (head == nullptr) {
      head = std::move(result);
    } else {
      ResultBuilder::append(*head, std::move(result));
    }
    if (!ok) {
      rollbackOpenTransaction();  // any failed statement ends a manual transaction
      break;
    }
  }
  return head;
}

std::unique_ptr<QueryResult> ClientContext::runStatement(const Statement& statement) {
  if (policy_ == TeardownPolicy::kComplete && interrupted()) {
    return errorResult(Status(ErrorCode::kInterrupted, "query was interrupted"));
  }
  switch (statement.kind) {
    case StatementKind::kBegin:
    case StatementKind::kCommit:
    case StatementKind::kRollback:
    case StatementKind::kCheckpoint:
      return runTransactionStatement(statement);
    default:
      return runPlannedStatement(statement);
  }
}

std::unique_ptr<QueryResult> ClientContext::runTransactionStatement(const Statement& statement) {
  TransactionManager& manager = *database_->transaction_manager_;
  try {
    if (statement.kind == StatementKind::kCheckpoint) {
      manager.checkpoint();
    } else if (statement.kind == StatementKind::kBegin) {
      if (manual_transaction_ != nullptr) throw Error(ErrorCode::kBindError, "a transaction is already open");
      manual_transaction_ = manager.beginWrite(this);
    } else {
      if (manual_transaction_ == nullptr) throw Error(ErrorCode::kBindError, "no transaction is open");
      Transaction* transaction = std::exchange(manual_transaction_, nullptr);
      statement.kind == StatementKind::kCommit ? manager.commit(transaction) : manager.rollback(transaction);
    }
  } catch (const Error& error) {
    return errorResult(error.status());
  }
  return ResultBuilder::rows({}, nullptr, {}, lifecycle_);
}

std::unique_ptr<QueryResult> ClientContext::runPlannedStatement(const Statement& statement) {
  try {
    beginStatementTransaction(statement.isWrite());
    LG_SYNC_POINT("ClientContext::parse_bind");
    PhysicalPlan plan = planStatement(statement, {this, database_->storage_.get(), statement_transaction_,
                                                  database_->memory_manager_.get(), maxThreads(),
                                                  database_->fileSystem(), database_->options().copy_buffer_bytes});
    database_->processor_->execute(plan, this);
    LG_SYNC_POINT("ClientContext::after_execute_before_commit");
    endStatementTransaction(true);
    return ResultBuilder::rows(plan.sink->columns(), plan.sink->memory(), plan.sink->takePages(), lifecycle_);
  } catch (const Error& error) {
    endStatementTransaction(false);
    return errorResult(error.status());
  } catch (const std::exception& error) {
    endStatementTransaction(false);
    return errorResult(Status(ErrorCode::kInternal, error.what()));
  }
}

void ClientContext::beginStatementTransaction(bool write) {
  TransactionManager& manager = *database_->transaction_manager_;
  if (manual_transaction_ != nullptr) {
    statement_transaction_ = manual_transaction_;
  } else {
    statement_transaction_ = write ? manager.beginWrite(this) : manager.beginRead(this);
  }
}

void ClientContext::endStatementTransaction(bool commit) {
  Transaction* transaction = std::exchange(statement_transaction_, nullptr);
  if (transaction == nullptr) return;
  TransactionManager& manager = *database_->transaction_manager_;
  if (transaction == manual_transaction_) {
    // A failed statement ends the whole manual transaction.
    if (!commit) manager.rollback(std::exchange(manual_transaction_, nullptr));
    return;
  }
  commit ? manager.commit(transaction) : manager.rollback(transaction);
}

void ClientContext::rollbackOpenTransaction() {
  if (manual_transaction_ == nullptr) return;
  database_->transaction_manager_->rollback(std::exchange(manual_transaction_, nullptr));
}

void ClientContext::interrupt() {
  const bool complete = policy_ == TeardownPolicy::kComplete;
  if (!complete) interrupted_.store(true);
  sync::MutexLock lock(task_mu_);
  if (complete) {
    // A no-op while idle. Queries in flight now count it (InFlight): a query
    // that becomes in flight later noted the epoch after it, so an interrupt
    // never reaches a later query (once a flag left to the next query, found
    // by fuzz_lifecycle; then a flag seen by another thread's query on the
    // connection, found once two actors query one connection).
    if (in_flight_.load() == 0) return;
    interrupt_epoch_.fetch_add(1);
  }
  if (current_task_ != nullptr) current_task_->wake();
}

void ClientContext::cancel() {
  cancelled_.store(true);
  sync::MutexLock lock(task_mu_);
  if (current_task_ != nullptr) current_task_->wake();
}

void ClientContext::setCurrentTask(Task* task) {
  sync::MutexLock lock(task_mu_);
  current_task_ = task;
}

void ClientContext::registerQueryStart() { active_query_count_.fetch_add(1); }

void ClientContext::registerQueryEnd() {
  sync::MutexLock lock(mtx_for_close_);
  active_query_count_.fetch_sub(1);
  cv_for_close_.notifyAll();
}

void ClientContext::waitForNoActiveQuery() {
  sync::MutexLock lock(mtx_for_close_);
  while (active_query_count_.load() != 0) cv_for_close_.wait(lock);
}

}  // namespace lifeguard
