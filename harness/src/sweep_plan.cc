#include "sweep_plan.h"

#include <algorithm>
#include <random>

namespace lifeguard::harness {

std::vector<ClosePoint> closePoints(const Schedule& s) {
  std::vector<ClosePoint> points;
  for (int b = 0; b < static_cast<int>(s.actors.size()); ++b) {
    const auto& ops = s.actors[b];
    for (int j = 0; j + 1 < static_cast<int>(ops.size()); ++j) {
      const Op& await = ops[j];
      bool candidate = await.kind == OpKind::kAwait && await.await_actor != b &&
                       await.await_event != AwaitEvent::kReturned && isLifecycleCut(ops[j + 1].kind);
      if (candidate) points.push_back(ClosePoint{b, j});
    }
  }
  return points;
}

// Three calls meet on one handle, and a close that returned before its work
// was done meets the next call.
bool closerGoesOn(const Schedule& schedule, ClosePoint point) {
  const std::vector<Op>& ops = schedule.actors[point.actor];
  const std::size_t next = static_cast<std::size_t>(point.index) + 2;
  return next < ops.size() && ops[next].handle == ops[next - 1].handle;
}

// Each kind an equal share: the generator draws disconnects far more often
// than interrupts, and each kind has windows of its own. A point drawn, not
// the first: the first alone would leave a later close never swept.
ClosePoint drawClosePoint(const Schedule& schedule, const std::vector<ClosePoint>& points) {
  auto kind = [&](ClosePoint p) { return schedule.actors[p.actor][p.index + 1].kind; };
  std::vector<OpKind> kinds;
  for (ClosePoint point : points) {
    if (std::find(kinds.begin(), kinds.end(), kind(point)) == kinds.end()) kinds.push_back(kind(point));
  }
  std::mt19937_64 rng(schedule.seed ^ 0x636c6f7365ULL);  // "close": not the sweep points' draws
  const OpKind drawn = kinds[rng() % kinds.size()];
  std::vector<ClosePoint> of_kind, going_on;
  for (ClosePoint point : points) {
    if (kind(point) != drawn) continue;
    of_kind.push_back(point);
    if (closerGoesOn(schedule, point)) going_on.push_back(point);
  }
  const std::vector<ClosePoint>& from = !going_on.empty() && rng() % 4 != 0 ? going_on : of_kind;
  return from[rng() % from.size()];
}

std::vector<std::uint64_t> sweepPoints(std::uint64_t n, std::uint64_t m, std::optional<std::uint64_t> seed,
                                       const std::vector<std::uint64_t>& phases) {
  std::vector<std::uint64_t> out;
  if (n + 1 <= m) {
    for (std::uint64_t k = 0; k <= n; ++k) out.push_back(k);
    return out;
  }
  if (!seed) {
    for (std::uint64_t i = 0; i < m; ++i) out.push_back(m == 1 ? 0 : i * n / (m - 1));
  } else {
    // The operation's first steps, where its admission checks are (a gate, a
    // guard: a check-then-act window there is one step wide), then one point
    // drawn in each of the equal strata of the rest (std::mt19937_64, whose
    // output the standard fixes, so a campaign's points replay anywhere).
    const std::uint64_t head = (m + 1) / 2, strata = m - head, rest = n + 1 - head;
    for (std::uint64_t k = 0; k < head; ++k) out.push_back(k);
    std::mt19937_64 rng(*seed);
    for (std::uint64_t i = 0; i < strata; ++i) {
      const std::uint64_t begin = i * rest / strata, end = (i + 1) * rest / strata;
      out.push_back(head + begin + rng() % (end - begin));
    }
  }
  // The first steps of each later phase (planned, running): there the
  // contract's verdict changes, and the phase's own checks are.
  for (std::uint64_t p : phases) {
    for (std::uint64_t k = p + 1; k <= std::min(n, p + kPhaseHead); ++k) out.push_back(k);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace lifeguard::harness
