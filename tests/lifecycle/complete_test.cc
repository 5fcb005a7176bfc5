// kComplete: closing a connection or the database at the dangerous moments
// (forced with sync points) never crashes, returns promptly, and leaves every
// handle answering with a clear error. Hazard ids refer to
// shared/design/lifecycle-model.md.
#include <filesystem>
#include <fstream>
#include <mutex>
#include <thread>

#include "lifecycle/scenarios.h"
#include "lifeguard/file_system.h"
#include "support/lifecycle_test.h"

namespace lifeguard {
namespace {

using namespace std::chrono_literals;
using test::awaitPoint;
using test::holdAt;
using test::kEndlessQuery;
using test::returnsWithin;
using test::syncPoints;

class CompleteLifecycleTest : public test::SyncPointTest {
 protected:
  Database db_{":memory:", test::optionsFor(TeardownPolicy::kComplete)};
};

// H1: the connection is closed while its query's workers run.
TEST_F(CompleteLifecycleTest, CloseConnectionDuringQueryInterruptsAndDrains) {
  auto conn = std::make_unique<Connection>(&db_);
  holdAt("Task::batch", "Connection::close:before_drain");
  std::unique_ptr<QueryResult> result;
  std::thread query([&] { result = conn->query(kEndlessQuery); });
  awaitPoint("Task::batch:held");
  EXPECT_TRUE(returnsWithin(30s, "Connection::close", [&] { return conn->close(); }).isOk());
  query.join();
  EXPECT_EQ(result->status().code(), ErrorCode::kInterrupted);
  EXPECT_EQ(conn->query("SELECT count(*) FROM t")->status().code(), ErrorCode::kConnectionClosed);
  auto probe = testing::probe(db_);
  EXPECT_EQ(probe.active_queries, 0u);
  EXPECT_EQ(probe.busy_workers, 0u);
  EXPECT_EQ(probe.live_transactions, 0u);
}

// H1 through the destructor: ~Connection runs close() and waits the same way.
TEST_F(CompleteLifecycleTest, DestroyConnectionDuringQueryWaitsForTheQuery) {
  auto conn = std::make_unique<Connection>(&db_);
  holdAt("Task::batch", "Connection::close:before_drain");
  std::unique_ptr<QueryResult> result;
  std::thread query([&, raw = conn.get()] { result = raw->query(kEndlessQuery); });
  awaitPoint("Task::batch:held");
  returnsWithin(30s, "~Connection", [&] { conn.reset(); });
  query.join();
  EXPECT_EQ(result->status().code(), ErrorCode::kInterrupted);
}

// H2: the connection is closed while COPY's finalize() writes through the context.
TEST_F(CompleteLifecycleTest, CloseConnectionDuringCopyFinalizeKeepsAllOrNothing) {
  auto conn = std::make_unique<Connection>(&db_);
  ASSERT_TRUE(conn->query("CREATE TABLE t(a INT64)")->isSuccess());
  std::string csv = test::writeNumbersCsv("finalize.csv", 5000);
  holdAt("Task::finalize:inside", "Connection::close:before_drain");
  std::unique_ptr<QueryResult> copy;
  std::thread query([&] { copy = conn->query("COPY t FROM '" + csv + "'"); });
  awaitPoint("Task::finalize:inside:held");
  EXPECT_TRUE(returnsWithin(30s, "Connection::close", [&] { return conn->close(); }).isOk());
  query.join();
  Connection check(&db_);
  auto count = std::get<std::int64_t>(check.query("SELECT count(*) FROM t")->getNext()[0]);
  EXPECT_EQ(count, copy->isSuccess() ? 5000 : 0) << copy->status().toString();
  std::filesystem::remove(csv);
}

// H2/H8: a second writer fails, and the application closes the first writer's
// connection in response while its COPY finalizes.
TEST_F(CompleteLifecycleTest, CloseAfterSecondWritersConflictIsSafe) {
  auto writer = std::make_unique<Connection>(&db_);
  Connection second(&db_);
  ASSERT_TRUE(writer->query("CREATE TABLE t(a INT64)")->isSuccess());
  std::string csv = test::writeNumbersCsv("conflict.csv", 3000);
  holdAt("Task::finalize:inside", "Connection::close:before_drain");
  std::unique_ptr<QueryResult> copy;
  std::thread query([&] { copy = writer->query("COPY t FROM '" + csv + "'"); });
  awaitPoint("Task::finalize:inside:held");
  auto conflict = second.query("INSERT INTO t VALUES (1)");
  EXPECT_EQ(conflict->getErrorMessage(), kWriteConflictMessage);
  EXPECT_TRUE(returnsWithin(30s, "Connection::close", [&] { return writer->close(); }).isOk());
  query.join();
  ASSERT_TRUE(second.query("INSERT INTO t VALUES (1)")->isSuccess());  // the writer is gone
  auto count = std::get<std::int64_t>(second.query("SELECT count(*) FROM t")->getNext()[0]);
  EXPECT_EQ(count, copy->isSuccess() ? 3001 : 1);
  std::filesystem::remove(csv);
}

// H3: the database is closed while a query runs; then every handle errors.
TEST_F(CompleteLifecycleTest, CloseDatabaseDuringQueryInterruptsDrainsAndGuardsHandles) {
  Connection conn(&db_);
  ASSERT_TRUE(conn.query("CREATE TABLE t(a INT64); INSERT INTO t VALUES (1), (2)")->isSuccess());
  auto idle_result = conn.query("SELECT * FROM t");
  holdAt("Task::batch", "Database::close:begin");
  std::unique_ptr<QueryResult> result;
  std::thread query([&] { result = conn.query(kEndlessQuery); });
  awaitPoint("Task::batch:held");
  EXPECT_TRUE(returnsWithin(30s, "Database::close", [&] { return db_.close(); }).isOk());
  query.join();
  EXPECT_EQ(result->status().code(), ErrorCode::kInterrupted);
  EXPECT_EQ(conn.query("SELECT count(*) FROM t")->getErrorMessage(), kDatabaseClosedMessage);
  EXPECT_THROW(idle_result->getNext(), Error);
  EXPECT_TRUE(testing::probe(db_).closed);
  EXPECT_TRUE(conn.close().isOk());
}

// H4: closing with an idle connection holding an open transaction rolls it
// back and does not stall on the checkpoint.
TEST_F(CompleteLifecycleTest, CloseDatabaseWithOpenTransactionNeverStalls) {
  Options options = test::optionsFor(TeardownPolicy::kComplete);
  options.checkpoint_wait_ms = 600'000;
  Database db(":memory:", options);
  Connection conn(&db);
  ASSERT_TRUE(conn.query("CREATE TABLE t(a INT64); BEGIN; INSERT INTO t VALUES (1)")->isSuccess());
  EXPECT_TRUE(returnsWithin(30s, "Database::close", [&] { return db.close(); }).isOk());
  EXPECT_EQ(conn.query("COMMIT")->status().code(), ErrorCode::kDatabaseClosed);
}

// H4, connection side: closing a connection rolls its transaction back, so a
// later writer and a later database close are not blocked.
TEST_F(CompleteLifecycleTest, CloseConnectionRollsBackItsTransaction) {
  Connection other(&db_);
  {
    Connection conn(&db_);
    ASSERT_TRUE(conn.query("CREATE TABLE t(a INT64); BEGIN; INSERT INTO t VALUES (1)")->isSuccess());
  }
  ASSERT_TRUE(other.query("INSERT INTO t VALUES (2)")->isSuccess());
  EXPECT_EQ(std::get<std::int64_t>(other.query("SELECT count(*) FROM t")->getNext()[0]), 1);
  EXPECT_EQ(testing::probe(db_).live_transactions, 0u);
}

// H6: every result of a multi-statement chain fails cleanly after close.
TEST_F(CompleteLifecycleTest, EveryResultOfAChainErrorsAfterDatabaseClose) {
  Connection conn(&db_);
  auto chain = conn.query("SELECT sum(x) FROM range(0, 3); SELECT sum(x) FROM range(0, 4); "
                          "SELECT sum(x) FROM range(0, 5)");
  ASSERT_TRUE(db_.close().isOk());
  int results = 0;
  for (QueryResult* result = chain.get(); result != nullptr; result = result->getNextQueryResult()) {
    ++results;
    EXPECT_TRUE(result->isSuccess());
    try {
      result->getNext();
      ADD_FAILURE() << "result " << results << " answered after close";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kDatabaseClosed);
    }
  }
  EXPECT_EQ(results, 3);
}

// H7: a result closed while another thread iterates it.
TEST_F(CompleteLifecycleTest, ResultClosedDuringIterationErrorsNeverCrashes) {
  Connection conn(&db_);
  ASSERT_TRUE(conn.query("CREATE TABLE t(a INT64); INSERT INTO t VALUES (1), (2), (3)")->isSuccess());
  auto result = conn.query("SELECT * FROM t");
  // The iterating thread is inside getNext when the closer starts closing.
  holdAt("QueryResult::get_next", "Test::closing");
  std::thread closer([&] {
    awaitPoint("QueryResult::get_next:held");
    syncPoints().process("Test::closing");
    result->close();
  });
  EXPECT_EQ(result->getNext(), Row{std::int64_t{1}});
  closer.join();
  try {
    result->getNext();
    FAIL() << "iteration went on after close";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInvalidUse);
    EXPECT_STREQ(error.what(), "InvalidUse: result is closed");
  }
}

// H10: an interrupt sent during parse/bind is not lost.
TEST_F(CompleteLifecycleTest, InterruptDuringBindIsNotLost) {
  Connection conn(&db_);
  syncPoints().setCallback("ClientContext::parse_bind", [&](void*) { conn.interrupt(); });
  EXPECT_EQ(conn.query(kEndlessQuery)->status().code(), ErrorCode::kInterrupted);
  syncPoints().clear();
  EXPECT_TRUE(conn.query("SELECT sum(x) FROM range(0, 3)")->isSuccess());  // the next query is not affected
}

// H13: close called from inside the query it would wait for.
TEST_F(CompleteLifecycleTest, CloseFromInsideTheQueryIsAClearError) {
  Connection conn(&db_);
  Status connection_close, database_close_on_worker;
  std::mutex worker_mu;  // every worker of the query runs the callback
  syncPoints().setCallback("QueryProcessor::execute", [&](void*) { connection_close = conn.close(); });
  syncPoints().setCallback("Worker::before_run", [&](void*) {
    Status status = db_.close();
    std::lock_guard<std::mutex> lock(worker_mu);
    database_close_on_worker = status;
  });
  auto result = returnsWithin(30s, "query", [&] { return conn.query("SELECT sum(x) FROM range(0, 3)"); });
  EXPECT_TRUE(result->isSuccess());
  EXPECT_EQ(connection_close.code(), ErrorCode::kInvalidUse);
  EXPECT_EQ(connection_close.message(), "cannot close a connection from inside its own query");
  EXPECT_EQ(database_close_on_worker.code(), ErrorCode::kInvalidUse);
  EXPECT_FALSE(conn.isClosed());
}

// H12: no connection on a closed database.
TEST_F(CompleteLifecycleTest, ConnectionOnAClosedDatabaseThrows) {
  ASSERT_TRUE(db_.close().isOk());
  EXPECT_THROW(Connection conn(&db_), Error);
}

// Close is idempotent and concurrent closers all return.
TEST_F(CompleteLifecycleTest, ConcurrentClosesOfConnectionAndDatabaseAllReturn) {
  auto conn = std::make_unique<Connection>(&db_);
  holdAt("Task::batch", "Connection::close:before_drain");
  std::unique_ptr<QueryResult> result;
  std::thread query([&] { result = conn->query(kEndlessQuery); });
  awaitPoint("Task::batch:held");
  std::thread close_db([&] { EXPECT_TRUE(db_.close().isOk()); });
  std::thread close_conn([&] { EXPECT_TRUE(conn->close().isOk()); });
  returnsWithin(30s, "closes", [&] {
    close_conn.join();
    close_db.join();
    query.join();
  });
  EXPECT_FALSE(result->isSuccess());
  EXPECT_TRUE(conn->close().isOk());
  EXPECT_TRUE(db_.close().isOk());
}


// Durability under close: the COPY is on disk entirely or not at all, and
// its answer says which.
TEST_F(CompleteLifecycleTest, CloseDuringCopyOnDiskKeepsAllOrNothingAndTheAnswerTrue) {
  for (bool close_database : {false, true}) {
    auto [answer, rows] = test::closeDuringCopyOnDisk(TeardownPolicy::kComplete, close_database,
                                                      close_database ? "Database::close:begin"
                                                                     : "Connection::close:before_drain");
    EXPECT_EQ(rows, answer.isOk() ? 3000 : 0) << answer.toString();
  }
}

// H4 on disk: the open transaction is rolled back, close does not stall, and
// nothing of it reaches the disk.
TEST_F(CompleteLifecycleTest, CloseWithOpenTransactionOnDiskRollsBack) {
  auto fs = memoryFileSystem();
  Options options = test::optionsFor(TeardownPolicy::kComplete);
  options.file_system = fs;
  options.checkpoint_wait_ms = 600'000;
  {
    Database db("/db", options);
    Connection conn(&db);
    ASSERT_TRUE(conn.query("CREATE TABLE t(a INT64); BEGIN; INSERT INTO t VALUES (1)")->isSuccess());
    EXPECT_TRUE(returnsWithin(30s, "Database::close", [&] { return db.close(); }).isOk());
  }
  Database reopened("/db", options);
  Connection reader(&reopened);
  EXPECT_EQ(std::get<std::int64_t>(reader.query("SELECT count(*) FROM t")->getNext()[0]), 0);
}

}  // namespace
}  // namespace lifeguard
