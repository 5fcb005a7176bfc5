// Runner: executes a schedule against an engine adapter with one OS thread
// per actor, records the history and judges it with the oracles.
//
// Verdicts, in the order they are checked:
//   sanitizer  a sanitizer report (the process aborts, see runIsolated)
//   hang       an operation ran past its deadline (watchdog; the process
//              exits, see runIsolated)
//   crash      the process died some other way
//   contract   an answer the engine's contract does not allow for the state
//              of the handles at that moment
//   data       a `check` (or the final check) disagrees with the expected-state model
//   invariant  after the schedule and teardown the engine is not quiet
//              (active queries, live transactions, busy workers, pages)
//   harness    the schedule could not be run (bad engine, await cycle)
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "lifeguard/harness/history.h"
#include "lifeguard/harness/schedule.h"

namespace lifeguard::harness {

enum class Verdict { kPass, kContract, kData, kInvariant, kHang, kSanitizer, kCrash, kHarness };
std::string_view toString(Verdict verdict);
std::optional<Verdict> parseVerdict(std::string_view name);

struct RunOptions {
  // An operation running longer than this is a hang.
  std::chrono::milliseconds op_deadline{10'000};
};

struct RunResult {
  Verdict verdict = Verdict::kPass;
  std::string message;         // the first failure, one paragraph
  std::string report;          // sanitizer or hang report text, if any
  std::vector<Event> history;
};

// Runs in this process. A hang or a sanitizer report ends the process (the
// watchdog exits with kHangExitCode after printing its report).
RunResult runInProcess(const Schedule& schedule, const RunOptions& options);
// As above; `observer` sees every event as it is recorded (to stream it).
RunResult runInProcess(const Schedule& schedule, const RunOptions& options,
                       std::function<void(const Event&)> observer);

// Runs in a forked child so that a crash, a sanitizer abort or a hang is
// reported instead of ending the caller. REQUIRES: the calling process has no
// other threads (fork).
RunResult runIsolated(const Schedule& schedule, const RunOptions& options);

inline constexpr int kHangExitCode = 86;

}  // namespace lifeguard::harness
