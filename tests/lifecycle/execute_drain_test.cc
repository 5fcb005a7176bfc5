// kExecuteDrain is the published fix: it closes the window inside execute()
// and leaves the others open. These tests show both halves.
#include <chrono>

#include "lifecycle/scenarios.h"

namespace lifeguard {
namespace {

using namespace test;

class ExecuteDrainLifecycleTest : public SyncPointTest {};

constexpr TeardownPolicy kExecuteDrain = TeardownPolicy::kExecuteDrain;

// The fix works where it applies: close waits until the query has left
// execute(), so the workers are done before the context could go. (The close
// is then held until the query thread returns, because the commit that
// follows execute() is the next window, tested below.)
TEST_F(ExecuteDrainLifecycleTest, CloseDuringExecuteWaitsForTheWorkers) {
  Database db(":memory:", optionsFor(kExecuteDrain));
  auto conn = std::make_unique<Connection>(&db);
  holdAt("Task::batch", "Connection::close:before_drain");
  bool workers_done_at_drain = false;
  syncPoints().loadDependencies({{"Test::query_returned", "Test::close_may_free"}});
  syncPoints().setCallback("Connection::close:after_drain", [&](void*) {
    workers_done_at_drain = syncPoints().passed("Task::before_finalize");
    syncPoints().process("Test::close_may_free");
  });
  Status status;
  std::thread query([&] {
    status = conn->query("SELECT sum(x) FROM range(0, 1048576)")->status();
    syncPoints().process("Test::query_returned");
  });
  awaitPoint("Task::batch:held");
  returnsWithin(std::chrono::seconds(60), "close during execute", [&] { return conn->close(); });
  query.join();
  EXPECT_TRUE(status.isOk()) << status.toString();
  EXPECT_TRUE(workers_done_at_drain);
}

// Residual race 1: parse/bind runs before the bracket.
TEST_F(ExecuteDrainLifecycleTest, CloseDuringBindIsHeapUseAfterFree) {
  LG_EXPECT_ASAN_REPORT(closeConnectionWhileHeldAt(kExecuteDrain, "", "SELECT sum(x) FROM range(0, 10)",
                                                   "ClientContext::parse_bind", "Connection::close:done"),
                        "heap-use-after-free");
}

// Residual race 2: commit runs after the bracket.
TEST_F(ExecuteDrainLifecycleTest, CloseBeforeCommitIsHeapUseAfterFree) {
  LG_EXPECT_ASAN_REPORT(
      closeConnectionWhileHeldAt(kExecuteDrain, "CREATE TABLE t(a INT64)", "INSERT INTO t VALUES (1)",
                                 "ClientContext::after_execute_before_commit", "Connection::close:done"),
      "heap-use-after-free");
}

// Residual race 3: database close is unchanged from 0.11.x.
TEST_F(ExecuteDrainLifecycleTest, CloseDatabaseDuringQueryIsHeapUseAfterFree) {
  LG_EXPECT_ASAN_REPORT(closeDatabaseWhileWorkersRun(kExecuteDrain, "Database::close:before_join"),
                        "heap-use-after-free");
}

// The follow-up incident: close skips the rollback, the later database close
// waits out its checkpoint timeout.
TEST_F(ExecuteDrainLifecycleTest, OpenTransactionAtCloseStallsDatabaseClose) {
  leakedTransactionStallsDatabaseClose(kExecuteDrain);
}


// The published fix waits for a COPY inside execute(), but its commit comes
// after: a close there frees the context under the commit.
TEST_F(ExecuteDrainLifecycleTest, CloseBeforeCopyCommitOnDiskIsHeapUseAfterFree) {
  LG_EXPECT_ASAN_REPORT(closeDuringCopyOnDisk(kExecuteDrain, false, "Connection::close:done",
                                              "ClientContext::after_execute_before_commit"),
                        "heap-use-after-free");
}

}  // namespace
}  // namespace lifeguard
