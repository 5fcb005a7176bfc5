// TransactionManager, Storage and MemoryManager (engine internals).
#include <gtest/gtest.h>

#include "lifeguard/status.h"
#include "memory/memory_manager.h"
#include "transaction/transaction.h"

namespace lifeguard {
namespace {

std::shared_ptr<const Chunk> chunkOf(std::int64_t value) { return std::make_shared<Chunk>(Chunk{{value}}); }

TEST(TransactionManagerTest, OneWriterManyReaders) {
  Storage storage;
  TransactionManager manager(storage);
  Transaction* writer = manager.beginWrite(nullptr);
  Transaction* reader = manager.beginRead(nullptr);
  try {
    manager.beginWrite(nullptr);
    FAIL() << "a second writer must fail";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kTransactionConflict);
    EXPECT_EQ(error.status().message(), kWriteConflictMessage);
  }
  EXPECT_EQ(manager.liveTransactions(), 2u);
  manager.rollback(reader);
  manager.commit(writer);
  EXPECT_EQ(manager.liveTransactions(), 0u);
  manager.rollback(manager.beginWrite(nullptr));
}

TEST(TransactionManagerTest, CommitAppliesInOrderRollbackDrops) {
  Storage storage;
  TransactionManager manager(storage);
  Transaction* writer = manager.beginWrite(nullptr);
  writer->createTable({"t", {{"a", LogicalType::kInt64}}});
  writer->append("t", chunkOf(1));
  EXPECT_NE(writer->pendingTable("t"), nullptr);
  EXPECT_EQ(writer->pendingChunks("t").size(), 1u);
  EXPECT_EQ(storage.find("t"), nullptr);
  manager.commit(writer);
  ASSERT_NE(storage.find("t"), nullptr);
  EXPECT_EQ(countRows(storage.find("t")->snapshot()), 1u);

  Transaction* dropped = manager.beginWrite(nullptr);
  dropped->append("t", chunkOf(2));
  manager.rollback(dropped);
  EXPECT_EQ(countRows(storage.find("t")->snapshot()), 1u);
}

TEST(TransactionManagerTest, CheckpointWaitTimesOutOnAnOpenWriterAndRollbackAllEndsIt) {
  Storage storage;
  TransactionManager manager(storage);
  EXPECT_TRUE(manager.waitForNoWriter(std::chrono::milliseconds(0)));
  manager.beginWrite(nullptr);
  manager.beginRead(nullptr);
  EXPECT_FALSE(manager.waitForNoWriter(std::chrono::milliseconds(1)));
  EXPECT_EQ(manager.rollbackAll(), 2u);
  EXPECT_TRUE(manager.waitForNoWriter(std::chrono::milliseconds(0)));
  EXPECT_EQ(manager.liveTransactions(), 0u);
}

TEST(MemoryManagerTest, CountsPagesAndFreesTheRestOnDestruction) {
  auto memory = std::make_unique<MemoryManager>();
  Page* kept = memory->allocate();
  Page* released = memory->allocate();
  kept->rows.push_back({std::int64_t{1}});
  EXPECT_EQ(memory->pagesInUse(), 2u);
  memory->release(released);
  EXPECT_EQ(memory->pagesInUse(), 1u);
  memory.reset();  // frees `kept` too; LeakSanitizer would report otherwise
}

}  // namespace
}  // namespace lifeguard
