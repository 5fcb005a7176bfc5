#include "processor/csv.h"

namespace lifeguard {

std::vector<TextChunk> splitLines(std::string_view text, std::size_t target_bytes, std::size_t skip_lines) {
  std::size_t pos = 0, line = 1;
  for (; line <= skip_lines && pos < text.size(); ++line) {
    std::size_t newline = text.find('\n', pos);
    pos = newline == std::string_view::npos ? text.size() : newline + 1;
  }
  std::vector<TextChunk> chunks;
  while (pos < text.size()) {
    TextChunk chunk{pos, pos, line};
    std::size_t limit = std::min(text.size(), pos + target_bytes);
    while (pos < text.size() && (pos < limit || chunk.end == chunk.begin)) {
      std::size_t newline = text.find('\n', pos);
      pos = newline == std::string_view::npos ? text.size() : newline + 1;
      chunk.end = pos;
      ++line;
    }
    chunks.push_back(chunk);
  }
  return chunks;
}

std::optional<std::string> parseCsvRecord(std::string_view line, std::vector<std::string>& fields) {
  fields.clear();
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::size_t i = 0;
  while (true) {
    std::string field;
    if (i < line.size() && line[i] == '"') {
      for (++i;; ++i) {
        if (i >= line.size()) return "unterminated quoted field";
        if (line[i] != '"') {
          field += line[i];
        } else if (i + 1 < line.size() && line[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          ++i;
          break;
        }
      }
      if (i < line.size() && line[i] != ',') return "unexpected character after a quoted field";
    } else {
      std::size_t comma = line.find(',', i);
      std::size_t end = comma == std::string_view::npos ? line.size() : comma;
      field.assign(line.substr(i, end - i));
      if (field.find('"') != std::string::npos) return "quote inside an unquoted field";
      i = end;
    }
    fields.push_back(std::move(field));
    if (i >= line.size()) return std::nullopt;
    ++i;  // the comma
  }
}

}  // namespace lifeguard
