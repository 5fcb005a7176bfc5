// Storage: the catalog and the committed rows of every table.
//
// Rows are kept in immutable chunks; a reader takes a snapshot of a table's
// chunk list and scans it without further locking, while a commit appends new
// chunks. Writes reach storage only through TransactionManager::commit.
//
// Thread-safety: every method is thread-safe.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lifeguard/value.h"
#include "parser/statement.h"
#include "lifeguard/sync/sync.h"

namespace lifeguard {

using Chunk = std::vector<Row>;
using ChunkList = std::vector<std::shared_ptr<const Chunk>>;

// Rows per chunk written by INSERT and COPY, and per result page.
inline constexpr std::size_t kRowsPerChunk = 2048;

struct TableSchema {
  std::string name;
  std::vector<ColumnDef> columns;
};

class Table {
 public:
  explicit Table(TableSchema schema) : schema_(std::move(schema)) {}

  const TableSchema& schema() const { return schema_; }
  ChunkList snapshot() const;
  void append(std::shared_ptr<const Chunk> chunk);

 private:
  const TableSchema schema_;
  mutable sync::Mutex mu_;
  ChunkList chunks_ LG_GUARDED_BY(mu_);
};

class Storage {
 public:
  // Null if there is no such table.
  std::shared_ptr<Table> find(std::string_view name) const;
  // REQUIRES: no table of that name (the binder checked it under the single
  // write transaction).
  void create(TableSchema schema);
  std::vector<std::string> tableNames() const;

 private:
  mutable sync::Mutex mu_;
  std::map<std::string, std::shared_ptr<Table>, std::less<>> tables_ LG_GUARDED_BY(mu_);
};

// Total rows in a chunk list.
std::size_t countRows(const ChunkList& chunks);

}  // namespace lifeguard
