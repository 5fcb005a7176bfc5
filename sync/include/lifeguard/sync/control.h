// The sync layer's entry points into the controlled scheduler.
//
// Only lifeguard/sync/sync.h calls these, and only on a controlled thread (active()).
// Exactly one controlled thread runs at a time; each call below is a
// scheduling point at which the running thread yields and the scheduler
// (controller.cc) picks who runs next. The public side, for tests and the
// harness, is lifeguard/sync/controlled.h (runControlled and friends).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>

namespace lifeguard::sync::control {

struct Where {
  const char* file;
  int line;
};

extern thread_local bool tl_active;
// Whether the calling thread runs under the controlled scheduler.
inline bool active() { return tl_active; }

// Whether the calling thread's pthread, semaphore, guard and sleep calls are
// scheduling points (sync/src/interpose.cc): a controlled thread of a run
// with ControlledOptions::interpose, while it is not inside the scheduler or
// an Outside scope.
extern constinit thread_local bool tl_interposed;  // constinit: no TLS wrapper call on the fast path
// For its scope the calling thread's pthread calls go straight to the real
// functions: the scheduler's own locks, and OS threads that sync::Thread
// starts for a thread the scheduler already knows.
class Outside {
 public:
  Outside() : saved_(tl_interposed) { tl_interposed = false; }
  ~Outside() { tl_interposed = saved_; }
  Outside(const Outside&) = delete;
  Outside& operator=(const Outside&) = delete;

 private:
  const bool saved_;
};

// Engine threads outside the run (sync/src/outside_threads.cc). While a run
// with ControlledOptions::interpose is in progress, g_interposing is set,
// and an interposed call from a thread that is neither controlled
// (tl_active) nor the harness's own (tl_harness, testing::markHarnessThread)
// is noted once per thread: a thread the engine started before the run, or
// one such a thread started. Its calls go to the real functions, unordered.
extern std::atomic<bool> g_interposing;
extern constinit thread_local bool tl_harness;
void noteOutsideThread(const void* code);
inline void noteIfOutside(const void* code) {
  if (__builtin_expect(g_interposing.load(std::memory_order_relaxed), 0) && !tl_harness && !tl_active) {
    noteOutsideThread(code);
  }
}
// The controller's side: a run begins and ends counting; how many threads
// were noted so far, and the code of the first one's call.
void beginOutsideCount();
std::uint64_t outsideThreads(const void** first_code);
void endOutsideCount();

// A scheduling point: the caller may be preempted here. `object` (an
// atomic's address, say) tells apart steps at one source line on different
// objects (testing::controlledDistinctSteps).
void point(const char* what, Where where, const void* object = nullptr);
// point() on a controlled thread, nothing elsewhere.
inline void pointIfActive(const char* what, Where where, const void* object = nullptr) {
  if (tl_active) point(what, where, object);
}
// Logical mutex: blocks (not runnable) while another thread owns it.
void lock(const void* mu, Where where);
void unlock(const void* mu);
// Releases `mu`, waits for a notify of `cv` or the (virtual) deadline, takes
// `mu` again. Returns false on timeout.
bool wait(const void* cv, const void* mu, std::chrono::steady_clock::time_point deadline, Where where);
void notify(const void* cv, bool all);
// Virtual time: starts at the run's start and jumps to the next deadline when
// no thread can run. `read`: an engine reads its clock (interpose.cc), which
// advances virtual time by 10 us (a step's time), so that a thread that
// computes between two scheduling points while it polls the clock (a query
// checking its timeout) sees time pass, as it would outside control.
std::chrono::steady_clock::time_point now(bool read = false);
// The same virtual time as a system_clock reading (the run's real start plus
// the virtual time elapsed).
std::chrono::system_clock::time_point systemNow(bool read = false);

// Registers a new controlled thread that will run `body`; the OS thread must
// run threadMain(handle).
void* spawn(std::function<void()> body);
void threadMain(void* handle);
// threadMain in two halves, for an OS thread that runs more than the body
// under control (interpose.cc: the engine thread's thread-local destructors):
// threadBegin waits for the thread's first turn, threadEnd is its last step.
void threadBegin(void* handle);
void threadEnd();
// Blocks until the thread of `handle` has finished its body.
void join(void* handle);

// Shadow synchronisation, for primitives the scheduler does not own (an
// unmodified engine's pthread mutexes, condition variables, semaphores and
// guards, through interpose.cc). The real primitive stays the truth; the
// scheduler only orders the controlled threads around it. `code` is the
// caller's return address: it names the place (reports, loop detection).
// Each callback runs under the scheduler's lock and must not block.
using TryFn = bool (*)(void* ctx);
// Who holds a primitive whose try failed, as the primitive records it: the
// holder's kernel thread id (> 0); 0 if it records none although the try
// failed (the holder is between taking it and recording itself, so it runs
// right now); -1 if the primitive does not say (readers, semaphores). A
// holder that is not a live controlled thread is counted
// (ControlledTrace::outside_holds).
using HolderFn = long (*)(void* ctx);
// A scheduling point; with `polite` (sched_yield, a sleep) another runnable
// thread, if any, is picked before the caller again.
void pointAt(const char* what, const void* code, const void* object, bool polite = false);
// A scheduling point, then try(ctx) until it holds; between tries the caller
// is not runnable until releaseShadow(object) or the virtual deadline. False
// on timeout.
bool acquireShadow(const char* what, const void* object, const void* code, TryFn try_acquire, void* ctx,
                   std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max(),
                   HolderFn holder = nullptr);
// A try that is not a scheduling point (a trylock) failed on a controlled
// thread: counts it if `holder` (as HolderFn returns it) is not under control.
void noteBusy(const char* what, const void* code, long holder);
// Makes the threads waiting in acquireShadow(object) runnable (no point).
void releaseShadow(const void* object);
// The OS thread (its pthread_t) that runs the controlled thread `handle`,
// and back (nullptr: not a thread of the run in progress).
void bindOsThread(void* handle, unsigned long os_thread);
void* controlledThreadOf(unsigned long os_thread);
// A scheduling point, then unlock(ctx) and releaseShadow(mu) (if `mu`), then
// waits for notify(cv) or the virtual deadline, then (if `mu`) acquires it
// again with relock(ctx) (`holder` as for acquireShadow). False on timeout.
// Without `mu`, `unlock` (if any) is asked instead whether to wait at all,
// after the point: false, and the call returns true at once (a futex whose
// word changed).
bool waitShadow(const void* cv, const void* mu, std::chrono::steady_clock::time_point deadline, const void* code,
                TryFn unlock, TryFn relock, void* ctx, HolderFn holder = nullptr);

}  // namespace lifeguard::sync::control
