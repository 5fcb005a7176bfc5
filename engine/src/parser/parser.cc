#include "parser/parser.h"

#include <charconv>
#include <strings.h>

#include <fmt/format.h>

#include "lifeguard/status.h"
#include "parser/lexer.h"

namespace lifeguard {
namespace {

Statement makeStatement(StatementKind kind) {
  Statement statement;
  statement.kind = kind;
  return statement;
}

// Recursive-descent parser over the token list; one method per statement form.
class Parser {
 public:
  explicit Parser(std::string_view sql) : sql_(sql), tokens_(tokenize(sql)) {}

  std::vector<Statement> parseAll() {
    std::vector<Statement> statements;
    while (!atEnd()) {
      if (acceptSymbol(";")) continue;
      statements.push_back(parseStatement());
      if (!atEnd()) expectSymbol(";");
    }
    return statements;
  }

 private:
  Statement parseStatement() {
    std::size_t position = peek().offset;
    Statement statement = parseStatementBody();
    statement.position = position;
    return statement;
  }

  Statement parseStatementBody() {
    if (acceptWord("CREATE")) return parseCreate();
    if (acceptWord("INSERT")) return parseInsert();
    if (acceptWord("COPY")) return parseCopy();
    if (acceptWord("SELECT")) return parseSelect();
    if (acceptWord("BEGIN")) {
      acceptWord("TRANSACTION");
      return makeStatement(StatementKind::kBegin);
    }
    if (acceptWord("COMMIT")) return makeStatement(StatementKind::kCommit);
    if (acceptWord("ROLLBACK")) return makeStatement(StatementKind::kRollback);
    if (acceptWord("CHECKPOINT")) return makeStatement(StatementKind::kCheckpoint);
    fail("expected CREATE, INSERT, COPY, SELECT, BEGIN, COMMIT, ROLLBACK or CHECKPOINT");
  }

  Statement parseCreate() {
    expectWord("TABLE");
    Statement s = makeStatement(StatementKind::kCreateTable);
    s.table = expectIdentifier();
    expectSymbol("(");
    do {
      ColumnDef column{expectIdentifier(), LogicalType::kInt64};
      if (acceptWord("INT64")) {
        column.type = LogicalType::kInt64;
      } else if (acceptWord("STRING")) {
        column.type = LogicalType::kString;
      } else {
        fail("expected a column type (INT64 or STRING)");
      }
      s.columns.push_back(std::move(column));
    } while (acceptSymbol(","));
    expectSymbol(")");
    return s;
  }

  Statement parseInsert() {
    expectWord("INTO");
    Statement s = makeStatement(StatementKind::kInsert);
    s.table = expectIdentifier();
    expectWord("VALUES");
    do {
      expectSymbol("(");
      Row row;
      do {
        row.push_back(parseLiteral());
      } while (acceptSymbol(","));
      expectSymbol(")");
      s.rows.push_back(std::move(row));
    } while (acceptSymbol(","));
    return s;
  }

  Statement parseCopy() {
    Statement s = makeStatement(StatementKind::kCopy);
    s.table = expectIdentifier();
    expectWord("FROM");
    if (peek().kind != TokenKind::kString) fail("expected a quoted file path");
    s.path = next().text;
    if (acceptSymbol("(")) {
      expectWord("HEADER");
      s.header = true;
      expectSymbol(")");
    }
    return s;
  }

  Statement parseSelect() {
    if (acceptSymbol("*")) {
      Statement s = makeStatement(StatementKind::kScan);
      expectWord("FROM");
      s.table = expectIdentifier();
      if (acceptWord("LIMIT")) s.limit = static_cast<std::uint64_t>(expectInteger(0));
      return s;
    }
    if (acceptWord("COUNT")) {
      Statement s = makeStatement(StatementKind::kCount);
      expectSymbol("(");
      expectSymbol("*");
      expectSymbol(")");
      expectWord("FROM");
      s.table = expectIdentifier();
      return s;
    }
    if (acceptWord("SUM")) return parseRangeSum();
    fail("expected *, count(*) or sum(...)");
  }

  Statement parseRangeSum() {
    Statement s = makeStatement(StatementKind::kRangeSum);
    expectSymbol("(");
    expectIdentifier();
    expectSymbol(")");
    expectWord("FROM");
    expectWord("RANGE");
    expectSymbol("(");
    s.range_begin = expectInteger(INT64_MIN);
    expectSymbol(",");
    s.range_end = expectInteger(INT64_MIN);
    expectSymbol(")");
    return s;
  }

  Value parseLiteral() {
    if (peek().kind == TokenKind::kString) return next().text;
    if (peek().kind == TokenKind::kInteger) return expectInteger(INT64_MIN);
    fail("expected an integer or a quoted string");
  }

  std::int64_t expectInteger(std::int64_t minimum) {
    const Token& token = peek();
    std::int64_t value = 0;
    auto [end, error] = std::from_chars(token.text.data(), token.text.data() + token.text.size(), value);
    if (token.kind != TokenKind::kInteger || error != std::errc() || end != token.text.data() + token.text.size()) {
      fail(token.kind == TokenKind::kInteger ? "integer out of the INT64 range" : "expected an integer");
    }
    if (value < minimum) fail(fmt::format("expected an integer >= {}", minimum));
    ++index_;
    return value;
  }

  std::string expectIdentifier() {
    if (peek().kind != TokenKind::kWord) fail("expected a name");
    return next().text;
  }

  bool acceptWord(std::string_view word) {
    const Token& token = peek();
    if (token.kind != TokenKind::kWord || token.text.size() != word.size() ||
        strncasecmp(token.text.c_str(), word.data(), word.size()) != 0) {
      return false;
    }
    ++index_;
    return true;
  }
  void expectWord(std::string_view word) {
    if (!acceptWord(word)) fail(fmt::format("expected {}", word));
  }
  bool acceptSymbol(std::string_view symbol) {
    if (peek().kind != TokenKind::kSymbol || peek().text != symbol) return false;
    ++index_;
    return true;
  }
  void expectSymbol(std::string_view symbol) {
    if (!acceptSymbol(symbol)) fail(fmt::format("expected '{}'", symbol));
  }

  const Token& peek() const { return tokens_[index_]; }
  const Token& next() { return tokens_[index_++]; }
  bool atEnd() const { return peek().kind == TokenKind::kEnd; }

  [[noreturn]] void fail(std::string_view expected) const {
    const Token& token = peek();
    std::string found = token.kind == TokenKind::kEnd ? "end of input" : fmt::format("'{}'", token.text);
    throw Error(ErrorCode::kParseError,
                fmt::format("{}: {} but found {}", describePosition(sql_, token.offset), expected, found));
  }

  std::string_view sql_;
  std::vector<Token> tokens_;
  std::size_t index_ = 0;
};

}  // namespace

std::vector<Statement> parseQuery(std::string_view sql) { return Parser(sql).parseAll(); }

}  // namespace lifeguard
