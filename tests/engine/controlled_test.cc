// The controlled scheduler: one thread at a time, modelled blocking, virtual
// time, exact replay, and deadlock, livelock and divergence reports.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
#include <set>
#include <vector>

#include "lifeguard/connection.h"
#include "lifeguard/database.h"
#include "lifeguard/query_result.h"
#include "lifeguard/testing/hooks.h"
#include "lifeguard/sync/sync.h"

namespace lifeguard {
namespace {

#if !defined(LIFEGUARD_SYNC_POINTS)
TEST(ControlledTest, NotInThisBuild) { GTEST_SKIP() << "release builds have no controlled scheduler"; }
#else

using testing::ControlledOptions;
using testing::ControlledTrace;
using Strategy = ControlledOptions::Strategy;

// Two connections race a query against each other and a close.
void engineWorkload() {
  auto db = std::make_unique<Database>(":memory:", Options{});
  Connection a(db.get()), b(db.get());
  sync::Thread t1([&] { (void)a.query("SELECT sum(x) FROM range(0, 300000)"); });
  sync::Thread t2([&] { (void)b.query("SELECT sum(x) FROM range(0, 200000)"); });
  t1.join();
  t2.join();
}

ControlledTrace runEngine(ControlledOptions options) {
  return testing::runControlled(options, {engineWorkload}, [] {});
}

TEST(ControlledTest, SameSeedSameTrace) {
  for (Strategy strategy : {Strategy::kRandom, Strategy::kPct}) {
    ControlledOptions options;
    options.strategy = strategy;
    options.seed = 11;
    ControlledTrace first = runEngine(options), second = runEngine(options);
    EXPECT_GT(first.steps(), 50u);
    EXPECT_EQ(first.decisions, second.decisions);
    EXPECT_EQ(first.checks, second.checks);
  }
}

TEST(ControlledTest, DifferentSeedsExploreDifferentInterleavings) {
  ControlledOptions options;
  options.seed = 1;
  ControlledTrace one = runEngine(options);
  options.seed = 2;
  EXPECT_NE(one.decisions, runEngine(options).decisions);
}

TEST(ControlledTest, ReplayFollowsTheRecordedTraceExactly) {
  ControlledOptions options;
  options.strategy = Strategy::kPct;
  options.seed = 5;
  ControlledTrace recorded = runEngine(options);
  ControlledOptions replay;
  replay.strategy = Strategy::kReplay;
  replay.decisions = recorded.decisions;
  replay.checks = recorded.checks;
  EXPECT_EQ(runEngine(replay).runnable, recorded.runnable);
}

TEST(ControlledTest, ReplayThatDepartsFromItsTraceSaysWhereAndStops) {
  ControlledOptions options;
  options.seed = 3;
  ControlledTrace recorded = runEngine(options);
  ControlledOptions replay;
  replay.strategy = Strategy::kReplay;
  replay.decisions = recorded.decisions;
  replay.decisions.pop_back();
  EXPECT_EXIT(runEngine(replay), ::testing::ExitedWithCode(testing::kControlledDivergenceExit),
              "DIVERGENCE: at step [0-9]+ .*trace ends after");
  replay.decisions = recorded.decisions;
  replay.decisions[0] = 9;  // there is no thread 9 at the first step
  EXPECT_EXIT(runEngine(replay), ::testing::ExitedWithCode(testing::kControlledDivergenceExit),
              "DIVERGENCE: at step 0 .*runs thread 9, which cannot run");
}

TEST(ControlledTest, MutexBlocksInsteadOfSpinningAndKeepsMutualExclusion) {
  sync::Mutex mu;
  int inside = 0, max_inside = 0, total = 0;
  auto body = [&] {
    for (int i = 0; i < 20; ++i) {
      sync::MutexLock lock(mu);
      max_inside = std::max(max_inside, ++inside);
      sync::control::point("inside", {__FILE__, __LINE__});  // a chance to be preempted while holding it
      ++total;
      --inside;
    }
  };
  ControlledOptions options;
  options.seed = 7;
  ControlledTrace trace = testing::runControlled(options, {body, body, body}, [] {});
  EXPECT_EQ(total, 60);
  EXPECT_EQ(max_inside, 1);
  // No spinning: the steps are bounded by the operations, not by waiting.
  EXPECT_LT(trace.steps(), 60u * 4 + 40);
}

TEST(ControlledTest, TimedWaitsUseVirtualTime) {
  sync::Mutex mu;
  sync::CondVar cv;
  bool notified = true;
  std::chrono::hours waited{0};
  auto real_start = std::chrono::steady_clock::now();
  testing::runControlled({}, {[&] {
                           sync::MutexLock lock(mu);
                           auto start = sync::now();
                           notified = cv.waitUntil(lock, start + std::chrono::hours(5));
                           waited = std::chrono::duration_cast<std::chrono::hours>(sync::now() - start);
                         }},
                         [] {});
  EXPECT_FALSE(notified);
  EXPECT_EQ(waited.count(), 5);
  EXPECT_LT(std::chrono::steady_clock::now() - real_start, std::chrono::seconds(5));
}

// Two threads take two mutexes in opposite orders; some seed interleaves
// them into the classic deadlock (the seeds are fixed: same seed, same run).
void opposedLocks() {
  auto lockBoth = [](sync::Mutex& first, sync::Mutex& second) {
    sync::MutexLock a(first);
    sync::MutexLock b(second);
  };
  for (std::uint64_t seed = 1; seed <= 100; ++seed) {
    ControlledOptions options;
    options.seed = seed;
    sync::Mutex x, y;
    testing::runControlled(options, {[&] { lockBoth(x, y); }, [&] { lockBoth(y, x); }}, [] {});
  }
}

TEST(ControlledTest, DeadlockIsReportedWithEveryThreadsPosition) {
  EXPECT_EXIT(opposedLocks(), ::testing::ExitedWithCode(testing::kControlledHangExit),
              "HANG: deadlock: no controlled thread can run.*thread 0: waiting to join.*"
              "thread 1: waiting for a mutex.*controlled_test.cc:[0-9]+.*thread 2: waiting for a mutex");
}

void spinForever() {
  ControlledOptions options;
  options.max_steps = 1000;
  sync::Atomic<bool> stop{false};
  testing::runControlled(options, {[&] {
                           while (!stop.load()) {
                           }
                         }},
                         [] {});
}

TEST(ControlledTest, StepBoundTurnsALivelockIntoAClearFailure) {
  EXPECT_EXIT(spinForever(), ::testing::ExitedWithCode(testing::kControlledHangExit),
              "HANG: livelock: .*step bound of 1000 steps");
}

// A waiter checks a flag, then waits; the notifier sets the flag and
// notifies without taking the waiter's mutex. If the notify lands between
// the check and the wait, it is lost and the waiter sleeps forever. The
// scheduler has a step between the two, so some seed reaches it.
void lostWakeUp(bool notifier_takes_mutex) {
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    ControlledOptions options;
    options.seed = seed;
    sync::Mutex mu;
    sync::CondVar cv;
    sync::Atomic<bool> ready{false};
    auto waiter = [&] {
      sync::MutexLock lock(mu);
      while (!ready.load()) cv.wait(lock);
    };
    auto notifier = [&] {
      if (notifier_takes_mutex) {
        sync::MutexLock lock(mu);
        ready.store(true);
      } else {
        ready.store(true);
      }
      cv.notifyAll();
    };
    testing::runControlled(options, {waiter, notifier}, [] {});
  }
}

TEST(ControlledTest, ALostWakeUpBetweenACheckAndItsWaitCanBeScheduled) {
  EXPECT_EXIT(lostWakeUp(false), ::testing::ExitedWithCode(testing::kControlledHangExit),
              "HANG: deadlock: .*thread 1: waiting on a condition variable");
}

TEST(ControlledTest, ANotifierThatTakesTheMutexNeverLosesTheWakeUp) {
  lostWakeUp(true);  // 200 seeds; a hang would end the process
}

// Thread 1 runs a long loop, then stores x and y; thread 2 sees a bug if it
// runs between the two stores: a depth-2 bug after thousands of loop steps.
bool depthTwoBugAfterALoop(std::uint64_t seed, bool lifecycle_only, std::uint64_t* lifecycle_steps,
                           std::uint64_t* steps) {
  ControlledOptions options;
  options.strategy = Strategy::kPct;
  options.seed = seed;
  options.pct_depth = 2;
  options.pct_lifecycle_only = lifecycle_only;
  options.pct_steps = lifecycle_only ? 20 : 5000;  // about each run's length, as a campaign learns it
  sync::Atomic<int> x{0}, y{0}, loop{0};
  bool bug = false;
  ControlledTrace trace = testing::runControlled(
      options,
      {[&] {
         for (int i = 0; i < 2000; ++i) loop.fetch_add(1);
         x.store(1);
         y.store(1);
       },
       [&] { bug = x.load() == 1 && y.load() == 0; }},
      [] {});
  *lifecycle_steps = trace.lifecycle_steps;
  *steps = trace.steps();
  return bug;
}

TEST(ControlledTest, PctAmongLifecycleStepsCountsALoopOnceAndHitsWhatFollowsIt) {
  int found_lifecycle = 0, found_all = 0;
  std::uint64_t k = 0, steps = 0;
  for (std::uint64_t seed = 1; seed <= 200; ++seed) {
    found_lifecycle += depthTwoBugAfterALoop(seed, true, &k, &steps);
    EXPECT_LT(k, 40u);
    EXPECT_GT(steps, 2000u);
    found_all += depthTwoBugAfterALoop(seed, false, &k, &steps);
  }
  // PCT's bound for d = 2 is 1/(n k): 1/(2 * ~20) among lifecycle steps,
  // 1/(2 * ~2000) among all of them.
  EXPECT_GE(found_lifecycle, 5);
  EXPECT_LE(found_all, 2);
  std::printf("depth-2 bug after a loop, 200 seeds: found %d times counting lifecycle steps, %d counting all\n",
              found_lifecycle, found_all);
}

// A check-then-act gate one step wide: a caller checks `closed`, then
// enters; a closer that found it empty "frees" it. A caller that entered
// after that and reads is the use-after-free.
struct ToyGate {
  sync::Atomic<bool> closed{false};
  sync::Atomic<int> entered{0};
  bool freed = false;
  bool late = false;
};
void access(ToyGate& gate, bool reads) {
  if (gate.closed.load()) return;
  gate.entered.fetch_add(1);  // the bug: no second look at `closed`
  if (reads && gate.freed) gate.late = true;
  gate.entered.fetch_sub(1);
}

enum class Shape {
  kTwoGates,  // a query: its connection's gate, then its database's (same lines, two objects)
  kLoop,      // a result read row by row: one gate twice, only the second access reads
};
enum class Unit { kDistinct, kOwn };  // controlledDistinctSteps, controlledStepsOf(the caller)

// Thread 1 accesses the gates; thread 2 waits until K steps passed (in
// `unit`) since thread 1 began, then closes the last gate thread 1 uses,
// running ahead of thread 1 or not; with `noise`, a third actor meanwhile
// takes distinct steps of its own (loads of 32 atomics, four times). Whether
// a read came late.
bool lateRead(std::uint64_t seed, std::uint64_t k, bool run_ahead, Shape shape, Unit unit, bool noise = false) {
  ControlledOptions options;
  options.strategy = Strategy::kRandom;
  options.seed = seed;
  ToyGate gates[2];
  ToyGate& target = shape == Shape::kTwoGates ? gates[1] : gates[0];
  std::atomic<bool> closer_waits{false};
  std::atomic<int> caller{-1};
  std::atomic<std::uint64_t> base{0};
  std::atomic<bool> done{false};  // K past the caller's end: the close comes after it
  auto steps = [&] {
    return unit == Unit::kOwn ? testing::controlledStepsOf(caller) : testing::controlledDistinctSteps();
  };
  std::vector<std::function<void()>> actors = {
      [&] {
         testing::controlledWaitUntil([&] { return closer_waits.load(); });
         base = unit == Unit::kOwn ? testing::controlledStepsOf(testing::controlledThreadId())
                                   : testing::controlledDistinctSteps();
         caller = testing::controlledThreadId();
         access(gates[0], shape == Shape::kTwoGates);
         access(shape == Shape::kTwoGates ? gates[1] : gates[0], true);
         done = true;
       },
       [&] {
         closer_waits = true;
         testing::controlledWaitUntil([&] { return done || (caller >= 0 && steps() - base >= k); }, run_ahead);
         target.closed.store(true);
         if (target.entered.load() == 0) target.freed = true;
       }};
  if (noise) {
    actors.push_back([] {
      sync::Atomic<int> cells[32];
      for (int round = 0; round < 4; ++round) {
        for (auto& cell : cells) cell.load();
      }
    });
  }
  testing::runControlled(options, std::move(actors), [] {});
  return target.late;
}

// Under 20 strategy seeds: for how many some K in 1..12 catches the late
// read while running ahead, and for how many of those that K catches it
// without running ahead.
std::pair<int, int> sweepToy(Shape shape, Unit unit) {
  int found = 0, without = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    for (std::uint64_t k = 1; k <= 12; ++k) {
      if (!lateRead(seed, k, true, shape, unit)) continue;
      ++found;
      without += lateRead(seed, k, false, shape, unit);
      break;
    }
  }
  return {found, without};
}

// `await A.I at K` (lifeguard sweep): the closer fires at the caller's K-th
// step and runs ahead, so a one-step window between a check and its act is
// reached exactly, under every seed. Steps count as the caller sees them:
// its own, each one, and the other threads' distinct ones. Counted in
// distinct steps only, two gates entered through the same lines are still
// told apart (another object), but the second access of a loop over one gate
// is folded into the first, and no K reaches it (mutant 14: a result's
// second row access). Without running ahead, the K that reaches the window
// catches it only when the strategy lets the closer finish first.
TEST(ControlledTest, AnAwaitAtKClosesBetweenTwoAdjacentStepsOfAnotherThread) {
  auto [two_gates, two_gates_without] = sweepToy(Shape::kTwoGates, Unit::kDistinct);
  EXPECT_EQ(two_gates, 20);
  EXPECT_LT(two_gates_without, 10);
  auto [loop_distinct, loop_distinct_without] = sweepToy(Shape::kLoop, Unit::kDistinct);
  EXPECT_EQ(loop_distinct, 0);
  auto [loop_own, loop_own_without] = sweepToy(Shape::kLoop, Unit::kOwn);
  EXPECT_EQ(loop_own, 20);
  EXPECT_LT(loop_own_without, 10);
  std::printf("seeds (of 20) where a K catches the late read, running ahead (and that K without): two gates in "
              "distinct steps %d (%d); a loop in distinct steps %d (%d); a loop in the caller's steps %d (%d)\n",
              two_gates, two_gates_without, loop_distinct, loop_distinct_without, loop_own, loop_own_without);
}

// Another actor's steps are never part of the caller's operation, so they do
// not count in its K: with a third actor taking distinct steps at random
// moments, the K that catches the late read is the same under every seed.
// (Counted, they would move it by however many of them the strategy ran
// first, and a sweep's sample would miss a one-step window.)
TEST(ControlledTest, AnotherActorsStepsDoNotMoveTheSweepsPoint) {
  std::set<std::uint64_t> ks;
  int found = 0;
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    for (std::uint64_t k = 1; k <= 12; ++k) {
      if (!lateRead(seed, k, true, Shape::kLoop, Unit::kOwn, /*noise=*/true)) continue;
      ++found;
      ks.insert(k);
      break;
    }
  }
  EXPECT_EQ(found, 20);
  EXPECT_EQ(ks.size(), 1u);
}

#endif  // LIFEGUARD_SYNC_POINTS

}  // namespace
}  // namespace lifeguard
