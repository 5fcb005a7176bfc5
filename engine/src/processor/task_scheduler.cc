#include "processor/task_scheduler.h"

#include <algorithm>

#include <fmt/format.h>

#include "lifeguard/status.h"
#include "lifeguard/testing/hooks.h"
#include "main/client_context.h"
#include "main/current.h"
#include "processor/task.h"

namespace lifeguard {

TaskScheduler::TaskScheduler(std::size_t num_threads) {
  workers_.reserve(num_threads);
  for (std::size_t i = 0; i < num_threads; ++i) workers_.emplace_back([this] { workerLoop(); });
}

TaskScheduler::~TaskScheduler() {
  {
    sync::MutexLock lock(mu_);
    stopping_ = true;  // queued tasks are not drained, as in the real engine
  }
  work_available_.notifyAll();
  for (auto& worker : workers_) worker.join();
}

void TaskScheduler::scheduleTaskAndWaitOrError(const std::shared_ptr<Task>& task, ClientContext* context,
                                               std::uint64_t timeout_ms) {
  auto deadline = timeout_ms == 0 ? sync::Clock::time_point::max()
                                  : sync::now() + std::chrono::milliseconds(timeout_ms);
  for (const auto& child : task->children()) scheduleTaskAndWaitOrError(child, context, timeout_ms);
  {
    sync::MutexLock lock(mu_);
    queue_.push_back(task);
  }
  work_available_.notifyAll();
  context->setCurrentTask(task.get());
  LG_SYNC_POINT("TaskScheduler::wait_loop");
  std::optional<Status> error = waitForTask(*task, context, deadline);
  context->setCurrentTask(nullptr);
  removeFromQueue(task.get());
  if (error) throw Error(std::move(*error));
}

std::optional<Status> TaskScheduler::waitForTask(Task& task, ClientContext* context, sync::Clock::time_point deadline) {
  bool timed_out = false;
  sync::MutexLock lock(task.mu_);
  while (true) {
    bool stop = task.error_ || timed_out || context->interrupted();
    if (stop) {  // the other workers stop at their next batch
      if (context->policy() == TeardownPolicy::kComplete) {
        task.workers_stopped_.store(true, std::memory_order_release);
      } else {
        context->interruptWorkers();
      }
    }
    if (task.finishedOrCancelled(stop)) break;
    if (deadline == sync::Clock::time_point::max()) {
      task.cv_.wait(lock);
    } else if (!task.cv_.waitUntil(lock, deadline)) {
      timed_out = sync::now() >= deadline;
    }
  }
  if (timed_out) return Status(ErrorCode::kTimeout, "query timed out");
  if (task.error_) return task.error_;
  if (task.cancelled_) return Status(ErrorCode::kInterrupted, "query was interrupted");
  return std::nullopt;
}

void TaskScheduler::removeFromQueue(const Task* task) {
  sync::MutexLock lock(mu_);
  auto it = std::find_if(queue_.begin(), queue_.end(), [task](const auto& queued) { return queued.get() == task; });
  if (it != queue_.end()) queue_.erase(it);
}

void TaskScheduler::workerLoop() {
  while (std::shared_ptr<Task> task = getTaskAndRegister()) {
    CurrentQueryScope scope(task->context(), task->context()->database());
    LG_SYNC_POINT("Worker::before_run");
    task->runOnWorker();
    LG_SYNC_POINT("Worker::after_run");
    // The caller holds the task until this worker deregistered, so the task
    // (and the pages its destructor releases) goes on the caller's thread.
    Task* registered = task.get();
    task.reset();
    registered->deregister(busy_);
  }
}

std::shared_ptr<Task> TaskScheduler::getTaskAndRegister() {
  sync::MutexLock lock(mu_);
  while (!stopping_) {
    for (const auto& task : queue_) {
      if (task->tryRegister()) {
        busy_.fetch_add(1);
        return task;
      }
    }
    work_available_.wait(lock);
  }
  return nullptr;
}

std::size_t TaskScheduler::busyWorkers() const { return busy_.load(); }

std::size_t TaskScheduler::queuedTasks() const {
  sync::MutexLock lock(mu_);
  return queue_.size();
}

}  // namespace lifeguard
