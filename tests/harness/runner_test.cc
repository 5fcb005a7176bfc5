// The runner end to end, in forked children: a clean pass, and each failure
// kind it must report instead of dying.
#include <gtest/gtest.h>

#include "support/schedule_text.h"

#include "judge/hints.h"
#include "lifeguard/harness/history_index.h"
#include "lifeguard/harness/runner.h"
#include "support/lifecycle_test.h"

namespace lifeguard::harness {
namespace {

Schedule parse(const std::string& text) { return test::parseInline(text); }

constexpr const char* kCloseUnderQuery =
    "actor 0\n  open_db\n  connect c1\n  query c1 r1 long 3000000000\n  check\n"
    "actor 1\n  await 0.1 returned\n  await 0.2 running\n  disconnect c1\n";

TEST(RunnerTest, CompletePolicyPassesAndRecordsEveryEvent) {
  Schedule s = parse("policy complete\n" + std::string(kCloseUnderQuery));
  RunResult result = runIsolated(s, {});
  EXPECT_EQ(result.verdict, Verdict::kPass) << result.message << "\n" << result.report;
  int invokes = 0, returns = 0;
  for (const Event& e : result.history) {
    invokes += e.type == EventType::kInvoke;
    returns += e.type == EventType::kReturn;
  }
  EXPECT_EQ(invokes, returns);
  EXPECT_GE(invokes, 7 + 4);  // the schedule's operations and the teardown's
}

// `await A.I started`: the next operation waits until the query was
// admitted and is being planned (the engine's started point), under every
// interleaving the controlled scheduler draws; there an interrupt reaches it.
TEST(RunnerTest, AwaitStartedFiresOnceTheQueryIsPlanned) {
  for (int seed = 1; seed <= 8; ++seed) {
    Schedule s = parse("policy complete\nscheduler pct depth=3 seed=" + std::to_string(seed) +
                       "\nactor 0\n  open_db\n  connect c1\n  query c1 - long 3000000\n"
                       "actor 1\n  await 0.1 returned\n  await 0.2 started\n  interrupt c1\n");
    RunResult result = runIsolated(s, {});
    ASSERT_EQ(result.verdict, Verdict::kPass) << result.message << "\n" << result.report;
    std::uint64_t started = 0, awaited = 0;
    for (const Event& e : result.history) {
      if (e.actor == 0 && e.index == 2 && e.type == EventType::kStarted) started = e.seq;
      if (e.actor == 1 && e.index == 1 && e.type == EventType::kReturn) awaited = e.seq;
      if (e.actor == 0 && e.index == 2 && e.type == EventType::kReturn) {
        EXPECT_EQ(e.answer.kind, AnswerKind::kInterrupted) << "seed " << seed;
      }
    }
    ASSERT_NE(started, 0u) << "seed " << seed;
    EXPECT_GT(awaited, started) << "seed " << seed;
  }
}

TEST(RunnerTest, LegacyUseAfterFreeIsReportedNotFatal) {
  if (!::lifeguard::test::kHasAsan) GTEST_SKIP() << "needs AddressSanitizer to see the use-after-free";
  Schedule s = parse("policy legacy\n" + std::string(kCloseUnderQuery));
  RunResult result = runIsolated(s, {});
  EXPECT_EQ(result.verdict, Verdict::kSanitizer);
  EXPECT_NE(result.message.find("heap-use-after-free"), std::string::npos) << result.message;
  EXPECT_FALSE(result.history.empty());  // streamed before the crash
}

TEST(RunnerTest, HangIsReportedWithEveryActorsPosition) {
  // An interrupt-free endless query under a short deadline.
  Schedule s = parse("actor 0\n  open_db\n  connect c1\n  query c1 r1 long 4000000000000000000\n");
  RunOptions options;
  options.op_deadline = std::chrono::milliseconds(300);
  RunResult result = runIsolated(s, options);
  EXPECT_EQ(result.verdict, Verdict::kHang);
  EXPECT_NE(result.report.find("actor 0: in #2 'query c1 r1 long 4000000000000000000'"), std::string::npos)
      << result.report;
}

TEST(RunnerTest, HangIsReportedInAChildForkedAfterARunInThisProcess) {
  // The run in this process starts the watchdog's thread, which a forked
  // child does not have: the child must start its own.
  Schedule pass = parse("policy complete\n" + std::string(kCloseUnderQuery));
  ASSERT_EQ(runInProcess(pass, {}).verdict, Verdict::kPass);
  Schedule hang = parse("actor 0\n  open_db\n  connect c1\n  query c1 r1 long 4000000000000000000\n");
  RunOptions options;
  options.op_deadline = std::chrono::milliseconds(300);
  EXPECT_EQ(runIsolated(hang, options).verdict, Verdict::kHang);
}

TEST(RunnerTest, UnknownEngineIsAHarnessError) {
  Schedule s = parse("engine nosuch\nactor 0\n  open_db\n");
  RunResult result = runIsolated(s, {});
  EXPECT_EQ(result.verdict, Verdict::kHarness);
  // The list names every registered engine (kuzu and duckdb too where they are fetched).
  EXPECT_TRUE(result.message.starts_with("unknown engine 'nosuch' (this build has: ")) << result.message;
  EXPECT_NE(result.message.find("lifeguard, lifeguard-disk, "), std::string::npos) << result.message;
  EXPECT_NE(result.message.find("sqlite, sqlite-v2)"), std::string::npos) << result.message;
}


// On disk, the teardown reopens the database and checks it again.
TEST(RunnerTest, DurableEngineIsCheckedAfterReopen) {
  Schedule s = parse("engine lifeguard-disk\nactor 0\n  open_db\n  connect c1\n  query c1 - insert t1 5\n"
                     "  query c1 - begin\n  query c1 - insert t2 3\n  reopen\n  check\n");
  RunResult result = runIsolated(s, {});
  EXPECT_EQ(result.verdict, Verdict::kPass) << result.message << "\n" << result.report;
  int checks_with_rows = 0;
  for (const Event& e : result.history) checks_with_rows += e.type == EventType::kReturn && e.actor == 1;
  EXPECT_GE(checks_with_rows, 7);  // the teardown ran through its reopen check
}

// lifeguard-disk keeps one instance of its directory: an open while a
// dropped instance is still closing (its destructor drains a query) answers
// Busy instead of opening a second one, which would write the same WAL. Without
// the rule the open returned ok before the drop did (a second instance) in
// every run tried; over every run here, none may be a second instance.
// Actor 2 opens the directory while the instance actor 1 dropped still
// drains actor 0's long query.
const char* kOpenWhileADroppedInstanceDrains =
    "engine lifeguard-disk\npolicy complete\n"
    "actor 0\n  open_db\n  connect c1\n  query c1 - insert t1 5\n  query c1 - long 20000000\n  check\n"
    "actor 1\n  await 0.3 running\n  drop db\n"
    "actor 2\n  await 1.1 invoked\n  open_db\n  connect c2\n  query c2 - insert t2 7\n  close_db\n"
    "  open_db\n  check\n";

TEST(RunnerTest, TheDiskAdapterNeverOpensASecondInstanceOfItsDirectory) {
  Schedule s = parse(kOpenWhileADroppedInstanceDrains);
  int refused = 0;
  for (int run = 0; run < 5; ++run) {
    RunResult result = runIsolated(s, {});
    EXPECT_EQ(result.verdict, Verdict::kPass) << result.message << "\n" << result.report;
    HistoryIndex index(s, result.history);
    EXPECT_TRUE(secondInstances(s, index).empty()) << "run " << run;
    const Event* open = index.returnEvent(2, 1);
    refused += open != nullptr && open->answer.kind == AnswerKind::kBusy;
  }
  EXPECT_GE(refused, 1) << "the open never met the dropped instance: the test no longer tests the rule";
}

// Outside the contract (`allow second-instances`, --outside-contract) the
// same open is not refused: it opens a second instance of the directory
// while the dropped one still drains its query, and a failure that follows
// is the caller's fault, never an engine bug.
TEST(RunnerTest, OutsideTheContractTheDiskAdapterLetsASecondInstanceHappen) {
  Schedule s = parse(kOpenWhileADroppedInstanceDrains);
  s.second_instances = true;
  int second = 0;
  for (int run = 0; run < 5; ++run) {
    RunResult result = runIsolated(s, {});
    HistoryIndex index(s, result.history);
    const Event* open = index.returnEvent(2, 1);
    ASSERT_NE(open, nullptr) << "run " << run << ": " << result.message;
    EXPECT_NE(open->answer.kind, AnswerKind::kBusy) << "run " << run;
    const bool made = !secondInstances(s, index).empty();
    second += made ? 1 : 0;
    if (result.verdict != Verdict::kPass && made) EXPECT_NE(result.outside_contract, "") << result.message;
  }
  EXPECT_GE(second, 1) << "the open never met the dropped instance: the test no longer tests the rule";
}

}  // namespace
}  // namespace lifeguard::harness
