#include "lifeguard/harness/history_index.h"

#include <algorithm>
#include <limits>
#include <optional>

namespace lifeguard::harness {
namespace {

bool overlaps(std::uint64_t e_invoke, std::uint64_t e_ret, std::uint64_t x_invoke, std::uint64_t x_ret) {
  return e_invoke != 0 && e_invoke < x_ret && e_ret > x_invoke;
}

}  // namespace

HistoryIndex::HistoryIndex(const Schedule& schedule, const std::vector<Event>& history) : schedule_(schedule) {
  for (const Event& e : history) {
    Times& t = times_[{e.actor, e.index}];
    if (e.type == EventType::kInvoke) t.invoke = e.seq;
    if (e.type == EventType::kStarted && t.started == 0) t.started = e.seq;
    if (e.type == EventType::kRunning && t.running == 0) t.running = e.seq;
    if (e.type == EventType::kReturn) t.ret = e.seq, t.ret_event = &e;
  }
}

const HistoryIndex::Times& HistoryIndex::times(int actor, int index) const {
  static const Times kNone;
  auto it = times_.find({actor, index});
  return it == times_.end() ? kNone : it->second;
}

std::uint64_t HistoryIndex::invoked(int actor, int index) const { return times(actor, index).invoke; }
std::uint64_t HistoryIndex::returned(int actor, int index) const { return times(actor, index).ret; }
const Event* HistoryIndex::returnEvent(int actor, int index) const { return times(actor, index).ret_event; }

bool HistoryIndex::overlap(int actor, int index, int other_actor, int other_index) const {
  const Times& x = times(actor, index);
  const Times& y = times(other_actor, other_index);
  return x.invoke != 0 && overlaps(y.invoke, y.ret, x.invoke, x.ret);
}

namespace {
bool createsDatabase(const Op& op) { return op.kind == OpKind::kReopen || op.kind == OpKind::kOpenDb; }
}  // namespace

int HistoryIndex::generation(std::uint64_t seq) const {
  int generation = 0;
  for (int a = 0; a < static_cast<int>(schedule_.actors.size()); ++a) {
    for (int i = 0; i < static_cast<int>(schedule_.actors[a].size()); ++i) {
      if (createsDatabase(schedule_.actors[a][i]) && returned(a, i) < seq) ++generation;
    }
  }
  return generation;
}

bool HistoryIndex::overlapsDatabaseCreation(std::uint64_t invoke, std::uint64_t ret) const {
  for (int a = 0; a < static_cast<int>(schedule_.actors.size()); ++a) {
    for (int i = 0; i < static_cast<int>(schedule_.actors[a].size()); ++i) {
      const Times& t = times(a, i);
      if (createsDatabase(schedule_.actors[a][i]) && overlaps(t.invoke, t.ret, invoke, ret)) return true;
    }
  }
  return false;
}

std::pair<int, int> HistoryIndex::connectOf(const std::string& conn) const {
  for (int a = 0; a < static_cast<int>(schedule_.actors.size()); ++a) {
    for (int i = 0; i < static_cast<int>(schedule_.actors[a].size()); ++i) {
      const Op& op = schedule_.actors[a][i];
      if (op.kind == OpKind::kConnect && op.handle == conn) return {a, i};
    }
  }
  return {-1, -1};
}

namespace {

// What an operation does to the handle another operation depends on.
enum class Effect { kOpens, kCloses, kReopens, kUnknown };
struct Transition {
  std::uint64_t invoke, ret;
  Effect effect;
};
enum class Target { kDatabase, kConnection, kResult };

Target targetOf(const Op& op) {
  switch (op.kind) {
    case OpKind::kIterate:
    case OpKind::kCloseResult: return Target::kResult;
    case OpKind::kDrop: return !op.handle.empty() && op.handle[0] == 'r' ? Target::kResult : Target::kConnection;
    case OpKind::kQuery:
    case OpKind::kPrepare:
    case OpKind::kExecute:
    case OpKind::kDisconnect:
    case OpKind::kInterrupt:
    case OpKind::kSetTimeout: return Target::kConnection;
    default: return Target::kDatabase;
  }
}

// The effect of `e` (answered `answer`, null if it never returned) on the
// handle `name` of kind `target`, or nullopt if it has none. A close that
// failed, a drop (the engine object dies when its last call returns) and a
// query that failed (is its result open?) leave the state unknown.
std::optional<Effect> effectOf(const Op& e, const Answer* answer, Target target, const std::string& name) {
  const bool ok = answer == nullptr || answer->isOk();
  auto unlessGone = [&](Effect effect) -> std::optional<Effect> {
    if (answer != nullptr && (answer->kind == AnswerKind::kGone || answer->kind == AnswerKind::kBusy)) {
      return std::nullopt;  // no handle, or a close refused: nothing changed
    }
    return ok ? effect : Effect::kUnknown;
  };
  // A close that says the handle was already closed closed it all the same.
  auto closes = [&]() -> std::optional<Effect> {
    bool clean = answer != nullptr && (answer->kind == AnswerKind::kConnectionClosed ||
                                       answer->kind == AnswerKind::kDatabaseClosed ||
                                       answer->kind == AnswerKind::kInvalidUse);
    return clean ? Effect::kCloses : unlessGone(Effect::kCloses);
  };
  switch (e.kind) {
    case OpKind::kOpenDb:
      if (target == Target::kDatabase && ok) return Effect::kOpens;
      return std::nullopt;
    // A reopen opens a new database; the old one's connections and results stay closed.
    case OpKind::kReopen: return unlessGone(target == Target::kDatabase ? Effect::kReopens : Effect::kCloses);
    case OpKind::kCloseDb: return closes();
    case OpKind::kDropDb: return unlessGone(Effect::kUnknown);
    case OpKind::kConnect:
      if (target == Target::kConnection && e.handle == name && ok) return Effect::kOpens;
      return std::nullopt;
    case OpKind::kQuery:
    case OpKind::kExecute:
      if (target != Target::kResult || e.result != name) return std::nullopt;
      return unlessGone(Effect::kOpens);
    case OpKind::kDisconnect:
      if (target != Target::kConnection || e.handle != name) return std::nullopt;
      return closes();
    case OpKind::kCloseResult:
      if (target != Target::kResult || e.handle != name) return std::nullopt;
      return closes();
    case OpKind::kDrop:
      if (target == Target::kDatabase || e.handle != name) return std::nullopt;
      return unlessGone(Effect::kUnknown);
    default: return std::nullopt;
  }
}

// The states the handle may be in when an operation spanning [xi, xr] takes
// effect, over every order of the transitions that their spans allow. A
// transition can be the last one before the operation unless it was invoked
// after the operation returned, or another transition must follow it (was
// invoked after it returned) and precede the operation (returned before the
// operation was invoked). Before any transition the handle does not exist.
HandleState possibleState(const std::vector<Transition>& transitions, std::uint64_t xi, std::uint64_t xr) {
  bool open = false, closed = false, unknown = false;
  closed = std::all_of(transitions.begin(), transitions.end(), [&](const Transition& t) { return t.ret > xi; });
  for (const Transition& t : transitions) {
    if (t.invoke >= xr) continue;
    bool shadowed = std::any_of(transitions.begin(), transitions.end(),
                                [&](const Transition& u) { return t.ret < u.invoke && u.ret < xi; });
    if (shadowed) continue;
    switch (t.effect) {
      case Effect::kOpens: open = true; break;
      case Effect::kCloses: closed = true; break;
      case Effect::kReopens:  // closed in the middle of it, open after it
        open = true;
        if (t.ret > xi) closed = true;
        break;
      case Effect::kUnknown: unknown = true; break;
    }
  }
  if (unknown || (open && closed)) return HandleState::kClosing;
  return open ? HandleState::kOpen : HandleState::kClosed;
}

}  // namespace

HandleState HistoryIndex::stateOf(int actor, int index) const {
  const Op& op = schedule_.actors[actor][index];
  const Target target = targetOf(op);
  struct Candidate {
    const Op* op;
    Transition transition;
  };
  std::vector<Candidate> candidates;
  // When the handle's database was fixed: its connect (for a result, also
  // its query's connection's connect); and the drops of the database.
  std::vector<Transition> opens, drops;
  for (int a = 0; a < static_cast<int>(schedule_.actors.size()); ++a) {
    for (int i = 0; i < static_cast<int>(schedule_.actors[a].size()); ++i) {
      const Times& t = times(a, i);
      if ((a == actor && i == index) || t.invoke == 0) continue;
      const Op& e = schedule_.actors[a][i];
      const Answer* answer = t.ret_event == nullptr ? nullptr : &t.ret_event->answer;
      if (e.kind == OpKind::kDropDb && !(answer != nullptr && answer->kind == AnswerKind::kGone)) {
        drops.push_back({t.invoke, t.ret, Effect::kUnknown});
      }
      if (auto effect = effectOf(e, answer, target, op.handle)) {
        candidates.push_back({&e, {t.invoke, t.ret, *effect}});
        // A dropped database dies when its last call returns, which may be
        // any call on its handles after the drop (a query made on one of its
        // connections after the drop keeps it alive only while it runs): for
        // them, the drop never ends, and nothing after it shadows it.
        if (e.kind == OpKind::kDropDb && target != Target::kDatabase) {
          candidates.back().transition.ret = std::numeric_limits<std::uint64_t>::max();
        }
        if (*effect != Effect::kOpens) continue;
        opens.push_back(candidates.back().transition);
        if (auto [ca, ci] = connectOf(e.handle); target == Target::kResult && ca >= 0) {
          opens.push_back({invoked(ca, ci), returned(ca, ci), Effect::kOpens});
        }
      }
    }
  }
  // A database close or reopen closes a connection's or result's database
  // only if that is the database it finds open: after a drop, the dropped one
  // lives on unseen (until its last call returns) and the close may meet
  // another. So a drop that may lie between a creation and the close makes
  // the close's effect unknown.
  auto mayFollowDrop = [&](const Transition& close) {
    for (const Transition& d : drops) {
      for (const Transition& o : opens) {
        if (d.invoke < close.ret && d.ret > o.invoke) return true;
      }
    }
    return false;
  };
  std::vector<Transition> transitions;
  for (Candidate& c : candidates) {
    bool db_close = c.op->kind == OpKind::kCloseDb || c.op->kind == OpKind::kReopen;
    if (target != Target::kDatabase && db_close && c.transition.effect == Effect::kCloses &&
        mayFollowDrop(c.transition)) {
      c.transition.effect = Effect::kUnknown;
    }
    transitions.push_back(c.transition);
  }
  const Times& x = times(actor, index);
  return possibleState(transitions, x.invoke, x.ret);
}

bool HistoryIndex::statementRunsAt(const std::string& conn, std::uint64_t at, int actor, int index) const {
  for (int a = 0; a < static_cast<int>(schedule_.actors.size()); ++a) {
    for (int i = 0; i < static_cast<int>(schedule_.actors[a].size()); ++i) {
      const Op& q = schedule_.actors[a][i];
      if (q.kind != OpKind::kQuery || q.handle != conn || (a == actor && i == index)) continue;
      const Times& t = times(a, i);
      if (t.invoke != 0 && t.invoke < at && (q.result != "-" || t.ret > at)) return true;
    }
  }
  return false;
}

void HistoryIndex::statementContext(const Op& execute, OpContext* context) const {
  for (int a = 0; a < static_cast<int>(schedule_.actors.size()); ++a) {
    for (int i = 0; i < static_cast<int>(schedule_.actors[a].size()); ++i) {
      const Op& prepare = schedule_.actors[a][i];
      if (prepare.kind != OpKind::kPrepare || prepare.result != execute.statement) continue;
      context->foreign_statement = prepare.handle != execute.handle;
      const Event* ret = returnEvent(a, i);
      if (ret != nullptr && !ret->answer.isOk()) context->statement_failed = ret->answer.kind;
    }
  }
}

OpContext HistoryIndex::contextOf(int actor, int index) const {
  const Times& x = times(actor, index);
  OpContext context;
  context.state = stateOf(actor, index);
  const Op& op = schedule_.actors[actor][index];
  // A result may still be computing while it is read (a streaming result):
  // an interrupt of its connection since its query began reaches the read.
  std::string stream_conn;
  std::uint64_t stream_start = 0;
  if (op.kind == OpKind::kIterate) {
    for (int a = 0; a < static_cast<int>(schedule_.actors.size()); ++a) {
      for (int i = 0; i < static_cast<int>(schedule_.actors[a].size()); ++i) {
        const Op& q = schedule_.actors[a][i];
        std::uint64_t start = invoked(a, i);
        if (q.kind == OpKind::kQuery && q.result == op.handle && start != 0 && start < x.invoke && start > stream_start) {
          stream_conn = q.handle, stream_start = start;
        }
      }
    }
  }
  if (op.kind == OpKind::kExecute) statementContext(op, &context);
  for (int a = 0; a < static_cast<int>(schedule_.actors.size()); ++a) {
    for (int i = 0; i < static_cast<int>(schedule_.actors[a].size()); ++i) {
      const Op& e = schedule_.actors[a][i];
      const Times& t = times(a, i);
      if (e.kind == OpKind::kInterrupt && !stream_conn.empty() && e.handle == stream_conn && t.invoke > stream_start &&
          t.invoke < x.ret) {
        context.interrupted = true;
      }
      if (e.handle != op.handle) continue;
      if (e.kind == OpKind::kInterrupt && overlaps(t.invoke, t.ret, x.invoke, x.ret)) context.interrupted = true;
      // An interrupt that came and went while a long query was being planned
      // (after it started, before it began executing): H10. Only one that
      // reached the connection: an interrupt of a handle already dropped or
      // closed answers Gone and interrupts nothing.
      if (e.kind == OpKind::kInterrupt && op.kind == OpKind::kQuery && op.query.kind == QueryKind::kLong &&
          op.query.count > 0 && x.started != 0 && x.running != 0 && t.invoke > x.started && t.ret < x.running &&
          answeredOk(a, i)) {
        context.interrupted_while_planning = true;
      }
      if (e.kind == OpKind::kInterrupt && (op.kind == OpKind::kQuery || op.kind == OpKind::kExecute) &&
          t.invoke != 0 && t.invoke < x.ret &&
          statementRunsAt(op.handle, t.invoke, actor, index)) {
        context.interrupt_pending = true;
      }
      if (e.kind == OpKind::kSetTimeout && e.number > 0 && t.invoke != 0 && t.invoke < x.ret) {
        context.timeout_set = true;
      }
      if (e.kind == OpKind::kQuery && op.kind == OpKind::kQuery && (a != actor || i != index) && t.invoke != 0 &&
          overlaps(t.invoke, t.ret, x.invoke, x.ret)) {
        context.connection_shared = true;
      }
    }
  }
  return context;
}

}  // namespace lifeguard::harness
