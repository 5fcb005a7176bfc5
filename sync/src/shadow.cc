// The controlled scheduler's side of shadow synchronisation: the Controller
// methods for primitives the scheduler does not own (control.h: pointAt,
// acquireShadow, waitShadow and the rest, for an unmodified engine's pthread
// calls through interpose.cc). The real primitive stays the truth; the
// scheduler only orders the controlled threads around it, polls those that
// wait on one when nobody else can run (pollShadow), and, on the monitor
// thread, grants an uncontrolled slice when the running thread takes no step
// for a while (monitor, grantSlice). The scheduler itself is controller.cc.
#include "controller.h"

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>
#include <thread>

namespace lifeguard::sync::control {

void Controller::pointAt(ThreadCtl* self, const char* what, const void* code, const void* object, bool polite) {
  std::unique_lock<std::mutex> lock(mu_);
  enter(self, lock);
  at(self, what, code, object);
  self->polite = polite;
  yield(self, lock);
}

bool Controller::acquireShadow(ThreadCtl* self, const char* what, const void* object, const void* code,
                               TryFn try_acquire, void* ctx, TimePoint deadline) {
  std::unique_lock<std::mutex> lock(mu_);
  enter(self, lock);
  at(self, what, code, object);
  yield(self, lock);
  return awaitShadow(self, object, try_acquire, ctx, lock, deadline);
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
                            TryFn unlock, TryFn relock, void* ctx) {
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
  if (mu != nullptr) awaitShadow(self, mu, relock, ctx, lock);
  return notified;
}

void Controller::monitor() {
  std::unique_lock<std::mutex> lock(mu_);
  std::uint64_t seen = ~std::uint64_t{0};
  while (!done_) {
    monitor_cv_.wait_for(lock, kSliceAfter);
    std::uint64_t now = trace_.decisions.size();
    if (!done_ && now == seen) grantSlice();
    seen = now;
  }
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
                             std::unique_lock<std::mutex>& lock, TimePoint deadline) {
  while (!try_acquire(ctx)) {
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
