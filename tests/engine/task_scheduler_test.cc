// The task protocol and the scheduler (engine internals).
#include <atomic>
#include <thread>

#include "main/client_context.h"
#include "processor/task.h"
#include "processor/task_scheduler.h"
#include "support/lifecycle_test.h"

namespace lifeguard {
namespace {

class RecordingTask : public Task {
 public:
  RecordingTask(ClientContext* context, std::size_t threads, std::vector<std::string>* log = nullptr,
                std::string name = "")
      : Task(context, threads), log_(log), name_(std::move(name)) {}

  std::atomic<int> runs{0}, finalizes{0}, runs_at_finalize{-1};
  bool throw_in_run = false, endless = false;

 protected:
  void run() override {
    runs.fetch_add(1);
    if (throw_in_run) throw Error(ErrorCode::kCopyError, "worker failed");
    while (endless) checkInterrupted();
  }
  void finalize() override {
    runs_at_finalize = runs.load();
    finalizes.fetch_add(1);
    if (log_ != nullptr) log_->push_back(name_);
  }

 private:
  std::vector<std::string>* log_;
  std::string name_;
};

class TaskSchedulerTest : public ::testing::Test {
 protected:
  Database db_;
  ClientContext context_{&db_, 1000};
  TaskScheduler scheduler_{2};
};

TEST_F(TaskSchedulerTest, LastWorkerFinalizesOnceAfterEveryRun) {
  for (int i = 0; i < 50; ++i) {
    auto task = std::make_shared<RecordingTask>(&context_, 2);
    scheduler_.scheduleTaskAndWaitOrError(task, &context_, 0);
    EXPECT_EQ(task->finalizes.load(), 1);
    EXPECT_EQ(task->runs_at_finalize.load(), task->runs.load());
    EXPECT_GE(task->runs.load(), 1);
    EXPECT_LE(task->runs.load(), 2);
  }
  EXPECT_EQ(scheduler_.queuedTasks(), 0u);
}

TEST_F(TaskSchedulerTest, ChildrenRunFirstInOrder) {
  std::vector<std::string> log;
  auto parent = std::make_shared<RecordingTask>(&context_, 2, &log, "parent");
  parent->addChild(std::make_shared<RecordingTask>(&context_, 1, &log, "child1"));
  parent->addChild(std::make_shared<RecordingTask>(&context_, 1, &log, "child2"));
  scheduler_.scheduleTaskAndWaitOrError(parent, &context_, 0);
  EXPECT_EQ(log, (std::vector<std::string>{"child1", "child2", "parent"}));
}

TEST_F(TaskSchedulerTest, WorkerExceptionSkipsFinalizeAndReachesTheCaller) {
  auto task = std::make_shared<RecordingTask>(&context_, 2);
  task->throw_in_run = true;
  try {
    scheduler_.scheduleTaskAndWaitOrError(task, &context_, 0);
    FAIL() << "expected the worker's error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kCopyError);
  }
  EXPECT_EQ(task->finalizes.load(), 0);
}

TEST_F(TaskSchedulerTest, TimeoutInterruptsTheWorkers) {
  auto task = std::make_shared<RecordingTask>(&context_, 2);
  task->endless = true;
  try {
    scheduler_.scheduleTaskAndWaitOrError(task, &context_, 10);
    FAIL() << "expected a timeout";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kTimeout);
  }
  EXPECT_EQ(scheduler_.busyWorkers(), 0u);
}

TEST_F(TaskSchedulerTest, InterruptCancelsATaskNoWorkerHasTaken) {
  // Both workers are busy with an endless task of another context.
  ClientContext busy_context(&db_, 1001);
  auto blocker = std::make_shared<RecordingTask>(&busy_context, 2);
  blocker->endless = true;
  std::thread busy([&] { EXPECT_THROW(scheduler_.scheduleTaskAndWaitOrError(blocker, &busy_context, 0), Error); });
  while (blocker->runs.load() < 2) std::this_thread::yield();

  auto waiting = std::make_shared<RecordingTask>(&context_, 2);
  std::thread caller([&] {
    try {
      scheduler_.scheduleTaskAndWaitOrError(waiting, &context_, 0);
      ADD_FAILURE() << "expected an interrupt";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kInterrupted);
    }
  });
  while (scheduler_.queuedTasks() < 2) std::this_thread::yield();
  context_.cancel();  // interrupt() is a no-op outside a query; cancel() is not
  caller.join();
  EXPECT_EQ(waiting->runs.load(), 0);
  busy_context.cancel();
  busy.join();
}

}  // namespace
}  // namespace lifeguard
