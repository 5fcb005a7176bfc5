// Scheduler choice and decision traces, as they appear in a .sched file.
//
//   scheduler os                          free-running OS threads
//   scheduler random seed=42              controlled: uniform at each step
//   scheduler pct depth=3 seed=42 steps=2000  controlled: PCT with d = 3, change
//                                         points spread over 2000 steps
//   scheduler pct ... points=lifecycle    ... over 2000 lifecycle steps only
//                                         (ControlledOptions::pct_lifecycle_only);
//                                         points=all (the default in a file) counts
//                                         every step
//   scheduler dfs preemptions=2           controlled: exhaustive, bounded
//   scheduler fuzz                        controlled: decisions from fuzzer bytes
//                                         (fuzz_lifecycle; only its trace replays)
//   trace 1234                            the recorded run had 1234 steps ...
//   decisions 0*12 1 2*3 ...              ... and ran these threads (N*K: N, K times)
//   checks 9f3a01c2 ...                   checksum per 256 steps (divergence)
//
// A schedule with a trace replays it exactly (controlled, strategy replay).
//
// Thread-safety: plain values and functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace lifeguard::harness {

struct SchedulerSpec {
  std::string name = "os";  // os | random | pct | dfs | fuzz
  std::uint64_t seed = 0;
  int depth = 3;        // pct
  std::uint64_t steps = 200;  // pct: the run length its change points spread over (grows in campaigns)
  bool lifecycle_points = false;  // pct: change points among lifecycle steps only (points=lifecycle)
  int preemptions = 2;  // dfs

  bool controlled() const { return name != "os"; }
};

// "pct depth=3 seed=42" (without the leading keyword).
std::string formatSchedulerSpec(const SchedulerSpec& spec);
// Reads the words after "scheduler"; nullopt with `error` on a bad name or key.
std::optional<SchedulerSpec> parseSchedulerSpec(const std::vector<std::string>& words, std::string* error);

struct DecisionTrace {
  std::vector<std::uint8_t> decisions;
  std::vector<std::uint32_t> checks;
  bool empty() const { return decisions.empty(); }
};

// The "trace", "decisions" and "checks" lines, each ending in '\n'.
std::string formatTrace(const DecisionTrace& trace);
// Takes one such line's words into `trace`; `declared_steps` gets the trace
// line's count. Returns an error message, empty on success.
std::string parseTraceLine(const std::vector<std::string>& words, DecisionTrace* trace, std::int64_t* declared_steps);

}  // namespace lifeguard::harness
