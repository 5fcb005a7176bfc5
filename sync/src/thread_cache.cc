#include "lifeguard/sync/thread_cache.h"

#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "lifeguard/sync/controlled.h"
#include "lifeguard/sync/thread_annotations.h"

namespace lifeguard::sync::detail {
namespace {

// A std::mutex, annotated. The cache never uses sync::Mutex: controlled
// threads start and join cached threads too, and the cache's locking must
// not add scheduling points (a replay is the same with reuse on or off).
class LG_CAPABILITY("mutex") PlainMutex {
 public:
  void lock() LG_ACQUIRE() { mu_.lock(); }
  void unlock() LG_RELEASE() { mu_.unlock(); }

 private:
  std::mutex mu_;
};

class LG_SCOPED_CAPABILITY PlainLock {
 public:
  explicit PlainLock(PlainMutex& mu) LG_ACQUIRE(mu) : mu_(mu) { mu_.lock(); }
  ~PlainLock() LG_RELEASE() { mu_.unlock(); }
  PlainLock(const PlainLock&) = delete;
  PlainLock& operator=(const PlainLock&) = delete;

 private:
  PlainMutex& mu_;
};

}  // namespace

class CachedRun {
 public:
  explicit CachedRun(std::function<void()> body) : body_(std::move(body)) {}

  void run() noexcept {
    body_();
    body_ = nullptr;  // the body's captures die before join() returns
  }
  void finish() {
    PlainLock lock(mu_);
    done_ = true;
    finished_.notify_all();
  }
  void wait() {
    PlainLock lock(mu_);
    while (!done_) finished_.wait(mu_);  // releases and re-takes mu_
  }

 private:
  std::function<void()> body_;  // touched only by the thread running it
  PlainMutex mu_;
  std::condition_variable_any finished_;
  bool done_ LG_GUARDED_BY(mu_) = false;
};

namespace {

// At most this many threads wait idle; one more finishing body ends its thread.
constexpr std::size_t kMaxIdle = 16;

class Cache {
 public:
  void start(std::shared_ptr<CachedRun> run) {
    {
      PlainLock lock(mu_);
      if (!idle_.empty()) {
        Idle* idle = idle_.back();
        idle_.pop_back();
        idle->run = std::move(run);
        idle->assigned.notify_one();
        return;
      }
    }
    std::thread([this, run = std::move(run)]() mutable { loop(std::move(run)); }).detach();
  }

 private:
  struct Idle {
    std::condition_variable_any assigned;
    std::shared_ptr<CachedRun> run;  // guarded by Cache::mu_
  };

  // The thread is idle again before join() returns, so a thread started
  // right after a join finds it.
  void loop(std::shared_ptr<CachedRun> run) {
    testing::markHarnessThread();  // idle between runs; a run's thread is controlled
    Idle self;
    for (;;) {
      run->run();
      bool stays;
      {
        PlainLock lock(mu_);
        stays = idle_.size() < kMaxIdle;
        if (stays) idle_.push_back(&self);
      }
      run->finish();
      run.reset();
      if (!stays) return;
      PlainLock lock(mu_);
      while (self.run == nullptr) self.assigned.wait(mu_);
      run = std::move(self.run);
    }
  }

  PlainMutex mu_;
  std::vector<Idle*> idle_ LG_GUARDED_BY(mu_);
};

std::atomic<bool> g_enabled{false};
// Leaked on purpose: idle threads wait on it until the process exits.
std::atomic<Cache*> g_cache{nullptr};

Cache& cache() {
  static const bool registered = [] {
    // The child of fork() has none of the parent's threads: a fresh cache.
    pthread_atfork(nullptr, nullptr, [] { g_cache.store(new Cache); });
    g_cache.store(new Cache);
    return true;
  }();
  (void)registered;
  return *g_cache.load();
}

}  // namespace

bool threadReuseEnabled() { return g_enabled.load(std::memory_order_relaxed); }
void setThreadReuse(bool enabled) { g_enabled.store(enabled); }

std::shared_ptr<CachedRun> startCached(std::function<void()> body) {
  auto run = std::make_shared<CachedRun>(std::move(body));
  cache().start(run);
  return run;
}

void waitCached(CachedRun& run) { run.wait(); }

}  // namespace lifeguard::sync::detail
