// CSV splitting and record parsing for COPY (engine internals).
#include <gtest/gtest.h>

#include "processor/csv.h"

namespace lifeguard {
namespace {

std::vector<std::string> fields(std::string_view line) {
  std::vector<std::string> out;
  auto error = parseCsvRecord(line, out);
  EXPECT_FALSE(error) << *error;
  return out;
}

TEST(CsvTest, RecordsWithQuotesAndEmptyFields) {
  EXPECT_EQ(fields("1,abc"), (std::vector<std::string>{"1", "abc"}));
  EXPECT_EQ(fields("\"a,b\",\"say \"\"hi\"\"\""), (std::vector<std::string>{"a,b", "say \"hi\""}));
  EXPECT_EQ(fields("x,\r"), (std::vector<std::string>{"x", ""}));
  EXPECT_EQ(fields(""), (std::vector<std::string>{""}));
}

TEST(CsvTest, MalformedRecordsAreErrors) {
  std::vector<std::string> out;
  EXPECT_EQ(parseCsvRecord("\"open", out), "unterminated quoted field");
  EXPECT_EQ(parseCsvRecord("\"a\"b", out), "unexpected character after a quoted field");
  EXPECT_EQ(parseCsvRecord("a\"b", out), "quote inside an unquoted field");
}

TEST(CsvTest, SplitKeepsLinesWholeAndNumbersThem) {
  std::string text = "h\n1\n22\n333\n4444";
  auto chunks = splitLines(text, 3, 1);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(text.substr(chunks[0].begin, chunks[0].end - chunks[0].begin), "1\n22\n");
  EXPECT_EQ(chunks[0].first_line, 2u);
  EXPECT_EQ(text.substr(chunks[1].begin, chunks[1].end - chunks[1].begin), "333\n");
  EXPECT_EQ(chunks[1].first_line, 4u);
  EXPECT_EQ(chunks[2].first_line, 5u);
  EXPECT_EQ(chunks[2].end, text.size());
  EXPECT_TRUE(splitLines("only header\n", 10, 1).empty());
  EXPECT_TRUE(splitLines("", 10, 0).empty());
}

}  // namespace
}  // namespace lifeguard
