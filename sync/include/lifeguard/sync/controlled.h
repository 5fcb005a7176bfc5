// Controlled scheduling and named sync points: the bottom layer (sync/) that
// the engine, the harness and adapters share. No engine code is in it.
//
// Sync points are compiled into every build except release
// (LIFEGUARD_SYNC_POINTS); in release builds LG_SYNC_POINT is empty and the
// registry below still links but is never reached from the engine.
//
// Sync points force an interleaving instead of sleeping for it:
//   - loadDependencies({{"A", "B"}}): a thread reaching point B waits until
//     some thread has passed point A (RocksDB's LoadDependency semantics; once
//     A has been passed, B never waits again until clear()).
//   - setCallback("B", f): f(arg) runs on the thread that reaches B, after its
//     dependencies are met.
// Points this project's engine passes (engine/README.md says where each one sits):
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
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

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

// ---------------------------------------------------------------------------
// Controlled scheduling (builds with sync points; see controlledCompiledIn()).
//
// runControlled() runs threads one at a time: every engine sync operation
// (mutex, condition variable, thread start and join, lifecycle atomic) and
// every named sync point is a scheduling point where the running thread
// yields and a strategy picks the next one. Blocking is modelled (a thread
// waiting for a mutex, a notify or a join is not runnable), time is virtual
// (timed waits expire only when nothing else can run), and the run is a
// function of the strategy's decisions alone, so a recorded decision list
// replays it exactly.
//
// A run that cannot go on ends the process after on_end() has seen the trace
// and a report went to stderr:
//   - deadlock (no thread can run; each thread's position is listed) and the
//     step bound (a livelock) exit with kControlledHangExit, the report starts
//     with "HANG: ";
//   - a replay whose run departs from its trace exits with
//     kControlledDivergenceExit, the report starts with "DIVERGENCE: " and
//     says at which step and how.
// A sanitizer report also reaches on_end() first (death callback).
//
// Threading contract: one run at a time per process; the caller is not a
// controlled thread and creates nothing the run uses before it starts.
// Everything the controlled threads share with the engine must be created
// inside the run (a database opened outside would have uncontrolled workers).

inline constexpr int kControlledHangExit = 86;
inline constexpr int kControlledDivergenceExit = 87;
inline constexpr std::uint64_t kTraceCheckInterval = 256;
inline constexpr int kMaxControlledThreads = 64;
inline constexpr int kLoopWindow = 16;

struct ControlledTrace {
  std::vector<std::uint8_t> decisions;  // the thread chosen at each step
  std::vector<std::uint64_t> runnable;  // who could run at each step (bit i: thread i)
  std::vector<int> current;             // the thread that reached each step (-1: it blocked or ended)
  std::vector<std::uint32_t> checks;    // checksum of steps [k*256, (k+1)*256)
  std::uint64_t lifecycle_steps = 0;    // how many steps were lifecycle steps (ControlledOptions)
  // How often no controlled thread could run while some waited on a
  // primitive the scheduler does not own (ControlledOptions::interpose), so
  // they tried again: a thread outside the run may hold or signal it.
  std::uint64_t outside_waits = 0;
  // How often a thread that took no step while it used 300 ms of CPU time
  // (a spin on an atomic), or for 300 ms of real time in which it used
  // almost none (a block outside the layer), had another thread run beside
  // it (ControlledOptions::interpose): a run with one is not deterministic.
  std::uint64_t uncontrolled_slices = 0;
  // Where control was first lost to a slice: "step N: thread T, running,
  // last at WHAT (library+offset)", the stalled thread's last point.
  std::string first_slice;
  // Threads that made interposed calls during the run while neither
  // controlled nor the harness's (markHarnessThread): the engine's threads
  // started before the run. Their calls are real and unordered, so a run
  // with one may not be deterministic. `first_outside`: the engine code of
  // the first one's call ("library+offset").
  std::uint64_t outside_threads = 0;
  std::string first_outside;
  // How often a controlled thread's try of a lock failed while a thread not
  // under control held it (ControlledOptions::interpose; the holder is the
  // owner glibc records in a mutex or a write-locked rwlock): a thread after
  // its last controlled step (its exit), one outside the run, or one caught
  // between taking the lock and recording itself. Whether such a try fails
  // depends on real time, so a run with one may not be deterministic.
  // `first_hold`: "step N: thread T's WHAT at library+offset, held by ...".
  std::uint64_t outside_holds = 0;
  std::string first_hold;
  std::uint64_t steps() const { return decisions.size(); }
};

struct ControlledOptions {
  enum class Strategy {
    kRandom,  // uniform among the runnable threads at each step
    kPct,     // PCT: random priorities, pct_depth-1 priority change points
    kReplay,  // exactly `decisions`; any departure is a divergence
    kPrefix,  // `decisions`, then `chooser` (or: keep the current thread)
  };
  Strategy strategy = Strategy::kRandom;
  std::uint64_t seed = 0;
  int pct_depth = 3;
  std::uint64_t pct_steps = 200;   // PCT's estimate of the run's length
  // PCT places its change points among lifecycle steps only, and pct_steps
  // estimates their number. A step is a lifecycle step unless the thread
  // that reached it is looping: it passed the same place (a sync point's
  // name, or the source line of a lock, wait, notify or atomic) at one of
  // its previous kLoopWindow scheduling points. So a long query's batch loop
  // counts once, while thread start and exit, gate and drain operations and
  // the sync points of a close each count. Knows no engine.
  bool pct_lifecycle_only = false;
  std::vector<std::uint8_t> decisions;
  std::vector<std::uint32_t> checks;  // kReplay: compared every kTraceCheckInterval steps
  // kPrefix after the decisions: returns the thread to run, given the mask of
  // runnable threads and the current one (-1 if it cannot continue). An
  // answer that cannot run falls back to "keep the current thread".
  std::function<int(std::uint64_t runnable, int current)> chooser;
  std::uint64_t max_steps = 2'000'000;
  // Deadlock, step bound and divergence call std::abort() after the report
  // instead of _exit(code): a fuzzer (libFuzzer) then saves the input. The
  // sanitizer's death callback is left to the fuzzer too (it saves the input
  // there), so on_end does not see a run that a sanitizer report ends.
  bool abort_on_failure = false;
  // The engine's own pthread mutexes, condition variables, read-write
  // locks, semaphores, once-flags, function-local statics, thread creation
  // and join, yields and sleeps are scheduling points too (sync/interpose.h):
  // for an unmodified engine library. Needs a program that links
  // lifeguard::interpose (interpositionAvailable()).
  bool interpose = false;
  // Sees the trace when the run ends, however it ends (but see above).
  std::function<void(const ControlledTrace&)> on_end;
};

bool controlledCompiledIn();
// The calling thread is the harness's own (a watchdog, a reader of pipes):
// its pthread calls during an interposing run are not an engine thread's
// outside the run (ControlledTrace::outside_threads). For the rest of the
// thread's life.
void markHarnessThread();
// steady_clock::now(), real also on a controlled thread of an interposing run
// (ControlledOptions::interpose), where the clocks read virtual time: for
// deadlines a watchdog on another thread compares with its own reading.
std::chrono::steady_clock::time_point realNow();
// Whether this program binds a loaded library's pthread calls to the
// interposition layer (ControlledOptions::interpose), and why not if not.
bool interpositionAvailable(std::string* why = nullptr);
// Ends the process with `code` at once, leaving its other threads where they
// are: no atexit handlers and no sanitizer end-of-process checks (ThreadSanitizer
// reports the finished but unjoined threads of a hang as leaks, and then exits
// with its own code instead of `code`). For hang and divergence exits only.
[[noreturn]] void exitLeavingThreads(int code);
// Runs each of `actors` on its own controlled thread (threads 1..N), joins
// them on thread 0, then runs `finale` on thread 0. Returns the trace.
ControlledTrace runControlled(const ControlledOptions& options, std::vector<std::function<void()>> actors,
                              std::function<void()> finale);
// From any thread while a run is in progress (a watchdog): every controlled
// thread's position and the trace so far. False if no run is in progress or
// the scheduler stays busy (its lock held) for a second.
bool controlledSnapshot(std::string* report, ControlledTrace* trace);
// Whether the calling thread runs under runControlled().
bool isControlledThread();
// On a controlled thread: the steps the run has taken so far (the index of
// the next decision), which places what the thread does now in the trace;
// 0 elsewhere.
std::uint64_t controlledStep();
// On a controlled thread: blocks until `ready()` holds. The scheduler calls
// ready() at scheduling points, on whichever thread runs then, so it must be
// cheap and must not block or touch the engine.
//
// `then_run_ahead`: from the step where ready() first holds, this thread
// runs whenever it can, ahead of every other thread, until it waits here
// again or ends (or ran 100,000 steps ahead: a bound against a thread that
// spins waiting for another). So what it does next happens at that very
// point of the others' runs, as far as it can without waiting for them: the
// others stay where they are unless it blocks. lifeguard's `await A.I at K`.
void controlledWaitUntil(const std::function<bool()>& ready, bool then_run_ahead = false);
// The steps every controlled run in this process has taken so far, from any
// thread: a watchdog's sign of progress. Lock-free.
std::uint64_t controlledStepsTaken();
// The distinct steps of the run in progress so far; 0 if none. A step is
// distinct unless the thread that reached it passed the same place (as for
// lifecycle steps) on the same object (mutex, condition variable, atomic) at
// one of its previous kLoopWindow scheduling points. Finer than lifecycle
// steps: a call that enters two gates one after the other (the same source
// lines, two objects) takes distinct steps in both, while a loop over one
// object still counts once. Lock-free: a ready() predicate may call it.
std::uint64_t controlledDistinctSteps();
// The calling thread's id in the run in progress (threads 1..N are
// runControlled's actors), or -1 off a controlled thread.
int controlledThreadId();
// The steps of the run so far as `thread` sees them: every step `thread`
// took, and the distinct steps of the engine's threads (every thread but
// runControlled's actors and their root). A call's own loop (a result's rows
// read one by one: the same lines on the same lock) counts step by step
// while a worker's loop counts once, and another actor's steps, which are
// never part of this thread's operation, do not count. The sweep's unit
// (`await A.I at K`). Lock-free: a ready() predicate may call it.
std::uint64_t controlledStepsOf(int thread);

// Engine threads started from now on (a Database's workers, and the threads
// of runControlled) run on OS threads that finished engine threads left idle,
// instead of new ones; join still waits for the thread's work to end. Off by
// default. For fuzz targets that open a database per input: under
// AddressSanitizer creating and joining an OS thread costs more than a small
// query. A controlled run makes the same decisions either way. Thread-safe.
void reuseOsThreads(bool enabled);

}  // namespace lifeguard::testing

#if defined(LIFEGUARD_SYNC_POINTS)
#define LG_SYNC_POINT(name) ::lifeguard::testing::detail::syncPoint(name, nullptr)
#define LG_SYNC_POINT_ARG(name, arg) ::lifeguard::testing::detail::syncPoint(name, arg)
namespace lifeguard::testing::detail {
extern std::atomic<bool> sync_points_enabled;
extern std::atomic<int> controlled_runs;
void syncPointSlow(std::string_view name, void* arg);
inline void syncPoint(std::string_view name, void* arg) {
  if (sync_points_enabled.load(std::memory_order_acquire) || controlled_runs.load(std::memory_order_relaxed) > 0) {
    syncPointSlow(name, arg);
  }
}
}  // namespace lifeguard::testing::detail
#else
#define LG_SYNC_POINT(name) ((void)0)
#define LG_SYNC_POINT_ARG(name, arg) ((void)(arg))
#endif
