// Shared test support: sync-point fixtures, per-policy databases, and a
// deadline that turns a hang into a clear failure.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "lifeguard/lifeguard.h"
#include "lifeguard/testing/hooks.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define LG_TEST_HAS_ASAN 1
#endif
#if __has_feature(thread_sanitizer)
#define LG_TEST_HAS_TSAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define LG_TEST_HAS_ASAN 1
#endif

namespace lifeguard::test {

inline constexpr bool kHasAsan =
#if defined(LG_TEST_HAS_ASAN)
    true;
#else
    false;
#endif

inline constexpr bool kHasTsan =
#if defined(LG_TEST_HAS_TSAN) || defined(__SANITIZE_THREAD__)
    true;
#else
    false;
#endif

// A range query that would run for hours: it only ends by interrupt.
inline constexpr const char* kEndlessQuery = "SELECT sum(x) FROM range(0, 1000000000000000)";

inline Options optionsFor(TeardownPolicy policy) {
  Options options;
  options.policy = policy;
  return options;
}

inline testing::SyncPoints& syncPoints() { return testing::SyncPoints::instance(); }

// Blocks the calling thread until some thread has passed `point`.
inline void awaitPoint(const std::string& point) {
  syncPoints().loadDependencies({{point, "Test::await:" + point}});
  syncPoints().process("Test::await:" + point);
}

// Every thread that reaches `point` passes `point + ":held"` and then waits
// there until some thread has passed `until`.
inline void holdAt(const std::string& point, const std::string& until) {
  syncPoints().loadDependencies({{until, point + ":resume"}});
  syncPoints().setCallback(point, [point](void*) {
    syncPoints().process(point + ":held");
    syncPoints().process(point + ":resume");
  });
}

// Runs `body`; if it has not returned after `limit`, reports `what` and aborts
// (a hang is a failure with a message, not a CI timeout).
template <typename F>
auto returnsWithin(std::chrono::seconds limit, const char* what, F&& body) {
  auto task = std::async(std::launch::async, std::forward<F>(body));
  if (task.wait_for(limit) != std::future_status::ready) {
    std::fprintf(stderr, "HANG: %s did not return within %llds\n", what, static_cast<long long>(limit.count()));
    std::abort();
  }
  return task.get();
}

// Enables sync points for the test and clears them afterwards.
class SyncPointTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::syncPointsCompiledIn()) GTEST_SKIP() << "sync points are compiled out of this build (release)";
    syncPoints().clear();
    syncPoints().enable();
  }
  void TearDown() override {
    syncPoints().disable();
    syncPoints().clear();
  }
};

// Death tests here expect AddressSanitizer's report; they run in a re-executed
// child so that the engine's threads do not meet fork().
#define LG_EXPECT_ASAN_REPORT(statement, report)                                                   \
  do {                                                                                            \
    if (!::lifeguard::test::kHasAsan) GTEST_SKIP() << "needs AddressSanitizer to see the report"; \
    GTEST_FLAG_SET(death_test_style, "threadsafe");                                               \
    EXPECT_DEATH(statement, report);                                                              \
  } while (0)

// The same for ThreadSanitizer; TSan is told to stop at its first report.
#define LG_EXPECT_TSAN_REPORT(statement, report)                                                          \
  do {                                                                                                   \
    if (!::lifeguard::test::kHasTsan) GTEST_SKIP() << "needs ThreadSanitizer to see the report";         \
    const char* options = std::getenv("TSAN_OPTIONS");                                                   \
    ::setenv("TSAN_OPTIONS", (std::string(options ? options : "") + ":halt_on_error=1").c_str(), 1);      \
    GTEST_FLAG_SET(death_test_style, "threadsafe");                                                      \
    EXPECT_DEATH(statement, report);                                                                     \
  } while (0)

}  // namespace lifeguard::test
