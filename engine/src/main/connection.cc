#include "lifeguard/connection.h"

#include <cstdio>
#include <cstdlib>

#include "lifeguard/database.h"
#include "lifeguard/prepared_statement.h"
#include "lifeguard/query_result.h"
#include "lifeguard/testing/hooks.h"
#include "main/client_context.h"
#include "main/current.h"
#include "main/gate.h"
#include "main/lifecycle.h"
#include "main/result_builder.h"

namespace lifeguard {
namespace {

sync::Atomic<std::uint64_t> next_connection_id{1};

}  // namespace

Connection::Connection(Database* database)
    : database_(database), lifecycle_(database->lifecycle_), drain_(std::make_unique<Gate>()) {
  TeardownPolicy policy = lifecycle_->policy();
  if (policy == TeardownPolicy::kComplete) {
    LifecycleGuard gate(*lifecycle_);
    if (!gate) throw Error(ErrorCode::kDatabaseClosed, std::string(kDatabaseClosedMessage));
    context_ = std::make_unique<ClientContext>(database_, next_connection_id.fetch_add(1));
    lifecycle_->registerContext(context_.get());
  } else {
    // kLegacy does not check (H12); kExecuteDrain checks the plain flag.
    if (policy == TeardownPolicy::kExecuteDrain && lifecycle_->isClosed()) {
      throw Error(ErrorCode::kDatabaseClosed, std::string(kDatabaseClosedMessage));
    }
    context_ = std::make_unique<ClientContext>(database_, next_connection_id.fetch_add(1));
  }
  context_identity_ = context_.get();
}

Connection::~Connection() {
  Status status = close();
  if (!status.isOk()) {
    std::fprintf(stderr, "lifeguard: ~Connection cannot close: %s\n", status.toString().c_str());
    std::abort();
  }
}

std::unique_ptr<QueryResult> Connection::query(std::string_view sql) { return runGuarded(sql, nullptr); }

std::unique_ptr<QueryResult> Connection::execute(PreparedStatement* statement) { return runGuarded({}, statement); }

// Runs `body` if the connection and its database are open, else returns
// `closed(code, message)`. Under kComplete `body` runs inside both drains
// (the connection's and the database's); under the other policies after the
// binding-style checks of the plain flags.
template <typename Closed, typename Body>
auto Connection::whenOpen(Closed&& closed, Body&& body) {
  if (lifecycle_->policy() == TeardownPolicy::kComplete) {
    GateGuard drain(*drain_);
    if (!drain) return closed(ErrorCode::kConnectionClosed, kConnectionClosedMessage);
    LifecycleGuard gate(*lifecycle_);
    if (!gate) return closed(ErrorCode::kDatabaseClosed, kDatabaseClosedMessage);
    return body();
  }
  if (lifecycle_->isClosed()) return closed(ErrorCode::kDatabaseClosed, kDatabaseClosedMessage);
  if (closed_unsynchronized_) return closed(ErrorCode::kConnectionClosed, kConnectionClosedMessage);
  return body();
}

std::unique_ptr<QueryResult> Connection::runGuarded(std::string_view sql, PreparedStatement* statement) {
  auto closed = [this](ErrorCode code, std::string_view message) {
    return ResultBuilder::error(Status(code, std::string(message)), lifecycle_);
  };
  return whenOpen(closed, [&] { return runOnContext(sql, statement); });
}

std::unique_ptr<QueryResult> Connection::runOnContext(std::string_view sql, PreparedStatement* statement) {
  lifecycle_->queryStarted();
  std::unique_ptr<QueryResult> result;
  if (statement == nullptr) {
    result = context_->query(sql);
  } else if (statement->connection_id_ != context_->connectionId() &&
             lifecycle_->policy() != TeardownPolicy::kLegacy) {
    result = ResultBuilder::error(Status(ErrorCode::kInvalidUse, "prepared statement belongs to another connection"),
                                  lifecycle_);
  } else {
    result = context_->executePrepared(*statement);
  }
  lifecycle_->queryEnded();
  return result;
}

std::unique_ptr<PreparedStatement> Connection::prepare(std::string_view sql) {
  auto closed = [](ErrorCode code, std::string_view message) {
    return std::unique_ptr<PreparedStatement>(new PreparedStatement(Status(code, std::string(message)), 0, nullptr));
  };
  return whenOpen(closed, [&] { return context_->prepare(sql); });
}

// Runs `body` on the context if the connection is open: under kComplete inside
// the drain, so close cannot destroy the context meanwhile.
template <typename F>
void Connection::withOpenContext(F&& body) {
  if (lifecycle_->policy() == TeardownPolicy::kComplete) {
    GateGuard drain(*drain_);
    if (drain) body(*context_);
    return;
  }
  if (!closed_unsynchronized_) body(*context_);
}

void Connection::interrupt() {
  withOpenContext([](ClientContext& context) { context.interrupt(); });
}

void Connection::setQueryTimeout(std::uint64_t timeout_ms) {
  withOpenContext([timeout_ms](ClientContext& context) { context.setTimeoutMs(timeout_ms); });
}

void Connection::setMaxNumThreadForExec(std::uint64_t num_threads) {
  withOpenContext([num_threads](ClientContext& context) { context.setMaxThreads(num_threads); });
}

bool Connection::isClosed() const {
  if (lifecycle_->policy() == TeardownPolicy::kComplete) return drain_->closing();
  return closed_unsynchronized_;
}

Status Connection::close() {
  if (lifecycle_->policy() == TeardownPolicy::kComplete) return closeComplete();
  closeUnguarded();
  return Status::ok();
}

// kLegacy: destroy the context at once. kExecuteDrain: first wait for a query
// inside execute (the published fix). Both skip the rollback of an open
// transaction (preventTransactionRollbackOnDestruction).
void Connection::closeUnguarded() {
  if (context_ == nullptr) return;
  closed_unsynchronized_ = true;
  LG_SYNC_POINT("Connection::close:before_drain");
  if (lifecycle_->policy() == TeardownPolicy::kExecuteDrain) context_->waitForNoActiveQuery();
  LG_SYNC_POINT("Connection::close:after_drain");
  context_->prevent_rollback_on_destruction = true;
  context_.reset();
  LG_SYNC_POINT("Connection::close:done");
}

Status Connection::closeComplete() {
  // The running thread's own query cannot end while it waits for itself.
  if (CurrentQueryScope::context() == context_identity_) {
    return Status(ErrorCode::kInvalidUse, "cannot close a connection from inside its own query");
  }
  if (!drain_->beginClose()) return Status::ok();  // another closer finished it
  LG_SYNC_POINT("Connection::close:before_drain");
  // Only this closer may destroy the context now. Cancel the running query,
  // if any, and any query about to take the query lock.
  context_->cancel();
  drain_->waitUntilEmpty();
  LG_SYNC_POINT("Connection::close:after_drain");
  {
    LifecycleGuard gate(*lifecycle_);
    // After a database close its transaction manager is gone and has already
    // rolled every transaction back.
    if (gate) context_->rollbackOpenTransaction();
    context_->prevent_rollback_on_destruction = true;
    lifecycle_->unregisterContext(context_.get());
    context_.reset();
  }
  drain_->finishClose();
  LG_SYNC_POINT("Connection::close:done");
  return Status::ok();
}

}  // namespace lifeguard
