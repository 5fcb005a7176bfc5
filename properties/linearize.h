// Linearizability of a concurrent history against the sequential model
// (model.h), with the three-valued outcomes of operations that race a close.
//
// The history is the runner's: every operation's invocation and return in
// one global order. The check searches for a total order of all operations
// (the schedule's actors' operations, `await` excepted, then the teardown's
// final read of the tables) that
//   - keeps each actor's order and real time (an operation that returned
//     before another was invoked comes first), and
//   - through step() explains every answer, with the Leeway each operation
//     earned from what overlapped it.
// A multi-statement query (result not kept) counts as one operation per
// statement that ran: each commits on its own.
// The search is depth first with a memo of (position, model state); the
// histories the properties make are a few operations per actor.
//
// Thread-safety: a pure function.
#pragma once

#include <string>
#include <vector>

#include "lifeguard/harness/history.h"
#include "lifeguard/harness/schedule.h"

namespace lifeguard::properties {

struct Linearization {
  bool ok = false;
  // When !ok: the longest order the model explains, and the operation that
  // no order could explain next, with the model's reason.
  std::string message;
};

Linearization linearize(const harness::Schedule& schedule, const std::vector<harness::Event>& history);

}  // namespace lifeguard::properties
