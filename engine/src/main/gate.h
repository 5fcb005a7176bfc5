// Gate: admits callers until it is closed, then lets the closer wait until
// every admitted caller has left. kComplete's drains are gates: the database's
// (every call that touches database state) and each connection's (its whole
// query).
//
// While the gate is open, enter() and leave() are one atomic operation each;
// once closing began, callers leave under the mutex.
//
// Thread-safety: all methods may be called from any thread.
#pragma once

#include <cstdint>

#include "lifeguard/sync/sync.h"

namespace lifeguard {

class Gate {
 public:
  // Admits a caller unless closing began.
  bool enter() {
    if (closing()) return false;  // refused callers never touch the count
    if ((state_.fetch_add(1, std::memory_order_acq_rel) & kClosingBit) == 0) return true;
    leave();
    return false;
  }
  // Once closing began, leaves under the mutex: the closer cannot see the
  // gate empty (and free it) before this caller is done with it.
  void leave() LG_EXCLUDES(mu_);

  // Starts closing: enter() refuses from now on. Returns false if another
  // closer started first, after waiting until that one called finishClose().
  bool beginClose() LG_EXCLUDES(mu_);
  // REQUIRES: this thread's beginClose() returned true.
  void waitUntilEmpty() LG_EXCLUDES(mu_);
  void finishClose() LG_EXCLUDES(mu_);

  bool closing() const { return (state_.load(std::memory_order_acquire) & kClosingBit) != 0; }

 private:
  enum class Phase { kOpen, kClosing, kClosed };
  // The number of admitted callers, plus kClosingBit once closing began.
  static constexpr std::uint64_t kClosingBit = std::uint64_t{1} << 63;

  sync::Atomic<std::uint64_t> state_{0};
  sync::Mutex mu_;
  sync::CondVar cv_;
  Phase phase_ LG_GUARDED_BY(mu_) = Phase::kOpen;
};

// RAII for Gate::enter/leave. Converts to false if refused.
class GateGuard {
 public:
  explicit GateGuard(Gate& gate) : gate_(gate), entered_(gate.enter()) {}
  ~GateGuard() {
    if (entered_) gate_.leave();
  }
  GateGuard(const GateGuard&) = delete;
  GateGuard& operator=(const GateGuard&) = delete;
  explicit operator bool() const { return entered_; }

 private:
  Gate& gate_;
  const bool entered_;
};

}  // namespace lifeguard
