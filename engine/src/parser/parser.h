// Parser for the engine's SQL subset: ';'-separated statements.
//
// Thread-safety: pure function.
#pragma once

#include <string_view>
#include <vector>

#include "parser/statement.h"

namespace lifeguard {

// Throws Error(kParseError) with the line and column of the offending token,
// e.g. "line 1, column 15: expected '(' but found 'VALUES'". An empty query
// (only whitespace and ';') yields no statements.
std::vector<Statement> parseQuery(std::string_view sql);

}  // namespace lifeguard
