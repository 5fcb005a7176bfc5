// Testing hooks: named sync points and an engine probe.
//
// This is the one header beyond the public API that tests and the harness may
// use. Sync points are compiled into every build except release
// (LIFEGUARD_SYNC_POINTS); in release builds LG_SYNC_POINT is empty and the
// registry below still links but is never reached from the engine.
//
// Sync points force an interleaving instead of sleeping for it:
//   - loadDependencies({{"A", "B"}}): a thread reaching point B waits until
//     some thread has passed point A (RocksDB's LoadDependency semantics; once
//     A has been passed, B never waits again until clear()).
//   - setCallback("B", f): f(arg) runs on the thread that reaches B, after its
//     dependencies are met.
// Points the engine passes (engine/README.md says where each one sits):
//   Worker::before_run, Worker::after_run, Task::batch,
//   Task::before_finalize, Task::finalize:inside,
//   TaskScheduler::wait_loop, ClientContext::parse_bind,
//   ClientContext::after_execute_before_commit, QueryProcessor::execute,
//   Connection::close:before_drain, Connection::close:after_drain,
//   Connection::close:done (the context is gone),
//   Database::close:begin, Database::close:before_free,
//   Database::close:before_join, QueryResult::get_next.
//
// Thread-safety: every SyncPoints method is thread-safe. enable()/disable()
// and clear() are meant to be called by the test's own thread while no engine
// thread is waiting at a point.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lifeguard {
class Database;
}

namespace lifeguard::testing {

class SyncPoints {
 public:
  static SyncPoints& instance();

  void enable();
  void disable();
  bool enabled() const;
  // Drops every dependency, callback and passed-point record.
  void clear();

  // Each pair is {predecessor, successor}.
  void loadDependencies(const std::vector<std::pair<std::string, std::string>>& deps);
  void setCallback(const std::string& point, std::function<void(void* arg)> callback);
  // Whether some thread has passed `point` since the last clear().
  bool passed(std::string_view point) const;

  // Called at each point (through LG_SYNC_POINT). Waits for the point's
  // predecessors, runs its callback, records it as passed.
  void process(std::string_view point, void* arg = nullptr);

  ~SyncPoints();

 private:
  SyncPoints();
  struct State;
  std::unique_ptr<State> state_;
};

// Whether sync points are compiled into this build of the engine.
bool syncPointsCompiledIn();

// What the engine is doing right now, for end-of-run invariants. A closed
// database reports zero everywhere except `closed`.
struct EngineProbe {
  bool closed = false;
  std::size_t active_queries = 0;     // queries between entry and return
  std::size_t live_transactions = 0;  // transactions begun and not ended
  std::size_t busy_workers = 0;       // workers registered on a task
  std::size_t queued_tasks = 0;
  std::size_t pages_in_use = 0;       // memory-manager pages held by results or COPY
};
EngineProbe probe(const Database& db);

}  // namespace lifeguard::testing

#if defined(LIFEGUARD_SYNC_POINTS)
#define LG_SYNC_POINT(name) ::lifeguard::testing::detail::syncPoint(name, nullptr)
#define LG_SYNC_POINT_ARG(name, arg) ::lifeguard::testing::detail::syncPoint(name, arg)
namespace lifeguard::testing::detail {
extern std::atomic<bool> sync_points_enabled;
inline void syncPoint(std::string_view name, void* arg) {
  if (sync_points_enabled.load(std::memory_order_acquire)) SyncPoints::instance().process(name, arg);
}
}  // namespace lifeguard::testing::detail
#else
#define LG_SYNC_POINT(name) ((void)0)
#define LG_SYNC_POINT_ARG(name, arg) ((void)(arg))
#endif
