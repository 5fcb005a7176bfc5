// The controlled scheduler: runs controlled threads one at a time.
//
// Each controlled thread has an OS thread and a ThreadCtl. The controller's
// mutex guards every ThreadCtl and the scheduler state; `running_` names the
// one thread allowed to execute. At a scheduling point the running thread
// asks the strategy for the next thread, hands `running_` over and sleeps on
// its own condition variable until it is picked again.
#include <dlfcn.h>
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

namespace lifeguard::sync::interpose {
bool bound(std::string* why) __attribute__((weak));  // interpose.cc, if linked
}  // namespace lifeguard::sync::interpose

namespace lifeguard::sync::control {

thread_local bool tl_active = false;
constinit thread_local bool tl_interposed = false;

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
  bool shadow = false;  // blocked on a primitive the scheduler does not own (acquireShadow, waitShadow)
  bool polite = false;  // its last point was a yield or a sleep: another thread goes first
  std::uint32_t looping_steps = 0;  // its steps in a row at places it passed recently (interpose only)
  const void* code = nullptr;  // the engine code of its last pointAt, acquireShadow or waitShadow
  unsigned long os_thread = 0;  // its pthread_t, if the engine created it (bindOsThread)
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

// Every step of every run in this process (controlledStepsTaken): global, so
// a watchdog reads it without the run's controller, which may be gone.
std::atomic<std::uint64_t> g_steps_taken{0};

const char* baseName(const char* file) {
  const char* slash = std::strrchr(file, '/');
  return slash == nullptr ? file : slash + 1;
}

// Engine code, as its library and offset ("libduckdb.so+0x1a2b3c").
std::string codePlace(const void* code) {
  Dl_info info{};
  if (dladdr(code, &info) == 0 || info.dli_fname == nullptr) return "an unknown library";
  char offset[32];
  std::snprintf(offset, sizeof offset, "+0x%zx",
                static_cast<std::size_t>(static_cast<const char*>(code) - static_cast<const char*>(info.dli_fbase)));
  return baseName(info.dli_fname) + std::string(offset);
}

std::string position(const ThreadCtl& t) {
  static constexpr const char* kStates[] = {"runnable", "waiting for a mutex", "waiting on a condition variable",
                                            "waiting to join a thread", "waiting for another actor", "finished"};
  std::string text = std::string(kStates[static_cast<int>(t.state)]) + ", last at " + t.what;
  if (t.code != nullptr && t.where.file[0] == '\0') text += " (" + codePlace(t.code) + ")";
  else if (t.where.line > 0) text += " (" + std::string(baseName(t.where.file)) + ":" + std::to_string(t.where.line) + ")";
  if (t.state == State::kJoin) text += ", joining thread " + std::to_string(static_cast<const ThreadCtl*>(t.on)->id);
  if (t.state == State::kCondVar && t.deadline != kNever) text += ", with a timeout";
  return text;
}

class Controller {
 public:
  explicit Controller(const testing::ControlledOptions& options)
      : options_(options), strategy_(makeStrategy(options)), start_(std::chrono::steady_clock::now()),
        system_start_(std::chrono::system_clock::now()) {}

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
    enter(self, lock);
    self->what = what, self->where = where, self->object = object;
    yield(self, lock);
  }

  void lock(ThreadCtl* self, const void* mu, Where where) {
    std::unique_lock<std::mutex> lock(mu_);
    enter(self, lock);
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
    enter(self, lock);
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
    enter(self, lock);
    self->what = all ? "notify all" : "notify one", self->object = cv;
    yield(self, lock);
    ThreadCtl* first = nullptr;
    for (auto& t : threads_) {
      if (t->state != State::kCondVar || t->on != cv) continue;
      if (all) {
        unblock(*t);
        outside_polls_in_a_row_ = 0;
      } else if (first == nullptr || t->wait_seq < first->wait_seq) {
        first = t.get();
      }
    }
    if (first != nullptr) unblock(*first), outside_polls_in_a_row_ = 0;
  }

  void join(ThreadCtl* self, ThreadCtl* target, Where where) {
    std::unique_lock<std::mutex> lock(mu_);
    enter(self, lock);
    self->what = "join", self->where = where, self->object = target;
    yield(self, lock);
    while (target->state != State::kFinished) {
      block(self, State::kJoin, target);
      yield(self, lock);
    }
  }

  void waitUntil(ThreadCtl* self, const std::function<bool()>& ready, bool run_ahead) {
    std::unique_lock<std::mutex> lock(mu_);
    enter(self, lock);
    if (urgent_ == self->id) urgent_ = -1;
    self->run_ahead = run_ahead;
    self->what = "await", self->object = nullptr;
    block(self, State::kPredicate, nullptr);
    self->ready = ready;
    yield(self, lock);
    self->ready = nullptr;
  }

  void pointAt(ThreadCtl* self, const char* what, const void* code, const void* object, bool polite) {
    std::unique_lock<std::mutex> lock(mu_);
    enter(self, lock);
    at(self, what, code, object);
    self->polite = polite;
    yield(self, lock);
  }

  bool acquireShadow(ThreadCtl* self, const char* what, const void* object, const void* code, TryFn try_acquire,
                     void* ctx, TimePoint deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    enter(self, lock);
    at(self, what, code, object);
    yield(self, lock);
    return awaitShadow(self, object, try_acquire, ctx, lock, deadline);
  }

  void bindOsThread(ThreadCtl* thread, unsigned long os_thread) {
    std::lock_guard<std::mutex> lock(mu_);
    thread->os_thread = os_thread;
  }

  ThreadCtl* threadOf(unsigned long os_thread) {
    std::lock_guard<std::mutex> lock(mu_);
    // The newest first: a finished thread's pthread_t is reused.
    for (auto t = threads_.rbegin(); t != threads_.rend(); ++t) {
      if ((*t)->os_thread == os_thread) return t->get();
    }
    return nullptr;
  }

  void releaseShadow(const void* object) {
    std::lock_guard<std::mutex> lock(mu_);
    release(object);
  }

  bool waitShadow(ThreadCtl* self, const void* cv, const void* mu, TimePoint deadline, const void* code, TryFn unlock,
                  TryFn relock, void* ctx) {
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

  void exit(ThreadCtl* self) {
    std::unique_lock<std::mutex> lock(mu_);
    enter(self, lock);
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

  std::chrono::system_clock::time_point systemNow() {
    std::lock_guard<std::mutex> lock(mu_);
    return system_start_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(virtual_elapsed_);
  }

  // Under interpose, on a thread of its own until the run ends: when the
  // running thread takes no step for kSliceAfter of real time (it spins on
  // an atomic, say, waiting for a thread that cannot run meanwhile: DuckDB
  // 1.4's TaskExecutor::WorkOnTasks), another runnable thread gets an
  // uncontrolled slice: it runs too, until the strategy next picks. The
  // trace counts slices; a run with one is not deterministic.
  static constexpr std::chrono::milliseconds kSliceAfter{300};
  void monitor() {
    std::unique_lock<std::mutex> lock(mu_);
    std::uint64_t seen = ~std::uint64_t{0};
    while (!done_) {
      monitor_cv_.wait_for(lock, kSliceAfter);
      std::uint64_t now = trace_.decisions.size();
      if (!done_ && now == seen) grantSlice();
      seen = now;
    }
  }

  // Blocks the (uncontrolled) caller until every controlled thread ended.
  void awaitEnd() {
    std::unique_lock<std::mutex> lock(mu_);
    done_cv_.wait(lock, [&] { return done_; });
  }

  const testing::ControlledTrace& trace() const { return trace_; }
  // The trace with the engine threads outside the run counted so far.
  const testing::ControlledTrace& finalTrace() {
    const void* code = nullptr;
    trace_.outside_threads = outsideThreads(&code);
    if (code != nullptr) trace_.first_outside = codePlace(code);
    return trace_;
  }

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

  // A thread that an uncontrolled slice displaced (monitor()) waits for its
  // turn before it acts: it was picked before, and is picked again.
  void enter(ThreadCtl* self, std::unique_lock<std::mutex>& lock) {
    stalled_ &= ~(std::uint64_t{1} << self->id);  // back at a point
    if (running_ != self->id) self->turn.wait(lock, [&] { return running_ == self->id; });
  }

  // The stalled thread is not picked while another can run, until it is
  // back at a point: it still runs, and picking it would stall the run again.
  void grantSlice() {
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

  void at(ThreadCtl* self, const char* what, const void* code, const void* object) {
    // The place is the code address: distinct call sites are distinct places.
    self->what = what, self->object = object, self->code = code;
    self->where = {"", static_cast<int>(reinterpret_cast<std::uintptr_t>(code) & 0x7fffffff)};
  }

  // Tries until `try_acquire` holds, not runnable between tries; false once
  // the deadline passed.
  bool awaitShadow(ThreadCtl* self, const void* object, TryFn try_acquire, void* ctx,
                   std::unique_lock<std::mutex>& lock, TimePoint deadline = kNever) {
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

  // Nobody can run, but some wait on a primitive the scheduler does not own:
  // a thread outside the run may hold or signal it. They try again (a
  // condition variable's wake-up is then spurious, which POSIX allows), up to
  // a bound of polls in a row.
  bool pollShadow() {
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
      if (t->state == State::kMutex && t->on == mu) unblock(*t), outside_polls_in_a_row_ = 0;
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
    g_steps_taken.fetch_add(1, std::memory_order_relaxed);
    if (options_.interpose) countLoop(self, distinct);
    while (true) {
      std::uint64_t runnable = runnableMask();
      if (runnable == 0) {
        if (expireTimedWait()) continue;
        if (pollShadow()) continue;
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
      std::uint64_t others = runnable & ~(std::uint64_t{1} << self->id);
      if (self->polite && others != 0) runnable = others, current = -1;
      self->polite = false;
      // Every runnable thread loops (a query thread polling, a worker going
      // through its chunks): the others than this one go first, so loops
      // take turns of kSpinSteps steps.
      if ((runnable & ~spinning_) == 0 && others != 0) spinning_ &= std::uint64_t{1} << self->id;
      if ((runnable & ~spinning_) != 0) runnable &= ~spinning_;
      if ((runnable & ~stalled_) != 0) runnable &= ~stalled_;
      if (current >= 0 && ((runnable >> current) & 1) == 0) current = -1;
      if (lifecycle) ++trace_.lifecycle_steps;
      runnable = urgentOnly(runnable);
      std::string why;
      int chosen = strategy_->pick(runnable, current, step, lifecycle, &why);
      if (chosen < 0) diverge(lock, step, why);
      if (log_steps_) logStep(self, chosen, runnable);
      record(static_cast<std::uint8_t>(chosen), runnable, current, lock);
      return chosen;
    }
  }

  std::uint64_t runnableMask() {
    std::uint64_t mask = 0;
    if (options_.interpose) expireDue();
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

  // Under interpose time also passes with the steps, kStepTime each, so an
  // engine's own timer (a query timeout it reads off its clock) fires after
  // as many steps every time; a timed wait whose deadline passed ends.
  static constexpr std::chrono::microseconds kStepTime{10};
  void expireDue() {
    virtual_elapsed_ += kStepTime;
    const TimePoint now = start_ + virtual_elapsed_;
    for (auto& t : threads_) {
      if ((t->state == State::kCondVar || t->state == State::kMutex) && t->deadline <= now) {
        if (log_steps_ != nullptr) std::fprintf(log_steps_, "deadline: thread %d\n", t->id);
        unblock(*t);
        t->timed_out = true;
      }
    }
  }

  // Fairness for spin loops (interpose only): a thread that takes
  // kSpinSteps steps in a row at places it passed recently is spinning, and
  // does not run while another thread can, until some thread reaches a place
  // it did not pass recently (progress). Without it a strategy that favours
  // the spinner (PCT) would never run the thread it waits for: an engine's
  // query thread that polls for its workers' tasks, say.
  static constexpr std::uint32_t kSpinSteps = 64;
  void countLoop(ThreadCtl* self, bool distinct) {
    if (distinct) {
      self->looping_steps = 0;
      spinning_ = 0;
    } else if (++self->looping_steps >= kSpinSteps) {
      spinning_ |= std::uint64_t{1} << self->id;
    }
  }

  // Nobody can run: virtual time jumps to the earliest deadline.
  bool expireTimedWait() {
    TimePoint earliest = kNever;
    auto timed = [](const ThreadCtl& t) { return t.state == State::kCondVar || t.state == State::kMutex; };
    for (auto& t : threads_) {
      if (timed(*t)) earliest = std::min(earliest, t->deadline);
    }
    if (earliest == kNever) return false;
    if (log_steps_ != nullptr) std::fprintf(log_steps_, "time jumps\n");
    virtual_elapsed_ = std::max(virtual_elapsed_, earliest - start_);
    for (auto& t : threads_) {
      if (timed(*t) && t->deadline <= earliest) {
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
    if (log_steps_ != nullptr) std::fflush(log_steps_);
    done_cv_.notify_all();
    monitor_cv_.notify_all();
    return -1;
  }

  // LIFEGUARD_LOG_STEPS=DIR: one line per step in DIR/steps-PID.log (the
  // thread that reached it, where, the thread chosen), to diff two runs that
  // diverge.
  static std::FILE* openStepLog() {
    const char* dir = std::getenv("LIFEGUARD_LOG_STEPS");
    if (dir == nullptr) return nullptr;
    std::string path = std::string(dir) + "/steps-" + std::to_string(::getpid()) + ".log";
    std::FILE* log = std::fopen(path.c_str(), "w");  // flushed when the run ends or fails
    std::FILE* maps = std::fopen("/proc/self/maps", "r");  // where each library is, for the addresses
    char line[512];
    while (log != nullptr && maps != nullptr && std::fgets(line, sizeof line, maps) != nullptr) std::fputs(line, log);
    if (maps != nullptr) std::fclose(maps);
    return log;
  }
  void logStep(const ThreadCtl* self, int chosen, std::uint64_t runnable) const {
    // Raw code addresses: cheap, and equal across runs forked from one process.
    std::fprintf(log_steps_, "step %zu: thread %d at %s %s:%d %p, runnable %llx, runs %d\n", trace_.decisions.size(),
                 self->id, self->what, baseName(self->where.file), self->where.line, self->code,
                 static_cast<unsigned long long>(runnable), chosen);
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
             (trace_.first_slice.empty() ? ". The engine's synchronisation or the schedule changed since the trace "
                                           "was recorded, or the run is not deterministic"
                                         : ". Control was lost first at " + trace_.first_slice +
                                               " (an uncontrolled slice: that thread ran beside another)") +
             threadReport());
  }

  // Ends the process: the stuck threads cannot be unwound or joined.
  [[noreturn]] void fail(std::unique_lock<std::mutex>&, int code, const std::string& report) {
    if (options_.on_end) options_.on_end(finalTrace());
    if (log_steps_ != nullptr) std::fflush(log_steps_);
    std::fprintf(stderr, "%s\n", report.c_str());
    std::fflush(stderr);
    if (options_.abort_on_failure) std::abort();
    testing::exitLeavingThreads(code);
  }

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
TimePoint now() {
  Outside outside;
  return g_controller->now();
}
std::chrono::system_clock::time_point systemNow() {
  Outside outside;
  return g_controller->systemNow();
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
                   TimePoint deadline) {
  Outside outside;
  return g_controller->acquireShadow(tl_self, what, object, code, try_acquire, ctx, deadline);
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
                void* ctx) {
  Outside outside;
  return g_controller->waitShadow(tl_self, cv, mu, deadline, code, unlock, relock, ctx);
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
  if (sync::interpose::bound == nullptr) {
    if (why != nullptr) *why = "this program does not link lifeguard::interpose (sync/interpose.h)";
    return false;
  }
  return sync::interpose::bound(why);
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
