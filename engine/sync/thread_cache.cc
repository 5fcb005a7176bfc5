#include "sync/thread_cache.h"

#include <pthread.h>

#include <vector>

#include "sync/sync.h"

namespace lifeguard::sync::detail {

class CachedRun {
 public:
  explicit CachedRun(std::function<void()> body) : body_(std::move(body)) {}

  void run() noexcept {
    body_();
    body_ = nullptr;  // the body's captures die before join() returns
  }
  void finish() {
    MutexLock lock(mu_);
    done_ = true;
    finished_.notifyAll();
  }
  void wait() {
    MutexLock lock(mu_);
    while (!done_) finished_.wait(lock);
  }

 private:
  std::function<void()> body_;  // touched only by the thread running it
  Mutex mu_;
  CondVar finished_;
  bool done_ LG_GUARDED_BY(mu_) = false;
};

namespace {

// At most this many threads wait idle; one more finishing body ends its thread.
constexpr std::size_t kMaxIdle = 16;

class Cache {
 public:
  void start(std::shared_ptr<CachedRun> run) {
    {
      MutexLock lock(mu_);
      if (!idle_.empty()) {
        Idle* idle = idle_.back();
        idle_.pop_back();
        idle->run = std::move(run);
        idle->assigned.notifyOne();
        return;
      }
    }
    std::thread([this, run = std::move(run)]() mutable { loop(std::move(run)); }).detach();
  }

 private:
  struct Idle {
    CondVar assigned;
    std::shared_ptr<CachedRun> run;  // guarded by Cache::mu_
  };

  // The thread is idle again before join() returns, so a thread started
  // right after a join finds it.
  void loop(std::shared_ptr<CachedRun> run) {
    Idle self;
    for (;;) {
      run->run();
      bool stays;
      {
        MutexLock lock(mu_);
        stays = idle_.size() < kMaxIdle;
        if (stays) idle_.push_back(&self);
      }
      run->finish();
      run.reset();
      if (!stays) return;
      MutexLock lock(mu_);
      while (self.run == nullptr) self.assigned.wait(lock);
      run = std::move(self.run);
    }
  }

  Mutex mu_;
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
