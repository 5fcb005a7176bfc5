// COPY: a read task reads the file into line-aligned buffer pages; a parse
// task converts the buffers to rows in parallel; its finalize() writes every
// row through the context's transaction or, on the first bad line, none.

#include <charconv>
#include <cstring>

#include <fmt/format.h>

#include "lifeguard/testing/hooks.h"
#include "main/client_context.h"
#include "processor/tasks.h"
#include "transaction/transaction.h"

namespace lifeguard {
namespace {

constexpr std::size_t kLinesPerBatch = 1024;

[[noreturn]] void copyError(std::string message) { throw Error(ErrorCode::kCopyError, std::move(message)); }

// Shared by the read task and the parse task of one COPY.
struct CopyState {
  explicit CopyState(MemoryManager* memory) : memory(memory) {}
  ~CopyState() {
    for (Page* page : buffers) memory->release(page);
  }
  MemoryManager* const memory;
  std::vector<Page*> buffers;           // written by the read task
  std::vector<std::size_t> first_line;  // line number of each buffer's first line
  std::vector<std::vector<Row>> rows;   // per buffer, written by the parse task
  std::vector<std::optional<std::string>> errors;
};

class CopyReadTask : public Task {
 public:
  CopyReadTask(ClientContext* context, std::shared_ptr<CopyState> state, CopySource source)
      : Task(context, 1), state_(std::move(state)), source_(std::move(source)) {}

 protected:
  void run() override {
    // Through the database's file system, like every file access. Only
    // regular files: a FIFO could block close forever.
    std::string contents;
    Status read = source_.file_system->readFile(source_.path, &contents);
    if (!read.isOk()) copyError(read.message());
    checkInterrupted();
    for (const TextChunk& chunk : splitLines(contents, source_.buffer_bytes, source_.header ? 1 : 0)) {
      checkInterrupted();
      Page* page = state_->memory->allocate();
      state_->buffers.push_back(page);
      page->bytes.assign(contents, chunk.begin, chunk.end - chunk.begin);
      state_->first_line.push_back(chunk.first_line);
    }
    // Sized here, before the parse task starts, so its workers only write
    // their own slots.
    state_->rows.resize(state_->buffers.size());
    state_->errors.resize(state_->buffers.size());
  }

 private:
  const std::shared_ptr<CopyState> state_;
  const CopySource source_;
};

std::optional<std::string> convertRecord(const std::vector<std::string>& fields, const TableSchema& schema, Row& row) {
  if (fields.size() != schema.columns.size()) {
    return fmt::format("expected {} values but found {}", schema.columns.size(), fields.size());
  }
  row.clear();
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (schema.columns[i].type == LogicalType::kString) {
      row.emplace_back(fields[i]);
      continue;
    }
    std::int64_t value = 0;
    const char* end = fields[i].data() + fields[i].size();
    auto [stop, error] = std::from_chars(fields[i].data(), end, value);
    if (fields[i].empty() || error != std::errc() || stop != end) {
      return fmt::format("'{}' is not an INT64 (column {})", fields[i], schema.columns[i].name);
    }
    row.emplace_back(value);
  }
  return std::nullopt;
}

class CopyParseTask : public Task {
 public:
  CopyParseTask(ClientContext* context, std::size_t threads, std::shared_ptr<CopyState> state, TableSchema schema,
                std::shared_ptr<ResultSink> sink)
      : Task(context, threads), state_(std::move(state)), schema_(std::move(schema)), sink_(std::move(sink)) {}

 protected:
  void run() override {
    // The read task has finished: the buffer list is complete and immutable.
    std::size_t buffers = state_->buffers.size();
    for (std::size_t m; (m = next_.fetch_add(1)) < buffers;) parseBuffer(m);
  }

  void finalize() override {
    for (std::size_t m = 0; m < state_->errors.size(); ++m) {
      if (state_->errors[m]) copyError(*state_->errors[m]);
    }
    LG_SYNC_POINT("Task::finalize:inside");
    std::vector<Row> all;
    for (auto& rows : state_->rows) std::move(rows.begin(), rows.end(), std::back_inserter(all));
    std::size_t count = all.size();
    appendRows(context(), schema_.name, std::move(all));
    sink_->addSingleRow({static_cast<std::int64_t>(count)});
  }

 private:
  void parseBuffer(std::size_t m) {
    std::string_view text = state_->buffers[m]->bytes;
    std::vector<std::string> fields;
    std::size_t line = state_->first_line[m];
    for (std::size_t pos = 0, n = 0; pos < text.size(); ++line, ++n) {
      if (n % kLinesPerBatch == 0) checkInterrupted();
      std::size_t newline = text.find('\n', pos);
      std::size_t end = newline == std::string_view::npos ? text.size() : newline;
      std::string_view record = text.substr(pos, end - pos);
      pos = end + 1;
      if (record.empty() || record == "\r") continue;
      std::optional<std::string> error = parseCsvRecord(record, fields);
      Row row;
      if (!error) error = convertRecord(fields, schema_, row);
      if (error) {
        state_->errors[m] = fmt::format("COPY {} failed at line {}: {}", schema_.name, line, *error);
        return;
      }
      state_->rows[m].push_back(std::move(row));
    }
  }

  const std::shared_ptr<CopyState> state_;
  const TableSchema schema_;
  const std::shared_ptr<ResultSink> sink_;
  sync::Atomic<std::size_t> next_{0};
};

}  // namespace

std::shared_ptr<Task> makeCopyTask(ClientContext* context, std::size_t threads, TableSchema schema,
                                   CopySource source, std::shared_ptr<ResultSink> sink) {
  auto state = std::make_shared<CopyState>(sink->memory());
  auto parse = std::make_shared<CopyParseTask>(context, threads, state, std::move(schema), std::move(sink));
  parse->addChild(std::make_shared<CopyReadTask>(context, std::move(state), std::move(source)));
  return parse;
}

}  // namespace lifeguard
