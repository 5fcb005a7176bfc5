// The process adapter (adapters/process/) against a fake driver
// (fake_driver.js, run by node): requests in flight together and answered
// out of order, what a check brings back, and each way a driver can fail
// the run: a crash (with its stderr, and its native stack if asked), a hang's
// thread stacks, a line outside the protocol, another
// protocol version, a driver that cannot start, a bad exit at the end.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <regex>
#include <thread>

#include "lifeguard/harness/runner.h"
#include "process_adapter.h"

namespace lifeguard::harness {
namespace {

std::unique_ptr<EngineAdapter> fake(const std::string& mode, std::string* error, bool native_stacks = false) {
  ProcessEngine engine;
  engine.name = "fake";
  engine.policy = "p";
  engine.argv = {LIFEGUARD_NODE, LIFEGUARD_FAKE_DRIVER, "--mode", mode};
  engine.contract = deferredCloseContract();
  engine.start_timeout = std::chrono::milliseconds(20'000);
  engine.native_stacks = native_stacks;
  return makeProcessAdapter(std::move(engine), error);
}

QuerySpec longQuery(std::int64_t count) {
  QuerySpec spec;
  spec.kind = QueryKind::kLong;
  spec.count = count;  // -1: the fake driver holds the answer until the next request's
  return spec;
}

// The first query's answer waits, in the driver, until a later request was
// answered: it can only return 1 if the second request went out while the
// first one was in flight (else the driver gives up after 5 s: -1).
TEST(ProcessAdapterTest, RequestsOfDifferentThreadsAreInFlightTogether) {
  std::string error;
  auto adapter = fake("ok", &error);
  ASSERT_NE(adapter, nullptr) << error;
  Answer held;
  std::atomic<bool> returned{false};
  std::thread first([&] {
    held = adapter->query("c1", "-", longQuery(-1), 10);
    returned = true;
  });
  while (!returned) EXPECT_TRUE(adapter->interrupt("c2").isOk());  // until one comes after the query
  first.join();
  EXPECT_TRUE(held.isOk());
  EXPECT_EQ(held.value, 1) << "the first request's answer did not come after a later request's";
}

TEST(ProcessAdapterTest, CheckBringsBackEveryTable) {
  std::string error;
  auto adapter = fake("ok", &error);
  ASSERT_NE(adapter, nullptr) << error;
  std::vector<TableRows> tables;
  ASSERT_TRUE(adapter->readTables(&tables).isOk());
  ASSERT_EQ(tables.size(), 2u);
  EXPECT_EQ(tables[1], TableRows{"1|t2"});
}

TEST(ProcessAdapterTest, ADriverCrashEndsTheRunAsACrashWithItsStderr) {
  EXPECT_EXIT(
      {
        std::string error;
        auto adapter = fake("crash-on-connect", &error);
        if (adapter != nullptr) adapter->connect("c1");
      },
      ::testing::ExitedWithCode(kEngineCrashExit),
      "fake driver: boom(.|\n)*CRASH: the driver .* was killed by signal 11 .* while the run used it");
}

// With the crash-stack library preloaded, the report carries the native
// stack (frames as "object(symbol+offset) [address]") before the verdict.
TEST(ProcessAdapterTest, ANativeCrashPrintsItsStackWhenAsked) {
  EXPECT_EXIT(
      {
        std::string error;
        auto adapter = fake("crash-on-connect", &error, /*native_stacks=*/true);
        if (adapter != nullptr) adapter->connect("c1");
      },
      ::testing::ExitedWithCode(kEngineCrashExit),
      "lifeguard crash_stack: signal 11 \\(Segmentation fault\\)(.|\n)*\\[0x[0-9a-f]+\\]"
      "(.|\n)*end of stack(.|\n)*CRASH: the driver .* was killed by signal 11");
}

// A hang's report asks the driver where each of its threads is: with the
// crash-stack library preloaded, every thread's native stack comes, one
// thread at a time, while a call still waits in the driver.
TEST(ProcessAdapterTest, AHangShowsEveryThreadOfTheDriver) {
  ::testing::internal::CaptureStderr();  // before the driver starts: it shares this process's stderr
  std::string error;
  auto adapter = fake("ok", &error, /*native_stacks=*/true);
  ASSERT_NE(adapter, nullptr) << error;
  std::thread held([&] { adapter->query("c1", "-", longQuery(-1), 10); });  // answered after the next request
  adapter->describeHang();
  EXPECT_TRUE(adapter->interrupt("c2").isOk());
  held.join();
  adapter.reset();
  std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_NE(err.find("lifeguard thread_stacks: every thread"), std::string::npos) << err;
  EXPECT_TRUE(std::regex_search(err, std::regex("lifeguard thread_stacks: thread [0-9]+ \\(node\\)\n.*\\[0x[0-9a-f]+\\]")))
      << err;
  EXPECT_NE(err.find("lifeguard thread_stacks: end"), std::string::npos) << err;
  std::size_t threads = 0;
  for (std::size_t at = 0; (at = err.find("lifeguard thread_stacks: thread ", at)) != std::string::npos; ++at) ++threads;
  EXPECT_GE(threads, 2u) << err;  // node runs more than its main thread
}

// Without the library the driver is not asked (it would die of the signal).
TEST(ProcessAdapterTest, AHangWithoutTheCrashStackLibraryAsksNothing) {
  std::string error;
  auto adapter = fake("ok", &error);
  ASSERT_NE(adapter, nullptr) << error;
  adapter->describeHang();
  EXPECT_TRUE(adapter->connect("c1").isOk()) << "the driver did not survive";
}

TEST(ProcessAdapterTest, ALineOutsideTheProtocolEndsTheRunAsAHarnessError) {
  EXPECT_EXIT(
      {
        std::string error;
        auto adapter = fake("garbage-on-connect", &error);
        if (adapter != nullptr) adapter->connect("c1");
      },
      ::testing::ExitedWithCode(kEngineProtocolExit), "HARNESS: the driver .* not a JSON object .*this is not json");
}

TEST(ProcessAdapterTest, ABadExitAfterTheInputEndedIsACrash) {
  EXPECT_EXIT(
      {
        std::string error;
        auto adapter = fake("exit-at-end", &error);
        adapter.reset();
      },
      ::testing::ExitedWithCode(kEngineCrashExit), "CRASH: the driver .* exited with status 3 after its input ended");
}

TEST(ProcessAdapterTest, AnotherProtocolVersionIsRefusedAtStart) {
  std::string error;
  EXPECT_EQ(fake("version2", &error), nullptr);
  EXPECT_NE(error.find("speaks protocol version 2, this lifeguard speaks 1"), std::string::npos) << error;
}

TEST(ProcessAdapterTest, ADriverThatCannotStartSaysWhy) {
  ProcessEngine engine;
  engine.argv = {"/nonexistent/lifeguard-driver"};
  std::string error;
  EXPECT_EQ(makeProcessAdapter(std::move(engine), &error), nullptr);
  EXPECT_NE(error.find("exited with status 127 before its hello"), std::string::npos) << error;
}

}  // namespace
}  // namespace lifeguard::harness
