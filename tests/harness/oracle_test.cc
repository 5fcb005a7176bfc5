// The oracles on hand-made histories: each must catch what it is for.
#include <gtest/gtest.h>

#include "support/history_builder.h"
#include "support/schedule_text.h"

#include "lifeguard/harness/workload.h"
#include "judge/model.h"
#include "judge/oracles.h"

namespace lifeguard::harness {
namespace {

Schedule parse(const std::string& text) { return test::parseInline(text); }

using test::HistoryBuilder;

Answer error(AnswerKind kind) { return {kind, "", std::nullopt}; }

TEST(ContractTest, HandleStateComesFromTheClosesAround) {
  Schedule s = parse("actor 0\n  open_db\n  connect c1\n  query c1 r1 long 10\n  query c1 r2 long 10\n"
                     "actor 1\n  disconnect c1\n");
  auto history = HistoryBuilder()
                     .invoke(0, 0).ret(0, 0, Answer::ok())
                     .invoke(0, 1).ret(0, 1, Answer::ok())
                     .invoke(0, 2)
                     .invoke(1, 0)                  // the close overlaps query #2
                     .ret(0, 2, error(AnswerKind::kInterrupted))
                     .ret(1, 0, Answer::ok())
                     .invoke(0, 3)                  // query #3 starts after the close returned
                     .ret(0, 3, Answer::ok(1))
                     .events();
  HistoryIndex index(s, history);
  EXPECT_EQ(index.contextOf(0, 2).state, HandleState::kClosing);
  EXPECT_EQ(index.contextOf(0, 3).state, HandleState::kClosed);
  Contract contract = drainingEngineContract();
  EXPECT_TRUE(contract.allows(s.actors[0][2], index.contextOf(0, 2), AnswerKind::kInterrupted));
  RunResult result;
  result.history = history;
  judge(s, contract, {}, &result);
  EXPECT_EQ(result.verdict, Verdict::kContract);  // query #3 answered ok on a closed connection
  EXPECT_NE(result.message.find("actor 0 op #3 'query c1 r2 long 10' answered ok(1); with the handle closed"),
            std::string::npos)
      << result.message;
}

std::string row(int actor, int index, int i) { return std::to_string(rowValue(opTag(actor, index), i)) + "|'v'"; }

TEST(DataOracleTest, CommittedWritesMustBeVisibleAndFailedOnesAbsent) {
  Schedule s = parse("actor 0\n  open_db\n  connect c1\n  query c1 - insert t1 2\n  query c1 - insert t1 1\n"
                     "  check\n");
  auto run = [&](Answer second, std::vector<std::string> t1) {
    auto history = HistoryBuilder()
                       .invoke(0, 0).ret(0, 0, Answer::ok())
                       .invoke(0, 1).ret(0, 1, Answer::ok())
                       .invoke(0, 2).ret(0, 2, Answer::ok(1))
                       .invoke(0, 3).ret(0, 3, second)
                       .invoke(0, 4).ret(0, 4, Answer::ok(), {t1, {}})
                       .events();
    return checkData(s, HistoryIndex(s, history), history);
  };
  EXPECT_EQ(run(Answer::ok(1), {row(0, 2, 0), row(0, 2, 1), row(0, 3, 0)}), "");
  EXPECT_EQ(run(error(AnswerKind::kWriteConflict), {row(0, 2, 0), row(0, 2, 1)}), "");
  // Lost commit: the second insert answered ok but is not there.
  EXPECT_NE(run(Answer::ok(1), {row(0, 2, 0), row(0, 2, 1)}).find("holds 0 of the 1 rows of actor 0 op #3"),
            std::string::npos);
  // Partial write, and a write that failed but is visible.
  EXPECT_NE(run(Answer::ok(1), {row(0, 2, 0), row(0, 3, 0)}).find("holds 1 of the 2 rows"), std::string::npos);
  EXPECT_NE(run(error(AnswerKind::kInterrupted), {row(0, 2, 0), row(0, 2, 1), row(0, 3, 0)}).find("expected none"),
            std::string::npos);
}

TEST(DataOracleTest, ManualTransactionsCommitOnlyThroughCommit) {
  Schedule s = parse("actor 0\n  open_db\n  connect c1\n  query c1 - begin\n  query c1 - insert t1 1\n"
                     "  query c1 - rollback\n  query c1 - begin\n  query c1 - insert t1 1\n  query c1 - commit\n"
                     "  check\n");
  HistoryBuilder builder;
  for (int i = 0; i < 8; ++i) builder.invoke(0, i).ret(0, i, Answer::ok(1));
  auto ok = builder;
  auto history = ok.invoke(0, 8).ret(0, 8, Answer::ok(), {{row(0, 6, 0)}, {}}).events();
  EXPECT_EQ(checkData(s, HistoryIndex(s, history), history), "");
  auto wrong = builder.invoke(0, 8).ret(0, 8, Answer::ok(), {{row(0, 3, 0), row(0, 6, 0)}, {}}).events();
  EXPECT_NE(checkData(s, HistoryIndex(s, wrong), wrong).find("it was never committed"), std::string::npos);
}

// Found by the parallel properties: actors 0 and 1 share c1 inside actor 0's
// transaction; the failed COPY ends the transaction, the insert that ran in
// it answered ok but is rolled back with it. Which transaction a statement
// joined is not in the history, so the oracle may not demand its rows.
TEST(DataOracleTest, SharedConnectionsMakeTheirWritesUncertain) {
  Schedule s = parse("actor 0\n  open_db\n  connect c1\n  query c1 - begin\n  query c1 - copy_bad t2 1 1\n"
                     "actor 1\n  await 0.2 returned\n  query c1 - insert t2 1\n");
  auto run = [&](std::vector<std::string> t2) {
    auto history = HistoryBuilder()
                       .invoke(0, 0).ret(0, 0, Answer::ok())
                       .invoke(0, 1).ret(0, 1, Answer::ok())
                       .invoke(0, 2).ret(0, 2, Answer::ok(1))
                       .invoke(1, 0).ret(1, 0, Answer::ok())
                       .invoke(0, 3).invoke(1, 1)
                       .ret(1, 1, Answer::ok(1))
                       .ret(0, 3, error(AnswerKind::kCopyError))
                       .invoke(2, 0).ret(2, 0, Answer::ok(), {{}, t2})
                       .events();
    return checkData(s, HistoryIndex(s, history), history);
  };
  EXPECT_EQ(run({}), "");
  EXPECT_EQ(run({row(1, 1, 0)}), "");
  // What no order explains is still reported: rows of the failed COPY.
  EXPECT_NE(run({row(0, 3, 0)}).find("expected none"), std::string::npos);
}

TEST(InvariantTest, AnEngineThatIsNotQuietFails) {
  Schedule s = parse("actor 0\n  open_db\n");
  RunResult result;
  result.history = HistoryBuilder().invoke(0, 0).ret(0, 0, Answer::ok()).events();
  EngineState busy;
  busy.available = true;
  busy.live_transactions = 1;
  judge(s, drainingEngineContract(), busy, &result);
  EXPECT_EQ(result.verdict, Verdict::kInvariant);
  EXPECT_EQ(result.message, "after closing every result and connection the engine is not quiet: live transactions = 1");
}


// open_db after close_db makes a new, open database (as reopen does).
TEST(ContractTest, OpenAfterCloseIsAnOpenDatabase) {
  Schedule s = test::parseInline("actor 0\n  open_db\n  close_db\n  open_db\n  connect c1\n  check\n");
  HistoryBuilder builder;
  for (int i = 0; i < 4; ++i) builder.invoke(0, i).ret(0, i, Answer::ok());
  auto history = builder.invoke(0, 4).ret(0, 4, Answer::ok(), {{}, {}}).events();
  RunResult result;
  result.history = history;
  judge(s, drainingEngineContract(), {}, &result);
  EXPECT_EQ(result.verdict, Verdict::kPass) << result.message;
}

// A row the workload could not have written is a data failure, not a crash.
TEST(DataOracleTest, ForeignRowsAreReported) {
  Schedule s = test::parseInline("actor 0\n  open_db\n  check\n");
  auto history = HistoryBuilder()
                     .invoke(0, 0).ret(0, 0, Answer::ok())
                     .invoke(0, 1).ret(0, 1, Answer::ok(), {{"'not a number'|'x'"}, {}})
                     .events();
  EXPECT_NE(checkData(s, HistoryIndex(s, history), history).find("that no successful write explains"),
            std::string::npos);
}

// Responsiveness: a read executing alone on c1 must return within the
// contract's bound once an interrupt of c1 returned; a read that began after
// the interrupt was sent, or shared c1, or a run without a bound, is not held to it.
TEST(ResponsivenessTest, AReadThatOutlivesAnInterruptByMoreThanTheBoundFails) {
  Schedule s = parse("actor 0\n  open_db\n  connect c1\n  query c1 - long 100000\nactor 1\n  interrupt c1\n");
  Contract contract = drainingEngineContract();
  contract.setResponsiveness(100, "a test");
  auto judged = [&](const Contract& c, double late_ms, bool running_first) {
    HistoryBuilder h;
    h.call(0, 0, Answer::ok()).call(0, 1, Answer::ok()).invoke(0, 2);
    if (running_first) h.running(0, 2);
    h.invoke(1, 0);
    if (!running_first) h.running(0, 2);
    h.ret(1, 0, Answer::ok()).after(late_ms).ret(0, 2, Answer::ok(1));
    RunResult result;
    result.history = h.events();
    judge(s, c, {}, &result);
    return result;
  };
  RunResult slow = judged(contract, 400, true);
  EXPECT_EQ(slow.verdict, Verdict::kContract);
  EXPECT_EQ(slow.message,
            "actor 0 op #2 'query c1 - long 100000' returned 400 ms after actor 1 op #0 'interrupt c1' returned, while "
            "it ran alone on c1; the contract bounds that at 100 ms (a test)");
  EXPECT_EQ(judged(contract, 60, true).verdict, Verdict::kPass);
  EXPECT_EQ(judged(contract, 400, false).verdict, Verdict::kPass);  // it began executing after the interrupt came
  EXPECT_EQ(judged(drainingEngineContract(), 400, true).verdict, Verdict::kPass);  // no bound

  // Another query on c1 overlapped it: it may have waited for that one.
  Schedule shared = parse("actor 0\n  open_db\n  connect c1\n  query c1 - long 100000\nactor 1\n  interrupt c1\n"
                          "actor 2\n  query c1 - count t1\n");
  RunResult result;
  result.history = HistoryBuilder().call(0, 0, Answer::ok()).call(0, 1, Answer::ok()).invoke(0, 2).invoke(2, 0)
                       .running(0, 2).invoke(1, 0).ret(1, 0, Answer::ok()).after(400).ret(0, 2, Answer::ok(1))
                       .ret(2, 0, Answer::ok(1)).events();
  judge(shared, contract, {}, &result);
  EXPECT_EQ(result.verdict, Verdict::kPass) << result.message;
}

}  // namespace
}  // namespace lifeguard::harness
