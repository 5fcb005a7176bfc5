#include "lifeguard/harness/contract.h"

namespace lifeguard::harness {

std::string_view toString(HandleState state) {
  switch (state) {
    case HandleState::kOpen: return "open";
    case HandleState::kClosing: return "closing";
    case HandleState::kClosed: return "closed";
  }
  return "?";
}

std::string_view toString(CloseStyle style) {
  switch (style) {
    case CloseStyle::kDrain: return "drain";
    case CloseStyle::kDeferred: return "deferred";
    case CloseStyle::kRefuse: return "refuse";
  }
  return "?";
}

const CallerFault* Contract::callerFault(const Op& closer, const Op& victim) const {
  for (const CallerFault& fault : caller_faults_) {
    if (fault.matches(closer, victim)) return &fault;
  }
  return nullptr;
}

void Contract::allow(ContractKey key, std::set<AnswerKind> answers) {
  table_[key].insert(answers.begin(), answers.end());
}

std::set<AnswerKind> Contract::allowed(const Op& op, const OpContext& context) const {
  std::set<AnswerKind> out;
  auto add = [&](QueryKind query) {
    auto it = table_.find({op.kind, query, context.state});
    if (it != table_.end()) out.insert(it->second.begin(), it->second.end());
  };
  const bool has_query = op.kind == OpKind::kQuery || op.kind == OpKind::kPrepare || op.kind == OpKind::kExecute;
  if (op.kind == OpKind::kExecute && context.foreign_statement) {
    // Run on another connection than its own: what the contract says of
    // that (H11), or the clean errors of the handles' state.
    out = foreign_statement_;
    out.insert(AnswerKind::kGone);
    if (context.state != HandleState::kOpen) out.insert({AnswerKind::kConnectionClosed, AnswerKind::kDatabaseClosed});
  } else if (op.kind == OpKind::kQuery && op.query.kind == QueryKind::kMulti) {
    for (const QuerySpec& part : op.query.parts) add(part.kind);
  } else {
    add(has_query ? op.query.kind : QueryKind::kLong);
  }
  if (context.statement_failed) out.insert(*context.statement_failed);  // the execute reports its prepare's error
  if (context.interrupted || (context.interrupt_pending && !interrupt_persists_.empty())) {
    out.insert(when_interrupted_.begin(), when_interrupted_.end());
  }
  if (context.timeout_set) out.insert(when_timeout_.begin(), when_timeout_.end());
  if (context.connection_shared) out.insert(when_shared_.begin(), when_shared_.end());
  if (context.interrupted_while_planning && !interrupt_never_lost_.empty()) out.erase(AnswerKind::kOk);
  return out;
}

bool Contract::allows(const Op& op, const OpContext& context, AnswerKind answer) const {
  return allowed(op, context).count(answer) != 0;
}

Contract drainingEngineContract() {
  using A = AnswerKind;
  using S = HandleState;
  Contract contract;
  // Lifecycle operations succeed in every state; they may find the handle gone.
  for (OpKind op : {OpKind::kOpenDb, OpKind::kReopen, OpKind::kCloseDb, OpKind::kDropDb, OpKind::kDisconnect,
                    OpKind::kDrop, OpKind::kCloseResult, OpKind::kInterrupt, OpKind::kSetTimeout, OpKind::kAwait}) {
    for (S state : kHandleStates) contract.allow({op, QueryKind::kLong, state}, {A::kOk, A::kGone});
  }
  contract.allow({OpKind::kConnect, QueryKind::kLong, S::kOpen}, {A::kOk, A::kGone});
  contract.allow({OpKind::kConnect, QueryKind::kLong, S::kClosing}, {A::kOk, A::kDatabaseClosed, A::kGone});
  contract.allow({OpKind::kConnect, QueryKind::kLong, S::kClosed}, {A::kDatabaseClosed, A::kGone});

  // Queries on an open connection of an open database.
  const std::pair<QueryKind, std::set<A>> kOpenAnswers[] = {
      {QueryKind::kLong, {A::kOk}},
      {QueryKind::kCount, {A::kOk}},
      {QueryKind::kInsert, {A::kOk, A::kWriteConflict}},
      {QueryKind::kCopy, {A::kOk, A::kWriteConflict}},
      {QueryKind::kCopyBad, {A::kCopyError, A::kWriteConflict}},
      {QueryKind::kBegin, {A::kOk, A::kWriteConflict, A::kUserError}},
      {QueryKind::kCommit, {A::kOk, A::kUserError}},
      {QueryKind::kRollback, {A::kOk, A::kUserError}},
      {QueryKind::kBadParse, {A::kUserError}},
      {QueryKind::kBadBind, {A::kUserError}},
      {QueryKind::kBadExec, {A::kUserError}},
  };
  const std::set<A> kClosedAnswers = {A::kConnectionClosed, A::kDatabaseClosed, A::kGone};
  for (const auto& [query, answers] : kOpenAnswers) {
    std::set<A> open = answers;
    open.insert(A::kGone);
    contract.allow({OpKind::kQuery, query, S::kOpen}, open);
    // Racing a close: whatever it would answer open, or a clean close error.
    std::set<A> closing = open;
    closing.insert({A::kConnectionClosed, A::kDatabaseClosed, A::kInterrupted});
    contract.allow({OpKind::kQuery, query, S::kClosing}, closing);
    contract.allow({OpKind::kQuery, query, S::kClosed}, kClosedAnswers);
  }
  // Results: readable while open; a clear error once closed (by close_result
  // or by the database).
  contract.allow({OpKind::kIterate, QueryKind::kLong, S::kOpen}, {A::kOk, A::kGone});
  contract.allow({OpKind::kIterate, QueryKind::kLong, S::kClosing},
                 {A::kOk, A::kDatabaseClosed, A::kInvalidUse, A::kGone});
  contract.allow({OpKind::kIterate, QueryKind::kLong, S::kClosed}, {A::kDatabaseClosed, A::kInvalidUse, A::kGone});
  contract.allow({OpKind::kCheck, QueryKind::kLong, S::kOpen}, {A::kOk});
  contract.allow({OpKind::kCheck, QueryKind::kLong, S::kClosing},
                 {A::kOk, A::kDatabaseClosed, A::kInterrupted, A::kGone});
  contract.allow({OpKind::kCheck, QueryKind::kLong, S::kClosed}, {A::kDatabaseClosed, A::kGone});

  // Prepared statements: a prepare parses (and may bind) without running; an
  // execute on its own connection answers as the query would; on another
  // connection, a clean error (H11: "prepared statement belongs to another
  // connection", engine/README.md).
  for (QueryKind query : kStatementKinds) {
    contract.allow({OpKind::kPrepare, query, S::kOpen}, {A::kOk, A::kUserError, A::kGone});
    contract.allow({OpKind::kPrepare, query, S::kClosing},
                   {A::kOk, A::kUserError, A::kConnectionClosed, A::kDatabaseClosed, A::kGone});
    contract.allow({OpKind::kPrepare, query, S::kClosed}, kClosedAnswers);
    for (S state : kHandleStates) {
      auto it = contract.table().find({OpKind::kQuery, query, state});
      if (it != contract.table().end()) contract.allow({OpKind::kExecute, query, state}, it->second);
    }
  }
  contract.allowForeignStatement({A::kInvalidUse}, "engine/README.md: a prepared statement of another connection");

  contract.allowWhenInterrupted({A::kInterrupted});
  contract.allowWhenTimeoutSet({A::kTimeout, A::kInterrupted});
  return contract;
}

Contract deferredCloseContract() {
  using A = AnswerKind;
  using S = HandleState;
  Contract contract = drainingEngineContract();
  contract.setStyle(CloseStyle::kDeferred, "");
  // After a close, what still holds the engine (a connection, a result, a
  // running query) may go on as if it were open, or fail with a clean error;
  // never crash or hang.
  // Closed answers as closing (which holds the open answers and the clean errors).
  for (QueryKind query : kStatementKinds) {
    contract.allow({OpKind::kQuery, query, S::kClosed}, contract.table().at({OpKind::kQuery, query, S::kClosing}));
  }
  contract.allow({OpKind::kIterate, QueryKind::kLong, S::kClosed}, {A::kOk});
  // A connection whose database closed may refuse even an interrupt cleanly.
  for (OpKind op : {OpKind::kInterrupt, OpKind::kSetTimeout}) {
    for (S state : {S::kClosing, S::kClosed}) {
      contract.allow({op, QueryKind::kLong, state}, {A::kConnectionClosed, A::kDatabaseClosed});
    }
  }
  return contract;
}

Contract refusingCloseContract() {
  using A = AnswerKind;
  using S = HandleState;
  Contract contract = drainingEngineContract();
  contract.setStyle(CloseStyle::kRefuse, "");
  // A close may refuse while work is live, and then changes nothing.
  for (OpKind op : {OpKind::kCloseDb, OpKind::kDisconnect, OpKind::kReopen}) {
    for (S state : kHandleStates) contract.allow({op, QueryKind::kLong, state}, {A::kBusy});
  }
  return contract;
}

}  // namespace lifeguard::harness
