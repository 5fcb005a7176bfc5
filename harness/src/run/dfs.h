// Bounded exhaustive exploration of one schedule's interleavings (dfs).
//
// Each run follows a prefix of decisions and then keeps the current thread
// running while it can (no preemption); its full trace comes back through
// record(). next() backtracks to the deepest step with an alternative not yet
// tried whose run stays within the preemption bound (a preemption: switching
// away from a thread that could have gone on), as in CHESS's iterative
// context bounding. Every interleaving within the bound is run once.
//
// Thread-safety: none (one explorer per schedule, on one thread).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "lifeguard/sync/controlled.h"

namespace lifeguard::harness {

class DfsExplorer {
 public:
  explicit DfsExplorer(int preemption_bound) : bound_(preemption_bound) {}

  // The decision prefix of the next run; nullopt when the bounded space is done.
  std::optional<std::vector<std::uint8_t>> next();
  // The trace of the run of the prefix next() returned last.
  void record(const testing::ControlledTrace& trace);

 private:
  struct Step {
    std::uint64_t runnable;
    int current;
    std::uint8_t chosen;
    std::uint64_t tried;  // alternatives run from here (bit per thread)
  };
  static bool preempts(const Step& step, int thread) { return step.current >= 0 && thread != step.current; }

  const int bound_;
  std::vector<Step> stack_;
  std::size_t prefix_length_ = 0;
  bool started_ = false;
};

}  // namespace lifeguard::harness
