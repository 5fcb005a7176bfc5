// How a schedule's writes are made recognisable: every row a write stores
// carries the tag of the operation (and multi-statement part) that wrote it,
// so the data oracle can tell, row by row, which write is visible.
#pragma once

#include <climits>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "lifeguard/harness/answer.h"
#include "lifeguard/harness/schedule.h"

namespace lifeguard::harness {

inline constexpr std::int64_t kRowsPerTag = 1'000'000;  // a write stores fewer rows than this
inline constexpr int kMaxParts = 10;                    // parts of one multi-statement query

// The tag of operation `index` of `actor` (part 0).
inline std::int64_t opTag(int actor, int index) {
  return (static_cast<std::int64_t>(actor + 1) * 100'000 + index) * kMaxParts;
}
inline std::int64_t partTag(std::int64_t tag, int part) { return tag + part; }
// Column `a` of row `i` written under `tag`.
inline std::int64_t rowValue(std::int64_t tag, std::int64_t i) { return tag * kRowsPerTag + i; }
inline std::int64_t tagOfValue(std::int64_t value) { return value / kRowsPerTag; }

// For adapters, `bad_exec ROWS`: the first value of a range of ROWS
// consecutive integers whose running sum leaves INT64 after about nine tenths
// of them (an execution error late in the query, not at its start).
inline std::int64_t overflowingRangeStart(std::int64_t rows) {
  return INT64_MAX / (rows - rows / 10);
}

// For adapters: whether `answer` (to `spec`) failed on a bad_parse or
// bad_bind part. The harness's rule is that a failed query ends a manual
// transaction; an engine that keeps the transaction open after a parse or
// bind error (DuckDB, Kuzu) has its adapter send ROLLBACK then.
bool failedToParseOrBind(const QuerySpec& spec, const Answer& answer);

// For adapters: the CSV file a `copy` or `copy_bad` reads, written into
// `dir` as copy_TAG.csv (rows "a,b"; for copy_bad line bad_line is
// malformed). Returns its path.
std::string writeCopyCsv(const std::filesystem::path& dir, const QuerySpec& spec, std::int64_t tag);

// For adapters: a multi-statement query's text, each part written by
// `statement` with its part's tag, joined by ';'.
std::string joinStatements(const QuerySpec& multi, std::int64_t tag,
                           const std::function<std::string(const QuerySpec& part, std::int64_t tag)>& statement);

}  // namespace lifeguard::harness
