// Runs a schedule in this process: one OS thread per actor, under the
// watchdog (watchdog.h), the final check and teardown, then the oracles.
#include "lifeguard/harness/runner.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <set>
#include <thread>

#include "lifeguard/harness/engine_adapter.h"
#include "lifeguard/harness/workload.h"
#include "judge/oracles.h"
#include "run/watchdog.h"

namespace lifeguard::harness {
namespace {

using Clock = std::chrono::steady_clock;

// What each actor is doing, for the watchdog's report.
struct ActorStatus {
  std::atomic<std::int64_t> started_ms{-1};  // -1: between operations
  std::atomic<int> index{0};
};

// The operation the current thread runs, for the engine's "started" and
// "running" events.
struct Cursor {
  History* history;
  int actor;
  int index;
  Clock::time_point start;
  bool started_recorded;
  bool running_recorded;
};
thread_local Cursor* tl_cursor = nullptr;

// Real time also on a controlled thread, whose clocks read virtual time when
// the engine is interposed: the watchdog compares these with its own reading.
double msSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(testing::realNow() - start).count();
}

// Records the first start and the first execution of the current query (a
// multi-statement query reports them per statement).
void onQueryPoint(void*, EngineAdapter::QueryPoint point) {
  Cursor* cursor = tl_cursor;
  if (cursor == nullptr) return;
  bool started = point == EngineAdapter::QueryPoint::kStarted;
  bool& recorded = started ? cursor->started_recorded : cursor->running_recorded;
  if (recorded) return;
  recorded = true;
  Event event;
  event.at_ms = msSince(cursor->start);
  event.actor = cursor->actor;
  event.index = cursor->index;
  event.type = started ? EventType::kStarted : EventType::kRunning;
  cursor->history->record(event);
}

class Run {
 public:
  Run(const Schedule& schedule, const RunOptions& options, EngineAdapter& adapter, History& history)
      : schedule_(schedule), options_(options), adapter_(adapter), history_(history),
        status_(schedule.actors.size() + 1), start_(Clock::now()),
        running_events_(adapter.capabilities().running_event),
        longest_wait_ms_(adapter.contract().longestWaitMs()) {}

  // Runs the actors, the teardown, then destroys the adapter (engine
  // destructors can hang too), all under the watchdog.
  void execute(std::unique_ptr<EngineAdapter>& adapter, const testing::ControlledOptions* control) {
    WatchdogScope watchdog([this] { checkDeadlines(); });
    auto finale = [&] {
      teardown();
      perform(teardownActor(), teardown_steps_, [&](std::vector<TableRows>*) {
        // Releases whatever is left, as a process exit would; unless the
        // watchdog is describing a hang with the adapter (it then ends the process).
        int alive = kAdapterAlive;
        if (adapter_use_.compare_exchange_strong(alive, kAdapterDestroyed)) adapter.reset();
        return Answer::ok();
      });
    };
    if (control != nullptr) {
      std::vector<std::function<void()>> actors;
      for (std::size_t a = 0; a < schedule_.actors.size(); ++a) {
        actors.push_back([this, a] { runActor(static_cast<int>(a)); });
      }
      testing::runControlled(*control, std::move(actors), finale);
    } else {
      std::vector<std::thread> actors;
      for (std::size_t a = 0; a < schedule_.actors.size(); ++a) {
        actors.emplace_back([this, a] { runActor(static_cast<int>(a)); });
      }
      for (auto& actor : actors) actor.join();
      finale();
    }
  }

  const EngineState& finalState() const { return final_state_; }

 private:
  // The teardown is recorded as one more actor, after the schedule's.
  int teardownActor() const { return static_cast<int>(schedule_.actors.size()); }

  void runActor(int actor) {
    const auto& ops = schedule_.actors[actor];
    for (int i = 0; i < static_cast<int>(ops.size()); ++i) {
      const Op& op = ops[i];
      if (op.kind == OpKind::kAwait && (op.await_event == AwaitEvent::kStep || op.await_event == AwaitEvent::kAt)) {
        perform(actor, i, [&](std::vector<TableRows>*) {
          if (op.await_event == AwaitEvent::kStep) history_.waitSteps(op.await_actor, op.await_index, op.number);
          if (op.await_event == AwaitEvent::kAt) history_.waitAt(op.await_actor, op.await_index, op.number);
          return Answer::ok();
        }, /*watched=*/false);
      } else if (op.kind == OpKind::kAwait) {
        static constexpr EventType kTypes[] = {EventType::kInvoke, EventType::kRunning, EventType::kReturn,
                                               EventType::kStarted};  // by AwaitEvent
        EventType type = kTypes[static_cast<int>(op.await_event)];
        // An engine that cannot tell when a query starts or starts executing:
        // "started" and "running" are as soon as the call is made, so the
        // next operation races the whole query (waiting for its return would
        // race nothing).
        if (type != EventType::kInvoke && type != EventType::kReturn && !running_events_) type = EventType::kInvoke;
        perform(actor, i, [&](std::vector<TableRows>*) {
          history_.waitFor(op.await_actor, op.await_index, type);
          return Answer::ok();
        }, /*watched=*/false);
      } else {
        perform(actor, i, [&](std::vector<TableRows>* tables) {
          return callAdapter(adapter_, op, opTag(actor, i), tables);
        });
      }
    }
  }

  // `watched`: the watchdog times it (an await only waits for another
  // actor's operation, which is timed on its own thread).
  template <typename F>
  void perform(int actor, int index, F&& call, bool watched = true) {
    Cursor cursor{&history_, actor, index, start_, false, false};
    ActorStatus& status = status_[actor];
    status.index = index;
    Event event;
    event.actor = actor;
    event.index = index;
    event.at_ms = msSince(start_);
    history_.record(event);
    if (watched) status.started_ms = static_cast<std::int64_t>(event.at_ms);
    tl_cursor = &cursor;
    std::vector<TableRows> tables;
    event.answer = call(&tables);
    tl_cursor = nullptr;
    status.started_ms = -1;
    event.type = EventType::kReturn;
    event.at_ms = msSince(start_);
    event.row_counts = rowCounts(tables);
    event.tables = std::move(tables);
    history_.record(event);
  }

  // Final check, then close every result and connection, read the engine's
  // state, close the database: the same calls a careful application makes.
  void teardown() {
    const int actor = teardownActor();
    int index = 0;
    perform(actor, index++, [&](std::vector<TableRows>* tables) { return adapter_.readTables(tables); });
    std::set<std::string> results, connections;
    for (const auto& ops : schedule_.actors) {
      for (const Op& op : ops) {
        if ((op.kind == OpKind::kQuery || op.kind == OpKind::kExecute) && op.result != "-") results.insert(op.result);
        if (op.kind == OpKind::kConnect) connections.insert(op.handle);
      }
    }
    for (const auto& result : results) {
      perform(actor, index++, [&](std::vector<TableRows>*) { return adapter_.closeResult(result); });
    }
    for (const auto& conn : connections) {
      perform(actor, index++, [&](std::vector<TableRows>*) { return adapter_.disconnect(conn); });
    }
    final_state_ = adapter_.state();
    perform(actor, index++, [&](std::vector<TableRows>*) { return adapter_.closeDatabase(); });
    if (adapter_.capabilities().durable) {
      // What was committed must be there after a reopen, and nothing else.
      perform(actor, index++, [&](std::vector<TableRows>*) { return adapter_.reopenDatabase(); });
      perform(actor, index++, [&](std::vector<TableRows>* tables) { return adapter_.readTables(tables); });
      perform(actor, index++, [&](std::vector<TableRows>*) { return adapter_.closeDatabase(); });
    }
    teardown_steps_ = index;
  }

  // On the watchdog's thread (watchdog.h).
  // Under a controlled scheduler an operation is a hang only once the run
  // stopped stepping for the deadline: a run of many steps (a long query
  // under control, a context switch a step) is slow, not stuck; a livelock
  // meets the step bound.
  void checkDeadlines() {
    double now = msSince(start_);
    if (schedule_.scheduler.controlled()) {
      std::uint64_t steps = testing::controlledStepsTaken();
      if (steps != watched_steps_) watched_steps_ = steps, stepped_ms_ = now;
    }
    for (std::size_t a = 0; a < status_.size(); ++a) {
      double started = static_cast<double>(status_[a].started_ms.load());
      if (started >= 0 && now - std::max(started, stepped_ms_) > deadlineMs(static_cast<int>(a))) {
        reportHang(static_cast<int>(a), now);
      }
    }
  }

  // An operation's deadline: the run's, plus the engine's longest wait
  // (Contract::longestWaitMs) for each statement the operation runs.
  double deadlineMs(int actor) const {
    double statements = 1;
    int index = status_[actor].index.load();
    if (actor != teardownActor() && index < static_cast<int>(schedule_.actors[actor].size())) {
      const Op& op = schedule_.actors[actor][index];
      if (op.kind == OpKind::kQuery && op.query.kind == QueryKind::kMulti) {
        statements = static_cast<double>(op.query.parts.size());  // QuerySpec::statements(), without its copy
      }
    }
    return static_cast<double>(options_.op_deadline.count()) + statements * longest_wait_ms_;
  }

  [[noreturn]] void reportHang(int actor, double now) {
    int alive = kAdapterAlive;  // not once the teardown destroyed it
    if (adapter_use_.compare_exchange_strong(alive, kAdapterDescribing)) {
      adapter_.describeHang();  // before the report: the verdict is its last lines
    }
    const double deadline = deadlineMs(actor), own = static_cast<double>(options_.op_deadline.count());
    std::string report = "HANG: actor " + std::to_string(actor) + " exceeded the " +
                         std::to_string(static_cast<std::int64_t>(deadline)) + " ms deadline" +
                         (deadline > own ? " (" + std::to_string(options_.op_deadline.count()) + " ms, and " +
                                               std::to_string(static_cast<std::int64_t>(deadline - own)) +
                                               " ms the engine may wait: lifeguard contract)"
                                         : "") +
                         ". Every actor:\n";
    for (std::size_t a = 0; a < status_.size(); ++a) {
      int index = status_[a].index.load();
      std::int64_t started = status_[a].started_ms.load();
      bool teardown = static_cast<int>(a) == teardownActor();
      std::string op = teardown ? "teardown step " + std::to_string(index)
                                : (index < static_cast<int>(schedule_.actors[a].size())
                                       ? formatOp(schedule_.actors[a][index]) : "done");
      report += "  actor " + std::to_string(a) + (teardown ? " (teardown)" : "") + ": ";
      report += started < 0 ? "idle after #" + std::to_string(index) + " '" + op + "'"
                            : "in #" + std::to_string(index) + " '" + op + "' for " +
                                  std::to_string(static_cast<std::int64_t>(now) - started) + " ms";
      report += "\n";
    }
    std::string controlled;
    testing::ControlledTrace trace;
    if (schedule_.scheduler.controlled() && testing::controlledSnapshot(&controlled, &trace)) {
      // The running controlled thread is blocked outside the scheduler's
      // model (a real lock or system call); the positions say where.
      report += "Controlled scheduler: " + controlled + "\n";
      if (options_.on_trace) options_.on_trace(trace);
    }
    std::fputs(report.c_str(), stderr);
    std::fflush(stderr);
    testing::exitLeavingThreads(kHangExitCode);  // hung engine threads cannot be joined
  }

  const Schedule& schedule_;
  const RunOptions& options_;
  EngineAdapter& adapter_;
  History& history_;
  std::vector<ActorStatus> status_;
  const Clock::time_point start_;
  const bool running_events_;  // the adapter reports when a query starts executing
  const double longest_wait_ms_;  // the contract's longest wait (read here: the watchdog must not touch the adapter)
  // Who has the adapter at the end: the teardown destroys it, or the
  // watchdog describes a hang with it; whichever comes first.
  static constexpr int kAdapterAlive = 0, kAdapterDescribing = 1, kAdapterDestroyed = 2;
  std::atomic<int> adapter_use_{kAdapterAlive};
  EngineState final_state_;
  int teardown_steps_ = 0;
  std::uint64_t watched_steps_ = 0;  // checkDeadlines(), on the watchdog's thread: the steps it last saw
  double stepped_ms_ = -1;           // and when they changed
};

}  // namespace

RunResult runInProcess(const Schedule& schedule, const RunOptions& options) {
  return runInProcess(schedule, options, nullptr);
}

RunResult runInProcess(const Schedule& schedule, const RunOptions& options,
                       std::function<void(const Event&)> observer) {
  RunResult result;
  std::string error = checkRunnable(schedule);
  if (error.empty() && schedule.scheduler.controlled() && !testing::controlledCompiledIn()) {
    error = "scheduler " + schedule.scheduler.name + " needs a build with sync points (dev, tsan or fuzz preset)";
  }
  using Clock = std::chrono::steady_clock;
  auto mark = Clock::now();
  auto phase = [&](const char* name) {
    const auto now = Clock::now();
    result.phases.emplace_back(name, std::chrono::duration<double, std::milli>(now - mark).count());
    mark = now;
  };
  std::unique_ptr<EngineAdapter> adapter;
  if (error.empty()) adapter = makeAdapter(schedule.engine, schedule.policy, &error);
  phase("engine start");
  if (adapter != nullptr && schedule.scheduler.controlled() && !adapter->capabilities().controllable) {
    std::string why = "they are in another process";
    if (adapter->capabilities().interposed) testing::interpositionAvailable(&why);
    error = "engine " + adapter->name() + " cannot run under scheduler " + schedule.scheduler.name +
            ": its threads and locks are out of a controlled scheduler's reach (" + why + "); use --scheduler os";
    adapter.reset();
  }
  // --outside-contract: the adapter lets a second instance of its path happen.
  if (adapter != nullptr && schedule.second_instances) adapter->allowSecondInstances();
  if (adapter == nullptr) {
    result.verdict = Verdict::kHarness;
    result.message = error;
    return result;
  }
  History history(std::move(observer));
  adapter->setQueryPointCallback(onQueryPoint, nullptr);
  Contract contract = adapter->contract();
  bool durable = adapter->capabilities().durable;
  Run run(schedule, options, *adapter, history);
  std::optional<testing::ControlledOptions> control;
  if (schedule.scheduler.controlled()) {
    control = controlledOptions(schedule, options);
    control->interpose = adapter->capabilities().interposed;
    control->on_end = [&](const testing::ControlledTrace& trace) {
      result.trace = trace;
      if (options.on_trace) options.on_trace(trace);
    };
  }
  run.execute(adapter, control ? &*control : nullptr);  // also releases the adapter, under the watchdog
  phase("run");
  result.history = history.events();
  judge(schedule, contract, run.finalState(), &result, durable);
  phase("judge");
  return result;
}

testing::ControlledOptions controlledOptions(const Schedule& schedule, const RunOptions& options) {
  using Strategy = testing::ControlledOptions::Strategy;
  testing::ControlledOptions control;
  const SchedulerSpec& spec = schedule.scheduler;
  control.seed = spec.seed;
  control.pct_depth = spec.depth;
  control.pct_steps = spec.steps;
  control.pct_lifecycle_only = spec.lifecycle_points;
  control.max_steps = options.max_steps;
  control.abort_on_failure = options.abort_on_failure;
  control.chooser = options.chooser;
  control.decisions = schedule.trace.decisions;
  control.checks = schedule.trace.checks;
  if (options.trace_is_prefix) control.strategy = Strategy::kPrefix;
  else if (!schedule.trace.empty()) control.strategy = Strategy::kReplay;
  else if (spec.name == "pct") control.strategy = Strategy::kPct;
  else if (spec.name == "random") control.strategy = Strategy::kRandom;
  else control.strategy = Strategy::kPrefix;  // dfs, fuzz: no preemption beyond the (empty) trace
  return control;
}

}  // namespace lifeguard::harness
