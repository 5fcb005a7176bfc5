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
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "lifeguard/harness/answer.h"
#include "lifeguard/harness/schedule.h"

namespace lifeguard::harness {

enum class HandleState { kOpen, kClosing, kClosed };
inline constexpr HandleState kHandleStates[] = {HandleState::kOpen, HandleState::kClosing, HandleState::kClosed};
// Every query kind a single statement can be (a multi is judged by its parts).
inline constexpr QueryKind kStatementKinds[] = {
    QueryKind::kLong,   QueryKind::kCount,    QueryKind::kInsert,   QueryKind::kCopy,    QueryKind::kCopyBad,
    QueryKind::kBegin,  QueryKind::kCommit,   QueryKind::kRollback, QueryKind::kBadParse, QueryKind::kBadBind,
    QueryKind::kBadExec};
std::string_view toString(HandleState state);

// What else was going on around one operation (from the history).
struct OpContext {
  HandleState state = HandleState::kOpen;  // worst of the handles involved
  bool interrupted = false;  // an interrupt of its connection overlapped it
  // A query: an interrupt of its connection came before it returned, while
  // another statement of the connection (a kept result, or a query in
  // flight) ran. Counts only where the contract says an interrupt stays in
  // effect while any statement of the connection runs.
  bool interrupt_pending = false;
  bool timeout_set = false;  // a timeout was set on its connection before it returned
  // A `long` query: an interrupt of its connection was sent and returned
  // after the query started (parse/bind) and before it began executing.
  bool interrupted_while_planning = false;
  // An execute: its statement was prepared on another connection (H11); its
  // prepare failed with this answer (the execute reports that error).
  bool foreign_statement = false;
  std::optional<AnswerKind> statement_failed;
  // A query: another query on its connection was in flight while it was.
  bool connection_shared = false;
};

// Which operations the contract distinguishes: the op kind, and for queries
// the query kind.
struct ContractKey {
  OpKind op;
  QueryKind query = QueryKind::kLong;
  HandleState state;
  auto operator<=>(const ContractKey&) const = default;
};

// How an engine closes a handle while work on it is in flight.
enum class CloseStyle {
  kDrain,     // close waits for the work (maybe after interrupting it)
  kDeferred,  // close returns at once; the last user frees (sqlite3_close_v2)
  kRefuse,    // close fails while work is live (sqlite3_close: SQLITE_BUSY)
};
std::string_view toString(CloseStyle style);

// An overlap the engine's documentation makes the caller's fault: an
// operation of a `closers` kind overlapping one of a `victims` kind (on the
// same handle, if `same_handle`). A run whose history holds one is judged all
// the same, but a failure in it is reported as outside the contract, never as
// an engine bug; the generator avoids drawing it unless told otherwise.
struct CallerFault {
  std::set<OpKind> closers;
  std::set<OpKind> victims;
  bool same_handle = true;
  std::string rule;    // what the caller must not do
  std::string source;  // where the engine's documentation says so

  // Whether `closer` overlapping `victim` is this fault. An execute uses two
  // handles: its connection and its statement.
  bool matches(const Op& closer, const Op& victim) const {
    return closers.count(closer.kind) && victims.count(victim.kind) &&
           (!same_handle || closer.handle == victim.handle ||
            (victim.kind == OpKind::kExecute && closer.handle == victim.statement));
  }
};

class Contract {
 public:
  // The close style, and where the engine's documentation says so.
  void setStyle(CloseStyle style, std::string source) { style_ = style, style_source_ = std::move(source); }
  CloseStyle style() const { return style_; }
  const std::string& styleSource() const { return style_source_; }
  // A second instance of a path: a database opened while an earlier
  // instance of the same path still lives in the process. `rule` says what
  // the engine promises about it and what the adapter does to avoid it
  // ("the caller's fault: the adapter answers Busy ..."); `source` is where
  // the engine's documentation says so. Unset for an engine without a path.
  void setSecondInstance(std::string rule, std::string source) {
    second_instance_ = std::move(rule), second_instance_source_ = std::move(source);
  }
  const std::string& secondInstance() const { return second_instance_; }
  const std::string& secondInstanceSource() const { return second_instance_source_; }
  void addCallerFault(CallerFault fault) { caller_faults_.push_back(std::move(fault)); }
  const std::vector<CallerFault>& callerFaults() const { return caller_faults_; }
  // Whether `closer` overlapping `victim` is one of the caller faults.
  const CallerFault* callerFault(const Op& closer, const Op& victim) const;

  // Allowed answers for (op, query kind, state). Missing entries allow
  // nothing: a contract must be complete for what its engine supports.
  void allow(ContractKey key, std::set<AnswerKind> answers);
  // Answers allowed whenever an interrupt overlapped / a timeout was set.
  void allowWhenInterrupted(std::set<AnswerKind> answers) { when_interrupted_ = std::move(answers); }
  void allowWhenTimeoutSet(std::set<AnswerKind> answers) { when_timeout_ = std::move(answers); }
  // Answers allowed when a statement runs on another connection than the
  // one that prepared it (H11), with the documentation that says so.
  void allowForeignStatement(std::set<AnswerKind> answers, std::string source) {
    foreign_statement_ = std::move(answers), foreign_statement_source_ = std::move(source);
  }
  const std::set<AnswerKind>& foreignStatement() const { return foreign_statement_; }
  // Answers a query may give while another query on its connection is in
  // flight (OpContext::connection_shared), with the documentation that says so.
  void allowWhenConnectionShared(std::set<AnswerKind> answers, std::string source) {
    when_shared_ = std::move(answers), when_shared_source_ = std::move(source);
  }
  const std::set<AnswerKind>& whenConnectionShared() const { return when_shared_; }
  const std::string& whenConnectionSharedSource() const { return when_shared_source_; }
  const std::string& foreignStatementSource() const { return foreign_statement_source_; }
  // An interrupt stays in effect until every running statement of the
  // connection ends, so it may reach a query that starts later
  // (sqlite3_interrupt); `source` is where the engine says so.
  void setInterruptPersists(std::string source) { interrupt_persists_ = std::move(source); }
  // The engine promises that an interrupt sent while a query is planned is
  // not lost (H10): such a query may not answer Ok.
  void setInterruptNeverLost(std::string source) { interrupt_never_lost_ = std::move(source); }
  const std::string& interruptNeverLost() const { return interrupt_never_lost_; }
  const std::string& interruptPersists() const { return interrupt_persists_; }
  // Responsiveness: once an interrupt of a connection returned (or, closing
  // in the drain style, a close of it or of its database) while a read ran
  // there alone, the read returns within `ms` (free-running: on wall-clock
  // time; 0: no bound). `source` is where the engine documents or implies it.
  void setResponsiveness(double ms, std::string source) { responsive_ms_ = ms, responsive_source_ = std::move(source); }
  double responsivenessMs() const { return responsive_ms_; }
  const std::string& responsivenessSource() const { return responsive_source_; }
  // The longest a statement may wait, by the engine's own design, on top of
  // its own work (Kuzu: a commit waits up to 5 s for the other transactions
  // to end before it checkpoints). The runner calls a hang only after its
  // deadline plus this for each statement of the operation; `source` is
  // where the engine says so.
  void setLongestWait(double ms, std::string source) { longest_wait_ms_ = ms, longest_wait_source_ = std::move(source); }
  double longestWaitMs() const { return longest_wait_ms_; }
  const std::string& longestWaitSource() const { return longest_wait_source_; }

  bool allows(const Op& op, const OpContext& context, AnswerKind answer) const;
  // The allowed set, for failure messages.
  std::set<AnswerKind> allowed(const Op& op, const OpContext& context) const;
  // Every entry, for `lifeguard contract`.
  const std::map<ContractKey, std::set<AnswerKind>>& table() const { return table_; }
  const std::set<AnswerKind>& whenInterrupted() const { return when_interrupted_; }
  const std::set<AnswerKind>& whenTimeoutSet() const { return when_timeout_; }

 private:
  CloseStyle style_ = CloseStyle::kDrain;
  std::string style_source_;
  std::string second_instance_, second_instance_source_;
  std::vector<CallerFault> caller_faults_;
  std::map<ContractKey, std::set<AnswerKind>> table_;
  std::set<AnswerKind> when_interrupted_, when_timeout_;
  std::set<AnswerKind> foreign_statement_;
  std::set<AnswerKind> when_shared_;
  std::string when_shared_source_;
  std::string interrupt_never_lost_;
  std::string foreign_statement_source_;
  std::string interrupt_persists_;  // "" if it does not
  double responsive_ms_ = 0;
  std::string responsive_source_;
  double longest_wait_ms_ = 0;
  std::string longest_wait_source_;
};

// The contract of a drain-style engine (close waits, after interrupting):
// ours under `complete`.
Contract drainingEngineContract();
// The contract of a deferred-close engine (close returns at once and the
// last user frees, like sqlite3_close_v2): after a close, queries and results
// may still answer as if open, or with a clean close error.
Contract deferredCloseContract();
// The contract of a refusing engine (sqlite3_close answering SQLITE_BUSY): a
// close may answer Busy while work is live, and then the handle stays open.
Contract refusingCloseContract();

}  // namespace lifeguard::harness
