// Cause hints (judge/hints.h), read off hand-made histories: each hint where
// its history shows it, and none where the same operations did not overlap.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/history_builder.h"
#include "support/schedule_text.h"

#include "judge/hints.h"
#include "judge/oracles.h"
#include "judge/overlaps.h"

namespace lifeguard::harness {
namespace {

using test::HistoryBuilder;

bool hasHint(const std::vector<std::string>& hints, const std::string& start) {
  for (const std::string& hint : hints) {
    if (hint.rfind(start, 0) == 0) return true;
  }
  return false;
}

RunResult failed(Verdict verdict, std::vector<Event> history, std::string report = "") {
  RunResult result;
  result.verdict = verdict;
  result.history = std::move(history);
  result.report = std::move(report);
  return result;
}

// Actor 1 reopens the database while actor 0's query runs on it.
const char* kReopenUnderQuery = "actor 0\n  open_db\n  connect c1\n  query c1 - long 1000\n"
                                "actor 1\n  await 0.2 invoked\n  reopen\n";

TEST(HintsTest, AReopenThatReturnsWhileACallOnTheEarlierInstanceRunsIsASecondInstance) {
  Schedule s = test::parseInline(kReopenUnderQuery);
  auto overlapped = HistoryBuilder().call(0, 0, Answer::ok()).call(0, 1, Answer::ok()).invoke(0, 2).invoke(1, 1)
                        .ret(1, 1, Answer::ok()).ret(0, 2, Answer::ok()).events();
  auto hints = causeHints(s, failed(Verdict::kData, overlapped));
  EXPECT_TRUE(hasHint(hints, "a second instance of the database's path: actor 1 op #1 'reopen' opened it again "
                             "while actor 0 op #2 'query c1 - long 1000'"));
  EXPECT_TRUE(hasHint(hints, "a deferred close: actor 1 op #1 'reopen' returned at event 7"));

  // The reopen waited for the query (a draining close): neither.
  auto drained = HistoryBuilder().call(0, 0, Answer::ok()).call(0, 1, Answer::ok()).invoke(0, 2).invoke(1, 1)
                     .ret(0, 2, Answer::ok()).ret(1, 1, Answer::ok()).events();
  EXPECT_TRUE(causeHints(s, failed(Verdict::kData, drained)).empty());
  // The reopen was refused (Busy, as adapters answer while the earlier instance lives): neither.
  auto refused = HistoryBuilder().call(0, 0, Answer::ok()).call(0, 1, Answer::ok()).invoke(0, 2).invoke(1, 1)
                     .ret(1, 1, Answer{AnswerKind::kBusy, "1 connection keeps the file open", std::nullopt})
                     .ret(0, 2, Answer::ok()).events();
  EXPECT_TRUE(causeHints(s, failed(Verdict::kData, refused)).empty());
  // A pass has no hints, whatever overlapped.
  EXPECT_TRUE(causeHints(s, failed(Verdict::kPass, overlapped)).empty());
}

TEST(HintsTest, TheExercisedTallyCountsSecondInstances) {
  Schedule s = test::parseInline(kReopenUnderQuery);
  OverlapTally tally;
  tally.count(s, HistoryBuilder().call(0, 0, Answer::ok()).call(0, 1, Answer::ok()).invoke(0, 2).invoke(1, 1)
                     .ret(1, 1, Answer::ok()).ret(0, 2, Answer::ok()).events());
  EXPECT_NE(tally.summary().find("second instance of a path 1"), std::string::npos) << tally.summary();
}

// A campaign --outside-contract lets adapters make second instances
// ("allow second-instances"); a run that made one is then outside the
// contract, with the engine's rule and its source, whatever failed. Without
// the line, the same history is no caller's fault (only a hint).
TEST(HintsTest, ASecondInstanceIsTheCallersFaultOnlyWhereTheScheduleAllowedIt) {
  // A call on the earlier instance in flight (here under a drain-style
  // close, where only that makes a second instance).
  Schedule s = test::parseInline(kReopenUnderQuery);
  Contract contract = drainingEngineContract();
  contract.setSecondInstance("the caller's fault", "a test");
  auto overlapped = HistoryBuilder().call(0, 0, Answer::ok()).call(0, 1, Answer::ok()).invoke(0, 2).invoke(1, 1)
                        .ret(1, 1, Answer::ok()).ret(0, 2, Answer::ok()).events();
  EXPECT_EQ(callerFaultIn(s, contract, failed(Verdict::kData, overlapped)), "");
  s.second_instances = true;
  EXPECT_EQ(callerFaultIn(s, contract, failed(Verdict::kData, overlapped)),
            "actor 1 op #1 'reopen' opened the path again while actor 0 op #2 'query c1 - long 1000' still ran on "
            "the earlier instance: a second instance of a path is the caller's fault (a test)");
  auto drained = HistoryBuilder().call(0, 0, Answer::ok()).call(0, 1, Answer::ok()).invoke(0, 2).invoke(1, 1)
                     .ret(0, 2, Answer::ok()).ret(1, 1, Answer::ok()).events();
  EXPECT_EQ(callerFaultIn(s, contract, failed(Verdict::kData, drained)), "");
  // Under a deferred close a live connection keeps the earlier instance: a
  // reopen while one lives made a second instance (DuckDB: a COPY on it lost
  // after the reopen); a drain-style close ends its connections first.
  Schedule live = test::parseInline("actor 0\n  open_db\n  connect c1\nactor 1\n  reopen\n  check\n");
  live.second_instances = true;
  auto reopened = HistoryBuilder().call(0, 0, Answer::ok()).call(0, 1, Answer::ok()).call(1, 0, Answer::ok())
                      .call(1, 1, Answer::ok()).events();
  Contract deferred = deferredCloseContract();
  deferred.setSecondInstance("the caller's fault", "a test");
  EXPECT_EQ(callerFaultIn(live, deferred, failed(Verdict::kData, reopened)),
            "actor 1 op #0 'reopen' opened the path again while actor 0 op #1 'connect c1' was live: a second "
            "instance of a path is the caller's fault (a test)");
  EXPECT_EQ(callerFaultIn(live, contract, failed(Verdict::kData, reopened)), "");
  // The line survives a file's round trip.
  ParseError error;
  auto again = parseSchedule(formatSchedule(s), &error);
  ASSERT_TRUE(again) << error.message;
  EXPECT_TRUE(again->second_instances);
  EXPECT_NE(formatSchedule(s).find("\nallow second-instances\n"), std::string::npos);
}

TEST(HintsTest, ACloseThatReturnsWhileItsConnectionsQueryRunsIsADeferredClose) {
  // Actor 2 disconnects c1 too: another close of the handle is no work on it.
  Schedule s = test::parseInline("actor 0\n  open_db\n  connect c1\n  query c1 r1 long 1000\n  iterate r1 5\n"
                                 "actor 1\n  await 0.2 invoked\n  disconnect c1\n  close_result r1\n"
                                 "actor 2\n  disconnect c1\n");
  auto history = HistoryBuilder().call(0, 0, Answer::ok()).call(0, 1, Answer::ok()).invoke(0, 2).invoke(2, 0)
                     .invoke(1, 1).ret(1, 1, Answer::ok()).ret(2, 0, Answer::ok()).ret(0, 2, Answer::ok()).events();
  auto hints = causeHints(s, failed(Verdict::kContract, history));
  EXPECT_TRUE(hasHint(hints, "a deferred close: actor 1 op #1 'disconnect c1' returned at event 8 while actor 0 "
                             "op #2 'query c1 r1 long 1000' still ran on its object (it returned at event 10)"));
  EXPECT_FALSE(hasHint(hints, "a second instance"));
}

TEST(HintsTest, TheCallersFaultAndTheBindingsOwnExceptionAreSaid) {
  Schedule s = test::parseInline("actor 0\n  open_db\n  connect c1\n  query c1 - begin\n");
  Answer script{AnswerKind::kInternal, "Cannot read properties of undefined (reading 'queryAsync')", std::nullopt};
  RunResult result = failed(Verdict::kContract,
                            HistoryBuilder().call(0, 0, Answer::ok()).call(0, 1, Answer::ok()).call(0, 2, script).events());
  result.outside_contract = "closing a database while another thread connects to it";
  auto hints = causeHints(s, result);
  EXPECT_TRUE(hasHint(hints, "the caller's fault: closing a database while another thread connects to it"));
  EXPECT_TRUE(hasHint(hints, "the binding's own exception, not the engine's error: actor 0 op #2 'query c1 - begin' "
                             "answered Internal: Cannot read properties of undefined"));
  // The engine's own error is not the binding's.
  Answer engine{AnswerKind::kWriteConflict, "Cannot start a new write transaction in the system.", std::nullopt};
  result.history = HistoryBuilder().call(0, 0, Answer::ok()).call(0, 1, Answer::ok()).call(0, 2, engine).events();
  EXPECT_FALSE(hasHint(causeHints(s, result), "the binding's own exception"));
}

TEST(HintsTest, ACrashNamesTheEnginesTopFrameTheLastLifecycleEventAndTheCallsInFlight) {
  Schedule s = test::parseInline("actor 0\n  open_db\n  connect c1\n  query c1 - long 1000\n"
                                 "actor 1\n  await 0.2 invoked\n  close_db\n");
  auto history = HistoryBuilder().call(0, 0, Answer::ok()).call(0, 1, Answer::ok()).invoke(0, 2).call(1, 1, Answer::ok())
                     .events();
  history.insert(history.begin(), HistoryBuilder().invoke(1, 0).events()[0]);  // actor 1's await, never returned
  for (std::size_t i = 0; i < history.size(); ++i) history[i].seq = i + 1;
  // A crash stack as adapters/process/crash_stack.cc prints it.
  std::string report =
      "lifeguard crash_stack: signal 11 (Segmentation fault), fault address 0x8\n"
      "liblifeguard_crash_stack.so(+0x145d)[0x7f47dcfe145d]\n"
      "/lib/x86_64-linux-gnu/libc.so.6(+0x3c050)[0x7f47dca5a050]\n"
      "lbugjs.node(_ZN4lbug7catalog10CatalogSet41traverseVersionChainsForTransactionNoLockEPKNS_11transaction11"
      "TransactionEPNS0_12CatalogEntryE+0x8)[0x7fd56ab12468]\n";
  auto hints = causeHints(s, failed(Verdict::kCrash, history, report));
  EXPECT_TRUE(hasHint(hints, "the engine's top frame: lbug::catalog::CatalogSet::traverseVersionChainsForTransactionNoLock"));
  EXPECT_TRUE(hasHint(hints, "the last lifecycle event before the end: actor 1 op #1 'close_db', returned at event 8"));
  EXPECT_TRUE(hasHint(hints, "in flight at the end: actor 0 op #2 'query c1 - long 1000'"));
  EXPECT_FALSE(hasHint(hints, "in flight at the end: actor 0 op #2 'query c1 - long 1000', actor 1"));
  EXPECT_TRUE(hasHint(hints, "a deferred close: actor 1 op #1 'close_db'"));
}

TEST(HintsTest, TheEnginesFrameOfASanitizerReportSkipsTheHarnessAndTheStandardLibrary) {
  std::string report = "==1==ERROR: AddressSanitizer: heap-use-after-free\n"
                       "    #0 0x55d in std::__1::vector<int>::size() const vector:10\n"
                       "    #1 0x55e in lifeguard::harness::(anonymous namespace)::Adapter::query() adapter.cc:5\n"
                       "    #2 0x55f in lifeguard::ClientContext::interrupted() const client_context.cc:40\n";
  EXPECT_EQ(engineFrame(report), "lifeguard::ClientContext::interrupted");
  EXPECT_EQ(engineFrame("no stack here"), "");
}

TEST(HintsTest, TheEnginesFrameOfACrashStackSkipsTheAllocator) {
  // A heap corrupted earlier is noticed in operator new: the engine's frame is its caller.
  std::string report = "lifeguard crash_stack: signal 6 (Aborted)\n"
                       "/lib/x86_64-linux-gnu/libc.so.6(gsignal+0xcb)[0x7f0]\n"
                       "/lib/x86_64-linux-gnu/libstdc++.so.6(_Znwm+0x1e)[0x7f1]\n"
                       "lbugjs.node(_ZN4lbug7storage12MemoryBufferC1EPNS0_13MemoryManagerEPhm+0x20)[0x7f2]\n";
  EXPECT_EQ(engineFrame(report), "lbug::storage::MemoryBuffer::MemoryBuffer");
}

// A hang's thread stacks: each thread by its first engine frame, counted;
// a thread with none (node's own) is not named.
TEST(HintsTest, AHangsThreadsAreNamedByWhereEachWaits) {
  std::string report = "lifeguard thread_stacks: every thread, at the harness's request\n"
                       "lifeguard thread_stacks: thread 10 (node)\n"
                       "node(_ZN4node11Environment14CheckImmediateEP10uv_check_s+0x70)[0xc1]\n"
                       "lifeguard thread_stacks: thread 11 (node)\n"
                       "/lib/x86_64-linux-gnu/libc.so.6(nanosleep+0x13)[0x7f0]\n"
                       "lbugjs.node(_ZN4lbug11transaction18TransactionContext6commitEv+0x8)[0x7f1]\n"
                       "lifeguard thread_stacks: thread 12 (node)\n"
                       "lbugjs.node(_ZN4lbug6common13TaskScheduler15runWorkerThreadEv+0x8)[0x7f2]\n"
                       "lifeguard thread_stacks: thread 13 (node)\n"
                       "lbugjs.node(_ZN4lbug6common13TaskScheduler15runWorkerThreadEv+0x8)[0x7f3]\n"
                       "lifeguard thread_stacks: end\n"
                       "HANG: actor 1 exceeded the 10000 ms deadline. Every actor:\n";
  EXPECT_EQ(threadsAtHang(report),
            "1 in lbug::transaction::TransactionContext::commit, 2 in lbug::common::TaskScheduler::runWorkerThread");
  EXPECT_EQ(threadsAtHang("HANG: actor 1 exceeded the 5000 ms deadline.\n"), "");
}

}  // namespace
}  // namespace lifeguard::harness
