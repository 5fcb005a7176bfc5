#include "judge/oracles.h"

#include <cstdio>
#include <functional>
#include <map>
#include <set>

#include "judge/hints.h"
#include "judge/model.h"

namespace lifeguard::harness {
namespace {

// Operations are nodes; each actor's order and each await are edges. A
// cycle means the schedule would wait for itself.
bool hasAwaitCycle(const Schedule& s) {
  std::map<std::pair<int, int>, int> colour;  // 0 new, 1 on stack, 2 done
  std::function<bool(int, int)> visit = [&](int actor, int index) {
    int& c = colour[{actor, index}];
    if (c == 1) return true;
    if (c == 2) return false;
    c = 1;
    const Op& op = s.actors[actor][index];
    bool cycle = (index > 0 && visit(actor, index - 1)) ||
                 (op.kind == OpKind::kAwait && visit(op.await_actor, op.await_index));
    colour[{actor, index}] = 2;
    return cycle;
  };
  for (int a = 0; a < static_cast<int>(s.actors.size()); ++a) {
    for (int i = 0; i < static_cast<int>(s.actors[a].size()); ++i) {
      if (visit(a, i)) return true;
    }
  }
  return false;
}

std::string describe(const Schedule& s, int actor, int index) {
  std::string where = "actor " + std::to_string(actor) + " op #" + std::to_string(index);
  if (actor < static_cast<int>(s.actors.size())) return where + " '" + formatOp(s.actors[actor][index]) + "'";
  return "teardown step " + std::to_string(index);
}

std::string formatSet(const std::set<AnswerKind>& kinds) {
  std::string out = "{";
  for (AnswerKind kind : kinds) out += (out.size() > 1 ? ", " : "") + std::string(toString(kind));
  return out + "}";
}

// Oracle 1: every answer is one the contract allows for the handles' state.
bool checkContract(const Schedule& s, const Contract& contract, const HistoryIndex& index, RunResult* result) {
  for (const Event& e : result->history) {
    if (e.type != EventType::kReturn) continue;
    bool teardown = e.actor >= static_cast<int>(s.actors.size());
    if (teardown) {
      if (e.answer.kind == AnswerKind::kInternal) {
        result->verdict = Verdict::kContract;
        result->message = describe(s, e.actor, e.index) + " answered " + e.answer.toString();
        return false;
      }
      continue;
    }
    const Op& op = s.actors[e.actor][e.index];
    OpContext context = index.contextOf(e.actor, e.index);
    if (contract.allows(op, context, e.answer.kind)) continue;
    result->verdict = Verdict::kContract;
    result->message = describe(s, e.actor, e.index) + " answered " + e.answer.toString() + "; with the handle " +
                      std::string(toString(context.state)) + (context.interrupted ? ", interrupted" : "") +
                      (context.timeout_set ? ", timeout set" : "") +
                      (context.interrupted_while_planning ? ", interrupted while planned" : "") + " the contract allows " +
                      formatSet(contract.allowed(op, context));
    return false;
  }
  return true;
}

// A read of one statement (query or execute), which waits for no lock.
bool isRead(const Op& op) {
  if (op.kind != OpKind::kQuery && op.kind != OpKind::kExecute) return false;
  QueryKind kind = op.query.kind;
  return kind == QueryKind::kLong || kind == QueryKind::kCount || kind == QueryKind::kBadExec;
}

bool endsQueriesOf(const Contract& contract, const Op& closer, const Op& query) {
  if (closer.kind == OpKind::kInterrupt) return closer.handle == query.handle;
  if (contract.style() != CloseStyle::kDrain) return false;
  return closer.kind == OpKind::kCloseDb || closer.kind == OpKind::kReopen ||
         (closer.kind == OpKind::kDisconnect && closer.handle == query.handle);
}

// Oracle 1b, responsiveness (free-running runs only): once an interrupt (or
// a drain-style close) returned, a read that was already executing alone on
// its connection returns within the contract's bound. A read that began
// later, or shared its connection, may rightly run its whole length.
std::string checkResponsive(const Schedule& s, const Contract& contract, const HistoryIndex& index,
                            const std::vector<Event>& history) {
  const double bound = contract.responsivenessMs();
  const int actors = static_cast<int>(s.actors.size());
  if (bound <= 0) return "";
  auto alone = [&](int a, int i) {
    for (int b = 0; b < actors; ++b) {
      for (int j = 0; j < static_cast<int>(s.actors[b].size()); ++j) {
        const Op& other = s.actors[b][j];
        bool on_conn = other.kind == OpKind::kQuery || other.kind == OpKind::kExecute || other.kind == OpKind::kPrepare;
        if ((b != a || j != i) && on_conn && other.handle == s.actors[a][i].handle && index.overlap(a, i, b, j)) {
          return false;
        }
      }
    }
    return true;
  };
  for (const Event& e : history) {
    if (e.type != EventType::kReturn || e.step != 0 || e.actor >= actors || !e.answer.isOk()) continue;
    const Op& closer = s.actors[e.actor][e.index];
    const std::uint64_t sent = index.invoked(e.actor, e.index);
    for (int a = 0; a < actors; ++a) {
      for (int i = 0; a != e.actor && i < static_cast<int>(s.actors[a].size()); ++i) {
        const Op& query = s.actors[a][i];
        if (!isRead(query) || !endsQueriesOf(contract, closer, query)) continue;
        const std::uint64_t running = index.running(a, i);
        if (running == 0 || running > sent || index.returned(a, i) == kNever || index.returned(a, i) < e.seq) continue;
        const double late = index.returnEvent(a, i)->at_ms - e.at_ms;
        if (late <= bound || !alone(a, i)) continue;
        auto ms = [](double value) { return std::to_string(static_cast<long long>(value + 0.5)) + " ms"; };
        return describe(s, a, i) + " returned " + ms(late) + " after " + describe(s, e.actor, e.index) +
               " returned, while it ran alone on " + query.handle + "; the contract bounds that at " + ms(bound) +
               " (" + contract.responsivenessSource() + ")";
      }
    }
  }
  return "";
}

// Oracle 4: after teardown the engine is quiet.
bool checkInvariants(const EngineState& state, RunResult* result) {
  if (!state.available) return true;
  std::string problems;
  auto expectZero = [&](std::size_t value, const char* what) {
    if (value != 0) problems += std::string(problems.empty() ? "" : ", ") + what + " = " + std::to_string(value);
  };
  expectZero(state.active_queries, "active queries");
  expectZero(state.live_transactions, "live transactions");
  expectZero(state.busy_workers, "busy workers");
  expectZero(state.queued_tasks, "queued tasks");
  expectZero(state.pages_in_use, "pages in use");
  if (problems.empty()) return true;
  result->verdict = Verdict::kInvariant;
  result->message = "after closing every result and connection the engine is not quiet: " + problems;
  return false;
}

}  // namespace

std::string checkRunnable(const Schedule& schedule) {
  if (schedule.actors.empty()) return "the schedule has no actors";
  if (hasAwaitCycle(schedule)) return "the schedule's awaits wait for each other (a cycle)";
  return "";
}

void judge(const Schedule& schedule, const Contract& contract, const EngineState& final_state, RunResult* result,
           bool durable) {
  HistoryIndex index(schedule, result->history);
  if (!checkContract(schedule, contract, index, result)) return;
  if (std::string late = checkResponsive(schedule, contract, index, result->history); !late.empty()) {
    result->verdict = Verdict::kContract;
    result->message = late;
    return;
  }
  std::string data = checkData(schedule, index, result->history, durable);
  if (!data.empty()) {
    result->verdict = Verdict::kData;
    result->message = data;
    return;
  }
  checkInvariants(final_state, result);
}

std::string callerFaultIn(const Schedule& s, const Contract& contract, const RunResult& result) {
  HistoryIndex index(s, result.history);
  // A run that allowed second instances (--outside-contract) and made one:
  // whatever failed, it failed after the caller broke the engine's rule.
  if (s.second_instances && !contract.secondInstance().empty()) {
    const std::string rule = ": a second instance of a path is the caller's fault (" +
                             contract.secondInstanceSource() + ")";
    for (const SecondInstance& second : secondInstances(s, index)) {
      return describe(s, second.opener_actor, second.opener_index) + " opened the path again while " +
             describe(s, second.user_actor, second.user_index) + " still ran on the earlier instance" + rule;
    }
    if (contract.style() == CloseStyle::kDeferred) {
      for (const SecondInstance& second : secondInstancesOfLiveConnections(s, index)) {
        return describe(s, second.opener_actor, second.opener_index) + " opened the path again while " +
               describe(s, second.user_actor, second.user_index) + " was live" + rule;
      }
    }
  }
  if (contract.callerFaults().empty()) return "";
  // The operations the failure is about: those still in flight when the run
  // ended (a crash, a sanitizer report or a hang happened under them), and
  // the one a contract failure names.
  int named_actor = -1, named_index = -1;
  if (result.verdict == Verdict::kContract) std::sscanf(result.message.c_str(), "actor %d op #%d", &named_actor, &named_index);
  auto involved = [&](int a, int i) {
    return (a == named_actor && i == named_index) || (index.invoked(a, i) != 0 && index.returned(a, i) == kNever);
  };
  for (int a = 0; a < static_cast<int>(s.actors.size()); ++a) {
    for (int i = 0; i < static_cast<int>(s.actors[a].size()); ++i) {
      for (int b = 0; b < static_cast<int>(s.actors.size()); ++b) {
        for (int j = 0; b != a && j < static_cast<int>(s.actors[b].size()); ++j) {
          const CallerFault* fault = contract.callerFault(s.actors[a][i], s.actors[b][j]);
          if (fault == nullptr || !index.overlap(b, j, a, i) || !(involved(a, i) || involved(b, j))) continue;
          return describe(s, a, i) + " overlapped " + describe(s, b, j) + ": " + fault->rule + " is the caller's fault (" +
                 fault->source + ")";
        }
      }
    }
  }
  return "";
}

}  // namespace lifeguard::harness
