// A stand-in for a prebuilt engine library, for the interposition layer's
// tests: plain std::mutex, std::condition_variable, std::thread, POSIX
// semaphores, std::call_once, function-local statics, sleeps and clocks.
// It includes nothing of lifeguard's and is built as a shared library of its
// own, so it reaches the layer only as Kuzu or DuckDB would: through the
// symbols the test program exports.
//
// Thread-safety: every function and method may be called from any thread,
// except where a comment says otherwise.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include <pthread.h>
#include <semaphore.h>

namespace unmodified {

// Worker threads that run submitted tasks; the destructor stops and joins
// them. Not copyable.
class Pool {
 public:
  explicit Pool(int workers);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;
  void submit(std::function<void()> task);
  // Waits until every submitted task ran: a loop of timed waits (100 ms).
  void waitIdle();

 private:
  void work();

  std::mutex mu_;
  std::condition_variable wake_, idle_;
  std::deque<std::function<void()>> tasks_;
  int running_ = 0;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

// A counter with a lost update: add() reads and writes in two separate
// critical sections, so two concurrent adds can count once.
class Counter {
 public:
  void add();
  int value();

 private:
  std::mutex mu_;
  int value_ = 0;
};

// Two threads take turns through two semaphores: ping() and pong() each
// `rounds` times, one thread each. Returns the turns in the order taken.
class PingPong {
 public:
  PingPong();
  ~PingPong();
  void ping(int rounds);
  void pong(int rounds);
  std::vector<int> turns();

 private:
  sem_t ping_, pong_;
  std::mutex mu_;
  std::vector<int> turns_;
};

// A flag one thread waits for with C++20's atomic wait (a futex system
// call, inlined from libstdc++) and another sets.
class Flag {
 public:
  void set();
  void waitSet();

 private:
  std::atomic<int> value_{0};
};

// Spins on an atomic, with no call in the loop, until another thread has
// set it (as DuckDB 1.4's TaskExecutor::WorkOnTasks waits for its tasks).
class Spin {
 public:
  void waitDone();
  void done();

 private:
  std::mutex mu_;
  std::atomic<bool> done_{false};
};

// A lock a caller holds across calls, as an engine's thread holds one while
// it works: hold() and release() on one thread; enter() takes and releases
// it; tryEnter() takes and releases it only if it is free (a try, as
// allocators take theirs) and says whether it was. A pthread mutex, not a
// std::mutex: std::mutex's inline methods may bind to the test program's
// copies, and the calls would then come from the program, not the library.
class Latch {
 public:
  void hold();
  void release();
  void enter();
  bool tryEnter();

 private:
  pthread_mutex_t mu_ = PTHREAD_MUTEX_INITIALIZER;
};

// Waits on a condition variable nobody notifies, for `timeout`: true once it
// timed out. Also returns how long the library's own clock says it waited.
bool waitForNothing(std::chrono::milliseconds timeout, std::chrono::steady_clock::duration* waited);
// Sleeps 1 ms `count` times; returns how long the library's clock says it
// took. The sleep is what is tested, not a way to order threads: the test
// calls it only inside a controlled run, where a sleep waits in virtual time
// and takes no real time.
std::chrono::steady_clock::duration sleepMilliseconds(int count);
// Works (no call but the clock's) until its clock says `budget` passed, as a
// query that polls its timeout between batches does; returns the batches.
long workFor(std::chrono::milliseconds budget);
// A function-local static whose constructor locks a mutex; and a
// std::call_once: both initialised once however many threads ask at once.
int staticValue();
int onceValue();

}  // namespace unmodified
