// On-disk databases: WAL replay, checkpoint, torn tail, corruption, fault
// knobs, and what a failed fsync leaves behind.
#include <filesystem>

#include "lifeguard/file_system.h"
#include "support/lifecycle_test.h"

namespace lifeguard {
namespace {

constexpr const char* kDir = "/db";

Options onFileSystem(std::shared_ptr<FileSystem> fs, TeardownPolicy policy = TeardownPolicy::kComplete) {
  Options options;
  options.policy = policy;
  options.file_system = std::move(fs);
  return options;
}

std::int64_t count(Connection& conn, const std::string& table = "t") {
  auto result = conn.query("SELECT count(*) FROM " + table);
  EXPECT_TRUE(result->isSuccess()) << result->status().toString();
  return result->isSuccess() ? std::get<std::int64_t>(result->getNext()[0]) : -1;
}

std::string fileOf(FileSystem& fs, const std::string& name) {
  std::string contents;
  EXPECT_TRUE(fs.readFile(std::string(kDir) + "/" + name, &contents).isOk());
  return contents;
}

// The files as a crash would leave them: copied while the database is open.
std::shared_ptr<FileSystem> crashCopy(FileSystem& fs, const std::string& wal_override = "") {
  auto copy = memoryFileSystem();
  EXPECT_TRUE(copy->createDirectories(kDir).isOk());
  for (const char* name : {"data", "wal"}) {
    std::string path = std::string(kDir) + "/" + name, contents;
    if (!fs.exists(path)) continue;
    contents = (name == std::string("wal") && !wal_override.empty()) ? wal_override : fileOf(fs, name);
    std::unique_ptr<WritableFile> file;
    EXPECT_TRUE(copy->openWritable(path, true, &file).isOk());
    EXPECT_TRUE(file->append(contents).isOk());
    EXPECT_TRUE(file->close().isOk());
  }
  return copy;
}

class DurabilityTest : public ::testing::Test {
 protected:
  std::shared_ptr<FileSystem> fs_ = memoryFileSystem();
};

TEST_F(DurabilityTest, CommittedTransactionsSurviveACrashThroughTheWal) {
  Database db(kDir, onFileSystem(fs_));
  Connection conn(&db);
  ASSERT_TRUE(conn.query("CREATE TABLE t(a INT64, b STRING); INSERT INTO t VALUES (1, 'x'), (2, 'y')")->isSuccess());
  ASSERT_TRUE(conn.query("BEGIN; INSERT INTO t VALUES (3, 'z'); COMMIT")->isSuccess());
  ASSERT_TRUE(conn.query("BEGIN; INSERT INTO t VALUES (4, 'lost')")->isSuccess());  // never committed
  Database recovered(kDir, onFileSystem(crashCopy(*fs_)));
  EXPECT_EQ(recovered.recoveryWarning(), "");
  Connection reader(&recovered);
  EXPECT_EQ(reader.query("SELECT * FROM t")->toString(), "1|'x'\n2|'y'\n3|'z'\n");
}

TEST_F(DurabilityTest, CheckpointAndCloseFoldTheWalIntoTheDataFile) {
  {
    Database db(kDir, onFileSystem(fs_));
    Connection conn(&db);
    ASSERT_TRUE(conn.query("CREATE TABLE t(a INT64, b STRING); INSERT INTO t VALUES (1, 'x')")->isSuccess());
    EXPECT_GT(fileOf(*fs_, "wal").size(), 0u);
    ASSERT_TRUE(conn.query("CHECKPOINT")->isSuccess());
    EXPECT_EQ(fileOf(*fs_, "wal").size(), 0u);
    ASSERT_TRUE(conn.query("INSERT INTO t VALUES (2, 'y')")->isSuccess());
  }  // close checkpoints again
  EXPECT_EQ(fileOf(*fs_, "wal").size(), 0u);
  Database reopened(kDir, onFileSystem(fs_));
  Connection conn(&reopened);
  EXPECT_EQ(count(conn), 2);
  ASSERT_TRUE(conn.query("INSERT INTO t VALUES (3, 'z')")->isSuccess());  // writable after reopen
}

TEST_F(DurabilityTest, TornTailIsDiscardedWithAWarning) {
  Database db(kDir, onFileSystem(fs_));
  Connection conn(&db);
  ASSERT_TRUE(conn.query("CREATE TABLE t(a INT64, b STRING)")->isSuccess());
  ASSERT_TRUE(conn.query("INSERT INTO t VALUES (1, 'kept')")->isSuccess());
  std::size_t before = fileOf(*fs_, "wal").size();
  ASSERT_TRUE(conn.query("INSERT INTO t VALUES (2, 'torn')")->isSuccess());
  std::string wal = fileOf(*fs_, "wal");
  for (std::size_t cut : {before + 3, wal.size() - 1}) {  // a cut header, a cut payload
    Database recovered(kDir, onFileSystem(crashCopy(*fs_, wal.substr(0, cut))));
    EXPECT_NE(recovered.recoveryWarning().find("discarded a torn tail"), std::string::npos);
    Connection reader(&recovered);
    EXPECT_EQ(reader.query("SELECT * FROM t")->toString(), "1|'kept'\n");
    ASSERT_TRUE(reader.query("INSERT INTO t VALUES (3, 'after')")->isSuccess());
  }
}

TEST_F(DurabilityTest, CorruptionBeforeTheTailIsAClearError) {
  Database db(kDir, onFileSystem(fs_));
  Connection conn(&db);
  ASSERT_TRUE(conn.query("CREATE TABLE t(a INT64, b STRING)")->isSuccess());
  ASSERT_TRUE(conn.query("INSERT INTO t VALUES (1, 'x')")->isSuccess());
  std::string wal = fileOf(*fs_, "wal");
  wal[10] = static_cast<char>(wal[10] ^ 0x5a);  // inside record 1, record 2 follows
  try {
    Database broken(kDir, onFileSystem(crashCopy(*fs_, wal)));
    FAIL() << "opened a corrupt database";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kIOError);
    EXPECT_NE(std::string(error.what()).find("/db/wal is corrupt at offset 0 (record 1)"), std::string::npos)
        << error.what();
  }
}

// Each fault knob: the failing commit answers IOError, the database then
// refuses writes and keeps serving reads; after a reopen it writes again.
TEST_F(DurabilityTest, WriteAndSyncFaultsMakeTheDatabaseReadOnlyUntilReopened) {
  for (bool sync_fault : {false, true}) {
    auto base = memoryFileSystem();
    auto faulty = std::make_shared<FaultInjectingFileSystem>(base, FaultOptions{});
    {
      Database db(kDir, onFileSystem(faulty));
      Connection conn(&db);
      ASSERT_TRUE(conn.query("CREATE TABLE t(a INT64, b STRING); INSERT INTO t VALUES (1, 'x')")->isSuccess());
      faulty->setOptions(sync_fault ? FaultOptions{.sync_fault_one_in = 1} : FaultOptions{.write_fault_one_in = 1});
      auto failed = conn.query("INSERT INTO t VALUES (2, 'y')");
      EXPECT_EQ(failed->status().code(), ErrorCode::kIOError);
      EXPECT_NE(failed->getErrorMessage().find(sync_fault ? "injected sync fault" : "injected write fault"),
                std::string::npos);
      faulty->setOptions({});  // even with the disk healthy again
      auto refused = conn.query("INSERT INTO t VALUES (3, 'z')");
      EXPECT_EQ(refused->status().code(), ErrorCode::kIOError);
      EXPECT_NE(refused->getErrorMessage().find("refuses writes until it is reopened"), std::string::npos);
      EXPECT_EQ(count(conn), 1);  // reads keep working
    }
    Database reopened(kDir, onFileSystem(base));
    Connection conn(&reopened);
    // A failed write never reached the log. A failed fsync leaves the record
    // in the file, which is why that answer says the commit is in doubt.
    if (sync_fault) {
      EXPECT_TRUE(count(conn) == 1 || count(conn) == 2);
    } else {
      EXPECT_EQ(count(conn), 1);
    }
    EXPECT_TRUE(conn.query("INSERT INTO t VALUES (4, 'w')")->isSuccess());
  }
}

TEST_F(DurabilityTest, ReadFaultOnOpenIsAClearError) {
  { Database db(kDir, onFileSystem(fs_)); Connection(&db).query("CREATE TABLE t(a INT64)"); }
  auto faulty = std::make_shared<FaultInjectingFileSystem>(fs_, FaultOptions{.read_fault_one_in = 1});
  try {
    Database db(kDir, onFileSystem(faulty));
    FAIL() << "opened through a failing read";
  } catch (const Error& error) {
    EXPECT_EQ(error.status().toString(), "IOError: injected read fault on '/db/data'");
  }
}

TEST_F(DurabilityTest, PowerCutKeepsExactlyTheCommittedTransactions) {
  auto faulty = std::make_shared<FaultInjectingFileSystem>(fs_, FaultOptions{});
  Database db(kDir, onFileSystem(faulty));
  Connection conn(&db);
  ASSERT_TRUE(conn.query("CREATE TABLE t(a INT64, b STRING); INSERT INTO t VALUES (1, 'x')")->isSuccess());
  ASSERT_TRUE(conn.query("BEGIN; INSERT INTO t VALUES (2, 'open')")->isSuccess());
  faulty->dropUnsyncedData();  // the power goes; the open transaction was never logged
  Database recovered(kDir, onFileSystem(crashCopy(*fs_)));
  Connection reader(&recovered);
  EXPECT_EQ(reader.query("SELECT * FROM t")->toString(), "1|'x'\n");
}

TEST_F(DurabilityTest, OnDiskPathsUseTheRealFileSystemByDefault) {
  auto dir = std::filesystem::path(::testing::TempDir()) / ("lg_db_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  {
    Database db(dir.string());
    ASSERT_TRUE(Connection(&db).query("CREATE TABLE t(a INT64, b STRING); INSERT INTO t VALUES (7, 's')")->isSuccess());
  }
  EXPECT_TRUE(std::filesystem::exists(dir / "data"));
  {
    Database reopened(dir.string());
    Connection conn(&reopened);
    EXPECT_EQ(count(conn), 1);
  }
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace lifeguard
