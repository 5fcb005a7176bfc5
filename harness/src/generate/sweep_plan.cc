#include "generate/sweep_plan.h"

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

// The generator closes a handle again and again (a caller that closes on
// every path); only the first close of it races anything.
bool closesAClosedHandle(const Schedule& schedule, ClosePoint point) {
  const std::vector<Op>& ops = schedule.actors[point.actor];
  const Op& close = ops[point.index + 1];
  auto releases = [](OpKind k) { return k == OpKind::kDrop || k == OpKind::kDropDb; };
  auto closes = [](OpKind k) {
    return k == OpKind::kCloseDb || k == OpKind::kDisconnect || k == OpKind::kCloseResult;
  };
  if (!closes(close.kind) && !releases(close.kind)) return false;  // an interrupt, a reopen
  bool closed = false, released = false;
  for (int i = 0; i <= point.index; ++i) {
    const Op& op = ops[i];
    const bool opens = (op.handle == close.handle && (op.kind == OpKind::kOpenDb || op.kind == OpKind::kReopen ||
                                                       op.kind == OpKind::kConnect)) ||
                       (op.result == close.handle && (op.kind == OpKind::kQuery || op.kind == OpKind::kExecute ||
                                                        op.kind == OpKind::kPrepare));
    if (opens) closed = released = false;
    if (op.handle != close.handle) continue;
    closed = closed || closes(op.kind) || releases(op.kind);
    released = released || releases(op.kind);
  }
  return releases(close.kind) ? released : closed;
}

// Uniform over the points: measured against a draw that gave each kind of
// close an equal share (docs/guide.md, "Sweep"), it reached more mutants.
ClosePoint drawClosePoint(const Schedule& schedule, const std::vector<ClosePoint>& all) {
  std::vector<ClosePoint> points;
  for (ClosePoint point : all) {
    if (!closesAClosedHandle(schedule, point)) points.push_back(point);
  }
  if (points.empty()) points = all;
  return points[schedule.seed % points.size()];
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

std::vector<std::uint64_t> withinBudget(const std::vector<std::uint64_t>& ks, std::uint64_t run_cost,
                                        std::uint64_t budget) {
  const std::uint64_t runs = std::max<std::uint64_t>(1, budget / std::max<std::uint64_t>(1, run_cost));
  if (ks.size() <= runs) return ks;
  std::vector<std::uint64_t> out;
  for (std::uint64_t i = 0; i < runs; ++i) out.push_back(ks[i * ks.size() / runs]);
  return out;
}

}  // namespace lifeguard::harness
