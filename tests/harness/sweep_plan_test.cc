// What a campaign's sweep fires where (issue 21): the steps of a raced
// operation it fires the close at, and which of a schedule's closes it
// sweeps.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "support/schedule_text.h"
#include "sweep_plan.h"

namespace lifeguard::harness {
namespace {

bool has(const std::vector<std::uint64_t>& ks, std::uint64_t k) { return std::count(ks.begin(), ks.end(), k) == 1; }

// The first steps of each later phase (planned, running) are swept too: a
// window that opens as a query is planned is a few steps wide, and a stratum
// of a long operation holds it with a small chance.
TEST(SweepPlanTest, ACampaignAlsoSweepsTheFirstStepsOfEachPhase) {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    const std::vector<std::uint64_t> ks = sweepPoints(80, 8, seed, {15, 20});
    EXPECT_TRUE(std::is_sorted(ks.begin(), ks.end()));
    EXPECT_TRUE(std::adjacent_find(ks.begin(), ks.end()) == ks.end()) << "distinct";
    for (std::uint64_t k : {0, 1, 2, 3, 16, 17, 21, 22}) EXPECT_TRUE(has(ks, k)) << "seed " << seed << " K " << k;
    EXPECT_LE(ks.size(), 8u + 2 * kPhaseHead);
    EXPECT_LE(ks.back(), 80u);
  }
  // A phase reached at the operation's last step adds nothing past its end.
  EXPECT_EQ(sweepPoints(40, 8, 3, {40}).back(), 40u);
  EXPECT_LE(sweepPoints(40, 8, 3, {40}).size(), 8u);
  // Without phases: the head and one point per stratum, as before.
  const std::vector<std::uint64_t> plain = sweepPoints(80, 8, 5);
  EXPECT_EQ(plain.size(), 8u);
  EXPECT_EQ(std::vector<std::uint64_t>(plain.begin(), plain.begin() + 4), (std::vector<std::uint64_t>{0, 1, 2, 3}));
  // A short operation is swept at every point, phases or not.
  EXPECT_EQ(sweepPoints(5, 8, 1, {2}).size(), 6u);
}

Schedule threeDisconnectsAndTwoInterrupts() {
  return test::parseInline(
      "actor 0\n  open_db\n  connect c1\n  query c1 - long 3000000\n  query c1 - long 3000000\n"
      "actor 1\n  await 0.2 running\n  disconnect c1\n  await 0.2 running\n  disconnect c1\n"
      "  await 0.2 running\n  disconnect c1\n  await 0.3 started\n  interrupt c1\n"
      "  await 0.3 running\n  interrupt c1\n  query c1 - long 1000\n");
}

// Each kind of close a schedule has gets an equal share of the campaign's
// sweeps, however many of each the generator drew; within a kind, a closer
// that calls the handle again at once (here: the query issued right after
// an interrupt) is swept most of the time.
TEST(SweepPlanTest, EachKindOfCloseGetsAnEqualShareAndACloserThatGoesOnMost) {
  Schedule s = threeDisconnectsAndTwoInterrupts();
  const std::vector<ClosePoint> points = closePoints(s);
  ASSERT_EQ(points.size(), 5u);
  EXPECT_FALSE(closerGoesOn(s, points[3]));
  EXPECT_TRUE(closerGoesOn(s, points[4]));
  std::map<int, int> drawn;  // by the await's index in actor 1
  const int kSeeds = 800;
  for (std::uint64_t seed = 1; seed <= kSeeds; ++seed) {
    s.seed = seed;
    ClosePoint p = drawClosePoint(s, points);
    ASSERT_EQ(p.actor, 1);
    ++drawn[p.index];
  }
  const int interrupts = drawn[6] + drawn[8];
  EXPECT_NEAR(interrupts, kSeeds / 2, kSeeds / 10) << "uniform over points would give 2 in 5";
  EXPECT_NEAR(drawn[8], interrupts * 7 / 8, kSeeds / 10) << "3/4 and half of the rest";
  for (int index : {0, 2, 4}) EXPECT_GT(drawn[index], 0) << "every point is drawn sometimes";
}

}  // namespace
}  // namespace lifeguard::harness
