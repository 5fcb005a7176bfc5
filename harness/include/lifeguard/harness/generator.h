// Generator: random schedules that are valid by construction (no repair step),
// weighted towards the dangerous moments: a close, an interrupt or a reopen
// issued by one actor while another actor's query, COPY, iteration or failing
// statement is in flight; database close with live connections and results;
// two writers at once.
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

#include "lifeguard/harness/schedule.h"

namespace lifeguard::harness {

struct GeneratorOptions {
  std::string engine = "lifeguard";
  std::string policy = "complete";
  int actors = 3;
  int min_ops = 3;   // per actor, besides its connect
  int max_ops = 9;
  bool small_data = false;  // short queries and small COPYs (fuzzing: many runs per second)
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
