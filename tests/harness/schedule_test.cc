// The .sched format, and the generator's promise of valid schedules.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "lifeguard/harness/generator.h"
#include "lifeguard/harness/schedule.h"
#include "lifeguard/harness/scheduler.h"
#include "judge/oracles.h"

namespace lifeguard::harness {
namespace {

constexpr const char* kExample = R"(# guards nothing; an example
lifeguard-schedule 1
engine lifeguard
policy legacy
actors 2
seed 42
scheduler os
expect legacy sanitizer|hang

actor 0
  open_db
  connect c1
  query c1 r1 multi insert:t1:3;count:t1;long:1000
  query c1 - copy_bad t2 100 7
  iterate r1 10
  set_timeout c1 50
  drop r1
  drop db

actor 1
  await 0.1 returned
  await 0.2 running
  interrupt c1
  await 0.2 step 150
  disconnect c1
  await 0.2 at 7
  close_db
  reopen
  check
  await 0.2 started
  interrupt c1
)";

TEST(ScheduleTest, ParsesAndPrintsTheSameText) {
  ParseError error;
  auto schedule = parseSchedule(kExample, &error);
  ASSERT_TRUE(schedule) << error.line << ": " << error.message;
  EXPECT_EQ(schedule->policy, "legacy");
  EXPECT_EQ(schedule->seed, 42u);
  ASSERT_EQ(schedule->actors.size(), 2u);
  const Op& multi = schedule->actors[0][2];
  ASSERT_EQ(multi.query.parts.size(), 3u);
  EXPECT_EQ(multi.query.parts[0].count, 3);
  EXPECT_EQ(schedule->actors[0][7].kind, OpKind::kDropDb);
  EXPECT_EQ(schedule->actors[1][1].await_event, AwaitEvent::kRunning);
  EXPECT_EQ(schedule->actors[1][3].await_event, AwaitEvent::kStep);
  EXPECT_EQ(schedule->actors[1][3].number, 150);
  EXPECT_EQ(schedule->actors[1][5].await_event, AwaitEvent::kAt);
  EXPECT_EQ(schedule->actors[1][5].number, 7);
  EXPECT_EQ(schedule->actors[1][9].await_event, AwaitEvent::kStarted);
  EXPECT_EQ(formatSchedule(*schedule), std::string(kExample));
}

TEST(ScheduleTest, PctSaysWhereItsChangePointsFall) {
  std::string error;
  auto lifecycle = parseSchedulerSpec({"pct", "depth=3", "seed=4", "steps=100", "points=lifecycle"}, &error);
  ASSERT_TRUE(lifecycle) << error;
  EXPECT_TRUE(lifecycle->lifecycle_points);
  EXPECT_EQ(formatSchedulerSpec(*lifecycle), "pct depth=3 seed=4 steps=100 points=lifecycle");
  auto all = parseSchedulerSpec({"pct", "depth=3", "seed=4", "steps=100"}, &error);
  ASSERT_TRUE(all) << error;
  EXPECT_FALSE(all->lifecycle_points);  // a file without points= counts every step, as before
  EXPECT_EQ(formatSchedulerSpec(*all), "pct depth=3 seed=4 steps=100");
  EXPECT_FALSE(parseSchedulerSpec({"pct", "points=some"}, &error));
  EXPECT_EQ(error, "pct points= takes lifecycle or all");
  EXPECT_FALSE(parseSchedulerSpec({"random", "points=lifecycle"}, &error));
}

TEST(ScheduleTest, ErrorsNameTheLine) {
  auto parseLine = [](const std::string& text) {
    ParseError error;
    EXPECT_FALSE(parseSchedule(text, &error));
    return std::to_string(error.line) + ": " + error.message;
  };
  EXPECT_EQ(parseLine("policy complete\n"), "1: a schedule starts with 'lifeguard-schedule 1'");
  EXPECT_EQ(parseLine("lifeguard-schedule 2\n"), "1: unsupported schedule format version 2 (this build reads 1)");
  EXPECT_EQ(parseLine("lifeguard-schedule 1\nactor 0\n  frobnicate c1\n"), "3: unknown operation 'frobnicate'");
  EXPECT_EQ(parseLine("lifeguard-schedule 1\nactor 0\n  query c1 r1 long\n"), "3: long takes a range length");
  EXPECT_EQ(parseLine("lifeguard-schedule 1\nactors 2\nactor 0\n  open_db\n"), "4: header says 2 actors, body has 1");
  EXPECT_EQ(parseLine("lifeguard-schedule 1\nactor 0\n  await 0.0 invoked\n"),
            "0: actor 0: await 0.0 invoked names no operation of another actor");
}

TEST(ScheduleTest, AwaitCyclesAreRefusedBeforeRunning) {
  ParseError error;
  auto schedule = parseSchedule(
      "lifeguard-schedule 1\nactor 0\n  await 1.1 returned\n  open_db\nactor 1\n  await 0.1 returned\n  check\n",
      &error);
  ASSERT_TRUE(schedule);
  EXPECT_EQ(checkRunnable(*schedule), "the schedule's awaits wait for each other (a cycle)");
}

// Valid by construction: round-trips, runnable, every handle created before
// use, awaits only on lower actors.
TEST(GeneratorTest, EverySchedulesIsValidByConstruction) {
  GeneratorOptions options;
  options.capabilities.prepared = true;
  for (std::uint64_t seed = 0; seed < 300; ++seed) {
    Schedule schedule = generateSchedule(seed, options);
    ParseError error;
    auto again = parseSchedule(formatSchedule(schedule), &error);
    ASSERT_TRUE(again) << "seed " << seed << ": " << error.message;
    ASSERT_EQ(formatSchedule(*again), formatSchedule(schedule));
    ASSERT_EQ(checkRunnable(schedule), "") << "seed " << seed;
    std::set<std::string> created = {"db"};
    for (int a = 0; a < static_cast<int>(schedule.actors.size()); ++a) {
      for (const Op& op : schedule.actors[a]) {
        if (op.kind == OpKind::kAwait) {
          ASSERT_LT(op.await_actor, a) << "seed " << seed;
        }
        if (op.kind == OpKind::kConnect) created.insert(op.handle);
        if ((op.kind == OpKind::kQuery || op.kind == OpKind::kExecute) && op.result != "-") created.insert(op.result);
        if (op.kind != OpKind::kAwait && op.kind != OpKind::kConnect) {
          ASSERT_TRUE(created.count(op.handle)) << "seed " << seed << ": " << formatOp(op);
        }
      }
    }
  }
}

TEST(GeneratorTest, WeightsTowardsClosesUnderRunningQueries) {
  int races = 0, ops = 0;
  for (std::uint64_t seed = 0; seed < 200; ++seed) {
    for (const auto& actor : generateSchedule(seed, {}).actors) {
      for (std::size_t i = 0; i + 1 < actor.size(); ++i) {
        ++ops;
        bool close = actor[i + 1].kind == OpKind::kDisconnect || actor[i + 1].kind == OpKind::kCloseDb ||
                     actor[i + 1].kind == OpKind::kInterrupt || actor[i + 1].kind == OpKind::kReopen;
        if (actor[i].kind == OpKind::kAwait && close) ++races;
      }
    }
  }
  EXPECT_GT(races * 10, ops) << races << " races in " << ops << " operations";
}


// The format's documentation stays true: its first example parses.
TEST(ScheduleTest, TheDocumentedExampleParses) {
  std::ifstream in(std::string(LIFEGUARD_SOURCE_DIR) + "/harness/SCHEDULES.md");
  std::stringstream text;
  text << in.rdbuf();
  std::string doc = text.str();
  std::size_t begin = doc.find("```\n# H1") + 4;
  std::string example = doc.substr(begin, doc.find("```", begin) - begin);
  ParseError error;
  auto schedule = parseSchedule(example, &error);
  ASSERT_TRUE(schedule) << error.line << ": " << error.message;
  EXPECT_EQ(schedule->actors.size(), 2u);
  EXPECT_EQ(schedule->expectations.size(), 2u);
}

}  // namespace
}  // namespace lifeguard::harness
