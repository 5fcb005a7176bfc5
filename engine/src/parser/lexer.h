// Tokens of the SQL subset.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace lifeguard {

enum class TokenKind { kWord, kInteger, kString, kSymbol, kEnd };

struct Token {
  TokenKind kind;
  std::string text;  // words keep their case; strings are unescaped
  std::size_t offset;
};

// Throws Error(kParseError) on an unterminated string or a stray character.
std::vector<Token> tokenize(std::string_view sql);

// "line L, column C" of a byte offset.
std::string describePosition(std::string_view sql, std::size_t offset);

}  // namespace lifeguard
