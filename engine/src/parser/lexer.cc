#include "parser/lexer.h"

#include <cctype>

#include <fmt/format.h>

#include "lifeguard/status.h"

namespace lifeguard {
namespace {

bool isWordChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }
bool isDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

[[noreturn]] void fail(std::string_view sql, std::size_t offset, std::string_view what) {
  throw Error(ErrorCode::kParseError, fmt::format("{}: {}", describePosition(sql, offset), what));
}

std::size_t lexString(std::string_view sql, std::size_t i, std::string& out) {
  for (++i; i < sql.size(); ++i) {
    if (sql[i] != '\'') {
      out += sql[i];
    } else if (i + 1 < sql.size() && sql[i + 1] == '\'') {
      out += '\'';
      ++i;
    } else {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

}  // namespace

std::string describePosition(std::string_view sql, std::size_t offset) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < sql.size(); ++i) {
    if (sql[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return fmt::format("line {}, column {}", line, column);
}

std::vector<Token> tokenize(std::string_view sql) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  while (i < sql.size()) {
    char c = sql[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-') {
      while (i < sql.size() && sql[i] != '\n') ++i;  // comment to end of line
    } else if (isDigit(c) || (c == '-' && i + 1 < sql.size() && isDigit(sql[i + 1]))) {
      std::size_t start = i++;
      while (i < sql.size() && isDigit(sql[i])) ++i;
      tokens.push_back({TokenKind::kInteger, std::string(sql.substr(start, i - start)), start});
    } else if (isWordChar(c)) {
      std::size_t start = i;
      while (i < sql.size() && isWordChar(sql[i])) ++i;
      tokens.push_back({TokenKind::kWord, std::string(sql.substr(start, i - start)), start});
    } else if (c == '\'') {
      std::string text;
      std::size_t end = lexString(sql, i, text);
      if (end == std::string_view::npos) fail(sql, i, "unterminated string literal");
      tokens.push_back({TokenKind::kString, std::move(text), i});
      i = end;
    } else if (c == '(' || c == ')' || c == ',' || c == ';' || c == '*') {
      tokens.push_back({TokenKind::kSymbol, std::string(1, c), i++});
    } else {
      bool printable = std::isprint(static_cast<unsigned char>(c)) != 0;
      fail(sql, i, printable ? fmt::format("unexpected character '{}'", c)
                             : fmt::format("unexpected byte 0x{:02x}", static_cast<unsigned char>(c)));
    }
  }
  tokens.push_back({TokenKind::kEnd, "", sql.size()});
  return tokens;
}

}  // namespace lifeguard
