// What a sweep fires, and where (issue 21): a schedule's close points, the
// one a campaign draws, and the steps K of the raced operation at which the
// close is fired (lifeguard sweep and `run --strategy sweep` run them:
// cli_sweep.cc). Pure functions of a schedule and numbers, so that a
// campaign's choices replay anywhere.
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

// Whether the closer at `point` calls the handle it closed again at once (a
// query after an interrupt, a destroy after a close).
bool closerGoesOn(const Schedule& schedule, ClosePoint point);

// The close point a campaign sweeps, drawn from schedule.seed: first a kind
// of close (each kind the schedule has gets an equal share), then a point
// of that kind whose closer goes on with the handle (closerGoesOn), 3 times
// in 4 when there is one, else any. `points` must not be empty.
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

}  // namespace lifeguard::harness
