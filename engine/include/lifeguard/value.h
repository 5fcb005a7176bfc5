// Value and Row: what a query result holds.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace lifeguard {

enum class LogicalType { kInt64, kString };

using Value = std::variant<std::int64_t, std::string>;
using Row = std::vector<Value>;

std::string_view toString(LogicalType type);
// Renders 42 or 'text' (strings quoted, quotes doubled).
std::string toString(const Value& value);
LogicalType typeOf(const Value& value);

}  // namespace lifeguard
