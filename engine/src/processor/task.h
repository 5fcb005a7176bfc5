// Task: one node of a query's task tree, run by the scheduler's workers.
//
// Protocol (as in the real engine): workers register on a task while it can
// take more threads and no worker has finished yet; each registered worker
// calls run() until the task's work is exhausted; a worker that throws records
// the first exception on the task. The last worker to deregister runs
// finalize() under the task lock, only if no exception was recorded. The
// caller (TaskScheduler::scheduleTaskAndWaitOrError) waits until every
// registered worker has deregistered.
//
// Ownership: shared by the caller and the scheduler's queue. A task holds a
// raw pointer to the ClientContext of its query: the context must outlive
// every worker's use of the task. That is the contract the teardown policies
// keep (kComplete) or break (kLegacy).
//
// Thread-safety: run() is called concurrently by registered workers; subclasses
// hand out work with atomics. Everything else is under the task's mutex.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include "lifeguard/status.h"
#include "lifeguard/sync/sync.h"

namespace lifeguard {

class ClientContext;

class Task {
 public:
  Task(ClientContext* context, std::size_t max_threads) : context_(context), max_threads_(max_threads) {}
  virtual ~Task() = default;
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;

  // Children run to completion, in order, before this task is scheduled.
  void addChild(std::shared_ptr<Task> child) { children_.push_back(std::move(child)); }
  const std::vector<std::shared_ptr<Task>>& children() const { return children_; }

  ClientContext* context() const { return context_; }

  // Wakes the caller waiting on this task so it re-checks the interrupt flag.
  void wake();

 protected:
  // Worker side: process morsels until none are left. May throw.
  virtual void run() = 0;
  // The last worker, under the task lock, only if no worker threw. May throw.
  virtual void finalize() {}

  // Called by run() at every batch of rows: passes the Task::batch sync point
  // and throws Error(kInterrupted) if the query was interrupted or the
  // caller stopped the task's workers.
  void checkInterrupted() const;

 private:
  friend class TaskScheduler;

  bool tryRegister();
  void runOnWorker();
  // Decrements `busy_workers` before waking the caller, so a caller that
  // returned never sees this worker still counted busy.
  void deregister(sync::Atomic<std::size_t>& busy_workers);
  // Keeps the first error. Errors are kept as Status values, never as
  // exception_ptr, so no exception object is shared between threads.
  void recordError(Status error) LG_REQUIRES(mu_);
  // Caller side: whether the wait can end, cancelling the task if it never ran.
  bool finishedOrCancelled(bool stop_requested) LG_REQUIRES(mu_);

  ClientContext* const context_;
  const std::size_t max_threads_;
  std::vector<std::shared_ptr<Task>> children_;

  sync::Mutex mu_;
  sync::CondVar cv_;
  std::size_t registered_ LG_GUARDED_BY(mu_) = 0;
  std::size_t finished_ LG_GUARDED_BY(mu_) = 0;
  bool cancelled_ LG_GUARDED_BY(mu_) = false;
  std::optional<Status> error_ LG_GUARDED_BY(mu_);
  // kComplete: the caller stops the other workers of a task that failed,
  // timed out or was interrupted. The task's own flag: the connection's
  // interrupt flag, which kLegacy and kExecuteDrain set instead, outlives
  // the query until its call returns, and so failed the next query of
  // another thread on the same connection, which took the query lock in
  // between (found by a campaign once two actors query one connection).
  // Not a scheduling point: the workers read it at their batch point.
  std::atomic<bool> workers_stopped_{false};
};

}  // namespace lifeguard
