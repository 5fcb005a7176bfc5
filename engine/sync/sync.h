// The engine's one layer over threads and blocking primitives.
//
// Every engine thread, mutex and condition variable is one of these types, so
// a controlled scheduler can later run the engine one thread at a time by
// swapping this layer's implementation. Today they are thin wrappers over the
// standard library with no added cost.
//
// Thread-safety: as the std types they wrap.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <utility>

#include "sync/thread_annotations.h"

namespace lifeguard::sync {

using Clock = std::chrono::steady_clock;

template <typename T>
using Atomic = std::atomic<T>;

class LG_CAPABILITY("mutex") Mutex {
 public:
  void lock() LG_ACQUIRE() { mu_.lock(); }
  void unlock() LG_RELEASE() { mu_.unlock(); }

 private:
  friend class MutexLock;
  std::mutex mu_;
};

// Holds a Mutex for its scope; a CondVar may release and re-take it.
class LG_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) LG_ACQUIRE(mu) : lock_(mu.mu_) {}
  ~MutexLock() LG_RELEASE() {}
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  friend class CondVar;
  std::unique_lock<std::mutex> lock_;
};

class CondVar {
 public:
  // Atomically releases the lock's mutex and blocks until notified (spurious
  // wake-ups possible: always wait in a loop).
  void wait(MutexLock& lock) { cv_.wait(lock.lock_); }
  // As wait(); returns false when the deadline passed.
  bool waitUntil(MutexLock& lock, Clock::time_point deadline) {
    return cv_.wait_until(lock.lock_, deadline) == std::cv_status::no_timeout;
  }
  void notifyOne() { cv_.notify_one(); }
  void notifyAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

// A joinable thread. The destructor joins if the owner did not.
class Thread {
 public:
  Thread() = default;
  template <typename F>
  explicit Thread(F&& body) : thread_(std::forward<F>(body)) {}
  Thread(Thread&&) = default;
  Thread& operator=(Thread&&) = default;
  ~Thread() {
    if (thread_.joinable()) thread_.join();
  }

  bool joinable() const { return thread_.joinable(); }
  void join() { thread_.join(); }

 private:
  std::thread thread_;
};

}  // namespace lifeguard::sync
