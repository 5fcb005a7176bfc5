// MemoryManager: hands out pages for query results and COPY buffers.
//
// Ownership: the manager owns every page it handed out, like a buffer pool:
// destroying it frees pages still held by results. A holder gives a page back
// with release(); it must not touch a page after the manager is destroyed
// (QueryResult guarantees this under kComplete; under kLegacy it does not,
// which is hazard H6).
//
// Thread-safety: every method is thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>

#include "lifeguard/value.h"
#include "lifeguard/sync/sync.h"

namespace lifeguard {

struct Page {
  std::vector<Row> rows;  // result rows
  std::string bytes;      // raw COPY input
};

class MemoryManager {
 public:
  MemoryManager() = default;
  ~MemoryManager();
  MemoryManager(const MemoryManager&) = delete;
  MemoryManager& operator=(const MemoryManager&) = delete;

  Page* allocate();
  // REQUIRES: page came from allocate() of this manager and was not released.
  void release(Page* page);
  std::size_t pagesInUse() const;

 private:
  mutable sync::Mutex mu_;
  std::unordered_map<Page*, std::unique_ptr<Page>> pages_ LG_GUARDED_BY(mu_);
};

}  // namespace lifeguard
