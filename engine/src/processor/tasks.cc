#include "processor/tasks.h"

#include <algorithm>

#include "lifeguard/testing/hooks.h"
#include "main/client_context.h"
#include "transaction/transaction.h"

namespace lifeguard {
namespace {

constexpr std::uint64_t kRangeMorsel = 1 << 16;

// A page held for one worker's run, released however the run ends.
struct LocalPage {
  explicit LocalPage(MemoryManager& memory) : memory(memory), page(memory.allocate()) {}
  ~LocalPage() { memory.release(page); }
  LocalPage(const LocalPage&) = delete;
  LocalPage& operator=(const LocalPage&) = delete;
  MemoryManager& memory;
  Page* const page;
};

class RangeSumTask : public Task {
 public:
  RangeSumTask(ClientContext* context, std::size_t threads, std::int64_t begin, std::int64_t end,
               std::shared_ptr<ResultSink> sink)
      : Task(context, threads), begin_(begin), sink_(std::move(sink)),
        count_(end > begin ? static_cast<std::uint64_t>(end) - static_cast<std::uint64_t>(begin) : 0),
        morsels_((count_ + kRangeMorsel - 1) / kRangeMorsel) {}

 protected:
  void run() override {
    // The worker's partial lives in a memory-manager page for the whole run,
    // as per-worker state does in the real engine.
    LocalPage local(*sink_->memory());
    std::int64_t sum = 0;
    for (std::uint64_t m; (m = next_.fetch_add(1)) < morsels_;) {
      checkInterrupted();
      std::uint64_t first = m * kRangeMorsel, last = std::min(count_, first + kRangeMorsel);
      for (std::uint64_t i = first; i < last; ++i) {
        sum = checkedAdd(sum, static_cast<std::int64_t>(static_cast<std::uint64_t>(begin_) + i));
      }
    }
    local.page->rows.push_back({sum});
    // One fetch_add, as before the check (the scheduling points, and so the
    // recorded traces, stay the same); a sum past INT64 wraps there and fails.
    checkedAdd(partial_.fetch_add(sum), sum);
  }
  void finalize() override { sink_->addSingleRow({partial_.load()}); }

 private:
  const std::int64_t begin_;
  const std::shared_ptr<ResultSink> sink_;
  // An INT64 sum out of range fails the query, as an overflow does in the
  // real engine (an execution error, after the workers did part of the work).
  static std::int64_t checkedAdd(std::int64_t a, std::int64_t b) {
    std::int64_t sum = 0;
    if (__builtin_add_overflow(a, b, &sum)) throw Error(ErrorCode::kRuntimeError, "Overflow: INT64 sum out of range");
    return sum;
  }

  const std::uint64_t count_, morsels_;
  sync::Atomic<std::uint64_t> next_{0};
  sync::Atomic<std::int64_t> partial_{0};
};

class CountTask : public Task {
 public:
  CountTask(ClientContext* context, ChunkList chunks, std::shared_ptr<ResultSink> sink)
      : Task(context, 1), chunks_(std::move(chunks)), sink_(std::move(sink)) {}

 protected:
  void run() override {
    for (const auto& chunk : chunks_) {
      checkInterrupted();
      count_ += chunk->size();
    }
  }
  void finalize() override { sink_->addSingleRow({static_cast<std::int64_t>(count_)}); }

 private:
  const ChunkList chunks_;
  const std::shared_ptr<ResultSink> sink_;
  std::size_t count_ = 0;  // single worker
};

class ScanTask : public Task {
 public:
  ScanTask(ClientContext* context, std::size_t threads, ChunkList chunks, std::optional<std::uint64_t> limit,
           std::shared_ptr<ResultSink> sink)
      : Task(context, threads), chunks_(std::move(chunks)), sink_(std::move(sink)) {
    std::uint64_t remaining = limit.value_or(UINT64_MAX);
    for (const auto& chunk : chunks_) {
      if (remaining == 0) break;
      take_.push_back(std::min<std::uint64_t>(remaining, chunk->size()));
      remaining -= take_.back();
    }
    pages_.resize(take_.size(), nullptr);
  }
  ~ScanTask() override {
    for (Page* page : pages_) {
      if (page != nullptr) sink_->memory()->release(page);
    }
  }

 protected:
  void run() override {
    for (std::size_t m; (m = next_.fetch_add(1)) < take_.size();) {
      checkInterrupted();
      Page* page = sink_->memory()->allocate();
      pages_[m] = page;  // each slot is written by exactly one worker
      page->rows.assign(chunks_[m]->begin(), chunks_[m]->begin() + static_cast<std::ptrdiff_t>(take_[m]));
    }
  }
  void finalize() override {
    for (Page*& page : pages_) sink_->addPage(std::exchange(page, nullptr));
  }

 private:
  const ChunkList chunks_;
  const std::shared_ptr<ResultSink> sink_;
  std::vector<std::uint64_t> take_;  // rows taken from each chunk
  std::vector<Page*> pages_;
  sync::Atomic<std::size_t> next_{0};
};

class InsertTask : public Task {
 public:
  InsertTask(ClientContext* context, std::string table, std::vector<Row> rows)
      : Task(context, 1), table_(std::move(table)), rows_(std::move(rows)) {}

 protected:
  void run() override { checkInterrupted(); }
  void finalize() override { appendRows(context(), table_, std::move(rows_)); }

 private:
  const std::string table_;
  std::vector<Row> rows_;
};

class CreateTableTask : public Task {
 public:
  CreateTableTask(ClientContext* context, TableSchema schema) : Task(context, 1), schema_(std::move(schema)) {}

 protected:
  void run() override { checkInterrupted(); }
  void finalize() override { context()->transaction()->createTable(std::move(schema_)); }

 private:
  TableSchema schema_;
};

}  // namespace

void appendRows(ClientContext* context, const std::string& table, std::vector<Row> rows) {
  for (std::size_t begin = 0; begin < rows.size(); begin += kRowsPerChunk) {
    std::size_t end = std::min(rows.size(), begin + kRowsPerChunk);
    auto chunk = std::make_shared<Chunk>(std::make_move_iterator(rows.begin() + static_cast<std::ptrdiff_t>(begin)),
                                         std::make_move_iterator(rows.begin() + static_cast<std::ptrdiff_t>(end)));
    context->transaction()->append(table, std::move(chunk));
  }
}

ResultSink::~ResultSink() {
  for (Page* page : pages_) memory_->release(page);
}

void ResultSink::addSingleRow(Row row) {
  Page* page = memory_->allocate();
  page->rows.push_back(std::move(row));
  pages_.push_back(page);
}

std::shared_ptr<Task> makeRangeSumTask(ClientContext* context, std::size_t threads, std::int64_t begin,
                                       std::int64_t end, std::shared_ptr<ResultSink> sink) {
  return std::make_shared<RangeSumTask>(context, threads, begin, end, std::move(sink));
}

std::shared_ptr<Task> makeCountTask(ClientContext* context, ChunkList chunks, std::shared_ptr<ResultSink> sink) {
  return std::make_shared<CountTask>(context, std::move(chunks), std::move(sink));
}

std::shared_ptr<Task> makeScanTask(ClientContext* context, std::size_t threads, ChunkList chunks,
                                   std::optional<std::uint64_t> limit, std::shared_ptr<ResultSink> sink) {
  return std::make_shared<ScanTask>(context, threads, std::move(chunks), limit, std::move(sink));
}

std::shared_ptr<Task> makeInsertTask(ClientContext* context, std::string table, std::vector<Row> rows) {
  return std::make_shared<InsertTask>(context, std::move(table), std::move(rows));
}

std::shared_ptr<Task> makeCreateTableTask(ClientContext* context, TableSchema schema) {
  return std::make_shared<CreateTableTask>(context, std::move(schema));
}

}  // namespace lifeguard
