// Strategies of the controlled scheduler: who runs at each step.
//
// A strategy sees, at each scheduling point, the set of runnable threads (a
// bit mask by thread id) and the thread that reached the point, and answers
// with the thread to run. Strategies are deterministic functions of their
// options (seed, decisions): the same inputs give the same run.
//
// Thread-safety: called by the controller under its lock only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "lifeguard/sync/controlled.h"

namespace lifeguard::sync::control {

class Strategy {
 public:
  virtual ~Strategy() = default;
  // A new thread exists (ids are dense, in creation order).
  virtual void onSpawn(int id) { (void)id; }
  // Returns the thread to run at `step` (0-based), or -1 with `why` set if
  // the strategy cannot go on (a replay that diverged). `lifecycle` says
  // whether the point that led to this step is a lifecycle step (see
  // ControlledOptions::pct_lifecycle_only).
  virtual int pick(std::uint64_t runnable, int current, std::uint64_t step, bool lifecycle, std::string* why) = 0;
  // The run ended after `steps` steps; false with `why` if that departs from
  // what the strategy expected.
  virtual bool finish(std::uint64_t steps, std::string* why) {
    (void)steps, (void)why;
    return true;
  }
};

std::unique_ptr<Strategy> makeStrategy(const testing::ControlledOptions& options);

// splitmix64: small, fast, and the same on every platform.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }

 private:
  std::uint64_t state_;
};

// "2, 5 and 7" for a mask, for reports.
std::string describeMask(std::uint64_t mask);

}  // namespace lifeguard::sync::control
