// Parser and lexer of the SQL subset (engine internals).
#include <gtest/gtest.h>

#include "lifeguard/status.h"
#include "parser/parser.h"

namespace lifeguard {
namespace {

Statement parseOne(std::string_view sql) {
  auto statements = parseQuery(sql);
  EXPECT_EQ(statements.size(), 1u);
  return statements.at(0);
}

std::string parseError(std::string_view sql) {
  try {
    parseQuery(sql);
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kParseError);
    return error.status().message();
  }
  ADD_FAILURE() << "no parse error for: " << sql;
  return "";
}

TEST(ParserTest, EveryStatementForm) {
  auto create = parseOne("create table Person(id INT64, name string)");
  EXPECT_EQ(create.kind, StatementKind::kCreateTable);
  EXPECT_EQ(create.table, "Person");
  ASSERT_EQ(create.columns.size(), 2u);
  EXPECT_EQ(create.columns[1].type, LogicalType::kString);

  auto insert = parseOne("INSERT INTO t VALUES (1, 'a''b'), (-2, '')");
  ASSERT_EQ(insert.rows.size(), 2u);
  EXPECT_EQ(insert.rows[0][1], Value{"a'b"});
  EXPECT_EQ(insert.rows[1][0], Value{std::int64_t{-2}});
  EXPECT_TRUE(insert.isWrite());

  auto copy = parseOne("COPY t FROM 'x.csv' (HEADER)");
  EXPECT_EQ(copy.path, "x.csv");
  EXPECT_TRUE(copy.header);

  EXPECT_EQ(parseOne("SELECT count(*) FROM t").kind, StatementKind::kCount);
  auto scan = parseOne("SELECT * FROM t LIMIT 5");
  EXPECT_EQ(scan.limit, 5u);
  auto sum = parseOne("SELECT sum(x) FROM range(-3, 9)");
  EXPECT_EQ(sum.range_begin, -3);
  EXPECT_EQ(sum.range_end, 9);
  EXPECT_FALSE(sum.isWrite());
  EXPECT_EQ(parseOne("BEGIN TRANSACTION").kind, StatementKind::kBegin);
  EXPECT_EQ(parseOne("commit").kind, StatementKind::kCommit);
  EXPECT_EQ(parseOne("ROLLBACK;").kind, StatementKind::kRollback);
}

TEST(ParserTest, StatementsKeepTheirPosition) {
  auto statements = parseQuery("BEGIN; -- comment\nCOMMIT");
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_EQ(statements[1].position, 18u);
}

TEST(ParserTest, ErrorsNameLineColumnAndToken) {
  EXPECT_EQ(parseError("DROP TABLE t"),
            "line 1, column 1: expected CREATE, INSERT, COPY, SELECT, BEGIN, COMMIT, ROLLBACK or CHECKPOINT but found 'DROP'");
  EXPECT_EQ(parseError("BEGIN COMMIT"), "line 1, column 7: expected ';' but found 'COMMIT'");
  EXPECT_EQ(parseError("CREATE TABLE t(a FLOAT)"),
            "line 1, column 18: expected a column type (INT64 or STRING) but found 'FLOAT'");
  EXPECT_EQ(parseError("SELECT sum(x) FROM range(0, 99999999999999999999)"),
            "line 1, column 29: integer out of the INT64 range but found '99999999999999999999'");
  EXPECT_EQ(parseError("INSERT INTO t VALUES (1"), "line 1, column 24: expected ')' but found end of input");
  EXPECT_EQ(parseError("SELECT 'x"), "line 1, column 8: unterminated string literal");
  EXPECT_EQ(parseError("SELECT #"), "line 1, column 8: unexpected character '#'");
  EXPECT_EQ(parseError(std::string_view("\x01", 1)), "line 1, column 1: unexpected byte 0x01");
}

}  // namespace
}  // namespace lifeguard
