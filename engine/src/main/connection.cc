#include "lifeguard/connection.h"

#include "lifeguard/database.h"
#include "lifeguard/prepared_statement.h"
#include "lifeguard/query_result.h"
#include "lifeguard/testing/hooks.h"
#include "main/client_context.h"
#include "main/current.h"
#include "main/lifecycle.h"
#include "main/result_builder.h"

namespace lifeguard {
namespace {
sync::Atomic<std::uint64_t> next_connection_id{1};
}  // namespace

// kComplete's whole-query drain: every query registers here for its whole
// length; close() refuses new ones, interrupts and waits for zero.
struct Connection::DrainState {
  enum class State { kOpen, kClosing, kClosed };
  sync::Mutex mu;
  sync::CondVar cv;
  State state LG_GUARDED_BY(mu) = State::kOpen;
  std::size_t active LG_GUARDED_BY(mu) = 0;
};

class Connection::DrainGuard {
 public:
  explicit DrainGuard(DrainState& drain) : drain_(drain) {
    sync::MutexLock lock(drain_.mu);
    entered_ = drain_.state == DrainState::State::kOpen;
    if (entered_) ++drain_.active;
  }
  ~DrainGuard() {
    if (!entered_) return;
    sync::MutexLock lock(drain_.mu);
    if (--drain_.active == 0) drain_.cv.notifyAll();
  }
  DrainGuard(const DrainGuard&) = delete;
  DrainGuard& operator=(const DrainGuard&) = delete;
  explicit operator bool() const { return entered_; }

 private:
  DrainState& drain_;
  bool entered_ = false;
};

Connection::Connection(Database* database)
    : database_(database), lifecycle_(database->lifecycle_), drain_(std::make_unique<DrainState>()) {
  TeardownPolicy policy = lifecycle_->policy();
  if (policy == TeardownPolicy::kComplete) {
    LifecycleGuard gate(*lifecycle_);
    if (!gate) throw Error(ErrorCode::kDatabaseClosed, std::string(kDatabaseClosedMessage));
    context_ = std::make_unique<ClientContext>(database_, next_connection_id.fetch_add(1));
    return;
  }
  // kLegacy does not check (H12); kExecuteDrain checks the plain flag.
  if (policy == TeardownPolicy::kExecuteDrain && lifecycle_->isClosed()) {
    throw Error(ErrorCode::kDatabaseClosed, std::string(kDatabaseClosedMessage));
  }
  context_ = std::make_unique<ClientContext>(database_, next_connection_id.fetch_add(1));
}

Connection::~Connection() { (void)close(); }

std::unique_ptr<QueryResult> Connection::query(std::string_view sql) { return runGuarded(sql, nullptr); }

std::unique_ptr<QueryResult> Connection::execute(PreparedStatement* statement) {
  return runGuarded({}, statement);
}

std::unique_ptr<QueryResult> Connection::runGuarded(std::string_view sql, PreparedStatement* statement) {
  auto run = [&]() -> std::unique_ptr<QueryResult> {
    if (statement == nullptr) return context_->query(sql);
    bool foreign = statement->connection_id_ != context_->connectionId();
    if (foreign && lifecycle_->policy() != TeardownPolicy::kLegacy) {
      return ResultBuilder::error(
          Status(ErrorCode::kInvalidUse, "prepared statement belongs to another connection"), lifecycle_);
    }
    return context_->executePrepared(*statement);
  };
  auto closedError = [this](ErrorCode code, std::string_view message) {
    return ResultBuilder::error(Status(code, std::string(message)), lifecycle_);
  };
  if (lifecycle_->policy() == TeardownPolicy::kComplete) {
    DrainGuard drain(*drain_);
    if (!drain) return closedError(ErrorCode::kConnectionClosed, kConnectionClosedMessage);
    LifecycleGuard gate(*lifecycle_, context_.get());
    if (!gate) return closedError(ErrorCode::kDatabaseClosed, kDatabaseClosedMessage);
    lifecycle_->queryStarted();
    auto result = run();
    lifecycle_->queryEnded();
    return result;
  }
  // 0.11.x and the published fix: the binding-style checks of plain flags.
  if (lifecycle_->isClosed()) return closedError(ErrorCode::kDatabaseClosed, kDatabaseClosedMessage);
  if (closed_unsynchronized_) return closedError(ErrorCode::kConnectionClosed, kConnectionClosedMessage);
  lifecycle_->queryStarted();
  auto result = run();
  lifecycle_->queryEnded();
  return result;
}

std::unique_ptr<PreparedStatement> Connection::prepare(std::string_view sql) {
  auto failed = [](ErrorCode code, std::string_view message) {
    return std::unique_ptr<PreparedStatement>(new PreparedStatement(Status(code, std::string(message)), 0, nullptr));
  };
  if (lifecycle_->policy() == TeardownPolicy::kComplete) {
    DrainGuard drain(*drain_);
    if (!drain) return failed(ErrorCode::kConnectionClosed, kConnectionClosedMessage);
    LifecycleGuard gate(*lifecycle_, context_.get());
    if (!gate) return failed(ErrorCode::kDatabaseClosed, kDatabaseClosedMessage);
    return context_->prepare(sql);
  }
  if (lifecycle_->isClosed()) return failed(ErrorCode::kDatabaseClosed, kDatabaseClosedMessage);
  if (closed_unsynchronized_) return failed(ErrorCode::kConnectionClosed, kConnectionClosedMessage);
  return context_->prepare(sql);
}

// Runs `body` on the context if the connection is open: under kComplete with
// the drain lock held, so close cannot destroy the context meanwhile.
template <typename F>
void Connection::withOpenContext(F&& body) {
  if (lifecycle_->policy() == TeardownPolicy::kComplete) {
    sync::MutexLock lock(drain_->mu);
    if (drain_->state == DrainState::State::kOpen) body(*context_);
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
  if (lifecycle_->policy() != TeardownPolicy::kComplete) return closed_unsynchronized_;
  sync::MutexLock lock(drain_->mu);
  return drain_->state != DrainState::State::kOpen;
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
  DrainState& drain = *drain_;
  {
    sync::MutexLock lock(drain.mu);
    if (drain.state != DrainState::State::kOpen) {
      while (drain.state != DrainState::State::kClosed) drain.cv.wait(lock);
      return Status::ok();
    }
    if (CurrentQueryScope::context() == context_.get()) {
      return Status(ErrorCode::kInvalidUse, "cannot close a connection from inside its own query");
    }
    drain.state = DrainState::State::kClosing;
  }
  LG_SYNC_POINT("Connection::close:before_drain");
  // Only this closer may destroy the context now. Cancel the running query,
  // if any, and any query about to take the query lock.
  context_->cancel();
  {
    sync::MutexLock lock(drain.mu);
    while (drain.active > 0) drain.cv.wait(lock);
  }
  LG_SYNC_POINT("Connection::close:after_drain");
  {
    LifecycleGuard gate(*lifecycle_);
    // After a database close its transaction manager is gone and has already
    // rolled every transaction back.
    if (gate) context_->rollbackOpenTransaction();
    context_->prevent_rollback_on_destruction = true;
    context_.reset();
  }
  sync::MutexLock lock(drain.mu);
  drain.state = DrainState::State::kClosed;
  drain.cv.notifyAll();
  LG_SYNC_POINT("Connection::close:done");
  return Status::ok();
}

}  // namespace lifeguard
