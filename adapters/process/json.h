// Json: the little JSON the process protocol needs (adapters/process/
// PROTOCOL.md): one value per line, parsed whole, and strings quoted for the
// requests the adapter writes. Numbers are kept as text too, so that an
// INT64 survives (a JSON number is a double in most languages; the protocol
// sends the values that matter, rows read and rows copied, well below 2^53).
//
// Thread-safety: a plain value.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lifeguard::harness::json {

struct Value {
  enum class Type { kNull, kBool, kNumber, kString, kArray, kObject };
  Type type = Type::kNull;
  bool boolean = false;
  std::string text;  // kString: the string; kNumber: the number as written
  std::vector<Value> items;
  std::map<std::string, Value> members;

  // A member of an object, or null if absent (or not an object).
  const Value* find(const std::string& key) const;
  std::optional<std::string> string(const std::string& key) const;
  std::optional<std::int64_t> integer(const std::string& key) const;
};

// Parses one JSON value (the whole text, surrounding blanks allowed).
// Returns nullopt and sets `error` (where and what) if it is not JSON.
std::optional<Value> parse(std::string_view text, std::string* error);

// `text` as a JSON string literal, quotes included.
std::string quote(std::string_view text);

}  // namespace lifeguard::harness::json
