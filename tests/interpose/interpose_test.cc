// The interposition layer (sync/interpose.h) on a library it does not know:
// unmodified_engine.h, a shared library of its own that synchronises through
// std:: and POSIX only, as a prebuilt engine does.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "lifeguard/sync/controlled.h"
#include "unmodified_engine.h"

namespace lifeguard {
namespace {

using testing::ControlledOptions;
using testing::ControlledTrace;
using Strategy = ControlledOptions::Strategy;

ControlledOptions pct(std::uint64_t seed) {
  ControlledOptions options;
  options.strategy = Strategy::kPct;
  options.seed = seed;
  options.interpose = true;
  return options;
}

ControlledOptions replaying(const ControlledTrace& trace) {
  ControlledOptions options;
  options.strategy = Strategy::kReplay;
  options.decisions = trace.decisions;
  options.checks = trace.checks;
  options.interpose = true;
  return options;
}

TEST(InterposeTest, ThisProgramBindsTheLibrarysCalls) {
  std::string why;
  EXPECT_TRUE(testing::interpositionAvailable(&why)) << why;
}

TEST(InterposeTest, OutsideARunTheLibraryRunsAsUsual) {
  unmodified::Pool pool(2);
  std::atomic<int> ran{0};
  for (int i = 0; i < 20; ++i) pool.submit([&] { ran.fetch_add(1); });
  pool.waitIdle();
  EXPECT_EQ(ran.load(), 20);
  unmodified::PingPong game;
  std::thread pong([&] { game.pong(5); });
  game.ping(5);
  pong.join();
  EXPECT_EQ(game.turns(), (std::vector<int>{0, 1, 0, 1, 0, 1, 0, 1, 0, 1}));
}

// The library's lost update is a race between its own lock scopes: only a
// scheduler that preempts at the library's locks can find it.
TEST(InterposeTest, PctFindsTheLibrarysLostUpdateAndItsTraceReplaysExactly) {
  std::optional<ControlledTrace> lost;
  int found_at = 0;
  for (std::uint64_t seed = 1; seed <= 50 && !lost; ++seed) {
    unmodified::Counter counter;
    int value = 0;
    ControlledTrace trace = testing::runControlled(
        pct(seed), {[&] { counter.add(); }, [&] { counter.add(); }}, [&] { value = counter.value(); });
    if (value == 1) lost = trace, found_at = static_cast<int>(seed);
  }
  ASSERT_TRUE(lost.has_value()) << "PCT never interleaved the library's two lock scopes in 50 seeds";
  for (int run = 0; run < 20; ++run) {
    unmodified::Counter counter;
    int value = 0;
    ControlledTrace again = testing::runControlled(
        replaying(*lost), {[&] { counter.add(); }, [&] { counter.add(); }}, [&] { value = counter.value(); });
    EXPECT_EQ(value, 1) << "replay " << run << " of seed " << found_at;
    EXPECT_EQ(again.decisions, lost->decisions);
  }
}

// Threads the library starts (its pool's workers) are controlled threads:
// the same seed takes the same decisions, among more threads than the actors.
TEST(InterposeTest, TheLibrarysOwnThreadsRunUnderControlAndTheSameSeedTakesTheSameDecisions) {
  auto run = [](std::uint64_t seed, int* sum) {
    std::optional<unmodified::Pool> pool;
    std::atomic<int> total{0};
    ControlledTrace trace = testing::runControlled(
        pct(seed),
        {[&] {
           pool.emplace(2);
           for (int i = 1; i <= 5; ++i) pool->submit([&, i] { total.fetch_add(i); });
           pool->waitIdle();
           pool.reset();
         }},
        [] {});
    *sum = total.load();
    return trace;
  };
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    int first_sum = 0, second_sum = 0;
    ControlledTrace first = run(seed, &first_sum);
    ControlledTrace second = run(seed, &second_sum);
    EXPECT_EQ(first_sum, 15);
    EXPECT_EQ(first.decisions, second.decisions) << "seed " << seed;
    std::uint8_t most = 0;
    for (std::uint8_t thread : first.decisions) most = std::max(most, thread);
    EXPECT_GE(most, 2) << "the pool's workers (threads 2 and 3) never ran under control";
  }
}

TEST(InterposeTest, SemaphoresHandOverInTurn) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    unmodified::PingPong game;
    testing::runControlled(pct(seed), {[&] { game.ping(3); }, [&] { game.pong(3); }}, [] {});
    EXPECT_EQ(game.turns(), (std::vector<int>{0, 1, 0, 1, 0, 1})) << "seed " << seed;
  }
}

// C++20's atomic wait and notify reach the kernel through syscall(SYS_futex)
// from the library's own code: a wait is modelled (not runnable until the
// word's wake), so no schedule leaves the waiter blocked outside the layer.
TEST(InterposeTest, AtomicWaitsThroughFutexAreWaitsOfTheScheduler) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    unmodified::Flag flag;
    bool woke = false;
    ControlledTrace trace = testing::runControlled(
        pct(seed), {[&] { flag.waitSet(), woke = true; }, [&] { flag.set(); }}, [] {});
    EXPECT_TRUE(woke) << "seed " << seed;
    EXPECT_EQ(trace.outside_waits, 0u) << "seed " << seed;
  }
}

// A spin without a step would hold the run forever (only one controlled
// thread runs at a time): after 300 ms another thread gets an uncontrolled
// slice, and the trace says so.
TEST(InterposeTest, ASpinWithoutAStepGetsTheOtherThreadAnUncontrolledSlice) {
  unmodified::Spin spin;
  ControlledOptions options = pct(1);
  options.strategy = Strategy::kPrefix;
  options.chooser = [](std::uint64_t runnable, int) {  // the spinner first, whenever it can run
    return (runnable & 2) != 0 ? 1 : 2;
  };
  ControlledTrace trace = testing::runControlled(options, {[&] { spin.waitDone(); }, [&] { spin.done(); }}, [] {});
  EXPECT_GE(trace.uncontrolled_slices, 1u);
  // Where: the spinner (thread 1), which spins from its start.
  EXPECT_NE(trace.first_slice.find(": thread 1, runnable, last at start"), std::string::npos) << trace.first_slice;
}

// A thread the library started before the run works outside it: its calls
// are real and unordered. The run counts it and names the code it called
// from; a pool started inside the run is controlled, and counts nothing.
TEST(InterposeTest, ThreadsTheLibraryStartedBeforeTheRunAreCountedAsOutsideIt) {
  auto submitFive = [](unmodified::Pool& pool) {
    std::atomic<int> total{0};
    for (int i = 1; i <= 5; ++i) pool.submit([&, i] { total.fetch_add(i); });
    pool.waitIdle();
    return total.load();
  };
  std::optional<unmodified::Pool> before(std::in_place, 2);
  int sum = 0;
  ControlledTrace trace = testing::runControlled(pct(1), {[&] { sum = submitFive(*before); }}, [] {});
  before.reset();
  EXPECT_EQ(sum, 15);
  EXPECT_GE(trace.outside_threads, 1u);
  EXPECT_LE(trace.outside_threads, 2u);
  EXPECT_NE(trace.first_outside.find("libunmodified_engine.so+0x"), std::string::npos) << trace.first_outside;

  trace = testing::runControlled(pct(1), {[&] {
                                   unmodified::Pool inside(2);
                                   sum = submitFive(inside);
                                 }},
                                 [] {});
  EXPECT_EQ(sum, 15);
  EXPECT_EQ(trace.outside_threads, 0u) << trace.first_outside;
}

// A lock that a thread outside control holds decides a controlled thread's
// try by real time: the run counts it and says where and by whom. A lock a
// controlled thread holds is in the run's order, and counts nothing.
TEST(InterposeTest, ATryThatMeetsALockHeldOutsideControlIsCounted) {
  unmodified::Latch latch;
  latch.hold();  // this thread is outside the run
  bool entered = true;
  ControlledTrace trace = testing::runControlled(pct(1), {[&] { entered = latch.tryEnter(); }}, [] {});
  latch.release();
  EXPECT_FALSE(entered);
  EXPECT_EQ(trace.outside_holds, 1u);
  EXPECT_NE(trace.first_hold.find("thread 1's mutex trylock at libunmodified_engine.so+0x"), std::string::npos)
      << trace.first_hold;
  EXPECT_NE(trace.first_hold.find(", outside the run"), std::string::npos) << trace.first_hold;

  trace = testing::runControlled(pct(1), {[&] {
                                   latch.hold();
                                   entered = latch.tryEnter();
                                   latch.release();
                                 }},
                                 [] {});
  EXPECT_FALSE(entered);
  EXPECT_EQ(trace.outside_holds, 0u) << trace.first_hold;
}

// The same for a blocking lock: thread 1 meets the lock that a thread
// outside the run holds, and waits for it; thread 2 (run only once thread 1
// is blocked) lets the holder go. The failed try is counted once.
TEST(InterposeTest, ALockWaitOnAHolderOutsideControlIsCounted) {
  unmodified::Latch latch;
  std::atomic<bool> held{false}, go{false};
  std::thread holder([&] {
    latch.hold();
    held = true;
    while (!go) std::this_thread::yield();
    latch.release();
  });
  while (!held) std::this_thread::yield();
  ControlledOptions options = pct(1);
  options.strategy = Strategy::kPrefix;
  options.chooser = [](std::uint64_t runnable, int) { return (runnable & 2) != 0 ? 1 : 2; };
  ControlledTrace trace = testing::runControlled(options, {[&] { latch.enter(); }, [&] { go = true; }}, [] {});
  holder.join();
  EXPECT_EQ(trace.outside_holds, 1u) << trace.first_hold;
  EXPECT_NE(trace.first_hold.find("thread 1's mutex lock at libunmodified_engine.so+0x"), std::string::npos)
      << trace.first_hold;
  EXPECT_NE(trace.first_hold.find(", outside the run"), std::string::npos) << trace.first_hold;
}

// Timed waits and sleeps take virtual time, which the library's own clock
// reads: a second's wait and a hundred 1 ms sleeps cost no real second.
TEST(InterposeTest, TheLibrarysTimedWaitsSleepsAndClockRunInVirtualTime) {
  bool timed_out = false;
  std::chrono::steady_clock::duration waited{}, slept{};
  auto start = std::chrono::steady_clock::now();
  testing::runControlled(pct(1), {[&] {
                           timed_out = unmodified::waitForNothing(std::chrono::seconds(1), &waited);
                           slept = unmodified::sleepMilliseconds(100);
                         }},
                         [] {});
  auto real = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(timed_out);
  EXPECT_GE(waited, std::chrono::seconds(1));
  EXPECT_GE(slept, std::chrono::milliseconds(100));
  EXPECT_LT(real, std::chrono::milliseconds(900)) << "a virtual second took a real one";
}

// A thread that works between two scheduling points while it polls its
// clock (a query checking its timeout) sees virtual time pass with its
// reads: alone in the run, it would otherwise poll a clock that never moves.
TEST(InterposeTest, AThreadThatPollsItsClockSeesVirtualTimePass) {
  long batches = 0;
  auto start = std::chrono::steady_clock::now();
  ControlledTrace trace =
      testing::runControlled(pct(1), {[&] { batches = unmodified::workFor(std::chrono::milliseconds(50)); }}, [] {});
  auto real = std::chrono::steady_clock::now() - start;
  // 10 us of virtual time a read: 50 ms in 5,000 reads, whatever the
  // machine; the first read set the deadline.
  EXPECT_EQ(batches, 4999);
  EXPECT_EQ(trace.uncontrolled_slices, 0u);
  EXPECT_LT(real, std::chrono::milliseconds(5000));
}

// A function-local static and a std::call_once that two threads reach at
// once: the second waits for the first (not runnable), never deadlocks.
TEST(InterposeTest, StaticsAndOnceFlagsInitialiseOnceUnderEverySchedule) {
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    int a = 0, b = 0, c = 0, d = 0;
    testing::runControlled(pct(seed),
                           {[&] { a = unmodified::staticValue(), c = unmodified::onceValue(); },
                            [&] { b = unmodified::staticValue(), d = unmodified::onceValue(); }},
                           [] {});
    EXPECT_EQ(a, 42);
    EXPECT_EQ(b, 42);
    EXPECT_EQ(c, 7);
    EXPECT_EQ(d, 7);
  }
}

}  // namespace
}  // namespace lifeguard
