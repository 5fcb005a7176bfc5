// Contract: what an engine documents it may answer for each operation,
// depending on the state of the handles it touches.
//
// The state of a handle during an operation is derived from the history:
//   kOpen     no close of the handle was invoked before the operation returned;
//   kClosing  a close was invoked before the operation returned, and had not
//             returned before the operation was invoked (they overlapped);
//   kClosed   a close returned before the operation was invoked.
// The database's state and the connection's state both count: an operation
// on a connection of a closing database is judged by the worse of the two.
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
// ours under `complete`. A deferred-close engine would build another one.
Contract drainingEngineContract();

}  // namespace lifeguard::harness
