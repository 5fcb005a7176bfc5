#include "main/gate.h"

namespace lifeguard {

void Gate::leave() {
  std::uint64_t state = state_.load(std::memory_order_acquire);
  while ((state & kClosingBit) == 0) {
    if (state_.compare_exchange_weak(state, state - 1, std::memory_order_acq_rel)) return;
  }
  // Closing: decrement under the mutex, which waitUntilEmpty() holds while it
  // checks, so the closer returns (and may free the gate) only after this
  // caller released the mutex, its last touch of the gate.
  sync::MutexLock lock(mu_);
  if (state_.fetch_sub(1, std::memory_order_acq_rel) - 1 == kClosingBit) cv_.notifyAll();
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
