#include "lifeguard/database.h"

#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>

#include "lifeguard/file_system.h"
#include "lifeguard/testing/hooks.h"
#include "main/current.h"
#include "main/lifecycle.h"
#include "memory/memory_manager.h"
#include "processor/query_processor.h"
#include "storage/storage.h"
#include "storage/wal.h"
#include "transaction/transaction.h"

namespace lifeguard {

Database::Database(std::string_view path, Options options)
    : path_(path), options_(options), lifecycle_(std::make_shared<Lifecycle>(options.policy)) {
  if (options_.num_threads == 0) throw Error(ErrorCode::kInvalidUse, "Options::num_threads must be at least 1");
  if (options_.copy_buffer_bytes == 0) {
    throw Error(ErrorCode::kInvalidUse, "Options::copy_buffer_bytes must be at least 1");
  }
  storage_ = std::make_unique<Storage>();
  if (path_ != ":memory:") {
    wal_ = std::make_unique<Wal>(fileSystem(), path_);
    Status recovered = wal_->recover(*storage_, &recovery_warning_);
    if (!recovered.isOk()) throw Error(recovered);
    if (!recovery_warning_.empty()) std::fprintf(stderr, "lifeguard: %s\n", recovery_warning_.c_str());
  }
  processor_ = std::make_unique<QueryProcessor>(options_.num_threads, options_.policy);
  memory_manager_ = std::make_unique<MemoryManager>();
  transaction_manager_ = std::make_unique<TransactionManager>(*storage_, wal_.get());
}

Database::~Database() {
  Status status = close();
  if (!status.isOk()) {
    std::fprintf(stderr, "lifeguard: ~Database cannot close: %s\n", status.toString().c_str());
    std::abort();
  }
}

std::shared_ptr<FileSystem> Database::fileSystem() const {
  return options_.file_system ? options_.file_system : posixFileSystem();
}

bool Database::isClosed() const { return lifecycle_->isClosed(); }

Status Database::close() {
  if (options_.policy == TeardownPolicy::kComplete) return closeComplete();
  closeLegacy();
  return Status::ok();
}

// 0.11.x: nothing waits for running queries, and the members go in reverse
// declaration order, so transaction manager, storage and memory manager are
// freed before the processor joins the workers still using them (H3). The
// close-time checkpoint waits for an open write transaction (H4).
void Database::closeLegacy() {
  if (lifecycle_->isClosed()) return;
  LG_SYNC_POINT("Database::close:begin");
  lifecycle_->setClosedUnsynchronized();
  // The checkpoint's wait times out and the error is swallowed, as in 0.11.x.
  if (transaction_manager_->waitForNoWriter(std::chrono::milliseconds(options_.checkpoint_wait_ms))) {
    checkpointAtClose();
  }
  LG_SYNC_POINT("Database::close:before_free");
  transaction_manager_.reset();
  wal_.reset();
  storage_.reset();
  memory_manager_.reset();
  LG_SYNC_POINT("Database::close:before_join");
  processor_.reset();
}

Status Database::closeComplete() {
  if (CurrentQueryScope::database() == this) {
    return Status(ErrorCode::kInvalidUse, "cannot close a database from inside one of its queries");
  }
  LG_SYNC_POINT("Database::close:begin");
  // Refuse new work, interrupt running queries, wait for every call inside.
  if (!lifecycle_->beginClose()) return Status::ok();
  // Nothing runs now: open transactions are rolled back, so the checkpoint
  // has nothing to wait for.
  transaction_manager_->rollbackAll();
  checkpointAtClose();
  LG_SYNC_POINT("Database::close:before_free");
  LG_SYNC_POINT("Database::close:before_join");
  processor_.reset();  // joins the (idle) workers before anything they use
  transaction_manager_.reset();
  wal_.reset();
  storage_.reset();
  memory_manager_.reset();
  lifecycle_->finishClose();
  return Status::ok();
}

// Folds the WAL into the data file. A failure leaves the WAL, which recovery
// replays: nothing committed is lost, so close still succeeds.
void Database::checkpointAtClose() {
  if (wal_ == nullptr) return;
  Status status = wal_->checkpoint(*storage_);
  if (!status.isOk()) std::fprintf(stderr, "lifeguard: checkpoint at close failed: %s\n", status.toString().c_str());
  (void)wal_->close();
}

namespace testing {

EngineProbe probe(const Database& db) {
  EngineProbe probe;
  LifecycleGuard gate(*db.lifecycle_);
  if (db.options_.policy == TeardownPolicy::kComplete ? !gate : db.lifecycle_->isClosed()) {
    probe.closed = true;
    return probe;
  }
  probe.active_queries = db.lifecycle_->activeQueries();
  probe.live_transactions = db.transaction_manager_->liveTransactions();
  probe.busy_workers = db.processor_->scheduler().busyWorkers();
  probe.queued_tasks = db.processor_->scheduler().queuedTasks();
  probe.pages_in_use = db.memory_manager_->pagesInUse();
  return probe;
}

}  // namespace testing

}  // namespace lifeguard
