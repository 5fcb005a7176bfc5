// The oracles that judge a finished run (private to the harness).
#pragma once

#include <string>

#include "lifeguard/harness/contract.h"
#include "lifeguard/harness/engine_adapter.h"
#include "lifeguard/harness/runner.h"

namespace lifeguard::harness {

// Why a schedule cannot be run ("" if it can): e.g. awaits that wait for
// each other.
std::string checkRunnable(const Schedule& schedule);

// Judges result->history (contract, data, then invariants) and fills the
// verdict and message of the first failure.
void judge(const Schedule& schedule, const Contract& contract, const EngineState& final_state, RunResult* result,
           bool durable = false);

// The first overlap in `history` that `contract` makes the caller's fault,
// described with the rule and its source; "" if there is none.
std::string callerFaultIn(const Schedule& schedule, const Contract& contract, const std::vector<Event>& history);

}  // namespace lifeguard::harness
