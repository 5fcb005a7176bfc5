#include "strategy.h"

#include <algorithm>
#include <bit>
#include <vector>

namespace lifeguard::sync::control {
namespace {

bool has(std::uint64_t mask, int id) { return id >= 0 && id < 64 && ((mask >> id) & 1) != 0; }

int nthSetBit(std::uint64_t mask, std::uint64_t n) {
  for (; n > 0; --n) mask &= mask - 1;
  return std::countr_zero(mask);
}

// Without preemption: the current thread while it can run, else the lowest id.
int keepCurrent(std::uint64_t runnable, int current) {
  return has(runnable, current) ? current : std::countr_zero(runnable);
}

class RandomStrategy : public Strategy {
 public:
  explicit RandomStrategy(std::uint64_t seed) : rng_(seed) {}
  int pick(std::uint64_t runnable, int, std::uint64_t, bool, std::string*) override {
    return nthSetBit(runnable, rng_.below(static_cast<std::uint64_t>(std::popcount(runnable))));
  }

 private:
  Rng rng_;
};

// Burckhardt et al., "A Randomized Scheduler with Probabilistic Guarantees of
// Finding Bugs" (ASPLOS 2010): each thread gets a random priority >= depth;
// the highest-priority runnable thread runs; at depth-1 random steps in
// [1, steps] the running thread's priority drops to the change point's index
// (below every initial priority). With `lifecycle_only`, the steps are
// counted among lifecycle steps only (the change points fall at the k-th
// lifecycle step), so a long query's batch loop does not dilute them.
class PctStrategy : public Strategy {
 public:
  PctStrategy(std::uint64_t seed, int depth, std::uint64_t steps, bool lifecycle_only)
      : rng_(seed), depth_(std::max(depth, 1)), lifecycle_only_(lifecycle_only) {
    for (int i = 1; i < depth_; ++i) change_points_.push_back(1 + rng_.below(std::max<std::uint64_t>(steps, 1)));
  }
  void onSpawn(int id) override {
    if (static_cast<int>(priorities_.size()) <= id) priorities_.resize(id + 1, 0);
    // Distinct and above every change-point priority: random high bits, id low bits.
    priorities_[id] = (static_cast<std::uint64_t>(depth_) << 40) + (rng_.below(1u << 24) << 8) + id;
  }
  int pick(std::uint64_t runnable, int, std::uint64_t step, bool lifecycle, std::string*) override {
    int best = highest(runnable);
    if (lifecycle_only_) {
      if (!lifecycle) return best;
      step = counted_++;
    }
    for (std::size_t i = 0; i < change_points_.size(); ++i) {
      if (change_points_[i] == step) {
        priorities_[best] = i;  // lower than any initial priority
        best = highest(runnable);
      }
    }
    return best;
  }

 private:
  int highest(std::uint64_t runnable) const {
    int best = -1;
    for (std::uint64_t m = runnable; m != 0; m &= m - 1) {
      int id = std::countr_zero(m);
      if (best < 0 || priorities_[id] > priorities_[best]) best = id;
    }
    return best;
  }

  Rng rng_;
  const int depth_;
  const bool lifecycle_only_;
  std::uint64_t counted_ = 0;
  std::vector<std::uint64_t> change_points_;
  std::vector<std::uint64_t> priorities_;
};

// kReplay (strict) and kPrefix (decisions, then the chooser).
class DecisionStrategy : public Strategy {
 public:
  DecisionStrategy(const testing::ControlledOptions& options, bool strict)
      : decisions_(options.decisions), chooser_(options.chooser), strict_(strict) {}

  int pick(std::uint64_t runnable, int current, std::uint64_t step, bool, std::string* why) override {
    if (step < decisions_.size()) {
      int chosen = decisions_[step];
      if (has(runnable, chosen)) return chosen;
      *why = "the trace runs thread " + std::to_string(chosen) + ", which cannot run here (runnable: " +
             describeMask(runnable) + ")";
      return -1;
    }
    if (strict_) {
      *why = "the trace ends after " + std::to_string(decisions_.size()) + " steps but the run goes on";
      return -1;
    }
    if (chooser_) {
      int chosen = chooser_(runnable, current);
      if (has(runnable, chosen)) return chosen;
    }
    return keepCurrent(runnable, current);
  }

  bool finish(std::uint64_t steps, std::string* why) override {
    if (!strict_ || steps == decisions_.size()) return true;
    *why = "the run ended after " + std::to_string(steps) + " steps; the trace has " +
           std::to_string(decisions_.size());
    return false;
  }

 private:
  const std::vector<std::uint8_t> decisions_;
  const std::function<int(std::uint64_t, int)> chooser_;
  const bool strict_;
};

}  // namespace

std::string describeMask(std::uint64_t mask) {
  if (mask == 0) return "none";
  std::string text;
  for (std::uint64_t m = mask; m != 0; m &= m - 1) {
    if (!text.empty()) text += ", ";
    text += std::to_string(std::countr_zero(m));
  }
  return text;
}

std::unique_ptr<Strategy> makeStrategy(const testing::ControlledOptions& options) {
  using S = testing::ControlledOptions::Strategy;
  switch (options.strategy) {
    case S::kRandom: return std::make_unique<RandomStrategy>(options.seed);
    case S::kPct: return std::make_unique<PctStrategy>(options.seed, options.pct_depth, options.pct_steps,
                                                        options.pct_lifecycle_only);
    case S::kReplay: return std::make_unique<DecisionStrategy>(options, /*strict=*/true);
    case S::kPrefix: return std::make_unique<DecisionStrategy>(options, /*strict=*/false);
  }
  return nullptr;
}

}  // namespace lifeguard::sync::control
