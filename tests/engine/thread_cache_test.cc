// sync::Thread on cached OS threads (sync/thread_cache.h), as the fuzz
// targets run it (testing::reuseOsThreads).
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "lifeguard/lifeguard.h"
#include "lifeguard/testing/hooks.h"
#include "support/lifecycle_test.h"
#include "lifeguard/sync/sync.h"

namespace lifeguard {
namespace {

class ThreadCacheTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::reuseOsThreads(true); }
  void TearDown() override { testing::reuseOsThreads(false); }
};

// The kernel's id of the OS thread that ran a body (kernel ids are not
// recycled at once, unlike std::thread::id, which names a reused stack).
pid_t runAndJoin() {
  pid_t tid = 0;
  sync::Thread thread([&tid] { tid = gettid(); });
  thread.join();
  return tid;
}

TEST_F(ThreadCacheTest, AFinishedThreadRunsTheNextBody) {
  pid_t first = runAndJoin();
  EXPECT_NE(first, gettid());
  EXPECT_EQ(runAndJoin(), first);
}

TEST_F(ThreadCacheTest, JoinWaitsForTheBodyAndItsCaptures) {
  // A body that is still running when join() is called; join must wait for
  // it to return and for its captures to be destroyed.
  std::atomic<bool> release{false};
  auto capture = std::make_shared<int>(1);
  std::weak_ptr<int> watch = capture;
  sync::Thread thread([&release, capture = std::move(capture)] {
    while (!release.load()) std::this_thread::yield();
  });
  std::thread releaser([&release] { release.store(true); });
  thread.join();
  EXPECT_TRUE(watch.expired());
  EXPECT_FALSE(thread.joinable());
  releaser.join();
}

TEST_F(ThreadCacheTest, ConcurrentThreadsGetThreadsOfTheirOwn) {
  // Two bodies that wait for each other deadlock unless each has a thread.
  std::atomic<int> arrived{0};
  auto body = [&arrived] {
    arrived.fetch_add(1);
    while (arrived.load() < 2) std::this_thread::yield();
  };
  sync::Thread a(body), b(body);
  a.join();
  b.join();
  EXPECT_EQ(arrived.load(), 2);
}

TEST_F(ThreadCacheTest, DatabasesRunTheirWorkersOnCachedThreads) {
  if (!testing::syncPointsCompiledIn()) GTEST_SKIP() << "counts workers at a sync point";
  std::mutex mu;
  std::set<pid_t> workers;
  auto& points = testing::SyncPoints::instance();
  points.setCallback("Worker::before_run", [&](void*) {
    std::lock_guard<std::mutex> lock(mu);
    workers.insert(gettid());
  });
  points.enable();
  for (int round = 0; round < 20; ++round) {
    Database db(":memory:");  // two workers
    Connection conn(&db);
    auto result = conn.query("SELECT sum(x) FROM range(0, 1000000)");
    ASSERT_TRUE(result->isSuccess()) << result->status().toString();
    EXPECT_EQ(std::get<std::int64_t>(result->getNext()[0]), 499999500000);
  }
  points.disable();
  points.clear();
  // 40 workers in all, on the few OS threads the first databases started.
  EXPECT_GE(workers.size(), 1u);
  EXPECT_LE(workers.size(), 4u);
}

#if defined(LIFEGUARD_SYNC_POINTS)
// Two connections race a query each, under control; the kernel ids of the OS
// threads that ran the queries go into `tids`.
testing::ControlledTrace raceUnderControl(std::set<pid_t>* tids) {
  auto record = [tids] { tids->insert(gettid()); };  // one controlled thread runs at a time
  testing::ControlledOptions options;
  options.strategy = testing::ControlledOptions::Strategy::kPct;
  options.seed = 7;
  return testing::runControlled(options, {[record] {
    Database db(":memory:");
    Connection a(&db), b(&db);
    sync::Thread t1([&] { record(), (void)a.query("SELECT sum(x) FROM range(0, 100000)"); });
    sync::Thread t2([&] { record(), (void)b.query("SELECT count(*) FROM range(0, 50000)"); });
    t1.join();
    t2.join();
  }}, [] {});
}

TEST_F(ThreadCacheTest, ControlledRunsMakeTheSameDecisionsOnCachedThreads) {
  testing::reuseOsThreads(false);
  std::set<pid_t> fresh;
  testing::ControlledTrace expected = raceUnderControl(&fresh);
  testing::reuseOsThreads(true);
  std::set<pid_t> cached;
  for (int round = 0; round < 5; ++round) {
    testing::ControlledTrace trace = raceUnderControl(&cached);
    EXPECT_GT(trace.steps(), 50u);
    EXPECT_EQ(trace.decisions, expected.decisions) << "round " << round;
    EXPECT_EQ(trace.runnable, expected.runnable) << "round " << round;
  }
  // 10 query threads in 5 runs (each run has 6 controlled threads) on the
  // few OS threads that the first run left idle.
  EXPECT_EQ(fresh.size(), 2u);
  EXPECT_LE(cached.size(), 6u);
}
#endif

TEST_F(ThreadCacheTest, AForkedChildStartsWithAnEmptyCache) {
  if (test::kHasTsan) {
    GTEST_SKIP() << "ThreadSanitizer ends a child that starts threads after a multi-threaded fork (die_after_fork)";
  }
  runAndJoin();  // the parent now has an idle cached thread
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The parent's idle thread does not exist here; handing it the body
    // would hang this join (the alarm ends a hung child).
    alarm(10);
    bool ran = false;
    sync::Thread thread([&ran] { ran = true; });
    thread.join();
    _exit(ran ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace lifeguard
