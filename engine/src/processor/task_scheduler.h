// TaskScheduler: N worker threads and a FIFO queue of tasks, shared by every
// connection of a database.
//
// Ownership: owned by the QueryProcessor. The destructor stops and joins the
// workers; like the real engine it does not drain tasks still queued, so a
// caller still waiting on one would wait forever (hazard H3 under kLegacy).
//
// Thread-safety: scheduleTaskAndWaitOrError may be called from any number of
// caller threads; statistics may be read from any thread.
#pragma once

#include <cstddef>
#include <deque>
#include <optional>
#include <memory>
#include <vector>

#include "lifeguard/status.h"
#include "lifeguard/sync/sync.h"

namespace lifeguard {

class ClientContext;
class Task;

class TaskScheduler {
 public:
  explicit TaskScheduler(std::size_t num_threads);
  ~TaskScheduler();
  TaskScheduler(const TaskScheduler&) = delete;
  TaskScheduler& operator=(const TaskScheduler&) = delete;

  // Runs the task's children, then the task, on the workers and waits until
  // every registered worker has deregistered. On a worker exception, an
  // interrupt or the timeout, interrupts the remaining workers, waits for
  // them, and throws (the task's exception, or Error kInterrupted/kTimeout).
  // timeout_ms == 0 means none.
  void scheduleTaskAndWaitOrError(const std::shared_ptr<Task>& task, ClientContext* context,
                                  std::uint64_t timeout_ms);

  std::size_t busyWorkers() const;
  std::size_t queuedTasks() const;

 private:
  void workerLoop();
  std::shared_ptr<Task> getTaskAndRegister();
  // Returns the error the caller must throw, if any.
  std::optional<Status> waitForTask(Task& task, ClientContext* context, sync::Clock::time_point deadline);
  void removeFromQueue(const Task* task);

  mutable sync::Mutex mu_;
  sync::CondVar work_available_;
  std::deque<std::shared_ptr<Task>> queue_ LG_GUARDED_BY(mu_);
  sync::Atomic<std::size_t> busy_{0};
  bool stopping_ LG_GUARDED_BY(mu_) = false;
  std::vector<sync::Thread> workers_;
};

}  // namespace lifeguard
