// QueryResult: the materialised answer of one statement, and the chain of a
// multi-statement query.
//
// Ownership: the caller owns the first result; it owns the next result of the
// chain, which owns the one after. Rows live in pages of the database's
// MemoryManager, so a result depends on its Database (not on its Connection,
// which it may outlive).
//
// After the database closes, every row-access call (hasNext, getNext,
// getNumTuples, resetIterator) throws Error(kDatabaseClosed), on every result
// of the chain (under kLegacy only the first result checks, hazard H6). After
// close(), those calls throw Error(kInvalidUse, "result is closed").
// isSuccess(), status() and the column names stay readable in every state.
//
// Thread-safety: under kComplete any call may race close() or a database close
// from another thread and ends in a clear error, never a crash (hazard H7).
// Iteration itself is single-consumer: two threads calling getNext on one
// result each get distinct rows in an unspecified split.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "lifeguard/status.h"
#include "lifeguard/value.h"

namespace lifeguard {

class Lifecycle;
class ResultRows;

class QueryResult {
 public:
  ~QueryResult();
  QueryResult(const QueryResult&) = delete;
  QueryResult& operator=(const QueryResult&) = delete;

  bool isSuccess() const { return status_.isOk(); }
  const Status& status() const { return status_; }
  const std::string& getErrorMessage() const { return status_.message(); }

  const std::vector<std::string>& getColumnNames() const { return column_names_; }
  std::uint64_t getNumTuples();
  bool hasNext();
  // Throws Error(kInvalidUse) past the end.
  Row getNext();
  void resetIterator();

  bool hasNextQueryResult() const { return next_ != nullptr; }
  // The next result of a multi-statement query, owned by this one; null at the end.
  QueryResult* getNextQueryResult() const { return next_.get(); }

  // Releases the rows. Idempotent.
  void close();

  // Every remaining row, one per line, values separated by '|'.
  std::string toString();

 private:
  friend class ResultBuilder;
  QueryResult() = default;

  template <typename F>
  auto guarded(F&& body);

  Status status_;
  std::vector<std::string> column_names_;
  std::shared_ptr<Lifecycle> lifecycle_;
  bool checks_lifecycle_ = true;  // false for later results of a chain under kLegacy
  std::unique_ptr<ResultRows> rows_;
  std::unique_ptr<QueryResult> next_;
};

}  // namespace lifeguard
