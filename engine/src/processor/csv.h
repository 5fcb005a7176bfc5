// CSV reading for COPY: split a file into line-aligned chunks, parse lines.
//
// Format: fields separated by ',', optionally enclosed in double quotes with
// "" as an escaped quote; records end at '\n' (a preceding '\r' is dropped);
// quoted fields may not span lines; empty lines are skipped.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lifeguard {

struct TextChunk {
  std::size_t begin;       // byte offset in the file
  std::size_t end;         // one past the last byte
  std::size_t first_line;  // 1-based line number of the chunk's first line
};

// Splits `text` into chunks of about `target_bytes`, each ending after a '\n'
// (or at the end of the text). The first `skip_lines` lines are left out.
std::vector<TextChunk> splitLines(std::string_view text, std::size_t target_bytes, std::size_t skip_lines);

// Parses one record (without its '\n'). Returns an error message on a
// malformed record.
std::optional<std::string> parseCsvRecord(std::string_view line, std::vector<std::string>& fields);

}  // namespace lifeguard
