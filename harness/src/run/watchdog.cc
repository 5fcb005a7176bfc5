#include "run/watchdog.h"

#include <pthread.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "lifeguard/sync/controlled.h"

#if defined(__SANITIZE_THREAD__)
#define LG_WATCHDOG_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define LG_WATCHDOG_TSAN 1
#endif
#endif

namespace lifeguard::harness {
namespace {

// Under ThreadSanitizer the thread ends with the last run: TSan waits a
// second at exit for threads still alive, which a forked child's _exit after
// its one run would pay every time.
#if defined(LG_WATCHDOG_TSAN)
constexpr bool kThreadOutlivesRuns = false;
#else
constexpr bool kThreadOutlivesRuns = true;
#endif

struct Watchdog {
  std::mutex mu;
  std::condition_variable changed;
  std::map<std::uint64_t, std::function<void()>> checks;  // guarded by mu
  std::uint64_t next_id = 0;                              // guarded by mu
  std::uint64_t generation = 0;                           // guarded by mu; a stop starts the next one
  std::thread thread;                                     // guarded by mu; runs loop() of this generation
  bool idle = false;                                      // guarded by mu; loop() waits for a first check

  // Polls while a run is registered and sleeps while none is, until its
  // generation ends. A check runs under mu, so a scope's destructor waits
  // for it.
  void loop(std::uint64_t mine) {
    testing::markHarnessThread();
    std::unique_lock<std::mutex> lock(mu);
    while (generation == mine) {
      if (checks.empty()) {
        idle = true;
        changed.wait(lock);
        idle = false;
      } else {
        changed.wait_for(lock, std::chrono::milliseconds(50));  // the polling period, not a race
      }
      for (auto& [id, check] : checks) check();
    }
  }
};

// Leaked on purpose: the thread may wait on it until the process exits.
std::atomic<Watchdog*> g_watchdog{nullptr};

Watchdog& watchdog() {
  static const bool registered = [] {
    // The child of fork() has no watchdog thread: a fresh watchdog.
    pthread_atfork(nullptr, nullptr, [] { g_watchdog.store(new Watchdog); });
    g_watchdog.store(new Watchdog);
    return true;
  }();
  (void)registered;
  return *g_watchdog.load();
}

}  // namespace

WatchdogScope::WatchdogScope(std::function<void()> check) {
  Watchdog& w = watchdog();
  std::lock_guard<std::mutex> lock(w.mu);
  id_ = w.next_id++;
  w.checks.emplace(id_, std::move(check));
  if (!w.thread.joinable()) w.thread = std::thread([&w, mine = w.generation] { w.loop(mine); });
  // Only an idle thread needs waking: a polling one sees the check within
  // 50 ms (waking it for every run of a fuzz loop would cost a switch each).
  if (w.idle) w.changed.notify_all();
}

WatchdogScope::~WatchdogScope() {
  Watchdog& w = watchdog();
  std::thread ended;
  {
    std::lock_guard<std::mutex> lock(w.mu);
    w.checks.erase(id_);
    if (!w.checks.empty() || kThreadOutlivesRuns) return;
    ++w.generation;
    ended = std::move(w.thread);
  }
  w.changed.notify_all();
  ended.join();
}

}  // namespace lifeguard::harness
