// The linearizability check on hand-made histories: what it must accept
// (a race explained by some order or by a clean abort), and what it must
// reject (answers no order explains).
#include "linearize.h"

#include <gtest/gtest.h>

#include "support/history_builder.h"
#include "support/schedule_text.h"

namespace lifeguard::properties {
namespace {

using harness::Answer;
using harness::AnswerKind;
using harness::test::HistoryBuilder;

Answer error(AnswerKind kind) { return {kind, "", std::nullopt}; }
std::vector<std::vector<std::string>> rows(std::size_t t1, std::size_t t2) {
  return {std::vector<std::string>(t1, "x"), std::vector<std::string>(t2, "x")};
}

const char* kTwoWriters =
    "actor 0\n  open_db\n  connect c1\n  connect c2\n  query c1 - insert t1 2\n"
    "actor 1\n  await 0.2 returned\n  query c2 - insert t1 3\n";

// The two inserts overlap; `final_t1` rows are read at the end.
Linearization twoWriters(Answer first, Answer second, std::size_t final_t1) {
  auto s = harness::test::parseInline(kTwoWriters);
  auto history = HistoryBuilder()
                     .call(0, 0, Answer::ok()).call(0, 1, Answer::ok()).call(0, 2, Answer::ok())
                     .call(1, 0, Answer::ok())
                     .invoke(0, 3).invoke(1, 1)
                     .ret(0, 3, first).ret(1, 1, second)
                     .call(2, 0, Answer::ok(), rows(final_t1, 0))
                     .events();
  return linearize(s, history);
}

TEST(Linearize, OverlappingWritersOneWinsOrBothInSomeOrder) {
  EXPECT_TRUE(twoWriters(Answer::ok(1), error(AnswerKind::kWriteConflict), 2).ok);
  EXPECT_TRUE(twoWriters(error(AnswerKind::kWriteConflict), Answer::ok(1), 3).ok);
  EXPECT_TRUE(twoWriters(Answer::ok(1), Answer::ok(1), 5).ok);
}

TEST(Linearize, RejectsWhatNoOrderExplains) {
  // A conflict with no winner.
  auto none = twoWriters(error(AnswerKind::kWriteConflict), error(AnswerKind::kWriteConflict), 0);
  EXPECT_FALSE(none.ok);
  EXPECT_NE(none.message.find("WriteConflict"), std::string::npos) << none.message;
  // An acknowledged write that is missing, and rows nobody wrote.
  EXPECT_FALSE(twoWriters(Answer::ok(1), error(AnswerKind::kWriteConflict), 0).ok);
  EXPECT_FALSE(twoWriters(Answer::ok(1), Answer::ok(1), 7).ok);
}

const char* kCloseDuringQuery =
    "actor 0\n  open_db\n  connect c1\n  query c1 - insert t1 2\n  query c1 - count t1\n"
    "actor 1\n  await 0.1 returned\n  disconnect c1\n";

TEST(Linearize, AQueryRacingCloseMayAbortCleanlyButNotAfterIt) {
  auto s = harness::test::parseInline(kCloseDuringQuery);
  auto run = [&](Answer insert, bool overlapping, std::size_t final_t1) {
    HistoryBuilder b;
    b.call(0, 0, Answer::ok()).call(0, 1, Answer::ok()).call(1, 0, Answer::ok());
    if (overlapping) {
      b.invoke(0, 2).invoke(1, 1).ret(0, 2, insert).ret(1, 1, Answer::ok());
    } else {
      b.call(1, 1, Answer::ok()).call(0, 2, insert);
    }
    b.call(0, 3, error(AnswerKind::kConnectionClosed)).call(2, 0, Answer::ok(), rows(final_t1, 0));
    return linearize(s, b.events()).ok;
  };
  EXPECT_TRUE(run(Answer::ok(1), true, 2));
  EXPECT_TRUE(run(error(AnswerKind::kInterrupted), true, 0));  // the abort outcome
  EXPECT_TRUE(run(error(AnswerKind::kConnectionClosed), true, 0));
  EXPECT_FALSE(run(error(AnswerKind::kInterrupted), true, 2));  // aborted, yet its rows are there
  EXPECT_FALSE(run(error(AnswerKind::kInterrupted), false, 0));  // after the close: must say closed
  EXPECT_FALSE(run(Answer::ok(1), false, 2));                    // after the close: cannot succeed
  EXPECT_TRUE(run(error(AnswerKind::kConnectionClosed), false, 0));
}

TEST(Linearize, ResultsAndTransactionsFollowTheModel) {
  auto s = harness::test::parseInline(
      "actor 0\n  open_db\n  connect c1\n  query c1 r1 long 10\n  iterate r1 5\n  query c1 - begin\n"
      "  query c1 - begin\n  query c1 - insert t2 1\n  close_result r1\n  iterate r1 1\n");
  auto run = [&](Answer second_begin, Answer read, Answer after_close, std::size_t final_t2) {
    auto history = HistoryBuilder()
                       .call(0, 0, Answer::ok()).call(0, 1, Answer::ok()).call(0, 2, Answer::ok(1))
                       .call(0, 3, read).call(0, 4, Answer::ok(1)).call(0, 5, second_begin)
                       .call(0, 6, Answer::ok(1)).call(0, 7, Answer::ok()).call(0, 8, after_close)
                       .call(1, 0, Answer::ok(), rows(0, final_t2))
                       .events();
    return linearize(s, history);
  };
  auto user_error = error(AnswerKind::kUserError);
  auto closed_result = error(AnswerKind::kInvalidUse);
  // The failed BEGIN ends the transaction, so the insert commits on its own.
  Linearization ok = run(user_error, Answer::ok(1), closed_result, 1);
  EXPECT_TRUE(ok.ok) << ok.message;
  EXPECT_FALSE(run(Answer::ok(1), Answer::ok(1), closed_result, 1).ok);  // BEGIN twice
  EXPECT_FALSE(run(user_error, Answer::ok(2), closed_result, 1).ok);     // one row, two read
  EXPECT_FALSE(run(user_error, Answer::ok(1), Answer::ok(0), 1).ok);     // a closed result read
  EXPECT_FALSE(run(user_error, Answer::ok(1), closed_result, 0).ok);     // the insert's rows lost
}

// Found by the H3 campaign: a chain's statements commit one by one, so a
// check may see the first and not the second, but never the reverse.
TEST(Linearize, AChainCommitsStatementByStatement) {
  auto s = harness::test::parseInline(
      "actor 0\n  open_db\n  connect c1\n  query c1 - multi insert:t2:1;insert:t1:1\n"
      "actor 1\n  await 0.1 returned\n  check\n");
  auto run = [&](std::size_t t1_seen, std::size_t t2_seen) {
    auto history = HistoryBuilder()
                       .call(0, 0, Answer::ok()).call(0, 1, Answer::ok()).call(1, 0, Answer::ok())
                       .invoke(0, 2).call(1, 1, Answer::ok(), rows(t1_seen, t2_seen)).ret(0, 2, Answer::ok(2))
                       .call(2, 0, Answer::ok(), rows(1, 1))
                       .events();
    return linearize(s, history).ok;
  };
  EXPECT_TRUE(run(0, 0));
  EXPECT_TRUE(run(0, 1));
  EXPECT_TRUE(run(1, 1));
  EXPECT_FALSE(run(1, 0));
}

}  // namespace
}  // namespace lifeguard::properties
