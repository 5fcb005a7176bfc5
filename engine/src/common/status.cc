#include "lifeguard/options.h"
#include "lifeguard/status.h"
#include "lifeguard/value.h"

#include <array>

#include <fmt/format.h>

namespace lifeguard {

std::string_view toString(ErrorCode code) {
  static constexpr std::array<std::string_view, 13> kNames = {
      "OK",        "ConnectionClosed", "DatabaseClosed", "Interrupted", "Timeout",    "TransactionConflict",
      "CopyError", "ParseError",       "BindError",      "IOError",     "Internal",   "InvalidUse",
      "RuntimeError",
  };
  auto index = static_cast<std::size_t>(code);
  return index < kNames.size() ? kNames[index] : "Unknown";
}

std::string Status::toString() const {
  if (isOk()) return "OK";
  return fmt::format("{}: {}", lifeguard::toString(code_), message_);
}

std::string_view toString(TeardownPolicy policy) {
  switch (policy) {
    case TeardownPolicy::kLegacy: return "legacy";
    case TeardownPolicy::kExecuteDrain: return "execute_drain";
    case TeardownPolicy::kComplete: return "complete";
  }
  return "unknown";
}

std::optional<TeardownPolicy> parseTeardownPolicy(std::string_view name) {
  for (auto policy : {TeardownPolicy::kLegacy, TeardownPolicy::kExecuteDrain, TeardownPolicy::kComplete}) {
    if (toString(policy) == name) return policy;
  }
  return std::nullopt;
}

std::string_view toString(LogicalType type) {
  return type == LogicalType::kInt64 ? "INT64" : "STRING";
}

LogicalType typeOf(const Value& value) {
  return std::holds_alternative<std::int64_t>(value) ? LogicalType::kInt64 : LogicalType::kString;
}

std::string toString(const Value& value) {
  if (const auto* number = std::get_if<std::int64_t>(&value)) return std::to_string(*number);
  std::string out = "'";
  for (char c : std::get<std::string>(value)) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

}  // namespace lifeguard
