#include "processor/planner.h"

#include <set>

#include <fmt/format.h>

#include "storage/storage.h"
#include "transaction/transaction.h"

namespace lifeguard {
namespace {

[[noreturn]] void bindError(std::string message) { throw Error(ErrorCode::kBindError, std::move(message)); }

// A table as the transaction sees it: committed rows plus its own pending ones.
struct BoundTable {
  TableSchema schema;
  ChunkList chunks;
};

BoundTable bindTable(const std::string& name, const PlanInputs& in) {
  if (const TableSchema* pending = in.transaction->pendingTable(name)) {
    return {*pending, in.transaction->pendingChunks(name)};
  }
  std::shared_ptr<Table> table = in.storage->find(name);
  if (table == nullptr) bindError(fmt::format("table '{}' does not exist", name));
  ChunkList chunks = table->snapshot();
  for (auto& chunk : in.transaction->pendingChunks(name)) chunks.push_back(std::move(chunk));
  return {table->schema(), std::move(chunks)};
}

void checkRows(const TableSchema& schema, const std::vector<Row>& rows) {
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (rows[r].size() != schema.columns.size()) {
      bindError(fmt::format("row {} has {} values but table '{}' has {} columns", r + 1, rows[r].size(), schema.name,
                            schema.columns.size()));
    }
    for (std::size_t c = 0; c < rows[r].size(); ++c) {
      if (typeOf(rows[r][c]) != schema.columns[c].type) {
        bindError(fmt::format("row {}: column {} expects {} but got {}", r + 1, schema.columns[c].name,
                              toString(schema.columns[c].type), toString(rows[r][c])));
      }
    }
  }
}

TableSchema bindCreate(const Statement& s, const PlanInputs& in) {
  if (in.transaction->pendingTable(s.table) != nullptr || in.storage->find(s.table) != nullptr) {
    bindError(fmt::format("table '{}' already exists", s.table));
  }
  std::set<std::string> names;
  for (const auto& column : s.columns) {
    if (!names.insert(column.name).second) bindError(fmt::format("duplicate column '{}'", column.name));
  }
  return {s.table, s.columns};
}

std::vector<std::string> columnNames(const TableSchema& schema) {
  std::vector<std::string> names;
  for (const auto& column : schema.columns) names.push_back(column.name);
  return names;
}

}  // namespace

PhysicalPlan planStatement(const Statement& s, const PlanInputs& in) {
  auto sink = [&](std::vector<std::string> columns) {
    return std::make_shared<ResultSink>(in.memory, std::move(columns));
  };
  switch (s.kind) {
    case StatementKind::kCreateTable: {
      auto out = sink({});
      return {makeCreateTableTask(in.context, bindCreate(s, in)), out};
    }
    case StatementKind::kInsert: {
      BoundTable table = bindTable(s.table, in);
      checkRows(table.schema, s.rows);
      return {makeInsertTask(in.context, s.table, s.rows), sink({})};
    }
    case StatementKind::kCopy: {
      BoundTable table = bindTable(s.table, in);
      auto out = sink({"rows_copied"});
      return {makeCopyTask(in.context, in.threads, std::move(table.schema),
                           {in.file_system, s.path, s.header, in.copy_buffer_bytes}, out),
              out};
    }
    case StatementKind::kCount: {
      auto out = sink({"count(*)"});
      return {makeCountTask(in.context, bindTable(s.table, in).chunks, out), out};
    }
    case StatementKind::kScan: {
      BoundTable table = bindTable(s.table, in);
      auto out = sink(columnNames(table.schema));
      return {makeScanTask(in.context, in.threads, std::move(table.chunks), s.limit, out), out};
    }
    case StatementKind::kRangeSum: {
      auto out = sink({"sum"});
      return {makeRangeSumTask(in.context, in.threads, s.range_begin, s.range_end, out), out};
    }
    case StatementKind::kBegin:
    case StatementKind::kCommit:
    case StatementKind::kRollback:
    case StatementKind::kCheckpoint:
      break;
  }
  throw Error(ErrorCode::kInternal, "transaction statement reached the planner");
}

}  // namespace lifeguard
