// Contract: what an engine documents it may answer for each operation,
// depending on the state of the handles it touches.
//
// The state of a handle during an operation is derived from the history
// (HistoryIndex), from every event on the handle by any actor: what opens it
// (open_db, reopen, connect, the query that made a result), what closes it
// (close_db, reopen, disconnect, close_result; for a connection or a result
// also its database's closes) and what leaves it unknown (a drop, a close
// that failed). The operation may meet any state that some order of those
// events, consistent with their [invoke, return] spans, leaves:
//   kOpen     open in every such order;
//   kClosed   closed (or not yet created) in every such order;
//   kClosing  either, or unknown: a close overlapped the operation, or two
//             events that overlap each other (a close inside a reopen)
//             returned before it in an order the history does not show.
//
// Thread-safety: immutable after construction.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>

#include "lifeguard/harness/answer.h"
#include "lifeguard/harness/schedule.h"

namespace lifeguard::harness {

enum class HandleState { kOpen, kClosing, kClosed };
std::string_view toString(HandleState state);

// What else was going on around one operation (from the history).
struct OpContext {
  HandleState state = HandleState::kOpen;  // worst of the handles involved
  bool interrupted = false;  // an interrupt of its connection overlapped it
  bool timeout_set = false;  // a timeout was set on its connection before it returned
};

// Which operations the contract distinguishes: the op kind, and for queries
// the query kind.
struct ContractKey {
  OpKind op;
  QueryKind query = QueryKind::kLong;
  HandleState state;
  auto operator<=>(const ContractKey&) const = default;
};

class Contract {
 public:
  // Allowed answers for (op, query kind, state). Missing entries allow
  // nothing: a contract must be complete for what its engine supports.
  void allow(ContractKey key, std::set<AnswerKind> answers);
  // Answers allowed whenever an interrupt overlapped / a timeout was set.
  void allowWhenInterrupted(std::set<AnswerKind> answers) { when_interrupted_ = std::move(answers); }
  void allowWhenTimeoutSet(std::set<AnswerKind> answers) { when_timeout_ = std::move(answers); }

  bool allows(const Op& op, const OpContext& context, AnswerKind answer) const;
  // The allowed set, for failure messages.
  std::set<AnswerKind> allowed(const Op& op, const OpContext& context) const;

 private:
  std::map<ContractKey, std::set<AnswerKind>> table_;
  std::set<AnswerKind> when_interrupted_, when_timeout_;
};

// The contract of a drain-style engine (close waits, after interrupting):
// ours under `complete`.
Contract drainingEngineContract();
// The contract of a deferred-close engine (close returns at once and the
// last user frees, like sqlite3_close_v2): after a close, queries and results
// may still answer as if open, or with a clean close error.
Contract deferredCloseContract();

}  // namespace lifeguard::harness
