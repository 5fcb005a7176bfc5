// The controlled scheduler's entry points: the functions of control.h (the
// sync layer's and interpose.cc's calls) and of controlled.h (runControlled
// and the queries of tests, the harness and its watchdog). Each finds the run
// in progress (g_controller) and the calling controlled thread (tl_self) and
// calls the Controller (controller.h).
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "controller.h"
#include "lifeguard/sync/control.h"
#include "lifeguard/sync/controlled.h"
#include "lifeguard/sync/sync.h"

extern "C" void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

namespace lifeguard::sync::interpose {
bool bound(std::string* why) __attribute__((weak));  // interpose.cc, if linked
}  // namespace lifeguard::sync::interpose

namespace lifeguard::sync::control {

thread_local bool tl_active = false;
constinit thread_local bool tl_interposed = false;

namespace {

Controller* g_controller = nullptr;  // the run in progress (one per process)
thread_local ThreadCtl* tl_self = nullptr;

void onSanitizerDeath() {
  Controller* controller = g_controller;
  if (controller != nullptr && controller->options().on_end) controller->options().on_end(controller->finalTrace());
}

}  // namespace

// Each entry is Outside: the scheduler's own locks are not interposed.
void point(const char* what, Where where, const void* object) {
  Outside outside;
  g_controller->point(tl_self, what, where, object);
}
void lock(const void* mu, Where where) {
  Outside outside;
  g_controller->lock(tl_self, mu, where);
}
void unlock(const void* mu) {
  Outside outside;
  g_controller->unlock(mu);
}
bool wait(const void* cv, const void* mu, TimePoint deadline, Where where) {
  Outside outside;
  return g_controller->wait(tl_self, cv, mu, deadline, where);
}
void notify(const void* cv, bool all) {
  Outside outside;
  g_controller->notify(tl_self, cv, all);
}
TimePoint now(bool read) {
  Outside outside;
  return g_controller->now(read);
}
std::chrono::system_clock::time_point systemNow(bool read) {
  Outside outside;
  return g_controller->systemNow(read);
}

void* spawn(std::function<void()> body) {
  Outside outside;
  return g_controller->spawn(std::move(body), tl_self != nullptr ? tl_self->where : Where{"", 0}, tl_self);
}

void pointAt(const char* what, const void* code, const void* object, bool polite) {
  Outside outside;
  g_controller->pointAt(tl_self, what, code, object, polite);
}
bool acquireShadow(const char* what, const void* object, const void* code, TryFn try_acquire, void* ctx,
                   TimePoint deadline, HolderFn holder) {
  Outside outside;
  return g_controller->acquireShadow(tl_self, what, object, code, try_acquire, ctx, deadline, holder);
}
void noteBusy(const char* what, const void* code, long holder) {
  Outside outside;
  g_controller->noteBusy(tl_self, what, code, holder);
}
void bindOsThread(void* handle, unsigned long os_thread) {
  Outside outside;
  g_controller->bindOsThread(static_cast<ThreadCtl*>(handle), os_thread);
}
void* controlledThreadOf(unsigned long os_thread) {
  Outside outside;
  return g_controller->threadOf(os_thread);
}
void releaseShadow(const void* object) {
  Outside outside;
  g_controller->releaseShadow(object);
}
bool waitShadow(const void* cv, const void* mu, TimePoint deadline, const void* code, TryFn unlock, TryFn relock,
                void* ctx, HolderFn holder) {
  Outside outside;
  return g_controller->waitShadow(tl_self, cv, mu, deadline, code, unlock, relock, ctx, holder);
}

void threadBegin(void* handle) {
  auto* self = static_cast<ThreadCtl*>(handle);
  Controller* controller = g_controller;
  tl_self = self;
  tl_active = true;
  controller->awaitTurn(self);
  tl_interposed = controller->options().interpose;
}

void threadEnd() {
  ThreadCtl* self = tl_self;
  self->body = nullptr;  // its captures are destroyed while still controlled
  tl_interposed = false;
  tl_active = false;
  tl_harness = true;  // what the thread still calls on its way out is not an engine thread outside the run
  tl_self = nullptr;
  g_controller->exit(self);
}

void threadMain(void* handle) {
  threadBegin(handle);
  static_cast<ThreadCtl*>(handle)->body();
  threadEnd();
}

void join(void* handle) {
  Outside outside;
  g_controller->join(tl_self, static_cast<ThreadCtl*>(handle), tl_self->where);
}

}  // namespace lifeguard::sync::control

namespace lifeguard::testing {

bool controlledCompiledIn() { return true; }

std::chrono::steady_clock::time_point realNow() {
  sync::control::Outside outside;
  return std::chrono::steady_clock::now();
}

bool interpositionAvailable(std::string* why) {
  // The answer cannot change in a process: known after the first call (an
  // adapter asks on every capabilities() call), but for a reason asked for.
  static std::atomic<int> known{-1};  // constant-initialised: no guard
  const int answer = known.load(std::memory_order_relaxed);
  if (answer >= 0 && why == nullptr) return answer == 1;
  bool available = false;
  if (sync::interpose::bound == nullptr) {
    if (why != nullptr) *why = "this program does not link lifeguard::interpose (sync/interpose.h)";
  } else {
    available = sync::interpose::bound(why);
  }
  known.store(available ? 1 : 0, std::memory_order_relaxed);
  return available;
}

bool isControlledThread() { return sync::control::active(); }

std::uint64_t controlledStep() {
  sync::control::Outside outside;
  return sync::control::active() ? sync::control::g_controller->steps() : 0;
}

bool controlledSnapshot(std::string* report, ControlledTrace* trace) {
  auto* controller = sync::control::g_controller;
  return controller != nullptr && controller->snapshot(report, trace);
}

void controlledWaitUntil(const std::function<bool()>& ready, bool then_run_ahead) {
  sync::control::Outside outside;
  sync::control::g_controller->waitUntil(sync::control::tl_self, ready, then_run_ahead);
}

std::uint64_t controlledStepsTaken() { return sync::control::g_steps_taken.load(std::memory_order_relaxed); }

std::uint64_t controlledDistinctSteps() {
  auto* controller = sync::control::g_controller;
  return controller != nullptr ? controller->distinctSteps() : 0;
}

int controlledThreadId() { return sync::control::active() ? sync::control::tl_self->id : -1; }

std::uint64_t controlledStepsOf(int thread) {
  auto* controller = sync::control::g_controller;
  return controller != nullptr && thread >= 0 ? controller->stepsOf(thread) : 0;
}

ControlledTrace runControlled(const ControlledOptions& options, std::vector<std::function<void()>> actors,
                              std::function<void()> finale) {
  using sync::control::Controller;
  const bool was_harness = std::exchange(sync::control::tl_harness, true);  // the caller is the harness's
  if (options.interpose) sync::control::beginOutsideCount();
  Controller controller(options);
  sync::control::g_controller = &controller;
  detail::controlled_runs.fetch_add(1);
  // Under a fuzzer the death callback is the fuzzer's: it saves the input.
  if (__sanitizer_set_death_callback != nullptr && !options.abort_on_failure) {
    __sanitizer_set_death_callback(sync::control::onSanitizerDeath);
  }
  auto* root = controller.spawn(
      [&] {
        std::vector<sync::Thread> threads;
        for (auto& actor : actors) threads.emplace_back(std::move(actor));
        for (auto& thread : threads) thread.join();
        finale();
      },
      {__FILE__, __LINE__}, nullptr);
  controller.start(root);
  std::thread monitor;
  if (options.interpose) {
    monitor = std::thread([&controller] {
      markHarnessThread();
      controller.monitor();
    });
  }
  sync::Thread os_thread([root] { sync::control::threadMain(root); });  // a cached thread if reuse is on
  controller.awaitEnd();
  os_thread.join();
  if (monitor.joinable()) monitor.join();
  detail::controlled_runs.fetch_sub(1);
  sync::control::g_controller = nullptr;
  const ControlledTrace& trace = controller.finalTrace();
  sync::control::endOutsideCount();
  sync::control::tl_harness = was_harness;
  if (options.on_end) options.on_end(trace);
  return trace;
}

}  // namespace lifeguard::testing