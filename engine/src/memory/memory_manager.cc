#include "memory/memory_manager.h"

#include <cstdlib>

namespace lifeguard {

MemoryManager::~MemoryManager() = default;

Page* MemoryManager::allocate() {
  auto page = std::make_unique<Page>();
  Page* raw = page.get();
  sync::MutexLock lock(mu_);
  pages_.emplace(raw, std::move(page));
  return raw;
}

void MemoryManager::release(Page* page) {
  sync::MutexLock lock(mu_);
  // An unknown page is an engine bug: fail loudly rather than corrupt memory.
  if (pages_.erase(page) != 1) std::abort();
}

std::size_t MemoryManager::pagesInUse() const {
  sync::MutexLock lock(mu_);
  return pages_.size();
}

}  // namespace lifeguard
