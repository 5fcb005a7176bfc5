// The controlled scheduler's internals (private to sync/): the Controller of
// the run in progress and the ThreadCtl of each controlled thread. The
// scheduler itself is in controller.cc, the methods for the primitives it
// does not own (interposition) in shadow.cc, and the entry points of
// control.h and controlled.h, which find the run's Controller and the
// calling thread's ThreadCtl, in control_api.cc.
//
// Threading contract. The controller's mutex `mu_` guards the scheduler
// state and every ThreadCtl (but `body`, below). Every public method takes
// `mu_` for its whole body, except:
//   - the constructor, before any other thread sees the controller;
//   - distinctSteps() and stepsOf(), which read atomics (the ready()
//     predicates of controlledWaitUntil call them, under `mu_` already);
//   - options(), which reads without it (options_ does not change), and
//     trace(), which reads trace_ without it (sound once the run is over);
//   - snapshot(), which only tries to take it, for about a second, and
//     gives up (a watchdog's call: the run may be stuck holding it);
//   - finalTrace(), which takes nothing: it is called once the run is over
//     (runControlled, after awaitEnd()), from fail() with `mu_` held, or from
//     a sanitizer's death callback, on whatever thread died.
// Every private method is called with `mu_` held (but openStepLog(), static,
// which the constructor calls). A method that waits on a condition variable
// (a ThreadCtl's `turn`: awaitTurn(), enter(), yield() and what calls them;
// monitor_cv_, done_cv_) releases `mu_` while it sleeps and holds it again
// when it wakes. The strategy, the ready() predicates, the TryFn
// callbacks of the shadow methods and options_.on_end in fail() run under
// `mu_`.
// A controlled thread calls in on its own ThreadCtl (`self`), inside an
// Outside scope (control_api.cc): `mu_` and the condition variables are not
// scheduling points. Only that thread touches its ThreadCtl's `body` without
// `mu_` (threadMain, threadEnd); `id` does not change after spawn(). Between
// points only the thread named by `running_` goes on; the exception is an
// uncontrolled slice (monitor(), grantSlice()): the stalled thread goes on
// beside the one it handed `running_` to.
#pragma once

#include <time.h>

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "lifeguard/sync/control.h"
#include "lifeguard/sync/controlled.h"
#include "strategy.h"

namespace lifeguard::sync::control {

using TimePoint = std::chrono::steady_clock::time_point;
constexpr TimePoint kNever = TimePoint::max();

enum class State { kRunnable, kMutex, kCondVar, kJoin, kPredicate, kFinished };

struct ThreadCtl {
  int id = 0;
  State state = State::kRunnable;
  const void* on = nullptr;  // the mutex, condvar or ThreadCtl waited for
  TimePoint deadline = kNever;
  bool timed_out = false;
  std::uint64_t wait_seq = 0;  // FIFO order of condvar waiters
  std::function<bool()> ready;
  bool run_ahead = false;      // becomes the urgent thread once ready() holds (controlledWaitUntil)
  std::function<void()> body;
  const char* what = "start";
  Where where{"", 0};
  const void* object = nullptr;  // the mutex, condition variable, atomic or thread of the point, if any
  Where spawned_at{"", 0};
  bool actor = false;  // runControlled's root thread, or one of the actors it spawned (not the engine's)
  bool shadow = false;  // blocked on a primitive the scheduler does not own (acquireShadow, waitShadow)
  bool polite = false;  // its last point was a yield or a sleep: another thread goes first
  std::uint32_t looping_steps = 0;  // its steps in a row at places it passed recently (interpose only)
  const void* code = nullptr;  // the engine code of its last pointAt, acquireShadow or waitShadow
  unsigned long os_thread = 0;  // its pthread_t, if the engine created it (bindOsThread)
  long tid = 0;                 // its OS thread's kernel id, from its first turn (awaitTurn)
  clockid_t cpu_clock{};        // and its OS thread's CPU-time clock
  std::condition_variable turn;
  // The places of its last kLoopWindow scheduling points (rings): without
  // and with the object.
  std::array<std::uintptr_t, testing::kLoopWindow> recent{}, recent_on{};
  std::size_t recent_next = 0;

  // Whether the place it reached now is new among its recent ones (a
  // lifecycle step, not a loop's), and whether the place on its object is
  // (a distinct step); records both.
  std::pair<bool, bool> reachedNewPlace();
};

// Every step of every run in this process (controlledStepsTaken): global, so
// a watchdog reads it without the run's controller, which may be gone.
extern std::atomic<std::uint64_t> g_steps_taken;

const char* baseName(const char* file);

// Engine code, as its library and offset ("libduckdb.so+0x1a2b3c").
std::string codePlace(const void* code);

std::string position(const ThreadCtl& t);

class Controller {
 public:
  explicit Controller(const testing::ControlledOptions& options);

  ThreadCtl* spawn(std::function<void()> body, Where where, const ThreadCtl* parent);

  std::uint64_t steps();
  // Lock-free: ready() predicates read them under the controller's lock.
  std::uint64_t distinctSteps() const { return distinct_steps_.load(std::memory_order_relaxed); }
  std::uint64_t stepsOf(int thread) const {
    return engine_distinct_steps_.load(std::memory_order_relaxed) + own_steps_[thread].load(std::memory_order_relaxed);
  }

  void start(ThreadCtl* first);

  // The first wait of a new thread, before its body.
  void awaitTurn(ThreadCtl* self);

  void point(ThreadCtl* self, const char* what, Where where, const void* object);

  void lock(ThreadCtl* self, const void* mu, Where where);

  void unlock(const void* mu);

  bool wait(ThreadCtl* self, const void* cv, const void* mu, TimePoint deadline, Where where);

  void notify(ThreadCtl* self, const void* cv, bool all);

  void join(ThreadCtl* self, ThreadCtl* target, Where where);

  void waitUntil(ThreadCtl* self, const std::function<bool()>& ready, bool run_ahead);

  // Shadow synchronisation (shadow.cc, as monitor() below): control.h's
  // functions of these names.
  void pointAt(ThreadCtl* self, const char* what, const void* code, const void* object, bool polite);

  bool acquireShadow(ThreadCtl* self, const char* what, const void* object, const void* code, TryFn try_acquire,
                     void* ctx, TimePoint deadline, HolderFn holder);

  void noteBusy(ThreadCtl* self, const char* what, const void* code, long holder);

  void bindOsThread(ThreadCtl* thread, unsigned long os_thread);

  ThreadCtl* threadOf(unsigned long os_thread);

  void releaseShadow(const void* object);

  bool waitShadow(ThreadCtl* self, const void* cv, const void* mu, TimePoint deadline, const void* code, TryFn unlock,
                  TryFn relock, void* ctx, HolderFn holder);

  void exit(ThreadCtl* self);

  // control.h: now(read), systemNow(read).
  TimePoint now(bool read = false);

  std::chrono::system_clock::time_point systemNow(bool read = false);

  // Under interpose, on a thread of its own until the run ends: when the
  // running thread takes no step while it uses kSliceAfter of its own CPU
  // time (it spins on an atomic, say, waiting for a thread that cannot run
  // meanwhile: DuckDB 1.4's TaskExecutor::WorkOnTasks), or kSliceAfter of
  // real time in which it used almost no CPU (it blocks outside the layer),
  // another runnable thread gets an uncontrolled slice: it runs too, until
  // the strategy next picks. The trace counts slices; a run with one is not
  // deterministic. CPU time, not real time, for the spin: a thread that
  // computes between two points on a loaded machine gets a share of a core,
  // and real time would slice it in one run and not in the next.
  static constexpr std::chrono::milliseconds kSliceAfter{300};
  static constexpr std::chrono::milliseconds kSliceCheck{50};
  void monitor();

  // Blocks the (uncontrolled) caller until every controlled thread ended.
  void awaitEnd();

  const testing::ControlledTrace& trace() const { return trace_; }
  // The trace with the engine threads outside the run counted so far.
  const testing::ControlledTrace& finalTrace();

  bool snapshot(std::string* report, testing::ControlledTrace* trace);
  const testing::ControlledOptions& options() const { return options_; }

 private:
  void block(ThreadCtl* self, State state, const void* on);
  void unblock(ThreadCtl& t);

  // A thread that an uncontrolled slice displaced (monitor()) waits for its
  // turn before it acts: it was picked before, and is picked again.
  void enter(ThreadCtl* self, std::unique_lock<std::mutex>& lock);

  // In shadow.cc: grantSlice(), at(), awaitShadow() and pollShadow().

  // The stalled thread is not picked while another can run, until it is
  // back at a point: it still runs, and picking it would stall the run again.
  void grantSlice();

  // The CPU time the running thread used so far (0 if none runs).
  std::chrono::nanoseconds runningCpuTime() const;

  void at(ThreadCtl* self, const char* what, const void* code, const void* object);

  // Tries until `try_acquire` holds, not runnable between tries; false once
  // the deadline passed. A first failed try asks `holder` (if any) who holds
  // the primitive (holdOutside).
  bool awaitShadow(ThreadCtl* self, const void* object, TryFn try_acquire, void* ctx,
                   std::unique_lock<std::mutex>& lock, TimePoint deadline = kNever, HolderFn holder = nullptr);

  // `self`'s try of WHAT at `code` failed, and `holder` (HolderFn) holds the
  // primitive: counts it (ControlledTrace::outside_holds) unless the holder
  // is a controlled thread that has not ended.
  void holdOutside(const ThreadCtl* self, const char* what, const void* code, long holder);

  // Nobody can run, but some wait on a primitive the scheduler does not own:
  // a thread outside the run may hold or signal it. They try again (a
  // condition variable's wake-up is then spurious, which POSIX allows), up to
  // a bound of polls in a row.
  bool pollShadow();

  void acquire(ThreadCtl* self, const void* mu, std::unique_lock<std::mutex>& lock);

  void release(const void* mu);

  // One step: picks who runs next and, unless that is `self`, hands over
  // and sleeps until `self` is picked again (a finished thread just leaves).
  void yield(ThreadCtl* self, std::unique_lock<std::mutex>& lock);

  int pickNext(ThreadCtl* self, std::unique_lock<std::mutex>& lock);

  std::uint64_t runnableMask();

  // While the urgent thread can run, nobody else may (a bound keeps a thread
  // that spins waiting for another from livelocking the run).
  std::uint64_t urgentOnly(std::uint64_t runnable);

  // Under interpose time also passes with the steps, kStepTime each, so an
  // engine's own timer (a query timeout it reads off its clock) fires after
  // as many steps every time; a timed wait whose deadline passed ends.
  static constexpr std::chrono::microseconds kStepTime{10};
  static constexpr std::chrono::microseconds kReadTime{10};  // an engine's clock read (control.h: now)
  void expireDue();

  // Fairness for spin loops (interpose only): a thread that takes
  // kSpinSteps steps in a row at places it passed recently is spinning, and
  // does not run while another thread can, until some thread reaches a place
  // it did not pass recently (progress). Without it a strategy that favours
  // the spinner (PCT) would never run the thread it waits for: an engine's
  // query thread that polls for its workers' tasks, say.
  static constexpr std::uint32_t kSpinSteps = 64;
  void countLoop(ThreadCtl* self, bool distinct);

  // Nobody can run: virtual time jumps to the earliest deadline.
  bool expireTimedWait();

  bool allFinished() const;

  int endRun(std::unique_lock<std::mutex>& lock);

  // LIFEGUARD_LOG_STEPS=DIR: one line per step in DIR/steps-PID.log (the
  // thread that reached it, where, the thread chosen), to diff two runs that
  // diverge.
  static std::FILE* openStepLog();
  void logStep(const ThreadCtl* self, int chosen, std::uint64_t runnable) const;

  void record(std::uint8_t chosen, std::uint64_t runnable, int current, std::unique_lock<std::mutex>& lock);

  std::string threadReport() const;

  [[noreturn]] void diverge(std::unique_lock<std::mutex>& lock, std::uint64_t step, const std::string& why);

  // Ends the process: the stuck threads cannot be unwound or joined.
  [[noreturn]] void fail(std::unique_lock<std::mutex>&, int code, const std::string& report);

  const testing::ControlledOptions options_;
  std::unique_ptr<Strategy> strategy_;
  const TimePoint start_;
  const std::chrono::system_clock::time_point system_start_;
  std::mutex mu_;
  std::vector<std::unique_ptr<ThreadCtl>> threads_;
  int running_ = -1;
  std::vector<const void*> owned_;  // the mutexes held (a few at a time; a map node per lock cost more)
  std::uint64_t wait_seq_ = 0;
  std::chrono::steady_clock::duration virtual_elapsed_{0};
  testing::ControlledTrace trace_;
  std::uint64_t check_ = 0;
  std::atomic<std::uint64_t> distinct_steps_{0};  // for distinctSteps()
  std::atomic<std::uint64_t> engine_distinct_steps_{0};  // the distinct steps of threads not actors, for stepsOf()
  std::array<std::atomic<std::uint64_t>, testing::kMaxControlledThreads> own_steps_{};  // every step, by thread
  std::uint64_t spinning_ = 0;  // the threads countLoop() found spinning
  std::uint64_t stalled_ = 0;   // the threads running beside an uncontrolled slice (grantSlice())
  int urgent_ = -1;                 // the thread that runs ahead (controlledWaitUntil's run_ahead), or -1
  std::uint64_t urgent_steps_ = 0;  // the steps it ran ahead so far
  static constexpr std::uint64_t kUrgentStepBound = 100'000;
  std::FILE* const log_steps_ = openStepLog();
  std::uint64_t outside_polls_in_a_row_ = 0;  // pollShadow() since the last release or notify
  static constexpr std::uint64_t kOutsidePollBound = 10'000;
  bool done_ = false;
  std::condition_variable monitor_cv_;  // wakes monitor() at the run's end
  std::condition_variable done_cv_;
};

}  // namespace lifeguard::sync::control
