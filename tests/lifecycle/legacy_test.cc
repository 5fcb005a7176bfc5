// kLegacy keeps the 0.11.x bugs: these tests prove each one is really there,
// as AddressSanitizer reports (death tests, skipped without ASan) or as the
// wrong-but-not-crashing behaviour the real engine shows.
#include <chrono>

#include "lifecycle/scenarios.h"

namespace lifeguard {
namespace {

using namespace test;

class LegacyLifecycleTest : public SyncPointTest {};

constexpr TeardownPolicy kLegacy = TeardownPolicy::kLegacy;

// H1: ~Connection destroys the ClientContext under running workers.
TEST_F(LegacyLifecycleTest, CloseConnectionDuringQueryIsHeapUseAfterFree) {
  LG_EXPECT_ASAN_REPORT(
      closeConnectionWhileHeldAt(kLegacy, "", kEndlessQuery, "Task::batch", "Connection::close:done"),
      "heap-use-after-free");
}

// H1 again, seen by ThreadSanitizer (the tsan configuration), not only ASan.
TEST_F(LegacyLifecycleTest, CloseConnectionDuringQueryIsAThreadSanitizerReport) {
  LG_EXPECT_TSAN_REPORT(
      closeConnectionWhileHeldAt(kLegacy, "", kEndlessQuery, "Task::batch", "Connection::close:done"),
      "ThreadSanitizer");
}

// H2: COPY's finalize() writes through a freed context.
TEST_F(LegacyLifecycleTest, CloseConnectionDuringCopyFinalizeIsHeapUseAfterFree) {
  std::string csv = writeNumbersCsv("legacy_finalize.csv", 100);
  LG_EXPECT_ASAN_REPORT(closeConnectionWhileHeldAt(kLegacy, "CREATE TABLE t(a INT64)", "COPY t FROM '" + csv + "'",
                                                   "Task::finalize:inside", "Connection::close:done"),
                        "heap-use-after-free");
  std::filesystem::remove(csv);
}

// H3: storage, transaction and memory managers are freed before the workers join.
TEST_F(LegacyLifecycleTest, CloseDatabaseDuringQueryIsHeapUseAfterFree) {
  LG_EXPECT_ASAN_REPORT(closeDatabaseWhileWorkersRun(kLegacy, "Database::close:before_join"), "heap-use-after-free");
}

// H6: only the first result of a chain checks the closed flag.
TEST_F(LegacyLifecycleTest, LaterResultOfAChainAfterCloseIsHeapUseAfterFree) {
  LG_EXPECT_ASAN_REPORT(readLaterResultAfterDatabaseClose(kLegacy), "heap-use-after-free");
}

TEST_F(LegacyLifecycleTest, FirstResultOfAChainStillChecksTheFlag) {
  Database db(":memory:", optionsFor(kLegacy));
  Connection conn(&db);
  auto result = conn.query("SELECT sum(x) FROM range(0, 3)");
  ASSERT_TRUE(db.close().isOk());
  EXPECT_THROW(result->getNext(), Error);
}

// H7: a result closed during iteration frees the page being read.
TEST_F(LegacyLifecycleTest, ResultClosedDuringIterationIsHeapUseAfterFree) {
  auto scenario = [] {
    Database db(":memory:", optionsFor(kLegacy));
    Connection conn(&db);
    auto result = conn.query("SELECT sum(x) FROM range(0, 3)");
    syncPoints().setCallback("QueryResult::get_next", [&](void*) { result->close(); });
    result->getNext();
  };
  LG_EXPECT_ASAN_REPORT(scenario(), "heap-use-after-free");
}

// H10: execute() clears the interrupt flag, so an interrupt during bind is lost.
TEST_F(LegacyLifecycleTest, InterruptDuringBindIsLost) {
  Database db(":memory:", optionsFor(kLegacy));
  Connection conn(&db);
  syncPoints().setCallback("ClientContext::parse_bind", [&](void*) { conn.interrupt(); });
  EXPECT_TRUE(conn.query("SELECT sum(x) FROM range(0, 100000)")->isSuccess());
}

// H4: close skips the rollback; the leaked writer blocks other writers and
// stalls the database close's checkpoint until its timeout.
TEST_F(LegacyLifecycleTest, CloseWithOpenTransactionLeaksItAndStallsDatabaseClose) {
  leakedTransactionStallsDatabaseClose(kLegacy);
}


// The durability issue's close-during-COPY under kLegacy: the same crash.
TEST_F(LegacyLifecycleTest, CloseDuringCopyOnDiskIsHeapUseAfterFree) {
  LG_EXPECT_ASAN_REPORT(test::closeDuringCopyOnDisk(TeardownPolicy::kLegacy, false, "Connection::close:done"),
                        "heap-use-after-free");
}

}  // namespace
}  // namespace lifeguard
