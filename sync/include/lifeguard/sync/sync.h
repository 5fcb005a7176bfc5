// The engine's one layer over threads, blocking primitives, atomics and time.
//
// Every engine thread, mutex, condition variable and lifecycle atomic is one
// of these types, so the controlled scheduler (sync/control.h) can run the
// engine one thread at a time.
//
// Two implementations, chosen at compile time:
//   - release builds (no LIFEGUARD_SYNC_POINTS): thin wrappers over the
//     standard library, nothing added (Atomic is std::atomic itself) but one
//     flag read when a Thread starts (thread reuse, sync/thread_cache.h);
//   - every other build: the same, plus a check of one thread-local flag per
//     operation. On a thread that runs under the controlled scheduler the
//     operation is a scheduling point: the thread yields to the scheduler,
//     which picks who runs next; blocking (mutex, condvar, join) is modelled,
//     not spun; time is virtual.
//
// Thread-safety: as the std types they wrap.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

#include "lifeguard/sync/thread_annotations.h"
#include "lifeguard/sync/thread_cache.h"

#if defined(LIFEGUARD_SYNC_POINTS)
#define LG_CONTROLLED 1
#include "lifeguard/sync/control.h"
// Where a sync operation is called from, for deadlock reports.
#define LG_WHERE_PARAMS const char *file = __builtin_FILE(), int line = __builtin_LINE()
#define LG_WHERE_PARAMS_DEF const char *file, int line
#define LG_WHERE ::lifeguard::sync::control::Where{file, line}
#else
#define LG_CONTROLLED 0
#endif

namespace lifeguard::sync {

using Clock = std::chrono::steady_clock;

// The time every engine deadline is computed from (virtual under control).
inline Clock::time_point now() {
#if LG_CONTROLLED
  if (control::active()) return control::now();
#endif
  return Clock::now();
}

#if LG_CONTROLLED
// std::atomic with a scheduling point before each operation.
template <typename T>
class Atomic {
 public:
  constexpr Atomic() noexcept = default;
  constexpr Atomic(T value) noexcept : value_(value) {}  // NOLINT: as std::atomic
  Atomic(const Atomic&) = delete;
  Atomic& operator=(const Atomic&) = delete;

  T load(std::memory_order order = std::memory_order_seq_cst, LG_WHERE_PARAMS) const {
    control::pointIfActive("atomic load", LG_WHERE, this);
    return value_.load(order);
  }
  void store(T value, std::memory_order order = std::memory_order_seq_cst, LG_WHERE_PARAMS) {
    control::pointIfActive("atomic store", LG_WHERE, this);
    value_.store(value, order);
  }
  T exchange(T value, std::memory_order order = std::memory_order_seq_cst, LG_WHERE_PARAMS) {
    control::pointIfActive("atomic exchange", LG_WHERE, this);
    return value_.exchange(value, order);
  }
  bool compare_exchange_weak(T& expected, T desired, std::memory_order order = std::memory_order_seq_cst,
                             LG_WHERE_PARAMS) {
    control::pointIfActive("atomic compare_exchange", LG_WHERE, this);
    return value_.compare_exchange_weak(expected, desired, order);
  }
  bool compare_exchange_strong(T& expected, T desired, std::memory_order order = std::memory_order_seq_cst,
                               LG_WHERE_PARAMS) {
    control::pointIfActive("atomic compare_exchange", LG_WHERE, this);
    return value_.compare_exchange_strong(expected, desired, order);
  }
  T fetch_add(T delta, std::memory_order order = std::memory_order_seq_cst, LG_WHERE_PARAMS) {
    control::pointIfActive("atomic fetch_add", LG_WHERE, this);
    return value_.fetch_add(delta, order);
  }
  T fetch_sub(T delta, std::memory_order order = std::memory_order_seq_cst, LG_WHERE_PARAMS) {
    control::pointIfActive("atomic fetch_sub", LG_WHERE, this);
    return value_.fetch_sub(delta, order);
  }
  T fetch_or(T bits, std::memory_order order = std::memory_order_seq_cst, LG_WHERE_PARAMS) {
    control::pointIfActive("atomic fetch_or", LG_WHERE, this);
    return value_.fetch_or(bits, order);
  }
  operator T() const { return load(); }  // NOLINT: as std::atomic
  T operator=(T value) {
    store(value);
    return value;
  }

 private:
  std::atomic<T> value_{};
};
#else
template <typename T>
using Atomic = std::atomic<T>;
#endif

class LG_CAPABILITY("mutex") Mutex {
 public:
#if LG_CONTROLLED
  void lock(LG_WHERE_PARAMS) LG_ACQUIRE() {
    if (control::active()) control::lock(this, LG_WHERE);
    mu_.lock();
  }
  void unlock() LG_RELEASE() {
    mu_.unlock();
    if (control::active()) control::unlock(this);
  }
#else
  void lock() LG_ACQUIRE() { mu_.lock(); }
  void unlock() LG_RELEASE() { mu_.unlock(); }
#endif

 private:
  friend class MutexLock;
  friend class CondVar;
  std::mutex mu_;
};

// Holds a Mutex for its scope; a CondVar may release and re-take it.
class LG_SCOPED_CAPABILITY MutexLock {
 public:
#if LG_CONTROLLED
  explicit MutexLock(Mutex& mu, LG_WHERE_PARAMS) LG_ACQUIRE(mu) LG_NO_THREAD_SAFETY_ANALYSIS : mu_(mu) {
    mu_.lock(file, line);
  }
#else
  explicit MutexLock(Mutex& mu) LG_ACQUIRE(mu) LG_NO_THREAD_SAFETY_ANALYSIS : mu_(mu) { mu_.lock(); }
#endif
  ~MutexLock() LG_RELEASE() LG_NO_THREAD_SAFETY_ANALYSIS { mu_.unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  friend class CondVar;
  Mutex& mu_;
};

class CondVar {
 public:
  // Atomically releases the lock's mutex and blocks until notified (spurious
  // wake-ups possible: always wait in a loop).
#if LG_CONTROLLED
  void wait(MutexLock& lock, LG_WHERE_PARAMS) { waitUntil(lock, Clock::time_point::max(), file, line); }
  // As wait(); returns false when the deadline passed.
  bool waitUntil(MutexLock& lock, Clock::time_point deadline, LG_WHERE_PARAMS);
  void notifyOne() {
    if (control::active()) control::notify(this, /*all=*/false);
    cv_.notify_one();
  }
  void notifyAll() {
    if (control::active()) control::notify(this, /*all=*/true);
    cv_.notify_all();
  }
#else
  void wait(MutexLock& lock) { waitUntil(lock, Clock::time_point::max()); }
  bool waitUntil(MutexLock& lock, Clock::time_point deadline) { return waitStd(lock, deadline); }
  void notifyOne() { cv_.notify_one(); }
  void notifyAll() { cv_.notify_all(); }
#endif

 private:
  // The standard library's wait on the lock's (held) mutex.
  bool waitStd(MutexLock& lock, Clock::time_point deadline) {
    std::unique_lock<std::mutex> held(lock.mu_.mu_, std::adopt_lock);
    bool notified = deadline == Clock::time_point::max() ? (cv_.wait(held), true)
                                                         : cv_.wait_until(held, deadline) == std::cv_status::no_timeout;
    held.release();
    return notified;
  }

  std::condition_variable cv_;
};

#if LG_CONTROLLED
inline bool CondVar::waitUntil(MutexLock& lock, Clock::time_point deadline, LG_WHERE_PARAMS_DEF) {
  if (control::active()) {
    Mutex& mu = lock.mu_;
    mu.mu_.unlock();
    bool notified = control::wait(this, &mu, deadline, LG_WHERE);  // releases and re-takes mu logically
    mu.mu_.lock();
    return notified;
  }
  return waitStd(lock, deadline);
}
#endif

// A joinable thread. The destructor joins if the owner did not. Started from
// a controlled thread, the new thread is controlled too. With thread reuse on
// (sync/thread_cache.h), the body runs on a cached OS thread and join() waits
// for the body to return.
class Thread {
 public:
  Thread() = default;
  template <typename F>
  explicit Thread(F&& body) {
#if LG_CONTROLLED
    if (control::active()) {
      handle_ = control::spawn(std::function<void()>(std::forward<F>(body)));
      {
        control::Outside outside;  // the scheduler knows the thread already
        startOsThread([handle = handle_] { control::threadMain(handle); });
      }
      control::point("thread start", {__FILE__, __LINE__});
      return;
    }
#endif
    startOsThread(std::forward<F>(body));
  }
  Thread(Thread&& other) noexcept
      : thread_(std::move(other.thread_)), cached_(std::move(other.cached_)),
        handle_(std::exchange(other.handle_, nullptr)) {}
  Thread& operator=(Thread&& other) noexcept {
    if (joinable()) join();
    thread_ = std::move(other.thread_);
    cached_ = std::move(other.cached_);
    handle_ = std::exchange(other.handle_, nullptr);
    return *this;
  }
  ~Thread() {
    if (joinable()) join();
  }

  bool joinable() const { return thread_.joinable() || cached_ != nullptr; }
  void join() {
#if LG_CONTROLLED
    if (handle_ != nullptr && control::active()) control::join(handle_);
    control::Outside outside;  // the body ended: the OS thread's end is not a step
#endif
    if (cached_ != nullptr) {
      detail::waitCached(*std::exchange(cached_, nullptr));
      return;
    }
    thread_.join();
  }

 private:
  // Runs `body` on a cached OS thread if reuse is on, else on a new one.
  template <typename F>
  void startOsThread(F&& body) {
    if (detail::threadReuseEnabled()) {
      cached_ = detail::startCached(std::function<void()>(std::forward<F>(body)));
    } else {
      thread_ = std::thread(std::forward<F>(body));
    }
  }

  std::thread thread_;
  std::shared_ptr<detail::CachedRun> cached_;  // the body's run on a cached thread (thread_cache.h)
  void* handle_ = nullptr;                     // the controlled thread, if started under control
};

}  // namespace lifeguard::sync
