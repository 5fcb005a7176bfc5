// RunResult: what one run of a schedule came to (its verdict, history and
// decision trace), and RunOptions, how it is run. The vocabulary that the
// runner (runner.h) fills in and the oracles, reports and CLI read.
//
// Verdicts, in the order they are checked:
//   sanitizer  a sanitizer report (the process aborts, see runIsolated)
//   hang       an operation ran past its deadline (watchdog), or under a
//              controlled scheduler a deadlock or the step bound (the
//              process exits, see runIsolated)
//   divergence a replayed decision trace no longer matches the run
//   crash      the process died some other way
//   contract   an answer the engine's contract does not allow for the state
//              of the handles at that moment
//   data       a `check` (or the final check) disagrees with the expected-state model
//   invariant  after the schedule and teardown the engine is not quiet
//              (active queries, live transactions, busy workers, pages)
//   harness    the schedule could not be run (bad engine, await cycle)
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lifeguard/harness/history.h"
#include "lifeguard/harness/schedule.h"
#include "lifeguard/sync/controlled.h"

namespace lifeguard::harness {

enum class Verdict { kPass, kContract, kData, kInvariant, kHang, kSanitizer, kCrash, kHarness, kDivergence };
std::string_view toString(Verdict verdict);
std::optional<Verdict> parseVerdict(std::string_view name);

struct RunOptions {
  // An operation running longer than this is a hang (real time, both modes).
  std::chrono::milliseconds op_deadline{10'000};
  // Controlled schedulers (the schedule's `scheduler` is not os):
  std::uint64_t max_steps = 2'000'000;  // the step bound (a livelock beyond it)
  // The schedule's trace is a prefix to extend (dfs, fuzzing) rather than a
  // run to replay exactly; after it `chooser` picks (see ControlledOptions).
  bool trace_is_prefix = false;
  std::function<int(std::uint64_t runnable, int current)> chooser;
  // A deadlock, the step bound or a divergence aborts (fuzzers save the input).
  bool abort_on_failure = false;
  // Sees the controlled run's trace however the run ends (isolate streams it).
  std::function<void(const testing::ControlledTrace&)> on_trace;
};

struct RunResult {
  Verdict verdict = Verdict::kPass;
  std::string message;         // the first failure, one paragraph
  std::string report;          // sanitizer or hang report text, if any
  // A failed run whose history holds an overlap its engine's contract makes
  // the caller's fault: which one ("" if none). Such a failure is reported
  // as outside the contract, never as an engine bug.
  std::string outside_contract;
  // A failed run: what in its history explains the failure or makes it
  // suspect, one line each (judge/hints.h: a second instance of a path, a
  // deferred close, the caller's fault, the binding's own exception, a
  // crash's engine frame and last lifecycle event).
  std::vector<std::string> hints;
  std::vector<Event> history;
  testing::ControlledTrace trace;  // controlled runs: the decisions taken
  // Where the run's wall time went, in ms, in order (lifeguard profile):
  // "engine start" (the adapter made: a library's first use, a driver
  // process started and its module loaded), "run" (the schedule's
  // operations, teardown included), "judge"; runIsolated adds "fork and
  // exit" (the rest of its wall time: fork, the child's exit, the wait).
  std::vector<std::pair<std::string, double>> phases;
};

// What a .sched file keeps of a controlled run: its decisions and checksums.
inline DecisionTrace decisionTrace(const testing::ControlledTrace& trace) { return {trace.decisions, trace.checks}; }
// How a controlled run lost control other than by slices, in words ("" if
// it did not): waits on a primitive held outside control, engine threads
// outside the run, and lock tries that met a lock held outside control.
inline std::string lossesBesideSlices(const testing::ControlledTrace& trace) {
  std::string text;
  auto add = [&](std::uint64_t count, const std::string& what) {
    if (count > 0) text += (text.empty() ? "" : ", ") + std::to_string(count) + " " + what;
  };
  add(trace.outside_waits, "waits on a primitive held outside control (a thread's exit, or a thread outside the run)");
  add(trace.outside_threads, "engine threads outside the run (the first called from " + trace.first_outside + ")");
  add(trace.outside_holds, "lock tries that met a lock held outside control (the first at " + trace.first_hold + ")");
  return text;
}
// Where a controlled run lost control, in words ("" if it never did): the
// causes a divergence has that the engine's own code does not.
inline std::string controlLost(const testing::ControlledTrace& trace) {
  std::string slices = trace.uncontrolled_slices == 0 ? ""
                       : std::to_string(trace.uncontrolled_slices) + " uncontrolled slices (the first at " +
                             trace.first_slice + ")";
  std::string besides = lossesBesideSlices(trace);
  return slices + (!slices.empty() && !besides.empty() ? ", " : "") + besides;
}
// A controlled run's control, in words: "controlled steps N, uncontrolled
// slices M" and, if M > 0, where control was first lost; then the other
// losses (lossesBesideSlices), if any.
inline std::string controlSummary(const testing::ControlledTrace& trace) {
  std::string text = "controlled steps " + std::to_string(trace.steps()) + ", uncontrolled slices " +
                     std::to_string(trace.uncontrolled_slices);
  if (!trace.first_slice.empty()) text += " (the first at " + trace.first_slice + ")";
  if (std::string besides = lossesBesideSlices(trace); !besides.empty()) text += ", " + besides;
  return text;
}
// The run's length as PCT counts it: its lifecycle steps (points=lifecycle)
// or all its steps. Campaigns spread the change points over the longest.
inline std::uint64_t pctLength(const SchedulerSpec& spec, const testing::ControlledTrace& trace) {
  return spec.lifecycle_points ? trace.lifecycle_steps : trace.steps();
}

}  // namespace lifeguard::harness
