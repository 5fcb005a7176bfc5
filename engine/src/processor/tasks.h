// The physical tasks a plan is made of, and the sink results are built from.
//
// Every task reaches its query's state only through Task::context() (the
// ClientContext) and the MemoryManager pointer it was planned with; that is
// exactly the state a teardown must not free under it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lifeguard/file_system.h"
#include "lifeguard/status.h"
#include "memory/memory_manager.h"
#include "processor/csv.h"
#include "processor/task.h"
#include "storage/storage.h"

namespace lifeguard {

// Where a query's rows end up: pages handed to the QueryResult on success,
// released by the sink otherwise.
class ResultSink {
 public:
  ResultSink(MemoryManager* memory, std::vector<std::string> columns)
      : memory_(memory), columns_(std::move(columns)) {}
  ~ResultSink();
  ResultSink(const ResultSink&) = delete;
  ResultSink& operator=(const ResultSink&) = delete;

  const std::vector<std::string>& columns() const { return columns_; }
  MemoryManager* memory() const { return memory_; }
  // A page holding one row.
  void addSingleRow(Row row);
  void addPage(Page* page) { pages_.push_back(page); }
  // Hands the pages to the caller, who must release them.
  std::vector<Page*> takePages() { return std::move(pages_); }

 private:
  MemoryManager* const memory_;
  const std::vector<std::string> columns_;
  std::vector<Page*> pages_;
};

// Appends rows to the statement's write transaction (through the context), in
// chunks of kRowsPerChunk. Runs inside finalize().
void appendRows(ClientContext* context, const std::string& table, std::vector<Row> rows);

std::shared_ptr<Task> makeRangeSumTask(ClientContext* context, std::size_t threads, std::int64_t begin,
                                       std::int64_t end, std::shared_ptr<ResultSink> sink);
std::shared_ptr<Task> makeCountTask(ClientContext* context, ChunkList chunks, std::shared_ptr<ResultSink> sink);
std::shared_ptr<Task> makeScanTask(ClientContext* context, std::size_t threads, ChunkList chunks,
                                   std::optional<std::uint64_t> limit, std::shared_ptr<ResultSink> sink);
std::shared_ptr<Task> makeInsertTask(ClientContext* context, std::string table, std::vector<Row> rows);
std::shared_ptr<Task> makeCreateTableTask(ClientContext* context, TableSchema schema);
// What COPY reads: a file, through the database's file system.
struct CopySource {
  std::shared_ptr<FileSystem> file_system;
  std::string path;
  bool header;               // skip the first line
  std::size_t buffer_bytes;  // Options::copy_buffer_bytes
};
// A read task (child: the file into line-aligned buffer pages) under a parse
// task (parallel over the buffers; finalize() writes the rows through the
// context's transaction, all or nothing).
std::shared_ptr<Task> makeCopyTask(ClientContext* context, std::size_t threads, TableSchema schema,
                                   CopySource source, std::shared_ptr<ResultSink> sink);

}  // namespace lifeguard
