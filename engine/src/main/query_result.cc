#include "lifeguard/query_result.h"

#include "lifeguard/testing/hooks.h"
#include "main/lifecycle.h"
#include "main/result_builder.h"

namespace lifeguard {

ResultRows::ResultRows(MemoryManager* memory, std::vector<Page*> pages) : memory_(memory), pages_(std::move(pages)) {
  for (const Page* page : pages_) count_ += page->rows.size();
  skipEmptyPages();
}

ResultRows::~ResultRows() = default;

Row ResultRows::next() {
  if (!hasNext()) throw Error(ErrorCode::kInvalidUse, "no more rows in the result");
  Row row = pages_[page_]->rows[row_];
  if (++row_ == pages_[page_]->rows.size()) {
    ++page_;
    row_ = 0;
    skipEmptyPages();
  }
  return row;
}

void ResultRows::reset() {
  page_ = 0;
  row_ = 0;
  skipEmptyPages();
}

void ResultRows::skipEmptyPages() {
  while (page_ < pages_.size() && pages_[page_]->rows.empty()) ++page_;
}

// Like the real engine's result, closing frees the pages but leaves the
// iterator as it was: only the closed check (and, under kComplete, the lock)
// keeps a concurrent reader away from freed pages.
void ResultRows::release() {
  for (Page* page : pages_) memory_->release(page);
  closed_ = true;
}

void ResultRows::abandon() { closed_ = true; }

std::unique_ptr<QueryResult> ResultBuilder::error(Status status, std::shared_ptr<Lifecycle> lifecycle) {
  std::unique_ptr<QueryResult> result(new QueryResult());
  result->status_ = std::move(status);
  result->lifecycle_ = std::move(lifecycle);
  result->rows_ = std::make_unique<ResultRows>(nullptr, std::vector<Page*>{});
  return result;
}

std::unique_ptr<QueryResult> ResultBuilder::rows(std::vector<std::string> columns, MemoryManager* memory,
                                                 std::vector<Page*> pages, std::shared_ptr<Lifecycle> lifecycle) {
  std::unique_ptr<QueryResult> result(new QueryResult());
  result->column_names_ = std::move(columns);
  result->lifecycle_ = std::move(lifecycle);
  result->rows_ = std::make_unique<ResultRows>(memory, std::move(pages));
  return result;
}

void ResultBuilder::append(QueryResult& head, std::unique_ptr<QueryResult> next) {
  if (head.lifecycle_->policy() == TeardownPolicy::kLegacy) next->checks_lifecycle_ = false;
  QueryResult* last = &head;
  while (last->next_ != nullptr) last = last->next_.get();
  last->next_ = std::move(next);
}

// Every row access goes through here: under kComplete it enters the
// database's lifecycle gate and takes the result's lock; under the other
// policies it checks the plain flag (first result of a chain only, under
// kLegacy) and takes no lock.
template <typename F>
auto QueryResult::guarded(F&& body) LG_NO_THREAD_SAFETY_ANALYSIS {
  auto checkOpen = [this] {
    if (rows_->closed()) throw Error(ErrorCode::kInvalidUse, "result is closed");
  };
  if (lifecycle_->policy() == TeardownPolicy::kComplete) {
    LifecycleGuard gate(*lifecycle_);
    if (!gate) throw Error(ErrorCode::kDatabaseClosed, std::string(kDatabaseClosedMessage));
    sync::MutexLock lock(rows_->mu);
    checkOpen();
    return body(*rows_);
  }
  if (checks_lifecycle_ && lifecycle_->isClosed()) {
    throw Error(ErrorCode::kDatabaseClosed, std::string(kDatabaseClosedMessage));
  }
  checkOpen();
  return body(*rows_);
}

std::uint64_t QueryResult::getNumTuples() {
  return guarded([](ResultRows& rows) { return rows.count(); });
}

bool QueryResult::hasNext() {
  return guarded([](ResultRows& rows) { return rows.hasNext(); });
}

Row QueryResult::getNext() {
  return guarded([](ResultRows& rows) {
    LG_SYNC_POINT("QueryResult::get_next");
    return rows.next();
  });
}

void QueryResult::resetIterator() {
  guarded([](ResultRows& rows) { rows.reset(); });
}

std::string QueryResult::toString() {
  return guarded([](ResultRows& rows) {
    std::string out;
    while (rows.hasNext()) {
      Row row = rows.next();
      for (std::size_t i = 0; i < row.size(); ++i) out += (i ? "|" : "") + lifeguard::toString(row[i]);
      out += '\n';
    }
    return out;
  });
}

void QueryResult::close() LG_NO_THREAD_SAFETY_ANALYSIS {
  if (lifecycle_->policy() == TeardownPolicy::kComplete) {
    LifecycleGuard gate(*lifecycle_);
    sync::MutexLock lock(rows_->mu);
    if (rows_->closed()) return;
    // After the database closed its memory manager freed every page.
    gate ? rows_->release() : rows_->abandon();
    return;
  }
  if (rows_->closed()) return;
  if (checks_lifecycle_ && lifecycle_->isClosed()) {
    rows_->abandon();
  } else {
    rows_->release();
  }
}

QueryResult::~QueryResult() {
  if (rows_ != nullptr) close();
}

}  // namespace lifeguard
