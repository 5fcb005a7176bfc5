// Lifecycle scenarios shared by the per-policy tests: each forces one
// dangerous interleaving with sync points. Under kLegacy (and, where the
// published fix leaves a window, kExecuteDrain) they end in a use-after-free
// that AddressSanitizer reports; the death tests run them in a child process.
#pragma once

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "lifeguard/file_system.h"
#include "support/lifecycle_test.h"

namespace lifeguard::test {

// The test process that owns the files this test writes. A threadsafe death
// test's child runs the test body again and dies inside it, so the child must
// name (and write) the same file as its parent, which removes it once: the
// parent's pid goes to the child through the environment.
inline std::string fileOwnerPid() {
  constexpr const char* kVariable = "LIFEGUARD_TEST_FILE_OWNER";
  if (const char* owner = std::getenv(kVariable)) return owner;
  std::string pid = std::to_string(::getpid());
  ::setenv(kVariable, pid.c_str(), 0);
  return pid;
}

// Writes 0..rows-1, one per line, to a file the caller removes.
inline std::string writeNumbersCsv(const std::string& name, int rows) {
  auto path = std::filesystem::path(::testing::TempDir()) / ("lifeguard_test_" + fileOwnerPid() + "_" + name);
  std::ofstream out(path);
  for (int i = 0; i < rows; ++i) out << i << "\n";
  return path.string();
}

// Runs `sql` on a thread, holds it at `point` until `release` has been passed,
// and closes the connection meanwhile. Returns the query's status.
inline Status closeConnectionWhileHeldAt(TeardownPolicy policy, const std::string& setup_sql, const std::string& sql,
                                         const std::string& point, const std::string& release) {
  Database db(":memory:", optionsFor(policy));
  auto conn = std::make_unique<Connection>(&db);
  if (!setup_sql.empty() && !conn->query(setup_sql)->isSuccess()) return Status(ErrorCode::kInternal, "setup");
  holdAt(point, release);
  Status status;
  std::thread query([&] { status = conn->query(sql)->status(); });
  awaitPoint(point + ":held");
  (void)conn->close();
  query.join();
  return status;
}

// H3: the database closes while a (finite) query's workers are held at a batch.
inline void closeDatabaseWhileWorkersRun(TeardownPolicy policy, const std::string& release) {
  Database db(":memory:", optionsFor(policy));
  Connection conn(&db);
  holdAt("Task::batch", release);
  std::thread query([&] { (void)conn.query("SELECT sum(x) FROM range(0, 1048576)"); });
  awaitPoint("Task::batch:held");
  (void)db.close();
  query.join();
}

// H4: a connection with an open write transaction is closed, then the
// database. Checks that the leaked writer blocks another writer, and that the
// database close waited out its checkpoint (200 ms).
inline void leakedTransactionStallsDatabaseClose(TeardownPolicy policy) {
  Options options = optionsFor(policy);
  options.checkpoint_wait_ms = 200;
  Database db(":memory:", options);
  Connection other(&db);
  {
    Connection conn(&db);
    ASSERT_TRUE(conn.query("CREATE TABLE t(a INT64); BEGIN; INSERT INTO t VALUES (1)")->isSuccess());
  }
  EXPECT_EQ(other.query("INSERT INTO t VALUES (2)")->getErrorMessage(), kWriteConflictMessage);
  EXPECT_EQ(testing::probe(db).live_transactions, 1u);
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(db.close().isOk());
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(200));
}

// H6: the second result of a chain is read after the database closed.
inline void readLaterResultAfterDatabaseClose(TeardownPolicy policy) {
  Database db(":memory:", optionsFor(policy));
  Connection conn(&db);
  auto chain = conn.query("SELECT sum(x) FROM range(0, 3); SELECT sum(x) FROM range(0, 4)");
  (void)db.close();
  try {
    chain->getNextQueryResult()->getNext();
  } catch (const Error&) {
  }
}


// Closes the connection (or, with `close_database`, the database) while a
// COPY of 3000 rows into an on-disk database is held at `point` (default:
// inside finalize) until `release`, then reopens and returns {the COPY's
// answer, the rows on disk}.
inline std::pair<Status, std::int64_t> closeDuringCopyOnDisk(TeardownPolicy policy, bool close_database,
                                                             const std::string& release,
                                                             const std::string& point = "Task::finalize:inside") {
  const int rows = 3000;
  auto fs = memoryFileSystem();
  Options options = optionsFor(policy);
  options.file_system = fs;
  options.checkpoint_wait_ms = 100;
  // COPY reads through the database's file system: the input lives there too.
  const std::string csv = "/input.csv";
  {
    std::unique_ptr<WritableFile> file;
    std::string text;
    for (int i = 0; i < rows; ++i) text += std::to_string(i) + "\n";
    if (!fs->openWritable(csv, true, &file).isOk() || !file->append(text).isOk()) {
      return {Status(ErrorCode::kInternal, "input"), -1};
    }
  }
  Status answer;
  {
    auto db = std::make_unique<Database>("/db", options);
    auto conn = std::make_unique<Connection>(db.get());
    if (!conn->query("CREATE TABLE t(a INT64)")->isSuccess()) return {Status(ErrorCode::kInternal, "setup"), -1};
    holdAt(point, release);
    std::thread copy([&] { answer = conn->query("COPY t FROM '" + csv + "'")->status(); });
    awaitPoint(point + ":held");
    if (close_database) {
      (void)db->close();
    } else {
      (void)conn->close();
    }
    copy.join();
  }
  syncPoints().clear();
  options.policy = TeardownPolicy::kComplete;
  Database reopened("/db", options);
  Connection reader(&reopened);
  auto result = reader.query("SELECT count(*) FROM t");
  return {answer, result->isSuccess() ? std::get<std::int64_t>(result->getNext()[0]) : -1};
}

}  // namespace lifeguard::test
