// What a sweep fires, and where (issue 21): a schedule's close points, the
// one a campaign draws, and the steps K of the raced operation at which the
// close is fired (lifeguard sweep and `run --strategy sweep` run them:
// cli_sweep.cc). Pure functions of a schedule and numbers, so that a
// campaign's choices replay anywhere; except how many points a slow
// schedule gets (withinBudget), which takes a time its caller measured.
//
// Thread-safety: none needed (no state).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "lifeguard/harness/schedule.h"

namespace lifeguard::harness {

// A close point: an await of another actor's operation (invoked, started or
// running) right before a close, by (actor, index of the await).
struct ClosePoint {
  int actor = 0, index = 0;
};

// Every close point of the schedule, in actor and operation order.
std::vector<ClosePoint> closePoints(const Schedule& schedule);

// Whether the close at `point` finds its handle already closed by its own
// actor (a close after that actor's close or drop of the handle, a drop
// after its drop, with nothing opening the handle again in between): such
// a close races nothing, whatever K it is fired at. An interrupt never is.
bool closesAClosedHandle(const Schedule& schedule, ClosePoint point);

// The close point a campaign sweeps: points[seed mod size] of the points
// whose close finds its handle open (closesAClosedHandle; of all of them if
// none does). `points` must not be empty.
ClosePoint drawClosePoint(const Schedule& schedule, const std::vector<ClosePoint>& points);

// The first steps of a phase swept after it began (sweepPoints).
inline constexpr std::uint64_t kPhaseHead = 2;

// K = 0..n if that is at most m points; else an even sample of m of them,
// or, with a seed (a campaign), the first ceil(m/2) points (where an
// operation's admission checks are) and one drawn from each of the equal
// strata of the rest, so that a campaign's schedules cover every point;
// then also K = p+1 .. p+kPhaseHead for each p of `phases` (the steps at
// which the operation reached a later phase: started, running). Sorted,
// distinct, at most n.
std::vector<std::uint64_t> sweepPoints(std::uint64_t n, std::uint64_t m,
                                       std::optional<std::uint64_t> seed = std::nullopt,
                                       const std::vector<std::uint64_t>& phases = {});

// The time a campaign spends on one schedule's sweep, about, in
// microseconds: a schedule with long queries nobody stops runs a second each
// time on the dev build (its steps do not show it: an engine's batch is one
// step), and its 20 or 30 points would take a third of a 60 s campaign.
inline constexpr std::uint64_t kSweepBudgetUs = 5'000'000;

// At most max(1, budget / run_cost) of `ks` (run_cost: what the measuring
// run took, in the budget's unit), spread evenly over them, the first
// always kept (the operation's head); `ks` as is if they fit.
std::vector<std::uint64_t> withinBudget(const std::vector<std::uint64_t>& ks, std::uint64_t run_cost,
                                        std::uint64_t budget = kSweepBudgetUs);

}  // namespace lifeguard::harness
