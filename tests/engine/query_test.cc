// The engine's query language and results through the public API.
#include <filesystem>
#include <fstream>

#include "lifeguard/file_system.h"
#include "support/lifecycle_test.h"

namespace lifeguard {
namespace {

using test::kEndlessQuery;

class QueryTest : public ::testing::Test {
 protected:
  std::unique_ptr<QueryResult> run(std::string_view sql, Connection* connection = nullptr) {
    return (connection ? connection : &conn_)->query(sql);
  }
  std::int64_t scalar(std::string_view sql, Connection* connection = nullptr) {
    auto result = run(sql, connection);
    EXPECT_TRUE(result->isSuccess()) << result->status().toString();
    EXPECT_TRUE(result->hasNext());
    return std::get<std::int64_t>(result->getNext().at(0));
  }
  void ok(std::string_view sql, Connection* connection = nullptr) {
    auto result = run(sql, connection);
    ASSERT_TRUE(result->isSuccess()) << sql << ": " << result->status().toString();
  }
  std::string writeFile(const std::string& name, const std::string& contents) {
    auto path = std::filesystem::path(::testing::TempDir()) /
                (std::to_string(::getpid()) + "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name() +
                 "_" + name);
    std::ofstream(path) << contents;
    files_.push_back(path);
    return path.string();
  }
  void TearDown() override {
    for (const auto& file : files_) std::filesystem::remove(file);
  }

  Database db_;
  Connection conn_{&db_};
  std::vector<std::filesystem::path> files_;
};

TEST_F(QueryTest, CreateInsertScanAndCount) {
  ok("CREATE TABLE t(a INT64, b STRING)");
  ok("INSERT INTO t VALUES (1, 'one'), (2, 'it''s'), (-3, '')");
  EXPECT_EQ(scalar("SELECT count(*) FROM t"), 3);
  auto result = run("SELECT * FROM t");
  ASSERT_TRUE(result->isSuccess());
  EXPECT_EQ(result->getColumnNames(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(result->getNumTuples(), 3u);
  EXPECT_EQ(result->toString(), "1|'one'\n2|'it''s'\n-3|''\n");
  EXPECT_FALSE(result->hasNext());
  EXPECT_EQ(run("SELECT * FROM t LIMIT 2")->getNumTuples(), 2u);
  EXPECT_EQ(run("SELECT * FROM t LIMIT 0")->getNumTuples(), 0u);
}

TEST_F(QueryTest, GetNextPastTheEndIsAClearError) {
  auto result = run("SELECT sum(x) FROM range(0, 3)");
  EXPECT_EQ(result->getNext(), Row{std::int64_t{3}});
  try {
    result->getNext();
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInvalidUse);
  }
  result->resetIterator();
  EXPECT_TRUE(result->hasNext());
}

TEST_F(QueryTest, RangeSumSpansManyMorselsAndWraps) {
  EXPECT_EQ(scalar("SELECT sum(x) FROM range(0, 1000)"), 499500);
  EXPECT_EQ(scalar("SELECT sum(x) FROM range(0, 1000000)"), 499999500000);
  EXPECT_EQ(scalar("SELECT sum(x) FROM range(-5, 5)"), -5);
  EXPECT_EQ(scalar("SELECT sum(x) FROM range(7, 3)"), 0);
}

TEST_F(QueryTest, ScanKeepsInsertionOrderAcrossChunks) {
  ok("CREATE TABLE t(a INT64)");
  std::string insert = "INSERT INTO t VALUES (0)";
  for (int i = 1; i < 5000; ++i) insert += ", (" + std::to_string(i) + ")";
  ok(insert);
  auto result = run("SELECT * FROM t");
  ASSERT_EQ(result->getNumTuples(), 5000u);
  for (std::int64_t i = 0; i < 5000; ++i) ASSERT_EQ(result->getNext(), Row{i});
  EXPECT_EQ(run("SELECT * FROM t LIMIT 2049")->getNumTuples(), 2049u);
}

TEST_F(QueryTest, MultiStatementQueryYieldsAChain) {
  auto result = run("CREATE TABLE t(a INT64); INSERT INTO t VALUES (1), (2); SELECT count(*) FROM t;");
  ASSERT_TRUE(result->isSuccess());
  QueryResult* second = result->getNextQueryResult();
  ASSERT_NE(second, nullptr);
  QueryResult* third = second->getNextQueryResult();
  ASSERT_NE(third, nullptr);
  EXPECT_EQ(third->getNext(), Row{std::int64_t{2}});
  EXPECT_FALSE(third->hasNextQueryResult());
}

TEST_F(QueryTest, ChainStopsAtTheFirstError) {
  auto result = run("SELECT sum(x) FROM range(0, 2); SELECT count(*) FROM missing; SELECT sum(x) FROM range(0, 2)");
  ASSERT_TRUE(result->isSuccess());
  QueryResult* failed = result->getNextQueryResult();
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->status().code(), ErrorCode::kBindError);
  EXPECT_EQ(failed->getErrorMessage(), "table 'missing' does not exist");
  EXPECT_FALSE(failed->hasNextQueryResult());
}

TEST_F(QueryTest, ParseErrorsSayWhere) {
  auto result = run("SELECT sum(x) FROM range(0, 2);\nINSERT INTO t VALUE (1)");
  EXPECT_EQ(result->status().code(), ErrorCode::kParseError);
  EXPECT_EQ(result->getErrorMessage(), "line 2, column 15: expected VALUES but found 'VALUE'");
  EXPECT_EQ(run("SELECT 'open")->status().code(), ErrorCode::kParseError);
  EXPECT_EQ(run("SELECT * FROM t LIMIT -1")->getErrorMessage(),
            "line 1, column 23: expected an integer >= 0 but found '-1'");
  EXPECT_TRUE(run("  ;; ")->isSuccess());
}

TEST_F(QueryTest, BindErrorsAreTyped) {
  ok("CREATE TABLE t(a INT64, b STRING)");
  EXPECT_EQ(run("CREATE TABLE t(a INT64)")->getErrorMessage(), "table 't' already exists");
  EXPECT_EQ(run("CREATE TABLE u(a INT64, a STRING)")->getErrorMessage(), "duplicate column 'a'");
  EXPECT_EQ(run("INSERT INTO t VALUES (1)")->getErrorMessage(), "row 1 has 1 values but table 't' has 2 columns");
  EXPECT_EQ(run("INSERT INTO t VALUES ('x', 'y')")->getErrorMessage(), "row 1: column a expects INT64 but got 'x'");
  EXPECT_EQ(run("INSERT INTO t VALUES ('x', 'y')")->status().code(), ErrorCode::kBindError);
  EXPECT_EQ(scalar("SELECT count(*) FROM t"), 0);
}

TEST_F(QueryTest, CopyLoadsEveryRowInOrder) {
  ok("CREATE TABLE t(a INT64, b STRING)");
  std::string csv = "a,b\n";
  for (int i = 0; i < 20000; ++i) csv += std::to_string(i) + ",\"v," + std::to_string(i) + "\"\r\n";
  auto result = run("COPY t FROM '" + writeFile("rows.csv", csv) + "' (HEADER)");
  ASSERT_TRUE(result->isSuccess()) << result->status().toString();
  EXPECT_EQ(result->getNext(), Row{std::int64_t{20000}});
  auto rows = run("SELECT * FROM t");
  for (std::int64_t i = 0; i < 20000; ++i) {
    ASSERT_EQ(rows->getNext(), (Row{i, "v," + std::to_string(i)}));
  }
}

TEST_F(QueryTest, CopyWithABadRowLoadsNothingAndNamesTheLine) {
  ok("CREATE TABLE t(a INT64, b STRING)");
  ok("INSERT INTO t VALUES (1, 'kept')");
  std::string csv;
  for (int i = 0; i < 9000; ++i) csv += std::to_string(i) + ",x\n";
  csv += "oops,x\n";
  for (int i = 0; i < 9000; ++i) csv += std::to_string(i) + ",x\n";
  auto result = run("COPY t FROM '" + writeFile("bad.csv", csv) + "'");
  EXPECT_EQ(result->status().code(), ErrorCode::kCopyError);
  EXPECT_EQ(result->getErrorMessage(), "COPY t failed at line 9001: 'oops' is not an INT64 (column a)");
  EXPECT_EQ(scalar("SELECT count(*) FROM t"), 1);
  auto short_row = run("COPY t FROM '" + writeFile("short.csv", "1,a\n2\n") + "'");
  EXPECT_EQ(short_row->getErrorMessage(), "COPY t failed at line 2: expected 2 values but found 1");
}

// What COPY of `csv` (with a header line) into t(a INT64, b STRING) answers,
// and then the table, with COPY buffers of `buffer_bytes`.
std::string copyOutcome(const std::string& csv, std::size_t buffer_bytes) {
  auto files = memoryFileSystem();
  std::unique_ptr<WritableFile> file;
  EXPECT_TRUE(files->openWritable("/in.csv", true, &file).isOk());
  EXPECT_TRUE(file->append(csv).isOk());
  Options options;
  options.file_system = files;
  options.copy_buffer_bytes = buffer_bytes;
  Database db(":memory:", options);
  Connection conn(&db);
  EXPECT_TRUE(conn.query("CREATE TABLE t(a INT64, b STRING)")->isSuccess());
  auto copy = conn.query("COPY t FROM '/in.csv' (HEADER)");
  return (copy->isSuccess() ? copy->toString() : copy->getErrorMessage()) + "--\n" +
         conn.query("SELECT * FROM t")->toString();
}

// The workers parse the buffers in parallel: how the file is split must not
// change the rows loaded, their order, or the line an error names.
TEST(CopyBufferTest, TheBufferSizeChangesNeitherTheRowsNorTheLineAnErrorNames) {
  std::string rows = "a,b\n";
  for (int i = 0; i < 300; ++i) rows += std::to_string(i) + (i % 7 ? ",v\n" : ",\"x,\"\"y\"\"\"\r\n\n");
  std::string two_bad = rows;
  two_bad.replace(two_bad.find("\n150,"), 6, "\n150x,");  // the first bad line
  two_bad.replace(two_bad.find("\n160,"), 6, "\n160,1,");
  std::string long_line = "a,b\n1," + std::string(5000, 'z') + "\n2,short\n3\n";
  const std::pair<std::string, std::string> cases[] = {
      {rows, "300\n--\n"}, {two_bad, "at line 174: '150x' is not an INT64"}, {long_line, "at line 4: expected 2"}};
  for (const auto& [csv, expected] : cases) {
    std::string whole = copyOutcome(csv, 64 * 1024);
    EXPECT_NE(whole.find(expected), std::string::npos) << whole.substr(0, 200);
    for (std::size_t bytes : {1, 5, 64, 1000}) {
      EXPECT_EQ(copyOutcome(csv, bytes), whole) << bytes << "-byte buffers";
    }
  }
}

TEST(CopyBufferTest, AZeroBufferSizeIsRefused) {
  Options options;
  options.copy_buffer_bytes = 0;
  EXPECT_THROW(Database(":memory:", options), Error);
}

TEST_F(QueryTest, CopyOfAMissingFileIsACopyError) {
  ok("CREATE TABLE t(a INT64)");
  auto result = run("COPY t FROM '/nonexistent/lifeguard.csv'");
  EXPECT_EQ(result->status().code(), ErrorCode::kCopyError);
  EXPECT_EQ(result->getErrorMessage(), "cannot open '/nonexistent/lifeguard.csv': No such file or directory");
}

TEST_F(QueryTest, ManualTransactionIsIsolatedUntilCommit) {
  Connection other(&db_);
  ok("CREATE TABLE t(a INT64)");
  ok("BEGIN TRANSACTION; INSERT INTO t VALUES (1)");
  EXPECT_EQ(scalar("SELECT count(*) FROM t"), 1);
  EXPECT_EQ(scalar("SELECT count(*) FROM t", &other), 0);
  ok("COMMIT");
  EXPECT_EQ(scalar("SELECT count(*) FROM t", &other), 1);
  ok("BEGIN; CREATE TABLE u(a INT64); INSERT INTO u VALUES (5); ROLLBACK");
  EXPECT_EQ(run("SELECT count(*) FROM u")->status().code(), ErrorCode::kBindError);
  EXPECT_EQ(run("COMMIT")->getErrorMessage(), "no transaction is open");
}

TEST_F(QueryTest, FailedStatementEndsTheManualTransaction) {
  ok("CREATE TABLE t(a INT64)");
  ok("BEGIN; INSERT INTO t VALUES (1)");
  EXPECT_FALSE(run("INSERT INTO t VALUES ('x')")->isSuccess());
  EXPECT_EQ(run("COMMIT")->status().code(), ErrorCode::kBindError);
  EXPECT_EQ(scalar("SELECT count(*) FROM t"), 0);
}

TEST_F(QueryTest, SecondWriterFailsAtOnceWithTheExactMessage) {
  Connection other(&db_);
  ok("CREATE TABLE t(a INT64)");
  ok("BEGIN");
  auto conflict = run("INSERT INTO t VALUES (2)", &other);
  EXPECT_EQ(conflict->status().code(), ErrorCode::kTransactionConflict);
  EXPECT_EQ(conflict->getErrorMessage(), "Only one write transaction at a time");
  EXPECT_EQ(run("BEGIN", &other)->getErrorMessage(), "Only one write transaction at a time");
  EXPECT_EQ(scalar("SELECT count(*) FROM t", &other), 0);  // readers are not blocked
  ok("ROLLBACK");
  ok("INSERT INTO t VALUES (2)", &other);
}

TEST_F(QueryTest, TimeoutEndsAnEndlessQuery) {
  conn_.setQueryTimeout(20);
  auto result = run(kEndlessQuery);
  EXPECT_EQ(result->status().code(), ErrorCode::kTimeout);
  conn_.setQueryTimeout(0);
  EXPECT_EQ(scalar("SELECT sum(x) FROM range(0, 4)"), 6);
}

TEST_F(QueryTest, PreparedStatementsBelongToTheirConnection) {
  ok("CREATE TABLE t(a INT64)");
  auto insert = conn_.prepare("INSERT INTO t VALUES (7)");
  ASSERT_TRUE(insert->isSuccess());
  ok("SELECT count(*) FROM t");
  EXPECT_TRUE(conn_.execute(insert.get())->isSuccess());
  EXPECT_EQ(scalar("SELECT count(*) FROM t"), 1);
  Connection other(&db_);
  auto foreign = other.execute(insert.get());
  EXPECT_EQ(foreign->status().code(), ErrorCode::kInvalidUse);
  EXPECT_EQ(foreign->getErrorMessage(), "prepared statement belongs to another connection");
  EXPECT_EQ(conn_.prepare("BEGIN; COMMIT")->status().code(), ErrorCode::kParseError);
  auto broken = conn_.prepare("SELEC");
  EXPECT_EQ(conn_.execute(broken.get())->status().code(), ErrorCode::kParseError);
}

TEST_F(QueryTest, ClosedConnectionAndDatabaseAnswerWithClearErrors) {
  ASSERT_TRUE(conn_.close().isOk());
  EXPECT_TRUE(conn_.isClosed());
  auto closed = run("SELECT sum(x) FROM range(0, 1)");
  EXPECT_EQ(closed->status().code(), ErrorCode::kConnectionClosed);
  EXPECT_EQ(closed->getErrorMessage(), "connection is closed");
  conn_.interrupt();  // no-ops, not crashes
  conn_.setQueryTimeout(5);
  EXPECT_TRUE(conn_.close().isOk());
  ASSERT_TRUE(db_.close().isOk());
  EXPECT_TRUE(db_.isClosed());
  try {
    Connection late(&db_);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kDatabaseClosed);
    EXPECT_STREQ(error.what(), "DatabaseClosed: database is closed");
  }
}

TEST_F(QueryTest, ProbeSeesAQuietEngineAfterWork) {
  ok("CREATE TABLE t(a INT64); INSERT INTO t VALUES (1), (2)");
  {
    auto held = run("SELECT * FROM t");
    EXPECT_GT(testing::probe(db_).pages_in_use, 0u);
  }
  auto probe = testing::probe(db_);
  EXPECT_FALSE(probe.closed);
  EXPECT_EQ(probe.active_queries, 0u);
  EXPECT_EQ(probe.live_transactions, 0u);
  EXPECT_EQ(probe.busy_workers, 0u);
  EXPECT_EQ(probe.queued_tasks, 0u);
  EXPECT_EQ(probe.pages_in_use, 0u);
  ok("BEGIN");
  EXPECT_EQ(testing::probe(db_).live_transactions, 1u);
}

TEST(DatabaseTest, RejectsZeroThreadsClearly) {
  Options options;
  options.num_threads = 0;
  EXPECT_THROW(Database(":memory:", options), Error);
}

TEST(DatabaseTest, ManyConnectionsShareTheWorkers) {
  Database db;
  ASSERT_TRUE(Connection(&db).query("CREATE TABLE t(a INT64)")->isSuccess());
  std::vector<std::thread> clients;
  std::atomic<int> inserted{0};
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&db, &inserted, c] {
      Connection conn(&db);
      for (int i = 0; i < 50; ++i) {
        auto result = conn.query(c % 2 ? "SELECT count(*) FROM t" : "INSERT INTO t VALUES (1)");
        if (result->isSuccess() && c % 2 == 0) inserted.fetch_add(1);
        if (!result->isSuccess()) {
          EXPECT_EQ(result->status().code(), ErrorCode::kTransactionConflict);
        }
      }
    });
  }
  for (auto& client : clients) client.join();
  auto count = Connection(&db).query("SELECT count(*) FROM t");
  EXPECT_EQ(count->getNext(), Row{std::int64_t{inserted.load()}});
}

}  // namespace
}  // namespace lifeguard
