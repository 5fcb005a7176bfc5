// The engine's own threads in a failure's timeline (private to the reports):
// under a controlled scheduler the decision trace says which thread ran at
// each step, and each event of the history at which step it happened, so
// the steps of threads that are no actor's (the engine's workers) can be
// drawn on the same axes as the actors' operations.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "lifeguard/harness/history.h"

namespace lifeguard::harness::html {

// Where a stretch of steps falls on the timeline's two axes, in percent.
struct Stretch {
  double order_from, order_to, time_from, time_to;
  std::uint64_t first_step, last_step;
};

struct ThreadLane {
  int thread = 0;
  std::vector<Stretch> stretches;  // neighbours closer than a hair are merged
};

// The lanes of the threads above 1..actors (thread 0 joins the actors and
// runs the teardown) that ran at least one step. `slots` is the order
// axis's width (events + 1), `end_ms` the time axis's. Empty if the history
// carries no steps.
std::vector<ThreadLane> engineThreadLanes(const std::vector<std::uint8_t>& decisions, int actors,
                                          const std::vector<Event>& history, std::size_t slots, double end_ms);

}  // namespace lifeguard::harness::html
