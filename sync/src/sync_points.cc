#include "lifeguard/sync/controlled.h"

#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include "lifeguard/sync/sync.h"

namespace lifeguard::testing {

void exitLeavingThreads(int code) {
  // exit_group itself: the _exit() that sanitizers intercept runs their checks.
  ::syscall(SYS_exit_group, code);
  std::abort();  // not reached
}

#if defined(LIFEGUARD_SYNC_POINTS)
namespace detail {
std::atomic<bool> sync_points_enabled{false};
std::atomic<int> controlled_runs{0};

void syncPointSlow(std::string_view name, void* arg) {
  // Sync point names are string literals (LG_SYNC_POINT), so data() is a C string.
  if (sync::control::active()) sync::control::point(name.data(), {"", 0});
  if (sync_points_enabled.load(std::memory_order_acquire)) SyncPoints::instance().process(name, arg);
}
}  // namespace detail
bool syncPointsCompiledIn() { return true; }
#else
bool syncPointsCompiledIn() { return false; }

// Release builds have no controlled mode (src/controller.cc, shadow.cc and
// control_api.cc, which defines these otherwise, are not built).
bool controlledCompiledIn() { return false; }
std::chrono::steady_clock::time_point realNow() { return std::chrono::steady_clock::now(); }
bool interpositionAvailable(std::string* why) {
  if (why != nullptr) *why = "this build has no controlled scheduler (release)";
  return false;
}
bool isControlledThread() { return false; }
std::uint64_t controlledStep() { return 0; }
bool controlledSnapshot(std::string*, ControlledTrace*) { return false; }
void controlledWaitUntil(const std::function<bool()>&, bool) { std::abort(); }
std::uint64_t controlledDistinctSteps() { return 0; }
std::uint64_t controlledStepsTaken() { return 0; }
void markHarnessThread() {}
int controlledThreadId() { return -1; }
std::uint64_t controlledStepsOf(int) { return 0; }
ControlledTrace runControlled(const ControlledOptions&, std::vector<std::function<void()>>, std::function<void()>) {
  std::fputs("lifeguard: controlled scheduling is not compiled into this build (release)\n", stderr);
  std::abort();
}
#endif

struct SyncPoints::State {
  mutable sync::Mutex mu;
  sync::CondVar cv;
  std::map<std::string, std::vector<std::string>, std::less<>> predecessors LG_GUARDED_BY(mu);
  std::map<std::string, std::function<void(void*)>, std::less<>> callbacks LG_GUARDED_BY(mu);
  std::set<std::string, std::less<>> passed LG_GUARDED_BY(mu);
  bool enabled LG_GUARDED_BY(mu) = false;

  bool predecessorsPassed(std::string_view point) const LG_REQUIRES(mu) {
    auto it = predecessors.find(point);
    if (it == predecessors.end()) return true;
    for (const auto& predecessor : it->second) {
      if (passed.find(predecessor) == passed.end()) return false;
    }
    return true;
  }
};

SyncPoints::SyncPoints() : state_(std::make_unique<State>()) {}
SyncPoints::~SyncPoints() = default;

SyncPoints& SyncPoints::instance() {
  static SyncPoints* points = new SyncPoints();  // never destroyed: engine threads may outlive main
  return *points;
}

void SyncPoints::enable() {
  sync::MutexLock lock(state_->mu);
  state_->enabled = true;
#if defined(LIFEGUARD_SYNC_POINTS)
  detail::sync_points_enabled.store(true, std::memory_order_release);
#endif
}

void SyncPoints::disable() {
  {
    sync::MutexLock lock(state_->mu);
    state_->enabled = false;
  }
#if defined(LIFEGUARD_SYNC_POINTS)
  detail::sync_points_enabled.store(false, std::memory_order_release);
#endif
  state_->cv.notifyAll();  // waiters re-check and leave
}

bool SyncPoints::enabled() const {
  sync::MutexLock lock(state_->mu);
  return state_->enabled;
}

void SyncPoints::clear() {
  {
    sync::MutexLock lock(state_->mu);
    state_->predecessors.clear();
    state_->callbacks.clear();
    state_->passed.clear();
  }
  state_->cv.notifyAll();
}

void SyncPoints::loadDependencies(const std::vector<std::pair<std::string, std::string>>& deps) {
  sync::MutexLock lock(state_->mu);
  for (const auto& [predecessor, successor] : deps) state_->predecessors[successor].push_back(predecessor);
}

void SyncPoints::setCallback(const std::string& point, std::function<void(void*)> callback) {
  sync::MutexLock lock(state_->mu);
  state_->callbacks[point] = std::move(callback);
}

bool SyncPoints::passed(std::string_view point) const {
  sync::MutexLock lock(state_->mu);
  return state_->passed.find(point) != state_->passed.end();
}

void SyncPoints::process(std::string_view point, void* arg) {
  std::function<void(void*)> callback;
  {
    sync::MutexLock lock(state_->mu);
    if (!state_->enabled) return;
    while (state_->enabled && !state_->predecessorsPassed(point)) state_->cv.wait(lock);
    auto it = state_->callbacks.find(point);
    if (it != state_->callbacks.end()) callback = it->second;
  }
  if (callback) callback(arg);
  {
    sync::MutexLock lock(state_->mu);
    if (state_->passed.find(point) == state_->passed.end()) state_->passed.emplace(point);  // no allocation when known
  }
  state_->cv.notifyAll();
}

void reuseOsThreads(bool enabled) { sync::detail::setThreadReuse(enabled); }

}  // namespace lifeguard::testing
