// The controlled scheduler: runs controlled threads one at a time.
//
// Each controlled thread has an OS thread and a ThreadCtl. The controller's
// mutex guards every ThreadCtl and the scheduler state; `running_` names the
// one thread allowed to execute. At a scheduling point the running thread
// asks the strategy for the next thread, hands `running_` over and sleeps on
// its own condition variable until it is picked again.
#include "controller.h"

#include <dlfcn.h>
#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <thread>

namespace lifeguard::sync::control {

std::pair<bool, bool> ThreadCtl::reachedNewPlace() {
  std::uintptr_t place = reinterpret_cast<std::uintptr_t>(what) * 31 +
                         reinterpret_cast<std::uintptr_t>(where.file) * 7 + static_cast<std::uintptr_t>(where.line);
  std::uintptr_t on = place * 0x9e3779b97f4a7c15ULL + reinterpret_cast<std::uintptr_t>(object);
  bool seen = std::find(recent.begin(), recent.end(), place) != recent.end();
  bool seen_on = std::find(recent_on.begin(), recent_on.end(), on) != recent_on.end();
  recent_on[recent_next % recent.size()] = on;
  recent[recent_next++ % recent.size()] = place;
  return {!seen, !seen_on};
}

std::atomic<std::uint64_t> g_steps_taken{0};

const char* baseName(const char* file) {
  const char* slash = std::strrchr(file, '/');
  return slash == nullptr ? file : slash + 1;
}

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

Controller::Controller(const testing::ControlledOptions& options)
    : options_(options), strategy_(makeStrategy(options)), start_(std::chrono::steady_clock::now()),
      system_start_(std::chrono::system_clock::now()) {}

ThreadCtl* Controller::spawn(std::function<void()> body, Where where, const ThreadCtl* parent) {
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

std::uint64_t Controller::steps() {
  std::lock_guard<std::mutex> lock(mu_);
  return trace_.decisions.size();
}

void Controller::start(ThreadCtl* first) {
  std::lock_guard<std::mutex> lock(mu_);
  running_ = first->id;
}

void Controller::awaitTurn(ThreadCtl* self) {
  std::unique_lock<std::mutex> lock(mu_);
  self->tid = ::gettid();
  ::pthread_getcpuclockid(::pthread_self(), &self->cpu_clock);
  self->turn.wait(lock, [&] { return running_ == self->id; });
}

void Controller::point(ThreadCtl* self, const char* what, Where where, const void* object) {
  std::unique_lock<std::mutex> lock(mu_);
  enter(self, lock);
  self->what = what, self->where = where, self->object = object;
  yield(self, lock);
}

void Controller::lock(ThreadCtl* self, const void* mu, Where where) {
  std::unique_lock<std::mutex> lock(mu_);
  enter(self, lock);
  self->what = "mutex lock", self->where = where, self->object = mu;
  yield(self, lock);
  acquire(self, mu, lock);
}

void Controller::unlock(const void* mu) {
  std::lock_guard<std::mutex> lock(mu_);
  release(mu);
}

bool Controller::wait(ThreadCtl* self, const void* cv, const void* mu, TimePoint deadline, Where where) {
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

void Controller::notify(ThreadCtl* self, const void* cv, bool all) {
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

void Controller::join(ThreadCtl* self, ThreadCtl* target, Where where) {
  std::unique_lock<std::mutex> lock(mu_);
  enter(self, lock);
  self->what = "join", self->where = where, self->object = target;
  yield(self, lock);
  while (target->state != State::kFinished) {
    block(self, State::kJoin, target);
    yield(self, lock);
  }
}

void Controller::waitUntil(ThreadCtl* self, const std::function<bool()>& ready, bool run_ahead) {
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

void Controller::exit(ThreadCtl* self) {
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

TimePoint Controller::now(bool read) {
  std::lock_guard<std::mutex> lock(mu_);
  if (read) virtual_elapsed_ += kReadTime;
  return start_ + virtual_elapsed_;
}

std::chrono::system_clock::time_point Controller::systemNow(bool read) {
  std::lock_guard<std::mutex> lock(mu_);
  if (read) virtual_elapsed_ += kReadTime;
  return system_start_ + std::chrono::duration_cast<std::chrono::system_clock::duration>(virtual_elapsed_);
}

void Controller::awaitEnd() {
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [&] { return done_; });
}

const testing::ControlledTrace& Controller::finalTrace() {
  const void* code = nullptr;
  trace_.outside_threads = outsideThreads(&code);
  if (code != nullptr) trace_.first_outside = codePlace(code);
  return trace_;
}

bool Controller::snapshot(std::string* report, testing::ControlledTrace* trace) {
  std::unique_lock<std::mutex> lock(mu_, std::defer_lock);
  for (int tries = 0; !lock.try_lock(); ++tries) {
    if (tries == 100) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // a watchdog's patience, not a race
  }
  *report = "thread " + std::to_string(running_) + " is running" + threadReport();
  *trace = trace_;
  return true;
}

void Controller::block(ThreadCtl* self, State state, const void* on) {
  self->state = state;
  self->on = on;
}

void Controller::unblock(ThreadCtl& t) {
  t.state = State::kRunnable;
  t.on = nullptr;
}

void Controller::enter(ThreadCtl* self, std::unique_lock<std::mutex>& lock) {
  stalled_ &= ~(std::uint64_t{1} << self->id);  // back at a point
  if (running_ != self->id) self->turn.wait(lock, [&] { return running_ == self->id; });
}

void Controller::acquire(ThreadCtl* self, const void* mu, std::unique_lock<std::mutex>& lock) {
  while (std::find(owned_.begin(), owned_.end(), mu) != owned_.end()) {
    block(self, State::kMutex, mu);
    yield(self, lock);
  }
  owned_.push_back(mu);
}

void Controller::release(const void* mu) {
  owned_.erase(std::remove(owned_.begin(), owned_.end(), mu), owned_.end());
  for (auto& t : threads_) {
    if (t->state == State::kMutex && t->on == mu) unblock(*t), outside_polls_in_a_row_ = 0;
  }
}

void Controller::yield(ThreadCtl* self, std::unique_lock<std::mutex>& lock) {
  int next = pickNext(self, lock);
  if (next < 0) return;  // the run is over
  if (next != self->id) {
    running_ = next;
    threads_[next]->turn.notify_one();
  }
  if (self->state == State::kFinished) return;
  self->turn.wait(lock, [&] { return running_ == self->id; });
}

int Controller::pickNext(ThreadCtl* self, std::unique_lock<std::mutex>& lock) {
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

std::uint64_t Controller::runnableMask() {
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

std::uint64_t Controller::urgentOnly(std::uint64_t runnable) {
  if (urgent_ < 0 || ((runnable >> urgent_) & 1) == 0) return runnable;
  if (++urgent_steps_ > kUrgentStepBound) {
    urgent_ = -1;
    return runnable;
  }
  return std::uint64_t{1} << urgent_;
}

void Controller::expireDue() {
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

void Controller::countLoop(ThreadCtl* self, bool distinct) {
  if (distinct) {
    self->looping_steps = 0;
    spinning_ = 0;
  } else if (++self->looping_steps >= kSpinSteps) {
    spinning_ |= std::uint64_t{1} << self->id;
  }
}

bool Controller::expireTimedWait() {
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

bool Controller::allFinished() const {
  return std::all_of(threads_.begin(), threads_.end(), [](const auto& t) { return t->state == State::kFinished; });
}

int Controller::endRun(std::unique_lock<std::mutex>& lock) {
  std::string why;
  if (!strategy_->finish(trace_.decisions.size(), &why)) diverge(lock, trace_.decisions.size(), why);
  done_ = true;
  if (log_steps_ != nullptr) std::fflush(log_steps_);
  done_cv_.notify_all();
  monitor_cv_.notify_all();
  return -1;
}

std::FILE* Controller::openStepLog() {
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

void Controller::logStep(const ThreadCtl* self, int chosen, std::uint64_t runnable) const {
  // Raw code addresses: cheap, and equal across runs forked from one process.
  std::fprintf(log_steps_, "step %zu: thread %d at %s %s:%d %p, runnable %llx, runs %d\n", trace_.decisions.size(),
               self->id, self->what, baseName(self->where.file), self->where.line, self->code,
               static_cast<unsigned long long>(runnable), chosen);
}

void Controller::record(std::uint8_t chosen, std::uint64_t runnable, int current, std::unique_lock<std::mutex>& lock) {
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

std::string Controller::threadReport() const {
  std::string text = " (step " + std::to_string(trace_.decisions.size()) + "). Threads:";
  for (const auto& t : threads_) {
    text += "\n  thread " + std::to_string(t->id) + ": " + position(*t);
    if (t->spawned_at.line > 0) {
      text += "; started at " + std::string(baseName(t->spawned_at.file)) + ":" + std::to_string(t->spawned_at.line);
    }
  }
  return text;
}

[[noreturn]] void Controller::diverge(std::unique_lock<std::mutex>& lock, std::uint64_t step, const std::string& why) {
  fail(lock, testing::kControlledDivergenceExit,
       "DIVERGENCE: at step " + std::to_string(step) + " the run departs from the recorded trace: " + why +
           (trace_.first_slice.empty() ? ". The engine's synchronisation or the schedule changed since the trace "
                                         "was recorded, or the run is not deterministic"
                                       : ". Control was lost first at " + trace_.first_slice +
                                             " (an uncontrolled slice: that thread ran beside another)") +
           threadReport());
}

[[noreturn]] void Controller::fail(std::unique_lock<std::mutex>&, int code, const std::string& report) {
  if (options_.on_end) options_.on_end(finalTrace());
  if (log_steps_ != nullptr) std::fflush(log_steps_);
  std::fprintf(stderr, "%s\n", report.c_str());
  std::fflush(stderr);
  if (options_.abort_on_failure) std::abort();
  testing::exitLeavingThreads(code);
}

}  // namespace lifeguard::sync::control
