#include "processor/task.h"

#include "lifeguard/status.h"
#include "lifeguard/testing/hooks.h"
#include "main/client_context.h"

namespace lifeguard {

void Task::checkInterrupted() const {
  LG_SYNC_POINT("Task::batch");
  if (workers_stopped_.load(std::memory_order_acquire) || context_->interrupted()) {
    throw Error(ErrorCode::kInterrupted, "query was interrupted");
  }
}

bool Task::tryRegister() {
  sync::MutexLock lock(mu_);
  if (cancelled_ || error_ || finished_ > 0 || registered_ >= max_threads_) return false;
  ++registered_;
  return true;
}

namespace {

// The Status of the exception being handled.
Status currentError() {
  try {
    throw;
  } catch (const Error& error) {
    return error.status();
  } catch (const std::exception& error) {
    return Status(ErrorCode::kInternal, error.what());
  } catch (...) {
    return Status(ErrorCode::kInternal, "unknown exception in a task");
  }
}

}  // namespace

void Task::runOnWorker() {
  try {
    run();
  } catch (...) {
    Status error = currentError();
    sync::MutexLock lock(mu_);
    recordError(std::move(error));
  }
}

void Task::deregister(sync::Atomic<std::size_t>& busy_workers) {
  sync::MutexLock lock(mu_);
  ++finished_;
  if (finished_ == registered_ && !error_) {
    LG_SYNC_POINT("Task::before_finalize");
    try {
      finalize();
    } catch (...) {
      recordError(currentError());
    }
  }
  busy_workers.fetch_sub(1);
  cv_.notifyAll();
}

void Task::recordError(Status error) {
  if (!error_) error_ = std::move(error);
}

bool Task::finishedOrCancelled(bool stop_requested) {
  if (registered_ > 0 && finished_ == registered_) return true;
  if (stop_requested && registered_ == finished_) {
    cancelled_ = true;  // nobody is running it and nobody may start it now
    return true;
  }
  return false;
}

void Task::wake() {
  sync::MutexLock lock(mu_);
  cv_.notifyAll();
}

}  // namespace lifeguard
