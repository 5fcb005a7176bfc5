// Construction of QueryResults, and the rows they hold.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "lifeguard/query_result.h"
#include "memory/memory_manager.h"
#include "lifeguard/sync/sync.h"

namespace lifeguard {

// Rows of one result, in memory-manager pages, with a cursor. Not
// synchronised itself: QueryResult takes `mu` around every use under
// kComplete and deliberately does not under kLegacy (hazard H7).
class ResultRows {
 public:
  ResultRows(MemoryManager* memory, std::vector<Page*> pages);
  ~ResultRows();

  std::uint64_t count() const { return count_; }
  bool hasNext() const { return page_ < pages_.size(); }
  Row next();
  void reset();
  bool closed() const { return closed_; }
  // Gives the pages back to the memory manager and marks the rows closed.
  void release();
  // Marks the rows closed without touching the pages: the memory manager was
  // destroyed and freed them.
  void abandon();

  sync::Mutex mu;

 private:
  void skipEmptyPages();

  MemoryManager* const memory_;
  std::vector<Page*> pages_;
  std::uint64_t count_ = 0;
  std::size_t page_ = 0, row_ = 0;
  bool closed_ = false;
};

class ResultBuilder {
 public:
  static std::unique_ptr<QueryResult> error(Status status, std::shared_ptr<Lifecycle> lifecycle);
  static std::unique_ptr<QueryResult> rows(std::vector<std::string> columns, MemoryManager* memory,
                                           std::vector<Page*> pages, std::shared_ptr<Lifecycle> lifecycle);
  // Appends `next` to the chain that starts at `head`. Under kLegacy a later
  // result does not check the closed flag (hazard H6).
  static void append(QueryResult& head, std::unique_ptr<QueryResult> next);
};

}  // namespace lifeguard
