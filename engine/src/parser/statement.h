// The parsed form of one statement of the SQL subset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lifeguard/value.h"

namespace lifeguard {

enum class StatementKind {
  kCreateTable,  // CREATE TABLE t(a INT64, b STRING)
  kInsert,       // INSERT INTO t VALUES (1, 'x'), (2, 'y')
  kCopy,         // COPY t FROM 'file.csv' [(HEADER)]
  kCount,        // SELECT count(*) FROM t
  kScan,         // SELECT * FROM t [LIMIT n]
  kRangeSum,     // SELECT sum(x) FROM range(a, b)
  kBegin,
  kCommit,
  kRollback,
  kCheckpoint,   // CHECKPOINT
};

struct ColumnDef {
  std::string name;
  LogicalType type;
};

struct Statement {
  StatementKind kind = StatementKind::kBegin;
  std::size_t position = 0;  // byte offset of the statement in the query text
  std::string table;
  std::vector<ColumnDef> columns;          // kCreateTable
  std::vector<Row> rows;                   // kInsert
  std::string path;                        // kCopy
  bool header = false;                     // kCopy
  std::optional<std::uint64_t> limit;      // kScan
  std::int64_t range_begin = 0;            // kRangeSum
  std::int64_t range_end = 0;              // kRangeSum

  // Whether the statement needs the single write transaction.
  bool isWrite() const {
    return kind == StatementKind::kCreateTable || kind == StatementKind::kInsert || kind == StatementKind::kCopy;
  }
};

}  // namespace lifeguard
