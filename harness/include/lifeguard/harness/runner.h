// Runner: executes a schedule against an engine adapter with one thread per
// actor, records the history and judges it with the oracles. Under the `os`
// scheduler the threads run free; under random, pct or dfs they run one at a
// time under the controlled scheduler (lifeguard/sync/controlled.h), and a
// schedule with a decision trace replays that exact interleaving.
// What a run comes to (Verdict, RunOptions, RunResult): run_result.h.
#pragma once

#include <functional>

#include "lifeguard/harness/history.h"
#include "lifeguard/harness/run_result.h"
#include "lifeguard/harness/schedule.h"
#include "lifeguard/sync/controlled.h"

namespace lifeguard::harness {

// Runs in this process. A hang or a sanitizer report ends the process (the
// watchdog exits with kHangExitCode after printing its report).
RunResult runInProcess(const Schedule& schedule, const RunOptions& options);
// As above; `observer` sees every event as it is recorded (to stream it).
RunResult runInProcess(const Schedule& schedule, const RunOptions& options,
                       std::function<void(const Event&)> observer);

// The controlled scheduler's options for a schedule: its trace replayed
// exactly if it has one (or extended, with options.trace_is_prefix), else
// its scheduler's strategy and seed.
testing::ControlledOptions controlledOptions(const Schedule& schedule, const RunOptions& options);

// Runs in a forked child so that a crash, a sanitizer abort or a hang is
// reported instead of ending the caller. REQUIRES: the calling process has no
// other threads (fork).
RunResult runIsolated(const Schedule& schedule, const RunOptions& options);

inline constexpr int kHangExitCode = 86;
static_assert(kHangExitCode == testing::kControlledHangExit);
// An engine that runs in another process (adapters/process/) ends the run
// with these after a report on stderr whose line starts with "CRASH: " (the
// engine's process crashed or exited) or "HARNESS: " (it broke the protocol).
inline constexpr int kEngineCrashExit = 88;
inline constexpr int kEngineProtocolExit = 89;

}  // namespace lifeguard::harness
