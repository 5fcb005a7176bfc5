// The oracles that judge a finished run (private to the harness).
#pragma once

#include <string>

#include "lifeguard/harness/contract.h"
#include "lifeguard/harness/engine_adapter.h"
#include "lifeguard/harness/run_result.h"

namespace lifeguard::harness {

// Why a schedule cannot be run ("" if it can): e.g. awaits that wait for
// each other.
std::string checkRunnable(const Schedule& schedule);

// Judges result->history (contract, data, then invariants) and fills the
// verdict and message of the first failure.
void judge(const Schedule& schedule, const Contract& contract, const EngineState& final_state, RunResult* result,
           bool durable = false);

// Whether a failed run's failure is the caller's fault: the first overlap
// in its history that `contract` makes the caller's fault and that involves
// an operation the failure is about (one still in flight when the run ended,
// or the one a contract failure names), described with the rule and its
// source; "" if there is none.
std::string callerFaultIn(const Schedule& schedule, const Contract& contract, const RunResult& result);

}  // namespace lifeguard::harness
