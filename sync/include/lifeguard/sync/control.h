// The sync layer's entry points into the controlled scheduler.
//
// Only lifeguard/sync/sync.h calls these, and only on a controlled thread (active()).
// Exactly one controlled thread runs at a time; each call below is a
// scheduling point at which the running thread yields and the scheduler
// (controller.cc) picks who runs next. The public side, for tests and the
// harness, is lifeguard/sync/controlled.h (runControlled and friends).
#pragma once

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
// no thread can run.
std::chrono::steady_clock::time_point now();

// Registers a new controlled thread that will run `body`; the OS thread must
// run threadMain(handle).
void* spawn(std::function<void()> body);
void threadMain(void* handle);
// Blocks until the thread of `handle` has finished its body.
void join(void* handle);

}  // namespace lifeguard::sync::control
