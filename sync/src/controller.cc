// The controlled scheduler: runs controlled threads one at a time.
//
// Each controlled thread has an OS thread and a ThreadCtl. The controller's
// mutex guards every ThreadCtl and the scheduler state; `running_` names the
// one thread allowed to execute. At a scheduling point the running thread
// asks the strategy for the next thread, hands `running_` over and sleeps on
// its own condition variable until it is picked again.
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "lifeguard/sync/control.h"
#include "strategy.h"
#include "lifeguard/sync/sync.h"

extern "C" void __sanitizer_set_death_callback(void (*callback)(void)) __attribute__((weak));

namespace lifeguard::sync::control {

thread_local bool tl_active = false;

namespace {

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
  std::condition_variable turn;
  // The places of its last kLoopWindow scheduling points (rings): without
  // and with the object.
  std::array<std::uintptr_t, testing::kLoopWindow> recent{}, recent_on{};
  std::size_t recent_next = 0;

  // Whether the place it reached now is new among its recent ones (a
  // lifecycle step, not a loop's), and whether the place on its object is
  // (a distinct step); records both.
  std::pair<bool, bool> reachedNewPlace() {
    std::uintptr_t place = reinterpret_cast<std::uintptr_t>(what) * 31 +
                           reinterpret_cast<std::uintptr_t>(where.file) * 7 + static_cast<std::uintptr_t>(where.line);
    std::uintptr_t on = place * 0x9e3779b97f4a7c15ULL + reinterpret_cast<std::uintptr_t>(object);
    bool seen = std::find(recent.begin(), recent.end(), place) != recent.end();
    bool seen_on = std::find(recent_on.begin(), recent_on.end(), on) != recent_on.end();
    recent_on[recent_next % recent.size()] = on;
    recent[recent_next++ % recent.size()] = place;
    return {!seen, !seen_on};
  }
};

const char* baseName(const char* file) {
  const char* slash = std::strrchr(file, '/');
  return slash == nullptr ? file : slash + 1;
}

std::string position(const ThreadCtl& t) {
  static constexpr const char* kStates[] = {"runnable", "waiting for a mutex", "waiting on a condition variable",
                                            "waiting to join a thread", "waiting for another actor", "finished"};
  std::string text = std::string(kStates[static_cast<int>(t.state)]) + ", last at " + t.what;
  if (t.where.line > 0) text += " (" + std::string(baseName(t.where.file)) + ":" + std::to_string(t.where.line) + ")";
  if (t.state == State::kJoin) text += ", joining thread " + std::to_string(static_cast<const ThreadCtl*>(t.on)->id);
  if (t.state == State::kCondVar && t.deadline != kNever) text += ", with a timeout";
  return text;
}

class Controller {
 public:
  explicit Controller(const testing::ControlledOptions& options)
      : options_(options), strategy_(makeStrategy(options)), start_(std::chrono::steady_clock::now()) {}

  ThreadCtl* spawn(std::function<void()> body, Where where, const ThreadCtl* parent) {
    std::unique_lock<std::mutex> lock(mu_);
    int id = static_cast<int>(threads_.size());
    if (id >= testing::kMaxControlledThreads) {
      fail(lock, testing::kControlledHangExit, "HANG: the run started more than " +
                                                   std::to_string(testing::kMaxControlledThreads) +
                                                   " controlled threads");
    }
    auto thread = std::make_unique<ThreadCtl>();
    thread->id = id;
    thread->body = std::move(body);
    thread->spawned_at = where;
    thread->actor = parent == nullptr || parent->id == 0;
    threads_.push_back(std::move(thread));
    strategy_->onSpawn(id);
    return threads_.back().get();
  }

  std::uint64_t steps() {
    std::lock_guard<std::mutex> lock(mu_);
    return trace_.decisions.size();
  }
  // Lock-free: ready() predicates read them under the controller's lock.
  std::uint64_t distinctSteps() const { return distinct_steps_.load(std::memory_order_relaxed); }
  std::uint64_t stepsOf(int thread) const {
    return engine_distinct_steps_.load(std::memory_order_relaxed) + own_steps_[thread].load(std::memory_order_relaxed);
  }

  void start(ThreadCtl* first) {
    std::lock_guard<std::mutex> lock(mu_);
    running_ = first->id;
  }

  // The first wait of a new thread, before its body.
  void awaitTurn(ThreadCtl* self) {
    std::unique_lock<std::mutex> lock(mu_);
    self->turn.wait(lock, [&] { return running_ == self->id; });
  }

  void point(ThreadCtl* self, const char* what, Where where, const void* object) {
    std::unique_lock<std::mutex> lock(mu_);
    self->what = what, self->where = where, self->object = object;
    yield(self, lock);
  }

  void lock(ThreadCtl* self, const void* mu, Where where) {
    std::unique_lock<std::mutex> lock(mu_);
    self->what = "mutex lock", self->where = where, self->object = mu;
    yield(self, lock);
    acquire(self, mu, lock);
  }

  void unlock(const void* mu) {
    std::lock_guard<std::mutex> lock(mu_);
    release(mu);
  }

  bool wait(ThreadCtl* self, const void* cv, const void* mu, TimePoint deadline, Where where) {
    std::unique_lock<std::mutex> lock(mu_);
    // A step before the wait begins: what the thread did since its last
    // point (say, an atomic load of the flag it waits for) and the wait are
    // not one step, so a notify that lands between them, a lost wake-up, can
    // be scheduled. The thread still holds `mu`: a notifier that takes it
    // cannot come in between.
    self->what = "before condition wait", self->where = where, self->object = cv;
    yield(self, lock);
    self->what = "condition wait";
    release(mu);
    block(self, State::kCondVar, cv);
    self->deadline = deadline;
    self->timed_out = false;
    self->wait_seq = ++wait_seq_;
    yield(self, lock);  // back when notified or timed out
    bool notified = !self->timed_out;
    self->deadline = kNever;
    acquire(self, mu, lock);
    return notified;
  }

  void notify(ThreadCtl* self, const void* cv, bool all) {
    std::unique_lock<std::mutex> lock(mu_);
    self->what = all ? "notify all" : "notify one", self->object = cv;
    yield(self, lock);
    ThreadCtl* first = nullptr;
    for (auto& t : threads_) {
      if (t->state != State::kCondVar || t->on != cv) continue;
      if (all) {
        unblock(*t);
      } else if (first == nullptr || t->wait_seq < first->wait_seq) {
        first = t.get();
      }
    }
    if (first != nullptr) unblock(*first);
  }

  void join(ThreadCtl* self, ThreadCtl* target, Where where) {
    std::unique_lock<std::mutex> lock(mu_);
    self->what = "join", self->where = where, self->object = target;
    yield(self, lock);
    while (target->state != State::kFinished) {
      block(self, State::kJoin, target);
      yield(self, lock);
    }
  }

  void waitUntil(ThreadCtl* self, const std::function<bool()>& ready, bool run_ahead) {
    std::unique_lock<std::mutex> lock(mu_);
    if (urgent_ == self->id) urgent_ = -1;
    self->run_ahead = run_ahead;
    self->what = "await", self->object = nullptr;
    block(self, State::kPredicate, nullptr);
    self->ready = ready;
    yield(self, lock);
    self->ready = nullptr;
  }

  void exit(ThreadCtl* self) {
    std::unique_lock<std::mutex> lock(mu_);
    self->state = State::kFinished;
    self->what = "end", self->object = nullptr;
    if (urgent_ == self->id) urgent_ = -1;
    for (auto& t : threads_) {
      if (t->state == State::kJoin && t->on == self) unblock(*t);
    }
    yield(self, lock);
  }

  TimePoint now() {
    std::lock_guard<std::mutex> lock(mu_);
    return start_ + virtual_elapsed_;
  }

  // Blocks the (uncontrolled) caller until every controlled thread ended.
  void awaitEnd() {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return done_; });
  }

  const testing::ControlledTrace& trace() const { return trace_; }

  bool snapshot(std::string* report, testing::ControlledTrace* trace) {
    std::unique_lock<std::mutex> lock(mu_, std::defer_lock);
    for (int tries = 0; !lock.try_lock(); ++tries) {
      if (tries == 100) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));  // a watchdog's patience, not a race
    }
    *report = "thread " + std::to_string(running_) + " is running" + threadReport();
    *trace = trace_;
    return true;
  }
  const testing::ControlledOptions& options() const { return options_; }

 private:
  void block(ThreadCtl* self, State state, const void* on) {
    self->state = state;
    self->on = on;
  }
  void unblock(ThreadCtl& t) {
    t.state = State::kRunnable;
    t.on = nullptr;
  }

  void acquire(ThreadCtl* self, const void* mu, std::unique_lock<std::mutex>& lock) {
    while (std::find(owned_.begin(), owned_.end(), mu) != owned_.end()) {
      block(self, State::kMutex, mu);
      yield(self, lock);
    }
    owned_.push_back(mu);
  }

  void release(const void* mu) {
    owned_.erase(std::remove(owned_.begin(), owned_.end(), mu), owned_.end());
    for (auto& t : threads_) {
      if (t->state == State::kMutex && t->on == mu) unblock(*t);
    }
  }

  // One step: picks who runs next and, unless that is `self`, hands over
  // and sleeps until `self` is picked again (a finished thread just leaves).
  void yield(ThreadCtl* self, std::unique_lock<std::mutex>& lock) {
    int next = pickNext(self, lock);
    if (next < 0) return;  // the run is over
    if (next != self->id) {
      running_ = next;
      threads_[next]->turn.notify_one();
    }
    if (self->state == State::kFinished) return;
    self->turn.wait(lock, [&] { return running_ == self->id; });
  }

  int pickNext(ThreadCtl* self, std::unique_lock<std::mutex>& lock) {
    // The place `self` reached, classified before the predicates look: an
    // `await A.I at K` then fires at the K-th distinct step itself, before
    // the thread that reached it goes on.
    auto [lifecycle, distinct] = self->reachedNewPlace();
    if (distinct) distinct_steps_.fetch_add(1, std::memory_order_relaxed);
    if (distinct && !self->actor) engine_distinct_steps_.fetch_add(1, std::memory_order_relaxed);
    own_steps_[self->id].fetch_add(1, std::memory_order_relaxed);
    while (true) {
      std::uint64_t runnable = runnableMask();
      if (runnable == 0) {
        if (expireTimedWait()) continue;
        if (allFinished()) return endRun(lock);
        fail(lock, testing::kControlledHangExit, "HANG: deadlock: no controlled thread can run" + threadReport());
      }
      std::uint64_t step = trace_.decisions.size();
      if (step >= options_.max_steps) {
        fail(lock, testing::kControlledHangExit,
             "HANG: livelock: the run reached the step bound of " + std::to_string(options_.max_steps) + " steps" +
                 threadReport());
      }
      int current = self->state == State::kRunnable ? self->id : -1;
      if (lifecycle) ++trace_.lifecycle_steps;
      runnable = urgentOnly(runnable);
      std::string why;
      int chosen = strategy_->pick(runnable, current, step, lifecycle, &why);
      if (chosen < 0) diverge(lock, step, why);
      record(static_cast<std::uint8_t>(chosen), runnable, current, lock);
      return chosen;
    }
  }

  std::uint64_t runnableMask() {
    std::uint64_t mask = 0;
    for (auto& t : threads_) {
      if (t->state == State::kPredicate && t->ready()) {
        unblock(*t);
        if (t->run_ahead) urgent_ = t->id, urgent_steps_ = 0, t->run_ahead = false;
      }
      if (t->state == State::kRunnable) mask |= std::uint64_t{1} << t->id;
    }
    return mask;
  }

  // While the urgent thread can run, nobody else may (a bound keeps a thread
  // that spins waiting for another from livelocking the run).
  std::uint64_t urgentOnly(std::uint64_t runnable) {
    if (urgent_ < 0 || ((runnable >> urgent_) & 1) == 0) return runnable;
    if (++urgent_steps_ > kUrgentStepBound) {
      urgent_ = -1;
      return runnable;
    }
    return std::uint64_t{1} << urgent_;
  }

  // Nobody can run: virtual time jumps to the earliest deadline.
  bool expireTimedWait() {
    TimePoint earliest = kNever;
    for (auto& t : threads_) {
      if (t->state == State::kCondVar) earliest = std::min(earliest, t->deadline);
    }
    if (earliest == kNever) return false;
    virtual_elapsed_ = std::max(virtual_elapsed_, earliest - start_);
    for (auto& t : threads_) {
      if (t->state == State::kCondVar && t->deadline <= earliest) {
        unblock(*t);
        t->timed_out = true;
      }
    }
    return true;
  }

  bool allFinished() const {
    return std::all_of(threads_.begin(), threads_.end(), [](const auto& t) { return t->state == State::kFinished; });
  }

  int endRun(std::unique_lock<std::mutex>& lock) {
    std::string why;
    if (!strategy_->finish(trace_.decisions.size(), &why)) diverge(lock, trace_.decisions.size(), why);
    done_ = true;
    done_cv_.notify_all();
    return -1;
  }

  void record(std::uint8_t chosen, std::uint64_t runnable, int current, std::unique_lock<std::mutex>& lock) {
    std::uint64_t step = trace_.decisions.size();
    trace_.decisions.push_back(chosen);
    trace_.runnable.push_back(runnable);
    trace_.current.push_back(current);
    check_ = (check_ ^ (runnable * 0x100000001b3ULL) ^ chosen) * 0x9e3779b97f4a7c15ULL;
    if ((step + 1) % testing::kTraceCheckInterval != 0) return;
    auto sum = static_cast<std::uint32_t>(check_ ^ (check_ >> 32));
    std::size_t index = trace_.checks.size();
    trace_.checks.push_back(sum);
    check_ = 0;
    if (options_.strategy == testing::ControlledOptions::Strategy::kReplay && index < options_.checks.size() &&
        options_.checks[index] != sum) {
      diverge(lock, step, "the threads able to run in steps " + std::to_string(step + 1 - testing::kTraceCheckInterval) +
                              " to " + std::to_string(step) + " differ from the recording");
    }
  }

  std::string threadReport() const {
    std::string text = " (step " + std::to_string(trace_.decisions.size()) + "). Threads:";
    for (const auto& t : threads_) {
      text += "\n  thread " + std::to_string(t->id) + ": " + position(*t);
      if (t->spawned_at.line > 0) {
        text += "; started at " + std::string(baseName(t->spawned_at.file)) + ":" + std::to_string(t->spawned_at.line);
      }
    }
    return text;
  }

  [[noreturn]] void diverge(std::unique_lock<std::mutex>& lock, std::uint64_t step, const std::string& why) {
    fail(lock, testing::kControlledDivergenceExit,
         "DIVERGENCE: at step " + std::to_string(step) + " the run departs from the recorded trace: " + why +
             ". The engine's synchronisation or the schedule changed since the trace was recorded, or the run is "
             "not deterministic" + threadReport());
  }

  // Ends the process: the stuck threads cannot be unwound or joined.
  [[noreturn]] void fail(std::unique_lock<std::mutex>&, int code, const std::string& report) {
    if (options_.on_end) options_.on_end(trace_);
    std::fprintf(stderr, "%s\n", report.c_str());
    std::fflush(stderr);
    if (options_.abort_on_failure) std::abort();
    testing::exitLeavingThreads(code);
  }

  const testing::ControlledOptions options_;
  std::unique_ptr<Strategy> strategy_;
  const TimePoint start_;
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
  int urgent_ = -1;                 // the thread that runs ahead (controlledWaitUntil's run_ahead), or -1
  std::uint64_t urgent_steps_ = 0;  // the steps it ran ahead so far
  static constexpr std::uint64_t kUrgentStepBound = 100'000;
  bool done_ = false;
  std::condition_variable done_cv_;
};

Controller* g_controller = nullptr;  // the run in progress (one per process)
thread_local ThreadCtl* tl_self = nullptr;

void onSanitizerDeath() {
  Controller* controller = g_controller;
  if (controller != nullptr && controller->options().on_end) controller->options().on_end(controller->trace());
}

}  // namespace

void point(const char* what, Where where, const void* object) { g_controller->point(tl_self, what, where, object); }
void lock(const void* mu, Where where) { g_controller->lock(tl_self, mu, where); }
void unlock(const void* mu) { g_controller->unlock(mu); }
bool wait(const void* cv, const void* mu, TimePoint deadline, Where where) {
  return g_controller->wait(tl_self, cv, mu, deadline, where);
}
void notify(const void* cv, bool all) { g_controller->notify(tl_self, cv, all); }
TimePoint now() { return g_controller->now(); }

void* spawn(std::function<void()> body) {
  return g_controller->spawn(std::move(body), tl_self != nullptr ? tl_self->where : Where{"", 0}, tl_self);
}

void threadMain(void* handle) {
  auto* self = static_cast<ThreadCtl*>(handle);
  Controller* controller = g_controller;
  tl_self = self;
  tl_active = true;
  controller->awaitTurn(self);
  self->body();
  self->body = nullptr;  // its captures are destroyed while still controlled
  tl_active = false;
  tl_self = nullptr;
  controller->exit(self);
}

void join(void* handle) { g_controller->join(tl_self, static_cast<ThreadCtl*>(handle), tl_self->where); }

}  // namespace lifeguard::sync::control

namespace lifeguard::testing {

bool controlledCompiledIn() { return true; }

bool isControlledThread() { return sync::control::active(); }

std::uint64_t controlledStep() {
  return sync::control::active() ? sync::control::g_controller->steps() : 0;
}

bool controlledSnapshot(std::string* report, ControlledTrace* trace) {
  auto* controller = sync::control::g_controller;
  return controller != nullptr && controller->snapshot(report, trace);
}

void controlledWaitUntil(const std::function<bool()>& ready, bool then_run_ahead) {
  sync::control::g_controller->waitUntil(sync::control::tl_self, ready, then_run_ahead);
}

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
  sync::Thread os_thread([root] { sync::control::threadMain(root); });  // a cached thread if reuse is on
  controller.awaitEnd();
  os_thread.join();
  detail::controlled_runs.fetch_sub(1);
  sync::control::g_controller = nullptr;
  if (options.on_end) options.on_end(controller.trace());
  return controller.trace();
}

}  // namespace lifeguard::testing
