// What a campaign says it exercised, counted from hand-made histories.
#include <gtest/gtest.h>

#include "support/history_builder.h"
#include "support/schedule_text.h"

#include "judge/overlaps.h"

namespace lifeguard::harness {
namespace {

using test::HistoryBuilder;

TEST(OverlapTallyTest, CountsEachCloseOverWorkItOverlapped) {
  Schedule s = test::parseInline("actor 0\n  open_db\n  connect c1\n  query c1 - copy t1 5\n  connect c2\n"
                                 "actor 1\n  disconnect c1\n  close_db\n");
  // The disconnect overlaps the COPY; the close_db comes after c2 connected.
  auto history = HistoryBuilder().call(0, 0, Answer::ok()).call(0, 1, Answer::ok()).invoke(0, 2).invoke(1, 0)
                     .ret(1, 0, Answer::ok()).ret(0, 2, Answer::ok(1)).call(0, 3, Answer::ok()).call(1, 1, Answer::ok())
                     .events();
  OverlapTally tally;
  tally.count(s, history);
  EXPECT_EQ(tally.summary(), "database close with a live connection 1, disconnect during COPY 1");
  OverlapTally apart;
  auto sequential = HistoryBuilder().call(0, 0, Answer::ok()).call(0, 1, Answer::ok()).call(0, 2, Answer::ok(1))
                        .call(1, 0, Answer::ok()).call(0, 3, Answer::ok()).call(1, 1, Answer::ok()).events();
  apart.count(s, sequential);
  EXPECT_EQ(apart.summary(), "database close with a live connection 1");
}

}  // namespace
}  // namespace lifeguard::harness
