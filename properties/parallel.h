// Parallel state-machine testing on top of rapidcheck (which has sequential
// rc::state only): a generated sequential prefix, then 2 or 3 branches run
// concurrently under the controlled scheduler, judged by
//   1. the runner's verdict (no sanitizer report, hang, crash, contract
//      violation, data loss or engine left busy: runner.h), then
//   2. linearizability against the sequential model (linearize.h), then
//   3. the property's own check, if it has one.
//
// A case becomes a schedule: actor 0 runs the prefix and then branch 0;
// actor i > 0 awaits the prefix's last operation and runs branch i. Each case
// runs in a forked child (runIsolated), so a use-after-free is a failed case,
// not a dead test binary, and rapidcheck goes on to shrink it.
//
// The interleaving comes from the case's seed (PCT, depth 3), and each case
// is tried under `tries` consecutive seeds; the first failing run is the
// case's answer, so a shrunk case replays exactly (the .sched written for it
// carries the decision trace).
//
// Thread-safety: call from the test's main thread only (fork).
#pragma once

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "lifeguard/harness/runner.h"
#include "lifeguard/harness/schedule.h"

namespace lifeguard::properties {

struct ParallelCase {
  std::vector<harness::Op> prefix;
  std::vector<std::vector<harness::Op>> branches;
  std::uint64_t seed = 1;
  std::size_t size() const;  // operations in all
};
// How rapidcheck shows a case (found by argument-dependent lookup).
void showValue(const ParallelCase& c, std::ostream& os);

// The property's own judgement of a run that passed 1 and 2: "" or why not.
using ExtraCheck = std::function<std::string(const harness::Schedule&, const harness::RunResult&)>;

struct PropertyRun {
  std::string name;    // e.g. "H1_close_connection_during_query"
  std::string policy;  // the engine's teardown policy
  int tries = 1;
  ExtraCheck extra;
};

struct CaseOutcome {
  bool ok = true;
  std::string message;        // why not
  harness::Schedule schedule;  // the failing run, with its decision trace
};

// The schedule a case runs as (without a trace). Handles are made unique:
// a second `connect` of a name is dropped, a second result of a name is
// closed at once (`-`), so that any shrunk case is still well defined.
harness::Schedule toSchedule(const ParallelCase& c, const std::string& policy, std::uint64_t seed);

// Runs and judges the case. On failure writes the schedule (header comments:
// the property, the failure, how to replay) to failureFile(run).
CaseOutcome runCase(const ParallelCase& c, const PropertyRun& run);

// Where the last failing case of a property is written:
// $LIFEGUARD_PROPERTY_OUT (default "property-failures") / NAME-POLICY.sched.
// rapidcheck runs the minimal case last, so after shrinking it is the
// minimal counterexample.
std::string failureFile(const PropertyRun& run);

// The policy properties run under: $LIFEGUARD_POLICY, default "complete".
std::string policyFromEnvironment();
// Seeds tried per case: $LIFEGUARD_PROPERTY_TRIES, default 1.
int triesFromEnvironment();

}  // namespace lifeguard::properties
