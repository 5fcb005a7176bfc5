// The sync-point registry that tests use instead of sleeping.
#include <thread>

#include "support/lifecycle_test.h"

namespace lifeguard {
namespace {

using test::syncPoints;

class SyncPointsTest : public test::SyncPointTest {};

TEST_F(SyncPointsTest, SuccessorWaitsForItsPredecessor) {
  syncPoints().loadDependencies({{"A", "B"}});
  std::vector<std::string> order;
  std::mutex mu;
  auto record = [&](const char* name) {
    std::lock_guard<std::mutex> lock(mu);
    order.push_back(name);
  };
  std::thread successor([&] {
    syncPoints().process("B");
    record("B");
  });
  record("A");
  syncPoints().process("A");
  successor.join();
  EXPECT_EQ(order, (std::vector<std::string>{"A", "B"}));
  EXPECT_TRUE(syncPoints().passed("B"));
}

TEST_F(SyncPointsTest, CallbackRunsOnTheArrivingThreadWithItsArgument) {
  int seen = 0;
  syncPoints().setCallback("P", [&](void* arg) { seen = *static_cast<int*>(arg); });
  int value = 42;
  syncPoints().process("P", &value);
  EXPECT_EQ(seen, 42);
}

TEST_F(SyncPointsTest, DisableReleasesWaiters) {
  syncPoints().loadDependencies({{"never", "W"}});
  std::thread waiter([] { syncPoints().process("W"); });
  syncPoints().disable();
  waiter.join();
}

TEST_F(SyncPointsTest, EnginePassesItsPointsDuringAQuery) {
  Database db;
  Connection conn(&db);
  ASSERT_TRUE(conn.query("SELECT sum(x) FROM range(0, 10)")->isSuccess());
  for (const char* point : {"ClientContext::parse_bind", "QueryProcessor::execute", "TaskScheduler::wait_loop",
                            "Worker::before_run", "Task::batch", "Worker::after_run", "Task::before_finalize",
                            "ClientContext::after_execute_before_commit"}) {
    EXPECT_TRUE(syncPoints().passed(point)) << point;
  }
}

}  // namespace
}  // namespace lifeguard
