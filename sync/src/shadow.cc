// The controlled scheduler's side of shadow synchronisation: the Controller
// methods for primitives the scheduler does not own (control.h: pointAt,
// acquireShadow, waitShadow and the rest, for an unmodified engine's pthread
// calls through interpose.cc). The real primitive stays the truth; the
// scheduler only orders the controlled threads around it, polls those that
// wait on one when nobody else can run (pollShadow), and, on the monitor
// thread, grants an uncontrolled slice when the running thread takes no step
// for a while (monitor, grantSlice). The scheduler itself is controller.cc.
#include "controller.h"

#include <time.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>

// AddressSanitizer's: whether an error is being (or was) reported. Its
// report of a crash symbolizes every frame, which can take seconds: no slice
// then, or the trace of a run that crashes would grow by whatever the
// slice ran, and differ from run to run.
extern "C" int __asan_report_present() __attribute__((weak));

namespace lifeguard::sync::control {

void Controller::pointAt(ThreadCtl* self, const char* what, const void* code, const void* object, bool polite) {
  std::unique_lock<std::mutex> lock(mu_);
  enter(self, lock);
  at(self, what, code, object);
  self->polite = polite;
  yield(self, lock);
}

bool Controller::acquireShadow(ThreadCtl* self, const char* what, const void* object, const void* code,
                               TryFn try_acquire, void* ctx, TimePoint deadline, HolderFn holder) {
  std::unique_lock<std::mutex> lock(mu_);
  enter(self, lock);
  at(self, what, code, object);
  yield(self, lock);
  return awaitShadow(self, object, try_acquire, ctx, lock, deadline, holder);
}

void Controller::noteBusy(ThreadCtl* self, const char* what, const void* code, long holder) {
  std::lock_guard<std::mutex> lock(mu_);
  holdOutside(self, what, code, holder);
}

void Controller::holdOutside(const ThreadCtl* self, const char* what, const void* code, long holder) {
  if (holder < 0) return;
  const ThreadCtl* by = nullptr;
  for (auto t = threads_.rbegin(); t != threads_.rend() && holder != 0; ++t) {  // the newest: a kernel id is reused
    if ((*t)->tid == holder) {
      by = t->get();
      break;
    }
  }
  if (by != nullptr && by->state != State::kFinished) return;  // its hold is in the run's order
  ++trace_.outside_holds;
  if (!trace_.first_hold.empty()) return;
  std::string held_by = by != nullptr ? "thread " + std::to_string(by->id) + " after its last step (its exit)"
                        : holder != 0 ? "kernel thread " + std::to_string(holder) + ", outside the run"
                                      : "a thread outside control, between taking it and recording itself";
  trace_.first_hold = "step " + std::to_string(trace_.decisions.size()) + ": thread " + std::to_string(self->id) +
                      "'s " + what + " at " + codePlace(code) + ", held by " + held_by;
}

void Controller::bindOsThread(ThreadCtl* thread, unsigned long os_thread) {
  std::lock_guard<std::mutex> lock(mu_);
  thread->os_thread = os_thread;
}

ThreadCtl* Controller::threadOf(unsigned long os_thread) {
  std::lock_guard<std::mutex> lock(mu_);
  // The newest first: a finished thread's pthread_t is reused.
  for (auto t = threads_.rbegin(); t != threads_.rend(); ++t) {
    if ((*t)->os_thread == os_thread) return t->get();
  }
  return nullptr;
}

void Controller::releaseShadow(const void* object) {
  std::lock_guard<std::mutex> lock(mu_);
  release(object);
}

bool Controller::waitShadow(ThreadCtl* self, const void* cv, const void* mu, TimePoint deadline, const void* code,
                            TryFn unlock, TryFn relock, void* ctx, HolderFn holder) {
  std::unique_lock<std::mutex> lock(mu_);
  enter(self, lock);
  at(self, "before condition wait", code, cv);
  yield(self, lock);  // as in wait(): a notify may land between the caller's last step and the wait
  self->what = "condition wait";
  if (mu != nullptr) {
    unlock(ctx);
    release(mu);
  } else if (unlock != nullptr && !unlock(ctx)) {
    return true;  // its word changed: no wait (a futex's EAGAIN)
  }
  block(self, State::kCondVar, cv);
  self->deadline = deadline;
  self->timed_out = false;
  self->wait_seq = ++wait_seq_;
  self->shadow = true;  // a wake-up from outside the run is lost to the scheduler: poll
  yield(self, lock);
  self->shadow = false;
  bool notified = !self->timed_out;
  self->deadline = kNever;
  if (mu != nullptr) awaitShadow(self, mu, relock, ctx, lock, kNever, holder);
  return notified;
}

void Controller::monitor() {
  using Real = std::chrono::steady_clock;  // the real clock: this thread is the harness's
  std::unique_lock<std::mutex> lock(mu_);
  std::uint64_t seen = ~std::uint64_t{0};
  Real::time_point real_since{};
  std::chrono::nanoseconds cpu_since{0};
  while (!done_) {
    monitor_cv_.wait_for(lock, kSliceCheck);
    if (done_) break;
    Real::time_point real = Real::now();
    std::chrono::nanoseconds cpu = runningCpuTime();
    if (trace_.decisions.size() != seen) {  // a step since the last look: measure from now
      seen = trace_.decisions.size(), real_since = real, cpu_since = cpu;
      continue;
    }
    auto used = cpu - cpu_since;
    auto waited = std::chrono::duration_cast<std::chrono::nanoseconds>(real - real_since);
    bool reporting = __asan_report_present != nullptr && __asan_report_present() != 0;
    if (!reporting && (used >= kSliceAfter || (waited >= kSliceAfter && used * 20 < waited))) {
      grantSlice();
      seen = ~std::uint64_t{0};
    }
  }
}

std::chrono::nanoseconds Controller::runningCpuTime() const {
  timespec ts{};
  if (running_ < 0 || ::clock_gettime(threads_[running_]->cpu_clock, &ts) != 0) return {};
  return std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec);
}

void Controller::grantSlice() {
  for (auto& t : threads_) {
    if (t->id == running_ || t->state != State::kRunnable) continue;
    if (trace_.first_slice.empty() && running_ >= 0) {
      trace_.first_slice = "step " + std::to_string(trace_.decisions.size()) + ": thread " +
                           std::to_string(running_) + ", " + position(*threads_[running_]);
    }
    stalled_ |= std::uint64_t{1} << running_;
    running_ = t->id;
    ++trace_.uncontrolled_slices;
    if (log_steps_ != nullptr) std::fprintf(log_steps_, "slice: thread %d\n", t->id);
    t->turn.notify_one();
    return;
  }
}

void Controller::at(ThreadCtl* self, const char* what, const void* code, const void* object) {
  // The place is the code address: distinct call sites are distinct places.
  self->what = what, self->object = object, self->code = code;
  self->where = {"", static_cast<int>(reinterpret_cast<std::uintptr_t>(code) & 0x7fffffff)};
}

bool Controller::awaitShadow(ThreadCtl* self, const void* object, TryFn try_acquire, void* ctx,
                             std::unique_lock<std::mutex>& lock, TimePoint deadline, HolderFn holder) {
  for (bool first = true; !try_acquire(ctx); first = false) {
    if (first && holder != nullptr) holdOutside(self, self->what, self->code, holder(ctx));
    block(self, State::kMutex, object);
    self->shadow = true;
    self->deadline = deadline;
    self->timed_out = false;
    yield(self, lock);
    self->shadow = false;
    self->deadline = kNever;
    if (self->timed_out) return try_acquire(ctx);
  }
  return true;
}

bool Controller::pollShadow() {
  if (outside_polls_in_a_row_ >= kOutsidePollBound) return false;
  bool any = false;
  for (auto& t : threads_) {
    if (t->shadow && (t->state == State::kMutex || t->state == State::kCondVar)) unblock(*t), any = true;
  }
  if (!any) return false;
  if (log_steps_ != nullptr) std::fprintf(log_steps_, "poll\n");
  ++outside_polls_in_a_row_;
  ++trace_.outside_waits;
  std::this_thread::yield();  // the scheduler's own call: not interposed
  return true;
}

}  // namespace lifeguard::sync::control
