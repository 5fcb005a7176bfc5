#include "main/lifecycle.h"

#include "main/client_context.h"

namespace lifeguard {

bool Lifecycle::isClosed() const {
  if (policy_ == TeardownPolicy::kComplete) return closed_.load(std::memory_order_acquire);
  return closed_unsynchronized_;
}

bool Lifecycle::enter(ClientContext* query) {
  sync::MutexLock lock(mu_);
  if (state_ != State::kOpen) return false;
  ++callers_;
  if (query != nullptr) queries_.insert(query);
  return true;
}

void Lifecycle::leave(ClientContext* query) {
  sync::MutexLock lock(mu_);
  if (query != nullptr) queries_.erase(queries_.find(query));
  if (--callers_ == 0) cv_.notifyAll();
}

bool Lifecycle::beginClose() {
  sync::MutexLock lock(mu_);
  if (state_ != State::kOpen) {
    while (state_ != State::kClosed) cv_.wait(lock);
    return false;
  }
  state_ = State::kClosing;
  closed_.store(true, std::memory_order_release);
  // A registered context is alive: its connection cannot finish closing
  // while its query is still inside this gate.
  for (ClientContext* query : queries_) query->cancel();
  while (callers_ > 0) cv_.wait(lock);
  return true;
}

void Lifecycle::finishClose() {
  sync::MutexLock lock(mu_);
  state_ = State::kClosed;
  cv_.notifyAll();
}

}  // namespace lifeguard
