// Cause hints: what in a failed run's history explains the failure, or
// makes it suspect, said in one line each, so that a user can tell the
// engine's bug from the caller's and the binding's without reading the
// timeline. The campaign prints them under its FAIL line, the artifact keeps
// them ("# why: ..."), and the HTML timeline shows them.
//
//   a second instance  an open_db or reopen that returned ok while a call on
//                      the earlier instance of the database still ran: two
//                      instances of one path lived in the process
//   a deferred close   a close that returned ok while a call on its object
//                      still ran (the close did not wait for it)
//   the caller's fault an overlap the engine's contract makes the caller's
//                      (RunResult::outside_contract)
//   the binding's own  an answer whose message is the binding's runtime
//   exception          error (a JavaScript TypeError), not the engine's
//   a crash            the engine's top frame in the report, the last
//                      lifecycle event before the end, and the calls in flight
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "lifeguard/harness/history_index.h"
#include "lifeguard/harness/run_result.h"

namespace lifeguard::harness {

// An open (or reopen) `opener` that returned ok while `user`, a call on the
// earlier instance of the database or a close of it, still ran.
struct SecondInstance {
  int opener_actor, opener_index;
  int user_actor, user_index;
};
// Every such pair in a run, the first user per opener.
std::vector<SecondInstance> secondInstances(const Schedule& schedule, const HistoryIndex& index);
// Under a deferred close a live connection keeps its database's instance
// alive: each open that returned ok while a connection made before it was
// neither disconnected nor dropped, with that connect (the first per opener).
std::vector<SecondInstance> secondInstancesOfLiveConnections(const Schedule& schedule, const HistoryIndex& index);

// The hints for a failed run (none for a pass).
std::vector<std::string> causeHints(const Schedule& schedule, const RunResult& result);

// The first frame of a sanitizer report's stack, or of a crash stack
// (adapters/process/crash_stack.cc: "lib.so(_ZN...+0x8)[0x...]", demangled),
// that is the engine's: not the harness's, the standard library's or the
// sanitizer's. What tells one crash from another of the same verdict; "" if
// there is none.
std::string engineFrame(const std::string& report);

// A hang's report with every thread's stack (adapters/process/crash_stack.cc:
// "lifeguard thread_stacks: thread TID (NAME)" blocks): where the engine's
// threads were, each by its first engine frame, counted ("1 in
// lbug::transaction::TransactionContext::commit, 2 in
// lbug::common::TaskScheduler::runWorkerThread"); "" if it has none.
std::string threadsAtHang(const std::string& report);

}  // namespace lifeguard::harness
