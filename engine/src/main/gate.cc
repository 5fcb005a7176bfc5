#include "main/gate.h"

namespace lifeguard {

void Gate::leave() {
  if (state_.fetch_sub(1, std::memory_order_acq_rel) - 1 == kClosingBit) {
    // The last caller out of a closing gate wakes the closer, under the mutex
    // so the wake-up cannot fall between the closer's check and its wait.
    sync::MutexLock lock(mu_);
    cv_.notifyAll();
  }
}

bool Gate::beginClose() {
  sync::MutexLock lock(mu_);
  if (phase_ != Phase::kOpen) {
    while (phase_ != Phase::kClosed) cv_.wait(lock);
    return false;
  }
  phase_ = Phase::kClosing;
  state_.fetch_or(kClosingBit, std::memory_order_acq_rel);
  return true;
}

void Gate::waitUntilEmpty() {
  sync::MutexLock lock(mu_);
  while (state_.load(std::memory_order_acquire) != kClosingBit) cv_.wait(lock);
}

void Gate::finishClose() {
  sync::MutexLock lock(mu_);
  phase_ = Phase::kClosed;
  cv_.notifyAll();
}

}  // namespace lifeguard
