// Generator: random schedules that are valid by construction (no repair step),
// weighted towards the dangerous moments: a close, an interrupt or a reopen
// issued by one actor while another actor's query, COPY, iteration or failing
// statement is in flight (invoked, being planned or running), or while
// another actor's close is; database close with live connections and
// results; two writers at once; the next query right after an interrupt.
//
// Every query kind it draws is one the engine has (options.capabilities).
//
// Validity by construction: every handle is created before it is used (by the
// same actor, or by a lower-numbered actor whose creating operation is
// awaited first); awaits only name operations of lower-numbered actors, so
// they never form a cycle; each connection's queries come from its owner.
//
// Thread-safety: pure function of its arguments.
#pragma once

#include <cstdint>
#include <string>

#include "lifeguard/harness/engine_adapter.h"
#include "lifeguard/harness/schedule.h"

namespace lifeguard::harness {

// How fast an engine runs each kind of sized work on this machine, in
// units of a query's count (rows) per millisecond (calibration.h); 0:
// unknown.
struct WorkRates {
  double long_per_ms = 0;      // long N
  double bad_exec_per_ms = 0;  // bad_exec N: until it fails
  double copy_per_ms = 0;      // copy TABLE N (and copy_bad)
  bool known() const { return long_per_ms > 0 && bad_exec_per_ms > 0 && copy_per_ms > 0; }
};

struct GeneratorOptions {
  std::string engine = "lifeguard";
  std::string policy = "complete";
  int actors = 3;
  int min_ops = 3;   // per actor, besides its connect
  int max_ops = 9;
  bool small_data = false;  // short queries and small COPYs (fuzzing: many runs per second)
  // Known (and not small_data): a long query is drawn as a duration in one
  // of three bands, 0.3-3 ms, 3-30 ms and 30-300 ms, a failing one in one
  // of the first two, a COPY in 0.2-20 ms, and each is sized to run that
  // long on this engine here (the bands are what the fixed row counts take
  // on this project's engine, dev build); the count is written into the
  // schedule, so a replay asks for the same work. Unknown: the fixed row
  // counts, whatever the engine.
  WorkRates rates;
  // What the engine can do: a capability it lacks is never drawn.
  Capabilities capabilities;
  // Overlaps the engine's contract makes the caller's fault: a race the
  // generator would aim at one waits for its target to return instead, unless
  // outside_contract. (Best effort: an actor's later operations may still
  // overlap; the runner reports a failure in such a run as outside the
  // contract.)
  std::vector<CallerFault> caller_faults;
  bool outside_contract = false;
  // Swarm testing (Groce et al., ISSTA 2012): each schedule first draws a
  // random subset of the operation kinds, race kinds and query kinds it may
  // use (each with probability 1/2), instead of the one fixed mix, so that
  // some schedules pile up on one feature without the others diluting it.
  // Off, schedules are exactly what they were.
  bool swarm = false;
};

// Where the generator's choices come from: a seeded generator, or the bytes
// of a fuzzer input (fuzz_input.h).
class ChoiceSource {
 public:
  virtual ~ChoiceSource() = default;
  virtual int uniform(int lo, int hi) = 0;  // inclusive
};

Schedule generateSchedule(std::uint64_t seed, const GeneratorOptions& options);
Schedule generateSchedule(ChoiceSource& source, const GeneratorOptions& options);

}  // namespace lifeguard::harness
